//! The reference server: Business Central's customerContacts API on SQLite,
//! meeting every requirement of CONTRACT.md. Routing is done by hand, since
//! OData keys sit inside path segments (`customerContacts(<guid>)`) and every
//! refusal, down to a malformed key, must be an OData error.

// Helpers return a finished error `Response` early; boxing it would only add noise.
#![allow(clippy::result_large_err)]

pub mod odata;
pub mod pdf;
pub mod store;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value};
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use uuid::Uuid;

use odata::{EntityType, QueryOptions, Record};
use store::{Contact, ContactChanges, Precondition, Store, WriteError};

/// How the server runs.
#[derive(Debug, Clone)]
pub struct ServerConfig {
    /// The one bearer token accepted.
    pub token: String,
    /// Keep the data in this SQLite file; in memory when `None`.
    pub db: Option<PathBuf>,
    /// The largest request body read.
    pub max_body_bytes: usize,
    /// The longest a request may take, body included.
    pub request_timeout: Duration,
}

impl ServerConfig {
    pub fn new(token: impl Into<String>) -> ServerConfig {
        ServerConfig {
            token: token.into(),
            db: None,
            max_body_bytes: 1024 * 1024,
            request_timeout: Duration::from_secs(30),
        }
    }
}

/// A random token, for when none is given.
pub fn generate_token() -> String {
    format!("{}{}", Uuid::new_v4().simple(), Uuid::new_v4().simple())
}

#[derive(Clone)]
struct App {
    store: Arc<Store>,
    token: Arc<str>,
    max_body_bytes: usize,
    request_timeout: Duration,
}

/// The server's routes over `store`.
pub fn router(store: Arc<Store>, config: &ServerConfig) -> Router {
    let app = App {
        store,
        token: Arc::from(config.token.as_str()),
        max_body_bytes: config.max_body_bytes,
        request_timeout: config.request_timeout,
    };
    Router::new().fallback(handle).with_state(app)
}

/// A server running in this process.
#[derive(Debug)]
pub struct Running {
    pub addr: SocketAddr,
    /// The API root, `http://<addr>/api/v2.0`.
    pub base_url: String,
    pub token: String,
    pub store: Arc<Store>,
    shutdown: Option<oneshot::Sender<()>>,
    task: tokio::task::JoinHandle<std::io::Result<()>>,
}

impl Running {
    /// Stops accepting, lets requests in flight finish, and waits.
    pub async fn stop(mut self) -> std::io::Result<()> {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        match (&mut self.task).await {
            Ok(r) => r,
            Err(e) => Err(std::io::Error::other(e)),
        }
    }
}

/// Opens the store and serves on `addr` (port 0 picks a free one).
pub async fn start(addr: SocketAddr, config: ServerConfig) -> anyhow::Result<Running> {
    let store = Arc::new(Store::open(config.db.as_deref())?);
    start_with(addr, config, store, |r| r).await
}

/// Like [`start`], with the store given and the router wrapped by `layer`
/// (tests use it to break one requirement at a time).
pub async fn start_with(
    addr: SocketAddr,
    config: ServerConfig,
    store: Arc<Store>,
    layer: impl FnOnce(Router) -> Router,
) -> anyhow::Result<Running> {
    let listener = TcpListener::bind(addr)
        .await
        .map_err(|e| anyhow::anyhow!("cannot listen on {addr}: {e}"))?;
    let addr = listener.local_addr()?;
    let app = layer(router(store.clone(), &config));
    let (tx, rx) = oneshot::channel::<()>();
    let task = tokio::spawn(async move {
        axum::serve(listener, app)
            .with_graceful_shutdown(async move {
                let _ = rx.await;
            })
            .await
    });
    Ok(Running {
        addr,
        base_url: format!("http://{addr}/api/v2.0"),
        token: config.token,
        store,
        shutdown: Some(tx),
        task,
    })
}

