//! Whether AWS Backup protects a resource: the evidence shared by
//! `ec2_ebs_volume_protected_by_backup_plan`,
//! `rds_instance_protected_by_backup_plan` and
//! `rds_cluster_protected_by_backup_plan`.
//!
//! A resource is **protected** when, in its own region (backup plans are
//! regional):
//!
//! 1. a selection of a backup plan assigns it, and the region lets AWS
//!    Backup back up its type (`DescribeRegionSettings`' opt-in for `EBS`,
//!    `EC2`, `RDS`, `Aurora`), with the selection read as AWS Backup does: the
//!    resource matches one of the selection's `Resources` ARN patterns (`*`
//!    matches any run of characters, so `arn:aws:ec2:*:*:volume/*` and `*`
//!    match every volume) or one of its `ListOfTags` (tag equals value;
//!    when both lists are empty, every resource matches), it meets every one
//!    of its `Conditions` (`StringEquals`, `StringNotEquals`, `StringLike`,
//!    `StringNotLike` on `aws:ResourceTag/<key>`, against the tags the
//!    snapshot holds for it) and matches none of its `NotResources`; or
//! 2. AWS Backup holds a recovery point of it made within
//!    [`RECENT_DAYS`] days of the scan (`ListProtectedResources`): a
//!    resource backed up by a plan in another account (an organization
//!    backup policy) or by a plan since edited shows here.
//!
//! Prowler's check looks at the selections' `Resources` only, so a volume
//! assigned by tags fails there; CloudArq counts tags and conditions too.
//! An EBS volume is also protected through an instance it is attached to
//! (an EC2 backup covers the instance's volumes): the same two tests run on
//! the instance's ARN and tags.
//!
//! Anything unread that could make a resource protected makes the answer
//! *not collected*, never unprotected: the region's Backup settings
//! missing (the `backup` service was not collected), the plan listing or
//! the protected-resource listing failed, a plan's selections were not
//! read, the resource-type opt-in unread when a selection assigns the
//! resource, a condition CloudArq cannot evaluate (an operator or key it
//! does not know), or an attached instance missing from the snapshot when a
//! selection tests tags. A selection of a type the region opted out of
//! protects nothing, and the evidence says so.

use cloudarq_model::inventory::backup::{BackupSelection, SelectionCondition};
use cloudarq_model::{
    Arn, Collected, Properties, Resource, ResourceType, Snapshot, Tags, Timestamp,
};
use serde_json::{Value, json};

/// A recovery point at most this many days old protects a resource: a
/// monthly plan's last run, with a few days' grace.
pub(crate) const RECENT_DAYS: i64 = 35;

/// The condition key prefix of a resource tag.
const TAG_KEY: &str = "aws:ResourceTag/";

/// A resource as a selection sees it: its ARN and, when the snapshot holds
/// it, its tags.
pub(crate) struct Target<'a> {
    /// The ARN AWS Backup knows it by.
    pub arn: &'a str,
    /// Its tags; `None` when the snapshot does not hold the resource.
    pub tags: Option<&'a Tags>,
    /// How it relates to the resource checked (`None` for the resource
    /// itself, `Some("instance i-…")` for an attached instance).
    pub via: Option<String>,
    /// AWS Backup's name of its resource type (`EBS`, `EC2`, `RDS`,
    /// `Aurora`), as the region's opt-in names it.
    pub backup_type: &'static str,
}

