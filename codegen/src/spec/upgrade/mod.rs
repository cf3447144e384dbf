//! OpenAPI 3.1 and Swagger 2.0 documents, brought to the OpenAPI 3.0 form
//! that everything after reading understands.
//!
//! The step works on the document as parsed (`serde_json::Value`), before
//! references are hoisted, before validation and before the typed read by
//! `openapiv3` (which only reads 3.0). So one validator, one reference
//! resolver and one lowering serve all three versions, and nothing after
//! this module knows which version the user wrote. What moves is recorded:
//! each upgraded pointer prefix with the pointer it was written at
//! ([`Origins`]), so every diagnostic still points at a line, a column and a
//! JSON pointer of the user's own file.
//!
//! A 3.0 document is not touched: its path through the generator is the
//! one it always had.

mod openapi31;
mod swagger2;

use serde_json::{Map, Value};

use crate::diag::{Origins, Sink, push_pointer};

/// The versions the generator reads, by the document's own version field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Version {
    OpenApi30,
    OpenApi31,
    Swagger2,
    /// Something else: validation says what it found.
    Other,
}

impl Version {
    pub(crate) fn of(root: &Value) -> Version {
        let Some(m) = root.as_object() else {
            return Version::Other;
        };
        if let Some(Value::String(v)) = m.get("openapi") {
            if v.starts_with("3.1.") || v == "3.1" {
                return Version::OpenApi31;
            }
            if v.starts_with("3.0.") || v == "3.0" {
                return Version::OpenApi30;
            }
            return Version::Other;
        }
        match m.get("swagger") {
            Some(Value::String(v)) if v == "2.0" => Version::Swagger2,
            Some(Value::Number(n)) if n.as_f64() == Some(2.0) => Version::Swagger2,
            _ => Version::Other,
        }
    }
}

/// Brings a 3.1 or 2.0 document to OpenAPI 3.0 in place (a 3.0 document,
/// or one of no known version, is left as it is) and returns where its
/// parts were written.
pub(crate) fn upgrade(root: &mut Value, sink: &mut Sink, lenient: bool) -> Origins {
    let mut origins = Origins::default();
    match Version::of(root) {
        Version::OpenApi31 => openapi31::upgrade(root, sink, lenient, &mut origins),
        Version::Swagger2 => swagger2::upgrade(root, sink, lenient, &mut origins),
        Version::OpenApi30 => {
            // `nullable` beside a `$ref` means nothing in 3.0, but its
            // authors meant the reference nullable: read as they meant.
            let rewritten = schemas(root, Dialect::OpenApi30, sink, lenient, &mut origins);
            if rewritten > 0 {
                sink.warning("", format!("{rewritten} `$ref`(s) carry `nullable: true` beside them, which OpenAPI 3.0 ignores; they are read as nullable references, as their authors meant"));
            }
        }
        Version::Other => {}
    }
    as_meant(root, sink, lenient, &mut origins);
    explicit_explode(root);
    origins
}

/// Writes out the `explode` a form body's `encoding` entry means where it
/// leaves it out: `true` for `style: form` (the default style), `false`
/// otherwise, as OpenAPI says. The `openapiv3` crate reads a missing one
/// as `false`, which would join the lists a form sends one by one.
fn explicit_explode(root: &mut Value) {
    let Value::Object(root) = root else {
        return;
    };
    let mut bodies: Vec<&mut Value> = Vec::new();
    for (key, v) in root.iter_mut() {
        match (key.as_str(), v) {
            ("paths", Value::Object(paths)) => {
                for item in paths.values_mut().filter_map(Value::as_object_mut) {
                    for op in item.values_mut().filter_map(Value::as_object_mut) {
                        bodies.extend(op.get_mut("requestBody"));
                    }
                }
            }
            ("components", Value::Object(c)) => {
                if let Some(Value::Object(b)) = c.get_mut("requestBodies") {
                    bodies.extend(b.values_mut());
                }
            }
            _ => {}
        }
    }
    for body in bodies {
        let Some(Value::Object(encoding)) = body.pointer_mut("/content/application~1x-www-form-urlencoded/encoding")
        else {
            continue;
        };
        for e in encoding.values_mut().filter_map(Value::as_object_mut) {
            if !e.contains_key("explode") {
                let form = e.get("style").is_none_or(|s| s.as_str() == Some("form"));
                e.insert("explode".to_owned(), Value::Bool(form));
            }
        }
    }
}

