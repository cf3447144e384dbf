//! Every request the suite makes goes through here: a timeout per request,
//! a size limit per body, the token only for the base URL's origin and
//! masked in everything recorded, and a record of each exchange for the
//! report.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bytes::{Bytes, BytesMut};
use reqwest::header::HeaderMap;
use reqwest::{Method, Url};
use serde_json::Value;

use crate::exchange::Exchange;

/// How many transport failures in a row mean the server is gone: later
/// requests fail at once, so a dead server cannot stretch the run.
const GIVE_UP_AFTER: usize = 3;

/// What is kept of a body in the report: error bodies in full (ERR-1 reads
/// them), other bodies in part.
const RECORDED_BODY: usize = 4096;
const RECORDED_ERROR_BODY: usize = 256 * 1024;

/// The largest body [`Reply::json`] parses whole.
pub const WHOLE_JSON: usize = 4 * 1024 * 1024;

/// Which credentials a request carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Auth {
    Token,
    None,
    /// A token no server accepts.
    Bogus,
}

/// A request of the suite.
#[derive(Debug, Clone)]
pub struct Req {
    pub method: Method,
    /// A path below the base URL (`/companies`), or an absolute URL.
    pub target: String,
    pub headers: Vec<(String, String)>,
    pub body: Option<Vec<u8>>,
    pub auth: Auth,
}

impl Req {
    pub fn new(method: Method, target: impl Into<String>) -> Req {
        Req {
            method,
            target: target.into(),
            headers: Vec::new(),
            body: None,
            auth: Auth::Token,
        }
    }

    pub fn get(target: impl Into<String>) -> Req {
        Req::new(Method::GET, target)
    }

    pub fn header(mut self, name: &str, value: impl Into<String>) -> Req {
        self.headers.push((name.to_owned(), value.into()));
        self
    }

    pub fn json(mut self, body: &Value) -> Req {
        self.body = Some(body.to_string().into_bytes());
        self.header("Content-Type", "application/json")
    }

    pub fn raw(mut self, body: impl Into<Vec<u8>>) -> Req {
        self.body = Some(body.into());
        self.header("Content-Type", "application/json")
    }

    pub fn auth(mut self, auth: Auth) -> Req {
        self.auth = auth;
        self
    }
}

/// Hides the secrets (the token, the client secret, every token the
/// sign-in got) in text: as written, whatever their letter case, and in
/// the encodings a server may echo them in (percent-encoded, JSON-escaped,
/// base64 of `id:secret` as HTTP Basic sends it). Applied to whole texts,
/// before anything is cut to an excerpt, so a cut can never leave part of
/// a secret behind.
#[derive(Clone, Default)]
pub struct Masker(Arc<std::sync::RwLock<MaskSet>>);

#[derive(Default)]
struct MaskSet {
    /// Every form of every secret, lowercased (ASCII), longest first.
    forms: Vec<Vec<u8>>,
    /// The longest form, for excerpts.
    longest: usize,
}

impl std::fmt::Debug for Masker {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Masker(***)")
    }
}

/// The forms a secret may be echoed in.
fn forms(secret: &str) -> Vec<String> {
    let mut out = vec![secret.to_owned()];
    let mut query = openapi_client_runtime::Query::default();
    query.push("s", secret);
    out.push(query.as_str()[2..].to_owned());
    // Form encoding: `+` for a space.
    out.push(query.as_str()[2..].replace("%20", "+"));
    let json = serde_json::to_string(secret).unwrap_or_default();
    out.push(json.trim_matches('"').to_owned());
    // JSON text quoted inside JSON (an error message holding a body).
    let twice = serde_json::to_string(&json).unwrap_or_default();
    out.push(twice[3..twice.len().saturating_sub(3).max(3)].to_owned());
    out.push(json.trim_matches('"').replace('/', "\\/"));
    out.push(
        secret
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() {
                    c.to_string()
                } else {
                    format!("\\u{:04x}", c as u32)
                }
            })
            .collect(),
    );
    out
}

