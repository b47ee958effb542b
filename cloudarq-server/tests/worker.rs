//! Scan workers (issue 12, the part that runs queued scans) against a
//! throwaway PostgreSQL and moto: several workers over one database store
//! every queued scan exactly once; a cancelled scan stores nothing; a
//! worker killed with SIGKILL in the middle of a scan is taken over after
//! its lease by another worker, which completes it; SIGTERM gives a running
//! scan back to the queue without counting the attempt.
//!
//! A worker that must stay in the middle of a scan is pointed at the fault
//! proxy in front of moto with IAM and EC2 answers held back: the role is
//! assumed, and the scan is running (its heartbeat renews the lease) for as
//! long as the test needs, without a timed race.

#![allow(clippy::unwrap_used, reason = "test helpers fail loudly")]

/// moto and the fault proxy, as the collectors' tests run them.
#[allow(dead_code, reason = "part of the harness is for the collectors' tests")]
#[path = "../../cloudarq-core/tests/moto/loopback.rs"]
mod loopback;

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use cloudarq_model::{ExternalId, Region, RoleArn, StaticKeys};
use cloudarq_server::worker::{AwsBase, MaintenanceSettings, Outcome, Worker, WorkerSettings};
use cloudarq_store::connections::{ConnectionId, NewConnection};
use cloudarq_store::scans::{ScanId, ScanStatus, ScanSummary};
use cloudarq_store::testing::PgCluster;
use cloudarq_store::{JobRunner, Keyring, Store, StoreConfig, TenantScope};
use loopback::{Moto, Proxy};
use time::OffsetDateTime;

const LEASE_SECS: i64 = 5;

/// A database with one tenant and one connection whose role moto lets any
/// caller assume.
struct Bed {
    _pg: PgCluster,
    dir: tempfile::TempDir,
    url: String,
    store: Arc<Store>,
    runner: Option<JobRunner>,
    scope: TenantScope,
    conn: ConnectionId,
}

impl Bed {
    fn keyring_file(&self) -> PathBuf {
        self.dir.path().join("keyring.toml")
    }

    /// Another store over the same database (another worker process).
    async fn open(&self) -> (Store, JobRunner) {
        open(&self.url, &self.keyring_file()).await
    }

    async fn queue(&self, n: usize) -> Vec<ScanId> {
        let mut out = Vec::new();
        for _ in 0..n {
            out.push(
                self.store
                    .queue_scan(&self.scope, self.conn, OffsetDateTime::now_utc())
                    .await
                    .unwrap(),
            );
        }
        out
    }

    /// A worker with settings `s` in this process, with its own store; it
    /// stops when the sender is used or dropped.
    async fn in_process(
        &self,
        s: WorkerSettings,
    ) -> (
        tokio::sync::oneshot::Sender<()>,
        tokio::task::JoinHandle<Vec<Outcome>>,
    ) {
        let (store, runner) = self.open().await;
        let worker = Worker::new(Arc::new(store), runner, s, moto_keys());
        let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
        let handle = tokio::spawn(worker.run(async move {
            let _ = stop_rx.await;
        }));
        (stop_tx, handle)
    }

    async fn scan(&self, id: ScanId) -> ScanSummary {
        self.store.scan(&self.scope, id).await.unwrap().unwrap()
    }

