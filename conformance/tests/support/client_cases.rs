// The client tests, shared by `client.rs` (the crate with the runtime
// copied in) and `client_runtime_crate.rs` (the crate that depends on the
// runtime crate): each names its crate `bc_api`.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use axum::Router;
use axum::extract::Request;
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use bc_api::operations::{ListCompaniesError, UpdateCustomerContactError};
use bc_api::{Client, CustomerContactUpdateRequest, ETag, Error, Nullable, RetryPolicy};
use bc_reference_server::{self as server, ServerConfig};
use futures::{StreamExt, TryStreamExt};
use uuid::Uuid;

const TOKEN: &str = "client-test-token";
const COMPANY: Uuid = Uuid::from_u128(0x5d115c9c_44e3_ea11_bb43_000d3a2feca1);
const JOHN: Uuid = Uuid::from_u128(0xe3a5c0b1_0123_4d6e_9f10_2a3b4c5d6e7f);

async fn reference() -> (server::Running, Client) {
    let s = server::start("127.0.0.1:0".parse().expect("addr"), ServerConfig::new(TOKEN))
        .await
        .expect("server");
    let client = Client::builder(&s.base_url)
        .bearer_token(TOKEN)
        .build()
        .expect("client");
    (s, client)
}

/// Serves `router` on a free loopback port; returns its base URL.
async fn serve(router: Router) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move { axum::serve(listener, router).await });
    format!("http://{addr}/api/v2.0")
}

fn json(status: StatusCode, body: serde_json::Value) -> Response {
    let mut r = (status, body.to_string()).into_response();
    r.headers_mut()
        .insert("content-type", HeaderValue::from_static("application/json"));
    r
}

#[tokio::test]
async fn list_get_patch_with_the_etag_then_a_typed_409_then_delete() {
    let (s, client) = reference().await;
    let companies = client.list_companies().await.expect("companies").into_body();
    assert_eq!(companies.value[0].id, Some(COMPANY));
    assert_eq!(companies.value[0].name.as_deref(), Some("CRONUS USA"));

    // `$select` leaves out what it does not name; the model still decodes.
    let ids = client
        .list_companies()
        .select(["id"])
        .await
        .expect("companies, ids only")
        .into_body();
    assert_eq!(ids.value[0].id, Some(COMPANY));
    assert_eq!(ids.value[0].name, None);
    assert!(!ids.value[0].odata_etag.is_empty(), "@odata.etag is always sent");

    let page = client
        .list_customer_contacts(COMPANY)
        .filter("lastName eq 'Smith'")
        .select(["firstName", "lastName"])
        .await
        .expect("list");
    assert_eq!(page.body.value.len(), 2);
    assert!(
        page.body
            .value
            .iter()
            .all(|c| c.email.is_none() && c.last_name.as_deref() == Some("Smith"))
    );

    let got = client.get_customer_contact(COMPANY, JOHN).await.expect("get");
    let etag = got.headers.etag.clone().expect("an ETag header");
    assert_eq!(etag.as_str(), got.body.odata_etag);
    assert_eq!(got.body.customer_name.as_deref(), Some("Contoso Ltd."));

    // Only what is set is sent: the title, not the other fields.
    let change = CustomerContactUpdateRequest::default().professional_title("Head of Purchasing");
    assert_eq!(
        serde_json::to_string(&change).expect("json"),
        r#"{"professionalTitle":"Head of Purchasing"}"#
    );
    let updated = client
        .update_customer_contact(COMPANY, JOHN, &etag, change.clone())
        .await
        .expect("patch");
    assert_eq!(updated.body.professional_title.as_deref(), Some("Head of Purchasing"));
    assert_eq!(updated.body.first_name.as_deref(), Some("John"), "merged, not replaced");
    let new_etag = updated.headers.etag.expect("new etag");
    assert_ne!(new_etag, etag);

    // The old etag is stale now: a typed 409 with the OData code.
    let err = client
        .update_customer_contact(COMPANY, JOHN, etag.clone(), change)
        .await
        .expect_err("stale");
    assert_eq!(err.status(), Some(reqwest::StatusCode::CONFLICT));
    assert_eq!(err.code(), Some("Request_EntityChanged"));
    match &err {
        Error::Api(api) => match &api.body {
            UpdateCustomerContactError::Conflict(e) => assert_eq!(e.error.code, "Request_EntityChanged"),
            other => panic!("expected the 409 variant, got {other:?}"),
        },
        other => panic!("expected a documented error, got {other:?}"),
    }
    assert!(err.to_string().contains("409 Conflict: Request_EntityChanged"), "{err}");

    // A null is sent as null; the server refuses it as the wrong type (a typed 400).
    let null_title = CustomerContactUpdateRequest {
        professional_title: Nullable::Null,
        ..Default::default()
    };
    let err = client
        .update_customer_contact(COMPANY, JOHN, &new_etag, null_title)
        .await
        .expect_err("null");
    assert!(
        matches!(&err, Error::Api(a) if matches!(a.body, UpdateCustomerContactError::BadRequest(_))),
        "{err:?}"
    );

    // If-Match: * and delete.
    client
        .delete_customer_contact(COMPANY, JOHN, ETag::any())
        .await
        .expect("delete");
    let err = client.get_customer_contact(COMPANY, JOHN).await.expect_err("gone");
    assert_eq!(err.status(), Some(reqwest::StatusCode::NOT_FOUND));
    assert_eq!(err.code(), Some("Internal_RecordNotFound"));
    s.stop().await.expect("stop");
}

