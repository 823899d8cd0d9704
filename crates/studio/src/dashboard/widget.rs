//! The widgets of a dashboard: where each sits on the grid, and what it
//! shows or sends. In the file a widget is one flat object whose `type`
//! says which kind it is:
//!
//! ```json
//! { "id": "level", "type": "gauge", "x": 0, "y": 0, "w": 3, "h": 3,
//!   "title": "Level", "path": "/level/value", "min": 0, "max": 100 }
//! ```
//!
//! Reading is done by hand ([`super::read`]) so that a problem names the
//! exact field (`widgets[2].thresholds[0].color`), which serde's own
//! internally tagged enums cannot do.

use schemars::JsonSchema;
use serde::ser::{Error as _, SerializeMap};
use serde::{Deserialize, Serialize, Serializer};
use serde_json::{Number, Value};
use ts_rs::TS;

use super::path::BoundPath;

/// One widget: its place on the grid, its title, its kind. Written as
/// `id`, `type`, `title`, `x`, `y`, `w`, `h`, then the kind's members.
#[derive(Debug, Clone, PartialEq, TS, JsonSchema)]
#[ts(export_to = crate::ts::DIR)]
pub struct Widget {
    /// Unique in the dashboard: letters, digits, `-`, `_` and `.`.
    pub id: String,
    /// Column of the left edge, from 0.
    pub x: u32,
    /// Row of the top edge, from 0.
    pub y: u32,
    /// Width in columns, at least 1.
    #[schemars(range(min = 1))]
    pub w: u32,
    /// Height in rows, at least 1.
    #[schemars(range(min = 1))]
    pub h: u32,
    /// The caption above the widget.
    #[ts(optional)]
    pub title: Option<String>,
    /// What it shows or sends.
    #[ts(flatten)]
    #[schemars(flatten)]
    pub kind: WidgetKind,
}

impl Serialize for Widget {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let Value::Object(kind) = serde_json::to_value(&self.kind).map_err(S::Error::custom)?
        else {
            return Err(S::Error::custom("a widget's kind is an object"));
        };
        let mut map = s.serialize_map(None)?;
        map.serialize_entry("id", &self.id)?;
        if let Some(kind) = kind.get("type") {
            map.serialize_entry("type", kind)?;
        }
        if let Some(title) = &self.title {
            map.serialize_entry("title", title)?;
        }
        map.serialize_entry("x", &self.x)?;
        map.serialize_entry("y", &self.y)?;
        map.serialize_entry("w", &self.w)?;
        map.serialize_entry("h", &self.h)?;
        for (key, value) in &kind {
            if key != "type" {
                map.serialize_entry(key, value)?;
            }
        }
        map.end()
    }
}

/// The members every widget has besides its `type`; the rest belong to its
/// kind.
pub(crate) const COMMON_FIELDS: [&str; 6] = ["id", "x", "y", "w", "h", "title"];

/// The members [`COMMON_FIELDS`] names, read on their own.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Common {
    pub(crate) id: String,
    #[serde(deserialize_with = "cells_from_0")]
    pub(crate) x: u32,
    #[serde(deserialize_with = "cells_from_0")]
    pub(crate) y: u32,
    #[serde(deserialize_with = "cells_from_1")]
    pub(crate) w: u32,
    #[serde(deserialize_with = "cells_from_1")]
    pub(crate) h: u32,
    #[serde(default)]
    pub(crate) title: Option<String>,
}

// serde's own message for -1 or 2.5 in a u32 was "invalid number", which
// says neither what was wrong nor what a grid place takes.
fn cells_from_0<'de, D: serde::Deserializer<'de>>(de: D) -> Result<u32, D::Error> {
    cells(de, 0)
}

fn cells_from_1<'de, D: serde::Deserializer<'de>>(de: D) -> Result<u32, D::Error> {
    cells(de, 1)
}

/// A whole number of cells; `least` is only told (a width of 0 is the
/// validation's to name).
fn cells<'de, D: serde::Deserializer<'de>>(de: D, least: u32) -> Result<u32, D::Error> {
    let value = Value::deserialize(de)?;
    if !value.is_number() {
        return u32::deserialize(value).map_err(serde::de::Error::custom);
    }
    value
        .as_u64()
        .and_then(|n| u32::try_from(n).ok())
        .ok_or_else(|| {
            serde::de::Error::custom(format!(
                "{value} is not a whole number of grid cells: use {least} or more, without a fraction"
            ))
        })
}

