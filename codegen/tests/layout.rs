//! prettyplease is the judge of the emitted code's layout: every `.rs` file
//! the generator writes for a crate is a fixed point of it (parsed and
//! printed again, nothing changes), whether an item was written as text or
//! printed from tokens. Checked for every fixture, our spec, and every
//! sample spec (BC v1.0 and the real-world ones, when their folder is
//! there), with features and without. The runtime's files are copied as
//! written (hand-formatted, with comments prettyplease would drop), and a
//! build script's module inlines the crate's files as they are: neither is
//! judged.

#[path = "support/specs.rs"]
#[allow(dead_code)]
mod specs;

use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// The first lines where `file` and prettyplease's print of it differ, or
/// `None` when it is a fixed point.
fn not_fixed(path: &str, contents: &str) -> Option<String> {
    // The header comment is the only thing prettyplease does not print.
    let body = contents
        .split_once('\n')
        .filter(|(first, _)| first.starts_with("// @generated"))
        .map_or(contents, |(_, rest)| rest);
    let file = match syn::parse_file(body) {
        Ok(f) => f,
        Err(e) => return Some(format!("{path} does not parse: {e}")),
    };
    let printed = prettyplease::unparse(&file);
    if printed == body {
        return None;
    }
    let ours: Vec<&str> = body.lines().collect();
    let theirs: Vec<&str> = printed.lines().collect();
    let at = ours
        .iter()
        .zip(&theirs)
        .position(|(a, b)| a != b)
        .unwrap_or(ours.len().min(theirs.len()));
    let show = |lines: &[&str]| lines[at.min(lines.len())..(at + 4).min(lines.len())].join("\n");
    Some(format!(
        "{path}, line {}:\n--- emitted\n{}\n--- prettyplease\n{}",
        at + 2,
        show(&ours),
        show(&theirs)
    ))
}

/// Every problem with the files of one spec's crate, with and without
/// features.
fn check(name: &str, text: &str) -> Vec<String> {
    let mut problems = Vec::new();
    for features in [codegen::FeatureGroups::Tags, codegen::FeatureGroups::None] {
        let mut config = codegen::Config::new("probe", name);
        config.features = features;
        let output = codegen::generate(text, &config).or_else(|d| {
            // A sample spec with plain mistakes of its authors.
            config.lenient = true;
            codegen::generate(text, &config).map_err(|_| d)
        });
        let output = match output {
            Ok(o) => o,
            Err(d) => {
                problems.push(format!("{name} does not generate:\n{d}"));
                continue;
            }
        };
        for f in &output.files {
            let copied = f.path.starts_with("runtime/") || f.path.starts_with("src/runtime/");
            if f.path.ends_with(".rs") && !copied {
                problems.extend(not_fixed(&format!("{name} ({features:?}): {}", f.path), &f.contents));
            }
        }
    }
    problems
}

fn assert_fixed(specs: Vec<(String, String)>) {
    // Two at a time: the sample specs are large.
    let half = specs.len().div_ceil(2).max(1);
    let problems: Vec<String> = std::thread::scope(|scope| {
        let workers: Vec<_> = specs
            .chunks(half)
            .map(|chunk| scope.spawn(move || chunk.iter().flat_map(|(n, t)| check(n, t)).collect::<Vec<_>>()))
            .collect();
        workers
            .into_iter()
            .flat_map(|w| w.join().expect("a check panicked"))
            .collect()
    });
    assert!(
        problems.is_empty(),
        "{} emitted file(s) are not laid out as prettyplease prints them:\n\n{}",
        problems.len(),
        problems.join("\n\n")
    );
}

#[test]
fn the_fixtures_and_our_spec_are_laid_out_as_prettyplease_prints() {
    let mut specs = Vec::new();
    let fixtures = root().join("codegen/tests/fixtures");
    let mut paths: Vec<PathBuf> = [fixtures.clone(), fixtures.join("csdl")]
        .iter()
        .flat_map(|dir| std::fs::read_dir(dir).expect("fixtures"))
        .map(|e| e.expect("entry").path())
        .filter(|p| p.is_file())
        .collect();
    paths.push(root().join("spec/customer-contacts.yaml"));
    // Every entity of Business Central, from its `$metadata`.
    paths.push(root().join("spec/csdl/bc-v2.0-metadata.xml"));
    paths.sort();
    for path in paths {
        let name = path.file_name().and_then(|n| n.to_str()).expect("name").to_owned();
        specs.push((name, std::fs::read_to_string(&path).expect("read")));
    }
    assert_fixed(specs);
}

#[test]
fn the_sample_specs_are_laid_out_as_prettyplease_prints() {
    let root = root();
    let mut specs = Vec::new();
    if let Some((_, text)) = specs::sample_spec(&root, "bc-api-v1.0.yaml") {
        specs.push(("bc-api-v1.0.yaml".to_owned(), text));
    }
    for folder in ["realworld", "realworld-3.1", "realworld-2.0"] {
        for path in specs::sample_folder(&root, folder) {
            let name = path.file_name().and_then(|n| n.to_str()).expect("name").to_owned();
            specs.push((name, std::fs::read_to_string(&path).expect("read")));
        }
    }
    assert_fixed(specs);
}

/// The judge judges: a file with an item laid out otherwise is caught.
#[test]
fn a_file_laid_out_otherwise_is_caught() {
    let fixed = "pub struct A {\n    pub b: i32,\n}\n";
    assert_eq!(not_fixed("a.rs", fixed), None);
    let wide = "pub struct A { pub b: i32 }\n";
    let found = not_fixed("a.rs", wide).expect("caught");
    assert!(found.contains("--- prettyplease\npub struct A {"), "{found}");
}
