//! [`Evaluation`]: a scan's result as the engine holds it in memory, and
//! [`ResultRef`], what every report reads (an [`Evaluation`] or a
//! [`ScanResult`], one finding at a time as a [`FindingRef`]).
//!
//! A [`ScanResult`] is the document: every [`Finding`] carries its rule's id,
//! title and controls, and its evidence as a `serde_json::Value` map. At the
//! scale of a large account (a million findings) those copies are most of
//! the memory: one `ControlId` allocation pair per control per finding, one
//! B-tree node of evidence per finding. An [`Evaluation`] holds the same
//! findings with each rule's metadata and each resource's identity once, in
//! tables, and each finding's message and evidence (as compact JSON) packed
//! with its neighbours' in LZ4-compressed blocks (a view's text is a
//! [`Text`], a range of its unpacked block). It turns
//! into the identical [`ScanResult`] ([`Evaluation::into_scan_result`]) and
//! back ([`From<ScanResult>`]), and the reports written from either are the
//! same bytes.
//!
//! ```
//! use cloudarq_core::engine::{Engine, Evaluation};
//! use cloudarq_model::Snapshot;
//!
//! let snap = Snapshot::new("123456789012".parse()?, cloudarq_model::Partition::aws(),
//!     "2026-06-01T00:00:00Z".parse()?);
//! let engine = Engine::new(cloudarq_rules::all());
//! let lean: Evaluation = engine.run(&snap);
//! assert_eq!(lean.findings().len(), 0);
//! assert_eq!(lean.into_scan_result(), engine.evaluate(&snap));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::Arc;

use cloudarq_model::finding::{ControlId, EvaluationGap, Finding, ResultSource, ScanResult};
use cloudarq_model::rule::{Severity, Status};
use cloudarq_model::{Arn, Region, Resource, ResourceType, Service};
use serde::Serialize;

use super::packed::{self, Packed, Packer, Text, Unpacked};

/// One rule's part of every finding it produced, shared by them.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct RuleRow {
    pub(crate) id: String,
    pub(crate) title: String,
    pub(crate) service: Service,
    pub(crate) controls: Vec<ControlId>,
}

/// One resource's part of every finding about it, shared by them: its ARN,
/// type, name and region. A clone is a reference count; rows are equal when
/// what they name is.
#[derive(Clone, Debug)]
pub(crate) enum ResourceRow {
    /// A snapshot's resource, shared with the snapshot (nothing copied).
    Shared(Arc<Resource>),
    /// A resource known only by what a finding or gap names.
    Named(Arc<NamedResource>),
}

/// What a finding read back names of its resource.
#[derive(Debug, PartialEq)]
pub(crate) struct NamedResource {
    pub(crate) arn: Arn,
    pub(crate) resource_type: ResourceType,
    pub(crate) name: String,
    pub(crate) region: Option<Region>,
}

/// One finding unpacked: its rule's and resource's shared rows and what is
/// its own, the evidence as compact JSON (empty for `null`). What is packed
/// ([`Packer`]) when findings do not come from the engine's own run.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Entry {
    pub(crate) rule: Arc<RuleRow>,
    pub(crate) resource: ResourceRow,
    pub(crate) status: Status,
    pub(crate) severity: Severity,
    pub(crate) message: String,
    pub(crate) evidence: String,
    pub(crate) notes: Option<Box<Notes>>,
}

/// One evaluation gap: the rule's and resource's shared rows (only their id
/// and ARN are read) and the field, shared by every gap naming it.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct GapEntry {
    pub(crate) rule: Arc<RuleRow>,
    pub(crate) resource: ResourceRow,
    pub(crate) field: Arc<str>,
}

impl GapEntry {
    pub(crate) fn view(&self) -> GapRef<'_> {
        GapRef {
            rule_id: &self.rule.id,
            resource_arn: self.resource.arn(),
            field: &self.field,
        }
    }
}

/// A finding's severity reason and mute reason.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Notes {
    pub(crate) severity_reason: Option<String>,
    pub(crate) muted_reason: Option<String>,
}

impl Entry {
    /// The entry of `f`, sharing `rule` and `resource`.
    pub(crate) fn of(f: Finding, rule: Arc<RuleRow>, resource: ResourceRow) -> Self {
        let mut evidence = String::new();
        write_evidence(&mut evidence, &f.evidence);
        Self {
            rule,
            resource,
            status: f.status,
            severity: f.severity,
            message: f.message,
            evidence,
            notes: Notes::of(f.severity_reason, f.muted_reason),
        }
    }

