//! The API's one error type: every failure is an RFC 9457 problem document
//! (`application/problem+json`) with a fixed title per kind and no internal
//! detail (no SQL, path, secret or stack). What went wrong inside is logged,
//! with the request's route, and only there.

use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use utoipa::ToSchema;

/// An RFC 9457 problem document.
#[derive(Debug, Serialize, ToSchema)]
pub struct Problem {
    /// A URI naming the kind of problem.
    #[serde(rename = "type")]
    pub kind: String,
    /// The kind, in words.
    pub title: String,
    /// The HTTP status.
    pub status: u16,
    /// What was wrong with the request, when the client can act on it
    /// (which field, which value); never internal detail.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
}

/// Why a request failed.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// The request is malformed; the text names the field.
    #[error("bad request: {0}")]
    BadRequest(String),
    /// No valid credentials (a missing, expired or forged token; wrong
    /// password): always the same body, whatever the cause.
    #[error("unauthenticated")]
    Unauthenticated,
    /// Authenticated, but the role may not do this.
    #[error("forbidden")]
    Forbidden,
    /// Authenticated, but a proof the request needs was wrong (e.g. the
    /// current password of a password change); the text names it.
    #[error("denied: {0}")]
    Denied(String),
    /// An admin signed in without a second factor: enrol or sign in with it.
    #[error("second factor required")]
    SecondFactorRequired,
    /// No such object in the caller's tenant (also for another tenant's).
    #[error("not found")]
    NotFound,
    /// The method is not allowed on this path.
    #[error("method not allowed")]
    MethodNotAllowed,
    /// The object is not in a state that allows this.
    #[error("conflict: {0}")]
    Conflict(String),
    /// The body is too large.
    #[error("payload too large")]
    PayloadTooLarge,
    /// The body is not JSON of the expected shape, or not JSON at all.
    #[error("unprocessable: {0}")]
    Unprocessable(String),
    /// Too many attempts; retry after the given seconds.
    #[error("too many requests")]
    TooManyRequests {
        /// Seconds until a retry may succeed.
        retry_after: u64,
    },
    /// A dependency (the database) is not available.
    #[error("service unavailable")]
    Unavailable,
    /// A fault of the service; the cause is logged, never returned.
    #[error("internal error: {0}")]
    Internal(String),
}

impl ApiError {
    /// The status of this error.
    pub fn status(&self) -> StatusCode {
        match self {
            Self::BadRequest(_) => StatusCode::BAD_REQUEST,
            Self::Unauthenticated => StatusCode::UNAUTHORIZED,
            Self::Forbidden | Self::SecondFactorRequired | Self::Denied(_) => StatusCode::FORBIDDEN,
            Self::NotFound => StatusCode::NOT_FOUND,
            Self::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            Self::Conflict(_) => StatusCode::CONFLICT,
            Self::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            Self::Unprocessable(_) => StatusCode::UNPROCESSABLE_ENTITY,
            Self::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
            Self::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
            Self::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn problem(&self) -> Problem {
        let (slug, title, detail) = match self {
            Self::BadRequest(d) => ("bad-request", "Bad request", Some(d.clone())),
            Self::Unauthenticated => ("unauthenticated", "Authentication required", None),
            Self::Forbidden => ("forbidden", "Your role does not allow this", None),
            Self::Denied(d) => ("denied", "Refused", Some(d.clone())),
            Self::SecondFactorRequired => (
                "second-factor-required",
                "Sign in with a second factor first (administrators always, clients when their tenant requires it)",
                Some("enrol TOTP with POST /api/v1/me/totp, then sign in again".to_owned()),
            ),
            Self::NotFound => ("not-found", "Not found", None),
            Self::MethodNotAllowed => ("method-not-allowed", "Method not allowed", None),
            Self::Conflict(d) => ("conflict", "Conflict", Some(d.clone())),
            Self::PayloadTooLarge => ("payload-too-large", "The request body is too large", None),
            Self::Unprocessable(d) => (
                "unprocessable",
                "The request body is not valid",
                Some(d.clone()),
            ),
            Self::TooManyRequests { .. } => ("too-many-requests", "Too many requests", None),
            Self::Unavailable => ("unavailable", "Service unavailable", None),
            Self::Internal(_) => ("internal", "Internal error", None),
        };
        Problem {
            kind: format!("https://cloudarq.dev/problems/{slug}"),
            title: title.to_owned(),
            status: self.status().as_u16(),
            detail: detail.map(|d| bounded(&d)),
        }
    }
}

/// Client-facing detail is short and printable: it may quote what the client
/// sent, which is untrusted text.
fn bounded(s: &str) -> String {
    let mut out: String = s
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .take(300)
        .collect();
    if s.chars().count() > 300 {
        out.push('…');
    }
    out
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        if let Self::Internal(cause) = &self {
            tracing::error!(cause = %cause, "request failed");
        }
        let status = self.status();
        let mut res = (status, Json(self.problem())).into_response();
        res.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/problem+json"),
        );
        if let Self::TooManyRequests { retry_after } = self
            && let Ok(v) = HeaderValue::from_str(&retry_after.to_string())
        {
            res.headers_mut().insert(header::RETRY_AFTER, v);
        }
        res
    }
}

