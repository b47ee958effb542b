//! Amazon EFS inventory kinds: the account's file systems in each region.
//!
//! The service's ARNs and IAM actions use the namespace `elasticfilesystem`
//! ([`Service::arn_namespace`](crate::Service::arn_namespace)), not `efs`.
//!
//! | kind | ARN | filled by |
//! |---|---|---|
//! | [`FileSystem`] (`AWS::EFS::FileSystem`) | `arn:aws:elasticfilesystem:<region>:<account>:file-system/<id>` | `DescribeFileSystems`, `DescribeFileSystemPolicy` |
//!
//! Every file system `DescribeFileSystems` lists (every page) is one
//! resource, named by its `Name` tag when it is set and not blank, else by
//! its id; its tags are the ones `DescribeFileSystems` returns. A listing
//! that failed leaves the region's file systems out, with a gap.
//!
//! **`Collected` field** (the gap's `action` is the IAM action in
//! parentheses): [`policy`](FileSystem::policy) from
//! `DescribeFileSystemPolicy` (`elasticfilesystem:DescribeFileSystemPolicy`);
//! `Value(None)` when EFS answered `PolicyNotFound` (the file system has no
//! resource policy: a real answer, not a gap). A policy that is not a JSON
//! document is not collected, with a gap of kind `Other`.
//!
//! Enumerated values are the strings EFS uses: lifecycle states
//! (`creating`, `available`, `updating`, `deleting`, `deleted`, `error`),
//! performance modes (`generalPurpose`, `maxIO`) and throughput modes
//! (`bursting`, `provisioned`, `elastic`).
//!
//! ```
//! use cloudarq_model::inventory::efs::FileSystem;
//! use cloudarq_model::{Collected, Properties, Resource};
//!
//! let r: Resource = serde_json::from_value(serde_json::json!({
//!     "arn": "arn:aws:elasticfilesystem:eu-west-1:123456789012:file-system/fs-0123456789abcdef0",
//!     "region": "eu-west-1", "name": "shared",
//!     "properties": {"AWS::EFS::FileSystem": {
//!         "file_system_id": "fs-0123456789abcdef0", "encrypted": false,
//!         "life_cycle_state": "available", "policy": {"value": null}}}
//! }))?;
//! let Properties::EfsFileSystem(fs) = &r.properties else { unreachable!() };
//! assert!(!fs.encrypted);
//! assert_eq!(fs.policy, Collected::Value(None)); // no file system policy
//! # Ok::<(), serde_json::Error>(())
//! ```

use serde::{Deserialize, Serialize};

use crate::common::{Collected, Timestamp};

/// `AWS::EFS::FileSystem`: one EFS file system, ARN
/// `arn:aws:elasticfilesystem:<region>:<account>:file-system/<id>`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileSystem {
    /// The file system id (`fs-…`).
    pub file_system_id: String,
    /// Whether the file system's data is encrypted at rest (`Encrypted`;
    /// `false` when EFS left it out). Set at creation only: an unencrypted
    /// file system stays so.
    pub encrypted: bool,
    /// The KMS key that encrypts it, as EFS returned it (an id, alias or
    /// ARN); `None` when it is not encrypted.
    #[serde(default)]
    pub kms_key_id: Option<String>,
    /// `LifeCycleState`: `creating`, `available`, `updating`, `deleting`,
    /// `deleted` or `error`.
    pub life_cycle_state: String,
    /// When it was created.
    #[serde(default)]
    pub created: Option<Timestamp>,
    /// `generalPurpose` or `maxIO`.
    #[serde(default)]
    pub performance_mode: Option<String>,
    /// `bursting`, `provisioned` or `elastic`.
    #[serde(default)]
    pub throughput_mode: Option<String>,
    /// The file system policy, decoded (`DescribeFileSystemPolicy`):
    /// `Value(None)` when it has none (`PolicyNotFound`). Not collected when
    /// the call failed or was denied
    /// (`elasticfilesystem:DescribeFileSystemPolicy`), or the policy is not
    /// JSON.
    #[serde(default)]
    pub policy: Collected<Option<serde_json::Value>>,
}

impl FileSystem {
    /// Whether the file system exists for the purposes of a check: any
    /// lifecycle state but `deleting` and `deleted`.
    pub fn live(&self) -> bool {
        !matches!(self.life_cycle_state.as_str(), "deleting" | "deleted")
    }
}
