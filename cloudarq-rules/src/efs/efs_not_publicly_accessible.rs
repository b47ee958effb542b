//! `efs_not_publicly_accessible`: the file system policy grants nothing to
//! everyone.
//!
//! "Public" is as for bucket and key policies (`kms_key_not_publicly_accessible`):
//! an Allow statement whose principal is every principal (`"*"`,
//! `{"AWS": "*"}` or a `NotPrincipal`) with no condition that pins the
//! caller to known accounts, organizations or networks. A file system
//! without a policy passes: EFS then lets in only clients that reach one of
//! its mount targets, inside its VPC, as the mount targets' security groups
//! allow (CloudArq does not collect mount targets). A policy that could not
//! be read is *not collected*; one that is not a valid policy document is an
//! ERROR.

use cloudarq_model::rule::{Outcome, Remediation, Rule, RuleError, RuleMeta, Severity};
use cloudarq_model::{Collected, Properties, Resource, ResourceType, Service, Snapshot};
use serde_json::json;

use crate::controls::nist;
use crate::policy::Document;

static META: RuleMeta = RuleMeta {
    id: "efs_not_publicly_accessible",
    title: "EFS file system policy does not grant access to every principal",
    severity: Severity::High,
    service: Service::Efs,
    resource_types: &[ResourceType::EfsFileSystem],
    rationale: "A file system policy decides which IAM principals may mount, read and write the \
                file system. A statement that allows \"Principal\": \"*\" without a condition \
                naming the callers lets any principal of any account that reaches a mount \
                target, or an access point shared with it, use the files.",
    remediation: Remediation {
        cli: "aws efs describe-file-system-policy --file-system-id <id> --query Policy --output \
              text > policy.json\n\
              # name the principals in the statements with Principal \"*\", or add a condition \
              such as aws:PrincipalOrgID or aws:SourceVpc\n\
              aws efs put-file-system-policy --file-system-id <id> --policy file://policy.json",
        console: "Amazon EFS console > File systems > <file system> > File system policy > \
                  Edit; replace \"Principal\": \"*\" with the accounts or roles that need the \
                  file system, or add a condition that limits the callers.",
        url: "https://docs.aws.amazon.com/efs/latest/ug/iam-access-control-nfs-efs.html",
    },
    controls: &[nist("AC-3")],
};

/// EFS file system policy does not grant access to every principal.
pub(crate) struct EfsNotPubliclyAccessible;

impl Rule for EfsNotPubliclyAccessible {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn evaluate(&self, resource: &Resource, _snapshot: &Snapshot) -> Result<Outcome, RuleError> {
        let Properties::EfsFileSystem(fs) = &resource.properties else {
            return Ok(Outcome::not_applicable());
        };
        if !fs.live() {
            return Ok(Outcome::not_applicable());
        }
        let id = &fs.file_system_id;
        let doc = match &fs.policy {
            Collected::NotCollected => return Ok(Outcome::not_collected("policy")),
            Collected::Value(None) => {
                return Ok(Outcome::pass(format!(
                    "EFS file system {id} has no file system policy"
                )));
            }
            Collected::Value(Some(v)) => Document::parse(v)
                .map_err(|e| RuleError(format!("policy of EFS file system {id}: {e}")))?,
        };
        let public: Vec<String> = doc.public_statements().iter().map(|s| s.label()).collect();
        let evidence = json!({"public_statements": public});
        Ok(if public.is_empty() {
            Outcome::pass(format!(
                "EFS file system {id} policy grants nothing to every principal"
            ))
        } else {
            Outcome::fail(format!(
                "EFS file system {id} policy allows every principal ({})",
                public.join(", ")
            ))
        }
        .with_evidence(evidence))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{eval, kind, resource, snapshot};

    const ARN: &str = "arn:aws:elasticfilesystem:eu-west-1:123456789012:file-system/fs-1";

    fn outcome(policy: serde_json::Value) -> Outcome {
        let r = resource(json!({"arn": ARN, "region": "eu-west-1", "name": "fs-1",
            "properties": {"AWS::EFS::FileSystem": {"file_system_id": "fs-1",
                "encrypted": true, "life_cycle_state": "available", "policy": policy}}}));
        eval(&EfsNotPubliclyAccessible, &snapshot(vec![r]), ARN)
    }

    fn allow(principal: serde_json::Value, condition: serde_json::Value) -> serde_json::Value {
        let mut st = json!({"Effect": "Allow", "Principal": principal,
            "Action": "elasticfilesystem:ClientMount", "Resource": "*"});
        if !condition.is_null() {
            st["Condition"] = condition;
        }
        json!({"value": {"Version": "2012-10-17", "Statement": [st]}})
    }

    #[test]
    fn everyone_without_a_condition_fails() {
        assert_eq!(kind(&outcome(allow(json!("*"), json!(null)))), "fail");
        assert_eq!(
            kind(&outcome(allow(json!({"AWS": "*"}), json!(null)))),
            "fail"
        );
    }

    #[test]
    fn named_principals_conditions_or_no_policy_pass() {
        let own = json!({"AWS": "arn:aws:iam::123456789012:root"});
        assert_eq!(kind(&outcome(allow(own, json!(null)))), "pass");
        let org = json!({"StringEquals": {"aws:PrincipalOrgID": "o-abc"}});
        assert_eq!(kind(&outcome(allow(json!("*"), org))), "pass");
        assert_eq!(kind(&outcome(json!({"value": null}))), "pass");
    }

    #[test]
    fn an_unread_policy_is_not_collected() {
        assert_eq!(kind(&outcome(json!("not_collected"))), "not_collected");
    }
}
