//! Lowering operations: parameters, bodies, responses and their headers.

use openapiv3::{
    Header, MediaType, OpenAPI, Parameter, ParameterSchemaOrContent, ReferenceOr, RequestBody, Response, Schema,
    SchemaKind, StatusCode, Type,
};

use super::schema::{Mode, Schemas};
use super::{
    Body, BodyKind, HeaderField, HeaderType, Operation, Param, ParamLocation, ParamType, PathPiece, ResponseCase,
    StatusMatch, TypeRef,
};
use crate::diag::push_pointer;
use crate::naming::{BUILDER_MEMBERS, CLIENT_METHODS, Namespace, PRELUDE};
use crate::template::{self, Part};

fn resolve<'a, T>(
    api: &'a OpenAPI,
    r: &'a ReferenceOr<T>,
    section: fn(&'a openapiv3::Components) -> &'a indexmap::IndexMap<String, ReferenceOr<T>>,
    section_key: &str,
) -> Option<&'a T> {
    super::refs::follow(api, r, section_key, section).map(|(t, _)| t)
}

pub(crate) fn operations<'a>(api: &'a OpenAPI, schemas: &mut Schemas<'a>, skip_unsupported: bool) -> Vec<Operation> {
    let mut methods = Namespace::with_reserved(CLIENT_METHODS);
    // Builder and error names never take a prelude name, so the operations
    // module can use the prelude unqualified.
    let mut types = Namespace::with_reserved(PRELUDE);
    let mut out = Vec::new();
    let global_security = security(api, api.security.as_deref());
    for (path, item) in &api.paths.paths {
        let ReferenceOr::Item(item) = item else {
            continue;
        };
        let path_pointer = push_pointer("/paths", path);
        // Parsed once for every operation of the path. A template that
        // does not parse (validation said so) is all text.
        let template = template::parse(path).unwrap_or_else(|_| vec![Part::Literal(path.clone())]);
        let slots: Vec<String> = template::slots(&template).map(str::to_owned).collect();
        for (method, op) in item.iter() {
            let pointer = push_pointer(&path_pointer, method);
            if schemas.sink.skipped.contains(&pointer) {
                continue;
            }
            let preferred = match &op.operation_id {
                Some(id) => schemas.cased.field_name(id, "operation"),
                None => derived_name(&mut schemas.cased, method, &template),
            };
            let method_name = methods.claim(&preferred);
            let type_name_ = types.claim(&schemas.cased.type_name(&method_name, "Operation"));
            let security = match &op.security {
                Some(reqs) => security(api, Some(reqs)),
                None => global_security.clone(),
            };
            let mut lowering = OpLowering {
                api,
                schemas,
                type_name: &type_name_,
                pointer: &pointer,
                skip_unsupported,
            };
            let params = lowering.params(&item.parameters, &op.parameters, &path_pointer, &slots);
            let segments = segments(&template, &params);
            let body = op.request_body.as_ref().and_then(|b| lowering.body(b));
            lowering.callbacks(&op.callbacks);
            let (success, errors, response_headers, accept) = lowering.responses(&op.responses);
            let streams = lowering.streams(&op.responses);
            // Lowering found something it cannot express, and the operation
            // is left out (`Sink::unsupported`).
            if schemas.sink.skipped.contains(&pointer) {
                continue;
            }
            let page = None;
            let pageable = pageable(op, &mut *schemas.sink, &pointer);
            out.push(Operation {
                method_name,
                type_name: type_name_,
                error_name: String::new(),
                headers_name: String::new(),
                response_name: String::new(),
                result_name: String::new(),
                http_method: method.to_ascii_uppercase(),
                path: path.clone(),
                segments,
                summary: op.summary.clone().filter(|s| !s.trim().is_empty()),
                description: op.description.clone().filter(|s| !s.trim().is_empty()),
                deprecated: op.deprecated,
                params,
                body,
                streams,
                success,
                errors,
                response_headers,
                security,
                accept,
                page,
                pageable,
                tags: op.tags.clone(),
            });
        }
    }
    // Derived names come after every builder name is taken, so that an
    // operation called `getItemError` cannot clash with `getItem`'s errors.
    for op in &mut out {
        op.error_name = types.claim(&format!("{}Error", op.type_name));
        op.headers_name = types.claim(&format!("{}Headers", op.type_name));
        op.response_name = types.claim(&format!("{}Response", op.type_name));
        op.result_name = types.claim(&format!("{}Result", op.type_name));
        if let Some(body) = &mut op.body {
            if !body.others.is_empty() {
                body.enum_name = types.claim(&format!("{}Body", op.type_name));
            }
            let form = std::iter::once(&mut body.kind).chain(body.others.iter_mut().map(|(_, k)| k));
            for kind in form {
                if let BodyKind::Multipart(super::MultipartForm { name: Some(name), .. }) = kind {
                    *name = types.claim(&format!("{}Form", op.type_name));
                }
            }
        }
    }
    out
}

