//! The Server pane's generation switch (`server.settings`): the running
//! server restarts in the other generation and keeps the state edited so
//! far; a client that tells the generation itself finds the new one.

use std::time::Duration;

use juggler::{ClientBuilder, Generation};
use serde_json::json;
use studio::engine::{Edit, Engine, Target};
use studio::workspace::Workspace;

#[tokio::test]
async fn switching_the_generation_keeps_the_state() {
    let ws: Workspace = serde_json::from_value(json!({
        "version": 1,
        "server": {"port": 0, "autoflush": 0},
        "initialState": {"level": 1},
    }))
    .expect("a workspace");
    let engine = Engine::new(ws, None).expect("engine");
    engine.start_server(None).await.expect("start");
    engine
        .edit(
            Target::Shared,
            Edit::Set(
                juggler::Path::from_json(&json!(["level"])).expect("path"),
                json!(2.5),
            ),
        )
        .expect("edit");
    for generation in ["0.7", "0.6"] {
        let mut settings = serde_json::to_value(engine.workspace().server).expect("settings");
        settings["generation"] = json!(generation);
        engine.set_server_settings(settings).await.expect("switch");
        let model = engine.model().data();
        let url = model["server"]["url"].as_str().expect("running").to_owned();
        let client = ClientBuilder::new(url)
            .detect_generation(Duration::from_secs(5))
            .connect()
            .await
            .expect("connect");
        let want: Generation = generation.parse().expect("generation");
        assert_eq!(client.generation(), want);
        let mut watch = client.state().subscribe();
        tokio::time::timeout(Duration::from_secs(10), async {
            while client.state().data() != json!({"level": 2.5}) {
                let closed = client.close_reason();
                assert!(watch.changed().await.is_some(), "closed: {closed:?}");
            }
        })
        .await
        .expect("the edited state after the switch");
    }
    engine.stop_server().await.expect("stop");
}