/// Shapes real specs use that OpenAPI does not allow, read as their authors
/// meant them, in the 3.0 form whatever the version was:
///
/// - a path key with a query string whose values are slots (Azure DevOps
///   writes `/items?includeParent={includeParent}`): the path is the part
///   before `?` (fixed pairs stay, as in `x-ms-paths`), and each slot is a
///   query parameter of the name before its `=`;
/// - with `--lenient`, each with a located warning: a path parameter
///   without `required: true` is required (OpenAPI allows no other), and
///   an operation with `responses: {}` gets its response raw.
fn as_meant(root: &mut Value, sink: &mut Sink, lenient: bool, origins: &mut Origins) {
    let Some(Value::Object(paths)) = root.get_mut("paths") else {
        return;
    };
    let with_query: Vec<String> = paths.keys().filter(|k| k.contains('?')).cloned().collect();
    for key in with_query {
        let Some((base, query)) = key.split_once('?') else {
            continue;
        };
        let mut fixed = Vec::new();
        let mut slots = Vec::new();
        for pair in query.split('&') {
            match pair.split_once('=') {
                Some((name, value)) if value.starts_with('{') && value.ends_with('}') && value.len() > 2 => {
                    slots.push((name.to_owned(), value[1..value.len() - 1].to_owned()));
                }
                _ => fixed.push(pair),
            }
        }
        let new_key = if fixed.is_empty() {
            base.to_owned()
        } else {
            format!("{base}?{}", fixed.join("&"))
        };
        if slots.is_empty() || paths.contains_key(&new_key) {
            continue;
        }
        let Some(mut item) = paths.remove(&key) else { continue };
        if let Value::Object(item) = &mut item {
            slots_as_query(item, &slots);
        }
        origins.add(push_pointer("/paths", &new_key), push_pointer("/paths", &key));
        paths.insert(new_key, item);
    }
    if !lenient {
        return;
    }
    for (key, item) in paths.iter_mut() {
        let Value::Object(item) = item else { continue };
        let at = push_pointer("/paths", key);
        required_path_parameters(item.get_mut("parameters"), &push_pointer(&at, "parameters"), sink);
        for (method, op) in item.iter_mut() {
            if !METHODS.contains(&method.as_str()) {
                continue;
            }
            let Value::Object(op) = op else { continue };
            let op_at = push_pointer(&at, method);
            required_path_parameters(op.get_mut("parameters"), &push_pointer(&op_at, "parameters"), sink);
            if let Some(Value::Object(body)) = op.get_mut("requestBody") {
                content_as_indented(body, &push_pointer(&op_at, "requestBody"), sink);
            }
            if let Some(Value::Object(responses)) = op.get_mut("responses") {
                for (status, r) in responses.iter_mut() {
                    if let Value::Object(r) = r {
                        content_as_indented(r, &push_pointer(&push_pointer(&op_at, "responses"), status), sink);
                    }
                }
            }
            if op
                .get("responses")
                .and_then(Value::as_object)
                .is_some_and(Map::is_empty)
            {
                sink.warning(
                    &push_pointer(&op_at, "responses"),
                    "the operation documents no response; its response is given raw, whatever the status (--lenient)",
                );
                let bytes = |what: &str| {
                    serde_json::json!({"description": format!("{what}, as the server sends it (the spec documents none)."),
                                       "content": {"*/*": {"schema": {"type": "string", "format": "binary"}}}})
                };
                let mut raw = Map::new();
                raw.insert("2XX".to_owned(), bytes("The response"));
                raw.insert("default".to_owned(), bytes("An error"));
                op.insert("responses".to_owned(), Value::Object(raw));
            }
        }
    }
    if let Some(Value::Object(params)) = root.pointer_mut("/components/parameters") {
        for (name, p) in params.iter_mut() {
            let at = push_pointer("/components/parameters", name);
            required_path_parameter(p, &at, sink);
        }
    }
}

/// `content:` left empty with the media types written beside it instead of
/// under it (an indentation slip: `content:` then `text/plain:` at the
/// same depth): the media types are read as its members, with a warning
/// (--lenient).
fn content_as_indented(object: &mut Map<String, Value>, at: &str, sink: &mut Sink) {
    if !matches!(object.get("content"), Some(Value::Null)) {
        return;
    }
    let beside: Vec<String> = object.keys().filter(|k| k.contains('/')).cloned().collect();
    let mut content = Map::new();
    for k in &beside {
        if let Some(v) = object.remove(k) {
            content.insert(k.clone(), v);
        }
    }
    let what = if beside.is_empty() {
        "`content` is empty; read as no media type (--lenient)".to_owned()
    } else {
        format!(
            "`content` is empty and {} written beside it; read as its member{} (--lenient)",
            beside.iter().map(|k| format!("`{k}`")).collect::<Vec<_>>().join(", "),
            if beside.len() == 1 { "" } else { "s" }
        )
    };
    sink.warning(&push_pointer(at, "content"), what);
    object.insert("content".to_owned(), Value::Object(content));
}

/// The path item's and its operations' parameters named by a query slot
/// become query parameters of the slot's name; a slot nothing declares
/// becomes an optional text parameter of the path item.
fn slots_as_query(item: &mut Map<String, Value>, slots: &[(String, String)]) {
    let mut declared = vec![false; slots.len()];
    let mut lists: Vec<&mut Value> = Vec::new();
    for (k, v) in item.iter_mut() {
        if k == "parameters" {
            lists.push(v);
        } else if METHODS.contains(&k.as_str()) {
            if let Some(list) = v.get_mut("parameters") {
                lists.push(list);
            }
        }
    }
    for list in lists {
        let Value::Array(list) = list else { continue };
        for p in list.iter_mut() {
            let Value::Object(p) = p else { continue };
            let Some(name) = p.get("name").and_then(Value::as_str).map(str::to_owned) else {
                continue;
            };
            if let Some(i) = slots.iter().position(|(_, slot)| *slot == name) {
                declared[i] = true;
                p.insert("in".to_owned(), Value::String("query".to_owned()));
                p.insert("name".to_owned(), Value::String(slots[i].0.clone()));
            }
        }
    }
    let missing: Vec<Value> = slots
        .iter()
        .zip(&declared)
        .filter(|(_, d)| !**d)
        .map(|((name, _), _)| serde_json::json!({"name": name, "in": "query", "schema": {"type": "string"}}))
        .collect();
    if !missing.is_empty() {
        let list = item.entry("parameters").or_insert_with(|| Value::Array(Vec::new()));
        if let Value::Array(list) = list {
            list.extend(missing);
        }
    }
}

