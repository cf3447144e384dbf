//! References, read the way JSON Reference defines them: a `$ref` may point
//! anywhere in the document (`#/components/parameters/X/schema`, a member
//! of a `oneOf` under `responses`, a schema under `paths`), with `~0`/`~1`
//! escapes, in chains of any length.
//!
//! Everything after reading works with components: a validator follows
//! `#/components/<section>/<name>`, lowering names types after component
//! keys. So before anything else looks at the document, [`hoist`] moves
//! every target that is not a whole component of its kind into one: the
//! target's content becomes `#/components/<section>/<Name>`, the target
//! itself becomes a `$ref` to it, and every `$ref` to the target is
//! rewritten. The document means the same afterwards; each hoisted
//! component's pointer is mapped back to where its content was written, so
//! diagnostics still point into the file the user wrote.
//!
//! `$ref`s inside `x-` extensions are never followed or rewritten: they are
//! the extension's business (and often point at files that are not there).

use std::collections::{BTreeMap, HashMap};

use heck::ToUpperCamelCase;
use serde_json::{Map, Value};

use crate::diag::{Origins, Sink, push_pointer};

/// The kind of object a `$ref` stands for, by where it stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Section {
    Schemas,
    Parameters,
    Responses,
    RequestBodies,
    Headers,
}

impl Section {
    fn key(self) -> &'static str {
        match self {
            Section::Schemas => "schemas",
            Section::Parameters => "parameters",
            Section::Responses => "responses",
            Section::RequestBodies => "requestBodies",
            Section::Headers => "headers",
        }
    }

    fn from_key(key: &str) -> Option<Section> {
        Some(match key {
            "schemas" => Section::Schemas,
            "parameters" => Section::Parameters,
            "responses" => Section::Responses,
            "requestBodies" => Section::RequestBodies,
            "headers" => Section::Headers,
            _ => return None,
        })
    }
}

/// Splits a JSON pointer into unescaped segments.
pub(crate) fn segments(pointer: &str) -> Vec<String> {
    pointer
        .split('/')
        .skip(1)
        .map(|s| s.replace("~1", "/").replace("~0", "~"))
        .collect()
}

/// What a `$ref` at `at` (the pointer of the object holding it) stands
/// for, judged by the keys above it; `None` for places whose references
/// the generator does not follow (examples, links, callbacks' own).
fn section_at(at: &[String]) -> Option<Section> {
    let n = at.len();
    let last = at.last().map(String::as_str);
    let parent = n.checked_sub(2).map(|i| at[i].as_str());
    if n == 3 && at[0] == "components" {
        return Section::from_key(&at[1]);
    }
    match (parent, last) {
        (_, Some(MAPPING_SLOT | "schema" | "items" | "additionalProperties" | "not")) => Some(Section::Schemas),
        (Some("properties" | "allOf" | "oneOf" | "anyOf"), _) => Some(Section::Schemas),
        (_, Some("requestBody")) => Some(Section::RequestBodies),
        (Some("parameters"), _) => Some(Section::Parameters),
        (Some("responses"), _) => Some(Section::Responses),
        (Some("headers"), _) => Some(Section::Headers),
        _ => None,
    }
}

/// A section's key as the generator names it (`schemas`, …), for a key
/// that is one.
pub(crate) fn section_key(key: &str) -> Option<&'static str> {
    Section::from_key(key).map(Section::key)
}

/// The components section a `$ref` at `at` stands for (see `section_at`).
pub(crate) fn section_key_at(at: &[String]) -> Option<&'static str> {
    section_at(at).map(Section::key)
}

/// A discriminator's mapping value: a schema reference too. Its place is
/// recorded as if it were a schema, so that it is judged as one.
const MAPPING_SLOT: &str = "\u{0}mapping";

