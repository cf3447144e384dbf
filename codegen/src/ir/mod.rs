//! The intermediate form: references resolved, final Rust names chosen,
//! order fixed. `emit` reads only this, never the OpenAPI document.

mod lower;
mod ops;
mod refs;
mod schema;

use serde_json::Value;

pub(crate) use lower::lower;

/// Everything the emitter needs.
#[derive(Debug)]
pub(crate) struct Ir {
    pub(crate) title: String,
    pub(crate) version: String,
    pub(crate) description: Option<String>,
    pub(crate) servers: Vec<Server>,
    /// Sorted by name.
    pub(crate) types: Vec<TypeDef>,
    /// Sorted by method name.
    pub(crate) operations: Vec<Operation>,
    /// The security schemes the spec declares, for the crate's docs.
    pub(crate) security_schemes: Vec<SecurityScheme>,
    pub(crate) uses: Uses,
}

/// Which optional dependencies the emitted crate needs.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct Uses {
    pub(crate) uuid: bool,
    pub(crate) chrono: bool,
}

#[derive(Debug)]
pub(crate) struct SecurityScheme {
    pub(crate) name: String,
    /// What the scheme asks for, in words, for the crate's docs.
    pub(crate) description: String,
    /// The name of its function in the `security` module.
    pub(crate) ident: String,
    pub(crate) kind: SchemeKind,
}

