//! The measurements of `cargo xtask bench`, built in release: generation
//! time (median of many in-process runs), generated crate size and build
//! time, decoding a 20,000-contact page, reference-server throughput over
//! loopback, and the wall time of the full conformance run.

#[path = "../../codegen/tests/support/synthetic.rs"]
mod synthetic;

#[path = "../../codegen/tests/support/specs.rs"]
mod specs;

mod versus;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use clap::Parser;
use serde::Deserialize;

/// Generation builds and drops many small strings and trees: a faster allocator
/// than the system one pays for itself.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser)]
#[command(about = "Measure the toolkit (run through `cargo xtask bench`)")]
struct Args {
    /// Only these parts: generate, csdl, build, versus, decode, server, suite (comma-separated;
    /// default all). `versus` is BC v1.0 beside progenitor: generation through
    /// `cargo xtask generate`, clean and touch builds, and each feature alone.
    #[arg(long, value_delimiter = ',')]
    only: Vec<String>,
    /// Seconds of load per server measurement.
    #[arg(long, default_value_t = 5)]
    seconds: u64,
    /// Concurrent connections of the load generator.
    #[arg(long, default_value_t = 32)]
    connections: usize,
    /// Another bc-conformance binary (say, built from an earlier commit) whose
    /// server is measured beside this one, alternating, in the same run.
    #[arg(long)]
    compare_server: Option<PathBuf>,
    /// Rounds of each server measurement and of each build of `versus` (the median is reported).
    #[arg(long, default_value_t = 3)]
    rounds: usize,
}

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1000.0)
}

fn main() -> Result<()> {
    let args = Args::parse();
    let wants = |part: &str| args.only.is_empty() || args.only.iter().any(|o| o == part);
    println!(
        "cargo xtask bench (release build, {} cores)\n",
        std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1)
    );
    let v1 = specs::sample_spec(&root(), "bc-api-v1.0.yaml").map(|(_, text)| text);
    if wants("generate") {
        generation(v1.as_deref())?;
    }
    if wants("csdl") {
        csdl(args.rounds.max(1))?;
    }
    if wants("build") {
        builds(v1.as_deref())?;
    }
    if wants("versus") {
        versus::versus(&root(), args.rounds.max(1))?;
    }
    if wants("decode") {
        decode()?;
    }
    if wants("server") || wants("suite") {
        let bin = release_binary()?;
        if wants("server") {
            let mut bins = vec![
                (
                    "this tree, no limits".to_owned(),
                    bin.clone(),
                    Mode::Plain(vec!["--no-limits".to_owned()]),
                ),
                (
                    "this tree, sign-in and limits on".to_owned(),
                    bin.clone(),
                    Mode::SignInAndLimits,
                ),
            ];
            if let Some(other) = &args.compare_server {
                if !other.is_file() {
                    bail!("--compare-server {}: no such file", other.display());
                }
                bins.push((format!("{}", other.display()), other.clone(), Mode::Plain(Vec::new())));
            }
            server(
                &bins,
                Duration::from_secs(args.seconds),
                args.connections,
                args.rounds.max(1),
            )?;
        }
        if wants("suite") {
            suite(&bin)?;
        }
    }
    Ok(())
}

