//! `vpc_flow_logs_enabled`: every VPC has an active flow log that captures at
//! least rejected traffic (`REJECT` or `ALL`).
//!
//! Prowler passes a VPC with any flow log; CloudArq, like CIS and AWS FSBP, wants
//! rejected traffic captured, so an `ACCEPT`-only flow log FAILs. Flow logs that
//! could not be read are *not collected*.

use crate::controls::{cis3, cis7, fsbp, nist};
use cloudarq_model::rule::{Outcome, Remediation, Rule, RuleError, RuleMeta, Severity};
use cloudarq_model::{Collected, Properties, Resource, ResourceType, Service, Snapshot};
use serde_json::json;

static META: RuleMeta = RuleMeta {
    id: "vpc_flow_logs_enabled",
    title: "VPC has an active flow log capturing rejected or all traffic",
    severity: Severity::Medium,
    service: Service::Ec2,
    resource_types: &[ResourceType::Ec2Vpc],
    rationale: "Flow logs are the only record of who talked to what inside a VPC. Without \
                rejected-traffic records, port scans, blocked exfiltration attempts and \
                lateral-movement probes leave no trace for detection or incident response.",
    remediation: Remediation {
        cli: "aws ec2 create-flow-logs --resource-type VPC --resource-ids <vpc-id> --traffic-type \
              REJECT --log-destination-type cloud-watch-logs --log-group-name <log-group> \
              --deliver-logs-permission-arn <role-arn>",
        console: "VPC console > Your VPCs > select the VPC > Flow logs tab > Create flow log > \
                  Filter: Reject (or All) > choose a CloudWatch Logs or S3 destination > Create \
                  flow log.",
        url: "https://docs.aws.amazon.com/vpc/latest/userguide/flow-logs.html",
    },
    controls: &[
        cis3("3.7"),
        cis7("4.7"),
        fsbp("EC2.6"),
        nist("AU-12a"),
        nist("AU-12c"),
    ],
};

/// VPC has an active flow log capturing rejected or all traffic.
pub(crate) struct VpcFlowLogsEnabled;

impl Rule for VpcFlowLogsEnabled {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn evaluate(&self, resource: &Resource, _snapshot: &Snapshot) -> Result<Outcome, RuleError> {
        let Properties::Ec2Vpc(vpc) = &resource.properties else {
            return Ok(Outcome::not_applicable());
        };
        let Collected::Value(logs) = &vpc.flow_logs else {
            return Ok(Outcome::not_collected("flow_logs"));
        };
        let id = &vpc.vpc_id;
        let evidence = json!({
            "flow_logs": logs.iter().map(|l| json!({
                "flow_log_id": l.flow_log_id,
                "traffic_type": l.traffic_type,
                "status": l.status,
                "destination_type": l.destination_type,
            })).collect::<Vec<_>>(),
        });
        let active: Vec<_> = logs
            .iter()
            .filter(|l| {
                l.status
                    .as_deref()
                    .is_none_or(|s| s.eq_ignore_ascii_case("ACTIVE"))
            })
            .collect();
        let captures_rejects =
            |t: &str| t.eq_ignore_ascii_case("ALL") || t.eq_ignore_ascii_case("REJECT");
        if let Some(log) = active
            .iter()
            .find(|l| l.traffic_type.as_deref().is_some_and(captures_rejects))
        {
            let traffic = log.traffic_type.as_deref().unwrap_or_default();
            return Ok(Outcome::pass(format!(
                "VPC {id} has flow log {} capturing {traffic} traffic",
                log.flow_log_id
            ))
            .with_evidence(evidence));
        }
        if active.iter().any(|l| l.traffic_type.is_none()) {
            return Ok(Outcome::not_collected("flow_logs.traffic_type").with_evidence(evidence));
        }
        let message = if logs.is_empty() {
            format!("VPC {id} has no flow logs")
        } else {
            format!(
                "VPC {id} has no active flow log capturing rejected traffic ({} flow log(s) \
                 capture accepted traffic only or are inactive)",
                logs.len()
            )
        };
        Ok(Outcome::fail(message).with_evidence(evidence))
    }
}
