//! CloudArq's built-in rule pack: one file per rule, named by its id, with
//! its [`RuleMeta`](cloudarq_model::rule::RuleMeta) beside its logic.
//!
//! [`all`] is the one explicit list of built-in rules; [`by_id`] finds one.
//! [`frameworks`] holds the compliance frameworks (CIS AWS Foundations v3.0 and
//! v7.0, AWS Foundational Security Best Practices, NIST SP 800-53 Rev. 5) that
//! map controls to rules.
//!
//! ```
//! let rules = cloudarq_rules::all();
//! for rule in &rules {
//!     assert!(cloudarq_rules::by_id(rule.meta().id).is_some());
//! }
//! ```
#![warn(missing_docs)]
#![forbid(unsafe_code)]

mod cloudtrail;
pub mod cloudwatch;
mod controls;
mod ec2;
pub mod frameworks;
pub mod golden;
mod iam;
mod kms;
mod organizations;
mod policy;
mod rds;
mod related;
mod s3;
#[cfg(test)]
mod testing;

mod accessanalyzer;
mod backup;
mod config;
mod securityhub;

mod account;
mod efs;
mod macie;

mod apigateway;
mod cloudfront;
mod elbv2;

use cloudarq_model::rule::Rule;

/// Whether an IAM policy document allows some action of `service` (a
/// namespace such as `bedrock`) on some resource, as the rules' policy
/// engine reads it: a wildcard or a `NotAction` that leaves the service in
/// counts. `None` when the document does not parse as a policy. The IAM
/// collector uses it to choose whose service last accessed data to ask for.
///
/// ```
/// let doc = serde_json::json!({"Statement": [
///     {"Effect": "Allow", "Action": "bedrock:Invoke*", "Resource": "*"}]});
/// assert_eq!(cloudarq_rules::policy_allows_service(&doc, "bedrock"), Some(true));
/// assert_eq!(cloudarq_rules::policy_allows_service(&doc, "sagemaker"), Some(false));
/// ```
pub fn policy_allows_service(document: &serde_json::Value, service: &str) -> Option<bool> {
    policy::Document::parse(document)
        .ok()
        .map(|d| d.allows_some_action_of(service))
}

/// Every built-in rule: IAM, S3, EC2, RDS, KMS, CloudTrail, CloudWatch, then
/// AWS Config, Security Hub, IAM Access Analyzer, Organizations, EFS, Macie,
/// Account Management, CloudFront, ELBv2 and API Gateway, each service in id
/// order.
pub fn all() -> Vec<&'static dyn Rule> {
    iam::RULES
        .iter()
        .chain(s3::RULES)
        .chain(ec2::RULES)
        .chain(rds::RULES)
        .chain(kms::RULES)
        .chain(cloudtrail::RULES)
        .chain(cloudwatch::RULES)
        .chain(config::RULES)
        .chain(securityhub::RULES)
        .chain(accessanalyzer::RULES)
        .chain(organizations::RULES)
        .chain(efs::RULES)
        .chain(macie::RULES)
        .chain(account::RULES)
        .chain(cloudfront::RULES)
        .chain(elbv2::RULES)
        .chain(apigateway::RULES)
        .copied()
        .collect()
}

/// The built-in rule with this id.
pub fn by_id(id: &str) -> Option<&'static dyn Rule> {
    all().into_iter().find(|r| r.meta().id == id)
}
