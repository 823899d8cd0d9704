//! The TypeScript types of everything the UI sees, and the TypeScript side
//! of `serde_json::Value`.
//!
//! Every type that crosses to the UI derives `ts_rs::TS` with
//! `#[ts(export_to = crate::ts::DIR)]`, and is listed in
//! [`export_all_to`]. Not `#[ts(export)]`: that makes ts-rs generate one
//! test per type that rewrites the folder on every `cargo test`, which
//! would hide committed bindings that are stale. Instead:
//!
//! - `cargo test -p studio export_bindings` writes them into the
//!   repository's `ui/src/bindings/` ([`UI_DIR`]), removing files of types
//!   that are gone;
//! - every `cargo test` exports them into a scratch folder and fails when
//!   that differs from the committed folder (`tests/bindings.rs`).
//!
//! JSON values are typed as [`JsonValue`] (from [`crate::ts`]), exported into the
//! same folder, so the folder is self-contained (ts-rs's own `JsonValue`
//! would land in a `serde_json/` folder beside it).

use std::path::Path;

use ts_rs::TS;

pub use crate::ts::JsonValue;

/// Where the bindings are committed, relative to the repository root.
pub const UI_DIR: &str = "ui/src/bindings";

/// Writes the TypeScript file of every type the UI sees, with the types
/// they use, into `dir` (created if missing); files already there are
/// overwritten, others left alone.
pub fn export_all_to(dir: &Path) -> Result<(), ts_rs::ExportError> {
    use crate::{
        check, command, dashboard, error, history, model, proxy, recording, remote, rules,
        scenario, schemas, traffic, workspace,
    };
    let cfg = ts_rs::Config::new().with_out_dir(dir);
    macro_rules! export {
        ($($t:ty),* $(,)?) => { $( <$t as TS>::export_all(&cfg)?; )* };
    }
    export!(
        JsonValue,
        // The workspace file.
        workspace::Workspace,
        workspace::ServerSettings,
        workspace::Generation,
        workspace::NotifyPreset,
        workspace::RemoteBookmark,
        workspace::RemoteTrust,
        error::Problem,
        // Rules.
        rules::Rule,
        rules::RuleMatch,
        rules::NameMatch,
        rules::Action,
        rules::NotifyTarget,
        rules::RequestInfo,
        rules::Reply,
        rules::Effect,
        rules::Answer,
        rules::Decision,
        rules::RuleTest,
        // History, traffic, remote sessions.
        history::HistoryStatus,
        traffic::Peer,
        traffic::Direction,
        traffic::TrafficKind,
        traffic::Frame,
        traffic::TrafficEntry,
        traffic::TrafficRow,
        traffic::TrafficFilter,
        traffic::TrafficLimits,
        traffic::TrafficStatus,
        remote::RemoteTarget,
        remote::RemoteStatus,
        // The control endpoint's model, events and errors.
        model::Model,
        model::WorkspaceInfo,
        model::ServerStatus,
        model::ServerInfo,
        model::ConnectionStats,
        model::ConnectionInfo,
        model::SentNotification,
        model::UnmatchedRequest,
        model::RemoteInfo,
        model::ReceivedNotification,
        model::SentRequest,
        model::RecordingInfo,
        model::ProxyInfo,
        model::FaultsInfo,
        workspace::Unanswered,
        model::ConsoleInfo,
        model::ReloadInfo,
        crate::devloop::ConsoleEntry,
        crate::devloop::Level,
        juggler::server::FaultSettings,
        proxy::ProxySettings,
        traffic::ProxySide,
        model::ReplayInfo,
        // Recordings and their timeline.
        recording::Header,
        recording::Entry,
        recording::Event,
        recording::PathChange,
        model::ConnectionOpened,
        model::ConnectionClosed,
        model::RemoteNotify,
        model::EventsLagged,
        // The control commands: the map of their types, their arguments,
        // answers and error.
        command::Command,
        command::CommandMap,
        command::CommandError,
        command::ErrorCode,
        command::answer::ServerUrl,
        command::answer::Sent,
        command::answer::Started,
        command::answer::WorkspaceFile,
        command::answer::NewDashboard,
        command::args::SetServerSettings,
        command::args::SetNotifyPresets,
        command::args::SetRemoteBookmarks,
        command::args::SetRules,
        command::args::SetScenarios,
        command::args::SetSchemas,
        command::args::StateSet,
        command::args::StateRemove,
        command::args::StatePatch,
        command::args::StateReplace,
        command::args::NotifySend,
        command::args::NotifyPresetSave,
        command::args::NotifyPresetName,
        command::args::RulesTest,
        command::args::RulesFromRequest,
        command::args::TrafficQuery,
        command::args::TrafficPause,
        command::args::RemoteConnect,
        command::args::ById,
        command::args::RemoteSend,
        command::args::WorkspaceSave,
        command::args::WorkspaceOpen,
        command::args::DashboardNew,
        command::args::DashboardLoad,
        command::args::ConnectionId,
        command::args::FaultsSet,
        command::args::ServerRefuse,
        command::args::ProxyStart,
        command::args::ProxyOverride,
        command::args::RecordStart,
        command::args::ReplayLoad,
        command::args::ReplayPlay,
        command::args::AtStep,
        command::args::ReplayMock,
        command::args::ProxyMock,
        command::args::TimelineHistory,
        command::args::TimelineEntries,
        command::args::ScenarioRun,
        crate::mock::Answers,
        crate::mock::MockMade,
        // Scenarios and schema checks.
        scenario::Scenario,
        scenario::Step,
        scenario::StepTarget,
        scenario::AllConnections,
        scenario::StepResult,
        scenario::ScenarioStatus,
        scenario::ScenarioReport,
        schemas::Schemas,
        schemas::SchemaViolation,
        schemas::ViolationKind,
        // The builder's dashboard file.
        dashboard::Dashboard,
        dashboard::folder::OpenedDashboard,
        dashboard::folder::SaveDashboard,
        dashboard::folder::SavedDashboard,
        command::args::DashboardUnanswered,
        check::UnansweredRequest,
        dashboard::Grid,
        dashboard::BoundPath,
        dashboard::PathKey,
        dashboard::Widget,
        dashboard::WidgetKind,
        dashboard::widget::ValueFormat,
        dashboard::widget::ValueWidget,
        dashboard::widget::LampWidget,
        dashboard::widget::LampColor,
        dashboard::widget::GaugeStyle,
        dashboard::widget::GaugeWidget,
        dashboard::widget::Threshold,
        dashboard::widget::TableWidget,
        dashboard::widget::TableColumn,
        dashboard::widget::RowAction,
        dashboard::widget::SendRequest,
        dashboard::widget::TrendWidget,
        dashboard::widget::TrendSeries,
        dashboard::widget::ButtonWidget,
        dashboard::widget::ToggleWidget,
        dashboard::widget::SetpointWidget,
        dashboard::widget::NotificationsWidget,
        dashboard::widget::JsonWidget,
        dashboard::widget::TextStyle,
        dashboard::widget::TextWidget,
    );
    let panes = dir.join("panes.ts");
    std::fs::write(&panes, crate::panes::typescript()).map_err(ts_rs::ExportError::from)?;
    Ok(())
}
