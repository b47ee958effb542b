//! Instance configurations (`AWS::EC2::InstanceConfiguration`) against
//! moto, in both test regions: a Nitro Enclave host with IMDSv1 allowed, a
//! public IPv4 address and a vsock proxy port open to the internet, and a
//! stopped instance; the companion comes from the same `DescribeInstances`
//! listing, with no call of its own.
//!
//! moto keeps no `EnclaveOptions`: the proxy adds them to the host's entry
//! in the `DescribeInstances` answer, as AWS returns them.

use cloudarq_model::inventory::ec2::InstanceConfiguration;
use cloudarq_model::rule::Status;
use cloudarq_model::{Arn, Properties, ResourceType, Service, Snapshot, Timestamp};

use aws_sdk_ec2::types::{IpPermission, IpRange};

use crate::harness::*;

/// An AMI moto knows.
const AMI: &str = "ami-12c6146b";

struct Seeded {
    host: String,
    parked: String,
}

async fn seed(env: &Env, r: &str) -> Seeded {
    let ec2 = env.ec2(r).await;
    let sg = ec2
        .create_security_group()
        .group_name("enclave-host")
        .description("enclave host")
        .send()
        .await
        .expect("group")
        .group_id()
        .expect("group id")
        .to_owned();
    for port in [443, 8080] {
        ec2.authorize_security_group_ingress()
            .group_id(&sg)
            .ip_permissions(
                IpPermission::builder()
                    .ip_protocol("tcp")
                    .from_port(port)
                    .to_port(port)
                    .ip_ranges(IpRange::builder().cidr_ip("0.0.0.0/0").build())
                    .build(),
            )
            .send()
            .await
            .expect("ingress");
    }
    let mut ids = Vec::new();
    for group in [Some(sg.as_str()), None] {
        let mut req = ec2.run_instances().image_id(AMI).min_count(1).max_count(1);
        if let Some(g) = group {
            req = req.security_group_ids(g);
        }
        ids.push(
            req.send().await.expect("run").instances()[0]
                .instance_id()
                .expect("id")
                .to_owned(),
        );
    }
    ec2.stop_instances()
        .instance_ids(&ids[1])
        .send()
        .await
        .expect("stop");
    let host = ids[0].clone();
    env.proxy.rewrite_response(
        "ec2:DescribeInstances",
        &format!("<instanceId>{host}</instanceId>"),
        &format!(
            "<instanceId>{host}</instanceId><enclaveOptions><enabled>true</enabled></enclaveOptions>"
        ),
    );
    Seeded {
        host,
        parked: ids[1].clone(),
    }
}

fn configuration<'s>(snap: &'s Snapshot, r: &str, id: &str) -> &'s InstanceConfiguration {
    let arn: Arn = format!("arn:aws:ec2:{r}:{ACCOUNT}:instance-configuration/{id}")
        .parse()
        .expect("ARN");
    match &snap.resources.get(&arn).expect("configuration").properties {
        Properties::Ec2InstanceConfiguration(c) => c,
        other => panic!("{:?}", other.resource_type()),
    }
}

fn status(snap: &Snapshot, rule: &str, r: &str, id: &str) -> Option<Status> {
    let arn: Arn = format!("arn:aws:ec2:{r}:{ACCOUNT}:instance/{id}")
        .parse()
        .expect("ARN");
    rule_status(snap, rule, &arn)
}

#[tokio::test]
async fn instance_configurations_and_enclave_hosts_in_both_regions() {
    let env = Env::start().await;
    let s1 = seed(&env, R1).await;
    let s2 = seed(&env, R2).await;
    let before = env.proxy.seen().len();
    let mut snap = env.collect(&[Service::Ec2]).await;
    assert_eq!(
        snap.of_type(ResourceType::Ec2InstanceConfiguration).count(),
        snap.of_type(ResourceType::Ec2Instance).count(),
        "one companion per instance"
    );
    let listings = env.proxy.seen()[before..]
        .iter()
        .filter(|x| x.operation == "ec2:DescribeInstances")
        .count();
    assert_eq!(listings, 2, "no call of its own: one listing per region");
    for (r, s) in [(R1, &s1), (R2, &s2)] {
        let host = configuration(&snap, r, &s.host);
        assert!(host.enclaves_enabled, "{r}");
        assert!(host.state_transition_time.is_none());
        let parked = configuration(&snap, r, &s.parked);
        assert!(!parked.enclaves_enabled);
        assert!(
            parked
                .state_transition_reason
                .as_deref()
                .is_some_and(|x| x.starts_with("User initiated (")),
            "{parked:?}"
        );
        assert!(parked.state_transition_time.is_some());

        for (rule, expected) in [
            (
                "ec2_confidential_workload_host_imdsv2_not_enforced",
                Status::Fail,
            ),
            ("ec2_confidential_workload_host_not_running", Status::Pass),
            ("ec2_confidential_workload_host_public_ip", Status::Fail),
            (
                "ec2_confidential_workload_host_unrestricted_ingress",
                Status::Fail,
            ),
            (
                "ec2_confidential_workload_host_vsock_proxy_exposed",
                Status::Fail,
            ),
        ] {
            assert_eq!(
                status(&snap, rule, r, &s.host),
                Some(expected),
                "{rule} in {r}"
            );
            // The parked instance hosts no enclave.
            assert_eq!(status(&snap, rule, r, &s.parked), None, "{rule} in {r}");
        }
        assert_eq!(
            status(
                &snap,
                "ec2_instance_stopped_older_than_specific_days",
                r,
                &s.parked
            ),
            Some(Status::Pass)
        );
    }
    // Forty days on, the parked instances have been stopped too long.
    let stopped = configuration(&snap, R1, &s1.parked)
        .state_transition_time
        .expect("stop time");
    snap.collected_at =
        Timestamp::from_unix(stopped.get().unix_timestamp() + 40 * 86_400).expect("time");
    for (r, s) in [(R1, &s1), (R2, &s2)] {
        assert_eq!(
            status(
                &snap,
                "ec2_instance_stopped_older_than_specific_days",
                r,
                &s.parked
            ),
            Some(Status::Fail)
        );
    }
}
