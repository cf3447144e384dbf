//! Swagger 2.0 to OpenAPI 3.0: the document is rebuilt in 3.0's layout
//! (servers, components, request bodies, content by media type), and each
//! moved part is recorded with the pointer it was written at.

use std::collections::HashMap;

use serde_json::{Map, Value};

use super::{Dialect, METHODS, rewrite_refs, schemas};
use crate::diag::{Origins, Sink, push_pointer};
use crate::spec::refs::{section_mut, segments, target};

/// What a top-level parameter became.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// `in: body`: a component request body.
    Body,
    /// `in: formData`: a property of the form that each operation using it
    /// sends, so it is copied into each.
    Form,
    /// Anything else: a component parameter.
    Plain,
}

struct Upgrade<'a> {
    sink: &'a mut Sink,
    origins: &'a mut Origins,
    /// The document as written.
    doc: &'a Value,
    /// Top-level parameters, as written.
    parameters: Map<String, Value>,
    consumes: Vec<String>,
    produces: Vec<String>,
}

pub(super) fn upgrade(root: &mut Value, sink: &mut Sink, lenient: bool, origins: &mut Origins) {
    let written = std::mem::take(root);
    let Value::Object(old) = &written else {
        *root = written;
        return;
    };
    let mut up = Upgrade {
        sink,
        origins,
        doc: &written,
        parameters: match old.get("parameters") {
            Some(Value::Object(p)) => p.clone(),
            _ => Map::new(),
        },
        consumes: strings(old.get("consumes")),
        produces: strings(old.get("produces")),
    };
    let mut doc = Map::new();
    doc.insert("openapi".to_owned(), Value::String("3.0.3".to_owned()));
    for key in ["info", "tags", "externalDocs", "security"] {
        if let Some(v) = old.get(key) {
            doc.insert(key.to_owned(), v.clone());
        }
    }
    for (k, v) in old {
        if k.starts_with("x-") && k != "x-ms-paths" && k != "x-ms-parameterized-host" {
            doc.insert(k.clone(), v.clone());
        }
    }
    doc.insert("servers".to_owned(), Value::Array(up.servers(old)));
    let mut paths = Map::new();
    for key in ["paths", "x-ms-paths"] {
        let Some(Value::Object(list)) = old.get(key) else {
            continue;
        };
        for (path, item) in list {
            if path.starts_with("x-") {
                paths.insert(path.clone(), item.clone());
                continue;
            }
            let written = push_pointer(&push_pointer("", key), path);
            if paths.contains_key(path) {
                up.sink
                    .warning(&written, format!("`{path}` is also in `paths`; this copy is left out"));
                continue;
            }
            // An `x-ms-paths` key keeps its fixed query (`/a?op=x`): the
            // client adds the operation's own query after it.
            let upgraded = push_pointer("/paths", path);
            let item = up.path_item(item, &upgraded, &written);
            up.origins.add(upgraded, written);
            paths.insert(path.clone(), item);
        }
    }
    doc.insert("paths".to_owned(), Value::Object(paths));
    let components = up.components(old);
    if !components.is_empty() {
        doc.insert("components".to_owned(), Value::Object(components));
    }
    *root = Value::Object(doc);
    let kinds: HashMap<String, Kind> = up
        .parameters
        .iter()
        .map(|(name, p)| (name.clone(), kind_of(p)))
        .collect();
    rewrite_refs(root, &mut |r| {
        if let Some(rest) = r.strip_prefix("#/definitions/") {
            return Some(format!("#/components/schemas/{rest}"));
        }
        if let Some(rest) = r.strip_prefix("#/responses/") {
            return Some(format!("#/components/responses/{rest}"));
        }
        if let Some(rest) = r.strip_prefix("#/parameters/") {
            let name = segments(&format!("/{rest}")).into_iter().next().unwrap_or_default();
            return match kinds.get(&name) {
                Some(Kind::Body) => Some(format!("#/components/requestBodies/{rest}")),
                _ => Some(format!("#/components/parameters/{rest}")),
            };
        }
        None
    });
    schemas(root, Dialect::Swagger2, up.sink, lenient, up.origins);
    named_enums(root, up.origins);
}

