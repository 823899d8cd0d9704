//! TLS, Basic auth, static files, the index redirect, `Cache-Control` and
//! extra routes, seen from real clients on loopback.

mod common;

use common::{converged, next_conn, self_signed, serve, within};
use juggler::server::ServerBuilder;
use juggler::{ClientBuilder, Trust};
use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// One raw HTTP/1.1 request, path sent exactly as given (no client-side
/// normalisation of `..`). Returns status code, headers and body.
async fn http(
    addr: std::net::SocketAddr,
    method: &str,
    path: &str,
    extra: &str,
) -> (u16, String, String) {
    http_as(addr, method, path, "localhost", extra).await
}

/// [`http`] with this `Host`.
async fn http_as(
    addr: std::net::SocketAddr,
    method: &str,
    path: &str,
    host: &str,
    extra: &str,
) -> (u16, String, String) {
    let mut s = tokio::net::TcpStream::connect(addr).await.expect("connect");
    let req =
        format!("{method} {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n{extra}\r\n");
    s.write_all(req.as_bytes()).await.expect("write");
    let mut buf = Vec::new();
    within(s.read_to_end(&mut buf)).await.expect("read");
    let text = String::from_utf8_lossy(&buf).into_owned();
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    (status, head.to_owned(), body.to_owned())
}

fn static_tree() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path().join("www");
    std::fs::create_dir_all(root.join("sub")).expect("mkdir");
    std::fs::write(root.join("index.html"), "<h1>dashboard</h1>").expect("write");
    std::fs::write(root.join("sub/app.js"), "console.log(1)").expect("write");
    std::fs::write(dir.path().join("secret.txt"), "TOP SECRET").expect("write");
    #[cfg(unix)]
    {
        std::os::unix::fs::symlink(dir.path().join("secret.txt"), root.join("leak.txt"))
            .expect("symlink");
        std::os::unix::fs::symlink(dir.path(), root.join("up")).expect("symlink");
        std::os::unix::fs::symlink(root.join("index.html"), root.join("alias.html"))
            .expect("symlink");
    }
    dir
}

#[tokio::test]
async fn static_files_and_index_redirect() {
    let tree = static_tree();
    let (server, _) = serve(ServerBuilder::new().static_dir(tree.path().join("www"))).await;
    let addr = server.local_addr();
    let (status, head, _) = http(addr, "GET", "/", "").await;
    assert_eq!(status, 302);
    assert!(
        head.to_lowercase().contains("location: /index.html"),
        "{head}"
    );
    // The query goes along: the page's own parameters (`?studio=off`,
    // the builder's `?builder`) were lost.
    let (status, head, _) = http(addr, "GET", "/?builder&theme=dark", "").await;
    assert_eq!(status, 302);
    assert!(
        head.to_lowercase()
            .contains("location: /index.html?builder&theme=dark\r\n"),
        "{head}"
    );
    let (status, head, body) = http(addr, "GET", "/index.html", "").await;
    assert_eq!((status, body.as_str()), (200, "<h1>dashboard</h1>"));
    assert!(
        head.to_lowercase().contains("cache-control: no-cache"),
        "{head}"
    );
    let (status, _, body) = http(addr, "GET", "/sub/app.js", "").await;
    assert_eq!((status, body.as_str()), (200, "console.log(1)"));
    let (status, _, body) = http(addr, "HEAD", "/sub/app.js", "").await;
    assert_eq!((status, body.as_str()), (200, ""));
    let (status, _, _) = http(addr, "POST", "/index.html", "Content-Length: 0\r\n").await;
    assert_eq!(status, 405);
    let (status, _, _) = http(addr, "GET", "/missing.js", "").await;
    assert_eq!(status, 404);
    // A symlink that stays inside is fine.
    let (status, _, body) = http(addr, "GET", "/alias.html", "").await;
    assert_eq!((status, body.as_str()), (200, "<h1>dashboard</h1>"));
    // The juggler endpoint lives beside the files.
    let c = ClientBuilder::new(server.url())
        .connect()
        .await
        .expect("connect");
    assert_eq!(c.send("", 1).await.ok(), Some(json!(1)));
    server.shutdown().await;
}

/// The value of header `name` in a response head.
fn header(head: &str, name: &str) -> Option<String> {
    head.lines().find_map(|l| {
        let (n, v) = l.split_once(':')?;
        n.trim()
            .eq_ignore_ascii_case(name)
            .then(|| v.trim().to_owned())
    })
}

