//! Reading a spec: JSON (parsed as JSON) or YAML text to a checked `openapiv3::OpenAPI`,
//! with every problem located.

mod locate;
pub(crate) mod refs;
pub(crate) mod upgrade;
pub(crate) mod validate;

use openapiv3::OpenAPI;

use crate::diag::{Diagnostic, Diagnostics, Severity, Sink};

pub(crate) use locate::Positions;

/// A document that passed the structural check.
pub(crate) struct Document {
    pub(crate) api: OpenAPI,
}

/// Parses and checks `text`. Problems are left in `sink`; the document is
/// returned whenever it still reads as OpenAPI 3.0, errors or not, so that
/// lowering can add what it finds. `Err` when it cannot be read further.
pub(crate) fn read(
    text: &str,
    sink: &mut Sink,
    skip_unsupported: bool,
    lenient: bool,
) -> Result<Document, SyntaxError> {
    let raw: serde_json::Value = if is_json(text) {
        serde_json::from_str(text).map_err(|e| SyntaxError {
            line: e.line(),
            column: e.column(),
            message: format!("invalid JSON: {}", strip_location(&e.to_string())),
        })?
    } else {
        serde_yaml::from_str(text)
            .or_else(|e| yaml_through_value(text).ok_or(e))
            .map_err(|e| {
                let (line, column) = e.location().map(|l| (l.line(), l.column())).unwrap_or((0, 0));
                SyntaxError {
                    line,
                    column,
                    message: format!("invalid YAML: {}", strip_location(&e.to_string())),
                }
            })?
    };
    let mut raw = raw;
    sink.origins = upgrade::upgrade(&mut raw, sink, lenient);
    sink.aliases = refs::hoist(&mut raw, sink, lenient);
    validate::check(&raw, sink, skip_unsupported, lenient);
    // Even with errors, the document may still read as OpenAPI: then the
    // caller lowers it too, so one run reports every problem.
    match serde_json::from_value::<OpenAPI>(raw) {
        Ok(api) => Ok(Document { api }),
        Err(e) => {
            if !sink.has_errors() {
                sink.error("", format!("the document does not match OpenAPI 3.0: {e}"));
            }
            Err(SyntaxError {
                line: 0,
                column: 0,
                message: String::new(),
            })
        }
    }
}

/// The YAML read by the YAML 1.2 core-schema reader that also scans
/// positions, where reading it straight as JSON values failed on a value
/// JSON has: an integer beyond 64 bits (`-9223372036854776000`, which JSON
/// tools write for the smallest 64-bit integer) becomes a float, as JSON
/// readers take it. `None` when that reader fails too.
fn yaml_through_value(text: &str) -> Option<serde_json::Value> {
    use serde_json::Value as J;
    use yaml_rust2::Yaml;
    fn scalar_key(k: &Yaml) -> String {
        match k {
            Yaml::String(s) | Yaml::Real(s) => s.clone(),
            Yaml::Integer(i) => i.to_string(),
            Yaml::Boolean(b) => b.to_string(),
            _ => String::new(),
        }
    }
    // An explicit stack: a deeply nested document must not exhaust ours.
    enum Step<'a> {
        Visit(&'a Yaml),
        Array(usize),
        Object(Vec<String>),
    }
    let docs = yaml_rust2::YamlLoader::load_from_str(text).ok()?;
    let root = docs.first()?;
    let mut steps = vec![Step::Visit(root)];
    let mut done: Vec<J> = Vec::new();
    while let Some(step) = steps.pop() {
        match step {
            Step::Visit(y) => match y {
                Yaml::Real(s) => done.push(
                    s.parse::<f64>()
                        .ok()
                        .and_then(serde_json::Number::from_f64)
                        .map_or(J::Null, J::Number),
                ),
                Yaml::Integer(i) => done.push(J::from(*i)),
                Yaml::String(s) => done.push(J::String(s.clone())),
                Yaml::Boolean(b) => done.push(J::Bool(*b)),
                Yaml::Null | Yaml::BadValue | Yaml::Alias(_) => done.push(J::Null),
                Yaml::Array(list) => {
                    steps.push(Step::Array(list.len()));
                    steps.extend(list.iter().rev().map(Step::Visit));
                }
                Yaml::Hash(map) => {
                    steps.push(Step::Object(map.keys().map(scalar_key).collect()));
                    steps.extend(map.values().rev().map(Step::Visit));
                }
            },
            Step::Array(n) => {
                let items = done.split_off(done.len() - n);
                done.push(J::Array(items));
            }
            Step::Object(keys) => {
                let values = done.split_off(done.len() - keys.len());
                done.push(J::Object(keys.into_iter().zip(values).collect()));
            }
        }
    }
    done.pop()
}

