//! Run inside the crate generated from `fixtures/streams.yaml`: a chat
//! answer whole and as server-sent events ending at `[DONE]`, text events
//! with a typed header, JSON lines, and a documented error on a stream.

use futures::TryStreamExt;
use fixture_streams::operations::ChatError;
use fixture_streams::{ChatBody, Client, Error};

async fn serve() -> String {
    let app = axum::Router::new()
        .route(
            "/chat",
            axum::routing::post(|headers: axum::http::HeaderMap, body: String| async move {
                let accept = headers.get("accept").and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
                if body.contains("\"prompt\":\"busy\"") {
                    return (axum::http::StatusCode::TOO_MANY_REQUESTS, [("content-type", "application/json")], "{\"message\": \"slow down\"}".to_owned());
                }
                if accept == "text/event-stream" && body.contains("\"stream\":true") {
                    let events = "data: {\"delta\": \"Hel\"}\n\n: keep-alive\n\nid: 2\ndata: {\"delta\": \"lo\",\ndata:  \"done\": true}\n\ndata: [DONE]\n\n";
                    return (axum::http::StatusCode::OK, [("content-type", "text/event-stream")], events.to_owned());
                }
                (axum::http::StatusCode::OK, [("content-type", "application/json")], "{\"text\": \"Hello\"}".to_owned())
            }),
        )
        .route(
            "/logs",
            axum::routing::get(|| async {
                (
                    [("content-type", "text/event-stream"), ("x-stream-id", "s-1")],
                    "event: log\ndata: line one\ndata: line two\n\nretry: 3000\ndata: third\n\n",
                )
            }),
        )
        .route(
            "/export",
            axum::routing::get(|| async {
                ([("content-type", "application/x-ndjson")], "{\"id\": 1, \"name\": \"a\"}\n\n{\"id\": 2}\n")
            }),
        );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move { axum::serve(listener, app).await });
    format!("http://{addr}")
}

fn ask(prompt: &str, stream: Option<bool>) -> ChatBody {
    ChatBody {
        prompt: prompt.to_owned(),
        stream: stream.map_or(fixture_streams::Nullable::Absent, Into::into),
    }
}

#[tokio::test]
async fn whole_or_streamed() {
    let client = Client::new(&serve().await).expect("client");
    let whole = client.chat(ask("hi", None)).await.expect("answer");
    assert_eq!(whole.body.text, "Hello");

    let events = client.chat(ask("hi", Some(true))).events().await.expect("stream");
    let chunks: Vec<_> = events.body.until("[DONE]").try_collect().await.expect("chunks");
    assert_eq!(chunks.len(), 2);
    assert_eq!(chunks[0].data.delta, "Hel");
    assert_eq!(chunks[1].data.delta, "lo");
    assert_eq!(chunks[1].data.done, Some(true));
    assert_eq!(chunks[1].id.as_deref(), Some("2"));

    match client.chat(ask("busy", Some(true))).events().await {
        Err(Error::Api(e)) => match e.body {
            ChatError::TooManyRequests(p) => assert_eq!(p.message.as_deref(), Some("slow down")),
        },
        other => panic!("expected the documented 429, got {other:?}"),
    }

    let logs = client.follow_logs().events().await.expect("logs");
    assert_eq!(logs.headers.x_stream_id.as_deref(), Some("s-1"));
    let logs: Vec<_> = logs.body.try_collect().await.expect("events");
    assert_eq!(logs[0].event.as_deref(), Some("log"));
    assert_eq!(logs[0].data, "line one\nline two");
    assert_eq!(logs[1].retry, Some(std::time::Duration::from_millis(3000)));

    let items: Vec<_> = client
        .export_items()
        .json_lines()
        .await
        .expect("lines")
        .body
        .try_collect()
        .await
        .expect("items");
    assert_eq!(items.len(), 2);
    assert_eq!(items[0].id, 1);
    assert_eq!(items[0].name.as_deref(), Some("a"));
    assert_eq!(items[1].name, None);
}
