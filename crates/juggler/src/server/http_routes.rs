//! The HTTP side: the WebSocket upgrade at `ws_path`, the `/` redirect,
//! static files, extra routes, `Cache-Control` and Basic auth.

use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use http::{HeaderValue, StatusCode, header};
use hyper_util::rt::TokioIo;
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::handshake::derive_accept_key;
use tokio_tungstenite::tungstenite::protocol::{Role, WebSocketConfig};

use super::static_files::StaticFiles;
use super::{Htpasswd, Shared, connection, driver, remote};

/// The TCP peer of an HTTP request, put in its extensions by the listener.
#[derive(Clone, Copy, Debug)]
pub(crate) struct PeerAddr(pub SocketAddr);

/// The accepted socket's TCP keepalive idle time, read back from it.
#[derive(Clone, Copy)]
pub(crate) struct Keepalive(pub Option<std::time::Duration>);

/// Where `/` redirects: the index, with the request's query kept (the
/// reference drops it, so `/?studio=off` or a page's own parameters were
/// lost on the way to the page; nothing that reads the index without a
/// query sees a difference).
fn index_location(index: &str, query: Option<&str>) -> String {
    match query {
        Some(q) if !q.is_empty() && !index.contains('?') => format!("{index}?{q}"),
        _ => index.to_owned(),
    }
}

pub(crate) fn router(
    shared: Arc<Shared>,
    static_files: Option<StaticFiles>,
    extra: Option<Router>,
) -> Router {
    let mut router = Router::new();
    if let Some(index) = shared.config.index_path.clone() {
        router = router.route(
            "/",
            get(move |uri: http::Uri| {
                let location = index_location(&index, uri.query());
                async move { (StatusCode::FOUND, [(header::LOCATION, location)]) }
            }),
        );
    }
    if let Some(ws_path) = shared.config.ws_path.clone() {
        router = router.route(&ws_path, get(upgrade).with_state(shared.clone()));
    }
    if let Some(extra) = extra {
        router = router.merge(extra);
    }
    let misplaced = Misplaced::new(shared.config.ws_path.clone());
    router = match static_files {
        Some(files) => router.fallback(move |req: Request| {
            let (files, misplaced) = (files.clone(), misplaced.clone());
            async move {
                match misplaced.refuse(&req) {
                    Some(refused) => refused,
                    None => files.handle(req).await,
                }
            }
        }),
        None => router.fallback(move |req: Request| {
            let misplaced = misplaced.clone();
            async move {
                misplaced
                    .refuse(&req)
                    .unwrap_or_else(|| StatusCode::NOT_FOUND.into_response())
            }
        }),
    };
    if let Some(htpasswd) = shared.config.htpasswd.clone() {
        router = router.layer(middleware::from_fn(move |req: Request, next: Next| {
            let htpasswd = htpasswd.clone();
            basic_auth(htpasswd, req, next)
        }));
    }
    if shared.sites.is_some() {
        let shared = shared.clone();
        router = router.layer(middleware::from_fn(move |req: Request, next: Next| {
            let shared = shared.clone();
            async move { own_sites_only(&shared, req, next).await }
        }));
    }
    // Outermost, so that refusals (401) carry it too, as the reference does.
    if shared.config.no_cache {
        router = router.layer(tower_http::set_header::SetResponseHeaderLayer::overriding(
            header::CACHE_CONTROL,
            HeaderValue::from_static("no-cache"),
        ));
    }
    router
}

/// WebSocket handshakes at a path that is not the juggler endpoint: a page
/// that connects to the wrong address retries for ever with nothing but a
/// 404 in its browser's network tab, so the refusal says where the
/// endpoint is, and the server's log says it once per path.
#[derive(Clone)]
struct Misplaced {
    ws_path: Option<String>,
    told: Arc<std::sync::Mutex<std::collections::HashSet<String>>>,
}

impl Misplaced {
    /// Paths told about, at most (a scan must not grow the set).
    const MAX_TOLD: usize = 32;

    fn new(ws_path: Option<String>) -> Misplaced {
        Misplaced {
            ws_path,
            told: Arc::default(),
        }
    }

    /// The refusal of `req` when it is a WebSocket handshake.
    fn refuse(&self, req: &Request) -> Option<Response> {
        let upgrade = req
            .headers()
            .get(header::UPGRADE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.eq_ignore_ascii_case("websocket"));
        if !upgrade {
            return None;
        }
        let path = req.uri().path();
        let hint = match &self.ws_path {
            Some(ws) => format!("no juggler endpoint at {path}: it is at {ws}"),
            None => format!("no juggler endpoint at {path}: this server has none"),
        };
        let first = {
            let mut told = self.told.lock().unwrap_or_else(|e| e.into_inner());
            told.len() < Self::MAX_TOLD && told.insert(path.to_owned())
        };
        if first {
            tracing::warn!(
                "a WebSocket handshake was refused: {hint} (is the page's address right?)"
            );
        }
        Some((StatusCode::NOT_FOUND, hint).into_response())
    }
}

async fn basic_auth(htpasswd: Arc<Htpasswd>, req: Request, next: Next) -> Response {
    let header = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    // bcrypt takes milliseconds of CPU: keep it off the async workers.
    let ok = tokio::task::spawn_blocking(move || htpasswd.check_header(header.as_deref()))
        .await
        .unwrap_or(false);
    if ok {
        return next.run(req).await;
    }
    (
        StatusCode::UNAUTHORIZED,
        [(header::WWW_AUTHENTICATE, "Basic realm=\"\"")],
        "401: Unauthorized",
    )
        .into_response()
}

