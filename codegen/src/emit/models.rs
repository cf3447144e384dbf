//! `models.rs`: one Rust type per named schema.

use proc_macro2::TokenStream;
use quote::quote;
use serde_json::Value;

use super::Piece;
use super::common::{
    doc_attrs, doc_lines, ident, scalar_union, std, std_text, text_of, tokens, type_text, type_tokens,
};
use super::text::{Lines, lit};
use crate::ir::{Field, FieldMode, Ir, PageShape, Struct, TypeDef, TypeKind, TypeRef};
use crate::naming::{Namespace, field_name};

use super::features::Gates;

/// The models of `types` (a run of `ir.types`), and the functions that give
/// their fields' defaults: the first run carries the file's own doc. Any
/// split of `ir.types` into runs, formatted apart and joined in order with the
/// defaults spliced into one module, gives the text of the whole file.
pub(crate) fn models(
    ir: &Ir,
    types: &[TypeDef],
    first: bool,
    gates: &Gates,
) -> (Vec<(Piece, Option<TokenStream>)>, Option<TokenStream>) {
    let mut defaults = Vec::new();
    let mut items: Vec<(Piece, Option<TokenStream>)> = Vec::with_capacity(2 * types.len() + 1);
    for t in types {
        let gate = gates.model(&t.name);
        let mut own_defaults = Vec::new();
        let (tokens, text) = type_def(t, &ir.types, &mut own_defaults);
        if !text.is_empty() {
            items.push((Piece::Text(text), gate.clone()));
        }
        if !tokens.is_empty() {
            items.push((Piece::Tokens(tokens), gate.clone()));
        }
        // A default's function is compiled with its model, or it would
        // name a type that is not there.
        defaults.extend(own_defaults.into_iter().map(|d| quote!(#gate #d)));
    }
    let defaults_mod = (!defaults.is_empty()).then(|| {
        quote! {
            /// Values the spec gives as `default` for fields left out of a response.
            pub(crate) mod defaults {
                #(#defaults)*
            }
        }
    });
    let file_doc = first.then(|| {
        quote! {
            //! The schemas of the spec as Rust types.
        }
    });
    items.insert(0, (Piece::Tokens(quote!(#file_doc)), None));
    (items, defaults_mod)
}

/// A model's items: as text (a struct and its impls), and as tokens (every
/// other kind of model, and a page's impl).
fn type_def(t: &TypeDef, all_types: &[TypeDef], defaults: &mut Vec<TokenStream>) -> (TokenStream, Vec<String>) {
    let err = std("Err");
    let from = std("From");
    let none = std("None");
    let ok = std("Ok");
    let result = std("Result");
    let some = std("Some");
    let string = std("String");
    let to_string = {
        let t = std("ToString");
        quote!(#t::to_string)
    };
    let name = ident(&t.name);
    let doc = doc_attrs(t.doc.as_deref());
    let mut text = Vec::new();
    let body = match &t.kind {
        TypeKind::Struct(s) => {
            let doc = t.doc.as_deref().map(doc_lines).unwrap_or_default();
            text = struct_def(&t.name, s, &doc, defaults);
            TokenStream::new()
        }
        TypeKind::StringEnum(variants) => {
            let idents: Vec<_> = variants.iter().map(|v| ident(&v.ident)).collect();
            let values: Vec<_> = variants.iter().map(|v| v.value.as_str()).collect();
            let value_docs: Vec<String> = variants
                .iter()
                .map(|v| format!(" `{}`", v.value.replace('`', "'").replace(['\r', '\n'], " ")))
                .collect();
            let unknown = ident(&unknown_name(variants.iter().map(|v| v.ident.as_str())));
            quote! {
                #doc
                #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
                pub enum #name {
                    #(#[doc = #value_docs] #idents,)*
                    /// A value the spec does not list, kept as sent.
                    #unknown(#string),
                }
                impl #name {
                    /// The value as it is written in JSON.
                    pub fn as_str(&self) -> &str {
                        match self {
                            #(Self::#idents => #values,)*
                            Self::#unknown(v) => v.as_str(),
                        }
                    }
                }
                impl #from<&str> for #name {
                    fn from(value: &str) -> Self {
                        match value {
                            #(#values => Self::#idents,)*
                            other => Self::#unknown(#to_string(other)),
                        }
                    }
                }
                impl ::std::str::FromStr for #name {
                    type Err = ::std::convert::Infallible;
                    fn from_str(value: &str) -> #result<Self, Self::Err> {
                        #ok(Self::from(value))
                    }
                }
                impl ::std::fmt::Display for #name {
                    fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                        f.write_str(self.as_str())
                    }
                }
                impl ::serde::Serialize for #name {
                    fn serialize<S: ::serde::Serializer>(&self, serializer: S) -> #result<S::Ok, S::Error> {
                        serializer.serialize_str(self.as_str())
                    }
                }
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
            let value_docs: Vec<String> = variants.iter().map(|v| format!(" `{}`", v.value)).collect();
            let unknown = ident(&unknown_name(variants.iter().map(|v| v.ident.as_str())));
            quote! {
                #doc
                #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
                pub enum #name {
                    #(#[doc = #value_docs] #idents,)*
                    /// A value the spec does not list, kept as sent.
                    #unknown(i64),
                }
                impl #name {
                    /// The value as it is written in JSON.
                    pub fn value(&self) -> i64 {
                        match self {
                            #(Self::#idents => #values,)*
                            Self::#unknown(v) => *v,
                        }
                    }
                }
                impl #from<i64> for #name {
                    fn from(value: i64) -> Self {
                        match value {
                            #(#values => Self::#idents,)*
                            other => Self::#unknown(other),
                        }
                    }
                }
                impl ::std::fmt::Display for #name {
                    fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                        ::std::fmt::Display::fmt(&self.value(), f)
                    }
                }
                impl ::serde::Serialize for #name {
                    fn serialize<S: ::serde::Serializer>(&self, serializer: S) -> #result<S::Ok, S::Error> {
                        serializer.serialize_i64(self.value())
                    }
                }
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
            let types: Vec<_> = variants.iter().map(|v| type_tokens(&v.ty)).collect();
            // A union of scalars can be a parameter: it shows as the value it holds.
            let display = scalar_union(variants, all_types).then(|| {
                let texts: Vec<_> = variants
                    .iter()
                    .map(|v| tokens(&text_of(&v.ty, all_types, "v")))
                    .collect();
                quote! {
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
            let types: Vec<_> = variants.iter().map(|v| type_tokens(&v.ty)).collect();
            let tags: Vec<_> = variants.iter().map(|v| v.tag.as_str()).collect();
            let tag_docs: Vec<String> = variants
                .iter()
                .map(|v| {
                    format!(
                        " `{property}` is `{}`.",
                        v.tag.replace('`', "'").replace(['\r', '\n'], " ")
                    )
                })
                .collect();
            let unknown = ident(&unknown_name(variants.iter().map(|v| v.ident.as_str())));
            let missing = format!("missing or non-string discriminator `{property}`");
            quote! {
                #doc
                ///
                #[doc = concat!(" Which variant a value is depends on its `", #property, "` property.")]
                #[derive(Debug, Clone, PartialEq)]
                pub enum #name {
                    #(#[doc = #tag_docs] #idents(#types),)*
                    /// A discriminator value the spec does not list, kept as sent.
                    #unknown(::serde_json::Value),
                }
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
            let target = type_tokens(target);
            quote! {
                #doc
                pub type #name = #target;
            }
        }
        TypeKind::Newtype(target) => {
            let target = type_tokens(target);
            quote! {
                #doc
                #[derive(Debug, Clone, PartialEq, ::serde::Serialize, ::serde::Deserialize)]
                #[serde(transparent)]
                pub struct #name(pub #target);
            }
        }
    };
    text.extend(t.page.as_ref().map(|p| page_impl(&t.name, p)));
    (body, text)
}

