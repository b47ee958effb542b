//! `ec2_confidential_workload_host_not_running`: an instance with Nitro
//! Enclaves enabled is running.
//!
//! Enclaves end when their host stops: a stopped or stopping-for-good host
//! means the confidential workload is down, whether by an outage or by a
//! change nobody told its consumers about. `stopped` and `shutting-down`
//! fail; `running` passes; `pending` and `stopping` are on their way and
//! are not judged. Unlike the peer, a `terminated` host is not judged
//! either: it is gone, and nothing can be fixed on it.

use cloudarq_model::rule::{Outcome, Remediation, Rule, RuleError, RuleMeta, Severity};
use cloudarq_model::{Resource, ResourceType, Service, Snapshot};
use serde_json::json;

use super::enclave;
use crate::controls::nist;

static META: RuleMeta = RuleMeta {
    id: "ec2_confidential_workload_host_not_running",
    title: "Nitro Enclave host is running",
    severity: Severity::Medium,
    service: Service::Ec2,
    resource_types: &[ResourceType::Ec2Instance],
    rationale: "A Nitro Enclave lives only while its host instance runs. An enclave host that \
                is stopped or shutting down has taken its confidential workload down with it: \
                an outage, or a retirement that should be finished by terminating the host and \
                revoking what the enclave's attestation unlocked.",
    remediation: Remediation {
        cli: "aws ec2 start-instances --instance-ids <instance-id>\n\
              # or, if the workload is retired:\n\
              aws ec2 terminate-instances --instance-ids <instance-id>",
        console: "EC2 console > Instances > the enclave host > Instance state > Start instance \
                  (or Terminate instance when the workload is retired).",
        url: "https://docs.aws.amazon.com/enclaves/latest/user/nitro-enclave.html",
    },
    controls: &[nist("CP-2(5)")],
};

/// A Nitro Enclave host is running.
pub(crate) struct Ec2ConfidentialWorkloadHostNotRunning;

impl Rule for Ec2ConfidentialWorkloadHostNotRunning {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn evaluate(&self, resource: &Resource, snapshot: &Snapshot) -> Result<Outcome, RuleError> {
        let host = match enclave::host(resource, snapshot, &["running", "stopped", "shutting-down"])
        {
            Ok(h) => h,
            Err(outcome) => return Ok(outcome),
        };
        let id = &host.instance.instance_id;
        let state = host.instance.state.as_deref().unwrap_or_default();
        let since = host.configuration.state_transition_time;
        let outcome = match state {
            "running" => Outcome::pass(format!("Nitro Enclave host {id} is running")),
            "stopped" => Outcome::fail(format!(
                "Nitro Enclave host {id} has been stopped{}: its enclaves are not running. {}",
                since.map_or(String::new(), |t| format!(" since {t}")),
                enclave::HOST_SCOPE
            )),
            _ => Outcome::fail(format!(
                "Nitro Enclave host {id} is shutting down: its enclaves are not running. {}",
                enclave::HOST_SCOPE
            )),
        };
        Ok(outcome.with_evidence(json!({
            "state": state,
            "state_transition_reason": host.configuration.state_transition_reason,
        })))
    }
}
