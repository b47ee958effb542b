//! Built-in IAM rules, one file per rule named by its id, and the small
//! helpers they share: reading users, groups and roles uniformly, preparing
//! managed and inline policy documents, the password policy and the
//! "is there a role with this AWS-managed policy" question.
//!
//! Policy-document analysis itself lives in [`crate::policy`].
//!
//! **Architecture Invariant:** a rule reaches PASS only on complete data.
//! Positive evidence (an attachment that is there, a statement that grants
//! `*`) is enough for a FAIL, but an absence (no attachment, no such role)
//! is trusted only when the snapshot records no coverage gap that could hide
//! it; otherwise the outcome is *not collected*.

mod iam_administrator_access_with_mfa;
mod iam_avoid_root_usage;
mod iam_aws_attached_policy_no_administrative_privileges;
mod iam_check_saml_providers_sts;
mod iam_customer_attached_policy_no_administrative_privileges;
mod iam_customer_unattached_policy_no_administrative_privileges;
mod iam_group_administrator_access_policy;
mod iam_inline_policy_allows_privilege_escalation;
mod iam_inline_policy_no_administrative_privileges;
mod iam_inline_policy_no_full_access_to_cloudtrail;
mod iam_inline_policy_no_full_access_to_kms;
mod iam_inline_policy_no_wildcard_marketplace_subscribe;
mod iam_no_custom_policy_permissive_role_assumption;
mod iam_no_expired_server_certificates_stored;
mod iam_no_root_access_key;
mod iam_password_policy_expires_passwords_within_90_days_or_less;
mod iam_password_policy_lowercase;
mod iam_password_policy_minimum_length_14;
mod iam_password_policy_number;
mod iam_password_policy_reuse_24;
mod iam_password_policy_symbol;
mod iam_password_policy_uppercase;
mod iam_policy_allows_privilege_escalation;
mod iam_policy_attached_only_to_group_or_roles;
mod iam_policy_cloudshell_admin_not_attached;
mod iam_policy_no_full_access_to_cloudtrail;
mod iam_policy_no_full_access_to_kms;
mod iam_policy_no_wildcard_marketplace_subscribe;
mod iam_role_access_not_stale_to_bedrock;
mod iam_role_administratoraccess_policy;
mod iam_role_cross_account_readonlyaccess_policy;
mod iam_role_cross_service_confused_deputy_prevention;
mod iam_role_trust_policy_no_wildcard_principal;
mod iam_root_credentials_management_enabled;
mod iam_root_hardware_mfa_enabled;
mod iam_root_mfa_enabled;
mod iam_rotate_access_key_90_days;
mod iam_securityaudit_role_created;
mod iam_support_role_created;
mod iam_user_access_not_stale_to_bedrock;
mod iam_user_access_not_stale_to_sagemaker;
mod iam_user_accesskey_unused;
mod iam_user_administrator_access_policy;
mod iam_user_console_access_unused;
mod iam_user_hardware_mfa_enabled;
mod iam_user_mfa_enabled_console_access;
mod iam_user_no_setup_initial_access_key;
mod iam_user_two_active_access_key;
mod iam_user_with_temporary_credentials;

use cloudarq_model::inventory::iam::{
    AttachedPolicy, IamAccount, IamManagedPolicy, IamRole, InlinePolicy, PasswordPolicy,
};
use cloudarq_model::rule::{Outcome, Rule, RuleError};
use cloudarq_model::{
    Arn, Collected, CoverageGap, Properties, Resource, ResourceType, Service, Snapshot, Timestamp,
};
use serde_json::json;

use crate::policy::{Document, Statement};

