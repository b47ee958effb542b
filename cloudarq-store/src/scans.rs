//! Scans (table `scans`): queued and recorded scans, their summaries, and
//! whole results read back for diffs (C6). A worker's claim, progress,
//! finish and failure of a queued scan are in [`crate::jobs`]; a scan's
//! findings are in [`crate::findings`] and its scores in [`crate::scores`].

use cloudarq_model::finding::{
    RESULT_FORMAT, RESULT_FORMAT_VERSION, ResultSource, ScanResult, Verdicts,
};
use cloudarq_model::{CoverageGap, Timestamp};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::Store;
use crate::connections::ConnectionId;
use crate::db::{from_ms, ms, on_tx};
use crate::error::{DbContext, Result, StoreError};
use crate::scope::TenantScope;

/// A scan's id.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ScanId(pub Uuid);

impl std::fmt::Display for ScanId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

/// A scan's lifecycle state.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ScanStatus {
    /// Waiting for a worker.
    Queued,
    /// Collecting or evaluating.
    Running,
    /// Finished with a result.
    Succeeded,
    /// Finished without a result.
    Failed,
    /// Cancelled (e.g. its connection was deleted).
    Cancelled,
}

impl ScanStatus {
    /// The stored (and serialized) name: `queued`, `running`, ….
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Queued => "queued",
            Self::Running => "running",
            Self::Succeeded => "succeeded",
            Self::Failed => "failed",
            Self::Cancelled => "cancelled",
        }
    }
}

impl std::fmt::Display for ScanStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A scan as listed.
#[derive(Clone, Debug, PartialEq)]
pub struct ScanSummary {
    /// Its id.
    pub id: ScanId,
    /// Its connection.
    pub connection: ConnectionId,
    /// The organization scan this is a member's scan of; `None` for a
    /// scan of its own.
    pub parent: Option<ScanId>,
    /// Its state.
    pub status: ScanStatus,
    /// Percent done, 0–100 (100 once succeeded).
    pub progress: u8,
    /// How many times a worker claimed it (0 for a recorded scan).
    pub attempts: u32,
    /// When the inventory was collected, for finished scans.
    pub collected_at: Option<OffsetDateTime>,
    /// When it was queued or recorded.
    pub created_at: OffsetDateTime,
    /// When its latest attempt started (claimed, or collection began).
    pub started_at: Option<OffsetDateTime>,
    /// When it succeeded, failed or was cancelled.
    pub finished_at: Option<OffsetDateTime>,
    /// Why it failed, for failed scans: escaped and bounded (see
    /// [`Store::fail_scan`]), safe to show as text.
    pub error: Option<String>,
    /// Findings stored.
    pub findings: u64,
    /// FAIL findings.
    pub failed: u64,
}

/// When a recorded scan ran.
#[derive(Clone, Copy, Debug)]
pub struct ScanTimes {
    /// Start of collection.
    pub started_at: OffsetDateTime,
    /// End of evaluation.
    pub finished_at: OffsetDateTime,
}

/// The serde name of a model enum or id (`"fail"`, `"s3"`, …).
pub(crate) fn name<T: Serialize>(v: &T) -> Result<String> {
    match serde_json::to_value(v) {
        Ok(serde_json::Value::String(s)) => Ok(s),
        _ => Err(StoreError::InvalidInput {
            field: "finding",
            detail: "a field does not serialize to a string".into(),
        }),
    }
}

pub(crate) fn parse<T: DeserializeOwned>(what: &'static str, s: &str) -> Result<T> {
    serde_json::from_value(serde_json::Value::String(s.to_string())).map_err(|e| {
        StoreError::Corrupt {
            what,
            detail: format!("{s:?}: {e}"),
        }
    })
}

pub(crate) fn json<T: Serialize>(v: &T) -> Result<String> {
    serde_json::to_string(v).map_err(|e| StoreError::InvalidInput {
        field: "scan result",
        detail: e.to_string(),
    })
}

