#![doc = include_str!("../README.md")]
//!
//! The main types: [`Storage`] (the observable JSON value, `json.Storage`
//! of the reference), [`Server`] / [`ServerBuilder`] (`listen`) and
//! [`Client`] / [`ClientBuilder`] (`connect`).

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
pub use error::{CertificateRefusal, ConnectFailure, Error, Result};
pub use link::Direction;
pub use message::Message;
pub use path::{Path, Step};
pub use server::{Connection, HandlerError, NotifyOverflow, Server, ServerBuilder, listen};
pub use storage::{Storage, StorageWatch};
pub use tap::{MessageView, Patch, Tapped};
pub use tls::Trust;
pub use transport::{Generation, TransportConfig};
