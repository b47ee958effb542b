//! The `cloudarq` application: the command-line interface, the hosted
//! multi-tenant service (`service`) and its scan workers (`worker`).
//!
//! ```
//! use clap::Parser;
//! let cli = cloudarq_server::cli::Cli::try_parse_from(["cloudarq", "rules", "list"]).unwrap();
//! # let _ = cli;
//! ```
#![warn(missing_docs)]
#![forbid(unsafe_code)]

/// The rule author's guide (`docs/rule-authors.md`): its Rust example
/// compiles and runs as a doc test; its shell commands run in
/// `tests/rule_author.rs`.
#[cfg(doctest)]
#[doc = include_str!("../../docs/rule-authors.md")]
pub struct RuleAuthorGuide;

pub mod cli;
pub mod healthcheck;
pub mod logging;
pub mod record;
pub mod service;
pub mod worker;
