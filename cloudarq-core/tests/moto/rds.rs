//! The RDS collector against moto: instances, clusters and snapshots in two
//! regions, every collected field both ways, paging past 100 instances,
//! denied and throttled calls, and the number of requests a scan makes.

use std::collections::BTreeMap;

use aws_sdk_rds::Client as Rds;
use aws_sdk_rds::operation::create_db_instance::builders::CreateDBInstanceFluentBuilder;
use aws_sdk_rds::types::Tag;
use cloudarq_model::inventory::rds::{DbCluster, DbInstance, DbSnapshot};
use cloudarq_model::{Arn, Collected, GapKind, Properties, ResourceType, Service, Snapshot};
use futures::StreamExt;

use crate::harness::*;

const SHARED_ACCOUNT: &str = "111122223333";
const CLUSTER_SHARED_ACCOUNT: &str = "444455556666";
const PASSWORD: &str = "not-a-real-password-1";

fn kms_key(r: &str) -> String {
    format!("arn:aws:kms:{r}:{ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab")
}

fn rds_arn(r: &str, resource: &str) -> Arn {
    format!("arn:aws:rds:{r}:{ACCOUNT}:{resource}")
        .parse()
        .expect("test ARN")
}

fn tag(k: &str, v: &str) -> Tag {
    Tag::builder().key(k).value(v).build()
}

/// Creates a DB instance with the required fields set; `f` adds the rest.
async fn create_instance(
    rds: &Rds,
    id: &str,
    engine: &str,
    master: &str,
    f: impl FnOnce(CreateDBInstanceFluentBuilder) -> CreateDBInstanceFluentBuilder,
) {
    let b = rds
        .create_db_instance()
        .db_instance_identifier(id)
        .db_instance_class("db.t3.micro")
        .engine(engine)
        .master_username(master)
        .master_user_password(PASSWORD);
    f(b).send().await.expect("create db instance");
}

async fn create_snapshot(rds: &Rds, instance: &str, id: &str) {
    rds.create_db_snapshot()
        .db_instance_identifier(instance)
        .db_snapshot_identifier(id)
        .send()
        .await
        .expect("create db snapshot");
}

async fn share_snapshot(rds: &Rds, id: &str, values: &[&str]) {
    let mut b = rds
        .modify_db_snapshot_attribute()
        .db_snapshot_identifier(id)
        .attribute_name("restore");
    for v in values {
        b = b.values_to_add(*v);
    }
    b.send().await.expect("modify db snapshot attribute");
}

/// What `seed_full` created in one region that the test needs to know.
struct Seeded {
    vpc_id: String,
    sg_id: String,
}

