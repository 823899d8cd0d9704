//! The workspace file: save, open, bookmarks.

use super::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn workspace_save_writes_a_file_that_loads_back() {
    let rig = rig().await;
    let e = cmd_err(&rig.control, "workspace.save", json!({})).await;
    assert_eq!(e.code, "invalid");
    assert!(e.message.contains("choose where"), "{}", e.message);

    cmd(
        &rig.control,
        "state.set",
        json!({"path": "saved", "value": [1, "two"]}),
    )
    .await;
    let file = rig.dir.path().join("saved.workspace.json");
    let answer = cmd(
        &rig.control,
        "workspace.save",
        json!({"path": file.display().to_string()}),
    )
    .await;
    assert_eq!(answer, json!({"path": file.display().to_string()}));
    wait_at(
        rig.control.state(),
        "/workspace/path",
        json!(file.display().to_string()),
    )
    .await;
    let loaded = Workspace::load(&file).expect("the saved file loads");
    assert_eq!(loaded, rig.engine.workspace());
    assert_eq!(loaded.initial_state["saved"], json!([1, "two"]));
    assert_eq!(loaded.rules.len(), 8);
    let got = cmd(&rig.control, "workspace.get", json!({})).await;
    assert_eq!(got, serde_json::to_value(&loaded).expect("json"));

    // Saved again where it came from; a newer file there is not overwritten.
    cmd(
        &rig.control,
        "state.set",
        json!({"path": "again", "value": true}),
    )
    .await;
    cmd(&rig.control, "workspace.save", json!({})).await;
    assert_eq!(
        Workspace::load(&file).expect("load").initial_state["again"],
        json!(true)
    );
    std::fs::write(&file, r#"{"version": 99}"#).expect("write");
    let e = cmd_err(&rig.control, "workspace.save", json!({"force": true})).await;
    assert_eq!(e.code, "workspace", "{}", e.message);
    assert_eq!(
        std::fs::read_to_string(&file).expect("read"),
        r#"{"version": 99}"#
    );
    check_model(&rig.engine);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn workspace_open_replaces_rules_state_and_settings_and_restarts_the_server() {
    let rig = rig().await;
    let model = rig.control.state();
    cmd(
        &rig.control,
        "state.set",
        json!({"path": "before", "value": 1}),
    )
    .await;
    let dashboard = client(&rig.dashboard_url).await.0;
    wait_for(dashboard.state(), "the dashboard's state", |s| {
        s.get("before").map(|_| ())
    })
    .await;

    // A file that does not parse changes nothing and names the line.
    let bad = rig.dir.path().join("bad.json");
    std::fs::write(&bad, "{\n  \"version\": 1,\n  \"rules\": 5\n}").expect("write");
    let e = cmd_err(
        &rig.control,
        "workspace.open",
        json!({"path": bad.display().to_string()}),
    )
    .await;
    assert_eq!(e.code, "workspace", "{}", e.message);
    assert!(e.message.contains("rules"), "{}", e.message);
    let e = cmd_err(
        &rig.control,
        "workspace.open",
        json!({"path": "/nonexistent/x.json"}),
    )
    .await;
    assert_eq!(e.code, "io", "{}", e.message);
    wait_at(model, "/state/before", json!(1)).await;
    assert_eq!(
        rig.engine.workspace().initial_state["before"],
        json!(1),
        "a failed open changed the state"
    );

    let file = rig.dir.path().join("other.json");
    std::fs::write(
        &file,
        r#"{"version": 1, "server": {"port": 0, "noCache": true},
            "initialState": {"other": true},
            "rules": [{"id": "only", "match": {"name": {"exact": "only"}}, "action": "echo"}],
            "notifyPresets": [{"name": "p", "data": 1}]}"#,
    )
    .expect("write");
    let answer = cmd(
        &rig.control,
        "workspace.open",
        json!({"path": file.display().to_string()}),
    )
    .await;
    assert_eq!(answer, json!({"path": file.display().to_string()}));
    wait_at(model, "/state", json!({"other": true})).await;
    wait_at(model, "/workspace/path", json!(file.display().to_string())).await;
    wait_at(model, "/server/settings/noCache", json!(true)).await;
    wait_at(model, "/server/status", json!("running")).await;
    assert_eq!(
        model
            .get(juggler::path!["rules"])
            .map(|r| r.as_array().map(Vec::len)),
        Some(Some(1))
    );
    assert_eq!(model.get(juggler::path!["history", "undo"]), Some(json!(0)));
    // The old server's dashboards were closed with it; a new one sees the
    // new state.
    within("the old dashboard to close", dashboard.wait_closed()).await;
    let url = model
        .get(juggler::path!["server", "url"])
        .and_then(|v| v.as_str().map(str::to_owned))
        .expect("server url");
    let fresh = client(&url).await.0;
    wait_for(fresh.state(), "the new state", |s| {
        s.get("other").map(|_| ())
    })
    .await;
    assert_eq!(
        fresh.send("only", json!("x")).await.expect("echo"),
        json!("x")
    );
    check_model(&rig.engine);
}

#[tokio::test]
async fn remote_bookmarks_are_replaced_and_saved() {
    let rig = rig().await;
    let model = rig.control.state();
    let bookmarks = json!([
        {"name": "plant", "url": "wss://plant.example:8443/ws", "generation": "0.7",
         "user": "op", "trust": {"caFile": "ca.pem"}},
        {"name": "local", "url": "ws://127.0.0.1:1234/ws", "generation": "0.6", "trust": "system"}
    ]);
    cmd(
        &rig.control,
        "remote.bookmarks",
        json!({"bookmarks": bookmarks}),
    )
    .await;
    wait_at(model, "/workspace/remotes", bookmarks.clone()).await;
    let ws = cmd(&rig.control, "workspace.get", json!({})).await;
    assert_eq!(ws["remotes"], bookmarks);
    let e = cmd_err(
        &rig.control,
        "remote.bookmarks",
        json!([{"name": "web", "url": "http://x/ws"}]),
    )
    .await;
    assert_eq!(e.code, "invalid");
    assert!(e.message.contains("ws://"), "{}", e.message);
    let e = cmd_err(&rig.control, "remote.bookmarks", json!([{"url": "ws://x"}])).await;
    assert_eq!(e.code, "invalid");
    assert!(e.message.contains("name"), "{}", e.message);
    wait_at(model, "/workspace/remotes", bookmarks).await;
}

/// Save as… of the demo (`serve` without a workspace) does not name the
/// temporary folder its page was unpacked to: gone with that studio, it
/// made the saved workspace fail to serve ("server.staticDir: … does not
/// exist").
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn saving_the_demo_leaves_out_its_temporary_folder() {
    let demo = studio::demo::unpack().expect("unpack the demo");
    let text = json!({
        "version": 1,
        "server": {"port": 0, "staticDir": demo.path().display().to_string()},
    })
    .to_string();
    let rig = rig_with(&text).await;
    let file = rig.dir.path().join("from-demo.json");
    cmd(
        &rig.control,
        "workspace.save",
        json!({"path": file.display().to_string()}),
    )
    .await;
    let saved: Value =
        serde_json::from_str(&std::fs::read_to_string(&file).expect("read")).expect("json");
    assert!(saved["server"]["staticDir"].is_null(), "{saved}");
    // The running studio still serves it.
    assert_eq!(
        rig.engine.workspace().server.static_dir.as_deref(),
        Some(demo.path().to_str().expect("utf-8"))
    );
}

/// Save as… into a folder that does not exist names that folder, not the
/// save's temporary file (".x.json.5150.Pd4Dig.tmp").
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn saving_into_a_missing_folder_names_the_folder() {
    let rig = rig().await;
    let file = rig.dir.path().join("no-such-folder").join("x.json");
    let e = cmd_err(
        &rig.control,
        "workspace.save",
        json!({"path": file.display().to_string()}),
    )
    .await;
    assert!(e.message.contains("no-such-folder"), "{}", e.message);
    assert!(e.message.contains("does not exist"), "{}", e.message);
    assert!(!e.message.contains(".x.json."), "{}", e.message);
}

/// `/workspace/unsaved` says whether a save would write something else
/// than what was opened or last saved: the header showed only the path, and
/// Open… dropped the edits without a word.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unsaved_follows_every_part_a_save_writes() {
    let rig = rig().await;
    let model = rig.control.state();
    let file = rig.dir.path().join("w.json");
    cmd(
        &rig.control,
        "workspace.save",
        json!({"path": file.display().to_string()}),
    )
    .await;
    wait_at(model, "/workspace/unsaved", json!(false)).await;
    assert!(!rig.engine.unsaved());

    // The state, and back: what would be saved is what is on disk again.
    cmd(&rig.control, "state.set", json!({"path": "x", "value": 1})).await;
    wait_at(model, "/workspace/unsaved", json!(true)).await;
    cmd(&rig.control, "state.undo", json!({})).await;
    wait_at(model, "/workspace/unsaved", json!(false)).await;

    // A notify preset; saved, it is clean again.
    cmd(
        &rig.control,
        "notify.presets",
        json!({"presets": [{"name": "p", "data": 1}]}),
    )
    .await;
    wait_at(model, "/workspace/unsaved", json!(true)).await;
    cmd(&rig.control, "workspace.save", json!({})).await;
    wait_at(model, "/workspace/unsaved", json!(false)).await;

    // The rules, the scenarios, the server settings.
    cmd(&rig.control, "rules.set", json!({"rules": []})).await;
    wait_at(model, "/workspace/unsaved", json!(true)).await;
    cmd(
        &rig.control,
        "workspace.open",
        json!({"path": file.display().to_string()}),
    )
    .await;
    wait_at(model, "/workspace/unsaved", json!(false)).await;
    cmd(
        &rig.control,
        "scenarios.set",
        json!({"scenarios": [{"name": "s", "steps": []}]}),
    )
    .await;
    wait_at(model, "/workspace/unsaved", json!(true)).await;
    cmd(&rig.control, "scenarios.set", json!({"scenarios": []})).await;
    wait_at(model, "/workspace/unsaved", json!(false)).await;
    let mut settings = model
        .get(juggler::path!["server", "settings"])
        .expect("settings");
    settings["liveReload"] = json!(settings["liveReload"] != json!(true));
    cmd(
        &rig.control,
        "server.settings",
        json!({"settings": settings}),
    )
    .await;
    wait_at(model, "/workspace/unsaved", json!(true)).await;
    check_model(&rig.engine);
}