fn required_path_parameters(list: Option<&mut Value>, at: &str, sink: &mut Sink) {
    let Some(Value::Array(list)) = list else { return };
    for (i, p) in list.iter_mut().enumerate() {
        required_path_parameter(p, &push_pointer(at, &i.to_string()), sink);
    }
}

fn required_path_parameter(p: &mut Value, at: &str, sink: &mut Sink) {
    let Value::Object(p) = p else { return };
    if p.get("in").and_then(Value::as_str) != Some("path") || p.get("required") == Some(&Value::Bool(true)) {
        return;
    }
    let name = p.get("name").and_then(Value::as_str).unwrap_or_default().to_owned();
    sink.warning(
        at,
        format!("path parameter `{name}` has no `required: true`; read as required, as OpenAPI means (--lenient)"),
    );
    p.insert("required".to_owned(), Value::Bool(true));
}

/// The JSON Schema dialect a schema was written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Dialect {
    /// OpenAPI 3.0's own: only a nullable `$ref` is rewritten.
    OpenApi30,
    /// Swagger 2.0's schema object: `x-nullable`, `type: file`, a
    /// discriminator that is a property name.
    Swagger2,
    /// JSON Schema 2020-12, as OpenAPI 3.1 uses it.
    OpenApi31,
}

/// Calls `f` on every schema that a 3.0-shaped document holds outside
/// other schemas: components, parameters, bodies, responses, headers, in
/// operations and callbacks alike. Each call gets the schema's pointer.
fn for_each_schema_root(root: &mut Value, f: &mut dyn FnMut(&mut Value, &str)) {
    let Some(m) = root.as_object_mut() else {
        return;
    };
    if let Some(Value::Object(paths)) = m.get_mut("paths") {
        for (path, item) in paths.iter_mut() {
            path_item(item, &push_pointer("/paths", path), f);
        }
    }
    let Some(Value::Object(components)) = m.get_mut("components") else {
        return;
    };
    for (section, list) in components.iter_mut() {
        let Value::Object(list) = list else { continue };
        let base = push_pointer("/components", section);
        for (name, v) in list.iter_mut() {
            let p = push_pointer(&base, name);
            match section.as_str() {
                "schemas" => f(v, &p),
                "parameters" | "headers" => parameter(v, &p, f),
                "requestBodies" => content(v, &p, f),
                "responses" => response(v, &p, f),
                "callbacks" => callback(v, &p, f),
                _ => {}
            }
        }
    }
}

/// The methods a path item may hold.
const METHODS: &[&str] = &["get", "put", "post", "delete", "options", "head", "patch", "trace"];

fn path_item(item: &mut Value, p: &str, f: &mut dyn FnMut(&mut Value, &str)) {
    let Value::Object(item) = item else { return };
    for (key, v) in item.iter_mut() {
        let kp = push_pointer(p, key);
        match key.as_str() {
            "parameters" => each(v, &kp, &mut |v, p| parameter(v, p, f)),
            k if METHODS.contains(&k) => {
                let Value::Object(op) = v else { continue };
                for (key, v) in op.iter_mut() {
                    let op_p = push_pointer(&kp, key);
                    match key.as_str() {
                        "parameters" => each(v, &op_p, &mut |v, p| parameter(v, p, f)),
                        "requestBody" => content(v, &op_p, f),
                        "responses" => {
                            if let Value::Object(rs) = v {
                                for (code, r) in rs.iter_mut() {
                                    response(r, &push_pointer(&op_p, code), f);
                                }
                            }
                        }
                        "callbacks" => {
                            if let Value::Object(cbs) = v {
                                for (name, cb) in cbs.iter_mut() {
                                    callback(cb, &push_pointer(&op_p, name), f);
                                }
                            }
                        }
                        _ => {}
                    }
                }
            }
            _ => {}
        }
    }
}

fn callback(cb: &mut Value, p: &str, f: &mut dyn FnMut(&mut Value, &str)) {
    if let Value::Object(cb) = cb {
        for (expression, item) in cb.iter_mut() {
            if !expression.starts_with("x-") {
                path_item(item, &push_pointer(p, expression), f);
            }
        }
    }
}

fn each(list: &mut Value, p: &str, f: &mut dyn FnMut(&mut Value, &str)) {
    if let Value::Array(list) = list {
        for (i, v) in list.iter_mut().enumerate() {
            f(v, &push_pointer(p, &i.to_string()));
        }
    }
}

/// A parameter or a header: its `schema`, or the schemas of its `content`.
fn parameter(v: &mut Value, p: &str, f: &mut dyn FnMut(&mut Value, &str)) {
    if let Some(s) = v.get_mut("schema") {
        f(s, &push_pointer(p, "schema"));
    }
    content(v, p, f);
}

