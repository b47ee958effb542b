//! Errors of loading a package ([`WasmError`]) and causes of a failed call
//! ([`Failure`], which becomes ERROR findings).

use std::path::PathBuf;

use cloudarq_model::package::MetaError;

/// Why a package could not be loaded at all (no findings can name its rules,
/// or trust refused it): the scan stops with this error.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum WasmError {
    /// Reading or writing a file.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The package file is larger than [`Limits::module_bytes`](super::Limits).
    #[error("{name}: {what} is {size} bytes, the limit is {limit}")]
    TooLarge {
        /// The package.
        name: String,
        /// What is too large (`package`, `signature`).
        what: &'static str,
        /// Its size (at least this, for a file that grew while read).
        size: u64,
        /// The limit.
        limit: usize,
    },
    /// A package (or its signature) named by a path that is not a regular
    /// file: a FIFO, device, socket or directory, or a symlink to one.
    #[error("{path}: is a {kind}, not a regular file; refusing to read it")]
    NotRegular {
        /// The path.
        path: PathBuf,
        /// What it is.
        kind: &'static str,
    },
    /// The compiled cache's directory, an entry or its key is unsafe to use
    /// (another owner, group/other-writable, a symlink, malformed).
    #[error("{path}: {problem}")]
    Cache {
        /// The directory or file.
        path: PathBuf,
        /// What is wrong, and the fix.
        problem: String,
    },
    /// No or invalid metadata section.
    #[error("{name}: {source}")]
    Meta {
        /// The package.
        name: String,
        /// What is wrong.
        source: MetaError,
    },
    /// Not a WebAssembly component (or not parseable at all).
    #[error("{name}: not a WebAssembly rule component: {detail}")]
    NotAComponent {
        /// The package.
        name: String,
        /// What the parser said.
        detail: String,
    },
    /// Refused by the sha256 pin or the trust policy (fail closed).
    #[error("{name}: refused: {reason}")]
    Untrusted {
        /// The package.
        name: String,
        /// Why.
        reason: String,
    },
    /// A rule id that another loaded rule already uses.
    #[error("{name}: rule id {id:?} is already used by another rule")]
    DuplicateRule {
        /// The package.
        name: String,
        /// The id.
        id: String,
    },
    /// Settings the package's own settings schema refuses before anything
    /// runs (a `required` key is missing, or they are not an object).
    #[error("package {name:?}: settings refused: {reason}")]
    Settings {
        /// The package's name (from its metadata).
        name: String,
        /// What is wrong.
        reason: String,
    },
    /// Settings given for a package name that no loaded package has (a
    /// typo would otherwise be ignored and the package run on defaults).
    #[error("settings for package {name:?}: no loaded package has that name (loaded: {loaded})")]
    UnknownSettings {
        /// The name the settings are keyed by.
        name: String,
        /// The names of the loaded packages, comma-separated.
        loaded: String,
    },
    /// A trust policy, key or signature file that cannot be read.
    #[error("{0}")]
    Trust(String),
    /// The engine could not be set up (or a package not compiled during packaging).
    #[error("wasm engine: {0}")]
    Engine(String),
}

/// Why a guest call produced no usable findings; each affected (rule,
/// resource) pair becomes an ERROR finding whose message is this text.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Failure {
    /// Fuel ran out (a loop or too much work for the batch).
    #[error("ran out of fuel ({fuel} units for a batch of {batch})")]
    OutOfFuel {
        /// Fuel given.
        fuel: u64,
        /// Resources in the batch.
        batch: usize,
    },
    /// The wall-clock deadline passed (epoch interruption).
    #[error("exceeded the {ms} ms deadline")]
    Deadline {
        /// The deadline in milliseconds.
        ms: u128,
    },
    /// The package's time for the whole evaluation ([`Limits::package_time`](super::Limits))
    /// ran out; this batch was stopped or never sent.
    #[error("exceeded the package time budget of {ms} ms per scan")]
    TimeBudget {
        /// The budget in milliseconds.
        ms: u128,
    },
    /// Memory growth past the limit.
    #[error("exceeded the memory limit of {limit} bytes (asked for {desired})")]
    MemoryLimit {
        /// The limit.
        limit: usize,
        /// What the guest asked for.
        desired: usize,
    },
    /// Wasm stack exhausted (deep recursion).
    #[error("stack overflow (wasm stack limit {limit} bytes)")]
    StackOverflow {
        /// The limit.
        limit: usize,
    },
    /// Any other trap; `message` is the guest's last error log line (a panic message), if any.
    #[error("trapped: {trap}{}", message.as_deref().map(|m| format!(" ({m})")).unwrap_or_default())]
    Trap {
        /// The trap.
        trap: String,
        /// The guest's last error log line.
        message: Option<String>,
    },
    /// Output that breaks the contract.
    #[error("malformed output: {0}")]
    MalformedOutput(String),
    /// A finding for a resource that was not in the batch.
    #[error("returned a finding for resource {arn}, which was not in the batch")]
    ForeignResource {
        /// The ARN.
        arn: String,
    },
    /// Output larger than the limit.
    #[error("output of {bytes} bytes exceeds the limit of {limit} bytes")]
    OversizedOutput {
        /// Output size.
        bytes: usize,
        /// The limit.
        limit: usize,
    },
    /// Data the guest passed to the host ran past wasmtime's per-call copy
    /// budget, which is the output limit plus room for every finding the
    /// batch may legally have; nothing more was copied.
    #[error(
        "output exceeds the limit of {limit} bytes (the host copy budget of {budget} bytes ran out)"
    )]
    CopyBudget {
        /// The output limit.
        limit: usize,
        /// The copy budget of the call.
        budget: usize,
    },
    /// Input (a resource, with the context resources sent beside it) larger
    /// than the limit.
    #[error(
        "resource JSON of {bytes} bytes (with {context} bytes of context resources) exceeds the input limit of {limit} bytes"
    )]
    OversizedInput {
        /// Size of the resource.
        bytes: usize,
        /// Size of the context resources sent with every batch.
        context: usize,
        /// The limit.
        limit: usize,
    },
    /// `configure` refused the settings.
    #[error("configure refused the settings: {0}")]
    Configure(String),
    /// The component could not be linked (an import the host does not provide).
    #[error("cannot be linked: {0}")]
    Link(String),
    /// The component implements a contract version this host does not accept.
    #[error("implements contract version {found}, this host accepts {accepted}")]
    Contract {
        /// Version found.
        found: String,
        /// Versions accepted.
        accepted: String,
    },
    /// The package needs a newer CloudArq.
    #[error("needs CloudArq {needed} or later, this host is {host}")]
    HostTooOld {
        /// `min_host_version` of the package.
        needed: String,
        /// This host's version.
        host: String,
    },
    /// Compilation failed.
    #[error("cannot be compiled: {0}")]
    Compile(String),
}
