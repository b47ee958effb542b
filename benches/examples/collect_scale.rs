//! Collection of a large emulated account (issue 14): moto seeded with
//! 1,000 S3 buckets, 2,000 security groups holding 10,000 ingress rules,
//! 500 EC2 instances, 300 IAM users and 100 RDS instances over four
//! regions, then one full collection (every service, the four regions)
//! through the fault proxy with no fault set, at the default rate limits.
//!
//! ```sh
//! cargo run --release -p cloudarq-benches --example collect_scale $CFG -- 1.0
//! ```
//!
//! The argument scales every count (default 1.0; 0.1 seeds a tenth). It
//! prints the seeding time, the collection's wall time, its CPU time and
//! moto's, the resources per type, the requests per API operation, and the
//! bound the client-side token buckets set: for each bucket (API × region;
//! one bucket for a global API), the requests beyond its burst divided by
//! its rate. The largest is the shortest time the collection could take
//! with every bucket busy at once. Needs `moto_server` on PATH
//! (`./scripts/test.sh` installs it).

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

use std::collections::BTreeMap;
use std::time::Instant;

use aws_sdk_ec2::types::{Filter, IpPermission, IpRange};
use cloudarq_benches::cpu_seconds;
use cloudarq_core::{ApiService, RateLimits};
use cloudarq_model::Region;
use harness::Env;

/// The four regions, each seeded with a quarter of every regional count.
const REGIONS: [&str; 4] = ["eu-west-1", "us-east-1", "us-west-2", "ap-southeast-2"];

/// The counts of the issue's large account.
const BUCKETS: usize = 1_000;
const GROUPS: usize = 2_000;
const RULES_PER_GROUP: usize = 5;
const INSTANCES: usize = 500;
const USERS: usize = 300;
const DATABASES: usize = 100;

/// `n` scaled, and split evenly over the regions.
fn share(n: usize, scale: f64) -> usize {
    ((n as f64 * scale) / REGIONS.len() as f64).round() as usize
}

/// Seeds one region with its share of the regional resources.
async fn seed_region(env: &Env, region: &'static str, scale: f64) {
    for i in 0..share(BUCKETS, scale) {
        let name = format!("scale-{region}-{i:04}");
        env.create_bucket(region, &name).await.send().await.unwrap();
    }
    let ec2 = env.ec2(region).await;
    let vpcs = ec2
        .describe_vpcs()
        .filters(Filter::builder().name("is-default").values("true").build())
        .send()
        .await
        .unwrap();
    let vpc_id = vpcs.vpcs()[0].vpc_id().unwrap().to_owned();
    let subnets = ec2
        .describe_subnets()
        .filters(Filter::builder().name("vpc-id").values(&vpc_id).build())
        .send()
        .await
        .unwrap();
    let subnet_id = subnets.subnets()[0].subnet_id().unwrap().to_owned();
    let mut groups = Vec::new();
    for i in 0..share(GROUPS, scale) {
        let id = ec2
            .create_security_group()
            .group_name(format!("scale-{i:04}"))
            .description("scale")
            .vpc_id(&vpc_id)
            .send()
            .await
            .unwrap()
            .group_id()
            .unwrap()
            .to_owned();
        let mut req = ec2.authorize_security_group_ingress().group_id(&id);
        for r in 0..RULES_PER_GROUP {
            let port = 1000 + i32::try_from(r).unwrap();
            // One rule in seven open to the internet.
            let cidr = if (i + r) % 7 == 0 {
                "0.0.0.0/0".to_owned()
            } else {
                format!("10.{}.{}.0/24", i % 250, r)
            };
            req = req.ip_permissions(
                IpPermission::builder()
                    .ip_protocol("tcp")
                    .from_port(port)
                    .to_port(port)
                    .ip_ranges(IpRange::builder().cidr_ip(cidr).build())
                    .build(),
            );
        }
        req.send().await.unwrap();
        groups.push(id);
    }
    let instances = share(INSTANCES, scale);
    let mut launched = 0;
    while launched < instances {
        let n = (instances - launched).min(25);
        let mut req = ec2
            .run_instances()
            .image_id("ami-12c6146b")
            .instance_type(aws_sdk_ec2::types::InstanceType::T3Micro)
            .min_count(i32::try_from(n).unwrap())
            .max_count(i32::try_from(n).unwrap())
            .subnet_id(&subnet_id);
        if let Some(g) = groups.get(launched % groups.len().max(1)) {
            req = req.security_group_ids(g);
        }
        req.send().await.unwrap();
        launched += n;
    }
    let rds = env.rds(region).await;
    for i in 0..share(DATABASES, scale) {
        rds.create_db_instance()
            .db_instance_identifier(format!("scale-db-{i:03}"))
            .engine("postgres")
            .db_instance_class("db.t3.micro")
            .allocated_storage(20)
            .master_username("postgres")
            .master_user_password("not-a-real-password-1")
            .send()
            .await
            .unwrap();
    }
}

/// Seeds IAM (global): the users, every other one with an access key.
async fn seed_iam(env: &Env, scale: f64) {
    let iam = env.iam().await;
    for i in 0..((USERS as f64 * scale).round() as usize) {
        let name = format!("scale-user-{i:03}");
        iam.create_user().user_name(&name).send().await.unwrap();
        if i % 2 == 0 {
            iam.create_access_key()
                .user_name(&name)
                .send()
                .await
                .unwrap();
        }
    }
}

