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

#[test]
fn template_grants_exactly_the_collector_actions() {
    let t = template();
    let mut granted = BTreeSet::new();
    for policy in role(&t)["Policies"].as_sequence().unwrap() {
        for st in policy["PolicyDocument"]["Statement"].as_sequence().unwrap() {
            assert_eq!(st["Effect"], "Allow");
            assert_eq!(st["Resource"], "*");
            for a in st["Action"].as_sequence().unwrap() {
                granted.insert(a.as_str().unwrap().to_owned());
            }
        }
    }
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
