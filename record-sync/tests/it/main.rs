//! The crate's integration tests, in one binary: a binary per file links
//! the crate and every dependency again for each, which on a two-core CI
//! machine is most of the test build. Each module is one former test file
//! and keeps its own docs. The log tests (`tests/logs.rs`) stay a binary
//! of their own, since they install a global subscriber.
#![allow(clippy::unwrap_used)]

mod support;

mod attack;
mod chaos;
mod engine;
mod faults;
mod promise;
mod store_contract;
