//! IAM collector: `GetAccountAuthorizationDetails` for users, groups, roles
//! and customer policies with their documents in bulk; the credential report
//! for every user's (and root's) passwords, keys and MFA in one file; then a
//! handful of account-wide calls.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::time::Duration;

use aws_sdk_iam::types::{
    AttachedPolicy as SdkAttached, PolicyDetail, PolicyScopeType, ReportStateType,
};
use cloudarq_model::inventory::iam::{
    AccessKey, AttachedPolicy, IamAccount, IamGroup, IamManagedPolicy, IamOrganizationsFeatures,
    IamRole, IamServerCertificate, IamServiceLastAccessed, IamUser, InlinePolicy, PasswordPolicy,
    PrincipalServiceAccess, RootUser, ServiceAccess, UserCredentials, WATCHED_SERVICES,
};
use cloudarq_model::{Arn, Collected, Properties, Resource, Timestamp};
use futures::StreamExt;

use super::util::{policy_document, tags, ts_opt};
use crate::aws::{Action, AwsContext, CallError};

/// How often to poll for the credential report before giving up.
const REPORT_POLLS: u32 = 10;

/// How often to poll for one principal's service last accessed report
/// before giving up on it (waits of 0.5 s, 1 s, … between polls).
const LAST_ACCESSED_POLLS: u32 = 8;

/// Collects IAM (a global service).
pub(crate) async fn collect(ctx: &AwsContext) -> Vec<Resource> {
    let (gaad, report, virtual_mfa) = futures::join!(
        authorization_details(ctx),
        credential_report(ctx),
        virtual_mfa_users(ctx)
    );
    let mut out = Vec::new();
    if let Some(details) = gaad {
        map_details(&details, report.value(), virtual_mfa.as_ref(), &mut out);
    }
    out.extend(aws_managed_policies(ctx).await);
    out.extend(server_certificates(ctx).await);
    out.extend(organizations_features(ctx).await);
    let last_accessed = service_last_accessed(ctx, &out).await;
    out.extend(last_accessed);
    out.extend(account(ctx, report.value(), virtual_mfa.as_ref()).await);
    out
}

/// One page set of `GetAccountAuthorizationDetails`.
struct Details {
    users: Vec<aws_sdk_iam::types::UserDetail>,
    groups: Vec<aws_sdk_iam::types::GroupDetail>,
    roles: Vec<aws_sdk_iam::types::RoleDetail>,
    policies: Vec<aws_sdk_iam::types::ManagedPolicyDetail>,
}

async fn authorization_details(ctx: &AwsContext) -> Option<Details> {
    use aws_sdk_iam::types::EntityType;
    let client = ctx.iam();
    let stream = client
        .get_account_authorization_details()
        .filter(EntityType::User)
        .filter(EntityType::Group)
        .filter(EntityType::Role)
        .filter(EntityType::LocalManagedPolicy)
        .into_paginator()
        .send();
    let paged = ctx
        .paginate(Action::IamGetAccountAuthorizationDetails, None, stream)
        .await;
    if paged.error.is_some() && paged.pages.is_empty() {
        return None;
    }
    let mut d = Details {
        users: vec![],
        groups: vec![],
        roles: vec![],
        policies: vec![],
    };
    for page in paged.pages {
        d.users.extend(page.user_detail_list.unwrap_or_default());
        d.groups.extend(page.group_detail_list.unwrap_or_default());
        d.roles.extend(page.role_detail_list.unwrap_or_default());
        d.policies.extend(page.policies.unwrap_or_default());
    }
    Some(d)
}

fn attached(list: &[SdkAttached]) -> Vec<AttachedPolicy> {
    let mut v: Vec<AttachedPolicy> = list
        .iter()
        .filter_map(|p| {
            Some(AttachedPolicy {
                name: p.policy_name()?.to_owned(),
                arn: p.policy_arn()?.parse().ok()?,
            })
        })
        .collect();
    v.sort();
    v
}

