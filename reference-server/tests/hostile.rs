//! The reference server against an attacker and an unlucky client, over
//! loopback: each test sends what once crashed, hung or fooled the server,
//! and checks the answer is a 4xx (or 503) OData error, that nothing
//! changed, and that the server still serves.

use std::time::{Duration, Instant};

use bc_reference_server::store::{COMPANY_ID, JOHN_SMITH_ID, Store};
use bc_reference_server::{self as server, ServerConfig};
use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

const TOKEN: &str = "hostile-test-token";

async fn start(config: ServerConfig) -> server::Running {
    server::start("127.0.0.1:0".parse().expect("addr"), config)
        .await
        .expect("server")
}

fn contacts_path() -> String {
    format!("/api/v2.0/companies({COMPANY_ID})/customerContacts")
}

/// A raw HTTP/1.1 exchange: what came back (whole, up to the server's
/// close or `wait`), or `None` when the connection closed with no bytes.
async fn raw(addr: std::net::SocketAddr, request: &[u8], wait: Duration) -> Option<String> {
    let mut s = TcpStream::connect(addr).await.expect("connect");
    s.write_all(request).await.expect("write");
    let mut out = Vec::new();
    let _ = tokio::time::timeout(wait, s.read_to_end(&mut out)).await;
    (!out.is_empty()).then(|| String::from_utf8_lossy(&out).into_owned())
}

fn get(target: &str) -> Vec<u8> {
    format!("GET {target} HTTP/1.1\r\nHost: t\r\nAuthorization: Bearer {TOKEN}\r\nConnection: close\r\n\r\n")
        .into_bytes()
}

/// Status and parsed body of a raw response.
fn parse(response: &str) -> (u16, Value) {
    let status = response
        .get(9..12)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("not an HTTP response: {response:?}"));
    let body = response.split_once("\r\n\r\n").map(|(_, b)| b).unwrap_or("");
    (status, serde_json::from_str(body).unwrap_or(Value::Null))
}

fn odata_code(v: &Value) -> Option<&str> {
    v.pointer("/error/code").and_then(Value::as_str)
}

async fn alive(s: &server::Running) {
    let r = raw(s.addr, &get(&contacts_path()), Duration::from_secs(5))
        .await
        .expect("the server answers");
    assert_eq!(parse(&r).0, 200, "{r}");
}

fn john(store: &Store) -> bc_reference_server::store::Contact {
    store.contact(COMPANY_ID, JOHN_SMITH_ID).expect("read").expect("john")
}

#[tokio::test]
async fn deep_filters_are_refused_not_fatal() {
    let s = start(ServerConfig::new(TOKEN)).await;
    for filter in [
        format!("{}lastName%20eq%20'a'", "not%20".repeat(6_000)),
        format!("{}lastName%20eq%20'a'{}", "(".repeat(6_000), ")".repeat(6_000)),
        format!("{}lastName{}%20eq%20'a'", "tolower(".repeat(3_000), ")".repeat(3_000)),
        vec!["lastName%20eq%20'a'"; 2_000].join("%20and%20"),
    ] {
        let r = raw(
            s.addr,
            &get(&format!("{}?$filter={filter}", contacts_path())),
            Duration::from_secs(5),
        )
        .await
        .expect("an answer");
        let (status, body) = parse(&r);
        assert_eq!(status, 400, "{r}");
        assert_eq!(odata_code(&body), Some("BadRequest"), "{r}");
    }
    alive(&s).await;
}

#[tokio::test]
async fn broken_percent_encodings_get_400_not_a_dropped_connection() {
    let s = start(ServerConfig::new(TOKEN)).await;
    for target in [
        format!("{}?%x\u{e9}=1", contacts_path()),
        format!("{}?$filter=%x\u{e9}", contacts_path()),
        format!("/api/v2.0/companies(%x\u{e9})"),
        format!("{}?$select=%\u{1f600}", contacts_path()),
        format!("{}?$filter=%", contacts_path()),
    ] {
        let r = raw(s.addr, &get(&target), Duration::from_secs(5))
            .await
            .unwrap_or_else(|| panic!("no answer to {target}"));
        let (status, body) = parse(&r);
        assert_eq!(status, 400, "{target}: {r}");
        assert!(odata_code(&body).is_some(), "{target}: {r}");
    }
    alive(&s).await;
}

#[tokio::test]
async fn keys_must_be_exact_guids() {
    let s = start(ServerConfig::new(TOKEN)).await;
    for key in [
        format!("{JOHN_SMITH_ID}%0A"),
        format!("{JOHN_SMITH_ID}%20"),
        format!("%09{JOHN_SMITH_ID}"),
        format!("{{{JOHN_SMITH_ID}}}"),
    ] {
        let r = raw(
            s.addr,
            &get(&format!("{}({key})", contacts_path())),
            Duration::from_secs(5),
        )
        .await
        .expect("an answer");
        let (status, body) = parse(&r);
        assert_eq!(
            (status, odata_code(&body)),
            (400, Some("Application_InvalidGUID")),
            "{key}: {r}"
        );
    }
    let r = raw(
        s.addr,
        &get(&format!("{}({JOHN_SMITH_ID})", contacts_path())),
        Duration::from_secs(5),
    )
    .await
    .expect("an answer");
    assert_eq!(parse(&r).0, 200);
}

