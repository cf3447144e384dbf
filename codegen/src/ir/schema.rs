//! Lowering schemas to Rust types: one named type per component (two where
//! `readOnly`/`writeOnly` or tri-state optional fields make a request view
//! differ), inline schemas named from where they occur.

use std::borrow::Borrow;
use std::collections::{BTreeMap, BTreeSet, HashMap};

use indexmap::IndexMap;
use openapiv3::{
    AdditionalProperties, OpenAPI, ReferenceOr, Schema, SchemaData, SchemaKind, Type, VariantOrUnknownOrEmpty,
};
use serde_json::Value;

use super::{
    EnumVariant, Field, FieldMode, IntVariant, Prim, Struct, TaggedVariant, TypeDef, TypeKind, TypeRef, Uses, Variant,
};
use crate::diag::{Sink, push_pointer};
use crate::naming::{Cased, Namespace};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) enum Mode {
    /// What a server sends: `writeOnly` properties left out.
    Response,
    /// What a client sends: `readOnly` properties left out, optional fields tri-state.
    Request,
}

/// The properties and `required` list an `allOf` schema carries itself.
type OwnProps<'s> = Option<(&'s IndexMap<String, ReferenceOr<Box<Schema>>>, &'s [String])>;

/// A schema seen through one lens, whichever of `openapiv3`'s shapes it came in.
enum Kind<'s> {
    String {
        format: Option<&'s str>,
        values: Vec<Value>,
    },
    Integer {
        format: Option<&'s str>,
        values: Vec<Value>,
    },
    Number {
        format: Option<&'s str>,
    },
    Boolean,
    Object {
        properties: &'s IndexMap<String, ReferenceOr<Box<Schema>>>,
        required: &'s [String],
        additional: Option<&'s AdditionalProperties>,
    },
    Array {
        items: Option<&'s ReferenceOr<Box<Schema>>>,
    },
    AllOf(&'s [ReferenceOr<Schema>], OwnProps<'s>),
    OneOf(&'s [ReferenceOr<Schema>]),
    AnyOf(&'s [ReferenceOr<Schema>]),
    Any,
}

fn format_of<T>(f: &VariantOrUnknownOrEmpty<T>) -> Option<&str>
where
    T: AsFormat,
{
    match f {
        VariantOrUnknownOrEmpty::Item(t) => Some(t.as_format()),
        VariantOrUnknownOrEmpty::Unknown(s) => Some(s.as_str()),
        VariantOrUnknownOrEmpty::Empty => None,
    }
}

trait AsFormat {
    fn as_format(&self) -> &'static str;
}

impl AsFormat for openapiv3::StringFormat {
    fn as_format(&self) -> &'static str {
        match self {
            openapiv3::StringFormat::Date => "date",
            openapiv3::StringFormat::DateTime => "date-time",
            openapiv3::StringFormat::Password => "password",
            openapiv3::StringFormat::Byte => "byte",
            openapiv3::StringFormat::Binary => "binary",
        }
    }
}

impl AsFormat for openapiv3::NumberFormat {
    fn as_format(&self) -> &'static str {
        match self {
            openapiv3::NumberFormat::Float => "float",
            openapiv3::NumberFormat::Double => "double",
        }
    }
}

impl AsFormat for openapiv3::IntegerFormat {
    fn as_format(&self) -> &'static str {
        match self {
            openapiv3::IntegerFormat::Int32 => "int32",
            openapiv3::IntegerFormat::Int64 => "int64",
        }
    }
}

