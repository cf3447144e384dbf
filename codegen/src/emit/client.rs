//! `operations.rs`: a builder per operation, its error and header types, and
//! the `Client` method that starts it.
//!
//! Per operation: the `Client` method, the builder struct and its `impl`
//! (`new`, setters, `send`, `request`), its `IntoFuture` and its result
//! alias ([`operation_text`]); then what reads its responses: a second
//! `impl` of the builder (`decode`, and `stream` or `send_stream` where the
//! operation has them), the error enum with its `ErrorDetails`, the headers
//! struct and the success enum ([`decoding_text`]).

use super::common::{Ctx, doc_lines, find};
use super::features::{Gate, write_gate};
use super::text::{
    Arm, ArmBody, Code, Expr, Field, ImplHeader, Meta, Pat, Signature, Stmt, Variant, arm, call, lit, ptuple, pw, w,
};
use crate::ir::{
    BodyKind, ErrorShape, HeaderType, MultipartForm, Operation, Param, ParamLocation, ParamType, PartKind, PathPiece,
    ResponseCase, StatusMatch, StreamKind, StreamShape, TypeRef,
};

/// An operation's security requirements as the runtime takes them:
/// `&[&["oauth2"], &["apiKey", "session"]]`.
fn security_slice(alternatives: &[Vec<String>]) -> Expr {
    let inner = alternatives
        .iter()
        .map(|a| Expr::Array(a.iter().map(|s| w(lit(s))).collect()).borrow())
        .collect();
    Expr::Array(inner).borrow()
}

/// The `Client` methods that start the operations `ops` (a run of
/// `ir.operations`): members of the one `impl Client` block, one level in.
pub(crate) fn client_methods(ctx: Ctx<'_>, ops: &[Operation]) -> String {
    let c = &mut Code::new();
    for op in ops {
        client_method(ctx, c, op, ctx.gates.op(op));
    }
    c.take(1)
}

/// The `impl Client` block around its methods, as prettyplease prints it,
/// after the file's own doc: the pieces of its text.
pub(crate) fn client_block(ctx: Ctx<'_>, methods: Vec<String>) -> Vec<String> {
    let mut c = Code::new();
    let first = format!(
        " One request builder per operation. Start one from a [`{}`]",
        ctx.item("Client")
    );
    c.inner_docs(&[
        &first,
        " method, set optional parameters, then `.await` it (or call `send`).",
    ]);
    let mut head = c.take(0);
    if methods.iter().all(String::is_empty) {
        head.push_str(&format!("impl {} {{}}\n", ctx.item("Client")));
        return vec![head];
    }
    head.push_str(&format!("impl {} {{\n", ctx.item("Client")));
    let mut out = Vec::with_capacity(methods.len() + 2);
    out.push(head);
    out.extend(methods);
    out.push("}\n".to_owned());
    out
}

/// The items of the operations `ops`, which follow the `Client` block:
/// each operation's, with its `#[cfg(..)]`, if any.
pub(crate) fn builders(ctx: Ctx<'_>, ops: &[Operation]) -> String {
    // Each item starts a line at the top level, so the run is laid out as
    // one text.
    let c = &mut Code::new();
    for op in ops {
        let gate = ctx.gates.op(op);
        operation_text(ctx, c, op, gate);
        decoding_text(ctx, c, op, gate);
    }
    c.take(0)
}

/// How a parameter is held in the builder and taken by a method.
fn param_type(ctx: Ctx<'_>, p: &Param) -> String {
    match &p.ty {
        ParamType::Scalar(t) => ctx.type_text(t),
        ParamType::List { item, .. } => format!("Vec<{}>", ctx.type_text(item)),
        ParamType::ETag => ctx.item("ETag"),
        ParamType::Object { ty, .. } | ParamType::Json(ty) => ctx.type_text(ty),
    }
}

/// The argument type of a required parameter and how it is stored.
fn param_arg(ctx: Ctx<'_>, p: &Param) -> (String, Expr) {
    let name = &p.ident;
    match &p.ty {
        ParamType::Scalar(TypeRef::Prim(crate::ir::Prim::String)) => {
            ("impl Into<String>".to_owned(), w(name).method("into", vec![]))
        }
        ParamType::ETag => (
            format!("impl Into<{}>", ctx.item("ETag")),
            w(name).method("into", vec![]),
        ),
        _ => (param_type(ctx, p), w(name)),
    }
}

/// The Rust type of a body of this kind.
fn body_text(ctx: Ctx<'_>, kind: &BodyKind) -> String {
    match kind {
        BodyKind::Json(t) | BodyKind::Form(t, _) => ctx.type_text(t),
        BodyKind::Multipart(MultipartForm { name: Some(name), .. }) => name.clone(),
        BodyKind::Multipart(MultipartForm { name: None, .. }) => ctx.rt("Multipart"),
        BodyKind::Text => "String".to_owned(),
        BodyKind::Binary => "::bytes::Bytes".to_owned(),
        BodyKind::Empty => "()".to_owned(),
    }
}

/// The request body's type: the body enum when the operation takes
/// several media types.
fn body_type(ctx: Ctx<'_>, op: &Operation) -> Option<String> {
    op.body.as_ref().map(|b| {
        if b.others.is_empty() {
            body_text(ctx, &b.kind)
        } else {
            b.enum_name.clone()
        }
    })
}

/// How a method takes the body: `impl Into<…>` of the body enum (each
/// variant's type converts into it), the type itself otherwise.
fn body_arg(ctx: Ctx<'_>, op: &Operation) -> Option<(String, Expr)> {
    let b = op.body.as_ref()?;
    let t = body_type(ctx, op)?;
    Some(if b.others.is_empty() {
        (t, w("body"))
    } else {
        (format!("impl Into<{t}>"), w("body").method("into", vec![]))
    })
}

fn is_binary(op: &Operation) -> bool {
    op.success.len() == 1 && matches!(op.success[0].body, BodyKind::Binary)
}

/// The success body type of the operation's `Response`.
fn response_body_type(ctx: Ctx<'_>, op: &Operation) -> String {
    match op.success.len() {
        0 => "()".to_owned(),
        1 => body_text(ctx, &op.success[0].body),
        _ => op.response_name.clone(),
    }
}

/// The operation's typed headers: its struct, or `()` when it declares none.
fn headers_type(op: &Operation) -> String {
    if op.response_headers.is_empty() {
        "()".to_owned()
    } else {
        op.headers_name.clone()
    }
}

