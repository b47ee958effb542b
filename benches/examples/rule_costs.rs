//! Per-rule evaluation cost on a synthetic snapshot, slowest first: finds the
//! rule that makes the engine slow.
//!
//! `cargo run --release -p cloudarq-benches --example rule_costs -- 20000`

use std::time::Instant;

use cloudarq_benches::synthetic;

fn main() {
    let n = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(20_000);
    let snap = synthetic::snapshot(n);
    let mut costs = Vec::new();
    for rule in cloudarq_rules::all() {
        let types = rule.meta().resource_types;
        let start = Instant::now();
        let mut pairs = 0u64;
        for t in types {
            for r in snap.of_type(*t) {
                let _ = rule.evaluate(r, &snap);
                pairs += 1;
            }
        }
        costs.push((start.elapsed(), pairs, rule.meta().id));
    }
    costs.sort_by_key(|c| std::cmp::Reverse(c.0));
    let total: f64 = costs.iter().map(|c| c.0.as_secs_f64()).sum();
    println!("{n} resources, {} rules, {total:.3} s in all", costs.len());
    for (t, pairs, id) in costs.iter().take(15) {
        let per = t.as_secs_f64() * 1e6 / (*pairs).max(1) as f64;
        println!(
            "{:>9.3} s {pairs:>7} pairs {per:>10.1} us/pair  {id}",
            t.as_secs_f64()
        );
    }
}
