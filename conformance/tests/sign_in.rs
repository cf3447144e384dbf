//! Sign-in end to end on loopback: the generated client and the suite
//! against the reference server's token endpoint, with tokens that expire
//! mid-run; Business Central's limits (rate, page size, body size); a run
//! that outlives its deadline; secrets echoed back in every disguise.

use std::io::{Read, Write};
use std::process::{Command, Output};
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::Request;
use axum::middleware::{self, Next};
use axum::response::IntoResponse;
use bc_api::{Client, Credential, security};
use bc_reference_server::{self as server, ServerConfig, SignIn, Throttle, store::Store};

const TOKEN: &str = "static-token-for-the-sign-in-tests";
const ID: &str = "7c1f0a52-app-registration";
const SECRET: &str = "Cl13nt~S3cr3t/with+symbols=&\"quotes\"";
const TENANT: &str = "contoso.onmicrosoft.com";

async fn reference(lifetime: u64, throttle: Throttle, layer: impl FnOnce(Router) -> Router) -> server::Running {
    let mut config = ServerConfig::new(TOKEN);
    config.sign_in = Some(SignIn {
        client_id: ID.to_owned(),
        client_secret: SECRET.to_owned(),
        token_lifetime: Duration::from_secs(lifetime),
    });
    config.throttle = throttle;
    let store = Arc::new(Store::open(None).expect("store"));
    server::start_with("127.0.0.1:0".parse().expect("addr"), config, store, layer)
        .await
        .expect("server")
}

