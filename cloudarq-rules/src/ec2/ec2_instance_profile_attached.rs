//! `ec2_instance_profile_attached`: every instance has an IAM instance profile,
//! so software on it uses temporary role credentials rather than stored access
//! keys.
//!
//! Terminated instances are not applicable. The profile comes from the same call
//! that lists the instance, so this check has no *not collected* state.

use cloudarq_model::rule::{Outcome, Remediation, Rule, RuleError, RuleMeta, Severity};
use cloudarq_model::{Properties, Resource, ResourceType, Service, Snapshot};

use super::exposure;
use crate::controls::{cis3, cis7};

static META: RuleMeta = RuleMeta {
    id: "ec2_instance_profile_attached",
    title: "EC2 instance has an IAM instance profile attached",
    severity: Severity::Medium,
    service: Service::Ec2,
    resource_types: &[ResourceType::Ec2Instance],
    rationale: "Without an instance role, software that calls AWS needs long-lived access keys \
                stored on disk or in configuration, where they leak and are rarely rotated. A \
                role delivers short-lived, automatically rotated credentials.",
    remediation: Remediation {
        cli: "aws iam create-instance-profile --instance-profile-name <name>\n\
              aws iam add-role-to-instance-profile --instance-profile-name <name> --role-name \
              <role>\n\
              aws ec2 associate-iam-instance-profile --instance-id <instance-id> \
              --iam-instance-profile Name=<name>",
        console: "EC2 console > Instances > select the instance > Actions > Security > Modify IAM \
                  role > choose a least-privilege role > Update IAM role.",
        url: "https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/iam-roles-for-amazon-ec2.html",
    },
    controls: &[cis3("1.18"), cis7("2.16")],
};

/// EC2 instance has an IAM instance profile attached.
pub(crate) struct Ec2InstanceProfileAttached;

impl Rule for Ec2InstanceProfileAttached {
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
        Ok(match &inst.iam_instance_profile {
            Some(profile) => Outcome::pass(format!("Instance {id} has instance profile {profile}")),
            None => Outcome::fail(format!("Instance {id} has no IAM instance profile")),
        })
    }
}
