//! Where the sample specs are, and reading facts off a spec's text and
//! off the manifest of the crate it gives, for tests and benchmarks.

use std::path::{Path, PathBuf};

/// The folder of sample specs: other people's specs (BC v1.0, the
/// real-world ones) that tests and benchmarks read in place and never copy
/// into the project. `$SAMPLE_SPECS` when it is set (a relative path is
/// taken from the project's root), else `../shared/specs` beside the
/// project. A clone of the repository alone has no such folder: what needs
/// it is skipped, with a note.
pub fn sample_specs(root: &Path) -> PathBuf {
    match std::env::var_os("SAMPLE_SPECS") {
        Some(dir) if !dir.is_empty() => root.join(dir),
        _ => root.join("../shared/specs"),
    }
}

/// The spec files (`.yaml`, `.yml`, `.json`) of one folder of the sample
/// specs (`realworld`, `realworld-3.1`, …), sorted; none, with a note on
/// standard error, when it is absent.
pub fn sample_folder(root: &Path, folder: &str) -> Vec<PathBuf> {
    let dir = sample_specs(root).join(folder);
    let Ok(entries) = std::fs::read_dir(&dir) else {
        eprintln!("note: {} is absent; its sample specs are skipped", dir.display());
        return Vec::new();
    };
    let mut paths: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "yaml" || e == "yml" || e == "json"))
        .collect();
    paths.sort();
    paths
}

/// One sample spec's path and text, or `None` with a note on standard
/// error when it is not there.
pub fn sample_spec(root: &Path, name: &str) -> Option<(PathBuf, String)> {
    let path = sample_specs(root).join(name);
    match std::fs::read_to_string(&path) {
        Ok(text) => Some((path, text)),
        Err(e) => {
            eprintln!("note: the sample spec {} is skipped: {e}", path.display());
            None
        }
    }
}

/// The operations a spec declares: every method of every path item (of
/// `paths`, and of Azure's `x-ms-paths`).
pub fn declared_operations(text: &str) -> usize {
    let methods = ["get", "put", "post", "delete", "options", "head", "patch", "trace"];
    let count = |paths: Option<&serde_json::Map<String, serde_json::Value>>| -> usize {
        paths
            .map(|paths| {
                paths
                    .values()
                    .filter_map(|item| item.as_object())
                    .map(|item| item.keys().filter(|k| methods.contains(&k.as_str())).count())
                    .sum()
            })
            .unwrap_or(0)
    };
    let doc: Option<serde_json::Value> = if text.trim_start().starts_with('{') {
        serde_json::from_str(text).ok()
    } else {
        serde_yaml::from_str(text).ok()
    };
    if let Some(doc) = doc {
        return ["paths", "x-ms-paths"]
            .iter()
            .map(|k| count(doc.get(k).and_then(|p| p.as_object())))
            .sum();
    }
    // What serde's YAML reader refuses: integers beyond 64 bits, which
    // some published specs hold.
    let docs = yaml_rust2::YamlLoader::load_from_str(text).unwrap_or_default();
    let Some(doc) = docs.first() else { return 0 };
    ["paths", "x-ms-paths"]
        .iter()
        .map(|k| {
            doc[*k]
                .as_hash()
                .map(|paths| {
                    paths
                        .values()
                        .filter_map(|item| item.as_hash())
                        .map(|item| {
                            item.keys()
                                .filter(|k| k.as_str().is_some_and(|k| methods.contains(&k)))
                                .count()
                        })
                        .sum::<usize>()
                })
                .unwrap_or(0)
        })
        .sum()
}

/// The Cargo features of a generated crate's manifest text, `default` left
/// out, in the manifest's order.
pub fn manifest_features(manifest: &str) -> Vec<String> {
    let Some((_, table)) = manifest.split_once("\n[features]\n") else {
        return Vec::new();
    };
    table
        .lines()
        .take_while(|l| !l.starts_with('['))
        .filter(|l| !l.starts_with('#'))
        .filter_map(|l| l.split_once(" = ").map(|(k, _)| k.trim().to_owned()))
        .filter(|k| k != "default")
        .collect()
}
