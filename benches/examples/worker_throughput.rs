//! Scan workers' throughput (issue 12): scans per minute of the demo
//! account (moto, seeded as `cloudarq-core/tests/moto/demo.rs` seeds it, two
//! regions, through the fault proxy with no fault set) with 1, 2 and 4
//! workers sharing one throwaway PostgreSQL, each worker running one scan
//! at a time, as `cloudarq worker` processes would (one store each).
//!
//! ```sh
//! cargo run --release -p cloudarq-benches --example worker_throughput $CFG -- 8
//! ```
//!
//! The argument is the number of scans per worker count (default 8,
//! at most 200). Needs `moto_server` on PATH and PostgreSQL's server
//! binaries (`./scripts/test.sh` installs both).

#![allow(
    dead_code,
    unused_imports,
    reason = "the moto harness serves several test modules; its tests are not built here"
)]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a benchmark fails loudly"
)]

#[path = "../../cloudarq-core/tests/moto/loopback.rs"]
mod loopback;

#[path = "../../cloudarq-core/tests/moto/harness.rs"]
mod harness;

#[path = "../../cloudarq-core/tests/moto/kms.rs"]
mod kms;

// The demo's front door (load balancers, a REST API, distributions) is
// seeded with these modules' helpers; their tests are not built here.
#[path = "../../cloudarq-core/tests/moto/elbv2.rs"]
#[allow(
    dead_code,
    unused_imports,
    reason = "only the seeding helpers are used"
)]
mod elbv2;

#[path = "../../cloudarq-core/tests/moto/apigateway.rs"]
#[allow(
    dead_code,
    unused_imports,
    reason = "only the seeding helpers are used"
)]
mod apigateway;

#[path = "../../cloudarq-core/tests/moto/cloudfront.rs"]
#[allow(
    dead_code,
    unused_imports,
    reason = "only the seeding helpers are used"
)]
mod cloudfront;

#[path = "../../cloudarq-core/tests/moto/demo.rs"]
mod demo;

use std::sync::Arc;
use std::time::{Duration, Instant};

use cloudarq_benches::cpu_seconds;
use cloudarq_model::{ExternalId, Region, RoleArn, StaticKeys};
use cloudarq_server::worker::{AwsBase, Worker, WorkerSettings};
use cloudarq_store::connections::NewConnection;
use cloudarq_store::scans::ScanStatus;
use cloudarq_store::testing::PgCluster;
use cloudarq_store::{Keyring, Store, StoreConfig};
use time::OffsetDateTime;

fn moto_keys() -> AwsBase {
    Arc::new(|| {
        cloudarq_core::CredentialSource::Static(StaticKeys::new(
            "AKIAMOTOTESTKEY00001".to_owned().into(),
            "moto-test-secret-key".to_owned().into(),
        ))
    })
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> anyhow::Result<()> {
    let scans: usize = std::env::args()
        .nth(1)
        .map(|a| a.parse())
        .transpose()?
        .unwrap_or(8)
        .clamp(1, 200);
    let env = harness::Env::start().await;
    env.correct_moto_versioning();
    demo::seed_demo(&env).await;
    let endpoint = env.proxy.url();
    let regions: Vec<Region> = [harness::R1, harness::R2]
        .iter()
        .map(|r| r.parse().unwrap())
        .collect();
    let pg = PgCluster::start().map_err(anyhow::Error::msg)?;
    let dir = tempfile::tempdir()?;
    let moto = env.moto.pid().to_string();
    println!(
        "workers  scans  seconds  scans/min  s/scan  worker CPU s/scan  moto CPU s/scan  findings/scan"
    );
    for workers in [1usize, 2, 4] {
        let url = pg
            .create_db(&format!("throughput{workers}"))
            .await
            .map_err(anyhow::Error::msg)?;
        let keyring = dir.path().join(format!("keyring{workers}.toml"));
        Keyring::create_file(&keyring)?;
        let open = || async {
            Store::open(
                StoreConfig::new(url.clone()).scan_lease(time::Duration::seconds(60)),
                Keyring::load_file(&keyring).unwrap(),
            )
            .await
            .unwrap()
        };
        let (store, runner) = open().await;
        let now = OffsetDateTime::now_utc();
        let tenant = store.create_tenant(&runner, "acme", now).await?;
        let scope = runner.scope(tenant);
        let conn = store
            .create_connection(
                &scope,
                NewConnection {
                    name: "demo".into(),
                    account_id: Some("123456789012".parse()?),
                    role_arn: Some(
                        "arn:aws:iam::123456789012:role/CloudArqAudit".parse::<RoleArn>()?,
                    ),
                    external_id: Some(ExternalId::new(
                        "cloudarq-throughput-external-id-0001".into(),
                    )?),
                    static_keys: None,
                },
                now,
            )
            .await?;
        let mut queued = Vec::new();
        for _ in 0..scans {
            queued.push(store.queue_scan(&scope, conn, now).await?);
        }
        let (stop_tx, _) = tokio::sync::broadcast::channel::<()>(1);
        let cpu = cpu_seconds("self");
        let moto_cpu = cpu_seconds(&moto);
        let started = Instant::now();
        let mut handles = Vec::new();
        for w in 0..workers {
            let (s, r) = open().await;
            let worker = Worker::new(
                Arc::new(s),
                r,
                WorkerSettings {
                    id: format!("w{w}"),
                    concurrency: 1,
                    poll: Duration::from_millis(100),
                    shutdown_grace: Duration::from_secs(1),
                    regions: regions.clone(),
                    aws_endpoint_url: Some(endpoint.clone()),
                    maintenance: None,
                },
                moto_keys(),
            );
            let mut stop = stop_tx.subscribe();
            handles.push(tokio::spawn(async move {
                worker
                    .run(async move {
                        let _ = stop.recv().await;
                    })
                    .await
            }));
        }
        let mut findings = 0;
        for id in &queued {
            loop {
                let s = store.scan(&scope, *id).await?.expect("queued scan");
                match s.status {
                    ScanStatus::Succeeded => {
                        findings += s.findings;
                        break;
                    }
                    ScanStatus::Queued | ScanStatus::Running => {
                        tokio::time::sleep(Duration::from_millis(50)).await;
                    }
                    other => anyhow::bail!("scan {id} ended {other:?}: {:?}", s.error),
                }
            }
        }
        let seconds = started.elapsed().as_secs_f64();
        let cpu = cpu_seconds("self") - cpu;
        let moto_cpu = cpu_seconds(&moto) - moto_cpu;
        stop_tx.send(()).ok();
        for h in handles {
            h.await?;
        }
        println!(
            "{workers:>7}  {scans:>5}  {seconds:>7.1}  {:>9.1}  {:>6.2}  {:>17.2}  {:>15.2}  {:>13}",
            scans as f64 * 60.0 / seconds,
            seconds / scans as f64,
            cpu / scans as f64,
            moto_cpu / scans as f64,
            findings / scans as u64,
        );
    }
    Ok(())
}
