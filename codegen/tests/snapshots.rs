//! One fixture spec per feature; the emitted code of each is snapshotted
//! (accept changes with `cargo insta review`).

fn emitted(spec_name: &str, text: &str) -> String {
    let config = codegen::Config::new("fixture", spec_name);
    let output = codegen::generate(text, &config).unwrap_or_else(|d| panic!("{spec_name} does not generate:\n{d}"));
    let mut out = String::new();
    for w in &output.warnings {
        out.push_str(&format!("// warning: {w}\n"));
    }
    // The runtime's sources are copied as written; its manifest is emitted.
    let copied = |path: &str| path.starts_with("src/runtime/") || path.starts_with("runtime/src/");
    for f in output.files.iter().filter(|f| !copied(&f.path)) {
        out.push_str(&format!("// ===== {} =====\n{}\n", f.path, f.contents));
    }
    out
}

#[test]
fn fixtures() {
    insta::glob!("fixtures/*.yaml", |path| {
        let text = std::fs::read_to_string(path).expect("fixture");
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("fixture");
        insta::assert_snapshot!(emitted(&format!("fixtures/{name}"), &text));
    });
}

#[test]
fn output_is_deterministic() {
    let text =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../spec/customer-contacts.yaml")).expect("spec");
    let config = codegen::Config::new("bc-api", "spec/customer-contacts.yaml");
    let a = codegen::generate(&text, &config).expect("generates");
    let b = codegen::generate(&text, &config).expect("generates");
    assert_eq!(a.files, b.files);
    assert!(
        a.files.iter().all(|f| !f.contents.contains('\r')),
        "CR in emitted files"
    );
}
