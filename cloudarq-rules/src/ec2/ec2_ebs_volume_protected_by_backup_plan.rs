//! `ec2_ebs_volume_protected_by_backup_plan`: every EBS volume is protected
//! by AWS Backup.

use cloudarq_model::rule::{Outcome, Remediation, Rule, RuleError, RuleMeta, Severity};
use cloudarq_model::{Arn, Properties, Resource, ResourceType, Service, Snapshot};

use crate::backup::{self, Protection, Target};
use crate::controls::{fsbp, nist};

static META: RuleMeta = RuleMeta {
    id: "ec2_ebs_volume_protected_by_backup_plan",
    title: "EBS volume is protected by an AWS Backup plan",
    severity: Severity::Medium,
    service: Service::Ec2,
    resource_types: &[ResourceType::Ec2Volume],
    rationale: "A volume no backup plan covers depends on someone remembering to snapshot it: \
                a deletion, a corrupting bug or ransomware loses its data. A backup plan makes \
                recovery points on a schedule and keeps them for a set retention.",
    remediation: Remediation {
        cli: "aws backup create-backup-selection --backup-plan-id <plan-id> \
              --backup-selection '{\"SelectionName\":\"ebs\",\"IamRoleArn\":\"<role-arn>\",\
              \"Resources\":[\"arn:aws:ec2:*:*:volume/*\"]}'",
        console: "AWS Backup console > Backup plans > select a plan (or create one) > Assign \
                  resources > Include specific resource types: EBS (or tag the volume with a \
                  tag the plan's assignment selects) > Assign resources.",
        url: "https://docs.aws.amazon.com/aws-backup/latest/devguide/assigning-resources.html",
    },
    controls: &[fsbp("EC2.28"), nist("CP-9b")],
};

/// A backup plan selection in the volume's region assigns the volume or an
/// instance it is attached to, or AWS Backup holds a recent recovery point
/// of either (see [`crate::backup`] for how selections, tags, conditions and
/// the recovery-point window are read).
///
/// A selection counts only when the region lets AWS Backup back up the
/// type (`EBS` for the volume, `EC2` for the instance). *Not collected* when
/// the region's AWS Backup data is missing or partly unread, or when a
/// tag-based selection would decide for an attached instance the snapshot
/// does not hold.
pub(crate) struct Ec2EbsVolumeProtectedByBackupPlan;