fn response(v: &mut Value, p: &str, f: &mut dyn FnMut(&mut Value, &str)) {
    content(v, p, f);
    if let Some(Value::Object(headers)) = v.get_mut("headers") {
        let hp = push_pointer(p, "headers");
        for (name, h) in headers.iter_mut() {
            parameter(h, &push_pointer(&hp, name), f);
        }
    }
}

fn content(v: &mut Value, p: &str, f: &mut dyn FnMut(&mut Value, &str)) {
    let Some(Value::Object(content)) = v.get_mut("content") else {
        return;
    };
    let cp = push_pointer(p, "content");
    for (media, mt) in content.iter_mut() {
        if let Some(s) = mt.get_mut("schema") {
            f(s, &push_pointer(&push_pointer(&cp, media), "schema"));
        }
    }
}

/// Keywords that hold one schema.
const ONE_SCHEMA: &[&str] = &[
    "not",
    "additionalProperties",
    "items",
    "contains",
    "if",
    "then",
    "else",
    "propertyNames",
    "unevaluatedItems",
    "unevaluatedProperties",
];
/// Keywords that hold a list of schemas.
const SCHEMA_LISTS: &[&str] = &["allOf", "anyOf", "oneOf", "prefixItems"];
/// Keywords that hold schemas by name.
const SCHEMA_MAPS: &[&str] = &[
    "properties",
    "patternProperties",
    "$defs",
    "definitions",
    "dependentSchemas",
];

/// Calls `f` on each schema directly inside `m` (not deeper), with its
/// pointer under `p`.
fn for_each_child(m: &mut Map<String, Value>, p: &str, f: &mut dyn FnMut(&mut Value, &str)) {
    for (key, v) in m.iter_mut() {
        let k = key.as_str();
        if ONE_SCHEMA.contains(&k) {
            // `items` as a list is the draft-04 tuple form.
            if let Value::Array(list) = v {
                each_schema(list, &push_pointer(p, k), f);
            } else {
                f(v, &push_pointer(p, k));
            }
        } else if SCHEMA_LISTS.contains(&k) {
            if let Value::Array(list) = v {
                each_schema(list, &push_pointer(p, k), f);
            }
        } else if SCHEMA_MAPS.contains(&k) {
            if let Value::Object(map) = v {
                let mp = push_pointer(p, k);
                for (name, s) in map.iter_mut() {
                    f(s, &push_pointer(&mp, name));
                }
            }
        }
    }
}

fn each_schema(list: &mut [Value], p: &str, f: &mut dyn FnMut(&mut Value, &str)) {
    for (i, s) in list.iter_mut().enumerate() {
        f(s, &push_pointer(p, &i.to_string()));
    }
}

/// Annotations that mean nothing to a generated type beside a `$ref`.
const ANNOTATIONS: &[&str] = &[
    "title",
    "examples",
    "example",
    "default",
    "deprecated",
    "readOnly",
    "writeOnly",
    "$comment",
    "externalDocs",
    "xml",
];

/// JSON Schema keywords that say which resource a schema is, or which
/// vocabulary it speaks: meaningless once references are JSON pointers.
const RESOURCE_KEYWORDS: &[&str] = &["$schema", "$id", "$anchor", "$dynamicAnchor", "$vocabulary", "$comment"];

/// What the walk over a document's schemas needs: how they were written,
/// where to report, and where to record what moved.
struct Walk<'a> {
    dialect: Dialect,
    sink: &'a mut Sink,
    lenient: bool,
    origins: &'a mut Origins,
    /// How many `$ref`s with `nullable: true` beside them were made
    /// nullable references.
    nullable_refs: usize,
}

/// Brings `schema` and every schema inside it to OpenAPI 3.0's schema
/// object. The walk keeps its own stack, so a deeply nested schema cannot
/// exhaust the thread's.
fn schema(root: &mut Value, pointer: &str, walk: &mut Walk<'_>) {
    let mut pending: Vec<String> = vec![String::new()];
    // Addresses in the tree change as it is rewritten; walk by relative
    // pointer from `root` instead, one level at a time.
    while let Some(rel) = pending.pop() {
        let Some(v) = root.pointer_mut(&rel) else { continue };
        let at = format!("{pointer}{rel}");
        one_schema(v, &at, walk);
        if let Value::Object(m) = v {
            let mut children = Vec::new();
            for_each_child(m, &rel, &mut |_, p| children.push(p.to_owned()));
            pending.extend(children.into_iter().rev());
        }
    }
}

