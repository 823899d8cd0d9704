//! The seed's example, in Rust: a server, a client, one state change seen
//! by the client, then everything closed.

use std::time::Duration;

use juggler::{ClientBuilder, ServerBuilder};
use serde_json::json;

#[tokio::main]
async fn main() -> juggler::Result<()> {
    let (conns_tx, mut conns) = tokio::sync::mpsc::unbounded_channel();
    let server = ServerBuilder::new()
        .autoflush(Some(Duration::ZERO))
        .on_connection(move |conn| {
            let _ = conns_tx.send(conn);
            async {}
        })
        .bind("127.0.0.1:0")
        .await?;

    let client = ClientBuilder::new(server.url()).connect().await?;
    let conn = conns.recv().await.ok_or(juggler::Error::ConnectionClosed {
        reason: "the server stopped before the connection came".into(),
    })?;

    let mut changes = client.state().subscribe();
    conn.state().set([], json!(123));
    // `None` would mean that the connection closed first.
    assert_eq!(changes.changed().await, Some(json!(123)));
    println!("client state: {}", client.state().data());

    server.shutdown().await;
    conn.wait_closed().await;
    client.wait_closed().await;
    Ok(())
}
