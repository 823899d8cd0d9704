//! Arguments of the commands about files and tools: the workspace and the
//! builder's dashboards, faults, proxies, recordings and their replay,
//! scenarios and schemas.

use std::path::PathBuf;

use serde_json::Value;
use ts_rs::TS;

use super::{Args, plain_args, wrapped_args};
use crate::command::error::CommandError;
use crate::command::fields::{Fields, unwrap_key};
use crate::proxy::ProxySettings;

wrapped_args! {
    /// `scenarios.set`: replaces the scenarios.
    #[ts(export_to = crate::ts::DIR)]
    pub struct SetScenarios { scenarios: "scenarios" as "Array<import('./Scenario').Scenario>", scenarios_text: "scenariosText" }
}
wrapped_args! {
    /// `schemas.set`: replaces the schemas (`null`: none).
    #[ts(export_to = crate::ts::DIR)]
    pub struct SetSchemas { schemas: "schemas" as "import('./Schemas').Schemas | null", schemas_text: "schemasText" }
}

plain_args! {
    /// `workspace.save`: saves the workspace.
    #[ts(export_to = crate::ts::DIR)]
    pub struct WorkspaceSave {
        /// Where; missing: where it came from.
        #[ts(as = "Option<String>", optional)]
        pub path: Option<PathBuf>,
        /// Overwrite the file even though it changed on disk since it was
        /// opened or saved (the `changedOnDisk` error).
        #[ts(optional)]
        pub force: Option<bool>,
    }
}

plain_args! {
    /// `workspace.open` and `replay.load`'s file, `record.start`'s output.
    #[ts(export_to = crate::ts::DIR)]
    pub struct WorkspaceOpen {
        /// The file.
        #[ts(as = "String")]
        pub path: PathBuf,
    }
}

/// `dashboard.new`: writes a new dashboard project.
#[derive(Debug, Clone, TS)]
#[ts(export_to = crate::ts::DIR)]
pub struct DashboardNew {
    /// The folder to create.
    #[ts(as = "String")]
    pub dir: PathBuf,
    /// The wire generation (default 0.6).
    #[ts(as = "Option<crate::workspace::Generation>", optional)]
    pub generation: Option<juggler::Generation>,
    /// The dashboard's title.
    #[ts(optional)]
    pub name: Option<String>,
    /// Also write the builder's `dashboard.json`.
    #[ts(optional)]
    pub builder: Option<bool>,
}

impl Args for DashboardNew {
    fn from_data(data: Value) -> Result<Self, CommandError> {
        let mut f = Fields::of(data);
        let dir = f.get("dir")?;
        let generation: Option<String> = f.get("generation")?;
        let generation = generation
            .map(|g| {
                g.parse()
                    .map_err(|e| CommandError::invalid_field("generation", e))
            })
            .transpose()?;
        Ok(DashboardNew {
            dir,
            generation,
            name: f.get("name")?,
            builder: f.get("builder")?,
        })
    }
}

plain_args! {
    /// `dashboard.load`: opens the builder's dashboard.
    #[ts(export_to = crate::ts::DIR)]
    pub struct DashboardLoad {
        /// The folder; default: the server's `staticDir`.
        #[ts(as = "Option<String>", optional)]
        pub dir: Option<PathBuf>,
    }
}

/// `dashboard.unanswered`: which requests of the builder's widgets no rule
/// answers.
#[derive(Debug, Clone, TS)]
#[ts(export_to = crate::ts::DIR)]
pub struct DashboardUnanswered {
    /// The dashboard's widgets as the builder has them (saved or not); one
    /// that is no widget yet (being edited) is skipped.
    #[ts(type = "Array<import('./Widget').Widget>")]
    pub widgets: Vec<Value>,
}

impl Args for DashboardUnanswered {
    fn from_data(data: Value) -> Result<Self, CommandError> {
        match unwrap_key(data, "widgets") {
            Value::Array(widgets) => Ok(DashboardUnanswered { widgets }),
            _ => Err(CommandError {
                field: Some("widgets".into()),
                ..CommandError::invalid("widgets is not a list: give the dashboard's widgets")
            }),
        }
    }
}

impl Args for crate::dashboard::folder::SaveDashboard {
    fn from_data(data: Value) -> Result<Self, CommandError> {
        crate::json::from_value(&data)
            .map_err(|e| CommandError::invalid(e.into_inner().to_string()))
    }
}

plain_args! {
    /// A command about one connection (`connection.close`, `connection.drop`).
    #[ts(export_to = crate::ts::DIR)]
    pub struct ConnectionId {
        /// The connection's id.
        #[ts(type = "number")]
        pub id: u64,
    }
}

/// `faults.set`: the faults of one connection, or of all.
#[derive(Debug, Clone, TS)]
#[ts(export_to = crate::ts::DIR)]
pub struct FaultsSet {
    /// One connection; missing: every connection, open or to come.
    #[ts(as = "Option<f64>", optional)]
    pub connection: Option<u64>,
    /// The faults; missing: none.
    #[ts(type = "Partial<import('./FaultSettings').FaultSettings>")]
    pub settings: juggler::server::FaultSettings,
}

impl Args for FaultsSet {
    fn from_data(data: Value) -> Result<Self, CommandError> {
        let mut f = Fields::of(data);
        let connection = f.get("connection")?;
        let settings = f
            .take_opt("settings")
            .unwrap_or_else(|| Value::Object(Default::default()));
        let settings = crate::json::from_value(&settings)
            .map_err(|e| CommandError::from(crate::Error::serde("settings", "settings", &e)))?;
        Ok(FaultsSet {
            connection,
            settings,
        })
    }
}

plain_args! {
    /// `server.refuse`: refuses new connections for a while.
    #[ts(export_to = crate::ts::DIR)]
    pub struct ServerRefuse {
        /// How long (milliseconds).
        #[ts(type = "number")]
        pub ms: u64,
    }
}

/// `proxy.start`: starts a proxy.
#[derive(Debug, Clone, TS)]
#[ts(export_to = crate::ts::DIR)]
pub struct ProxyStart {
    /// How. Sent as `{"settings": …}` or bare.
    pub settings: ProxySettings,
}

impl Args for ProxyStart {
    fn from_data(data: Value) -> Result<Self, CommandError> {
        let settings = crate::json::from_value(&unwrap_key(data, "settings"))
            .map_err(|e| crate::Error::serde("invalid proxy settings", "settings", &e))?;
        Ok(ProxyStart { settings })
    }
}

/// `proxy.override`: what the browsers see at a pointer instead of the
/// upstream's value.
#[derive(Debug, Clone, TS)]
#[ts(export_to = crate::ts::DIR)]
pub struct ProxyOverride {
    /// The proxy.
    pub id: String,
    /// A JSON pointer into the state.
    pub pointer: String,
    /// The value shown; missing: the override goes.
    #[ts(as = "Option<crate::ts::JsonValue>", optional)]
    pub value: Option<Value>,
}

impl Args for ProxyOverride {
    fn from_data(data: Value) -> Result<Self, CommandError> {
        let mut f = Fields::of(data);
        Ok(ProxyOverride {
            id: f.get("id")?,
            pointer: f.get("pointer")?,
            value: f.take_opt("value"),
        })
    }
}
