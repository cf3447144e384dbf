//! Every fixture's crate, the synthetic 400-operation spec and, where the
//! sample specs are there (`specs::sample_specs`), the crate of Microsoft's
//! BC v1.0 spec and of every real-world spec of `realworld/`,
//! `realworld-3.1/` and `realworld-2.0/` are built together in one
//! workspace with clippy and warnings denied, sharing one target folder.

#[path = "support/synthetic.rs"]
mod synthetic;

#[path = "support/cargo.rs"]
mod cargo;
#[path = "support/specs.rs"]
mod specs;
#[path = "support/emitted.rs"]
mod support;

use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn write_crate(dir: &Path, name: &str, spec_name: &str, text: &str) {
    write_crate_with(dir, name, spec_name, text, codegen::RuntimeSource::SubCrate);
}

fn write_crate_with(dir: &Path, name: &str, spec_name: &str, text: &str, runtime: codegen::RuntimeSource) {
    let mut config = codegen::Config::new(name, spec_name);
    config.command = "cargo test -p codegen --test compile".to_owned();
    config.runtime = runtime;
    let output = codegen::generate(text, &config).unwrap_or_else(|d| panic!("{spec_name} does not generate:\n{d}"));
    write_files(dir, name, &output);
}

fn write_files(dir: &Path, name: &str, output: &codegen::Output) {
    let crate_dir = dir.join(name);
    let _ = std::fs::remove_dir_all(&crate_dir);
    for f in &output.files {
        let path = crate_dir.join(&f.path);
        std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
        std::fs::write(&path, &f.contents).expect("write");
    }
}

/// The methods `Client` gets in the emitted operations module.
fn client_methods(output: &codegen::Output) -> usize {
    let ops = output
        .files
        .iter()
        .find(|f| f.path == "src/operations.rs")
        .expect("operations.rs");
    let file = syn::parse_file(&ops.contents).expect("operations.rs parses");
    file.items
        .iter()
        .filter_map(|item| match item {
            syn::Item::Impl(imp) if imp.trait_.is_none() => Some(imp),
            _ => None,
        })
        .filter(|imp| matches!(&*imp.self_ty, syn::Type::Path(p) if p.path.segments.last().is_some_and(|s| s.ident == "Client")))
        .map(|imp| imp.items.iter().filter(|i| matches!(i, syn::ImplItem::Fn(_))).count())
        .sum()
}

/// Every real-world sample spec (`realworld/`, OpenAPI 3.0;
/// `realworld-3.1/`; `realworld-2.0/`, Swagger), generated with default
/// options (or `--lenient` where the spec has plain mistakes, and then only
/// because of them), each with all of its operations. They are other
/// people's files: read in place, never copied in, and skipped with a note
/// where the folder is absent (a clone of the repository alone).
fn realworld_crates(dir: &Path) -> Vec<String> {
    let mut members = Vec::new();
    for (folder, prefix) in [
        ("realworld", "realworld"),
        ("realworld-3.1", "realworld31"),
        ("realworld-2.0", "realworld20"),
    ] {
        members.extend(realworld_folder(dir, folder, prefix));
    }
    members.extend(multifile_crates(dir));
    members
}

/// The specs split over several files: our fixture and Hatchet's
/// (`realworld-multifile/`, 50 files; `--lenient` for one indentation slip).
fn multifile_crates(dir: &Path) -> Vec<String> {
    let mut specs = vec![(
        "multifile-fixture",
        root().join("codegen/tests/fixtures/multifile/openapi.yaml"),
        false,
    )];
    let hatchet = specs::sample_specs(&root()).join("realworld-multifile/hatchet/openapi/openapi.yaml");
    if hatchet.exists() {
        specs.push(("realworld-multifile-hatchet", hatchet, true));
    } else {
        eprintln!("note: {} is absent; skipped", hatchet.display());
    }
    let mut members = Vec::new();
    for (name, path, lenient) in specs {
        let text = std::fs::read_to_string(&path).expect("read");
        let folder = support::Folder(path.parent().expect("folder").to_path_buf());
        let mut config = codegen::Config::new(name, "openapi.yaml");
        config.command = "cargo test -p codegen --test compile".to_owned();
        config.lenient = lenient;
        let output = codegen::generate_with_files(&text, &folder, &config)
            .unwrap_or_else(|d| panic!("{} does not generate:\n{d}", path.display()));
        let bundled = codegen::bundle(&text, &folder, &config).expect("bundles");
        let declared = specs::declared_operations(&bundled.to_text(false).expect("yaml"));
        assert_eq!(
            client_methods(&output),
            declared,
            "{name}: every operation becomes a method"
        );
        write_files(dir, name, &output);
        members.push(name.to_owned());
    }
    members
}

