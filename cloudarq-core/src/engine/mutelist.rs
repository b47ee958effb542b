//! The mutelist (C5): accepted risks, written down. A matching, unexpired
//! entry turns a FAIL into MUTED; the finding stays in every report.
//!
//! The file is TOML, one `[[mute]]` table per entry:
//!
//! ```toml
//! [[mute]]
//! rule = "s3_bucket_object_versioning"        # a rule id, or "*" for every rule
//! resource = "arn:aws:s3:::logs-*"            # ARN glob; `*` also matches `/` and `:`
//! reason = "log buckets are write-once"       # required, shown on the MUTED finding
//! expires = 2026-12-31                        # optional: a date (mutes through that
//!                                             # day, UTC) or a date-time with offset
//! region = "eu-west-1"                        # optional: only resources in this region
//! ```
//!
//! Expiry is compared with the snapshot's `collected_at`, never the wall clock,
//! so re-evaluating an old snapshot gives the same result. An expired entry
//! does not mute; the FAIL's message says the mute expired and when.
//!
//! Loading checks everything up front and names the file, the entry (counted
//! from 1) and the field at fault: unknown fields, missing or empty `reason`,
//! bad globs, rule ids the engine does not run, bad dates and regions.
//!
//! # Limits
//!
//! A mutelist is a list a person writes, so its size is bounded, and each
//! bound is checked before the work it protects:
//!
//! | limit | value | checked |
//! |---|---|---|
//! | file size | [`Mutelist::MAX_FILE_BYTES`] (4 MiB) | from the file's metadata before reading, then while reading through a bounded reader |
//! | entries | [`Mutelist::MAX_ENTRIES`] (10,000) | after parsing, before any glob is compiled |
//! | `resource` pattern length | [`Mutelist::MAX_GLOB_BYTES`] (2,048 bytes, the longest ARN) | before compiling the pattern |
//! | wildcards per pattern | [`Mutelist::MAX_GLOB_WILDCARDS`] (16 of `*`, `?`, `[`, `{`) | before compiling the pattern |
//! | wildcards in all patterns | [`Mutelist::MAX_TOTAL_WILDCARDS`] (20,000) | entry by entry, before the patterns are compiled together |
//!
//! Only a regular file is read (a FIFO or a device is refused), and each
//! refusal names the file and the limit.

use std::path::Path;

use cloudarq_model::finding::Finding;
pub use cloudarq_model::mute::{Expiry, MuteEntry};
use cloudarq_model::rule::Status;
use cloudarq_model::{Arn, Region, Timestamp};
use globset::{Glob, GlobSet, GlobSetBuilder};
use time::macros::format_description;
use time::{Date, PrimitiveDateTime, Time};

use super::error::EngineError;

/// The fields an entry may have.
const FIELDS: [&str; 5] = ["rule", "resource", "reason", "expires", "region"];

/// A checked mutelist: entries whose globs compiled within the limits.
///
/// [`Mutelist::new`] is the one constructor, from entries however they were
/// written ([`Mutelist::parse`] and [`Mutelist::load`] read a TOML file
/// into entries and call it; the hosted service builds entries from the
/// store's rows). Rule ids are checked by the engine that will apply it
/// ([`Engine::with_mutelist`](super::Engine::with_mutelist)), which knows
/// every rule it runs, WebAssembly rules included.
#[derive(Clone, Debug)]
pub struct Mutelist {
    source: String,
    entries: Vec<MuteEntry>,
    globs: GlobSet,
}

impl Default for Mutelist {
    fn default() -> Self {
        Self {
            source: "<empty>".to_owned(),
            entries: Vec::new(),
            globs: GlobSet::empty(),
        }
    }
}

