//! `openapi-client-gen`: a Rust async client crate from an OpenAPI 3.0 or
//! 3.1 or Swagger 2.0 spec.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use openapi_client_gen::{Config, files};

#[derive(Parser, Debug)]
#[command(
    name = "openapi-client-gen",
    version,
    about = "Generate a Rust async client crate from an OpenAPI 3.0/3.1 or Swagger 2.0 spec",
    long_about = "Generate a Rust async client crate from an OpenAPI 3.0/3.1 or Swagger 2.0 spec (JSON or YAML): \
                  models, one request builder per operation, typed errors by status, paging streams, retries.\n\n\
                  Every problem in the spec is reported in one run, with file, line, column and JSON pointer; \
                  nothing is written unless the whole crate is."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Write a standalone crate generated from a spec (or, with --check, compare).
    Generate(Generate),
}

#[derive(clap::Args, Debug)]
struct Generate {
    /// The spec to read: OpenAPI 3.0 or 3.1, or Swagger 2.0, in JSON or YAML.
    #[arg(long)]
    spec: PathBuf,
    /// The folder to write the crate into (created if missing). Files the
    /// generator wrote before and no longer produces are removed; other
    /// files are left alone.
    #[arg(long)]
    out: PathBuf,
    /// The crate's package name. Default: from the folder name.
    #[arg(long)]
    crate_name: Option<String>,
    /// Read plain mistakes of the spec's authors the closest way, each with a located warning,
    /// instead of refusing the spec: path parameters declared but absent from the path are
    /// dropped, a security requirement naming an undeclared scheme counts as none, a response
    /// that points at a request body takes its content, an empty enum is ignored.
    #[arg(long)]
    lenient: bool,
    /// Leave out, with a warning, operations that use a construct the generator does not support,
    /// instead of refusing the spec.
    #[arg(long)]
    skip_unsupported: bool,
    /// Compare instead of write: exit 1, listing each stale file, if the folder does not hold
    /// what the spec gives.
    #[arg(long)]
    check: bool,
    /// Where the client's runtime (HTTP execution, errors, paging: the same for every spec)
    /// goes: `crate`, a package of its own in `runtime/` that the crate depends on by path,
    /// compiled once rather than with each change or choice of features; or `module`, copied
    /// into `src/runtime/`, for a crate that must be a single package.
    #[arg(
        long,
        value_name = "crate|module",
        default_value = "crate",
        conflicts_with = "runtime_path"
    )]
    runtime: codegen::RuntimeSource,
    /// Depend on the runtime crate (`openapi-client-runtime`, `runtime/` in the generator's
    /// repository) at this path, relative to the generated crate, instead of writing one.
    /// Several generated crates then share one runtime.
    #[arg(long)]
    runtime_path: Option<String>,
    /// Cargo features of the crate, all on by default, so that a project compiles only the
    /// operations it enables and the models they reach: `tags` (a feature per tag of the
    /// spec), `paths` (a feature per first path segment) or `none`. A spec that gives fewer
    /// than two groups gets no features.
    #[arg(long, value_name = "tags|paths|none", default_value = "tags")]
    features: codegen::FeatureGroups,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Generate(args) => generate(&args),
    }
}

fn generate(args: &Generate) -> ExitCode {
    let spec_name = args.spec.display().to_string();
    let name = args
        .crate_name
        .clone()
        .unwrap_or_else(|| files::crate_name_from(&args.out));
    let mut config = Config::new(&name, &spec_name);
    config.standalone = true;
    config.lenient = args.lenient;
    config.skip_unsupported = args.skip_unsupported;
    config.runtime = codegen::RuntimeSource::from_flags(args.runtime.clone(), args.runtime_path.as_deref());
    config.features = args.features;
    config.command = format!(
        "openapi-client-gen generate --spec {} --out {}",
        spec_name,
        args.out.display()
    );
    let text = match std::fs::read_to_string(&args.spec) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("error: cannot read the spec {spec_name}: {e}");
            return ExitCode::from(2);
        }
    };
    let output = match openapi_client_gen::generate(&text, &config) {
        Ok(o) => o,
        Err(diags) => {
            eprintln!("{diags}");
            eprintln!("error: {spec_name} was not generated; nothing was written");
            return ExitCode::from(1);
        }
    };
    for w in &output.warnings {
        eprintln!("{w}");
    }
    if args.check {
        return match files::stale_files(&args.out, &output.files) {
            Ok(stale) if stale.is_empty() => {
                println!("{} is fresh ({} files)", args.out.display(), output.files.len());
                ExitCode::SUCCESS
            }
            Ok(stale) => {
                for s in &stale {
                    eprintln!("stale: {s}");
                }
                eprintln!(
                    "error: {} file(s) differ from what {spec_name} gives; run the command without --check",
                    stale.len()
                );
                ExitCode::from(1)
            }
            Err(e) => {
                eprintln!("error: {e}");
                ExitCode::from(2)
            }
        };
    }
    match files::write_all(&args.out, &output.files) {
        Ok(removed) => {
            for r in removed {
                println!("removed {r} (no longer generated)");
            }
            println!("wrote {} files to {}", output.files.len(), args.out.display());
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e}; the previous files are left as they were");
            ExitCode::from(2)
        }
    }
}
