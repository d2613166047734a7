//! The crate's integration tests, in one binary: a binary per file links
//! the crate and every dependency again for each, which on a two-core CI
//! machine is most of the test build. Each module is one former test file
//! and keeps its own docs. The log tests (`tests/client_logs.rs`) stay a
//! binary of their own, since they install a global subscriber.
#![allow(clippy::unwrap_used)]

#[cfg(feature = "mock")]
mod support;

mod attack_patient;
mod client_api;
mod client_faults;
mod client_options;
mod client_pairing;
mod client_throttle;
mod client_wire;
mod golden;
mod mock_delete;
mod mock_faults;
mod mock_functions;
mod mock_pairing;
mod mock_runtime;
mod mock_smoke;
mod mock_throttle;
mod mock_wire;
