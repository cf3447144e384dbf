//! The client: base URL, credentials, timeout, retries, and the one place
//! requests are sent.

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use bytes::{Bytes, BytesMut};
use reqwest::header::{HeaderName, HeaderValue};
use reqwest::{Method, StatusCode, Url};

use super::auth::{Credential, Credentials, KeyIn, SchemeCredential, TokenProvider};
use super::error::{Failure, RawResponse};

/// How often and how long to wait when the server answers 429 or 503.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Retries after the first attempt; 0 turns retrying off.
    pub max_retries: u32,
    /// The wait when the server gives no `Retry-After`; doubled each time.
    pub base_delay: Duration,
    /// No single wait is longer, whatever `Retry-After` says.
    pub max_delay: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_retries: 3,
            base_delay: Duration::from_millis(500),
            max_delay: Duration::from_secs(60),
        }
    }
}

impl RetryPolicy {
    /// No retries.
    pub fn none() -> RetryPolicy {
        RetryPolicy {
            max_retries: 0,
            ..RetryPolicy::default()
        }
    }
}

/// A client could not be built.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientBuildError(String);

impl fmt::Display for ClientBuildError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for ClientBuildError {}

/// Configures a [`Client`]; `build` gives a `C` made from it (a generated
/// crate that depends on this one wraps the client in a type of its own,
/// which carries the operations).
#[must_use]
pub struct ClientBuilder<C = Client> {
    base_url: String,
    http: Option<reqwest::Client>,
    credentials: Credentials,
    timeout: Option<Duration>,
    retry: RetryPolicy,
    max_body_bytes: usize,
    builds: std::marker::PhantomData<fn() -> C>,
}

impl<C> fmt::Debug for ClientBuilder<C> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientBuilder")
            .field("base_url", &self.base_url)
            .field("timeout", &self.timeout)
            .field("retry", &self.retry)
            .finish_non_exhaustive()
    }
}

impl<C: From<Client>> ClientBuilder<C> {
    /// A builder for `base_url` with no credentials and the default
    /// settings.
    pub fn new(base_url: &str) -> Self {
        ClientBuilder {
            base_url: base_url.to_owned(),
            http: None,
            credentials: Credentials::default(),
            timeout: Some(Duration::from_secs(60)),
            retry: RetryPolicy::default(),
            max_body_bytes: 256 * 1024 * 1024,
            builds: std::marker::PhantomData,
        }
    }

    /// Adds the credential for one security scheme of the spec (the
    /// generated crate's `security` module has a function per scheme). A
    /// client holds one per scheme, and each operation sends what its own
    /// security requirement names; a second credential for the same scheme
    /// replaces the first.
    pub fn sign_in(mut self, credential: SchemeCredential) -> Self {
        self.credentials.set(credential.scheme, credential.credential);
        self
    }

    /// Sends `Authorization: Bearer <token>` with every request to the base
    /// URL's origin that needs credentials, whatever its scheme (unless
    /// [`sign_in`](Self::sign_in) gave one for the scheme).
    pub fn bearer_token(mut self, token: impl Into<String>) -> Self {
        self.credentials.any = Some(Credential::bearer(token));
        self
    }

    /// Asks `provider` for the bearer token before each request, and once
    /// more after a 401; for any scheme, like [`bearer_token`](Self::bearer_token).
    pub fn token_provider(mut self, provider: impl TokenProvider + 'static) -> Self {
        self.credentials.any = Some(Credential::provider(provider));
        self
    }

    /// HTTP basic authentication, for any scheme.
    pub fn basic_auth(mut self, user: impl Into<String>, password: Option<String>) -> Self {
        self.credentials.any = Some(Credential::Basic {
            user: user.into(),
            password,
        });
        self
    }

    /// An API key, sent as the header `name` (or, with `in_query`, the
    /// query parameter), for any scheme.
    pub fn api_key(mut self, name: impl Into<String>, value: impl Into<String>, in_query: bool) -> Self {
        self.credentials.any = Some(Credential::ApiKey {
            name: name.into(),
            location: if in_query { KeyIn::Query } else { KeyIn::Header },
            value: value.into(),
        });
        self
    }

