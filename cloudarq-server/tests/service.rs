//! The hosted service's API through its router (issue 11): the route
//! inventory, headers on every response, sign-in, refresh rotation and
//! reuse, the tenant wall, roles, and secrets, on SQLite and PostgreSQL.

#![allow(clippy::unwrap_used, reason = "test helpers fail loudly")]

use std::collections::BTreeSet;

/// moto and the fault proxy, as the collectors' tests run them.
#[allow(dead_code, reason = "the service tests use moto only")]
#[path = "../../cloudarq-core/tests/moto/loopback.rs"]
mod loopback;
use loopback::Moto;

use axum::Router;
use axum::body::Body;
use axum::http::{HeaderMap, Method, Request, StatusCode};
use cloudarq_core::scan::{ScanPlan, SnapshotSource};
use cloudarq_model::Snapshot;
use cloudarq_server::service::auth::Authority;
use cloudarq_server::service::config::ServiceConfig;
use cloudarq_server::service::password::Passwords;
use cloudarq_server::service::rbac::{Access, PERMISSIONS};
use cloudarq_server::service::tokens::{self, Tokens};
use cloudarq_server::service::totp;
use cloudarq_server::service::{AppState, app, router_and_openapi};
use cloudarq_store::connections::NewConnection;
use cloudarq_store::scans::ScanTimes;
use cloudarq_store::testing::PgCluster;
use cloudarq_store::users::Role;
use cloudarq_store::{Store, StoreConfig};
use serde_json::{Value, json};
use time::OffsetDateTime;
use tower::ServiceExt;
use uuid::Uuid;

const DEMO: &str = include_str!("../../testdata/demo-snapshot.json");
const ISSUER: &str = "https://cloudarq.test";
const PASSWORD: &str = "violet tundra ladder 42";
/// Never to appear in a body, the audit log or the database.
const SENTINEL_PASSWORD: &str = "sentinel-PW-5f1d2c-never-stored";

struct Fixture {
    app: Router,
    /// Seconds added to the service's TOTP clock.
    clock: std::sync::Arc<std::sync::atomic::AtomicI64>,
    /// The TOTP secret of acme's admin.
    a_admin_totp: String,
    /// acme's admin's backup codes.
    a_backup_codes: Vec<String>,
    /// A second instance of the service on the same database, when asked.
    other: Option<Router>,
    _dir: tempfile::TempDir,
    _pg: Option<PgCluster>,
    db_file: Option<std::path::PathBuf>,
    /// The database's URL and master key, to open the store beside the
    /// service (as a worker would).
    url: String,
    master: cloudarq_store::crypto::SecretKey,
    a_admin: String,
    a_client: String,
    b_admin: String,
    a_scan: Uuid,
    a_conn: Uuid,
    /// acme's client's user id.
    a_client_id: Uuid,
}

async fn demo_result() -> cloudarq_model::finding::ScanResult {
    let demo = Snapshot::from_json(DEMO, "demo").unwrap();
    ScanPlan::new(SnapshotSource::Snapshot(demo))
        .prepare()
        .unwrap()
        .run()
        .await
        .unwrap()
        .result
        .into_scan_result()
}

async fn fixture(pg: bool) -> Fixture {
    fixture_with(pg, "", false, None).await
}

/// Generous sign-in limits for tests that sign in often from one address;
/// the rate-limit test sets its own.
const METRICS_TOKEN: &str = "scrape-token-0123456789abcdef0123456789";
const PRINCIPAL: &str = "arn:aws:iam::111122223333:role/cloudarq-scanner";
const TEMPLATE_URL: &str =
    "https://cloudarq-templates.s3.amazonaws.com/cloudarq-readonly-role.yaml";
const CONNECTIONS: &str = "[connections]\nprincipal_arn = \"arn:aws:iam::111122223333:role/cloudarq-scanner\"\ntemplate_url = \"https://cloudarq-templates.s3.amazonaws.com/cloudarq-readonly-role.yaml\"\n";
const TEST_LIMITS: &str = "[rate_limits]\nconnection_test_per_connection = [3, 3600]\nsign_in_per_address = [1000, 1]\nsign_in_per_account_and_address = [1000, 1]\nsign_in_per_account = [1000, 1]\nsecond_factor_per_user = [1000, 1]\n";

/// `aws`: the AWS endpoint connection tests call (moto), if any.
async fn fixture_with(pg: bool, limits: &str, two: bool, aws: Option<String>) -> Fixture {
    let limits = if limits.is_empty() {
        TEST_LIMITS
    } else {
        limits
    };
    let master = cloudarq_store::crypto::SecretKey::generate().unwrap();
    let keyring = || cloudarq_store::testing::keyring_with(&[(1, master.clone())], 1);
    let dir = tempfile::tempdir().unwrap();
    let (cluster, url, db_file) = if pg {
        let c = PgCluster::start().unwrap();
        let url = c.create_db("svc").await.unwrap();
        (Some(c), url, None)
    } else {
        let f = dir.path().join("db.sqlite");
        (None, format!("sqlite://{}", f.display()), Some(f))
    };
    let (store, runner) = Store::open(StoreConfig::new(url.clone()), keyring())
        .await
        .unwrap();
    let passwords = Passwords::new().unwrap();
    let hash = passwords.hash(&PASSWORD.to_owned().into()).await.unwrap();
    let now = OffsetDateTime::now_utc();
    let result = demo_result().await;
    let mut scans = Vec::new();
    for name in ["acme", "globex"] {
        let tenant = store.create_tenant(&runner, name, now).await.unwrap();
        let scope = runner.scope(tenant);
        store
            .create_user(
                &scope,
                &format!("admin@{name}.test"),
                Role::Admin,
                Some(&hash),
                None,
                now,
            )
            .await
            .unwrap();
        // An admin who has not enrolled a second factor.
        store
            .create_user(
                &scope,
                &format!("admin2@{name}.test"),
                Role::Admin,
                Some(&hash),
                None,
                now,
            )
            .await
            .unwrap();
        let client_id = store
            .create_user(
                &scope,
                &format!("client@{name}.test"),
                Role::Client,
                Some(&hash),
                None,
                now,
            )
            .await
            .unwrap();
        let conn = store
            .create_connection(
                &scope,
                NewConnection {
                    name: "prod".into(),
                    account_id: None,
                    role_arn: None,
                    external_id: None,
                    static_keys: None,
                },
                now,
            )
            .await
            .unwrap();
        // acme's connection was scanned a day earlier too, when the first
        // FAIL of today's result still passed (the diff and trend tests).
        if name == "acme" {
            let day = time::Duration::days(1);
            let mut earlier = result.clone();
            earlier.collected_at = cloudarq_model::Timestamp::new(result.collected_at.get() - day);
            if let Some(f) = earlier
                .findings
                .iter_mut()
                .find(|f| f.status == cloudarq_model::rule::Status::Fail)
            {
                f.status = cloudarq_model::rule::Status::Pass;
            }
            store
                .record_scan(
                    &scope,
                    conn,
                    &earlier,
                    ScanTimes {
                        started_at: now - day,
                        finished_at: now - day,
                    },
                )
                .await
                .unwrap();
        }
        let scan = store
            .record_scan(
                &scope,
                conn,
                &result,
                ScanTimes {
                    started_at: now,
                    finished_at: now,
                },
            )
            .await
            .unwrap();
        scans.push((scan.0, conn.0, client_id.0));
    }
    // The service's operator.
    let operators = store.operator_tenant(&runner, now).await.unwrap();
    store
        .create_user(
            &runner.scope(operators),
            "ops@cloudarq.test",
            Role::Admin,
            Some(&hash),
            None,
            now,
        )
        .await
        .unwrap();
    let keys = dir.path().join("signing-keys.toml");
    tokens::keygen(&keys, now).unwrap();
    let config = ServiceConfig::from_toml_and_env(
        &format!(
            "issuer = \"{ISSUER}\"\nbehind_proxy = true\nsigning_keys_file = \"{}\"\n{limits}\n{CONNECTIONS}",
            keys.display()
        ),
        |k| match k {
            "CLOUDARQ_DATABASE_URL" => Some(url.clone()),
            "CLOUDARQ_METRICS_TOKEN" => Some(METRICS_TOKEN.to_owned()),
            "CLOUDARQ_AWS_ENDPOINT_URL" => aws.clone(),
            _ => None,
        },
    )
    .unwrap();
    let tokens = Tokens::new(
        &keys,
        &config.issuer,
        &config.audience,
        time::Duration::minutes(10),
        now,
    )
    .unwrap();
    let clock = std::sync::Arc::new(std::sync::atomic::AtomicI64::new(0));
    let offset = clock.clone();
    let state = AppState::new(store, Authority::new(runner), tokens, passwords, &config)
        .with_clock(std::sync::Arc::new(move || {
            OffsetDateTime::now_utc()
                + time::Duration::seconds(offset.load(std::sync::atomic::Ordering::SeqCst))
        }))
        // The service's own principal: moto's test keys (never the
        // environment's, which a developer's machine may hold).
        .with_aws_base(std::sync::Arc::new(|| {
            cloudarq_core::CredentialSource::Static(cloudarq_model::StaticKeys::new(
                "AKIAMOTOTESTKEY00001".to_owned().into(),
                "moto-test-secret-key".to_owned().into(),
            ))
        }));
    let app = app(state);
    let other = if two {
        let (store, runner) = Store::open(StoreConfig::new(url.clone()), keyring())
            .await
            .unwrap();
        let tokens = Tokens::new(
            &keys,
            &config.issuer,
            &config.audience,
            time::Duration::minutes(10),
            now,
        )
        .unwrap();
        let offset = clock.clone();
        let state = AppState::new(
            store,
            Authority::new(runner),
            tokens,
            Passwords::new().unwrap(),
            &config,
        )
        .with_clock(std::sync::Arc::new(move || {
            OffsetDateTime::now_utc()
                + time::Duration::seconds(offset.load(std::sync::atomic::Ordering::SeqCst))
        }));
        Some(cloudarq_server::service::app(state))
    } else {
        None
    };
    let mut f = Fixture {
        app,
        other,
        _dir: dir,
        _pg: cluster,
        db_file,
        url: url.clone(),
        master: master.clone(),
        clock,
        a_admin: String::new(),
        a_admin_totp: String::new(),
        a_backup_codes: Vec::new(),
        a_client: String::new(),
        b_admin: String::new(),
        a_scan: scans[0].0,
        a_conn: scans[0].1,
        a_client_id: scans[0].2,
    };
    let (token, secret, codes) = enrol(&f, "acme", "admin@acme.test").await;
    f.a_admin = token;
    f.a_admin_totp = secret;
    f.a_backup_codes = codes;
    f.a_client = sign_in(&f, "acme", "client@acme.test", PASSWORD).await.1["access_token"]
        .as_str()
        .unwrap()
        .to_owned();
    f.b_admin = enrol(&f, "globex", "admin@globex.test").await.0;
    f
}

struct Reply {
    status: StatusCode,
    headers: HeaderMap,
    body: Vec<u8>,
}

impl Reply {
    fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or(Value::Null)
    }
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

async fn call(
    f: &Fixture,
    method: Method,
    path: &str,
    token: Option<&str>,
    body: Option<Value>,
) -> Reply {
    call_on(&f.app, None, method, path, token, body).await
}

/// A request to `app` from peer address `from` (as the listener would
/// record it).
async fn call_on(
    app: &Router,
    from: Option<&str>,
    method: Method,
    path: &str,
    token: Option<&str>,
    body: Option<Value>,
) -> Reply {
    let mut req = Request::builder()
        .method(method)
        .uri(path)
        .header("user-agent", "service-test");
    if let Some(t) = token {
        req = req.header("authorization", format!("Bearer {t}"));
    }
    let req = match body {
        Some(b) => req
            .header("content-type", "application/json")
            .body(Body::from(b.to_string())),
        None => req.body(Body::empty()),
    }
    .unwrap();
    let mut req = req;
    if let Some(addr) = from {
        req.extensions_mut()
            .insert(axum::extract::ConnectInfo::<std::net::SocketAddr>(
                addr.parse().unwrap(),
            ));
    }
    let res = app.clone().oneshot(req).await.unwrap();
    let status = res.status();
    let headers = res.headers().clone();
    let body = axum::body::to_bytes(res.into_body(), 64 * 1024 * 1024)
        .await
        .unwrap()
        .to_vec();
    Reply {
        status,
        headers,
        body,
    }
}

async fn sign_in(f: &Fixture, tenant: &str, email: &str, password: &str) -> (StatusCode, Value) {
    let r = call(
        f,
        Method::POST,
        "/api/v1/session",
        None,
        Some(json!({"tenant": tenant, "email": email, "password": password})),
    )
    .await;
    (r.status, r.json())
}

/// Moves the service's clock to one second into the next TOTP step and
/// returns that time: the service reads its clock a moment later, still in
/// the same step (adding a plain 30 s let a step boundary fall between the
/// test's time and the service's, so a "future" code became current).
fn next_step(f: &Fixture) -> i64 {
    use std::sync::atomic::Ordering::SeqCst;
    let now = OffsetDateTime::now_utc().unix_timestamp() + f.clock.load(SeqCst);
    let target = now - now.rem_euclid(30) + 31;
    f.clock.fetch_add(target - now, SeqCst);
    target
}

fn code(secret: &str, unix: i64) -> String {
    let raw = totp::unbase32(secret).unwrap();
    format!("{:06}", totp::code_at(&raw, totp::step_of(unix)))
}

