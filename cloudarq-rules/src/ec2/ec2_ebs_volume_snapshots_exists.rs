//! `ec2_ebs_volume_snapshots_exists`: every EBS volume has a snapshot.

use cloudarq_model::rule::{Outcome, Remediation, Rule, RuleError, RuleMeta, Severity};
use cloudarq_model::{Properties, Resource, ResourceType, Service, Snapshot};
use serde_json::json;

use crate::controls::nist;

static META: RuleMeta = RuleMeta {
    id: "ec2_ebs_volume_snapshots_exists",
    title: "EBS volume has at least one snapshot",
    severity: Severity::Medium,
    service: Service::Ec2,
    resource_types: &[ResourceType::Ec2Volume],
    rationale: "A volume without a snapshot has no point-in-time copy: a deletion, a corrupting \
                bug or ransomware on the instance loses its data for good. Snapshots (by Data \
                Lifecycle Manager or AWS Backup) are the recovery point.",
    remediation: Remediation {
        cli: "aws ec2 create-snapshot --volume-id <vol-id> --description 'baseline'\n\
              # recurring: a Data Lifecycle Manager policy or an AWS Backup plan\n\
              aws dlm create-lifecycle-policy --cli-input-json file://policy.json",
        console: "EC2 console > Elastic Block Store > Volumes > select the volume > Actions > \
                  Create snapshot; for recurring snapshots, EC2 > Lifecycle Manager > Create \
                  lifecycle policy (or an AWS Backup plan).",
        url: "https://docs.aws.amazon.com/ebs/latest/userguide/snapshot-lifecycle.html",
    },
    controls: &[nist("CP-9b")],
};

/// Some snapshot of the account in the volume's region was taken from the
/// volume.
///
/// The account's own snapshots are matched by their `volume_id`. A snapshot
/// in the `error` state is no recovery point: it is named in the evidence
/// but does not make a PASS. When the region's snapshot listing failed
/// (`ec2:DescribeSnapshots`), a volume with no snapshot seen is *not
/// collected*. Snapshots made by AWS Backup are EBS snapshots too and count;
/// copies in other regions or accounts are not seen and do not.
pub(crate) struct Ec2EbsVolumeSnapshotsExists;

impl Rule for Ec2EbsVolumeSnapshotsExists {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn evaluate(&self, resource: &Resource, snapshot: &Snapshot) -> Result<Outcome, RuleError> {
        let Properties::Ec2Volume(vol) = &resource.properties else {
            return Ok(Outcome::not_applicable());
        };
        let region = resource.region.as_ref();
        let id = &vol.volume_id;
        let mut usable = Vec::new();
        let mut failed = Vec::new();
        for (_, s) in snapshot.volume_snapshots(region, id) {
            if s.state.as_deref() == Some("error") {
                failed.push(s.snapshot_id.as_str());
            } else {
                usable.push(s.snapshot_id.as_str());
            }
        }
        usable.sort_unstable();
        failed.sort_unstable();
        let evidence = json!({"snapshots": usable, "failed_snapshots": failed});
        if !usable.is_empty() {
            return Ok(Outcome::pass(format!(
                "Volume {id} has {} snapshot{} ({})",
                usable.len(),
                if usable.len() == 1 { "" } else { "s" },
                usable.join(", ")
            ))
            .with_evidence(evidence));
        }
        let gap = snapshot.gaps.iter().find(|g| {
            g.resource.is_none()
                && g.action == "ec2:DescribeSnapshots"
                && g.region.as_ref() == region
        });
        if let Some(g) = gap {
            return Ok(Outcome::not_collected("snapshots").with_evidence(json!({
                "action": g.action,
                "region": g.region,
                "error_code": g.error_code,
            })));
        }
        let failed_note = if failed.is_empty() {
            String::new()
        } else {
            format!(" (only failed snapshots: {})", failed.join(", "))
        };
        Ok(
            Outcome::fail(format!("Volume {id} has no snapshot{failed_note}"))
                .with_evidence(evidence),
        )
    }
}
