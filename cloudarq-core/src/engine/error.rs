//! The engine's one error type: every variant names the input at fault (the
//! mutelist file, its entry and field, or the results being compared).

use std::path::PathBuf;

use thiserror::Error;

/// Errors from loading engine inputs (the mutelist) and comparing results.
///
/// Evaluation itself never fails: a rule that errors or panics becomes an
/// ERROR finding, so there is no variant for it. Mutelist entries are counted
/// from 1 in the order they appear in the file.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum EngineError {
    /// The mutelist file could not be read.
    #[error("cannot read mutelist {file}: {source}")]
    MutelistRead {
        /// The file.
        file: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The mutelist path is not a regular file (a directory, FIFO or device).
    #[error("mutelist {file} is not a regular file")]
    MutelistNotAFile {
        /// The path.
        file: PathBuf,
    },
    /// The mutelist is larger than [`Mutelist::MAX_FILE_BYTES`](super::Mutelist::MAX_FILE_BYTES).
    #[error("mutelist {file} is {size} bytes, over the limit of {limit} bytes")]
    MutelistTooLarge {
        /// The file.
        file: PathBuf,
        /// Its size (or how much was read before stopping).
        size: u64,
        /// The limit.
        limit: u64,
    },
    /// The mutelist has more than [`Mutelist::MAX_ENTRIES`](super::Mutelist::MAX_ENTRIES) entries.
    #[error("mutelist {file} has {entries} entries, over the limit of {limit} entries")]
    MutelistTooManyEntries {
        /// The file.
        file: String,
        /// How many it has.
        entries: usize,
        /// The limit.
        limit: usize,
    },
    /// The mutelist is not valid TOML.
    #[error("mutelist {file} is not valid TOML: {detail}")]
    MutelistSyntax {
        /// The file.
        file: String,
        /// The parser's message, with line and column.
        detail: String,
    },
    /// A top-level key other than `mute`, or `mute` that is not an array of tables.
    #[error("mutelist {file}: {detail}")]
    MutelistShape {
        /// The file.
        file: String,
        /// What is wrong.
        detail: String,
    },
    /// An entry without a required field.
    #[error("mutelist {file}, entry {entry}: missing required field `{field}`")]
    MissingField {
        /// The file.
        file: String,
        /// The entry, counted from 1.
        entry: usize,
        /// The missing field.
        field: &'static str,
    },
    /// An entry with a field the mutelist does not know.
    #[error(
        "mutelist {file}, entry {entry}: unknown field `{field}` (expected rule, resource, reason, expires, region)"
    )]
    UnknownField {
        /// The file.
        file: String,
        /// The entry, counted from 1.
        entry: usize,
        /// The unknown field.
        field: String,
    },
    /// A field of the wrong type, or an empty value.
    #[error("mutelist {file}, entry {entry}, field `{field}`: {detail}")]
    InvalidField {
        /// The file.
        file: String,
        /// The entry, counted from 1.
        entry: usize,
        /// The field.
        field: &'static str,
        /// What is wrong with it.
        detail: String,
    },
    /// A `resource` pattern that is not a valid glob.
    #[error("mutelist {file}, entry {entry}, field `resource`: bad glob {glob:?}: {detail}")]
    BadGlob {
        /// The file.
        file: String,
        /// The entry, counted from 1.
        entry: usize,
        /// The pattern.
        glob: String,
        /// The glob parser's message.
        detail: String,
    },
    /// A `rule` that is neither `*` nor the id of a rule the engine runs.
    #[error("mutelist {file}, entry {entry}, field `rule`: unknown rule id {rule:?}")]
    UnknownRule {
        /// The file.
        file: String,
        /// The entry, counted from 1.
        entry: usize,
        /// The rule id.
        rule: String,
    },
    /// An `expires` value that is not an RFC 3339 date or date-time with offset.
    #[error(
        "mutelist {file}, entry {entry}, field `expires`: {value:?} is not an RFC 3339 date (2026-12-31) or date-time with offset (2026-12-31T18:00:00Z)"
    )]
    BadDate {
        /// The file.
        file: String,
        /// The entry, counted from 1.
        entry: usize,
        /// The value as written.
        value: String,
    },
    /// A `region` that is not an AWS region code.
    #[error("mutelist {file}, entry {entry}, field `region`: {value:?} is not an AWS region code")]
    BadRegion {
        /// The file.
        file: String,
        /// The entry, counted from 1.
        entry: usize,
        /// The value as written.
        value: String,
    },
    /// Two results of different accounts cannot be compared.
    #[error("cannot diff results of different accounts: {old} (before) and {new} (after)")]
    AccountMismatch {
        /// The account of the earlier result.
        old: String,
        /// The account of the later result.
        new: String,
    },
}
