//! The OData front end: a service's entity model (CSDL `$metadata`, as XML
//! of OData V4, 4.01, V2 or V3, or as CSDL JSON) converted into an OpenAPI
//! 3.0 document, which the usual pipeline then reads. One IR, one emitter:
//! nothing after this module knows the document came from CSDL.
//!
//! Stages: `xml` or `json` read the text into a [`model::Model`] (names
//! qualified, aliases resolved, every element located); `check` finds what
//! refers to nothing; `openapi` writes the document, with Business
//! Central's rules when the service is Business Central's.

mod check;
mod json;
mod model;
mod openapi;
mod vocabulary;
mod xml;

use crate::diag::{Diagnostic, Diagnostics, Severity};

use model::Pos;

/// The largest document read: published `$metadata` documents are at most a
/// few MiB (Business Central's is 0.4 MiB, SAP's and Dataverse's larger).
pub(crate) const MAX_BYTES: usize = 64 << 20;

/// How deep elements may nest. CSDL nests about a dozen levels; annotation
/// values (records in collections in records) a few more.
pub(crate) const MAX_NESTING: usize = 64;

/// Which OpenAPI version `convert` writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum OpenApiVersion {
    #[default]
    V3_0,
    V3_1,
}

impl std::str::FromStr for OpenApiVersion {
    type Err = String;

    fn from_str(s: &str) -> Result<OpenApiVersion, String> {
        match s {
            "3.0" => Ok(OpenApiVersion::V3_0),
            "3.1" => Ok(OpenApiVersion::V3_1),
            other => Err(format!("expected `3.0` or `3.1`, found `{other}`")),
        }
    }
}

/// How a CSDL document becomes OpenAPI.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConvertOptions {
    pub openapi: OpenApiVersion,
    /// Business Central's rules (see [`convert`]): `None` applies them when
    /// the service is Business Central's (a schema `Microsoft.NAV`).
    pub business_central: Option<bool>,
    /// The entity sets and singletons paths start from. Empty: with
    /// Business Central's rules, every entity set no navigation contains
    /// (`companies`, `subscriptions`, …); without, every entity set and
    /// singleton of the container.
    pub keep: Vec<String>,
    /// How many containment navigations a path may follow below its root
    /// (with Business Central's rules, `companies({id})/salesOrders({id})/salesOrderLines`
    /// is two).
    pub levels: usize,
    /// The service root, the document's server. Default: Business
    /// Central's online URL, or `http://localhost` for other services.
    pub server: Option<String>,
    /// Business Central's rules chosen one by one, for another service
    /// that behaves the same way; all of them apply when
    /// `business_central` does.
    pub rules: Rules,
}

/// Business Central's rules, each on its own.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Rules {
    /// Paths start at the entity sets no navigation contains, not at every
    /// entity set (Business Central lists its company's entities as
    /// top-level sets too, but serves them only under a company).
    pub roots: bool,
    /// A contained path takes the insert, update and delete restrictions of
    /// the entity set of its type; an entity set without any is read-only;
    /// a navigation marked `Microsoft.NAV.IsBidirectionalPartnerNavigation`
    /// gets no path, and a single navigation without a partner (a lookup)
    /// is read-only.
    pub restrictions: bool,
    /// Every entity carries `@odata.etag`, and PATCH and DELETE require
    /// `If-Match`, annotated or not.
    pub if_match: bool,
    /// Nothing is nullable (`Nullable` is ignored).
    pub no_nulls: bool,
    /// Key properties are read-only: the service assigns keys.
    pub keys_read_only: bool,
    /// Business Central's service: its online server, Microsoft Entra ID
    /// sign-in, 409 for a stale entity tag, no `$count`, and what lies
    /// under a company named as if at the top.
    pub service: bool,
}

impl Rules {
    pub fn all() -> Rules {
        Rules {
            roots: true,
            restrictions: true,
            if_match: true,
            no_nulls: true,
            keys_read_only: true,
            service: true,
        }
    }

    /// The names `--rules` takes, with the rule each sets.
    pub const NAMES: &'static [&'static str] = &[
        "roots",
        "restrictions",
        "if-match",
        "no-nulls",
        "keys-read-only",
        "service",
    ];

    /// Turns on the rule of this name.
    pub fn enable(&mut self, name: &str) -> Result<(), String> {
        let flag = match name {
            "roots" => &mut self.roots,
            "restrictions" => &mut self.restrictions,
            "if-match" => &mut self.if_match,
            "no-nulls" => &mut self.no_nulls,
            "keys-read-only" => &mut self.keys_read_only,
            "service" => &mut self.service,
            other => {
                return Err(format!("expected one of {}, found `{other}`", Rules::NAMES.join(", ")));
            }
        };
        *flag = true;
        Ok(())
    }
}

impl Default for ConvertOptions {
    fn default() -> ConvertOptions {
        ConvertOptions {
            openapi: OpenApiVersion::V3_0,
            business_central: None,
            keep: Vec::new(),
            levels: 2,
            server: None,
            rules: Rules::default(),
        }
    }
}

