//! What every writer of the emitter reads ([`Ctx`]) and the pieces they
//! share: identifiers, types and values spelled as text, doc lines.

use proc_macro2::{Ident, Span, TokenStream};
use quote::quote;

use super::features::Gates;
use super::text::{Expr, call, w};
use crate::ir::{Ir, Prim, TypeDef, TypeKind, TypeRef};

/// What every writer of the emitter reads: the IR, the feature gates, how
/// the prelude is named in the file being written, and the path every path
/// of the emitted code starts from. Nothing an emitter does depends on
/// anything else.
#[derive(Clone, Copy)]
pub(crate) struct Ctx<'a> {
    pub(crate) ir: &'a Ir,
    pub(crate) gates: &'a Gates,
    /// The prelude is named short (`Option`); `false` in a file where a
    /// model shadows one of its names (`::std::option::Option`).
    pub(crate) short: bool,
    /// `crate`, or the module a build script's crate includes the client
    /// in (`crate::api`).
    pub(crate) root: &'a str,
    /// The crate's name as code names it (`bc_api`), for doc examples.
    pub(crate) krate: &'a str,
    /// A build script's module: doc examples are not compiled (they name
    /// a crate that is not there).
    pub(crate) module: bool,
}

impl<'a> Ctx<'a> {
    /// The same, for a file that names the prelude short or not.
    pub(crate) fn with_short(self, short: bool) -> Ctx<'a> {
        Ctx { short, ..self }
    }

    pub(crate) fn types(&self) -> &'a [TypeDef] {
        &self.ir.types
    }

    /// An item of the emitted crate's root: `crate::Client`.
    pub(crate) fn item(&self, name: &str) -> String {
        format!("{}::{name}", self.root)
    }

    /// A model: `crate::models::Pet`.
    pub(crate) fn model(&self, name: &str) -> String {
        format!("{}::models::{name}", self.root)
    }

    /// An item of the runtime: `crate::runtime::Call`.
    pub(crate) fn rt(&self, name: &str) -> String {
        format!("{}::runtime::{name}", self.root)
    }

    /// A prelude item, short where that is safe: `Option`, `Some`, `ToString`, …
    pub(crate) fn std(&self, name: &'static str) -> &'static str {
        if self.short {
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

    /// The fully qualified type of a reference: emitted code never relies
    /// on what is in scope, so a schema called `Option` or `Box` breaks
    /// nothing.
    pub(crate) fn type_text(&self, t: &TypeRef) -> String {
        match t {
            TypeRef::Named(n) => self.model(n),
            TypeRef::Boxed(inner) => format!("{}<{}>", self.std("Box"), self.type_text(inner)),
            TypeRef::Prim(p) => match p {
                Prim::String => self.std("String").to_owned(),
                Prim::Bool => "bool".to_owned(),
                Prim::I32 => "i32".to_owned(),
                Prim::I64 => "i64".to_owned(),
                Prim::F32 => "f32".to_owned(),
                Prim::F64 => "f64".to_owned(),
                Prim::Uuid => "::uuid::Uuid".to_owned(),
                Prim::DateTime => "::chrono::DateTime<::chrono::FixedOffset>".to_owned(),
                Prim::Date => "::chrono::NaiveDate".to_owned(),
                Prim::Base64 => self.rt("Base64"),
            },
            TypeRef::Vec(inner) => format!("{}<{}>", self.std("Vec"), self.type_text(inner)),
            TypeRef::Map(inner) => format!(
                "::std::collections::BTreeMap<{}, {}>",
                self.std("String"),
                self.type_text(inner)
            ),
            TypeRef::Option(inner) => format!("{}<{}>", self.std("Option"), self.type_text(inner)),
            TypeRef::Any => "::serde_json::Value".to_owned(),
        }
    }

    /// How a value of type `t` (`v`, a reference) is written into a URL or
    /// header: RFC 3339 for date-times, `Display` for everything else.
    pub(crate) fn text_of(&self, t: &TypeRef, v: Expr) -> Expr {
        match t {
            TypeRef::Prim(Prim::DateTime) => call("::chrono::DateTime::to_rfc3339", vec![v]),
            TypeRef::Prim(Prim::String) => call(format!("{}::clone", self.std("String")), vec![v]),
            TypeRef::Named(n) => match find(self.types(), n).map(|d| &d.kind) {
                Some(TypeKind::Alias(inner)) => self.text_of(inner, v),
                _ => call(format!("{}::to_string", self.std("ToString")), vec![v]),
            },
            // A nullable member of a union: its text, or nothing for null.
            TypeRef::Option(inner) => v
                .method("as_ref", vec![])
                .method(
                    "map",
                    vec![Expr::Closure("x".into(), Box::new(self.text_of(inner, w("x"))))],
                )
                .method("unwrap_or_default", vec![]),
            _ => call(format!("{}::to_string", self.std("ToString")), vec![v]),
        }
    }

    /// The type as a user writes it outside the crate, for doc examples.
    pub(crate) fn type_string(&self, t: &TypeRef) -> String {
        let krate = self.krate;
        match t {
            TypeRef::Named(n) => format!("{krate}::models::{n}"),
            TypeRef::Boxed(i) => format!("Box<{}>", self.type_string(i)),
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
            TypeRef::Vec(i) => format!("Vec<{}>", self.type_string(i)),
            TypeRef::Map(i) => format!("std::collections::BTreeMap<String, {}>", self.type_string(i)),
            TypeRef::Option(i) => format!("Option<{}>", self.type_string(i)),
            TypeRef::Any => "serde_json::Value".to_owned(),
        }
    }

    /// Whether every variant of a union is written as one piece of text:
    /// such a union can be a parameter, and gets `Display`.
    pub(crate) fn scalar_union(&self, variants: &[crate::ir::Variant]) -> bool {
        variants
            .iter()
            .all(|v| crate::ir::is_text(&v.ty, &|n| find(self.types(), n)))
    }
}

pub(crate) fn ident(name: &str) -> Ident {
    Ident::new(name, Span::call_site())
}

/// Code spelled as text (a lint path, a type), as tokens for `lib.rs`,
/// the one file built as tokens. Text that does not lex is a generator
/// bug, and says so where the compiler will show it.
pub(crate) fn tokens(text: &str) -> TokenStream {
    text.parse().unwrap_or_else(|e| {
        let bug = format!("generator bug: `{text}` does not lex: {e}");
        quote!(::core::compile_error!(#bug))
    })
}

/// Doc comment lines of `text`. Code blocks without a language become
/// `text` blocks and indentation is dropped, so rustdoc never compiles a
/// spec's prose as a doc test.
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

pub(crate) use crate::naming::PRELUDE;

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
