//! The embedded server's settings: stop, start, restart.

use super::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn server_settings_stop_start_restart() {
    let rig = rig().await;
    let model = rig.control.state();
    let before = rig.engine.model().data()["server"]["settings"].clone();

    for (settings, field) in [
        (json!({"autoflush": "soon"}), "autoflush"),
        (json!({"port": 70000}), "port"),
        (json!({"wsPath": "ws"}), "wsPath"),
        (json!({"generation": "0.8"}), "generation"),
        (json!({"maxConnections": 0}), "maxConnections"),
        (json!({"prot": 1}), "prot"),
    ] {
        let e = cmd_err(
            &rig.control,
            "server.settings",
            json!({"settings": settings}),
        )
        .await;
        assert_eq!(e.code, "invalid", "{settings}: {}", e.message);
        assert!(
            e.message.contains(field),
            "{settings}: the message does not name {field}: {}",
            e.message
        );
    }
    assert_eq!(rig.engine.model().data()["server"]["settings"], before);

    // A good change restarts the running server with it.
    let (dash, _) = client(&rig.dashboard_url).await;
    let mut settings = before.clone();
    settings["generation"] = json!("0.7");
    cmd(
        &rig.control,
        "server.settings",
        json!({"settings": settings}),
    )
    .await;
    within("the old connection to close", dash.wait_closed()).await;
    wait_at(model, "/server/settings/generation", json!("0.7")).await;
    wait_at(model, "/server/status", json!("running")).await;
    let url = rig.engine.model().data()["server"]["url"]
        .as_str()
        .expect("url")
        .to_owned();
    let dash = ClientBuilder::new(&url)
        .generation(juggler::Generation::V07)
        .connect()
        .await
        .expect("connect with 0.7");
    wait_at(dash.state(), "/counter", json!(0)).await;

    cmd(&rig.control, "server.stop", json!({})).await;
    wait_at(model, "/server/status", json!("stopped")).await;
    wait_at(model, "/server/url", Value::Null).await;
    wait_at(model, "/connections", json!({})).await;
    let e = cmd_err(&rig.control, "notify.send", json!({"name": "x"})).await;
    assert!(e.message.contains("not running"), "{}", e.message);
    let started = cmd(&rig.control, "server.start", json!({})).await;
    let url = started["url"].as_str().expect("url").to_owned();
    wait_at(model, "/server/url", json!(url)).await;
    let dashboard = rig.engine.model().data()["server"]["dashboardUrl"].clone();
    assert!(
        dashboard
            .as_str()
            .is_some_and(|d| d.starts_with("http://127.0.0.1:")),
        "{dashboard}"
    );
    let e = cmd_err(&rig.control, "server.start", json!({})).await;
    assert!(e.message.contains("already running"), "{}", e.message);
    let restarted = cmd(&rig.control, "server.restart", json!({})).await;
    assert!(
        restarted["url"]
            .as_str()
            .is_some_and(|u| u.starts_with("ws://"))
    );
    check_model(&rig.engine);
}

/// A served page whose vendored client speaks 0.7, on a workspace that
/// serves 0.6 (the default): the model's /server says so and what to set
/// (the page only showed "unsupported data type"); set right, it goes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_page_on_another_generation_is_told_in_the_server_model() {
    let site = tempfile::tempdir().expect("temp dir");
    let package = site.path().join("vendor/@hat-open/juggler");
    std::fs::create_dir_all(&package).expect("mkdir");
    std::fs::write(package.join("package.json"), r#"{"version": "0.7.0"}"#).expect("write");
    std::fs::write(site.path().join("index.html"), "<p>page</p>").expect("write");
    let text = json!({
        "version": 1,
        "server": {"port": 0, "staticDir": site.path().display().to_string()},
    })
    .to_string();
    let rig = rig_with(&text).await;
    let model = rig.control.state();
    let warning = wait_for(model, "the warning", |m| {
        m.pointer("/server/warning")?.as_str().map(str::to_owned)
    })
    .await;
    assert!(
        warning.contains("server.generation to \"0.7\""),
        "{warning}"
    );
    let mut settings = model.data()["server"]["settings"].clone();
    settings["generation"] = json!("0.7");
    cmd(&rig.control, "server.settings", settings).await;
    wait_at(model, "/server/warning", Value::Null).await;
}

/// The port of `url` (`ws://127.0.0.1:PORT/ws`).
fn port_of(url: &str) -> u16 {
    let authority = url
        .split("://")
        .nth(1)
        .and_then(|r| r.split('/').next())
        .expect("authority");
    authority
        .rsplit(':')
        .next()
        .and_then(|p| p.parse().ok())
        .expect("port")
}

/// With port 0, a restart (Restart, Apply) listens on the port the server
/// had, so the pages open on it reconnect (it moved to a new port each
/// time and they retried the old one for ever).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restart_with_port_0_keeps_the_port() {
    let rig = rig().await;
    let model = rig.control.state();
    let first = port_of(&rig.dashboard_url);
    let restarted = cmd(&rig.control, "server.restart", json!({})).await;
    assert_eq!(port_of(restarted["url"].as_str().expect("url")), first);
    let mut settings = model.data()["server"]["settings"].clone();
    assert_eq!(settings["port"], json!(0));
    settings["sharedState"] = json!(false);
    cmd(
        &rig.control,
        "server.settings",
        json!({"settings": settings}),
    )
    .await;
    wait_at(model, "/server/settings/sharedState", json!(false)).await;
    wait_at(model, "/server/status", json!("running")).await;
    let url = model.data()["server"]["url"]
        .as_str()
        .expect("url")
        .to_owned();
    assert_eq!(port_of(&url), first);
    // Stopped, the port is not held: taken by another meanwhile, the next
    // start picks a free one.
    cmd(&rig.control, "server.stop", json!({})).await;
    let squatter = std::net::TcpListener::bind(("127.0.0.1", first)).expect("take the port");
    let started = cmd(&rig.control, "server.start", json!({})).await;
    assert_ne!(port_of(started["url"].as_str().expect("url")), first);
    drop(squatter);
}

/// A host that is no address of this machine: the message says to check
/// the host (it said to choose another port), and once the host is right
/// the server runs again without a Start (it stayed stopped).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_host_is_named_and_a_right_one_starts_the_server_again() {
    let rig = rig().await;
    let model = rig.control.state();
    let good = model.data()["server"]["settings"].clone();
    let mut bad = good.clone();
    bad["host"] = json!("not a host");
    let e = cmd_err(&rig.control, "server.settings", json!({"settings": bad})).await;
    assert!(e.message.contains("check the host"), "{}", e.message);
    assert!(!e.message.contains("another port"), "{}", e.message);
    wait_at(model, "/server/status", json!("error")).await;
    cmd(&rig.control, "server.settings", json!({"settings": good})).await;
    wait_at(model, "/server/status", json!("running")).await;
}