/// Every IAM rule, in id order.
pub(crate) static RULES: &[&dyn Rule] = &[
    &iam_administrator_access_with_mfa::IamAdministratorAccessWithMfa,
    &iam_avoid_root_usage::IamAvoidRootUsage,
    &iam_aws_attached_policy_no_administrative_privileges::IamAwsAttachedPolicyNoAdministrativePrivileges,
    &iam_check_saml_providers_sts::IamCheckSamlProvidersSts,
    &iam_customer_attached_policy_no_administrative_privileges::IamCustomerAttachedPolicyNoAdministrativePrivileges,
    &iam_customer_unattached_policy_no_administrative_privileges::IamCustomerUnattachedPolicyNoAdministrativePrivileges,
    &iam_group_administrator_access_policy::IamGroupAdministratorAccessPolicy,
    &iam_inline_policy_allows_privilege_escalation::IamInlinePolicyAllowsPrivilegeEscalation,
    &iam_inline_policy_no_administrative_privileges::IamInlinePolicyNoAdministrativePrivileges,
    &iam_inline_policy_no_full_access_to_cloudtrail::IamInlinePolicyNoFullAccessToCloudtrail,
    &iam_inline_policy_no_full_access_to_kms::IamInlinePolicyNoFullAccessToKms,
    &iam_inline_policy_no_wildcard_marketplace_subscribe::IamInlinePolicyNoWildcardMarketplaceSubscribe,
    &iam_no_custom_policy_permissive_role_assumption::IamNoCustomPolicyPermissiveRoleAssumption,
    &iam_no_expired_server_certificates_stored::IamNoExpiredServerCertificatesStored,
    &iam_no_root_access_key::IamNoRootAccessKey,
    &iam_password_policy_expires_passwords_within_90_days_or_less::IamPasswordPolicyExpiresPasswordsWithin90DaysOrLess,
    &iam_password_policy_lowercase::IamPasswordPolicyLowercase,
    &iam_password_policy_minimum_length_14::IamPasswordPolicyMinimumLength14,
    &iam_password_policy_number::IamPasswordPolicyNumber,
    &iam_password_policy_reuse_24::IamPasswordPolicyReuse24,
    &iam_password_policy_symbol::IamPasswordPolicySymbol,
    &iam_password_policy_uppercase::IamPasswordPolicyUppercase,
    &iam_policy_allows_privilege_escalation::IamPolicyAllowsPrivilegeEscalation,
    &iam_policy_attached_only_to_group_or_roles::IamPolicyAttachedOnlyToGroupOrRoles,
    &iam_policy_cloudshell_admin_not_attached::IamPolicyCloudshellAdminNotAttached,
    &iam_policy_no_full_access_to_cloudtrail::IamPolicyNoFullAccessToCloudtrail,
    &iam_policy_no_full_access_to_kms::IamPolicyNoFullAccessToKms,
    &iam_policy_no_wildcard_marketplace_subscribe::IamPolicyNoWildcardMarketplaceSubscribe,
    &iam_role_access_not_stale_to_bedrock::IamRoleAccessNotStaleToBedrock,
    &iam_role_administratoraccess_policy::IamRoleAdministratoraccessPolicy,
    &iam_role_cross_account_readonlyaccess_policy::IamRoleCrossAccountReadonlyaccessPolicy,
    &iam_role_cross_service_confused_deputy_prevention::IamRoleCrossServiceConfusedDeputyPrevention,
    &iam_role_trust_policy_no_wildcard_principal::IamRoleTrustPolicyNoWildcardPrincipal,
    &iam_root_credentials_management_enabled::IamRootCredentialsManagementEnabled,
    &iam_root_hardware_mfa_enabled::IamRootHardwareMfaEnabled,
    &iam_root_mfa_enabled::IamRootMfaEnabled,
    &iam_rotate_access_key_90_days::IamRotateAccessKey90Days,
    &iam_securityaudit_role_created::IamSecurityauditRoleCreated,
    &iam_support_role_created::IamSupportRoleCreated,
    &iam_user_access_not_stale_to_bedrock::IamUserAccessNotStaleToBedrock,
    &iam_user_access_not_stale_to_sagemaker::IamUserAccessNotStaleToSagemaker,
    &iam_user_accesskey_unused::IamUserAccesskeyUnused,
    &iam_user_administrator_access_policy::IamUserAdministratorAccessPolicy,
    &iam_user_console_access_unused::IamUserConsoleAccessUnused,
    &iam_user_hardware_mfa_enabled::IamUserHardwareMfaEnabled,
    &iam_user_mfa_enabled_console_access::IamUserMfaEnabledConsoleAccess,
    &iam_user_no_setup_initial_access_key::IamUserNoSetupInitialAccessKey,
    &iam_user_two_active_access_key::IamUserTwoActiveAccessKey,
    &iam_user_with_temporary_credentials::IamUserWithTemporaryCredentials,
];

