//! `ec2_confidential_workload_host_imdsv2_not_enforced`: an instance that
//! hosts Nitro Enclaves requires IMDSv2, or has its metadata endpoint off.
//!
//! The host's role credentials are what its enclaves' workloads use to reach
//! KMS and other services; IMDSv1 hands them to any SSRF on the host. The
//! check is `ec2_instance_imdsv2_enabled`'s, on enclave hosts only, at high
//! severity; pending and terminated or terminating hosts are not judged.

use cloudarq_model::rule::{Outcome, Remediation, Rule, RuleError, RuleMeta, Severity};
use cloudarq_model::{Resource, ResourceType, Service, Snapshot};

use super::ec2_instance_imdsv2_enabled::Ec2InstanceImdsv2Enabled;
use super::enclave;
use crate::controls::nist;

static META: RuleMeta = RuleMeta {
    id: "ec2_confidential_workload_host_imdsv2_not_enforced",
    title: "Nitro Enclave host requires IMDSv2",
    severity: Severity::High,
    service: Service::Ec2,
    resource_types: &[ResourceType::Ec2Instance],
    rationale: "An enclave's workload reaches KMS and other services with its host instance's \
                role credentials, which the host's metadata service hands out. A host that still \
                accepts IMDSv1 gives those credentials to any server-side request forgery or \
                proxy misuse on the host, and with them the secrets the enclave was built to \
                protect.",
    remediation: Remediation {
        cli: "aws ec2 modify-instance-metadata-options --instance-id <instance-id> --http-tokens \
              required --http-endpoint enabled",
        console: "EC2 console > Instances > the enclave host > Actions > Instance settings > \
                  Modify instance metadata options > IMDSv2: Required > Save.",
        url: "https://docs.aws.amazon.com/enclaves/latest/user/nitro-enclave-concepts.html",
    },
    controls: &[nist("AC-3")],
};

/// A Nitro Enclave host requires IMDSv2.
pub(crate) struct Ec2ConfidentialWorkloadHostImdsv2NotEnforced;

impl Rule for Ec2ConfidentialWorkloadHostImdsv2NotEnforced {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn evaluate(&self, resource: &Resource, snapshot: &Snapshot) -> Result<Outcome, RuleError> {
        if let Err(outcome) = enclave::host(resource, snapshot, enclave::LIVE_STATES) {
            return Ok(outcome);
        }
        Ec2InstanceImdsv2Enabled.evaluate(resource, snapshot)
    }
}
