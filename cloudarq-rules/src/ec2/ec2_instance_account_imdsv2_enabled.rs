//! `ec2_instance_account_imdsv2_enabled`: the region's instance metadata
//! defaults require IMDSv2 (`http_tokens = required`) or turn the metadata
//! endpoint off, so new instances start without IMDSv1.
//!
//! "No preference" (no default set) FAILs: new instances then get the AMI's
//! setting or EC2's `optional`. Judged once per region
//! (`AWS::EC2::SecurityDefaults`); defaults that could not be read are *not
//! collected*.

use crate::controls::nist;
use cloudarq_model::rule::{Outcome, Remediation, Rule, RuleError, RuleMeta, Severity};
use cloudarq_model::{Collected, Properties, Resource, ResourceType, Service, Snapshot};
use serde_json::json;

static META: RuleMeta = RuleMeta {
    id: "ec2_instance_account_imdsv2_enabled",
    title: "Instance metadata defaults of the region require IMDSv2",
    severity: Severity::High,
    service: Service::Ec2,
    resource_types: &[ResourceType::Ec2SecurityDefaults],
    rationale: "IMDSv1 hands the instance role's credentials to any plain GET, which a \
                server-side request forgery can send. Requiring IMDSv2 by default makes every \
                new instance of the region token-only unless its launch asks otherwise.",
    remediation: Remediation {
        cli: "aws ec2 modify-instance-metadata-defaults --http-tokens required --region <region>",
        console: "EC2 console (in each region) > Settings > Data protection and security > IMDS \
                  defaults > Manage > Metadata version: V2 only (token required) > Update.",
        url: "https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/configuring-IMDS-new-instances.html",
    },
    controls: &[nist("AC-3"), nist("SC-23(3)")],
};

/// Instance metadata defaults of the region require IMDSv2.
pub(crate) struct Ec2InstanceAccountImdsv2Enabled;

impl Rule for Ec2InstanceAccountImdsv2Enabled {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn evaluate(&self, resource: &Resource, _snapshot: &Snapshot) -> Result<Outcome, RuleError> {
        let Properties::Ec2SecurityDefaults(defaults) = &resource.properties else {
            return Ok(Outcome::not_applicable());
        };
        let Collected::Value(options) = &defaults.instance_metadata_defaults else {
            return Ok(Outcome::not_collected("instance_metadata_defaults"));
        };
        let region = resource
            .region
            .as_ref()
            .map_or("the region", |r| r.as_str());
        let evidence = json!({
            "http_tokens": options.http_tokens,
            "http_endpoint": options.http_endpoint,
        });
        let outcome = if options.http_endpoint.as_deref() == Some("disabled") {
            Outcome::pass(format!(
                "New instances in {region} have the metadata endpoint disabled by default"
            ))
        } else {
            match options.http_tokens.as_deref() {
                Some("required") => Outcome::pass(format!(
                    "New instances in {region} require IMDSv2 by default"
                )),
                Some(other) => Outcome::fail(format!(
                    "New instances in {region} accept IMDSv1 by default (http_tokens is {other})"
                )),
                None => Outcome::fail(format!(
                    "The instance metadata defaults of {region} do not require IMDSv2 (no \
                     preference: new instances get their AMI's setting or IMDSv1)"
                )),
            }
        };
        Ok(outcome.with_evidence(evidence))
    }
}