/// An OData error response.
pub fn error(status: StatusCode, code: &str, message: &str) -> Response {
    let body = bc_api::OdataError {
        error: bc_api::OdataErrorDetail {
            code: code.to_owned(),
            message: format!("{message}  CorrelationId:  {}.", Uuid::new_v4()),
            target: None,
        },
    };
    let mut r = json_response(status, &body);
    if status == StatusCode::UNAUTHORIZED {
        r.headers_mut()
            .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
    }
    r
}

fn json_response<T: serde::Serialize>(status: StatusCode, body: &T) -> Response {
    match serde_json::to_vec(body) {
        Ok(bytes) => {
            let mut r = (status, bytes).into_response();
            r.headers_mut().insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json; odata.metadata=minimal; odata.streaming=true"),
            );
            r.headers_mut().insert("odata-version", HeaderValue::from_static("4.0"));
            r
        }
        Err(e) => {
            tracing::error!(error = %e, "cannot serialize a response");
            (StatusCode::INTERNAL_SERVER_ERROR, "").into_response()
        }
    }
}

fn internal(e: impl std::fmt::Display) -> Response {
    tracing::error!(error = %e, "internal error");
    error(
        StatusCode::INTERNAL_SERVER_ERROR,
        "Internal_ServerError",
        "An unexpected error occurred on the server.",
    )
}

async fn handle(State(app): State<App>, req: Request) -> Response {
    let started = Instant::now();
    let method = req.method().clone();
    let path = req.uri().path().to_owned();
    let response = match tokio::time::timeout(app.request_timeout, dispatch(&app, req)).await {
        Ok(r) => r,
        Err(_) => error(
            StatusCode::REQUEST_TIMEOUT,
            "Request_Timeout",
            "The request was not completed in time.",
        ),
    };
    let status = response.status().as_u16();
    if status >= 500 {
        tracing::error!(%method, %path, status, elapsed_us = started.elapsed().as_micros() as u64, "request failed");
    } else {
        tracing::debug!(%method, %path, status, elapsed_us = started.elapsed().as_micros() as u64, "request");
    }
    response
}

/// Compares in time independent of where the strings differ.
fn same_secret(a: &[u8], b: &[u8]) -> bool {
    let mut diff = a.len() ^ b.len();
    for i in 0..a.len().max(b.len()) {
        diff |= usize::from(a.get(i).copied().unwrap_or(0) ^ b.get(i).copied().unwrap_or(0xff));
    }
    diff == 0
}

fn authorized(headers: &HeaderMap, token: &str) -> Result<(), Response> {
    let missing = || {
        error(
            StatusCode::UNAUTHORIZED,
            "Authentication_InvalidCredentials",
            "The server has rejected the client credentials.",
        )
    };
    let value = headers.get(header::AUTHORIZATION).ok_or_else(missing)?;
    let value = value.to_str().map_err(|_| missing())?;
    let (scheme, presented) = value.split_once(' ').ok_or_else(missing)?;
    if !scheme.eq_ignore_ascii_case("bearer") || !same_secret(presented.trim().as_bytes(), token.as_bytes()) {
        return Err(missing());
    }
    Ok(())
}

/// One path segment: `name` or `name(key)`.
struct Segment {
    name: String,
    key: Option<String>,
}

fn segments(path: &str) -> Result<Vec<Segment>, Response> {
    let rest = path
        .strip_prefix("/api/v2.0")
        .filter(|r| r.is_empty() || r.starts_with('/'))
        .ok_or_else(|| {
            error(
                StatusCode::NOT_FOUND,
                "BadRequest_ResourceNotFound",
                "Resource not found: the API root is /api/v2.0.",
            )
        })?;
    let mut out = Vec::new();
    for raw in rest.split('/').filter(|s| !s.is_empty()) {
        let decoded = odata::pairs(&format!("x={raw}"))
            .ok()
            .and_then(|p| p.into_iter().next())
            .map(|(_, v)| v)
            .ok_or_else(|| {
                error(
                    StatusCode::BAD_REQUEST,
                    "BadRequest_NotFound",
                    "Bad Request - Error in query syntax.",
                )
            })?;
        let seg = match decoded.find('(') {
            Some(open) if decoded.ends_with(')') => Segment {
                name: decoded[..open].to_owned(),
                key: Some(decoded[open + 1..decoded.len() - 1].to_owned()),
            },
            Some(_) => {
                return Err(error(
                    StatusCode::BAD_REQUEST,
                    "BadRequest_NotFound",
                    "Bad Request - Error in query syntax.",
                ));
            }
            None => Segment {
                name: decoded,
                key: None,
            },
        };
        out.push(seg);
    }
    Ok(out)
}

