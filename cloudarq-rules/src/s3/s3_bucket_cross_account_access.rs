//! `s3_bucket_cross_account_access`: the bucket policy grants nothing to other accounts.

use cloudarq_model::rule::{Outcome, Remediation, Rule, RuleError, RuleMeta, Severity};
use cloudarq_model::{Resource, ResourceType, Service, Snapshot};
use serde_json::json;

use super::{Bpa, BucketPolicy, bucket};
use crate::controls::fsbp;

/// No Allow statement of the bucket policy grants access to a principal of
/// another AWS account.
///
/// Named principals (account ids or IAM ARNs) of other accounts fail. A
/// wildcard principal fails unless a condition pins the caller to this
/// account (`aws:PrincipalAccount`, `aws:SourceAccount`, `aws:PrincipalArn`);
/// a wildcard narrowed by, say, `aws:PrincipalOrgID` still lets the
/// organization's other accounts in. A wildcard with no narrowing condition
/// is a public policy, which `RestrictPublicBuckets` limits to this account:
/// that passes, and says so. AWS service principals are not accounts and
/// are ignored.
pub(crate) struct S3BucketCrossAccountAccess;

static META: RuleMeta = RuleMeta {
    id: "s3_bucket_cross_account_access",
    title: "S3 bucket policy does not grant access to other AWS accounts",
    severity: Severity::High,
    service: Service::S3,
    resource_types: &[ResourceType::S3Bucket],
    rationale: "Access granted to another account is governed by that account's IAM, which you do not \
        control or audit. Cross-account grants should be deliberate, few and reviewed.",
    remediation: Remediation {
        cli: "aws s3api get-bucket-policy --bucket <bucket> --query Policy --output text > policy.json\n\
              # remove principals of other accounts, or pin them with aws:PrincipalAccount\n\
              aws s3api put-bucket-policy --bucket <bucket> --policy file://policy.json",
        console: "S3 > Buckets > <bucket> > Permissions > Bucket policy > Edit; remove or justify each \
                  statement whose Principal is another account. IAM Access Analyzer lists external \
                  access for review.",
        url: "https://docs.aws.amazon.com/AmazonS3/latest/userguide/example-walkthroughs-managing-access-example2.html",
    },
    controls: &[fsbp("S3.6")],
};

impl Rule for S3BucketCrossAccountAccess {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn evaluate(&self, resource: &Resource, snapshot: &Snapshot) -> Result<Outcome, RuleError> {
        let Some(b) = bucket(resource) else {
            return Ok(Outcome::not_applicable());
        };
        let doc = match BucketPolicy::of(b)? {
            BucketPolicy::NotCollected => return Ok(Outcome::not_collected("policy")),
            BucketPolicy::Absent => {
                return Ok(Outcome::pass(format!(
                    "bucket {} has no bucket policy",
                    b.name
                )));
            }
            BucketPolicy::Present(d) => d,
        };
        let x = doc.cross_account_access(snapshot.account_id.as_str());
        let restrict = Bpa::effective(b, snapshot).restrict_public_buckets;
        let evidence = json!({
            "other_accounts": x.accounts,
            "narrowed_wildcard_statements": x.narrowed_wildcard,
            "public_wildcard_statements": x.public_wildcard,
            "restrict_public_buckets": restrict,
        });
        let mut grants = Vec::new();
        if !x.accounts.is_empty() {
            grants.push(format!("accounts {}", x.accounts.join(", ")));
        }
        if !x.narrowed_wildcard.is_empty() {
            grants.push(format!(
                "a wildcard principal not pinned to this account (statement {})",
                x.narrowed_wildcard.join(", ")
            ));
        }
        if !grants.is_empty() {
            return Ok(Outcome::fail(format!(
                "bucket {} policy grants access to {}",
                b.name,
                grants.join(" and ")
            ))
            .with_evidence(evidence));
        }
        if x.public_wildcard.is_empty() {
            return Ok(Outcome::pass(format!(
                "bucket {} policy grants no access to other accounts",
                b.name
            ))
            .with_evidence(evidence));
        }
        Ok(match restrict {
            Some(false) => Outcome::fail(format!(
                "bucket {} policy grants access to principals of any account (statement {})",
                b.name,
                x.public_wildcard.join(", ")
            )),
            Some(true) => Outcome::pass(format!(
                "bucket {} policy has a public statement, but RestrictPublicBuckets limits it to this account",
                b.name
            )),
            None => Outcome::not_collected("public_access_block"),
        }
        .with_evidence(evidence))
    }
}