impl Mutelist {
    /// The largest mutelist accepted, in bytes (4 MiB).
    pub const MAX_FILE_BYTES: u64 = 4 << 20;
    /// The most entries a mutelist may hold.
    pub const MAX_ENTRIES: usize = 10_000;
    /// The longest `resource` pattern, in bytes: the longest ARN.
    pub const MAX_GLOB_BYTES: usize = 2048;
    /// The most wildcards (`*`, `?`, `[`, `{`) one `resource` pattern may hold.
    pub const MAX_GLOB_WILDCARDS: usize = 16;
    /// The most wildcards all `resource` patterns of one mutelist may hold:
    /// past it, compiling them together takes hundreds of MiB and then fails.
    pub const MAX_TOTAL_WILDCARDS: usize = 20_000;

    /// A mutelist of `entries`; `source` names where they came from (a
    /// file, or the store) in errors and expired-mute messages.
    ///
    /// Checks every entry, counted from 1: a non-empty rule id and reason,
    /// the `resource` glob's syntax and complexity, and the limits on entries
    /// and wildcards (each before the work it protects).
    pub fn new(source: impl Into<String>, entries: Vec<MuteEntry>) -> Result<Self, EngineError> {
        let source = source.into();
        if entries.len() > Mutelist::MAX_ENTRIES {
            return Err(EngineError::MutelistTooManyEntries {
                file: source,
                entries: entries.len(),
                limit: Mutelist::MAX_ENTRIES,
            });
        }
        let mut globs = GlobSetBuilder::new();
        let mut total_wildcards = 0;
        for (i, e) in entries.iter().enumerate() {
            let entry = i + 1;
            let invalid = |field: &'static str, detail: String| EngineError::InvalidField {
                file: source.clone(),
                entry,
                field,
                detail,
            };
            if e.rule.as_deref().is_some_and(|r| r.trim().is_empty()) {
                return Err(invalid("rule", "must not be empty".to_owned()));
            }
            for (field, value) in [("resource", &e.resource), ("reason", &e.reason)] {
                if value.trim().is_empty() {
                    return Err(invalid(field, "must not be empty".to_owned()));
                }
            }
            glob_complexity(&e.resource).map_err(|detail| invalid("resource", detail))?;
            let glob = Glob::new(&e.resource).map_err(|err| EngineError::BadGlob {
                file: source.clone(),
                entry,
                glob: e.resource.clone(),
                detail: err.kind().to_string(),
            })?;
            total_wildcards += wildcards(&e.resource);
            if total_wildcards > Mutelist::MAX_TOTAL_WILDCARDS {
                return Err(EngineError::MutelistShape {
                    file: source,
                    detail: format!(
                        "entries 1 to {entry} hold {total_wildcards} wildcards in their `resource` patterns, over the limit of {} for a mutelist",
                        Mutelist::MAX_TOTAL_WILDCARDS
                    ),
                });
            }
            globs.add(glob);
        }
        let globs = globs.build().map_err(|e| EngineError::MutelistShape {
            file: source.clone(),
            detail: format!("cannot build the ARN globs: {e}"),
        })?;
        Ok(Self {
            source,
            entries,
            globs,
        })
    }

    /// Reads a mutelist file (see the module docs for its limits) and
    /// builds the mutelist from its entries.
    pub fn load(path: &Path) -> Result<Self, EngineError> {
        let text = read_bounded(path)?;
        Self::parse(&text, &path.display().to_string())
    }

    /// Parses a mutelist document (TOML, one `[[mute]]` table per entry)
    /// and builds the mutelist from its entries; `file` names it in errors.
    pub fn parse(text: &str, file: &str) -> Result<Self, EngineError> {
        Self::new(file, parse_entries(text, file)?)
    }

    /// The rule ids its entries name that are not in `known`, each with
    /// its entry number (from 1), as the error for the first one.
    pub(crate) fn check_rule_ids(&self, known: &[&str]) -> Result<(), EngineError> {
        for (i, e) in self.entries.iter().enumerate() {
            if let Some(rule) = e.rule.as_deref()
                && !known.contains(&rule)
            {
                return Err(EngineError::UnknownRule {
                    file: self.source.clone(),
                    entry: i + 1,
                    rule: rule.to_owned(),
                });
            }
        }
        Ok(())
    }

    /// The file it was read from.
    pub fn source(&self) -> &str {
        &self.source
    }

    /// The entries, in file order.
    pub fn entries(&self) -> &[MuteEntry] {
        &self.entries
    }

    /// Applies the mutelist to one finding, as of `now` (the snapshot's time).
    ///
    /// Only FAIL findings change. The first active matching entry mutes it
    /// (status MUTED, `muted_reason` set). If only expired entries match, it
    /// stays FAIL and its message says when the mute expired.
    pub fn apply(&self, finding: &mut Finding, now: Timestamp) {
        let judged = self.judge(
            finding.status,
            &finding.rule_id,
            &finding.resource_arn,
            finding.region.as_ref(),
            now,
        );
        match judged {
            Some(Mute::Active { reason }) => {
                finding.status = Status::Muted;
                finding.muted_reason = Some(reason.to_owned());
            }
            Some(Mute::Expired { note }) => finding.message.push_str(&note),
            None => {}
        }
    }

    /// What the mutelist does to a finding of `status` of rule `rule_id` on
    /// `arn` in `region`, as of `now`: [`apply`](Self::apply) without the
    /// finding, for the engine's lean findings.
    pub(crate) fn judge(
        &self,
        status: Status,
        rule_id: &str,
        arn: &Arn,
        region: Option<&Region>,
        now: Timestamp,
    ) -> Option<Mute<'_>> {
        if status != Status::Fail || self.entries.is_empty() {
            return None;
        }
        let mut expired: Option<(usize, &MuteEntry)> = None;
        for index in self.globs.matches(arn.as_str()) {
            let Some(entry) = self.entries.get(index) else {
                continue;
            };
            let rule_ok = entry.rule.as_deref().is_none_or(|r| r == rule_id);
            let region_ok = entry.region.as_ref().is_none_or(|r| region == Some(r));
            if !rule_ok || !region_ok {
                continue;
            }
            if entry.is_active(now) {
                return Some(Mute::Active {
                    reason: &entry.reason,
                });
            }
            expired.get_or_insert((index, entry));
        }
        let (index, entry) = expired?;
        let written = entry.expires.as_ref().map_or("", |e| e.written.as_str());
        Some(Mute::Expired {
            note: format!(
                " (mute expired on {written}: mutelist {} entry {}, reason: {})",
                self.source,
                index + 1,
                entry.reason
            ),
        })
    }
}