impl Masker {
    pub fn new(token: &str) -> Masker {
        let m = Masker::default();
        m.add(token);
        m
    }

    /// Masks `secret` too from now on (a token the sign-in just got).
    pub fn add(&self, secret: &str) {
        self.add_forms(forms(secret));
    }

    /// Masks the client secret, and the HTTP Basic form of `id:secret`.
    pub fn add_client(&self, id: &str, secret: &str) {
        let mut all = forms(secret);
        // The Basic credentials as the runtime sends them (both parts
        // form-encoded first) and as a plain pair.
        let mut q = openapi_client_runtime::Query::default();
        q.push("i", id);
        q.push("s", secret);
        let (i, s) = q.as_str().split_once('&').unwrap_or_default();
        for pair in [format!("{}:{}", &i[2..], &s[2..]), format!("{id}:{secret}")] {
            all.push(openapi_client_runtime::Base64(pair.into_bytes()).to_string());
        }
        self.add_forms(all);
    }

    fn add_forms(&self, forms: Vec<String>) {
        let Ok(mut set) = self.0.write() else { return };
        for f in forms {
            // A secret of a character or two would mask half the report.
            if f.len() < 4 {
                continue;
            }
            let f = f.to_ascii_lowercase().into_bytes();
            if !set.forms.contains(&f) {
                set.forms.push(f);
            }
        }
        set.forms.sort_by_key(|f| std::cmp::Reverse(f.len()));
        set.longest = set.forms.first().map_or(0, Vec::len);
    }

    fn longest(&self) -> usize {
        self.0.read().map_or(0, |s| s.longest)
    }

    /// Replaces every form of every secret wherever it appears, whatever
    /// its letter case.
    pub fn apply(&self, text: &str) -> String {
        let Ok(set) = self.0.read() else {
            return String::new();
        };
        if set.forms.is_empty() {
            return text.to_owned();
        }
        // ASCII lowercasing keeps every byte where it was.
        let lower = text.to_ascii_lowercase().into_bytes();
        let mut hidden = vec![false; lower.len()];
        for form in &set.forms {
            let mut at = 0;
            while let Some(found) = find(&lower[at..], form) {
                let start = at + found;
                hidden[start..start + form.len()].iter_mut().for_each(|h| *h = true);
                at = start + 1;
            }
        }
        let mut out = String::with_capacity(text.len());
        let mut in_mask = false;
        for (i, c) in text.char_indices() {
            if hidden[i] {
                if !in_mask {
                    out.push_str("***");
                    in_mask = true;
                }
            } else {
                in_mask = false;
                out.push(c);
            }
        }
        out
    }