fn client_method(ctx: Ctx<'_>, c: &mut Code, op: &Operation, gate: Option<Gate<'_>>) {
    let builder = &op.type_name;
    let required: Vec<&Param> = op.params.iter().filter(|p| p.required).collect();
    let mut args = vec!["&self".to_owned()];
    let mut inits = vec![w("self")];
    for p in &required {
        let (ty, init) = param_arg(ctx, p);
        args.push(format!("{}: {ty}", p.ident));
        inits.push(init);
    }
    let body_required = op.body.as_ref().is_some_and(|b| b.required);
    match (body_arg(ctx, op), body_required) {
        (Some((t, value)), true) => {
            args.push(format!("body: {t}"));
            inits.push(call("Some", vec![value]));
        }
        (Some(_), false) => inits.push(w("None")),
        (None, _) => {}
    }
    let mut doc = String::new();
    if let Some(s) = &op.summary {
        doc.push_str(s.trim());
        doc.push_str("\n\n");
    }
    if let Some(d) = &op.description {
        doc.push_str(d.trim());
        doc.push_str("\n\n");
    }
    doc.push_str(&format!("`{} {}`", op.http_method, op.path.replace('`', "'")));
    let mut lines = doc_lines(&doc);
    lines.extend(example(ctx, op));
    c.docs(&lines);
    write_gate(c, gate);
    if op.deprecated {
        c.attr(&Meta::List(
            "deprecated".to_owned(),
            vec![Meta::NameValue(
                "note".to_owned(),
                lit("the spec marks this operation deprecated"),
            )],
        ));
    }
    let ret = format!("{builder}<'_>");
    let head = format!("pub fn {}", op.method_name);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let sig = Signature::method(&head, &args, Some(&ret));
    c.fn_(&sig, |c| c.tail(&call(format!("{builder}::new"), inits)));
}

/// A doc example that compiles: the values come in as arguments. In a
/// build script's module it is not compiled (it names the crate, which is
/// not there).
fn example(ctx: Ctx<'_>, op: &Operation) -> Vec<String> {
    let krate = ctx.krate;
    let mut params = vec![format!("client: &{krate}::Client")];
    let mut call_args = Vec::new();
    for p in op.params.iter().filter(|p| p.required) {
        let ty = match &p.ty {
            ParamType::Scalar(TypeRef::Prim(crate::ir::Prim::String)) => "&str".to_owned(),
            ParamType::Scalar(t) => ctx.type_string(t),
            ParamType::List { item, .. } => format!("Vec<{}>", ctx.type_string(item)),
            ParamType::ETag => format!("{krate}::ETag"),
            ParamType::Object { ty, .. } | ParamType::Json(ty) => ctx.type_string(ty),
        };
        params.push(format!("{}: {ty}", p.ident));
        call_args.push(p.ident.clone());
    }
    if let Some(b) = op.body.as_ref().filter(|b| b.required) {
        let ty = match &b.kind {
            _ if !b.others.is_empty() => format!("{krate}::operations::{}", b.enum_name),
            BodyKind::Json(t) | BodyKind::Form(t, _) => ctx.type_string(t),
            BodyKind::Multipart(MultipartForm { name: Some(name), .. }) => format!("{krate}::operations::{name}"),
            BodyKind::Multipart(MultipartForm { name: None, .. }) => format!("{krate}::Multipart"),
            BodyKind::Text => "String".to_owned(),
            BodyKind::Binary => "bytes::Bytes".to_owned(),
            BodyKind::Empty => "()".to_owned(),
        };
        params.push(format!("body: {ty}"));
        call_args.push("body".to_owned());
    }
    let call = format!("client.{}({})", op.method_name, call_args.join(", "));
    let fence = if ctx.module { " ```ignore" } else { " ```no_run" };
    let mut lines = vec![String::new(), " # Example".to_owned(), String::new(), fence.to_owned()];
    lines.push(format!(
        " # async fn example({}) -> Result<(), Box<dyn std::error::Error>> {{",
        params.join(", ")
    ));
    if op.page.is_some() {
        lines.push(" use futures::TryStreamExt;".to_owned());
        lines.push(String::new());
        lines.push(format!(" let first_page = {call}.await?.into_body();"));
        lines.push(format!(
            " let everything: Vec<_> = {call}.stream().try_collect().await?;"
        ));
        lines.push(" # let _ = (first_page, everything);".to_owned());
    } else {
        lines.push(format!(" let response = {call}.await?;"));
        lines.push(" println!(\"{}\", response.status);".to_owned());
    }
    lines.push(" # Ok(())".to_owned());
    lines.push(" # }".to_owned());
    lines.push(" ```".to_owned());
    lines
}

/// An operation's items written as text: the builder, its `impl`, its
/// `IntoFuture` and its result alias.
fn operation_text(ctx: Ctx<'_>, c: &mut Code, op: &Operation, gate: Option<Gate<'_>>) {
    body_items(ctx, c, op, gate);
    let builder = &op.type_name;
    let result = &op.result_name;
    let call_ty = format!("{}<'a, {result}>", ctx.rt("Call"));
    let required: Vec<&Param> = op.params.iter().filter(|p| p.required).collect();
    let builder_ty = format!("{builder}<'a>");

    let summary = op
        .summary
        .clone()
        .unwrap_or_else(|| format!("{} {}", op.http_method, op.path));
    c.docs(&[format!(
        " The request of [`{}::{}`]: {}",
        ctx.item("Client"),
        op.method_name,
        summary.replace(['\n', '\r'], " ")
    )]);
    write_gate(c, gate);
    c.attr_name_value("must_use", &lit("a request does nothing until it is sent or awaited"));
    let mut fields = vec![super::text::Field {
        docs: Vec::new(),
        attrs: Vec::new(),
        head: "client: ".to_owned(),
        ty: format!("&'a {}", ctx.item("Client")),
    }];
    for p in &op.params {
        let ty = param_type(ctx, p);
        fields.push(super::text::Field {
            docs: Vec::new(),
            attrs: Vec::new(),
            head: format!("{}: ", p.ident),
            ty: if p.required { ty } else { format!("Option<{ty}>") },
        });
    }
    if let Some(t) = body_type(ctx, op) {
        fields.push(super::text::Field {
            docs: Vec::new(),
            attrs: Vec::new(),
            head: "body: ".to_owned(),
            ty: format!("Option<{t}>"),
        });
    }
    c.struct_(&format!("pub struct {builder}"), &["'a"], fields);

    builder_impl(c, op, gate, |c| {
        let mut new_args = vec![format!("client: &'a {}", ctx.item("Client"))];
        new_args.extend(required.iter().map(|p| format!("{}: {}", p.ident, param_type(ctx, p))));
        if let Some(t) = body_type(ctx, op) {
            new_args.push(format!("body: Option<{t}>"));
        }
        let new_args: Vec<&str> = new_args.iter().map(String::as_str).collect();
        let sig = Signature::method("pub(crate) fn new", &new_args, Some("Self"));
        c.fn_(&sig, |c| {
            let mut fields = vec![("client".to_owned(), None)];
            fields.extend(required.iter().map(|p| (p.ident.clone(), None)));
            fields.extend(
                op.params
                    .iter()
                    .filter(|p| !p.required)
                    .map(|p| (p.ident.clone(), Some(w("None")))),
            );
            if op.body.is_some() {
                fields.push(("body".to_owned(), None));
            }
            c.tail(&Expr::Struct("Self".to_owned(), fields));
        });
        for p in op.params.iter().filter(|p| !p.required) {
            setter(ctx, c, p);
        }
        max_page_size(c, op);
        if let (Some(false), Some((t, _))) = (op.body.as_ref().map(|b| b.required), body_arg(ctx, op)) {
            c.docs(&[" The request body (optional for this operation).".to_owned()]);
            let value = format!("value: {t}");
            let args = ["mut self", value.as_str()];
            let sig = Signature::method("pub fn body", &args, Some("Self"));
            let several = op.body.as_ref().is_some_and(|b| !b.others.is_empty());
            c.fn_(&sig, |c| {
                let value = if several {
                    call("Some", vec![w("value").method("into", vec![])])
                } else {
                    call("Some", vec![w("value")])
                };
                c.stmt(&Expr::Assign(Box::new(w("self").field("body")), Box::new(value)));
                c.tail(&w("self"));
            });
        }
        c.docs(&[" Sends the request and decodes the response, once awaited.".to_owned()]);
        let sig = Signature::method("pub fn send", &["self"], Some(&call_ty));
        c.fn_(&sig, |c| {
            let args = vec![
                w("self").field("client"),
                w("self").method("request", vec![]),
                w("Self::decode"),
            ];
            c.tail(&call(format!("{}::new", ctx.rt("Call")), args));
        });
        request_fn(ctx, c, op);
    });

    write_gate(c, gate);
    let header = ImplHeader {
        generics: &["'a"],
        trait_: Some("::std::future::IntoFuture"),
        self_ty: &builder_ty,
    };
    c.impl_(&header, |c| {
        c.type_("type Output", result, false);
        c.type_("type IntoFuture", &call_ty, false);
        let sig = Signature::method("fn into_future", &["self"], Some("Self::IntoFuture"));
        c.fn_(&sig, |c| c.tail(&w("self").method("send", vec![])));
    });

    c.docs(&[format!(
        " What [`{builder}::send`] gives: the typed response, or why the call failed."
    )]);
    write_gate(c, gate);
    let alias = format!(
        "Result<{}<{}, {}>, {}<{}>>",
        ctx.item("Response"),
        response_body_type(ctx, op),
        headers_type(op),
        ctx.item("Error"),
        op.error_name
    );
    c.type_(&format!("pub type {result}"), &alias, true);
}

