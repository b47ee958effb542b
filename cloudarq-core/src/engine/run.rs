//! [`Engine::evaluate`]: every applicable (rule, resource) pair of a snapshot,
//! in parallel, into one [`ScanResult`].
//!
//! The pairs are laid out in their final order first (rules by id, then
//! resources by ARN), evaluated with rayon's order-preserving parallel map,
//! and split into findings and evaluation gaps. The output is identical
//! whatever the thread count, with no sort of the findings.

use std::any::Any;
use std::fmt;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;

use cloudarq_model::finding::{ControlId, RESULT_FORMAT, RESULT_FORMAT_VERSION, ScanResult};
use cloudarq_model::package::RuleInfo;
use cloudarq_model::rule::{Rule, RuleError, Severity, SeverityAdjustment, Status, Verdict};
use cloudarq_model::{Resource, ResourceType, Snapshot};
use cloudarq_rules::frameworks::Framework;
use rayon::prelude::*;

use super::error::EngineError;
use super::evaluation::{
    Evaluation, Fields, GapEntry, Notes, ResourceRow, RuleRow, write_evidence,
};
use super::mutelist::{Mute, Mutelist};
#[cfg(feature = "wasm")]
use super::packed::Packer;
use super::packed::{BlockText, Ends, Packed, Sealed, Slot};
use super::score;
#[cfg(feature = "wasm")]
use crate::wasm::{Saying, WasmRules};

/// Evaluates rules over snapshots; holds the rules, the mutelist and the
/// frameworks to score. Cheap to share between threads; reusable.
pub struct Engine {
    /// Sorted by id (stable, so duplicate ids keep their given order).
    rules: Vec<&'static dyn Rule>,
    /// The controls of each rule, as data, aligned with `rules`.
    controls: Vec<Vec<ControlId>>,
    mutelist: Option<Mutelist>,
    frameworks: Vec<Framework>,
    #[cfg(feature = "wasm")]
    wasm: Option<WasmRules>,
}

impl fmt::Debug for Engine {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("Engine");
        d.field(
            "rules",
            &self.rules.iter().map(|r| r.meta().id).collect::<Vec<_>>(),
        )
        .field("mutelist", &self.mutelist.as_ref().map(Mutelist::source));
        #[cfg(feature = "wasm")]
        d.field("wasm_rules", &self.wasm.as_ref().map(WasmRules::rule_count));
        d.field(
            "frameworks",
            &self.frameworks.iter().map(|f| &f.id).collect::<Vec<_>>(),
        )
        .finish()
    }
}

/// What one (rule, resource) pair produced.
enum PairOutput {
    /// A finding but its rule row, which the (sequential) merge attaches:
    /// threads never contend on a rule row's count. Its text is in its
    /// part's blocks.
    Finding(Own),
    /// The field that was not collected.
    Gap(String),
    Nothing,
}

/// What a finding holds of its own.
struct Own {
    status: Status,
    severity: Severity,
    ends: Ends,
    notes: Option<Box<Notes>>,
}

/// Pairs evaluated in parallel at a time: their outputs are held until
/// they are moved into the result, so memory beyond the result stays small.
const CHUNK: usize = 1 << 16;

/// Pairs evaluated by one parallel task, which also packs their findings'
/// text: compression runs on every core, and a part's findings (of one
/// rule, mostly, over neighbouring resources) pack well together.
const PART: usize = 512;

/// What one part of a chunk produced.
struct Part {
    /// Each pair that gave a finding or a gap: its rule, its resource's
    /// row, and what it gave.
    outs: Vec<(usize, ResourceRow, PairOutput)>,
    /// The findings' text, in blocks, each with its number of findings.
    blocks: Vec<(usize, Sealed)>,
}

impl Engine {
    /// An engine running `rules`, with no mutelist and no framework scores.
    ///
    /// Rules are evaluated in id order whatever order they are given in.
    pub fn new(mut rules: Vec<&'static dyn Rule>) -> Self {
        rules.sort_by_key(|r| r.meta().id);
        let controls = rules
            .iter()
            .map(|r| r.meta().controls.iter().map(ControlId::from).collect())
            .collect();
        Self {
            rules,
            controls,
            mutelist: None,
            frameworks: Vec::new(),
            #[cfg(feature = "wasm")]
            wasm: None,
        }
    }

