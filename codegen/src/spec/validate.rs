//! The structural check of a document, on the raw tree, before it is read
//! into `openapiv3`: every problem is reported with its JSON pointer, so that
//! one run lists them all and the typed read afterwards cannot fail.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Map, Value};

use crate::diag::{Sink, push_pointer};

pub(crate) const METHODS: [&str; 8] = ["get", "put", "post", "delete", "options", "head", "patch", "trace"];

const SCHEMA_KEYWORDS: &[&str] = &[
    "title",
    "multipleOf",
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
    "maxProperties",
    "minProperties",
    "required",
    "enum",
    "type",
    "allOf",
    "oneOf",
    "anyOf",
    "not",
    "items",
    "properties",
    "additionalProperties",
    "description",
    "format",
    "default",
    "nullable",
    "discriminator",
    "readOnly",
    "writeOnly",
    "xml",
    "externalDocs",
    "example",
    "deprecated",
];

/// Checks the document, reporting into `sink` (operations left out under
/// `skip_unsupported` go to its `skipped`).
pub(crate) fn check(root: &Value, sink: &mut Sink, skip_unsupported: bool, lenient: bool) {
    let mut v = Validator {
        root,
        sink,
        skip_unsupported,
        lenient,
        operation: None,
        seen_schemas: BTreeSet::new(),
        cycles: BTreeSet::new(),
        pending_schemas: Vec::new(),
    };
    v.document();
    while let Some((schema, pointer)) = v.pending_schemas.pop() {
        v.operation = None;
        v.schema_inner(schema, &pointer);
    }
}

struct Validator<'a> {
    root: &'a Value,
    sink: &'a mut Sink,
    skip_unsupported: bool,
    /// Plain mistakes of the authors are warnings (`--lenient`).
    lenient: bool,
    /// The operation being checked, for unsupported constructs.
    operation: Option<String>,
    /// Component schemas already checked through a `$ref`.
    seen_schemas: BTreeSet<String>,
    /// `$ref` cycles already reported, by their members.
    cycles: BTreeSet<Vec<String>>,
    /// Component schemas reached through a `$ref`, still to check.
    pending_schemas: Vec<(&'a Value, String)>,
}

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a sequence",
        Value::Object(_) => "a mapping",
    }
}

impl<'a> Validator<'a> {
    fn error(&mut self, pointer: &str, message: impl Into<String>) {
        self.sink.error(pointer, message);
    }

    fn warning(&mut self, pointer: &str, message: impl Into<String>) {
        self.sink.warning(pointer, message);
    }

    /// A construct the generator cannot express, in the operation being
    /// checked (see `Sink::unsupported`).
    fn unsupported(&mut self, pointer: &str, what: &str) {
        let what = format!("{what} is not supported");
        self.sink
            .unsupported(self.skip_unsupported, self.operation.as_deref(), pointer, &what);
    }

