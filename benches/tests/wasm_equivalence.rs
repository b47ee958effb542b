//! The S3 family as a wasm package gives the same findings as its native
//! build on the bench's synthetic 10,000-resource snapshot (a deterministic
//! mix of secure and insecure buckets), not only on the demo account.

use cloudarq_benches::synthetic::snapshot;
use cloudarq_core::engine::Engine;
use cloudarq_core::wasm::{Limits, LoadOptions, WasmHost, WasmRules};
use cloudarq_model::Service;
use cloudarq_model::rule::{Rule, Status};

const S3_PACKAGE: &[u8] = include_bytes!("../../cloudarq-core/tests/guests/s3-rules.wasm");

#[test]
fn wasm_and_native_agree_on_ten_thousand_resources() -> Result<(), Box<dyn std::error::Error>> {
    let snap = snapshot(10_000);
    let native: Vec<&'static dyn Rule> = cloudarq_rules::all()
        .into_iter()
        .filter(|r| r.meta().service == Service::S3)
        .collect();
    let host = WasmHost::new(Limits::default())?;
    let pkg = host.load(S3_PACKAGE, "s3-rules.wasm", &LoadOptions::default())?;
    let mut wasm = WasmRules::new(host);
    wasm.add(pkg, &[])?;
    let a = Engine::new(native).evaluate(&snap);
    let b = Engine::new(Vec::new())
        .with_wasm_rules(wasm)
        .evaluate(&snap);
    assert!(a.findings.len() > 10_000, "{}", a.findings.len());
    for status in [Status::Pass, Status::Fail] {
        assert!(a.findings.iter().any(|f| f.status == status));
    }
    assert_eq!(a.findings, b.findings);
    assert_eq!(a.evaluation_gaps, b.evaluation_gaps);
    Ok(())
}
