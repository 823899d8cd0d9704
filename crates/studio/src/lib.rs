//! The Juggler Studio engine, with no GUI dependency: the same code runs in
//! the desktop app, headless (`juggler-studio`), and in tests.
//!
//! The pure core (no sockets, no tasks), each part tested on its own:
//! - [`workspace`]: the workspace file (server settings, initial state,
//!   rules, notify presets, remote bookmarks), loaded with errors that name
//!   the line and the field, saved atomically, described by a JSON Schema.
//! - [`rules`] and [`template`]: how requests are answered.
//! - [`history`]: undo/redo of the state document.
//! - [`traffic`]: the bounded, filterable log of frames.
//! - [`scenario`] and [`schemas`]: scenario steps and reports, schema
//!   checks of the state and the requests.
//!
//! The runtime built on it:
//! - [`engine`], [`command`], [`control`], [`remote`]: the live engine and
//!   its control endpoint (see `CONTROL.md`), whose model is laid out in
//!   [`model`].
//!
//! Types that the UI sees derive `ts_rs::TS`; see [`bindings`].

pub mod app;
pub mod bindings;
pub mod check;
pub mod command;
/// The former name of [`command`].
pub use command as commands;
pub mod control;
pub mod dashboard;
pub mod demo;
pub mod devloop;
pub mod engine;
pub mod error;
pub mod history;
mod json;
pub mod mock;
pub mod model;
pub mod panes;
pub mod proxy;
pub mod recording;
pub mod remote;
pub mod rules;
pub mod scaffold;
pub mod scenario;
pub mod schemas;
pub mod template;
pub mod time;
pub mod traffic;
pub mod ts;
pub mod ui_assets;
pub mod workspace;

pub use engine::Engine;

/// The log filter when `RUST_LOG` says nothing: the studio's news at INFO,
/// without the file watcher's (it tells at INFO of every watch it could not
/// remove after a watched folder went away, which is expected and says
/// nothing to a user).
pub const DEFAULT_LOG_FILTER: &str = "info,notify=warn";
pub use error::{Error, Problem, Result};
pub use workspace::Workspace;
