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
//! embedded SQLite file on one practice PC (several processes on that PC
//! may share it; PCs may not: SQLite over a network share is not safe);
//! [`MemoryStore`] keeps it in memory, for tests and for products that
//! journal elsewhere. A practice with several PCs, or a vendor's cloud,
//! implements [`SyncStore`] on a shared server database: every method is
//! one transaction, and the lease methods are atomic across processes.
//!
//! # Leases are fences
//!
//! An engine works on an eConsult only under its lease
//! ([`SyncStore::acquire_lease`]). Every takeover gives the lease a new
//! **generation**, and every write an engine makes while working
//! (`change` with a fence, [`begin_intent`](SyncStore::begin_intent),
//! [`finish_intent`](SyncStore::finish_intent),
//! [`renew_lease`](SyncStore::renew_lease)) succeeds only while the
//! [`LeaseToken`] it holds is still the current generation; otherwise it
//! fails with [`StoreError::LeaseLost`] and writes nothing. So a holder that
//! was paused past its lease (a sleeping laptop, a stalled process) cannot
//! undo or double the work of the engine that took over. Expiry is judged
//! by **the store's clock** alone (the process's monotonic clock for
//! [`MemoryStore`], the PC's clock for [`SqliteStore`], the database
//! server's for a server database), never by an engine's: a PC whose clock
//! is minutes off neither steals a live lease nor keeps a dead one. The
//! assumption is that this one clock is not stepped forward while a save
//! is in flight: the holder stops sending by its own monotonic clock, so a
//! forward step of the store's clock lets another engine in that much
//! early.

mod memory;
#[cfg(feature = "sqlite")]
mod sqlite;

use std::fmt;
use std::path::PathBuf;
use std::str::FromStr;
use std::time::{Duration, SystemTime};

use chrono::{NaiveDate, NaiveDateTime};
use econsult_model::{EConsult, EConsultId};
use serde::{Deserialize, Serialize};

pub use memory::MemoryStore;
#[cfg(feature = "sqlite")]
pub use sqlite::SqliteStore;

use crate::{ItemKey, PatientId, SyncError, SyncState};

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
    pub patient: PatientId,
    /// The items it writes, one event each, in order.
    pub items: Vec<ItemKey>,
    /// Its spool files (removed once it is resolved).
    pub files: Vec<PathBuf>,
    /// The local date-time of the PC SystmOne runs on when it was sent:
    /// reconciliation reads the record's entries around this date.
    pub sent_at: NaiveDateTime,
    /// When it was journalled, by the engine's clock (used only to keep
    /// intents in order).
    pub created: SystemTime,
}

impl Intent {
    /// The PC's local date when it was sent.
    pub fn sent_on(&self) -> NaiveDate {
        self.sent_at.date()
    }
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
    pub patient: PatientId,
    /// Where its saving and workflow stand.
    pub state: SyncState,
    /// Whether a person asked for a save that has not yet succeeded or
    /// failed for good.
    pub save_requested: bool,
    /// How many saves have been asked for: a save that ends with more asked
    /// for than when it started leaves `save_requested` set.
    pub requests: u64,
    /// How many saves the engines have started: anything sent for the
    /// eConsult was sent by one of them, so a count that has not moved
    /// since a check proves nothing was sent in between (a state that
    /// merely looks the same does not).
    #[serde(default)]
    pub saves_started: u64,
}

impl Tracked {
    /// Whether the engine has a save to do for it: one was asked for (a
    /// save, or completing with the toggle on) and something is unsaved.
    pub fn wants_save(&self) -> bool {
        self.save_requested && self.state.next_save().is_some()
    }
}

/// A lease an engine holds on one eConsult: the proof, shown with every
/// write it makes while working on it, that no other engine has taken the
/// eConsult over since.
///
/// ```
/// use econsult_model::EConsultId;
/// use record_sync::store::LeaseToken;
///
/// let token = LeaseToken::new(EConsultId::new("EC-1")?, "pc-1#7f3a", 4);
/// assert_eq!(token.generation, 4);
/// # Ok::<(), econsult_model::IdError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct LeaseToken {
    /// The eConsult.
    pub econsult: EConsultId,
    /// The engine holding it (unique per engine instance).
    pub owner: String,
    /// Which takeover this is: it increases every time the lease changes
    /// hands (or is taken again after being released).
    pub generation: u64,
}

impl LeaseToken {
    /// A token (for [`SyncStore`] implementations).
    pub fn new(econsult: EConsultId, owner: impl Into<String>, generation: u64) -> Self {
        Self {
            econsult,
            owner: owner.into(),
            generation,
        }
    }
}