/// A file saved twice within one second is sent again, not answered 304
/// with its first version (Last-Modified has whole seconds: a
/// live-reloaded page kept an old stylesheet); an unchanged one is 304.
#[tokio::test]
async fn a_file_changed_within_the_same_second_is_sent_again() {
    let tree = static_tree();
    let file = tree.path().join("www/sub/app.js");
    let (server, _) = serve(ServerBuilder::new().static_dir(tree.path().join("www"))).await;
    let addr = server.local_addr();
    let (status, head, _) = http(addr, "GET", "/sub/app.js", "").await;
    assert_eq!(status, 200);
    let tag = header(&head, "etag").expect("an ETag");
    let modified = header(&head, "last-modified").expect("a Last-Modified");
    let (status, head, body) = http(
        addr,
        "GET",
        "/sub/app.js",
        &format!("If-None-Match: {tag}\r\n"),
    )
    .await;
    assert_eq!((status, body.as_str()), (304, ""), "{head}");
    // Saved again, the same second as far as Last-Modified can tell.
    std::fs::write(&file, "console.log(2)").expect("write");
    let validators = format!("If-None-Match: {tag}\r\nIf-Modified-Since: {modified}\r\n");
    let (status, head, body) = http(addr, "GET", "/sub/app.js", &validators).await;
    assert_eq!((status, body.as_str()), (200, "console.log(2)"), "{head}");
    assert_ne!(header(&head, "etag"), Some(tag));
    let (status, _, body) = http(
        addr,
        "GET",
        "/sub/app.js",
        &format!("If-Modified-Since: {modified}\r\n"),
    )
    .await;
    assert_eq!((status, body.as_str()), (200, "console.log(2)"));
    server.shutdown().await;
}

/// A WebSocket handshake at another path than the endpoint is refused
/// with where the endpoint is (a page with the wrong address retried for
/// ever on a bare 404), with and without static files.
#[tokio::test]
async fn a_websocket_at_the_wrong_path_is_told_where_the_endpoint_is() {
    let tree = static_tree();
    for builder in [
        ServerBuilder::new().static_dir(tree.path().join("www")),
        ServerBuilder::new().ws_path("/api/juggler"),
    ] {
        let (server, _) = serve(builder).await;
        // The endpoint's path, from its URL (ws://127.0.0.1:PORT/PATH).
        let url = server.url();
        let want = &url[url.rfind(':').expect("a port")..];
        let want = &want[want.find('/').expect("a path")..];
        let upgrade = "Upgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n";
        let (status, _, body) = http(server.local_addr(), "GET", "/wrong", upgrade).await;
        assert_eq!(status, 404);
        assert!(body.contains(&format!("it is at {want}")), "{body}");
        // A plain request there is a plain 404.
        let (status, _, body) = http(server.local_addr(), "GET", "/wrong", "").await;
        assert_eq!(status, 404);
        assert!(!body.contains("juggler"), "{body}");
        server.shutdown().await;
    }
}

#[tokio::test]
async fn path_traversal_is_refused() {
    let tree = static_tree();
    let (server, _) = serve(ServerBuilder::new().static_dir(tree.path().join("www"))).await;
    let addr = server.local_addr();
    let attempts = [
        "/../secret.txt",
        "/sub/../../secret.txt",
        "/%2e%2e/secret.txt",
        "/%2E%2E/secret.txt",
        "/sub/%2e%2e/%2e%2e/secret.txt",
        "/..%2fsecret.txt",
        "/%2e%2e%2fsecret.txt",
        "/..%5csecret.txt",
        "/%00/secret.txt",
        "/index.html%00",
        "//etc/passwd",
        "/%2fetc%2fpasswd",
        "/leak.txt",
        "/up/secret.txt",
    ];
    for path in attempts {
        let (status, _, body) = http(addr, "GET", path, "").await;
        assert!(!body.contains("SECRET"), "{path} leaked: {status} {body}");
        assert!(!body.contains("root:"), "{path} leaked /etc/passwd");
        assert!(status == 404 || status == 400, "{path}: {status}");
    }
    // A symlink out and back in lands inside: that one is allowed.
    let (status, _, body) = http(addr, "GET", "/up/www/index.html", "").await;
    assert_eq!((status, body.as_str()), (200, "<h1>dashboard</h1>"));
    // Absolute URIs in the request line cannot escape either.
    let secret = tree.path().join("secret.txt");
    let (status, _, body) = http(
        addr,
        "GET",
        &format!("http://localhost{}", secret.display()),
        "",
    )
    .await;
    assert!(!body.contains("SECRET") && status == 404, "{status} {body}");
    server.shutdown().await;
}

