//! `ec2_instance_port_cassandra_exposed_to_internet`: no instance's security groups let
//! 0.0.0.0/0 or ::/0 reach Cassandra (TCP 7000, 7001, 7199, 9042, 9160).
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
    id: "ec2_instance_port_cassandra_exposed_to_internet",
    title: "EC2 instance does not expose Cassandra (TCP 7000, 7001, 7199, 9042, 9160) to the internet through its \
            security groups",
    severity: Severity::Critical,
    service: Service::Ec2,
    resource_types: &[ResourceType::Ec2Instance],
    rationale: "Cassandra's inter-node (7000, 7001), JMX (7199), CQL (9042) and Thrift (9160) \
                ports reachable from the internet let anyone read or rewrite the cluster's data, \
                or join a node to it; many clusters run without authentication.",
    remediation: Remediation {
        cli: exposure::INSTANCE_PORT_CLI,
        console: "EC2 console > Instances > select the instance > Security tab > open each \
                  security group > Edit inbound rules: delete or narrow every rule from 0.0.0.0/0 \
                  or ::/0 that covers TCP 7000, 7001, 7199, 9042, 9160, including All traffic rules > Save rules.",
        url: exposure::INSTANCE_PORT_URL,
    },
    controls: &[nist("SC-7(11)")],
};

/// EC2 instance does not expose Cassandra (TCP 7000, 7001, 7199, 9042, 9160) to the internet through its
/// security groups.
pub(crate) static RULE: InstancePort = InstancePort {
    meta: &META,
    service: "Cassandra",
    ports: &[7000, 7001, 7199, 9042, 9160],
};
