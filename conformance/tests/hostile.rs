//! Servers that never answer, answer garbage, reset, or send without end:
//! the run ends within its time bound, with "could not be done" (exit 2)
//! or "not conformant" (exit 1) and a clear message, never a hang or a crash.

use std::time::{Duration, Instant};

use bc_conformance::suite::{self, Aborted, RunOptions};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// Serves every connection with `handle` on a free loopback port.
async fn hostile<F, Fut>(handle: F) -> String
where
    F: Fn(TcpStream) -> Fut + Send + Sync + 'static + Clone,
    Fut: std::future::Future<Output = ()> + Send + 'static,
{
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            tokio::spawn(handle.clone()(stream));
        }
    });
    format!("http://{addr}/api/v2.0")
}

async fn read_request(stream: &mut TcpStream) {
    let mut buf = vec![0u8; 8192];
    let mut seen = Vec::new();
    while !seen.windows(4).any(|w| w == b"\r\n\r\n") {
        match stream.read(&mut buf).await {
            Ok(0) | Err(_) => return,
            Ok(n) => seen.extend_from_slice(&buf[..n]),
        }
    }
}

async fn run(base: &str) -> (Result<bc_conformance::report::Report, Aborted>, Duration) {
    let mut opts = RunOptions::new(base, "secret-token");
    opts.timeout = Duration::from_millis(500);
    opts.max_body_bytes = 1024 * 1024;
    opts.allow_writes = true;
    opts.allow_delete = true;
    let started = Instant::now();
    let r = tokio::time::timeout(Duration::from_secs(60), suite::run(opts))
        .await
        .expect("the run must end");
    (r, started.elapsed())
}

#[tokio::test]
async fn a_server_that_never_answers() {
    let base = hostile(|mut s: TcpStream| async move {
        read_request(&mut s).await;
        tokio::time::sleep(Duration::from_secs(3600)).await;
    })
    .await;
    let (r, _) = run(&base).await;
    let e = r.expect_err("nothing to check");
    assert!(e.0.contains("unreachable") && e.0.contains("within 0.5 s"), "{e}");
}

#[tokio::test]
async fn a_server_that_answers_garbage() {
    let base = hostile(|mut s: TcpStream| async move {
        read_request(&mut s).await;
        let _ = s.write_all(b"\x00\x01garbage that is not HTTP\r\n\r\n").await;
    })
    .await;
    let (r, _) = run(&base).await;
    let e = r.expect_err("nothing to check");
    assert!(e.0.contains("unreachable") && e.0.contains("the request failed"), "{e}");
}

#[tokio::test]
async fn a_server_that_closes_the_connection_at_once() {
    let base = hostile(|s: TcpStream| async move {
        drop(s);
    })
    .await;
    let (r, _) = run(&base).await;
    let e = r.expect_err("nothing to check");
    assert!(e.0.contains("unreachable"), "{e}");
}