#[tokio::test]
async fn index_redirect_can_be_turned_off_and_cache_header_too() {
    let tree = static_tree();
    let (server, _) = serve(
        ServerBuilder::new()
            .static_dir(tree.path().join("www"))
            .index_path(None)
            .no_cache(false),
    )
    .await;
    let (status, head, body) = http(server.local_addr(), "GET", "/", "").await;
    // Without the redirect, ServeDir answers `/` with the folder's index.html.
    assert_eq!((status, body.as_str()), (200, "<h1>dashboard</h1>"));
    assert!(!head.to_lowercase().contains("cache-control"), "{head}");
    server.shutdown().await;
}

#[tokio::test]
async fn missing_static_dir_is_a_clear_error() {
    let err = ServerBuilder::new()
        .static_dir("/definitely/not/here")
        .bind("127.0.0.1:0")
        .await
        .err()
        .expect("refused");
    assert!(err.to_string().contains("static_dir"), "{err}");
}

#[tokio::test]
async fn extra_routes_are_served() {
    let routes = axum::Router::new().route("/health", axum::routing::get(|| async { "ok" }));
    let (server, _) = serve(ServerBuilder::new().routes(routes)).await;
    let (status, _, body) = http(server.local_addr(), "GET", "/health", "").await;
    assert_eq!((status, body.as_str()), (200, "ok"));
    server.shutdown().await;
}

#[tokio::test]
async fn basic_auth_from_htpasswd() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("htpasswd");
    // `openssl passwd -apr1 -salt abcdefgh 'secret pass'`
    std::fs::write(&file, "alice:$apr1$abcdefgh$ZAdX7G.l3eDbgTYbm5ePE0\n").expect("write");
    let builder = ServerBuilder::new()
        .htpasswd_file(&file)
        .expect("htpasswd")
        .autoflush(Some(std::time::Duration::ZERO));
    let (server, mut conns) = serve(builder).await;
    let refused = ClientBuilder::new(server.url())
        .connect()
        .await
        .expect_err("no credentials");
    assert!(refused.to_string().contains("401"), "{refused}");
    let wrong = ClientBuilder::new(server.url())
        .basic_auth("alice", "wrong")
        .connect()
        .await
        .expect_err("wrong password");
    assert!(wrong.to_string().contains("Basic auth"), "{wrong}");
    let c = ClientBuilder::new(server.url())
        .basic_auth("alice", "secret pass")
        .connect()
        .await
        .expect("right password");
    let conn = next_conn(&mut conns).await;
    conn.state().set([], json!("in"));
    converged(&c, &json!("in")).await;
    let (status, head, _) = http(server.local_addr(), "GET", "/", "").await;
    assert_eq!(status, 401);
    assert!(head.contains("Basic realm"), "{head}");
    // Credentials in the address are Basic auth (as aiohttp, the
    // reference's client, takes them), percent-decoded; a wrong one's
    // error does not show the password.
    let in_address = server.url().replace("ws://", "ws://alice:secret%20pass@");
    ClientBuilder::new(&in_address)
        .connect()
        .await
        .expect("credentials in the address");
    let wrong = server.url().replace("ws://", "ws://alice:hunter2@");
    let refused = ClientBuilder::new(&wrong)
        .connect()
        .await
        .expect_err("wrong password in the address");
    assert!(refused.to_string().contains("Basic auth"), "{refused}");
    assert!(!refused.to_string().contains("hunter2"), "{refused}");
    assert_eq!(
        juggler::client::redacted(&wrong),
        server.url().replace("ws://", "ws://alice:***@")
    );
    server.shutdown().await;
}

#[tokio::test]
async fn tls_with_a_pem_file() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (pem, cert_pem) = self_signed(dir.path());
    let builder = ServerBuilder::new()
        .pem_file(&pem)
        .expect("pem")
        .autoflush(Some(std::time::Duration::ZERO));
    let (server, mut conns) = serve(builder).await;
    assert!(server.url().starts_with("wss://"));
    let url = format!("wss://localhost:{}/ws", server.local_addr().port());
    let trusted = ClientBuilder::new(&url)
        .trust(Trust::CaPem(cert_pem.into_bytes()))
        .connect()
        .await
        .expect("trusted CA");
    let conn = next_conn(&mut conns).await;
    conn.state().set([], json!({"secure": true}));
    converged(&trusted, &json!({"secure": true})).await;
    let any = ClientBuilder::new(&url)
        .trust(Trust::AcceptAny)
        .connect()
        .await;
    assert!(any.is_ok(), "{any:?}");
    let untrusted = ClientBuilder::new(&url).connect().await;
    assert!(
        untrusted.is_err(),
        "a self-signed certificate is not trusted by default"
    );
    // Plain ws:// to a TLS server fails cleanly.
    let plain = ClientBuilder::new(format!("ws://127.0.0.1:{}/ws", server.local_addr().port()))
        .connect_timeout(std::time::Duration::from_secs(5))
        .connect()
        .await;
    assert!(plain.is_err());
    server.shutdown().await;
}