    /// The longest a request may take, from sending to the last byte of the
    /// body (default 60 s); `None` waits forever.
    pub fn timeout(mut self, timeout: Option<Duration>) -> Self {
        self.timeout = timeout;
        self
    }

    pub fn retry(mut self, policy: RetryPolicy) -> Self {
        self.retry = policy;
        self
    }

    /// The largest response body read into memory (default 256 MiB).
    /// Streamed binary downloads are not limited.
    pub fn max_body_bytes(mut self, limit: usize) -> Self {
        self.max_body_bytes = limit;
        self
    }

    /// Uses a `reqwest::Client` you configured (proxies, TLS roots, pools).
    pub fn http_client(mut self, client: reqwest::Client) -> Self {
        self.http = Some(client);
        self
    }

    pub fn build(self) -> Result<C, ClientBuildError> {
        let trimmed = self.base_url.trim_end_matches('/');
        let base =
            Url::parse(trimmed).map_err(|e| ClientBuildError(format!("invalid base URL `{}`: {e}", self.base_url)))?;
        if !matches!(base.scheme(), "http" | "https") {
            return Err(ClientBuildError(format!(
                "invalid base URL `{}`: expected http or https",
                self.base_url
            )));
        }
        let http = match self.http {
            Some(c) => c,
            None => reqwest::Client::builder()
                .build()
                .map_err(|e| ClientBuildError(format!("cannot build the HTTP client: {e}")))?,
        };
        Ok(C::from(Client {
            inner: Arc::new(Inner {
                base_str: trimmed.to_owned(),
                base,
                http,
                credentials: self.credentials,
                timeout: self.timeout,
                retry: self.retry,
                max_body_bytes: self.max_body_bytes,
            }),
        }))
    }
}

struct Inner {
    base: Url,
    base_str: String,
    http: reqwest::Client,
    credentials: Credentials,
    timeout: Option<Duration>,
    retry: RetryPolicy,
    max_body_bytes: usize,
}

/// The API client. Cheap to clone; clones share connections.
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("base_url", &self.inner.base_str)
            .finish_non_exhaustive()
    }
}

impl Client {
    /// A client for `base_url` with no credentials and the default settings.
    pub fn new(base_url: &str) -> Result<Client, ClientBuildError> {
        Client::builder(base_url).build()
    }

    pub fn builder(base_url: &str) -> ClientBuilder {
        ClientBuilder::new(base_url)
    }

    pub fn base_url(&self) -> &Url {
        &self.inner.base
    }

    pub fn http_client(&self) -> &reqwest::Client {
        &self.inner.http
    }

    /// The largest body read into memory (and the longest event or line of
    /// a streamed one).
    #[doc(hidden)]
    pub fn max_body_bytes(&self) -> usize {
        self.inner.max_body_bytes
    }

    /// Sends `req` (with retries) and reads the whole body.
    pub async fn execute(&self, req: &Request) -> Result<RawResponse, Failure> {
        let response = self.send(req).await?;
        let status = response.status();
        let headers = response.headers().clone();
        let body = read_limited(response, self.inner.max_body_bytes).await?;
        Ok(RawResponse::new(status, headers, body))
    }

    /// [`execute`](Self::execute) of a request the future owns: the one
    /// exchange future every operation's [`Call`](super::Call) boxes.
    pub async fn execute_owned(&self, req: Request) -> Result<RawResponse, Failure> {
        self.execute(&req).await
    }

    /// Sends `req` (with retries) and leaves the body unread.
    pub async fn execute_stream(&self, req: &Request) -> Result<reqwest::Response, Failure> {
        self.send(req).await
    }

    /// Reads the body of a streamed response that turned out to be an error.
    pub async fn finish(&self, response: reqwest::Response) -> Result<RawResponse, Failure> {
        let status = response.status();
        let headers = response.headers().clone();
        let body = read_limited(response, self.inner.max_body_bytes).await?;
        Ok(RawResponse::new(status, headers, body))
    }