/// The JSON of the value `value()` makes, in a string of exactly its
/// length: counted in a first pass, written in a second (a growing buffer
/// would hold up to twice the length of a large value, such as the
/// evaluation gaps of a large account).
pub(crate) fn json_exact<T: Serialize>(value: impl Fn() -> T) -> Result<String> {
    /// Counts the bytes written to it.
    struct Count(usize);
    impl std::io::Write for Count {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0 += buf.len();
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let err = |detail: String| StoreError::InvalidInput {
        field: "scan result",
        detail,
    };
    let mut count = Count(0);
    serde_json::to_writer(&mut count, &value()).map_err(|e| err(e.to_string()))?;
    let mut out = Vec::with_capacity(count.0);
    serde_json::to_writer(&mut out, &value()).map_err(|e| err(e.to_string()))?;
    String::from_utf8(out).map_err(|e| err(e.to_string()))
}

pub(crate) fn unjson<T: DeserializeOwned>(what: &'static str, s: &str) -> Result<T> {
    serde_json::from_str(s).map_err(|e| StoreError::Corrupt {
        what,
        detail: e.to_string(),
    })
}

impl Store {
    /// Queues a scan of a live connection.
    pub async fn queue_scan(
        &self,
        scope: &TenantScope,
        connection: ConnectionId,
        now: OffsetDateTime,
    ) -> Result<ScanId> {
        let tenant = scope.tenant().as_uuid();
        let id = Uuid::now_v7();
        let mut tx = self.begin_tenant(tenant).await?;
        self.live_connection(&mut tx, tenant, connection).await?;
        on_tx!(&mut tx, c => {
            sqlx::query(
                "INSERT INTO scans (id, tenant_id, connection_id, status, created_at_ms) VALUES ($1, $2, $3, 'queued', $4)",
            )
            .bind(id)
            .bind(tenant)
            .bind(connection.0)
            .bind(ms(now))
            .execute(&mut *c)
            .await
            .ctx("queueing a scan")?;
        });
        tx.commit().await?;
        Ok(ScanId(id))
    }

    /// Stores a finished scan: queues it and finishes it with its result
    /// ([`Store::finish_scan`]: every finding, details encrypted, and every
    /// score), in one transaction. The single-user CLI's path, which scans
    /// in process instead of through a worker.
    pub async fn record_scan(
        &self,
        scope: &TenantScope,
        connection: ConnectionId,
        result: &(impl ResultSource + Sync + ?Sized),
        times: ScanTimes,
    ) -> Result<ScanId> {
        let tenant = scope.tenant().as_uuid();
        let id = ScanId(Uuid::now_v7());
        let mut tx = self.begin_tenant(tenant).await?;
        self.live_connection(&mut tx, tenant, connection).await?;
        on_tx!(&mut tx, c => {
            sqlx::query(
                "INSERT INTO scans (id, tenant_id, connection_id, status, created_at_ms) VALUES ($1, $2, $3, 'queued', $4)",
            )
            .bind(id.0)
            .bind(tenant)
            .bind(connection.0)
            .bind(ms(times.finished_at))
            .execute(&mut *c)
            .await
            .ctx("storing a scan")?;
        });
        self.fill_scan(&mut tx, tenant, id, result, times, None)
            .await?;
        tx.commit().await?;
        tracing::info!(scan = %id, findings = result.finding_count(), "scan stored");
        Ok(id)
    }

    /// The scans of a connection (or of every connection), newest first;
    /// an organization scan's member scans are not among them
    /// ([`Store::child_scans`]).
    pub async fn scans(
        &self,
        scope: &TenantScope,
        connection: Option<ConnectionId>,
    ) -> Result<Vec<ScanSummary>> {
        self.scan_summaries(scope, connection, None, None).await
    }

    /// One scan (a member's scan too) of a live connection of this tenant,
    /// or `None` (also for another tenant's id).
    pub async fn scan(&self, scope: &TenantScope, scan: ScanId) -> Result<Option<ScanSummary>> {
        Ok(self
            .scan_summaries(scope, None, Some(scan), None)
            .await?
            .pop())
    }

    /// Summaries: of `connection`'s (or every connection's) own scans, of
    /// the one `scan`, or of the member scans of `parent`.
    pub(crate) async fn scan_summaries(
        &self,
        scope: &TenantScope,
        connection: Option<ConnectionId>,
        scan: Option<ScanId>,
        parent: Option<ScanId>,
    ) -> Result<Vec<ScanSummary>> {
        let tenant = scope.tenant().as_uuid();
        let mut tx = self.begin_tenant(tenant).await?;
        type Row = (
            Uuid,
            Uuid,
            Option<Uuid>,
            String,
            i64,
            i64,
            Option<i64>,
            i64,
            Option<i64>,
            Option<i64>,
            Option<String>,
            i64,
            i64,
        );
        let rows: Vec<Row> = on_tx!(&mut tx, c => {
            sqlx::query_as(
                "SELECT s.id, s.connection_id, s.parent_scan_id, s.status, s.progress, s.attempts, s.collected_at_ms, s.created_at_ms, \
                 s.started_at_ms, s.finished_at_ms, s.error, \
                 (SELECT count(*) FROM findings f WHERE f.scan_id = s.id AND f.tenant_id = s.tenant_id), \
                 (SELECT count(*) FROM findings f WHERE f.scan_id = s.id AND f.tenant_id = s.tenant_id AND f.status = 'FAIL') \
                 FROM scans s JOIN connections co ON co.id = s.connection_id AND co.deleted_at_ms IS NULL \
                 WHERE s.tenant_id = $1 AND ($2 IS NULL OR s.connection_id = $2) AND ($3 IS NULL OR s.id = $3) \
                 AND (($4 IS NULL AND ($3 IS NOT NULL OR s.parent_scan_id IS NULL)) OR s.parent_scan_id = $4) \
                 ORDER BY s.created_at_ms DESC, s.id DESC",
            )
            .bind(tenant)
            .bind(connection.map(|c| c.0))
            .bind(scan.map(|s| s.0))
            .bind(parent.map(|s| s.0))
            .fetch_all(&mut *c)
            .await
            .ctx("listing scans")?
        });
        tx.commit().await?;
        rows.into_iter()
            .map(
                |(
                    id,
                    conn,
                    parent,
                    status,
                    progress,
                    attempts,
                    collected,
                    created,
                    started,
                    finished,
                    error,
                    n,
                    failed,
                )| {
                    Ok(ScanSummary {
                        id: ScanId(id),
                        connection: ConnectionId(conn),
                        parent: parent.map(ScanId),
                        status: parse("scan status", &status)?,
                        progress: u8::try_from(progress.clamp(0, 100)).unwrap_or(0),
                        attempts: u32::try_from(attempts).unwrap_or(0),
                        collected_at: collected.map(from_ms).transpose()?,
                        created_at: from_ms(created)?,
                        started_at: started.map(from_ms).transpose()?,
                        finished_at: finished.map(from_ms).transpose()?,
                        error,
                        findings: n.max(0) as u64,
                        failed: failed.max(0) as u64,
                    })
                },
            )
            .collect()
    }

    /// The verdicts of a stored (succeeded) scan, with its account and its
    /// gaps: what `cloudarq_core::engine::diff` reads of either scan. Nothing is
    /// decrypted and no finding is read whole, so comparing a large scan
    /// with the previous one does not hold the previous one's
    /// [`ScanResult`] ([`load_result`](Self::load_result)): for the
    /// synthetic 100,000-resource estate, a fraction of its 2 GB.
    pub async fn load_verdicts(&self, scope: &TenantScope, scan: ScanId) -> Result<Verdicts> {
        let tenant = scope.tenant().as_uuid();
        let mut tx = self.begin_tenant(tenant).await?;
        let head: Option<(Option<String>, String, String, String)> = on_tx!(&mut tx, c => {
            sqlx::query_as(
                "SELECT account_id, status, coverage_gaps, evaluation_gaps FROM scans WHERE id = $1 AND tenant_id = $2 \
                 AND connection_id IN (SELECT id FROM connections WHERE deleted_at_ms IS NULL)",
            )
            .bind(scan.0)
            .bind(tenant)
            .fetch_optional(&mut *c)
            .await
            .ctx("reading a scan")?
        });
        // Not this tenant's, its connection deleted, or not succeeded: as
        // `load_result`, not found.
        let (account, coverage, evaluation) = match head {
            Some((Some(account), status, coverage, evaluation))
                if status == ScanStatus::Succeeded.as_str() =>
            {
                (account, coverage, evaluation)
            }
            _ => {
                return Err(StoreError::NotFound {
                    what: "finished scan",
                    id: scan.to_string(),
                });
            }
        };
        let mut shared = crate::findings::Shared::default();
        let verdicts = self
            .scan_verdicts(&mut tx, tenant, scan.0, &mut shared)
            .await?;
        tx.commit().await?;
        Ok(Verdicts {
            account_id: parse("account id", &account)?,
            verdicts,
            evaluation_gaps: crate::gaps::verdict_gaps(&evaluation, &mut shared)?,
            coverage_gaps: unjson("coverage gaps", &coverage)?,
        })
    }

    /// A stored scan read back as the result it was recorded from (findings
    /// decrypted, and the catalogue of the rules it ran, so a report rendered
    /// from it shows every rule's remediation, WebAssembly rules' included),
    /// e.g. to diff two scans with `cloudarq_core::engine::diff`.
    pub async fn load_result(&self, scope: &TenantScope, scan: ScanId) -> Result<ScanResult> {
        let tenant = scope.tenant().as_uuid();
        let mut tx = self.begin_tenant(tenant).await?;
        type ScanRow = (
            Option<String>,
            Option<i64>,
            String,
            i64,
            i64,
            String,
            String,
            String,
            Option<String>,
        );
        let head: Option<ScanRow> = on_tx!(&mut tx, c => {
            sqlx::query_as(
                "SELECT account_id, collected_at_ms, regions, rules_evaluated, resources, coverage_gaps, evaluation_gaps, status, rule_catalogue \
                 FROM scans WHERE id = $1 AND tenant_id = $2 \
                 AND connection_id IN (SELECT id FROM connections WHERE deleted_at_ms IS NULL)",
            )
            .bind(scan.0)
            .bind(tenant)
            .fetch_optional(&mut *c)
            .await
            .ctx("reading a scan")?
        });
        let not_found = || StoreError::NotFound {
            what: "finished scan",
            id: scan.to_string(),
        };
        let Some((
            Some(account),
            Some(collected),
            regions,
            rules,
            resources,
            coverage,
            evaluation,
            status,
            catalogue,
        )) = head
        else {
            return Err(not_found());
        };
        if status != ScanStatus::Succeeded.as_str() {
            return Err(not_found());
        }
        let findings = self.scan_findings(&mut tx, tenant, scan.0).await?;
        let scores = self.scan_scores(&mut tx, tenant, scan.0).await?;
        tx.commit().await?;
        let collected_at = Timestamp::new(from_ms(collected)?);
        Ok(ScanResult {
            format: RESULT_FORMAT.to_string(),
            version: RESULT_FORMAT_VERSION,
            account_id: parse("account id", &account)?,
            collected_at,
            regions: unjson("scan regions", &regions)?,
            rules_evaluated: u32::try_from(rules).unwrap_or(0),
            resources: u32::try_from(resources).unwrap_or(0),
            findings,
            evaluation_gaps: crate::gaps::from_column(&evaluation)?,
            coverage_gaps: unjson::<Vec<CoverageGap>>("coverage gaps", &coverage)?,
            scores,
            // Scans stored before migration 0005 have no catalogue: reports
            // fall back to the built-in rules' text, as for a version 1 result.
            rules: catalogue
                .map(|c| unjson("rule catalogue", &c))
                .transpose()?
                .unwrap_or_default(),
        })
    }
}