/// The types an operation's body brings: a struct per multipart form whose
/// parts the spec describes, and the body enum when the operation takes
/// several media types.
fn body_items(ctx: Ctx<'_>, c: &mut Code, op: &Operation, gate: Option<Gate<'_>>) {
    let Some(b) = &op.body else { return };
    for (media, kind) in b.choices() {
        if let BodyKind::Multipart(MultipartForm {
            name: Some(name),
            parts,
        }) = kind
        {
            form_text(ctx, c, op, media, name, parts, gate);
        }
    }
    if b.others.is_empty() {
        return;
    }
    let method = format!("{}::{}", ctx.item("Client"), op.method_name);
    c.docs(&[
        format!(" The request body of [`{method}`]: one of the media types the operation takes."),
        String::new(),
        " Each variant's type converts into it (`From`), into the first variant that holds it.".to_owned(),
    ]);
    write_gate(c, gate);
    c.derive(&["Debug", "Clone"]);
    let variants: Vec<Variant> = b
        .choices()
        .map(|(media, kind)| Variant {
            docs: vec![format!(" Sent as `{}`.", media.replace('`', "'"))],
            name: kind.variant().to_owned(),
            ty: Some(body_text(ctx, kind)),
        })
        .collect();
    c.enum_(&format!("pub enum {}", b.enum_name), &variants);
    let types: Vec<String> = b.choices().map(|(_, k)| body_text(ctx, k)).collect();
    for (i, (_, kind)) in b.choices().enumerate() {
        let t = &types[i];
        if types[..i].contains(t) {
            continue;
        }
        write_gate(c, gate);
        let trait_ = format!("From<{t}>");
        c.impl_(&ImplHeader::of(&trait_, &b.enum_name), |c| {
            let arg = format!("value: {t}");
            let args = [arg.as_str()];
            let sig = Signature::method("fn from", &args, Some("Self"));
            c.fn_(&sig, |c| {
                c.tail(&call(format!("Self::{}", kind.variant()), vec![w("value")]));
            });
        });
    }
}

