//! Every real-world sample spec against Stoplight's Prism, a mock server
//! that serves the spec's examples and validates every request against the
//! spec: the client generated from each spec calls every operation (with
//! values made from the spec's examples and schemas) through a recording
//! proxy, Prism must accept every request, and every documented response
//! (errors too, asked for with `Prefer: code=…`) must decode and encode
//! again without losing a declared member.
//!
//! Prism is an npm package: `.ci/run` installs it into `target/prism`;
//! `$PRISM` names another. Where it is missing, or the sample specs are,
//! the test says so and passes.

#[path = "support/cargo.rs"]
mod cargo;
#[path = "support/emitted.rs"]
mod support;

#[path = "support/specs.rs"]
#[allow(dead_code)]
mod specs;

use std::collections::BTreeSet;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Map, Value};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// Prism's command: `$PRISM`, or the copy `.ci/run` installs.
fn prism() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("PRISM").filter(|p| !p.is_empty()) {
        return Some(PathBuf::from(p));
    }
    let local = root().join("target/prism/node_modules/.bin/prism");
    local.exists().then_some(local)
}

/// A spec of the samples: its path, a crate name, whether it needs
/// `--lenient`.
struct Sample {
    path: PathBuf,
    name: String,
}

fn samples() -> Vec<Sample> {
    let mut out = Vec::new();
    for (folder, prefix) in [
        ("realworld", "realworld"),
        ("realworld-3.1", "realworld31"),
        ("realworld-2.0", "realworld20"),
    ] {
        for path in specs::sample_folder(&root(), folder) {
            let stem = path
                .file_stem()
                .and_then(|n| n.to_str())
                .expect("stem")
                .replace(['_', '.'], "-");
            out.push(Sample {
                name: format!("prism-{prefix}-{stem}"),
                path,
            });
        }
    }
    let hatchet = specs::sample_specs(&root()).join("realworld-multifile/hatchet/openapi/openapi.yaml");
    if hatchet.exists() {
        out.push(Sample {
            path: hatchet,
            name: "prism-realworld-multifile-hatchet".to_owned(),
        });
    }
    out
}

#[test]
fn every_real_world_client_against_prism() {
    let Some(prism) = prism() else {
        eprintln!("note: Prism is not installed (`.ci/run` installs it into target/prism, or set $PRISM); skipped");
        return;
    };
    let samples = samples();
    if samples.is_empty() {
        eprintln!("note: the sample specs are absent; skipped");
        return;
    }
    let only = std::env::var("PRISM_ONLY").unwrap_or_default();
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("prism");
    std::fs::create_dir_all(&dir).expect("dir");
    let mut members = Vec::new();
    let mut exercised = Vec::new();
    for s in samples.iter().filter(|s| only.is_empty() || s.name.contains(&only)) {
        if write_exercise(&dir, s) == 0 {
            // Webhooks only: nothing a client calls.
            eprintln!("note: {} has no operation a client calls; skipped", s.name);
            continue;
        }
        members.push(s.name.clone());
        exercised.push(s);
    }
    let list: Vec<String> = members.iter().map(|m| format!("\"{m}\"")).collect();
    std::fs::write(
        dir.join("Cargo.toml"),
        format!("[workspace]\nresolver = \"3\"\nmembers = [{}]\n", list.join(", ")),
    )
    .expect("workspace");
    std::fs::copy(root().join("Cargo.lock"), dir.join("Cargo.lock")).expect("lock");
    let target = root().join("target/codegen-compile");
    // Every crate's test built first, in one cargo run.
    let build = cargo::cargo(&dir, &target)
        .args(["test", "--workspace", "--offline", "--quiet", "--no-run"])
        .output()
        .expect("cargo runs");
    assert!(
        build.status.success(),
        "the exercise tests do not build:\n{}",
        String::from_utf8_lossy(&build.stderr)
            .chars()
            .take(20_000)
            .collect::<String>()
    );
    let known = known_gaps();
    let mut seen: BTreeSet<(String, String)> = BTreeSet::new();
    let mut problems = Vec::new();
    let mut record = String::new();
    for s in exercised {
        match run_against_prism(&prism, &dir, &target, s) {
            Ok(failed) => {
                for (what, why) in failed {
                    record.push_str(&format!(
                        "{}\t{what}\t{}\n",
                        s.name,
                        why.chars().take(400).collect::<String>()
                    ));
                    let key = (s.name.clone(), what.clone());
                    if !known.contains(&key) {
                        problems.push(format!("{}: {what}: {why}", s.name));
                    }
                    seen.insert(key);
                }
            }
            Err(e) => problems.push(e),
        }
    }
    for (krate, what) in &known {
        let ran = samples
            .iter()
            .any(|s| &s.name == krate && (only.is_empty() || s.name.contains(&only)));
        if ran && !seen.contains(&(krate.clone(), what.clone())) {
            problems.push(format!(
                "{krate}: {what} works now: take it off codegen/tests/prism-known-gaps.tsv (PRISM_RECORD=1 rewrites the list)"
            ));
        }
    }
    if std::env::var_os("PRISM_RECORD").is_some() && only.is_empty() {
        let head = "# Calls of the real-world clients that Prism's test still finds wrong: crate, call, why (its first 400 characters).\n# codegen/tests/prism.rs fails on any call not listed here, and on any listed call that works now.\n";
        std::fs::write(
            root().join("codegen/tests/prism-known-gaps.tsv"),
            format!("{head}{record}"),
        )
        .expect("record");
    }
    assert!(
        problems.is_empty(),
        "{} problem(s):\n{}",
        problems.len(),
        problems.join("\n")
    );
}

/// The calls known to fail, as (crate, call) from
/// `prism-known-gaps.tsv`: each one a gap of the generator, Prism or the
/// spec that is still open.
fn known_gaps() -> BTreeSet<(String, String)> {
    let text = std::fs::read_to_string(root().join("codegen/tests/prism-known-gaps.tsv")).unwrap_or_default();
    text.lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .filter_map(|l| {
            let mut parts = l.split('\t');
            Some((parts.next()?.to_owned(), parts.next()?.to_owned()))
        })
        .collect()
}

/// Prism serving one spec, stopped when dropped.
struct Mock(Child);

