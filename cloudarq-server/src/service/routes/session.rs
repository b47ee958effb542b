//! Sign-in, refresh, sign-out and the caller's own profile.
//!
//! Every refusal is the same 401 problem document (no user enumeration), and
//! sign-in costs one Argon2id verification whether or not the tenant and the
//! user exist.

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use cloudarq_store::sessions::{Refresh, RevokeReason};
use secrecy::SecretString;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use utoipa::ToSchema;

use crate::service::auth::{self, Client, Identity};
use crate::service::error::{ApiError, ApiJson, Problem};
use crate::service::password::Checked;
use crate::service::{AppState, cookies};

/// Credentials.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SignIn {
    /// The tenant's name.
    #[schema(min_length = 1, max_length = 200)]
    pub tenant: String,
    /// The user's e-mail address.
    #[schema(min_length = 3, max_length = 320)]
    pub email: String,
    /// The password.
    #[schema(value_type = String, min_length = 1, max_length = 256, format = Password)]
    #[serde(deserialize_with = "secret")]
    pub password: SecretString,
    /// A browser session: the tokens in `HttpOnly` cookies and a CSRF token
    /// in the body, instead of the tokens in the body (default false).
    #[serde(default)]
    pub cookie: bool,
}

/// Reads a JSON string straight into a [`SecretString`] (zeroized on drop).
pub(crate) fn secret<'de, D: serde::Deserializer<'de>>(d: D) -> Result<SecretString, D::Error> {
    String::deserialize(d).map(SecretString::from)
}

/// A token pair.
#[derive(Serialize, ToSchema)]
pub struct Tokens {
    /// The access token (a JWT, `Authorization: Bearer …`).
    pub access_token: String,
    /// Always `Bearer`.
    pub token_type: &'static str,
    /// Seconds the access token lives.
    pub expires_in: i64,
    /// The refresh token: single use, rotated by `POST /api/v1/session/refresh`.
    pub refresh_token: String,
}

/// A session's answer: the tokens (API clients), or for `cookie: true` the
/// CSRF token, the tokens being in cookies (browsers).
#[derive(Serialize, ToSchema)]
#[serde(untagged)]
pub enum SessionBody {
    /// The tokens.
    Tokens(Tokens),
    /// A browser session.
    Cookie(cookies::CookieSession),
}

/// A second-factor challenge: the password was right.
#[derive(Serialize, ToSchema)]
pub struct Challenge {
    /// Always true.
    pub second_factor_required: bool,
    /// Present it with a TOTP code or a backup code within 5 minutes.
    pub challenge: String,
}

/// What sign-in returns.
#[derive(Serialize)]
#[serde(untagged)]
pub enum SignedIn {
    /// Signed in.
    Tokens(Tokens),
    /// A second factor is required.
    SecondFactor(Challenge),
}

/// A refresh request.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RefreshRequest {
    /// The refresh token last received; absent for a browser session, whose
    /// refresh cookie is read instead (with the CSRF header).
    #[schema(min_length = 1, max_length = 200)]
    pub refresh_token: Option<String>,
}

/// The caller.
#[derive(Serialize, ToSchema)]
pub struct Me {
    /// The user's id.
    pub user_id: uuid::Uuid,
    /// The tenant's id.
    pub tenant_id: uuid::Uuid,
    /// `admin` or `client`.
    pub role: &'static str,
    /// The session's id.
    pub session_id: uuid::Uuid,
}

#[allow(clippy::too_many_arguments, reason = "one claim each")]
fn tokens(
    state: &AppState,
    user: uuid::Uuid,
    tenant: cloudarq_store::TenantId,
    role: &str,
    session: uuid::Uuid,
    ver: i64,
    mfa: bool,
    refresh: String,
) -> Result<Tokens, ApiError> {
    let (access, claims) = state
        .tokens()
        .issue(
            user,
            tenant.as_uuid(),
            role,
            session,
            ver,
            mfa,
            OffsetDateTime::now_utc(),
        )
        .map_err(|e| ApiError::Internal(e.to_string()))?;
    Ok(Tokens {
        access_token: access,
        token_type: "Bearer",
        expires_in: claims.exp - claims.iat,
        refresh_token: refresh,
    })
}

