//! `cargo xtask generate`: writes (or, with `--check`, compares) a generated
//! crate. The generator itself does no I/O; this is where files are touched.

use std::fs;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result};
use openapi_client_gen::files::{crate_name_from, stale_files, write_all};

use crate::project_root;

/// The project's own spec and where its crate lives.
pub(crate) const SPEC: &str = "spec/customer-contacts.yaml";
pub(crate) const OUT: &str = "generated";
pub(crate) const OUT_RUNTIME_CRATE: &str = "generated-runtime-crate";
/// Business Central's API v2.0 `$metadata` and the crate of every entity.
pub(crate) const BC_V2_METADATA: &str = "spec/csdl/bc-v2.0-metadata.xml";
pub(crate) const OUT_BC_V2: &str = "generated-bc-v2";

#[derive(clap::Args, Debug, Default)]
pub(crate) struct Args {
    /// Compare instead of write: fail, listing each stale file, if the crate is not what the spec gives.
    #[arg(long)]
    pub(crate) check: bool,
    /// The spec to read (JSON or YAML; OpenAPI 3.0 or 3.1, or Swagger 2.0; or OData CSDL, `$metadata`). Default: spec/customer-contacts.yaml.
    #[arg(long, requires = "out")]
    pub(crate) spec: Option<PathBuf>,
    /// The folder to write a standalone crate into (created if missing). Default: generated/.
    #[arg(long, requires = "spec")]
    pub(crate) out: Option<PathBuf>,
    /// The package name of the crate written with --out (default: from the folder name).
    #[arg(long)]
    pub(crate) crate_name: Option<String>,
    /// Leave out, with a warning, operations that use a construct the generator does not support.
    #[arg(long)]
    pub(crate) skip_unsupported: bool,
    /// Read plain mistakes of the spec's authors the closest way, each with a located
    /// warning, instead of refusing the spec: path parameters declared but absent from the
    /// path are dropped, a security requirement naming an undeclared scheme counts as none,
    /// a response that points at a request body takes its content.
    #[arg(long)]
    pub(crate) lenient: bool,
    /// With --out: where the client's runtime goes: `crate`, a package of its own in
    /// `runtime/` that the crate depends on by path (compiled once, not with each change or
    /// choice of features), or `module`, copied into `src/runtime/`.
    #[arg(
        long,
        value_name = "crate|module",
        default_value = "crate",
        requires = "out",
        conflicts_with = "runtime_path"
    )]
    pub(crate) runtime: codegen::RuntimeSource,
    /// With --out: depend on the runtime crate (`openapi-client-runtime`) at this path,
    /// relative to the generated crate, instead of writing one.
    #[arg(long, requires = "out")]
    pub(crate) runtime_path: Option<String>,
    /// Cargo features of the crate, all on by default, so that a project compiles only the
    /// operations it enables and the models they reach: `tags` (a feature per tag of the
    /// spec), `paths` (a feature per first path segment) or `none`. A spec that gives fewer
    /// than two groups gets no features.
    #[arg(long, value_name = "tags|paths|none", default_value = "tags")]
    pub(crate) features: codegen::FeatureGroups,
}

pub(crate) fn run(args: &Args) -> Result<ExitCode> {
    let root = project_root();
    let targets: Vec<(PathBuf, String, PathBuf, codegen::Config)> = match (&args.spec, &args.out) {
        (Some(spec), Some(out)) => {
            let name = match &args.crate_name {
                Some(n) => n.clone(),
                None => crate_name_from(out),
            };
            let mut config = codegen::Config::new(&name, &spec.display().to_string());
            config.standalone = true;
            config.runtime = codegen::RuntimeSource::from_flags(args.runtime.clone(), args.runtime_path.as_deref());
            config.command = format!("cargo xtask generate --spec {} --out {}", spec.display(), out.display());
            vec![(spec.clone(), spec.display().to_string(), out.clone(), config)]
        }
        _ => project_crates(&root),
    };
    let mut status = ExitCode::SUCCESS;
    for (spec_path, spec_name, out, mut config) in targets {
        config.skip_unsupported = args.skip_unsupported;
        config.lenient = args.lenient;
        config.features = args.features;
        let code = generate_one(&spec_path, &spec_name, &out, &config, args)?;
        if code != ExitCode::SUCCESS {
            status = code;
        }
    }
    Ok(status)
}

