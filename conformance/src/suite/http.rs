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

/// Hides the token in text. Applied to whole texts, before anything is
/// cut to an excerpt, so a cut can never leave part of the token behind.
#[derive(Clone, Default)]
pub struct Masker(Arc<str>);

impl std::fmt::Debug for Masker {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Masker(***)")
    }
}

impl Masker {
    pub fn new(token: &str) -> Masker {
        Masker(Arc::from(token))
    }

    /// Replaces the token wherever it appears.
    pub fn apply(&self, text: &str) -> String {
        if self.0.is_empty() {
            text.to_owned()
        } else {
            text.replace(&*self.0, "***")
        }
    }

    /// The masked text, then at most `keep` bytes of it (cut on a
    /// character boundary), with the full size noted when cut.
    pub fn excerpt(&self, body: &[u8], keep: usize) -> String {
        // Only what can show matters: the first `keep` bytes and enough
        // after them to finish a token that starts inside.
        let token = self.0.len();
        let window = keep.saturating_add(token).saturating_add(4);
        let whole = body.len() <= window;
        let text = self.apply(&String::from_utf8_lossy(&body[..body.len().min(window)]));
        if whole && text.len() <= keep {
            return text;
        }
        // A token cut by the window's end could not be masked: never show
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

pub struct Http {
    client: reqwest::Client,
    base: Url,
    base_str: String,
    token: String,
    masker: Masker,
    timeout: Duration,
    max_body: usize,
    exchanges: Mutex<Vec<Exchange>>,
    failures_in_a_row: AtomicUsize,
}

impl Http {
    pub fn new(base_url: &str, token: &str, timeout: Duration, max_body: usize) -> Result<Http, String> {
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
        Ok(Http {
            client,
            base,
            base_str,
            token: token.to_owned(),
            masker: Masker::new(token),
            timeout,
            max_body,
            exchanges: Mutex::new(Vec::new()),
            failures_in_a_row: AtomicUsize::new(0),
        })
    }

    pub fn base_url(&self) -> &str {
        &self.base_str
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

    pub async fn send(&self, req: Req) -> Result<Reply, HttpError> {
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
                exchange.error = Some(message.clone());
                let idx = self.record(exchange);
                return Err(HttpError {
                    message,
                    transport: false,
                    exchange: idx,
                });
            }
        };
        exchange.url = self.mask(url.as_str());
        let mut headers = req.headers.clone();
        let same_origin = url.origin() == self.base.origin();
        match req.auth {
            Auth::Token if same_origin => headers.push(("Authorization".to_owned(), format!("Bearer {}", self.token))),
            Auth::Bogus => headers.push(("Authorization".to_owned(), "Bearer not-a-valid-token-0000".to_owned())),
            _ => {}
        }
        exchange.request_headers = headers
            .iter()
            .map(|(k, v)| {
                (
                    k.clone(),
                    if k.eq_ignore_ascii_case("authorization") {
                        mask_auth(v, &self.token)
                    } else {
                        self.mask(v)
                    },
                )
            })
            .collect();
        exchange.curl = curl(&exchange, req.body.as_deref());
        if self.failures_in_a_row.load(Ordering::Relaxed) >= GIVE_UP_AFTER {
            let message =
                format!("not sent: the server failed {GIVE_UP_AFTER} requests in a row (no answer, reset or refused)");
            exchange.error = Some(message.clone());
            let idx = self.record(exchange);
            return Err(HttpError {
                message,
                transport: true,
                exchange: idx,
            });
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
        match outcome {
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
        }
    }
}

fn describe(e: &reqwest::Error, timeout: Duration) -> String {
    if e.is_timeout() {
        format!("no response within {:.1} s", timeout.as_secs_f64())
    } else if e.is_connect() {
        format!("cannot connect: {}", root_cause(e))
    } else {
        format!("the request failed: {}", root_cause(e))
    }
}

fn root_cause(e: &(dyn std::error::Error + 'static)) -> String {
    let mut current = e;
    let mut text = e.to_string();
    while let Some(next) = current.source() {
        text = next.to_string();
        current = next;
    }
    text
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
                return Err((format!("the response body was cut off: {}", root_cause(&e)), true));
            }
        }
    }
}

fn mask_auth(value: &str, token: &str) -> String {
    match value.split_once(' ') {
        Some((scheme, t)) if t == token => format!("{scheme} ***"),
        Some((scheme, t)) => format!(
            "{scheme} {}",
            if token.is_empty() {
                t.to_owned()
            } else {
                t.replace(token, "***")
            }
        ),
        None => "***".to_owned(),
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