/// Signs in with tenant, e-mail and password.
#[utoipa::path(post, path = "/api/v1/session", tag = "session", request_body = SignIn,
    responses(
        (status = 201, description = "Signed in", body = SessionBody),
        (status = 200, description = "Password right; a second factor is required (POST /api/v1/session/second-factor)", body = Challenge),
        (status = 400, description = "Malformed request", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Wrong credentials", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid body", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many attempts (Retry-After)", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn sign_in(
    State(state): State<AppState>,
    client: Client,
    ApiJson(body): ApiJson<SignIn>,
) -> Result<Response, ApiError> {
    let limits = *state.rate_limits();
    // The e-mail as the audit log records it: bounded, whatever was sent.
    let email_for_audit: String = body.email.chars().take(320).collect();
    let ip = client
        .ip
        .map_or_else(|| "unknown".to_owned(), |i| i.to_string());
    let account = format!(
        "{}\u{0}{}",
        body.tenant.to_lowercase(),
        body.email.to_lowercase()
    );
    let account_key = format!("sign-in:account:{account}");
    let account_ip_key = format!("sign-in:account-address:{account}\u{0}{ip}");
    state
        .authority()
        .limit(
            state.store(),
            &format!("sign-in:address:{ip}"),
            limits.sign_in_per_address,
        )
        .await?;
    let account_limits = async {
        state
            .authority()
            .limit(
                state.store(),
                &account_ip_key,
                limits.sign_in_per_account_and_address,
            )
            .await?;
        state
            .authority()
            .limit(state.store(), &account_key, limits.sign_in_per_account)
            .await
    };
    let scope = if body.tenant.len() <= 200 {
        state
            .authority()
            .tenant_named(state.store(), &body.tenant)
            .await?
    } else {
        None
    };
    if let Err(e) = account_limits.await {
        if let Some(s) = &scope {
            auth::audit(
                state.store(),
                s,
                "anonymous",
                &client,
                "auth.sign_in",
                &email_for_audit,
                "rate-limited",
            )
            .await?;
        }
        return Err(e);
    }
    let user = match (&scope, body.email.len() <= 320) {
        (Some(s), true) => state.store().login_user(s, &body.email).await?,
        _ => None,
    };
    let stored = user
        .as_ref()
        .filter(|u| !u.disabled)
        .and_then(|u| u.password_hash.as_deref());
    let checked = state
        .passwords()
        .check(stored, &body.password)
        .await
        .map_err(|e| ApiError::Internal(e.to_string()))?;
    let (Some(scope), Some(user), Checked::Accepted { rehash }) = (scope.clone(), user, checked)
    else {
        if let Some(s) = &scope {
            auth::audit(
                state.store(),
                s,
                "anonymous",
                &client,
                "auth.sign_in",
                &email_for_audit,
                "denied",
            )
            .await?;
        }
        return Err(ApiError::Unauthenticated);
    };
    state
        .authority()
        .limit_reset(state.store(), &account_ip_key)
        .await?;
    state
        .authority()
        .limit_reset(state.store(), &account_key)
        .await?;
    if let Some(h) = rehash {
        state.store().set_password_hash(&scope, user.id, &h).await?;
    }
    if user.has_totp {
        let challenge = state
            .tokens()
            .issue_challenge(
                user.id.0,
                scope.tenant().as_uuid(),
                OffsetDateTime::now_utc(),
            )
            .map_err(|e| ApiError::Internal(e.to_string()))?;
        return Ok((
            StatusCode::OK,
            Json(SignedIn::SecondFactor(Challenge {
                second_factor_required: true,
                challenge,
            })),
        )
            .into_response());
    }
    let pair = open_session(&state, &scope, &user, false, &client).await?;
    answer(&state, StatusCode::CREATED, pair, body.cookie)
}

/// The tokens in the body, or (`cookie`) in cookies with a CSRF token.
pub(crate) fn answer(
    state: &AppState,
    status: StatusCode,
    pair: Tokens,
    cookie: bool,
) -> Result<Response, ApiError> {
    if cookie {
        cookies::deliver(
            status,
            pair,
            state.session_limits().absolute.whole_seconds(),
        )
    } else {
        Ok((status, Json(pair)).into_response())
    }
}

/// Starts a session for a user whose credentials are proven, audits it, and
/// issues its first tokens.
pub(crate) async fn open_session(
    state: &AppState,
    scope: &cloudarq_store::TenantScope,
    user: &cloudarq_store::sessions::LoginUser,
    mfa: bool,
    client: &Client,
) -> Result<Tokens, ApiError> {
    let now = OffsetDateTime::now_utc();
    let (refresh, hash) = auth::new_refresh_token(scope.tenant())?;
    let session = state
        .store()
        .start_session(scope, user.id, &hash, mfa, state.session_limits(), now)
        .await?;
    let actor = format!("user:{}", user.id.0);
    auth::audit(
        state.store(),
        scope,
        &actor,
        client,
        "auth.sign_in",
        &format!(
            "session:{}{}",
            session.0,
            if mfa { " (second factor)" } else { "" }
        ),
        "success",
    )
    .await?;
    tokens(
        state,
        user.id.0,
        scope.tenant(),
        user.role.as_str(),
        session.0,
        user.authz_version,
        mfa,
        refresh,
    )
}

/// Exchanges a refresh token for a new pair; the presented token is spent.
/// Presenting a spent token again ends its session.
#[utoipa::path(post, path = "/api/v1/session/refresh", tag = "session", request_body = RefreshRequest,
    responses(
        (status = 200, description = "New tokens (in cookies for a browser session)", body = SessionBody),
        (status = 400, description = "Malformed request", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Invalid, expired or reused token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "A browser session without the CSRF header", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid body", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many attempts (Retry-After)", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn refresh(
    State(state): State<AppState>,
    client: Client,
    headers: HeaderMap,
    ApiJson(body): ApiJson<RefreshRequest>,
) -> Result<Response, ApiError> {
    // A browser session's token comes from its cookie, and only with the
    // CSRF echo (the cookie alone is what another site could make it send).
    let (presented_token, cookie) = match body.refresh_token {
        Some(t) => (t, false),
        None => {
            let t = cookies::cookie(&headers, cookies::REFRESH).ok_or(ApiError::Unauthenticated)?;
            if !cookies::csrf_ok(&Method::POST, &headers) {
                return Err(ApiError::Denied(
                    "X-CSRF-Token must echo the CSRF cookie".into(),
                ));
            }
            (t.to_owned(), true)
        }
    };
    let ip = client
        .ip
        .map_or_else(|| "unknown".to_owned(), |i| i.to_string());
    state
        .authority()
        .limit(
            state.store(),
            &format!("refresh:address:{ip}"),
            state.rate_limits().refresh_per_address,
        )
        .await?;
    let tenant = auth::refresh_tenant(&presented_token).ok_or(ApiError::Unauthenticated)?;
    let scope = state.authority().refresh_scope(tenant);
    let presented = auth::refresh_hash(&presented_token);
    let (next, next_hash) = auth::new_refresh_token(tenant)?;
    let now = OffsetDateTime::now_utc();
    match state
        .store()
        .rotate_refresh(&scope, &presented, &next_hash, state.session_limits(), now)
        .await?
    {
        Refresh::Rotated {
            session,
            user,
            role,
            authz_version,
            mfa,
        } => answer(
            &state,
            StatusCode::OK,
            tokens(
                &state,
                user.0,
                tenant,
                role.as_str(),
                session.0,
                authz_version,
                mfa,
                next,
            )?,
            cookie,
        ),
        Refresh::Reused { session, user } => {
            auth::audit(
                state.store(),
                &scope,
                &format!("user:{}", user.0),
                &client,
                "auth.refresh_reuse",
                &format!("session:{}", session.0),
                "denied",
            )
            .await?;
            Err(ApiError::Unauthenticated)
        }
        Refresh::Invalid => Err(ApiError::Unauthenticated),
    }
}

/// Signs out: ends the session; its access and refresh tokens stop at once.
#[utoipa::path(delete, path = "/api/v1/session", tag = "session",
    security(("bearer" = [])),
    responses(
        (status = 204, description = "Signed out"),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn sign_out(
    State(state): State<AppState>,
    id: Identity,
) -> Result<(HeaderMap, StatusCode), ApiError> {
    state
        .store()
        .revoke_session(
            &id.scope,
            id.session,
            RevokeReason::Logout,
            OffsetDateTime::now_utc(),
        )
        .await?;
    id.audit(
        state.store(),
        "auth.sign_out",
        &format!("session:{}", id.session.0),
        "success",
    )
    .await?;
    // A browser's cookies go too (harmless for an API client).
    let mut headers = HeaderMap::new();
    for c in cookies::clear()? {
        headers.append(header::SET_COOKIE, c);
    }
    Ok((headers, StatusCode::NO_CONTENT))
}

/// The caller's identity.
#[utoipa::path(get, path = "/api/v1/me", tag = "session",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The caller", body = Me),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn me(id: Identity) -> Json<Me> {
    Json(Me {
        user_id: id.user.0,
        tenant_id: id.scope.tenant().as_uuid(),
        role: id.role.as_str(),
        session_id: id.session.0,
    })
}

/// A password change.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PasswordChange {
    /// The current password.
    #[schema(value_type = String, format = Password)]
    #[serde(deserialize_with = "secret")]
    pub current_password: SecretString,
    /// The new one (12 to 256 characters, not a common one, not the
    /// e-mail's name).
    #[schema(value_type = String, min_length = 12, max_length = 256, format = Password)]
    #[serde(deserialize_with = "secret")]
    pub new_password: SecretString,
}

/// Changes the caller's password: every session of the user ends (this one
/// too), so the next step is signing in again. Limited per user like
/// sign-in; a wrong current password is a 403 naming it, and audited.
#[utoipa::path(post, path = "/api/v1/me/password", tag = "session",
    security(("bearer" = [])),
    request_body = PasswordChange,
    responses(
        (status = 204, description = "Changed; sign in again"),
        (status = 400, description = "The new password does not meet the policy (named)", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The current password is wrong", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "The body is not a password change", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many attempts", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn change_password(
    State(state): State<AppState>,
    id: Identity,
    ApiJson(body): ApiJson<PasswordChange>,
) -> Result<StatusCode, ApiError> {
    state
        .authority()
        .limit(
            state.store(),
            &format!("password:user:{}", id.user.0),
            state.rate_limits().sign_in_per_account,
        )
        .await?;
    let user = state
        .store()
        .login_user_by_id(&id.scope, id.user)
        .await?
        .ok_or(ApiError::Unauthenticated)?;
    let checked = state
        .passwords()
        .check(user.password_hash.as_deref(), &body.current_password)
        .await
        .map_err(|e| ApiError::Internal(e.to_string()))?;
    if !matches!(checked, Checked::Accepted { .. }) {
        id.audit(state.store(), "auth.password_change", &id.actor(), "denied")
            .await?;
        return Err(ApiError::Denied(
            "current_password: not the current password".into(),
        ));
    }
    let email = state
        .store()
        .users(&id.scope)
        .await?
        .into_iter()
        .find(|u| u.id == id.user)
        .map(|u| u.email)
        .ok_or(ApiError::Unauthenticated)?;
    state
        .passwords()
        .policy(&body.new_password, &email)
        .map_err(|e| ApiError::BadRequest(format!("new_password: {e}")))?;
    let hash = state
        .passwords()
        .hash(&body.new_password)
        .await
        .map_err(|e| ApiError::Internal(e.to_string()))?;
    state
        .store()
        .change_password(&id.scope, id.user, &hash, OffsetDateTime::now_utc())
        .await?;
    id.audit(
        state.store(),
        "auth.password_change",
        &id.actor(),
        "success",
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}