#[tokio::test]
async fn duplicate_members_in_a_patch_are_refused_and_change_nothing() {
    let s = start(ServerConfig::new(TOKEN)).await;
    let before = john(&s.store);
    let body = r#"{"firstName":"a","firstName":"b"}"#;
    let request = format!(
        "PATCH {}({JOHN_SMITH_ID}) HTTP/1.1\r\nHost: t\r\nAuthorization: Bearer {TOKEN}\r\nIf-Match: *\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        contacts_path(),
        body.len()
    );
    let r = raw(s.addr, request.as_bytes(), Duration::from_secs(5))
        .await
        .expect("an answer");
    let (status, v) = parse(&r);
    assert_eq!(status, 400, "{r}");
    assert!(
        v.pointer("/error/message")
            .and_then(Value::as_str)
            .unwrap_or("")
            .contains("more than once"),
        "{r}"
    );
    assert_eq!(john(&s.store), before);
}

#[tokio::test]
async fn links_come_from_the_public_url_never_from_host() {
    let mut config = ServerConfig::new(TOKEN);
    config.public_url = Some("https://bc.example.com/proxy/".to_owned());
    let s = start(config).await;
    assert_eq!(s.base_url, "https://bc.example.com/proxy/api/v2.0");
    let request = format!(
        "GET {}?$top=5 HTTP/1.1\r\nHost: evil.example\r\nPrefer: odata.maxpagesize=2\r\nAuthorization: Bearer {TOKEN}\r\nConnection: close\r\n\r\n",
        contacts_path()
    );
    let r = raw(s.addr, request.as_bytes(), Duration::from_secs(5))
        .await
        .expect("an answer");
    let (status, v) = parse(&r);
    assert_eq!(status, 200, "{r}");
    assert!(!r.contains("evil.example"), "{r}");
    let next = v["@odata.nextLink"].as_str().expect("a nextLink");
    assert!(
        next.starts_with("https://bc.example.com/proxy/api/v2.0/companies("),
        "{next}"
    );
    assert!(
        v["@odata.context"]
            .as_str()
            .expect("context")
            .starts_with("https://bc.example.com/proxy/api/v2.0/")
    );

    // Without --public-url, the address listened on, whatever Host says.
    let s = start(ServerConfig::new(TOKEN)).await;
    let r = raw(s.addr, request.as_bytes(), Duration::from_secs(5))
        .await
        .expect("an answer");
    assert!(!r.contains("evil.example"), "{r}");
    assert!(r.contains(&format!("http://{}/api/v2.0/", s.addr)), "{r}");
}

#[tokio::test]
async fn protocol_errors_get_an_odata_body() {
    let s = start(ServerConfig::new(TOKEN)).await;
    let long_uri = format!("GET /api/v2.0/{} HTTP/1.1\r\nHost: t\r\n\r\n", "a".repeat(70_000));
    let big_header = format!(
        "GET /api/v2.0 HTTP/1.1\r\nHost: t\r\nX-Big: {}\r\n\r\n",
        "b".repeat(70_000)
    );
    let cases: Vec<(&str, Vec<u8>, &[u16])> = vec![
        ("malformed request line", b"GARBAGE\r\n\r\n".to_vec(), &[400]),
        ("bad method", b"G(T / HTTP/1.1\r\nHost: t\r\n\r\n".to_vec(), &[400]),
        ("bad version", b"GET / HTTP/9.9\r\nHost: t\r\n\r\n".to_vec(), &[400]),
        (
            "bad header name",
            b"GET / HTTP/1.1\r\nHo st: t\r\n\r\n".to_vec(),
            &[400],
        ),
        (
            "header without colon",
            b"GET / HTTP/1.1\r\nHost\r\n\r\n".to_vec(),
            &[400],
        ),
        (
            "control byte in a header",
            b"GET / HTTP/1.1\r\nHost: \x01\r\n\r\n".to_vec(),
            &[400],
        ),
        ("long URI", long_uri.into_bytes(), &[414, 431]),
        ("big header", big_header.into_bytes(), &[431]),
        (
            "conflicting lengths",
            b"GET / HTTP/1.1\r\nHost: t\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab".to_vec(),
            &[400],
        ),
        (
            "bad content-length",
            b"GET / HTTP/1.1\r\nHost: t\r\nContent-Length: x\r\n\r\n".to_vec(),
            &[400],
        ),
    ];
    for (what, bytes, statuses) in cases {
        let r = raw(s.addr, &bytes, Duration::from_secs(5))
            .await
            .unwrap_or_else(|| panic!("{what}: no answer"));
        let (status, body) = parse(&r);
        assert!(statuses.contains(&status), "{what}: {r}");
        assert!(odata_code(&body).is_some(), "{what}: no OData body in {r}");
        assert!(r.to_ascii_lowercase().contains("odata-version: 4.0"), "{what}: {r}");
    }
    alive(&s).await;
}

