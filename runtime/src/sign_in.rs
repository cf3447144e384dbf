//! Signing in with the OAuth 2.0 client-credentials grant (RFC 6749,
//! section 4.4), as Microsoft Entra ID and other identity providers serve
//! it: a token provider that fetches a token, keeps it until shortly before
//! it expires, fetches once for many callers, and renews after a 401.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bytes::BytesMut;
use reqwest::header::{ACCEPT, CONTENT_TYPE};
use reqwest::{StatusCode, Url};

use super::auth::{BoxError, TokenFuture, TokenProvider};

/// The largest token response read: a token endpoint answers a few KiB.
const MAX_TOKEN_RESPONSE: usize = 64 * 1024;
/// The lifetime assumed when the endpoint gives no `expires_in`.
const DEFAULT_LIFETIME: Duration = Duration::from_secs(3600);
/// A token is renewed this long before it expires, at most (a tenth of its
/// lifetime for short-lived tokens), so no request leaves with a token
/// about to lapse.
const MAX_RENEW_EARLY: Duration = Duration::from_secs(300);

/// A sign-in with a client id and secret. It is a [`TokenProvider`]: give
/// it to `ClientBuilder::sign_in` through the generated `security` module,
/// or to `ClientBuilder::token_provider`.
///
/// The secret and the tokens never appear in `Debug` output or in errors.
pub struct ClientCredentials {
    token_url: String,
    client_id: String,
    secret: String,
    scopes: Vec<String>,
    basic: bool,
    timeout: Duration,
    http: Option<reqwest::Client>,
    built: Mutex<Option<reqwest::Client>>,
    cached: Mutex<Option<Cached>>,
    /// One fetch at a time; callers that find no fresh token wait here and
    /// then take the token (or the refusal) the first one fetched.
    gate: tokio::sync::Mutex<()>,
    /// The last fetch's refusal, by its number among the finished ones.
    failed: Mutex<Option<(u64, SignInError)>>,
    /// Token requests answered (or failed) so far.
    finished: AtomicU64,
    fetches: AtomicU64,
}

struct Cached {
    token: Arc<str>,
    renew_at: Instant,
}

impl std::fmt::Debug for ClientCredentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClientCredentials")
            .field("token_url", &self.token_url)
            .field("client_id", &self.client_id)
            .field("client_secret", &"***")
            .field("scopes", &self.scopes)
            .field("basic", &self.basic)
            .finish_non_exhaustive()
    }
}

impl ClientCredentials {
    /// A sign-in at `token_url` (such as
    /// `https://login.microsoftonline.com/<tenant>/oauth2/v2.0/token`) with
    /// the client secret sent in the form body.
    pub fn new(
        token_url: impl Into<String>,
        client_id: impl Into<String>,
        client_secret: impl Into<String>,
    ) -> ClientCredentials {
        ClientCredentials {
            token_url: token_url.into(),
            client_id: client_id.into(),
            secret: client_secret.into(),
            scopes: Vec::new(),
            basic: false,
            timeout: Duration::from_secs(30),
            http: None,
            built: Mutex::new(None),
            cached: Mutex::new(None),
            gate: tokio::sync::Mutex::new(()),
            failed: Mutex::new(None),
            finished: AtomicU64::new(0),
            fetches: AtomicU64::new(0),
        }
    }

