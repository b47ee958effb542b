//! AWS Organizations (feature `collect`): an organization connection lists
//! the member accounts of its management (or delegated administrator)
//! account, keeps the active ones its include and exclude lists select, and
//! scans each as a child scan in the read-only role a CloudFormation
//! StackSet deployed in every member ([`template`]).
//!
//! - [`Auditor::organization`](crate::Auditor::organization) lists the
//!   organization: `DescribeOrganization`, `ListRoots`, then a walk of the
//!   OU tree (`ListOrganizationalUnitsForParent`,
//!   `ListAccountsForParent`), so every account carries its OU path. An
//!   account's `State` is read, not the retired `Status`.
//! - [`MemberFilter::select`] decides which accounts are scanned, and why
//!   each other one is not (not active, excluded, not included).
//! - [`member_role`] names the role to assume in a member;
//!   [`roll_up`] scores the organization from its members' results.
//!
//! ```
//! use cloudarq_core::organization::{AccountState, MemberAccount, MemberFilter, Organization, SkipReason};
//! let account = |id: &str, state, ou: &str| MemberAccount {
//!     id: id.parse().unwrap(),
//!     name: format!("acct {id}"),
//!     state,
//!     ou_path: vec![ou.to_owned()],
//! };
//! let org = Organization {
//!     id: "o-abc123".into(),
//!     management_account: "111111111111".parse()?,
//!     accounts: vec![
//!         account("111111111111", AccountState::Active, "r-root"),
//!         account("222222222222", AccountState::Suspended, "ou-root-prod"),
//!         account("333333333333", AccountState::Active, "ou-root-sandbox"),
//!     ],
//! };
//! let filter = MemberFilter { exclude_ous: ["ou-root-sandbox".to_owned()].into(), ..Default::default() };
//! let sel = filter.select(&org);
//! assert_eq!(sel.scan.len(), 1);
//! assert!(matches!(sel.skipped[0].1, SkipReason::NotActive(AccountState::Suspended)));
//! assert!(matches!(sel.skipped[1].1, SkipReason::ExcludedOu(_)));
//! # Ok::<(), cloudarq_model::ModelError>(())
//! ```

use std::collections::BTreeSet;
use std::fmt;

use cloudarq_model::finding::FrameworkScore;
use cloudarq_model::{AccountId, Partition};
use cloudarq_rules::frameworks::Framework;

use crate::engine::{Evaluation, ResultRef};

use crate::RoleArn;
use crate::aws::{Action, AwsContext, CallError};
use crate::error::CoreError;

pub use cloudarq_model::organization::{
    AccountState, MAX_FILTER_IDS, MemberAccount, MemberFilter, MemberGap, Organization, Selection,
    SkipReason, is_ou_id,
};

/// The role to assume in `account`: the StackSet gives every member the
/// same role name.
pub fn member_role(
    partition: &Partition,
    account: &AccountId,
    role_name: &str,
) -> Result<RoleArn, cloudarq_model::ModelError> {
    format!("arn:{partition}:iam::{account}:role/{role_name}").parse()
}

/// The organization's scores: each framework scored over every member's
/// findings together, so a control passes only where it passes in every
/// scanned account, and fails if it fails in any.
///
/// Each member is a [`ScanResult`](cloudarq_model::finding::ScanResult) or
/// an [`Evaluation`](crate::engine::Evaluation), by reference.
pub fn roll_up<'a, R>(frameworks: &[Framework], members: &[R]) -> Vec<FrameworkScore>
where
    R: Into<ResultRef<'a>> + Copy,
{
    crate::engine::scores_of(
        frameworks,
        members.iter().flat_map(|&r| {
            let r: ResultRef<'a> = r.into();
            r.findings().map(|f| (f.rule_id, f.status))
        }),
    )
}

/// What an organization scan produced.
#[derive(Debug)]
pub struct OrganizationScan {
    /// The organization as listed.
    pub organization: Organization,
    /// One child scan per scanned member, in account order.
    pub members: Vec<(MemberAccount, crate::scan::Scan)>,
    /// Members whose role could not be assumed.
    pub gaps: Vec<MemberGap>,
    /// Members not scanned, with the reason.
    pub skipped: Vec<(MemberAccount, SkipReason)>,
    /// The organization's scores ([`roll_up`] of the child scans).
    pub scores: Vec<FrameworkScore>,
}

