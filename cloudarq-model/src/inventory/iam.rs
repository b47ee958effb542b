//! IAM inventory kinds: the account (root, password policy, summary),
//! users, groups, roles and managed policies.
//!
//! IAM is global: every resource here has `region: None` and an ARN
//! without a region (`arn:aws:iam::<account>:…`).
//!
//! | kind | ARN | filled by |
//! |---|---|---|
//! | [`IamAccount`] (`AWS::IAM::Account`) | `arn:aws:iam::<account>:root` | `GetAccountSummary`, `GetAccountPasswordPolicy`, `ListSAMLProviders`, the credential report (`GenerateCredentialReport` + `GetCredentialReport`) and `ListVirtualMFADevices` |
//! | [`IamUser`] (`AWS::IAM::User`) | `arn:aws:iam::<account>:user/<path><name>` | `GetAccountAuthorizationDetails`; credentials from the credential report; virtual MFA from `ListVirtualMFADevices` |
//! | [`IamGroup`] (`AWS::IAM::Group`) | `arn:aws:iam::<account>:group/<path><name>` | `GetAccountAuthorizationDetails` (members from the users' group lists) |
//! | [`IamRole`] (`AWS::IAM::Role`) | `arn:aws:iam::<account>:role/<path><name>` | `GetAccountAuthorizationDetails` |
//! | [`IamOrganizationsFeatures`] (`AWS::IAM::OrganizationsFeatures`) | `arn:aws:iam::<account>:organizations-features` | `ListOrganizationsFeatures` (centralized root access) |
//! | [`IamServiceLastAccessed`] (`AWS::IAM::ServiceLastAccessed`) | `arn:aws:iam::<account>:service-last-accessed` | `GenerateServiceLastAccessedDetails`, `GetServiceLastAccessedDetails` (for the principals listed there) |
//! | [`IamServerCertificate`] (`AWS::IAM::ServerCertificate`) | `arn:aws:iam::<account>:server-certificate/<path><name>` | `ListServerCertificates` (metadata only: the certificate body and chain are not read) |
//! | [`IamManagedPolicy`] (`AWS::IAM::ManagedPolicy`) | `arn:aws:iam::<account>:policy/<path><name>`; `arn:aws:iam::aws:policy/<path><name>` for AWS-managed | customer-managed: `GetAccountAuthorizationDetails`, documents included; AWS-managed (only those attached in the account): `ListPolicies` (`Scope=AWS`, `OnlyAttached`), document from `GetPolicyVersion` |
//!
//! When `GetAccountAuthorizationDetails` fails before its first page, there
//! are no users, groups, roles or customer-managed policies in the
//! snapshot, and a gap names `iam:GetAccountAuthorizationDetails`.
//!
//! **`Collected` fields** (may be not collected):
//! [`IamAccount::summary`], [`IamAccount::password_policy`],
//! [`IamAccount::root`], [`IamAccount::saml_providers`],
//! [`RootUser::virtual_mfa`], [`IamUser::credentials`],
//! [`IamUser::virtual_mfa`] and [`IamManagedPolicy::document`]. Every other
//! field comes with the listing and is always present.
//!
//! Policy documents (inline, trust, managed) are the decoded JSON policy:
//! IAM's URL-encoded text is decoded, so a rule reads
//! `document["Statement"]` directly. Times from the credential report that
//! the report gives as `N/A`, `no_information` or `not_supported` are
//! `None`.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::common::{Collected, Timestamp};
use crate::ids::Arn;

/// `AWS::IAM::Account`: account-wide IAM settings and the root user; one
/// per snapshot, named by the account id, ARN `arn:aws:iam::<account>:root`.
///
/// Every field is read by its own call and may be not collected.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IamAccount {
    /// `GetAccountSummary`'s `SummaryMap`: IAM usage and quota counters by
    /// AWS's key names, for example `AccountMFAEnabled` (1 when the root
    /// user has MFA), `AccountAccessKeysPresent` (1 when root has an access
    /// key), `Users`, `Policies`. Keys AWS did not return are absent.
    /// Not collected when `GetAccountSummary` failed.
    #[serde(default)]
    pub summary: Collected<BTreeMap<String, i64>>,
    /// The account password policy, from `GetAccountPasswordPolicy`;
    /// `Value(None)` when the account has none (`NoSuchEntity`: IAM's
    /// defaults apply). Not collected when the call failed.
    #[serde(default)]
    pub password_policy: Collected<Option<PasswordPolicy>>,
    /// The root user's credentials, from the credential report's
    /// `<root_account>` row. Not collected when the report could not be
    /// generated or read (or was not ready after ten polls), or has no root
    /// row.
    #[serde(default)]
    pub root: Collected<RootUser>,
    /// ARNs of the account's SAML identity providers
    /// (`arn:aws:iam::<account>:saml-provider/<name>`), from
    /// `ListSAMLProviders`; empty when there are none. Not collected when the
    /// call failed.
    #[serde(default)]
    pub saml_providers: Collected<Vec<Arn>>,
}

