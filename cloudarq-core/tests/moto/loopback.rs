//! moto on loopback: a throwaway `moto_server` on a free port, a
//! fault-injecting proxy in front of it that records every request (it can
//! also throttle a seeded fraction of all requests, answer canned responses
//! and delay answers), and an HTTP client that resolves S3 Control's
//! `<account>.127.0.0.1` host names to loopback. No AWS SDK client here, so
//! other crates' tests (the service's and the workers') include this file
//! with `#[path]`; `harness.rs` adds the seeding clients.

use std::collections::HashMap;
use std::convert::Infallible;
use std::net::{IpAddr, Ipv4Addr, TcpListener as StdListener};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use aws_smithy_http_client::Builder as HttpBuilder;
use aws_smithy_runtime_api::client::dns::{DnsFuture, ResolveDns, ResolveDnsError};
use aws_smithy_runtime_api::client::http::SharedHttpClient;
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::{TokioExecutor, TokioIo};

pub const ACCOUNT: &str = "123456789012";
pub const FAKE_KEY: &str = "AKIAIOSFODNN7EXAMPLE";
pub const FAKE_SECRET: &str = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";

pub fn free_port() -> u16 {
    StdListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("free port")
}

/// A running `moto_server`, killed on drop.
pub struct Moto {
    child: Child,
    pub port: u16,
}

impl Moto {
    /// The emulator's process id (for benchmarks that read its CPU time).
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    pub fn start() -> Moto {
        let bin = std::env::var("MOTO_SERVER").unwrap_or_else(|_| "moto_server".to_owned());
        for _attempt in 0..3 {
            let port = free_port();
            let child = Command::new(&bin)
                .args(["-H", "127.0.0.1", "-p", &port.to_string()])
                .env("MOTO_IAM_LOAD_MANAGED_POLICIES", "true")
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .unwrap_or_else(|e| panic!("cannot start {bin} (install moto[server]; the README test command does): {e}"));
            let mut moto = Moto { child, port };
            let deadline = Instant::now() + Duration::from_secs(30);
            while Instant::now() < deadline {
                if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
                    return moto;
                }
                if let Ok(Some(_)) = moto.child.try_wait() {
                    break; // port race: try another
                }
                std::thread::sleep(Duration::from_millis(100));
            }
            let _ = moto.child.kill();
        }
        panic!("moto_server did not start");
    }

    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Resolves loopback names, including S3 Control's `<account>.127.0.0.1`;
/// refuses everything else so a test can never leave the machine.
#[derive(Debug, Clone)]
pub struct LoopbackResolver;

impl ResolveDns for LoopbackResolver {
    fn resolve_dns<'a>(&'a self, name: &'a str) -> DnsFuture<'a> {
        let loopback = name == "localhost"
            || name == "127.0.0.1"
            || name.ends_with(".127.0.0.1")
            || name.ends_with(".localhost");
        if loopback {
            DnsFuture::ready(Ok(vec![IpAddr::V4(Ipv4Addr::LOCALHOST)]))
        } else {
            DnsFuture::ready(Err(ResolveDnsError::new(format!(
                "{name} is not a loopback name"
            ))))
        }
    }
}

/// Resolves no name at all, and counts how often it was asked: one lookup
/// per connection attempt.
#[derive(Debug, Clone, Default)]
pub struct FailingResolver(pub Arc<std::sync::atomic::AtomicUsize>);

impl ResolveDns for FailingResolver {
    fn resolve_dns<'a>(&'a self, name: &'a str) -> DnsFuture<'a> {
        self.0.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        DnsFuture::ready(Err(ResolveDnsError::new(format!(
            "{name} does not resolve (test resolver)"
        ))))
    }
}

