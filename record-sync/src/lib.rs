//! Save online consultations into SystmOne patient records: first in full,
//! later only what is new, never twice, never to the wrong patient, and
//! nothing lost whatever fails in between.
//!
//! A full save through the [`Engine`], here against the embedded mock
//! SystmOne (`systmone-client`'s feature `mock`, for your tests) and a
//! sample eConsult (`econsult-model`'s feature `samples`):
//!
//! ```
//! # #[cfg(feature = "sqlite")]
//! # #[tokio::main]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! use econsult_model::samples;
//! use record_sync::{Engine, PatientId, SaveState};
//! use record_sync::store::SqliteStore;
//! use systmone_client::client::Client;
//! use systmone_client::mock::{MockSystmOne, Organisation, PatientSeed};
//! use systmone_client::proto::UpdatePatientRecord;
//!
//! let econsult = samples::by_name("01-sore-throat").ok_or("a sample")??;
//! let nhs_number = econsult.patient.nhs_number.ok_or("the sample gives one")?;
//!
//! // A stand-in SystmOne logged on at the eConsult's practice, with the
//! // patient registered there, and a client connected to it.
//! let mock = MockSystmOne::builder()
//!     .organisation(Organisation::single_site(econsult.practice.as_str(), "Test Surgery"))
//!     .patients([PatientSeed::from_demographics(&econsult.patient)])
//!     .start()
//!     .await?;
//! let client = Client::builder("YOUR-TPP-API-KEY", "AcmeConsult 1.0")
//!     .address(mock.addr())
//!     .connect()
//!     .await?;
//!
//! // The journal: an unfinished save resumes when the engine next starts.
//! let dir = tempfile::tempdir()?;
//! let journal = SqliteStore::open(dir.path().join("econsult-journal.sqlite3"))?;
//! let engine = Engine::for_client(&client, journal, dir.path().join("spool"))
//!     .start()
//!     .await?;
//!
//! engine.save(econsult.clone(), PatientId::nhs(nhs_number)).await?; // returns at once
//! engine.idle().await; // a product shows engine.subscribe() instead
//!
//! let state = engine.state(&econsult.id).await?.ok_or("journalled")?;
//! assert_eq!(state.save(), &SaveState::Saved);
//! // The PDF, the ICE and the note in one call.
//! assert_eq!(mock.count::<UpdatePatientRecord>(), 1);
//! engine.shutdown().await;
//! # Ok(())
//! # }
//! # #[cfg(not(feature = "sqlite"))]
//! # fn main() {}
//! ```
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
//! - [`store`]: the durable journal, [`SyncStore`](store::SyncStore);
//!   [`SqliteStore`](store::SqliteStore) (embedded SQLite, the default) and
//!   [`MemoryStore`](store::MemoryStore); and, feature `store-tests`, the
//!   contract every store keeps, for running against your own.
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
//!
//! # Features
//!
//! | feature | default | enables |
//! |---|---|---|
//! | `sqlite` | yes | `SqliteStore`, the journal in an embedded SQLite (rusqlite with SQLite bundled: no system library needed), for the processes of one PC |
//! | `store-tests` | no | `store::contract`: the contract every [`SyncStore`](store::SyncStore) keeps, run by the memory and SQLite stores, for running against your own store |
//!
//! Without `sqlite` the journal is [`MemoryStore`](store::MemoryStore) (tests) or your own
//! [`SyncStore`](store::SyncStore) (a server database, for several PCs).
#![cfg_attr(docsrs, feature(doc_cfg))]
#![forbid(unsafe_code)]

mod clock;
mod engine;
mod error;
mod failure;
mod item;
mod plan;
mod reconcile;
mod spool;
mod state;
pub mod store;

pub use clock::{Clock, SystemClock, TokioClock};
pub use engine::{Engine, EngineBuilder, EngineConfig, Progress, RetryPolicy, SaveReport, Updates};
pub use error::SyncError;
pub use failure::{FailureCause, SaveFailure};
pub use item::{ItemKey, ItemKeyError, MARKER_PREFIX, Marker, neutralise_marker_line};
pub use plan::{
    FileToSpool, PlanConfig, PlanError, PlannedCall, PlannedEntry, SavePlan, is_record_content,
    plan_save,
};
pub use reconcile::{marker_of, markers_in, reconcile_request};
pub use spool::Spool;
pub use state::{SaveKind, SaveState, SyncState, Transition, TransitionError};
pub use systmone_client::patient::PatientId;