    /// Packs this finding.
    pub(crate) fn pack(self, packer: &mut Packer) {
        let evidence = &self.evidence;
        packer.push(
            self.rule,
            self.resource,
            (self.status, self.severity),
            self.notes,
            &self.message,
            |t| t.push_str(evidence),
        );
    }
}

/// The view of a packed finding.
fn view(u: Unpacked<'_>) -> FindingRef<'_> {
    let slot = u.slot;
    let notes = slot.notes.as_deref();
    FindingRef {
        rule_id: &slot.rule.id,
        title: &slot.rule.title,
        service: slot.rule.service,
        resource_arn: slot.resource.arn(),
        resource_type: slot.resource.resource_type(),
        resource_name: slot.resource.name(),
        region: slot.resource.region(),
        status: slot.status,
        severity: slot.severity,
        severity_reason: notes.and_then(|n| n.severity_reason.as_deref()),
        message: u.message,
        evidence: if u.evidence.is_empty() {
            EvidenceRef::Null
        } else {
            EvidenceRef::Json(u.evidence)
        },
        controls: &slot.rule.controls,
        muted_reason: notes.and_then(|n| n.muted_reason.as_deref()),
    }
}

impl Notes {
    /// The notes, when either reason is set.
    pub(crate) fn of(
        severity_reason: Option<String>,
        muted_reason: Option<String>,
    ) -> Option<Box<Self>> {
        (severity_reason.is_some() || muted_reason.is_some()).then(|| {
            Box::new(Self {
                severity_reason,
                muted_reason,
            })
        })
    }
}

/// Appends `evidence` as compact JSON (nothing for `null`, whose JSON is
/// never empty otherwise).
pub(crate) fn write_evidence(text: &mut String, evidence: &serde_json::Value) {
    use std::fmt::Write as _;
    if !evidence.is_null() {
        // Writing to a String cannot fail.
        let _ = write!(text, "{evidence}");
    }
}

impl RuleRow {
    pub(crate) fn of_finding(f: &Finding) -> Self {
        Self {
            id: f.rule_id.clone(),
            title: f.title.clone(),
            service: f.service,
            controls: f.controls.clone(),
        }
    }
}

impl NamedResource {
    /// What a finding names of `r`: its ARN, type, name and region.
    fn of_resource(r: &Resource) -> Self {
        Self {
            arn: r.arn.clone(),
            resource_type: r.resource_type(),
            name: r.name.clone(),
            region: r.region.clone(),
        }
    }

    /// What `f` names of its resource.
    pub(crate) fn of_finding(f: &Finding) -> Self {
        Self {
            arn: f.resource_arn.clone(),
            resource_type: f.resource_type,
            name: f.resource_name.clone(),
            region: f.region.clone(),
        }
    }
}

impl ResourceRow {
    pub(crate) fn named(named: NamedResource) -> Self {
        Self::Named(Arc::new(named))
    }

    /// Whether both are the same row (not only equal ones).
    #[cfg(test)]
    pub(crate) fn same(&self, other: &Self) -> bool {
        match (self, other) {
            (Self::Shared(a), Self::Shared(b)) => Arc::ptr_eq(a, b),
            (Self::Named(a), Self::Named(b)) => Arc::ptr_eq(a, b),
            _ => false,
        }
    }

    pub(crate) fn arn(&self) -> &Arn {
        match self {
            Self::Shared(r) => &r.arn,
            Self::Named(n) => &n.arn,
        }
    }

    pub(crate) fn resource_type(&self) -> ResourceType {
        match self {
            Self::Shared(r) => r.resource_type(),
            Self::Named(n) => n.resource_type,
        }
    }

    pub(crate) fn name(&self) -> &str {
        match self {
            Self::Shared(r) => &r.name,
            Self::Named(n) => &n.name,
        }
    }

    pub(crate) fn region(&self) -> Option<&Region> {
        match self {
            Self::Shared(r) => r.region.as_ref(),
            Self::Named(n) => n.region.as_ref(),
        }
    }
}

impl PartialEq for ResourceRow {
    fn eq(&self, other: &Self) -> bool {
        self.arn() == other.arn()
            && self.resource_type() == other.resource_type()
            && self.name() == other.name()
            && self.region() == other.region()
    }
}

/// Rows shared by identical values: two findings of one rule (or about one
/// resource) that carry the same fields get the same row.
#[derive(Default)]
pub(crate) struct Rows {
    rules: HashMap<String, Vec<Arc<RuleRow>>>,
    resources: HashMap<String, Vec<Arc<NamedResource>>>,
    fields: Fields,
}

/// The fields gaps name, each held once.
#[derive(Default)]
pub(crate) struct Fields(HashMap<Arc<str>, ()>);

impl Fields {
    /// The shared copy of `field`.
    pub(crate) fn get(&mut self, field: &str) -> Arc<str> {
        if let Some((known, ())) = self.0.get_key_value(field) {
            return Arc::clone(known);
        }
        let field: Arc<str> = Arc::from(field);
        self.0.insert(Arc::clone(&field), ());
        field
    }
}

impl Rows {
    /// Makes `row` known, so a finding equal to it shares it.
    pub(crate) fn add_rule(&mut self, row: &Arc<RuleRow>) {
        self.rules
            .entry(row.id.clone())
            .or_default()
            .push(Arc::clone(row));
    }

    /// Makes `row` known, so a finding equal to it shares it.
    pub(crate) fn add_resource(&mut self, row: &Arc<NamedResource>) {
        self.resources
            .entry(row.arn.as_str().to_owned())
            .or_default()
            .push(Arc::clone(row));
    }

    /// The entry of gap `g`: the first row of its rule and of its resource,
    /// or, for a rule or resource no finding names, a row of which only the
    /// id or ARN is ever read.
    pub(crate) fn gap(&mut self, g: EvaluationGap) -> GapEntry {
        let rule = match self.rules.get(&g.rule_id).and_then(|rows| rows.first()) {
            Some(row) => Arc::clone(row),
            None => {
                let row = Arc::new(RuleRow {
                    id: g.rule_id,
                    title: String::new(),
                    service: Service::Account,
                    controls: Vec::new(),
                });
                self.add_rule(&row);
                row
            }
        };
        let known = self.resources.get(g.resource_arn.as_str());
        let resource = match known.and_then(|rows| rows.first()) {
            Some(row) => Arc::clone(row),
            None => {
                let row = Arc::new(NamedResource {
                    resource_type: ResourceType::ALL[0],
                    name: String::new(),
                    region: None,
                    arn: g.resource_arn,
                });
                self.add_resource(&row);
                row
            }
        };
        let resource = ResourceRow::Named(resource);
        GapEntry {
            rule,
            resource,
            field: self.fields.get(&g.field),
        }
    }

    /// The entry of `f`, its rows shared with any equal finding's.
    pub(crate) fn entry(&mut self, f: Finding) -> Entry {
        let rule = shared(&mut self.rules, &f.rule_id, RuleRow::of_finding(&f));
        let resource = shared(
            &mut self.resources,
            f.resource_arn.as_str(),
            NamedResource::of_finding(&f),
        );
        Entry::of(f, rule, ResourceRow::Named(resource))
    }
}

/// The known row equal to `row`, or `row` made known.
fn shared<T: PartialEq>(index: &mut HashMap<String, Vec<Arc<T>>>, key: &str, row: T) -> Arc<T> {
    let slot = match index.get_mut(key) {
        Some(slot) => slot,
        None => index.entry(key.to_owned()).or_default(),
    };
    if let Some(known) = slot.iter().find(|r| ***r == row) {
        return Arc::clone(known);
    }
    let row = Arc::new(row);
    slot.push(Arc::clone(&row));
    row
}

/// A scan's result with each rule's metadata and each resource's identity
/// held once, and the findings' text packed; see the
/// [module documentation](self).
#[derive(Clone, Debug)]
pub struct Evaluation {
    /// Every field of the result but `findings` and `evaluation_gaps`,
    /// which are empty.
    head: ScanResult,
    findings: Packed,
    gaps: Vec<GapEntry>,
}

impl PartialEq for Evaluation {
    /// The same result: equal heads, findings and gaps (however the
    /// findings are laid out in blocks).
    fn eq(&self, other: &Self) -> bool {
        self.head == other.head
            && self.gaps == other.gaps
            && self.findings.len() == other.findings.len()
            && self.findings().eq(other.findings())
    }
}

impl Evaluation {
    /// Assembles an evaluation; `head.findings` and `head.evaluation_gaps`
    /// are ignored (emptied).
    pub(crate) fn from_parts(mut head: ScanResult, findings: Packed, gaps: Vec<GapEntry>) -> Self {
        head.findings = Vec::new();
        head.evaluation_gaps = Vec::new();
        Self {
            head,
            findings,
            gaps,
        }
    }

    /// Every field of the result but the findings and evaluation gaps (read
    /// those with [`findings`](Self::findings) and [`gaps`](Self::gaps));
    /// its lists of both are empty.
    pub fn head(&self) -> &ScanResult {
        &self.head
    }

    /// Lets go of the snapshot the result was evaluated from: each resource
    /// a finding or gap names, which [`Engine::run`](super::Engine::run)
    /// shares with the snapshot rather than copying, gets a row of the
    /// result's own (its ARN, type, name and region, once per resource).
    /// Call it before dropping the snapshot when the result lives on (to be
    /// stored, compared): otherwise every resource with a finding, its
    /// properties included, stays in memory as long as the result does.
    /// The result reads the same.
    ///
    /// ```
    /// use cloudarq_core::engine::Engine;
    /// # let snap = cloudarq_model::Snapshot::from_json(
    /// #     include_str!("../../../testdata/demo-snapshot.json"), "demo.json")?;
    /// let mut lean = Engine::new(cloudarq_rules::all()).run(&snap);
    /// let before = lean.clone();
    /// lean.detach();
    /// drop(snap); // frees every resource
    /// assert_eq!(lean, before);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn detach(&mut self) {
        let mut own: HashMap<*const Resource, ResourceRow> = HashMap::new();
        let mut detach = |row: &mut ResourceRow| {
            if let ResourceRow::Shared(r) = row {
                let mine = own
                    .entry(Arc::as_ptr(r))
                    .or_insert_with(|| ResourceRow::named(NamedResource::of_resource(r)));
                *row = mine.clone();
            }
        };
        for slot in self.findings.slots_mut() {
            detach(&mut slot.resource);
        }
        for gap in &mut self.gaps {
            detach(&mut gap.resource);
        }
    }

    /// The findings, in result order (rule id, then ARN).
    pub fn findings(&self) -> Findings<'_> {
        Findings(FindingsInner::Lean(self.findings.iter()))
    }

    /// How many blocks the findings' text is packed in.
    #[cfg(test)]
    pub(crate) fn blocks(&self) -> usize {
        self.findings.blocks()
    }

    /// Each finding's shared resource row, in order.
    #[cfg(test)]
    pub(crate) fn resource_rows(&self) -> impl Iterator<Item = &ResourceRow> {
        self.findings.slots().map(|s| &s.resource)
    }

    /// The evaluation gaps, in result order (rule id, then ARN).
    pub fn gaps(&self) -> Gaps<'_> {
        Gaps(GapsInner::Lean(self.gaps.iter()))
    }

    /// The document form: the same findings, each carrying its rule's and
    /// resource's fields and its evidence as a value.
    pub fn into_scan_result(self) -> ScanResult {
        let Self {
            mut head,
            findings,
            gaps,
        } = self;
        head.findings = findings.iter().map(|u| view(u).to_finding()).collect();
        head.evaluation_gaps = gaps.iter().map(|g| g.view().to_gap()).collect();
        head
    }
}