/// Business Central's `$metadata` (every entity of API v2.0): converted to
/// OpenAPI, generated into a crate, and that crate built whole and with one
/// entity's feature alone.
fn csdl(rounds: usize) -> Result<()> {
    println!("== Business Central's $metadata (spec/csdl/bc-v2.0-metadata.xml)");
    let text = std::fs::read_to_string(root().join("spec/csdl/bc-v2.0-metadata.xml"))?;
    let options = codegen::ConvertOptions::default();
    let converted = codegen::convert(&text, "bc-v2.0-metadata.xml", &options).map_err(|d| anyhow::anyhow!("{d}"))?;
    let mut convert = Vec::new();
    let mut to_yaml = Vec::new();
    for _ in 0..30 {
        let t = Instant::now();
        let c = codegen::convert(&text, "bc-v2.0-metadata.xml", &options).map_err(|d| anyhow::anyhow!("{d}"))?;
        convert.push(t.elapsed());
        let t = Instant::now();
        let yaml = c.to_text(false).map_err(|e| anyhow::anyhow!(e))?;
        to_yaml.push(t.elapsed());
        std::hint::black_box(yaml);
    }
    println!(
        "  convert to OpenAPI   {:>10} (median of 30; writing it as YAML {} more): {} paths, {} operations",
        ms(median(convert)),
        ms(median(to_yaml)),
        converted.paths,
        converted.operations
    );
    let mut generate = Vec::new();
    let mut lines = 0;
    for _ in 0..10 {
        let (d, files) = generate_once(&text, "bc-api-v2", false)?;
        generate.push(d);
        lines = files
            .iter()
            .filter(|f| f.path.starts_with("src/") && !f.path.starts_with("src/runtime/"))
            .map(|f| f.contents.lines().count())
            .sum();
    }
    println!(
        "  metadata to crate    {:>10} (median of 10): {lines} lines in src/",
        ms(median(generate))
    );
    let dir = root().join("target/bench-csdl");
    std::fs::create_dir_all(&dir)?;
    write_crate(&dir, "bc-api-v2", &text)?;
    std::fs::write(
        dir.join("Cargo.toml"),
        "[workspace]\nresolver = \"3\"\nmembers = [\"bc-api-v2\"]\n",
    )?;
    std::fs::copy(root().join("Cargo.lock"), dir.join("Cargo.lock"))?;
    let target = root().join("target/bench-build");
    cargo(&dir, &target, &["build", "--offline", "--quiet", "--workspace"])?;
    let build = |features: &[&str]| -> Result<Duration> {
        let mut times = Vec::new();
        for _ in 0..rounds {
            cargo(&dir, &target, &["clean", "--offline", "--quiet", "-p", "bc-api-v2"])?;
            let mut args = vec!["build", "--offline", "--quiet", "-p", "bc-api-v2"];
            args.extend_from_slice(features);
            times.push(cargo(&dir, &target, &args)?);
        }
        Ok(median(times))
    };
    let full = build(&[])?;
    let one = build(&["--no-default-features", "--features", "customer-contacts"])?;
    println!(
        "  cargo build, every entity          {:>8.2} s (debug, dependencies built, median of {rounds})",
        full.as_secs_f64()
    );
    println!(
        "  cargo build, customer-contacts only {:>7.2} s ({:.1}% of every entity)",
        one.as_secs_f64(),
        100.0 * one.as_secs_f64() / full.as_secs_f64()
    );
    println!();
    Ok(())
}

fn generate_once(text: &str, name: &str, lenient: bool) -> Result<(Duration, Vec<codegen::GeneratedFile>)> {
    let mut config = codegen::Config::new(name, name);
    config.lenient = lenient;
    let t = Instant::now();
    let out = codegen::generate(text, &config).map_err(|d| anyhow::anyhow!("{d}"))?;
    Ok((t.elapsed(), out.files))
}

fn time_generation_with(text: &str, name: &str, runs: usize, lenient: bool) -> Result<(Duration, usize)> {
    let (_, files) = generate_once(text, name, lenient)?;
    let lines = files.iter().map(|f| f.contents.lines().count()).sum();
    let mut times = Vec::with_capacity(runs);
    for _ in 0..runs {
        times.push(generate_once(text, name, lenient)?.0);
    }
    Ok((median(times), lines))
}

fn time_generation(text: &str, name: &str, runs: usize) -> Result<(Duration, usize)> {
    time_generation_with(text, name, runs, false)
}

/// Every real-world sample spec (`realworld/`, OpenAPI 3.0;
/// `realworld-3.1/`; `realworld-2.0/`): generation time (median),
/// operations and lines, with `--lenient` only where a spec needs it.
fn realworld_generation() -> Result<()> {
    for folder in ["realworld", "realworld-3.1", "realworld-2.0"] {
        realworld_folder(folder)?;
    }
    Ok(())
}