    /// Applies `mutelist` to every FAIL.
    ///
    /// Refused with [`EngineError::UnknownRule`] (naming the mutelist, the
    /// entry and the id) when an entry names a rule this engine does not
    /// run: add WebAssembly rules (`with_wasm_rules`, feature `wasm`) first.
    pub fn with_mutelist(mut self, mutelist: Mutelist) -> Result<Self, EngineError> {
        mutelist.check_rule_ids(&self.rule_ids())?;
        self.mutelist = Some(mutelist);
        Ok(self)
    }

    /// The id of every rule this engine runs, built-in then WebAssembly, each
    /// in id order.
    pub fn rule_ids(&self) -> Vec<&str> {
        let ids = self.rules.iter().map(|r| r.meta().id);
        #[cfg(feature = "wasm")]
        let ids = ids.chain(self.wasm.iter().flat_map(WasmRules::rule_ids));
        ids.collect()
    }

    /// Scores the results against `frameworks`, in the given order.
    pub fn with_frameworks(mut self, frameworks: Vec<Framework>) -> Self {
        self.frameworks = frameworks;
        self
    }

    /// Also runs these WebAssembly rule packages (feature `wasm`); their findings and gaps are
    /// merged into the same result (mutelist and scores included). Rule ids
    /// are checked against the native rules by [`WasmRules::add`].
    #[cfg(feature = "wasm")]
    pub fn with_wasm_rules(mut self, rules: WasmRules) -> Self {
        self.wasm = Some(rules);
        self
    }

    /// The WebAssembly rule packages, if any (feature `wasm`).
    #[cfg(feature = "wasm")]
    pub fn wasm_rules(&self) -> Option<&WasmRules> {
        self.wasm.as_ref()
    }

    /// The rules, in evaluation (id) order.
    pub fn rules(&self) -> &[&'static dyn Rule] {
        &self.rules
    }

    /// The frameworks scored.
    pub fn frameworks(&self) -> &[Framework] {
        &self.frameworks
    }

    /// Evaluates every rule on every resource of a type it declares.
    ///
    /// - `Pass`/`Fail` become PASS/FAIL findings; the outcome's severity
    ///   adjustment, when present, replaces the rule's default and its reason
    ///   is kept in `severity_reason`.
    /// - `NotCollected` gives no finding but an
    ///   [`EvaluationGap`](cloudarq_model::finding::EvaluationGap).
    /// - `NotApplicable` gives nothing.
    /// - A rule that returns an error or panics gives an ERROR finding whose
    ///   message names the cause; every other pair still runs. (The default
    ///   panic hook still prints each panic to stderr; a build with
    ///   `panic = "abort"` cannot contain panics at all.)
    /// - The mutelist turns matching FAILs into MUTED, as of the snapshot's
    ///   `collected_at`.
    ///
    /// Findings and gaps are ordered by (rule id, ARN).
    pub fn evaluate(&self, snapshot: &Snapshot) -> ScanResult {
        self.run(snapshot).into_scan_result()
    }