/// An HTTP client whose every DNS lookup fails, counted by `resolver`.
pub fn unresolving_http_client(resolver: FailingResolver) -> SharedHttpClient {
    HttpBuilder::new()
        .tls_provider(aws_smithy_http_client::tls::Provider::Rustls(
            aws_smithy_http_client::tls::rustls_provider::CryptoMode::AwsLc,
        ))
        .build_with_resolver(resolver)
}

pub fn http_client() -> SharedHttpClient {
    HttpBuilder::new()
        .tls_provider(aws_smithy_http_client::tls::Provider::Rustls(
            aws_smithy_http_client::tls::rustls_provider::CryptoMode::AwsLc,
        ))
        .build_with_resolver(LoopbackResolver)
}

/// A request the proxy saw.
#[derive(Clone, Debug)]
pub struct Seen {
    pub operation: String,
    pub method: String,
    pub uri: String,
    pub host: String,
    pub body: String,
    /// The request's credential scope: date, region, service.
    pub scope: String,
    /// When the proxy received it.
    pub at: Instant,
    /// Whether the proxy answered it with a throttling error.
    pub throttled: bool,
}

/// What to answer instead of forwarding.
#[derive(Clone, Debug)]
pub enum Fault {
    /// Always answer this error code with this HTTP status.
    Error { code: &'static str, status: u16 },
    /// Answer a throttling error for the first `times` requests, then forward.
    ThrottleFirst { times: u32 },
    /// Answer this error only to requests whose body contains `body_contains`
    /// (tells apart two calls of one operation with different parameters).
    ErrorIfBody {
        body_contains: &'static str,
        code: &'static str,
        status: u16,
    },
    /// Answer this status and body (stands in for an operation moto lacks).
    Respond { status: u16, body: &'static str },
    /// Answer `200` with the body given for the request's region (from its
    /// credential scope); forward requests of any other region.
    RespondPerRegion {
        bodies: &'static [(&'static str, &'static str)],
    },
    /// Answer `200` with the body of the first entry whose text the request
    /// body contains (tells apart calls about different resources); the
    /// last entry, when its text is empty, answers every other request.
    RespondByBody {
        bodies: &'static [(&'static str, &'static str)],
    },
}

/// `DescribeRegionSettings`: the types AWS opts in by default.
pub const BACKUP_OPT_IN: &str = r#"{"ResourceTypeOptInPreference":{"Aurora":true,"DynamoDB":true,"EBS":true,"EC2":true,"EFS":true,"RDS":true,"S3":false},"ResourceTypeManagementPreference":{"DynamoDB":false,"EFS":true}}"#;

/// `GenerateServiceLastAccessedDetails` as IAM answers it: a job id.
pub const IAM_LAST_ACCESSED_JOB: &str = "<GenerateServiceLastAccessedDetailsResponse xmlns=\"https://iam.amazonaws.com/doc/2010-05-08/\"><GenerateServiceLastAccessedDetailsResult><JobId>00000000-0000-0000-0000-000000000000</JobId></GenerateServiceLastAccessedDetailsResult><ResponseMetadata><RequestId>7a62c49f-347e-4fc4-9331-6e8eEXAMPLE</RequestId></ResponseMetadata></GenerateServiceLastAccessedDetailsResponse>";

/// `GetServiceLastAccessedDetails` as IAM answers it for a principal
/// allowed no service: a completed job listing nothing.
pub const IAM_LAST_ACCESSED_NOTHING: &str = "<GetServiceLastAccessedDetailsResponse xmlns=\"https://iam.amazonaws.com/doc/2010-05-08/\"><GetServiceLastAccessedDetailsResult><JobStatus>COMPLETED</JobStatus><JobType>SERVICE_LEVEL</JobType><JobCreationDate>2026-01-01T00:00:00Z</JobCreationDate><JobCompletionDate>2026-01-01T00:00:01Z</JobCompletionDate><ServicesLastAccessed/><IsTruncated>false</IsTruncated></GetServiceLastAccessedDetailsResult><ResponseMetadata><RequestId>7a62c49f-347e-4fc4-9331-6e8eEXAMPLE</RequestId></ResponseMetadata></GetServiceLastAccessedDetailsResponse>";

/// Throttles a fraction of every request, decided per request from a seed.
#[derive(Clone, Copy, Debug)]
struct RandomThrottle {
    fraction: f64,
    seed: u64,
}

#[derive(Default)]
struct ProxyState {
    faults: HashMap<String, Fault>,
    served: HashMap<String, u32>,
    seen: Vec<Seen>,
    rewrites: HashMap<String, Vec<(String, String)>>,
    random_throttle: Option<RandomThrottle>,
    /// How often each distinct request (operation, URI, body) was seen, so
    /// a retry of the same request gets a fresh, still deterministic draw.
    sent: HashMap<u64, u64>,
    /// How many times in a row each distinct request was throttled at
    /// random; see [`MAX_THROTTLE_STREAK`].
    streak: HashMap<u64, u32>,
    /// Operations whose answers are held back, by prefix (`rds:`).
    delays: Vec<(String, Duration)>,
}

/// Random throttling passes a request after this many throttles of it in a
/// row. A fault test means "30 % of calls are throttled, and retries get
/// through", not "a call may be throttled as often as the retry policy
/// allows": without the bound, a 0.3^8 tail over a scan's thousands of
/// requests (moto's pagination tokens make some requests new on every run)
/// would now and then exhaust a request's attempts and fail the test.
const MAX_THROTTLE_STREAK: u32 = 3;

/// FNV-1a over `parts`, finished with the SplitMix64 mixer: a stable hash, so
/// the throttled requests depend only on the seed and the requests themselves,
/// not on the order in which concurrent requests arrive.
fn stable_hash(parts: &[&[u8]]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for part in parts {
        for b in part.iter().chain(&[0xff]) {
            h ^= u64::from(*b);
            h = h.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
    h = (h ^ (h >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    h = (h ^ (h >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    h ^ (h >> 31)
}

/// The throttling error each service answers with: EC2's query API
/// `RequestLimitExceeded` (503), S3's `SlowDown` (503), and `Throttling`
/// (400) for the IAM, STS and RDS query APIs, `ThrottlingException` (400)
/// for KMS's JSON API.
fn throttle_error(service: &str) -> (&'static str, u16) {
    match service {
        "s3" => ("SlowDown", 503),
        "ec2" => ("RequestLimitExceeded", 503),
        "kms" | "config" => ("ThrottlingException", 400),
        "securityhub" => ("TooManyRequestsException", 429),
        "access-analyzer" => ("ThrottlingException", 429),
        "elasticfilesystem" | "macie2" => ("ThrottlingException", 429),
        "account" => ("TooManyRequestsException", 429),
        "backup" => ("ThrottlingException", 429),
        "ssm" => ("ThrottlingException", 400),
        "apigateway" => ("TooManyRequestsException", 429),
        _ => ("Throttling", 400),
    }
}

/// A loopback HTTP proxy in front of moto.
pub struct Proxy {
    pub port: u16,
    state: Arc<Mutex<ProxyState>>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl Proxy {
    pub async fn start(upstream_port: u16) -> Proxy {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind proxy");
        let port = listener.local_addr().expect("addr").port();
        let state = Arc::new(Mutex::new(ProxyState::default()));
        let client: hyper_util::client::legacy::Client<_, Full<Bytes>> =
            hyper_util::client::legacy::Client::builder(TokioExecutor::new()).build_http();
        let st = state.clone();
        let task = tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    continue;
                };
                let st = st.clone();
                let client = client.clone();
                tokio::spawn(async move {
                    let svc = hyper::service::service_fn(move |req| {
                        handle(req, st.clone(), client.clone(), upstream_port)
                    });
                    let _ = hyper::server::conn::http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), svc)
                        .await;
                });
            }
        });
        Proxy { port, state, task }
    }

    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Answers `operation` (for example `s3:GetBucketPolicy`) with `fault`.
    pub fn fault(&self, operation: &str, fault: Fault) {
        self.state
            .lock()
            .unwrap()
            .faults
            .insert(operation.to_owned(), fault);
    }

    /// Replaces `from` with `to` in the bodies of moto's answers to
    /// `operation`, to correct a response moto shapes differently from AWS.
    /// Each use names the moto bug it works around.
    pub fn rewrite_response(&self, operation: &str, from: &str, to: &str) {
        self.state
            .lock()
            .expect("proxy state")
            .rewrites
            .entry(operation.to_owned())
            .or_default()
            .push((from.to_owned(), to.to_owned()));
    }

    /// Answers `fraction` of all requests (0.0..=1.0) with the service's
    /// throttling error. Which requests is decided by hashing `seed` with the
    /// request and the number of times that same request was sent before.
    pub fn throttle_randomly(&self, fraction: f64, seed: u64) {
        self.state.lock().expect("proxy state").random_throttle =
            Some(RandomThrottle { fraction, seed });
    }

    /// Stops random throttling.
    pub fn stop_throttling(&self) {
        self.state.lock().expect("proxy state").random_throttle = None;
    }

    /// Holds back the answer to every operation starting with `prefix`
    /// (`rds:` for all of RDS) by `by`.
    pub fn delay(&self, prefix: &str, by: Duration) {
        self.state
            .lock()
            .expect("proxy state")
            .delays
            .push((prefix.to_owned(), by));
    }

    /// Removes the fault of `operation`.
    pub fn clear_fault(&self, operation: &str) {
        self.state
            .lock()
            .expect("proxy state")
            .faults
            .remove(operation);
    }

    pub fn seen(&self) -> Vec<Seen> {
        self.state.lock().unwrap().seen.clone()
    }

    pub fn clear_seen(&self) {
        self.state.lock().unwrap().seen.clear();
    }
}

fn service_of(auth: &str) -> String {
    // Credential=AKID/20260101/us-east-1/s3/aws4_request
    auth.split("Credential=")
        .nth(1)
        .and_then(|c| c.split('/').nth(3))
        .unwrap_or("unknown")
        .to_owned()
}

fn operation_of(
    method: &str,
    uri: &hyper::Uri,
    service: &str,
    target: Option<&str>,
    body: &str,
) -> String {
    // JSON protocols (KMS) name the operation in `X-Amz-Target`:
    // `TrentService.ListKeys`.
    if let Some(action) = target.and_then(|t| t.rsplit('.').next()) {
        return format!("{service}:{action}");
    }
    if let Some(action) = body.split('&').find_map(|kv| kv.strip_prefix("Action=")) {
        return format!("{service}:{action}");
    }
    if service == "s3" {
        let path = uri.path();
        if path.starts_with("/v20180820/configuration/publicAccessBlock") {
            return format!(
                "s3control:{}PublicAccessBlock",
                if method == "GET" { "Get" } else { "Put" }
            );
        }
        if path.starts_with("/v20180820/mrap/instances") && method == "GET" {
            return "s3control:ListMultiRegionAccessPoints".to_owned();
        }
        if path.starts_with("/v20180820/async-requests/mrap") {
            return "s3control:MultiRegionAccessPointRequest".to_owned();
        }
        if let Some(rest) = path.strip_prefix("/v20180820/accesspoint") {
            return match (method, rest.trim_start_matches('/').is_empty()) {
                ("GET", true) => "s3control:ListAccessPoints",
                ("GET", false) => "s3control:GetAccessPoint",
                ("PUT", _) => "s3control:CreateAccessPoint",
                _ => "s3control:OtherAccessPoint",
            }
            .to_owned();
        }
        let query = uri.query().unwrap_or("");
        let keys: Vec<&str> = query
            .split('&')
            .map(|kv| kv.split('=').next().unwrap_or(""))
            .collect();
        let sub = [
            ("encryption", "BucketEncryption"),
            ("policy", "BucketPolicy"),
            ("publicAccessBlock", "PublicAccessBlock"),
            ("acl", "BucketAcl"),
            ("versioning", "BucketVersioning"),
            ("logging", "BucketLogging"),
            ("object-lock", "ObjectLockConfiguration"),
            ("ownershipControls", "BucketOwnershipControls"),
            ("location", "BucketLocation"),
            ("tagging", "BucketTagging"),
            ("lifecycle", "BucketLifecycleConfiguration"),
            ("replication", "BucketReplication"),
            ("notification", "BucketNotificationConfiguration"),
        ]
        .into_iter()
        .find(|(k, _)| keys.contains(k));
        let verb = match method {
            "GET" => "Get",
            "PUT" => "Put",
            "DELETE" => "Delete",
            _ => "Other",
        };
        return match sub {
            Some((_, name)) => format!("s3:{verb}{name}"),
            None if path == "/" && method == "GET" => "s3:ListBuckets".to_owned(),
            None => format!("s3:{verb}Object"),
        };
    }
    // REST-JSON APIs name the operation by method and path.
    let rest = match (service, method, uri.path()) {
        ("securityhub", "GET", "/accounts") => Some("DescribeHub"),
        ("securityhub", "POST", "/standards/get") => Some("GetEnabledStandards"),
        ("access-analyzer", "GET", "/analyzer") => Some("ListAnalyzers"),
        ("elasticfilesystem", "GET", "/2015-02-01/file-systems") => Some("DescribeFileSystems"),
        ("elasticfilesystem", "GET", p)
            if p.starts_with("/2015-02-01/file-systems/") && p.ends_with("/policy") =>
        {
            Some("DescribeFileSystemPolicy")
        }
        ("macie2", "GET", "/macie") => Some("GetMacieSession"),
        ("account", "POST", "/getContactInformation") => Some("GetContactInformation"),
        ("account", "POST", "/getAlternateContact") => Some("GetAlternateContact"),
        ("backup", "GET", "/backup/plans") => Some("ListBackupPlans"),
        ("backup", "GET", "/resources") => Some("ListProtectedResources"),
        ("backup", "GET", "/account-settings") => Some("DescribeRegionSettings"),
        ("backup", "GET", p) if p.starts_with("/backup/plans/") && p.ends_with("/selections") => {
            Some("ListBackupSelections")
        }
        ("backup", "GET", p) if p.starts_with("/backup/plans/") && p.contains("/selections/") => {
            Some("GetBackupSelection")
        }
        ("apigateway", "GET", "/restapis") => Some("GetRestApis"),
        ("apigateway", "GET", "/account") => Some("GetAccount"),
        ("apigateway", "GET", p) if p.starts_with("/restapis/") && p.ends_with("/stages") => {
            Some("GetStages")
        }
        ("cloudfront", "GET", "/2020-05-31/distribution") => Some("ListDistributions"),
        ("cloudfront", "GET", p)
            if p.starts_with("/2020-05-31/distribution/") && p.ends_with("/config") =>
        {
            Some("GetDistributionConfig")
        }
        _ => None,
    };
    if let Some(action) = rest {
        return format!("{service}:{action}");
    }
    format!("{service}:{method}")
}

/// Services that speak JSON (errors carry `__type`).
fn speaks_json(service: &str) -> bool {
    matches!(
        service,
        "kms"
            | "config"
            | "securityhub"
            | "access-analyzer"
            | "cloudtrail"
            | "logs"
            | "organizations"
            | "elasticfilesystem"
            | "macie2"
            | "account"
            | "backup"
            | "ssm"
            | "apigateway"
    )
}

fn error_response(service: &str, op: &str, code: &str, status: u16) -> Response<Full<Bytes>> {
    let msg = format!("injected {code} by the CloudArq test proxy");
    if speaks_json(service) {
        // JSON protocols: the code is `__type` (and, for REST-JSON, the
        // `x-amzn-errortype` header).
        return Response::builder()
            .status(StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_REQUEST))
            .header("content-type", "application/x-amz-json-1.1")
            .header("x-amzn-errortype", code)
            .body(Full::new(Bytes::from(format!(
                "{{\"__type\":\"{code}\",\"message\":\"{msg}\"}}"
            ))))
            .expect("valid response");
    }
    let body = match service {
        // S3 Control signs as `s3` but wraps its errors like the query APIs.
        "s3" if op.starts_with("s3control:") => format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?><ErrorResponse><Error><Code>{code}</Code><Message>{msg}</Message></Error><RequestId>test</RequestId></ErrorResponse>"
        ),
        "ec2" => format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Response><Errors><Error><Code>{code}</Code><Message>{msg}</Message></Error></Errors><RequestID>test</RequestID></Response>"
        ),
        "s3" => format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>{code}</Code><Message>{msg}</Message><RequestId>test</RequestId></Error>"
        ),
        _ => format!(
            "<ErrorResponse><Error><Type>Sender</Type><Code>{code}</Code><Message>{msg}</Message></Error><RequestId>test</RequestId></ErrorResponse>"
        ),
    };
    Response::builder()
        .status(StatusCode::from_u16(status).unwrap_or(StatusCode::FORBIDDEN))
        .header("content-type", "text/xml")
        .body(Full::new(Bytes::from(body)))
        .expect("valid response")
}

