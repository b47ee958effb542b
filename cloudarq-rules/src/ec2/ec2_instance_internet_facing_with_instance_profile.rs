//! `ec2_instance_internet_facing_with_instance_profile`: no instance with a
//! public IPv4 address also carries an IAM instance profile.
//!
//! Terminated instances are not applicable. Whether the instance is
//! internet-facing follows
//! [`ec2_instance_public_ip`](super::ec2_instance_public_ip): an interface
//! missing from the snapshot makes the verdict *not collected*.

use cloudarq_model::rule::{Outcome, Remediation, Rule, RuleError, RuleMeta, Severity};
use cloudarq_model::{Properties, Resource, ResourceType, Service, Snapshot};
use serde_json::json;

use super::exposure;
use crate::controls::fsbp;

static META: RuleMeta = RuleMeta {
    id: "ec2_instance_internet_facing_with_instance_profile",
    title: "EC2 instance with a public IP address has no IAM instance profile",
    severity: Severity::High,
    service: Service::Ec2,
    resource_types: &[ResourceType::Ec2Instance],
    rationale: "An internet-facing instance is the most likely to be compromised, and its \
                instance profile hands the attacker AWS credentials through the metadata service. \
                Put internet-facing workloads behind a load balancer, or give them a role with \
                only the permissions they need.",
    remediation: Remediation {
        cli: "aws ec2 describe-iam-instance-profile-associations --filters \
              Name=instance-id,Values=<instance-id>\n\
              aws ec2 disassociate-iam-instance-profile --association-id <iip-assoc-id>",
        console: "EC2 console > Instances > select the instance > Actions > Security > Modify IAM \
                  role > No IAM Role (or a least-privilege role) > Update IAM role; better, move \
                  the instance to a private subnet behind a load balancer.",
        url: "https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/iam-roles-for-amazon-ec2.html",
    },
    controls: &[fsbp("EC2.9")],
};

/// EC2 instance with a public IP address has no IAM instance profile.
pub(crate) struct Ec2InstanceInternetFacingWithInstanceProfile;

impl Rule for Ec2InstanceInternetFacingWithInstanceProfile {
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
        let Some(profile) = &inst.iam_instance_profile else {
            return Ok(Outcome::pass(format!(
                "Instance {id} has no IAM instance profile"
            )));
        };
        let evidence = json!({
            "iam_instance_profile": profile,
            "public_ip": inst.public_ip,
            "network_interfaces": inst.network_interfaces,
        });
        let outcome = match exposure::instance_public_ips(inst, resource.region.as_ref(), snapshot)
        {
            Err(field) => Outcome::not_collected(field),
            Ok(ips) if ips.is_empty() => Outcome::pass(format!(
                "Instance {id} has instance profile {profile} but no public IPv4 address"
            )),
            Ok(ips) => Outcome::fail(format!(
                "Instance {id} has a public IPv4 address ({}) and instance profile {profile}",
                ips.join(", ")
            )),
        };
        Ok(outcome.with_evidence(evidence))
    }
}