#[tokio::test]
async fn every_other_operation() {
    let (s, client) = reference().await;
    let doc = client
        .get_customer_contact_pdf_document(COMPANY, JOHN)
        .await
        .expect("pdfDocument")
        .into_body();
    // Required in our spec, optional in Business Central's `$metadata`
    // (`bc-api-v2`): either way, the contact's id.
    #[allow(clippy::useless_conversion)]
    let parent: Option<Uuid> = doc.parent_id.into();
    assert_eq!(parent, Some(JOHN));
    let pdf = client
        .get_customer_contact_pdf_document_content(COMPANY, JOHN)
        .await
        .expect("pdf")
        .into_body();
    assert!(pdf.starts_with(b"%PDF-"));
    let streamed = client
        .get_customer_contact_pdf_document_content(COMPANY, JOHN)
        .send_stream()
        .await
        .expect("pdf stream");
    let chunks: Vec<bytes::Bytes> = streamed.body.try_collect().await.expect("chunks");
    assert_eq!(chunks.concat(), pdf.to_vec());
    let err = client
        .get_customer_contact_pdf_document_content(COMPANY, Uuid::new_v4())
        .send_stream()
        .await
        .expect_err("unknown");
    assert_eq!(err.status(), Some(reqwest::StatusCode::NOT_FOUND));
    s.stop().await.expect("stop");
}

#[tokio::test]
async fn paging_follows_next_links_across_pages() {
    let (s, client) = reference().await;
    let all: Vec<_> = client
        .list_customer_contacts(COMPANY)
        .max_page_size(5)
        .orderby(["lastName"])
        .stream()
        .try_collect()
        .await
        .expect("all pages");
    assert_eq!(all.len(), 12);
    let first = client
        .list_customer_contacts(COMPANY)
        .max_page_size(5)
        .await
        .expect("page")
        .into_body();
    assert_eq!(first.value.len(), 5);
    assert!(first.odata_next_link.is_some());
    s.stop().await.expect("stop");
}

#[tokio::test]
async fn the_token_is_never_sent_to_another_origin() {
    let elsewhere_hits = Arc::new(AtomicUsize::new(0));
    let hits = elsewhere_hits.clone();
    let elsewhere = serve(Router::new().fallback(move |_req: Request| {
        let hits = hits.clone();
        async move {
            hits.fetch_add(1, Ordering::SeqCst);
            json(StatusCode::OK, serde_json::json!({"value": []}))
        }
    }))
    .await;
    let next = format!("{elsewhere}/companies({COMPANY})/customerContacts?$skiptoken=steal");
    let seen_auth = Arc::new(AtomicUsize::new(0));
    let seen = seen_auth.clone();
    let home = serve(Router::new().fallback(move |req: Request| {
        let next = next.clone();
        let seen = seen.clone();
        async move {
            if req
                .headers()
                .get("authorization")
                .is_some_and(|v| v == "Bearer client-test-token")
            {
                seen.fetch_add(1, Ordering::SeqCst);
            }
            json(
                StatusCode::OK,
                serde_json::json!({"value": [{"@odata.etag": "W/\"1\"", "id": JOHN.to_string()}], "@odata.nextLink": next}),
            )
        }
    }))
    .await;
    let client = Client::builder(&home).bearer_token(TOKEN).build().expect("client");
    let items: Vec<_> = client.list_customer_contacts(COMPANY).stream().collect().await;
    assert_eq!(items.len(), 2, "the first page's contact, then the refusal");
    assert!(items[0].is_ok());
    match &items[1] {
        Err(Error::InvalidNextLink { reason, .. }) => assert!(reason.contains("another origin"), "{reason}"),
        other => panic!("expected InvalidNextLink, got {other:?}"),
    }
    assert_eq!(seen_auth.load(Ordering::SeqCst), 1, "the home origin got the token");
    assert_eq!(
        elsewhere_hits.load(Ordering::SeqCst),
        0,
        "nothing at all went to the other origin"
    );
}