    /// The URL of a request: the base URL plus the path, or a next link.
    fn url(&self, req: &Request) -> Result<Url, Failure> {
        match &req.target {
            Target::Path(path) => {
                let mut s = String::with_capacity(self.inner.base_str.len() + path.len() + req.query.len() + 1);
                s.push_str(&self.inner.base_str);
                s.push_str(path);
                if !req.query.is_empty() {
                    // A path template may carry a fixed query of its own
                    // (Azure's `x-ms-paths`: `/keys/{name}?action=backup`).
                    s.push(if path.contains('?') { '&' } else { '?' });
                    s.push_str(&req.query);
                }
                Url::parse(&s).map_err(|e| Failure::InvalidRequest(format!("cannot build a URL from `{s}`: {e}")))
            }
            Target::Absolute(url) => Ok(url.clone()),
        }
    }

    /// Resolves a next link against the base URL; refuses another origin.
    pub fn next_link(&self, link: &str) -> Result<Url, Failure> {
        let url = self.inner.base.join(link).map_err(|_| Failure::InvalidNextLink {
            url: link.to_owned(),
            reason: "it is not a URL",
        })?;
        if url.origin() != self.inner.base.origin() {
            return Err(Failure::InvalidNextLink {
                url: link.to_owned(),
                reason: "it points to another origin than the base URL, and the token is never sent there",
            });
        }
        Ok(url)
    }

    async fn send(&self, req: &Request) -> Result<reqwest::Response, Failure> {
        let mut url = self.url(req)?;
        // Credentials go to the base URL's origin only.
        let credentials = if url.origin() == self.inner.base.origin() {
            self.inner.credentials.pick(req.security)
        } else {
            Vec::new()
        };
        for c in &credentials {
            if let Credential::ApiKey {
                name,
                location: KeyIn::Query,
                value,
            } = c
            {
                url.query_pairs_mut().append_pair(name, value);
            }
        }
        let mut attempt = 0u32;
        let mut renewed = false;
        loop {
            let mut builder = self.inner.http.request(req.method.clone(), url.clone());
            if let Some(t) = self.inner.timeout {
                builder = builder.timeout(t);
            }
            if let Some(accept) = req.accept {
                builder = builder.header(reqwest::header::ACCEPT, accept);
            }
            for (name, value) in &req.headers {
                let name = HeaderName::from_bytes(name.as_bytes())
                    .map_err(|_| Failure::InvalidRequest(format!("invalid header name `{name}`")))?;
                let value = HeaderValue::from_str(value).map_err(|_| {
                    Failure::InvalidRequest(format!("invalid value for header `{name}`: it must be visible ASCII"))
                })?;
                builder = builder.header(name, value);
            }
            // The bearer tokens sent, to tell their providers after a 401.
            let mut sent: Vec<(&Arc<dyn TokenProvider>, String)> = Vec::new();
            let mut cookies = Vec::new();
            for c in &credentials {
                builder = match c {
                    Credential::Bearer(p) => {
                        let token = p.token().await.map_err(Failure::Auth)?;
                        let mut value = HeaderValue::from_str(&format!("Bearer {token}")).map_err(|_| {
                            Failure::InvalidRequest("the bearer token is not a valid header value".to_owned())
                        })?;
                        value.set_sensitive(true);
                        sent.push((p, token));
                        builder.header(reqwest::header::AUTHORIZATION, value)
                    }
                    Credential::Basic { user, password } => builder.basic_auth(user, password.as_ref()),
                    Credential::ApiKey {
                        name,
                        location: KeyIn::Header,
                        value,
                    } => {
                        let mut value = HeaderValue::from_str(value).map_err(|_| {
                            Failure::InvalidRequest(format!(
                                "the API key for header `{name}` is not a valid header value"
                            ))
                        })?;
                        value.set_sensitive(true);
                        builder.header(name.as_str(), value)
                    }
                    Credential::ApiKey {
                        name,
                        location: KeyIn::Cookie,
                        value,
                    } => {
                        cookies.push(format!("{name}={value}"));
                        builder
                    }
                    Credential::ApiKey {
                        location: KeyIn::Query, ..
                    } => builder,
                };
            }
            if !cookies.is_empty() {
                let mut value = HeaderValue::from_str(&cookies.join("; ")).map_err(|_| {
                    Failure::InvalidRequest("an API key sent as a cookie is not a valid header value".to_owned())
                })?;
                value.set_sensitive(true);
                builder = builder.header(reqwest::header::COOKIE, value);
            }
            match &req.body {
                Some(Body::Bytes(content_type, body)) => {
                    // A `Content-Type` header parameter the caller set
                    // (Docker's `/build` takes `application/x-tar` so) is the
                    // body's type: one header, not two.
                    if !req.headers.iter().any(|(n, _)| n.eq_ignore_ascii_case("content-type")) {
                        builder = builder.header(reqwest::header::CONTENT_TYPE, *content_type);
                    }
                    builder = builder.body(body.clone());
                }
                // A fresh boundary and fresh parts for each send.
                Some(Body::Multipart(parts)) => builder = builder.multipart(parts.form()?),
                None => {}
            }
            // A body with a streamed part went with the first send.
            let resendable = match &req.body {
                Some(Body::Multipart(parts)) => parts.resendable(),
                _ => true,
            };
            let response = builder.send().await.map_err(Failure::Transport)?;
            let status = response.status();
            if !resendable {
                return Ok(response);
            }
            if (status == StatusCode::TOO_MANY_REQUESTS || status == StatusCode::SERVICE_UNAVAILABLE)
                && attempt < self.inner.retry.max_retries
            {
                let delay = retry_after(response.headers(), SystemTime::now())
                    .unwrap_or_else(|| self.inner.retry.base_delay.saturating_mul(1 << attempt.min(16)));
                drop(response);
                tokio::time::sleep(delay.min(self.inner.retry.max_delay)).await;
                attempt += 1;
                continue;
            }
            if status == StatusCode::UNAUTHORIZED && !renewed {
                // Renewed once: a token that expired in flight, or one the
                // server revoked. A second 401 is the answer.
                let renewable: Vec<_> = sent.iter().filter(|(p, _)| p.can_refresh()).collect();
                if !renewable.is_empty() {
                    for (p, token) in renewable {
                        p.rejected(token);
                    }
                    renewed = true;
                    continue;
                }
            }
            return Ok(response);
        }
    }
}

