//! From a checked document to the IR: schemas, then operations, then the
//! passes that need the whole picture (recursion, error and page shapes).

use std::collections::BTreeMap;

use openapiv3::{OpenAPI, ReferenceOr, SecurityScheme as Scheme};

use super::ops::operations;
use super::schema::Schemas;
use super::{
    BodyKind, ClientCredentialsFlow, ErrorShape, FieldMode, Ir, KeyLocation, PageShape, Pageable, Prim, SchemeKind,
    SecurityScheme, Server, ServerVariable, StatusMatch, TypeDef, TypeKind, TypeRef,
};
use crate::diag::Sink;
use crate::naming::{Namespace, field_name};

/// Lowers a checked document; the operations `sink.skipped` names are left
/// out, and so is any whose lowering finds a construct it cannot express
/// under `skip_unsupported`.
pub(crate) fn lower(api: &OpenAPI, sink: &mut Sink, skip_unsupported: bool) -> Ir {
    let mut schemas = Schemas::new(api, sink, &[]);
    schemas.define_components();
    let mut ops = operations(api, &mut schemas, skip_unsupported);
    let uses = schemas.uses;
    let mut types = std::mem::take(&mut schemas.types);

    break_recursion(&mut types);
    let by_name: BTreeMap<String, usize> = types.iter().enumerate().map(|(i, t)| (t.name.clone(), i)).collect();
    let shapes: Vec<(Option<ErrorShape>, Option<PageShape>)> = types
        .iter()
        .map(|t| (error_shape(t, &types, &by_name), page_shape(t, &types, &by_name)))
        .collect();
    for (t, (e, p)) in types.iter_mut().zip(shapes) {
        t.error_shape = e;
        t.page = p;
    }
    for op in &mut ops {
        let body = op
            .success
            .iter()
            .find(|c| c.status == StatusMatch::Code(200))
            .and_then(|c| match &c.body {
                BodyKind::Json(TypeRef::Named(n)) => by_name.get(n).copied(),
                _ => None,
            });
        let Some(i) = body else { continue };
        if let Some(p) = &op.pageable {
            // What the operation declares, where the type is not already a
            // page by its own shape (one `Page` impl per type).
            if types[i].page.is_none() {
                types[i].page = declared_page_shape(&types[i], p);
            }
        }
        op.page = types[i].page.clone();
    }
    types.sort_by(|a, b| a.name.cmp(&b.name));
    ops.sort_by(|a, b| a.method_name.cmp(&b.method_name));

    let mut server_names = Namespace::default();
    let servers = api
        .servers
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let variables: Vec<ServerVariable> = s
                .variables
                .iter()
                .flatten()
                .map(|(name, v)| ServerVariable {
                    name: name.clone(),
                    ident: field_name(name, "variable"),
                    default: v.default.clone(),
                    description: v.description.clone(),
                })
                .collect();
            let base = match &s.description {
                // Short descriptions name the server; long ones would make unwieldy names.
                Some(d) if !d.trim().is_empty() && d.split_whitespace().count() <= 4 => field_name(d, "server"),
                _ => format!("server_{i}"),
            };
            Server {
                url: s.url.clone(),
                template: crate::template::parse(&s.url)
                    .unwrap_or_else(|_| vec![crate::template::Part::Literal(s.url.clone())]),
                description: s.description.clone(),
                ident: server_names.claim(&base),
                variables,
            }
        })
        .collect();

    let security_schemes = security_schemes(api);

    Ir {
        title: api.info.title.clone(),
        version: api.info.version.clone(),
        description: api.info.description.clone(),
        servers,
        types,
        operations: ops,
        security_schemes,
        uses,
    }
}

/// The named types a type holds by value (not behind `Vec`, map or `Box`).
fn direct(t: &TypeRef, out: &mut Vec<String>) {
    match t {
        TypeRef::Named(n) => out.push(n.clone()),
        TypeRef::Option(inner) => direct(inner, out),
        _ => {}
    }
}

/// Every named type a type mentions, anywhere.
fn mentioned(t: &TypeRef, out: &mut Vec<String>) {
    match t {
        TypeRef::Named(n) => out.push(n.clone()),
        TypeRef::Option(i) | TypeRef::Vec(i) | TypeRef::Map(i) | TypeRef::Boxed(i) => mentioned(i, out),
        TypeRef::Prim(_) | TypeRef::Any => {}
    }
}

fn slots(kind: &mut TypeKind) -> Vec<&mut TypeRef> {
    match kind {
        TypeKind::Struct(s) => s.fields.iter_mut().map(|f| &mut f.ty).collect(),
        TypeKind::Untagged(v) => v.iter_mut().map(|v| &mut v.ty).collect(),
        TypeKind::Tagged { variants, .. } => variants.iter_mut().map(|v| &mut v.ty).collect(),
        TypeKind::Alias(t) | TypeKind::Newtype(t) => vec![t],
        _ => Vec::new(),
    }
}

