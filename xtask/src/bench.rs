//! `cargo xtask bench`: runs the `bench` package in release; the
//! measurements themselves live there (they need the generated client and
//! the server, which xtask does not depend on).

use std::process::ExitCode;

use crate::project_root;

#[derive(clap::Args, Debug)]
pub(crate) struct Args {
    /// Options for the bench binary, such as `--only generate,decode` or `--seconds 10`.
    #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
    args: Vec<String>,
}

pub(crate) fn run(args: &Args) -> anyhow::Result<ExitCode> {
    let status = std::process::Command::new(env!("CARGO"))
        .current_dir(project_root())
        .args(["run", "--quiet", "--release", "--package", "bench", "--"])
        .args(&args.args)
        .status()?;
    Ok(if status.success() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}
