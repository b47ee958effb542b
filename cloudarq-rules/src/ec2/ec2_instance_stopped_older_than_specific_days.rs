//! `ec2_instance_stopped_older_than_specific_days`: no instance has been
//! stopped for more than 30 days (the peer's default).
//!
//! How long an instance has been stopped is read from its last state
//! change (`StateTransitionReason`, `User initiated (2026-01-02 03:04:05
//! GMT)`), kept in its `AWS::EC2::InstanceConfiguration`. Instances that are
//! not stopped are not applicable; a stopped instance whose reason names no
//! time, or whose configuration is missing, is *not collected*.

use cloudarq_model::rule::{Outcome, Remediation, Rule, RuleError, RuleMeta, Severity};
use cloudarq_model::{Properties, Resource, ResourceType, Service, Snapshot};
use serde_json::json;

use crate::controls::nist;
use crate::related;

/// Instances stopped more than this many whole days before the scan fail.
const MAX_STOPPED_DAYS: i64 = 30;

static META: RuleMeta = RuleMeta {
    id: "ec2_instance_stopped_older_than_specific_days",
    title: "EC2 instance has not been stopped for more than 30 days",
    severity: Severity::Low,
    service: Service::Ec2,
    resource_types: &[ResourceType::Ec2Instance],
    rationale: "An instance stopped for a month is usually forgotten: its volumes still cost \
                money and hold data, its image and packages fall behind, and when someone \
                starts it again it comes back unpatched with whatever credentials and open \
                ports it had.",
    remediation: Remediation {
        cli: "aws ec2 describe-instances --filters Name=instance-state-name,Values=stopped \
              --query 'Reservations[].Instances[].[InstanceId,StateTransitionReason]'\n\
              # snapshot what must be kept, then:\n\
              aws ec2 terminate-instances --instance-ids <instance-id>",
        console: "EC2 console > Instances > filter Instance state = stopped; for each instance \
                  stopped for more than 30 days, keep what is needed (an AMI or snapshots) and \
                  terminate it, or start and patch it if it is still in use.",
        url: "https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/terminating-instances.html",
    },
    controls: &[nist("CM-2b")],
};

/// An instance has not been stopped for more than 30 days.
pub(crate) struct Ec2InstanceStoppedOlderThanSpecificDays;

impl Rule for Ec2InstanceStoppedOlderThanSpecificDays {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn evaluate(&self, resource: &Resource, snapshot: &Snapshot) -> Result<Outcome, RuleError> {
        let Properties::Ec2Instance(inst) = &resource.properties else {
            return Ok(Outcome::not_applicable());
        };
        if inst.state.as_deref() != Some("stopped") {
            return Ok(Outcome::not_applicable());
        }
        let Some(config) = related::instance_configuration(snapshot, resource) else {
            return Ok(Outcome::not_collected("instance configuration"));
        };
        let Some(stopped) = config.state_transition_time else {
            return Ok(Outcome::not_collected("state_transition_time"));
        };
        let days = stopped.days_until(snapshot.collected_at);
        let id = &inst.instance_id;
        Ok(Outcome::check(
            days <= MAX_STOPPED_DAYS,
            format!("Instance {id} has been stopped for {days} days (at most {MAX_STOPPED_DAYS})"),
            format!("Instance {id} has been stopped for {days} days, more than {MAX_STOPPED_DAYS}"),
        )
        .with_evidence(json!({
            "stopped_since": stopped,
            "state_transition_reason": config.state_transition_reason,
            "days": days,
            "max_days": MAX_STOPPED_DAYS,
        })))
    }
}