/// A bare GUID key (`id=<guid>` is accepted too); anything else is a 400.
fn guid_key(key: &str) -> Result<Uuid, Response> {
    let k = key.strip_prefix("id=").unwrap_or(key).trim();
    if k.len() == 36 {
        if let Ok(u) = Uuid::parse_str(k) {
            return Ok(u);
        }
    }
    Err(error(
        StatusCode::BAD_REQUEST,
        "Application_InvalidGUID",
        &format!("Invalid format of GUID string: '{key}'. The key must be a bare GUID."),
    ))
}

fn method_not_allowed(method: &Method, set: &str, kind: &str, allow: &'static str) -> Response {
    let mut r = error(
        StatusCode::METHOD_NOT_ALLOWED,
        "BadRequest_MethodNotAllowed",
        &format!(
            "'{method}' requests for '{set}' of EdmType '{kind}' are not allowed within Dynamics 365 Business Central OData web services."
        ),
    );
    r.headers_mut().insert(header::ALLOW, HeaderValue::from_static(allow));
    r
}

fn not_found(what: &str, id: Uuid) -> Response {
    error(
        StatusCode::NOT_FOUND,
        "Internal_RecordNotFound",
        &format!("The {what} does not exist. Identification fields and values: Id='{id}'"),
    )
}

fn bad_query(e: odata::QueryError) -> Response {
    error(StatusCode::BAD_REQUEST, "BadRequest", &e.0)
}

/// `http://host/api/v2.0`, from the request's `Host`.
fn service_root(headers: &HeaderMap) -> String {
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .filter(|h| !h.is_empty() && h.chars().all(|c| c.is_ascii_graphic()))
        .unwrap_or("localhost");
    format!("http://{host}/api/v2.0")
}

const CONTACT_TYPE: EntityType<'static> = EntityType {
    name: "customerContact",
    properties: &[
        "id",
        "email",
        "firstName",
        "lastName",
        "professionalTitle",
        "customerId",
        "customerName",
        "primaryPhoneNumber",
    ],
    navigations: &["pdfDocument"],
};

const COMPANY_TYPE: EntityType<'static> = EntityType {
    name: "company",
    properties: &["id", "systemVersion", "name", "displayName", "businessProfileId"],
    navigations: &[],
};

impl Record for Contact {
    fn get(&self, property: &str) -> odata::Value {
        odata::Value::Str(match property {
            "id" => self.id.to_string(),
            "email" => self.email.clone(),
            "firstName" => self.first_name.clone(),
            "lastName" => self.last_name.clone(),
            "professionalTitle" => self.professional_title.clone(),
            "customerId" => self.customer_id.to_string(),
            "customerName" => self.customer_name.clone(),
            "primaryPhoneNumber" => self.phone.clone(),
            _ => return odata::Value::Null,
        })
    }
}

impl Record for store::Company {
    fn get(&self, property: &str) -> odata::Value {
        odata::Value::Str(match property {
            "id" => self.id.to_string(),
            "name" => self.name.clone(),
            "displayName" => self.display_name.clone(),
            "systemVersion" => SYSTEM_VERSION.to_owned(),
            "businessProfileId" => String::new(),
            _ => return odata::Value::Null,
        })
    }
}

const SYSTEM_VERSION: &str = "27.0.0.0";

