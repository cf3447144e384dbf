//! `bc-conformance`: run the suite against a server, or run the reference server.
//!
//! Exit codes of `run` and `self-test`: 0 conformant, 1 not conformant,
//! 2 the run could not be done (bad arguments, server unreachable, token
//! refused, --deadline passed), 130 stopped by Ctrl-C or SIGTERM (after
//! putting back what was changed).

use std::collections::BTreeSet;
use std::io::IsTerminal;
#[cfg(feature = "server")]
use std::io::Write;
#[cfg(feature = "server")]
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::Context;
use bc_conformance::contract::Id;
use bc_conformance::report::{self, Report};
use bc_conformance::suite::{self, RunOptions};
use clap::{Args, Parser, Subcommand, ValueEnum};

/// The server allocates per request (JSON values, headers); mimalloc keeps
/// that off the profile.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser)]
#[command(
    name = "bc-conformance",
    version,
    about = "Checks a server against the Business Central customerContacts contract, or runs the reference server"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Check a server against CONTRACT.md and replay the documented examples.
    ///
    /// Reads only, unless --allow-writes (every changed value is put back)
    /// or --allow-delete. Exit codes: 0 conformant, 1 not conformant, 2 the
    /// run could not be done (or --deadline passed), 130 stopped by Ctrl-C
    /// or SIGTERM after putting back what was changed.
    Run(RunArgs),
    /// Run the reference server.
    #[cfg(feature = "server")]
    Serve(ServeArgs),
    /// Start the reference server on a free loopback port and run the whole
    /// suite against it, writes and deletes included.
    #[cfg(feature = "server")]
    SelfTest(ReportArgs),
}

#[derive(Args)]
struct RunArgs {
    /// The Microsoft Entra tenant (its id or domain name): with
    /// --environment, the run checks
    /// https://api.businesscentral.dynamics.com/v2.0/<tenant>/<environment>/api/v2.0
    /// and signs in at https://login.microsoftonline.com/<tenant>/oauth2/v2.0/token.
    #[arg(long)]
    tenant: Option<String>,
    /// The Business Central environment, such as production or sandbox.
    #[arg(long, requires = "tenant")]
    environment: Option<String>,
    /// The API root; overrides the URL --tenant and --environment make.
    #[arg(long)]
    base_url: Option<String>,
    /// Sign in with this app registration's client id; the secret comes from
    /// BC_CLIENT_SECRET (never a flag, never printed). Tokens are fetched,
    /// and renewed as they expire.
    #[arg(long, conflicts_with = "token")]
    client_id: Option<String>,
    #[arg(
        long = "client-secret-from-env-only",
        env = "BC_CLIENT_SECRET",
        hide = true,
        hide_env_values = true
    )]
    client_secret: Option<String>,
    /// The token endpoint; overrides the one --tenant makes (a test server,
    /// another identity provider).
    #[arg(long)]
    token_url: Option<String>,
    /// The scope asked for at sign-in.
    #[arg(long, default_value = bc_conformance::suite::BC_SCOPE)]
    scope: String,
    /// A bearer token instead of a sign-in; sent only to the base URL's
    /// origin and never printed.
    #[arg(long, env = "BC_TOKEN", hide_env_values = true)]
    token: Option<String>,
    /// At most this many requests per second (a real tenant allows 6000
    /// per 5 minutes, 20 per second, per user).
    #[arg(long)]
    max_rate: Option<f64>,
    /// At most this many requests at once (Business Central serves 5 per
    /// user at a time).
    #[arg(long)]
    concurrency: Option<usize>,
    /// The company to test (default: the first of GET /companies).
    #[arg(long)]
    company: Option<uuid::Uuid>,
    /// Run the checks that PATCH and POST; every value changed is put back.
    #[arg(long)]
    allow_writes: bool,
    /// Run the checks that DELETE contacts (they cannot be put back).
    #[arg(long)]
    allow_delete: bool,
    #[command(flatten)]
    report: ReportArgs,
}

#[derive(Args)]
struct ReportArgs {
    /// Fail the run on SHOULD failures too (otherwise they are warnings).
    #[arg(long)]
    strict: bool,
    /// Run only the checks of these ids, and report only them, comma-separated
    /// (such as PATCH-4,CONC-1); the discovery those checks need still runs.
    /// An id CONTRACT.md does not have exits 2, listing the ones it has.
    #[arg(long, value_delimiter = ',')]
    only: Vec<String>,
    #[arg(long, value_enum, default_value_t = Format::Human)]
    format: Format,
    /// Write the report to this file instead of standard output.
    #[arg(long)]
    output: Option<PathBuf>,
    /// Seconds each request may take, body included.
    #[arg(long, default_value_t = 10.0)]
    timeout: f64,
    /// Seconds the whole run may take. When they pass, the checks stop,
    /// every value changed is put back, and the run exits 2 with a report
    /// of what ran.
    #[arg(long, default_value_t = 120.0)]
    deadline: f64,
    /// The largest response body read, in bytes; a listing also stops once
    /// its pages add up to this.
    #[arg(long, default_value_t = 64 * 1024 * 1024)]
    max_body: usize,
}

