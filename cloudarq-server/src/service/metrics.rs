//! Request metrics in the Prometheus text format (V9), at `GET /metrics`.
//!
//! Every answer is counted by method, route template (never the concrete
//! path, so ids do not multiply the series) and status, and timed per route
//! in a histogram. The endpoint is off unless the operator configures a
//! scrape token (`metrics_token_file` or `CLOUDARQ_METRICS_TOKEN`, at least
//! 32 characters); the scraper then sends it as a bearer token, compared in
//! constant time. It carries no tenant data.

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::time::Instant;

use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderMap, header};
use axum::middleware::Next;
use axum::response::Response;
use secrecy::{ExposeSecret, SecretString};
use subtle::ConstantTimeEq;

use super::AppState;
use super::error::{ApiError, Problem};

/// The histogram's upper bounds, in seconds.
const BOUNDS: [f64; 11] = [
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

#[derive(Default)]
struct Histogram {
    /// Observations at most each bound (not cumulative; summed when shown).
    buckets: [u64; BOUNDS.len()],
    count: u64,
    sum: f64,
}

#[derive(Default)]
struct Series {
    requests: BTreeMap<(&'static str, String, u16), u64>,
    durations: BTreeMap<String, Histogram>,
}

/// The service's request metrics.
pub struct Metrics {
    series: Mutex<Series>,
    started: Instant,
    token: Option<SecretString>,
}

impl std::fmt::Debug for Metrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Metrics")
            .field("enabled", &self.token.is_some())
            .finish_non_exhaustive()
    }
}

/// A method as a label: the standard ones by name, anything else `other`
/// (a client cannot mint series).
fn method_label(m: &axum::http::Method) -> &'static str {
    match m.as_str() {
        "GET" => "GET",
        "POST" => "POST",
        "PUT" => "PUT",
        "PATCH" => "PATCH",
        "DELETE" => "DELETE",
        "HEAD" => "HEAD",
        "OPTIONS" => "OPTIONS",
        _ => "other",
    }
}

/// A label value with `\`, `"` and newlines escaped (the text format's rule).
fn escape(v: &str) -> String {
    v.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

impl Metrics {
    /// Metrics served only to a scraper presenting `token` (`None`: off).
    pub fn new(token: Option<SecretString>) -> Self {
        Self {
            series: Mutex::new(Series::default()),
            started: Instant::now(),
            token,
        }
    }

    fn observe(&self, method: &'static str, route: String, status: u16, seconds: f64) {
        let Ok(mut s) = self.series.lock() else {
            return;
        };
        *s.requests
            .entry((method, route.clone(), status))
            .or_default() += 1;
        let h = s.durations.entry(route).or_default();
        h.count += 1;
        h.sum += seconds;
        if let Some(i) = BOUNDS.iter().position(|b| seconds <= *b) {
            h.buckets[i] += 1;
        }
    }

    /// The text exposition of every series, plus the database's state.
    pub fn render(&self, database_up: bool) -> String {
        use std::fmt::Write as _;
        let mut out = String::new();
        let _ = writeln!(
            out,
            "# HELP cloudarq_build_info The running version.\n# TYPE cloudarq_build_info gauge\ncloudarq_build_info{{version=\"{}\"}} 1",
            env!("CARGO_PKG_VERSION")
        );
        let _ = writeln!(
            out,
            "# HELP cloudarq_uptime_seconds Seconds since the process started.\n# TYPE cloudarq_uptime_seconds gauge\ncloudarq_uptime_seconds {:.3}",
            self.started.elapsed().as_secs_f64()
        );
        let _ = writeln!(
            out,
            "# HELP cloudarq_database_up Whether the database answered and its migrations are current.\n# TYPE cloudarq_database_up gauge\ncloudarq_database_up {}",
            u8::from(database_up)
        );
        let Ok(s) = self.series.lock() else {
            return out;
        };
        let _ = writeln!(
            out,
            "# HELP cloudarq_http_requests_total Requests answered, by method, route and status.\n# TYPE cloudarq_http_requests_total counter"
        );
        for ((method, route, status), n) in &s.requests {
            let _ = writeln!(
                out,
                "cloudarq_http_requests_total{{method=\"{method}\",route=\"{}\",status=\"{status}\"}} {n}",
                escape(route)
            );
        }
        let _ = writeln!(
            out,
            "# HELP cloudarq_http_request_duration_seconds Time to answer, by route.\n# TYPE cloudarq_http_request_duration_seconds histogram"
        );
        for (route, h) in &s.durations {
            let route = escape(route);
            let mut cumulative = 0;
            for (bound, n) in BOUNDS.iter().zip(h.buckets) {
                cumulative += n;
                let _ = writeln!(
                    out,
                    "cloudarq_http_request_duration_seconds_bucket{{route=\"{route}\",le=\"{bound}\"}} {cumulative}"
                );
            }
            let _ = writeln!(
                out,
                "cloudarq_http_request_duration_seconds_bucket{{route=\"{route}\",le=\"+Inf\"}} {}\ncloudarq_http_request_duration_seconds_sum{{route=\"{route}\"}} {:.6}\ncloudarq_http_request_duration_seconds_count{{route=\"{route}\"}} {}",
                h.count, h.sum, h.count
            );
        }
        out
    }

    /// Whether `headers` carry the scrape token (always false when off).
    fn authorised(&self, headers: &HeaderMap) -> bool {
        let Some(token) = &self.token else {
            return false;
        };
        let presented = headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .unwrap_or("");
        bool::from(presented.as_bytes().ct_eq(token.expose_secret().as_bytes()))
    }
}

/// The layer that counts and times every answer.
pub async fn record(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let method = method_label(req.method());
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_owned(), |p| p.as_str().to_owned());
    let start = Instant::now();
    let res = next.run(req).await;
    state.metrics().observe(
        method,
        route,
        res.status().as_u16(),
        start.elapsed().as_secs_f64(),
    );
    res
}

