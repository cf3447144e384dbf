//! Turns an OpenAPI 3.0 or 3.1 or Swagger 2.0 document into the files of a
//! Rust crate: models and an async client. A pure library: text in, files
//! or located diagnostics out; it touches no file system.
//!
//! The stages, one module family each: [`spec`](crate::spec) reads the
//! document, upgrades 3.1 and 2.0 to 3.0 and checks it, `ir` lowers it to
//! resolved, Rust-shaped and ordered types and operations, `emit` turns
//! those into formatted code.

#![cfg_attr(not(test), warn(clippy::unwrap_used, clippy::expect_used, clippy::panic))]

mod csdl;
mod diag;
mod emit;
mod ir;
mod module;
mod naming;
mod spec;
mod template;
#[doc(hidden)]
pub mod testing;

pub use csdl::{ConvertOptions, Converted, OpenApiVersion, Rules, convert, is_csdl};
pub use diag::{Diagnostic, Diagnostics, Severity};
pub use module::{ModuleOutput, generate_module, generate_module_with_files};
pub use spec::files::{NoFiles, SpecFiles};

use diag::Sink;

/// What to generate and how to label it.
#[derive(Debug, Clone)]
pub struct Config {
    /// The package name of the emitted crate, such as `bc-api`.
    pub crate_name: String,
    pub crate_version: String,
    /// The spec's file name, for diagnostics and file headers.
    pub spec_name: String,
    /// The command that generates, for file headers.
    pub command: String,
    /// Emit an empty `[workspace]` so the crate builds on its own anywhere.
    pub standalone: bool,
    /// Leave out operations that use an unsupported construct (with a
    /// warning) instead of refusing the spec.
    pub skip_unsupported: bool,
    /// Read plain mistakes of a spec's authors the closest way, with a
    /// located warning each, instead of refusing the spec: path parameters
    /// declared but absent from the template are dropped, a security
    /// requirement naming an undeclared scheme counts as none, a response
    /// that points at a request body takes its content.
    pub lenient: bool,
    /// Where the crate's runtime (HTTP execution, errors, paging) comes
    /// from: by default a package of its own in `runtime/`.
    pub runtime: RuntimeSource,
    /// How operations are grouped into Cargo features of the emitted crate
    /// (all on by default), so that a user compiles only the operations
    /// they enable and the models those reach.
    pub features: FeatureGroups,
    /// How a CSDL document (`$metadata`) given as the spec becomes OpenAPI
    /// first.
    pub csdl: ConvertOptions,
}

/// Where a generated crate's runtime comes from: the code every client
/// shares (HTTP execution with auth, timeouts and retries, typed errors,
/// entity tags, paging), the `openapi-client-runtime` crate.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum RuntimeSource {
    /// A package of its own in `runtime/` beside the crate's sources, named
    /// `<crate>-runtime` and depended on by path: compiled once, not again
    /// with each change to the generated crate nor with each choice of its
    /// features.
    #[default]
    SubCrate,
    /// Copied into `src/runtime/`: the crate is a single package.
    Module,
    /// The runtime crate at this path, relative to the generated crate:
    /// several generated crates share one.
    Path(String),
}

impl RuntimeSource {
    /// What the command-line flags ask for: `--runtime-path`, when given,
    /// over `--runtime` (the commands refuse both at once).
    pub fn from_flags(mode: RuntimeSource, path: Option<&str>) -> RuntimeSource {
        match path {
            Some(path) => RuntimeSource::Path(path.to_owned()),
            None => mode,
        }
    }
}

impl std::str::FromStr for RuntimeSource {
    type Err = String;

    /// `crate` or `module`; a path is given apart (`--runtime-path`).
    fn from_str(s: &str) -> Result<RuntimeSource, String> {
        match s {
            "crate" => Ok(RuntimeSource::SubCrate),
            "module" => Ok(RuntimeSource::Module),
            other => Err(format!("expected `crate` or `module`, found `{other}`")),
        }
    }
}

/// How the operations of a spec become Cargo features of the emitted crate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum FeatureGroups {
    /// A feature per tag (an operation with several tags is in each of
    /// their features; untagged ones are in `untagged`).
    #[default]
    Tags,
    /// A feature per first path segment (`/companies(..)/items` is in
    /// `companies`).
    Paths,
    /// No features: every operation is always compiled.
    None,
}

impl std::str::FromStr for FeatureGroups {
    type Err = String;

