//! AWS Systems Manager inventory kinds: the region's managed nodes, as
//! `DescribeInstanceInformation` lists them.
//!
//! | kind | ARN | filled by |
//! |---|---|---|
//! | [`ManagedInstance`] (`AWS::SSM::ManagedInstance`) | `arn:aws:ssm:<region>:<account>:managed-instance/<id>` | `DescribeInstanceInformation` |
//!
//! Every node the listing returns (every page) is one resource, named by
//! its id: EC2 instances keep their `i-…` id, hybrid nodes have `mi-…`.
//! CloudArq keeps only what a check of "is this instance managed" needs:
//! **never** the node's IP address, computer name, name, platform name or
//! version, activation or association data. A failed listing leaves the
//! region's nodes out, with a gap naming `ssm:DescribeInstanceInformation`
//! and no resource; a rule that finds no node for an instance must read
//! that gap as *not collected*.
//!
//! ```
//! use cloudarq_model::inventory::ssm::ManagedInstance;
//! use cloudarq_model::{Properties, Resource};
//!
//! let r: Resource = serde_json::from_value(serde_json::json!({
//!     "arn": "arn:aws:ssm:eu-west-1:123456789012:managed-instance/i-0abc",
//!     "region": "eu-west-1", "name": "i-0abc",
//!     "properties": {"AWS::SSM::ManagedInstance": {
//!         "instance_id": "i-0abc", "ping_status": "Online"}}
//! }))?;
//! let Properties::SsmManagedInstance(m) = &r.properties else { unreachable!() };
//! assert!(m.online());
//! # Ok::<(), serde_json::Error>(())
//! ```

use serde::{Deserialize, Serialize};

use crate::common::Timestamp;

/// `AWS::SSM::ManagedInstance`: one Systems Manager managed node, ARN
/// `arn:aws:ssm:<region>:<account>:managed-instance/<id>`, named by its id.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ManagedInstance {
    /// The node id: the EC2 instance id (`i-…`) or a hybrid node's
    /// (`mi-…`).
    pub instance_id: String,
    /// `PingStatus`: `Online`, `ConnectionLost` or `Inactive`, as SSM
    /// returned it; `None` when SSM left it out.
    #[serde(default)]
    pub ping_status: Option<String>,
    /// The SSM Agent version the node runs.
    #[serde(default)]
    pub agent_version: Option<String>,
    /// When the agent last reached Systems Manager.
    #[serde(default)]
    pub last_ping: Option<Timestamp>,
    /// `Windows`, `Linux` or `MacOS`.
    #[serde(default)]
    pub platform_type: Option<String>,
}

impl ManagedInstance {
    /// The ping status of a node whose agent is connected.
    pub const ONLINE: &'static str = "Online";

    /// Whether the agent is connected (`PingStatus` is `Online`).
    pub fn online(&self) -> bool {
        self.ping_status.as_deref() == Some(Self::ONLINE)
    }
}