/// Seeds one region with instances covering every field both ways, a
/// cluster, three manual snapshots (public, shared, encrypted private) and a
/// manual cluster snapshot. The cluster differs by region: `eu-west-1` gets
/// a hardened Multi-AZ Aurora MySQL cluster with backtrack and two members,
/// and a public and shared cluster snapshot; `us-east-1` a default Aurora
/// PostgreSQL one with one member and a private cluster snapshot.
async fn seed_full(env: &Env, r: &str) -> Seeded {
    let ec2 = env.ec2(r).await;
    let rds = env.rds(r).await;
    let subnets = ec2
        .describe_subnets()
        .filters(
            aws_sdk_ec2::types::Filter::builder()
                .name("default-for-az")
                .values("true")
                .build(),
        )
        .send()
        .await
        .expect("describe subnets");
    let subnets = subnets.subnets();
    assert!(subnets.len() >= 2, "moto has default subnets");
    let vpc_id = subnets[0].vpc_id().expect("vpc").to_owned();
    let sg_id = ec2
        .create_security_group()
        .group_name("db-sg")
        .description("database")
        .vpc_id(&vpc_id)
        .send()
        .await
        .expect("create sg")
        .group_id()
        .expect("sg id")
        .to_owned();
    rds.create_db_subnet_group()
        .db_subnet_group_name("db-subnets")
        .db_subnet_group_description("databases")
        .subnet_ids(subnets[0].subnet_id().expect("subnet"))
        .subnet_ids(subnets[1].subnet_id().expect("subnet"))
        .send()
        .await
        .expect("create subnet group");

    // Everything off or open; default port; default master name.
    create_instance(&rds, "db-open", "postgres", "postgres", |b| {
        b.publicly_accessible(true)
            .storage_encrypted(false)
            .backup_retention_period(0)
            .multi_az(false)
            .deletion_protection(false)
            .auto_minor_version_upgrade(false)
            .enable_iam_database_authentication(false)
            .copy_tags_to_snapshot(false)
            .tags(tag("env", "dev"))
    })
    .await;
    // Another default master name.
    create_instance(&rds, "db-legacy", "mysql", "admin", |b| {
        b.publicly_accessible(false)
    })
    .await;
    // Everything on; custom port and master name.
    create_instance(&rds, "db-locked", "mysql", "dbowner", |b| {
        b.publicly_accessible(false)
            .storage_encrypted(true)
            .kms_key_id(kms_key(r))
            .backup_retention_period(7)
            .multi_az(true)
            .deletion_protection(true)
            .auto_minor_version_upgrade(true)
            .enable_iam_database_authentication(true)
            .copy_tags_to_snapshot(true)
            .port(3307)
            .db_subnet_group_name("db-subnets")
            .vpc_security_group_ids(&sg_id)
            .ca_certificate_identifier("rds-ca-rsa2048-g1")
            .enable_cloudwatch_logs_exports("audit")
            .enable_cloudwatch_logs_exports("error")
            .tags(tag("owner", "team-a"))
            .tags(tag("env", "prod"))
    })
    .await;
    rds.modify_db_instance()
        .db_instance_identifier("db-locked")
        .monitoring_interval(60)
        .monitoring_role_arn(format!("arn:aws:iam::{ACCOUNT}:role/rds-monitoring"))
        .apply_immediately(true)
        .send()
        .await
        .expect("modify db instance");

    let hardened = r == R1;
    let engine = if hardened {
        "aurora-mysql"
    } else {
        "aurora-postgresql"
    };
    let mut cluster = rds
        .create_db_cluster()
        .db_cluster_identifier("cl-main")
        .engine(engine)
        .master_username("clusterowner")
        .master_user_password(PASSWORD)
        .tags(tag("tier", "data"));
    if hardened {
        cluster = cluster
            .storage_encrypted(true)
            .kms_key_id(kms_key(r))
            .backup_retention_period(14)
            .deletion_protection(true)
            .enable_iam_database_authentication(true)
            .copy_tags_to_snapshot(true)
            .backtrack_window(3600)
            .port(3310)
            .enable_cloudwatch_logs_exports("audit");
    }
    cluster.send().await.expect("create db cluster");
    rds.create_db_instance()
        .db_instance_identifier("cl-main-1")
        .db_instance_class("db.r5.large")
        .engine(engine)
        .db_cluster_identifier("cl-main")
        .send()
        .await
        .expect("create cluster member");
    if hardened {
        // A second member in another zone makes the cluster Multi-AZ.
        rds.create_db_instance()
            .db_instance_identifier("cl-main-2")
            .db_instance_class("db.r5.large")
            .engine(engine)
            .db_cluster_identifier("cl-main")
            .availability_zone(format!("{r}b"))
            .send()
            .await
            .expect("create second cluster member");
    }

    create_snapshot(&rds, "db-open", "snap-public").await;
    share_snapshot(&rds, "snap-public", &["all"]).await;
    create_snapshot(&rds, "db-open", "snap-shared").await;
    share_snapshot(&rds, "snap-shared", &[SHARED_ACCOUNT]).await;
    create_snapshot(&rds, "db-locked", "snap-encrypted").await;

    rds.create_db_cluster_snapshot()
        .db_cluster_identifier("cl-main")
        .db_cluster_snapshot_identifier("csnap-manual")
        .tags(tag("kind", "manual"))
        .send()
        .await
        .expect("create cluster snapshot");
    if hardened {
        rds.modify_db_cluster_snapshot_attribute()
            .db_cluster_snapshot_identifier("csnap-manual")
            .attribute_name("restore")
            .values_to_add("all")
            .values_to_add(CLUSTER_SHARED_ACCOUNT)
            .send()
            .await
            .expect("modify cluster snapshot attribute");
    }
    Seeded { vpc_id, sg_id }
}