/// What [`SyncStore::acquire_lease`] found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Lease {
    /// The caller holds the lease for the time it asked, by the store's
    /// clock.
    Acquired(LeaseToken),
    /// Another owner holds it.
    HeldBy {
        /// Who.
        owner: String,
        /// How long its lease has left, by the store's clock.
        remaining: Duration,
    },
}

/// A read-modify-write of one eConsult, run inside one transaction: given
/// what is journalled (if anything), return what should be, or refuse.
pub type Change = Box<dyn FnOnce(Option<Tracked>) -> Result<Tracked, SyncError> + Send>;

/// The journal refused or failed a read or write.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// The journal could not be read or written.
    #[error(
        "the save journal failed: {message}; check the disk and the journal's file permissions"
    )]
    Failed {
        /// What failed.
        message: String,
    },
    /// A write made under a lease that is no longer current: another
    /// engine took the eConsult over. Nothing was written; the engine that
    /// lost the lease must send nothing more for the eConsult.
    #[error(
        "this engine's lease on eConsult {econsult} (generation {generation}) was taken over by another engine; nothing was written, and that engine carries on with the save"
    )]
    LeaseLost {
        /// The eConsult.
        econsult: EConsultId,
        /// The generation the writer held.
        generation: u64,
    },
}

impl StoreError {
    /// A failure described by `message`.
    pub fn new(message: impl Into<String>) -> Self {
        StoreError::Failed {
            message: message.into(),
        }
    }

    /// The refusal of a write under `lease`, which is no longer current.
    pub fn lease_lost(lease: &LeaseToken) -> Self {
        StoreError::LeaseLost {
            econsult: lease.econsult.clone(),
            generation: lease.generation,
        }
    }

    /// Whether this is [`StoreError::LeaseLost`].
    pub fn is_lease_lost(&self) -> bool {
        matches!(self, StoreError::LeaseLost { .. })
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
    ///
    /// With a `fence` (the engine's own writes while it works), the change
    /// is made only if `fence` is still the eConsult's current lease, in
    /// the same transaction; otherwise nothing is written and the result
    /// is [`StoreError::LeaseLost`]. Without one (a person's request: new
    /// activity, a status), it is made whoever holds the lease.
    async fn change(
        &self,
        econsult: &EConsultId,
        fence: Option<&LeaseToken>,
        change: Change,
    ) -> Result<Tracked, SyncError>;

    /// Journals an intent before its call is sent, if `fence` is still the
    /// eConsult's current lease ([`StoreError::LeaseLost`] otherwise).
    async fn begin_intent(&self, intent: &Intent, fence: &LeaseToken) -> Result<(), StoreError>;

    /// Resolves an intent with the items known to have landed (none when
    /// SystmOne did not act on it), recording them as saved, atomically,
    /// if `fence` is still the eConsult's current lease
    /// ([`StoreError::LeaseLost`] otherwise, and nothing is written). An
    /// item already recorded as saved keeps its first record.
    async fn finish_intent(
        &self,
        key: &IntentKey,
        landed: &[SavedItem],
        fence: &LeaseToken,
    ) -> Result<(), StoreError>;

    /// The intents not yet resolved: of one eConsult, or of all.
    async fn open_intents(&self, econsult: Option<&EConsultId>) -> Result<Vec<Intent>, StoreError>;

    /// The items of an eConsult known to be in the record.
    async fn saved_items(&self, econsult: &EConsultId) -> Result<Vec<SavedItem>, StoreError>;

    /// The eConsults with work to do: a save asked for and not finished,
    /// or an open intent.
    async fn with_work(&self) -> Result<Vec<EConsultId>, StoreError>;

    /// Takes the lease on an eConsult for `owner` for `ttl` by the store's
    /// clock, unless another owner holds an unexpired one. Taking a lease
    /// that was free, released or expired starts a new generation; `owner`
    /// asking again while it holds an unexpired lease gets the same one.
    async fn acquire_lease(
        &self,
        econsult: &EConsultId,
        owner: &str,
        ttl: Duration,
    ) -> Result<Lease, StoreError>;

    /// Extends `lease` to `ttl` from now (the store's clock), if it is still
    /// the current generation, even if it has expired meanwhile (no one
    /// took it over, so nothing was done in between). A lease taken over,
    /// or taken over and released, is [`StoreError::LeaseLost`]: it is
    /// never quietly taken again.
    async fn renew_lease(&self, lease: &LeaseToken, ttl: Duration) -> Result<(), StoreError>;

    /// Gives the lease up, if `lease` is still the current generation. The
    /// generation is kept, so whoever takes it next starts a new one.
    async fn release_lease(&self, lease: &LeaseToken) -> Result<(), StoreError>;
}

#[cfg(any(test, feature = "store-tests"))]
#[cfg_attr(docsrs, doc(cfg(feature = "store-tests")))]
pub mod contract;
