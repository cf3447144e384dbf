//! `operations.rs`: a builder per operation, its error and header types, and
//! the `Client` method that starts it.
//!
//! The regular items are text: the `Client` method, the builder struct and
//! its `impl` (`new`, setters, `send`, `request`), its `IntoFuture` and its
//! result alias. The items whose shape follows the operation closely are
//! tokens: a second `impl` of the builder (`decode`, and `stream` or
//! `send_stream` where the operation has them), the error enum with its
//! `ErrorDetails`, the headers struct and the success enum.

use proc_macro2::TokenStream;
use quote::quote;

use super::common::{Ctx, doc_lines, find, ident, lines_tokens, tokens};
use super::features::Gate;
use super::text::{Code, Expr, ImplHeader, Meta, Signature, call, lit, w};
use crate::ir::{
    BodyKind, ErrorShape, HeaderType, Operation, Param, ParamLocation, ParamType, PathPiece, ResponseCase, StatusMatch,
    TypeRef,
};

/// The `Client` methods that start the operations `ops` (a run of
/// `ir.operations`): members of the one `impl Client` block, one level in.
pub(crate) fn client_methods(ctx: Ctx<'_>, ops: &[Operation]) -> String {
    let mut out = String::new();
    for op in ops {
        out.push_str(&client_method(ctx, op, ctx.gates.op(op)));
    }
    out
}

/// The `impl Client` block around its methods, as prettyplease prints it,
/// after the file's own doc.
pub(crate) fn client_block(ctx: Ctx<'_>, methods: &[&str]) -> String {
    let mut c = Code::new();
    let first = format!(
        " One request builder per operation. Start one from a [`{}`]",
        ctx.item("Client")
    );
    c.inner_docs(&[
        &first,
        " method, set optional parameters, then `.await` it (or call `send`).",
    ]);
    let mut out = c.finish(0);
    if methods.iter().all(|m| m.is_empty()) {
        out.push_str(&format!("impl {} {{}}\n", ctx.item("Client")));
        return out;
    }
    out.push_str(&format!("impl {} {{\n", ctx.item("Client")));
    methods.iter().for_each(|m| out.push_str(m));
    out.push_str("}\n");
    out
}

/// The items of the operations `ops`, which follow the `Client` block:
/// each operation's, with its `#[cfg(..)]`, if any.
pub(crate) fn builders(ctx: Ctx<'_>, ops: &[Operation]) -> Vec<super::Piece> {
    let mut out = Vec::with_capacity(2 * ops.len());
    for op in ops {
        let gate = ctx.gates.op(op);
        out.push(super::Piece::Text(operation_text(ctx, op, gate)));
        out.push(super::Piece::Tokens(operation_tokens(ctx, op, gate)));
    }
    out
}

/// How a parameter is held in the builder and taken by a method.
fn param_type(ctx: Ctx<'_>, p: &Param) -> String {
    match &p.ty {
        ParamType::Scalar(t) => ctx.type_text(t),
        ParamType::List { item, .. } => format!("Vec<{}>", ctx.type_text(item)),
        ParamType::ETag => ctx.item("ETag"),
        ParamType::Object { ty, .. } => ctx.type_text(ty),
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
        BodyKind::Json(t) | BodyKind::Form(t) => ctx.type_text(t),
        BodyKind::Text => "String".to_owned(),
        BodyKind::Binary => "::bytes::Bytes".to_owned(),
        BodyKind::Empty => "()".to_owned(),
    }
}