    /// Waits until `done` holds for scan `id` (at most `secs` seconds).
    async fn wait_for(&self, id: ScanId, secs: u64, done: impl Fn(&ScanSummary) -> bool) {
        let deadline = Instant::now() + Duration::from_secs(secs);
        loop {
            let s = self.scan(id).await;
            if done(&s) {
                return;
            }
            assert!(Instant::now() < deadline, "scan {id} stuck: {s:?}");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}

/// The store at `url` with the test's short lease.
async fn open(url: &str, keyring: &std::path::Path) -> (Store, JobRunner) {
    Store::open(
        StoreConfig::new(url).scan_lease(time::Duration::seconds(LEASE_SECS)),
        Keyring::load_file(keyring).unwrap(),
    )
    .await
    .unwrap()
}

/// A connection `name` assuming moto's default account's `CloudArqAudit`
/// role with External ID `external_id`.
fn management_role(name: &str, external_id: &str) -> NewConnection {
    NewConnection {
        name: name.into(),
        account_id: Some("123456789012".parse().unwrap()),
        role_arn: Some(
            "arn:aws:iam::123456789012:role/CloudArqAudit"
                .parse::<RoleArn>()
                .unwrap(),
        ),
        external_id: Some(ExternalId::new(external_id.into()).unwrap()),
        static_keys: None,
    }
}

async fn bed() -> Bed {
    let pg = PgCluster::start().unwrap();
    let url = pg.create_db("workers").await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    Keyring::create_file(&dir.path().join("keyring.toml")).unwrap();
    let (store, runner) = open(&url, &dir.path().join("keyring.toml")).await;
    let now = OffsetDateTime::now_utc();
    let tenant = store.create_tenant(&runner, "acme", now).await.unwrap();
    let scope = runner.scope(tenant);
    let conn = store
        .create_connection(
            &scope,
            management_role("prod", "cloudarq-worker-test-external-id-0001"),
            now,
        )
        .await
        .unwrap();
    Bed {
        _pg: pg,
        dir,
        url,
        store: Arc::new(store),
        runner: Some(runner),
        scope,
        conn,
    }
}

/// The service principal: moto's test keys, never the environment's.
fn moto_keys() -> AwsBase {
    Arc::new(|| {
        cloudarq_core::CredentialSource::Static(StaticKeys::new(
            "AKIAMOTOTESTKEY00001".to_owned().into(),
            "moto-test-secret-key".to_owned().into(),
        ))
    })
}

fn settings(id: &str, endpoint: &str) -> WorkerSettings {
    WorkerSettings {
        id: id.into(),
        concurrency: 2,
        poll: Duration::from_millis(200),
        shutdown_grace: Duration::from_secs(1),
        regions: vec!["us-east-1".parse::<Region>().unwrap()],
        aws_endpoint_url: Some(endpoint.into()),
        maintenance: None,
    }
}

/// Stops every worker at once, then gathers how each of their claims ended.
async fn stop_all(
    workers: Vec<(
        tokio::sync::oneshot::Sender<()>,
        tokio::task::JoinHandle<Vec<Outcome>>,
    )>,
) -> Vec<Outcome> {
    let (stops, handles): (Vec<_>, Vec<_>) = workers.into_iter().unzip();
    for stop in stops {
        stop.send(()).unwrap();
    }
    let mut outcomes = Vec::new();
    for h in handles {
        outcomes.extend(h.await.unwrap());
    }
    outcomes
}

/// The fault proxy in front of `moto`, holding back every IAM and EC2
/// answer for ten minutes: a scan through it assumes its role (STS answers)
/// and then stays in collection.
async fn stalling(moto: &Moto) -> Proxy {
    let proxy = Proxy::start(moto.port).await;
    for service in ["iam:", "ec2:"] {
        proxy.delay(service, Duration::from_secs(600));
    }
    proxy
}

/// Scans per phase of the exactly-once test: 12 by default (bounded for
/// CI); `CLOUDARQ_WORKER_TEST_SCANS=200` runs the issue's full count.
fn scans_per_phase() -> usize {
    std::env::var("CLOUDARQ_WORKER_TEST_SCANS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(12)
}

/// Queues `n` scans, runs four workers (each with its own store, as four
/// processes would have) against `endpoint` until every scan has ended,
/// and checks that each was stored once and succeeded. Unthrottled
/// (`exact`), each succeeds on its first attempt with the same findings as
/// the others; throttled, a scan may need another attempt (a throttled
/// AssumeRole that outlasted its retries), and a call that outlasted its
/// retries is a coverage gap of that scan.
async fn four_workers_run(b: &Bed, endpoint: &str, n: usize, exact: bool) {
    let before = b.store.scans(&b.scope, Some(b.conn)).await.unwrap().len();
    let scans = b.queue(n).await;
    let mut workers = Vec::new();
    for w in 0..4 {
        workers.push(b.in_process(settings(&format!("w{w}"), endpoint)).await);
    }
    for s in &scans {
        b.wait_for(*s, 600, |s| {
            s.status != ScanStatus::Queued && s.status != ScanStatus::Running
        })
        .await;
    }
    let outcomes = stop_all(workers).await;
    let succeeded = outcomes
        .iter()
        .filter(|o| **o == Outcome::Succeeded)
        .count();
    assert_eq!(succeeded, n, "{outcomes:?}");
    if exact {
        assert_eq!(outcomes.len(), n, "{outcomes:?}");
    }
    let listed = b.store.scans(&b.scope, Some(b.conn)).await.unwrap();
    assert_eq!(listed.len(), before + n, "no scan added or lost");
    let first = b.scan(scans[0]).await;
    for id in &scans {
        let s = b.scan(*id).await;
        assert_eq!(
            (s.status, s.progress),
            (ScanStatus::Succeeded, 100),
            "{s:?}"
        );
        assert!(s.findings > 0, "{s:?}");
        if exact {
            assert_eq!(s.attempts, 1, "{s:?}");
            assert_eq!(s.findings, first.findings, "{s:?}");
        }
        let stored = b.store.load_result(&b.scope, *id).await.unwrap();
        assert_eq!(stored.findings.len() as u64, s.findings, "stored once");
    }
    // What a scan stored reads back whole, in the account the role is in.
    let result = b.store.load_result(&b.scope, scans[0]).await.unwrap();
    assert_eq!(result.account_id.as_str(), "123456789012");
    assert_eq!(result.findings.len() as u64, first.findings);
}

/// Exactly once in effect: four workers over one PostgreSQL store every
/// queued scan once, first straight against moto, then with 30 % of all
/// AWS calls throttled by the fault proxy (the AWS layer's retries absorb
/// them; no scan is lost, repeated or stored twice).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn four_workers_store_every_queued_scan_once_even_throttled() {
    let moto = Moto::start();
    let b = bed().await;
    let n = scans_per_phase();
    four_workers_run(&b, &moto.url(), n, true).await;
    let proxy = Proxy::start(moto.port).await;
    proxy.throttle_randomly(0.3, 7);
    four_workers_run(&b, &proxy.url(), n.div_ceil(2), false).await;
    let seen = proxy.seen();
    let throttled = seen.iter().filter(|s| s.throttled).count();
    assert!(
        throttled * 5 >= seen.len(),
        "{throttled} of {} requests throttled",
        seen.len()
    );
}

/// An admin's cancel, and the deletion of the connection, reach a running
/// scan at its next heartbeat: the worker drops it (its collection and the
/// role's credentials with it), the scan stays cancelled, nothing is stored.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cancelled_or_deleted_running_scan_stores_nothing() {
    use cloudarq_store::retention::RetentionPolicy;
    let moto = Moto::start();
    let proxy = stalling(&moto).await;
    let b = bed().await;
    let (stop_tx, run) = b.in_process(settings("w", &proxy.url())).await;
    // A heartbeat comes every third of the lease; give it two.
    let heartbeats = Duration::from_secs(u64::try_from(LEASE_SECS).unwrap() * 2 / 3 + 1);
    let cancelled = b.queue(1).await[0];
    b.wait_for(cancelled, 30, |s| s.status == ScanStatus::Running)
        .await;
    b.store
        .cancel_scan(&b.scope, cancelled, OffsetDateTime::now_utc())
        .await
        .unwrap();
    tokio::time::sleep(heartbeats).await;
    let s = b.scan(cancelled).await;
    assert_eq!((s.status, s.findings), (ScanStatus::Cancelled, 0), "{s:?}");
    let deleted = b.queue(1).await[0];
    b.wait_for(deleted, 30, |s| s.status == ScanStatus::Running)
        .await;
    b.store
        .delete_connection(
            &b.scope,
            b.conn,
            RetentionPolicy::default(),
            OffsetDateTime::now_utc(),
        )
        .await
        .unwrap();
    tokio::time::sleep(heartbeats).await;
    stop_tx.send(()).unwrap();
    let outcomes = tokio::time::timeout(Duration::from_secs(30), run)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(outcomes, [Outcome::Abandoned, Outcome::Abandoned]);
    // Cancelled before its connection went; then gone with the connection
    // (its rows wait for the purge, which the store's tests cover).
    assert!(b.store.scan(&b.scope, cancelled).await.unwrap().is_none());
    assert!(b.store.scan(&b.scope, deleted).await.unwrap().is_none());
}

// ------------------------------------------------------------- processes

fn cloudarq_bin() -> &'static str {
    env!("CARGO_BIN_EXE_cloudarq")
}