    /// The scopes asked for (sent space-separated as `scope`).
    #[must_use]
    pub fn scopes<I, S>(mut self, scopes: I) -> ClientCredentials
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.scopes = scopes.into_iter().map(Into::into).collect();
        self
    }

    /// Another token endpoint than the spec's (a test server, a proxy).
    #[must_use]
    pub fn token_url(mut self, url: impl Into<String>) -> ClientCredentials {
        self.token_url = url.into();
        self
    }

    /// Sends the client id and secret with HTTP Basic authentication
    /// (`client_secret_basic`) instead of in the form body.
    #[must_use]
    pub fn basic_auth(mut self, basic: bool) -> ClientCredentials {
        self.basic = basic;
        self
    }

    /// The longest a token request may take (default 30 s).
    #[must_use]
    pub fn timeout(mut self, timeout: Duration) -> ClientCredentials {
        self.timeout = timeout;
        self
    }

    /// Uses a `reqwest::Client` you configured for the token requests.
    #[must_use]
    pub fn http_client(mut self, client: reqwest::Client) -> ClientCredentials {
        self.http = Some(client);
        self
    }

    /// How many token requests were made so far (each renewal is one; a
    /// refused one counts too).
    pub fn fetches(&self) -> u64 {
        self.fetches.load(Ordering::Relaxed)
    }

    fn fresh(&self) -> Option<Arc<str>> {
        let cached = self.cached.lock().ok()?;
        cached
            .as_ref()
            .filter(|c| Instant::now() < c.renew_at)
            .map(|c| Arc::clone(&c.token))
    }

    fn client(&self) -> Result<reqwest::Client, SignInError> {
        if let Some(c) = &self.http {
            return Ok(c.clone());
        }
        let mut built = self
            .built
            .lock()
            .map_err(|_| self.error("the sign-in state is poisoned"))?;
        if let Some(c) = built.as_ref() {
            return Ok(c.clone());
        }
        let c = reqwest::Client::builder()
            // A redirect could carry the secret elsewhere.
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| self.error(&format!("cannot build the HTTP client: {e}")))?;
        *built = Some(c.clone());
        Ok(c)
    }

    fn error(&self, reason: &str) -> SignInError {
        SignInError {
            token_url: self.token_url.clone(),
            status: None,
            error: None,
            description: None,
            code: None,
            reason: self.mask(reason),
        }
    }

    /// Hides the secret, as written and as form-encoded, in text the
    /// endpoint or a library wrote.
    fn mask(&self, text: &str) -> String {
        if self.secret.is_empty() {
            return text.to_owned();
        }
        let mut encoded = super::Query::default();
        encoded.push("s", &self.secret);
        let encoded = encoded.as_str()["s=".len()..].to_owned();
        text.replace(&self.secret, "***").replace(&encoded, "***")
    }

    fn timed_out(&self) -> SignInError {
        self.error(&format!(
            "the token endpoint did not answer within {:.1} s",
            self.timeout.as_secs_f64()
        ))
    }

    fn transport(&self, what: &str, e: &reqwest::Error) -> SignInError {
        if e.is_timeout() {
            self.timed_out()
        } else {
            self.error(&format!("{what}: {}", super::error::root_cause(e)))
        }
    }

    fn url(&self) -> Result<Url, SignInError> {
        let url = Url::parse(&self.token_url)
            .map_err(|e| self.error(&format!("the token URL is not a URL ({e}); expected https://host/path")))?;
        let loopback = url.host_str().is_some_and(|h| {
            h.eq_ignore_ascii_case("localhost")
                || h.trim_start_matches('[')
                    .trim_end_matches(']')
                    .parse::<std::net::IpAddr>()
                    .is_ok_and(|ip| ip.is_loopback())
        });
        match url.scheme() {
            "https" => Ok(url),
            "http" if loopback => Ok(url),
            "http" => Err(self.error(
                "the token URL is plain http on another host than loopback: the secret would travel unencrypted; use https",
            )),
            other => Err(self.error(&format!("the token URL's scheme is `{other}`; expected https"))),
        }
    }

    async fn fetch(&self) -> Result<(Arc<str>, Duration), SignInError> {
        let url = self.url()?;
        let mut form = super::Query::default();
        form.push("grant_type", "client_credentials");
        if !self.scopes.is_empty() {
            form.push("scope", &self.scopes.join(" "));
        }
        let mut request = self
            .client()?
            .post(url)
            .timeout(self.timeout)
            .header(ACCEPT, "application/json")
            .header(CONTENT_TYPE, "application/x-www-form-urlencoded");
        if self.basic {
            // RFC 6749, section 2.3.1: both form-encoded, then Basic.
            let (mut id, mut secret) = (super::Query::default(), super::Query::default());
            id.push("i", &self.client_id);
            secret.push("s", &self.secret);
            request = request.basic_auth(&id.as_str()[2..], Some(&secret.as_str()[2..]));
        } else {
            form.push("client_id", &self.client_id);
            form.push("client_secret", &self.secret);
        }
        self.fetches.fetch_add(1, Ordering::Relaxed);
        let exchange = async {
            let mut response = request
                .body(form.as_str().to_owned())
                .send()
                .await
                .map_err(|e| self.transport("cannot reach the token endpoint", &e))?;
            let status = response.status();
            if response.content_length().is_some_and(|n| n > MAX_TOKEN_RESPONSE as u64) {
                return Err(self.error(&format!(
                    "the token response announces more than {MAX_TOKEN_RESPONSE} bytes"
                )));
            }
            let mut body = BytesMut::new();
            while let Some(chunk) = response
                .chunk()
                .await
                .map_err(|e| self.transport("the token response was cut off", &e))?
            {
                if body.len() + chunk.len() > MAX_TOKEN_RESPONSE {
                    return Err(self.error(&format!("the token response is larger than {MAX_TOKEN_RESPONSE} bytes")));
                }
                body.extend_from_slice(&chunk);
            }
            Ok((status, body))
        };
        let (status, body) = tokio::time::timeout(self.timeout, exchange)
            .await
            .map_err(|_| self.timed_out())??;
        let json: Option<serde_json::Value> = serde_json::from_slice(&body).ok();
        if !status.is_success() {
            return Err(self.refusal(status, json.as_ref()));
        }
        let Some(json) = json else {
            return Err(self.error(&format!(
                "the token endpoint answered {status} with a body that is not JSON"
            )));
        };
        if let Some(kind) = json.get("token_type").and_then(|t| t.as_str()) {
            if !kind.eq_ignore_ascii_case("bearer") {
                return Err(self.error(&format!(
                    "the token endpoint issued a `{kind}` token; expected `Bearer`"
                )));
            }
        }
        let token = match json.get("access_token").and_then(|t| t.as_str()) {
            Some(t) if !t.is_empty() && t.bytes().all(|b| b.is_ascii_graphic()) => t,
            Some(_) => return Err(self.error("the token endpoint issued an access_token that cannot go in a header")),
            None => return Err(self.error("the token response has no `access_token`")),
        };
        // Entra's v1 endpoint writes `expires_in` as a string.
        let lifetime = match json.get("expires_in") {
            Some(serde_json::Value::Number(n)) => n.as_f64(),
            Some(serde_json::Value::String(s)) => s.trim().parse::<f64>().ok(),
            _ => None,
        }
        .filter(|s| s.is_finite() && *s > 0.0)
        .map_or(DEFAULT_LIFETIME, |s| Duration::from_secs_f64(s.min(1e9)));
        Ok((Arc::from(token), lifetime))
    }

    fn refusal(&self, status: StatusCode, json: Option<&serde_json::Value>) -> SignInError {
        let field = |name: &str| {
            json.and_then(|j| j.get(name))
                .and_then(|v| v.as_str())
                .map(|s| self.mask(s))
        };
        let description = field("error_description");
        // Entra: `error_codes: [7000215]`, and the description begins with
        // `AADSTS7000215:`.
        let code = json
            .and_then(|j| j.get("error_codes"))
            .and_then(|c| c.get(0))
            .and_then(|c| c.as_u64())
            .map(|c| format!("AADSTS{c}"))
            .or_else(|| {
                let d = description.as_deref()?;
                let rest = d.strip_prefix("AADSTS")?;
                let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
                (!digits.is_empty()).then(|| format!("AADSTS{digits}"))
            });
        SignInError {
            token_url: self.token_url.clone(),
            status: Some(status.as_u16()),
            error: field("error"),
            description,
            code,
            reason: format!("the token endpoint refused the sign-in with {status}"),
        }
    }
}