/// Either what a rule goes on to evaluate (`Ok`), or the outcome it returns
/// as is (`Err`: not applicable, or not collected).
pub(super) type Prepared<T> = Result<T, Outcome>;

/// The AWS-managed policy that grants `*` on `*`.
pub(super) const ADMINISTRATOR_ACCESS: &str = "AdministratorAccess";

/// The IAM path of service-linked roles, whose trust and permissions AWS owns.
const SERVICE_LINKED_PATH: &str = "/aws-service-role/";

/// Whether `arn` is the AWS-managed policy `name`, in any partition and
/// under any path (`policy/job-function/…`).
pub(super) fn is_aws_policy(arn: &Arn, name: &str) -> bool {
    arn.account() == "aws"
        && arn
            .resource()
            .strip_prefix("policy/")
            .is_some_and(|p| p.rsplit('/').next() == Some(name))
}

/// The attachment of AWS-managed policy `name`, if present.
pub(super) fn find_aws_policy<'a>(
    attached: &'a [AttachedPolicy],
    name: &str,
) -> Option<&'a AttachedPolicy> {
    attached.iter().find(|p| is_aws_policy(&p.arn, name))
}

/// Whole days from `t` to the snapshot's collection time.
pub(super) fn days_since(t: Timestamp, snapshot: &Snapshot) -> i64 {
    t.days_until(snapshot.collected_at)
}

/// Whether a role is service-linked (AWS owns its trust and permissions).
pub(super) fn is_service_linked(role: &IamRole) -> bool {
    role.path.starts_with(SERVICE_LINKED_PATH)
}

/// An IAM coverage gap for one of `actions`: about `resource` (or about no
/// resource in particular) when `resource` is given, about anything when not.
pub(super) fn iam_gap<'a>(
    snapshot: &'a Snapshot,
    actions: &[&str],
    resource: Option<&Arn>,
) -> Option<&'a CoverageGap> {
    snapshot.gaps.iter().find(|g| {
        g.service == Service::Iam
            && actions.iter().any(|a| g.action.eq_ignore_ascii_case(a))
            && match resource {
                Some(arn) => g.resource.as_ref().is_none_or(|r| r == arn),
                None => true,
            }
    })
}

/// A *not collected* outcome that names the coverage gap behind it.
pub(super) fn not_collected_by_gap(field: &str, gap: &CoverageGap) -> Outcome {
    Outcome::not_collected(field).with_evidence(json!({
        "gap": {"action": gap.action, "kind": gap.kind, "error_code": gap.error_code},
    }))
}

/// Which of a principal's policy lists a question is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Listing {
    /// Attached managed policies.
    Attached,
    /// Inline policies.
    Inline,
}

/// A user, group or role, seen through what the policy rules read.
pub(super) struct Principal<'a> {
    /// `user`, `group` or `role`.
    pub kind: &'static str,
    /// Its name.
    pub name: &'a str,
    /// Attached managed policies.
    pub attached: &'a [AttachedPolicy],
    /// Inline policies.
    pub inline: &'a [InlinePolicy],
    arn: &'a Arn,
}