/// Enrols a user's TOTP through the API and signs in with it: returns the
/// second-factor access token, the secret and the backup codes.
async fn enrol(f: &Fixture, tenant: &str, email: &str) -> (String, String, Vec<String>) {
    let (status, first) = sign_in(f, tenant, email, PASSWORD).await;
    assert_eq!(status, StatusCode::CREATED, "{first}");
    let token = first["access_token"].as_str().unwrap().to_owned();
    let begun = call(f, Method::POST, "/api/v1/me/totp", Some(&token), None).await;
    assert_eq!(begun.status, StatusCode::CREATED, "{}", begun.text());
    let secret = begun.json()["secret"].as_str().unwrap().to_owned();
    let now = next_step(f);
    let confirmed = call(
        f,
        Method::POST,
        "/api/v1/me/totp/confirm",
        Some(&token),
        Some(json!({"code": code(&secret, now)})),
    )
    .await;
    assert_eq!(confirmed.status, StatusCode::OK, "{}", confirmed.text());
    let codes: Vec<String> = confirmed.json()["backup_codes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap().to_owned())
        .collect();
    assert_eq!(codes.len(), 10);
    let (status, challenge) = sign_in(f, tenant, email, PASSWORD).await;
    assert_eq!(status, StatusCode::OK, "{challenge}");
    let now = next_step(f);
    let r = second_factor(f, &challenge, json!({"code": code(&secret, now)})).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    (
        r.json()["access_token"].as_str().unwrap().to_owned(),
        secret,
        codes,
    )
}

async fn second_factor(f: &Fixture, challenge: &Value, mut body: Value) -> Reply {
    body["challenge"] = challenge["challenge"].clone();
    call(
        f,
        Method::POST,
        "/api/v1/session/second-factor",
        None,
        Some(body),
    )
    .await
}

/// A route of the matrix with its path parameters filled in.
fn concrete(route: &str, f: &Fixture) -> String {
    route
        .replace("{scan_id}", &f.a_scan.to_string())
        .replace("{connection_id}", &f.a_conn.to_string())
        .replace("{user_id}", &f.a_client_id.to_string())
}

/// What every response must carry (written out here, not taken from the
/// implementation's list, so dropping one there fails this test).
const EXPECTED_HEADERS: &[(&str, &str)] = &[
    (
        "content-security-policy",
        "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
    ),
    (
        "strict-transport-security",
        "max-age=31536000; includeSubDomains; preload",
    ),
    ("x-content-type-options", "nosniff"),
    ("x-frame-options", "DENY"),
    ("referrer-policy", "no-referrer"),
    ("cross-origin-opener-policy", "same-origin"),
    ("cache-control", "no-store"),
];

fn assert_security_headers(what: &str, r: &Reply) {
    for (name, value) in EXPECTED_HEADERS {
        assert_eq!(
            r.headers.get(*name).map(|v| v.to_str().unwrap()),
            Some(*value),
            "{what}: header {name}"
        );
    }
    let pp = r
        .headers
        .get("permissions-policy")
        .map(|v| v.to_str().unwrap())
        .unwrap_or_default();
    for feature in ["camera=()", "microphone=()", "geolocation=()"] {
        assert!(pp.contains(feature), "{what}: permissions-policy {pp:?}");
    }
    assert!(
        r.headers.get("access-control-allow-origin").is_none(),
        "{what}: CORS without a configured origin"
    );
    assert!(r.headers.get("server").is_none(), "{what}: a server banner");
    if r.status.is_client_error() || r.status.is_server_error() {
        assert_eq!(
            r.headers["content-type"],
            "application/problem+json",
            "{what}: {}",
            r.text()
        );
        assert_eq!(r.json()["status"], r.status.as_u16(), "{what}");
    }
}

#[tokio::test]
async fn the_router_the_openapi_document_and_the_permission_matrix_list_the_same_routes() {
    let (_router, doc) = router_and_openapi();
    let doc = serde_json::to_value(&doc).unwrap();
    assert!(
        doc["openapi"].as_str().unwrap().starts_with("3.1"),
        "{}",
        doc["openapi"]
    );
    let mut documented = BTreeSet::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for method in item.as_object().unwrap().keys() {
            if ["get", "post", "put", "patch", "delete"].contains(&method.as_str()) {
                documented.insert((method.to_uppercase(), path.clone()));
            }
        }
    }
    // A schedule is an interval or a cron expression, never both: the
    // document says so, so a client generated from it cannot send a mix
    // (schemathesis sent one while the body was a single object).
    let schemas = &doc["components"]["schemas"];
    let body = &doc["paths"]["/api/v1/connections/{connection_id}/schedule"]["put"]["requestBody"]
        ["content"]["application/json"]["schema"];
    let name = body["$ref"].as_str().unwrap().rsplit('/').next().unwrap();
    let shapes: Vec<&serde_json::Value> = schemas[name]["oneOf"]
        .as_array()
        .unwrap_or_else(|| panic!("{name}: {}", schemas[name]))
        .iter()
        .map(|s| &schemas[s["$ref"].as_str().unwrap().rsplit('/').next().unwrap()])
        .collect();
    assert_eq!(shapes.len(), 2);
    for shape in shapes {
        assert_eq!(shape["additionalProperties"], false, "{shape}");
    }
    let matrix: BTreeSet<_> = PERMISSIONS
        .iter()
        .map(|(m, p, _)| (m.to_string(), p.to_string()))
        .collect();
    assert_eq!(
        documented, matrix,
        "OpenAPI operations vs the permission matrix"
    );
    // And the router serves each one: no route of the matrix falls through
    // to the 404 fallback or the 405 handler.
    let f = fixture(false).await;
    for (m, p, _) in PERMISSIONS {
        let r = call(
            &f,
            Method::from_bytes(m.as_bytes()).unwrap(),
            &concrete(p, &f),
            None,
            None,
        )
        .await;
        assert!(
            r.status != StatusCode::NOT_FOUND && r.status != StatusCode::METHOD_NOT_ALLOWED,
            "{m} {p}: {} {}",
            r.status,
            r.text()
        );
    }
}

#[tokio::test]
async fn every_response_carries_the_security_headers_errors_included() {
    let f = fixture(false).await;
    for (m, p, access) in PERMISSIONS {
        let method = Method::from_bytes(m.as_bytes()).unwrap();
        let path = concrete(p, &f);
        let body = (*m == "POST").then(|| json!({}));
        let anon = call(&f, method.clone(), &path, None, body.clone()).await;
        assert_security_headers(&format!("{m} {p} anonymous"), &anon);
        if *access != Access::Public {
            assert_eq!(anon.status, StatusCode::UNAUTHORIZED, "{m} {p}");
        }
        if *p != "/api/v1/session" || *m != "DELETE" {
            let authed = call(&f, method, &path, Some(&f.a_admin), body).await;
            assert_security_headers(&format!("{m} {p} admin"), &authed);
        }
    }
    let cases = [
        (
            "unknown path",
            call(&f, Method::GET, "/nope", None, None).await,
            StatusCode::NOT_FOUND,
        ),
        (
            "wrong method",
            call(&f, Method::PUT, "/api/v1/scans", Some(&f.a_admin), None).await,
            StatusCode::METHOD_NOT_ALLOWED,
        ),
        (
            "malformed id",
            call(
                &f,
                Method::GET,
                "/api/v1/scans/not-a-uuid",
                Some(&f.a_admin),
                None,
            )
            .await,
            StatusCode::NOT_FOUND,
        ),
        (
            "bad filter",
            call(
                &f,
                Method::GET,
                &format!("/api/v1/scans/{}/findings?severity=apocalyptic", f.a_scan),
                Some(&f.a_admin),
                None,
            )
            .await,
            StatusCode::BAD_REQUEST,
        ),
        (
            "unknown query key",
            call(
                &f,
                Method::GET,
                &format!("/api/v1/scans/{}/findings?drop=1", f.a_scan),
                Some(&f.a_admin),
                None,
            )
            .await,
            StatusCode::BAD_REQUEST,
        ),
        (
            "oversized body",
            call(
                &f,
                Method::POST,
                "/api/v1/session",
                None,
                Some(json!({"tenant": "x".repeat(70_000), "email": "a", "password": "b"})),
            )
            .await,
            StatusCode::PAYLOAD_TOO_LARGE,
        ),
        (
            "not JSON",
            {
                let req = Request::builder()
                    .method(Method::POST)
                    .uri("/api/v1/session")
                    .header("content-type", "application/json")
                    .body(Body::from("{nope"))
                    .unwrap();
                let res = f.app.clone().oneshot(req).await.unwrap();
                let (status, headers) = (res.status(), res.headers().clone());
                Reply {
                    status,
                    headers,
                    body: axum::body::to_bytes(res.into_body(), 1 << 20)
                        .await
                        .unwrap()
                        .to_vec(),
                }
            },
            StatusCode::BAD_REQUEST,
        ),
        (
            "no content type",
            {
                let req = Request::builder()
                    .method(Method::POST)
                    .uri("/api/v1/session")
                    .body(Body::from("{}"))
                    .unwrap();
                let res = f.app.clone().oneshot(req).await.unwrap();
                let (status, headers) = (res.status(), res.headers().clone());
                Reply {
                    status,
                    headers,
                    body: axum::body::to_bytes(res.into_body(), 1 << 20)
                        .await
                        .unwrap()
                        .to_vec(),
                }
            },
            StatusCode::BAD_REQUEST,
        ),
    ];
    for (what, r, want) in cases {
        assert_eq!(r.status, want, "{what}: {}", r.text());
        assert_security_headers(what, &r);
    }
}

#[tokio::test]
async fn sign_in_refuses_alike_and_refresh_tokens_rotate_and_reuse_ends_the_session() {
    let f = fixture(false).await;
    let wrong = sign_in(&f, "acme", "admin@acme.test", "wrong password!!").await;
    let unknown_user = sign_in(&f, "acme", "nobody@acme.test", PASSWORD).await;
    let unknown_tenant = sign_in(&f, "nope", "admin@acme.test", PASSWORD).await;
    assert_eq!(wrong.0, StatusCode::UNAUTHORIZED);
    assert_eq!(wrong, unknown_user, "no user enumeration");
    assert_eq!(wrong, unknown_tenant, "no tenant enumeration");

    let (status, first) = sign_in(
        &f,
        "ACME".to_lowercase().as_str(),
        "Admin2@Acme.test",
        PASSWORD,
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{first}");
    assert!(first["expires_in"].as_i64().unwrap() <= 900);
    let access = first["access_token"].as_str().unwrap();
    let r1 = first["refresh_token"].as_str().unwrap();
    assert_eq!(
        call(&f, Method::GET, "/api/v1/me", Some(access), None)
            .await
            .status,
        StatusCode::OK
    );
    // A token in the URL is not a credential.
    let in_url = call(
        &f,
        Method::GET,
        &format!("/api/v1/me?access_token={access}"),
        None,
        None,
    )
    .await;
    assert_eq!(in_url.status, StatusCode::UNAUTHORIZED);

    let second = call(
        &f,
        Method::POST,
        "/api/v1/session/refresh",
        None,
        Some(json!({"refresh_token": r1})),
    )
    .await;
    assert_eq!(second.status, StatusCode::OK, "{}", second.text());
    let r2 = second.json()["refresh_token"].as_str().unwrap().to_owned();
    let access2 = second.json()["access_token"].as_str().unwrap().to_owned();
    assert_ne!(r1, r2);
    // The spent token again: refused, and the whole family with it.
    let replay = call(
        &f,
        Method::POST,
        "/api/v1/session/refresh",
        None,
        Some(json!({"refresh_token": r1})),
    )
    .await;
    assert_eq!(replay.status, StatusCode::UNAUTHORIZED);
    let after = call(
        &f,
        Method::POST,
        "/api/v1/session/refresh",
        None,
        Some(json!({"refresh_token": r2})),
    )
    .await;
    assert_eq!(
        after.status,
        StatusCode::UNAUTHORIZED,
        "the newest token of the family is dead too"
    );
    assert_eq!(
        call(&f, Method::GET, "/api/v1/me", Some(&access2), None)
            .await
            .status,
        StatusCode::UNAUTHORIZED,
        "and its access tokens"
    );
    let log = call(&f, Method::GET, "/api/v1/audit-log", Some(&f.a_admin), None)
        .await
        .json();
    let actions: Vec<(String, String)> = log
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["action"].as_str().unwrap().to_owned(),
                e["outcome"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert!(
        actions.contains(&("auth.refresh_reuse".into(), "denied".into())),
        "{actions:?}"
    );
    assert!(
        actions.contains(&("auth.sign_in".into(), "denied".into())),
        "{actions:?}"
    );

    // Sign-out ends the session at once.
    let (_, third) = sign_in(&f, "acme", "client@acme.test", PASSWORD).await;
    let access3 = third["access_token"].as_str().unwrap();
    assert_eq!(
        call(&f, Method::DELETE, "/api/v1/session", Some(access3), None)
            .await
            .status,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        call(&f, Method::GET, "/api/v1/me", Some(access3), None)
            .await
            .status,
        StatusCode::UNAUTHORIZED
    );
    let r3 = third["refresh_token"].as_str().unwrap();
    let refreshed = call(
        &f,
        Method::POST,
        "/api/v1/session/refresh",
        None,
        Some(json!({"refresh_token": r3})),
    )
    .await;
    assert_eq!(refreshed.status, StatusCode::UNAUTHORIZED);
    // A refresh token naming another tenant is checked against that tenant
    // only, and a forged one is refused.
    for bad in [
        "cqr1.AAAAAAAAAAAAAAAAAAAAAA.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
        "garbage",
        "",
    ] {
        let r = call(
            &f,
            Method::POST,
            "/api/v1/session/refresh",
            None,
            Some(json!({"refresh_token": bad})),
        )
        .await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{bad}");
    }
}

async fn tenant_wall(f: &Fixture) {
    // Tenant B's admin, with tenant A's ids, on every route that names one.
    let before: Vec<Vec<u8>> = {
        let mut v = Vec::new();
        for p in [
            "/api/v1/users",
            "/api/v1/connections",
            "/api/v1/scans",
            &format!("/api/v1/scans/{}", f.a_scan),
            &format!("/api/v1/scans/{}/findings?limit=1000", f.a_scan),
        ] {
            v.push(call(f, Method::GET, p, Some(&f.a_admin), None).await.body);
        }
        v
    };
    let mut named = 0;
    for (m, p, access) in PERMISSIONS {
        // Operator routes name tenants, not a tenant's objects: a tenant's
        // admin gets 403 there (the operator test).
        if !p.contains('{') || *access == Access::Operator {
            continue;
        }
        named += 1;
        let body = match *m {
            "PATCH" => Some(json!({"role": "admin"})),
            "PUT" => Some(json!({"interval_seconds": 3600})),
            _ => None,
        };
        let mut path = concrete(p, f);
        if p.ends_with("/scores") {
            path.push_str("?framework=cis_aws_3.0");
        }
        let r = call(
            f,
            Method::from_bytes(m.as_bytes()).unwrap(),
            &path,
            Some(&f.b_admin),
            body,
        )
        .await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{m} {p}: {}", r.text());
    }
    assert!(named >= 3);
    // B's lists show none of A's objects.
    let b_scans = call(f, Method::GET, "/api/v1/scans", Some(&f.b_admin), None)
        .await
        .json();
    assert!(
        b_scans
            .as_array()
            .unwrap()
            .iter()
            .all(|s| s["id"] != f.a_scan.to_string())
    );
    // A's data is byte-identical afterwards (the list and the scan carry
    // counts, which a queued scan would have changed).
    let mut after = Vec::new();
    for p in [
        "/api/v1/users",
        "/api/v1/connections",
        "/api/v1/scans",
        &format!("/api/v1/scans/{}", f.a_scan),
        &format!("/api/v1/scans/{}/findings?limit=1000", f.a_scan),
    ] {
        after.push(call(f, Method::GET, p, Some(&f.a_admin), None).await.body);
    }
    assert_eq!(before, after);

    // A client on every admin route: 403, and one audit row each.
    let admin_routes: Vec<_> = PERMISSIONS
        .iter()
        .filter(|(_, _, a)| *a == Access::Admin)
        .collect();
    for (m, p, _) in &admin_routes {
        let r = call(
            f,
            Method::from_bytes(m.as_bytes()).unwrap(),
            &concrete(p, f),
            Some(&f.a_client),
            None,
        )
        .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{m} {p}");
    }
    let log = call(f, Method::GET, "/api/v1/audit-log", Some(&f.a_admin), None)
        .await
        .json();
    let denied = log
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["action"] == "permission.denied" && e["outcome"] == "denied")
        .count();
    assert_eq!(denied, admin_routes.len());
    // An admin may: the scan request is queued and audited.
    let r = call(
        f,
        Method::POST,
        &format!("/api/v1/connections/{}/scans", f.a_conn),
        Some(&f.a_admin),
        None,
    )
    .await;
    assert_eq!(r.status, StatusCode::ACCEPTED, "{}", r.text());
    assert_eq!(r.json()["status"], "queued");
}

#[tokio::test]
async fn the_tenant_wall_and_roles_hold_on_sqlite() {
    tenant_wall(&fixture(false).await).await;
}

#[tokio::test]
async fn the_tenant_wall_and_roles_hold_on_postgresql() {
    tenant_wall(&fixture(true).await).await;
}

#[tokio::test]
async fn findings_page_by_keyset_and_filters_are_checked() {
    let f = fixture(false).await;
    let mut seen = BTreeSet::new();
    let mut next: Option<String> = None;
    loop {
        let q = match &next {
            Some(c) => format!("?limit=7&after={c}"),
            None => "?limit=7".into(),
        };
        let r = call(
            &f,
            Method::GET,
            &format!("/api/v1/scans/{}/findings{q}", f.a_scan),
            Some(&f.a_client),
            None,
        )
        .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text());
        let page = r.json();
        for finding in page["findings"].as_array().unwrap() {
            assert!(
                seen.insert((
                    finding["rule_id"].to_string(),
                    finding["resource_arn"].to_string()
                )),
                "a finding twice"
            );
        }
        match page["next"].as_str() {
            Some(c) => next = Some(c.to_owned()),
            None => break,
        }
    }
    let total = call(
        &f,
        Method::GET,
        &format!("/api/v1/scans/{}", f.a_scan),
        Some(&f.a_client),
        None,
    )
    .await
    .json()["findings"]
        .as_u64()
        .unwrap();
    assert_eq!(seen.len() as u64, total);
    let fails = call(
        &f,
        Method::GET,
        &format!("/api/v1/scans/{}/findings?status=FAIL&limit=1000", f.a_scan),
        Some(&f.a_client),
        None,
    )
    .await
    .json();
    assert!(
        fails["findings"]
            .as_array()
            .unwrap()
            .iter()
            .all(|x| x["status"] == "FAIL")
    );
    for bad in [
        "limit=0",
        "limit=1001",
        "after=garbage",
        "status=fail",
        "q=%00%1b",
    ] {
        let r = call(
            &f,
            Method::GET,
            &format!("/api/v1/scans/{}/findings?{bad}", f.a_scan),
            Some(&f.a_client),
            None,
        )
        .await;
        assert!(
            r.status == StatusCode::BAD_REQUEST
                || (bad.starts_with("q=") && r.status == StatusCode::OK),
            "{bad}: {}",
            r.status
        );
    }
}

