//! The accept loop. `axum::serve` runs hyper without a timer, so a client
//! that sends half a request head, or opens connections and says nothing,
//! holds a socket forever. Here every connection has:
//!
//! - a header-read timeout (hyper's: counted from when the server starts
//!   waiting for a request head, so an idle keep-alive connection ends too);
//! - an idle timeout: nothing read or written for that long closes it (a
//!   stalled body, a client that does not read its response);
//! - a place among at most `max_connections`; past that, a connection gets
//!   a 503 with an OData body and `Retry-After`, and is closed.
//!
//! hyper answers a request head it cannot parse (400, 414, 431) by itself,
//! with an empty body, before the router sees anything. [`Guarded`] puts an
//! OData error body on those answers: it recognises hyper's own error
//! response among the bytes written (a 4xx head with no header but
//! `content-length: 0`, `connection: close` and `date`, which the router
//! did not produce) and
//! writes a complete OData error response in its place.

use std::convert::Infallible;
use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::task::{Context, Poll, ready};
use std::time::Duration;

use axum::Router;
use axum::body::{Body, HttpBody};
use axum::http::{Request, Response, StatusCode, header};
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Semaphore, watch};
use tokio::time::Instant;

use crate::error::{JSON_CONTENT_TYPE, ODataError};

/// Connection limits and timeouts.
#[derive(Debug, Clone)]
pub struct Limits {
    /// How long the server waits for a whole request head.
    pub header_timeout: Duration,
    /// How long a connection may stay without a byte read or written.
    pub idle_timeout: Duration,
    /// Connections served at once; more get a 503 and are closed.
    pub max_connections: usize,
    /// The largest request head (request line and headers) read; a larger
    /// one gets 431, a longer URI 414. At least 8 KiB.
    pub max_head_bytes: usize,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            header_timeout: Duration::from_secs(10),
            idle_timeout: Duration::from_secs(60),
            max_connections: 1024,
            max_head_bytes: 64 * 1024,
        }
    }
}

/// How long connections in flight get to finish after a stop.
const DRAIN: Duration = Duration::from_secs(5);
/// How long a refused connection gets to take its 503.
const REFUSAL_WRITE: Duration = Duration::from_secs(1);