/// What the mutelist does to one FAIL finding.
pub(crate) enum Mute<'m> {
    /// An active entry mutes it, for this reason.
    Active { reason: &'m str },
    /// Only expired entries match: the finding stays FAIL and this note is
    /// appended to its message.
    Expired { note: String },
}

/// The entries of a mutelist document, each checked for its fields, types,
/// dates and regions (globs and limits are checked by [`Mutelist::new`]).
fn parse_entries(text: &str, file: &str) -> Result<Vec<MuteEntry>, EngineError> {
    let size = u64::try_from(text.len()).unwrap_or(u64::MAX);
    if size > Mutelist::MAX_FILE_BYTES {
        return Err(EngineError::MutelistTooLarge {
            file: file.into(),
            size,
            limit: Mutelist::MAX_FILE_BYTES,
        });
    }
    let table: toml::Table = toml::from_str(text).map_err(|e| EngineError::MutelistSyntax {
        file: file.to_owned(),
        detail: e.to_string().trim_end().to_owned(),
    })?;
    let shape = |detail: String| EngineError::MutelistShape {
        file: file.to_owned(),
        detail,
    };
    if let Some(key) = table.keys().find(|k| k.as_str() != "mute") {
        return Err(shape(format!(
            "unknown top-level key `{key}` (expected [[mute]] entries)"
        )));
    }
    let items = match table.get("mute") {
        None => &Vec::new(),
        Some(toml::Value::Array(items)) => items,
        Some(other) => {
            return Err(shape(format!(
                "`mute` must be an array of tables ([[mute]]), found {}",
                other.type_str()
            )));
        }
    };
    if items.len() > Mutelist::MAX_ENTRIES {
        return Err(EngineError::MutelistTooManyEntries {
            file: file.to_owned(),
            entries: items.len(),
            limit: Mutelist::MAX_ENTRIES,
        });
    }
    let mut entries = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        let entry = i + 1;
        let toml::Value::Table(t) = item else {
            return Err(shape(format!(
                "entry {entry} must be a table ([[mute]]), found {}",
                item.type_str()
            )));
        };
        let ctx = EntryCtx {
            file,
            entry,
            table: t,
        };
        entries.push(ctx.parse()?);
    }
    Ok(entries)
}