impl<'a> Principal<'a> {
    /// The principal behind a user, group or role resource.
    pub(super) fn of(r: &'a Resource) -> Option<Self> {
        let (kind, name, attached, inline): (_, &str, &[_], &[_]) = match &r.properties {
            Properties::IamUser(u) => (
                "user",
                &u.user_name,
                &u.attached_policies,
                &u.inline_policies,
            ),
            Properties::IamGroup(g) => (
                "group",
                &g.group_name,
                &g.attached_policies,
                &g.inline_policies,
            ),
            Properties::IamRole(x) => (
                "role",
                &x.role_name,
                &x.attached_policies,
                &x.inline_policies,
            ),
            _ => return None,
        };
        Some(Self {
            kind,
            name,
            attached,
            inline,
            arn: &r.arn,
        })
    }

    /// `user alice`, `group admins`, `role deployer`.
    pub(super) fn label(&self) -> String {
        format!("{} {}", self.kind, self.name)
    }

    /// A coverage gap that leaves this principal's `listing` incomplete.
    pub(super) fn gap<'s>(
        &self,
        snapshot: &'s Snapshot,
        listing: Listing,
    ) -> Option<&'s CoverageGap> {
        let actions: &[&str] = match (self.kind, listing) {
            ("user", Listing::Attached) => &["iam:ListAttachedUserPolicies"],
            ("user", Listing::Inline) => &["iam:ListUserPolicies", "iam:GetUserPolicy"],
            ("group", Listing::Attached) => &["iam:ListAttachedGroupPolicies"],
            ("group", Listing::Inline) => &["iam:ListGroupPolicies", "iam:GetGroupPolicy"],
            (_, Listing::Attached) => &["iam:ListAttachedRolePolicies"],
            (_, Listing::Inline) => &["iam:ListRolePolicies", "iam:GetRolePolicy"],
        };
        iam_gap(snapshot, actions, Some(self.arn)).or_else(|| {
            iam_gap(
                snapshot,
                &["iam:GetAccountAuthorizationDetails"],
                Some(self.arn),
            )
        })
    }
}

/// A principal's inline policies, parsed.
pub(super) struct InlineDocs<'a> {
    /// Whose policies they are.
    pub principal: Principal<'a>,
    /// Name and document of each readable policy.
    pub docs: Vec<(&'a str, Document)>,
    /// Names of policies whose document is missing (`null`).
    pub unreadable: Vec<&'a str>,
}

impl InlineDocs<'_> {
    /// The *not collected* outcome when some document could not be read,
    /// for a rule that found nothing wrong in the readable ones.
    pub(super) fn unknown(&self) -> Option<Outcome> {
        (!self.unreadable.is_empty()).then(|| {
            Outcome::not_collected("inline_policies.document")
                .with_evidence(json!({"unreadable_inline_policies": self.unreadable}))
        })
    }
}

/// The outcome of the inline "full access to a service" rules: FAIL when an
/// inline policy of the principal allows `<service>:*` (or wider) on `*`.
pub(super) fn inline_full_service_access(
    resource: &Resource,
    snapshot: &Snapshot,
    service: &str,
) -> Result<Outcome, RuleError> {
    inline_grant(
        resource,
        snapshot,
        |d| d.full_service_statements(service),
        &format!("{service}:* on *"),
    )
}

/// FAILs a user, group or role when one of its inline policies has a
/// statement `pick` returns, naming the policies and `what` they grant;
/// PASSes when every inline policy was read and none has one.
pub(super) fn inline_grant(
    resource: &Resource,
    snapshot: &Snapshot,
    pick: impl Fn(&Document) -> Vec<&Statement>,
    what: &str,
) -> Result<Outcome, RuleError> {
    let subject = match inline_docs(resource, snapshot)? {
        Ok(s) => s,
        Err(done) => return Ok(done),
    };
    let hits: Vec<&str> = subject
        .docs
        .iter()
        .filter(|(_, d)| !pick(d).is_empty())
        .map(|(n, _)| *n)
        .collect();
    let who = subject.principal.label();
    if !hits.is_empty() {
        return Ok(Outcome::fail(format!(
            "{who} has inline policy {} granting {what}",
            hits.join(", ")
        ))
        .with_evidence(json!({"policies": hits})));
    }
    if let Some(o) = subject.unknown() {
        return Ok(o);
    }
    Ok(Outcome::pass(format!(
        "{who} has no inline policy granting {what}"
    )))
}