async fn dispatch(app: &App, req: Request) -> Response {
    if let Err(r) = authorized(req.headers(), &app.token) {
        return r;
    }
    let segs = match segments(req.uri().path()) {
        Ok(s) => s,
        Err(r) => return r,
    };
    let method = req.method().clone();
    let query = req.uri().query().unwrap_or("").to_owned();
    let root = service_root(req.headers());
    let names: Vec<&str> = segs.iter().map(|s| s.name.as_str()).collect();
    match names.as_slice() {
        ["companies"] if segs[0].key.is_none() => match method {
            Method::GET => list_companies(app, &query, &root, req.headers()),
            _ => method_not_allowed(&method, "companies", "Collection", "GET"),
        },
        ["companies"] => {
            let company = match guid_key(segs[0].key.as_deref().unwrap_or_default()) {
                Ok(c) => c,
                Err(r) => return r,
            };
            match method {
                Method::GET => get_company(app, company, &root),
                _ => method_not_allowed(&method, "companies", "Entity", "GET"),
            }
        }
        ["companies", "customerContacts", rest @ ..] => {
            let Some(company_key) = segs[0].key.as_deref() else {
                return error(
                    StatusCode::BAD_REQUEST,
                    "BadRequest_NotFound",
                    "A company key is required: companies(<id>).",
                );
            };
            let company = match guid_key(company_key) {
                Ok(c) => c,
                Err(r) => return r,
            };
            match app.store.company(company) {
                Ok(Some(_)) => {}
                Ok(None) => return not_found("Company", company),
                Err(e) => return internal(e),
            }
            let contact_key = segs[1].key.as_deref();
            match (contact_key, rest) {
                (None, []) => match method {
                    Method::GET => list_contacts(app, company, &query, &root, req.headers()),
                    _ => method_not_allowed(&method, "customerContacts", "Collection", "GET"),
                },
                (Some(key), rest) => {
                    let id = match guid_key(key) {
                        Ok(c) => c,
                        Err(r) => return r,
                    };
                    match rest {
                        [] => match method {
                            Method::GET => get_contact(app, company, id, &query, &root),
                            Method::PATCH => patch_contact(app, company, id, req, &root).await,
                            Method::DELETE => delete_contact(app, company, id, req.headers()),
                            _ => method_not_allowed(&method, "customerContacts", "Entity", "GET, PATCH, DELETE"),
                        },
                        ["pdfDocument"] if segs[2].key.is_none() => match method {
                            Method::GET => pdf_document(app, company, id, &root),
                            _ => method_not_allowed(&method, "pdfDocument", "Entity", "GET"),
                        },
                        ["pdfDocument", "pdfDocumentContent"] if segs[2].key.is_none() && segs[3].key.is_none() => {
                            match method {
                                Method::GET => pdf_content(app, company, id),
                                _ => method_not_allowed(&method, "pdfDocumentContent", "Stream", "GET"),
                            }
                        }
                        _ => resource_not_found(&segs),
                    }
                }
                (None, _) => resource_not_found(&segs),
            }
        }
        _ => resource_not_found(&segs),
    }
}

fn resource_not_found(segs: &[Segment]) -> Response {
    let name = segs
        .iter()
        .map(|s| s.name.as_str())
        .find(|n| {
            !matches!(
                *n,
                "companies" | "customerContacts" | "pdfDocument" | "pdfDocumentContent"
            )
        })
        .unwrap_or("");
    error(
        StatusCode::NOT_FOUND,
        "BadRequest_ResourceNotFound",
        &format!("Resource not found for the segment '{name}'."),
    )
}

fn prefer(headers: &HeaderMap) -> Option<usize> {
    headers
        .get_all("prefer")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(odata::max_page_size)
}

/// The largest page, as Business Central online.
const MAX_PAGE: usize = 20_000;

/// Filters, orders and pages `items`; returns the page and the next link.
fn page<T: Record + Clone>(
    mut items: Vec<T>,
    q: &QueryOptions,
    raw_query: &str,
    base: &str,
    max_page: Option<usize>,
) -> (Vec<T>, Option<String>) {
    if let Some(f) = &q.filter {
        items.retain(|i| odata::matches(f, i));
    }
    odata::order(&mut items, &q.orderby);
    let window: Vec<T> = items
        .into_iter()
        .skip(q.skip)
        .take(q.top.unwrap_or(usize::MAX))
        .collect();
    let size = max_page.unwrap_or(MAX_PAGE).clamp(1, MAX_PAGE);
    let offset = q.skiptoken.unwrap_or(0).min(window.len());
    let end = (offset + size).min(window.len());
    let next = (end < window.len()).then(|| {
        let kept: Vec<&str> = raw_query
            .split('&')
            .filter(|p| !p.is_empty() && !p.starts_with("$skiptoken=") && !p.starts_with("%24skiptoken="))
            .collect();
        let mut link = format!("{base}?");
        for p in kept {
            link.push_str(p);
            link.push('&');
        }
        link.push_str(&format!("$skiptoken=o{end}"));
        link
    });
    (window[offset..end].to_vec(), next)
}

