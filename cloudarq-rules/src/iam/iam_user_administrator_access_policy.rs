//! `iam_user_administrator_access_policy`: no user has AdministratorAccess attached directly.

use cloudarq_model::rule::{Outcome, Remediation, Rule, RuleError, RuleMeta, Severity};
use cloudarq_model::{Properties, Resource, ResourceType, Service, Snapshot};
use serde_json::json;

use super::{ADMINISTRATOR_ACCESS, Listing, Principal, find_aws_policy, not_collected_by_gap};
use crate::controls::{cis3, cis7};

/// The IAM user does not have the AWS-managed `AdministratorAccess` policy
/// attached directly.
///
/// Absence passes only when no coverage gap hides the user's attachments.
pub(crate) struct IamUserAdministratorAccessPolicy;

static META: RuleMeta = RuleMeta {
    id: "iam_user_administrator_access_policy",
    title: "IAM user does not have the AdministratorAccess policy attached",
    severity: Severity::Critical,
    service: Service::Iam,
    resource_types: &[ResourceType::IamUser],
    rationale: "AdministratorAccess grants every action on every resource. On an IAM user it pairs \
        that power with long-lived credentials; administrators should assume a role, with MFA, when \
        they need it.",
    remediation: Remediation {
        cli: "aws iam detach-user-policy --user-name <user> \\\n\
              --policy-arn arn:aws:iam::aws:policy/AdministratorAccess",
        console: "IAM > Users > <user> > Permissions > select AdministratorAccess > Remove; grant \
                  least-privilege permissions through a group or an assumable role instead.",
        url: "https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies_manage-attach-detach.html",
    },
    controls: &[cis3("1.16"), cis7("2.14")],
};

impl Rule for IamUserAdministratorAccessPolicy {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn evaluate(&self, resource: &Resource, snapshot: &Snapshot) -> Result<Outcome, RuleError> {
        let (Properties::IamUser(_), Some(user)) = (&resource.properties, Principal::of(resource))
        else {
            return Ok(Outcome::not_applicable());
        };
        if let Some(p) = find_aws_policy(user.attached, ADMINISTRATOR_ACCESS) {
            return Ok(Outcome::fail(format!(
                "user {} has AdministratorAccess attached",
                user.name
            ))
            .with_evidence(json!({"policy_arn": p.arn})));
        }
        if let Some(g) = user.gap(snapshot, Listing::Attached) {
            return Ok(not_collected_by_gap("attached_policies", g));
        }
        Ok(Outcome::pass(format!(
            "user {} does not have AdministratorAccess attached",
            user.name
        ))
        .with_evidence(
            json!({"attached_policies": user.attached.iter().map(|p| &p.name).collect::<Vec<_>>()}),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{eval, iam_gap, kind, resource, snapshot};
    use serde_json::json;

    const ALICE: &str = "arn:aws:iam::123456789012:user/alice";

    fn alice() -> Resource {
        resource(json!({"arn": ALICE, "region": null, "name": "alice",
            "properties": {"AWS::IAM::User": {"user_name": "alice", "user_id": "AIDA1", "path": "/"}}}))
    }

    #[test]
    fn a_gap_over_the_users_attachments_is_not_a_pass() {
        let mut snap = snapshot(vec![alice()]);
        assert_eq!(
            kind(&eval(&IamUserAdministratorAccessPolicy, &snap, ALICE)),
            "pass"
        );
        snap.gaps.push(iam_gap(
            "iam:ListAttachedUserPolicies",
            Some("arn:aws:iam::123456789012:user/bob"),
        ));
        assert_eq!(
            kind(&eval(&IamUserAdministratorAccessPolicy, &snap, ALICE)),
            "pass"
        );
        snap.gaps
            .push(iam_gap("iam:ListAttachedUserPolicies", Some(ALICE)));
        let o = eval(&IamUserAdministratorAccessPolicy, &snap, ALICE);
        assert_eq!(kind(&o), "not_collected");
        assert_eq!(o.evidence["gap"]["action"], "iam:ListAttachedUserPolicies");
    }
}
