//! The scan result the store benchmarks write: the demo account's findings,
//! repeated over distinct bucket ARNs.

use cloudarq_model::Snapshot;
use cloudarq_model::finding::ScanResult;

/// The demo snapshot's findings under every built-in rule and framework,
/// repeated to `n` findings with ARNs `arn:aws:s3:::bench-bucket-NNNNNN`.
///
/// # Panics
/// When the demo snapshot in `testdata/` is missing or unreadable: the
/// benchmark set-up fails loudly.
#[allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "benchmark set-up fails loudly"
)]
pub fn demo_result(n: usize) -> ScanResult {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../testdata/demo-snapshot.json"
    );
    let snap = Snapshot::from_json(&std::fs::read_to_string(path).unwrap(), path).unwrap();
    let mut r = cloudarq_core::engine::Engine::new(cloudarq_rules::all())
        .with_frameworks(cloudarq_rules::frameworks::frameworks().unwrap())
        .evaluate(&snap);
    let base = r.findings.clone();
    r.findings = (0..n)
        .map(|i| {
            let mut f = base[i % base.len()].clone();
            f.resource_arn = format!("arn:aws:s3:::bench-bucket-{i:06}").parse().unwrap();
            f
        })
        .collect();
    r
}
