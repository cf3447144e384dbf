//! What can go wrong with a call, with the documented error bodies typed and
//! everything else kept raw.

use std::fmt;

use bytes::Bytes;
use reqwest::StatusCode;
use reqwest::header::HeaderMap;

use super::Response;

/// The error code and message of an error body, where the spec's schema has
/// them (`{"error": {"code", "message"}}` for OData).
pub trait ErrorDetails {
    fn code(&self) -> Option<&str>;
    fn message(&self) -> Option<&str>;
}

/// A response with a status the spec documents as an error, body decoded.
#[derive(Debug, Clone)]
pub struct ApiError<E> {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: E,
}

/// A response as it came, for statuses the spec does not document.
#[derive(Debug, Clone)]
pub struct RawResponse {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Bytes,
    details: Option<(String, String)>,
}

#[derive(serde::Deserialize)]
struct ODataError {
    error: ODataErrorDetail,
}

#[derive(serde::Deserialize)]
struct ODataErrorDetail {
    code: String,
    #[serde(default)]
    message: String,
}

impl RawResponse {
    pub fn new(status: StatusCode, headers: HeaderMap, body: Bytes) -> RawResponse {
        let details = serde_json::from_slice::<ODataError>(&body)
            .ok()
            .map(|e| (e.error.code, e.error.message));
        RawResponse {
            status,
            headers,
            body,
            details,
        }
    }

    /// The body as text, invalid UTF-8 replaced.
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    pub fn json<T: serde::de::DeserializeOwned, E>(&self) -> Result<T, Error<E>> {
        serde_json::from_slice(&self.body).map_err(|e| Error::Decode {
            status: self.status,
            message: e.to_string(),
            body: self.body.clone(),
        })
    }

    /// A documented success with a JSON body.
    pub fn ok_json<T: serde::de::DeserializeOwned, H, E>(self, headers: H) -> Result<Response<T, H>, Error<E>> {
        let body = self.json()?;
        Ok(Response::new(self.status, headers, self.headers, body))
    }

    /// A documented success with a JSON body, as one variant of the operation's success enum.
    pub fn ok_json_as<T: serde::de::DeserializeOwned, B, H, E>(
        self,
        headers: H,
        wrap: impl FnOnce(T) -> B,
    ) -> Result<Response<B, H>, Error<E>> {
        let body = wrap(self.json()?);
        Ok(Response::new(self.status, headers, self.headers, body))
    }

    pub fn ok_text<H, E>(self, headers: H) -> Result<Response<String, H>, Error<E>> {
        let body = self.utf8()?;
        Ok(Response::new(self.status, headers, self.headers, body))
    }

    pub fn ok_text_as<B, H, E>(self, headers: H, wrap: impl FnOnce(String) -> B) -> Result<Response<B, H>, Error<E>> {
        let body = wrap(self.utf8()?);
        Ok(Response::new(self.status, headers, self.headers, body))
    }

    pub fn ok_bytes<H, E>(self, headers: H) -> Result<Response<Bytes, H>, Error<E>> {
        Ok(Response::new(self.status, headers, self.headers, self.body))
    }

    pub fn ok_bytes_as<B, H, E>(self, headers: H, wrap: impl FnOnce(Bytes) -> B) -> Result<Response<B, H>, Error<E>> {
        Ok(Response::new(self.status, headers, self.headers, wrap(self.body)))
    }

    pub fn ok_with<B, H, E>(self, headers: H, body: B) -> Result<Response<B, H>, Error<E>> {
        Ok(Response::new(self.status, headers, self.headers, body))
    }

    /// A documented error with a JSON body: `wrap` is the variant of its status.
    pub fn fail_json<T: serde::de::DeserializeOwned, E, R>(self, wrap: impl FnOnce(T) -> E) -> Result<R, Error<E>> {
        let body = wrap(self.json()?);
        Err(Error::Api(ApiError {
            status: self.status,
            headers: self.headers,
            body,
        }))
    }

    pub fn fail_text<E, R>(self, wrap: impl FnOnce(String) -> E) -> Result<R, Error<E>> {
        let body = wrap(self.utf8()?);
        Err(Error::Api(ApiError {
            status: self.status,
            headers: self.headers,
            body,
        }))
    }

    pub fn fail_bytes<E, R>(self, wrap: impl FnOnce(Bytes) -> E) -> Result<R, Error<E>> {
        let body = wrap(self.body);
        Err(Error::Api(ApiError {
            status: self.status,
            headers: self.headers,
            body,
        }))
    }

    pub fn fail_with<E, R>(self, body: E) -> Result<R, Error<E>> {
        Err(Error::Api(ApiError {
            status: self.status,
            headers: self.headers,
            body,
        }))
    }

    /// A status the spec does not document: the response as it came.
    pub fn unexpected<E, R>(self) -> Result<R, Error<E>> {
        Err(Error::UnexpectedStatus(self))
    }

    pub fn utf8<E>(&self) -> Result<String, Error<E>> {
        String::from_utf8(self.body.to_vec()).map_err(|e| Error::Decode {
            status: self.status,
            message: e.to_string(),
            body: self.body.clone(),
        })
    }
}

