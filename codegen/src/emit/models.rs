//! `models.rs`: one Rust type per named schema.
//!
//! A struct, its setters, its `Serialize`/`Deserialize` and its `Page`
//! impl are written as text (the same few shapes for every schema, and
//! most of a large crate's lines); the other kinds of model (enums,
//! unions, aliases, newtypes) as tokens.

use proc_macro2::TokenStream;
use quote::quote;
use serde_json::Value;

use super::Piece;
use super::common::{Ctx, doc_lines, doc_tokens, ident, lines_tokens, tokens};
use super::features::Gate;
use super::text::{Code, Expr, Field as TextField, ImplHeader, Meta, Signature, call, lit, w};
use crate::ir::{Field, FieldMode, PageShape, Struct, TypeDef, TypeKind, TypeRef};
use crate::naming::{Namespace, field_name};

/// The models of `types` (a run of `ir.types`), and the functions that give
/// their fields' defaults (members of `models::defaults`, one level in):
/// the first run carries the file's own doc. Any split of `ir.types` into
/// runs, written apart and joined in order, gives the text of the whole
/// file.
pub(crate) fn models(ctx: Ctx<'_>, types: &[TypeDef], first: bool) -> (Vec<Piece>, Vec<String>) {
    let mut defaults = Vec::new();
    let mut items: Vec<Piece> = Vec::with_capacity(2 * types.len() + 1);
    if first {
        let mut c = Code::new();
        c.inner_docs(&[" The schemas of the spec as Rust types."]);
        items.push(Piece::Text(c.finish(0)));
    }
    for t in types {
        let gate = ctx.gates.model(&t.name);
        match &t.kind {
            TypeKind::Struct(s) => {
                // A default's function is compiled with its model, or it
                // would name a type that is not there.
                items.extend(struct_def(ctx, t, s, gate, &mut defaults).into_iter().map(Piece::Text));
            }
            _ => items.push(Piece::Tokens(token_model(ctx, t, gate))),
        }
        if let Some(p) = &t.page {
            items.push(Piece::Text(page_impl(ctx, &t.name, p, gate)));
        }
    }
    (items, defaults)
}

/// `mod defaults` around its functions, as prettyplease prints a module.
pub(crate) fn defaults_module(members: &[&str]) -> String {
    let mut out = String::from(
        "/// Values the spec gives as `default` for fields left out of a response.\npub(crate) mod defaults {\n",
    );
    members.iter().for_each(|m| out.push_str(m));
    out.push_str("}\n");
    out
}