#[derive(Debug)]
pub(crate) enum SchemeKind {
    /// A bearer token: HTTP `bearer` (or another HTTP scheme), OAuth 2.0
    /// and OpenID Connect, with a client-credentials flow where the spec
    /// declares one.
    Token {
        client_credentials: Option<ClientCredentialsFlow>,
    },
    Basic,
    ApiKey {
        name: String,
        location: KeyLocation,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum KeyLocation {
    Header,
    Query,
    Cookie,
}

/// An OAuth 2.0 `clientCredentials` flow.
#[derive(Debug)]
pub(crate) struct ClientCredentialsFlow {
    /// The name of its sign-in function.
    pub(crate) ident: String,
    pub(crate) token_url: String,
    /// The token URL's text and `{slots}` (Entra's `{tenant}`).
    pub(crate) template: Vec<crate::template::Part>,
    /// Each slot's name and its parameter's.
    pub(crate) slots: Vec<(String, String)>,
    pub(crate) scopes: Vec<String>,
    /// The client authenticates with HTTP Basic (`client_secret_basic`)
    /// rather than in the form body.
    pub(crate) basic: bool,
}

#[derive(Debug)]
pub(crate) struct Server {
    pub(crate) url: String,
    /// The URL's text and `{variable}` slots (all text when the URL does
    /// not parse as a template).
    pub(crate) template: Vec<crate::template::Part>,
    pub(crate) description: Option<String>,
    /// Function name for a server with variables, constant name otherwise.
    pub(crate) ident: String,
    pub(crate) variables: Vec<ServerVariable>,
}

#[derive(Debug)]
pub(crate) struct ServerVariable {
    pub(crate) name: String,
    pub(crate) ident: String,
    pub(crate) default: String,
    pub(crate) description: Option<String>,
}

#[derive(Debug, Clone)]
pub(crate) struct TypeDef {
    pub(crate) name: String,
    pub(crate) doc: Option<String>,
    pub(crate) kind: TypeKind,
    /// Where an error code and message sit in this type, when it is used as
    /// an error body.
    pub(crate) error_shape: Option<ErrorShape>,
    /// `Some` for a collection page: the item type and its fields.
    pub(crate) page: Option<PageShape>,
}

impl TypeDef {
    /// The types its definition names: fields (and the type of unlisted
    /// members), variants, the aliased type.
    pub(crate) fn children(&self) -> Vec<&TypeRef> {
        match &self.kind {
            TypeKind::Struct(s) => s
                .fields
                .iter()
                .map(|f| &f.ty)
                .chain(s.additional.as_ref().map(|(_, t)| t))
                .collect(),
            TypeKind::Untagged(vs) => vs.iter().map(|v| &v.ty).collect(),
            TypeKind::Tagged { variants, .. } => variants.iter().map(|v| &v.ty).collect(),
            TypeKind::Alias(t) | TypeKind::Newtype(t) => vec![t],
            TypeKind::StringEnum(_) | TypeKind::IntEnum(_) => Vec::new(),
        }
    }
}

#[derive(Debug, Clone)]
pub(crate) enum ErrorShape {
    /// `{"error": {"code", "message"}}`: OData.
    Nested {
        error_field: String,
        code_field: String,
        message_field: Option<String>,
        code_optional: bool,
        message_optional: bool,
        error_optional: bool,
    },
    /// `{"code", "message"}`.
    Flat {
        code_field: String,
        message_field: Option<String>,
        code_optional: bool,
        message_optional: bool,
    },
}

#[derive(Debug, Clone)]
pub(crate) struct PageShape {
    /// The field the page is in, when it is not the body itself (OData
    /// V2's `d`).
    pub(crate) wrapper: Option<String>,
    pub(crate) item: TypeRef,
    pub(crate) value_field: String,
    /// The items may be absent (Azure's `value`, read-only and optional).
    pub(crate) value_optional: bool,
    pub(crate) next_field: String,
    pub(crate) next_optional: bool,
}

/// Paging an operation declares (`x-ms-pageable`): the 200 body's member
/// that holds the items and the one that holds the next page's link.
#[derive(Debug, Clone)]
pub(crate) struct Pageable {
    pub(crate) item_field: String,
    pub(crate) next_field: String,
}

#[derive(Debug, Clone)]
pub(crate) enum TypeKind {
    Struct(Struct),
    StringEnum(Vec<EnumVariant>),
    IntEnum(Vec<IntVariant>),
    /// `oneOf`/`anyOf` without a discriminator: the first variant that decodes.
    Untagged(Vec<Variant>),
    /// `oneOf` with a discriminator property.
    Tagged {
        property: String,
        variants: Vec<TaggedVariant>,
    },
    Alias(TypeRef),
    /// An alias that would be recursive: `struct X(T)`, transparent to serde.
    Newtype(TypeRef),
}

#[derive(Debug, Clone)]
pub(crate) struct Struct {
    pub(crate) fields: Vec<Field>,
    /// Captures properties not listed (`additionalProperties`).
    pub(crate) additional: Option<(String, TypeRef)>,
    /// A request view: optional fields are tri-state.
    pub(crate) request: bool,
}

impl Struct {
    pub(crate) fn all_optional(&self) -> bool {
        self.fields.iter().all(|f| f.mode != FieldMode::Required)
    }
}

#[derive(Debug, Clone)]
pub(crate) struct Field {
    pub(crate) ident: String,
    pub(crate) json: String,
    pub(crate) ty: TypeRef,
    pub(crate) mode: FieldMode,
    pub(crate) doc: Option<String>,
    /// Read-only or write-only, for the docs.
    pub(crate) note: Option<&'static str>,
    /// A primitive default applied when the field is absent.
    pub(crate) default: Option<Value>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum FieldMode {
    /// Always present, never null: `T`.
    Required,
    /// Present, may be null; or absent and read as null: `Option<T>`.
    Nullable,
    /// May be absent (and, in a response, null): `Option<T>`, skipped when `None`.
    Optional,
    /// Absent, null or a value, each sent as set: `Nullable<T>`.
    Tristate,
}

#[derive(Debug, Clone)]
pub(crate) struct EnumVariant {
    pub(crate) ident: String,
    pub(crate) value: String,
}

#[derive(Debug, Clone)]
pub(crate) struct IntVariant {
    pub(crate) ident: String,
    pub(crate) value: i64,
}

#[derive(Debug, Clone)]
pub(crate) struct Variant {
    pub(crate) ident: String,
    pub(crate) ty: TypeRef,
}

#[derive(Debug, Clone)]
pub(crate) struct TaggedVariant {
    pub(crate) ident: String,
    pub(crate) tag: String,
    pub(crate) ty: TypeRef,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum TypeRef {
    Named(String),
    Boxed(Box<TypeRef>),
    Prim(Prim),
    Vec(Box<TypeRef>),
    Map(Box<TypeRef>),
    Option(Box<TypeRef>),
    /// Any JSON value.
    Any,
}

impl TypeRef {
    /// The type of a value that may also be null: an `Option` of it (never
    /// one of an `Option`). Nullability is part of a type: lowering hands
    /// types on with it, and each place that takes one decides what null
    /// means there.
    pub(crate) fn nullable_if(self, nullable: bool) -> TypeRef {
        match self {
            TypeRef::Option(_) => self,
            t if nullable => TypeRef::Option(Box::new(t)),
            t => t,
        }
    }

    /// The type without its `Option`, and whether it had one: a field
    /// keeps nullability in its mode (`FieldMode`).
    pub(crate) fn split_null(self) -> (TypeRef, bool) {
        match self {
            TypeRef::Option(inner) => (*inner, true),
            t => (t, false),
        }
    }

    /// The type where null cannot be sent or told apart: a parameter (a
    /// URL or header has no null), a form body, a tagged variant, an
    /// alias's target (its users make it nullable).
    pub(crate) fn non_null(self) -> TypeRef {
        self.split_null().0
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Prim {
    String,
    Bool,
    I32,
    I64,
    F32,
    F64,
    Uuid,
    DateTime,
    Date,
    /// base64 in JSON.
    Base64,
}

#[derive(Debug)]
pub(crate) struct Operation {
    pub(crate) method_name: String,
    pub(crate) type_name: String,
    /// Names of the operation's error enum, header struct, success enum and result alias.
    pub(crate) error_name: String,
    pub(crate) headers_name: String,
    pub(crate) response_name: String,
    pub(crate) result_name: String,
    pub(crate) http_method: String,
    pub(crate) path: String,
    pub(crate) segments: Vec<PathPiece>,
    pub(crate) summary: Option<String>,
    pub(crate) description: Option<String>,
    pub(crate) deprecated: bool,
    pub(crate) params: Vec<Param>,
    pub(crate) body: Option<Body>,
    /// The streamed forms its success response documents, read item by
    /// item (`events`, `json_lines`) beside `send`.
    pub(crate) streams: Vec<StreamShape>,
    pub(crate) success: Vec<ResponseCase>,
    pub(crate) errors: Vec<ResponseCase>,
    /// Headers declared on success responses.
    pub(crate) response_headers: Vec<HeaderField>,
    /// The security requirements: alternatives, each the names of the
    /// schemes that go together (an empty one: no credential needed).
    /// Empty when the operation needs no credential.
    pub(crate) security: Vec<Vec<String>>,
    /// The `Accept` header to send.
    pub(crate) accept: Option<String>,
    /// Paging over `value` and `@odata.nextLink` of the 200 body, or over
    /// the members `pageable` names.
    pub(crate) page: Option<PageShape>,
    pub(crate) pageable: Option<Pageable>,
    /// The spec's tags of the operation, as written.
    pub(crate) tags: Vec<String>,
}

#[derive(Debug)]
pub(crate) enum PathPiece {
    Literal(String),
    /// Index into `params`; `quoted` when the template has `'{x}'`.
    Param {
        index: usize,
        quoted: bool,
    },
}

/// A path parameter's style: `simple` (the value), `label` (`.value`) or
/// `matrix` (`;name=value`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum PathStyle {
    Simple,
    Label,
    Matrix,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ParamLocation {
    Path,
    Query,
    Header,
}

#[derive(Debug)]
pub(crate) struct Param {
    pub(crate) name: String,
    pub(crate) ident: String,
    pub(crate) location: ParamLocation,
    /// How a path parameter is written into its segment.
    pub(crate) path_style: PathStyle,
    pub(crate) required: bool,
    pub(crate) ty: ParamType,
    pub(crate) doc: Option<String>,
}

#[derive(Debug)]
pub(crate) enum ParamType {
    /// A scalar value written as text.
    Scalar(TypeRef),
    /// A list, comma-joined (`explode: false`) or repeated (`explode: true`).
    /// `delimiter` joins the values when not exploded: `,` (form), or
    /// ` `, `|` or a tab (`spaceDelimited`, `pipeDelimited`, Swagger's
    /// `tsv`).
    List {
        item: TypeRef,
        explode: bool,
        delimiter: char,
    },
    /// `If-Match` / `If-None-Match`: an entity tag.
    ETag,
    /// An object of scalar members in the query: `style: form` (exploded:
    /// `a=1&b=2`; not: `name=a,1,b,2`) or `style: deepObject`
    /// (`name[a]=1&name[b]=2`).
    Object { ty: TypeRef, style: ObjectStyle },
    /// A value written as JSON text (`content: {application/json: …}`
    /// instead of `schema`), in any location.
    Json(TypeRef),
}

/// How an object parameter is written: into the query, or (`Simple`) as a
/// header's or a path segment's text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ObjectStyle {
    Form,
    FormExploded,
    DeepObject,
    /// In a header or a path segment: `k,v,k,v`, or (exploded) `k=v,k=v`.
    Simple,
    SimpleExploded,
}

/// How a list or object field of a form body is written (the runtime's
/// `FormStyle`, whose variants these name); exploded is the default.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum FormStyle {
    Comma,
    Space,
    Pipe,
    Tab,
    Deep,
}

#[derive(Debug)]
pub(crate) struct Body {
    pub(crate) kind: BodyKind,
    pub(crate) content_type: String,
    pub(crate) required: bool,
    /// The other media types the operation takes (one of each kind: JSON,
    /// form, multipart, text, bytes), each with its variant's name. When
    /// there are any, the body is an enum (`enum_name`) of a variant per
    /// media type, the first (`kind`) included.
    pub(crate) others: Vec<(String, BodyKind)>,
    pub(crate) enum_name: String,
}

impl Body {
    /// Every media type the body may be sent as: (content type, kind),
    /// the preferred first.
    pub(crate) fn choices(&self) -> impl Iterator<Item = (&str, &BodyKind)> {
        std::iter::once((self.content_type.as_str(), &self.kind))
            .chain(self.others.iter().map(|(m, k)| (m.as_str(), k)))
    }
}

#[derive(Debug, Clone)]
pub(crate) enum BodyKind {
    Empty,
    Json(TypeRef),
    /// A form body: its type, and how each field the media type's
    /// `encoding` writes otherwise than exploded is written.
    Form(TypeRef, Vec<(String, FormStyle)>),
    /// `multipart/form-data` (requests only: a multipart response is read
    /// as bytes).
    Multipart(MultipartForm),
    Text,
    Binary,
}

impl BodyKind {
    /// The name of the kind, as a variant of an operation's body enum.
    pub(crate) fn variant(&self) -> &'static str {
        match self {
            BodyKind::Empty => "Empty",
            BodyKind::Json(_) => "Json",
            BodyKind::Form(..) => "Form",
            BodyKind::Multipart(_) => "Multipart",
            BodyKind::Text => "Text",
            BodyKind::Binary => "Binary",
        }
    }
}

/// A success response the server streams: server-sent events, or JSON
/// lines.
#[derive(Debug, Clone)]
pub(crate) struct StreamShape {
    pub(crate) kind: StreamKind,
    /// The media type asked for (`Accept`).
    pub(crate) media: String,
    /// An item's type; `None`: its text as it came.
    pub(crate) item: Option<TypeRef>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum StreamKind {
    /// `text/event-stream`.
    Events,
    /// `application/x-ndjson`, `application/jsonl`, `application/x-jsonlines`.
    JsonLines,
}

/// A multipart body's parts, from its schema's properties; no `name` (and
/// no parts) when the schema does not describe them: the runtime's
/// `Multipart`, filled by hand, is the body then.
#[derive(Debug, Clone)]
pub(crate) struct MultipartForm {
    pub(crate) name: Option<String>,
    pub(crate) parts: Vec<FormPart>,
}

#[derive(Debug, Clone)]
pub(crate) struct FormPart {
    /// The part's name on the wire.
    pub(crate) name: String,
    pub(crate) ident: String,
    pub(crate) kind: PartKind,
    pub(crate) required: bool,
    pub(crate) doc: Option<String>,
    /// The spec's `encoding.<name>.contentType`.
    pub(crate) content_type: Option<String>,
}

#[derive(Debug, Clone)]
pub(crate) enum PartKind {
    /// A file (`format: binary`): bytes or a stream, with a file name.
    File,
    /// Several files under one name.
    Files,
    /// A scalar, as its text.
    Text(TypeRef),
    /// Scalars, one part each under the same name.
    Texts(TypeRef),
    /// Anything else, as JSON text.
    Json(TypeRef),
}

#[derive(Debug, Clone)]
pub(crate) struct ResponseCase {
    pub(crate) status: StatusMatch,
    pub(crate) variant: String,
    pub(crate) body: BodyKind,
    pub(crate) description: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum StatusMatch {
    Code(u16),
    /// `4XX`: the hundreds digit.
    Range(u16),
    Default,
}

#[derive(Debug, Clone)]
pub(crate) struct HeaderField {
    pub(crate) name: String,
    pub(crate) ident: String,
    pub(crate) ty: HeaderType,
    pub(crate) doc: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum HeaderType {
    ETag,
    String,
    I64,
    F64,
    Bool,
}

/// How deeply the types nest: the longest chain of a type holding another
/// (through fields, variants, aliases and the `Vec`/`Option`/`Box`/map
/// wrappers around them), each wrapper and type one level. Recursion (a
/// type reached again on its own chain) ends a chain. rustc's drop-check
/// walks such chains, and past its recursion limit refuses the crate.
pub(crate) fn nesting_depth(types: &[TypeDef]) -> usize {
    use std::collections::HashMap;

    fn of_ref<'t>(
        t: &TypeRef,
        by_name: &HashMap<&'t str, &'t TypeDef>,
        memo: &mut HashMap<&'t str, usize>,
        on_chain: &mut Vec<&'t str>,
    ) -> usize {
        match t {
            TypeRef::Named(n) => match by_name.get_key_value(n.as_str()) {
                Some((key, def)) => of_type(key, def, by_name, memo, on_chain),
                None => 1,
            },
            TypeRef::Boxed(inner) | TypeRef::Vec(inner) | TypeRef::Map(inner) | TypeRef::Option(inner) => {
                1 + of_ref(inner, by_name, memo, on_chain)
            }
            TypeRef::Prim(_) | TypeRef::Any => 1,
        }
    }

    fn of_type<'t>(
        name: &'t str,
        def: &'t TypeDef,
        by_name: &HashMap<&'t str, &'t TypeDef>,
        memo: &mut HashMap<&'t str, usize>,
        on_chain: &mut Vec<&'t str>,
    ) -> usize {
        if let Some(d) = memo.get(name) {
            return *d;
        }
        if on_chain.contains(&name) {
            return 1;
        }
        on_chain.push(name);
        let deepest = def
            .children()
            .into_iter()
            .map(|c| of_ref(c, by_name, memo, on_chain))
            .max()
            .unwrap_or(0);
        on_chain.pop();
        memo.insert(name, deepest + 1);
        deepest + 1
    }

    let by_name: HashMap<&str, &TypeDef> = types.iter().map(|t| (t.name.as_str(), t)).collect();
    let mut memo = HashMap::new();
    let mut on_chain = Vec::new();
    types
        .iter()
        .map(|t| of_type(&t.name, t, &by_name, &mut memo, &mut on_chain))
        .max()
        .unwrap_or(0)
}

/// Whether a value of `t` is written as one piece of text (a parameter, a
/// union that gets `Display`): a primitive, an enum, or an alias or union
/// of such. `get` finds a named type; one not (yet) defined counts as
/// text. The walk is bounded (unions may refer to themselves).
pub(crate) fn is_text<'t>(t: &TypeRef, get: &dyn Fn(&str) -> Option<&'t TypeDef>) -> bool {
    fn within<'t>(t: &TypeRef, get: &dyn Fn(&str) -> Option<&'t TypeDef>, depth: usize) -> bool {
        if depth == 0 {
            return false;
        }
        match t {
            TypeRef::Prim(_) => true,
            // A nullable member of a union (Microsoft's OData converter
            // writes `INF`/`-INF`/`NaN` as a nullable enum beside a number).
            TypeRef::Option(inner) => within(inner, get, depth - 1),
            TypeRef::Named(n) => get(n).is_none_or(|d| match &d.kind {
                TypeKind::StringEnum(_) | TypeKind::IntEnum(_) => true,
                TypeKind::Alias(inner) => within(inner, get, depth - 1),
                TypeKind::Untagged(variants) => variants.iter().all(|v| within(&v.ty, get, depth - 1)),
                _ => false,
            }),
            _ => false,
        }
    }
    within(t, get, 16)
}