/// The rewrites of one schema object, not of the schemas inside it.
fn one_schema(v: &mut Value, p: &str, walk: &mut Walk<'_>) {
    let dialect = walk.dialect;
    if let Value::Object(m) = v {
        string_enum(m, p, walk.sink);
    }
    if dialect == Dialect::OpenApi30 {
        if let Value::Object(m) = v {
            if m.contains_key("$ref") && m.get("nullable") == Some(&Value::Bool(true)) {
                reference_in_all_of(m, None, p, walk.origins);
                walk.nullable_refs += 1;
            }
        }
        return;
    }
    match v {
        Value::Bool(true) => {
            *v = Value::Object(Map::new());
            return;
        }
        Value::Bool(false) => {
            let mut m = Map::new();
            m.insert("not".to_owned(), Value::Object(Map::new()));
            *v = Value::Object(m);
            return;
        }
        _ => {}
    }
    let Value::Object(m) = v else { return };
    if dialect == Dialect::Swagger2 {
        if let Some(n) = m.remove("x-nullable") {
            if n == Value::Bool(true) {
                m.insert("nullable".to_owned(), n);
            }
        }
        if m.get("type").and_then(Value::as_str) == Some("file") {
            m.insert("type".to_owned(), Value::String("string".to_owned()));
            m.insert("format".to_owned(), Value::String("binary".to_owned()));
        }
        if let Some(Value::String(property)) = m.get("discriminator").cloned() {
            let mut d = Map::new();
            d.insert("propertyName".to_owned(), Value::String(property));
            m.insert("discriminator".to_owned(), Value::Object(d));
        }
    }
    if m.get("$ref").is_some_and(Value::is_null) {
        let rp = push_pointer(p, "$ref");
        if walk.lenient {
            walk.sink.warning(
                &rp,
                "`$ref` has no value: YAML reads an unquoted `#…` as a comment, so the reference was lost; read as any JSON value (--lenient); quote the reference",
            );
            m.remove("$ref");
        } else {
            walk.sink.error(
                &rp,
                "`$ref` has no value: YAML reads an unquoted `#…` as a comment; quote the reference, or pass --lenient to read it as any JSON value",
            );
            m.remove("$ref");
        }
    }
    for key in RESOURCE_KEYWORDS {
        m.remove(*key);
    }
    if dialect == Dialect::OpenApi31 {
        openapi31::keywords(m, p, walk.sink);
    }
    item_list(m, p, walk.origins);
    type_list(m);
    null_members(m, p, walk.origins);
    if m.contains_key("$ref") {
        ref_siblings(m, dialect, p, walk.origins);
    }
}

/// Moves a schema's `$ref` into `allOf`, with `rest` (other keywords) as a
/// second member: OpenAPI 3.0 reads nothing beside a `$ref`, so what stands
/// beside one (`nullable`, and in 3.1 keywords that apply too) can only
/// apply to an `allOf` that holds it. Every rewrite that wraps a reference
/// goes through here (lowering reads a one-member `allOf` as its member);
/// the members' pointers map back to where they were written.
fn reference_in_all_of(m: &mut Map<String, Value>, rest: Option<Map<String, Value>>, p: &str, origins: &mut Origins) {
    let Some(r) = m.remove("$ref") else { return };
    let mut reference = Map::new();
    reference.insert("$ref".to_owned(), r);
    let mut members = vec![Value::Object(reference)];
    members.extend(rest.map(Value::Object));
    all_of(m, members, &[p, p], p, origins);
}

/// `allOf` of `members`, each written at the pointer `from` gives.
fn all_of(m: &mut Map<String, Value>, members: Vec<Value>, from: &[&str], p: &str, origins: &mut Origins) {
    let at = push_pointer(p, "allOf");
    for (i, written) in from.iter().take(members.len()).enumerate() {
        origins.add(push_pointer(&at, &i.to_string()), origins.original(written));
    }
    m.insert("allOf".to_owned(), Value::Array(members));
}

/// `items` written as a list (the draft-04 tuple, which neither 2.0 nor
/// 3.0 has), as real files use it: "one of these", most often a schema and
/// `null`. Under `type: array`, a list item may be any of them; with no
/// `type` at all, the value itself is (Slack's spec writes its unions so,
/// and its examples are the objects, not lists of them: JSON Schema too
/// reads such `items` as saying nothing of a value that is not a list).
fn item_list(m: &mut Map<String, Value>, p: &str, origins: &mut Origins) {
    let Some(Value::Array(members)) = m.get("items") else {
        return;
    };
    if !m.contains_key("type") && !members.is_empty() {
        let nullable = members.iter().any(is_null_schema);
        let written: Vec<usize> = (0..members.len()).filter(|i| !is_null_schema(&members[*i])).collect();
        let mut rest: Vec<Value> = members.iter().filter(|s| !is_null_schema(s)).cloned().collect();
        let before = rest.len();
        rest.dedup();
        if rest.len() == before {
            let key = if rest.len() == 1 { "allOf" } else { "anyOf" };
            for (i, w) in written.iter().enumerate() {
                let at = push_pointer(&push_pointer(p, key), &i.to_string());
                let from = push_pointer(&push_pointer(p, "items"), &w.to_string());
                origins.add(at, origins.original(&from));
            }
        }
        m.remove("items");
        match rest.len() {
            0 => {}
            1 => match rest.remove(0) {
                Value::Object(one) if !m.contains_key("allOf") => {
                    m.insert("allOf".to_owned(), Value::Array(vec![Value::Object(one)]));
                }
                _ => {}
            },
            _ => {
                // Or a list of them, which is what JSON Schema and the
                // tools that make values from it read such `items` as.
                let mut list = Map::new();
                list.insert("type".to_owned(), Value::String("array".to_owned()));
                let mut item = Map::new();
                item.insert("anyOf".to_owned(), Value::Array(rest.clone()));
                list.insert("items".to_owned(), Value::Object(item));
                rest.push(Value::Object(list));
                m.insert("anyOf".to_owned(), Value::Array(rest));
            }
        }
        if nullable {
            m.insert("nullable".to_owned(), Value::Bool(true));
        }
        return;
    }
    let nullable = members.iter().any(is_null_schema);
    let mut rest: Vec<Value> = members.iter().filter(|s| !is_null_schema(s)).cloned().collect();
    rest.dedup();
    let mut item = match rest.len() {
        0 => Map::new(),
        1 => match rest.remove(0) {
            Value::Object(one) => one,
            _ => Map::new(),
        },
        _ => {
            let mut union = Map::new();
            union.insert("anyOf".to_owned(), Value::Array(rest));
            union
        }
    };
    if nullable {
        item.insert("nullable".to_owned(), Value::Bool(true));
    }
    m.insert("items".to_owned(), Value::Object(item));
}