impl ResultSource for Evaluation {
    fn head(&self) -> &ScanResult {
        &self.head
    }

    fn finding_count(&self) -> usize {
        self.findings.len()
    }

    /// Each finding made into a [`Finding`] as it is read (none is held
    /// beyond the caller's use of it).
    fn findings(&self) -> Box<dyn Iterator<Item = Cow<'_, Finding>> + Send + '_> {
        Box::new(
            self.findings
                .iter()
                .map(|u| Cow::Owned(view(u).to_finding())),
        )
    }

    fn evaluation_gaps(&self) -> Box<dyn Iterator<Item = Cow<'_, EvaluationGap>> + Send + '_> {
        Box::new(self.gaps.iter().map(|g| Cow::Owned(g.view().to_gap())))
    }
}

impl From<ScanResult> for Evaluation {
    /// The lean form of a result read from a file or the store: findings of
    /// one rule, or about one resource, that carry the same fields share
    /// one row.
    fn from(mut result: ScanResult) -> Self {
        let mut rows = Rows::default();
        let mut findings = Packer::default();
        for f in std::mem::take(&mut result.findings) {
            rows.entry(f).pack(&mut findings);
        }
        let findings = findings.finish();
        let gaps = std::mem::take(&mut result.evaluation_gaps)
            .into_iter()
            .map(|g| rows.gap(g))
            .collect();
        Self::from_parts(result, findings, gaps)
    }
}