fn collection(context: String, values: Vec<Value>, next: Option<String>, page_size: Option<usize>) -> Response {
    let mut body = Map::new();
    body.insert("@odata.context".into(), Value::String(context));
    body.insert("value".into(), Value::Array(values));
    if let Some(n) = next {
        body.insert("@odata.nextLink".into(), Value::String(n));
    }
    let mut r = json_response(StatusCode::OK, &body);
    if let Some(n) = page_size {
        if let Ok(v) = HeaderValue::from_str(&format!("odata.maxpagesize={n}")) {
            r.headers_mut().insert("preference-applied", v);
        }
    }
    r
}

fn company_json(c: &store::Company, select: Option<&[String]>) -> Value {
    let keep = |p: &str| select.is_none_or(|s| s.iter().any(|x| x == p));
    let model = bc_api::Company {
        odata_etag: Some(store::etag(c.id, c.version)),
        id: c.id,
        system_version: keep("systemVersion").then(|| SYSTEM_VERSION.to_owned()),
        name: c.name.clone(),
        display_name: c.display_name.clone(),
        business_profile_id: keep("businessProfileId").then(String::new),
        system_created_at: None,
        system_modified_at: None,
    };
    let mut v = serde_json::to_value(model).unwrap_or(Value::Null);
    if let Value::Object(m) = &mut v {
        for p in ["id", "name", "displayName"] {
            if !keep(p) {
                m.shift_remove(p);
            }
        }
    }
    v
}

fn list_companies(app: &App, raw: &str, root: &str, headers: &HeaderMap) -> Response {
    let q = match odata::parse(raw, &COMPANY_TYPE) {
        Ok(q) => q,
        Err(e) => return bad_query(e),
    };
    let companies = match app.store.companies() {
        Ok(c) => c,
        Err(e) => return internal(e),
    };
    let max = prefer(headers);
    let (items, next) = page(companies, &q, raw, &format!("{root}/companies"), max);
    let values = items.iter().map(|c| company_json(c, q.select.as_deref())).collect();
    collection(format!("{root}/$metadata#companies"), values, next, max)
}

fn get_company(app: &App, id: Uuid, root: &str) -> Response {
    match app.store.company(id) {
        Ok(Some(c)) => {
            let mut v = company_json(&c, None);
            if let Value::Object(m) = &mut v {
                m.shift_insert(
                    0,
                    "@odata.context".into(),
                    Value::String(format!("{root}/$metadata#companies/$entity")),
                );
            }
            json_response(StatusCode::OK, &v)
        }
        Ok(None) => not_found("Company", id),
        Err(e) => internal(e),
    }
}

/// A contact as the API shows it, through the generated model.
fn contact_json(c: &Contact, select: Option<&[String]>) -> Value {
    let keep = |p: &str| select.is_none_or(|s| s.iter().any(|x| x == p));
    let model = bc_api::CustomerContact {
        odata_etag: Some(c.etag()),
        id: keep("id").then_some(c.id),
        email: keep("email").then(|| c.email.clone()),
        first_name: keep("firstName").then(|| c.first_name.clone()),
        last_name: keep("lastName").then(|| c.last_name.clone()),
        professional_title: keep("professionalTitle").then(|| c.professional_title.clone()),
        customer_id: keep("customerId").then_some(c.customer_id),
        customer_name: keep("customerName").then(|| c.customer_name.clone()),
        primary_phone_number: keep("primaryPhoneNumber").then(|| c.phone.clone()),
    };
    serde_json::to_value(model).unwrap_or(Value::Null)
}

