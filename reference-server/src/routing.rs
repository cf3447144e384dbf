//! Routing by hand: the API root, segments with OData keys
//! (`customerContacts(<guid>)`), the method. Authentication comes first, so
//! nothing about the data (not even whether a company exists) is told
//! without a token.

use std::time::Instant;

use axum::extract::{Request, State};
use axum::http::{Method, StatusCode};
use axum::response::{IntoResponse, Response};
use uuid::Uuid;

use crate::error::ODataError;
use crate::{App, auth, entities, odata, patch};

/// Every request: the whole of it bounded by the request timeout.
pub(crate) async fn handle(State(app): State<App>, req: Request) -> Response {
    let started = Instant::now();
    let method = req.method().clone();
    // Logged without the query: it is the client's data.
    let path = req.uri().path().to_owned();
    let response = match tokio::time::timeout(app.request_timeout, dispatch(&app, req)).await {
        Ok(Ok(r)) => r,
        Ok(Err(e)) => e.into_response(),
        Err(_) => ODataError::new(
            StatusCode::REQUEST_TIMEOUT,
            "Request_Timeout",
            "The request was not completed in time.",
        )
        .into_response(),
    };
    let status = response.status().as_u16();
    let elapsed_us = started.elapsed().as_micros() as u64;
    if status >= 500 {
        tracing::error!(%method, %path, status, elapsed_us, "request failed");
    } else {
        tracing::debug!(%method, %path, status, elapsed_us, "request");
    }
    response
}

/// One path segment: `name` or `name(key)`.
pub(crate) struct Segment {
    pub(crate) name: String,
    pub(crate) key: Option<String>,
}

/// The segments below `/api/v2.0`, percent-decoded.
pub(crate) fn segments(path: &str) -> Result<Vec<Segment>, ODataError> {
    let rest = path
        .strip_prefix("/api/v2.0")
        .filter(|r| r.is_empty() || r.starts_with('/'))
        .ok_or_else(|| {
            ODataError::new(
                StatusCode::NOT_FOUND,
                "BadRequest_ResourceNotFound",
                "Resource not found: the API root is /api/v2.0.",
            )
        })?;
    let mut out = Vec::new();
    for raw in rest.split('/').filter(|s| !s.is_empty()) {
        if out.len() >= 8 {
            return Err(resource_not_found(&out));
        }
        let decoded = odata::percent_decode(raw, false).map_err(|_| ODataError::syntax())?;
        let seg = match decoded.find('(') {
            Some(open) if decoded.ends_with(')') => Segment {
                name: decoded[..open].to_owned(),
                key: Some(decoded[open + 1..decoded.len() - 1].to_owned()),
            },
            Some(_) => return Err(ODataError::syntax()),
            None => Segment {
                name: decoded,
                key: None,
            },
        };
        out.push(seg);
    }
    Ok(out)
}

/// A bare GUID key (`id=<guid>` is accepted too), exactly: nothing before or
/// after it, not even white space. Anything else is a 400.
pub(crate) fn guid_key(key: &str) -> Result<Uuid, ODataError> {
    let k = key.strip_prefix("id=").unwrap_or(key);
    patch::exact_guid(k).ok_or_else(|| {
        let shown: String = key.chars().take(80).flat_map(char::escape_debug).collect();
        ODataError::bad_request(
            "Application_InvalidGUID",
            format!("Invalid format of GUID string: '{shown}'. The key must be a bare GUID."),
        )
    })
}

fn resource_not_found(segs: &[Segment]) -> ODataError {
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
    let shown: String = name.chars().take(80).flat_map(char::escape_debug).collect();
    ODataError::new(
        StatusCode::NOT_FOUND,
        "BadRequest_ResourceNotFound",
        format!("Resource not found for the segment '{shown}'."),
    )
}

