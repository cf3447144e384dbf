//! Run inside the crate generated from OpenAI's spec (`realworld-3.1/`): a
//! chat completion streamed in OpenAI's event format (chunks, then
//! `data: [DONE]`) from a small in-process server, the same request
//! answered whole, and a file uploaded as multipart and read back by a
//! real multipart parser.

use std::sync::{Arc, Mutex};

use axum::extract::Multipart;
use futures::TryStreamExt;
use realworld31_openai_openapi::operations::CreateFileForm;
use realworld31_openai_openapi::{Client, CreateChatCompletionRequestRequest, CreateFileRequestPurpose, FilePart};

fn chunk(content: Option<&str>, finish: Option<&str>) -> String {
    let delta = match content {
        Some(c) => serde_json::json!({"role": "assistant", "content": c}),
        None => serde_json::json!({}),
    };
    let event = serde_json::json!({
        "id": "chatcmpl-1",
        "object": "chat.completion.chunk",
        "created": 1_700_000_000,
        "model": "gpt-4o-mini",
        "system_fingerprint": "fp_1",
        "choices": [{"index": 0, "delta": delta, "logprobs": null, "finish_reason": finish}]
    });
    format!("data: {event}\n\n")
}

async fn serve(uploads: Arc<Mutex<Vec<(String, Option<String>, Vec<u8>)>>>) -> String {
    let app = axum::Router::new()
        .route(
            "/chat/completions",
            axum::routing::post(|headers: axum::http::HeaderMap, body: String| async move {
                let request: serde_json::Value = serde_json::from_str(&body).expect("a JSON body");
                assert_eq!(request["model"], "gpt-4o-mini");
                assert_eq!(request["messages"][0]["content"], "Say hello");
                let auth = headers.get("authorization").and_then(|v| v.to_str().ok()).unwrap_or_default();
                assert_eq!(auth, "Bearer sk-test");
                if request["stream"] == true {
                    let accept = headers.get("accept").and_then(|v| v.to_str().ok()).unwrap_or_default();
                    assert_eq!(accept, "text/event-stream");
                    let mut events = String::new();
                    events.push_str(&chunk(Some("Hel"), None));
                    events.push_str(": OpenAI sends keep-alive comments too\n\n");
                    events.push_str(&chunk(Some("lo!"), None));
                    events.push_str(&chunk(None, Some("stop")));
                    events.push_str("data: [DONE]\n\n");
                    return ([("content-type", "text/event-stream")], events);
                }
                let whole = serde_json::json!({
                    "id": "chatcmpl-2",
                    "object": "chat.completion",
                    "created": 1_700_000_000,
                    "model": "gpt-4o-mini",
                    "choices": [{
                        "index": 0,
                        "message": {"role": "assistant", "content": "Hello!", "refusal": null, "annotations": []},
                        "logprobs": null,
                        "finish_reason": "stop"
                    }],
                    "usage": {"prompt_tokens": 3, "completion_tokens": 2, "total_tokens": 5}
                });
                ([("content-type", "application/json")], whole.to_string())
            }),
        )
        .route(
            "/files",
            axum::routing::post(move |mut m: Multipart| {
                let uploads = uploads.clone();
                async move {
                    let mut name = String::new();
                    while let Some(field) = m.next_field().await.expect("a well-formed body") {
                        let part = field.name().unwrap_or_default().to_owned();
                        let file = field.file_name().map(str::to_owned);
                        let bytes = field.bytes().await.expect("bytes").to_vec();
                        if part == "file" {
                            name = file.clone().unwrap_or_default();
                        }
                        uploads.lock().unwrap().push((part, file, bytes));
                    }
                    let file = serde_json::json!({
                        "id": "file-abc",
                        "object": "file",
                        "bytes": 42,
                        "created_at": 1_700_000_000,
                        "filename": name,
                        "purpose": "fine-tune",
                        "status": "uploaded"
                    });
                    ([("content-type", "application/json")], file.to_string())
                }
            }),
        );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move { axum::serve(listener, app).await });
    format!("http://{addr}")
}

fn request(stream: bool) -> CreateChatCompletionRequestRequest {
    serde_json::from_value(serde_json::json!({
        "model": "gpt-4o-mini",
        "messages": [{"role": "user", "content": "Say hello"}],
        "stream": stream
    }))
    .expect("a chat completion request")
}

#[tokio::test]
async fn a_chat_completion_streams_and_a_file_uploads() {
    let uploads = Arc::new(Mutex::new(Vec::new()));
    let base = serve(uploads.clone()).await;
    let client = Client::builder(&base).bearer_token("sk-test").build().expect("client");

    let stream = client.create_chat_completion(request(true)).events().await.expect("a stream");
    let chunks: Vec<_> = stream.body.until("[DONE]").try_collect().await.expect("every chunk decodes");
    assert_eq!(chunks.len(), 3);
    let text: String = chunks
        .iter()
        .filter_map(|c| c.data.choices.first().and_then(|choice| choice.delta.content.clone()))
        .collect();
    assert_eq!(text, "Hello!");
    assert_eq!(chunks[0].data.model, "gpt-4o-mini");
    assert!(chunks[2].data.choices[0].finish_reason.is_some());

    let whole = client.create_chat_completion(request(false)).await.expect("an answer");
    assert_eq!(whole.body.choices[0].message.content.as_deref(), Some("Hello!"));

    let data = b"{\"messages\": [{\"role\": \"user\", \"content\": \"hi\"}]}\n".repeat(100);
    let form = CreateFileForm::new(
        FilePart::bytes(data.clone()).file_name("train.jsonl").content_type("application/jsonl"),
        CreateFileRequestPurpose::FineTune,
    );
    let file = client.create_file(form).await.expect("uploaded");
    assert_eq!(file.body.id, "file-abc");
    assert_eq!(file.body.filename, "train.jsonl");
    let uploads = uploads.lock().unwrap();
    assert_eq!(uploads.len(), 2);
    assert_eq!(uploads[0], ("file".to_owned(), Some("train.jsonl".to_owned()), data));
    assert_eq!(uploads[1], ("purpose".to_owned(), None, b"fine-tune".to_vec()));
}
