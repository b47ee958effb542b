//! IAM inventory kinds: the account (root, password policy, summary),
//! users, groups, roles and managed policies.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::common::{Collected, Timestamp};
use crate::ids::Arn;

/// `AWS::IAM::Account`: account-wide IAM settings and the root user.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IamAccount {
    /// `GetAccountSummary`: quota and usage counters such as `AccountMFAEnabled`.
    #[serde(default)]
    pub summary: Collected<BTreeMap<String, i64>>,
    /// The password policy; `Value(None)` when the account has none.
    #[serde(default)]
    pub password_policy: Collected<Option<PasswordPolicy>>,
    /// The root user, from the credential report.
    #[serde(default)]
    pub root: Collected<RootUser>,
    /// ARNs of the account's SAML identity providers.
    #[serde(default)]
    pub saml_providers: Collected<Vec<Arn>>,
}

/// An IAM account password policy.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PasswordPolicy {
    /// Minimum password length.
    #[serde(default)]
    pub minimum_length: Option<u32>,
    /// Requires at least one symbol.
    pub require_symbols: bool,
    /// Requires at least one digit.
    pub require_numbers: bool,
    /// Requires at least one uppercase letter.
    pub require_uppercase: bool,
    /// Requires at least one lowercase letter.
    pub require_lowercase: bool,
    /// Users may change their own password.
    pub allow_users_to_change: bool,
    /// Passwords expire.
    pub expire_passwords: bool,
    /// Days a password is valid, when they expire.
    #[serde(default)]
    pub max_age_days: Option<u32>,
    /// How many previous passwords cannot be reused.
    #[serde(default)]
    pub reuse_prevention: Option<u32>,
    /// Expired passwords need an administrator reset.
    #[serde(default)]
    pub hard_expiry: Option<bool>,
}

/// The root user, from the credential report and the virtual MFA device list.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RootUser {
    /// Root has any MFA device.
    pub mfa_active: bool,
    /// Root's MFA is a virtual device (so not hardware); not collected when
    /// `ListVirtualMFADevices` failed.
    #[serde(default)]
    pub virtual_mfa: Collected<bool>,
    /// When the root password was last used.
    #[serde(default)]
    pub password_last_used: Option<Timestamp>,
    /// Root access keys (report slots 1 and 2).
    #[serde(default)]
    pub access_keys: Vec<AccessKey>,
    /// Root has an active X.509 signing certificate.
    pub signing_certificate_active: bool,
}

/// One access-key slot of the credential report.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AccessKey {
    /// Report slot, 1 or 2.
    pub slot: u8,
    /// The key is active.
    pub active: bool,
    /// When the key was created or last rotated.
    #[serde(default)]
    pub last_rotated: Option<Timestamp>,
    /// When the key was last used.
    #[serde(default)]
    pub last_used: Option<Timestamp>,
    /// The service it was last used with.
    #[serde(default)]
    pub last_used_service: Option<String>,
}

/// A managed policy attached to a user, group or role.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AttachedPolicy {
    /// Policy name.
    pub name: String,
    /// Policy ARN (`arn:aws:iam::aws:policy/…` for AWS-managed ones).
    pub arn: Arn,
}

/// An inline policy with its document.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InlinePolicy {
    /// Policy name.
    pub name: String,
    /// The policy document, decoded JSON.
    pub document: serde_json::Value,
}

/// Console and key credentials of a user, from the credential report.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UserCredentials {
    /// The user has a console password.
    pub password_enabled: bool,
    /// When the password was last used.
    #[serde(default)]
    pub password_last_used: Option<Timestamp>,
    /// When the password was last changed.
    #[serde(default)]
    pub password_last_changed: Option<Timestamp>,
    /// The user has any MFA device.
    pub mfa_active: bool,
    /// Access-key slots 1 and 2.
    #[serde(default)]
    pub access_keys: Vec<AccessKey>,
}

/// `AWS::IAM::User`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IamUser {
    /// User name.
    pub user_name: String,
    /// Stable user id (`AIDA…`).
    pub user_id: String,
    /// IAM path.
    pub path: String,
    /// Creation time.
    #[serde(default)]
    pub created: Option<Timestamp>,
    /// Directly attached managed policies.
    #[serde(default)]
    pub attached_policies: Vec<AttachedPolicy>,
    /// Inline policies.
    #[serde(default)]
    pub inline_policies: Vec<InlinePolicy>,
    /// Names of the groups the user belongs to.
    #[serde(default)]
    pub groups: Vec<String>,
    /// Permissions boundary, if any.
    #[serde(default)]
    pub permissions_boundary: Option<Arn>,
    /// Credential state from the credential report.
    #[serde(default)]
    pub credentials: Collected<UserCredentials>,
    /// The user has a virtual MFA device assigned.
    #[serde(default)]
    pub virtual_mfa: Collected<bool>,
}

/// `AWS::IAM::Group`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IamGroup {
    /// Group name.
    pub group_name: String,
    /// Stable group id.
    pub group_id: String,
    /// IAM path.
    pub path: String,
    /// Creation time.
    #[serde(default)]
    pub created: Option<Timestamp>,
    /// Attached managed policies.
    #[serde(default)]
    pub attached_policies: Vec<AttachedPolicy>,
    /// Inline policies.
    #[serde(default)]
    pub inline_policies: Vec<InlinePolicy>,
    /// Names of member users.
    #[serde(default)]
    pub members: Vec<String>,
}

/// `AWS::IAM::Role`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IamRole {
    /// Role name.
    pub role_name: String,
    /// Stable role id.
    pub role_id: String,
    /// IAM path (`/aws-service-role/` for service-linked roles).
    pub path: String,
    /// Creation time.
    #[serde(default)]
    pub created: Option<Timestamp>,
    /// The trust policy, decoded JSON.
    pub trust_policy: serde_json::Value,
    /// Attached managed policies.
    #[serde(default)]
    pub attached_policies: Vec<AttachedPolicy>,
    /// Inline policies.
    #[serde(default)]
    pub inline_policies: Vec<InlinePolicy>,
    /// Instance profiles that carry this role.
    #[serde(default)]
    pub instance_profiles: Vec<Arn>,
    /// When the role was last used.
    #[serde(default)]
    pub last_used: Option<Timestamp>,
    /// Permissions boundary, if any.
    #[serde(default)]
    pub permissions_boundary: Option<Arn>,
    /// Maximum session duration in seconds.
    #[serde(default)]
    pub max_session_duration: Option<i32>,
}

/// `AWS::IAM::ManagedPolicy`: a customer-managed policy, or an AWS-managed
/// policy attached to something in the account.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IamManagedPolicy {
    /// Policy name.
    pub policy_name: String,
    /// Stable policy id.
    pub policy_id: String,
    /// IAM path.
    pub path: String,
    /// Managed by AWS rather than the customer.
    pub aws_managed: bool,
    /// How many users, groups and roles it is attached to.
    pub attachment_count: i32,
    /// The default version id.
    #[serde(default)]
    pub default_version_id: Option<String>,
    /// The default version's document, decoded JSON.
    #[serde(default)]
    pub document: Collected<serde_json::Value>,
    /// Creation time.
    #[serde(default)]
    pub created: Option<Timestamp>,
    /// Last update time.
    #[serde(default)]
    pub updated: Option<Timestamp>,
}
