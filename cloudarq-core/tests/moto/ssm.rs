//! The Systems Manager collector against moto, in both test regions: a
//! running instance whose agent is online, one whose connection is lost,
//! one that is not a managed node, and a stopped one; then the listing
//! denied, a gap and *not collected*, never a FAIL.
//!
//! moto 5.2 has no `DescribeInstanceInformation`: the proxy answers it as
//! AWS does for the instances it seeds (ARCHITECTURE.md, moto table),
//! with the IP address and computer name AWS sends, which CloudArq must
//! not keep.

use std::time::{SystemTime, UNIX_EPOCH};

use cloudarq_core::engine::Engine;
use cloudarq_model::inventory::ssm::ManagedInstance;
use cloudarq_model::rule::Status;
use cloudarq_model::{Arn, GapKind, Properties, ResourceType, Service, Snapshot};

use crate::harness::*;

const RULE: &str = "ec2_instance_managed_by_ssm";

/// An AMI moto knows.
const AMI: &str = "ami-12c6146b";

/// One region's instances.
struct Instances {
    online: String,
    lost: String,
    unmanaged: String,
    stopped: String,
}

async fn run(env: &Env, r: &str) -> String {
    env.ec2(r)
        .await
        .run_instances()
        .image_id(AMI)
        .min_count(1)
        .max_count(1)
        .send()
        .await
        .expect("run instance")
        .instances()[0]
        .instance_id()
        .expect("instance id")
        .to_owned()
}

async fn seed(env: &Env, r: &str) -> Instances {
    let i = Instances {
        online: run(env, r).await,
        lost: run(env, r).await,
        unmanaged: run(env, r).await,
        stopped: run(env, r).await,
    };
    env.ec2(r)
        .await
        .stop_instances()
        .instance_ids(&i.stopped)
        .send()
        .await
        .expect("stop instance");
    i
}

/// A `DescribeInstanceInformation` answer for one region, leaked to live
/// as long as the proxy (it holds moto's random instance ids).
fn node_list(i: &Instances) -> &'static str {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("clock after 1970")
        .as_secs();
    let body = format!(
        r#"{{"InstanceInformationList":[
        {{"InstanceId":"{}","PingStatus":"Online","LastPingDateTime":{now},"AgentVersion":"3.3.1142.0","PlatformType":"Linux","PlatformName":"Amazon Linux","IPAddress":"10.0.0.11","ComputerName":"web-1.internal","ResourceType":"EC2Instance"}},
        {{"InstanceId":"{}","PingStatus":"ConnectionLost","LastPingDateTime":{},"AgentVersion":"3.2.582.0","PlatformType":"Windows","IPAddress":"10.0.0.12","ComputerName":"EC2AMAZ-LOST","ResourceType":"EC2Instance"}},
        {{"InstanceId":"{}","PingStatus":"Online","LastPingDateTime":{now},"AgentVersion":"3.3.1142.0","PlatformType":"Linux","IPAddress":"10.0.0.13","ComputerName":"stopped.internal","ResourceType":"EC2Instance"}}]}}"#,
        i.online,
        i.lost,
        now - 7 * 86_400,
        i.stopped
    );
    Box::leak(body.into_boxed_str())
}

async fn seeded() -> (Env, [Instances; 2]) {
    let env = Env::start().await;
    let i1 = seed(&env, R1).await;
    let i2 = seed(&env, R2).await;
    answer(&env, &i1, &i2);
    (env, [i1, i2])
}

fn answer(env: &Env, i1: &Instances, i2: &Instances) {
    let bodies: Vec<(&'static str, &'static str)> = vec![(R1, node_list(i1)), (R2, node_list(i2))];
    env.proxy.fault(
        "ssm:DescribeInstanceInformation",
        Fault::RespondPerRegion {
            bodies: Box::leak(bodies.into_boxed_slice()),
        },
    );
}

async fn scan(env: &Env) -> Snapshot {
    env.collect(&[Service::Ec2, Service::Ssm]).await
}

fn node<'s>(snap: &'s Snapshot, r: &str, id: &str) -> &'s ManagedInstance {
    let arn: Arn = format!("arn:aws:ssm:{r}:{ACCOUNT}:managed-instance/{id}")
        .parse()
        .expect("test ARN");
    let res = snap
        .resources
        .get(&arn)
        .unwrap_or_else(|| panic!("node {id} of {r} collected"));
    assert_eq!(res.name, id);
    match &res.properties {
        Properties::SsmManagedInstance(m) => m,
        other => panic!("{r}: {:?}", other.resource_type()),
    }
}