    /// [`evaluate`](Self::evaluate), into the lean in-memory form: each
    /// rule's metadata and each resource's identity held once, evidence as
    /// compact JSON. For a large account it takes a fraction of the memory
    /// of the [`ScanResult`] ([`Evaluation::into_scan_result`] gives that),
    /// and every report reads it directly.
    pub fn run(&self, snapshot: &Snapshot) -> Evaluation {
        let (resources, types): (Vec<&Arc<Resource>>, Vec<ResourceType>) = snapshot
            .resources
            .shared()
            .map(|r| (r, r.resource_type()))
            .unzip();
        let pairs = self.pairs(&types);
        let rule_rows: Vec<Arc<RuleRow>> = self
            .rules
            .iter()
            .zip(&self.controls)
            .map(|(rule, controls)| {
                let meta = rule.meta();
                Arc::new(RuleRow {
                    id: meta.id.to_owned(),
                    title: meta.title.to_owned(),
                    service: meta.service,
                    controls: controls.clone(),
                })
            })
            .collect();
        let mut findings = Packed::default();
        let mut gaps = Vec::new();
        let mut fields = Fields::default();
        for chunk in pairs.chunks(CHUNK) {
            let parts: Vec<Part> = chunk
                .par_chunks(PART)
                .map(|part| self.evaluate_part(part, &resources, snapshot))
                .collect();
            for part in parts {
                let mut blocks = part.blocks.into_iter();
                let mut block = blocks.next();
                let mut slots = Vec::new();
                for (rule, resource, out) in part.outs {
                    let rule = Arc::clone(&rule_rows[rule]);
                    match out {
                        PairOutput::Finding(own) => {
                            slots.push(Slot {
                                rule,
                                resource,
                                notes: own.notes,
                                ends: own.ends,
                                status: own.status,
                                severity: own.severity,
                            });
                            if block.as_ref().is_some_and(|(n, _)| *n == slots.len())
                                && let Some((_, text)) = block.take()
                            {
                                findings.push_block(std::mem::take(&mut slots), text);
                                block = blocks.next();
                            }
                        }
                        PairOutput::Gap(field) => gaps.push(GapEntry {
                            rule,
                            resource,
                            field: fields.get(&field),
                        }),
                        PairOutput::Nothing => {}
                    }
                }
            }
        }
        let rules_evaluated = self.rule_ids().len();
        #[cfg(feature = "wasm")]
        if let Some(wasm) = &self.wasm {
            let (theirs, their_gaps) = self.run_wasm(wasm, snapshot, &resources, &mut fields);
            findings = std::mem::take(&mut findings).merge(theirs);
            gaps.extend(their_gaps);
            // Native and wasm rule ids are distinct: a stable sort merges
            // the gaps (the findings were merged above).
            gaps.sort_by(|a, b| {
                (&a.rule.id, a.resource.arn()).cmp(&(&b.rule.id, b.resource.arn()))
            });
        }
        let scores = score::scores_of(&self.frameworks, per_rule(&findings));
        let head = ScanResult {
            format: RESULT_FORMAT.to_owned(),
            version: RESULT_FORMAT_VERSION,
            account_id: snapshot.account_id.clone(),
            collected_at: snapshot.collected_at,
            regions: snapshot.regions.clone(),
            rules_evaluated: saturating_u32(rules_evaluated),
            resources: saturating_u32(resources.len()),
            findings: Vec::new(),
            evaluation_gaps: Vec::new(),
            coverage_gaps: snapshot.gaps.clone(),
            scores,
            rules: self.catalogue(),
        };
        gaps.shrink_to_fit();
        Evaluation::from_parts(head, findings, gaps)
    }

    /// The catalogue of every rule this engine runs (built-in and
    /// WebAssembly), ordered by id: what [`ScanResult::rules`] carries.
    pub fn catalogue(&self) -> Vec<RuleInfo> {
        let mut rules: Vec<RuleInfo> = self
            .rules
            .iter()
            .map(|r| RuleInfo::from_meta(r.meta()))
            .collect();
        #[cfg(feature = "wasm")]
        if let Some(w) = &self.wasm {
            rules.extend(
                w.packages()
                    .iter()
                    .flat_map(|p| p.meta().rules.iter().cloned()),
            );
        }
        rules.sort_by(|a, b| a.id.cmp(&b.id));
        rules
    }

    /// (rule index, resource index) for every applicable pair, in output
    /// order, from each resource's type.
    fn pairs(&self, types: &[ResourceType]) -> Vec<(usize, usize)> {
        // Resource indices per type, for the types some rule reads; indexed by
        // the type's position in `ResourceType::ALL` (a handful of entries).
        let slot = |t: ResourceType| ResourceType::ALL.iter().position(|x| *x == t);
        let mut by_type: Vec<Option<Vec<usize>>> = vec![None; ResourceType::ALL.len()];
        for rule in &self.rules {
            for t in rule.meta().resource_types {
                if let Some(i) = slot(*t) {
                    by_type[i].get_or_insert_with(Vec::new);
                }
            }
        }
        for (i, t) in types.iter().enumerate() {
            if let Some(Some(list)) = slot(*t).map(|s| &mut by_type[s]) {
                list.push(i);
            }
        }
        let mut pairs = Vec::new();
        let mut merged = Vec::new();
        for (ri, rule) in self.rules.iter().enumerate() {
            let mut slots: Vec<usize> = rule
                .meta()
                .resource_types
                .iter()
                .filter_map(|t| slot(*t))
                .collect();
            slots.sort_unstable();
            slots.dedup();
            if let [only] = slots[..] {
                let list = by_type[only].as_deref().unwrap_or_default();
                pairs.extend(list.iter().map(|&xi| (ri, xi)));
                continue;
            }
            // A multi-type rule merges its lists back into ARN order.
            merged.clear();
            for s in slots {
                merged.extend(by_type[s].as_deref().unwrap_or_default());
            }
            merged.sort_unstable();
            pairs.extend(merged.iter().map(|&xi| (ri, xi)));
        }
        pairs
    }

