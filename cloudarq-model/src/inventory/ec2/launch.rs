//! What instances are launched from and with: AMIs, launch templates, and
//! the region's launch-time defaults (AMI and EBS snapshot block public
//! access, instance metadata defaults).
//!
//! These kinds arrived after rule contract 1.0 was frozen, as new kinds
//! rather than new fields of [`Instance`](super::Instance) or
//! [`Ec2RegionSettings`](super::Ec2RegionSettings): a WebAssembly package
//! built for 1.0 reads those with `deny_unknown_fields`.

use serde::{Deserialize, Serialize};

use super::MetadataOptions;
use crate::common::{Collected, Timestamp};

/// `AWS::EC2::Image`: an AMI, ARN `arn:aws:ec2:<region>::image/<ami-id>`
/// (no account, as AWS forms AMI ARNs: another account may own it). The
/// snapshot holds the region's AMIs the account owns (`DescribeImages` with
/// `Owners=self`) and every AMI an instance of the region was launched from
/// that EC2 still describes (`DescribeImages` filtered by `image-id`, with
/// `IncludeDeprecated=true`); an instance whose AMI is absent has an AMI
/// that was deregistered, is no longer shared with the account, or whose
/// listing failed: its image is unknown, never "fine".
///
/// Only `deprecation_time` is `Collected`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Image {
    /// AMI id (`ami-…`).
    pub image_id: String,
    /// The account that owns the AMI (`amazon`-owned AMIs name Amazon's
    /// accounts).
    #[serde(default)]
    pub owner_id: Option<String>,
    /// The audited account owns it (its `owner_id` is the account's).
    pub owned: bool,
    /// Anyone may launch it (its launch permissions name the group `all`);
    /// `None` when EC2 did not say.
    #[serde(default)]
    pub public: Option<bool>,
    /// `available`, `pending`, `failed`, `deregistered`, `disabled`, ….
    #[serde(default)]
    pub state: Option<String>,
    /// `hvm` or `paravirtual`: how instances launched from it are
    /// virtualized (an instance has its AMI's virtualization type).
    #[serde(default)]
    pub virtualization_type: Option<String>,
    /// When the AMI was created; `None` when EC2 sent no date or one that
    /// does not parse.
    #[serde(default)]
    pub creation_date: Option<Timestamp>,
    /// When the AMI is (or was) deprecated; `Value(None)` when it has no
    /// deprecation time. Not collected when EC2 sent a time that does not
    /// parse (with a gap naming `ec2:DescribeImages` and the AMI).
    #[serde(default)]
    pub deprecation_time: Collected<Option<Timestamp>>,
}

impl Image {
    /// Whether the AMI is deprecated at `now` (the snapshot's collection
    /// time): its deprecation time is at or before `now`. `None` when the
    /// deprecation time was not collected.
    pub fn deprecated_at(&self, now: Timestamp) -> Option<bool> {
        match &self.deprecation_time {
            Collected::Value(Some(t)) => Some(t.get() <= now.get()),
            Collected::Value(None) => Some(false),
            Collected::NotCollected => None,
        }
    }
}

/// `AWS::EC2::LaunchTemplate`: a launch template, ARN
/// `arn:aws:ec2:<region>:<account>:launch-template/<lt-id>`, named by its
/// template name, from one `DescribeLaunchTemplateVersions` listing of the
/// region with `Versions=[$Default, $Latest]`: the versions a launch uses
/// unless it names a version number. Older versions are not collected.
///
/// Only what the rules read is kept: each version's metadata options and
/// its network interfaces' public-IP flags. The rest of the template data,
/// user data above all (it often carries secrets), is never stored. No field
/// is `Collected`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LaunchTemplate {
    /// Template id (`lt-…`).
    pub launch_template_id: String,
    /// The default and the latest version, each once (one entry when they
    /// are the same version), in ascending version order.
    #[serde(default)]
    pub versions: Vec<LaunchTemplateVersion>,
}

/// One version of a launch template (the parts the rules read).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LaunchTemplateVersion {
    /// Version number (1, 2, …).
    pub version_number: i64,
    /// It is the template's default version.
    pub is_default: bool,
    /// It is the template's latest version.
    pub is_latest: bool,
    /// The version's `MetadataOptions`; `None` when it sets none (instances
    /// then get the region's instance metadata defaults, or the AMI's).
    /// Within, a `None` field is one the version does not set.
    #[serde(default)]
    pub metadata_options: Option<MetadataOptions>,
    /// The network interfaces it specifies, in its order; empty when it
    /// specifies none (the subnet then decides about public IPv4).
    #[serde(default)]
    pub network_interfaces: Vec<LaunchTemplateInterface>,
}

/// A network interface of a launch template version.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LaunchTemplateInterface {
    /// Its device index (0 is the primary interface).
    #[serde(default)]
    pub device_index: Option<i32>,
    /// `AssociatePublicIpAddress`: `Some(true)` gives the interface a public
    /// IPv4 address whatever the subnet says; `None` when not set (the
    /// subnet's setting applies).
    #[serde(default)]
    pub associate_public_ip_address: Option<bool>,
}

/// `AWS::EC2::SecurityDefaults`: the account's launch-time protections in
/// one region, one per scanned region, ARN
/// `arn:aws:ec2:<region>:<account>:account/security-defaults`, named by the
/// account id. Every field is `Collected`, each from its own call.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Ec2SecurityDefaults {
    /// Block public access for AMIs (`GetImageBlockPublicAccessState`):
    /// `block-new-sharing` (no AMI can be made public) or `unblocked`. Not
    /// collected when the call failed or was denied
    /// (`ec2:GetImageBlockPublicAccessState`).
    #[serde(default)]
    pub image_block_public_access: Collected<String>,
    /// Block public access for EBS snapshots
    /// (`GetSnapshotBlockPublicAccessState`): `block-all-sharing` (no
    /// snapshot is public, even those shared before), `block-new-sharing`
    /// (snapshots shared before stay public) or `unblocked`. Not collected
    /// when the call failed or was denied
    /// (`ec2:GetSnapshotBlockPublicAccessState`).
    #[serde(default)]
    pub snapshot_block_public_access: Collected<String>,
    /// The instance metadata defaults of new instances
    /// (`GetInstanceMetadataDefaults`, account level); a `None` field is
    /// "no preference" (the AMI's or EC2's own default applies:
    /// `optional` tokens, endpoint enabled). Not collected when the call
    /// failed or was denied (`ec2:GetInstanceMetadataDefaults`).
    #[serde(default)]
    pub instance_metadata_defaults: Collected<MetadataOptions>,
}