fn kind_of(schema: &Schema) -> Kind<'_> {
    match &schema.schema_kind {
        SchemaKind::Type(Type::String(s)) => Kind::String {
            format: format_of(&s.format),
            values: s
                .enumeration
                .iter()
                .map(|v| v.clone().map_or(Value::Null, Value::String))
                .collect(),
        },
        SchemaKind::Type(Type::Integer(i)) => Kind::Integer {
            format: format_of(&i.format),
            values: i
                .enumeration
                .iter()
                .map(|v| v.map_or(Value::Null, Value::from))
                .collect(),
        },
        SchemaKind::Type(Type::Number(n)) => Kind::Number {
            format: format_of(&n.format),
        },
        SchemaKind::Type(Type::Boolean(_)) => Kind::Boolean,
        SchemaKind::Type(Type::Object(o)) => Kind::Object {
            properties: &o.properties,
            required: &o.required,
            additional: o.additional_properties.as_ref(),
        },
        SchemaKind::Type(Type::Array(a)) => Kind::Array {
            items: a.items.as_ref(),
        },
        SchemaKind::OneOf { one_of } => Kind::OneOf(one_of),
        SchemaKind::AllOf { all_of } => Kind::AllOf(all_of, None),
        SchemaKind::AnyOf { any_of } => Kind::AnyOf(any_of),
        SchemaKind::Not { .. } => Kind::Any,
        SchemaKind::Any(a) => {
            // An object whose `oneOf`/`anyOf` only says which of its
            // properties must be there (OpenAI's `anyOf: [{required:
            // [file_ids]}, {required: [files]}]`) is that object: the union
            // constrains values, it adds no shape.
            let constraint_only = |list: &[ReferenceOr<Schema>]| {
                !list.is_empty()
                    && list.iter().all(|m| match m {
                        ReferenceOr::Item(Schema {
                            schema_kind: SchemaKind::Any(m),
                            ..
                        }) => {
                            m.typ.is_none()
                                && m.properties.is_empty()
                                && m.items.is_none()
                                && m.additional_properties.is_none()
                                && m.enumeration.is_empty()
                                && m.all_of.is_empty()
                                && m.one_of.is_empty()
                                && m.any_of.is_empty()
                        }
                        _ => false,
                    })
            };
            let shaped_by_properties = a.all_of.is_empty()
                && !a.properties.is_empty()
                && (a.one_of.is_empty() || constraint_only(&a.one_of))
                && (a.any_of.is_empty() || constraint_only(&a.any_of));
            if shaped_by_properties && (!a.one_of.is_empty() || !a.any_of.is_empty()) {
                return Kind::Object {
                    properties: &a.properties,
                    required: &a.required,
                    additional: a.additional_properties.as_ref(),
                };
            }
            if !a.all_of.is_empty() {
                let own = (!a.properties.is_empty() || !a.required.is_empty())
                    .then_some((&a.properties, a.required.as_slice()));
                Kind::AllOf(&a.all_of, own)
            } else if !a.one_of.is_empty() {
                Kind::OneOf(&a.one_of)
            } else if !a.any_of.is_empty() {
                Kind::AnyOf(&a.any_of)
            } else {
                match a.typ.as_deref() {
                    Some("string") => Kind::String {
                        format: a.format.as_deref(),
                        values: a.enumeration.clone(),
                    },
                    Some("integer") => Kind::Integer {
                        format: a.format.as_deref(),
                        values: a.enumeration.clone(),
                    },
                    Some("number") => Kind::Number {
                        format: a.format.as_deref(),
                    },
                    Some("boolean") => Kind::Boolean,
                    Some("array") => Kind::Array {
                        items: a.items.as_ref(),
                    },
                    Some("object") => Kind::Object {
                        properties: &a.properties,
                        required: &a.required,
                        additional: a.additional_properties.as_ref(),
                    },
                    _ if !a.properties.is_empty() || a.additional_properties.is_some() => Kind::Object {
                        properties: &a.properties,
                        required: &a.required,
                        additional: a.additional_properties.as_ref(),
                    },
                    _ if a.items.is_some() => Kind::Array {
                        items: a.items.as_ref(),
                    },
                    // An `enum` without `type`: its values say which.
                    _ if !a.enumeration.is_empty() && a.enumeration.iter().all(|v| v.is_string() || v.is_null()) => {
                        Kind::String {
                            format: a.format.as_deref(),
                            values: a.enumeration.clone(),
                        }
                    }
                    _ if !a.enumeration.is_empty() && a.enumeration.iter().all(|v| v.is_i64() || v.is_null()) => {
                        Kind::Integer {
                            format: a.format.as_deref(),
                            values: a.enumeration.clone(),
                        }
                    }
                    _ => Kind::Any,
                }
            }
        }
    }
}

pub(crate) struct Schemas<'a> {
    api: &'a OpenAPI,
    pub(crate) sink: &'a mut Sink,
    pub(crate) names: Namespace,
    /// The spec's names in each case, remembered while it is lowered.
    pub(crate) cased: Cased,
    /// Component key to its response-view name.
    response_names: BTreeMap<String, String>,
    request_names: HashMap<String, String>,
    differs: HashMap<String, bool>,
    defined: BTreeSet<String>,
    /// Whether a component is being defined: components reached meanwhile
    /// wait in `queue`, so a long chain of references is defined in a loop,
    /// not in a recursion as deep as the chain.
    defining: bool,
    queue: Vec<(String, String, Mode)>,
    pub(crate) types: Vec<TypeDef>,
    /// Position of each type in `types`, by name.
    by_name: HashMap<String, usize>,
    /// Inline enums already defined, by their values and docs.
    inline_enums: HashMap<String, String>,
    pub(crate) uses: Uses,
    /// Component keys in document order.
    order: Vec<String>,
}

