//! `ec2_securitygroup_from_launch_wizard`: no security group was created by the
//! EC2 console's launch wizard (`launch-wizard-N`).
//!
//! The name comes from the same call that lists the group, so this check has no
//! *not collected* state. The FAIL lists the group's rules from 0.0.0.0/0 or
//! ::/0, which the wizard adds for SSH or RDP by default. Mapped to NIST
//! 800-53 CM-2a: a wizard-made group is configuration made outside the
//! controlled baseline.

use cloudarq_model::rule::{Outcome, Remediation, Rule, RuleError, RuleMeta, Severity};
use cloudarq_model::{Properties, Resource, ResourceType, Service, Snapshot};
use serde_json::json;

use super::exposure::{describe_rule, group_label, rule_json};
use crate::controls::nist;

static META: RuleMeta = RuleMeta {
    id: "ec2_securitygroup_from_launch_wizard",
    title: "Security group was not created by the EC2 launch wizard",
    severity: Severity::Medium,
    service: Service::Ec2,
    resource_types: &[ResourceType::Ec2SecurityGroup],
    rationale: "The launch wizard creates a new group per launch, by default with SSH or RDP open \
                to 0.0.0.0/0. These groups multiply, are rarely reviewed, and usually keep that \
                wide-open administrative access long after the quick test they were made for.",
    remediation: Remediation {
        cli: "aws ec2 create-security-group --group-name <purpose-name> --description <text> \
              --vpc-id <vpc-id>\n\
              aws ec2 modify-instance-attribute --instance-id <instance-id> --groups <new-sg-id>\n\
              aws ec2 delete-security-group --group-id <launch-wizard-sg-id>",
        console: "VPC console > Security groups > create a purpose-named group with only the \
                  needed rules; EC2 console > Instances > Actions > Security > Change security \
                  groups: swap the launch-wizard group for it; then delete the launch-wizard \
                  group.",
        url: "https://docs.aws.amazon.com/vpc/latest/userguide/vpc-security-groups.html",
    },
    controls: &[nist("CM-2a")],
};

/// Security group was not created by the EC2 launch wizard.
pub(crate) struct Ec2SecuritygroupFromLaunchWizard;

impl Rule for Ec2SecuritygroupFromLaunchWizard {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn evaluate(&self, resource: &Resource, _snapshot: &Snapshot) -> Result<Outcome, RuleError> {
        let Properties::Ec2SecurityGroup(group) = &resource.properties else {
            return Ok(Outcome::not_applicable());
        };
        let name = group_label(group);
        if !group.group_name.starts_with("launch-wizard") {
            return Ok(Outcome::pass(format!(
                "Security group {name} was not created by the launch wizard"
            )));
        }
        let open: Vec<_> = group
            .ingress
            .iter()
            .filter(|r| r.is_from_internet())
            .collect();
        let mut message = format!("Security group {name} was created by the EC2 launch wizard");
        if !open.is_empty() {
            let rules: Vec<String> = open.iter().map(|r| describe_rule(r)).collect();
            message.push_str(&format!(" and allows {}", rules.join("; ")));
        }
        Ok(Outcome::fail(message).with_evidence(json!({
            "internet_ingress": open.iter().map(|r| rule_json(r)).collect::<Vec<_>>(),
        })))
    }
}
