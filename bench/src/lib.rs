//! The pure parts of the benchmark harness, shared by the `bench` binary
//! (the load generator and its scenarios) and the criterion benchmarks:
//! the correctness checkers ([`check`], [`mirror`]), the generated documents
//! ([`docgen`]) and the error type ([`Error`]).
//!
//! See `bench/README.md` for the command and what it measures.

pub mod build;
pub mod check;
pub mod docgen;
pub mod error;
pub mod mirror;

pub use error::{Error, Result};
