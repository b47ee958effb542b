//! Helpers for the rules' unit tests: resources and snapshots from JSON in
//! the golden-case shape, and a short name for each verdict.

use cloudarq_model::rule::{Outcome, Rule, Verdict};
use cloudarq_model::{Resource, Snapshot};
use serde_json::Value;

/// A resource from its JSON form (`{"arn", "region", "name", "properties"}`).
pub(crate) fn resource(v: Value) -> Resource {
    serde_json::from_value(v).expect("test resource JSON is valid")
}

/// A snapshot of account 123456789012 taken at 2026-06-01T00:00:00Z.
pub(crate) fn snapshot(resources: Vec<Resource>) -> Snapshot {
    let mut s = Snapshot::new(
        "123456789012".parse().expect("valid account"),
        cloudarq_model::Partition::aws(),
        "2026-06-01T00:00:00Z".parse().expect("valid time"),
    );
    s.resources.extend(resources);
    s
}

/// Evaluates `rule` on the snapshot's resource `arn`.
pub(crate) fn eval(rule: &dyn Rule, snap: &Snapshot, arn: &str) -> Outcome {
    let arn = arn.parse().expect("valid ARN");
    let r = snap.resources.get(&arn).expect("resource in snapshot");
    rule.evaluate(r, snap).expect("rule does not error")
}

/// `pass`, `fail`, `not_collected` or `not_applicable`.
pub(crate) fn kind(o: &Outcome) -> &'static str {
    match o.verdict {
        Verdict::Pass(_) => "pass",
        Verdict::Fail(_) => "fail",
        Verdict::NotCollected { .. } => "not_collected",
        Verdict::NotApplicable => "not_applicable",
    }
}

/// The verdict's message, empty for verdicts without one.
pub(crate) fn message(o: &Outcome) -> &str {
    match &o.verdict {
        Verdict::Pass(m) | Verdict::Fail(m) => m,
        _ => "",
    }
}

/// An IAM coverage gap (AccessDenied) for `action`, about `resource` if given.
pub(crate) fn iam_gap(action: &str, resource: Option<&str>) -> cloudarq_model::CoverageGap {
    cloudarq_model::CoverageGap {
        service: cloudarq_model::Service::Iam,
        region: None,
        action: action.to_owned(),
        resource: resource.map(|a| a.parse().expect("valid ARN")),
        kind: cloudarq_model::GapKind::AccessDenied,
        error_code: Some("AccessDenied".to_owned()),
        message: "access denied".to_owned(),
    }
}

/// Checks the metadata of a service's rules: the id names the rule's file
/// under `src/<dir>/` and starts with the service, the title states the
/// secure state in at most 150 characters without "Ensure", the resource
/// types belong to the service, remediation is filled in with an HTTPS
/// link, and every rule cites at least one known control, none twice.
pub(crate) fn check_meta(rules: &[&dyn Rule], dir: &str) {
    const FRAMEWORKS: &[&str] = &["cis_aws_3.0", "cis_aws_7.0", "aws_fsbp", "nist_800_53_r5"];
    let src = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("src")
        .join(dir);
    for rule in rules {
        let m = rule.meta();
        assert!(
            src.join(format!("{}.rs", m.id)).is_file(),
            "{}: no file src/{dir}/{}.rs",
            m.id,
            m.id
        );
        assert!(
            m.id.starts_with(&format!("{}_", m.service.as_str())),
            "{}: id does not start with its service",
            m.id
        );
        assert!(
            m.id.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_'),
            "{}",
            m.id
        );
        assert!(
            !m.title.is_empty() && m.title.chars().count() <= 150,
            "{}: title length",
            m.id
        );
        assert!(
            !m.title.to_lowercase().contains("ensure"),
            "{}: title says Ensure",
            m.id
        );
        assert!(
            !m.title.ends_with('.'),
            "{}: title ends with a period",
            m.id
        );
        assert!(!m.resource_types.is_empty(), "{}: no resource types", m.id);
        for t in m.resource_types {
            assert_eq!(
                t.service(),
                m.service,
                "{}: {t} is not a {} type",
                m.id,
                m.service
            );
        }
        assert!(m.rationale.len() > 40, "{}: rationale too short", m.id);
        let r = m.remediation;
        assert!(
            r.cli.contains("aws ") && !r.console.is_empty(),
            "{}: remediation",
            m.id
        );
        assert!(r.url.starts_with("https://"), "{}: remediation url", m.id);
        // "At least one control" is checked by tests/catalog.rs.
        for (i, c) in m.controls.iter().enumerate() {
            assert!(
                FRAMEWORKS.contains(&c.framework),
                "{}: unknown framework {}",
                m.id,
                c.framework
            );
            assert!(
                !m.controls[..i].contains(c),
                "{}: control {c:?} twice",
                m.id
            );
        }
    }
}