fn sign_in(running: &server::Running, secret: &str) -> bc_api::ClientCredentials {
    security::entra_id_client_credentials(ID, secret, TENANT).token_url(running.token_url(TENANT).expect("sign-in"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_client_renews_tokens_that_expire_mid_run() {
    let running = reference(2, Throttle::default(), |r| r).await;
    let provider = Arc::new(sign_in(&running, SECRET));
    let client = Client::builder(&running.base_url)
        .sign_in(security::entra_id(Credential::provider(Arc::clone(&provider))))
        .build()
        .expect("client");
    // Three rounds, each after the previous token has expired: three
    // tokens, and not one call fails.
    for round in 1..=3 {
        for _ in 0..5 {
            let page = client.list_companies().send().await.expect("listed");
            assert!(!page.body.value.is_empty());
        }
        assert_eq!(provider.fetches(), round, "round {round}");
        assert_eq!(running.tokens_issued(), round, "round {round}");
        tokio::time::sleep(Duration::from_millis(2_100)).await;
    }
    running.stop().await.expect("stop");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_hundred_concurrent_calls_sign_in_once() {
    let running = reference(3600, Throttle::default(), |r| r).await;
    let client = Client::builder(&running.base_url)
        .sign_in(security::entra_id(sign_in(&running, SECRET)))
        .build()
        .expect("client");
    let calls: Vec<_> = (0..100)
        .map(|_| {
            let client = client.clone();
            tokio::spawn(async move { client.list_companies().send().await.is_ok() })
        })
        .collect();
    for c in calls {
        assert!(c.await.expect("joined"));
    }
    assert_eq!(running.tokens_issued(), 1);
    running.stop().await.expect("stop");
}

#[tokio::test]
async fn a_wrong_secret_is_entras_error_typed_and_masked() {
    let running = reference(3600, Throttle::default(), |r| r).await;
    let wrong = "wrong-secret-Zq81";
    let client = Client::builder(&running.base_url)
        .sign_in(security::entra_id(sign_in(&running, wrong)))
        .build()
        .expect("client");
    let e = client.list_companies().send().await.expect_err("refused");
    let refused = e.sign_in().expect("a sign-in error");
    assert_eq!(refused.status, Some(401));
    assert_eq!(refused.error.as_deref(), Some("invalid_client"));
    assert_eq!(refused.code.as_deref(), Some("AADSTS7000215"));
    let shown = format!("{e} {e:?}");
    assert!(shown.contains("AADSTS7000215"), "{shown}");
    assert!(!shown.contains(wrong) && !shown.contains(SECRET), "{shown}");
    assert_eq!(running.tokens_issued(), 0);
    running.stop().await.expect("stop");
}

/// Runs the binary off the async threads, the secret in its environment.
async fn bin(args: Vec<String>, secret: &str) -> (Output, Duration) {
    let secret = secret.to_owned();
    tokio::task::spawn_blocking(move || {
        let started = Instant::now();
        let out = Command::new(env!("CARGO_BIN_EXE_bc-conformance"))
            .args(&args)
            .env_remove("BC_TOKEN")
            .env("BC_CLIENT_SECRET", secret)
            .output()
            .expect("runs");
        (out, started.elapsed())
    })
    .await
    .expect("joined")
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

fn strings(args: &[&str]) -> Vec<String> {
    args.iter().map(|s| (*s).to_owned()).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_suite_signs_in_renews_and_shows_no_secret() {
    let running = reference(2, Throttle::default(), |r| r).await;
    let dir = tempfile::tempdir().expect("dir");
    let report = dir.path().join("report.json");
    let token_url = running.token_url(TENANT).expect("sign-in");
    let (out, elapsed) = bin(
        strings(&[
            "run",
            "--base-url",
            &running.base_url,
            "--client-id",
            ID,
            "--token-url",
            &token_url,
            "--allow-writes",
            "--allow-delete",
            "--format",
            "json",
            "--output",
            report.to_str().expect("utf-8"),
        ]),
        SECRET,
    )
    .await;
    let all = text(&out);
    assert_eq!(out.status.code(), Some(0), "{all}");
    let json = std::fs::read_to_string(&report).expect("report");
    let v: serde_json::Value = serde_json::from_str(&json).expect("json");
    let sign_ins = v["sign_ins"].as_u64().expect("sign_ins");
    assert_eq!(
        sign_ins,
        running.tokens_issued(),
        "every token the server issued, the suite asked for"
    );
    // Renewed before expiry: a token per 1.8 s of the run, give or take one.
    let expected = elapsed.as_secs_f64() / 1.8;
    assert!(
        (sign_ins as f64) >= expected.floor() && (sign_ins as f64) <= expected.ceil() + 1.0,
        "{sign_ins} tokens in {elapsed:?}"
    );
    for shown in [&all, &json] {
        assert!(!shown.contains(SECRET), "the secret is shown");
        assert!(!shown.contains("eyJ0eXAiOiJKV1Qi."), "a token is shown");
    }
    running.stop().await.expect("stop");
}

#[tokio::test]
async fn a_refused_sign_in_exits_2_with_the_endpoints_error() {
    let running = reference(3600, Throttle::default(), |r| r).await;
    let token_url = running.token_url(TENANT).expect("sign-in");
    let wrong = "not-the-secret-4417";
    let (out, _) = bin(
        strings(&[
            "run",
            "--base-url",
            &running.base_url,
            "--client-id",
            ID,
            "--token-url",
            &token_url,
        ]),
        wrong,
    )
    .await;
    let all = text(&out);
    assert_eq!(out.status.code(), Some(2), "{all}");
    assert!(all.contains("invalid_client") && all.contains("AADSTS7000215"), "{all}");
    assert!(!all.contains(wrong), "{all}");
    running.stop().await.expect("stop");
}

#[tokio::test]
async fn a_burst_over_the_rate_gets_429_with_retry_after() {
    let throttle = Throttle {
        rate: Some(10),
        window: Duration::from_secs(30),
        ..Throttle::default()
    };
    let running = reference(3600, throttle, |r| r).await;
    let http = reqwest::Client::new();
    let mut statuses = Vec::new();
    let mut retry_after = None;
    for _ in 0..12 {
        let r = http
            .get(format!("{}/companies", running.base_url))
            .bearer_auth(TOKEN)
            .send()
            .await
            .expect("sent");
        statuses.push(r.status().as_u16());
        if r.status() == 429 {
            retry_after = r
                .headers()
                .get("retry-after")
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned);
            let body: serde_json::Value = r.json().await.expect("an OData body");
            assert_eq!(body["error"]["code"], "Application_TooManyRequests");
        }
    }
    assert_eq!(&statuses[..10], &[200; 10]);
    assert_eq!(&statuses[10..], &[429, 429]);
    let wait: u64 = retry_after.expect("Retry-After").parse().expect("seconds");
    assert!((1..=30).contains(&wait), "{wait}");
    running.stop().await.expect("stop");
}

/// The reference server with `throttle`, and the count of 429s it answers.
async fn counting_429s(throttle: Throttle) -> (server::Running, Arc<std::sync::atomic::AtomicU64>) {
    let refused = Arc::new(std::sync::atomic::AtomicU64::new(0));
    let count = Arc::clone(&refused);
    let running = reference(3600, throttle, move |r| {
        r.layer(middleware::from_fn(move |req: Request, next: Next| {
            let count = Arc::clone(&count);
            async move {
                let response = next.run(req).await;
                if response.status() == 429 {
                    count.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                }
                response
            }
        }))
    })
    .await;
    (running, refused)
}

/// One run of the suite against a server allowing 30 requests per second
/// and 2 at once per principal (no queue): its exit code, and how many 429s
/// the server answered.
async fn throttled_run(pacing: &[&str]) -> (Output, u64) {
    let throttle = Throttle {
        rate: Some(30),
        window: Duration::from_secs(1),
        concurrent: 2,
        queue: 0,
        ..Throttle::default()
    };
    let (running, refused) = counting_429s(throttle).await;
    let token_url = running.token_url(TENANT).expect("sign-in");
    let mut args = strings(&[
        "run",
        "--base-url",
        &running.base_url,
        "--client-id",
        ID,
        "--token-url",
        &token_url,
        "--allow-writes",
        "--deadline",
        "300",
    ]);
    args.extend(strings(pacing));
    let (out, _) = bin(args, SECRET).await;
    running.stop().await.expect("stop");
    (out, refused.load(std::sync::atomic::Ordering::SeqCst))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_suite_within_the_limits_and_past_them_completes_conformant() {
    // Paced below the limits: not one request is refused.
    let (out, refused) = throttled_run(&["--max-rate", "25", "--concurrency", "2"]).await;
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert_eq!(refused, 0, "paced at 25/s and 2 at once, nothing is refused");
    // Unpaced: the server refuses some, the suite waits them out, and the
    // verdict is the same.
    let (out, refused) = throttled_run(&[]).await;
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(refused > 0, "unpaced, the run went past the limits");
}

/// The generated client's retries honour `Retry-After` on 429: 150 PATCHes
/// at once (writes wait for each other, so they hold their places) against
/// 5 places and a queue of 20 all succeed in the end.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_client_waits_out_429s_under_the_concurrency_limit() {
    let throttle = Throttle {
        concurrent: 5,
        queue: 20,
        ..Throttle::default()
    };
    let (running, refused) = counting_429s(throttle).await;
    let company = running.store.companies().expect("companies")[0].id;
    let contact = running.store.contacts(company).expect("contacts")[0].id;
    let client = Client::builder(&running.base_url)
        .sign_in(security::bearer_auth(TOKEN))
        .retry(bc_api::RetryPolicy {
            max_retries: 12,
            ..bc_api::RetryPolicy::default()
        })
        .build()
        .expect("client");
    let calls: Vec<_> = (0..150)
        .map(|n| {
            let client = client.clone();
            tokio::spawn(async move {
                let change = bc_api::CustomerContactUpdateRequest::default().professional_title(format!("Title {n}"));
                client
                    .update_customer_contact(company, contact, bc_api::ETag::any(), change)
                    .await
                    .map(|r| r.status.as_u16())
            })
        })
        .collect();
    for c in calls {
        assert_eq!(c.await.expect("joined").expect("answered in the end"), 200);
    }
    assert!(
        refused.load(std::sync::atomic::Ordering::SeqCst) > 0,
        "the limit was reached"
    );
    running.stop().await.expect("stop");
}

/// The token endpoint refuses as Entra does, and the API refuses a token
/// once it has expired.
#[tokio::test]
async fn the_token_endpoint_refuses_as_entra_and_tokens_expire() {
    let running = reference(1, Throttle::default(), |r| r).await;
    let url = running.token_url(TENANT).expect("sign-in");
    let http = reqwest::Client::new();
    let post = |body: &str| {
        http.post(&url)
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body.to_owned())
            .send()
    };
    let scope = "scope=https%3A%2F%2Fapi.businesscentral.dynamics.com%2F.default";
    let secret: String = SECRET
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect();
    for (body, status, error, code) in [
        (
            format!("grant_type=password&client_id={ID}&client_secret={secret}&{scope}"),
            400,
            "unsupported_grant_type",
            70003,
        ),
        (
            format!("grant_type=client_credentials&client_id=someone-else&client_secret={secret}&{scope}"),
            400,
            "unauthorized_client",
            700016,
        ),
        (
            format!("grant_type=client_credentials&client_id={ID}&client_secret={secret}&scope=api.read"),
            400,
            "invalid_scope",
            1002012,
        ),
        (
            format!("grant_type=client_credentials&client_id={ID}&{scope}"),
            401,
            "invalid_client",
            7000216,
        ),
        (
            format!("grant_type=client_credentials&client_id={ID}&client_secret=nope&{scope}"),
            401,
            "invalid_client",
            7000215,
        ),
    ] {
        let r = post(&body).await.expect("sent");
        assert_eq!(r.status().as_u16(), status, "{body}");
        let v: serde_json::Value = r.json().await.expect("json");
        assert_eq!(v["error"], error, "{body}");
        assert_eq!(v["error_codes"][0], code, "{body}");
        let description = v["error_description"].as_str().expect("a description");
        assert!(description.starts_with(&format!("AADSTS{code}: ")), "{description}");
    }
    // Hostile forms: each a 400 of Entra's shape, never a 5xx.
    for body in [
        "grant_type=client_credentials&client_id=%zz".to_owned(),
        format!("grant_type=client_credentials&{}", "x=y&".repeat(20_000)),
        "\u{0}\u{1}not a form at all".to_owned(),
    ] {
        let r = post(&body).await.expect("sent");
        assert_eq!(r.status(), 400);
        let v: serde_json::Value = r.json().await.expect("json");
        assert_eq!(v["error"], "invalid_request");
        assert_eq!(v["error_codes"][0], 900144);
    }
    let r = http
        .post(&url)
        .body("grant_type=client_credentials")
        .send()
        .await
        .expect("sent");
    assert_eq!(r.status(), 400, "a form without its content type");
    let r = http.get(&url).send().await.expect("sent");
    assert_eq!(r.status(), 405);
    let r = post(&format!(
        "grant_type=client_credentials&client_id={ID}&client_secret={secret}&{scope}"
    ))
    .await
    .expect("sent");
    assert_eq!(r.status(), 200);
    let v: serde_json::Value = r.json().await.expect("json");
    assert_eq!(v["token_type"], "Bearer");
    assert_eq!(v["expires_in"], 1);
    let token = v["access_token"].as_str().expect("a token").to_owned();
    let get = || {
        http.get(format!("{}/companies", running.base_url))
            .bearer_auth(&token)
            .send()
    };
    assert_eq!(get().await.expect("sent").status(), 200);
    tokio::time::sleep(Duration::from_millis(1_100)).await;
    let r = get().await.expect("sent");
    assert_eq!(r.status(), 401);
    let v: serde_json::Value = r.json().await.expect("an OData body");
    assert_eq!(v["error"]["code"], "Authentication_InvalidCredentials");
    assert!(
        v["error"]["message"].as_str().unwrap_or_default().contains("expired"),
        "{v}"
    );
    running.stop().await.expect("stop");
}

#[tokio::test]
async fn a_page_size_beyond_20000_is_capped_and_says_so() {
    let running = reference(3600, Throttle::default(), |r| r).await;
    let r = reqwest::Client::new()
        .get(format!("{}/companies", running.base_url))
        .bearer_auth(TOKEN)
        .header("Prefer", "odata.maxpagesize=50000")
        .send()
        .await
        .expect("sent");
    assert_eq!(r.status(), 200);
    assert_eq!(
        r.headers().get("preference-applied").and_then(|v| v.to_str().ok()),
        Some("odata.maxpagesize=20000")
    );
    running.stop().await.expect("stop");
}

/// As Python's `http.client` does: the whole body written, then the answer read.
fn patch_whole_then_read(addr: std::net::SocketAddr, path: &str, size: usize) -> String {
    let mut s = std::net::TcpStream::connect(addr).expect("connect");
    s.set_read_timeout(Some(Duration::from_secs(30))).expect("timeout");
    let head = format!(
        "PATCH {path} HTTP/1.1\r\nHost: t\r\nAuthorization: Bearer {TOKEN}\r\nIf-Match: *\r\nContent-Type: application/json\r\nContent-Length: {size}\r\n\r\n"
    );
    s.write_all(head.as_bytes()).expect("head");
    let chunk = vec![b' '; 1 << 20];
    let mut left = size;
    while left > 0 {
        let n = left.min(chunk.len());
        s.write_all(&chunk[..n]).expect("the whole body is taken");
        left -= n;
    }
    let mut answer = Vec::new();
    let _ = s.read_to_end(&mut answer);
    String::from_utf8_lossy(&answer).into_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn oversized_bodies_get_a_readable_413() {
    let running = reference(3600, Throttle::default(), |r| r).await;
    let company = running.store.companies().expect("companies")[0].id;
    let contact = running.store.contacts(company).expect("contacts")[0].id;
    let path = format!("/api/v2.0/companies({company})/customerContacts({contact})");
    let addr = running.addr;
    for size in [2 << 20, 64 << 20] {
        let path = path.clone();
        let answer = tokio::task::spawn_blocking(move || patch_whole_then_read(addr, &path, size))
            .await
            .expect("joined");
        assert!(
            answer.starts_with("HTTP/1.1 413"),
            "{size}: {}",
            &answer[..answer.len().min(300)]
        );
        let body = answer.split_once("\r\n\r\n").map(|(_, b)| b).unwrap_or_default();
        let v: serde_json::Value = serde_json::from_str(body).expect("an OData body");
        assert_eq!(v["error"]["code"], "Request_EntityTooLarge", "{size}");
    }
    running.stop().await.expect("stop");
}

/// The server stops answering once the write checks have begun: the run
/// ends within a few seconds of `--deadline`, having tried to put back
/// what it changed, and says so.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_server_that_stops_answering_ends_by_the_deadline() {
    let patched = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let flag = Arc::clone(&patched);
    let running = reference(3600, Throttle::default(), move |r| {
        r.layer(middleware::from_fn(move |req: Request, next: Next| {
            let flag = Arc::clone(&flag);
            async move {
                if req.method() == "PATCH" {
                    flag.store(true, std::sync::atomic::Ordering::SeqCst);
                }
                if flag.load(std::sync::atomic::Ordering::SeqCst) {
                    tokio::time::sleep(Duration::from_secs(3600)).await;
                }
                next.run(req).await.into_response()
            }
        }))
    })
    .await;
    let (out, elapsed) = bin(
        strings(&[
            "run",
            "--base-url",
            &running.base_url,
            "--token",
            TOKEN,
            "--allow-writes",
            "--deadline",
            "10",
            "--timeout",
            "60",
        ]),
        "",
    )
    .await;
    let all = text(&out);
    assert_eq!(out.status.code(), Some(2), "{all}");
    assert!(elapsed < Duration::from_secs(15), "took {elapsed:?}: {all}");
    assert!(all.contains("deadline of 10 s"), "{all}");
    assert!(
        all.contains("putting back the values changed") && all.contains("attempted"),
        "{all}"
    );
    assert!(
        patched.load(std::sync::atomic::Ordering::SeqCst),
        "the writes had begun"
    );
}

/// A server that echoes the token and the client's credentials back in
/// other letter cases and encodings: no report format keeps a trace.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn echoed_secrets_leave_no_trace_in_any_encoding() {
    let running = reference(3600, Throttle::default(), |r| {
        r.layer(middleware::from_fn(|req: Request, next: Next| async move {
            let auth = req
                .headers()
                .get("authorization")
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default()
                .to_owned();
            let token = auth.strip_prefix("Bearer ").unwrap_or_default().to_owned();
            if token.is_empty() {
                return next.run(req).await.into_response();
            }
            let mut q = openapi_client_runtime_query(&token);
            q.push_str(&format!(
                " {} {} {} {}",
                auth.to_ascii_lowercase(),
                token.to_ascii_uppercase(),
                serde_json::to_string(&token).unwrap_or_default(),
                serde_json::to_string(SECRET).unwrap_or_default()
            ));
            let body = serde_json::json!({"error": {"code": "Echo", "message": q}});
            let mut r = (axum::http::StatusCode::BAD_REQUEST, body.to_string()).into_response();
            if let Ok(v) = axum::http::HeaderValue::from_str(&auth.to_ascii_uppercase()) {
                r.headers_mut().insert("x-echo", v);
            }
            r
        }))
    })
    .await;
    let token_url = running.token_url(TENANT).expect("sign-in");
    let dir = tempfile::tempdir().expect("dir");
    let mut masked = 0;
    for format in ["human", "json", "junit"] {
        let report = dir.path().join(format!("report.{format}"));
        let (out, _) = bin(
            strings(&[
                "run",
                "--base-url",
                &running.base_url,
                "--client-id",
                ID,
                "--token-url",
                &token_url,
                "--format",
                format,
                "--output",
                report.to_str().expect("utf-8"),
            ]),
            SECRET,
        )
        .await;
        let shown =
            format!("{}{}", text(&out), std::fs::read_to_string(&report).unwrap_or_default()).to_ascii_lowercase();
        masked += shown.matches("***").count();
        assert!(!shown.contains("eyj0exaioijkv1qi."), "{format} shows a token: {shown}");
        for piece in [
            "cl13nt~s3cr3t",
            "cl13nt%7es3cr3t",
            "s3cr3t/with",
            "s3cr3t\\/with",
            "symbols=&",
        ] {
            assert!(!shown.contains(piece), "{format} shows `{piece}`");
        }
    }
    assert!(masked > 10, "nothing was masked, so nothing was tested");
    running.stop().await.expect("stop");
}

/// The token percent-encoded as a query value.
fn openapi_client_runtime_query(token: &str) -> String {
    token
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}