/// `type: [string, "null"]` is a nullable string; a list of several types
/// is a union of one schema per type, each with the keywords that apply to
/// it.
fn type_list(m: &mut Map<String, Value>) {
    let Some(Value::Array(types)) = m.get("type").cloned() else {
        if m.get("type").and_then(Value::as_str) == Some("null") {
            m.remove("type");
            m.insert("nullable".to_owned(), Value::Bool(true));
        }
        return;
    };
    m.remove("type");
    let names: Vec<String> = types.iter().filter_map(|t| t.as_str().map(str::to_owned)).collect();
    let nullable = names.iter().any(|t| t == "null");
    let mut rest: Vec<String> = names.into_iter().filter(|t| t != "null").collect();
    rest.dedup();
    if nullable {
        m.insert("nullable".to_owned(), Value::Bool(true));
    }
    match rest.len() {
        0 => {}
        1 => {
            m.insert("type".to_owned(), Value::String(rest.remove(0)));
        }
        _ => {
            let mut branches = Vec::new();
            let enum_values = m.remove("enum");
            for t in &rest {
                let mut b = Map::new();
                b.insert("type".to_owned(), Value::String(t.clone()));
                for key in keywords_of(t) {
                    if let Some(v) = m.get(*key) {
                        b.insert((*key).to_owned(), v.clone());
                    }
                }
                if let Some(Value::Array(values)) = &enum_values {
                    let mine: Vec<Value> = values.iter().filter(|v| json_type_is(v, t)).cloned().collect();
                    if !mine.is_empty() {
                        b.insert("enum".to_owned(), Value::Array(mine));
                    }
                }
                branches.push(Value::Object(b));
            }
            for t in &rest {
                for key in keywords_of(t) {
                    m.remove(*key);
                }
            }
            match m.get_mut("anyOf") {
                // Both a type union and an `anyOf`: each must hold.
                Some(_) => {
                    let mut union = Map::new();
                    union.insert("anyOf".to_owned(), Value::Array(branches));
                    let all = m.entry("allOf").or_insert_with(|| Value::Array(Vec::new()));
                    if let Value::Array(all) = all {
                        all.push(Value::Object(union));
                    }
                }
                None => {
                    m.insert("anyOf".to_owned(), Value::Array(branches));
                }
            }
        }
    }
}

/// The keywords that apply to values of JSON type `t`.
fn keywords_of(t: &str) -> &'static [&'static str] {
    match t {
        "string" => &["format", "pattern", "minLength", "maxLength"],
        "integer" | "number" => &[
            "format",
            "minimum",
            "maximum",
            "exclusiveMinimum",
            "exclusiveMaximum",
            "multipleOf",
        ],
        "array" => &["items", "minItems", "maxItems", "uniqueItems"],
        "object" => &[
            "properties",
            "required",
            "additionalProperties",
            "minProperties",
            "maxProperties",
        ],
        _ => &[],
    }
}

fn json_type_is(v: &Value, t: &str) -> bool {
    match t {
        "string" => v.is_string(),
        "integer" => v.is_i64() || v.is_u64(),
        "number" => v.is_number(),
        "boolean" => v.is_boolean(),
        "array" => v.is_array(),
        "object" => v.is_object(),
        _ => false,
    }
}

/// `anyOf`/`oneOf` with a member that is only `null` (JSON Schema's way of
/// writing nullable): the member goes, the schema becomes nullable, and a
/// single member left is read through `allOf`.
fn null_members(m: &mut Map<String, Value>, p: &str, origins: &mut Origins) {
    for key in ["anyOf", "oneOf"] {
        let Some(Value::Array(members)) = m.get_mut(key) else {
            continue;
        };
        let before = members.len();
        // Where the one member left was written, should one be left.
        let kept = members.iter().position(|s| !is_null_schema(s));
        members.retain(|s| !is_null_schema(s));
        if members.len() == before {
            continue;
        }
        m.insert("nullable".to_owned(), Value::Bool(true));
        match m.get(key) {
            Some(Value::Array(members)) if members.len() == 1 && !m.contains_key("allOf") => {
                if let Some(Value::Array(members)) = m.remove(key) {
                    let from = push_pointer(&push_pointer(p, key), &kept.unwrap_or(0).to_string());
                    all_of(m, members, &[&from], p, origins);
                }
            }
            Some(Value::Array(members)) if members.is_empty() => {
                m.remove(key);
            }
            _ => {}
        }
    }
}

fn is_null_schema(s: &Value) -> bool {
    let Value::Object(m) = s else { return false };
    let null_type = match m.get("type") {
        Some(Value::String(t)) => t == "null",
        Some(Value::Array(ts)) => ts.len() == 1 && ts[0] == "null",
        _ => false,
    };
    let null_const = m.get("const") == Some(&Value::Null) || m.get("enum") == Some(&Value::Array(vec![Value::Null]));
    (null_type || null_const)
        && m.keys()
            .all(|k| matches!(k.as_str(), "type" | "const" | "enum" | "description" | "title"))
}