/// A multipart body's parts as a struct: a field per part (files as the
/// runtime's `FilePart`), a constructor of the required ones, and what
/// writes them as the runtime's `Multipart`.
fn form_text(
    ctx: Ctx<'_>,
    c: &mut Code,
    op: &Operation,
    media: &str,
    name: &str,
    parts: &[crate::ir::FormPart],
    gate: Option<Gate<'_>>,
) {
    let file = ctx.rt("FilePart");
    let part_type = |p: &crate::ir::FormPart| -> String {
        let t = match &p.kind {
            PartKind::File => file.clone(),
            PartKind::Files => format!("Vec<{file}>"),
            PartKind::Text(t) | PartKind::Json(t) => ctx.type_text(t),
            PartKind::Texts(t) => format!("Vec<{}>", ctx.type_text(t)),
        };
        if p.required || matches!(p.kind, PartKind::Files | PartKind::Texts(_)) {
            t
        } else {
            format!("{}<{t}>", ctx.std("Option"))
        }
    };
    c.docs(&[format!(
        " The parts of the `{}` body of [`{}::{}`].",
        media.replace('`', "'"),
        ctx.item("Client"),
        op.method_name
    )]);
    write_gate(c, gate);
    let any_required = parts
        .iter()
        .any(|p| p.required && !matches!(p.kind, PartKind::Files | PartKind::Texts(_)));
    if any_required {
        c.derive(&["Debug", "Clone"]);
    } else {
        c.derive(&["Debug", "Clone", "Default"]);
    }
    let fields = parts
        .iter()
        .map(|p| {
            let mut doc = p.doc.clone().unwrap_or_default();
            if !doc.is_empty() {
                doc.push_str("\n\n");
            }
            doc.push_str(&format!("The part `{}`.", p.name.replace('`', "'")));
            Field {
                docs: doc_lines(&doc),
                attrs: Vec::new(),
                head: format!("pub {}: ", p.ident),
                ty: part_type(p),
            }
        })
        .collect();
    c.struct_(&format!("pub struct {name}"), &[], fields);
    write_gate(c, gate);
    c.impl_(&ImplHeader::inherent(name), |c| {
        let required: Vec<&crate::ir::FormPart> = parts
            .iter()
            .filter(|p| p.required && !matches!(p.kind, PartKind::Files | PartKind::Texts(_)))
            .collect();
        c.docs(&[" A form of the required parts; the others are empty until set.".to_owned()]);
        let args: Vec<String> = required
            .iter()
            .map(|p| match &p.kind {
                PartKind::File => format!("{}: impl Into<{file}>", p.ident),
                PartKind::Text(TypeRef::Prim(crate::ir::Prim::String)) => format!("{}: impl Into<String>", p.ident),
                _ => format!("{}: {}", p.ident, part_type(p)),
            })
            .collect();
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let sig = Signature::method("pub fn new", &args, Some("Self"));
        c.fn_(&sig, |c| {
            let fields = parts
                .iter()
                .map(|p| {
                    let value = if required.iter().any(|r| r.ident == p.ident) {
                        match &p.kind {
                            PartKind::File | PartKind::Text(TypeRef::Prim(crate::ir::Prim::String)) => {
                                Some(w(&p.ident).method("into", vec![]))
                            }
                            _ => None,
                        }
                    } else if matches!(p.kind, PartKind::Files | PartKind::Texts(_)) {
                        Some(call("Vec::new", vec![]))
                    } else {
                        Some(w(ctx.std("None")))
                    };
                    (p.ident.clone(), value)
                })
                .collect();
            c.tail(&Expr::Struct("Self".to_owned(), fields));
        });
        let ret = format!("Result<{}, {}>", ctx.rt("Multipart"), ctx.rt("Failure"));
        let sig = Signature::method("pub(crate) fn to_multipart", &["&self"], Some(&ret));
        c.fn_(&sig, |c| {
            c.local("mut form", &call(format!("{}::new", ctx.rt("Multipart")), vec![]));
            for p in parts {
                let list = matches!(p.kind, PartKind::Files | PartKind::Texts(_));
                let value = if p.required || list {
                    w("self").field(&p.ident).borrow()
                } else {
                    w("v")
                };
                let content_type = match &p.content_type {
                    Some(ct) => call(ctx.std("Some"), vec![w(lit(ct))]),
                    None => w(ctx.std("None")),
                };
                let file_type = || w(lit(p.content_type.as_deref().unwrap_or("application/octet-stream")));
                let step = match &p.kind {
                    PartKind::File => w("form").method("push_file", vec![w(lit(&p.name)), value, file_type()]),
                    PartKind::Files => w("form").method("push_files", vec![w(lit(&p.name)), value, file_type()]),
                    PartKind::Text(t) => {
                        w("form").method("push_text", vec![w(lit(&p.name)), ctx.text_of(t, value), content_type])
                    }
                    PartKind::Texts(t) => {
                        let each = w("self")
                            .field(&p.ident)
                            .method("iter", vec![])
                            .method("map", vec![Expr::Closure("x".into(), Box::new(ctx.text_of(t, w("x"))))]);
                        w("form").method("push_texts", vec![w(lit(&p.name)), each, content_type])
                    }
                    PartKind::Json(_) => w("form")
                        .method("push_json", vec![w(lit(&p.name)), value, content_type])
                        .try_(),
                };
                if p.required || list {
                    c.stmt(&step);
                } else {
                    c.if_let(ctx.std("Some"), "v", &w("self").field(&p.ident).borrow(), |c| {
                        c.stmt(&step)
                    });
                }
            }
            c.tail(&call(ctx.std("Ok"), vec![w("form")]));
        });
    });
}

fn setter(ctx: Ctx<'_>, c: &mut Code, p: &Param) {
    let name = &p.ident;
    let mut doc = p.doc.clone().unwrap_or_default();
    if !doc.is_empty() {
        doc.push_str("\n\n");
    }
    doc.push_str(&format!(
        "Sets the {} parameter `{}`.",
        location_word(p.location),
        p.name.replace('`', "'")
    ));
    c.docs(&doc_lines(&doc));
    let head = format!("pub fn {name}");
    let (value_ty, store) = match &p.ty {
        ParamType::Scalar(TypeRef::Prim(crate::ir::Prim::String)) => (
            "impl Into<String>".to_owned(),
            call("Some", vec![w("value").method("into", vec![])]),
        ),
        ParamType::Scalar(t) | ParamType::Object { ty: t, .. } | ParamType::Json(t) => {
            (ctx.type_text(t), call("Some", vec![w("value")]))
        }
        ParamType::ETag => (
            format!("impl Into<{}>", ctx.item("ETag")),
            call("Some", vec![w("value").method("into", vec![])]),
        ),
        ParamType::List { item, .. } => {
            let item_bound = format!("Into<{}>", ctx.type_text(item));
            let sig = Signature {
                head: &head,
                generics: &["I"],
                args: &["mut self", "values: I"],
                ret: Some("Self"),
                where_: &[("I", "IntoIterator"), ("I::Item", &item_bound)],
            };
            c.fn_(&sig, |c| {
                let values = w("values")
                    .method("into_iter", vec![])
                    .method("map", vec![w("Into::into")])
                    .method("collect", vec![]);
                let value = call("Some", vec![values]);
                c.stmt(&Expr::Assign(Box::new(w("self").field(name)), Box::new(value)));
                c.tail(&w("self"));
            });
            return;
        }
    };
    let value = format!("value: {value_ty}");
    let args = ["mut self", value.as_str()];
    let sig = Signature::method(&head, &args, Some("Self"));
    c.fn_(&sig, |c| {
        c.stmt(&Expr::Assign(Box::new(w("self").field(name)), Box::new(store)));
        c.tail(&w("self"));
    });
}

/// OData's `Prefer: odata.maxpagesize=N`, where the operation takes a
/// `Prefer` header: the page size without writing the preference by hand.
fn max_page_size(c: &mut Code, op: &Operation) {
    let Some(p) = op.params.iter().find(|p| {
        !p.required
            && p.location == ParamLocation::Header
            && p.name.eq_ignore_ascii_case("prefer")
            && matches!(p.ty, ParamType::Scalar(TypeRef::Prim(crate::ir::Prim::String)))
    }) else {
        return;
    };
    if op.params.iter().any(|q| q.ident == "max_page_size") {
        return;
    }
    c.docs(&[
        " Asks for pages of at most `size` entities (`Prefer: odata.maxpagesize=<size>`);".to_owned(),
        " the server sends an `@odata.nextLink` while more remain.".to_owned(),
    ]);
    let sig = Signature::method("pub fn max_page_size", &["mut self", "size: u32"], Some("Self"));
    c.fn_(&sig, |c| {
        let value = call(
            "Some",
            vec![Expr::Macro("::std::format".into(), lit("odata.maxpagesize={size}"))],
        );
        c.stmt(&Expr::Assign(Box::new(w("self").field(&p.ident)), Box::new(value)));
        c.tail(&w("self"));
    });
}

fn location_word(l: ParamLocation) -> &'static str {
    match l {
        ParamLocation::Path => "path",
        ParamLocation::Query => "query",
        ParamLocation::Header => "header",
    }
}

