//! The one way the tests run cargo on the crates they generate.

use std::path::Path;
use std::process::Command;

/// `cargo` in `dir` with the given target folder, offline (the project's
/// lock file pins every dependency), with the caller's `RUSTFLAGS` left
/// out, and built to be thrown away: no incremental state and no debug
/// information, which together were most of the tens of gigabytes these
/// builds left on disk, enough to fill a CI machine's.
pub fn cargo(dir: &Path, target: &Path) -> Command {
    let mut command = Command::new(env!("CARGO"));
    command
        .current_dir(dir)
        .env("CARGO_TARGET_DIR", target)
        .env("CARGO_INCREMENTAL", "0")
        .env("CARGO_PROFILE_DEV_DEBUG", "0")
        .env_remove("RUSTFLAGS");
    command
}