    fn mapping<'v>(&mut self, value: &'v Value, pointer: &str, what: &str) -> Option<&'v Map<String, Value>> {
        match value {
            Value::Object(m) => Some(m),
            other => {
                self.error(
                    pointer,
                    format!("expected {what} to be a mapping, found {}", kind(other)),
                );
                None
            }
        }
    }

    fn string_field(&mut self, m: &Map<String, Value>, pointer: &str, key: &str, required: bool) -> Option<String> {
        match m.get(key) {
            Some(Value::String(s)) => Some(s.clone()),
            Some(other) => {
                self.error(
                    &push_pointer(pointer, key),
                    format!("expected `{key}` to be a string, found {}", kind(other)),
                );
                None
            }
            None => {
                if required {
                    self.error(pointer, format!("missing required field `{key}`"));
                }
                None
            }
        }
    }

    fn bool_field(&mut self, m: &Map<String, Value>, pointer: &str, key: &str) {
        if let Some(v) = m.get(key) {
            if !v.is_boolean() {
                self.error(
                    &push_pointer(pointer, key),
                    format!("expected `{key}` to be true or false, found {}", kind(v)),
                );
            }
        }
    }

    fn count_field(&mut self, m: &Map<String, Value>, pointer: &str, key: &str) {
        if let Some(v) = m.get(key) {
            if v.as_u64().is_none() {
                self.error(
                    &push_pointer(pointer, key),
                    format!("expected `{key}` to be a non-negative integer, found {}", describe(v)),
                );
            }
        }
    }

    fn number_field(&mut self, m: &Map<String, Value>, pointer: &str, key: &str) {
        if let Some(v) = m.get(key) {
            if !v.is_number() {
                self.error(
                    &push_pointer(pointer, key),
                    format!("expected `{key}` to be a number, found {}", describe(v)),
                );
            }
        }
    }

    fn document(&mut self) {
        let Some(root) = self.mapping(self.root, "", "the document") else {
            return;
        };
        // 3.1 and 2.0 documents arrive here upgraded to 3.0
        // (`spec::upgrade`); anything else is named as found.
        match root.get("openapi") {
            Some(Value::String(v)) if v.starts_with("3.0.") || v == "3.0" => {}
            Some(Value::String(v)) => self.error(
                "/openapi",
                format!("expected OpenAPI 3.0.x or 3.1.x (or `swagger: \"2.0\"`), found version {v}"),
            ),
            Some(other) => self.error(
                "/openapi",
                format!(
                    "expected `openapi` to be a version string such as \"3.0.3\", found {}",
                    describe(other)
                ),
            ),
            None => {
                if let Some(v) = root.get("swagger") {
                    self.error(
                        "/swagger",
                        format!("expected `swagger: \"2.0\"` (or OpenAPI 3.0.x or 3.1.x), found {v}"),
                    );
                } else {
                    self.error("", "missing required field `openapi`");
                }
            }
        }
        match root.get("info") {
            Some(info) => {
                if let Some(m) = self.mapping(info, "/info", "`info`") {
                    self.string_field(m, "/info", "title", true);
                    if let Some(v) = m.get("version") {
                        if !(v.is_string() || v.is_number()) {
                            self.error(
                                "/info/version",
                                format!("expected `version` to be a string, found {}", kind(v)),
                            );
                        }
                    } else {
                        self.error("/info", "missing required field `version`");
                    }
                }
            }
            None => self.error("", "missing required field `info`"),
        }
        if let Some(servers) = root.get("servers") {
            self.servers(servers, "/servers");
        }
        match root.get("paths") {
            Some(paths) => self.paths(paths),
            None => self.error("", "missing required field `paths`"),
        }
        if let Some(components) = root.get("components") {
            self.components(components);
        }
        if let Some(security) = root.get("security") {
            self.security_requirements(security, "/security");
        }
        if root.contains_key("webhooks") {
            self.warning("/webhooks", "`webhooks` belongs to OpenAPI 3.1 and is ignored");
        }
    }

    fn servers(&mut self, value: &Value, pointer: &str) {
        let Some(list) = value.as_array() else {
            self.error(
                pointer,
                format!("expected `servers` to be a sequence, found {}", kind(value)),
            );
            return;
        };
        for (i, server) in list.iter().enumerate() {
            let p = push_pointer(pointer, &i.to_string());
            let Some(m) = self.mapping(server, &p, "a server") else {
                continue;
            };
            self.string_field(m, &p, "url", true);
            if let Some(vars) = m.get("variables") {
                let vp = push_pointer(&p, "variables");
                if let Some(vars) = self.mapping(vars, &vp, "`variables`") {
                    for (name, var) in vars {
                        let np = push_pointer(&vp, name);
                        if let Some(var) = self.mapping(var, &np, "a server variable") {
                            if !var.get("default").is_some_and(|d| d.is_string()) {
                                self.error(&np, "expected a string `default` for the server variable");
                            }
                        }
                    }
                }
            }
        }
    }

    fn paths(&mut self, value: &Value) {
        let Some(paths) = self.mapping(value, "/paths", "`paths`") else {
            return;
        };
        for (path, item) in paths {
            let p = push_pointer("/paths", path);
            if path.starts_with("x-") {
                continue;
            }
            if !path.starts_with('/') {
                self.error(&p, format!("expected a path starting with `/`, found `{path}`"));
                continue;
            }
            self.path_item(path, item, &p);
        }
    }

    fn path_item(&mut self, path: &str, item: &Value, pointer: &str) {
        let Some(m) = self.mapping(item, pointer, "a path item") else {
            return;
        };
        if m.contains_key("$ref") {
            self.error(
                pointer,
                "a path item given by `$ref` is not supported; write the operations inline",
            );
            return;
        }
        let template = crate::template::parse(path)
            .map(|parts| crate::template::slots(&parts).map(str::to_owned).collect::<Vec<_>>());
        if let Err(msg) = &template {
            self.error(pointer, msg.clone());
        }
        let mut shared: BTreeMap<(String, String), bool> = BTreeMap::new();
        if let Some(params) = m.get("parameters") {
            self.parameter_list(params, &push_pointer(pointer, "parameters"), &mut shared);
        }
        for (key, value) in m {
            let p = push_pointer(pointer, key);
            match key.as_str() {
                k if METHODS.contains(&k) => {
                    self.operation = Some(p.clone());
                    let mut params = shared.clone();
                    self.operation_object(value, &p, &mut params);
                    if let Ok(names) = &template {
                        self.path_parameters_match(names, &params, &p);
                    }
                    self.operation = None;
                }
                "parameters" | "summary" | "description" => {}
                "servers" => self.servers(value, &p),
                k if k.starts_with("x-") => {}
                other => self.warning(&p, format!("unknown path item field `{other}` is ignored")),
            }
        }
    }

    fn path_parameters_match(&mut self, names: &[String], params: &BTreeMap<(String, String), bool>, pointer: &str) {
        for name in names {
            if !params.contains_key(&("path".to_owned(), name.clone())) {
                self.error(
                    pointer,
                    format!("the path has `{{{name}}}` but the operation declares no path parameter `{name}`"),
                );
            }
        }
        for (location, name) in params.keys() {
            if location == "path" && !names.contains(name) {
                if self.lenient {
                    self.warning(
                        pointer,
                        format!("path parameter `{name}` is declared but the path has no `{{{name}}}`; it is left out (--lenient)"),
                    );
                } else {
                    self.error(
                        pointer,
                        format!("path parameter `{name}` is declared but the path has no `{{{name}}}` (pass --lenient to leave it out)"),
                    );
                }
            }
        }
    }

    /// Checks a `parameters` list and records `(in, name)` of each entry.
    fn parameter_list(&mut self, value: &Value, pointer: &str, seen: &mut BTreeMap<(String, String), bool>) {
        let Some(list) = value.as_array() else {
            self.error(
                pointer,
                format!("expected `parameters` to be a sequence, found {}", kind(value)),
            );
            return;
        };
        let mut here = BTreeSet::new();
        for (i, param) in list.iter().enumerate() {
            let p = push_pointer(pointer, &i.to_string());
            let Some((target, target_pointer)) = self.follow(param, &p, "parameters") else {
                continue;
            };
            if let Some(key) = self.parameter(target, &target_pointer, &p) {
                if !here.insert(key.clone()) {
                    self.error(&p, format!("parameter `{}` in {} is declared twice", key.1, key.0));
                }
                seen.insert(key, true);
            }
        }
    }

    /// Follows a `$ref` (if any) to a component of `section`; returns the
    /// target and its pointer.
    fn follow<'v>(&mut self, value: &'v Value, pointer: &str, section: &str) -> Option<(&'v Value, String)>
    where
        'a: 'v,
    {
        let mut current = value;
        let mut current_pointer = pointer.to_owned();
        let mut chain: Vec<String> = Vec::new();
        while let Some(r) = current.as_object().and_then(|m| m.get("$ref")) {
            let ref_pointer = push_pointer(&current_pointer, "$ref");
            let Some(r) = r.as_str() else {
                self.error(
                    &ref_pointer,
                    format!("expected `$ref` to be a string, found {}", kind(r)),
                );
                return None;
            };
            if let Some(start) = chain.iter().position(|c| c == r) {
                let mut cycle: Vec<&str> = chain[start..].iter().map(String::as_str).collect();
                // One cycle, however many places lead into it: reported once.
                let mut members: Vec<String> = cycle.iter().map(|c| (*c).to_owned()).collect();
                members.sort();
                if !self.cycles.insert(members) {
                    return None;
                }
                cycle.push(r);
                self.error(
                    &ref_pointer,
                    format!(
                        "the `$ref`s form a cycle with nothing in between: {}",
                        cycle.join(" → ")
                    ),
                );
                return None;
            }
            chain.push(r.to_owned());
            let target = self.resolve_ref(r, &ref_pointer, section)?;
            current = target.0;
            current_pointer = target.1;
        }
        Some((current, current_pointer))
    }

    fn resolve_ref(&mut self, r: &str, pointer: &str, section: &str) -> Option<(&'a Value, String)> {
        let Some(local) = r.strip_prefix('#') else {
            self.unsupported(pointer, &format!("the external reference `{r}`"));
            return None;
        };
        let prefix = format!("/components/{section}/");
        if !local.starts_with(&prefix) {
            let other = ["responses", "requestBodies", "parameters", "headers"]
                .iter()
                .any(|k| local.starts_with(&format!("/components/{k}/")));
            let hint = if section == "responses" && local.starts_with("/components/requestBodies/") {
                "; pass --lenient to read the request body as a response with the same content"
            } else if section == "schemas" && other {
                "; pass --lenient to read the schema it holds"
            } else {
                ""
            };
            self.error(
                pointer,
                format!("expected a reference to `#{prefix}...`, found `{r}`{hint}"),
            );
            return None;
        }
        match self.root.pointer(local) {
            Some(target) => Some((target, local.to_owned())),
            None => {
                self.error(pointer, format!("unresolved reference `{r}`: no such component"));
                None
            }
        }
    }

    /// Checks a parameter object; returns its `(in, name)`.
    fn parameter(&mut self, value: &Value, pointer: &str, use_pointer: &str) -> Option<(String, String)> {
        let m = self.mapping(value, pointer, "a parameter")?;
        let name = self.string_field(m, pointer, "name", true);
        let location = self.string_field(m, pointer, "in", true);
        self.bool_field(m, pointer, "required");
        self.bool_field(m, pointer, "explode");
        self.bool_field(m, pointer, "deprecated");
        self.bool_field(m, pointer, "allowEmptyValue");
        let (name, location) = (name?, location?);
        match location.as_str() {
            "path" => {
                if m.get("required") != Some(&Value::Bool(true)) {
                    self.error(
                        pointer,
                        format!("path parameter `{name}` must have `required: true` (--lenient reads it as required)"),
                    );
                }
            }
            "query" | "header" => {}
            "cookie" => self.unsupported(use_pointer, &format!("the cookie parameter `{name}`")),
            other => {
                self.error(
                    &push_pointer(pointer, "in"),
                    format!("expected `in` to be path, query, header or cookie, found `{other}`"),
                );
                return None;
            }
        }
        if let Some(style) = m.get("style") {
            let style_pointer = push_pointer(pointer, "style");
            match (style.as_str(), location.as_str()) {
                (Some("simple"), "path" | "header")
                | (Some("form" | "deepObject" | "spaceDelimited" | "pipeDelimited"), "query") => {}
                (Some("deepObject"), l) => self.error(
                    &style_pointer,
                    format!("style `deepObject` is for query parameters, not a {l} parameter"),
                ),
                (Some("label" | "matrix"), "path") => {}
                (Some(s @ ("label" | "matrix")), l) => self.error(
                    &style_pointer,
                    format!("style `{s}` is for path parameters, not a {l} parameter"),
                ),
                (Some(s), l) => self.error(
                    &style_pointer,
                    format!("style `{s}` is not allowed for a {l} parameter"),
                ),
                (None, _) => self.error(
                    &style_pointer,
                    format!("expected `style` to be a string, found {}", kind(style)),
                ),
            }
        }
        match (m.get("schema"), m.get("content")) {
            (Some(schema), None) => self.schema(schema, &push_pointer(pointer, "schema")),
            (None, Some(content)) => {
                let cp = push_pointer(pointer, "content");
                // One media type; JSON is written as its text.
                let json = content.as_object().and_then(|c| {
                    let (media, mt) = c.iter().next().filter(|_| c.len() == 1)?;
                    let essence = media.split(';').next().unwrap_or("").trim().to_ascii_lowercase();
                    (essence == "application/json" || essence.ends_with("+json")).then_some((media, mt))
                });
                match json {
                    Some((media, mt)) => {
                        if let Some(schema) = mt.get("schema") {
                            self.schema(schema, &push_pointer(&push_pointer(&cp, media), "schema"));
                        }
                    }
                    None => self.unsupported(
                        &cp,
                        &format!("a `content` parameter (`{name}`) of another media type than one JSON one"),
                    ),
                }
            }
            (Some(_), Some(_)) => self.error(pointer, "a parameter has either `schema` or `content`, not both"),
            (None, None) => self.error(pointer, format!("parameter `{name}` has no `schema`")),
        }
        Some((location, name))
    }

    fn operation_object(&mut self, value: &Value, pointer: &str, params: &mut BTreeMap<(String, String), bool>) {
        let Some(m) = self.mapping(value, pointer, "an operation") else {
            return;
        };
        self.string_field(m, pointer, "operationId", false);
        self.string_field(m, pointer, "summary", false);
        self.string_field(m, pointer, "description", false);
        self.bool_field(m, pointer, "deprecated");
        if let Some(tags) = m.get("tags") {
            if !tags.as_array().is_some_and(|t| t.iter().all(Value::is_string)) {
                self.error(
                    &push_pointer(pointer, "tags"),
                    "expected `tags` to be a sequence of strings",
                );
            }
        }
        if let Some(p) = m.get("parameters") {
            self.parameter_list(p, &push_pointer(pointer, "parameters"), params);
        }
        if let Some(body) = m.get("requestBody") {
            let bp = push_pointer(pointer, "requestBody");
            if let Some((body, body_pointer)) = self.follow(body, &bp, "requestBodies") {
                if let Some(b) = self.mapping(body, &body_pointer, "a request body") {
                    self.bool_field(b, &body_pointer, "required");
                    match b.get("content") {
                        Some(content) => self.content(content, &push_pointer(&body_pointer, "content")),
                        None => self.error(&body_pointer, "missing required field `content`"),
                    }
                }
            }
        }
        match m.get("responses") {
            Some(responses) => self.responses(responses, &push_pointer(pointer, "responses")),
            None => self.error(pointer, "missing required field `responses`"),
        }
        if let Some(callbacks) = m.get("callbacks") {
            self.callbacks(callbacks, &push_pointer(pointer, "callbacks"));
        }
        if let Some(security) = m.get("security") {
            self.security_requirements(security, &push_pointer(pointer, "security"));
        }
        if let Some(servers) = m.get("servers") {
            self.servers(servers, &push_pointer(pointer, "servers"));
        }
    }

    /// Callbacks: a map of names to maps of expressions to path items.
    /// Their operations are not generated (a client receives them), but
    /// their request bodies are lowered to models, so those are checked.
    fn callbacks(&mut self, value: &Value, pointer: &str) {
        let Some(callbacks) = self.mapping(value, pointer, "`callbacks`") else {
            return;
        };
        for (name, callback) in callbacks {
            let cp = push_pointer(pointer, name);
            if callback.get("$ref").is_some() {
                self.unsupported(&cp, "a `$ref` to a callback");
                continue;
            }
            let Some(expressions) = self.mapping(callback, &cp, "a callback") else {
                continue;
            };
            for (expression, item) in expressions {
                let ip = push_pointer(&cp, expression);
                let Some(item) = self.mapping(item, &ip, "a path item") else {
                    continue;
                };
                for (method, op) in item {
                    if !METHODS.contains(&method.as_str()) {
                        continue;
                    }
                    let op_pointer = push_pointer(&ip, method);
                    let Some(op) = self.mapping(op, &op_pointer, "an operation") else {
                        continue;
                    };
                    if let Some(body) = op.get("requestBody") {
                        let bp = push_pointer(&op_pointer, "requestBody");
                        if let Some((body, body_pointer)) = self.follow(body, &bp, "requestBodies") {
                            if let Some(content) = body.get("content") {
                                self.content(content, &push_pointer(&body_pointer, "content"));
                            }
                        }
                    }
                }
            }
        }
    }

    fn content(&mut self, value: &Value, pointer: &str) {
        let Some(content) = self.mapping(value, pointer, "`content`") else {
            return;
        };
        for (media, mt) in content {
            let p = push_pointer(pointer, media);
            let Some(mt) = self.mapping(mt, &p, "a media type") else {
                continue;
            };
            if let Some(schema) = mt.get("schema") {
                self.schema(schema, &push_pointer(&p, "schema"));
            }
            if let Some(examples) = mt.get("examples") {
                self.mapping(examples, &push_pointer(&p, "examples"), "`examples`");
            }
        }
    }

    fn responses(&mut self, value: &Value, pointer: &str) {
        let Some(responses) = self.mapping(value, pointer, "`responses`") else {
            return;
        };
        if responses.is_empty() {
            self.error(
                pointer,
                "expected at least one response (--lenient gives the response raw)",
            );
        }
        for (status, response) in responses {
            let p = push_pointer(pointer, status);
            if status.starts_with("x-") {
                continue;
            }
            let valid = status == "default"
                || (status.len() == 3
                    && matches!(status.as_bytes()[0], b'1'..=b'5')
                    && (status[1..].bytes().all(|b| b.is_ascii_digit()) || status[1..].eq_ignore_ascii_case("xx")));
            if !valid {
                self.error(
                    &p,
                    format!("expected a status code such as 200, 4XX or default, found `{status}`"),
                );
                continue;
            }
            let Some((response, rp)) = self.follow(response, &p, "responses") else {
                continue;
            };
            let Some(r) = self.mapping(response, &rp, "a response") else {
                continue;
            };
            if !r.contains_key("description") {
                self.warning(&rp, "a response should have a `description`");
            }
            self.string_field(r, &rp, "description", false);
            if let Some(content) = r.get("content") {
                self.content(content, &push_pointer(&rp, "content"));
            }
            if let Some(headers) = r.get("headers") {
                let hp = push_pointer(&rp, "headers");
                if let Some(headers) = self.mapping(headers, &hp, "`headers`") {
                    for (name, header) in headers {
                        let p = push_pointer(&hp, name);
                        let Some((header, hp)) = self.follow(header, &p, "headers") else {
                            continue;
                        };
                        self.header(header, &hp);
                    }
                }
            }
            if r.get("links").is_some() {
                // Links only document relations; nothing to generate.
            }
        }
    }

    fn header(&mut self, value: &Value, pointer: &str) {
        let Some(h) = self.mapping(value, pointer, "a header") else {
            return;
        };
        match (h.get("schema"), h.get("content")) {
            (Some(schema), _) => self.schema(schema, &push_pointer(pointer, "schema")),
            (None, Some(_)) => self.warning(pointer, "a header described by `content` is read as a string"),
            (None, None) => self.warning(pointer, "a header without `schema` is read as a string"),
        }
    }

    fn security_requirements(&mut self, value: &Value, pointer: &str) {
        let Some(list) = value.as_array() else {
            self.error(
                pointer,
                format!("expected `security` to be a sequence, found {}", kind(value)),
            );
            return;
        };
        for (i, req) in list.iter().enumerate() {
            let p = push_pointer(pointer, &i.to_string());
            let Some(req) = self.mapping(req, &p, "a security requirement") else {
                continue;
            };
            for name in req.keys() {
                let exists = self
                    .root
                    .pointer(&push_pointer("/components/securitySchemes", name))
                    .is_some();
                if !exists {
                    if self.lenient {
                        self.warning(
                            &push_pointer(&p, name),
                            format!("unknown security scheme `{name}`: not in components.securitySchemes; the requirement counts as none (--lenient)"),
                        );
                    } else {
                        self.error(
                            &push_pointer(&p, name),
                            format!("unknown security scheme `{name}`: not in components.securitySchemes (pass --lenient to count the requirement as none)"),
                        );
                    }
                }
            }
        }
    }

    fn components(&mut self, value: &Value) {
        let Some(c) = self.mapping(value, "/components", "`components`") else {
            return;
        };
        for (section, entries) in c {
            let sp = push_pointer("/components", section);
            if section.starts_with("x-") {
                continue;
            }
            let Some(entries) = self.mapping(entries, &sp, &format!("`components.{section}`")) else {
                continue;
            };
            for (name, entry) in entries {
                let p = push_pointer(&sp, name);
                if !name
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'))
                {
                    self.warning(
                        &p,
                        format!("component name `{name}` has characters outside `a-zA-Z0-9.-_`"),
                    );
                }
                match section.as_str() {
                    "schemas" if self.seen_schemas.insert(p.clone()) => self.schema_inner(entry, &p),
                    "parameters" => {
                        if let Some((target, tp)) = self.follow(entry, &p, "parameters") {
                            self.parameter(target, &tp, &p);
                        }
                    }
                    "responses" => {
                        if let Some((target, tp)) = self.follow(entry, &p, "responses") {
                            if let Some(r) = self.mapping(target, &tp, "a response") {
                                if let Some(content) = r.get("content") {
                                    self.content(content, &push_pointer(&tp, "content"));
                                }
                            }
                        }
                    }
                    "requestBodies" => {
                        if let Some((target, tp)) = self.follow(entry, &p, "requestBodies") {
                            if let Some(b) = self.mapping(target, &tp, "a request body") {
                                match b.get("content") {
                                    Some(content) => self.content(content, &push_pointer(&tp, "content")),
                                    None => self.error(&tp, "missing required field `content`"),
                                }
                            }
                        }
                    }
                    "headers" => {
                        if let Some((target, tp)) = self.follow(entry, &p, "headers") {
                            self.header(target, &tp);
                        }
                    }
                    "securitySchemes" => self.security_scheme(entry, &p),
                    _ => {}
                }
            }
        }
    }

    fn security_scheme(&mut self, value: &Value, pointer: &str) {
        let Some(s) = self.mapping(value, pointer, "a security scheme") else {
            return;
        };
        let Some(kind_) = self.string_field(s, pointer, "type", true) else {
            return;
        };
        match kind_.as_str() {
            "http" => {
                self.string_field(s, pointer, "scheme", true);
            }
            "apiKey" => {
                self.string_field(s, pointer, "name", true);
                if let Some(location) = self.string_field(s, pointer, "in", true) {
                    if !matches!(location.as_str(), "header" | "query" | "cookie") {
                        self.error(
                            &push_pointer(pointer, "in"),
                            format!("expected `in` to be header, query or cookie, found `{location}`"),
                        );
                    }
                }
            }
            "oauth2" => {
                if !s.get("flows").is_some_and(Value::is_object) {
                    self.error(pointer, "missing required field `flows`");
                }
            }
            "openIdConnect" => {
                self.string_field(s, pointer, "openIdConnectUrl", true);
            }
            other => self.error(
                &push_pointer(pointer, "type"),
                format!("expected a security scheme type http, apiKey, oauth2 or openIdConnect, found `{other}`"),
            ),
        }
    }

    /// A schema, or a `$ref` to one.
    fn schema(&mut self, value: &Value, pointer: &str) {
        if let Some(m) = value.as_object() {
            if let Some(r) = m.get("$ref") {
                let rp = push_pointer(pointer, "$ref");
                let Some(r) = r.as_str() else {
                    self.error(&rp, format!("expected `$ref` to be a string, found {}", kind(r)));
                    return;
                };
                if let Some((target, tp)) = self.resolve_ref(r, &rp, "schemas") {
                    if self.seen_schemas.insert(tp.clone()) {
                        // Checked once, later, outside any operation: not
                        // here, or a long chain of references would nest
                        // the check as deep as the chain.
                        self.pending_schemas.push((target, tp));
                    }
                }
                for key in m.keys() {
                    if key != "$ref"
                        && !matches!(key.as_str(), "description" | "summary" | "nullable")
                        && !key.starts_with("x-")
                    {
                        self.warning(
                            &push_pointer(pointer, key),
                            format!("`{key}` beside `$ref` is ignored (OpenAPI 3.0 reads only the reference)"),
                        );
                    }
                }
                return;
            }
        }
        self.schema_inner(value, pointer);
    }

    fn schema_inner(&mut self, value: &Value, pointer: &str) {
        if let Some(m) = value.as_object() {
            if m.contains_key("$ref") {
                self.schema(value, pointer);
                return;
            }
        }
        let Some(m) = self.mapping(value, pointer, "a schema") else {
            return;
        };
        for key in m.keys() {
            if !SCHEMA_KEYWORDS.contains(&key.as_str()) && !key.starts_with("x-") {
                let note = match key.as_str() {
                    "const"
                    | "examples"
                    | "$schema"
                    | "$id"
                    | "patternProperties"
                    | "prefixItems"
                    | "unevaluatedProperties"
                    | "if"
                    | "then"
                    | "else"
                    | "dependentRequired"
                    | "contentMediaType" => " (a JSON Schema or OpenAPI 3.1 keyword)",
                    _ => "",
                };
                self.warning(
                    &push_pointer(pointer, key),
                    format!("`{key}` is not an OpenAPI 3.0 schema keyword and is ignored{note}"),
                );
            }
        }
        let ty = match m.get("type") {
            None => None,
            Some(Value::String(t)) => {
                if !matches!(
                    t.as_str(),
                    "string" | "number" | "integer" | "boolean" | "array" | "object"
                ) {
                    self.error(
                        &push_pointer(pointer, "type"),
                        format!("expected `type` to be string, number, integer, boolean, array or object, found `{t}`"),
                    );
                }
                Some(t.as_str())
            }
            Some(Value::Array(_)) => {
                self.error(&push_pointer(pointer, "type"), "expected `type` to be a single string, found a sequence (a list of types is OpenAPI 3.1; use `nullable: true`)");
                None
            }
            Some(other) => {
                self.error(
                    &push_pointer(pointer, "type"),
                    format!("expected `type` to be a string, found {}", kind(other)),
                );
                None
            }
        };
        for key in ["nullable", "readOnly", "writeOnly", "deprecated", "uniqueItems"] {
            self.bool_field(m, pointer, key);
        }
        for key in ["exclusiveMinimum", "exclusiveMaximum"] {
            if let Some(v) = m.get(key) {
                if !v.is_boolean() {
                    self.error(
                        &push_pointer(pointer, key),
                        format!(
                            "expected `{key}` to be true or false, found {} (a number here is OpenAPI 3.1)",
                            describe(v)
                        ),
                    );
                }
            }
        }
        for key in [
            "maxLength",
            "minLength",
            "maxItems",
            "minItems",
            "maxProperties",
            "minProperties",
        ] {
            self.count_field(m, pointer, key);
        }
        for key in ["minimum", "maximum", "multipleOf"] {
            self.number_field(m, pointer, key);
        }
        for key in ["format", "pattern", "title", "description"] {
            self.string_field(m, pointer, key, false);
        }
        if let Some(required) = m.get("required") {
            let rp = push_pointer(pointer, "required");
            match required.as_array() {
                Some(list) if list.iter().all(Value::is_string) => {
                    if let Some(props) = m.get("properties").and_then(Value::as_object) {
                        for name in list.iter().filter_map(Value::as_str) {
                            if !props.contains_key(name)
                                && m.get("additionalProperties").is_none()
                                && !m.contains_key("allOf")
                            {
                                self.warning(&rp, format!("`{name}` is required but not among the properties"));
                            }
                        }
                    }
                }
                _ => self.error(
                    &rp,
                    format!(
                        "expected `required` to be a sequence of property names, found {}",
                        describe(required)
                    ),
                ),
            }
        }
        if let Some(e) = m.get("enum") {
            let ep = push_pointer(pointer, "enum");
            match e.as_array() {
                Some(values) if values.is_empty() && self.lenient => self.warning(
                    &ep,
                    "an empty `enum` allows no value at all; read as if it were absent (--lenient)",
                ),
                Some(values) if values.is_empty() => self.error(
                    &ep,
                    "expected `enum` to list at least one value (--lenient reads an empty one as absent)",
                ),
                Some(values) => {
                    let ok = match ty {
                        Some("string") => values.iter().all(|v| v.is_string() || v.is_null()),
                        Some("integer") => values.iter().all(|v| v.is_i64() || v.is_u64() || v.is_null()),
                        _ => true,
                    };
                    if !ok {
                        self.error(
                            &ep,
                            format!(
                                "expected every `enum` value to be {}",
                                if ty == Some("string") { "a string" } else { "an integer" }
                            ),
                        );
                    }
                }
                None => self.error(&ep, format!("expected `enum` to be a sequence, found {}", kind(e))),
            }
        }
        if let Some(props) = m.get("properties") {
            let pp = push_pointer(pointer, "properties");
            if let Some(props) = self.mapping(props, &pp, "`properties`") {
                for (name, schema) in props {
                    self.schema(schema, &push_pointer(&pp, name));
                }
            }
        }
        match m.get("additionalProperties") {
            None | Some(Value::Bool(_)) => {}
            Some(schema @ Value::Object(_)) => self.schema(schema, &push_pointer(pointer, "additionalProperties")),
            Some(other) => self.error(
                &push_pointer(pointer, "additionalProperties"),
                format!(
                    "expected `additionalProperties` to be true, false or a schema, found {}",
                    kind(other)
                ),
            ),
        }
        match m.get("items") {
            Some(items @ Value::Object(_)) => self.schema(items, &push_pointer(pointer, "items")),
            Some(Value::Array(_)) => self.error(
                &push_pointer(pointer, "items"),
                "expected `items` to be one schema, found a sequence (tuples are not OpenAPI 3.0)",
            ),
            Some(other) => self.error(
                &push_pointer(pointer, "items"),
                format!("expected `items` to be a schema, found {}", kind(other)),
            ),
            None if ty == Some("array") => self.warning(pointer, "an array without `items` holds any JSON values"),
            None => {}
        }
        for key in ["allOf", "oneOf", "anyOf"] {
            if let Some(list) = m.get(key) {
                let lp = push_pointer(pointer, key);
                match list.as_array() {
                    Some(list) if !list.is_empty() => {
                        for (i, s) in list.iter().enumerate() {
                            self.schema(s, &push_pointer(&lp, &i.to_string()));
                        }
                    }
                    _ => self.error(&lp, format!("expected `{key}` to be a non-empty sequence of schemas")),
                }
            }
        }
        if let Some(not) = m.get("not") {
            self.schema(not, &push_pointer(pointer, "not"));
            self.warning(
                &push_pointer(pointer, "not"),
                "`not` cannot be expressed in Rust types; the schema is read as any JSON value",
            );
        }
        if let Some(d) = m.get("discriminator") {
            let dp = push_pointer(pointer, "discriminator");
            if let Some(d) = self.mapping(d, &dp, "`discriminator`") {
                self.string_field(d, &dp, "propertyName", true);
                if let Some(mapping) = d.get("mapping") {
                    let mp = push_pointer(&dp, "mapping");
                    if let Some(mapping) = self.mapping(mapping, &mp, "`mapping`") {
                        for (value, target) in mapping {
                            match target.as_str() {
                                Some(t) if t.starts_with('#') => {
                                    self.resolve_ref(t, &push_pointer(&mp, value), "schemas");
                                }
                                Some(t) => {
                                    if self.root.pointer(&push_pointer("/components/schemas", t)).is_none() {
                                        self.error(
                                            &push_pointer(&mp, value),
                                            format!("unresolved discriminator mapping `{t}`: no such schema"),
                                        );
                                    }
                                }
                                None => self.error(&push_pointer(&mp, value), "expected a schema reference string"),
                            }
                        }
                    }
                }
                if !m.contains_key("oneOf") && !m.contains_key("anyOf") {
                    self.warning(&dp, "a `discriminator` without `oneOf` or `anyOf` is ignored");
                }
            }
        }
    }
}

fn describe(v: &Value) -> String {
    match v {
        Value::String(s) => format!("the string \"{s}\""),
        Value::Number(n) => format!("the number {n}"),
        Value::Bool(b) => format!("{b}"),
        other => kind(other).to_owned(),
    }
}
