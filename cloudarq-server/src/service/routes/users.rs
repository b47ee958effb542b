//! A tenant's users (admin): list, invite, re-invite, change a role,
//! remove; and accepting an invitation (public, with its token).
//!
//! An invited user has no password until they accept: the admin gets a
//! one-time token (`cqi1.<tenant>.<secret>`, 72 hours, only its SHA-256
//! stored) to hand over, and accepting it with a password that meets the
//! policy activates the account once. A role change or removal ends the
//! user's sessions in the same transaction and stops its access tokens at
//! once; the tenant's last admin can be neither demoted nor removed.

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use cloudarq_store::users::{Role, UserChange, UserId, UserInfo};
use secrecy::SecretString;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::service::AppState;
use crate::service::auth::{self, Client, Identity};
use crate::service::error::{ApiError, ApiJson, ApiPath, Problem};

/// How long an invitation lives.
pub const INVITATION_TTL: time::Duration = time::Duration::hours(72);

/// A user of the tenant.
#[derive(Serialize, ToSchema)]
pub struct User {
    /// Its id.
    pub id: Uuid,
    /// Its e-mail address.
    pub email: String,
    /// `admin` or `client`.
    pub role: &'static str,
    /// Whether it has a confirmed second factor.
    pub second_factor: bool,
    /// Whether it was removed (it cannot sign in).
    pub removed: bool,
    /// When it was added (RFC 3339).
    pub created_at: String,
}

impl From<UserInfo> for User {
    fn from(u: UserInfo) -> Self {
        Self {
            id: u.id.0,
            email: u.email,
            role: u.role.as_str(),
            second_factor: u.second_factor,
            removed: u.removed,
            created_at: super::rfc3339(u.created_at),
        }
    }
}

/// A tenant role, as the API names it.
#[derive(Clone, Copy, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum RoleName {
    /// Connections, users, scans, mutelist, settings.
    Admin,
    /// Reads findings, scores and reports.
    Client,
}

impl From<RoleName> for Role {
    fn from(r: RoleName) -> Self {
        match r {
            RoleName::Admin => Role::Admin,
            RoleName::Client => Role::Client,
        }
    }
}

/// A user to invite.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewUser {
    /// Their e-mail address (their sign-in name): printable ASCII without
    /// spaces, one `@`.
    #[schema(
        min_length = 3,
        max_length = 320,
        pattern = "^[!-?A-~]{1,64}@[!-?A-~]{1,255}$"
    )]
    pub email: String,
    /// Their role.
    pub role: RoleName,
}

/// Whether `email` has the shape [`NewUser::email`] documents.
pub(crate) fn email_ok(email: &str) -> bool {
    let printable = |s: &str, max: usize| {
        (1..=max).contains(&s.len()) && s.bytes().all(|b| (b'!'..=b'~').contains(&b) && b != b'@')
    };
    email
        .split_once('@')
        .is_some_and(|(local, domain)| printable(local, 64) && printable(domain, 255))
}

/// An invitation, shown once: hand the token to the user.
#[derive(Serialize, ToSchema)]
pub struct Invitation {
    /// The user invited.
    pub user: User,
    /// The one-time token for `POST /api/v1/invitations/accept`.
    pub token: String,
    /// When it stops working (RFC 3339).
    pub expires_at: String,
}

/// A role change.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RoleChange {
    /// The new role.
    pub role: RoleName,
}

/// Accepting an invitation.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Accept {
    /// The invitation token.
    pub token: String,
    /// The new password (12 to 256 characters, not a common one, not the
    /// e-mail's name).
    #[schema(value_type = String, min_length = 12, max_length = 256, format = Password)]
    #[serde(deserialize_with = "super::session::secret")]
    pub password: SecretString,
}

async fn user(state: &AppState, id: &Identity, user: UserId) -> Result<User, ApiError> {
    state
        .store()
        .users(&id.scope)
        .await?
        .into_iter()
        .find(|u| u.id == user)
        .map(User::from)
        .ok_or(ApiError::NotFound)
}

