//! The suite proves its power: against the reference server every MUST and
//! SHOULD passes; against variants of it that each break one requirement
//! (a middleware around the untouched server), the run fails naming exactly
//! that requirement.

use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::Request;
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use bc_conformance::report::{Report, Verdict};
use bc_conformance::suite::{self, RunOptions};
use bc_reference_server::{self as server, ServerConfig, store::Store};
use serde_json::{Value, json};

const TOKEN: &str = "test-token-0123456789";

/// The reference server over `store`, wrapped by `layer`, on a free port.
async fn variant(store: Arc<Store>, layer: impl FnOnce(Router) -> Router) -> server::Running {
    server::start_with(
        "127.0.0.1:0".parse().expect("addr"),
        ServerConfig::new(TOKEN),
        store,
        layer,
    )
    .await
    .expect("server")
}

async fn run_against(layer: impl FnOnce(Router) -> Router) -> Report {
    let running = variant(Arc::new(Store::open(None).expect("store")), layer).await;
    let mut opts = RunOptions::new(&running.base_url, TOKEN);
    opts.allow_writes = true;
    opts.allow_delete = true;
    opts.strict = true;
    opts.timeout = Duration::from_secs(5);
    let report = tokio::time::timeout(Duration::from_secs(60), suite::run(opts))
        .await
        .expect("the run ends")
        .expect("the run is done");
    running.stop().await.expect("stop");
    report
}

fn failures(r: &Report) -> String {
    bc_conformance::report::render_human(r, false)
}

#[tokio::test]
async fn the_reference_server_passes_everything() {
    let r = run_against(|r| r).await;
    assert!(r.conformant, "{}", failures(&r));
    let not_passed: Vec<&str> = r
        .requirements
        .iter()
        .filter(|q| q.verdict != Verdict::Passed)
        .map(|q| q.id.as_str())
        .collect();
    assert!(not_passed.is_empty(), "not passed: {not_passed:?}\n{}", failures(&r));
    assert_eq!(r.requirements.len(), 39);
}

/// `--only` runs only the checks that name its ids, and the listing they
/// need: a run for COL-2 with every flag sends no write, no delete, no
/// query option and no pdfDocument request, and reports COL-2 alone.
#[tokio::test]
async fn only_runs_the_checks_that_name_its_ids() {
    let requests: Arc<Mutex<Vec<String>>> = Arc::default();
    let seen = requests.clone();
    let running = variant(Arc::new(Store::open(None).expect("store")), move |r: Router| {
        r.layer(middleware::from_fn(move |req: Request, next: Next| {
            let seen = seen.clone();
            async move {
                let line = format!("{} {}", req.method(), req.uri());
                seen.lock().expect("lock").push(line);
                next.run(req).await
            }
        }))
    })
    .await;
    let mut opts = RunOptions::new(&running.base_url, TOKEN);
    opts.allow_writes = true;
    opts.allow_delete = true;
    opts.only = ["COL-2".parse().expect("an id")].into();
    let report = suite::run(opts).await.expect("the run is done");
    running.stop().await.expect("stop");
    let ids: Vec<&str> = report.requirements.iter().map(|r| r.id.as_str()).collect();
    assert_eq!(ids, ["COL-2"]);
    assert_eq!(report.verdict("COL-2"), Some(Verdict::Passed), "{}", failures(&report));
    let requests = requests.lock().expect("lock").clone();
    assert!(
        requests.iter().all(|r| r.starts_with("GET ")
            && !r.contains("pdfDocument")
            && !["$top", "$orderby", "$select", "$filter"].iter().any(|o| r.contains(o))),
        "{requests:#?}"
    );
    // Discovery, the listing, and the paged listing.
    assert!(requests.len() >= 3, "{requests:#?}");
}

async fn assert_breaks(expected: &[&str], layer: impl FnOnce(Router) -> Router) {
    let r = run_against(layer).await;
    let failed = r.failed_ids();
    assert_eq!(
        failed,
        expected,
        "the variant should fail exactly {expected:?}\n{}",
        failures(&r)
    );
    assert!(!r.conformant);
}

// ---- helpers for middlewares ----

async fn read_body(resp: Response) -> (axum::http::response::Parts, Bytes) {
    let (parts, body) = resp.into_parts();
    let bytes = axum::body::to_bytes(body, usize::MAX).await.unwrap_or_default();
    (parts, bytes)
}

fn rebuild(mut parts: axum::http::response::Parts, body: Vec<u8>) -> Response {
    parts.headers.remove(header::CONTENT_LENGTH);
    Response::from_parts(parts, Body::from(body))
}

