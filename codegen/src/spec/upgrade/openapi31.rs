//! OpenAPI 3.1 to 3.0: the document's few new members, and JSON Schema
//! 2020-12 read as OpenAPI 3.0's schema object.

use std::collections::HashMap;

use heck::ToUpperCamelCase;
use serde_json::{Map, Value};

use super::{Dialect, rewrite_refs, schemas};
use crate::diag::{Origins, Sink, push_pointer};
use crate::spec::refs::{add_component, segments};

pub(super) fn upgrade(root: &mut Value, sink: &mut Sink, lenient: bool, origins: &mut Origins) {
    let Some(m) = root.as_object_mut() else {
        return;
    };
    m.insert("openapi".to_owned(), Value::String("3.0.3".to_owned()));
    m.remove("jsonSchemaDialect");
    if let Some(Value::Object(info)) = m.get_mut("info") {
        info.remove("summary");
        if let Some(Value::Object(license)) = info.get_mut("license") {
            license.remove("identifier");
        }
    }
    // 3.1 allows a document of webhooks or components only.
    m.entry("paths").or_insert_with(|| Value::Object(Map::new()));
    resource_refs(root);
    defs(root, origins);
    let path_items = root
        .pointer_mut("/components")
        .and_then(Value::as_object_mut)
        .and_then(|c| c.remove("pathItems"))
        .and_then(|v| match v {
            Value::Object(m) => Some(m),
            _ => None,
        })
        .unwrap_or_default();
    if let Some(Value::Object(paths)) = root.get_mut("paths") {
        for (path, item) in paths.iter_mut() {
            if let Some(from) = inline_path_item(item, &path_items) {
                origins.add(push_pointer("/paths", path), from);
            }
        }
    }
    if let Some(Value::Object(paths)) = root.get_mut("paths") {
        for item in paths.values_mut() {
            let Value::Object(item) = item else { continue };
            for (method, op) in item.iter_mut() {
                if super::METHODS.contains(&method.as_str()) {
                    if let Value::Object(op) = op {
                        // Optional in 3.1: an operation that documents
                        // none succeeds with any 2xx and no body it knows.
                        op.entry("responses").or_insert_with(|| {
                            let mut any = Map::new();
                            any.insert("description".to_owned(), Value::String(String::new()));
                            let mut responses = Map::new();
                            responses.insert("2XX".to_owned(), Value::Object(any));
                            Value::Object(responses)
                        });
                    }
                }
            }
        }
    }
    mutual_tls(root, sink);
    webhooks(root, &path_items, sink, origins);
    schemas(root, Dialect::OpenApi31, sink, lenient, origins);
}

/// A path item that is a `$ref` to `components/pathItems` (which 3.0 does
/// not have) becomes a copy of it; returns the pointer it was copied from.
fn inline_path_item(item: &mut Value, path_items: &Map<String, Value>) -> Option<String> {
    let r = item.get("$ref")?.as_str()?.to_owned();
    let local = r.strip_prefix('#')?;
    let seg = segments(local);
    let [components, section, name] = seg.as_slice() else {
        return None;
    };
    if components != "components" || section != "pathItems" {
        return None;
    }
    let Value::Object(mut target) = path_items.get(name)?.clone() else {
        return None;
    };
    // The referring object's own summary and description win.
    if let Value::Object(own) = &*item {
        for key in ["summary", "description"] {
            if let Some(v) = own.get(key) {
                target.insert(key.to_owned(), v.clone());
            }
        }
    }
    *item = Value::Object(target);
    Some(local.to_owned())
}

