//! The reference server: Business Central's customerContacts API on SQLite,
//! meeting every requirement of the contract. It is its own crate so that
//! the conformance suite can only reach it over HTTP.
//!
//! - `listen`: the accept loop (header-read and idle timeouts, a cap on open
//!   connections, OData bodies on hyper's own protocol errors);
//! - `routing`: the path by hand (OData keys sit inside path segments),
//!   authentication first, then the handler;
//! - `entities`: companies, contacts and their PDF documents;
//! - `patch`: what a PATCH body may hold;
//! - `odata`: query options and `$filter`, every parser bounded;
//! - `store`: SQLite, with an in-memory mirror for reads;
//! - `sign_in`: the token endpoint (Entra's client-credentials grant) on a
//!   port of its own, and the tokens it issued;
//! - `throttle`: Business Central's limits per principal (rate, requests at
//!   once, queue);
//! - `error`: [`ODataError`], the one shape of every refusal.

#![cfg_attr(not(test), warn(clippy::unwrap_used, clippy::expect_used, clippy::panic))]

mod auth;
mod entities;
pub mod error;
mod listen;
pub mod odata;
mod patch;
pub mod pdf;
mod routing;
mod sign_in;
pub mod store;
mod throttle;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use uuid::Uuid;

pub use error::ODataError;
pub use listen::Limits;
pub use sign_in::SignIn;
use store::Store;
pub use throttle::Throttle;

/// How the server runs.
#[derive(Debug, Clone)]
pub struct ServerConfig {
    /// The one bearer token accepted.
    pub token: String,
    /// Keep the data in this SQLite file; in memory when `None`.
    pub db: Option<PathBuf>,
    /// The largest request body read.
    pub max_body_bytes: usize,
    /// The longest a request may take once its head is read, body included.
    pub request_timeout: Duration,
    /// The origin (and optional path prefix) clients reach the server at,
    /// such as `https://bc.example.com`; absolute URLs in responses
    /// (`@odata.nextLink`, `@odata.context`) start with it. When `None`,
    /// `http://<the address listened on>`. The `Host` header is never used.
    pub public_url: Option<String>,
    /// Connection limits and timeouts.
    pub limits: Limits,
    /// Business Central's request limits per principal.
    pub throttle: Throttle,
    /// Serve a token endpoint for this app registration, on `token_addr`.
    pub sign_in: Option<SignIn>,
    /// Where the token endpoint listens (port 0: any free port).
    pub token_addr: SocketAddr,
}

impl ServerConfig {
    pub fn new(token: impl Into<String>) -> ServerConfig {
        ServerConfig {
            token: token.into(),
            db: None,
            max_body_bytes: 1024 * 1024,
            request_timeout: Duration::from_secs(30),
            public_url: None,
            limits: Limits::default(),
            throttle: Throttle::default(),
            sign_in: None,
            token_addr: SocketAddr::from(([127, 0, 0, 1], 0)),
        }
    }
}

/// A random token, for when none is given.
pub fn generate_token() -> String {
    format!("{}{}", Uuid::new_v4().simple(), Uuid::new_v4().simple())
}

/// Checks a `--public-url`: `http` or `https`, a host, no query or fragment.
/// Returns it without a trailing slash.
pub fn check_public_url(url: &str) -> Result<String, String> {
    let trimmed = url.trim_end_matches('/');
    let found =
        |why: &str| format!("--public-url must be an http(s) URL such as https://bc.example.com; {why} in `{url}`");
    let uri: axum::http::Uri = trimmed.parse().map_err(|e| found(&format!("cannot parse it ({e})")))?;
    if !matches!(uri.scheme_str(), Some("http" | "https")) {
        return Err(found("the scheme is not http or https"));
    }
    if uri.authority().is_none_or(|a| a.host().is_empty()) {
        return Err(found("there is no host"));
    }
    if uri.query().is_some() || trimmed.contains('#') {
        return Err(found("a query or fragment is not allowed"));
    }
    if trimmed.chars().any(|c| !c.is_ascii_graphic()) {
        return Err(found("only visible ASCII characters are allowed"));
    }
    Ok(trimmed.to_owned())
}

/// The public URL for a server listening on `addr`: an unspecified address
/// (`0.0.0.0`, `::`) is shown as loopback.
fn default_public_url(addr: SocketAddr) -> String {
    let mut shown = addr;
    if addr.ip().is_unspecified() {
        shown.set_ip(if addr.is_ipv4() {
            std::net::Ipv4Addr::LOCALHOST.into()
        } else {
            std::net::Ipv6Addr::LOCALHOST.into()
        });
    }
    format!("http://{shown}")
}

#[derive(Clone)]
pub(crate) struct App {
    pub(crate) store: Arc<Store>,
    pub(crate) token: Arc<str>,
    pub(crate) max_body_bytes: usize,
    pub(crate) request_timeout: Duration,
    /// `<public url>/api/v2.0`.
    pub(crate) root: Arc<str>,
    /// Writers wait here, not on SQLite's lock in a worker thread.
    pub(crate) write_gate: Arc<tokio::sync::Mutex<()>>,
    /// The principal the static token signs in as.
    pub(crate) static_principal: Arc<str>,
    /// The tokens the sign-in endpoint issued, when it runs.
    pub(crate) issued: Option<Arc<sign_in::Tokens>>,
    pub(crate) limiter: Arc<throttle::Limiter>,
}

