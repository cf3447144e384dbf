//! Every Rust name the generator emits comes from here: case conversion,
//! keywords, names that are not identifiers, and collisions.

use std::collections::BTreeSet;

use heck::{ToSnakeCase, ToUpperCamelCase};

/// Words that cannot be plain identifiers (strict and reserved keywords of
/// every edition, plus names that cannot even be raw identifiers).
const KEYWORDS: &[&str] = &[
    "as", "async", "await", "break", "const", "continue", "crate", "dyn", "else", "enum", "extern", "false", "fn",
    "for", "gen", "if", "impl", "in", "let", "loop", "match", "mod", "move", "mut", "pub", "ref", "return", "self",
    "Self", "static", "struct", "super", "trait", "true", "type", "unsafe", "use", "where", "while", "abstract",
    "become", "box", "do", "final", "macro", "override", "priv", "try", "typeof", "unsized", "virtual", "yield",
    "union", "_",
];

/// Splits a name into words at any character that cannot be in an
/// identifier, so that `@odata.etag` reads as `odata etag`.
fn words(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    for c in raw.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c);
        } else {
            out.push(' ');
        }
    }
    out
}

/// Names for symbols that have no letters at all.
fn symbol_word(raw: &str) -> Option<String> {
    let mut out = String::new();
    for c in raw.chars() {
        let w = match c {
            '+' => "plus",
            '-' => "minus",
            '*' => "star",
            '/' => "slash",
            '.' => "dot",
            '=' => "equals",
            '<' => "less",
            '>' => "greater",
            '!' => "bang",
            '@' => "at",
            '#' => "hash",
            '$' => "dollar",
            '%' => "percent",
            '&' => "and",
            '|' => "or",
            '~' => "tilde",
            '?' => "question",
            ':' => "colon",
            ' ' => "space",
            _ => continue,
        };
        out.push_str(w);
        out.push(' ');
    }
    (!out.is_empty()).then_some(out)
}

/// `UpperCamelCase` type or variant name; never empty, never a keyword,
/// never starting with a digit.
pub(crate) fn type_name(raw: &str, fallback: &str) -> String {
    let mut name = words(raw).to_upper_camel_case();
    if name.is_empty() {
        name = symbol_word(raw)
            .map(|w| w.to_upper_camel_case())
            .unwrap_or_else(|| fallback.to_owned());
    }
    if name.starts_with(|c: char| c.is_ascii_digit()) {
        name.insert(0, 'V');
    }
    if name == "Self" {
        name.push_str("Type");
    }
    name
}

/// `snake_case` field, method or parameter name; keywords get a trailing `_`.
pub(crate) fn field_name(raw: &str, fallback: &str) -> String {
    let mut name = words(raw).to_snake_case();
    if name.is_empty() {
        name = symbol_word(raw)
            .map(|w| w.to_snake_case())
            .unwrap_or_else(|| fallback.to_owned());
    }
    if name.starts_with(|c: char| c.is_ascii_digit()) {
        name.insert(0, 'n');
        name.insert(1, '_');
    }
    if KEYWORDS.contains(&name.as_str()) {
        name.push('_');
    }
    name
}

/// Hands out unique names within one namespace, in the order asked: the
/// first comes first; later ones get `2`, `3`, … (`_2` in snake case).
#[derive(Debug, Default, Clone)]
pub(crate) struct Namespace {
    taken: BTreeSet<String>,
}

impl Namespace {
    pub(crate) fn with_reserved(reserved: &[&str]) -> Namespace {
        Namespace {
            taken: reserved.iter().map(|s| (*s).to_owned()).collect(),
        }
    }

    pub(crate) fn claim(&mut self, preferred: &str) -> String {
        if self.taken.insert(preferred.to_owned()) {
            return preferred.to_owned();
        }
        let snake = preferred.contains('_') || preferred.starts_with(|c: char| c.is_ascii_lowercase());
        for n in 2.. {
            let candidate = if snake {
                format!("{preferred}_{n}")
            } else {
                format!("{preferred}{n}")
            };
            if self.taken.insert(candidate.clone()) {
                return candidate;
            }
        }
        unreachable!("the counter is unbounded")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn odata_annotations_and_keywords() {
        assert_eq!(field_name("@odata.etag", "field"), "odata_etag");
        assert_eq!(
            field_name("pdfDocumentContent@odata.mediaReadLink", "field"),
            "pdf_document_content_odata_media_read_link"
        );
        assert_eq!(field_name("type", "field"), "type_");
        assert_eq!(field_name("self", "field"), "self_");
        assert_eq!(field_name("$filter", "field"), "filter");
        assert_eq!(field_name("2fa", "field"), "n_2fa");
        assert_eq!(field_name("+", "field"), "plus");
        assert_eq!(field_name("", "field"), "field");
        assert_eq!(type_name("customerContact", "T"), "CustomerContact");
        assert_eq!(type_name("Customer Statement", "T"), "CustomerStatement");
        assert_eq!(type_name("Customer_x0020_Statement", "T"), "CustomerX0020Statement");
        assert_eq!(type_name("1st", "T"), "V1st");
        assert_eq!(type_name("self", "T"), "SelfType");
        assert_eq!(type_name("", "Empty"), "Empty");
        assert_eq!(type_name("-", "Empty"), "Minus");
    }

    #[test]
    fn collisions_get_numbers() {
        let mut ns = Namespace::default();
        assert_eq!(ns.claim(&field_name("userName", "f")), "user_name");
        assert_eq!(ns.claim(&field_name("user_name", "f")), "user_name_2");
        let mut ts = Namespace::with_reserved(&["Client"]);
        assert_eq!(ts.claim("Client"), "Client2");
        assert_eq!(ts.claim("Pet"), "Pet");
    }
}