/// What stands beside a `$ref`: in 3.1 it applies too. Annotations go;
/// `nullable` makes the reference one member of an `allOf`, as do schema
/// keywords, which become the other member.
fn ref_siblings(m: &mut Map<String, Value>, dialect: Dialect, p: &str, origins: &mut Origins) {
    // 3.1 applies them, 2.0 ignores them; neither changes a type.
    for key in ANNOTATIONS {
        m.remove(*key);
    }
    let schema_keys: Vec<String> = m
        .keys()
        .filter(|k| !matches!(k.as_str(), "$ref" | "description" | "summary" | "nullable") && !k.starts_with("x-"))
        .cloned()
        .collect();
    let nullable = m.get("nullable") == Some(&Value::Bool(true));
    if !nullable && (schema_keys.is_empty() || dialect == Dialect::Swagger2) {
        return;
    }
    let rest = (dialect == Dialect::OpenApi31 && !schema_keys.is_empty()).then(|| {
        let mut rest = Map::new();
        for k in schema_keys {
            if let Some(v) = m.remove(&k) {
                rest.insert(k, v);
            }
        }
        rest
    });
    reference_in_all_of(m, rest, p, origins);
}

/// An `enum` under `type: string` as its authors meant it: a number or a
/// boolean written bare (YAML reads `1.0` and `true` as such) is its text,
/// with a located warning; a `null` among the values makes the type
/// nullable (the value list keeps the strings).
fn string_enum(m: &mut Map<String, Value>, p: &str, sink: &mut Sink) {
    if m.get("type").and_then(Value::as_str) != Some("string") {
        return;
    }
    let Some(Value::Array(values)) = m.get_mut("enum") else {
        return;
    };
    let mut nullable = false;
    let mut bare = Vec::new();
    values.retain_mut(|v| match v {
        Value::Null => {
            nullable = true;
            false
        }
        Value::Number(_) | Value::Bool(_) => {
            let text = v.to_string();
            bare.push(text.clone());
            *v = Value::String(text);
            true
        }
        _ => true,
    });
    if !bare.is_empty() {
        sink.warning(
            &push_pointer(p, "enum"),
            format!(
                "`enum` under `type: string` lists {} written without quotes; read as the string{} {}",
                if bare.len() == 1 { "a value" } else { "values" },
                if bare.len() == 1 { "" } else { "s" },
                bare.iter().map(|b| format!("\"{b}\"")).collect::<Vec<_>>().join(", ")
            ),
        );
    }
    if nullable {
        if values.is_empty() {
            m.remove("enum");
        }
        m.insert("nullable".to_owned(), Value::Bool(true));
    }
}

/// Rewrites every `$ref` string outside `x-` extensions and examples that
/// `f` has a new text for. Under `properties` and `patternProperties` the
/// keys are names, not keywords: a property called `example`, `x-id` or
/// `$ref` (Kubernetes and Okta have such) is a schema like any other.
fn rewrite_refs(v: &mut Value, f: &mut dyn FnMut(&str) -> Option<String>) {
    let mut stack: Vec<(&mut Value, bool)> = vec![(v, false)];
    while let Some((v, names)) = stack.pop() {
        match v {
            Value::Object(m) => {
                for (k, child) in m.iter_mut() {
                    if names {
                        stack.push((child, false));
                    } else if k == "$ref" {
                        if let Value::String(r) = child {
                            if let Some(new) = f(r) {
                                *r = new;
                            }
                        }
                    } else if !k.starts_with("x-") && k != "example" && k != "examples" {
                        let names = k == "properties" || k == "patternProperties";
                        stack.push((child, names));
                    }
                }
            }
            Value::Array(list) => stack.extend(list.iter_mut().map(|child| (child, false))),
            _ => {}
        }
    }
}

