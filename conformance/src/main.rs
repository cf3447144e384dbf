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
    /// The API root, such as https://api.businesscentral.dynamics.com/v2.0/<tenant>/<environment>/api/v2.0
    #[arg(long)]
    base_url: String,
    /// The bearer token; sent only to the base URL's origin and never printed.
    #[arg(long, env = "BC_TOKEN", hide_env_values = true)]
    token: String,
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

async fn run(args: RunArgs) -> anyhow::Result<ExitCode> {
    let mut opts = options(&args.base_url, &args.token, &args.report)?;
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
    let running = server::start(args.addr, config).await?;
    tracing::info!(addr = %running.addr, db = ?args.db, "reference server listening");
    // A closed stdout must not stop the server: these lines are a courtesy.
    let mut out = std::io::stdout();
    let _ = writeln!(out, "bc-conformance reference server on {}", running.base_url);
    if generated {
        let _ = writeln!(out, "bearer token (generated): {token}");
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
