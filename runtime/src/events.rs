//! Streamed responses read item by item: server-sent events
//! (`text/event-stream`) and JSON lines (`application/x-ndjson`,
//! `application/jsonl`), each item decoded as it arrives.
//!
//! Memory is bounded by one item: the bytes of an event (or a line) are
//! held until it ends, and an event or line longer than the client's body
//! limit ends the stream with `BodyTooLarge` instead of growing without
//! end. The stream ends cleanly where the server ends the body, or at a
//! sentinel the caller names ([`EventStream::until`]: OpenAI ends its
//! streams with `data: [DONE]`).

use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::{Bytes, BytesMut};
use futures::Stream;
use reqwest::StatusCode;

use super::client::{Client, Request};
use super::error::{Error, Failure, RawResponse};

/// One server-sent event: its `data` decoded, and the fields beside it.
#[derive(Debug, Clone, PartialEq)]
pub struct Event<T> {
    /// The `event:` field (the event's type), when the server sent one.
    pub event: Option<String>,
    /// The last event ID the stream set (`id:`, kept until changed), which
    /// a client sends back as `Last-Event-ID` when it reconnects.
    pub id: Option<String>,
    /// The reconnection time this event asked for (`retry:`).
    pub retry: Option<Duration>,
    /// The `data:` lines joined by newlines, decoded.
    pub data: T,
}

/// The bytes of a streamed body, chunk by chunk.
type Chunks = Pin<Box<dyn Stream<Item = Result<Bytes, reqwest::Error>> + Send>>;

/// Splits a body into lines (ended by CRLF, LF or CR), none longer than
/// `limit`.
struct Lines {
    chunks: Chunks,
    buf: BytesMut,
    limit: usize,
    ended: bool,
    /// A CR ended the last line: an LF right after it belongs to it.
    after_cr: bool,
    /// How much of `buf` is known to hold no line end.
    scanned: usize,
}

impl Lines {
    fn new(response: reqwest::Response, limit: usize) -> Lines {
        Lines {
            chunks: Box::pin(response.bytes_stream()),
            buf: BytesMut::new(),
            limit,
            ended: false,
            after_cr: false,
            scanned: 0,
        }
    }

    /// The next whole line, `None` at the end of the body (a last line
    /// without its end included).
    fn poll_line(&mut self, cx: &mut Context<'_>) -> Poll<Option<Result<Bytes, Failure>>> {
        loop {
            if self.after_cr && !self.buf.is_empty() {
                if self.buf[0] == b'\n' {
                    let _ = self.buf.split_to(1);
                }
                self.after_cr = false;
            }
            if let Some(end) = self.buf[self.scanned..]
                .iter()
                .position(|&b| b == b'\n' || b == b'\r')
                .map(|i| i + self.scanned)
            {
                self.scanned = 0;
                let line = self.buf.split_to(end).freeze();
                let cr = self.buf[0] == b'\r';
                let _ = self.buf.split_to(1);
                self.after_cr = cr;
                return Poll::Ready(Some(Ok(line)));
            }
            self.scanned = self.buf.len();
            if self.buf.len() > self.limit {
                self.ended = true;
                self.buf.clear();
                self.scanned = 0;
                return Poll::Ready(Some(Err(Failure::BodyTooLarge { limit: self.limit })));
            }
            if self.ended {
                if self.buf.is_empty() {
                    return Poll::Ready(None);
                }
                self.scanned = 0;
                let line = std::mem::take(&mut self.buf).freeze();
                return Poll::Ready(Some(Ok(line)));
            }
            match self.chunks.as_mut().poll_next(cx) {
                Poll::Pending => return Poll::Pending,
                Poll::Ready(None) => self.ended = true,
                Poll::Ready(Some(Err(e))) => {
                    self.ended = true;
                    self.buf.clear();
                    self.scanned = 0;
                    return Poll::Ready(Some(Err(Failure::Transport(e))));
                }
                Poll::Ready(Some(Ok(chunk))) => self.buf.extend_from_slice(&chunk),
            }
        }
    }
}

/// An event as read, before its data is decoded.
struct RawEvent {
    event: Option<String>,
    id: Option<String>,
    retry: Option<Duration>,
    data: String,
}

