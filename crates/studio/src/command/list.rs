//! Every command, declared once: its name on the wire, its arguments, its
//! answer and the group that runs it. [`commands!`] makes of this table
//! the [`Command`] enum (exported to TypeScript, tagged by the name), one
//! enum per group, the name list [`COMMANDS`], the parser and the
//! TypeScript map [`CommandMap`] (name → args and answer).

use serde_json::Value;
use ts_rs::TS;

use super::answer::*;
use super::args::*;
use super::error::CommandError;
use crate::check::UnansweredRequest;
use crate::dashboard::folder::{OpenedDashboard, SaveDashboard, SavedDashboard};
use crate::engine::Engine;
use crate::mock::MockMade;
use crate::model::{ProxyInfo, RecordingInfo, ReplayInfo};
use crate::recording::{Entry, PathChange};
use crate::rules::{Rule, RuleTest};
use crate::scenario::ScenarioReport;
use crate::traffic::TrafficEntry;
use crate::ts::JsonValue;
use crate::workspace::Workspace;

macro_rules! commands {
    ($(
        $(#[$group_doc:meta])*
        $group:ident: $Group:ident {
            $( $(#[$doc:meta])* $Variant:ident = $wire:tt, $Args:ty => $Answer:ty; )*
        }
    )*) => {
        /// One control command with its arguments: a request's `name` and
        /// `data` (`null` or missing for commands without arguments).
        #[derive(Debug, Clone, TS)]
        #[ts(export_to = crate::ts::DIR, tag = "name", content = "data")]
        pub enum Command {
            $($( $(#[$doc])* #[ts(rename = $wire)] $Variant($Args), )*)*
        }

        $(
            $(#[$group_doc])*
            #[derive(Debug, Clone)]
            pub enum $Group {
                $( $(#[$doc])* $Variant($Args), )*
            }
        )*

        /// A command, by the group that runs it.
        #[derive(Debug, Clone)]
        pub enum Grouped {
            $( $(#[$group_doc])* $Group($Group), )*
        }

        /// Every command name, for `CONTROL.md`'s check and for clients.
        pub const COMMANDS: &[&str] = &[$($( $wire, )*)*];

        impl Command {
            /// The command `name` with its request's `data`; an unknown name
            /// is `unknownCommand`, bad data `invalid` (naming the field).
            pub fn parse(name: &str, data: Value) -> Result<Self, CommandError> {
                match name {
                    $($( $wire => Ok(Command::$Variant(<$Args as Args>::from_data(data)?)), )*)*
                    other => Err(CommandError::unknown_command(other)),
                }
            }

            /// Its name on the wire.
            pub fn name(&self) -> &'static str {
                match self {
                    $($( Command::$Variant(_) => $wire, )*)*
                }
            }

            /// The same command, in its group.
            pub fn grouped(self) -> Grouped {
                match self {
                    $($( Command::$Variant(args) => Grouped::$Group($Group::$Variant(args)), )*)*
                }
            }
        }

        /// Runs `command`: the group's dispatch does it.
        pub async fn dispatch(engine: &Engine, command: Command) -> Result<Value, CommandError> {
            match command.grouped() {
                $( Grouped::$Group(c) => super::dispatch::$group::run(engine, c).await, )*
            }
        }

        /// Every command's arguments and answer, by name (TypeScript only:
        /// what `command(name, args)` takes and resolves to).
        #[derive(TS)]
        #[ts(export_to = crate::ts::DIR)]
        #[allow(dead_code, non_snake_case)]
        pub struct CommandMap {
            $($( $(#[$doc])* #[ts(rename = $wire)] $Variant: CommandTypes<$Args, $Answer>, )*)*
        }
    };
}

commands! {
    /// The studio's juggler server.
    server: ServerCommand {
        /// Starts the server.
        ServerStart = "server.start", () => ServerUrl;
        /// Stops the server.
        ServerStop = "server.stop", () => ();
        /// Stops and starts the server.
        ServerRestart = "server.restart", () => ServerUrl;
        /// Replaces the server's settings (a running server restarts).
        ServerSettings = "server.settings", SetServerSettings => ();
    }
    /// The shared state (or one connection's) and its history.
    state: StateCommand {
        /// Sets the value at a path.
        StateSet = "state.set", StateSet => ();
        /// Removes the value at a path.
        StateRemove = "state.remove", StateRemove => ();
        /// Applies a JSON Patch.
        StatePatch = "state.patch", StatePatch => ();
        /// Replaces the whole state.
        StateReplace = "state.replace", StateReplace => ();
        /// The JSON text of the value at a path, pretty-printed, every
        /// number exactly as held.
        StateText = "state.text", StateText => String;
        /// Sets the value at a path from JSON text the engine parses.
        StateSetText = "state.setText", StateSetText => ();
        /// The JSON text of the value at a path of the model (`/notifyHistory`,
        /// `/remotes/ID/requests`…), every number exactly as held.
        ModelText = "model.text", ModelText => String;
        /// Undoes the last shared edit; `false` when there was none.
        StateUndo = "state.undo", () => bool;
        /// Redoes the last undone edit; `false` when there was none.
        StateRedo = "state.redo", () => bool;
    }
    /// Notifications to the connections.
    notify: NotifyCommand {
        /// Sends a notification.
        NotifySend = "notify.send", NotifySend => Sent;
        /// Replaces the notify presets.
        NotifyPresets = "notify.presets", SetNotifyPresets => ();
        /// Saves one preset, the others as held.
        NotifyPresetSave = "notify.presetSave", NotifyPresetSave => ();
        /// Deletes one preset, the others as held.
        NotifyPresetRemove = "notify.presetRemove", NotifyPresetName => ();
        /// One preset's data as JSON text, every number exactly as held.
        NotifyPresetText = "notify.presetText", NotifyPresetName => String;
    }
    /// Request rules.
    rules: RulesCommand {
        /// Replaces all rules.
        RulesSet = "rules.set", SetRules => ();
        /// The rules as JSON text, every number exactly as held.
        RulesText = "rules.text", () => String;
        /// Runs a rule against a sample request.
        RulesTest = "rules.test", RulesTest => RuleTest;
        /// A rule answering a request as it was answered.
        RulesFromRequest = "rules.fromRequest", RulesFromRequest => Rule;
    }
    /// The traffic log and the dashboard console.
    traffic: TrafficCommand {
        /// The newest entries that pass a filter.
        TrafficQuery = "traffic.query", TrafficQuery => Vec<TrafficEntry>;
        /// Whether this control client gets new entries as `traffic` events.
        TrafficFollow = "traffic.follow", TrafficFollow => ();
        /// Empties the traffic log.
        TrafficClear = "traffic.clear", () => ();
        /// Empties the dashboard console.
        ConsoleClear = "console.clear", () => ();
        /// Pauses or resumes the traffic log.
        TrafficPause = "traffic.pause", TrafficPause => ();
        /// The traffic log (filtered) as NDJSON text.
        TrafficExport = "traffic.export", TrafficQuery => String;
    }
    /// Sessions with remote servers.
    remote: RemoteCommand {
        /// Connects a remote session.
        RemoteConnect = "remote.connect", RemoteConnect => Started;
        /// Ends a remote session.
        RemoteDisconnect = "remote.disconnect", ById => ();
        /// Connects a session again (after it stopped on a failure), to
        /// its target or a changed one.
        RemoteReconnect = "remote.reconnect", RemoteReconnect => ();
        /// Sends a request on a remote session; answers with its result.
        RemoteSend = "remote.send", RemoteSend => JsonValue;
        /// The JSON text of the value at a path of a session's state,
        /// every number exactly as the remote sent it.
        RemoteText = "remote.text", RemoteText => String;
        /// Replaces the remote-server bookmarks.
        RemoteBookmarks = "remote.bookmarks", SetRemoteBookmarks => ();
    }
    /// The workspace file and the builder's dashboards.
    workspace: WorkspaceCommand {
        /// The workspace as it is now.
        WorkspaceGet = "workspace.get", () => Workspace;
        /// Saves the workspace.
        WorkspaceSave = "workspace.save", WorkspaceSave => WorkspaceFile;
        /// Opens another workspace file.
        WorkspaceOpen = "workspace.open", WorkspaceOpen => WorkspaceFile;
        /// Writes a new dashboard project.
        DashboardNew = "dashboard.new", DashboardNew => NewDashboard;
        /// Opens the builder's dashboard.
        DashboardLoad = "dashboard.load", DashboardLoad => OpenedDashboard;
        /// Saves the builder's dashboard.
        DashboardSave = "dashboard.save", SaveDashboard => SavedDashboard;
        /// The requests of the builder's widgets that no enabled rule
        /// answers, each with a rule that would.
        DashboardUnanswered = "dashboard.unanswered", DashboardUnanswered => Vec<UnansweredRequest>;
    }
    /// Connections of the studio's server, and faults on them.
    faults: FaultsCommand {
        /// Closes a connection cleanly.
        ConnectionClose = "connection.close", ConnectionId => ();
        /// Drops a connection without a close frame.
        ConnectionDrop = "connection.drop", ConnectionId => ();
        /// Sets the faults of one connection or of all.
        FaultsSet = "faults.set", FaultsSet => ();
        /// Clears every fault.
        FaultsClear = "faults.clear", () => ();
        /// Refuses new connections for a while.
        ServerRefuse = "server.refuse", ServerRefuse => ();
    }
    /// Proxies in front of real servers.
    proxy: ProxyCommand {
        /// Starts a proxy; answers with it as the model shows it.
        ProxyStart = "proxy.start", ProxyStart => ProxyInfo;
        /// Stops a proxy.
        ProxyStop = "proxy.stop", ById => ();
        /// Sets or clears what browsers see at a pointer.
        ProxyOverride = "proxy.override", ProxyOverride => ();
        /// Writes a workspace that answers as a browser's session through
        /// the proxy was answered.
        ProxyMock = "proxy.mock", ProxyMock => MockMade;
    }
    /// Recordings and their replay.
    replay: ReplayCommand {
        /// Records one peer's traffic.
        RecordStart = "record.start", RecordStart => Started;
        /// Stops a recording.
        RecordStop = "record.stop", ById => RecordingInfo;
        /// Loads a recording (and plays it if asked).
        ReplayLoad = "replay.load", ReplayLoad => ReplayInfo;
        /// Plays the loaded recording.
        ReplayPlay = "replay.play", ReplayPlay => ReplayInfo;
        /// Pauses the replay.
        ReplayPause = "replay.pause", () => ReplayInfo;
        /// Replays the next entry; `null` at the end.
        ReplayStep = "replay.step", () => Option<Entry>;
        /// Goes to a step of the recording.
        ReplaySeek = "replay.seek", AtStep => ReplayInfo;
        /// Stops the replay.
        ReplayStop = "replay.stop", () => ();
        /// Writes a workspace that answers as the recording did.
        ReplayMock = "replay.mock", ReplayMock => MockMade;
    }
    /// The loaded recording's timeline.
    timeline: TimelineCommand {
        /// The state at a step.
        TimelineState = "timeline.state", AtStep => JsonValue;
        /// The changes of one path.
        TimelineHistory = "timeline.history", TimelineHistory => Vec<PathChange>;
        /// A page of entries.
        TimelineEntries = "timeline.entries", TimelineEntries => Vec<Entry>;
        /// The entries' recorded times.
        TimelineTimes = "timeline.times", TimelineTimes => Vec<f64>;
    }
    /// Scenarios and schemas.
    scenario: ScenarioCommand {
        /// Runs a scenario; answers with its report (`null` with `wait: false`).
        ScenarioRun = "scenario.run", ScenarioRun => Option<ScenarioReport>;
        /// Stops the running scenario; `false` when none runs.
        ScenarioStop = "scenario.stop", () => bool;
        /// Replaces the scenarios.
        ScenariosSet = "scenarios.set", SetScenarios => ();
        /// Replaces the schemas.
        SchemasSet = "schemas.set", SetSchemas => ();
    }
}

/// A command as one JSON object `{"name": …, "data": …}` (adjacently
/// tagged by its name, as its TypeScript type says), read with the same
/// rules as a request: a missing `data` is `null`. (The control endpoint
/// reads requests with [`Command::parse`], which takes the data as it was
/// parsed already.)
impl<'de> serde::Deserialize<'de> for Command {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        #[derive(serde::Deserialize)]
        #[serde(deny_unknown_fields)]
        struct Tagged {
            name: String,
            #[serde(default)]
            data: Value,
        }
        let tagged = Tagged::deserialize(deserializer)?;
        Command::parse(&tagged.name, tagged.data)
            .map_err(|e| <D::Error as serde::de::Error>::custom(e.message))
    }
}
