//! Built-in AWS Organizations rules, one file per rule named by its id:
//! what the audited account's organization delegates.

mod organizations_delegated_administrators;
mod organizations_policy_management_delegated;

use cloudarq_model::inventory::organizations::OrganizationsAccount;
use cloudarq_model::rule::Rule;
use cloudarq_model::{Properties, Resource};

/// Every Organizations rule, in id order.
pub(crate) static RULES: &[&dyn Rule] = &[
    &organizations_delegated_administrators::OrganizationsDelegatedAdministrators,
    &organizations_policy_management_delegated::OrganizationsPolicyManagementDelegated,
];

/// The organization view behind an `AWS::Organizations::Account` resource.
pub(super) fn account(r: &Resource) -> Option<&OrganizationsAccount> {
    match &r.properties {
        Properties::OrganizationsAccount(a) => Some(a),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{eval, kind, resource, snapshot};
    use serde_json::json;

    const ARN: &str = "arn:aws:organizations::123456789012:account";

    fn verdicts(props: serde_json::Value) -> Vec<&'static str> {
        let snap = snapshot(vec![resource(
            json!({"arn": ARN, "region": null, "name": "123456789012",
            "properties": {"AWS::Organizations::Account": props}}),
        )]);
        RULES.iter().map(|r| kind(&eval(*r, &snap, ARN))).collect()
    }

    #[test]
    fn rule_metadata_is_complete() {
        crate::testing::check_meta(RULES, "organizations");
    }

    #[test]
    fn delegation_passes_fails_or_cannot_be_seen() {
        let org = json!({"value": {"id": "o-a1b2c3d4e5", "management_account_id": "123456789012",
            "feature_set": "ALL"}});
        assert_eq!(
            verdicts(
                json!({"organization": org, "delegated_administrators": {"value": ["222222222222"]},
                "delegation_policy": {"value": true}})
            ),
            ["pass", "pass"]
        );
        assert_eq!(
            verdicts(
                json!({"organization": org, "delegated_administrators": {"value": []},
                "delegation_policy": {"value": false}})
            ),
            ["fail", "fail"]
        );
        // A member account cannot see either.
        assert_eq!(
            verdicts(
                json!({"organization": org, "delegated_administrators": "not_collected",
                "delegation_policy": "not_collected"})
            ),
            ["not_collected", "not_collected"]
        );
        assert_eq!(
            verdicts(
                json!({"organization": {"value": null}, "delegated_administrators": {"value": []},
                "delegation_policy": {"value": false}})
            ),
            ["not_applicable", "not_applicable"]
        );
        assert_eq!(verdicts(json!({})), ["not_collected", "not_collected"]);
    }
}
