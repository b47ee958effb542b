//! AWS Organizations inventory kinds: what the audited account can see of
//! its organization's governance.
//!
//! | kind | ARN | region | filled by |
//! |---|---|---|---|
//! | [`OrganizationsAccount`] (`AWS::Organizations::Account`) | `arn:aws:organizations::<account>:account` | global | `DescribeOrganization`; in an organization, `ListDelegatedAdministrators` and `DescribeResourcePolicy` |
//!
//! The resource exists whenever Organizations was collected. Only the
//! management account (or a delegated administrator) may list delegated
//! administrators and read the delegation policy: scanned from a member
//! account, those two fields are not collected, with a gap naming the call
//! (AWS answers AccessDenied), never a FAIL. Account names and e-mail
//! addresses are never read.
//!
//! ```
//! use cloudarq_model::inventory::organizations::OrganizationsAccount;
//!
//! let a: OrganizationsAccount = serde_json::from_value(serde_json::json!({
//!     "organization": {"value": {"id": "o-a1b2c3d4e5", "management_account_id": "111111111111",
//!         "feature_set": "ALL"}},
//!     "delegated_administrators": {"value": ["222222222222"]},
//!     "delegation_policy": {"value": true}}))?;
//! assert_eq!(a.delegated_administrators.value().map(Vec::len), Some(1));
//! # Ok::<(), serde_json::Error>(())
//! ```

use serde::{Deserialize, Serialize};

use crate::common::Collected;

/// `AWS::Organizations::Account`: the audited account's view of its
/// organization. [`Resource::name`](crate::Resource::name) is the account
/// id.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OrganizationsAccount {
    /// The organization (`DescribeOrganization`); `Value(None)` when the
    /// account is in none (`AWSOrganizationsNotInUseException`). Not
    /// collected when the call failed or was denied.
    #[serde(default)]
    pub organization: Collected<Option<OrganizationInfo>>,
    /// The account ids registered as delegated administrators of
    /// Organizations-integrated services (`ListDelegatedAdministrators`);
    /// empty, without a call, when the account is in no organization. Not
    /// collected when the call failed or was denied (from a member account).
    #[serde(default)]
    pub delegated_administrators: Collected<Vec<String>>,
    /// Whether the organization has a resource-based delegation policy
    /// that lets a member account manage Organizations policies
    /// (`DescribeResourcePolicy`; `ResourcePolicyNotFoundException` is
    /// `false`); `false`, without a call, when the account is in no
    /// organization. Not collected when the call failed or was denied.
    #[serde(default)]
    pub delegation_policy: Collected<bool>,
}

/// What `DescribeOrganization` says.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OrganizationInfo {
    /// The organization's id (`o-…`).
    pub id: String,
    /// The management account's id.
    #[serde(default)]
    pub management_account_id: Option<String>,
    /// `ALL` or `CONSOLIDATED_BILLING`.
    #[serde(default)]
    pub feature_set: Option<String>,
}
