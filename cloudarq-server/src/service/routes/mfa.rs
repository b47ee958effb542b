//! Second factors: TOTP enrolment (a secret, its otpauth URI and QR code,
//! confirmed by a code within ten minutes, then ten backup codes shown
//! once), sign-in's second step, and regenerating backup codes.
//!
//! Codes are accepted once (the store's step check), attempts are limited
//! per user across instances, and every use, replay and enrolment is in the
//! audit log.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use cloudarq_store::TenantId;
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use utoipa::ToSchema;

use crate::service::AppState;
use crate::service::auth::{self, Client, Identity};
use crate::service::error::{ApiError, ApiJson, Problem};
use crate::service::password::Checked;
use crate::service::routes::session::open_session;
use crate::service::totp;

/// How long an enrolment may wait for its confirming code.
pub const ENROLMENT_TTL: time::Duration = time::Duration::minutes(10);
/// Backup codes per set.
pub const BACKUP_CODES: usize = 10;

/// The second step of sign-in.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SecondFactor {
    /// The challenge from `POST /api/v1/session`.
    #[schema(max_length = 2048)]
    pub challenge: String,
    /// A 6-digit TOTP code (or give `backup_code`).
    #[schema(max_length = 16)]
    pub code: Option<String>,
    /// A backup code (`XXXX-XXXX-XXXX`), each usable once.
    #[schema(max_length = 64)]
    pub backup_code: Option<String>,
    /// A browser session (see `POST /api/v1/session`; default false).
    #[serde(default)]
    pub cookie: bool,
}

/// A new enrolment: show the QR code (or the secret) to an authenticator
/// app, then confirm with a code.
#[derive(Serialize, ToSchema)]
pub struct Enrolment {
    /// The secret, base32 (for manual entry).
    pub secret: String,
    /// The `otpauth://` URI.
    pub otpauth_uri: String,
    /// The URI as a QR code (SVG).
    pub qr_svg: String,
    /// Seconds left to confirm.
    pub expires_in: i64,
}

/// A code proving the enrolment.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Confirm {
    /// A 6-digit code from the app.
    #[schema(max_length = 16)]
    pub code: String,
}

/// Backup codes, shown once.
#[derive(Serialize, ToSchema)]
pub struct BackupCodes {
    /// Ten single-use codes; store them offline.
    pub backup_codes: Vec<String>,
}

fn rand_err(e: getrandom::Error) -> ApiError {
    ApiError::Internal(format!("no randomness: {e}"))
}

async fn new_codes(state: &AppState) -> Result<(Vec<String>, Vec<String>), ApiError> {
    let mut codes = Vec::with_capacity(BACKUP_CODES);
    let mut hashes = Vec::with_capacity(BACKUP_CODES);
    for _ in 0..BACKUP_CODES {
        let code = totp::new_backup_code().map_err(rand_err)?;
        let secret = SecretString::from(totp::normalise_backup_code(&code));
        hashes.push(
            state
                .passwords()
                .hash(&secret)
                .await
                .map_err(|e| ApiError::Internal(e.to_string()))?,
        );
        codes.push(code);
    }
    Ok((codes, hashes))
}

