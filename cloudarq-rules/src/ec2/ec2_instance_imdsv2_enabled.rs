//! `ec2_instance_imdsv2_enabled`: every instance requires IMDSv2 session tokens
//! (`http_tokens = required`), or has the metadata endpoint disabled.
//!
//! Terminated instances are not applicable. Missing metadata options, or a
//! missing `http_tokens` on an enabled endpoint, are *not collected*, never
//! "optional".

use cloudarq_model::rule::{Outcome, Remediation, Rule, RuleError, RuleMeta, Severity};
use cloudarq_model::{Properties, Resource, ResourceType, Service, Snapshot};
use serde_json::json;

use super::exposure;
use crate::controls::{cis3, cis7, fsbp, nist};

static META: RuleMeta = RuleMeta {
    id: "ec2_instance_imdsv2_enabled",
    title: "EC2 instance requires IMDSv2 or has the instance metadata service disabled",
    severity: Severity::High,
    service: Service::Ec2,
    resource_types: &[ResourceType::Ec2Instance],
    rationale: "IMDSv1 answers any plain GET, so a server-side request forgery in an application \
                on the instance can read the instance role's credentials (as in the 2019 Capital \
                One breach). IMDSv2 requires a PUT-issued session token, which SSRF and open \
                proxies cannot obtain.",
    remediation: Remediation {
        cli: "aws ec2 modify-instance-metadata-options --instance-id <instance-id> --http-tokens \
              required --http-endpoint enabled\n\
              aws ec2 modify-instance-metadata-defaults --http-tokens required",
        console: "EC2 console > Instances > select the instance > Actions > Instance settings > \
                  Modify instance metadata options > IMDSv2: Required > Save. Check first that \
                  the software on the instance uses a current AWS SDK or agent.",
        url: "https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/configuring-IMDS-existing-instances.html",
    },
    controls: &[
        cis3("5.6"),
        cis7("6.7"),
        fsbp("EC2.8"),
        nist("AC-3"),
        nist("SC-23(3)"),
    ],
};

/// EC2 instance requires IMDSv2 or has the instance metadata service disabled.
pub(crate) struct Ec2InstanceImdsv2Enabled;

impl Rule for Ec2InstanceImdsv2Enabled {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn evaluate(&self, resource: &Resource, _snapshot: &Snapshot) -> Result<Outcome, RuleError> {
        let Properties::Ec2Instance(inst) = &resource.properties else {
            return Ok(Outcome::not_applicable());
        };
        if exposure::is_gone(inst) {
            return Ok(Outcome::not_applicable());
        }
        let id = &inst.instance_id;
        let Some(options) = &inst.metadata_options else {
            return Ok(Outcome::not_collected("metadata_options"));
        };
        let evidence = json!({
            "http_endpoint": options.http_endpoint,
            "http_tokens": options.http_tokens,
            "http_put_response_hop_limit": options.http_put_response_hop_limit,
        });
        if options.http_endpoint.as_deref() == Some("disabled") {
            return Ok(
                Outcome::pass(format!("Instance {id} has the metadata endpoint disabled"))
                    .with_evidence(evidence),
            );
        }
        let outcome = match options.http_tokens.as_deref() {
            None => Outcome::not_collected("metadata_options.http_tokens"),
            Some("required") => {
                Outcome::pass(format!("Instance {id} requires IMDSv2 session tokens"))
            }
            Some(other) => Outcome::fail(format!(
                "Instance {id} accepts IMDSv1 requests (http_tokens is {other})"
            )),
        };
        Ok(outcome.with_evidence(evidence))
    }
}
