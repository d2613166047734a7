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
//! - [`client`] (feature `client`, on by default): the async, throttled
//!   [`Client`](client::Client), a cloneable handle whose dispatcher task owns
//!   the connection, SystmOne's rate limits, the Device ID and reconnects;
//!   and the [`SystmOneApi`](client::SystmOneApi) seam for unit tests.
#![forbid(unsafe_code)]
#![warn(missing_docs, missing_debug_implementations, unreachable_pub)]

#[cfg(feature = "client")]
pub mod client;
#[cfg(feature = "mock")]
pub mod mock;
pub mod proto;
#[cfg(any(feature = "client", feature = "mock"))]
mod uuid;
