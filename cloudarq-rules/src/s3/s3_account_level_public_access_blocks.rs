//! `s3_account_level_public_access_blocks`: the account blocks public S3 access.

use cloudarq_model::rule::{Outcome, Remediation, Rule, RuleError, RuleMeta, Severity};
use cloudarq_model::{Properties, Resource, ResourceType, Service, Snapshot};
use serde_json::json;

use super::Bpa;
use crate::controls::{cis3, cis7, fsbp, nist};

/// All four account-level Block Public Access switches are on.
///
/// Prowler passes with `IgnorePublicAcls` and `RestrictPublicBuckets` alone,
/// the two switches that neutralize public access that already exists. CIS
/// 2.1.4 / 3.1.4 and FSBP S3.1 ask for all four, so this rule does too; with
/// only those two on it still fails, at low severity, since existing public
/// ACLs and policies are already neutralized.
pub(crate) struct S3AccountLevelPublicAccessBlocks;

static META: RuleMeta = RuleMeta {
    id: "s3_account_level_public_access_blocks",
    title: "S3 Block Public Access is fully enabled at the account level",
    severity: Severity::High,
    service: Service::S3,
    resource_types: &[ResourceType::S3AccountPublicAccessBlock],
    rationale: "Account-level Block Public Access overrides every bucket's ACLs and policies, so one \
        mistaken bucket policy or ACL cannot expose data to the internet.",
    remediation: Remediation {
        cli: "aws s3control put-public-access-block --account-id <account> \\\n\
              --public-access-block-configuration \\\n\
              BlockPublicAcls=true,IgnorePublicAcls=true,BlockPublicPolicy=true,RestrictPublicBuckets=true",
        console: "S3 > Block Public Access settings for this account > Edit > check Block all public \
                  access > Save changes.",
        url: "https://docs.aws.amazon.com/AmazonS3/latest/userguide/configuring-block-public-access-account.html",
    },
    controls: &[cis3("2.1.4"), cis7("3.1.4"), fsbp("S3.1"), nist("AC-3")],
};

impl Rule for S3AccountLevelPublicAccessBlocks {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn evaluate(&self, resource: &Resource, snapshot: &Snapshot) -> Result<Outcome, RuleError> {
        let Properties::S3AccountPublicAccessBlock(a) = &resource.properties else {
            return Ok(Outcome::not_applicable());
        };
        let id = snapshot.account_id.as_str();
        let Some(config) = a.configuration.value() else {
            return Ok(Outcome::not_collected("configuration"));
        };
        let bpa = Bpa::level(&a.configuration);
        let evidence = bpa.evidence();
        let Some(c) = config else {
            return Ok(Outcome::fail(format!(
                "account {id} has no account-level S3 Block Public Access"
            ))
            .with_evidence(evidence));
        };
        if c.all_enabled() {
            return Ok(Outcome::pass(format!(
                "account {id} blocks all public S3 access at the account level"
            ))
            .with_evidence(evidence));
        }
        let off: Vec<&str> = bpa
            .switches()
            .iter()
            .filter(|(_, v)| *v != Some(true))
            .map(|(k, _)| *k)
            .collect();
        let o = Outcome::fail(format!(
            "account {id} has account-level S3 Block Public Access with {} off",
            off.join(", ")
        ))
        .with_evidence(json!({"switches": evidence, "off": off}));
        Ok(if c.ignore_public_acls && c.restrict_public_buckets {
            o.with_severity(
                Severity::Low,
                "IgnorePublicAcls and RestrictPublicBuckets already neutralize public ACLs and policies",
            )
        } else {
            o
        })
    }
}
