//! The Client Integration wire protocol: framing, the envelope, and one
//! typed request and response for each of SystmOne's 17 functions.
//!
//! Strict in what it emits (the schema's element order and casing, one
//! document per line, everything escaped) and lenient in what it accepts
//! (any order, any ASCII case, known spelling variants, pretty-printed
//! documents, dates with fractions or a `Z`, empty optional elements).
//! See `PROTOCOL.md` in the shared design folder for the rules this follows.

mod framing;
#[cfg(any(test, feature = "proptest"))]
pub mod strategy;
mod types;
pub mod xml;

pub use framing::{DEFAULT_MAX_DEPTH, DEFAULT_MAX_DOCUMENT_LEN, DocumentCodec, FrameError};
pub use types::*;
