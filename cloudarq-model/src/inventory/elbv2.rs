//! Elastic Load Balancing (v2) inventory kinds: each region's Application,
//! Network and Gateway Load Balancers.
//!
//! The service's ARNs and IAM actions use the namespace
//! `elasticloadbalancing` ([`Service::arn_namespace`](crate::Service::arn_namespace));
//! rule ids and `--services` say `elbv2`. Classic Load Balancers are not
//! collected.
//!
//! | kind | ARN | filled by |
//! |---|---|---|
//! | [`LoadBalancer`] (`AWS::ElasticLoadBalancingV2::LoadBalancer`) | `arn:aws:elasticloadbalancing:<region>:<account>:loadbalancer/<app\|net\|gwy>/<name>/<id>` | `DescribeLoadBalancers`, `DescribeLoadBalancerAttributes`, `DescribeListeners`, `DescribeTags` |
//!
//! Every load balancer `DescribeLoadBalancers` lists (every page) is one
//! resource, named by its name, with the ARN ELB returned. A listing that
//! failed leaves the region's load balancers out, with a gap. Tags come
//! from `DescribeTags` (20 load balancers per call); when that call failed
//! they are empty, with a gap naming each load balancer.
//!
//! **`Collected` fields** (the gap's `action` is the IAM action in
//! parentheses): [`attributes`](LoadBalancer::attributes) from
//! `DescribeLoadBalancerAttributes`
//! (`elasticloadbalancing:DescribeLoadBalancerAttributes`);
//! [`listeners`](LoadBalancer::listeners) from `DescribeListeners`, every
//! page (`elasticloadbalancing:DescribeListeners`).
//!
//! Enumerated values are ELB's strings: types (`application`, `network`,
//! `gateway`), schemes (`internet-facing`, `internal`), states
//! (`provisioning`, `active`, `active_impaired`, `failed`), listener
//! protocols (`HTTP`, `HTTPS`, `TCP`, `TLS`, `UDP`, `TCP_UDP`, `GENEVE`).
//!
//! ```
//! use cloudarq_model::inventory::elbv2::LoadBalancer;
//! use cloudarq_model::{Collected, Properties, Resource};
//!
//! let r: Resource = serde_json::from_value(serde_json::json!({
//!     "arn": "arn:aws:elasticloadbalancing:eu-west-1:123456789012:loadbalancer/app/web/50dc6c495c0c9188",
//!     "region": "eu-west-1", "name": "web",
//!     "properties": {"AWS::ElasticLoadBalancingV2::LoadBalancer": {
//!         "load_balancer_type": "application", "scheme": "internet-facing",
//!         "attributes": {"value": {"access_logs.s3.enabled": "false"}},
//!         "listeners": {"value": [{"port": 443, "protocol": "HTTPS"}]}}}
//! }))?;
//! let Properties::Elbv2LoadBalancer(lb) = &r.properties else { unreachable!() };
//! assert_eq!(lb.attribute("access_logs.s3.enabled"), Collected::Value(Some("false")));
//! # Ok::<(), serde_json::Error>(())
//! ```

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::common::{Collected, Timestamp};

/// `AWS::ElasticLoadBalancingV2::LoadBalancer`: one Application, Network
/// or Gateway Load Balancer, with the ARN ELB returned, named by its name.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LoadBalancer {
    /// `application`, `network` or `gateway`.
    pub load_balancer_type: String,
    /// `internet-facing` or `internal`.
    #[serde(default)]
    pub scheme: Option<String>,
    /// `provisioning`, `active`, `active_impaired` or `failed`.
    #[serde(default)]
    pub state: Option<String>,
    /// Its DNS name.
    #[serde(default)]
    pub dns_name: Option<String>,
    /// The VPC it is in.
    #[serde(default)]
    pub vpc_id: Option<String>,
    /// Its security groups (none for most Network and every Gateway Load
    /// Balancer).
    #[serde(default)]
    pub security_groups: Vec<String>,
    /// The subnets of its availability zones.
    #[serde(default)]
    pub subnets: Vec<String>,
    /// `ipv4`, `dualstack` or `dualstack-without-public-ipv4`.
    #[serde(default)]
    pub ip_address_type: Option<String>,
    /// When it was created.
    #[serde(default)]
    pub created: Option<Timestamp>,
    /// Every attribute, key to value, as ELB returned them
    /// (`access_logs.s3.enabled` → `"true"`, `deletion_protection.enabled`,
    /// …). Not collected when the call failed or was denied
    /// (`elasticloadbalancing:DescribeLoadBalancerAttributes`).
    #[serde(default)]
    pub attributes: Collected<BTreeMap<String, String>>,
    /// Its listeners. Not collected when a page failed or was denied
    /// (`elasticloadbalancing:DescribeListeners`).
    #[serde(default)]
    pub listeners: Collected<Vec<Listener>>,
}

/// One listener of a load balancer.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Listener {
    /// The port it listens on (`None` for a Gateway Load Balancer).
    #[serde(default)]
    pub port: Option<u16>,
    /// `HTTP`, `HTTPS`, `TCP`, `TLS`, `UDP`, `TCP_UDP` or `GENEVE`.
    #[serde(default)]
    pub protocol: Option<String>,
    /// The TLS security policy of an `HTTPS` or `TLS` listener.
    #[serde(default)]
    pub ssl_policy: Option<String>,
}

impl LoadBalancer {
    /// One attribute's value: `Value(None)` when ELB did not return the key,
    /// not collected when the attributes were not.
    pub fn attribute(&self, key: &str) -> Collected<Option<&str>> {
        match &self.attributes {
            Collected::Value(map) => Collected::Value(map.get(key).map(String::as_str)),
            Collected::NotCollected => Collected::NotCollected,
        }
    }
}