fn inline(list: &[PolicyDetail]) -> Vec<InlinePolicy> {
    list.iter()
        .filter_map(|p| {
            Some(InlinePolicy {
                name: p.policy_name()?.to_owned(),
                document: p
                    .policy_document()
                    .and_then(policy_document)
                    .unwrap_or_default(),
            })
        })
        .collect()
}

fn map_details(
    d: &Details,
    report: Option<&CredentialReport>,
    virtual_mfa: Option<&HashSet<String>>,
    out: &mut Vec<Resource>,
) {
    let mut members: HashMap<&str, Vec<String>> = HashMap::new();
    for u in &d.users {
        for g in u.group_list() {
            members
                .entry(g.as_str())
                .or_default()
                .push(u.user_name().unwrap_or_default().to_owned());
        }
    }
    for u in &d.users {
        let (Some(name), Some(arn)) = (u.user_name(), u.arn().and_then(|a| a.parse::<Arn>().ok()))
        else {
            continue;
        };
        let credentials = match report {
            Some(r) => r
                .users
                .get(name)
                .cloned()
                .map_or(Collected::NotCollected, Collected::Value),
            None => Collected::NotCollected,
        };
        let user = IamUser {
            user_name: name.to_owned(),
            user_id: u.user_id().unwrap_or_default().to_owned(),
            path: u.path().unwrap_or("/").to_owned(),
            created: ts_opt(u.create_date()),
            attached_policies: attached(u.attached_managed_policies()),
            inline_policies: inline(u.user_policy_list()),
            groups: u.group_list().to_vec(),
            permissions_boundary: u
                .permissions_boundary()
                .and_then(|b| b.permissions_boundary_arn())
                .and_then(|a| a.parse().ok()),
            credentials,
            virtual_mfa: virtual_mfa.map_or(Collected::NotCollected, |set| {
                Collected::Value(set.contains(arn.as_str()))
            }),
        };
        out.push(Resource {
            name: name.to_owned(),
            region: None,
            tags: tags(u.tags().iter().map(|t| (Some(t.key()), Some(t.value())))),
            properties: Properties::IamUser(Box::new(user)),
            arn,
        });
    }
    for g in &d.groups {
        let (Some(name), Some(arn)) = (g.group_name(), g.arn().and_then(|a| a.parse::<Arn>().ok()))
        else {
            continue;
        };
        let mut m = members.remove(name).unwrap_or_default();
        m.sort();
        let group = IamGroup {
            group_name: name.to_owned(),
            group_id: g.group_id().unwrap_or_default().to_owned(),
            path: g.path().unwrap_or("/").to_owned(),
            created: ts_opt(g.create_date()),
            attached_policies: attached(g.attached_managed_policies()),
            inline_policies: inline(g.group_policy_list()),
            members: m,
        };
        out.push(Resource {
            name: name.to_owned(),
            region: None,
            tags: BTreeMap::new(),
            properties: Properties::IamGroup(Box::new(group)),
            arn,
        });
    }
    for r in &d.roles {
        let (Some(name), Some(arn)) = (r.role_name(), r.arn().and_then(|a| a.parse::<Arn>().ok()))
        else {
            continue;
        };
        let role = IamRole {
            role_name: name.to_owned(),
            role_id: r.role_id().unwrap_or_default().to_owned(),
            path: r.path().unwrap_or("/").to_owned(),
            created: ts_opt(r.create_date()),
            trust_policy: r
                .assume_role_policy_document()
                .and_then(policy_document)
                .unwrap_or_default(),
            attached_policies: attached(r.attached_managed_policies()),
            inline_policies: inline(r.role_policy_list()),
            instance_profiles: r
                .instance_profile_list()
                .iter()
                .filter_map(|p| p.arn().parse().ok())
                .collect(),
            last_used: r.role_last_used().and_then(|l| ts_opt(l.last_used_date())),
            permissions_boundary: r
                .permissions_boundary()
                .and_then(|b| b.permissions_boundary_arn())
                .and_then(|a| a.parse().ok()),
            max_session_duration: None,
        };
        out.push(Resource {
            name: name.to_owned(),
            region: None,
            tags: tags(r.tags().iter().map(|t| (Some(t.key()), Some(t.value())))),
            properties: Properties::IamRole(Box::new(role)),
            arn,
        });
    }
    for p in &d.policies {
        let Some(arn) = p.arn().and_then(|a| a.parse::<Arn>().ok()) else {
            continue;
        };
        // The name is the ARN's last path segment; some emulators omit the field.
        let name = p
            .policy_name()
            .unwrap_or_else(|| arn.resource().rsplit('/').next().unwrap_or_default());
        let document = p
            .policy_version_list()
            .iter()
            .find(|v| v.is_default_version())
            .and_then(|v| v.document())
            .and_then(policy_document)
            .map_or(Collected::NotCollected, Collected::Value);
        let policy = IamManagedPolicy {
            policy_name: name.to_owned(),
            policy_id: p.policy_id().unwrap_or_default().to_owned(),
            path: p.path().unwrap_or("/").to_owned(),
            aws_managed: false,
            attachment_count: p.attachment_count().unwrap_or_default(),
            default_version_id: p.default_version_id().map(str::to_owned),
            document,
            created: ts_opt(p.create_date()),
            updated: ts_opt(p.update_date()),
        };
        out.push(Resource {
            name: name.to_owned(),
            region: None,
            tags: BTreeMap::new(),
            properties: Properties::IamManagedPolicy(Box::new(policy)),
            arn,
        });
    }
}

