//! The crate's integration tests, in one binary: a binary per file links
//! the crate and every dependency again for each, which on a two-core CI
//! machine is most of the test build. Each module is one former test file
//! and keeps its own docs.
#![allow(clippy::unwrap_used)]

mod support;

mod accuracy;
mod accuracy_sparse;
mod accuracy_systmone;
mod attack;
mod rules;
mod systmone;
mod unknown_sex;