/// An IAM account password policy, as `GetAccountPasswordPolicy` returns
/// it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PasswordPolicy {
    /// Minimum password length in characters; `None` when IAM did not
    /// return it.
    #[serde(default)]
    pub minimum_length: Option<u32>,
    /// Requires at least one non-alphanumeric character.
    pub require_symbols: bool,
    /// Requires at least one digit.
    pub require_numbers: bool,
    /// Requires at least one uppercase letter (A–Z).
    pub require_uppercase: bool,
    /// Requires at least one lowercase letter (a–z).
    pub require_lowercase: bool,
    /// IAM users may change their own password.
    pub allow_users_to_change: bool,
    /// Passwords expire: `max_age_days` is set.
    pub expire_passwords: bool,
    /// Days a password stays valid (IAM allows 1–1095); `None` when
    /// passwords do not expire.
    #[serde(default)]
    pub max_age_days: Option<u32>,
    /// How many previous passwords a user cannot reuse (IAM allows 1–24);
    /// `None` when reuse is not restricted.
    #[serde(default)]
    pub reuse_prevention: Option<u32>,
    /// `true`: users with an expired password cannot set a new one and need
    /// an administrator reset; `None` when IAM did not return it.
    #[serde(default)]
    pub hard_expiry: Option<bool>,
}

/// The root user, from the credential report's `<root_account>` row and
/// the virtual MFA device list.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RootUser {
    /// Root has an MFA device of any kind (report column `mfa_active`).
    pub mfa_active: bool,
    /// A virtual MFA device is assigned to root: `ListVirtualMFADevices`
    /// names the root ARN. `Value(false)` with `mfa_active` means root's
    /// MFA is not a virtual device (hardware MFA, as CIS asks). Not
    /// collected when `ListVirtualMFADevices` failed.
    #[serde(default)]
    pub virtual_mfa: Collected<bool>,
    /// When the root password was last used to sign in; `None` when never
    /// (or not in IAM's records).
    #[serde(default)]
    pub password_last_used: Option<Timestamp>,
    /// Root access keys: report slots 1 and 2, always both, each with its
    /// `active` flag (an unused slot is inactive).
    #[serde(default)]
    pub access_keys: Vec<AccessKey>,
    /// Root has an active X.509 signing certificate (report columns
    /// `cert_1_active` or `cert_2_active`).
    pub signing_certificate_active: bool,
}

/// One access-key slot of the credential report (columns
/// `access_key_<slot>_*`). Slots without a key are present and inactive.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AccessKey {
    /// Report slot, 1 or 2 (IAM allows two keys per user).
    pub slot: u8,
    /// The slot holds a key whose status is `Active`.
    pub active: bool,
    /// When the key was created or last changed; `None` for an empty slot.
    #[serde(default)]
    pub last_rotated: Option<Timestamp>,
    /// When the key was last used to sign an AWS request; `None` when never
    /// used (or not in IAM's records).
    #[serde(default)]
    pub last_used: Option<Timestamp>,
    /// The service namespace it was last used with (`s3`, `ec2`, …), as the
    /// report gives it; `None` when the report says `N/A`.
    #[serde(default)]
    pub last_used_service: Option<String>,
}

/// A managed policy attached to a user, group or role. The policy itself,
/// with its document, is an [`IamManagedPolicy`] resource under the same
/// ARN (for AWS-managed policies, when `ListPolicies` succeeded).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AttachedPolicy {
    /// Policy name, for example `AdministratorAccess`.
    pub name: String,
    /// Policy ARN (`arn:aws:iam::aws:policy/…` for AWS-managed ones,
    /// `arn:aws:iam::<account>:policy/…` for customer-managed).
    pub arn: Arn,
}