impl From<cloudarq_store::StoreError> for ApiError {
    fn from(e: cloudarq_store::StoreError) -> Self {
        use cloudarq_store::StoreError as E;
        match e {
            // The store says which object; the client only learns "not found"
            // (another tenant's id is indistinguishable from a made-up one).
            E::NotFound { .. } => Self::NotFound,
            E::InvalidInput { field, detail } => Self::BadRequest(format!("{field}: {detail}")),
            E::Conflict { what, detail } => Self::Conflict(format!("{what}: {detail}")),
            // The caller's own scan, in a state the step does not start from
            // (e.g. cancelling a finished scan).
            e @ E::ScanState { .. } => Self::Conflict(e.to_string()),
            other => Self::Internal(other.to_string()),
        }
    }
}

/// The JSON body extractor of the API: a rejection is a problem document too
/// (axum's own answers `text/plain`), naming what was wrong with the body.
#[derive(Debug, Clone, Copy, Default)]
pub struct ApiJson<T>(pub T);

impl<S, T> axum::extract::FromRequest<S> for ApiJson<T>
where
    T: serde::de::DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request(req: axum::extract::Request, state: &S) -> Result<Self, Self::Rejection> {
        use axum::extract::rejection::JsonRejection;
        match Json::<T>::from_request(req, state).await {
            Ok(Json(v)) => Ok(Self(v)),
            Err(JsonRejection::MissingJsonContentType(_)) => Err(ApiError::BadRequest(
                "the body must be JSON (Content-Type: application/json)".into(),
            )),
            Err(JsonRejection::BytesRejection(r))
                if r.status() == StatusCode::PAYLOAD_TOO_LARGE =>
            {
                Err(ApiError::PayloadTooLarge)
            }
            Err(JsonRejection::JsonDataError(e)) => Err(ApiError::Unprocessable(e.body_text())),
            Err(JsonRejection::JsonSyntaxError(e)) => Err(ApiError::BadRequest(e.body_text())),
            Err(other) => Err(ApiError::BadRequest(other.body_text())),
        }
    }
}

/// The query-string extractor of the API, with problem-document rejections.
#[derive(Debug, Clone, Copy, Default)]
pub struct ApiQuery<T>(pub T);

impl<S, T> axum::extract::FromRequestParts<S> for ApiQuery<T>
where
    T: serde::de::DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        state: &S,
    ) -> Result<Self, Self::Rejection> {
        axum::extract::Query::<T>::from_request_parts(parts, state)
            .await
            .map(|axum::extract::Query(v)| Self(v))
            .map_err(|e| ApiError::BadRequest(e.body_text()))
    }
}

/// The path extractor of the API: a malformed id is a 404, like an unknown
/// one (a path names an object; there is no such object).
#[derive(Debug, Clone, Copy, Default)]
pub struct ApiPath<T>(pub T);

impl<S, T> axum::extract::FromRequestParts<S> for ApiPath<T>
where
    T: serde::de::DeserializeOwned + Send,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        state: &S,
    ) -> Result<Self, Self::Rejection> {
        axum::extract::Path::<T>::from_request_parts(parts, state)
            .await
            .map(|axum::extract::Path(v)| Self(v))
            .map_err(|_| ApiError::NotFound)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn an_internal_error_never_reaches_the_body() {
        let res = ApiError::Internal("SELECT secret FROM users; password=sentinel".into())
            .into_response();
        assert_eq!(res.status(), StatusCode::INTERNAL_SERVER_ERROR);
        assert_eq!(
            res.headers()[header::CONTENT_TYPE],
            "application/problem+json"
        );
        let body = axum::body::to_bytes(res.into_body(), 4096).await.unwrap();
        let text = String::from_utf8(body.to_vec()).unwrap();
        assert!(
            !text.contains("sentinel") && !text.contains("SELECT"),
            "{text}"
        );
        let v: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(v["status"], 500);
        assert_eq!(v["title"], "Internal error");
    }

    #[test]
    fn client_detail_is_bounded_and_printable() {
        let d = bounded(&format!("\u{1b}[31m{}", "x".repeat(1000)));
        assert!(!d.contains('\u{1b}'));
        assert!(d.chars().count() <= 301);
    }
}