/// The file's text, refused unless it is a regular file of at most
/// [`Mutelist::MAX_FILE_BYTES`]: the size is checked from the metadata before reading,
/// and the read stops one byte past the limit, so a file that grows (or
/// lies about its size) costs no more memory than the limit.
fn read_bounded(path: &Path) -> Result<String, EngineError> {
    use crate::input::InputError;
    let limit = usize::try_from(Mutelist::MAX_FILE_BYTES).unwrap_or(usize::MAX);
    crate::input::read_text(path, limit).map_err(|e| match e {
        InputError::NotRegular { path, .. } => EngineError::MutelistNotAFile { file: path },
        InputError::TooLarge { path, size, .. } => EngineError::MutelistTooLarge {
            file: path,
            size,
            limit: Mutelist::MAX_FILE_BYTES,
        },
        InputError::Io { path, source } => EngineError::MutelistRead { file: path, source },
    })
}

/// Refuses a `resource` pattern past [`Mutelist::MAX_GLOB_BYTES`] or
/// [`Mutelist::MAX_GLOB_WILDCARDS`], before it is compiled.
fn glob_complexity(pattern: &str) -> Result<(), String> {
    if pattern.len() > Mutelist::MAX_GLOB_BYTES {
        return Err(format!(
            "the pattern is {} bytes, over the limit of {} bytes",
            pattern.len(),
            Mutelist::MAX_GLOB_BYTES
        ));
    }
    let wildcards = wildcards(pattern);
    if wildcards > Mutelist::MAX_GLOB_WILDCARDS {
        return Err(format!(
            "the pattern has {wildcards} wildcards (`*`, `?`, `[`, `{{`), over the limit of {}",
            Mutelist::MAX_GLOB_WILDCARDS
        ));
    }
    Ok(())
}

/// The wildcards (`*`, `?`, `[`, `{`) of a pattern.
fn wildcards(pattern: &str) -> usize {
    pattern
        .chars()
        .filter(|c| matches!(c, '*' | '?' | '[' | '{'))
        .count()
}

/// One entry being parsed, for error context.
struct EntryCtx<'a> {
    file: &'a str,
    entry: usize,
    table: &'a toml::Table,
}

