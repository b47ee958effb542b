//! `ec2_launch_template_no_public_ip`: no network interface of a launch
//! template's default or latest version sets `AssociatePublicIpAddress`.
//!
//! Older versions are not collected (see
//! `ec2_launch_template_imdsv2_required`). An interface that does not set
//! the flag leaves the decision to the subnet, which this rule does not
//! judge. The peer (Prowler) also fails a template whose interface names an
//! existing network interface with a public address; that case is not
//! checked here. A template whose versions were not read is *not
//! collected*.

use crate::controls::{fsbp, nist};
use cloudarq_model::rule::{Outcome, Remediation, Rule, RuleError, RuleMeta, Severity};
use cloudarq_model::{Properties, Resource, ResourceType, Service, Snapshot};
use serde_json::json;

static META: RuleMeta = RuleMeta {
    id: "ec2_launch_template_no_public_ip",
    title: "Launch template does not assign public IP addresses to network interfaces",
    severity: Severity::High,
    service: Service::Ec2,
    resource_types: &[ResourceType::Ec2LaunchTemplate],
    rationale: "A template that asks for a public IPv4 address puts every instance launched \
                from it on the internet, even in a private subnet, leaving only security groups \
                between it and any scanner.",
    remediation: Remediation {
        cli: "aws ec2 create-launch-template-version --launch-template-id <lt-id> \
              --source-version <version> --launch-template-data \
              '{\"NetworkInterfaces\":[{\"DeviceIndex\":0,\"AssociatePublicIpAddress\":false}]}'\n\
              aws ec2 modify-launch-template --launch-template-id <lt-id> --default-version \
              <new-version>",
        console: "EC2 console > Launch templates > select the template > Actions > Modify \
                  template (Create new version) > Network settings > Advanced network \
                  configuration > Auto-assign public IP: Disable > Create; then Actions > Set \
                  default version.",
        url: "https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/create-launch-template.html",
    },
    controls: &[fsbp("EC2.25"), nist("SC-7(28)")],
};

/// Launch template does not assign public IP addresses to network interfaces.
pub(crate) struct Ec2LaunchTemplateNoPublicIp;

impl Rule for Ec2LaunchTemplateNoPublicIp {
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
        let public: Vec<String> = t
            .versions
            .iter()
            .filter(|v| {
                v.network_interfaces
                    .iter()
                    .any(|n| n.associate_public_ip_address == Some(true))
            })
            .map(|v| v.version_number.to_string())
            .collect();
        let evidence = json!({
            "versions_checked": t.versions.iter().map(|v| v.version_number).collect::<Vec<_>>(),
            "versions_assigning_public_ip": public,
        });
        Ok(Outcome::check(
            public.is_empty(),
            format!("Launch template {id} assigns no public IP address in its default and latest versions"),
            format!(
                "Launch template {id} assigns a public IP address to a network interface in version(s) {}",
                public.join(", ")
            ),
        )
        .with_evidence(evidence))
    }
}