/// Save over a workspace file that was changed on disk since it was opened
/// or saved is refused (it silently overwrote the other edit); `force`
/// overwrites it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn save_refuses_a_file_changed_on_disk_unless_forced() {
    let rig = rig().await;
    let file = rig.dir.path().join("w.json");
    let path = file.display().to_string();
    cmd(&rig.control, "workspace.save", json!({"path": path})).await;
    // Saved again, unchanged on disk: fine.
    cmd(&rig.control, "state.set", json!({"path": "a", "value": 1})).await;
    cmd(&rig.control, "workspace.save", json!({})).await;

    let mut other = Workspace::load(&file).expect("load");
    other.initial_state = json!({"fromDisk": true});
    let theirs = other.to_json_string();
    std::fs::write(&file, &theirs).expect("write");
    cmd(&rig.control, "state.set", json!({"path": "b", "value": 2})).await;
    for data in [json!({}), json!({"path": path})] {
        let e = cmd_err(&rig.control, "workspace.save", data).await;
        assert_eq!(e.code, "changedOnDisk", "{}", e.message);
        assert!(e.message.contains("changed on disk"), "{}", e.message);
        assert!(e.message.contains("Save as"), "{}", e.message);
        assert_eq!(std::fs::read_to_string(&file).expect("read"), theirs);
    }
    wait_at(rig.control.state(), "/workspace/unsaved", json!(true)).await;

    // Save as… another file is not held back by it.
    let copy = rig.dir.path().join("copy.json");
    cmd(
        &rig.control,
        "workspace.save",
        json!({"path": copy.display().to_string()}),
    )
    .await;
    cmd(&rig.control, "workspace.save", json!({})).await;

    // Opened again, the disk's version is the one saved over.
    cmd(&rig.control, "workspace.open", json!({"path": path})).await;
    wait_at(rig.control.state(), "/state", json!({"fromDisk": true})).await;
    cmd(&rig.control, "state.set", json!({"path": "c", "value": 3})).await;
    cmd(&rig.control, "workspace.save", json!({})).await;
    assert_eq!(
        Workspace::load(&file).expect("load").initial_state,
        json!({"fromDisk": true, "c": 3})
    );

    // Changed again on disk, and overwritten on purpose.
    std::fs::write(&file, &theirs).expect("write");
    let e = cmd_err(&rig.control, "workspace.save", json!({})).await;
    assert_eq!(e.code, "changedOnDisk", "{}", e.message);
    cmd(&rig.control, "workspace.save", json!({"force": true})).await;
    assert_eq!(
        Workspace::load(&file).expect("load").initial_state,
        json!({"fromDisk": true, "c": 3})
    );
    // A file removed meanwhile loses nothing: it is written again.
    std::fs::remove_file(&file).expect("remove");
    cmd(&rig.control, "workspace.save", json!({})).await;
    assert!(file.exists());
}

