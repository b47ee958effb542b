//! Hostile guests, written as core WAT and made components with
//! `wit-component`: each misbehaviour becomes ERROR findings naming the cause,
//! the host never crashes, and every other rule's findings stay the same.
#![allow(clippy::unwrap_used, clippy::expect_used, reason = "tests fail loudly")]

mod wasm_common;

use std::time::Duration;

use cloudarq_core::engine::Engine;
use cloudarq_core::wasm::{Limits, LoadOptions, WasmHost, WasmRules};
use cloudarq_model::finding::ScanResult;
use cloudarq_model::rule::{Rule, Status};
use cloudarq_model::{ResourceType, Service};
use wasm_common::*;

const WIT: &str = include_str!("../../cloudarq-model/wit/cloudarq-rule@1.0.0/rule.wit");

/// A core module implementing the contract's ABI, with `body` as the
/// `evaluate` function (13 flat i32 params, returns a pointer to (ptr, len)).
fn core_wat(version: &str, body: &str, extra: &str) -> String {
    let realloc = include_str!("guests/bump_realloc.wat");
    format!(
        r#"(module
  (import "cloudarq:rule/host@{version}" "log" (func $log (param i32 i32 i32)))
  {extra}
  (memory (export "memory") 128)
  (global $heap (mut i32) (i32.const 4194304))
  (data (i32.const 1024) "boom: invariant broken")
  (data (i32.const 1100) "hostile_rule")
  (data (i32.const 1200) "arn:aws:s3:::not-in-batch")
{realloc}
  (func (export "cloudarq:rule/evaluator@{version}#configure") (param i32 i32) (result i32)
    (i32.const 256))
  (func (export "cloudarq:rule/evaluator@{version}#metadata") (result i32)
    (i32.const 512))
  (func $recurse (param i32) (result i32)
    (call $recurse (i32.add (local.get 0) (i32.const 1))))
  (func (export "cloudarq:rule/evaluator@{version}#evaluate")
    (param i32 i32 i32 i32 i32 i32 i32 i32 i32 i32 i32 i32 i32) (result i32)
    {body})
)"#
    )
}

/// Writes one finding record at 2048 and the (ptr, len) list at 768.
fn one_finding(fields: &str) -> String {
    format!(
        "(i32.store (i32.const 768) (i32.const 2048)) (i32.store (i32.const 772) (i32.const 1)) {fields} (i32.const 768)"
    )
}

const RULE_ID: &str =
    "(i32.store (i32.const 2048) (i32.const 1100)) (i32.store (i32.const 2052) (i32.const 12))";

/// The finding's resource is the batch's first (params 11 and 12 are the
/// resources list), its verdict `fail("boom")`, its severity `critical`
/// (the rule's default is `high`).
const FAIL_CRITICAL_FIRST: &str = "(i32.store (i32.const 2048) (i32.const 1100)) (i32.store (i32.const 2052) (i32.const 12)) \
     (i32.store (i32.const 2056) (i32.load (local.get 11))) (i32.store (i32.const 2060) (i32.load offset=4 (local.get 11))) \
     (i32.store8 (i32.const 2064) (i32.const 1)) (i32.store (i32.const 2068) (i32.const 1024)) (i32.store (i32.const 2072) (i32.const 4)) \
     (i32.store8 (i32.const 2076) (i32.const 1)) (i32.store8 (i32.const 2077) (i32.const 4))";

struct Case {
    name: &'static str,
    body: String,
    version: &'static str,
    extra_import: &'static str,
}

fn case(name: &'static str, body: impl Into<String>) -> Case {
    Case {
        name,
        body: body.into(),
        version: "1.0.0",
        extra_import: "",
    }
}