/// `$defs` (JSON Schema's local definitions, which 3.0 does not have)
/// become components, and references to them point there.
fn defs(root: &mut Value, origins: &mut Origins) {
    // Each `$defs` member's pointer: the owner's pointer and the name.
    let mut found: Vec<(String, String)> = Vec::new();
    let mut stack: Vec<(&Value, String)> = vec![(&*root, String::new())];
    while let Some((v, p)) = stack.pop() {
        match v {
            Value::Object(m) => {
                if let Some(Value::Object(defs)) = m.get("$defs") {
                    found.extend(defs.keys().map(|name| (p.clone(), name.clone())));
                }
                for (k, child) in m {
                    if !k.starts_with("x-")
                        && !matches!(k.as_str(), "example" | "examples" | "enum" | "const" | "default")
                    {
                        stack.push((child, push_pointer(&p, k)));
                    }
                }
            }
            Value::Array(list) => {
                for (i, child) in list.iter().enumerate() {
                    stack.push((child, push_pointer(&p, &i.to_string())));
                }
            }
            _ => {}
        }
    }
    if found.is_empty() {
        return;
    }
    // Deepest first: an inner definition moves out before its owner does.
    found.sort_by_key(|(owner, _)| std::cmp::Reverse(segments(owner).len()));
    let mut moved: Vec<(String, String)> = Vec::new();
    for (owner, name) in found {
        let defs_pointer = push_pointer(&owner, "$defs");
        let Some(Value::Object(defs)) = root.pointer_mut(&defs_pointer) else {
            continue;
        };
        let Some(content) = defs.remove(&name) else { continue };
        if defs.is_empty() {
            if let Some(Value::Object(m)) = root.pointer_mut(&owner) {
                m.remove("$defs");
            }
        }
        let Some(component) = add_component(root, "schemas", &name.to_upper_camel_case(), content) else {
            return;
        };
        let written = push_pointer(&defs_pointer, &name);
        let upgraded = push_pointer("/components/schemas", &component);
        origins.add(upgraded.clone(), written.clone());
        moved.push((written, upgraded));
    }
    rewrite_refs(root, &mut |r| {
        let local = r.strip_prefix('#')?;
        moved.iter().find_map(|(written, upgraded)| {
            let rest = local.strip_prefix(written.as_str())?;
            (rest.is_empty() || rest.starts_with('/')).then(|| format!("#{upgraded}{rest}"))
        })
    });
}

/// `mutualTLS` (new in 3.1) is the TLS client certificate, which the HTTP
/// client is configured with, not something an operation sends: the scheme
/// and the requirements that name it go, with a warning.
fn mutual_tls(root: &mut Value, sink: &mut Sink) {
    let Some(Value::Object(schemes)) = root.pointer_mut("/components/securitySchemes") else {
        return;
    };
    let names: Vec<String> = schemes
        .iter()
        .filter(|(_, s)| s.get("type").and_then(Value::as_str) == Some("mutualTLS"))
        .map(|(n, _)| n.clone())
        .collect();
    for name in &names {
        schemes.remove(name);
        sink.warning(
            &push_pointer("/components/securitySchemes", name),
            format!("`{name}` is a mutualTLS scheme: a TLS client certificate is configured on the HTTP client (reqwest's `Identity`), not sent by an operation; requirements that name it are left out"),
        );
    }
    if names.is_empty() {
        return;
    }
    let drop_names = |v: &mut Value| {
        if let Value::Array(requirements) = v {
            for r in requirements.iter_mut() {
                if let Value::Object(r) = r {
                    r.retain(|k, _| !names.contains(k));
                }
            }
        }
    };
    if let Some(security) = root.get_mut("security") {
        drop_names(security);
    }
    if let Some(Value::Object(paths)) = root.get_mut("paths") {
        for item in paths.values_mut() {
            let Value::Object(item) = item else { continue };
            for op in item.values_mut() {
                if let Some(security) = op.get_mut("security") {
                    drop_names(security);
                }
            }
        }
    }
}

/// References by `$id` and `$anchor` (`/schemas/pet`, `pet#id`, `#id`)
/// become JSON pointers; what does not resolve is left for validation.
fn resource_refs(root: &mut Value) {
    let mut ids: HashMap<String, String> = HashMap::new();
    let mut anchors: HashMap<(String, String), String> = HashMap::new();
    let mut stack: Vec<(&Value, String, String)> = vec![(&*root, String::new(), String::new())];
    while let Some((v, p, base)) = stack.pop() {
        match v {
            Value::Object(m) => {
                let mut base = base;
                if let Some(Value::String(id)) = m.get("$id") {
                    ids.insert(id.clone(), p.clone());
                    base = id.clone();
                }
                if let Some(Value::String(anchor)) = m.get("$anchor") {
                    anchors.insert((base.clone(), anchor.clone()), p.clone());
                }
                for (k, child) in m {
                    if !k.starts_with("x-")
                        && !matches!(k.as_str(), "example" | "examples" | "enum" | "const" | "default")
                    {
                        stack.push((child, push_pointer(&p, k), base.clone()));
                    }
                }
            }
            Value::Array(list) => {
                for (i, child) in list.iter().enumerate() {
                    stack.push((child, push_pointer(&p, &i.to_string()), base.clone()));
                }
            }
            _ => {}
        }
    }
    if ids.is_empty() && anchors.is_empty() {
        return;
    }
    rewrite_refs(root, &mut |r| {
        if r.starts_with("#/") || r == "#" {
            return None;
        }
        let (base, fragment) = r.split_once('#').unwrap_or((r, ""));
        let at = if base.is_empty() { "" } else { ids.get(base)?.as_str() };
        if fragment.is_empty() {
            Some(format!("#{at}"))
        } else if fragment.starts_with('/') {
            Some(format!("#{at}{fragment}"))
        } else {
            anchors
                .get(&(base.to_owned(), fragment.to_owned()))
                .map(|p| format!("#{p}"))
        }
    });
}