/// Boxes every by-value edge that closes a cycle, and turns aliases that
/// would expand forever into newtypes.
fn break_recursion(types: &mut [TypeDef]) {
    let index: BTreeMap<String, usize> = types.iter().enumerate().map(|(i, t)| (t.name.clone(), i)).collect();
    // Aliases first: a cycle through aliases only cannot be a type alias.
    let alias_edges: Vec<Vec<usize>> = types
        .iter()
        .map(|t| match &t.kind {
            TypeKind::Alias(r) => {
                let mut m = Vec::new();
                mentioned(r, &mut m);
                m.iter()
                    .filter_map(|n| index.get(n).copied())
                    .filter(|i| matches!(types[*i].kind, TypeKind::Alias(_)))
                    .collect()
            }
            _ => Vec::new(),
        })
        .collect();
    let alias_scc = components(&alias_edges);
    for i in 0..types.len() {
        let cyclic = alias_edges[i].iter().any(|j| alias_scc[*j] == alias_scc[i]);
        if let (true, TypeKind::Alias(t)) = (cyclic, &types[i].kind) {
            types[i].kind = TypeKind::Newtype(t.clone());
        }
    }
    let mut edges: Vec<Vec<usize>> = Vec::with_capacity(types.len());
    for t in types.iter_mut() {
        let mut names = Vec::new();
        for slot in slots(&mut t.kind) {
            direct(slot, &mut names);
        }
        edges.push(names.iter().filter_map(|n| index.get(n).copied()).collect());
    }
    // An edge closes a cycle exactly when both ends are in one strongly
    // connected component.
    let scc = components(&edges);
    for (i, t) in types.iter_mut().enumerate() {
        for slot in slots(&mut t.kind) {
            let mut names = Vec::new();
            direct(slot, &mut names);
            if names.iter().filter_map(|n| index.get(n)).any(|j| scc[*j] == scc[i]) {
                box_direct(slot);
            }
        }
    }
}

/// The strongly connected component of each node (Tarjan's algorithm,
/// iterative so that deep specs cannot overflow the stack).
fn components(edges: &[Vec<usize>]) -> Vec<usize> {
    const UNSEEN: usize = usize::MAX;
    let n = edges.len();
    let (mut index, mut low, mut comp) = (vec![UNSEEN; n], vec![0; n], vec![UNSEEN; n]);
    let mut on_stack = vec![false; n];
    let (mut stack, mut next, mut count) = (Vec::new(), 0, 0);
    for root in 0..n {
        if index[root] != UNSEEN {
            continue;
        }
        // Frames of (node, next edge to look at).
        let mut work = vec![(root, 0usize)];
        while let Some(&mut (v, ref mut e)) = work.last_mut() {
            if *e == 0 && index[v] == UNSEEN {
                index[v] = next;
                low[v] = next;
                next += 1;
                stack.push(v);
                on_stack[v] = true;
            }
            if let Some(&w) = edges[v].get(*e) {
                *e += 1;
                if index[w] == UNSEEN {
                    work.push((w, 0));
                } else if on_stack[w] {
                    low[v] = low[v].min(index[w]);
                }
                continue;
            }
            work.pop();
            if let Some(&(parent, _)) = work.last() {
                low[parent] = low[parent].min(low[v]);
            }
            if low[v] == index[v] {
                while let Some(w) = stack.pop() {
                    on_stack[w] = false;
                    comp[w] = count;
                    if w == v {
                        break;
                    }
                }
                count += 1;
            }
        }
    }
    comp
}

fn box_direct(t: &mut TypeRef) {
    match t {
        TypeRef::Option(inner) => box_direct(inner),
        TypeRef::Named(_) => {
            let inner = std::mem::replace(t, TypeRef::Any);
            *t = TypeRef::Boxed(Box::new(inner));
        }
        _ => {}
    }
}

fn string_field(s: &super::Struct, json: &str) -> Option<(String, bool)> {
    s.fields
        .iter()
        .find(|f| f.json == json && f.ty == TypeRef::Prim(Prim::String))
        .map(|f| (f.ident.clone(), f.mode != FieldMode::Required))
}

