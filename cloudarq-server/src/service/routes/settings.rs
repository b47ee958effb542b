//! The tenant's settings (admin): whether clients, like admins, must sign in
//! with a second factor before they read anything.

use axum::Json;
use axum::extract::State;
use cloudarq_store::tenants::TenantSettings;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::service::AppState;
use crate::service::auth::Identity;
use crate::service::error::{ApiError, ApiJson, Problem};

/// The tenant's settings.
#[derive(Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    /// Clients must sign in with a second factor (admins always must). A
    /// client session opened without one stops reading at once when this is
    /// turned on.
    pub require_client_mfa: bool,
}

/// The tenant's settings.
#[utoipa::path(get, path = "/api/v1/tenant/settings", tag = "settings",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The settings", body = Settings),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an admin, or an admin without a second factor", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn get(State(state): State<AppState>, id: Identity) -> Result<Json<Settings>, ApiError> {
    let s = state.store().tenant_settings(&id.scope).await?;
    Ok(Json(Settings {
        require_client_mfa: s.require_client_mfa,
    }))
}

/// Replaces the tenant's settings (audited).
#[utoipa::path(put, path = "/api/v1/tenant/settings", tag = "settings",
    security(("bearer" = [])),
    request_body = Settings,
    responses(
        (status = 200, description = "The settings now", body = Settings),
        (status = 400, description = "The body is not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an admin, or an admin without a second factor", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "The body is not the settings", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn put(
    State(state): State<AppState>,
    id: Identity,
    ApiJson(body): ApiJson<Settings>,
) -> Result<Json<Settings>, ApiError> {
    state
        .store()
        .set_tenant_settings(
            &id.scope,
            TenantSettings {
                require_client_mfa: body.require_client_mfa,
            },
        )
        .await?;
    id.audit(
        state.store(),
        "tenant.settings",
        &format!("require_client_mfa={}", body.require_client_mfa),
        "success",
    )
    .await?;
    Ok(Json(body))
}