/// Applies `f` to the JSON body of every response that has one.
async fn map_json(resp: Response, f: impl FnOnce(&mut Value)) -> Response {
    let (parts, bytes) = read_body(resp).await;
    match serde_json::from_slice::<Value>(&bytes) {
        Ok(mut v) => {
            f(&mut v);
            rebuild(parts, serde_json::to_vec(&v).unwrap_or_default())
        }
        Err(_) => rebuild(parts, bytes.to_vec()),
    }
}

async fn read_request(req: Request) -> (axum::http::request::Parts, Bytes) {
    let (parts, body) = req.into_parts();
    (parts, axum::body::to_bytes(body, usize::MAX).await.unwrap_or_default())
}

fn with_body(mut parts: axum::http::request::Parts, body: Vec<u8>) -> Request {
    parts.headers.remove(header::CONTENT_LENGTH);
    Request::from_parts(parts, Body::from(body))
}

/// Edits the JSON object of PATCH bodies.
async fn map_patch_body(req: Request, f: impl FnOnce(&mut serde_json::Map<String, Value>)) -> Request {
    if req.method() != Method::PATCH {
        return req;
    }
    let (parts, bytes) = read_request(req).await;
    if has_repeated_member(&bytes) {
        // Parsing would drop one of the two: a body PATCH-11 sends on
        // purpose passes as sent, for the server to refuse.
        return with_body(parts, bytes.to_vec());
    }
    match serde_json::from_slice::<Value>(&bytes) {
        Ok(Value::Object(mut m)) => {
            f(&mut m);
            with_body(parts, serde_json::to_vec(&m).unwrap_or_default())
        }
        _ => with_body(parts, bytes.to_vec()),
    }
}

/// Whether a JSON object names a member twice at its top level.
fn has_repeated_member(bytes: &[u8]) -> bool {
    struct Names(Vec<String>);
    impl<'de> serde::Deserialize<'de> for Names {
        fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Names, D::Error> {
            struct V;
            impl<'de> serde::de::Visitor<'de> for V {
                type Value = Names;
                fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                    f.write_str("an object")
                }
                fn visit_map<A: serde::de::MapAccess<'de>>(self, mut m: A) -> Result<Names, A::Error> {
                    let mut names = Vec::new();
                    while let Some((k, _)) = m.next_entry::<String, serde::de::IgnoredAny>()? {
                        names.push(k);
                    }
                    Ok(Names(names))
                }
            }
            d.deserialize_map(V)
        }
    }
    serde_json::from_slice::<Names>(bytes).is_ok_and(|Names(names)| {
        let unique: HashSet<&String> = names.iter().collect();
        unique.len() != names.len()
    })
}

fn odata(status: StatusCode, code: &str) -> Response {
    let mut r = (
        status,
        json!({"error": {"code": code, "message": "variant"}}).to_string(),
    )
        .into_response();
    r.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    r
}

fn is_contact_path(path: &str) -> bool {
    path.rsplit('/')
        .next()
        .is_some_and(|s| s.starts_with("customerContacts(") && s.ends_with(')'))
}

fn key_of(path: &str) -> Option<String> {
    let last = path.rsplit('/').find(|s| s.starts_with("customerContacts("))?;
    Some(
        last.trim_start_matches("customerContacts(")
            .trim_end_matches(')')
            .to_ascii_lowercase(),
    )
}

/// Ids the server has shown in a successful response: a variant can tell
/// a never-seen id from a deleted one.
#[derive(Clone, Default)]
struct Seen(Arc<Mutex<HashSet<String>>>);

impl Seen {
    fn collect(&self, v: &Value) {
        match v {
            Value::Object(m) => {
                if let Some(Value::String(id)) = m.get("id") {
                    self.0.lock().expect("lock").insert(id.to_ascii_lowercase());
                }
                m.values().for_each(|x| self.collect(x));
            }
            Value::Array(a) => a.iter().for_each(|x| self.collect(x)),
            _ => {}
        }
    }

    fn has(&self, id: &str) -> bool {
        self.0.lock().expect("lock").contains(id)
    }

    /// Passes a response through, remembering its ids.
    async fn note(&self, resp: Response) -> Response {
        if !resp.status().is_success() {
            return resp;
        }
        let (parts, bytes) = read_body(resp).await;
        if let Ok(v) = serde_json::from_slice::<Value>(&bytes) {
            self.collect(&v);
        }
        rebuild(parts, bytes.to_vec())
    }
}

