//! The future of one call: what an operation's `send` returns and what
//! awaiting a request builder gives.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use super::client::{Client, Request};
use super::error::{Error, Failure, RawResponse};

type Exchange<'a> = Pin<Box<dyn Future<Output = Result<RawResponse, Failure>> + Send + 'a>>;

/// A request on its way: resolves to the decoded response, or to why the
/// call failed. Nothing is sent until it is awaited (or polled).
///
/// The exchange itself (sending with retries and reading the body) is one
/// future type shared by every operation; only the decoding step is the
/// operation's own, so a crate of hundreds of operations compiles one
/// state machine rather than one per operation.
#[must_use = "a call does nothing until it is awaited"]
pub struct Call<'a, R> {
    state: State<'a, R>,
}

enum State<'a, R> {
    /// Building the request failed: this is the outcome, given on the first poll.
    Refused(R),
    Sending {
        exchange: Exchange<'a>,
        decode: fn(RawResponse) -> R,
        fail: fn(Failure) -> R,
    },
    Done,
}

impl<'a, T, E> Call<'a, Result<T, Error<E>>> {
    /// The call of `request` (or the error that building it gave) on
    /// `client`, its response decoded by `decode`.
    pub fn new(
        client: &'a Client,
        request: Result<Request, Error<E>>,
        decode: fn(RawResponse) -> Result<T, Error<E>>,
    ) -> Self {
        let state = match request {
            Ok(request) => State::Sending {
                exchange: exchange(client, request),
                decode,
                fail: |failure| Err(Error::from(failure)),
            },
            Err(e) => State::Refused(Err(e)),
        };
        Call { state }
    }
}

/// The exchange of `request` on `client`, boxed. Not generic, so the
/// exchange's state machine (sending, retries, reading the body) is
/// compiled once, in the runtime; boxed inside the generic `Call::new`, it
/// would be compiled again in every crate that calls an operation.
fn exchange(client: &Client, request: Request) -> Exchange<'_> {
    Box::pin(client.execute_owned(request))
}

// The exchange is boxed and nothing else is pinned in place.
impl<R> Unpin for Call<'_, R> {}

impl<R> Future for Call<'_, R> {
    type Output = R;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<R> {
        let this = self.get_mut();
        if let State::Sending { exchange, decode, fail } = &mut this.state {
            let exchanged = match exchange.as_mut().poll(cx) {
                Poll::Pending => return Poll::Pending,
                Poll::Ready(exchanged) => exchanged,
            };
            let outcome = match exchanged {
                Ok(raw) => decode(raw),
                Err(failure) => fail(failure),
            };
            this.state = State::Done;
            return Poll::Ready(outcome);
        }
        match std::mem::replace(&mut this.state, State::Done) {
            State::Refused(outcome) => Poll::Ready(outcome),
            // As with an `async fn`, polling a finished future is the caller's bug.
            _ => panic!("`Call` polled after it completed"),
        }
    }
}

impl<R> fmt::Debug for Call<'_, R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = match self.state {
            State::Refused(_) => "refused",
            State::Sending { .. } => "sending",
            State::Done => "done",
        };
        f.debug_struct("Call").field("state", &state).finish()
    }
}
