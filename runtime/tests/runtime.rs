//! The hand-written runtime, compiled and tested as the generated crates
//! get it (a copy of these sources, or this crate).

use std::time::{Duration, UNIX_EPOCH};

use openapi_client_runtime::{Base64, ETag, FormStyle, Nullable, ObjectStyle, Query, push_path_segment};

#[test]
fn path_segments_keep_odata_key_syntax() {
    let mut p = String::from("/companies(");
    push_path_segment(&mut p, "5d115c9c-44e3-ea11-bb43-000d3a2feca1", false);
    p.push_str(")/items('");
    push_path_segment(&mut p, "O'Neil/1 (a)%", true);
    p.push_str("')");
    assert_eq!(
        p,
        "/companies(5d115c9c-44e3-ea11-bb43-000d3a2feca1)/items('O''Neil%2F1%20(a)%25')"
    );
}

#[test]
fn query_strings() {
    let mut q = Query::default();
    q.push("$filter", "lastName eq 'Smith & Co' and x eq 1+1");
    q.push_list("$select", ["email".to_owned(), "first,Name".to_owned()], false);
    q.push_list("tag", ["a".to_owned(), "b".to_owned()], true);
    assert_eq!(
        q.as_str(),
        "$filter=lastName%20eq%20'Smith%20%26%20Co'%20and%20x%20eq%201%2B1&$select=email,first%2CName&tag=a&tag=b"
    );
}

#[test]
fn delimited_lists() {
    let mut q = Query::default();
    q.push_delimited("a", ["x y".to_owned(), "z|w".to_owned()], ' ');
    q.push_delimited("b", ["1".to_owned(), "2".to_owned(), "3".to_owned()], '|');
    q.push_delimited("c", ["p\tq".to_owned(), "r".to_owned()], '\t');
    assert_eq!(q.as_str(), "a=x%20y%20z%7Cw&b=1%7C2%7C3&c=p%09q%09r");
}

/// Members by name, whatever order serde_json keeps (this crate alone
/// sorts them; with `preserve_order`, which the workspace turns on, it
/// keeps the declaration's).
#[test]
fn object_parameters_in_every_style() {
    #[derive(serde::Serialize)]
    struct Filter {
        status: &'static str,
        tags: Vec<&'static str>,
        gone: Option<u8>,
        n: u32,
    }
    let f = Filter {
        status: "open now",
        tags: vec!["a", "b"],
        gone: None,
        n: 3,
    };
    let mut q = Query::default();
    q.push_object("filter", &f, ObjectStyle::DeepObject);
    assert_eq!(
        q.as_str(),
        "filter%5Bn%5D=3&filter%5Bstatus%5D=open%20now&filter%5Btags%5D=a%2Cb"
    );
    let mut q = Query::default();
    q.push_object("filter", &f, ObjectStyle::FormExploded);
    assert_eq!(q.as_str(), "n=3&status=open%20now&tags=a%2Cb");
    let mut q = Query::default();
    q.push_object("filter", &f, ObjectStyle::Form);
    assert_eq!(q.as_str(), "filter=n,3,status,open%20now,tags,a%2Cb");
}

/// An object in a header or a path segment (`style: simple`).
#[test]
fn form_fields_in_every_style() {
    let field = |v: serde_json::Value, style| {
        let mut q = Query::default();
        q.push_field("f", &v, style);
        q.as_str().to_owned()
    };
    let list = || serde_json::json!(["a b", 2, null, {"k": 1}]);
    assert_eq!(field(list(), FormStyle::Exploded), "f=a%20b&f=2&f=%7B%22k%22:1%7D");
    assert_eq!(field(list(), FormStyle::Comma), "f=a%20b,2,%7B%22k%22:1%7D");
    assert_eq!(field(serde_json::json!(["a", "b"]), FormStyle::Space), "f=a%20b");
    assert_eq!(field(serde_json::json!(["a", "b"]), FormStyle::Pipe), "f=a%7Cb");
    assert_eq!(field(serde_json::json!(["a", "b"]), FormStyle::Tab), "f=a%09b");
    let object = || serde_json::json!({"lt": 5, "gt": 1, "no": null});
    assert_eq!(field(object(), FormStyle::Exploded), "gt=1&lt=5");
    assert_eq!(field(object(), FormStyle::Comma), "f=gt,1,lt,5");
    assert_eq!(field(object(), FormStyle::Deep), "f%5Bgt%5D=1&f%5Blt%5D=5");
    assert_eq!(field(serde_json::json!(null), FormStyle::Exploded), "");
    assert_eq!(field(serde_json::json!(true), FormStyle::Comma), "f=true");
}

#[test]
fn objects_in_simple_style() {
    #[derive(serde::Serialize)]
    struct Key {
        key: &'static str,
        at: u32,
        none: Option<u8>,
    }
    let k = Key {
        key: "a b",
        at: 7,
        none: None,
    };
    assert_eq!(openapi_client_runtime::object_text(&k, false), "at,7,key,a b");
    assert_eq!(openapi_client_runtime::object_text(&k, true), "at=7,key=a b");
    assert_eq!(openapi_client_runtime::object_text(&5, true), "5");
}