#[derive(Clone, Copy, ValueEnum)]
enum Format {
    Human,
    Json,
    Junit,
}

#[cfg(feature = "server")]
#[derive(Args)]
struct ServeArgs {
    #[arg(long, default_value = "127.0.0.1:8080")]
    addr: SocketAddr,
    /// The accepted bearer token (default: a random one, printed at start-up).
    #[arg(long, env = "BC_TOKEN", hide_env_values = true)]
    token: Option<String>,
    /// Keep the data in this SQLite file across restarts (default: in memory).
    #[arg(long)]
    db: Option<PathBuf>,
    /// Where clients reach the server, such as https://bc.example.com when it
    /// runs behind a proxy. Links in responses (@odata.nextLink,
    /// @odata.context) start with it; the Host header is never used.
    /// Default: http://<--addr>.
    #[arg(long)]
    public_url: Option<String>,
    /// Seconds a client has to send a whole request head; an idle
    /// keep-alive connection is closed after this too.
    #[arg(long, default_value_t = 10.0)]
    header_timeout: f64,
    /// Seconds a connection may stay with nothing read or written.
    #[arg(long, default_value_t = 60.0)]
    idle_timeout: f64,
    /// Connections served at once; more are answered 503 and closed.
    #[arg(long, default_value_t = 1024)]
    max_connections: usize,
    /// Seconds a request may take once its head is read, body included (408 after).
    #[arg(long, default_value_t = 30.0)]
    request_timeout: f64,
    /// Serve a token endpoint of Microsoft Entra ID's shape for this app
    /// registration's client id (the secret comes from BC_CLIENT_SECRET):
    /// POST /{tenant}/oauth2/v2.0/token on --token-addr, the
    /// client-credentials grant with a scope ending in /.default. Its tokens
    /// work beside the static --token.
    #[arg(long)]
    client_id: Option<String>,
    /// The client secret for --client-id. Only from the environment: a flag
    /// would show in the process list.
    #[arg(
        long = "client-secret-from-env-only",
        env = "BC_CLIENT_SECRET",
        hide = true,
        hide_env_values = true
    )]
    client_secret: Option<String>,
    /// Seconds each issued token lives; an expired one gets 401.
    #[arg(long, default_value_t = 3600)]
    token_lifetime: u64,
    /// Where the token endpoint listens.
    #[arg(long, default_value = "127.0.0.1:8081")]
    token_addr: SocketAddr,
    /// Requests per principal (token) per --rate-window; more get 429 with
    /// Retry-After. 0 turns the limit off. Business Central online: 6000
    /// per 300 s.
    #[arg(long, default_value_t = 6000)]
    rate_limit: u32,
    /// Seconds of the rate limit's window.
    #[arg(long, default_value_t = 300.0)]
    rate_window: f64,
    /// Requests served at once per principal; more wait in the queue.
    #[arg(long, default_value_t = 5)]
    max_concurrent: usize,
    /// Requests that may wait for a place; more get 429.
    #[arg(long, default_value_t = 95)]
    queue: usize,
    /// No rate or concurrency limit at all (load tests).
    #[arg(long, conflicts_with_all = ["rate_limit", "max_concurrent", "queue"])]
    no_limits: bool,
}

/// A number of seconds from the command line, checked.
#[cfg(feature = "server")]
fn seconds(flag: &str, value: f64) -> anyhow::Result<Duration> {
    if !(value > 0.0 && value <= 86_400.0) {
        anyhow::bail!("{flag} must be between 0 and 86400 seconds, found {value}");
    }
    Ok(Duration::from_secs_f64(value))
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::from(2);
        }
    };
    let result = runtime.block_on(async {
        match cli.command {
            Command::Run(args) => run(args).await,
            #[cfg(feature = "server")]
            Command::Serve(args) => serve(args).await.map(|()| ExitCode::SUCCESS),
            #[cfg(feature = "server")]
            Command::SelfTest(args) => self_test(args).await,
        }
    });
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(2)
        }
    }
}

