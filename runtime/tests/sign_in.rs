//! Client-credentials sign-in and per-scheme credentials, against a token
//! endpoint and an API served in-process on loopback.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use openapi_client_runtime::{
    Base64, Client, ClientCredentials, Credential, Error, KeyIn, Request, SchemeCredential, SignInError,
};

const ID: &str = "app-7f3c";
const SECRET: &str = "s3cr3t~with spaces&symbols=+";

#[derive(Default)]
struct Server {
    /// Token requests answered.
    token_requests: AtomicU64,
    /// Tokens issued; the API accepts `tok-<n>` only for the newest n,
    /// and none once `revoke_all` has been set.
    issued: AtomicU64,
    /// Seconds of each token's life, as `expires_in` says.
    lifetime: AtomicU64,
    /// The API refuses every token issued up to this one.
    revoked_up_to: AtomicU64,
    /// The last request's credentials, for the per-scheme tests.
    last_auth: std::sync::Mutex<Vec<String>>,
}

fn form(body: &[u8]) -> Vec<(String, String)> {
    fn decode(s: &str) -> String {
        let s = s.replace('+', " ");
        let b = s.as_bytes();
        let mut out = Vec::new();
        let mut i = 0;
        while i < b.len() {
            if b[i] == b'%' && i + 2 < b.len() {
                let hex = std::str::from_utf8(&b[i + 1..i + 3]).unwrap();
                out.push(u8::from_str_radix(hex, 16).unwrap());
                i += 3;
            } else {
                out.push(b[i]);
                i += 1;
            }
        }
        String::from_utf8(out).unwrap()
    }
    std::str::from_utf8(body)
        .unwrap()
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (decode(k), decode(v))
        })
        .collect()
}

async fn token(State(s): State<Arc<Server>>, headers: HeaderMap, body: Bytes) -> Response {
    s.token_requests.fetch_add(1, Ordering::SeqCst);
    let fields = form(&body);
    let get = |k: &str| fields.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
    let (id, secret) = match headers.get("authorization").and_then(|v| v.to_str().ok()) {
        Some(basic) => {
            let decoded = String::from_utf8(Base64::decode(basic.strip_prefix("Basic ").unwrap()).unwrap().0).unwrap();
            let (i, s) = decoded.split_once(':').unwrap();
            let f = form(format!("i={i}&s={s}").as_bytes());
            (Some(f[0].1.clone()), Some(f[1].1.clone()))
        }
        None => (get("client_id"), get("client_secret")),
    };
    assert_eq!(get("grant_type").as_deref(), Some("client_credentials"));
    // Slow enough that concurrent callers overlap the fetch.
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert_eq!(get("scope").as_deref(), Some("https://api.example.com/.default other"));
    if id.as_deref() != Some(ID) || secret.as_deref() != Some(SECRET) {
        return (
            StatusCode::UNAUTHORIZED,
            [("content-type", "application/json")],
            r#"{"error":"invalid_client","error_description":"AADSTS7000215: Invalid client secret provided.","error_codes":[7000215]}"#,
        )
            .into_response();
    }
    let n = s.issued.fetch_add(1, Ordering::SeqCst) + 1;
    let body = serde_json::json!({
        "token_type": "Bearer",
        "expires_in": s.lifetime.load(Ordering::SeqCst).to_string(),
        "access_token": format!("tok-{n}"),
    });
    axum::Json(body).into_response()
}

async fn api(State(s): State<Arc<Server>>, headers: HeaderMap) -> Response {
    let mut seen: Vec<String> = Vec::new();
    for name in ["authorization", "x-api-key", "cookie"] {
        if let Some(v) = headers.get(name) {
            seen.push(format!("{name}: {}", v.to_str().unwrap()));
        }
    }
    *s.last_auth.lock().unwrap() = seen;
    let ok = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer tok-"))
        .and_then(|n| n.parse::<u64>().ok())
        .is_some_and(|n| n > s.revoked_up_to.load(Ordering::SeqCst));
    if ok {
        StatusCode::NO_CONTENT
    } else {
        StatusCode::UNAUTHORIZED
    }
    .into_response()
}