/// What reads the fields of server-sent events, line by line, as the
/// HTML standard defines them.
struct Parser {
    lines: Lines,
    first: bool,
    data: String,
    has_data: bool,
    event: Option<String>,
    retry: Option<Duration>,
    last_id: Option<String>,
    limit: usize,
}

impl Parser {
    fn poll_event(&mut self, cx: &mut Context<'_>) -> Poll<Option<Result<RawEvent, Failure>>> {
        loop {
            let line = match self.lines.poll_line(cx) {
                Poll::Pending => return Poll::Pending,
                // An event the body ends inside of is not dispatched.
                Poll::Ready(None) => return Poll::Ready(None),
                Poll::Ready(Some(Err(e))) => return Poll::Ready(Some(Err(e))),
                Poll::Ready(Some(Ok(line))) => line,
            };
            let mut line: &[u8] = &line;
            if std::mem::take(&mut self.first) {
                line = line.strip_prefix("\u{feff}".as_bytes()).unwrap_or(line);
            }
            if line.is_empty() {
                let event = self.event.take();
                let retry = self.retry.take();
                if !std::mem::take(&mut self.has_data) {
                    continue;
                }
                let data = std::mem::take(&mut self.data);
                return Poll::Ready(Some(Ok(RawEvent {
                    event,
                    id: self.last_id.clone(),
                    retry,
                    data,
                })));
            }
            if line[0] == b':' {
                continue;
            }
            let text = String::from_utf8_lossy(line);
            let (field, value) = match text.split_once(':') {
                Some((f, v)) => (f, v.strip_prefix(' ').unwrap_or(v)),
                None => (text.as_ref(), ""),
            };
            match field {
                "data" => {
                    if self.has_data {
                        self.data.push('\n');
                    }
                    self.data.push_str(value);
                    self.has_data = true;
                    if self.data.len() > self.limit {
                        self.data.clear();
                        self.has_data = false;
                        return Poll::Ready(Some(Err(Failure::BodyTooLarge { limit: self.limit })));
                    }
                }
                "event" => self.event = Some(value.to_owned()),
                "id" if !value.contains('\0') => self.last_id = Some(value.to_owned()),
                "retry" if !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit()) => {
                    self.retry = value.parse().ok().map(Duration::from_millis);
                }
                _ => {}
            }
        }
    }
}

/// How an item's text becomes its type: JSON ([`json_data`]) or the text
/// itself ([`text_data`]).
pub type DecodeData<T> = fn(&str) -> Result<T, String>;

/// An item decoded as JSON.
#[doc(hidden)]
pub fn json_data<T: serde::de::DeserializeOwned>(text: &str) -> Result<T, String> {
    serde_json::from_str(text).map_err(|e| e.to_string())
}

/// An item kept as its text.
#[doc(hidden)]
pub fn text_data(text: &str) -> Result<String, String> {
    Ok(text.to_owned())
}

/// A `text/event-stream` response, event by event, each event's `data`
/// decoded as `T`. A failure (the connection, an event over the body
/// limit, data that does not decode) is yielded, and the stream ends after
/// it.
pub struct EventStream<T, E> {
    parser: Parser,
    decode: DecodeData<T>,
    status: StatusCode,
    sentinel: Option<String>,
    done: bool,
    _error: std::marker::PhantomData<fn() -> E>,
}

impl<T, E> EventStream<T, E> {
    #[doc(hidden)]
    pub fn new(client: &Client, response: reqwest::Response, decode: DecodeData<T>) -> EventStream<T, E> {
        let limit = client.max_body_bytes();
        EventStream {
            status: response.status(),
            parser: Parser {
                lines: Lines::new(response, limit),
                first: true,
                data: String::new(),
                has_data: false,
                event: None,
                retry: None,
                last_id: None,
                limit,
            },
            decode,
            sentinel: None,
            done: false,
            _error: std::marker::PhantomData,
        }
    }

    /// Ends the stream, cleanly, at the first event whose data is
    /// `sentinel` (OpenAI's `[DONE]`), which is not decoded nor yielded.
    pub fn until(mut self, sentinel: impl Into<String>) -> EventStream<T, E> {
        self.sentinel = Some(sentinel.into());
        self
    }
}

impl<T, E> std::fmt::Debug for EventStream<T, E> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EventStream")
            .field("status", &self.status)
            .field("sentinel", &self.sentinel)
            .finish()
    }
}

impl<T, E> Unpin for EventStream<T, E> {}