/// An organization scan: list the organization through the management (or
/// delegated administrator) account's role, then scan each selected member
/// in its role, one after the other.
pub struct OrganizationPlan {
    /// The credentials that assume every role (CloudArq's principal); a new
    /// source per role.
    pub base: Box<dyn Fn() -> crate::CredentialSource + Send + Sync>,
    /// The management or delegated administrator account's role.
    pub management_role: RoleArn,
    /// The organization connection's External ID (the same in every role).
    pub external_id: Option<crate::ExternalId>,
    /// The member role's name (the StackSet's `RoleName`).
    pub role_name: String,
    /// Which members to scan.
    pub filter: MemberFilter,
    /// Regions per member; empty for every enabled region.
    pub regions: Vec<cloudarq_model::Region>,
    /// Services; empty for all.
    pub services: Vec<cloudarq_model::Service>,
    /// Send every request here (moto).
    pub endpoint_url: Option<String>,
    /// Frameworks to score, per member and for the roll-up; `None` for all.
    pub frameworks: Option<Vec<Framework>>,
    /// Report formats, written for each member under `<dir>/<account id>/`.
    pub reports: Option<(Vec<crate::report::OutputFormat>, std::path::PathBuf)>,
    /// Muted findings, in every member.
    pub mutelist: Option<crate::engine::Mutelist>,
    /// Told `(members done, members to scan)` once the organization is
    /// listed and after each member (a worker's progress).
    pub on_member: Option<Box<dyn Fn(usize, usize) + Send + Sync>>,
}

impl fmt::Debug for OrganizationPlan {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OrganizationPlan")
            .field("management_role", &self.management_role)
            .field("role_name", &self.role_name)
            .field("filter", &self.filter)
            .finish_non_exhaustive()
    }
}

impl OrganizationPlan {
    /// Lists, selects and scans. Errors: the organization cannot be listed
    /// (naming the call), or a member's scan failed for a reason other than
    /// its role (an unreachable endpoint, say).
    pub async fn run(self) -> Result<OrganizationScan, crate::scan::ScanError> {
        use crate::scan::{CollectPlan, ScanPlan, SnapshotSource};
        let frameworks = match self.frameworks.clone() {
            Some(f) => f,
            None => cloudarq_rules::frameworks::frameworks()?,
        };
        let mut lister = crate::Auditor::builder(crate::CredentialSource::assume_role(
            self.management_role.clone(),
            self.external_id.clone(),
            (self.base)(),
        ))
        .session_suffix("org");
        if let Some(url) = &self.endpoint_url {
            lister = lister.endpoint_url(url);
        }
        let organization = lister.build()?.organization().await?;
        let selection = self.filter.select(&organization);
        tracing::info!(
            organization = %organization.id,
            scanned = selection.scan.len(),
            skipped = selection.skipped.len(),
            "organization listed"
        );
        let partition = self.management_role.partition().clone();
        let (mut members, mut gaps) = (Vec::new(), Vec::new());
        let total = selection.scan.len();
        let tell = |done: usize| {
            if let Some(f) = &self.on_member {
                f(done, total);
            }
        };
        tell(0);
        for (done, account) in selection.scan.into_iter().enumerate() {
            let role = member_role(&partition, &account.id, &self.role_name)?;
            let mut plan = CollectPlan::new(crate::CredentialSource::assume_role(
                role.clone(),
                self.external_id.clone(),
                (self.base)(),
            ));
            plan.regions = self.regions.clone();
            plan.services = self.services.clone();
            plan.endpoint_url = self.endpoint_url.clone();
            let mut member_plan =
                ScanPlan::new(SnapshotSource::Collect(plan)).frameworks(frameworks.clone());
            if let Some(m) = &self.mutelist {
                member_plan = member_plan.mutelist(m.clone());
            }
            if let Some((formats, dir)) = &self.reports {
                member_plan = member_plan.reports(formats, dir.join(account.id.as_str()));
            }
            let scan = member_plan.prepare()?.run().await;
            match scan {
                Ok(scan) => members.push((account, scan)),
                Err(crate::scan::ScanError::Collect(
                    CoreError::AssumeRole { code, detail, .. }
                    | CoreError::InvalidCredentials { code, detail, .. },
                )) => {
                    tracing::warn!(account = %account.id, code = %cloudarq_model::text::Inert(&code), "member role not assumable: a coverage gap");
                    gaps.push(MemberGap {
                        account,
                        role_arn: role.to_string(),
                        code,
                        message: detail,
                    });
                }
                Err(e) => return Err(e),
            }
            tell(done + 1);
        }
        let results: Vec<&Evaluation> = members.iter().map(|(_, s)| &s.result).collect();
        let scores = roll_up(&frameworks, &results);
        Ok(OrganizationScan {
            organization,
            members,
            gaps,
            skipped: selection.skipped,
            scores,
        })
    }
}

/// The CloudFormation templates of an organization connection.
pub mod template {
    use crate::Action;

    /// The member role template (`cloudformation/cloudarq-readonly-role.yaml`),
    /// which the StackSet deploys in every member account.
    pub const MEMBER: &str = include_str!("../../cloudformation/cloudarq-readonly-role.yaml");