/// Whether the text is JSON: its first character (after white space) opens
/// an object. Every OpenAPI document is an object; a YAML one starts with a
/// key, a comment or `---`.
pub(crate) fn is_json(text: &str) -> bool {
    text.trim_start().starts_with('{')
}

/// The text without a UTF-8 byte-order mark, which editors on Windows write
/// and neither parser expects.
pub(crate) fn without_bom(text: &str) -> &str {
    text.strip_prefix('\u{feff}').unwrap_or(text)
}

/// A document that is not YAML at all; `message` is empty when the problems
/// are in the sink instead.
#[derive(Debug)]
pub(crate) struct SyntaxError {
    pub(crate) line: usize,
    pub(crate) column: usize,
    pub(crate) message: String,
}

fn strip_location(message: &str) -> String {
    // serde_yaml says " at line 3 column 4", serde_json " at line 3 column 4" too.
    match message.find(" at line ") {
        Some(i) => message[..i].to_owned(),
        None => message.to_owned(),
    }
}

/// Turns the sink into located diagnostics, in document order.
pub(crate) fn locate(text: &str, file: &str, sink: Sink) -> Vec<Diagnostic> {
    if sink.items.is_empty() {
        return Vec::new();
    }
    // The root needs no scan; the scan is a second parse of the whole text.
    let aliases = sink.aliases;
    let origins = sink.origins;
    let items: Vec<(Severity, String, String)> = sink
        .items
        .into_iter()
        .map(|(severity, pointer, message)| {
            let pointer = origins.original(&aliases.original(&pointer));
            (severity, pointer, message)
        })
        .collect();
    let positions = if items.iter().all(|(_, p, _)| p.is_empty()) {
        Positions::empty()
    } else if is_json(text) {
        // Only the pointers reported, and their ancestors (where a pointer
        // the scan cannot see falls back to).
        let mut wanted = std::collections::HashSet::new();
        for (_, p, _) in &items {
            let mut at = p.as_str();
            loop {
                wanted.insert(at.to_owned());
                match at.rfind('/') {
                    Some(i) => at = &at[..i],
                    None => break,
                }
            }
        }
        Positions::scan_json(text, Some(&wanted))
    } else {
        Positions::scan(text)
    };
    let mut out: Vec<Diagnostic> = items
        .into_iter()
        .map(|(severity, pointer, message)| {
            let (line, column) = positions.locate(&pointer);
            Diagnostic {
                severity,
                file: file.to_owned(),
                line,
                column,
                pointer,
                message,
            }
        })
        .collect();
    out.sort_by(|a, b| (a.line, a.column, &a.pointer, &a.message).cmp(&(b.line, b.column, &b.pointer, &b.message)));
    // One problem, once, at its cause: the same diagnostic from every place
    // that uses a declaration becomes one, with the count.
    let mut once: Vec<(Diagnostic, usize)> = Vec::new();
    for d in out {
        match once.last_mut() {
            Some((last, n)) if *last == d => *n += 1,
            _ => once.push((d, 1)),
        }
    }
    once.into_iter()
        .map(|(mut d, n)| {
            if n > 1 {
                d.message.push_str(&format!(" ({n} places use it)"));
            }
            d
        })
        .collect()
}

pub(crate) fn syntax_diagnostics(file: &str, e: SyntaxError) -> Diagnostics {
    Diagnostics(vec![Diagnostic {
        severity: Severity::Error,
        file: file.to_owned(),
        line: e.line,
        column: e.column,
        pointer: String::new(),
        message: e.message,
    }])
}
