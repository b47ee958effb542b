//! Organization connections and scans on both backends (issue 12): the
//! settings read back as written and bad ones are refused by name; a
//! finished organization scan stores one child scan per member, its gaps
//! and skipped members, and the roll-up as the connection's score, all
//! under the claim's lease (a zombie stores nothing); the tenant wall; and
//! the purge of a deleted organization connection leaves no child behind.

#![allow(
    clippy::unwrap_used,
    reason = "test bodies, shared by both backends through `both!`, fail loudly"
)]

mod common;

use cloudarq_model::finding::{FrameworkScore, ResultSource, ScanResult};
use cloudarq_model::organization::{
    AccountState, MemberAccount, MemberFilter, MemberGap, Organization, SkipReason,
};
use cloudarq_store::StoreError;
use cloudarq_store::TenantScope;
use cloudarq_store::connections::{ConnectionId, NewConnection};
use cloudarq_store::jobs::SCAN_LEASE;
use cloudarq_store::organizations::{OrganizationOutcome, OrganizationSettings};
use cloudarq_store::retention::RetentionPolicy;
use cloudarq_store::scans::{ScanStatus, ScanTimes};
use common::*;

const LEASE_SECS: i64 = SCAN_LEASE.whole_seconds();
/// A name as hostile as Organizations lets an admin type.
const HOSTILE: &str = "bravo\u{202e}<script>alert(1)</script>\u{1b}[2J";

fn settings() -> OrganizationSettings {
    OrganizationSettings {
        member_role_name: "CloudArqAudit".into(),
        filter: MemberFilter {
            exclude_ous: ["ou-ab12-sandbox1".to_owned()].into(),
            exclude_accounts: ["444444444444".parse().unwrap()].into(),
            ..MemberFilter::default()
        },
    }
}

async fn org_connection(env: &Env, scope: &TenantScope) -> ConnectionId {
    env.store
        .create_organization_connection(
            scope,
            NewConnection {
                name: "the org".into(),
                account_id: Some("111111111111".parse().unwrap()),
                role_arn: Some(
                    "arn:aws:iam::111111111111:role/CloudArqAudit"
                        .parse()
                        .unwrap(),
                ),
                external_id: Some(ext(SENTINEL_EXT)),
                static_keys: None,
            },
            &settings(),
            t(1),
        )
        .await
        .unwrap()
}

fn member(id: &str, name: &str, state: AccountState) -> MemberAccount {
    MemberAccount {
        id: id.parse().unwrap(),
        name: name.into(),
        state,
        ou_path: vec!["r-ab12".into()],
    }
}

/// The demo account's evaluation as account `id`'s.
fn scanned(id: &str) -> ScanResult {
    let mut result = demo_result();
    result.account_id = id.parse().unwrap();
    result
}

/// An organization of six accounts: three scanned, one whose role is
/// missing, one suspended, one excluded.
struct Org {
    organization: Organization,
    members: Vec<(MemberAccount, ScanResult)>,
    gaps: Vec<MemberGap>,
    skipped: Vec<(MemberAccount, SkipReason)>,
    scores: Vec<FrameworkScore>,
}

impl Org {
    fn new() -> Self {
        let a = member("111111111111", "management", AccountState::Active);
        let b = member("222222222222", HOSTILE, AccountState::Active);
        let c = member("333333333333", "charlie", AccountState::Active);
        let members = vec![
            (a.clone(), scanned("111111111111")),
            (b.clone(), scanned("222222222222")),
            (c.clone(), scanned("333333333333")),
        ];
        let frameworks = cloudarq_rules::frameworks::frameworks().unwrap();
        let results: Vec<&ScanResult> = members.iter().map(|(_, r)| r).collect();
        let scores = cloudarq_core::organization::roll_up(&frameworks, &results);
        let gone = member("555555555555", "echo", AccountState::Active);
        Org {
            organization: Organization {
                id: "o-abc123def4".into(),
                management_account: a.id.clone(),
                accounts: vec![a, b, c],
            },
            members,
            gaps: vec![MemberGap {
                account: gone,
                role_arn: "arn:aws:iam::555555555555:role/CloudArqAudit".into(),
                code: "AccessDenied".into(),
                message: "not authorized to perform sts:AssumeRole".into(),
            }],
            skipped: vec![
                (
                    member("666666666666", "foxtrot", AccountState::Suspended),
                    SkipReason::NotActive(AccountState::Suspended),
                ),
                (
                    member("444444444444", "delta", AccountState::Active),
                    SkipReason::ExcludedAccount,
                ),
            ],
            scores,
        }
    }

    fn outcome(&self) -> OrganizationOutcome<'_> {
        OrganizationOutcome {
            organization: &self.organization,
            members: self
                .members
                .iter()
                .map(|(a, r)| (a, r as &(dyn ResultSource + Sync)))
                .collect(),
            gaps: &self.gaps,
            skipped: &self.skipped,
            scores: &self.scores,
        }
    }
}

async fn settings_read_back_and_bad_ones_are_refused_by_name(env: Env) {
    let scope = tenant(&env, "a").await;
    let conn = org_connection(&env, &scope).await;
    let plain = connection(&env, &scope, "one account").await;
    let listed = env.store.connections(&scope).await.unwrap();
    let org = listed.iter().find(|c| c.id == conn).unwrap();
    assert_eq!(org.organization, Some(settings()));
    let one = listed.iter().find(|c| c.id == plain).unwrap();
    assert_eq!(one.organization, None);
    for (bad, field) in [
        (
            OrganizationSettings {
                member_role_name: "no spaces".into(),
                ..settings()
            },
            "member_role_name",
        ),
        (
            OrganizationSettings {
                filter: MemberFilter {
                    include_ous: ["<img src=x>".to_owned()].into(),
                    ..MemberFilter::default()
                },
                ..settings()
            },
            "organization filter",
        ),
    ] {
        let e = env
            .store
            .create_organization_connection(
                &scope,
                NewConnection {
                    name: "refused".into(),
                    account_id: None,
                    role_arn: None,
                    external_id: None,
                    static_keys: None,
                },
                &bad,
                t(2),
            )
            .await
            .unwrap_err();
        assert!(
            matches!(&e, StoreError::InvalidInput { field: f, .. } if *f == field),
            "{e}"
        );
    }
    assert_eq!(env.store.connections(&scope).await.unwrap().len(), 2);
}
both!(settings_read_back_and_bad_ones_are_refused_by_name);

