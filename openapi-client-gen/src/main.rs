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
    about = "Generate a Rust async client crate from an OpenAPI 3.0/3.1 or Swagger 2.0 spec, or an OData service's CSDL",
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
    /// Write the OpenAPI document of an OData service's CSDL (`$metadata`), for other tools.
    Convert(Convert),
    /// Write a spec split over several files as one file, for tools that read only one.
    Bundle(Bundle),
}

/// `bundle`: what a spec's `$ref`s to other files name, placed in one document.
#[derive(clap::Args, Debug)]
#[command(
    long_about = "Write a spec split over several files as one file, for tools that read only one.\n\n\
                  The spec keeps its version (3.0, 3.1 or 2.0). What another file's `$ref` names becomes a \
                  component (a schema, parameter, response, request body or header), named as its authors \
                  named it (`common.yaml#/components/schemas/Error` is `Error`) or after its file \
                  (`./schemas/pet.yaml` is `pet`); a whole map or a path item is written in its place. \
                  Files are read once each, relative to the file that names them, and only from the spec's \
                  folder and below. The result is checked as `generate` checks a spec: nothing is written \
                  unless it would generate."
)]
struct Bundle {
    /// The root file of the spec: OpenAPI 3.0 or 3.1, or Swagger 2.0, in JSON or YAML.
    #[arg(long)]
    spec: PathBuf,
    /// The file to write.
    #[arg(long)]
    out: PathBuf,
    /// The file's format. Default: `json` when --out ends in `.json`, else `yaml`.
    #[arg(long, value_name = "yaml|json")]
    format: Option<Format>,
    /// Read plain mistakes of the spec's authors as `generate --lenient` does (an operation
    /// `$ref`ed from another file, where OpenAPI allows only path items, among them).
    #[arg(long)]
    lenient: bool,
}

/// How an OData CSDL document (`$metadata`) becomes OpenAPI; read only when the spec is CSDL.
#[derive(clap::Args, Debug)]
struct CsdlArgs {
    /// Business Central's rules: `auto` applies them to a service with the schema
    /// `Microsoft.NAV`. They are: paths under the entity sets no navigation contains
    /// (`companies({companyId})/…`), a contained path restricted as the entity set of its type,
    /// `If-Match` required on PATCH and DELETE, read-only keys, no nulls, Business Central's
    /// error responses and sign-in with Microsoft Entra ID.
    #[arg(long, value_name = "auto|on|off", default_value = "auto")]
    business_central: Toggle,
    /// Some of Business Central's rules, for another service that behaves the same way
    /// (comma-separated): `roots` (paths start at the entity sets nothing contains),
    /// `restrictions` (a contained path is restricted as the entity set of its type),
    /// `if-match` (PATCH and DELETE require `If-Match`), `no-nulls`, `keys-read-only`,
    /// `service` (Business Central's server, sign-in and errors).
    #[arg(long, value_delimiter = ',', value_name = "RULE,...")]
    rules: Vec<String>,
    /// The entity sets (or singletons) paths start from, comma-separated. Default: with
    /// Business Central's rules the entity sets no navigation contains (`companies`,
    /// `subscriptions`, …), otherwise every entity set and singleton.
    #[arg(long, value_delimiter = ',', value_name = "SET,...")]
    keep: Vec<String>,
    /// How many containment navigations a path follows below its root:
    /// `companies({companyId})/salesOrders({salesOrderId})/salesOrderLines` is 2.
    #[arg(long, default_value_t = 2, value_name = "N")]
    levels: usize,
    /// The service root written as the document's server. Default: Business Central's online
    /// URL with its `tenant` and `environment` variables, or `http://localhost`.
    #[arg(long, value_name = "URL")]
    server: Option<String>,
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum Toggle {
    Auto,
    On,
    Off,
}

impl CsdlArgs {
    fn options(&self) -> Result<codegen::ConvertOptions, String> {
        let mut rules = codegen::Rules::default();
        for r in &self.rules {
            rules.enable(r).map_err(|e| format!("--rules: {e}"))?;
        }
        Ok(codegen::ConvertOptions {
            business_central: match self.business_central {
                Toggle::Auto => None,
                Toggle::On => Some(true),
                Toggle::Off => Some(false),
            },
            keep: self.keep.clone(),
            levels: self.levels,
            server: self.server.clone(),
            rules,
            ..codegen::ConvertOptions::default()
        })
    }
}

#[derive(clap::Args, Debug)]
struct Convert {
    /// The CSDL document: XML (`<edmx:Edmx>`, OData V4, 4.01, or V2/V3) or CSDL JSON (`$Version`),
    /// such as a service's `$metadata`.
    #[arg(long)]
    spec: PathBuf,
    /// The OpenAPI file to write. Nothing is written unless the whole document converts.
    #[arg(long)]
    out: PathBuf,
    /// The OpenAPI version to write.
    #[arg(long, value_name = "3.0|3.1", default_value = "3.0")]
    openapi: codegen::OpenApiVersion,
    /// The file's format. Default: `json` when --out ends in `.json`, else `yaml`.
    #[arg(long, value_name = "yaml|json")]
    format: Option<Format>,
    #[command(flatten)]
    csdl: CsdlArgs,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum Format {
    Yaml,
    Json,
}

#[derive(clap::Args, Debug)]
struct Generate {
    /// The spec to read: OpenAPI 3.0 or 3.1, or Swagger 2.0, in JSON or YAML; or an OData
    /// service's CSDL (`$metadata`: XML of V4 or V2/V3, or CSDL JSON), converted first.
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
    #[command(flatten)]
    csdl: CsdlArgs,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Generate(args) => generate(&args),
        Command::Convert(args) => convert(&args),
        Command::Bundle(args) => bundle(&args),
    }
}

fn bundle(args: &Bundle) -> ExitCode {
    let spec_name = args.spec.display().to_string();
    let text = match std::fs::read_to_string(&args.spec) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("error: cannot read {spec_name}: {e}");
            return ExitCode::from(2);
        }
    };
    let mut config = Config::new("bundle", &spec_name);
    config.lenient = args.lenient;
    // Every operation is looked at; one the generator cannot express is
    // still the author's to bundle.
    config.skip_unsupported = true;
    let bundled = match openapi_client_gen::bundle(&text, &files::SpecFolder::of(&args.spec), &config) {
        Ok(b) => b,
        Err(diags) => {
            eprintln!("{diags}");
            eprintln!("error: {spec_name} was not bundled; nothing was written");
            return ExitCode::from(1);
        }
    };
    for w in bundled
        .warnings
        .iter()
        .filter(|w| !w.message.contains("--skip-unsupported"))
    {
        eprintln!("{w}");
    }
    if let Err(code) = write_document(&args.out, args.format, |json| bundled.to_text(json)) {
        return code;
    }
    println!(
        "wrote {}: {} and {} file(s) it names, in one",
        args.out.display(),
        spec_name,
        bundled.read.len()
    );
    ExitCode::SUCCESS
}