/// AWS-managed policies attached to something in the account, with documents.
async fn aws_managed_policies(ctx: &AwsContext) -> Vec<Resource> {
    let client = ctx.iam();
    let stream = client
        .list_policies()
        .scope(PolicyScopeType::Aws)
        .only_attached(true)
        .into_paginator()
        .send();
    let paged = ctx.paginate(Action::IamListPolicies, None, stream).await;
    let policies: Vec<aws_sdk_iam::types::Policy> = paged
        .pages
        .into_iter()
        .flat_map(|p| p.policies.unwrap_or_default())
        .collect();
    futures::stream::iter(policies)
        .map(|p| {
            let client = client.clone();
            async move {
                let arn: Arn = p.arn()?.parse().ok()?;
                let version = p.default_version_id().unwrap_or("v1").to_owned();
                let document = ctx
                    .read(
                        Action::IamGetPolicyVersion,
                        None,
                        Some(&arn),
                        client
                            .get_policy_version()
                            .policy_arn(arn.as_str())
                            .version_id(&version)
                            .send(),
                    )
                    .await
                    .value()
                    .and_then(|out| out.policy_version())
                    .and_then(|v| v.document())
                    .and_then(policy_document)
                    .map_or(Collected::NotCollected, Collected::Value);
                let name = p.policy_name().unwrap_or_default().to_owned();
                Some(Resource {
                    name: name.clone(),
                    region: None,
                    tags: BTreeMap::new(),
                    properties: Properties::IamManagedPolicy(Box::new(IamManagedPolicy {
                        policy_name: name,
                        policy_id: p.policy_id().unwrap_or_default().to_owned(),
                        path: p.path().unwrap_or("/").to_owned(),
                        aws_managed: true,
                        attachment_count: p.attachment_count().unwrap_or_default(),
                        default_version_id: Some(version),
                        document,
                        created: ts_opt(p.create_date()),
                        updated: ts_opt(p.update_date()),
                    })),
                    arn,
                })
            }
        })
        .buffer_unordered(ctx.concurrency())
        .filter_map(|r| async move { r })
        .collect()
        .await
}

/// `ListOrganizationsFeatures` answers: the account is in no organization.
const NO_ORGANIZATION: &str = "OrganizationNotFoundException";

