//! Sign-in as Microsoft Entra ID serves it to Business Central clients: a
//! token endpoint (`POST /{tenant}/oauth2/v2.0/token`, the form-encoded
//! client-credentials grant) on a port of its own, and the tokens it issued,
//! each until it expires.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use serde_json::json;
use uuid::Uuid;

use crate::auth::same_secret;

/// The app registration the server knows, and how long its tokens live.
#[derive(Clone)]
pub struct SignIn {
    pub client_id: String,
    pub client_secret: String,
    pub token_lifetime: Duration,
}

impl std::fmt::Debug for SignIn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SignIn")
            .field("client_id", &self.client_id)
            .field("client_secret", &"***")
            .field("token_lifetime", &self.token_lifetime)
            .finish()
    }
}

/// The largest token request read: a form of a few fields.
const MAX_FORM: usize = 16 * 1024;
/// Tokens alive at once; past this, the oldest go first (a client that
/// signs in a million times cannot fill the memory).
const MAX_LIVE_TOKENS: usize = 100_000;

/// What a presented token is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Presented {
    /// Issued here and still alive, for this client id.
    Valid(Arc<str>),
    /// Issued here, and expired.
    Expired,
    Unknown,
}

/// The tokens issued, shared by the token endpoint and the API.
pub(crate) struct Tokens {
    sign_in: SignIn,
    live: Mutex<HashMap<String, Instant>>,
    client: Arc<str>,
    issued: std::sync::atomic::AtomicU64,
}

impl std::fmt::Debug for Tokens {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Tokens")
            .field("sign_in", &self.sign_in)
            .field("issued", &self.issued())
            .finish_non_exhaustive()
    }
}

impl Tokens {
    pub(crate) fn new(sign_in: SignIn) -> Tokens {
        let client = Arc::from(sign_in.client_id.as_str());
        Tokens {
            sign_in,
            live: Mutex::new(HashMap::new()),
            client,
            issued: std::sync::atomic::AtomicU64::new(0),
        }
    }

    /// How many tokens were issued so far.
    pub(crate) fn issued(&self) -> u64 {
        self.issued.load(std::sync::atomic::Ordering::Relaxed)
    }

    pub(crate) fn check(&self, token: &str) -> Presented {
        let Ok(live) = self.live.lock() else {
            return Presented::Unknown;
        };
        match live.get(token) {
            Some(expires) if Instant::now() < *expires => Presented::Valid(Arc::clone(&self.client)),
            Some(_) => Presented::Expired,
            None => Presented::Unknown,
        }
    }

    fn issue(&self) -> String {
        let token = format!(
            "eyJ0eXAiOiJKV1Qi.{}{}",
            Uuid::new_v4().simple(),
            Uuid::new_v4().simple()
        );
        let now = Instant::now();
        self.issued.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        if let Ok(mut live) = self.live.lock() {
            // Expired tokens are kept for one more lifetime (so they are
            // told apart from unknown ones), then forgotten.
            let lifetime = self.sign_in.token_lifetime;
            live.retain(|_, expires| now < *expires + lifetime);
            if live.len() >= MAX_LIVE_TOKENS {
                if let Some(oldest) = live.iter().min_by_key(|(_, e)| **e).map(|(t, _)| t.clone()) {
                    live.remove(&oldest);
                }
            }
            live.insert(token.clone(), now + lifetime);
        }
        token
    }
}

/// The token endpoint's routes.
pub(crate) fn router(tokens: Arc<Tokens>) -> Router {
    Router::new()
        .route("/{tenant}/oauth2/v2.0/token", post(token))
        .fallback(|| async {
            entra_error(
                StatusCode::NOT_FOUND,
                "invalid_request",
                90002,
                "The token endpoint is POST /{tenant}/oauth2/v2.0/token.",
            )
        })
        .with_state(tokens)
}

/// An error as Entra words it: `error`, `error_description` starting with
/// the `AADSTS` code, `error_codes`, and the trace and correlation ids.
fn entra_error(status: StatusCode, error: &str, code: u32, description: &str) -> Response {
    let trace = Uuid::new_v4();
    let correlation = Uuid::new_v4();
    let body = json!({
        "error": error,
        "error_description": format!("AADSTS{code}: {description} Trace ID: {trace} Correlation ID: {correlation}"),
        "error_codes": [code],
        "trace_id": trace.to_string(),
        "correlation_id": correlation.to_string(),
    });
    let mut r = (status, body.to_string()).into_response();
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json; charset=utf-8"),
    );
    r.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store, no-cache"));
    r
}

/// `application/x-www-form-urlencoded` fields, decoded (the syntax of a
/// query string); `None` when the form is not well formed.
fn form(body: &[u8]) -> Option<Vec<(String, String)>> {
    crate::odata::pairs(std::str::from_utf8(body).ok()?).ok()
}