fn cases() -> Vec<Case> {
    let foreign = one_finding(&format!(
        "{RULE_ID} (i32.store (i32.const 2056) (i32.const 1200)) (i32.store (i32.const 2060) (i32.const 25))"
    ));
    vec![
        case("loop", "(loop $l (br $l)) (i32.const 0)"),
        case(
            "memory-bomb",
            "(loop $l (br_if $l (i32.ne (memory.grow (i32.const 16)) (i32.const -1)))) (i32.const 0)",
        ),
        case("recursion", "(call $recurse (i32.const 0))"),
        case(
            "trap",
            "(call $log (i32.const 4) (i32.const 1024) (i32.const 22)) unreachable",
        ),
        // A verdict discriminant of 9: the variant has 5 cases.
        case(
            "garbage",
            one_finding(&format!(
                "{RULE_ID} (i32.store8 (i32.const 2064) (i32.const 9))"
            )),
        ),
        // Evidence of 2 MiB (NUL bytes, valid UTF-8) at 6 MiB, above a 1 MiB output limit.
        case(
            "oversized",
            one_finding(&format!(
                "{RULE_ID} (i32.store (i32.const 2092) (i32.const 6291456)) (i32.store (i32.const 2096) (i32.const 2097152))"
            )),
        ),
        case("foreign", foreign),
        // The same finding (`fail("boom")` for the batch's first resource)
        // twice: the record at 2048 copied to 2108 (records are 60 bytes).
        case(
            "duplicate",
            format!(
                "(i32.store (i32.const 768) (i32.const 2048)) (i32.store (i32.const 772) (i32.const 2)) \
                 {RULE_ID} (i32.store (i32.const 2056) (i32.load (local.get 11))) \
                 (i32.store (i32.const 2060) (i32.load offset=4 (local.get 11))) \
                 (i32.store8 (i32.const 2064) (i32.const 1)) (i32.store (i32.const 2068) (i32.const 1024)) \
                 (i32.store (i32.const 2072) (i32.const 4)) \
                 (memory.copy (i32.const 2108) (i32.const 2048) (i32.const 60)) (i32.const 768)"
            ),
        ),
        // A severity other than the default, and no reason (option none).
        case("severity-no-reason", one_finding(FAIL_CRITICAL_FIRST)),
        // The same with an empty reason.
        case(
            "severity-empty-reason",
            one_finding(&format!(
                "{FAIL_CRITICAL_FIRST} (i32.store8 (i32.const 2080) (i32.const 1)) (i32.store (i32.const 2084) (i32.const 1024)) (i32.store (i32.const 2088) (i32.const 0))"
            )),
        ),
        // The same with the reason "boom".
        case(
            "severity-with-reason",
            one_finding(&format!(
                "{FAIL_CRITICAL_FIRST} (i32.store8 (i32.const 2080) (i32.const 1)) (i32.store (i32.const 2084) (i32.const 1024)) (i32.store (i32.const 2088) (i32.const 4))"
            )),
        ),
        // Spins 30 million times, then returns no finding.
        case(
            "burn",
            "(local $i i32) (loop $l (local.set $i (i32.add (local.get $i) (i32.const 1))) \
             (br_if $l (i32.lt_u (local.get $i) (i32.const 30000000)))) (i32.const 768)",
        ),
        // 100,000 log lines of 22 bytes, then an empty (valid) result.
        case(
            "log-flood",
            "(local $i i32) (loop $l (call $log (i32.const 2) (i32.const 1024) (i32.const 22)) \
             (local.set $i (i32.add (local.get $i) (i32.const 1))) \
             (br_if $l (i32.lt_u (local.get $i) (i32.const 100000)))) (i32.const 768)",
        ),
        Case {
            name: "forbidden-import",
            body: "(i32.const 768)".into(),
            version: "1.0.0",
            extra_import: r#"(import "cloudarq:rule/net@1.0.0" "connect" (func (param i32 i32)))"#,
        },
        Case {
            name: "wrong-version",
            body: "(i32.const 768)".into(),
            version: "2.0.0",
            extra_import: "",
        },
    ]
}

/// A hostile package: the core WAT embedded with the WIT and made a component,
/// plus a metadata section declaring one S3 bucket rule.
fn component(c: &Case) -> Vec<u8> {
    component_with_rule(c, "hostile_rule")
}

fn component_with_rule(c: &Case, rule_id: &str) -> Vec<u8> {
    component_with(c, rule_id, "0.1.0")
}