/// One finding, from either form: the fields of [`Finding`], borrowed. It
/// serializes exactly as the [`Finding`] it reads.
///
/// Its message and evidence text are [`Text`]: for an [`Evaluation`], a
/// range of the unpacked block the finding was read from, shared by that
/// block's views. Keep a view beyond the pass that read it with
/// [`detached`](Self::detached).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct FindingRef<'a> {
    /// Rule id.
    pub rule_id: &'a str,
    /// Rule title.
    pub title: &'a str,
    /// The service.
    pub service: Service,
    /// The resource's ARN.
    pub resource_arn: &'a Arn,
    /// The resource's type.
    pub resource_type: ResourceType,
    /// The resource's display name.
    pub resource_name: &'a str,
    /// The resource's region (`None` for global resources).
    pub region: Option<&'a Region>,
    /// PASS, FAIL, ERROR or MUTED.
    pub status: Status,
    /// Severity for this resource.
    pub severity: Severity,
    /// Why the severity differs from the rule's default, when it does.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub severity_reason: Option<&'a str>,
    /// What was found.
    pub message: Text<'a>,
    /// The values the verdict rests on.
    #[serde(skip_serializing_if = "EvidenceRef::is_null")]
    pub evidence: EvidenceRef<'a>,
    /// Compliance controls of the rule.
    pub controls: &'a [ControlId],
    /// For MUTED: the mutelist reason.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub muted_reason: Option<&'a str>,
}