/// A model that is not a struct, as tokens.
fn token_model(ctx: Ctx<'_>, t: &TypeDef, gate: Option<Gate<'_>>) -> TokenStream {
    let err = ctx.std_tokens("Err");
    let from = ctx.std_tokens("From");
    let none = ctx.std_tokens("None");
    let ok = ctx.std_tokens("Ok");
    let result = ctx.std_tokens("Result");
    let some = ctx.std_tokens("Some");
    let string = ctx.std_tokens("String");
    let to_string = tokens(&format!("{}::to_string", ctx.std("ToString")));
    let name = ident(&t.name);
    let doc = doc_tokens(t.doc.as_deref());
    let gate = gate.map(|g| g.tokens());
    match &t.kind {
        TypeKind::Struct(_) => TokenStream::new(),
        TypeKind::StringEnum(variants) => {
            let idents: Vec<_> = variants.iter().map(|v| ident(&v.ident)).collect();
            let values: Vec<_> = variants.iter().map(|v| v.value.as_str()).collect();
            let value_docs: Vec<TokenStream> = variants
                .iter()
                .map(|v| lines_tokens(&[format!(" `{}`", v.value.replace('`', "'").replace(['\r', '\n'], " "))]))
                .collect();
            let unknown = ident(&unknown_name(variants.iter().map(|v| v.ident.as_str())));
            quote! {
                #doc
                #gate
                #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
                pub enum #name {
                    #(#value_docs #idents,)*
                    /// A value the spec does not list, kept as sent.
                    #unknown(#string),
                }
                #gate
                impl #name {
                    /// The value as it is written in JSON.
                    pub fn as_str(&self) -> &str {
                        match self {
                            #(Self::#idents => #values,)*
                            Self::#unknown(v) => v.as_str(),
                        }
                    }
                }
                #gate
                impl #from<&str> for #name {
                    fn from(value: &str) -> Self {
                        match value {
                            #(#values => Self::#idents,)*
                            other => Self::#unknown(#to_string(other)),
                        }
                    }
                }
                #gate
                impl ::std::str::FromStr for #name {
                    type Err = ::std::convert::Infallible;
                    fn from_str(value: &str) -> #result<Self, Self::Err> {
                        #ok(Self::from(value))
                    }
                }
                #gate
                impl ::std::fmt::Display for #name {
                    fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                        f.write_str(self.as_str())
                    }
                }
                #gate
                impl ::serde::Serialize for #name {
                    fn serialize<S: ::serde::Serializer>(&self, serializer: S) -> #result<S::Ok, S::Error> {
                        serializer.serialize_str(self.as_str())
                    }
                }
                #gate
                impl<'de> ::serde::Deserialize<'de> for #name {
                    fn deserialize<D: ::serde::Deserializer<'de>>(deserializer: D) -> #result<Self, D::Error> {
                        let value = <#string as ::serde::Deserialize>::deserialize(deserializer)?;
                        #ok(Self::from(value.as_str()))
                    }
                }
            }
        }
        TypeKind::IntEnum(variants) => {
            let idents: Vec<_> = variants.iter().map(|v| ident(&v.ident)).collect();
            let values: Vec<_> = variants.iter().map(|v| v.value).collect();
            let value_docs: Vec<TokenStream> = variants
                .iter()
                .map(|v| lines_tokens(&[format!(" `{}`", v.value)]))
                .collect();
            let unknown = ident(&unknown_name(variants.iter().map(|v| v.ident.as_str())));
            quote! {
                #doc
                #gate
                #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
                pub enum #name {
                    #(#value_docs #idents,)*
                    /// A value the spec does not list, kept as sent.
                    #unknown(i64),
                }
                #gate
                impl #name {
                    /// The value as it is written in JSON.
                    pub fn value(&self) -> i64 {
                        match self {
                            #(Self::#idents => #values,)*
                            Self::#unknown(v) => *v,
                        }
                    }
                }
                #gate
                impl #from<i64> for #name {
                    fn from(value: i64) -> Self {
                        match value {
                            #(#values => Self::#idents,)*
                            other => Self::#unknown(other),
                        }
                    }
                }
                #gate
                impl ::std::fmt::Display for #name {
                    fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                        ::std::fmt::Display::fmt(&self.value(), f)
                    }
                }
                #gate
                impl ::serde::Serialize for #name {
                    fn serialize<S: ::serde::Serializer>(&self, serializer: S) -> #result<S::Ok, S::Error> {
                        serializer.serialize_i64(self.value())
                    }
                }
                #gate
                impl<'de> ::serde::Deserialize<'de> for #name {
                    fn deserialize<D: ::serde::Deserializer<'de>>(deserializer: D) -> #result<Self, D::Error> {
                        let value = <i64 as ::serde::Deserialize>::deserialize(deserializer)?;
                        #ok(Self::from(value))
                    }
                }
            }
        }
        TypeKind::Untagged(variants) => {
            let idents: Vec<_> = variants.iter().map(|v| ident(&v.ident)).collect();
            let types: Vec<_> = variants.iter().map(|v| ctx.type_tokens(&v.ty)).collect();
            // A union of scalars can be a parameter: it shows as the value it holds.
            let display = ctx.scalar_union(variants).then(|| {
                let texts: Vec<_> = variants
                    .iter()
                    .map(|v| super::expr_tokens(&ctx.text_of(&v.ty, w("v"))))
                    .collect();
                quote! {
                    #gate
                    impl ::std::fmt::Display for #name {
                        fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                            match self {
                                #(Self::#idents(v) => f.write_str(&#texts),)*
                            }
                        }
                    }
                }
            });
            quote! {
                #doc
                ///
                /// Decoded as the first variant, in this order, that the value fits.
                #gate
                #[derive(Debug, Clone, PartialEq, ::serde::Serialize, ::serde::Deserialize)]
                #[serde(untagged)]
                pub enum #name {
                    #(#idents(#types),)*
                }
                #display
            }
        }
        TypeKind::Tagged { property, variants } => {
            let idents: Vec<_> = variants.iter().map(|v| ident(&v.ident)).collect();
            let types: Vec<_> = variants.iter().map(|v| ctx.type_tokens(&v.ty)).collect();
            let tags: Vec<_> = variants.iter().map(|v| v.tag.as_str()).collect();
            let tag_docs: Vec<TokenStream> = variants
                .iter()
                .map(|v| {
                    lines_tokens(&[format!(
                        " `{property}` is `{}`.",
                        v.tag.replace('`', "'").replace(['\r', '\n'], " ")
                    )])
                })
                .collect();
            let unknown = ident(&unknown_name(variants.iter().map(|v| v.ident.as_str())));
            let missing = format!("missing or non-string discriminator `{property}`");
            quote! {
                #doc
                ///
                #[doc = concat!(" Which variant a value is depends on its `", #property, "` property.")]
                #gate
                #[derive(Debug, Clone, PartialEq)]
                pub enum #name {
                    #(#tag_docs #idents(#types),)*
                    /// A discriminator value the spec does not list, kept as sent.
                    #unknown(::serde_json::Value),
                }
                #gate
                impl ::serde::Serialize for #name {
                    fn serialize<S: ::serde::Serializer>(&self, serializer: S) -> #result<S::Ok, S::Error> {
                        let (tag, value) = match self {
                            #(Self::#idents(v) => (#tags, ::serde_json::to_value(v).map_err(<S::Error as ::serde::ser::Error>::custom)?),)*
                            Self::#unknown(v) => return ::serde::Serialize::serialize(v, serializer),
                        };
                        let mut value = value;
                        if let ::serde_json::Value::Object(map) = &mut value {
                            map.insert(#to_string(#property), ::serde_json::Value::String(#to_string(tag)));
                        }
                        ::serde::Serialize::serialize(&value, serializer)
                    }
                }
                #gate
                impl<'de> ::serde::Deserialize<'de> for #name {
                    fn deserialize<D: ::serde::Deserializer<'de>>(deserializer: D) -> #result<Self, D::Error> {
                        let value = <::serde_json::Value as ::serde::Deserialize>::deserialize(deserializer)?;
                        let tag = match value.get(#property).and_then(::serde_json::Value::as_str) {
                            #some(tag) => #to_string(tag),
                            #none => return #err(<D::Error as ::serde::de::Error>::custom(#missing)),
                        };
                        match tag.as_str() {
                            #(#tags => ::serde_json::from_value(value).map(Self::#idents).map_err(<D::Error as ::serde::de::Error>::custom),)*
                            _ => #ok(Self::#unknown(value)),
                        }
                    }
                }
            }
        }
        TypeKind::Alias(target) => {
            let target = ctx.type_tokens(target);
            quote! {
                #doc
                #gate
                pub type #name = #target;
            }
        }
        TypeKind::Newtype(target) => {
            let target = ctx.type_tokens(target);
            quote! {
                #doc
                #gate
                #[derive(Debug, Clone, PartialEq, ::serde::Serialize, ::serde::Deserialize)]
                #[serde(transparent)]
                pub struct #name(pub #target);
            }
        }
    }
}