/// Judges a customer-managed policy by the statements `pick` returns:
/// FAIL naming them (low when the policy is attached to nothing), PASS when
/// there are none. `pass` and `fail` end the sentences "customer policy
/// <name> …" and "customer policy <name> (<attachments>) … (statement …)".
pub(super) fn customer_policy_statements(
    resource: &Resource,
    pick: impl Fn(&Document) -> Vec<&Statement>,
    pass: &str,
    fail: &str,
) -> Result<Outcome, RuleError> {
    let (p, doc) = match managed_doc(resource, Owner::Customer)? {
        Ok(v) => v,
        Err(done) => return Ok(done),
    };
    let hits: Vec<String> = pick(&doc).iter().map(|s| s.label()).collect();
    let o = Outcome::check(
        hits.is_empty(),
        format!("customer policy {} {pass}", p.policy_name),
        format!(
            "customer policy {} ({}) {fail} (statement {})",
            p.policy_name,
            attachment_phrase(p),
            hits.join(", ")
        ),
    )
    .with_evidence(json!({"attachment_count": p.attachment_count, "statements": hits}));
    Ok(unattached_is_low(o, p))
}

/// Prepares the inline policies of a user, group or role. Not applicable
/// when there are none (and no gap hides any); an unparseable document is a
/// rule error.
pub(super) fn inline_docs<'a>(
    r: &'a Resource,
    snapshot: &Snapshot,
) -> Result<Prepared<InlineDocs<'a>>, RuleError> {
    let Some(principal) = Principal::of(r) else {
        return Ok(Err(Outcome::not_applicable()));
    };
    if principal.inline.is_empty() {
        return Ok(Err(match principal.gap(snapshot, Listing::Inline) {
            Some(g) => not_collected_by_gap("inline_policies", g),
            None => Outcome::not_applicable(),
        }));
    }
    let mut docs = Vec::new();
    let mut unreadable = Vec::new();
    for p in principal.inline {
        if p.document.is_null() {
            unreadable.push(p.name.as_str());
        } else {
            let doc = Document::parse(&p.document).map_err(|e| {
                RuleError(format!(
                    "inline policy {} of {}: {e}",
                    p.name,
                    principal.label()
                ))
            })?;
            docs.push((p.name.as_str(), doc));
        }
    }
    Ok(Ok(InlineDocs {
        principal,
        docs,
        unreadable,
    }))
}

/// Who manages a managed policy.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Owner {
    /// AWS-managed policies.
    Aws,
    /// Customer-managed policies.
    Customer,
}

/// Prepares a managed policy owned by `owner`: not applicable for the other
/// owner, not collected without its document, a rule error when the
/// document does not parse.
pub(super) fn managed_doc(
    r: &Resource,
    owner: Owner,
) -> Result<Prepared<(&IamManagedPolicy, Document)>, RuleError> {
    let Properties::IamManagedPolicy(p) = &r.properties else {
        return Ok(Err(Outcome::not_applicable()));
    };
    if p.aws_managed != (owner == Owner::Aws) {
        return Ok(Err(Outcome::not_applicable()));
    }
    let Some(doc) = p.document.value() else {
        return Ok(Err(Outcome::not_collected("document")));
    };
    let doc = Document::parse(doc)
        .map_err(|e| RuleError(format!("managed policy {}: {e}", p.policy_name)))?;
    Ok(Ok((p, doc)))
}

/// `attached to 3 entities` or `not attached`.
pub(super) fn attachment_phrase(p: &IamManagedPolicy) -> String {
    match p.attachment_count {
        0 => "not attached".to_owned(),
        1 => "attached to 1 entity".to_owned(),
        n => format!("attached to {n} entities"),
    }
}

