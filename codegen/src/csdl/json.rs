//! CSDL JSON (OData 4.01's `$Version` document) read into the [`Model`].
//! Problems are located by JSON pointer; a syntax error by line and column.

use std::collections::HashMap;

use serde_json::{Map, Value};

use super::model::*;
use super::{Found, MAX_BYTES};
use crate::diag::push_pointer;

/// Reads the JSON text; problems go to `found`. `None` when it cannot be
/// read as CSDL at all.
pub(crate) fn read(text: &str, found: &mut Found) -> Option<Model> {
    let at = |line, column| Pos {
        line,
        column,
        path: String::new(),
    };
    if text.len() > MAX_BYTES {
        found.error(
            at(1, 1),
            format!(
                "the document is {} bytes, more than the {} MiB the converter reads",
                text.len(),
                MAX_BYTES >> 20
            ),
        );
        return None;
    }
    // serde_json refuses nesting deeper than 128 levels, located.
    let doc: Value = match serde_json::from_str(text) {
        Ok(v) => v,
        Err(e) => {
            found.error(at(e.line(), e.column()), format!("malformed CSDL JSON: {e}"));
            return None;
        }
    };
    let Some(root) = doc.as_object() else {
        found.error(
            at(1, 1),
            "expected a CSDL JSON document, an object with `$Version`".to_owned(),
        );
        return None;
    };
    let version = root.get("$Version").and_then(Value::as_str).unwrap_or_default();
    if !version.starts_with('4') {
        found.error(
            pos("/$Version"),
            format!("expected `$Version` 4.0 or 4.01 (CSDL JSON exists for OData V4 only), found `{version}`"),
        );
        return None;
    }
    let mut aliases = HashMap::new();
    if let Some(refs) = root.get("$Reference").and_then(Value::as_object) {
        for r in refs.values() {
            for inc in r.get("$Include").and_then(Value::as_array).into_iter().flatten() {
                if let (Some(ns), Some(alias)) = (
                    inc.get("$Namespace").and_then(Value::as_str),
                    inc.get("$Alias").and_then(Value::as_str),
                ) {
                    aliases.insert(alias.to_owned(), ns.to_owned());
                }
            }
        }
    }
    for (ns, schema) in root.iter().filter(|(k, _)| !k.starts_with('$')) {
        if let Some(alias) = schema.get("$Alias").and_then(Value::as_str) {
            aliases.insert(alias.to_owned(), ns.clone());
        }
    }
    let r = Reader { aliases };
    let mut model = Model {
        version: Some(Version::V4),
        ..Model::default()
    };
    let container = root
        .get("$EntityContainer")
        .and_then(Value::as_str)
        .map(|c| r.qualify(c));
    for (ns, schema) in root.iter().filter(|(k, _)| !k.starts_with('$')) {
        let Some(schema) = schema.as_object() else {
            found.error(
                pos(&push_pointer("", ns)),
                format!("the schema `{ns}` is not an object"),
            );
            continue;
        };
        model.namespaces.push(ns.clone());
        r.schema(ns, schema, container.as_deref(), &mut model, found);
    }
    if model.namespaces.is_empty() {
        found.error(at(1, 1), "the document holds no schema".to_owned());
        return None;
    }
    Some(model)
}

fn pos(pointer: &str) -> Pos {
    Pos {
        line: 0,
        column: 0,
        path: pointer.to_owned(),
    }
}

struct Reader {
    aliases: HashMap<String, String>,
}

impl Reader {
    fn qualify(&self, name: &str) -> String {
        qualify(&self.aliases, name)
    }

    fn type_ref(&self, o: &Map<String, Value>) -> TypeRef {
        TypeRef {
            name: self.qualify(o.get("$Type").and_then(Value::as_str).unwrap_or("Edm.String")),
            collection: o.get("$Collection") == Some(&Value::Bool(true)),
        }
    }

    fn facets(o: &Map<String, Value>) -> Facets {
        Facets {
            // In CSDL JSON an absent `$Nullable` means false.
            nullable: Some(o.get("$Nullable") == Some(&Value::Bool(true))),
            max_length: o.get("$MaxLength").and_then(Value::as_u64),
            precision: o
                .get("$Precision")
                .and_then(Value::as_u64)
                .and_then(|p| u32::try_from(p).ok()),
            scale: match o.get("$Scale") {
                Some(Value::String(_)) => Some(None),
                Some(v) => v.as_u64().and_then(|s| u32::try_from(s).ok()).map(Some),
                None => None,
            },
            default: o.get("$DefaultValue").map(|v| match v {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            }),
        }
    }

