//! `operations.rs`: a builder per operation, its error and header types, and
//! the `Client` method that starts it.
//!
//! The regular parts (the `Client` methods, each builder's struct, fields,
//! setters, `send`, `IntoFuture` and result alias) are written as text; the
//! parts whose shape follows the operation closely (building the request,
//! decoding the response, the error enum) as tokens.

use proc_macro2::TokenStream;
use quote::quote;

use super::common::{doc_lines, find, ident, text_of, tokens, type_string, type_text, type_tokens};
use super::features::Gates;
use super::text::{Lines, lit};
use super::{Piece, gate_text, members_text};
use crate::ir::{
    BodyKind, ErrorShape, HeaderType, Ir, Operation, Param, ParamLocation, ParamType, PathPiece, ResponseCase,
    StatusMatch, TypeDef, TypeRef,
};

/// The `Client` methods that start the operations `ops` (a run of
/// `ir.operations`), in one `impl` block; the first run carries the file's
/// own doc. Runs formatted apart join into one block (see `emit::Section`).
pub(crate) fn client_methods(
    ir: &Ir,
    ops: &[Operation],
    krate: &str,
    first: bool,
    gates: &Gates,
) -> Result<String, String> {
    let mut l = Lines::new();
    if first {
        l.line(
            0,
            "//! One request builder per operation. Start one from a [`crate::Client`]",
        );
        l.line(
            0,
            "//! method, set optional parameters, then `.await` it (or call `send`).",
        );
    }
    l.line(0, "impl crate::Client {");
    for op in ops {
        let gate = gates.op(op).map(|g| gate_text(&g)).transpose()?;
        client_method(&mut l, op, &ir.types, krate, gate.as_deref());
    }
    l.line(0, "}");
    Ok(l.finish())
}

/// The request builders of the operations `ops`, which follow the
/// methods: each operation's items with its `#[cfg(..)]`, if any.
pub(crate) fn builders(ir: &Ir, ops: &[Operation], gates: &Gates) -> Result<Vec<(Piece, Option<TokenStream>)>, String> {
    let mut out = Vec::with_capacity(2 * ops.len());
    for op in ops {
        let gate = gates.op(op);
        let (text, tokens) = operation(op, &ir.types)?;
        out.push((Piece::Text(text), gate.clone()));
        out.push((Piece::Tokens(tokens), gate));
    }
    Ok(out)
}

/// How a parameter is held in the builder and taken by a method.
fn param_type(p: &Param) -> String {
    match &p.ty {
        ParamType::Scalar(t) => type_text(t),
        ParamType::List { item, .. } => format!("Vec<{}>", type_text(item)),
        ParamType::ETag => "crate::ETag".to_owned(),
        ParamType::Object { ty, .. } => type_text(ty),
    }
}

/// The argument type of a required parameter and how it is stored.
fn param_arg(p: &Param) -> (String, String) {
    let name = &p.ident;
    match &p.ty {
        ParamType::Scalar(TypeRef::Prim(crate::ir::Prim::String)) => {
            ("impl Into<String>".to_owned(), format!("{name}.into()"))
        }
        ParamType::ETag => ("impl Into<crate::ETag>".to_owned(), format!("{name}.into()")),
        _ => (param_type(p), name.clone()),
    }
}

/// The Rust type of a body of this kind.
fn body_text(kind: &BodyKind) -> String {
    match kind {
        BodyKind::Json(t) | BodyKind::Form(t) => type_text(t),
        BodyKind::Text => "String".to_owned(),
        BodyKind::Binary => "::bytes::Bytes".to_owned(),
        BodyKind::Empty => "()".to_owned(),
    }
}

fn body_type(op: &Operation) -> Option<String> {
    op.body.as_ref().map(|b| body_text(&b.kind))
}

fn success_body(case: &ResponseCase) -> TokenStream {
    tokens(&body_text(&case.body))
}

fn is_binary(op: &Operation) -> bool {
    op.success.len() == 1 && matches!(op.success[0].body, BodyKind::Binary)
}

fn names(
    op: &Operation,
) -> (
    proc_macro2::Ident,
    proc_macro2::Ident,
    proc_macro2::Ident,
    proc_macro2::Ident,
) {
    (
        ident(&op.type_name),
        ident(&op.error_name),
        ident(&op.headers_name),
        ident(&op.response_name),
    )
}