/// `cloudarq worker` with the service's configuration file, its AWS
/// endpoint `endpoint`, and moto's keys as its principal.
fn spawn_worker(b: &Bed, name: &str, endpoint: &str) -> Child {
    let config = b.dir.path().join(format!("{name}.toml"));
    std::fs::write(
        &config,
        format!(
            r#"issuer = "http://127.0.0.1:8443"
behind_proxy = true
signing_keys_file = "{keys}"
keyring_file = "{keyring}"

[connections]
aws_endpoint_url = "{endpoint}"

[worker]
concurrency = 1
poll_seconds = 1
lease_seconds = {LEASE_SECS}
shutdown_grace_seconds = 1
regions = ["us-east-1"]
"#,
            keys = b.dir.path().join("unused-signing-keys.toml").display(),
            keyring = b.keyring_file().display(),
        ),
    )
    .unwrap();
    Command::new(cloudarq_bin())
        .args(["worker", "--config"])
        .arg(&config)
        .env("CLOUDARQ_DATABASE_URL", &b.url)
        .env("CLOUDARQ_WORKER_ID", name)
        .env("AWS_ACCESS_KEY_ID", "AKIAMOTOTESTKEY00001")
        .env("AWS_SECRET_ACCESS_KEY", "moto-test-secret-key")
        .env("AWS_REGION", "us-east-1")
        .env("AWS_CONFIG_FILE", "/dev/null")
        .env("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env_remove("CLOUDARQ_KEYRING")
        .env_remove("AWS_PROFILE")
        .env_remove("AWS_SESSION_TOKEN")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

fn signal(child: &Child, sig: &str) {
    let ok = Command::new("kill")
        .args([sig, &child.id().to_string()])
        .status()
        .unwrap()
        .success();
    assert!(ok, "kill {sig}");
}

async fn exit_within(child: &mut Child, secs: u64) -> std::process::ExitStatus {
    let deadline = Instant::now() + Duration::from_secs(secs);
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status;
        }
        assert!(Instant::now() < deadline, "the worker did not exit");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

fn stderr_of(child: &mut Child) -> String {
    use std::io::Read;
    let mut s = String::new();
    if let Some(e) = child.stderr.as_mut() {
        let _ = e.read_to_string(&mut s);
    }
    s
}

/// Crash: a worker killed with SIGKILL in the middle of a scan leaves the
/// scan running under a lease nobody renews; once it lapses another worker
/// claims it (attempt 2) and completes it. The scan never shows succeeded
/// before that, and the killed attempt left no findings behind.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_killed_workers_scan_is_completed_by_another_after_its_lease() {
    let moto = Moto::start();
    let proxy = stalling(&moto).await;
    let b = bed().await;
    let scan = b.queue(1).await[0];
    let mut first = spawn_worker(&b, "first", &proxy.url());
    b.wait_for(scan, 60, |s| s.status == ScanStatus::Running)
        .await;
    // Its heartbeat renews the lease while the scan hangs on the endpoint.
    tokio::time::sleep(Duration::from_secs(u64::try_from(LEASE_SECS).unwrap() + 1)).await;
    let held = b.scan(scan).await;
    assert_eq!(
        (held.status, held.attempts, held.findings),
        (ScanStatus::Running, 1, 0)
    );
    signal(&first, "-KILL");
    exit_within(&mut first, 10).await;
    let killed_at = Instant::now();
    let mut second = spawn_worker(&b, "second", &moto.url());
    // The last heartbeat came at most a third of the lease before the
    // kill, so no claim can take the scan over sooner than two thirds of
    // the lease after it; and it never shows succeeded with partial data.
    let earliest = Duration::from_secs(u64::try_from(LEASE_SECS * 2 / 3).unwrap());
    loop {
        let s = b.scan(scan).await;
        if s.attempts == 2 {
            assert!(killed_at.elapsed() >= earliest, "taken over early: {s:?}");
        }
        if s.status == ScanStatus::Succeeded {
            assert_eq!(s.attempts, 2, "{s:?}");
            assert!(s.findings > 0);
            break;
        }
        assert_eq!(s.status, ScanStatus::Running, "{s:?}");
        assert_eq!(s.findings, 0, "findings before the finish: {s:?}");
        assert!(
            killed_at.elapsed() < Duration::from_secs(180),
            "not completed: {s:?} {}",
            stderr_of(&mut second)
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let result = b.store.load_result(&b.scope, scan).await.unwrap();
    assert_eq!(result.findings.len() as u64, b.scan(scan).await.findings);
    signal(&second, "-TERM");
    let status = exit_within(&mut second, 30).await;
    assert!(status.success(), "{status:?}");
}

/// SIGTERM: the worker claims nothing more, gives its running scan back to
/// the queue after the grace period without counting the attempt, and
/// exits 0; the scan is then claimable at once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_gives_a_running_scan_back_to_the_queue() {
    let moto = Moto::start();
    let proxy = stalling(&moto).await;
    let mut b = bed().await;
    let scan = b.queue(1).await[0];
    let mut worker = spawn_worker(&b, "leaving", &proxy.url());
    b.wait_for(scan, 60, |s| s.status == ScanStatus::Running)
        .await;
    signal(&worker, "-TERM");
    let status = exit_within(&mut worker, 30).await;
    assert!(status.success(), "{status:?}: {}", stderr_of(&mut worker));
    let s = b.scan(scan).await;
    assert_eq!(
        (s.status, s.attempts, s.progress),
        (ScanStatus::Queued, 0, 0),
        "{s:?}"
    );
    assert!(
        s.error
            .as_deref()
            .is_some_and(|e| e.contains("released by worker leaving")),
        "{s:?}"
    );
    let runner = b.runner.take().unwrap();
    let again = b
        .store
        .claim_scan(&runner, "next", OffsetDateTime::now_utc())
        .await
        .unwrap()
        .unwrap();
    assert_eq!((again.scan, again.attempt), (scan, 1));
}

/// Poison: a scan that kills its worker every time it is claimed (here the
/// test plays the OOM killer: SIGKILL to whichever worker holds it) ends
/// failed after the attempt limit, with the reason, and the queue keeps
/// serving the scans behind it meanwhile.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_job_that_kills_its_worker_every_time_ends_dead_and_the_queue_goes_on() {
    let moto = Moto::start();
    let b = bed().await;
    // The oldest first: every fresh worker claims it as soon as its lease
    // has lapsed.
    let poison = b.queue(1).await[0];
    let others = b.queue(3).await;
    let deadline = Instant::now() + Duration::from_secs(240);
    let mut generation = 0;
    let mut worker = spawn_worker(&b, "w0", &moto.url());
    let mut killed_attempts = Vec::new();
    loop {
        let p = b.scan(poison).await;
        if p.status == ScanStatus::Running && !killed_attempts.contains(&p.attempts) {
            // One worker runs at a time, so it is the one holding the
            // poison: kill it and start a fresh one.
            signal(&worker, "-KILL");
            exit_within(&mut worker, 10).await;
            killed_attempts.push(p.attempts);
            generation += 1;
            worker = spawn_worker(&b, &format!("w{generation}"), &moto.url());
        }
        let mut done = p.status == ScanStatus::Failed;
        for id in &others {
            done &= b.scan(*id).await.status == ScanStatus::Succeeded;
        }
        if done {
            break;
        }
        if Instant::now() > deadline {
            let mut states = Vec::new();
            for id in &others {
                states.push(b.scan(*id).await);
            }
            panic!(
                "poison {p:?}, others {states:?}: {}",
                stderr_of(&mut worker)
            );
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let p = b.scan(poison).await;
    assert_eq!(killed_attempts, vec![1, 2, 3]);
    assert_eq!(
        (p.status, p.attempts, p.findings),
        (ScanStatus::Failed, 3, 0)
    );
    let error = p.error.unwrap_or_default();
    assert!(
        error.contains("given up after 3 attempts") && error.contains("last worker w2"),
        "{error}"
    );
    for id in others {
        let s = b.scan(id).await;
        assert!(s.findings > 0, "{s:?}");
    }
    signal(&worker, "-TERM");
    let status = exit_within(&mut worker, 30).await;
    assert!(status.success(), "{status:?}");
}

/// Maintenance on the queue: two workers with maintenance on run one purge
/// and one backup for the day between them; the purge removes what a
/// connection deleted past its delay left, the backup is written, and each
/// run has its audit entry in the operators' tenant.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_workers_run_the_days_purge_and_backup_once() {
    use cloudarq_store::maintenance::MaintenanceKind;
    let b = bed().await;
    let now = OffsetDateTime::now_utc();
    let gone = b
        .store
        .create_connection(
            &b.scope,
            NewConnection {
                name: "gone".into(),
                account_id: Some("210987654321".parse().unwrap()),
                role_arn: None,
                external_id: None,
                static_keys: None,
            },
            now,
        )
        .await
        .unwrap();
    b.store.queue_scan(&b.scope, gone, now).await.unwrap();
    // Deleted ten days ago with a one-day delay: due for the purge.
    b.store
        .delete_connection(
            &b.scope,
            gone,
            cloudarq_store::retention::RetentionPolicy::new(1, 1, 1).unwrap(),
            now - time::Duration::days(10),
        )
        .await
        .unwrap();
    let backups = b.dir.path().join("backups");
    std::fs::create_dir(&backups).unwrap();
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&backups, std::fs::Permissions::from_mode(0o700)).unwrap();
    }
    let mut workers = Vec::new();
    for w in 0..2 {
        let mut s = settings(&format!("m{w}"), "http://127.0.0.1:9");
        s.maintenance = Some(MaintenanceSettings {
            backup_dir: Some(backups.clone()),
            backup_policy: cloudarq_store::backup::BackupPolicy {
                keep: Some(3),
                retention: cloudarq_store::retention::RetentionPolicy::default(),
            },
        });
        workers.push(b.in_process(s).await);
    }
    let (store, runner) = b.open().await;
    let deadline = Instant::now() + Duration::from_secs(120);
    let runs = loop {
        let runs = store.maintenance_runs(&runner, 10).await.unwrap();
        if runs.len() == 2
            && runs
                .iter()
                .all(|r| r.status != "queued" && r.status != "running")
        {
            break runs;
        }
        assert!(Instant::now() < deadline, "{runs:?}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    let outcomes = stop_all(workers).await;
    for kind in [MaintenanceKind::Purge, MaintenanceKind::Backup] {
        let run = runs.iter().find(|r| r.kind == kind).unwrap();
        assert_eq!(
            (run.status.as_str(), run.attempts),
            ("succeeded", 1),
            "{run:?}"
        );
        assert_eq!(
            outcomes
                .iter()
                .filter(|o| **o
                    == Outcome::Maintenance {
                        kind,
                        succeeded: true
                    })
                .count(),
            1,
            "{outcomes:?}"
        );
    }
    let purge = runs
        .iter()
        .find(|r| r.kind == MaintenanceKind::Purge)
        .unwrap();
    assert!(
        purge
            .result
            .as_deref()
            .unwrap_or_default()
            .starts_with("1 connection(s)"),
        "{purge:?}"
    );
    assert!(
        b.store
            .scans(&b.scope, Some(gone))
            .await
            .unwrap()
            .is_empty()
            && b.store
                .scans(&b.scope, None)
                .await
                .unwrap()
                .iter()
                .all(|s| s.connection != gone)
    );
    let files: Vec<String> = std::fs::read_dir(&backups)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(
        files.iter().any(|f| f.starts_with("cloudarq-data-")),
        "{files:?}"
    );
    assert!(
        files.iter().any(|f| f.starts_with("cloudarq-keys-")),
        "{files:?}"
    );
    let operators = runner.scope(store.operator_tenant(&runner, now).await.unwrap());
    let actions: Vec<String> = store
        .audit_log(&operators)
        .await
        .unwrap()
        .into_iter()
        .map(|e| format!("{} {}", e.entry.action, e.entry.outcome))
        .collect();
    for want in ["maintenance.purge success", "maintenance.backup success"] {
        assert_eq!(
            actions.iter().filter(|a| *a == want).count(),
            1,
            "{actions:?}"
        );
    }
}

/// An organization client on moto (for seeding), with moto's keys.
fn organizations(moto: &Moto) -> aws_sdk_organizations::Client {
    use aws_sdk_organizations::config::{BehaviorVersion, Credentials, Region as SdkRegion};
    let conf = aws_sdk_organizations::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(SdkRegion::new("us-east-1"))
        .credentials_provider(Credentials::new(
            "AKIAMOTOTESTKEY00001",
            "moto-test-secret-key",
            None,
            None,
            "test",
        ))
        .endpoint_url(moto.url())
        .http_client(loopback::http_client())
        .build();
    aws_sdk_organizations::Client::from_conf(conf)
}

/// Organizations (issue 12): an organization connection's scan, run by a
/// worker against moto's Organizations with five accounts (the management
/// account, two active members, one suspended, one in an excluded OU) and a
/// sixth whose role the StackSet never reached: three member scans, the
/// suspended and excluded accounts skipped with their reasons, the
/// unreachable one a coverage gap, and the organization scan succeeded with
/// the roll-up score.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_organization_scan_stores_member_scans_gaps_and_the_roll_up() {
    use cloudarq_model::organization::{AccountState, MemberFilter, SkipReason};
    use cloudarq_store::organizations::OrganizationSettings;
    let moto = Moto::start();
    let proxy = Proxy::start(moto.port).await;
    let b = bed().await;
    let orgs = organizations(&moto);
    orgs.create_organization()
        .feature_set(aws_sdk_organizations::types::OrganizationFeatureSet::All)
        .send()
        .await
        .unwrap();
    let root = orgs.list_roots().send().await.unwrap().roots()[0]
        .id()
        .unwrap()
        .to_owned();
    let mut ids = Vec::new();
    for name in ["alpha", "bravo", "charlie", "delta", "echo"] {
        let id = orgs
            .create_account()
            .account_name(name)
            .email(format!("{name}@example.com"))
            .send()
            .await
            .unwrap()
            .create_account_status()
            .and_then(|s| s.account_id())
            .unwrap()
            .to_owned();
        ids.push(id);
    }
    let [alpha, bravo, charlie, delta, echo] = <[String; 5]>::try_from(ids).unwrap();
    let sandbox = orgs
        .create_organizational_unit()
        .parent_id(&root)
        .name("Sandbox")
        .send()
        .await
        .unwrap()
        .organizational_unit()
        .and_then(|o| o.id())
        .unwrap()
        .to_owned();
    orgs.move_account()
        .account_id(&delta)
        .source_parent_id(&root)
        .destination_parent_id(&sandbox)
        .send()
        .await
        .unwrap();
    orgs.close_account()
        .account_id(&charlie)
        .send()
        .await
        .unwrap();
    // The StackSet never reached echo: assuming its role is denied.
    let echo_role = format!("{echo}%3Arole%2FCloudArqAudit");
    proxy.fault(
        "sts:AssumeRole",
        loopback::Fault::ErrorIfBody {
            body_contains: Box::leak(echo_role.into_boxed_str()),
            code: "AccessDenied",
            status: 403,
        },
    );

    let now = OffsetDateTime::now_utc();
    let conn = b
        .store
        .create_organization_connection(
            &b.scope,
            management_role("the organization", "cloudarq-worker-test-external-id-0002"),
            &OrganizationSettings {
                member_role_name: "CloudArqAudit".into(),
                filter: MemberFilter {
                    exclude_ous: [sandbox.clone()].into(),
                    ..MemberFilter::default()
                },
            },
            now,
        )
        .await
        .unwrap();
    let scan = b.store.queue_scan(&b.scope, conn, now).await.unwrap();
    let (stop_tx, running) = b.in_process(settings("org-worker", &proxy.url())).await;
    b.wait_for(scan, 600, |s| {
        s.status != ScanStatus::Queued && s.status != ScanStatus::Running
    })
    .await;
    stop_tx.send(()).unwrap();
    let outcomes = running.await.unwrap();
    assert_eq!(outcomes, [Outcome::Succeeded]);

    let s = b.scan(scan).await;
    assert_eq!(
        (s.status, s.progress, s.findings),
        (ScanStatus::Succeeded, 100, 0),
        "{s:?}"
    );
    let children = b.store.child_scans(&b.scope, scan).await.unwrap();
    let mut accounts = Vec::new();
    for child in &children {
        assert_eq!(
            (child.status, child.parent),
            (ScanStatus::Succeeded, Some(scan))
        );
        assert!(child.findings > 0, "{child:?}");
        let result = b.store.load_result(&b.scope, child.id).await.unwrap();
        accounts.push(result.account_id.as_str().to_owned());
    }
    accounts.sort();
    let mut expected = vec!["123456789012".to_owned(), alpha.clone(), bravo.clone()];
    expected.sort();
    assert_eq!(
        accounts, expected,
        "three member scans, each in its account"
    );

    let record = b
        .store
        .organization_record(&b.scope, scan)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(record.members.len(), 3);
    let skipped: Vec<(String, SkipReason)> = record
        .skipped
        .iter()
        .map(|m| (m.account.id.as_str().to_owned(), m.reason.clone()))
        .collect();
    assert!(
        skipped.contains(&(
            charlie.clone(),
            SkipReason::NotActive(AccountState::Suspended)
        )),
        "{skipped:?}"
    );
    assert!(
        skipped.contains(&(delta.clone(), SkipReason::ExcludedOu(sandbox.clone()))),
        "{skipped:?}"
    );
    assert_eq!(skipped.len(), 2, "{skipped:?}");
    assert_eq!(record.gaps.len(), 1, "{:?}", record.gaps);
    assert_eq!(record.gaps[0].account.id.as_str(), echo);
    assert_eq!(record.gaps[0].code, "AccessDenied");

    // The organization's score: the roll-up of its three members.
    let mut members = Vec::new();
    for child in &children {
        members.push(b.store.load_result(&b.scope, child.id).await.unwrap());
    }
    let frameworks = cloudarq_rules::frameworks::frameworks().unwrap();
    let roll_up =
        cloudarq_core::organization::roll_up(&frameworks, &members.iter().collect::<Vec<_>>());
    let history = b
        .store
        .score_history(
            &b.scope,
            conn,
            &roll_up[0].framework,
            now - time::Duration::hours(1),
            OffsetDateTime::now_utc() + time::Duration::hours(1),
        )
        .await
        .unwrap();
    assert_eq!(history.len(), 1);
    assert_eq!(
        (history[0].scan, history[0].passed, history[0].failed),
        (scan, roll_up[0].total.passed, roll_up[0].total.failed)
    );
}