/// The catch-all variant's name: `Unknown`, unless a listed value took it.
fn unknown_name<'a>(taken: impl Iterator<Item = &'a str>) -> String {
    let mut ns = Namespace::default();
    for t in taken {
        ns.claim(t);
    }
    ns.claim("Unknown")
}

/// The gate of an item written as text, after its docs.
fn gate_attr(c: &mut Code, gate: Option<Gate<'_>>) {
    if let Some(g) = gate {
        g.write(c);
    }
}

fn page_impl(ctx: Ctx<'_>, name: &str, p: &PageShape, gate: Option<Gate<'_>>) -> String {
    let this = || w("self");
    let value = if p.value_optional {
        this().field(&p.value_field).method("unwrap_or_default", vec![])
    } else {
        this().field(&p.value_field)
    };
    let next = if p.next_optional {
        this().field(&p.next_field)
    } else {
        call(ctx.std("Some"), vec![this().field(&p.next_field)])
    };
    let mut c = Code::new();
    gate_attr(&mut c, gate);
    let page = ctx.rt("Page");
    let header = ImplHeader {
        generics: &[],
        trait_: Some(&page),
        self_ty: name,
    };
    let ret = format!(
        "({}<Self::Item>, {}<{}>)",
        ctx.std("Vec"),
        ctx.std("Option"),
        ctx.std("String")
    );
    let item = ctx.type_text(&p.item);
    c.impl_(&header, |c| {
        c.type_("type Item", &item, false);
        let sig = Signature {
            head: "fn into_parts",
            generics: &[],
            args: &["self".to_owned()],
            ret: Some(&ret),
            where_: &[],
        };
        c.fn_(&sig, |c| c.tail(&Expr::Tuple(vec![value, next])));
    });
    c.finish(0)
}

