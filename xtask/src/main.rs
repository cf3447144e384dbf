//! Developer entry points: `cargo xtask generate`, `cargo xtask conformance`,
//! `cargo xtask bench`. Every path is built from the project root.

mod bench;
mod generate;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Generation builds and drops many small token trees: a faster allocator
/// than the system one pays for itself.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser)]
#[command(
    name = "cargo xtask",
    about = "Developer tasks for the Business Central customerContacts toolkit"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Generate a client crate from an OpenAPI 3.0/3.1 or Swagger 2.0 spec (by default, `generated/` from `spec/customer-contacts.yaml`).
    Generate(generate::Args),
    /// Start the reference server on a free loopback port and run the whole conformance suite against it.
    ///
    /// Extra arguments go to `bc-conformance run` (for example `--format json`).
    Conformance {
        #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
        args: Vec<String>,
    },
    /// Measure generation, decoding, server throughput and the suite's wall time.
    Bench(bench::Args),
}

pub(crate) fn project_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("."))
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Generate(args) => generate::run(&args),
        Command::Conformance { args } => conformance(&args),
        Command::Bench(args) => bench::run(&args),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(2)
        }
    }
}

/// Builds and runs `bc-conformance self-test`, which starts the reference
/// server in-process on a free port and runs the suite against it.
fn conformance(args: &[String]) -> anyhow::Result<ExitCode> {
    let status = std::process::Command::new(env!("CARGO"))
        .current_dir(project_root())
        .args([
            "run",
            "--quiet",
            "--release",
            "--package",
            "bc-conformance",
            "--",
            "self-test",
        ])
        .args(args)
        .status()?;
    Ok(match status.code() {
        Some(0) => ExitCode::SUCCESS,
        Some(c) => ExitCode::from(u8::try_from(c).unwrap_or(2)),
        None => ExitCode::from(2),
    })
}