/// `request`: the method, URL, query, headers and body of the operation.
fn request_fn(ctx: Ctx<'_>, c: &mut Code, op: &Operation) {
    let ret = format!(
        "Result<{}, {}<{}>>",
        ctx.rt("Request"),
        ctx.item("Error"),
        op.error_name
    );
    let sig = Signature::method("fn request", &["&self"], Some(&ret));
    c.fn_(&sig, |c| {
        c.local("mut path", &call("String::new", vec![]));
        for piece in &op.segments {
            match piece {
                PathPiece::Literal(s) => {
                    let mut chars = s.chars();
                    let step = match (chars.next(), chars.next()) {
                        (Some(ch), None) => w("path").method("push", vec![w(char_lit(ch))]),
                        _ => w("path").method("push_str", vec![w(lit(s))]),
                    };
                    c.stmt(&step);
                }
                PathPiece::Param { index, quoted } => {
                    let p = &op.params[*index];
                    match p.path_style {
                        crate::ir::PathStyle::Simple => {}
                        crate::ir::PathStyle::Label => c.stmt(&w("path").method("push", vec![w(char_lit('.'))])),
                        crate::ir::PathStyle::Matrix => {
                            // `;name=`, the name encoded as values are.
                            c.stmt(&w("path").method("push", vec![w(char_lit(';'))]));
                            c.stmt(&call(
                                ctx.rt("push_path_segment"),
                                vec![w("path").borrow_mut(), w(lit(&p.name)), w("false")],
                            ));
                            c.stmt(&w("path").method("push", vec![w(char_lit('='))]));
                        }
                    }
                    let this = w("self").field(&p.ident);
                    let text = match &p.ty {
                        ParamType::Scalar(t) => ctx.text_of(t, this.borrow()),
                        ParamType::List { item, .. } => joined(ctx, this, item),
                        ParamType::ETag => call("ToString::to_string", vec![this.borrow()]),
                        ParamType::Object { style, .. } => object_text(ctx, this.borrow(), *style),
                        ParamType::Json(_) => json_text(this.borrow()),
                    };
                    let step = call(
                        ctx.rt("push_path_segment"),
                        vec![w("path").borrow_mut(), text.borrow(), w(quoted.to_string())],
                    );
                    c.stmt(&step);
                }
            }
        }
        let query = op.params.iter().any(|p| p.location == ParamLocation::Query);
        let headers = op.params.iter().any(|p| p.location == ParamLocation::Header);
        let binding = if query || headers || op.body.is_some() {
            "mut req"
        } else {
            "req"
        };
        let accept = match &op.accept {
            Some(a) => call("Some", vec![w(lit(a))]),
            None => w("None"),
        };
        let new = call(
            format!("{}::new", ctx.rt("Request")),
            vec![
                w(format!("::reqwest::Method::{}", op.http_method)),
                w("path"),
                security_slice(&op.security),
                accept,
            ],
        );
        c.local(binding, &new);
        if query {
            c.local("mut query", &call(format!("{}::default", ctx.rt("Query")), vec![]));
            for p in op.params.iter().filter(|p| p.location == ParamLocation::Query) {
                param_step(ctx, c, p);
            }
            c.stmt(&w("req").method("query", vec![w("query").borrow()]));
        }
        for p in op.params.iter().filter(|p| p.location == ParamLocation::Header) {
            param_step(ctx, c, p);
        }
        if let Some(b) = &op.body {
            if b.others.is_empty() {
                let set = set_body(ctx, &b.content_type, &b.kind);
                c.if_let("Some", "body", &w("self").field("body").borrow(), |c| {
                    if let Some(set) = &set {
                        c.stmt(set);
                    }
                });
            } else {
                // One arm per media type the body enum offers.
                let arms: Vec<Arm> = b
                    .choices()
                    .map(|(media, kind)| {
                        let pat = ptuple(format!("{}::{}", b.enum_name, kind.variant()), &["body"]);
                        let set = set_body(ctx, media, kind).unwrap_or_else(|| w("()"));
                        arm(pat, set)
                    })
                    .collect();
                c.if_let("Some", "body", &w("self").field("body").borrow(), |c| {
                    c.stmt(&Expr::Match(Box::new(w("body")), arms));
                });
            }
        }
        c.tail(&call("Ok", vec![w("req")]));
    });
}

/// What puts a body (`body`, a reference) of one media type on `req`.
fn set_body(ctx: Ctx<'_>, content_type: &str, kind: &BodyKind) -> Option<Expr> {
    let body = || w("body");
    let content_type = w(lit(content_type));
    match kind {
        BodyKind::Json(_) => Some(w("req").method("json", vec![body()]).try_()),
        BodyKind::Form(_, styles) => {
            let styles = styles
                .iter()
                .map(|(name, style)| Expr::Tuple(vec![w(lit(name)), w(ctx.rt(&format!("FormStyle::{style:?}")))]))
                .collect();
            Some(
                w("req")
                    .method("form", vec![body(), Expr::Array(styles).borrow()])
                    .try_(),
            )
        }
        BodyKind::Multipart(MultipartForm { name: Some(_), .. }) => {
            Some(w("req").method("multipart", vec![body().method("to_multipart", vec![]).try_()]))
        }
        BodyKind::Multipart(MultipartForm { name: None, .. }) => Some(w("req").method(
            "multipart",
            vec![call(format!("{}::clone", ctx.std("Clone")), vec![body()])],
        )),
        BodyKind::Text => Some(w("req").method(
            "body",
            vec![
                content_type,
                call("::bytes::Bytes::from", vec![call("Clone::clone", vec![body()])]),
            ],
        )),
        BodyKind::Binary => Some(w("req").method("body", vec![content_type, call("Clone::clone", vec![body()])])),
        BodyKind::Empty => None,
    }
}

/// A list's values written with `text_of` and joined by commas.
fn joined(ctx: Ctx<'_>, list: Expr, item: &TypeRef) -> Expr {
    list.method("iter", vec![])
        .method(
            "map",
            vec![Expr::Closure("v".into(), Box::new(ctx.text_of(item, w("v"))))],
        )
        .method_turbofish("collect", "Vec<_>", vec![])
        .method("join", vec![w(lit(","))])
}

/// An object's text in a header or a path segment (`style: simple`).
fn object_text(ctx: Ctx<'_>, v: Expr, style: crate::ir::ObjectStyle) -> Expr {
    let explode = style == crate::ir::ObjectStyle::SimpleExploded;
    call(ctx.rt("object_text"), vec![v, w(explode.to_string())])
}

/// A value's JSON text (a parameter with `content: application/json`);
/// models always serialize, so the empty text never goes out.
fn json_text(v: Expr) -> Expr {
    call("::serde_json::to_string", vec![v]).method("unwrap_or_default", vec![])
}

/// A Rust character literal.
fn char_lit(c: char) -> String {
    proc_macro2::Literal::character(c).to_string()
}

