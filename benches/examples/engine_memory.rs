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
//! The engine's lean in-memory result ([`Engine::run`]) is what the reports
//! are written from, as the scan pipeline does.
//!
//! The first argument is the number of resources (default 100,000). With
//! `--reports DIR` the JSON, OCSF, CSV and HTML reports are written to `DIR`
//! (which must exist) and their sizes and times printed; comparing their
//! SHA-256 sums between two builds shows whether the output changed.
//! `--save-snapshot FILE` writes the synthetic snapshot as a snapshot file
//! (for timing `cloudarq scan --snapshot FILE`, the whole pipeline) and
//! stops.

use std::time::Instant;

use cloudarq_benches::synthetic::{applicable_pairs, sample_rules, snapshot};
use cloudarq_core::engine::Engine;
use cloudarq_core::report::{OutputFormat, RuleIndex, write_reports};

fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let mut n = 100_000;
    let mut reports = None;
    let mut save = None;
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--reports" => {
                reports =
                    Some(std::path::PathBuf::from(args.next().ok_or_else(|| {
                        anyhow::anyhow!("--reports needs a directory")
                    })?));
            }
            "--save-snapshot" => {
                save = Some(
                    args.next()
                        .ok_or_else(|| anyhow::anyhow!("--save-snapshot needs a file name"))?,
                );
            }
            _ => n = arg.parse()?,
        }
    }
    let start = Instant::now();
    let snap = snapshot(n);
    let built = start.elapsed();
    if let Some(file) = save {
        std::fs::write(&file, snap.to_json()?)?;
        println!(
            "snapshot of {} resources written to {file}",
            snap.resources.len()
        );
        return Ok(());
    }
    let after_snapshot = resident();
    let mut rules = cloudarq_rules::all();
    rules.extend(sample_rules());
    let index = RuleIndex::from_rules(&rules);
    let engine = Engine::new(rules).with_frameworks(cloudarq_rules::frameworks::frameworks()?);
    let pairs = applicable_pairs(engine.rules(), &snap);
    let start = Instant::now();
    let result = engine.run(&snap);
    let took = start.elapsed();
    println!(
        "memory: {after_snapshot} after building the snapshot; {} after evaluating",
        resident()
    );
    println!(
        "resources={} rules={} pairs={pairs} findings={} gaps={} snapshot_build={:.2}s evaluate={:.3}s rate={:.0}/s",
        result.head().resources,
        result.head().rules_evaluated,
        result.findings().len(),
        result.gaps().len(),
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
                    "report={format} bytes={} write={:.3}s memory: {}",
                    std::fs::metadata(&path)?.len(),
                    took.as_secs_f64(),
                    resident()
                );
            }
        }
    }
    Ok(())
}

/// The process's resident set now and its peak so far (`VmRSS`, `VmHWM` of
/// `/proc/self/status`, Linux), for a memory profile by phase.
fn resident() -> String {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .map_or("?".to_owned(), |v| v.trim().to_owned())
    };
    format!("rss {} (peak {})", field("VmRSS:"), field("VmHWM:"))
}
