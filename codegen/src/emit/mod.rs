//! From the IR to the files of a crate (or, for a build script, one module).
//!
//! One rule decides how an item is written, and each kind of item has one
//! writer:
//!
//! - **Text**, through [`text::Code`]: every item written once per model
//!   or per operation, which is all of `models.rs` and `operations.rs` and
//!   nearly all of a large crate's lines (models of every kind with their
//!   impls, the defaults' functions, each operation's `Client` method,
//!   builder, `impl`s, error, headers and success types).
//! - **Tokens**, built with `quote!` and printed by prettyplease: what is
//!   written once per crate (`lib.rs`, or a build script module's head,
//!   with the `servers` module).
//!
//! An item is wholly one or the other: nothing is spliced from one into the
//! other. What both need is spelled once, as text (a type, a doc comment),
//! and the token items lex that text. prettyplease is the layout's judge:
//! [`layout`] breaks lines by its rules, so an item written as text comes
//! out as prettyplease prints it, and a test holds every emitted file to
//! be a fixed point of it (parse it, print it: nothing changes). Where
//! prettyplease's first print of some code is not its own fixed point (a
//! `return` arm, a closure body it puts in braces), the text is written as
//! prettyplease prints it when it reads it again. The runtime is copied as
//! written.
//!
//! Every writer reads a [`common::Ctx`]: the IR, the gates, how the prelude
//! is named in the file, and the root path emitted code starts from
//! (`crate`, or the module a build script includes the client in).

mod client;
pub(crate) mod common;
mod features;
mod layout;
mod models;
mod text;

use heck::ToShoutySnakeCase;
use proc_macro2::TokenStream;
use quote::quote;

use crate::ir::Ir;
use crate::{Config, GeneratedFile};

pub(crate) use common::Ctx;
use common::{doc_lines, ident, tokens};
pub(crate) use features::Gates;
use text::{Code, Meta};

/// Every emitted `.rs` file opts out of `cargo fmt`: it is laid out as
/// prettyplease prints (or copied as written), and `--check` compares bytes.
const SKIP_RUSTFMT: &str = "#![cfg_attr(rustfmt, rustfmt::skip)]";

/// The runtime crate's manifest: its `[dependencies]` are every generated
/// crate's.
const RUNTIME_MANIFEST: &str = include_str!("../../../runtime/Cargo.toml");

/// The runtime crate's package name, for a crate that depends on it.
const RUNTIME_PACKAGE: &str = "openapi-client-runtime";

/// The runtime crate's sources (`runtime/src`), embedded as written and
/// written as a generated crate's own runtime package (`runtime/src/`) or
/// copied into its `src/runtime/` (`lib.rs` as `mod.rs`).
pub(crate) const RUNTIME: &[(&str, &str)] = &[
    ("mod.rs", include_str!("../../../runtime/src/lib.rs")),
    ("auth.rs", include_str!("../../../runtime/src/auth.rs")),
    ("base64.rs", include_str!("../../../runtime/src/base64.rs")),
    ("call.rs", include_str!("../../../runtime/src/call.rs")),
    ("client.rs", include_str!("../../../runtime/src/client.rs")),
    ("encode.rs", include_str!("../../../runtime/src/encode.rs")),
    ("multipart.rs", include_str!("../../../runtime/src/multipart.rs")),
    ("error.rs", include_str!("../../../runtime/src/error.rs")),
    ("etag.rs", include_str!("../../../runtime/src/etag.rs")),
    ("events.rs", include_str!("../../../runtime/src/events.rs")),
    ("nullable.rs", include_str!("../../../runtime/src/nullable.rs")),
    ("object.rs", include_str!("../../../runtime/src/object.rs")),
    ("paging.rs", include_str!("../../../runtime/src/paging.rs")),
    ("sign_in.rs", include_str!("../../../runtime/src/sign_in.rs")),
];

/// The lints a generated crate allows at its root (a build script's module,
/// on each of its modules): what spec-derived code cannot always avoid.
pub(crate) const ALLOWED_LINTS: &[&str] = &[
    "clippy::too_many_arguments",
    "clippy::type_complexity",
    "clippy::should_implement_trait",
    "clippy::large_enum_variant",
    "clippy::result_large_err",
    "clippy::derive_partial_eq_without_eq",
    "clippy::doc_lazy_continuation",
    "clippy::doc_overindented_list_items",
    "clippy::needless_lifetimes",
    "clippy::redundant_closure",
    "rustdoc::bare_urls",
    "rustdoc::broken_intra_doc_links",
    "rustdoc::invalid_html_tags",
    "rustdoc::invalid_rust_codeblocks",
];

