//! `ec2_confidential_workload_host_public_ip`: an instance hosting Nitro
//! Enclaves has no public address.
//!
//! A public IPv4 address (on the instance or any of its interfaces, an
//! Elastic IP included) or a globally routable IPv6 address makes the host
//! reachable from the internet, as far as its security groups allow. The
//! peer also fails a host with private addresses only in a subnet routed to
//! an internet gateway; such a host cannot be reached from the internet
//! (inbound traffic through a gateway needs a public address), so CloudArq
//! does not. Pending and terminated or terminating hosts are not judged.

use cloudarq_model::rule::{Outcome, Remediation, Rule, RuleError, RuleMeta, Severity};
use cloudarq_model::{Resource, ResourceType, Service, Snapshot};
use serde_json::json;

use super::{enclave, exposure, is_public_ipv6_cidr};
use crate::controls::nist;

static META: RuleMeta = RuleMeta {
    id: "ec2_confidential_workload_host_public_ip",
    title: "Nitro Enclave host has no public IP address",
    severity: Severity::Medium,
    service: Service::Ec2,
    resource_types: &[ResourceType::Ec2Instance],
    rationale: "The host of a confidential workload relays everything its enclave sends and \
                receives, and holds the role credentials the enclave uses. A public address puts \
                that host one security-group mistake away from the whole internet; enclave hosts \
                belong in private subnets behind a load balancer or a NAT gateway.",
    remediation: Remediation {
        cli: "aws ec2 disassociate-address --association-id <eipassoc-id>\n\
              # an auto-assigned public IPv4 address goes only with a new instance: launch the \
              host in a private subnet (--no-associate-public-ip-address), then move the \
              workload",
        console: "EC2 console > Elastic IPs > the host's address > Actions > Disassociate; for \
                  an auto-assigned address, relaunch the host in a private subnet without a \
                  public IP and remove any IPv6 address it does not need.",
        url: "https://docs.aws.amazon.com/enclaves/latest/user/nitro-enclave-concepts.html",
    },
    controls: &[nist("SC-7a")],
};

/// A Nitro Enclave host has no public address.
pub(crate) struct Ec2ConfidentialWorkloadHostPublicIp;

impl Rule for Ec2ConfidentialWorkloadHostPublicIp {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn evaluate(&self, resource: &Resource, snapshot: &Snapshot) -> Result<Outcome, RuleError> {
        let host = match enclave::host(resource, snapshot, enclave::LIVE_STATES) {
            Ok(h) => h,
            Err(outcome) => return Ok(outcome),
        };
        let id = &host.instance.instance_id;
        let public_ipv4 = match exposure::instance_public_ips(
            host.instance,
            resource.region.as_ref(),
            snapshot,
        ) {
            Ok(ips) => ips,
            Err(field) => return Ok(Outcome::not_collected(field)),
        };
        let public_ipv6: Vec<&str> = host
            .configuration
            .ipv6_addresses
            .iter()
            .map(String::as_str)
            .filter(|a| is_public_ipv6_cidr(&format!("{a}/128")).unwrap_or(true))
            .collect();
        let mut addresses: Vec<String> = public_ipv4;
        addresses.extend(public_ipv6.iter().map(|a| (*a).to_owned()));
        let evidence = json!({"public_addresses": addresses});
        let outcome = if addresses.is_empty() {
            Outcome::pass(format!("Nitro Enclave host {id} has no public IP address"))
        } else {
            Outcome::fail(format!(
                "Nitro Enclave host {id} has public addresses: {}. {}",
                addresses.join(", "),
                enclave::HOST_SCOPE
            ))
        };
        Ok(outcome.with_evidence(evidence))
    }
}
