//! The golden cases of the built-in rules: `tests/golden/<rule_id>/<case>.case.json`
//! in this crate, each `{"collected_at": "...", "resources": [...], "gaps": [...],
//! "services": [...]}` (all but the resources optional; the services default to
//! those of the resources and gaps), evaluated as a snapshot of account
//! 123456789012. This crate's `tests/golden.rs` checks every rule
//! against them; the WebAssembly build of a rule family runs the same cases
//! (`cloudarq-core/tests/wasm_s3_family.rs`).
//!
//! ```
//! let snap = cloudarq_rules::golden::case_snapshot(r#"{"resources": []}"#)?;
//! assert_eq!(snap.account_id.as_str(), "123456789012");
//! assert!(!cloudarq_rules::golden::cases_of("s3_bucket_public_access")?.is_empty());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::path::{Path, PathBuf};

use cloudarq_model::{CoverageGap, Partition, Resource, Service, Snapshot, Timestamp};
use serde::Deserialize;

/// One case file.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Case {
    collected_at: Option<Timestamp>,
    resources: Vec<Resource>,
    #[serde(default)]
    gaps: Vec<CoverageGap>,
    services: Option<Vec<Service>>,
}

/// One golden case of a rule.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GoldenCase {
    /// The case name (`pass`, `fail`, `not_collected`, …).
    pub name: String,
    /// The `<case>.case.json` file.
    pub path: PathBuf,
}

/// The folder of every rule's cases.
pub fn cases_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden")
}

/// The cases of `rule_id`, by name; none when it has no folder.
pub fn cases_of(rule_id: &str) -> std::io::Result<Vec<GoldenCase>> {
    let Ok(entries) = std::fs::read_dir(cases_dir().join(rule_id)) else {
        return Ok(Vec::new());
    };
    let mut cases = Vec::new();
    for entry in entries {
        let path = entry?.path();
        let Some(name) = path
            .file_name()
            .and_then(|n| n.to_str())
            .and_then(|n| n.strip_suffix(".case.json"))
        else {
            continue;
        };
        cases.push(GoldenCase {
            name: name.to_owned(),
            path,
        });
    }
    cases.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(cases)
}

/// The snapshot a case file's text describes (collected at 2026-06-01
/// unless it says otherwise).
pub fn case_snapshot(text: &str) -> Result<Snapshot, serde_json::Error> {
    let case: Case = serde_json::from_str(text)?;
    let at = match case.collected_at {
        Some(at) => at,
        None => "2026-06-01T00:00:00Z"
            .parse()
            .map_err(serde::de::Error::custom)?,
    };
    let account = "123456789012".parse().map_err(serde::de::Error::custom)?;
    let mut snap = Snapshot::new(account, Partition::aws(), at);
    // The services collected: as the case says, else those of its
    // resources and gaps.
    let mut services = case.services.unwrap_or_else(|| {
        case.resources
            .iter()
            .map(|r| r.resource_type().service())
            .chain(case.gaps.iter().map(|g| g.service))
            .collect()
    });
    services.sort_unstable();
    services.dedup();
    snap.services = services;
    snap.resources.extend(case.resources);
    snap.gaps = case.gaps;
    Ok(snap)
}