async fn dispatch(app: &App, req: Request) -> Result<Response, ODataError> {
    let principal = auth::authorize(req.headers(), &app.token, &app.static_principal, app.issued.as_deref())?;
    // Held until the response is made: one of the principal's places.
    let _place = app.limiter.admit(&principal).await?;
    let segs = segments(req.uri().path())?;
    let method = req.method().clone();
    let m = method.as_str();
    let query = req.uri().query().unwrap_or("").to_owned();
    let names: Vec<&str> = segs.iter().map(|s| s.name.as_str()).collect();
    match names.as_slice() {
        ["companies"] if segs[0].key.is_none() => match method {
            Method::GET => entities::list_companies(app, &query, req.headers()),
            _ => Err(ODataError::method_not_allowed(m, "companies", "Collection", "GET")),
        },
        ["companies"] => {
            let company = guid_key(segs[0].key.as_deref().unwrap_or_default())?;
            match method {
                Method::GET => entities::get_company(app, company),
                _ => Err(ODataError::method_not_allowed(m, "companies", "Entity", "GET")),
            }
        }
        ["companies", "customerContacts", rest @ ..] => {
            let company_key = segs[0].key.as_deref().ok_or_else(|| {
                ODataError::bad_request("BadRequest_NotFound", "A company key is required: companies(<id>).")
            })?;
            let company = guid_key(company_key)?;
            if app.store.company(company)?.is_none() {
                return Err(ODataError::not_found("Company", company));
            }
            match (segs[1].key.as_deref(), rest) {
                (None, []) => match method {
                    Method::GET => entities::list_contacts(app, company, &query, req.headers()),
                    _ => Err(ODataError::method_not_allowed(
                        m,
                        "customerContacts",
                        "Collection",
                        "GET",
                    )),
                },
                (Some(key), rest) => {
                    let id = guid_key(key)?;
                    match rest {
                        [] => match method {
                            Method::GET => entities::get_contact(app, company, id, &query),
                            Method::PATCH => entities::patch_contact(app, company, id, req).await,
                            Method::DELETE => entities::delete_contact(app, company, id, req.headers()).await,
                            _ => Err(ODataError::method_not_allowed(
                                m,
                                "customerContacts",
                                "Entity",
                                "GET, PATCH, DELETE",
                            )),
                        },
                        ["pdfDocument"] if segs[2].key.is_none() => match method {
                            Method::GET => entities::pdf_document(app, company, id),
                            _ => Err(ODataError::method_not_allowed(m, "pdfDocument", "Entity", "GET")),
                        },
                        ["pdfDocument", "pdfDocumentContent"] if segs[2].key.is_none() && segs[3].key.is_none() => {
                            match method {
                                Method::GET => entities::pdf_content(app, company, id),
                                _ => Err(ODataError::method_not_allowed(m, "pdfDocumentContent", "Stream", "GET")),
                            }
                        }
                        _ => Err(resource_not_found(&segs)),
                    }
                }
                (None, _) => Err(resource_not_found(&segs)),
            }
        }
        _ => Err(resource_not_found(&segs)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_exact() {
        let g = "e3a5c0b1-0123-4d6e-9f10-2a3b4c5d6e7f";
        assert!(guid_key(g).is_ok());
        assert!(guid_key(&format!("id={g}")).is_ok());
        for bad in [
            format!("{g}\n"),
            format!("{g} "),
            format!("\t{g}"),
            format!("id= {g}"),
            String::new(),
        ] {
            let e = guid_key(&bad).unwrap_err();
            assert_eq!(e.code, "Application_InvalidGUID", "{bad:?}");
        }
    }

    #[test]
    fn segments_decode_without_panicking() {
        for path in ["/api/v2.0/%x\u{e9}", "/api/v2.0/companies(%", "/api/v2.0/%ff"] {
            assert!(segments(path).is_err(), "{path}");
        }
        let s = segments("/api/v2.0/companies(abc)/customerContacts").unwrap();
        assert_eq!(
            (s[0].key.as_deref(), s[1].name.as_str()),
            (Some("abc"), "customerContacts")
        );
    }
}
