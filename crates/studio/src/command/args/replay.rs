//! Arguments of the commands about recordings, their replay and timeline,
//! and scenario runs.

use std::path::PathBuf;

use super::{Args, plain_args};
use crate::command::error::CommandError;
use crate::traffic::{Peer, ProxySide};

plain_args! {
    /// `record.start`: records one peer's traffic: a connection, a remote
    /// session, or a proxied browser connection (`proxy` with `connection`).
    #[ts(export_to = crate::ts::DIR)]
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

plain_args! {
    /// `replay.load`: loads a recording, and plays it if asked.
    #[ts(export_to = crate::ts::DIR)]
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
}

plain_args! {
    /// `replay.play`: plays the loaded recording.
    #[ts(export_to = crate::ts::DIR)]
    pub struct ReplayPlay {
        /// The speed (1 = as recorded); missing: as before.
        #[ts(optional)]
        pub speed: Option<f64>,
    }
}

plain_args! {
    /// `replay.seek` and `timeline.state`: a step of the recording.
    #[ts(export_to = crate::ts::DIR)]
    pub struct AtStep {
        /// The step (0 = before the first entry).
        pub step: usize,
    }
}

plain_args! {
    /// `replay.mock`: writes a workspace that answers as the recording did.
    #[ts(export_to = crate::ts::DIR)]
    pub struct ReplayMock {
        /// The workspace file to write.
        pub out: String,
        /// How a request answered more than once is answered.
        #[ts(optional)]
        pub answers: Option<crate::mock::Answers>,
        /// Overwrite the file if it exists.
        #[ts(optional)]
        pub force: Option<bool>,
        /// Whether each rule waits as long as the back end took to answer
        /// (the median round trip of its requests); default true.
        #[ts(optional)]
        pub latency: Option<bool>,
    }
}

impl ReplayMock {
    /// How the mock is made.
    pub fn how(&self) -> crate::mock::How {
        crate::mock::How {
            answers: self.answers.unwrap_or_default(),
            latency: self.latency.unwrap_or(true),
        }
    }
}

/// `proxy.mock`: writes a workspace that answers as a browser's session
/// through a proxy was answered.
#[derive(Debug, Clone, ts_rs::TS)]
#[ts(export_to = crate::ts::DIR)]
pub struct ProxyMock {
    /// The proxy.
    pub id: String,
    /// The browser's connection on the proxy; default: the newest.
    #[ts(as = "Option<f64>", optional)]
    pub connection: Option<u64>,
    /// Where and how, as for `replay.mock`.
    #[ts(flatten)]
    pub mock: ReplayMock,
}

impl Args for ProxyMock {
    fn from_data(data: serde_json::Value) -> Result<Self, CommandError> {
        let mut fields = crate::command::fields::Fields::of(data);
        Ok(ProxyMock {
            id: fields.get("id")?,
            connection: fields.get("connection")?,
            mock: ReplayMock::from_fields(&mut fields)?,
        })
    }
}

plain_args! {
    /// `timeline.history`: the changes of one path over the recording.
    #[ts(export_to = crate::ts::DIR)]
    pub struct TimelineHistory {
        /// A JSON pointer into the state.
        pub pointer: String,
    }
}

plain_args! {
    /// `timeline.entries`: a page of the recording's entries.
    #[ts(export_to = crate::ts::DIR)]
    pub struct TimelineEntries {
        /// The first entry (default 0).
        #[ts(optional)]
        pub from: Option<usize>,
        /// At most this many (default 500, at most 10,000).
        #[ts(optional)]
        pub limit: Option<usize>,
        /// For a list: each value (an op's, a notification's, a request's
        /// or an answer's data) longer than 4,096 bytes of compact JSON
        /// comes as a string that describes it (`⟨object of 2 members,
        /// 10.8 MB⟩`). Default: whole.
        #[ts(optional)]
        pub brief: Option<bool>,
    }
}

plain_args! {
    /// `timeline.times`: the recorded times of the entries (milliseconds
    /// since the start), for a scrubber: no entry is sent.
    #[ts(export_to = crate::ts::DIR)]
    pub struct TimelineTimes {
        /// The first entry (default 0).
        #[ts(optional)]
        pub from: Option<usize>,
        /// At most this many (default and at most 100,000).
        #[ts(optional)]
        pub limit: Option<usize>,
    }
}

plain_args! {
    /// `scenario.run`: runs a scenario of the workspace.
    #[ts(export_to = crate::ts::DIR)]
    pub struct ScenarioRun {
        /// The scenario's name.
        pub name: String,
        /// `false`: answer at once (`null`) and let it run; default: answer
        /// with its report when it ends.
        #[ts(optional)]
        pub wait: Option<bool>,
    }
}
