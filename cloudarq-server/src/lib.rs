//! The `cloudarq` application: the command-line interface today, the hosted
//! multi-tenant service later.
//!
//! ```
//! use clap::Parser;
//! let cli = cloudarq_server::cli::Cli::try_parse_from(["cloudarq", "rules", "list"]).unwrap();
//! # let _ = cli;
//! ```
#![warn(missing_docs)]
#![forbid(unsafe_code)]

pub mod cli;
pub mod logging;
pub mod record;
