//! Companies, contacts and their PDF documents, shown through the generated
//! `bc-api` models. Absolute URLs start with the configured public URL.

use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::extract::Request;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value};
use uuid::Uuid;

use crate::App;
use crate::error::{JSON_CONTENT_TYPE, ODataError, write_error};
use crate::odata::{self, EntityType, QueryOptions, Record};
use crate::patch;
use crate::pdf;
use crate::store::{self, Contact, Precondition, Store, WriteError};

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

/// The largest page, as Business Central online.
const MAX_PAGE: usize = 20_000;

/// How long a writer waits for another writer (or another process holding
/// the SQLite file) before it is told to retry.
const WRITE_WAIT: Duration = Duration::from_secs(2);

pub(crate) fn json_response<T: serde::Serialize>(status: StatusCode, body: &T) -> Result<Response, ODataError> {
    let bytes = serde_json::to_vec(body).map_err(ODataError::internal)?;
    let mut r = (status, bytes).into_response();
    r.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(JSON_CONTENT_TYPE));
    r.headers_mut().insert("odata-version", HeaderValue::from_static("4.0"));
    Ok(r)
}

fn prefer(headers: &HeaderMap) -> Option<usize> {
    headers
        .get_all("prefer")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(odata::max_page_size)
        // Business Central online serves at most 20,000 per page, whatever
        // is asked; `Preference-Applied` says what was applied.
        .map(|n| n.clamp(1, MAX_PAGE))
}

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
    let end = offset.saturating_add(size).min(window.len());
    let next = (end < window.len()).then(|| {
        let mut link = format!("{base}?");
        for p in raw_query
            .split('&')
            .filter(|p| !p.is_empty() && !p.starts_with("$skiptoken=") && !p.starts_with("%24skiptoken="))
        {
            link.push_str(p);
            link.push('&');
        }
        link.push_str(&format!("$skiptoken=o{end}"));
        link
    });
    (window[offset..end].to_vec(), next)
}

fn collection(
    context: String,
    values: Vec<Value>,
    next: Option<String>,
    page_size: Option<usize>,
) -> Result<Response, ODataError> {
    let mut body = Map::new();
    body.insert("@odata.context".into(), Value::String(context));
    body.insert("value".into(), Value::Array(values));
    if let Some(n) = next {
        body.insert("@odata.nextLink".into(), Value::String(n));
    }
    let mut r = json_response(StatusCode::OK, &body)?;
    if let Some(n) = page_size {
        if let Ok(v) = HeaderValue::from_str(&format!("odata.maxpagesize={n}")) {
            r.headers_mut().insert("preference-applied", v);
        }
    }
    Ok(r)
}

/// How much of a body over the limit is read and thrown away before the
/// 413 goes out. A client that writes its whole body before it reads (as
/// most do) would otherwise find the connection reset under it and never
/// see the answer. Past this, the connection is closed after the answer.
const DRAIN: u64 = 256 * 1024 * 1024;
/// The longest pause in a body being drained before the answer goes out.
const DRAIN_IDLE: std::time::Duration = std::time::Duration::from_millis(500);

/// The request body, up to the server's limit; a larger one is a 413 with
/// an OData body, sent once the body is read (up to [`DRAIN`]).
async fn read_body(app: &App, headers: &HeaderMap, mut body: axum::body::Body) -> Result<bytes::Bytes, ODataError> {
    use axum::body::HttpBody;
    let limit = app.max_body_bytes;
    let announced = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok());
    let mut kept = bytes::BytesMut::new();
    let mut seen: u64 = 0;
    let mut over = announced.is_some_and(|n| n > limit as u64);
    loop {
        if over && (seen >= DRAIN || announced.is_some_and(|n| n > DRAIN)) {
            break;
        }
        let next = std::future::poll_fn(|cx| std::pin::Pin::new(&mut body).poll_frame(cx));
        let frame = if over {
            // Draining: a client that announced more than it sends (or
            // stopped sending) gets its answer, and the connection closes.
            match tokio::time::timeout(DRAIN_IDLE, next).await {
                Ok(f) => f,
                Err(_) => {
                    seen = DRAIN;
                    break;
                }
            }
        } else {
            next.await
        };
        let Some(frame) = frame else { break };
        let Ok(frame) = frame else {
            return Err(ODataError::bad_request(
                "BadRequest",
                "The request body could not be read to its end.",
            ));
        };
        let Ok(data) = frame.into_data() else { continue };
        seen += data.len() as u64;
        if !over && seen > limit as u64 {
            over = true;
            kept = bytes::BytesMut::new();
        }
        if !over {
            kept.extend_from_slice(&data);
        }
    }
    if over {
        let mut e = ODataError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "Request_EntityTooLarge",
            format!("The request body is larger than the limit of {limit} bytes."),
        );
        e.close = seen >= DRAIN || announced.is_some_and(|n| n > DRAIN);
        return Err(e);
    }
    Ok(kept.freeze())
}

