//! IAM Access Analyzer collector: one `AWS::AccessAnalyzer::RegionSettings`
//! per region, with the region's analyzers of every type.
//!
//! Calls per region: `ListAnalyzers` per page of 100 (no type filter, so
//! unused-access and internal-access analyzers are listed too).

use aws_sdk_accessanalyzer::types::AnalyzerSummary;
use cloudarq_model::inventory::accessanalyzer::{AccessAnalyzerRegionSettings, Analyzer};
use cloudarq_model::{Arn, Collected, Properties, Region, Resource, Service};

use crate::aws::{Action, AwsContext};
use crate::collect::util::ts;

/// Analyzers per `ListAnalyzers` page.
const PAGE_SIZE: i32 = 100;

/// Collects the analyzers of one region: always one resource.
pub(crate) async fn collect(ctx: &AwsContext, region: &Region) -> Vec<Resource> {
    let Ok(arn) = Arn::account_setting(
        ctx.partition(),
        Service::AccessAnalyzer.arn_namespace(),
        Some(region),
        ctx.account_id(),
    ) else {
        tracing::warn!(
            region = region.as_str(),
            "no access analyzer settings ARN; skipped"
        );
        return Vec::new();
    };
    let client = ctx.accessanalyzer(region);
    let stream = client
        .list_analyzers()
        .max_results(PAGE_SIZE)
        .into_paginator()
        .send();
    let paged = ctx
        .paginate(Action::AccessAnalyzerListAnalyzers, Some(region), stream)
        .await;
    // A listing that stopped early would pass for "no analyzer": unknown.
    let analyzers = match paged.error {
        Some(_) => Collected::NotCollected,
        None => Collected::Value(
            paged
                .pages
                .iter()
                .flat_map(|p| p.analyzers())
                .map(analyzer)
                .collect(),
        ),
    };
    vec![Resource {
        arn,
        region: Some(region.clone()),
        name: ctx.account_id().to_string(),
        tags: Default::default(),
        properties: Properties::AccessAnalyzerRegionSettings(Box::new(
            AccessAnalyzerRegionSettings { analyzers },
        )),
    }]
}

fn analyzer(a: &AnalyzerSummary) -> Analyzer {
    Analyzer {
        name: a.name().to_owned(),
        arn: Some(a.arn()).filter(|s| !s.is_empty()).map(str::to_owned),
        analyzer_type: a.r#type().as_str().to_owned(),
        status: a.status().as_str().to_owned(),
        status_reason: a.status_reason().map(|r| r.code().as_str().to_owned()),
        created: ts(a.created_at()),
    }
}

#[cfg(test)]
mod tests {
    use aws_sdk_accessanalyzer::types::{AnalyzerStatus, ReasonCode, StatusReason, Type};

    use super::*;

    #[test]
    fn analyzers_keep_their_type_and_status() {
        let summary = AnalyzerSummary::builder()
            .arn("arn:aws:access-analyzer:eu-west-1:123456789012:analyzer/org")
            .name("org")
            .r#type(Type::Organization)
            .status(AnalyzerStatus::Disabled)
            .status_reason(
                StatusReason::builder()
                    .code(ReasonCode::OrganizationDeleted)
                    .build()
                    .expect("a code is set"),
            )
            .created_at(aws_smithy_types::DateTime::from_secs(1_800_000_000))
            .build()
            .expect("every required field is set");
        let a = analyzer(&summary);
        assert_eq!(a.name, "org");
        assert_eq!(a.analyzer_type, "ORGANIZATION");
        assert_eq!(a.status, "DISABLED");
        assert_eq!(a.status_reason.as_deref(), Some("ORGANIZATION_DELETED"));
        assert!(a.external_access() && !a.active());
        assert_eq!(
            a.created.map(|t| t.to_string()).as_deref(),
            Some("2027-01-15T08:00:00Z")
        );

        let unused = AnalyzerSummary::builder()
            .arn("arn:aws:access-analyzer:eu-west-1:123456789012:analyzer/unused")
            .name("unused")
            .r#type(Type::AccountUnusedAccess)
            .status(AnalyzerStatus::Active)
            .created_at(aws_smithy_types::DateTime::from_secs(1_800_000_000))
            .build()
            .expect("every required field is set");
        let u = analyzer(&unused);
        assert!(u.active() && !u.external_access());
    }
}
