//! The answers of the commands that answer with a small object of their
//! own; the others answer with a type of the engine (`ReplayInfo`,
//! `ScenarioReport`…), `null`, a boolean or a string (see [`super::list`]).

use serde::Serialize;
use ts_rs::TS;

/// `server.start` and `server.restart`: where the server listens.
#[derive(Debug, Clone, Serialize, TS)]
#[ts(export_to = crate::ts::DIR)]
pub struct ServerUrl {
    /// The juggler endpoint (`ws://HOST:PORT/ws`).
    pub url: String,
}

/// `notify.send`: how many connections the notification went to.
#[derive(Debug, Clone, Serialize, TS)]
#[ts(export_to = crate::ts::DIR)]
pub struct Sent {
    /// The number of connections.
    pub sent: usize,
}

/// `remote.connect` and `record.start`: the id of what was started.
#[derive(Debug, Clone, Serialize, TS)]
#[ts(export_to = crate::ts::DIR)]
pub struct Started {
    /// Its id.
    pub id: String,
}

/// `workspace.save` and `workspace.open`: the file.
#[derive(Debug, Clone, Serialize, TS)]
#[ts(export_to = crate::ts::DIR)]
pub struct WorkspaceFile {
    /// The file's path.
    pub path: String,
}

/// `dashboard.new`: what was written.
#[derive(Debug, Clone, Serialize, TS)]
#[ts(export_to = crate::ts::DIR)]
pub struct NewDashboard {
    /// The folder.
    pub path: String,
    /// How many files were written.
    pub files: usize,
}

/// The TypeScript of a command: its arguments and its answer (only for
/// [`super::CommandMap`]; never built).
#[derive(TS)]
#[ts(export_to = crate::ts::DIR, rename = "CommandTypes")]
#[allow(dead_code)]
pub struct CommandTypes<A: TS, R: TS> {
    /// The request's data.
    pub args: A,
    /// The answer.
    pub answer: R,
}
