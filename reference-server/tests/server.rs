//! The reference server over HTTP: exact statuses and codes, paging and
//! query options, hardening, 64 concurrent writers, persistence with --db.

use std::time::Duration;

use bc_reference_server::{self as server, ServerConfig};
use reqwest::StatusCode;
use serde_json::{Value, json};

const TOKEN: &str = "server-test-token";
const COMPANY: &str = "5d115c9c-44e3-ea11-bb43-000d3a2feca1";
const JOHN: &str = "e3a5c0b1-0123-4d6e-9f10-2a3b4c5d6e7f";

async fn start(config: ServerConfig) -> server::Running {
    server::start("127.0.0.1:0".parse().expect("addr"), config)
        .await
        .expect("server")
}

struct Api {
    base: String,
    http: reqwest::Client,
}

impl Api {
    fn new(s: &server::Running) -> Api {
        Api {
            base: s.base_url.clone(),
            http: reqwest::Client::new(),
        }
    }

    fn contact(&self, id: &str) -> String {
        format!("{}/companies({COMPANY})/customerContacts({id})", self.base)
    }

    fn req(&self, method: reqwest::Method, url: &str) -> reqwest::RequestBuilder {
        self.http.request(method, url).bearer_auth(TOKEN)
    }

    async fn get(&self, url: &str) -> (StatusCode, reqwest::header::HeaderMap, Value) {
        let r = self.req(reqwest::Method::GET, url).send().await.expect("send");
        let (s, h) = (r.status(), r.headers().clone());
        (s, h, r.json().await.unwrap_or(Value::Null))
    }

    async fn patch(&self, id: &str, if_match: Option<&str>, body: &str) -> (StatusCode, Value) {
        let mut b = self
            .req(reqwest::Method::PATCH, &self.contact(id))
            .header("Content-Type", "application/json")
            .body(body.to_owned());
        if let Some(e) = if_match {
            b = b.header("If-Match", e);
        }
        let r = b.send().await.expect("send");
        (r.status(), r.json().await.unwrap_or(Value::Null))
    }
}

fn code(v: &Value) -> &str {
    v.pointer("/error/code").and_then(Value::as_str).unwrap_or("")
}

