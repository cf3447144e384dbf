//! A generated crate as one text for a snapshot: the warnings, then every
//! emitted file but the runtime's sources, which are copied as written.

pub fn emitted(spec_name: &str, text: &str) -> String {
    let config = codegen::Config::new("fixture", spec_name);
    let output = codegen::generate(text, &config).unwrap_or_else(|d| panic!("{spec_name} does not generate:\n{d}"));
    let mut out = String::new();
    for w in &output.warnings {
        out.push_str(&format!("// warning: {w}\n"));
    }
    let copied = |path: &str| path.starts_with("src/runtime/") || path.starts_with("runtime/src/");
    for f in output.files.iter().filter(|f| !copied(&f.path)) {
        out.push_str(&format!("// ===== {} =====\n{}\n", f.path, f.contents));
    }
    out
}
