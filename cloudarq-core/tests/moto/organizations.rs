//! AWS Organizations against moto (issue 12): an organization of five
//! accounts (the management account and four members, one suspended, one in
//! an excluded OU) gives three child scans and one roll-up score; a member
//! whose role cannot be assumed is a coverage gap of that account, and the
//! organization's scan goes on.

use std::collections::BTreeSet;

use aws_sdk_organizations::Client as Orgs;
use aws_sdk_organizations::types::OrganizationFeatureSet;
use cloudarq_core::organization::{
    AccountState, MemberFilter, OrganizationPlan, SkipReason, roll_up,
};
use cloudarq_model::{AccountId, Service};

use crate::harness::*;

struct Org {
    root: String,
    /// Active, directly under the root.
    a: String,
    /// Active, in the nested OU Prod/Web.
    b: String,
    /// Suspended (closed).
    suspended: String,
    /// Active, in the Sandbox OU (excluded).
    sandboxed: String,
    sandbox_ou: String,
    web_ou: String,
}

async fn create_account(orgs: &Orgs, name: &str) -> String {
    orgs.create_account()
        .account_name(name)
        .email(format!("{name}@example.com"))
        .send()
        .await
        .expect("create account")
        .create_account_status()
        .and_then(|s| s.account_id())
        .expect("account id")
        .to_owned()
}

async fn create_ou(orgs: &Orgs, parent: &str, name: &str) -> String {
    orgs.create_organizational_unit()
        .parent_id(parent)
        .name(name)
        .send()
        .await
        .expect("create OU")
        .organizational_unit()
        .and_then(|o| o.id())
        .expect("OU id")
        .to_owned()
}

async fn move_account(orgs: &Orgs, account: &str, from: &str, to: &str) {
    orgs.move_account()
        .account_id(account)
        .source_parent_id(from)
        .destination_parent_id(to)
        .send()
        .await
        .expect("move account");
}

async fn seed(env: &Env) -> Org {
    let orgs = Orgs::new(&env.seed_config(R2).await);
    orgs.create_organization()
        .feature_set(OrganizationFeatureSet::All)
        .send()
        .await
        .expect("create organization");
    let root = orgs.list_roots().send().await.expect("roots").roots()[0]
        .id()
        .expect("root id")
        .to_owned();
    let a = create_account(&orgs, "alpha").await;
    let b = create_account(&orgs, "bravo").await;
    let suspended = create_account(&orgs, "charlie").await;
    let sandboxed = create_account(&orgs, "delta").await;
    let prod = create_ou(&orgs, &root, "Prod").await;
    let web_ou = create_ou(&orgs, &prod, "Web").await;
    let sandbox_ou = create_ou(&orgs, &root, "Sandbox").await;
    move_account(&orgs, &b, &root, &web_ou).await;
    move_account(&orgs, &sandboxed, &root, &sandbox_ou).await;
    orgs.close_account()
        .account_id(&suspended)
        .send()
        .await
        .expect("close account");
    Org {
        root,
        a,
        b,
        suspended,
        sandboxed,
        sandbox_ou,
        web_ou,
    }
}

fn plan(env: &Env, filter: MemberFilter) -> OrganizationPlan {
    OrganizationPlan {
        base: Box::new(Env::static_source),
        management_role: format!("arn:aws:iam::{ACCOUNT}:role/CloudArqAudit")
            .parse()
            .unwrap(),
        external_id: Some(cloudarq_core::ExternalId::new("cloudarq-org-test-0001".into()).unwrap()),
        role_name: "CloudArqAudit".into(),
        filter,
        regions: vec![region(R1)],
        services: vec![Service::Iam],
        endpoint_url: Some(env.proxy.url()),
        frameworks: None,
        reports: None,
        mutelist: None,
        on_member: None,
    }
}

fn id(s: &str) -> AccountId {
    s.parse().unwrap()
}