/// The crate's files.
pub(crate) fn emit(ir: &Ir, config: &Config) -> Result<Vec<GeneratedFile>, String> {
    emit_in_parts(ir, config, PART_SIZES)
}

/// The texts of a crate's source files, each in the pieces that follow
/// one another in it, for a crate (`root` is `crate`) or a build script's
/// module (`root` names it). A large spec's files are megabytes: they are
/// put together once, into a buffer of their size ([`join`]).
struct Sources {
    lib: Vec<String>,
    models: Vec<String>,
    operations: Vec<String>,
}

/// `head` then `pieces`, into one string sized once.
fn join(head: &str, pieces: &[String]) -> String {
    let mut out = String::with_capacity(head.len() + pieces.iter().map(String::len).sum::<usize>());
    out.push_str(head);
    pieces.iter().for_each(|p| out.push_str(p));
    out
}

/// Writes models and operations in runs of the given sizes, on a few
/// threads, and joins the runs into the files' texts.
fn sources(ir: &Ir, config: &Config, gates: &features::Gates, root: &str, sizes: PartSizes) -> Result<Sources, String> {
    let module = root != "crate";
    let krate = config.crate_name.replace('-', "_");
    // The prelude is named unqualified where no model shadows it; the
    // operations module never does (its names avoid the prelude's).
    let models_short = !ir.types.iter().any(|t| common::PRELUDE.contains(&t.name.as_str()));
    let ctx = Ctx {
        ir,
        gates,
        short: true,
        root,
        krate: &krate,
        module,
    };
    let mut parts: Vec<Part<'_>> = vec![Box::new(move || {
        let lib = if module {
            tokens_text("the module", lib_items(ctx.with_short(models_short), config))?
        } else {
            tokens_text("src/lib.rs", lib_rs(ctx.with_short(models_short), config))?
        };
        Ok(vec![(Section::Lib, lib)])
    })];
    for (i, types) in runs(&ir.types, sizes.types).into_iter().enumerate() {
        parts.push(Box::new(move || {
            let (models, defaults) = models::models(ctx.with_short(models_short), types, i == 0);
            Ok(vec![(Section::Models, models), (Section::Defaults, defaults.concat())])
        }));
    }
    for ops in runs(&ir.operations, sizes.operations) {
        parts.push(Box::new(move || {
            let methods = client::client_methods(ctx, ops);
            let builders = client::builders(ctx, ops);
            Ok(vec![(Section::Methods, methods), (Section::Builders, builders)])
        }));
    }
    let mut texts: Vec<(Section, String)> = Vec::with_capacity(2 * parts.len());
    for formatted in run_parts(&parts) {
        texts.extend(formatted?);
    }
    let mut lib = Vec::new();
    let mut models = Vec::new();
    let mut defaults = Vec::new();
    let mut methods = Vec::new();
    let mut builders = Vec::new();
    for (section, text) in texts {
        match section {
            Section::Lib => lib.push(text),
            Section::Models => models.push(text),
            Section::Defaults if text.is_empty() => {}
            Section::Defaults => defaults.push(text),
            Section::Methods => methods.push(text),
            Section::Builders => builders.push(text),
        }
    }
    if !defaults.is_empty() {
        models.extend(models::defaults_module(defaults));
    }
    let mut operations = client::client_block(ctx, methods);
    operations.extend(builders);
    Ok(Sources {
        lib,
        models,
        operations,
    })
}

