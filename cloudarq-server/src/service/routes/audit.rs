//! The tenant's audit log (admin), with each entry's place in the hash
//! chain (`cloudarq audit verify` checks it).

use axum::Json;
use axum::extract::State;
use serde::Serialize;
use utoipa::ToSchema;

use crate::service::AppState;
use crate::service::auth::Identity;
use crate::service::error::{ApiError, Problem};

/// One audit entry.
#[derive(Serialize, ToSchema)]
pub struct AuditEntry {
    /// Its place in the tenant's hash chain (from 1); absent for entries
    /// written before the chain existed.
    pub seq: Option<i64>,
    /// SHA-256 (hex) over the previous entry's hash and this entry.
    pub hash: Option<String>,
    /// Who (`user:<id>`, `anonymous`, `job-runner`).
    pub actor: String,
    /// What (`auth.sign_in`, `scan.request`, `permission.denied`, …).
    pub action: String,
    /// On what.
    pub target: String,
    /// The client's address.
    pub source_ip: Option<String>,
    /// The client's `User-Agent` (at most 256 characters).
    pub user_agent: Option<String>,
    /// `success`, `denied` or `error`.
    pub outcome: String,
    /// When (RFC 3339, UTC).
    pub at: String,
}

/// The tenant's audit log, oldest first.
#[utoipa::path(get, path = "/api/v1/audit-log", tag = "audit",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Entries", body = Vec<AuditEntry>),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an admin, or an admin without a second factor", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn list(
    State(state): State<AppState>,
    id: Identity,
) -> Result<Json<Vec<AuditEntry>>, ApiError> {
    let rows = state.store().audit_log(&id.scope).await?;
    Ok(Json(
        rows.into_iter()
            .map(|c| AuditEntry {
                seq: c.seq,
                hash: c
                    .row_hash
                    .map(|h| h.iter().map(|b| format!("{b:02x}")).collect()),
                actor: c.entry.actor,
                action: c.entry.action,
                target: c.entry.target,
                source_ip: c.entry.source_ip,
                user_agent: c.entry.user_agent,
                outcome: c.entry.outcome,
                at: super::rfc3339(c.entry.at),
            })
            .collect(),
    ))
}
