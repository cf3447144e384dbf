//! Schemathesis, a generic OpenAPI testing tool, against the reference
//! server started in-process: every check, every phase (examples,
//! coverage, fuzzing, stateful through the spec's links), no failure. The
//! spec and the server must agree for that. The seed is fixed, so a run is
//! the same run every time.
//!
//! The tool is found through `SCHEMATHESIS` (what `.ci/run` sets after
//! installing the pinned version in a virtual environment) or on `PATH`;
//! without it the test says so and passes, as the tests that read
//! `../shared` do.

use std::path::{Path, PathBuf};
use std::process::Command;

use bc_reference_server::{self as server, ServerConfig};

const TOKEN: &str = "schemathesis-token";

fn tool() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("SCHEMATHESIS") {
        return Some(PathBuf::from(p));
    }
    let found = Command::new("schemathesis").arg("--version").output().ok()?;
    found.status.success().then(|| PathBuf::from("schemathesis"))
}

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// Runs the tool with every check; returns its exit status, its output and
/// the (method, status) of every exchange it recorded.
fn run(tool: &Path, base_url: &str, phases: &str, reports: &Path) -> (bool, String, Vec<(String, u64)>) {
    let out = Command::new(tool)
        .arg("--config-file")
        .arg(root().join("schemathesis.toml"))
        .arg("run")
        .arg(root().join("spec/customer-contacts.yaml"))
        .args(["--url", base_url])
        .args(["-H", &format!("Authorization: Bearer {TOKEN}")])
        .args(["--checks", "all", "--phases", phases])
        .args(["--max-examples", "50", "--seed", "1"])
        // Strings in ASCII: the spec's patterns are ECMA-262, which has no
        // class for "a letter of any script" (see `primaryPhoneNumber`).
        .args(["--generation-codec", "ascii"])
        .args(["--report", "ndjson", "--report-dir"])
        .arg(reports)
        .current_dir(reports)
        .output()
        .expect("schemathesis runs");
    let mut exchanges = Vec::new();
    for entry in std::fs::read_dir(reports).expect("reports").flatten() {
        let text = std::fs::read_to_string(entry.path()).unwrap_or_default();
        for line in text.lines() {
            if let Ok(event) = serde_json::from_str::<serde_json::Value>(line) {
                collect(&event, &mut exchanges);
            }
        }
    }
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), text, exchanges)
}

fn collect(v: &serde_json::Value, out: &mut Vec<(String, u64)>) {
    match v {
        serde_json::Value::Object(m) => {
            if let (Some(req), Some(resp)) = (m.get("request"), m.get("response")) {
                if let (Some(method), Some(status)) = (
                    req.get("method").and_then(|x| x.as_str()),
                    resp.get("status_code").and_then(|x| x.as_u64()),
                ) {
                    out.push((method.to_owned(), status));
                }
            }
            m.values().for_each(|x| collect(x, out));
        }
        serde_json::Value::Array(list) => list.iter().for_each(|x| collect(x, out)),
        _ => {}
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn schemathesis_finds_nothing() {
    let Some(tool) = tool() else {
        eprintln!("note: schemathesis is not installed (set SCHEMATHESIS or run .ci/run); this test is skipped");
        return;
    };
    let s = server::start("127.0.0.1:0".parse().expect("addr"), ServerConfig::new(TOKEN))
        .await
        .expect("server");
    let base = s.base_url.clone();
    let (ok, output, exchanges) = tokio::task::spawn_blocking(move || {
        let reports = tempfile::tempdir().expect("tmp");
        run(&tool, &base, "examples,coverage,fuzzing,stateful", reports.path())
    })
    .await
    .expect("runs");
    assert!(ok, "schemathesis found failures:\n{output}");
    // The run did exercise the writes, successful ones included.
    let seen = |method: &str, status: u64| exchanges.iter().any(|(m, s)| m == method && *s == status);
    assert!(seen("PATCH", 200) && seen("DELETE", 204), "{exchanges:?}");
}