/// Every `$ref` of the document outside extensions: (pointer of the object
/// holding it, its text). Discriminator mappings count as schema references.
fn collect(v: &Value, pointer: &str, out: &mut Vec<(String, String)>) {
    match v {
        Value::Object(m) => {
            if let Some(Value::String(r)) = m.get("$ref") {
                out.push((pointer.to_owned(), r.clone()));
            }
            if let Some(Value::Object(mapping)) = m.get("discriminator").and_then(|d| d.get("mapping")) {
                for target in mapping.values().filter_map(Value::as_str) {
                    out.push((push_pointer(pointer, MAPPING_SLOT), target.to_owned()));
                }
            }
            for (k, child) in m {
                if k.starts_with("x-") || k == "$ref" || k == "example" || k == "examples" {
                    continue;
                }
                collect(child, &push_pointer(pointer, k), out);
            }
        }
        Value::Array(a) => {
            for (i, child) in a.iter().enumerate() {
                collect(child, &push_pointer(pointer, &i.to_string()), out);
            }
        }
        _ => {}
    }
}

/// Rewrites every `$ref` (and discriminator mapping) found in `renames`,
/// outside extensions, in one walk over the document.
fn rewrite(v: &mut Value, renames: &HashMap<String, String>) {
    match v {
        Value::Object(m) => {
            if let Some(to) = m.get("$ref").and_then(Value::as_str).and_then(|r| renames.get(r)) {
                let to = to.clone();
                m.insert("$ref".to_owned(), Value::String(to));
            }
            if let Some(Value::Object(mapping)) = m.get_mut("discriminator").and_then(|d| d.get_mut("mapping")) {
                for target in mapping.values_mut() {
                    if let Some(to) = target.as_str().and_then(|r| renames.get(r)) {
                        *target = Value::String(to.clone());
                    }
                }
            }
            for (k, child) in m.iter_mut() {
                if !k.starts_with("x-") && k != "example" && k != "examples" {
                    rewrite(child, renames);
                }
            }
        }
        Value::Array(a) => a.iter_mut().for_each(|c| rewrite(c, renames)),
        _ => {}
    }
}

/// The most `$ref`s one chain of references may run through before it is
/// read as a loop; the typed follower of lowering (`ir::refs`) keeps it too.
pub(crate) const MAX_HOPS: usize = 64;

/// The one way a reference is followed in the document as read: a local
/// `$ref` (`#/…`), through every `$ref` on its way (bundlers write pointers
/// that run through one) and at its end, to the value it stands for and
/// that value's pointer. `None` when it is not local, leads nowhere or
/// loops: validation reports that where the reference is used.
pub(crate) fn target<'v>(root: &'v Value, reference: &str) -> Option<(&'v Value, String)> {
    let at = locate_through(root, reference.strip_prefix('#')?)?;
    Some((root.pointer(&at)?, at))
}

/// Where `local` points, as a pointer that does not run through a `$ref`.
/// Bundlers write pointers such as `#/paths/…/items/allOf/0` where `items`
/// is itself a `$ref`: the walk follows such a `$ref` and goes on in its
/// target. `None` when there is nothing there (or the walk loops).
fn locate_through(root: &Value, local: &str) -> Option<String> {
    let mut at = String::new();
    let mut node = root;
    let mut hops = 0;
    for seg in segments(local) {
        loop {
            let next = match node {
                Value::Object(m) => m.get(&seg),
                Value::Array(a) => seg.parse::<usize>().ok().and_then(|i| a.get(i)),
                _ => None,
            };
            if let Some(next) = next {
                at = push_pointer(&at, &seg);
                node = next;
                break;
            }
            // Not here: through this node's `$ref`, if it has one.
            let target = node.get("$ref")?.as_str()?.strip_prefix('#')?;
            hops += 1;
            if hops > MAX_HOPS {
                return None;
            }
            node = root.pointer(target)?;
            at = target.to_owned();
        }
    }
    // What is there may itself be only a `$ref`: the target is its target.
    while let Some(target) = node
        .as_object()
        .filter(|m| m.len() == 1)
        .and_then(|m| m.get("$ref"))
        .and_then(Value::as_str)
        .and_then(|r| r.strip_prefix('#'))
    {
        hops += 1;
        if hops > MAX_HOPS {
            return None;
        }
        node = root.pointer(target)?;
        at = target.to_owned();
    }
    Some(at)
}