/// Lowers a FAIL on an unattached customer policy to low: it grants nothing
/// until someone attaches it.
pub(super) fn unattached_is_low(o: Outcome, p: &IamManagedPolicy) -> Outcome {
    if p.attachment_count == 0 && matches!(o.verdict, cloudarq_model::rule::Verdict::Fail(_)) {
        o.with_severity(
            cloudarq_model::rule::Severity::Low,
            "the policy is not attached to any user, group or role",
        )
    } else {
        o
    }
}

/// The IAM account behind an `AWS::IAM::Account` resource.
pub(super) fn account(r: &Resource) -> Option<&IamAccount> {
    match &r.properties {
        Properties::IamAccount(a) => Some(a),
        _ => None,
    }
}

/// Runs `check` on the account's password policy; no policy is a FAIL.
pub(super) fn with_password_policy(
    r: &Resource,
    snapshot: &Snapshot,
    check: impl FnOnce(&PasswordPolicy, &str) -> Outcome,
) -> Outcome {
    let Some(acct) = account(r) else {
        return Outcome::not_applicable();
    };
    let id = snapshot.account_id.as_str();
    match &acct.password_policy {
        Collected::NotCollected => Outcome::not_collected("password_policy"),
        Collected::Value(None) => Outcome::fail(format!(
            "account {id} has no IAM password policy, so AWS's default (8 characters, no complexity, no reuse prevention, no expiry) applies"
        ))
        .with_evidence(json!({"password_policy": null})),
        Collected::Value(Some(p)) => check(p, id),
    }
}

/// Whether some role of the account has AWS-managed policy `name` attached:
/// PASS naming the roles; FAIL when the role inventory is complete and none
/// has it; not collected when a gap, or a role count above what the snapshot
/// holds, says the inventory is incomplete.
pub(super) fn role_with_aws_policy(r: &Resource, snapshot: &Snapshot, name: &str) -> Outcome {
    let Some(acct) = account(r) else {
        return Outcome::not_applicable();
    };
    let id = snapshot.account_id.as_str();
    let roles: Vec<&IamRole> = snapshot
        .of_type(ResourceType::IamRole)
        .filter_map(|r| match &r.properties {
            Properties::IamRole(role) => Some(role.as_ref()),
            _ => None,
        })
        .collect();
    let with: Vec<&str> = roles
        .iter()
        .filter(|role| find_aws_policy(&role.attached_policies, name).is_some())
        .map(|role| role.role_name.as_str())
        .collect();
    if !with.is_empty() {
        return Outcome::pass(format!(
            "account {id} has {} with {name} attached: {}",
            plural(with.len(), "role", "roles"),
            with.join(", ")
        ))
        .with_evidence(json!({"policy": name, "roles": with}));
    }
    let listing = [
        "iam:ListRoles",
        "iam:ListAttachedRolePolicies",
        "iam:GetAccountAuthorizationDetails",
        "iam:ListEntitiesForPolicy",
    ];
    if let Some(g) = iam_gap(snapshot, &listing, None) {
        return not_collected_by_gap("roles", g);
    }
    let expected = acct.summary.value().and_then(|s| s.get("Roles")).copied();
    if let Some(expected) = expected.filter(|n| *n > i64::try_from(roles.len()).unwrap_or(i64::MAX))
    {
        return Outcome::not_collected("roles").with_evidence(json!({
            "roles_in_account_summary": expected,
            "roles_in_snapshot": roles.len(),
        }));
    }
    Outcome::fail(format!(
        "account {id} has no role with {name} attached ({} checked)",
        plural(roles.len(), "role", "roles")
    ))
    .with_evidence(json!({"policy": name, "roles_checked": roles.len()}))
}