fn realworld_folder(folder: &str) -> Result<()> {
    let paths = specs::sample_folder(&root(), folder);
    if paths.is_empty() {
        println!("  {folder}: no sample specs, skipped");
        return Ok(());
    }
    println!("  {folder}:");
    for path in paths {
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("spec").to_owned();
        let text = std::fs::read_to_string(&path)?;
        let lenient = codegen::generate(&text, &codegen::Config::new("probe", &name)).is_err();
        let ops = specs::declared_operations(&text);
        let runs = if text.len() > 1_000_000 { 7 } else { 15 };
        let (t, lines) = time_generation_with(&text, "realworld", runs, lenient)?;
        println!(
            "  {name:<38} {ops:>4} operations, {:>6} KB: {:>10}  ({lines} lines{})",
            text.len() / 1024,
            ms(t),
            if lenient { ", --lenient" } else { "" }
        );
    }
    Ok(())
}

fn generation(v1: Option<&str>) -> Result<()> {
    println!("== generation (in-process, median)");
    let ours = std::fs::read_to_string(root().join("spec/customer-contacts.yaml"))?;
    let (t, lines) = time_generation(&ours, "bc-api", 200)?;
    println!(
        "  customer-contacts.yaml (8 operations):     {:>10}  ({lines} lines)",
        ms(t)
    );
    match v1 {
        Some(v1) => {
            let (t, lines) = time_generation(v1, "bc-api-v1", 30)?;
            println!(
                "  bc-api-v1.0.yaml (324 operations):         {:>10}  ({lines} lines)",
                ms(t)
            );
        }
        None => println!("  bc-api-v1.0.yaml: not found beside the project, skipped"),
    }
    realworld_generation()?;
    for ops in [100, 200, 400, 800] {
        let text = synthetic::synthetic_spec(ops);
        let (t, lines) = time_generation(&text, "synthetic", 20)?;
        println!(
            "  synthetic, {ops:>3} operations:               {:>10}  ({lines} lines, {:.1} µs per operation)",
            ms(t),
            t.as_secs_f64() * 1e6 / ops as f64
        );
    }
    println!();
    Ok(())
}

/// Writes a generated crate into one shared scratch workspace.
fn write_crate(dir: &Path, name: &str, text: &str) -> Result<()> {
    let mut config = codegen::Config::new(name, name);
    config.command = "cargo xtask bench".to_owned();
    let out = codegen::generate(text, &config).map_err(|d| anyhow::anyhow!("{d}"))?;
    let crate_dir = dir.join(name);
    let _ = std::fs::remove_dir_all(&crate_dir);
    for f in &out.files {
        let p = crate_dir.join(&f.path);
        std::fs::create_dir_all(p.parent().context("parent")?)?;
        std::fs::write(p, &f.contents)?;
    }
    Ok(())
}

fn cargo(dir: &Path, target: &Path, args: &[&str]) -> Result<Duration> {
    let t = Instant::now();
    let out = Command::new(env!("CARGO"))
        .current_dir(dir)
        .env("CARGO_TARGET_DIR", target)
        .args(args)
        .output()?;
    if !out.status.success() {
        bail!(
            "cargo {} failed:\n{}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr)
        );
    }
    Ok(t.elapsed())
}

