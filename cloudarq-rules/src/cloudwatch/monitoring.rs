//! What the CIS "Monitoring" rules share: following the chain CIS's audit
//! procedure follows, from the account's trail to a person being told.
//!
//! A control passes when one chain is complete:
//!
//! 1. a **trail** that is multi-region, logging, and logs every read and
//!    write management event, and delivers to a CloudWatch Logs group of
//!    this account;
//! 2. that **log group** exists and has a **metric filter** whose pattern
//!    catches every event the control names, judged by evaluating the
//!    pattern on synthetic CloudTrail records
//!    ([`covers`](super::filter_pattern::covers)), not by comparing text;
//! 3. an **alarm** in the log group's region watches a metric the filter
//!    publishes, with its actions enabled;
//! 4. one of the alarm's actions is an **SNS topic** of this account with at
//!    least one confirmed subscription.
//!
//! Otherwise the verdict is FAIL, naming the step where the best chain
//! broke, unless something that could have completed a chain was not
//! read (a listing's gap, a field not collected, a log group or topic in
//! another account): then it is *not collected*.

use cloudarq_model::inventory::cloudwatch::{Alarm, LogGroup, MetricName};
use cloudarq_model::rule::Outcome;
use cloudarq_model::{Arn, Collected, CoverageGap, Properties, ResourceType, Service, Snapshot};
use serde_json::{Value, json};

use super::filter_pattern::{Coverage, MonitoringControl, Pattern, covers};
use crate::cloudtrail::{listing_gap, logs_everything, not_collected_by_gap, trails};

/// The furthest a chain got before it broke, and why.
struct Broken {
    step: u8,
    message: String,
    evidence: Value,
}

/// Keeps the reason of the chain that got furthest (the first at that step).
fn further(best: &mut Option<Broken>, step: u8, message: String, evidence: Value) {
    if best.as_ref().is_none_or(|b| step > b.step) {
        *best = Some(Broken {
            step,
            message,
            evidence,
        });
    }
}

/// Remembers the first thing that was not read and could have completed a
/// chain.
fn note(field: &'static str, evidence: Value, unknown: &mut Option<(&'static str, Value)>) {
    unknown.get_or_insert((field, evidence));
}

/// A gap of a listing by `action` in `region` (or about no region).
fn region_gap<'a>(snapshot: &'a Snapshot, action: &str, region: &str) -> Option<&'a CoverageGap> {
    snapshot.gaps.iter().find(|g| {
        g.resource.is_none()
            && g.action == action
            && g.region.as_ref().is_none_or(|r| r.as_str() == region)
    })
}

/// The alarms of `region` that watch `metric`.
fn alarms_on<'a>(snapshot: &'a Snapshot, region: &str, metric: &MetricName) -> Vec<&'a Alarm> {
    snapshot
        .of_type(ResourceType::CloudWatchAlarm)
        .filter(|r| r.region.as_ref().is_some_and(|x| x.as_str() == region))
        .filter_map(|r| match &r.properties {
            Properties::CloudWatchAlarm(a) if a.watches(metric) => Some(&**a),
            _ => None,
        })
        .collect()
}

