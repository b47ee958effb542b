//! CloudArq's retry policy (ARCHITECTURE.md, "Retries, pacing and
//! deadlines"). The SDK's own retries are off: every HTTP attempt of every
//! AWS client goes through a [`Lane`], which waits for a token of its
//! service × region bucket, counts the attempt, classifies the answer by AWS
//! error code (`gap.rs`) and decides whether and when to try again. Sitting
//! under the SDK, it retries paginated calls page by page as well.

use std::sync::Arc;
use std::time::{Duration, Instant};

use aws_smithy_runtime_api::client::http::{
    HttpClient, HttpConnector, HttpConnectorFuture, HttpConnectorSettings, SharedHttpClient,
    SharedHttpConnector,
};
use aws_smithy_runtime_api::client::orchestrator::{HttpRequest, HttpResponse};
use aws_smithy_runtime_api::client::result::ConnectorError;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_types::body::SdkBody;
use aws_smithy_types::byte_stream::ByteStream;
use cloudarq_model::Region;

use super::RequestCounter;
use super::actions::ApiService;
use super::gap::{self, RetryClass};
use super::throttle::{Bucket, Throttle};

/// How failed attempts are retried. `Default` is the documented policy.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct RetryPolicy {
    /// Attempts per request in all, throttled ones included (default 8).
    pub max_attempts: u32,
    /// Back-off bound after the first throttle (default 150 ms); it doubles
    /// with each further throttle of the same request.
    pub throttle_backoff: Duration,
    /// The largest throttling back-off bound (default 3 s).
    pub max_throttle_backoff: Duration,
    /// How many attempts of a request may end in a server error, a timeout or
    /// a broken connection (default 3).
    pub transient_attempts: u32,
    /// Back-off bound after the first such failure (default 100 ms); doubles.
    pub transient_backoff: Duration,
    /// The longest one attempt may take (default 60 s).
    pub attempt_timeout: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_attempts: 8,
            throttle_backoff: Duration::from_millis(150),
            max_throttle_backoff: Duration::from_secs(3),
            transient_attempts: 3,
            transient_backoff: Duration::from_millis(100),
            attempt_timeout: Duration::from_secs(60),
        }
    }
}

impl RetryPolicy {
    /// At most `n` attempts per request (at least 1); the transient budget
    /// stays within it.
    pub fn with_max_attempts(mut self, n: u32) -> Self {
        self.max_attempts = n.max(1);
        self.transient_attempts = self.transient_attempts.min(self.max_attempts);
        self
    }
}

/// Error bodies longer than this are not read for a code (AWS's are a few
/// hundred bytes); the answer is then classified by its status alone.
const ERROR_BODY_LIMIT: u64 = 64 * 1024;

/// The longest answer body a lane reads (AWS pages are at most a few MB).
const ANSWER_BODY_LIMIT: usize = 64 << 20;

/// The HTTP layer of one scan: the real client, the buckets, the policy and
/// the request counter. Each AWS client gets its own [`Lane`] through it.
#[derive(Clone, Debug)]
pub(crate) struct Transport {
    inner: SharedHttpClient,
    throttle: Arc<Throttle>,
    policy: RetryPolicy,
    requests: RequestCounter,
}

impl Transport {
    pub(crate) fn new(
        inner: SharedHttpClient,
        throttle: Throttle,
        policy: RetryPolicy,
        requests: RequestCounter,
    ) -> Self {
        Self {
            inner,
            throttle: Arc::new(throttle),
            policy,
            requests,
        }
    }

    /// The HTTP client for an SDK client of `svc` in `region`.
    pub(crate) fn client(&self, svc: ApiService, region: Option<&Region>) -> SharedHttpClient {
        SharedHttpClient::new(LaneClient {
            inner: self.inner.clone(),
            lane: Lane {
                bucket: self.throttle.bucket(svc, region),
                policy: self.policy,
                requests: self.requests.clone(),
            },
        })
    }
}

/// The default HTTPS client, as the SDK builds it (rustls with aws-lc, proxy
/// settings from the environment), made explicit so a lane can wrap it.
pub(crate) fn default_http_client() -> SharedHttpClient {
    use aws_smithy_http_client::{Builder, ConnectorBuilder, proxy::ProxyConfig, tls};
    Builder::new().build_with_connector_fn(|settings, components| {
        let mut conn = ConnectorBuilder::default().tls_provider(tls::Provider::Rustls(
            tls::rustls_provider::CryptoMode::AwsLc,
        ));
        conn.set_connector_settings(settings.cloned());
        if let Some(components) = components {
            conn.set_sleep_impl(components.sleep_impl());
        }
        conn.set_proxy_config(Some(ProxyConfig::from_env()));
        conn.build()
    })
}