async fn an_organization_scan_stores_its_members_under_its_lease(env: Env) {
    let scope = tenant(&env, "a").await;
    let other = tenant(&env, "b").await;
    let conn = org_connection(&env, &scope).await;
    let scan = env.store.queue_scan(&scope, conn, t(2)).await.unwrap();
    let zombie = env
        .store
        .claim_scan(env.runner(), "w1", t(3))
        .await
        .unwrap()
        .unwrap();
    // w1 stalls past its lease; w2 takes the scan over.
    let live = env
        .store
        .claim_scan(env.runner(), "w2", t(4 + LEASE_SECS))
        .await
        .unwrap()
        .unwrap();
    assert_eq!((zombie.scan, live.scan), (scan, scan));
    let org = Org::new();
    let times = ScanTimes {
        started_at: t(10 + LEASE_SECS),
        finished_at: t(20 + LEASE_SECS),
    };
    let e = env
        .store
        .finish_organization_scan(&scope, &zombie.lease, &org.outcome(), times)
        .await
        .unwrap_err();
    assert!(matches!(e, StoreError::LeaseLost { .. }), "{e}");
    assert!(
        env.store
            .child_scans(&scope, scan)
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        env.store.organization_record(&scope, scan).await.unwrap(),
        None
    );

    let children = env
        .store
        .finish_organization_scan(&scope, &live.lease, &org.outcome(), times)
        .await
        .unwrap();
    assert_eq!(children.len(), 3);
    // The connection's own scans: the organization's only.
    let own = env.store.scans(&scope, Some(conn)).await.unwrap();
    assert_eq!(own.len(), 1);
    assert_eq!(
        (own[0].id, own[0].status, own[0].findings),
        (scan, ScanStatus::Succeeded, 0)
    );
    let listed = env.store.child_scans(&scope, scan).await.unwrap();
    assert_eq!(listed.len(), 3);
    let findings = demo_result().findings.len() as u64;
    for child in &listed {
        assert_eq!(child.parent, Some(scan));
        assert_eq!(child.status, ScanStatus::Succeeded);
        assert_eq!(child.findings, findings);
        assert!(children.contains(&child.id));
        let read = env.store.scan(&scope, child.id).await.unwrap().unwrap();
        assert_eq!(read.parent, Some(scan));
    }
    let accounts: Vec<String> = {
        let mut v = Vec::new();
        for c in &children {
            let r = env.store.load_result(&scope, *c).await.unwrap();
            v.push(r.account_id.as_str().to_owned());
        }
        v
    };
    assert_eq!(accounts, ["111111111111", "222222222222", "333333333333"]);

    let record = env
        .store
        .organization_record(&scope, scan)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(record.organization_id, "o-abc123def4");
    assert_eq!(
        record
            .members
            .iter()
            .map(|m| cloudarq_store::scans::ScanId(m.scan))
            .collect::<Vec<_>>(),
        children
    );
    assert_eq!(
        record.members[1].account.name, HOSTILE,
        "stored as typed; escaped where shown"
    );
    assert_eq!(record.gaps, org.gaps);
    assert_eq!(record.gaps[0].code, "AccessDenied");
    let skipped: Vec<(String, String)> = record
        .skipped
        .iter()
        .map(|s| (s.account.id.as_str().to_owned(), s.reason.to_string()))
        .collect();
    assert_eq!(
        skipped,
        [
            (
                "666666666666".to_owned(),
                "not active (SUSPENDED)".to_owned()
            ),
            ("444444444444".to_owned(), "excluded".to_owned())
        ]
    );

    // The connection's score history is the organization's roll-up.
    let cis = &org.scores[0];
    let history = env
        .store
        .score_history(&scope, conn, &cis.framework, t(0), t(100_000))
        .await
        .unwrap();
    assert_eq!(history.len(), 1);
    assert_eq!(history[0].scan, scan);
    assert_eq!(history[0].score, cis.total.score);
    assert_eq!(
        (history[0].passed, history[0].failed),
        (cis.total.passed, cis.total.failed)
    );

    // Another tenant sees nothing of it.
    assert_eq!(
        env.store.organization_record(&other, scan).await.unwrap(),
        None
    );
    assert!(
        env.store
            .child_scans(&other, scan)
            .await
            .unwrap()
            .is_empty()
    );
    assert!(env.store.scan(&other, children[0]).await.unwrap().is_none());

    // Deleted and purged: no scan of it is left, children included.
    env.store
        .delete_connection(&scope, conn, RetentionPolicy::default(), t(30 + LEASE_SECS))
        .await
        .unwrap();
    env.store
        .purge(env.runner(), t(30 + LEASE_SECS + 40 * 86_400))
        .await
        .unwrap();
    let mut db = raw(&env).await;
    let left = raw_rows!(db, (i64,), "SELECT count(*) FROM scans");
    assert_eq!(left, [(0,)], "the purge leaves no member scan behind");
}
both!(an_organization_scan_stores_its_members_under_its_lease);
