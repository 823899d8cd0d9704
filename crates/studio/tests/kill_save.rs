//! Kill mid-save: a child process saves a big workspace in a loop and is
//! SIGKILLed at many points; after each kill the file still loads as a
//! whole workspace (the old one or a new one), and at most one temporary
//! file is left behind. Pass/fail does not depend on timing: the delays only
//! spread the kills over the save.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

use serde_json::json;
use studio::Workspace;

/// Set in the child's environment: the workspace file to save to.
const CHILD_ENV: &str = "STUDIO_KILL_SAVE_CHILD";
const KILLS: u64 = 30;
const ROWS: u64 = 5_000;

/// A workspace of a few megabytes whose initial state says which save it is.
fn workspace(generation: u64) -> Workspace {
    let rows: Vec<_> = (0..ROWS)
        .map(|i| json!({"id": i, "name": format!("row {i}"), "gen": generation}))
        .collect();
    let text = json!({
        "version": 1,
        "initialState": {"generation": generation, "rows": rows},
    })
    .to_string();
    Workspace::parse(&text, "big.json", Path::new(".")).expect("a valid workspace")
}

fn generation_of(ws: &Workspace) -> u64 {
    let g = ws.initial_state["generation"].as_u64().expect("generation");
    let rows = ws.initial_state["rows"].as_array().expect("rows");
    assert_eq!(rows.len() as u64, ROWS, "a whole workspace");
    assert!(rows.iter().all(|r| r["gen"] == json!(g)), "one save's rows");
    g
}

fn temp_files(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .expect("readable")
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".tmp"))
        .collect()
}

/// The child's body: saves new generations until it is killed. Does
/// nothing when run as an ordinary test.
#[test]
fn save_loop_child() {
    let Some(path) = std::env::var_os(CHILD_ENV) else {
        return;
    };
    let path = std::path::PathBuf::from(path);
    let start = Workspace::load(&path).map_or(1, |ws| generation_of(&ws) + 1);
    // Build the next workspaces up front so the loop is all saving.
    let next = [workspace(start), workspace(start + 1)];
    println!("READY");
    for n in 0.. {
        next[n % 2].save(&path).expect("save");
    }
}

#[test]
fn a_killed_save_leaves_a_whole_workspace() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("big.json");
    workspace(0).save(&path).expect("first save");
    let exe = std::env::current_exe().expect("test binary");
    let mut seen = std::collections::BTreeSet::new();
    for kill in 0..KILLS {
        let mut child = Command::new(&exe)
            .args([
                "--exact",
                "save_loop_child",
                "--nocapture",
                "--test-threads=1",
            ])
            .env(CHILD_ENV, &path)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("start the child");
        // Wait for READY, so every kill lands in the save loop.
        let mut out = std::io::BufReader::new(child.stdout.take().expect("stdout"));
        let mut line = String::new();
        while !line.contains("READY") {
            line.clear();
            let n = std::io::BufRead::read_line(&mut out, &mut line).expect("read");
            assert!(n > 0, "the child ended before READY");
        }
        // Varied points: 0 to 60 ms into the loop (a save of this size
        // takes a few milliseconds).
        std::thread::sleep(Duration::from_millis((kill * 13) % 61));
        child.kill().expect("SIGKILL");
        child.wait().expect("reaped");

        let ws = Workspace::load(&path)
            .unwrap_or_else(|e| panic!("after kill {kill} the file does not load: {e}"));
        seen.insert(generation_of(&ws));
        let temps = temp_files(dir.path());
        assert!(temps.len() <= 1, "after kill {kill}: {temps:?}");
    }
    // Not a pass/fail condition on timing, just what the run covered.
    println!("generations seen after kills: {seen:?}");
}