impl<'a> Schemas<'a> {
    pub(crate) fn new(api: &'a OpenAPI, sink: &'a mut Sink, reserved: &[&str]) -> Schemas<'a> {
        let mut names = Namespace::with_reserved(reserved);
        let mut cased = Cased::default();
        let mut response_names = BTreeMap::new();
        let mut order = Vec::new();
        if let Some(c) = &api.components {
            for key in c.schemas.keys() {
                let name = names.claim(&cased.type_name(key, "Schema"));
                // Keys as written: references are unescaped to match them.
                response_names.insert(key.clone(), name);
                order.push(key.clone());
            }
        }
        Schemas {
            api,
            sink,
            names,
            cased,
            response_names,
            request_names: HashMap::new(),
            differs: HashMap::new(),
            defined: BTreeSet::new(),
            defining: false,
            queue: Vec::new(),
            types: Vec::new(),
            by_name: HashMap::new(),
            inline_enums: HashMap::new(),
            uses: Uses::default(),
            order,
        }
    }

    fn push_type(&mut self, def: TypeDef) {
        self.by_name.insert(def.name.clone(), self.types.len());
        self.types.push(def);
    }

    /// A type defined so far, by name.
    pub(crate) fn get(&self, name: &str) -> Option<&TypeDef> {
        self.by_name.get(name).map(|i| &self.types[*i])
    }

    /// Defines the response view of every component, in document order.
    pub(crate) fn define_components(&mut self) {
        for key in self.order.clone() {
            self.component(&key, Mode::Response, "");
        }
    }

    fn resolve(&self, key: &str) -> Option<&'a Schema> {
        let entry = self.api.components.as_ref()?.schemas.get(key)?;
        super::refs::follow(self.api, entry, "schemas", |c| &c.schemas).map(|(s, _)| s)
    }

    /// The schema behind `r` (boxed or not), following references; with its
    /// component key when it is one.
    fn deref<'s, T: Borrow<Schema>>(&self, r: &'s ReferenceOr<T>) -> Option<(&'s Schema, Option<String>)>
    where
        'a: 's,
    {
        match r {
            ReferenceOr::Item(s) => Some((s.borrow(), None)),
            ReferenceOr::Reference { reference } => {
                let key = super::refs::component_name(reference, "schemas")?;
                self.resolve(&key).map(|s| (s, Some(key)))
            }
        }
    }

    /// Whether the request view of a component differs from its response view.
    fn request_differs(&mut self, key: &str) -> bool {
        if let Some(d) = self.differs.get(key) {
            return *d;
        }
        // Assume not while looking, so that recursion ends.
        self.differs.insert(key.to_owned(), false);
        let d = match self.resolve(key) {
            Some(s) => self.schema_differs(s, 0),
            None => false,
        };
        self.differs.insert(key.to_owned(), d);
        d
    }

    fn ref_differs<T: Borrow<Schema>>(&mut self, r: &ReferenceOr<T>, depth: usize) -> bool {
        match r {
            ReferenceOr::Reference { reference } => {
                super::refs::component_name(reference, "schemas").is_some_and(|k| self.request_differs(&k))
            }
            ReferenceOr::Item(s) => self.schema_differs(s.borrow(), depth + 1),
        }
    }

    fn schema_differs(&mut self, s: &Schema, depth: usize) -> bool {
        if depth > 64 {
            return false;
        }
        match kind_of(s) {
            Kind::Object {
                properties,
                required,
                additional,
            } => {
                for (name, p) in properties {
                    if !required.contains(name) {
                        return true;
                    }
                    if let Some((ps, _)) = self.deref(p) {
                        if ps.schema_data.read_only || ps.schema_data.write_only {
                            return true;
                        }
                    }
                    if self.ref_differs(p, depth) {
                        return true;
                    }
                }
                match additional {
                    Some(AdditionalProperties::Schema(s)) => self.ref_differs(s, depth),
                    _ => false,
                }
            }
            Kind::Array { items: Some(items) } => self.ref_differs(items, depth),
            Kind::AllOf(members, own) => {
                own.is_some() || members.iter().any(|m| self.ref_differs(m, depth)) || members.len() > 1
            }
            Kind::OneOf(members) | Kind::AnyOf(members) => members.iter().any(|m| self.ref_differs(m, depth)),
            _ => false,
        }
    }

    /// The type of a component in `mode`, defining it on first use.
    pub(crate) fn component(&mut self, key: &str, mode: Mode, pointer: &str) -> TypeRef {
        let Some(response_name) = self.response_names.get(key).cloned() else {
            self.sink
                .error(pointer, format!("unresolved reference `#/components/schemas/{key}`"));
            return TypeRef::Any;
        };
        let request = mode == Mode::Request && self.request_differs(key);
        let name = if request {
            match self.request_names.get(key) {
                Some(n) => n.clone(),
                None => {
                    let n = self.names.claim(&format!("{response_name}Request"));
                    self.request_names.insert(key.to_owned(), n.clone());
                    n
                }
            }
        } else {
            response_name
        };
        let mode = if request { Mode::Request } else { Mode::Response };
        if self.defined.insert(name.clone()) {
            if self.defining {
                self.queue.push((name.clone(), key.to_owned(), mode));
            } else {
                // Every component reached from this one is defined before
                // this call returns (lowering looks them up right after).
                self.defining = true;
                self.define_component(&name, key, mode);
                while let Some((n, k, m)) = self.queue.pop() {
                    self.define_component(&n, &k, m);
                }
                self.defining = false;
            }
        }
        TypeRef::Named(name)
    }

    fn define_component(&mut self, name: &str, key: &str, mode: Mode) {
        let component_pointer = push_pointer("/components/schemas", key);
        match self.resolve(key) {
            Some(schema) => {
                let def = self.define(name, schema, mode, &component_pointer);
                self.push_type(def);
            }
            None => {
                self.sink.error(
                    &component_pointer,
                    format!("the schema `{key}` is a reference that does not resolve to a schema"),
                );
                self.push_type(TypeDef {
                    name: name.to_owned(),
                    doc: None,
                    kind: TypeKind::Alias(TypeRef::Any),
                    error_shape: None,
                    page: None,
                });
            }
        }
    }

    /// Whether values of a component may be null.
    fn component_nullable(&self, key: &str) -> bool {
        self.resolve(key)
            .is_some_and(|s| s.schema_data.nullable || enum_has_null(s))
    }

    /// The type of a schema used in a field, an item, a body or a parameter;
    /// `hint` names it if it needs a name of its own. An `Option` when null
    /// is allowed.
    pub(crate) fn use_schema<T: Borrow<Schema>>(
        &mut self,
        r: &ReferenceOr<T>,
        hint: &str,
        mode: Mode,
        pointer: &str,
    ) -> TypeRef {
        match r {
            ReferenceOr::Reference { reference } => self.use_reference(reference, mode, pointer),
            ReferenceOr::Item(s) => self.use_inline(s.borrow(), hint, mode, pointer),
        }
    }

    fn use_reference(&mut self, reference: &str, mode: Mode, pointer: &str) -> TypeRef {
        match super::refs::component_name(reference, "schemas") {
            Some(key) => {
                let nullable = self.component_nullable(&key);
                self.component(&key, mode, pointer).nullable_if(nullable)
            }
            None => {
                self.sink.error(pointer, format!("unsupported reference `{reference}`"));
                TypeRef::Any
            }
        }
    }

    fn use_inline(&mut self, s: &Schema, hint: &str, mode: Mode, pointer: &str) -> TypeRef {
        let nullable = s.schema_data.nullable || enum_has_null(s);
        // A one-member allOf/oneOf/anyOf around a reference is the reference.
        if let Kind::AllOf(members, None) | Kind::OneOf(members) | Kind::AnyOf(members) = kind_of(s) {
            if members.len() == 1 {
                let t = self.use_schema(
                    &members[0],
                    hint,
                    mode,
                    &push_pointer(&push_pointer(pointer, kind_word(s)), "0"),
                );
                return t.nullable_if(nullable);
            }
        }
        if let Some(t) = self.anonymous(s, hint, mode, pointer) {
            return t.nullable_if(nullable);
        }
        // Inline enums with the same values and docs are one type: a spec that
        // repeats `$select` lists per operation gets one enum per list.
        let enum_key = match kind_of(s) {
            Kind::String { values, .. } | Kind::Integer { values, .. } if values.iter().any(|v| !v.is_null()) => Some(
                format!("{}|{:?}", serde_json::Value::Array(values), doc_of(&s.schema_data)),
            ),
            _ => None,
        };
        if let Some(existing) = enum_key.as_ref().and_then(|k| self.inline_enums.get(k)) {
            return TypeRef::Named(existing.clone()).nullable_if(nullable);
        }
        let name = self.names.claim(&self.cased.type_name(hint, "Inline"));
        self.defined.insert(name.clone());
        let def = self.define(&name, s, mode, pointer);
        self.push_type(def);
        if let Some(k) = enum_key {
            self.inline_enums.insert(k, name.clone());
        }
        TypeRef::Named(name).nullable_if(nullable)
    }

    /// The type of a schema that needs no name of its own, if it is one.
    fn anonymous(&mut self, s: &Schema, hint: &str, mode: Mode, pointer: &str) -> Option<TypeRef> {
        Some(match kind_of(s) {
            Kind::String { format, values } if values.iter().all(Value::is_null) => {
                let prim = match format {
                    Some("uuid") => {
                        self.uses.uuid = true;
                        Prim::Uuid
                    }
                    Some("date-time") => {
                        self.uses.chrono = true;
                        Prim::DateTime
                    }
                    Some("date") => {
                        self.uses.chrono = true;
                        Prim::Date
                    }
                    Some("byte") => Prim::Base64,
                    _ => Prim::String,
                };
                TypeRef::Prim(prim)
            }
            Kind::Integer { format, values } if values.iter().all(Value::is_null) => {
                TypeRef::Prim(if format == Some("int32") { Prim::I32 } else { Prim::I64 })
            }
            Kind::Number { format } => TypeRef::Prim(if format == Some("float") { Prim::F32 } else { Prim::F64 }),
            Kind::Boolean => TypeRef::Prim(Prim::Bool),
            Kind::Any => TypeRef::Any,
            Kind::Array { items } => {
                let item = match items {
                    Some(items) => {
                        self.use_schema(items, &format!("{hint}Item"), mode, &push_pointer(pointer, "items"))
                    }
                    None => TypeRef::Any,
                };
                TypeRef::Vec(Box::new(item))
            }
            Kind::Object {
                properties, additional, ..
            } if properties.is_empty() => match additional {
                Some(AdditionalProperties::Schema(v)) => {
                    let t = self.use_schema(
                        v,
                        &format!("{hint}Value"),
                        mode,
                        &push_pointer(pointer, "additionalProperties"),
                    );
                    TypeRef::Map(Box::new(t))
                }
                _ => TypeRef::Map(Box::new(TypeRef::Any)),
            },
            _ => return None,
        })
    }

    /// The definition of a named type.
    fn define(&mut self, name: &str, s: &Schema, mode: Mode, pointer: &str) -> TypeDef {
        let doc = doc_of(&s.schema_data);
        let kind = match kind_of(s) {
            Kind::String { values, .. } if values.iter().any(Value::is_string) => {
                let mut ns = Namespace::default();
                let variants = values
                    .iter()
                    .filter_map(Value::as_str)
                    .map(|v| EnumVariant {
                        ident: ns.claim(&self.cased.type_name(v, "Empty")),
                        value: v.to_owned(),
                    })
                    .collect();
                TypeKind::StringEnum(variants)
            }
            Kind::Integer { values, .. } if values.iter().any(|v| v.as_i64().is_some()) => {
                let names = s
                    .schema_data
                    .extensions
                    .get("x-enum-varnames")
                    .or_else(|| s.schema_data.extensions.get("x-enumNames"));
                let names: Vec<Option<String>> = match names.and_then(Value::as_array) {
                    Some(list) => list.iter().map(|v| v.as_str().map(str::to_owned)).collect(),
                    None => Vec::new(),
                };
                let mut ns = Namespace::default();
                let variants = values
                    .iter()
                    .filter_map(Value::as_i64)
                    .enumerate()
                    .map(|(i, v)| {
                        let preferred = match names.get(i) {
                            Some(Some(n)) => self.cased.type_name(n, "Value"),
                            _ if v < 0 => format!("ValueMinus{}", v.unsigned_abs()),
                            _ => format!("Value{v}"),
                        };
                        IntVariant {
                            ident: ns.claim(&preferred),
                            value: v,
                        }
                    })
                    .collect();
                TypeKind::IntEnum(variants)
            }
            Kind::Object {
                properties,
                required,
                additional,
            } if !properties.is_empty() => {
                let props: Vec<_> = properties.iter().map(|(k, v)| (k.clone(), v)).collect();
                TypeKind::Struct(self.object(name, &props, required, additional, mode, pointer))
            }
            Kind::AllOf(members, own) => self.all_of(name, members, own, mode, pointer),
            Kind::OneOf(members) => self.one_of(
                name,
                members,
                s.schema_data.discriminator.as_ref(),
                mode,
                &push_pointer(pointer, "oneOf"),
            ),
            Kind::AnyOf(members) => self.one_of(
                name,
                members,
                s.schema_data.discriminator.as_ref(),
                mode,
                &push_pointer(pointer, "anyOf"),
            ),
            _ => match self.anonymous(s, name, mode, pointer) {
                Some(t) => TypeKind::Alias(t),
                None => TypeKind::Alias(TypeRef::Any),
            },
        };
        TypeDef {
            name: name.to_owned(),
            doc,
            kind,
            error_shape: None,
            page: None,
        }
    }

    fn object(
        &mut self,
        name: &str,
        properties: &[(String, &ReferenceOr<Box<Schema>>)],
        required: &[String],
        additional: Option<&AdditionalProperties>,
        mode: Mode,
        pointer: &str,
    ) -> Struct {
        let mut ns = Namespace::default();
        let mut fields = Vec::new();
        for (json, prop) in properties {
            let pp = push_pointer(&push_pointer(pointer, "properties"), json);
            let resolved = self.deref(*prop);
            let data = resolved.as_ref().map(|(s, _)| &s.schema_data);
            let read_only = data.is_some_and(|d| d.read_only);
            let write_only = data.is_some_and(|d| d.write_only);
            if (mode == Mode::Request && read_only) || (mode == Mode::Response && write_only) {
                continue;
            }
            let hint = format!("{name}{}", self.cased.type_name(json, "Field"));
            let (ty, nullable) = self.use_schema(*prop, &hint, mode, &pp).split_null();
            let is_required = required.iter().any(|r| r == json);
            let field_mode = match (mode, is_required, nullable) {
                (_, true, false) => FieldMode::Required,
                (_, true, true) => FieldMode::Nullable,
                (Mode::Request, false, _) => FieldMode::Tristate,
                (Mode::Response, false, _) => FieldMode::Optional,
            };
            // The doc of a referenced component is on its type; a property's
            // own description (inline schema) goes on the field.
            let doc = match prop {
                ReferenceOr::Item(s) => doc_of(&s.schema_data),
                ReferenceOr::Reference { .. } => None,
            };
            let default = resolved
                .as_ref()
                .and_then(|(s, _)| s.schema_data.default.clone())
                .filter(|d| matches!(field_mode, FieldMode::Optional) && primitive_default_fits(&ty, d));
            fields.push(Field {
                ident: ns.claim(&self.cased.field_name(json, "field")),
                json: json.clone(),
                ty,
                mode: field_mode,
                doc,
                note: if read_only {
                    Some("Read-only: sent by the server, never by a client.")
                } else if write_only {
                    Some("Write-only: sent by a client, never returned.")
                } else {
                    None
                },
                default,
            });
        }
        let additional = match additional {
            Some(AdditionalProperties::Any(true)) => Some(TypeRef::Any),
            Some(AdditionalProperties::Schema(s)) => {
                let t = self.use_schema(
                    s,
                    &format!("{name}Value"),
                    mode,
                    &push_pointer(pointer, "additionalProperties"),
                );
                Some(t)
            }
            _ => None,
        }
        .map(|t| (ns.claim("additional_properties"), t));
        Struct {
            fields,
            additional,
            request: mode == Mode::Request,
        }
    }

    /// Merges the members of an `allOf` into one struct.
    fn all_of(
        &mut self,
        name: &str,
        members: &[ReferenceOr<Schema>],
        own: OwnProps<'_>,
        mode: Mode,
        pointer: &str,
    ) -> TypeKind {
        /// A member still to merge, or the own properties of an `allOf`,
        /// merged after its members so that they override them.
        enum Step<'s> {
            Member(&'s ReferenceOr<Schema>, usize),
            Own(&'s IndexMap<String, ReferenceOr<Box<Schema>>>, &'s [String]),
        }
        // Every definition of each property, in order: a member may refine
        // what another declares, and a value keeps to both.
        let mut props: IndexMap<String, Vec<&ReferenceOr<Box<Schema>>>> = IndexMap::new();
        let mut required: Vec<String> = Vec::new();
        let mut additional: Option<&AdditionalProperties> = None;
        let mut stack: Vec<Step<'_>> = own.map(|(p, r)| Step::Own(p, r)).into_iter().collect();
        stack.extend(members.iter().rev().map(|m| Step::Member(m, 0)));
        let mut non_object = None;
        while let Some(step) = stack.pop() {
            let (m, depth) = match step {
                Step::Own(p, r) => {
                    for (k, v) in p {
                        props.entry(k.clone()).or_default().push(v);
                    }
                    required.extend(r.iter().cloned());
                    continue;
                }
                Step::Member(m, depth) => (m, depth),
            };
            let Some((s, _)) = self.deref(m) else {
                continue;
            };
            match kind_of(s) {
                Kind::Object {
                    properties,
                    required: r,
                    additional: a,
                } => {
                    for (k, v) in properties {
                        props.entry(k.clone()).or_default().push(v);
                    }
                    required.extend(r.iter().cloned());
                    if a.is_some() {
                        additional = a;
                    }
                }
                Kind::AllOf(inner, inner_own) if depth < 32 => {
                    stack.extend(inner_own.map(|(p, r)| Step::Own(p, r)));
                    stack.extend(inner.iter().rev().map(|m| Step::Member(m, depth + 1)));
                }
                // A member that only lists `required` (3.1's `required`
                // beside a `$ref` reads so) makes those properties required.
                Kind::Any => {
                    if let SchemaKind::Any(a) = &s.schema_kind {
                        required.extend(a.required.iter().cloned());
                    }
                }
                _ => non_object = Some(m),
            }
        }
        if let Some(m) = non_object {
            if props.is_empty() {
                let t = self.use_schema(m, &format!("{name}Value"), mode, pointer).non_null();
                return TypeKind::Alias(t);
            }
            self.sink.warning(
                &push_pointer(pointer, "allOf"),
                "an `allOf` mixing objects and non-objects keeps only the object members",
            );
        }
        // An object property defined more than once is all of its
        // definitions (PagerDuty's orchestrations add members to an object
        // another member declares): one field still, of their merged type.
        // An array one is an array of all its definitions' items (the same
        // orchestrations add members to the items of `sets` and `rules`).
        // A scalar one takes its last definition, which refines the others.
        let merged: Vec<(String, ReferenceOr<Box<Schema>>)> = props
            .iter()
            .filter(|(_, defs)| defs.len() > 1)
            .filter_map(|(k, defs)| {
                let resolved: Vec<&Schema> = defs.iter().filter_map(|d| self.deref(d).map(|(s, _)| s)).collect();
                let objects = resolved
                    .iter()
                    .filter(|s| matches!(kind_of(s), Kind::Object { .. } | Kind::AllOf(..)))
                    .count();
                let arrays: Vec<&Schema> = resolved
                    .into_iter()
                    .filter(|s| matches!(kind_of(s), Kind::Array { .. }))
                    .collect();
                let schema = if objects > 1 {
                    intersection(defs)
                } else if arrays.len() > 1 {
                    array_intersection(&arrays)
                } else {
                    None
                };
                schema.map(|s| (k.clone(), s))
            })
            .collect();
        let props: Vec<(String, &ReferenceOr<Box<Schema>>)> = props
            .iter()
            .map(|(k, defs)| match merged.iter().find(|(m, _)| m == k) {
                Some((_, s)) => (k.clone(), s),
                None => (k.clone(), defs[defs.len() - 1]),
            })
            .collect();
        TypeKind::Struct(self.object(name, &props, &required, additional, mode, pointer))
    }

    fn one_of(
        &mut self,
        name: &str,
        members: &[ReferenceOr<Schema>],
        discriminator: Option<&openapiv3::Discriminator>,
        mode: Mode,
        pointer: &str,
    ) -> TypeKind {
        let mut ns = Namespace::with_reserved(&["Unknown"]);
        if let Some(d) = discriminator {
            // Tag value for each member: from the mapping, else the component name.
            let mut by_key: BTreeMap<String, String> = BTreeMap::new();
            for (value, target) in &d.mapping {
                let key = super::refs::component_name(target, "schemas").unwrap_or_else(|| target.clone());
                by_key.entry(key).or_insert_with(|| value.clone());
            }
            let mut variants = Vec::new();
            let mut all_refs = true;
            for (i, m) in members.iter().enumerate() {
                let mp = push_pointer(pointer, &i.to_string());
                match m {
                    ReferenceOr::Reference { reference } => {
                        let Some(key) = super::refs::component_name(reference, "schemas") else {
                            all_refs = false;
                            continue;
                        };
                        let tag = by_key.get(&key).cloned().unwrap_or_else(|| key.clone());
                        let ty = self.use_schema(m, "", mode, &mp).non_null();
                        let ident = ns.claim(&self.cased.type_name(&key, "Variant"));
                        variants.push(TaggedVariant { ident, tag, ty });
                    }
                    ReferenceOr::Item(_) => all_refs = false,
                }
            }
            if all_refs && !variants.is_empty() {
                return TypeKind::Tagged {
                    property: d.property_name.clone(),
                    variants,
                };
            }
            self.sink.warning(
                pointer,
                "a discriminator over inline schemas is read as an untagged union",
            );
        }
        let mut variants = Vec::new();
        for (i, m) in members.iter().enumerate() {
            let mp = push_pointer(pointer, &i.to_string());
            let preferred = match m {
                ReferenceOr::Reference { reference } => {
                    super::refs::component_name(reference, "schemas").map(|k| self.cased.type_name(&k, "Variant"))
                }
                ReferenceOr::Item(s) => match kind_of(s) {
                    Kind::String { values, .. } if values.is_empty() => Some("String".to_owned()),
                    Kind::Integer { values, .. } if values.is_empty() => Some("Integer".to_owned()),
                    Kind::Number { .. } => Some("Number".to_owned()),
                    Kind::Boolean => Some("Boolean".to_owned()),
                    Kind::Array { .. } => Some("Array".to_owned()),
                    _ => s
                        .schema_data
                        .title
                        .as_deref()
                        .map(|t| self.cased.type_name(t, "Variant")),
                },
            }
            .unwrap_or_else(|| format!("Variant{i}"));
            let ty = self.use_schema(m, &format!("{name}{preferred}"), mode, &mp);
            variants.push(Variant {
                ident: ns.claim(&preferred),
                ty,
            });
        }
        TypeKind::Untagged(variants)
    }
}