/// What a widget shows or sends, by its `type`.
#[derive(Debug, Clone, PartialEq, Serialize, TS, JsonSchema)]
#[serde(tag = "type", rename_all = "camelCase")]
#[ts(export_to = crate::ts::DIR)]
pub enum WidgetKind {
    /// A value at a path, formatted.
    Value(ValueWidget),
    /// A coloured lamp for a boolean, or a value→colour map.
    Lamp(LampWidget),
    /// A number between a minimum and a maximum, as an arc or a bar.
    Gauge(GaugeWidget),
    /// An array of objects as rows.
    Table(TableWidget),
    /// Numbers over time, sampled on every change.
    Trend(TrendWidget),
    /// Sends a request.
    Button(ButtonWidget),
    /// Shows a boolean and sends its opposite.
    Toggle(ToggleWidget),
    /// Shows a number and sends a new one.
    Setpoint(SetpointWidget),
    /// The notifications the page receives.
    Notifications(NotificationsWidget),
    /// A subtree of the state as JSON.
    Json(JsonWidget),
    /// Static text or a heading.
    Text(TextWidget),
}

/// Every `type`, in the order of the palette.
pub const KINDS: [&str; 11] = [
    "value",
    "lamp",
    "gauge",
    "table",
    "trend",
    "button",
    "toggle",
    "setpoint",
    "notifications",
    "json",
    "text",
];

/// How a value is shown.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, TS, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[ts(export_to = crate::ts::DIR)]
pub enum ValueFormat {
    /// Numbers with `decimals`, strings as they are, the rest as JSON.
    #[default]
    Auto,
    /// A number with `decimals` and thousands separators.
    Number,
    /// As text.
    Text,
    /// Compact JSON.
    Json,
    /// A date and time in the browser's time zone, from an ISO 8601
    /// string or milliseconds since 1970.
    Datetime,
    /// Yes or no.
    Boolean,
}

/// A value at a path.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[ts(export_to = crate::ts::DIR)]
pub struct ValueWidget {
    /// Where the value is in the state.
    pub path: BoundPath,
    /// How it is shown. Default `"auto"`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub format: Option<ValueFormat>,
    /// Shown after the value (`"%"`, `"bar"`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub unit: Option<String>,
    /// Digits after the decimal point of a number, 0–10.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub decimals: Option<u8>,
}

/// A lamp: a boolean is on (green) or off (grey) unless `colors` says
/// otherwise; any other value takes the colour of the first entry equal to
/// it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[ts(export_to = crate::ts::DIR)]
pub struct LampWidget {
    /// Where the value is in the state.
    pub path: BoundPath,
    /// Value → colour, first match wins.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub colors: Option<Vec<LampColor>>,
}

/// One entry of a lamp's colour map.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[ts(export_to = crate::ts::DIR)]
pub struct LampColor {
    /// The value (any JSON) this entry is for.
    #[ts(as = "crate::ts::JsonValue")]
    pub value: Value,
    /// A CSS colour: `#rgb`, `#rrggbb`, `#rrggbbaa` or a name (`red`).
    pub color: String,
    /// Text beside the lamp.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub label: Option<String>,
}

/// How a gauge is drawn.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, TS, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[ts(export_to = crate::ts::DIR)]
pub enum GaugeStyle {
    /// A half circle.
    #[default]
    Arc,
    /// A horizontal bar.
    Bar,
}

/// A number between `min` and `max`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[ts(export_to = crate::ts::DIR)]
pub struct GaugeWidget {
    /// Where the number is in the state.
    pub path: BoundPath,
    /// The value at the empty end.
    #[ts(type = "number")]
    pub min: Number,
    /// The value at the full end (above `min`).
    #[ts(type = "number")]
    pub max: Number,
    /// An arc or a bar. Default `"arc"`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub style: Option<GaugeStyle>,
    /// Shown after the value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub unit: Option<String>,
    /// Digits after the decimal point, 0–10.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub decimals: Option<u8>,
    /// Colours from a value up, in ascending order of `from`; below the
    /// first, the theme's accent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub thresholds: Option<Vec<Threshold>>,
}

/// A gauge's colour from a value up.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[ts(export_to = crate::ts::DIR)]
pub struct Threshold {
    /// From this value up (to the next threshold).
    #[ts(type = "number")]
    pub from: Number,
    /// A CSS colour.
    pub color: String,
}

/// An array of objects as rows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[ts(export_to = crate::ts::DIR)]
pub struct TableWidget {
    /// Where the array is in the state.
    pub path: BoundPath,
    /// The columns, in order.
    pub columns: Vec<TableColumn>,
    /// A button on each row that sends a request about it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub row_action: Option<RowAction>,
}

