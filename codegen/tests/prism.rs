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

use std::cell::RefCell;
use std::collections::{BTreeSet, HashMap};
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
        // The notes written below the head (`## …`), kept as they are.
        let path = root().join("codegen/tests/prism-known-gaps.tsv");
        let notes: String = std::fs::read_to_string(&path)
            .unwrap_or_default()
            .lines()
            .filter(|l| l.starts_with("##"))
            .map(|l| format!("{l}\n"))
            .collect();
        std::fs::write(&path, format!("{head}{notes}{record}")).expect("record");
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
    for (what, why) in failed.iter().take(8) {
        eprintln!("  fails: {what}: {}", why.chars().take(600).collect::<String>());
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
    // One reading of the spec for each way.
    let (requests, answers) = (spec_reading(doc, "readOnly"), spec_reading(doc, "writeOnly"));
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
        let schema = e
            .get("pointer")
            .and_then(Value::as_str)
            .and_then(|p| spec.document().pointer(p));
        let mut value = e.get("value").cloned().unwrap_or(Value::Null);
        // A form body, read by its schema as a server would.
        if let (Some(Value::String(text)), Some(true), Some(schema)) =
            (e.get("value"), e.get("form").and_then(Value::as_bool), schema)
        {
            value = form_value(text, schema, spec.document());
        }
        let errors = schema
            .and_then(|schema| spec.validator(schema).ok())
            .map(|v| v.errors(&value));
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
            (Some(_), false) => match misdeclared(e, spec) {
                Some(why) => excused.push(format!("{what}: {why}")),
                None => kept.push((what, why)),
            },
            _ => kept.push((what, why)),
        }
    }
    (kept, excused)
}

/// A form body (`a=1&b=x&b=y`) as the JSON object its schema describes:
/// a key the schema says is an array gathers each of its occurrences,
/// however many; a number, an integer or a boolean is read as one where
/// the text is one; everything else is text.
fn form_value(text: &str, schema: &Value, doc: &Value) -> Value {
    let schema = resolve(schema, doc).unwrap_or(schema);
    let scalar = |s: Option<&Value>, v: &str| -> Value {
        let ty = s
            .and_then(|s| resolve(s, doc))
            .and_then(|s| s.get("type"))
            .and_then(Value::as_str);
        let parsed = match ty {
            Some("integer") => v.parse::<i64>().ok().map(Value::from),
            Some("number") => v
                .parse::<f64>()
                .ok()
                .and_then(serde_json::Number::from_f64)
                .map(Value::Number),
            Some("boolean") => v.parse::<bool>().ok().map(Value::Bool),
            _ => None,
        };
        parsed.unwrap_or_else(|| Value::String(v.to_owned()))
    };
    let mut out = Map::new();
    for (k, v) in form_urlencoded::parse(text.as_bytes()) {
        let declared = property(schema, &k, doc).and_then(|p| resolve(p, doc));
        if declared.and_then(|p| p.get("type")).and_then(Value::as_str) == Some("array") {
            let item = scalar(declared.and_then(|p| p.get("items")), &v);
            match out.entry(k.into_owned()).or_insert_with(|| Value::Array(Vec::new())) {
                Value::Array(a) => a.push(item),
                other => *other = Value::Array(vec![item]),
            }
        } else {
            out.insert(k.into_owned(), scalar(declared, &v));
        }
    }
    Value::Object(out)
}

