//! Scans: list, read one, request one, cancel one.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use cloudarq_store::connections::ConnectionId;
use cloudarq_store::organizations::OrganizationRecord;
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
    /// For a member's scan, the organization scan it is part of.
    pub parent_scan_id: Option<Uuid>,
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
            parent_scan_id: s.parent.map(|p| p.0),
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

/// A member account scanned by an organization scan.
#[derive(Serialize, ToSchema)]
pub struct ScannedMember {
    /// The account.
    pub account_id: String,
    /// Its name in Organizations.
    pub name: String,
    /// Root and OU ids from the root down to its parent.
    pub ou_path: Vec<String>,
    /// Its scan (findings and report under `/api/v1/scans/{id}/…`).
    pub scan: Scan,
}

/// A member account not scanned, and why.
#[derive(Serialize, ToSchema)]
pub struct SkippedMember {
    /// The account.
    pub account_id: String,
    /// Its name in Organizations.
    pub name: String,
    /// Root and OU ids down to its parent.
    pub ou_path: Vec<String>,
    /// `not active (SUSPENDED)`, `excluded`, `below excluded ou-…` or
    /// `not included`.
    pub reason: String,
}

/// A member whose role could not be assumed: a coverage gap of that
/// account (deploy the StackSet there), not a failure of the scan.
#[derive(Serialize, ToSchema)]
pub struct MemberGap {
    /// The account.
    pub account_id: String,
    /// Its name in Organizations.
    pub name: String,
    /// Root and OU ids down to its parent.
    pub ou_path: Vec<String>,
    /// The role that was tried.
    pub role_arn: String,
    /// AWS's error code.
    pub code: String,
    /// What AWS said.
    pub message: String,
}

/// What an organization scan listed: its members' scans, the members
/// skipped and the members not reachable. The organization's score (the
/// roll-up of its members) is the scan's own, under the connection's scores.
#[derive(Serialize, ToSchema)]
pub struct OrganizationMembers {
    /// The organization (`o-…`).
    pub organization_id: String,
    /// Its management account.
    pub management_account: String,
    /// Scanned members, in account order.
    pub members: Vec<ScannedMember>,
    /// Members not scanned.
    pub skipped: Vec<SkippedMember>,
    /// Members whose role could not be assumed.
    pub gaps: Vec<MemberGap>,
}

/// The members of an organization scan.
#[utoipa::path(get, path = "/api/v1/scans/{scan_id}/members", tag = "scans",
    security(("bearer" = [])),
    params(("scan_id" = Uuid, Path, description = "The organization scan")),
    responses(
        (status = 200, description = "Its members", body = OrganizationMembers),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "An admin signed in without a second factor", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such scan", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not a finished organization scan", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn members(
    State(state): State<AppState>,
    id: Identity,
    ApiPath(scan_id): ApiPath<Uuid>,
) -> Result<Json<OrganizationMembers>, ApiError> {
    let scan = ScanId(scan_id);
    state
        .store()
        .scan(&id.scope, scan)
        .await?
        .ok_or(ApiError::NotFound)?;
    let Some(record) = state.store().organization_record(&id.scope, scan).await? else {
        return Err(ApiError::Conflict(
            "this scan is not a finished organization scan".into(),
        ));
    };
    let mut children: std::collections::HashMap<Uuid, ScanSummary> = state
        .store()
        .child_scans(&id.scope, scan)
        .await?
        .into_iter()
        .map(|c| (c.id.0, c))
        .collect();
    let OrganizationRecord {
        organization_id,
        management_account,
        members,
        skipped,
        gaps,
    } = record;
    Ok(Json(OrganizationMembers {
        organization_id,
        management_account: management_account.as_str().to_owned(),
        members: members
            .into_iter()
            .filter_map(|m| {
                Some(ScannedMember {
                    scan: children.remove(&m.scan)?.into(),
                    account_id: m.account.id.as_str().to_owned(),
                    name: m.account.name,
                    ou_path: m.account.ou_path,
                })
            })
            .collect(),
        skipped: skipped
            .into_iter()
            .map(|m| SkippedMember {
                account_id: m.account.id.as_str().to_owned(),
                name: m.account.name,
                ou_path: m.account.ou_path,
                reason: m.reason.to_string(),
            })
            .collect(),
        gaps: gaps
            .into_iter()
            .map(|g| MemberGap {
                account_id: g.account.id.as_str().to_owned(),
                name: g.account.name,
                ou_path: g.account.ou_path,
                role_arn: g.role_arn,
                code: g.code,
                message: g.message,
            })
            .collect(),
    }))
}
