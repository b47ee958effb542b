//! AWS Backup collector: one `AWS::Backup::RegionSettings` per region (the
//! plan listing's completeness and the protected resources) and one
//! `AWS::Backup::BackupPlan` per plan, with its resource selections.
//!
//! Calls per region: `ListBackupPlans` per page of 1,000 plans,
//! `ListProtectedResources` per page of 1,000 resources,
//! `DescribeRegionSettings` (the resource-type opt-in), then per plan
//! `ListBackupSelections` (per page of 1,000 selections) and per selection
//! `GetBackupSelection`. The per-selection read has no listing alternative:
//! `ListBackupSelections` returns names and ids only, and a selection's
//! resources, exclusions and tag conditions come from `GetBackupSelection`
//! alone. Accounts hold few plans and selections (AWS Backup's quota is 100
//! plans per region, and most plans carry one or two selections), so this
//! is a handful of requests per region.

use aws_sdk_backup::Client;
use aws_sdk_backup::types::{
    BackupPlansListMember, BackupSelection as SdkSelection, ConditionParameter,
};
use cloudarq_model::inventory::backup::{
    BackupPlan, BackupRegionSettings, BackupSelection, ProtectedResource, SelectionCondition,
};
use cloudarq_model::{Arn, Collected, GapKind, Properties, Region, Resource, Service};
use futures::StreamExt;

use crate::aws::{Action, AwsContext, CallError};
use crate::collect::util::ts_opt;

/// Items per listing page (the most AWS Backup allows).
const PAGE_SIZE: i32 = 1000;

/// At most this many `ListBackupSelections` pages per plan: a bound on a
/// service that keeps answering with a next token.
const MAX_SELECTION_PAGES: usize = 100;

/// Collects the AWS Backup plans and protected resources of one region.
pub(crate) async fn collect(ctx: &AwsContext, region: &Region) -> Vec<Resource> {
    let Ok(settings_arn) = Arn::account_setting(
        ctx.partition(),
        Service::Backup.arn_namespace(),
        Some(region),
        ctx.account_id(),
    ) else {
        tracing::warn!(region = region.as_str(), "no backup settings ARN; skipped");
        return Vec::new();
    };
    let client = ctx.backup(region);
    let plans = ctx
        .paginate(
            Action::BackupListBackupPlans,
            Some(region),
            client
                .list_backup_plans()
                .max_results(PAGE_SIZE)
                .into_paginator()
                .send(),
        )
        .await;
    let protected = ctx
        .paginate(
            Action::BackupListProtectedResources,
            Some(region),
            client
                .list_protected_resources()
                .max_results(PAGE_SIZE)
                .into_paginator()
                .send(),
        )
        .await;
    let opt_in = ctx
        .read(
            Action::BackupDescribeRegionSettings,
            Some(region),
            Some(&settings_arn),
            client.describe_region_settings().send(),
        )
        .await
        .map(|out| {
            out.resource_type_opt_in_preference()
                .map(|m| m.iter().map(|(k, v)| (k.clone(), *v)).collect())
                .unwrap_or_default()
        });
    let listed: Vec<&BackupPlansListMember> = plans
        .pages
        .iter()
        .flat_map(|p| p.backup_plans_list())
        .collect();
    let backup_plans = plans.complete(|p| {
        p.backup_plans_list()
            .iter()
            .filter_map(|p| p.backup_plan_id())
            .map(str::to_owned)
            .collect()
    });
    let protected_resources =
        protected.complete(|p| p.results().iter().filter_map(protected_resource).collect());
    let client = &client;
    let mut out: Vec<Resource> = futures::stream::iter(listed)
        .map(|p| plan(ctx, client, region, p))
        .buffer_unordered(ctx.concurrency())
        .filter_map(std::future::ready)
        .collect()
        .await;
    out.push(Resource {
        arn: settings_arn,
        region: Some(region.clone()),
        name: ctx.account_id().to_string(),
        tags: Default::default(),
        properties: Properties::BackupRegionSettings(Box::new(BackupRegionSettings {
            backup_plans,
            protected_resources,
            resource_type_opt_in: opt_in,
        })),
    });
    out
}