/// Why an answer that keeps to its schema may still lose members in a
/// client: each member it lost (`lost` in the evidence) has a value that
/// keeps to no schema declaring it, so a union took the member that does
/// not declare it (PagerDuty's example writes an object where its schema
/// says array). `None` where any lost member fits a declaration of it.
fn misdeclared(e: &Value, spec: &bc_spec::Spec) -> Option<String> {
    let doc = spec.document();
    let schema = doc.pointer(e.get("pointer")?.as_str()?)?;
    let value = e.get("value")?;
    let lost: Vec<&str> = e.get("lost")?.as_array()?.iter().filter_map(Value::as_str).collect();
    if lost.is_empty() {
        return None;
    }
    for at in &lost {
        let path: Vec<String> = at
            .split('/')
            .skip(1)
            .map(|s| s.replace("~1", "/").replace("~0", "~"))
            .collect();
        let mut found = Vec::new();
        declarations(schema, &path, doc, 0, &mut found);
        let member = value.pointer(at)?;
        let fits = |d: &&Value| spec.validator(d).map_or(true, |v| v.errors(member).is_empty());
        if found.is_empty() || found.iter().any(fits) {
            return None;
        }
    }
    Some(format!(
        "the answer's {} keep(s) to none of the schemas that declare them",
        lost.iter().map(|l| format!("`{l}`")).collect::<Vec<_>>().join(", ")
    ))
}

/// The schemas that declare the member at `path` below `schema`: through
/// `$ref`s, every member of `allOf`, `anyOf` and `oneOf`, properties,
/// items and additional properties.
fn declarations<'v>(schema: &'v Value, path: &[String], doc: &'v Value, depth: usize, out: &mut Vec<&'v Value>) {
    let Some(s) = resolve(schema, doc).filter(|_| depth < 64) else {
        return;
    };
    let Some((first, rest)) = path.split_first() else {
        out.push(s);
        return;
    };
    for key in ["allOf", "anyOf", "oneOf"] {
        for m in s.get(key).and_then(Value::as_array).into_iter().flatten() {
            declarations(m, path, doc, depth + 1, out);
        }
    }
    if let Some(p) = s.get("properties").and_then(|p| p.get(first.as_str())) {
        declarations(p, rest, doc, depth + 1, out);
    }
    if let (Some(items), true) = (s.get("items"), first.parse::<usize>().is_ok()) {
        declarations(items, rest, doc, depth + 1, out);
    }
    if let Some(a) = s.get("additionalProperties").filter(|a| a.is_object()) {
        declarations(a, rest, doc, depth + 1, out);
    }
}