#[tokio::test]
async fn bad_pem_file_says_what_is_wrong() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("only-cert.pem");
    let cert = rcgen::generate_simple_self_signed(vec!["localhost".into()]).expect("cert");
    std::fs::write(&path, cert.cert.pem()).expect("write");
    let err = ServerBuilder::new().pem_file(&path).err().expect("refused");
    assert!(err.to_string().contains("PRIVATE KEY"), "{err}");
    let err = ServerBuilder::new()
        .pem_file(dir.path().join("none.pem"))
        .err()
        .expect("refused");
    assert!(err.to_string().contains("cannot read"), "{err}");
}

/// Regression: a self-signed certificate marked as a CA (what a default
/// `openssl req -x509` makes) was refused as the server's own even when given
/// as the CA file ("CaUsedAsEndEntity"); Python's client accepts it.
#[tokio::test]
async fn a_self_signed_ca_certificate_given_as_ca_file_is_trusted() {
    let dir = tempfile::tempdir().expect("tempdir");
    let key = rcgen::KeyPair::generate().expect("key");
    let mut params = rcgen::CertificateParams::new(vec!["localhost".into()]).expect("params");
    params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    let cert = params.self_signed(&key).expect("cert");
    let pem = dir.path().join("server.pem");
    std::fs::write(&pem, format!("{}{}", cert.pem(), key.serialize_pem())).expect("write");
    let ca = dir.path().join("ca.pem");
    std::fs::write(&ca, cert.pem()).expect("write");
    let (server, _) = serve(ServerBuilder::new().pem_file(&pem).expect("pem")).await;
    let url = format!("wss://localhost:{}/ws", server.local_addr().port());
    let c = ClientBuilder::new(&url)
        .trust(Trust::CaFile(ca))
        .connect()
        .await
        .expect("trusted through the CA file");
    assert_eq!(c.send("", 1).await.ok(), Some(json!(1)));
    server.shutdown().await;
}

/// The kind of a refused certificate and the HTTP status of a refused
/// handshake are told without reading the text, so that a client can say
/// what to change and stop retrying.
#[tokio::test]
async fn refused_certificates_and_statuses_are_told_by_kind() {
    let dir = tempfile::tempdir().expect("tempdir");
    // A wss server with `pem`, and the error of a client that connects to it.
    let refused = async |pem: &std::path::Path| {
        let (server, _) = serve(ServerBuilder::new().pem_file(pem).expect("pem")).await;
        let url = format!("wss://localhost:{}/ws", server.local_addr().port());
        let e = ClientBuilder::new(&url)
            .connect()
            .await
            .expect_err("refused");
        server.shutdown().await;
        e
    };
    let (pem, _) = self_signed(dir.path());
    let e = refused(&pem).await;
    assert_eq!(
        e.certificate_refused(),
        Some(juggler::CertificateRefusal::UnknownIssuer),
        "{e}"
    );
    assert_eq!(e.http_status(), None);

    let key = rcgen::KeyPair::generate().expect("key");
    let mut params = rcgen::CertificateParams::new(vec!["localhost".into()]).expect("params");
    params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    let cert = params.self_signed(&key).expect("cert");
    let pem = dir.path().join("ca-server.pem");
    std::fs::write(&pem, format!("{}{}", cert.pem(), key.serialize_pem())).expect("write");
    let e = refused(&pem).await;
    assert_eq!(
        e.certificate_refused(),
        Some(juggler::CertificateRefusal::CaUsedAsEndEntity),
        "{e}"
    );

    let file = dir.path().join("htpasswd");
    std::fs::write(&file, "alice:$apr1$abcdefgh$ZAdX7G.l3eDbgTYbm5ePE0\n").expect("write");
    let (server, _) = serve(ServerBuilder::new().htpasswd_file(&file).expect("htpasswd")).await;
    let e = ClientBuilder::new(server.url())
        .connect()
        .await
        .expect_err("refused");
    assert_eq!(e.http_status(), Some(401), "{e}");
    assert_eq!(e.certificate_refused(), None);
    assert!(e.to_string().contains("HTTP 401"), "{e}");
    server.shutdown().await;
}

