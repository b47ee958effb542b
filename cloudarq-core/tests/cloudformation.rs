//! The CloudFormation template grants exactly the actions the collectors
//! call (A3), trusts only with an External ID, and caps sessions at 1 hour.

#![allow(clippy::unwrap_used, clippy::expect_used, reason = "tests fail loudly")]

use std::collections::BTreeSet;

use cloudarq_core::Action;
use serde_yaml::Value;

fn template() -> Value {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../cloudformation/cloudarq-readonly-role.yaml"
    );
    serde_yaml::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn role(t: &Value) -> &Value {
    &t["Resources"]["CloudArqAuditRole"]["Properties"]
}

/// The actions a role grants on `"*"`, and those it grants on listed
/// resources only (each with its `Fn::Sub` patterns).
fn grants(role: &Value) -> (BTreeSet<String>, BTreeSet<(String, Vec<String>)>) {
    let mut everywhere = BTreeSet::new();
    let mut scoped = BTreeSet::new();
    for policy in role["Policies"].as_sequence().unwrap() {
        for st in policy["PolicyDocument"]["Statement"].as_sequence().unwrap() {
            assert_eq!(st["Effect"], "Allow");
            let actions: Vec<String> = st["Action"]
                .as_sequence()
                .unwrap()
                .iter()
                .map(|a| a.as_str().unwrap().to_owned())
                .collect();
            if st["Resource"] == "*" {
                everywhere.extend(actions);
                continue;
            }
            let resources: Vec<String> = st["Resource"]
                .as_sequence()
                .expect("a resource list when not \"*\"")
                .iter()
                .map(|r| r["Fn::Sub"].as_str().unwrap().to_owned())
                .collect();
            for a in actions {
                scoped.insert((a, resources.clone()));
            }
        }
    }
    (everywhere, scoped)
}

fn scoped_needed() -> BTreeSet<(String, Vec<String>)> {
    Action::scoped_role_permissions()
        .into_iter()
        .map(|(a, r)| (a.to_owned(), r.into_iter().map(str::to_owned).collect()))
        .collect()
}

#[test]
fn template_grants_exactly_the_collector_actions() {
    let t = template();
    let (granted, scoped) = grants(role(&t));
    assert_eq!(scoped, scoped_needed());
    // API Gateway reads are never granted on every resource: `apigateway:GET`
    // on "*" would read API key values.
    assert!(!granted.contains("apigateway:GET"));
    assert_eq!(
        scoped_needed().into_iter().next().map(|(_, r)| r),
        Some(vec![
            "arn:${AWS::Partition}:apigateway:*::/account".to_owned(),
            "arn:${AWS::Partition}:apigateway:*::/restapis".to_owned(),
            "arn:${AWS::Partition}:apigateway:*::/restapis/*/stages".to_owned(),
        ])
    );
    let needed: BTreeSet<String> = Action::role_permissions()
        .into_iter()
        .map(str::to_owned)
        .collect();
    let extra: Vec<_> = granted.difference(&needed).collect();
    let missing: Vec<_> = needed.difference(&granted).collect();
    assert!(
        extra.is_empty() && missing.is_empty(),
        "template grants extra {extra:?}, misses {missing:?}"
    );
    assert!(
        granted.iter().all(|a| !a.contains('*')),
        "no wildcard actions"
    );
    assert!(
        role(&t).get("ManagedPolicyArns").is_none(),
        "no managed policies beside the list"
    );
}

#[test]
fn trust_requires_the_external_id_and_sessions_last_an_hour() {
    let t = template();
    let r = role(&t);
    assert_eq!(r["MaxSessionDuration"], 3600);
    let st = &r["AssumeRolePolicyDocument"]["Statement"][0];
    assert_eq!(st["Action"], "sts:AssumeRole");
    assert_eq!(st["Principal"]["AWS"]["Ref"], "CloudArqPrincipalArn");
    assert_eq!(
        st["Condition"]["StringEquals"]["sts:ExternalId"]["Ref"],
        "ExternalId"
    );
    assert_eq!(t["Parameters"]["ExternalId"]["NoEcho"], true);
    assert_eq!(t["Parameters"]["ExternalId"]["MaxLength"], 1224);
}