/// The statement putting a query or header parameter on the request (in
/// `if let Some(v)` when it is optional).
fn param_step(ctx: Ctx<'_>, c: &mut Code, p: &Param) {
    let name = &p.ident;
    let wire = || w(lit(&p.name));
    // A reference to the value, and the value to call `.iter()` on.
    let (access, list) = if p.required {
        (w("self").field(name).borrow(), w("self").field(name))
    } else {
        (w("v"), w("v"))
    };
    let each = |item: &TypeRef| {
        list.clone().method("iter", vec![]).method(
            "map",
            vec![Expr::Closure("x".into(), Box::new(ctx.text_of(item, w("x"))))],
        )
    };
    let value = |v: Expr| -> Expr {
        match &p.ty {
            ParamType::Scalar(t) => ctx.text_of(t, v),
            ParamType::List { item, .. } => {
                let x = Expr::Closure("x".into(), Box::new(ctx.text_of(item, w("x"))));
                list.clone()
                    .method("iter", vec![])
                    .method("map", vec![x])
                    .method_turbofish("collect", "Vec<_>", vec![])
                    .method("join", vec![w(lit(","))])
            }
            ParamType::ETag => call("ToString::to_string", vec![v]),
            ParamType::Object { style, .. } => object_text(ctx, v, *style),
            ParamType::Json(_) => json_text(v),
        }
    };
    let step = match (p.location, &p.ty) {
        (ParamLocation::Path, _) => return,
        (
            ParamLocation::Query,
            ParamType::List {
                item,
                explode,
                delimiter,
            },
        ) if *explode || *delimiter == ',' => {
            w("query").method("push_list", vec![wire(), each(item), w(explode.to_string())])
        }
        (ParamLocation::Query, ParamType::List { item, delimiter, .. }) => {
            // A char literal (`' '`, `'|'`, `'\t'`): the runtime encodes it.
            w("query").method("push_delimited", vec![wire(), each(item), w(format!("{delimiter:?}"))])
        }
        (ParamLocation::Query, ParamType::Object { style, .. }) => {
            let style = match style {
                crate::ir::ObjectStyle::Form => "Form",
                crate::ir::ObjectStyle::FormExploded => "FormExploded",
                crate::ir::ObjectStyle::DeepObject => "DeepObject",
                // Lowering gives these to headers and paths only.
                crate::ir::ObjectStyle::Simple | crate::ir::ObjectStyle::SimpleExploded => "Form",
            };
            w("query").method(
                "push_object",
                vec![wire(), access.clone(), w(ctx.rt(&format!("ObjectStyle::{style}")))],
            )
        }
        (ParamLocation::Query, _) => w("query").method("push", vec![wire(), value(access.clone()).borrow()]),
        (ParamLocation::Header, _) => w("req").method("header", vec![wire(), value(access.clone())]),
    };
    if p.required {
        c.stmt(&step);
    } else {
        c.if_let("Some", "v", &w("self").field(name).borrow(), |c| c.stmt(&step));
    }
}

/// An operation's items that read its responses: a second `impl` of the
/// builder (`send_stream` or `stream` where the operation has them, and
/// `decode`), the error enum with its `ErrorDetails`, the headers struct
/// and the success enum.
fn decoding_text(ctx: Ctx<'_>, c: &mut Code, op: &Operation, gate: Option<Gate<'_>>) {
    let root = ctx.root;
    let error = op.error_name.as_str();
    builder_impl(c, op, gate, |c| {
        if is_binary(op) {
            send_stream(ctx, c, op);
        }
        for shape in &op.streams {
            stream_method(ctx, c, op, shape);
        }
        if let Some(p) = &op.page {
            c.docs(&[
                " Every item of every page: sends the request, then follows each".to_owned(),
                " `@odata.nextLink` (only to the base URL's origin) until the last page.".to_owned(),
            ]);
            let ret = format!(
                "impl ::futures::Stream<Item = Result<{}, {root}::Error<{error}>>> + 'a",
                ctx.type_text(&p.item)
            );
            c.fn_(&Signature::method("pub fn stream", &["self"], Some(&ret)), |c| {
                c.use_("::futures::StreamExt as _", &[]);
                let decode = call("Self::decode", vec![w("raw")])
                    .method("map", vec![Expr::Closure("r".into(), Box::new(w("r").field("body")))]);
                let pages = call(
                    format!("{root}::runtime::pages"),
                    vec![
                        w("self").field("client"),
                        w("req"),
                        Expr::Closure("raw".into(), Box::new(decode)),
                    ],
                );
                let failed = call(
                    "::futures::stream::once",
                    vec![Expr::AsyncMove(Box::new(call("Err", vec![w("e")])))],
                );
                let arms = vec![
                    arm(ptuple("Ok", &["req"]), pages.method("left_stream", vec![])),
                    arm(ptuple("Err", &["e"]), failed.method("right_stream", vec![])),
                ];
                c.tail(&Expr::Match(Box::new(w("self").method("request", vec![])), arms));
            });
        }
        let raw = format!("raw: {root}::runtime::RawResponse");
        let args = [raw.as_str()];
        let sig = Signature::method("fn decode", &args, Some(&op.result_name));
        c.fn_(&sig, |c| {
            let status = w("raw").field("status").method("as_u16", vec![]);
            c.tail(&Expr::Match(Box::new(status), decode_arms(ctx, op)));
        });
    });

    // The error enum, with code and message read where the schema has them.
    let mut errors: Vec<&ResponseCase> = op.errors.iter().collect();
    errors.sort_by_key(|c| c.status);
    responses_enum(ctx, c, op, gate, error, &errors, true);
    write_gate(c, gate);
    let details = format!("{root}::ErrorDetails");
    c.impl_(&ImplHeader::of(&details, error), |c| {
        for (name, code) in [("fn code", true), ("fn message", false)] {
            c.fn_(&Signature::method(name, &["&self"], Some("Option<&str>")), |c| {
                let value = if errors.is_empty() {
                    Expr::Match(Box::new(w("*self")), Vec::new())
                } else {
                    let arms = errors.iter().map(|case| detail_arm(ctx, case, error, code)).collect();
                    Expr::Match(Box::new(w("self")), arms)
                };
                c.tail(&value);
            });
        }
    });

    if !op.response_headers.is_empty() {
        c.docs(&[format!(
            " The response headers of [`{}::{}`] that the spec declares.",
            ctx.item("Client"),
            op.method_name
        )]);
        write_gate(c, gate);
        c.derive(&["Debug", "Clone", "PartialEq"]);
        let fields = op
            .response_headers
            .iter()
            .map(|h| {
                let ty = match h.ty {
                    HeaderType::ETag => ctx.item("ETag"),
                    HeaderType::String => "String".to_owned(),
                    HeaderType::I64 => "i64".to_owned(),
                    HeaderType::F64 => "f64".to_owned(),
                    HeaderType::Bool => "bool".to_owned(),
                };
                let mut doc = h.doc.clone().unwrap_or_default();
                if !doc.is_empty() {
                    doc.push_str("\n\n");
                }
                doc.push_str(&format!("The `{}` response header, if sent and well-formed.", h.name));
                Field {
                    docs: doc_lines(&doc),
                    attrs: Vec::new(),
                    head: format!("pub {}: ", h.ident),
                    ty: format!("Option<{ty}>"),
                }
            })
            .collect();
        c.struct_(&format!("pub struct {}", op.headers_name), &[], fields);
    }

    if op.success.len() > 1 {
        let mut success: Vec<&ResponseCase> = op.success.iter().collect();
        success.sort_by_key(|c| c.status);
        responses_enum(ctx, c, op, gate, &op.response_name, &success, false);
    }
}