/// "New dashboard…" keeps the server where it listened (pages open on it),
/// which wrote that address over the new project's port: the new workspace
/// started as unsaved, and a save put the studio's port into the project.
/// Now that address is this run's: nothing to save, and a save keeps the
/// project's port.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_new_dashboard_starts_saved_and_keeps_its_port() {
    let rig = rig().await;
    let model = rig.control.state();
    let dir = rig.dir.path().join("dash");
    cmd(
        &rig.control,
        "dashboard.new",
        json!({"dir": dir.display().to_string()}),
    )
    .await;
    let file = dir.join("workspace.json");
    let read_port = || -> Value {
        let text = std::fs::read_to_string(&file).expect("read");
        serde_json::from_str::<Value>(&text).expect("json")["server"]["port"].clone()
    };
    let port = read_port();
    wait_at(model, "/workspace/path", json!(file.display().to_string())).await;
    wait_at(model, "/server/status", json!("running")).await;
    assert_ne!(
        model.data()["server"]["settings"]["port"],
        port,
        "the server listens where it listened before"
    );
    wait_at(model, "/workspace/unsaved", json!(false)).await;
    assert!(!rig.engine.unsaved());
    cmd(&rig.control, "workspace.save", json!({})).await;
    assert_eq!(read_port(), port);
}
