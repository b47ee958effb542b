//! `ec2_instance_paravirtual_type`: no instance uses paravirtual (PV)
//! virtualization.
//!
//! An instance has its AMI's virtualization type, read from the AMI
//! (`AWS::EC2::Image`): `Instance` stays as rule contract 1.0 froze it. An
//! AMI EC2 no longer describes, or one without a type, is *not collected*.
//! Terminated instances are not applicable.

use crate::controls::fsbp;
use cloudarq_model::rule::{Outcome, Remediation, Rule, RuleError, RuleMeta, Severity};
use cloudarq_model::{Resource, ResourceType, Service, Snapshot};
use serde_json::json;

static META: RuleMeta = RuleMeta {
    id: "ec2_instance_paravirtual_type",
    title: "EC2 instance does not use paravirtual virtualization",
    severity: Severity::Medium,
    service: Service::Ec2,
    resource_types: &[ResourceType::Ec2Instance],
    rationale: "Paravirtual instances run on previous-generation instance types and old \
                kernels that AWS no longer develops; HVM instances get the current hardware \
                extensions, Nitro instance types and their security features.",
    remediation: Remediation {
        cli: "aws ec2 run-instances --image-id <hvm-ami-id> --instance-type <current-type> ... \
              (then move the workload and terminate the paravirtual instance)",
        console: "EC2 console > Instances > select the instance > Details > Virtualization type; \
                  launch a replacement from an HVM AMI and migrate the workload.",
        url: "https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/ComponentsAMIs.html#virtualization_types",
    },
    controls: &[fsbp("EC2.24")],
};

/// EC2 instance does not use paravirtual virtualization.
pub(crate) struct Ec2InstanceParavirtualType;

impl Rule for Ec2InstanceParavirtualType {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn evaluate(&self, resource: &Resource, snapshot: &Snapshot) -> Result<Outcome, RuleError> {
        let (inst, ami, image) = match super::instance_image(resource, snapshot) {
            Ok(found) => found,
            Err(done) => return Ok(done),
        };
        let Some(kind) = image.virtualization_type.as_deref() else {
            return Ok(Outcome::not_collected("image.virtualization_type"));
        };
        let id = &inst.instance_id;
        Ok(Outcome::check(
            kind != "paravirtual",
            format!("Instance {id} uses {kind} virtualization (AMI {ami})"),
            format!("Instance {id} uses paravirtual virtualization (AMI {ami})"),
        )
        .with_evidence(json!({ "image_id": ami, "virtualization_type": kind })))
    }
}