fn builds(v1: Option<&str>) -> Result<()> {
    println!("== build of generated crates (debug, dependencies already built; the crate alone)");
    let dir = root().join("target/bench-crates");
    std::fs::create_dir_all(&dir)?;
    let mut crates = vec![(
        "bc-api-ours".to_owned(),
        std::fs::read_to_string(root().join("spec/customer-contacts.yaml"))?,
    )];
    if let Some(v1) = v1 {
        crates.push(("bc-api-v1".to_owned(), v1.to_owned()));
    }
    crates.push(("synthetic-400".to_owned(), synthetic::synthetic_spec(400)));
    for (name, text) in &crates {
        write_crate(&dir, name, text)?;
    }
    let members: Vec<String> = crates.iter().map(|(n, _)| format!("\"{n}\"")).collect();
    std::fs::write(
        dir.join("Cargo.toml"),
        format!("[workspace]\nresolver = \"3\"\nmembers = [{}]\n", members.join(", ")),
    )?;
    std::fs::copy(root().join("Cargo.lock"), dir.join("Cargo.lock"))?;
    let target = root().join("target/bench-build");
    // Dependencies first, so the figures are the crates' own.
    cargo(&dir, &target, &["build", "--offline", "--quiet", "--workspace"])?;
    cargo(&dir, &target, &["check", "--offline", "--quiet", "--workspace"])?;
    for (name, _) in &crates {
        let lib = dir.join(name).join("src/lib.rs");
        let mut times = Vec::new();
        for _ in 0..3 {
            let text = std::fs::read_to_string(&lib)?;
            std::fs::write(&lib, text)?;
            cargo(&dir, &target, &["clean", "--offline", "--quiet", "-p", name])?;
            times.push(cargo(&dir, &target, &["build", "--offline", "--quiet", "-p", name])?);
        }
        let check = {
            cargo(&dir, &target, &["clean", "--offline", "--quiet", "-p", name])?;
            cargo(&dir, &target, &["check", "--offline", "--quiet", "-p", name])?
        };
        println!(
            "  {name:<14} cargo build {:>8.2} s (median of 3), cargo check {:>6.2} s",
            median(times).as_secs_f64(),
            check.as_secs_f64()
        );
    }
    println!();
    Ok(())
}

#[derive(Deserialize)]
#[allow(dead_code)]
struct HandPage {
    #[serde(rename = "@odata.context")]
    context: Option<String>,
    value: Vec<HandContact>,
    #[serde(rename = "@odata.nextLink")]
    next_link: Option<String>,
}

#[derive(Deserialize)]
#[allow(dead_code)]
#[serde(rename_all = "camelCase")]
struct HandContact {
    #[serde(rename = "@odata.etag")]
    etag: Option<String>,
    id: Option<uuid::Uuid>,
    email: Option<String>,
    first_name: Option<String>,
    last_name: Option<String>,
    professional_title: Option<String>,
    customer_id: Option<uuid::Uuid>,
    customer_name: Option<String>,
    primary_phone_number: Option<String>,
}

fn decode() -> Result<()> {
    println!("== decoding a 20,000-contact page (median of 40)");
    let mut value = Vec::with_capacity(20_000);
    for i in 0..20_000u128 {
        value.push(serde_json::json!({
            "@odata.etag": format!("W/\"JzE5OzEwNTk4MjM5Mjk0NTY4{i:06}OzAwOyc=\""),
            "id": uuid::Uuid::from_u128(0xe3a5c0b1_0123_4d6e_9f10_000000000000 + i).to_string(),
            "email": format!("contact{i}@contoso.com"),
            "firstName": format!("First{i}"),
            "lastName": format!("Last{i}"),
            "professionalTitle": "Purchasing Manager",
            "customerId": "f4b6d1c2-1042-4e7f-8a21-3b4c5d6e7f80",
            "customerName": "Contoso Ltd.",
            "primaryPhoneNumber": "+1 425-555-0174",
        }));
    }
    let page = serde_json::json!({
        "@odata.context": "https://api.businesscentral.dynamics.com/v2.0/t/e/api/v2.0/$metadata#companies(5d115c9c-44e3-ea11-bb43-000d3a2feca1)/customerContacts",
        "value": value,
        "@odata.nextLink": "https://api.businesscentral.dynamics.com/v2.0/t/e/api/v2.0/companies(5d115c9c-44e3-ea11-bb43-000d3a2feca1)/customerContacts?$skiptoken=o20000",
    });
    let bytes = serde_json::to_vec(&page)?;
    let mut generated = Vec::new();
    let mut hand = Vec::new();
    for round in 0..40 {
        // Alternate the order so neither side always runs on a warm cache.
        let run_generated = |out: &mut Vec<Duration>| -> Result<()> {
            let t = Instant::now();
            let p: bc_api::CustomerContactCollection = serde_json::from_slice(&bytes)?;
            out.push(t.elapsed());
            anyhow::ensure!(p.value.len() == 20_000);
            Ok(())
        };
        let run_hand = |out: &mut Vec<Duration>| -> Result<()> {
            let t = Instant::now();
            let p: HandPage = serde_json::from_slice(&bytes)?;
            out.push(t.elapsed());
            anyhow::ensure!(p.value.len() == 20_000);
            Ok(())
        };
        if round % 2 == 0 {
            run_generated(&mut generated)?;
            run_hand(&mut hand)?;
        } else {
            run_hand(&mut hand)?;
            run_generated(&mut generated)?;
        }
    }
    let (g, h) = (median(generated), median(hand));
    println!("  page: {:.1} MB", bytes.len() as f64 / 1e6);
    println!("  generated bc_api::CustomerContactCollection: {:>10}", ms(g));
    println!("  hand-written serde struct:                   {:>10}", ms(h));
    println!(
        "  ratio: {:.3}x (target: at most 1.1x)\n",
        g.as_secs_f64() / h.as_secs_f64()
    );
    Ok(())
}