async fn scan(env: &Env) -> Snapshot {
    env.auditor(Env::static_source())
        .services([Service::Rds])
        .build()
        .expect("auditor")
        .collect()
        .await
        .expect("scan")
}

fn instance<'s>(snap: &'s Snapshot, r: &str, id: &str) -> &'s DbInstance {
    let arn = rds_arn(r, &format!("db:{id}"));
    let res = snap
        .resources
        .get(&arn)
        .unwrap_or_else(|| panic!("{arn} collected"));
    assert_eq!(res.region.as_ref().map(|g| g.as_str()), Some(r));
    assert_eq!(res.name, id);
    match &res.properties {
        Properties::RdsDbInstance(i) => i,
        other => panic!("{arn} is {:?}", other.resource_type()),
    }
}

fn cluster<'s>(snap: &'s Snapshot, r: &str, id: &str) -> &'s DbCluster {
    let arn = rds_arn(r, &format!("cluster:{id}"));
    let res = snap
        .resources
        .get(&arn)
        .unwrap_or_else(|| panic!("{arn} collected"));
    assert_eq!(res.region.as_ref().map(|g| g.as_str()), Some(r));
    match &res.properties {
        Properties::RdsDbCluster(c) => c,
        other => panic!("{arn} is {:?}", other.resource_type()),
    }
}

fn db_snapshot<'s>(snap: &'s Snapshot, r: &str, id: &str) -> &'s DbSnapshot {
    let arn = rds_arn(r, &format!("snapshot:{id}"));
    let res = snap
        .resources
        .get(&arn)
        .unwrap_or_else(|| panic!("{arn} collected"));
    assert_eq!(res.region.as_ref().map(|g| g.as_str()), Some(r));
    match &res.properties {
        Properties::RdsDbSnapshot(s) => s,
        other => panic!("{arn} is {:?}", other.resource_type()),
    }
}

fn cluster_snapshot<'s>(snap: &'s Snapshot, r: &str, id: &str) -> &'s DbSnapshot {
    let arn = rds_arn(r, &format!("cluster-snapshot:{id}"));
    let res = snap
        .resources
        .get(&arn)
        .unwrap_or_else(|| panic!("{arn} collected"));
    assert_eq!(res.region.as_ref().map(|g| g.as_str()), Some(r));
    match &res.properties {
        Properties::RdsDbClusterSnapshot(s) => s,
        other => panic!("{arn} is {:?}", other.resource_type()),
    }
}

/// Snapshots of one type in one region.
fn snapshots_in<'s>(
    snap: &'s Snapshot,
    t: ResourceType,
    r: &str,
) -> impl Iterator<Item = &'s DbSnapshot> + use<'s> {
    let r = r.to_owned();
    snap.of_type(t)
        .filter(move |res| res.region.as_ref().map(|g| g.as_str()) == Some(r.as_str()))
        .map(|res| match &res.properties {
            Properties::RdsDbSnapshot(s) | Properties::RdsDbClusterSnapshot(s) => &**s,
            other => panic!("{:?} is not a snapshot", other.resource_type()),
        })
}

fn count_in(snap: &Snapshot, t: ResourceType, r: &str) -> usize {
    snap.of_type(t)
        .filter(|res| res.region.as_ref().map(|g| g.as_str()) == Some(r))
        .count()
}

/// Requests per `rds:` operation the proxy saw.
fn rds_requests(env: &Env) -> BTreeMap<String, usize> {
    let mut by_op = BTreeMap::new();
    for s in env.proxy.seen() {
        if s.operation.starts_with("rds:") {
            *by_op.entry(s.operation).or_default() += 1;
        }
    }
    by_op
}