/// An inline policy embedded in a user, group or role, with its document.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InlinePolicy {
    /// Policy name, unique within its user, group or role.
    pub name: String,
    /// The policy document, decoded JSON (`{"Version": …, "Statement": …}`);
    /// JSON `null` when IAM returned none or it could not be decoded.
    pub document: serde_json::Value,
}

/// Console and key credentials of a user, from the user's row of the
/// credential report.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UserCredentials {
    /// The user has a console password (report column `password_enabled`).
    pub password_enabled: bool,
    /// When the password was last used to sign in; `None` when never, or
    /// when the user has no password.
    #[serde(default)]
    pub password_last_used: Option<Timestamp>,
    /// When the password was last set or changed; `None` when the user has
    /// no password.
    #[serde(default)]
    pub password_last_changed: Option<Timestamp>,
    /// The user has an MFA device of any kind (report column `mfa_active`).
    pub mfa_active: bool,
    /// Access-key slots 1 and 2, always both (an unused slot is inactive).
    #[serde(default)]
    pub access_keys: Vec<AccessKey>,
}

/// `AWS::IAM::User`: an IAM user, ARN
/// `arn:aws:iam::<account>:user/<path><name>`, from
/// `GetAccountAuthorizationDetails`. Its tags are collected.
///
/// ```
/// use cloudarq_model::inventory::iam::IamUser;
/// use cloudarq_model::rule::Outcome;
/// use cloudarq_model::{Collected, Timestamp};
///
/// /// Every active access key was used in the last 90 days.
/// fn keys_used(u: &IamUser, now: Timestamp) -> Outcome {
///     let Collected::Value(creds) = &u.credentials else {
///         return Outcome::not_collected("credentials");
///     };
///     let stale: Vec<u8> = creds.access_keys.iter()
///         .filter(|k| k.active)
///         .filter(|k| k.last_used.or(k.last_rotated).is_none_or(|t| t.days_until(now) > 90))
///         .map(|k| k.slot)
///         .collect();
///     Outcome::check(stale.is_empty(), "keys in use", format!("stale key slots {stale:?}"))
/// }
///
/// let u: IamUser = serde_json::from_value(serde_json::json!({
///     "user_name": "ci", "user_id": "AIDAEXAMPLE", "path": "/",
///     "credentials": {"value": {"password_enabled": false, "mfa_active": false,
///         "access_keys": [
///             {"slot": 1, "active": true, "last_rotated": "2025-01-01T00:00:00Z",
///              "last_used": "2025-02-01T00:00:00Z"},
///             {"slot": 2, "active": false}]}},
///     "virtual_mfa": {"value": false}
/// }))?;
/// let now: Timestamp = "2026-01-01T00:00:00Z".parse().expect("RFC 3339");
/// assert_eq!(keys_used(&u, now), Outcome::fail("stale key slots [1]"));
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IamUser {
    /// User name (unique in the account, case-insensitively).
    pub user_name: String,
    /// IAM's stable unique id (`AIDA…`); a user re-created with the same
    /// name gets a new one.
    pub user_id: String,
    /// IAM path, `/` by default; part of the ARN.
    pub path: String,
    /// When the user was created.
    #[serde(default)]
    pub created: Option<Timestamp>,
    /// Managed policies attached directly to the user (not through groups),
    /// sorted.
    #[serde(default)]
    pub attached_policies: Vec<AttachedPolicy>,
    /// Inline policies embedded in the user.
    #[serde(default)]
    pub inline_policies: Vec<InlinePolicy>,
    /// Names (not ARNs) of the groups the user belongs to; each is an
    /// [`IamGroup`] resource.
    #[serde(default)]
    pub groups: Vec<String>,
    /// ARN of the managed policy set as permissions boundary, if any.
    #[serde(default)]
    pub permissions_boundary: Option<Arn>,
    /// Password, MFA and access-key state from the credential report. Not
    /// collected when the report could not be had, or has no row for this
    /// user (IAM generates the report at most every four hours, so a user
    /// created since then is missing from it).
    #[serde(default)]
    pub credentials: Collected<UserCredentials>,
    /// A virtual MFA device is assigned to the user (`ListVirtualMFADevices`
    /// names the user's ARN); `Value(false)` with `credentials.mfa_active`
    /// true means the user's MFA is not a virtual device. Not collected when
    /// `ListVirtualMFADevices` failed.
    #[serde(default)]
    pub virtual_mfa: Collected<bool>,
}