fn options(base_url: &str, token: &str, report: &ReportArgs) -> anyhow::Result<RunOptions> {
    let mut opts = RunOptions::new(base_url, token);
    opts.strict = report.strict;
    if !(report.timeout > 0.0 && report.timeout <= 3600.0) {
        anyhow::bail!("--timeout must be between 0 and 3600 seconds, found {}", report.timeout);
    }
    opts.timeout = Duration::from_secs_f64(report.timeout);
    if !(report.deadline > 0.0 && report.deadline <= 86_400.0) {
        anyhow::bail!(
            "--deadline must be between 0 and 86400 seconds, found {}",
            report.deadline
        );
    }
    opts.deadline = Duration::from_secs_f64(report.deadline);
    if report.max_body < 1024 {
        anyhow::bail!("--max-body must be at least 1024 bytes, found {}", report.max_body);
    }
    opts.max_body_bytes = report.max_body;
    opts.stop = Some(stop_on_signal());
    let mut only = BTreeSet::new();
    for id in &report.only {
        only.insert(id.parse::<Id>().map_err(|e| anyhow::anyhow!("--only: {e}"))?);
    }
    opts.only = only;
    Ok(opts)
}

/// Business Central online's API root for a tenant and an environment.
fn bc_url(tenant: &str, environment: &str) -> anyhow::Result<String> {
    for (flag, value) in [("--tenant", tenant), ("--environment", environment)] {
        if value.is_empty() || !value.bytes().all(|b| b.is_ascii_alphanumeric() || b"-._".contains(&b)) {
            anyhow::bail!("{flag} must be letters, digits, `-`, `.` or `_`, found `{value}`");
        }
    }
    Ok(format!(
        "https://api.businesscentral.dynamics.com/v2.0/{tenant}/{environment}/api/v2.0"
    ))
}

async fn run(args: RunArgs) -> anyhow::Result<ExitCode> {
    let base_url = match (&args.base_url, &args.tenant, &args.environment) {
        (Some(url), _, _) => url.clone(),
        (None, Some(t), Some(e)) => bc_url(t, e)?,
        (None, Some(_), None) => anyhow::bail!("--tenant needs --environment (or give --base-url)"),
        (None, None, _) => anyhow::bail!("give --base-url, or --tenant and --environment"),
    };
    let token = args.token.clone().unwrap_or_default();
    let mut opts = options(&base_url, &token, &args.report)?;
    if let Some(client_id) = &args.client_id {
        let Some(secret) = args.client_secret.clone().filter(|s| !s.is_empty()) else {
            anyhow::bail!("--client-id needs the client secret in BC_CLIENT_SECRET");
        };
        let token_url = match (&args.token_url, &args.tenant) {
            (Some(u), _) => u.clone(),
            (None, Some(t)) => {
                bc_url(t, args.environment.as_deref().unwrap_or("production"))?;
                format!("https://login.microsoftonline.com/{t}/oauth2/v2.0/token")
            }
            (None, None) => anyhow::bail!("--client-id needs --tenant or --token-url to know where to sign in"),
        };
        opts.sign_in = Some(bc_conformance::suite::SignIn {
            token_url,
            client_id: client_id.clone(),
            client_secret: secret,
            scope: args.scope.clone(),
        });
    }
    if let Some(r) = args.max_rate {
        if !(r > 0.0 && r <= 100_000.0) {
            anyhow::bail!("--max-rate must be between 0 and 100000 requests per second, found {r}");
        }
        opts.max_rate = Some(r);
    }
    if let Some(n) = args.concurrency {
        if n == 0 {
            anyhow::bail!("--concurrency must be at least 1");
        }
        opts.concurrency = Some(n);
    }
    opts.company = args.company;
    opts.allow_writes = args.allow_writes;
    opts.allow_delete = args.allow_delete;
    execute(opts, &args.report).await
}

/// A flag that turns `true` on the first Ctrl-C or SIGTERM; the suite then
/// stops its checks and puts back what it changed. A second signal ends
/// the process at once (exit 130).
fn stop_on_signal() -> tokio::sync::watch::Receiver<bool> {
    let (tx, rx) = tokio::sync::watch::channel(false);
    tokio::spawn(async move {
        for round in 0..2 {
            if wait_for_signal().await.is_err() {
                // No signal can be received here; the run goes on.
                return;
            }
            if round == 0 {
                eprintln!("stopping: putting back what was changed (press Ctrl-C again to quit at once)");
                let _ = tx.send(true);
            } else {
                eprintln!("stopped at once: values changed on the server may not have been put back");
                std::process::exit(130);
            }
        }
    });
    rx
}

async fn wait_for_signal() -> std::io::Result<()> {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let mut term = signal(SignalKind::terminate())?;
        tokio::select! {
            r = tokio::signal::ctrl_c() => r,
            _ = term.recv() => Ok(()),
        }
    }
    #[cfg(not(unix))]
    {
        tokio::signal::ctrl_c().await
    }
}

