//! Other people's judges of what the converter writes: openapi-spec-validator
//! and Spectral (`spectral:oas`) find no error in the document of Business
//! Central's `$metadata` nor of any CSDL fixture, in 3.0 and in 3.1.
//!
//! The tools are found through `$OPENAPI_SPEC_VALIDATOR` and `$SPECTRAL`
//! (paths of their commands; `.ci/run` installs both), else on `PATH`; a
//! tool that is missing is skipped with a note.

use std::path::{Path, PathBuf};
use std::process::Command;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// The command named by `var`, else `name` if it runs.
fn tool(var: &str, name: &str) -> Option<String> {
    let cmd = std::env::var(var).unwrap_or_else(|_| name.to_owned());
    let runs = Command::new(&cmd)
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if runs {
        Some(cmd)
    } else {
        eprintln!("note: {name} is not installed (set ${var}); its check is skipped");
        None
    }
}

/// Every CSDL document we hold, converted in both OpenAPI versions, as files.
fn documents(dir: &Path) -> Vec<PathBuf> {
    let mut inputs = vec![root().join("spec/csdl/bc-v2.0-metadata.xml")];
    let fixtures = root().join("codegen/tests/fixtures/csdl");
    let mut more: Vec<PathBuf> = std::fs::read_dir(&fixtures)
        .expect("fixtures")
        .map(|e| e.expect("entry").path())
        .collect();
    more.sort();
    inputs.extend(more);
    let mut out = Vec::new();
    for input in inputs {
        let text = std::fs::read_to_string(&input).expect("read");
        let stem = input.file_stem().and_then(|s| s.to_str()).expect("name").to_owned();
        for version in [codegen::OpenApiVersion::V3_0, codegen::OpenApiVersion::V3_1] {
            let options = codegen::ConvertOptions {
                openapi: version,
                ..codegen::ConvertOptions::default()
            };
            let c = codegen::convert(&text, &stem, &options).expect("converts");
            let path = dir.join(format!("{stem}-{version:?}.yaml"));
            std::fs::write(&path, c.to_text(false).expect("yaml")).expect("write");
            out.push(path);
        }
    }
    out
}

fn tmp(name: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("tmp");
    dir
}

#[test]
fn openapi_spec_validator_finds_nothing() {
    let Some(validator) = tool("OPENAPI_SPEC_VALIDATOR", "openapi-spec-validator") else {
        return;
    };
    let dir = tmp("csdl-validator");
    for doc in documents(&dir) {
        let out = Command::new(&validator).arg(&doc).output().expect("runs");
        assert!(
            out.status.success(),
            "{}:\n{}{}",
            doc.display(),
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

#[test]
fn spectral_finds_no_error() {
    let Some(spectral) = tool("SPECTRAL", "spectral") else {
        return;
    };
    let dir = tmp("csdl-spectral");
    let ruleset = dir.join(".spectral.yaml");
    std::fs::write(&ruleset, "extends: [\"spectral:oas\"]\n").expect("ruleset");
    for doc in documents(&dir) {
        let out = Command::new(&spectral)
            .arg("lint")
            .arg(&doc)
            .arg("--ruleset")
            .arg(&ruleset)
            .args(["--format", "json", "--quiet"])
            .output()
            .expect("runs");
        let text = String::from_utf8_lossy(&out.stdout);
        let findings: serde_json::Value = serde_json::from_str(text.trim()).unwrap_or_else(|e| {
            panic!(
                "{}: Spectral's output is not JSON ({e}):\n{text}\n{}",
                doc.display(),
                String::from_utf8_lossy(&out.stderr)
            )
        });
        let errors: Vec<&serde_json::Value> = findings
            .as_array()
            .expect("a list")
            .iter()
            .filter(|f| f["severity"] == 0)
            .collect();
        assert!(errors.is_empty(), "{}: {errors:#?}", doc.display());
    }
}