/// `AWS::IAM::Group`: an IAM group, ARN
/// `arn:aws:iam::<account>:group/<path><name>`, from
/// `GetAccountAuthorizationDetails`. Every field is always present; groups
/// carry no tags.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IamGroup {
    /// Group name.
    pub group_name: String,
    /// IAM's stable unique id (`AGPA…`).
    pub group_id: String,
    /// IAM path, `/` by default; part of the ARN.
    pub path: String,
    /// When the group was created.
    #[serde(default)]
    pub created: Option<Timestamp>,
    /// Managed policies attached to the group, sorted.
    #[serde(default)]
    pub attached_policies: Vec<AttachedPolicy>,
    /// Inline policies embedded in the group.
    #[serde(default)]
    pub inline_policies: Vec<InlinePolicy>,
    /// User names of the members, sorted (from the users' group lists, so
    /// empty when the group has none).
    #[serde(default)]
    pub members: Vec<String>,
}

/// `AWS::IAM::Role`: an IAM role, ARN
/// `arn:aws:iam::<account>:role/<path><name>`, from
/// `GetAccountAuthorizationDetails`. Every field is always present (no
/// `Collected` field); its tags are collected.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IamRole {
    /// Role name.
    pub role_name: String,
    /// IAM's stable unique id (`AROA…`).
    pub role_id: String,
    /// IAM path, `/` by default; part of the ARN (`/aws-service-role/…` for
    /// service-linked roles).
    pub path: String,
    /// When the role was created.
    #[serde(default)]
    pub created: Option<Timestamp>,
    /// The trust policy (`AssumeRolePolicyDocument`: who may assume the
    /// role), decoded JSON; JSON `null` when IAM returned none or it could
    /// not be decoded.
    pub trust_policy: serde_json::Value,
    /// Managed policies attached to the role, sorted.
    #[serde(default)]
    pub attached_policies: Vec<AttachedPolicy>,
    /// Inline policies embedded in the role.
    #[serde(default)]
    pub inline_policies: Vec<InlinePolicy>,
    /// ARNs of the instance profiles that carry this role
    /// (`arn:aws:iam::<account>:instance-profile/<name>`), which EC2
    /// instances name in [`Instance::iam_instance_profile`](crate::inventory::ec2::Instance::iam_instance_profile).
    #[serde(default)]
    pub instance_profiles: Vec<Arn>,
    /// When the role was last used to make an AWS request (`RoleLastUsed`);
    /// `None` when IAM has no record of use (it tracks roughly the last 400
    /// days).
    #[serde(default)]
    pub last_used: Option<Timestamp>,
    /// ARN of the managed policy set as permissions boundary, if any.
    #[serde(default)]
    pub permissions_boundary: Option<Arn>,
    /// Maximum session duration in seconds. `GetAccountAuthorizationDetails`
    /// does not return it, so it is `None` in snapshots CloudArq collects
    /// today.
    #[serde(default)]
    pub max_session_duration: Option<i32>,
}

/// `AWS::IAM::ManagedPolicy`: a customer-managed policy, or an AWS-managed
/// policy attached to something in the account.
///
/// Customer-managed ones come from `GetAccountAuthorizationDetails` (ARN
/// `arn:aws:iam::<account>:policy/<path><name>`); AWS-managed ones from
/// `ListPolicies` with `OnlyAttached` (ARN
/// `arn:aws:iam::aws:policy/<path><name>`), so an AWS-managed policy
/// attached to nothing in the account is not in the snapshot. Only
/// `document` is `Collected`; tags are not collected.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IamManagedPolicy {
    /// Policy name.
    pub policy_name: String,
    /// IAM's stable unique id (`ANPA…`); may be empty when IAM (or an
    /// emulator) did not return it.
    pub policy_id: String,
    /// IAM path, `/` by default (AWS-managed policies also use
    /// `/service-role/`, `/job-function/`, …); part of the ARN.
    pub path: String,
    /// Managed by AWS (ARN account `aws`) rather than the customer.
    pub aws_managed: bool,
    /// How many users, groups and roles it is attached to, as IAM counts
    /// them (0: unattached).
    pub attachment_count: i32,
    /// The default (effective) version id, for example `v3`.
    #[serde(default)]
    pub default_version_id: Option<String>,
    /// The default version's policy document, decoded JSON. Not collected
    /// when it could not be read: for an AWS-managed policy, when
    /// `GetPolicyVersion` failed (with a gap); for either kind, when the
    /// default version's document was missing or not JSON.
    #[serde(default)]
    pub document: Collected<serde_json::Value>,
    /// When the policy was created.
    #[serde(default)]
    pub created: Option<Timestamp>,
    /// When the policy was last updated (its default version last changed).
    #[serde(default)]
    pub updated: Option<Timestamp>,
}