#[derive(Debug)]
struct LaneClient {
    inner: SharedHttpClient,
    lane: Lane,
}

impl HttpClient for LaneClient {
    fn http_connector(
        &self,
        settings: &HttpConnectorSettings,
        components: &RuntimeComponents,
    ) -> SharedHttpConnector {
        SharedHttpConnector::new(LaneConnector {
            inner: self.inner.http_connector(settings, components),
            lane: self.lane.clone(),
        })
    }
}

#[derive(Debug)]
struct LaneConnector {
    inner: SharedHttpConnector,
    lane: Lane,
}

impl HttpConnector for LaneConnector {
    fn call(&self, request: HttpRequest) -> HttpConnectorFuture {
        let inner = self.inner.clone();
        let lane = self.lane.clone();
        HttpConnectorFuture::new(async move { lane.send(&inner, request).await })
    }
}

/// Where the requests of one SDK client go: its bucket, the policy, the counter.
#[derive(Clone, Debug)]
pub(crate) struct Lane {
    bucket: Arc<Bucket>,
    policy: RetryPolicy,
    requests: RequestCounter,
}

impl Lane {
    /// Sends `request`, retrying it as the policy says; returns the last
    /// answer or transport error for the SDK to parse and classify.
    async fn send(
        &self,
        inner: &SharedHttpConnector,
        mut request: HttpRequest,
    ) -> Result<HttpResponse, ConnectorError> {
        let started = Instant::now();
        let (mut attempts, mut throttles, mut failures) = (0u32, 0u32, 0u32);
        loop {
            // A body that cannot be copied (a stream) gets one attempt.
            let copy = request.try_clone();
            self.bucket.acquire().await;
            self.requests.add();
            attempts += 1;
            let (result, class) = attempt(inner, request, self.policy.attempt_timeout).await;
            let bound = match class {
                RetryClass::Throttled => {
                    self.bucket.throttled();
                    throttles += 1;
                    (attempts < self.policy.max_attempts).then(|| {
                        doubled(
                            self.policy.throttle_backoff,
                            throttles,
                            self.policy.max_throttle_backoff,
                        )
                    })
                }
                RetryClass::Transient => {
                    failures += 1;
                    (failures < self.policy.transient_attempts
                        && attempts < self.policy.max_attempts)
                        .then(|| {
                            doubled(
                                self.policy.transient_backoff,
                                failures,
                                self.policy.max_throttle_backoff,
                            )
                        })
                }
                RetryClass::Final => {
                    self.bucket.answered();
                    None
                }
                RetryClass::Unreachable => None,
            };
            let (Some(bound), Some(copy)) = (bound, copy) else {
                if attempts > 1 {
                    tracing::debug!(
                        attempts,
                        ?class,
                        elapsed_ms = started.elapsed().as_millis() as u64,
                        "retries ended"
                    );
                }
                return result;
            };
            let wait = full_jitter(bound);
            tracing::debug!(
                attempt = attempts,
                ?class,
                wait_ms = wait.as_millis() as u64,
                "retrying"
            );
            tokio::time::sleep(wait).await;
            request = copy;
        }
    }
}

/// One attempt, bounded by `timeout` (reading a short error body included),
/// and its retry class.
async fn attempt(
    inner: &SharedHttpConnector,
    request: HttpRequest,
    timeout: Duration,
) -> (Result<HttpResponse, ConnectorError>, RetryClass) {
    let sent = async {
        match inner.call(request).await {
            Ok(response) => classify(response).await,
            Err(e) => {
                let class = gap::retry_class_of_transport(&e);
                (Err(e), class)
            }
        }
    };
    match tokio::time::timeout(timeout, sent).await {
        Ok(outcome) => outcome,
        Err(_) => (
            Err(ConnectorError::timeout(
                format!(
                    "no answer within the {} s attempt timeout",
                    timeout.as_secs()
                )
                .into(),
            )),
            RetryClass::Transient,
        ),
    }
}