/// Serves `app` on `listener` until `shutdown` completes, then lets the
/// connections in flight finish (for [`DRAIN`] at most).
pub(crate) async fn serve(
    listener: TcpListener,
    app: Router,
    limits: Limits,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> io::Result<()> {
    let max = limits.max_connections.clamp(1, Semaphore::MAX_PERMITS);
    let slots = Arc::new(Semaphore::new(max));
    // Refusals are short, but bounded too: past this many, a connection is
    // closed without a word.
    let refusals = Arc::new(Semaphore::new(64));
    let (stop_tx, stop_rx) = watch::channel(false);
    tokio::pin!(shutdown);
    loop {
        let stream = tokio::select! {
            () = &mut shutdown => break,
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => stream,
                Err(e) => {
                    // Out of file descriptors, or a connection reset before
                    // it was accepted: the listener itself is fine.
                    tracing::warn!(error = %e, "cannot accept a connection; retrying");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
        };
        let _ = stream.set_nodelay(true);
        match Arc::clone(&slots).try_acquire_owned() {
            Ok(slot) => {
                let (app, conn_limits, stop) = (app.clone(), limits.clone(), stop_rx.clone());
                let born = Instant::now();
                let shared = Arc::new(Shared::default());
                let for_conn = Arc::clone(&shared);
                let task = tokio::spawn(async move {
                    connection(stream, app, &conn_limits, stop, for_conn, born).await;
                    drop(slot);
                });
                tokio::spawn(watchdog(task.abort_handle(), shared, born, limits.idle_timeout));
            }
            Err(_) => {
                if let Ok(permit) = Arc::clone(&refusals).try_acquire_owned() {
                    tokio::spawn(async move {
                        refuse(stream).await;
                        drop(permit);
                    });
                }
            }
        }
    }
    let _ = stop_tx.send(true);
    let all = u32::try_from(max).unwrap_or(u32::MAX);
    let _ = tokio::time::timeout(DRAIN, slots.acquire_many(all)).await;
    Ok(())
}

/// A full OData error response that closes the connection.
fn raw_error(e: &ODataError) -> Vec<u8> {
    let body = e.body();
    let mut out = format!(
        "HTTP/1.1 {} {}\r\ncontent-type: {JSON_CONTENT_TYPE}\r\nodata-version: 4.0\r\ncontent-length: {}\r\nconnection: close\r\n",
        e.status.as_u16(),
        e.status.canonical_reason().unwrap_or(""),
        body.len()
    );
    if let Some(s) = e.retry_after {
        out.push_str(&format!("retry-after: {s}\r\n"));
    }
    out.push_str("\r\n");
    let mut bytes = out.into_bytes();
    bytes.extend_from_slice(&body);
    bytes
}

async fn refuse(mut stream: TcpStream) {
    use tokio::io::AsyncWriteExt;
    let mut e = ODataError::new(
        StatusCode::SERVICE_UNAVAILABLE,
        "Internal_ServiceUnavailable",
        "The server has too many open connections. Retry in a moment.",
    );
    e.retry_after = Some(1);
    let bytes = raw_error(&e);
    let _ = tokio::time::timeout(REFUSAL_WRITE, async {
        let _ = stream.write_all(&bytes).await;
        let _ = stream.shutdown().await;
    })
    .await;
}

/// What a connection's IO and its service share.
#[derive(Default)]
struct Shared {
    /// Milliseconds since `born` of the last byte read or written.
    last_activity_ms: AtomicU64,
    /// 4xx responses the router produced that look like hyper's own errors.
    bare_errors_by_router: AtomicU64,
}

async fn connection(
    stream: TcpStream,
    app: Router,
    limits: &Limits,
    mut stop: watch::Receiver<bool>,
    shared: Arc<Shared>,
    born: Instant,
) {
    let io = TokioIo::new(Guarded::new(stream, Arc::clone(&shared), born));
    let service = Counting {
        inner: TowerToHyperService::new(app),
        shared,
    };
    let conn = http1::Builder::new()
        .timer(TokioTimer::new())
        .header_read_timeout(limits.header_timeout)
        .max_header_size(limits.max_head_bytes.max(8192))
        .keep_alive(true)
        .serve_connection(io, service);
    tokio::pin!(conn);
    tokio::select! {
        done = conn.as_mut() => {
            if let Err(e) = done {
                tracing::debug!(error = %e, "connection ended with an error");
            }
            return;
        }
        changed = stop.changed() => {
            if changed.is_ok() {
                conn.as_mut().graceful_shutdown();
            }
        }
    }
    if let Err(e) = conn.await {
        tracing::debug!(error = %e, "connection ended with an error");
    }
}

/// Ends the connection task `task` once nothing has been read or written
/// on it for `idle`. It sleeps apart from the connection, so the
/// connection's own polling carries no timer.
async fn watchdog(task: tokio::task::AbortHandle, shared: Arc<Shared>, born: Instant, idle: Duration) {
    loop {
        let last = born + Duration::from_millis(shared.last_activity_ms.load(Ordering::Relaxed));
        tokio::time::sleep_until(last + idle).await;
        if task.is_finished() {
            return;
        }
        let last = born + Duration::from_millis(shared.last_activity_ms.load(Ordering::Relaxed));
        if Instant::now() >= last + idle {
            tracing::debug!("closing an idle connection");
            task.abort();
            return;
        }
    }
}

/// The router as a hyper service, noting each response that hyper's own
/// error answers could be mistaken for.
#[derive(Clone)]
struct Counting {
    inner: TowerToHyperService<Router>,
    shared: Arc<Shared>,
}

type BoxFuture = Pin<Box<dyn Future<Output = Result<Response<Body>, Infallible>> + Send>>;

impl hyper::service::Service<Request<Incoming>> for Counting {
    type Response = Response<Body>;
    type Error = Infallible;
    type Future = BoxFuture;

    fn call(&self, req: Request<Incoming>) -> BoxFuture {
        let fut = self.inner.call(req);
        let shared = Arc::clone(&self.shared);
        Box::pin(async move {
            let response = fut.await?;
            if looks_like_hyper_error(&response) {
                shared.bare_errors_by_router.fetch_add(1, Ordering::Relaxed);
            }
            Ok(response)
        })
    }
}

fn looks_like_hyper_error(r: &Response<Body>) -> bool {
    r.status().is_client_error()
        && r.headers()
            .keys()
            .all(|k| *k == header::CONTENT_LENGTH || *k == header::DATE || *k == header::CONNECTION)
        && r.body().size_hint().exact() == Some(0)
}

/// Parses `buf` as the head of hyper's own error response: a 4xx status
/// with no header but `content-length: 0`, `connection: close` and `date`.
/// Returns the status.
fn hyper_error_head(buf: &[u8]) -> Option<StatusCode> {
    if !buf.starts_with(b"HTTP/1.1 4") && !buf.starts_with(b"HTTP/1.0 4") {
        return None;
    }
    let mut headers = [httparse::EMPTY_HEADER; 8];
    let mut parsed = httparse::Response::new(&mut headers);
    let httparse::Status::Complete(_) = parsed.parse(buf).ok()? else {
        return None;
    };
    let bare = parsed.headers.iter().all(|h| {
        h.name.eq_ignore_ascii_case("date")
            || (h.name.eq_ignore_ascii_case("connection") && h.value.eq_ignore_ascii_case(b"close"))
            || (h.name.eq_ignore_ascii_case("content-length") && h.value == b"0")
    });
    if !bare {
        return None;
    }
    StatusCode::from_u16(parsed.code?).ok()
}

/// The error hyper answered with, as an OData error.
fn protocol_error(status: StatusCode) -> ODataError {
    let (code, message) = match status {
        StatusCode::URI_TOO_LONG => ("BadRequest_UriTooLong", "The request URI is too long."),
        StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE => (
            "BadRequest_HeadersTooLarge",
            "The request line and headers are too large.",
        ),
        _ => (
            "BadRequest_MalformedRequest",
            "The request is not well-formed HTTP/1.1: its request line or a header could not be read.",
        ),
    };
    ODataError::new(status, code, message)
}

/// The TCP stream as hyper sees it: notes activity for the idle timeout
/// and puts OData bodies on hyper's own error responses.
struct Guarded {
    inner: TcpStream,
    shared: Arc<Shared>,
    born: Instant,
    /// hyper's error responses seen so far.
    bare_errors_seen: u64,
    /// Whether any byte was read yet.
    read_any: bool,
    /// A replacement response still to be written, and how much of it is.
    pending: Vec<u8>,
    pending_at: usize,
}

impl Guarded {
    fn new(inner: TcpStream, shared: Arc<Shared>, born: Instant) -> Guarded {
        Guarded {
            inner,
            shared,
            born,
            bare_errors_seen: 0,
            read_any: false,
            pending: Vec::new(),
            pending_at: 0,
        }
    }

    fn touch(&self) {
        let ms = u64::try_from(self.born.elapsed().as_millis()).unwrap_or(u64::MAX);
        self.shared.last_activity_ms.store(ms, Ordering::Relaxed);
    }

    fn poll_drain(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        while self.pending_at < self.pending.len() {
            let n = ready!(Pin::new(&mut self.inner).poll_write(cx, &self.pending[self.pending_at..]))?;
            if n == 0 {
                return Poll::Ready(Err(io::ErrorKind::WriteZero.into()));
            }
            self.pending_at += n;
            self.touch();
        }
        Poll::Ready(Ok(()))
    }
}

impl AsyncRead for Guarded {
    fn poll_read(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        let r = Pin::new(&mut self.inner).poll_read(cx, buf);
        if matches!(r, Poll::Ready(Ok(()))) && buf.filled().len() > before {
            self.touch();
            if !self.read_any {
                self.read_any = true;
                // HTTP/2 with prior knowledge: hyper (HTTP/1 only) would
                // close without a word. Answer 505 and end the connection.
                if buf.filled()[before..].starts_with(b"PRI * HTTP/2") {
                    buf.set_filled(before);
                    let e = ODataError::new(
                        StatusCode::HTTP_VERSION_NOT_SUPPORTED,
                        "BadRequest_HttpVersionNotSupported",
                        "Only HTTP/1.1 is served.",
                    );
                    self.pending = raw_error(&e);
                    self.pending_at = 0;
                    let _ = self.poll_drain(cx);
                }
            }
        }
        r
    }
}

impl AsyncWrite for Guarded {
    fn poll_write(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        let this = &mut *self;
        ready!(this.poll_drain(cx))?;
        if let Some(status) = hyper_error_head(buf) {
            this.bare_errors_seen += 1;
            if this.bare_errors_seen > this.shared.bare_errors_by_router.load(Ordering::Relaxed) {
                // hyper's own: answer with a body instead. hyper closes the
                // connection after it, so nothing follows these bytes.
                this.pending = raw_error(&protocol_error(status));
                this.pending_at = 0;
                if let Poll::Ready(Err(e)) = this.poll_drain(cx) {
                    return Poll::Ready(Err(e));
                }
                return Poll::Ready(Ok(buf.len()));
            }
        }
        let n = ready!(Pin::new(&mut this.inner).poll_write(cx, buf))?;
        this.touch();
        Poll::Ready(Ok(n))
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        ready!(self.poll_drain(cx))?;
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        ready!(self.poll_drain(cx))?;
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        // A response head is always the first slice hyper hands over; its
        // own error answers have no body, so they are one slice.
        if let Some(first) = bufs.iter().find(|b| !b.is_empty()) {
            if hyper_error_head(first).is_some() {
                return self.poll_write(cx, first);
            }
        }
        let this = &mut *self;
        ready!(this.poll_drain(cx))?;
        let n = ready!(Pin::new(&mut this.inner).poll_write_vectored(cx, bufs))?;
        this.touch();
        Poll::Ready(Ok(n))
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hyper_error_heads_are_recognised() {
        let hyper_400 =
            b"HTTP/1.1 400 Bad Request\r\nconnection: close\r\ncontent-length: 0\r\ndate: Fri, 27 Nov 2026 17:00:00 GMT\r\n\r\n";
        assert_eq!(hyper_error_head(hyper_400), Some(StatusCode::BAD_REQUEST));
        assert_eq!(
            hyper_error_head(b"HTTP/1.1 431 Request Header Fields Too Large\r\ncontent-length: 0\r\n\r\n"),
            Some(StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE)
        );
        for not_hyper in [
            &b"HTTP/1.1 400 Bad Request\r\ncontent-type: application/json\r\ncontent-length: 2\r\n\r\n{}"[..],
            b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n",
            b"HTTP/1.1 404 Not Found\r\ncontent-length: 0\r\nodata-version: 4.0\r\n\r\n",
            b"{\"value\":[]}",
            b"HTTP/1.1 400 Bad",
        ] {
            assert_eq!(hyper_error_head(not_hyper), None);
        }
    }

    #[test]
    fn raw_errors_are_whole_responses() {
        let bytes = raw_error(&protocol_error(StatusCode::URI_TOO_LONG));
        let text = String::from_utf8(bytes).unwrap();
        let (head, body) = text.split_once("\r\n\r\n").unwrap();
        assert!(head.starts_with("HTTP/1.1 414 URI Too Long\r\n"));
        assert!(head.contains(&format!("content-length: {}", body.len())));
        let v: serde_json::Value = serde_json::from_str(body).unwrap();
        assert_eq!(v["error"]["code"], "BadRequest_UriTooLong");
    }
}
