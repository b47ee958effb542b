//! The `cloudarq` command. All logic lives in the library (`cli.rs`) so tests
//! can drive it; this file only sets up logging and maps the exit code.

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = cloudarq_server::cli::Cli::parse();
    let filter = tracing_subscriber::EnvFilter::try_from_env("CLOUDARQ_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn,cloudarq_core=info"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .init();
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::from(2);
        }
    };
    match runtime.block_on(cloudarq_server::cli::run(cli, &mut std::io::stdout())) {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(2)
        }
    }
}
