//! Scans: list, read one, request one, cancel one.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use cloudarq_store::connections::ConnectionId;
use cloudarq_store::scans::{ScanId, ScanSummary};
use serde::Serialize;
use time::OffsetDateTime;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::service::AppState;
use crate::service::auth::Identity;
use crate::service::error::{ApiError, ApiPath, Problem};

/// A scan.
#[derive(Serialize, ToSchema)]
pub struct Scan {
    /// Its id.
    pub id: Uuid,
    /// The connection scanned.
    pub connection_id: Uuid,
    /// `queued`, `running`, `succeeded`, `failed` or `cancelled`.
    pub status: &'static str,
    /// Percent done.
    pub progress: u8,
    /// Attempts by workers so far.
    pub attempts: u32,
    /// When it was requested (RFC 3339).
    pub created_at: String,
    /// When its latest attempt started.
    pub started_at: Option<String>,
    /// When it ended.
    pub finished_at: Option<String>,
    /// Why it failed (escaped text).
    pub error: Option<String>,
    /// Findings stored.
    pub findings: u64,
    /// FAIL findings.
    pub failed: u64,
}

impl From<ScanSummary> for Scan {
    fn from(s: ScanSummary) -> Self {
        Self {
            id: s.id.0,
            connection_id: s.connection.0,
            status: s.status.as_str(),
            progress: s.progress,
            attempts: s.attempts,
            created_at: super::rfc3339(s.created_at),
            started_at: s.started_at.map(super::rfc3339),
            finished_at: s.finished_at.map(super::rfc3339),
            error: s.error,
            findings: s.findings,
            failed: s.failed,
        }
    }
}

/// The tenant's scans, newest first.
#[utoipa::path(get, path = "/api/v1/scans", tag = "scans",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Scans", body = Vec<Scan>),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "An admin signed in without a second factor", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn list(
    State(state): State<AppState>,
    id: Identity,
) -> Result<Json<Vec<Scan>>, ApiError> {
    let scans = state.store().scans(&id.scope, None).await?;
    Ok(Json(scans.into_iter().map(Scan::from).collect()))
}

/// One scan.
#[utoipa::path(get, path = "/api/v1/scans/{scan_id}", tag = "scans",
    security(("bearer" = [])),
    params(("scan_id" = Uuid, Path, description = "The scan")),
    responses(
        (status = 200, description = "The scan", body = Scan),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "An admin signed in without a second factor", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such scan", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn get(
    State(state): State<AppState>,
    id: Identity,
    ApiPath(scan_id): ApiPath<Uuid>,
) -> Result<Json<Scan>, ApiError> {
    let scan = state
        .store()
        .scan(&id.scope, ScanId(scan_id))
        .await?
        .ok_or(ApiError::NotFound)?;
    Ok(Json(scan.into()))
}

/// Queues a scan of a connection (admin).
#[utoipa::path(post, path = "/api/v1/connections/{connection_id}/scans", tag = "scans",
    security(("bearer" = [])),
    params(("connection_id" = Uuid, Path, description = "The connection to scan")),
    responses(
        (status = 202, description = "Queued", body = Scan),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an admin, or an admin without a second factor", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such connection", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn request(
    State(state): State<AppState>,
    id: Identity,
    ApiPath(connection_id): ApiPath<Uuid>,
) -> Result<(StatusCode, Json<Scan>), ApiError> {
    let scan = state
        .store()
        .queue_scan(
            &id.scope,
            ConnectionId(connection_id),
            OffsetDateTime::now_utc(),
        )
        .await?;
    id.audit(
        state.store(),
        "scan.request",
        &format!("scan:{}", scan.0),
        "success",
    )
    .await?;
    let summary = state
        .store()
        .scan(&id.scope, scan)
        .await?
        .ok_or(ApiError::NotFound)?;
    Ok((StatusCode::ACCEPTED, Json(summary.into())))
}

/// Cancels a queued or running scan (admin): a queued scan is never run; a
/// running one stops at its worker's next progress report, and nothing of it
/// is stored.
#[utoipa::path(post, path = "/api/v1/scans/{scan_id}/cancel", tag = "scans",
    security(("bearer" = [])),
    params(("scan_id" = Uuid, Path, description = "The scan")),
    responses(
        (status = 200, description = "Cancelled", body = Scan),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an admin, or an admin without a second factor", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such scan", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The scan has already ended (its status is named)", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn cancel(
    State(state): State<AppState>,
    id: Identity,
    ApiPath(scan_id): ApiPath<Uuid>,
) -> Result<Json<Scan>, ApiError> {
    let scan = ScanId(scan_id);
    let target = format!("scan:{scan_id}");
    match state
        .store()
        .cancel_scan(&id.scope, scan, OffsetDateTime::now_utc())
        .await
    {
        Ok(()) => {
            id.audit(state.store(), "scan.cancel", &target, "success")
                .await?
        }
        Err(e @ cloudarq_store::StoreError::ScanState { .. }) => {
            id.audit(state.store(), "scan.cancel", &target, "refused")
                .await?;
            return Err(e.into());
        }
        Err(e) => return Err(e.into()),
    }
    let summary = state
        .store()
        .scan(&id.scope, scan)
        .await?
        .ok_or(ApiError::NotFound)?;
    Ok(Json(summary.into()))
}