/// A struct, its setters and (unless derived) its serde impls, as text.
fn struct_def(
    ctx: Ctx<'_>,
    t: &TypeDef,
    s: &Struct,
    gate: Option<Gate<'_>>,
    defaults: &mut Vec<String>,
) -> Vec<String> {
    let name = t.name.as_str();
    // A struct that captures unlisted members keeps the derive (serde's
    // `flatten`); every other one gets the compact impls of `serde_impls`.
    let derive_serde = s.additional.is_some();
    let mut has_default_fn = false;
    let mut missing = Vec::new();
    let mut fields = Vec::new();
    for f in &s.fields {
        let (ty, attr, when_missing) = field_parts(ctx, name, f, gate, defaults, &mut has_default_fn);
        missing.push(when_missing);
        let mut doc_text = f.doc.clone().unwrap_or_default();
        if let Some(note) = f.note {
            if !doc_text.is_empty() {
                doc_text.push_str("\n\n");
            }
            doc_text.push_str(note);
        }
        let mut attrs = Code::new();
        if !doc_text.is_empty() {
            attrs.docs(&doc_lines(&doc_text));
        }
        if derive_serde {
            if f.ident != f.json {
                let rename = Meta::NameValue("rename".to_owned(), lit(&f.json));
                attrs.attr(&Meta::List("serde".to_owned(), vec![rename]));
            }
            if !attr.is_empty() {
                attrs.attr(&Meta::List("serde".to_owned(), attr));
            }
        }
        fields.push(TextField {
            attrs,
            head: format!("pub {}: ", f.ident),
            ty,
        });
    }
    if let Some((field, ty)) = &s.additional {
        let mut attrs = Code::new();
        attrs.docs(&[" Properties the schema does not list.".to_owned()]);
        attrs.attr(&Meta::List("serde".to_owned(), vec![Meta::Word("flatten".to_owned())]));
        fields.push(TextField {
            attrs,
            head: format!("pub {field}: "),
            ty: format!(
                "::std::collections::BTreeMap<{}, {}>",
                ctx.std("String"),
                ctx.type_text(ty)
            ),
        });
    }
    let mut c = Code::new();
    c.docs(&t.doc.as_deref().map(doc_lines).unwrap_or_default());
    if s.request {
        c.docs(&[
            String::new(),
            " The request view: read-only properties are left out, and each".to_owned(),
            format!(
                " optional field is sent only when set (see [`{}`]).",
                ctx.item("Nullable")
            ),
        ]);
    }
    gate_attr(&mut c, gate);
    let mut derives = vec!["Debug", "Clone", "PartialEq"];
    if s.all_optional() && !has_default_fn {
        derives.push("Default");
    }
    if derive_serde {
        derives.extend(["::serde::Serialize", "::serde::Deserialize"]);
    }
    c.attr(&Meta::List(
        "derive".to_owned(),
        derives.into_iter().map(|d| Meta::Word(d.to_owned())).collect(),
    ));
    c.struct_(&format!("pub struct {name}"), &[], fields);
    let mut items = vec![c.finish(0)];
    if s.request {
        items.extend(setters(ctx, name, s, gate));
    }
    if !derive_serde {
        items.push(serialize_impl(ctx, name, s, gate));
        items.push(deserialize_impl(ctx, name, s, &missing, gate));
    }
    items
}

