//! The endpoint's door: its token and the `Origin` it accepts.

use super::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn control_refuses_missing_or_wrong_token_and_foreign_origin() {
    let rig = rig().await;
    let url = rig.endpoint.url();
    let bare = url.split('?').next().expect("url").to_owned();
    let port = url
        .trim_start_matches("ws://127.0.0.1:")
        .split('/')
        .next()
        .expect("port")
        .to_owned();
    let refused = |e: juggler::Error| e.to_string();

    let e = ClientBuilder::new(&bare).connect().await.map_err(refused);
    assert!(matches!(&e, Err(m) if m.contains("401")), "no token: {e:?}");
    let wrong = format!("{bare}?token={}", "0".repeat(64));
    let e = ClientBuilder::new(&wrong).connect().await.map_err(refused);
    assert!(
        matches!(&e, Err(m) if m.contains("401")),
        "wrong token: {e:?}"
    );
    let e = ClientBuilder::new(&url)
        .header("Origin", "http://evil.example")
        .connect()
        .await
        .map_err(refused);
    assert!(
        matches!(&e, Err(m) if m.contains("403")),
        "foreign origin: {e:?}"
    );
    let e = ClientBuilder::new(&url)
        .header("Origin", format!("http://localhost:{port}1"))
        .connect()
        .await
        .map_err(refused);
    assert!(
        matches!(&e, Err(m) if m.contains("403")),
        "another port: {e:?}"
    );

    // The studio's own origin, and no origin, get in.
    let own = ClientBuilder::new(&url)
        .header("Origin", format!("http://127.0.0.1:{port}"))
        .connect()
        .await
        .expect("own origin");
    assert_eq!(
        cmd(&own, "state.set", json!({"path": "x", "value": 1})).await,
        Value::Null
    );
    // An empty name is a ping, answered by juggler itself.
    assert_eq!(
        cmd(&rig.control, "", json!({"echo": 1})).await,
        json!({"echo": 1})
    );
    let e = cmd_err(&rig.control, "no.such.command", json!({})).await;
    assert_eq!(e.code, "unknownCommand");
    assert!(e.message.contains("CONTROL.md"), "{}", e.message);
}
