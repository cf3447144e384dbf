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
    assert!(report.failed_ids().contains(&"COL-1"), "{:?}", report.failed_ids());
    // Three dead requests of 0.5 s, then nothing more is sent.
    assert!(elapsed < Duration::from_secs(20), "took {elapsed:?}");
}