/// A column of a table: one member of each row.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[ts(export_to = crate::ts::DIR)]
pub struct TableColumn {
    /// The member of the row.
    pub key: String,
    /// The header. Default: the key.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub label: Option<String>,
    /// How the cells are shown. Default `"auto"`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub format: Option<ValueFormat>,
    /// Shown after each cell's value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub unit: Option<String>,
    /// Digits after the decimal point, 0–10.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub decimals: Option<u8>,
}

/// The button on each row of a table.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[ts(export_to = crate::ts::DIR)]
pub struct RowAction {
    /// The button's text.
    pub label: String,
    /// The request; its data defaults to `"{{row}}"`, the row itself.
    pub send: SendRequest,
}

/// A request a widget sends. `data` is a template: a string that is
/// exactly `{{value}}`, `{{row}}`, `{{row.id}}`, `{{now}}` or `{{nowMs}}`
/// becomes that value; inside longer text it becomes text.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[ts(export_to = crate::ts::DIR)]
pub struct SendRequest {
    /// The request's name.
    pub name: String,
    /// The request's data (a template). Default: `null` for a button,
    /// `"{{value}}"` for a toggle or a setpoint, `"{{row}}"` for a row.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional, as = "Option<crate::ts::JsonValue>")]
    pub data: Option<Value>,
    /// Ask this question (a template) before sending; no question, no
    /// asking.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub confirm: Option<String>,
}

/// Numbers over time.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[ts(export_to = crate::ts::DIR)]
pub struct TrendWidget {
    /// The lines, 1 to 8.
    pub series: Vec<TrendSeries>,
    /// How much time the chart shows, in minutes (up to a day).
    #[ts(type = "number")]
    pub window_minutes: Number,
    /// The bottom of the scale. Default: the lowest point shown.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional, type = "number")]
    pub min: Option<Number>,
    /// The top of the scale. Default: the highest point shown.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional, type = "number")]
    pub max: Option<Number>,
    /// Shown after the latest values.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub unit: Option<String>,
    /// Digits after the decimal point of the latest values and the scale,
    /// 0–10. Default: up to 3.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub decimals: Option<u8>,
}

/// One line of a trend.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[ts(export_to = crate::ts::DIR)]
pub struct TrendSeries {
    /// Where the number is in the state.
    pub path: BoundPath,
    /// Its name in the legend. Default: the path.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub label: Option<String>,
    /// A CSS colour. Default: one of the theme's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub color: Option<String>,
}

/// A button that sends a request and shows its answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[ts(export_to = crate::ts::DIR)]
pub struct ButtonWidget {
    /// The button's text.
    pub label: String,
    /// The request.
    pub send: SendRequest,
    /// The value `{{value}}` stands for in the request's data.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub path: Option<BoundPath>,
}

/// A switch: shows a boolean, sends its opposite as `{{value}}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[ts(export_to = crate::ts::DIR)]
pub struct ToggleWidget {
    /// Where the boolean is in the state.
    pub path: BoundPath,
    /// The request that sets it.
    pub send: SendRequest,
}

/// A number to read and to set: the new one is sent as `{{value}}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[ts(export_to = crate::ts::DIR)]
pub struct SetpointWidget {
    /// Where the number is in the state.
    pub path: BoundPath,
    /// The request that sets it.
    pub send: SendRequest,
    /// The lowest value that may be sent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional, type = "number")]
    pub min: Option<Number>,
    /// The highest value that may be sent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional, type = "number")]
    pub max: Option<Number>,
    /// The input's step. Default: any number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional, type = "number")]
    pub step: Option<Number>,
    /// Shown after the value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub unit: Option<String>,
    /// Digits after the decimal point, 0–10.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub decimals: Option<u8>,
}

/// The notifications the page receives, newest first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[ts(export_to = crate::ts::DIR)]
pub struct NotificationsWidget {
    /// Only notifications of these names. Default: all.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub names: Option<Vec<String>>,
    /// How many are kept, 1–1000. Default 50.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub max: Option<u32>,
}

/// A subtree of the state as indented JSON.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[ts(export_to = crate::ts::DIR)]
pub struct JsonWidget {
    /// Where the subtree is; `""` or `[]` is the whole state.
    pub path: BoundPath,
}

/// How static text is set.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, TS, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[ts(export_to = crate::ts::DIR)]
pub enum TextStyle {
    /// A paragraph.
    #[default]
    Text,
    /// A heading.
    Heading,
}

/// Static text.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[ts(export_to = crate::ts::DIR)]
pub struct TextWidget {
    /// The text (plain, no markup).
    pub text: String,
    /// A paragraph or a heading. Default `"text"`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub style: Option<TextStyle>,
}
