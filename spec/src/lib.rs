//! The customerContacts spec, embedded, and JSON Schema validation of values
//! against its shapes. The conformance suite validates response bodies with
//! it, so the suite runs anywhere without the file next to it; the tests
//! here validate every example of the spec against its schema.

use std::collections::BTreeMap;

use serde_json::{Map, Value};

/// `spec/customer-contacts.yaml`, as built into this crate.
pub const YAML: &str = include_str!("../customer-contacts.yaml");

/// Why the spec or a schema in it cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum SpecError {
    #[error("the spec is not valid YAML: {0}")]
    Yaml(String),
    #[error("no schema at {0}")]
    NoSchema(String),
    #[error("the reference `{reference}` at {at} does not resolve: {why}")]
    Unresolved {
        reference: String,
        at: String,
        why: &'static str,
    },
    #[error("the schema at {pointer} does not compile to JSON Schema: {message}")]
    Schema { pointer: String, message: String },
}

/// The parsed spec.
#[derive(Debug, Clone)]
pub struct Spec {
    doc: Value,
    /// Every component schema, converted to JSON Schema.
    definitions: Map<String, Value>,
}

/// A compiled schema; validates JSON values.
pub struct Validator {
    inner: jsonschema::Validator,
}

impl std::fmt::Debug for Validator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Validator")
    }
}

impl Validator {
    /// Every way `value` breaks the schema, as `at /pointer: message`; empty when valid.
    pub fn errors(&self, value: &Value) -> Vec<String> {
        self.inner
            .iter_errors(value)
            .map(|e| {
                let at = e.instance_path().to_string();
                format!("at {}: {e}", if at.is_empty() { "/".to_owned() } else { at })
            })
            .collect()
    }
}

/// A property of a component schema, as the spec declares it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Property {
    pub name: String,
    /// `readOnly`: the server's to send; a write may not change it.
    pub read_only: bool,
    /// `format: uuid`: a GUID.
    pub guid: bool,
}

/// An example of the spec and the schema it illustrates.
#[derive(Debug, Clone)]
pub struct Example {
    /// JSON pointer of the example value.
    pub pointer: String,
    /// The schema (an OpenAPI schema object, maybe a `$ref`).
    pub schema: Value,
    pub value: Value,
}

impl Spec {
    /// The embedded spec.
    pub fn embedded() -> Result<Spec, SpecError> {
        Spec::parse(YAML)
    }

    pub fn parse(text: &str) -> Result<Spec, SpecError> {
        let doc: Value = serde_yaml::from_str(text).map_err(|e| SpecError::Yaml(e.to_string()))?;
        Ok(Spec::from_document(doc))
    }

    /// Any OpenAPI 3.0 document, already parsed: its schemas validate
    /// values as they do for our spec.
    pub fn from_document(doc: Value) -> Spec {
        let mut definitions = Map::new();
        if let Some(schemas) = doc.pointer("/components/schemas").and_then(Value::as_object) {
            for (name, schema) in schemas {
                let mut j = to_json_schema(schema);
                // 2019-09's recursion (OpenAI's filters hold filters): the
                // anchor is the component itself.
                if schema.get("$recursiveAnchor") == Some(&Value::Bool(true)) {
                    recursive_refs_to(&mut j, &format!("#/definitions/{name}"), 0);
                }
                definitions.insert(name.clone(), j);
            }
        }
        Spec { doc, definitions }
    }

    pub fn document(&self) -> &Value {
        &self.doc
    }

    /// A validator for an OpenAPI schema object of this spec.
    pub fn validator(&self, schema: &Value) -> Result<Validator, SpecError> {
        let mut root = match to_json_schema(schema) {
            Value::Object(m) => m,
            other => {
                let mut m = Map::new();
                m.insert("allOf".into(), Value::Array(vec![other]));
                m
            }
        };
        root.insert("definitions".into(), Value::Object(self.definitions.clone()));
        let root = Value::Object(root);
        let inner = jsonschema::options()
            .with_draft(jsonschema::Draft::Draft202012)
            .should_validate_formats(true)
            .build(&root)
            .map_err(|e| SpecError::Schema {
                pointer: String::new(),
                message: e.to_string(),
            })?;
        Ok(Validator { inner })
    }