fn status(snap: &Snapshot, r: &str, id: &str) -> Option<Status> {
    let arn: Arn = format!("arn:aws:ec2:{r}:{ACCOUNT}:instance/{id}")
        .parse()
        .expect("test ARN");
    rule_status(snap, RULE, &arn)
}

#[tokio::test]
async fn ssm_collects_managed_nodes_in_both_regions() {
    let (env, seeded) = seeded().await;
    let snap = scan(&env).await;
    // EC2's own gaps (moto lacks `GetEbsDefaultKmsKeyId`) are not this test's.
    let gaps: Vec<_> = snap
        .gaps
        .iter()
        .filter(|g| g.service == Service::Ssm)
        .collect();
    assert!(gaps.is_empty(), "{gaps:#?}");
    assert_eq!(snap.of_type(ResourceType::SsmManagedInstance).count(), 6);
    for (r, i) in [R1, R2].into_iter().zip(&seeded) {
        let on = node(&snap, r, &i.online);
        assert_eq!(on.instance_id, i.online);
        assert_eq!(on.ping_status.as_deref(), Some("Online"));
        assert_eq!(on.agent_version.as_deref(), Some("3.3.1142.0"));
        assert_eq!(on.platform_type.as_deref(), Some("Linux"));
        assert!(on.last_ping.is_some());
        let lost = node(&snap, r, &i.lost);
        assert_eq!(lost.ping_status.as_deref(), Some("ConnectionLost"));
        assert_eq!(lost.platform_type.as_deref(), Some("Windows"));
        assert_ne!(lost.last_ping, on.last_ping);

        assert_eq!(status(&snap, r, &i.online), Some(Status::Pass), "{r}");
        assert_eq!(status(&snap, r, &i.lost), Some(Status::Fail), "{r}");
        assert_eq!(status(&snap, r, &i.unmanaged), Some(Status::Fail), "{r}");
        // A stopped instance is not applicable, even when registered.
        assert_eq!(status(&snap, r, &i.stopped), None, "{r}");
    }
    // Host data AWS sends is never kept.
    let json = snap.to_json().expect("snapshot serializes");
    for host in [
        "10.0.0.11",
        "web-1.internal",
        "EC2AMAZ-LOST",
        "Amazon Linux",
    ] {
        assert!(!json.contains(host), "{host} leaked into the snapshot");
    }
    let seen = env.proxy.seen();
    let listings = seen
        .iter()
        .filter(|s| s.operation == "ssm:DescribeInstanceInformation")
        .count();
    assert_eq!(listings, 2, "one listing page per region");
}

/// A denied listing is a gap per region; running instances are *not
/// collected*, never FAIL.
#[tokio::test]
async fn ssm_denied_listing_is_a_gap_never_a_fail() {
    let (env, seeded) = seeded().await;
    env.proxy.fault(
        "ssm:DescribeInstanceInformation",
        Fault::Error {
            code: "AccessDeniedException",
            status: 400,
        },
    );
    let snap = scan(&env).await;
    assert_eq!(snap.of_type(ResourceType::SsmManagedInstance).count(), 0);
    for r in [R1, R2] {
        assert!(
            snap.gaps.iter().any(|g| g.service == Service::Ssm
                && g.action == "ssm:DescribeInstanceInformation"
                && g.kind == GapKind::AccessDenied
                && g.region.as_ref().map(|x| x.as_str()) == Some(r)),
            "{:#?}",
            snap.gaps
        );
    }
    let result = Engine::new(cloudarq_rules::all()).evaluate(&snap);
    assert!(
        !result.findings.iter().any(|f| f.rule_id == RULE),
        "no finding"
    );
    for (r, i) in [R1, R2].into_iter().zip(&seeded) {
        let arn = format!("arn:aws:ec2:{r}:{ACCOUNT}:instance/{}", i.unmanaged);
        assert!(
            result
                .evaluation_gaps
                .iter()
                .any(|g| g.rule_id == RULE && g.resource_arn.as_str() == arn),
            "{r}: not collected"
        );
    }
}