fn component_with(c: &Case, rule_id: &str, min_host: &str) -> Vec<u8> {
    let mut wit = WIT.replace("@1.0.0", &format!("@{}", c.version));
    wit.push_str(
        "\ninterface net { connect: func(host: string); }\nworld rule-with-net { import host; import net; export evaluator; }\n",
    );
    let mut resolve = wit_parser::Resolve::new();
    let pkg = resolve.push_str("rule.wit", &wit).unwrap();
    let world_name = if c.extra_import.is_empty() {
        "rule"
    } else {
        "rule-with-net"
    };
    let world = resolve.select_world(&[pkg], Some(world_name)).unwrap();
    let mut module = wat::parse_str(core_wat(c.version, &c.body, c.extra_import)).unwrap();
    wit_component::embed_component_metadata(
        &mut module,
        &resolve,
        world,
        wit_component::StringEncoding::UTF8,
    )
    .unwrap();
    let mut bytes = wit_component::ComponentEncoder::default()
        .module(&module)
        .unwrap()
        .validate(true)
        .encode()
        .unwrap();
    let meta = serde_json::json!({
        "name": format!("hostile-{}", c.name), "version": "0.0.1", "contract": "1.0.0",
        "min_host_version": min_host,
        "rules": [{"id": rule_id, "title": "Hostile rule", "severity": "high",
                   "service": "s3", "resource_types": ["AWS::S3::Bucket"], "remediation": {}}]
    })
    .to_string();
    append_section(&mut bytes, "cloudarq-rule-meta", meta.as_bytes());
    bytes
}

fn append_section(out: &mut Vec<u8>, name: &str, data: &[u8]) {
    fn leb(out: &mut Vec<u8>, mut n: usize) {
        loop {
            let b = (n & 0x7f) as u8;
            n >>= 7;
            if n == 0 {
                out.push(b);
                return;
            }
            out.push(b | 0x80);
        }
    }
    let mut body = Vec::new();
    leb(&mut body, name.len());
    body.extend_from_slice(name.as_bytes());
    body.extend_from_slice(data);
    out.push(0);
    leb(out, body.len());
    out.extend_from_slice(&body);
}

fn test_limits() -> Limits {
    Limits {
        fuel_base: 5_000_000,
        fuel_per_resource: 1_000_000,
        output_bytes: 1 << 20,
        ..Limits::default()
    }
}

fn native_s3() -> Vec<&'static dyn Rule> {
    cloudarq_rules::all()
        .into_iter()
        .filter(|r| r.meta().service == Service::S3)
        .collect()
}

fn run(limits: Limits, packages: &[(&str, Vec<u8>)]) -> ScanResult {
    run_with(native_s3(), limits, packages)
}

fn run_with(
    native: Vec<&'static dyn Rule>,
    limits: Limits,
    packages: &[(&str, Vec<u8>)],
) -> ScanResult {
    let host = WasmHost::new(limits).unwrap();
    let mut rules = WasmRules::new(host);
    for (name, bytes) in packages {
        let pkg = rules
            .host()
            .load(bytes, name, &LoadOptions::default())
            .unwrap();
        rules.add(pkg, &native).unwrap();
    }
    Engine::new(native)
        .with_wasm_rules(rules)
        .evaluate(&demo_snapshot())
}

fn hostile_messages(r: &ScanResult) -> Vec<(Status, String)> {
    r.findings
        .iter()
        .filter(|f| f.rule_id == "hostile_rule")
        .map(|f| (f.status, f.message.clone()))
        .collect()
}

fn buckets() -> usize {
    demo_snapshot().of_type(ResourceType::S3Bucket).count()
}

