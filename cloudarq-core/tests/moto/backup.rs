//! The AWS Backup collector against moto, in both test regions: a backup
//! plan whose selection assigns volumes by tag (as `ListOfTags` in one
//! region, as `Resources` plus `Conditions` in the other), a tagged volume
//! it covers, a volume it does not, and a volume with a recent recovery
//! point; then each Backup API denied in turn, a gap and *not collected*,
//! never a FAIL.
//!
//! moto 5.2 implements `CreateBackupPlan` and `ListBackupPlans` only: the
//! proxy answers `ListBackupSelections`, `GetBackupSelection`,
//! `ListProtectedResources` and `DescribeRegionSettings` as AWS does
//! (ARCHITECTURE.md, moto table).

use std::time::{SystemTime, UNIX_EPOCH};

use aws_sdk_backup::types::{BackupPlanInput, BackupRuleInput};
use aws_sdk_ec2::types::{ResourceType as Ec2ResourceType, Tag, TagSpecification};
use cloudarq_model::inventory::backup::{BackupPlan, BackupRegionSettings};
use cloudarq_model::rule::Status;
use cloudarq_model::{Arn, Collected, GapKind, Properties, ResourceType, Service, Snapshot};

use crate::harness::*;

const RULE: &str = "ec2_ebs_volume_protected_by_backup_plan";

/// The volumes of one region: tagged (in the plan's selection), plain (in
/// none), restored (a recent recovery point only).
struct Volumes {
    tagged: String,
    plain: String,
    restored: String,
}

async fn volume(env: &Env, r: &str, tag: Option<(&str, &str)>) -> String {
    let mut req = env
        .ec2(r)
        .await
        .create_volume()
        .availability_zone(format!("{r}a"))
        .size(8);
    if let Some((k, v)) = tag {
        req = req.tag_specifications(
            TagSpecification::builder()
                .resource_type(Ec2ResourceType::Volume)
                .tags(Tag::builder().key(k).value(v).build())
                .build(),
        );
    }
    req.send()
        .await
        .expect("create volume")
        .volume_id()
        .expect("volume id")
        .to_owned()
}

/// Creates the region's plan (in moto) and volumes.
async fn seed(env: &Env, r: &str) -> (String, Volumes) {
    let plan = env
        .backup(r)
        .await
        .create_backup_plan()
        .backup_plan(
            BackupPlanInput::builder()
                .backup_plan_name(format!("daily-{r}"))
                .rules(
                    BackupRuleInput::builder()
                        .rule_name("daily")
                        .target_backup_vault_name("Default")
                        .schedule_expression("cron(0 5 ? * * *)")
                        .build()
                        .expect("rule"),
                )
                .build()
                .expect("plan"),
        )
        .send()
        .await
        .expect("create backup plan");
    let id = plan.backup_plan_id().expect("plan id").to_owned();
    let vols = Volumes {
        tagged: volume(env, r, Some(("backup", "daily"))).await,
        plain: volume(env, r, Some(("env", "dev"))).await,
        restored: volume(env, r, None).await,
    };
    (id, vols)
}

/// `ListBackupSelections` per region: one selection.
const SELECTIONS: &[(&str, &str)] = &[
    (
        R1,
        r#"{"BackupSelectionsList":[{"SelectionId":"sel-tags","SelectionName":"tagged","IamRoleArn":"arn:aws:iam::123456789012:role/backup"}]}"#,
    ),
    (
        R2,
        r#"{"BackupSelectionsList":[{"SelectionId":"sel-conditions","SelectionName":"volumes-daily","IamRoleArn":"arn:aws:iam::123456789012:role/backup"}]}"#,
    ),
];

/// `GetBackupSelection` per region: by `ListOfTags` in one, by `Resources`
/// and `Conditions` in the other.
const SELECTION: &[(&str, &str)] = &[
    (
        R1,
        r#"{"SelectionId":"sel-tags","BackupSelection":{"SelectionName":"tagged","IamRoleArn":"arn:aws:iam::123456789012:role/backup","ListOfTags":[{"ConditionType":"STRINGEQUALS","ConditionKey":"backup","ConditionValue":"daily"}]}}"#,
    ),
    (
        R2,
        r#"{"SelectionId":"sel-conditions","BackupSelection":{"SelectionName":"volumes-daily","IamRoleArn":"arn:aws:iam::123456789012:role/backup","Resources":["arn:aws:ec2:*:*:volume/*"],"Conditions":{"StringEquals":[{"ConditionKey":"aws:ResourceTag/backup","ConditionValue":"daily"}]}}}"#,
    ),
];