fn contact_path(root: &str, c: &Contact) -> String {
    format!("{root}/companies({})/customerContacts({})", c.company_id, c.id)
}

fn pdf_json(root: &str, c: &Contact) -> Value {
    let model = bc_api::PdfDocument {
        odata_context: None,
        odata_etag: None,
        id: c.id,
        parent_id: c.id,
        parent_type: "Customer Statement".to_owned(),
        pdf_document_content_odata_media_read_link: format!("{}/pdfDocument/pdfDocumentContent", contact_path(root, c)),
    };
    serde_json::to_value(model).unwrap_or(Value::Null)
}

fn with_expand(mut v: Value, c: &Contact, q: &QueryOptions, root: &str) -> Value {
    if q.expand.iter().any(|e| e == "pdfDocument") {
        if let Value::Object(m) = &mut v {
            m.insert("pdfDocument".into(), pdf_json(root, c));
        }
    }
    v
}

fn list_contacts(app: &App, company: Uuid, raw: &str, root: &str, headers: &HeaderMap) -> Response {
    let q = match odata::parse(raw, &CONTACT_TYPE) {
        Ok(q) => q,
        Err(e) => return bad_query(e),
    };
    let contacts = match app.store.contacts(company) {
        Ok(c) => c,
        Err(e) => return internal(e),
    };
    let max = prefer(headers);
    let base = format!("{root}/companies({company})/customerContacts");
    let (items, next) = page(contacts, &q, raw, &base, max);
    let values = items
        .iter()
        .map(|c| with_expand(contact_json(c, q.select.as_deref()), c, &q, root))
        .collect();
    collection(
        format!("{root}/$metadata#companies({company})/customerContacts"),
        values,
        next,
        max,
    )
}

fn entity_response(status: StatusCode, mut v: Value, context: String, etag: &str) -> Response {
    if let Value::Object(m) = &mut v {
        m.shift_insert(0, "@odata.context".into(), Value::String(context));
    }
    let mut r = json_response(status, &v);
    if let Ok(e) = HeaderValue::from_str(etag) {
        r.headers_mut().insert(header::ETAG, e);
    }
    r
}

fn get_contact(app: &App, company: Uuid, id: Uuid, raw: &str, root: &str) -> Response {
    let q = match odata::parse(raw, &CONTACT_TYPE) {
        Ok(q) => q,
        Err(e) => return bad_query(e),
    };
    if q.top.is_some() || q.skip > 0 || q.filter.is_some() || !q.orderby.is_empty() || q.skiptoken.is_some() {
        return error(
            StatusCode::BAD_REQUEST,
            "BadRequest",
            "Only $select and $expand apply to a single entity.",
        );
    }
    match app.store.contact(company, id) {
        Ok(Some(c)) => {
            let v = with_expand(contact_json(&c, q.select.as_deref()), &c, &q, root);
            entity_response(
                StatusCode::OK,
                v,
                format!("{root}/$metadata#companies({company})/customerContacts/$entity"),
                &c.etag(),
            )
        }
        Ok(None) => not_found("Contact", id),
        Err(e) => internal(e),
    }
}

fn precondition(headers: &HeaderMap) -> Result<Precondition, Response> {
    let invalid = || {
        error(
            StatusCode::BAD_REQUEST,
            "BadRequest_InvalidToken",
            "Could not validate the client concurrency token required by the service. Please provide a valid token in the client request.",
        )
    };
    let value = headers.get(header::IF_MATCH).ok_or_else(invalid)?;
    let value = value.to_str().map_err(|_| invalid())?.trim();
    match value {
        "" => Err(invalid()),
        "*" => Ok(Precondition::Any),
        v => Ok(Precondition::Etag(v.to_owned())),
    }
}

fn write_error(e: WriteError, id: Uuid) -> Response {
    match e {
        WriteError::NotFound => not_found("Contact", id),
        WriteError::Stale => error(
            StatusCode::CONFLICT,
            "Request_EntityChanged",
            "Another user has already changed the record.",
        ),
        WriteError::UnknownCustomer(_) => error(
            StatusCode::BAD_REQUEST,
            "Application_DialogException",
            "Customer with provided id - does not exist",
        ),
        WriteError::ReadOnlyCustomerName => error(
            StatusCode::BAD_REQUEST,
            "BadRequest_InvalidOperation",
            "Control 'customerName' is read-only.",
        ),
        WriteError::Store(e) => internal(e),
    }
}

