//! Pieces every emitter uses: identifiers, type paths and doc comments.

use std::cell::Cell;

use proc_macro2::{Ident, Span, TokenStream};
use quote::quote;

use crate::ir::{Prim, TypeDef, TypeKind, TypeRef};

pub(crate) fn ident(name: &str) -> Ident {
    Ident::new(name, Span::call_site())
}

/// Code the emitter spelled as text (a type, an expression), as tokens for
/// the items still built as tokens: each is spelled once, by the text
/// functions. Text that does not lex is a generator bug, and says so where
/// the compiler will show it.
pub(crate) fn tokens(text: &str) -> TokenStream {
    text.parse().unwrap_or_else(|e| {
        let bug = format!("generator bug: `{text}` does not lex: {e}");
        quote!(::core::compile_error!(#bug))
    })
}

/// [`type_text`] as tokens.
pub(crate) fn type_tokens(t: &TypeRef) -> TokenStream {
    tokens(&type_text(t))
}

/// The fully qualified type of a reference: emitted code never relies on
/// what is in scope, so a schema called `Option` or `Box` breaks nothing.
pub(crate) fn type_text(t: &TypeRef) -> String {
    match t {
        TypeRef::Named(n) => format!("crate::models::{n}"),
        TypeRef::Boxed(inner) => format!("{}<{}>", std_text("Box"), type_text(inner)),
        TypeRef::Prim(p) => match p {
            Prim::String => std_text("String").to_owned(),
            Prim::Bool => "bool".to_owned(),
            Prim::I32 => "i32".to_owned(),
            Prim::I64 => "i64".to_owned(),
            Prim::F32 => "f32".to_owned(),
            Prim::F64 => "f64".to_owned(),
            Prim::Uuid => "::uuid::Uuid".to_owned(),
            Prim::DateTime => "::chrono::DateTime<::chrono::FixedOffset>".to_owned(),
            Prim::Date => "::chrono::NaiveDate".to_owned(),
            Prim::Base64 => "crate::runtime::Base64".to_owned(),
        },
        TypeRef::Vec(inner) => format!("{}<{}>", std_text("Vec"), type_text(inner)),
        TypeRef::Map(inner) => format!(
            "::std::collections::BTreeMap<{}, {}>",
            std_text("String"),
            type_text(inner)
        ),
        TypeRef::Option(inner) => format!("{}<{}>", std_text("Option"), type_text(inner)),
        TypeRef::Any => "::serde_json::Value".to_owned(),
    }
}

/// The type as a user writes it outside the crate, for doc examples.
pub(crate) fn type_string(t: &TypeRef, krate: &str) -> String {
    match t {
        TypeRef::Named(n) => format!("{krate}::models::{n}"),
        TypeRef::Boxed(i) => format!("Box<{}>", type_string(i, krate)),
        TypeRef::Prim(p) => match p {
            Prim::String => "String".to_owned(),
            Prim::Bool => "bool".to_owned(),
            Prim::I32 => "i32".to_owned(),
            Prim::I64 => "i64".to_owned(),
            Prim::F32 => "f32".to_owned(),
            Prim::F64 => "f64".to_owned(),
            Prim::Uuid => "uuid::Uuid".to_owned(),
            Prim::DateTime => "chrono::DateTime<chrono::FixedOffset>".to_owned(),
            Prim::Date => "chrono::NaiveDate".to_owned(),
            Prim::Base64 => format!("{krate}::Base64"),
        },
        TypeRef::Vec(i) => format!("Vec<{}>", type_string(i, krate)),
        TypeRef::Map(i) => format!("std::collections::BTreeMap<String, {}>", type_string(i, krate)),
        TypeRef::Option(i) => format!("Option<{}>", type_string(i, krate)),
        TypeRef::Any => "serde_json::Value".to_owned(),
    }
}

/// Doc attributes for `text`. Code blocks without a language become `text`
/// blocks and indentation is dropped, so rustdoc never compiles a spec's
/// prose as a doc test.
pub(crate) fn doc_attrs(text: Option<&str>) -> TokenStream {
    let Some(text) = text else {
        return TokenStream::new();
    };
    let lines = doc_lines(text);
    quote!(#(#[doc = #lines])*)
}

pub(crate) fn doc_lines(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut fence: Option<String> = None;
    // A lone CR ends a line too (old Mac text): rustc refuses a bare CR
    // inside a doc comment.
    let text = text.replace("\r\n", "\n");
    let text = text.trim();
    if text.is_empty() {
        return out;
    }
    for raw in text.split(['\n', '\r']) {
        let line = raw.trim_end();
        let trimmed = line.trim_start();
        if let Some(marker) = ["```", "~~~"].into_iter().find(|m| trimmed.starts_with(m)) {
            match &fence {
                Some(open) if open == marker => {
                    fence = None;
                    out.push(format!(" {marker}"));
                }
                Some(_) => out.push(format!(" {trimmed}")),
                None => {
                    fence = Some(marker.to_owned());
                    let info = trimmed[marker.len()..].trim();
                    let info = if info.is_empty() || info.starts_with("rust") {
                        "text"
                    } else {
                        info
                    };
                    out.push(format!(" {marker}{info}"));
                }
            }
            continue;
        }
        if fence.is_some() {
            out.push(format!(" {line}"));
        } else if trimmed.is_empty() {
            out.push(String::new());
        } else {
            out.push(format!(" {trimmed}"));
        }
    }
    if let Some(open) = fence {
        out.push(format!(" {open}"));
    }
    out
}

/// Looks a named type up in the sorted IR list.
pub(crate) fn find<'a>(types: &'a [TypeDef], name: &str) -> Option<&'a TypeDef> {
    types
        .binary_search_by(|t| t.name.as_str().cmp(name))
        .ok()
        .map(|i| &types[i])
}

/// How a value of type `t` (in `v`, a reference) is written into a URL or
/// header: RFC 3339 for date-times, `Display` for everything else.
pub(crate) fn text_of(t: &TypeRef, types: &[TypeDef], v: &str) -> String {
    match t {
        TypeRef::Prim(Prim::DateTime) => format!("::chrono::DateTime::to_rfc3339({v})"),
        TypeRef::Prim(Prim::String) => format!("{}::clone({v})", std_text("String")),
        TypeRef::Named(n) => match find(types, n).map(|d| &d.kind) {
            Some(TypeKind::Alias(inner)) => text_of(inner, types, v),
            _ => format!("{}::to_string({v})", std_text("ToString")),
        },
        _ => format!("{}::to_string({v})", std_text("ToString")),
    }
}

pub(crate) use crate::naming::PRELUDE;

/// Whether every variant of a union is written as one piece of text: such
/// a union can be a parameter, and gets `Display`.
pub(crate) fn scalar_union(variants: &[crate::ir::Variant], types: &[TypeDef]) -> bool {
    variants.iter().all(|v| crate::ir::is_text(&v.ty, &|n| find(types, n)))
}

thread_local! {
    /// Whether the file being emitted may name the prelude unqualified.
    static SHORT: Cell<bool> = const { Cell::new(false) };
}

/// Emits with prelude names short (`Option`) or fully qualified
/// (`::std::option::Option`, when a model shadows the prelude).
pub(crate) fn with_prelude<T>(short: bool, f: impl FnOnce() -> T) -> T {
    let before = SHORT.with(|c| c.replace(short));
    let out = f();
    SHORT.with(|c| c.set(before));
    out
}

/// A prelude item, short when that is safe: `Option`, `Some`, `ToString`, …
pub(crate) fn std(name: &str) -> TokenStream {
    let path = std_text(name);
    let mut out = TokenStream::new();
    for (i, segment) in path.split("::").enumerate() {
        if i > 0 {
            out.extend(quote!(::));
        }
        if !segment.is_empty() {
            let segment = ident(segment);
            out.extend(quote!(#segment));
        }
    }
    out
}

/// [`std`] as text, for the items written as text.
pub(crate) fn std_text(name: &str) -> &str {
    if SHORT.with(Cell::get) {
        return name;
    }
    match name {
        "Option" => "::std::option::Option",
        "Some" => "::std::option::Option::Some",
        "None" => "::std::option::Option::None",
        "Result" => "::std::result::Result",
        "Ok" => "::std::result::Result::Ok",
        "Err" => "::std::result::Result::Err",
        "String" => "::std::string::String",
        "ToString" => "::std::string::ToString",
        "Vec" => "::std::vec::Vec",
        "Box" => "::std::boxed::Box",
        "Into" => "::std::convert::Into",
        "From" => "::std::convert::From",
        "Clone" => "::std::clone::Clone",
        "Default" => "::std::default::Default",
        "IntoIterator" => "::std::iter::IntoIterator",
        "Send" => "::std::marker::Send",
        _ => name,
    }
}

#[cfg(test)]
mod tests {
    use super::{doc_lines, tokens};

    #[test]
    fn every_line_ending_ends_a_doc_line() {
        assert_eq!(doc_lines("a\rb\r\nc\nd"), [" a", " b", " c", " d"]);
        assert!(doc_lines(" \r\n").is_empty());
    }

    #[test]
    fn text_that_does_not_lex_becomes_a_compile_error_naming_it() {
        assert_eq!(tokens("crate::models::Pet").to_string(), "crate :: models :: Pet");
        let bug = tokens("\"open").to_string();
        assert!(bug.starts_with(":: core :: compile_error !"), "{bug}");
        assert!(bug.contains("generator bug: `\\\"open` does not lex"), "{bug}");
    }
}
