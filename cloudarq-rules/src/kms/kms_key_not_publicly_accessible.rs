//! `kms_key_not_publicly_accessible`: the key policy grants nothing to
//! everyone.
//!
//! "Public" is as for bucket policies (`s3_bucket_public_access`): an Allow
//! statement whose principal is every principal (`"*"`, `{"AWS": "*"}` or a
//! `NotPrincipal`) with no condition that pins the caller to known accounts,
//! organizations or networks (`kms:CallerAccount`, `aws:PrincipalOrgID`,
//! `aws:SourceVpce`, …). Any action counts: even `kms:DescribeKey` to
//! everyone tells the world the key exists, and `kms:Decrypt` or
//! `kms:PutKeyPolicy` hands it over. A key policy that could not be read is
//! *not collected*; one that is not a valid policy document is an ERROR.

use cloudarq_model::rule::{Outcome, Remediation, Rule, RuleError, RuleMeta, Severity};
use cloudarq_model::{Collected, Resource, ResourceType, Service, Snapshot};
use serde_json::json;

use super::key;
use crate::controls::{cis7, fsbp, nist};
use crate::policy::Document;

static META: RuleMeta = RuleMeta {
    id: "kms_key_not_publicly_accessible",
    title: "KMS key policy does not grant access to every principal",
    severity: Severity::Critical,
    service: Service::Kms,
    resource_types: &[ResourceType::KmsKey],
    rationale: "A key policy is the key's first line of access control: a statement that allows \
                \"Principal\": \"*\" without a condition naming the callers lets any AWS account \
                use the key, and so decrypt what it protects, or even change its policy or \
                schedule its deletion, with IAM in the owning account unable to stop it.",
    remediation: Remediation {
        cli: "aws kms get-key-policy --key-id <key-id> --policy-name default --query Policy \
              --output text > policy.json\n\
              # name the principals in the statements with Principal \"*\", or add a condition \
              such as kms:CallerAccount or aws:PrincipalOrgID\n\
              aws kms put-key-policy --key-id <key-id> --policy-name default --policy file://policy.json",
        console: "KMS console > Customer managed keys > <key> > Key policy > Switch to policy \
                  view > Edit; replace \"Principal\": \"*\" with the accounts or roles that need \
                  the key, or add a condition that limits the callers.",
        url: "https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-overview.html",
    },
    controls: &[cis7("2.21"), fsbp("KMS.5"), nist("AC-3")],
};

/// KMS key policy does not grant access to every principal.
pub(crate) struct KmsKeyNotPubliclyAccessible;

impl Rule for KmsKeyNotPubliclyAccessible {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn evaluate(&self, resource: &Resource, _snapshot: &Snapshot) -> Result<Outcome, RuleError> {
        let Some(k) = key(resource) else {
            return Ok(Outcome::not_applicable());
        };
        let id = &k.key_id;
        let doc = match &k.policy {
            Collected::NotCollected => return Ok(Outcome::not_collected("policy")),
            Collected::Value(None) => {
                return Ok(Outcome::pass(format!("KMS key {id} has no key policy")));
            }
            Collected::Value(Some(v)) => {
                Document::parse(v).map_err(|e| RuleError(format!("policy of KMS key {id}: {e}")))?
            }
        };
        let public: Vec<String> = doc.public_statements().iter().map(|s| s.label()).collect();
        let evidence = json!({"public_statements": public});
        Ok(if public.is_empty() {
            Outcome::pass(format!(
                "KMS key {id} policy grants nothing to every principal"
            ))
        } else {
            Outcome::fail(format!(
                "KMS key {id} policy allows every principal ({})",
                public.join(", ")
            ))
        }
        .with_evidence(evidence))
    }
}

#[cfg(test)]
#[allow(
    clippy::unwrap_used,
    reason = "a test that unwraps fails loudly, which is the point"
)]
mod tests {
    use super::*;
    use crate::testing::{eval, kind, message, resource, snapshot};

    const ARN: &str = "arn:aws:kms:eu-west-1:123456789012:key/k-1";

    fn key_with(policy: serde_json::Value) -> Resource {
        resource(json!({"arn": ARN, "region": "eu-west-1", "name": "k-1",
            "properties": {"AWS::KMS::Key": {"key_id": "k-1", "policy": policy}}}))
    }

    fn outcome(policy: serde_json::Value) -> Outcome {
        eval(
            &KmsKeyNotPubliclyAccessible,
            &snapshot(vec![key_with(policy)]),
            ARN,
        )
    }

    fn statement(principal: serde_json::Value, condition: serde_json::Value) -> serde_json::Value {
        json!({"value": {"Version": "2012-10-17", "Statement": [
            {"Sid": "Owner", "Effect": "Allow",
             "Principal": {"AWS": "arn:aws:iam::123456789012:root"},
             "Action": "kms:*", "Resource": "*"},
            {"Sid": "Shared", "Effect": "Allow", "Principal": principal,
             "Action": ["kms:Decrypt", "kms:DescribeKey"], "Resource": "*",
             "Condition": condition}]}})
    }

    #[test]
    fn a_star_principal_without_a_narrowing_condition_fails() {
        for principal in [json!("*"), json!({"AWS": "*"}), json!({"AWS": ["*"]})] {
            let o = outcome(statement(principal, json!({})));
            assert_eq!(kind(&o), "fail");
            assert_eq!(
                message(&o),
                "KMS key k-1 policy allows every principal (Shared)"
            );
        }
        // A condition that does not pin the caller leaves it public.
        let o = outcome(statement(
            json!("*"),
            json!({"StringEquals": {"kms:ViaService": "s3.eu-west-1.amazonaws.com"}}),
        ));
        assert_eq!(kind(&o), "fail");
        let o = outcome(statement(
            json!("*"),
            json!({"StringNotEquals": {"kms:CallerAccount": "123456789012"}}),
        ));
        assert_eq!(kind(&o), "fail");
    }

    #[test]
    fn named_principals_and_pinned_callers_pass() {
        let o = outcome(statement(
            json!({"AWS": "arn:aws:iam::210987654321:root"}),
            json!({}),
        ));
        assert_eq!(kind(&o), "pass");
        for key in [
            "kms:CallerAccount",
            "aws:PrincipalOrgID",
            "aws:PrincipalAccount",
        ] {
            let o = outcome(statement(
                json!("*"),
                json!({"StringEquals": {key: "123456789012"}}),
            ));
            assert_eq!(kind(&o), "pass", "{key}");
        }
        assert_eq!(kind(&outcome(json!({"value": null}))), "pass");
    }

    #[test]
    fn an_unread_policy_is_not_collected_and_a_broken_one_an_error() {
        assert_eq!(kind(&outcome(json!("not_collected"))), "not_collected");
        let snap = snapshot(vec![key_with(json!({"value": "{not json"}))]);
        let r = snap.resources.get(&ARN.parse().unwrap()).unwrap();
        let e = KmsKeyNotPubliclyAccessible
            .evaluate(r, &snap)
            .expect_err("a broken policy is an error");
        assert!(
            e.0.starts_with("policy of KMS key k-1: policy document is a string but not JSON"),
            "{e}"
        );
    }
}