impl Drop for Mock {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn start_prism(prism: &Path, spec: &Path) -> Result<(Mock, String), String> {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map_err(|e| e.to_string())?
        .port();
    let mut child = Command::new(prism)
        .args([
            "mock",
            "--host",
            "127.0.0.1",
            "-p",
            &port.to_string(),
            "--errors",
            "--seed",
            "23",
        ])
        .arg(spec)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot start Prism: {e}"))?;
    let stdout = child.stdout.take().ok_or("no stdout")?;
    let mock = Mock(child);
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut seen = String::new();
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if line.contains("Prism is listening") {
                let _ = tx.send(Ok(()));
            } else if line.contains("error") || line.contains("Error") {
                seen.push_str(&line);
                seen.push('\n');
            }
        }
        let _ = tx.send(Err(seen));
    });
    match rx.recv_timeout(Duration::from_secs(240)) {
        Ok(Ok(())) => Ok((mock, format!("http://127.0.0.1:{port}"))),
        Ok(Err(seen)) => Err(format!("Prism stopped before it listened:\n{seen}")),
        Err(_) => Err("Prism did not listen within 240 s".to_owned()),
    }
}

/// Runs the exercise of `s` against Prism: the calls that failed, as
/// (call, why); `Err` when the exercise did not run to its end.
fn run_against_prism(prism: &Path, dir: &Path, target: &Path, s: &Sample) -> Result<Vec<(String, String)>, String> {
    let started = Instant::now();
    let (config, reading_doc) = reading(s);
    let spec = if config.lenient {
        // Its authors erred where `--lenient` reads them as meant: Prism
        // serves that reading too, not the mistakes.
        eprintln!(
            "note: {}: the spec needs --lenient; Prism serves the generator's 3.0 reading of it",
            s.name
        );
        let doc = dir.join(format!("{}.openapi.json", s.name));
        std::fs::write(
            &doc,
            serde_json::to_string(&for_prism(reading_doc.clone())).expect("json"),
        )
        .expect("write");
        doc
    } else {
        prism_spec(dir, s)
    };
    let (mock, url) = match start_prism(prism, &spec) {
        Ok(m) => m,
        Err(e) => {
            // Prism cannot read some specs as written (3.1's `$id`
            // references it takes for file names): it gets the document as
            // the generator reads it, 3.0 with every reference local.
            eprintln!(
                "note: {}: Prism cannot read the spec as written ({}); it serves the generator's 3.0 reading of it",
                s.name,
                e.lines().last().unwrap_or_default().trim()
            );
            let doc = dir.join(format!("{}.openapi.json", s.name));
            std::fs::write(
                &doc,
                serde_json::to_string(&for_prism(reading_doc.clone())).expect("json"),
            )
            .expect("write");
            start_prism(prism, &doc).map_err(|e| format!("{}: {e}", s.name))?
        }
    };
    let out = cargo::cargo(dir, target)
        .env("PRISM_URL", &url)
        .args([
            "test",
            "--offline",
            "--quiet",
            "-p",
            &s.name,
            "--test",
            "exercise",
            "--",
            "--nocapture",
        ])
        .output()
        .expect("cargo runs");
    drop(mock);
    let stderr = String::from_utf8_lossy(&out.stderr);
    let summary = stderr.lines().find(|l| l.contains(" calls, ")).unwrap_or("").to_owned();
    let failed: Vec<(String, String)> = stderr
        .lines()
        .filter_map(|l| l.strip_prefix("FAIL\t"))
        .map(|l| match l.split_once(": ") {
            Some((what, why)) => (what.to_owned(), why.to_owned()),
            None => (l.to_owned(), String::new()),
        })
        .collect();
    let evidence: Vec<Value> = stderr
        .lines()
        .filter_map(|l| l.strip_prefix("JUDGE\t"))
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect();
    let ran_to_end = out.status.success() || (!summary.is_empty() && !failed.is_empty());
    let (failed, excused) = judge(failed, &evidence, &reading_doc);
    eprintln!(
        "{summary}; {} more excused by an independent validator ({:.1} s)",
        excused.len(),
        started.elapsed().as_secs_f64()
    );
    for e in excused.iter().take(8) {
        eprintln!("  note: {e}");
    }
    if ran_to_end {
        Ok(failed)
    } else {
        Err(format!(
            "{}:\n{}{}",
            s.name,
            String::from_utf8_lossy(&out.stdout)
                .chars()
                .take(20_000)
                .collect::<String>(),
            stderr.chars().take(20_000).collect::<String>()
        ))
    }
}

/// The failures where Prism and the client disagree about a value, judged
/// by a validator that is neither's: the `jsonschema` crate, through
/// `bc-spec`'s reading of OpenAPI 3.0 schemas as JSON Schema, on the spec
/// as the generator reads it. An answer that breaks its schema is the
/// spec's example or Prism's making at fault, and a request that keeps to
/// its schema is Prism's mistake: both are excused (returned second, with
/// why); a request the validator rejects too stays a failure, with the
/// validator's reasons added.
fn judge(failed: Vec<(String, String)>, evidence: &[Value], doc: &Value) -> (Vec<(String, String)>, Vec<String>) {
    if evidence.is_empty() {
        return (failed, Vec::new());
    }
    // `readOnly` properties need not be sent, `writeOnly` ones need not be
    // answered, whatever `required` says (OpenAPI 3.0): one reading of the
    // spec for each way.
    let reading = |hidden: &str| {
        let mut d = doc.clone();
        drop_required(&mut d, hidden, doc, 0);
        bc_spec::Spec::from_document(d)
    };
    let (requests, answers) = (reading("readOnly"), reading("writeOnly"));
    let mut kept = Vec::new();
    let mut excused = Vec::new();
    for (what, why) in failed {
        let Some(e) = evidence
            .iter()
            .find(|e| e.get("what").and_then(Value::as_str) == Some(what.as_str()))
        else {
            kept.push((what, why));
            continue;
        };
        let request = e.get("direction").and_then(Value::as_str) == Some("request");
        // An answer is judged by the schema of the response it is: one of
        // the status asked for.
        let status = e.get("status").and_then(Value::as_u64).unwrap_or_default();
        if !request && !answers_as(&what, status) {
            kept.push((what, why));
            continue;
        }
        let spec = if request { &requests } else { &answers };
        let errors = e
            .get("pointer")
            .and_then(Value::as_str)
            .and_then(|p| spec.document().pointer(p))
            .and_then(|schema| spec.validator(schema).ok())
            .map(|v| v.errors(e.get("value").unwrap_or(&Value::Null)));
        match (errors, request) {
            (Some(errors), true) if errors.is_empty() => {
                excused.push(format!("{what}: Prism rejects a request that keeps to the spec"));
            }
            (Some(errors), true) => {
                let why = format!("{why}; the independent validator agrees: {}", first(&errors));
                kept.push((what, why));
            }
            (Some(errors), false) if !errors.is_empty() => {
                excused.push(format!("{what}: the answer breaks the spec: {}", first(&errors)));
            }
            _ => kept.push((what, why)),
        }
    }
    (kept, excused)
}

