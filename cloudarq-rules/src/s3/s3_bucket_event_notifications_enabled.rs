//! `s3_bucket_event_notifications_enabled`: the bucket sends event
//! notifications somewhere (FSBP S3.11).
//!
//! Any SNS topic, SQS queue or Lambda function configuration, or delivery
//! to Amazon EventBridge, passes; none FAILs. A notification configuration
//! that was not read is *not collected*.

use cloudarq_model::rule::{Outcome, Remediation, Rule, RuleError, RuleMeta, Severity};
use cloudarq_model::{Collected, Resource, ResourceType, Service, Snapshot};
use serde_json::json;

use super::{bucket, management};
use crate::controls::fsbp;

static META: RuleMeta = RuleMeta {
    id: "s3_bucket_event_notifications_enabled",
    title: "S3 bucket has event notifications enabled",
    severity: Severity::Low,
    service: Service::S3,
    resource_types: &[ResourceType::S3Bucket],
    rationale: "Event notifications let the owner see objects created, deleted or restored as \
                it happens, so an unexpected deletion or a mass overwrite is noticed in \
                minutes rather than found later.",
    remediation: Remediation {
        cli: "aws s3api put-bucket-notification-configuration --bucket <bucket> \
              --notification-configuration '{\"EventBridgeConfiguration\": {}}'",
        console: "S3 > Buckets > <bucket> > Properties > Event notifications > Create event \
                  notification (or Amazon EventBridge > Edit > On) > Save changes.",
        url: "https://docs.aws.amazon.com/AmazonS3/latest/userguide/EventNotifications.html",
    },
    controls: &[fsbp("S3.11")],
};

/// S3 bucket has event notifications enabled.
pub(crate) struct S3BucketEventNotificationsEnabled;

impl Rule for S3BucketEventNotificationsEnabled {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn evaluate(&self, resource: &Resource, snapshot: &Snapshot) -> Result<Outcome, RuleError> {
        let Some(b) = bucket(resource) else {
            return Ok(Outcome::not_applicable());
        };
        let m = match management::of(b, snapshot) {
            Ok(m) => m,
            Err(outcome) => return Ok(outcome),
        };
        let Collected::Value(n) = &m.notifications else {
            return Ok(Outcome::not_collected("notifications"));
        };
        Ok(Outcome::check(
            n.any(),
            format!("bucket {} sends event notifications", b.name),
            format!("bucket {} has no event notifications", b.name),
        )
        .with_evidence(json!({
            "topics": n.topics, "queues": n.queues,
            "lambda_functions": n.lambda_functions, "eventbridge": n.eventbridge,
        })))
    }
}