/// The paging an operation declares with Azure's `x-ms-pageable`:
/// `nextLinkName` (null: one page only) and `itemName` (`value`).
fn pageable(op: &openapiv3::Operation, sink: &mut crate::diag::Sink, pointer: &str) -> Option<super::Pageable> {
    let p = op.extensions.get("x-ms-pageable")?;
    let next = match p.get("nextLinkName") {
        Some(serde_json::Value::String(n)) => n.clone(),
        Some(serde_json::Value::Null) | None => return None,
        Some(other) => {
            sink.warning(
                &push_pointer(&push_pointer(pointer, "x-ms-pageable"), "nextLinkName"),
                format!("expected `nextLinkName` to be a member name or null, found {other}; the operation is read as not paged"),
            );
            return None;
        }
    };
    let item = p.get("itemName").and_then(serde_json::Value::as_str).unwrap_or("value");
    Some(super::Pageable {
        item_field: item.to_owned(),
        next_field: next,
    })
}

/// The alternatives of a list of security requirements, each the schemes
/// it names. A requirement naming an undeclared scheme (accepted under
/// `--lenient`) counts as none. Empty when no alternative needs a
/// credential.
fn security(api: &OpenAPI, requirements: Option<&[openapiv3::SecurityRequirement]>) -> Vec<Vec<String>> {
    let declared = |name: &String| {
        api.components
            .as_ref()
            .is_some_and(|c| c.security_schemes.contains_key(name))
    };
    let alternatives: Vec<Vec<String>> = requirements
        .unwrap_or_default()
        .iter()
        .map(|r| {
            if r.keys().all(declared) {
                r.keys().cloned().collect()
            } else {
                Vec::new()
            }
        })
        .collect();
    if alternatives.iter().all(Vec::is_empty) {
        return Vec::new();
    }
    alternatives
}

/// `get /companies({id})/items` → `get_companies_items_by_id`.
fn derived_name(cased: &mut crate::naming::Cased, method: &str, template: &[Part]) -> String {
    // The template's text, its slots dropped; then the slots' names after `by`.
    let mut words = vec![method.to_owned()];
    let literal: String = template
        .iter()
        .map(|p| match p {
            Part::Literal(text) => text.as_str(),
            Part::Slot(_) => " ",
        })
        .collect();
    words.push(literal);
    let slots: Vec<&str> = template::slots(template).collect();
    if !slots.is_empty() {
        words.push("by".to_owned());
        words.push(slots.join(" and "));
    }
    cased.field_name(&words.join(" "), "operation")
}

/// The path template as literals and parameter slots: a slot is quoted
/// when the template has `'{x}'`.
fn segments(template: &[Part], params: &[Param]) -> Vec<PathPiece> {
    let mut out = Vec::new();
    for (i, part) in template.iter().enumerate() {
        match part {
            Part::Literal(text) => out.push(PathPiece::Literal(text.clone())),
            Part::Slot(name) => {
                let before = i.checked_sub(1).and_then(|j| template.get(j));
                let quoted = matches!(before, Some(Part::Literal(t)) if t.ends_with('\''))
                    && matches!(template.get(i + 1), Some(Part::Literal(t)) if t.starts_with('\''));
                if let Some(index) = params
                    .iter()
                    .position(|p| p.location == ParamLocation::Path && p.name == *name)
                {
                    out.push(PathPiece::Param { index, quoted });
                }
            }
        }
    }
    out
}

struct OpLowering<'x, 'a> {
    api: &'a OpenAPI,
    schemas: &'x mut Schemas<'a>,
    type_name: &'x str,
    pointer: &'x str,
    skip_unsupported: bool,
}