/// The one schema of a property an `allOf`'s members define more than once:
/// `allOf` of its distinct definitions, `readOnly`/`writeOnly` where any
/// says so, nullable where all do, the last description. `None` when there
/// is one definition (or all name the same component).
fn intersection(defs: &[&ReferenceOr<Box<Schema>>]) -> Option<ReferenceOr<Box<Schema>>> {
    let mut distinct: Vec<&ReferenceOr<Box<Schema>>> = Vec::new();
    for d in defs {
        if !distinct.iter().any(|e| e == d) {
            distinct.push(d);
        }
    }
    if distinct.len() < 2 {
        return None;
    }
    let data = merged_data(distinct.iter().map(|d| match d {
        ReferenceOr::Item(s) => Some(&s.schema_data),
        ReferenceOr::Reference { .. } => None,
    }));
    let all_of = distinct
        .iter()
        .map(|d| match d {
            ReferenceOr::Reference { reference } => ReferenceOr::Reference {
                reference: reference.clone(),
            },
            ReferenceOr::Item(s) => {
                let mut s = (**s).clone();
                // The merged schema says it once.
                s.schema_data.nullable = false;
                ReferenceOr::Item(s)
            }
        })
        .collect();
    Some(ReferenceOr::Item(Box::new(Schema {
        schema_data: data,
        schema_kind: SchemaKind::AllOf { all_of },
    })))
}