/// The management account's template (issue 12): the checked-in file is
/// what the generator writes.
fn management() -> Value {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../cloudformation/cloudarq-organization.yaml"
    );
    let generated = cloudarq_core::organization::template::management();
    if std::env::var_os("UPDATE_TEMPLATES").is_some() {
        std::fs::write(path, &generated).unwrap();
    }
    let shipped = std::fs::read_to_string(path).unwrap();
    assert_eq!(
        shipped, generated,
        "cloudformation/cloudarq-organization.yaml is stale: run this test with UPDATE_TEMPLATES=1"
    );
    serde_yaml::from_str(&generated).unwrap()
}

fn granted(role: &Value) -> BTreeSet<String> {
    let (everywhere, scoped) = grants(role);
    assert_eq!(scoped, scoped_needed());
    everywhere
}

#[test]
fn the_management_role_adds_only_the_organization_reads() {
    let t = management();
    let r = role(&t);
    let needed: BTreeSet<String> = Action::role_permissions()
        .into_iter()
        .chain(Action::organization_permissions())
        .map(str::to_owned)
        .collect();
    assert_eq!(granted(r), needed);
    let org: Vec<_> = Action::organization_permissions();
    assert_eq!(
        org,
        [
            "organizations:DescribeOrganization",
            "organizations:ListAccountsForParent",
            "organizations:ListOrganizationalUnitsForParent",
            "organizations:ListRoots",
        ]
    );
    // Members get only the three reads of their organization's governance
    // (answered in the management account, denied in a member: a coverage
    // gap); the account listings stay with the management role.
    let member_org: Vec<&str> = Action::role_permissions()
        .into_iter()
        .filter(|a| a.starts_with("organizations:"))
        .collect();
    assert_eq!(
        member_org,
        [
            "organizations:DescribeOrganization",
            "organizations:DescribeResourcePolicy",
            "organizations:ListDelegatedAdministrators",
        ]
    );
    for a in &org {
        let verb = a.split(':').nth(1).unwrap();
        assert!(
            verb.starts_with("List") || verb.starts_with("Describe"),
            "{a}"
        );
    }
    assert_eq!(r["MaxSessionDuration"], 3600);
    let st = &r["AssumeRolePolicyDocument"]["Statement"][0];
    assert_eq!(st["Principal"]["AWS"]["Ref"], "CloudArqPrincipalArn");
    assert_eq!(
        st["Condition"]["StringEquals"]["sts:ExternalId"]["Ref"],
        "ExternalId"
    );
    assert_eq!(t["Parameters"]["ExternalId"]["NoEcho"], true);
}

#[test]
fn the_stackset_deploys_the_member_role_in_every_account_of_the_ous() {
    let t = management();
    let ss = &t["Resources"]["CloudArqMemberRoles"];
    assert_eq!(ss["Type"], "AWS::CloudFormation::StackSet");
    let p = &ss["Properties"];
    assert_eq!(p["PermissionModel"], "SERVICE_MANAGED");
    assert_eq!(p["AutoDeployment"]["Enabled"], true);
    assert_eq!(
        p["StackInstancesGroup"][0]["DeploymentTargets"]["OrganizationalUnitIds"]["Ref"],
        "OrganizationalUnitIds"
    );
    assert_eq!(p["Capabilities"][0], "CAPABILITY_NAMED_IAM");
    // The same principal, External ID and role name go to every member.
    let passed: BTreeSet<(String, String)> = p["Parameters"]
        .as_sequence()
        .unwrap()
        .iter()
        .map(|kv| {
            (
                kv["ParameterKey"].as_str().unwrap().to_owned(),
                kv["ParameterValue"]["Ref"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    for name in ["CloudArqPrincipalArn", "ExternalId", "RoleName"] {
        assert!(
            passed.contains(&(name.to_owned(), name.to_owned())),
            "{passed:?}"
        );
    }
    // The body is the member template, byte for byte, so the member role
    // is the one the other tests check.
    assert_eq!(
        p["TemplateBody"].as_str().unwrap(),
        cloudarq_core::organization::template::MEMBER
    );
    let member: Value = serde_yaml::from_str(p["TemplateBody"].as_str().unwrap()).unwrap();
    assert_eq!(member, template());
}