/// One listed plan, with its selections read.
async fn plan(
    ctx: &AwsContext,
    client: &Client,
    region: &Region,
    p: &BackupPlansListMember,
) -> Option<Resource> {
    let id = p.backup_plan_id().filter(|id| !id.is_empty());
    let Some((id, arn)) = id.and_then(|id| {
        let arn = ctx.arn(
            Service::Backup.arn_namespace(),
            Some(region),
            &["backup-plan:", id].concat(),
        )?;
        Some((id, arn))
    }) else {
        tracing::warn!(
            region = region.as_str(),
            "backup plan without a usable id; skipped"
        );
        return None;
    };
    let selections = selections(ctx, client, region, &arn, id).await;
    let name = p
        .backup_plan_name()
        .filter(|n| !n.trim().is_empty())
        .unwrap_or(id)
        .to_owned();
    Some(Resource {
        arn,
        region: Some(region.clone()),
        name,
        tags: Default::default(),
        properties: Properties::BackupPlan(Box::new(BackupPlan {
            plan_id: id.to_owned(),
            version_id: p.version_id().map(str::to_owned),
            selections,
        })),
    })
}

/// A plan's selections: every page of `ListBackupSelections`, then each
/// selection's `GetBackupSelection`. Any failure makes the whole list not
/// collected (a partial list could hide the selection that covers a
/// resource), with a gap naming the plan.
async fn selections(
    ctx: &AwsContext,
    client: &Client,
    region: &Region,
    arn: &Arn,
    plan_id: &str,
) -> Collected<Vec<BackupSelection>> {
    let at = Some(region);
    let mut ids: Vec<(String, String)> = Vec::new();
    let mut token: Option<String> = None;
    for _ in 0..MAX_SELECTION_PAGES {
        let page = ctx
            .read(
                Action::BackupListBackupSelections,
                at,
                Some(arn),
                client
                    .list_backup_selections()
                    .backup_plan_id(plan_id)
                    .max_results(PAGE_SIZE)
                    .set_next_token(token.clone())
                    .send(),
            )
            .await;
        let Collected::Value(page) = page else {
            return Collected::NotCollected;
        };
        ids.extend(page.backup_selections_list().iter().filter_map(|s| {
            s.selection_id().filter(|id| !id.is_empty()).map(|id| {
                (
                    id.to_owned(),
                    s.selection_name().unwrap_or_default().to_owned(),
                )
            })
        }));
        token = page
            .next_token()
            .filter(|t| !t.is_empty())
            .map(str::to_owned);
        if token.is_none() {
            break;
        }
    }
    if token.is_some() {
        let err = CallError {
            kind: GapKind::Other,
            code: None,
            message: "more than 100 pages of backup selections; the listing was cut short"
                .to_owned(),
        };
        return ctx.settle(Action::BackupListBackupSelections, at, Some(arn), Err(err));
    }
    let read: Vec<Collected<BackupSelection>> = futures::stream::iter(ids)
        .map(|(id, listed_name)| async move {
            let answer = ctx
                .call(
                    Action::BackupGetBackupSelection,
                    at,
                    client
                        .get_backup_selection()
                        .backup_plan_id(plan_id)
                        .selection_id(&id)
                        .send(),
                )
                .await
                .and_then(|out| {
                    out.backup_selection()
                        .map(|s| selection(&id, &listed_name, s))
                        .ok_or_else(|| CallError {
                            kind: GapKind::Other,
                            code: None,
                            message: "the answer holds no backup selection".to_owned(),
                        })
                });
            ctx.settle(Action::BackupGetBackupSelection, at, Some(arn), answer)
        })
        .buffer_unordered(ctx.concurrency())
        .collect()
        .await;
    let mut all = Vec::with_capacity(read.len());
    for s in read {
        match s {
            Collected::Value(s) => all.push(s),
            Collected::NotCollected => return Collected::NotCollected,
        }
    }
    all.sort_by(|a, b| a.selection_id.cmp(&b.selection_id));
    Collected::Value(all)
}

