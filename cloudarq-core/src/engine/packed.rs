//! [`Packed`]: the findings of an [`Evaluation`](super::Evaluation) held in
//! blocks, the text of each block (every finding's message, then its
//! evidence as compact JSON) compressed together with LZ4; and [`Text`], a
//! finding's message or evidence as a view reads it.
//!
//! Findings of one rule over neighbouring resources say nearly the same
//! thing in nearly the same words: on the synthetic 100k estate the 114 MB
//! of text of 881,356 findings packs into about 8 MB. A block is unpacked
//! once per pass over the findings (a report, the store, a comparison),
//! into one buffer that the views of its findings share, and freed when the
//! pass moves on.

use std::fmt;
use std::ops::{Deref, Range};
use std::sync::Arc;

use cloudarq_model::rule::{Severity, Status};

#[cfg(test)]
use super::evaluation::NamedResource;
use super::evaluation::{Notes, ResourceRow, RuleRow};

/// A block is sealed once its text reaches this many bytes (or at the end
/// of the engine's run of pairs it belongs to): large enough for LZ4 to
/// find the repeats between findings, small enough that unpacking one
/// block costs little memory.
const BLOCK_TEXT: usize = 64 * 1024;

/// A finding's message or evidence text, as a [`FindingRef`](super::FindingRef)
/// holds it: borrowed from a [`ScanResult`](cloudarq_model::finding::ScanResult),
/// or a range of an unpacked block of an [`Evaluation`](super::Evaluation)
/// (shared by the views of that block's findings). Reads as a `str`.
///
/// ```
/// use cloudarq_core::engine::Text;
///
/// let t = Text::from("bucket b is public");
/// assert_eq!(t, "bucket b is public");
/// assert!(t.contains("public")); // every `str` method
/// let kept: String = t.detached().to_string();
/// assert_eq!(kept, "bucket b is public");
/// ```
#[derive(Clone)]
pub struct Text<'a>(Repr<'a>);

#[derive(Clone)]
enum Repr<'a> {
    Borrowed(&'a str),
    Shared {
        block: Arc<String>,
        start: usize,
        end: usize,
    },
}

impl<'a> Text<'a> {
    /// The text.
    pub fn as_str(&self) -> &str {
        match &self.0 {
            Repr::Borrowed(s) => s,
            // The range was cut at the bounds of a string written into the
            // block; an empty string would only ever show a bug.
            Repr::Shared { block, start, end } => block.get(*start..*end).unwrap_or_default(),
        }
    }

    /// The same text in its own allocation, holding nothing else alive:
    /// what to keep of a view beyond the pass that read it (a view shares
    /// its whole unpacked block).
    pub fn detached(&self) -> Text<'a> {
        match &self.0 {
            Repr::Borrowed(s) => Text(Repr::Borrowed(s)),
            Repr::Shared { .. } => {
                let own = self.as_str().to_owned();
                let end = own.len();
                Text(Repr::Shared {
                    block: Arc::new(own),
                    start: 0,
                    end,
                })
            }
        }
    }

    fn shared(block: &Arc<String>, range: Range<usize>) -> Self {
        Self(Repr::Shared {
            block: Arc::clone(block),
            start: range.start,
            end: range.end,
        })
    }
}

impl<'a> From<&'a str> for Text<'a> {
    fn from(s: &'a str) -> Self {
        Self(Repr::Borrowed(s))
    }
}

impl Deref for Text<'_> {
    type Target = str;

    fn deref(&self) -> &str {
        self.as_str()
    }
}

impl AsRef<str> for Text<'_> {
    fn as_ref(&self) -> &str {
        self.as_str()
    }
}

impl fmt::Debug for Text<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(), f)
    }
}

impl fmt::Display for Text<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl PartialEq for Text<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.as_str() == other.as_str()
    }
}

impl Eq for Text<'_> {}

impl PartialEq<str> for Text<'_> {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

impl PartialEq<&str> for Text<'_> {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