fn error_shape(t: &TypeDef, types: &[TypeDef], by_name: &BTreeMap<String, usize>) -> Option<ErrorShape> {
    let TypeKind::Struct(s) = &t.kind else {
        return None;
    };
    if let Some(f) = s.fields.iter().find(|f| f.json == "error") {
        let inner = match &f.ty {
            TypeRef::Named(n) => Some(n),
            TypeRef::Boxed(b) => match b.as_ref() {
                TypeRef::Named(n) => Some(n),
                _ => None,
            },
            _ => None,
        };
        if let Some(TypeKind::Struct(e)) = inner.and_then(|n| by_name.get(n)).map(|i| &types[*i].kind) {
            if let Some((code, code_optional)) = string_field(e, "code") {
                let message = string_field(e, "message");
                return Some(ErrorShape::Nested {
                    error_field: f.ident.clone(),
                    code_field: code,
                    message_optional: message.as_ref().is_some_and(|m| m.1),
                    message_field: message.map(|m| m.0),
                    code_optional,
                    error_optional: f.mode != FieldMode::Required,
                });
            }
        }
    }
    let (code, code_optional) = string_field(s, "code")?;
    let message = string_field(s, "message");
    Some(ErrorShape::Flat {
        code_field: code,
        message_optional: message.as_ref().is_some_and(|m| m.1),
        message_field: message.map(|m| m.0),
        code_optional,
    })
}

fn page_shape(t: &TypeDef, types: &[TypeDef], by_name: &BTreeMap<String, usize>) -> Option<PageShape> {
    let TypeKind::Struct(s) = &t.kind else {
        return None;
    };
    if let Some(page) = odata_page(s, "value", "@odata.nextLink") {
        return Some(page);
    }
    // OData V2's verbose JSON holds the page in `d`: `{"d": {"results": [..], "__next": ".."}}`.
    let d = s
        .fields
        .iter()
        .find(|f| f.json == "d" && f.mode == FieldMode::Required)?;
    let TypeRef::Named(inner) = &d.ty else {
        return None;
    };
    let TypeKind::Struct(inner) = &types[*by_name.get(inner)?].kind else {
        return None;
    };
    let page = odata_page(inner, "results", "__next")?;
    Some(PageShape {
        wrapper: Some(d.ident.clone()),
        ..page
    })
}

/// A page whose items are the required array `value` and whose next link
/// is the string `next`.
fn odata_page(s: &super::Struct, value: &str, next: &str) -> Option<PageShape> {
    let value = s.fields.iter().find(|f| f.json == value)?;
    let TypeRef::Vec(item) = &value.ty else {
        return None;
    };
    if value.mode != FieldMode::Required {
        return None;
    }
    let next = s
        .fields
        .iter()
        .find(|f| f.json == next && f.ty == TypeRef::Prim(Prim::String))?;
    Some(PageShape {
        wrapper: None,
        item: (**item).clone(),
        value_field: value.ident.clone(),
        value_optional: false,
        next_field: next.ident.clone(),
        next_optional: next.mode != FieldMode::Required,
    })
}

/// The page shape an operation declares (`x-ms-pageable`) over the members
/// it names; the items may be absent.
fn declared_page_shape(t: &TypeDef, p: &Pageable) -> Option<PageShape> {
    let TypeKind::Struct(s) = &t.kind else {
        return None;
    };
    let value = s.fields.iter().find(|f| f.json == p.item_field)?;
    let TypeRef::Vec(item) = &value.ty else {
        return None;
    };
    let next = s
        .fields
        .iter()
        .find(|f| f.json == p.next_field && f.ty == TypeRef::Prim(Prim::String))?;
    let optional = |m: FieldMode| match m {
        FieldMode::Required => Some(false),
        FieldMode::Nullable | FieldMode::Optional => Some(true),
        FieldMode::Tristate => None,
    };
    Some(PageShape {
        wrapper: None,
        item: (**item).clone(),
        value_field: value.ident.clone(),
        value_optional: optional(value.mode)?,
        next_field: next.ident.clone(),
        next_optional: optional(next.mode)?,
    })
}

/// The scopes the document's security requirements name for `scheme`, in
/// the order first named.
fn required_scopes<'a>(api: &'a OpenAPI, scheme: &str) -> Vec<&'a str> {
    let ops = api.paths.paths.values().filter_map(|p| match p {
        ReferenceOr::Item(item) => Some(item),
        ReferenceOr::Reference { .. } => None,
    });
    let lists = api
        .security
        .iter()
        .chain(ops.flat_map(|item| item.iter().filter_map(|(_, op)| op.security.as_ref())));
    let mut out: Vec<&str> = Vec::new();
    for requirement in lists.flatten() {
        for s in requirement.get(scheme).into_iter().flatten() {
            if !out.contains(&s.as_str()) {
                out.push(s);
            }
        }
    }
    out
}