fn layer<F, Fut>(f: F) -> impl FnOnce(Router) -> Router
where
    F: Fn(Request, Next) -> Fut + Clone + Send + Sync + 'static,
    Fut: std::future::Future<Output = Response> + Send + 'static,
{
    move |r: Router| r.layer(middleware::from_fn(f))
}

// ---- the variants ----

#[tokio::test]
async fn auth_1_requests_without_a_token_are_served() {
    assert_breaks(
        &["AUTH-1"],
        layer(|mut req: Request, next: Next| async move {
            if !req.headers().contains_key(header::AUTHORIZATION) {
                req.headers_mut().insert(
                    header::AUTHORIZATION,
                    HeaderValue::from_static("Bearer test-token-0123456789"),
                );
            }
            next.run(req).await
        }),
    )
    .await;
}

#[tokio::test]
async fn auth_2_any_token_is_accepted() {
    assert_breaks(
        &["AUTH-2"],
        layer(|mut req: Request, next: Next| async move {
            if req.headers().contains_key(header::AUTHORIZATION) {
                req.headers_mut().insert(
                    header::AUTHORIZATION,
                    HeaderValue::from_static("Bearer test-token-0123456789"),
                );
            }
            next.run(req).await
        }),
    )
    .await;
}

#[tokio::test]
async fn rep_1_contacts_carry_an_extra_property() {
    assert_breaks(
        &["REP-1"],
        layer(|req: Request, next: Next| async move {
            let resp = next.run(req).await;
            map_json(resp, |v| {
                fn add(v: &mut Value) {
                    match v {
                        Value::Object(m) => {
                            if m.contains_key("primaryPhoneNumber") {
                                m.insert("nickName".into(), json!("Johnny"));
                            }
                            m.values_mut().for_each(add);
                        }
                        Value::Array(a) => a.iter_mut().for_each(add),
                        _ => {}
                    }
                }
                add(v)
            })
            .await
        }),
    )
    .await;
}

#[tokio::test]
async fn rep_2_json_is_served_as_text() {
    assert_breaks(
        &["REP-2"],
        layer(|req: Request, next: Next| async move {
            let mut resp = next.run(req).await;
            if resp
                .headers()
                .get(header::CONTENT_TYPE)
                .is_some_and(|c| c.to_str().unwrap_or("").starts_with("application/json"))
                && resp.status().is_success()
            {
                resp.headers_mut()
                    .insert(header::CONTENT_TYPE, HeaderValue::from_static("text/plain"));
            }
            resp
        }),
    )
    .await;
}

#[tokio::test]
async fn rep_3_no_odata_context() {
    assert_breaks(
        &["REP-3"],
        layer(|req: Request, next: Next| async move {
            let resp = next.run(req).await;
            map_json(resp, |v| {
                if let Value::Object(m) = v {
                    m.remove("@odata.context");
                }
            })
            .await
        }),
    )
    .await;
}

#[tokio::test]
async fn rep_4_no_etag_header() {
    assert_breaks(
        &["REP-4"],
        layer(|req: Request, next: Next| async move {
            let mut resp = next.run(req).await;
            resp.headers_mut().remove(header::ETAG);
            resp
        }),
    )
    .await;
}

#[tokio::test]
async fn comp_1_unknown_company_lists_nothing() {
    assert_breaks(
        &["COMP-1"],
        layer(|req: Request, next: Next| async move {
            let path = req.uri().path().to_owned();
            let resp = next.run(req).await;
            if path.contains("/companies(")
                && resp.status() == StatusCode::NOT_FOUND
                && !path.contains("5d115c9c-44e3-ea11-bb43-000d3a2feca1")
            {
                let mut r = (StatusCode::OK, json!({"value": []}).to_string()).into_response();
                r.headers_mut()
                    .insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
                return r;
            }
            resp
        }),
    )
    .await;
}

#[tokio::test]
async fn col_1_the_list_repeats_a_contact() {
    assert_breaks(
        &["COL-1"],
        layer(|req: Request, next: Next| async move {
            let plain = req.method() == Method::GET
                && req.uri().path().ends_with("/customerContacts")
                && req.uri().query().is_none()
                && !req.headers().contains_key("prefer");
            let resp = next.run(req).await;
            if !plain {
                return resp;
            }
            map_json(resp, |v| {
                if let Some(list) = v.get_mut("value").and_then(Value::as_array_mut) {
                    if let Some(first) = list.first().cloned() {
                        list.push(first);
                    }
                }
            })
            .await
        }),
    )
    .await;
}