/// Normalizes every schema of a document that is 3.0-shaped otherwise;
/// returns how many nullable references it made (3.0's `nullable` beside
/// a `$ref`).
fn schemas(root: &mut Value, dialect: Dialect, sink: &mut Sink, lenient: bool, origins: &mut Origins) -> usize {
    let mut walk = Walk {
        dialect,
        sink,
        lenient,
        origins,
        nullable_refs: 0,
    };
    for_each_schema_root(root, &mut |s, p| schema(s, p, &mut walk));
    walk.nullable_refs
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn versions_by_the_documents_own_field() {
        assert_eq!(Version::of(&json!({"openapi": "3.0.3"})), Version::OpenApi30);
        assert_eq!(Version::of(&json!({"openapi": "3.1.1"})), Version::OpenApi31);
        assert_eq!(Version::of(&json!({"swagger": "2.0"})), Version::Swagger2);
        assert_eq!(Version::of(&json!({"swagger": 2.0})), Version::Swagger2);
        assert_eq!(Version::of(&json!({"openapi": "3.2.0"})), Version::Other);
        assert_eq!(Version::of(&json!([])), Version::Other);
    }

    #[test]
    fn properties_named_like_keywords_are_schemas() {
        let mut doc = json!({"definitions": {"Props": {"properties": {
            "example": {"$ref": "#/definitions/X"},
            "examples": {"items": {"$ref": "#/definitions/X"}},
            "x-id": {"$ref": "#/definitions/X"},
            "$ref": {"$ref": "#/definitions/X"},
            "plain": {"example": {"$ref": "#/definitions/not-a-ref"}, "x-note": {"$ref": "#/definitions/neither"}}
        }}}});
        rewrite_refs(&mut doc, &mut |r| {
            r.strip_prefix("#/definitions/")
                .map(|n| format!("#/components/schemas/{n}"))
        });
        let props = &doc["definitions"]["Props"]["properties"];
        for name in ["example", "x-id", "$ref"] {
            assert_eq!(props[name]["$ref"], "#/components/schemas/X", "{name}");
        }
        assert_eq!(props["examples"]["items"]["$ref"], "#/components/schemas/X");
        // An example's value and an extension are left as written.
        assert_eq!(props["plain"]["example"]["$ref"], "#/definitions/not-a-ref");
        assert_eq!(props["plain"]["x-note"]["$ref"], "#/definitions/neither");
    }

    #[test]
    fn the_longest_origin_wins() {
        let mut o = Origins::default();
        o.add("/components/schemas".to_owned(), "/definitions".to_owned());
        o.add("/components/schemas/A/x".to_owned(), "/elsewhere".to_owned());
        assert_eq!(o.original("/components/schemas/B/type"), "/definitions/B/type");
        assert_eq!(o.original("/components/schemas/A/x/y"), "/elsewhere/y");
        assert_eq!(o.original("/components/schemasX"), "/components/schemasX");
        assert_eq!(o.original("/paths"), "/paths");
    }

    fn normalized(mut v: Value, dialect: Dialect) -> Value {
        let mut sink = Sink::default();
        let mut origins = Origins::default();
        let mut walk = Walk {
            dialect,
            sink: &mut sink,
            lenient: false,
            origins: &mut origins,
            nullable_refs: 0,
        };
        schema(&mut v, "", &mut walk);
        v
    }

    #[test]
    fn json_schema_keywords_read_as_openapi_30() {
        let s = |v| normalized(v, Dialect::OpenApi31);
        assert_eq!(
            s(json!({"type": ["string", "null"]})),
            json!({"type": "string", "nullable": true})
        );
        assert_eq!(
            s(json!({"type": ["integer", "string"], "format": "int64", "maxLength": 3, "enum": [1, "a"]})),
            json!({"anyOf": [
                {"type": "integer", "format": "int64", "enum": [1]},
                {"type": "string", "format": "int64", "maxLength": 3, "enum": ["a"]}
            ]})
        );
        assert_eq!(s(json!({"const": 3})), json!({"type": "integer", "enum": [3]}));
        assert_eq!(
            s(json!({"type": "integer", "exclusiveMinimum": 0})),
            json!({"type": "integer", "minimum": 0, "exclusiveMinimum": true})
        );
        assert_eq!(
            s(json!({"type": "string", "contentEncoding": "base64"})),
            json!({"type": "string", "format": "byte"})
        );
        assert_eq!(
            s(json!({"type": "string", "contentMediaType": "image/png"})),
            json!({"type": "string", "format": "binary"})
        );
        assert_eq!(s(json!({"examples": [1, 2]})), json!({"example": 1}));
        assert_eq!(
            s(json!({"anyOf": [{"$ref": "#/components/schemas/A"}, {"type": "null"}]})),
            json!({"allOf": [{"$ref": "#/components/schemas/A"}], "nullable": true})
        );
        assert_eq!(
            s(json!({"$ref": "#/components/schemas/A", "description": "d", "readOnly": true, "maxLength": 3})),
            json!({"description": "d", "allOf": [{"$ref": "#/components/schemas/A"}, {"maxLength": 3}]})
        );
        assert_eq!(
            s(json!({"oneOf": [{"const": "a", "title": "A"}, {"const": null}]})),
            json!({"nullable": true, "type": "string", "enum": ["a"]})
        );
        assert_eq!(s(json!(true)), json!({}));
        // Inside: properties, items, compositions.
        assert_eq!(
            s(json!({"properties": {"a": {"type": ["array", "null"], "items": {"const": 1}}}})),
            json!({"properties": {"a": {"type": "array", "nullable": true, "items": {"type": "integer", "enum": [1]}}}})
        );
    }

    #[test]
    fn swagger_schema_keywords_read_as_openapi_30() {
        let s = |v| normalized(v, Dialect::Swagger2);
        assert_eq!(
            s(json!({"type": "file"})),
            json!({"type": "string", "format": "binary"})
        );
        assert_eq!(
            s(json!({"type": "string", "x-nullable": true})),
            json!({"type": "string", "nullable": true})
        );
        assert_eq!(
            s(json!({"discriminator": "kind"})),
            json!({"discriminator": {"propertyName": "kind"}})
        );
        assert_eq!(
            s(json!({"$ref": "#/definitions/A", "x-nullable": true})),
            json!({"nullable": true, "allOf": [{"$ref": "#/definitions/A"}]})
        );
        assert_eq!(
            s(json!({"type": "array", "items": [{"$ref": "#/definitions/A"}, {"type": "null"}]})),
            json!({"type": "array", "items": {"nullable": true, "allOf": [{"$ref": "#/definitions/A"}]}})
        );
    }
}
