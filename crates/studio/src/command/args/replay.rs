//! Arguments of the commands about recordings, their replay and timeline,
//! and scenario runs.

use std::path::PathBuf;

use serde_json::Value;
use ts_rs::TS;

use super::Args;
use crate::command::error::CommandError;
use crate::command::fields::Fields;
use crate::traffic::{Peer, ProxySide};

/// `record.start`: records one peer's traffic: a connection, a remote
/// session, or a proxied browser connection (`proxy` with `connection`).
#[derive(Debug, Clone, TS)]
#[ts(export_to = crate::bindings::DIR)]
pub struct RecordStart {
    /// The file to write.
    #[ts(as = "String")]
    pub path: PathBuf,
    /// A connection of the studio's server (or, with `proxy`, of the proxy).
    #[ts(as = "Option<f64>", optional)]
    pub connection: Option<u64>,
    /// A remote session.
    #[ts(optional)]
    pub remote: Option<String>,
    /// A proxy.
    #[ts(optional)]
    pub proxy: Option<String>,
}

impl RecordStart {
    /// The peer to record.
    pub fn peer(&self) -> Result<Peer, CommandError> {
        match (self.connection, &self.remote, &self.proxy) {
            (Some(id), None, None) => Ok(Peer::Connection(id)),
            (None, Some(id), None) => Ok(Peer::Remote(id.clone())),
            (Some(connection), None, Some(proxy)) => Ok(Peer::Proxy {
                proxy: proxy.clone(),
                connection,
                side: ProxySide::Browser,
            }),
            _ => Err(CommandError::invalid(
                "record.start needs `connection` (an id), `remote` (a session id), or \
                 `proxy` with `connection`",
            )),
        }
    }
}

impl Args for RecordStart {
    fn from_data(data: Value) -> Result<Self, CommandError> {
        let mut f = Fields::of(data);
        Ok(RecordStart {
            path: f.get("path")?,
            connection: f.get("connection")?,
            remote: f.get("remote")?,
            proxy: f.get("proxy")?,
        })
    }
}

/// `replay.load`: loads a recording, and plays it if asked.
#[derive(Debug, Clone, TS)]
#[ts(export_to = crate::bindings::DIR)]
pub struct ReplayLoad {
    /// The recording.
    #[ts(as = "String")]
    pub path: PathBuf,
    /// Start playing at once.
    #[ts(optional)]
    pub play: Option<bool>,
    /// With `play`: the speed (1 = as recorded).
    #[ts(optional)]
    pub speed: Option<f64>,
}

impl Args for ReplayLoad {
    fn from_data(data: Value) -> Result<Self, CommandError> {
        let mut f = Fields::of(data);
        Ok(ReplayLoad {
            path: f.get("path")?,
            play: f.get("play")?,
            speed: f.get("speed")?,
        })
    }
}

/// `replay.play`: plays the loaded recording.
#[derive(Debug, Clone, TS)]
#[ts(export_to = crate::bindings::DIR)]
pub struct ReplayPlay {
    /// The speed (1 = as recorded); missing: as before.
    #[ts(optional)]
    pub speed: Option<f64>,
}

impl Args for ReplayPlay {
    fn from_data(data: Value) -> Result<Self, CommandError> {
        Ok(ReplayPlay {
            speed: Fields::of(data).get("speed")?,
        })
    }
}

/// `replay.seek` and `timeline.state`: a step of the recording.
#[derive(Debug, Clone, TS)]
#[ts(export_to = crate::bindings::DIR)]
pub struct AtStep {
    /// The step (0 = before the first entry).
    pub step: usize,
}

impl Args for AtStep {
    fn from_data(data: Value) -> Result<Self, CommandError> {
        Ok(AtStep {
            step: Fields::of(data).get("step")?,
        })
    }
}

/// `replay.mock`: writes a workspace that answers as the recording did.
#[derive(Debug, Clone, TS)]
#[ts(export_to = crate::bindings::DIR)]
pub struct ReplayMock {
    /// The workspace file to write.
    pub out: String,
    /// How a request answered more than once is answered.
    #[ts(optional)]
    pub answers: Option<crate::mock::Answers>,
    /// Overwrite the file if it exists.
    #[ts(optional)]
    pub force: Option<bool>,
}

impl Args for ReplayMock {
    fn from_data(data: Value) -> Result<Self, CommandError> {
        let mut f = Fields::of(data);
        Ok(ReplayMock {
            out: f.get("out")?,
            answers: f.get("answers")?,
            force: f.get("force")?,
        })
    }
}

/// `timeline.history`: the changes of one path over the recording.
#[derive(Debug, Clone, TS)]
#[ts(export_to = crate::bindings::DIR)]
pub struct TimelineHistory {
    /// A JSON pointer into the state.
    pub pointer: String,
}

impl Args for TimelineHistory {
    fn from_data(data: Value) -> Result<Self, CommandError> {
        Ok(TimelineHistory {
            pointer: Fields::of(data).get("pointer")?,
        })
    }
}

/// `timeline.entries`: a page of the recording's entries.
#[derive(Debug, Clone, TS)]
#[ts(export_to = crate::bindings::DIR)]
pub struct TimelineEntries {
    /// The first entry (default 0).
    #[ts(optional)]
    pub from: Option<usize>,
    /// At most this many (default 500, at most 10,000).
    #[ts(optional)]
    pub limit: Option<usize>,
}

impl Args for TimelineEntries {
    fn from_data(data: Value) -> Result<Self, CommandError> {
        let mut f = Fields::of(data);
        Ok(TimelineEntries {
            from: f.get("from")?,
            limit: f.get("limit")?,
        })
    }
}

/// `scenario.run`: runs a scenario of the workspace.
#[derive(Debug, Clone, TS)]
#[ts(export_to = crate::bindings::DIR)]
pub struct ScenarioRun {
    /// The scenario's name.
    pub name: String,
    /// `false`: answer at once (`null`) and let it run; default: answer
    /// with its report when it ends.
    #[ts(optional)]
    pub wait: Option<bool>,
}

impl Args for ScenarioRun {
    fn from_data(data: Value) -> Result<Self, CommandError> {
        let mut f = Fields::of(data);
        Ok(ScenarioRun {
            name: f.get("name")?,
            wait: f.get("wait")?,
        })
    }
}