/// What a struct's `Deserialize` gives a field whose member is absent.
enum WhenMissing {
    /// serde's "missing field" error.
    Error,
    /// `Default::default()`: `None`, or `Nullable::Absent`.
    Default,
    /// The function of `models::defaults` that gives the spec's default,
    /// by its path.
    DefaultFn(String),
}

/// Whether a field is left out of the JSON when `None`.
fn optional(f: &Field) -> bool {
    f.mode == FieldMode::Optional && f.default.is_none()
}

/// `impl ::serde::Serialize for Name` ... written out rather than derived:
/// a table of member names and one short line per field, calling the
/// runtime's `object` functions, which are generic over the field's type
/// only and so compiled once per type for the whole crate. A derive
/// inlines all of that into every struct, and on a spec of hundreds of
/// schemas is most of the crate's compile time. The JSON is the derive's.
fn serialize_impl(ctx: Ctx<'_>, name: &str, s: &Struct, gate: Option<Gate<'_>>) -> String {
    let result = format!("{}<S::Ok, S::Error>", ctx.std("Result"));
    let object = ctx.rt("object");
    let mut c = Code::new();
    gate_attr(&mut c, gate);
    let header = ImplHeader {
        generics: &[],
        trait_: Some("::serde::Serialize"),
        self_ty: name,
    };
    c.impl_(&header, |c| {
        let sig = Signature {
            head: "fn serialize",
            generics: &["S: ::serde::Serializer"],
            args: &["&self".to_owned(), "serializer: S".to_owned()],
            ret: Some(&result),
            where_: &[],
        };
        c.fn_(&sig, |c| {
            c.use_("::serde::ser::SerializeStruct as _", &[]);
            let type_name = w(lit(name));
            if s.fields.is_empty() {
                let start = w("serializer").method("serialize_struct", vec![type_name, w("0")]);
                c.tail(&start.try_().method("end", vec![]));
                return;
            }
            let this = |f: &Field| w("self").field(&f.ident);
            let present: Vec<Expr> = s
                .fields
                .iter()
                .filter_map(|f| {
                    if optional(f) {
                        Some(this(f).method("is_some", vec![]))
                    } else if f.mode == FieldMode::Tristate {
                        Some(Expr::Not(Box::new(this(f).method("is_absent", vec![]))))
                    } else {
                        None
                    }
                })
                .collect();
            let always = s.fields.len() - present.len();
            let mut uses = Vec::new();
            if !present.is_empty() {
                uses.push("count");
            }
            if s.fields.iter().any(optional) {
                uses.push("optional");
            }
            if s.fields.iter().any(|f| f.mode == FieldMode::Tristate) {
                uses.push("tristate");
            }
            if !uses.is_empty() {
                c.use_(&object, &uses);
            }
            let len = if present.is_empty() {
                w(always.to_string())
            } else {
                let count = call("count", vec![Expr::Array(present).borrow()]);
                let value = if always > 0 {
                    Expr::Binary(Box::new(w(always.to_string())), "+", Box::new(count))
                } else {
                    count
                };
                c.local("__len", &value);
                w("__len")
            };
            let start = w("serializer").method("serialize_struct", vec![type_name, len]);
            c.local("mut __s", &start.try_());
            for f in &s.fields {
                let json = w(lit(&f.json));
                let field = this(f).borrow();
                let step = if optional(f) {
                    call("optional", vec![w("__s").borrow_mut(), json, field])
                } else if f.mode == FieldMode::Tristate {
                    call("tristate", vec![w("__s").borrow_mut(), json, field])
                } else {
                    w("__s").method("serialize_field", vec![json, field])
                };
                c.stmt(&step.try_());
            }
            c.tail(&w("__s").method("end", vec![]));
        });
    });
    c.finish(0)
}