/// A component name for content written at `pointer`.
fn name_for(pointer: &[String]) -> String {
    let words: Vec<&str> = pointer
        .iter()
        .map(String::as_str)
        .filter(|s| {
            !matches!(
                *s,
                "components"
                    | "paths"
                    | "content"
                    | "schema"
                    | "schemas"
                    | "parameters"
                    | "responses"
                    | "requestBodies"
                    | "headers"
                    | "properties"
            ) && !s.contains('/')
        })
        .collect();
    let name = words.join(" ").to_upper_camel_case();
    if name.is_empty() { "Hoisted".to_owned() } else { name }
}

/// `components/<key>` of the document, made if missing.
pub(crate) fn section_mut<'a>(root: &'a mut Value, key: &str) -> Option<&'a mut Map<String, Value>> {
    root.as_object_mut()?
        .entry("components")
        .or_insert_with(|| Value::Object(Map::new()))
        .as_object_mut()?
        .entry(key)
        .or_insert_with(|| Value::Object(Map::new()))
        .as_object_mut()
}

/// Adds `content` to `components/<key>` under `base`, or `base2`, `base3`
/// … where that is taken; returns the name used. Every rewrite that makes
/// a component (hoisting here, `$defs` and webhooks in `spec::upgrade`)
/// names it this way.
pub(crate) fn add_component(root: &mut Value, key: &str, base: &str, content: Value) -> Option<String> {
    Some(add_named(section_mut(root, key)?, base, content))
}

/// Adds `content` to `list` under `base`, or `base2`, `base3` … where
/// that is taken; the name used.
pub(crate) fn add_named(list: &mut Map<String, Value>, base: &str, content: Value) -> String {
    let mut name = base.to_owned();
    let mut n = 2;
    while list.contains_key(&name) {
        name = format!("{base}{n}");
        n += 1;
    }
    list.insert(name.clone(), content);
    name
}

/// A `$ref` where a schema goes that names a whole response, request
/// body, parameter or header (an author's mistake some large specs make):
/// under `--lenient` it is read as the schema that component holds (its
/// JSON content's, or its own `schema`), with a warning, by pointing the
/// `$ref` there; hoisting then makes that schema a component. Whether any
/// was rewritten.
fn schemas_in_other_components(root: &mut Value, refs: &[(String, String)], sink: &mut Sink) -> bool {
    let mut rewritten = false;
    for (at, r) in refs {
        if section_at(&segments(at)) != Some(Section::Schemas) || at.ends_with(MAPPING_SLOT) {
            continue;
        }
        let Some(canonical) = r.strip_prefix('#').and_then(|local| locate_through(root, local)) else {
            continue;
        };
        let target = segments(&canonical);
        let (true, Some(found)) = (
            target.len() == 3 && target[0] == "components",
            target.get(1).and_then(|k| Section::from_key(k)),
        ) else {
            continue;
        };
        if found == Section::Schemas {
            continue;
        }
        let Some(component) = root.pointer(&canonical) else {
            continue;
        };
        let inner = match component.get("content").and_then(Value::as_object) {
            Some(content) => {
                let media = content
                    .keys()
                    .find(|m| {
                        let m = m.to_ascii_lowercase();
                        m.starts_with("application/json") || m.contains("+json")
                    })
                    .or_else(|| content.keys().next());
                media
                    .filter(|m| content.get(*m).and_then(|mt| mt.get("schema")).is_some())
                    .map(|m| push_pointer(&push_pointer(&push_pointer(&canonical, "content"), m), "schema"))
            }
            None => component.get("schema").map(|_| push_pointer(&canonical, "schema")),
        };
        let Some(inner) = inner else { continue };
        sink.warning(
            &push_pointer(at, "$ref"),
            format!(
                "`{r}` is a {} where a schema is expected; read as the schema it holds (--lenient)",
                match found {
                    Section::Responses => "response",
                    Section::RequestBodies => "request body",
                    Section::Parameters => "parameter",
                    _ => "header",
                }
            ),
        );
        if let Some(Value::Object(m)) = root.pointer_mut(at) {
            m.insert("$ref".to_owned(), Value::String(format!("#{inner}")));
            rewritten = true;
        }
    }
    rewritten
}

