//! Multipart bodies on the wire, read back by a real multipart parser
//! (multer, through axum's `Multipart`): every part's name, file name,
//! content type and bytes intact; a streamed file sent whole, and once.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use axum::extract::Multipart as Received;
use bytes::Bytes;
use openapi_client_runtime::{Client, FilePart, Multipart, Request, RetryPolicy};

/// What the server's parser read: (name, file name, content type, bytes)
/// of each part.
type Parts = Vec<(String, Option<String>, Option<String>, Vec<u8>)>;

/// A server that reads each upload, answering `status` the first
/// `failures` times and 200 after.
async fn serve(
    failures: usize,
    status: u16,
) -> (String, tokio::sync::mpsc::UnboundedReceiver<Parts>, Arc<AtomicUsize>) {
    let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
    let seen = Arc::new(AtomicUsize::new(0));
    let count = seen.clone();
    let app = axum::Router::new().route(
        "/upload",
        axum::routing::post(move |mut m: Received| {
            let tx = tx.clone();
            let count = count.clone();
            async move {
                let mut parts = Vec::new();
                while let Ok(Some(field)) = m.next_field().await {
                    let name = field.name().unwrap_or_default().to_owned();
                    let file = field.file_name().map(str::to_owned);
                    let ct = field.content_type().map(str::to_owned);
                    let bytes = field.bytes().await.map(|b| b.to_vec()).unwrap_or_default();
                    parts.push((name, file, ct, bytes));
                }
                let _ = tx.send(parts);
                let n = count.fetch_add(1, Ordering::SeqCst);
                let code = if n < failures { status } else { 200 };
                (
                    axum::http::StatusCode::from_u16(code).unwrap_or(axum::http::StatusCode::OK),
                    [("retry-after", "0")],
                    "done",
                )
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move { axum::serve(listener, app).await });
    (format!("http://{addr}"), rx, seen)
}

fn upload(form: Multipart) -> Request {
    let mut req = Request::new(reqwest::Method::POST, "/upload".to_owned(), &[], None);
    req.multipart(form);
    req
}

fn chunks(data: &[u8]) -> impl futures::Stream<Item = Result<Bytes, std::io::Error>> + Send + 'static {
    let chunks: Vec<Result<Bytes, std::io::Error>> = data.chunks(4096).map(|c| Ok(Bytes::copy_from_slice(c))).collect();
    futures::stream::iter(chunks)
}

#[tokio::test]
async fn a_real_multipart_parser_reads_every_part_back() {
    let (base, mut rx, _) = serve(0, 200).await;
    let client = Client::new(&base).expect("client");
    let big: Vec<u8> = (0..300_000u32).map(|i| (i % 251) as u8).collect();
    let form = Multipart::new()
        .text("purpose", "fine-tune")
        .text("note", "line one\r\nline two, «unicode»")
        .json("meta", &serde_json::json!({"a": [1, 2]}), None)
        .expect("json")
        .file(
            "file",
            FilePart::bytes(&b"\x00\x01binary\r\n--not-a-boundary"[..])
                .file_name("data.bin")
                .content_type("application/x-thing"),
            "application/octet-stream",
        )
        .file(
            "stream",
            FilePart::stream(chunks(&big), Some(big.len() as u64)).file_name("big.dat"),
            "application/octet-stream",
        )
        .file("plain", FilePart::bytes(vec![7u8; 3]), "image/png");
    let raw = client.execute(&upload(form)).await.expect("sent");
    assert_eq!(raw.status.as_u16(), 200);
    let parts = rx.recv().await.expect("parts");
    assert_eq!(parts.len(), 6);
    assert_eq!(parts[0], ("purpose".to_owned(), None, None, b"fine-tune".to_vec()));
    assert_eq!(parts[1].3, "line one\r\nline two, «unicode»".as_bytes());
    assert_eq!(
        parts[2],
        (
            "meta".to_owned(),
            None,
            Some("application/json".to_owned()),
            br#"{"a":[1,2]}"#.to_vec()
        )
    );
    assert_eq!(
        parts[3],
        (
            "file".to_owned(),
            Some("data.bin".to_owned()),
            Some("application/x-thing".to_owned()),
            b"\x00\x01binary\r\n--not-a-boundary".to_vec()
        )
    );
    assert_eq!(parts[4].0, "stream");
    assert_eq!(parts[4].1.as_deref(), Some("big.dat"));
    assert_eq!(parts[4].2.as_deref(), Some("application/octet-stream"));
    assert!(parts[4].3 == big, "the streamed file arrives whole");
    // Without a file name, the field's name; the default content type.
    assert_eq!(
        parts[5],
        (
            "plain".to_owned(),
            Some("plain".to_owned()),
            Some("image/png".to_owned()),
            vec![7, 7, 7]
        )
    );
}

#[tokio::test]
async fn a_body_of_bytes_is_sent_again_after_503_and_a_stream_once() {
    let policy = RetryPolicy {
        max_retries: 2,
        ..RetryPolicy::default()
    };
    // Bytes: the 503 is retried with the whole body again.
    let (base, mut rx, seen) = serve(1, 503).await;
    let client = Client::builder(&base).retry(policy).build().expect("client");
    let form = Multipart::new().file("f", FilePart::bytes(vec![1u8, 2, 3]), "application/octet-stream");
    let raw = client.execute(&upload(form)).await.expect("sent");
    assert_eq!(raw.status.as_u16(), 200);
    assert_eq!(seen.load(Ordering::SeqCst), 2);
    for _ in 0..2 {
        assert_eq!(rx.recv().await.expect("parts")[0].3, [1, 2, 3]);
    }
    // A stream: sent once; the 503 is the answer.
    let (base, mut rx, seen) = serve(1, 503).await;
    let client = Client::builder(&base).retry(policy).build().expect("client");
    let form = Multipart::new().file("f", FilePart::stream(chunks(b"once"), None), "application/octet-stream");
    let raw = client.execute(&upload(form)).await.expect("sent");
    assert_eq!(raw.status.as_u16(), 503);
    assert_eq!(seen.load(Ordering::SeqCst), 1);
    assert_eq!(rx.recv().await.expect("parts")[0].3, b"once");
}