/// The success body type of the operation's `Response`.
fn response_body_type(op: &Operation) -> String {
    match op.success.len() {
        0 => "()".to_owned(),
        1 => body_text(&op.success[0].body),
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

fn client_method(l: &mut Lines, op: &Operation, types: &[TypeDef], krate: &str, gate: Option<&str>) {
    let builder = &op.type_name;
    let required: Vec<&Param> = op.params.iter().filter(|p| p.required).collect();
    let mut args = vec!["&self".to_owned()];
    let mut inits = vec!["self".to_owned()];
    for p in &required {
        let (ty, init) = param_arg(p);
        args.push(format!("{}: {ty}", p.ident));
        inits.push(init);
    }
    let body_required = op.body.as_ref().is_some_and(|b| b.required);
    match (body_type(op), body_required) {
        (Some(t), true) => {
            args.push(format!("body: {t}"));
            inits.push("Some(body)".to_owned());
        }
        (Some(_), false) => inits.push("None".to_owned()),
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
    lines.extend(example(op, types, krate));
    l.doc(1, &lines);
    if let Some(gate) = gate {
        l.indented(1, gate);
    }
    if op.deprecated {
        l.line(1, "#[deprecated(note = \"the spec marks this operation deprecated\")]");
    }
    l.fit(
        1,
        &format!("pub fn {}(", op.method_name),
        &args,
        &format!(") -> {builder}<'_> {{"),
    );
    l.fit(2, &format!("{builder}::new("), &inits, ")");
    l.line(1, "}");
}

/// A doc example that compiles: the values come in as arguments.
fn example(op: &Operation, _types: &[TypeDef], krate: &str) -> Vec<String> {
    let krate_ident = krate.replace('-', "_");
    let mut params = vec![format!("client: &{krate_ident}::Client")];
    let mut call_args = Vec::new();
    for p in op.params.iter().filter(|p| p.required) {
        let ty = match &p.ty {
            ParamType::Scalar(TypeRef::Prim(crate::ir::Prim::String)) => "&str".to_owned(),
            ParamType::Scalar(t) => type_string(t, &krate_ident),
            ParamType::List { item, .. } => format!("Vec<{}>", type_string(item, &krate_ident)),
            ParamType::ETag => format!("{krate_ident}::ETag"),
            ParamType::Object { ty, .. } => type_string(ty, &krate_ident),
        };
        params.push(format!("{}: {ty}", p.ident));
        call_args.push(p.ident.clone());
    }
    if let Some(b) = op.body.as_ref().filter(|b| b.required) {
        let ty = match &b.kind {
            BodyKind::Json(t) | BodyKind::Form(t) => type_string(t, &krate_ident),
            BodyKind::Text => "String".to_owned(),
            BodyKind::Binary => "bytes::Bytes".to_owned(),
            BodyKind::Empty => "()".to_owned(),
        };
        params.push(format!("body: {ty}"));
        call_args.push("body".to_owned());
    }
    let call = format!("client.{}({})", op.method_name, call_args.join(", "));
    let mut lines = vec![
        String::new(),
        " # Example".to_owned(),
        String::new(),
        " ```no_run".to_owned(),
    ];
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

/// An operation's items: as text, the builder, its `impl` (with the
/// members that are tokens printed into it), its `IntoFuture` and its
/// result alias; as tokens, its error enum and, where it has them, its
/// headers struct and response enum.
fn operation(op: &Operation, types: &[TypeDef]) -> Result<(Vec<String>, TokenStream), String> {
    let (_, error, headers, response_enum) = names(op);
    let builder = &op.type_name;
    let result = &op.result_name;
    let call = format!("crate::runtime::Call<'a, {result}>");
    let required: Vec<&Param> = op.params.iter().filter(|p| p.required).collect();

    let mut l = Lines::new();
    let summary = op
        .summary
        .clone()
        .unwrap_or_else(|| format!("{} {}", op.http_method, op.path));
    l.doc(
        0,
        &[format!(
            " The request of [`crate::Client::{}`]: {}",
            op.method_name,
            summary.replace(['\n', '\r'], " ")
        )],
    );
    l.line(
        0,
        "#[must_use = \"a request does nothing until it is sent or awaited\"]",
    );
    l.line(0, &format!("pub struct {builder}<'a> {{"));
    l.line(1, "client: &'a crate::Client,");
    for p in &op.params {
        let ty = param_type(p);
        if p.required {
            l.line(1, &format!("{}: {ty},", p.ident));
        } else {
            l.line(1, &format!("{}: Option<{ty}>,", p.ident));
        }
    }
    if let Some(t) = body_type(op) {
        l.line(1, &format!("body: Option<{t}>,"));
    }
    l.line(0, "}");
    let builder_struct = l.finish();

    let mut l = Lines::new();
    l.line(0, &format!("impl<'a> {builder}<'a> {{"));
    let mut new_args = vec!["client: &'a crate::Client".to_owned()];
    new_args.extend(required.iter().map(|p| format!("{}: {}", p.ident, param_type(p))));
    if let Some(t) = body_type(op) {
        new_args.push(format!("body: Option<{t}>"));
    }
    l.fit(1, "pub(crate) fn new(", &new_args, ") -> Self {");
    if op.params.is_empty() && op.body.is_none() {
        l.line(2, "Self { client }");
    } else {
        l.line(2, "Self {");
        l.line(3, "client,");
        for p in &required {
            l.line(3, &format!("{},", p.ident));
        }
        for p in op.params.iter().filter(|p| !p.required) {
            l.line(3, &format!("{}: None,", p.ident));
        }
        if op.body.is_some() {
            l.line(3, "body,");
        }
        l.line(2, "}");
    }
    l.line(1, "}");
    for p in op.params.iter().filter(|p| !p.required) {
        setter(&mut l, p);
    }
    max_page_size(&mut l, op);
    if let (Some(false), Some(t)) = (op.body.as_ref().map(|b| b.required), body_type(op)) {
        l.line(1, "/// The request body (optional for this operation).");
        l.fit(
            1,
            "pub fn body(",
            &["mut self".to_owned(), format!("value: {t}")],
            ") -> Self {",
        );
        l.line(2, "self.body = Some(value);");
        l.line(2, "self");
        l.line(1, "}");
    }
    l.line(1, "/// Sends the request and decodes the response, once awaited.");
    l.fit(1, "pub fn send(", &["self".to_owned()], &format!(") -> {call} {{"));
    l.line(
        2,
        "crate::runtime::Call::new(self.client, self.request(), Self::decode)",
    );
    l.line(1, "}");

    let (decode_fn, error_enum, headers_struct, response_enum_def) =
        decode_parts(op, types, &error, &headers, &response_enum);
    let error_ty = &error;
    let stream_fn = if is_binary(op) {
        let headers_expr = headers_expr(op);
        let headers_ty = if op.response_headers.is_empty() {
            quote!(())
        } else {
            quote!(#headers)
        };
        quote! {
            /// Sends the request and hands the body over as it arrives,
            /// without reading it into memory or applying the size limit.
            pub async fn send_stream(self) -> Result<crate::Response<crate::ByteStream, #headers_ty>, crate::Error<#error_ty>> {
                let req = self.request()?;
                let response = self.client.execute_stream(&req).await?;
                if response.status().is_success() {
                    let raw_headers = response.headers().clone();
                    let raw = crate::runtime::RawResponse::new(response.status(), raw_headers.clone(), ::bytes::Bytes::new());
                    let headers = #headers_expr;
                    let stream = crate::ByteStream::new(response.bytes_stream());
                    return Ok(crate::Response::new(raw.status, headers, raw_headers, stream));
                }
                let raw = self.client.finish(response).await?;
                match Self::decode(raw) {
                    Err(e) => Err(e),
                    // Only success statuses decode to success, and this one is not.
                    Ok(r) => Err(crate::Error::Decode { status: r.status, message: ToString::to_string("a non-success status decoded as success"), body: ::bytes::Bytes::new() }),
                }
            }
        }
    } else {
        TokenStream::new()
    };
    let page_fn = op.page.as_ref().map(|p| {
        let item = type_tokens(&p.item);
        quote! {
            /// Every item of every page: sends the request, then follows each
            /// `@odata.nextLink` (only to the base URL's origin) until the last page.
            pub fn stream(self) -> impl ::futures::Stream<Item = Result<#item, crate::Error<#error_ty>>> + 'a {
                use ::futures::StreamExt as _;
                match self.request() {
                    Ok(req) => crate::runtime::pages(self.client, req, |raw| Self::decode(raw).map(|r| r.body)).left_stream(),
                    Err(e) => ::futures::stream::once(async move { Err(e) }).right_stream(),
                }
            }
        }
    });
    let members = members_text(quote! {
        #stream_fn
        #page_fn
        #decode_fn
    })?;
    request_fn(&mut l, op, types);
    let mut impl_text = l.finish();
    impl_text.push_str(&members);
    impl_text.push_str("}\n");

    let mut l = Lines::new();
    l.line(0, &format!("impl<'a> ::std::future::IntoFuture for {builder}<'a> {{"));
    l.line(1, &format!("type Output = {result};"));
    l.line(1, &format!("type IntoFuture = {call};"));
    l.line(1, "fn into_future(self) -> Self::IntoFuture {");
    l.line(2, "self.send()");
    l.line(1, "}");
    l.line(0, "}");
    let into_future = l.finish();

    let mut l = Lines::new();
    l.doc(
        0,
        &[format!(
            " What [`{builder}::send`] gives: the typed response, or why the call failed."
        )],
    );
    l.fit(
        0,
        &format!("pub type {result} = Result<"),
        &[
            format!("crate::Response<{}, {}>", response_body_type(op), headers_type(op)),
            format!("crate::Error<{error}>"),
        ],
        ">;",
    );
    let alias = l.finish();

    Ok((
        vec![builder_struct, impl_text, into_future, alias],
        quote! {
            #error_enum
            #headers_struct
            #response_enum_def
        },
    ))
}

fn setter(l: &mut Lines, p: &Param) {
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
    l.doc(1, &doc_lines(&doc));
    let open = format!("pub fn {name}(");
    let (value_ty, store) = match &p.ty {
        ParamType::Scalar(TypeRef::Prim(crate::ir::Prim::String)) => {
            ("impl Into<String>".to_owned(), "Some(value.into())")
        }
        ParamType::Scalar(t) | ParamType::Object { ty: t, .. } => (type_text(t), "Some(value)"),
        ParamType::ETag => ("impl Into<crate::ETag>".to_owned(), "Some(value.into())"),
        ParamType::List { item, .. } => {
            l.fit(
                1,
                &format!("pub fn {name}<I>("),
                &["mut self".to_owned(), "values: I".to_owned()],
                ") -> Self",
            );
            l.line(1, "where");
            l.line(2, "I: IntoIterator,");
            l.line(2, &format!("I::Item: Into<{}>,", type_text(item)));
            l.line(1, "{");
            l.line(
                2,
                &format!("self.{name} = Some(values.into_iter().map(Into::into).collect());"),
            );
            l.line(2, "self");
            l.line(1, "}");
            return;
        }
    };
    l.fit(
        1,
        &open,
        &["mut self".to_owned(), format!("value: {value_ty}")],
        ") -> Self {",
    );
    l.line(2, &format!("self.{name} = {store};"));
    l.line(2, "self");
    l.line(1, "}");
}

/// OData's `Prefer: odata.maxpagesize=N`, where the operation takes a
/// `Prefer` header: the page size without writing the preference by hand.
fn max_page_size(l: &mut Lines, op: &Operation) {
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
    l.line(
        1,
        "/// Asks for pages of at most `size` entities (`Prefer: odata.maxpagesize=<size>`);",
    );
    l.line(1, "/// the server sends an `@odata.nextLink` while more remain.");
    l.line(1, "pub fn max_page_size(mut self, size: u32) -> Self {");
    l.line(
        2,
        &format!(
            "self.{} = Some(::std::format!({}));",
            p.ident,
            lit("odata.maxpagesize={size}")
        ),
    );
    l.line(2, "self");
    l.line(1, "}");
}

fn location_word(l: ParamLocation) -> &'static str {
    match l {
        ParamLocation::Path => "path",
        ParamLocation::Query => "query",
        ParamLocation::Header => "header",
    }
}

/// `request`: the method, URL, query, headers and body of the operation,
/// as text (`l` is inside the builder's `impl`).
fn request_fn(l: &mut Lines, op: &Operation, types: &[TypeDef]) {
    l.fit(
        1,
        "fn request(",
        &["&self".to_owned()],
        &format!(
            ") -> Result<crate::runtime::Request, crate::Error<{}>> {{",
            op.error_name
        ),
    );
    l.line(2, "let mut path = String::new();");
    for piece in &op.segments {
        match piece {
            PathPiece::Literal(s) => {
                let mut chars = s.chars();
                match (chars.next(), chars.next()) {
                    (Some(c), None) => l.line(2, &format!("path.push({});", char_lit(c))),
                    _ => l.fit(2, "path.push_str(", &[lit(s)], ");"),
                }
            }
            PathPiece::Param { index, quoted } => {
                let p = &op.params[*index];
                let name = &p.ident;
                let text = match &p.ty {
                    ParamType::Scalar(t) => text_of(t, types, &format!("&self.{name}")),
                    ParamType::List { item, .. } => format!(
                        "self.{name}.iter().map(|v| {}).collect::<Vec<_>>().join(\",\")",
                        text_of(item, types, "v")
                    ),
                    // Lowering keeps objects to the query.
                    ParamType::ETag | ParamType::Object { .. } => format!("ToString::to_string(&self.{name})"),
                };
                l.fit(
                    2,
                    "crate::runtime::push_path_segment(",
                    &["&mut path".to_owned(), format!("&{text}"), quoted.to_string()],
                    ");",
                );
            }
        }
    }
    let query = op.params.iter().any(|p| p.location == ParamLocation::Query);
    let headers = op.params.iter().any(|p| p.location == ParamLocation::Header);
    let binding = if query || headers || op.body.is_some() {
        "let mut req"
    } else {
        "let req"
    };
    let accept = match &op.accept {
        Some(a) => format!("Some({})", lit(a)),
        None => "None".to_owned(),
    };
    l.fit(
        2,
        &format!("{binding} = crate::runtime::Request::new("),
        &[
            format!("::reqwest::Method::{}", op.http_method),
            "path".to_owned(),
            op.authenticated.to_string(),
            accept,
        ],
        ");",
    );
    if query {
        l.line(2, "let mut query = crate::runtime::Query::default();");
        for p in op.params.iter().filter(|p| p.location == ParamLocation::Query) {
            param_step(l, p, types);
        }
        l.line(2, "req.query(&query);");
    }
    for p in op.params.iter().filter(|p| p.location == ParamLocation::Header) {
        param_step(l, p, types);
    }
    if let Some(b) = &op.body {
        let content_type = lit(&b.content_type);
        let set = match &b.kind {
            BodyKind::Json(_) => Some("req.json(body)?;".to_owned()),
            BodyKind::Form(_) => Some("req.form(body)?;".to_owned()),
            BodyKind::Text => Some(format!(
                "req.body({content_type}, ::bytes::Bytes::from(Clone::clone(body)));"
            )),
            BodyKind::Binary => Some(format!("req.body({content_type}, Clone::clone(body));")),
            BodyKind::Empty => None,
        };
        match set {
            Some(set) => {
                l.line(2, "if let Some(body) = &self.body {");
                l.line(3, &set);
                l.line(2, "}");
            }
            None => l.line(2, "if let Some(body) = &self.body {}"),
        }
    }
    l.line(2, "Ok(req)");
    l.line(1, "}");
}

/// A Rust character literal.
fn char_lit(c: char) -> String {
    proc_macro2::Literal::character(c).to_string()
}

/// The statement putting a query or header parameter on the request (in
/// `if let Some(v)` when it is optional).
fn param_step(l: &mut Lines, p: &Param, types: &[TypeDef]) {
    let name = &p.ident;
    let wire = lit(&p.name);
    // A reference to the value, and the value to call `.iter()` on (a
    // leading `&` would bind to the whole method chain).
    let (access, list) = if p.required {
        (format!("&self.{name}"), format!("self.{name}"))
    } else {
        ("v".to_owned(), "v".to_owned())
    };
    let value = |v: &str| -> String {
        match &p.ty {
            ParamType::Scalar(t) => text_of(t, types, v),
            ParamType::List { item, .. } => format!(
                "{list}.iter().map(|x| {}).collect::<Vec<_>>().join(\",\")",
                text_of(item, types, "x")
            ),
            ParamType::ETag | ParamType::Object { .. } => format!("ToString::to_string({v})"),
        }
    };
    let (open, args) = match (p.location, &p.ty) {
        (ParamLocation::Path, _) => return,
        (
            ParamLocation::Query,
            ParamType::List {
                item,
                explode,
                delimiter,
            },
        ) if *explode || *delimiter == ',' => (
            "query.push_list(",
            vec![
                wire,
                format!("{list}.iter().map(|x| {})", text_of(item, types, "x")),
                explode.to_string(),
            ],
        ),
        (ParamLocation::Query, ParamType::List { item, delimiter, .. }) => {
            // The delimiter as it goes on the wire.
            let delimiter = match delimiter {
                ' ' => "%20",
                '|' => "%7C",
                _ => "%09",
            };
            (
                "query.push_delimited(",
                vec![
                    wire,
                    format!("{list}.iter().map(|x| {})", text_of(item, types, "x")),
                    lit(delimiter),
                ],
            )
        }
        (ParamLocation::Query, ParamType::Object { style, .. }) => {
            let style = match style {
                crate::ir::ObjectStyle::Form => "Form",
                crate::ir::ObjectStyle::FormExploded => "FormExploded",
                crate::ir::ObjectStyle::DeepObject => "DeepObject",
            };
            (
                "query.push_object(",
                vec![wire, access, format!("crate::runtime::ObjectStyle::{style}")],
            )
        }
        (ParamLocation::Query, _) => ("query.push(", vec![wire, format!("&{}", value(&access))]),
        (ParamLocation::Header, _) => ("req.header(", vec![wire, value(&access)]),
    };
    if p.required {
        l.fit(2, open, &args, ");");
    } else {
        l.line(2, &format!("if let Some(v) = &self.{name} {{"));
        l.fit(3, open, &args, ");");
        l.line(2, "}");
    }
}

/// The expression building the typed headers from `raw`.
fn headers_expr(op: &Operation) -> TokenStream {
    if op.response_headers.is_empty() {
        return quote!(());
    }
    let (_, _, headers, _) = names(op);
    let fields: Vec<TokenStream> = op
        .response_headers
        .iter()
        .map(|h| {
            let name = ident(&h.ident);
            let wire = h.name.to_ascii_lowercase();
            let value = match h.ty {
                HeaderType::ETag => quote!(raw.header(#wire).map(crate::ETag::from)),
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

#[allow(clippy::type_complexity)]
fn decode_parts(
    op: &Operation,
    types: &[TypeDef],
    error: &proc_macro2::Ident,
    headers: &proc_macro2::Ident,
    response_enum: &proc_macro2::Ident,
) -> (TokenStream, TokenStream, TokenStream, TokenStream) {
    let headers_expr = headers_expr(op);
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
        fn decode(raw: crate::runtime::RawResponse) -> #result {
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
            let doc = doc_lines(&format!(
                "{}{}",
                status_doc(c.status),
                c.description.as_deref().map(|d| format!(": {d}")).unwrap_or_default()
            ));
            match &c.body {
                BodyKind::Empty => quote!(#(#[doc = #doc])* #v,),
                other => {
                    let t = success_body(&ResponseCase {
                        body: other.clone(),
                        ..(*c).clone()
                    });
                    quote!(#(#[doc = #doc])* #v(#t),)
                }
            }
        })
        .collect();
    let code_arms: Vec<TokenStream> = errors.iter().map(|c| detail_arm(c, types, error, true)).collect();
    let message_arms: Vec<TokenStream> = errors.iter().map(|c| detail_arm(c, types, error, false)).collect();
    let (code_body, message_body) = if errors.is_empty() {
        (quote!(match *self {}), quote!(match *self {}))
    } else {
        (
            quote!(match self { #(#code_arms)* }),
            quote!(match self { #(#message_arms)* }),
        )
    };
    let error_doc = format!(
        " The documented error responses of [`crate::Client::{}`].",
        op.method_name
    );
    let error_enum = quote! {
        #[doc = #error_doc]
        #[derive(Debug, Clone, PartialEq)]
        pub enum #error {
            #(#variants)*
        }

        impl crate::ErrorDetails for #error {
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
                    HeaderType::ETag => quote!(crate::ETag),
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
                let lines = doc_lines(&doc);
                quote!(#(#[doc = #lines])* pub #name: Option<#ty>,)
            })
            .collect();
        let doc = format!(
            " The response headers of [`crate::Client::{}`] that the spec declares.",
            op.method_name
        );
        quote! {
            #[doc = #doc]
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
                let doc = doc_lines(&status_doc(c.status));
                match c.body {
                    BodyKind::Empty => quote!(#(#[doc = #doc])* #v,),
                    _ => {
                        let t = success_body(c);
                        quote!(#(#[doc = #doc])* #v(#t),)
                    }
                }
            })
            .collect();
        let doc = format!(
            " The documented success responses of [`crate::Client::{}`].",
            op.method_name
        );
        quote! {
            #[doc = #doc]
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
fn detail_arm(c: &ResponseCase, types: &[TypeDef], error: &proc_macro2::Ident, code: bool) -> TokenStream {
    let v = ident(&c.variant);
    let none = quote!(None);
    match &c.body {
        BodyKind::Empty => quote!(#error::#v => #none,),
        BodyKind::Json(TypeRef::Any) => {
            let pointer = if code { "/error/code" } else { "/error/message" };
            quote!(#error::#v(b) => b.pointer(#pointer).and_then(::serde_json::Value::as_str),)
        }
        BodyKind::Json(TypeRef::Named(n)) => {
            let shape = find(types, n).and_then(|t| t.error_shape.clone());
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
