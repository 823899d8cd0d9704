//! The publisher: its sections fit the model's layout, its lists stay
//! bounded, and a late update of an entry that is gone does not bring the
//! entry back.

use juggler::path;
use serde_json::{Value, json};

use super::publisher::{Publisher, RECENT, Recent};
use crate::engine::Engine;
use crate::model::{
    ConnectionStats, Model, ReceivedNotification, RemoteInfo, SentNotification, SentRequest,
};
use crate::remote::{RemoteStatus, RemoteTarget};
use crate::workspace::Workspace;

fn remote(id: &str) -> RemoteInfo {
    let target: RemoteTarget =
        serde_json::from_value(json!({"url": "ws://127.0.0.1:1/ws"})).expect("target");
    RemoteInfo {
        id: id.into(),
        target,
        status: RemoteStatus::Connecting { attempt: 1 },
        rtt_ms: None,
        state: Value::Null,
        notifications: Vec::new(),
        requests: Vec::new(),
    }
}

/// A new engine's model is every section of [`Model`], and nothing else.
#[tokio::test]
async fn a_new_engine_publishes_the_whole_model() {
    let engine = Engine::new(Workspace::default(), None).expect("engine");
    let data = engine.model().data();
    let model: Model = serde_json::from_value(data.clone()).expect("fits Model");
    assert_eq!(serde_json::to_value(&model).expect("json"), data);
}

/// A session's reports that come after its entry is removed (it was
/// disconnected meanwhile) leave no half-made entry behind.
#[test]
fn late_updates_of_a_gone_entry_do_not_bring_it_back() {
    let p = Publisher::new();
    p.remotes().clear();
    p.connections().clear();
    p.proxies().clear();
    p.recordings().clear();
    p.remotes().put("r1", &remote("r1"));
    p.remotes().gone("r1");
    p.remote_status("r1", &RemoteStatus::Connected);
    p.remote_rtt("r1", 1.5);
    p.remote_generation("r1", "0.7");
    p.remote_state_reset("r1");
    let sent = SentRequest {
        time: 1,
        name: "x".into(),
        data: Value::Null,
        success: Some(true),
        answer: Value::Null,
        rtt_ms: 1.0,
    };
    p.remote_request("r1", &sent);
    let received = ReceivedNotification {
        time: 1,
        name: "n".into(),
        data: Value::Null,
    };
    p.remote_notification("r1", &received);
    p.connection_stats(7, &ConnectionStats::default());
    p.proxy_browsers("p1", &[1, 2]);
    p.proxy_overrides("p1", &Default::default());
    p.recording_progress("rec1", 3, 30);
    let model = p.model();
    for section in ["remotes", "connections", "proxies", "recordings"] {
        assert_eq!(model.get(path![section]), Some(json!({})), "{section}");
    }
}

/// A live entry's lists keep the newest [`RECENT`] entries.
#[test]
fn an_entry_s_lists_keep_the_newest() {
    let p = Publisher::new();
    p.remotes().put("r1", &remote("r1"));
    for time in 0..(RECENT as u64 + 5) {
        let received = ReceivedNotification {
            time,
            name: "n".into(),
            data: Value::Null,
        };
        p.remote_notification("r1", &received);
    }
    let list = p.model().get(path!["remotes", "r1", "notifications"]);
    let list = list.and_then(|l| l.as_array().cloned()).expect("a list");
    assert_eq!(list.len(), RECENT);
    assert_eq!(list[0]["time"], json!(5));
}

/// The top-level lists are bounded the same way, oldest first.
#[test]
fn recent_lists_keep_the_newest() {
    let p = Publisher::new();
    let mut list = Recent::default();
    for time in 0..(RECENT as u64 + 1) {
        list.push(SentNotification {
            time,
            name: "n".into(),
            data: Value::Null,
            targets: Vec::new(),
            sent: 0,
        });
    }
    p.notify_history(&list);
    let published = p.model().get(path!["notifyHistory"]).expect("published");
    let published = published.as_array().expect("a list");
    assert_eq!(published.len(), RECENT);
    assert_eq!(published[0]["time"], json!(1));
}

/// Only the publisher names the model's paths and writes the model: the
/// engine's other files (their code, not their tests) go through its
/// methods.
#[test]
fn only_the_publisher_writes_the_model() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/engine");
    let allowed = ["publisher.rs"];
    let files = std::fs::read_dir(&dir).expect("src/engine");
    for file in files.flatten() {
        let name = file.file_name().to_string_lossy().into_owned();
        if allowed.contains(&name.as_str()) || name.ends_with("_tests.rs") {
            continue;
        }
        let text = std::fs::read_to_string(file.path()).expect("a source file");
        let code = text.split("#[cfg(test)]").next().unwrap_or_default();
        for written in ["path![", "inner.model"] {
            assert!(
                !code.contains(written),
                "engine/{name} writes the model itself ({written}): publish through Publisher"
            );
        }
    }
}