impl serde::Serialize for Text<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

/// One finding of a block: its rule's and resource's shared rows, what is
/// its own, and where its text ends in the block's text (it starts where
/// the previous finding's ends).
#[derive(Clone, Debug)]
pub(crate) struct Slot {
    pub(crate) rule: Arc<RuleRow>,
    pub(crate) resource: ResourceRow,
    /// The rare notes, boxed so that a finding without them pays one word.
    pub(crate) notes: Option<Box<Notes>>,
    pub(crate) ends: Ends,
    pub(crate) status: Status,
    pub(crate) severity: Severity,
}

/// Where a finding's message and its whole text (message, then evidence)
/// end in its block's text.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Ends {
    message: u32,
    text: u32,
}

impl Ends {
    /// Where the message and the evidence lie in the block's text, for a
    /// finding whose text starts at `start` (where the previous one's
    /// ended); the end of both, where the next finding's starts.
    fn ranges(self, start: usize) -> (Range<usize>, Range<usize>) {
        let (message, text) = (self.message as usize, self.text as usize);
        (start..message, message..text)
    }
}

/// Findings' text being laid out for one block: each message, then its
/// evidence as compact JSON (nothing for `null`).
#[derive(Default)]
pub(crate) struct BlockText {
    text: String,
}

impl BlockText {
    /// Appends one finding's message and evidence (`evidence` writes the
    /// compact JSON, or nothing for `null`), and tells where they end.
    ///
    /// A finding whose text would take the block past 4 GiB (offsets are
    /// 32-bit; no rule writes such a message, and the WebAssembly host
    /// caps each package's output far below) is kept with a message that
    /// says so instead of its own.
    pub(crate) fn push(&mut self, message: &str, evidence: impl FnOnce(&mut String)) -> Ends {
        let start = self.text.len();
        self.text.push_str(message);
        let message_end = self.text.len();
        evidence(&mut self.text);
        match (u32::try_from(message_end), u32::try_from(self.text.len())) {
            (Ok(message), Ok(text)) => Ends { message, text },
            _ => {
                let too_large = self.text.len() - start;
                self.text.truncate(start);
                self.text.push_str(&format!(
                    "(this finding's message and evidence, {too_large} bytes, were too large to keep)"
                ));
                let end = u32::try_from(self.text.len()).unwrap_or(u32::MAX);
                Ends {
                    message: end,
                    text: end,
                }
            }
        }
    }

    /// Whether the block should be sealed.
    pub(crate) fn is_full(&self) -> bool {
        self.text.len() >= BLOCK_TEXT
    }

    /// The text laid out so far, compressed; starts the next block.
    pub(crate) fn seal(&mut self) -> Sealed {
        let sealed = Sealed {
            packed: lz4_flex::compress(self.text.as_bytes()).into_boxed_slice(),
            // Below 4 GiB: `push` keeps every end offset in 32 bits.
            text_len: u32::try_from(self.text.len()).unwrap_or(u32::MAX),
        };
        self.text.clear();
        sealed
    }
}

/// A block's text, compressed, and its length unpacked.
#[derive(Clone, Debug)]
pub(crate) struct Sealed {
    packed: Box<[u8]>,
    text_len: u32,
}

impl Sealed {
    /// The text, unpacked. Only ever fails on a bug (the block was packed
    /// here, from a `String`); its findings then read as empty text.
    fn unpack(&self) -> Arc<String> {
        let text = lz4_flex::decompress(&self.packed, self.text_len as usize)
            .ok()
            .and_then(|bytes| String::from_utf8(bytes).ok());
        debug_assert!(text.is_some(), "a packed block did not unpack");
        Arc::new(text.unwrap_or_default())
    }
}

/// A block: its findings and their text.
#[derive(Clone, Debug)]
struct Block {
    slots: Box<[Slot]>,
    text: Sealed,
}

/// An evaluation's findings, in blocks; see the [module documentation](self).
#[derive(Clone, Default)]
pub(crate) struct Packed {
    blocks: Vec<Block>,
    len: usize,
}