async fn serve(lifetime: u64) -> (String, Arc<Server>) {
    let state = Arc::new(Server::default());
    state.lifetime.store(lifetime, Ordering::SeqCst);
    let app = Router::new()
        .route("/tenant-1/oauth2/v2.0/token", post(token))
        .route("/api/thing", get(api))
        .with_state(Arc::clone(&state));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (format!("http://{addr}"), state)
}

fn sign_in(root: &str, secret: &str) -> ClientCredentials {
    ClientCredentials::new(format!("{root}/tenant-1/oauth2/v2.0/token"), ID, secret)
        .scopes(["https://api.example.com/.default", "other"])
}

const OAUTH: &[&[&str]] = &[&["oauth"]];

fn request(security: &'static [&'static [&'static str]]) -> Request {
    Request::new(reqwest::Method::GET, "/thing".to_owned(), security, None)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_hundred_concurrent_calls_fetch_one_token() {
    let (root, server) = serve(3600).await;
    let client = Client::builder(&format!("{root}/api"))
        .sign_in(SchemeCredential::new("oauth", sign_in(&root, SECRET)))
        .build()
        .unwrap();
    let calls = (0..100).map(|_| {
        let client = client.clone();
        tokio::spawn(async move { client.execute(&request(OAUTH)).await.unwrap().status.as_u16() })
    });
    for call in calls {
        assert_eq!(call.await.unwrap(), 204);
    }
    assert_eq!(server.token_requests.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn a_token_is_renewed_before_it_expires_and_after_a_401() {
    let (root, server) = serve(1).await;
    let provider = Arc::new(sign_in(&root, SECRET).basic_auth(true));
    let client = Client::builder(&format!("{root}/api"))
        .sign_in(SchemeCredential::new(
            "oauth",
            Credential::provider(Arc::clone(&provider)),
        ))
        .build()
        .unwrap();
    assert_eq!(client.execute(&request(OAUTH)).await.unwrap().status.as_u16(), 204);
    assert_eq!(client.execute(&request(OAUTH)).await.unwrap().status.as_u16(), 204);
    assert_eq!(provider.fetches(), 1, "a fresh token is kept");
    // Past 90% of a 1 s life, the next call fetches a new one first.
    tokio::time::sleep(Duration::from_millis(950)).await;
    assert_eq!(client.execute(&request(OAUTH)).await.unwrap().status.as_u16(), 204);
    assert_eq!(provider.fetches(), 2);
    // The server revokes every token so far: one 401, one renewal, success.
    server
        .revoked_up_to
        .store(server.issued.load(Ordering::SeqCst), Ordering::SeqCst);
    assert_eq!(client.execute(&request(OAUTH)).await.unwrap().status.as_u16(), 204);
    assert_eq!(provider.fetches(), 3);
    assert_eq!(server.token_requests.load(Ordering::SeqCst), 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_refused_sign_in_is_a_typed_error_without_the_secret() {
    let (root, server) = serve(3600).await;
    let wrong = "wrong-secret-value-9d2";
    let client = Client::builder(&format!("{root}/api"))
        .sign_in(SchemeCredential::new("oauth", sign_in(&root, wrong)))
        .build()
        .unwrap();
    let failure = client.execute(&request(OAUTH)).await.unwrap_err();
    let error: Error<()> = failure.into();
    let sign_in: &SignInError = error.sign_in().expect("a sign-in error");
    assert_eq!(sign_in.status, Some(401));
    assert_eq!(sign_in.error.as_deref(), Some("invalid_client"));
    assert_eq!(sign_in.code.as_deref(), Some("AADSTS7000215"));
    let shown = format!("{sign_in} {sign_in:?} {error:?}");
    assert!(
        shown.contains("invalid_client") && shown.contains("AADSTS7000215"),
        "{shown}"
    );
    assert!(!shown.contains(wrong), "{shown}");
    assert_eq!(server.token_requests.load(Ordering::SeqCst), 1);
    // Twenty calls at once that find no token: one request, and the
    // refusal is every waiting call's answer.
    let calls: Vec<_> = (0..20)
        .map(|_| {
            let client = client.clone();
            tokio::spawn(async move {
                let e: Error<()> = client.execute(&request(OAUTH)).await.unwrap_err().into();
                e.sign_in().and_then(|s| s.code.clone())
            })
        })
        .collect();
    for call in calls {
        assert_eq!(call.await.unwrap().as_deref(), Some("AADSTS7000215"));
    }
    assert_eq!(server.token_requests.load(Ordering::SeqCst), 2);
    let provider = sign_in_debug(&root);
    assert!(!provider.contains(SECRET) && provider.contains("***"), "{provider}");
}

fn sign_in_debug(root: &str) -> String {
    let c = Credential::from(sign_in(root, SECRET));
    format!("{:?} {c:?}", sign_in(root, SECRET))
}

#[tokio::test]
async fn token_endpoints_are_bounded_and_checked() {
    // Plain http to another host than loopback would send the secret in clear.
    let far = ClientCredentials::new("http://login.example.com/t/token", ID, SECRET);
    let e = openapi_client_runtime::TokenProvider::token(&far)
        .await
        .unwrap_err()
        .to_string();
    assert!(e.contains("use https"), "{e}");
    // An endpoint that never answers: the sign-in's own timeout.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((s, _)) = listener.accept().await {
            held.push(s);
        }
    });
    let silent = ClientCredentials::new(format!("http://{addr}/token"), ID, SECRET).timeout(Duration::from_millis(300));
    let e = openapi_client_runtime::TokenProvider::token(&silent)
        .await
        .unwrap_err()
        .to_string();
    assert!(e.contains("did not answer within 0.3 s"), "{e}");
    // A token response of a megabyte is refused, not read.
    let app = Router::new().route(
        "/token",
        post(|| async { ([("content-type", "application/json")], "x".repeat(1 << 20)) }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    let huge = ClientCredentials::new(format!("http://{addr}/token"), ID, SECRET);
    let e = openapi_client_runtime::TokenProvider::token(&huge)
        .await
        .unwrap_err()
        .to_string();
    assert!(e.contains("more than 65536 bytes"), "{e}");
}

#[tokio::test]
async fn each_operation_sends_the_credentials_of_its_own_schemes() {
    let (root, server) = serve(3600).await;
    let client = Client::builder(&format!("{root}/api"))
        .sign_in(SchemeCredential::new("oauth", sign_in(&root, SECRET)))
        .sign_in(SchemeCredential::new(
            "key",
            Credential::ApiKey {
                name: "X-Api-Key".to_owned(),
                location: KeyIn::Header,
                value: "k-1".to_owned(),
            },
        ))
        .sign_in(SchemeCredential::new(
            "session",
            Credential::ApiKey {
                name: "sid".to_owned(),
                location: KeyIn::Cookie,
                value: "c-2".to_owned(),
            },
        ))
        .build()
        .unwrap();
    let seen = |security: &'static [&'static [&'static str]]| {
        let client = client.clone();
        let server = Arc::clone(&server);
        async move {
            let _ = client.execute(&request(security)).await.unwrap();
            server.last_auth.lock().unwrap().join(" | ")
        }
    };
    assert_eq!(seen(&[&["key"]]).await, "x-api-key: k-1");
    assert_eq!(seen(OAUTH).await, "authorization: Bearer tok-1");
    assert_eq!(seen(&[&["key", "session"]]).await, "x-api-key: k-1 | cookie: sid=c-2");
    // The first alternative with every credential present is the one sent.
    assert_eq!(seen(&[&["missing"], &["session"]]).await, "cookie: sid=c-2");
    assert_eq!(seen(&[]).await, "");
    // A scheme with no credential, and none for any scheme: nothing is sent.
    assert_eq!(seen(&[&["missing"]]).await, "");
    // The credential for any scheme fills in where no scheme has one.
    let any = Client::builder(&format!("{root}/api"))
        .bearer_token("tok-99")
        .build()
        .unwrap();
    let _ = any.execute(&request(&[&["missing"]])).await.unwrap();
    assert_eq!(
        server.last_auth.lock().unwrap().join(""),
        "authorization: Bearer tok-99"
    );
}
