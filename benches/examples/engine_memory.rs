//! Evaluates the built-in and sample rules once over a synthetic snapshot, for
//! measuring peak memory and wall time from outside:
//!
//! ```text
//! cargo build --release -p cloudarq-benches --example engine_memory
//! /usr/bin/time -v $CARGO_TARGET_DIR/release/examples/engine_memory 100000
//! ```
//!
//! The argument is the number of resources (default 100,000).

use std::time::Instant;

use cloudarq_benches::synthetic::{applicable_pairs, sample_rules, snapshot};
use cloudarq_core::engine::Engine;

fn main() -> anyhow::Result<()> {
    let n: usize = match std::env::args().nth(1) {
        Some(arg) => arg.parse()?,
        None => 100_000,
    };
    let start = Instant::now();
    let snap = snapshot(n);
    let built = start.elapsed();
    let mut rules = cloudarq_rules::all();
    rules.extend(sample_rules());
    let engine = Engine::new(rules).with_frameworks(cloudarq_rules::frameworks::frameworks()?);
    let pairs = applicable_pairs(engine.rules(), &snap);
    let start = Instant::now();
    let result = engine.evaluate(&snap);
    let took = start.elapsed();
    println!(
        "resources={} rules={} pairs={pairs} findings={} gaps={} snapshot_build={:.2}s evaluate={:.3}s rate={:.0}/s",
        result.resources,
        result.rules_evaluated,
        result.findings.len(),
        result.evaluation_gaps.len(),
        built.as_secs_f64(),
        took.as_secs_f64(),
        pairs as f64 / took.as_secs_f64(),
    );
    Ok(())
}
