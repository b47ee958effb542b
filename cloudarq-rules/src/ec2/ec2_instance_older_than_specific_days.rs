//! `ec2_instance_older_than_specific_days`: no running instance has run
//! since a launch more than 180 days before the scan.

use cloudarq_model::rule::{Outcome, Remediation, Rule, RuleError, RuleMeta, Severity};
use cloudarq_model::{Properties, Resource, ResourceType, Service, Snapshot};
use serde_json::json;

use crate::controls::nist;

/// Running instances launched more than this many whole days before the
/// scan fail: the peer's default (`max_ec2_instance_age_in_days`).
const MAX_AGE_DAYS: i64 = 180;

static META: RuleMeta = RuleMeta {
    id: "ec2_instance_older_than_specific_days",
    title: "Running EC2 instance was launched no more than 180 days ago",
    severity: Severity::Medium,
    service: Service::Ec2,
    resource_types: &[ResourceType::Ec2Instance],
    rationale: "An instance that has run for half a year or more was built from an old image and \
                has likely drifted: missed kernel and package updates, hand-made changes, \
                credentials on disk nobody remembers. Replacing instances regularly from a current \
                image keeps them patched and reproducible.",
    remediation: Remediation {
        cli: "aws ec2 describe-instances --filters Name=instance-state-name,Values=running \
              --query 'Reservations[].Instances[].[InstanceId,LaunchTime]'\n\
              # rebuild from a current AMI (or a launch template), then:\n\
              aws ec2 terminate-instances --instance-ids <old-instance-id>",
        console: "EC2 console > Instances > sort by Launch time; for each instance older than 180 \
                  days, launch a replacement from a current AMI or launch template, move its \
                  traffic, then terminate the old one.",
        url: "https://docs.aws.amazon.com/wellarchitected/latest/security-pillar/sec_protect_compute_reduce_management_scope.html",
    },
    controls: &[nist("CM-2b")],
};

/// A running instance was launched at most 180 days before collection.
///
/// EC2's `LaunchTime` is the last start: a stop and start resets it, as it
/// does in the peer's check, so this measures how long the instance has run
/// uninterrupted, not when it was first created. Instances that are not
/// running (stopped, terminated, …) are not applicable; a running instance
/// without a launch time is *not collected*.
pub(crate) struct Ec2InstanceOlderThanSpecificDays;

impl Rule for Ec2InstanceOlderThanSpecificDays {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn evaluate(&self, resource: &Resource, snapshot: &Snapshot) -> Result<Outcome, RuleError> {
        let Properties::Ec2Instance(inst) = &resource.properties else {
            return Ok(Outcome::not_applicable());
        };
        if inst.state.as_deref() != Some("running") {
            return Ok(Outcome::not_applicable());
        }
        let Some(launched) = inst.launch_time else {
            return Ok(Outcome::not_collected("launch_time"));
        };
        let days = launched.days_until(snapshot.collected_at);
        let id = &inst.instance_id;
        Ok(Outcome::check(
            days <= MAX_AGE_DAYS,
            format!("Instance {id} was launched {days} days ago (at most {MAX_AGE_DAYS})"),
            format!(
                "Instance {id} has been running since a launch {days} days ago, more than \
                 {MAX_AGE_DAYS}"
            ),
        )
        .with_evidence(json!({
            "launch_time": launched,
            "days": days,
            "max_days": MAX_AGE_DAYS,
        })))
    }
}
