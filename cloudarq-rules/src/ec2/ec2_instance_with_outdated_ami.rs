//! `ec2_instance_with_outdated_ami`: no instance runs from a deprecated AMI
//! (one whose deprecation time is at or before the snapshot's collection
//! time).
//!
//! Terminated instances are not applicable. An AMI EC2 no longer describes
//! (deregistered, no longer shared, or its lookup failed) and a deprecation
//! time that could not be read are *not collected*, never a FAIL.

use crate::controls::nist;
use cloudarq_model::rule::{Outcome, Remediation, Rule, RuleError, RuleMeta, Severity};
use cloudarq_model::{Collected, Resource, ResourceType, Service, Snapshot};
use serde_json::json;

static META: RuleMeta = RuleMeta {
    id: "ec2_instance_with_outdated_ami",
    title: "EC2 instance does not run from a deprecated AMI",
    severity: Severity::Medium,
    service: Service::Ec2,
    resource_types: &[ResourceType::Ec2Instance],
    rationale: "An AMI is deprecated when its owner stops maintaining it: its operating system \
                and packages stop receiving fixes, and replacements launched from it start out \
                of date. Instances should move to a current image.",
    remediation: Remediation {
        cli: "aws ec2 describe-images --image-ids <ami-id> --query \
              'Images[].DeprecationTime'\n\
              aws ec2 run-instances --image-id <current-ami-id> ... (then move the workload and \
              terminate the old instance)",
        console: "EC2 console > Instances > select the instance > Details > AMI ID: check its \
                  deprecation time; launch a replacement from a current AMI (or update the \
                  launch template or Auto Scaling group and replace the instances).",
        url: "https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/ami-deprecate.html",
    },
    controls: &[nist("CM-2a")],
};

/// EC2 instance does not run from a deprecated AMI.
pub(crate) struct Ec2InstanceWithOutdatedAmi;

impl Rule for Ec2InstanceWithOutdatedAmi {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn evaluate(&self, resource: &Resource, snapshot: &Snapshot) -> Result<Outcome, RuleError> {
        let (inst, ami, image) = match super::instance_image(resource, snapshot) {
            Ok(found) => found,
            Err(done) => return Ok(done),
        };
        let Some(deprecated) = image.deprecated_at(snapshot.collected_at) else {
            return Ok(Outcome::not_collected("image.deprecation_time"));
        };
        let since = match &image.deprecation_time {
            Collected::Value(Some(t)) => Some(t.to_string()),
            _ => None,
        };
        let id = &inst.instance_id;
        Ok(Outcome::check(
            !deprecated,
            format!("Instance {id} runs from AMI {ami}, which is not deprecated"),
            format!(
                "Instance {id} runs from AMI {ami}, deprecated since {}",
                since.as_deref().unwrap_or("an unknown time")
            ),
        )
        .with_evidence(json!({ "image_id": ami, "deprecation_time": since })))
    }
}