    /// Evaluates a run of pairs, packing their findings' text. A finding's
    /// or gap's resource row is the snapshot's own resource, shared: making
    /// it counts a reference, and nothing is copied (copying 100,000
    /// resources' ARNs, names and regions out of the snapshot, cache misses
    /// mostly, once took longer than the cheap rules' whole evaluation).
    fn evaluate_part(
        &self,
        pairs: &[(usize, usize)],
        resources: &[&Arc<Resource>],
        snapshot: &Snapshot,
    ) -> Part {
        let mut text = BlockText::default();
        let mut outs = Vec::new();
        let mut blocks = Vec::new();
        let mut in_block = 0;
        for &(rule, res) in pairs {
            let resource = resources[res];
            let out = self.evaluate_pair(rule, resource, snapshot, &mut text);
            match out {
                PairOutput::Nothing => continue,
                PairOutput::Finding(_) => in_block += 1,
                PairOutput::Gap(_) => {}
            }
            outs.push((rule, ResourceRow::Shared(Arc::clone(resource)), out));
            if text.is_full() {
                blocks.push((std::mem::take(&mut in_block), text.seal()));
            }
        }
        if in_block > 0 {
            blocks.push((in_block, text.seal()));
        }
        Part { outs, blocks }
    }

    /// The WebAssembly packages' findings, packed in parallel as the
    /// native ones are, with the same resource rows, and their gaps;
    /// both in (rule id, ARN) order.
    #[cfg(feature = "wasm")]
    fn run_wasm(
        &self,
        wasm: &WasmRules,
        snapshot: &Snapshot,
        resources: &[&Arc<Resource>],
        fields: &mut Fields,
    ) -> (Packed, Vec<GapEntry>) {
        let said = wasm.said(snapshot, resources);
        // One row per rule of every package; the packages' rules, by index
        // into `rules`, in id order.
        let mut rules: Vec<Arc<RuleRow>> = Vec::new();
        let mut first = Vec::with_capacity(said.len());
        for (p, _) in &said {
            first.push(rules.len());
            rules.extend(p.meta().rules.iter().map(|r| {
                Arc::new(RuleRow {
                    id: r.id.clone(),
                    title: r.title.clone(),
                    service: r.service,
                    controls: r.controls.clone(),
                })
            }));
        }
        let mut by_id: Vec<usize> = (0..rules.len()).collect();
        by_id.sort_by(|a, b| rules[*a].id.cmp(&rules[*b].id));
        let mut rank = vec![0; rules.len()];
        for (r, &i) in by_id.iter().enumerate() {
            rank[i] = r;
        }
        // (rule, resource, what): each package's rule index made an index
        // into `rules`, then put in (rule id, ARN) order (a resource's
        // index is its place in ARN order).
        let mut all: Vec<(usize, usize, Saying)> = said
            .into_iter()
            .zip(first)
            .flat_map(|((_, said), base)| {
                said.into_iter()
                    .map(move |s| (base + s.rule, s.resource, s.what))
            })
            .filter(|(rule, resource, _)| *rule < rules.len() && *resource < resources.len())
            .collect();
        all.sort_by_key(|(rule, resource, _)| (rank[*rule], *resource));
        let row = |at: usize| ResourceRow::Shared(Arc::clone(resources[at]));
        let mut gaps = Vec::new();
        let mut found = Vec::with_capacity(all.len());
        for (rule, at, what) in all {
            match what {
                Saying::Gap(field) => gaps.push(GapEntry {
                    rule: Arc::clone(&rules[rule]),
                    resource: row(at),
                    field: fields.get(&field),
                }),
                Saying::Finding(f) => found.push((rule, at, f)),
            }
        }
        let parts: Vec<Packed> = found
            .par_chunks(PART)
            .map(|part| {
                let mut packer = Packer::default();
                for (rule, at, f) in part {
                    let rule = &rules[*rule];
                    let (status, muted_reason, note) =
                        self.mute(f.status, &rule.id, resources[*at], snapshot);
                    let message = match note {
                        Some(note) => std::borrow::Cow::Owned(format!("{}{note}", f.message)),
                        None => std::borrow::Cow::Borrowed(f.message.as_str()),
                    };
                    packer.push(
                        Arc::clone(rule),
                        row(*at),
                        (status, f.severity),
                        Notes::of(f.severity_reason.clone(), muted_reason),
                        &message,
                        |t| t.push_str(&f.evidence),
                    );
                }
                packer.finish()
            })
            .collect();
        (Packed::concat(parts), gaps)
    }

