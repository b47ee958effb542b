//! Golden tests: every rule's `tests/golden/<rule_id>/<case>.case.json`
//! input is evaluated and diffed against `<case>.expected.json`.
//!
//! A case file holds `{"collected_at": "...", "resources": [...],
//! "gaps": [...]}` (the time and the coverage gaps are optional); the
//! harness wraps it in a snapshot of account 123456789012. Every rule needs at least the cases `pass`, `fail` and
//! `not_collected`, and each must contain at least one outcome of its kind.
//! `UPDATE_GOLDEN=1 cargo test -p cloudarq-rules --test golden` rewrites
//! the expected files; review the diff.

use cloudarq_model::Snapshot;
use cloudarq_model::rule::{Outcome, Verdict};
use cloudarq_rules::golden;
use serde::{Deserialize, Serialize};

#[derive(Serialize, Deserialize, PartialEq, Debug)]
struct Expected {
    arn: String,
    #[serde(flatten)]
    outcome: Outcome,
}

fn evaluate(rule_id: &str, snap: &Snapshot) -> Vec<Expected> {
    let rule = cloudarq_rules::by_id(rule_id).unwrap_or_else(|| panic!("no rule {rule_id}"));
    snap.resources
        .iter()
        .filter(|r| rule.meta().resource_types.contains(&r.resource_type()))
        .map(|r| Expected {
            arn: r.arn.to_string(),
            outcome: rule
                .evaluate(r, snap)
                .unwrap_or_else(|e| panic!("{rule_id} errored: {e}")),
        })
        .filter(|e| e.outcome.verdict != Verdict::NotApplicable)
        .collect()
}

#[test]
fn golden_cases() {
    let update = std::env::var_os("UPDATE_GOLDEN").is_some();
    let mut failures = Vec::new();
    let mut checked = 0;
    for rule in cloudarq_rules::all() {
        let id = rule.meta().id;
        let dir = golden::cases_dir().join(id);
        for required in ["pass", "fail", "not_collected"] {
            if !dir.join(format!("{required}.case.json")).exists() {
                failures.push(format!("{id}: missing golden case {required}.case.json"));
            }
        }
        for case in golden::cases_of(id).expect("readable golden folder") {
            let (path, case_name) = (case.path, case.name);
            let text = std::fs::read_to_string(&path).expect("readable case");
            let snap =
                golden::case_snapshot(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            let got = evaluate(id, &snap);
            let want_kind = match case_name.as_str() {
                "pass" => Some("pass"),
                "fail" => Some("fail"),
                "not_collected" => Some("not_collected"),
                _ => None,
            };
            if let Some(kind) = want_kind {
                let has = got.iter().any(|e| {
                    matches!(
                        (&e.outcome.verdict, kind),
                        (Verdict::Pass(_), "pass")
                            | (Verdict::Fail(_), "fail")
                            | (Verdict::NotCollected { .. }, "not_collected")
                    )
                });
                // A rule whose every input arrives with the resource itself has
                // no honest not-collected state; it says why in a reason file.
                let exempt =
                    kind == "not_collected" && dir.join("not_collected.reason.txt").exists();
                if !has && !exempt {
                    failures.push(format!("{id}/{case_name}: no {kind} outcome in {got:?}"));
                }
                if has && exempt {
                    failures.push(format!(
                        "{id}: stale not_collected.reason.txt, the case has a not_collected outcome"
                    ));
                }
            }
            let exp_path = dir.join(format!("{case_name}.expected.json"));
            let rendered = serde_json::to_string_pretty(&got).expect("serializable") + "\n";
            if update {
                std::fs::write(&exp_path, &rendered).expect("writable");
            } else {
                match std::fs::read_to_string(&exp_path) {
                    Ok(want) if want == rendered => {}
                    Ok(_) => failures.push(format!(
                        "{id}/{case_name}: output differs from {} (UPDATE_GOLDEN=1 to rewrite):\n{rendered}",
                        exp_path.display()
                    )),
                    Err(_) => failures.push(format!("{id}/{case_name}: missing {}", exp_path.display())),
                }
            }
            checked += 1;
        }
    }
    assert!(
        failures.is_empty(),
        "{} golden failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert!(checked >= 3 * cloudarq_rules::all().len());
}