impl<'a> From<&'a Finding> for FindingRef<'a> {
    fn from(f: &'a Finding) -> Self {
        Self {
            rule_id: &f.rule_id,
            title: &f.title,
            service: f.service,
            resource_arn: &f.resource_arn,
            resource_type: f.resource_type,
            resource_name: &f.resource_name,
            region: f.region.as_ref(),
            status: f.status,
            severity: f.severity,
            severity_reason: f.severity_reason.as_deref(),
            message: Text::from(f.message.as_str()),
            evidence: EvidenceRef::Value(&f.evidence),
            controls: &f.controls,
            muted_reason: f.muted_reason.as_deref(),
        }
    }
}

impl<'a> FindingRef<'a> {
    /// The same view holding its own copy of its text, so that keeping it
    /// does not keep the rest of its block unpacked.
    pub fn detached(&self) -> FindingRef<'a> {
        FindingRef {
            message: self.message.detached(),
            evidence: match &self.evidence {
                EvidenceRef::Json(t) => EvidenceRef::Json(t.detached()),
                other => other.clone(),
            },
            ..self.clone()
        }
    }

    /// The owned [`Finding`].
    pub fn to_finding(&self) -> Finding {
        Finding {
            rule_id: self.rule_id.to_owned(),
            title: self.title.to_owned(),
            service: self.service,
            resource_arn: self.resource_arn.clone(),
            resource_type: self.resource_type,
            resource_name: self.resource_name.to_owned(),
            region: self.region.cloned(),
            status: self.status,
            severity: self.severity,
            severity_reason: self.severity_reason.map(str::to_owned),
            message: self.message.to_string(),
            evidence: self.evidence.to_value(),
            controls: self.controls.to_vec(),
            muted_reason: self.muted_reason.map(str::to_owned),
        }
    }
}