/// The declared security schemes, each with the function of the `security`
/// module that makes its credential.
fn security_schemes(api: &OpenAPI) -> Vec<SecurityScheme> {
    let mut names = Namespace::default();
    let mut out = Vec::new();
    let declared = api.components.iter().flat_map(|c| c.security_schemes.iter());
    for (name, s) in declared {
        let ReferenceOr::Item(s) = s else { continue };
        let ident = names.claim(&field_name(name, "scheme"));
        let token = |what: &str| format!("{what}: `security::{ident}(token)` (a `String`, or a token provider)");
        let (description, kind) = match s {
            Scheme::HTTP { scheme, .. } if scheme.eq_ignore_ascii_case("basic") => (
                format!("HTTP basic authentication: `security::{ident}(user, password)`"),
                SchemeKind::Basic,
            ),
            Scheme::HTTP { scheme, .. } => (
                token(&if scheme.eq_ignore_ascii_case("bearer") {
                    "a bearer token".to_owned()
                } else {
                    format!("HTTP `{scheme}` authentication, sent as a bearer token")
                }),
                SchemeKind::Token {
                    client_credentials: None,
                },
            ),
            Scheme::OpenIDConnect { .. } => (
                token("an OpenID Connect access token"),
                SchemeKind::Token {
                    client_credentials: None,
                },
            ),
            Scheme::OAuth2 { flows, extensions, .. } => {
                let flow = flows.client_credentials.as_ref().map(|f| {
                    // A `{slot}` in a token URL is not a valid URI, so specs
                    // that must pass a linter write it `%7Bslot%7D`.
                    let mut url = f
                        .token_url
                        .replace("%7B", "{")
                        .replace("%7b", "{")
                        .replace("%7D", "}")
                        .replace("%7d", "}");
                    // A relative token URL is relative to the first server
                    // (OpenAPI 3.x), when that one is a plain absolute URL.
                    if !url.contains("://") {
                        if let Some(server) = api.servers.first().filter(|s| s.url.contains("://")) {
                            let base = server.url.trim_end_matches('/');
                            url = if url.starts_with('/') {
                                let origin_end = base.find("://").map_or(0, |i| i + 3);
                                let host_end = base[origin_end..].find('/').map_or(base.len(), |i| origin_end + i);
                                format!("{}{url}", &base[..host_end])
                            } else {
                                format!("{base}/{url}")
                            };
                        }
                    }
                    let template = crate::template::parse(&url)
                        .unwrap_or_else(|_| vec![crate::template::Part::Literal(f.token_url.clone())]);
                    let mut params = Namespace::with_reserved(&["client_id", "client_secret"]);
                    let slots = crate::template::slots(&template)
                        .map(|slot| (slot.to_owned(), params.claim(&field_name(slot, "part"))))
                        .collect();
                    let method = |m: &indexmap::IndexMap<String, serde_json::Value>| {
                        m.get("x-token-endpoint-auth-method").and_then(|v| v.as_str()) == Some("client_secret_basic")
                    };
                    // The scopes the operations ask of this scheme (what the
                    // client needs to call every one), else every declared one.
                    let required = required_scopes(api, name);
                    let mut scopes: Vec<String> = f
                        .scopes
                        .keys()
                        .filter(|s| required.contains(&s.as_str()))
                        .cloned()
                        .collect();
                    scopes.extend(
                        required
                            .iter()
                            .filter(|s| !f.scopes.contains_key(**s))
                            .map(|s| (*s).to_owned()),
                    );
                    if scopes.is_empty() {
                        scopes = f.scopes.keys().cloned().collect();
                    }
                    ClientCredentialsFlow {
                        ident: names.claim(&format!("{ident}_client_credentials")),
                        token_url: url,
                        template,
                        slots,
                        scopes,
                        basic: method(&f.extensions) || method(extensions),
                    }
                });
                let description = match &flow {
                    Some(f) => {
                        let slots: String = f.slots.iter().map(|(_, p)| format!(", {p}")).collect();
                        format!(
                            "an OAuth 2.0 access token: sign in with `security::{ident}(security::{}(client_id, client_secret{slots}))`, which fetches tokens at `{}` and renews them; or `security::{ident}(token)`",
                            f.ident,
                            f.token_url.replace('`', "'")
                        )
                    }
                    None => token("an OAuth 2.0 access token"),
                };
                (
                    description,
                    SchemeKind::Token {
                        client_credentials: flow,
                    },
                )
            }
            Scheme::APIKey {
                name: key, location, ..
            } => {
                let (location, place) = match location {
                    openapiv3::APIKeyLocation::Query => (KeyLocation::Query, "query parameter"),
                    openapiv3::APIKeyLocation::Header => (KeyLocation::Header, "header"),
                    openapiv3::APIKeyLocation::Cookie => (KeyLocation::Cookie, "cookie"),
                };
                (
                    format!(
                        "an API key in the {place} `{}`: `security::{ident}(key)`",
                        key.replace('`', "'")
                    ),
                    SchemeKind::ApiKey {
                        name: key.clone(),
                        location,
                    },
                )
            }
        };
        out.push(SecurityScheme {
            name: name.clone(),
            description,
            ident,
            kind,
        });
    }
    out
}