    /// The stack for the management account (StackSets never reach it): the
    /// same role with the `organizations:` reads added, and the StackSet
    /// (service-managed, automatic deployment) that puts the member role in
    /// every account of the OUs given, and in accounts that join them.
    /// Shipped as `cloudformation/cloudarq-organization.yaml`; a test keeps
    /// the two equal.
    pub fn management() -> String {
        let mut t = String::new();
        t.push_str(HEAD);
        t.push_str(ROLE_HEAD);
        for a in Action::role_permissions() {
            t.push_str("                  - ");
            t.push_str(a);
            t.push('\n');
        }
        t.push_str(&scoped_statements());
        t.push_str(ORG_STATEMENT);
        for a in Action::organization_permissions() {
            t.push_str("                  - ");
            t.push_str(a);
            t.push('\n');
        }
        t.push_str(STACKSET_HEAD);
        for line in MEMBER.lines() {
            if line.is_empty() {
                t.push('\n');
            } else {
                t.push_str("        ");
                t.push_str(line);
                t.push('\n');
            }
        }
        t.push_str(TAIL);
        t
    }

    /// One statement per action the role grants on some resources only
    /// ([`Action::scoped_role_permissions`]), indented for the role's policy:
    /// the member template holds the same text.
    pub fn scoped_statements() -> String {
        let mut t = String::new();
        for (action, resources) in Action::scoped_role_permissions() {
            let sid: String = action
                .split([':', '-'])
                .map(|w| {
                    let mut c = w.chars();
                    c.next()
                        .map(|f| f.to_ascii_uppercase().to_string() + c.as_str())
                        .unwrap_or_default()
                })
                .collect();
            t.push_str("              - Sid: CloudArqScoped");
            t.push_str(&sid);
            t.push_str(
                "\n                Effect: Allow\n                Action:\n                  - ",
            );
            t.push_str(action);
            t.push_str("\n                Resource:\n");
            for r in resources {
                t.push_str("                  - Fn::Sub: \"");
                t.push_str(r);
                t.push_str("\"\n");
            }
        }
        t
    }

    const HEAD: &str = r#"# Generated by cloudarq_core::organization::template::management(); do not
# edit (a test compares it with the generator).
AWSTemplateFormatVersion: "2010-09-09"
Description: >-
  CloudArq for an AWS organization, deployed in the management account: the
  read-only audit role of this account (with the organizations: reads that
  list the members), and a service-managed StackSet that deploys the same
  read-only role, trusting the same principal with the same External ID, in
  every member account of the OUs given, now and as accounts join.

Parameters:
  CloudArqPrincipalArn:
    Type: String
    Description: ARN of the CloudArq principal (account root or role) allowed to assume the roles.
    AllowedPattern: "arn:aws[a-z-]*:iam::[0-9]{12}:(root|role/[A-Za-z0-9+=,.@_/-]+|user/[A-Za-z0-9+=,.@_/-]+)"
    ConstraintDescription: an IAM root, role or user ARN
  ExternalId:
    Type: String
    NoEcho: true
    Description: The External ID CloudArq generated for this organization connection.
    MinLength: 2
    MaxLength: 1224
    AllowedPattern: "[A-Za-z0-9+=,.@:/_-]+"
    ConstraintDescription: 2-1224 characters of letters, digits and +=,.@:/_-
  RoleName:
    Type: String
    Default: CloudArqAudit
    Description: Name of the role, the same in every account.
    AllowedPattern: "[A-Za-z0-9+=,.@_-]{1,64}"
  OrganizationalUnitIds:
    Type: CommaDelimitedList
    Description: The root (r-...) or the OUs (ou-...) whose accounts get the member role.

Resources:
"#;

    const ROLE_HEAD: &str = r#"  CloudArqAuditRole:
    Type: AWS::IAM::Role
    Properties:
      RoleName:
        Ref: RoleName
      Description: Read-only access for CloudArq security audits of this organization
      MaxSessionDuration: 3600
      AssumeRolePolicyDocument:
        Version: "2012-10-17"
        Statement:
          - Sid: CloudArqAssumeWithExternalId
            Effect: Allow
            Principal:
              AWS:
                Ref: CloudArqPrincipalArn
            Action: sts:AssumeRole
            Condition:
              StringEquals:
                sts:ExternalId:
                  Ref: ExternalId
      Policies:
        - PolicyName: CloudArqReadOnly
          PolicyDocument:
            Version: "2012-10-17"
            Statement:
              - Sid: CloudArqCollectors
                Effect: Allow
                Resource: "*"
                Action:
"#;

    const ORG_STATEMENT: &str = r#"              - Sid: CloudArqOrganizationMembers
                Effect: Allow
                Resource: "*"
                Action:
"#;