/// Whether an answer of `status` is the documented response the call
/// (`… → 200`, `… → 4XX`, `… → default`) asked for.
fn answers_as(what: &str, status: u64) -> bool {
    match what.rsplit("→ ").next().unwrap_or_default() {
        "default" => true,
        r if r.len() == 3 && r.ends_with("XX") => r[..1].parse::<u64>().is_ok_and(|n| status / 100 == n),
        code => code.parse::<u64>().is_ok_and(|c| c == status),
    }
}

/// The first few of a validator's errors, on one line.
fn first(errors: &[String]) -> String {
    errors
        .iter()
        .take(3)
        .cloned()
        .collect::<Vec<_>>()
        .join("; ")
        .replace(['\n', '\r'], " ")
}

/// Takes out of every `required` list the properties marked `hidden`
/// (`readOnly` or `writeOnly`), directly or through a `$ref`, declared
/// beside the list or in any member of the `allOf` it sits in.
fn drop_required(v: &mut Value, hidden: &str, doc: &Value, depth: usize) {
    if depth > 256 {
        return;
    }
    match v {
        Value::Object(m) => {
            let mut marked = Vec::new();
            hidden_properties(m, hidden, doc, 0, &mut marked);
            let retain = |required: &mut Value| {
                if let Value::Array(list) = required {
                    list.retain(|r| !r.as_str().is_some_and(|r| marked.iter().any(|k| k == r)));
                }
            };
            if let Some(required) = m.get_mut("required") {
                retain(required);
            }
            // An inline member of the `allOf` that lists a property
            // another member declares.
            if let Some(Value::Array(members)) = m.get_mut("allOf") {
                for member in members.iter_mut() {
                    if let Some(required) = member.get_mut("required") {
                        retain(required);
                    }
                }
            }
            for (k, child) in m.iter_mut() {
                if k != "example" && k != "examples" {
                    drop_required(child, hidden, doc, depth + 1);
                }
            }
        }
        Value::Array(a) => {
            for child in a {
                drop_required(child, hidden, doc, depth + 1);
            }
        }
        _ => {}
    }
}

/// The properties marked `hidden` of an object schema and of its `allOf`
/// members, through `$ref`s.
fn hidden_properties(m: &Map<String, Value>, hidden: &str, doc: &Value, depth: usize, out: &mut Vec<String>) {
    if depth > 16 {
        return;
    }
    if let Some(props) = m.get("properties").and_then(Value::as_object) {
        for (k, s) in props {
            if resolve(s, doc).is_some_and(|s| s.get(hidden) == Some(&Value::Bool(true))) {
                out.push(k.clone());
            }
        }
    }
    for member in m.get("allOf").and_then(Value::as_array).into_iter().flatten() {
        if let Some(Value::Object(member)) = resolve(member, doc) {
            hidden_properties(member, hidden, doc, depth + 1, out);
        }
    }
}

/// The generator's reading without Azure's `x-ms-examples`, whose `$ref`s
/// name example files Prism would try to open.
fn for_prism(mut doc: Value) -> Value {
    let mut stack = vec![&mut doc];
    while let Some(v) = stack.pop() {
        match v {
            Value::Object(m) => {
                m.remove("x-ms-examples");
                stack.extend(m.values_mut());
            }
            Value::Array(a) => stack.extend(a.iter_mut()),
            _ => {}
        }
    }
    doc
}

/// The spec Prism serves: the file as written, except that a Swagger 2.0
/// spec that says nothing of `consumes` gets `application/json`, as the
/// generator reads it (Prism otherwise refuses every body with 415).
fn prism_spec(dir: &Path, s: &Sample) -> PathBuf {
    let text = std::fs::read_to_string(&s.path).expect("spec");
    let Ok(Value::Object(mut doc)) = (if text.trim_start().starts_with('{') {
        serde_json::from_str::<Value>(&text).map_err(|e| e.to_string())
    } else {
        serde_yaml::from_str::<Value>(&text).map_err(|e| e.to_string())
    }) else {
        return s.path.clone();
    };
    if doc.get("swagger").is_none() || doc.contains_key("consumes") {
        return s.path.clone();
    }
    doc.insert("consumes".to_owned(), serde_json::json!(["application/json"]));
    let path = dir.join(format!("{}.swagger.json", s.name));
    std::fs::write(&path, serde_json::to_string(&doc).expect("json")).expect("write");
    path
}

/// The generator's configuration for `s` (lenient where its authors erred)
/// and the document as it reads it.
fn reading(s: &Sample) -> (codegen::Config, Value) {
    let text = std::fs::read_to_string(&s.path).expect("spec");
    let folder = support::Folder(s.path.parent().expect("folder").to_path_buf());
    let file = s.path.file_name().and_then(|n| n.to_str()).expect("name").to_owned();
    let mut config = codegen::Config::new(&s.name, &file);
    config.command = "cargo test -p codegen --test prism".to_owned();
    if codegen::generate_with_files(&text, &folder, &config).is_err() {
        config.lenient = true;
    }
    let doc = codegen::testing::document(&text, &folder, &config).expect("document");
    (config, doc)
}