#[tokio::test]
async fn col_2_the_page_size_preference_is_ignored() {
    assert_breaks(
        &["COL-2"],
        layer(|mut req: Request, next: Next| async move {
            req.headers_mut().remove("prefer");
            next.run(req).await
        }),
    )
    .await;
}

#[tokio::test]
async fn col_3_top_is_ignored() {
    assert_breaks(
        &["COL-3"],
        layer(|mut req: Request, next: Next| async move {
            if let Some(q) = req.uri().query() {
                let kept: Vec<&str> = q.split('&').filter(|p| !p.starts_with("$top=")).collect();
                let uri = format!("{}?{}", req.uri().path(), kept.join("&"));
                *req.uri_mut() = uri.parse().expect("uri");
            }
            next.run(req).await
        }),
    )
    .await;
}

#[tokio::test]
async fn col_4_the_list_shows_another_etag() {
    assert_breaks(
        &["COL-4"],
        layer(|req: Request, next: Next| async move {
            let list = req.uri().path().ends_with("/customerContacts");
            let resp = next.run(req).await;
            if !list {
                return resp;
            }
            map_json(resp, |v| {
                for c in v.get_mut("value").and_then(Value::as_array_mut).into_iter().flatten() {
                    if let Some(Value::String(e)) = c.get_mut("@odata.etag") {
                        e.insert(0, 'x');
                    }
                }
            })
            .await
        }),
    )
    .await;
}

#[tokio::test]
async fn get_2_an_unknown_id_gets_400() {
    let seen = Seen::default();
    assert_breaks(
        &["GET-2"],
        layer(move |req: Request, next: Next| {
            let seen = seen.clone();
            async move {
                let path = req.uri().path().to_owned();
                let get = req.method() == Method::GET;
                let resp = seen.note(next.run(req).await).await;
                if get
                    && is_contact_path(&path)
                    && resp.status() == StatusCode::NOT_FOUND
                    && path.contains("5d115c9c")
                    && key_of(&path).is_some_and(|k| !seen.has(&k))
                {
                    return odata(StatusCode::BAD_REQUEST, "BadRequest");
                }
                resp
            }
        }),
    )
    .await;
}

#[tokio::test]
async fn get_3_a_malformed_key_is_served() {
    assert_breaks(
        &["GET-3"],
        layer(|req: Request, next: Next| async move {
            let path = req.uri().path().to_owned();
            if is_contact_path(&path) && key_of(&path).is_some_and(|k| uuid::Uuid::parse_str(&k).is_err()) {
                let mut r = (StatusCode::OK, "{}").into_response();
                r.headers_mut()
                    .insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
                return r;
            }
            next.run(req).await
        }),
    )
    .await;
}

/// Trims white space around keys, so `<guid>%0A` reads the contact.
#[tokio::test]
async fn get_3_keys_with_white_space_are_trimmed() {
    assert_breaks(
        &["GET-3"],
        layer(|mut req: Request, next: Next| async move {
            let uri = req.uri().to_string();
            let trimmed = uri.replace("%0A)", ")").replace("%20)", ")").replace("(%09", "(");
            if trimmed != uri {
                if let Ok(u) = trimmed.parse() {
                    *req.uri_mut() = u;
                }
            }
            next.run(req).await
        }),
    )
    .await;
}

/// Reads PATCH bodies as most JSON parsers do: of a member named twice, the
/// last one wins.
#[tokio::test]
async fn patch_11_a_member_named_twice_is_accepted() {
    assert_breaks(
        &["PATCH-11"],
        layer(|req: Request, next: Next| async move {
            if req.method() != Method::PATCH {
                return next.run(req).await;
            }
            let (parts, bytes) = read_request(req).await;
            let body = match serde_json::from_slice::<Value>(&bytes) {
                Ok(v) => serde_json::to_vec(&v).unwrap_or_default(),
                Err(_) => bytes.to_vec(),
            };
            next.run(with_body(parts, body)).await
        }),
    )
    .await;
}

#[tokio::test]
async fn patch_2_patch_replaces_instead_of_merging() {
    assert_breaks(
        &["PATCH-2"],
        layer(|req: Request, next: Next| async move {
            let req = map_patch_body(req, |m| {
                for k in [
                    "email",
                    "firstName",
                    "lastName",
                    "professionalTitle",
                    "primaryPhoneNumber",
                ] {
                    m.entry(k).or_insert(json!(""));
                }
            })
            .await;
            next.run(req).await
        }),
    )
    .await;
}

