//! `iam_support_role_created`: a role can manage AWS Support cases.

use cloudarq_model::rule::{Outcome, Remediation, Rule, RuleError, RuleMeta, Severity};
use cloudarq_model::{Resource, ResourceType, Service, Snapshot};

use super::role_with_aws_policy;
use crate::controls::{cis3, cis7, fsbp};

/// Some IAM role has the AWS-managed `AWSSupportAccess` policy attached.
///
/// Looks through the snapshot's roles. A PASS needs one such role; a FAIL
/// needs a complete role inventory: when a coverage gap touches role or
/// attachment listing, or `GetAccountSummary` counts more roles than the
/// snapshot holds, the outcome is *not collected* instead.
pub(crate) struct IamSupportRoleCreated;

static META: RuleMeta = RuleMeta {
    id: "iam_support_role_created",
    title: "An IAM role with AWSSupportAccess exists to manage incidents with AWS Support",
    severity: Severity::Low,
    service: Service::Iam,
    resource_types: &[ResourceType::IamAccount],
    rationale: "During an incident, the people who handle it need to open and follow AWS Support \
        cases. A dedicated role with AWSSupportAccess gives them that without broader permissions or \
        the root user.",
    remediation: Remediation {
        cli: "aws iam create-role --role-name aws-support-access \\\n\
              --assume-role-policy-document '{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":{\"AWS\":\"arn:aws:iam::<account>:root\"},\"Action\":\"sts:AssumeRole\"}]}'\n\
              aws iam attach-role-policy --role-name aws-support-access \\\n\
              --policy-arn arn:aws:iam::aws:policy/AWSSupportAccess",
        console: "IAM > Roles > Create role > AWS account (this account) > attach AWSSupportAccess > \
                  name it and create; let your incident responders assume it.",
        url: "https://docs.aws.amazon.com/awssupport/latest/user/accessing-support.html",
    },
    controls: &[cis3("1.17"), cis7("2.15"), fsbp("IAM.18")],
};

impl Rule for IamSupportRoleCreated {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn evaluate(&self, resource: &Resource, snapshot: &Snapshot) -> Result<Outcome, RuleError> {
        Ok(role_with_aws_policy(resource, snapshot, "AWSSupportAccess"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{eval, iam_gap, kind, message, resource, snapshot};
    use serde_json::json;

    const ACCOUNT: &str = "arn:aws:iam::123456789012:account";

    fn role(name: &str, policy: &str) -> Resource {
        resource(
            json!({"arn": format!("arn:aws:iam::123456789012:role/{name}"), "region": null, "name": name,
            "properties": {"AWS::IAM::Role": {"role_name": name, "role_id": "AROA1", "path": "/",
                "trust_policy": {"Statement": []},
                "attached_policies": [{"name": policy, "arn": format!("arn:aws:iam::aws:policy/{policy}")}]}}}),
        )
    }

    fn account() -> Resource {
        resource(
            json!({"arn": ACCOUNT, "region": null, "name": "123456789012",
            "properties": {"AWS::IAM::Account": {}}}),
        )
    }

    #[test]
    fn a_role_listing_gap_turns_a_fail_into_not_collected_but_not_a_pass() {
        let mut snap = snapshot(vec![account(), role("x", "ReadOnlyAccess")]);
        assert_eq!(kind(&eval(&IamSupportRoleCreated, &snap, ACCOUNT)), "fail");
        snap.gaps.push(iam_gap(
            "iam:ListAttachedRolePolicies",
            Some("arn:aws:iam::123456789012:role/y"),
        ));
        assert_eq!(
            kind(&eval(&IamSupportRoleCreated, &snap, ACCOUNT)),
            "not_collected"
        );
        snap.resources.insert(role("support", "AWSSupportAccess"));
        let o = eval(&IamSupportRoleCreated, &snap, ACCOUNT);
        assert_eq!(kind(&o), "pass");
        assert!(message(&o).ends_with(": support"), "{}", message(&o));
    }
}