/// Generates the crate of `s` and writes its exercise test; how many
/// operations it calls.
fn write_exercise(dir: &Path, s: &Sample) -> usize {
    let text = std::fs::read_to_string(&s.path).expect("spec");
    let folder = support::Folder(s.path.parent().expect("folder").to_path_buf());
    let (config, doc) = reading(s);
    let output = codegen::generate_with_files(&text, &folder, &config)
        .unwrap_or_else(|d| panic!("{} does not generate:\n{d}", s.name));
    let ops = codegen::testing::operations(&text, &folder, &config).expect("operations");
    let crate_dir = dir.join(&s.name);
    let _ = std::fs::remove_dir_all(&crate_dir);
    for f in &output.files {
        let path = crate_dir.join(&f.path);
        std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
        std::fs::write(&path, &f.contents).expect("write");
    }
    let manifest = crate_dir.join("Cargo.toml");
    let mut m = std::fs::read_to_string(&manifest).expect("manifest");
    let axum = "axum = { version = \"0.8\", default-features = false, features = [\"http1\", \"tokio\"] }\n";
    if !m.contains("[dev-dependencies]") {
        m.push_str("\n[dev-dependencies]\ntokio = { version = \"1\", features = [\"rt-multi-thread\", \"macros\"] }\n");
    }
    m = m.replace("[dev-dependencies]\n", &format!("[dev-dependencies]\n{axum}"));
    std::fs::write(&manifest, m).expect("manifest");
    std::fs::create_dir_all(crate_dir.join("tests")).expect("tests");
    let source = exercise_source(&s.name, &ops, &doc);
    std::fs::write(crate_dir.join("tests/exercise.rs"), source).expect("test");
    std::fs::write(
        crate_dir.join("tests/doc.json"),
        serde_json::to_string(&doc).expect("json"),
    )
    .expect("doc");
    ops.len()
}

/// A Rust raw string literal of `text`.
fn raw(text: &str) -> String {
    let mut hashes = "#".to_owned();
    while text.contains(&format!("\"{hashes}")) {
        hashes.push('#');
    }
    format!("r{hashes}\"{text}\"{hashes}")
}

/// The exercise test of one crate: every operation called once per
/// documented response, each checked by the support code.
fn exercise_source(name: &str, ops: &[codegen::testing::Operation], doc: &Value) -> String {
    let krate = name.replace('-', "_");
    let mut out = String::new();
    out.push_str("#![allow(clippy::all, unused, deprecated)]\n");
    out.push_str(include_str!("crate_tests/exercise_support.rs"));
    // One small function per operation: a single function of thousands of
    // awaits is a state machine rustc takes gigabytes to compile.
    let mut main = format!(
        "\n#[tokio::test(flavor = \"multi_thread\", worker_threads = 2)]\nasync fn every_operation() {{\n    let proxy = support::Proxy::start(std::env::var(\"PRISM_URL\").expect(\"PRISM_URL\")).await;\n    let client = {krate}::Client::builder(&proxy.url).retry({krate}::RetryPolicy::none()).build().expect(\"client\");\n    let mut report = support::Report::default();\n"
    );
    for (index, op) in ops.iter().enumerate() {
        let Some(item) = doc.pointer(&format!("/paths/{}", escape(&op.path))) else {
            continue;
        };
        let Some(spec_op) = item.get(op.http_method.to_ascii_lowercase()) else {
            continue;
        };
        let Some((lets, call)) = call_text(&krate, op, item, spec_op, doc) else {
            main.push_str(&format!(
                "    report.failures.push(String::from({}));\n",
                raw(&format!(
                    "{} {} → arguments: the test cannot make a value for them",
                    op.http_method, op.path
                ))
            ));
            continue;
        };
        let auth = auth_text(op, doc);
        main.push_str(&format!(
            "    Box::pin(op_{index}(&client, &proxy, &mut report)).await;\n"
        ));
        out.push_str(&format!(
            "\nasync fn op_{index}(client: &{krate}::Client, proxy: &support::Proxy, report: &mut support::Report) {{\n"
        ));
        out.push_str(&lets);
        out.push_str(&format!("    proxy.auth(&[{auth}]);\n"));
        let outcomes: Vec<(&codegen::testing::Outcome, bool)> = op
            .success
            .iter()
            .map(|o| (o, true))
            .chain(op.errors.iter().map(|o| (o, false)))
            .collect();
        let several_successes = op.success.len() > 1;
        let request = request_schema(op, spec_op, doc);
        for (o, ok) in outcomes {
            if o.status.starts_with('3') {
                // The HTTP client follows a redirect, as users want of a
                // download; the documented 3xx is not what it returns.
                continue;
            }
            let code = match o.status.as_str() {
                "default" => "500".to_owned(),
                s if s.ends_with("XX") => format!("{}00", &s[..1]),
                s => s.to_owned(),
            };
            let schema = response_schema(&op.path, &op.http_method, spec_op, &o.status, doc);
            let what = format!("{} {} → {}", op.http_method, op.path, o.status);
            let decoded = if ok {
                let body = if several_successes {
                    let resp = format!("{krate}::operations::{}", response_enum(op));
                    match o.body {
                        "json" => format!(
                            "match r.body {{ {resp}::{}(b) => Ok(serde_json::to_value(&b).ok()), _ => Err(\"another success variant\".to_owned()) }}",
                            o.variant
                        ),
                        "text" => format!(
                            "match r.body {{ {resp}::{}(b) => Ok(Some(serde_json::Value::String(b))), _ => Err(\"another success variant\".to_owned()) }}",
                            o.variant
                        ),
                        "empty" => format!(
                            "match r.body {{ {resp}::{} => Ok(None), _ => Err(\"another success variant\".to_owned()) }}",
                            o.variant
                        ),
                        _ => format!(
                            "match r.body {{ {resp}::{}(_) => Ok(None), _ => Err(\"another success variant\".to_owned()) }}",
                            o.variant
                        ),
                    }
                } else {
                    match o.body {
                        "json" => "Ok(serde_json::to_value(&r.body).ok())".to_owned(),
                        "text" => "Ok(Some(serde_json::Value::String(r.body.clone())))".to_owned(),
                        _ => "Ok(None)".to_owned(),
                    }
                };
                format!(
                    "match {call}.send().await {{ Ok(r) => {body}, Err(e) => Err(format!(\"{{e:?}}\").chars().take(600).collect()) }}"
                )
            } else {
                let err = &op.error_enum;
                let arm = match o.body {
                    "json" => format!("{err}::{}(b) => Ok(serde_json::to_value(&b).ok())", o.variant),
                    "text" => format!("{err}::{}(b) => Ok(Some(serde_json::Value::String(b)))", o.variant),
                    "empty" => format!("{err}::{} => Ok(None)", o.variant),
                    _ => format!("{err}::{}(_) => Ok(None)", o.variant),
                };
                let others = if op.errors.len() > 1 {
                    ", other => Err(format!(\"decoded as {other:?}\"))"
                } else {
                    ""
                };
                format!(
                    "match {call}.send().await {{ Err({krate}::Error::Api(e)) => match e.body {{ {arm}{others} }}, other => Err(format!(\"expected the documented error, got {{other:?}}\").chars().take(600).collect()) }}"
                )
            };
            // The one success is what Prism answers unasked (a range such
            // as `2XX` is no code to ask for).
            let prefer = if ok && !several_successes {
                "None".to_owned()
            } else {
                format!("Some({})", raw(&code))
            };
            out.push_str(&format!(
                "    proxy.prefer({prefer});\n    let decoded: Result<Option<serde_json::Value>, String> = {decoded};\n    report.check({}, &proxy, decoded, {}, {});\n",
                raw(&what),
                raw(&schema),
                raw(&request)
            ));
        }
        out.push_str("}\n");
    }
    out.push_str(&main);
    out.push_str(&format!("    report.finish({});\n}}\n", raw(name)));
    out
}