/// Checks a PATCH body: a JSON object of known, editable properties of the
/// right types within Business Central's limits.
fn changes(body: &[u8], id: Uuid) -> Result<ContactChanges, Response> {
    let bad = |code: &str, message: String| error(StatusCode::BAD_REQUEST, code, &message);
    let value: Value =
        serde_json::from_slice(body).map_err(|e| bad("BadRequest", format!("Invalid Request Body: {e}.")))?;
    let Value::Object(map) = value else {
        return Err(bad(
            "BadRequest",
            "Invalid Request Body: expected a JSON object.".to_owned(),
        ));
    };
    let mut c = ContactChanges::default();
    for (key, v) in &map {
        if key.starts_with("@odata.") {
            continue;
        }
        let text = || -> Result<String, Response> {
            v.as_str().map(str::to_owned).ok_or_else(|| {
                bad(
                    "BadRequest",
                    format!("Cannot convert the value of '{key}' to Edm.String: expected a JSON string."),
                )
            })
        };
        let limited = |limit: usize| -> Result<String, Response> {
            let s = text()?;
            let n = s.chars().count();
            if n > limit {
                return Err(bad(
                    "Application_StringExceededLength",
                    format!(
                        "The length of the string is {n}, but it must be less than or equal to {limit} characters. Value: {s}"
                    ),
                ));
            }
            Ok(s)
        };
        let guid = || -> Result<Uuid, Response> {
            let s = text()?;
            Uuid::parse_str(&s).ok().filter(|_| s.len() == 36).ok_or_else(|| {
                bad(
                    "BadRequest",
                    format!("Cannot convert the value '{s}' of '{key}' to Edm.Guid."),
                )
            })
        };
        match key.as_str() {
            "id" => {
                if guid()? != id {
                    return Err(bad(
                        "BadRequest_InvalidOperation",
                        "Control 'id' is read-only.".to_owned(),
                    ));
                }
            }
            "email" => {
                let e = limited(80)?;
                if !valid_email(&e) {
                    return Err(bad(
                        "Application_DialogException",
                        format!("The email address \"{e}\" is not valid."),
                    ));
                }
                c.email = Some(e);
            }
            "firstName" => c.first_name = Some(limited(30)?),
            "lastName" => c.last_name = Some(limited(30)?),
            "professionalTitle" => c.professional_title = Some(limited(30)?),
            "primaryPhoneNumber" => {
                let p = limited(30)?;
                if p.chars().any(char::is_alphabetic) {
                    return Err(bad(
                        "Application_DialogException",
                        format!("Primary Phone Number must not contain letters: '{p}'."),
                    ));
                }
                c.phone = Some(p);
            }
            "customerId" => c.customer_id = Some(guid()?),
            "customerName" => c.customer_name = Some(limited(100)?),
            other => {
                return Err(bad(
                    "BadRequest",
                    format!(
                        "The property '{other}' does not exist on type 'Microsoft.NAV.customerContact'. Make sure to only use property names that are defined by the type."
                    ),
                ));
            }
        }
    }
    Ok(c)
}

/// Empty, or `local@domain.tld` without spaces.
fn valid_email(e: &str) -> bool {
    if e.is_empty() {
        return true;
    }
    let Some((local, domain)) = e.split_once('@') else {
        return false;
    };
    !local.is_empty()
        && !domain.contains('@')
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !domain.contains("..")
        && !e.chars().any(|c| {
            c.is_whitespace()
                || c.is_control()
                || matches!(c, '<' | '>' | '(' | ')' | ',' | ';' | ':' | '"' | '[' | ']' | '\\')
        })
}

