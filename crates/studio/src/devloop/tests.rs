//! The loop on a real dashboard server: the page gets the client script,
//! its socket's reports reach the sink (within the rate limit), and a
//! change in the folder reaches the page.

use std::sync::Mutex;
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use juggler::server::ServerBuilder;
use tokio_tungstenite::tungstenite::Message;

use super::*;

#[derive(Default)]
struct Sink {
    reports: Mutex<Vec<(u64, String, Option<Report>)>>,
    open: Mutex<Vec<usize>>,
    changes: Mutex<Vec<(Change, usize)>>,
}

impl PageSink for Sink {
    fn report(&self, page: u64, url: &str, report: Option<Report>) {
        self.reports
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push((page, url.into(), report));
    }
    fn pages(&self, open: usize) {
        self.open
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(open);
    }
}

impl DevSink for Sink {
    fn changed(&self, change: &Change, told: usize) {
        self.changes
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push((change.clone(), told));
    }
}

async fn until(what: &str, mut check: impl FnMut() -> bool) {
    let found = tokio::time::timeout(Duration::from_secs(10), async {
        while !check() {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    })
    .await;
    assert!(found.is_ok(), "timed out waiting for {what}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_page_reports_and_hears_of_changes() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(
        dir.path().join("index.html"),
        "<html><head></head><body></body></html>",
    )
    .expect("write");
    std::fs::write(dir.path().join("style.css"), "a{}").expect("write");
    let sink = Arc::new(Sink::default());
    let (cancel, tracker) = (CancellationToken::new(), TaskTracker::new());
    let devloop = DevLoop::start(
        Some(dir.path()),
        sink.clone(),
        cancel.clone(),
        tracker.clone(),
    )
    .expect("start");
    let server = ServerBuilder::new()
        .static_dir(dir.path())
        .routes(devloop.router())
        .transform_html(DevLoop::html_transform())
        .bind("127.0.0.1:0")
        .await
        .expect("serve");
    let http = format!("http://{}", server.local_addr());

    // The page gets the tag; the file does not.
    let page = reqwest_like(&format!("{http}/index.html")).await;
    assert!(
        page.contains("<head><script src=\"/__studio/client.js\""),
        "{page}"
    );
    let plain = reqwest_like(&format!("{http}/index.html?studio=off")).await;
    assert!(!plain.contains("__studio"), "{plain}");
    let script = reqwest_like(&format!("{http}/__studio/client.js")).await;
    assert!(script.contains("__jugglerStudio"));

    // A page's socket: hello, then a flood of reports.
    let socket_url = format!("ws://{}/__studio/socket", server.local_addr());
    let (mut ws, _) = tokio_tungstenite::connect_async(&socket_url)
        .await
        .expect("socket");
    until("the page to count", || {
        sink.open
            .lock()
            .map(|o| o.last() == Some(&1))
            .unwrap_or(false)
    })
    .await;
    ws.send(Message::text(
        r#"{"type":"hello","url":"http://x/index.html"}"#,
    ))
    .await
    .expect("send");
    let report = r#"{"type":"console","level":"error","message":"boom","source":"http://x/app.js","line":3,"column":9}"#;
    for _ in 0..500 {
        ws.send(Message::text(report)).await.expect("send");
    }
    until("500 reports", || {
        sink.reports.lock().map(|r| r.len() == 500).unwrap_or(false)
    })
    .await;
    let reports = sink.reports.lock().map(|r| r.clone()).unwrap_or_default();
    let kept = reports.iter().filter(|(_, _, r)| r.is_some()).count();
    assert!(
        kept <= 400,
        "the rate limit keeps at most 200 a second: {kept}"
    );
    let (_, url, first) = &reports[0];
    assert_eq!(url, "http://x/index.html");
    assert_eq!(
        first.as_ref().map(|r| (r.line, r.column)),
        Some((Some(3), Some(9)))
    );

    // A stylesheet saved: the page is told to swap it.
    std::fs::write(dir.path().join("style.css"), "a{color:red}").expect("write");
    let told = tokio::time::timeout(Duration::from_secs(10), async {
        loop {
            match ws.next().await {
                Some(Ok(Message::Text(t))) => return t.to_string(),
                Some(Ok(_)) => continue,
                other => panic!("socket ended: {other:?}"),
            }
        }
    })
    .await
    .expect("told in time");
    let changes = sink.changes.lock().map(|c| c.clone()).unwrap_or_default();
    assert_eq!(
        told, r#"{"type":"css","paths":["/style.css"]}"#,
        "{changes:?}"
    );
    until("the change to be counted", || {
        sink.changes
            .lock()
            .map(|c| c.iter().any(|(_, n)| *n == 1))
            .unwrap_or(false)
    })
    .await;

    drop(ws);
    until("the page to go", || {
        sink.open
            .lock()
            .map(|o| o.last() == Some(&0))
            .unwrap_or(false)
    })
    .await;
    cancel.cancel();
    tracker.close();
    tracker.wait().await;
    server.shutdown().await;
}

/// GET over plain HTTP/1.1 (no client library needed).
async fn reqwest_like(url: &str) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let rest = url.trim_start_matches("http://");
    let (host, path) = rest
        .split_once('/')
        .map(|(h, p)| (h, format!("/{p}")))
        .unwrap_or((rest, "/".into()));
    let mut s = tokio::net::TcpStream::connect(host).await.expect("connect");
    let req = format!("GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n");
    s.write_all(req.as_bytes()).await.expect("write");
    let mut buf = Vec::new();
    s.read_to_end(&mut buf).await.expect("read");
    let text = String::from_utf8_lossy(&buf).into_owned();
    text.split_once("\r\n\r\n")
        .map(|(_, b)| b.to_owned())
        .unwrap_or_default()
}
