//! `iam_policy_attached_only_to_group_or_roles`: users get permissions only through groups.

use cloudarq_model::rule::{Outcome, Remediation, Rule, RuleError, RuleMeta, Severity};
use cloudarq_model::{Properties, Resource, ResourceType, Service, Snapshot};
use serde_json::json;

use super::{Listing, Principal, not_collected_by_gap};
use crate::controls::{cis3, cis7, fsbp, nist};

/// The IAM user has no managed or inline policies of its own.
///
/// An attached or inline policy fails at once. No policies passes only when
/// the snapshot records no coverage gap over the user's policy listings;
/// otherwise the outcome is *not collected*.
pub(crate) struct IamPolicyAttachedOnlyToGroupOrRoles;

static META: RuleMeta = RuleMeta {
    id: "iam_policy_attached_only_to_group_or_roles",
    title: "IAM user receives permissions only through groups or roles, with no policies of its own",
    severity: Severity::Low,
    service: Service::Iam,
    resource_types: &[ResourceType::IamUser],
    rationale: "Permissions granted per user drift apart and are hard to review. Granting them through \
        groups (or roles) keeps access consistent with job function and easy to revoke.",
    remediation: Remediation {
        cli: "aws iam add-user-to-group --user-name <user> --group-name <group-with-the-permissions>\n\
              aws iam detach-user-policy --user-name <user> --policy-arn <policy-arn>\n\
              aws iam delete-user-policy --user-name <user> --policy-name <inline-policy-name>",
        console: "IAM > User groups: create or choose a group with the needed policies and add the user; \
                  then IAM > Users > <user> > Permissions > remove the directly attached and inline \
                  policies.",
        url: "https://docs.aws.amazon.com/IAM/latest/UserGuide/id_groups_manage_attach-policy.html",
    },
    controls: &[cis3("1.15"), cis7("2.13"), fsbp("IAM.2"), nist("AC-3(7)")],
};

impl Rule for IamPolicyAttachedOnlyToGroupOrRoles {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn evaluate(&self, resource: &Resource, snapshot: &Snapshot) -> Result<Outcome, RuleError> {
        let (Properties::IamUser(_), Some(user)) = (&resource.properties, Principal::of(resource))
        else {
            return Ok(Outcome::not_applicable());
        };
        let attached: Vec<&str> = user.attached.iter().map(|p| p.name.as_str()).collect();
        let inline: Vec<&str> = user.inline.iter().map(|p| p.name.as_str()).collect();
        let evidence = json!({"attached_policies": attached, "inline_policies": inline});
        if !attached.is_empty() || !inline.is_empty() {
            let mut parts = Vec::new();
            if !attached.is_empty() {
                parts.push(format!("attached policies {}", attached.join(", ")));
            }
            if !inline.is_empty() {
                parts.push(format!("inline policies {}", inline.join(", ")));
            }
            return Ok(
                Outcome::fail(format!("user {} has {}", user.name, parts.join(" and ")))
                    .with_evidence(evidence),
            );
        }
        for (listing, field) in [
            (Listing::Attached, "attached_policies"),
            (Listing::Inline, "inline_policies"),
        ] {
            if let Some(g) = user.gap(snapshot, listing) {
                return Ok(not_collected_by_gap(field, g));
            }
        }
        Ok(
            Outcome::pass(format!("user {} has no policies of its own", user.name))
                .with_evidence(evidence),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{eval, iam_gap, kind, resource, snapshot};
    use serde_json::json;

    const ALICE: &str = "arn:aws:iam::123456789012:user/alice";

    #[test]
    fn an_inline_listing_gap_is_not_a_pass() {
        let alice = resource(json!({"arn": ALICE, "region": null, "name": "alice",
            "properties": {"AWS::IAM::User": {"user_name": "alice", "user_id": "AIDA1", "path": "/"}}}));
        let mut snap = snapshot(vec![alice]);
        assert_eq!(
            kind(&eval(&IamPolicyAttachedOnlyToGroupOrRoles, &snap, ALICE)),
            "pass"
        );
        snap.gaps.push(iam_gap("iam:ListUserPolicies", Some(ALICE)));
        assert_eq!(
            kind(&eval(&IamPolicyAttachedOnlyToGroupOrRoles, &snap, ALICE)),
            "not_collected"
        );
    }
}