fn realworld_folder(dir: &Path, folder: &str, prefix: &str) -> Vec<String> {
    let paths = specs::sample_folder(&root(), folder);
    let mut members = Vec::new();
    for path in paths {
        let file = path.file_name().and_then(|n| n.to_str()).expect("name").to_owned();
        let stem = path.file_stem().and_then(|n| n.to_str()).expect("stem");
        let name = format!("{prefix}-{}", stem.replace(['_', '.'], "-"));
        let text = std::fs::read_to_string(&path).expect("read");
        let mut config = codegen::Config::new(&name, &file);
        config.command = "cargo test -p codegen --test compile".to_owned();
        let output = match codegen::generate(&text, &config) {
            Ok(o) => o,
            Err(d) => {
                assert!(
                    d.to_string().contains("--lenient"),
                    "{file} does not generate, and not for a mistake --lenient reads:\n{d}"
                );
                config.lenient = true;
                let o = codegen::generate(&text, &config)
                    .unwrap_or_else(|d| panic!("{file} does not generate even with --lenient:\n{d}"));
                eprintln!("note: {file} generates with --lenient ({} warnings)", o.warnings.len());
                o
            }
        };
        let declared = specs::declared_operations(&text);
        assert_eq!(
            client_methods(&output),
            declared,
            "{file}: every operation becomes a method"
        );
        write_files(dir, &name, &output);
        members.push(name);
    }
    members
}