/// `less than a day ago`, `1 day ago`, `12 days ago`.
pub(super) fn ago(days: i64) -> String {
    match days {
        ..=0 => "less than a day ago".to_owned(),
        1 => "1 day ago".to_owned(),
        n => format!("{n} days ago"),
    }
}

/// `1 role`, `3 roles`.
pub(super) fn plural(n: usize, one: &str, many: &str) -> String {
    if n == 1 {
        format!("1 {one}")
    } else {
        format!("{n} {many}")
    }
}

/// Why unused Bedrock permissions matter (the stale-access rules).
pub(super) const BEDROCK_RATIONALE: &str = "Amazon Bedrock runs models on the account's bill and reaches whatever data its \
    knowledge bases, agents and guardrails are given. A principal that may call Bedrock \
    but does not is an unneeded path to model access, data and cost: remove the \
    permission until it is needed.";

/// Why unused SageMaker permissions matter (the stale-access rules).
pub(super) const SAGEMAKER_RATIONALE: &str = "SageMaker can create notebooks, training jobs and endpoints that run code with their \
    own roles, reach S3 data and cost money. A principal that may use SageMaker but does \
    not is an unneeded path to compute, data and cost: remove the permission until it is \
    needed.";

/// IAM's guide to service last accessed data.
pub(super) const LAST_ACCESSED_URL: &str =
    "https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies_last-accessed.html";

/// Days without use after which an allowed watched service counts as
/// stale.
pub(super) const STALE_AFTER_DAYS: i64 = 90;

/// The account's service last accessed data, or the *not collected*
/// outcome when the snapshot has none.
pub(super) fn service_last_accessed(
    snapshot: &Snapshot,
) -> Result<&cloudarq_model::inventory::iam::IamServiceLastAccessed, Outcome> {
    snapshot
        .of_type(ResourceType::IamServiceLastAccessed)
        .find_map(|r| match &r.properties {
            Properties::IamServiceLastAccessed(s) => Some(s.as_ref()),
            _ => None,
        })
        .ok_or_else(|| Outcome::not_collected("service_last_accessed"))
}

/// Whether a user or role that IAM says may use `service` (`bedrock`) has
/// used it within [`STALE_AFTER_DAYS`]: PASS when its policies allow no
/// action of the service (it was not asked about, or IAM does not list the
/// service for it) or it used the service recently; FAIL when it never did
/// within IAM's tracking period or not for longer; *not collected* when the
/// data could not be had.
pub(super) fn stale_service_access(
    resource: &Resource,
    snapshot: &Snapshot,
    service: &str,
    label: &str,
) -> Outcome {
    let Some(principal) = Principal::of(resource) else {
        return Outcome::not_applicable();
    };
    if let Properties::IamRole(role) = &resource.properties
        && is_service_linked(role)
    {
        return Outcome::not_applicable();
    }
    let who = principal.label();
    let sla = match service_last_accessed(snapshot) {
        Ok(s) => s,
        Err(o) => return o,
    };
    let Some(entry) = sla.of(&resource.arn) else {
        // The collector asks about every user with an active key (or unread
        // keys); such a user missing from the data was not asked about.
        if let Properties::IamUser(u) = &resource.properties {
            let keyed = match &u.credentials {
                Collected::Value(c) => c.access_keys.iter().any(|k| k.active),
                Collected::NotCollected => true,
            };
            if keyed {
                return Outcome::not_collected("service_last_accessed");
            }
        }
        return Outcome::pass(format!("{who} has no policy that allows {label}"));
    };
    let Collected::Value(services) = &entry.services else {
        let actions = [
            "iam:GenerateServiceLastAccessedDetails",
            "iam:GetServiceLastAccessedDetails",
        ];
        return match iam_gap(snapshot, &actions, Some(&resource.arn)) {
            Some(g) => not_collected_by_gap("service_last_accessed", g),
            None => Outcome::not_collected("service_last_accessed"),
        };
    };
    let Some(s) = services.iter().find(|s| s.namespace == service) else {
        return Outcome::pass(format!("{who} has no policy that allows {label}"));
    };
    let evidence = json!({
        "service": service,
        "last_authenticated": s.last_authenticated,
        "stale_after_days": STALE_AFTER_DAYS,
    });
    match s.last_authenticated {
        None => Outcome::fail(format!(
            "{who} is allowed {label} but has not used it within IAM's tracking period (400 days)"
        )),
        Some(t) => {
            let days = days_since(t, snapshot);
            Outcome::check(
                days <= STALE_AFTER_DAYS,
                format!("{who} last used {label} {}", ago(days)),
                format!(
                    "{who} is allowed {label} but last used it {}, more than {STALE_AFTER_DAYS} days",
                    ago(days)
                ),
            )
        }
    }
    .with_evidence(evidence)
}

