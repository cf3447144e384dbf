//! Successful responses, and streams over pages and binary bodies.

use std::collections::{HashSet, VecDeque};
use std::pin::Pin;

use bytes::Bytes;
use futures::Stream;
use reqwest::StatusCode;
use reqwest::header::HeaderMap;

use super::client::{Client, Request};
use super::error::{Error, RawResponse};

/// A successful response: the status, the headers the spec declares (typed,
/// in `H`), every header as received, and the decoded body.
#[derive(Debug, Clone)]
pub struct Response<T, H = ()> {
    pub status: StatusCode,
    pub headers: H,
    pub raw_headers: HeaderMap,
    pub body: T,
}

impl<T, H> Response<T, H> {
    pub fn new(status: StatusCode, headers: H, raw_headers: HeaderMap, body: T) -> Self {
        Response {
            status,
            headers,
            raw_headers,
            body,
        }
    }

    pub fn into_body(self) -> T {
        self.body
    }
}

/// A binary body as it arrives, chunk by chunk.
pub struct ByteStream(Pin<Box<dyn Stream<Item = Result<Bytes, reqwest::Error>> + Send>>);

impl ByteStream {
    pub fn new(inner: impl Stream<Item = Result<Bytes, reqwest::Error>> + Send + 'static) -> ByteStream {
        ByteStream(Box::pin(inner))
    }
}

impl std::fmt::Debug for ByteStream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ByteStream")
    }
}

impl Stream for ByteStream {
    type Item = Result<Bytes, reqwest::Error>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut std::task::Context<'_>) -> std::task::Poll<Option<Self::Item>> {
        self.0.as_mut().poll_next(cx)
    }
}

/// A page of a collection: its items and the link to the next page.
pub trait Page {
    type Item;
    fn into_parts(self) -> (Vec<Self::Item>, Option<String>);
}

struct State<'a, I, E> {
    client: &'a Client,
    buffered: VecDeque<I>,
    next: Option<Request>,
    /// An error to yield once the buffered items are out.
    failed: Option<Error<E>>,
    visited: HashSet<String>,
}

/// Every item of every page, following next links from `first` until none
/// is left. A failure ends the stream after yielding its error.
pub fn pages<'a, P, E>(
    client: &'a Client,
    first: Request,
    decode: fn(RawResponse) -> Result<P, Error<E>>,
) -> impl Stream<Item = Result<P::Item, Error<E>>> + 'a
where
    P: Page + 'a,
    P::Item: 'a,
    E: 'a,
{
    let state = State {
        client,
        buffered: VecDeque::new(),
        next: Some(first),
        failed: None,
        visited: HashSet::new(),
    };
    futures::stream::unfold(state, move |mut st| async move {
        loop {
            if let Some(item) = st.buffered.pop_front() {
                return Some((Ok(item), st));
            }
            if let Some(e) = st.failed.take() {
                return Some((Err(e), st));
            }
            let req = st.next.take()?;
            let page = match st.client.execute(&req).await {
                Ok(raw) => decode(raw),
                Err(e) => Err(Error::from(e)),
            };
            match page {
                Ok(page) => {
                    let (items, next) = page.into_parts();
                    st.buffered.extend(items);
                    if let Some(link) = next {
                        match st.client.next_link(&link) {
                            Ok(url) if !st.visited.insert(url.to_string()) => {
                                st.failed = Some(Error::InvalidNextLink {
                                    url: link,
                                    reason: "the server sent a link already followed",
                                });
                            }
                            Ok(url) => st.next = Some(req.follow(url)),
                            Err(e) => st.failed = Some(Error::from(e)),
                        }
                    }
                }
                Err(e) => st.failed = Some(e),
            }
        }
    })
}
