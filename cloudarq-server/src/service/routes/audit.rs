//! The tenant's audit log (admin).

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
    /// Who (`user:<id>`, `anonymous`, `job-runner`).
    pub actor: String,
    /// What (`auth.sign_in`, `scan.request`, `permission.denied`, …).
    pub action: String,
    /// On what.
    pub target: String,
    /// The client's address.
    pub source_ip: Option<String>,
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
            .map(|e| AuditEntry {
                actor: e.actor,
                action: e.action,
                target: e.target,
                source_ip: e.source_ip,
                outcome: e.outcome,
                at: super::rfc3339(e.at),
            })
            .collect(),
    ))
}
