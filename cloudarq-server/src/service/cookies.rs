//! Browser sessions: the same tokens as API clients get, carried in cookies
//! a script cannot read, with a CSRF check on every state-changing request.
//!
//! A sign-in (or second-factor step, or refresh) that asks for `cookie: true`
//! gets three cookies instead of tokens in the body:
//!
//! - `__Host-cloudarq_at`: the access token (`HttpOnly; Secure;
//!   SameSite=Strict; Path=/`), verified exactly like a bearer token;
//! - `__Secure-cloudarq_rt`: the refresh token, sent only to
//!   `/api/v1/session` (refresh and sign-out);
//! - `__Host-cloudarq_csrf`: a random CSRF token the page's script reads and
//!   echoes in `X-CSRF-Token` on every POST, PUT, PATCH and DELETE (and on
//!   refresh). A request authenticated by cookie without a matching header is
//!   refused (403): another site can make the browser send the cookies, but
//!   cannot read this one to copy it (the `__Host-` prefix also stops a
//!   sibling subdomain from planting its own).
//!
//! A request with an `Authorization: Bearer` header is never read from
//! cookies, so API clients are unaffected.

use axum::Json;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use subtle::ConstantTimeEq;
use utoipa::ToSchema;

use super::error::ApiError;
use super::routes::session::Tokens;

/// The access-token cookie.
pub const ACCESS: &str = "__Host-cloudarq_at";
/// The refresh-token cookie.
pub const REFRESH: &str = "__Secure-cloudarq_rt";
/// The CSRF cookie (readable by the page's script).
pub const CSRF: &str = "__Host-cloudarq_csrf";
/// The header that must echo the CSRF cookie.
pub const CSRF_HEADER: &str = "x-csrf-token";

/// What a cookie sign-in returns in the body (the tokens are in cookies).
#[derive(Serialize, ToSchema)]
pub struct CookieSession {
    /// Always `cookie`.
    pub token_type: &'static str,
    /// Seconds the access token (and its cookie) lives.
    pub expires_in: i64,
    /// The CSRF token, also in the `__Host-cloudarq_csrf` cookie: send it in
    /// `X-CSRF-Token` on every state-changing request.
    pub csrf_token: String,
}

/// The value of cookie `name` in the request's `Cookie` headers.
pub fn cookie<'h>(headers: &'h HeaderMap, name: &str) -> Option<&'h str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.trim())
        .filter(|v| !v.is_empty())
}

/// Whether a cookie-authenticated request may go on: safe methods always;
/// others only with `X-CSRF-Token` equal to the CSRF cookie.
pub fn csrf_ok(method: &Method, headers: &HeaderMap) -> bool {
    if matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS) {
        return true;
    }
    let (Some(cookie), Some(header)) = (
        cookie(headers, CSRF),
        headers.get(CSRF_HEADER).and_then(|v| v.to_str().ok()),
    ) else {
        return false;
    };
    cookie.len() >= 32 && bool::from(cookie.as_bytes().ct_eq(header.as_bytes()))
}

fn set_cookie(
    name: &str,
    value: &str,
    path: &str,
    http_only: bool,
    max_age: i64,
) -> Result<HeaderValue, ApiError> {
    let http_only = if http_only { "; HttpOnly" } else { "" };
    HeaderValue::from_str(&format!(
        "{name}={value}; Path={path}; Secure{http_only}; SameSite=Strict; Max-Age={max_age}"
    ))
    .map_err(|e| ApiError::Internal(format!("cookie: {e}")))
}

/// The answer carrying `tokens` in cookies (`session_secs`: how long the
/// refresh and CSRF cookies live), with `status`.
pub fn deliver(
    status: StatusCode,
    tokens: Tokens,
    session_secs: i64,
) -> Result<Response, ApiError> {
    use base64::Engine as _;
    let mut raw = [0u8; 32];
    getrandom::fill(&mut raw).map_err(|e| ApiError::Internal(format!("no randomness: {e}")))?;
    let csrf = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(raw);
    let mut res = (
        status,
        Json(CookieSession {
            token_type: "cookie",
            expires_in: tokens.expires_in,
            csrf_token: csrf.clone(),
        }),
    )
        .into_response();
    let h = res.headers_mut();
    h.append(
        header::SET_COOKIE,
        set_cookie(ACCESS, &tokens.access_token, "/", true, tokens.expires_in)?,
    );
    h.append(
        header::SET_COOKIE,
        set_cookie(
            REFRESH,
            &tokens.refresh_token,
            "/api/v1/session",
            true,
            session_secs,
        )?,
    );
    h.append(
        header::SET_COOKIE,
        set_cookie(CSRF, &csrf, "/", false, session_secs)?,
    );
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(res)
}

/// `Set-Cookie` headers that remove the three cookies (sign-out).
pub fn clear() -> Result<[HeaderValue; 3], ApiError> {
    Ok([
        set_cookie(ACCESS, "", "/", true, 0)?,
        set_cookie(REFRESH, "", "/api/v1/session", true, 0)?,
        set_cookie(CSRF, "", "/", false, 0)?,
    ])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cookies_are_read_by_exact_name_and_csrf_needs_the_echo() {
        let mut h = HeaderMap::new();
        h.insert(
            header::COOKIE,
            "x__Host-cloudarq_at=forged; __Host-cloudarq_at=real; __Host-cloudarq_csrf=cccccccccccccccccccccccccccccccccccc"
                .parse()
                .unwrap(),
        );
        assert_eq!(cookie(&h, ACCESS), Some("real"));
        assert_eq!(cookie(&h, REFRESH), None);
        assert!(csrf_ok(&Method::GET, &h), "safe methods need no echo");
        assert!(!csrf_ok(&Method::POST, &h), "no header");
        h.insert(
            CSRF_HEADER,
            "cccccccccccccccccccccccccccccccccccX".parse().unwrap(),
        );
        assert!(!csrf_ok(&Method::DELETE, &h), "a different value");
        h.insert(
            CSRF_HEADER,
            "cccccccccccccccccccccccccccccccccccc".parse().unwrap(),
        );
        assert!(csrf_ok(&Method::PATCH, &h));
        let mut short = HeaderMap::new();
        short.insert(header::COOKIE, "__Host-cloudarq_csrf=a".parse().unwrap());
        short.insert(CSRF_HEADER, "a".parse().unwrap());
        assert!(!csrf_ok(&Method::POST, &short), "a planted short token");
    }
}