/// Azure's `x-ms-enum` names an enum written inline: it becomes the
/// component of that name, shared by every place that writes the same
/// values (as Azure's own SDKs name it). Where the name is taken by other
/// content, the enum stays where it is.
fn named_enums(root: &mut Value, origins: &mut Origins) {
    let mut pending: Vec<String> = Vec::new();
    super::for_each_schema_root(root, &mut |_, p| pending.push(p.to_owned()));
    let mut found: Vec<(String, String)> = Vec::new();
    while let Some(p) = pending.pop() {
        let Some(Value::Object(m)) = root.pointer_mut(&p) else {
            continue;
        };
        let name = m.get("x-ms-enum").and_then(|e| e.get("name")).and_then(Value::as_str);
        let is_component = segments(&p).len() == 3 && p.starts_with("/components/schemas/");
        if let (Some(name), true, false) = (name, m.contains_key("enum"), is_component) {
            found.push((p.clone(), name.to_owned()));
            continue;
        }
        super::for_each_child(m, &p, &mut |_, child| pending.push(child.to_owned()));
    }
    // In the document's order.
    found.reverse();
    for (pointer, name) in found {
        let Some(content) = root.pointer(&pointer).cloned() else {
            continue;
        };
        let Some(schemas) = section_mut(root, "schemas") else {
            return;
        };
        match schemas.get(&name) {
            Some(existing) if existing.get("enum") != content.get("enum") => continue,
            Some(_) => {}
            None => {
                let mut component = content.clone();
                if let Value::Object(c) = &mut component {
                    c.remove("description");
                    c.remove("default");
                    c.remove("readOnly");
                }
                schemas.insert(name.clone(), component);
                origins.add(push_pointer("/components/schemas", &name), origins.original(&pointer));
            }
        }
        let mut reference = Map::new();
        reference.insert(
            "$ref".to_owned(),
            Value::String(format!("#{}", push_pointer("/components/schemas", &name))),
        );
        if let Some(d) = content.get("description") {
            reference.insert("description".to_owned(), d.clone());
        }
        if let Some(slot) = root.pointer_mut(&pointer) {
            *slot = Value::Object(reference);
        }
    }
}

fn strings(v: Option<&Value>) -> Vec<String> {
    match v {
        Some(Value::Array(list)) => list.iter().filter_map(|s| s.as_str().map(str::to_owned)).collect(),
        _ => Vec::new(),
    }
}

fn kind_of(p: &Value) -> Kind {
    match p.get("in").and_then(Value::as_str) {
        Some("body") => Kind::Body,
        Some("formData") => Kind::Form,
        _ => Kind::Plain,
    }
}