/// Classifies an answer. Its whole body is read here, within the attempt's
/// timeout, and put back in memory for the SDK to parse: a connection that
/// stalls or breaks mid-body is then a transient failure this lane retries,
/// not an error the SDK meets later, outside every retry (its stalled-stream
/// guard also misfires when a busy runtime polls the body late).
async fn classify(
    mut response: HttpResponse,
) -> (Result<HttpResponse, ConnectorError>, RetryClass) {
    let status = response.status().as_u16();
    let body = match read_body(response.take_body()).await {
        Ok(body) => body,
        Err(e) => {
            let class = gap::retry_class_of_transport(&e);
            return (Err(e), class);
        }
    };
    let class = if gap::may_retry_status(status) {
        let error_type = response
            .headers()
            .get("x-amzn-errortype")
            .map(str::to_owned);
        let readable = body.len() as u64 <= ERROR_BODY_LIMIT;
        let code = gap::error_code(error_type.as_deref(), if readable { &body } else { b"" });
        gap::retry_class(status, code.as_deref())
    } else {
        RetryClass::Final
    };
    *response.body_mut() = SdkBody::from(body);
    (Ok(response), class)
}

/// Reads a whole answer body, at most [`ANSWER_BODY_LIMIT`] bytes.
async fn read_body(body: SdkBody) -> Result<Vec<u8>, ConnectorError> {
    let mut stream = ByteStream::new(body);
    let mut read = Vec::new();
    while let Some(chunk) = stream.next().await {
        // The connection broke while the body was read.
        let chunk = chunk.map_err(|e| ConnectorError::io(e.into()))?;
        if read.len() + chunk.len() > ANSWER_BODY_LIMIT {
            return Err(ConnectorError::other(
                format!(
                    "the answer is longer than {} MiB, more than any read CloudArq makes returns",
                    ANSWER_BODY_LIMIT >> 20
                )
                .into(),
                None,
            ));
        }
        read.extend_from_slice(&chunk);
    }
    Ok(read)
}

/// `base` doubled for each earlier occurrence (`n` ≥ 1), at most `cap`.
fn doubled(base: Duration, n: u32, cap: Duration) -> Duration {
    let factor = 2u32.saturating_pow(n.saturating_sub(1));
    base.saturating_mul(factor).min(cap)
}