/// The one schema of an array property several `allOf` members define: an
/// array whose items are all of their items (see [`intersection`]).
fn array_intersection(arrays: &[&Schema]) -> Option<ReferenceOr<Box<Schema>>> {
    let items: Vec<&ReferenceOr<Box<Schema>>> = arrays
        .iter()
        .filter_map(|s| match kind_of(s) {
            Kind::Array { items } => items,
            _ => None,
        })
        .collect();
    let first = *items.first()?;
    let items = intersection(&items).unwrap_or_else(|| first.clone());
    let data = merged_data(arrays.iter().map(|s| Some(&s.schema_data)));
    Some(ReferenceOr::Item(Box::new(Schema {
        schema_data: data,
        schema_kind: SchemaKind::Type(Type::Array(openapiv3::ArrayType {
            items: Some(items),
            min_items: None,
            max_items: None,
            unique_items: false,
        })),
    })))
}

/// What a schema merged from several definitions says of itself:
/// `readOnly`/`writeOnly` where any says so, nullable where all do (a
/// reference, `None`, is not), the last description.
fn merged_data<'s>(defs: impl Iterator<Item = Option<&'s SchemaData>>) -> SchemaData {
    let mut data = SchemaData {
        nullable: true,
        ..SchemaData::default()
    };
    for d in defs {
        let Some(d) = d else {
            data.nullable = false;
            continue;
        };
        data.read_only |= d.read_only;
        data.write_only |= d.write_only;
        data.nullable &= d.nullable;
        if d.description.is_some() {
            data.description.clone_from(&d.description);
        }
    }
    data
}