/// `impl<'de> ::serde::Deserialize<'de> for Name`, written out: read as a
/// map, which for JSON is the same as a struct without the array form (an
/// object schema does not allow that one), and a fraction of the code to
/// compile.
fn deserialize_impl(ctx: Ctx<'_>, name: &str, s: &Struct, missing: &[WhenMissing], gate: Option<Gate<'_>>) -> String {
    // The runtime's functions are imported by name, unless a field's local
    // would shadow one: then every call is written with its path.
    const DE_FNS: [&str; 4] = ["next_key", "skip", "read", "required"];
    let object = ctx.rt("object");
    let shadowed = s.fields.iter().any(|f| DE_FNS.contains(&f.ident.as_str()));
    let path = |f: &str| {
        if shadowed {
            format!("{object}::{f}")
        } else {
            f.to_owned()
        }
    };
    let jsons: Vec<String> = s.fields.iter().map(|f| lit(&f.json)).collect();
    let result = ctx.std("Result");
    let mut c = Code::new();
    gate_attr(&mut c, gate);
    let header = ImplHeader {
        generics: &["'de"],
        trait_: Some("::serde::Deserialize<'de>"),
        self_ty: name,
    };
    c.impl_(&header, |c| {
        let ret = format!("{result}<Self, D::Error>");
        let sig = Signature {
            head: "fn deserialize",
            generics: &["D: ::serde::Deserializer<'de>"],
            args: &["deserializer: D".to_owned()],
            ret: Some(&ret),
            where_: &[],
        };
        c.fn_(&sig, |c| {
            let fields = Expr::Array(jsons.iter().map(|j| w(j.clone())).collect()).borrow();
            c.const_("FIELDS", "&[&str]", &fields);
            c.unit_struct("__Visitor");
            let visitor = ImplHeader {
                generics: &["'de"],
                trait_: Some("::serde::de::Visitor<'de>"),
                self_ty: "__Visitor",
            };
            c.impl_(&visitor, |c| {
                c.type_("type Value", name, false);
                let sig = Signature {
                    head: "fn expecting",
                    generics: &[],
                    args: &["&self".to_owned(), "f: &mut ::std::fmt::Formatter<'_>".to_owned()],
                    ret: Some("::std::fmt::Result"),
                    where_: &[],
                };
                c.fn_(&sig, |c| {
                    c.tail(&w("f").method("write_str", vec![w(lit(&format!("struct {name}")))]));
                });
                let ret = format!("{result}<{name}, A::Error>");
                let sig = Signature {
                    head: "fn visit_map",
                    generics: &["A: ::serde::de::MapAccess<'de>"],
                    args: &["self".to_owned(), "mut __map: A".to_owned()],
                    ret: Some(&ret),
                    where_: &[],
                };
                c.fn_(&sig, |c| {
                    visit_map(ctx, c, name, s, missing, &jsons, &object, shadowed, &path)
                });
            });
            c.tail(&w("deserializer").method("deserialize_map", vec![w("__Visitor")]));
        });
    });
    c.finish(0)
}