/// The spec read for one way: `readOnly` properties need not be sent,
/// `writeOnly` ones need not be answered, whatever `required` says
/// (OpenAPI 3.0); `hidden` names the one left out of every `required`.
fn spec_reading(doc: &Value, hidden: &str) -> bc_spec::Spec {
    let mut d = doc.clone();
    drop_required(&mut d, hidden, doc, 0);
    bc_spec::Spec::from_document(d)
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
    let maker = Maker::new(doc);
    if let Err(e) = maker.spec.validator(&Value::Object(Map::new())) {
        eprintln!(
            "note: {name}: the independent validator cannot read the spec ({e:?}); the values sent are not checked"
        );
    }
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
        let Some((lets, call)) = call_text(&krate, op, item, spec_op, &maker) else {
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
    maker: &Maker<'_>,
) -> Option<(String, String)> {
    let doc = maker.doc();
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
        let (authored, made) = (maker.param(p, true)?, maker.param(p, false)?);
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
                let (authored, made) = (maker.media(mt, true)?, maker.media(mt, false)?);
                format!("{}.clone()", value(&mut lets, &choice.rust_type, &authored, &made)?)
            }
            "multipart" => {
                let schema = mt.get("schema").and_then(|s| resolve(s, doc));
                let mut fields = Vec::new();
                for p in &choice.parts {
                    let prop = schema.and_then(|s| property(s, &p.name, doc));
                    let file = format!("{krate}::FilePart::bytes(b\"example\".to_vec()).file_name(\"example.bin\")");
                    let made =
                        |s: Option<&Value>| s.map(|s| maker.value(s, false)).unwrap_or(Value::String("x".into()));
                    let authored =
                        |s: Option<&Value>| s.map(|s| maker.value(s, true)).unwrap_or(Value::String("x".into()));
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
                let ex = maker
                    .media(mt, true)
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
        .filter(|c| c.kind == "json" || c.kind == "form")
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

/// How a value is made: from the spec's examples where it gives them
/// (`authored`) or from its schemas alone; with every property a request
/// may carry (`full`) or only the required ones.
#[derive(Clone, Copy)]
struct How {
    authored: bool,
    full: bool,
}

/// Makes the values the exercise sends, each one the spec accepts where
/// the test can find one. A value of a `oneOf` must match exactly one of
/// its members: each member's value, its required properties first and
/// then all of them, is checked by the independent validator (on the
/// spec's request reading, the judge's), and the first that fits is sent.
struct Maker<'d> {
    /// The spec as the generator reads it, which values are made from.
    doc: &'d Value,
    spec: bc_spec::Spec,
    /// The validator of each schema a value was checked against, by the
    /// schema's address (`None`: the validator cannot read it, and every
    /// value passes).
    checks: RefCell<HashMap<usize, Option<bc_spec::Validator>>>,
}

/// A value that fits its schema, or (`Err`) the best the test could make
/// of a `oneOf` that the validator finds fits no member alone.
type Made = Result<Value, Value>;

impl<'d> Maker<'d> {
    fn new(doc: &'d Value) -> Maker<'d> {
        Maker {
            doc,
            spec: spec_reading(doc, "readOnly"),
            checks: RefCell::default(),
        }
    }

    fn doc(&self) -> &'d Value {
        self.doc
    }

    /// A parameter's value: its example (`authored`), or one made from its
    /// schema alone.
    fn param(&self, p: &Value, authored: bool) -> Option<Value> {
        if let Some(s) = p.get("schema") {
            return Some(self.checked(s, written_example(p, self.doc()), authored));
        }
        let mt = p
            .get("content")
            .and_then(Value::as_object)
            .and_then(|c| c.values().next())?;
        self.media(mt, authored)
    }

    fn media(&self, mt: &Value, authored: bool) -> Option<Value> {
        let written = authored.then(|| written_example(mt, self.doc())).flatten();
        match mt.get("schema") {
            Some(s) => Some(self.checked(s, written, authored)),
            None => written,
        }
    }

    /// The example written for a value (`authored`: else one made from the
    /// schema's own examples), where it keeps to the schema; else, and
    /// where not `authored`, one made from the schema alone. Authors'
    /// examples break their schemas (Twilio's `""` for a `uri`).
    fn checked(&self, schema: &Value, written: Option<Value>, authored: bool) -> Value {
        if authored {
            let v = written.unwrap_or_else(|| self.value(schema, true));
            if self.fits(schema, &v) {
                return v;
            }
        }
        self.value(schema, false)
    }

    fn value(&self, schema: &Value, authored: bool) -> Value {
        self.example(schema, 0, How { authored, full: false })
    }

    fn example(&self, schema: &Value, depth: usize, how: How) -> Value {
        self.make(schema, depth, how).unwrap_or_else(|v| v)
    }

    /// A value the schema accepts: its example, default or first enum value
    /// where it gives one, else the smallest value of its type that keeps
    /// its bounds, formats and patterns.
    fn make(&self, schema: &Value, depth: usize, how: How) -> Made {
        let doc = self.doc();
        if depth > 12 {
            return Ok(Value::Null);
        }
        let Some(s) = resolve(schema, doc) else {
            return Ok(Value::Null);
        };
        let keys: &[&str] = if how.authored {
            &["example", "default", "const"]
        } else {
            &["const"]
        };
        for key in keys {
            if let Some(v) = s.get(*key).filter(|v| !v.is_null()) {
                return Ok(v.clone());
            }
        }
        if let Some(v) = s
            .get("enum")
            .and_then(Value::as_array)
            .and_then(|e| e.iter().find(|v| !v.is_null()))
        {
            return Ok(v.clone());
        }
        if let Some(Value::Array(all)) = s.get("allOf") {
            return Ok(self.all_of(s, all, depth, how));
        }
        for key in ["oneOf", "anyOf"] {
            if let Some(Value::Array(list)) = s.get(key) {
                if let Some(made) = self.one_of(s, list, key == "oneOf", depth, how) {
                    return made;
                }
            }
        }
        let ty = s
            .get("type")
            .and_then(Value::as_str)
            .unwrap_or(if s.get("properties").is_some() { "object" } else { "" });
        Ok(match ty {
            "string" => Value::String(string_example(s)),
            "integer" | "number" => number_example(s, ty == "integer"),
            "boolean" => Value::Bool(true),
            "array" => {
                let min = s.get("minItems").and_then(Value::as_u64).unwrap_or(0);
                let item = match s.get("items").map(|i| self.make(i, depth + 1, how)) {
                    Some(Ok(v)) => v,
                    // No item fits: an empty list does, where one may be.
                    Some(Err(_)) if min == 0 => return Ok(Value::Array(Vec::new())),
                    Some(Err(v)) => v,
                    None => Value::String("x".into()),
                };
                // Two items where the bounds allow: one could read as a
                // single value (Prism reads a form body's `a=x` as text).
                let mut n = min.clamp(2, 16);
                if let Some(max) = s.get("maxItems").and_then(Value::as_u64) {
                    n = n.min(max);
                }
                // Distinct where `uniqueItems` says so: the enum's other
                // values, digits counted up, other text numbered where
                // nothing bounds it; no more items than can be told apart.
                let unique = s.get("uniqueItems") == Some(&Value::Bool(true));
                let items = s.get("items").and_then(|i| resolve(i, doc));
                let others: Vec<&Value> = items
                    .and_then(|i| i.get("enum"))
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                    .filter(|v| !v.is_null() && **v != item)
                    .collect();
                let free = items.is_none_or(|i| ["format", "pattern", "maxLength"].iter().all(|k| i.get(*k).is_none()));
                let nth = |i: usize| match &item {
                    _ if i == 0 => Some(item.clone()),
                    _ if others.len() >= i => Some(others[i - 1].clone()),
                    _ if !unique => Some(item.clone()),
                    Value::String(t) => match t.parse::<u64>() {
                        Ok(n) => Some(Value::String((n + i as u64).to_string())),
                        Err(_) if free || (i as u64) < min => Some(Value::String(format!("{t}{i}"))),
                        Err(_) => None,
                    },
                    Value::Number(v) => v.as_i64().map(|v| Value::from(v + i as i64)),
                    _ => None,
                };
                Value::Array((0..n as usize).map_while(nth).collect())
            }
            "object" => self.object(s, depth, how),
            _ => Value::String("example".to_owned()),
        })
    }

    /// All members' values merged, with the object's own properties.
    fn all_of(&self, s: &Value, all: &[Value], depth: usize, how: How) -> Value {
        let doc = self.doc();
        let mut merged = Map::new();
        let mut other = None;
        for m in all {
            match self.example(m, depth + 1, how) {
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
        if let Value::Object(own) = self.object(s, depth, how) {
            merged.extend(own);
        }
        // A member may list as `required` what another declares (3.1's
        // `required` beside a `$ref` reads so): the value is made from the
        // declaration, not the placeholder the listing member alone gives.
        for m in all.iter().filter_map(|m| resolve(m, doc)) {
            for name in m
                .get("required")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
            {
                if property(m, name, doc).is_some() {
                    continue;
                }
                if let Some(p) = property(s, name, doc) {
                    merged.insert(name.to_owned(), self.example(p, depth + 1, how));
                }
            }
        }
        Value::Object(merged)
    }

    /// The value of a union, `None` where it has no member. Of a `oneOf`
    /// of several members, the first value the validator finds matches
    /// exactly one (`Err` with the first tried where none does).
    fn one_of(&self, s: &Value, list: &[Value], exactly_one: bool, depth: usize, how: How) -> Option<Made> {
        let doc = self.doc();
        // Members that are not `null` first.
        let not_null = |m: &&Value| {
            resolve(m, doc).is_some_and(|m| {
                m.get("type").and_then(Value::as_str) != Some("null") && m.get("nullable") != Some(&Value::Bool(true))
                    || m.get("$ref").is_some()
            })
        };
        let members: Vec<&Value> = list
            .iter()
            .filter(not_null)
            .chain(list.iter().filter(|m| !not_null(m)))
            .collect();
        let member_value = |m: &Value, how: How| {
            let mut v = match required_only(s, m, doc) {
                Some(object) => self.example(&object, depth + 1, how),
                None => self.example(m, depth + 1, how),
            };
            // A discriminated union's member carries its tag.
            if let (Some(d), Value::Object(o)) = (s.get("discriminator"), &mut v) {
                if let Some((property, tag)) = discriminator_tag(d, m) {
                    o.insert(property, Value::String(tag));
                }
            }
            v
        };
        if !exactly_one || list.len() < 2 {
            return members.first().map(|m| Ok(member_value(m, how)));
        }
        let mut first = None;
        for m in members {
            for full in [how.full, true] {
                let v = member_value(m, How { full, ..how });
                if self.fits(s, &v) {
                    return Some(Ok(v));
                }
                first.get_or_insert(v);
                if how.full {
                    break;
                }
            }
        }
        first.map(Err)
    }

    /// Whether the validator finds `v` keeps to the schema `s`.
    fn fits(&self, s: &Value, v: &Value) -> bool {
        let mut checks = self.checks.borrow_mut();
        let check = checks
            .entry(s as *const Value as usize)
            .or_insert_with(|| self.spec.validator(s).ok());
        check.as_ref().is_none_or(|c| c.errors(v).is_empty())
    }

    /// An object's required properties (all it may be sent with, `full`),
    /// each with a value; a required one it does not declare gets a
    /// placeholder.
    fn object(&self, s: &Value, depth: usize, how: How) -> Value {
        let doc = self.doc();
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
                if (how.full || required.contains(&k.as_str())) && !read_only {
                    out.insert(k.clone(), self.example(v, depth + 1, how));
                }
            }
        }
        for k in required {
            out.entry(k.to_owned()).or_insert_with(|| Value::String("x".into()));
        }
        Value::Object(out)
    }
}

/// An object with properties whose union `member` only lists some as
/// `required` (OpenAI's `anyOf: [{required: [file_ids]}, {required:
/// [files]}]`): the object with those required too, and no union.
fn required_only(s: &Value, member: &Value, doc: &Value) -> Option<Value> {
    let m = resolve(member, doc)?.as_object()?;
    let only_says = [
        "required",
        "description",
        "title",
        "not",
        "minProperties",
        "maxProperties",
    ];
    if !m.contains_key("required") || !m.keys().all(|k| only_says.contains(&k.as_str())) {
        return None;
    }
    let mut object = s.as_object()?.clone();
    object.get("properties")?;
    object.remove("oneOf");
    object.remove("anyOf");
    let mut required = object
        .get("required")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    required.extend(
        m.get("required")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .cloned(),
    );
    object.insert("required".to_owned(), Value::Array(required));
    Some(Value::Object(object))
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
            }},
            "Form": {"type": "object", "required": ["Count"], "properties": {
                "Events": {"type": "array", "items": {"type": "string"}},
                "Count": {"type": "integer"}
            }},
            // A union whose first member takes any object (PagerDuty's
            // related incidents' metadata).
            "Metadata": {"type": "object", "properties": {"m": {"anyOf": [
                {"type": "object", "properties": {"score": {"type": "integer"}}},
                {"type": "object", "properties": {"services": {"type": "array", "items": {"type": "string"}}}}
            ]}}}
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
        // A form with a list of one item, which Prism reads as text.
        ("POST /j → 201", {
            let mut e = evidence(
                "POST /j → 201",
                "request",
                422,
                "Form",
                serde_json::json!("Events=in-progress&Count=2"),
            );
            e["form"] = Value::Bool(true);
            e
        }),
        // One whose `Count` is not a number.
        ("POST /k → 201", {
            let mut e = evidence("POST /k → 201", "request", 422, "Form", serde_json::json!("Count=two"));
            e["form"] = Value::Bool(true);
            e
        }),
        // A member lost whose value keeps to no schema declaring it: the
        // answer is at fault, not the union that dropped it.
        ("GET /h → 200", {
            let mut e = evidence(
                "GET /h → 200",
                "response",
                200,
                "Metadata",
                serde_json::json!({"m": {"services": {"id": "s"}}}),
            );
            e["lost"] = serde_json::json!(["/m/services"]);
            e
        }),
        // One lost that keeps to its declaration: the client is at fault.
        ("GET /i → 200", {
            let mut e = evidence(
                "GET /i → 200",
                "response",
                200,
                "Metadata",
                serde_json::json!({"m": {"services": ["s"]}}),
            );
            e["lost"] = serde_json::json!(["/m/services"]);
            e
        }),
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
    assert_eq!(
        kept,
        [
            "POST /b → 201",
            "GET /d → 200",
            "GET /e → 4XX",
            "POST /k → 201",
            "GET /i → 200",
            "GET /g → 200"
        ]
    );
    assert_eq!(excused.len(), 5, "{excused:?}");
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
    assert_eq!(
        excused[3],
        "POST /j → 201: Prism rejects a request that keeps to the spec"
    );
    assert_eq!(
        excused[4],
        "GET /h → 200: the answer's `/m/services` keep(s) to none of the schemas that declare them"
    );
}

