//! `ec2_ebs_volume_encryption`: every EBS volume is encrypted at rest.
//!
//! Attached and unattached volumes are both checked (AWS FSBP EC2.3 looks at
//! attached ones only). The flag comes from the same call that lists the volume,
//! so this check has no *not collected* state.

use crate::controls::{fsbp, nist};
use cloudarq_model::rule::{Outcome, Remediation, Rule, RuleError, RuleMeta, Severity};
use cloudarq_model::{Properties, Resource, ResourceType, Service, Snapshot};
use serde_json::json;

static META: RuleMeta = RuleMeta {
    id: "ec2_ebs_volume_encryption",
    title: "EBS volume is encrypted at rest",
    severity: Severity::High,
    service: Service::Ec2,
    resource_types: &[ResourceType::Ec2Volume],
    rationale: "An unencrypted volume and every snapshot of it hold data in clear, readable by \
                anyone who gets the snapshot shared or copied. EBS encryption with KMS also puts \
                every read of the data under key policy and CloudTrail.",
    remediation: Remediation {
        cli: "aws ec2 create-snapshot --volume-id <vol-id>\n\
              aws ec2 copy-snapshot --source-region <region> --source-snapshot-id <snap-id> \
              --encrypted --kms-key-id <key-arn>\n\
              aws ec2 create-volume --snapshot-id <encrypted-snap-id> --availability-zone <az> \
              --encrypted",
        console: "EC2 console > Volumes > select the volume > Actions > Create snapshot; \
                  Snapshots > select it > Actions > Copy snapshot > Encrypt this snapshot; create \
                  a volume from the encrypted copy and swap it in during a maintenance window.",
        url: "https://docs.aws.amazon.com/ebs/latest/userguide/ebs-encryption.html",
    },
    controls: &[fsbp("EC2.3"), nist("SC-28(1)")],
};

/// EBS volume is encrypted at rest.
pub(crate) struct Ec2EbsVolumeEncryption;

impl Rule for Ec2EbsVolumeEncryption {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn evaluate(&self, resource: &Resource, _snapshot: &Snapshot) -> Result<Outcome, RuleError> {
        let Properties::Ec2Volume(volume) = &resource.properties else {
            return Ok(Outcome::not_applicable());
        };
        let id = &volume.volume_id;
        let evidence = json!({
            "encrypted": volume.encrypted,
            "kms_key_id": volume.kms_key_id,
            "state": volume.state,
            "attached_instances": volume.attached_instances,
        });
        let attached = if volume.attached_instances.is_empty() {
            String::from("unattached")
        } else {
            format!("attached to {}", volume.attached_instances.join(", "))
        };
        Ok(Outcome::check(
            volume.encrypted,
            format!("EBS volume {id} is encrypted"),
            format!("EBS volume {id} ({attached}) is not encrypted"),
        )
        .with_evidence(evidence))
    }
}