/// The body of `visit_map`: each member read into its local, then the
/// struct built from them.
#[allow(clippy::too_many_arguments)]
fn visit_map(
    ctx: Ctx<'_>,
    c: &mut Code,
    name: &str,
    s: &Struct,
    missing: &[WhenMissing],
    jsons: &[String],
    object: &str,
    shadowed: bool,
    path: &dyn Fn(&str) -> String,
) {
    let map = || w("__map").borrow_mut();
    if !shadowed {
        let mut uses = vec!["next_key", "skip"];
        if !s.fields.is_empty() {
            uses.push("read");
        }
        if missing.iter().any(|m| matches!(m, WhenMissing::Error)) {
            uses.push("required");
        }
        c.use_(object, &uses);
    }
    for f in &s.fields {
        c.local(&format!("mut {}", f.ident), &w(ctx.std("None")));
    }
    let next_key = call(path("next_key"), vec![map(), w("FIELDS")]).try_();
    let skip = call(path("skip"), vec![map()]).try_();
    if s.fields.is_empty() {
        c.while_("", "", &next_key.method("is_some", vec![]), |c| c.stmt(&skip));
        c.tail(&call(ctx.std("Ok"), vec![Expr::Struct(name.to_owned(), Vec::new())]));
        return;
    }
    c.while_(ctx.std("Some"), "__key", &next_key, |c| {
        let mut arms: Vec<(String, Expr)> = s
            .fields
            .iter()
            .zip(jsons)
            .enumerate()
            .map(|(i, (f, json))| {
                let read = call(path("read"), vec![map(), w(&f.ident).borrow_mut(), w(json.clone())]);
                (i.to_string(), read.try_())
            })
            .collect();
        arms.push(("_".to_owned(), skip.clone()));
        c.match_(&w("__key"), &arms);
    });
    let values = s
        .fields
        .iter()
        .zip(missing)
        .zip(jsons)
        .map(|((f, m), json)| {
            let local = || w(&f.ident);
            let value = match m {
                WhenMissing::Error => call(path("required"), vec![local(), w(json.clone())]).try_(),
                WhenMissing::Default => local().method("unwrap_or_default", vec![]),
                WhenMissing::DefaultFn(p) => local().method("unwrap_or_else", vec![w(p.clone())]),
            };
            (f.ident.clone(), Some(value))
        })
        .collect();
    c.tail(&call(ctx.std("Ok"), vec![Expr::Struct(name.to_owned(), values)]));
}