/// Answers only requests of the server's own sites (see `sites.rs`); a
/// refusal is logged with what to change.
async fn own_sites_only(shared: &Shared, req: Request, next: Next) -> Response {
    let Some(sites) = &shared.sites else {
        return next.run(req).await;
    };
    let verdict = {
        let header = |name| req.headers().get(name).and_then(|v| v.to_str().ok());
        sites.check(header(header::HOST), header(header::ORIGIN))
    };
    if let Err(why) = verdict {
        tracing::warn!(
            path = req.uri().path(),
            "refused a request: {why}; {}",
            sites.hint
        );
        return refuse(
            StatusCode::FORBIDDEN,
            "this server answers only its own pages (Host and Origin are checked)",
        );
    }
    next.run(req).await
}

fn refuse(status: StatusCode, why: &'static str) -> Response {
    (status, why).into_response()
}

fn header_has_token(req: &Request, name: header::HeaderName, token: &str) -> bool {
    req.headers().get_all(name).iter().any(|v| {
        v.to_str()
            .map(|s| s.split(',').any(|t| t.trim().eq_ignore_ascii_case(token)))
            .unwrap_or(false)
    })
}

async fn upgrade(State(shared): State<Arc<Shared>>, mut req: Request) -> Response {
    if !header_has_token(&req, header::CONNECTION, "upgrade")
        || !header_has_token(&req, header::UPGRADE, "websocket")
    {
        return refuse(
            StatusCode::BAD_REQUEST,
            "this is a juggler WebSocket endpoint: connect with a WebSocket client",
        );
    }
    if req
        .headers()
        .get(header::SEC_WEBSOCKET_VERSION)
        .is_none_or(|v| v != "13")
    {
        return (
            StatusCode::UPGRADE_REQUIRED,
            [(header::SEC_WEBSOCKET_VERSION, "13")],
            "unsupported WebSocket version",
        )
            .into_response();
    }
    let Some(key) = req.headers().get(header::SEC_WEBSOCKET_KEY).cloned() else {
        return refuse(StatusCode::BAD_REQUEST, "missing Sec-WebSocket-Key");
    };
    if let Some(check) = &shared.check_handshake {
        let (parts, body) = req.into_parts();
        let verdict = check(&parts);
        req = Request::from_parts(parts, body);
        if let Err((status, text)) = verdict {
            tracing::warn!(%status, "refused a WebSocket handshake: {text}");
            return (status, text).into_response();
        }
    }
    if let Some(allowed) = &shared.config.allowed_origins {
        let origin = req
            .headers()
            .get(header::ORIGIN)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        if !allowed.iter().any(|a| a == origin) {
            tracing::warn!(origin, "refused a WebSocket from a foreign Origin");
            return refuse(StatusCode::FORBIDDEN, "Origin not allowed");
        }
    }
    let Ok(permit) = shared.slots.clone().try_acquire_owned() else {
        tracing::warn!(
            max = shared.config.max_connections,
            "refused a connection: too many connections"
        );
        return refuse(StatusCode::SERVICE_UNAVAILABLE, "too many connections");
    };
    let peer = req.extensions().get::<PeerAddr>().map(|p| p.0);
    let info = connection::Info {
        remote: remote::remote_address(req.headers(), peer),
        user_agent: req
            .headers()
            .get(header::USER_AGENT)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned),
        tcp_keepalive: req.extensions().get::<Keepalive>().and_then(|k| k.0),
    };
    let on_upgrade = hyper::upgrade::on(&mut req);
    let max = shared.config.transport.max_message_size;
    // Small buffers: an idle connection should cost kilobytes, not the
    // 2 × 128 KiB that tungstenite reserves by default. tungstenite fills
    // its whole read buffer once, so it is resident: 4 KiB (one page)
    // instead of 8 cut an idle connection by 4 KiB; a 10.8 MB message
    // then takes ~2,600 reads instead of ~1,300, a few ms.
    let ws_config = WebSocketConfig::default()
        .max_message_size(Some(max))
        .max_frame_size(Some(max))
        .read_buffer_size(4 * 1024)
        .write_buffer_size(16 * 1024);
    let task_shared = shared.clone();
    shared.tracker.spawn(async move {
        let upgraded = match on_upgrade.await {
            Ok(u) => u,
            Err(e) => {
                tracing::debug!(error = %e, "WebSocket upgrade failed");
                return;
            }
        };
        let ws =
            WebSocketStream::from_raw_socket(TokioIo::new(upgraded), Role::Server, Some(ws_config))
                .await;
        driver::run(task_shared, ws, info, permit).await;
    });
    Response::builder()
        .status(StatusCode::SWITCHING_PROTOCOLS)
        .header(header::CONNECTION, "upgrade")
        .header(header::UPGRADE, "websocket")
        .header(
            header::SEC_WEBSOCKET_ACCEPT,
            derive_accept_key(key.as_bytes()),
        )
        .body(Body::empty())
        .unwrap_or_else(|_| StatusCode::INTERNAL_SERVER_ERROR.into_response())
}