async fn read_limited(mut response: reqwest::Response, limit: usize) -> Result<Bytes, Failure> {
    if response.content_length().is_some_and(|n| n > limit as u64) {
        return Err(Failure::BodyTooLarge { limit });
    }
    let mut buf = BytesMut::new();
    while let Some(chunk) = response.chunk().await.map_err(Failure::Transport)? {
        if buf.len() + chunk.len() > limit {
            return Err(Failure::BodyTooLarge { limit });
        }
        buf.extend_from_slice(&chunk);
    }
    Ok(buf.freeze())
}

/// The wait a `Retry-After` header asks for: seconds, or an HTTP date.
pub fn retry_after(headers: &reqwest::header::HeaderMap, now: SystemTime) -> Option<Duration> {
    let value = headers.get(reqwest::header::RETRY_AFTER)?.to_str().ok()?.trim();
    if let Ok(secs) = value.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let at = parse_http_date(value)?;
    Some(at.duration_since(now).unwrap_or(Duration::ZERO))
}

/// Parses an IMF-fixdate such as `Sun, 06 Nov 1994 08:49:37 GMT`.
pub fn parse_http_date(s: &str) -> Option<SystemTime> {
    let mut parts = s.split_whitespace();
    let _weekday = parts.next()?;
    let day: u32 = parts.next()?.parse().ok()?;
    let month = match parts.next()? {
        "Jan" => 1,
        "Feb" => 2,
        "Mar" => 3,
        "Apr" => 4,
        "May" => 5,
        "Jun" => 6,
        "Jul" => 7,
        "Aug" => 8,
        "Sep" => 9,
        "Oct" => 10,
        "Nov" => 11,
        "Dec" => 12,
        _ => return None,
    };
    let year: i64 = parts.next()?.parse().ok()?;
    let mut hms = parts.next()?.split(':');
    let (h, m, sec): (u64, u64, u64) = (
        hms.next()?.parse().ok()?,
        hms.next()?.parse().ok()?,
        hms.next()?.parse().ok()?,
    );
    if parts.next()? != "GMT" || !(1..=31).contains(&day) || h > 23 || m > 59 || sec > 60 {
        return None;
    }
    // Days from 1970-01-01 to the date (proleptic Gregorian).
    let (y, mo) = if month <= 2 {
        (year - 1, month + 9)
    } else {
        (year, month - 3)
    };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * mo as i64 + 2) / 5 + day as i64 - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    let secs = u64::try_from(days).ok()? * 86_400 + h * 3600 + m * 60 + sec;
    UNIX_EPOCH.checked_add(Duration::from_secs(secs))
}

