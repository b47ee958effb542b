//! The `cloudarq` command. All logic lives in the library (`cli.rs`) so tests
//! can drive it; this file only sets up logging and maps the exit code.
//!
//! An error can quote untrusted input (serde's "unknown variant" names the
//! value it read from a snapshot or package), so its text is printed through
//! [`Inert`]: no control or bidirectional character reaches the terminal.

use std::process::ExitCode;

use clap::Parser;
use cloudarq_model::text::Inert;

fn main() -> ExitCode {
    let cli = cloudarq_server::cli::Cli::parse();
    cloudarq_server::logging::init();
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {}", Inert(&e));
            return ExitCode::from(2);
        }
    };
    match runtime.block_on(cloudarq_server::cli::run(cli, &mut std::io::stdout())) {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            eprintln!("error: {}", Inert(format_args!("{e:#}")));
            ExitCode::from(2)
        }
    }
}