fn release_binary() -> Result<PathBuf> {
    let status = Command::new(env!("CARGO"))
        .current_dir(root())
        .args(["build", "--release", "--quiet", "-p", "bc-conformance"])
        .status()
        .context("cannot build bc-conformance")?;
    if !status.success() {
        bail!("building bc-conformance failed");
    }
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root().join("target"));
    Ok(target.join("release/bc-conformance"))
}

struct ServerProcess {
    child: Child,
    addr: String,
    /// The bearer token the load sends.
    token: String,
    /// Kept open: the server must not find its stdout closed.
    _stdout: std::process::ChildStdout,
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

const TOKEN: &str = "bench-token";

/// How a server is started for a measurement, and the token its load sends.
#[derive(Clone)]
enum Mode {
    /// As given: a binary of this tree with `--no-limits`, or another one
    /// with none of this tree's flags.
    Plain(Vec<String>),
    /// Sign-in served and Business Central's limits on (the rate set out of
    /// reach, the 5 places and the queue as documented); the load sends a
    /// token the endpoint issued.
    SignInAndLimits,
}

const CLIENT_ID: &str = "bench-app";
const CLIENT_SECRET: &str = "bench-secret";

fn start_server(bin: &Path, mode: &Mode) -> Result<ServerProcess> {
    let mut args: Vec<String> = ["serve", "--addr", "127.0.0.1:0", "--token", TOKEN]
        .iter()
        .map(|s| (*s).to_owned())
        .collect();
    match mode {
        Mode::Plain(extra) => args.extend(extra.iter().cloned()),
        Mode::SignInAndLimits => args.extend(
            [
                "--client-id",
                CLIENT_ID,
                "--token-addr",
                "127.0.0.1:0",
                "--rate-limit",
                "1000000000",
            ]
            .iter()
            .map(|s| (*s).to_owned()),
        ),
    }
    let mut child = Command::new(bin)
        .args(&args)
        .env("BC_CLIENT_SECRET", CLIENT_SECRET)
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .context("cannot start the reference server")?;
    let mut out = child.stdout.take().context("stdout")?;
    let mut seen = String::new();
    let mut buf = [0u8; 256];
    let done = |seen: &str| match mode {
        Mode::Plain(_) => seen.contains("/api/v2.0\n"),
        Mode::SignInAndLimits => seen.contains("s)\n"),
    };
    while !done(&seen) {
        let n = out.read(&mut buf)?;
        if n == 0 {
            bail!("the server ended before printing its address: {seen}");
        }
        seen.push_str(&String::from_utf8_lossy(&buf[..n]));
    }
    let url = seen
        .split_whitespace()
        .find(|w| w.starts_with("http://"))
        .context("no address printed")?;
    let addr = url
        .trim_start_matches("http://")
        .trim_end_matches("/api/v2.0")
        .to_owned();
    let token = match mode {
        Mode::Plain(_) => TOKEN.to_owned(),
        Mode::SignInAndLimits => {
            let url = seen
                .split_whitespace()
                .find(|w| w.ends_with("/oauth2/v2.0/token"))
                .context("no token URL printed")?;
            sign_in(url)?
        }
    };
    Ok(ServerProcess {
        child,
        addr,
        token,
        _stdout: out,
    })
}

/// A token from the server's endpoint, by the client-credentials grant.
fn sign_in(url: &str) -> Result<String> {
    let rest = url.trim_start_matches("http://");
    let (host, path) = rest.split_once('/').context("a token URL")?;
    let path = format!("/{}", path.replace("<tenant>", "bench"));
    let body = format!(
        "grant_type=client_credentials&client_id={CLIENT_ID}&client_secret={CLIENT_SECRET}&scope=https%3A%2F%2Fapi.businesscentral.dynamics.com%2F.default"
    );
    let mut s = TcpStream::connect(host)?;
    write!(
        s,
        "POST {path} HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )?;
    let mut answer = String::new();
    s.read_to_string(&mut answer)?;
    let json = answer.split_once("\r\n\r\n").map(|(_, b)| b).unwrap_or_default();
    let v: serde_json::Value = serde_json::from_str(json).with_context(|| format!("the sign-in answered {answer}"))?;
    v["access_token"]
        .as_str()
        .map(str::to_owned)
        .with_context(|| format!("no access_token in {json}"))
}

/// One keep-alive connection sending `request` until `stop`; counts 2xx answers.
fn load(
    addr: &str,
    request: impl Fn(u64) -> Vec<u8>,
    stop: &AtomicBool,
    ok: &AtomicU64,
    errors: &AtomicU64,
) -> Result<()> {
    let mut s = TcpStream::connect(addr)?;
    s.set_nodelay(true)?;
    let mut buf = vec![0u8; 64 * 1024];
    let mut n: u64 = 0;
    while !stop.load(Ordering::Relaxed) {
        s.write_all(&request(n))?;
        n += 1;
        // Read the head, then the body by Content-Length.
        let mut have = 0;
        let head_end = loop {
            let r = s.read(&mut buf[have..])?;
            if r == 0 {
                bail!("connection closed");
            }
            have += r;
            if let Some(p) = buf[..have].windows(4).position(|w| w == b"\r\n\r\n") {
                break p + 4;
            }
        };
        let head = String::from_utf8_lossy(&buf[..head_end]).to_ascii_lowercase();
        let len: usize = head
            .lines()
            .find_map(|l| l.strip_prefix("content-length:").map(|v| v.trim().parse().unwrap_or(0)))
            .unwrap_or(0);
        let mut body = have - head_end;
        while body < len {
            let r = s.read(&mut buf)?;
            if r == 0 {
                bail!("connection closed");
            }
            body += r;
        }
        if head.starts_with("http/1.1 2") {
            ok.fetch_add(1, Ordering::Relaxed);
        } else {
            errors.fetch_add(1, Ordering::Relaxed);
        }
    }
    Ok(())
}

fn throughput(
    addr: &str,
    seconds: Duration,
    connections: usize,
    request: Arc<dyn Fn(u64) -> Vec<u8> + Send + Sync>,
) -> (f64, u64) {
    let stop = Arc::new(AtomicBool::new(false));
    let ok = Arc::new(AtomicU64::new(0));
    let errors = Arc::new(AtomicU64::new(0));
    let threads: Vec<_> = (0..connections)
        .map(|_| {
            let (stop, ok, errors, request, addr) = (
                stop.clone(),
                ok.clone(),
                errors.clone(),
                request.clone(),
                addr.to_owned(),
            );
            std::thread::spawn(move || {
                if let Err(e) = load(&addr, |n| request(n), &stop, &ok, &errors) {
                    if !stop.load(Ordering::Relaxed) {
                        eprintln!("  a load connection ended: {e}");
                    }
                }
            })
        })
        .collect();
    // Warm up, then measure.
    std::thread::sleep(Duration::from_millis(500));
    let start_ok = ok.load(Ordering::Relaxed);
    let t = Instant::now();
    std::thread::sleep(seconds);
    let done = ok.load(Ordering::Relaxed) - start_ok;
    let elapsed = t.elapsed();
    stop.store(true, Ordering::Relaxed);
    for th in threads {
        let _ = th.join();
    }
    (done as f64 / elapsed.as_secs_f64(), errors.load(Ordering::Relaxed))
}

const CONTACT_PATH: &str =
    "/api/v2.0/companies(5d115c9c-44e3-ea11-bb43-000d3a2feca1)/customerContacts(e3a5c0b1-0123-4d6e-9f10-2a3b4c5d6e7f)";

/// GET and PATCH throughput of one server binary: a fresh server for each.
fn measure_server(bin: &Path, mode: &Mode, seconds: Duration, connections: usize) -> Result<(f64, f64, u64)> {
    let s = start_server(bin, mode)?;
    let host = s.addr.clone();
    let token = s.token.clone();
    let get_req =
        format!("GET {CONTACT_PATH} HTTP/1.1\r\nHost: {host}\r\nAuthorization: Bearer {token}\r\n\r\n").into_bytes();
    let (get, get_errors) = throughput(&s.addr, seconds, connections, Arc::new(move |_| get_req.clone()));
    let patch = Arc::new(move |n: u64| {
        let body = format!(r#"{{"professionalTitle":"Title {}"}}"#, n % 1000);
        format!(
            "PATCH {CONTACT_PATH} HTTP/1.1\r\nHost: {host}\r\nAuthorization: Bearer {token}\r\nIf-Match: *\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        )
        .into_bytes()
    });
    let (patch, patch_errors) = throughput(&s.addr, seconds, connections, patch);
    Ok((get, patch, get_errors + patch_errors))
}

fn median_f(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

/// Each binary's server, measured in turn for `rounds` rounds (so both see
/// the same machine state), reported as medians.
fn server(bins: &[(String, PathBuf, Mode)], seconds: Duration, connections: usize, rounds: usize) -> Result<()> {
    println!(
        "== reference server over loopback ({connections} keep-alive connections, {} s each, median of {rounds}, load generator in this process)",
        seconds.as_secs()
    );
    let mut results: Vec<(Vec<f64>, Vec<f64>, u64)> = vec![(Vec::new(), Vec::new(), 0); bins.len()];
    for _ in 0..rounds {
        for (i, (_, bin, mode)) in bins.iter().enumerate() {
            let (get, patch, errors) = measure_server(bin, mode, seconds, connections)?;
            results[i].0.push(get);
            results[i].1.push(patch);
            results[i].2 += errors;
        }
    }
    let mut medians = Vec::new();
    for ((label, _, _), (gets, patches, errors)) in bins.iter().zip(results) {
        let (get, patch) = (median_f(gets), median_f(patches));
        println!("  {label}:");
        println!("    GET one contact:   {get:>9.0} requests/s");
        println!("    PATCH one contact: {patch:>9.0} requests/s ({errors} non-2xx in all)");
        medians.push((get, patch));
    }
    if let [(free_get, free_patch), (get, patch), rest @ ..] = &medians[..] {
        println!(
            "  sign-in and limits on against no limits: GET {:.2}x, PATCH {:.2}x",
            get / free_get,
            patch / free_patch
        );
        if let [(old_get, old_patch)] = rest {
            let (get, patch) = (*get, *patch);
            println!(
                "  sign-in and limits on against the other: GET {:.2}x, PATCH {:.2}x",
                get / old_get,
                patch / old_patch
            );
        }
    }
    println!();
    Ok(())
}

fn suite(bin: &Path) -> Result<()> {
    println!("== full conformance run against the reference server (writes and deletes; median of 10)");
    let mut times = Vec::new();
    for _ in 0..10 {
        let t = Instant::now();
        let out = Command::new(bin).args(["self-test", "--format", "json"]).output()?;
        times.push(t.elapsed());
        if !out.status.success() {
            bail!("the self-test failed:\n{}", String::from_utf8_lossy(&out.stdout));
        }
    }
    println!(
        "  bc-conformance self-test, process start to exit: {}",
        ms(median(times))
    );
    println!();
    Ok(())
}
