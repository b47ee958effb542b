//! Store throughput on SQLite and PostgreSQL: findings written per second when
//! recording a 10,000- and a 100,000-finding scan (details encrypted), and a
//! filtered, paged findings query against a store holding several hundred
//! thousand findings. `examples/store_scale.rs` times the same page queries
//! with millions of findings stored. The `queue` group times the scan
//! queue's overhead per job (issue 12): queue, claim (a worker's
//! `claim_scan`) and finish with a result of no findings, one job per
//! iteration, run alone with `cargo bench -p cloudarq-benches --bench store -- queue`.
//!
//! ```sh
//! cargo bench -p cloudarq-benches --bench store
//! ```
//!
//! PostgreSQL runs in a throwaway cluster (initdb + pg_ctl in a temp dir, on a
//! free loopback port, fsync off); without PostgreSQL binaries only SQLite is
//! measured.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "benchmark set-up fails loudly"
)]

use std::time::Duration;

use cloudarq_benches::store_fixture::demo_result;
use cloudarq_model::rule::{Severity, Status};
use cloudarq_store::connections::{ConnectionId, NewConnection};
use cloudarq_store::findings::FindingFilter;
use cloudarq_store::scans::{ScanId, ScanTimes};
use cloudarq_store::testing::{PgCluster, memory_keyring};
use cloudarq_store::{JobRunner, Store, TenantScope};
use criterion::{BenchmarkId, Criterion, SamplingMode, Throughput, criterion_main};
use time::OffsetDateTime;

const FINDINGS: usize = 10_000;
const FINDINGS_100K: usize = 100_000;

struct Target {
    name: &'static str,
    store: Store,
    runner: JobRunner,
    scope: TenantScope,
    conn: ConnectionId,
    _keep: (Option<PgCluster>, tempfile::TempDir),
}

fn times() -> ScanTimes {
    let now = OffsetDateTime::now_utc();
    ScanTimes {
        started_at: now,
        finished_at: now,
    }
}

async fn target(
    name: &'static str,
    url: String,
    keep: (Option<PgCluster>, tempfile::TempDir),
) -> Target {
    let (store, runner) = Store::open(&url, memory_keyring()).await.unwrap();
    let scope = runner.scope(
        store
            .create_tenant(&runner, "bench", OffsetDateTime::now_utc())
            .await
            .unwrap(),
    );
    let conn = store
        .create_connection(
            &scope,
            NewConnection {
                name: "prod".into(),
                account_id: Some("123456789012".parse().expect("a valid account id")),
                role_arn: None,
                external_id: None,
                static_keys: None,
            },
            OffsetDateTime::now_utc(),
        )
        .await
        .unwrap();
    Target {
        name,
        store,
        runner,
        scope,
        conn,
        _keep: keep,
    }
}

async fn targets() -> Vec<Target> {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("bench.db").display());
    let mut out = vec![target("sqlite", url, (None, dir)).await];
    match PgCluster::start() {
        Ok(pg) => {
            let url = pg.create_db("bench").await.unwrap();
            out.push(target("postgres", url, (Some(pg), tempfile::tempdir().unwrap())).await);
        }
        Err(e) => eprintln!("PostgreSQL skipped: {e}"),
    }
    out
}

fn store(c: &mut Criterion) {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let targets = rt.block_on(targets());
    let big = demo_result(FINDINGS);
    let huge = demo_result(FINDINGS_100K);

    let mut write = c.benchmark_group("store_write");
    write
        .sample_size(10)
        .measurement_time(Duration::from_secs(20));
    write.throughput(Throughput::Elements(FINDINGS as u64));
    for t in &targets {
        write.bench_function(BenchmarkId::new("record_scan_10k_findings", t.name), |b| {
            b.iter(|| {
                rt.block_on(t.store.record_scan(&t.scope, t.conn, &big, times()))
                    .unwrap()
            })
        });
    }
    // Ten one-at-a-time samples: a few seconds each, bounded.
    write.sampling_mode(SamplingMode::Flat);
    write.throughput(Throughput::Elements(FINDINGS_100K as u64));
    for t in &targets {
        write.bench_function(BenchmarkId::new("record_scan_100k_findings", t.name), |b| {
            b.iter(|| {
                rt.block_on(t.store.record_scan(&t.scope, t.conn, &huge, times()))
                    .unwrap()
            })
        });
    }
    write.finish();
    drop(huge);

    // Ten scans of 10k findings each, then page through the latest.
    let mut latest: Vec<ScanId> = Vec::new();
    for t in &targets {
        let mut last = None;
        for _ in 0..10 {
            last = Some(
                rt.block_on(t.store.record_scan(&t.scope, t.conn, &big, times()))
                    .unwrap(),
            );
        }
        latest.push(last.unwrap());
    }
    let filters = [
        (
            "high_fail",
            FindingFilter {
                severity: Some(Severity::High),
                status: Some(Status::Fail),
                ..Default::default()
            },
        ),
        (
            "text",
            FindingFilter {
                text: Some("bucket-0042".into()),
                ..Default::default()
            },
        ),
    ];
    let mut query = c.benchmark_group("store_query");
    query.sample_size(20);
    for (t, scan) in targets.iter().zip(&latest) {
        for (fname, filter) in &filters {
            query.bench_function(
                BenchmarkId::new(format!("findings_page_50_{fname}"), t.name),
                |b| {
                    b.iter(|| {
                        let page = rt
                            .block_on(t.store.findings_page(&t.scope, *scan, filter, None, 50))
                            .unwrap();
                        assert!(!page.findings.is_empty());
                        page
                    })
                },
            );
        }
        // The second page, by cursor (keyset, not offset).
        let first = rt
            .block_on(
                t.store
                    .findings_page(&t.scope, *scan, &filters[0].1, None, 50),
            )
            .unwrap();
        let cursor = first.next;
        query.bench_function(BenchmarkId::new("findings_page_50_next", t.name), |b| {
            b.iter(|| {
                rt.block_on(
                    t.store
                        .findings_page(&t.scope, *scan, &filters[0].1, cursor, 50),
                )
                .unwrap()
            })
        });
    }
    query.finish();

    // The queue's own cost per job: no findings, so what is timed is the
    // queue insert, the claim (`FOR UPDATE SKIP LOCKED` on PostgreSQL)
    // and the fenced finish, each its own transaction.
    let mut empty = demo_result(0);
    empty.scores.clear();
    let mut queue = c.benchmark_group("queue");
    queue.sample_size(20);
    queue.throughput(Throughput::Elements(1));
    for t in &targets {
        queue.bench_function(BenchmarkId::new("queue_claim_finish", t.name), |b| {
            b.iter(|| {
                rt.block_on(async {
                    let now = OffsetDateTime::now_utc();
                    let scan = t.store.queue_scan(&t.scope, t.conn, now).await.unwrap();
                    let claim = t
                        .store
                        .claim_scan(&t.runner, "bench", now)
                        .await
                        .unwrap()
                        .unwrap();
                    assert_eq!(claim.scan, scan);
                    t.store
                        .finish_scan(&claim.scope, &claim.lease, &empty, times())
                        .await
                        .unwrap();
                })
            })
        });
    }
    queue.finish();
}

/// Holds the group `criterion_group!` generates, so it is not a public item.
mod group {
    criterion::criterion_group!(benches, super::store);
}
criterion_main!(group::benches);
