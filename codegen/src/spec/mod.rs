//! Reading a spec: JSON (parsed as JSON) or YAML text to a checked `openapiv3::OpenAPI`,
//! with every problem located.

pub(crate) mod files;
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
#[cfg(test)]
pub(crate) fn read(
    text: &str,
    sink: &mut Sink,
    skip_unsupported: bool,
    lenient: bool,
) -> Result<Document, SyntaxError> {
    read_value(parse(text)?, sink, skip_unsupported, lenient)
}

/// [`read`] for a document already parsed (and its files placed in it:
/// `files::bundle`).
pub(crate) fn read_value(
    mut raw: serde_json::Value,
    sink: &mut Sink,
    skip_unsupported: bool,
    lenient: bool,
) -> Result<Document, SyntaxError> {
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

/// How deep a document may nest (mappings and sequences in one another).
/// Every reader refuses more, with the place it happened: serde_json's and
/// yaml_serde's own limit is this, and the fallback reader keeps it. So
/// every walk of the document after reading, recursive or not, is bounded
/// (the deepest published spec we know nests about 40 levels).
pub(crate) const MAX_DEPTH: usize = 128;

/// How many nodes YAML aliases may copy in all: real specs that share
/// pieces by anchors copy a few thousand.
pub(crate) const MAX_ALIAS_NODES: usize = 200_000;

/// The text as a JSON value: JSON read as JSON, YAML as YAML; nesting
/// deeper than [`MAX_DEPTH`] is refused where it happens.
pub(crate) fn parse(text: &str) -> Result<serde_json::Value, SyntaxError> {
    if is_json(text) {
        return serde_json::from_str(text).map_err(|e| {
            let message = e.to_string();
            SyntaxError {
                line: e.line(),
                column: e.column(),
                message: if message.starts_with("recursion limit exceeded") {
                    too_deep()
                } else {
                    format!("invalid JSON: {}", strip_location(&message))
                },
            }
        });
    }
    let yaml_error = |e: serde_yaml::Error, message: String| {
        let (line, column) = e.location().map(|l| (l.line(), l.column())).unwrap_or((0, 0));
        SyntaxError { line, column, message }
    };
    let read = match serde_yaml::from_str(text) {
        Ok(value) => Ok(value),
        Err(e) if e.to_string().starts_with("recursion limit exceeded") => Err(yaml_error(e, too_deep())),
        Err(e) => match yaml_through_events(text) {
            Ok(value) => Ok(value),
            Err(Some(deep)) => Err(deep),
            Err(None) => {
                let message = format!("invalid YAML: {}", strip_location(&e.to_string()));
                Err(yaml_error(e, message))
            }
        },
    };
    read.map(|mut value| {
        merge_keys(&mut value);
        value
    })
}

/// YAML's merge keys (`<<: *base`, or a list of them), which YAML 1.1
/// defines and specs that share pieces by anchors use: the mapping gets
/// each member of the merged ones it does not have itself.
fn merge_keys(root: &mut serde_json::Value) {
    use serde_json::Value as J;
    let mut stack = vec![root];
    while let Some(v) = stack.pop() {
        match v {
            J::Object(map) => {
                if let Some(merged) = map.remove("<<") {
                    let sources = match merged {
                        J::Array(list) => list,
                        other => vec![other],
                    };
                    for source in sources {
                        if let J::Object(source) = source {
                            for (k, v) in source {
                                map.entry(k).or_insert(v);
                            }
                        }
                    }
                }
                stack.extend(map.values_mut());
            }
            J::Array(items) => stack.extend(items.iter_mut()),
            _ => {}
        }
    }
}

fn too_deep() -> String {
    format!("the document nests mappings and sequences more than {MAX_DEPTH} deep, more than the generator reads")
}

/// The YAML read by the YAML 1.2 core-schema reader that also scans
/// positions, where reading it straight as JSON values failed on a value
/// JSON has: an integer beyond 64 bits (`-9223372036854776000`, which JSON
/// tools write for the smallest 64-bit integer) becomes a float, as JSON
/// readers take it. Built from the parser's events on a stack of its own,
/// refusing (`Err(Some(..))`, located) nesting deeper than [`MAX_DEPTH`]
/// and aliases that expand to more than [`MAX_ALIAS_NODES`] nodes in all (a
/// "billion laughs" document, which serde's reader refuses without saying
/// where); `Err(None)` when this reader fails too. An alias is a copy of
/// what its anchor names; tags are not applied (a plain scalar is resolved
/// by the core schema, a quoted one is a string).
fn yaml_through_events(text: &str) -> Result<serde_json::Value, Option<SyntaxError>> {
    use serde_json::Value as J;
    use yaml_rust2::Yaml;
    use yaml_rust2::parser::{Event, MarkedEventReceiver, Parser};
    use yaml_rust2::scanner::{Marker, TScalarStyle};

    enum Open {
        /// The items, and the anchor the sequence carries (0: none).
        Seq(Vec<J>, usize),
        /// A mapping, the key whose value comes next, and its anchor.
        Map(serde_json::Map<String, J>, Option<String>, usize),
    }
    #[derive(Default)]
    struct Builder {
        open: Vec<Open>,
        done: Option<J>,
        too_deep: Option<Marker>,
        /// What each anchor names, by the parser's anchor id.
        anchors: std::collections::HashMap<usize, J>,
        /// Nodes copied for aliases so far.
        copied: usize,
        too_many: Option<Marker>,
    }
    /// How many nodes a value holds (counted up to `limit`).
    fn nodes(v: &J, limit: usize) -> usize {
        let mut count = 0;
        let mut stack = vec![v];
        while let Some(v) = stack.pop() {
            count += 1;
            if count > limit {
                break;
            }
            match v {
                J::Array(items) => stack.extend(items),
                J::Object(map) => stack.extend(map.values()),
                _ => {}
            }
        }
        count
    }
    impl Builder {
        fn anchor(&mut self, id: usize, value: &J) {
            if id != 0 {
                self.anchors.insert(id, value.clone());
            }
        }

        fn put(&mut self, value: J, raw_key: Option<String>) {
            match self.open.last_mut() {
                None => {
                    self.done.get_or_insert(value);
                }
                Some(Open::Seq(items, _)) => items.push(value),
                Some(Open::Map(map, key, _)) => match key.take() {
                    Some(k) => {
                        map.insert(k, value);
                    }
                    // A key: its text (a mapping or sequence as a key reads as "").
                    None => *key = Some(raw_key.unwrap_or_default()),
                },
            }
        }
    }
    impl MarkedEventReceiver for Builder {
        fn on_event(&mut self, ev: Event, mark: Marker) {
            if self.too_deep.is_some() || self.too_many.is_some() || (self.done.is_some() && self.open.is_empty()) {
                return;
            }
            match ev {
                Event::SequenceStart(..) | Event::MappingStart(..) if self.open.len() >= MAX_DEPTH => {
                    self.too_deep = Some(mark);
                }
                Event::SequenceStart(anchor, _) => self.open.push(Open::Seq(Vec::new(), anchor)),
                Event::MappingStart(anchor, _) => self.open.push(Open::Map(serde_json::Map::new(), None, anchor)),
                Event::SequenceEnd | Event::MappingEnd => {
                    let (value, anchor) = match self.open.pop() {
                        Some(Open::Seq(items, anchor)) => (J::Array(items), anchor),
                        Some(Open::Map(map, _, anchor)) => (J::Object(map), anchor),
                        None => return,
                    };
                    self.anchor(anchor, &value);
                    self.put(value, None);
                }
                Event::Scalar(text, style, anchor, _) => {
                    let value = if style != TScalarStyle::Plain {
                        J::String(text.clone())
                    } else {
                        match Yaml::from_str(&text) {
                            Yaml::Real(r) => r
                                .parse::<f64>()
                                .ok()
                                .and_then(serde_json::Number::from_f64)
                                .map_or(J::Null, J::Number),
                            Yaml::Integer(i) => J::from(i),
                            Yaml::String(s) => J::String(s),
                            Yaml::Boolean(b) => J::Bool(b),
                            _ => J::Null,
                        }
                    };
                    self.anchor(anchor, &value);
                    self.put(value, Some(text));
                }
                Event::Alias(id) => {
                    let value = self.anchors.get(&id).cloned().unwrap_or(J::Null);
                    self.copied += nodes(&value, MAX_ALIAS_NODES);
                    if self.copied > MAX_ALIAS_NODES {
                        self.too_many = Some(mark);
                        return;
                    }
                    let key = value.as_str().map(str::to_owned);
                    self.put(value, key);
                }
                _ => {}
            }
        }
    }
    let deep = |mark: Marker| {
        Some(SyntaxError {
            line: mark.line(),
            column: mark.col() + 1,
            message: too_deep(),
        })
    };
    let mut builder = Builder::default();
    let mut parser = Parser::new_from_str(text);
    let loaded = parser.load(&mut builder, false);
    if let Some(mark) = builder.too_deep {
        return Err(deep(mark));
    }
    if let Some(mark) = builder.too_many {
        return Err(Some(SyntaxError {
            line: mark.line(),
            column: mark.col() + 1,
            message: format!(
                "the YAML aliases expand to more than {MAX_ALIAS_NODES} nodes from here on (a \"billion laughs\" document?); nothing is read"
            ),
        }));
    }
    match loaded {
        // The scanner's own bound on flow nesting (`[[[…`), met while it
        // reads ahead of the events.
        Err(e) if e.info() == "recursion limit exceeded" => Err(deep(*e.marker())),
        Err(_) => Err(None),
        Ok(()) => builder.done.ok_or(None),
    }
}

/// A document as the text of a file: pretty JSON, or YAML.
pub(crate) fn document_text(document: &serde_json::Value, json: bool) -> Result<String, String> {
    if json {
        serde_json::to_string_pretty(document)
            .map(|mut s| {
                s.push('\n');
                s
            })
            .map_err(|e| e.to_string())
    } else {
        serde_yaml::to_string(document).map_err(|e| e.to_string())
    }
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

/// Turns the sink into located diagnostics, each in the file it is in, in
/// document order.
pub(crate) fn locate(sources: &files::Sources, sink: Sink) -> Vec<Diagnostic> {
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
    sources.locate(items)
}

/// Items of one file, their pointers into that file, located in its text.
pub(crate) fn locate_in(text: &str, file: &str, items: Vec<(Severity, String, String)>) -> Vec<Diagnostic> {
    // The root needs no scan; the scan is a second parse of the whole text.
    let positions = if items.iter().all(|(_, p, _)| p.is_empty()) {
        Positions::empty()
    } else if is_json(text) {
        Positions::scan_json_for(text, items.iter().map(|(_, p, _)| p.as_str()))
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
