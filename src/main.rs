//! The `shenhe` binary: parse the command line, start logging, dispatch.

use clap::Parser;

fn main() -> std::process::ExitCode {
    let cli = shenhe::cli::Cli::parse();
    shenhe::telemetry::init(&cli.config);
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("error: starting the async runtime: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    match runtime.block_on(shenhe::cli::run(cli)) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
