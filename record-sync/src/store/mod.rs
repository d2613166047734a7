//! The durable journal of saves: what each eConsult is and where its saving
//! stands, every intent before it is sent and what came of it after.
//!
//! The engine's promise (nothing lost, nothing twice) rests on one rule:
//! **an intent is journalled before its call is sent, and resolved only
//! with what is known to be in the record.** An intent still open when the
//! engine starts is one whose call may or may not have landed; it is
//! reconciled with the record before anything is sent again.
//!
//! [`SqliteStore`] (feature `sqlite`, the default) keeps the journal in an
//! embedded SQLite file on the practice PC; [`MemoryStore`] keeps it in
//! memory, for tests and for products that journal elsewhere. A practice
//! with several PCs, or a vendor's cloud, can implement [`SyncStore`] on a
//! shared server database: every method is one transaction, and
//! [`SyncStore::acquire_lease`] must be atomic across processes.

mod memory;
#[cfg(feature = "sqlite")]
mod sqlite;

use std::fmt;
use std::path::PathBuf;
use std::str::FromStr;

use chrono::NaiveDate;
use econsult_model::{EConsult, EConsultId};
use serde::{Deserialize, Serialize};

pub use memory::MemoryStore;
#[cfg(feature = "sqlite")]
pub use sqlite::SqliteStore;

use crate::{ItemKey, PatientRef, SyncError, SyncState};

/// An intent's idempotency key: 128 random bits as 32 lower-case hex
/// digits. It names the intent in the journal, its spool files, and the
/// logs.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct IntentKey(String);

/// Text that is not an [`IntentKey`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0:?} is not an intent key (32 lower-case hexadecimal digits)")]
pub struct IntentKeyError(String);

impl IntentKey {
    /// A new random key.
    pub fn generate() -> Self {
        use rand::RngExt as _;
        let mut rng: rand::rngs::ChaCha8Rng = rand::make_rng();
        let bits: u128 = rng.random();
        Self(format!("{bits:032x}"))
    }

    /// The key as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for IntentKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl FromStr for IntentKey {
    type Err = IntentKeyError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let ok = text.len() == 32 && text.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'));
        if ok {
            Ok(Self(text.to_owned()))
        } else {
            Err(IntentKeyError(text.chars().take(40).collect()))
        }
    }
}

impl TryFrom<String> for IntentKey {
    type Error = IntentKeyError;

    fn try_from(text: String) -> Result<Self, Self::Error> {
        text.parse()
    }
}

impl From<IntentKey> for String {
    fn from(key: IntentKey) -> Self {
        key.0
    }
}

/// One `UpdatePatientRecord` about to be sent: journalled before the call.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Intent {
    /// Its idempotency key.
    pub key: IntentKey,
    /// The eConsult.
    pub econsult: EConsultId,
    /// The patient whose record it writes to.
    pub patient: PatientRef,
    /// The items it writes, one event each, in order.
    pub items: Vec<ItemKey>,
    /// Its spool files (removed once it is resolved).
    pub files: Vec<PathBuf>,
    /// SystmOne's local date when it was sent: reconciliation reads the
    /// record's entries from this date.
    pub sent_on: NaiveDate,
    /// When it was journalled (milliseconds since the Unix epoch).
    pub created_ms: i64,
}

/// An item known to be in the record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SavedItem {
    /// The item.
    pub item: ItemKey,
    /// The EventUID SystmOne gave its event, when known.
    pub event_uid: Option<String>,
    /// The intent that wrote it.
    pub intent: IntentKey,
}

/// An eConsult as the journal holds it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tracked {
    /// Its latest content.
    pub econsult: EConsult,
    /// The patient it is saved to.
    pub patient: PatientRef,
    /// Where its saving and workflow stand.
    pub state: SyncState,
    /// Whether a person asked for a save that has not yet succeeded or
    /// failed for good.
    pub save_requested: bool,
    /// How many saves have been asked for: a save that ends with more asked
    /// for than when it started leaves `save_requested` set.
    pub requests: u64,
}

impl Tracked {
    /// Whether the engine has a save to do for it: one was asked for (a
    /// save, or completing with the toggle on) and something is unsaved.
    pub fn wants_save(&self) -> bool {
        self.save_requested && self.state.next_save().is_some()
    }
}

/// What [`SyncStore::acquire_lease`] found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Lease {
    /// The caller holds the lease until `now + ttl`.
    Acquired,
    /// Another owner holds it.
    HeldBy {
        /// Who.
        owner: String,
        /// Until when (milliseconds since the Unix epoch).
        expires_ms: i64,
    },
}

/// A read-modify-write of one eConsult, run inside one transaction: given
/// what is journalled (if anything), return what should be, or refuse.
pub type Change = Box<dyn FnOnce(Option<Tracked>) -> Result<Tracked, SyncError> + Send>;

/// The journal could not be read or written.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the save journal failed: {message}; check the disk and the journal's file permissions")]
pub struct StoreError {
    /// What failed.
    pub message: String,
}

impl StoreError {
    /// A failure described by `message`.
    pub fn new(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
        }
    }
}

/// The durable journal the engine works from. Each method is atomic.
#[async_trait::async_trait]
pub trait SyncStore: Send + Sync + fmt::Debug {
    /// The eConsult, if it is journalled.
    async fn load(&self, econsult: &EConsultId) -> Result<Option<Tracked>, StoreError>;

    /// Reads, changes and writes one eConsult atomically (across processes
    /// for a shared store). A refusal from `change` writes nothing and is
    /// returned as it is.
    async fn change(&self, econsult: &EConsultId, change: Change) -> Result<Tracked, SyncError>;

    /// Journals an intent before its call is sent.
    async fn begin_intent(&self, intent: &Intent) -> Result<(), StoreError>;

    /// Resolves an intent with the items known to have landed (none when
    /// SystmOne did not act on it), recording them as saved, atomically. An
    /// item already recorded as saved keeps its first record.
    async fn finish_intent(&self, key: &IntentKey, landed: &[SavedItem]) -> Result<(), StoreError>;

    /// The intents not yet resolved: of one eConsult, or of all.
    async fn open_intents(&self, econsult: Option<&EConsultId>) -> Result<Vec<Intent>, StoreError>;

    /// The items of an eConsult known to be in the record.
    async fn saved_items(&self, econsult: &EConsultId) -> Result<Vec<SavedItem>, StoreError>;

    /// The eConsults with work to do: a save asked for and not finished,
    /// or an open intent.
    async fn with_work(&self) -> Result<Vec<EConsultId>, StoreError>;

    /// Takes (or renews) the lease on an eConsult for `owner` until
    /// `now_ms + ttl_ms`, unless another owner holds an unexpired one.
    async fn acquire_lease(
        &self,
        econsult: &EConsultId,
        owner: &str,
        now_ms: i64,
        ttl_ms: i64,
    ) -> Result<Lease, StoreError>;

    /// Gives the lease up, if `owner` holds it.
    async fn release_lease(&self, econsult: &EConsultId, owner: &str) -> Result<(), StoreError>;
}

#[cfg(test)]
pub(crate) mod contract;
