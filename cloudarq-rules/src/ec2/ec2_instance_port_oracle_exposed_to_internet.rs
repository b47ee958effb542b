//! `ec2_instance_port_oracle_exposed_to_internet`: no instance's security groups let
//! 0.0.0.0/0 or ::/0 reach Oracle (TCP 1521, 2483, 2484).
//!
//! Critical when the instance has a public IPv4 address; one level lower (high),
//! with the reason, when it has none, unless an `::/0` rule is involved (IPv6
//! addresses are not collected). The group logic is shared with the
//! security-group checks in [`exposure`], so an all-traffic rule FAILs here too.
//! A security group of the instance that is missing from the snapshot, or a
//! prefix-list rule covering a port, makes the verdict *not collected* unless
//! another group already FAILs it. Terminated instances are not applicable.

use cloudarq_model::rule::{Remediation, RuleMeta, Severity};
use cloudarq_model::{ResourceType, Service};

use super::exposure::{self, InstancePort};
use crate::controls::nist;

static META: RuleMeta = RuleMeta {
    id: "ec2_instance_port_oracle_exposed_to_internet",
    title: "EC2 instance does not expose Oracle (TCP 1521, 2483, 2484) to the internet through its \
            security groups",
    severity: Severity::Critical,
    service: Service::Ec2,
    resource_types: &[ResourceType::Ec2Instance],
    rationale: "An Oracle listener (1521, and 2483/2484 for TCP and TLS) reachable from the \
                internet is exposed to password guessing, TNS poisoning and listener flaws.",
    remediation: Remediation {
        cli: exposure::INSTANCE_PORT_CLI,
        console: "EC2 console > Instances > select the instance > Security tab > open each \
                  security group > Edit inbound rules: delete or narrow every rule from 0.0.0.0/0 \
                  or ::/0 that covers TCP 1521, 2483, 2484, including All traffic rules > Save rules.",
        url: exposure::INSTANCE_PORT_URL,
    },
    controls: &[nist("SC-7(11)")],
};

/// EC2 instance does not expose Oracle (TCP 1521, 2483, 2484) to the internet through its
/// security groups.
pub(crate) static RULE: InstancePort = InstancePort {
    meta: &META,
    service: "Oracle",
    ports: &[1521, 2483, 2484],
};
