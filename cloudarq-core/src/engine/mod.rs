//! The finding engine (C4–C6): rules × snapshot → [`ScanResult`].
//!
//! - [`Engine`] evaluates every (rule, resource) pair whose resource type the
//!   rule declares, in parallel across resources (rayon), and returns one
//!   [`ScanResult`], the boundary type every report and the store read.
//!   PASS/FAIL come from the rule; a rule that errors or panics yields an ERROR
//!   finding and every other pair still runs; data that was not collected
//!   yields an [`EvaluationGap`](cloudarq_model::finding::EvaluationGap), never
//!   a PASS or FAIL. Findings are ordered by (rule id, ARN).
//! - [`Mutelist`] (built from [`MuteEntry`]s, read from a file or the store)
//!   turns accepted FAILs into MUTED (still reported), with a
//!   reason and an optional expiry checked against the snapshot's time.
//! - [`score()`] and [`scores`] compute compliance per framework and section,
//!   from the frameworks in [`cloudarq_rules::frameworks`].
//! - [`diff()`] compares two results: new failures, resolved, still failing, muted.
//!
//! **Architecture invariant:** the engine does no I/O except reading a mutelist
//! file when asked, and reads no clock: "now" is the snapshot's `collected_at`,
//! so re-evaluating a saved snapshot always gives the same result.
//!
//! ```
//! use cloudarq_core::engine::{Engine, Mutelist};
//! use cloudarq_model::rule::*;
//! use cloudarq_model::{Properties, Resource, ResourceType, Service, Snapshot};
//!
//! // A rule of your own, next to the built-in ones.
//! struct BucketVersioned;
//! static META: RuleMeta = RuleMeta {
//!     id: "acme_s3_bucket_versioned",
//!     title: "S3 bucket has object versioning enabled (house rule)",
//!     severity: Severity::Medium,
//!     service: Service::S3,
//!     resource_types: &[ResourceType::S3Bucket],
//!     rationale: "Versioning keeps prior object versions.",
//!     remediation: Remediation { cli: "aws s3api put-bucket-versioning …", console: "…", url: "" },
//!     controls: &[ControlRef { framework: "aws_fsbp", control: "S3.14" }],
//! };
//! impl Rule for BucketVersioned {
//!     fn meta(&self) -> &'static RuleMeta { &META }
//!     fn evaluate(&self, r: &Resource, _: &Snapshot) -> Result<Outcome, RuleError> {
//!         let Properties::S3Bucket(b) = &r.properties else { return Ok(Outcome::not_applicable()) };
//!         let Some(v) = b.versioning.value() else { return Ok(Outcome::not_collected("versioning")) };
//!         let on = v.status.as_deref() == Some("Enabled");
//!         Ok(Outcome::check(on, "versioning is enabled", "versioning is not enabled"))
//!     }
//! }
//!
//! let mut snap = Snapshot::new("123456789012".parse()?, cloudarq_model::Partition::aws(),
//!     "2026-06-01T00:00:00Z".parse()?);
//! for (name, status) in [("data", "Enabled"), ("logs-eu", "Suspended"), ("tmp", "Suspended")] {
//!     snap.resources.insert(serde_json::from_value(serde_json::json!({
//!         "arn": format!("arn:aws:s3:::{name}"), "region": "eu-west-1", "name": name,
//!         "properties": {"AWS::S3::Bucket": {"name": name, "versioning": {"value": {"status": status}}}}
//!     }))?);
//! }
//!
//! let mut rules = cloudarq_rules::all();
//! rules.push(&BucketVersioned);
//! let mutelist = Mutelist::parse(r#"
//!     [[mute]]
//!     rule = "acme_s3_bucket_versioned"
//!     resource = "arn:aws:s3:::logs-*"
//!     reason = "log buckets are write-once"
//!     expires = 2026-12-31
//! "#, "mutelist.toml")?;
//! let engine = Engine::new(rules)
//!     .with_mutelist(mutelist)? // refused if an entry names a rule it does not run
//!     .with_frameworks(vec![cloudarq_rules::frameworks::framework("aws_fsbp")?]);
//!
//! let result = engine.evaluate(&snap);
//! let mine: Vec<_> = result.findings.iter()
//!     .filter(|f| f.rule_id == "acme_s3_bucket_versioned")
//!     .map(|f| (f.resource_name.as_str(), f.status))
//!     .collect();
//! assert_eq!(mine, [("data", Status::Pass), ("logs-eu", Status::Muted), ("tmp", Status::Fail)]);
//! let s3 = &result.scores[0].sections.iter().find(|s| s.section == "S3").unwrap();
//! assert!(s3.failed >= 1); // S3.14 fails because of `tmp`
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod diff;
mod error;
mod evaluation;
mod mutelist;
mod packed;
mod run;
mod score;
#[cfg(test)]
pub(crate) mod testing;

pub use diff::{Compared, DiffEntry, ScanDiff, diff};
pub use error::EngineError;
pub use evaluation::{Evaluation, EvidenceRef, FindingRef, Findings, GapRef, Gaps, ResultRef};
pub use mutelist::{Expiry, MuteEntry, Mutelist};
pub use packed::Text;
pub use run::Engine;
pub use score::{ControlStatus, control_statuses, score, scores, scores_of};