impl TokenProvider for ClientCredentials {
    fn token(&self) -> TokenFuture<'_> {
        Box::pin(async move {
            if let Some(t) = self.fresh() {
                return Ok(t.to_string());
            }
            let before = self.finished.load(Ordering::SeqCst);
            let _one_fetch = self.gate.lock().await;
            if let Some(t) = self.fresh() {
                return Ok(t.to_string());
            }
            // The fetch this call waited for failed: its answer is this
            // call's too, rather than one more request to the endpoint per
            // waiting caller (a wrong secret and a hundred calls would
            // otherwise ask a hundred times).
            if let Ok(failed) = self.failed.lock() {
                if let Some((_, e)) = failed.as_ref().filter(|(attempt, _)| *attempt > before) {
                    return Err(Box::new(e.clone()) as BoxError);
                }
            }
            let fetched = self.fetch().await;
            let number = self.finished.fetch_add(1, Ordering::SeqCst) + 1;
            if let Ok(mut failed) = self.failed.lock() {
                *failed = fetched.as_ref().err().map(|e| (number, e.clone()));
            }
            let (token, lifetime) = fetched.map_err(|e| Box::new(e) as BoxError)?;
            let early = (lifetime / 10).min(MAX_RENEW_EARLY);
            if let Ok(mut cached) = self.cached.lock() {
                *cached = Some(Cached {
                    token: Arc::clone(&token),
                    renew_at: Instant::now() + lifetime.saturating_sub(early),
                });
            }
            Ok(token.to_string())
        })
    }

    fn invalidate(&self) {
        if let Ok(mut cached) = self.cached.lock() {
            *cached = None;
        }
    }

    fn rejected(&self, token: &str) {
        if let Ok(mut cached) = self.cached.lock() {
            if cached.as_ref().is_some_and(|c| &*c.token == token) {
                *cached = None;
            }
        }
    }
}

/// A sign-in that did not give a token: the endpoint refused it (its OAuth
/// `error`, `error_description` and, from Entra, the `AADSTS` code), or it
/// could not be asked. Calls fail with `Error::Auth` holding this;
/// `Error::sign_in` finds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignInError {
    pub token_url: String,
    /// The HTTP status of the refusal, when there was an answer.
    pub status: Option<u16>,
    /// The OAuth error code, such as `invalid_client`.
    pub error: Option<String>,
    pub description: Option<String>,
    /// Entra's code, such as `AADSTS7000215` (a wrong secret).
    pub code: Option<String>,
    /// What happened, in words.
    pub reason: String,
}

impl std::fmt::Display for SignInError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "sign-in at {} failed: {}", self.token_url, self.reason)?;
        if let Some(e) = &self.error {
            write!(f, ": {e}")?;
        }
        if let Some(c) = &self.code {
            write!(f, " ({c})")?;
        }
        if let Some(d) = &self.description {
            let d: String = d.chars().take(500).collect();
            write!(f, ": {}", d.trim())?;
        }
        Ok(())
    }
}

impl std::error::Error for SignInError {}
