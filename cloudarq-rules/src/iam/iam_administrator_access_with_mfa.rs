//! `iam_administrator_access_with_mfa`: users with AdministratorAccess have MFA.

use cloudarq_model::inventory::iam::IamGroup;
use cloudarq_model::rule::{Outcome, Remediation, Rule, RuleError, RuleMeta, Severity};
use cloudarq_model::{Properties, Resource, ResourceType, Service, Snapshot};
use serde_json::json;

use super::{ADMINISTRATOR_ACCESS, Listing, Principal, find_aws_policy, not_collected_by_gap};
use crate::controls::fsbp;

/// Every IAM user who holds AdministratorAccess, through a group or
/// directly, has an MFA device.
///
/// Prowler checks group members only; this rule also counts a direct
/// attachment, since the risk is the same. Group membership is read from
/// both sides (the user's group list and each group's member list) and the
/// groups are looked up in the snapshot. Users without AdministratorAccess
/// are not applicable; when a group the user belongs to is missing from the
/// snapshot, or a gap hides the user's or one of its groups' attachments,
/// the outcome is *not collected*.
pub(crate) struct IamAdministratorAccessWithMfa;

static META: RuleMeta = RuleMeta {
    id: "iam_administrator_access_with_mfa",
    title: "IAM users with AdministratorAccess, directly or through a group, have MFA enabled",
    severity: Severity::High,
    service: Service::Iam,
    resource_types: &[ResourceType::IamUser],
    rationale: "An administrator's password or key alone should never be enough to take over the \
        account. MFA on every user with AdministratorAccess keeps a single leaked credential from \
        becoming full control.",
    remediation: Remediation {
        cli: "aws iam create-virtual-mfa-device --virtual-mfa-device-name <user> \\\n\
              --outfile <user>-qr.png --bootstrap-method QRCodePNG\n\
              aws iam enable-mfa-device --user-name <user> \\\n\
              --serial-number arn:aws:iam::<account>:mfa/<user> \\\n\
              --authentication-code1 <code1> --authentication-code2 <code2>\n\
              # or remove the administrator access:\n\
              aws iam remove-user-from-group --user-name <user> --group-name <admin-group>",
        console: "IAM > Users > <user> > Security credentials > Assign MFA device; or remove the user \
                  from the administrators group.",
        url: "https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_mfa_enable.html",
    },
    controls: &[fsbp("IAM.19")],
};

impl Rule for IamAdministratorAccessWithMfa {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn evaluate(&self, resource: &Resource, snapshot: &Snapshot) -> Result<Outcome, RuleError> {
        let (Properties::IamUser(u), Some(user)) = (&resource.properties, Principal::of(resource))
        else {
            return Ok(Outcome::not_applicable());
        };
        let name = user.name;
        let index = snapshot.iam_groups();
        let my_groups: Vec<(&Resource, &IamGroup)> = index.of_user(name, &u.groups).collect();
        let admin_groups: Vec<&str> = my_groups
            .iter()
            .filter(|(_, g)| find_aws_policy(&g.attached_policies, ADMINISTRATOR_ACCESS).is_some())
            .map(|(_, g)| g.group_name.as_str())
            .collect();
        let direct = find_aws_policy(user.attached, ADMINISTRATOR_ACCESS).is_some();
        if !direct && admin_groups.is_empty() {
            let missing: Vec<&str> = u
                .groups
                .iter()
                .filter(|n| index.named(n).is_none())
                .map(String::as_str)
                .collect();
            if !missing.is_empty() {
                return Ok(Outcome::not_collected("groups")
                    .with_evidence(json!({"groups_missing_from_snapshot": missing})));
            }
            if let Some(g) = user.gap(snapshot, Listing::Attached) {
                return Ok(not_collected_by_gap("attached_policies", g));
            }
            let group_gap = my_groups.iter().find_map(|(r, _)| {
                Principal::of(r).and_then(|p| p.gap(snapshot, Listing::Attached))
            });
            if let Some(g) = group_gap {
                return Ok(not_collected_by_gap("groups.attached_policies", g));
            }
            return Ok(Outcome::not_applicable());
        }
        let Some(c) = u.credentials.value() else {
            return Ok(Outcome::not_collected("credentials"));
        };
        let via = match (direct, admin_groups.as_slice()) {
            (true, []) => "attached directly".to_owned(),
            (true, gs) => format!("attached directly and through group {}", gs.join(", ")),
            (false, gs) => format!("through group {}", gs.join(", ")),
        };
        Ok(Outcome::check(
            c.mfa_active,
            format!("user {name} has AdministratorAccess ({via}) and MFA enabled"),
            format!("user {name} has AdministratorAccess ({via}) but no MFA device"),
        )
        .with_evidence(
            json!({"direct": direct, "admin_groups": admin_groups, "mfa_active": c.mfa_active}),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{eval, iam_gap, kind, resource, snapshot};
    use serde_json::json;

    const BOB: &str = "arn:aws:iam::123456789012:user/bob";
    const DEVS: &str = "arn:aws:iam::123456789012:group/devs";

    #[test]
    fn a_gap_over_a_members_group_hides_whether_it_grants_admin() {
        let bob = resource(json!({"arn": BOB, "region": null, "name": "bob",
            "properties": {"AWS::IAM::User": {"user_name": "bob", "user_id": "AIDA1", "path": "/",
                "groups": ["devs"], "credentials": {"value": {"password_enabled": true, "mfa_active": false}}}}}));
        let devs = resource(json!({"arn": DEVS, "region": null, "name": "devs",
            "properties": {"AWS::IAM::Group": {"group_name": "devs", "group_id": "AGPA1", "path": "/"}}}));
        let mut snap = snapshot(vec![bob, devs]);
        assert_eq!(
            kind(&eval(&IamAdministratorAccessWithMfa, &snap, BOB)),
            "not_applicable"
        );
        snap.gaps
            .push(iam_gap("iam:ListAttachedGroupPolicies", Some(DEVS)));
        let o = eval(&IamAdministratorAccessWithMfa, &snap, BOB);
        assert_eq!(
            o.verdict,
            cloudarq_model::rule::Verdict::NotCollected {
                field: "groups.attached_policies".into()
            }
        );
    }
}