/// Runs one hostile case and checks every finding of its rule is an ERROR
/// whose message contains `cause`, and the native rules are unaffected.
fn check(name: &str, limits: Limits, cause: &str) {
    let c = cases().into_iter().find(|c| c.name == name).unwrap();
    let baseline = Engine::new(native_s3()).evaluate(&demo_snapshot());
    let result = run(limits, &[(name, component(&c))]);
    let msgs = hostile_messages(&result);
    assert_eq!(
        msgs.len(),
        buckets(),
        "{name}: one finding per bucket: {msgs:?}"
    );
    for (status, m) in &msgs {
        assert_eq!(*status, Status::Error, "{name}: {m}");
        assert!(m.contains(cause), "{name}: {m:?} should name {cause:?}");
        assert!(m.contains(&format!("hostile-{name}")), "{m}");
    }
    let others: Vec<_> = result
        .findings
        .iter()
        .filter(|f| f.rule_id != "hostile_rule")
        .cloned()
        .collect();
    assert_eq!(others, baseline.findings, "{name}: other rules changed");
}

#[test]
fn infinite_loop_runs_out_of_fuel() {
    check("loop", test_limits(), "ran out of fuel");
}

#[test]
fn infinite_loop_hits_the_deadline_when_fuel_is_plenty() {
    let limits = Limits {
        fuel_base: u64::MAX / 4,
        deadline: Duration::from_millis(200),
        ..test_limits()
    };
    check("loop", limits, "exceeded the 200 ms deadline");
}

#[test]
fn memory_bomb_hits_the_memory_limit() {
    check(
        "memory-bomb",
        test_limits(),
        "exceeded the memory limit of 67108864 bytes",
    );
}

#[test]
fn deep_recursion_is_a_stack_overflow() {
    check("recursion", test_limits(), "stack overflow");
}

#[test]
fn trap_names_the_guest_error_line() {
    check("trap", test_limits(), "unreachable");
    check("trap", test_limits(), "boom: invariant broken");
}

#[test]
fn garbage_output_is_malformed() {
    check("garbage", test_limits(), "malformed output");
}

#[test]
fn oversized_output_is_refused() {
    check(
        "oversized",
        test_limits(),
        "exceeds the limit of 1048576 bytes",
    );
}

/// Wasmtime's per-call host copy budget follows the output limit: a 2 MiB
/// string over a 1 MiB limit is refused while being copied, not after.
#[test]
fn oversized_output_stops_at_the_host_copy_budget() {
    check("oversized", test_limits(), "host copy budget");
    // With a limit above the output, it is copied and passes the size
    // checks (and is refused for its empty resource ARN).
    let limits = Limits {
        output_bytes: 4 << 20,
        ..test_limits()
    };
    check("oversized", limits, "which was not in the batch");
}

#[test]
fn a_severity_change_without_a_reason_is_malformed_output() {
    for name in ["severity-no-reason", "severity-empty-reason"] {
        check(
            name,
            test_limits(),
            "rule hostile_rule returned severity critical (its default is high)",
        );
        check(name, test_limits(), "without a severity reason");
    }
    // With a reason it is accepted.
    let c = cases()
        .into_iter()
        .find(|c| c.name == "severity-with-reason")
        .unwrap();
    let result = run(test_limits(), &[("with-reason", component(&c))]);
    let fails: Vec<_> = result
        .findings
        .iter()
        .filter(|f| f.rule_id == "hostile_rule")
        .collect();
    assert!(!fails.is_empty());
    for f in fails {
        assert_eq!(f.status, Status::Fail, "{}", f.message);
        assert_eq!(f.severity, cloudarq_model::rule::Severity::Critical);
        assert_eq!(f.severity_reason.as_deref(), Some("boom"));
    }
}

/// The demo snapshot with `n` more S3 buckets in one region.
fn snapshot_with_buckets(n: usize) -> cloudarq_model::Snapshot {
    let text = include_str!("../../testdata/demo-snapshot.json");
    let mut v: serde_json::Value = serde_json::from_str(text).unwrap();
    let resources = v["resources"].as_array_mut().unwrap();
    let bucket = resources
        .iter()
        .find(|r| r["properties"].get("AWS::S3::Bucket").is_some())
        .unwrap()
        .clone();
    for i in 0..n {
        let mut b = bucket.clone();
        let name = format!("zz-bucket-{i:04}");
        b["arn"] = format!("arn:aws:s3:::{name}").into();
        b["name"] = name.clone().into();
        b["properties"]["AWS::S3::Bucket"]["name"] = name.into();
        resources.push(b);
    }
    resources.sort_by(|a, b| a["arn"].as_str().cmp(&b["arn"].as_str()));
    cloudarq_model::Snapshot::from_json(&v.to_string(), "many-buckets.json").unwrap()
}

