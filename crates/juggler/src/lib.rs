//! The Hat Open juggler protocol in async Rust.
//!
//! A juggler server holds a JSON *state* per connection (or one shared by
//! all), mirrors it to each client as JSON Patch diffs, pushes
//! *notifications* and answers *requests*. This crate is wire-compatible with
//! the reference, `hat-juggler` (PyPI) and `@hat-open/juggler` (npm), in both
//! wire generations (0.6 and 0.7).
//!
//! - [`Storage`]: the observable JSON value (`json.Storage` of the reference).
//! - [`Server`] / [`ServerBuilder`]: `listen`, with static files, TLS, Basic
//!   auth, autoflush, shared state and parallel requests.
//! - [`Client`] / [`connect`]: the mirror of a remote server's state, requests
//!   and notifications.

pub mod client;
pub mod diff;
mod dropper;
pub mod error;
pub mod json;
mod link;
pub mod message;
pub mod path;
mod raw_text;
pub mod server;
pub mod storage;
mod tap;
#[cfg(test)]
mod test_values;
pub mod tls;
pub mod transport;
mod value_parser;

pub use client::{Client, ClientBuilder, connect};
pub use error::{CertificateRefusal, Error, Result};
pub use link::Direction;
pub use message::Message;
pub use path::{Path, Step};
pub use server::{Connection, HandlerError, NotifyOverflow, Server, ServerBuilder, listen};
pub use storage::{Storage, StorageWatch};
pub use tap::{MessageView, Patch, Tapped};
pub use tls::Trust;
pub use transport::{Generation, TransportConfig};