impl fmt::Debug for Packed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Packed")
            .field("findings", &self.len)
            .field("blocks", &self.blocks.len())
            .finish()
    }
}

impl Packed {
    /// Appends a block: `slots` and their text, as laid out by one
    /// [`BlockText`] between two seals.
    pub(crate) fn push_block(&mut self, slots: Vec<Slot>, text: Sealed) {
        if slots.is_empty() {
            return;
        }
        self.len += slots.len();
        self.blocks.push(Block {
            slots: slots.into_boxed_slice(),
            text,
        });
    }

    /// These findings and `theirs` (a WebAssembly rules' run), both in
    /// (rule id, ARN) order, merged into that order, ours first on equal
    /// keys (native and WebAssembly rule ids are distinct, so none are). A
    /// block that no finding of the other side falls inside moves over as
    /// it is; only a block the other side interleaves with is unpacked and
    /// its findings packed again.
    #[cfg(feature = "wasm")]
    pub(crate) fn merge(self, theirs: Packed) -> Packed {
        if theirs.len == 0 {
            return self;
        }
        if self.len == 0 {
            return theirs;
        }
        let mut out = Packer::default();
        let mut ours = Side::new(self);
        let mut theirs = Side::new(theirs);
        loop {
            // Which side gives next, and whether its front block goes whole.
            let (ours_next, whole) = match (ours.first(), theirs.first()) {
                (None, None) => break,
                (Some(_), None) => (true, true),
                (None, Some(_)) => (false, true),
                (Some(a), Some(b)) if a <= b => {
                    (true, ours.last_of_whole().is_some_and(|l| l <= b))
                }
                (Some(a), Some(_)) => (false, theirs.last_of_whole().is_some_and(|l| l < a)),
            };
            let side = if ours_next { &mut ours } else { &mut theirs };
            side.give(&mut out, whole);
        }
        out.finish()
    }

    /// These findings, then `more`'s, then ..., block by block.
    #[cfg(feature = "wasm")]
    pub(crate) fn concat(parts: Vec<Packed>) -> Packed {
        let mut all = Packed::default();
        for p in parts {
            all.len += p.len;
            all.blocks.extend(p.blocks);
        }
        all
    }

    /// How many findings.
    pub(crate) fn len(&self) -> usize {
        self.len
    }

    /// How many blocks.
    #[cfg(test)]
    pub(crate) fn blocks(&self) -> usize {
        self.blocks.len()
    }

    /// Every finding's slot, in order, without unpacking any text.
    pub(crate) fn slots(&self) -> impl Iterator<Item = &Slot> {
        self.blocks.iter().flat_map(|b| b.slots.iter())
    }

    /// Every finding's slot, in order, to change.
    pub(crate) fn slots_mut(&mut self) -> impl Iterator<Item = &mut Slot> {
        self.blocks.iter_mut().flat_map(|b| b.slots.iter_mut())
    }

    /// Every finding, in order.
    pub(crate) fn iter(&self) -> Iter<'_> {
        Iter {
            blocks: self.blocks.iter(),
            current: None,
            remaining: self.len,
        }
    }
}

/// A packed finding as read: its slot, message and evidence text (empty
/// for `null` evidence).
pub(crate) struct Unpacked<'a> {
    pub(crate) slot: &'a Slot,
    pub(crate) message: Text<'a>,
    pub(crate) evidence: Text<'a>,
}

/// The findings of a [`Packed`], each block unpacked when reached.
#[derive(Clone)]
pub(crate) struct Iter<'a> {
    blocks: std::slice::Iter<'a, Block>,
    /// The block being read: its slots left, its text, where the next
    /// slot's text starts.
    current: Option<(std::slice::Iter<'a, Slot>, Arc<String>, usize)>,
    remaining: usize,
}

impl fmt::Debug for Iter<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Iter")
            .field("remaining", &self.remaining)
            .finish()
    }
}

