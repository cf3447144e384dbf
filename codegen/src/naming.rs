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

/// A spec's names in each case, remembered: a spec repeats its property
/// and schema names many times (every entity's `id`, each inline body's
/// copy of an entity), and heck's Unicode-aware casing was a tenth of
/// generating BC v1.0. Lowering holds one for the spec it lowers; it goes
/// with it.
#[derive(Debug, Default)]
pub(crate) struct Cased {
    snake: std::collections::HashMap<String, String>,
    camel: std::collections::HashMap<String, String>,
}

impl Cased {
    /// An `UpperCamelCase` type or variant name of `raw`: never empty,
    /// never a keyword, never starting with a digit.
    pub(crate) fn type_name(&mut self, raw: &str, fallback: &str) -> String {
        let camel = remembered(&mut self.camel, raw, |w| w.to_upper_camel_case());
        type_name_from(camel, raw, fallback)
    }

    /// [`field_name`], remembered.
    pub(crate) fn field_name(&mut self, raw: &str, fallback: &str) -> String {
        let snake = remembered(&mut self.snake, raw, |w| w.to_snake_case());
        field_name_from(snake, raw, fallback)
    }
}

fn remembered(
    cache: &mut std::collections::HashMap<String, String>,
    raw: &str,
    case: impl Fn(&str) -> String,
) -> String {
    if let Some(hit) = cache.get(raw) {
        return hit.clone();
    }
    let name = case(&words(raw));
    cache.insert(raw.to_owned(), name.clone());
    name
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

/// The type or variant name of `raw` from its `UpperCamelCase` words
/// (`name`): never empty, never a keyword, never starting with a digit.
fn type_name_from(mut name: String, raw: &str, fallback: &str) -> String {
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

/// A `snake_case` field, method or parameter name; keywords get a
/// trailing `_`. Not remembered: for names that are not the spec's own.
pub(crate) fn field_name(raw: &str, fallback: &str) -> String {
    field_name_from(words(raw).to_snake_case(), raw, fallback)
}

fn field_name_from(mut name: String, raw: &str, fallback: &str) -> String {
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

// The names the emitted code already uses, one table per namespace it puts
// names from the spec into. A test below keeps them equal to the runtime's
// and the emitter's real names.

/// The standard prelude names that the emitted modules use unqualified:
/// builder and error types never take one (so the operations module can use
/// them short), and models that do make the prelude fully qualified.
pub(crate) const PRELUDE: &[&str] = &[
    "Option",
    "Some",
    "None",
    "Result",
    "Ok",
    "Err",
    "String",
    "Vec",
    "Box",
    "ToString",
    "Into",
    "From",
    "Clone",
    "Default",
    "IntoIterator",
    "Send",
    "Sync",
];

/// Methods of the runtime's `Client`, its own and those of the traits it
/// implements or that runtime code calls on it: an operation's method
/// never takes one, or the runtime would call the operation instead.
pub(crate) const CLIENT_METHODS: &[&str] = &[
    "new",
    "builder",
    "base_url",
    "http_client",
    "max_body_bytes",
    "execute",
    "execute_owned",
    "execute_stream",
    "finish",
    "url",
    "next_link",
    "send",
    "clone",
    "clone_from",
    "fmt",
    "default",
    "to_owned",
    "into",
    "borrow",
];

/// Members of every operation builder: its fields besides the parameters
/// (`client`, `body`) and the methods the emitter writes on it, and those
/// of the traits it implements. A parameter's field and setter never take one.
pub(crate) const BUILDER_MEMBERS: &[&str] = &[
    "client",
    "body",
    "new",
    "request",
    "decode",
    "send",
    "send_stream",
    "stream",
    "events",
    "json_lines",
    "to_multipart",
    "max_page_size",
    "into_future",
    "fmt",
    "clone",
    "into",
];

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
                // `self_` (a keyword made a name) becomes `self_2`, not `self__2`.
                format!("{}_{n}", preferred.strip_suffix('_').unwrap_or(preferred))
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

    fn type_name(raw: &str, fallback: &str) -> String {
        Cased::default().type_name(raw, fallback)
    }

    /// The methods of `impl Client` blocks in the runtime's source.
    fn runtime_client_methods() -> Vec<String> {
        let file = syn::parse_file(include_str!("../../runtime/src/client.rs")).expect("the runtime parses");
        let mut out = Vec::new();
        for item in file.items {
            if let syn::Item::Impl(imp) = item {
                let is_client = matches!(&*imp.self_ty, syn::Type::Path(p) if p.path.is_ident("Client"));
                if is_client && imp.trait_.is_none() {
                    for it in imp.items {
                        if let syn::ImplItem::Fn(f) = it {
                            out.push(f.sig.ident.to_string());
                        }
                    }
                }
            }
        }
        out
    }

    #[test]
    fn client_methods_list_every_method_of_the_runtime_client() {
        let methods = runtime_client_methods();
        assert!(methods.len() >= 8, "{methods:?}");
        for m in &methods {
            assert!(
                CLIENT_METHODS.contains(&m.as_str()),
                "Client::{m} is not in CLIENT_METHODS"
            );
        }
    }

    #[test]
    fn builder_members_list_every_method_the_emitter_writes() {
        // An operation with a body, a paged JSON response and a binary one,
        // and no optional parameter but `Prefer`: every other method of its
        // builder comes from the emitter.
        let spec = r#"
openapi: 3.0.3
info: {title: t, version: "1"}
paths:
  /items:
    get:
      operationId: listItems
      parameters:
        - {name: Prefer, in: header, schema: {type: string}}
      responses:
        "200":
          description: a page
          content:
            application/json:
              schema:
                type: object
                required: [value]
                properties:
                  value: {type: array, items: {type: string}}
                  "@odata.nextLink": {type: string}
    post:
      operationId: upload
      requestBody:
        content:
          application/json:
            schema: {type: object, properties: {a: {type: string}}}
      responses:
        "200":
          description: bytes
          content:
            application/octet-stream:
              schema: {type: string, format: binary}
  /watch:
    post:
      operationId: watch
      requestBody:
        content:
          multipart/form-data:
            schema: {type: object, properties: {f: {type: string, format: binary}}}
      responses:
        "200":
          description: events or lines
          content:
            text/event-stream:
              schema: {type: string}
            application/x-ndjson:
              schema: {type: object}
"#;
        let out = crate::generate(spec, &crate::Config::new("t", "t.yaml")).expect("generates");
        let ops = out
            .files
            .iter()
            .find(|f| f.path == "src/operations.rs")
            .expect("operations.rs");
        let file = syn::parse_file(&ops.contents).expect("parses");
        let mut seen = BTreeSet::new();
        for item in file.items {
            if let syn::Item::Impl(imp) = item {
                if imp.trait_.is_none() {
                    for it in imp.items {
                        if let syn::ImplItem::Fn(f) = it {
                            seen.insert(f.sig.ident.to_string());
                        }
                    }
                }
            }
        }
        // The builders' methods, less the client's operation methods and the setter.
        for m in ["list_items", "upload", "watch", "prefer"] {
            seen.remove(m);
        }
        for m in [
            "send",
            "request",
            "decode",
            "new",
            "stream",
            "send_stream",
            "events",
            "json_lines",
            "to_multipart",
            "body",
            "max_page_size",
        ] {
            assert!(seen.contains(m), "the emitter no longer writes `{m}`: {seen:?}");
        }
        for m in &seen {
            assert!(
                BUILDER_MEMBERS.contains(&m.as_str()),
                "a builder has `{m}`, which BUILDER_MEMBERS lacks"
            );
        }
    }

    #[test]
    fn odata_annotations_and_keywords() {
        assert_eq!(field_name("@odata.etag", "field"), "odata_etag");
        let mut cased = Cased::default();
        for _ in 0..2 {
            assert_eq!(cased.field_name("@odata.etag", "field"), "odata_etag");
            assert_eq!(cased.field_name("type", "field"), "type_");
        }
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
