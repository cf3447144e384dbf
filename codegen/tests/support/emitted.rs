//! A generated crate as one text for a snapshot: the other files read (for
//! a spec in several), the warnings, then every emitted file but the
//! runtime's sources, which are copied as written.

#![allow(dead_code)]

pub fn emitted(spec_name: &str, text: &str) -> String {
    let config = codegen::Config::new("fixture", spec_name);
    let output = codegen::generate(text, &config).unwrap_or_else(|d| panic!("{spec_name} does not generate:\n{d}"));
    render(&output)
}

/// The files beside a spec on disk, for a spec split over several.
pub struct Folder(pub std::path::PathBuf);

impl codegen::SpecFiles for Folder {
    fn read(&self, path: &str) -> Result<String, String> {
        std::fs::read_to_string(self.0.join(path)).map_err(|e| e.to_string())
    }
}

/// [`emitted`] for a spec that names other files, read from its folder.
pub fn emitted_from(spec_name: &str, path: &std::path::Path) -> String {
    let text = std::fs::read_to_string(path).expect("spec");
    let folder = Folder(path.parent().expect("folder").to_path_buf());
    let config = codegen::Config::new("fixture", spec_name);
    let output = codegen::generate_with_files(&text, &folder, &config)
        .unwrap_or_else(|d| panic!("{spec_name} does not generate:\n{d}"));
    render(&output)
}

fn render(output: &codegen::Output) -> String {
    let mut out = String::new();
    for f in &output.read {
        out.push_str(&format!("// read: {f}\n"));
    }
    for w in &output.warnings {
        out.push_str(&format!("// warning: {w}\n"));
    }
    let copied = |path: &str| path.starts_with("src/runtime/") || path.starts_with("runtime/src/");
    for f in output.files.iter().filter(|f| !copied(&f.path)) {
        out.push_str(&format!("// ===== {} =====\n{}\n", f.path, f.contents));
    }
    out
}