/// Why a call failed.
#[derive(Debug)]
#[non_exhaustive]
pub enum Error<E> {
    /// The server answered with an error status the spec documents; `E`
    /// holds the decoded body, one variant per status.
    Api(ApiError<E>),
    /// The server answered with a status the spec does not document.
    UnexpectedStatus(RawResponse),
    /// The body did not match the spec's schema for its status.
    Decode {
        status: StatusCode,
        message: String,
        body: Bytes,
    },
    /// Connecting, sending or receiving failed, or the timeout passed.
    Transport(reqwest::Error),
    /// The response body was larger than the client's limit.
    BodyTooLarge { limit: usize },
    /// The token provider failed.
    Auth(super::BoxError),
    /// The request could not be built (a header value with a newline, say).
    InvalidRequest(String),
    /// A page's `@odata.nextLink` cannot be followed: another origin (the
    /// token is never sent there), not a URL, or a link already visited.
    InvalidNextLink { url: String, reason: &'static str },
}

/// The failures that do not depend on the operation: everything of
/// [`Error`] but the documented error bodies. Sending and reading a response
/// is one non-generic path shared by every operation, so it is compiled once
/// rather than once per operation's error type; `?` turns it into an
/// [`Error`].
#[doc(hidden)]
#[derive(Debug)]
pub enum Failure {
    Transport(reqwest::Error),
    BodyTooLarge { limit: usize },
    Auth(super::BoxError),
    InvalidRequest(String),
    InvalidNextLink { url: String, reason: &'static str },
}

impl<E> From<Failure> for Error<E> {
    fn from(f: Failure) -> Error<E> {
        match f {
            Failure::Transport(e) => Error::Transport(e),
            Failure::BodyTooLarge { limit } => Error::BodyTooLarge { limit },
            Failure::Auth(e) => Error::Auth(e),
            Failure::InvalidRequest(m) => Error::InvalidRequest(m),
            Failure::InvalidNextLink { url, reason } => Error::InvalidNextLink { url, reason },
        }
    }
}

impl<E> Error<E> {
    /// The HTTP status, when there was a response.
    pub fn status(&self) -> Option<StatusCode> {
        match self {
            Error::Api(e) => Some(e.status),
            Error::UnexpectedStatus(r) => Some(r.status),
            Error::Decode { status, .. } => Some(*status),
            Error::Transport(e) => e.status(),
            _ => None,
        }
    }

    /// The documented error, if that is what came back.
    pub fn api(&self) -> Option<&ApiError<E>> {
        match self {
            Error::Api(e) => Some(e),
            _ => None,
        }
    }

    pub fn is_timeout(&self) -> bool {
        matches!(self, Error::Transport(e) if e.is_timeout())
    }

    /// The sign-in that failed, when the token could not be had
    /// (the endpoint's OAuth error and Entra code are in it).
    pub fn sign_in(&self) -> Option<&super::SignInError> {
        match self {
            Error::Auth(e) => e.downcast_ref::<super::SignInError>(),
            _ => None,
        }
    }
}

impl<E: ErrorDetails> Error<E> {
    /// The error code, such as `Request_EntityChanged`, from a documented
    /// error body or an OData error body of any status.
    pub fn code(&self) -> Option<&str> {
        match self {
            Error::Api(e) => e.body.code(),
            Error::UnexpectedStatus(r) => r.details.as_ref().map(|d| d.0.as_str()),
            _ => None,
        }
    }

    /// The error message that came with [`code`](Self::code).
    pub fn message(&self) -> Option<&str> {
        match self {
            Error::Api(e) => e.body.message(),
            Error::UnexpectedStatus(r) => r.details.as_ref().map(|d| d.1.as_str()),
            _ => None,
        }
    }
}

impl<E: ErrorDetails> fmt::Display for Error<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Api(_) | Error::UnexpectedStatus(_) => {
                let status = self.status().map(|s| s.to_string()).unwrap_or_default();
                let kind = if matches!(self, Error::Api(_)) {
                    ""
                } else {
                    " (undocumented status)"
                };
                write!(f, "the server answered {status}{kind}")?;
                if let Some(code) = self.code() {
                    write!(f, ": {code}")?;
                }
                if let Some(message) = self.message().filter(|m| !m.is_empty()) {
                    write!(f, ": {message}")?;
                }
                Ok(())
            }
            Error::Decode { status, message, .. } => {
                write!(f, "the {status} response body does not match the spec: {message}")
            }
            Error::Transport(e) if e.is_timeout() => write!(f, "the request timed out: {e}"),
            Error::Transport(e) => write!(f, "the request failed: {e}"),
            Error::BodyTooLarge { limit } => write!(f, "the response body is larger than the limit of {limit} bytes"),
            Error::Auth(e) => write!(f, "the token provider failed: {e}"),
            Error::InvalidRequest(m) => write!(f, "invalid request: {m}"),
            Error::InvalidNextLink { url, reason } => {
                write!(f, "cannot follow the next link {url}: {reason}")
            }
        }
    }
}

impl<E: ErrorDetails + fmt::Debug> std::error::Error for Error<E> {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Transport(e) => Some(e),
            Error::Auth(e) => Some(e.as_ref()),
            _ => None,
        }
    }
}

/// The innermost cause of an error, in words: what reqwest and hyper say
/// last is what a person can act on ("connection refused").
#[doc(hidden)]
pub fn root_cause(e: &(dyn std::error::Error + 'static)) -> String {
    let mut current = e;
    let mut text = e.to_string();
    while let Some(next) = current.source() {
        text = next.to_string();
        current = next;
    }
    text
}