/// `ListOrganizationsFeatures` answers: IAM's trusted access is not enabled
/// in the organization, so no feature can be.
const NO_TRUSTED_ACCESS: &str = "ServiceAccessNotEnabledException";

/// The IAM features the organization manages centrally.
async fn organizations_features(ctx: &AwsContext) -> Vec<Resource> {
    let Some(arn) = ctx.arn("iam", None, "organizations-features") else {
        return Vec::new();
    };
    let client = ctx.iam();
    let action = Action::IamListOrganizationsFeatures;
    let answer = match ctx
        .call(action, None, client.list_organizations_features().send())
        .await
    {
        Ok(out) => Ok(Some(
            out.enabled_features()
                .iter()
                .map(|f| f.as_str().to_owned())
                .collect(),
        )),
        Err(e) if e.code.as_deref() == Some(NO_ORGANIZATION) => Ok(None),
        Err(e) if e.code.as_deref() == Some(NO_TRUSTED_ACCESS) => Ok(Some(Vec::new())),
        Err(e) => Err(e),
    };
    let enabled_features = ctx.settle(action, None, Some(&arn), answer);
    vec![Resource {
        arn,
        region: None,
        name: ctx.account_id().as_str().to_owned(),
        tags: BTreeMap::new(),
        properties: Properties::IamOrganizationsFeatures(Box::new(IamOrganizationsFeatures {
            enabled_features,
        })),
    }]
}

/// The SSL/TLS certificates stored in IAM: metadata only.
async fn server_certificates(ctx: &AwsContext) -> Vec<Resource> {
    let client = ctx.iam();
    let stream = client.list_server_certificates().into_paginator().send();
    let paged = ctx
        .paginate(Action::IamListServerCertificates, None, stream)
        .await;
    paged
        .pages
        .iter()
        .flat_map(|p| p.server_certificate_metadata_list())
        .filter_map(|c| {
            let arn: Arn = c.arn().parse().ok()?;
            let name = c.server_certificate_name().to_owned();
            Some(Resource {
                arn,
                region: None,
                name: name.clone(),
                tags: BTreeMap::new(),
                properties: Properties::IamServerCertificate(Box::new(IamServerCertificate {
                    name,
                    id: c.server_certificate_id().to_owned(),
                    path: c.path().to_owned(),
                    uploaded: ts_opt(c.upload_date()),
                    expiration: ts_opt(c.expiration()),
                })),
            })
        })
        .collect()
}

/// ARNs of users (and root) with an assigned virtual MFA device.
async fn virtual_mfa_users(ctx: &AwsContext) -> Option<HashSet<String>> {
    let client = ctx.iam();
    let stream = client.list_virtual_mfa_devices().into_paginator().send();
    let paged = ctx
        .paginate(Action::IamListVirtualMfaDevices, None, stream)
        .await;
    if paged.error.is_some() {
        return None;
    }
    Some(
        paged
            .pages
            .iter()
            .flat_map(|p| p.virtual_mfa_devices())
            .filter_map(|d| d.user().map(|u| u.arn().to_owned()))
            .collect(),
    )
}

/// The parsed credential report.
#[derive(Debug, Default)]
pub(crate) struct CredentialReport {
    users: HashMap<String, UserCredentials>,
    root: Option<(UserCredentials, bool)>,
}

/// The credential report; when it cannot be had, a gap naming the call that
/// failed (or the last poll, when the report never became ready).
async fn credential_report(ctx: &AwsContext) -> Collected<CredentialReport> {
    let (action, res) = poll_credential_report(ctx).await;
    ctx.settle(action, None, None, res)
}

