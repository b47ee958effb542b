//! AWS Backup inventory kinds: each region's backup plans with their
//! resource selections, and the resources that have recovery points.
//!
//! Backup plans are regional: a plan backs up resources of its own region
//! only, so a rule matches a resource against the plans of its region.
//!
//! | kind | ARN | filled by |
//! |---|---|---|
//! | [`BackupRegionSettings`] (`AWS::Backup::RegionSettings`) | `arn:aws:backup:<region>:<account>:account` | `ListBackupPlans`, `ListProtectedResources`, `DescribeRegionSettings` |
//! | [`BackupPlan`] (`AWS::Backup::BackupPlan`) | `arn:aws:backup:<region>:<account>:backup-plan:<id>` | `ListBackupPlans`, `ListBackupSelections`, `GetBackupSelection` |
//!
//! There is one `AWS::Backup::RegionSettings` per scanned region whenever
//! the `backup` service is collected, named by the account id; it says
//! whether the region's plan listing was complete and which resources have
//! recovery points. Every plan `ListBackupPlans` lists (every page; the
//! latest version of each plan, deleted plans excluded) is one
//! `AWS::Backup::BackupPlan`, named by its plan name; plan tags are not
//! collected.
//!
//! **`Collected` fields** (the gap's `action` is the IAM action in
//! parentheses):
//! [`backup_plans`](BackupRegionSettings::backup_plans) from
//! `ListBackupPlans` (`backup:ListBackupPlans`): not collected when any page
//! failed, so a rule cannot tell a plan is missing;
//! [`protected_resources`](BackupRegionSettings::protected_resources) from
//! `ListProtectedResources` (`backup:ListProtectedResources`);
//! [`resource_type_opt_in`](BackupRegionSettings::resource_type_opt_in)
//! from `DescribeRegionSettings` (`backup:DescribeRegionSettings`);
//! [`selections`](BackupPlan::selections) from `ListBackupSelections`
//! (`backup:ListBackupSelections`) and one `GetBackupSelection` per
//! selection (`backup:GetBackupSelection`): not collected when the listing
//! or any selection's read failed.
//!
//! Strings are kept as AWS Backup returned them: resource ARNs and
//! wildcard patterns (`arn:aws:ec2:*:*:volume/*`, `*`), condition keys
//! (`aws:ResourceTag/<key>` in conditions, a bare tag key or the same form
//! in `ListOfTags`) and values, and condition operators (`STRINGEQUALS`
//! for `ListOfTags`; `StringEquals`, `StringNotEquals`, `StringLike`,
//! `StringNotLike` for conditions).
//!
//! ```
//! use cloudarq_model::inventory::backup::BackupPlan;
//! use cloudarq_model::{Collected, Properties, Resource};
//!
//! let r: Resource = serde_json::from_value(serde_json::json!({
//!     "arn": "arn:aws:backup:eu-west-1:123456789012:backup-plan:0b1c2d3e-aaaa-bbbb-cccc-0123456789ab",
//!     "region": "eu-west-1", "name": "daily",
//!     "properties": {"AWS::Backup::BackupPlan": {
//!         "plan_id": "0b1c2d3e-aaaa-bbbb-cccc-0123456789ab",
//!         "selections": {"value": [{"selection_id": "s-1", "name": "volumes",
//!             "resources": ["arn:aws:ec2:*:*:volume/*"]}]}}}
//! }))?;
//! let Properties::BackupPlan(p) = &r.properties else { unreachable!() };
//! let Collected::Value(sel) = &p.selections else { unreachable!() };
//! assert_eq!(sel[0].resources, ["arn:aws:ec2:*:*:volume/*"]);
//! # Ok::<(), serde_json::Error>(())
//! ```

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::common::{Collected, Timestamp};