#[tokio::test]
async fn forged_tokens_are_refused_over_http() {
    use base64::Engine as _;
    let f = fixture(false).await;
    let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let parts: Vec<&str> = f.a_client.split('.').collect();
    let mut claims: Value = serde_json::from_slice(&b64.decode(parts[1]).unwrap()).unwrap();
    claims["role"] = "admin".into();
    let raised = format!(
        "{}.{}.{}",
        parts[0],
        b64.encode(claims.to_string()),
        parts[2]
    );
    let none = format!(
        "{}.{}.",
        b64.encode(r#"{"alg":"none","typ":"at+jwt"}"#),
        parts[1]
    );
    for (what, token) in [
        ("raised role", raised),
        ("alg none", none),
        ("truncated", parts[..2].join(".")),
    ] {
        let r = call(&f, Method::GET, "/api/v1/audit-log", Some(&token), None).await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{what}");
        assert_security_headers(what, &r);
    }
}

#[tokio::test]
async fn secrets_stay_out_of_bodies_the_audit_log_and_the_database() {
    let f = fixture(false).await;
    let mut bodies = String::new();
    let (_, wrong) = sign_in(&f, "acme", "admin@acme.test", SENTINEL_PASSWORD).await;
    bodies.push_str(&wrong.to_string());
    let (_, ok) = sign_in(&f, "acme", "admin2@acme.test", PASSWORD).await;
    let refresh = ok["refresh_token"].as_str().unwrap().to_owned();
    let rotated = call(
        &f,
        Method::POST,
        "/api/v1/session/refresh",
        None,
        Some(json!({"refresh_token": refresh})),
    )
    .await;
    bodies.push_str(&rotated.text());
    let log = call(&f, Method::GET, "/api/v1/audit-log", Some(&f.a_admin), None).await;
    bodies.push_str(&log.text());
    assert!(!bodies.contains(SENTINEL_PASSWORD), "{bodies}");
    assert!(!log.text().contains(&refresh));
    assert!(!log.text().contains(PASSWORD));
    // The database holds neither a password nor a refresh token in clear
    // (the WAL included).
    let db = f.db_file.as_ref().unwrap();
    let mut raw = std::fs::read(db).unwrap();
    raw.extend(std::fs::read(db.with_extension("sqlite-wal")).unwrap_or_default());
    let hay = String::from_utf8_lossy(&raw);
    let bare_code = totp::normalise_backup_code(&f.a_backup_codes[0]);
    for secret in [
        bare_code.as_str(),
        f.a_admin_totp.as_str(),
        f.a_backup_codes[0].as_str(),
        SENTINEL_PASSWORD,
        PASSWORD,
        refresh.as_str(),
        refresh.rsplit('.').next().unwrap(),
    ] {
        assert!(!hay.contains(secret), "{secret} in the database");
    }
}

/// V6: sign-in limits are shared by two instances on one PostgreSQL
/// database; the attacker's address is slowed, the owner from elsewhere is
/// not locked out, refusals are 429 with Retry-After, headers and an audit
/// row; refresh is limited per address.
#[tokio::test]
async fn rate_limits_are_shared_by_two_instances_and_do_not_lock_the_owner_out() {
    let limits = "[rate_limits]\nsign_in_per_address = [1000, 1]\nsign_in_per_account_and_address = [3, 3600]\nsign_in_per_account = [6, 3600]\nrefresh_per_address = [2, 3600]\n";
    let f = fixture_with(true, limits, true, None).await;
    let other = f.other.as_ref().unwrap();
    let attacker = Some("203.0.113.66:4000");
    let body =
        |pw: &str| Some(json!({"tenant": "acme", "email": "client@acme.test", "password": pw}));
    for i in 0..3 {
        let app = if i % 2 == 0 { &f.app } else { other };
        let r = call_on(
            app,
            attacker,
            Method::POST,
            "/api/v1/session",
            None,
            body("wrong guess 123"),
        )
        .await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED, "attempt {i}");
    }
    // The fourth, on either instance, is refused before the password is
    // checked: even the right one.
    for (app, pw) in [(other, "wrong guess 123"), (&f.app, PASSWORD)] {
        let r = call_on(
            app,
            attacker,
            Method::POST,
            "/api/v1/session",
            None,
            body(pw),
        )
        .await;
        assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS, "{}", r.text());
        let retry: u64 = r.headers["retry-after"].to_str().unwrap().parse().unwrap();
        assert!((1..=3600).contains(&retry), "{retry}");
        assert_security_headers("429", &r);
    }
    // The owner, from another address, signs in (the account-wide count,
    // 4 of 6, is not exhausted); the attacker's address stays slowed for
    // this account.
    let owner = call_on(
        &f.app,
        Some("198.51.100.7:5000"),
        Method::POST,
        "/api/v1/session",
        None,
        body(PASSWORD),
    )
    .await;
    assert_eq!(owner.status, StatusCode::CREATED, "{}", owner.text());
    let r = call_on(
        other,
        attacker,
        Method::POST,
        "/api/v1/session",
        None,
        body("wrong guess 123"),
    )
    .await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
    // The refusals are in the tenant's audit log.
    let log = call(&f, Method::GET, "/api/v1/audit-log", Some(&f.a_admin), None)
        .await
        .json();
    let limited = log
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["outcome"] == "rate-limited")
        .count();
    assert_eq!(limited, 3);
    // Refresh: two per address, then 429, on either instance.
    let refresh = owner.json()["refresh_token"].as_str().unwrap().to_owned();
    let from = Some("192.0.2.10:1");
    let r1 = call_on(
        &f.app,
        from,
        Method::POST,
        "/api/v1/session/refresh",
        None,
        Some(json!({"refresh_token": refresh})),
    )
    .await;
    assert_eq!(r1.status, StatusCode::OK);
    let next = r1.json()["refresh_token"].as_str().unwrap().to_owned();
    let r2 = call_on(
        other,
        from,
        Method::POST,
        "/api/v1/session/refresh",
        None,
        Some(json!({"refresh_token": next})),
    )
    .await;
    assert_eq!(r2.status, StatusCode::OK);
    let next = r2.json()["refresh_token"].as_str().unwrap().to_owned();
    let r3 = call_on(
        &f.app,
        from,
        Method::POST,
        "/api/v1/session/refresh",
        None,
        Some(json!({"refresh_token": next})),
    )
    .await;
    assert_eq!(r3.status, StatusCode::TOO_MANY_REQUESTS);
    // ... and a limit on one route leaves the others alone.
    assert_eq!(
        call_on(&f.app, from, Method::GET, "/nope", None, None)
            .await
            .status,
        StatusCode::NOT_FOUND
    );
}

/// V3: admins need the second factor; a TOTP code is accepted once (and no
/// earlier one after it); each backup code works once; regeneration voids
/// the old set; guessing codes hits the per-user limit.
#[tokio::test]
async fn second_factor_codes_are_single_use_and_admins_need_one() {
    let f = fixture(false).await;
    // An admin without a second factor may see itself and enrol, nothing else.
    let (status, plain) = sign_in(&f, "acme", "admin2@acme.test", PASSWORD).await;
    assert_eq!(status, StatusCode::CREATED);
    let plain = plain["access_token"].as_str().unwrap();
    assert_eq!(
        call(&f, Method::GET, "/api/v1/me", Some(plain), None)
            .await
            .status,
        StatusCode::OK
    );
    for path in ["/api/v1/scans", "/api/v1/audit-log"] {
        let r = call(&f, Method::GET, path, Some(plain), None).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{path}");
        assert_eq!(
            r.json()["type"],
            "https://cloudarq.dev/problems/second-factor-required"
        );
    }
    // A client without one reads.
    assert_eq!(
        call(&f, Method::GET, "/api/v1/scans", Some(&f.a_client), None)
            .await
            .status,
        StatusCode::OK
    );

    // The enrolled admin: the password alone gives a challenge, not tokens.
    let (status, challenge) = sign_in(&f, "acme", "admin@acme.test", PASSWORD).await;
    assert_eq!(status, StatusCode::OK);
    assert!(challenge.get("access_token").is_none());
    // The challenge is not an access token.
    let r = call(
        &f,
        Method::GET,
        "/api/v1/me",
        Some(challenge["challenge"].as_str().unwrap()),
        None,
    )
    .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    let now = next_step(&f);
    let good = code(&f.a_admin_totp, now);
    assert_eq!(
        second_factor(&f, &challenge, json!({"code": good}))
            .await
            .status,
        StatusCode::CREATED
    );
    // The same code again, on a new challenge: refused (replay), and so is
    // the previous step's code, which would still be in its window.
    let (_, again) = sign_in(&f, "acme", "admin@acme.test", PASSWORD).await;
    assert_eq!(
        second_factor(&f, &again, json!({"code": good}))
            .await
            .status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        second_factor(&f, &again, json!({"code": code(&f.a_admin_totp, now - 30)}))
            .await
            .status,
        StatusCode::UNAUTHORIZED
    );
    // A future step's code is refused.
    assert_eq!(
        second_factor(&f, &again, json!({"code": code(&f.a_admin_totp, now + 30)}))
            .await
            .status,
        StatusCode::UNAUTHORIZED
    );

    // Backup codes: each once, typed in any case.
    let first = f.a_backup_codes[0].to_lowercase();
    assert_eq!(
        second_factor(&f, &again, json!({"backup_code": first}))
            .await
            .status,
        StatusCode::CREATED
    );
    assert_eq!(
        second_factor(&f, &again, json!({"backup_code": first}))
            .await
            .status,
        StatusCode::UNAUTHORIZED
    );
    let r = second_factor(&f, &again, json!({"backup_code": f.a_backup_codes[1]})).await;
    assert_eq!(r.status, StatusCode::CREATED);
    let token = r.json()["access_token"].as_str().unwrap().to_owned();
    // Regeneration voids the old set.
    let regen = call(
        &f,
        Method::POST,
        "/api/v1/me/totp/backup-codes",
        Some(&token),
        None,
    )
    .await;
    assert_eq!(regen.status, StatusCode::OK);
    let new_codes = regen.json()["backup_codes"].as_array().unwrap().clone();
    assert_eq!(
        second_factor(&f, &again, json!({"backup_code": f.a_backup_codes[2]}))
            .await
            .status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        second_factor(&f, &again, json!({"backup_code": new_codes[0]}))
            .await
            .status,
        StatusCode::CREATED
    );
    // Neither a code and a backup code, nor none.
    assert_eq!(
        second_factor(&f, &again, json!({})).await.status,
        StatusCode::BAD_REQUEST
    );

    // The audit log has each use and the replay.
    let log = call(&f, Method::GET, "/api/v1/audit-log", Some(&token), None)
        .await
        .json();
    let count = |action: &str, outcome: &str| {
        log.as_array()
            .unwrap()
            .iter()
            .filter(|e| e["action"] == action && e["outcome"] == outcome)
            .count()
    };
    assert!(count("mfa.totp_replay", "denied") >= 1);
    assert_eq!(count("mfa.backup_code", "success"), 3);
    assert_eq!(count("mfa.backup_codes_regenerate", "success"), 1);
    // No secret or code in the log.
    let text = log.to_string();
    assert!(
        !text.contains(&f.a_admin_totp)
            && !text.contains(&f.a_backup_codes[3])
            && !text.contains(&good)
    );
}