/// A `ListProtectedResources` answer per region naming each region's
/// restored volume, backed up a day ago (the bodies hold moto's random
/// volume ids, so they are leaked to live as long as the proxy).
fn protected(restored: &[(&str, &str)]) -> &'static [(&'static str, &'static str)] {
    let day_ago = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("clock after 1970")
        .as_secs()
        - 86_400;
    let bodies: Vec<(&'static str, &'static str)> = restored
        .iter()
        .map(|(r, vol)| {
            let body = format!(
                r#"{{"Results":[{{"ResourceArn":"arn:aws:ec2:{r}:{ACCOUNT}:volume/{vol}","ResourceType":"EBS","LastBackupTime":{day_ago}}}]}}"#
            );
            let region: &'static str = Box::leak(r.to_string().into_boxed_str());
            (region, &*Box::leak(body.into_boxed_str()))
        })
        .collect();
    Box::leak(bodies.into_boxed_slice())
}

/// Seeds both regions and has the proxy answer what moto lacks.
async fn seeded() -> (Env, [(String, Volumes); 2]) {
    let env = Env::start().await;
    let s1 = seed(&env, R1).await;
    let s2 = seed(&env, R2).await;
    answer(&env, &s1.1, &s2.1);
    (env, [s1, s2])
}

/// The canned answers for the APIs moto lacks.
fn answer(env: &Env, v1: &Volumes, v2: &Volumes) {
    env.proxy.fault(
        "backup:DescribeRegionSettings",
        Fault::Respond {
            status: 200,
            body: crate::loopback::BACKUP_OPT_IN,
        },
    );
    env.proxy.fault(
        "backup:ListBackupSelections",
        Fault::RespondPerRegion { bodies: SELECTIONS },
    );
    env.proxy.fault(
        "backup:GetBackupSelection",
        Fault::RespondPerRegion { bodies: SELECTION },
    );
    env.proxy.fault(
        "backup:ListProtectedResources",
        Fault::RespondPerRegion {
            bodies: protected(&[(R1, &v1.restored), (R2, &v2.restored)]),
        },
    );
}

async fn scan(env: &Env) -> Snapshot {
    env.collect(&[Service::Ec2, Service::Backup]).await
}

fn vol_arn(r: &str, id: &str) -> Arn {
    format!("arn:aws:ec2:{r}:{ACCOUNT}:volume/{id}")
        .parse()
        .expect("test ARN")
}

fn settings<'s>(snap: &'s Snapshot, r: &str) -> &'s BackupRegionSettings {
    let arn: Arn = format!("arn:aws:backup:{r}:{ACCOUNT}:account")
        .parse()
        .expect("test ARN");
    match snap.resources.get(&arn).map(|res| &res.properties) {
        Some(Properties::BackupRegionSettings(s)) => s,
        other => panic!("{r}: backup settings {other:?}"),
    }
}

fn plan<'s>(snap: &'s Snapshot, r: &str, id: &str) -> (&'s str, &'s BackupPlan) {
    let arn: Arn = format!("arn:aws:backup:{r}:{ACCOUNT}:backup-plan:{id}")
        .parse()
        .expect("test ARN");
    let res = snap
        .resources
        .get(&arn)
        .unwrap_or_else(|| panic!("plan {id} of {r} collected"));
    match &res.properties {
        Properties::BackupPlan(p) => (res.name.as_str(), p),
        other => panic!("{r}: {:?}", other.resource_type()),
    }
}

fn status(snap: &Snapshot, r: &str, id: &str) -> Option<Status> {
    let arn = vol_arn(r, id);
    rule_status(snap, RULE, &arn)
}