/// The operation's success enum, as `operations::…Response`: the builder's
/// name (the method in upper camel case, as the generator names it) is
/// not in the summary, so it is read back from the error enum's name.
fn response_enum(op: &codegen::testing::Operation) -> String {
    let err = op.error_enum.rsplit("::").next().unwrap_or_default();
    format!("{}Response", err.strip_suffix("Error").unwrap_or(err))
}

fn escape(path: &str) -> String {
    path.replace('~', "~0").replace('/', "~1")
}

/// The values an operation is called with, made once (`let`s that read
/// the spec's example, or else one made from the schema, and record a
/// failure when neither reads as the client's type), and its call, which
/// clones them: `client.op(v0.clone(), v1.clone()).body(v2.clone())`.
fn call_text(
    krate: &str,
    op: &codegen::testing::Operation,
    item: &Value,
    spec_op: &Value,
    doc: &Value,
) -> Option<(String, String)> {
    let params: Vec<&Value> = item
        .get("parameters")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .chain(
            spec_op
                .get("parameters")
                .and_then(Value::as_array)
                .into_iter()
                .flatten(),
        )
        .filter_map(|p| resolve(p, doc))
        .collect();
    let mut lets = String::new();
    let mut n = 0;
    let what = raw(&format!("{} {} → arguments", op.http_method, op.path));
    // `let vN = …;` of a value of `ty` read from either JSON text.
    let mut value = |lets: &mut String, ty: &str, authored: &Value, made: &Value| -> Option<String> {
        let (a, m) = (serde_json::to_string(authored).ok()?, serde_json::to_string(made).ok()?);
        let name = format!("v{n}");
        n += 1;
        lets.push_str(&format!(
            "    let {name}: {ty} = match support::value_or::<{ty}>({}, {}) {{ Ok(v) => v, Err(e) => {{ report.failures.push(format!(\"{{}}: {{e}}\", {what})); return; }} }};\n",
            raw(&a),
            raw(&m)
        ));
        Some(name)
    };
    let mut args = Vec::new();
    for a in &op.args {
        // The operation's own declaration wins over the path item's.
        let p = params.iter().rev().find(|p| {
            p.get("name").and_then(Value::as_str) == Some(a.name.as_str())
                && p.get("in").and_then(Value::as_str) == Some(a.location)
        })?;
        let (authored, made) = (param_example(p, doc, true)?, param_example(p, doc, false)?);
        if a.rust_type.ends_with("::ETag") {
            let v = value(&mut lets, "String", &authored, &made)?;
            args.push(format!("{}::from({v}.clone())", a.rust_type));
        } else {
            let v = value(&mut lets, &a.rust_type, &authored, &made)?;
            args.push(format!("{v}.clone()"));
        }
    }
    let mut body_arg = None;
    if let Some(b) = &op.body {
        let content = resolve(spec_op.get("requestBody")?, doc)?.get("content")?;
        let choice = b.choices.first()?;
        let mt = content.get(&choice.content_type)?;
        let body = match choice.kind {
            "json" | "form" => {
                let (authored, made) = (media_example(mt, doc, true)?, media_example(mt, doc, false)?);
                format!("{}.clone()", value(&mut lets, &choice.rust_type, &authored, &made)?)
            }
            "multipart" => {
                let schema = mt.get("schema").and_then(|s| resolve(s, doc));
                let mut fields = Vec::new();
                for p in &choice.parts {
                    let prop = schema.and_then(|s| property(s, &p.name, doc));
                    let file = format!("{krate}::FilePart::bytes(b\"example\".to_vec()).file_name(\"example.bin\")");
                    let made = |s: Option<&Value>| {
                        s.map(|s| example(s, doc, 0, false))
                            .unwrap_or(Value::String("x".into()))
                    };
                    let authored =
                        |s: Option<&Value>| s.map(|s| example(s, doc, 0, true)).unwrap_or(Value::String("x".into()));
                    let v = match (p.kind, p.required) {
                        ("file", true) => file,
                        ("file", false) => format!("Some({file})"),
                        ("files", true) => format!("vec![{file}]"),
                        ("files", false) | ("texts", false) => "Vec::new()".to_owned(),
                        ("texts", true) => {
                            let items = prop.and_then(|s| s.get("items"));
                            let v = value(&mut lets, &p.rust_type, &authored(items), &made(items))?;
                            format!("vec![{v}.clone()]")
                        }
                        (_, true) => format!(
                            "{}.clone()",
                            value(&mut lets, &p.rust_type, &authored(prop), &made(prop))?
                        ),
                        (_, false) => "None".to_owned(),
                    };
                    fields.push(format!("{}: {v}", p.ident));
                }
                format!("{} {{ {} }}", choice.rust_type, fields.join(", "))
            }
            "raw-multipart" => format!("{krate}::Multipart::new()"),
            "text" => {
                let ex = media_example(mt, doc, true)
                    .and_then(|v| v.as_str().map(str::to_owned))
                    .unwrap_or_else(|| "example".to_owned());
                format!("String::from({})", raw(&ex))
            }
            _ => "bytes::Bytes::from_static(b\"example\")".to_owned(),
        };
        let body = match &b.enum_type {
            Some(e) => format!("{e}::{}({body})", choice.variant),
            None => body,
        };
        if b.required {
            args.push(body);
        } else {
            body_arg = Some(body);
        }
    }
    let mut call = format!("client.{}({})", op.method, args.join(", "));
    if let Some(b) = body_arg {
        call.push_str(&format!(".body({b})"));
    }
    Some((lets, call))
}