#[derive(Debug, Clone)]
enum Target {
    Path(String),
    Absolute(Url),
}

/// A request's body: bytes with their content type, or the parts of a
/// multipart body (encoded at each send).
#[derive(Debug, Clone)]
enum Body {
    Bytes(&'static str, Bytes),
    Multipart(super::Multipart),
}

/// One request, as the operations build it; cheap to resend.
#[derive(Debug, Clone)]
pub struct Request {
    method: Method,
    target: Target,
    query: String,
    headers: Vec<(&'static str, String)>,
    body: Option<Body>,
    accept: Option<&'static str>,
    /// The operation's security requirements: alternatives, each the
    /// schemes that go together; empty when it needs no credential.
    security: &'static [&'static [&'static str]],
}

impl Request {
    pub fn new(
        method: Method,
        path: String,
        security: &'static [&'static [&'static str]],
        accept: Option<&'static str>,
    ) -> Request {
        Request {
            method,
            target: Target::Path(path),
            query: String::new(),
            headers: Vec::new(),
            body: None,
            accept,
            security,
        }
    }

    pub fn query(&mut self, query: &super::Query) {
        self.query = query.as_str().to_owned();
    }

    pub fn header(&mut self, name: &'static str, value: String) {
        self.headers.push((name, value));
    }

    pub fn body(&mut self, content_type: &'static str, body: Bytes) {
        self.body = Some(Body::Bytes(content_type, body));
    }

    /// What the client reads, in place of the operation's own list (a
    /// streamed response asks for its media type alone).
    pub fn accept(&mut self, accept: &'static str) {
        self.accept = Some(accept);
    }

    /// A `multipart/form-data` body; reqwest writes its boundary.
    pub fn multipart(&mut self, parts: super::Multipart) {
        self.body = Some(Body::Multipart(parts));
    }

    pub fn json<T: serde::Serialize>(&mut self, body: &T) -> Result<(), Failure> {
        let bytes =
            serde_json::to_vec(body).map_err(|e| Failure::InvalidRequest(format!("cannot serialize the body: {e}")))?;
        self.body = Some(Body::Bytes("application/json", Bytes::from(bytes)));
        Ok(())
    }

    /// A form body: each field as its `encoding` says (`styles`, by name;
    /// any other field is written exploded, OpenAPI's default).
    pub fn form<T: serde::Serialize>(&mut self, body: &T, styles: &[(&str, super::FormStyle)]) -> Result<(), Failure> {
        let value = serde_json::to_value(body)
            .map_err(|e| Failure::InvalidRequest(format!("cannot serialize the body: {e}")))?;
        let mut q = super::Query::default();
        if let serde_json::Value::Object(map) = value {
            for (k, v) in &map {
                let style = styles
                    .iter()
                    .find(|(name, _)| name == k)
                    .map_or(super::FormStyle::Exploded, |(_, s)| *s);
                q.push_field(k, v, style);
            }
        }
        self.body = Some(Body::Bytes(
            "application/x-www-form-urlencoded",
            Bytes::from(q.as_str().to_owned()),
        ));
        Ok(())
    }

    /// The request for the next page: same method and headers, the link's URL.
    pub fn follow(&self, url: Url) -> Request {
        Request {
            target: Target::Absolute(url),
            query: String::new(),
            body: None,
            ..self.clone()
        }
    }
}