impl<'a> Iterator for Iter<'a> {
    type Item = Unpacked<'a>;

    fn next(&mut self) -> Option<Unpacked<'a>> {
        loop {
            if let Some((slots, text, start)) = &mut self.current
                && let Some(slot) = slots.next()
            {
                let (message, evidence) = slot.ends.ranges(*start);
                *start = evidence.end;
                let read = Unpacked {
                    slot,
                    message: Text::shared(text, message),
                    evidence: Text::shared(text, evidence),
                };
                self.remaining -= 1;
                return Some(read);
            }
            // The last block's text is freed here, before the next unpacks.
            self.current = None;
            let block = self.blocks.next()?;
            self.current = Some((block.slots.iter(), block.text.unpack(), 0));
        }
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.remaining, Some(self.remaining))
    }
}

impl ExactSizeIterator for Iter<'_> {}

/// A finding's place in the result order: its rule id, then its ARN.
#[cfg(feature = "wasm")]
fn key(slot: &Slot) -> (&str, &str) {
    (&slot.rule.id, slot.resource.arn().as_str())
}

/// One side of [`Packed::merge`]: its blocks left, the front one either
/// whole or opened (its slots left, its unpacked text, where the next
/// slot's text starts).
#[cfg(feature = "wasm")]
struct Side {
    rest: std::vec::IntoIter<Block>,
    front: Option<Front>,
}

#[cfg(feature = "wasm")]
enum Front {
    Whole(Block),
    Open(std::collections::VecDeque<Slot>, Arc<String>, usize),
}

#[cfg(feature = "wasm")]
impl Side {
    fn new(p: Packed) -> Self {
        let mut rest = p.blocks.into_iter();
        let front = rest.next().map(Front::Whole);
        Self { rest, front }
    }

    /// The key of the next finding.
    fn first(&self) -> Option<(&str, &str)> {
        match &self.front {
            Some(Front::Whole(b)) => b.slots.first().map(key),
            Some(Front::Open(slots, _, _)) => slots.front().map(key),
            None => None,
        }
    }

    /// The key of the front block's last finding, when it is whole.
    fn last_of_whole(&self) -> Option<(&str, &str)> {
        match &self.front {
            Some(Front::Whole(b)) => b.slots.last().map(key),
            _ => None,
        }
    }

    /// Gives the front block to `out` (`whole`, and it is whole), or else
    /// its next finding, opening the block first.
    fn give(&mut self, out: &mut Packer, whole: bool) {
        let Some(front) = self.front.take() else {
            return;
        };
        let (mut slots, text, start) = match front {
            Front::Whole(block) if whole => {
                out.append(block);
                self.front = self.rest.next().map(Front::Whole);
                return;
            }
            Front::Whole(block) => {
                let text = block.text.unpack();
                (Vec::from(block.slots).into(), text, 0)
            }
            Front::Open(slots, text, start) => (slots, text, start),
        };
        let Some(slot) = slots.pop_front() else {
            self.front = self.rest.next().map(Front::Whole);
            return;
        };
        let (message, evidence) = slot.ends.ranges(start);
        let next = evidence.end;
        let message = text.get(message).unwrap_or_default();
        let evidence = text.get(evidence).unwrap_or_default();
        out.push(
            slot.rule,
            slot.resource,
            (slot.status, slot.severity),
            slot.notes,
            message,
            |t| t.push_str(evidence),
        );
        self.front = if !slots.is_empty() {
            Some(Front::Open(slots, text, next))
        } else {
            self.rest.next().map(Front::Whole)
        };
    }
}

/// Lays findings out into blocks one at a time, sealing each block as it
/// fills: how findings that do not come from the engine's own run (a result
/// read back, WebAssembly rules' findings merged in) are packed.
#[derive(Default)]
pub(crate) struct Packer {
    packed: Packed,
    slots: Vec<Slot>,
    text: BlockText,
}