/// `emit`, writing models and operations in runs of the given sizes.
fn emit_in_parts(ir: &Ir, config: &Config, sizes: PartSizes) -> Result<Vec<GeneratedFile>, String> {
    let header = format!(
        "// @generated by `{}` from `{}`. Do not edit by hand.\n",
        config.command, config.spec_name
    );
    let runtime_header = format!(
        "// @generated by `{}`: copied from the runtime crate (runtime/src). Do not edit by hand.\n",
        config.command
    );
    let gates = features::plan(ir, config.features);
    let sources = sources(ir, config, &gates, "crate", sizes)?;
    let mut files = vec![GeneratedFile {
        path: "Cargo.toml".to_owned(),
        contents: cargo_toml(ir, config, &gates),
    }];
    let head = format!("{header}{SKIP_RUSTFMT}\n");
    for (path, pieces) in [
        ("src/lib.rs", sources.lib),
        ("src/models.rs", sources.models),
        ("src/operations.rs", sources.operations),
    ] {
        files.push(GeneratedFile {
            path: path.to_owned(),
            contents: join(&head, &pieces),
        });
    }
    let runtime_dir = match &config.runtime {
        crate::RuntimeSource::Module => Some("src/runtime"),
        crate::RuntimeSource::SubCrate => {
            files.push(GeneratedFile {
                path: "runtime/Cargo.toml".to_owned(),
                contents: runtime_cargo_toml(config),
            });
            Some("runtime/src")
        }
        crate::RuntimeSource::Path(_) => None,
    };
    if let Some(dir) = runtime_dir {
        for (name, text) in RUNTIME {
            // The runtime's `lib.rs` is a module's `mod.rs` when copied in.
            let name = match (*name, &config.runtime) {
                ("mod.rs", crate::RuntimeSource::SubCrate) => "lib.rs",
                (name, _) => name,
            };
            files.push(GeneratedFile {
                path: format!("{dir}/{name}"),
                contents: format!("{runtime_header}{SKIP_RUSTFMT}\n{}", normalize(text)),
            });
        }
    }
    files.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(files)
}

/// What a build script's module is made of: the crate's sources with every
/// path rooted at the module, the dependencies its crate needs, and the
/// recursion limit the including crate must set (if any).
pub(crate) struct ModuleParts {
    pub(crate) lib_items: String,
    pub(crate) models: String,
    pub(crate) operations: String,
    pub(crate) dependencies: String,
    pub(crate) recursion_limit: Option<usize>,
}

/// The parts of the crate as a module at `root` (`crate::api`): no Cargo
/// features (`cfg(feature = ..)` would read the including crate's), the
/// runtime a module of it.
pub(crate) fn module_parts(ir: &Ir, config: &Config, root: &str) -> Result<ModuleParts, String> {
    let config = Config {
        features: crate::FeatureGroups::None,
        runtime: crate::RuntimeSource::Module,
        ..config.clone()
    };
    let gates = features::plan(ir, config.features);
    let sources = sources(ir, &config, &gates, root, PART_SIZES)?;
    let cargo = cargo_toml(ir, &config, &gates);
    let dependencies = cargo
        .split("\n[")
        .find(|t| t.starts_with("dependencies]"))
        .map(|t| format!("[{}", t.trim_end()))
        .unwrap_or_default();
    Ok(ModuleParts {
        lib_items: join("", &sources.lib),
        models: join("", &sources.models),
        operations: join("", &sources.operations),
        dependencies,
        recursion_limit: recursion_limit(crate::ir::nesting_depth(&ir.types)),
    })
}

/// `#[allow(..)]` of the lints a generated crate allows, laid out as an
/// outer attribute.
pub(crate) fn allow_attr(lints: &[&str]) -> String {
    let mut c = Code::new();
    c.attr(&Meta::List(
        "allow".to_owned(),
        lints.iter().map(|l| Meta::Word((*l).to_owned())).collect(),
    ));
    c.take(0)
}

/// How many models, and how many operations, are written as one part.
/// Parts are small enough that two cores share the work evenly and that a
/// large spec's writers' buffers are never all held at once (PagerDuty's
/// crate is 250,000 lines), large enough that each part's fixed cost stays
/// small.
const PART_SIZES: PartSizes = PartSizes {
    types: 16,
    operations: 6,
};

#[derive(Debug, Clone, Copy)]
struct PartSizes {
    types: usize,
    operations: usize,
}

/// One part of the emitted files, built and laid out on its own: the text
/// of each section it adds to.
type Part<'a> = Box<dyn Fn() -> Formatted + Send + Sync + 'a>;

/// What a part gives: the text of each section it adds to.
type Formatted = Result<Vec<(Section, String)>, String>;

/// A stretch of the files that parts add to, in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Section {
    /// `lib.rs`, whole (a module's items, for a build script).
    Lib,
    /// The models, one after another.
    Models,
    /// The functions of `models::defaults`, one level in.
    Defaults,
    /// The methods of the `impl Client` block, one level in.
    Methods,
    /// The operations' items, one after another.
    Builders,
}

/// `items` cut into runs of `size`; one empty run when there are none, so
/// that what the first run carries (a file's own doc) is always emitted.
fn runs<T>(items: &[T], size: usize) -> Vec<&[T]> {
    if items.is_empty() {
        return vec![items];
    }
    items.chunks(size).collect()
}