impl Rule for Ec2EbsVolumeProtectedByBackupPlan {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn evaluate(&self, resource: &Resource, snapshot: &Snapshot) -> Result<Outcome, RuleError> {
        let Properties::Ec2Volume(vol) = &resource.properties else {
            return Ok(Outcome::not_applicable());
        };
        let region = resource.region.as_ref();
        let instances: Vec<(String, Option<&Resource>)> = vol
            .attached_instances
            .iter()
            .filter_map(|id| {
                let arn = Arn::build(
                    &snapshot.partition,
                    "ec2",
                    region,
                    Some(&snapshot.account_id),
                    &format!("instance/{id}"),
                )
                .ok()?;
                let found = snapshot.resources.get(&arn);
                Some((arn.as_str().to_owned(), found))
            })
            .collect();
        let mut targets = vec![Target {
            arn: resource.arn.as_str(),
            tags: Some(&resource.tags),
            via: None,
            backup_type: "EBS",
        }];
        for ((arn, found), id) in instances.iter().zip(&vol.attached_instances) {
            targets.push(Target {
                arn,
                tags: found.map(|r| &r.tags),
                via: Some(format!("instance {id}")),
                backup_type: "EC2",
            });
        }
        let id = &vol.volume_id;
        Ok(match backup::protection(resource, &targets, snapshot) {
            Protection::Protected(how, evidence) => {
                Outcome::pass(format!("Volume {id} is protected by AWS Backup: {how}"))
                    .with_evidence(evidence)
            }
            Protection::Unprotected(evidence) => Outcome::fail(format!(
                "Volume {id} is in no backup plan selection that can back it up and has no recent AWS Backup \
                 recovery point"
            ))
            .with_evidence(evidence),
            Protection::NotCollected(field, evidence) => {
                Outcome::not_collected(field).with_evidence(evidence)
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::testing::{eval, kind, resource, snapshot};

    const VOL: &str = "arn:aws:ec2:eu-west-1:123456789012:volume/vol-0a";

    fn volume() -> Resource {
        resource(json!({"arn": VOL, "region": "eu-west-1", "name": "vol-0a",
            "properties": {"AWS::EC2::Volume": {"volume_id": "vol-0a", "encrypted": true,
                "attached_instances": ["i-0a"]}}}))
    }

    fn backup(selection: serde_json::Value) -> Vec<Resource> {
        vec![
            resource(
                json!({"arn": "arn:aws:backup:eu-west-1:123456789012:account",
                "region": "eu-west-1", "name": "123456789012",
                "properties": {"AWS::Backup::RegionSettings": {
                    "backup_plans": {"value": ["p1"]},
                    "protected_resources": {"value": []},
                    "resource_type_opt_in": {"value": {"EBS": true, "EC2": true}}}}}),
            ),
            resource(
                json!({"arn": "arn:aws:backup:eu-west-1:123456789012:backup-plan:p1",
                "region": "eu-west-1", "name": "daily",
                "properties": {"AWS::Backup::BackupPlan": {"plan_id": "p1",
                    "selections": {"value": [selection]}}}}),
            ),
        ]
    }

    fn instance() -> Resource {
        resource(
            json!({"arn": "arn:aws:ec2:eu-west-1:123456789012:instance/i-0a",
            "region": "eu-west-1", "name": "i-0a", "tags": {"backup": "yes"},
            "properties": {"AWS::EC2::Instance": {"instance_id": "i-0a",
                "security_groups": [], "network_interfaces": []}}}),
        )
    }

    #[test]
    fn an_attached_instance_selected_by_tag_protects_the_volume() {
        let by_tag = json!({"selection_id": "s", "name": "tagged",
            "list_of_tags": [{"operator": "STRINGEQUALS", "key": "backup", "value": "yes"}]});
        let mut resources = backup(by_tag.clone());
        resources.push(volume());
        resources.push(instance());
        assert_eq!(
            kind(&eval(
                &Ec2EbsVolumeProtectedByBackupPlan,
                &snapshot(resources),
                VOL
            )),
            "pass"
        );
        // The instance missing from the snapshot: its tags are unknown.
        let mut resources = backup(by_tag);
        resources.push(volume());
        assert_eq!(
            kind(&eval(
                &Ec2EbsVolumeProtectedByBackupPlan,
                &snapshot(resources),
                VOL
            )),
            "not_collected"
        );
    }

    #[test]
    fn an_instance_arn_selection_protects_the_volume_without_tags() {
        let by_arn = json!({"selection_id": "s", "name": "ec2",
            "resources": ["arn:aws:ec2:*:*:instance/*"]});
        let mut resources = backup(by_arn);
        resources.push(volume());
        assert_eq!(
            kind(&eval(
                &Ec2EbsVolumeProtectedByBackupPlan,
                &snapshot(resources),
                VOL
            )),
            "pass"
        );
    }

    #[test]
    fn a_selection_of_an_opted_out_type_protects_nothing() {
        let all = json!({"selection_id": "s", "name": "all", "resources": ["*"]});
        let mut resources = backup(all);
        let Properties::BackupRegionSettings(s) = &mut resources[0].properties else {
            unreachable!("the first resource is the region's settings");
        };
        s.resource_type_opt_in =
            cloudarq_model::Collected::Value([("EBS".to_owned(), false)].into());
        let mut unread = resources.clone();
        resources.push(volume());
        let out = eval(
            &Ec2EbsVolumeProtectedByBackupPlan,
            &snapshot(resources),
            VOL,
        );
        // EC2 is not named by the answer: unknown, so not collected.
        assert_eq!(kind(&out), "not_collected");
        let Properties::BackupRegionSettings(s) = &mut unread[0].properties else {
            unreachable!("the first resource is the region's settings");
        };
        s.resource_type_opt_in = cloudarq_model::Collected::Value(
            [("EBS".to_owned(), false), ("EC2".to_owned(), false)].into(),
        );
        unread.push(volume());
        let out = eval(&Ec2EbsVolumeProtectedByBackupPlan, &snapshot(unread), VOL);
        assert_eq!(kind(&out), "fail");
    }
}