#[tokio::test]
async fn a_server_that_sends_a_gigabyte() {
    let base = hostile(|mut s: TcpStream| async move {
        read_request(&mut s).await;
        let _ = s
            .write_all(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 1073741824\r\n\r\n")
            .await;
        let chunk = vec![b' '; 64 * 1024];
        for _ in 0..16_384 {
            if s.write_all(&chunk).await.is_err() {
                return;
            }
        }
    })
    .await;
    let (r, _) = run(&base).await;
    let e = r.expect_err("nothing to check");
    assert!(e.0.contains("more than the limit"), "{e}");
}

#[tokio::test]
async fn a_server_that_streams_without_end() {
    let base = hostile(|mut s: TcpStream| async move {
        read_request(&mut s).await;
        let _ = s
            .write_all(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n")
            .await;
        let chunk = format!("{:x}\r\n{}\r\n", 65536, " ".repeat(65536));
        loop {
            if s.write_all(chunk.as_bytes()).await.is_err() {
                return;
            }
        }
    })
    .await;
    let (r, _) = run(&base).await;
    let e = r.expect_err("nothing to check");
    assert!(e.0.contains("larger than the limit"), "{e}");
}

/// Valid HTTP, but every answer is the same page that is not JSON: the
/// run completes and fails the checks.
#[tokio::test]
async fn a_server_that_answers_html_to_everything() {
    let base = hostile(|mut s: TcpStream| async move {
        loop {
            read_request(&mut s).await;
            let body = "<html>hello</html>";
            let head = format!(
                "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: {}\r\n\r\n",
                body.len()
            );
            if s.write_all(head.as_bytes()).await.is_err() || s.write_all(body.as_bytes()).await.is_err() {
                return;
            }
        }
    })
    .await;
    let (r, _) = run(&base).await;
    let report = r.expect("the run is done");
    assert!(!report.conformant);
    assert_eq!(report.failed_ids(), ["REP-2", "COMP-1"]);
    // Without a company nothing else can run, and each says why.
    let skipped = report
        .requirements
        .iter()
        .filter(|r| r.verdict == bc_conformance::report::Verdict::Skipped)
        .count();
    assert_eq!(skipped, 36);
    assert_eq!(report.verdict("REP-3"), Some(bc_conformance::report::Verdict::Warned));
    let why = format!(
        "{:?}",
        report.requirements.iter().find(|r| r.id == "GET-1").map(|r| &r.checks)
    );
    assert!(why.contains("no company was found"), "{why}");
}

/// Answers the company list, then hangs: the suite stops sending after a
/// few dead requests, so the run ends soon with the rest failed.
#[tokio::test]
async fn a_server_that_hangs_after_discovery() {
    let base = hostile(|mut s: TcpStream| async move {
        let mut buf = vec![0u8; 8192];
        let n = s.read(&mut buf).await.unwrap_or(0);
        if String::from_utf8_lossy(&buf[..n]).starts_with("GET /api/v2.0/companies HTTP") {
            let body = r#"{"@odata.context":"x","value":[{"@odata.etag":"W/\"1\"","id":"5d115c9c-44e3-ea11-bb43-000d3a2feca1","name":"C","displayName":"C"}]}"#;
            let head = format!("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n", body.len());
            let _ = s.write_all(head.as_bytes()).await;
            let _ = s.write_all(body.as_bytes()).await;
            return;
        }
        tokio::time::sleep(Duration::from_secs(3600)).await;
    })
    .await;
    let (r, elapsed) = run(&base).await;
    let report = r.expect("the run is done");
    assert!(!report.conformant);
    assert!(
        report.failed_ids().iter().any(|i| *i == "COL-1"),
        "{:?}",
        report.failed_ids()
    );
    // Three dead requests of 0.5 s, then nothing more is sent.
    assert!(elapsed < Duration::from_secs(20), "took {elapsed:?}");
}

/// Answers a request with `status`, extra headers and a JSON body, and
/// keeps the connection for the next.
async fn answer(s: &mut TcpStream, status: u16, headers: &str, body: &str) -> bool {
    let head = format!(
        "HTTP/1.1 {status} X\r\nContent-Type: application/json\r\n{headers}Content-Length: {}\r\n\r\n",
        body.len()
    );
    s.write_all(head.as_bytes()).await.is_ok() && s.write_all(body.as_bytes()).await.is_ok()
}

/// The first line of a request, read whole (head only).
async fn request_line(s: &mut TcpStream) -> Option<String> {
    let mut seen = Vec::new();
    let mut buf = vec![0u8; 8192];
    while !seen.windows(4).any(|w| w == b"\r\n\r\n") {
        match s.read(&mut buf).await {
            Ok(0) | Err(_) => return None,
            Ok(n) => seen.extend_from_slice(&buf[..n]),
        }
    }
    let text = String::from_utf8_lossy(&seen).into_owned();
    text.lines().next().map(str::to_owned)
}

const COMPANIES: &str = r#"{"@odata.context":"x","value":[{"@odata.etag":"W/\"1\"","id":"5d115c9c-44e3-ea11-bb43-000d3a2feca1","name":"C","displayName":"C"}]}"#;

/// Same-origin nextLinks without end, each new: the listing stops at its
/// page bound (or its size bound) and the run ends.
#[tokio::test]
async fn endless_new_next_links_end() {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move {
        let counter = std::sync::Arc::new(std::sync::atomic::AtomicU64::new(0));
        while let Ok((mut s, _)) = listener.accept().await {
            let counter = counter.clone();
            tokio::spawn(async move {
                while let Some(line) = request_line(&mut s).await {
                    let ok = if line.starts_with("GET /api/v2.0/companies HTTP") {
                        answer(&mut s, 200, "", COMPANIES).await
                    } else if line.contains("customerContacts") && !line.contains("customerContacts(") {
                        let n = counter.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                        let id = format!("00000000-0000-4000-8000-{n:012x}");
                        let body = format!(
                            r#"{{"value":[{{"@odata.etag":"W/\"1\"","id":"{id}","lastName":"{}"}}],"@odata.nextLink":"http://{addr}/api/v2.0/companies(5d115c9c-44e3-ea11-bb43-000d3a2feca1)/customerContacts?$skiptoken={n}"}}"#,
                            "x".repeat(50_000)
                        );
                        answer(&mut s, 200, "", &body).await
                    } else {
                        answer(&mut s, 404, "", r#"{"error":{"code":"NotFound","message":"no"}}"#).await
                    };
                    if !ok {
                        return;
                    }
                }
            });
        }
    });
    let base = format!("http://{addr}/api/v2.0");
    let mut opts = RunOptions::new(&base, "secret-token");
    opts.timeout = Duration::from_secs(2);
    // 50 KB pages: the size bound (1 MiB) ends each listing after about 20.
    opts.max_body_bytes = 1024 * 1024;
    let started = Instant::now();
    let report = tokio::time::timeout(Duration::from_secs(60), suite::run(opts))
        .await
        .expect("the run must end")
        .expect("the run is done");
    let text = bc_conformance::report::render_human(&report, false);
    assert!(text.contains("stopped following"), "{text}");
    assert!(report.failed_ids().iter().any(|i| *i == "COL-1"), "{text}");
    assert!(started.elapsed() < Duration::from_secs(60));
}

/// A server that hangs every second request: the three-failures rule never
/// fires, so only the deadline ends the run, and the report says so.
#[tokio::test]
async fn the_deadline_ends_a_run_that_would_last() {
    let counter = std::sync::Arc::new(std::sync::atomic::AtomicU64::new(0));
    let base = hostile(move |mut s: TcpStream| {
        let counter = counter.clone();
        async move {
            while let Some(line) = request_line(&mut s).await {
                let n = counter.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                if n > 0 && n % 2 == 0 {
                    tokio::time::sleep(Duration::from_secs(3600)).await;
                }
                let ok = if line.starts_with("GET /api/v2.0/companies HTTP") {
                    answer(&mut s, 200, "", COMPANIES).await
                } else {
                    answer(&mut s, 404, "", r#"{"error":{"code":"NotFound","message":"no"}}"#).await
                };
                if !ok {
                    return;
                }
            }
        }
    })
    .await;
    let mut opts = RunOptions::new(&base, "secret-token");
    opts.timeout = Duration::from_millis(400);
    opts.deadline = Duration::from_secs(3);
    let started = Instant::now();
    let report = tokio::time::timeout(Duration::from_secs(30), suite::run(opts))
        .await
        .expect("the run must end")
        .expect("a report");
    let elapsed = started.elapsed();
    assert!(elapsed < Duration::from_secs(6), "took {elapsed:?}");
    let i = report.interrupted.as_ref().expect("interrupted");
    assert!(matches!(i, bc_conformance::report::Interrupted::Deadline(_)), "{i:?}");
    assert!(i.reason().contains("deadline of 3 s"), "{i:?}");
    assert!(!report.conformant);
    let junit = bc_conformance::report::render_junit(&report);
    assert!(junit.contains("the run completes"), "{junit}");
}

/// A server that quotes the token everywhere: in bodies (at every offset
/// relative to any cut, since it repeats with a period of 28), in header
/// values and in a header *name*. No report format shows any 6 characters
/// of it.
#[tokio::test]
async fn the_token_never_reaches_a_report_even_in_part() {
    const SECRET: &str = "qz7kw9vb2mxr4tp8jn6hc3fy5ld";
    let base = hostile(|mut s: TcpStream| async move {
        let echo = format!("{SECRET} ").repeat(12_000);
        let headers = format!("x-{SECRET}: {SECRET}\r\nx-quote: {}\r\n", &echo[..200]);
        while let Some(line) = request_line(&mut s).await {
            let ok = if line.starts_with("GET /api/v2.0/companies HTTP") {
                let body = format!(
                    r#"{{"value":[{{"@odata.etag":"W/\"1\"","id":"5d115c9c-44e3-ea11-bb43-000d3a2feca1","name":"{echo}","displayName":"{SECRET}"}}]}}"#
                );
                answer(&mut s, 200, &headers, &body).await
            } else if line.contains("customerContacts(") || line.contains("pdfDocument") {
                answer(&mut s, 200, &headers, &format!(r#"{{"id":"{SECRET}","note":"{echo}"}}"#)).await
            } else {
                let body = format!(r#"{{"error":{{"code":"{SECRET}","message":"{echo}"}}}}"#);
                answer(&mut s, 400, &headers, &body).await
            };
            if !ok {
                return;
            }
        }
    })
    .await;
    let mut opts = RunOptions::new(&base, SECRET);
    opts.timeout = Duration::from_secs(2);
    opts.allow_writes = true;
    let report = tokio::time::timeout(Duration::from_secs(60), suite::run(opts))
        .await
        .expect("the run must end")
        .expect("a report");
    assert!(!report.conformant);
    for (format, text) in [
        ("human", bc_conformance::report::render_human(&report, false)),
        ("json", bc_conformance::report::render_json(&report)),
        ("junit", bc_conformance::report::render_junit(&report)),
    ] {
        assert!(
            text.contains("***"),
            "{format}: nothing was masked, so nothing was tested"
        );
        for start in 0..=SECRET.len() - 6 {
            let piece = &SECRET[start..start + 6];
            assert!(!text.contains(piece), "{format} shows `{piece}` of the token");
        }
    }
}