/// The values the exercise sends: a `oneOf`'s value matches exactly one
/// member, with optional properties where its required ones do not tell
/// the members apart; a list of items that never do is empty; a property
/// one `allOf` member requires and another declares gets a value of its
/// declaration.
#[test]
fn the_maker_sends_values_that_fit_one_member() {
    let doc = serde_json::json!({
        "openapi": "3.0.3",
        "paths": {},
        "components": {"schemas": {
            // PagerDuty's custom field values: no member requires anything.
            "Value": {"oneOf": [
                {"type": "object", "properties": {"value": {"type": "boolean"}}},
                {"type": "object", "properties": {"value": {"type": "integer"}}}
            ]},
            "Same": {"oneOf": [
                {"type": "object", "properties": {"name": {"type": "string"}}},
                {"type": "object", "properties": {"id": {"type": "string"}}}
            ]},
            "Fields": {"type": "object", "required": ["fields"], "properties": {
                "fields": {"type": "array", "items": {"$ref": "#/components/schemas/Same"}}
            }},
            "Batch": {"type": "object", "properties": {
                "ids": {"type": "array", "items": {"type": "string"}},
                "files": {"type": "array", "items": {"type": "string"}}
            }, "anyOf": [{"required": ["ids"]}, {"required": ["files"]}]},
            "Variable": {"allOf": [
                {"type": "object", "required": ["name", "configuration"], "properties": {"name": {"type": "string"}}},
                {"type": "object", "properties": {"configuration": {"type": "object", "required": ["ttl"], "properties": {"ttl": {"type": "integer"}}}}}
            ]}
        }}
    });
    let maker = Maker::new(&doc);
    let made = |name: &str| {
        maker.value(
            &serde_json::json!({"$ref": format!("#/components/schemas/{name}")}),
            false,
        )
    };
    assert_eq!(made("Value"), serde_json::json!({"value": true}));
    assert_eq!(made("Fields"), serde_json::json!({"fields": []}));
    assert_eq!(made("Batch"), serde_json::json!({"ids": ["example", "example"]}));
    assert_eq!(
        made("Variable"),
        serde_json::json!({"name": "example", "configuration": {"ttl": 1}})
    );
    // Lists of two, told apart where they must be.
    let list = |items: Value, unique: bool| {
        maker.value(
            &serde_json::json!({"type": "array", "items": items, "uniqueItems": unique}),
            false,
        )
    };
    assert_eq!(
        list(serde_json::json!({"type": "integer"}), false),
        serde_json::json!([1, 1])
    );
    assert_eq!(
        list(serde_json::json!({"type": "string", "enum": ["a", "b"]}), true),
        serde_json::json!(["a", "b"])
    );
    assert_eq!(
        list(serde_json::json!({"type": "string", "format": "date"}), true),
        serde_json::json!(["2024-01-02"])
    );
}