#[tokio::test]
async fn patch_3_4_7_conc_1_a_stale_patch_is_applied() {
    // A stale etag that is accepted breaks each requirement about it at once.
    assert_breaks(
        &["PATCH-3", "PATCH-4", "PATCH-7", "CONC-1"],
        layer(|mut req: Request, next: Next| async move {
            if req.method() == Method::PATCH && req.headers().contains_key(header::IF_MATCH) {
                req.headers_mut()
                    .insert(header::IF_MATCH, HeaderValue::from_static("*"));
            }
            next.run(req).await
        }),
    )
    .await;
}

#[tokio::test]
async fn patch_5_a_missing_if_match_is_taken_as_any() {
    assert_breaks(
        &["PATCH-5"],
        layer(|mut req: Request, next: Next| async move {
            if req.method() == Method::PATCH && !req.headers().contains_key(header::IF_MATCH) {
                req.headers_mut()
                    .insert(header::IF_MATCH, HeaderValue::from_static("*"));
            }
            next.run(req).await
        }),
    )
    .await;
}

#[tokio::test]
async fn patch_6_star_is_refused() {
    assert_breaks(
        &["PATCH-6"],
        layer(|req: Request, next: Next| async move {
            if req.method() == Method::PATCH
                && req.headers().get(header::IF_MATCH).is_some_and(|v| v == "*")
                && req.headers().contains_key(header::AUTHORIZATION)
            {
                return odata(StatusCode::CONFLICT, "Request_EntityChanged");
            }
            next.run(req).await
        }),
    )
    .await;
}

#[tokio::test]
async fn patch_8_the_patch_response_shows_another_etag() {
    assert_breaks(
        &["PATCH-8"],
        layer(|req: Request, next: Next| async move {
            let patch = req.method() == Method::PATCH;
            let resp = next.run(req).await;
            if !patch || resp.status() != StatusCode::OK {
                return resp;
            }
            let (mut parts, bytes) = read_body(resp).await;
            let mut v: Value = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
            let fake = v
                .get("@odata.etag")
                .and_then(Value::as_str)
                .map(|e| format!("{e}x"))
                .unwrap_or_default();
            v["@odata.etag"] = json!(fake);
            parts
                .headers
                .insert(header::ETAG, HeaderValue::from_str(&fake).expect("header"));
            rebuild(parts, serde_json::to_vec(&v).unwrap_or_default())
        }),
    )
    .await;
}

#[tokio::test]
async fn patch_9_a_different_id_is_ignored() {
    assert_breaks(
        &["PATCH-9"],
        layer(|req: Request, next: Next| async move {
            let req = map_patch_body(req, |m| {
                m.remove("id");
            })
            .await;
            next.run(req).await
        }),
    )
    .await;
}

#[tokio::test]
async fn patch_10_customer_name_is_ignored() {
    assert_breaks(
        &["PATCH-10"],
        layer(|req: Request, next: Next| async move {
            let req = map_patch_body(req, |m| {
                m.remove("customerName");
            })
            .await;
            next.run(req).await
        }),
    )
    .await;
}

#[tokio::test]
async fn patch_11_unknown_properties_are_ignored() {
    // The contact's properties, as the spec lists them.
    let known: std::sync::Arc<Vec<String>> = std::sync::Arc::new(
        bc_spec::Spec::embedded()
            .expect("the embedded spec parses")
            .properties("customerContact")
            .expect("the spec describes the contact")
            .into_iter()
            .map(|p| p.name)
            .collect(),
    );
    assert_breaks(
        &["PATCH-11"],
        layer(move |req: Request, next: Next| {
            let known = known.clone();
            async move {
                let req = map_patch_body(req, |m| {
                    m.retain(|k, _| known.contains(k) || k.starts_with('@'));
                })
                .await;
                next.run(req).await
            }
        }),
    )
    .await;
}

#[tokio::test]
async fn patch_12_long_values_are_cut_to_fit() {
    assert_breaks(
        &["PATCH-12"],
        layer(|req: Request, next: Next| async move {
            let req = map_patch_body(req, |m| {
                for k in ["firstName", "lastName", "professionalTitle", "primaryPhoneNumber"] {
                    if let Some(Value::String(s)) = m.get_mut(k) {
                        *s = s.chars().take(30).collect();
                    }
                }
            })
            .await;
            next.run(req).await
        }),
    )
    .await;
}

#[tokio::test]
async fn patch_13_customer_id_is_not_writable() {
    assert_breaks(
        &["PATCH-13"],
        layer(|req: Request, next: Next| async move {
            let req = map_patch_body(req, |m| {
                m.remove("customerId");
            })
            .await;
            next.run(req).await
        }),
    )
    .await;
}