/// What the snapshot says about a resource's protection.
pub(crate) enum Protection {
    /// Protected; the message fragment and evidence say how.
    Protected(String, Value),
    /// Nothing protects it, and everything that could was read.
    Unprotected(Value),
    /// Something that could protect it was not read: the outcome's field
    /// and evidence.
    NotCollected(&'static str, Value),
}

/// Whether AWS Backup protects `resource` (or, through `targets`, what
/// backs it up with it). `targets` holds the resource first.
pub(crate) fn protection(
    resource: &Resource,
    targets: &[Target<'_>],
    snapshot: &Snapshot,
) -> Protection {
    let region = resource.region.as_ref();
    let settings =
        Arn::account_setting(&snapshot.partition, "backup", region, &snapshot.account_id)
            .ok()
            .and_then(|arn| snapshot.resources.get(&arn))
            .and_then(|r| match &r.properties {
                Properties::BackupRegionSettings(s) => Some(&**s),
                _ => None,
            });
    let Some(settings) = settings else {
        return Protection::NotCollected(
            "AWS Backup settings",
            json!({"region": region, "reason": "the region's AWS Backup data is not in the snapshot"}),
        );
    };
    let mut unread: Vec<String> = Vec::new();
    let mut opted_out: Vec<String> = Vec::new();
    let mut plan_ids: Vec<&str> = Vec::new();
    for r in snapshot
        .of_type(ResourceType::BackupPlan)
        .filter(|r| r.region.as_ref() == region)
    {
        let Properties::BackupPlan(plan) = &r.properties else {
            continue;
        };
        plan_ids.push(&plan.plan_id);
        let Collected::Value(selections) = &plan.selections else {
            unread.push(format!("selections of plan {}", r.name));
            continue;
        };
        for sel in selections {
            for t in targets {
                match assigns(sel, t.arn, t.tags).map(|a| (a, settings.opted_in(t.backup_type))) {
                    Some((true, Some(false))) => opted_out.push(format!(
                        "selection {} of plan {} ({} is opted out in the region)",
                        sel.name, r.name, t.backup_type
                    )),
                    Some((true, None)) => unread.push(format!(
                        "the region's opt-in for {} (selection {} of plan {} assigns it)",
                        t.backup_type, sel.name, r.name
                    )),
                    Some((true, Some(true))) => {
                        let via = t
                            .via
                            .as_ref()
                            .map(|v| format!(" through {v}"))
                            .unwrap_or_default();
                        return Protection::Protected(
                            format!("selection {} of backup plan {}{via}", sel.name, r.name),
                            json!({"backup_plan": r.arn, "plan_name": r.name,
                                   "selection": sel.name, "via": t.via}),
                        );
                    }
                    Some((false, _)) => {}
                    None => unread.push(format!(
                        "selection {} of plan {} (a condition CloudArq cannot evaluate{})",
                        sel.name,
                        r.name,
                        t.via
                            .as_ref()
                            .map(|v| format!(" for {v}"))
                            .unwrap_or_default()
                    )),
                }
            }
        }
    }
    match &settings.backup_plans {
        Collected::Value(ids) => {
            for id in ids {
                if !plan_ids.contains(&id.as_str()) {
                    unread.push(format!("backup plan {id}"));
                }
            }
        }
        Collected::NotCollected => unread.push("the region's backup plans".to_owned()),
    }
    let mut stale: Vec<Value> = Vec::new();
    match &settings.protected_resources {
        Collected::Value(list) => {
            for t in targets {
                let Some(p) = list.iter().find(|p| p.resource_arn == t.arn) else {
                    continue;
                };
                if p.last_backup_time
                    .is_some_and(|at| recent(at, snapshot.collected_at))
                {
                    let via = t
                        .via
                        .as_ref()
                        .map(|v| format!(" of {v}"))
                        .unwrap_or_default();
                    return Protection::Protected(
                        format!("a recovery point{via} from {}", display(p.last_backup_time)),
                        json!({"last_backup_time": p.last_backup_time, "via": t.via}),
                    );
                }
                stale.push(json!({"resource": t.arn, "last_backup_time": p.last_backup_time}));
            }
        }
        Collected::NotCollected => unread.push("the region's protected resources".to_owned()),
    }
    if !unread.is_empty() {
        return Protection::NotCollected("AWS Backup plans", json!({"not_read": unread}));
    }
    Protection::Unprotected(json!({
        "backup_plans": plan_ids.len(),
        "older_recovery_points": stale,
        "opted_out_selections": opted_out,
    }))
}

/// Whether `t` was at most [`RECENT_DAYS`] before `now` (a time after `now`
/// counts: clocks differ).
fn recent(t: Timestamp, now: Timestamp) -> bool {
    t.days_until(now) <= RECENT_DAYS
}

/// A timestamp for a message.
fn display(t: Option<Timestamp>) -> String {
    t.map_or_else(|| "an unknown time".to_owned(), |t| t.to_string())
}

/// Whether the selection assigns the resource: `None` when it depends on
/// something CloudArq cannot evaluate (an unknown operator or key, or tags
/// it does not hold).
pub(crate) fn assigns(sel: &BackupSelection, arn: &str, tags: Option<&Tags>) -> Option<bool> {
    if sel.not_resources.iter().any(|p| glob(p, arn, false)) {
        return Some(false);
    }
    let everything = sel.resources.is_empty() && sel.list_of_tags.is_empty();
    let included = if everything || sel.resources.iter().any(|p| glob(p, arn, false)) {
        Some(true)
    } else {
        any(sel.list_of_tags.iter().map(|c| tag_condition(c, tags)))
    };
    and(
        included,
        all(sel.conditions.iter().map(|c| condition(c, tags))),
    )
}

/// One `ListOfTags` entry: `STRINGEQUALS` on a tag key (bare, or as
/// `aws:ResourceTag/<key>`).
fn tag_condition(c: &SelectionCondition, tags: Option<&Tags>) -> Option<bool> {
    if !c.operator.eq_ignore_ascii_case("STRINGEQUALS") {
        return None;
    }
    let key = c.key.strip_prefix(TAG_KEY).unwrap_or(&c.key);
    Some(tags?.get(key).is_some_and(|v| *v == c.value))
}

/// One `Conditions` entry, on `aws:ResourceTag/<key>`; a tag the resource
/// lacks meets the negated operators only (as in IAM).
fn condition(c: &SelectionCondition, tags: Option<&Tags>) -> Option<bool> {
    let key = c.key.strip_prefix(TAG_KEY)?;
    let value = tags?.get(key);
    match c.operator.as_str() {
        "StringEquals" => Some(value.is_some_and(|v| *v == c.value)),
        "StringNotEquals" => Some(value.is_none_or(|v| *v != c.value)),
        "StringLike" => Some(value.is_some_and(|v| glob(&c.value, v, true))),
        "StringNotLike" => Some(value.is_none_or(|v| !glob(&c.value, v, true))),
        _ => None,
    }
}

/// Three-valued OR: `Some(true)` wins over unknown.
fn any(it: impl Iterator<Item = Option<bool>>) -> Option<bool> {
    let mut out = Some(false);
    for v in it {
        match v {
            Some(true) => return Some(true),
            None => out = None,
            Some(false) => {}
        }
    }
    out
}

/// Three-valued AND: `Some(false)` wins over unknown.
fn all(it: impl Iterator<Item = Option<bool>>) -> Option<bool> {
    let mut out = Some(true);
    for v in it {
        match v {
            Some(false) => return Some(false),
            None => out = None,
            Some(true) => {}
        }
    }
    out
}

/// Three-valued AND of two.
fn and(a: Option<bool>, b: Option<bool>) -> Option<bool> {
    all([a, b].into_iter())
}

/// Whether `text` matches `pattern`, where `*` matches any run of
/// characters and, when `single` is set, `?` matches one character.
/// Iterative with one backtrack point, so linear in practice and never
/// exponential.
fn glob(pattern: &str, text: &str, single: bool) -> bool {
    let p: Vec<char> = pattern.chars().collect();
    let t: Vec<char> = text.chars().collect();
    let (mut pi, mut ti) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while ti < t.len() {
        if pi < p.len() && (p[pi] == t[ti] || (single && p[pi] == '?')) {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some((pi, ti));
            pi += 1;
        } else if let Some((sp, st)) = star {
            pi = sp + 1;
            ti = st + 1;
            star = Some((sp, st + 1));
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|c| *c == '*')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sel(resources: &[&str]) -> BackupSelection {
        BackupSelection {
            selection_id: "s".into(),
            name: "s".into(),
            resources: resources.iter().map(|s| (*s).to_owned()).collect(),
            not_resources: Vec::new(),
            list_of_tags: Vec::new(),
            conditions: Vec::new(),
        }
    }

    fn cond(operator: &str, key: &str, value: &str) -> SelectionCondition {
        SelectionCondition {
            operator: operator.into(),
            key: key.into(),
            value: value.into(),
        }
    }

    const VOL: &str = "arn:aws:ec2:eu-west-1:123456789012:volume/vol-1";

    #[test]
    fn arn_patterns_match_as_aws_backup_reads_them() {
        let tags = Tags::new();
        for p in [
            "*",
            "arn:aws:ec2:*:*:volume/*",
            VOL,
            "arn:aws:ec2:eu-west-1:*:volume/vol-*",
        ] {
            assert_eq!(assigns(&sel(&[p]), VOL, Some(&tags)), Some(true), "{p}");
        }
        for p in [
            "arn:aws:ec2:*:*:instance/*",
            "arn:aws:rds:*:*:db:*",
            "arn:aws:ec2:eu-west-1:123456789012:volume/vol-10",
            "arn:aws:ec2:eu-west-1:123456789012:volume/vol-?",
        ] {
            assert_eq!(assigns(&sel(&[p]), VOL, Some(&tags)), Some(false), "{p}");
        }
        let mut excluded = sel(&["*"]);
        excluded.not_resources.push(VOL.to_owned());
        assert_eq!(assigns(&excluded, VOL, None), Some(false));
        // No resources and no tags: everything.
        assert_eq!(assigns(&sel(&[]), VOL, Some(&tags)), Some(true));
    }

    #[test]
    fn tags_and_conditions() {
        let tags: Tags = [("backup".to_owned(), "daily".to_owned())].into();
        let mut by_tag = sel(&[]);
        by_tag
            .list_of_tags
            .push(cond("STRINGEQUALS", "backup", "daily"));
        assert_eq!(assigns(&by_tag, VOL, Some(&tags)), Some(true));
        assert_eq!(assigns(&by_tag, VOL, Some(&Tags::new())), Some(false));
        assert_eq!(assigns(&by_tag, VOL, None), None);
        let mut conditioned = sel(&["arn:aws:ec2:*:*:volume/*"]);
        conditioned
            .conditions
            .push(cond("StringLike", "aws:ResourceTag/backup", "da?l*"));
        assert_eq!(assigns(&conditioned, VOL, Some(&tags)), Some(true));
        conditioned
            .conditions
            .push(cond("StringNotEquals", "aws:ResourceTag/env", "dev"));
        assert_eq!(assigns(&conditioned, VOL, Some(&tags)), Some(true));
        conditioned
            .conditions
            .push(cond("StringEquals", "aws:ResourceTag/env", "prod"));
        assert_eq!(assigns(&conditioned, VOL, Some(&tags)), Some(false));
        let mut unknown = sel(&["*"]);
        unknown
            .conditions
            .push(cond("StringEquals", "aws:RequestTag/x", "y"));
        assert_eq!(assigns(&unknown, VOL, Some(&tags)), None);
        // A known false wins over an unknown.
        unknown.not_resources.push("*".into());
        assert_eq!(assigns(&unknown, VOL, Some(&tags)), Some(false));
    }

    #[test]
    fn globs_do_not_blow_up() {
        let long = "a".repeat(2000);
        assert!(!glob(
            &"*a".repeat(50),
            &[long.as_str(), "b"].concat(),
            true
        ));
        assert!(glob("a*b*c", "aXXbYYc", false));
        assert!(!glob("a*b*c", "aXXbYY", false));
    }

    #[test]
    fn recent_means_within_the_window() {
        let now: Timestamp = "2026-06-30T00:00:00Z".parse().expect("time");
        let at = |s: &str| s.parse::<Timestamp>().expect("time");
        assert!(recent(at("2026-06-29T00:00:00Z"), now));
        assert!(recent(at("2026-05-26T00:00:00Z"), now));
        assert!(!recent(at("2026-05-01T00:00:00Z"), now));
        assert!(recent(at("2026-07-01T00:00:00Z"), now));
    }
}