async fn invitation(
    state: &AppState,
    id: &Identity,
    invited: UserId,
    token: String,
    expires: OffsetDateTime,
) -> Result<Invitation, ApiError> {
    Ok(Invitation {
        user: user(state, id, invited).await?,
        token,
        expires_at: super::rfc3339(expires),
    })
}

/// The tenant's users, removed ones included.
#[utoipa::path(get, path = "/api/v1/users", tag = "users",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Users", body = Vec<User>),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an admin, or an admin without a second factor", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn list(
    State(state): State<AppState>,
    id: Identity,
) -> Result<Json<Vec<User>>, ApiError> {
    let users = state.store().users(&id.scope).await?;
    Ok(Json(users.into_iter().map(User::from).collect()))
}

/// Invites a user (admin): the answer carries the one-time token.
#[utoipa::path(post, path = "/api/v1/users", tag = "users",
    security(("bearer" = [])),
    request_body = NewUser,
    responses(
        (status = 201, description = "Invited; `Location` names the user", body = Invitation),
        (status = 400, description = "A field is invalid (named)", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an admin, or an admin without a second factor", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The e-mail address is taken in this tenant", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "The body is not a new user", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn invite(
    State(state): State<AppState>,
    id: Identity,
    ApiJson(body): ApiJson<NewUser>,
) -> Result<(StatusCode, HeaderMap, Json<Invitation>), ApiError> {
    let role = Role::from(body.role);
    let email = body.email.as_str();
    if !email_ok(email) {
        return Err(ApiError::BadRequest(format!(
            "email: {email:?} is not an address of printable ASCII without spaces, one @"
        )));
    }
    let (token, hash) = auth::new_invitation_token(id.scope.tenant())?;
    let now = OffsetDateTime::now_utc();
    let expires = now + INVITATION_TTL;
    let invited = state
        .store()
        .invite_user(&id.scope, email, role, hash, expires, now)
        .await?;
    id.audit(
        state.store(),
        "user.invite",
        &format!("user:{}", invited.0),
        "success",
    )
    .await?;
    let mut headers = HeaderMap::new();
    if let Ok(v) = HeaderValue::from_str(&format!("/api/v1/users/{}", invited.0)) {
        headers.insert(header::LOCATION, v);
    }
    let body = invitation(&state, &id, invited, token, expires).await?;
    Ok((StatusCode::CREATED, headers, Json(body)))
}

/// A new invitation for a user who has not accepted theirs (admin); the
/// old token stops working.
#[utoipa::path(post, path = "/api/v1/users/{user_id}/invitation", tag = "users",
    security(("bearer" = [])),
    params(("user_id" = Uuid, Path, description = "The user")),
    responses(
        (status = 201, description = "A new token", body = Invitation),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an admin, or an admin without a second factor", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such user", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The user has set a password, or was removed", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn reinvite(
    State(state): State<AppState>,
    id: Identity,
    ApiPath(user_id): ApiPath<Uuid>,
) -> Result<(StatusCode, Json<Invitation>), ApiError> {
    let invited = UserId(user_id);
    // 404 for another tenant's id before anything else.
    user(&state, &id, invited).await?;
    let (token, hash) = auth::new_invitation_token(id.scope.tenant())?;
    let expires = OffsetDateTime::now_utc() + INVITATION_TTL;
    state
        .store()
        .reinvite_user(&id.scope, invited, hash, expires)
        .await?;
    id.audit(
        state.store(),
        "user.reinvite",
        &format!("user:{user_id}"),
        "success",
    )
    .await?;
    let body = invitation(&state, &id, invited, token, expires).await?;
    Ok((StatusCode::CREATED, Json(body)))
}

/// Changes a user's role (admin); their sessions end.
#[utoipa::path(patch, path = "/api/v1/users/{user_id}", tag = "users",
    security(("bearer" = [])),
    params(("user_id" = Uuid, Path, description = "The user")),
    request_body = RoleChange,
    responses(
        (status = 200, description = "The user now", body = User),
        (status = 400, description = "The body is not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an admin, or an admin without a second factor", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such user (or removed)", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "It is the tenant's last admin", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "The body is not a role change (`admin` or `client`)", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn change_role(
    State(state): State<AppState>,
    id: Identity,
    ApiPath(user_id): ApiPath<Uuid>,
    ApiJson(body): ApiJson<RoleChange>,
) -> Result<Json<User>, ApiError> {
    let role = Role::from(body.role);
    let ended = state
        .store()
        .change_user(
            &id.scope,
            UserId(user_id),
            UserChange::Role(role),
            OffsetDateTime::now_utc(),
        )
        .await?;
    id.audit(
        state.store(),
        &format!("user.role.{}", role.as_str()),
        &format!("user:{user_id} sessions_ended:{ended}"),
        "success",
    )
    .await?;
    Ok(Json(user(&state, &id, UserId(user_id)).await?))
}

/// Removes a user (admin): they can no longer sign in, and their sessions
/// and tokens end at once. The row stays, so the audit log's references
/// keep their meaning.
#[utoipa::path(delete, path = "/api/v1/users/{user_id}", tag = "users",
    security(("bearer" = [])),
    params(("user_id" = Uuid, Path, description = "The user")),
    responses(
        (status = 204, description = "Removed"),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an admin, or an admin without a second factor", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such user (or removed already)", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "It is the tenant's last admin", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn remove(
    State(state): State<AppState>,
    id: Identity,
    ApiPath(user_id): ApiPath<Uuid>,
) -> Result<StatusCode, ApiError> {
    let ended = state
        .store()
        .change_user(
            &id.scope,
            UserId(user_id),
            UserChange::Remove,
            OffsetDateTime::now_utc(),
        )
        .await?;
    id.audit(
        state.store(),
        "user.remove",
        &format!("user:{user_id} sessions_ended:{ended}"),
        "success",
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Accepts an invitation: sets the password once. Limited per address like
/// sign-in; an unknown, used or expired token is one and the same 401.
#[utoipa::path(post, path = "/api/v1/invitations/accept", tag = "users",
    request_body = Accept,
    responses(
        (status = 204, description = "The account is active: sign in"),
        (status = 400, description = "The password does not meet the policy (named)", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No live invitation has this token", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "The body is not an acceptance", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many attempts from this address", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn accept(
    State(state): State<AppState>,
    client: Client,
    ApiJson(body): ApiJson<Accept>,
) -> Result<StatusCode, ApiError> {
    let ip = client
        .ip
        .map_or_else(|| "unknown".to_owned(), |i| i.to_string());
    state
        .authority()
        .limit(
            state.store(),
            &format!("sign-in:address:{ip}"),
            state.rate_limits().sign_in_per_address,
        )
        .await?;
    let tenant = auth::invitation_tenant(&body.token).ok_or(ApiError::Unauthenticated)?;
    let scope = state.authority().invitation_scope(tenant);
    let hash = auth::refresh_hash(&body.token);
    let now = OffsetDateTime::now_utc();
    let Some((invited, email)) = state.store().invitation(&scope, hash, now).await? else {
        return Err(ApiError::Unauthenticated);
    };
    state
        .passwords()
        .policy(&body.password, &email)
        .map_err(|e| ApiError::BadRequest(format!("password: {e}")))?;
    let password_hash = state
        .passwords()
        .hash(&body.password)
        .await
        .map_err(|e| ApiError::Internal(e.to_string()))?;
    let accepted = state
        .store()
        .accept_invitation(&scope, hash, &password_hash, now)
        .await?;
    if accepted != Some(invited) {
        // Accepted by a concurrent request a moment ago.
        return Err(ApiError::Unauthenticated);
    }
    auth::audit(
        state.store(),
        &scope,
        &format!("user:{}", invited.0),
        &client,
        "user.activate",
        &format!("user:{}", invited.0),
        "success",
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}