#[tokio::test]
async fn conc_1_check_then_write_is_not_atomic() {
    // Each PATCH checks the etag, waits, then writes with `*`: concurrent
    // writers all pass the check, and all but the last update are lost.
    assert_breaks(
        &["CONC-1"],
        layer(|req: Request, next: Next| async move {
            if req.method() != Method::PATCH {
                return next.run(req).await;
            }
            let Some(sent) = req
                .headers()
                .get(header::IF_MATCH)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned)
            else {
                return next.run(req).await;
            };
            let auth = req.headers().get(header::AUTHORIZATION).cloned();
            let Some(auth) = auth else { return next.run(req).await };
            let url = format!(
                "http://{}{}",
                req.headers()
                    .get(header::HOST)
                    .and_then(|h| h.to_str().ok())
                    .unwrap_or(""),
                req.uri().path()
            );
            let current = reqwest::Client::new()
                .get(url)
                .header("Authorization", auth.to_str().unwrap_or(""))
                .send()
                .await;
            let current_etag = match current {
                Ok(r) => r.headers().get("etag").and_then(|v| v.to_str().ok()).map(str::to_owned),
                Err(_) => None,
            };
            if current_etag.as_deref() == Some(sent.as_str()) {
                tokio::time::sleep(Duration::from_millis(100)).await;
                let mut req = req;
                req.headers_mut()
                    .insert(header::IF_MATCH, HeaderValue::from_static("*"));
                return next.run(req).await;
            }
            next.run(req).await
        }),
    )
    .await;
}

#[tokio::test]
async fn del_1_delete_answers_200_with_a_body() {
    assert_breaks(
        &["DEL-1"],
        layer(|req: Request, next: Next| async move {
            let delete = req.method() == Method::DELETE;
            let resp = next.run(req).await;
            if delete && resp.status() == StatusCode::NO_CONTENT {
                return (StatusCode::OK, "{}").into_response();
            }
            resp
        }),
    )
    .await;
}

#[tokio::test]
async fn del_2_delete_answers_204_but_keeps_the_contact() {
    let deleted = Seen::default();
    assert_breaks(
        &["DEL-2"],
        layer(move |req: Request, next: Next| {
            let deleted = deleted.clone();
            async move {
                let path = req.uri().path().to_owned();
                if req.method() != Method::DELETE || !req.headers().contains_key(header::IF_MATCH) {
                    return next.run(req).await;
                }
                let Some(key) = key_of(&path) else {
                    return next.run(req).await;
                };
                if deleted.has(&key) {
                    return odata(StatusCode::NOT_FOUND, "Internal_RecordNotFound");
                }
                // Answer as if deleted, without deleting, when the etag matches.
                let mut probe = Request::new(Body::empty());
                *probe.uri_mut() = path.parse().expect("uri");
                *probe.headers_mut() = req.headers().clone();
                let current = next.clone().run(probe).await;
                let etag = current.headers().get(header::ETAG).cloned();
                let sent = req.headers().get(header::IF_MATCH).cloned();
                if current.status() == StatusCode::OK && (etag == sent || sent.as_ref().is_some_and(|s| s == "*")) {
                    deleted.0.lock().expect("lock").insert(key);
                    return StatusCode::NO_CONTENT.into_response();
                }
                next.run(req).await
            }
        }),
    )
    .await;
}

#[tokio::test]
async fn del_3_a_stale_delete_deletes() {
    assert_breaks(
        &["DEL-3"],
        layer(|mut req: Request, next: Next| async move {
            if req.method() == Method::DELETE && req.headers().contains_key(header::IF_MATCH) {
                req.headers_mut()
                    .insert(header::IF_MATCH, HeaderValue::from_static("*"));
            }
            next.run(req).await
        }),
    )
    .await;
}

#[tokio::test]
async fn del_4_delete_without_if_match_deletes() {
    assert_breaks(
        &["DEL-4"],
        layer(|mut req: Request, next: Next| async move {
            if req.method() == Method::DELETE && !req.headers().contains_key(header::IF_MATCH) {
                req.headers_mut()
                    .insert(header::IF_MATCH, HeaderValue::from_static("*"));
            }
            next.run(req).await
        }),
    )
    .await;
}