#[tokio::test]
async fn guessing_second_factor_codes_hits_the_per_user_limit() {
    let limits = "[rate_limits]\nsign_in_per_address = [1000, 1]\nsign_in_per_account_and_address = [1000, 1]\nsign_in_per_account = [1000, 1]\nsecond_factor_per_user = [12, 3600]\n";
    let f = fixture_with(false, limits, false, None).await;
    // Enrolment spent 2 of acme's admin's 12 (confirm, sign-in), then a
    // success cleared the count.
    let (_, challenge) = sign_in(&f, "acme", "admin@acme.test", PASSWORD).await;
    let mut limited = None;
    for i in 0..20 {
        let r = second_factor(
            &f,
            &challenge,
            json!({"code": format!("{:06}", 100_000 + i)}),
        )
        .await;
        if r.status == StatusCode::TOO_MANY_REQUESTS {
            assert!(r.headers.contains_key("retry-after"));
            limited = Some(i);
            break;
        }
        assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    }
    assert_eq!(limited, Some(12), "the thirteenth guess is refused");
    // Even the right code, now.
    let now = next_step(&f);
    let r = second_factor(&f, &challenge, json!({"code": code(&f.a_admin_totp, now)})).await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
}

/// V8: an admin connects an account; the service generates the External ID
/// (unique, encrypted at rest, shown to admins only), answers with the
/// template's parameters and a quick-create link, refuses bad input naming
/// the field, and deletion removes the connection and its credentials.
#[tokio::test]
async fn connections_get_a_generated_external_id_and_deletion_removes_their_credentials() {
    let f = fixture(false).await;
    let create = |name: &str| json!({"name": name, "account_id": "123456789012"});
    let r = call(
        &f,
        Method::POST,
        "/api/v1/connections",
        Some(&f.a_admin),
        Some(create("production")),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let body = r.json();
    let conn = body["connection"]["id"].as_str().unwrap().to_owned();
    assert_eq!(
        r.headers["location"].to_str().unwrap(),
        format!("/api/v1/connections/{conn}")
    );
    let setup = &body["setup"];
    let ext = setup["external_id"].as_str().unwrap().to_owned();
    assert!(ext.starts_with("cloudarq-") && ext.len() == 49, "{ext}");
    assert_eq!(setup["principal_arn"], PRINCIPAL);
    assert_eq!(
        setup["role_arn"],
        "arn:aws:iam::123456789012:role/CloudArqAudit"
    );
    assert_eq!(body["connection"]["role_arn"], setup["role_arn"]);
    let link = setup["quick_create_url"].as_str().unwrap();
    assert!(link.starts_with(
        "https://console.aws.amazon.com/cloudformation/home?region=us-east-1#/stacks/quickcreate?"
    ));
    assert!(
        link.contains(&format!("param_ExternalId={ext}").replace('-', "%2D")),
        "{link}"
    );
    assert!(
        link.contains("templateURL=https%3A%2F%2Fcloudarq%2Dtemplates"),
        "{link}"
    );
    assert!(
        link.contains("param_CloudArqPrincipalArn=arn%3Aaws%3Aiam%3A%3A111122223333"),
        "{link}"
    );
    assert_eq!(setup["template_url"], TEMPLATE_URL);

    // Another connection gets another External ID; a taken name is refused.
    let r2 = call(
        &f,
        Method::POST,
        "/api/v1/connections",
        Some(&f.a_admin),
        Some(
            json!({"name": "staging <b>", "account_id": "210987654321", "role_name": "Audit.Role"}),
        ),
    )
    .await;
    assert_eq!(r2.status, StatusCode::CREATED, "{}", r2.text());
    assert_ne!(r2.json()["setup"]["external_id"], ext.as_str());
    assert_eq!(
        r2.json()["setup"]["role_arn"],
        "arn:aws:iam::210987654321:role/Audit.Role"
    );
    let dup = call(
        &f,
        Method::POST,
        "/api/v1/connections",
        Some(&f.a_admin),
        Some(create("production")),
    )
    .await;
    assert_eq!(dup.status, StatusCode::CONFLICT);
    assert!(dup.text().contains("already used"), "{}", dup.text());

    // Bad input: a clear 400/422 naming the field, and nothing stored.
    for (bad, status, named) in [
        (
            json!({"name": "x", "account_id": "12345"}),
            StatusCode::BAD_REQUEST,
            "account_id",
        ),
        (
            json!({"name": "x", "account_id": "12345678901a"}),
            StatusCode::BAD_REQUEST,
            "account_id",
        ),
        (
            json!({"name": "x", "account_id": "123456789012", "role_name": "a b"}),
            StatusCode::BAD_REQUEST,
            "role_name",
        ),
        (
            json!({"name": "x", "account_id": "123456789012", "role_name": "r/../x"}),
            StatusCode::BAD_REQUEST,
            "role_name",
        ),
        (
            json!({"name": "x\u{1b}[2J", "account_id": "123456789012"}),
            StatusCode::BAD_REQUEST,
            "name",
        ),
        (
            json!({"name": "", "account_id": "123456789012"}),
            StatusCode::BAD_REQUEST,
            "name",
        ),
        (
            json!({"name": "x".repeat(201), "account_id": "123456789012"}),
            StatusCode::BAD_REQUEST,
            "name",
        ),
        (
            json!({"name": "x", "account_id": "123456789012", "external_id": "mine"}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "external_id",
        ),
    ] {
        let r = call(
            &f,
            Method::POST,
            "/api/v1/connections",
            Some(&f.a_admin),
            Some(bad.clone()),
        )
        .await;
        assert_eq!(r.status, status, "{bad}: {}", r.text());
        assert!(r.text().contains(named), "{bad}: {}", r.text());
    }
    let listed = call(
        &f,
        Method::GET,
        "/api/v1/connections",
        Some(&f.a_client),
        None,
    )
    .await;
    assert_eq!(listed.status, StatusCode::OK);
    let names: Vec<String> = listed
        .json()
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap().to_owned())
        .collect();
    assert!(
        names.contains(&"production".to_owned()) && names.contains(&"staging <b>".to_owned()),
        "{names:?}"
    );
    assert!(
        !names.iter().any(|n| n == "x"),
        "a refused connection was stored: {names:?}"
    );
    // Clients see connections but never an External ID.
    assert!(!listed.text().contains(&ext));
    let client_setup = call(
        &f,
        Method::GET,
        &format!("/api/v1/connections/{conn}/setup"),
        Some(&f.a_client),
        None,
    )
    .await;
    assert_eq!(client_setup.status, StatusCode::FORBIDDEN);
    let again = call(
        &f,
        Method::GET,
        &format!("/api/v1/connections/{conn}/setup"),
        Some(&f.a_admin),
        None,
    )
    .await;
    assert_eq!(again.status, StatusCode::OK, "{}", again.text());
    assert_eq!(again.json()["external_id"], ext.as_str());
    assert_eq!(again.json()["quick_create_url"], setup["quick_create_url"]);

    // The template the service serves is the shipped one.
    let t = call(
        &f,
        Method::GET,
        "/api/v1/connections/template.yaml",
        Some(&f.a_admin),
        None,
    )
    .await;
    assert_eq!(t.status, StatusCode::OK);
    assert!(
        t.headers["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/yaml")
    );
    assert_eq!(
        t.text(),
        std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../cloudformation/cloudarq-readonly-role.yaml"
        ))
        .unwrap()
    );

    // The External ID is encrypted at rest (the WAL included).
    let db = f.db_file.as_ref().unwrap();
    let mut raw = std::fs::read(db).unwrap();
    raw.extend(std::fs::read(db.with_extension("sqlite-wal")).unwrap_or_default());
    assert!(
        !String::from_utf8_lossy(&raw).contains(&ext),
        "External ID in clear"
    );

    // Deletion: gone from reads, its setup and its scans; audited.
    let d = call(
        &f,
        Method::DELETE,
        &format!("/api/v1/connections/{conn}"),
        Some(&f.a_admin),
        None,
    )
    .await;
    assert_eq!(d.status, StatusCode::NO_CONTENT, "{}", d.text());
    for p in [
        format!("/api/v1/connections/{conn}"),
        format!("/api/v1/connections/{conn}/setup"),
    ] {
        let r = call(&f, Method::GET, &p, Some(&f.a_admin), None).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{p}");
    }
    let twice = call(
        &f,
        Method::DELETE,
        &format!("/api/v1/connections/{conn}"),
        Some(&f.a_admin),
        None,
    )
    .await;
    assert_eq!(twice.status, StatusCode::NOT_FOUND);
    let scan = call(
        &f,
        Method::POST,
        &format!("/api/v1/connections/{conn}/scans"),
        Some(&f.a_admin),
        None,
    )
    .await;
    assert_eq!(scan.status, StatusCode::NOT_FOUND);
    let log = call(&f, Method::GET, "/api/v1/audit-log", Some(&f.a_admin), None)
        .await
        .json();
    let actions: Vec<&str> = log
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["target"] == format!("connection:{conn}"))
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        actions,
        [
            "connection.create",
            "connection.setup.read",
            "connection.delete"
        ]
    );
}