/// The credentials of the operation's first security alternative, as the
/// proxy adds them.
fn auth_text(op: &codegen::testing::Operation, doc: &Value) -> String {
    let Some(first) = op.security.first() else {
        return String::new();
    };
    let mut out = Vec::new();
    for name in first {
        let Some(scheme) = doc.pointer(&format!("/components/securitySchemes/{}", escape(name))) else {
            continue;
        };
        let t = scheme.get("type").and_then(Value::as_str).unwrap_or_default();
        let entry = match t {
            "apiKey" => {
                let key = scheme.get("name").and_then(Value::as_str).unwrap_or("key");
                let place = match scheme.get("in").and_then(Value::as_str) {
                    Some("query") => "query",
                    Some("cookie") => "cookie",
                    _ => "header",
                };
                format!("({:?}, {}, \"key\")", place, raw(key))
            }
            "http"
                if scheme
                    .get("scheme")
                    .and_then(Value::as_str)
                    .is_some_and(|s| s.eq_ignore_ascii_case("basic")) =>
            {
                "(\"header\", \"authorization\", \"Basic dXNlcjpwYXNz\")".to_owned()
            }
            _ => "(\"header\", \"authorization\", \"Bearer token\")".to_owned(),
        };
        out.push(entry);
    }
    out.join(", ")
}

/// The pointer of the JSON schema of a documented response, where the
/// response is written (in the operation, or in the component it names);
/// empty when it has none.
fn response_schema(path: &str, method: &str, spec_op: &Value, status: &str, doc: &Value) -> String {
    let at = format!(
        "/paths/{}/{}/responses/{}",
        escape(path),
        method.to_ascii_lowercase(),
        escape(status)
    );
    let Some((at, r)) = spec_op
        .get("responses")
        .and_then(|r| r.get(status))
        .and_then(|r| written_at(r, at, doc))
    else {
        return String::new();
    };
    let Some(content) = r.get("content").and_then(Value::as_object) else {
        return String::new();
    };
    let media = content
        .keys()
        .find(|m| m.starts_with("application/json") || m.contains("json"))
        .or_else(|| content.keys().next());
    match media {
        Some(m) if content.get(m).and_then(|mt| mt.get("schema")).is_some() => {
            format!("{at}/content/{}/schema", escape(m))
        }
        _ => String::new(),
    }
}

/// The pointer of the JSON schema of the body the call sends, where the
/// request body is written; empty when the call sends no JSON.
fn request_schema(op: &codegen::testing::Operation, spec_op: &Value, doc: &Value) -> String {
    let Some(choice) = op
        .body
        .as_ref()
        .and_then(|b| b.choices.first())
        .filter(|c| c.kind == "json")
    else {
        return String::new();
    };
    let at = format!(
        "/paths/{}/{}/requestBody",
        escape(&op.path),
        op.http_method.to_ascii_lowercase()
    );
    let Some((at, body)) = spec_op.get("requestBody").and_then(|b| written_at(b, at, doc)) else {
        return String::new();
    };
    match body.pointer(&format!("/content/{}/schema", escape(&choice.content_type))) {
        Some(_) => format!("{at}/content/{}/schema", escape(&choice.content_type)),
        None => String::new(),
    }
}

/// Where `v` (found at `at`) is written, following its `$ref`s, and what
/// is there.
fn written_at<'v>(mut v: &'v Value, mut at: String, doc: &'v Value) -> Option<(String, &'v Value)> {
    for _ in 0..16 {
        match v.get("$ref").and_then(Value::as_str) {
            Some(target) => {
                let target = target.strip_prefix('#')?;
                v = doc.pointer(target)?;
                at = target.to_owned();
            }
            None => return Some((at, v)),
        }
    }
    None
}

/// A `$ref`'s target (local), or the value itself.
fn resolve<'v>(v: &'v Value, doc: &'v Value) -> Option<&'v Value> {
    written_at(v, String::new(), doc).map(|(_, v)| v)
}

fn property<'v>(schema: &'v Value, name: &str, doc: &'v Value) -> Option<&'v Value> {
    if let Some(p) = schema.get("properties").and_then(|p| p.get(name)) {
        return Some(p);
    }
    for m in schema.get("allOf").and_then(Value::as_array).into_iter().flatten() {
        if let Some(p) = resolve(m, doc).and_then(|m| property(m, name, doc)) {
            return Some(p);
        }
    }
    None
}

/// A parameter's value: its example (`authored`), or one made from its
/// schema alone.
fn param_example(p: &Value, doc: &Value, authored: bool) -> Option<Value> {
    if let Some(e) = authored.then(|| written_example(p, doc)).flatten() {
        return Some(e);
    }
    if let Some(s) = p.get("schema") {
        return Some(example(s, doc, 0, authored));
    }
    let mt = p
        .get("content")
        .and_then(Value::as_object)
        .and_then(|c| c.values().next())?;
    media_example(mt, doc, authored)
}

fn media_example(mt: &Value, doc: &Value, authored: bool) -> Option<Value> {
    if let Some(e) = authored.then(|| written_example(mt, doc)).flatten() {
        return Some(e);
    }
    Some(example(mt.get("schema")?, doc, 0, authored))
}

/// A parameter's or media type's own `example`, or the value of its first
/// `examples` entry.
fn written_example(holder: &Value, doc: &Value) -> Option<Value> {
    if let Some(e) = holder.get("example") {
        return Some(e.clone());
    }
    let examples = holder.get("examples")?.as_object()?;
    examples
        .values()
        .filter_map(|e| resolve(e, doc))
        .find_map(|e| e.get("value"))
        .cloned()
}

