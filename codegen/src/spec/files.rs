//! Specs in several files: a `$ref` that names another file
//! (`./schemas/pet.yaml`, `common.yaml#/components/schemas/Error`, a whole
//! map, a path item) is read into one document before anything else looks
//! at it, so that upgrading, hoisting, checking and lowering see a single
//! document as they always have.
//!
//! Where the content goes decides what it is called:
//! - at a component's or a path's own place (`components/schemas/Pet:
//!   {$ref: ./pet.yaml}`, `components: {schemas: {$ref: _index.yaml}}`,
//!   `paths: {/pets: {$ref: paths.yaml#/pets}}`) it is written there, in
//!   place of the `$ref`: the name is the author's;
//! - anywhere else, content of a kind that has components (a schema, a
//!   parameter, a response, a request body, a header) becomes a component
//!   named after its pointer's last segment, or the file's name when it is a
//!   whole file (`pet`), and the `$ref` points at it; anything else is
//!   written in place.
//!
//! Each file is read once, through the caller's [`SpecFiles`] (the
//! generator touches no file system), and each piece of it is placed once:
//! every later `$ref` to it, from any file, points at where it was placed,
//! so cycles across files end. Every placement is recorded with the file
//! and pointer its content came from ([`Sources`]): diagnostics name the
//! file a problem is in and its line there.

use std::collections::{HashMap, VecDeque};

use serde_json::{Map, Value};

use super::refs::{add_component, add_named, section_key, segments};
use super::validate::METHODS;
use super::{SyntaxError, locate_in};
use crate::diag::{Diagnostic, Severity, longest_prefix, push_pointer};

/// Where the generator reads the other files a spec's `$ref`s name.
pub trait SpecFiles {
    /// The text of the file at `path`: `/`-separated, relative to the
    /// folder of the root spec, with no `.` or `..` segment and never
    /// leaving that folder (the generator checks the `$ref` first). An
    /// `Err` says why it cannot be read; the generator adds where it was
    /// named.
    fn read(&self, path: &str) -> Result<String, String>;
}

/// No other files: a spec given as text alone. A `$ref` to another file is
/// an error that says to give the spec by path.
pub struct NoFiles;

impl SpecFiles for NoFiles {
    fn read(&self, _path: &str) -> Result<String, String> {
        Err("the spec was given as text, not as a file, so the files it names cannot be read (give the spec by its path)"
            .to_owned())
    }
}

/// The files a document was read from, and where each part of the
/// single document came from.
pub(crate) struct Sources<'t> {
    root_name: String,
    root_text: &'t str,
    /// Every other file read: its name as shown (beside the root's), its
    /// path relative to the root's folder, and its text.
    others: Vec<Other>,
    /// (pointer in the single document, file index (0 is the root, `i` is
    /// `others[i - 1]`), pointer in that file).
    placed: Vec<(String, usize, String)>,
    /// Problems already located (a file that is not YAML).
    early: Vec<Diagnostic>,
    /// Problems with references, by file and pointer in it: judged where
    /// the `$ref` was written, before its content took its place.
    direct: Vec<(Severity, usize, String, String)>,
}

struct Other {
    shown: String,
    path: String,
    text: String,
}