/// The server's routes over `store`, with absolute URLs under `public_url`
/// (checked with [`check_public_url`]).
pub fn router(store: Arc<Store>, config: &ServerConfig, public_url: &str) -> Router {
    api_router(store, config, public_url, None)
}

fn api_router(
    store: Arc<Store>,
    config: &ServerConfig,
    public_url: &str,
    issued: Option<Arc<sign_in::Tokens>>,
) -> Router {
    let app = App {
        store,
        token: Arc::from(config.token.as_str()),
        max_body_bytes: config.max_body_bytes,
        request_timeout: config.request_timeout,
        root: Arc::from(format!("{public_url}/api/v2.0")),
        write_gate: Arc::new(tokio::sync::Mutex::new(())),
        static_principal: Arc::from("static-token"),
        issued,
        limiter: Arc::new(throttle::Limiter::new(config.throttle.clone())),
    };
    Router::new().fallback(routing::handle).with_state(app)
}

/// A server running in this process.
#[derive(Debug)]
pub struct Running {
    pub addr: SocketAddr,
    /// The API root clients are told about, `<public url>/api/v2.0`.
    pub base_url: String,
    pub token: String,
    /// The token endpoint's address, when sign-in is served: tokens come
    /// from `http://<it>/<any tenant>/oauth2/v2.0/token`.
    pub token_addr: Option<SocketAddr>,
    tokens: Option<Arc<sign_in::Tokens>>,
    pub store: Arc<Store>,
    shutdown: Option<oneshot::Sender<()>>,
    task: tokio::task::JoinHandle<std::io::Result<()>>,
}

impl Running {
    /// Stops accepting, lets requests in flight finish (for a few seconds
    /// at most), and waits.
    /// How many tokens the token endpoint issued.
    pub fn tokens_issued(&self) -> u64 {
        self.tokens.as_ref().map_or(0, |t| t.issued())
    }

    /// The token URL for `tenant`, when sign-in is served.
    pub fn token_url(&self, tenant: &str) -> Option<String> {
        self.token_addr
            .map(|a| format!("http://{a}/{tenant}/oauth2/v2.0/token"))
    }

    pub async fn stop(mut self) -> std::io::Result<()> {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        match (&mut self.task).await {
            Ok(r) => r,
            Err(e) => Err(std::io::Error::other(e)),
        }
    }
}

/// Opens the store and serves on `addr` (port 0 picks a free one).
pub async fn start(addr: SocketAddr, config: ServerConfig) -> anyhow::Result<Running> {
    let store = Arc::new(Store::open(config.db.as_deref())?);
    start_with(addr, config, store, |r| r).await
}

/// Like [`start`], with the store given and the router wrapped by `layer`
/// (tests use it to break one requirement at a time).
pub async fn start_with(
    addr: SocketAddr,
    config: ServerConfig,
    store: Arc<Store>,
    layer: impl FnOnce(Router) -> Router,
) -> anyhow::Result<Running> {
    let public_url = match &config.public_url {
        Some(u) => Some(check_public_url(u).map_err(anyhow::Error::msg)?),
        None => None,
    };
    let listener = TcpListener::bind(addr)
        .await
        .map_err(|e| anyhow::anyhow!("cannot listen on {addr}: {e}"))?;
    let addr = listener.local_addr()?;
    let public_url = public_url.unwrap_or_else(|| default_public_url(addr));
    let (tx, rx) = oneshot::channel::<()>();
    let (stop_tokens, tokens_stopped) = tokio::sync::watch::channel(false);
    let mut token_addr = None;
    let mut token_task = None;
    let issued = match &config.sign_in {
        Some(sign_in) => {
            let tokens = Arc::new(sign_in::Tokens::new(sign_in.clone()));
            let token_listener = TcpListener::bind(config.token_addr)
                .await
                .map_err(|e| anyhow::anyhow!("cannot listen on {} for the token endpoint: {e}", config.token_addr))?;
            token_addr = Some(token_listener.local_addr()?);
            let mut stopped = tokens_stopped.clone();
            token_task = Some(tokio::spawn(listen::serve(
                token_listener,
                sign_in::router(Arc::clone(&tokens)),
                config.limits.clone(),
                async move {
                    let _ = stopped.wait_for(|s| *s).await;
                },
            )));
            Some(tokens)
        }
        None => None,
    };
    let app = layer(api_router(store.clone(), &config, &public_url, issued.clone()));
    let limits = config.limits.clone();
    let task = tokio::spawn(async move {
        let served = listen::serve(listener, app, limits, async move {
            let _ = rx.await;
        })
        .await;
        let _ = stop_tokens.send(true);
        if let Some(t) = token_task {
            let _ = t.await;
        }
        served
    });
    Ok(Running {
        addr,
        base_url: format!("{public_url}/api/v2.0"),
        token: config.token,
        token_addr,
        tokens: issued,
        store,
        shutdown: Some(tx),
        task,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn public_urls_are_checked() {
        assert_eq!(
            check_public_url("https://bc.example.com/").unwrap(),
            "https://bc.example.com"
        );
        assert_eq!(
            check_public_url("http://h:8080/prefix").unwrap(),
            "http://h:8080/prefix"
        );
        for bad in ["bc.example.com", "ftp://h", "https://h/?q=1", "https://h/#x", "http://"] {
            assert!(check_public_url(bad).is_err(), "{bad}");
        }
        assert_eq!(default_public_url("0.0.0.0:80".parse().unwrap()), "http://127.0.0.1:80");
        assert_eq!(default_public_url("[::]:80".parse().unwrap()), "http://[::1]:80");
    }
}