/// A value the schema accepts: its example, default or first enum value
/// where it gives one, else the smallest value of its type that keeps its
/// bounds, formats and patterns.
fn example(schema: &Value, doc: &Value, depth: usize, authored: bool) -> Value {
    if depth > 12 {
        return Value::Null;
    }
    let Some(s) = resolve(schema, doc) else {
        return Value::Null;
    };
    let keys: &[&str] = if authored {
        &["example", "default", "const"]
    } else {
        &["const"]
    };
    for key in keys {
        if let Some(v) = s.get(*key).filter(|v| !v.is_null()) {
            return v.clone();
        }
    }
    if let Some(v) = s
        .get("enum")
        .and_then(Value::as_array)
        .and_then(|e| e.iter().find(|v| !v.is_null()))
    {
        return v.clone();
    }
    if let Some(Value::Array(all)) = s.get("allOf") {
        let mut merged = Map::new();
        let mut other = None;
        for m in all {
            match example(m, doc, depth + 1, authored) {
                Value::Object(o) => merged.extend(o),
                v => other = Some(v),
            }
        }
        if merged.is_empty() {
            if let Some(v) = other {
                return v;
            }
        }
        // The object's own members beside `allOf`.
        if let Value::Object(own) = object_example(s, doc, depth, authored) {
            merged.extend(own);
        }
        // A member may only list as `required` what another declares (3.1's
        // `required` beside a `$ref` reads so).
        for m in all.iter().filter_map(|m| resolve(m, doc)) {
            for name in m
                .get("required")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
            {
                if !merged.contains_key(name) {
                    if let Some(p) = property(s, name, doc) {
                        merged.insert(name.to_owned(), example(p, doc, depth + 1, authored));
                    }
                }
            }
        }
        return Value::Object(merged);
    }
    for key in ["oneOf", "anyOf"] {
        if let Some(Value::Array(list)) = s.get(key) {
            let pick = list
                .iter()
                .find(|m| {
                    resolve(m, doc).is_some_and(|m| {
                        m.get("type").and_then(Value::as_str) != Some("null")
                            && m.get("nullable") != Some(&Value::Bool(true))
                            || m.get("$ref").is_some()
                    })
                })
                .or_else(|| list.first());
            if let Some(m) = pick {
                let mut v = example(m, doc, depth + 1, authored);
                // A discriminated union's member carries its tag.
                if let (Some(d), Value::Object(o)) = (s.get("discriminator"), &mut v) {
                    if let Some((property, tag)) = discriminator_tag(d, m) {
                        o.insert(property, Value::String(tag));
                    }
                }
                return v;
            }
        }
    }
    let ty = s
        .get("type")
        .and_then(Value::as_str)
        .unwrap_or(if s.get("properties").is_some() { "object" } else { "" });
    match ty {
        "string" => Value::String(string_example(s)),
        "integer" | "number" => number_example(s, ty == "integer"),
        "boolean" => Value::Bool(true),
        "array" => {
            let n = s.get("minItems").and_then(Value::as_u64).unwrap_or(1).max(1) as usize;
            let item = s
                .get("items")
                .map(|i| example(i, doc, depth + 1, authored))
                .unwrap_or(Value::String("x".into()));
            // Distinct items, for `uniqueItems`: digits counted up, other
            // text numbered.
            let nth = |i: usize| match &item {
                Value::String(t) if i > 0 => match t.parse::<u64>() {
                    Ok(n) => Value::String((n + i as u64).to_string()),
                    Err(_) => Value::String(format!("{t}{i}")),
                },
                Value::Number(v) if i > 0 => v.as_i64().map_or(item.clone(), |v| Value::from(v + i as i64)),
                other => other.clone(),
            };
            Value::Array((0..n.min(3)).map(nth).collect())
        }
        "object" => object_example(s, doc, depth, authored),
        _ => Value::String("example".to_owned()),
    }
}

/// The discriminator's property and the tag of `member` (a `$ref`): the
/// mapping's key for it, else the name of the component it names.
fn discriminator_tag(discriminator: &Value, member: &Value) -> Option<(String, String)> {
    let property = discriminator.get("propertyName")?.as_str()?.to_owned();
    let target = member.get("$ref")?.as_str()?;
    let tag = discriminator
        .get("mapping")
        .and_then(Value::as_object)
        .and_then(|m| {
            m.iter()
                .find(|(_, t)| t.as_str() == Some(target))
                .map(|(k, _)| k.clone())
        })
        .unwrap_or_else(|| target.rsplit('/').next().unwrap_or(target).to_owned());
    Some((property, tag))
}

fn object_example(s: &Value, doc: &Value, depth: usize, authored: bool) -> Value {
    let mut out = Map::new();
    let required: Vec<&str> = s
        .get("required")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .collect();
    if let Some(Value::Object(props)) = s.get("properties") {
        for (k, v) in props {
            let read_only = resolve(v, doc).and_then(|v| v.get("readOnly")) == Some(&Value::Bool(true));
            if required.contains(&k.as_str()) && !read_only {
                out.insert(k.clone(), example(v, doc, depth + 1, authored));
            }
        }
    }
    for k in required {
        out.entry(k.to_owned()).or_insert_with(|| Value::String("x".into()));
    }
    Value::Object(out)
}

fn number_example(s: &Value, integer: bool) -> Value {
    let min = s.get("minimum").and_then(Value::as_f64);
    let max = s.get("maximum").and_then(Value::as_f64);
    // 3.0's `exclusiveMinimum: true` beside `minimum`, or 3.1's number.
    let ex_min = match s.get("exclusiveMinimum") {
        Some(Value::Bool(true)) => min,
        Some(v) => v.as_f64(),
        None => None,
    };
    let mut v = match (min, ex_min) {
        (_, Some(m)) => m + 1.0,
        (Some(m), _) => m,
        _ => 1.0,
    };
    if let Some(m) = max {
        if v > m {
            v = m;
        }
    }
    if let Some(step) = s.get("multipleOf").and_then(Value::as_f64).filter(|s| *s > 0.0) {
        v = (v / step).ceil() * step;
    }
    if integer {
        Value::from(v as i64)
    } else {
        serde_json::Number::from_f64(v).map_or(Value::Null, Value::Number)
    }
}

