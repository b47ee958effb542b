//! The audited account's view of its organization against moto: a
//! standalone account, the management account of an organization with a
//! delegated administrator, and a member's view (the management-only calls
//! denied: gaps, never FAILs).
//!
//! moto has neither `DescribeResourcePolicy` nor IAM's
//! `ListOrganizationsFeatures`: the proxy answers them as AWS does.

use aws_sdk_organizations::Client as Orgs;
use aws_sdk_organizations::types::OrganizationFeatureSet;
use cloudarq_core::engine::Engine;
use cloudarq_model::inventory::iam::IamOrganizationsFeatures;
use cloudarq_model::inventory::organizations::OrganizationsAccount;
use cloudarq_model::rule::Status;
use cloudarq_model::{Collected, GapKind, Properties, ResourceType, Service, Snapshot};

use crate::harness::*;
use crate::loopback::Fault;

/// IAM's answer when the organization has root credentials management on
/// but not root sessions.
const FEATURES: &str = r#"<ListOrganizationsFeaturesResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><ListOrganizationsFeaturesResult><OrganizationId>o-a1b2c3d4e5</OrganizationId><EnabledFeatures><member>RootCredentialsManagement</member></EnabledFeatures></ListOrganizationsFeaturesResult><ResponseMetadata><RequestId>7a62c49f-347e-4fc4-9331-6e8eEXAMPLE</RequestId></ResponseMetadata></ListOrganizationsFeaturesResponse>"#;

/// Organizations' answer when a delegation policy exists.
const POLICY: &str = r#"{"ResourcePolicy":{"ResourcePolicySummary":{"Id":"rp-12345678","Arn":"arn:aws:organizations::123456789012:resourcepolicy/o-a1b2c3d4e5/rp-12345678"},"Content":"{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":{\"AWS\":\"arn:aws:iam::210987654321:root\"},\"Action\":\"organizations:DescribePolicy\",\"Resource\":\"*\"}]}"}}"#;

async fn scan(env: &Env) -> Snapshot {
    env.collect(&[Service::Iam, Service::Organizations]).await
}

fn view(snap: &Snapshot) -> &OrganizationsAccount {
    let r = snap
        .of_type(ResourceType::OrganizationsAccount)
        .next()
        .unwrap_or_else(|| panic!("no organizations resource: {:#?}", snap.gaps));
    match &r.properties {
        Properties::OrganizationsAccount(a) => a,
        other => panic!("{other:?}"),
    }
}

fn features(snap: &Snapshot) -> &IamOrganizationsFeatures {
    let r = snap
        .of_type(ResourceType::IamOrganizationsFeatures)
        .next()
        .expect("features resource");
    match &r.properties {
        Properties::IamOrganizationsFeatures(f) => f,
        other => panic!("{other:?}"),
    }
}

fn statuses(snap: &Snapshot, rule: &str) -> Vec<Status> {
    let result = Engine::new(cloudarq_rules::all()).evaluate(snap);
    result
        .findings
        .iter()
        .filter(|f| f.rule_id == rule)
        .map(|f| f.status)
        .collect()
}

/// An organization managed from the audited account, with one member
/// registered as GuardDuty's delegated administrator.
async fn seed_organization(env: &Env) {
    let orgs = Orgs::new(&env.seed_config(R2).await);
    orgs.create_organization()
        .feature_set(OrganizationFeatureSet::All)
        .send()
        .await
        .expect("create organization");
    let member = orgs
        .create_account()
        .account_name("security")
        .email("security@example.com")
        .send()
        .await
        .expect("create account")
        .create_account_status()
        .and_then(|s| s.account_id())
        .expect("account id")
        .to_owned();
    orgs.register_delegated_administrator()
        .account_id(&member)
        .service_principal("guardduty.amazonaws.com")
        .send()
        .await
        .expect("register delegated administrator");
}

#[tokio::test]
async fn a_standalone_account_has_no_organization_to_judge() {
    // The harness answers ListOrganizationsFeatures as AWS does for an
    // account in no organization.
    let env = Env::start().await;
    let snap = scan(&env).await;
    let v = view(&snap);
    assert_eq!(v.organization, Collected::Value(None));
    assert_eq!(v.delegated_administrators, Collected::Value(Vec::new()));
    assert_eq!(v.delegation_policy, Collected::Value(false));
    assert_eq!(features(&snap).enabled_features, Collected::Value(None));
    assert!(snap.gaps.is_empty(), "{:#?}", snap.gaps);
    for rule in [
        "organizations_delegated_administrators",
        "organizations_policy_management_delegated",
        "iam_root_credentials_management_enabled",
    ] {
        assert!(statuses(&snap, rule).is_empty(), "{rule}");
    }
}