#[tokio::test]
async fn refusals_carry_cache_control_too() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("htpasswd");
    std::fs::write(&file, "alice:$apr1$abcdefgh$ZAdX7G.l3eDbgTYbm5ePE0\n").expect("write");
    let (server, _) = serve(ServerBuilder::new().htpasswd_file(&file).expect("htpasswd")).await;
    let (status, head, _) = http(server.local_addr(), "GET", "/", "").await;
    assert_eq!(status, 401);
    assert!(
        head.to_lowercase().contains("cache-control: no-cache"),
        "{head}"
    );
    server.shutdown().await;
}

/// A server that answers only its own sites refuses a foreign `Host` on
/// every route (DNS rebinding) and a foreign `Origin` (cross-site WebSocket
/// hijacking), answers its own addresses and the configured ones, and
/// leaves clients that send no `Origin` alone.
#[tokio::test]
async fn own_sites_only() {
    use juggler::server::SitePolicy;
    use tokio_tungstenite::tungstenite::client::IntoClientRequest;

    let tree = static_tree();
    let (server, _) = serve(
        ServerBuilder::new()
            .static_dir(tree.path().join("www"))
            .sites(SitePolicy {
                extra: vec!["plant.example".into()],
                hint: "add it to the allowed sites".into(),
            }),
    )
    .await;
    let addr = server.local_addr();
    let own = format!("127.0.0.1:{}", addr.port());
    let local = format!("localhost:{}", addr.port());
    for (host, want) in [
        (own.as_str(), 200),
        (local.as_str(), 200),
        ("plant.example", 200),
        ("evil.example", 403),
        ("127.0.0.1:1", 403),
    ] {
        let (status, _, _) = http_as(addr, "GET", "/index.html", host, "").await;
        assert_eq!(status, want, "Host {host}");
    }
    let (status, _, body) = http_as(
        addr,
        "GET",
        "/index.html",
        &own,
        "Origin: http://evil.example\r\n",
    )
    .await;
    assert_eq!(status, 403, "{body}");

    let ws = |origin: Option<&str>| {
        let mut req = server.url().into_client_request().expect("request");
        if let Some(origin) = origin {
            req.headers_mut()
                .insert("Origin", origin.parse().expect("header"));
        }
        tokio_tungstenite::connect_async(req)
    };
    let own_origin = format!("http://{local}");
    assert!(within(ws(Some(&own_origin))).await.is_ok(), "its own page");
    assert!(within(ws(None)).await.is_ok(), "a client without Origin");
    match within(ws(Some("http://evil.example"))).await {
        Err(tokio_tungstenite::tungstenite::Error::Http(res)) => assert_eq!(res.status(), 403),
        other => panic!("a foreign Origin got {other:?}"),
    }
    server.shutdown().await;
}

/// `transform_html` rewrites the pages of static_dir on their way out (a
/// GET of an HTML file), leaves other files, HEAD and the files on disk
/// alone, and can decline per request.
#[tokio::test]
async fn html_pages_can_be_transformed_on_their_way_out() {
    let tree = static_tree();
    let (server, _) = serve(
        ServerBuilder::new()
            .static_dir(tree.path().join("www"))
            .transform_html(|req, page| {
                if req.uri.query() == Some("plain") {
                    return None;
                }
                let text =
                    String::from_utf8_lossy(&page).replace("</h1>", "</h1><script>1</script>");
                Some(text.into_bytes().into())
            }),
    )
    .await;
    let addr = server.local_addr();
    let (status, head, body) = http(addr, "GET", "/index.html", "").await;
    assert_eq!(status, 200);
    assert_eq!(body, "<h1>dashboard</h1><script>1</script>");
    let length = format!("content-length: {}", body.len());
    assert!(head.to_ascii_lowercase().contains(&length), "{head}");
    assert!(!head.to_ascii_lowercase().contains("etag"), "{head}");
    let (_, _, body) = http(addr, "GET", "/index.html?plain", "").await;
    assert_eq!(body, "<h1>dashboard</h1>", "declined for this request");
    let (_, _, body) = http(addr, "GET", "/sub/app.js", "").await;
    assert_eq!(body, "console.log(1)", "not a page");
    let (status, _, body) = http(addr, "HEAD", "/index.html", "").await;
    assert_eq!((status, body.as_str()), (200, ""));
    let on_disk = std::fs::read_to_string(tree.path().join("www/index.html")).expect("read");
    assert_eq!(on_disk, "<h1>dashboard</h1>");
    server.shutdown().await;
}