#[tokio::test]
async fn writes_follow_the_contract_exactly() {
    let s = start(ServerConfig::new(TOKEN)).await;
    let api = Api::new(&s);
    let (status, headers, john) = api.get(&api.contact(JOHN)).await;
    assert_eq!(status, StatusCode::OK);
    let etag = john["@odata.etag"].as_str().expect("etag").to_owned();
    assert_eq!(headers["etag"], etag.as_str());
    assert_eq!(
        john["@odata.context"],
        format!("{}/$metadata#companies({COMPANY})/customerContacts/$entity", api.base)
    );

    let (st, body) = api.patch(JOHN, None, r#"{"professionalTitle":"x"}"#).await;
    assert_eq!((st, code(&body)), (StatusCode::BAD_REQUEST, "BadRequest_InvalidToken"));
    let (st, body) = api
        .patch(JOHN, Some("W/\"nope\""), r#"{"professionalTitle":"x"}"#)
        .await;
    assert_eq!((st, code(&body)), (StatusCode::CONFLICT, "Request_EntityChanged"));
    let (st, body) = api.patch(JOHN, Some(&etag), r#"{"nickName":"x"}"#).await;
    assert_eq!((st, code(&body)), (StatusCode::BAD_REQUEST, "BadRequest"));
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap_or("")
            .starts_with("The property 'nickName' does not exist on type 'Microsoft.NAV.customerContact'.")
    );
    let (st, body) = api.patch(JOHN, Some(&etag), "{not json").await;
    assert_eq!((st, code(&body)), (StatusCode::BAD_REQUEST, "BadRequest"));
    let (st, body) = api
        .patch(JOHN, Some(&etag), r#"{"firstName":"0123456789012345678901234567890"}"#)
        .await;
    assert_eq!(
        (st, code(&body)),
        (StatusCode::BAD_REQUEST, "Application_StringExceededLength")
    );
    let (st, body) = api.patch(JOHN, Some(&etag), r#"{"customerName":"Other"}"#).await;
    assert_eq!(
        (st, code(&body)),
        (StatusCode::BAD_REQUEST, "BadRequest_InvalidOperation")
    );
    let (st, body) = api
        .patch(
            JOHN,
            Some(&etag),
            &format!(r#"{{"customerId":"{}"}}"#, uuid::Uuid::new_v4()),
        )
        .await;
    assert_eq!(
        (st, code(&body)),
        (StatusCode::BAD_REQUEST, "Application_DialogException")
    );
    // Nothing changed through all of that.
    let (_, _, again) = api.get(&api.contact(JOHN)).await;
    assert_eq!(again, john);

    // Re-linking: customerName follows.
    let (st, body) = api
        .patch(
            JOHN,
            Some(&etag),
            r#"{"customerId":"0b8c2f3e-1043-4a61-9d7e-5c6b7a8f9e01"}"#,
        )
        .await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(body["customerName"], "Fabrikam, Inc.");
    assert_ne!(body["@odata.etag"], json!(etag));

    let r = api
        .req(
            reqwest::Method::POST,
            &format!("{}/companies({COMPANY})/customerContacts", api.base),
        )
        .json(&json!({"firstName": "A"}))
        .send()
        .await
        .expect("send");
    assert_eq!(r.status(), StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(code(&r.json().await.expect("json")), "BadRequest_MethodNotAllowed");

    let r = api
        .req(reqwest::Method::DELETE, &api.contact(JOHN))
        .send()
        .await
        .expect("send");
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    let r = api
        .req(reqwest::Method::DELETE, &api.contact(JOHN))
        .header("If-Match", "*")
        .send()
        .await
        .expect("send");
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    assert!(r.bytes().await.expect("body").is_empty());
    let (st, _, body) = api.get(&api.contact(JOHN)).await;
    assert_eq!((st, code(&body)), (StatusCode::NOT_FOUND, "Internal_RecordNotFound"));
    s.stop().await.expect("stop");
}

#[tokio::test]
async fn sixty_four_writers_on_one_etag_one_wins() {
    let s = start(ServerConfig::new(TOKEN)).await;
    let api = std::sync::Arc::new(Api::new(&s));
    let (_, _, john) = api.get(&api.contact(JOHN)).await;
    let etag = john["@odata.etag"].as_str().expect("etag").to_owned();
    let tasks: Vec<_> = (0..64)
        .map(|i| {
            let api = api.clone();
            let etag = etag.clone();
            tokio::spawn(async move {
                (
                    i,
                    api.patch(JOHN, Some(&etag), &format!(r#"{{"professionalTitle":"Writer {i}"}}"#))
                        .await,
                )
            })
        })
        .collect();
    let mut winners = Vec::new();
    for t in tasks {
        let (i, (status, body)) = t.await.expect("task");
        match status {
            StatusCode::OK => winners.push(i),
            StatusCode::CONFLICT => assert_eq!(code(&body), "Request_EntityChanged"),
            other => panic!("writer {i} got {other}"),
        }
    }
    assert_eq!(winners.len(), 1, "winners: {winners:?}");
    let (_, _, now) = api.get(&api.contact(JOHN)).await;
    assert_eq!(
        now["professionalTitle"],
        format!("Writer {}", winners[0]),
        "the winner's update is the one kept"
    );
    s.stop().await.expect("stop");
}

#[tokio::test]
async fn data_persists_across_a_restart_with_db() {
    let dir = tempfile::tempdir().expect("tmp");
    let mut config = ServerConfig::new(TOKEN);
    config.db = Some(dir.path().join("bc.sqlite"));
    let s = start(config.clone()).await;
    let api = Api::new(&s);
    let (_, _, john) = api.get(&api.contact(JOHN)).await;
    let (st, patched) = api
        .patch(JOHN, john["@odata.etag"].as_str(), r#"{"professionalTitle":"Kept"}"#)
        .await;
    assert_eq!(st, StatusCode::OK);
    s.stop().await.expect("stop");

    let s = start(config).await;
    let api = Api::new(&s);
    let (_, _, again) = api.get(&api.contact(JOHN)).await;
    assert_eq!(again["professionalTitle"], "Kept");
    assert_eq!(again["@odata.etag"], patched["@odata.etag"]);
    let (_, _, list) = api
        .get(&format!("{}/companies({COMPANY})/customerContacts", api.base))
        .await;
    assert_eq!(
        list["value"].as_array().map(Vec::len),
        Some(12),
        "seeded once, not twice"
    );
    s.stop().await.expect("stop");
}

#[tokio::test]
async fn paging_and_query_options() {
    let s = start(ServerConfig::new(TOKEN)).await;
    let api = Api::new(&s);
    let list = format!("{}/companies({COMPANY})/customerContacts", api.base);
    let mut url = Some(format!("{list}?$orderby=lastName"));
    let mut names = Vec::new();
    let mut pages = 0;
    while let Some(u) = url.take() {
        let r = api
            .req(reqwest::Method::GET, &u)
            .header("Prefer", "odata.maxpagesize=5")
            .send()
            .await
            .expect("send");
        assert_eq!(r.headers()["preference-applied"], "odata.maxpagesize=5");
        let v: Value = r.json().await.expect("json");
        let page = v["value"].as_array().expect("value");
        assert!(page.len() <= 5);
        names.extend(page.iter().map(|c| c["lastName"].as_str().unwrap_or("").to_owned()));
        url = v["@odata.nextLink"].as_str().map(str::to_owned);
        pages += 1;
    }
    assert_eq!((pages, names.len()), (3, 12));
    assert!(names.windows(2).all(|w| w[0] <= w[1]), "{names:?}");

    let (_, _, v) = api.get(&format!("{list}?$filter=lastName%20eq%20'Smith'%20and%20(firstName%20eq%20'John'%20or%20firstName%20eq%20'Nina')&$select=firstName")).await;
    let firsts: Vec<&str> = v["value"]
        .as_array()
        .expect("value")
        .iter()
        .map(|c| c["firstName"].as_str().unwrap_or(""))
        .collect();
    assert_eq!(firsts, ["John", "Nina"]);
    assert!(v["value"][0].get("lastName").is_none());
    let (_, _, v) = api
        .get(&format!("{list}?$top=2&$skip=1&$orderby=firstName%20desc"))
        .await;
    assert_eq!(v["value"].as_array().map(Vec::len), Some(2));
    let (st, _, v) = api.get(&format!("{list}?$filter=nickName%20eq%20'x'")).await;
    assert_eq!((st, code(&v)), (StatusCode::BAD_REQUEST, "BadRequest"));
    let (_, _, v) = api.get(&format!("{list}?$expand=pdfDocument&$top=1")).await;
    assert!(
        v["value"][0]["pdfDocument"]["pdfDocumentContent@odata.mediaReadLink"]
            .as_str()
            .is_some_and(|l| l.ends_with("/pdfDocument/pdfDocumentContent"))
    );
    s.stop().await.expect("stop");
}

#[tokio::test]
async fn bad_input_gets_a_4xx_odata_error() {
    let mut config = ServerConfig::new(TOKEN);
    config.max_body_bytes = 1024;
    let s = start(config).await;
    let api = Api::new(&s);
    let (_, _, john) = api.get(&api.contact(JOHN)).await;
    let etag = john["@odata.etag"].as_str().expect("etag");
    let big = format!(r#"{{"firstName":"{}"}}"#, "x".repeat(4096));
    let (st, body) = api.patch(JOHN, Some(etag), &big).await;
    assert_eq!(
        (st, code(&body)),
        (StatusCode::PAYLOAD_TOO_LARGE, "Request_EntityTooLarge")
    );
    let raw = api
        .req(reqwest::Method::PATCH, &api.contact(JOHN))
        .header("If-Match", etag)
        .body(vec![b'{', 0xff, 0xfe, b'}'])
        .send()
        .await
        .expect("send");
    assert_eq!(raw.status(), StatusCode::BAD_REQUEST);
    for path in [
        "customerContacts(CONT00123)",
        "customerContacts('x')",
        "customerContacts(",
        "nothing",
        "customerContacts(%zz)",
    ] {
        let (st, _, v) = api.get(&format!("{}/companies({COMPANY})/{path}", api.base)).await;
        assert!(st.is_client_error(), "{path}: {st}");
        assert!(!code(&v).is_empty(), "{path}: {v}");
    }
    let r = api
        .http
        .get(format!("{}/companies", api.base))
        .header("Authorization", "Basic abc")
        .send()
        .await
        .expect("send");
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(r.headers()["www-authenticate"], "Bearer");
    let r = api
        .http
        .get(format!("{}/companies", api.base))
        .header("Authorization", vec![0xffu8, 0xfe].as_slice())
        .send()
        .await
        .expect("send");
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    let (st, _, _) = api.get(&api.base.replace("/api/v2.0", "/other")).await;
    assert_eq!(st, StatusCode::NOT_FOUND);
    s.stop().await.expect("stop");
}

#[tokio::test]
async fn the_pdf_is_a_customer_statement() {
    let s = start(ServerConfig::new(TOKEN)).await;
    let api = Api::new(&s);
    let r = api
        .req(
            reqwest::Method::GET,
            &format!("{}/pdfDocument/pdfDocumentContent", api.contact(JOHN)),
        )
        .send()
        .await
        .expect("send");
    assert_eq!(r.headers()["content-type"], "application/pdf");
    let bytes = r.bytes().await.expect("body");
    let text = String::from_utf8_lossy(&bytes);
    assert!(
        text.starts_with("%PDF-1.4")
            && text.contains("(Customer Statement) Tj")
            && text.contains("Contact: John Smith")
            && text.contains("Contoso Ltd."),
        "{text}"
    );
    let (_, _, doc) = api.get(&format!("{}/pdfDocument", api.contact(JOHN))).await;
    assert_eq!(doc["parentId"], JOHN);
    s.stop().await.expect("stop");
}

#[tokio::test]
async fn a_slow_request_times_out_with_an_odata_error() {
    let mut config = ServerConfig::new(TOKEN);
    config.request_timeout = Duration::from_millis(200);
    let s = start(config).await;
    // A body announced but never sent.
    let mut stream = tokio::net::TcpStream::connect(s.addr).await.expect("connect");
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let head = format!(
        "PATCH /api/v2.0/companies({COMPANY})/customerContacts({JOHN}) HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {TOKEN}\r\nIf-Match: *\r\nContent-Length: 100\r\n\r\n{{"
    );
    stream.write_all(head.as_bytes()).await.expect("write");
    let mut buf = vec![0u8; 4096];
    let n = tokio::time::timeout(Duration::from_secs(10), stream.read(&mut buf))
        .await
        .expect("answered")
        .expect("read");
    let answer = String::from_utf8_lossy(&buf[..n]);
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(answer.contains("Request_Timeout"), "{answer}");
    s.stop().await.expect("stop");
}