/// The Rust type of a field, its serde attribute items (for a derive), and
/// what an absent member gives. A spec's `default` becomes a function of
/// `models::defaults`, with the model's gate.
fn field_parts(
    ctx: Ctx<'_>,
    owner: &str,
    f: &Field,
    gate: Option<Gate<'_>>,
    defaults: &mut Vec<String>,
    has_default_fn: &mut bool,
) -> (String, Vec<Meta>, WhenMissing) {
    let option = ctx.std("Option");
    let inner = ctx.type_text(&f.ty);
    let default = || Meta::Word("default".to_owned());
    match f.mode {
        // Lowering puts nullability in the mode, so a required field's type
        // is never an `Option` (which serde would read as `None` when absent).
        FieldMode::Required => (inner, Vec::new(), WhenMissing::Error),
        FieldMode::Nullable => (format!("{option}<{inner}>"), vec![default()], WhenMissing::Default),
        FieldMode::Optional => match &f.default {
            Some(value) => {
                let fn_name = format!("{}_{}", field_name(owner, "type"), f.ident);
                let path = ctx.model(&format!("defaults::{fn_name}"));
                let mut c = Code::new();
                gate_attr(&mut c, gate);
                let sig = Signature {
                    head: &format!("pub(crate) fn {fn_name}"),
                    generics: &[],
                    args: &[],
                    ret: Some(&inner),
                    where_: &[],
                };
                c.fn_(&sig, |c| c.tail(&default_expr(ctx, &f.ty, value)));
                defaults.push(c.finish(1));
                *has_default_fn = true;
                (
                    inner,
                    vec![Meta::NameValue("default".to_owned(), lit(&path))],
                    WhenMissing::DefaultFn(path),
                )
            }
            None => (
                format!("{option}<{inner}>"),
                vec![
                    default(),
                    Meta::NameValue("skip_serializing_if".to_owned(), lit("::std::option::Option::is_none")),
                ],
                WhenMissing::Default,
            ),
        },
        FieldMode::Tristate => (
            format!("{}<{inner}>", ctx.rt("Nullable")),
            vec![
                default(),
                Meta::NameValue(
                    "skip_serializing_if".to_owned(),
                    lit(&format!("{}::is_absent", ctx.rt("Nullable"))),
                ),
            ],
            WhenMissing::Default,
        ),
    }
}

/// The value of a spec's `default`, as the field's type takes it.
fn default_expr(ctx: Ctx<'_>, ty: &TypeRef, v: &Value) -> Expr {
    use proc_macro2::Literal;
    match (ty, v) {
        (_, Value::String(s)) => call(format!("{}::to_string", ctx.std("ToString")), vec![w(lit(s))]),
        (_, Value::Bool(b)) => w(b.to_string()),
        (TypeRef::Prim(crate::ir::Prim::I32), Value::Number(n)) => {
            let n = n.as_i64().and_then(|n| i32::try_from(n).ok()).unwrap_or_default();
            w(Literal::i32_suffixed(n).to_string())
        }
        (TypeRef::Prim(crate::ir::Prim::I64), Value::Number(n)) => {
            w(Literal::i64_suffixed(n.as_i64().unwrap_or_default()).to_string())
        }
        (TypeRef::Prim(crate::ir::Prim::F32), Value::Number(n)) => {
            w(Literal::f32_suffixed(n.as_f64().unwrap_or_default() as f32).to_string())
        }
        (_, Value::Number(n)) => w(Literal::f64_suffixed(n.as_f64().unwrap_or_default()).to_string()),
        _ => call(format!("{}::default", ctx.std("Default")), vec![]),
    }
}

/// `Request::default().email("…")`: a setter per optional field of a request view.
fn setters(ctx: Ctx<'_>, name: &str, s: &Struct, gate: Option<Gate<'_>>) -> Option<String> {
    let tristate: Vec<&Field> = s.fields.iter().filter(|f| f.mode == FieldMode::Tristate).collect();
    if tristate.is_empty() {
        return None;
    }
    let mut c = Code::new();
    gate_attr(&mut c, gate);
    let header = ImplHeader {
        generics: &[],
        trait_: None,
        self_ty: name,
    };
    c.impl_(&header, |c| {
        for f in tristate {
            let field = &f.ident;
            c.docs(&[format!(" Sets `{}`.", f.json.replace('`', "'"))]);
            c.attr_path("must_use");
            let args = [
                "mut self".to_owned(),
                format!("value: impl {}<{}>", ctx.std("Into"), ctx.type_text(&f.ty)),
            ];
            let sig = Signature {
                head: &format!("pub fn {field}"),
                generics: &[],
                args: &args,
                ret: Some("Self"),
                where_: &[],
            };
            c.fn_(&sig, |c| {
                let value = call(ctx.rt("Nullable::Value"), vec![w("value").method("into", vec![])]);
                c.stmt(&Expr::Assign(Box::new(w("self").field(field)), Box::new(value)));
                c.tail(&w("self"));
            });
        }
    });
    Some(c.finish(0))
}