impl<'x, 'a> OpLowering<'x, 'a> {
    /// Path-level parameters overridden by operation-level ones; path
    /// parameters first in template order, then required, then optional.
    fn params(
        &mut self,
        shared: &'a [ReferenceOr<Parameter>],
        own: &'a [ReferenceOr<Parameter>],
        path_pointer: &str,
        template: &[String],
    ) -> Vec<Param> {
        let mut merged: Vec<(&'a Parameter, String)> = Vec::new();
        for (list, base) in [
            (shared, push_pointer(path_pointer, "parameters")),
            (own, push_pointer(self.pointer, "parameters")),
        ] {
            for (i, entry) in list.iter().enumerate() {
                let Some(p) = resolve(self.api, entry, |c| &c.parameters, "parameters") else {
                    self.schemas
                        .sink
                        .error(&push_pointer(&base, &i.to_string()), "unresolved parameter reference");
                    continue;
                };
                let key = |q: &Parameter| (location_word(q), q.parameter_data_ref().name.clone());
                merged.retain(|(q, _)| key(q) != key(p));
                // A problem with a shared parameter is its declaration's:
                // reported there, once, however many operations use it.
                let declared = super::refs::follow(self.api, entry, "parameters", |c| &c.parameters)
                    .and_then(|(_, at)| at)
                    .unwrap_or_else(|| push_pointer(&base, &i.to_string()));
                merged.push((p, declared));
            }
        }
        let mut ns = Namespace::with_reserved(BUILDER_MEMBERS);
        let mut out: Vec<Param> = Vec::new();
        for (p, pointer) in merged {
            let data = p.parameter_data_ref();
            let location = match p {
                // Declared but not in the template: left out (an error
                // unless --lenient, where validation warned).
                Parameter::Path { .. } if !template.contains(&data.name) => continue,
                Parameter::Path { .. } => ParamLocation::Path,
                Parameter::Query { .. } => ParamLocation::Query,
                Parameter::Header { .. } => ParamLocation::Header,
                Parameter::Cookie { .. } => continue,
            };
            let path_style = match p {
                Parameter::Path {
                    style: openapiv3::PathStyle::Label,
                    ..
                } => super::PathStyle::Label,
                Parameter::Path {
                    style: openapiv3::PathStyle::Matrix,
                    ..
                } => super::PathStyle::Matrix,
                _ => super::PathStyle::Simple,
            };
            let hint = format!(
                "{}{}",
                self.type_name,
                self.schemas.cased.type_name(&data.name, "Param")
            );
            let schema = match &data.format {
                ParameterSchemaOrContent::Schema(schema) => schema,
                // Validation allows only JSON here.
                ParameterSchemaOrContent::Content(content) => {
                    let Some((media, mt)) = content.iter().find(|(m, _)| is_json(&m.to_ascii_lowercase())) else {
                        continue;
                    };
                    let at = push_pointer(&push_pointer(&push_pointer(&pointer, "content"), media), "schema");
                    let ty = match &mt.schema {
                        Some(s) => self.schemas.use_schema(s, &hint, Mode::Request, &at),
                        None => TypeRef::Any,
                    };
                    out.push(Param {
                        name: data.name.clone(),
                        ident: ns.claim(&self.schemas.cased.field_name(&data.name, "param")),
                        location,
                        path_style,
                        required: data.required || location == ParamLocation::Path,
                        ty: ParamType::Json(ty.non_null()),
                        doc: data.description.clone().filter(|d| !d.trim().is_empty()),
                    });
                    continue;
                }
            };
            let is_etag = location == ParamLocation::Header
                && (data.name.eq_ignore_ascii_case("if-match") || data.name.eq_ignore_ascii_case("if-none-match"));
            let ty = if is_etag {
                ParamType::ETag
            } else {
                let explode = data.explode.unwrap_or(matches!(p, Parameter::Query { .. }));
                // How an object is written: in the query, or as the text of a
                // header or a simple path segment.
                let object_style = match p {
                    Parameter::Query { style, .. } => match style {
                        openapiv3::QueryStyle::DeepObject => Some(super::ObjectStyle::DeepObject),
                        openapiv3::QueryStyle::Form if explode => Some(super::ObjectStyle::FormExploded),
                        openapiv3::QueryStyle::Form => Some(super::ObjectStyle::Form),
                        _ => None,
                    },
                    Parameter::Header { .. } | Parameter::Path { .. } if path_style == super::PathStyle::Simple => {
                        Some(if explode {
                            super::ObjectStyle::SimpleExploded
                        } else {
                            super::ObjectStyle::Simple
                        })
                    }
                    _ => None,
                };
                let mut ty = self.param_type(schema, &hint, explode, object_style, &push_pointer(&pointer, "schema"));
                if let ParamType::List { delimiter, .. } = &mut ty {
                    *delimiter = match p {
                        // Swagger 2.0's `collectionFormat: tsv`, which 3.0 has no style for.
                        _ if data.extensions.get("x-collection-format").and_then(|v| v.as_str()) == Some("tsv") => '\t',
                        Parameter::Query {
                            style: openapiv3::QueryStyle::SpaceDelimited,
                            ..
                        } => ' ',
                        Parameter::Query {
                            style: openapiv3::QueryStyle::PipeDelimited,
                            ..
                        } => '|',
                        _ => ',',
                    };
                }
                if path_style != super::PathStyle::Simple && matches!(ty, ParamType::List { explode: true, .. }) {
                    self.unsupported(&pointer, "an exploded list in a `label` or `matrix` path parameter");
                }
                ty
            };
            out.push(Param {
                name: data.name.clone(),
                ident: ns.claim(&self.schemas.cased.field_name(&data.name, "param")),
                location,
                path_style,
                required: data.required || location == ParamLocation::Path,
                ty,
                doc: data.description.clone().filter(|d| !d.trim().is_empty()),
            });
        }
        out.sort_by_key(|p| (p.location != ParamLocation::Path, !p.required));
        out
    }

    fn param_type(
        &mut self,
        schema: &ReferenceOr<Schema>,
        hint: &str,
        explode: bool,
        object_style: Option<super::ObjectStyle>,
        pointer: &str,
    ) -> ParamType {
        // Through every `$ref` hop: a list behind two is still a list.
        let resolved = super::refs::follow(self.api, schema, "schemas", |c| &c.schemas).map(|(s, _)| s);
        // "A string, or a list of them" (a comma-separated string is the
        // list's own text): sent as the list.
        if let Some(Schema {
            schema_kind: SchemaKind::OneOf { one_of: members } | SchemaKind::AnyOf { any_of: members },
            ..
        }) = resolved
        {
            let is_list = |m: &ReferenceOr<Schema>| {
                matches!(
                    m,
                    ReferenceOr::Item(Schema {
                        schema_kind: SchemaKind::Type(Type::Array(_)),
                        ..
                    })
                )
            };
            let is_string = |m: &ReferenceOr<Schema>| {
                matches!(
                    m,
                    ReferenceOr::Item(Schema {
                        schema_kind: SchemaKind::Type(Type::String(_)),
                        ..
                    })
                )
            };
            let lists: Vec<usize> = (0..members.len()).filter(|&i| is_list(&members[i])).collect();
            if let ([i], true) = (lists.as_slice(), members.iter().all(|m| is_list(m) || is_string(m))) {
                let key = match &resolved.map(|s| &s.schema_kind) {
                    Some(SchemaKind::OneOf { .. }) => "oneOf",
                    _ => "anyOf",
                };
                let at = push_pointer(&push_pointer(pointer, key), &i.to_string());
                return self.param_type(&members[*i], hint, explode, object_style, &at);
            }
        }
        if let Some(Schema {
            schema_kind: SchemaKind::Type(Type::Array(a)),
            ..
        }) = resolved
        {
            let item = match &a.items {
                Some(items) => {
                    // A list in a URL or header holds no null.
                    self.schemas
                        .use_schema(
                            items,
                            &format!("{hint}Item"),
                            Mode::Request,
                            &push_pointer(pointer, "items"),
                        )
                        .non_null()
                }
                None => TypeRef::Prim(super::Prim::String),
            };
            if !scalar(&item, self.schemas) {
                self.unsupported(
                    pointer,
                    "a list parameter must hold strings, numbers, booleans or string enums",
                );
            }
            return ParamType::List {
                item,
                explode,
                delimiter: ',',
            };
        }
        // A URL or header has no null: a nullable parameter is an optional one.
        let ty = self.schemas.use_schema(schema, hint, Mode::Request, pointer).non_null();
        if scalar(&ty, self.schemas) {
            return ParamType::Scalar(ty);
        }
        if flat_object(&ty, self.schemas) {
            if let Some(style) = object_style {
                return ParamType::Object { ty, style };
            }
        }
        // Where the schema is written, not where it is used.
        let at = match schema {
            ReferenceOr::Reference { reference } => reference.strip_prefix('#').unwrap_or(pointer).to_owned(),
            ReferenceOr::Item(_) => pointer.to_owned(),
        };
        let what = if flat_object(&ty, self.schemas) {
            "an object parameter can be sent in the query (style form or deepObject), in a header or in a simple path segment"
        } else {
            "this parameter's schema cannot be written as text: a parameter can be a scalar, a list of scalars, a union of scalars, or (in the query) an object whose members are those"
        };
        self.unsupported(&at, what);
        ParamType::Scalar(ty)
    }

    /// Something this operation holds that the generator cannot express
    /// (see `Sink::unsupported`).
    fn unsupported(&mut self, at: &str, what: &str) {
        self.schemas
            .sink
            .unsupported(self.skip_unsupported, Some(self.pointer), at, what);
    }

    /// Callbacks are requests the API sends, not ones a client makes: no
    /// method is generated for them, but the JSON bodies they carry become
    /// models, so a client can decode what arrives. A warning at each
    /// callback says what was left out and which models it has.
    fn callbacks(&mut self, callbacks: &'a indexmap::IndexMap<String, openapiv3::Callback>) {
        for (name, callback) in callbacks {
            let cb_pointer = push_pointer(&push_pointer(self.pointer, "callbacks"), name);
            let mut requests = Vec::new();
            let mut models = Vec::new();
            for (expression, item) in callback {
                let item_pointer = push_pointer(&cb_pointer, expression);
                for (method, op) in item.iter() {
                    requests.push(format!("{} {expression}", method.to_ascii_uppercase()));
                    let Some(b) = &op.request_body else { continue };
                    let Some(body) = resolve(self.api, b, |c| &c.request_bodies, "requestBodies") else {
                        continue;
                    };
                    let Some((media, mt)) = pick_media(&body.content) else {
                        continue;
                    };
                    let (true, Some(schema)) = (is_json(&media.to_ascii_lowercase()), &mt.schema) else {
                        continue;
                    };
                    let pointer = push_pointer(
                        &push_pointer(
                            &push_pointer(&push_pointer(&item_pointer, method), "requestBody"),
                            "content",
                        ),
                        media,
                    );
                    let hint = format!(
                        "{}{}{}Body",
                        self.type_name,
                        self.schemas.cased.type_name(name, "Callback"),
                        self.schemas.cased.type_name(method, "Request")
                    );
                    let t = self
                        .schemas
                        .use_schema(schema, &hint, Mode::Response, &push_pointer(&pointer, "schema"))
                        .non_null();
                    if let TypeRef::Named(n) = t {
                        models.push(format!("`{n}`"));
                    }
                }
            }
            let bodies = match models.len() {
                0 => "it carries no JSON body".to_owned(),
                1 => format!("the model {} decodes what it sends", models[0]),
                _ => format!("the models {} decode what it sends", models.join(", ")),
            };
            self.schemas.sink.warning(
                &cb_pointer,
                format!(
                    "callback `{name}` is sent by the API to you, not by a client: no method is generated for {}; {bodies}",
                    requests.join(", ")
                ),
            );
        }
    }

    /// The request body: its preferred media type, and one more of each
    /// other kind it documents (JSON, form, multipart, text, bytes), each
    /// offered as a variant of the operation's body enum. Several media
    /// types of one kind (`application/json`, `text/json`,
    /// `application/*+json`, as ASP.NET lists them) are one way to send
    /// the same thing: the first by rank speaks for them.
    fn body(&mut self, b: &'a ReferenceOr<RequestBody>) -> Option<Body> {
        let pointer = push_pointer(self.pointer, "requestBody");
        let body = resolve(self.api, b, |c| &c.request_bodies, "requestBodies")?;
        let hint = format!("{}Body", self.type_name);
        let mut choices: Vec<(String, BodyKind)> = Vec::new();
        for (media, mt) in ranked_media(&body.content) {
            let content_pointer = push_pointer(&push_pointer(&pointer, "content"), media);
            let kind = self.media_kind(media, mt, &hint, Mode::Request, &content_pointer);
            if choices.iter().any(|(_, k)| k.variant() == kind.variant()) {
                continue;
            }
            choices.push((media.to_owned(), kind));
        }
        let mut choices = choices.into_iter();
        let (content_type, kind) = choices.next()?;
        Some(Body {
            kind,
            content_type,
            required: body.required,
            others: choices.collect(),
            enum_name: String::new(),
        })
    }

    /// A multipart body's parts, one per property of its schema (an
    /// object, or an `allOf` of objects): files where the property is
    /// binary, text where it is a scalar, JSON otherwise; the `encoding`
    /// gives a part's content type. `None` when the schema names no
    /// properties.
    fn form_parts(&mut self, mt: &MediaType, hint: &str, pointer: &str) -> Option<Vec<super::FormPart>> {
        let schema = schema_at(self.api, mt.schema.as_ref()?)?;
        let mut properties: Vec<(&String, &ReferenceOr<Box<Schema>>)> = Vec::new();
        let mut required: Vec<&String> = Vec::new();
        let mut objects = vec![schema];
        let mut seen = 0;
        while let Some(s) = objects.pop() {
            seen += 1;
            if seen > 64 {
                break;
            }
            match &s.schema_kind {
                SchemaKind::Type(Type::Object(o)) => {
                    properties.extend(o.properties.iter());
                    required.extend(o.required.iter());
                }
                SchemaKind::AllOf { all_of } => {
                    objects.extend(all_of.iter().rev().filter_map(|m| schema_at(self.api, m)));
                }
                _ => {}
            }
        }
        if properties.is_empty() {
            return None;
        }
        let mut idents = Namespace::default();
        let mut parts = Vec::new();
        let schema_pointer = push_pointer(pointer, "schema");
        // The fields' types as the schema's model has them (one model, not
        // a second copy of each property's type); a property the model
        // does not show (yet) is lowered on its own.
        let whole = mt.schema.as_ref().map(|s| {
            self.schemas
                .use_schema(s, hint, Mode::Request, &schema_pointer)
                .non_null()
        });
        let modelled: Vec<(String, TypeRef)> = match whole.as_ref() {
            Some(TypeRef::Named(n)) => match self.schemas.get(n).map(|d| &d.kind) {
                Some(super::TypeKind::Struct(st)) => st
                    .fields
                    .iter()
                    .map(|f| (f.json.clone(), f.ty.clone().non_null()))
                    .collect(),
                _ => Vec::new(),
            },
            _ => Vec::new(),
        };
        for (name, prop) in properties {
            if parts.iter().any(|p: &super::FormPart| p.name == *name) {
                continue;
            }
            let at = push_pointer(&push_pointer(&schema_pointer, "properties"), name);
            let resolved = schema_at(self.api, prop);
            let binary = |s: &Schema| {
                matches!(&s.schema_kind, SchemaKind::Type(Type::String(t))
                    if matches!(t.format, openapiv3::VariantOrUnknownOrEmpty::Item(openapiv3::StringFormat::Binary)))
            };
            let kind = match resolved.map(|s| &s.schema_kind) {
                Some(_) if resolved.is_some_and(binary) => super::PartKind::File,
                Some(SchemaKind::Type(Type::Array(a)))
                    if a.items
                        .as_ref()
                        .and_then(|i| schema_at(self.api, i))
                        .is_some_and(binary) =>
                {
                    super::PartKind::Files
                }
                _ => {
                    let t = match modelled.iter().find(|(json, _)| json == name) {
                        Some((_, t)) => t.clone(),
                        None => {
                            let part_hint = format!("{hint}{}", self.schemas.cased.type_name(name, "Part"));
                            self.schemas.use_schema(prop, &part_hint, Mode::Request, &at).non_null()
                        }
                    };
                    match &t {
                        t if scalar(t, self.schemas) => super::PartKind::Text(t.clone()),
                        TypeRef::Vec(item) if scalar(item, self.schemas) => super::PartKind::Texts((**item).clone()),
                        _ => super::PartKind::Json(t),
                    }
                }
            };
            parts.push(super::FormPart {
                name: name.clone(),
                ident: idents.claim(&self.schemas.cased.field_name(name, "part")),
                kind,
                required: required.contains(&name),
                doc: resolved.and_then(|s| s.schema_data.description.clone()),
                content_type: mt.encoding.get(name.as_str()).and_then(|e| e.content_type.clone()),
            });
        }
        Some(parts)
    }

    fn media_kind(&mut self, media: &str, mt: &MediaType, hint: &str, mode: Mode, pointer: &str) -> BodyKind {
        let m = media.to_ascii_lowercase();
        let binary_schema = matches!(&mt.schema, Some(ReferenceOr::Item(Schema { schema_kind: SchemaKind::Type(Type::String(s)), .. })) if matches!(s.format, openapiv3::VariantOrUnknownOrEmpty::Item(openapiv3::StringFormat::Binary)));
        if is_json(&m) && !binary_schema {
            return match &mt.schema {
                Some(s) => BodyKind::Json(self.schemas.use_schema(s, hint, mode, &push_pointer(pointer, "schema"))),
                None => BodyKind::Json(TypeRef::Any),
            };
        }
        if m == "application/x-www-form-urlencoded" {
            let styles = form_styles(mt);
            return match &mt.schema {
                // A form is fields, never null.
                Some(s) => BodyKind::Form(
                    self.schemas
                        .use_schema(s, hint, mode, &push_pointer(pointer, "schema"))
                        .non_null(),
                    styles,
                ),
                None => BodyKind::Form(TypeRef::Map(Box::new(TypeRef::Prim(super::Prim::String))), styles),
            };
        }
        if m.starts_with("text/") && !binary_schema {
            return BodyKind::Text;
        }
        if mode == Mode::Request && m.split(';').next().is_some_and(|e| e.trim() == "multipart/form-data") {
            let parts = self.form_parts(mt, hint, pointer);
            return BodyKind::Multipart(super::MultipartForm {
                name: parts.as_ref().map(|_| String::new()),
                parts: parts.unwrap_or_default(),
            });
        }
        BodyKind::Binary
    }

    /// The streamed forms of the success responses: server-sent events and
    /// JSON lines, the first of each kind. An event's `data` is decoded as
    /// the schema says (text when it says a string, or nothing); a JSON
    /// line as the schema's item when it describes the whole body as an
    /// array, else as the schema.
    fn streams(&mut self, responses: &'a openapiv3::Responses) -> Vec<super::StreamShape> {
        let base = push_pointer(self.pointer, "responses");
        let mut out: Vec<super::StreamShape> = Vec::new();
        for (status, r) in &responses.responses {
            let StatusCode::Code(200..=299) = status else { continue };
            let Some(r) = resolve(self.api, r, |c| &c.responses, "responses") else {
                continue;
            };
            for (media, mt) in &r.content {
                let essence = media.split(';').next().unwrap_or("").trim().to_ascii_lowercase();
                let kind = match essence.as_str() {
                    "text/event-stream" => super::StreamKind::Events,
                    "application/x-ndjson"
                    | "application/ndjson"
                    | "application/jsonl"
                    | "application/x-jsonlines"
                    | "application/jsonlines" => super::StreamKind::JsonLines,
                    _ => continue,
                };
                if out.iter().any(|s| s.kind == kind) {
                    continue;
                }
                let pointer = push_pointer(
                    &push_pointer(
                        &push_pointer(&push_pointer(&base, &status.to_string()), "content"),
                        media,
                    ),
                    "schema",
                );
                let hint = format!(
                    "{}{}",
                    self.type_name,
                    if kind == super::StreamKind::Events {
                        "Event"
                    } else {
                        "Line"
                    }
                );
                let item = match &mt.schema {
                    None => None,
                    Some(s) => match self.schemas.use_schema(s, &hint, Mode::Response, &pointer).non_null() {
                        TypeRef::Prim(super::Prim::String) if kind == super::StreamKind::Events => None,
                        TypeRef::Vec(item) if kind == super::StreamKind::JsonLines => Some(*item),
                        t => Some(t),
                    },
                };
                let item = match (kind, item) {
                    (super::StreamKind::JsonLines, None) => Some(TypeRef::Any),
                    (_, item) => item,
                };
                out.push(super::StreamShape {
                    kind,
                    media: media.clone(),
                    item,
                });
            }
        }
        out
    }

    #[allow(clippy::type_complexity)]
    fn responses(
        &mut self,
        responses: &'a openapiv3::Responses,
    ) -> (Vec<ResponseCase>, Vec<ResponseCase>, Vec<HeaderField>, Option<String>) {
        let base = push_pointer(self.pointer, "responses");
        let mut cases: Vec<(StatusMatch, &'a Response, String)> = Vec::new();
        for (status, r) in &responses.responses {
            let key = status.to_string();
            let Some(r) = resolve(self.api, r, |c| &c.responses, "responses") else {
                continue;
            };
            let m = match status {
                StatusCode::Code(c) => StatusMatch::Code(*c),
                StatusCode::Range(r) => StatusMatch::Range(*r),
            };
            cases.push((m, r, push_pointer(&base, &key)));
        }
        if let Some(r) = responses
            .default
            .as_ref()
            .and_then(|r| resolve(self.api, r, |c| &c.responses, "responses"))
        {
            cases.push((StatusMatch::Default, r, push_pointer(&base, "default")));
        }
        let success_count = cases.iter().filter(|(m, _, _)| is_success(*m)).count();
        let mut success = Vec::new();
        let mut errors = Vec::new();
        let mut headers: Vec<HeaderField> = Vec::new();
        let mut header_names = Namespace::default();
        let mut accept: Vec<String> = Vec::new();
        for (m, r, pointer) in cases {
            let ok = is_success(m);
            let variant = variant_name(m);
            let hint = if ok && success_count == 1 {
                format!("{}Response", self.type_name)
            } else {
                format!("{}{}", self.type_name, variant)
            };
            // 204, 205 and 304 have no body, whatever the spec says.
            let bodiless = matches!(m, StatusMatch::Code(204 | 205 | 304));
            let body = match pick_media(&r.content).filter(|_| !bodiless) {
                Some((media, mt)) => {
                    let kind = self.media_kind(
                        media,
                        mt,
                        &hint,
                        Mode::Response,
                        &push_pointer(&push_pointer(&pointer, "content"), media),
                    );
                    // `Accept` lists what the client reads of every
                    // documented response, errors included (a server that
                    // negotiates then sends the documented error, not a
                    // 406), each media type by its own name.
                    let readable = |m: &str| {
                        let m = m.to_ascii_lowercase();
                        match &kind {
                            BodyKind::Json(_) => is_json(&m),
                            BodyKind::Form(..) => m == "application/x-www-form-urlencoded",
                            BodyKind::Text => m.starts_with("text/"),
                            BodyKind::Binary | BodyKind::Multipart(_) => true,
                            BodyKind::Empty => false,
                        }
                    };
                    for listed in r.content.keys().filter(|m| readable(m)) {
                        push_unique(&mut accept, listed);
                    }
                    kind
                }
                None => BodyKind::Empty,
            };
            if ok {
                for (name, h) in &r.headers {
                    let Some(h) = resolve(self.api, h, |c| &c.headers, "headers") else {
                        continue;
                    };
                    if headers.iter().any(|f| f.name.eq_ignore_ascii_case(name))
                        || name.eq_ignore_ascii_case("content-type")
                    {
                        continue;
                    }
                    let ty = header_type(name, h, self.api);
                    let preferred = if ty == HeaderType::ETag {
                        "etag".to_owned()
                    } else {
                        self.schemas.cased.field_name(name, "header")
                    };
                    headers.push(HeaderField {
                        name: name.clone(),
                        ident: header_names.claim(&preferred),
                        ty,
                        doc: h.description.clone(),
                    });
                }
            }
            let case = ResponseCase {
                status: m,
                variant,
                body,
                description: Some(r.description.clone()).filter(|d| !d.trim().is_empty()),
            };
            if ok { success.push(case) } else { errors.push(case) }
        }
        if accept.is_empty() && !errors.is_empty() {
            accept.push("application/json".to_owned());
        }
        (
            success,
            errors,
            headers,
            (!accept.is_empty()).then(|| accept.join(", ")),
        )
    }
}

fn push_unique(list: &mut Vec<String>, value: &str) {
    if !list.iter().any(|v| v == value) {
        list.push(value.to_owned());
    }
}

fn location_word(p: &Parameter) -> &'static str {
    match p {
        Parameter::Query { .. } => "query",
        Parameter::Header { .. } => "header",
        Parameter::Path { .. } => "path",
        Parameter::Cookie { .. } => "cookie",
    }
}

fn scalar(t: &TypeRef, schemas: &Schemas<'_>) -> bool {
    super::is_text(t, &|n| schemas.get(n))
}

/// An object whose members are each a scalar or a list of scalars: what
/// `form` and `deepObject` can write. A union of such objects and scalars
/// too (Stripe's `created`: a range `{gt, lte, …}` or a timestamp), written
/// as whichever it holds: `created[gt]=1` or `created=1`.
fn flat_object(t: &TypeRef, schemas: &Schemas<'_>) -> bool {
    if let TypeRef::Named(n) = t {
        if let Some(super::TypeKind::Untagged(variants)) = schemas.get(n).map(|d| &d.kind) {
            return variants.iter().any(|v| !scalar(&v.ty, schemas))
                && variants
                    .iter()
                    .all(|v| scalar(&v.ty, schemas) || flat_struct(&v.ty, schemas));
        }
    }
    flat_struct(t, schemas)
}

fn flat_struct(t: &TypeRef, schemas: &Schemas<'_>) -> bool {
    let member = |t: &TypeRef| {
        let t = match t {
            TypeRef::Option(inner) => inner,
            other => other,
        };
        scalar(t, schemas) || matches!(t, TypeRef::Vec(item) if scalar(item, schemas))
    };
    let n = match t {
        // A map of scalars (`metadata[k]=v` in deepObject style).
        TypeRef::Map(value) => return member(value),
        TypeRef::Named(n) => n,
        _ => return false,
    };
    let Some(def) = schemas.get(n) else {
        return false;
    };
    match &def.kind {
        super::TypeKind::Struct(s) => {
            s.fields.iter().all(|f| member(&f.ty)) && s.additional.as_ref().is_none_or(|(_, t)| member(t))
        }
        super::TypeKind::Alias(inner) => flat_struct(inner, schemas),
        _ => false,
    }
}

/// How each field of a form body that its `encoding` writes otherwise than
/// exploded is written. Reading made `explode` explicit (the `openapiv3`
/// crate reads a missing one as `false`; for `style: form` it is `true`).
fn form_styles(mt: &MediaType) -> Vec<(String, super::FormStyle)> {
    use super::FormStyle;
    use openapiv3::QueryStyle;
    mt.encoding
        .iter()
        .filter_map(|(name, e)| {
            let tsv = e.extensions.get("x-collection-format").and_then(|v| v.as_str()) == Some("tsv");
            let style = match e.style {
                Some(QueryStyle::SpaceDelimited) => FormStyle::Space,
                Some(QueryStyle::PipeDelimited) => FormStyle::Pipe,
                Some(QueryStyle::DeepObject) => FormStyle::Deep,
                Some(QueryStyle::Form) | None if e.explode => return None,
                Some(QueryStyle::Form) | None if tsv => FormStyle::Tab,
                Some(QueryStyle::Form) | None => FormStyle::Comma,
            };
            Some((name.clone(), style))
        })
        .collect()
}

fn is_json(media: &str) -> bool {
    let essence = media.split(';').next().unwrap_or("").trim();
    essence == "application/json" || essence.ends_with("+json") || essence.ends_with("/json")
}

/// JSON first (`application/json` before its relatives), then form, then
/// multipart, then text, then anything else.
fn media_rank(m: &str) -> u8 {
    let m = m.to_ascii_lowercase();
    if m.split(';').next().is_some_and(|e| e.trim() == "application/json") {
        0
    } else if is_json(&m) {
        1
    } else if m == "application/x-www-form-urlencoded" {
        2
    } else if m.starts_with("multipart/form-data") {
        3
    } else if m.starts_with("text/") {
        4
    } else {
        5
    }
}

/// Every media type of `content`, the preferred first (a stable sort: the
/// document's order within a rank).
fn ranked_media(content: &indexmap::IndexMap<String, MediaType>) -> Vec<(&str, &MediaType)> {
    let mut all: Vec<(&str, &MediaType)> = content.iter().map(|(m, t)| (m.as_str(), t)).collect();
    all.sort_by_key(|(m, _)| media_rank(m));
    all
}

/// The schema a reference (or an inline schema) stands for.
fn schema_at<'a, T: std::borrow::Borrow<Schema>>(api: &'a OpenAPI, r: &'a ReferenceOr<T>) -> Option<&'a Schema> {
    match r {
        ReferenceOr::Item(s) => Some(s.borrow()),
        ReferenceOr::Reference { reference } => {
            let name = super::refs::component_name(reference, "schemas")?;
            let next = api.components.as_ref()?.schemas.get(&name)?;
            resolve(api, next, |c| &c.schemas, "schemas")
        }
    }
}

/// The preferred media type of `content` (see [`media_rank`]).
fn pick_media(content: &indexmap::IndexMap<String, MediaType>) -> Option<(&str, &MediaType)> {
    content
        .iter()
        .min_by_key(|(m, _)| media_rank(m))
        .map(|(m, mt)| (m.as_str(), mt))
}

fn is_success(m: StatusMatch) -> bool {
    match m {
        StatusMatch::Code(c) => (200..300).contains(&c),
        StatusMatch::Range(r) => r == 2,
        StatusMatch::Default => false,
    }
}

fn variant_name(m: StatusMatch) -> String {
    match m {
        StatusMatch::Code(c) => match c {
            200 => "Ok",
            201 => "Created",
            202 => "Accepted",
            203 => "NonAuthoritative",
            204 => "NoContent",
            206 => "PartialContent",
            301 => "MovedPermanently",
            302 => "Found",
            304 => "NotModified",
            400 => "BadRequest",
            401 => "Unauthorized",
            402 => "PaymentRequired",
            403 => "Forbidden",
            404 => "NotFound",
            405 => "MethodNotAllowed",
            406 => "NotAcceptable",
            408 => "RequestTimeout",
            409 => "Conflict",
            410 => "Gone",
            412 => "PreconditionFailed",
            413 => "PayloadTooLarge",
            415 => "UnsupportedMediaType",
            422 => "UnprocessableEntity",
            429 => "TooManyRequests",
            500 => "InternalServerError",
            501 => "NotImplemented",
            502 => "BadGateway",
            503 => "ServiceUnavailable",
            504 => "GatewayTimeout",
            _ => return format!("Status{c}"),
        }
        .to_owned(),
        StatusMatch::Range(r) => format!("Status{r}xx"),
        StatusMatch::Default => "Default".to_owned(),
    }
}

fn header_type(name: &str, h: &Header, api: &OpenAPI) -> HeaderType {
    if name.eq_ignore_ascii_case("etag") {
        return HeaderType::ETag;
    }
    let ParameterSchemaOrContent::Schema(s) = &h.format else {
        return HeaderType::String;
    };
    let s = super::refs::follow(api, s, "schemas", |c| &c.schemas).map(|(s, _)| s);
    match s.map(|s| &s.schema_kind) {
        Some(SchemaKind::Type(Type::Integer(_))) => HeaderType::I64,
        Some(SchemaKind::Type(Type::Number(_))) => HeaderType::F64,
        Some(SchemaKind::Type(Type::Boolean(_))) => HeaderType::Bool,
        _ => HeaderType::String,
    }
}
