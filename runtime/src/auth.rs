//! Where the bearer token comes from: a fixed string, or a callback that can
//! fetch a fresh one (and is asked again after a 401).

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

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

    /// Whether a retry after 401 can bring a different token.
    fn can_refresh(&self) -> bool {
        true
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

/// How requests are authenticated.
#[derive(Clone, Default)]
pub enum Credentials {
    #[default]
    None,
    Bearer(Arc<dyn TokenProvider>),
    Basic {
        user: String,
        password: Option<String>,
    },
    ApiKey {
        name: String,
        value: String,
        in_query: bool,
    },
}
