//! What a generated crate's operations take and give, as data, for tests
//! that drive a generated client against a mock server (the Prism test of
//! the real-world specs): each `Client` method with its arguments' Rust
//! types, its body's shape, its documented responses. Not a stable API.

use crate::ir::{BodyKind, MultipartForm, ParamType, PartKind};
use crate::{Config, Diagnostics, SpecFiles};

/// One operation of the generated client.
#[derive(Debug, Clone)]
pub struct Operation {
    /// The `Client` method.
    pub method: String,
    pub http_method: String,
    pub path: String,
    /// The arguments the method takes, in order (required parameters).
    pub args: Vec<Arg>,
    pub body: Option<Body>,
    /// Documented successes then errors: (status as the spec writes it,
    /// variant of the operation's error enum, how its body is read).
    pub success: Vec<Outcome>,
    pub errors: Vec<Outcome>,
    /// The operation's error enum (`operations::…Error`).
    pub error_enum: String,
    /// Its security alternatives, each the schemes that go together.
    pub security: Vec<Vec<String>>,
}

#[derive(Debug, Clone)]
pub struct Arg {
    /// The parameter's name in the spec, and where it goes.
    pub name: String,
    pub location: &'static str,
    /// The type a value is deserialized into before it is passed (from a
    /// crate user's side: `my_crate::models::Pet`, `String`).
    pub rust_type: String,
}

#[derive(Debug, Clone)]
pub struct Outcome {
    pub status: String,
    pub variant: String,
    /// `json`, `text`, `binary` or `empty`.
    pub body: &'static str,
}

#[derive(Debug, Clone)]
pub struct Body {
    pub required: bool,
    /// The body enum (`operations::…Body`) when the operation takes several
    /// media types; each choice is then one of its variants.
    pub enum_type: Option<String>,
    pub choices: Vec<BodyChoice>,
}

#[derive(Debug, Clone)]
pub struct BodyChoice {
    pub content_type: String,
    /// The variant of the body enum.
    pub variant: String,
    /// `json`, `form`, `multipart`, `raw-multipart`, `text`, `binary`.
    pub kind: &'static str,
    /// The type a JSON value is deserialized into (json, form), or the
    /// form struct (multipart).
    pub rust_type: String,
    pub parts: Vec<Part>,
}

#[derive(Debug, Clone)]
pub struct Part {
    pub name: String,
    pub ident: String,
    /// `file`, `files`, `text`, `texts` or `json`.
    pub kind: &'static str,
    /// The value's type for text and JSON parts (an item's, for `texts`).
    pub rust_type: String,
    pub required: bool,
}

/// The operations of the crate `config` describes, read from a spec the
/// way `generate_with_files` reads it.
pub fn operations(spec_text: &str, files: &dyn SpecFiles, config: &Config) -> Result<Vec<Operation>, Diagnostics> {
    let lowered = crate::lowered(spec_text, files, config, |ir| Ok(summary(ir, config)))?;
    Ok(lowered.out)
}

/// The document as the generator reads it: every file placed in one,
/// upgraded to OpenAPI 3.0, every reference naming a whole component.
pub fn document(spec_text: &str, files: &dyn SpecFiles, config: &Config) -> Result<serde_json::Value, Diagnostics> {
    let bundled = crate::bundle(spec_text, files, config)?;
    let mut doc = bundled.document;
    let mut sink = crate::diag::Sink::default();
    crate::spec::upgrade::upgrade(&mut doc, &mut sink, config.lenient);
    crate::spec::refs::hoist(&mut doc, &mut sink, config.lenient);
    Ok(doc)
}

fn summary(ir: &crate::ir::Ir, config: &Config) -> Vec<Operation> {
    let gates = crate::emit::Gates::default();
    let krate = config.crate_name.replace('-', "_");
    let ctx = crate::emit::Ctx {
        ir,
        gates: &gates,
        short: false,
        root: "crate",
        krate: &krate,
        module: false,
    };
    let outcome = |c: &crate::ir::ResponseCase| Outcome {
        status: match c.status {
            crate::ir::StatusMatch::Code(n) => n.to_string(),
            crate::ir::StatusMatch::Range(n) => format!("{n}XX"),
            crate::ir::StatusMatch::Default => "default".to_owned(),
        },
        variant: c.variant.clone(),
        body: match c.body {
            BodyKind::Json(_) | BodyKind::Form(..) => "json",
            BodyKind::Text => "text",
            BodyKind::Empty => "empty",
            BodyKind::Binary | BodyKind::Multipart(_) => "binary",
        },
    };
    ir.operations
        .iter()
        .map(|op| {
            let args = op
                .params
                .iter()
                .filter(|p| p.required)
                .map(|p| Arg {
                    name: p.name.clone(),
                    location: match p.location {
                        crate::ir::ParamLocation::Path => "path",
                        crate::ir::ParamLocation::Query => "query",
                        crate::ir::ParamLocation::Header => "header",
                    },
                    rust_type: match &p.ty {
                        ParamType::Scalar(t) | ParamType::Object { ty: t, .. } | ParamType::Json(t) => {
                            ctx.type_string(t)
                        }
                        ParamType::List { item, .. } => format!("Vec<{}>", ctx.type_string(item)),
                        ParamType::ETag => format!("{krate}::ETag"),
                    },
                })
                .collect();
            let body = op.body.as_ref().map(|b| Body {
                required: b.required,
                enum_type: (!b.others.is_empty()).then(|| format!("{krate}::operations::{}", b.enum_name)),
                choices: b
                    .choices()
                    .map(|(media, kind)| {
                        let (kind_name, rust_type, parts) = match kind {
                            BodyKind::Json(t) => ("json", ctx.type_string(t), Vec::new()),
                            BodyKind::Form(t, _) => ("form", ctx.type_string(t), Vec::new()),
                            BodyKind::Multipart(MultipartForm {
                                name: Some(name),
                                parts,
                            }) => (
                                "multipart",
                                format!("{krate}::operations::{name}"),
                                parts
                                    .iter()
                                    .map(|p| Part {
                                        name: p.name.clone(),
                                        ident: p.ident.clone(),
                                        kind: match p.kind {
                                            PartKind::File => "file",
                                            PartKind::Files => "files",
                                            PartKind::Text(_) => "text",
                                            PartKind::Texts(_) => "texts",
                                            PartKind::Json(_) => "json",
                                        },
                                        rust_type: match &p.kind {
                                            PartKind::Text(t) | PartKind::Texts(t) | PartKind::Json(t) => {
                                                ctx.type_string(t)
                                            }
                                            _ => String::new(),
                                        },
                                        required: p.required,
                                    })
                                    .collect(),
                            ),
                            BodyKind::Multipart(MultipartForm { name: None, .. }) => {
                                ("raw-multipart", format!("{krate}::Multipart"), Vec::new())
                            }
                            BodyKind::Text => ("text", "String".to_owned(), Vec::new()),
                            BodyKind::Binary | BodyKind::Empty => ("binary", "bytes::Bytes".to_owned(), Vec::new()),
                        };
                        BodyChoice {
                            content_type: media.to_owned(),
                            variant: kind.variant().to_owned(),
                            kind: kind_name,
                            rust_type,
                            parts,
                        }
                    })
                    .collect(),
            });
            Operation {
                method: op.method_name.clone(),
                http_method: op.http_method.clone(),
                path: op.path.clone(),
                args,
                body,
                success: op.success.iter().map(outcome).collect(),
                errors: op.errors.iter().map(outcome).collect(),
                error_enum: format!("{krate}::operations::{}", op.error_name),
                security: op.security.clone(),
            }
        })
        .collect()
}