/// Runs every part on a few threads (one per core, at most as many as
/// parts), each taking the next part not yet taken; the results come back
/// in the parts' order. Each part has its own writer; only text comes
/// back.
fn run_parts(parts: &[Part<'_>]) -> Vec<Formatted> {
    let next = std::sync::atomic::AtomicUsize::new(0);
    let threads = std::thread::available_parallelism()
        .map_or(2, |n| n.get())
        .clamp(1, parts.len().max(1));
    let work = || {
        let mut mine = Vec::new();
        loop {
            let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            let Some(part) = parts.get(i) else { break };
            mine.push((i, part()));
        }
        mine
    };
    // The calling thread is one of the workers: its allocator already holds
    // the memory that reading and lowering the spec freed.
    let mut done: Vec<(usize, Formatted)> = std::thread::scope(|scope| {
        let bug = |_| vec![(usize::MAX, Err("generator bug: a formatter thread panicked".to_owned()))];
        let helpers: Vec<_> = (1..threads).map(|_| scope.spawn(work)).collect();
        // A panic here is a bug reported as one, as a helper's is.
        let mut done = std::panic::catch_unwind(std::panic::AssertUnwindSafe(work)).unwrap_or_else(bug);
        for helper in helpers {
            done.extend(helper.join().unwrap_or_else(bug));
        }
        done
    });
    done.sort_by_key(|(i, _)| *i);
    done.into_iter().map(|(_, r)| r).collect()
}

/// LF line endings, whatever the checkout did to the embedded files.
pub(crate) fn normalize(text: &str) -> String {
    text.replace("\r\n", "\n")
}

/// Items built as tokens, as prettyplease prints them.
fn tokens_text(path: &str, items: TokenStream) -> Result<String, String> {
    let file = syn::parse2::<syn::File>(items)
        .map_err(|e| format!("generator bug: the code emitted for {path} does not parse: {e}"))?;
    Ok(prettyplease::unparse(&file))
}

fn cargo_toml(ir: &Ir, config: &Config, gates: &features::Gates) -> String {
    let description = format!(
        "Async client for {} {}, generated from its OpenAPI spec",
        ir.title, ir.version
    )
    .replace('\\', "\\\\")
    .replace('"', "\\\"");
    let mut deps = runtime_dependencies();
    match &config.runtime {
        crate::RuntimeSource::Module => {}
        crate::RuntimeSource::SubCrate => deps.push(format!(
            "{RUNTIME_PACKAGE} = {{ package = \"{}\", path = \"runtime\" }}",
            runtime_package(config)
        )),
        crate::RuntimeSource::Path(path) => deps.push(format!(
            "{RUNTIME_PACKAGE} = {{ path = \"{}\" }}",
            path.replace('\\', "/").replace('"', "\\\"")
        )),
    }
    if ir.uses.uuid {
        deps.push("uuid = { version = \"1\", features = [\"serde\"] }".to_owned());
    }
    if ir.uses.chrono {
        deps.push(
            "chrono = { version = \"0.4\", default-features = false, features = [\"serde\", \"std\"] }".to_owned(),
        );
    }
    deps.sort();
    let mut features = String::new();
    if !gates.features.is_empty() {
        features.push_str("\n[features]\n# Every operation by default; with `default-features = false`, only\n# those of the features listed, and the models they reach, are compiled.\n");
        let all: Vec<String> = gates.features.iter().map(|f| format!("\"{}\"", f.name)).collect();
        features.push_str(&format!("default = [{}]\n", all.join(", ")));
        for f in &gates.features {
            features.push_str(&format!("# {}\n{} = []\n", f.about.replace('\n', " "), f.name));
        }
    }
    let workspace = if config.standalone {
        "\n# A crate of its own, not a member of an enclosing workspace.\n[workspace]\n"
    } else {
        ""
    };
    format!(
        "# @generated by `{command}` from `{spec}`. Do not edit by hand.\n[package]\nname = \"{name}\"\nversion = \"{version}\"\nedition = \"2024\"\nrust-version = \"1.85\"\ndescription = \"{description}\"\npublish = false\n\n[dependencies]\n{deps}\n\n[dev-dependencies]\ntokio = {{ version = \"1\", features = [\"macros\", \"rt-multi-thread\"] }}\n{features}{workspace}",
        command = config.command,
        spec = config.spec_name,
        name = config.crate_name,
        version = config.crate_version,
        deps = deps.join("\n"),
    )
}

/// The package name of a crate's own runtime (`RuntimeSource::SubCrate`):
/// its own name, so that two generated crates in one workspace never hold
/// two packages of one name.
fn runtime_package(config: &Config) -> String {
    format!("{}-runtime", config.crate_name)
}

/// The manifest of a crate's own runtime package, in `runtime/`: the
/// runtime crate's dependencies, and the crate's version.
fn runtime_cargo_toml(config: &Config) -> String {
    format!(
        "# @generated by `{command}`: the runtime of `{name}`, copied from the runtime crate (runtime/). Do not edit by hand.\n[package]\nname = \"{package}\"\nversion = \"{version}\"\nedition = \"2024\"\nrust-version = \"1.85\"\ndescription = \"The runtime of {name}: HTTP execution with auth, timeouts and retries, typed errors, entity tags, tri-state fields, paging\"\npublish = false\n\n[dependencies]\n{deps}\n",
        command = config.command,
        name = config.crate_name,
        package = runtime_package(config),
        version = config.crate_version,
        deps = runtime_dependencies().join("\n"),
    )
}

/// The `[dependencies]` lines of the runtime's manifest.
fn runtime_dependencies() -> Vec<String> {
    let mut in_table = false;
    let mut out = Vec::new();
    for line in RUNTIME_MANIFEST.lines() {
        let line = line.trim();
        if line.starts_with('[') {
            in_table = line == "[dependencies]";
            continue;
        }
        if in_table && !line.is_empty() && !line.starts_with('#') {
            out.push(line.to_owned());
        }
    }
    out
}

/// The names the runtime makes public to users: every name of the `pub
/// use` lines in the block its `lib.rs` marks `// public:`.
fn runtime_public_names() -> Vec<String> {
    let lib = RUNTIME.iter().find(|(n, _)| *n == "mod.rs").map_or("", |(_, t)| *t);
    let mut names = Vec::new();
    let mut in_block = false;
    for line in lib.lines() {
        let line = line.trim();
        if line.starts_with("// public:") {
            in_block = true;
            continue;
        }
        if !in_block || line.starts_with("//") {
            continue;
        }
        let Some(path) = line.strip_prefix("pub use ").and_then(|l| l.strip_suffix(';')) else {
            break;
        };
        match path.split_once('{') {
            Some((_, list)) => names.extend(
                list.trim_end_matches('}')
                    .split(',')
                    .map(str::trim)
                    .filter(|n| !n.is_empty())
                    .map(str::to_owned),
            ),
            None => names.extend(path.rsplit("::").next().map(str::to_owned)),
        }
    }
    names.sort();
    names
}

/// The recursion limit a crate whose types nest `depth` deep needs, when
/// the default (128) is not enough. Drop-check takes about one step per
/// level that `nesting_depth` counts (a type or a wrapper): measured, a
/// chain of 150 schemas each holding a list of the next (depth 300) fails
/// at 256 and builds at 320. A margin for the response and error types
/// around the deepest one, then the next power of two.
fn recursion_limit(depth: usize) -> Option<usize> {
    (depth + 32 > 128).then(|| (depth + 64).next_power_of_two().max(256))
}

/// `lib.rs`: the crate's docs and lint allowances, its modules, and its
/// items ([`lib_items`]).
fn lib_rs(ctx: Ctx<'_>, config: &Config) -> TokenStream {
    let ir = ctx.ir;
    let mut doc = format!("# {} {}\n\n", ir.title.trim(), ir.version.trim());
    if let Some(d) = &ir.description {
        doc.push_str(d.trim());
        doc.push_str("\n\n");
    }
    doc.push_str(&format!(
        "A client generated from `{}`: the schemas are in [`models`], one request builder per operation in [`operations`], each started from a [`Client`] method.\n\n",
        config.spec_name
    ));
    if !ir.servers.is_empty() {
        doc.push_str("## Servers\n\nThe spec's servers are in [`servers`]:\n\n");
        for s in &ir.servers {
            let link = if s.variables.is_empty() {
                format!("[`servers::{}`]", s.ident.to_shouty_snake_case())
            } else {
                format!("[`servers::{}`]", s.ident)
            };
            doc.push_str(&format!("- `{}`, {link}\n", s.url.replace('`', "'")));
        }
        doc.push('\n');
    }
    if let Some(first) = ctx.gates.features.first() {
        doc.push_str(&format!(
            "## Features\n\nEach Cargo feature compiles a part of the operations and the models they reach; all are on by default. A project that calls only some operations compiles faster with `default-features = false, features = [\"{}\"]`:\n\n",
            first.name
        ));
        for f in &ctx.gates.features {
            doc.push_str(&format!("- `{}`: {}\n", f.name, f.about));
        }
        doc.push('\n');
    }
    if !ir.security_schemes.is_empty() {
        doc.push_str("## Authentication\n\n");
        for s in &ir.security_schemes {
            doc.push_str(&format!("- `{}`: {}\n", s.name, s.description));
        }
        doc.push('\n');
    }
    let lines = doc_lines(&doc);
    // Deeply nested types (a chain of a hundred schemas each holding a list
    // of the next) overflow rustc's drop-check at its default recursion
    // limit of 128 (E0320): raise it to what the deepest chain needs.
    let recursion = recursion_limit(crate::ir::nesting_depth(&ir.types)).map(|n| {
        let n = n.to_string();
        quote!(#![recursion_limit = #n])
    });
    let runtime = match &config.runtime {
        crate::RuntimeSource::Module => quote!(
            mod runtime;
        ),
        crate::RuntimeSource::SubCrate | crate::RuntimeSource::Path(_) => {
            let krate = ident(&RUNTIME_PACKAGE.replace('-', "_"));
            quote!(use ::#krate as runtime;)
        }
    };
    let lints: Vec<TokenStream> = ALLOWED_LINTS.iter().map(|l| tokens(l)).collect();
    let items = lib_items(ctx, config);
    quote! {
        #(#![doc = #lines])*
        #recursion
        #![allow(#(#lints),*)]

        pub mod models;
        pub mod operations;
        #runtime

        #items
    }
}

/// The items of `lib.rs` after its modules: the models' and the runtime's
/// names re-exported, the crate's own `Client` (when the runtime is a
/// dependency), the servers.
fn lib_items(ctx: Ctx<'_>, config: &Config) -> TokenStream {
    let ir = ctx.ir;
    // With the runtime copied in, its `Client` is the crate's and carries
    // the operations; with the runtime a dependency, the crate wraps it in
    // a `Client` of its own (a type from another crate takes no methods).
    let own_client = match &config.runtime {
        crate::RuntimeSource::Module => TokenStream::new(),
        crate::RuntimeSource::SubCrate | crate::RuntimeSource::Path(_) => quote! {
            /// The API client: the runtime's [`runtime::Client`] (which it
            /// dereferences to), with a method per operation. Cheap to
            /// clone; clones share connections.
            #[derive(Clone, Debug)]
            pub struct Client(runtime::Client);

            impl Client {
                /// A client for `base_url` with no credentials and the default settings.
                pub fn new(base_url: &str) -> ::std::result::Result<Client, ClientBuildError> {
                    Self::builder(base_url).build()
                }

                pub fn builder(base_url: &str) -> ClientBuilder<Client> {
                    ClientBuilder::new(base_url)
                }
            }

            impl ::std::convert::From<runtime::Client> for Client {
                fn from(client: runtime::Client) -> Client {
                    Client(client)
                }
            }

            impl ::std::ops::Deref for Client {
                type Target = runtime::Client;
                fn deref(&self) -> &runtime::Client {
                    &self.0
                }
            }
        },
    };
    let public: Vec<_> = runtime_public_names()
        .iter()
        .filter(|n| config.runtime == crate::RuntimeSource::Module || n.as_str() != "Client")
        .map(|n| ident(n))
        .collect();
    // With some features off, every model may be compiled out.
    let glob_allow = (!ctx.gates.features.is_empty()).then(|| quote!(#[allow(unused_imports)]));
    let glob = (!ir.types.is_empty()).then(|| {
        quote!(
            #glob_allow
            pub use models::*;
        )
    });
    let servers = servers_mod(ir);
    let security = security_mod(ir);
    quote! {
        #glob
        pub use runtime::{ #(#public),* };
        #own_client

        #servers
        #security
    }
}

/// `security`: a function per security scheme that makes its credential
/// for `ClientBuilder::sign_in`, and one per client-credentials flow that
/// signs in.
fn security_mod(ir: &Ir) -> TokenStream {
    use crate::ir::{KeyLocation, SchemeKind};
    if ir.security_schemes.is_empty() {
        return TokenStream::new();
    }
    let rt = quote!(super::runtime);
    let items = ir.security_schemes.iter().map(|s| {
        let name = &s.name;
        let f = ident(&s.ident);
        let lines = doc_lines(&format!("`{}`: {}.", name.replace('`', "'"), s.description));
        match &s.kind {
            SchemeKind::Basic => quote! {
                #(#[doc = #lines])*
                pub fn #f(
                    user: impl ::std::convert::Into<::std::string::String>,
                    password: ::std::option::Option<::std::string::String>,
                ) -> #rt::SchemeCredential {
                    #rt::SchemeCredential::new(#name, #rt::Credential::Basic { user: user.into(), password })
                }
            },
            SchemeKind::ApiKey { name: key, location } => {
                let location = match location {
                    KeyLocation::Header => quote!(Header),
                    KeyLocation::Query => quote!(Query),
                    KeyLocation::Cookie => quote!(Cookie),
                };
                quote! {
                    #(#[doc = #lines])*
                    pub fn #f(key: impl ::std::convert::Into<::std::string::String>) -> #rt::SchemeCredential {
                        #rt::SchemeCredential::new(
                            #name,
                            #rt::Credential::ApiKey {
                                name: #key.to_owned(),
                                location: #rt::KeyIn::#location,
                                value: key.into(),
                            },
                        )
                    }
                }
            }
            SchemeKind::Token { client_credentials } => {
                let sign_in = client_credentials.as_ref().map(|flow| {
                    let g = ident(&flow.ident);
                    let args: Vec<_> = flow.slots.iter().map(|(_, p)| ident(p)).collect();
                    let steps = flow.template.iter().map(|part| match part {
                        crate::template::Part::Literal(text) if text.chars().count() == 1 => {
                            let c = text.chars().next();
                            quote!(url.push(#c);)
                        }
                        crate::template::Part::Literal(text) => quote!(url.push_str(#text);),
                        crate::template::Part::Slot(slot) => {
                            let arg = flow.slots.iter().find(|(s, _)| s == slot).map(|(_, p)| ident(p));
                            quote!(#rt::push_path_segment(&mut url, #arg, false);)
                        }
                    });
                    let scopes = &flow.scopes;
                    let scopes = (!scopes.is_empty()).then(|| quote!(.scopes([#(#scopes),*])));
                    let basic = flow.basic.then(|| quote!(.basic_auth(true)));
                    let mut doc = format!(
                        "Signs in for `{}` with the OAuth 2.0 client-credentials flow: a token provider that fetches tokens at `{}`",
                        name.replace('`', "'"),
                        flow.token_url.replace('`', "'")
                    );
                    if !flow.scopes.is_empty() {
                        let listed: Vec<String> = flow.scopes.iter().map(|s| format!("`{}`", s.replace('`', "'"))).collect();
                        doc.push_str(&format!(" for {}", listed.join(", ")));
                    }
                    for (slot, p) in &flow.slots {
                        doc.push_str(&format!(", `{p}` taking the place of `{{{slot}}}`"));
                    }
                    doc.push_str(
                        ", keeps each until shortly before it expires, and renews it after a 401. Pass it to [`",
                    );
                    doc.push_str(&s.ident);
                    doc.push_str("`]; `.token_url(..)` sends the sign-in elsewhere (a test server).");
                    let lines = doc_lines(&doc);
                    quote! {
                        #(#[doc = #lines])*
                        pub fn #g(
                            client_id: impl ::std::convert::Into<::std::string::String>,
                            client_secret: impl ::std::convert::Into<::std::string::String>,
                            #(#args: &str),*
                        ) -> #rt::ClientCredentials {
                            let mut url = ::std::string::String::new();
                            #(#steps)*
                            #rt::ClientCredentials::new(url, client_id, client_secret) #scopes #basic
                        }
                    }
                });
                quote! {
                    #(#[doc = #lines])*
                    pub fn #f(credential: impl ::std::convert::Into<#rt::Credential>) -> #rt::SchemeCredential {
                        #rt::SchemeCredential::new(#name, credential)
                    }
                    #sign_in
                }
            }
        }
    });
    quote! {
        /// The spec's security schemes: a function per scheme that makes its
        /// credential, for [`ClientBuilder::sign_in`](super::ClientBuilder::sign_in).
        /// A client holds one credential per scheme; each operation sends
        /// those its security requirement names.
        pub mod security {
            #(#items)*
        }
    }
}

fn servers_mod(ir: &Ir) -> TokenStream {
    if ir.servers.is_empty() {
        return TokenStream::new();
    }
    let items: Vec<TokenStream> = ir
        .servers
        .iter()
        .map(|s| {
            let mut doc = s.description.clone().unwrap_or_default();
            if s.variables.is_empty() {
                let name = ident(&s.ident.to_shouty_snake_case());
                let url = &s.url;
                let lines = doc_lines(&doc);
                return quote! {
                    #(#[doc = #lines])*
                    pub const #name: &str = #url;
                };
            }
            doc.push_str(&format!("\n\n`{}`", s.url.replace('`', "'")));
            for v in &s.variables {
                doc.push_str(&format!(
                    "\n- `{}`: {} (default `{}`)",
                    v.ident,
                    v.description.as_deref().unwrap_or("").trim(),
                    v.default
                ));
            }
            let lines = doc_lines(&doc);
            let name = ident(&s.ident);
            let args: Vec<_> = s.variables.iter().map(|v| ident(&v.ident)).collect();
            // The template with each `{var}` replaced by a positional `{}`.
            let mut fmt = String::new();
            let mut order = Vec::new();
            for part in &s.template {
                match part {
                    crate::template::Part::Literal(text) => fmt.push_str(&text.replace('{', "{{").replace('}', "}}")),
                    crate::template::Part::Slot(var) => match s.variables.iter().find(|v| v.name == *var) {
                        Some(v) => {
                            fmt.push_str("{}");
                            order.push(ident(&v.ident));
                        }
                        None => fmt.push_str(&format!("{{{{{var}}}}}")),
                    },
                }
            }
            let body = match order.as_slice() {
                // The whole URL is one variable (Azure's `{vaultBaseUrl}`).
                [only] if fmt == "{}" => quote!(#only.to_owned()),
                _ => quote!(format!(#fmt, #(#order),*)),
            };
            quote! {
                #(#[doc = #lines])*
                pub fn #name(#(#args: &str),*) -> ::std::string::String {
                    #body
                }
            }
        })
        .collect();
    quote! {
        /// The servers the spec lists.
        pub mod servers {
            #(#items)*
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A file added to the runtime is embedded too (a generated crate
    /// without it would not build).
    #[test]
    fn every_runtime_file_is_embedded() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../runtime/src");
        let mut files: Vec<String> = std::fs::read_dir(dir)
            .expect("runtime/src")
            .map(|e| {
                e.expect("entry")
                    .file_name()
                    .to_string_lossy()
                    .replace("lib.rs", "mod.rs")
            })
            .collect();
        files.sort();
        let mut embedded: Vec<String> = RUNTIME.iter().map(|(n, _)| (*n).to_owned()).collect();
        embedded.sort();
        assert_eq!(files, embedded);
    }

    #[test]
    fn deep_nesting_raises_the_recursion_limit() {
        assert_eq!(recursion_limit(10), None);
        assert_eq!(recursion_limit(96), None);
        // 150 schemas each holding a list of the next: depth 300, which
        // fails at 256 and builds at 320 (measured).
        assert_eq!(recursion_limit(300), Some(512));
        assert_eq!(recursion_limit(600), Some(1024));
    }

    /// Writing in parts and joining them gives the text writing each file
    /// whole gives: items one by one, the methods' block and the defaults'
    /// module gathered from every part.
    #[test]
    fn parts_join_into_the_whole_file() {
        for (name, text) in [
            (
                "customer-contacts.yaml",
                include_str!("../../../spec/customer-contacts.yaml"),
            ),
            ("formats.yaml", include_str!("../../tests/fixtures/formats.yaml")),
            ("params.yaml", include_str!("../../tests/fixtures/params.yaml")),
            ("responses.yaml", include_str!("../../tests/fixtures/responses.yaml")),
        ] {
            let mut sink = crate::diag::Sink::default();
            let doc = crate::spec::read(text, &mut sink, false, false).expect(name);
            let ir = crate::ir::lower(&doc.api, &mut sink, false);
            assert!(!sink.has_errors(), "{name}");
            let config = Config::new("probe", name);
            let whole = PartSizes {
                types: usize::MAX,
                operations: usize::MAX,
            };
            let whole = emit_in_parts(&ir, &config, whole).expect(name);
            for (types, operations) in [(1, 1), (2, 3), (5, 2)] {
                let parts = emit_in_parts(&ir, &config, PartSizes { types, operations }).expect(name);
                assert_eq!(
                    parts, whole,
                    "{name} in runs of {types} types and {operations} operations"
                );
            }
        }
    }
}