/// Writes a document to `out`, as JSON when `format` says so or, without
/// one, when `out` ends in `.json`; YAML otherwise. What `convert` and
/// `bundle` both write.
fn write_document(
    out: &std::path::Path,
    format: Option<Format>,
    to_text: impl FnOnce(bool) -> Result<String, String>,
) -> Result<(), ExitCode> {
    let json = match format {
        Some(f) => f == Format::Json,
        None => out.extension().is_some_and(|e| e.eq_ignore_ascii_case("json")),
    };
    let text = to_text(json).map_err(|e| {
        eprintln!("error: the document cannot be written: {e}");
        ExitCode::from(2)
    })?;
    files::write_one(out, &text).map_err(|e| {
        eprintln!("error: cannot write {}: {e}", out.display());
        ExitCode::from(2)
    })
}

fn convert(args: &Convert) -> ExitCode {
    let spec_name = args.spec.display().to_string();
    let text = match std::fs::read_to_string(&args.spec) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("error: cannot read {spec_name}: {e}");
            return ExitCode::from(2);
        }
    };
    if !codegen::is_csdl(&text) {
        eprintln!(
            "error: {spec_name} is not a CSDL document: expected XML with a root edmx:Edmx, or CSDL JSON with `$Version`"
        );
        return ExitCode::from(1);
    }
    let mut options = match args.csdl.options() {
        Ok(o) => o,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    options.openapi = args.openapi;
    let converted = match codegen::convert(&text, &spec_name, &options) {
        Ok(c) => c,
        Err(diags) => {
            eprintln!("{diags}");
            eprintln!("error: {spec_name} was not converted; nothing was written");
            return ExitCode::from(1);
        }
    };
    for w in &converted.warnings {
        eprintln!("{w}");
    }
    if let Err(code) = write_document(&args.out, args.format, |json| converted.to_text(json)) {
        return code;
    }
    println!(
        "wrote {}: {} paths, {} operations{}",
        args.out.display(),
        converted.paths,
        converted.operations,
        if converted.business_central {
            " (Business Central's rules)"
        } else {
            ""
        }
    );
    ExitCode::SUCCESS
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
    config.csdl = match args.csdl.options() {
        Ok(o) => o,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
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
    let output = match openapi_client_gen::generate_with_files(&text, &files::SpecFolder::of(&args.spec), &config) {
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
    if codegen::is_csdl(&text) {
        if let Ok(c) = codegen::convert(&text, &spec_name, &config.csdl) {
            println!(
                "converted {spec_name} from CSDL: {} paths, {} operations{}",
                c.paths,
                c.operations,
                if c.business_central {
                    " (Business Central's rules)"
                } else {
                    ""
                }
            );
        }
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
