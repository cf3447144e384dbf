//! One fixture spec per feature; the emitted code of each is snapshotted
//! (accept changes with `cargo insta review`).

#[path = "support/emitted.rs"]
mod support;

use support::emitted;

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