#[test]
fn generated_crates_build_with_warnings_denied() {
    let tmp = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("codegen-compile");
    std::fs::create_dir_all(&tmp).expect("tmp");
    let mut members = Vec::new();
    let fixtures = root().join("codegen/tests/fixtures");
    let mut entries: Vec<_> = std::fs::read_dir(&fixtures)
        .expect("fixtures")
        .map(|e| e.expect("entry").path())
        .collect();
    entries.sort();
    for path in entries.iter().filter(|p| p.extension().is_some_and(|e| e == "yaml")) {
        let stem = path
            .file_stem()
            .and_then(|s| s.to_str())
            .expect("name")
            .replace('_', "-");
        let name = format!("fixture-{stem}");
        write_crate(
            &tmp,
            &name,
            &format!("fixtures/{stem}.yaml"),
            &std::fs::read_to_string(path).expect("read"),
        );
        members.push(name);
    }
    // The CSDL fixtures (`$metadata` of OData V4, V2 and CSDL JSON), through
    // the converter and the usual pipeline.
    let mut csdl: Vec<_> = std::fs::read_dir(fixtures.join("csdl"))
        .expect("csdl fixtures")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "xml" || e == "json"))
        .collect();
    csdl.sort();
    for path in csdl {
        let stem = path.file_stem().and_then(|s| s.to_str()).expect("name").to_owned();
        let name = format!("csdl-{stem}");
        let file = path.file_name().and_then(|s| s.to_str()).expect("name").to_owned();
        write_crate(
            &tmp,
            &name,
            &format!("fixtures/csdl/{file}"),
            &std::fs::read_to_string(&path).expect("read"),
        );
        members.push(name);
    }
    // The runtime copied in as a module (`--runtime module`), on the fixture
    // whose names collide with the most (`Client` among them).
    write_crate_with(
        &tmp,
        "fixture-hostile-names-module",
        "fixtures/hostile_names.yaml",
        &std::fs::read_to_string(fixtures.join("hostile_names.yaml")).expect("read"),
        codegen::RuntimeSource::Module,
    );
    members.push("fixture-hostile-names-module".to_owned());
    // Microsoft's spec is a sample spec (it is not ours to copy in).
    if let Some((_, v1)) = specs::sample_spec(&root(), "bc-api-v1.0.yaml") {
        write_crate(&tmp, "bc-api-v1", "bc-api-v1.0.yaml", &v1);
        members.push("bc-api-v1".to_owned());
    }
    write_crate(
        &tmp,
        "synthetic-400",
        "synthetic-400.yaml",
        &synthetic::synthetic_spec(400),
    );
    members.push("synthetic-400".to_owned());
    // Schemas nesting 150 deep: rustc's drop-check needs a higher limit.
    write_crate(&tmp, "deep-150", "deep-150.yaml", &synthetic::deep_spec(150));
    members.push("deep-150".to_owned());
    members.extend(realworld_crates(&tmp));
    let list: Vec<String> = members.iter().map(|m| format!("\"{m}\"")).collect();
    std::fs::write(
        tmp.join("Cargo.toml"),
        format!("[workspace]\nresolver = \"3\"\nmembers = [{}]\n", list.join(", ")),
    )
    .expect("workspace");
    // The project's lock file pins the same dependencies, so nothing is downloaded.
    std::fs::copy(root().join("Cargo.lock"), tmp.join("Cargo.lock")).expect("lock");
    let target = root().join("target/codegen-compile");
    let out = cargo::cargo(&tmp, &target)
        .args([
            "clippy",
            "--workspace",
            "--offline",
            "--quiet",
            "--keep-going",
            "--",
            "-D",
            "warnings",
        ])
        .output()
        .expect("cargo runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "generated crates do not build cleanly:\n{}",
        stderr.chars().take(20_000).collect::<String>()
    );
    features_build_alone(&tmp, &target, &members);
    run_crate_test(&tmp, &target, "csdl-northwind-v2", "paging", V2_PAGING);
    run_crate_test(
        &tmp,
        &target,
        "fixture-multipart",
        "uploads",
        include_str!("crate_tests/multipart.rs"),
    );
    run_crate_test(
        &tmp,
        &target,
        "fixture-streams",
        "streams",
        include_str!("crate_tests/streams.rs"),
    );
    if members.iter().any(|m| m == OPENAI) {
        run_crate_test(&tmp, &target, OPENAI, "openai", include_str!("crate_tests/openai.rs"));
    } else {
        eprintln!("note: OpenAI's spec is absent; its streaming and upload are not tried");
    }
    if members.iter().any(|m| m == DISCORD) {
        a_real_client_signs_in(&tmp, &target);
    } else {
        eprintln!("note: Discord's spec is absent; the real-world sign-in is not tried");
    }
}

/// Discord's spec declares an OAuth 2.0 client-credentials flow beside a
/// bot token: its generated client signs in at a small token endpoint and
/// calls an operation that takes either scheme, with the sign-in's token.
const DISCORD: &str = "realworld31-discord-openapi";

/// OpenAI's spec: a chat completion streamed as server-sent events, and a
/// file uploaded as multipart (`crate_tests/openai.rs`).
const OPENAI: &str = "realworld31-openai-openapi";

fn a_real_client_signs_in(dir: &Path, target: &Path) {
    run_crate_test(dir, target, DISCORD, "sign_in", DISCORD_SIGN_IN);
}