    /// The masked text, then at most `keep` bytes of it (cut on a
    /// character boundary), with the full size noted when cut.
    pub fn excerpt(&self, body: &[u8], keep: usize) -> String {
        // Only what can show matters: the first `keep` bytes and enough
        // after them to finish a secret that starts inside.
        let token = self.longest();
        let window = keep.saturating_add(token).saturating_add(4);
        let whole = body.len() <= window;
        let text = self.apply(&String::from_utf8_lossy(&body[..body.len().min(window)]));
        if whole && text.len() <= keep {
            return text;
        }
        // A secret cut by the window's end could not be masked: never show
        // the window's last bytes (a few more, for a character the window cut).
        let safe = if whole {
            text.len()
        } else {
            text.len().saturating_sub(token + 4)
        };
        let mut end = keep.min(safe);
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        format!("{}… ({} bytes in all)", &text[..end], body.len())
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    if needle.is_empty() || needle.len() > haystack.len() {
        return None;
    }
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// A response, body read in full (up to the limit).
#[derive(Debug, Clone)]
pub struct Reply {
    pub status: u16,
    pub headers: HeaderMap,
    pub body: Bytes,
    /// Index of the exchange in the record.
    pub exchange: usize,
    /// The run's masker, for text taken from this reply.
    pub masker: Masker,
}

impl Reply {
    /// The body as a JSON value, when it is JSON of at most [`WHOLE_JSON`]
    /// bytes. Larger bodies are pages, read entity by entity
    /// (`reads::collect_pages`): a whole `Value` takes several times the
    /// text's size, and a hostile server could make that many times.
    pub fn json(&self) -> Option<Value> {
        if self.body.len() > WHOLE_JSON {
            return None;
        }
        serde_json::from_slice(&self.body).ok()
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// The OData error code, if the body is an OData error.
    pub fn error_code(&self) -> Option<String> {
        // Only `error.code` is built; the rest of the body is skipped.
        #[derive(serde::Deserialize)]
        struct Body {
            error: Option<Detail>,
        }
        #[derive(serde::Deserialize)]
        struct Detail {
            code: Option<Value>,
        }
        let body: Body = serde_json::from_slice(&self.body).ok()?;
        body.error?.code?.as_str().map(str::to_owned)
    }
}

/// Why a request got no (usable) response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpError {
    pub message: String,
    /// The connection failed, hung or was reset (as opposed to a response
    /// that was too large or not decodable).
    pub transport: bool,
    pub exchange: usize,
}

impl std::fmt::Display for HttpError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

/// Where the suite's bearer token comes from.
#[derive(Clone)]
pub enum Signer {
    /// A token given on the command line (`--token`, `BC_TOKEN`).
    Token(String),
    /// A client-credentials sign-in, renewed as tokens expire.
    SignIn(Arc<openapi_client_runtime::ClientCredentials>),
}

/// How many 429 answers in a row one request waits out.
const THROTTLED_RETRIES: u32 = 8;
/// The longest single wait a `Retry-After` is granted.
const LONGEST_WAIT: Duration = Duration::from_secs(60);

pub struct Http {
    client: reqwest::Client,
    base: Url,
    base_str: String,
    signer: Signer,
    masker: Masker,
    /// At most this many requests per second (`--max-rate`): the earliest
    /// time the next one may leave.
    pace: Option<(Duration, tokio::sync::Mutex<Instant>)>,
    /// At most this many requests at once (`--concurrency`).
    slots: Option<tokio::sync::Semaphore>,
    timeout: Duration,
    max_body: usize,
    exchanges: Mutex<Vec<Exchange>>,
    failures_in_a_row: AtomicUsize,
}

impl Http {
    pub fn new(base_url: &str, signer: Signer, timeout: Duration, max_body: usize) -> Result<Http, String> {
        let base_str = base_url.trim_end_matches('/').to_owned();
        let base = Url::parse(&base_str).map_err(|e| format!("invalid --base-url `{base_url}`: {e}"))?;
        if !matches!(base.scheme(), "http" | "https") {
            return Err(format!("invalid --base-url `{base_url}`: expected http or https"));
        }
        let client = reqwest::Client::builder()
            // Never follow a redirect: it could carry the token elsewhere.
            .redirect(reqwest::redirect::Policy::none())
            .connect_timeout(timeout)
            .build()
            .map_err(|e| format!("cannot build the HTTP client: {e}"))?;
        let masker = match &signer {
            Signer::Token(t) => Masker::new(t),
            Signer::SignIn(_) => Masker::default(),
        };
        Ok(Http {
            client,
            base,
            base_str,
            signer,
            masker,
            pace: None,
            slots: None,
            timeout,
            max_body,
            exchanges: Mutex::new(Vec::new()),
            failures_in_a_row: AtomicUsize::new(0),
        })
    }

    pub fn base_url(&self) -> &str {
        &self.base_str
    }

    /// The masker, to hide the client secret too.
    pub fn masker(&self) -> &Masker {
        &self.masker
    }

    /// At most `per_second` requests per second, and `at_once` at a time.
    pub fn limit(&mut self, per_second: Option<f64>, at_once: Option<usize>) {
        self.pace = per_second.filter(|r| *r > 0.0).map(|r| {
            (
                Duration::from_secs_f64(1.0 / r),
                tokio::sync::Mutex::new(Instant::now()),
            )
        });
        self.slots = at_once.map(|n| tokio::sync::Semaphore::new(n.max(1)));
    }

    /// Waits for the next request's turn under `--max-rate`.
    async fn paced(&self) {
        if let Some((gap, next)) = &self.pace {
            let mut next = next.lock().await;
            let now = Instant::now();
            let at = (*next).max(now);
            *next = at + *gap;
            drop(next);
            tokio::time::sleep_until(at.into()).await;
        }
    }

    /// The bearer token to send now: the given one, or the sign-in's
    /// (fetched or renewed as needed). Every token is masked from then on.
    pub async fn token(&self) -> Result<String, String> {
        match &self.signer {
            Signer::Token(t) => Ok(t.clone()),
            Signer::SignIn(p) => {
                let t = openapi_client_runtime::TokenProvider::token(&**p)
                    .await
                    .map_err(|e| self.mask(&e.to_string()))?;
                self.masker.add(&t);
                Ok(t)
            }
        }
    }

    /// How many tokens the sign-in fetched (0 with a given token).
    pub fn sign_ins(&self) -> u64 {
        match &self.signer {
            Signer::Token(_) => 0,
            Signer::SignIn(p) => p.fetches(),
        }
    }

    /// Whether a URL is on the base URL's origin, where the token may go.
    pub fn same_origin(&self, url: &str) -> bool {
        Url::parse(url).is_ok_and(|u| u.origin() == self.base.origin())
    }

    /// Replaces the token wherever it appears.
    pub fn mask(&self, text: &str) -> String {
        self.masker.apply(text)
    }

    /// Forgets transport failures so far, so the next request is sent even
    /// after three in a row (used to put values back).
    pub fn forgive_failures(&self) {
        self.failures_in_a_row.store(0, Ordering::Relaxed);
    }

    pub fn exchanges(&self) -> Vec<Exchange> {
        self.exchanges.lock().map(|e| e.clone()).unwrap_or_default()
    }

    fn record(&self, e: Exchange) -> usize {
        match self.exchanges.lock() {
            Ok(mut list) => {
                list.push(e);
                list.len() - 1
            }
            Err(_) => usize::MAX,
        }
    }

    fn url(&self, target: &str) -> Result<Url, String> {
        if target.starts_with("http://") || target.starts_with("https://") {
            Url::parse(target).map_err(|e| format!("not a URL: {e}"))
        } else {
            Url::parse(&format!("{}{target}", self.base_str))
                .map_err(|e| format!("cannot build a URL from `{target}`: {e}"))
        }
    }

    /// Sends `req`: paced and bounded as `--max-rate` and `--concurrency`
    /// say, a 429 waited out as its `Retry-After` asks, a token refused
    /// with 401 renewed once (with a sign-in). Each attempt is recorded.
    pub async fn send(&self, req: Req) -> Result<Reply, HttpError> {
        let _slot = match &self.slots {
            Some(s) => s.acquire().await.ok(),
            None => None,
        };
        let mut throttled = 0;
        let mut renewed = false;
        loop {
            self.paced().await;
            let (reply, token) = self.send_once(&req).await;
            let reply = reply?;
            if reply.status == 429 && throttled < THROTTLED_RETRIES {
                throttled += 1;
                // Seconds or an HTTP date, read as the generated clients read it.
                let wait = openapi_client_runtime::client::retry_after(&reply.headers, std::time::SystemTime::now())
                    .unwrap_or(Duration::from_secs(1 << throttled.min(5)));
                tokio::time::sleep(wait.clamp(Duration::from_millis(100), LONGEST_WAIT)).await;
                continue;
            }
            if let (401, Signer::SignIn(p), Some(token)) = (reply.status, &self.signer, token) {
                if !renewed {
                    renewed = true;
                    openapi_client_runtime::TokenProvider::rejected(&**p, &token);
                    continue;
                }
            }
            return Ok(reply);
        }
    }

    /// A request that was not sent: recorded with why, as an error.
    fn unsent(&self, mut exchange: Exchange, message: String, transport: bool) -> HttpError {
        exchange.error = Some(message.clone());
        HttpError {
            message,
            transport,
            exchange: self.record(exchange),
        }
    }

    /// One attempt: the reply, and the token it carried.
    async fn send_once(&self, req: &Req) -> (Result<Reply, HttpError>, Option<String>) {
        let started = Instant::now();
        let mut exchange = Exchange {
            method: req.method.to_string(),
            url: String::new(),
            request_headers: Vec::new(),
            request_body: req.body.as_ref().map(|b| self.masker.excerpt(b, RECORDED_BODY)),
            status: None,
            response_headers: Vec::new(),
            response_body: None,
            error: None,
            elapsed_ms: 0,
            curl: String::new(),
        };
        let url = match self.url(&req.target) {
            Ok(u) => u,
            Err(message) => {
                exchange.url = self.mask(&req.target);
                return (Err(self.unsent(exchange, message, false)), None);
            }
        };
        exchange.url = self.mask(url.as_str());
        let mut headers = req.headers.clone();
        let same_origin = url.origin() == self.base.origin();
        let mut sent_token = None;
        match req.auth {
            Auth::Token if same_origin => match self.token().await {
                Ok(token) => {
                    headers.push(("Authorization".to_owned(), format!("Bearer {token}")));
                    sent_token = Some(token);
                }
                Err(message) => {
                    let message = format!("no token to send: {message}");
                    return (Err(self.unsent(exchange, message, false)), None);
                }
            },
            Auth::Bogus => headers.push(("Authorization".to_owned(), "Bearer not-a-valid-token-0000".to_owned())),
            _ => {}
        }
        exchange.request_headers = headers
            .iter()
            .map(|(k, v)| {
                let shown = match (&sent_token, k.eq_ignore_ascii_case("authorization")) {
                    (Some(_), true) => "Bearer ***".to_owned(),
                    _ => self.mask(v),
                };
                (k.clone(), shown)
            })
            .collect();
        exchange.curl = curl(&exchange, req.body.as_deref());
        if self.failures_in_a_row.load(Ordering::Relaxed) >= GIVE_UP_AFTER {
            let message =
                format!("not sent: the server failed {GIVE_UP_AFTER} requests in a row (no answer, reset or refused)");
            return (Err(self.unsent(exchange, message, true)), sent_token);
        }
        let mut builder = self
            .client
            .request(req.method.clone(), url.clone())
            .timeout(self.timeout);
        for (k, v) in &headers {
            builder = builder.header(k.as_str(), v.as_str());
        }
        if let Some(b) = &req.body {
            builder = builder.body(b.clone());
        }
        // The timeout covers the whole exchange, body included.
        let outcome = tokio::time::timeout(self.timeout, async {
            let response = builder.send().await.map_err(|e| (describe(&e, self.timeout), true))?;
            let status = response.status().as_u16();
            let headers = response.headers().clone();
            let body = read_limited(response, self.max_body).await?;
            Ok::<_, (String, bool)>((status, headers, body))
        })
        .await
        .unwrap_or_else(|_| {
            Err((
                format!("no complete response within {:.1} s", self.timeout.as_secs_f64()),
                true,
            ))
        });
        exchange.elapsed_ms = started.elapsed().as_millis() as u64;
        let result = match outcome {
            Ok((status, headers, body)) => {
                self.failures_in_a_row.store(0, Ordering::Relaxed);
                exchange.status = Some(status);
                exchange.response_headers = headers
                    .iter()
                    .map(|(k, v)| (self.mask(k.as_str()), self.mask(&String::from_utf8_lossy(v.as_bytes()))))
                    .collect();
                let keep = if status >= 400 {
                    RECORDED_ERROR_BODY
                } else {
                    RECORDED_BODY
                };
                exchange.response_body = (!body.is_empty()).then(|| self.masker.excerpt(&body, keep));
                let idx = self.record(exchange);
                Ok(Reply {
                    status,
                    headers,
                    body,
                    exchange: idx,
                    masker: self.masker.clone(),
                })
            }
            Err((message, transport)) => {
                if transport {
                    self.failures_in_a_row.fetch_add(1, Ordering::Relaxed);
                }
                let message = self.mask(&message);
                exchange.error = Some(message.clone());
                let idx = self.record(exchange);
                Err(HttpError {
                    message,
                    transport,
                    exchange: idx,
                })
            }
        };
        (result, sent_token)
    }
}

fn describe(e: &reqwest::Error, timeout: Duration) -> String {
    if e.is_timeout() {
        format!("no response within {:.1} s", timeout.as_secs_f64())
    } else if e.is_connect() {
        format!("cannot connect: {}", openapi_client_runtime::root_cause(e))
    } else {
        format!("the request failed: {}", openapi_client_runtime::root_cause(e))
    }
}

async fn read_limited(mut response: reqwest::Response, limit: usize) -> Result<Bytes, (String, bool)> {
    if let Some(n) = response.content_length().filter(|n| *n > limit as u64) {
        return Err((
            format!("the response announces {n} bytes, more than the limit of {limit}"),
            false,
        ));
    }
    // Sized once from the announced length (already checked against the
    // limit), so a large body is not copied through doubling buffers.
    let announced = response.content_length().map_or(0, |n| n as usize);
    let mut buf = BytesMut::with_capacity(announced.min(limit));
    loop {
        match response.chunk().await {
            Ok(Some(chunk)) => {
                if buf.len() + chunk.len() > limit {
                    return Err((
                        format!("the response body is larger than the limit of {limit} bytes"),
                        false,
                    ));
                }
                buf.extend_from_slice(&chunk);
            }
            Ok(None) => return Ok(buf.freeze()),
            Err(e) => {
                return Err((
                    format!(
                        "the response body was cut off: {}",
                        openapi_client_runtime::root_cause(&e)
                    ),
                    true,
                ));
            }
        }
    }
}

fn shell_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', "'\\''"))
}

/// A curl command for the exchange; the token comes from `$BC_TOKEN`.
fn curl(e: &Exchange, body: Option<&[u8]>) -> String {
    let mut parts = vec![
        "curl".to_owned(),
        "-i".to_owned(),
        "-X".to_owned(),
        e.method.clone(),
        shell_quote(&e.url),
    ];
    for (k, v) in &e.request_headers {
        if k.eq_ignore_ascii_case("authorization") && v.ends_with("***") {
            parts.push("-H".to_owned());
            parts.push("\"Authorization: Bearer $BC_TOKEN\"".to_owned());
        } else {
            parts.push("-H".to_owned());
            parts.push(shell_quote(&format!("{k}: {v}")));
        }
    }
    if let (Some(_), Some(recorded)) = (body, &e.request_body) {
        parts.push("--data-raw".to_owned());
        parts.push(shell_quote(recorded));
    }
    parts.join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn excerpts_never_show_part_of_the_token() {
        let token = "qz7kw9vb2mxr4tp8jn6hc3fy5ld";
        let m = Masker::new(token);
        for pad in 0..60 {
            let body = format!("{}{}", "x".repeat(pad), format!("{token} ").repeat(400));
            for keep in [0, 1, 5, 8, 26, 27, 28, 100, 300, 4096] {
                let e = m.excerpt(body.as_bytes(), keep);
                for start in 0..=token.len() - 6 {
                    assert!(!e.contains(&token[start..start + 6]), "pad {pad} keep {keep}: {e}");
                }
                assert!(e.len() <= keep + 40, "pad {pad} keep {keep}: {e}");
            }
        }
        assert_eq!(m.excerpt(b"short", 300), "short");
        assert_eq!(m.excerpt(format!("a {token} b").as_bytes(), 300), "a *** b");
        assert!(m.excerpt("é".repeat(100).as_bytes(), 11).starts_with("ééééé…"));
    }
}