/// What the proxy answers instead of forwarding.
enum Answer {
    Error((&'static str, u16)),
    Canned(u16, &'static str),
}

async fn handle(
    req: Request<Incoming>,
    state: Arc<Mutex<ProxyState>>,
    client: hyper_util::client::legacy::Client<
        hyper_util::client::legacy::connect::HttpConnector,
        Full<Bytes>,
    >,
    upstream_port: u16,
) -> Result<Response<Full<Bytes>>, Infallible> {
    let (parts, body) = req.into_parts();
    let bytes = body
        .collect()
        .await
        .map(|b| b.to_bytes())
        .unwrap_or_default();
    let body_text = String::from_utf8_lossy(&bytes).into_owned();
    let auth = parts
        .headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let service = service_of(auth);
    let target = parts
        .headers
        .get("x-amz-target")
        .and_then(|v| v.to_str().ok());
    let op = operation_of(
        parts.method.as_str(),
        &parts.uri,
        &service,
        target,
        &body_text,
    );
    let host = parts
        .headers
        .get("host")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    let (fault, rewrites, delay) = {
        let mut st = state.lock().unwrap();
        let rewrites = st.rewrites.get(&op).cloned().unwrap_or_default();
        let delay = st
            .delays
            .iter()
            .find(|(prefix, _)| op.starts_with(prefix.as_str()))
            .map(|(_, by)| *by);
        // The credential scope names the region: the same call in two
        // regions is two requests.
        let scope = auth
            .split("Credential=")
            .nth(1)
            .and_then(|c| c.split(',').next())
            .and_then(|c| c.split_once('/'))
            .map_or("", |(_, scope)| scope)
            .to_owned();
        let random = st.random_throttle.and_then(|t| {
            // Without the date, so the draws do not change from day to day.
            let region_and_service = scope.split_once('/').map_or("", |(_, rest)| rest);
            let request = stable_hash(&[
                op.as_bytes(),
                region_and_service.as_bytes(),
                parts.uri.to_string().as_bytes(),
                &bytes,
            ]);
            let nth = st.sent.entry(request).or_default();
            *nth += 1;
            let draw = stable_hash(&[
                &t.seed.to_le_bytes(),
                &request.to_le_bytes(),
                &nth.to_le_bytes(),
            ]);
            // The top 53 bits as a uniform number in [0, 1).
            let unit = (draw >> 11) as f64 / (1u64 << 53) as f64;
            let streak = st.streak.entry(request).or_default();
            if unit < t.fraction && *streak < MAX_THROTTLE_STREAK {
                *streak += 1;
                Some(throttle_error(&service))
            } else {
                *streak = 0;
                None
            }
        });
        let fault = st.faults.get(&op).cloned();
        let served = st.served.entry(op.clone()).or_default();
        *served += 1;
        let fault = match fault {
            _ if random.is_some() => random.map(Answer::Error),
            Some(Fault::ThrottleFirst { times }) if *served <= times => {
                Some(Answer::Error(throttle_error(&service)))
            }
            Some(Fault::Error { code, status }) => Some(Answer::Error((code, status))),
            Some(Fault::ErrorIfBody {
                body_contains,
                code,
                status,
            }) if body_text.contains(body_contains) => Some(Answer::Error((code, status))),
            Some(Fault::Respond { status, body }) => Some(Answer::Canned(status, body)),
            Some(Fault::RespondPerRegion { bodies }) => {
                let region = scope.split('/').nth(1).unwrap_or("");
                bodies
                    .iter()
                    .find(|(r, _)| *r == region)
                    .map(|(_, body)| Answer::Canned(200, body))
            }
            Some(Fault::RespondByBody { bodies }) => bodies
                .iter()
                .find(|(needle, _)| body_text.contains(needle))
                .map(|(_, body)| Answer::Canned(200, body)),
            _ => None,
        };
        let throttled = matches!(
            fault,
            Some(Answer::Error((code, _))) if matches!(code, "SlowDown" | "RequestLimitExceeded" | "Throttling" | "ThrottlingException" | "TooManyRequestsException")
        );
        st.seen.push(Seen {
            operation: op.clone(),
            method: parts.method.to_string(),
            uri: parts.uri.to_string(),
            host,
            body: body_text.clone(),
            scope,
            at: Instant::now(),
            throttled,
        });
        (fault, rewrites, delay)
    };
    if let Some(by) = delay {
        tokio::time::sleep(by).await;
    }
    match fault {
        Some(Answer::Error((code, status))) => {
            return Ok(error_response(&service, &op, code, status));
        }
        Some(Answer::Canned(status, body)) => {
            let content_type = if speaks_json(&service) {
                "application/x-amz-json-1.1"
            } else {
                "text/xml"
            };
            return Ok(Response::builder()
                .status(StatusCode::from_u16(status).unwrap_or(StatusCode::OK))
                .header("content-type", content_type)
                .body(Full::new(Bytes::from_static(body.as_bytes())))
                .expect("valid response"));
        }
        None => {}
    }
    let path = parts
        .uri
        .path_and_query()
        .map(|p| p.as_str())
        .unwrap_or("/");
    let uri: hyper::Uri = format!("http://127.0.0.1:{upstream_port}{path}")
        .parse()
        .expect("uri");
    let mut fwd = Request::builder().method(parts.method.clone()).uri(uri);
    for (k, v) in &parts.headers {
        fwd = fwd.header(k, v);
    }
    let fwd = fwd.body(Full::new(bytes)).expect("request");
    match client.request(fwd).await {
        Ok(resp) => {
            let (mut p, b) = resp.into_parts();
            let mut bytes = b.collect().await.map(|b| b.to_bytes()).unwrap_or_default();
            if !rewrites.is_empty() {
                let mut text = String::from_utf8_lossy(&bytes).into_owned();
                for (from, to) in &rewrites {
                    text = text.replace(from.as_str(), to);
                }
                bytes = Bytes::from(text);
                p.headers
                    .insert(hyper::header::CONTENT_LENGTH, bytes.len().into());
            }
            Ok(Response::from_parts(p, Full::new(bytes)))
        }
        Err(e) => Ok(Response::builder()
            .status(502)
            .body(Full::new(Bytes::from(format!("proxy error: {e}"))))
            .expect("response")),
    }
}