/// The project's own crates: `generated/` as the generator writes a crate
/// by default (its runtime a package of its own, `generated/runtime/`),
/// `generated-runtime-crate/` depending on `runtime/` (the same client
/// tests run against both), and `generated-bc-v2/`, every entity of
/// Business Central's API v2.0 from its `$metadata`, a feature per entity
/// set, on `runtime/` too.
pub(crate) fn project_crates(root: &std::path::Path) -> Vec<(PathBuf, String, PathBuf, codegen::Config)> {
    let copied = codegen::Config::new("bc-api", SPEC);
    let mut depending = codegen::Config::new("bc-api-runtime-crate", SPEC);
    depending.runtime = codegen::RuntimeSource::Path("../runtime".to_owned());
    let mut bc_v2 = codegen::Config::new("bc-api-v2", BC_V2_METADATA);
    bc_v2.runtime = codegen::RuntimeSource::Path("../runtime".to_owned());
    vec![
        (root.join(SPEC), SPEC.to_owned(), root.join(OUT), copied),
        (
            root.join(BC_V2_METADATA),
            BC_V2_METADATA.to_owned(),
            root.join(OUT_BC_V2),
            bc_v2,
        ),
        (
            root.join(SPEC),
            SPEC.to_owned(),
            root.join(OUT_RUNTIME_CRATE),
            depending,
        ),
    ]
}

fn generate_one(
    spec_path: &std::path::Path,
    spec_name: &str,
    out: &std::path::Path,
    config: &codegen::Config,
    args: &Args,
) -> Result<ExitCode> {
    let text =
        fs::read_to_string(spec_path).with_context(|| format!("cannot read the spec {}", spec_path.display()))?;
    let folder = openapi_client_gen::files::SpecFolder::of(spec_path);
    let output = match codegen::generate_with_files(&text, &folder, config) {
        Ok(o) => o,
        Err(diags) => {
            eprintln!("{diags}");
            eprintln!("error: {spec_name} was not generated; nothing was written");
            return Ok(ExitCode::from(1));
        }
    };
    for w in &output.warnings {
        eprintln!("{w}");
    }
    if args.check {
        let stale = stale_files(out, &output.files)?;
        if stale.is_empty() {
            println!("{} is fresh ({} files)", out.display(), output.files.len());
            return Ok(ExitCode::SUCCESS);
        }
        for s in &stale {
            eprintln!("stale: {s}");
        }
        let fix = if args.spec.is_some() {
            format!("cargo xtask generate --spec {} --out {}", spec_name, out.display())
        } else {
            "cargo xtask generate".to_owned()
        };
        eprintln!(
            "error: {} file(s) in {} differ from what {spec_name} gives; run `{fix}`",
            stale.len(),
            out.display()
        );
        return Ok(ExitCode::from(1));
    }
    for removed in write_all(out, &output.files)? {
        println!("removed {removed} (no longer generated)");
    }
    println!("wrote {} files to {}", output.files.len(), out.display());
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `generated/` and `generated-runtime-crate/` are what the spec gives,
    /// byte for byte.
    #[test]
    fn generated_crates_are_fresh() {
        let root = project_root();
        for (spec, _, out, config) in project_crates(&root) {
            let text = fs::read_to_string(spec).expect("spec");
            let output = codegen::generate(&text, &config).expect("the project spec generates");
            let stale = stale_files(&out, &output.files).expect("compare");
            assert!(
                stale.is_empty(),
                "stale files in {}, run `cargo xtask generate`: {stale:?}",
                out.display()
            );
        }
    }
}
