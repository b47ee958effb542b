//! `iam_role_administratoraccess_policy`: no role has AdministratorAccess attached.

use cloudarq_model::rule::{Outcome, Remediation, Rule, RuleError, RuleMeta, Severity};
use cloudarq_model::{Properties, Resource, ResourceType, Service, Snapshot};
use serde_json::json;

use super::{
    ADMINISTRATOR_ACCESS, Listing, Principal, find_aws_policy, is_service_linked,
    not_collected_by_gap,
};
use crate::controls::{cis3, cis7};

/// The IAM role does not have the AWS-managed `AdministratorAccess` policy
/// attached.
///
/// Service-linked roles are not applicable (AWS owns their policies). Roles
/// that IAM Identity Center creates for a permission set (path
/// `/aws-reserved/sso.amazonaws.com/`) still fail, at medium severity: their
/// access is granted and reviewed in Identity Center.
pub(crate) struct IamRoleAdministratoraccessPolicy;

const IDENTITY_CENTER_PATH: &str = "/aws-reserved/sso.amazonaws.com/";

static META: RuleMeta = RuleMeta {
    id: "iam_role_administratoraccess_policy",
    title: "IAM role does not have the AdministratorAccess policy attached",
    severity: Severity::High,
    service: Service::Iam,
    resource_types: &[ResourceType::IamRole],
    rationale: "Whoever or whatever can assume a role with AdministratorAccess (a workload, a CI \
        system, another account) can do anything in the account. Roles should carry only the \
        permissions their job needs.",
    remediation: Remediation {
        cli: "aws iam detach-role-policy --role-name <role> \\\n\
              --policy-arn arn:aws:iam::aws:policy/AdministratorAccess\n\
              aws iam attach-role-policy --role-name <role> --policy-arn <least-privilege-policy-arn>",
        console: "IAM > Roles > <role> > Permissions > select AdministratorAccess > Remove; attach a \
                  least-privilege policy (IAM Access Analyzer can generate one from CloudTrail).",
        url: "https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies_manage-attach-detach.html",
    },
    controls: &[cis3("1.16"), cis7("2.14")],
};

impl Rule for IamRoleAdministratoraccessPolicy {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn evaluate(&self, resource: &Resource, snapshot: &Snapshot) -> Result<Outcome, RuleError> {
        let (Properties::IamRole(role), Some(p)) = (&resource.properties, Principal::of(resource))
        else {
            return Ok(Outcome::not_applicable());
        };
        if is_service_linked(role) {
            return Ok(Outcome::not_applicable());
        }
        if let Some(a) = find_aws_policy(p.attached, ADMINISTRATOR_ACCESS) {
            let o = Outcome::fail(format!("role {} has AdministratorAccess attached", p.name))
                .with_evidence(json!({"policy_arn": a.arn, "path": role.path}));
            return Ok(if role.path.starts_with(IDENTITY_CENTER_PATH) {
                o.with_severity(
                    Severity::Medium,
                    "the role belongs to an IAM Identity Center permission set; review it there",
                )
            } else {
                o
            });
        }
        if let Some(g) = p.gap(snapshot, Listing::Attached) {
            return Ok(not_collected_by_gap("attached_policies", g));
        }
        Ok(Outcome::pass(format!(
            "role {} does not have AdministratorAccess attached",
            p.name
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{eval, iam_gap, kind, resource, snapshot};
    use serde_json::json;

    const APP: &str = "arn:aws:iam::123456789012:role/app";

    fn app(attached: serde_json::Value) -> Resource {
        resource(json!({"arn": APP, "region": null, "name": "app",
            "properties": {"AWS::IAM::Role": {"role_name": "app", "role_id": "AROA1", "path": "/",
                "trust_policy": {"Statement": []}, "attached_policies": attached}}}))
    }

    #[test]
    fn an_attachment_seen_is_a_fail_even_with_a_gap() {
        let admin = json!([{"name": "AdministratorAccess", "arn": "arn:aws:iam::aws:policy/AdministratorAccess"}]);
        let mut snap = snapshot(vec![app(admin)]);
        snap.gaps
            .push(iam_gap("iam:ListAttachedRolePolicies", Some(APP)));
        assert_eq!(
            kind(&eval(&IamRoleAdministratoraccessPolicy, &snap, APP)),
            "fail"
        );
        let mut snap = snapshot(vec![app(json!([]))]);
        snap.gaps
            .push(iam_gap("iam:GetAccountAuthorizationDetails", None));
        assert_eq!(
            kind(&eval(&IamRoleAdministratoraccessPolicy, &snap, APP)),
            "not_collected"
        );
    }
}
