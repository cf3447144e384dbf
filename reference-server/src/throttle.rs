//! Business Central's operational limits, per principal (the app a token
//! was issued to, or the static token's user): a request rate over a
//! window, and a number of requests served at once with a queue behind
//! them. Past either, 429 with `Retry-After`, as the service answers.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::http::StatusCode;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use crate::error::ODataError;

/// The limits; Business Central online's documented values by default.
#[derive(Debug, Clone)]
pub struct Throttle {
    /// Requests a principal may make per [`window`](Self::window); `None`
    /// for no limit.
    pub rate: Option<u32>,
    pub window: Duration,
    /// Requests served at once per principal.
    pub concurrent: usize,
    /// Requests that wait for one of those places; more get 429.
    pub queue: usize,
    /// The longest a request waits in the queue (then 503).
    pub queue_timeout: Duration,
}

impl Default for Throttle {
    fn default() -> Throttle {
        Throttle {
            rate: Some(6_000),
            window: Duration::from_secs(300),
            concurrent: 5,
            queue: 95,
            queue_timeout: Duration::from_secs(30),
        }
    }
}

impl Throttle {
    /// No limit at all.
    pub fn off() -> Throttle {
        Throttle {
            rate: None,
            window: Duration::from_secs(300),
            concurrent: Semaphore::MAX_PERMITS,
            queue: 0,
            queue_timeout: Duration::from_secs(30),
        }
    }
}

struct Principal {
    /// The current window's start and the requests counted in it.
    window: Mutex<(Instant, u32)>,
    running: Arc<Semaphore>,
    /// Requests waiting for a place.
    waiting: std::sync::atomic::AtomicUsize,
}

/// The limits' state. Principals are only ever the ones the server signs
/// in (its static token and its one app), so the map stays small.
pub(crate) struct Limiter {
    config: Throttle,
    principals: Mutex<HashMap<Arc<str>, Arc<Principal>>>,
}

/// A place among the requests served at once, held until the response.
pub(crate) struct Place(#[allow(dead_code)] Option<OwnedSemaphorePermit>);

impl Limiter {
    pub(crate) fn new(config: Throttle) -> Limiter {
        Limiter {
            config,
            principals: Mutex::new(HashMap::new()),
        }
    }

    fn principal(&self, who: &Arc<str>) -> Option<Arc<Principal>> {
        let mut map = self.principals.lock().ok()?;
        let concurrent = self.config.concurrent.clamp(1, Semaphore::MAX_PERMITS);
        Some(Arc::clone(map.entry(Arc::clone(who)).or_insert_with(|| {
            Arc::new(Principal {
                window: Mutex::new((Instant::now(), 0)),
                running: Arc::new(Semaphore::new(concurrent)),
                waiting: std::sync::atomic::AtomicUsize::new(0),
            })
        })))
    }

    /// Counts a request of `who` and waits for its place; a 429 (or 503
    /// after the queue's timeout) when a limit says no.
    pub(crate) async fn admit(&self, who: &Arc<str>) -> Result<Place, ODataError> {
        let Some(p) = self.principal(who) else {
            return Ok(Place(None));
        };
        if let Some(limit) = self.config.rate {
            let now = Instant::now();
            let mut w = p
                .window
                .lock()
                .map_err(|_| ODataError::internal("the rate state is poisoned"))?;
            if now.duration_since(w.0) >= self.config.window {
                *w = (now, 0);
            }
            if w.1 >= limit {
                let left = self.config.window.saturating_sub(now.duration_since(w.0));
                return Err(too_many(
                    format!(
                        "The rate limit of {limit} requests per {} seconds was reached. Retry after the time given in Retry-After.",
                        self.config.window.as_secs()
                    ),
                    left,
                ));
            }
            w.1 += 1;
        }
        if self.config.concurrent >= Semaphore::MAX_PERMITS {
            return Ok(Place(None));
        }
        if let Ok(permit) = Arc::clone(&p.running).try_acquire_owned() {
            return Ok(Place(Some(permit)));
        }
        use std::sync::atomic::Ordering;
        if p.waiting.fetch_add(1, Ordering::SeqCst) >= self.config.queue {
            p.waiting.fetch_sub(1, Ordering::SeqCst);
            return Err(too_many(
                format!(
                    "Too many requests at once: {} are served at a time and {} may wait. Retry after the time given in Retry-After.",
                    self.config.concurrent, self.config.queue
                ),
                Duration::from_secs(1),
            ));
        }
        let waited = tokio::time::timeout(self.config.queue_timeout, Arc::clone(&p.running).acquire_owned()).await;
        p.waiting.fetch_sub(1, Ordering::SeqCst);
        match waited {
            Ok(Ok(permit)) => Ok(Place(Some(permit))),
            _ => {
                let mut e = ODataError::new(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "Internal_ServiceUnavailable",
                    "The request waited in the queue longer than allowed. Retry in a moment.",
                );
                e.retry_after = Some(1);
                Err(e)
            }
        }
    }
}

fn too_many(message: String, wait: Duration) -> ODataError {
    let mut e = ODataError::new(StatusCode::TOO_MANY_REQUESTS, "Application_TooManyRequests", message);
    // Whole seconds, rounded up: a client that waits this long gets in.
    let secs = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
    e.retry_after = Some(u32::try_from(secs.max(1)).unwrap_or(u32::MAX));
    e
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn the_rate_is_counted_per_principal_and_window() {
        let limiter = Limiter::new(Throttle {
            rate: Some(3),
            window: Duration::from_millis(200),
            ..Throttle::default()
        });
        let (a, b): (Arc<str>, Arc<str>) = (Arc::from("a"), Arc::from("b"));
        for _ in 0..3 {
            assert!(limiter.admit(&a).await.is_ok());
        }
        let e = limiter.admit(&a).await.err().unwrap();
        assert_eq!(e.status, StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(e.retry_after, Some(1));
        assert!(limiter.admit(&b).await.is_ok(), "another principal has its own count");
        tokio::time::sleep(Duration::from_millis(210)).await;
        assert!(limiter.admit(&a).await.is_ok(), "a new window");
    }

    #[tokio::test]
    async fn past_the_places_and_the_queue_a_request_gets_429() {
        let limiter = Arc::new(Limiter::new(Throttle {
            rate: None,
            concurrent: 2,
            queue: 1,
            ..Throttle::default()
        }));
        let a: Arc<str> = Arc::from("a");
        let first = limiter.admit(&a).await.unwrap();
        let _second = limiter.admit(&a).await.unwrap();
        let (l, who) = (Arc::clone(&limiter), Arc::clone(&a));
        let queued = tokio::spawn(async move { l.admit(&who).await.is_ok() });
        tokio::time::sleep(Duration::from_millis(50)).await;
        let e = limiter.admit(&a).await.err().unwrap();
        assert_eq!(e.status, StatusCode::TOO_MANY_REQUESTS);
        drop(first);
        assert!(queued.await.unwrap(), "the queued request gets the freed place");
    }
}