impl Packer {
    /// Appends one finding: `message`, then `evidence` written by the
    /// closure (compact JSON, nothing for `null`).
    pub(crate) fn push(
        &mut self,
        rule: Arc<RuleRow>,
        resource: ResourceRow,
        (status, severity): (Status, Severity),
        notes: Option<Box<Notes>>,
        message: &str,
        evidence: impl FnOnce(&mut String),
    ) {
        let ends = self.text.push(message, evidence);
        self.slots.push(Slot {
            rule,
            resource,
            notes,
            ends,
            status,
            severity,
        });
        if self.text.is_full() {
            self.seal();
        }
    }

    /// Appends a whole block of findings packed elsewhere, after those
    /// pushed so far.
    #[cfg(feature = "wasm")]
    fn append(&mut self, block: Block) {
        if !self.slots.is_empty() {
            self.seal();
        }
        self.packed.len += block.slots.len();
        self.packed.blocks.push(block);
    }

    fn seal(&mut self) {
        let text = self.text.seal();
        self.packed
            .push_block(std::mem::take(&mut self.slots), text);
    }

    /// The findings pushed, in order.
    pub(crate) fn finish(mut self) -> Packed {
        // Text is only ever laid out with a slot: no slot, no text.
        if !self.slots.is_empty() {
            self.seal();
        }
        self.packed
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, reason = "tests fail loudly on unexpected errors")]
mod tests {
    use super::*;
    use cloudarq_model::{Arn, ResourceType, Service};

    fn rows() -> (Arc<RuleRow>, ResourceRow) {
        (
            Arc::new(RuleRow {
                id: "r".into(),
                title: "t".into(),
                service: Service::S3,
                controls: Vec::new(),
            }),
            ResourceRow::named(NamedResource {
                arn: "arn:aws:s3:::b".parse::<Arn>().unwrap(),
                resource_type: ResourceType::S3Bucket,
                name: "b".into(),
                region: None,
            }),
        )
    }

    #[test]
    fn issue_14_texts_of_every_size_come_back_across_block_seals() {
        // Messages and evidence of growing size, multi-byte characters and
        // empty ones, across many seals: each reads back exactly.
        let (rule, resource) = rows();
        let mut packer = Packer::default();
        let mut expected = Vec::new();
        for i in 0..3_000_usize {
            let message = format!("finding {i} \u{1F512} {}", "é".repeat(i % 97));
            let evidence = if i % 5 == 0 {
                String::new()
            } else {
                format!("{{\"n\":{i},\"pad\":\"{}\"}}", "x".repeat(i * 7 % 5_000))
            };
            let e = evidence.clone();
            packer.push(
                Arc::clone(&rule),
                resource.clone(),
                (Status::Fail, Severity::High),
                None,
                &message,
                |t| t.push_str(&e),
            );
            expected.push((message, evidence));
        }
        let packed = packer.finish();
        assert_eq!(packed.len(), expected.len());
        assert!(packed.blocks() > 10, "{} blocks", packed.blocks());
        let mut read = packed.iter();
        assert_eq!(read.len(), expected.len());
        for (m, e) in &expected {
            let got = read.next().unwrap();
            assert_eq!(got.message, m.as_str());
            assert_eq!(got.evidence, e.as_str());
        }
        assert!(read.next().is_none());
        assert_eq!(read.len(), 0);
    }

    #[test]
    fn issue_14_a_detached_text_holds_only_itself() {
        let (rule, resource) = rows();
        let mut packer = Packer::default();
        for m in ["one", "two", "three"] {
            packer.push(
                Arc::clone(&rule),
                resource.clone(),
                (Status::Pass, Severity::Low),
                None,
                m,
                |_| {},
            );
        }
        let packed = packer.finish();
        let second = packed.iter().nth(1).unwrap().message;
        let Repr::Shared { block, .. } = &second.0 else {
            panic!("a packed text is a range of its block");
        };
        assert_eq!(block.as_str(), "onetwothree");
        let kept = second.detached();
        let Repr::Shared { block, start, end } = &kept.0 else {
            panic!("a detached text has its own buffer");
        };
        assert_eq!((block.as_str(), *start, *end), ("two", 0, 3));
        assert_eq!(kept, second);
        assert_eq!(kept.to_string(), "two");
    }