/// A guest that spends its time across many batches, each well within the
/// per-call deadline, is stopped by the package's time budget: the rest of
/// its batches become ERROR findings naming the budget, without calls.
#[test]
fn a_guest_burning_time_across_many_batches_hits_the_package_budget() {
    let c = cases().into_iter().find(|c| c.name == "burn").unwrap();
    let snap = snapshot_with_buckets(300);
    let buckets = snap.of_type(ResourceType::S3Bucket).count();
    let host = WasmHost::new(Limits {
        batch_size: 1,
        fuel_base: 10_000_000_000,
        deadline: Duration::from_secs(10),
        package_time: Duration::from_millis(300),
        ..test_limits()
    })
    .unwrap();
    let pkg = host
        .load(&component(&c), "burn", &LoadOptions::default())
        .unwrap();
    let run = host.evaluate(&pkg, &snap);
    assert!(run.stats.calls >= 1);
    assert!(
        (run.stats.calls as usize) < buckets,
        "{} calls for {buckets} buckets",
        run.stats.calls
    );
    assert!(!run.findings.is_empty());
    for f in &run.findings {
        assert_eq!(f.status, Status::Error);
        assert!(
            f.message
                .contains("exceeded the package time budget of 300 ms per scan"),
            "{}",
            f.message
        );
    }
    // Calls made before the budget ran out returned nothing; every bucket
    // not evaluated has its ERROR finding.
    assert!(run.findings.len() + (run.stats.calls as usize) >= buckets);
}

/// A call still running when the budget ends is stopped by it (the budget
/// is shorter than the per-call deadline) and named as the cause.
#[test]
fn an_endless_call_is_stopped_by_the_package_budget_before_its_deadline() {
    let limits = Limits {
        fuel_base: u64::MAX / 4,
        deadline: Duration::from_secs(30),
        package_time: Duration::from_millis(200),
        ..test_limits()
    };
    check(
        "loop",
        limits,
        "exceeded the package time budget of 200 ms per scan",
    );
}

#[test]
fn finding_for_a_foreign_resource_is_refused() {
    check(
        "foreign",
        test_limits(),
        "arn:aws:s3:::not-in-batch, which was not in the batch",
    );
}

/// Issue 14: the check that each (rule, resource) pair has at most one
/// finding (a table of pairs since) still refuses a repeated finding.
#[test]
fn two_findings_for_one_pair_are_refused() {
    check(
        "duplicate",
        test_limits(),
        "two findings of rule hostile_rule for arn:aws:s3:::",
    );
}

#[test]
fn forbidden_import_fails_at_link_time() {
    check("forbidden-import", test_limits(), "cannot be linked");
    check("forbidden-import", test_limits(), "cloudarq:rule/net@1.0.0");
}

#[test]
fn wrong_contract_version_is_refused() {
    check(
        "wrong-version",
        test_limits(),
        "implements contract version 2.0.0, this host accepts 1.0.0",
    );
}

#[test]
fn a_package_needing_a_newer_host_reports_error_with_the_versions() {
    let c = cases().into_iter().find(|c| c.name == "trap").unwrap();
    let host = WasmHost::new(test_limits()).unwrap();
    let pkg = host
        .load(
            &component_with(&c, "hostile_rule", "99.0.0"),
            "new",
            &LoadOptions::default(),
        )
        .unwrap();
    let f = pkg.failure().unwrap().to_string();
    assert!(f.contains("needs CloudArq 99.0.0 or later"), "{f}");
    let run = host.evaluate(&pkg, &demo_snapshot());
    assert_eq!(run.findings.len(), buckets());
    assert!(run.findings.iter().all(|f| f.status == Status::Error));
    assert_eq!(run.stats.instances, 0, "never instantiated");
}