fn company_json(c: &store::Company, select: Option<&[String]>) -> Value {
    let keep = |p: &str| select.is_none_or(|s| s.iter().any(|x| x == p));
    let model = bc_api::Company {
        odata_etag: store::etag(c.id, c.version),
        id: keep("id").then_some(c.id),
        system_version: keep("systemVersion").then(|| SYSTEM_VERSION.to_owned()),
        name: keep("name").then(|| c.name.clone()),
        display_name: keep("displayName").then(|| c.display_name.clone()),
        business_profile_id: keep("businessProfileId").then(String::new),
        system_created_at: None,
        system_modified_at: None,
    };
    serde_json::to_value(model).unwrap_or(Value::Null)
}

pub(crate) fn list_companies(app: &App, raw: &str, headers: &HeaderMap) -> Result<Response, ODataError> {
    let q = odata::parse(raw, &COMPANY_TYPE)?;
    let companies = app.store.companies()?;
    let max = prefer(headers);
    let root = &app.root;
    let (items, next) = page(companies, &q, raw, &format!("{root}/companies"), max);
    let values = items.iter().map(|c| company_json(c, q.select.as_deref())).collect();
    collection(format!("{root}/$metadata#companies"), values, next, max)
}

pub(crate) fn get_company(app: &App, id: Uuid) -> Result<Response, ODataError> {
    let c = app
        .store
        .company(id)?
        .ok_or_else(|| ODataError::not_found("Company", id))?;
    let mut v = company_json(&c, None);
    if let Value::Object(m) = &mut v {
        m.shift_insert(
            0,
            "@odata.context".into(),
            Value::String(format!("{}/$metadata#companies/$entity", app.root)),
        );
    }
    json_response(StatusCode::OK, &v)
}

