//! Schemathesis, a generic OpenAPI testing tool, against the reference
//! server started in-process: every check, every phase (examples,
//! coverage, fuzzing, stateful through the spec's links), no failure; and
//! in the stateful phase a PATCH and a DELETE that succeed through the
//! links (the etag of a GET carried to `If-Match`). The spec and the server
//! must agree for that. Seeds are fixed, so a run is the same every time.
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

/// What one run gave: its exit status, its output, and for every case the
/// method, whether a link of the spec produced it, and the status it got.
struct Run {
    ok: bool,
    output: String,
    cases: Vec<(String, bool, u64)>,
}

/// Runs the tool with every check.
fn run(tool: &Path, base_url: &str, phases: &str, seed: u32, examples: u32, reports: &Path) -> Run {
    let out = Command::new(tool)
        .arg("--config-file")
        .arg(root().join("schemathesis.toml"))
        .arg("run")
        .arg(root().join("spec/customer-contacts.yaml"))
        .args(["--url", base_url])
        .args(["-H", &format!("Authorization: Bearer {TOKEN}")])
        .args(["--checks", "all", "--phases", phases])
        .args(["--max-examples", &examples.to_string(), "--seed", &seed.to_string()])
        // Strings in ASCII: the spec's patterns are ECMA-262, which has no
        // class for "a letter of any script" (see `primaryPhoneNumber`).
        .args(["--generation-codec", "ascii"])
        .args(["--report", "ndjson", "--report-dir"])
        .arg(reports)
        .current_dir(reports)
        .output()
        .expect("schemathesis runs");
    let mut cases = std::collections::HashMap::new();
    let mut statuses = std::collections::HashMap::new();
    for entry in std::fs::read_dir(reports).expect("reports").flatten() {
        let text = std::fs::read_to_string(entry.path()).unwrap_or_default();
        for line in text.lines() {
            if let Ok(event) = serde_json::from_str::<serde_json::Value>(line) {
                collect(&event, &mut cases, &mut statuses);
            }
        }
    }
    let output = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let cases = cases
        .into_iter()
        .filter_map(|(id, (method, by_link))| Some((method, by_link, *statuses.get(&id)?)))
        .collect();
    Run {
        ok: out.status.success(),
        output,
        cases,
    }
}

/// From the tool's report events: each case (by id) with its method and
/// whether a link produced it, and each recorded answer's status by case id.
fn collect(
    v: &serde_json::Value,
    cases: &mut std::collections::HashMap<String, (String, bool)>,
    statuses: &mut std::collections::HashMap<String, u64>,
) {
    match v {
        serde_json::Value::Object(m) => {
            if let (Some(case), Some(by_link)) = (m.get("value"), m.get("is_transition_applied")) {
                if let (Some(id), Some(method)) = (
                    case.get("id").and_then(|x| x.as_str()),
                    case.get("method").and_then(|x| x.as_str()),
                ) {
                    cases.insert(id.to_owned(), (method.to_owned(), by_link.as_bool() == Some(true)));
                }
            }
            for (key, x) in m {
                if let Some(status) = x
                    .get("response")
                    .and_then(|r| r.get("status_code"))
                    .and_then(|s| s.as_u64())
                    .filter(|_| x.get("request").is_some())
                {
                    statuses.insert(key.clone(), status);
                }
                collect(x, cases, statuses);
            }
        }
        serde_json::Value::Array(list) => list.iter().for_each(|x| collect(x, cases, statuses)),
        _ => {}
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn schemathesis_finds_nothing() {
    let Some(tool) = tool() else {
        eprintln!("note: schemathesis is not installed (set SCHEMATHESIS or run .ci/run); this test is skipped");
        return;
    };
    // A fresh server for each run: the first one deletes contacts.
    let start = || server::start("127.0.0.1:0".parse().expect("addr"), ServerConfig::new(TOKEN));
    let (first, second) = (start().await.expect("server"), start().await.expect("server"));
    let (a, b) = (first.base_url.clone(), second.base_url.clone());
    let (all, stateful) = tokio::task::spawn_blocking(move || {
        let all_reports = tempfile::tempdir().expect("tmp");
        let stateful_reports = tempfile::tempdir().expect("tmp");
        (
            run(
                &tool,
                &a,
                "examples,coverage,fuzzing,stateful",
                1,
                50,
                all_reports.path(),
            ),
            // A seed at which the stateful phase, in 100 steps, gets to a
            // PATCH and a DELETE through the links that succeed.
            run(&tool, &b, "stateful", 4, 100, stateful_reports.path()),
        )
    })
    .await
    .expect("runs");
    assert!(all.ok, "schemathesis found failures:\n{}", all.output);
    assert!(
        stateful.ok,
        "schemathesis found failures in the stateful phase:\n{}",
        stateful.output
    );
    let through_links = |method: &str, status: u64| {
        stateful
            .cases
            .iter()
            .any(|(m, by_link, s)| m == method && *by_link && *s == status)
    };
    assert!(
        through_links("PATCH", 200) && through_links("DELETE", 204),
        "no successful PATCH and DELETE through the spec's links: {:?}",
        stateful.cases
    );
}