#[test]
fn a_trapped_instance_is_replaced_for_the_next_batch() {
    let c = cases().into_iter().find(|c| c.name == "trap").unwrap();
    let host = WasmHost::new(Limits {
        batch_size: 1,
        ..test_limits()
    })
    .unwrap();
    let pkg = host
        .load(&component(&c), "trap", &LoadOptions::default())
        .unwrap();
    let run = host.evaluate(&pkg, &demo_snapshot());
    let n = buckets() as u64;
    assert!(n > 1);
    // One call per batch of one, each on a fresh instance after the trap.
    assert_eq!(run.stats.calls, n);
    assert_eq!(run.stats.failures, n);
    assert_eq!(run.stats.instances, n);
}

#[test]
fn all_hostile_packages_together_leave_the_s3_package_and_native_rules_unchanged() {
    // Native rules of every other service, the S3 family as wasm.
    let others_native = || -> Vec<&'static dyn Rule> {
        cloudarq_rules::all()
            .into_iter()
            .filter(|r| r.meta().service != Service::S3)
            .collect()
    };
    let baseline = run_with(
        others_native(),
        Limits::default(),
        &[("s3-rules.wasm", S3_PACKAGE.to_vec())],
    );
    let mut packages = vec![("s3-rules.wasm", S3_PACKAGE.to_vec())];
    let mut names = Vec::new();
    // Every case that fails (not the log flood, which is cut but not an
    // error, nor the accepted severity change or the slow guest).
    let not_errors = ["log-flood", "severity-with-reason", "burn"];
    for c in cases()
        .into_iter()
        .filter(|c| !not_errors.contains(&c.name))
    {
        // One rule id per package: rename the rule.
        let id = format!("hostile_{}", c.name.replace('-', "_"));
        let bytes = component_with_rule(&c, &id);
        names.push(id);
        packages.push((c.name, bytes));
    }
    let result = run_with(others_native(), test_limits(), &packages);
    let others: Vec<_> = result
        .findings
        .iter()
        .filter(|f| !f.rule_id.starts_with("hostile_"))
        .cloned()
        .collect();
    assert_eq!(others, baseline.findings);
    for id in names {
        let errors = result
            .findings
            .iter()
            .filter(|f| f.rule_id == id && f.status == Status::Error)
            .count();
        assert_eq!(errors, buckets(), "{id}");
    }
}

#[test]
fn a_log_flood_is_cut_at_the_log_limit_without_failing_the_call() {
    let c = cases().into_iter().find(|c| c.name == "log-flood").unwrap();
    let limits = Limits {
        fuel_base: 100_000_000,
        ..test_limits()
    };
    let host = WasmHost::new(limits).unwrap();
    let pkg = host
        .load(&component(&c), "flood", &LoadOptions::default())
        .unwrap();
    let run = host.evaluate(&pkg, &demo_snapshot());
    assert_eq!(run.stats.failures, 0);
    assert!(run.findings.is_empty());
    // 64 KiB of 22-byte lines per call: the rest of the 100,000 is dropped.
    let kept_per_call = (64 * 1024 / 22) as u64;
    assert_eq!(
        run.stats.log_lines_dropped,
        run.stats.calls * (100_000 - kept_per_call)
    );
}

#[test]
fn a_resource_larger_than_the_input_limit_is_an_error_not_sent() {
    let limits = Limits {
        input_bytes: 100,
        ..Limits::default()
    };
    let host = WasmHost::new(limits).unwrap();
    let pkg = host
        .load(S3_PACKAGE, "s3", &LoadOptions::default())
        .unwrap();
    let run = host.evaluate(&pkg, &demo_snapshot());
    assert_eq!(run.stats.calls, 0);
    assert!(!run.findings.is_empty());
    for f in &run.findings {
        assert_eq!(f.status, Status::Error);
        assert!(
            f.message.contains("exceeds the input limit of 100 bytes"),
            "{}",
            f.message
        );
    }
}