/// The API (the throttle's bucket family) of a proxied operation, by its
/// signing name (`s3:GetBucketVersioning`, `monitoring:DescribeAlarms`).
fn api_of(operation: &str) -> Option<ApiService> {
    let api = match operation.split(':').next()? {
        "s3" | "s3control" => ApiService::S3,
        "ec2" => ApiService::Ec2,
        "iam" => ApiService::Iam,
        "rds" => ApiService::Rds,
        "kms" => ApiService::Kms,
        "sts" => ApiService::Sts,
        "monitoring" => ApiService::CloudWatch,
        "logs" => ApiService::Logs,
        "sns" => ApiService::Sns,
        "elasticfilesystem" => ApiService::Efs,
        "backup" => ApiService::Backup,
        "ssm" => ApiService::Ssm,
        "cloudfront" => ApiService::CloudFront,
        "elasticloadbalancing" => ApiService::Elbv2,
        "apigateway" => ApiService::ApiGateway,
        "config" => ApiService::Config,
        "securityhub" => ApiService::SecurityHub,
        "access-analyzer" => ApiService::AccessAnalyzer,
        "macie2" => ApiService::Macie,
        "account" => ApiService::Account,
        "organizations" => ApiService::Organizations,
        "cloudtrail" => ApiService::CloudTrail,
        _ => return None,
    };
    Some(api)
}

/// APIs whose bucket is global (one for the account, not one per region).
fn is_global(api: ApiService) -> bool {
    matches!(
        api,
        ApiService::Iam
            | ApiService::Organizations
            | ApiService::OrganizationsAudit
            | ApiService::CloudFront
            | ApiService::Account
    )
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> anyhow::Result<()> {
    let scale: f64 = std::env::args()
        .nth(1)
        .map(|a| a.parse())
        .transpose()?
        .unwrap_or(1.0);
    anyhow::ensure!(scale > 0.0 && scale <= 4.0, "the scale must be in (0, 4]");
    let env = Env::start().await;
    env.correct_moto_versioning();
    let started = Instant::now();
    tokio::join!(
        seed_iam(&env, scale),
        seed_region(&env, REGIONS[0], scale),
        seed_region(&env, REGIONS[1], scale),
        seed_region(&env, REGIONS[2], scale),
        seed_region(&env, REGIONS[3], scale),
    );
    println!("seeded in {:.1} s", started.elapsed().as_secs_f64());
    env.proxy.clear_seen();

    let regions: Vec<Region> = REGIONS.iter().map(|r| r.parse().unwrap()).collect();
    let moto = env.moto.pid().to_string();
    let (cpu, moto_cpu) = (cpu_seconds("self"), cpu_seconds(&moto));
    let started = Instant::now();
    let snap = env
        .auditor(Env::static_source())
        .regions(regions)
        .build()?
        .collect()
        .await?;
    let wall = started.elapsed().as_secs_f64();
    let (cpu, moto_cpu) = (cpu_seconds("self") - cpu, cpu_seconds(&moto) - moto_cpu);

    let mut kinds: BTreeMap<String, usize> = BTreeMap::new();
    for r in snap.resources.iter() {
        *kinds.entry(r.resource_type().to_string()).or_default() += 1;
    }
    println!(
        "collected {} resources, {} requests, {} coverage gaps in {wall:.1} s; \
         CPU {cpu:.1} s ({:.2} cores); moto CPU {moto_cpu:.1} s",
        snap.resources.len(),
        snap.stats.api_requests,
        snap.gaps.len(),
        cpu / wall
    );
    for (kind, n) in &kinds {
        println!("  {n:>6}  {kind}");
    }

    let limits = RateLimits::default();
    let mut per_operation: BTreeMap<String, u64> = BTreeMap::new();
    let mut per_bucket: BTreeMap<(String, String), (u64, f64)> = BTreeMap::new();
    for seen in env.proxy.seen() {
        *per_operation.entry(seen.operation.clone()).or_default() += 1;
        // The scope is `<date>/<region>/<service>/aws4_request`.
        let region = seen.scope.split('/').nth(1).unwrap_or("?").to_owned();
        let (name, rate, region) = match api_of(&seen.operation) {
            Some(api) if is_global(api) => (
                api.name().to_owned(),
                limits.per_second(api),
                "global".to_owned(),
            ),
            Some(api) => (api.name().to_owned(), limits.per_second(api), region),
            None => (format!("unmapped {}", seen.operation), 0.0, region),
        };
        per_bucket.entry((name, region)).or_insert((0, rate)).0 += 1;
    }
    println!("requests per operation:");
    for (op, n) in &per_operation {
        println!("  {n:>6}  {op}");
    }
    println!("token-bucket bound (burst {}):", limits.burst);
    let mut bound: f64 = 0.0;
    for ((api, region), (n, rate)) in &per_bucket {
        let t = if *rate > 0.0 {
            (*n as f64 - limits.burst).max(0.0) / rate
        } else {
            0.0
        };
        bound = bound.max(t);
        println!("  {api:<22} {region:<15} {n:>6} requests at {rate:>5.1}/s: {t:>7.1} s");
    }
    println!(
        "bound {bound:.1} s; wall {wall:.1} s = {:.2} x the bound",
        wall / bound.max(f64::MIN_POSITIVE)
    );
    Ok(())
}