/// Webhooks are requests the API sends, not ones a client makes: no method
/// is generated, but the JSON payloads become models (named schemas), so a
/// client can decode what arrives. A warning at each webhook says so.
fn webhooks(root: &mut Value, path_items: &Map<String, Value>, sink: &mut Sink, origins: &mut Origins) {
    let Some(Value::Object(hooks)) = root.as_object_mut().and_then(|m| m.remove("webhooks")) else {
        return;
    };
    for (name, mut item) in hooks {
        let hook_pointer = push_pointer("/webhooks", &name);
        let item_pointer = inline_path_item(&mut item, path_items).unwrap_or_else(|| hook_pointer.clone());
        let Value::Object(item) = item else { continue };
        let methods: Vec<(String, Value)> = item
            .into_iter()
            .filter(|(k, _)| super::METHODS.contains(&k.as_str()))
            .collect();
        let several = methods.len() > 1;
        let mut requests = Vec::new();
        let mut models = Vec::new();
        for (method, op) in methods {
            requests.push(method.to_ascii_uppercase());
            let mut body_pointer = push_pointer(&push_pointer(&item_pointer, &method), "requestBody");
            let Some(mut body) = op.get("requestBody").cloned() else {
                continue;
            };
            if let Some(r) = body.get("$ref").and_then(Value::as_str) {
                let Some(local) = r.strip_prefix('#') else { continue };
                let Some(target) = root.pointer(local).cloned() else {
                    continue;
                };
                body_pointer = local.to_owned();
                body = target;
            }
            let Some(Value::Object(content)) = body.get("content") else {
                continue;
            };
            let Some((media, mt)) = content.iter().find(|(m, _)| m.to_ascii_lowercase().contains("json")) else {
                continue;
            };
            let Some(schema) = mt.get("schema") else { continue };
            if let Some(r) = schema.get("$ref").and_then(Value::as_str) {
                if let Some(n) = r.strip_prefix("#/components/schemas/") {
                    models.push(format!("`{n}`"));
                }
                continue;
            }
            let base = if several {
                format!("{}{}Webhook", name.to_upper_camel_case(), method.to_upper_camel_case())
            } else {
                format!("{}Webhook", name.to_upper_camel_case())
            };
            let Some(model) = add_component(root, "schemas", &base, schema.clone()) else {
                continue;
            };
            origins.add(
                push_pointer("/components/schemas", &model),
                push_pointer(&push_pointer(&push_pointer(&body_pointer, "content"), media), "schema"),
            );
            models.push(format!("`{model}`"));
        }
        let payload = match models.len() {
            0 => "it carries no JSON payload".to_owned(),
            1 => format!(
                "the schema {} describes what it sends and is generated as a model",
                models[0]
            ),
            _ => format!(
                "the schemas {} describe what it sends and are generated as models",
                models.join(", ")
            ),
        };
        sink.warning(
            &hook_pointer,
            format!(
                "webhook `{name}` is a request the API sends to you, not one a client makes: no method is generated for {}; {payload}",
                requests.join(", ")
            ),
        );
    }
}