    /// What the mutelist makes of a finding of `status` by rule `rule_id`
    /// on `resource`: its status, its mute reason, and a note for its
    /// message (when only expired entries match).
    fn mute(
        &self,
        status: Status,
        rule_id: &str,
        resource: &Resource,
        snapshot: &Snapshot,
    ) -> (Status, Option<String>, Option<String>) {
        let Some(m) = &self.mutelist else {
            return (status, None, None);
        };
        let region = resource.region.as_ref();
        match m.judge(
            status,
            rule_id,
            &resource.arn,
            region,
            snapshot.collected_at,
        ) {
            Some(Mute::Active { reason }) => (Status::Muted, Some(reason.to_owned()), None),
            Some(Mute::Expired { note }) => (status, None, Some(note)),
            None => (status, None, None),
        }
    }

    /// Evaluates one pair; a finding's message and evidence are laid out in
    /// `text`.
    fn evaluate_pair(
        &self,
        ri: usize,
        resource: &Resource,
        snapshot: &Snapshot,
        text: &mut BlockText,
    ) -> PairOutput {
        let rule = self.rules[ri];
        let meta = rule.meta();
        let run = catch_unwind(AssertUnwindSafe(|| rule.evaluate(resource, snapshot)));
        let (status, message, outcome) = match run {
            Ok(Ok(outcome)) => match outcome.verdict {
                Verdict::Pass(m) => (Status::Pass, m, Some((outcome.evidence, outcome.severity))),
                Verdict::Fail(m) => (Status::Fail, m, Some((outcome.evidence, outcome.severity))),
                Verdict::NotCollected { field } => return PairOutput::Gap(field),
                Verdict::NotApplicable => return PairOutput::Nothing,
            },
            Ok(Err(RuleError(e))) => (Status::Error, format!("rule returned an error: {e}"), None),
            Err(payload) => (
                Status::Error,
                format!("rule panicked: {}", panic_message(&*payload)),
                None,
            ),
        };
        let (evidence, adjustment) = outcome.unwrap_or((serde_json::Value::Null, None));
        let (severity, severity_reason) = match adjustment {
            Some(SeverityAdjustment { severity, reason }) => (severity, Some(reason)),
            None => (meta.severity, None),
        };
        let (status, muted_reason, note) = self.mute(status, meta.id, resource, snapshot);
        let mut message = message;
        if let Some(note) = note {
            message.push_str(&note);
        }
        PairOutput::Finding(Own {
            status,
            severity,
            ends: text.push(&message, |t| write_evidence(t, &evidence)),
            notes: Notes::of(severity_reason, muted_reason),
        })
    }
}

/// Each rule's (id, status) for scoring, from the findings' slots (their
/// text is not unpacked): one FAIL for a run of a rule's findings with a
/// FAIL or an ERROR in it, else the run's first status. Scores only ask
/// whether a rule has findings and whether one failed, so this scores as
/// every finding would.
fn per_rule(findings: &Packed) -> Vec<(&str, Status)> {
    let mut runs: Vec<(&str, Status)> = Vec::new();
    for slot in findings.slots() {
        let id = slot.rule.id.as_str();
        let failed = matches!(slot.status, Status::Fail | Status::Error);
        match runs.last_mut() {
            Some((last, status)) if *last == id => {
                if failed {
                    *status = Status::Fail;
                }
            }
            _ => runs.push((id, if failed { Status::Fail } else { slot.status })),
        }
    }
    runs
}