/// `AWS::Backup::RegionSettings`: the account's AWS Backup state in one
/// region, one per scanned region, ARN
/// `arn:aws:backup:<region>:<account>:account`, named by the account id.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BackupRegionSettings {
    /// The ids of the region's backup plans (`ListBackupPlans`, every
    /// page), each also an `AWS::Backup::BackupPlan` resource. Not
    /// collected when a page failed or was denied (`backup:ListBackupPlans`).
    #[serde(default)]
    pub backup_plans: Collected<Vec<String>>,
    /// The resources of the region that have at least one recovery point
    /// (`ListProtectedResources`, every page). Not collected when a page
    /// failed or was denied (`backup:ListProtectedResources`).
    #[serde(default)]
    pub protected_resources: Collected<Vec<ProtectedResource>>,
    /// Which resource types AWS Backup may back up in the region
    /// (`DescribeRegionSettings`' `ResourceTypeOptInPreference`), by AWS
    /// Backup's type name (`EBS`, `EC2`, `RDS`, `Aurora`, …): a selection
    /// assigns nothing of a type set to `false`. Not collected when the
    /// call failed or was denied (`backup:DescribeRegionSettings`).
    #[serde(default)]
    pub resource_type_opt_in: Collected<BTreeMap<String, bool>>,
}

impl BackupRegionSettings {
    /// Whether AWS Backup may back up resources of `resource_type` in the
    /// region: `None` when the setting was not collected, or the answer
    /// does not name the type (AWS names every type it supports).
    pub fn opted_in(&self, resource_type: &str) -> Option<bool> {
        match &self.resource_type_opt_in {
            Collected::Value(m) => m.get(resource_type).copied(),
            Collected::NotCollected => None,
        }
    }
}

/// One resource AWS Backup has a recovery point of.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProtectedResource {
    /// The resource's ARN, as AWS Backup returned it.
    pub resource_arn: String,
    /// AWS Backup's resource type (`EBS`, `EC2`, `RDS`, `Aurora`, …).
    #[serde(default)]
    pub resource_type: Option<String>,
    /// When its most recent recovery point was made.
    #[serde(default)]
    pub last_backup_time: Option<Timestamp>,
}

/// `AWS::Backup::BackupPlan`: one backup plan, ARN
/// `arn:aws:backup:<region>:<account>:backup-plan:<id>`, named by its plan
/// name.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BackupPlan {
    /// The plan id.
    pub plan_id: String,
    /// The plan's version id, as `ListBackupPlans` returned it.
    #[serde(default)]
    pub version_id: Option<String>,
    /// The plan's resource selections (resource assignments). Not collected
    /// when `ListBackupSelections` or a selection's `GetBackupSelection`
    /// failed or was denied.
    #[serde(default)]
    pub selections: Collected<Vec<BackupSelection>>,
}

/// One resource selection of a backup plan (`GetBackupSelection`).
///
/// AWS Backup assigns a resource to the selection when it matches
/// [`resources`](Self::resources) or [`list_of_tags`](Self::list_of_tags)
/// (everything, when both are empty), every one of
/// [`conditions`](Self::conditions), and none of
/// [`not_resources`](Self::not_resources).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BackupSelection {
    /// The selection id.
    pub selection_id: String,
    /// The selection's name.
    #[serde(default)]
    pub name: String,
    /// ARNs and ARN patterns (`*` wildcards) it assigns (`Resources`).
    #[serde(default)]
    pub resources: Vec<String>,
    /// ARNs and ARN patterns it excludes (`NotResources`).
    #[serde(default)]
    pub not_resources: Vec<String>,
    /// Tag conditions of which any one assigns a resource (`ListOfTags`).
    #[serde(default)]
    pub list_of_tags: Vec<SelectionCondition>,
    /// Tag conditions every assigned resource meets (`Conditions`).
    #[serde(default)]
    pub conditions: Vec<SelectionCondition>,
}

/// One tag condition of a selection.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SelectionCondition {
    /// The operator: `STRINGEQUALS` (`ListOfTags`), or `StringEquals`,
    /// `StringNotEquals`, `StringLike`, `StringNotLike` (`Conditions`).
    pub operator: String,
    /// The condition key, as AWS Backup returned it (`aws:ResourceTag/<key>`,
    /// or a bare tag key in `ListOfTags`).
    pub key: String,
    /// The value compared with the tag's.
    pub value: String,
}
