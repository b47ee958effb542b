//! Collectors (C1): one per service. A collector lists its calls (through
//! [`AwsContext`]) and maps responses into typed resources; pacing, retries,
//! paging and gap recording live in `aws/`.

mod cloudtrail;
mod cloudwatch;
mod ec2;
mod iam;
mod kms;
mod organizations;
mod rds;
mod s3;
mod sns;
mod util;

mod accessanalyzer;
mod config;
mod securityhub;

mod account;
mod efs;
mod macie;

mod backup;
mod ssm;

mod apigateway;
mod cloudfront;
mod elbv2;

use cloudarq_model::{Region, Resource, Service};
use futures::StreamExt;

use crate::aws::AwsContext;
use crate::progress::{Progress, ProgressEvent};

/// One independent piece of a scan.
#[derive(Clone, Debug)]
enum Unit {
    Iam,
    S3,
    Ec2(Region),
    Rds(Region),
    Kms(Region),
    CloudTrailAccount,
    CloudTrail(Region),
    CloudWatchAccount,
    CloudWatch(Region),
    Sns(Region),
    Config(Region),
    SecurityHub(Region),
    AccessAnalyzer(Region),
    Organizations,
    Efs(Region),
    Macie(Region),
    Account,
    Backup(Region),
    Ssm(Region),
    CloudFront,
    Elbv2(Region),
    ApiGateway(Region),
}

/// Runs every selected collector over every region, with bounded concurrency.
pub(crate) async fn run(
    ctx: &AwsContext,
    regions: &[Region],
    services: &[Service],
    progress: &Progress,
) -> Vec<Resource> {
    let mut units = Vec::new();
    for service in services {
        match service {
            Service::Iam => units.push(Unit::Iam),
            Service::S3 => units.push(Unit::S3),
            Service::Ec2 => units.extend(regions.iter().cloned().map(Unit::Ec2)),
            Service::Rds => units.extend(regions.iter().cloned().map(Unit::Rds)),
            Service::Kms => units.extend(regions.iter().cloned().map(Unit::Kms)),
            Service::Cloudtrail => {
                units.push(Unit::CloudTrailAccount);
                units.extend(regions.iter().cloned().map(Unit::CloudTrail));
            }
            Service::Cloudwatch => {
                units.push(Unit::CloudWatchAccount);
                units.extend(regions.iter().cloned().map(Unit::CloudWatch));
            }
            Service::Sns => units.extend(regions.iter().cloned().map(Unit::Sns)),
            Service::Config => units.extend(regions.iter().cloned().map(Unit::Config)),
            Service::SecurityHub => units.extend(regions.iter().cloned().map(Unit::SecurityHub)),
            Service::AccessAnalyzer => {
                units.extend(regions.iter().cloned().map(Unit::AccessAnalyzer));
            }
            Service::Organizations => units.push(Unit::Organizations),
            Service::Efs => units.extend(regions.iter().cloned().map(Unit::Efs)),
            Service::Macie => units.extend(regions.iter().cloned().map(Unit::Macie)),
            Service::Account => units.push(Unit::Account),
            Service::Backup => units.extend(regions.iter().cloned().map(Unit::Backup)),
            Service::Ssm => units.extend(regions.iter().cloned().map(Unit::Ssm)),
            Service::CloudFront => units.push(Unit::CloudFront),
            Service::Elbv2 => units.extend(regions.iter().cloned().map(Unit::Elbv2)),
            Service::ApiGateway => units.extend(regions.iter().cloned().map(Unit::ApiGateway)),
            other => tracing::warn!(service = %other, "no collector for this service"),
        }
    }
    progress.emit(ProgressEvent::Planned { units: units.len() });
    let per_unit: Vec<Vec<Resource>> = futures::stream::iter(units)
        .map(|unit| async move {
            let (service, region) = match &unit {
                Unit::Iam => (Service::Iam, None),
                Unit::S3 => (Service::S3, None),
                Unit::Ec2(r) => (Service::Ec2, Some(r.clone())),
                Unit::Rds(r) => (Service::Rds, Some(r.clone())),
                Unit::Kms(r) => (Service::Kms, Some(r.clone())),
                Unit::CloudTrailAccount => (Service::Cloudtrail, None),
                Unit::CloudTrail(r) => (Service::Cloudtrail, Some(r.clone())),
                Unit::CloudWatchAccount => (Service::Cloudwatch, None),
                Unit::CloudWatch(r) => (Service::Cloudwatch, Some(r.clone())),
                Unit::Sns(r) => (Service::Sns, Some(r.clone())),
                Unit::Config(r) => (Service::Config, Some(r.clone())),
                Unit::SecurityHub(r) => (Service::SecurityHub, Some(r.clone())),
                Unit::AccessAnalyzer(r) => (Service::AccessAnalyzer, Some(r.clone())),
                Unit::Organizations => (Service::Organizations, None),
                Unit::Efs(r) => (Service::Efs, Some(r.clone())),
                Unit::Macie(r) => (Service::Macie, Some(r.clone())),
                Unit::Account => (Service::Account, None),
                Unit::Backup(r) => (Service::Backup, Some(r.clone())),
                Unit::Ssm(r) => (Service::Ssm, Some(r.clone())),
                Unit::CloudFront => (Service::CloudFront, None),
                Unit::Elbv2(r) => (Service::Elbv2, Some(r.clone())),
                Unit::ApiGateway(r) => (Service::ApiGateway, Some(r.clone())),
            };
            let found = match unit {
                Unit::Iam => iam::collect(ctx).await,
                Unit::S3 => s3::collect(ctx, regions).await,
                Unit::Ec2(r) => ec2::collect(ctx, &r).await,
                Unit::Rds(r) => rds::collect(ctx, &r).await,
                Unit::Kms(r) => kms::collect(ctx, &r).await,
                Unit::CloudTrailAccount => cloudtrail::account(ctx),
                Unit::CloudTrail(r) => cloudtrail::collect(ctx, &r, regions).await,
                Unit::CloudWatchAccount => cloudwatch::account(ctx),
                Unit::CloudWatch(r) => cloudwatch::collect(ctx, &r).await,
                Unit::Sns(r) => sns::collect(ctx, &r).await,
                Unit::Config(r) => config::collect(ctx, &r).await,
                Unit::SecurityHub(r) => securityhub::collect(ctx, &r).await,
                Unit::AccessAnalyzer(r) => accessanalyzer::collect(ctx, &r).await,
                Unit::Organizations => organizations::collect(ctx).await,
                Unit::Efs(r) => efs::collect(ctx, &r).await,
                Unit::Macie(r) => macie::collect(ctx, &r).await,
                Unit::Account => account::collect(ctx).await,
                Unit::Backup(r) => backup::collect(ctx, &r).await,
                Unit::Ssm(r) => ssm::collect(ctx, &r).await,
                Unit::CloudFront => cloudfront::collect(ctx).await,
                Unit::Elbv2(r) => elbv2::collect(ctx, &r).await,
                Unit::ApiGateway(r) => apigateway::collect(ctx, &r).await,
            };
            progress.emit(ProgressEvent::Collected {
                service,
                region,
                resources: found.len(),
            });
            found
        })
        .buffer_unordered(ctx.concurrency())
        .collect()
        .await;
    per_unit.into_iter().flatten().collect()
}
