//! `iam_group_administrator_access_policy`: no group has AdministratorAccess attached.

use cloudarq_model::rule::{Outcome, Remediation, Rule, RuleError, RuleMeta, Severity};
use cloudarq_model::{Properties, Resource, ResourceType, Service, Snapshot};
use serde_json::json;

use super::{ADMINISTRATOR_ACCESS, Listing, Principal, find_aws_policy, not_collected_by_gap};
use crate::controls::{cis3, cis7};

/// The IAM group does not have the AWS-managed `AdministratorAccess` policy
/// attached.
///
/// A group without members still fails (anyone added inherits full access),
/// at medium severity.
pub(crate) struct IamGroupAdministratorAccessPolicy;

static META: RuleMeta = RuleMeta {
    id: "iam_group_administrator_access_policy",
    title: "IAM group does not have the AdministratorAccess policy attached",
    severity: Severity::High,
    service: Service::Iam,
    resource_types: &[ResourceType::IamGroup],
    rationale: "Every member of a group with AdministratorAccess can do anything in the account with \
        their long-lived IAM user credentials. Administrative access is safer through roles assumed \
        with MFA for a limited session.",
    remediation: Remediation {
        cli: "aws iam detach-group-policy --group-name <group> \\\n\
              --policy-arn arn:aws:iam::aws:policy/AdministratorAccess",
        console: "IAM > User groups > <group> > Permissions > select AdministratorAccess > Remove.",
        url: "https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies_manage-attach-detach.html",
    },
    controls: &[cis3("1.16"), cis7("2.14")],
};

impl Rule for IamGroupAdministratorAccessPolicy {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn evaluate(&self, resource: &Resource, snapshot: &Snapshot) -> Result<Outcome, RuleError> {
        let (Properties::IamGroup(group), Some(p)) =
            (&resource.properties, Principal::of(resource))
        else {
            return Ok(Outcome::not_applicable());
        };
        if find_aws_policy(p.attached, ADMINISTRATOR_ACCESS).is_some() {
            let members = &group.members;
            let o = Outcome::fail(format!(
                "group {} has AdministratorAccess attached ({} members{})",
                p.name,
                members.len(),
                if members.is_empty() {
                    String::new()
                } else {
                    format!(": {}", members.join(", "))
                }
            ))
            .with_evidence(json!({"members": members}));
            return Ok(if members.is_empty() {
                o.with_severity(Severity::Medium, "the group has no members today")
            } else {
                o
            });
        }
        if let Some(g) = p.gap(snapshot, Listing::Attached) {
            return Ok(not_collected_by_gap("attached_policies", g));
        }
        Ok(Outcome::pass(format!(
            "group {} does not have AdministratorAccess attached",
            p.name
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{eval, iam_gap, kind, resource, snapshot};
    use serde_json::json;

    const OPS: &str = "arn:aws:iam::123456789012:group/ops";

    #[test]
    fn a_listing_gap_without_a_resource_covers_every_group() {
        let ops = resource(json!({"arn": OPS, "region": null, "name": "ops",
            "properties": {"AWS::IAM::Group": {"group_name": "ops", "group_id": "AGPA1", "path": "/"}}}));
        let mut snap = snapshot(vec![ops]);
        snap.gaps
            .push(iam_gap("iam:ListAttachedGroupPolicies", None));
        assert_eq!(
            kind(&eval(&IamGroupAdministratorAccessPolicy, &snap, OPS)),
            "not_collected"
        );
    }
}