/// The context resources sent with a batch count against the input limit:
/// the account-wide ones (`AWS::S3::AccountPublicAccessBlock`) go with every
/// batch, the companions (`AWS::S3::BucketManagement`) only with their own
/// bucket's. With room for the neediest bucket, its settings and its own
/// management record, but one byte less, that bucket is an ERROR naming
/// both sizes; with less room than the account-wide context, nothing is
/// sent; with room for the neediest bucket, everything runs, though every
/// management record together would not fit beside it.
#[test]
fn context_resources_count_against_the_input_limit() {
    let snap = demo_snapshot();
    let size = |r: &cloudarq_model::Resource| {
        serde_json::to_string(r).unwrap().len()
            + r.arn.as_str().len()
            + r.resource_type().as_str().len()
    };
    // The package's context kinds (tests/guests/s3-rules).
    let account_wide: usize = snap
        .of_type(ResourceType::S3AccountPublicAccessBlock)
        .map(size)
        .sum();
    let all_management: usize = snap
        .of_type(ResourceType::S3BucketManagement)
        .map(size)
        .sum();
    assert!(
        account_wide > 0 && all_management > 0,
        "the demo has the S3 package's context"
    );
    // What each bucket needs: itself, the account-wide context, its own
    // management record.
    let (need, own_context) = snap
        .of_type(ResourceType::S3Bucket)
        .map(|b| {
            let own = snap
                .companion(b, ResourceType::S3BucketManagement)
                .map(size)
                .expect("every demo bucket has its management record");
            (size(b) + account_wide + own, account_wide + own)
        })
        .max()
        .unwrap();
    let largest_bucket = need - own_context;
    assert!(
        need < largest_bucket + account_wide + all_management,
        "the test must tell per-batch companions from all of them"
    );
    let run_with_input = |input_bytes| {
        let host = WasmHost::new(Limits {
            input_bytes,
            batch_size: 1,
            ..Limits::default()
        })
        .unwrap();
        let pkg = host
            .load(S3_PACKAGE, "s3", &LoadOptions::default())
            .unwrap();
        host.evaluate(&pkg, &snap)
    };
    let run = run_with_input(need - 1);
    let refused: Vec<_> = run
        .findings
        .iter()
        .filter(|f| f.status == Status::Error)
        .collect();
    assert!(!refused.is_empty());
    for f in &refused {
        assert!(
            f.message.contains(&format!(
                "(with {own_context} bytes of context resources) exceeds the input limit of {} bytes",
                need - 1
            )),
            "{}",
            f.message
        );
    }
    assert!(run.stats.calls > 0, "smaller buckets still fit");

    let run = run_with_input(account_wide - 1);
    assert_eq!(run.stats.calls, 0);
    assert!(run.findings.iter().all(|f| f.status == Status::Error));

    let run = run_with_input(need);
    assert!(run.findings.iter().all(|f| f.status != Status::Error));
    assert!(run.stats.calls > 0);
}

#[test]
fn a_package_over_the_module_size_limit_is_refused_before_parsing() {
    let limits = Limits {
        module_bytes: 1000,
        ..Limits::default()
    };
    let host = WasmHost::new(limits).unwrap();
    let e = host
        .load(S3_PACKAGE, "s3", &LoadOptions::default())
        .unwrap_err()
        .to_string();
    assert!(e.contains("the limit is 1000"), "{e}");
}

#[test]
fn settings_refused_by_configure_give_errors_naming_the_reason() {
    let example = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../examples/wasm-rule-tag-owner/tag-owner.wasm");
    let host = WasmHost::new(Limits::default()).unwrap();
    let opts = LoadOptions {
        settings: Some(serde_json::json!({"colour": "red"})),
        ..LoadOptions::default()
    };
    let pkg = host.load_file(&example, &opts).unwrap();
    let run = host.evaluate(&pkg, &demo_snapshot());
    assert!(!run.findings.is_empty());
    for f in &run.findings {
        assert_eq!(f.status, Status::Error);
        assert!(
            f.message
                .contains("configure refused the settings: unknown field `colour`"),
            "{}",
            f.message
        );
    }
}
