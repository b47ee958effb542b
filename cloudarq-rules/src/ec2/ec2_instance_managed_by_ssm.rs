//! `ec2_instance_managed_by_ssm`: every running EC2 instance is a Systems
//! Manager managed node whose agent is online.

use cloudarq_model::rule::{Outcome, Remediation, Rule, RuleError, RuleMeta, Severity};
use cloudarq_model::{Arn, Properties, Resource, ResourceType, Service, Snapshot};
use serde_json::json;

use crate::controls::{fsbp, nist};

static META: RuleMeta = RuleMeta {
    id: "ec2_instance_managed_by_ssm",
    title: "Running EC2 instance is managed by Systems Manager",
    severity: Severity::Medium,
    service: Service::Ec2,
    resource_types: &[ResourceType::Ec2Instance],
    rationale: "An instance Systems Manager does not manage is outside patching, inventory and \
                Session Manager: it drifts from the baseline, misses security updates and is \
                reached through open SSH or RDP ports instead of audited sessions.",
    remediation: Remediation {
        cli: "aws ec2 associate-iam-instance-profile --instance-id <i-id> \
              --iam-instance-profile Name=<profile-with-AmazonSSMManagedInstanceCore>\n\
              # or turn on Default Host Management for the region:\n\
              aws ssm update-service-setting --setting-id \
              /ssm/managed-instance/default-ec2-instance-management-role \
              --setting-value service-role/AWSSystemsManagerDefaultEC2InstanceManagementRole",
        console: "Systems Manager console > Fleet Manager > Account management > Configure \
                  Default Host Management Configuration; or give the instance a profile with \
                  AmazonSSMManagedInstanceCore, make sure the SSM Agent runs and can reach \
                  the Systems Manager endpoints.",
        url: "https://docs.aws.amazon.com/systems-manager/latest/userguide/managed_instances.html",
    },
    controls: &[fsbp("SSM.1"), nist("CM-8(2)")],
};

/// The instance is listed by `ssm:DescribeInstanceInformation` in its
/// region with `PingStatus` `Online`.
///
/// Only running instances are checked (a stopped instance's agent cannot
/// ping: not applicable). A node whose connection is lost, or which is
/// inactive, FAILs with its status. *Not collected* when the `ssm` service
/// was not collected, the region's listing failed (a gap naming
/// `ssm:DescribeInstanceInformation`), or the instance's state or the
/// node's ping status is unknown.
pub(crate) struct Ec2InstanceManagedBySsm;