fn kind_word(s: &Schema) -> &'static str {
    match &s.schema_kind {
        SchemaKind::OneOf { .. } => "oneOf",
        SchemaKind::AnyOf { .. } => "anyOf",
        _ => "allOf",
    }
}

fn enum_has_null(s: &Schema) -> bool {
    match &s.schema_kind {
        SchemaKind::Type(Type::String(t)) => t.enumeration.iter().any(Option::is_none),
        SchemaKind::Type(Type::Integer(t)) => t.enumeration.iter().any(Option::is_none),
        SchemaKind::Any(a) => a.enumeration.iter().any(Value::is_null),
        _ => false,
    }
}

pub(crate) fn doc_of(data: &SchemaData) -> Option<String> {
    match (&data.title, &data.description) {
        (Some(t), Some(d)) if !d.trim().is_empty() => Some(format!("{}\n\n{}", t.trim(), d.trim())),
        (Some(t), _) if !t.trim().is_empty() => Some(t.trim().to_owned()),
        (_, Some(d)) if !d.trim().is_empty() => Some(d.trim().to_owned()),
        _ => None,
    }
}

/// Defaults are applied only where the Rust type takes the JSON value as is.
fn primitive_default_fits(ty: &TypeRef, v: &Value) -> bool {
    match ty {
        TypeRef::Prim(Prim::String) => v.is_string(),
        TypeRef::Prim(Prim::Bool) => v.is_boolean(),
        TypeRef::Prim(Prim::I32) => v.as_i64().is_some_and(|n| i32::try_from(n).is_ok()),
        TypeRef::Prim(Prim::I64) => v.is_i64(),
        TypeRef::Prim(Prim::F32 | Prim::F64) => v.is_number(),
        _ => false,
    }
}
