//! Generate a Rust async client from an OpenAPI 3.0 or 3.1 or Swagger 2.0
//! spec: models, a request builder per operation, typed errors by status,
//! paging streams, retries.
//!
//! Three ways in:
//! - the `openapi-client-gen` command (`cargo install --path
//!   openapi-client-gen`): `openapi-client-gen generate --spec api.yaml
//!   --out my-client` writes a standalone crate;
//! - a build script, with [`Build`]: the client becomes a module of your
//!   own crate, regenerated when the spec changes;
//! - [`generate`] and [`generate_module`] directly: text in, files or
//!   located diagnostics out, no file system ([`generate_with_files`] for a
//!   spec split over several files, with [`files::SpecFolder`] or a reader
//!   of your own).

mod script;

pub mod files;

pub use codegen::{
    Bundled, Config, Diagnostic, Diagnostics, FeatureGroups, GeneratedFile, ModuleOutput, NoFiles, Output,
    RuntimeSource, Severity, SpecFiles, bundle, generate, generate_module, generate_module_with_files,
    generate_with_files,
};
pub use script::{Build, BuildError};