async fn patch_contact(app: &App, company: Uuid, id: Uuid, req: Request, root: &str) -> Response {
    if !req.uri().query().unwrap_or("").is_empty() {
        let q = odata::pairs(req.uri().query().unwrap_or("")).unwrap_or_default();
        if q.iter().any(|(k, _)| k.starts_with('$')) {
            return error(
                StatusCode::BAD_REQUEST,
                "BadRequest",
                "Query options do not apply to PATCH.",
            );
        }
    }
    let headers = req.headers().clone();
    let body = match axum::body::to_bytes(req.into_body(), app.max_body_bytes).await {
        Ok(b) => b,
        Err(_) => {
            return error(
                StatusCode::PAYLOAD_TOO_LARGE,
                "Request_EntityTooLarge",
                &format!("The request body is larger than {} bytes.", app.max_body_bytes),
            );
        }
    };
    match app.store.contact(company, id) {
        Ok(Some(_)) => {}
        Ok(None) => return not_found("Contact", id),
        Err(e) => return internal(e),
    }
    let expected = match precondition(&headers) {
        Ok(p) => p,
        Err(r) => return r,
    };
    let changes = match changes(&body, id) {
        Ok(c) => c,
        Err(r) => return r,
    };
    match app.store.update(company, id, &expected, &changes) {
        Ok(c) => entity_response(
            StatusCode::OK,
            contact_json(&c, None),
            format!("{root}/$metadata#companies({company})/customerContacts/$entity"),
            &c.etag(),
        ),
        Err(e) => write_error(e, id),
    }
}

fn delete_contact(app: &App, company: Uuid, id: Uuid, headers: &HeaderMap) -> Response {
    match app.store.contact(company, id) {
        Ok(Some(_)) => {}
        Ok(None) => return not_found("Contact", id),
        Err(e) => return internal(e),
    }
    let expected = match precondition(headers) {
        Ok(p) => p,
        Err(r) => return r,
    };
    match app.store.delete(company, id, &expected) {
        Ok(()) => StatusCode::NO_CONTENT.into_response(),
        Err(e) => write_error(e, id),
    }
}

fn pdf_document(app: &App, company: Uuid, id: Uuid, root: &str) -> Response {
    match app.store.contact(company, id) {
        Ok(Some(c)) => {
            let mut v = pdf_json(root, &c);
            if let Value::Object(m) = &mut v {
                m.shift_insert(
                    0,
                    "@odata.context".into(),
                    Value::String(format!(
                        "{root}/$metadata#companies({company})/customerContacts({id})/pdfDocument/$entity"
                    )),
                );
            }
            json_response(StatusCode::OK, &v)
        }
        Ok(None) => not_found("Contact", id),
        Err(e) => internal(e),
    }
}

fn pdf_content(app: &App, company: Uuid, id: Uuid) -> Response {
    match app.store.contact(company, id) {
        Ok(Some(c)) => {
            let lines = vec![
                format!("Customer: {} ({})", c.customer_name, c.customer_number),
                format!("Contact: {} {}", c.first_name, c.last_name),
                format!("Title: {}", c.professional_title),
                format!("Email: {}", c.email),
                format!("Phone: {}", c.phone),
                "Balance due: 0.00".to_owned(),
            ];
            let bytes = pdf::render("Customer Statement", &lines);
            let mut r = (StatusCode::OK, Body::from(bytes)).into_response();
            r.headers_mut()
                .insert(header::CONTENT_TYPE, HeaderValue::from_static("application/pdf"));
            r
        }
        Ok(None) => not_found("Contact", id),
        Err(e) => internal(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn email_rules() {
        for ok in ["", "a@b.co", "john.smith@contoso.com"] {
            assert!(valid_email(ok), "{ok}");
        }
        for bad in ["a", "a@b", "@b.co", "a@@b.co", "a b@c.co", "a@.co", "a@b..co"] {
            assert!(!valid_email(bad), "{bad}");
        }
    }

    #[test]
    fn secrets_compare_whole() {
        assert!(same_secret(b"abc", b"abc"));
        assert!(!same_secret(b"abc", b"abd"));
        assert!(!same_secret(b"abc", b"abcd"));
        assert!(!same_secret(b"", b"a"));
    }
}