    /// The unqualified annotations among an object's members (`@Core.Description`),
    /// or of `prefix` (`Red@Core.Description` for the member `Red`).
    fn annotations(&self, o: &Map<String, Value>, prefix: &str, pointer: &str, found: &mut Found) -> Annotations {
        let mut out = Annotations::new();
        for (k, v) in o {
            let Some(term) = k.strip_prefix(prefix).and_then(|k| k.strip_prefix('@')) else {
                continue;
            };
            if term.contains('#') || !term.contains('.') {
                continue;
            }
            let term = self.qualify(term);
            super::vocabulary::check_term(&term, || pos(&push_pointer(pointer, k)), found);
            out.insert(term, self.expr(v, 0));
        }
        out
    }

    fn expr(&self, v: &Value, depth: usize) -> Expr {
        if depth > super::MAX_NESTING {
            return Expr::Other;
        }
        match v {
            Value::Bool(b) => Expr::Bool(*b),
            Value::String(s) => Expr::String(s.clone()),
            Value::Number(n) => match n.as_i64() {
                Some(i) => Expr::Int(i),
                None => n.as_f64().map_or(Expr::Other, Expr::Number),
            },
            Value::Null => Expr::Null,
            Value::Array(a) => Expr::Collection(a.iter().map(|e| self.expr(e, depth + 1)).collect()),
            Value::Object(o) => {
                for key in ["$Path", "$PropertyPath", "$NavigationPropertyPath", "$AnnotationPath"] {
                    if let Some(p) = o.get(key).and_then(Value::as_str) {
                        return Expr::Path(p.to_owned());
                    }
                }
                if o.keys().any(|k| k.starts_with('$')) {
                    return Expr::Other;
                }
                Expr::Record(
                    o.iter()
                        .filter(|(k, _)| !k.starts_with('@') && !k.contains('@'))
                        .map(|(k, v)| (k.clone(), self.expr(v, depth + 1)))
                        .collect(),
                )
            }
        }
    }

    fn schema(
        &self,
        ns: &str,
        schema: &Map<String, Value>,
        container: Option<&str>,
        model: &mut Model,
        found: &mut Found,
    ) {
        let base = push_pointer("", ns);
        for (name, v) in schema {
            if name.starts_with('$') || name.starts_with('@') {
                continue;
            }
            let q = format!("{ns}.{name}");
            let pointer = push_pointer(&base, name);
            if let Some(overloads) = v.as_array() {
                for (i, o) in overloads.iter().enumerate() {
                    if let Some(o) = o.as_object() {
                        let op = self.operation(&q, o, &format!("{pointer}/{i}"), found);
                        model.operations.push((q.clone(), op));
                    }
                }
                continue;
            }
            let Some(o) = v.as_object() else { continue };
            match o.get("$Kind").and_then(Value::as_str) {
                Some(k @ ("EntityType" | "ComplexType")) => {
                    let t = self.structured(&q, o, k == "EntityType", &pointer, found);
                    model.structured.push(t);
                }
                Some("EnumType") => {
                    let members = o
                        .iter()
                        .filter(|(k, _)| !k.starts_with('$') && !k.contains('@'))
                        .map(|(k, _)| EnumMember {
                            name: k.clone(),
                            annotations: self.annotations(o, k, &pointer, found),
                        })
                        .collect();
                    model.enums.push(EnumType {
                        name: q.clone(),
                        is_flags: o.get("$IsFlags") == Some(&Value::Bool(true)),
                        members,
                        annotations: self.annotations(o, "", &pointer, found),
                    });
                }
                Some("TypeDefinition") => model.type_definitions.push(TypeDefinition {
                    name: q.clone(),
                    underlying: self.qualify(o.get("$UnderlyingType").and_then(Value::as_str).unwrap_or("Edm.String")),
                    facets: Self::facets(o),
                    annotations: self.annotations(o, "", &pointer, found),
                    pos: pos(&pointer),
                }),
                Some("EntityContainer") => {
                    if container.is_some_and(|c| c != q) {
                        continue;
                    }
                    model.container = Some(q.clone());
                    self.container(&q, o, &pointer, model, found);
                }
                Some("Term") | None => {}
                Some(other) => found.warning(
                    pos(&format!("{pointer}/$Kind")),
                    format!(
                        "`$Kind` `{other}` is not a kind of schema element the converter knows; `{name}` is ignored"
                    ),
                ),
            }
        }
        if let Some(targets) = schema.get("$Annotations").and_then(Value::as_object) {
            for (target, a) in targets {
                let Some(a) = a.as_object() else { continue };
                let (head, rest) = target.split_once('/').map_or((target.as_str(), ""), |(h, r)| (h, r));
                let head = self.qualify(head);
                let t = if rest.is_empty() {
                    head
                } else {
                    format!("{head}/{rest}")
                };
                let pointer = push_pointer(&push_pointer(&base, "$Annotations"), target);
                let annotations = self.annotations(a, "", &pointer, found);
                model.external.entry(t).or_default().extend(annotations);
            }
        }
    }