/// A contact as the API shows it, through the generated model.
fn contact_json(c: &Contact, select: Option<&[String]>) -> Value {
    let keep = |p: &str| select.is_none_or(|s| s.iter().any(|x| x == p));
    let model = bc_api::CustomerContact {
        odata_etag: c.etag(),
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
        // As Business Central's documentation shows it: the document has a
        // version, here its contact's.
        odata_etag: Some(c.etag()),
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

pub(crate) fn list_contacts(app: &App, company: Uuid, raw: &str, headers: &HeaderMap) -> Result<Response, ODataError> {
    let q = odata::parse(raw, &CONTACT_TYPE)?;
    let contacts = app.store.contacts(company)?;
    let max = prefer(headers);
    let root = &app.root;
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

fn entity_response(status: StatusCode, mut v: Value, context: String, etag: &str) -> Result<Response, ODataError> {
    if let Value::Object(m) = &mut v {
        m.shift_insert(0, "@odata.context".into(), Value::String(context));
    }
    let mut r = json_response(status, &v)?;
    if let Ok(e) = HeaderValue::from_str(etag) {
        r.headers_mut().insert(header::ETAG, e);
    }
    Ok(r)
}

fn find_contact(app: &App, company: Uuid, id: Uuid) -> Result<Contact, ODataError> {
    app.store
        .contact(company, id)?
        .ok_or_else(|| ODataError::not_found("Contact", id))
}

pub(crate) fn get_contact(app: &App, company: Uuid, id: Uuid, raw: &str) -> Result<Response, ODataError> {
    let q = odata::parse(raw, &CONTACT_TYPE)?;
    if q.top.is_some() || q.skip > 0 || q.filter.is_some() || !q.orderby.is_empty() || q.skiptoken.is_some() {
        return Err(ODataError::bad_request(
            "BadRequest",
            "Only $select and $expand apply to a single entity.",
        ));
    }
    let c = find_contact(app, company, id)?;
    let v = with_expand(contact_json(&c, q.select.as_deref()), &c, &q, &app.root);
    entity_response(
        StatusCode::OK,
        v,
        format!("{}/$metadata#companies({company})/customerContacts/$entity", app.root),
        &c.etag(),
    )
}

fn precondition(headers: &HeaderMap) -> Result<Precondition, ODataError> {
    let invalid = || {
        ODataError::bad_request(
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

/// Runs a write on the blocking pool, one writer at a time: a writer that
/// waits longer than [`WRITE_WAIT`] (SQLite locked by another process, say)
/// gets a 503 with `Retry-After`, and no worker thread ever blocks on the lock.
async fn write<T: Send + 'static>(
    app: &App,
    id: Uuid,
    op: impl FnOnce(&Store) -> Result<T, WriteError> + Send + 'static,
) -> Result<T, ODataError> {
    let Ok(guard) = tokio::time::timeout(WRITE_WAIT, Arc::clone(&app.write_gate).lock_owned()).await else {
        return Err(ODataError::busy());
    };
    let store = Arc::clone(&app.store);
    let done = if store.is_file() {
        // Another process may hold the file's lock: wait for it off the
        // worker threads.
        tokio::task::spawn_blocking(move || {
            let r = op(&store);
            drop(guard);
            r
        })
        .await
        .map_err(ODataError::internal)?
    } else {
        // In memory, nobody else holds the lock: the write is microseconds.
        let r = op(&store);
        drop(guard);
        r
    };
    done.map_err(|e| write_error(e, id))
}

pub(crate) async fn patch_contact(app: &App, company: Uuid, id: Uuid, req: Request) -> Result<Response, ODataError> {
    let query = req.uri().query().unwrap_or("");
    if !query.is_empty() && odata::pairs(query)?.iter().any(|(k, _)| k.starts_with('$')) {
        return Err(ODataError::bad_request(
            "BadRequest",
            "Query options do not apply to PATCH.",
        ));
    }
    let headers = req.headers().clone();
    let body = read_body(app, &headers, req.into_body()).await?;
    find_contact(app, company, id)?;
    let expected = precondition(&headers)?;
    let changes = patch::changes(&body, id)?;
    let c = write(app, id, move |s| s.update(company, id, &expected, &changes)).await?;
    entity_response(
        StatusCode::OK,
        contact_json(&c, None),
        format!("{}/$metadata#companies({company})/customerContacts/$entity", app.root),
        &c.etag(),
    )
}

pub(crate) async fn delete_contact(
    app: &App,
    company: Uuid,
    id: Uuid,
    headers: &HeaderMap,
) -> Result<Response, ODataError> {
    find_contact(app, company, id)?;
    let expected = precondition(headers)?;
    write(app, id, move |s| s.delete(company, id, &expected)).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

pub(crate) fn pdf_document(app: &App, company: Uuid, id: Uuid) -> Result<Response, ODataError> {
    let c = find_contact(app, company, id)?;
    let mut v = pdf_json(&app.root, &c);
    if let Value::Object(m) = &mut v {
        m.shift_insert(
            0,
            "@odata.context".into(),
            Value::String(format!(
                "{}/$metadata#companies({company})/customerContacts({id})/pdfDocument/$entity",
                app.root
            )),
        );
    }
    json_response(StatusCode::OK, &v)
}

pub(crate) fn pdf_content(app: &App, company: Uuid, id: Uuid) -> Result<Response, ODataError> {
    let c = find_contact(app, company, id)?;
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
    Ok(r)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The server's contact is the spec's: the properties queries may name,
    /// a value for each, and a PATCH rule for each (the spec, through
    /// `bc-spec`, is the one list; the suite reads it the same way).
    #[test]
    fn the_contact_is_the_specs() {
        let spec = bc_spec::Spec::embedded().expect("parses");
        let properties: Vec<bc_spec::Property> = spec
            .properties("customerContact")
            .expect("listed")
            .into_iter()
            .filter(|p| !p.name.starts_with("@odata."))
            .collect();
        let names: Vec<&str> = properties.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(CONTACT_TYPE.properties, names.as_slice());
        let id = Uuid::new_v4();
        let contact = Contact {
            id,
            company_id: Uuid::new_v4(),
            customer_id: Uuid::new_v4(),
            customer_name: "Contoso".to_owned(),
            customer_number: "C1".to_owned(),
            email: "a@contoso.com".to_owned(),
            first_name: "A".to_owned(),
            last_name: "B".to_owned(),
            professional_title: "C".to_owned(),
            phone: "1".to_owned(),
            version: 1,
        };
        for p in &properties {
            assert!(
                !matches!(contact.get(&p.name), odata::Value::Null),
                "no value for `{}`",
                p.name
            );
            // A value of the property's kind: the key itself for the id,
            // which a PATCH may repeat.
            let value = match p.name.as_str() {
                "id" => id.to_string(),
                "email" => "d@contoso.com".to_owned(),
                _ if p.guid => Uuid::new_v4().to_string(),
                _ => "1".to_owned(),
            };
            let body = serde_json::json!({ p.name.clone(): value }).to_string();
            if let Err(e) = patch::changes(body.as_bytes(), id) {
                panic!("a PATCH of `{}` is refused: {e:?}", p.name);
            }
        }
    }
}
