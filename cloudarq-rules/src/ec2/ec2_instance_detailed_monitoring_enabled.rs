//! `ec2_instance_detailed_monitoring_enabled`: every instance has detailed
//! (one-minute) CloudWatch monitoring.
//!
//! Terminated instances are not applicable; a missing monitoring state is *not
//! collected*. Mapped to NIST 800-53 CA-7 and CA-7b (monitoring at a defined
//! frequency), as Prowler maps the RDS counterpart, enhanced monitoring.

use cloudarq_model::rule::{Outcome, Remediation, Rule, RuleError, RuleMeta, Severity};
use cloudarq_model::{Properties, Resource, ResourceType, Service, Snapshot};

use super::exposure;
use crate::controls::nist;

static META: RuleMeta = RuleMeta {
    id: "ec2_instance_detailed_monitoring_enabled",
    title: "EC2 instance has detailed CloudWatch monitoring enabled",
    severity: Severity::Low,
    service: Service::Ec2,
    resource_types: &[ResourceType::Ec2Instance],
    rationale: "Basic monitoring reports every five minutes, which can hide short spikes from \
                cryptomining, exfiltration or a runaway process. One-minute metrics make alarms \
                and incident timelines precise.",
    remediation: Remediation {
        cli: "aws ec2 monitor-instances --instance-ids <instance-id>",
        console: "EC2 console > Instances > select the instance > Actions > Monitor and \
                  troubleshoot > Manage detailed monitoring > Enable > Confirm.",
        url: "https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/manage-detailed-monitoring.html",
    },
    controls: &[nist("CA-7"), nist("CA-7b")],
};

/// EC2 instance has detailed CloudWatch monitoring enabled.
pub(crate) struct Ec2InstanceDetailedMonitoringEnabled;

impl Rule for Ec2InstanceDetailedMonitoringEnabled {
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
        let Some(state) = inst.monitoring.as_deref() else {
            return Ok(Outcome::not_collected("monitoring"));
        };
        Ok(Outcome::check(
            state == "enabled",
            format!("Instance {id} has detailed monitoring enabled"),
            format!("Instance {id} has detailed monitoring {state}"),
        ))
    }
}
