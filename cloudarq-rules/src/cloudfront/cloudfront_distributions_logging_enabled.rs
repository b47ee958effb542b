//! `cloudfront_distributions_logging_enabled`: every viewer request a
//! distribution serves is logged.
//!
//! CloudFront logs requests three ways, and any one that covers every
//! request passes: legacy standard logging to an S3 bucket
//! (`DistributionConfig.Logging`, enabled with a bucket); standard logging
//! v2, a CloudWatch Logs vended delivery of the distribution's
//! `ACCESS_LOGS` (to CloudWatch Logs, S3 or Firehose); or real-time logs,
//! but only when *every* cache behavior sends to a real-time log
//! configuration. The peer counts a real-time configuration on the default
//! behavior alone, which leaves the requests of every other path pattern
//! unlogged, and does not see logging v2, which AWS now offers first.
//!
//! When no mechanism shows logging and the standard logging or the vended
//! deliveries could not be read, the result is *not collected*.

use cloudarq_model::inventory::cloudfront::Distribution;
use cloudarq_model::rule::{Outcome, Remediation, Rule, RuleError, RuleMeta, Severity};
use cloudarq_model::{Collected, Properties, Resource, ResourceType, Service, Snapshot};
use serde_json::json;

use crate::controls::{cis7, fsbp, nist};

/// The log type of CloudFront's access logs as a vended-log source.
const ACCESS_LOGS: &str = "ACCESS_LOGS";

static META: RuleMeta = RuleMeta {
    id: "cloudfront_distributions_logging_enabled",
    title: "CloudFront distributions log every viewer request",
    severity: Severity::Medium,
    service: Service::CloudFront,
    resource_types: &[ResourceType::CloudFrontDistribution],
    rationale: "CloudFront access logs record each viewer request: time, client address, \
                path, status, TLS version and edge location. Without them there is no record \
                of who fetched what through the distribution, for incident response, abuse \
                investigation or spotting scans of the origin.",
    remediation: Remediation {
        cli: "# logging v2 (recommended): deliver the distribution's access logs to S3, \
              CloudWatch Logs or Firehose, in us-east-1\n\
              aws logs put-delivery-source --region us-east-1 --name <name> --log-type \
              ACCESS_LOGS --resource-arn arn:aws:cloudfront::<account>:distribution/<id>\n\
              aws logs put-delivery-destination --region us-east-1 --name <dest> \
              --delivery-destination-configuration destinationResourceArn=<bucket, log group \
              or stream ARN>\n\
              aws logs create-delivery --region us-east-1 --delivery-source-name <name> \
              --delivery-destination-arn <destination ARN>",
        console: "CloudFront console > Distributions > <distribution> > Logging > Add > \
                  choose Amazon S3, CloudWatch Logs or Amazon Data Firehose as the \
                  destination > Submit.",
        url: "https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/standard-logging.html",
    },
    controls: &[
        cis7("4.10"),
        fsbp("CloudFront.5"),
        nist("AU-12a"),
        nist("AU-12c"),
    ],
};

/// CloudFront distributions log every viewer request.
pub(crate) struct CloudfrontDistributionsLoggingEnabled;

impl Rule for CloudfrontDistributionsLoggingEnabled {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn evaluate(&self, resource: &Resource, _snapshot: &Snapshot) -> Result<Outcome, RuleError> {
        let Properties::CloudFrontDistribution(d) = &resource.properties else {
            return Ok(Outcome::not_applicable());
        };
        let id = &d.distribution_id;
        let legacy_bucket = match &d.standard_logging {
            Collected::Value(l) if l.enabled => l.bucket.as_deref(),
            _ => None,
        };
        let v2: Vec<&str> = match &d.log_deliveries {
            Collected::Value(ds) => ds
                .iter()
                .filter(|x| x.log_type == ACCESS_LOGS)
                .map(|x| x.destination_arn.as_deref().unwrap_or(&x.delivery_id))
                .collect(),
            Collected::NotCollected => Vec::new(),
        };
        let (realtime, behaviors) = realtime_coverage(d);
        let evidence = json!({
            "standard_logging_bucket": legacy_bucket,
            "access_log_deliveries": v2,
            "behaviors_with_realtime_logs": realtime,
            "behaviors": behaviors,
            "enabled": d.enabled,
        });
        let outcome = if let Some(bucket) = legacy_bucket {
            Outcome::pass(format!(
                "CloudFront distribution {id} logs requests to {bucket}"
            ))
        } else if let Some(dest) = v2.first() {
            Outcome::pass(format!(
                "CloudFront distribution {id} delivers its access logs to {dest}"
            ))
        } else if realtime == behaviors {
            Outcome::pass(format!(
                "CloudFront distribution {id} sends every cache behavior's requests to real-time logs"
            ))
        } else if !d.standard_logging.is_collected() {
            return Ok(Outcome::not_collected("standard_logging"));
        } else if !d.log_deliveries.is_collected() {
            return Ok(Outcome::not_collected("log_deliveries"));
        } else if realtime > 0 {
            Outcome::fail(format!(
                "CloudFront distribution {id} logs only {realtime} of its {behaviors} cache \
                 behaviors (real-time logs) and has no standard logging"
            ))
        } else {
            Outcome::fail(format!(
                "CloudFront distribution {id} does not log viewer requests"
            ))
        };
        Ok(outcome.with_evidence(evidence))
    }
}