    fn from_str(s: &str) -> Result<FeatureGroups, String> {
        match s {
            "tags" => Ok(FeatureGroups::Tags),
            "paths" => Ok(FeatureGroups::Paths),
            "none" => Ok(FeatureGroups::None),
            other => Err(format!("expected `tags`, `paths` or `none`, found `{other}`")),
        }
    }
}

impl Config {
    pub fn new(crate_name: &str, spec_name: &str) -> Config {
        Config {
            crate_name: crate_name.to_owned(),
            crate_version: "0.1.0".to_owned(),
            spec_name: spec_name.to_owned(),
            command: "cargo xtask generate".to_owned(),
            standalone: false,
            skip_unsupported: false,
            lenient: false,
            runtime: RuntimeSource::SubCrate,
            features: FeatureGroups::Tags,
            csdl: ConvertOptions::default(),
        }
    }
}

/// One file of the emitted crate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GeneratedFile {
    /// Relative to the crate root, `/`-separated.
    pub path: String,
    pub contents: String,
}

/// A generated crate and the warnings met on the way.
#[derive(Debug, Clone)]
pub struct Output {
    /// Sorted by path.
    pub files: Vec<GeneratedFile>,
    pub warnings: Vec<Diagnostic>,
    /// The other files the spec's `$ref`s named, each read once: paths
    /// relative to the spec's folder, `/`-separated, in the order first
    /// named. A build script reruns when any of them changes.
    pub read: Vec<String>,
}

/// Generates a crate from the text of a spec (YAML or JSON) that names no
/// other file. On any error, returns every diagnostic, located, and no
/// files.
pub fn generate(spec_text: &str, config: &Config) -> Result<Output, Diagnostics> {
    generate_with_files(spec_text, &NoFiles, config)
}

/// [`generate`] for a spec that may name other files in its `$ref`s: `files`
/// reads them, by paths relative to the spec's folder (`config.spec_name`
/// names the spec's own file).
pub fn generate_with_files(spec_text: &str, files: &dyn SpecFiles, config: &Config) -> Result<Output, Diagnostics> {
    let lowered = lowered(spec_text, files, config, |ir| emit::emit(ir, config))?;
    Ok(Output {
        files: lowered.out,
        warnings: lowered.warnings,
        read: lowered.read,
    })
}

/// A spec and the files it names as one document, in the spec's own
/// version: every other file's content placed in components (named as
/// their authors named them, or after their files) or where it was used.
#[derive(Debug, Clone)]
pub struct Bundled {
    pub document: serde_json::Value,
    pub warnings: Vec<Diagnostic>,
    /// The other files read, as in [`Output::read`].
    pub read: Vec<String>,
}

impl Bundled {
    /// The document as the text of a file: pretty JSON, or YAML.
    pub fn to_text(&self, json: bool) -> Result<String, String> {
        spec::document_text(&self.document, json)
    }
}

/// Reads a spec and the files its `$ref`s name into one document (the
/// `bundle` command), refusing it, with every problem located, when the
/// generator would refuse it.
pub fn bundle(spec_text: &str, files: &dyn SpecFiles, config: &Config) -> Result<Bundled, Diagnostics> {
    let mut document = None;
    let lowered = lowered_with(spec_text, files, config, &mut document, |_| Ok(()))?;
    let document = document.ok_or_else(|| {
        Diagnostics(vec![Diagnostic {
            severity: Severity::Error,
            file: config.spec_name.clone(),
            line: 0,
            column: 0,
            pointer: String::new(),
            message: "a CSDL document has no files to bundle: `convert` writes its OpenAPI document".to_owned(),
        }])
    })?;
    Ok(Bundled {
        document,
        warnings: lowered.warnings,
        read: lowered.read,
    })
}

/// What [`lowered`] gives: the emitter's output, the warnings, the other
/// files read.
pub(crate) struct Lowered<T> {
    pub(crate) out: T,
    pub(crate) warnings: Vec<Diagnostic>,
    pub(crate) read: Vec<String>,
}

/// Reads, checks and lowers a spec, then hands the IR to `emit`; every
/// problem on the way comes back located. `emit` fails only on a generator
/// bug, reported as an error.
pub(crate) fn lowered<T>(
    spec_text: &str,
    files: &dyn SpecFiles,
    config: &Config,
    emit: impl FnOnce(&ir::Ir) -> Result<T, String>,
) -> Result<Lowered<T>, Diagnostics> {
    lowered_with(spec_text, files, config, &mut None, emit)
}

