//! Client for TPP SystmOne's *Client Integration* interface.
//!
//! **Not yet implemented.** This crate is a placeholder in the workspace so
//! that the dependency graph is fixed from the start; it contains no code
//! that pretends to work. It will hold:
//!
//! - `proto`: the wire codec for all 17 functions of the interface (XML
//!   documents, one per line, over a local TCP socket), strict in what it
//!   emits and lenient in what it accepts;
//! - `Client`: a cloneable async handle whose single dispatcher task owns the
//!   connection, SystmOne's one-request-per-second throttle (with priority
//!   lanes), the Device ID and reconnects;
//! - `mock` (feature `mock`) and the `systmone-mock` binary: a stateful,
//!   throttled stand-in for SystmOne with fault injection, for tests and
//!   demos.
//!
//! See `ARCHITECTURE.md` at the repository root for where it fits.
#![forbid(unsafe_code)]