/// Asks IAM to generate the credential report until it is ready, then reads
/// it; the action is the last one called.
async fn poll_credential_report(ctx: &AwsContext) -> (Action, Result<CredentialReport, CallError>) {
    let client = ctx.iam();
    for attempt in 0..REPORT_POLLS {
        match ctx
            .call(
                Action::IamGenerateCredentialReport,
                None,
                client.generate_credential_report().send(),
            )
            .await
        {
            Ok(out) if out.state() == Some(&ReportStateType::Complete) => {}
            Ok(_) => {
                tokio::time::sleep(Duration::from_millis(500 * u64::from(attempt + 1))).await;
                continue;
            }
            Err(e) => return (Action::IamGenerateCredentialReport, Err(e)),
        }
        match ctx
            .call_optional(
                Action::IamGetCredentialReport,
                None,
                &["ReportInProgress", "ReportNotPresent"],
                client.get_credential_report().send(),
            )
            .await
        {
            Ok(Some(out)) => {
                let text = out
                    .content()
                    .map(|b| String::from_utf8_lossy(b.as_ref()).into_owned());
                let report = parse_credential_report(&text.unwrap_or_default());
                return (Action::IamGetCredentialReport, Ok(report));
            }
            Ok(None) => {
                tokio::time::sleep(Duration::from_millis(500 * u64::from(attempt + 1))).await
            }
            Err(e) => return (Action::IamGetCredentialReport, Err(e)),
        }
    }
    let not_ready = CallError {
        kind: cloudarq_model::GapKind::Other,
        code: Some("ReportInProgress".to_owned()),
        message: format!("credential report not ready after {REPORT_POLLS} polls"),
    };
    (Action::IamGetCredentialReport, Err(not_ready))
}

fn report_time(v: &str) -> Option<Timestamp> {
    match v {
        "N/A" | "no_information" | "not_supported" | "" => None,
        _ => v.parse().ok(),
    }
}

/// Parses the credential report CSV (no field in it contains a comma).
pub(crate) fn parse_credential_report(csv: &str) -> CredentialReport {
    let mut lines = csv.lines();
    let Some(header) = lines.next() else {
        return CredentialReport::default();
    };
    let cols: HashMap<&str, usize> = header
        .split(',')
        .enumerate()
        .map(|(i, c)| (c.trim(), i))
        .collect();
    let mut report = CredentialReport::default();
    for line in lines {
        let f: Vec<&str> = line.split(',').collect();
        let get = |name: &str| {
            cols.get(name)
                .and_then(|&i| f.get(i))
                .copied()
                .unwrap_or("")
        };
        let flag = |name: &str| get(name) == "true";
        let keys = (1..=2u8)
            .map(|slot| AccessKey {
                slot,
                active: flag(&format!("access_key_{slot}_active")),
                last_rotated: report_time(get(&format!("access_key_{slot}_last_rotated"))),
                last_used: report_time(get(&format!("access_key_{slot}_last_used_date"))),
                last_used_service: match get(&format!("access_key_{slot}_last_used_service")) {
                    "N/A" | "" => None,
                    s => Some(s.to_owned()),
                },
            })
            .collect();
        let creds = UserCredentials {
            password_enabled: flag("password_enabled"),
            password_last_used: report_time(get("password_last_used")),
            password_last_changed: report_time(get("password_last_changed")),
            mfa_active: flag("mfa_active"),
            access_keys: keys,
        };
        let user = get("user");
        if user == "<root_account>" {
            let cert = flag("cert_1_active") || flag("cert_2_active");
            report.root = Some((creds, cert));
        } else if !user.is_empty() {
            report.users.insert(user.to_owned(), creds);
        }
    }
    report
}