    #[cfg(feature = "wasm")]
    #[test]
    fn issue_14_findings_merged_in_land_in_order_between_whole_and_unpacked_blocks() {
        use super::super::evaluation::Entry;
        let row = |id: &str, i: usize| {
            let (rule, _) = rows();
            let rule = Arc::new(RuleRow {
                id: id.to_owned(),
                ..(*rule).clone()
            });
            let resource = ResourceRow::named(NamedResource {
                arn: format!("arn:aws:s3:::b{i:05}").parse::<Arn>().unwrap(),
                resource_type: ResourceType::S3Bucket,
                name: format!("b{i:05}"),
                region: None,
            });
            (rule, resource)
        };
        let entry = |id: &str, i: usize| {
            let (rule, resource) = row(id, i);
            Entry {
                rule,
                resource,
                status: Status::Fail,
                severity: Severity::Medium,
                message: format!("{id} says {i}: {}", "x".repeat(40 + i % 7)),
                evidence: if i.is_multiple_of(2) {
                    String::new()
                } else {
                    format!("[{i}]")
                },
                notes: None,
            }
        };
        // Ours: rules "a" and "c", 3,000 findings each, in order (many
        // blocks, one of them straddling "a" and "c").
        let mut ours = Packer::default();
        let mut expected = Vec::new();
        for id in ["a", "c"] {
            for i in 0..3_000 {
                entry(id, i).pack(&mut ours);
                expected.push(entry(id, i));
            }
        }
        let ours = ours.finish();
        assert!(ours.blocks() > 3, "{} blocks", ours.blocks());
        // Theirs, in one block that straddles all of ours: "0" before
        // every block of ours, "b" inside the block of ours that straddles
        // "a" and "c", "d" after them all.
        let mut theirs = Packer::default();
        for (id, n) in [("0", 3), ("b", 700), ("d", 5)] {
            for i in 0..n {
                entry(id, i).pack(&mut theirs);
                expected.push(entry(id, i));
            }
        }
        let theirs = theirs.finish();
        assert_eq!(theirs.blocks(), 1);
        expected
            .sort_by(|x, y| (&x.rule.id, x.resource.arn()).cmp(&(&y.rule.id, y.resource.arn())));
        let (our_blocks, their_len) = (ours.blocks(), theirs.len());
        let merged = ours.clone().merge(theirs);
        assert_eq!(merged.len(), expected.len());
        let got: Vec<(String, String, String, String)> = merged
            .iter()
            .map(|u| {
                (
                    u.slot.rule.id.clone(),
                    u.slot.resource.arn().to_string(),
                    u.message.to_string(),
                    u.evidence.to_string(),
                )
            })
            .collect();
        let want: Vec<(String, String, String, String)> = expected
            .into_iter()
            .map(|e| {
                (
                    e.rule.id.clone(),
                    e.resource.arn().to_string(),
                    e.message,
                    e.evidence,
                )
            })
            .collect();
        assert!(
            got == want,
            "the merged findings are out of order or changed"
        );
        // Only the two straddling blocks were opened: every other block of
        // ours moved over whole.
        assert!(
            merged.blocks() <= our_blocks + 3,
            "{} blocks",
            merged.blocks()
        );
        // Merging nothing, or into nothing, changes nothing.
        assert_eq!(ours.clone().merge(Packed::default()).len(), ours.len());
        assert_eq!(Packed::default().merge(merged.clone()).len(), merged.len());
        assert_eq!(merged.len(), ours.len() + their_len);
    }

    #[test]
    fn issue_14_an_empty_packer_gives_no_block() {
        let packed = Packer::default().finish();
        assert_eq!((packed.len(), packed.blocks()), (0, 0));
        assert!(packed.iter().next().is_none());
    }
}
