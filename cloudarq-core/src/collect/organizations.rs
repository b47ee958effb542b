//! Organizations collector: the audited account's view of its
//! organization's governance.
//!
//! Calls (global): `DescribeOrganization`; in an organization,
//! `ListDelegatedAdministrators` (every page) and `DescribeResourcePolicy`
//! at once. From a member account the last two are denied, which is a gap
//! naming the call: only the management account (or a delegated
//! administrator) can see them.

use cloudarq_model::inventory::organizations::{OrganizationInfo, OrganizationsAccount};
use cloudarq_model::{Collected, Properties, Resource, Tags};

use crate::aws::{Action, AwsContext};
use crate::collect::util::account_arn;

/// The answer of `DescribeOrganization` for an account in no organization.
const NOT_IN_USE: &[&str] = &["AWSOrganizationsNotInUseException"];

/// The answer of `DescribeResourcePolicy` when no delegation policy exists.
const NO_POLICY: &[&str] = &["ResourcePolicyNotFoundException"];

/// Collects the account's `AWS::Organizations::Account`.
pub(crate) async fn collect(ctx: &AwsContext) -> Vec<Resource> {
    let Some(arn) = account_arn(ctx, "organizations") else {
        return Vec::new();
    };
    let client = ctx.organizations();
    let at = Some(&arn);
    let organization = ctx
        .read_optional(
            Action::OrganizationsAuditDescribeOrganization,
            None,
            at,
            NOT_IN_USE,
            client.describe_organization().send(),
        )
        .await
        .map(|out| {
            out.and_then(|o| {
                let org = o.organization()?;
                Some(OrganizationInfo {
                    id: org.id()?.to_owned(),
                    management_account_id: org.master_account_id().map(str::to_owned),
                    feature_set: org.feature_set().map(|f| f.as_str().to_owned()),
                })
            })
        });
    let in_organization = matches!(organization, Collected::Value(Some(_)));
    let (delegated_administrators, delegation_policy) = if in_organization {
        let (admins, policy) = futures::join!(
            ctx.paginate(
                Action::OrganizationsAuditListDelegatedAdministrators,
                None,
                client
                    .list_delegated_administrators()
                    .into_paginator()
                    .send(),
            ),
            ctx.read_optional(
                Action::OrganizationsAuditDescribeResourcePolicy,
                None,
                at,
                NO_POLICY,
                client.describe_resource_policy().send(),
            ),
        );
        let admins = match admins.error {
            Some(_) => Collected::NotCollected,
            None => Collected::Value(
                admins
                    .pages
                    .iter()
                    .flat_map(|p| p.delegated_administrators())
                    .filter_map(|a| a.id().map(str::to_owned))
                    .collect(),
            ),
        };
        let policy = policy.map(|out| {
            out.and_then(|o| {
                o.resource_policy()
                    .and_then(|p| p.content())
                    .map(str::to_owned)
            })
            .is_some()
        });
        (admins, policy)
    } else {
        // In no organization (or unknown): nothing to ask. A failed
        // DescribeOrganization leaves both unknown too.
        match organization {
            Collected::Value(None) => (Collected::Value(Vec::new()), Collected::Value(false)),
            _ => (Collected::NotCollected, Collected::NotCollected),
        }
    };
    vec![Resource {
        arn,
        region: None,
        name: ctx.account_id().as_str().to_owned(),
        tags: Tags::new(),
        properties: Properties::OrganizationsAccount(Box::new(OrganizationsAccount {
            organization,
            delegated_administrators,
            delegation_policy,
        })),
    }]
}
