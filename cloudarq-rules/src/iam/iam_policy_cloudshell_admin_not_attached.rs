//! `iam_policy_cloudshell_admin_not_attached`: AWSCloudShellFullAccess is not attached.

use cloudarq_model::rule::{Outcome, Remediation, Rule, RuleError, RuleMeta, Severity};
use cloudarq_model::{Resource, ResourceType, Service, Snapshot};
use serde_json::json;

use super::{Listing, Principal, find_aws_policy, not_collected_by_gap};
use crate::controls::{cis3, cis7, fsbp};

/// The user, group or role does not have the AWS-managed
/// `AWSCloudShellFullAccess` policy attached.
///
/// Evaluated per principal (Prowler reports it once, on the policy), so the
/// finding names who holds the policy.
pub(crate) struct IamPolicyCloudshellAdminNotAttached;

const CLOUDSHELL_FULL_ACCESS: &str = "AWSCloudShellFullAccess";

static META: RuleMeta = RuleMeta {
    id: "iam_policy_cloudshell_admin_not_attached",
    title: "IAM user, group or role does not have AWSCloudShellFullAccess attached",
    severity: Severity::Medium,
    service: Service::Iam,
    resource_types: &[
        ResourceType::IamUser,
        ResourceType::IamGroup,
        ResourceType::IamRole,
    ],
    rationale: "AWSCloudShellFullAccess lets its holder upload and download files to and from a \
        CloudShell environment with internet access and sudo, a ready channel to move data out of \
        the account. Grant a narrower CloudShell policy, or none.",
    remediation: Remediation {
        cli: "aws iam detach-user-policy --user-name <user> --policy-arn arn:aws:iam::aws:policy/AWSCloudShellFullAccess\n\
              aws iam detach-group-policy --group-name <group> --policy-arn arn:aws:iam::aws:policy/AWSCloudShellFullAccess\n\
              aws iam detach-role-policy --role-name <role> --policy-arn arn:aws:iam::aws:policy/AWSCloudShellFullAccess",
        console: "IAM > Policies > AWSCloudShellFullAccess > Entities attached > select each entity > \
                  Detach.",
        url: "https://docs.aws.amazon.com/cloudshell/latest/userguide/sec-auth-with-identities.html",
    },
    controls: &[cis3("1.22"), cis7("2.20"), fsbp("IAM.27")],
};

impl Rule for IamPolicyCloudshellAdminNotAttached {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn evaluate(&self, resource: &Resource, snapshot: &Snapshot) -> Result<Outcome, RuleError> {
        let Some(p) = Principal::of(resource) else {
            return Ok(Outcome::not_applicable());
        };
        if let Some(a) = find_aws_policy(p.attached, CLOUDSHELL_FULL_ACCESS) {
            return Ok(Outcome::fail(format!(
                "{} has {CLOUDSHELL_FULL_ACCESS} attached",
                p.label()
            ))
            .with_evidence(json!({"policy_arn": a.arn})));
        }
        if let Some(g) = p.gap(snapshot, Listing::Attached) {
            return Ok(not_collected_by_gap("attached_policies", g));
        }
        Ok(Outcome::pass(format!(
            "{} does not have {CLOUDSHELL_FULL_ACCESS} attached",
            p.label()
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{eval, iam_gap, kind, resource, snapshot};
    use serde_json::json;

    const DEVS: &str = "arn:aws:iam::123456789012:group/devs";

    #[test]
    fn a_gap_over_the_groups_attachments_is_not_a_pass() {
        let devs = resource(json!({"arn": DEVS, "region": null, "name": "devs",
            "properties": {"AWS::IAM::Group": {"group_name": "devs", "group_id": "AGPA1", "path": "/"}}}));
        let mut snap = snapshot(vec![devs]);
        // A gap about users' attachments says nothing about a group's.
        snap.gaps
            .push(iam_gap("iam:ListAttachedUserPolicies", None));
        assert_eq!(
            kind(&eval(&IamPolicyCloudshellAdminNotAttached, &snap, DEVS)),
            "pass"
        );
        snap.gaps
            .push(iam_gap("iam:ListAttachedGroupPolicies", Some(DEVS)));
        assert_eq!(
            kind(&eval(&IamPolicyCloudshellAdminNotAttached, &snap, DEVS)),
            "not_collected"
        );
    }
}
