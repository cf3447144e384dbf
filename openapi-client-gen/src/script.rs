//! The build-script API: the client as a module of the crate being built.

use std::path::{Path, PathBuf};

use codegen::{Config, Diagnostics};

/// Generates a client module from a spec in a build script.
///
/// ```no_run
/// // build.rs, in `fn main`:
/// openapi_client_gen::Build::new("api.yaml")
///     .module("api")
///     .generate()
///     .unwrap_or_else(|e| panic!("{e}"));
/// ```
///
/// ```ignore
/// // src/lib.rs
/// pub mod api {
///     include!(concat!(env!("OUT_DIR"), "/api.rs"));
/// }
/// ```
///
/// The including crate needs the dependencies a generated crate has
/// (`reqwest`, `serde`, `serde_json`, `futures`, `bytes`, `tokio`, and
/// `uuid` or `chrono` when the spec uses those formats); a missing one is
/// named by the compiler, and [`codegen::ModuleOutput::dependencies`] lists
/// them all.
#[derive(Debug, Clone)]
pub struct Build {
    spec: PathBuf,
    module: String,
    lenient: bool,
    skip_unsupported: bool,
}

/// Why a build script could not generate its module.
#[derive(Debug)]
pub enum BuildError {
    /// The spec or `OUT_DIR` could not be read or written.
    Io(String),
    /// The spec has problems, each located.
    Spec(Diagnostics),
}

impl std::fmt::Display for BuildError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            BuildError::Io(message) => f.write_str(message),
            BuildError::Spec(d) => write!(f, "the spec does not generate:\n{d}"),
        }
    }
}

impl std::error::Error for BuildError {}

impl Build {
    /// A spec path, relative to the crate's manifest (where build scripts
    /// run); the module is `api` until [`Build::module`] says otherwise.
    pub fn new(spec: impl Into<PathBuf>) -> Build {
        Build {
            spec: spec.into(),
            module: "api".to_owned(),
            lenient: false,
            skip_unsupported: false,
        }
    }

    /// The path, from the crate root, of the module that includes the
    /// generated file (`api`, `clients::billing`). The file is named after
    /// its last segment: `$OUT_DIR/billing.rs`.
    pub fn module(mut self, path: &str) -> Build {
        self.module = path.to_owned();
        self
    }

    /// Read plain mistakes of the spec's authors the closest way, each with
    /// a warning (see the command's `--lenient`).
    pub fn lenient(mut self, yes: bool) -> Build {
        self.lenient = yes;
        self
    }

    /// Leave out, with a warning, operations that use what the generator
    /// cannot express.
    pub fn skip_unsupported(mut self, yes: bool) -> Build {
        self.skip_unsupported = yes;
        self
    }

    /// Writes `$OUT_DIR/<module>.rs`, tells Cargo to run the build script
    /// again when the spec or any file its `$ref`s name changes, and passes
    /// each warning on as a Cargo warning. Returns the file written.
    pub fn generate(&self) -> Result<PathBuf, BuildError> {
        let out_dir = std::env::var_os("OUT_DIR")
            .map(PathBuf::from)
            .ok_or_else(|| BuildError::Io("OUT_DIR is not set: `Build::generate` runs in a build script".to_owned()))?;
        println!("cargo:rerun-if-changed={}", self.spec.display());
        let (path, read) = self.write(&out_dir)?;
        for line in self.rerun_lines(&read) {
            println!("{line}");
        }
        Ok(path)
    }

    /// What tells Cargo to rerun the build script when a file the spec
    /// names (`read`, relative to its folder) changes.
    fn rerun_lines(&self, read: &[String]) -> Vec<String> {
        let folder = self.spec.parent().unwrap_or(Path::new(""));
        read.iter()
            .map(|file| format!("cargo:rerun-if-changed={}", folder.join(file).display()))
            .collect()
    }

    /// [`Build::generate`] into a folder of your choice, printing nothing
    /// but the warnings.
    pub fn generate_into(&self, dir: &Path) -> Result<PathBuf, BuildError> {
        self.write(dir).map(|(path, _)| path)
    }

    /// The module written into `dir`, and the other files the spec named
    /// (relative to its folder).
    fn write(&self, dir: &Path) -> Result<(PathBuf, Vec<String>), BuildError> {
        let text = std::fs::read_to_string(&self.spec)
            .map_err(|e| BuildError::Io(format!("cannot read the spec {}: {e}", self.spec.display())))?;
        let spec_name = self.spec.display().to_string();
        let leaf = self.module.rsplit("::").next().unwrap_or("api").to_owned();
        let mut config = Config::new(&leaf.replace('_', "-"), &spec_name);
        config.command = "openapi_client_gen::Build".to_owned();
        config.lenient = self.lenient;
        config.skip_unsupported = self.skip_unsupported;
        let files = crate::files::SpecFolder::of(&self.spec);
        let out =
            codegen::generate_module_with_files(&text, &files, &config, &self.module).map_err(BuildError::Spec)?;
        for w in &out.warnings {
            println!("cargo:warning={w}");
        }
        let path = dir.join(format!("{leaf}.rs"));
        // Unchanged text is not rewritten, so nothing downstream rebuilds.
        if std::fs::read_to_string(&path).ok().as_deref() != Some(out.text.as_str()) {
            std::fs::write(&path, &out.text)
                .map_err(|e| BuildError::Io(format!("cannot write {}: {e}", path.display())))?;
        }
        Ok((path, out.read))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_file_the_spec_names_reruns_the_script() {
        let spec = Path::new(env!("CARGO_MANIFEST_DIR")).join("../codegen/tests/fixtures/multifile/openapi.yaml");
        let build = Build::new(&spec).module("pets");
        let dir = std::env::temp_dir().join(format!("script-multifile-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("mkdir");
        let (path, read) = build.write(&dir).expect("generates");
        assert!(
            std::fs::read_to_string(path)
                .expect("module")
                .contains("pub struct Owner")
        );
        let lines = build.rerun_lines(&read);
        assert_eq!(lines.len(), 8);
        let folder = spec.parent().expect("folder");
        assert!(lines.contains(&format!(
            "cargo:rerun-if-changed={}",
            folder.join("schemas/people/owner.yaml").display()
        )));
        assert!(lines.iter().all(|l| {
            let file = l.trim_start_matches("cargo:rerun-if-changed=");
            Path::new(file).is_file()
        }));
    }
}