/// A finding's evidence: a value, or the compact JSON an [`Evaluation`]
/// keeps. Serializes as the value.
#[derive(Clone, Debug, PartialEq)]
pub enum EvidenceRef<'a> {
    /// No evidence (`null`).
    Null,
    /// A value, as a [`Finding`] holds it.
    Value(&'a serde_json::Value),
    /// Compact JSON text of a value other than `null`.
    Json(Text<'a>),
}

impl EvidenceRef<'_> {
    /// Whether there is no evidence.
    pub fn is_null(&self) -> bool {
        match self {
            Self::Null => true,
            Self::Value(v) => v.is_null(),
            Self::Json(_) => false,
        }
    }

    /// The evidence as a value. The text of an [`Evaluation`] is always
    /// JSON it wrote from a value; text that were not would come back as a
    /// string, never lost.
    pub fn to_value(&self) -> serde_json::Value {
        match self {
            Self::Null => serde_json::Value::Null,
            Self::Value(v) => (*v).clone(),
            Self::Json(t) => {
                serde_json::from_str(t).unwrap_or_else(|_| serde_json::Value::String(t.to_string()))
            }
        }
    }
}

impl Serialize for EvidenceRef<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Self::Null => s.serialize_unit(),
            Self::Value(v) => v.serialize(s),
            Self::Json(_) => self.to_value().serialize(s),
        }
    }
}

/// The findings of a [`ResultRef`], in result order, as [`FindingRef`]s.
#[derive(Clone, Debug)]
pub struct Findings<'a>(FindingsInner<'a>);

#[derive(Clone, Debug)]
enum FindingsInner<'a> {
    Document(std::slice::Iter<'a, Finding>),
    Lean(packed::Iter<'a>),
}

impl<'a> Iterator for Findings<'a> {
    type Item = FindingRef<'a>;

    fn next(&mut self) -> Option<FindingRef<'a>> {
        match &mut self.0 {
            FindingsInner::Document(i) => i.next().map(FindingRef::from),
            FindingsInner::Lean(i) => i.next().map(view),
        }
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        match &self.0 {
            FindingsInner::Document(i) => i.size_hint(),
            FindingsInner::Lean(i) => i.size_hint(),
        }
    }
}

impl ExactSizeIterator for Findings<'_> {}

/// One evaluation gap, from either form: the fields of [`EvaluationGap`],
/// borrowed. It serializes exactly as the gap it reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct GapRef<'a> {
    /// Rule id.
    pub rule_id: &'a str,
    /// The resource.
    pub resource_arn: &'a Arn,
    /// The field that was not collected.
    pub field: &'a str,
}

impl<'a> From<&'a EvaluationGap> for GapRef<'a> {
    fn from(g: &'a EvaluationGap) -> Self {
        Self {
            rule_id: &g.rule_id,
            resource_arn: &g.resource_arn,
            field: &g.field,
        }
    }
}

impl GapRef<'_> {
    /// The owned [`EvaluationGap`].
    pub fn to_gap(&self) -> EvaluationGap {
        EvaluationGap {
            rule_id: self.rule_id.to_owned(),
            resource_arn: self.resource_arn.clone(),
            field: self.field.to_owned(),
        }
    }
}

/// The evaluation gaps of a [`ResultRef`], in result order, as [`GapRef`]s.
#[derive(Clone, Debug)]
pub struct Gaps<'a>(GapsInner<'a>);

#[derive(Clone, Debug)]
enum GapsInner<'a> {
    Document(std::slice::Iter<'a, EvaluationGap>),
    Lean(std::slice::Iter<'a, GapEntry>),
}

impl<'a> Iterator for Gaps<'a> {
    type Item = GapRef<'a>;

    fn next(&mut self) -> Option<GapRef<'a>> {
        match &mut self.0 {
            GapsInner::Document(i) => i.next().map(GapRef::from),
            GapsInner::Lean(i) => i.next().map(GapEntry::view),
        }
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        match &self.0 {
            GapsInner::Document(i) => i.size_hint(),
            GapsInner::Lean(i) => i.size_hint(),
        }
    }
}

impl ExactSizeIterator for Gaps<'_> {}

/// A result to report: the document ([`ScanResult`]) or the engine's lean
/// form ([`Evaluation`]). Every report takes `impl Into<ResultRef>`, so
/// either can be passed by reference.
#[derive(Clone, Copy, Debug)]
pub enum ResultRef<'a> {
    /// A result document (read from a file or the store).
    Document(&'a ScanResult),
    /// The engine's lean form.
    Lean(&'a Evaluation),
}

impl<'a> ResultRef<'a> {
    /// Every field but the findings and evaluation gaps: for a document,
    /// the document itself. Read findings and gaps with
    /// [`findings`](Self::findings) and [`gaps`](Self::gaps) only.
    pub fn head(self) -> &'a ScanResult {
        match self {
            Self::Document(r) => r,
            Self::Lean(e) => &e.head,
        }
    }

    /// The findings, in result order.
    pub fn findings(self) -> Findings<'a> {
        match self {
            Self::Document(r) => Findings(FindingsInner::Document(r.findings.iter())),
            Self::Lean(e) => e.findings(),
        }
    }

    /// The evaluation gaps, in result order.
    pub fn gaps(self) -> Gaps<'a> {
        match self {
            Self::Document(r) => Gaps(GapsInner::Document(r.evaluation_gaps.iter())),
            Self::Lean(e) => e.gaps(),
        }
    }
}