/// The metrics, for a scraper with the configured token (401 without it,
/// and always while metrics are off).
#[utoipa::path(get, path = "/metrics", tag = "meta",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Prometheus text format 0.0.4", body = String, content_type = "text/plain"),
        (status = 401, description = "Not the scrape token (or metrics are off: no token configured)", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn metrics(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<([(header::HeaderName, &'static str); 2], String), ApiError> {
    let m = state.metrics();
    // Off (no token configured) answers like a wrong token: no scraper can
    // tell the two apart, and no one reads them.
    if !m.authorised(&headers) {
        return Err(ApiError::Unauthenticated);
    }
    let up = state.store().ready().await.is_ok();
    Ok((
        [
            (
                header::CONTENT_TYPE,
                "text/plain; version=0.0.4; charset=utf-8",
            ),
            (header::CACHE_CONTROL, "no-store"),
        ],
        m.render(up),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn off_metrics_authorise_nobody_and_buckets_are_cumulative() {
        let mut h = HeaderMap::new();
        h.insert(header::AUTHORIZATION, "Bearer ".parse().unwrap());
        assert!(!Metrics::new(None).authorised(&h), "no token configured");
        let m = Metrics::new(Some(SecretString::from("t".repeat(32))));
        assert!(!m.authorised(&h), "an empty bearer");
        h.insert(
            header::AUTHORIZATION,
            format!("Bearer {}", "t".repeat(32)).parse().unwrap(),
        );
        assert!(m.authorised(&h));
        m.observe("GET", "/r\"\n".into(), 200, 0.004);
        m.observe("GET", "/r\"\n".into(), 500, 0.3);
        m.observe("GET", "/r\"\n".into(), 200, 60.0);
        let text = m.render(false);
        assert!(text.contains("cloudarq_database_up 0"));
        assert!(text.contains(r#"route="/r\"\n",le="0.005"} 1"#), "{text}");
        assert!(text.contains(r#"route="/r\"\n",le="0.5"} 2"#), "{text}");
        assert!(text.contains(r#"route="/r\"\n",le="10"} 2"#), "{text}");
        assert!(text.contains(r#"route="/r\"\n",le="+Inf"} 3"#), "{text}");
        assert!(!text.contains("/r\"\n\""), "a raw newline in a label");
    }
}