/// Writes `source` as the test `name` of the generated crate `krate` and
/// runs it; the crate gets tokio's test runtime as a dev-dependency.
fn run_crate_test(dir: &Path, target: &Path, krate: &str, name: &str, source: &str) {
    let crate_dir = dir.join(krate);
    let manifest = crate_dir.join("Cargo.toml");
    let mut text = std::fs::read_to_string(&manifest).expect("manifest");
    // What the tests' servers are built with: the versions of the
    // project's lock file, so nothing is downloaded.
    const AXUM: &str = "axum = { version = \"0.8\", default-features = false, features = [\"http1\", \"tokio\", \"multipart\"] }\nform_urlencoded = \"1\"\n";
    if !text.contains("[dev-dependencies]") {
        text.push_str(
            "\n[dev-dependencies]\ntokio = { version = \"1\", features = [\"rt-multi-thread\", \"macros\"] }\n",
        );
    }
    if !text.contains("\naxum = ") {
        text = text.replace("[dev-dependencies]\n", &format!("[dev-dependencies]\n{AXUM}"));
        std::fs::write(&manifest, &text).expect("manifest");
    }
    std::fs::create_dir_all(crate_dir.join("tests")).expect("tests");
    std::fs::write(crate_dir.join(format!("tests/{name}.rs")), source).expect("test");
    let out = cargo::cargo(dir, target)
        .args(["test", "--offline", "--quiet", "-p", krate, "--test", name])
        .output()
        .expect("cargo runs");
    assert!(
        out.status.success(),
        "the test {name} of {krate} fails:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
            .chars()
            .take(20_000)
            .collect::<String>()
    );
}

/// A client generated from OData V2 metadata follows V2's paging: the
/// items in `d.results`, the next page at `d.__next`, as given.
const V2_PAGING: &str = r##"
use std::io::{BufRead, BufReader, Write};

use futures::TryStreamExt;

#[tokio::test(flavor = "multi_thread")]
async fn stream_follows_next_inside_d() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        for (i, stream) in listener.incoming().enumerate() {
            let mut s = stream.unwrap();
            let mut line = String::new();
            let mut reader = BufReader::new(s.try_clone().unwrap());
            reader.read_line(&mut line).unwrap();
            loop {
                let mut h = String::new();
                reader.read_line(&mut h).unwrap();
                if h.trim_end().is_empty() {
                    break;
                }
            }
            let reply = if i == 0 {
                assert!(line.starts_with("GET /Products "), "{line}");
                format!(
                    r#"{{"d":{{"results":[{{"ProductID":1,"ProductName":"Chai","Stamp":"7"}},{{"ProductID":2}}],"__next":"http://{addr}/Products?$skiptoken=2"}}}}"#
                )
            } else {
                assert!(line.starts_with("GET /Products?$skiptoken=2 "), "{line}");
                r#"{"d":{"results":[{"ProductID":3,"UnitPrice":"18.0000"}]}}"#.to_owned()
            };
            let head = format!(
                "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
                reply.len()
            );
            s.write_all(head.as_bytes()).unwrap();
            s.write_all(reply.as_bytes()).unwrap();
        }
    });
    let client = csdl_northwind_v2::Client::builder(&format!("http://{addr}")).build().unwrap();
    let all: Vec<_> = client.list_products().stream().try_collect().await.unwrap();
    let ids: Vec<Option<i32>> = all.iter().map(|p| p.product_id).collect();
    assert_eq!(ids, [Some(1), Some(2), Some(3)]);
    assert_eq!(all[0].stamp.as_deref(), Some("7"));
    assert_eq!(all[2].unit_price.as_deref(), Some("18.0000"));
}
"##;

const DISCORD_SIGN_IN: &str = r##"
use std::io::{BufRead, BufReader, Read, Write};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use realworld31_discord_openapi::{security, Client};

/// One request per connection: the request line, the headers, the body.
fn read(stream: &mut std::net::TcpStream) -> (String, Vec<String>, String) {
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let mut line = String::new();
    reader.read_line(&mut line).unwrap();
    let mut headers = Vec::new();
    let mut length = 0;
    loop {
        let mut h = String::new();
        reader.read_line(&mut h).unwrap();
        let h = h.trim_end().to_owned();
        if h.is_empty() {
            break;
        }
        if let Some(v) = h.to_ascii_lowercase().strip_prefix("content-length:") {
            length = v.trim().parse().unwrap();
        }
        headers.push(h);
    }
    let mut body = vec![0; length];
    reader.read_exact(&mut body).unwrap();
    (line, headers, String::from_utf8(body).unwrap())
}