/// The `AWS::IAM::Account` resource.
async fn account(
    ctx: &AwsContext,
    report: Option<&CredentialReport>,
    virtual_mfa: Option<&HashSet<String>>,
) -> Option<Resource> {
    let client = ctx.iam();
    let root_arn = ctx.arn("iam", None, "root")?;
    let about = Some(&root_arn);
    let (summary, policy, saml) = futures::join!(
        ctx.read(
            Action::IamGetAccountSummary,
            None,
            about,
            client.get_account_summary().send()
        ),
        ctx.read_optional(
            Action::IamGetAccountPasswordPolicy,
            None,
            about,
            &["NoSuchEntity"],
            client.get_account_password_policy().send()
        ),
        ctx.read(
            Action::IamListSamlProviders,
            None,
            about,
            client.list_saml_providers().send()
        ),
    );
    let summary = summary.map(|out| {
        out.summary_map()
            .map(|m| {
                m.iter()
                    .map(|(k, v)| (k.as_str().to_owned(), i64::from(*v)))
                    .collect()
            })
            .unwrap_or_default()
    });
    let password_policy = policy.map(|out| {
        out.and_then(|o| o.password_policy).map(|p| PasswordPolicy {
            minimum_length: p
                .minimum_password_length()
                .and_then(|n| u32::try_from(n).ok()),
            require_symbols: p.require_symbols(),
            require_numbers: p.require_numbers(),
            require_uppercase: p.require_uppercase_characters(),
            require_lowercase: p.require_lowercase_characters(),
            allow_users_to_change: p.allow_users_to_change_password(),
            expire_passwords: p.expire_passwords(),
            max_age_days: p.max_password_age().and_then(|n| u32::try_from(n).ok()),
            reuse_prevention: p
                .password_reuse_prevention()
                .and_then(|n| u32::try_from(n).ok()),
            hard_expiry: p.hard_expiry(),
        })
    });
    let saml_providers = saml.map(|out| {
        out.saml_provider_list()
            .iter()
            .filter_map(|p| p.arn()?.parse().ok())
            .collect()
    });
    let root = match report.and_then(|r| r.root.as_ref()) {
        Some((c, cert)) => Collected::Value(RootUser {
            mfa_active: c.mfa_active,
            virtual_mfa: virtual_mfa.map_or(Collected::NotCollected, |s| {
                Collected::Value(s.contains(root_arn.as_str()))
            }),
            password_last_used: c.password_last_used,
            access_keys: c.access_keys.clone(),
            signing_certificate_active: *cert,
        }),
        None => Collected::NotCollected,
    };
    Some(Resource {
        name: ctx.account_id().to_string(),
        region: None,
        tags: BTreeMap::new(),
        properties: Properties::IamAccount(Box::new(IamAccount {
            summary,
            password_policy,
            root,
            saml_providers,
        })),
        arn: root_arn,
    })
}

/// Service last accessed data for the principals worth the two calls each
/// (see [`IamServiceLastAccessed`]): users with an active access key, and
/// users and roles whose policies allow a watched service or could not all
/// be read. `None` when IAM's users and roles were not listed.
async fn service_last_accessed(ctx: &AwsContext, collected: &[Resource]) -> Option<Resource> {
    let arn = ctx.arn("iam", None, "service-last-accessed")?;
    if !collected.iter().any(|r| {
        matches!(
            r.properties,
            Properties::IamUser(_) | Properties::IamRole(_)
        )
    }) {
        return None;
    }
    let grants = WatchedGrants::new(collected);
    let mut wanted: Vec<&Arn> = collected
        .iter()
        .filter(|r| worth_asking(r, &grants))
        .map(|r| &r.arn)
        .collect();
    wanted.sort();
    let principals = futures::stream::iter(wanted)
        .map(|p| async move {
            PrincipalServiceAccess {
                principal: p.clone(),
                services: last_accessed_of(ctx, p).await,
            }
        })
        .buffered(ctx.concurrency())
        .collect()
        .await;
    Some(Resource {
        arn,
        region: None,
        name: ctx.account_id().as_str().to_owned(),
        tags: BTreeMap::new(),
        properties: Properties::IamServiceLastAccessed(Box::new(IamServiceLastAccessed {
            principals,
        })),
    })
}