#[tokio::test]
async fn the_management_account_sees_its_delegations() {
    let env = Env::start().await;
    seed_organization(&env).await;
    env.proxy.fault(
        "iam:ListOrganizationsFeatures",
        Fault::Respond {
            status: 200,
            body: FEATURES,
        },
    );
    env.proxy.fault(
        "organizations:DescribeResourcePolicy",
        Fault::Respond {
            status: 200,
            body: POLICY,
        },
    );
    let snap = scan(&env).await;
    let v = view(&snap);
    let org = v
        .organization
        .value()
        .and_then(Option::as_ref)
        .expect("organization");
    assert!(org.id.starts_with("o-"), "{}", org.id);
    assert_eq!(org.management_account_id.as_deref(), Some(ACCOUNT));
    assert_eq!(org.feature_set.as_deref(), Some("ALL"));
    assert_eq!(v.delegated_administrators.value().map(Vec::len), Some(1));
    assert_eq!(v.delegation_policy, Collected::Value(true));
    assert_eq!(
        features(&snap).enabled_features,
        Collected::Value(Some(vec!["RootCredentialsManagement".to_owned()]))
    );
    assert_eq!(
        statuses(&snap, "organizations_delegated_administrators"),
        vec![Status::Pass]
    );
    assert_eq!(
        statuses(&snap, "organizations_policy_management_delegated"),
        vec![Status::Pass]
    );
    assert_eq!(
        statuses(&snap, "iam_root_credentials_management_enabled"),
        vec![Status::Fail]
    );

    // Without a delegation policy, and with IAM's trusted access off.
    env.proxy.fault(
        "organizations:DescribeResourcePolicy",
        Fault::Error {
            code: "ResourcePolicyNotFoundException",
            status: 400,
        },
    );
    env.proxy.fault(
        "iam:ListOrganizationsFeatures",
        Fault::Error {
            code: "ServiceAccessNotEnabledException",
            status: 400,
        },
    );
    let snap = scan(&env).await;
    assert_eq!(view(&snap).delegation_policy, Collected::Value(false));
    assert_eq!(
        features(&snap).enabled_features,
        Collected::Value(Some(Vec::new()))
    );
    assert_eq!(
        statuses(&snap, "organizations_policy_management_delegated"),
        vec![Status::Fail]
    );
    assert_eq!(
        statuses(&snap, "iam_root_credentials_management_enabled"),
        vec![Status::Fail]
    );
}

#[tokio::test]
async fn a_member_account_s_denied_calls_are_gaps_never_fails() {
    let env = Env::start().await;
    seed_organization(&env).await;
    let denied = || Fault::Error {
        code: "AccessDeniedException",
        status: 400,
    };
    env.proxy
        .fault("organizations:ListDelegatedAdministrators", denied());
    env.proxy
        .fault("organizations:DescribeResourcePolicy", denied());
    env.proxy.fault(
        "iam:ListOrganizationsFeatures",
        Fault::Error {
            code: "AccessDenied",
            status: 403,
        },
    );
    let snap = scan(&env).await;
    let v = view(&snap);
    assert!(v.organization.value().is_some_and(Option::is_some));
    assert_eq!(v.delegated_administrators, Collected::NotCollected);
    assert_eq!(v.delegation_policy, Collected::NotCollected);
    assert_eq!(features(&snap).enabled_features, Collected::NotCollected);
    for (action, service) in [
        (
            "organizations:ListDelegatedAdministrators",
            Service::Organizations,
        ),
        (
            "organizations:DescribeResourcePolicy",
            Service::Organizations,
        ),
        ("iam:ListOrganizationsFeatures", Service::Iam),
    ] {
        let g = snap
            .gaps
            .iter()
            .find(|g| g.action == action)
            .unwrap_or_else(|| panic!("{action}: {:#?}", snap.gaps));
        assert_eq!(g.service, service, "{action}");
        assert_eq!(g.kind, GapKind::AccessDenied, "{action}");
    }
    for rule in [
        "organizations_delegated_administrators",
        "organizations_policy_management_delegated",
        "iam_root_credentials_management_enabled",
    ] {
        assert!(
            statuses(&snap, rule).is_empty(),
            "{rule} judged what it could not read"
        );
    }
}