#[tokio::test]
async fn backup_collects_plans_selections_and_protected_volumes_in_both_regions() {
    let (env, seeded) = seeded().await;
    let snap = scan(&env).await;
    // EC2's own gaps (moto lacks `GetEbsDefaultKmsKeyId`) are not this test's.
    let gaps: Vec<_> = snap
        .gaps
        .iter()
        .filter(|g| g.service == Service::Backup)
        .collect();
    assert!(gaps.is_empty(), "{gaps:#?}");
    assert_eq!(snap.of_type(ResourceType::BackupPlan).count(), 2);
    assert_eq!(snap.of_type(ResourceType::BackupRegionSettings).count(), 2);
    for (r, (id, vols)) in [R1, R2].into_iter().zip(&seeded) {
        let s = settings(&snap, r);
        assert_eq!(s.backup_plans, Collected::Value(vec![id.clone()]));
        let Collected::Value(protected) = &s.protected_resources else {
            panic!("{r}: protected resources {:?}", s.protected_resources);
        };
        assert_eq!(protected.len(), 1);
        assert_eq!(
            protected[0].resource_arn,
            vol_arn(r, &vols.restored).as_str()
        );
        assert_eq!(protected[0].resource_type.as_deref(), Some("EBS"));
        assert!(protected[0].last_backup_time.is_some());
        assert_eq!(s.opted_in("EBS"), Some(true));
        assert_eq!(s.opted_in("S3"), Some(false));

        let (name, p) = plan(&snap, r, id);
        assert_eq!(name, format!("daily-{r}"));
        assert_eq!(p.plan_id, *id);
        assert!(p.version_id.is_some());
        let Collected::Value(sel) = &p.selections else {
            panic!("{r}: selections {:?}", p.selections);
        };
        assert_eq!(sel.len(), 1);
        if r == R1 {
            assert_eq!(sel[0].selection_id, "sel-tags");
            assert_eq!(sel[0].name, "tagged");
            assert!(sel[0].resources.is_empty() && sel[0].conditions.is_empty());
            assert_eq!(sel[0].list_of_tags[0].key, "backup");
            assert_eq!(sel[0].list_of_tags[0].operator, "STRINGEQUALS");
        } else {
            assert_eq!(sel[0].selection_id, "sel-conditions");
            assert_eq!(sel[0].resources, ["arn:aws:ec2:*:*:volume/*"]);
            assert!(sel[0].list_of_tags.is_empty());
            assert_eq!(sel[0].conditions[0].operator, "StringEquals");
            assert_eq!(sel[0].conditions[0].key, "aws:ResourceTag/backup");
            assert_eq!(sel[0].conditions[0].value, "daily");
        }

        assert_eq!(status(&snap, r, &vols.tagged), Some(Status::Pass), "{r}");
        assert_eq!(status(&snap, r, &vols.restored), Some(Status::Pass), "{r}");
        assert_eq!(status(&snap, r, &vols.plain), Some(Status::Fail), "{r}");
    }
    // One listing of each kind per region, and one selection read per plan.
    let seen = env.proxy.seen();
    let count = |op: &str| seen.iter().filter(|s| s.operation == op).count();
    assert_eq!(count("backup:ListBackupPlans"), 2);
    assert_eq!(count("backup:ListProtectedResources"), 2);
    assert_eq!(count("backup:ListBackupSelections"), 2);
    assert_eq!(count("backup:GetBackupSelection"), 2);
    assert_eq!(count("backup:DescribeRegionSettings"), 2);
}

/// Each Backup API denied in turn: a gap, and the volume that nothing else
/// shows protected is *not collected*, never FAIL.
#[tokio::test]
async fn backup_denied_calls_are_gaps_never_a_fail() {
    let (env, seeded) = seeded().await;
    let [(_, v1), (_, v2)] = &seeded;
    for action in [
        "backup:ListBackupPlans",
        "backup:ListBackupSelections",
        "backup:GetBackupSelection",
        "backup:ListProtectedResources",
        "backup:DescribeRegionSettings",
    ] {
        env.proxy.fault(
            action,
            Fault::Error {
                code: "AccessDeniedException",
                status: 403,
            },
        );
        let snap = scan(&env).await;
        for r in [R1, R2] {
            assert!(
                snap.gaps.iter().any(|g| g.service == Service::Backup
                    && g.action == action
                    && g.kind == GapKind::AccessDenied
                    && g.region.as_ref().map(|x| x.as_str()) == Some(r)),
                "{action} in {r}: {:#?}",
                snap.gaps
            );
        }
        for (r, (id, vols)) in [R1, R2].into_iter().zip(&seeded) {
            let s = settings(&snap, r);
            match action {
                "backup:ListBackupPlans" => {
                    assert_eq!(s.backup_plans, Collected::NotCollected);
                    assert_eq!(snap.of_type(ResourceType::BackupPlan).count(), 0);
                }
                "backup:ListProtectedResources" => {
                    assert_eq!(s.protected_resources, Collected::NotCollected);
                }
                "backup:DescribeRegionSettings" => {
                    assert_eq!(s.resource_type_opt_in, Collected::NotCollected);
                    // The selection assigns the tagged volume, but whether
                    // EBS may be backed up is unknown: not collected. No
                    // selection assigns the plain one: the opt-in cannot
                    // change its FAIL.
                    assert_eq!(status(&snap, r, &vols.tagged), None, "{r}");
                    assert_eq!(status(&snap, r, &vols.plain), Some(Status::Fail));
                    assert_eq!(status(&snap, r, &vols.restored), Some(Status::Pass));
                    continue;
                }
                _ => assert_eq!(plan(&snap, r, id).1.selections, Collected::NotCollected),
            }
            // The plain volume is never FAIL while anything is unread.
            assert_eq!(status(&snap, r, &vols.plain), None, "{action} {r}");
        }
        env.proxy.clear_fault(action);
        answer(&env, v1, v2);
    }
}