/// The text of a panic payload (`panic!` with a literal or a format string).
fn panic_message(payload: &(dyn Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        (*s).to_owned()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "non-text panic payload".to_owned()
    }
}

fn saturating_u32(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

#[cfg(test)]
#[allow(
    clippy::unwrap_used,
    reason = "a test fails loudly on an unexpected error"
)]
mod tests {
    use super::*;
    use crate::engine::testing::{self, rules, snapshot};
    use cloudarq_model::finding::EvaluationGap;
    use cloudarq_model::rule::Severity;

    fn statuses(r: &ScanResult) -> Vec<(String, String, Status)> {
        r.findings
            .iter()
            .map(|f| (f.rule_id.clone(), f.resource_name.clone(), f.status))
            .collect()
    }

    #[test]
    fn issue_14_scores_read_from_the_slots_equal_scores_of_every_finding() {
        // `test_panics` gives PASS, ERROR, PASS: a rule's run of findings
        // fails on an ERROR in its middle, not only on its first status.
        let c = |id: &str, rules: &str| {
            format!(
                "[[control]]\nid = \"{id}\"\ntitle = \"t\"\nsection = \"S\"\nrules = [{rules}]\n"
            )
        };
        let doc = [
            "id = \"fw\"\ntitle = \"F\"\nversion = \"1\"\nsections = [\"S\"]\n".to_owned(),
            c("1", "\"test_panics\""),
            c("2", "\"test_pass_all\""),
            c("3", "\"test_versioning\""),
            c("4", "\"test_errors\""),
            c("5", "\"test_pass_all\", \"test_fail_high\""),
            c("6", "\"no_such_rule\""),
        ]
        .concat();
        let fw = Framework::from_toml(&doc, "fw.toml").unwrap();
        let result = Engine::new(rules())
            .with_frameworks(vec![fw.clone()])
            .evaluate(&snapshot());
        assert_eq!(result.scores, score::scores(&[fw], &result.findings));
        let total = &result.scores[0].total;
        // Controls 2 passes; 1, 3, 4 and 5 fail; 6 has no findings.
        assert_eq!((total.passed, total.failed), (1, 4));
    }

    #[test]
    fn every_verdict_maps_to_its_status_in_rule_then_arn_order() {
        let result = Engine::new(rules()).evaluate(&snapshot());
        let s = |rule: &str, name: &str, st| (rule.to_owned(), name.to_owned(), st);
        use Status::*;
        assert_eq!(
            statuses(&result),
            [
                s("test_errors", "a", Error),
                s("test_errors", "b", Error),
                s("test_errors", "c", Error),
                s("test_fail_high", "a", Fail),
                s("test_fail_high", "b", Fail),
                s("test_fail_high", "c", Fail),
                s("test_panics", "a", Pass),
                s("test_panics", "b", Error),
                s("test_panics", "c", Pass),
                s("test_pass_all", "a", Pass),
                s("test_pass_all", "b", Pass),
                s("test_pass_all", "c", Pass),
                s("test_severity", "vol-1", Fail),
                s("test_severity", "vol-2", Fail),
                s("test_versioning", "a", Pass),
                s("test_versioning", "b", Fail),
            ]
        );
        // Not collected: no finding, one gap naming the field.
        assert_eq!(
            result.evaluation_gaps,
            [EvaluationGap {
                rule_id: "test_versioning".into(),
                resource_arn: "arn:aws:s3:::c".parse().unwrap(),
                field: "versioning".into(),
            }]
        );
    }

    #[test]
    fn errors_and_panics_name_their_cause() {
        let result = Engine::new(rules()).evaluate(&snapshot());
        let msg = |rule: &str, name: &str| {
            let f = result
                .findings
                .iter()
                .find(|f| f.rule_id == rule && f.resource_name == name)
                .unwrap();
            (f.message.clone(), f.severity)
        };
        assert_eq!(
            msg("test_errors", "a"),
            (
                "rule returned an error: policy document is not JSON".into(),
                Severity::Medium
            )
        );
        assert_eq!(
            msg("test_panics", "b"),
            (
                "rule panicked: index out of range for b".into(),
                Severity::Medium
            )
        );
        assert_eq!(msg("test_panics", "c").0, "no panic");
    }

