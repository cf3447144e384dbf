//! Specs split over several files: the fixture of our own
//! (`fixtures/multifile/`: folders, a whole components map, path items,
//! a JSON file, a cycle across files, references back into the root),
//! the bundled form, and every way a reference to another file can fail,
//! located in the file that wrote it.

#[path = "support/emitted.rs"]
mod support;

#[path = "support/specs.rs"]
#[allow(dead_code)]
mod specs;

use std::collections::BTreeMap;
use std::path::Path;

use support::{Folder, emitted_from};

fn fixture() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/multifile/openapi.yaml")
}

#[test]
fn the_multifile_fixture() {
    insta::assert_snapshot!(emitted_from("fixtures/multifile/openapi.yaml", &fixture()));
}

/// Files held in memory, counting how often each is read.
struct Files {
    files: BTreeMap<&'static str, &'static str>,
    reads: std::cell::RefCell<Vec<String>>,
}

impl Files {
    fn new(files: &[(&'static str, &'static str)]) -> Files {
        Files {
            files: files.iter().copied().collect(),
            reads: Default::default(),
        }
    }
}

impl codegen::SpecFiles for Files {
    fn read(&self, path: &str) -> Result<String, String> {
        self.reads.borrow_mut().push(path.to_owned());
        self.files
            .get(path)
            .map(|s| (*s).to_owned())
            .ok_or_else(|| "no such file".to_owned())
    }
}

fn diagnose(root: &str, files: &Files, lenient: bool) -> Vec<String> {
    let mut config = codegen::Config::new("t", "api/openapi.yaml");
    config.lenient = lenient;
    match codegen::generate_with_files(root, files, &config) {
        Ok(out) => out.warnings.iter().map(ToString::to_string).collect(),
        Err(d) => d.0.iter().map(ToString::to_string).collect(),
    }
}

const HEAD: &str = "openapi: 3.0.3\ninfo: {title: t, version: '1'}\n";

#[test]
fn each_file_is_read_once_and_listed() {
    let text = std::fs::read_to_string(fixture()).expect("fixture");
    let folder = Folder(fixture().parent().expect("folder").to_path_buf());
    let out =
        codegen::generate_with_files(&text, &folder, &codegen::Config::new("t", "openapi.yaml")).expect("generates");
    let mut read = out.read.clone();
    read.sort();
    assert_eq!(
        read,
        [
            "common/error.json",
            "common/parameters.yaml",
            "common/tag.yaml",
            "paths/owners.yaml",
            "paths/v1/pets.yaml",
            "schemas/_index.yaml",
            "schemas/people/owner.yaml",
            "schemas/pet.yaml",
        ]
    );
    // Named from many places, each read once.
    let files = Files::new(&[
        ("a.yaml", "A: {type: object, properties: {b: {$ref: 'b.yaml#/B'}}}\n"),
        (
            "b.yaml",
            "B: {type: object, properties: {a: {$ref: 'a.yaml#/A'}, c: {$ref: 'a.yaml#/A'}}}\n",
        ),
    ]);
    let root = format!(
        "{HEAD}paths:\n  /x:\n    get:\n      responses:\n        '200':\n          description: ok\n          content:\n            application/json:\n              schema: {{$ref: 'a.yaml#/A'}}\n  /y:\n    get:\n      responses:\n        '200':\n          description: ok\n          content:\n            application/json:\n              schema: {{$ref: 'b.yaml#/B'}}\n"
    );
    let out =
        codegen::generate_with_files(&root, &files, &codegen::Config::new("t", "openapi.yaml")).expect("generates");
    assert_eq!(*files.reads.borrow(), ["a.yaml", "b.yaml"]);
    let models = out.files.iter().find(|f| f.path == "src/models.rs").expect("models");
    assert!(models.contents.contains("pub struct A {") && models.contents.contains("pub struct B {"));
    assert!(!models.contents.contains("pub struct A2"), "each piece is placed once");
}

#[test]
fn the_bundle_generates_what_the_files_do() {
    let text = std::fs::read_to_string(fixture()).expect("fixture");
    let folder = Folder(fixture().parent().expect("folder").to_path_buf());
    let config = codegen::Config::new("t", "openapi.yaml");
    let bundled = codegen::bundle(&text, &folder, &config).expect("bundles");
    assert_eq!(bundled.document["openapi"], "3.0.3", "the spec keeps its version");
    let names: Vec<&String> = bundled.document["components"]["schemas"]
        .as_object()
        .expect("schemas")
        .keys()
        .collect();
    assert_eq!(
        names,
        ["Pet", "Owner", "Error", "tag", "Address"],
        "the authors' names, and files' names"
    );
    let one = bundled.to_text(false).expect("yaml");
    assert!(
        !one.contains(".yaml") && !one.contains(".json"),
        "no reference to a file is left:\n{one}"
    );
    let from_files = codegen::generate_with_files(&text, &folder, &config).expect("generates");
    let from_one = codegen::generate(&one, &config).expect("the bundle generates");
    assert_eq!(from_files.files, from_one.files);
    // JSON too.
    let json = bundled.to_text(true).expect("json");
    assert_eq!(
        codegen::generate(&json, &config).expect("json bundle").files,
        from_files.files
    );
}