fn string_example(s: &Value) -> String {
    let format = s.get("format").and_then(Value::as_str).unwrap_or_default();
    let mut text = match format {
        "date-time" => "2024-01-02T03:04:05Z".to_owned(),
        "date" => "2024-01-02".to_owned(),
        "time" => "03:04:05".to_owned(),
        "uuid" => "3fa85f64-5717-4562-b3fc-2c963f66afa6".to_owned(),
        "email" => "someone@example.com".to_owned(),
        "uri" | "url" | "uri-reference" => "https://example.com".to_owned(),
        "hostname" => "example.com".to_owned(),
        "ipv4" => "127.0.0.1".to_owned(),
        "ipv6" => "::1".to_owned(),
        "byte" => "ZXhhbXBsZQ==".to_owned(),
        "int64" | "int32" => "1".to_owned(),
        _ => match s.get("pattern").and_then(Value::as_str).and_then(matching) {
            Some(m) => return m,
            None => "example".to_owned(),
        },
    };
    let min = s.get("minLength").and_then(Value::as_u64).unwrap_or(0) as usize;
    let max = s.get("maxLength").and_then(Value::as_u64).map(|m| m as usize);
    while text.chars().count() < min {
        text.push('x');
    }
    if let Some(max) = max {
        text = text.chars().take(max.max(min)).collect();
    }
    text
}

/// The shortest text a regular expression matches, built from its syntax:
/// the first character of each class, each repetition at its minimum (at
/// least once where it is `+`), the first alternative.
fn matching(pattern: &str) -> Option<String> {
    use regex_syntax::hir::{Class, Hir, HirKind};
    fn walk(h: &Hir, out: &mut String) -> Option<()> {
        match h.kind() {
            HirKind::Empty | HirKind::Look(_) => {}
            HirKind::Literal(l) => out.push_str(std::str::from_utf8(&l.0).ok()?),
            HirKind::Class(Class::Unicode(c)) => {
                let r = c
                    .ranges()
                    .iter()
                    .find(|r| r.start().is_alphanumeric())
                    .or_else(|| c.ranges().first())?;
                let pick = if r.start().is_alphanumeric() {
                    r.start()
                } else {
                    (r.start()..=r.end()).find(|c| c.is_alphanumeric()).unwrap_or(r.start())
                };
                out.push(pick);
            }
            HirKind::Class(Class::Bytes(c)) => out.push(char::from(c.ranges().first()?.start())),
            HirKind::Repetition(r) => {
                for _ in 0..r.min {
                    walk(&r.sub, out)?;
                }
            }
            HirKind::Capture(c) => walk(&c.sub, out)?,
            HirKind::Concat(list) => {
                for h in list {
                    walk(h, out)?;
                }
            }
            HirKind::Alternation(list) => walk(list.first()?, out)?,
        }
        Some(())
    }
    let hir = regex_syntax::Parser::new().parse(pattern).ok()?;
    let mut out = String::new();
    walk(&hir, &mut out)?;
    Some(out)
}

/// The judge on its own (no Prism needed): each verdict, and that a value
/// the spec does not back keeps its failure.
#[test]
fn the_judge_excuses_only_what_the_spec_backs() {
    let doc = serde_json::json!({
        "openapi": "3.0.3",
        "paths": {},
        "components": {"schemas": {
            "Ref": {"type": "object", "properties": {
                "id": {"type": "string", "readOnly": true},
                "type": {"type": "string"}
            }},
            // `required` in one member, `readOnly` in another (PagerDuty's
            // references).
            "ServiceRef": {"allOf": [
                {"$ref": "#/components/schemas/Ref"},
                {"type": "object", "required": ["id", "type"]}
            ]},
            "Answer": {"type": "object", "required": ["count"], "properties": {
                "count": {"type": "integer"},
                "secret": {"type": "string", "writeOnly": true}
            }}
        }}
    });
    let evidence = |what: &str, direction: &str, status: u16, name: &str, value: Value| {
        serde_json::json!({"what": what, "direction": direction, "status": status,
            "pointer": format!("/components/schemas/{name}"), "value": value})
    };
    let failed = |what: &str| (what.to_owned(), "why".to_owned());
    let calls = [
        // Prism asks for the read-only `id`: the spec does not.
        (
            "POST /a → 201",
            evidence(
                "POST /a → 201",
                "request",
                422,
                "ServiceRef",
                serde_json::json!({"type": "s"}),
            ),
        ),
        // `type` is missing: the validator agrees with Prism.
        (
            "POST /b → 201",
            evidence("POST /b → 201", "request", 422, "ServiceRef", serde_json::json!({})),
        ),
        // An answer without its required `count` breaks the spec.
        (
            "GET /c → 200",
            evidence(
                "GET /c → 200",
                "response",
                200,
                "Answer",
                serde_json::json!({"secret": "x"}),
            ),
        ),
        // One that keeps to it: the client is at fault.
        (
            "GET /d → 200",
            evidence(
                "GET /d → 200",
                "response",
                200,
                "Answer",
                serde_json::json!({"count": 1}),
            ),
        ),
        // An answer of another status than the one asked for is no evidence.
        (
            "GET /e → 4XX",
            evidence("GET /e → 4XX", "response", 500, "Answer", serde_json::json!({})),
        ),
        (
            "GET /f → 4XX",
            evidence("GET /f → 4XX", "response", 404, "Answer", serde_json::json!({})),
        ),
    ];
    let evidence: Vec<Value> = calls.iter().map(|(_, e)| e.clone()).collect();
    let mut all: Vec<(String, String)> = calls.iter().map(|(w, _)| failed(w)).collect();
    // A failure with no evidence stays.
    all.push(failed("GET /g → 200"));
    let (kept, excused) = judge(all, &evidence, &doc);
    assert!(
        kept[0]
            .1
            .starts_with("why; the independent validator agrees: at /: \"type\" is a required property"),
        "{}",
        kept[0].1
    );
    let kept: Vec<&str> = kept.iter().map(|(w, _)| w.as_str()).collect();
    assert_eq!(kept, ["POST /b → 201", "GET /d → 200", "GET /e → 4XX", "GET /g → 200"]);
    assert_eq!(excused.len(), 3, "{excused:?}");
    assert_eq!(
        excused[0],
        "POST /a → 201: Prism rejects a request that keeps to the spec"
    );
    assert!(
        excused[1].starts_with("GET /c → 200: the answer breaks the spec: at /: \"count\" is a required property"),
        "{}",
        excused[1]
    );
    assert!(
        excused[2].starts_with("GET /f → 4XX: the answer breaks the spec"),
        "{}",
        excused[2]
    );
}