#[tokio::test]
async fn rds_collects_every_field_both_ways_in_both_regions() {
    let env = Env::start().await;
    let mut seeded = BTreeMap::new();
    for r in [R1, R2] {
        seeded.insert(r, seed_full(&env, r).await);
    }
    let snap = scan(&env).await;
    assert!(snap.gaps.is_empty(), "{:#?}", snap.gaps);

    for r in [R1, R2] {
        let s = &seeded[r];
        // Three standalone instances plus the cluster's members.
        let members = if r == R1 { 2 } else { 1 };
        assert_eq!(
            count_in(&snap, ResourceType::RdsDbInstance, r),
            3 + members,
            "{r}"
        );
        assert_eq!(count_in(&snap, ResourceType::RdsDbCluster, r), 1, "{r}");

        // The open instance: every switch off.
        let open = instance(&snap, r, "db-open");
        assert_eq!(open.engine.as_deref(), Some("postgres"));
        assert!(open.engine_version.is_some());
        assert_eq!(open.instance_class.as_deref(), Some("db.t3.micro"));
        assert_eq!(open.status.as_deref(), Some("available"));
        assert!(open.publicly_accessible);
        assert!(!open.storage_encrypted);
        assert_eq!(open.kms_key_id, None);
        assert_eq!(open.backup_retention_days, 0);
        assert!(!open.multi_az);
        assert!(!open.deletion_protection);
        assert!(!open.auto_minor_version_upgrade);
        assert!(!open.iam_auth_enabled);
        assert_eq!(open.master_username.as_deref(), Some("postgres"));
        assert!(!open.copy_tags_to_snapshot);
        assert_eq!(open.port, Some(5432));
        assert_eq!(open.vpc_id, None, "no subnet group given");
        assert_eq!(open.security_groups.len(), 1, "moto's default group");
        assert_eq!(open.ca_certificate.as_deref(), Some("rds-ca-default"));
        assert_eq!(open.cluster_identifier, None);
        // Enhanced monitoring off: moto 5.2.1 omits the field, 5.2.5 sends 0
        // (as AWS does); both mean off, and the collector keeps what it got.
        assert!(
            matches!(open.monitoring_interval, None | Some(0)),
            "{:?}",
            open.monitoring_interval
        );
        assert!(open.cloudwatch_logs_exports.is_empty());
        assert!(open.created.is_some());
        let open_res = snap
            .resources
            .get(&rds_arn(r, "db:db-open"))
            .expect("db-open");
        assert_eq!(open_res.tags.get("env").map(String::as_str), Some("dev"));

        let legacy = instance(&snap, r, "db-legacy");
        assert_eq!(legacy.master_username.as_deref(), Some("admin"));
        assert_eq!(legacy.port, Some(3306));
        assert!(!legacy.publicly_accessible);

        // The locked-down instance: every switch on.
        let locked = instance(&snap, r, "db-locked");
        assert_eq!(locked.engine.as_deref(), Some("mysql"));
        assert!(!locked.publicly_accessible);
        assert!(locked.storage_encrypted);
        assert_eq!(locked.kms_key_id, Some(kms_key(r)));
        assert_eq!(locked.backup_retention_days, 7);
        assert!(locked.multi_az);
        assert!(locked.deletion_protection);
        assert!(locked.auto_minor_version_upgrade);
        assert!(locked.iam_auth_enabled);
        assert_eq!(locked.master_username.as_deref(), Some("dbowner"));
        assert!(locked.copy_tags_to_snapshot);
        assert_eq!(locked.port, Some(3307));
        assert_eq!(locked.vpc_id.as_deref(), Some(s.vpc_id.as_str()));
        assert_eq!(locked.security_groups, vec![s.sg_id.clone()]);
        assert_eq!(locked.ca_certificate.as_deref(), Some("rds-ca-rsa2048-g1"));
        assert_eq!(locked.monitoring_interval, Some(60));
        assert_eq!(locked.cloudwatch_logs_exports, vec!["audit", "error"]);
        let locked_res = snap
            .resources
            .get(&rds_arn(r, "db:db-locked"))
            .expect("db-locked");
        assert_eq!(locked_res.tags.len(), 2);
        assert_eq!(
            locked_res.tags.get("owner").map(String::as_str),
            Some("team-a")
        );

        let member = instance(&snap, r, "cl-main-1");
        assert_eq!(member.cluster_identifier.as_deref(), Some("cl-main"));

        // Clusters.
        let c = cluster(&snap, r, "cl-main");
        assert_eq!(c.identifier, "cl-main");
        assert_eq!(c.master_username.as_deref(), Some("clusterowner"));
        assert!(c.created.is_some());
        assert!(c.status.is_some());
        let c_res = snap
            .resources
            .get(&rds_arn(r, "cluster:cl-main"))
            .expect("cl-main");
        assert_eq!(c_res.tags.get("tier").map(String::as_str), Some("data"));
        if r == R1 {
            assert_eq!(c.engine.as_deref(), Some("aurora-mysql"));
            let mut m = c.members.clone();
            m.sort();
            assert_eq!(m, vec!["cl-main-1", "cl-main-2"]);
            assert!(c.multi_az, "members in two zones");
            assert!(c.storage_encrypted);
            assert_eq!(c.kms_key_id, Some(kms_key(r)));
            assert_eq!(c.backup_retention_days, Some(14));
            assert!(c.deletion_protection);
            assert!(c.iam_auth_enabled);
            assert!(c.copy_tags_to_snapshot);
            assert_eq!(c.backtrack_window, Some(3600));
            assert_eq!(c.port, Some(3310));
            assert_eq!(c.cloudwatch_logs_exports, vec!["audit"]);
            assert_eq!(member.engine.as_deref(), Some("aurora-mysql"));
        } else {
            assert_eq!(c.engine.as_deref(), Some("aurora-postgresql"));
            assert_eq!(c.members, vec!["cl-main-1"]);
            assert!(!c.multi_az, "one member in one zone");
            assert!(!c.storage_encrypted);
            assert_eq!(c.kms_key_id, None, "moto's placeholder key is dropped");
            assert_eq!(c.backup_retention_days, Some(1), "moto's default");
            assert!(!c.deletion_protection);
            assert!(!c.iam_auth_enabled);
            assert!(!c.copy_tags_to_snapshot);
            assert_eq!(c.backtrack_window, Some(0), "moto reports 0 when off");
            assert_eq!(c.port, Some(5432));
            assert!(c.cloudwatch_logs_exports.is_empty());
        }
        // moto reports these two for every cluster (AWS: Multi-AZ DB clusters only).
        assert_eq!(c.publicly_accessible, Some(false));
        assert_eq!(c.auto_minor_version_upgrade, Some(true));

        // Manual DB snapshots, each with its restore attribute read.
        let public = db_snapshot(&snap, r, "snap-public");
        assert_eq!(public.snapshot_type.as_deref(), Some("manual"));
        assert_eq!(public.source_identifier.as_deref(), Some("db-open"));
        assert_eq!(public.engine.as_deref(), Some("postgres"));
        assert!(!public.encrypted);
        assert_eq!(public.kms_key_id, None);
        assert!(public.created.is_some());
        assert_eq!(public.public, Collected::Value(true));
        assert_eq!(public.shared_with, Collected::Value(vec![]));

        let shared = db_snapshot(&snap, r, "snap-shared");
        assert_eq!(shared.public, Collected::Value(false));
        assert_eq!(
            shared.shared_with,
            Collected::Value(vec![SHARED_ACCOUNT.to_owned()])
        );

        let encrypted = db_snapshot(&snap, r, "snap-encrypted");
        assert!(encrypted.encrypted);
        assert_eq!(encrypted.kms_key_id, Some(kms_key(r)));
        assert_eq!(encrypted.source_identifier.as_deref(), Some("db-locked"));
        assert_eq!(encrypted.public, Collected::Value(false));
        assert_eq!(encrypted.shared_with, Collected::Value(vec![]));
        let enc_res = snap
            .resources
            .get(&rds_arn(r, "snapshot:snap-encrypted"))
            .expect("snap-encrypted");
        assert_eq!(
            enc_res.tags.get("owner").map(String::as_str),
            Some("team-a"),
            "copy_tags_to_snapshot carried the instance's tags"
        );

        // moto takes an automated snapshot of every new instance (cluster
        // members included): private by construction, with no attribute call.
        let automated: Vec<&DbSnapshot> = snapshots_in(&snap, ResourceType::RdsDbSnapshot, r)
            .filter(|s| s.snapshot_type.as_deref() == Some("automated"))
            .collect();
        assert_eq!(automated.len(), 3 + members, "{r}");
        for a in &automated {
            assert!(a.identifier.starts_with("rds:"), "{}", a.identifier);
            assert_eq!(a.public, Collected::Value(false));
            assert_eq!(a.shared_with, Collected::Value(vec![]));
        }
        assert_eq!(
            count_in(&snap, ResourceType::RdsDbSnapshot, r),
            3 + 3 + members,
            "{r}"
        );

        // Cluster snapshots: the manual one, and moto's automated one.
        let cs = cluster_snapshot(&snap, r, "csnap-manual");
        assert_eq!(cs.snapshot_type.as_deref(), Some("manual"));
        assert_eq!(cs.source_identifier.as_deref(), Some("cl-main"));
        assert!(cs.created.is_some());
        let cs_res = snap
            .resources
            .get(&rds_arn(r, "cluster-snapshot:csnap-manual"))
            .expect("csnap-manual");
        assert_eq!(cs_res.tags.get("kind").map(String::as_str), Some("manual"));
        if r == R1 {
            assert!(cs.encrypted);
            assert_eq!(cs.kms_key_id, Some(kms_key(r)));
            assert_eq!(cs.engine.as_deref(), Some("aurora-mysql"));
            assert_eq!(cs.public, Collected::Value(true));
            assert_eq!(
                cs.shared_with,
                Collected::Value(vec![CLUSTER_SHARED_ACCOUNT.to_owned()])
            );
        } else {
            assert!(!cs.encrypted);
            assert_eq!(cs.kms_key_id, None);
            assert_eq!(cs.public, Collected::Value(false));
            assert_eq!(cs.shared_with, Collected::Value(vec![]));
        }
        let auto_cs: Vec<&DbSnapshot> = snapshots_in(&snap, ResourceType::RdsDbClusterSnapshot, r)
            .filter(|s| s.snapshot_type.as_deref() == Some("automated"))
            .collect();
        assert_eq!(auto_cs.len(), 1, "{r}");
        assert_eq!(auto_cs[0].public, Collected::Value(false));
        assert_eq!(auto_cs[0].shared_with, Collected::Value(vec![]));
    }

    // Requests: per region, one call per list (one page each: instances,
    // clusters, both snapshot kinds, event subscriptions, certificates), one
    // attribute call per manual snapshot (3 + 1), one parameters call per
    // parameter group in use (the three default DB parameter groups of
    // postgres, mysql and the Aurora engine; the cluster's default cluster
    // group) and one engine-versions call per engine version in use (three):
    // 6 + 4 + 3 + 1 + 3 = 17 per region.
    let by_op = rds_requests(&env);
    let expected: BTreeMap<String, usize> = [
        ("rds:DescribeDBInstances", 2),
        ("rds:DescribeDBClusters", 2),
        ("rds:DescribeDBSnapshots", 2),
        ("rds:DescribeDBClusterSnapshots", 2),
        ("rds:DescribeDBSnapshotAttributes", 6),
        ("rds:DescribeDBClusterSnapshotAttributes", 2),
        ("rds:DescribeEventSubscriptions", 2),
        ("rds:DescribeCertificates", 2),
        ("rds:DescribeDBParameters", 6),
        ("rds:DescribeDBClusterParameters", 2),
        ("rds:DescribeDBEngineVersions", 6),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .collect();
    assert_eq!(by_op, expected);
    assert_eq!(by_op.values().sum::<usize>(), 34);
}

/// Seeds `n` bare instances into one region, a few at a time.
async fn seed_instances(env: &Env, r: &str, n: usize) {
    let rds = env.rds(r).await;
    futures::stream::iter(0..n)
        .map(|i| {
            let rds = rds.clone();
            async move {
                create_instance(&rds, &format!("db-{i:03}"), "postgres", "dbowner", |b| b).await;
            }
        })
        .buffer_unordered(8)
        .collect::<Vec<()>>()
        .await;
}

#[tokio::test]
async fn rds_follows_db_instance_pages_past_100() {
    let env = Env::start().await;
    let started = std::time::Instant::now();
    seed_instances(&env, R1, 101).await;
    seed_instances(&env, R2, 1).await;
    eprintln!("seeded 102 instances in {:?}", started.elapsed());
    let snap = scan(&env).await;
    assert!(snap.gaps.is_empty(), "{:#?}", snap.gaps);
    assert_eq!(count_in(&snap, ResourceType::RdsDbInstance, R1), 101);
    assert_eq!(count_in(&snap, ResourceType::RdsDbInstance, R2), 1);
    for i in [0, 99, 100] {
        instance(&snap, R1, &format!("db-{i:03}"));
    }
    let pages: Vec<Seen> = env
        .proxy
        .seen()
        .into_iter()
        .filter(|s| s.operation == "rds:DescribeDBInstances")
        .collect();
    assert_eq!(pages.len(), 3, "two pages in {R1}, one in {R2}");
    assert!(
        pages.iter().all(|p| p.body.contains("MaxRecords=100")),
        "pages ask for 100 records"
    );
    assert_eq!(
        pages.iter().filter(|p| p.body.contains("Marker=")).count(),
        1,
        "the second page follows the marker"
    );
    // 102 automated snapshots cost no attribute call.
    assert_eq!(count_in(&snap, ResourceType::RdsDbSnapshot, R1), 101);
    let by_op = rds_requests(&env);
    assert_eq!(by_op.get("rds:DescribeDBSnapshotAttributes"), None);
    // Three instance pages, two of each other list (clusters, both snapshot
    // kinds, event subscriptions, certificates), one parameter group and one
    // engine version in use per region.
    assert_eq!(by_op.values().sum::<usize>(), 3 + 5 * 2 + 2 + 2);
}

/// One instance with a public manual snapshot per region, and in `R1` a
/// cluster with a public manual cluster snapshot.
async fn seed_small(env: &Env) {
    for r in [R1, R2] {
        let rds = env.rds(r).await;
        create_instance(&rds, "db-a", "postgres", "dbowner", |b| b).await;
        create_snapshot(&rds, "db-a", "snap-a").await;
        share_snapshot(&rds, "snap-a", &["all"]).await;
    }
    let rds = env.rds(R1).await;
    rds.create_db_cluster()
        .db_cluster_identifier("cl-a")
        .engine("aurora-postgresql")
        .master_username("clusterowner")
        .master_user_password(PASSWORD)
        .send()
        .await
        .expect("create cluster");
    rds.create_db_cluster_snapshot()
        .db_cluster_identifier("cl-a")
        .db_cluster_snapshot_identifier("csnap-a")
        .send()
        .await
        .expect("create cluster snapshot");
    rds.modify_db_cluster_snapshot_attribute()
        .db_cluster_snapshot_identifier("csnap-a")
        .attribute_name("restore")
        .values_to_add("all")
        .send()
        .await
        .expect("share cluster snapshot");
}

#[tokio::test]
async fn rds_denied_snapshot_attributes_are_not_collected_and_gaps() {
    let env = Env::start().await;
    seed_small(&env).await;
    env.proxy.fault(
        "rds:DescribeDBSnapshotAttributes",
        Fault::Error {
            code: "AccessDenied",
            status: 403,
        },
    );
    let snap = scan(&env).await;

    for r in [R1, R2] {
        let s = db_snapshot(&snap, r, "snap-a");
        assert_eq!(s.public, Collected::NotCollected, "{r}");
        assert_eq!(s.shared_with, Collected::NotCollected, "{r}");
        // The rest of the snapshot is intact.
        assert_eq!(s.snapshot_type.as_deref(), Some("manual"));
        assert_eq!(s.source_identifier.as_deref(), Some("db-a"));
        // Automated snapshots need no call, so they are still known.
        for a in snapshots_in(&snap, ResourceType::RdsDbSnapshot, r)
            .filter(|s| s.snapshot_type.as_deref() == Some("automated"))
        {
            assert_eq!(a.public, Collected::Value(false));
        }
        instance(&snap, r, "db-a");
    }
    let denied: Vec<_> = snap
        .gaps
        .iter()
        .filter(|g| g.action == "rds:DescribeDBSnapshotAttributes")
        .collect();
    assert_eq!(denied.len(), 2, "{:#?}", snap.gaps);
    for r in [R1, R2] {
        assert!(
            denied.iter().any(|g| g.kind == GapKind::AccessDenied
                && g.service == Service::Rds
                && g.region.as_ref().map(|x| x.as_str()) == Some(r)
                && g.resource.as_ref() == Some(&rds_arn(r, "snapshot:snap-a"))
                && g.error_code.as_deref() == Some("AccessDenied")),
            "{r}: {denied:#?}"
        );
    }
    assert_eq!(snap.gaps.len(), 2, "no other gaps: {:#?}", snap.gaps);
    // Cluster snapshot attributes are a different call and still read.
    let cs = cluster_snapshot(&snap, R1, "csnap-a");
    assert_eq!(cs.public, Collected::Value(true));
    cluster(&snap, R1, "cl-a");
}

#[tokio::test]
async fn rds_denied_clusters_are_a_gap_and_instances_remain() {
    let env = Env::start().await;
    seed_small(&env).await;
    env.proxy.fault(
        "rds:DescribeDBClusters",
        Fault::Error {
            code: "AccessDenied",
            status: 403,
        },
    );
    let snap = scan(&env).await;

    assert_eq!(snap.of_type(ResourceType::RdsDbCluster).count(), 0);
    assert_eq!(snap.gaps.len(), 2, "{:#?}", snap.gaps);
    for r in [R1, R2] {
        assert!(
            snap.gaps
                .iter()
                .any(|g| g.action == "rds:DescribeDBClusters"
                    && g.kind == GapKind::AccessDenied
                    && g.resource.is_none()
                    && g.region.as_ref().map(|x| x.as_str()) == Some(r)),
            "{r}: {:#?}",
            snap.gaps
        );
        instance(&snap, r, "db-a");
        assert_eq!(
            db_snapshot(&snap, r, "snap-a").public,
            Collected::Value(true)
        );
    }
    // Cluster snapshots come from their own list call.
    assert_eq!(
        cluster_snapshot(&snap, R1, "csnap-a").public,
        Collected::Value(true)
    );
}

#[tokio::test]
async fn rds_throttled_instances_are_retried() {
    let env = Env::start().await;
    seed_small(&env).await;
    env.proxy
        .fault("rds:DescribeDBInstances", Fault::ThrottleFirst { times: 2 });
    let snap = scan(&env).await;
    assert!(snap.gaps.is_empty(), "{:#?}", snap.gaps);
    for r in [R1, R2] {
        let i = instance(&snap, r, "db-a");
        assert_eq!(i.master_username.as_deref(), Some("dbowner"));
    }
    assert_eq!(
        rds_requests(&env).get("rds:DescribeDBInstances"),
        Some(&4),
        "two throttled attempts, then one success per region"
    );
}