impl<'t> Sources<'t> {
    /// A document in one file.
    pub(crate) fn single(text: &'t str, name: &str) -> Sources<'t> {
        Sources {
            root_name: name.to_owned(),
            root_text: text,
            others: Vec::new(),
            placed: Vec::new(),
            early: Vec::new(),
            direct: Vec::new(),
        }
    }

    /// The paths (relative to the root's folder, `/`-separated) of the
    /// files read besides the root, in the order they were first named.
    pub(crate) fn paths(&self) -> Vec<String> {
        self.others.iter().map(|o| o.path.clone()).collect()
    }

    /// The file and the pointer in it that `pointer` of the single
    /// document was written at.
    fn origin(&self, pointer: &str) -> (usize, String) {
        let placed = self
            .placed
            .iter()
            .map(|(at, file, written)| (at.as_str(), (*file, written)));
        match longest_prefix(placed, pointer) {
            Some((rest, (file, written))) => (file, format!("{written}{rest}")),
            None => (0, pointer.to_owned()),
        }
    }

    fn name(&self, file: usize) -> &str {
        if file == 0 {
            &self.root_name
        } else {
            &self.others[file - 1].shown
        }
    }

    fn text(&self, file: usize) -> &str {
        if file == 0 {
            self.root_text
        } else {
            &self.others[file - 1].text
        }
    }

    /// Every item of `sink` (pointers of the single document, after the
    /// rewrites' origins were applied), located in the file it came from.
    pub(crate) fn locate(&self, items: Vec<(Severity, String, String)>) -> Vec<Diagnostic> {
        let mut by_file: Vec<Vec<(Severity, String, String)>> = vec![Vec::new(); self.others.len() + 1];
        for (severity, file, pointer, message) in &self.direct {
            by_file[*file].push((*severity, pointer.clone(), message.clone()));
        }
        for (severity, pointer, message) in items {
            let (file, pointer) = self.origin(&pointer);
            by_file[file].push((severity, pointer, message));
        }
        let mut out = self.early.clone();
        for (file, items) in by_file.into_iter().enumerate() {
            if !items.is_empty() {
                out.extend(locate_in(self.text(file), self.name(file), items));
            }
        }
        out
    }
}

/// What stops a document from being read at all: the root is not YAML or
/// JSON (`Syntax`, as for a single file), or another file's problems,
/// already located.
pub(crate) enum Unread {
    Syntax(SyntaxError),
    Located(Vec<Diagnostic>),
}

/// The root's text read, with every file it names placed in it.
/// Problems with the references (a URL, a file outside the folder, a
/// missing file or pointer) are errors at the `$ref` in the file that
/// wrote it: any of them, and the document is `Unread`; warnings are
/// reported with the rest (`Sources::locate`).
pub(crate) fn bundle<'t>(
    text: &'t str,
    name: &str,
    files: &dyn SpecFiles,
    lenient: bool,
) -> Result<(Value, Sources<'t>), Unread> {
    let root = super::parse(text).map_err(Unread::Syntax)?;
    let mut sources = Sources::single(text, name);
    let root_path = name.rsplit(['/', '\\']).next().unwrap_or(name).to_owned();
    let swagger2 = root.get("swagger").is_some();
    let ids = resource_ids(&root);
    let mut b = Bundler {
        ids,
        files,
        root: root_path,
        shown_dir: name
            .get(..name.len() - name.rsplit(['/', '\\']).next().unwrap_or("").len())
            .unwrap_or(""),
        swagger2,
        lenient,
        loaded: HashMap::new(),
        docs: Vec::new(),
        slots: VecDeque::new(),
        others: VecDeque::new(),
        doc: root,
        sources: &mut sources,
    };
    b.scan("", 0);
    if b.slots.is_empty() && b.others.is_empty() {
        let doc = b.doc;
        return Ok((doc, sources));
    }
    b.run();
    let doc = b.doc;
    if !sources.early.is_empty() || sources.direct.iter().any(|d| d.0 == Severity::Error) {
        // Nothing after a reference that cannot be followed is sure.
        return Err(Unread::Located(sources.locate(Vec::new())));
    }
    Ok((doc, sources))
}

/// The most places a document's references may fill with content: far
/// beyond any real spec (the largest split spec we know places about 400).
const MAX_PLACEMENTS: usize = 100_000;

struct Bundler<'a, 't> {
    /// The root's JSON Schema resources (`$id`): a `$ref` to one of them
    /// names no file (3.1's upgrade resolves it).
    ids: std::collections::HashSet<String>,
    files: &'a dyn SpecFiles,
    /// The root's own path (its file name): a `$ref` back to it is local.
    root: String,
    /// The folder the root's name is shown in, for other files' names.
    shown_dir: &'a str,
    swagger2: bool,
    lenient: bool,
    /// Path → index of the file (1-based, as in `Sources`), `None` when it
    /// could not be read.
    loaded: HashMap<String, Option<usize>>,
    /// Each other file's content as read.
    docs: Vec<Value>,
    /// `$ref`s waiting, (pointer of the object holding it, file index):
    /// those at a component's or a path's own place first, so that their
    /// names are the authors' before anything else places the same content.
    slots: VecDeque<(String, usize)>,
    others: VecDeque<(String, usize)>,
    doc: Value,
    sources: &'a mut Sources<'t>,
}

