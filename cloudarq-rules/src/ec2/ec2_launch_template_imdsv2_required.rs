//! `ec2_launch_template_imdsv2_required`: the default and the latest version
//! of every launch template require IMDSv2 (`HttpTokens = required`) or turn
//! the metadata endpoint off.
//!
//! Those are the versions a launch uses unless it names a version number;
//! older versions are not collected (one listing per region instead of one
//! call per template). The peer (Prowler) reads every version and passes a
//! template when any one version requires IMDSv2; here every checked
//! version must. A version that sets no `HttpTokens` FAILs: its instances
//! get the region's default (see `ec2_instance_account_imdsv2_enabled`) or
//! IMDSv1. A template whose versions were not read is *not collected*.

use crate::controls::{fsbp, nist};
use cloudarq_model::inventory::ec2::LaunchTemplateVersion;
use cloudarq_model::rule::{Outcome, Remediation, Rule, RuleError, RuleMeta, Severity};
use cloudarq_model::{Properties, Resource, ResourceType, Service, Snapshot};
use serde_json::json;

static META: RuleMeta = RuleMeta {
    id: "ec2_launch_template_imdsv2_required",
    title: "Launch template requires IMDSv2 or disables the instance metadata service",
    severity: Severity::Medium,
    service: Service::Ec2,
    resource_types: &[ResourceType::Ec2LaunchTemplate],
    rationale: "Every instance an Auto Scaling group, fleet or person launches from the \
                template inherits its metadata options. A template that allows IMDSv1 keeps \
                producing instances whose role credentials a server-side request forgery can \
                read.",
    remediation: Remediation {
        cli: "aws ec2 create-launch-template-version --launch-template-id <lt-id> \
              --source-version <version> --launch-template-data \
              '{\"MetadataOptions\":{\"HttpTokens\":\"required\",\"HttpEndpoint\":\"enabled\"}}'\n\
              aws ec2 modify-launch-template --launch-template-id <lt-id> --default-version \
              <new-version>",
        console: "EC2 console > Launch templates > select the template > Actions > Modify \
                  template (Create new version) > Advanced details > Metadata version: V2 only \
                  (token required) > Create; then Actions > Set default version.",
        url: "https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/configuring-IMDS-new-instances.html",
    },
    controls: &[fsbp("EC2.170"), nist("AC-3"), nist("SC-23(3)")],
};

/// Launch template requires IMDSv2 or disables the instance metadata service.
pub(crate) struct Ec2LaunchTemplateImdsv2Required;

/// Whether a version keeps IMDSv1 off, and what it sets.
fn imdsv2_only(v: &LaunchTemplateVersion) -> bool {
    let Some(m) = &v.metadata_options else {
        return false;
    };
    m.http_endpoint.as_deref() == Some("disabled") || m.http_tokens.as_deref() == Some("required")
}

impl Rule for Ec2LaunchTemplateImdsv2Required {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn evaluate(&self, resource: &Resource, _snapshot: &Snapshot) -> Result<Outcome, RuleError> {
        let Properties::Ec2LaunchTemplate(t) = &resource.properties else {
            return Ok(Outcome::not_applicable());
        };
        if t.versions.is_empty() {
            return Ok(Outcome::not_collected("versions"));
        }
        let id = &t.launch_template_id;
        let evidence = json!({
            "versions": t.versions.iter().map(|v| json!({
                "version": v.version_number,
                "default": v.is_default,
                "latest": v.is_latest,
                "http_tokens": v.metadata_options.as_ref().and_then(|m| m.http_tokens.clone()),
                "http_endpoint": v.metadata_options.as_ref().and_then(|m| m.http_endpoint.clone()),
            })).collect::<Vec<_>>(),
        });
        let open: Vec<String> = t
            .versions
            .iter()
            .filter(|v| !imdsv2_only(v))
            .map(|v| v.version_number.to_string())
            .collect();
        let checked: Vec<String> = t
            .versions
            .iter()
            .map(|v| v.version_number.to_string())
            .collect();
        let outcome = if open.is_empty() {
            Outcome::pass(format!(
                "Launch template {id} requires IMDSv2 or disables the metadata service in its \
                 default and latest versions ({})",
                checked.join(", ")
            ))
        } else {
            Outcome::fail(format!(
                "Launch template {id} does not require IMDSv2 in version(s) {} (HttpTokens not \
                 set to required)",
                open.join(", ")
            ))
        };
        Ok(outcome.with_evidence(evidence))
    }
}