impl ResultSource for ResultRef<'_> {
    fn head(&self) -> &ScanResult {
        (*self).head()
    }

    fn finding_count(&self) -> usize {
        match *self {
            Self::Document(r) => r.finding_count(),
            Self::Lean(e) => e.finding_count(),
        }
    }

    fn findings(&self) -> Box<dyn Iterator<Item = Cow<'_, Finding>> + Send + '_> {
        match *self {
            Self::Document(r) => ResultSource::findings(r),
            Self::Lean(e) => ResultSource::findings(e),
        }
    }

    fn evaluation_gaps(&self) -> Box<dyn Iterator<Item = Cow<'_, EvaluationGap>> + Send + '_> {
        match *self {
            Self::Document(r) => r.evaluation_gaps(),
            Self::Lean(e) => e.evaluation_gaps(),
        }
    }
}

impl<'a> From<&'a ScanResult> for ResultRef<'a> {
    fn from(r: &'a ScanResult) -> Self {
        Self::Document(r)
    }
}

impl<'a> From<&'a Evaluation> for ResultRef<'a> {
    fn from(e: &'a Evaluation) -> Self {
        Self::Lean(e)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, reason = "tests fail loudly on unexpected errors")]
mod tests {
    use super::*;
    use crate::engine::testing::{rules, snapshot};
    use crate::engine::{Engine, Mutelist};
    use crate::report::fixture::sample_result;

    #[test]
    fn issue_14_a_document_survives_the_lean_form_unchanged() {
        let doc = sample_result();
        assert!(doc.findings.iter().any(|f| !f.evidence.is_null()));
        assert!(doc.findings.iter().any(|f| f.severity_reason.is_some()));
        assert!(doc.findings.iter().any(|f| f.muted_reason.is_some()));
        let lean = Evaluation::from(doc.clone());
        assert_eq!(lean.findings().len(), doc.findings.len());
        let viewed: Vec<Finding> = lean.findings().map(|f| f.to_finding()).collect();
        assert_eq!(viewed, doc.findings);
        assert!(lean.head().findings.is_empty() && lean.head().evaluation_gaps.is_empty());
        let gaps: Vec<EvaluationGap> = lean.gaps().map(|g| g.to_gap()).collect();
        assert_eq!(gaps, doc.evaluation_gaps);
        assert_eq!(lean.into_scan_result(), doc);
    }

    #[test]
    fn issue_14_findings_of_one_rule_or_resource_share_one_row() {
        let lean = Engine::new(rules()).run(&snapshot());
        let of_rule: Vec<Arc<RuleRow>> = lean
            .findings
            .iter()
            .filter(|u| u.slot.rule.id == "test_fail_high")
            .map(|u| Arc::clone(&u.slot.rule))
            .collect();
        assert_eq!(of_rule.len(), 3);
        assert!(of_rule.iter().all(|r| Arc::ptr_eq(r, &of_rule[0])));
        let on_a: Vec<ResourceRow> = lean
            .findings
            .iter()
            .filter(|u| u.slot.resource.arn().as_str() == "arn:aws:s3:::a")
            .map(|u| u.slot.resource.clone())
            .collect();
        assert!(on_a.len() > 1);
        assert!(on_a.iter().all(|r| r.same(&on_a[0])));
    }