impl Bundler<'_, '_> {
    fn run(&mut self) {
        let mut placements = 0;
        while let Some((at, file)) = self.slots.pop_front().or_else(|| self.others.pop_front()) {
            placements += 1;
            if placements > MAX_PLACEMENTS {
                self.problem(
                    Severity::Error,
                    &at,
                    format!("the references place content more than {MAX_PLACEMENTS} times; nothing more is read"),
                );
                return;
            }
            self.resolve(&at, file);
        }
    }

    /// Queues every `$ref` under `at` (written in `file`): in another file
    /// every one, in the root those that name a file.
    fn scan(&mut self, at: &str, file: usize) {
        let Some(v) = self.doc.pointer(at) else {
            return;
        };
        // The path is kept as segments and made a pointer only where a
        // `$ref` is: a spec in one file costs one walk, no strings.
        let mut found = Vec::new();
        let mut path: Vec<&str> = Vec::new();
        collect_refs(v, file != 0, &mut path, &mut |segments: &[&str]| {
            let mut p = at.to_owned();
            for s in segments {
                p = push_pointer(&p, s);
            }
            found.push(p);
        });
        for p in found {
            if self.is_slot(&segments(&p)) {
                self.slots.push_back((p, file));
            } else {
                self.others.push_back((p, file));
            }
        }
    }

    /// A component's, a components map's or a path's own place.
    fn is_slot(&self, at: &[String]) -> bool {
        let first = at.first().map(String::as_str);
        match (first, at.len()) {
            (Some("components" | "paths" | "webhooks"), 1..=3) => !(at[0] == "paths" && at.len() == 3),
            (Some("definitions" | "parameters" | "responses" | "securityDefinitions"), 1..=2) => self.swagger2,
            _ => false,
        }
    }

    fn path_of(&self, file: usize) -> &str {
        if file == 0 {
            &self.root
        } else {
            &self.sources.others[file - 1].path
        }
    }

