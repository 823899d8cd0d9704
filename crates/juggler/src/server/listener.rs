//! The accept loop: TCP (and TLS) connections served by hyper with the
//! router, each tracked, each closed gracefully on shutdown.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use hyper_util::rt::TokioIo;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpListener;
use tower::ServiceExt;

use super::Shared;
use super::http_routes::{Keepalive, PeerAddr};

/// How long a TLS handshake may take before the socket is dropped.
const TLS_HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

pub(crate) async fn accept_loop(listener: TcpListener, router: Router, shared: Arc<Shared>) {
    let acceptor = shared
        .config
        .tls
        .clone()
        .map(tokio_rustls::TlsAcceptor::from);
    loop {
        let (stream, peer) = tokio::select! {
            _ = shared.cancel.cancelled() => break,
            accepted = listener.accept() => match accepted {
                Ok(pair) => pair,
                Err(e) => {
                    // Out of file descriptors and the like: the listener
                    // stays usable, so pause instead of spinning.
                    tracing::warn!(error = %e, "accept failed");
                    tokio::select! {
                        _ = shared.cancel.cancelled() => break,
                        _ = tokio::time::sleep(Duration::from_millis(50)) => continue,
                    }
                }
            },
        };
        let _ = stream.set_nodelay(true);
        let keepalive = set_keepalive(&stream, shared.config.tcp_keepalive);
        let router = router.clone();
        let shared2 = shared.clone();
        let acceptor = acceptor.clone();
        shared.tracker.spawn(async move {
            match acceptor {
                None => serve_http(stream, peer, keepalive, router, shared2).await,
                Some(acceptor) => {
                    match tokio::time::timeout(TLS_HANDSHAKE_TIMEOUT, acceptor.accept(stream)).await
                    {
                        Ok(Ok(tls)) => serve_http(tls, peer, keepalive, router, shared2).await,
                        Ok(Err(e)) => tracing::debug!(%peer, error = %e, "TLS handshake failed"),
                        Err(_) => tracing::debug!(%peer, "TLS handshake timed out"),
                    }
                }
            }
        });
    }
}

/// Turns TCP keepalive on (`idle` of silence, then a probe every 10 s, or
/// every `idle` if shorter; 3 unanswered probes drop the socket) or off;
/// returns the idle time the socket reports afterwards.
fn set_keepalive(stream: &tokio::net::TcpStream, idle: Option<Duration>) -> Keepalive {
    let sock = socket2::SockRef::from(stream);
    let result = match idle {
        Some(idle) => {
            let idle = idle.max(Duration::from_secs(1));
            let ka = socket2::TcpKeepalive::new()
                .with_time(idle)
                .with_interval(idle.min(Duration::from_secs(10)))
                .with_retries(3);
            sock.set_tcp_keepalive(&ka)
        }
        None => sock.set_keepalive(false),
    };
    if let Err(e) = result {
        tracing::debug!(error = %e, "cannot set TCP keepalive");
    }
    let on = sock.keepalive().unwrap_or(false);
    Keepalive(if on {
        sock.tcp_keepalive_time().ok()
    } else {
        None
    })
}

async fn serve_http<S>(
    io: S,
    peer: SocketAddr,
    keepalive: Keepalive,
    router: Router,
    shared: Arc<Shared>,
) where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let service = hyper::service::service_fn(
        move |mut req: http::Request<hyper::body::Incoming>| {
            req.extensions_mut().insert(PeerAddr(peer));
            req.extensions_mut().insert(keepalive);
            let router = router.clone();
            async move { Ok::<_, Infallible>(router.oneshot(req).await.unwrap_or_else(|e| match e {})) }
        },
    );
    let conn = hyper::server::conn::http1::Builder::new()
        .serve_connection(TokioIo::new(io), service)
        .with_upgrades();
    tokio::pin!(conn);
    tokio::select! {
        result = conn.as_mut() => {
            if let Err(e) = result {
                tracing::debug!(%peer, error = %e, "HTTP connection ended with an error");
            }
        }
        _ = shared.cancel.cancelled() => {
            conn.as_mut().graceful_shutdown();
            let _ = tokio::time::timeout(shared.config.shutdown_timeout, conn).await;
        }
    }
}