/// Stripe's `created`: a range or a timestamp, one parameter. Each variant
/// is written as what it holds, and a URL parser reads back what was meant.
#[test]
fn a_union_of_an_object_and_a_scalar_in_deep_object_style() {
    #[derive(serde::Serialize)]
    struct Range {
        #[serde(skip_serializing_if = "Option::is_none")]
        gt: Option<i64>,
        #[serde(skip_serializing_if = "Option::is_none")]
        lte: Option<i64>,
    }
    #[derive(serde::Serialize)]
    #[serde(untagged)]
    enum Created {
        Range(Range),
        At(i64),
    }
    let read_back = |q: &Query| -> Vec<(String, String)> {
        let url = reqwest::Url::parse(&format!("http://x/?{}", q.as_str())).expect("a URL");
        url.query_pairs()
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect()
    };
    let mut q = Query::default();
    q.push_object(
        "created",
        &Created::Range(Range {
            gt: Some(1_700_000_000),
            lte: Some(1_800_000_000),
        }),
        ObjectStyle::DeepObject,
    );
    assert_eq!(
        read_back(&q),
        [
            ("created[gt]".to_owned(), "1700000000".to_owned()),
            ("created[lte]".to_owned(), "1800000000".to_owned())
        ]
    );
    let mut q = Query::default();
    q.push_object("created", &Created::At(1_700_000_000), ObjectStyle::DeepObject);
    assert_eq!(read_back(&q), [("created".to_owned(), "1700000000".to_owned())]);
}