/// V3/V4: an admin invites a user; the token (only its hash stored) sets a
/// password once; a role change or removal ends the user's sessions at
/// once; the tenant's last admin can be neither demoted nor removed.
#[tokio::test]
async fn users_are_invited_once_and_role_changes_and_removal_end_their_sessions() {
    let f = fixture(false).await;
    let invite = |email: &str, role: &str| json!({"email": email, "role": role});
    let r = call(
        &f,
        Method::POST,
        "/api/v1/users",
        Some(&f.a_admin),
        Some(invite("new@acme.test", "client")),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let body = r.json();
    let token = body["token"].as_str().unwrap().to_owned();
    let new_id = body["user"]["id"].as_str().unwrap().to_owned();
    assert!(token.starts_with("cqi1."), "{token}");
    assert_eq!(body["user"]["role"], "client");
    assert_eq!(
        r.headers["location"].to_str().unwrap(),
        format!("/api/v1/users/{new_id}")
    );

    // Refused input, named; nothing stored.
    for (bad, status, named) in [
        (
            invite("NEW@acme.test", "client"),
            StatusCode::CONFLICT,
            "e-mail",
        ),
        (
            invite("x@acme.test", "owner"),
            StatusCode::UNPROCESSABLE_ENTITY,
            "role",
        ),
        (
            invite("x y@acme.test", "client"),
            StatusCode::BAD_REQUEST,
            "email",
        ),
        (
            invite("no-at-sign", "client"),
            StatusCode::BAD_REQUEST,
            "email",
        ),
        (
            json!({"email": "x@acme.test", "role": "client", "password": "p"}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "password",
        ),
    ] {
        let r = call(
            &f,
            Method::POST,
            "/api/v1/users",
            Some(&f.a_admin),
            Some(bad.clone()),
        )
        .await;
        assert_eq!(r.status, status, "{bad}: {}", r.text());
        assert!(r.text().contains(named), "{bad}: {}", r.text());
    }
    let users = call(&f, Method::GET, "/api/v1/users", Some(&f.a_admin), None)
        .await
        .json();
    assert_eq!(users.as_array().unwrap().len(), 4, "{users}");

    // Before acceptance there is no password to sign in with.
    assert_eq!(
        sign_in(&f, "acme", "new@acme.test", PASSWORD).await.0,
        StatusCode::UNAUTHORIZED
    );
    let accept = |token: &str, password: &str| json!({"token": token, "password": password});
    for (bad, status) in [
        (accept(&token, "password1234"), StatusCode::BAD_REQUEST),
        (accept(&token, "short"), StatusCode::BAD_REQUEST),
        (
            accept(&token.replacen("cqi1", "cqr1", 1), PASSWORD),
            StatusCode::UNAUTHORIZED,
        ),
        (
            accept(
                &format!(
                    "{}{}",
                    &token[..token.len() - 1],
                    if token.ends_with('A') { 'B' } else { 'A' }
                ),
                PASSWORD,
            ),
            StatusCode::UNAUTHORIZED,
        ),
        (accept("cqi1..", PASSWORD), StatusCode::UNAUTHORIZED),
    ] {
        let r = call(
            &f,
            Method::POST,
            "/api/v1/invitations/accept",
            None,
            Some(bad.clone()),
        )
        .await;
        assert_eq!(r.status, status, "{bad}: {}", r.text());
    }
    let ok = call(
        &f,
        Method::POST,
        "/api/v1/invitations/accept",
        None,
        Some(accept(&token, PASSWORD)),
    )
    .await;
    assert_eq!(ok.status, StatusCode::NO_CONTENT, "{}", ok.text());
    let replay = call(
        &f,
        Method::POST,
        "/api/v1/invitations/accept",
        None,
        Some(accept(&token, "another long passphrase 7")),
    )
    .await;
    assert_eq!(
        replay.status,
        StatusCode::UNAUTHORIZED,
        "a token works once"
    );
    let (status, signed) = sign_in(&f, "acme", "new@acme.test", PASSWORD).await;
    assert_eq!(status, StatusCode::CREATED, "{signed}");
    let new_token = signed["access_token"].as_str().unwrap().to_owned();
    assert_eq!(
        call(&f, Method::GET, "/api/v1/scans", Some(&new_token), None)
            .await
            .status,
        StatusCode::OK
    );
    let again = call(
        &f,
        Method::POST,
        &format!("/api/v1/users/{new_id}/invitation"),
        Some(&f.a_admin),
        None,
    )
    .await;
    assert_eq!(
        again.status,
        StatusCode::CONFLICT,
        "an active user is not re-invited"
    );

    // A re-invitation replaces the token.
    let second = call(
        &f,
        Method::POST,
        "/api/v1/users",
        Some(&f.a_admin),
        Some(invite("second@acme.test", "client")),
    )
    .await
    .json();
    let (old, second_id) = (
        second["token"].as_str().unwrap().to_owned(),
        second["user"]["id"].as_str().unwrap().to_owned(),
    );
    let re = call(
        &f,
        Method::POST,
        &format!("/api/v1/users/{second_id}/invitation"),
        Some(&f.a_admin),
        None,
    )
    .await;
    assert_eq!(re.status, StatusCode::CREATED, "{}", re.text());
    let fresh = re.json()["token"].as_str().unwrap().to_owned();
    assert_ne!(fresh, old);
    let r = call(
        &f,
        Method::POST,
        "/api/v1/invitations/accept",
        None,
        Some(accept(&old, PASSWORD)),
    )
    .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED, "the replaced token");
    let r = call(
        &f,
        Method::POST,
        "/api/v1/invitations/accept",
        None,
        Some(accept(&fresh, PASSWORD)),
    )
    .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.text());

    // A role change ends the user's sessions: the token it held stops now.
    let r = call(
        &f,
        Method::PATCH,
        &format!("/api/v1/users/{new_id}"),
        Some(&f.a_admin),
        Some(json!({"role": "admin"})),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(r.json()["role"], "admin");
    assert_eq!(
        call(&f, Method::GET, "/api/v1/scans", Some(&new_token), None)
            .await
            .status,
        StatusCode::UNAUTHORIZED
    );
    let bad_role = call(
        &f,
        Method::PATCH,
        &format!("/api/v1/users/{new_id}"),
        Some(&f.a_admin),
        Some(json!({"role": "root"})),
    )
    .await;
    assert_eq!(bad_role.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad_role.text().contains("role"), "{}", bad_role.text());

    // Removal: no sign-in, no session; a second removal is a 404.
    let (_, second_signed) = sign_in(&f, "acme", "second@acme.test", PASSWORD).await;
    let second_token = second_signed["access_token"].as_str().unwrap().to_owned();
    let d = call(
        &f,
        Method::DELETE,
        &format!("/api/v1/users/{second_id}"),
        Some(&f.a_admin),
        None,
    )
    .await;
    assert_eq!(d.status, StatusCode::NO_CONTENT, "{}", d.text());
    assert_eq!(
        call(&f, Method::GET, "/api/v1/scans", Some(&second_token), None)
            .await
            .status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        sign_in(&f, "acme", "second@acme.test", PASSWORD).await.0,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        call(
            &f,
            Method::DELETE,
            &format!("/api/v1/users/{second_id}"),
            Some(&f.a_admin),
            None
        )
        .await
        .status,
        StatusCode::NOT_FOUND
    );
    let listed = call(&f, Method::GET, "/api/v1/users", Some(&f.a_admin), None)
        .await
        .json();
    let second_row = listed
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["id"] == second_id.as_str())
        .unwrap();
    assert_eq!(second_row["removed"], true);

    // The last admin stays: remove the others, then the signed-in admin
    // can neither demote nor remove themself.
    let admins: Vec<String> = listed
        .as_array()
        .unwrap()
        .iter()
        .filter(|u| {
            u["role"] == "admin" && u["removed"] == false && u["email"] != "admin@acme.test"
        })
        .map(|u| u["id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(admins.len(), 2, "admin2 and the promoted user: {listed}");
    for id in &admins {
        let r = call(
            &f,
            Method::DELETE,
            &format!("/api/v1/users/{id}"),
            Some(&f.a_admin),
            None,
        )
        .await;
        assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.text());
    }
    let me = listed
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["email"] == "admin@acme.test")
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let demote = call(
        &f,
        Method::PATCH,
        &format!("/api/v1/users/{me}"),
        Some(&f.a_admin),
        Some(json!({"role": "client"})),
    )
    .await;
    assert_eq!(demote.status, StatusCode::CONFLICT, "{}", demote.text());
    assert!(demote.text().contains("last admin"));
    let remove = call(
        &f,
        Method::DELETE,
        &format!("/api/v1/users/{me}"),
        Some(&f.a_admin),
        None,
    )
    .await;
    assert_eq!(remove.status, StatusCode::CONFLICT);
    assert_eq!(
        call(&f, Method::GET, "/api/v1/users", Some(&f.a_admin), None)
            .await
            .status,
        StatusCode::OK,
        "still signed in"
    );

    // Audited; tokens never in the log or the database in clear.
    let log = call(&f, Method::GET, "/api/v1/audit-log", Some(&f.a_admin), None).await;
    let actions: Vec<String> = log
        .json()
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap().to_owned())
        .collect();
    for a in [
        "user.invite",
        "user.activate",
        "user.reinvite",
        "user.role.admin",
        "user.remove",
    ] {
        assert!(
            actions.iter().any(|x| x == a),
            "{a} not audited: {actions:?}"
        );
    }
    assert!(!log.text().contains(&token) && !log.text().contains(&fresh));
    let db = f.db_file.as_ref().unwrap();
    let mut raw = std::fs::read(db).unwrap();
    raw.extend(std::fs::read(db.with_extension("sqlite-wal")).unwrap_or_default());
    let hay = String::from_utf8_lossy(&raw);
    for t in [&token, &old, &fresh] {
        assert!(
            !hay.contains(t.rsplit('.').next().unwrap()),
            "an invitation token in the database"
        );
    }
}

/// V3: a password change needs the current password, meets the policy,
/// and ends every session of the user (the caller's too).
#[tokio::test]
async fn a_password_change_needs_the_current_one_and_ends_every_session() {
    let f = fixture(false).await;
    let (_, first) = sign_in(&f, "acme", "client@acme.test", PASSWORD).await;
    let (_, second) = sign_in(&f, "acme", "client@acme.test", PASSWORD).await;
    let token = first["access_token"].as_str().unwrap().to_owned();
    let other = second["access_token"].as_str().unwrap().to_owned();
    let change =
        |current: &str, new: &str| json!({"current_password": current, "new_password": new});
    let new_password = "quartz meadow lantern 88";
    for (bad, status, named) in [
        (
            change("wrong wrong wrong", new_password),
            StatusCode::FORBIDDEN,
            "current_password",
        ),
        (
            change(PASSWORD, "password1234"),
            StatusCode::BAD_REQUEST,
            "new_password",
        ),
        (
            change(PASSWORD, "client-client-client"),
            StatusCode::BAD_REQUEST,
            "new_password",
        ),
        (
            change(PASSWORD, "short"),
            StatusCode::BAD_REQUEST,
            "new_password",
        ),
    ] {
        let r = call(
            &f,
            Method::POST,
            "/api/v1/me/password",
            Some(&token),
            Some(bad.clone()),
        )
        .await;
        assert_eq!(r.status, status, "{bad}: {}", r.text());
        assert!(r.text().contains(named), "{bad}: {}", r.text());
        assert!(!r.text().contains(PASSWORD));
    }
    let ok = call(
        &f,
        Method::POST,
        "/api/v1/me/password",
        Some(&token),
        Some(change(PASSWORD, new_password)),
    )
    .await;
    assert_eq!(ok.status, StatusCode::NO_CONTENT, "{}", ok.text());
    for t in [&token, &other] {
        assert_eq!(
            call(&f, Method::GET, "/api/v1/me", Some(t), None)
                .await
                .status,
            StatusCode::UNAUTHORIZED
        );
    }
    let refresh = call(
        &f,
        Method::POST,
        "/api/v1/session/refresh",
        None,
        Some(json!({"refresh_token": second["refresh_token"]})),
    )
    .await;
    assert_eq!(
        refresh.status,
        StatusCode::UNAUTHORIZED,
        "refresh tokens end too"
    );
    assert_eq!(
        sign_in(&f, "acme", "client@acme.test", PASSWORD).await.0,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        sign_in(&f, "acme", "client@acme.test", new_password)
            .await
            .0,
        StatusCode::CREATED
    );
    let log = call(&f, Method::GET, "/api/v1/audit-log", Some(&f.a_admin), None)
        .await
        .json();
    let outcomes: Vec<&str> = log
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["action"] == "auth.password_change")
        .map(|e| e["outcome"].as_str().unwrap())
        .collect();
    assert_eq!(outcomes, ["denied", "success"]);
    // Every entry carries the client's user agent and its place in the chain.
    for (i, e) in log.as_array().unwrap().iter().enumerate() {
        assert_eq!(e["seq"], i as i64 + 1, "{e}");
        assert_eq!(e["hash"].as_str().unwrap().len(), 64);
    }
    assert!(
        log.as_array()
            .unwrap()
            .iter()
            .any(|e| e["user_agent"] == "service-test")
    );
}

