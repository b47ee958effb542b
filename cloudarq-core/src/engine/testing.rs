//! Test-only rules, one per behaviour the engine must handle, and a small
//! hand-built snapshot they run over. Shared by the engine's unit tests.

use cloudarq_model::finding::{ControlId, Finding};
use cloudarq_model::inventory::Properties;
use cloudarq_model::rule::{
    ControlRef, Outcome, Remediation, Rule, RuleError, RuleMeta, Severity, Status,
};
use cloudarq_model::{Resource, ResourceType, Service, Snapshot};
use serde_json::json;

/// A rule whose logic is a plain function.
pub(crate) struct TestRule {
    meta: &'static RuleMeta,
    logic: fn(&Resource, &Snapshot) -> Result<Outcome, RuleError>,
}

impl Rule for TestRule {
    fn meta(&self) -> &'static RuleMeta {
        self.meta
    }
    fn evaluate(&self, resource: &Resource, snapshot: &Snapshot) -> Result<Outcome, RuleError> {
        (self.logic)(resource, snapshot)
    }
}

macro_rules! test_rule {
    ($name:ident, $id:literal, $sev:ident, [$($ty:ident),*], [$($c:literal),*], $logic:expr) => {
        pub(crate) static $name: TestRule = TestRule {
            meta: &RuleMeta {
                id: $id,
                title: concat!("Test rule ", $id),
                severity: Severity::$sev,
                service: Service::S3,
                resource_types: &[$(ResourceType::$ty),*],
                rationale: "test",
                remediation: Remediation { cli: "aws test", console: "test", url: "" },
                controls: &[$(ControlRef { framework: "test_fw", control: $c }),*],
            },
            logic: $logic,
        };
    };
}

test_rule!(
    PASS_ALL,
    "test_pass_all",
    Low,
    [S3Bucket],
    ["A.1"],
    |_, _| Ok(Outcome::pass("passes"))
);
test_rule!(
    FAIL_HIGH,
    "test_fail_high",
    High,
    [S3Bucket],
    ["A.2"],
    |_, _| Ok(Outcome::fail("fails").with_evidence(json!({"why": "always"})))
);
test_rule!(
    VERSIONING,
    "test_versioning",
    Medium,
    [S3Bucket],
    ["B.1", "A.1"],
    |r, _| {
        let Properties::S3Bucket(b) = &r.properties else {
            return Ok(Outcome::not_applicable());
        };
        let Some(v) = b.versioning.value() else {
            return Ok(Outcome::not_collected("versioning"));
        };
        let on = v.status.as_deref() == Some("Enabled");
        Ok(Outcome::check(
            on,
            "versioning is enabled",
            "versioning is not enabled",
        ))
    }
);
test_rule!(
    ERRORS,
    "test_errors",
    Medium,
    [S3Bucket],
    ["B.2"],
    |_, _| Err(RuleError("policy document is not JSON".to_owned()))
);
test_rule!(
    PANICS,
    "test_panics",
    Medium,
    [S3Bucket],
    ["B.2"],
    |r, _| {
        if r.name == "b" {
            panic!("index out of range for {}", r.name);
        }
        Ok(Outcome::pass("no panic"))
    }
);
test_rule!(
    SEVERITY,
    "test_severity",
    High,
    [Ec2Volume],
    ["C.1"],
    |r, _| {
        let Properties::Ec2Volume(v) = &r.properties else {
            return Ok(Outcome::not_applicable());
        };
        let fail = Outcome::fail("volume is not encrypted");
        Ok(if v.attached_instances.is_empty() {
            fail.with_severity(Severity::Low, "the volume is not attached to any instance")
        } else {
            fail
        })
    }
);
test_rule!(
    NOT_APPLICABLE,
    "test_not_applicable",
    Low,
    [S3Bucket, Ec2Volume],
    ["C.2"],
    |_, _| Ok(Outcome::not_applicable())
);

