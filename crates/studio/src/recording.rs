//! Recordings of juggler sessions: what a client saw of a server (a remote
//! session, `juggler-studio record`) or what the studio's server sent one
//! dashboard, as an NDJSON file that a crash leaves readable.
//!
//! - [`format`]: the file layout (a header line, then one entry per line).
//! - [`writer`]: [`Recorder`], which writes each entry as it happens.
//! - [`reader`]: [`Recording::read`], tolerant of a last line cut short.
//! - [`timeline`]: [`Timeline`], the state at any step rebuilt from the
//!   diffs, and the change history of any path.
//! - [`brief`]: entries with their big values described, for lists.
//!
//! All of it is pure file and JSON work; the engine drives it.

pub mod brief;
pub mod capture;
pub mod format;
pub mod reader;
pub mod timeline;
pub mod writer;

#[cfg(test)]
mod tests;

pub use format::{Entry, Event, FORMAT, Header, VERSION};
pub use reader::Recording;
pub use timeline::{PathChange, Timeline};
pub use writer::Recorder;