/// How many cache behaviors send to real-time logs, of how many.
fn realtime_coverage(d: &Distribution) -> (usize, usize) {
    let mut with = 0;
    let mut all = 0;
    for b in d.behaviors() {
        all += 1;
        if b.realtime_log_config_arn.is_some() {
            with += 1;
        }
    }
    (with, all)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{eval, kind, message, resource, snapshot};

    const ARN: &str = "arn:aws:cloudfront::123456789012:distribution/E1ABC";
    const RT: &str = "arn:aws:cloudfront::123456789012:realtime-log-config/rt";

    fn outcome(
        logging: serde_json::Value,
        deliveries: serde_json::Value,
        rt: [bool; 2],
    ) -> Outcome {
        let arn_of = |on: bool| if on { json!(RT) } else { json!(null) };
        let r = resource(json!({"arn": ARN, "name": "E1ABC",
            "properties": {"AWS::CloudFront::Distribution": {
                "distribution_id": "E1ABC", "domain_name": "d1.cloudfront.net",
                "status": "Deployed", "enabled": true,
                "default_cache_behavior": {"target_origin_id": "o",
                    "viewer_protocol_policy": "https-only", "realtime_log_config_arn": arn_of(rt[0])},
                "cache_behaviors": [{"path_pattern": "/api/*", "target_origin_id": "o",
                    "viewer_protocol_policy": "https-only", "realtime_log_config_arn": arn_of(rt[1])}],
                "standard_logging": logging, "log_deliveries": deliveries}}}));
        eval(
            &CloudfrontDistributionsLoggingEnabled,
            &snapshot(vec![r]),
            ARN,
        )
    }

    fn off() -> serde_json::Value {
        json!({"value": {"enabled": false}})
    }

    #[test]
    fn any_mechanism_that_covers_every_request_passes() {
        let legacy = outcome(
            json!({"value": {"enabled": true, "bucket": "logs.s3.amazonaws.com"}}),
            json!({"value": []}),
            [false, false],
        );
        assert_eq!(kind(&legacy), "pass");
        assert_eq!(
            message(&legacy),
            "CloudFront distribution E1ABC logs requests to logs.s3.amazonaws.com"
        );
        let v2 = outcome(
            off(),
            json!({"value": [{"delivery_id": "d1", "delivery_source": "cf",
                "log_type": "ACCESS_LOGS", "destination_arn": "arn:aws:s3:::cf-logs"}]}),
            [false, false],
        );
        assert_eq!(kind(&v2), "pass");
        let rt = outcome(off(), json!({"value": []}), [true, true]);
        assert_eq!(kind(&rt), "pass");
    }

    #[test]
    fn partial_or_no_logging_fails() {
        // The peer passes this one: only the default behavior is logged.
        let partial = outcome(off(), json!({"value": []}), [true, false]);
        assert_eq!(kind(&partial), "fail");
        assert!(message(&partial).contains("only 1 of its 2 cache behaviors"));
        let none = outcome(off(), json!({"value": []}), [false, false]);
        assert_eq!(
            message(&none),
            "CloudFront distribution E1ABC does not log viewer requests"
        );
        // Enabled without a bucket, or a delivery of another log type, is
        // not request logging.
        let no_bucket = outcome(
            json!({"value": {"enabled": true}}),
            json!({"value": []}),
            [false, false],
        );
        assert_eq!(kind(&no_bucket), "fail");
        let other = outcome(
            off(),
            json!({"value": [{"delivery_id": "d1", "delivery_source": "cf", "log_type": "CONNECTION_LOGS"}]}),
            [false, false],
        );
        assert_eq!(kind(&other), "fail");
    }

    #[test]
    fn unread_logging_is_not_collected_unless_another_mechanism_shows_it() {
        let unread = outcome(json!("not_collected"), json!({"value": []}), [false, false]);
        assert_eq!(kind(&unread), "not_collected");
        let unread_v2 = outcome(off(), json!("not_collected"), [false, false]);
        assert_eq!(kind(&unread_v2), "not_collected");
        let rt = outcome(json!("not_collected"), json!("not_collected"), [true, true]);
        assert_eq!(kind(&rt), "pass");
    }
}