    fn structured(
        &self,
        q: &str,
        o: &Map<String, Value>,
        entity: bool,
        pointer: &str,
        found: &mut Found,
    ) -> Structured {
        let mut key = Vec::new();
        if let Some(k) = o.get("$Key").and_then(Value::as_array) {
            for (i, part) in k.iter().enumerate() {
                let name = match part {
                    Value::String(s) => Some(s.clone()),
                    Value::Object(alias) => alias.values().next().and_then(Value::as_str).map(str::to_owned),
                    _ => None,
                };
                match name {
                    Some(n) => key.push((n, pos(&format!("{pointer}/$Key/{i}")))),
                    None => found.error(
                        pos(&format!("{pointer}/$Key/{i}")),
                        "a key part must be a property name".to_owned(),
                    ),
                }
            }
        }
        let mut properties = Vec::new();
        let mut navigations = Vec::new();
        for (name, v) in o.iter().filter(|(k, _)| !k.starts_with('$') && !k.contains('@')) {
            let p_pointer = push_pointer(pointer, name);
            let Some(p) = v.as_object() else {
                found.error(pos(&p_pointer), format!("the property `{name}` is not an object"));
                continue;
            };
            let annotations = self.annotations(p, "", &p_pointer, found);
            if p.get("$Kind").and_then(Value::as_str) == Some("NavigationProperty") {
                navigations.push(NavProperty {
                    name: name.clone(),
                    ty: self.type_ref(p),
                    nullable: Some(p.get("$Nullable") == Some(&Value::Bool(true))),
                    contains_target: p.get("$ContainsTarget") == Some(&Value::Bool(true)),
                    partner: p.get("$Partner").and_then(Value::as_str).map(str::to_owned),
                    annotations,
                    pos: Pos {
                        path: p_pointer,
                        ..pos("")
                    },
                });
            } else {
                properties.push(Property {
                    name: name.clone(),
                    ty: self.type_ref(p),
                    facets: Self::facets(p),
                    annotations,
                    pos: pos(&p_pointer),
                });
            }
        }
        Structured {
            name: q.to_owned(),
            entity,
            base: o.get("$BaseType").and_then(Value::as_str).map(|b| self.qualify(b)),
            is_abstract: o.get("$Abstract") == Some(&Value::Bool(true)),
            open: o.get("$OpenType") == Some(&Value::Bool(true)),
            has_stream: o.get("$HasStream") == Some(&Value::Bool(true)),
            key,
            properties,
            navigations,
            annotations: self.annotations(o, "", pointer, found),
            pos: pos(pointer),
        }
    }

    fn operation(&self, q: &str, o: &Map<String, Value>, pointer: &str, found: &mut Found) -> Operation {
        let parameters = o
            .get("$Parameter")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .enumerate()
            .filter_map(|(i, p)| {
                let p = p.as_object()?;
                Some(Parameter {
                    name: p.get("$Name").and_then(Value::as_str)?.to_owned(),
                    ty: self.type_ref(p),
                    facets: Self::facets(p),
                    pos: pos(&format!("{pointer}/$Parameter/{i}")),
                })
            })
            .collect();
        let returns = o
            .get("$ReturnType")
            .and_then(Value::as_object)
            .map(|r| (self.type_ref(r), Some(r.get("$Nullable") == Some(&Value::Bool(true)))));
        Operation {
            name: q.to_owned(),
            action: o.get("$Kind").and_then(Value::as_str) == Some("Action"),
            bound: o.get("$IsBound") == Some(&Value::Bool(true)),
            parameters,
            returns,
            annotations: self.annotations(o, "", pointer, found),
            pos: pos(pointer),
        }
    }

    fn container(&self, q: &str, o: &Map<String, Value>, pointer: &str, model: &mut Model, found: &mut Found) {
        let own = self.annotations(o, "", pointer, found);
        if !own.is_empty() {
            model.external.entry(q.to_owned()).or_default().extend(own);
        }
        for (name, v) in o.iter().filter(|(k, _)| !k.starts_with('$') && !k.contains('@')) {
            let Some(m) = v.as_object() else { continue };
            let p = push_pointer(pointer, name);
            if let Some(ty) = m.get("$Type").and_then(Value::as_str) {
                model.entity_sets.push(EntitySet {
                    name: name.clone(),
                    ty: self.qualify(ty),
                    singleton: m.get("$Collection") != Some(&Value::Bool(true)),
                    annotations: self.annotations(m, "", &p, found),
                    pos: pos(&p),
                });
            } else if let Some(op) = m.get("$Action").or_else(|| m.get("$Function")).and_then(Value::as_str) {
                model.imports.push(Import {
                    name: name.clone(),
                    operation: self.qualify(op),
                    pos: pos(&p),
                });
            }
        }
    }
}