async fn token(
    State(tokens): State<Arc<Tokens>>,
    Path(tenant): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let bad =
        |error: &str, code: u32, description: &str| entra_error(StatusCode::BAD_REQUEST, error, code, description);
    if tenant.trim().is_empty() || tenant.len() > 256 {
        return bad("invalid_request", 90002, "Tenant not found.");
    }
    if body.len() > MAX_FORM {
        return bad(
            "invalid_request",
            900144,
            "The request body is too large for a token request.",
        );
    }
    let form_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.trim()
                .to_ascii_lowercase()
                .starts_with("application/x-www-form-urlencoded")
        });
    let Some(fields) = form(&body).filter(|_| form_type) else {
        return bad(
            "invalid_request",
            900144,
            "The request body must be application/x-www-form-urlencoded, with 'grant_type', 'client_id', 'client_secret' and 'scope'.",
        );
    };
    let field = |name: &str| fields.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str());
    match field("grant_type") {
        Some("client_credentials") => {}
        Some(_) => {
            return bad(
                "unsupported_grant_type",
                70003,
                "The app requested an unsupported grant type; this endpoint serves 'client_credentials'.",
            );
        }
        None => {
            return bad(
                "invalid_request",
                900144,
                "The request body must contain the parameter 'grant_type'.",
            );
        }
    }
    // The client: in the form, or as HTTP Basic (both form-encoded first).
    let basic = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Basic ").or_else(|| v.strip_prefix("basic ")))
        .and_then(|b| bc_api::Base64::decode(b.trim()).ok())
        .map(|b| b.0)
        .and_then(|raw| String::from_utf8(raw).ok())
        .and_then(|pair| {
            let (i, s) = pair.split_once(':')?;
            let f = form(format!("i={i}&s={s}").as_bytes())?;
            Some((f.first()?.1.clone(), f.get(1)?.1.clone()))
        });
    let (id, secret) = match &basic {
        Some((i, s)) => (Some(i.as_str()), Some(s.as_str())),
        None => (field("client_id"), field("client_secret")),
    };
    let Some(id) = id else {
        return bad(
            "invalid_request",
            900144,
            "The request body must contain the parameter 'client_id'.",
        );
    };
    if id != tokens.sign_in.client_id {
        let shown: String = id.chars().take(80).flat_map(char::escape_debug).collect();
        return bad(
            "unauthorized_client",
            700016,
            &format!("Application with identifier '{shown}' was not found in the directory."),
        );
    }
    match field("scope") {
        Some(scope) if scope.split(' ').any(|s| s.ends_with("/.default")) => {}
        _ => {
            return bad(
                "invalid_scope",
                1002012,
                "The provided value for scope is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI).",
            );
        }
    }
    let Some(secret) = secret else {
        return entra_error(
            StatusCode::UNAUTHORIZED,
            "invalid_client",
            7000216,
            "'client_assertion', 'client_secret' or 'request' is required for the 'client_credentials' grant type.",
        );
    };
    if !same_secret(secret.as_bytes(), tokens.sign_in.client_secret.as_bytes()) {
        return entra_error(
            StatusCode::UNAUTHORIZED,
            "invalid_client",
            7000215,
            "Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app.",
        );
    }
    let lifetime = tokens.sign_in.token_lifetime.as_secs().max(1);
    let body = json!({
        "token_type": "Bearer",
        "expires_in": lifetime,
        "ext_expires_in": lifetime,
        "access_token": tokens.issue(),
    });
    let mut r = (StatusCode::OK, body.to_string()).into_response();
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json; charset=utf-8"),
    );
    r.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store, no-cache"));
    r
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forms_decode() {
        assert_eq!(
            form(b"grant_type=client_credentials&scope=a%2F.default+b").unwrap(),
            vec![
                ("grant_type".to_owned(), "client_credentials".to_owned()),
                ("scope".to_owned(), "a/.default b".to_owned())
            ]
        );
    }

    #[test]
    fn tokens_expire_and_are_told_apart_from_unknown_ones() {
        let tokens = Tokens::new(SignIn {
            client_id: "c".to_owned(),
            client_secret: "s".to_owned(),
            token_lifetime: Duration::from_millis(30),
        });
        let t = tokens.issue();
        assert_eq!(tokens.check(&t), Presented::Valid(Arc::from("c")));
        assert_eq!(tokens.check("other"), Presented::Unknown);
        std::thread::sleep(Duration::from_millis(40));
        assert_eq!(tokens.check(&t), Presented::Expired);
        assert!(!format!("{:?}", tokens.sign_in).contains("\"s\""));
    }
}