impl EntryCtx<'_> {
    fn parse(&self) -> Result<MuteEntry, EngineError> {
        if let Some(field) = self.table.keys().find(|k| !FIELDS.contains(&k.as_str())) {
            return Err(EngineError::UnknownField {
                file: self.file.to_owned(),
                entry: self.entry,
                field: field.clone(),
            });
        }
        let rule = self.required_str("rule")?;
        let resource = self.required_str("resource")?;
        let reason = self.required_str("reason")?;
        let rule = (rule != "*").then(|| rule.to_owned());
        // Checked here too, so the error names the file's entry before any
        // glob is compiled; `Mutelist::new` checks it again for every source.
        glob_complexity(resource).map_err(|detail| self.invalid("resource", detail))?;
        let expires = match self.table.get("expires") {
            None => None,
            Some(toml::Value::String(s)) => Some(self.expiry(s)?),
            Some(toml::Value::Datetime(d)) => Some(self.expiry(&d.to_string())?),
            Some(other) => return Err(self.wrong_type("expires", "a date or date-time", other)),
        };
        let region = match self.table.get("region") {
            None => None,
            Some(toml::Value::String(s)) => {
                Some(s.parse::<Region>().map_err(|_| EngineError::BadRegion {
                    file: self.file.to_owned(),
                    entry: self.entry,
                    value: s.clone(),
                })?)
            }
            Some(other) => return Err(self.wrong_type("region", "a string", other)),
        };
        Ok(MuteEntry {
            rule,
            resource: resource.to_owned(),
            reason: reason.to_owned(),
            expires,
            region,
        })
    }

    fn required_str(&self, field: &'static str) -> Result<&str, EngineError> {
        match self.table.get(field) {
            None => Err(EngineError::MissingField {
                file: self.file.to_owned(),
                entry: self.entry,
                field,
            }),
            Some(toml::Value::String(s)) if s.trim().is_empty() => {
                Err(self.invalid(field, "must not be empty".to_owned()))
            }
            Some(toml::Value::String(s)) => Ok(s),
            Some(other) => Err(self.wrong_type(field, "a string", other)),
        }
    }

    fn expiry(&self, written: &str) -> Result<Expiry, EngineError> {
        let at = if let Ok(t) = written.parse::<Timestamp>() {
            Some(t)
        } else if let Ok(d) = Date::parse(written, format_description!("[year]-[month]-[day]")) {
            // A bare date mutes through the end of that day, UTC.
            d.next_day().map(|next| {
                Timestamp::new(PrimitiveDateTime::new(next, Time::MIDNIGHT).assume_utc())
            })
        } else {
            None
        };
        at.map(|at| Expiry {
            at,
            written: written.to_owned(),
        })
        .ok_or_else(|| EngineError::BadDate {
            file: self.file.to_owned(),
            entry: self.entry,
            value: written.to_owned(),
        })
    }

    fn invalid(&self, field: &'static str, detail: String) -> EngineError {
        EngineError::InvalidField {
            file: self.file.to_owned(),
            entry: self.entry,
            field,
            detail,
        }
    }

    fn wrong_type(&self, field: &'static str, want: &str, got: &toml::Value) -> EngineError {
        self.invalid(field, format!("expected {want}, found {}", got.type_str()))
    }
}

#[cfg(test)]
#[allow(
    clippy::unwrap_used,
    reason = "a test fails loudly on an unexpected error"
)]
mod tests {
    use super::*;
    use crate::engine::testing::{FAIL_HIGH, PASS_ALL, finding, rules};

    /// Parses and checks rule ids as the engine does.
    fn parse(text: &str) -> Result<Mutelist, EngineError> {
        let m = Mutelist::parse(text, "mute.toml")?;
        let ids: Vec<&str> = rules().iter().map(|r| r.meta().id).collect();
        m.check_rule_ids(&ids)?;
        Ok(m)
    }

