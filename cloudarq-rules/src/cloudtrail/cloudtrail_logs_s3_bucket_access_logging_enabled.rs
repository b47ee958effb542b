//! `cloudtrail_logs_s3_bucket_access_logging_enabled`: the bucket a trail
//! delivers to has S3 server access logging on.
//!
//! The bucket is looked up in the snapshot. A bucket that is not there
//! (it belongs to another account, such as a central logging account, or
//! S3 was not collected) is *not collected*, never a FAIL: this scan cannot
//! see its settings. The peer passes such trails with a note; a scan of the
//! bucket's own account judges it.

use cloudarq_model::rule::{Outcome, Remediation, Rule, RuleError, RuleMeta, Severity};
use cloudarq_model::{Arn, Collected, Properties, Resource, ResourceType, Service, Snapshot};
use serde_json::json;

use super::trail;
use crate::controls::{cis3, cis7, fsbp};

static META: RuleMeta = RuleMeta {
    id: "cloudtrail_logs_s3_bucket_access_logging_enabled",
    title: "The S3 bucket a CloudTrail trail delivers to has server access logging enabled",
    severity: Severity::Medium,
    service: Service::Cloudtrail,
    resource_types: &[ResourceType::CloudTrailTrail],
    rationale: "Access logs of the trail's bucket record every request to the log files \
                themselves: who read the account's activity record, and who tried to change \
                or delete it.",
    remediation: Remediation {
        cli: "aws s3api put-bucket-logging --bucket <trail-bucket> --bucket-logging-status \\\n\
              '{\"LoggingEnabled\":{\"TargetBucket\":\"<log-bucket>\",\"TargetPrefix\":\"<prefix>/\"}}'",
        console: "S3 > <trail bucket> > Properties > Server access logging > Edit > Enable, \
                  choose a target bucket > Save changes.",
        url: "https://docs.aws.amazon.com/AmazonS3/latest/userguide/enable-server-access-logging.html",
    },
    controls: &[cis3("3.4"), cis7("4.4"), fsbp("CloudTrail.7")],
};

/// The trail's bucket logs access to it.
pub(crate) struct CloudtrailLogsS3BucketAccessLoggingEnabled;

impl Rule for CloudtrailLogsS3BucketAccessLoggingEnabled {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn evaluate(&self, resource: &Resource, snapshot: &Snapshot) -> Result<Outcome, RuleError> {
        let Some(t) = trail(resource) else {
            return Ok(Outcome::not_applicable());
        };
        if resource.arn.account() != snapshot.account_id.as_str() {
            return Ok(Outcome::not_applicable());
        }
        let Some(bucket) = t.s3_bucket.as_deref().filter(|b| !b.is_empty()) else {
            return Ok(Outcome::not_collected("s3_bucket"));
        };
        let arn = Arn::build(&snapshot.partition, "s3", None, None, bucket).ok();
        let found = arn
            .as_ref()
            .and_then(|a| snapshot.resources.get(a))
            .and_then(|r| match &r.properties {
                Properties::S3Bucket(b) => Some(b),
                _ => None,
            });
        let Some(b) = found else {
            return Ok(Outcome::not_collected("s3_bucket")
                .with_evidence(json!({"bucket": bucket, "reason": "the bucket is not in this scan (another account, or S3 not collected)"})));
        };
        let logging = match &b.logging {
            Collected::NotCollected => return Ok(Outcome::not_collected("logging")),
            Collected::Value(l) => l,
        };
        Ok(Outcome::check(
            logging.is_some(),
            format!("the bucket {bucket} of trail {} logs access to it", t.name),
            format!(
                "the bucket {bucket} of trail {} has server access logging off",
                t.name
            ),
        )
        .with_evidence(
            json!({"bucket": bucket, "target_bucket": logging.as_ref().map(|l| &l.target_bucket)}),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{eval, kind, monitoring_snapshot, resource, trail};

    const ARN: &str = "arn:aws:cloudtrail:eu-west-1:123456789012:trail/main";

    fn bucket(logging: serde_json::Value) -> Resource {
        resource(
            json!({"arn": "arn:aws:s3:::trail-bucket", "region": "eu-west-1",
            "name": "trail-bucket", "properties": {"AWS::S3::Bucket": {"name": "trail-bucket",
            "logging": logging}}}),
        )
    }

    fn verdict(resources: Vec<Resource>) -> &'static str {
        kind(&eval(
            &CloudtrailLogsS3BucketAccessLoggingEnabled,
            &monitoring_snapshot(resources),
            ARN,
        ))
    }

    #[test]
    fn the_bucket_decides_and_an_unseen_bucket_is_not_collected() {
        let on = json!({"value": {"target_bucket": "logs", "target_prefix": "ct/"}});
        assert_eq!(verdict(vec![trail("main", json!({})), bucket(on)]), "pass");
        assert_eq!(
            verdict(vec![
                trail("main", json!({})),
                bucket(json!({"value": null}))
            ]),
            "fail"
        );
        assert_eq!(
            verdict(vec![
                trail("main", json!({})),
                bucket(json!("not_collected"))
            ]),
            "not_collected"
        );
        assert_eq!(verdict(vec![trail("main", json!({}))]), "not_collected");
    }
}
