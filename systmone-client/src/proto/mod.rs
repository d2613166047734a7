//! The Client Integration wire protocol: framing, the envelope, and one
//! typed request and response for each of SystmOne's 17 functions.
//!
//! Strict in what it emits (the schema's element order and casing, one
//! document per line, everything escaped) and lenient in what it accepts
//! (any order, any ASCII case, known spelling variants, pretty-printed
//! documents, dates with fractions or a `Z`, empty optional elements).
//! See `PROTOCOL.md` in the shared design folder for the rules this follows.

mod envelope;
mod framing;
mod functions;
#[cfg(any(test, feature = "proptest"))]
pub mod strategy;
mod types;
pub mod xml;

pub use envelope::*;
pub use framing::{DEFAULT_MAX_DEPTH, DEFAULT_MAX_DOCUMENT_LEN, DocumentCodec, FrameError};
pub use functions::*;
pub use types::*;
pub use xml::{DecodeError, DecodeErrorKind, Element, EncodeError, EncodeOptions, NhsNumberCasing};
#[cfg(test)]
mod tests;