/// Makes every reference point at a whole component of its kind (see the
/// module's docs). Returns the hoisted components' pointers, each with the
/// pointer its content came from.
///
/// A `$ref` that points at a whole component of another kind is an
/// author's mistake: under `lenient` a response that points at a request
/// body is read as a response with its content (a warning says so);
/// otherwise it is an error that names `--lenient`.
pub(crate) fn hoist(root: &mut Value, sink: &mut Sink, lenient: bool) -> Origins {
    let mut refs = Vec::new();
    collect(root, "", &mut refs);
    if lenient && schemas_in_other_components(root, &refs, sink) {
        refs.clear();
        collect(root, "", &mut refs);
    }
    // Target pointer → the kind it is used as.
    let mut targets: BTreeMap<String, Section> = BTreeMap::new();
    // Target pointer → every way a `$ref` spells it.
    let mut spellings: BTreeMap<String, Vec<String>> = BTreeMap::new();
    // A whole component of another kind → the places that use it as this kind.
    let mut cross: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (at, r) in &refs {
        let Some(local) = r.strip_prefix('#') else {
            continue;
        };
        let Some(section) = section_at(&segments(at)) else {
            continue;
        };
        let Some(canonical) = locate_through(root, local) else {
            // Validation reports it, once, where it is used.
            continue;
        };
        let target = segments(&canonical);
        let whole = target.len() == 3 && target[0] == "components";
        if whole && target[1] == section.key() {
            if canonical != local {
                spellings.entry(canonical).or_default().push(r.clone());
            }
            continue;
        }
        if whole {
            let found = Section::from_key(&target[1]);
            let (Some(found), true) = (found, section == Section::Responses) else {
                continue;
            };
            if found != Section::RequestBodies {
                continue;
            }
            let ref_pointer = push_pointer(at, "$ref");
            if !lenient {
                // Validation refuses it and names --lenient.
                continue;
            }
            sink.warning(
                &ref_pointer,
                format!("`{r}` is a request body where a response is expected; read as a response with its content (--lenient)"),
            );
            // Only these uses move; the request body's own uses stay.
            cross.entry(canonical.clone()).or_default().push(at.clone());
            targets.entry(canonical.clone()).or_insert(section);
            continue;
        }
        targets.entry(canonical.clone()).or_insert(section);
        spellings.entry(canonical).or_default().push(r.clone());
    }
    // Old reference text → new, applied in one walk at the end.
    let mut renames: HashMap<String, String> = HashMap::new();
    // A pointer that ran through a `$ref` to a whole component: point at
    // the component itself.
    for (canonical, list) in &spellings {
        if targets.contains_key(canonical) {
            continue;
        }
        for r in list {
            renames.insert(r.clone(), format!("#{canonical}"));
        }
    }
    // Deeper targets first: an outer one then carries the rewritten $ref.
    let mut order: Vec<(String, Section)> = targets.into_iter().collect();
    order.sort_by_key(|(p, _)| std::cmp::Reverse(segments(p).len()));
    let mut aliases = Origins::default();
    for (local, section) in order {
        let Some(mut content) = root.pointer(&local).cloned() else {
            continue;
        };
        if section == Section::Responses {
            // A request body read as a response needs the description a
            // response must have.
            if let Value::Object(m) = &mut content {
                m.entry("description").or_insert_with(|| Value::String(String::new()));
                m.remove("required");
            }
        }
        let Some(name) = add_component(root, section.key(), &name_for(&segments(&local)), content) else {
            continue;
        };
        let new_pointer = push_pointer(&push_pointer("/components", section.key()), &name);
        let new_ref = format!("#{new_pointer}");
        let mut replaced = Map::new();
        replaced.insert("$ref".to_owned(), Value::String(new_ref.clone()));
        if let Some(uses) = cross.get(&local) {
            // A request body read as a response: it stays a request body
            // for its own uses; only the responses point at the copy.
            for at in uses {
                if let Some(Value::Object(m)) = root.pointer_mut(at) {
                    m.insert("$ref".to_owned(), Value::String(new_ref.clone()));
                }
            }
            aliases.add(new_pointer, local);
            continue;
        }
        if let Some(slot) = root.pointer_mut(&local) {
            *slot = Value::Object(replaced);
        }
        renames.insert(format!("#{local}"), new_ref.clone());
        for r in spellings.get(&local).into_iter().flatten() {
            renames.insert(r.clone(), new_ref.clone());
        }
        aliases.add(new_pointer, local);
    }
    if !renames.is_empty() {
        rewrite(root, &renames);
    }
    aliases
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn targets_anywhere_become_components() {
        let mut doc = json!({
            "openapi": "3.0.3",
            "paths": {"/a": {"get": {"parameters": [
                {"name": "s", "in": "query", "schema": {"$ref": "#/components/parameters/State/schema"}}
            ], "responses": {"200": {"description": "ok", "content": {"application/json": {"schema":
                {"oneOf": [{"$ref": "#/components/responses/R/content/application~1json/schema/oneOf/0"}]}}}}}}}},
            "components": {
                "parameters": {"State": {"name": "state", "in": "query", "schema": {"type": "string", "enum": ["a"]}}},
                "responses": {"R": {"description": "r", "content": {"application/json": {"schema": {"oneOf": [{"type": "integer"}]}}}}}
            },
            "x-tool": {"$ref": "#/components/parameters/State/schema"}
        });
        let mut sink = Sink::default();
        let aliases = hoist(&mut doc, &mut sink, false);
        assert!(sink.items.is_empty(), "{:?}", sink.items);
        assert_eq!(
            doc.pointer("/components/schemas/State"),
            Some(&json!({"type": "string", "enum": ["a"]}))
        );
        assert_eq!(
            doc.pointer("/components/parameters/State/schema"),
            Some(&json!({"$ref": "#/components/schemas/State"}))
        );
        assert_eq!(
            doc.pointer("/paths/~1a/get/parameters/0/schema/$ref"),
            Some(&json!("#/components/schemas/State"))
        );
        assert_eq!(
            doc.pointer("/components/schemas/ROneOf0"),
            Some(&json!({"type": "integer"}))
        );
        // Extensions are left alone.
        assert_eq!(
            doc.pointer("/x-tool/$ref"),
            Some(&json!("#/components/parameters/State/schema"))
        );
        assert_eq!(
            aliases.original("/components/schemas/State/enum/0"),
            "/components/parameters/State/schema/enum/0"
        );
        assert_eq!(
            aliases.original("/components/schemas/Stately"),
            "/components/schemas/Stately"
        );
    }

    #[test]
    fn a_response_pointing_at_a_request_body_needs_lenient() {
        let doc = json!({
            "paths": {"/a": {"get": {"responses": {"200": {"$ref": "#/components/requestBodies/B"}}}}},
            "components": {"requestBodies": {"B": {"required": true, "content": {"application/json": {"schema": {"type": "string"}}}}}}
        });
        let mut strict = doc.clone();
        let mut sink = Sink::default();
        hoist(&mut strict, &mut sink, false);
        assert_eq!(strict, doc, "without --lenient nothing is rewritten");
        let mut lenient = doc;
        let mut sink = Sink::default();
        hoist(&mut lenient, &mut sink, true);
        assert!(!sink.has_errors());
        assert_eq!(
            lenient.pointer("/paths/~1a/get/responses/200/$ref"),
            Some(&json!("#/components/responses/B"))
        );
        assert_eq!(lenient.pointer("/components/responses/B/description"), Some(&json!("")));
        // The request body itself is still there for its own uses.
        assert!(lenient.pointer("/components/requestBodies/B/content").is_some());
    }
}
