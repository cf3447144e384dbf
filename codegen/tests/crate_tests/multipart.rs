//! Run inside the crate generated from `fixtures/multipart.yaml`: each
//! upload is read back by a real multipart parser (multer, through axum),
//! and each media type of `createPet` arrives as what it says.

use std::sync::{Arc, Mutex};

use axum::extract::{Multipart, Request};
use fixture_multipart::operations::{CreatePetBody, CreatePetForm, UploadBatchForm, UploadFileForm};
use fixture_multipart::{Client, FilePart};

/// (name, file name, content type, bytes) of each part.
type Parts = Vec<(String, Option<String>, Option<String>, Vec<u8>)>;

async fn parts(mut m: Multipart) -> Parts {
    let mut out = Vec::new();
    while let Some(field) = m.next_field().await.expect("a well-formed body") {
        let name = field.name().unwrap_or_default().to_owned();
        let file = field.file_name().map(str::to_owned);
        let ct = field.content_type().map(str::to_owned);
        out.push((name, file, ct, field.bytes().await.expect("bytes").to_vec()));
    }
    out
}

#[derive(Default)]
struct Seen {
    uploads: Vec<Parts>,
    /// (content type, body) of the other requests.
    bodies: Vec<(String, Vec<u8>)>,
}

async fn serve() -> (String, Arc<Mutex<Seen>>) {
    let seen = Arc::new(Mutex::new(Seen::default()));
    let (a, b, c, d) = (seen.clone(), seen.clone(), seen.clone(), seen.clone());
    let app = axum::Router::new()
        .route(
            "/files",
            axum::routing::post(move |m: Multipart| async move {
                let p = parts(m).await;
                a.lock().unwrap().uploads.push(p);
                (axum::http::StatusCode::CREATED, [("content-type", "application/json")], "{\"id\": \"f1\"}")
            }),
        )
        .route(
            "/files/batch",
            axum::routing::post(move |m: Multipart| async move {
                let p = parts(m).await;
                b.lock().unwrap().uploads.push(p);
                axum::http::StatusCode::NO_CONTENT
            }),
        )
        .route(
            "/raw",
            axum::routing::post(move |m: Multipart| async move {
                let p = parts(m).await;
                d.lock().unwrap().uploads.push(p);
                axum::http::StatusCode::NO_CONTENT
            }),
        )
        .fallback(move |req: Request| async move {
            let ct = req
                .headers()
                .get("content-type")
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default()
                .to_owned();
            let body = axum::body::to_bytes(req.into_body(), 1 << 20).await.expect("body");
            c.lock().unwrap().bodies.push((ct, body.to_vec()));
            axum::http::StatusCode::CREATED
        });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move { axum::serve(listener, app).await });
    (format!("http://{addr}"), seen)
}