/// Whether `control` is monitored in the account (see the module docs);
/// `what` names the events in messages ("unauthorized API calls").
pub(crate) fn monitored(snapshot: &Snapshot, control: MonitoringControl, what: &str) -> Outcome {
    for svc in [Service::Cloudtrail, Service::Cloudwatch, Service::Sns] {
        if !snapshot.services.contains(&svc) {
            return Outcome::not_collected(format!("{svc} (not in the scan)"));
        }
    }
    let own = snapshot.account_id.as_str();
    let mut best: Option<Broken> = None;
    let mut unknown: Option<(&'static str, Value)> = None;
    for t in trails(snapshot) {
        match logs_everything(t) {
            Some(true) => {}
            Some(false) => continue,
            None => {
                note("trail status", json!({"trail": t.name}), &mut unknown);
                continue;
            }
        }
        let Some(raw) = t.cloudwatch_logs_log_group_arn.as_deref() else {
            continue;
        };
        let Ok(group_arn) = raw.trim_end_matches(":*").parse::<Arn>() else {
            continue;
        };
        if group_arn.account() != own {
            note(
                "log group",
                json!({"trail": t.name, "log_group_arn": raw,
                    "reason": "the log group is in another account; scan that account"}),
                &mut unknown,
            );
            continue;
        }
        let region = group_arn.region().to_owned();
        let group: Option<&LogGroup> =
            snapshot
                .resources
                .get(&group_arn)
                .and_then(|r| match &r.properties {
                    Properties::LogsLogGroup(g) => Some(&**g),
                    _ => None,
                });
        let Some(group) = group else {
            if let Some(g) = region_gap(snapshot, "logs:DescribeLogGroups", &region) {
                note(
                    "log groups",
                    json!({"action": g.action, "region": region}),
                    &mut unknown,
                );
            } else {
                further(
                    &mut best,
                    1,
                    format!(
                        "trail {} delivers to a log group that does not exist",
                        t.name
                    ),
                    json!({"trail": t.name, "log_group_arn": raw}),
                );
            }
            continue;
        };
        let filters = match &group.metric_filters {
            Collected::Value(f) => f,
            Collected::NotCollected => {
                note(
                    "metric_filters",
                    json!({"log_group": group.name}),
                    &mut unknown,
                );
                continue;
            }
        };
        let mut closest: Option<(&str, Vec<String>)> = None;
        let mut covering = Vec::new();
        for f in filters {
            let Ok(pattern) = Pattern::parse(&f.pattern) else {
                continue;
            };
            match covers(&pattern, control) {
                Coverage::Covers => covering.push(f),
                Coverage::Misses(m) => {
                    if closest.as_ref().is_none_or(|(_, c)| m.len() < c.len()) {
                        closest = Some((f.name.as_str(), m));
                    }
                }
            }
        }
        if covering.is_empty() {
            further(
                &mut best,
                2,
                format!(
                    "no metric filter on log group {} of trail {} catches every {what} event",
                    group.name, t.name
                ),
                json!({"trail": t.name, "log_group": group.name,
                    "closest_filter": closest.as_ref().map(|c| c.0),
                    "missed_events": closest.map(|c| c.1)}),
            );
            continue;
        }
        for f in covering {
            for metric in &f.metrics {
                let alarms = alarms_on(snapshot, &region, metric);
                if alarms.is_empty() {
                    if let Some(g) = region_gap(snapshot, "cloudwatch:DescribeAlarms", &region) {
                        note(
                            "alarms",
                            json!({"action": g.action, "region": region}),
                            &mut unknown,
                        );
                    } else {
                        further(
                            &mut best,
                            3,
                            format!(
                                "metric filter {} catches {what} but no alarm watches its metric {}/{}",
                                f.name, metric.namespace, metric.name
                            ),
                            json!({"trail": t.name, "log_group": group.name, "filter": f.name,
                                "metric": metric}),
                        );
                    }
                    continue;
                }
                for a in alarms {
                    if !a.actions_enabled {
                        further(
                            &mut best,
                            4,
                            format!("alarm {} on {what} has its actions disabled", a.name),
                            json!({"filter": f.name, "alarm": a.name}),
                        );
                        continue;
                    }
                    let topics: Vec<Arn> = a
                        .alarm_actions
                        .iter()
                        .filter_map(|x| x.parse::<Arn>().ok())
                        .filter(|x| x.service() == "sns")
                        .collect();
                    if topics.is_empty() {
                        further(
                            &mut best,
                            4,
                            format!("alarm {} on {what} notifies no SNS topic", a.name),
                            json!({"filter": f.name, "alarm": a.name}),
                        );
                        continue;
                    }
                    for topic_arn in topics {
                        let topic =
                            snapshot
                                .resources
                                .get(&topic_arn)
                                .and_then(|r| match &r.properties {
                                    Properties::SnsTopic(tp) => Some(&**tp),
                                    _ => None,
                                });
                        let Some(topic) = topic else {
                            if topic_arn.account() != own {
                                note(
                                    "topic",
                                    json!({"topic": topic_arn.to_string(),
                                    "reason": "the topic is in another account"}),
                                    &mut unknown,
                                );
                            } else if let Some(g) =
                                region_gap(snapshot, "sns:ListTopics", topic_arn.region())
                            {
                                note(
                                    "topics",
                                    json!({"action": g.action, "region": topic_arn.region()}),
                                    &mut unknown,
                                );
                            } else {
                                further(
                                    &mut best,
                                    5,
                                    format!(
                                        "alarm {} on {what} notifies a topic that does not exist",
                                        a.name
                                    ),
                                    json!({"alarm": a.name, "topic": topic_arn.to_string()}),
                                );
                            }
                            continue;
                        };
                        let Some(attrs) = topic.attributes.value() else {
                            note(
                                "topic attributes",
                                json!({"topic": topic.name}),
                                &mut unknown,
                            );
                            continue;
                        };
                        if attrs.subscriptions_confirmed == 0 {
                            further(
                                &mut best,
                                5,
                                format!(
                                    "alarm {} on {what} notifies topic {}, which has no confirmed subscription",
                                    a.name, topic.name
                                ),
                                json!({"alarm": a.name, "topic": topic.name,
                                    "subscriptions_pending": attrs.subscriptions_pending}),
                            );
                            continue;
                        }
                        return Outcome::pass(format!(
                            "{what} are monitored: trail {} -> log group {} -> filter {} -> alarm {} -> topic {} ({} confirmed subscriptions)",
                            t.name, group.name, f.name, a.name, topic.name, attrs.subscriptions_confirmed
                        ))
                        .with_evidence(json!({"trail": t.name, "log_group": group.name,
                            "filter": f.name, "metric": metric, "alarm": a.name,
                            "topic": topic.name,
                            "subscriptions_confirmed": attrs.subscriptions_confirmed}));
                    }
                }
            }
        }
    }
    if let Some(g) = listing_gap(snapshot, &["cloudtrail:DescribeTrails"]) {
        return not_collected_by_gap("trails", g);
    }
    if let Some((field, evidence)) = unknown {
        return Outcome::not_collected(field).with_evidence(evidence);
    }
    match best {
        Some(b) => Outcome::fail(b.message).with_evidence(b.evidence),
        None => Outcome::fail(format!(
            "{what} are not monitored: no logging multi-region trail with every management \
             event delivers to a CloudWatch Logs group"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{gap, kind, message, monitoring_snapshot, resource, trail};
    use cloudarq_model::Resource;

    const TOPIC: &str = "arn:aws:sns:eu-west-1:123456789012:alerts";

    fn group(filters: Value) -> Resource {
        resource(
            json!({"arn": "arn:aws:logs:eu-west-1:123456789012:log-group:trail-logs",
            "region": "eu-west-1", "name": "trail-logs",
            "properties": {"AWS::Logs::LogGroup": {"name": "trail-logs", "metric_filters": filters}}}),
        )
    }

    fn filter(pattern: &str) -> Value {
        json!({"value": [{"name": "root", "pattern": pattern,
            "metrics": [{"namespace": "CIS", "name": "Root"}]}]})
    }

    fn alarm(fields: Value) -> Resource {
        let mut props = json!({"name": "root-alarm", "metric": {"namespace": "CIS", "name": "Root"},
            "actions_enabled": true, "alarm_actions": [TOPIC]});
        for (k, v) in fields.as_object().expect("object") {
            props[k] = v.clone();
        }
        resource(
            json!({"arn": "arn:aws:cloudwatch:eu-west-1:123456789012:alarm:root-alarm",
            "region": "eu-west-1", "name": "root-alarm",
            "properties": {"AWS::CloudWatch::Alarm": props}}),
        )
    }

    fn topic(attributes: Value) -> Resource {
        resource(
            json!({"arn": TOPIC, "region": "eu-west-1", "name": "alerts",
            "properties": {"AWS::SNS::Topic": {"name": "alerts", "attributes": attributes}}}),
        )
    }

    const ROOT: &str = r#"{ $.userIdentity.type = "Root" && $.userIdentity.invokedBy NOT EXISTS && $.eventType != "AwsServiceEvent" }"#;

    fn chain() -> Vec<Resource> {
        vec![
            trail("main", json!({})),
            group(filter(ROOT)),
            alarm(json!({})),
            topic(json!({"value": {"subscriptions_confirmed": 1}})),
        ]
    }

    fn judge(resources: Vec<Resource>) -> Outcome {
        monitored(
            &monitoring_snapshot(resources),
            MonitoringControl::RootAccountUsage,
            "uses of the root user",
        )
    }

    fn replace(mut v: Vec<Resource>, r: Resource) -> Vec<Resource> {
        v.retain(|x| x.arn != r.arn);
        v.push(r);
        v
    }

    #[test]
    fn a_complete_chain_passes_whatever_the_pattern_s_spelling() {
        assert_eq!(kind(&judge(chain())), "pass");
        // Reordered, re-spaced and re-parenthesised: the same events.
        let same = r#"{($.eventType!="AwsServiceEvent")&&($.userIdentity.invokedBy NOT EXISTS)&&($.userIdentity.type="Root")}"#;
        let o = judge(replace(chain(), group(filter(same))));
        assert_eq!(kind(&o), "pass", "{o:?}");
        assert!(message(&o).contains("root-alarm"), "{}", message(&o));
        // A metric-math alarm reading the metric counts too.
        let math =
            alarm(json!({"metric": null, "math_metrics": [{"namespace": "CIS", "name": "Root"}]}));
        assert_eq!(kind(&judge(replace(chain(), math))), "pass");
    }

    #[test]
    fn each_broken_link_fails_and_names_where() {
        let cases = [
            (
                replace(chain(), trail("main", json!({"multi_region": false}))),
                "no logging multi-region trail",
            ),
            (
                replace(
                    chain(),
                    trail("main", json!({"cloudwatch_logs_log_group_arn": null})),
                ),
                "no logging multi-region trail",
            ),
            (
                replace(
                    chain(),
                    group(filter(r#"{ $.userIdentity.type = "IAMUser" }"#)),
                ),
                "no metric filter",
            ),
            (
                replace(chain(), group(filter("{ $.eventName = ConsoleLogin"))),
                "no metric filter",
            ),
            (
                replace(
                    chain(),
                    alarm(json!({"metric": {"namespace": "Other", "name": "Root"}})),
                ),
                "no alarm watches",
            ),
            (
                replace(chain(), alarm(json!({"actions_enabled": false}))),
                "actions disabled",
            ),
            (
                replace(
                    chain(),
                    alarm(json!({"alarm_actions": ["arn:aws:automate:eu-west-1:ec2:stop"]})),
                ),
                "notifies no SNS topic",
            ),
            (
                replace(
                    chain(),
                    topic(
                        json!({"value": {"subscriptions_confirmed": 0, "subscriptions_pending": 3}}),
                    ),
                ),
                "no confirmed subscription",
            ),
        ];
        for (resources, why) in cases {
            let o = judge(resources);
            assert_eq!(kind(&o), "fail", "{why}: {o:?}");
            assert!(message(&o).contains(why), "{why}: {}", message(&o));
        }
        // The log group and the topic were deleted.
        let mut gone = chain();
        gone.retain(|r| !r.arn.as_str().contains(":logs:"));
        assert!(message(&judge(gone)).contains("does not exist"));
        let mut gone = chain();
        gone.retain(|r| !r.arn.as_str().contains(":sns:"));
        assert!(message(&judge(gone)).contains("does not exist"));
    }

    #[test]
    fn what_was_not_read_is_not_collected_never_a_fail() {
        let unread = [
            replace(chain(), group(json!("not_collected"))),
            replace(chain(), topic(json!("not_collected"))),
            replace(chain(), trail("main", json!({"status": "not_collected"}))),
            replace(
                chain(),
                trail(
                    "main",
                    json!({"cloudwatch_logs_log_group_arn":
                "arn:aws:logs:eu-west-1:999999999999:log-group:org-trail:*"}),
                ),
            ),
        ];
        for resources in unread {
            let o = judge(resources);
            assert_eq!(kind(&o), "not_collected", "{o:?}");
        }
        // Listing gaps where the missing piece would be.
        let mut no_group = chain();
        no_group.retain(|r| !r.arn.as_str().contains(":logs:"));
        let mut snap = monitoring_snapshot(no_group);
        snap.gaps.push(gap(
            Service::Cloudwatch,
            "logs:DescribeLogGroups",
            Some("eu-west-1"),
            None,
        ));
        assert_eq!(
            kind(&monitored(&snap, MonitoringControl::RootAccountUsage, "x")),
            "not_collected"
        );
        let mut no_alarm = chain();
        no_alarm.retain(|r| !r.arn.as_str().contains(":alarm:"));
        let mut snap = monitoring_snapshot(no_alarm);
        snap.gaps.push(gap(
            Service::Cloudwatch,
            "cloudwatch:DescribeAlarms",
            Some("eu-west-1"),
            None,
        ));
        assert_eq!(
            kind(&monitored(&snap, MonitoringControl::RootAccountUsage, "x")),
            "not_collected"
        );
        // A gap in another region does not hide a complete chain.
        let mut snap = monitoring_snapshot(chain());
        snap.gaps.push(gap(
            Service::Cloudtrail,
            "cloudtrail:DescribeTrails",
            Some("us-east-1"),
            None,
        ));
        assert_eq!(
            kind(&monitored(&snap, MonitoringControl::RootAccountUsage, "x")),
            "pass"
        );
        // But it makes a FAIL unknown: a trail there might complete a chain.
        let mut snap =
            monitoring_snapshot(replace(chain(), alarm(json!({"actions_enabled": false}))));
        snap.gaps.push(gap(
            Service::Cloudtrail,
            "cloudtrail:DescribeTrails",
            Some("us-east-1"),
            None,
        ));
        assert_eq!(
            kind(&monitored(&snap, MonitoringControl::RootAccountUsage, "x")),
            "not_collected"
        );
        // A service left out of the scan is not collected either.
        let mut snap = monitoring_snapshot(chain());
        snap.services.retain(|s| *s != Service::Sns);
        assert_eq!(
            kind(&monitored(&snap, MonitoringControl::RootAccountUsage, "x")),
            "not_collected"
        );
    }

    #[test]
    fn a_filter_for_another_control_does_not_count() {
        let sg = "{ ($.eventName = AuthorizeSecurityGroupIngress) || ($.eventName = AuthorizeSecurityGroupEgress) || ($.eventName = RevokeSecurityGroupIngress) || ($.eventName = RevokeSecurityGroupEgress) || ($.eventName = CreateSecurityGroup) || ($.eventName = DeleteSecurityGroup) }";
        let resources = replace(chain(), group(filter(sg)));
        let snap = monitoring_snapshot(resources);
        assert_eq!(
            kind(&monitored(
                &snap,
                MonitoringControl::SecurityGroupChanges,
                "x"
            )),
            "pass"
        );
        assert_eq!(
            kind(&monitored(&snap, MonitoringControl::RootAccountUsage, "x")),
            "fail"
        );
        // One event short of the control: a near miss fails and names it.
        let short = sg.replace(" || ($.eventName = DeleteSecurityGroup)", "");
        let o = monitored(
            &monitoring_snapshot(replace(chain(), group(filter(&short)))),
            MonitoringControl::SecurityGroupChanges,
            "x",
        );
        assert_eq!(kind(&o), "fail");
        assert!(
            o.evidence.to_string().contains("DeleteSecurityGroup"),
            "{}",
            o.evidence
        );
    }
}
