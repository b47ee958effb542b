//! Liveness, readiness and security.txt (RFC 9116).

use axum::extract::State;
use axum::http::header;
use axum::response::IntoResponse;

use crate::service::AppState;
use crate::service::error::{ApiError, Problem};

/// Liveness: the process answers.
#[utoipa::path(get, path = "/healthz", tag = "meta",
    responses((status = 200, description = "Alive", body = String, content_type = "text/plain")))]
pub async fn healthz() -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        "ok\n",
    )
}

/// Readiness: the database answers and its migrations are current.
#[utoipa::path(get, path = "/readyz", tag = "meta",
    responses(
        (status = 200, description = "Ready", body = String, content_type = "text/plain"),
        (status = 503, description = "Not ready", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn readyz(State(state): State<AppState>) -> Result<impl IntoResponse, ApiError> {
    match state.store().ready().await {
        Ok(()) => Ok((
            [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
            "ready\n",
        )),
        Err(e) => {
            tracing::warn!(error = %e, "not ready");
            Err(ApiError::Unavailable)
        }
    }
}

/// The security contact (RFC 9116), valid for a year from now.
#[utoipa::path(get, path = "/.well-known/security.txt", tag = "meta",
    responses((status = 200, description = "RFC 9116 security.txt", body = String, content_type = "text/plain")))]
pub async fn security_txt(State(state): State<AppState>) -> impl IntoResponse {
    let expires = time::OffsetDateTime::now_utc() + time::Duration::days(365);
    let mut text = format!(
        "Contact: {}\nExpires: {}\nCanonical: {}/.well-known/security.txt\nPreferred-Languages: en\n",
        state.security_contact(),
        super::rfc3339(expires.replace_nanosecond(0).unwrap_or(expires)),
        state.issuer(),
    );
    if let Some(p) = state.security_policy() {
        text.push_str(&format!("Policy: {p}\n"));
    }
    ([(header::CONTENT_TYPE, "text/plain; charset=utf-8")], text)
}