/// What [`worth_asking`] needs of the collected IAM resources, indexed
/// once per scan: whether each managed policy allows a watched service
/// (each document parsed once, however many principals it is attached to),
/// and the groups by name.
struct WatchedGrants<'a> {
    managed: HashMap<&'a Arn, bool>,
    groups: HashMap<&'a str, &'a IamGroup>,
}

impl<'a> WatchedGrants<'a> {
    fn new(collected: &'a [Resource]) -> Self {
        let mut managed = HashMap::new();
        let mut groups = HashMap::new();
        for r in collected {
            match &r.properties {
                Properties::IamManagedPolicy(m) => {
                    managed.insert(&r.arn, allows_watched(m.document.value()));
                }
                Properties::IamGroup(g) => {
                    groups.insert(g.group_name.as_str(), g.as_ref());
                }
                _ => {}
            }
        }
        Self { managed, groups }
    }

    /// Whether inline or attached policies may allow a watched service; a
    /// policy not in the snapshot may.
    fn any(&self, inline: &[InlinePolicy], attached: &[AttachedPolicy]) -> bool {
        inline
            .iter()
            .any(|p| allows_watched((!p.document.is_null()).then_some(&p.document)))
            || attached
                .iter()
                .any(|a| self.managed.get(&a.arn).copied().unwrap_or(true))
    }
}

/// Whether a policy document allows some action of a watched service, or
/// is unknown (`None`, or not a policy).
fn allows_watched(doc: Option<&serde_json::Value>) -> bool {
    doc.is_none_or(|doc| {
        WATCHED_SERVICES
            .iter()
            .any(|s| cloudarq_rules::policy_allows_service(doc, s) != Some(false))
    })
}

/// Whether a user or role is worth asking about; see
/// [`service_last_accessed`].
fn worth_asking(r: &Resource, grants: &WatchedGrants<'_>) -> bool {
    match &r.properties {
        Properties::IamUser(u) => {
            let has_key = match &u.credentials {
                Collected::Value(c) => c.access_keys.iter().any(|k| k.active),
                Collected::NotCollected => true,
            };
            has_key
                || grants.any(&u.inline_policies, &u.attached_policies)
                || u.groups
                    .iter()
                    .any(|g| match grants.groups.get(g.as_str()) {
                        Some(grp) => grants.any(&grp.inline_policies, &grp.attached_policies),
                        None => true,
                    })
        }
        Properties::IamRole(role) => {
            !role.path.starts_with("/aws-service-role/")
                && grants.any(&role.inline_policies, &role.attached_policies)
        }
        _ => false,
    }
}