#[cfg(test)]
#[allow(
    clippy::unwrap_used,
    reason = "a test that unwraps fails loudly, which is the point"
)]
mod tests {
    use super::*;

    #[test]
    fn aws_policy_arns_match_by_name_in_any_partition_and_path() {
        let a = |s: &str| s.parse::<Arn>().unwrap();
        assert!(is_aws_policy(
            &a("arn:aws:iam::aws:policy/AdministratorAccess"),
            "AdministratorAccess"
        ));
        assert!(is_aws_policy(
            &a("arn:aws-cn:iam::aws:policy/AdministratorAccess"),
            "AdministratorAccess"
        ));
        assert!(is_aws_policy(
            &a("arn:aws:iam::aws:policy/job-function/ViewOnlyAccess"),
            "ViewOnlyAccess"
        ));
        assert!(!is_aws_policy(
            &a("arn:aws:iam::123456789012:policy/AdministratorAccess"),
            "AdministratorAccess"
        ));
        assert!(!is_aws_policy(
            &a("arn:aws:iam::aws:policy/AdministratorAccess-Amplify"),
            "AdministratorAccess"
        ));
    }

    #[test]
    fn unparseable_documents_are_rule_errors_not_verdicts() {
        use crate::testing::{resource, snapshot};
        use serde_json::json;
        let user = resource(
            json!({"arn": "arn:aws:iam::123456789012:user/a", "region": null, "name": "a",
            "properties": {"AWS::IAM::User": {"user_name": "a", "user_id": "AIDA1", "path": "/",
                "inline_policies": [{"name": "broken", "document": {"Statement": [{"Effect": "Permit"}]}}]}}}),
        );
        let policy = resource(
            json!({"arn": "arn:aws:iam::123456789012:policy/p", "region": null, "name": "p",
            "properties": {"AWS::IAM::ManagedPolicy": {"policy_name": "p", "policy_id": "ANPA1", "path": "/",
                "aws_managed": false, "attachment_count": 1, "document": {"value": [1, 2]}}}}),
        );
        let snap = snapshot(vec![user.clone(), policy.clone()]);
        let e = inline_docs(&user, &snap).err().unwrap();
        assert!(e.0.contains("inline policy broken of user a"), "{e}");
        assert!(e.0.contains("Effect must be"), "{e}");
        let e = managed_doc(&policy, Owner::Customer).err().unwrap();
        assert_eq!(
            e.0,
            "managed policy p: policy document is a JSON array, expected an object"
        );
    }

    #[test]
    fn days_read_naturally() {
        assert_eq!(ago(-1), "less than a day ago");
        assert_eq!(ago(0), "less than a day ago");
        assert_eq!(ago(1), "1 day ago");
        assert_eq!(ago(46), "46 days ago");
    }

    #[test]
    fn rule_metadata_is_complete() {
        crate::testing::check_meta(RULES, "iam");
    }

    #[test]
    fn rules_are_listed_in_id_order() {
        let ids: Vec<&str> = RULES.iter().map(|r| r.meta().id).collect();
        let mut sorted = ids.clone();
        sorted.sort_unstable();
        assert_eq!(ids, sorted);
    }
}
