//! Store scale: fills a store with N findings, in scans of 100,000 (each
//! recorded like `store_write/record_scan_100k_findings`, details
//! encrypted), printing the write rate of each scan, then times the findings
//! page queries of `benches/store.rs` (`store_query`) on the latest scan:
//! a page of 50 filtered by severity and status, a page of 50 filtered by
//! text, and the next page by keyset cursor. Prints min, median and max.
//!
//! ```sh
//! cargo run --release -p cloudarq-benches --example store_scale -- sqlite 10000000
//! cargo run --release -p cloudarq-benches --example store_scale -- postgres 10000000
//! ```
//!
//! Options (after the backend and N):
//! - `--db PATH|URL`: keep the store: a SQLite file, or a PostgreSQL URL of
//!   an existing database (default: a temporary SQLite file, or a throwaway
//!   PostgreSQL cluster, removed at the end). Scans already in it count
//!   towards N, so a second run tops the store up.
//! - `--time-only`: write nothing, only time the queries (with `--db`).
//! - `--rounds R`: timed runs of each query (default 30).
//! - `--scan-size S`: findings per scan (default 100,000).
//!
//! The store's keyring is a fixed benchmark key, so a kept store can be
//! opened again; it protects nothing.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "benchmark set-up fails loudly"
)]

use std::time::{Duration, Instant};

use cloudarq_benches::store_fixture::demo_result;
use cloudarq_model::rule::{Severity, Status};
use cloudarq_store::connections::NewConnection;
use cloudarq_store::crypto::SecretKey;
use cloudarq_store::findings::FindingFilter;
use cloudarq_store::scans::ScanTimes;
use cloudarq_store::testing::{PgCluster, keyring_with};
use cloudarq_store::{Keyring, Store};
use time::OffsetDateTime;

struct Args {
    backend: String,
    total: u64,
    db: Option<String>,
    time_only: bool,
    rounds: usize,
    scan_size: usize,
}

fn usage() -> ! {
    eprintln!(
        "usage: store_scale sqlite|postgres N [--db PATH|URL] [--time-only] [--rounds R] [--scan-size S]"
    );
    std::process::exit(2)
}

fn args() -> Args {
    let mut it = std::env::args().skip(1);
    let backend = it.next().unwrap_or_else(|| usage());
    if backend != "sqlite" && backend != "postgres" {
        usage();
    }
    let total = it
        .next()
        .and_then(|n| n.replace('_', "").parse().ok())
        .unwrap_or_else(|| usage());
    let mut a = Args {
        backend,
        total,
        db: None,
        time_only: false,
        rounds: 30,
        scan_size: 100_000,
    };
    while let Some(flag) = it.next() {
        match flag.as_str() {
            "--db" => a.db = Some(it.next().unwrap_or_else(|| usage())),
            "--time-only" => a.time_only = true,
            "--rounds" => {
                a.rounds = it
                    .next()
                    .and_then(|n| n.parse().ok())
                    .unwrap_or_else(|| usage())
            }
            "--scan-size" => {
                a.scan_size = it
                    .next()
                    .and_then(|n| n.replace('_', "").parse().ok())
                    .unwrap_or_else(|| usage())
            }
            _ => usage(),
        }
    }
    if a.time_only && a.db.is_none() {
        eprintln!("--time-only needs --db");
        usage();
    }
    a
}

fn keyring() -> Keyring {
    keyring_with(&[(1, SecretKey::from_slice(&[0x5a; 32]).unwrap())], 1)
}

fn times() -> ScanTimes {
    let now = OffsetDateTime::now_utc();
    ScanTimes {
        started_at: now,
        finished_at: now,
    }
}

