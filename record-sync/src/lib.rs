//! Save online consultations into SystmOne patient records: first in full,
//! later only what is new, never twice, never to the wrong patient, and
//! nothing lost whatever fails in between.
//!
//! The pieces, each usable on its own:
//!
//! - [`SyncState`]: a pure state machine per eConsult (not saved, saving,
//!   saved, partially saved, failed; New, Awaiting response, Completed with
//!   the "update the clinical system" toggle). Illegal transitions are
//!   typed errors.
//! - [`plan_save`]: what is not yet in the record, as the fewest
//!   `UpdatePatientRecord` calls (usually one): the PDF and ICE, each email
//!   and SMS as its own event, the latest PDF after new activity. Every
//!   event carries a [`Marker`] naming it.
//! - [`SyncStore`]: the durable journal; [`SqliteStore`] (embedded SQLite,
//!   the default) and [`MemoryStore`].
//! - [`Engine`]: the background worker. It checks that SystmOne is logged
//!   on at the eConsult's practice, journals each intent before its call
//!   and its EventUIDs after, reconciles a call whose outcome is not known
//!   by looking for its markers in the record (twice, a settle time apart,
//!   before sending anything again), retries with backoff, and works under
//!   a fenced lease so two engines never save one eConsult at once, even
//!   when one of them stalls past its lease.
//!
//! Failures are [`SaveFailure`]s: "Failed to save eConsult to record" with
//! a [`FailureCause`] and whether a retry can help.
//!
//! Events are hidden from the patient's online record or not according to
//! the device's "Visible in the Online Record" setting in SystmOne
//! (PROTOCOL.md §4.3): there is no per-event flag to send.
#![forbid(unsafe_code)]

mod clock;
mod engine;
mod error;
mod failure;
mod item;
mod patient;
mod plan;
mod reconcile;
mod spool;
mod state;
mod store;

pub use clock::{Clock, SystemClock, TokioClock};
pub use engine::{Engine, EngineBuilder, EngineConfig, Progress, RetryPolicy, SaveReport, Updates};
pub use error::SyncError;
pub use failure::{FailureCause, SaveFailure};
pub use item::{ItemKey, ItemKeyError, MARKER_PREFIX, Marker, neutralise_marker_line};
pub use patient::PatientRef;
pub use plan::{
    FileToSpool, PlanConfig, PlanError, PlannedCall, PlannedEntry, SavePlan, is_record_content,
    plan_save,
};
pub use reconcile::{marker_of, markers_in, reconcile_request};
pub use spool::Spool;
pub use state::{SaveKind, SaveState, SyncState, Transition, TransitionError};
#[cfg(feature = "sqlite")]
pub use store::SqliteStore;
pub use store::{
    Change, Intent, IntentKey, IntentKeyError, Lease, LeaseToken, MemoryStore, SavedItem,
    StoreError, SyncStore, Tracked,
};
