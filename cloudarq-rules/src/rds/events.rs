//! Which RDS event subscriptions cover a source type's critical events,
//! shared by the `rds_instance_event_subscription_*` rules.

use cloudarq_model::inventory::rds::{EventSubscription, RdsRegionSettings};
use cloudarq_model::rule::Outcome;
use cloudarq_model::{Collected, Properties, Resource};
use serde_json::json;

/// Whether `sub` is enabled and sends every event of `categories` for
/// sources of `source_type`: it names the type (or every type, with no
/// type given), and lists each category (or none, meaning all).
pub(crate) fn covers(sub: &EventSubscription, source_type: &str, categories: &[&str]) -> bool {
    let type_ok = match sub.source_type.as_deref() {
        Some(t) => t == source_type,
        None => sub.event_categories.is_empty(),
    };
    let categories_ok = sub.event_categories.is_empty()
        || categories.iter().all(|c| {
            sub.event_categories
                .iter()
                .any(|e| e.eq_ignore_ascii_case(c))
        });
    sub.enabled && type_ok && categories_ok
}

/// The outcome of a region-wide subscription rule: PASS naming the first
/// covering subscription, FAIL when none covers, *not collected* when the
/// subscriptions were not read.
pub(crate) fn evaluate(
    resource: &Resource,
    source_type: &str,
    categories: &[&str],
    what: &str,
) -> Outcome {
    let Properties::RdsRegionSettings(settings) = &resource.properties else {
        return Outcome::not_applicable();
    };
    let RdsRegionSettings {
        event_subscriptions: Collected::Value(subs),
        ..
    } = &**settings
    else {
        return Outcome::not_collected("event_subscriptions");
    };
    let region = resource
        .region
        .as_ref()
        .map_or("the region", |r| r.as_str());
    let covering: Vec<&str> = subs
        .iter()
        .filter(|s| covers(s, source_type, categories))
        .map(|s| s.name.as_str())
        .collect();
    let evidence =
        json!({"source_type": source_type, "categories": categories, "covering": covering});
    match covering.first() {
        Some(name) => Outcome::pass(format!(
            "RDS event subscription {name} covers {what} in {region}"
        )),
        None => Outcome::fail(format!(
            "no enabled RDS event subscription covers {what} in {region}"
        )),
    }
    .with_evidence(evidence)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sub(source_type: Option<&str>, categories: &[&str], enabled: bool) -> EventSubscription {
        EventSubscription {
            name: "s".to_owned(),
            source_type: source_type.map(str::to_owned),
            event_categories: categories.iter().map(|c| (*c).to_owned()).collect(),
            source_ids: Vec::new(),
            enabled,
            status: Some("active".to_owned()),
            sns_topic_arn: None,
        }
    }

    #[test]
    fn coverage_needs_type_categories_and_enabled() {
        let critical = ["configuration change", "failure"];
        let sg = "db-security-group";
        assert!(covers(&sub(Some(sg), &[], true), sg, &critical));
        assert!(covers(
            &sub(Some(sg), &["failure", "configuration change"], true),
            sg,
            &critical
        ));
        assert!(!covers(&sub(Some(sg), &["failure"], true), sg, &critical));
        assert!(!covers(&sub(Some(sg), &[], false), sg, &critical));
        assert!(!covers(&sub(Some("db-instance"), &[], true), sg, &critical));
        // No type and no category: every event of every source.
        assert!(covers(&sub(None, &[], true), sg, &critical));
        assert!(!covers(&sub(None, &["failure"], true), sg, &critical));
    }
}