/// `impl<'a> Builder<'a> { members }`, with the operation's gate.
fn builder_impl(c: &mut Code, op: &Operation, gate: Option<Gate<'_>>, members: impl FnOnce(&mut Code)) {
    let self_ty = format!("{}<'a>", op.type_name);
    write_gate(c, gate);
    let header = ImplHeader {
        generics: &["'a"],
        trait_: None,
        self_ty: &self_ty,
    };
    c.impl_(&header, members);
}

/// The enum of an operation's documented error (`errors`) or success
/// responses: a variant per case, documented by its status (and for
/// errors, its description).
fn responses_enum(
    ctx: Ctx<'_>,
    c: &mut Code,
    op: &Operation,
    gate: Option<Gate<'_>>,
    name: &str,
    cases: &[&ResponseCase],
    errors: bool,
) {
    c.docs(&[format!(
        " The documented {} responses of [`{}::{}`].",
        if errors { "error" } else { "success" },
        ctx.item("Client"),
        op.method_name
    )]);
    write_gate(c, gate);
    c.derive(&["Debug", "Clone", "PartialEq"]);
    let variants: Vec<Variant> = cases
        .iter()
        .map(|case| {
            let mut doc = status_doc(case.status);
            if let (true, Some(d)) = (errors, &case.description) {
                doc.push_str(": ");
                doc.push_str(d);
            }
            Variant {
                docs: doc_lines(&doc),
                name: case.variant.clone(),
                ty: (!matches!(case.body, BodyKind::Empty)).then(|| body_text(ctx, &case.body)),
            }
        })
        .collect();
    c.enum_(&format!("pub enum {name}"), &variants);
}

/// `send_stream`: the body handed over as it arrives.
fn send_stream(ctx: Ctx<'_>, c: &mut Code, op: &Operation) {
    let root = ctx.root;
    streamed(
        ctx,
        c,
        op,
        &[
            " Sends the request and hands the body over as it arrives,",
            " without reading it into memory or applying the size limit.",
        ],
        "send_stream",
        &format!("{root}::ByteStream"),
        None,
        call(
            format!("{root}::ByteStream::new"),
            vec![w("response").method("bytes_stream", vec![])],
        ),
    );
}

/// `events` or `json_lines`: the response read item by item.
fn stream_method(ctx: Ctx<'_>, c: &mut Code, op: &Operation, shape: &StreamShape) {
    let root = ctx.root;
    let (item, decode) = match &shape.item {
        Some(t) => (ctx.type_text(t), ctx.rt("json_data")),
        None => ("String".to_owned(), ctx.rt("text_data")),
    };
    let media = shape.media.replace('`', "'");
    let (name, ty, docs) = match shape.kind {
        StreamKind::Events => (
            "events",
            format!("{root}::EventStream<{item}, {}>", op.error_name),
            vec![
                format!(" Sends the request and reads the `{media}` response event by event,"),
                " each event's data decoded as it arrives. Name the event that ends the".to_owned(),
                format!(" stream with [`{root}::EventStream::until`] (OpenAI sends `data: [DONE]`)."),
            ],
        ),
        StreamKind::JsonLines => (
            "json_lines",
            format!("{root}::JsonLines<{item}, {}>", op.error_name),
            vec![
                format!(" Sends the request and reads the `{media}` response line by line,"),
                " each line decoded as it arrives.".to_owned(),
            ],
        ),
    };
    let kind = if shape.kind == StreamKind::Events {
        "EventStream"
    } else {
        "JsonLines"
    };
    let make = call(
        format!("{root}::{kind}::new"),
        vec![w("self").field("client"), w("response"), w(decode)],
    );
    let docs: Vec<&str> = docs.iter().map(String::as_str).collect();
    streamed(ctx, c, op, &docs, name, &ty, Some(&shape.media), make);
}

/// A method that sends the request and hands the success's body over
/// unread, as `body` makes it of `response`; an error status is decoded as
/// `send` decodes it (the runtime's `open`).
#[allow(clippy::too_many_arguments)]
fn streamed(
    ctx: Ctx<'_>,
    c: &mut Code,
    op: &Operation,
    docs: &[&str],
    name: &str,
    ty: &str,
    accept: Option<&str>,
    body: Expr,
) {
    let root = ctx.root;
    c.docs(&docs.iter().map(|d| (*d).to_owned()).collect::<Vec<_>>());
    let ret = format!(
        "Result<{root}::Response<{ty}, {}>, {root}::Error<{}>>",
        headers_type(op),
        op.error_name
    );
    let head = format!("pub async fn {name}");
    c.fn_(&Signature::method(&head, &["self"], Some(&ret)), |c| {
        match accept {
            Some(media) => {
                c.local("mut req", &w("self").method("request", vec![]).try_());
                c.stmt(&w("req").method("accept", vec![w(lit(media))]));
            }
            None => c.local("req", &w("self").method("request", vec![]).try_()),
        }
        let open = call(
            ctx.rt("open"),
            vec![w("self").field("client"), w("req").borrow(), w("Self::decode")],
        );
        c.local("response", &Expr::Await(Box::new(open)).try_());
        c.local(
            "raw_headers",
            &w("response").method("headers", vec![]).method("clone", vec![]),
        );
        let raw = call(
            format!("{root}::runtime::RawResponse::new"),
            vec![
                w("response").method("status", vec![]),
                w("raw_headers").method("clone", vec![]),
                call("::bytes::Bytes::new", vec![]),
            ],
        );
        c.local("raw", &raw);
        c.local("headers", &headers_expr(ctx, op));
        c.local("body", &body);
        let response = call(
            format!("{root}::Response::new"),
            vec![w("raw").field("status"), w("headers"), w("raw_headers"), w("body")],
        );
        c.tail(&call("Ok", vec![response]));
    });
}