impl Upgrade<'_> {
    /// `host`, `basePath` and `schemes` (or Azure's parameterized host) as
    /// 3.0 servers.
    fn servers(&mut self, old: &Map<String, Value>) -> Vec<Value> {
        let base_path = old.get("basePath").and_then(Value::as_str).unwrap_or("");
        let base_path = base_path.trim_end_matches('/');
        let schemes = strings(old.get("schemes"));
        let schemes = if schemes.is_empty() {
            vec!["https".to_owned()]
        } else {
            schemes
        };
        let server = |url: String, variables: Option<Map<String, Value>>| {
            let mut s = Map::new();
            s.insert("url".to_owned(), Value::String(url));
            if let Some(v) = variables.filter(|v| !v.is_empty()) {
                s.insert("variables".to_owned(), Value::Object(v));
            }
            Value::Object(s)
        };
        if let Some(Value::Object(host)) = old.get("x-ms-parameterized-host") {
            let template = host.get("hostTemplate").and_then(Value::as_str).unwrap_or("");
            let with_scheme = host.get("useSchemePrefix").and_then(Value::as_bool).unwrap_or(true);
            let mut variables = Map::new();
            for p in host.get("parameters").and_then(Value::as_array).into_iter().flatten() {
                let p = self.resolve_parameter(p).map_or(p.clone(), |(r, _)| r);
                let Some(name) = p.get("name").and_then(Value::as_str) else {
                    continue;
                };
                let mut v = Map::new();
                let default = p
                    .get("default")
                    .or_else(|| p.get("enum").and_then(|e| e.get(0)))
                    .map(|d| match d {
                        Value::String(s) => s.clone(),
                        other => other.to_string(),
                    })
                    .unwrap_or_default();
                v.insert("default".to_owned(), Value::String(default));
                if let Some(d) = p.get("description") {
                    v.insert("description".to_owned(), d.clone());
                }
                variables.insert(name.to_owned(), Value::Object(v));
            }
            return if with_scheme {
                schemes
                    .iter()
                    .map(|s| server(format!("{s}://{template}{base_path}"), Some(variables.clone())))
                    .collect()
            } else {
                vec![server(format!("{template}{base_path}"), Some(variables))]
            };
        }
        match old.get("host").and_then(Value::as_str) {
            Some(host) => schemes
                .iter()
                .map(|s| server(format!("{s}://{host}{base_path}"), None))
                .collect(),
            None => vec![server(
                if base_path.is_empty() {
                    "/".to_owned()
                } else {
                    base_path.to_owned()
                },
                None,
            )],
        }
    }

    /// The top-level parameter `p` refers to, with its pointer, when it
    /// is a reference to one (followed as every reference is followed in
    /// the document as read: `spec::refs::target`).
    fn resolve_parameter(&self, p: &Value) -> Option<(Value, String)> {
        let (found, at) = target(self.doc, p.get("$ref")?.as_str()?)?;
        let top_level = at.starts_with("/parameters/") && segments(&at).len() == 2;
        top_level.then(|| (found.clone(), at))
    }

    fn components(&mut self, old: &Map<String, Value>) -> Map<String, Value> {
        let mut c = Map::new();
        if let Some(d) = old.get("definitions") {
            c.insert("schemas".to_owned(), d.clone());
            self.origins
                .add("/components/schemas".to_owned(), "/definitions".to_owned());
        }
        let mut parameters = Map::new();
        let mut bodies = Map::new();
        for (name, p) in self.parameters.clone() {
            let written = push_pointer("/parameters", &name);
            match kind_of(&p) {
                Kind::Body => {
                    let upgraded = push_pointer("/components/requestBodies", &name);
                    let consumes = self.consumes.clone();
                    bodies.insert(name, self.body(&p, &consumes, &upgraded, &written));
                    self.origins.add(upgraded, written);
                }
                Kind::Form => {}
                Kind::Plain => {
                    let upgraded = push_pointer("/components/parameters", &name);
                    parameters.insert(name, self.parameter(&p, &upgraded, &written));
                    self.origins.add(upgraded, written);
                }
            }
        }
        if !parameters.is_empty() {
            c.insert("parameters".to_owned(), Value::Object(parameters));
        }
        if !bodies.is_empty() {
            c.insert("requestBodies".to_owned(), Value::Object(bodies));
        }
        if let Some(Value::Object(responses)) = old.get("responses") {
            let mut out = Map::new();
            let produces = self.produces.clone();
            for (name, r) in responses {
                let written = push_pointer("/responses", name);
                let upgraded = push_pointer("/components/responses", name);
                out.insert(name.clone(), self.response(r, &produces, &upgraded, &written));
                self.origins.add(upgraded, written);
            }
            c.insert("responses".to_owned(), Value::Object(out));
        }
        if let Some(Value::Object(defs)) = old.get("securityDefinitions") {
            let mut out = Map::new();
            for (name, d) in defs {
                out.insert(
                    name.clone(),
                    self.security_scheme(d, &push_pointer("/securityDefinitions", name)),
                );
            }
            c.insert("securitySchemes".to_owned(), Value::Object(out));
            self.origins.add(
                "/components/securitySchemes".to_owned(),
                "/securityDefinitions".to_owned(),
            );
        }
        c
    }

    fn security_scheme(&mut self, d: &Value, written: &str) -> Value {
        let Value::Object(d) = d else {
            return d.clone();
        };
        let mut s = Map::new();
        if let Some(desc) = d.get("description") {
            s.insert("description".to_owned(), desc.clone());
        }
        copy_extensions(d, &mut s);
        match d.get("type").and_then(Value::as_str) {
            Some("basic") => {
                s.insert("type".to_owned(), Value::String("http".to_owned()));
                s.insert("scheme".to_owned(), Value::String("basic".to_owned()));
            }
            Some("apiKey") => {
                s.insert("type".to_owned(), Value::String("apiKey".to_owned()));
                for key in ["name", "in"] {
                    if let Some(v) = d.get(key) {
                        s.insert(key.to_owned(), v.clone());
                    }
                }
            }
            Some("oauth2") => {
                s.insert("type".to_owned(), Value::String("oauth2".to_owned()));
                let flow_name = match d.get("flow").and_then(Value::as_str) {
                    Some("implicit") => "implicit",
                    Some("password") => "password",
                    Some("application") => "clientCredentials",
                    Some("accessCode") => "authorizationCode",
                    other => {
                        self.sink.error(
                            &push_pointer(written, "flow"),
                            format!(
                                "expected `flow` to be implicit, password, application or accessCode, found {}",
                                other.map_or("nothing".to_owned(), |f| format!("`{f}`"))
                            ),
                        );
                        return Value::Object(s);
                    }
                };
                let mut flow = Map::new();
                for key in ["authorizationUrl", "tokenUrl"] {
                    if let Some(v) = d.get(key) {
                        flow.insert(key.to_owned(), v.clone());
                    }
                }
                flow.insert(
                    "scopes".to_owned(),
                    d.get("scopes").cloned().unwrap_or_else(|| Value::Object(Map::new())),
                );
                let mut flows = Map::new();
                flows.insert(flow_name.to_owned(), Value::Object(flow));
                s.insert("flows".to_owned(), Value::Object(flows));
            }
            _ => return Value::Object(d.clone()),
        }
        Value::Object(s)
    }

    fn path_item(&mut self, item: &Value, upgraded: &str, written: &str) -> Value {
        let Value::Object(item) = item else {
            return item.clone();
        };
        let mut out = Map::new();
        // Path-level parameters: plain ones stay on the path; a body or
        // form fields go to each operation that does not declare its own.
        let mut shared: Vec<(Value, String)> = Vec::new();
        let mut plain = Vec::new();
        if let Some(Value::Array(list)) = item.get("parameters") {
            for (i, p) in list.iter().enumerate() {
                let pw = push_pointer(&push_pointer(written, "parameters"), &i.to_string());
                let resolved = self.resolve_parameter(p);
                match kind_of(resolved.as_ref().map_or(p, |(r, _)| r)) {
                    Kind::Plain => {
                        let pu = push_pointer(&push_pointer(upgraded, "parameters"), &plain.len().to_string());
                        plain.push(match resolved {
                            Some(_) => p.clone(),
                            None => self.parameter(p, &pu, &pw),
                        });
                        self.origins.add(pu, pw);
                    }
                    Kind::Body | Kind::Form => shared.push((p.clone(), pw)),
                }
            }
        }
        if !plain.is_empty() {
            out.insert("parameters".to_owned(), Value::Array(plain));
        }
        for (key, v) in item {
            if METHODS.contains(&key.as_str()) {
                let op = self.operation(v, &shared, &push_pointer(upgraded, key), &push_pointer(written, key));
                out.insert(key.clone(), op);
            } else if key.starts_with("x-") || key == "$ref" {
                out.insert(key.clone(), v.clone());
            }
        }
        Value::Object(out)
    }

    fn operation(&mut self, op: &Value, shared: &[(Value, String)], upgraded: &str, written: &str) -> Value {
        let Value::Object(op) = op else {
            return op.clone();
        };
        let consumes = match op.get("consumes") {
            Some(v) => strings(Some(v)),
            None => self.consumes.clone(),
        };
        let produces = match op.get("produces") {
            Some(v) => strings(Some(v)),
            None => self.produces.clone(),
        };
        let mut out = Map::new();
        for key in [
            "tags",
            "summary",
            "description",
            "externalDocs",
            "operationId",
            "deprecated",
            "security",
        ] {
            if let Some(v) = op.get(key) {
                out.insert(key.to_owned(), v.clone());
            }
        }
        copy_extensions(op, &mut out);
        let mut params = Vec::new();
        let mut body: Option<Value> = None;
        // Form fields: (name, parameter as written, its pointer).
        let mut form: Vec<(Value, String)> = Vec::new();
        let own: Vec<(Value, String)> = op
            .get("parameters")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .enumerate()
            .map(|(i, p)| {
                (
                    p.clone(),
                    push_pointer(&push_pointer(written, "parameters"), &i.to_string()),
                )
            })
            .collect();
        let declares_body = own.iter().any(|(p, _)| {
            let r = self.resolve_parameter(p);
            matches!(kind_of(r.as_ref().map_or(p, |(r, _)| r)), Kind::Body | Kind::Form)
        });
        let inherited = if declares_body { &[][..] } else { shared };
        let body_pointer = push_pointer(upgraded, "requestBody");
        for (p, pw) in own.iter().chain(inherited) {
            let resolved = self.resolve_parameter(p);
            match kind_of(resolved.as_ref().map_or(p, |(r, _)| r)) {
                Kind::Plain => {
                    let pu = push_pointer(&push_pointer(upgraded, "parameters"), &params.len().to_string());
                    params.push(match resolved {
                        Some(_) => p.clone(),
                        None => self.parameter(p, &pu, pw),
                    });
                    self.origins.add(pu, pw.clone());
                }
                Kind::Body => {
                    body = Some(match resolved {
                        Some(_) => p.clone(),
                        None => self.body(p, &consumes, &body_pointer, pw),
                    });
                    self.origins.add(body_pointer.clone(), pw.clone());
                }
                Kind::Form => {
                    let (p, pw) = match resolved {
                        Some((r, at)) => (r, at),
                        None => (p.clone(), pw.clone()),
                    };
                    form.push((p, pw));
                }
            }
        }
        if !params.is_empty() {
            out.insert("parameters".to_owned(), Value::Array(params));
        }
        if !form.is_empty() {
            body = Some(self.form(&form, &consumes, &body_pointer));
        }
        if let Some(b) = body {
            out.insert("requestBody".to_owned(), b);
        }
        if let Some(Value::Object(responses)) = op.get("responses") {
            let mut rs = Map::new();
            for (code, r) in responses {
                if code.starts_with("x-") {
                    continue;
                }
                let ru = push_pointer(&push_pointer(upgraded, "responses"), code);
                let rw = push_pointer(&push_pointer(written, "responses"), code);
                rs.insert(code.clone(), self.response(r, &produces, &ru, &rw));
            }
            out.insert("responses".to_owned(), Value::Object(rs));
        }
        Value::Object(out)
    }

    /// A parameter that is not the body: its type keywords become its
    /// `schema`, `collectionFormat` its `style` and `explode`.
    fn parameter(&mut self, p: &Value, upgraded: &str, written: &str) -> Value {
        let Value::Object(p) = p else {
            return p.clone();
        };
        if p.contains_key("$ref") {
            return Value::Object(p.clone());
        }
        let mut out = Map::new();
        for key in ["name", "in", "description", "required", "deprecated", "allowEmptyValue"] {
            if let Some(v) = p.get(key) {
                out.insert(key.to_owned(), v.clone());
            }
        }
        copy_extensions(p, &mut out);
        let location = p.get("in").and_then(Value::as_str).unwrap_or("query");
        if p.get("type").and_then(Value::as_str) == Some("array") {
            let format = p.get("collectionFormat").and_then(Value::as_str).unwrap_or("csv");
            match list_encoding(format, location) {
                Some(e) => out.extend(e),
                None => self.sink.error(
                    &push_pointer(written, "collectionFormat"),
                    format!(
                        "`collectionFormat: {format}` in a {location} parameter cannot be sent (csv is supported everywhere; multi, ssv, tsv and pipes in a query)"
                    ),
                ),
            }
        }
        out.insert("schema".to_owned(), Value::Object(type_keywords(p)));
        self.origins.add(push_pointer(upgraded, "schema"), written.to_owned());
        Value::Object(out)
    }

    /// An `in: body` parameter as a request body, its schema under each
    /// media type the operation consumes.
    fn body(&mut self, p: &Value, consumes: &[String], upgraded: &str, written: &str) -> Value {
        let mut out = Map::new();
        if let Some(d) = p.get("description") {
            out.insert("description".to_owned(), d.clone());
        }
        if let Some(r) = p.get("required") {
            out.insert("required".to_owned(), r.clone());
        }
        if let Value::Object(p) = p {
            copy_extensions(p, &mut out);
        }
        let schema = p.get("schema").cloned().unwrap_or_else(|| Value::Object(Map::new()));
        let mut content = Map::new();
        for media in media_types(consumes) {
            let mu = push_pointer(&push_pointer(upgraded, "content"), &media);
            self.origins
                .add(push_pointer(&mu, "schema"), push_pointer(written, "schema"));
            let mut mt = Map::new();
            mt.insert("schema".to_owned(), schema.clone());
            content.insert(media, Value::Object(mt));
        }
        out.insert("content".to_owned(), Value::Object(content));
        Value::Object(out)
    }

    /// `in: formData` parameters as one request body: an object with a
    /// property per field, sent as a form, or as multipart when the
    /// operation says so or a field is a file.
    fn form(&mut self, fields: &[(Value, String)], consumes: &[String], upgraded: &str) -> Value {
        let has_file = fields
            .iter()
            .any(|(p, _)| p.get("type").and_then(Value::as_str) == Some("file"));
        let media = if has_file || consumes.iter().any(|c| c.eq_ignore_ascii_case("multipart/form-data")) {
            "multipart/form-data"
        } else {
            "application/x-www-form-urlencoded"
        };
        let schema_pointer = push_pointer(&push_pointer(&push_pointer(upgraded, "content"), media), "schema");
        let mut properties = Map::new();
        let mut required = Vec::new();
        let mut encoding = Map::new();
        for (p, pw) in fields {
            let Some(name) = p.get("name").and_then(Value::as_str) else {
                continue;
            };
            let Value::Object(pm) = p else { continue };
            let mut s = type_keywords(pm);
            if let Some(d) = pm.get("description") {
                s.insert("description".to_owned(), d.clone());
            }
            properties.insert(name.to_owned(), Value::Object(s));
            // A list field's `collectionFormat` (csv unless it says) is
            // its encoding in a form, which writes fields as a query does.
            if pm.get("type").and_then(Value::as_str) == Some("array") {
                let format = pm.get("collectionFormat").and_then(Value::as_str).unwrap_or("csv");
                if let Some(e) = list_encoding(format, "query") {
                    encoding.insert(name.to_owned(), Value::Object(e));
                }
            }
            if pm.get("required") == Some(&Value::Bool(true)) {
                required.push(Value::String(name.to_owned()));
            }
            self.origins.add(
                push_pointer(&push_pointer(&schema_pointer, "properties"), name),
                pw.clone(),
            );
        }
        let mut schema = Map::new();
        schema.insert("type".to_owned(), Value::String("object".to_owned()));
        schema.insert("properties".to_owned(), Value::Object(properties));
        let any_required = !required.is_empty();
        if any_required {
            schema.insert("required".to_owned(), Value::Array(required));
        }
        let mut mt = Map::new();
        mt.insert("schema".to_owned(), Value::Object(schema));
        if media == "application/x-www-form-urlencoded" && !encoding.is_empty() {
            mt.insert("encoding".to_owned(), Value::Object(encoding));
        }
        let mut content = Map::new();
        content.insert(media.to_owned(), Value::Object(mt));
        let mut out = Map::new();
        out.insert("content".to_owned(), Value::Object(content));
        if any_required {
            out.insert("required".to_owned(), Value::Bool(true));
        }
        Value::Object(out)
    }

    fn response(&mut self, r: &Value, produces: &[String], upgraded: &str, written: &str) -> Value {
        let Value::Object(r) = r else {
            return r.clone();
        };
        if r.contains_key("$ref") {
            return Value::Object(r.clone());
        }
        let mut out = Map::new();
        out.insert(
            "description".to_owned(),
            r.get("description")
                .cloned()
                .unwrap_or_else(|| Value::String(String::new())),
        );
        copy_extensions(r, &mut out);
        if let Some(Value::Object(headers)) = r.get("headers") {
            let mut hs = Map::new();
            for (name, h) in headers {
                let Value::Object(h) = h else { continue };
                let mut header = Map::new();
                if let Some(d) = h.get("description") {
                    header.insert("description".to_owned(), d.clone());
                }
                header.insert("schema".to_owned(), Value::Object(type_keywords(h)));
                let hu = push_pointer(&push_pointer(upgraded, "headers"), name);
                let hw = push_pointer(&push_pointer(written, "headers"), name);
                self.origins.add(push_pointer(&hu, "schema"), hw);
                hs.insert(name.clone(), Value::Object(header));
            }
            out.insert("headers".to_owned(), Value::Object(hs));
        }
        if let Some(schema) = r.get("schema") {
            let examples = r.get("examples").and_then(Value::as_object);
            let mut content = Map::new();
            for media in media_types(produces) {
                let mu = push_pointer(&push_pointer(upgraded, "content"), &media);
                self.origins
                    .add(push_pointer(&mu, "schema"), push_pointer(written, "schema"));
                let mut mt = Map::new();
                mt.insert("schema".to_owned(), schema.clone());
                if let Some(example) = examples.and_then(|e| e.get(&media)) {
                    mt.insert("example".to_owned(), example.clone());
                }
                content.insert(media, Value::Object(mt));
            }
            out.insert("content".to_owned(), Value::Object(content));
        }
        Value::Object(out)
    }
}

