//! Helpers shared by the engine's integration tests: juggler clients that
//! play dashboards, and waits on conditions with a deadline (never a fixed
//! sleep).

#![allow(dead_code)]

pub mod cli;

use std::future::Future;
use std::time::{Duration, Instant};

use juggler::{Client, ClientBuilder, Storage};
use serde_json::Value;
use studio::Engine;
use studio::model::Model;
use tokio::sync::mpsc;

/// Generous bound for anything that should happen "at once".
pub const DEADLINE: Duration = Duration::from_secs(20);

/// The notifications a client received, in order.
pub type Events = mpsc::UnboundedReceiver<(String, Value)>;

/// A juggler client whose notifications go to the returned channel.
pub async fn client(url: &str) -> (Client, Events) {
    let (tx, rx) = mpsc::unbounded_channel();
    let client = ClientBuilder::new(url)
        .on_notify(move |name, data| {
            let _ = tx.send((name, data));
        })
        .connect()
        .await
        .unwrap_or_else(|e| panic!("connect to {url}: {e}"));
    (client, rx)
}

pub async fn within<T>(what: &str, f: impl Future<Output = T>) -> T {
    tokio::time::timeout(DEADLINE, f)
        .await
        .unwrap_or_else(|_| panic!("timed out waiting for {what}"))
}

/// Waits until `check` finds what it wants in `storage`'s value.
pub async fn wait_for<T>(
    storage: &Storage,
    what: &str,
    mut check: impl FnMut(&Value) -> Option<T>,
) -> T {
    let mut watch = storage.subscribe();
    let start = Instant::now();
    loop {
        if let Some(found) = check(&storage.data()) {
            return found;
        }
        let left = DEADLINE.saturating_sub(start.elapsed());
        match tokio::time::timeout(left, watch.changed()).await {
            Ok(Some(_)) => {}
            Ok(None) => panic!(
                "the connection closed while waiting for {what}; the value is {}",
                storage.data()
            ),
            Err(_) => panic!(
                "timed out waiting for {what}; the value is {}",
                storage.data()
            ),
        }
    }
}

/// The published model has exactly the layout of `studio::model::Model`.
pub fn check_model(engine: &Engine) {
    let data = engine.model().data();
    let model: Model = serde_json::from_value(data.clone())
        .unwrap_or_else(|e| panic!("the model does not fit studio::model::Model: {e}\n{data:#}"));
    assert_eq!(
        serde_json::to_value(&model).expect("serialize"),
        data,
        "the model does not round-trip through studio::model::Model"
    );
}