    const STACKSET_HEAD: &str = r#"
  CloudArqMemberRoles:
    Type: AWS::CloudFormation::StackSet
    Properties:
      StackSetName: CloudArqMemberRoles
      Description: The CloudArq read-only audit role in every member account
      PermissionModel: SERVICE_MANAGED
      AutoDeployment:
        Enabled: true
        RetainStacksOnAccountRemoval: false
      Capabilities:
        - CAPABILITY_NAMED_IAM
      OperationPreferences:
        FailureTolerancePercentage: 100
        MaxConcurrentPercentage: 25
        RegionConcurrencyType: PARALLEL
      Parameters:
        - ParameterKey: CloudArqPrincipalArn
          ParameterValue:
            Ref: CloudArqPrincipalArn
        - ParameterKey: ExternalId
          ParameterValue:
            Ref: ExternalId
        - ParameterKey: RoleName
          ParameterValue:
            Ref: RoleName
      StackInstancesGroup:
        - DeploymentTargets:
            OrganizationalUnitIds:
              Ref: OrganizationalUnitIds
          Regions:
            - Ref: AWS::Region
      TemplateBody: |
"#;

    const TAIL: &str = r#"
Outputs:
  RoleArn:
    Description: The management account's role; give it to CloudArq as the organization connection's role.
    Value:
      Fn::GetAtt:
        - CloudArqAuditRole
        - Arn
"#;
}

/// Lists the organization through `ctx` (the management or delegated
/// administrator account's role).
pub(crate) async fn list(ctx: &AwsContext) -> Result<Organization, CoreError> {
    let client = ctx.organizations();
    let failed = |action: Action, e: CallError| CoreError::Aws {
        action: action.iam_action(),
        code: e.code.clone().unwrap_or_else(|| format!("{:?}", e.kind)),
        detail: e.message,
    };
    let out = ctx
        .call(
            Action::OrganizationsDescribeOrganization,
            None,
            client.describe_organization().send(),
        )
        .await
        .map_err(|e| failed(Action::OrganizationsDescribeOrganization, e))?;
    let org = out.organization();
    let id = org.and_then(|o| o.id()).unwrap_or_default().to_owned();
    let management_account: AccountId = org
        .and_then(|o| o.master_account_id())
        .unwrap_or_default()
        .parse()?;

    let roots = ctx
        .paginate(
            Action::OrganizationsListRoots,
            None,
            client.list_roots().into_paginator().send(),
        )
        .await;
    if let Some(e) = roots.error {
        return Err(failed(Action::OrganizationsListRoots, e));
    }
    // Breadth first: (parent, the path down to it, the parent included).
    let mut todo: Vec<(String, Vec<String>)> = roots
        .pages
        .iter()
        .flat_map(|p| p.roots())
        .filter_map(|r| r.id())
        .map(|id| (id.to_owned(), vec![id.to_owned()]))
        .collect();
    let mut accounts = Vec::new();
    let mut seen = BTreeSet::new();
    while let Some((parent, path)) = todo.pop() {
        // Organizations nests at most five OUs below the root.
        if path.len() > 8 || !seen.insert(parent.clone()) {
            continue;
        }
        let listed = ctx
            .paginate(
                Action::OrganizationsListAccountsForParent,
                None,
                client
                    .list_accounts_for_parent()
                    .parent_id(&parent)
                    .into_paginator()
                    .send(),
            )
            .await;
        if let Some(e) = listed.error {
            return Err(failed(Action::OrganizationsListAccountsForParent, e));
        }
        for a in listed.pages.iter().flat_map(|p| p.accounts()) {
            accounts.push(MemberAccount {
                id: a.id().unwrap_or_default().parse()?,
                name: a.name().unwrap_or_default().to_owned(),
                state: AccountState::from_aws(a.state().map_or("", |s| s.as_str())),
                ou_path: path.clone(),
            });
        }
        let ous = ctx
            .paginate(
                Action::OrganizationsListOrganizationalUnitsForParent,
                None,
                client
                    .list_organizational_units_for_parent()
                    .parent_id(&parent)
                    .into_paginator()
                    .send(),
            )
            .await;
        if let Some(e) = ous.error {
            return Err(failed(
                Action::OrganizationsListOrganizationalUnitsForParent,
                e,
            ));
        }
        for ou in ous
            .pages
            .iter()
            .flat_map(|p| p.organizational_units())
            .filter_map(|o| o.id())
        {
            let mut below = path.clone();
            below.push(ou.to_owned());
            todo.push((ou.to_owned(), below));
        }
    }
    accounts.sort_by(|a, b| a.id.cmp(&b.id));
    accounts.dedup_by(|a, b| a.id == b.id);
    Ok(Organization {
        id,
        management_account,
        accounts,
    })
}
