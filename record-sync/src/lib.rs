//! Save online consultations into SystmOne patient records.
//!
//! **Not yet implemented.** This crate is a placeholder in the workspace so
//! that the dependency graph is fixed from the start; it contains no code
//! that pretends to work. It will hold:
//!
//! - a pure state machine per eConsult (not saved, saving, saved, partially
//!   saved, failed; New, Awaiting response, Completed with its toggle);
//! - a planner turning unsaved activity into the fewest
//!   `UpdatePatientRecord` calls;
//! - a durable store (embedded SQLite by default) journalling each intent
//!   before it is sent and each result after;
//! - a background engine that recovers after a crash by reconciling with the
//!   record, so nothing is lost and nothing is saved twice.
//!
//! See `ARCHITECTURE.md` at the repository root for where it fits.
#![forbid(unsafe_code)]