    /// The properties of the component schema `name`, in the spec's
    /// order: the one list of an entity's properties that the suite and
    /// the reference server work from.
    pub fn properties(&self, name: &str) -> Result<Vec<Property>, SpecError> {
        let at = format!("/components/schemas/{}", escape(name));
        let schema = self.doc.pointer(&at).ok_or_else(|| SpecError::NoSchema(at.clone()))?;
        let schema = self.deref(schema, &at)?;
        let properties = schema
            .get("properties")
            .and_then(Value::as_object)
            .ok_or_else(|| SpecError::NoSchema(format!("{at}/properties")))?;
        properties
            .iter()
            .map(|(property, p)| {
                let p = self.deref(p, &format!("{at}/properties/{}", escape(property)))?;
                Ok(Property {
                    name: property.clone(),
                    read_only: p.get("readOnly") == Some(&Value::Bool(true)),
                    guid: p.get("format").and_then(Value::as_str) == Some("uuid"),
                })
            })
            .collect()
    }

    /// A validator for the component schema `name`.
    pub fn component(&self, name: &str) -> Result<Validator, SpecError> {
        if !self.definitions.contains_key(name) {
            return Err(SpecError::NoSchema(format!("/components/schemas/{name}")));
        }
        self.validator(&serde_json::json!({ "$ref": format!("#/components/schemas/{name}") }))
    }

    /// The JSON schema of the response of `method path` with `status`, if it
    /// documents a JSON body; `Ok(None)` when it documents none.
    pub fn response_validator(&self, path: &str, method: &str, status: u16) -> Result<Option<Validator>, SpecError> {
        let op_pointer = format!("/paths/{}/{}", escape(path), method);
        let op = self
            .doc
            .pointer(&op_pointer)
            .ok_or_else(|| SpecError::NoSchema(op_pointer.clone()))?;
        let responses = op
            .get("responses")
            .and_then(Value::as_object)
            .ok_or_else(|| SpecError::NoSchema(format!("{op_pointer}/responses")))?;
        let key = status.to_string();
        let range = format!("{}XX", status / 100);
        let response = responses
            .get(&key)
            .or_else(|| responses.get(&range))
            .or_else(|| responses.get("default"));
        let Some(response) = response else {
            return Ok(None);
        };
        let response = self.deref(response, &format!("{op_pointer}/responses/{status}"))?;
        match response.pointer("/content/application~1json/schema") {
            Some(schema) => self.validator(schema).map(Some),
            None => Ok(None),
        }
    }

    /// What `v` stands for: `v`, or what its chain of `$ref`s (pointers
    /// into this document) ends at. A reference that leads nowhere, out of
    /// the document or in a loop is an error, never the `$ref` itself.
    fn deref<'a>(&'a self, v: &'a Value, at: &str) -> Result<&'a Value, SpecError> {
        const HOPS: usize = 16;
        let mut current = v;
        for _ in 0..HOPS {
            let Some(reference) = current.get("$ref") else {
                return Ok(current);
            };
            let miss = |why| SpecError::Unresolved {
                reference: reference.to_string(),
                at: at.to_owned(),
                why,
            };
            let pointer = reference
                .as_str()
                .ok_or_else(|| miss("it is not a string"))?
                .strip_prefix('#')
                .ok_or_else(|| miss("it points outside the document"))?;
            current = self.doc.pointer(pointer).ok_or_else(|| miss("nothing is there"))?;
        }
        Err(SpecError::Unresolved {
            reference: v.get("$ref").map(Value::to_string).unwrap_or_default(),
            at: at.to_owned(),
            why: "a chain of more than 16 references (a loop?)",
        })
    }

    /// Every example (media type `example`/`examples`, schema `example`) with
    /// the schema it belongs to.
    pub fn examples(&self) -> Result<Vec<Example>, SpecError> {
        let mut out = Vec::new();
        collect_examples(&self.doc, "", self, &mut out)?;
        Ok(out)
    }

    /// The component examples by name: the `value` of each named example of
    /// every media type, keyed by the example's name.
    pub fn named_examples(&self) -> Result<BTreeMap<String, Vec<Example>>, SpecError> {
        let mut map: BTreeMap<String, Vec<Example>> = BTreeMap::new();
        for e in self.examples()? {
            if let Some(name) = e
                .pointer
                .rsplit('/')
                .nth(1)
                .filter(|_| e.pointer.contains("/examples/"))
            {
                map.entry(name.to_owned()).or_default().push(e);
            }
        }
        Ok(map)
    }
}

fn escape(segment: &str) -> String {
    segment.replace('~', "~0").replace('/', "~1")
}

