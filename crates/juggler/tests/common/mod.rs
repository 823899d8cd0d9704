//! Helpers shared by the integration tests: servers on 127.0.0.1:0, a
//! connection queue, and waiting with a timeout (never a fixed sleep).

#![allow(dead_code)]

use std::future::Future;
use std::time::Duration;

use juggler::server::{Connection, ServerBuilder};
use juggler::{Client, ClientBuilder, Server};
use serde_json::Value;
use tokio::sync::mpsc;

/// Generous bound for anything that should happen "at once".
pub const WAIT: Duration = Duration::from_secs(10);

pub async fn within<T>(f: impl Future<Output = T>) -> T {
    tokio::time::timeout(WAIT, f).await.expect("timed out")
}

/// A server from `builder` on a free loopback port, plus the queue of its
/// new connections.
pub async fn serve(builder: ServerBuilder) -> (Server, mpsc::UnboundedReceiver<Connection>) {
    let (tx, rx) = mpsc::unbounded_channel();
    let server = builder
        .on_connection(move |conn| {
            let _ = tx.send(conn);
            async {}
        })
        .bind("127.0.0.1:0")
        .await
        .expect("bind");
    (server, rx)
}

pub async fn client(server: &Server) -> Client {
    ClientBuilder::new(server.url())
        .generation(server.config().transport.generation)
        .connect()
        .await
        .expect("connect")
}

pub async fn next_conn(conns: &mut mpsc::UnboundedReceiver<Connection>) -> Connection {
    within(conns.recv()).await.expect("a connection")
}

/// Waits until the client's mirror equals `expect`.
pub async fn converged(client: &Client, expect: &Value) {
    let mut watch = client.state().subscribe();
    within(async {
        while client.state().data() != *expect {
            if watch.changed().await.is_none() {
                panic!(
                    "the connection closed ({:?}) before the state was {expect}: {}",
                    client.close_reason(),
                    client.state().data()
                );
            }
        }
    })
    .await;
}

/// A self-signed certificate for localhost and 127.0.0.1 with its key, as
/// one PEM file in `dir`; and the certificate's PEM.
pub fn self_signed(dir: &std::path::Path) -> (std::path::PathBuf, String) {
    let cert = rcgen::generate_simple_self_signed(vec!["localhost".into(), "127.0.0.1".into()])
        .expect("cert");
    let cert_pem = cert.cert.pem();
    let pem = format!("{}{}", cert_pem, cert.key_pair.serialize_pem());
    let path = dir.join("server.pem");
    std::fs::write(&path, pem).expect("write");
    (path, cert_pem)
}
