//! Client for TPP SystmOne's *Client Integration* interface.
//!
//! - [`proto`]: the wire codec shared by the client and the mock server:
//!   framing as a `tokio_util` codec, the envelope, and typed requests and
//!   responses.
//!
//! - `mock` (feature `mock`): a faithful, stateful stand-in for SystmOne
//!   over loopback TCP, with SystmOne's throttle, pairing and fault
//!   injection, for tests and demos; also the `systmone-mock` binary.
//!
//! Still to come (a later issue): `Client`, a cloneable async handle whose
//! dispatcher owns the connection, the throttle, the Device ID and
//! reconnects.
#![forbid(unsafe_code)]
#![warn(missing_docs, missing_debug_implementations, unreachable_pub)]

#[cfg(feature = "mock")]
pub mod mock;
pub mod proto;
