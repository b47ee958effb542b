//! Evaluates the built-in and sample rules once over a synthetic snapshot, and
//! optionally writes every report format, for measuring peak memory and wall
//! time from outside:
//!
//! ```text
//! cargo build --release -p cloudarq-benches --example engine_memory
//! /usr/bin/time -v $CARGO_TARGET_DIR/release/examples/engine_memory 100000
//! /usr/bin/time -v $CARGO_TARGET_DIR/release/examples/engine_memory 100000 --reports DIR
//! ```
//!
//! The first argument is the number of resources (default 100,000). With
//! `--reports DIR` the JSON, OCSF, CSV and HTML reports are written to `DIR`
//! (which must exist) and their sizes and times printed; comparing their
//! SHA-256 sums between two builds shows whether the output changed.

use std::time::Instant;

use cloudarq_benches::synthetic::{applicable_pairs, sample_rules, snapshot};
use cloudarq_core::engine::Engine;
use cloudarq_core::report::{OutputFormat, RuleIndex, write_reports};

fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let mut n = 100_000;
    let mut reports = None;
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--reports" => {
                reports =
                    Some(std::path::PathBuf::from(args.next().ok_or_else(|| {
                        anyhow::anyhow!("--reports needs a directory")
                    })?));
            }
            _ => n = arg.parse()?,
        }
    }
    let start = Instant::now();
    let snap = snapshot(n);
    let built = start.elapsed();
    let mut rules = cloudarq_rules::all();
    rules.extend(sample_rules());
    let index = RuleIndex::from_rules(&rules);
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
    if let Some(dir) = reports {
        for format in [
            OutputFormat::Json,
            OutputFormat::Ocsf,
            OutputFormat::Csv,
            OutputFormat::Html,
        ] {
            let start = Instant::now();
            let written = write_reports(&result, &index, &[format], &dir)?;
            let took = start.elapsed();
            for path in written {
                println!(
                    "report={format} bytes={} write={:.3}s",
                    std::fs::metadata(&path)?.len(),
                    took.as_secs_f64()
                );
            }
        }
    }
    Ok(())
}
