//! `ec2_instance_uses_single_eni`: an instance has one network interface.

use cloudarq_model::rule::{Outcome, Remediation, Rule, RuleError, RuleMeta, Severity};
use cloudarq_model::{Properties, Resource, ResourceType, Service, Snapshot};
use serde_json::json;

use super::exposure::is_gone;
use crate::controls::nist;
use crate::related;

static META: RuleMeta = RuleMeta {
    id: "ec2_instance_uses_single_eni",
    title: "EC2 instance has a single network interface",
    severity: Severity::Low,
    service: Service::Ec2,
    resource_types: &[ResourceType::Ec2Instance],
    rationale: "An instance with interfaces in several subnets is a bridge between them: whoever \
                controls it can route around the network ACLs, route tables and security groups \
                that separate those subnets. Multi-homed instances should be deliberate appliances \
                (firewalls, NAT), reviewed as such.",
    remediation: Remediation {
        cli: "aws ec2 describe-network-interfaces --filters Name=attachment.instance-id,Values=<instance-id>\n\
              aws ec2 detach-network-interface --attachment-id <eni-attach-id>",
        console: "EC2 console > Instances > select the instance > Networking tab > Network \
                  interfaces: detach each secondary interface that is not needed (Network \
                  interfaces > select > Actions > Detach).",
        url: "https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/scenarios-enis.html",
    },
    controls: &[nist("SC-7a")],
};

/// The instance has at most one attached network interface.
///
/// Interfaces are counted from the instance's own list (`eth0` and every
/// secondary attachment, EFA included). The FAIL names the subnets the
/// interfaces are in when the snapshot has them, since interfaces in several
/// subnets are what bridges networks. Terminated instances are not
/// applicable.
pub(crate) struct Ec2InstanceUsesSingleEni;

impl Rule for Ec2InstanceUsesSingleEni {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn evaluate(&self, resource: &Resource, snapshot: &Snapshot) -> Result<Outcome, RuleError> {
        let Properties::Ec2Instance(inst) = &resource.properties else {
            return Ok(Outcome::not_applicable());
        };
        if is_gone(inst) {
            return Ok(Outcome::not_applicable());
        }
        let id = &inst.instance_id;
        let n = inst.network_interfaces.len();
        if n <= 1 {
            return Ok(Outcome::pass(format!(
                "Instance {id} has {n} network interface{}",
                if n == 1 { "" } else { "s" }
            ))
            .with_evidence(json!({"network_interfaces": inst.network_interfaces})));
        }
        let region = resource.region.as_ref();
        let mut subnets: Vec<&str> = inst
            .network_interfaces
            .iter()
            .filter_map(|e| related::network_interface(snapshot, region, e))
            .filter_map(|e| e.subnet_id.as_deref())
            .collect();
        subnets.sort_unstable();
        subnets.dedup();
        let across = if subnets.len() > 1 {
            format!(" across subnets {}", subnets.join(", "))
        } else {
            String::new()
        };
        Ok(Outcome::fail(format!(
            "Instance {id} has {n} network interfaces ({}){across}",
            inst.network_interfaces.join(", ")
        ))
        .with_evidence(json!({
            "network_interfaces": inst.network_interfaces,
            "subnets": subnets,
        })))
    }
}