#[test]
fn a_swagger2_spec_in_several_files() {
    let files = Files::new(&[
        (
            "definitions.yaml",
            "Pet: {type: object, properties: {kind: {$ref: '#/Kind'}, owner: {$ref: 'people.json#/definitions/Owner'}}}\nKind: {type: string, enum: [cat, dog]}\n",
        ),
        (
            "people.json",
            "{\"definitions\": {\"Owner\": {\"type\": \"object\", \"properties\": {\"name\": {\"type\": \"string\"}}}}}",
        ),
    ]);
    let root = "swagger: '2.0'\ninfo: {title: t, version: '1'}\npaths:\n  /pets:\n    get:\n      produces: [application/json]\n      responses:\n        '200':\n          description: ok\n          schema: {$ref: 'definitions.yaml#/Pet'}\n";
    let config = codegen::Config::new("t", "swagger.yaml");
    let bundled = codegen::bundle(root, &files, &config).expect("bundles");
    let defs: Vec<&String> = bundled.document["definitions"]
        .as_object()
        .expect("definitions")
        .keys()
        .collect();
    assert_eq!(defs, ["Pet", "Kind", "Owner"]);
    assert!(bundled.document.get("components").is_none(), "2.0 keeps its own places");
    let out = codegen::generate_with_files(root, &files, &config).expect("generates");
    let models = out.files.iter().find(|f| f.path == "src/models.rs").expect("models");
    assert!(models.contents.contains("pub enum Kind"));
    assert!(models.contents.contains("pub owner: Option<crate::models::Owner>"));
}

#[test]
fn a_broken_reference_is_an_error_at_its_ref() {
    let files = Files::new(&[
        ("d.yaml", "x: 1\n"),
        (
            "schemas/e.yaml",
            "E:\n  type: object\n  properties:\n    f: {$ref: '../../outside.yaml'}\n",
        ),
    ]);
    let root = format!(
        "{HEAD}paths: {{}}\ncomponents:\n  schemas:\n    A: {{$ref: 'https://example.com/a.yaml'}}\n    B: {{$ref: '../b.yaml'}}\n    C: {{$ref: 'c.yaml'}}\n    D: {{$ref: 'd.yaml#/nothing'}}\n    E: {{$ref: 'schemas/e.yaml#/E'}}\n    F: {{$ref: '/etc/passwd'}}\n    G: {{$ref: 'd.yaml#name'}}\n"
    );
    let found = diagnose(&root, &files, false);
    let expected = [
        "api/openapi.yaml:6:9: error: `https://example.com/a.yaml` names a URL; the generator reads only files in the spec's folder (download it and refer to the copy) (at /components/schemas/A/$ref)",
        "api/openapi.yaml:7:9: error: `../b.yaml` leaves the spec's folder; only files in it and below it are read (at /components/schemas/B/$ref)",
        "api/openapi.yaml:8:9: error: `c.yaml`: cannot read `c.yaml`: no such file (at /components/schemas/C/$ref)",
        "api/openapi.yaml:9:9: error: `d.yaml#/nothing` leads nowhere: `d.yaml` has nothing at `/nothing` (at /components/schemas/D/$ref)",
        "api/openapi.yaml:11:9: error: `/etc/passwd` is an absolute path; a file must be named relative to the file that refers to it (at /components/schemas/F/$ref)",
        "api/openapi.yaml:12:9: error: `d.yaml#name`: the part after `#` is not a JSON pointer (`#/…`); anchors and names are not followed (at /components/schemas/G/$ref)",
        "api/schemas/e.yaml:4:9: error: `../../outside.yaml` leaves the spec's folder; only files in it and below it are read (at /E/properties/f/$ref)",
    ];
    assert_eq!(found, expected);
}

#[test]
fn problems_in_another_file_are_located_there() {
    let files = Files::new(&[
        (
            "bad.yaml",
            "Pet:\n  type: object\n  properties:\n    name: {type: strin}\n",
        ),
        ("broken.json", "{\"A\": {\"type\": \"string\",}}"),
    ]);
    let root = format!(
        "{HEAD}paths:\n  /p:\n    get:\n      responses:\n        '200':\n          description: ok\n          content:\n            application/json:\n              schema: {{$ref: 'bad.yaml#/Pet'}}\n"
    );
    let found = diagnose(&root, &files, false);
    assert_eq!(found.len(), 1, "{found:#?}");
    assert!(
        found[0].starts_with("api/bad.yaml:4:12: error: ") && found[0].ends_with("(at /Pet/properties/name/type)"),
        "{found:#?}"
    );
    let root = format!("{HEAD}paths: {{}}\ncomponents:\n  schemas:\n    A: {{$ref: 'broken.json#/A'}}\n");
    let found = diagnose(&root, &files, false);
    assert_eq!(found.len(), 1, "{found:#?}");
    assert!(
        found[0].starts_with("api/broken.json:1:25: error: invalid JSON"),
        "{found:#?}"
    );
}