impl<T, E> Stream for EventStream<T, E> {
    type Item = Result<Event<T>, Error<E>>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = &mut *self;
        if this.done {
            return Poll::Ready(None);
        }
        let raw = match next_or_end(&mut this.done, this.parser.poll_event(cx)) {
            Ok(raw) => raw,
            Err(yielded) => return yielded,
        };
        if this.sentinel.as_deref() == Some(raw.data.as_str()) {
            this.done = true;
            return Poll::Ready(None);
        }
        match (this.decode)(&raw.data) {
            Ok(data) => Poll::Ready(Some(Ok(Event {
                event: raw.event,
                id: raw.id,
                retry: raw.retry,
                data,
            }))),
            Err(message) => {
                this.done = true;
                Poll::Ready(Some(Err(Error::Decode {
                    status: this.status,
                    message: format!("an event's data: {message}"),
                    body: Bytes::from(raw.data),
                })))
            }
        }
    }
}

/// A JSON-lines response (`application/x-ndjson`, `application/jsonl`),
/// item by item; blank lines are skipped. A failure is yielded, and the
/// stream ends after it.
pub struct JsonLines<T, E> {
    lines: Lines,
    decode: DecodeData<T>,
    status: StatusCode,
    done: bool,
    _error: std::marker::PhantomData<fn() -> E>,
}

impl<T, E> JsonLines<T, E> {
    #[doc(hidden)]
    pub fn new(client: &Client, response: reqwest::Response, decode: DecodeData<T>) -> JsonLines<T, E> {
        JsonLines {
            status: response.status(),
            lines: Lines::new(response, client.max_body_bytes()),
            decode,
            done: false,
            _error: std::marker::PhantomData,
        }
    }
}

impl<T, E> std::fmt::Debug for JsonLines<T, E> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("JsonLines").field("status", &self.status).finish()
    }
}

impl<T, E> Unpin for JsonLines<T, E> {}

impl<T, E> Stream for JsonLines<T, E> {
    type Item = Result<T, Error<E>>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = &mut *self;
        loop {
            if this.done {
                return Poll::Ready(None);
            }
            let line = match next_or_end(&mut this.done, this.lines.poll_line(cx)) {
                Ok(line) => line,
                Err(yielded) => return yielded,
            };
            if line.iter().all(u8::is_ascii_whitespace) {
                continue;
            }
            let text = String::from_utf8_lossy(&line);
            return Poll::Ready(Some(match (this.decode)(&text) {
                Ok(item) => Ok(item),
                Err(message) => {
                    this.done = true;
                    Err(Error::Decode {
                        status: this.status,
                        message: format!("a line of the body: {message}"),
                        body: line,
                    })
                }
            }));
        }
    }
}

/// What a stream of `T` hands its caller at one poll.
type Yield<T, E> = Poll<Option<Result<T, Error<E>>>>;

/// What a reader polled: its next piece, or else what the stream yields
/// instead (nothing yet, its end, or a failure, after which it ends).
/// What `EventStream` and `JsonLines` share.
fn next_or_end<R, T, E>(done: &mut bool, polled: Poll<Option<Result<R, Failure>>>) -> Result<R, Yield<T, E>> {
    match polled {
        Poll::Pending => Err(Poll::Pending),
        Poll::Ready(None) => {
            *done = true;
            Err(Poll::Ready(None))
        }
        Poll::Ready(Some(Err(e))) => {
            *done = true;
            Err(Poll::Ready(Some(Err(Error::from(e)))))
        }
        Poll::Ready(Some(Ok(piece))) => Ok(piece),
    }
}

/// Sends `req` and hands over the response of a success unread; an error
/// status is read and decoded as the operation documents it (`decode`).
/// What an operation's `send_stream`, `events` and `json_lines` share.
#[doc(hidden)]
pub async fn open<S, E>(
    client: &Client,
    req: &Request,
    decode: fn(RawResponse) -> Result<S, Error<E>>,
) -> Result<reqwest::Response, Error<E>> {
    let response = client.execute_stream(req).await?;
    if response.status().is_success() {
        return Ok(response);
    }
    let raw = client.finish(response).await?;
    let status = raw.status;
    match decode(raw) {
        Err(e) => Err(e),
        Ok(_) => Err(Error::Decode {
            status,
            message: "a non-success status decoded as success".to_owned(),
            body: Bytes::new(),
        }),
    }
}