/// A uniformly random duration in `[0, bound)` ("full jitter"), so clients
/// throttled together do not retry together.
fn full_jitter(bound: Duration) -> Duration {
    // Without randomness (never expected) half the bound is a fair guess.
    let unit = getrandom::u64()
        .map(|r| (r >> 11) as f64 / (1u64 << 53) as f64)
        .unwrap_or(0.5);
    bound.mul_f64(unit)
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use aws_sdk_sts::config::{BehaviorVersion, Credentials};
    use cloudarq_model::GapKind;

    use super::*;
    use crate::aws::{CallError, RateLimits};

    /// Calls STS on `127.0.0.1:port` through a fresh transport with `policy`;
    /// the call must fail, and its classified error is returned.
    async fn failed_call(port: u16, requests: &RequestCounter, policy: RetryPolicy) -> CallError {
        let transport = Transport::new(
            default_http_client(),
            Throttle::new(RateLimits::default()),
            policy,
            requests.clone(),
        );
        let conf = aws_sdk_sts::Config::builder()
            .behavior_version(BehaviorVersion::latest())
            .region(aws_sdk_sts::config::Region::new("eu-west-1"))
            .endpoint_url(format!("http://127.0.0.1:{port}"))
            .credentials_provider(Credentials::new(
                "AKIDTEST",
                "not-a-secret",
                None,
                None,
                "test",
            ))
            .retry_config(crate::aws::retry_config())
            .http_client(transport.client(ApiService::Sts, None))
            .build();
        let err = aws_sdk_sts::Client::from_conf(conf)
            .get_caller_identity()
            .send()
            .await
            .expect_err("the call cannot succeed");
        gap::classify(&err)
    }

    /// A loopback listener and its port.
    async fn listener() -> (tokio::net::TcpListener, u16) {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let port = listener.local_addr().expect("addr").port();
        (listener, port)
    }

    #[tokio::test]
    async fn a_refused_connection_is_tried_once() {
        // A port that was free a moment ago and has no listener now.
        let port = listener().await.1;
        let requests = RequestCounter::default();
        let e = failed_call(port, &requests, RetryPolicy::default()).await;
        assert_eq!(e.kind, GapKind::Unreachable);
        assert_eq!(requests.get(), 1);
    }

    #[tokio::test]
    async fn a_dropped_connection_gets_the_transient_budget() {
        let (listener, port) = listener().await;
        let accepted = Arc::new(AtomicUsize::new(0));
        let counted = accepted.clone();
        let server = tokio::spawn(async move {
            while let Ok((socket, _)) = listener.accept().await {
                counted.fetch_add(1, Ordering::SeqCst);
                drop(socket);
            }
        });
        let requests = RequestCounter::default();
        let e = failed_call(port, &requests, RetryPolicy::default()).await;
        server.abort();
        assert_eq!(e.kind, GapKind::Unreachable);
        assert_eq!(requests.get(), 3);
        assert_eq!(accepted.load(Ordering::SeqCst), 3);
    }

    #[tokio::test]
    async fn a_stalled_answer_is_cut_off_by_the_attempt_timeout_and_retried() {
        let (listener, port) = listener().await;
        // Accepts, reads nothing, answers nothing, keeps the connection open.
        let server = tokio::spawn(async move {
            let mut held = Vec::new();
            while let Ok((socket, _)) = listener.accept().await {
                held.push(socket);
            }
        });
        let requests = RequestCounter::default();
        let policy = RetryPolicy {
            attempt_timeout: Duration::from_millis(200),
            ..RetryPolicy::default()
        };
        let e = failed_call(port, &requests, policy).await;
        server.abort();
        assert_eq!(e.kind, GapKind::Unreachable);
        assert!(e.message.contains("attempt timeout"), "{e}");
        assert_eq!(requests.get(), 3);
    }

    #[tokio::test]
    async fn a_body_that_stalls_midway_is_retried_by_the_lane() {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        const ANSWER: &str = "<GetCallerIdentityResponse><GetCallerIdentityResult>\
            <Arn>arn:aws:iam::123456789012:user/x</Arn><UserId>AIDX</UserId>\
            <Account>123456789012</Account></GetCallerIdentityResult>\
            </GetCallerIdentityResponse>";
        let (listener, port) = listener().await;
        let accepted = Arc::new(AtomicUsize::new(0));
        let counted = accepted.clone();
        // The first answer sends its headers and half its body, then holds
        // the connection open; the second is whole.
        let server = tokio::spawn(async move {
            let mut held = Vec::new();
            while let Ok((mut socket, _)) = listener.accept().await {
                let n = counted.fetch_add(1, Ordering::SeqCst);
                let mut request = vec![0u8; 64 * 1024];
                let _ = socket.read(&mut request).await;
                let head = format!(
                    "HTTP/1.1 200 OK\r\ncontent-type: text/xml\r\ncontent-length: {}\r\n\r\n",
                    ANSWER.len()
                );
                let body = if n == 0 {
                    &ANSWER[..ANSWER.len() / 2]
                } else {
                    ANSWER
                };
                let _ = socket.write_all(head.as_bytes()).await;
                let _ = socket.write_all(body.as_bytes()).await;
                held.push(socket);
            }
        });
        let requests = RequestCounter::default();
        let transport = Transport::new(
            default_http_client(),
            Throttle::new(RateLimits::default()),
            RetryPolicy {
                attempt_timeout: Duration::from_millis(300),
                ..RetryPolicy::default()
            },
            requests.clone(),
        );
        let conf = aws_sdk_sts::Config::builder()
            .behavior_version(BehaviorVersion::latest())
            .region(aws_sdk_sts::config::Region::new("eu-west-1"))
            .endpoint_url(format!("http://127.0.0.1:{port}"))
            .credentials_provider(Credentials::new("AKIDTEST", "x", None, None, "test"))
            .retry_config(crate::aws::retry_config())
            .http_client(transport.client(ApiService::Sts, None))
            .build();
        let answer = aws_sdk_sts::Client::from_conf(conf)
            .get_caller_identity()
            .send()
            .await;
        server.abort();
        let answer = answer.expect("the second attempt answers");
        assert_eq!(answer.account(), Some("123456789012"));
        assert_eq!(requests.get(), 2);
        assert_eq!(accepted.load(Ordering::SeqCst), 2);
    }

    #[test]
    fn backoff_doubles_up_to_its_cap_and_jitter_stays_below_it() {
        let base = Duration::from_millis(150);
        let cap = Duration::from_secs(3);
        let bounds: Vec<u128> = (1..=7).map(|n| doubled(base, n, cap).as_millis()).collect();
        assert_eq!(bounds, [150, 300, 600, 1200, 2400, 3000, 3000]);
        assert_eq!(doubled(base, u32::MAX, cap), cap);
        for _ in 0..100 {
            assert!(full_jitter(cap) < cap);
        }
    }

    #[test]
    fn max_attempts_bounds_the_transient_budget() {
        let p = RetryPolicy::default().with_max_attempts(2);
        assert_eq!((p.max_attempts, p.transient_attempts), (2, 2));
        let p = RetryPolicy::default().with_max_attempts(0);
        assert_eq!((p.max_attempts, p.transient_attempts), (1, 1));
        let p = RetryPolicy::default().with_max_attempts(20);
        assert_eq!((p.max_attempts, p.transient_attempts), (20, 3));
    }
}
