//! The scan pipeline's storing step: a [`Scan`](cloudarq_core::scan::Scan)'s
//! result into the store, and what changed since the connection's previous
//! scan.
//!
//! The command line records a scan it ran itself ([`record`]: a new row,
//! queued and finished in place); a scan worker finishes the queued scan it
//! claimed ([`finish`]). Both then compare with the connection's previous
//! successful scan, so the CLI's summary and the service's "new failures"
//! come from the same code.

use cloudarq_core::engine::{EngineError, ResultRef, ScanDiff};
use cloudarq_store::connections::ConnectionId;
use cloudarq_store::jobs::Lease;
use cloudarq_store::scans::{ScanId, ScanStatus, ScanTimes};
use cloudarq_store::{Store, StoreError, TenantScope};

/// Errors of the storing step.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RecordError {
    /// The store refused or failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The previous scan cannot be compared with this one (another account).
    #[error("comparing with the previous scan: {0}")]
    Diff(#[from] EngineError),
}

/// A stored scan and what changed since the previous one.
#[derive(Debug)]
pub struct Recorded {
    /// The stored scan.
    pub scan: ScanId,
    /// New failures, resolved and still failing since the connection's
    /// previous successful scan; `None` for its first.
    pub changes: Option<ScanDiff>,
}

/// Stores `result` as a new scan of `connection` (queued and finished in
/// place, in one step) and compares it with the previous one.
pub async fn record<'a>(
    store: &Store,
    scope: &TenantScope,
    connection: ConnectionId,
    result: impl Into<ResultRef<'a>>,
    times: ScanTimes,
) -> Result<Recorded, RecordError> {
    let result = result.into();
    let scan = store.record_scan(scope, connection, &result, times).await?;
    let changes = since_previous(store, scope, connection, scan, result).await?;
    Ok(Recorded { scan, changes })
}

/// Finishes the scan a worker claimed (`lease`) of `connection` with
/// `result`, and compares it with the previous one.
pub async fn finish<'a>(
    store: &Store,
    scope: &TenantScope,
    connection: ConnectionId,
    lease: &Lease,
    result: impl Into<ResultRef<'a>>,
    times: ScanTimes,
) -> Result<Recorded, RecordError> {
    let result = result.into();
    store.finish_scan(scope, lease, &result, times).await?;
    let scan = lease.scan();
    let changes = since_previous(store, scope, connection, scan, result).await?;
    Ok(Recorded { scan, changes })
}

/// What changed from the newest successful scan of `connection` before
/// `scan` to `latest` (the result of `scan`); `None` when there is none.
pub async fn since_previous<'a>(
    store: &Store,
    scope: &TenantScope,
    connection: ConnectionId,
    scan: ScanId,
    latest: impl Into<ResultRef<'a>>,
) -> Result<Option<ScanDiff>, RecordError> {
    let latest = latest.into();
    let scans = store.scans(scope, Some(connection)).await?;
    // Newest first: the first successful scan listed after `scan`.
    let previous = scans
        .iter()
        .skip_while(|s| s.id != scan)
        .skip(1)
        .find(|s| s.status == ScanStatus::Succeeded);
    let Some(previous) = previous else {
        return Ok(None);
    };
    // Only the previous scan's verdicts: its findings' details are neither
    // decrypted nor held.
    let before = store.load_verdicts(scope, previous.id).await?;
    Ok(Some(cloudarq_core::engine::diff(&before, latest)?))
}