    fn resolve(&mut self, at: &str, file: usize) {
        let ref_at = push_pointer(at, "$ref");
        let Some(r) = self.doc.pointer(&ref_at).and_then(Value::as_str).map(str::to_owned) else {
            return;
        };
        let (path_part, fragment) = r.split_once('#').unwrap_or((r.as_str(), ""));
        if file == 0 && self.ids.contains(path_part) {
            return;
        }
        let fragment = percent_decoded(fragment);
        if !(fragment.is_empty() || fragment.starts_with('/')) {
            self.problem(
                Severity::Error,
                &ref_at,
                format!("`{r}`: the part after `#` is not a JSON pointer (`#/…`); anchors and names are not followed"),
            );
            return;
        }
        let target = if path_part.is_empty() {
            file
        } else {
            let path = match relative(self.path_of(file), path_part) {
                Ok(path) => path,
                Err(why) => {
                    self.problem(Severity::Error, &ref_at, format!("`{r}` {why}"));
                    return;
                }
            };
            if path == self.root {
                0
            } else {
                match self.load(&path) {
                    Ok(Some(i)) => i,
                    Ok(None) => return,
                    Err(why) => {
                        self.problem(Severity::Error, &ref_at, format!("`{r}`: cannot read `{path}`: {why}"));
                        return;
                    }
                }
            }
        };
        if target == 0 {
            // Into the root, which is the single document's base.
            if self.doc.pointer(&fragment).is_none() {
                self.problem(
                    Severity::Error,
                    &ref_at,
                    format!("`{r}` leads nowhere: the root spec has nothing at `{fragment}`"),
                );
                return;
            }
            self.set_ref(&ref_at, &fragment);
            return;
        }
        let Some(content) = self.docs[target - 1].pointer(&fragment).cloned() else {
            let path = self.path_of(target).to_owned();
            let what = if fragment.is_empty() {
                "anything".to_owned()
            } else {
                format!("`{fragment}`")
            };
            self.problem(
                Severity::Error,
                &ref_at,
                format!("`{r}` leads nowhere: `{path}` has nothing at {what}"),
            );
            return;
        };
        let segs = segments(at);
        let path_item = segs.len() == 2 && segs[0] == "paths";
        if !path_item && let Some(placed) = self.placed(target, &fragment) {
            self.set_ref(&ref_at, &placed);
            return;
        }
        if self.is_slot(&segs) {
            self.inline(at, target, &fragment, content);
            return;
        }
        if segs.len() == 3 && segs[0] == "paths" && METHODS.contains(&segs[2].as_str()) {
            if !self.lenient {
                self.problem(
                Severity::Error,
                    &ref_at,
                    format!(
                        "`{r}` stands for an operation, where OpenAPI allows a `$ref` only for a whole path item (pass --lenient to read the operation from there)"
                    ),
                );
                return;
            }
            self.problem(
                Severity::Warning,
                &ref_at,
                format!(
                    "`{r}` stands for an operation, where OpenAPI allows a `$ref` only for a whole path item; the operation is read from there (--lenient)"
                ),
            );
            self.inline(at, target, &fragment, content);
            return;
        }
        match self.section(&segs, &fragment) {
            Some((section, name)) => {
                let name = if name.is_empty() {
                    stem(self.path_of(target))
                } else {
                    name
                };
                let Some(name) = add_component_at(&mut self.doc, section, &name, content, self.swagger2) else {
                    return;
                };
                let placed = match section {
                    _ if self.swagger2 => push_pointer(&format!("/{}", swagger2_section(section)), &name),
                    _ => push_pointer(&push_pointer("/components", section), &name),
                };
                self.record(&placed, target, &fragment);
                self.set_ref(&ref_at, &placed);
                self.scan(&placed, target);
            }
            None => self.inline(at, target, &fragment, content),
        }
    }

    /// The section and name of the component that content used at `at`
    /// and found at `fragment` becomes: the name it has there when that is
    /// a component's place, else its last segment (empty for a whole file).
    fn section(&self, at: &[String], fragment: &str) -> Option<(&'static str, String)> {
        let target = segments(fragment);
        let from_place = match target.as_slice() {
            [c, s, n] if c == "components" => section_key(s).map(|s| (s, n.clone())),
            [s, n] if matches!(s.as_str(), "definitions" | "parameters" | "responses") => {
                Some((if s == "definitions" { "schemas" } else { section_key(s)? }, n.clone()))
            }
            _ => None,
        };
        let section = match from_place {
            Some(found) => Some(found),
            None => super::refs::section_key_at(at).map(|s| (s, target.last().cloned().unwrap_or_default())),
        }?;
        // Swagger 2.0 has no place for request bodies or headers: those
        // are written where they are used.
        (!self.swagger2 || matches!(section.0, "schemas" | "parameters" | "responses")).then_some(section)
    }

    /// Writes `content` in place of the `$ref` at `at`, keeping what was
    /// written beside the `$ref` (a 3.1 `description`, say).
    fn inline(&mut self, at: &str, file: usize, fragment: &str, content: Value) {
        let Some(Value::Object(site)) = self.doc.pointer_mut(at) else {
            return;
        };
        let mut beside: Map<String, Value> = std::mem::take(site);
        beside.remove("$ref");
        let merged = match content {
            Value::Object(mut m) => {
                for (k, v) in beside {
                    m.entry(k).or_insert(v);
                }
                Value::Object(m)
            }
            other => other,
        };
        if let Some(slot) = self.doc.pointer_mut(at) {
            *slot = merged;
        }
        self.record(at, file, fragment);
        self.scan(at, file);
    }

    /// A problem at `at` of the single document, located now, in the file
    /// that wrote it.
    fn problem(&mut self, severity: Severity, at: &str, message: impl Into<String>) {
        let (file, pointer) = self.sources.origin(at);
        self.sources.direct.push((severity, file, pointer, message.into()));
    }