/// The media types to list content under: those given, or JSON.
fn media_types(given: &[String]) -> Vec<String> {
    if given.is_empty() {
        vec!["application/json".to_owned()]
    } else {
        let mut out: Vec<String> = Vec::new();
        for m in given {
            if !out.contains(m) {
                out.push(m.clone());
            }
        }
        out
    }
}

/// A parameter's, header's or items object's type keywords as a schema
/// (recursively through `items`).
/// How Swagger 2.0's `collectionFormat` writes a list in `location`, as
/// 3.0's `style` and `explode`; `tsv`, which 3.0 has no style for, is
/// `form` unexploded marked `x-collection-format: tsv` (lowering reads the
/// extension). `None` where the format cannot be written there.
fn list_encoding(format: &str, location: &str) -> Option<Map<String, Value>> {
    let mut e = Map::new();
    let (style, explode) = match (format, location) {
        ("multi", "query") => ("form", true),
        ("csv", "query" | "cookie") => ("form", false),
        ("csv", _) => ("simple", false),
        ("ssv", "query") => ("spaceDelimited", false),
        ("pipes", "query") => ("pipeDelimited", false),
        ("tsv", "query") => {
            e.insert("x-collection-format".to_owned(), Value::String("tsv".to_owned()));
            ("form", false)
        }
        _ => return None,
    };
    e.insert("style".to_owned(), Value::String(style.to_owned()));
    e.insert("explode".to_owned(), Value::Bool(explode));
    Some(e)
}

fn type_keywords(p: &Map<String, Value>) -> Map<String, Value> {
    const KEYS: &[&str] = &[
        "type",
        "format",
        "default",
        "enum",
        "maximum",
        "exclusiveMaximum",
        "minimum",
        "exclusiveMinimum",
        "maxLength",
        "minLength",
        "pattern",
        "maxItems",
        "minItems",
        "uniqueItems",
        "multipleOf",
        "x-nullable",
        "x-ms-enum",
    ];
    let mut s = Map::new();
    for key in KEYS {
        if let Some(v) = p.get(*key) {
            s.insert((*key).to_owned(), v.clone());
        }
    }
    if let Some(Value::Object(items)) = p.get("items") {
        let items = if items.contains_key("$ref") {
            items.clone()
        } else {
            type_keywords(items)
        };
        s.insert("items".to_owned(), Value::Object(items));
    }
    s
}

fn copy_extensions(from: &Map<String, Value>, to: &mut Map<String, Value>) {
    for (k, v) in from {
        if k.starts_with("x-") {
            to.insert(k.clone(), v.clone());
        }
    }
}
