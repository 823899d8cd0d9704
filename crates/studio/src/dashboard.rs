//! `dashboard.json`: a dashboard made in the studio's builder, as plain
//! data that the dashboard's runtime (`crates/studio/builder/runtime/`,
//! vendored into the dashboard's folder) renders in any browser, served by
//! the studio or by any juggler back end.
//!
//! ```json
//! {
//!   "$schema": "./dashboard.schema.json",
//!   "version": 1,
//!   "title": "Tank farm",
//!   "grid": { "columns": 12, "rowHeight": 48, "gap": 8 },
//!   "widgets": [
//!     { "id": "level", "type": "gauge", "x": 0, "y": 0, "w": 4, "h": 4,
//!       "title": "Level", "path": "/level/value", "min": 0, "max": 100,
//!       "thresholds": [ { "from": 80, "color": "#d97706" } ] },
//!     { "id": "start", "type": "button", "x": 4, "y": 0, "w": 2, "h": 2,
//!       "label": "Start", "send": { "name": "pump.start", "data": { "id": 1 } } }
//!   ]
//! }
//! ```
//!
//! The widgets and their members are in [`widget`]; paths ([`path`]) are
//! JSON Pointers or juggler paths. Loading reports every problem with its
//! line, column and field path, as the workspace does (shapes first, then
//! what must hold between fields: unique ids, widgets inside the grid,
//! `min` below `max`, colours, the placeholders of request templates). A
//! file of a newer `version` is refused and never overwritten. The text is
//! written in one canonical form ([`Dashboard::to_json_string`]), so a
//! dashboard read and written again is the same bytes. The JSON Schema of
//! the file is [`Dashboard::json_schema`], committed as
//! `crates/studio/dashboard.schema.json`.

pub mod folder;
pub mod path;
mod read;
pub mod runtime;
#[cfg(test)]
mod tests;
mod validate;
pub mod widget;

use std::path::Path;

use schemars::JsonSchema;
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::Value;
use ts_rs::TS;

use crate::error::{Error, Problem, Result};
pub use path::{BoundPath, PathKey};
pub use widget::{Widget, WidgetKind};

/// The file format's version this engine reads and writes.
pub const VERSION: u32 = 1;

/// The file's name in a dashboard folder.
pub const FILE_NAME: &str = "dashboard.json";

/// The JSON Schema's file name, beside it.
pub const SCHEMA_FILE_NAME: &str = "dashboard.schema.json";

/// A dashboard: its title, its grid and its widgets.
#[derive(Debug, Clone, PartialEq, Serialize, TS, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(title = "Juggler Studio dashboard")]
#[ts(export_to = crate::ts::DIR)]
pub struct Dashboard {
    /// The JSON Schema editors use to check and complete this file; kept
    /// as it is.
    #[serde(rename = "$schema", default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub schema: Option<String>,
    /// The file format's version: 1.
    #[schemars(range(min = 1, max = 1))]
    pub version: u32,
    /// The page's title and heading.
    pub title: String,
    /// The grid the widgets are laid on. Default: 12 columns of rows
    /// 48 px high, 8 px apart.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub grid: Option<Grid>,
    /// The widgets, in the order a keyboard visits them.
    #[serde(default)]
    pub widgets: Vec<Widget>,
}

/// The grid of a dashboard.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[ts(export_to = crate::ts::DIR)]
pub struct Grid {
    /// Columns across the page's width, 1–48.
    #[schemars(range(min = 1, max = 48))]
    pub columns: u32,
    /// The height of a row in CSS pixels, 8–400.
    #[schemars(range(min = 8, max = 400))]
    pub row_height: u32,
    /// The space between widgets in CSS pixels, 0–64.
    #[schemars(range(max = 64))]
    pub gap: u32,
}

impl Default for Grid {
    fn default() -> Self {
        Grid {
            columns: 12,
            row_height: 48,
            gap: 8,
        }
    }
}

impl<'de> Deserialize<'de> for Dashboard {
    /// Through [`Dashboard::from_value`]: the first problem is the error.
    fn deserialize<D: Deserializer<'de>>(de: D) -> std::result::Result<Self, D::Error> {
        let value = Value::deserialize(de)?;
        Dashboard::from_value(value).map_err(|problems| {
            let first = problems
                .first()
                .map(ToString::to_string)
                .unwrap_or_default();
            serde::de::Error::custom(first)
        })
    }
}

impl Dashboard {
    /// An empty dashboard.
    pub fn new(title: impl Into<String>) -> Self {
        Dashboard {
            schema: Some(format!("./{SCHEMA_FILE_NAME}")),
            version: VERSION,
            title: title.into(),
            grid: None,
            widgets: Vec::new(),
        }
    }

    /// The grid, or the default one.
    pub fn grid(&self) -> Grid {
        self.grid.unwrap_or_default()
    }

    /// Reads the dashboard file at `path`; fails on any problem.
    pub fn load(path: &Path) -> Result<Dashboard> {
        let text = std::fs::read_to_string(path).map_err(|source| Error::Io {
            path: path.to_path_buf(),
            action: "cannot read the dashboard file".into(),
            source,
        })?;
        Dashboard::parse(&text, &path.display().to_string())
    }

    /// [`Dashboard::load`] of the text of a file that `file` names in
    /// messages.
    pub fn parse(text: &str, file: &str) -> Result<Dashboard> {
        read::parse(text).map_err(|problems| Error::Dashboard {
            file: file.to_owned(),
            problems,
        })
    }

    /// A dashboard from a JSON value (a command's argument): every problem,
    /// with no line or column.
    pub fn from_value(value: Value) -> std::result::Result<Dashboard, Vec<Problem>> {
        read::from_value(value)
    }

    /// One widget from a JSON value (one of the builder's, being edited),
    /// read as a file's `widgets[i]` is: every problem, with no line or
    /// column.
    pub fn widget_from_value(value: Value) -> std::result::Result<Widget, Vec<Problem>> {
        read::widget_from_value(value, "")
    }

    /// What is wrong with this dashboard beyond the shape of its fields.
    pub fn validate(&self) -> Vec<Problem> {
        validate::validate(self)
    }

    /// The file's text: pretty JSON (two-space indent), members in a fixed
    /// order, ending in a newline. Reading it back and writing it again
    /// gives the same bytes.
    pub fn to_json_string(&self) -> String {
        // Plain data with string keys: serializing cannot fail.
        let mut text = serde_json::to_string_pretty(self).unwrap_or_default();
        text.push('\n');
        text
    }

    /// The JSON Schema (draft 2020-12) of the file.
    pub fn json_schema() -> Value {
        serde_json::to_value(schemars::schema_for!(Dashboard)).unwrap_or_default()
    }

    /// The widget with this id.
    pub fn widget(&self, id: &str) -> Option<&Widget> {
        self.widgets.iter().find(|w| w.id == id)
    }
}