fn collect_examples(v: &Value, pointer: &str, spec: &Spec, out: &mut Vec<Example>) -> Result<(), SpecError> {
    let Value::Object(m) = v else {
        if let Value::Array(a) = v {
            for (i, item) in a.iter().enumerate() {
                collect_examples(item, &format!("{pointer}/{i}"), spec, out)?;
            }
        }
        return Ok(());
    };
    // A media type object: `schema` with `example` or `examples`.
    if let Some(schema) = m.get("schema") {
        if let Some(example) = m.get("example") {
            out.push(Example {
                pointer: format!("{pointer}/example"),
                schema: schema.clone(),
                value: example.clone(),
            });
        }
        if let Some(Value::Object(examples)) = m.get("examples") {
            for (name, e) in examples {
                let at = format!("{pointer}/examples/{}", escape(name));
                let e = spec.deref(e, &at)?;
                if let Some(value) = e.get("value") {
                    out.push(Example {
                        pointer: format!("{pointer}/examples/{}/value", escape(name)),
                        schema: schema.clone(),
                        value: value.clone(),
                    });
                }
            }
        }
    }
    // A schema with its own `example`: a schema has `type`, `$ref` or a composition.
    let is_schema = ["type", "allOf", "oneOf", "anyOf", "properties"]
        .iter()
        .any(|k| m.contains_key(*k));
    if is_schema {
        if let Some(example) = m.get("example") {
            out.push(Example {
                pointer: format!("{pointer}/example"),
                schema: v.clone(),
                value: example.clone(),
            });
        }
    }
    for (k, child) in m {
        if k == "example" || k == "examples" && m.contains_key("schema") {
            continue;
        }
        collect_examples(child, &format!("{pointer}/{}", escape(k)), spec, out)?;
    }
    Ok(())
}

/// Every `$recursiveRef: "#"` below `v` as a `$ref` to `target`.
fn recursive_refs_to(v: &mut Value, target: &str, depth: usize) {
    if depth > 128 {
        return;
    }
    match v {
        Value::Object(m) => {
            if m.get("$recursiveRef").and_then(Value::as_str) == Some("#") {
                m.remove("$recursiveRef");
                m.insert("$ref".into(), Value::String(target.to_owned()));
            }
            for c in m.values_mut() {
                recursive_refs_to(c, target, depth + 1);
            }
        }
        Value::Array(a) => {
            for c in a {
                recursive_refs_to(c, target, depth + 1);
            }
        }
        _ => {}
    }
}