fn stats(mut v: Vec<Duration>) -> String {
    v.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    format!(
        "median {:8.2} ms  (min {:.2}, max {:.2}, {} runs)",
        ms(v[v.len() / 2]),
        ms(v[0]),
        ms(v[v.len() - 1]),
        v.len()
    )
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let a = args();
    let mut _cluster = None;
    let mut _dir = None;
    let url = match (&a.db, a.backend.as_str()) {
        (Some(db), "sqlite") if !db.starts_with("sqlite:") => format!("sqlite://{db}"),
        (Some(db), _) => db.clone(),
        (None, "sqlite") => {
            let dir = tempfile::tempdir().unwrap();
            let url = format!("sqlite://{}", dir.path().join("scale.db").display());
            _dir = Some(dir);
            url
        }
        (None, _) => {
            let pg = PgCluster::start().unwrap();
            let url = pg.create_db("scale").await.unwrap();
            _cluster = Some(pg);
            url
        }
    };
    let (store, runner) = Store::open(&url, keyring()).await.unwrap();
    let now = OffsetDateTime::now_utc();
    let tenant = match store.tenant_by_name(&runner, "scale").await.unwrap() {
        Some(t) => t,
        None => store.create_tenant(&runner, "scale", now).await.unwrap(),
    };
    let scope = runner.scope(tenant);
    let conn = match store.connection_by_name(&scope, "prod").await.unwrap() {
        Some(c) => c.id,
        None => store
            .create_connection(
                &scope,
                NewConnection {
                    name: "prod".into(),
                    account_id: Some("123456789012".parse().unwrap()),
                    role_arn: None,
                    external_id: None,
                    static_keys: None,
                },
                now,
            )
            .await
            .unwrap(),
    };
    let stored: u64 = store
        .scans(&scope, Some(conn))
        .await
        .unwrap()
        .iter()
        .map(|s| s.findings)
        .sum();
    println!("{} store, {stored} findings stored", a.backend);

    if !a.time_only && stored < a.total {
        let full = demo_result(a.scan_size);
        let (mut written, start) = (stored, Instant::now());
        while written < a.total {
            let left = usize::try_from(a.total - written).unwrap_or(usize::MAX);
            let mut partial;
            let r = if left < a.scan_size {
                partial = full.clone();
                partial.findings.truncate(left);
                &partial
            } else {
                &full
            };
            let t = Instant::now();
            store.record_scan(&scope, conn, r, times()).await.unwrap();
            let took = t.elapsed();
            written += r.findings.len() as u64;
            println!(
                "recorded {:>7} findings in {:6.2} s ({:6.1} K findings/s); {written:>9} stored",
                r.findings.len(),
                took.as_secs_f64(),
                r.findings.len() as f64 / took.as_secs_f64() / 1e3,
            );
        }
        let took = start.elapsed().as_secs_f64();
        println!(
            "filled to {written} findings in {took:.1} s ({:.1} K findings/s)",
            (written - stored) as f64 / took / 1e3
        );
    }

    let scans = store.scans(&scope, Some(conn)).await.unwrap();
    let latest = scans.first().expect("a scan is stored");
    let total: u64 = scans.iter().map(|s| s.findings).sum();
    println!(
        "timing the latest scan ({} findings) of {} scans, {total} findings",
        latest.findings,
        scans.len()
    );
    let high_fail = FindingFilter {
        severity: Some(Severity::High),
        status: Some(Status::Fail),
        ..Default::default()
    };
    let text = FindingFilter {
        text: Some("bucket-0042".into()),
        ..Default::default()
    };
    let first = store
        .findings_page(&scope, latest.id, &high_fail, None, 50)
        .await
        .unwrap();
    let cursor = first.next;
    for (name, filter, after) in [
        ("findings_page_50_high_fail", &high_fail, None),
        ("findings_page_50_text", &text, None),
        ("findings_page_50_next", &high_fail, cursor),
    ] {
        // One warm-up run, then the timed ones.
        let page = store
            .findings_page(&scope, latest.id, filter, after, 50)
            .await
            .unwrap();
        assert!(!page.findings.is_empty(), "{name}: an empty page");
        let mut runs = Vec::with_capacity(a.rounds);
        for _ in 0..a.rounds.max(1) {
            let t = Instant::now();
            let page = store
                .findings_page(&scope, latest.id, filter, after, 50)
                .await
                .unwrap();
            runs.push(t.elapsed());
            std::hint::black_box(page);
        }
        println!("{name:<28} {}", stats(runs));
    }
    store.close().await;
}