    fn record(&mut self, at: &str, file: usize, fragment: &str) {
        self.sources.placed.push((at.to_owned(), file, fragment.to_owned()));
    }

    /// Where `fragment` of `file` was placed, when it or a piece around it
    /// was.
    fn placed(&self, file: usize, fragment: &str) -> Option<String> {
        let from_file = self
            .sources
            .placed
            .iter()
            .filter(|p| p.1 == file)
            .map(|(at, _, from)| (from.as_str(), at));
        longest_prefix(from_file, fragment).map(|(rest, at)| format!("{at}{rest}"))
    }

    fn set_ref(&mut self, ref_at: &str, pointer: &str) {
        if let Some(slot) = self.doc.pointer_mut(ref_at) {
            *slot = Value::String(format!("#{}", pointer_as_uri(pointer)));
        }
    }

    /// The file at `path`, read and parsed once. `Ok(None)` when it was
    /// read but is not YAML (reported, located in that file).
    fn load(&mut self, path: &str) -> Result<Option<usize>, String> {
        if let Some(known) = self.loaded.get(path) {
            return Ok(*known);
        }
        let text = self.files.read(path)?;
        let shown = format!("{}{path}", self.shown_dir);
        let index = self.sources.others.len() + 1;
        let parsed = super::parse(super::without_bom(&text));
        self.sources.others.push(Other {
            shown: shown.clone(),
            path: path.to_owned(),
            text,
        });
        match parsed {
            Ok(v) => {
                self.docs.push(v);
                self.loaded.insert(path.to_owned(), Some(index));
                Ok(Some(index))
            }
            Err(e) => {
                self.docs.push(Value::Null);
                self.loaded.insert(path.to_owned(), None);
                self.sources.early.push(Diagnostic {
                    severity: Severity::Error,
                    file: shown,
                    line: e.line,
                    column: e.column,
                    pointer: String::new(),
                    message: e.message,
                });
                Ok(None)
            }
        }
    }
}

/// Calls `hit` with the path of every object under `v` holding a `$ref`
/// (every one when `all`, else those that name another file), outside
/// extensions and examples. Recursion is bounded by the document's depth,
/// which reading bounds.
fn collect_refs<'v>(v: &'v Value, all: bool, path: &mut Vec<&'v str>, hit: &mut dyn FnMut(&[&str])) {
    match v {
        Value::Object(m) => {
            if let Some(Value::String(r)) = m.get("$ref")
                && (all || !r.starts_with('#'))
            {
                hit(path);
            }
            for (k, child) in m {
                if k.starts_with("x-") || k == "$ref" || k == "example" || k == "examples" {
                    continue;
                }
                if matches!(child, Value::Object(_) | Value::Array(_)) {
                    path.push(k);
                    collect_refs(child, all, path, hit);
                    path.pop();
                }
            }
        }
        Value::Array(a) => {
            for (i, child) in a.iter().enumerate() {
                if matches!(child, Value::Object(_) | Value::Array(_)) {
                    let index: &'v str = INDEX.get(i).copied().unwrap_or("");
                    if index.is_empty() {
                        // Past the table: an owned index, only on a hit.
                        let mut inner = Vec::new();
                        collect_refs(child, all, &mut inner, &mut |segments: &[&str]| {
                            let n = i.to_string();
                            let mut full: Vec<&str> = path.clone();
                            full.push(&n);
                            full.extend_from_slice(segments);
                            hit(&full);
                        });
                    } else {
                        path.push(index);
                        collect_refs(child, all, path, hit);
                        path.pop();
                    }
                }
            }
        }
        _ => {}
    }
}

/// Array indexes as text, for paths: a spec's lists are short.
const INDEX: [&str; 32] = [
    "0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11", "12", "13", "14", "15", "16", "17", "18", "19", "20",
    "21", "22", "23", "24", "25", "26", "27", "28", "29", "30", "31",
];

