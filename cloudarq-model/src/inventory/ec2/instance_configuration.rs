//! An instance's configuration companion: what `DescribeInstances` says of
//! an instance beyond the fields contract 1.0 froze on `AWS::EC2::Instance`
//! (see [`launch`](super::launch) for why data added later is a kind of its
//! own).

use serde::{Deserialize, Serialize};

use crate::common::Timestamp;

/// `AWS::EC2::InstanceConfiguration`: the companion of one
/// `AWS::EC2::Instance`, ARN
/// `arn:aws:ec2:<region>:<account>:instance-configuration/<i-id>`, named and
/// tagged as its instance, filled from the same `DescribeInstances` listing
/// (no call of its own). No field is `Collected`.
///
/// ```
/// use cloudarq_model::inventory::ec2::InstanceConfiguration;
/// use cloudarq_model::{Properties, Resource};
///
/// let r: Resource = serde_json::from_value(serde_json::json!({
///     "arn": "arn:aws:ec2:eu-west-1:123456789012:instance-configuration/i-0abc",
///     "region": "eu-west-1", "name": "enclave-host",
///     "properties": {"AWS::EC2::InstanceConfiguration": {
///         "instance_id": "i-0abc", "enclaves_enabled": true,
///         "state_transition_reason": "User initiated (2026-01-02 03:04:05 GMT)",
///         "state_transition_time": "2026-01-02T03:04:05Z"}}
/// }))?;
/// let Properties::Ec2InstanceConfiguration(c) = &r.properties else { unreachable!() };
/// assert!(c.enclaves_enabled && c.ipv6_addresses.is_empty());
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InstanceConfiguration {
    /// The instance's id (`i-…`).
    pub instance_id: String,
    /// Whether the instance may run Nitro Enclaves (`EnclaveOptions.Enabled`):
    /// it is then the parent, or host, of confidential workloads.
    #[serde(default)]
    pub enclaves_enabled: bool,
    /// Why the instance last changed state, as EC2 wrote it
    /// (`User initiated (2026-01-02 03:04:05 GMT)`); `None` when EC2 left
    /// it out or blank.
    #[serde(default)]
    pub state_transition_reason: Option<String>,
    /// When that change happened, read from the reason's `(… GMT)` part;
    /// `None` when the reason names no time.
    #[serde(default)]
    pub state_transition_time: Option<Timestamp>,
    /// The IPv6 addresses of all its network interfaces.
    #[serde(default)]
    pub ipv6_addresses: Vec<String>,
}