#[tokio::test]
async fn uploads_arrive_part_by_part() {
    let (base, seen) = serve().await;
    let client = Client::new(&base).expect("client");

    let mut form = UploadFileForm::new(
        FilePart::bytes(&b"\x89PNG\r\n\x1a\n--boundary-lookalike"[..]).file_name("cat.png"),
        fixture_multipart::UploadRequestPurpose::FineTune,
    );
    form.meta = Some(fixture_multipart::UploadRequestRequestMeta {
        owner: "ada".to_owned().into(),
    });
    let stored = client.upload_file(form).await.expect("uploaded");
    assert_eq!(stored.body.id.as_deref(), Some("f1"));

    let chunks: Vec<Result<bytes::Bytes, std::io::Error>> =
        vec![Ok(bytes::Bytes::from_static(b"first,")), Ok(bytes::Bytes::from_static(b"second"))];
    let batch = UploadBatchForm {
        attachments: vec![
            FilePart::bytes(vec![1u8, 2, 3]).file_name("a.bin"),
            FilePart::stream(futures::stream::iter(chunks), None)
                .file_name("b.csv")
                .content_type("text/csv"),
        ],
        labels: vec!["x".to_owned(), "y z".to_owned()],
        count: Some(2),
    };
    client.upload_batch().body(batch).await.expect("uploaded");

    let raw = fixture_multipart::Multipart::new()
        .text("free", "form")
        .file("blob", FilePart::bytes(vec![9u8]), "application/x-blob");
    client.upload_raw(raw).await.expect("uploaded");

    let pet = || fixture_multipart::PetRequest {
        name: "Rex".to_owned(),
        age: 3.into(),
    };
    client.create_pet(pet()).await.expect("json");
    client.create_pet(CreatePetBody::Form(pet())).await.expect("form");
    let mut with_photo = CreatePetForm::new("Rex");
    with_photo.photo = Some(FilePart::bytes(vec![0xffu8; 4]).file_name("rex.jpg").content_type("image/jpeg"));
    client.create_pet(with_photo).await.expect("multipart");

    let settings = fixture_multipart::models::SaveSettingsBody {
        tags: vec!["a b".to_owned(), "c".to_owned()],
        ids: vec![1, 2].into(),
        words: vec!["x".to_owned(), "y".to_owned()].into(),
        filter: fixture_multipart::models::SaveSettingsBodyFilter {
            gt: 1.into(),
            lt: 5.into(),
        }
        .into(),
    };
    client.save_settings(settings).await.expect("form");

    let seen = seen.lock().unwrap();
    let s = |v: &str| v.to_owned();
    assert_eq!(
        seen.uploads[0],
        vec![
            (s("file"), Some(s("cat.png")), Some(s("image/png")), b"\x89PNG\r\n\x1a\n--boundary-lookalike".to_vec()),
            (s("purpose"), None, None, b"fine-tune".to_vec()),
            (s("meta"), None, Some(s("application/vnd.meta+json")), br#"{"owner":"ada"}"#.to_vec()),
        ]
    );
    assert_eq!(
        seen.uploads[1],
        vec![
            (s("attachments"), Some(s("a.bin")), Some(s("application/octet-stream")), vec![1, 2, 3]),
            (s("attachments"), Some(s("b.csv")), Some(s("text/csv")), b"first,second".to_vec()),
            (s("labels"), None, None, b"x".to_vec()),
            (s("labels"), None, None, b"y z".to_vec()),
            (s("count"), None, None, b"2".to_vec()),
        ]
    );
    assert_eq!(
        seen.uploads[2],
        vec![
            (s("free"), None, None, b"form".to_vec()),
            (s("blob"), Some(s("blob")), Some(s("application/x-blob")), vec![9]),
        ]
    );
    assert_eq!(seen.bodies.len(), 4);
    // The form read back by a form parser: each list and object as its
    // encoding says, the list without one exploded.
    assert_eq!(seen.bodies[3].0, "application/x-www-form-urlencoded");
    let mut fields: Vec<(String, String)> = form_urlencoded::parse(&seen.bodies[3].1).into_owned().collect();
    fields.sort();
    assert_eq!(
        fields,
        vec![
            (s("filter[gt]"), s("1")),
            (s("filter[lt]"), s("5")),
            (s("ids"), s("1,2")),
            (s("tags"), s("a b")),
            (s("tags"), s("c")),
            (s("words"), s("x y")),
        ]
    );
    assert_eq!(seen.bodies[0].0, "application/json");
    assert_eq!(seen.bodies[0].1, br#"{"name":"Rex","age":3}"#);
    assert_eq!(seen.bodies[1].0, "application/x-www-form-urlencoded");
    assert_eq!(seen.bodies[1].1, b"age=3&name=Rex");
    assert!(seen.bodies[2].0.starts_with("multipart/form-data; boundary="), "{}", seen.bodies[2].0);
    let body = String::from_utf8_lossy(&seen.bodies[2].1);
    assert!(body.contains("name=\"photo\"; filename=\"rex.jpg\"") && body.contains("image/jpeg"), "{body}");
}