/// Every `$id` of a 3.1 document's schemas.
fn resource_ids(root: &Value) -> std::collections::HashSet<String> {
    let mut ids = std::collections::HashSet::new();
    if !root
        .get("openapi")
        .and_then(Value::as_str)
        .is_some_and(|v| v.starts_with("3.1"))
    {
        return ids;
    }
    let mut stack = vec![root];
    while let Some(v) = stack.pop() {
        match v {
            Value::Object(m) => {
                if let Some(Value::String(id)) = m.get("$id") {
                    ids.insert(id.clone());
                }
                stack.extend(m.iter().filter(|(k, _)| !k.starts_with("x-")).map(|(_, v)| v));
            }
            Value::Array(a) => stack.extend(a),
            _ => {}
        }
    }
    ids
}

fn swagger2_section(section: &str) -> &str {
    if section == "schemas" { "definitions" } else { section }
}

/// Adds a component: under `components/<section>` in 3.x, under the
/// top-level `definitions`, `parameters` or `responses` in 2.0.
fn add_component_at(root: &mut Value, section: &str, name: &str, content: Value, swagger2: bool) -> Option<String> {
    if !swagger2 {
        return add_component(root, section, name, content);
    }
    let list = root
        .as_object_mut()?
        .entry(swagger2_section(section))
        .or_insert_with(|| Value::Object(Map::new()))
        .as_object_mut()?;
    Some(add_named(list, name, content))
}

/// A file's name without its folder and extension: `schemas/pet.yaml` →
/// `pet`.
fn stem(path: &str) -> String {
    let file = path.rsplit('/').next().unwrap_or(path);
    file.split_once('.').map_or(file, |(s, _)| s).to_owned()
}

/// `reference` (a `$ref`'s file part) from the file at `from`, as a path
/// relative to the root's folder; `Err` says why it cannot be read.
fn relative(from: &str, reference: &str) -> Result<String, String> {
    let scheme = reference
        .split_once(':')
        .is_some_and(|(s, _)| !s.is_empty() && s.chars().all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c)));
    if scheme || reference.starts_with("//") {
        return Err(
            "names a URL; the generator reads only files in the spec's folder (download it and refer to the copy)"
                .to_owned(),
        );
    }
    if reference.starts_with('/') || reference.starts_with('\\') {
        return Err("is an absolute path; a file must be named relative to the file that refers to it".to_owned());
    }
    let decoded = percent_decoded(reference);
    let mut parts: Vec<&str> = from.split('/').collect();
    parts.pop();
    for seg in decoded.split('/') {
        match seg {
            "" | "." => {}
            ".." => {
                if parts.pop().is_none() {
                    return Err("leaves the spec's folder; only files in it and below it are read".to_owned());
                }
            }
            s => parts.push(s),
        }
    }
    Ok(parts.join("/"))
}