/// OpenAPI 3.0 schema object to JSON Schema (2020-12): `nullable` becomes a
/// `null` type, boolean `exclusiveMinimum`/`Maximum` become numbers, and
/// component references point into `definitions`; a `required` name
/// written twice is kept once, and 2019-09's `$recursiveAnchor` is left
/// to [`Spec::from_document`], which points its `$recursiveRef`s home.
pub fn to_json_schema(v: &Value) -> Value {
    let Value::Object(m) = v else {
        return v.clone();
    };
    let mut out = Map::new();
    for (k, val) in m {
        match k.as_str() {
            "$ref" => {
                let r = val.as_str().unwrap_or_default();
                let target = match r.strip_prefix("#/components/schemas/") {
                    Some(name) => format!("#/definitions/{name}"),
                    None => r.to_owned(),
                };
                out.insert("$ref".into(), Value::String(target));
            }
            "properties" => {
                let props = val
                    .as_object()
                    .map(|p| {
                        p.iter()
                            .map(|(n, s)| (n.clone(), to_json_schema(s)))
                            .collect::<Map<_, _>>()
                    })
                    .unwrap_or_default();
                out.insert(k.clone(), Value::Object(props));
            }
            "items" | "not" => {
                out.insert(k.clone(), to_json_schema(val));
            }
            "additionalProperties" => {
                out.insert(
                    k.clone(),
                    if val.is_object() {
                        to_json_schema(val)
                    } else {
                        val.clone()
                    },
                );
            }
            "allOf" | "oneOf" | "anyOf" => {
                let list = val
                    .as_array()
                    .map(|l| l.iter().map(to_json_schema).collect())
                    .unwrap_or_default();
                out.insert(k.clone(), Value::Array(list));
            }
            // Written twice by some authors (OpenAI), which JSON Schema
            // refuses: each name once.
            "required" => {
                let mut names: Vec<Value> = Vec::new();
                for n in val.as_array().into_iter().flatten().filter(|n| n.is_string()) {
                    if !names.contains(n) {
                        names.push(n.clone());
                    }
                }
                out.insert(k.clone(), Value::Array(names));
            }
            "nullable" | "discriminator" | "xml" | "externalDocs" | "example" | "deprecated" | "$recursiveAnchor" => {}
            k if k.starts_with("x-") => {}
            _ => {
                out.insert(k.clone(), val.clone());
            }
        }
    }
    for key in ["exclusiveMinimum", "exclusiveMaximum"] {
        let bound = if key == "exclusiveMinimum" {
            "minimum"
        } else {
            "maximum"
        };
        match out.get(key) {
            Some(Value::Bool(true)) => {
                if let Some(b) = out.remove(bound) {
                    out.insert(key.into(), b);
                } else {
                    out.remove(key);
                }
            }
            Some(Value::Bool(false)) => {
                out.remove(key);
            }
            _ => {}
        }
    }
    if m.get("nullable") == Some(&Value::Bool(true)) {
        if let Some(Value::String(t)) = out.get("type").cloned() {
            out.insert(
                "type".into(),
                Value::Array(vec![Value::String(t), Value::String("null".into())]),
            );
            if let Some(Value::Array(e)) = out.get_mut("enum") {
                if !e.contains(&Value::Null) {
                    e.push(Value::Null);
                }
            }
        } else {
            let inner = Value::Object(out);
            let mut wrapped = Map::new();
            wrapped.insert(
                "anyOf".into(),
                Value::Array(vec![inner, serde_json::json!({ "type": "null" })]),
            );
            return Value::Object(wrapped);
        }
    }
    Value::Object(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_example_validates_against_its_schema() {
        let spec = Spec::embedded().expect("the embedded spec parses");
        let examples = spec.examples().expect("every example's reference resolves");
        // The documented GET and PATCH exchanges, the error examples, the parameter examples.
        assert!(examples.len() >= 10, "found only {} examples", examples.len());
        let mut failures = Vec::new();
        for e in &examples {
            let validator = spec.validator(&e.schema).expect("schema compiles");
            for err in validator.errors(&e.value) {
                failures.push(format!("{}: {err}", e.pointer));
            }
        }
        assert!(
            failures.is_empty(),
            "examples that break their schema:\n{}",
            failures.join("\n")
        );
    }

    #[test]
    fn the_documented_exchanges_are_there_with_guid_ids() {
        let spec = Spec::embedded().expect("parses");
        let named = spec.named_examples().expect("resolves");
        let documented = &named["documented"];
        assert_eq!(documented.len(), 3, "GET response, PATCH request, PATCH response");
        for e in documented {
            assert_eq!(e.value["id"], "e3a5c0b1-0123-4d6e-9f10-2a3b4c5d6e7f");
            assert_eq!(e.value["email"], "john.smith@contoso.com");
        }
        for code in [
            "BadRequest_InvalidToken",
            "Request_EntityChanged",
            "Internal_RecordNotFound",
        ] {
            assert!(
                spec.examples()
                    .expect("resolves")
                    .iter()
                    .any(|e| e.value.pointer("/error/code") == Some(&Value::String(code.into()))),
                "no error example with {code}"
            );
        }
    }

    #[test]
    fn a_contacts_properties_are_the_specs() {
        let spec = Spec::embedded().expect("parses");
        let properties = spec.properties("customerContact").expect("listed");
        let names: Vec<&str> = properties.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "@odata.etag",
                "id",
                "email",
                "firstName",
                "lastName",
                "professionalTitle",
                "customerId",
                "customerName",
                "primaryPhoneNumber"
            ]
        );
        let read_only: Vec<&str> = properties
            .iter()
            .filter(|p| p.read_only)
            .map(|p| p.name.as_str())
            .collect();
        assert_eq!(read_only, ["@odata.etag", "id", "customerName"]);
        let guids: Vec<&str> = properties.iter().filter(|p| p.guid).map(|p| p.name.as_str()).collect();
        assert_eq!(guids, ["id", "customerId"]);
        assert!(matches!(spec.properties("nothing"), Err(SpecError::NoSchema(_))));
    }

    #[test]
    fn a_reference_that_leads_nowhere_is_an_error() {
        let spec = Spec::parse(
            r##"
paths:
  /a:
    get:
      responses:
        "200": {$ref: "#/components/responses/Missing"}
        "201": {$ref: "#/components/responses/Loop"}
        "202": {$ref: "other.yaml#/x"}
components:
  responses:
    Loop: {$ref: "#/components/responses/Loop"}
"##,
        )
        .expect("parses");
        for (status, why) in [
            (200, "nothing is there"),
            (201, "a chain of more than 16 references"),
            (202, "it points outside the document"),
        ] {
            let e = spec
                .response_validator("/a", "get", status)
                .expect_err("a miss is an error");
            assert!(e.to_string().contains(why), "{status}: {e}");
            assert!(e.to_string().contains(&format!("/responses/{status}")), "{status}: {e}");
        }
        let examples = Spec::parse(
            r##"
paths:
  /a:
    get:
      responses:
        "200":
          description: ok
          content:
            application/json:
              schema: {type: string}
              examples:
                gone: {$ref: "#/components/examples/Gone"}
"##,
        )
        .expect("parses");
        let e = examples.examples().expect_err("a miss is an error");
        assert!(e.to_string().contains("#/components/examples/Gone"), "{e}");
    }

    #[test]
    fn validation_catches_what_the_schema_forbids() {
        let spec = Spec::embedded().expect("parses");
        let contact = spec.component("customerContact").expect("schema");
        assert!(
            contact
                .errors(&serde_json::json!({"@odata.etag": "W/\"1\"", "id": "e3a5c0b1-0123-4d6e-9f10-2a3b4c5d6e7f", "email": "a@b.c"}))
                .is_empty()
        );
        let errors = contact.errors(&serde_json::json!({"@odata.etag": "W/\"1\"", "id": "CONT00123"}));
        assert_eq!(errors.len(), 1, "{errors:?}");
        assert!(errors[0].starts_with("at /id:"), "{errors:?}");
        assert_eq!(
            contact
                .errors(&serde_json::json!({"@odata.etag": "W/\"1\"", "firstName": "x".repeat(31)}))
                .len(),
            1
        );
        assert_eq!(
            contact
                .errors(&serde_json::json!({"@odata.etag": "W/\"1\"", "primaryPhoneNumber": "call me"}))
                .len(),
            1
        );
        assert_eq!(
            contact
                .errors(&serde_json::json!({"@odata.etag": "W/\"1\"", "email": 5}))
                .len(),
            1
        );
        // Business Central always sends the etag; `$select` cannot remove it.
        assert_eq!(contact.errors(&serde_json::json!({"email": "a@b.c"})).len(), 1);
        let error = spec.component("odataError").expect("schema");
        assert_eq!(
            error
                .errors(&serde_json::json!({"error": {"code": "", "message": "m"}}))
                .len(),
            1
        );
        assert_eq!(error.errors(&serde_json::json!({"message": "m"})).len(), 1);
    }

    #[test]
    fn nullable_and_exclusive_bounds_convert() {
        let s = to_json_schema(
            &serde_json::json!({"type": "integer", "nullable": true, "minimum": 1, "exclusiveMinimum": true}),
        );
        assert_eq!(
            s,
            serde_json::json!({"type": ["integer", "null"], "exclusiveMinimum": 1})
        );
        let r = to_json_schema(&serde_json::json!({"allOf": [{"$ref": "#/components/schemas/a"}], "nullable": true}));
        assert_eq!(
            r,
            serde_json::json!({"anyOf": [{"allOf": [{"$ref": "#/definitions/a"}]}, {"type": "null"}]})
        );
    }

    #[test]
    fn response_schemas_by_status() {
        let spec = Spec::embedded().expect("parses");
        let v = spec
            .response_validator(
                "/companies({companyId})/customerContacts({customerContactId})",
                "patch",
                409,
            )
            .expect("found")
            .expect("a JSON body");
        assert!(
            v.errors(&serde_json::json!({"error": {"code": "Request_EntityChanged", "message": ""}}))
                .is_empty()
        );
        assert!(
            spec.response_validator(
                "/companies({companyId})/customerContacts({customerContactId})",
                "delete",
                204
            )
            .expect("found")
            .is_none()
        );
    }

    /// Schemas other specs write, which JSON Schema 2020-12 would refuse
    /// and so leave the whole spec without a validator: a `required` name
    /// twice, and 2019-09's recursion (OpenAI's compound filters).
    #[test]
    fn other_authors_schemas_compile() {
        let spec = Spec::from_document(serde_json::json!({
            "openapi": "3.0.3",
            "components": {"schemas": {
                "Twice": {"type": "object", "required": ["id", "id"], "properties": {"id": {"type": "string"}}},
                "Filter": {"$recursiveAnchor": true, "type": "object", "required": ["type"], "properties": {
                    "type": {"type": "string"},
                    "filters": {"type": "array", "items": {"$recursiveRef": "#"}}
                }}
            }}
        }));
        let twice = spec.component("Twice").expect("compiles");
        assert!(twice.errors(&serde_json::json!({"id": "a"})).is_empty());
        assert_eq!(twice.errors(&serde_json::json!({})).len(), 1);
        let filter = spec.component("Filter").expect("compiles");
        assert!(
            filter
                .errors(&serde_json::json!({"type": "and", "filters": [{"type": "eq"}]}))
                .is_empty()
        );
        // The nested filter is a filter: it needs its `type` too.
        assert!(
            !filter
                .errors(&serde_json::json!({"type": "and", "filters": [{}]}))
                .is_empty()
        );
    }
}