async fn execute(opts: RunOptions, report_args: &ReportArgs) -> anyhow::Result<ExitCode> {
    let report = match suite::run(opts).await {
        Ok(r) => r,
        Err(aborted) => {
            eprintln!("error: the run could not be done: {aborted}");
            return Ok(ExitCode::from(2));
        }
    };
    emit(&report, report_args)?;
    if let Some(i) = &report.interrupted {
        eprintln!("interrupted: {}", i.reason());
        return Ok(ExitCode::from(match i {
            report::Interrupted::Stopped(_) => 130,
            report::Interrupted::Deadline(_) => 2,
        }));
    }
    Ok(if report.conformant {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

fn emit(report: &Report, args: &ReportArgs) -> anyhow::Result<()> {
    let to_terminal =
        args.output.is_none() && std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none();
    let text = match args.format {
        Format::Human => report::render_human(report, to_terminal),
        Format::Json => report::render_json(report),
        Format::Junit => report::render_junit(report),
    };
    match &args.output {
        Some(path) => {
            std::fs::write(path, text).with_context(|| format!("cannot write the report to {}", path.display()))?;
            eprintln!(
                "{} passed, {} failed, {} warned, {} skipped: {} (report in {})",
                report.counts.passed,
                report.counts.failed,
                report.counts.warned,
                report.counts.skipped,
                if report.conformant {
                    "conformant"
                } else {
                    "NOT conformant"
                },
                path.display()
            );
        }
        None => print!("{text}"),
    }
    Ok(())
}

#[cfg(feature = "server")]
async fn serve(args: ServeArgs) -> anyhow::Result<()> {
    use bc_reference_server::{self as server, ServerConfig};
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()))
        .init();
    let (token, generated) = match args.token {
        Some(t) if !t.trim().is_empty() => (t, false),
        _ => (server::generate_token(), true),
    };
    let mut config = ServerConfig::new(token.clone());
    config.db = args.db.clone();
    if let Some(url) = &args.public_url {
        config.public_url = Some(server::check_public_url(url).map_err(anyhow::Error::msg)?);
    }
    config.limits.header_timeout = seconds("--header-timeout", args.header_timeout)?;
    config.limits.idle_timeout = seconds("--idle-timeout", args.idle_timeout)?;
    config.request_timeout = seconds("--request-timeout", args.request_timeout)?;
    if args.max_connections == 0 {
        anyhow::bail!("--max-connections must be at least 1");
    }
    config.limits.max_connections = args.max_connections;
    if args.max_concurrent == 0 {
        anyhow::bail!("--max-concurrent must be at least 1");
    }
    config.throttle = server::Throttle {
        rate: (args.rate_limit > 0).then_some(args.rate_limit),
        window: seconds("--rate-window", args.rate_window)?,
        concurrent: args.max_concurrent,
        queue: args.queue,
        queue_timeout: config.request_timeout,
    };
    if args.no_limits {
        config.throttle = server::Throttle::off();
    }
    if let Some(client_id) = &args.client_id {
        let secret = args.client_secret.clone().unwrap_or_default();
        if client_id.trim().is_empty() || secret.is_empty() {
            anyhow::bail!("--client-id needs a non-empty id, and the secret in BC_CLIENT_SECRET");
        }
        if !(1..=86_400).contains(&args.token_lifetime) {
            anyhow::bail!(
                "--token-lifetime must be between 1 and 86400 seconds, found {}",
                args.token_lifetime
            );
        }
        config.sign_in = Some(server::SignIn {
            client_id: client_id.clone(),
            client_secret: secret,
            token_lifetime: Duration::from_secs(args.token_lifetime),
        });
        config.token_addr = args.token_addr;
    }
    let running = server::start(args.addr, config).await?;
    tracing::info!(addr = %running.addr, db = ?args.db, "reference server listening");
    // A closed stdout must not stop the server: these lines are a courtesy.
    let mut out = std::io::stdout();
    let _ = writeln!(out, "bc-conformance reference server on {}", running.base_url);
    if generated {
        let _ = writeln!(out, "bearer token (generated): {token}");
    }
    if let Some(url) = running.token_url("<tenant>") {
        let _ = writeln!(
            out,
            "sign-in: client id {} at {url} (tokens live {} s)",
            args.client_id.as_deref().unwrap_or_default(),
            args.token_lifetime
        );
    }
    let _ = writeln!(
        out,
        "try: curl -H \"Authorization: Bearer $TOKEN\" {}/companies",
        running.base_url
    );
    let _ = out.flush();
    tokio::signal::ctrl_c().await.context("cannot wait for Ctrl-C")?;
    tracing::info!("shutting down");
    running.stop().await?;
    Ok(())
}

#[cfg(feature = "server")]
async fn self_test(args: ReportArgs) -> anyhow::Result<ExitCode> {
    use bc_reference_server::{self as server, ServerConfig};
    let token = server::generate_token();
    let running = server::start("127.0.0.1:0".parse()?, ServerConfig::new(token.clone())).await?;
    let mut opts = options(&running.base_url, &token, &args)?;
    opts.allow_writes = true;
    opts.allow_delete = true;
    let code = execute(opts, &args).await;
    running.stop().await?;
    code
}
