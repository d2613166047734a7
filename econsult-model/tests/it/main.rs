//! The crate's integration tests, in one binary: a binary per file links
//! the crate and every dependency again for each, which on a two-core CI
//! machine is most of the test build. Each module is one former test file.

mod format_doc;
#[cfg(feature = "proptest")]
mod json;
#[cfg(all(feature = "pdf", feature = "samples", feature = "proptest"))]
mod pdf;