/// The catch-all variant's name: `Unknown`, unless a listed value took it.
fn unknown_name<'a>(taken: impl Iterator<Item = &'a str>) -> String {
    let mut ns = Namespace::default();
    for t in taken {
        ns.claim(t);
    }
    ns.claim("Unknown")
}

fn page_impl(name: &str, p: &PageShape) -> String {
    let value = if p.value_optional {
        format!("self.{}.unwrap_or_default()", p.value_field)
    } else {
        format!("self.{}", p.value_field)
    };
    let next = if p.next_optional {
        format!("self.{}", p.next_field)
    } else {
        format!("{}(self.{})", std_text("Some"), p.next_field)
    };
    let mut l = Lines::new();
    l.line(0, &format!("impl crate::runtime::Page for {name} {{"));
    l.line(1, &format!("type Item = {};", type_text(&p.item)));
    l.fit(
        1,
        "fn into_parts(",
        &["self".to_owned()],
        &format!(
            ") -> ({}<Self::Item>, {}<{}>) {{",
            std_text("Vec"),
            std_text("Option"),
            std_text("String")
        ),
    );
    l.line(2, &format!("({value}, {next})"));
    l.line(1, "}");
    l.line(0, "}");
    l.finish()
}

/// A struct, its setters and (unless derived) its serde impls, as text.
fn struct_def(name: &str, s: &Struct, doc: &[String], defaults: &mut Vec<TokenStream>) -> Vec<String> {
    // A struct that captures unlisted members keeps the derive (serde's
    // `flatten`); every other one gets the compact impls of `serde_impls`.
    let derive_serde = s.additional.is_some();
    let mut l = Lines::new();
    let mut has_default_fn = false;
    let mut missing = Vec::new();
    let mut fields = Lines::new();
    for f in &s.fields {
        let (ty, attr, when_missing) = field_parts(name, f, defaults, &mut has_default_fn);
        missing.push(when_missing);
        let mut doc_text = f.doc.clone().unwrap_or_default();
        if let Some(note) = f.note {
            if !doc_text.is_empty() {
                doc_text.push_str("\n\n");
            }
            doc_text.push_str(note);
        }
        if !doc_text.is_empty() {
            fields.doc(1, &doc_lines(&doc_text));
        }
        if derive_serde {
            if f.ident != f.json {
                fields.line(1, &format!("#[serde(rename = {})]", lit(&f.json)));
            }
            if let Some(attr) = attr {
                fields.line(1, &attr);
            }
        }
        fields.line(1, &format!("pub {}: {ty},", f.ident));
    }
    if let Some((field, ty)) = &s.additional {
        fields.line(1, "/// Properties the schema does not list.");
        fields.line(1, "#[serde(flatten)]");
        fields.line(
            1,
            &format!(
                "pub {field}: ::std::collections::BTreeMap<{}, {}>,",
                std_text("String"),
                type_text(ty)
            ),
        );
    }
    l.doc(0, doc);
    if s.request {
        l.line(0, "///");
        l.line(0, "/// The request view: read-only properties are left out, and each");
        l.line(0, "/// optional field is sent only when set (see [`crate::Nullable`]).");
    }
    let mut derives = vec!["Debug", "Clone", "PartialEq"];
    if s.all_optional() && !has_default_fn {
        derives.push("Default");
    }
    if derive_serde {
        derives.extend(["::serde::Serialize", "::serde::Deserialize"]);
    }
    l.line(0, &format!("#[derive({})]", derives.join(", ")));
    if s.fields.is_empty() && s.additional.is_none() {
        l.line(0, &format!("pub struct {name} {{}}"));
    } else {
        l.line(0, &format!("pub struct {name} {{"));
        l.raw(&fields.finish());
        l.line(0, "}");
    }
    let mut items = vec![l.finish()];
    if s.request {
        items.extend(setters(name, s));
    }
    if !derive_serde {
        items.extend(serde_impls(name, s, &missing));
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

/// `Serialize` and `Deserialize` of a struct, written out rather than
/// derived: a table of member names and one short line per field, calling
/// the runtime's `object` functions, which are generic over the field's
/// type only and so compiled once per type for the whole crate. A derive
/// inlines all of that into every struct, and on a spec of hundreds of
/// schemas is most of the crate's compile time. The JSON is the derive's.
///
/// Written as text, two items: the same few shapes for every struct, and
/// a third of a large crate's lines, which as tokens would be most of the
/// generator's time (parsed, then printed).
fn serde_impls(name: &str, s: &Struct, missing: &[WhenMissing]) -> Vec<String> {
    vec![serialize_impl(name, s), deserialize_impl(name, s, missing)]
}

/// Whether a field is left out of the JSON when `None`.
fn optional(f: &Field) -> bool {
    f.mode == FieldMode::Optional && f.default.is_none()
}

fn serialize_impl(name: &str, s: &Struct) -> String {
    let result = std_text("Result");
    let mut l = Lines::new();
    l.line(0, &format!("impl ::serde::Serialize for {name} {{"));
    l.fit(
        1,
        "fn serialize<S: ::serde::Serializer>(",
        &["&self".to_owned(), "serializer: S".to_owned()],
        &format!(") -> {result}<S::Ok, S::Error> {{"),
    );
    l.line(2, "use ::serde::ser::SerializeStruct as _;");
    let type_name = lit(name);
    if s.fields.is_empty() {
        l.line(2, &format!("serializer.serialize_struct({type_name}, 0)?.end()"));
    } else {
        let mut uses = Vec::new();
        let present: Vec<String> = s
            .fields
            .iter()
            .filter_map(|f| {
                if optional(f) {
                    Some(format!("self.{}.is_some()", f.ident))
                } else if f.mode == FieldMode::Tristate {
                    Some(format!("!self.{}.is_absent()", f.ident))
                } else {
                    None
                }
            })
            .collect();
        let always = s.fields.len() - present.len();
        if !present.is_empty() {
            uses.push("count".to_owned());
        }
        if s.fields.iter().any(optional) {
            uses.push("optional".to_owned());
        }
        if s.fields.iter().any(|f| f.mode == FieldMode::Tristate) {
            uses.push("tristate".to_owned());
        }
        if !uses.is_empty() {
            l.fit(2, "use crate::runtime::object::{", &uses, "};");
        }
        let len = if present.is_empty() {
            always.to_string()
        } else {
            let plus = if always > 0 {
                format!("{always} + ")
            } else {
                String::new()
            };
            l.fit(2, &format!("let __len = {plus}count(&["), &present, "]);");
            "__len".to_owned()
        };
        l.fit(
            2,
            "let mut __s = serializer.serialize_struct(",
            &[type_name, len],
            ")?;",
        );
        for f in &s.fields {
            let json = lit(&f.json);
            let field = format!("&self.{}", f.ident);
            if optional(f) {
                l.fit(2, "optional(", &["&mut __s".to_owned(), json, field], ")?;");
            } else if f.mode == FieldMode::Tristate {
                l.fit(2, "tristate(", &["&mut __s".to_owned(), json, field], ")?;");
            } else {
                l.fit(2, "__s.serialize_field(", &[json, field], ")?;");
            }
        }
        l.line(2, "__s.end()");
    }
    l.line(1, "}");
    l.line(0, "}");
    l.finish()
}

fn deserialize_impl(name: &str, s: &Struct, missing: &[WhenMissing]) -> String {
    let result = std_text("Result");
    let ok = std_text("Ok");
    let some = std_text("Some");
    let none = std_text("None");
    // The runtime's functions are imported by name, unless a field's local
    // would shadow one: then every call is written with its path.
    const DE_FNS: [&str; 4] = ["next_key", "skip", "read", "required"];
    let shadowed = s.fields.iter().any(|f| DE_FNS.contains(&f.ident.as_str()));
    let at = if shadowed { "crate::runtime::object::" } else { "" };

    let mut l = Lines::new();
    l.line(0, &format!("impl<'de> ::serde::Deserialize<'de> for {name} {{"));
    l.fit(
        1,
        "fn deserialize<D: ::serde::Deserializer<'de>>(",
        &["deserializer: D".to_owned()],
        &format!(") -> {result}<Self, D::Error> {{"),
    );
    l.line(2, "// Read as a map: for JSON the same as a struct without the array");
    l.line(2, "// form, which an object schema does not allow, and a fraction of");
    l.line(2, "// the code to compile.");
    let jsons: Vec<String> = s.fields.iter().map(|f| lit(&f.json)).collect();
    l.fit(2, "const FIELDS: &[&str] = &[", &jsons, "];");
    l.line(2, "struct __Visitor;");
    l.line(2, "impl<'de> ::serde::de::Visitor<'de> for __Visitor {");
    l.line(3, &format!("type Value = {name};"));
    l.fit(
        3,
        "fn expecting(",
        &["&self".to_owned(), "f: &mut ::std::fmt::Formatter<'_>".to_owned()],
        ") -> ::std::fmt::Result {",
    );
    l.line(4, &format!("f.write_str({})", lit(&format!("struct {name}"))));
    l.line(3, "}");
    l.fit(
        3,
        "fn visit_map<A: ::serde::de::MapAccess<'de>>(",
        &["self".to_owned(), "mut __map: A".to_owned()],
        &format!(") -> {result}<{name}, A::Error> {{"),
    );
    if !shadowed {
        let mut uses = vec!["next_key".to_owned(), "skip".to_owned()];
        if !s.fields.is_empty() {
            uses.push("read".to_owned());
        }
        if missing.iter().any(|m| matches!(m, WhenMissing::Error)) {
            uses.push("required".to_owned());
        }
        l.fit(4, "use crate::runtime::object::{", &uses, "};");
    }
    for f in &s.fields {
        l.line(4, &format!("let mut {} = {none};", f.ident));
    }
    if s.fields.is_empty() {
        l.line(4, &format!("while {at}next_key(&mut __map, FIELDS)?.is_some() {{"));
        l.line(5, &format!("{at}skip(&mut __map)?;"));
    } else {
        l.line(
            4,
            &format!("while let {some}(__key) = {at}next_key(&mut __map, FIELDS)? {{"),
        );
        l.line(5, "match __key {");
        for (i, (f, json)) in s.fields.iter().zip(&jsons).enumerate() {
            l.fit(
                6,
                &format!("{i} => {at}read("),
                &["&mut __map".to_owned(), format!("&mut {}", f.ident), json.clone()],
                ")?,",
            );
        }
        l.line(6, &format!("_ => {at}skip(&mut __map)?,"));
        l.line(5, "}");
    }
    l.line(4, "}");
    if s.fields.is_empty() {
        l.line(4, &format!("{ok}({name} {{}})"));
    } else {
        l.line(4, &format!("{ok}({name} {{"));
        for ((f, m), json) in s.fields.iter().zip(missing).zip(&jsons) {
            let field = &f.ident;
            match m {
                WhenMissing::Error => {
                    l.fit(
                        5,
                        &format!("{field}: {at}required("),
                        &[field.clone(), json.clone()],
                        ")?,",
                    );
                }
                WhenMissing::Default => l.line(5, &format!("{field}: {field}.unwrap_or_default(),")),
                WhenMissing::DefaultFn(path) => {
                    l.fit(
                        5,
                        &format!("{field}: {field}.unwrap_or_else("),
                        std::slice::from_ref(path),
                        "),",
                    );
                }
            }
        }
        l.line(4, "})");
    }
    l.line(3, "}");
    l.line(2, "}");
    l.line(2, "deserializer.deserialize_map(__Visitor)");
    l.line(1, "}");
    l.line(0, "}");
    l.finish()
}

/// The Rust type of a field, its serde attribute (for a derive), and what
/// an absent member gives.
fn field_parts(
    owner: &str,
    f: &Field,
    defaults: &mut Vec<TokenStream>,
    has_default_fn: &mut bool,
) -> (String, Option<String>, WhenMissing) {
    let option = std_text("Option");
    let inner = type_text(&f.ty);
    match f.mode {
        // Lowering puts nullability in the mode, so a required field's type
        // is never an `Option` (which serde would read as `None` when absent).
        FieldMode::Required => (inner, None, WhenMissing::Error),
        FieldMode::Nullable => (
            format!("{option}<{inner}>"),
            Some("#[serde(default)]".to_owned()),
            WhenMissing::Default,
        ),
        FieldMode::Optional => match &f.default {
            Some(value) => {
                let fn_name = format!("{}_{}", field_name(owner, "type"), f.ident);
                let fn_ident = ident(&fn_name);
                let path = format!("crate::models::defaults::{fn_name}");
                let expr = default_expr(&f.ty, value);
                let inner_tokens = type_tokens(&f.ty);
                defaults.push(quote! {
                    pub(crate) fn #fn_ident() -> #inner_tokens { #expr }
                });
                *has_default_fn = true;
                let attr = format!("#[serde(default = {})]", lit(&path));
                (inner, Some(attr), WhenMissing::DefaultFn(path))
            }
            None => (
                format!("{option}<{inner}>"),
                Some("#[serde(default, skip_serializing_if = \"::std::option::Option::is_none\")]".to_owned()),
                WhenMissing::Default,
            ),
        },
        FieldMode::Tristate => (
            format!("crate::runtime::Nullable<{inner}>"),
            Some("#[serde(default, skip_serializing_if = \"crate::runtime::Nullable::is_absent\")]".to_owned()),
            WhenMissing::Default,
        ),
    }
}

fn default_expr(ty: &TypeRef, v: &Value) -> TokenStream {
    let default = {
        let d = std("Default");
        quote!(#d::default)
    };
    let to_string = {
        let t = std("ToString");
        quote!(#t::to_string)
    };
    match (ty, v) {
        (_, Value::String(s)) => quote!(#to_string(#s)),
        (_, Value::Bool(b)) => quote!(#b),
        (TypeRef::Prim(crate::ir::Prim::I32), Value::Number(n)) => {
            let n = n.as_i64().and_then(|n| i32::try_from(n).ok()).unwrap_or_default();
            quote!(#n)
        }
        (TypeRef::Prim(crate::ir::Prim::I64), Value::Number(n)) => {
            let n = n.as_i64().unwrap_or_default();
            quote!(#n)
        }
        (TypeRef::Prim(crate::ir::Prim::F32), Value::Number(n)) => {
            let n = n.as_f64().unwrap_or_default() as f32;
            quote!(#n)
        }
        (_, Value::Number(n)) => {
            let n = n.as_f64().unwrap_or_default();
            quote!(#n)
        }
        _ => quote!(#default()),
    }
}

/// `Request::default().email("…")`: a setter per optional field of a request view.
fn setters(name: &str, s: &Struct) -> Option<String> {
    let into = std_text("Into");
    let mut l = Lines::new();
    l.line(0, &format!("impl {name} {{"));
    let mut any = false;
    for f in s.fields.iter().filter(|f| f.mode == FieldMode::Tristate) {
        any = true;
        let field = &f.ident;
        l.doc(1, &[format!(" Sets `{}`.", f.json.replace('`', "'"))]);
        l.line(1, "#[must_use]");
        l.fit(
            1,
            &format!("pub fn {field}("),
            &[
                "mut self".to_owned(),
                format!("value: impl {into}<{}>", type_text(&f.ty)),
            ],
            ") -> Self {",
        );
        l.line(
            2,
            &format!("self.{field} = crate::runtime::Nullable::Value(value.into());"),
        );
        l.line(2, "self");
        l.line(1, "}");
    }
    l.line(0, "}");
    any.then(|| l.finish())
}