#[tokio::test]
async fn del_5_deleting_an_unknown_id_succeeds() {
    let seen = Seen::default();
    assert_breaks(
        &["DEL-5"],
        layer(move |req: Request, next: Next| {
            let seen = seen.clone();
            async move {
                let path = req.uri().path().to_owned();
                let delete = req.method() == Method::DELETE;
                let resp = seen.note(next.run(req).await).await;
                if delete && resp.status() == StatusCode::NOT_FOUND && key_of(&path).is_some_and(|k| !seen.has(&k)) {
                    return StatusCode::NO_CONTENT.into_response();
                }
                resp
            }
        }),
    )
    .await;
}

#[tokio::test]
async fn meth_1_post_is_answered_ok() {
    assert_breaks(
        &["METH-1"],
        layer(|req: Request, next: Next| async move {
            if req.method() == Method::POST {
                return (StatusCode::OK, "{}").into_response();
            }
            next.run(req).await
        }),
    )
    .await;
}

#[tokio::test]
async fn pdf_1_pdf_document_is_a_collection() {
    assert_breaks(
        &["PDF-1"],
        layer(|req: Request, next: Next| async move {
            let pdf = req.uri().path().ends_with("/pdfDocument");
            let resp = next.run(req).await;
            if !pdf || resp.status() != StatusCode::OK {
                return resp;
            }
            map_json(resp, |v| *v = json!({"value": [v.clone()]})).await
        }),
    )
    .await;
}

#[tokio::test]
async fn pdf_2_content_is_not_a_pdf() {
    assert_breaks(
        &["PDF-2"],
        layer(|req: Request, next: Next| async move {
            let content = req.uri().path().ends_with("/pdfDocumentContent");
            let resp = next.run(req).await;
            if content && resp.status() == StatusCode::OK {
                let mut r = (StatusCode::OK, "Customer statement").into_response();
                r.headers_mut()
                    .insert(header::CONTENT_TYPE, HeaderValue::from_static("text/plain"));
                return r;
            }
            resp
        }),
    )
    .await;
}

#[tokio::test]
async fn pdf_3_unknown_contacts_have_a_pdf() {
    let seen = Seen::default();
    assert_breaks(
        &["PDF-3"],
        layer(move |req: Request, next: Next| {
            let seen = seen.clone();
            async move {
                let path = req.uri().path().to_owned();
                let resp = seen.note(next.run(req).await).await;
                if path.contains("/pdfDocument")
                    && resp.status() == StatusCode::NOT_FOUND
                    && key_of(&path).is_some_and(|k| !seen.has(&k))
                {
                    let mut r = (StatusCode::OK, "%PDF-1.4 nothing").into_response();
                    r.headers_mut()
                        .insert(header::CONTENT_TYPE, HeaderValue::from_static("application/pdf"));
                    return r;
                }
                resp
            }
        }),
    )
    .await;
}

#[tokio::test]
async fn err_1_not_found_is_plain_text() {
    assert_breaks(
        &["ERR-1"],
        layer(|req: Request, next: Next| async move {
            let resp = next.run(req).await;
            if resp.status() == StatusCode::NOT_FOUND {
                return (StatusCode::NOT_FOUND, "Not Found").into_response();
            }
            resp
        }),
    )
    .await;
}

#[tokio::test]
async fn err_2_a_malformed_top_is_a_server_error() {
    assert_breaks(
        &["ERR-2"],
        layer(|req: Request, next: Next| async move {
            if req.uri().query().is_some_and(|q| q.contains("$top=abc")) {
                return odata(StatusCode::INTERNAL_SERVER_ERROR, "Internal_ServerError");
            }
            next.run(req).await
        }),
    )
    .await;
}

/// A server whose $filter parser recurses without a bound: deep nesting
/// fails it with a 5xx (a crashed worker behind a proxy).
#[tokio::test]
async fn err_2_deep_nesting_fails_the_server() {
    assert_breaks(
        &["ERR-2"],
        layer(|req: Request, next: Next| async move {
            if req.uri().query().unwrap_or("").matches("not%20").count() > 1_000 {
                return odata(StatusCode::BAD_GATEWAY, "BadGateway");
            }
            next.run(req).await
        }),
    )
    .await;
}

// ---- a correct server that pages small, and text in any case ----