#[tokio::test(flavor = "multi_thread")]
async fn the_client_credentials_flow_signs_in() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let tokens = Arc::new(AtomicUsize::new(0));
    let issued = Arc::clone(&tokens);
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let mut s = stream.unwrap();
            let (line, headers, body) = read(&mut s);
            let reply = if line.starts_with("POST /oauth2/token ") {
                assert!(body.contains("grant_type=client_credentials"), "{body}");
                assert!(body.contains("client_id=app-1") && body.contains("client_secret=s3cret"), "{body}");
                // The scopes the operations ask of the scheme.
                assert!(body.contains("scope=") && body.contains("connections"), "{body}");
                issued.fetch_add(1, Ordering::SeqCst);
                r#"{"token_type":"Bearer","expires_in":3600,"access_token":"discord-token-1"}"#.to_owned()
            } else {
                assert!(line.starts_with("GET /api/v10/users/@me/connections "), "{line}");
                assert!(
                    headers.iter().any(|h| h == "authorization: Bearer discord-token-1"),
                    "{headers:?}"
                );
                "[]".to_owned()
            };
            let head = format!(
                "HTTP/1.1 200 OK
content-type: application/json
content-length: {}
connection: close

",
                reply.len()
            );
            s.write_all(head.as_bytes()).unwrap();
            s.write_all(reply.as_bytes()).unwrap();
        }
    });
    let sign_in = security::o_auth2_client_credentials("app-1", "s3cret").token_url(format!("http://{addr}/oauth2/token"));
    let client = Client::builder(&format!("http://{addr}/api/v10"))
        .sign_in(security::o_auth2(sign_in))
        .build()
        .unwrap();
    for _ in 0..3 {
        let connections = client.list_my_connections().send().await.unwrap();
        assert!(connections.body.unwrap_or_default().is_empty());
    }
    assert_eq!(tokens.load(Ordering::SeqCst), 1, "one sign-in for three calls");
}
"##;

fn features_of(dir: &Path, name: &str) -> Vec<String> {
    specs::manifest_features(&std::fs::read_to_string(dir.join(name).join("Cargo.toml")).expect("manifest"))
}

/// Each feature alone compiles what it uses, and nothing it does not: the
/// features fixture with each of its features and with none; every other
/// crate that has features (BC v1.0 and the real-world specs) with its
/// first one and with none, in one run.
fn features_build_alone(dir: &Path, target: &Path, members: &[String]) {
    let clippy = |args: &[String]| {
        let out = cargo::cargo(dir, target)
            .args([
                "clippy",
                "--offline",
                "--quiet",
                "--keep-going",
                "--no-default-features",
            ])
            .args(args)
            .args(["--", "-D", "warnings"])
            .output()
            .expect("cargo runs");
        assert!(
            out.status.success(),
            "with `{}`, generated crates do not build cleanly:\n{}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr)
                .chars()
                .take(20_000)
                .collect::<String>()
        );
    };
    let fixture = "fixture-features";
    let own = features_of(dir, fixture);
    assert_eq!(
        own,
        ["pets", "stores", "untagged", "unused-schemas"],
        "the fixture's features"
    );
    clippy(&["-p".to_owned(), fixture.to_owned()]);
    for feature in &own {
        clippy(&[
            "-p".to_owned(),
            fixture.to_owned(),
            "--features".to_owned(),
            format!("{fixture}/{feature}"),
        ]);
    }
    let mut args = Vec::new();
    let mut first = Vec::new();
    for m in members.iter().filter(|m| m.as_str() != fixture) {
        if let Some(f) = features_of(dir, m).into_iter().next() {
            args.extend(["-p".to_owned(), m.clone()]);
            first.push(format!("{m}/{f}"));
        }
    }
    // The swagger2 fixture has tags too: the check never runs on nothing.
    assert!(
        members.iter().any(|m| m == "fixture-swagger2") && args.iter().any(|a| a == "fixture-swagger2"),
        "the swagger2 fixture's tags give its crate features"
    );
    clippy(&args);
    args.extend(["--features".to_owned(), first.join(",")]);
    clippy(&args);
}