/// [`lowered`], keeping the single document (every file placed in it,
/// before any rewrite) in `bundled` when it asks for it (`Some` of
/// anything); a CSDL document leaves it `None`.
fn lowered_with<T>(
    spec_text: &str,
    files: &dyn SpecFiles,
    config: &Config,
    bundled: &mut Option<serde_json::Value>,
    emit: impl FnOnce(&ir::Ir) -> Result<T, String>,
) -> Result<Lowered<T>, Diagnostics> {
    let spec_text = spec::without_bom(spec_text);
    // A CSDL document becomes an OpenAPI one first; what follows reads that.
    let (converted, early) = if csdl::is_csdl(spec_text) {
        let c = csdl::convert(spec_text, &config.spec_name, &config.csdl)?;
        let text = serde_json::to_string(&c.document).map_err(|e| {
            Diagnostics(vec![Diagnostic {
                severity: Severity::Error,
                file: config.spec_name.clone(),
                line: 0,
                column: 0,
                pointer: String::new(),
                message: format!("the converted document cannot be written: {e}"),
            }])
        })?;
        (Some(text), c.warnings)
    } else {
        (None, Vec::new())
    };
    let spec_text = converted.as_deref().unwrap_or(spec_text);
    let keep = converted.is_none();
    let mut lowered = lowered_openapi(spec_text, files, config, keep.then_some(bundled), emit)?;
    let mut all = early;
    all.append(&mut lowered.warnings);
    lowered.warnings = all;
    Ok(lowered)
}

fn lowered_openapi<T>(
    spec_text: &str,
    files: &dyn SpecFiles,
    config: &Config,
    bundled: Option<&mut Option<serde_json::Value>>,
    emit: impl FnOnce(&ir::Ir) -> Result<T, String>,
) -> Result<Lowered<T>, Diagnostics> {
    let (raw, sources) = match spec::files::bundle(spec_text, &config.spec_name, files, config.lenient) {
        Ok(read) => read,
        Err(spec::files::Unread::Syntax(e)) => return Err(spec::syntax_diagnostics(&config.spec_name, e)),
        Err(spec::files::Unread::Located(all)) => return Err(Diagnostics(all)),
    };
    let mut sink = Sink::default();
    if let Some(keep) = bundled {
        *keep = Some(raw.clone());
    }
    let read = sources.paths();
    let doc = match spec::read_value(raw, &mut sink, config.skip_unsupported, config.lenient) {
        Ok(doc) => doc,
        Err(e) if !e.message.is_empty() => {
            return Err(spec::syntax_diagnostics(&config.spec_name, e));
        }
        Err(_) => {
            return Err(Diagnostics(spec::locate(&sources, sink)));
        }
    };
    if sink.has_errors() {
        // Lowering finds what validation does not look for: report it in
        // the same run, leaving out what sits where validation already
        // found something (the same problem seen twice).
        let mut more = Sink {
            skipped: sink.skipped.clone(),
            ..Sink::default()
        };
        let _ = ir::lower(&doc.api, &mut more, config.skip_unsupported);
        let known: Vec<String> = sink
            .items
            .iter()
            .filter(|(s, _, _)| *s == Severity::Error)
            .map(|(_, p, _)| p.clone())
            .collect();
        let related = |p: &str| {
            known
                .iter()
                .any(|k| p == k || p.starts_with(&format!("{k}/")) || k.starts_with(&format!("{p}/")))
        };
        for (severity, pointer, message) in more.items {
            if severity == Severity::Error && !related(&pointer) {
                sink.items.push((severity, pointer, message));
            }
        }
        return Err(Diagnostics(spec::locate(&sources, sink)));
    }
    let ir = ir::lower(&doc.api, &mut sink, config.skip_unsupported);
    if sink.has_errors() {
        return Err(Diagnostics(spec::locate(&sources, sink)));
    }
    // The document's tree is the largest thing held: freed now, its memory
    // serves the emitter instead of fresh pages.
    drop(doc);
    match emit(&ir) {
        Ok(out) => Ok(Lowered {
            out,
            warnings: spec::locate(&sources, sink),
            read,
        }),
        Err(bug) => {
            sink.error("", bug);
            Err(Diagnostics(spec::locate(&sources, sink)))
        }
    }
}
