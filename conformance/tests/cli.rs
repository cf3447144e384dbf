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
    assert!(text(&o).contains("`NOPE-9` is not a requirement"), "{}", text(&o));
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