    fn at(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    fn apply(m: &Mutelist, mut f: Finding, now: &str) -> Finding {
        m.apply(&mut f, at(now));
        f
    }

    const NOW: &str = "2026-06-01T00:00:00Z";

    #[test]
    fn a_matching_entry_mutes_a_fail_and_keeps_the_reason() {
        let m = parse(
            r#"
            [[mute]]
            rule = "test_fail_high"
            resource = "arn:aws:s3:::logs-*"
            reason = "log buckets are accepted"
            "#,
        )
        .unwrap();
        let f = apply(
            &m,
            finding(&FAIL_HIGH, "arn:aws:s3:::logs-eu", Status::Fail),
            NOW,
        );
        assert_eq!(f.status, Status::Muted);
        assert_eq!(f.muted_reason.as_deref(), Some("log buckets are accepted"));
        // Another bucket, another rule, and a PASS are untouched.
        let other = apply(
            &m,
            finding(&FAIL_HIGH, "arn:aws:s3:::data", Status::Fail),
            NOW,
        );
        assert_eq!(other.status, Status::Fail);
        let rule = apply(
            &m,
            finding(&PASS_ALL, "arn:aws:s3:::logs-eu", Status::Fail),
            NOW,
        );
        assert_eq!(rule.status, Status::Fail);
        let pass = apply(
            &m,
            finding(&FAIL_HIGH, "arn:aws:s3:::logs-eu", Status::Pass),
            NOW,
        );
        assert_eq!((pass.status, pass.muted_reason), (Status::Pass, None));
    }

    #[test]
    fn star_rule_and_globs_cross_slashes() {
        let m = parse(
            r#"
            [[mute]]
            rule = "*"
            resource = "arn:aws:iam::*:user/ci/*"
            reason = "CI users are managed elsewhere"
            "#,
        )
        .unwrap();
        let hit = "arn:aws:iam::123456789012:user/ci/deploy/eu";
        assert_eq!(
            apply(&m, finding(&FAIL_HIGH, hit, Status::Fail), NOW).status,
            Status::Muted
        );
        assert_eq!(
            apply(&m, finding(&PASS_ALL, hit, Status::Fail), NOW).status,
            Status::Muted
        );
        let miss = "arn:aws:iam::123456789012:user/admin";
        assert_eq!(
            apply(&m, finding(&FAIL_HIGH, miss, Status::Fail), NOW).status,
            Status::Fail
        );
    }

    #[test]
    fn region_restricts_the_entry() {
        let m = parse(
            r#"
            [[mute]]
            rule = "*"
            resource = "*"
            reason = "sandbox region"
            region = "eu-west-1"
            "#,
        )
        .unwrap();
        let mut f = finding(
            &FAIL_HIGH,
            "arn:aws:ec2:eu-west-1:123456789012:volume/vol-1",
            Status::Fail,
        );
        f.region = Some("eu-west-1".parse().unwrap());
        assert_eq!(apply(&m, f.clone(), NOW).status, Status::Muted);
        f.region = Some("us-east-1".parse().unwrap());
        assert_eq!(apply(&m, f.clone(), NOW).status, Status::Fail);
        f.region = None;
        assert_eq!(apply(&m, f, NOW).status, Status::Fail);
    }

    #[test]
    fn expiry_compares_with_the_snapshot_time() {
        let m = parse(
            r#"
            [[mute]]
            rule = "test_fail_high"
            resource = "*"
            reason = "until the migration"
            expires = 2026-05-31
            "#,
        )
        .unwrap();
        let f = || finding(&FAIL_HIGH, "arn:aws:s3:::b", Status::Fail);
        // A bare date mutes through the end of that day, UTC.
        assert_eq!(apply(&m, f(), "2026-05-31T23:59:59Z").status, Status::Muted);
        let late = apply(&m, f(), "2026-06-01T00:00:00Z");
        assert_eq!(late.status, Status::Fail);
        assert_eq!(late.muted_reason, None);
        assert_eq!(
            late.message,
            "fails (mute expired on 2026-05-31: mutelist mute.toml entry 1, reason: until the migration)"
        );
    }

    #[test]
    fn an_active_entry_wins_over_an_expired_one() {
        let m = parse(
            r#"
            [[mute]]
            rule = "*"
            resource = "*"
            reason = "old"
            expires = "2026-01-01T12:00:00+02:00"
            [[mute]]
            rule = "test_fail_high"
            resource = "arn:aws:s3:::b"
            reason = "new"
            expires = 2027-01-01T00:00:00Z
            "#,
        )
        .unwrap();
        assert_eq!(
            m.entries()[0].expires.as_ref().unwrap().at,
            at("2026-01-01T10:00:00Z")
        );
        let f = apply(&m, finding(&FAIL_HIGH, "arn:aws:s3:::b", Status::Fail), NOW);
        assert_eq!(
            (f.status, f.muted_reason.as_deref()),
            (Status::Muted, Some("new"))
        );
        assert_eq!(f.message, "fails");
    }

    #[test]
    fn an_empty_document_mutes_nothing() {
        let m = parse("").unwrap();
        assert!(m.entries().is_empty());
        let f = apply(&m, finding(&FAIL_HIGH, "arn:aws:s3:::b", Status::Fail), NOW);
        assert_eq!(f.status, Status::Fail);
    }

    /// Every bad input gives its own error naming the file, entry and field.
    #[test]
    fn bad_inputs_name_the_file_entry_and_field() {
        let ok = "rule = \"*\"\nresource = \"*\"\nreason = \"r\"\n";
        let cases: &[(String, &str)] = &[
            (
                "[[mute]\n".to_owned(),
                "mutelist mute.toml is not valid TOML",
            ),
            (
                "muted = []\n".to_owned(),
                "mutelist mute.toml: unknown top-level key `muted`",
            ),
            (
                "mute = 3\n".to_owned(),
                "`mute` must be an array of tables ([[mute]]), found integer",
            ),
            (
                format!("[[mute]]\n{ok}[[mute]]\nrule = \"*\"\nresource = \"[\"\nreason = \"r\"\n"),
                "mutelist mute.toml, entry 2, field `resource`: bad glob \"[\"",
            ),
            (
                "[[mute]]\nrule = \"s3_nope\"\nresource = \"*\"\nreason = \"r\"\n".to_owned(),
                "mutelist mute.toml, entry 1, field `rule`: unknown rule id \"s3_nope\"",
            ),
            (
                "[[mute]]\nrule = \"*\"\nresource = \"*\"\n".to_owned(),
                "mutelist mute.toml, entry 1: missing required field `reason`",
            ),
            (
                "[[mute]]\nrule = \"*\"\nresource = \"*\"\nreason = \"  \"\n".to_owned(),
                "mutelist mute.toml, entry 1, field `reason`: must not be empty",
            ),
            (
                format!("[[mute]]\n{ok}expires = \"next tuesday\"\n"),
                "mutelist mute.toml, entry 1, field `expires`: \"next tuesday\" is not an RFC 3339 date",
            ),
            (
                format!("[[mute]]\n{ok}expires = 2026-12-31T10:00:00\n"),
                "field `expires`: \"2026-12-31T10:00:00\" is not an RFC 3339",
            ),
            (
                format!("[[mute]]\n{ok}expires = 20261231\n"),
                "entry 1, field `expires`: expected a date or date-time, found integer",
            ),
            (
                format!("[[mute]]\n{ok}region = \"Europe\"\n"),
                "entry 1, field `region`: \"Europe\" is not an AWS region code",
            ),
            (
                format!("[[mute]]\n{ok}resources = \"*\"\n"),
                "mutelist mute.toml, entry 1: unknown field `resources`",
            ),
            (
                "[[mute]]\nrule = 1\nresource = \"*\"\nreason = \"r\"\n".to_owned(),
                "entry 1, field `rule`: expected a string, found integer",
            ),
        ];
        for (text, want) in cases {
            let e = parse(text).expect_err(text);
            assert!(
                e.to_string().contains(want),
                "{e}\n  should contain: {want}"
            );
        }
    }

    fn entry(glob: &str) -> String {
        format!("[[mute]]\nrule = \"*\"\nresource = \"{glob}\"\nreason = \"r\"\n")
    }

    #[test]
    fn issue_9_pathological_globs_are_refused_before_compiling() {
        let e = parse(&entry(&"*".repeat(10_000))).unwrap_err().to_string();
        assert_eq!(
            e,
            "mutelist mute.toml, entry 1, field `resource`: the pattern is 10000 bytes, over the limit of 2048 bytes"
        );
        for glob in ["a*".repeat(17), "{a,b}".repeat(17), "[ab]?".repeat(9)] {
            let e = parse(&entry(&glob)).unwrap_err().to_string();
            assert!(
                e.starts_with("mutelist mute.toml, entry 1, field `resource`: the pattern has")
                    && e.ends_with("wildcards (`*`, `?`, `[`, `{`), over the limit of 16"),
                "{glob}: {e}"
            );
        }
        let at_limit = format!("arn:aws:s3:::{}", "a*".repeat(16));
        let m = parse(&entry(&at_limit)).unwrap();
        let hit = "arn:aws:s3:::aaaaaaaaaaaaaaaaaxyz";
        assert_eq!(
            apply(&m, finding(&FAIL_HIGH, hit, Status::Fail), NOW).status,
            Status::Muted
        );
    }

    #[test]
    fn issue_9_too_many_entries_are_refused_before_any_glob_is_built() {
        let one = r#"{rule="*",resource="*",reason="r"}"#;
        let list = |n: usize| format!("mute = [{}]\n", vec![one; n].join(","));
        let text = list(100_000);
        assert!(
            text.len() as u64 <= Mutelist::MAX_FILE_BYTES,
            "{}",
            text.len()
        );
        assert_eq!(
            parse(&text).unwrap_err().to_string(),
            "mutelist mute.toml has 100000 entries, over the limit of 10000 entries"
        );
        assert_eq!(parse(&list(10_000)).unwrap().entries().len(), 10_000);
        // 10,000 entries of 4 wildcards: compiled together they would need
        // ~150 MiB and then fail; refused at the entry that passes the budget.
        let four = r#"{rule="*",resource="arn:aws:s3:::a*b*c*d*",reason="r"}"#;
        let text = format!("mute = [{}]\n", vec![four; 10_000].join(","));
        assert_eq!(
            parse(&text).unwrap_err().to_string(),
            "mutelist mute.toml: entries 1 to 5001 hold 20004 wildcards in their `resource` patterns, over the limit of 20000 for a mutelist"
        );
    }

    #[test]
    fn issue_9_an_oversized_or_non_regular_file_is_refused_before_reading() {
        let dir = tempfile::tempdir().unwrap();
        // 300 MiB of holes: refused from its metadata, nothing is read.
        let big = dir.path().join("big.toml");
        std::fs::File::create(&big)
            .unwrap()
            .set_len(300 << 20)
            .unwrap();
        let e = Mutelist::load(&big).unwrap_err();
        assert_eq!(
            e.to_string(),
            format!(
                "mutelist {} is 314572800 bytes, over the limit of 4194304 bytes",
                big.display()
            )
        );
        // The same limit holds for text handed over in memory.
        let text = format!("# {}\n", "x".repeat(4 << 20));
        assert!(matches!(
            parse(&text).unwrap_err(),
            EngineError::MutelistTooLarge { .. }
        ));
        // A FIFO would block a reader forever; a directory is no file.
        let fifo = dir.path().join("fifo.toml");
        let made = std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap();
        assert!(made.success());
        for path in [fifo.as_path(), dir.path()] {
            let e = Mutelist::load(path).unwrap_err();
            assert_eq!(
                e.to_string(),
                format!("mutelist {} is not a regular file", path.display())
            );
        }
    }

    #[test]
    fn load_names_a_missing_file() {
        let e = Mutelist::load(Path::new("/nonexistent/mute.toml")).unwrap_err();
        assert!(matches!(e, EngineError::MutelistRead { .. }));
        assert!(
            e.to_string()
                .starts_with("cannot read mutelist /nonexistent/mute.toml"),
            "{e}"
        );
    }
}
