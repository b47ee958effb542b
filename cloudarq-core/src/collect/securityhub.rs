//! Security Hub collector: one `AWS::SecurityHub::Hub` per region, with
//! whether Security Hub is enabled and which standards are.
//!
//! Calls per region: `DescribeHub` (an `InvalidAccessException` answer
//! means the account is not subscribed: not enabled, no gap), then, only
//! when the hub is enabled, `GetEnabledStandards` per page of 100.

use aws_sdk_securityhub::operation::describe_hub::DescribeHubOutput;
use aws_sdk_securityhub::types::StandardsSubscription;
use cloudarq_model::inventory::securityhub::{EnabledStandard, HubDetails, SecurityHubHub};
use cloudarq_model::{Collected, Properties, Region, Resource, Service};

use crate::aws::{Action, AwsContext};

/// The most standards `GetEnabledStandards` returns per page.
const PAGE_SIZE: i32 = 100;

/// `DescribeHub` error codes that mean "Security Hub is not enabled here".
const NOT_SUBSCRIBED: &[&str] = &["InvalidAccessException"];

/// The resource part of the ARN of an account's hub in a region.
const HUB_RESOURCE: &str = "hub/default";

/// Collects the Security Hub state of one region: always one resource.
pub(crate) async fn collect(ctx: &AwsContext, region: &Region) -> Vec<Resource> {
    let Some(arn) = ctx.arn(
        Service::SecurityHub.arn_namespace(),
        Some(region),
        HUB_RESOURCE,
    ) else {
        tracing::warn!(region = region.as_str(), "no security hub ARN; skipped");
        return Vec::new();
    };
    let client = ctx.securityhub(region);
    let at = Some(region);
    let hub = ctx
        .read_optional(
            Action::SecurityHubDescribeHub,
            at,
            Some(&arn),
            NOT_SUBSCRIBED,
            client.describe_hub().send(),
        )
        .await
        .map(|out| out.as_ref().map(hub_details));
    let enabled_standards = match &hub {
        // Not enabled: no standard can be, and no call is made.
        Collected::Value(None) => Collected::Value(Vec::new()),
        // Unknown whether enabled: the DescribeHub gap says why.
        Collected::NotCollected => Collected::NotCollected,
        Collected::Value(Some(_)) => {
            let stream = client
                .get_enabled_standards()
                .max_results(PAGE_SIZE)
                .into_paginator()
                .send();
            let paged = ctx
                .paginate(Action::SecurityHubGetEnabledStandards, at, stream)
                .await;
            match paged.error {
                Some(_) => Collected::NotCollected,
                None => Collected::Value(
                    paged
                        .pages
                        .iter()
                        .flat_map(|p| p.standards_subscriptions())
                        .filter_map(standard)
                        .collect(),
                ),
            }
        }
    };
    vec![Resource {
        arn,
        region: Some(region.clone()),
        name: ctx.account_id().to_string(),
        tags: Default::default(),
        properties: Properties::SecurityHubHub(Box::new(SecurityHubHub {
            hub,
            enabled_standards,
        })),
    }]
}

fn hub_details(out: &DescribeHubOutput) -> HubDetails {
    HubDetails {
        hub_arn: out.hub_arn().map(str::to_owned),
        subscribed_at: out.subscribed_at().map(str::to_owned),
        auto_enable_controls: out.auto_enable_controls(),
        control_finding_generator: out
            .control_finding_generator()
            .map(|g| g.as_str().to_owned()),
    }
}

/// One enabled standard; `None` for a subscription that names no standard.
fn standard(s: &StandardsSubscription) -> Option<EnabledStandard> {
    let Some(standards_arn) = s.standards_arn().filter(|a| !a.is_empty()) else {
        tracing::warn!("security hub standards subscription without a standard; skipped");
        return None;
    };
    Some(EnabledStandard {
        standards_arn: standards_arn.to_owned(),
        subscription_arn: s.standards_subscription_arn().map(str::to_owned),
        status: s.standards_status().map(|st| st.as_str().to_owned()),
    })
}

#[cfg(test)]
mod tests {
    use aws_sdk_securityhub::types::{ControlFindingGenerator, StandardsStatus};

    use super::*;

    #[test]
    fn hubs_and_standards_keep_the_strings_security_hub_uses() {
        let out = DescribeHubOutput::builder()
            .hub_arn("arn:aws:securityhub:eu-west-1:123456789012:hub/default")
            .subscribed_at("2026-01-02T03:04:05.000Z")
            .auto_enable_controls(true)
            .control_finding_generator(ControlFindingGenerator::SecurityControl)
            .build();
        let h = hub_details(&out);
        assert_eq!(h.subscribed_at.as_deref(), Some("2026-01-02T03:04:05.000Z"));
        assert_eq!(
            h.control_finding_generator.as_deref(),
            Some("SECURITY_CONTROL")
        );
        assert_eq!(h.auto_enable_controls, Some(true));

        let sub = StandardsSubscription::builder()
            .standards_arn(
                "arn:aws:securityhub:eu-west-1::standards/aws-foundational-security-best-practices/v/1.0.0",
            )
            .standards_subscription_arn(
                "arn:aws:securityhub:eu-west-1:123456789012:subscription/aws-foundational-security-best-practices/v/1.0.0",
            )
            .standards_status(StandardsStatus::Deleting)
            .build();
        let s = standard(&sub).expect("a standard");
        assert_eq!(s.status.as_deref(), Some("DELETING"));
        assert!(!s.in_force());
        assert_eq!(standard(&StandardsSubscription::builder().build()), None);
    }
}