/// The ARN of the test account's `AWS::CloudTrail::Account`.
pub(crate) const CLOUDTRAIL_ACCOUNT: &str = "arn:aws:cloudtrail::123456789012:account";

/// The ARN of the test account's `AWS::CloudWatch::Account`.
pub(crate) const CLOUDWATCH_ACCOUNT: &str = "arn:aws:cloudwatch::123456789012:account";

/// A snapshot with CloudTrail, CloudWatch, SNS and S3 collected in
/// eu-west-1 and us-east-1, holding both account resources and `resources`.
pub(crate) fn monitoring_snapshot(resources: Vec<Resource>) -> Snapshot {
    use cloudarq_model::Service;
    let mut s = snapshot(resources);
    s.regions = vec![
        "eu-west-1".parse().expect("valid region"),
        "us-east-1".parse().expect("valid region"),
    ];
    s.services = vec![
        Service::S3,
        Service::Cloudtrail,
        Service::Cloudwatch,
        Service::Sns,
    ];
    s.resources.insert(resource(serde_json::json!({
        "arn": CLOUDTRAIL_ACCOUNT, "region": null, "name": "123456789012",
        "properties": {"AWS::CloudTrail::Account": {}}})));
    s.resources.insert(resource(serde_json::json!({
        "arn": CLOUDWATCH_ACCOUNT, "region": null, "name": "123456789012",
        "properties": {"AWS::CloudWatch::Account": {}}})));
    s
}

/// A multi-region trail `name` homed in eu-west-1, logging every management
/// event to the log group `trail-logs` and bucket `trail-bucket`, with
/// `fields` replacing its properties.
pub(crate) fn trail(name: &str, fields: Value) -> Resource {
    let mut props = serde_json::json!({
        "name": name, "home_region": "eu-west-1", "multi_region": true,
        "include_global_service_events": true, "log_file_validation": true,
        "kms_key_id": "arn:aws:kms:eu-west-1:123456789012:key/k-1",
        "s3_bucket": "trail-bucket",
        "cloudwatch_logs_log_group_arn": "arn:aws:logs:eu-west-1:123456789012:log-group:trail-logs:*",
        "status": {"value": {"logging": true}},
        "event_selectors": {"value": {"basic": [
            {"read_write_type": "All", "include_management_events": true}]}}});
    if let Some(o) = fields.as_object() {
        for (k, v) in o {
            props[k] = v.clone();
        }
    }
    resource(serde_json::json!({
        "arn": format!("arn:aws:cloudtrail:eu-west-1:123456789012:trail/{name}"),
        "region": "eu-west-1", "name": name,
        "properties": {"AWS::CloudTrail::Trail": props}}))
}

/// A coverage gap (AccessDenied) of `service` for `action` in `region`.
pub(crate) fn gap(
    service: cloudarq_model::Service,
    action: &str,
    region: Option<&str>,
    resource: Option<&str>,
) -> cloudarq_model::CoverageGap {
    cloudarq_model::CoverageGap {
        service,
        region: region.map(|r| r.parse().expect("valid region")),
        action: action.to_owned(),
        resource: resource.map(|a| a.parse().expect("valid ARN")),
        kind: cloudarq_model::GapKind::AccessDenied,
        error_code: Some("AccessDenied".to_owned()),
        message: "access denied".to_owned(),
    }
}