    #[test]
    fn issue_14_a_run_shares_the_snapshot_resources_until_detached() {
        let snap = snapshot();
        let held = |snap: &cloudarq_model::Snapshot| -> usize {
            snap.resources
                .shared()
                .filter(|r| Arc::strong_count(r) > 1)
                .count()
        };
        let mut lean = Engine::new(rules()).run(&snap);
        // Every resource with a finding or gap is shared, not copied.
        let shared = held(&snap);
        assert!(shared > 0 && !lean.gaps.is_empty());
        assert!(
            lean.gaps
                .iter()
                .all(|g| matches!(g.resource, ResourceRow::Shared(_)))
        );
        let before = lean.clone();
        lean.detach();
        assert_eq!(
            held(&snap),
            shared,
            "only the clone taken before holds them"
        );
        assert!(
            lean.findings
                .slots()
                .all(|s| matches!(s.resource, ResourceRow::Named(_)))
        );
        // Each resource has one row of its own, shared by its findings.
        let on_a: Vec<&ResourceRow> = lean
            .findings
            .slots()
            .filter(|s| s.resource.arn().as_str() == "arn:aws:s3:::a")
            .map(|s| &s.resource)
            .collect();
        assert!(on_a.len() > 1 && on_a.iter().all(|r| r.same(on_a[0])));
        assert_eq!(lean, before);
        drop(before);
        assert_eq!(held(&snap), 0);
        assert_eq!(
            lean.into_scan_result(),
            Engine::new(rules()).evaluate(&snap)
        );
    }

    #[test]
    fn issue_14_findings_that_differ_in_a_shared_field_keep_their_own() {
        // A hand-written document may give one rule two titles, or one ARN
        // two names: each finding keeps what it carried.
        let mut doc = sample_result();
        let rule = doc.findings[0].rule_id.clone();
        let twin = doc.findings.iter().position(|f| f.rule_id == rule).unwrap();
        doc.findings[twin].title = "another title".into();
        doc.findings[1].resource_arn = doc.findings[0].resource_arn.clone();
        doc.findings[1].resource_name = "another name".into();
        assert_eq!(Evaluation::from(doc.clone()).into_scan_result(), doc);
    }

    #[test]
    fn issue_14_evidence_of_every_shape_comes_back_as_it_was() {
        let mut doc = sample_result();
        let shapes = [
            serde_json::json!("just a string \u{202e} <b>"),
            serde_json::json!(0.1 + 0.2),
            serde_json::json!(-17),
            serde_json::json!(u64::MAX),
            serde_json::json!([1, "two", null, {"z": 1, "a": [true]}]),
            serde_json::json!({"nested": {"deep": {"k": "v\n\"q\""}}, "empty": {}}),
            serde_json::json!(false),
            serde_json::Value::Null,
        ];
        for (f, v) in doc.findings.iter_mut().zip(shapes) {
            f.evidence = v;
        }
        let lean = Evaluation::from(doc.clone());
        assert_eq!(lean.findings().nth(7).unwrap().evidence, EvidenceRef::Null);
        assert_eq!(lean.into_scan_result(), doc);
    }

    #[test]
    fn issue_14_a_finding_view_serializes_as_the_finding() {
        let doc = sample_result();
        let lean = Evaluation::from(doc.clone());
        for (view, f) in lean.findings().zip(&doc.findings) {
            assert_eq!(
                serde_json::to_value(view).unwrap(),
                serde_json::to_value(f).unwrap()
            );
            assert_eq!(
                serde_json::to_string(&FindingRef::from(f)).unwrap(),
                serde_json::to_string(f).unwrap()
            );
        }
    }

    #[test]
    fn issue_14_the_mutelist_mutes_and_notes_expiry_in_the_lean_form_as_on_a_finding() {
        let m = Mutelist::parse(
            "[[mute]]\nrule = \"test_fail_high\"\nresource = \"arn:aws:s3:::b\"\nreason = \"old\"\nexpires = 2020-01-01\n\n\
             [[mute]]\nrule = \"*\"\nresource = \"arn:aws:s3:::c\"\nreason = \"accepted\"\n",
            "mute.toml",
        )
        .unwrap();
        let snap = snapshot();
        let plain = Engine::new(rules()).evaluate(&snap);
        let muted = Engine::new(rules())
            .with_mutelist(m.clone())
            .unwrap()
            .run(&snap)
            .into_scan_result();
        let mut expected = plain.clone();
        for f in &mut expected.findings {
            m.apply(f, snap.collected_at);
        }
        assert_eq!(muted.findings, expected.findings);
        assert!(
            muted
                .findings
                .iter()
                .any(|f| f.message.contains("mute expired on 2020-01-01"))
        );
        assert!(muted.findings.iter().any(|f| f.status == Status::Muted));
    }
}
