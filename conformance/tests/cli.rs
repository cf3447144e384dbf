//! The binary's exit codes and outputs: 0 conformant, 1 not conformant,
//! 2 the run could not be done; the token never printed.

use std::process::{Command, Output};
use std::sync::Arc;

use axum::Router;
use axum::extract::Request;
use axum::middleware::{self, Next};
use axum::response::IntoResponse;
use bc_reference_server::{self as server, ServerConfig, store::Store};

const TOKEN: &str = "cli-secret-token-42";

fn bin(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_bc-conformance"))
        .args(args)
        .env_remove("BC_TOKEN")
        .output()
        .expect("runs")
}

/// Runs the binary off the async threads, so the in-process server keeps serving.
async fn bin_async(args: Vec<String>, env_token: Option<&str>) -> Output {
    let env_token = env_token.map(str::to_owned);
    tokio::task::spawn_blocking(move || {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_bc-conformance"));
        cmd.args(&args).env_remove("BC_TOKEN");
        if let Some(t) = env_token {
            cmd.env("BC_TOKEN", t);
        }
        cmd.output().expect("runs")
    })
    .await
    .expect("joined")
}

async fn reference(layer: impl FnOnce(Router) -> Router) -> server::Running {
    let store = Arc::new(Store::open(None).expect("store"));
    server::start_with(
        "127.0.0.1:0".parse().expect("addr"),
        ServerConfig::new(TOKEN),
        store,
        layer,
    )
    .await
    .expect("server")
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

#[test]
fn bad_arguments_exit_2() {
    let o = bin(&["run"]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    let o = bin(&[
        "run",
        "--base-url",
        "http://127.0.0.1:1/api/v2.0",
        "--token",
        "t",
        "--only",
        "NOPE-9",
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        text(&o).contains("--only: `NOPE-9` is not a requirement of CONTRACT.md; its ids are AUTH-1, AUTH-2, REP-1,"),
        "{}",
        text(&o)
    );
    let o = bin(&["run", "--base-url", "ftp://x", "--token", "t"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o).contains("expected http or https"), "{}", text(&o));
}

#[test]
fn an_unreachable_server_exits_2() {
    let o = bin(&[
        "run",
        "--base-url",
        "http://127.0.0.1:1/api/v2.0",
        "--token",
        TOKEN,
        "--timeout",
        "2",
    ]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(text(&o).contains("unreachable"), "{}", text(&o));
    assert!(!text(&o).contains(TOKEN));
}

#[tokio::test]
async fn a_refused_token_exits_2() {
    let s = reference(|r| r).await;
    let o = bin_async(
        vec![
            "run".into(),
            "--base-url".into(),
            s.base_url.clone(),
            "--token".into(),
            "wrong-token".into(),
        ],
        None,
    )
    .await;
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(text(&o).contains("refused the token"), "{}", text(&o));
}

#[tokio::test]
async fn the_reference_server_exits_0_in_every_format() {
    let s = reference(|r| r).await;
    let base = vec![
        "run".to_owned(),
        "--base-url".into(),
        s.base_url.clone(),
        "--allow-writes".into(),
        "--allow-delete".into(),
        "--strict".into(),
    ];
    let o = bin_async(base.clone(), Some(TOKEN)).await;
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert!(
        text(&o).contains("39 passed, 0 failed, 0 warned, 0 skipped"),
        "{}",
        text(&o)
    );
    assert!(!text(&o).contains(TOKEN), "the token was printed");

    let mut json = base.clone();
    json.extend(["--format".into(), "json".into()]);
    let o = bin_async(json, Some(TOKEN)).await;
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("JSON report");
    assert_eq!(v["conformant"], true);
    assert_eq!(v["requirements"].as_array().map(Vec::len), Some(39));

    let dir = tempfile::tempdir().expect("tmp");
    let file = dir.path().join("report.xml");
    let mut junit = base;
    junit.extend([
        "--format".into(),
        "junit".into(),
        "--output".into(),
        file.display().to_string(),
    ]);
    let o = bin_async(junit, Some(TOKEN)).await;
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let xml = std::fs::read_to_string(&file).expect("report written");
    assert!(
        xml.starts_with("<?xml")
            && xml.contains("<testsuites name=\"bc-conformance\"")
            && xml.contains("failures=\"0\""),
        "{xml}"
    );
}

#[tokio::test]
async fn read_only_by_default_with_skips_that_name_the_flag() {
    let s = reference(|r| r).await;
    let o = bin_async(
        vec![
            "run".into(),
            "--base-url".into(),
            s.base_url.clone(),
            "--token".into(),
            TOKEN.into(),
            "--format".into(),
            "json".into(),
        ],
        None,
    )
    .await;
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("JSON report");
    let skipped: Vec<&serde_json::Value> = v["requirements"]
        .as_array()
        .expect("list")
        .iter()
        .filter(|r| r["verdict"] == "skipped")
        .collect();
    assert_eq!(skipped.len(), 20, "15 write and 5 delete requirements");
    for r in skipped {
        let reason = r["checks"][0]["reason"].as_str().unwrap_or("");
        assert!(
            reason.contains("--allow-writes") || reason.contains("--allow-delete"),
            "{r}"
        );
    }
}

#[tokio::test]
async fn a_broken_server_exits_1_and_shows_the_failure() {
    let s = reference(|r| {
        r.layer(middleware::from_fn(|req: Request, next: Next| async move {
            if req.method() == axum::http::Method::POST {
                return (axum::http::StatusCode::OK, "{}").into_response();
            }
            next.run(req).await
        }))
    })
    .await;
    let o = bin_async(
        vec![
            "run".into(),
            "--base-url".into(),
            s.base_url.clone(),
            "--allow-writes".into(),
        ],
        Some(TOKEN),
    )
    .await;
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    let out = text(&o);
    assert!(out.contains("failure METH-1 (MUST)"), "{out}");
    assert!(out.contains("expected: a 4xx (405 expected)"), "{out}");
    assert!(out.contains("reproduce: curl -i -X POST"), "{out}");
    assert!(out.contains("Authorization: Bearer $BC_TOKEN"), "{out}");
    assert!(!out.contains(TOKEN), "the token was printed");
}

/// SIGTERM in the middle of the write checks: the binary puts the values
/// back, says so, reports, and exits 130.
#[cfg(unix)]
#[tokio::test]
async fn sigterm_during_writes_restores_and_exits_130() {
    let store = Arc::new(Store::open(None).expect("store"));
    let john = bc_reference_server::store::JOHN_SMITH_ID;
    let company = bc_reference_server::store::COMPANY_ID;
    let before = store.contact(company, john).expect("read").expect("john");
    let written = Arc::new(tokio::sync::Notify::new());
    let seen = written.clone();
    let s = server::start_with(
        "127.0.0.1:0".parse().expect("addr"),
        ServerConfig::new(TOKEN),
        store.clone(),
        move |r: Router| {
            r.layer(middleware::from_fn(move |req: Request, next: Next| {
                let seen = seen.clone();
                async move {
                    let patch = req.method() == axum::http::Method::PATCH;
                    let r = next.run(req).await;
                    if patch && r.status().is_success() {
                        // Hold every successful write long enough for the
                        // signal to land while the contact is changed.
                        seen.notify_one();
                        tokio::time::sleep(std::time::Duration::from_millis(300)).await;
                    }
                    r
                }
            }))
        },
    )
    .await
    .expect("server");
    let child = Command::new(env!("CARGO_BIN_EXE_bc-conformance"))
        .args(["run", "--base-url", &s.base_url, "--allow-writes", "--format", "json"])
        .env("BC_TOKEN", TOKEN)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("spawn");
    let pid = child.id().to_string();
    tokio::time::timeout(std::time::Duration::from_secs(30), written.notified())
        .await
        .expect("a write happened");
    let killed = Command::new("kill").args(["-TERM", &pid]).status().expect("kill");
    assert!(killed.success());
    let o = tokio::task::spawn_blocking(move || child.wait_with_output().expect("wait"))
        .await
        .expect("joined");
    let out = text(&o);
    assert_eq!(o.status.code(), Some(130), "{out}");
    assert!(out.contains("was put back"), "{out}");
    let report: serde_json::Value =
        serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("a JSON report ({e}): {out}"));
    assert_eq!(report["interrupted"]["by"], "stopped", "{out}");
    let after = store.contact(company, john).expect("read").expect("john");
    assert!(
        after.same_values(&before),
        "{after:?}
was
{before:?}"
    );
    assert!(!out.contains(TOKEN));
}

/// The peak resident memory of a process, in KiB, sampled from /proc until
/// it exits.
#[cfg(target_os = "linux")]
fn peak_rss_kib(child: &mut std::process::Child) -> u64 {
    let status = format!("/proc/{}/status", child.id());
    let mut peak = 0;
    loop {
        if let Ok(text) = std::fs::read_to_string(&status) {
            if let Some(kib) = text
                .lines()
                .find_map(|l| l.strip_prefix("VmHWM:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
            {
                peak = peak.max(kib);
            }
        }
        if child.try_wait().ok().flatten().is_some() {
            return peak;
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
}

/// A server whose list is one 8 MiB page: the suite reads it entity by
/// entity, so its memory stays a small multiple of the page (it once built
/// several whole copies of it, over 25 times its size).
#[cfg(target_os = "linux")]
#[tokio::test]
async fn a_large_page_is_read_in_bounded_memory() {
    use axum::http::{StatusCode, header};
    let mut page = String::from(r#"{"@odata.context":"x","value":["#);
    let mut n = 0u64;
    while page.len() < 8 * 1024 * 1024 {
        if n > 0 {
            page.push(',');
        }
        page.push_str(&format!(
            r#"{{"@odata.etag":"W/\"1\"","id":"00000000-0000-4000-8000-{n:012x}","email":"a@b.co","firstName":"Ann","lastName":"Lee","professionalTitle":"Buyer","customerId":"00000000-0000-4000-9000-000000000001","customerName":"Contoso","primaryPhoneNumber":"1"}}"#
        ));
        n += 1;
    }
    page.push_str("]}");
    let page = bytes::Bytes::from(page);
    let size = page.len() as u64;
    let app = Router::new().fallback(move |req: Request| {
        let page = page.clone();
        async move {
            let path = req.uri().path();
            let json = [(header::CONTENT_TYPE, "application/json")];
            if path.ends_with("/companies") {
                let body = r#"{"@odata.context":"x","value":[{"@odata.etag":"W/\"1\"","id":"5d115c9c-44e3-ea11-bb43-000d3a2feca1","name":"C","displayName":"C"}]}"#;
                (StatusCode::OK, json, bytes::Bytes::from_static(body.as_bytes())).into_response()
            } else if path.ends_with("/customerContacts") {
                (StatusCode::OK, json, page).into_response()
            } else {
                let body = r#"{"error":{"code":"NotFound","message":"no"}}"#;
                (StatusCode::NOT_FOUND, json, bytes::Bytes::from_static(body.as_bytes())).into_response()
            }
        }
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move { axum::serve(listener, app).await });
    let base = format!("http://{addr}/api/v2.0");
    let (peak, code) = tokio::task::spawn_blocking(move || {
        let mut child = Command::new(env!("CARGO_BIN_EXE_bc-conformance"))
            .args(["run", "--base-url", &base, "--format", "json", "--timeout", "60"])
            .env("BC_TOKEN", TOKEN)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("spawn");
        let peak = peak_rss_kib(&mut child);
        (peak, child.wait().expect("wait").code())
    })
    .await
    .expect("joined");
    assert_eq!(code, Some(1), "the run ends with a verdict");
    let peak_bytes = peak * 1024;
    println!("peak RSS {} MiB for a page of {} MiB", peak_bytes >> 20, size >> 20);
    assert!(
        peak_bytes < 16 * size,
        "peak RSS {} MiB for a page of {} MiB",
        peak_bytes >> 20,
        size >> 20
    );
}