/// V8: a succeeded scan's report in each format (a download), what changed
/// since the connection's previous scan, and score trends; bad formats and
/// frameworks are named, unfinished scans have no report.
#[tokio::test]
async fn an_admin_cancels_a_queued_scan_once_and_no_one_else_can() {
    let f = fixture(false).await;
    let queued = call(
        &f,
        Method::POST,
        &format!("/api/v1/connections/{}/scans", f.a_conn),
        Some(&f.a_admin),
        None,
    )
    .await
    .json();
    let scan = queued["id"].as_str().unwrap().to_owned();
    let cancel = format!("/api/v1/scans/{scan}/cancel");
    // Another tenant's admin: 404; a client of the tenant: 403; the scan
    // stays queued.
    let r = call(&f, Method::POST, &cancel, Some(&f.b_admin), None).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let r = call(&f, Method::POST, &cancel, Some(&f.a_client), None).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let status = |token: &str| {
        let path = format!("/api/v1/scans/{scan}");
        let token = token.to_owned();
        let f = &f;
        async move { call(f, Method::GET, &path, Some(&token), None).await.json()["status"].clone() }
    };
    assert_eq!(status(&f.a_client).await, "queued");
    // The admin: cancelled, with its end time, and audited.
    let r = call(&f, Method::POST, &cancel, Some(&f.a_admin), None).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(r.json()["status"], "cancelled");
    assert!(r.json()["finished_at"].is_string());
    assert_eq!(status(&f.a_admin).await, "cancelled");
    // Again, and on a scan that succeeded: 409 naming the state; the
    // succeeded scan keeps its findings.
    let again = call(&f, Method::POST, &cancel, Some(&f.a_admin), None).await;
    assert_eq!(again.status, StatusCode::CONFLICT);
    assert!(
        again.text().contains("has status cancelled"),
        "{}",
        again.text()
    );
    let before = call(
        &f,
        Method::GET,
        &format!("/api/v1/scans/{}", f.a_scan),
        Some(&f.a_admin),
        None,
    )
    .await
    .body;
    let done = call(
        &f,
        Method::POST,
        &format!("/api/v1/scans/{}/cancel", f.a_scan),
        Some(&f.a_admin),
        None,
    )
    .await;
    assert_eq!(done.status, StatusCode::CONFLICT);
    assert!(
        done.text().contains("has status succeeded"),
        "{}",
        done.text()
    );
    let after = call(
        &f,
        Method::GET,
        &format!("/api/v1/scans/{}", f.a_scan),
        Some(&f.a_admin),
        None,
    )
    .await
    .body;
    assert_eq!(before, after);
    // A made-up id: 404 like another tenant's.
    let r = call(
        &f,
        Method::POST,
        &format!("/api/v1/scans/{}/cancel", Uuid::now_v7()),
        Some(&f.a_admin),
        None,
    )
    .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let log = call(&f, Method::GET, "/api/v1/audit-log", Some(&f.a_admin), None)
        .await
        .json();
    let outcomes: Vec<(String, String)> = log
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["action"] == "scan.cancel")
        .map(|e| {
            (
                e["target"].as_str().unwrap().to_owned(),
                e["outcome"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    let target = format!("scan:{scan}");
    let done_target = format!("scan:{}", f.a_scan);
    for want in [
        (target.clone(), "success".to_owned()),
        (target, "refused".to_owned()),
        (done_target, "refused".to_owned()),
    ] {
        assert!(outcomes.contains(&want), "{want:?} in {outcomes:?}");
    }
}

#[tokio::test]
async fn reports_diffs_and_score_trends_are_served() {
    let f = fixture(false).await;
    let scan = call(
        &f,
        Method::GET,
        &format!("/api/v1/scans/{}", f.a_scan),
        Some(&f.a_client),
        None,
    )
    .await
    .json();
    let findings = scan["findings"].as_u64().unwrap() as usize;
    for (format, mime, suffix) in [
        ("html", "text/html", ".html"),
        ("csv", "text/csv", ".csv"),
        ("json", "application/json", ".json"),
        ("ocsf", "application/json", ".ocsf.json"),
    ] {
        let r = call(
            &f,
            Method::GET,
            &format!("/api/v1/scans/{}/report?format={format}", f.a_scan),
            Some(&f.a_client),
            None,
        )
        .await;
        assert_eq!(r.status, StatusCode::OK, "{format}: {}", r.text());
        assert!(
            r.headers["content-type"]
                .to_str()
                .unwrap()
                .starts_with(mime),
            "{format}"
        );
        let disposition = r.headers["content-disposition"].to_str().unwrap();
        assert!(
            disposition.starts_with("attachment; filename=\"cloudarq-123456789012-")
                && disposition.ends_with(&format!("{suffix}\"")),
            "{disposition}"
        );
        assert_security_headers(format, &r);
        match format {
            "html" => assert!(r.text().contains("<html"), "an HTML page"),
            "csv" => assert_eq!(
                r.text().lines().count(),
                findings + 1,
                "a header and one line per finding"
            ),
            "json" => assert_eq!(r.json()["findings"].as_array().unwrap().len(), findings),
            _ => assert_eq!(r.json().as_array().unwrap().len(), findings),
        }
    }
    let default = call(
        &f,
        Method::GET,
        &format!("/api/v1/scans/{}/report", f.a_scan),
        Some(&f.a_client),
        None,
    )
    .await;
    assert!(
        default.headers["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    let bad = call(
        &f,
        Method::GET,
        &format!("/api/v1/scans/{}/report?format=pdf", f.a_scan),
        Some(&f.a_client),
        None,
    )
    .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST, "{}", bad.text());
    assert!(bad.text().contains("format"), "{}", bad.text());

    // The diff: the finding that passed yesterday fails today.
    let d = call(
        &f,
        Method::GET,
        &format!("/api/v1/scans/{}/diff", f.a_scan),
        Some(&f.a_client),
        None,
    )
    .await;
    assert_eq!(d.status, StatusCode::OK, "{}", d.text());
    let d = d.json();
    let previous = d["previous_scan_id"].as_str().unwrap().to_owned();
    assert_ne!(previous, f.a_scan.to_string());
    let new = d["new_failures"].as_array().unwrap();
    assert_eq!(new.len(), 1, "{d}");
    assert_eq!(
        (new[0]["before"].as_str(), new[0]["after"].as_str()),
        (Some("PASS"), Some("FAIL"))
    );
    assert!(!d["still_failing"].as_array().unwrap().is_empty());
    let first = call(
        &f,
        Method::GET,
        &format!("/api/v1/scans/{previous}/diff"),
        Some(&f.a_client),
        None,
    )
    .await
    .json();
    assert_eq!(first["previous_scan_id"], Value::Null);
    assert!(first["new_failures"].as_array().unwrap().is_empty());

    // The trend: both scans, oldest first.
    let t = call(
        &f,
        Method::GET,
        &format!(
            "/api/v1/connections/{}/scores?framework=cis_aws_3.0",
            f.a_conn
        ),
        Some(&f.a_client),
        None,
    )
    .await;
    assert_eq!(t.status, StatusCode::OK, "{}", t.text());
    let points = t.json();
    let ids: Vec<&str> = points
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["scan_id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, [previous.as_str(), f.a_scan.to_string().as_str()]);
    assert!(points[0]["collected_at"].as_str() < points[1]["collected_at"].as_str());
    assert!(points[1]["score"].as_f64().is_some());
    for (q, named) in [
        ("framework=cis_aws_9.9", "cis_aws_3.0"),
        ("framework=cis_aws_3.0&days=0", "days"),
        ("", "framework"),
    ] {
        let r = call(
            &f,
            Method::GET,
            &format!("/api/v1/connections/{}/scores?{q}", f.a_conn),
            Some(&f.a_client),
            None,
        )
        .await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{q}: {}", r.text());
        assert!(r.text().contains(named), "{q}: {}", r.text());
    }

    // A scan without a result yet has no report and no diff.
    let queued = call(
        &f,
        Method::POST,
        &format!("/api/v1/connections/{}/scans", f.a_conn),
        Some(&f.a_admin),
        None,
    )
    .await
    .json();
    let queued = queued["id"].as_str().unwrap();
    for p in [
        format!("/api/v1/scans/{queued}/report"),
        format!("/api/v1/scans/{queued}/diff"),
    ] {
        let r = call(&f, Method::GET, &p, Some(&f.a_client), None).await;
        assert_eq!(r.status, StatusCode::CONFLICT, "{p}: {}", r.text());
    }
}

/// V9: `/metrics` answers only the scrape token, counts answers by route
/// template (never a concrete id) and status, and times them.
#[tokio::test]
async fn metrics_need_the_scrape_token_and_name_route_templates() {
    let f = fixture(false).await;
    call(&f, Method::GET, "/healthz", None, None).await;
    call(
        &f,
        Method::GET,
        &format!("/api/v1/scans/{}", f.a_scan),
        Some(&f.a_client),
        None,
    )
    .await;
    call(&f, Method::GET, "/no/such/path", None, None).await;
    for token in [
        None,
        Some("wrong"),
        Some(f.a_admin.as_str()),
        Some(&METRICS_TOKEN[1..]),
    ] {
        let r = call(&f, Method::GET, "/metrics", token, None).await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{token:?}");
    }
    let r = call(&f, Method::GET, "/metrics", Some(METRICS_TOKEN), None).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert!(
        r.headers["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/plain; version=0.0.4")
    );
    let text = r.text();
    for want in [
        "cloudarq_http_requests_total{method=\"GET\",route=\"/healthz\",status=\"200\"} 1",
        "cloudarq_http_requests_total{method=\"GET\",route=\"/api/v1/scans/{scan_id}\",status=\"200\"} 1",
        "cloudarq_http_requests_total{method=\"GET\",route=\"unmatched\",status=\"404\"} 1",
        "cloudarq_http_requests_total{method=\"GET\",route=\"/metrics\",status=\"401\"} 4",
        "cloudarq_database_up 1",
        "cloudarq_http_request_duration_seconds_count{route=\"/healthz\"} 1",
        "cloudarq_http_request_duration_seconds_bucket{route=\"/healthz\",le=\"+Inf\"} 1",
    ] {
        assert!(text.contains(want), "{want} not in:\n{text}");
    }
    assert!(
        !text.contains(&f.a_scan.to_string()),
        "a concrete id became a label"
    );
    // Every line is a comment or `name{labels} value` with a number.
    for line in text.lines().filter(|l| !l.starts_with('#')) {
        let value = line.rsplit(' ').next().unwrap();
        assert!(value.parse::<f64>().is_ok(), "{line}");
        assert!(line.starts_with("cloudarq_"), "{line}");
    }
}

/// V3: the tenant's setting makes clients sign in with a second factor too;
/// a client session opened without one stops reading at once, may still
/// enrol, and reads again after a second-factor sign-in.
#[tokio::test]
async fn a_tenant_can_require_a_second_factor_of_its_clients() {
    let f = fixture(false).await;
    let scans = "/api/v1/scans";
    assert_eq!(
        call(&f, Method::GET, scans, Some(&f.a_client), None)
            .await
            .status,
        StatusCode::OK
    );
    let settings = "/api/v1/tenant/settings";
    let got = call(&f, Method::GET, settings, Some(&f.a_admin), None).await;
    assert_eq!(got.json(), json!({"require_client_mfa": false}));
    for bad in [
        json!({"require_client_mfa": "yes"}),
        json!({"require_client_mfa": true, "x": 1}),
        json!({}),
    ] {
        let r = call(
            &f,
            Method::PUT,
            settings,
            Some(&f.a_admin),
            Some(bad.clone()),
        )
        .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{bad}");
    }
    let by_client = call(
        &f,
        Method::PUT,
        settings,
        Some(&f.a_client),
        Some(json!({"require_client_mfa": false})),
    )
    .await;
    assert_eq!(by_client.status, StatusCode::FORBIDDEN);
    let on = call(
        &f,
        Method::PUT,
        settings,
        Some(&f.a_admin),
        Some(json!({"require_client_mfa": true})),
    )
    .await;
    assert_eq!(on.status, StatusCode::OK, "{}", on.text());
    assert_eq!(
        call(&f, Method::GET, settings, Some(&f.a_admin), None)
            .await
            .json()["require_client_mfa"],
        true
    );

    let refused = call(&f, Method::GET, scans, Some(&f.a_client), None).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert!(
        refused.text().contains("second-factor-required"),
        "{}",
        refused.text()
    );
    assert_eq!(
        call(&f, Method::GET, "/api/v1/me", Some(&f.a_client), None)
            .await
            .status,
        StatusCode::OK
    );
    // The other tenant is not affected.
    let (_, b_client) = sign_in(&f, "globex", "client@globex.test", PASSWORD).await;
    let b_client = b_client["access_token"].as_str().unwrap().to_owned();
    assert_eq!(
        call(&f, Method::GET, scans, Some(&b_client), None)
            .await
            .status,
        StatusCode::OK
    );
    // Enrolled and signed in with the second factor, the client reads again.
    let (with_mfa, _, _) = enrol(&f, "acme", "client@acme.test").await;
    assert_eq!(
        call(&f, Method::GET, scans, Some(&with_mfa), None)
            .await
            .status,
        StatusCode::OK
    );

    let log = call(&f, Method::GET, "/api/v1/audit-log", Some(&f.a_admin), None)
        .await
        .json();
    assert!(
        log.as_array()
            .unwrap()
            .iter()
            .any(|e| e["action"] == "tenant.settings" && e["target"] == "require_client_mfa=true")
    );
}

/// A request with extra headers (cookies, CSRF), answered by `f`'s app.
async fn call_with(
    f: &Fixture,
    method: Method,
    path: &str,
    headers: &[(&str, &str)],
    body: Option<Value>,
) -> Reply {
    let mut req = Request::builder()
        .method(method)
        .uri(path)
        .header("user-agent", "service-test");
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    let req = match body {
        Some(b) => req
            .header("content-type", "application/json")
            .body(Body::from(b.to_string())),
        None => req.body(Body::empty()),
    }
    .unwrap();
    let res = f.app.clone().oneshot(req).await.unwrap();
    let status = res.status();
    let headers = res.headers().clone();
    let body = axum::body::to_bytes(res.into_body(), 1 << 24)
        .await
        .unwrap()
        .to_vec();
    Reply {
        status,
        headers,
        body,
    }
}

/// The cookies a response sets, name to the whole `Set-Cookie` line.
fn set_cookies(r: &Reply) -> std::collections::BTreeMap<String, String> {
    r.headers
        .get_all("set-cookie")
        .iter()
        .map(|v| {
            let line = v.to_str().unwrap().to_owned();
            (line.split('=').next().unwrap().to_owned(), line)
        })
        .collect()
}

fn cookie_value(line: &str) -> &str {
    line.split(';').next().unwrap().split_once('=').unwrap().1
}

/// V3: a browser session keeps its tokens in `HttpOnly; Secure;
/// SameSite=Strict` cookies; reads need nothing more, every state change
/// (refresh and sign-out included) needs the CSRF echo; sign-out clears the
/// cookies and ends the session.
#[tokio::test]
async fn browser_sessions_use_strict_cookies_and_refuse_requests_without_the_csrf_echo() {
    let f = fixture(false).await;
    let r = call(
        &f,
        Method::POST,
        "/api/v1/session",
        None,
        Some(json!({"tenant": "acme", "email": "client@acme.test", "password": PASSWORD, "cookie": true})),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let body = r.json();
    assert_eq!(body["token_type"], "cookie");
    assert!(
        body.get("access_token").is_none() && body.get("refresh_token").is_none(),
        "{body}"
    );
    let csrf = body["csrf_token"].as_str().unwrap().to_owned();
    let set = set_cookies(&r);
    let at = &set["__Host-cloudarq_at"];
    let rt = &set["__Secure-cloudarq_rt"];
    let ct = &set["__Host-cloudarq_csrf"];
    for line in [at, rt] {
        for attr in ["; Secure", "; HttpOnly", "; SameSite=Strict"] {
            assert!(line.contains(attr), "{line}");
        }
    }
    assert!(
        at.contains("; Path=/;") && ct.contains("; Path=/;"),
        "__Host- cookies need Path=/"
    );
    assert!(rt.contains("; Path=/api/v1/session;"), "{rt}");
    assert!(
        !ct.contains("HttpOnly") && ct.contains("SameSite=Strict"),
        "{ct}"
    );
    assert_eq!(cookie_value(ct), csrf);
    let jar = format!(
        "__Host-cloudarq_at={}; __Host-cloudarq_csrf={csrf}",
        cookie_value(at)
    );

    // Reads: the cookie is enough.
    let read = call_with(&f, Method::GET, "/api/v1/scans", &[("cookie", &jar)], None).await;
    assert_eq!(read.status, StatusCode::OK, "{}", read.text());
    // A state change without the echo, or with another value: refused.
    let change = json!({"current_password": PASSWORD, "new_password": "quartz meadow lantern 88"});
    for headers in [
        vec![("cookie", jar.as_str())],
        vec![
            ("cookie", jar.as_str()),
            ("x-csrf-token", "forged-forged-forged-forged-forged-forged"),
        ],
    ] {
        let r = call_with(
            &f,
            Method::POST,
            "/api/v1/me/password",
            &headers,
            Some(change.clone()),
        )
        .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.text());
        assert!(r.text().contains("CSRF"), "{}", r.text());
    }
    // Sign-out too (a forged cross-site sign-out): the check comes first.
    let no_echo = call_with(
        &f,
        Method::DELETE,
        "/api/v1/session",
        &[("cookie", &jar)],
        None,
    )
    .await;
    assert_eq!(no_echo.status, StatusCode::FORBIDDEN);

    // Refresh from the cookie: with the echo only; new cookies each time.
    let refresh_jar = format!(
        "{}; __Host-cloudarq_csrf={csrf}",
        rt.split(';').next().unwrap()
    );
    let bare = call_with(
        &f,
        Method::POST,
        "/api/v1/session/refresh",
        &[("cookie", &refresh_jar)],
        Some(json!({})),
    )
    .await;
    assert_eq!(bare.status, StatusCode::FORBIDDEN, "{}", bare.text());
    let refreshed = call_with(
        &f,
        Method::POST,
        "/api/v1/session/refresh",
        &[("cookie", &refresh_jar), ("x-csrf-token", &csrf)],
        Some(json!({})),
    )
    .await;
    assert_eq!(refreshed.status, StatusCode::OK, "{}", refreshed.text());
    assert_eq!(refreshed.json()["token_type"], "cookie");
    let set2 = set_cookies(&refreshed);
    assert_ne!(
        cookie_value(&set2["__Secure-cloudarq_rt"]),
        cookie_value(rt),
        "rotated"
    );
    let csrf2 = refreshed.json()["csrf_token"].as_str().unwrap().to_owned();
    let jar2 = format!(
        "__Host-cloudarq_at={}; __Host-cloudarq_csrf={csrf2}",
        cookie_value(&set2["__Host-cloudarq_at"])
    );

    // Sign-out with the echo: the cookies are cleared and the session ends.
    let out = call_with(
        &f,
        Method::DELETE,
        "/api/v1/session",
        &[("cookie", &jar2), ("x-csrf-token", &csrf2)],
        None,
    )
    .await;
    assert_eq!(out.status, StatusCode::NO_CONTENT, "{}", out.text());
    let cleared = set_cookies(&out);
    assert_eq!(cleared.len(), 3);
    assert!(
        cleared.values().all(|l| l.contains("Max-Age=0")),
        "{cleared:?}"
    );
    let after = call_with(&f, Method::GET, "/api/v1/scans", &[("cookie", &jar2)], None).await;
    assert_eq!(after.status, StatusCode::UNAUTHORIZED);
    // API clients are untouched: a bearer token needs no CSRF header.
    let r = call(
        &f,
        Method::POST,
        &format!("/api/v1/connections/{}/scans", f.a_conn),
        Some(&f.a_admin),
        None,
    )
    .await;
    assert_eq!(r.status, StatusCode::ACCEPTED);
}

/// V8: the mutelist over the API: admins add (checked like a file, the bad
/// field named) and remove entries for a connection or the whole tenant;
/// everyone reads them; another tenant can neither read nor remove them.
#[tokio::test]
async fn mutelist_entries_are_checked_scoped_and_audited() {
    let f = fixture(false).await;
    let rule = cloudarq_rules::all()[0].meta().id;
    let future = (OffsetDateTime::now_utc() + time::Duration::days(30))
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap();
    let good = json!({
        "connection_id": f.a_conn, "rule_id": rule, "resource": "arn:aws:s3:::logs-*",
        "reason": "accepted by the CISO <b>until Q1</b>", "expires_at": future, "region": "eu-west-1"
    });
    let r = call(
        &f,
        Method::POST,
        "/api/v1/mutelist",
        Some(&f.a_admin),
        Some(good.clone()),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let own = r.json()["id"].as_str().unwrap().to_owned();
    assert_eq!(r.json()["rule_id"], rule);
    let wide = call(
        &f,
        Method::POST,
        "/api/v1/mutelist",
        Some(&f.a_admin),
        Some(
            json!({"resource": "arn:aws:iam::*:role/break-glass", "reason": "audited separately"}),
        ),
    )
    .await;
    assert_eq!(wide.status, StatusCode::CREATED, "{}", wide.text());
    let wide = wide.json()["id"].as_str().unwrap().to_owned();

    let with = |k: &str, v: Value| {
        let mut b = good.clone();
        b[k] = v;
        b
    };
    let past = "2020-01-01T00:00:00Z";
    for (bad, status, named) in [
        (
            with("rule_id", json!("no_such_rule")),
            StatusCode::BAD_REQUEST,
            "rule_id",
        ),
        (
            with("expires_at", json!(past)),
            StatusCode::CONFLICT,
            "expires_at",
        ),
        (
            with("expires_at", json!("tomorrow")),
            StatusCode::BAD_REQUEST,
            "expires_at",
        ),
        (
            with("region", json!("mars-north-1 ")),
            StatusCode::BAD_REQUEST,
            "region",
        ),
        (
            with("resource", json!("")),
            StatusCode::BAD_REQUEST,
            "resource",
        ),
        (
            with("reason", json!("ok\u{202e}gnp.exe")),
            StatusCode::BAD_REQUEST,
            "reason",
        ),
        (
            with("connection_id", json!(Uuid::now_v7())),
            StatusCode::NOT_FOUND,
            "",
        ),
        (
            with("muted", json!(true)),
            StatusCode::UNPROCESSABLE_ENTITY,
            "muted",
        ),
    ] {
        let r = call(
            &f,
            Method::POST,
            "/api/v1/mutelist",
            Some(&f.a_admin),
            Some(bad.clone()),
        )
        .await;
        assert_eq!(r.status, status, "{bad}: {}", r.text());
        assert!(r.text().contains(named), "{bad}: {}", r.text());
    }
    let path = format!("/api/v1/connections/{}/mutelist", f.a_conn);
    let listed = call(&f, Method::GET, &path, Some(&f.a_client), None).await;
    assert_eq!(listed.status, StatusCode::OK);
    let ids: Vec<String> = listed
        .json()
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(
        ids,
        [own.clone(), wide.clone()],
        "its own and the tenant's, oldest first"
    );
    assert!(
        listed.text().contains("\u{3c}b>until Q1\u{3c}/b>"),
        "stored as given, JSON-escaped only"
    );

    // The other tenant: not its entries.
    let d = call(
        &f,
        Method::DELETE,
        &format!("/api/v1/mutelist/{own}"),
        Some(&f.b_admin),
        None,
    )
    .await;
    assert_eq!(d.status, StatusCode::NOT_FOUND);
    assert_eq!(
        call(&f, Method::GET, &path, Some(&f.a_client), None)
            .await
            .body,
        listed.body
    );
    let d = call(
        &f,
        Method::DELETE,
        &format!("/api/v1/mutelist/{own}"),
        Some(&f.a_admin),
        None,
    )
    .await;
    assert_eq!(d.status, StatusCode::NO_CONTENT);
    let again = call(
        &f,
        Method::DELETE,
        &format!("/api/v1/mutelist/{own}"),
        Some(&f.a_admin),
        None,
    )
    .await;
    assert_eq!(again.status, StatusCode::NOT_FOUND);
    let left = call(&f, Method::GET, &path, Some(&f.a_client), None)
        .await
        .json();
    assert_eq!(left.as_array().unwrap().len(), 1);
    let log = call(&f, Method::GET, "/api/v1/audit-log", Some(&f.a_admin), None)
        .await
        .json();
    let actions: Vec<&str> = log
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions.iter().filter(|a| **a == "mutelist.add").count(), 2);
    assert_eq!(
        actions.iter().filter(|a| **a == "mutelist.remove").count(),
        1
    );
}

/// V8/V6: testing a connection assumes its role with its External ID from
/// the service's principal (against moto) and names the account; an
/// unreachable STS is a clear failure, not a hang; tests are limited per
/// connection and audited.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_connection_test_assumes_the_role_and_is_limited_and_audited() {
    let moto = Moto::start();
    let f = fixture_with(
        false,
        "",
        false,
        Some(format!("http://127.0.0.1:{}", moto.port)),
    )
    .await;
    let created = call(
        &f,
        Method::POST,
        "/api/v1/connections",
        Some(&f.a_admin),
        Some(json!({"name": "moto", "account_id": "123456789012"})),
    )
    .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text());
    let conn = created.json()["connection"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let path = format!("/api/v1/connections/{conn}/test");
    let r = call(&f, Method::POST, &path, Some(&f.a_admin), None).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let body = r.json();
    assert_eq!(body["ok"], true, "{body}");
    assert_eq!(body["account_id"], "123456789012");
    // The fixture's first connection has no role: nothing to assume.
    let none = call(
        &f,
        Method::POST,
        &format!("/api/v1/connections/{}/test", f.a_conn),
        Some(&f.a_admin),
        None,
    )
    .await;
    assert_eq!(none.status, StatusCode::CONFLICT, "{}", none.text());
    // STS gone: a failure with a reason, within the request's time.
    drop(moto);
    let started = std::time::Instant::now();
    let down = call(&f, Method::POST, &path, Some(&f.a_admin), None).await;
    assert_eq!(down.status, StatusCode::OK, "{}", down.text());
    assert_eq!(down.json()["ok"], false);
    assert!(!down.json()["detail"].as_str().unwrap().is_empty());
    assert!(started.elapsed() < std::time::Duration::from_secs(25));
    // The third test of this connection within the hour is the last.
    let _ = call(&f, Method::POST, &path, Some(&f.a_admin), None).await;
    let limited = call(&f, Method::POST, &path, Some(&f.a_admin), None).await;
    assert_eq!(
        limited.status,
        StatusCode::TOO_MANY_REQUESTS,
        "{}",
        limited.text()
    );
    assert!(limited.headers.contains_key("retry-after"));
    let log = call(&f, Method::GET, "/api/v1/audit-log", Some(&f.a_admin), None)
        .await
        .json();
    let outcomes: Vec<&str> = log
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["action"] == "connection.test")
        .map(|e| e["outcome"].as_str().unwrap())
        .collect();
    assert_eq!(outcomes, ["success", "error", "error"]);
}

/// V4: operators (admins of the operators' tenant, with a second factor)
/// list, create and delete tenants; a tenant's admin, or an operator without
/// a second factor, cannot; a new tenant's first admin is invited and signs
/// in; deleting a tenant ends its sessions at once and never touches the
/// operators' own.
#[tokio::test]
async fn operators_create_and_delete_tenants_and_no_one_else_can() {
    let f = fixture(false).await;
    let (_, unenrolled) = sign_in(&f, "_operators", "ops@cloudarq.test", PASSWORD).await;
    let unenrolled = unenrolled["access_token"].as_str().unwrap().to_owned();
    let r = call(&f, Method::GET, "/api/v1/tenants", Some(&unenrolled), None).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert!(r.text().contains("second-factor-required"), "{}", r.text());
    let (ops, _, _) = enrol(&f, "_operators", "ops@cloudarq.test").await;
    for token in [&f.a_admin, &f.a_client, &f.b_admin] {
        for (m, p) in [
            (Method::GET, "/api/v1/tenants".to_owned()),
            (
                Method::DELETE,
                format!("/api/v1/tenants/{}", Uuid::now_v7()),
            ),
        ] {
            let r = call(&f, m.clone(), &p, Some(token), None).await;
            assert_eq!(r.status, StatusCode::FORBIDDEN, "{m} {p}");
        }
    }
    let listed = call(&f, Method::GET, "/api/v1/tenants", Some(&ops), None).await;
    assert_eq!(listed.status, StatusCode::OK, "{}", listed.text());
    let tenants = listed.json();
    let id_of = |name: &str| {
        tenants
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["name"] == name)
            .unwrap()["id"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    let (globex, operators) = (id_of("globex"), id_of("_operators"));
    assert!(
        tenants
            .as_array()
            .unwrap()
            .iter()
            .any(|t| t["name"] == "_operators" && t["operators"] == true)
    );

    // A new tenant and its first admin.
    let new = json!({"name": "initech", "admin_email": "boss@initech.test"});
    let r = call(
        &f,
        Method::POST,
        "/api/v1/tenants",
        Some(&ops),
        Some(new.clone()),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let token = r.json()["invitation_token"].as_str().unwrap().to_owned();
    let accept = call(
        &f,
        Method::POST,
        "/api/v1/invitations/accept",
        None,
        Some(json!({"token": token, "password": PASSWORD})),
    )
    .await;
    assert_eq!(accept.status, StatusCode::NO_CONTENT, "{}", accept.text());
    let (status, boss) = sign_in(&f, "initech", "boss@initech.test", PASSWORD).await;
    assert_eq!(status, StatusCode::CREATED, "{boss}");
    let again = call(&f, Method::POST, "/api/v1/tenants", Some(&ops), Some(new)).await;
    assert_eq!(again.status, StatusCode::CONFLICT, "{}", again.text());
    for (bad, named) in [
        (
            json!({"name": "Init Tech", "admin_email": "a@b.test"}),
            "name",
        ),
        (
            json!({"name": "_operators", "admin_email": "a@b.test"}),
            "name",
        ),
        (
            json!({"name": "x", "admin_email": "not an address"}),
            "admin_email",
        ),
    ] {
        let r = call(
            &f,
            Method::POST,
            "/api/v1/tenants",
            Some(&ops),
            Some(bad.clone()),
        )
        .await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{bad}: {}", r.text());
        assert!(r.text().contains(named), "{bad}: {}", r.text());
    }

    // Deleting globex ends its admin's session now; the operators' tenant
    // and unknown ids are refused.
    assert_eq!(
        call(&f, Method::GET, "/api/v1/scans", Some(&f.b_admin), None)
            .await
            .status,
        StatusCode::OK
    );
    let d = call(
        &f,
        Method::DELETE,
        &format!("/api/v1/tenants/{globex}"),
        Some(&ops),
        None,
    )
    .await;
    assert_eq!(d.status, StatusCode::NO_CONTENT, "{}", d.text());
    assert_eq!(
        call(&f, Method::GET, "/api/v1/scans", Some(&f.b_admin), None)
            .await
            .status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        sign_in(&f, "globex", "admin@globex.test", PASSWORD).await.0,
        StatusCode::UNAUTHORIZED
    );
    let twice = call(
        &f,
        Method::DELETE,
        &format!("/api/v1/tenants/{globex}"),
        Some(&ops),
        None,
    )
    .await;
    assert_eq!(twice.status, StatusCode::NOT_FOUND);
    let own = call(
        &f,
        Method::DELETE,
        &format!("/api/v1/tenants/{operators}"),
        Some(&ops),
        None,
    )
    .await;
    assert_eq!(own.status, StatusCode::CONFLICT);
    let after = call(&f, Method::GET, "/api/v1/tenants", Some(&ops), None)
        .await
        .json();
    let g = after
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["name"] == "globex")
        .unwrap();
    assert!(g["deleted_at"].is_string(), "kept until the purge: {g}");
    // Acme is untouched.
    assert_eq!(
        call(&f, Method::GET, "/api/v1/scans", Some(&f.a_admin), None)
            .await
            .status,
        StatusCode::OK
    );
    let log = call(&f, Method::GET, "/api/v1/audit-log", Some(&ops), None)
        .await
        .json();
    let actions: Vec<&str> = log
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert!(
        actions.contains(&"tenant.create") && actions.contains(&"tenant.delete"),
        "{actions:?}"
    );
}

#[tokio::test]
async fn schedules_are_checked_scoped_audited_and_queue_scans() {
    let f = fixture(false).await;
    let path = format!("/api/v1/connections/{}/schedule", f.a_conn);
    // None yet: 404.
    let r = call(&f, Method::GET, &path, Some(&f.a_client), None).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    // Bad bodies: 400 naming the field, nothing stored.
    for (body, names) in [
        (json!({"cron": "61 * * * *"}), "cron expression"),
        (json!({"cron": "* * * *"}), "cron expression"),
        (
            json!({"cron": "0 3 * * *", "time_zone": "Mars/Olympus"}),
            "time zone",
        ),
        (
            json!({"cron": "0 3 * * *", "time_zone": "../../etc/localtime"}),
            "time zone",
        ),
        (json!({"interval_seconds": 59}), "schedule interval"),
        (
            json!({"interval_seconds": 3600, "cron": "@daily"}),
            "give one, not both",
        ),
        (
            json!({"interval_seconds": 3600, "time_zone": "UTC"}),
            "time_zone",
        ),
        (json!({}), "give one of them"),
    ] {
        let r = call(&f, Method::PUT, &path, Some(&f.a_admin), Some(body.clone())).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{body}: {}", r.text());
        assert!(r.text().contains(names), "{body}: {}", r.text());
    }
    let r = call(
        &f,
        Method::PUT,
        &path,
        Some(&f.a_admin),
        Some(json!({"interval": 60})),
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
    let r = call(&f, Method::GET, &path, Some(&f.a_admin), None).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    // A client may not set one; another tenant's admin finds no connection.
    let daily = json!({"cron": "30 2 * * *", "time_zone": "Europe/Berlin"});
    let r = call(
        &f,
        Method::PUT,
        &path,
        Some(&f.a_client),
        Some(daily.clone()),
    )
    .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = call(
        &f,
        Method::PUT,
        &path,
        Some(&f.b_admin),
        Some(daily.clone()),
    )
    .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    // The admin sets it; everyone of the tenant reads it.
    let r = call(&f, Method::PUT, &path, Some(&f.a_admin), Some(daily)).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let set = r.json();
    assert_eq!(set["cron"], "30 2 * * *");
    assert_eq!(set["time_zone"], "Europe/Berlin");
    let next = time::OffsetDateTime::parse(
        set["next_run_at"].as_str().unwrap(),
        &time::format_description::well_known::Rfc3339,
    )
    .unwrap();
    // 02:30 in Berlin is 00:30 or 01:30 UTC.
    assert!(
        next.minute() == 30 && [0, 1].contains(&next.hour()),
        "{next}"
    );
    let r = call(&f, Method::GET, &path, Some(&f.a_client), None).await;
    assert_eq!(r.json(), set);
    let r = call(&f, Method::GET, &path, Some(&f.b_admin), None).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    // An interval replaces it; the scheduler queues its scan at the tick.
    let r = call(
        &f,
        Method::PUT,
        &path,
        Some(&f.a_admin),
        Some(json!({"interval_seconds": 60})),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(r.json()["interval_seconds"], 60);
    assert!(r.json()["cron"].is_null());
    let count = || async {
        call(&f, Method::GET, "/api/v1/scans", Some(&f.a_client), None)
            .await
            .json()
            .as_array()
            .unwrap()
            .len()
    };
    let before = count().await;
    // A worker's scheduler, a minute and a second later.
    let (store, runner) = Store::open(
        StoreConfig::new(f.url.clone()),
        cloudarq_store::testing::keyring_with(&[(1, f.master.clone())], 1),
    )
    .await
    .unwrap();
    let queued = store
        .enqueue_scheduled_scans(
            &runner,
            time::OffsetDateTime::now_utc() + time::Duration::seconds(61),
        )
        .await
        .unwrap();
    assert_eq!(queued.len(), 1);
    assert_eq!(count().await, before + 1);
    // Delete: a client may not; another tenant finds nothing; the admin
    // removes it once.
    let r = call(&f, Method::DELETE, &path, Some(&f.a_client), None).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = call(&f, Method::DELETE, &path, Some(&f.b_admin), None).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let r = call(&f, Method::DELETE, &path, Some(&f.a_admin), None).await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    let r = call(&f, Method::DELETE, &path, Some(&f.a_admin), None).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let log = call(&f, Method::GET, "/api/v1/audit-log", Some(&f.a_admin), None)
        .await
        .json();
    let actions: Vec<&str> = log
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["target"] == format!("connection:{}", f.a_conn).as_str())
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        actions.iter().filter(|a| **a == "schedule.set").count(),
        2,
        "{actions:?}"
    );
    assert!(actions.contains(&"schedule.delete"), "{actions:?}");
}

/// An organization connection over the API: settings checked by name and
/// read back, the management account's template served, and a stored
/// organization scan (as a worker stores it) shown with its members, gaps
/// and skipped accounts (names as typed), its member scans only under
/// it, and the roll-up as the connection's score; another tenant sees none
/// of it.
#[tokio::test]
async fn organization_connections_show_members_gaps_and_the_roll_up() {
    use cloudarq_model::organization::{
        AccountState, MemberAccount, MemberGap, Organization, SkipReason,
    };
    use cloudarq_store::organizations::OrganizationOutcome;
    let f = fixture(false).await;
    let body = json!({
        "name": "the organization",
        "account_id": "111111111111",
        "organization": {
            "member_role_name": "CloudArqMember",
            "exclude_accounts": ["444444444444"],
            "exclude_ous": ["ou-ab12-sandbox1"]
        }
    });
    let r = call(
        &f,
        Method::POST,
        "/api/v1/connections",
        Some(&f.a_admin),
        Some(body),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let created = r.json();
    let conn = created["connection"]["id"].as_str().unwrap().to_owned();
    assert_eq!(created["connection"]["kind"], "organization");
    assert_eq!(
        created["connection"]["organization"]["member_role_name"],
        "CloudArqMember"
    );
    assert_eq!(
        created["setup"]["template_path"],
        "/api/v1/connections/organization-template.yaml"
    );
    assert!(created["setup"]["quick_create_url"].is_null());
    let read = call(
        &f,
        Method::GET,
        &format!("/api/v1/connections/{conn}"),
        Some(&f.a_client),
        None,
    )
    .await
    .json();
    assert_eq!(
        read["organization"]["exclude_ous"],
        json!(["ou-ab12-sandbox1"])
    );
    assert_eq!(read["organization"]["include_accounts"], json!([]));
    let plain = call(
        &f,
        Method::GET,
        &format!("/api/v1/connections/{}", f.a_conn),
        Some(&f.a_client),
        None,
    )
    .await
    .json();
    assert_eq!(
        (plain["kind"].clone(), plain["organization"].clone()),
        (json!("account"), Value::Null)
    );

    // Bad settings: 400 naming the list, nothing stored.
    let count = || async {
        call(
            &f,
            Method::GET,
            "/api/v1/connections",
            Some(&f.a_admin),
            None,
        )
        .await
        .json()
        .as_array()
        .unwrap()
        .len()
    };
    let before = count().await;
    for (organization, named) in [
        (
            json!({"include_accounts": ["12345"]}),
            "organization.include_accounts",
        ),
        (json!({"exclude_ous": ["ou-<script>"]}), "exclude_ous"),
        (json!({"member_role_name": "a b"}), "member_role_name"),
    ] {
        let r = call(
            &f,
            Method::POST,
            "/api/v1/connections",
            Some(&f.a_admin),
            Some(json!({"name": "bad org", "account_id": "111111111111", "organization": organization})),
        )
        .await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.text());
        assert!(r.text().contains(named), "{named}: {}", r.text());
    }
    let unknown = call(
        &f,
        Method::POST,
        "/api/v1/connections",
        Some(&f.a_admin),
        Some(json!({"name": "bad org", "account_id": "111111111111", "organization": {"exclude": []}})),
    )
    .await;
    assert_eq!(
        unknown.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        unknown.text()
    );
    assert_eq!(count().await, before);

    // The management account's template: the generated one, admins only.
    let t = call(
        &f,
        Method::GET,
        "/api/v1/connections/organization-template.yaml",
        Some(&f.a_admin),
        None,
    )
    .await;
    assert_eq!(t.status, StatusCode::OK);
    assert_eq!(
        t.text(),
        cloudarq_core::organization::template::management()
    );
    let t = call(
        &f,
        Method::GET,
        "/api/v1/connections/organization-template.yaml",
        Some(&f.a_client),
        None,
    )
    .await;
    assert_eq!(t.status, StatusCode::FORBIDDEN);

    // An account scan has no members.
    let r = call(
        &f,
        Method::GET,
        &format!("/api/v1/scans/{}/members", f.a_scan),
        Some(&f.a_client),
        None,
    )
    .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.text());

    // A worker runs the organization scan: queued over the API, stored
    // beside the service.
    let queued = call(
        &f,
        Method::POST,
        &format!("/api/v1/connections/{conn}/scans"),
        Some(&f.a_admin),
        None,
    )
    .await
    .json();
    let scan = queued["id"].as_str().unwrap().to_owned();
    let (store, runner) = Store::open(
        StoreConfig::new(f.url.clone()),
        cloudarq_store::testing::keyring_with(&[(1, f.master.clone())], 1),
    )
    .await
    .unwrap();
    let now = OffsetDateTime::now_utc();
    let claim = store.claim_scan(&runner, "w", now).await.unwrap().unwrap();
    assert_eq!(claim.scan.0.to_string(), scan);
    let hostile = "bravo\u{202e}<script>alert(1)</script>";
    let account = |id: &str, name: &str, state| MemberAccount {
        id: id.parse().unwrap(),
        name: name.into(),
        state,
        ou_path: vec!["r-ab12".into()],
    };
    let demo = demo_result().await;
    let as_account = |id: &str| {
        let mut r = demo.clone();
        r.account_id = id.parse().unwrap();
        r
    };
    let members = [
        (
            account("111111111111", "management", AccountState::Active),
            as_account("111111111111"),
        ),
        (
            account("222222222222", hostile, AccountState::Active),
            as_account("222222222222"),
        ),
    ];
    let organization = Organization {
        id: "o-abc123def4".into(),
        management_account: "111111111111".parse().unwrap(),
        accounts: members.iter().map(|(a, _)| a.clone()).collect(),
    };
    let frameworks = cloudarq_rules::frameworks::frameworks().unwrap();
    let scores = cloudarq_core::organization::roll_up(
        &frameworks,
        &members.iter().map(|(_, r)| r).collect::<Vec<_>>(),
    );
    let gaps = [MemberGap {
        account: account("555555555555", "echo", AccountState::Active),
        role_arn: "arn:aws:iam::555555555555:role/CloudArqMember".into(),
        code: "AccessDenied".into(),
        message: "not authorized to perform sts:AssumeRole".into(),
    }];
    let skipped = [(
        account("666666666666", "foxtrot", AccountState::Suspended),
        SkipReason::NotActive(AccountState::Suspended),
    )];
    store
        .finish_organization_scan(
            &claim.scope,
            &claim.lease,
            &OrganizationOutcome {
                organization: &organization,
                members: members
                    .iter()
                    .map(|(a, r)| (a, r as &(dyn cloudarq_model::finding::ResultSource + Sync)))
                    .collect(),
                gaps: &gaps,
                skipped: &skipped,
                scores: &scores,
            },
            cloudarq_store::scans::ScanTimes {
                started_at: now,
                finished_at: now,
            },
        )
        .await
        .unwrap();

    let path = format!("/api/v1/scans/{scan}/members");
    let r = call(&f, Method::GET, &path, Some(&f.a_client), None).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    // JSON carries the name as typed (a renderer escapes it for its medium).

    let m = r.json();
    assert_eq!(m["organization_id"], "o-abc123def4");
    let listed = m["members"].as_array().unwrap();
    assert_eq!(listed.len(), 2);
    assert_eq!(listed[1]["name"], hostile);
    assert_eq!(listed[1]["scan"]["parent_scan_id"], scan.as_str());
    assert_eq!(listed[1]["scan"]["findings"], demo.findings.len());
    assert_eq!(m["gaps"][0]["account_id"], "555555555555");
    assert_eq!(m["gaps"][0]["code"], "AccessDenied");
    assert_eq!(m["skipped"][0]["reason"], "not active (SUSPENDED)");
    let child = listed[0]["scan"]["id"].as_str().unwrap().to_owned();
    // A member's findings are the member scan's.
    let r = call(
        &f,
        Method::GET,
        &format!("/api/v1/scans/{child}/findings?limit=5"),
        Some(&f.a_client),
        None,
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    // The tenant's scans: the organization's, not its members'.
    let all = call(&f, Method::GET, "/api/v1/scans", Some(&f.a_client), None)
        .await
        .json();
    let ids: Vec<&str> = all
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["id"].as_str().unwrap())
        .collect();
    assert!(
        ids.contains(&scan.as_str()) && !ids.contains(&child.as_str()),
        "{ids:?}"
    );
    // The connection's score: the roll-up.
    let cis = &scores[0];
    let r = call(
        &f,
        Method::GET,
        &format!(
            "/api/v1/connections/{conn}/scores?framework={}",
            cis.framework
        ),
        Some(&f.a_client),
        None,
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let points = r.json();
    assert_eq!(points.as_array().unwrap().len(), 1, "{points}");
    assert_eq!(points[0]["scan_id"], scan.as_str());
    assert_eq!(points[0]["passed"], cis.total.passed);
    assert_eq!(points[0]["failed"], cis.total.failed);
    // Another tenant: nothing.
    for p in [path.clone(), format!("/api/v1/scans/{child}")] {
        let r = call(&f, Method::GET, &p, Some(&f.b_admin), None).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{p}");
    }
}
