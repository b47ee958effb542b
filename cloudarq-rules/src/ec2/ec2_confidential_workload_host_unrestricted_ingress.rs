//! `ec2_confidential_workload_host_unrestricted_ingress`: no security group
//! of an instance hosting Nitro Enclaves admits `0.0.0.0/0` or `::/0` on a
//! TCP or UDP port other than 22, 80 and 443 (the peer's default
//! allow-list), or all traffic.
//!
//! Judged as the instance port rules are (`exposure::instance`): a managed
//! prefix list or a security group missing from the snapshot makes the
//! verdict *not collected* unless another rule already fails it. Pending
//! and terminated or terminating hosts are not judged.

use cloudarq_model::rule::{Outcome, Remediation, Rule, RuleError, RuleMeta, Severity};
use cloudarq_model::{Resource, ResourceType, Service, Snapshot};

use super::enclave;
use super::exposure::Traffic;
use crate::controls::nist;

/// The ports a host may open to the internet (the peer's default).
const ALLOWED: &[i32] = &[22, 80, 443];

static META: RuleMeta = RuleMeta {
    id: "ec2_confidential_workload_host_unrestricted_ingress",
    title: "Nitro Enclave host opens no port but 22, 80 and 443 to the internet",
    severity: Severity::High,
    service: Service::Ec2,
    resource_types: &[ResourceType::Ec2Instance],
    rationale: "Every service listening on an enclave's host is a way onto the machine that \
                relays the enclave's traffic and holds the role credentials its workload uses. \
                A host should answer the internet, if at all, on its front-end ports only; any \
                other port open to 0.0.0.0/0 or ::/0 widens what an attacker can try against it.",
    remediation: Remediation {
        cli: "aws ec2 describe-security-groups --group-ids <sg-id> --query \
              'SecurityGroups[].IpPermissions'\n\
              aws ec2 revoke-security-group-ingress --group-id <sg-id> --ip-permissions \
              '[{\"IpProtocol\":\"tcp\",\"FromPort\":<from>,\"ToPort\":<to>,\"IpRanges\":\
              [{\"CidrIp\":\"0.0.0.0/0\"}]}]'",
        console: "EC2 console > Instances > the enclave host > Security > the security group > \
                  Edit inbound rules; remove 0.0.0.0/0 and ::/0 sources on every port but the \
                  front-end ones, or narrow them to known addresses.",
        url: "https://docs.aws.amazon.com/vpc/latest/userguide/security-group-rules.html",
    },
    controls: &[nist("SC-7(11)")],
};

/// A Nitro Enclave host opens no unexpected port to the internet.
pub(crate) struct Ec2ConfidentialWorkloadHostUnrestrictedIngress;

impl Rule for Ec2ConfidentialWorkloadHostUnrestrictedIngress {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn evaluate(&self, resource: &Resource, snapshot: &Snapshot) -> Result<Outcome, RuleError> {
        Ok(enclave::exposure(
            &META,
            resource,
            snapshot,
            Traffic::PortsExcept { allowed: ALLOWED },
        ))
    }
}