#[tokio::test]
async fn a_429_is_retried_after_retry_after() {
    let calls = Arc::new(AtomicUsize::new(0));
    let c = calls.clone();
    let base = serve(Router::new().fallback(move |_req: Request| {
        let c = c.clone();
        async move {
            if c.fetch_add(1, Ordering::SeqCst) < 2 {
                let mut r = json(
                    StatusCode::TOO_MANY_REQUESTS,
                    serde_json::json!({"error": {"code": "TooManyRequests", "message": "slow down"}}),
                );
                r.headers_mut().insert("retry-after", HeaderValue::from_static("0"));
                return r;
            }
            json(
                StatusCode::OK,
                serde_json::json!({"value": [{"@odata.etag": "W/\"1\"", "id": COMPANY.to_string(), "name": "C", "displayName": "C"}]}),
            )
        }
    }))
    .await;
    let client = Client::builder(&base).bearer_token(TOKEN).build().expect("client");
    let companies = client.list_companies().await.expect("after two retries").into_body();
    assert_eq!(companies.value.len(), 1);
    assert_eq!(calls.load(Ordering::SeqCst), 3);

    // Bounded: with retries off, the 429 comes back, typed (the spec
    // documents it on every operation).
    calls.store(0, Ordering::SeqCst);
    let client = Client::builder(&base)
        .bearer_token(TOKEN)
        .retry(RetryPolicy::none())
        .build()
        .expect("client");
    let err = client.list_companies().await.expect_err("429");
    assert!(
        matches!(&err, Error::Api(a) if matches!(a.body, ListCompaniesError::TooManyRequests(_))),
        "{err:?}"
    );
    assert_eq!(err.code(), Some("TooManyRequests"), "the OData code is read");
    assert_eq!(calls.load(Ordering::SeqCst), 1);
}

struct Refreshing {
    calls: AtomicUsize,
}

impl bc_api::TokenProvider for Refreshing {
    fn token(&self) -> bc_api::TokenFuture<'_> {
        let n = self.calls.load(Ordering::SeqCst);
        Box::pin(async move { Ok(if n == 0 { "expired".to_owned() } else { TOKEN.to_owned() }) })
    }

    fn invalidate(&self) {
        self.calls.fetch_add(1, Ordering::SeqCst);
    }
}

#[tokio::test]
async fn a_401_asks_the_provider_for_a_fresh_token_once() {
    let (s, _) = reference().await;
    let client = Client::builder(&s.base_url)
        .token_provider(Refreshing {
            calls: AtomicUsize::new(0),
        })
        .build()
        .expect("client");
    let got = client
        .get_customer_contact(COMPANY, JOHN)
        .await
        .expect("after a refresh");
    assert_eq!(got.body.id, Some(JOHN));
    let callback = Client::builder(&s.base_url)
        .token_provider(bc_api::token_fn(|| async { Ok("wrong".to_owned()) }))
        .build()
        .expect("client");
    let err = callback.get_customer_contact(COMPANY, JOHN).await.expect_err("refused");
    assert_eq!(err.status(), Some(reqwest::StatusCode::UNAUTHORIZED));
    s.stop().await.expect("stop");
}

#[tokio::test]
async fn a_slow_server_times_out() {
    let base = serve(Router::new().fallback(|_req: Request| async {
        tokio::time::sleep(Duration::from_secs(30)).await;
        json(StatusCode::OK, serde_json::json!({"value": []}))
    }))
    .await;
    let client = Client::builder(&base)
        .timeout(Some(Duration::from_millis(200)))
        .build()
        .expect("client");
    let err = client.list_companies().await.expect_err("timeout");
    assert!(err.is_timeout(), "{err:?}");
}

#[tokio::test]
async fn a_body_that_breaks_the_schema_is_a_decode_error() {
    let base =
        serve(Router::new().fallback(|_req: Request| async {
            json(StatusCode::OK, serde_json::json!({"value": [{"id": "CONT00123"}]}))
        }))
        .await;
    let client = Client::new(&base).expect("client");
    let err = client.list_customer_contacts(COMPANY).await.expect_err("bad id");
    assert!(matches!(err, Error::Decode { .. }), "{err:?}");
    assert!(err.to_string().contains("does not match the spec"), "{err}");
}

#[tokio::test]
async fn a_preconfigured_http_client_is_used() {
    let (s, _) = reference().await;
    let http = reqwest::Client::builder()
        .user_agent("my-agent/1.0")
        .build()
        .expect("reqwest");
    let client = Client::builder(&s.base_url)
        .http_client(http)
        .bearer_token(TOKEN)
        .build()
        .expect("client");
    assert!(client.list_companies().await.is_ok());
    s.stop().await.expect("stop");
}
