//! `ec2_elastic_ip_unassigned`: every Elastic IP is associated with an
//! instance or a network interface.
//!
//! Every input arrives with the address itself (`DescribeAddresses`), so
//! there is no not-collected outcome.

use crate::controls::fsbp;
use cloudarq_model::rule::{Outcome, Remediation, Rule, RuleError, RuleMeta, Severity};
use cloudarq_model::{Properties, Resource, ResourceType, Service, Snapshot};
use serde_json::json;

static META: RuleMeta = RuleMeta {
    id: "ec2_elastic_ip_unassigned",
    title: "Elastic IP address is associated with an instance or network interface",
    severity: Severity::Low,
    service: Service::Ec2,
    resource_types: &[ResourceType::Ec2Eip],
    rationale: "An unassociated Elastic IP is paid for and forgotten; it may still be named in \
                DNS records or partners' allow lists, so whoever it is attached to next \
                inherits that trust.",
    remediation: Remediation {
        cli: "aws ec2 release-address --allocation-id <eipalloc-id>\n\
              aws ec2 associate-address --allocation-id <eipalloc-id> --instance-id <i-id>",
        console: "EC2 console > Elastic IPs > select the address > Actions > Release Elastic IP \
                  addresses (or Associate Elastic IP address).",
        url: "https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/working-with-eips.html",
    },
    controls: &[fsbp("EC2.12")],
};

/// Elastic IP address is associated with an instance or network interface.
pub(crate) struct Ec2ElasticIpUnassigned;

impl Rule for Ec2ElasticIpUnassigned {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn evaluate(&self, resource: &Resource, _snapshot: &Snapshot) -> Result<Outcome, RuleError> {
        let Properties::Ec2Eip(eip) = &resource.properties else {
            return Ok(Outcome::not_applicable());
        };
        let ip = eip.public_ip.as_deref().unwrap_or(&eip.allocation_id);
        let target = eip
            .instance_id
            .as_deref()
            .or(eip.network_interface_id.as_deref());
        Ok(Outcome::check(
            eip.is_associated(),
            format!(
                "Elastic IP {ip} is associated with {}",
                target.unwrap_or("a resource")
            ),
            format!("Elastic IP {ip} is not associated with any instance or network interface"),
        )
        .with_evidence(json!({
            "allocation_id": eip.allocation_id,
            "association_id": eip.association_id,
            "instance_id": eip.instance_id,
            "network_interface_id": eip.network_interface_id,
        })))
    }
}