    #[test]
    fn severity_override_carries_its_reason() {
        let result = Engine::new(rules()).evaluate(&snapshot());
        let vols: Vec<_> = result
            .findings
            .iter()
            .filter(|f| f.rule_id == "test_severity")
            .map(|f| {
                (
                    f.resource_name.as_str(),
                    f.severity,
                    f.severity_reason.as_deref(),
                )
            })
            .collect();
        assert_eq!(
            vols,
            [
                (
                    "vol-1",
                    Severity::Low,
                    Some("the volume is not attached to any instance")
                ),
                ("vol-2", Severity::High, None),
            ]
        );
    }

    #[test]
    fn findings_carry_resource_identity_evidence_and_controls() {
        let result = Engine::new(rules()).evaluate(&snapshot());
        let f = &result.findings[3];
        assert_eq!(f.rule_id, "test_fail_high");
        assert_eq!(f.title, "Test rule test_fail_high");
        assert_eq!(f.resource_arn.as_str(), "arn:aws:s3:::a");
        assert_eq!(f.resource_type, ResourceType::S3Bucket);
        assert_eq!(f.region.as_ref().map(|r| r.as_str()), Some("eu-west-1"));
        assert_eq!(f.evidence, serde_json::json!({"why": "always"}));
        let controls: Vec<_> = f
            .controls
            .iter()
            .map(|c| (&*c.framework, &*c.control))
            .collect();
        assert_eq!(controls, [("test_fw", "A.2")]);
    }

    #[test]
    fn result_carries_the_snapshot_identity_and_counts() {
        let snap = snapshot();
        let result = Engine::new(rules()).evaluate(&snap);
        assert_eq!(
            (result.format.as_str(), result.version),
            (RESULT_FORMAT, RESULT_FORMAT_VERSION)
        );
        assert_eq!(result.account_id, snap.account_id);
        assert_eq!(result.collected_at, snap.collected_at);
        assert_eq!(result.regions, snap.regions);
        assert_eq!((result.rules_evaluated, result.resources), (7, 6));
        assert_eq!(result.coverage_gaps, snap.gaps);
        assert!(result.scores.is_empty());
    }

    #[test]
    fn output_is_deterministic_and_independent_of_rule_order() {
        let snap = snapshot();
        let a = Engine::new(rules()).evaluate(&snap);
        let mut reversed = rules();
        reversed.reverse();
        let b = Engine::new(reversed).evaluate(&snap);
        assert_eq!(a, b);
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(1)
            .build()
            .unwrap();
        let c = pool.install(|| Engine::new(rules()).evaluate(&snap));
        assert_eq!(a, c);
    }

