//! Tenants (operators only): list, create with the first admin's invitation,
//! delete. Operators are the admins of the operators' tenant, signed in
//! with a second factor (`cloudarq users add-operator` creates the first).

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use cloudarq_store::TenantId;
use cloudarq_store::users::Role;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::service::AppState;
use crate::service::auth::{self, Identity};
use crate::service::error::{ApiError, ApiJson, ApiPath, Problem};
use crate::service::routes::users::INVITATION_TTL;

/// A tenant.
#[derive(Serialize, ToSchema)]
pub struct Tenant {
    /// Its id.
    pub id: Uuid,
    /// Its name (its users sign in with it).
    pub name: String,
    /// When it was deleted (its data is purged after the retention delay).
    pub deleted_at: Option<String>,
    /// Whether it is the operators' tenant.
    pub operators: bool,
}

/// A new tenant and the e-mail address of its first admin.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewTenant {
    /// Lowercase letters, digits and hyphens, a letter first.
    #[schema(min_length = 1, max_length = 63, pattern = "^[a-z][a-z0-9-]{0,62}$")]
    pub name: String,
    /// The first admin's e-mail address.
    #[schema(
        min_length = 3,
        max_length = 320,
        pattern = "^[!-?A-~]{1,64}@[!-?A-~]{1,255}$"
    )]
    pub admin_email: String,
}

/// A tenant just created, with its first admin's one-time invitation.
#[derive(Serialize, ToSchema)]
pub struct CreatedTenant {
    /// The tenant.
    pub tenant: Tenant,
    /// The first admin's id.
    pub admin_id: Uuid,
    /// The one-time token for `POST /api/v1/invitations/accept`.
    pub invitation_token: String,
    /// When it stops working (RFC 3339).
    pub expires_at: String,
}

fn name_ok(name: &str) -> bool {
    (1..=63).contains(&name.len())
        && name.starts_with(|c: char| c.is_ascii_lowercase())
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
}

/// Every tenant, deleted ones included until purged (operators).
#[utoipa::path(get, path = "/api/v1/tenants", tag = "tenants",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Tenants", body = Vec<Tenant>),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an operator, or without a second factor", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn list(
    State(state): State<AppState>,
    id: Identity,
) -> Result<Json<Vec<Tenant>>, ApiError> {
    let (all, operators) = state.authority().tenants(state.store(), &id).await?;
    Ok(Json(
        all.into_iter()
            .map(|t| Tenant {
                id: t.id.as_uuid(),
                operators: Some(t.id) == operators,
                name: t.name,
                deleted_at: t.deleted_at.map(super::rfc3339),
            })
            .collect(),
    ))
}

/// Creates a tenant and invites its first admin (operators; audited in
/// both tenants).
#[utoipa::path(post, path = "/api/v1/tenants", tag = "tenants",
    security(("bearer" = [])),
    request_body = NewTenant,
    responses(
        (status = 201, description = "Created; hand the token to the admin", body = CreatedTenant),
        (status = 400, description = "A field is invalid (named)", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an operator, or without a second factor", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "A live tenant has this name", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "The body is not a new tenant", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn create(
    State(state): State<AppState>,
    id: Identity,
    ApiJson(body): ApiJson<NewTenant>,
) -> Result<(StatusCode, Json<CreatedTenant>), ApiError> {
    if !name_ok(&body.name) {
        return Err(ApiError::BadRequest(format!(
            "name: {:?} must be 1 to 63 lowercase letters, digits and hyphens, a letter first",
            body.name
        )));
    }
    if !super::users::email_ok(&body.admin_email) {
        return Err(ApiError::BadRequest(format!(
            "admin_email: {:?} is not an address of printable ASCII without spaces, one @",
            body.admin_email
        )));
    }
    let scope = state
        .authority()
        .create_tenant(state.store(), &id, &body.name)
        .await?;
    let (token, hash) = auth::new_invitation_token(scope.tenant())?;
    let now = OffsetDateTime::now_utc();
    let expires = now + INVITATION_TTL;
    let admin = state
        .store()
        .invite_user(&scope, &body.admin_email, Role::Admin, hash, expires, now)
        .await?;
    let target = format!("tenant:{}", scope.tenant().as_uuid());
    id.audit(state.store(), "tenant.create", &target, "success")
        .await?;
    auth::audit(
        state.store(),
        &scope,
        &id.actor(),
        &id.client,
        "user.invite",
        &format!("user:{}", admin.0),
        "success",
    )
    .await?;
    Ok((
        StatusCode::CREATED,
        Json(CreatedTenant {
            tenant: Tenant {
                id: scope.tenant().as_uuid(),
                name: body.name,
                deleted_at: None,
                operators: false,
            },
            admin_id: admin.0,
            invitation_token: token,
            expires_at: super::rfc3339(expires),
        }),
    ))
}

/// Deletes a tenant (operators; audited): its users' sessions end at once,
/// its data is purged after the retention delay (at most 30 days).
#[utoipa::path(delete, path = "/api/v1/tenants/{tenant_id}", tag = "tenants",
    security(("bearer" = [])),
    params(("tenant_id" = Uuid, Path, description = "The tenant")),
    responses(
        (status = 204, description = "Deleted"),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an operator, or without a second factor", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such live tenant", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The operators' own tenant", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn delete(
    State(state): State<AppState>,
    id: Identity,
    ApiPath(tenant_id): ApiPath<Uuid>,
) -> Result<StatusCode, ApiError> {
    state
        .authority()
        .delete_tenant(state.store(), &id, TenantId::from(tenant_id))
        .await?;
    id.audit(
        state.store(),
        "tenant.delete",
        &format!("tenant:{tenant_id}"),
        "success",
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}