/// The value building the typed headers from `raw`.
fn headers_expr(ctx: Ctx<'_>, op: &Operation) -> Expr {
    if op.response_headers.is_empty() {
        return w("()");
    }
    let fields = op
        .response_headers
        .iter()
        .map(|h| {
            let header = w("raw").method("header", vec![w(lit(&h.name.to_ascii_lowercase()))]);
            let parse = |ty: &str| {
                let value = w("v")
                    .method("trim", vec![])
                    .method_turbofish("parse", ty, vec![])
                    .method("ok", vec![]);
                header
                    .clone()
                    .method("and_then", vec![Expr::Closure("v".into(), Box::new(value))])
            };
            let value = match h.ty {
                HeaderType::ETag => header
                    .clone()
                    .method("map", vec![w(format!("{}::ETag::from", ctx.root))]),
                HeaderType::String => header.clone().method("map", vec![w("ToString::to_string")]),
                HeaderType::I64 => parse("i64"),
                HeaderType::F64 => parse("f64"),
                HeaderType::Bool => parse("bool"),
            };
            (h.ident.clone(), Some(value))
        })
        .collect();
    Expr::Struct(op.headers_name.clone(), fields)
}

fn status_pattern(m: StatusMatch) -> Pat {
    match m {
        StatusMatch::Code(c) => pw(format!("{c}u16")),
        StatusMatch::Range(r) => pw(format!("{}u16..={}u16", r * 100, r * 100 + 99)),
        StatusMatch::Default => pw("_"),
    }
}

/// The arms of `decode`: exact codes first, then ranges, then the default;
/// each arm is one call of a runtime helper, so the decoding is written
/// once.
fn decode_arms(ctx: Ctx<'_>, op: &Operation) -> Vec<Arm> {
    let mut success: Vec<&ResponseCase> = op.success.iter().collect();
    success.sort_by_key(|c| c.status);
    let mut errors: Vec<&ResponseCase> = op.errors.iter().collect();
    errors.sort_by_key(|c| c.status);
    let headers = !op.response_headers.is_empty();
    let ha = || w(if headers { "headers" } else { "()" });
    // With headers, an arm reads them first.
    let success_arm = |pat: Pat, value: Expr| {
        if headers {
            Arm {
                pat,
                body: ArmBody::Block(vec![Stmt::Let(pw("headers"), headers_expr(ctx, op)), Stmt::Tail(value)]),
            }
        } else {
            arm(pat, value)
        }
    };
    let raw = || w("raw");
    let mut arms = Vec::new();
    for case in &success {
        let value = if op.success.len() > 1 {
            let v = w(format!("{}::{}", op.response_name, case.variant));
            match case.body {
                BodyKind::Json(_) | BodyKind::Form(..) => raw().method("ok_json_as", vec![ha(), v]),
                BodyKind::Text => raw().method("ok_text_as", vec![ha(), v]),
                BodyKind::Binary | BodyKind::Multipart(_) => raw().method("ok_bytes_as", vec![ha(), v]),
                BodyKind::Empty => raw().method("ok_with", vec![ha(), v]),
            }
        } else {
            match case.body {
                BodyKind::Json(_) | BodyKind::Form(..) => raw().method("ok_json", vec![ha()]),
                BodyKind::Text => raw().method("ok_text", vec![ha()]),
                BodyKind::Binary | BodyKind::Multipart(_) => raw().method("ok_bytes", vec![ha()]),
                BodyKind::Empty => raw().method("ok_with", vec![ha(), w("()")]),
            }
        };
        arms.push(success_arm(status_pattern(case.status), value));
    }
    if op.success.is_empty() {
        arms.push(success_arm(
            pw("200..=299"),
            raw().method("ok_with", vec![ha(), w("()")]),
        ));
    }
    let mut has_default = false;
    for case in &errors {
        has_default |= case.status == StatusMatch::Default;
        let v = w(format!("{}::{}", op.error_name, case.variant));
        let value = match case.body {
            BodyKind::Json(_) | BodyKind::Form(..) => raw().method("fail_json", vec![v]),
            BodyKind::Text => raw().method("fail_text", vec![v]),
            BodyKind::Binary | BodyKind::Multipart(_) => raw().method("fail_bytes", vec![v]),
            BodyKind::Empty => raw().method("fail_with", vec![v]),
        };
        arms.push(arm(status_pattern(case.status), value));
    }
    if !has_default {
        arms.push(arm(pw("_"), raw().method("unexpected", vec![])));
    }
    arms
}

fn status_doc(m: StatusMatch) -> String {
    match m {
        StatusMatch::Code(c) => format!("Status {c}"),
        StatusMatch::Range(r) => format!("Any status {r}xx"),
        StatusMatch::Default => "Any other status".to_owned(),
    }
}

/// A match arm reading the code (or message) out of one error variant.
fn detail_arm(ctx: Ctx<'_>, c: &ResponseCase, error: &str, code: bool) -> Arm {
    let v = format!("{error}::{}", c.variant);
    let none = |v: String| arm(ptuple(v, &["_"]), w("None"));
    match &c.body {
        BodyKind::Empty => arm(pw(v), w("None")),
        BodyKind::Json(TypeRef::Any) => {
            let pointer = if code { "/error/code" } else { "/error/message" };
            let value = w("b")
                .method("pointer", vec![w(lit(pointer))])
                .method("and_then", vec![w("::serde_json::Value::as_str")]);
            arm(ptuple(v, &["b"]), value)
        }
        BodyKind::Json(TypeRef::Named(n)) => {
            let shape = find(ctx.types(), n).and_then(|t| t.error_shape.clone());
            let as_str = |e: Expr| call("Some", vec![e.method("as_str", vec![])]);
            let value = match shape {
                Some(ErrorShape::Nested {
                    error_field,
                    code_field,
                    message_field,
                    code_optional,
                    message_optional,
                    error_optional,
                }) => {
                    let (field, optional) = if code {
                        (Some(code_field), code_optional)
                    } else {
                        (message_field, message_optional)
                    };
                    field.map(|f| {
                        let ef = w("b").field(error_field);
                        match (error_optional, optional) {
                            (false, false) => as_str(ef.field(f)),
                            (false, true) => ef.field(f).method("as_deref", vec![]),
                            (true, false) => {
                                let read = w("e").field(f).method("as_str", vec![]);
                                ef.method("as_ref", vec![])
                                    .method("map", vec![Expr::Closure("e".into(), Box::new(read))])
                            }
                            (true, true) => {
                                let read = w("e").field(f).method("as_deref", vec![]);
                                ef.method("as_ref", vec![])
                                    .method("and_then", vec![Expr::Closure("e".into(), Box::new(read))])
                            }
                        }
                    })
                }
                Some(ErrorShape::Flat {
                    code_field,
                    message_field,
                    code_optional,
                    message_optional,
                }) => {
                    let (field, optional) = if code {
                        (Some(code_field), code_optional)
                    } else {
                        (message_field, message_optional)
                    };
                    field.map(|f| {
                        if optional {
                            w("b").field(f).method("as_deref", vec![])
                        } else {
                            as_str(w("b").field(f))
                        }
                    })
                }
                None => None,
            };
            match value {
                Some(value) => arm(ptuple(v, &["b"]), value),
                None => none(v),
            }
        }
        _ => none(v),
    }
}
