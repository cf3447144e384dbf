//! Streamed responses on the wire: server-sent events (multi-line data,
//! comments, ids, reconnection hints, every line ending, a sentinel, an
//! event over the limit) and JSON lines (100,000 items, 7 MB, read with a
//! body limit of 4 KiB: only one line is ever held).

// `Error` keeps the whole response of a failed call.
#![allow(clippy::result_large_err)]

use std::time::Duration;

use bytes::Bytes;
use futures::{StreamExt, TryStreamExt};
use openapi_client_runtime::{Client, Error, Event, EventStream, JsonLines, Request, json_data, open, text_data};

/// A server that answers every request with `status`, `content_type` and
/// the chunks `body` gives, each flushed as it comes.
async fn serve<S>(
    status: u16,
    content_type: &'static str,
    body: impl Fn() -> S + Send + Sync + Clone + 'static,
) -> String
where
    S: futures::Stream<Item = Result<Bytes, std::io::Error>> + Send + 'static,
{
    let app = axum::Router::new().fallback(move || {
        let body = body.clone();
        async move {
            axum::http::Response::builder()
                .status(status)
                .header("content-type", content_type)
                .body(axum::body::Body::from_stream(body()))
                .unwrap_or_default()
        }
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move { axum::serve(listener, app).await });
    format!("http://{addr}")
}

fn pieces(parts: Vec<&'static [u8]>) -> impl futures::Stream<Item = Result<Bytes, std::io::Error>> + Send + 'static {
    futures::stream::iter(parts).then(|p| async move {
        // Each piece in a read of its own.
        tokio::time::sleep(Duration::from_millis(2)).await;
        Ok(Bytes::from_static(p))
    })
}

#[derive(Debug, PartialEq, serde::Deserialize)]
struct Chunk {
    n: u32,
    text: String,
}

fn get() -> Request {
    Request::new(reqwest::Method::GET, "/".to_owned(), &[], None)
}

/// The errors an operation documents, for `open`: none here.
fn no_errors(raw: openapi_client_runtime::RawResponse) -> Result<(), Error<String>> {
    Err(Error::Api(openapi_client_runtime::ApiError {
        status: raw.status,
        headers: raw.headers.clone(),
        body: String::from_utf8_lossy(&raw.body).into_owned(),
    }))
}

#[tokio::test]
async fn server_sent_events_as_the_standard_reads_them() {
    let base = serve(200, "text/event-stream", || {
        pieces(vec![
            b"\xef\xbb\xbf: a comment, then an event split over reads\n",
            b"id: 1\nevent: chunk\nretry: 1500\nda",
            b"ta: {\"n\": 1,\n",
            b"data:  \"text\": \"a\"}\n\n",
            // CRLF, and a field without a value, and an unknown field.
            b"data: {\"n\": 2, \"text\": \"b\"}\r\nignored: x\r\nevent\r\n\r\n",
            // CR alone, the id kept from before.
            b"data: {\"n\": 3, \"text\": \"c\\nd\"}\r\r",
            // A block without data dispatches nothing.
            b"id: 7\n\n",
            b"data: {\"n\": 4, \"text\": \"e\"}\n\n",
            b"data: [DONE]\n\n",
            b"data: {\"n\": 5, \"text\": \"after the end\"}\n\n",
        ])
    })
    .await;
    let client = Client::new(&base).expect("client");
    let response = open(&client, &get(), no_errors).await.expect("opened");
    let events: Vec<Event<Chunk>> = EventStream::<Chunk, String>::new(&client, response, json_data)
        .until("[DONE]")
        .try_collect()
        .await
        .expect("every event decodes");
    let chunk = |n: u32, text: &str| Chunk {
        n,
        text: text.to_owned(),
    };
    assert_eq!(
        events,
        [
            Event {
                event: Some("chunk".to_owned()),
                id: Some("1".to_owned()),
                retry: Some(Duration::from_millis(1500)),
                data: chunk(1, "a"),
            },
            Event {
                event: Some(String::new()),
                id: Some("1".to_owned()),
                retry: None,
                data: chunk(2, "b"),
            },
            Event {
                event: None,
                id: Some("1".to_owned()),
                retry: None,
                data: chunk(3, "c\nd"),
            },
            Event {
                event: None,
                id: Some("7".to_owned()),
                retry: None,
                data: chunk(4, "e"),
            },
        ]
    );
}

#[tokio::test]
async fn text_events_end_with_the_body_and_an_unfinished_one_is_dropped() {
    let base = serve(200, "text/event-stream", || {
        pieces(vec![
            b"data: one\ndata: two\n\n",
            b"data: three\n\n",
            b"data: never dispatched",
        ])
    })
    .await;
    let client = Client::new(&base).expect("client");
    let response = open(&client, &get(), no_errors).await.expect("opened");
    let data: Vec<String> = EventStream::<String, String>::new(&client, response, text_data)
        .map_ok(|e| e.data)
        .try_collect()
        .await
        .expect("events");
    assert_eq!(data, ["one\ntwo", "three"]);
}

#[tokio::test]
async fn an_event_over_the_limit_ends_the_stream_with_an_error() {
    let base = serve(200, "text/event-stream", || {
        let long: &'static [u8] = Box::leak(vec![b'x'; 5000].into_boxed_slice());
        pieces(vec![b"data: short\n\n", b"data: ", long, b"\n\n", b"data: after\n\n"])
    })
    .await;
    let client = Client::builder(&base).max_body_bytes(1024).build().expect("client");
    let response = open(&client, &get(), no_errors).await.expect("opened");
    let items: Vec<Result<Event<String>, Error<String>>> =
        EventStream::<String, String>::new(&client, response, text_data)
            .collect()
            .await;
    assert_eq!(items.len(), 2, "{items:?}");
    assert_eq!(items[0].as_ref().map(|e| e.data.as_str()).ok(), Some("short"));
    assert!(
        matches!(items[1], Err(Error::BodyTooLarge { limit: 1024 })),
        "{:?}",
        items[1]
    );
}

#[tokio::test]
async fn data_that_does_not_decode_is_an_error_with_the_data() {
    let base = serve(200, "text/event-stream", || {
        pieces(vec![b"data: {\"n\": \"not a number\"}\n\n"])
    })
    .await;
    let client = Client::new(&base).expect("client");
    let response = open(&client, &get(), no_errors).await.expect("opened");
    let items: Vec<Result<Event<Chunk>, Error<String>>> =
        EventStream::<Chunk, String>::new(&client, response, json_data)
            .collect()
            .await;
    match &items[..] {
        [Err(Error::Decode { status, message, body })] => {
            assert_eq!(status.as_u16(), 200);
            assert!(message.starts_with("an event's data: "), "{message}");
            assert_eq!(&body[..], b"{\"n\": \"not a number\"}");
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn an_error_status_is_decoded_as_documented() {
    let base = serve(429, "application/json", || pieces(vec![b"{\"error\": \"slow down\"}"])).await;
    let client = Client::builder(&base)
        .retry(openapi_client_runtime::RetryPolicy::none())
        .build()
        .expect("client");
    match open(&client, &get(), no_errors).await {
        Err(Error::Api(e)) => {
            assert_eq!(e.status.as_u16(), 429);
            assert_eq!(e.body, "{\"error\": \"slow down\"}");
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hundred_thousand_json_lines_in_constant_memory() {
    const ITEMS: u32 = 100_000;
    let base = serve(200, "application/x-ndjson", || {
        futures::stream::iter(0..ITEMS).map(|n| {
            let text = "y".repeat((n % 100) as usize);
            Ok(Bytes::from(format!("{{\"n\": {n}, \"text\": \"{text}\"}}\n")))
        })
    })
    .await;
    // The limit bounds what is held at once: one line here, which is far
    // less than the body. Reading the body whole would fail.
    let client = Client::builder(&base).max_body_bytes(4096).build().expect("client");
    let response = open(&client, &get(), no_errors).await.expect("opened");
    let mut lines = JsonLines::<Chunk, String>::new(&client, response, json_data);
    let mut count = 0u32;
    let mut total = 0usize;
    while let Some(item) = lines.next().await {
        let item = item.expect("a line decodes");
        assert_eq!(item.n, count);
        total += item.text.len() + 20;
        count += 1;
    }
    assert_eq!(count, ITEMS);
    assert!(total > 5_000_000, "the body is large: {total} bytes");
}

#[tokio::test]
async fn a_line_over_the_limit_and_a_bad_line_end_json_lines() {
    let base = serve(200, "application/jsonl", || {
        let long: &'static [u8] = Box::leak(vec![b' '; 5000].into_boxed_slice());
        pieces(vec![
            b"{\"n\": 1, \"text\": \"a\"}\r\n\n",
            long,
            b"\n{\"n\": 2, \"text\": \"b\"}\n",
        ])
    })
    .await;
    let client = Client::builder(&base).max_body_bytes(1024).build().expect("client");
    let response = open(&client, &get(), no_errors).await.expect("opened");
    let items: Vec<Result<Chunk, Error<String>>> = JsonLines::<Chunk, String>::new(&client, response, json_data)
        .collect()
        .await;
    assert_eq!(items.len(), 2, "{items:?}");
    assert!(matches!(&items[0], Ok(Chunk { n: 1, .. })));
    assert!(matches!(items[1], Err(Error::BodyTooLarge { limit: 1024 })));
    let base = serve(200, "application/x-ndjson", || {
        pieces(vec![b"{\"n\": 1, \"text\": \"a\"}\nnot json\n{}\n"])
    })
    .await;
    let client = Client::new(&base).expect("client");
    let response = open(&client, &get(), no_errors).await.expect("opened");
    let items: Vec<Result<Chunk, Error<String>>> = JsonLines::<Chunk, String>::new(&client, response, json_data)
        .collect()
        .await;
    assert_eq!(items.len(), 2, "the stream ends after the failure");
    assert!(matches!(&items[1], Err(Error::Decode { body, .. }) if &body[..] == b"not json"));
}