test_rule!(NAMED, "test_named", Low, [S3Bucket], ["C.3"], |r, _| {
    // Text that differs per bucket and grows with its number (up to
    // 4 KB of evidence), so that packed blocks seal at every size.
    let n: usize = r
        .name
        .trim_start_matches(|c: char| !c.is_ascii_digit())
        .parse()
        .unwrap_or(0);
    let said = format!("bucket {} \u{2014} number {n}", r.name);
    let evidence = json!({"name": r.name, "pad": "é".repeat(n * 37 % 2_048)});
    Ok(match n % 4 {
        0 => Outcome::fail(said).with_evidence(evidence),
        1 => Outcome::pass(said),
        _ => Outcome::pass(said).with_evidence(evidence),
    })
});

/// Every test rule, in a deliberately unsorted order.
pub(crate) fn rules() -> Vec<&'static dyn Rule> {
    vec![
        &VERSIONING,
        &PASS_ALL,
        &SEVERITY,
        &FAIL_HIGH,
        &PANICS,
        &ERRORS,
        &NOT_APPLICABLE,
    ]
}

fn resource(value: serde_json::Value) -> Resource {
    serde_json::from_value(value).expect("valid test resource")
}

/// A bucket in eu-west-1 with the given `versioning` value (a `Collected` JSON).
pub(crate) fn bucket(name: &str, versioning: serde_json::Value) -> Resource {
    resource(json!({
        "arn": format!("arn:aws:s3:::{name}"), "region": "eu-west-1", "name": name,
        "properties": {"AWS::S3::Bucket": {"name": name, "versioning": versioning}}
    }))
}

/// An unencrypted EBS volume attached to `instances`.
pub(crate) fn volume(id: &str, instances: &[&str]) -> Resource {
    resource(json!({
        "arn": format!("arn:aws:ec2:eu-west-1:123456789012:volume/{id}"),
        "region": "eu-west-1", "name": id,
        "properties": {"AWS::EC2::Volume": {
            "volume_id": id, "encrypted": false, "attached_instances": instances
        }}
    }))
}

/// Buckets `a` (versioned), `b` (suspended), `c` (versioning not collected),
/// volumes `vol-1` (detached) and `vol-2` (attached), an IAM user no test rule
/// reads, and one coverage gap.
pub(crate) fn snapshot() -> Snapshot {
    let mut snap = Snapshot::new(
        "123456789012".parse().expect("valid account"),
        cloudarq_model::Partition::aws(),
        "2026-06-01T00:00:00Z".parse().expect("valid time"),
    );
    snap.regions = vec!["eu-west-1".parse().expect("valid region")];
    snap.resources.extend([
        bucket("a", json!({"value": {"status": "Enabled"}})),
        bucket("b", json!({"value": {"status": "Suspended"}})),
        bucket("c", json!("not_collected")),
        volume("vol-1", &[]),
        volume("vol-2", &["i-1"]),
        resource(json!({
            "arn": "arn:aws:iam::123456789012:user/alice", "region": null, "name": "alice",
            "properties": {"AWS::IAM::User": {"user_name": "alice", "user_id": "AIDA1", "path": "/"}}
        })),
    ]);
    snap.gaps = vec![
        serde_json::from_value(json!({
            "service": "s3", "region": "eu-west-1", "action": "s3:GetBucketVersioning",
            "resource": "arn:aws:s3:::c", "kind": "access_denied", "error_code": "AccessDenied",
            "message": "access denied"
        }))
        .expect("valid gap"),
    ];
    snap
}

/// A finding of `rule` on `arn` with `status` and the message `fails`.
pub(crate) fn finding(rule: &TestRule, arn: &str, status: Status) -> Finding {
    let meta = rule.meta();
    Finding {
        rule_id: meta.id.to_owned(),
        title: meta.title.to_owned(),
        service: meta.service,
        resource_arn: arn.parse().expect("valid ARN"),
        resource_type: meta.resource_types[0],
        resource_name: arn.rsplit(['/', ':']).next().unwrap_or(arn).to_owned(),
        region: None,
        status,
        severity: meta.severity,
        severity_reason: None,
        message: "fails".to_owned(),
        evidence: serde_json::Value::Null,
        controls: meta.controls.iter().map(ControlId::from).collect(),
        muted_reason: None,
    }
}