/// `%xx` escapes decoded, as a URI reference may carry them (`%20`,
/// `%7B`); anything that does not decode to UTF-8 is kept as written.
fn percent_decoded(s: &str) -> String {
    if !s.contains('%') {
        return s.to_owned();
    }
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && let Some(b) = s.get(i + 1..i + 3).and_then(|h| u8::from_str_radix(h, 16).ok())
        {
            out.push(b);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8(out).unwrap_or_else(|_| s.to_owned())
}

/// A JSON pointer as a URI fragment: what a fragment may not hold raw
/// (a space, `%`, `{`, `}`, …) escaped, so the `$ref` reads back the same.
fn pointer_as_uri(pointer: &str) -> String {
    let mut out = String::with_capacity(pointer.len());
    for c in pointer.chars() {
        match c {
            '%' | ' ' | '"' | '<' | '>' | '\\' | '^' | '`' | '{' | '|' | '}' | '#' => {
                let mut buf = [0u8; 4];
                for b in c.encode_utf8(&mut buf).bytes() {
                    out.push_str(&format!("%{b:02X}"));
                }
            }
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    struct Map(BTreeMap<&'static str, &'static str>);

    impl SpecFiles for Map {
        fn read(&self, path: &str) -> Result<String, String> {
            self.0
                .get(path)
                .map(|s| (*s).to_owned())
                .ok_or_else(|| "no such file".to_owned())
        }
    }

    fn bundled(root: &str, files: &[(&'static str, &'static str)]) -> Result<Value, Vec<String>> {
        let files = Map(files.iter().copied().collect());
        match bundle(root, "api/openapi.yaml", &files, false) {
            Ok((doc, sources)) => {
                assert!(sources.direct.is_empty());
                Ok(doc)
            }
            Err(Unread::Located(d)) => Err(d.iter().map(|d| format!("{}: {}", d.pointer, d.message)).collect()),
            Err(Unread::Syntax(e)) => Err(vec![e.message]),
        }
    }

    #[test]
    fn relative_paths() {
        assert_eq!(
            relative("openapi.yaml", "./schemas/pet.yaml").as_deref(),
            Ok("schemas/pet.yaml")
        );
        assert_eq!(relative("paths/a/b.yaml", "../../c.yaml").as_deref(), Ok("c.yaml"));
        assert_eq!(relative("a/b.yaml", ".././c%20d.yaml").as_deref(), Ok("c d.yaml"));
        assert!(relative("a.yaml", "../b.yaml").is_err());
        assert!(relative("a.yaml", "https://example.com/b.yaml").is_err());
        assert!(relative("a.yaml", "/etc/passwd").is_err());
    }

    #[test]
    fn whole_maps_files_and_cycles() {
        let root = "openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths:\n  /pets:\n    $ref: paths/pets.yaml#/pets\ncomponents:\n  schemas:\n    $ref: schemas/_index.yaml\n";
        let doc = bundled(
            root,
            &[
                ("schemas/_index.yaml", "Pet: {$ref: ./pet.yaml}\nOwner: {$ref: 'owner.yaml#/Owner'}\n"),
                (
                    "schemas/pet.yaml",
                    "type: object\nproperties:\n  owner: {$ref: 'owner.yaml#/Owner'}\n  tag: {$ref: '../common/tag.json'}\n",
                ),
                (
                    "schemas/owner.yaml",
                    "Owner:\n  type: object\n  properties:\n    pets: {type: array, items: {$ref: ./pet.yaml}}\n",
                ),
                ("common/tag.json", "{\"type\": \"string\"}"),
                (
                    "paths/pets.yaml",
                    "pets:\n  get:\n    responses:\n      '200':\n        description: ok\n        content:\n          application/json:\n            schema: {$ref: '../schemas/_index.yaml#/Pet'}\n",
                ),
            ],
        )
        .expect("bundles");
        assert_eq!(
            doc.pointer("/components/schemas/Pet/properties/owner/$ref"),
            Some(&Value::from("#/components/schemas/Owner"))
        );
        assert_eq!(
            doc.pointer("/components/schemas/Owner/properties/pets/items/$ref"),
            Some(&Value::from("#/components/schemas/Pet"))
        );
        assert_eq!(
            doc.pointer("/components/schemas/tag/type"),
            Some(&Value::from("string"))
        );
        assert_eq!(
            doc.pointer("/paths/~1pets/get/responses/200/content/application~1json/schema/$ref"),
            Some(&Value::from("#/components/schemas/Pet"))
        );
    }

    #[test]
    fn problems_are_at_the_ref() {
        let root = "openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths: {}\ncomponents:\n  schemas:\n    A: {$ref: 'https://example.com/a.yaml'}\n    B: {$ref: '../b.yaml'}\n    C: {$ref: 'c.yaml'}\n    D: {$ref: 'd.yaml#/nothing'}\n";
        let messages = bundled(root, &[("d.yaml", "x: 1\n")]).expect_err("refused");
        assert_eq!(messages.len(), 4, "{messages:#?}");
        assert!(messages[0].starts_with("/components/schemas/A/$ref: ") && messages[0].contains("URL"));
        assert!(messages[1].contains("leaves the spec's folder"));
        assert!(messages[2].contains("cannot read `c.yaml`: no such file"));
        assert!(messages[3].contains("`d.yaml` has nothing at `/nothing`"));
    }
}
