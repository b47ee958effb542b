//! API load: the hosted service's findings page under load, on PostgreSQL,
//! over loopback HTTP (issue 11's benchmark).
//!
//! Fills a throwaway PostgreSQL cluster with one tenant holding N findings
//! (scans of 100,000, recorded as the CLI and workers do, details
//! encrypted), starts the service's router on 127.0.0.1 (plain HTTP, as
//! behind a proxy: TLS cost is the proxy's), signs a client in (the role
//! that reads findings; an admin would need a second factor first), and for
//! D seconds has C client tasks fetch pages of 100 findings of the latest
//! scan, authenticated (token and session checked per request), walking
//! the keyset cursor 10 pages deep and starting over. Prints requests per
//! second and p50/p90/p99 latency, then the cost of a sign-in (Argon2id):
//! sequential latency and concurrent throughput.
//!
//! ```sh
//! cargo run --release -p cloudarq-benches --example api_load -- 1000000 --clients 8 --seconds 20
//! ```
//!
//! Loopback only; bounded by `--seconds`. The keyring is a fixed benchmark
//! key and protects nothing.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "benchmark set-up fails loudly"
)]

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use cloudarq_benches::store_fixture::demo_result;
use cloudarq_server::service::auth::Authority;
use cloudarq_server::service::config::ServiceConfig;
use cloudarq_server::service::password::Passwords;
use cloudarq_server::service::tokens::{self, Tokens};
use cloudarq_server::service::{AppState, app};
use cloudarq_store::connections::NewConnection;
use cloudarq_store::crypto::SecretKey;
use cloudarq_store::scans::ScanTimes;
use cloudarq_store::testing::{PgCluster, keyring_with};
use cloudarq_store::users::Role;
use cloudarq_store::{Store, StoreConfig};
use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use time::OffsetDateTime;

const PASSWORD: &str = "violet tundra ladder 42";

fn arg(name: &str, default: u64) -> u64 {
    let a: Vec<String> = std::env::args().collect();
    a.iter()
        .position(|x| x == name)
        .and_then(|i| a.get(i + 1))
        .map(|v| v.parse().expect("a number"))
        .unwrap_or(default)
}

type Client = hyper_util::client::legacy::Client<
    hyper_util::client::legacy::connect::HttpConnector,
    Full<Bytes>,
>;