#[tokio::test]
async fn half_sent_and_idle_connections_are_closed() {
    let mut config = ServerConfig::new(TOKEN);
    config.limits.header_timeout = Duration::from_millis(300);
    config.limits.idle_timeout = Duration::from_millis(400);
    config.request_timeout = Duration::from_secs(60);
    let s = start(config).await;
    let closed_within = |mut c: TcpStream, limit: Duration| async move {
        let started = Instant::now();
        let mut buf = Vec::new();
        let r = tokio::time::timeout(limit, c.read_to_end(&mut buf)).await;
        assert!(r.is_ok(), "still open after {limit:?}");
        started.elapsed()
    };
    // Half a head.
    let mut c = TcpStream::connect(s.addr).await.expect("connect");
    c.write_all(b"GET /api/v2.0/companies HTTP/1.1\r\nHost: t\r\n")
        .await
        .expect("write");
    closed_within(c, Duration::from_secs(3)).await;
    // Nothing at all.
    let c = TcpStream::connect(s.addr).await.expect("connect");
    closed_within(c, Duration::from_secs(3)).await;
    // A body that stops coming: the idle timeout, not the 60 s request timeout.
    let mut c = TcpStream::connect(s.addr).await.expect("connect");
    let head = format!(
        "PATCH {}({JOHN_SMITH_ID}) HTTP/1.1\r\nHost: t\r\nAuthorization: Bearer {TOKEN}\r\nIf-Match: *\r\nContent-Length: 100\r\n\r\n{{",
        contacts_path()
    );
    c.write_all(head.as_bytes()).await.expect("write");
    closed_within(c, Duration::from_secs(3)).await;
    alive(&s).await;
}

#[tokio::test]
async fn connections_past_the_cap_get_503_and_service_resumes() {
    let mut config = ServerConfig::new(TOKEN);
    config.limits.max_connections = 4;
    let s = start(config).await;
    let mut held = Vec::new();
    for _ in 0..4 {
        held.push(TcpStream::connect(s.addr).await.expect("connect"));
    }
    // Give the server a moment to accept them.
    tokio::time::sleep(Duration::from_millis(100)).await;
    let r = raw(s.addr, &get(&contacts_path()), Duration::from_secs(5))
        .await
        .expect("an answer past the cap");
    let (status, body) = parse(&r);
    assert_eq!(status, 503, "{r}");
    assert!(odata_code(&body).is_some(), "{r}");
    assert!(r.to_ascii_lowercase().contains("retry-after: 1"), "{r}");
    drop(held);
    tokio::time::sleep(Duration::from_millis(100)).await;
    alive(&s).await;
}

#[tokio::test]
async fn a_locked_database_gives_503_and_reads_go_on() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("bc.sqlite");
    let mut config = ServerConfig::new(TOKEN);
    config.db = Some(path.clone());
    let s = start(config).await;
    let before = john(&s.store);
    // Another process takes the write lock and keeps it.
    let other = rusqlite::Connection::open(&path).expect("open");
    other.execute_batch("BEGIN EXCLUSIVE").expect("lock");
    let body = r#"{"firstName":"Locked"}"#;
    let patch = format!(
        "PATCH {}({JOHN_SMITH_ID}) HTTP/1.1\r\nHost: t\r\nAuthorization: Bearer {TOKEN}\r\nIf-Match: *\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        contacts_path(),
        body.len()
    );
    let addr = s.addr;
    let writer = tokio::spawn(async move { raw(addr, patch.as_bytes(), Duration::from_secs(10)).await });
    // While the writer waits, reads are served at once.
    tokio::time::sleep(Duration::from_millis(200)).await;
    let started = Instant::now();
    alive(&s).await;
    assert!(
        started.elapsed() < Duration::from_secs(1),
        "a read waited {:?}",
        started.elapsed()
    );
    let r = writer.await.expect("join").expect("an answer");
    let (status, v) = parse(&r);
    assert_eq!(status, 503, "{r}");
    assert_eq!(odata_code(&v), Some("Internal_ServiceUnavailable"), "{r}");
    assert!(r.to_ascii_lowercase().contains("retry-after:"), "{r}");
    assert_eq!(john(&s.store), before);
    other.execute_batch("ROLLBACK").expect("unlock");
    // Once the lock is gone, the write goes through.
    let patch = format!(
        "PATCH {}({JOHN_SMITH_ID}) HTTP/1.1\r\nHost: t\r\nAuthorization: Bearer {TOKEN}\r\nIf-Match: *\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        contacts_path(),
        body.len()
    );
    let r = raw(s.addr, patch.as_bytes(), Duration::from_secs(10))
        .await
        .expect("an answer");
    assert_eq!(parse(&r).0, 200, "{r}");
}