#[tokio::test]
async fn an_organization_of_five_gives_three_child_scans_and_one_roll_up() {
    let env = Env::start().await;
    let org = seed(&env).await;
    // moto sends the retired `Status` beside `State`; make the two disagree
    // for the closed account: only `State` may decide.
    env.proxy.rewrite_response(
        "organizations:ListAccountsForParent",
        r#""Status": "SUSPENDED""#,
        r#""Status": "ACTIVE""#,
    );
    let filter = MemberFilter {
        exclude_ous: [org.sandbox_ou.clone()].into(),
        ..MemberFilter::default()
    };
    let scan = plan(&env, filter).run().await.expect("organization scan");

    let listed = &scan.organization;
    assert_eq!(listed.management_account.as_str(), ACCOUNT);
    assert!(listed.id.starts_with("o-"), "{}", listed.id);
    assert_eq!(listed.accounts.len(), 5, "{listed:#?}");
    let b = listed.accounts.iter().find(|m| m.id == id(&org.b)).unwrap();
    assert_eq!(b.name, "bravo");
    assert_eq!(b.ou_path.first(), Some(&org.root));
    assert_eq!(b.ou_path.last(), Some(&org.web_ou));
    assert_eq!(b.ou_path.len(), 3, "root, Prod, Web: {:?}", b.ou_path);

    let scanned: BTreeSet<&str> = scan.members.iter().map(|(m, _)| m.id.as_str()).collect();
    assert_eq!(
        scanned,
        BTreeSet::from([ACCOUNT, org.a.as_str(), org.b.as_str()])
    );
    // Each child scan ran in its own account, through its own role.
    for (member, child) in &scan.members {
        assert_eq!(child.result.head().account_id, member.id);
        assert_eq!(child.snapshot.account_id, member.id);
    }
    let skipped: Vec<(&str, &SkipReason)> = scan
        .skipped
        .iter()
        .map(|(m, r)| (m.id.as_str(), r))
        .collect();
    assert!(
        skipped.contains(&(
            org.suspended.as_str(),
            &SkipReason::NotActive(AccountState::Suspended)
        )),
        "{skipped:?}"
    );
    assert!(
        skipped.contains(&(
            org.sandboxed.as_str(),
            &SkipReason::ExcludedOu(org.sandbox_ou.clone())
        )),
        "{skipped:?}"
    );
    assert_eq!(skipped.len(), 2);
    assert!(scan.gaps.is_empty(), "{:?}", scan.gaps);

    // One roll-up: the frameworks scored over the three accounts together.
    assert!(!scan.scores.is_empty());
    let frameworks = cloudarq_rules::frameworks::frameworks().unwrap();
    let results: Vec<_> = scan.members.iter().map(|(_, s)| &s.result).collect();
    assert_eq!(scan.scores, roll_up(&frameworks, &results));
    for (score, fw) in scan.scores.iter().zip(&frameworks) {
        let t = &score.total;
        assert_eq!(
            (t.passed + t.failed + t.manual) as usize,
            fw.controls.len(),
            "{}",
            fw.id
        );
        // A control failing in any account fails for the organization.
        for child in &results {
            let own = child
                .head()
                .scores
                .iter()
                .find(|s| s.framework == score.framework)
                .unwrap();
            assert!(t.failed >= own.total.failed, "{}", fw.id);
        }
    }

    // Only reads of the organization, made with the management role.
    let org_calls: BTreeSet<String> = env
        .proxy
        .seen()
        .into_iter()
        .filter(|s| s.operation.starts_with("organizations:"))
        .map(|s| s.operation)
        .collect();
    assert_eq!(
        org_calls,
        BTreeSet::from(
            [
                "organizations:DescribeOrganization",
                "organizations:ListAccountsForParent",
                "organizations:ListOrganizationalUnitsForParent",
                "organizations:ListRoots",
            ]
            .map(str::to_owned)
        )
    );
}

#[tokio::test]
async fn a_member_whose_role_is_missing_is_a_gap_of_that_account() {
    let env = Env::start().await;
    let org = seed(&env).await;
    // The StackSet never reached bravo: assuming its role is denied.
    let role = format!("{}%3Arole%2FCloudArqAudit", org.b);
    env.proxy.fault(
        "sts:AssumeRole",
        Fault::ErrorIfBody {
            body_contains: Box::leak(role.into_boxed_str()),
            code: "AccessDenied",
            status: 403,
        },
    );
    let filter = MemberFilter {
        include_accounts: [id(&org.b), id(&org.a)].into(),
        ..MemberFilter::default()
    };
    let scan = plan(&env, filter)
        .run()
        .await
        .expect("the organization scan goes on");
    let scanned: Vec<&str> = scan.members.iter().map(|(m, _)| m.id.as_str()).collect();
    assert_eq!(scanned, [org.a.as_str()]);
    assert_eq!(scan.gaps.len(), 1, "{:?}", scan.gaps);
    let gap = &scan.gaps[0];
    assert_eq!(gap.account.id, id(&org.b));
    assert_eq!(gap.code, "AccessDenied");
    assert!(
        gap.role_arn.ends_with(":role/CloudArqAudit"),
        "{}",
        gap.role_arn
    );
    // Not included: the management account and delta; suspended: charlie.
    let not_included = scan
        .skipped
        .iter()
        .filter(|(_, r)| *r == SkipReason::NotIncluded)
        .count();
    assert_eq!(not_included, 2, "{:?}", scan.skipped);
    // The roll-up covers the account that was scanned.
    assert_eq!(
        scan.scores,
        roll_up(
            &cloudarq_rules::frameworks::frameworks().unwrap(),
            &[&scan.members[0].1.result]
        )
    );
}

#[tokio::test]
async fn an_account_outside_any_organization_is_an_error_naming_the_call() {
    let env = Env::start().await;
    let err = plan(&env, MemberFilter::default())
        .run()
        .await
        .expect_err("no organization");
    let msg = err.to_string();
    assert!(msg.contains("organizations:DescribeOrganization"), "{msg}");
}