    #[test]
    fn issue_10_engine_refuses_a_mutelist_naming_a_rule_it_does_not_run() {
        let m = Mutelist::parse(
            "[[mute]]\nrule = \"*\"\nresource = \"arn:*\"\nreason = \"ok\"\n\n[[mute]]\nrule = \"no_such_rule\"\nresource = \"arn:*\"\nreason = \"typo\"\n",
            "mute.toml",
        )
        .unwrap();
        let e = Engine::new(rules())
            .with_mutelist(m)
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("mute.toml") && e.contains("entry 2") && e.contains("no_such_rule"),
            "{e}"
        );
        let engine = Engine::new(rules());
        let ids = engine.rule_ids();
        assert_eq!(ids.len(), rules().len());
        assert!(ids.windows(2).all(|w| w[0] < w[1]), "{ids:?}");
    }

    #[test]
    fn issue_10_result_carries_the_catalogue_of_the_rules_it_ran() {
        let engine = Engine::new(rules());
        let result = engine.evaluate(&snapshot());
        let ids: Vec<&str> = result.rules.iter().map(|r| r.id.as_str()).collect();
        assert_eq!(ids, engine.rule_ids());
        for r in rules() {
            let info = result.rule(r.meta().id).unwrap();
            assert_eq!(info.remediation.cli, r.meta().remediation.cli);
            assert_eq!(info.rationale, r.meta().rationale);
        }
    }

    #[test]
    fn mutelist_mutes_fails_during_evaluation() {
        let m = Mutelist::parse(
            "[[mute]]\nrule = \"*\"\nresource = \"arn:aws:s3:::b\"\nreason = \"accepted\"\n",
            "mute.toml",
        )
        .unwrap();
        let result = Engine::new(rules())
            .with_mutelist(m)
            .unwrap()
            .evaluate(&snapshot());
        let on_b: Vec<_> = result
            .findings
            .iter()
            .filter(|f| f.resource_name == "b")
            .map(|f| (f.rule_id.as_str(), f.status))
            .collect();
        use Status::*;
        assert_eq!(
            on_b,
            [
                ("test_errors", Error),
                ("test_fail_high", Muted),
                ("test_panics", Error),
                ("test_pass_all", Pass),
                ("test_versioning", Muted),
            ]
        );
    }

    #[test]
    fn an_empty_rule_set_or_snapshot_gives_an_empty_result() {
        let r = Engine::new(Vec::new()).evaluate(&snapshot());
        assert!(r.findings.is_empty() && r.evaluation_gaps.is_empty());
        let mut snap = snapshot();
        snap.resources = Default::default();
        let r = Engine::new(rules()).evaluate(&snap);
        assert_eq!((r.findings.len(), r.resources), (0, 0));
    }

    #[test]
    fn issue_14_packed_findings_read_back_in_order_across_parts_blocks_and_chunks() {
        // 34,000 buckets under two rules: 68,006 pairs, more than one chunk
        // (65,536) and 133 parts; the texts of `test_named` vary from a few
        // bytes to 4 KB, so blocks also seal in the middle of a part.
        let mut snap = snapshot();
        snap.resources.extend((0..34_000).map(|i| {
            let status = if i % 3 == 0 { "Enabled" } else { "Suspended" };
            testing::bucket(
                &format!("bk-{i:05}"),
                serde_json::json!({"value": {"status": status}}),
            )
        }));
        let engine = Engine::new(vec![&testing::VERSIONING, &testing::NAMED]);
        let lean = engine.run(&snap);
        assert!(lean.blocks() > 140, "{} blocks", lean.blocks());
        // What each pair gives, asked of the rules directly, in result order.
        let mut expected = Vec::new();
        for rule in engine.rules() {
            for r in snap.resources.iter() {
                if !rule.meta().resource_types.contains(&r.resource_type()) {
                    continue;
                }
                let outcome = rule.evaluate(r, &snap).unwrap();
                let (status, message) = match outcome.verdict {
                    Verdict::Pass(m) => (Status::Pass, m),
                    Verdict::Fail(m) => (Status::Fail, m),
                    _ => continue,
                };
                expected.push((
                    rule.meta().id,
                    r.arn.to_string(),
                    status,
                    message,
                    outcome.evidence,
                ));
            }
        }
        assert_eq!(lean.findings().len(), expected.len());
        assert!(expected.len() > CHUNK);
        let got: Vec<_> = lean
            .findings()
            .map(|f| {
                (
                    f.rule_id,
                    f.resource_arn.to_string(),
                    f.status,
                    f.message.to_string(),
                    f.evidence.to_value(),
                )
            })
            .collect();
        assert!(
            got == expected,
            "the packed findings differ from the rules' verdicts"
        );
        // Each bucket's findings, made in two chunks on either thread,
        // share one row: the snapshot's own resource.
        let mut rows = std::collections::HashMap::new();
        for row in lean.resource_rows() {
            let first = rows.entry(row.arn().as_str()).or_insert(row);
            assert!(first.same(row), "{} has two rows", row.arn());
        }
        assert_eq!(rows.len(), 34_000 + 3);
        // The document form reads the same, and packs back to an equal
        // evaluation (laid out in other blocks).
        let doc = lean.clone().into_scan_result();
        assert_eq!(Evaluation::from(doc.clone()), lean);
        assert_eq!(
            Evaluation::from(doc).into_scan_result(),
            lean.into_scan_result()
        );
    }

    #[test]
    fn engine_debug_lists_rule_ids() {
        let e = Engine::new(vec![&testing::PASS_ALL]);
        assert!(format!("{e:?}").contains("test_pass_all"));
    }
}