/// One principal's service last accessed data: generate the report, poll
/// until it is complete, keep the services used and the watched ones.
async fn last_accessed_of(ctx: &AwsContext, principal: &Arn) -> Collected<Vec<ServiceAccess>> {
    use aws_sdk_iam::types::JobStatusType;
    let client = ctx.iam();
    let generate = Action::IamGenerateServiceLastAccessedDetails;
    let job = match ctx
        .call(
            generate,
            None,
            client
                .generate_service_last_accessed_details()
                .arn(principal.as_str())
                .send(),
        )
        .await
    {
        Ok(out) => out.job_id().map(str::to_owned),
        Err(e) => return ctx.settle(generate, None, Some(principal), Err(e)),
    };
    let get = Action::IamGetServiceLastAccessedDetails;
    let Some(job) = job else {
        let e = CallError {
            kind: cloudarq_model::GapKind::Other,
            code: None,
            message: "GenerateServiceLastAccessedDetails returned no job id".to_owned(),
        };
        return ctx.settle(generate, None, Some(principal), Err(e));
    };
    let mut services: Vec<ServiceAccess> = Vec::new();
    let mut marker: Option<String> = None;
    let mut attempt = 0;
    while attempt < LAST_ACCESSED_POLLS {
        let res = ctx
            .call(
                get,
                None,
                client
                    .get_service_last_accessed_details()
                    .job_id(&job)
                    .max_items(1000)
                    .set_marker(marker.clone())
                    .send(),
            )
            .await;
        let out = match res {
            Ok(out) => out,
            Err(e) => return ctx.settle(get, None, Some(principal), Err(e)),
        };
        match out.job_status() {
            JobStatusType::Completed => {
                services.extend(
                    out.services_last_accessed()
                        .iter()
                        .filter(|s| {
                            s.last_authenticated().is_some()
                                || WATCHED_SERVICES.contains(&s.service_namespace())
                        })
                        .map(|s| ServiceAccess {
                            namespace: s.service_namespace().to_owned(),
                            last_authenticated: ts_opt(s.last_authenticated()),
                        }),
                );
                match out.marker().filter(|_| out.is_truncated()) {
                    // A page of a completed report is not a poll.
                    Some(next) => marker = Some(next.to_owned()),
                    None => {
                        services.sort_by(|a, b| a.namespace.cmp(&b.namespace));
                        return Collected::Value(services);
                    }
                }
            }
            JobStatusType::Failed => {
                let e = CallError {
                    kind: cloudarq_model::GapKind::Other,
                    code: out.error().map(|e| e.code().to_owned()),
                    message: "the service last accessed job failed".to_owned(),
                };
                return ctx.settle(get, None, Some(principal), Err(e));
            }
            _ => {
                attempt += 1;
                tokio::time::sleep(Duration::from_millis(500 * u64::from(attempt))).await;
            }
        }
    }
    let e = CallError {
        kind: cloudarq_model::GapKind::Other,
        code: Some("InProgress".to_owned()),
        message: format!(
            "service last accessed job not complete after {LAST_ACCESSED_POLLS} polls"
        ),
    };
    ctx.settle(get, None, Some(principal), Err(e))
}

#[cfg(test)]
mod tests {
    use super::*;

    const REPORT: &str = "user,arn,user_creation_time,password_enabled,password_last_used,password_last_changed,password_next_rotation,mfa_active,access_key_1_active,access_key_1_last_rotated,access_key_1_last_used_date,access_key_1_last_used_region,access_key_1_last_used_service,access_key_2_active,access_key_2_last_rotated,access_key_2_last_used_date,access_key_2_last_used_region,access_key_2_last_used_service,cert_1_active,cert_1_last_rotated,cert_2_active,cert_2_last_rotated
<root_account>,arn:aws:iam::123456789012:root,2020-01-01T00:00:00+00:00,not_supported,2026-05-30T10:00:00+00:00,not_supported,not_supported,false,true,2021-01-01T00:00:00+00:00,N/A,N/A,N/A,false,N/A,N/A,N/A,N/A,false,N/A,false,N/A
alice,arn:aws:iam::123456789012:user/alice,2024-01-01T00:00:00+00:00,true,no_information,2024-01-01T00:00:00+00:00,N/A,true,true,2024-02-01T00:00:00+00:00,2026-05-01T00:00:00+00:00,eu-west-1,s3,false,N/A,N/A,N/A,N/A,false,N/A,false,N/A";

    #[test]
    fn parses_the_credential_report() {
        let r = parse_credential_report(REPORT);
        let (root, cert) = r.root.unwrap();
        assert!(!root.mfa_active && !cert);
        assert!(root.access_keys[0].active && !root.access_keys[1].active);
        assert!(root.password_last_used.is_some());
        let alice = &r.users["alice"];
        assert!(alice.password_enabled && alice.mfa_active);
        assert_eq!(alice.password_last_used, None);
        assert_eq!(
            alice.access_keys[0].last_used_service.as_deref(),
            Some("s3")
        );
        assert_eq!(
            alice.access_keys[0].last_used.unwrap().to_string(),
            "2026-05-01T00:00:00Z"
        );
    }

    #[test]
    fn empty_or_garbage_reports_yield_nothing() {
        assert!(parse_credential_report("").users.is_empty());
        assert!(parse_credential_report("a,b\n1,2").users.is_empty());
    }
}