/// JSON Schema 2020-12 keywords of one schema, as OpenAPI 3.0 says them.
pub(super) fn keywords(m: &mut Map<String, Value>, p: &str, sink: &mut Sink) {
    const_members(m);
    if let Some(c) = m.remove("const") {
        if c.is_null() {
            m.insert("nullable".to_owned(), Value::Bool(true));
        } else {
            if !m.contains_key("type") {
                if let Some(t) = json_type(&c) {
                    m.insert("type".to_owned(), Value::String(t.to_owned()));
                }
            }
            m.entry("enum").or_insert_with(|| Value::Array(vec![c]));
        }
    }
    if let Some(Value::Array(mut examples)) = m.remove("examples") {
        if !m.contains_key("example") && !examples.is_empty() {
            m.insert("example".to_owned(), examples.swap_remove(0));
        }
    }
    for (exclusive, inclusive) in [("exclusiveMinimum", "minimum"), ("exclusiveMaximum", "maximum")] {
        if let Some(Value::Number(n)) = m.get(exclusive).cloned() {
            m.insert(inclusive.to_owned(), Value::Number(n));
            m.insert(exclusive.to_owned(), Value::Bool(true));
        }
    }
    let encoding = m.remove("contentEncoding");
    let media = m.remove("contentMediaType");
    m.remove("contentSchema");
    match (
        encoding.as_ref().and_then(Value::as_str),
        media.as_ref().and_then(Value::as_str),
    ) {
        (Some(e), _) if e.eq_ignore_ascii_case("base64") || e.eq_ignore_ascii_case("base64url") => {
            m.insert("type".to_owned(), Value::String("string".to_owned()));
            m.insert("format".to_owned(), Value::String("byte".to_owned()));
        }
        (_, Some(media)) if !media.to_ascii_lowercase().contains("json") && !media.starts_with("text/") => {
            m.insert("type".to_owned(), Value::String("string".to_owned()));
            m.insert("format".to_owned(), Value::String("binary".to_owned()));
        }
        _ => {}
    }
    if let Some(Value::Array(tuple)) = m.remove("prefixItems") {
        let same = tuple.windows(2).all(|w| w[0] == w[1]);
        let open = !matches!(m.get("items"), Some(Value::Object(_)));
        if open {
            let items = match (same, tuple.first()) {
                (true, Some(first)) => first.clone(),
                _ => {
                    sink.warning(
                        &push_pointer(p, "prefixItems"),
                        "a tuple (`prefixItems` of different schemas) is read as a list of any JSON values",
                    );
                    Value::Object(Map::new())
                }
            };
            m.insert("items".to_owned(), items);
        }
    }
    if !m.contains_key("additionalProperties") {
        if let Some(Value::Object(patterns)) = m.get("patternProperties") {
            if patterns.len() == 1 {
                if let Some(s) = patterns.values().next().cloned() {
                    m.insert("additionalProperties".to_owned(), s);
                }
            }
        }
    }
    // Validation-only keywords: they say which values are allowed, never
    // which shape a value has.
    for key in [
        "patternProperties",
        "dependentRequired",
        "dependentSchemas",
        "if",
        "then",
        "else",
        "unevaluatedItems",
        "unevaluatedProperties",
        "propertyNames",
        "contains",
        "minContains",
        "maxContains",
        "$dynamicRef",
    ] {
        m.remove(key);
    }
}

/// `oneOf`/`anyOf` whose members are each a `const` with a title or a
/// description (JSON Schema's way of documenting enum values) is an enum.
fn const_members(m: &mut Map<String, Value>) {
    for key in ["oneOf", "anyOf"] {
        let Some(Value::Array(members)) = m.get(key) else {
            continue;
        };
        let all_const = !members.is_empty()
            && members.iter().all(|s| {
                s.as_object().is_some_and(|s| {
                    s.contains_key("const")
                        && s.keys()
                            .all(|k| matches!(k.as_str(), "const" | "title" | "description" | "type"))
                })
            });
        if !all_const {
            continue;
        }
        let values: Vec<Value> = members.iter().filter_map(|s| s.get("const").cloned()).collect();
        m.remove(key);
        if values.iter().any(Value::is_null) {
            m.insert("nullable".to_owned(), Value::Bool(true));
        }
        let values: Vec<Value> = values.into_iter().filter(|v| !v.is_null()).collect();
        if !m.contains_key("type") {
            let types: Vec<&str> = values.iter().filter_map(json_type).collect();
            if let Some(first) = types.first() {
                if types.iter().all(|t| t == first) {
                    m.insert("type".to_owned(), Value::String((*first).to_owned()));
                }
            }
        }
        m.insert("enum".to_owned(), Value::Array(values));
        return;
    }
}

fn json_type(v: &Value) -> Option<&'static str> {
    Some(match v {
        Value::String(_) => "string",
        Value::Bool(_) => "boolean",
        Value::Number(n) if n.is_i64() || n.is_u64() => "integer",
        Value::Number(_) => "number",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
        Value::Null => return None,
    })
}
