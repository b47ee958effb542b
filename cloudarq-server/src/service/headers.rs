//! Security headers on every response (V7): successes, errors, 404s, 405s,
//! 413s and timeouts alike, because the layer wraps the router's fallback.
//! Any error the framework or a middleware answers in another format is
//! rewritten as a problem document, so no response escapes as `text/plain`.

use axum::body::Body;
use axum::http::{HeaderName, HeaderValue, Response, StatusCode, header};
use axum::response::IntoResponse;

use super::error::ApiError;

/// The CSP of every API response: nothing may load, frame or be framed.
pub const CSP: &str =
    "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";
/// HSTS: a year, subdomains, preload.
pub const HSTS: &str = "max-age=31536000; includeSubDomains; preload";
/// Features no API response needs.
pub const PERMISSIONS_POLICY: &str = "accelerometer=(), camera=(), geolocation=(), gyroscope=(), magnetometer=(), microphone=(), payment=(), usb=(), interest-cohort=()";

/// The fixed headers (name, value) every response carries.
pub const FIXED: &[(&str, &str)] = &[
    ("content-security-policy", CSP),
    ("strict-transport-security", HSTS),
    ("x-content-type-options", "nosniff"),
    ("x-frame-options", "DENY"),
    ("referrer-policy", "no-referrer"),
    ("permissions-policy", PERMISSIONS_POLICY),
    ("cross-origin-opener-policy", "same-origin"),
    ("cross-origin-resource-policy", "same-origin"),
    ("cache-control", "no-store"),
];

fn problem_for(status: StatusCode) -> Option<ApiError> {
    Some(match status {
        StatusCode::NOT_FOUND => ApiError::NotFound,
        StatusCode::METHOD_NOT_ALLOWED => ApiError::MethodNotAllowed,
        StatusCode::PAYLOAD_TOO_LARGE => ApiError::PayloadTooLarge,
        StatusCode::REQUEST_TIMEOUT | StatusCode::SERVICE_UNAVAILABLE => ApiError::Unavailable,
        StatusCode::UNSUPPORTED_MEDIA_TYPE => {
            ApiError::BadRequest("the body must be JSON (Content-Type: application/json)".into())
        }
        s if s.is_client_error() => ApiError::BadRequest("the request could not be read".into()),
        s if s.is_server_error() => {
            ApiError::Internal(format!("status {s} without a problem document"))
        }
        _ => return None,
    })
}

/// The middleware: rewrites stray error bodies, then sets the headers.
pub async fn apply(res: Response<Body>) -> Response<Body> {
    let status = res.status();
    let is_problem = res
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(b"application/problem+json"));
    let mut res = if (status.is_client_error() || status.is_server_error()) && !is_problem {
        match problem_for(status) {
            Some(p) => {
                let mut r = p.into_response();
                if let Some(allow) = res.headers().get(header::ALLOW) {
                    r.headers_mut().insert(header::ALLOW, allow.clone());
                }
                r
            }
            None => res,
        }
    } else {
        res
    };
    let h = res.headers_mut();
    for (name, value) in FIXED {
        h.insert(
            HeaderName::from_static(name),
            HeaderValue::from_static(value),
        );
    }
    h.remove(header::SERVER);
    h.remove("x-powered-by");
    res
}