/// `AWS::IAM::ServerCertificate`: an SSL/TLS certificate stored in IAM (for
/// load balancers and CloudFront in regions without ACM), from
/// `ListServerCertificates`. Only its metadata is read.
/// [`Resource::name`](crate::Resource::name) is the certificate's name.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IamServerCertificate {
    /// The certificate's name (untrusted text).
    pub name: String,
    /// The certificate's id (`ASCA…`).
    pub id: String,
    /// The IAM path (`/` by default, `/cloudfront/` for CloudFront).
    pub path: String,
    /// When it was uploaded.
    #[serde(default)]
    pub uploaded: Option<Timestamp>,
    /// When it expires; `None` when IAM did not say.
    #[serde(default)]
    pub expiration: Option<Timestamp>,
}

/// `AWS::IAM::OrganizationsFeatures`: the IAM features the organization
/// manages centrally for its member accounts (`ListOrganizationsFeatures`),
/// such as centralized root access. Always in a snapshot that collected
/// IAM. [`Resource::name`](crate::Resource::name) is the account id.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IamOrganizationsFeatures {
    /// The enabled features (`RootCredentialsManagement`, `RootSessions`);
    /// empty when IAM's trusted access is not enabled in the organization
    /// (`ServiceAccessNotEnabledException`); `Value(None)` when the account
    /// is in no organization (`OrganizationNotFoundException`). Not
    /// collected when the call failed or was denied, as it is from a member
    /// account that is not a delegated administrator.
    #[serde(default)]
    pub enabled_features: Collected<Option<Vec<String>>>,
}

/// `AWS::IAM::ServiceLastAccessed`: when principals last used the services
/// their policies allow, from IAM's service last accessed data
/// (`GenerateServiceLastAccessedDetails`, then
/// `GetServiceLastAccessedDetails`), one resource per account, named by the
/// account id.
///
/// Each principal costs at least two calls, so only these are asked about:
/// every user with an active access key, and every user or role (not
/// service-linked) whose policies allow some action of a watched service
/// ([`WATCHED_SERVICES`]), or whose policies could not all be read. A
/// principal not listed was not asked about because none of that applies.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IamServiceLastAccessed {
    /// The principals asked about, in ARN order.
    #[serde(default)]
    pub principals: Vec<PrincipalServiceAccess>,
}

/// Services whose allowed-but-unused permissions the rules look for: a
/// principal whose policies allow them is asked about even without an
/// access key.
pub const WATCHED_SERVICES: &[&str] = &["bedrock", "sagemaker"];

/// What IAM said about one principal.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PrincipalServiceAccess {
    /// The user or role.
    pub principal: Arn,
    /// The services its policies allow that it used within IAM's tracking
    /// period (400 days), and every watched service its policies allow
    /// whether used or not; by namespace. Not collected when either call
    /// failed or the job did not complete.
    pub services: Collected<Vec<ServiceAccess>>,
}

/// One service in a principal's last accessed data.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServiceAccess {
    /// The service namespace (`bedrock`, `s3`, `sts`).
    pub namespace: String,
    /// When the principal last authenticated to it; `None` when it has not
    /// within the tracking period.
    #[serde(default)]
    pub last_authenticated: Option<Timestamp>,
}

impl IamServiceLastAccessed {
    /// What IAM said about `principal`; `None` when it was not asked about.
    pub fn of(&self, principal: &Arn) -> Option<&PrincipalServiceAccess> {
        self.principals.iter().find(|p| &p.principal == principal)
    }
}
