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
        "/api/v2.0/companies(%x\u{e9})".to_owned(),
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
    let cases: Vec<(&str, Vec<u8>, u16)> = vec![
        ("malformed request line", b"GARBAGE\r\n\r\n".to_vec(), 400),
        ("bad method", b"G(T / HTTP/1.1\r\nHost: t\r\n\r\n".to_vec(), 400),
        ("bad version", b"GET / HTTP/9.9\r\nHost: t\r\n\r\n".to_vec(), 400),
        ("bad header name", b"GET / HTTP/1.1\r\nHo st: t\r\n\r\n".to_vec(), 400),
        ("header without colon", b"GET / HTTP/1.1\r\nHost\r\n\r\n".to_vec(), 400),
        (
            "control byte in a header",
            b"GET / HTTP/1.1\r\nHost: \x01\r\n\r\n".to_vec(),
            400,
        ),
        // A request line past the head limit: hyper counts it with the headers.
        ("long URI", long_uri.into_bytes(), 431),
        ("big header", big_header.into_bytes(), 431),
        (
            "conflicting lengths",
            b"GET / HTTP/1.1\r\nHost: t\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab".to_vec(),
            400,
        ),
        (
            "bad content-length",
            b"GET / HTTP/1.1\r\nHost: t\r\nContent-Length: x\r\n\r\n".to_vec(),
            400,
        ),
        (
            "HTTP/2 prior knowledge",
            b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".to_vec(),
            505,
        ),
    ];
    for (what, bytes, expected) in cases {
        let r = raw(s.addr, &bytes, Duration::from_secs(5))
            .await
            .unwrap_or_else(|| panic!("{what}: no answer"));
        let (status, body) = parse(&r);
        assert_eq!(status, expected, "{what}: {r}");
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

// ---- a battery of bad input, counted ----

/// What became of a battery of requests.
#[derive(Debug, Default)]
struct Tally {
    sent: usize,
    answered_4xx: usize,
    answered_other: usize,
    server_errors: Vec<String>,
    dropped: Vec<String>,
}

impl Tally {
    async fn send(&mut self, addr: std::net::SocketAddr, what: &str, bytes: &[u8]) {
        self.sent += 1;
        match raw(addr, bytes, Duration::from_secs(10)).await {
            None => self.dropped.push(what.to_owned()),
            Some(r) => match r.get(9..12).and_then(|s| s.parse::<u16>().ok()) {
                Some(s) if s >= 500 => self.server_errors.push(format!("{what}: {r}")),
                Some(s) if (400..500).contains(&s) => {
                    self.answered_4xx += 1;
                    // Every 4xx carries an OData error (ERR-1).
                    assert!(
                        odata_code(&parse(&r).1).is_some(),
                        "{what}: 4xx without an OData body: {r}"
                    );
                }
                Some(_) => {
                    self.answered_other += 1;
                    if std::env::var_os("BATTERY_DEBUG").is_some() {
                        println!("other: {what}: {}", r.lines().next().unwrap_or(""));
                    }
                }
                None => self.dropped.push(format!("{what}: not HTTP: {r}")),
            },
        }
    }
}

fn patch_request(key: &str, if_match: &str, body: &[u8]) -> Vec<u8> {
    let mut out = format!(
        "PATCH {}({key}) HTTP/1.1\r\nHost: t\r\nAuthorization: Bearer {TOKEN}\r\nIf-Match: {if_match}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        contacts_path(),
        body.len()
    )
    .into_bytes();
    out.extend_from_slice(body);
    out
}

/// At least 300 malformed requests of every kind: none gets a 5xx, none
/// is dropped without an answer, no data changes, and the server stays up.
#[tokio::test]
async fn a_battery_of_bad_input_changes_nothing() {
    let s = start(ServerConfig::new(TOKEN)).await;
    let before = s.store.contacts(COMPANY_ID).expect("contacts");
    let mut t = Tally::default();
    let list = contacts_path();
    let john = format!("{JOHN_SMITH_ID}");

    // Deep nesting in $filter, $orderby, $select, $expand.
    for depth in [1, 2, 3, 8, 16, 31, 32, 33, 64, 100, 500, 1_000, 5_000, 20_000] {
        for (open, close) in [("not%20", ""), ("(", ")"), ("tolower(", ")"), ("contains(", ",'a')")] {
            let f = format!("{}lastName{}%20eq%20'a'", open.repeat(depth), close.repeat(depth));
            t.send(
                s.addr,
                &format!("filter {open} x{depth}"),
                &get(&format!("{list}?$filter={f}")),
            )
            .await;
        }
        let many = vec!["lastName"; depth].join(",");
        for option in ["$orderby", "$select", "$expand"] {
            t.send(
                s.addr,
                &format!("{option} x{depth}"),
                &get(&format!("{list}?{option}={many}")),
            )
            .await;
        }
    }
    // Broken and strange percent-encodings, in the query, in $filter, in the path.
    let escapes = [
        "%",
        "%4",
        "%zz",
        "%x\u{e9}",
        "%\u{e9}",
        "%e9",
        "%ff",
        "%c3",
        "%c3%28",
        "%ed%a0%80",
        "%f4%90%80%80",
        "%00",
        "%0a",
        "%25",
        "%2525",
        "%\u{1f600}",
        "%%",
        "%+",
        "%-1",
        "%C3%A9",
    ];
    for e in escapes {
        t.send(s.addr, &format!("query name {e}"), &get(&format!("{list}?{e}=1")))
            .await;
        t.send(
            s.addr,
            &format!("filter {e}"),
            &get(&format!("{list}?$filter=lastName%20eq%20'{e}'")),
        )
        .await;
        t.send(s.addr, &format!("path {e}"), &get(&format!("/api/v2.0/companies({e})")))
            .await;
        t.send(s.addr, &format!("key {e}"), &get(&format!("{list}({e})"))).await;
    }
    // Keys that are almost GUIDs.
    let keys = [
        format!("{john}%0A"),
        format!("{john}%0D%0A"),
        format!("{john}%20"),
        format!("%20{john}"),
        format!("{john}%09"),
        format!("{john}%00"),
        format!("'{john}'"),
        format!("{{{john}}}"),
        format!("guid'{john}'"),
        format!("id={john}%20"),
        format!("id%3D{john}%20"),
        format!("id%3D%3D{john}"),
        john.replace('-', ""),
        john.to_uppercase().replace('E', "G"),
        format!("{john},{john}"),
        format!("{john})("),
        "0".repeat(36),
        "x".repeat(10_000),
        String::new(),
        "(".to_owned(),
        format!("{john}%2F"),
    ];
    for k in &keys {
        t.send(s.addr, &format!("GET key {k:.40}"), &get(&format!("{list}({k})")))
            .await;
        t.send(s.addr, &format!("DELETE key {k:.40}"), &{
            let r = format!(
                "DELETE {list}({k}) HTTP/1.1\r\nHost: t\r\nAuthorization: Bearer {TOKEN}\r\nIf-Match: *\r\nConnection: close\r\n\r\n"
            );
            r.into_bytes()
        })
        .await;
    }
    // Bodies that are not one well-formed object of known properties.
    let deep_array = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    let deep_object = format!("{}1{}", "{\"a\":".repeat(50_000), "}".repeat(50_000));
    let bodies: Vec<Vec<u8>> = vec![
        br#"{"firstName":"a","firstName":"b"}"#.to_vec(),
        br#"{"firstName":"a","lastName":"b","firstName":"a"}"#.to_vec(),
        br#"{"@odata.etag":{"a":1,"a":2}}"#.to_vec(),
        br#"{"firstName":1}"#.to_vec(),
        br#"{"firstName":null}"#.to_vec(),
        br#"{"firstName":["a"]}"#.to_vec(),
        br#"{"firstName":{"a":"b"}}"#.to_vec(),
        br#"{"nickName":"x"}"#.to_vec(),
        br#"{"customerName":"Someone else"}"#.to_vec(),
        br#"{"id":"00000000-0000-0000-0000-000000000000"}"#.to_vec(),
        br#"{"customerId":"not-a-guid"}"#.to_vec(),
        br#"{"customerId":"00000000-0000-4000-8000-000000000000"}"#.to_vec(),
        br#"{"email":"not an email"}"#.to_vec(),
        br#"{"primaryPhoneNumber":"call me"}"#.to_vec(),
        format!(r#"{{"firstName":"{}"}}"#, "a".repeat(31)).into_bytes(),
        format!(r#"{{"email":"{}@x.co"}}"#, "a".repeat(80)).into_bytes(),
        b"".to_vec(),
        b"null".to_vec(),
        b"[]".to_vec(),
        b"\"x\"".to_vec(),
        b"1e99999".to_vec(),
        b"{".to_vec(),
        b"{}}".to_vec(),
        b"{} {}".to_vec(),
        b"\xef\xbb\xbf{}".to_vec(),
        b"{\"firstName\":\"\xff\"}".to_vec(),
        b"{\"firstName\":\"\\ud800\"}".to_vec(),
        b"{\"firstName\":\"a\x00\"}".to_vec(),
        b"{'firstName':'a'}".to_vec(),
        deep_array.into_bytes(),
        deep_object.into_bytes(),
        vec![b' '; 2 * 1024 * 1024],
    ];
    for (i, body) in bodies.iter().enumerate() {
        t.send(s.addr, &format!("body {i}"), &patch_request(&john, "*", body))
            .await;
        t.send(
            s.addr,
            &format!("body {i} stale"),
            &patch_request(&john, "W/\"x\"", body),
        )
        .await;
    }
    // Headers.
    let header_cases: Vec<(&str, String)> = vec![
        (
            "no token",
            format!("GET {list} HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n"),
        ),
        (
            "basic auth",
            format!("GET {list} HTTP/1.1\r\nHost: t\r\nAuthorization: Basic eDp5\r\nConnection: close\r\n\r\n"),
        ),
        (
            "two tokens",
            format!(
                "GET {list} HTTP/1.1\r\nHost: t\r\nAuthorization: Bearer x\r\nAuthorization: Bearer {TOKEN}\r\nConnection: close\r\n\r\n"
            ),
        ),
        (
            "token prefix",
            format!(
                "GET {list} HTTP/1.1\r\nHost: t\r\nAuthorization: Bearer {}\r\nConnection: close\r\n\r\n",
                &TOKEN[..5]
            ),
        ),
        (
            "huge prefer",
            format!(
                "GET {list} HTTP/1.1\r\nHost: t\r\nAuthorization: Bearer {TOKEN}\r\nPrefer: odata.maxpagesize={}\r\nConnection: close\r\n\r\n",
                "9".repeat(5000)
            ),
        ),
        (
            "zero prefer",
            format!(
                "GET {list} HTTP/1.1\r\nHost: t\r\nAuthorization: Bearer {TOKEN}\r\nPrefer: odata.maxpagesize=0\r\nConnection: close\r\n\r\n"
            ),
        ),
        (
            "if-match empty",
            String::from_utf8_lossy(&patch_request(&john, "", b"{}")).into_owned(),
        ),
        (
            "if-match latin1",
            String::from_utf8_lossy(&patch_request(&john, "W/\"\u{e9}\"", b"{}")).into_owned(),
        ),
        (
            "no host",
            format!("GET {list} HTTP/1.1\r\nAuthorization: Bearer {TOKEN}\r\nConnection: close\r\n\r\n"),
        ),
        (
            "odd host",
            format!("GET {list} HTTP/1.1\r\nHost: a b\r\nAuthorization: Bearer {TOKEN}\r\nConnection: close\r\n\r\n"),
        ),
        (
            "expect",
            format!(
                "PATCH {list}({john}) HTTP/1.1\r\nHost: t\r\nAuthorization: Bearer {TOKEN}\r\nExpect: 100-continue\r\nIf-Match: *\r\nContent-Length: 2\r\nConnection: close\r\n\r\n[]"
            ),
        ),
        (
            "chunked garbage",
            format!(
                "PATCH {list}({john}) HTTP/1.1\r\nHost: t\r\nAuthorization: Bearer {TOKEN}\r\nIf-Match: *\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\nzz\r\n"
            ),
        ),
        (
            "lying length",
            format!(
                "PATCH {list}({john}) HTTP/1.1\r\nHost: t\r\nAuthorization: Bearer {TOKEN}\r\nIf-Match: *\r\nContent-Length: 99999999\r\nConnection: close\r\n\r\n{{}}"
            ),
        ),
        (
            "too many headers",
            format!(
                "GET {list} HTTP/1.1\r\nHost: t\r\n{}Connection: close\r\n\r\n",
                "X-A: b\r\n".repeat(200)
            ),
        ),
        (
            "unknown method",
            format!("BREW {list} HTTP/1.1\r\nHost: t\r\nAuthorization: Bearer {TOKEN}\r\nConnection: close\r\n\r\n"),
        ),
        (
            "post",
            format!(
                "POST {list} HTTP/1.1\r\nHost: t\r\nAuthorization: Bearer {TOKEN}\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{{}}"
            ),
        ),
    ];
    for (what, request) in &header_cases {
        t.send(s.addr, what, request.as_bytes()).await;
    }
    // Protocol errors hyper itself answers.
    let protocol: Vec<Vec<u8>> = vec![
        b"GARBAGE\r\n\r\n".to_vec(),
        b"\r\n\r\nGARBAGE\r\n\r\n".to_vec(),
        b"GET\r\n\r\n".to_vec(),
        b"GET / HTTP/1.1 extra\r\nHost: t\r\n\r\n".to_vec(),
        b"GET / HTTP/2.0\r\nHost: t\r\n\r\n".to_vec(),
        b"GET / HTTP/1.1\r\n: empty\r\n\r\n".to_vec(),
        b"GET / HTTP/1.1\r\nHost: t\r\nX: a\rb\r\n\r\n".to_vec(),
        b"GET /\x7f HTTP/1.1\r\nHost: t\r\n\r\n".to_vec(),
        format!("GET /{} HTTP/1.1\r\nHost: t\r\n\r\n", "u".repeat(100_000)).into_bytes(),
        format!("GET / HTTP/1.1\r\nHost: t\r\nX: {}\r\n\r\n", "h".repeat(100_000)).into_bytes(),
    ];
    for (i, bytes) in protocol.iter().enumerate() {
        t.send(s.addr, &format!("protocol {i}"), bytes).await;
    }
    alive(&s).await;
    let after = s.store.contacts(COMPANY_ID).expect("contacts");
    println!(
        "battery: {} requests, {} answered 4xx with an OData body, {} other answers, {} 5xx, {} dropped, data changed: {}",
        t.sent,
        t.answered_4xx,
        t.answered_other,
        t.server_errors.len(),
        t.dropped.len(),
        after != before
    );
    println!("dropped: {:?}", t.dropped);
    assert!(t.sent >= 300, "only {} requests", t.sent);
    assert!(t.server_errors.is_empty(), "5xx: {:#?}", t.server_errors);
    assert!(t.dropped.is_empty(), "dropped: {:#?}", t.dropped);
    assert_eq!(after, before, "the data changed");
}

// ---- properties: random and deep input over HTTP ----

mod properties {
    use super::*;
    use proptest::prelude::*;

    /// Pieces of `$filter` text, good and bad, that random sequences are
    /// built from.
    fn filter_piece() -> impl Strategy<Value = String> {
        prop_oneof![
            Just("not ".to_owned()),
            Just("(".to_owned()),
            Just(")".to_owned()),
            Just("tolower(".to_owned()),
            Just("contains(".to_owned()),
            Just(",".to_owned()),
            Just(" and ".to_owned()),
            Just(" or ".to_owned()),
            Just(" eq ".to_owned()),
            Just(" gt ".to_owned()),
            Just("lastName".to_owned()),
            Just("id".to_owned()),
            Just("'a''b'".to_owned()),
            Just("'".to_owned()),
            Just("12.5e3".to_owned()),
            Just("null".to_owned()),
            Just("e3a5c0b1-0123-4d6e-9f10-2a3b4c5d6e7f".to_owned()),
            "[ -~]{0,4}",
            "\\PC{0,3}",
        ]
    }

    /// A filter: random pieces, or one construct nested to a random depth.
    fn filter() -> impl Strategy<Value = String> {
        prop_oneof![
            proptest::collection::vec(filter_piece(), 0..60).prop_map(|p| p.concat()),
            (0usize..3, 0usize..8_000).prop_map(|(kind, depth)| {
                let (open, close) = [("not ", ""), ("(", ")"), ("tolower(", ")")][kind];
                format!("{}lastName{} eq 'a'", open.repeat(depth), close.repeat(depth))
            }),
        ]
    }

    /// Text percent-encoded the way a client would, with some bytes left
    /// raw and some escapes broken on purpose.
    fn encode(text: &str, mangle: u8) -> String {
        let mut out = String::new();
        for (i, b) in text.bytes().enumerate() {
            match (mangle, i % 7) {
                (1, 0) => out.push('%'),
                (2, 3) => out.push_str("%z"),
                _ => {}
            }
            if b.is_ascii_alphanumeric() || b"-._~'(),".contains(&b) {
                out.push(b as char);
            } else {
                out.push_str(&format!("%{b:02X}"));
            }
        }
        if mangle == 3 {
            out.push('%');
        }
        out
    }

    fn option_value() -> impl Strategy<Value = String> {
        prop_oneof![
            proptest::collection::vec(
                prop_oneof![
                    Just("lastName".to_owned()),
                    Just("id desc".to_owned()),
                    Just("pdfDocument".to_owned()),
                    Just("*".to_owned()),
                    "[ -~]{0,6}",
                ],
                0..40
            )
            .prop_map(|v| v.join(",")),
            "\\PC{0,20}",
        ]
    }

    fn key() -> impl Strategy<Value = String> {
        prop_oneof![
            Just(format!("{JOHN_SMITH_ID}")),
            "[0-9a-fA-F-]{30,40}",
            "\\PC{0,40}",
            "[ -~]{0,40}".prop_map(|s| format!("{JOHN_SMITH_ID}{s}")),
        ]
    }

    /// One request target built from random parts.
    fn target() -> impl Strategy<Value = String> {
        let list = contacts_path();
        let list2 = list.clone();
        let list3 = list.clone();
        prop_oneof![
            (filter(), 0u8..4).prop_map(move |(f, m)| format!("{list}?$filter={}", encode(&f, m))),
            (
                prop_oneof![
                    Just("$orderby"),
                    Just("$select"),
                    Just("$expand"),
                    Just("$top"),
                    Just("$skip"),
                    Just("$skiptoken")
                ],
                option_value(),
                0u8..4
            )
                .prop_map(move |(o, v, m)| format!("{list2}?{o}={}", encode(&v, m))),
            (key(), 0u8..4).prop_map(move |(k, m)| format!("{list3}({})", encode(&k, m))),
            ("\\PC{0,30}", 0u8..4).prop_map(|(p, m)| format!("/api/v2.0/{}", encode(&p, m))),
        ]
    }

    #[test]
    fn random_and_deep_input_never_gets_a_5xx_or_kills_the_server() {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("runtime");
        let s = rt.block_on(start(ServerConfig::new(TOKEN)));
        let before = s.store.contacts(COMPANY_ID).expect("contacts");
        // 256 cases unless PROPTEST_CASES says otherwise.
        let config = ProptestConfig {
            failure_persistence: None,
            ..ProptestConfig::default()
        };
        proptest!(config, |(t in target())| {
            let r = rt.block_on(raw(s.addr, &get(&t), Duration::from_secs(10)));
            let r = r.ok_or_else(|| TestCaseError::fail(format!("no answer to {t}")))?;
            let (status, body) = parse(&r);
            prop_assert!(status < 500, "{t}: {r}");
            if status >= 400 {
                prop_assert!(odata_code(&body).is_some(), "{t}: {r}");
            }
            // Still serving.
            let ok = rt.block_on(raw(s.addr, &get(&contacts_path()), Duration::from_secs(10)));
            prop_assert!(ok.is_some_and(|r| parse(&r).0 == 200), "the server stopped serving after {t}");
        });
        assert_eq!(s.store.contacts(COMPANY_ID).expect("contacts"), before);
    }
}
