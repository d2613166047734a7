//! Client for TPP SystmOne's *Client Integration* interface.
//!
//! - [`proto`]: the wire codec shared by the client and the mock server:
//!   framing as a `tokio_util` codec, the envelope, and typed requests and
//!   responses.
//!
//! Still to come (later issues): `Client`, a cloneable async handle whose
//! dispatcher owns the connection, the throttle, the Device ID and
//! reconnects; and `mock`, a faithful stand-in for SystmOne.
#![forbid(unsafe_code)]
#![warn(missing_docs, missing_debug_implementations, unreachable_pub)]

#[cfg(feature = "mock")]
pub mod mock;
pub mod proto;