#[test]
fn nullable_is_tri_state() {
    #[derive(serde::Serialize, serde::Deserialize, Default, PartialEq, Debug)]
    struct Body {
        #[serde(default, skip_serializing_if = "Nullable::is_absent")]
        a: Nullable<String>,
        #[serde(default, skip_serializing_if = "Nullable::is_absent")]
        b: Nullable<String>,
        #[serde(default, skip_serializing_if = "Nullable::is_absent")]
        c: Nullable<String>,
    }
    let body = Body {
        a: Nullable::Null,
        b: "x".to_owned().into(),
        c: Nullable::Absent,
    };
    assert_eq!(serde_json::to_string(&body).unwrap(), r#"{"a":null,"b":"x"}"#);
    let back: Body = serde_json::from_str(r#"{"a":null,"b":"x"}"#).unwrap();
    assert_eq!(back, body);
    // A type without `Default` still defaults to absent.
    #[derive(Debug, PartialEq)]
    struct NoDefault;
    assert_eq!(Nullable::<NoDefault>::default(), Nullable::Absent);
}

#[test]
fn etags() {
    assert!(ETag::any().is_any());
    let e = ETag::from("W/\"JzQ0OzE7MDA7Jw==\"");
    assert!(e.is_weak());
    assert_eq!(e.to_string(), "W/\"JzQ0OzE7MDA7Jw==\"");
}

#[test]
fn base64_round_trips() {
    for data in [
        &b""[..],
        b"f",
        b"fo",
        b"foo",
        b"foob",
        b"fooba",
        b"foobar",
        &[0xff, 0x00, 0xfe],
    ] {
        let b = Base64(data.to_vec());
        assert_eq!(Base64::decode(&b.encode()).unwrap(), b);
    }
    assert_eq!(Base64(b"foobar".to_vec()).encode(), "Zm9vYmFy");
    assert_eq!(Base64::decode("Zm9vYg").unwrap().0, b"foob");
    assert!(Base64::decode("Zm9v!").unwrap_err().contains("offset 4"));
}

#[test]
fn retry_after_in_seconds_or_as_a_date() {
    use reqwest::header::{HeaderMap, HeaderValue, RETRY_AFTER};
    let now = UNIX_EPOCH + Duration::from_secs(784_111_777); // Sun, 06 Nov 1994 08:49:37 GMT
    let mut h = HeaderMap::new();
    h.insert(RETRY_AFTER, HeaderValue::from_static("7"));
    assert_eq!(
        openapi_client_runtime::client::retry_after(&h, now),
        Some(Duration::from_secs(7))
    );
    h.insert(RETRY_AFTER, HeaderValue::from_static("Sun, 06 Nov 1994 08:49:47 GMT"));
    assert_eq!(
        openapi_client_runtime::client::retry_after(&h, now),
        Some(Duration::from_secs(10))
    );
    h.insert(RETRY_AFTER, HeaderValue::from_static("Sun, 06 Nov 1994 08:49:27 GMT"));
    assert_eq!(
        openapi_client_runtime::client::retry_after(&h, now),
        Some(Duration::ZERO)
    );
    h.insert(RETRY_AFTER, HeaderValue::from_static("soon"));
    assert_eq!(openapi_client_runtime::client::retry_after(&h, now), None);
    assert_eq!(
        openapi_client_runtime::client::parse_http_date("Thu, 01 Jan 1970 00:00:00 GMT"),
        Some(UNIX_EPOCH)
    );
    assert_eq!(
        openapi_client_runtime::client::parse_http_date("Tue, 29 Feb 2000 12:00:00 GMT"),
        Some(UNIX_EPOCH + Duration::from_secs(951_825_600))
    );
    assert_eq!(
        openapi_client_runtime::client::parse_http_date("Tue, 32 Feb 2000 12:00:00 GMT"),
        None
    );
}

#[test]
fn client_builder_refuses_bad_base_urls() {
    assert!(
        openapi_client_runtime::Client::new("not a url")
            .unwrap_err()
            .to_string()
            .contains("invalid base URL")
    );
    assert!(
        openapi_client_runtime::Client::new("ftp://x")
            .unwrap_err()
            .to_string()
            .contains("expected http or https")
    );
    let c = openapi_client_runtime::Client::new("http://127.0.0.1:1/api/v2.0/").unwrap();
    assert_eq!(c.base_url().as_str(), "http://127.0.0.1:1/api/v2.0");
}

/// A server that answers one request `204` and gives back its head (the
/// request line and headers, as sent).
fn one_request_head() -> (std::net::SocketAddr, std::thread::JoinHandle<String>) {
    use std::io::{Read, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = listener.local_addr().expect("addr");
    let server = std::thread::spawn(move || {
        let (mut s, _) = listener.accept().expect("accept");
        let mut head = Vec::new();
        let mut byte = [0u8; 1];
        while !head.ends_with(b"\r\n\r\n") && s.read(&mut byte).expect("read") == 1 {
            head.push(byte[0]);
        }
        s.write_all(b"HTTP/1.1 204 No Content\r\ncontent-length: 0\r\nconnection: close\r\n\r\n")
            .expect("write");
        String::from_utf8_lossy(&head).into_owned()
    });
    (addr, server)
}

/// A path template with a fixed query of its own (Azure's `x-ms-paths`:
/// `/pets/{id}?action=feed`) gets the operation's query after an `&`.
#[tokio::test]
async fn a_path_with_its_own_query_gets_the_rest_after_an_ampersand() {
    let (addr, server) = one_request_head();
    let client = openapi_client_runtime::Client::new(&format!("http://{addr}/v1")).expect("client");
    let mut req =
        openapi_client_runtime::Request::new(reqwest::Method::POST, "/pets/7?action=feed".to_owned(), &[], None);
    let mut q = Query::default();
    q.push("grams", "5");
    req.query(&q);
    let response = client.execute(&req).await.expect("sent");
    assert_eq!(response.status.as_u16(), 204);
    let head = server.join().expect("server");
    assert_eq!(
        head.lines().next().unwrap_or_default(),
        "POST /v1/pets/7?action=feed&grams=5 HTTP/1.1"
    );
}

/// A `Content-Type` header parameter the caller sets (Docker's `/build`
/// declares one, `application/x-tar`) is the body's type: the request
/// carries one `Content-Type`, the caller's.
#[tokio::test]
async fn a_content_type_parameter_is_the_bodys_type() {
    let (addr, server) = one_request_head();
    let client = openapi_client_runtime::Client::new(&format!("http://{addr}")).expect("client");
    let mut req = openapi_client_runtime::Request::new(reqwest::Method::POST, "/build".to_owned(), &[], None);
    req.header("Content-type", "application/x-tar".to_owned());
    req.body("application/octet-stream", bytes::Bytes::from_static(b"tar"));
    client.execute(&req).await.expect("sent");
    let head = server.join().expect("server").to_ascii_lowercase();
    let types: Vec<&str> = head.lines().filter(|l| l.starts_with("content-type:")).collect();
    assert_eq!(types, ["content-type: application/x-tar"]);
}

/// A union decodes as the variant that keeps the most of the value: an
/// object of the richer variant is not read as the poorer one it also fits.
#[test]
fn a_union_decodes_as_the_variant_that_keeps_the_most() {
    use openapi_client_runtime::object::best_fit;
    #[derive(Debug, PartialEq, serde::Serialize, serde::Deserialize)]
    struct Poor {
        id: String,
    }
    #[derive(Debug, PartialEq, serde::Serialize, serde::Deserialize)]
    struct Rich {
        id: String,
        token: Option<String>,
    }
    #[derive(Debug, PartialEq, serde::Serialize)]
    #[serde(untagged)]
    enum Either {
        Poor(Poor),
        Rich(Rich),
    }
    let decode = |value: serde_json::Value| {
        let candidates = [
            serde_json::from_value(value.clone()).ok().map(Either::Poor),
            serde_json::from_value(value.clone()).ok().map(Either::Rich),
        ];
        best_fit(&value, candidates)
    };
    let rich = decode(serde_json::json!({"id": "1", "token": "t"}));
    assert_eq!(
        rich,
        Some(Either::Rich(Rich {
            id: "1".into(),
            token: Some("t".into())
        }))
    );
    // All kept by the first: the first, in order.
    assert_eq!(
        decode(serde_json::json!({"id": "1"})),
        Some(Either::Poor(Poor { id: "1".into() }))
    );
    assert_eq!(decode(serde_json::json!({"other": 1})), None);
}
