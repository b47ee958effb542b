//! `ec2_instance_public_ip`: no instance has a public IPv4 address, on its
//! primary interface or on any other attached interface.
//!
//! Terminated instances are not applicable. When the instance has no primary
//! public address and one of its interfaces is missing from the snapshot, the
//! verdict is *not collected*: that interface could carry an Elastic IP.

use cloudarq_model::rule::{Outcome, Remediation, Rule, RuleError, RuleMeta, Severity};
use cloudarq_model::{Properties, Resource, ResourceType, Service, Snapshot};
use serde_json::json;

use super::exposure;
use crate::controls::{fsbp, nist};

static META: RuleMeta = RuleMeta {
    id: "ec2_instance_public_ip",
    title: "EC2 instance has no public IPv4 address",
    severity: Severity::Medium,
    service: Service::Ec2,
    resource_types: &[ResourceType::Ec2Instance],
    rationale: "An instance with a public address is directly reachable from the internet \
                whenever a security group or network ACL rule allows it, so one mistake in either \
                exposes it. Keep instances in private subnets behind load balancers, NAT and \
                Session Manager.",
    remediation: Remediation {
        cli: "aws ec2 describe-addresses --filters Name=instance-id,Values=<instance-id>\n\
              aws ec2 disassociate-address --association-id <eipassoc-id>\n\
              aws ec2 modify-subnet-attribute --subnet-id <subnet-id> \
              --no-map-public-ip-on-launch",
        console: "EC2 console > Elastic IPs > select the address > Actions > Disassociate Elastic \
                  IP address. An auto-assigned public IP cannot be removed: relaunch the instance \
                  in a private subnet (VPC console > Subnets > Edit subnet settings > clear \
                  Auto-assign public IPv4 address).",
        url: "https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/using-instance-addressing.html",
    },
    controls: &[fsbp("EC2.9"), nist("SC-7(28)")],
};

/// EC2 instance has no public IPv4 address.
pub(crate) struct Ec2InstancePublicIp;

impl Rule for Ec2InstancePublicIp {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn evaluate(&self, resource: &Resource, snapshot: &Snapshot) -> Result<Outcome, RuleError> {
        let Properties::Ec2Instance(inst) = &resource.properties else {
            return Ok(Outcome::not_applicable());
        };
        if exposure::is_gone(inst) {
            return Ok(Outcome::not_applicable());
        }
        let id = &inst.instance_id;
        let evidence =
            json!({ "public_ip": inst.public_ip, "network_interfaces": inst.network_interfaces });
        let outcome = match exposure::instance_public_ips(inst, resource.region.as_ref(), snapshot)
        {
            Err(field) => Outcome::not_collected(field),
            Ok(ips) if ips.is_empty() => {
                Outcome::pass(format!("Instance {id} has no public IPv4 address"))
            }
            Ok(ips) => Outcome::fail(format!(
                "Instance {id} has a public IPv4 address: {}",
                ips.join(", ")
            )),
        };
        Ok(outcome.with_evidence(evidence))
    }
}