/// Completes a sign-in with a TOTP code or a backup code.
#[utoipa::path(post, path = "/api/v1/session/second-factor", tag = "session", request_body = SecondFactor,
    responses(
        (status = 201, description = "Signed in", body = super::session::SessionBody),
        (status = 400, description = "Malformed request", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Invalid challenge or code (a code already used included)", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid body", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many attempts (Retry-After)", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn second_factor(
    State(state): State<AppState>,
    client: Client,
    ApiJson(body): ApiJson<SecondFactor>,
) -> Result<axum::response::Response, ApiError> {
    let claims = state
        .tokens()
        .verify_challenge(&body.challenge, OffsetDateTime::now_utc())
        .map_err(|_| ApiError::Unauthenticated)?;
    let scope = state
        .authority()
        .challenge_scope(TenantId::from(claims.tid));
    let user_id = cloudarq_store::users::UserId(claims.sub);
    let actor = format!("user:{}", claims.sub);
    if let Err(e) = state
        .authority()
        .limit(
            state.store(),
            &format!("second-factor:{}", claims.sub),
            state.rate_limits().second_factor_per_user,
        )
        .await
    {
        auth::audit(
            state.store(),
            &scope,
            &actor,
            &client,
            "mfa.verify",
            "sign-in",
            "rate-limited",
        )
        .await?;
        return Err(e);
    }
    let accepted = match (&body.code, &body.backup_code) {
        (Some(code), None) => {
            let enrolment = state.store().totp(&scope, user_id).await?;
            let step = match (&enrolment.seed, enrolment.confirmed) {
                (Some(seed), true) => totp::verify(seed, code, state.now().unix_timestamp()),
                _ => None,
            };
            match step {
                Some(step)
                    if state
                        .store()
                        .accept_totp_step(&scope, user_id, step)
                        .await? =>
                {
                    auth::audit(
                        state.store(),
                        &scope,
                        &actor,
                        &client,
                        "mfa.totp",
                        "sign-in",
                        "success",
                    )
                    .await?;
                    true
                }
                Some(_) => {
                    auth::audit(
                        state.store(),
                        &scope,
                        &actor,
                        &client,
                        "mfa.totp_replay",
                        "sign-in",
                        "denied",
                    )
                    .await?;
                    false
                }
                None => {
                    auth::audit(
                        state.store(),
                        &scope,
                        &actor,
                        &client,
                        "mfa.totp",
                        "sign-in",
                        "denied",
                    )
                    .await?;
                    false
                }
            }
        }
        (None, Some(code)) => {
            let typed = SecretString::from(totp::normalise_backup_code(code));
            let mut spent = false;
            for (id, hash) in state.store().unused_backup_codes(&scope, user_id).await? {
                let checked = state
                    .passwords()
                    .check(Some(&hash), &typed)
                    .await
                    .map_err(|e| ApiError::Internal(e.to_string()))?;
                if matches!(checked, Checked::Accepted { .. }) {
                    spent = state
                        .store()
                        .use_backup_code(&scope, id, OffsetDateTime::now_utc())
                        .await?;
                    break;
                }
            }
            let outcome = if spent { "success" } else { "denied" };
            auth::audit(
                state.store(),
                &scope,
                &actor,
                &client,
                "mfa.backup_code",
                "sign-in",
                outcome,
            )
            .await?;
            spent
        }
        _ => {
            return Err(ApiError::BadRequest(
                "give exactly one of code and backup_code".into(),
            ));
        }
    };
    if !accepted {
        return Err(ApiError::Unauthenticated);
    }
    // The user as it is now (disabled or changed since the password step?).
    let Some(user) = state.store().login_user_by_id(&scope, user_id).await? else {
        return Err(ApiError::Unauthenticated);
    };
    if user.disabled {
        return Err(ApiError::Unauthenticated);
    }
    state
        .authority()
        .limit_reset(state.store(), &format!("second-factor:{}", claims.sub))
        .await?;
    let pair = open_session(&state, &scope, &user, true, &client).await?;
    super::session::answer(&state, StatusCode::CREATED, pair, body.cookie)
}

/// Starts TOTP enrolment for the caller (replacing an unconfirmed one).
#[utoipa::path(post, path = "/api/v1/me/totp", tag = "session",
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Enrolment started", body = Enrolment),
        (status = 409, description = "Already enrolled", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn begin(
    State(state): State<AppState>,
    id: Identity,
) -> Result<(StatusCode, Json<Enrolment>), ApiError> {
    let secret = totp::new_secret().map_err(rand_err)?;
    match state
        .store()
        .begin_totp(&id.scope, id.user, &secret, OffsetDateTime::now_utc())
        .await
    {
        Ok(()) => {}
        Err(cloudarq_store::StoreError::InvalidInput { field: "totp", .. }) => {
            return Err(ApiError::Conflict(
                "two-factor authentication is already enrolled".into(),
            ));
        }
        Err(e) => return Err(e.into()),
    }
    let account = format!("user-{}", id.user.0);
    let uri = totp::otpauth_uri("CloudArq", &account, &secret);
    let qr_svg = totp::qr_svg(&uri).ok_or_else(|| ApiError::Internal("QR code".into()))?;
    id.audit(state.store(), "mfa.enrol_begin", &id.actor(), "success")
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(Enrolment {
            secret: secret.expose_secret().to_owned(),
            otpauth_uri: uri,
            qr_svg,
            expires_in: ENROLMENT_TTL.whole_seconds(),
        }),
    ))
}

/// Confirms the caller's enrolment with a code; returns the backup codes,
/// once. Sign in again to get a session with the second factor.
#[utoipa::path(post, path = "/api/v1/me/totp/confirm", tag = "session", request_body = Confirm,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Enrolled; the backup codes, shown once", body = BackupCodes),
        (status = 400, description = "Malformed request", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Not signed in, or a wrong or expired code", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid body", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many attempts (Retry-After)", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn confirm(
    State(state): State<AppState>,
    id: Identity,
    ApiJson(body): ApiJson<Confirm>,
) -> Result<Json<BackupCodes>, ApiError> {
    state
        .authority()
        .limit(
            state.store(),
            &format!("second-factor:{}", id.user.0),
            state.rate_limits().second_factor_per_user,
        )
        .await?;
    let enrolment = state.store().totp(&id.scope, id.user).await?;
    let fresh = enrolment
        .enrolled_at
        .is_some_and(|t| OffsetDateTime::now_utc() - t <= ENROLMENT_TTL);
    let step = match (&enrolment.seed, enrolment.confirmed, fresh) {
        (Some(seed), false, true) => totp::verify(seed, &body.code, state.now().unix_timestamp()),
        _ => None,
    };
    let Some(step) = step else {
        id.audit(state.store(), "mfa.enrol_confirm", &id.actor(), "denied")
            .await?;
        return Err(ApiError::Unauthenticated);
    };
    let (codes, hashes) = new_codes(&state).await?;
    if !state
        .store()
        .confirm_totp(&id.scope, id.user, step, &hashes, OffsetDateTime::now_utc())
        .await?
    {
        return Err(ApiError::Unauthenticated);
    }
    id.audit(state.store(), "mfa.enrol_confirm", &id.actor(), "success")
        .await?;
    Ok(Json(BackupCodes {
        backup_codes: codes,
    }))
}

/// Replaces the caller's backup codes (the old set stops working); needs a
/// session opened with the second factor.
#[utoipa::path(post, path = "/api/v1/me/totp/backup-codes", tag = "session",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The new codes, shown once", body = BackupCodes),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The session was not opened with the second factor", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn regenerate(
    State(state): State<AppState>,
    id: Identity,
) -> Result<Json<BackupCodes>, ApiError> {
    if !id.mfa {
        return Err(ApiError::SecondFactorRequired);
    }
    let (codes, hashes) = new_codes(&state).await?;
    state
        .store()
        .replace_backup_codes(&id.scope, id.user, &hashes, OffsetDateTime::now_utc())
        .await?;
    id.audit(
        state.store(),
        "mfa.backup_codes_regenerate",
        &id.actor(),
        "success",
    )
    .await?;
    Ok(Json(BackupCodes {
        backup_codes: codes,
    }))
}