/// The model of one selection `GetBackupSelection` returned.
fn selection(id: &str, listed_name: &str, s: &SdkSelection) -> BackupSelection {
    let name = Some(s.selection_name())
        .filter(|n| !n.is_empty())
        .unwrap_or(listed_name);
    let mut conditions = Vec::new();
    if let Some(c) = s.conditions() {
        for (operator, params) in [
            ("StringEquals", c.string_equals()),
            ("StringNotEquals", c.string_not_equals()),
            ("StringLike", c.string_like()),
            ("StringNotLike", c.string_not_like()),
        ] {
            conditions.extend(params.iter().filter_map(|p| parameter(operator, p)));
        }
    }
    BackupSelection {
        selection_id: id.to_owned(),
        name: name.to_owned(),
        resources: s.resources().to_vec(),
        not_resources: s.not_resources().to_vec(),
        list_of_tags: s
            .list_of_tags()
            .iter()
            .map(|t| SelectionCondition {
                operator: t.condition_type().as_str().to_owned(),
                key: t.condition_key().to_owned(),
                value: t.condition_value().to_owned(),
            })
            .collect(),
        conditions,
    }
}

/// One condition of `Conditions`; one without a key is dropped (AWS
/// requires it), one without a value compares with the empty string.
fn parameter(operator: &str, p: &ConditionParameter) -> Option<SelectionCondition> {
    Some(SelectionCondition {
        operator: operator.to_owned(),
        key: p.condition_key().filter(|k| !k.is_empty())?.to_owned(),
        value: p.condition_value().unwrap_or_default().to_owned(),
    })
}

/// One protected resource; one without an ARN names nothing and is dropped.
fn protected_resource(r: &aws_sdk_backup::types::ProtectedResource) -> Option<ProtectedResource> {
    Some(ProtectedResource {
        resource_arn: r.resource_arn().filter(|a| !a.is_empty())?.to_owned(),
        resource_type: r.resource_type().map(str::to_owned),
        last_backup_time: ts_opt(r.last_backup_time()),
    })
}

#[cfg(test)]
mod tests {
    use aws_sdk_backup::types::{Condition, ConditionType, Conditions};

    use super::*;

    #[test]
    fn selections_keep_resources_exclusions_and_conditions() {
        let sdk = SdkSelection::builder()
            .selection_name("tagged")
            .iam_role_arn("arn:aws:iam::123456789012:role/backup")
            .resources("arn:aws:ec2:*:*:volume/*")
            .not_resources("arn:aws:ec2:eu-west-1:123456789012:volume/vol-1")
            .list_of_tags(
                Condition::builder()
                    .condition_type(ConditionType::Stringequals)
                    .condition_key("backup")
                    .condition_value("daily")
                    .build()
                    .expect("every required field is set"),
            )
            .conditions(
                Conditions::builder()
                    .string_not_equals(
                        ConditionParameter::builder()
                            .condition_key("aws:ResourceTag/env")
                            .condition_value("dev")
                            .build(),
                    )
                    .string_like(ConditionParameter::builder().condition_value("x").build())
                    .build(),
            )
            .build()
            .expect("every required field is set");
        let s = selection("sel-1", "listed", &sdk);
        assert_eq!(s.name, "tagged");
        assert_eq!(s.resources, ["arn:aws:ec2:*:*:volume/*"]);
        assert_eq!(
            s.not_resources,
            ["arn:aws:ec2:eu-west-1:123456789012:volume/vol-1"]
        );
        assert_eq!(s.list_of_tags[0].operator, "STRINGEQUALS");
        assert_eq!(s.list_of_tags[0].key, "backup");
        // The keyless StringLike is dropped; the other condition is kept.
        assert_eq!(
            s.conditions,
            [SelectionCondition {
                operator: "StringNotEquals".to_owned(),
                key: "aws:ResourceTag/env".to_owned(),
                value: "dev".to_owned(),
            }]
        );
    }

    #[test]
    fn protected_resources_need_an_arn() {
        let none = aws_sdk_backup::types::ProtectedResource::builder()
            .resource_type("EBS")
            .build();
        assert_eq!(protected_resource(&none), None);
        let vol = aws_sdk_backup::types::ProtectedResource::builder()
            .resource_arn("arn:aws:ec2:eu-west-1:123456789012:volume/vol-1")
            .resource_type("EBS")
            .last_backup_time(aws_smithy_types::DateTime::from_secs(1_800_000_000))
            .build();
        let p = protected_resource(&vol).expect("an ARN");
        assert_eq!(p.resource_type.as_deref(), Some("EBS"));
        assert_eq!(
            p.last_backup_time.map(|t| t.to_string()).as_deref(),
            Some("2027-01-15T08:00:00Z")
        );
    }
}