/// Pages of three by default, as a server may: every COL-3 check follows
/// the pages. And one last name in lower case: ordered as Business Central
/// orders text, without regard to case.
#[tokio::test]
async fn a_server_paging_by_three_with_mixed_case_passes_every_check() {
    let store = Arc::new(Store::open(None).expect("store"));
    let nina = "b3f40516-0133-47e8-1324-9fa0b1c2d3ea".parse().expect("uuid");
    let changes = bc_reference_server::store::ContactChanges {
        last_name: Some("abbott".to_owned()),
        ..Default::default()
    };
    store
        .update(
            bc_reference_server::store::COMPANY_ID,
            nina,
            &bc_reference_server::store::Precondition::Any,
            &changes,
        )
        .expect("rename");
    let running = variant(
        store,
        layer(|mut req: Request, next: Next| async move {
            if req.method() == Method::GET && !req.headers().contains_key("prefer") {
                req.headers_mut()
                    .insert("prefer", HeaderValue::from_static("odata.maxpagesize=3"));
            }
            next.run(req).await
        }),
    )
    .await;
    let mut opts = RunOptions::new(&running.base_url, TOKEN);
    opts.allow_writes = true;
    opts.allow_delete = true;
    opts.strict = true;
    let report = suite::run(opts).await.expect("the run is done");
    assert!(report.conformant, "{}", failures(&report));
    assert_eq!(report.verdict("COL-3"), Some(Verdict::Passed), "{}", failures(&report));
    running.stop().await.expect("stop");
}

/// The first PATCH that puts the values back meets a 503: it is tried again
/// and the values end as they were.
#[tokio::test]
async fn a_restoring_patch_is_retried_after_a_transient_failure() {
    let store = Arc::new(Store::open(None).expect("store"));
    let john = bc_reference_server::store::JOHN_SMITH_ID;
    let company = bc_reference_server::store::COMPANY_ID;
    let before = store.contact(company, john).expect("read").expect("john");
    let refused = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let running = variant(
        store.clone(),
        layer(move |req: Request, next: Next| {
            let refused = refused.clone();
            async move {
                if req.method() != Method::PATCH {
                    return next.run(req).await;
                }
                let (parts, bytes) = read_request(req).await;
                let v: Value = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
                let restoring = v.as_object().is_some_and(|m| m.len() == 6)
                    && v["firstName"] == "John"
                    && v["email"] == "john.smith@contoso.com";
                if restoring && !refused.swap(true, std::sync::atomic::Ordering::SeqCst) {
                    let mut r = odata(StatusCode::SERVICE_UNAVAILABLE, "Internal_ServiceUnavailable");
                    r.headers_mut().insert("retry-after", HeaderValue::from_static("0"));
                    return r;
                }
                next.run(with_body(parts, bytes.to_vec())).await
            }
        }),
    )
    .await;
    let mut opts = RunOptions::new(&running.base_url, TOKEN);
    opts.allow_writes = true;
    let report = suite::run(opts).await.expect("the run is done");
    let restored = report
        .requirements
        .iter()
        .flat_map(|r| &r.checks)
        .find(|c| c.check.contains("put back"))
        .expect("the restore check");
    assert_eq!(
        restored.status,
        bc_conformance::report::Status::Pass,
        "{}",
        failures(&report)
    );
    let after = store.contact(company, john).expect("read").expect("john");
    assert!(
        after.same_values(&before),
        "{after:?}
was
{before:?}"
    );
    running.stop().await.expect("stop");
}

/// A stop (what Ctrl-C sends) in the middle of the write checks: the run
/// ends, the changed values are put back, and the report says so.
#[tokio::test]
async fn a_stop_during_writes_puts_the_values_back() {
    let store = Arc::new(Store::open(None).expect("store"));
    let john = bc_reference_server::store::JOHN_SMITH_ID;
    let company = bc_reference_server::store::COMPANY_ID;
    let before = store.contact(company, john).expect("read").expect("john");
    let (tx, rx) = tokio::sync::watch::channel(false);
    let tx = Arc::new(tx);
    let running = variant(
        store.clone(),
        layer(move |req: Request, next: Next| {
            let tx = tx.clone();
            async move {
                let patch = req.method() == Method::PATCH;
                let r = next.run(req).await;
                if patch && r.status() == StatusCode::OK {
                    // The first write went through: stop now, while the
                    // contact is changed.
                    let _ = tx.send(true);
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
                r
            }
        }),
    )
    .await;
    let mut opts = RunOptions::new(&running.base_url, TOKEN);
    opts.allow_writes = true;
    opts.stop = Some(rx);
    let report = suite::run(opts).await.expect("a report");
    let i = report.interrupted.as_ref().expect("interrupted");
    assert!(matches!(i, bc_conformance::report::Interrupted::Stopped(_)), "{i:?}");
    assert!(i.reason().contains("was put back"), "{i:?}");
    assert!(!report.conformant);
    let after = store.contact(company, john).expect("read").expect("john");
    assert!(
        after.same_values(&before),
        "{after:?}
was
{before:?}"
    );
    running.stop().await.expect("stop");
}
