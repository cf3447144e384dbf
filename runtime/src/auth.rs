//! Credentials: where the bearer token comes from (a fixed string, a
//! callback, a client-credentials sign-in), and which credential goes with
//! which security scheme of the spec.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use super::sign_in::ClientCredentials;

/// Any error, as a token provider or a callback may fail.
pub type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// The future a [`TokenProvider`] returns.
pub type TokenFuture<'a> = Pin<Box<dyn Future<Output = Result<String, BoxError>> + Send + 'a>>;

/// Supplies the bearer token for each request.
pub trait TokenProvider: Send + Sync {
    /// The token to send now (without the `Bearer ` prefix).
    fn token(&self) -> TokenFuture<'_>;

    /// The server refused the last token with 401: forget any cached one.
    /// The request is then retried once with a fresh [`token`](Self::token).
    fn invalidate(&self) {}

    /// The server refused `token` with 401. A provider that caches forgets
    /// it only if it is still the one cached, so that many requests refused
    /// at once cause one renewal, not one each. By default, [`invalidate`](Self::invalidate).
    fn rejected(&self, token: &str) {
        let _ = token;
        self.invalidate();
    }

    /// Whether a retry after 401 can bring a different token.
    fn can_refresh(&self) -> bool {
        true
    }
}

/// A provider shared with the caller (who keeps a handle to ask, say,
/// [`ClientCredentials::fetches`]).
impl<T: TokenProvider + ?Sized> TokenProvider for Arc<T> {
    fn token(&self) -> TokenFuture<'_> {
        (**self).token()
    }

    fn invalidate(&self) {
        (**self).invalidate()
    }

    fn rejected(&self, token: &str) {
        (**self).rejected(token)
    }

    fn can_refresh(&self) -> bool {
        (**self).can_refresh()
    }
}

/// A token that never changes.
#[derive(Clone)]
pub struct StaticToken(Arc<str>);

impl StaticToken {
    pub fn new(token: impl Into<String>) -> StaticToken {
        StaticToken(Arc::from(token.into()))
    }
}

impl std::fmt::Debug for StaticToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("StaticToken(***)")
    }
}

impl TokenProvider for StaticToken {
    fn token(&self) -> TokenFuture<'_> {
        let t = self.0.to_string();
        Box::pin(async move { Ok(t) })
    }

    fn can_refresh(&self) -> bool {
        false
    }
}

struct FnProvider<F>(F);

impl<F, Fut> TokenProvider for FnProvider<F>
where
    F: Fn() -> Fut + Send + Sync,
    Fut: Future<Output = Result<String, BoxError>> + Send + 'static,
{
    fn token(&self) -> TokenFuture<'_> {
        Box::pin((self.0)())
    }
}

/// A provider from an async callback, called before every request; the
/// callback caches and refreshes as it sees fit.
pub fn token_fn<F, Fut>(f: F) -> impl TokenProvider
where
    F: Fn() -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<String, BoxError>> + Send + 'static,
{
    FnProvider(f)
}

/// Where an API key goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyIn {
    Header,
    Query,
    Cookie,
}

/// One credential: what a security scheme of the spec asks for.
#[derive(Clone)]
pub enum Credential {
    /// `Authorization: Bearer <token>`, the token from a provider (a fixed
    /// [`StaticToken`], a [`ClientCredentials`] sign-in, your own).
    Bearer(Arc<dyn TokenProvider>),
    /// HTTP basic authentication.
    Basic { user: String, password: Option<String> },
    /// An API key in a header, a query parameter or a cookie.
    ApiKey {
        name: String,
        location: KeyIn,
        value: String,
    },
}

impl std::fmt::Debug for Credential {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Credential::Bearer(_) => f.write_str("Bearer(***)"),
            Credential::Basic { user, .. } => write!(f, "Basic({user:?}, ***)"),
            Credential::ApiKey { name, location, .. } => write!(f, "ApiKey({name:?} in {location:?}, ***)"),
        }
    }
}

impl Credential {
    /// A bearer token that never changes.
    pub fn bearer(token: impl Into<String>) -> Credential {
        Credential::Bearer(Arc::new(StaticToken::new(token)))
    }

    /// A bearer token from `provider`, asked before each request and once
    /// more after a 401.
    pub fn provider(provider: impl TokenProvider + 'static) -> Credential {
        Credential::Bearer(Arc::new(provider))
    }
}

impl From<String> for Credential {
    fn from(token: String) -> Credential {
        Credential::bearer(token)
    }
}

impl From<&str> for Credential {
    fn from(token: &str) -> Credential {
        Credential::bearer(token)
    }
}

impl From<StaticToken> for Credential {
    fn from(token: StaticToken) -> Credential {
        Credential::provider(token)
    }
}

impl From<ClientCredentials> for Credential {
    fn from(sign_in: ClientCredentials) -> Credential {
        Credential::provider(sign_in)
    }
}

/// A credential for one security scheme of the spec, by the scheme's name.
/// The generated crate's `security` module makes these, one function per
/// scheme; [`ClientBuilder::sign_in`](super::ClientBuilder::sign_in) adds
/// one to a client, which holds one per scheme.
#[derive(Debug, Clone)]
pub struct SchemeCredential {
    pub scheme: String,
    pub credential: Credential,
}

impl SchemeCredential {
    pub fn new(scheme: impl Into<String>, credential: impl Into<Credential>) -> SchemeCredential {
        SchemeCredential {
            scheme: scheme.into(),
            credential: credential.into(),
        }
    }
}

/// How requests are authenticated: a credential per security scheme, and
/// one for any scheme (set by the builder's `bearer_token`, `basic_auth`,
/// `api_key` and `token_provider`), used when an operation's schemes have
/// no credential of their own.
#[derive(Clone, Default)]
pub struct Credentials {
    pub(crate) any: Option<Credential>,
    pub(crate) schemes: Vec<(String, Credential)>,
}

impl Credentials {
    pub(crate) fn set(&mut self, scheme: String, credential: Credential) {
        match self.schemes.iter_mut().find(|(s, _)| *s == scheme) {
            Some(slot) => slot.1 = credential,
            None => self.schemes.push((scheme, credential)),
        }
    }

    fn of(&self, scheme: &str) -> Option<&Credential> {
        self.schemes.iter().find(|(s, _)| s == scheme).map(|(_, c)| c)
    }

    /// The credentials to send for an operation whose security is
    /// `requirements` (alternatives, each a list of scheme names that go
    /// together; an empty one means no credential is needed): the first
    /// alternative whose schemes all have a credential; else the credential
    /// for any scheme, when the operation needs one; else none.
    pub(crate) fn pick(&self, requirements: &[&[&str]]) -> Vec<&Credential> {
        for alternative in requirements.iter().filter(|a| !a.is_empty()) {
            let found: Vec<&Credential> = alternative.iter().filter_map(|s| self.of(s)).collect();
            if found.len() == alternative.len() {
                return found;
            }
        }
        if requirements.iter().any(|a| !a.is_empty()) {
            return self.any.iter().collect();
        }
        Vec::new()
    }
}