/// An OpenAPI document converted from CSDL.
#[derive(Debug, Clone)]
pub struct Converted {
    pub document: serde_json::Value,
    /// How many paths and operations it has.
    pub paths: usize,
    pub operations: usize,
    /// Whether Business Central's rules were applied.
    pub business_central: bool,
    pub warnings: Vec<Diagnostic>,
}

impl Converted {
    /// The document as YAML or JSON text.
    pub fn to_text(&self, json: bool) -> Result<String, String> {
        crate::spec::document_text(&self.document, json)
    }
}

/// Whether `text` is a CSDL document rather than OpenAPI: XML (OpenAPI is
/// never XML), or JSON whose members include `$Version` before any
/// `openapi` or `swagger`.
pub fn is_csdl(text: &str) -> bool {
    let text = crate::spec::without_bom(text).trim_start();
    if text.starts_with('<') {
        return true;
    }
    if !crate::spec::is_json(text) {
        return false;
    }
    let head = &text[..text.len().min(4096)];
    match head.find("\"$Version\"") {
        Some(at) => !["\"openapi\"", "\"swagger\""]
            .iter()
            .any(|k| head.find(k).is_some_and(|o| o < at)),
        None => false,
    }
}

/// Converts a CSDL document into an OpenAPI document.
///
/// With Business Central's rules ([`Rules`], each also on its own): paths start from the entity sets no
/// navigation contains (`companies`) and follow its containment
/// navigations (every one of Business Central's is), `levels` deep; a
/// contained path takes the capability restrictions of the entity set of
/// its type (Business Central declares them only there); PATCH and DELETE
/// require `If-Match`, and every entity carries `@odata.etag`; keys are
/// read-only and nothing is nullable (AL has no null); errors have Business
/// Central's shape, and the document signs in with Microsoft Entra ID.
///
/// Every problem comes back at once, located by line and column in the
/// XML (or JSON pointer in CSDL JSON); nothing is returned with an error.
pub fn convert(text: &str, file: &str, options: &ConvertOptions) -> Result<Converted, Diagnostics> {
    let text = crate::spec::without_bom(text);
    let mut found = Found::default();
    let model = if text.trim_start().starts_with('<') {
        xml::read(text, &mut found)
    } else {
        json::read(text, &mut found)
    };
    let Some(model) = model else {
        return Err(found.into_diagnostics(file, text));
    };
    check::check(&model, &mut found);
    if found.has_errors() {
        return Err(found.into_diagnostics(file, text));
    }
    let bc = options
        .business_central
        .unwrap_or_else(|| model.namespaces.iter().any(|n| n == "Microsoft.NAV"));
    let rules = if bc { Rules::all() } else { options.rules };
    let built = openapi::build(&model, options, rules, &mut found);
    if found.has_errors() {
        return Err(found.into_diagnostics(file, text));
    }
    let mut document = built.document;
    if options.openapi == OpenApiVersion::V3_1 {
        openapi::to_3_1(&mut document);
    }
    Ok(Converted {
        document,
        paths: built.paths,
        operations: built.operations,
        business_central: bc,
        warnings: found.into_diagnostics(file, text).0,
    })
}

/// Problems found on the way, located.
#[derive(Debug, Default)]
pub(crate) struct Found {
    items: Vec<(Severity, Pos, String)>,
}

impl Found {
    pub(crate) fn error(&mut self, pos: Pos, message: String) {
        self.items.push((Severity::Error, pos, message));
    }

    pub(crate) fn warning(&mut self, pos: Pos, message: String) {
        self.items.push((Severity::Warning, pos, message));
    }

    pub(crate) fn has_errors(&self) -> bool {
        self.items.iter().any(|(s, ..)| *s == Severity::Error)
    }

    /// In document order, each problem once. A problem of CSDL JSON, found
    /// by JSON pointer, gets its line and column from the text.
    fn into_diagnostics(self, file: &str, text: &str) -> Diagnostics {
        let by_pointer = |pos: &Pos| pos.line == 0 && pos.path.starts_with('/');
        let positions = if self.items.iter().any(|(_, pos, _)| by_pointer(pos)) {
            crate::spec::Positions::scan_json_for(
                text,
                self.items
                    .iter()
                    .filter(|(_, pos, _)| by_pointer(pos))
                    .map(|(_, pos, _)| pos.path.as_str()),
            )
        } else {
            crate::spec::Positions::empty()
        };
        let mut out: Vec<Diagnostic> = self
            .items
            .into_iter()
            .map(|(severity, pos, message)| {
                let (line, column) = if by_pointer(&pos) {
                    positions.locate(&pos.path)
                } else {
                    (pos.line, pos.column)
                };
                Diagnostic {
                    severity,
                    file: file.to_owned(),
                    line,
                    column,
                    pointer: pos.path,
                    message,
                }
            })
            .collect();
        out.sort_by(|a, b| (a.line, a.column, &a.pointer).cmp(&(b.line, b.column, &b.pointer)));
        out.dedup();
        Diagnostics(out)
    }
}