async fn request(client: &Client, req: hyper::Request<Full<Bytes>>) -> (u16, Bytes) {
    let res = client.request(req).await.unwrap();
    let status = res.status().as_u16();
    (status, res.into_body().collect().await.unwrap().to_bytes())
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

#[tokio::main]
async fn main() {
    let n: usize = std::env::args()
        .nth(1)
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000_000);
    let clients = arg("--clients", 8) as usize;
    let seconds = arg("--seconds", 20);
    let pg = PgCluster::start().unwrap();
    let url = pg.create_db("api").await.unwrap();
    let keyring = keyring_with(&[(1, SecretKey::from_slice(&[0x5a; 32]).unwrap())], 1);
    let (store, runner) = Store::open(StoreConfig::new(url.clone()), keyring)
        .await
        .unwrap();
    let now = OffsetDateTime::now_utc();
    let tenant = store.create_tenant(&runner, "acme", now).await.unwrap();
    let scope = runner.scope(tenant);
    let passwords = Passwords::new().unwrap();
    let hash = passwords.hash(&PASSWORD.to_owned().into()).await.unwrap();
    store
        .create_user(
            &scope,
            "reader@acme.test",
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
    let per_scan = 100_000.min(n);
    let result = demo_result(per_scan);
    let mut written = 0;
    let mut last = None;
    let t0 = Instant::now();
    while written < n {
        last = Some(
            store
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
                .unwrap(),
        );
        written += per_scan;
    }
    eprintln!(
        "stored {written} findings in {:.1} s",
        t0.elapsed().as_secs_f64()
    );
    pg.psql("api", "ANALYZE").unwrap();
    let scan = last.unwrap().0;

    let dir = tempfile::tempdir().unwrap();
    let keys = dir.path().join("keys.toml");
    tokens::keygen(&keys, now).unwrap();
    let config = ServiceConfig::from_toml_and_env(
        &format!(
            "issuer = \"https://bench.test\"\nbehind_proxy = true\nsigning_keys_file = \"{}\"\n\
             [rate_limits]\nsign_in_per_address = [10000, 1]\nsign_in_per_account_and_address = [10000, 1]\nsign_in_per_account = [10000, 1]\n",
            keys.display()
        ),
        |k| (k == "CLOUDARQ_DATABASE_URL").then(|| url.clone()),
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
    let state = AppState::new(store, Authority::new(runner), tokens, passwords, &config);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        axum::serve(
            listener,
            app(state).into_make_service_with_connect_info::<SocketAddr>(),
        )
        .await
        .unwrap();
    });

    let client: Client =
        hyper_util::client::legacy::Client::builder(hyper_util::rt::TokioExecutor::new())
            .build_http();
    let sign_in = move || {
        hyper::Request::post(format!("http://{addr}/api/v1/session"))
            .header("content-type", "application/json")
            .body(Full::new(Bytes::from(format!(
                r#"{{"tenant":"acme","email":"reader@acme.test","password":"{PASSWORD}"}}"#
            ))))
            .unwrap()
    };
    let (status, body) = request(&client, sign_in()).await;
    assert_eq!(status, 201);
    let token: String = serde_json::from_slice::<serde_json::Value>(&body).unwrap()["access_token"]
        .as_str()
        .unwrap()
        .to_owned();

    // Findings pages under load.
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let mut tasks = Vec::new();
    for _ in 0..clients {
        let client = client.clone();
        let token = token.clone();
        tasks.push(tokio::spawn(async move {
            let mut lat = Vec::new();
            let mut cursor: Option<String> = None;
            let mut depth = 0;
            while Instant::now() < deadline {
                let q = match &cursor {
                    Some(c) => format!("?limit=100&after={c}"),
                    None => "?limit=100".into(),
                };
                let req =
                    hyper::Request::get(format!("http://{addr}/api/v1/scans/{scan}/findings{q}"))
                        .header("authorization", format!("Bearer {token}"))
                        .body(Full::new(Bytes::new()))
                        .unwrap();
                let t = Instant::now();
                let (status, body) = request(&client, req).await;
                lat.push(t.elapsed());
                assert_eq!(status, 200, "{}", String::from_utf8_lossy(&body));
                let page: serde_json::Value = serde_json::from_slice(&body).unwrap();
                assert_eq!(page["findings"].as_array().unwrap().len(), 100);
                depth += 1;
                cursor = if depth % 10 == 0 {
                    None
                } else {
                    page["next"].as_str().map(str::to_owned)
                };
            }
            lat
        }));
    }
    let mut lat = Vec::new();
    for t in tasks {
        lat.extend(t.await.unwrap());
    }
    lat.sort();
    println!(
        "findings page of 100 (tenant with {written} findings, PostgreSQL, {clients} clients, {seconds} s): {} requests, {:.0} req/s, p50 {:.1} ms, p90 {:.1} ms, p99 {:.1} ms",
        lat.len(),
        lat.len() as f64 / seconds as f64,
        percentile(&lat, 0.50).as_secs_f64() * 1e3,
        percentile(&lat, 0.90).as_secs_f64() * 1e3,
        percentile(&lat, 0.99).as_secs_f64() * 1e3,
    );

    // Sign-in cost: sequential latency, then 4 concurrent clients.
    let mut seq = Vec::new();
    for _ in 0..20 {
        let t = Instant::now();
        assert_eq!(request(&client, sign_in()).await.0, 201);
        seq.push(t.elapsed());
    }
    seq.sort();
    let t = Instant::now();
    let par = futures_join(&client, sign_in, 40).await;
    println!(
        "sign-in (Argon2id m=19456 t=2 p=1): sequential p50 {:.1} ms, p99 {:.1} ms; 40 by 4 concurrent clients: {:.1} sign-ins/s",
        percentile(&seq, 0.5).as_secs_f64() * 1e3,
        percentile(&seq, 0.99).as_secs_f64() * 1e3,
        par as f64 / t.elapsed().as_secs_f64()
    );
}

async fn futures_join(
    client: &Client,
    make: impl Fn() -> hyper::Request<Full<Bytes>> + Copy + Send + 'static,
    total: usize,
) -> usize {
    let mut tasks = Vec::new();
    for _ in 0..4 {
        let client = client.clone();
        tasks.push(tokio::spawn(async move {
            let mut ok = 0;
            for _ in 0..total / 4 {
                if request(&client, make()).await.0 == 201 {
                    ok += 1;
                }
            }
            ok
        }));
    }
    let mut ok = 0;
    for t in tasks {
        ok += t.await.unwrap();
    }
    ok
}