#[test]
fn an_operation_in_another_file_under_lenient() {
    let files = Files::new(&[(
        "ops.yaml",
        "list:\n  operationId: list\n  responses:\n    '204': {description: none}\n",
    )]);
    let root = format!("{HEAD}paths:\n  /things:\n    get:\n      $ref: 'ops.yaml#/list'\n");
    let strict = diagnose(&root, &files, false);
    assert_eq!(
        strict,
        [
            "api/openapi.yaml:6:7: error: `ops.yaml#/list` stands for an operation, where OpenAPI allows a `$ref` only for a whole path item (pass --lenient to read the operation from there) (at /paths/~1things/get/$ref)"
        ]
    );
    let lenient = diagnose(&root, &files, true);
    assert_eq!(
        lenient,
        [
            "api/openapi.yaml:6:7: warning: `ops.yaml#/list` stands for an operation, where OpenAPI allows a `$ref` only for a whole path item; the operation is read from there (--lenient) (at /paths/~1things/get/$ref)"
        ]
    );
}

#[test]
fn a_spec_given_as_text_says_to_give_its_path() {
    let root = format!("{HEAD}paths: {{}}\ncomponents:\n  schemas:\n    A: {{$ref: 'a.yaml'}}\n");
    let found = match codegen::generate(&root, &codegen::Config::new("t", "openapi.yaml")) {
        Ok(_) => panic!("generates"),
        Err(d) => d.to_string(),
    };
    assert!(
        found.contains("cannot read `a.yaml`: the spec was given as text"),
        "{found}"
    );
}

/// The real one: Hatchet's API, split over 50 files (148 operations), with
/// `content:` left empty by an indentation slip in one of them, which
/// `--lenient` reads as meant.
#[test]
fn hatchet_in_fifty_files() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let path = specs::sample_specs(&root).join("realworld-multifile/hatchet/openapi/openapi.yaml");
    let Ok(text) = std::fs::read_to_string(&path) else {
        eprintln!("note: {} is absent; skipped", path.display());
        return;
    };
    let folder = Folder(path.parent().expect("folder").to_path_buf());
    let mut config = codegen::Config::new("hatchet", "openapi.yaml");
    let strict = codegen::generate_with_files(&text, &folder, &config).expect_err("an author's slip");
    assert_eq!(strict.errors().count(), 1, "{strict}");
    assert!(
        strict
            .to_string()
            .contains("paths/v1/webhooks/webhook.yaml:119:7: error: expected `content` to be a mapping"),
        "{strict}"
    );
    config.lenient = true;
    let out = codegen::generate_with_files(&text, &folder, &config).expect("generates with --lenient");
    assert_eq!(out.read.len(), 49);
    let bundled = codegen::bundle(&text, &folder, &config).expect("bundles");
    let declared = specs::declared_operations(&bundled.to_text(false).expect("yaml"));
    assert_eq!(declared, 148);
    // Every operation a method, and the crate built with clippy: compile.rs.
}

/// Files that refer to themselves, to each other's pieces, to scalars and
/// to odd paths: located errors or a document, never a panic nor a hang.
#[test]
fn hostile_files_end_in_diagnostics() {
    let files = Files::new(&[
        (
            "self.yaml",
            "A: {$ref: '#/A'}\nB: {$ref: 'self.yaml#/B'}\nC: {$ref: './self.yaml'}\n",
        ),
        ("scalar.yaml", "just text\n"),
        ("list.json", "[1, 2, 3]"),
        ("deep/../../x.yaml", "never: read\n"),
        ("empty.yaml", ""),
    ]);
    for target in [
        "self.yaml#/A",
        "self.yaml#/B",
        "self.yaml",
        "scalar.yaml",
        "scalar.yaml#/x",
        "list.json#/1",
        "list.json#/7",
        "deep/../../x.yaml",
        "empty.yaml",
        "%zz.yaml",
        "a%2Fb.yaml#/%7E",
        "self.yaml#/A/$ref/x",
        "",
        "#",
        "c:\\windows\\x.yaml",
    ] {
        let root = format!(
            "{HEAD}paths:\n  /p:\n    get:\n      responses:\n        '200':\n          description: ok\n          content:\n            application/json:\n              schema: {{$ref: {target:?}}}\n"
        );
        for lenient in [false, true] {
            let mut config = codegen::Config::new("t", "api/openapi.yaml");
            config.lenient = lenient;
            let _ = codegen::generate_with_files(&root, &files, &config);
            let _ = codegen::bundle(&root, &files, &config);
        }
    }
}