fn body_type(ctx: Ctx<'_>, op: &Operation) -> Option<String> {
    op.body.as_ref().map(|b| body_text(ctx, &b.kind))
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

fn client_method(ctx: Ctx<'_>, op: &Operation, gate: Option<Gate<'_>>) -> String {
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
    match (body_type(ctx, op), body_required) {
        (Some(t), true) => {
            args.push(format!("body: {t}"));
            inits.push(call("Some", vec![w("body")]));
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
    let mut c = Code::new();
    c.docs(&lines);
    if let Some(g) = gate {
        g.write(&mut c);
    }
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
    let sig = Signature {
        head: &format!("pub fn {}", op.method_name),
        generics: &[],
        args: &args,
        ret: Some(&ret),
        where_: &[],
    };
    c.fn_(&sig, |c| c.tail(&call(format!("{builder}::new"), inits)));
    c.finish(1)
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
            ParamType::Object { ty, .. } => ctx.type_string(ty),
        };
        params.push(format!("{}: {ty}", p.ident));
        call_args.push(p.ident.clone());
    }
    if let Some(b) = op.body.as_ref().filter(|b| b.required) {
        let ty = match &b.kind {
            BodyKind::Json(t) | BodyKind::Form(t) => ctx.type_string(t),
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
fn operation_text(ctx: Ctx<'_>, op: &Operation, gate: Option<Gate<'_>>) -> String {
    let builder = &op.type_name;
    let result = &op.result_name;
    let call_ty = format!("{}<'a, {result}>", ctx.rt("Call"));
    let required: Vec<&Param> = op.params.iter().filter(|p| p.required).collect();
    let gate_attr = |c: &mut Code| {
        if let Some(g) = gate {
            g.write(c);
        }
    };
    let builder_ty = format!("{builder}<'a>");

    let mut c = Code::new();
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
    gate_attr(&mut c);
    c.attr_name_value("must_use", &lit("a request does nothing until it is sent or awaited"));
    let mut fields = vec![super::text::Field {
        attrs: Code::new(),
        head: "client: ".to_owned(),
        ty: format!("&'a {}", ctx.item("Client")),
    }];
    for p in &op.params {
        let ty = param_type(ctx, p);
        fields.push(super::text::Field {
            attrs: Code::new(),
            head: format!("{}: ", p.ident),
            ty: if p.required { ty } else { format!("Option<{ty}>") },
        });
    }
    if let Some(t) = body_type(ctx, op) {
        fields.push(super::text::Field {
            attrs: Code::new(),
            head: "body: ".to_owned(),
            ty: format!("Option<{t}>"),
        });
    }
    c.struct_(&format!("pub struct {builder}"), &["'a"], fields);

    gate_attr(&mut c);
    let header = ImplHeader {
        generics: &["'a"],
        trait_: None,
        self_ty: &builder_ty,
    };
    c.impl_(&header, |c| {
        let mut new_args = vec![format!("client: &'a {}", ctx.item("Client"))];
        new_args.extend(required.iter().map(|p| format!("{}: {}", p.ident, param_type(ctx, p))));
        if let Some(t) = body_type(ctx, op) {
            new_args.push(format!("body: Option<{t}>"));
        }
        let sig = Signature {
            head: "pub(crate) fn new",
            generics: &[],
            args: &new_args,
            ret: Some("Self"),
            where_: &[],
        };
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
        if let (Some(false), Some(t)) = (op.body.as_ref().map(|b| b.required), body_type(ctx, op)) {
            c.docs(&[" The request body (optional for this operation).".to_owned()]);
            let args = ["mut self".to_owned(), format!("value: {t}")];
            let sig = Signature {
                head: "pub fn body",
                generics: &[],
                args: &args,
                ret: Some("Self"),
                where_: &[],
            };
            c.fn_(&sig, |c| {
                let value = call("Some", vec![w("value")]);
                c.stmt(&Expr::Assign(Box::new(w("self").field("body")), Box::new(value)));
                c.tail(&w("self"));
            });
        }
        c.docs(&[" Sends the request and decodes the response, once awaited.".to_owned()]);
        let sig = Signature {
            head: "pub fn send",
            generics: &[],
            args: &["self".to_owned()],
            ret: Some(&call_ty),
            where_: &[],
        };
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

    gate_attr(&mut c);
    let header = ImplHeader {
        generics: &["'a"],
        trait_: Some("::std::future::IntoFuture"),
        self_ty: &builder_ty,
    };
    c.impl_(&header, |c| {
        c.type_("type Output", result, false);
        c.type_("type IntoFuture", &call_ty, false);
        let sig = Signature {
            head: "fn into_future",
            generics: &[],
            args: &["self".to_owned()],
            ret: Some("Self::IntoFuture"),
            where_: &[],
        };
        c.fn_(&sig, |c| c.tail(&w("self").method("send", vec![])));
    });

    c.docs(&[format!(
        " What [`{builder}::send`] gives: the typed response, or why the call failed."
    )]);
    gate_attr(&mut c);
    let alias = format!(
        "Result<{}<{}, {}>, {}<{}>>",
        ctx.item("Response"),
        response_body_type(ctx, op),
        headers_type(op),
        ctx.item("Error"),
        op.error_name
    );
    c.type_(&format!("pub type {result}"), &alias, true);
    c.finish(0)
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
        ParamType::Scalar(t) | ParamType::Object { ty: t, .. } => (ctx.type_text(t), call("Some", vec![w("value")])),
        ParamType::ETag => (
            format!("impl Into<{}>", ctx.item("ETag")),
            call("Some", vec![w("value").method("into", vec![])]),
        ),
        ParamType::List { item, .. } => {
            let item_bound = format!("Into<{}>", ctx.type_text(item));
            let sig = Signature {
                head: &head,
                generics: &["I"],
                args: &["mut self".to_owned(), "values: I".to_owned()],
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
    let args = ["mut self".to_owned(), format!("value: {value_ty}")];
    let sig = Signature {
        head: &head,
        generics: &[],
        args: &args,
        ret: Some("Self"),
        where_: &[],
    };
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
    let sig = Signature {
        head: "pub fn max_page_size",
        generics: &[],
        args: &["mut self".to_owned(), "size: u32".to_owned()],
        ret: Some("Self"),
        where_: &[],
    };
    c.fn_(&sig, |c| {
        let value = call(
            "Some",
            vec![Expr::Macro("::std::format".to_owned(), lit("odata.maxpagesize={size}"))],
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
    let sig = Signature {
        head: "fn request",
        generics: &[],
        args: &["&self".to_owned()],
        ret: Some(&ret),
        where_: &[],
    };
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
                    let this = w("self").field(&p.ident);
                    let text = match &p.ty {
                        ParamType::Scalar(t) => ctx.text_of(t, this.borrow()),
                        ParamType::List { item, .. } => joined(ctx, this, item),
                        // Lowering keeps objects to the query.
                        ParamType::ETag | ParamType::Object { .. } => call("ToString::to_string", vec![this.borrow()]),
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
                w(op.authenticated.to_string()),
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
            let content_type = w(lit(&b.content_type));
            let body = || w("body");
            let set = match &b.kind {
                BodyKind::Json(_) => Some(w("req").method("json", vec![body()]).try_()),
                BodyKind::Form(_) => Some(w("req").method("form", vec![body()]).try_()),
                BodyKind::Text => Some(w("req").method(
                    "body",
                    vec![
                        content_type,
                        call("::bytes::Bytes::from", vec![call("Clone::clone", vec![body()])]),
                    ],
                )),
                BodyKind::Binary => {
                    Some(w("req").method("body", vec![content_type, call("Clone::clone", vec![body()])]))
                }
                BodyKind::Empty => None,
            };
            c.if_let("Some", "body", &w("self").field("body").borrow(), |c| {
                if let Some(set) = &set {
                    c.stmt(set);
                }
            });
        }
        c.tail(&call("Ok", vec![w("req")]));
    });
}

/// A list's values written with `text_of` and joined by commas.
fn joined(ctx: Ctx<'_>, list: Expr, item: &TypeRef) -> Expr {
    list.method("iter", vec![])
        .method(
            "map",
            vec![Expr::Closure("v".to_owned(), Box::new(ctx.text_of(item, w("v"))))],
        )
        .method_turbofish("collect", "Vec<_>", vec![])
        .method("join", vec![w(lit(","))])
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
            vec![Expr::Closure("x".to_owned(), Box::new(ctx.text_of(item, w("x"))))],
        )
    };
    let value = |v: Expr| -> Expr {
        match &p.ty {
            ParamType::Scalar(t) => ctx.text_of(t, v),
            ParamType::List { item, .. } => {
                let x = Expr::Closure("x".to_owned(), Box::new(ctx.text_of(item, w("x"))));
                list.clone()
                    .method("iter", vec![])
                    .method("map", vec![x])
                    .method_turbofish("collect", "Vec<_>", vec![])
                    .method("join", vec![w(lit(","))])
            }
            ParamType::ETag | ParamType::Object { .. } => call("ToString::to_string", vec![v]),
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
            // The delimiter as it goes on the wire.
            let delimiter = match delimiter {
                ' ' => "%20",
                '|' => "%7C",
                _ => "%09",
            };
            w("query").method("push_delimited", vec![wire(), each(item), w(lit(delimiter))])
        }
        (ParamLocation::Query, ParamType::Object { style, .. }) => {
            let style = match style {
                crate::ir::ObjectStyle::Form => "Form",
                crate::ir::ObjectStyle::FormExploded => "FormExploded",
                crate::ir::ObjectStyle::DeepObject => "DeepObject",
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

/// An operation's items built as tokens: the builder's second `impl`
/// (`decode`, and `stream` or `send_stream`), the error enum, the headers
/// struct and the success enum.
fn operation_tokens(ctx: Ctx<'_>, op: &Operation, gate: Option<Gate<'_>>) -> TokenStream {
    let root = ctx.root_tokens();
    let builder = ident(&op.type_name);
    let error = ident(&op.error_name);
    let headers = ident(&op.headers_name);
    let gate = gate.map(|g| g.tokens());
    let (decode_fn, error_enum, headers_struct, response_enum_def) = decode_parts(ctx, op, gate.as_ref());
    let stream_fn = if is_binary(op) {
        let headers_expr = headers_expr(ctx, op);
        let headers_ty = if op.response_headers.is_empty() {
            quote!(())
        } else {
            quote!(#headers)
        };
        quote! {
            /// Sends the request and hands the body over as it arrives,
            /// without reading it into memory or applying the size limit.
            pub async fn send_stream(self) -> Result<#root::Response<#root::ByteStream, #headers_ty>, #root::Error<#error>> {
                let req = self.request()?;
                let response = self.client.execute_stream(&req).await?;
                if response.status().is_success() {
                    let raw_headers = response.headers().clone();
                    let raw = #root::runtime::RawResponse::new(response.status(), raw_headers.clone(), ::bytes::Bytes::new());
                    let headers = #headers_expr;
                    let stream = #root::ByteStream::new(response.bytes_stream());
                    return Ok(#root::Response::new(raw.status, headers, raw_headers, stream));
                }
                let raw = self.client.finish(response).await?;
                match Self::decode(raw) {
                    Err(e) => Err(e),
                    // Only success statuses decode to success, and this one is not.
                    Ok(r) => Err(#root::Error::Decode { status: r.status, message: ToString::to_string("a non-success status decoded as success"), body: ::bytes::Bytes::new() }),
                }
            }
        }
    } else {
        TokenStream::new()
    };
    let page_fn = op.page.as_ref().map(|p| {
        let item = ctx.type_tokens(&p.item);
        quote! {
            /// Every item of every page: sends the request, then follows each
            /// `@odata.nextLink` (only to the base URL's origin) until the last page.
            pub fn stream(self) -> impl ::futures::Stream<Item = Result<#item, #root::Error<#error>>> + 'a {
                use ::futures::StreamExt as _;
                match self.request() {
                    Ok(req) => #root::runtime::pages(self.client, req, |raw| Self::decode(raw).map(|r| r.body)).left_stream(),
                    Err(e) => ::futures::stream::once(async move { Err(e) }).right_stream(),
                }
            }
        }
    });
    quote! {
        #gate
        impl<'a> #builder<'a> {
            #stream_fn
            #page_fn
            #decode_fn
        }
        #error_enum
        #headers_struct
        #response_enum_def
    }
}

/// The expression building the typed headers from `raw`.
fn headers_expr(ctx: Ctx<'_>, op: &Operation) -> TokenStream {
    if op.response_headers.is_empty() {
        return quote!(());
    }
    let root = ctx.root_tokens();
    let headers = ident(&op.headers_name);
    let fields: Vec<TokenStream> = op
        .response_headers
        .iter()
        .map(|h| {
            let name = ident(&h.ident);
            let wire = h.name.to_ascii_lowercase();
            let value = match h.ty {
                HeaderType::ETag => quote!(raw.header(#wire).map(#root::ETag::from)),
                HeaderType::String => {
                    quote!(raw.header(#wire).map(ToString::to_string))
                }
                HeaderType::I64 => {
                    quote!(raw.header(#wire).and_then(|v| v.trim().parse::<i64>().ok()))
                }
                HeaderType::F64 => {
                    quote!(raw.header(#wire).and_then(|v| v.trim().parse::<f64>().ok()))
                }
                HeaderType::Bool => {
                    quote!(raw.header(#wire).and_then(|v| v.trim().parse::<bool>().ok()))
                }
            };
            quote!(#name: #value,)
        })
        .collect();
    quote!(#headers { #(#fields)* })
}

fn status_pattern(m: StatusMatch) -> TokenStream {
    match m {
        StatusMatch::Code(c) => quote!(#c),
        StatusMatch::Range(r) => {
            let lo = r * 100;
            let hi = r * 100 + 99;
            quote!(#lo..=#hi)
        }
        StatusMatch::Default => quote!(_),
    }
}

/// `decode`, the error enum with its `ErrorDetails`, the headers struct
/// and the success enum, each item with the operation's gate.
fn decode_parts(
    ctx: Ctx<'_>,
    op: &Operation,
    gate: Option<&TokenStream>,
) -> (TokenStream, TokenStream, TokenStream, TokenStream) {
    let root = ctx.root_tokens();
    let error = ident(&op.error_name);
    let headers = ident(&op.headers_name);
    let response_enum = ident(&op.response_name);
    let headers_expr = headers_expr(ctx, op);
    // Exact codes first, then ranges, then the default.
    let mut success: Vec<&ResponseCase> = op.success.iter().collect();
    success.sort_by_key(|c| c.status);
    let mut errors: Vec<&ResponseCase> = op.errors.iter().collect();
    errors.sort_by_key(|c| c.status);
    // Each arm is one call of a runtime helper: the decoding is written once.
    let (ha, headers_let) = if op.response_headers.is_empty() {
        (quote!(()), TokenStream::new())
    } else {
        (quote!(headers), quote!(let headers = #headers_expr;))
    };
    let mut arms = Vec::new();
    for case in &success {
        let pat = status_pattern(case.status);
        let call = if op.success.len() > 1 {
            let v = ident(&case.variant);
            match case.body {
                BodyKind::Json(_) | BodyKind::Form(_) => quote!(raw.ok_json_as(#ha, #response_enum::#v)),
                BodyKind::Text => quote!(raw.ok_text_as(#ha, #response_enum::#v)),
                BodyKind::Binary => quote!(raw.ok_bytes_as(#ha, #response_enum::#v)),
                BodyKind::Empty => quote!(raw.ok_with(#ha, #response_enum::#v)),
            }
        } else {
            match case.body {
                BodyKind::Json(_) | BodyKind::Form(_) => quote!(raw.ok_json(#ha)),
                BodyKind::Text => quote!(raw.ok_text(#ha)),
                BodyKind::Binary => quote!(raw.ok_bytes(#ha)),
                BodyKind::Empty => quote!(raw.ok_with(#ha, ())),
            }
        };
        if op.response_headers.is_empty() {
            arms.push(quote!(#pat => #call,));
        } else {
            arms.push(quote!(#pat => { #headers_let #call }));
        }
    }
    if op.success.is_empty() {
        if op.response_headers.is_empty() {
            arms.push(quote!(200..=299 => raw.ok_with((), ()),));
        } else {
            arms.push(quote!(200..=299 => { #headers_let raw.ok_with(headers, ()) }));
        }
    }
    let mut has_default = false;
    for case in &errors {
        has_default |= case.status == StatusMatch::Default;
        let pat = status_pattern(case.status);
        let v = ident(&case.variant);
        let call = match case.body {
            BodyKind::Json(_) | BodyKind::Form(_) => quote!(raw.fail_json(#error::#v)),
            BodyKind::Text => quote!(raw.fail_text(#error::#v)),
            BodyKind::Binary => quote!(raw.fail_bytes(#error::#v)),
            BodyKind::Empty => quote!(raw.fail_with(#error::#v)),
        };
        arms.push(quote!(#pat => #call,));
    }
    if !has_default {
        arms.push(quote!(_ => raw.unexpected(),));
    }
    let result = ident(&op.result_name);
    let decode = quote! {
        fn decode(raw: #root::runtime::RawResponse) -> #result {
            match raw.status.as_u16() {
                #(#arms)*
            }
        }
    };

    // The error enum, with code and message read where the schema has them.
    let variants: Vec<TokenStream> = errors
        .iter()
        .map(|c| {
            let v = ident(&c.variant);
            let doc = lines_tokens(&doc_lines(&format!(
                "{}{}",
                status_doc(c.status),
                c.description.as_deref().map(|d| format!(": {d}")).unwrap_or_default()
            )));
            match &c.body {
                BodyKind::Empty => quote!(#doc #v,),
                other => {
                    let t = tokens(&body_text(ctx, other));
                    quote!(#doc #v(#t),)
                }
            }
        })
        .collect();
    let code_arms: Vec<TokenStream> = errors.iter().map(|c| detail_arm(ctx, c, &error, true)).collect();
    let message_arms: Vec<TokenStream> = errors.iter().map(|c| detail_arm(ctx, c, &error, false)).collect();
    let (code_body, message_body) = if errors.is_empty() {
        (quote!(match *self {}), quote!(match *self {}))
    } else {
        (
            quote!(match self { #(#code_arms)* }),
            quote!(match self { #(#message_arms)* }),
        )
    };
    let error_doc = lines_tokens(&[format!(
        " The documented error responses of [`{}::{}`].",
        ctx.item("Client"),
        op.method_name
    )]);
    let error_enum = quote! {
        #error_doc
        #gate
        #[derive(Debug, Clone, PartialEq)]
        pub enum #error {
            #(#variants)*
        }

        #gate
        impl #root::ErrorDetails for #error {
            fn code(&self) -> Option<&str> {
                #code_body
            }
            fn message(&self) -> Option<&str> {
                #message_body
            }
        }
    };

    let headers_struct = if op.response_headers.is_empty() {
        TokenStream::new()
    } else {
        let fields: Vec<TokenStream> = op
            .response_headers
            .iter()
            .map(|h| {
                let name = ident(&h.ident);
                let ty = match h.ty {
                    HeaderType::ETag => quote!(#root::ETag),
                    HeaderType::String => quote!(String),
                    HeaderType::I64 => quote!(i64),
                    HeaderType::F64 => quote!(f64),
                    HeaderType::Bool => quote!(bool),
                };
                let mut doc = h.doc.clone().unwrap_or_default();
                if !doc.is_empty() {
                    doc.push_str("\n\n");
                }
                doc.push_str(&format!("The `{}` response header, if sent and well-formed.", h.name));
                let lines = lines_tokens(&doc_lines(&doc));
                quote!(#lines pub #name: Option<#ty>,)
            })
            .collect();
        let doc = lines_tokens(&[format!(
            " The response headers of [`{}::{}`] that the spec declares.",
            ctx.item("Client"),
            op.method_name
        )]);
        quote! {
            #doc
            #gate
            #[derive(Debug, Clone, PartialEq)]
            pub struct #headers {
                #(#fields)*
            }
        }
    };

    let response_def = if op.success.len() > 1 {
        let variants: Vec<TokenStream> = success
            .iter()
            .map(|c| {
                let v = ident(&c.variant);
                let doc = lines_tokens(&doc_lines(&status_doc(c.status)));
                match c.body {
                    BodyKind::Empty => quote!(#doc #v,),
                    _ => {
                        let t = tokens(&body_text(ctx, &c.body));
                        quote!(#doc #v(#t),)
                    }
                }
            })
            .collect();
        let doc = lines_tokens(&[format!(
            " The documented success responses of [`{}::{}`].",
            ctx.item("Client"),
            op.method_name
        )]);
        quote! {
            #doc
            #gate
            #[derive(Debug, Clone, PartialEq)]
            pub enum #response_enum {
                #(#variants)*
            }
        }
    } else {
        TokenStream::new()
    };
    (decode, error_enum, headers_struct, response_def)
}

fn status_doc(m: StatusMatch) -> String {
    match m {
        StatusMatch::Code(c) => format!("Status {c}"),
        StatusMatch::Range(r) => format!("Any status {r}xx"),
        StatusMatch::Default => "Any other status".to_owned(),
    }
}

/// A match arm reading the code (or message) out of one error variant.
fn detail_arm(ctx: Ctx<'_>, c: &ResponseCase, error: &proc_macro2::Ident, code: bool) -> TokenStream {
    let v = ident(&c.variant);
    let none = quote!(None);
    match &c.body {
        BodyKind::Empty => quote!(#error::#v => #none,),
        BodyKind::Json(TypeRef::Any) => {
            let pointer = if code { "/error/code" } else { "/error/message" };
            quote!(#error::#v(b) => b.pointer(#pointer).and_then(::serde_json::Value::as_str),)
        }
        BodyKind::Json(TypeRef::Named(n)) => {
            let shape = find(ctx.types(), n).and_then(|t| t.error_shape.clone());
            let expr = match shape {
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
                    match field {
                        None => none.clone(),
                        Some(f) => {
                            let ef = ident(&error_field);
                            let f = ident(&f);
                            match (error_optional, optional) {
                                (false, false) => {
                                    quote!(Some(b.#ef.#f.as_str()))
                                }
                                (false, true) => quote!(b.#ef.#f.as_deref()),
                                (true, false) => quote!(b.#ef.as_ref().map(|e| e.#f.as_str())),
                                (true, true) => {
                                    quote!(b.#ef.as_ref().and_then(|e| e.#f.as_deref()))
                                }
                            }
                        }
                    }
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
                    match field {
                        None => none.clone(),
                        Some(f) => {
                            let f = ident(&f);
                            if optional {
                                quote!(b.#f.as_deref())
                            } else {
                                quote!(Some(b.#f.as_str()))
                            }
                        }
                    }
                }
                None => none.clone(),
            };
            if expr.to_string() == none.to_string() {
                quote!(#error::#v(_) => #none,)
            } else {
                quote!(#error::#v(b) => #expr,)
            }
        }
        _ => quote!(#error::#v(_) => #none,),
    }
}