impl Rule for Ec2InstanceManagedBySsm {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn evaluate(&self, resource: &Resource, snapshot: &Snapshot) -> Result<Outcome, RuleError> {
        let Properties::Ec2Instance(inst) = &resource.properties else {
            return Ok(Outcome::not_applicable());
        };
        match inst.state.as_deref() {
            Some("running") => {}
            Some(_) => return Ok(Outcome::not_applicable()),
            None => return Ok(Outcome::not_collected("instance state")),
        }
        let id = &inst.instance_id;
        let region = resource.region.as_ref();
        if !snapshot.services.contains(&Service::Ssm) {
            return Ok(Outcome::not_collected("Systems Manager managed nodes")
                .with_evidence(json!({"reason": "the ssm service was not collected"})));
        }
        let node = Arn::build(
            &snapshot.partition,
            "ssm",
            region,
            Some(&snapshot.account_id),
            &format!("managed-instance/{id}"),
        )
        .ok()
        .and_then(|arn| snapshot.resources.get(&arn))
        .and_then(|r| match &r.properties {
            Properties::SsmManagedInstance(m) => Some(&**m),
            _ => None,
        });
        let Some(node) = node else {
            let gap = snapshot.gaps.iter().find(|g| {
                g.resource.is_none()
                    && g.action == "ssm:DescribeInstanceInformation"
                    && g.region.as_ref() == region
            });
            if let Some(g) = gap {
                return Ok(
                    Outcome::not_collected("Systems Manager managed nodes").with_evidence(json!({
                        "action": g.action,
                        "region": g.region,
                        "error_code": g.error_code,
                    })),
                );
            }
            return Ok(Outcome::fail(format!(
                "Instance {id} is running but is not a Systems Manager managed node"
            ))
            .with_evidence(json!({"managed": false})));
        };
        let evidence = json!({
            "ping_status": node.ping_status,
            "agent_version": node.agent_version,
            "last_ping": node.last_ping,
            "platform_type": node.platform_type,
        });
        let Some(status) = node.ping_status.as_deref() else {
            return Ok(Outcome::not_collected("SSM ping status").with_evidence(evidence));
        };
        let agent = node.agent_version.as_deref().unwrap_or("unknown");
        let outcome = if node.online() {
            Outcome::pass(format!(
                "Instance {id} is a Systems Manager managed node, online (agent {agent})"
            ))
        } else {
            let since = node
                .last_ping
                .map(|t| format!(", last ping {t}"))
                .unwrap_or_default();
            let what = match status {
                "ConnectionLost" => "its agent has lost its connection",
                "Inactive" => "the node is inactive",
                _ => "its agent is not online",
            };
            Outcome::fail(format!(
                "Instance {id} is registered with Systems Manager but {what} (ping status \
                 {status}{since})"
            ))
        };
        Ok(outcome.with_evidence(evidence))
    }
}

#[cfg(test)]
mod tests {
    use cloudarq_model::Service;
    use serde_json::json;

    use super::*;
    use crate::testing::{eval, kind, message, resource, snapshot};

    const ARN: &str = "arn:aws:ec2:eu-west-1:123456789012:instance/i-0a";

    fn instance(state: Option<&str>) -> Resource {
        let mut props = json!({"instance_id": "i-0a", "security_groups": [],
            "network_interfaces": []});
        if let Some(s) = state {
            props["state"] = json!(s);
        }
        resource(json!({"arn": ARN, "region": "eu-west-1", "name": "i-0a",
            "properties": {"AWS::EC2::Instance": props}}))
    }

    fn node(status: &str) -> Resource {
        resource(json!({
            "arn": "arn:aws:ssm:eu-west-1:123456789012:managed-instance/i-0a",
            "region": "eu-west-1", "name": "i-0a",
            "properties": {"AWS::SSM::ManagedInstance": {
                "instance_id": "i-0a", "ping_status": status}}}))
    }

    fn outcome(resources: Vec<Resource>, ssm: bool) -> Outcome {
        let mut snap = snapshot(resources);
        snap.services = vec![Service::Ec2];
        if ssm {
            snap.services.push(Service::Ssm);
        }
        eval(&Ec2InstanceManagedBySsm, &snap, ARN)
    }

    #[test]
    fn ssm_not_collected_is_never_a_fail() {
        let out = outcome(vec![instance(Some("running"))], false);
        assert_eq!(kind(&out), "not_collected");
        // With the service collected and no gap, absence is a FAIL.
        let out = outcome(vec![instance(Some("running"))], true);
        assert_eq!(kind(&out), "fail");
    }

    #[test]
    fn state_decides_applicability() {
        for s in ["stopped", "terminated", "pending"] {
            let out = outcome(vec![instance(Some(s)), node("Inactive")], true);
            assert_eq!(kind(&out), "not_applicable", "{s}");
        }
        let out = outcome(vec![instance(None), node("Online")], true);
        assert_eq!(kind(&out), "not_collected");
    }

    #[test]
    fn only_online_passes() {
        let out = outcome(vec![instance(Some("running")), node("Online")], true);
        assert_eq!(kind(&out), "pass");
        let out = outcome(vec![instance(Some("running")), node("Inactive")], true);
        assert_eq!(kind(&out), "fail");
        assert!(message(&out).contains("inactive"), "{}", message(&out));
    }
}
