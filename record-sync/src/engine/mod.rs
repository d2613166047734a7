//! The background engine: saves run on a worker task while the caller gets
//! on, their progress is a stream a UI can show, and a crash or a second PC
//! neither loses nor doubles anything.
//!
//! # What a save does
//!
//! 1. Takes the eConsult's **lease** in the journal, so that no other
//!    engine (another process or PC sharing the journal) saves it at the
//!    same time. The lease is a fence: each takeover is a new generation,
//!    and every journal write the engine makes while working is refused
//!    once its generation is not current.
//! 2. Checks that SystmOne on this PC is logged on at the **eConsult's
//!    practice** (`GetOrganisationMetaData`, once per connection); on
//!    another practice nothing is read or written, and the save waits with
//!    [`FailureCause::WrongPractice`](crate::FailureCause::WrongPractice).
//! 3. **Reconciles** any intent left open by an earlier save whose outcome
//!    is unknown (or by a crash): reads the patient's narrative around the
//!    day it was sent and looks for the markers of its items. Items are
//!    taken as missing only when two reads [`settle`](EngineConfig::settle)
//!    apart both miss them, and never from a read of a record open in
//!    SystmOne.
//! 4. **Plans** what is not yet in the record ([`plan_save`](crate::plan_save)).
//! 5. For each call: renews the lease, writes its files to the spool,
//!    **journals the intent**, and sends `UpdatePatientRecord` at background
//!    priority, on the connection whose practice was checked and only while
//!    the lease has [`write_timeout`](EngineConfig::write_timeout) left.
//!    An answer with one EventUID per event, and the record committed,
//!    resolves the intent; anything else (no answer, an error answer, too
//!    few EventUIDs, `RecordState` `Open`) is reconciled before anything
//!    is sent again, and an error answer's cause is reported once the
//!    record has been read.
//! 6. Moves the [`SyncState`] on, and retries a retryable failure with
//!    backoff.
//!
//! # What the promise assumes
//!
//! - The journal's clock (not the engines') judges lease expiry: one PC's
//!   clock for SQLite, the database server's for a shared database.
//! - A write sent under a lease is answered or times out within
//!   [`write_timeout`](EngineConfig::write_timeout); a write that becomes
//!   readable (lands, and its read lag passes) more than
//!   [`settle`](EngineConfig::settle) after its answer was lost could be
//!   written twice (nothing can tell it from one that never will).
//! - The journal's clock is not stepped forward by more than a few
//!   seconds while a save is in flight: a step shortens leases by the
//!   store's judgement while the holder, counting on its own monotonic
//!   clock, may still send.
//! - SystmOne's clock is within
//!   [`clock_tolerance`](EngineConfig::clock_tolerance) of the PC's.
//! - Switching SystmOne to another practice re-establishes the connection
//!   (the practice is checked once per connection).
//!
//! ```no_run
//! use record_sync::{Engine, PatientId};
//! use record_sync::store::SqliteStore;
//! use systmone_client::client::Client;
//!
//! # async fn demo(client: Client, econsult: econsult_model::EConsult) -> Result<(), Box<dyn std::error::Error>> {
//! let store = SqliteStore::open("econsult-journal.sqlite3")?;
//! let engine = Engine::for_client(&client, store, "spool").start().await?;
//! let mut progress = engine.subscribe();
//! engine.save(econsult, PatientId::nhs("9990000018".parse()?)).await?; // returns at once
//! while let Some(update) = progress.next().await {
//!     println!("{}: {}", update.econsult, update.state.save());
//! }
//! # Ok(()) }
//! ```

mod practice;
mod worker;

use std::collections::BTreeSet;
use std::fmt;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use econsult_model::{ActivityId, AttachmentPolicy, EConsult, EConsultId, Status};
use systmone_client::client::{Client, Priority, SystmOneApi};
use tokio::sync::{broadcast, mpsc, watch};
use tokio::task::JoinHandle;

use crate::plan::is_record_content;
use crate::store::{SyncStore, Tracked};
use crate::{
    Clock, ItemKey, PatientId, PlanConfig, SaveFailure, SaveKind, Spool, SyncError, SyncState,
    SystemClock, Transition,
};

/// How failures are retried.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct RetryPolicy {
    /// The wait before the first retry (default 2 s); each later wait
    /// doubles.
    pub initial: Duration,
    /// The longest wait (default 5 minutes).
    pub max: Duration,
    /// Retries before the engine stops trying on its own (default 20, about
    /// an hour and a quarter); the eConsult stays Failed, retryable, and a
    /// new save request starts again.
    pub max_attempts: u32,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            initial: Duration::from_secs(2),
            max: Duration::from_secs(300),
            max_attempts: 20,
        }
    }
}

impl RetryPolicy {
    /// Sets the first wait.
    pub fn with_initial(mut self, initial: Duration) -> Self {
        self.initial = initial;
        self
    }

    /// Sets the longest wait.
    pub fn with_max(mut self, max: Duration) -> Self {
        self.max = max;
        self
    }

    /// Sets the number of retries.
    pub fn with_max_attempts(mut self, attempts: u32) -> Self {
        self.max_attempts = attempts;
        self
    }

    /// The wait before retry number `attempt` (1-based).
    pub fn delay(&self, attempt: u32) -> Duration {
        let factor = 2u32.saturating_pow(attempt.saturating_sub(1).min(30));
        self.initial.saturating_mul(factor).min(self.max)
    }
}

/// The engine's settings; every one has a default.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct EngineConfig {
    /// How saves are written.
    pub plan: PlanConfig,
    /// How failures are retried.
    pub retry: RetryPolicy,
    /// How long an engine holds an eConsult's lease without renewing it
    /// (default 2 minutes), by the journal's clock. An engine that stops
    /// mid-save holds the eConsult this long. Must exceed
    /// [`write_timeout`](Self::write_timeout) by at least
    /// [`SEND_MARGIN`](Self::SEND_MARGIN).
    pub lease_ttl: Duration,
    /// How long the engine waits for SystmOne's answer to each
    /// `UpdatePatientRecord` (default 30 seconds, the client's own
    /// default). A write is sent only while its lease has at least this
    /// long left (plus [`SEND_MARGIN`](Self::SEND_MARGIN)), so its answer,
    /// or its timeout, comes before any other engine could take over.
    pub write_timeout: Duration,
    /// After a save whose outcome is unknown, how long the engine waits
    /// before reading the record a second time (default 2 minutes). Items
    /// are sent again only when two reads this far apart (from the first
    /// read's answer to the second read's sending) both miss them:
    /// SystmOne's reads lag its writes, and a write can still commit after
    /// its answer was lost. It must cover the two together: how late a
    /// write may still land after the first read, plus how long a landed
    /// write may stay unreadable. Two minutes covers the "couple of
    /// minutes" the practice sees before saved content shows, or a write
    /// still being processed after the 30-second write timeout; it is paid
    /// only after a lost answer, never on the normal path.
    pub settle: Duration,
    /// How far SystmOne's clock may be from this PC's (default 15
    /// minutes). Reconciliation reads only today's entries (a read
    /// SystmOne does not throttle) when the save and the read are further
    /// than this from midnight, and the day before to the day after
    /// otherwise.
    pub clock_tolerance: Duration,
    /// While SystmOne is logged on at another practice than an eConsult's,
    /// how often the engine asks again (default one minute: one
    /// `GetOrganisationMetaData` a minute however many eConsults wait).
    /// A match is kept for the connection it was seen on.
    pub practice_recheck: Duration,
    /// The name SystmOne shows as `Event/@Software` on this product's
    /// entries: the software name registered with TPP for your API key.
    /// When set, reconciliation recognises only entries with this name;
    /// when not (the default), entries added by any third-party software,
    /// never entries typed in SystmOne. Set it in production.
    pub software: Option<String>,
    /// What attachments an eConsult may carry (checked before a save).
    pub attachment_policy: AttachmentPolicy,
}

impl Default for EngineConfig {
    fn default() -> Self {
        Self {
            plan: PlanConfig::default(),
            retry: RetryPolicy::default(),
            lease_ttl: Duration::from_secs(120),
            write_timeout: Duration::from_secs(30),
            settle: Duration::from_secs(120),
            clock_tolerance: Duration::from_secs(15 * 60),
            practice_recheck: Duration::from_secs(60),
            software: None,
            attachment_policy: AttachmentPolicy::default(),
        }
    }
}

impl EngineConfig {
    /// Sets [`plan`](Self::plan).
    pub fn with_plan(mut self, plan: PlanConfig) -> Self {
        self.plan = plan;
        self
    }

    /// Sets [`retry`](Self::retry).
    pub fn with_retry(mut self, retry: RetryPolicy) -> Self {
        self.retry = retry;
        self
    }

    /// Sets [`lease_ttl`](Self::lease_ttl).
    pub fn with_lease_ttl(mut self, ttl: Duration) -> Self {
        self.lease_ttl = ttl;
        self
    }

    /// Sets [`attachment_policy`](Self::attachment_policy).
    pub fn with_attachment_policy(mut self, policy: AttachmentPolicy) -> Self {
        self.attachment_policy = policy;
        self
    }

    /// Sets [`write_timeout`](Self::write_timeout).
    pub fn with_write_timeout(mut self, timeout: Duration) -> Self {
        self.write_timeout = timeout;
        self
    }

    /// Sets [`settle`](Self::settle).
    pub fn with_settle(mut self, settle: Duration) -> Self {
        self.settle = settle;
        self
    }

    /// Sets [`clock_tolerance`](Self::clock_tolerance).
    pub fn with_clock_tolerance(mut self, tolerance: Duration) -> Self {
        self.clock_tolerance = tolerance;
        self
    }

    /// Sets [`practice_recheck`](Self::practice_recheck).
    pub fn with_practice_recheck(mut self, every: Duration) -> Self {
        self.practice_recheck = every;
        self
    }

    /// Sets [`software`](Self::software).
    ///
    /// ```
    /// use record_sync::EngineConfig;
    ///
    /// let config = EngineConfig::default().with_software("AcmeConsult");
    /// assert_eq!(config.software.as_deref(), Some("AcmeConsult"));
    /// ```
    pub fn with_software(mut self, name: impl Into<String>) -> Self {
        self.software = Some(name.into());
        self
    }

    /// The least time a lease must have left for a write to be sent, on
    /// top of [`write_timeout`](Self::write_timeout): the time to journal
    /// the answer.
    pub const SEND_MARGIN: Duration = Duration::from_secs(5);

    /// How long after a lease is renewed a write may still be sent.
    pub(crate) fn send_window(&self) -> Duration {
        self.lease_ttl
            .saturating_sub(self.write_timeout)
            .saturating_sub(Self::SEND_MARGIN)
    }

    /// Refuses settings the engine cannot keep its promise with.
    fn check(&self) -> Result<(), SyncError> {
        if self.send_window().is_zero() {
            return Err(SyncError::Configuration(format!(
                "the lease time ({:?}) must be longer than the write timeout ({:?}) plus {:?}, or no write could ever be sent under a lease; lengthen lease_ttl or shorten write_timeout",
                self.lease_ttl,
                self.write_timeout,
                Self::SEND_MARGIN
            )));
        }
        Ok(())
    }
}

/// How one save went: what a summary or a log shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SaveReport {
    /// Full or partial.
    pub kind: SaveKind,
    /// `UpdatePatientRecord` calls sent.
    pub calls: u32,
    /// Record reads made to reconcile.
    pub reads: u32,
    /// Items written (events created).
    pub items: usize,
    /// From the save starting to its end (tokio time).
    pub elapsed: Duration,
    /// Why it failed, if it did.
    pub failure: Option<SaveFailure>,
    /// When it will be retried, if it will.
    pub retry_in: Option<Duration>,
}

/// A change to one eConsult.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Progress {
    /// Which.
    pub econsult: EConsultId,
    /// Its state now.
    pub state: SyncState,
    /// When a save just ended: how it went.
    pub report: Option<SaveReport>,
}

/// The stream of [`Progress`] from [`Engine::subscribe`].
#[derive(Debug)]
pub struct Updates {
    receiver: broadcast::Receiver<Progress>,
}

impl Updates {
    /// The next change; `None` once the engine has stopped. A subscriber too
    /// slow to keep up skips what it missed (and a warning is logged); read
    /// [`Engine::state`] for the current state.
    pub async fn next(&mut self) -> Option<Progress> {
        loop {
            match self.receiver.recv().await {
                Ok(progress) => return Some(progress),
                Err(broadcast::error::RecvError::Lagged(missed)) => {
                    tracing::warn!(
                        missed,
                        "a progress subscriber fell behind and skipped updates"
                    );
                }
                Err(broadcast::error::RecvError::Closed) => return None,
            }
        }
    }
}

impl Updates {
    /// The next change if one is waiting, without waiting (for a UI that
    /// polls); `None` when there is none or the engine has stopped.
    pub fn try_next(&mut self) -> Option<Progress> {
        loop {
            match self.receiver.try_recv() {
                Ok(progress) => return Some(progress),
                Err(broadcast::error::TryRecvError::Lagged(missed)) => {
                    tracing::warn!(
                        missed,
                        "a progress subscriber fell behind and skipped updates"
                    );
                }
                Err(_) => return None,
            }
        }
    }
}

pub(crate) enum Command {
    Process(EConsultId),
    Stop,
}

/// Builds an [`Engine`].
pub struct EngineBuilder {
    api: Arc<dyn SystmOneApi>,
    store: Arc<dyn SyncStore>,
    spool_dir: PathBuf,
    config: EngineConfig,
    clock: Arc<dyn Clock>,
    owner: Option<String>,
}

impl fmt::Debug for EngineBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EngineBuilder")
            .field("store", &self.store)
            .field("spool_dir", &self.spool_dir)
            .field("config", &self.config)
            .field("owner", &self.owner)
            .finish_non_exhaustive()
    }
}

impl EngineBuilder {
    /// Sets the configuration (default [`EngineConfig::default`]).
    pub fn config(mut self, config: EngineConfig) -> Self {
        self.config = config;
        self
    }

    /// Sets the clock (default [`SystemClock`]; tests on paused time use
    /// [`TokioClock`](crate::TokioClock)).
    pub fn clock(mut self, clock: impl Clock + 'static) -> Self {
        self.clock = Arc::new(clock);
        self
    }

    /// Names this engine in leases and logs (default `engine`). The engine
    /// adds a random suffix of its own, so two engines given the same name
    /// (two processes on one PC, users of a terminal server) still never
    /// share a lease.
    pub fn owner(mut self, owner: impl Into<String>) -> Self {
        self.owner = Some(owner.into());
        self
    }

    /// Starts the worker: it sweeps files a crash left in the spool, then
    /// resumes every eConsult the journal has work for (reconciling open
    /// intents first). Must be called within a tokio runtime.
    ///
    /// # Errors
    ///
    /// When the configuration is unusable ([`SyncError::Configuration`]),
    /// the spool directory cannot be created, or the journal read.
    pub async fn start(self) -> Result<Engine, SyncError> {
        self.config.check()?;
        let spool = Spool::new(&self.spool_dir).map_err(|e| {
            SyncError::Store(crate::store::StoreError::new(format!(
                "the spool directory {} cannot be used ({e})",
                self.spool_dir.display()
            )))
        })?;
        let name = self.owner.unwrap_or_else(|| "engine".to_owned());
        let unique = crate::store::IntentKey::generate();
        let owner = format!("{name}#{}", &unique.as_str()[..12]);
        let (commands, receiver) = mpsc::unbounded_channel();
        let (progress, _) = broadcast::channel(1024);
        let pending = Arc::new(watch::channel(0usize).0);
        let shared = Arc::new(Shared {
            store: self.store.clone(),
            commands,
            progress: progress.clone(),
            pending: pending.clone(),
            config: self.config.clone(),
            worker: Mutex::new(None),
            stopped: AtomicBool::new(false),
            owner: owner.clone(),
        });
        let practice = practice::PracticeCheck::new(self.config.practice_recheck);
        let worker = worker::Worker {
            api: self.api,
            store: self.store,
            spool,
            config: self.config,
            clock: self.clock,
            owner,
            progress,
            commands: receiver,
            pending,
            queue: worker::Queue::default(),
            attempts: std::collections::HashMap::new(),
            lease: None,
            practice,
            unsure: std::collections::HashMap::new(),
        };
        worker
            .startup()
            .await
            .map_err(SyncError::Store)
            .map(|worker| {
                let handle = tokio::spawn(worker.run());
                *lock(&shared.worker) = Some(handle);
                Engine { shared }
            })
    }
}

struct Shared {
    store: Arc<dyn SyncStore>,
    commands: mpsc::UnboundedSender<Command>,
    progress: broadcast::Sender<Progress>,
    /// Saves queued, scheduled or running, plus requests on their way to
    /// the worker.
    pending: Arc<watch::Sender<usize>>,
    config: EngineConfig,
    worker: Mutex<Option<JoinHandle<()>>>,
    /// Set by `shutdown` and `abort`: requests are refused from then on.
    stopped: AtomicBool,
    owner: String,
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|p| p.into_inner())
}

/// A handle to the background save engine. Cheap to clone; every clone
/// talks to one worker.
#[derive(Clone)]
pub struct Engine {
    shared: Arc<Shared>,
}

impl fmt::Debug for Engine {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Engine")
            .field("owner", &self.shared.owner)
            .field("store", &self.shared.store)
            .finish_non_exhaustive()
    }
}

/// The savable activity ids of an eConsult.
fn content_ids(econsult: &EConsult) -> BTreeSet<ItemKey> {
    econsult
        .activity
        .iter()
        .filter(|a| is_record_content(a))
        .map(|a| ItemKey::Activity(a.id.clone()))
        .collect()
}

/// Takes a new snapshot of a tracked eConsult, noting new activity.
///
/// Refused when it is an older copy (it lacks activity the journal has:
/// taking it would drop that activity unsaved), or when it names another
/// practice once a save has started (what is in one practice's records is
/// not followed by the rest into another's).
fn take_snapshot(tracked: &mut Tracked, econsult: EConsult) -> Result<(), SyncError> {
    let known: BTreeSet<&ActivityId> = econsult.activity.iter().map(|a| &a.id).collect();
    let missing = tracked
        .econsult
        .activity
        .iter()
        .filter(|a| !known.contains(&a.id))
        .count();
    if missing > 0 {
        return Err(SyncError::Outdated {
            econsult: econsult.id.clone(),
            missing,
        });
    }
    if econsult.practice != tracked.econsult.practice
        && !matches!(tracked.state.save(), crate::SaveState::NotSaved)
    {
        return Err(SyncError::PracticeChanged {
            econsult: econsult.id.clone(),
        });
    }
    let before = content_ids(&tracked.econsult);
    let has_new = content_ids(&econsult).iter().any(|id| !before.contains(id));
    if has_new {
        tracked.state.apply(Transition::NewActivity)?;
    }
    tracked.econsult = econsult;
    Ok(())
}

impl Engine {
    /// An engine saving through `api` (a [`Client`] or a mock of the
    /// trait), journalling in `store`, with files in `spool_dir`.
    pub fn builder(
        api: impl SystmOneApi + 'static,
        store: impl SyncStore + 'static,
        spool_dir: impl Into<PathBuf>,
    ) -> EngineBuilder {
        Self::for_shared_api(Arc::new(api), store, spool_dir)
    }

    /// An engine saving through an implementation the program already
    /// shares (an `Arc<Client>` or `Arc<dyn SystmOneApi>` that its patient
    /// search or screens also use), held as it is, without another `Arc`.
    ///
    /// Its calls go at the priority that implementation gives them. For a
    /// [`Client`], share one made with
    /// `client.with_priority(Priority::Background)` (what
    /// [`for_client`](Self::for_client) does), so that a person's search
    /// is never queued behind saves.
    ///
    /// ```no_run
    /// use std::sync::Arc;
    /// use record_sync::Engine;
    /// use record_sync::store::MemoryStore;
    /// use systmone_client::client::{Client, Priority, SystmOneApi};
    ///
    /// # async fn demo(client: Client) -> Result<(), Box<dyn std::error::Error>> {
    /// let saves: Arc<dyn SystmOneApi> = Arc::new(client.with_priority(Priority::Background));
    /// let engine = Engine::for_shared_api(saves.clone(), MemoryStore::new(), "spool")
    ///     .start()
    ///     .await?;
    /// # Ok(()) }
    /// ```
    pub fn for_shared_api(
        api: Arc<dyn SystmOneApi>,
        store: impl SyncStore + 'static,
        spool_dir: impl Into<PathBuf>,
    ) -> EngineBuilder {
        EngineBuilder {
            api,
            store: Arc::new(store),
            spool_dir: spool_dir.into(),
            config: EngineConfig::default(),
            clock: Arc::new(SystemClock),
            owner: None,
        }
    }

    /// An engine saving through `client` at [`Priority::Background`], so a
    /// person's search or lookup is never queued behind saves.
    pub fn for_client(
        client: &Client,
        store: impl SyncStore + 'static,
        spool_dir: impl Into<PathBuf>,
    ) -> EngineBuilder {
        Self::builder(client.with_priority(Priority::Background), store, spool_dir)
    }

    /// Asks for `econsult` to be saved to `patient`'s record and returns as
    /// soon as the request is journalled; the save runs in the background.
    /// From a match, `patient` is `found.patient.id` (patient-matcher's
    /// `SystmOnePatient::id`).
    /// Once anything of the eConsult is in a record, it is never saved to
    /// another patient: re-linking it then is a correction for a person in
    /// SystmOne, not another save.
    ///
    /// The first save is full; later ones write only what is new (an
    /// eConsult with nothing new is left as it is). Activity in `econsult`
    /// the journal has not seen makes a saved eConsult partially saved.
    ///
    /// # Errors
    ///
    /// [`SyncError::Invalid`] when the eConsult fails validation;
    /// [`SyncError::PatientChanged`] when any of it is, or may be, in
    /// another patient's record; [`SyncError::Store`] when the journal
    /// cannot be written; [`SyncError::Stopped`] after
    /// [`shutdown`](Self::shutdown).
    pub async fn save(&self, econsult: EConsult, patient: PatientId) -> Result<(), SyncError> {
        self.running()?;
        econsult
            .validate(&self.shared.config.attachment_policy)
            .map_err(SyncError::Invalid)?;
        let id = econsult.id.clone();
        let store = &self.shared.store;
        // Whether the patient may change is decided on what was journalled
        // before: any save that started since makes the change refused.
        let before = store.load(&id).await?;
        let untouched = match &before {
            Some(t) if t.patient != patient => {
                store.saved_items(&id).await?.is_empty()
                    && store.open_intents(Some(&id)).await?.is_empty()
                    && !t.state.consultation_saved()
                    && !matches!(t.state.save(), crate::SaveState::Saving { .. })
            }
            _ => true,
        };
        // What was seen: a save started since (even one that ended in a
        // state that looks the same) makes the change refused.
        let seen = before.map(|t| t.saves_started);
        let tracked = store
            .change(
                &id,
                None,
                Box::new(move |current| match current {
                    None => Ok(Tracked {
                        state: SyncState::new(econsult.status),
                        econsult,
                        patient,
                        save_requested: true,
                        requests: 1,
                        saves_started: 0,
                    }),
                    Some(mut tracked) => {
                        if tracked.patient != patient {
                            if !untouched || seen != Some(tracked.saves_started) {
                                return Err(SyncError::PatientChanged {
                                    econsult: tracked.econsult.id.clone(),
                                });
                            }
                            tracked.patient = patient;
                        }
                        take_snapshot(&mut tracked, econsult)?;
                        if tracked.state.next_save().is_some()
                            || matches!(tracked.state.save(), crate::SaveState::Saving { .. })
                        {
                            tracked.save_requested = true;
                            tracked.requests += 1;
                        }
                        Ok(tracked)
                    }
                }),
            )
            .await?;
        self.changed(tracked);
        Ok(())
    }

    /// Gives the engine the eConsult's latest content (new activity,
    /// typically) without asking for a save: a saved eConsult with new
    /// activity becomes partially saved.
    ///
    /// # Errors
    ///
    /// [`SyncError::NotTracked`] for an eConsult never saved; as
    /// [`save`](Self::save) otherwise.
    pub async fn update(&self, econsult: EConsult) -> Result<(), SyncError> {
        self.running()?;
        econsult
            .validate(&self.shared.config.attachment_policy)
            .map_err(SyncError::Invalid)?;
        let id = econsult.id.clone();
        let tracked = self
            .shared
            .store
            .change(
                &id,
                None,
                Box::new(move |current| {
                    let mut tracked =
                        current.ok_or_else(|| SyncError::NotTracked(econsult.id.clone()))?;
                    take_snapshot(&mut tracked, econsult)?;
                    Ok(tracked)
                }),
            )
            .await?;
        self.changed(tracked);
        Ok(())
    }

    /// Completes the eConsult. With `save_latest_activity` (the toggle
    /// "update the clinical system with the latest activity") on, whatever
    /// is unsaved is saved first and the status becomes Completed once it
    /// is in the record; with it off, the status becomes Completed now and
    /// nothing is saved.
    ///
    /// # Errors
    ///
    /// [`SyncError::NotTracked`]; [`SyncError::Transition`] when it is
    /// already completed.
    pub async fn complete(
        &self,
        econsult: &EConsultId,
        save_latest_activity: bool,
    ) -> Result<(), SyncError> {
        self.running()?;
        let id = econsult.clone();
        let tracked = self
            .shared
            .store
            .change(
                econsult,
                None,
                Box::new(move |current| {
                    let mut tracked = current.ok_or(SyncError::NotTracked(id))?;
                    tracked.state.apply(Transition::Complete {
                        save_latest_activity,
                    })?;
                    if tracked.state.is_completing() {
                        tracked.save_requested = true;
                        tracked.requests += 1;
                    }
                    Ok(tracked)
                }),
            )
            .await?;
        self.changed(tracked);
        Ok(())
    }

    /// Sets the workflow status to New or Awaiting response (Completed goes
    /// through [`complete`](Self::complete), which asks about the toggle).
    ///
    /// # Errors
    ///
    /// [`SyncError::NotTracked`]; [`SyncError::Transition`] for Completed or
    /// the status it already has.
    pub async fn set_status(&self, econsult: &EConsultId, status: Status) -> Result<(), SyncError> {
        self.running()?;
        let id = econsult.clone();
        let tracked = self
            .shared
            .store
            .change(
                econsult,
                None,
                Box::new(move |current| {
                    let mut tracked = current.ok_or(SyncError::NotTracked(id))?;
                    tracked.state.apply(Transition::SetStatus(status))?;
                    Ok(tracked)
                }),
            )
            .await?;
        self.changed(tracked);
        Ok(())
    }

    /// The eConsult's state, if the engine has it.
    ///
    /// # Errors
    ///
    /// When the journal cannot be read.
    pub async fn state(&self, econsult: &EConsultId) -> Result<Option<SyncState>, SyncError> {
        Ok(self.shared.store.load(econsult).await?.map(|t| t.state))
    }

    /// The items of the eConsult known to be in the record, with their
    /// EventUIDs.
    ///
    /// # Errors
    ///
    /// When the journal cannot be read.
    pub async fn saved_items(
        &self,
        econsult: &EConsultId,
    ) -> Result<Vec<crate::store::SavedItem>, SyncError> {
        Ok(self.shared.store.saved_items(econsult).await?)
    }

    /// Every change from now on.
    pub fn subscribe(&self) -> Updates {
        Updates {
            receiver: self.shared.progress.subscribe(),
        }
    }

    /// Waits until the worker has nothing queued, scheduled or running:
    /// every save asked for has succeeded, failed for good, or run out of
    /// retries. (Handy for examples and tests; a product watches
    /// [`subscribe`](Self::subscribe) instead.)
    pub async fn idle(&self) {
        let mut pending = self.shared.pending.subscribe();
        let _ = pending.wait_for(|n| *n == 0).await;
    }

    /// Stops the worker after the step it is on (a call in flight is
    /// answered and journalled first) and waits for it. From then on every
    /// request is refused with [`SyncError::Stopped`].
    pub async fn shutdown(&self) {
        self.shared.stopped.store(true, Ordering::Release);
        let _ = self.shared.commands.send(Command::Stop);
        let handle = lock(&self.shared.worker).take();
        if let Some(handle) = handle {
            let _ = handle.await;
        }
    }

    /// Stops the worker at once, wherever it is, as a crash would: nothing
    /// is journalled and no lease is released. For tests of recovery.
    pub fn abort(&self) {
        self.shared.stopped.store(true, Ordering::Release);
        if let Some(handle) = lock(&self.shared.worker).take() {
            handle.abort();
        }
    }

    /// This engine's unique name in leases: the name it was given (or
    /// `engine`), `#`, and a random suffix.
    pub fn owner(&self) -> &str {
        &self.shared.owner
    }

    /// Refuses a request once the engine has stopped: it would be
    /// journalled with no worker to carry it out.
    fn running(&self) -> Result<(), SyncError> {
        if self.shared.stopped.load(Ordering::Acquire) || self.shared.commands.is_closed() {
            return Err(SyncError::Stopped);
        }
        Ok(())
    }

    fn changed(&self, tracked: Tracked) {
        let id = tracked.econsult.id.clone();
        // A save journalled as under way may be another engine's live one,
        // or one a crash left: the worker waits for its lease to tell.
        let saving = tracked.save_requested
            && matches!(tracked.state.save(), crate::SaveState::Saving { .. });
        let wants = tracked.wants_save() || saving;
        let _ = self.shared.progress.send(Progress {
            econsult: id.clone(),
            state: tracked.state,
            report: None,
        });
        if wants {
            self.shared.pending.send_modify(|n| *n += 1);
            if self.shared.commands.send(Command::Process(id)).is_err() {
                self.shared
                    .pending
                    .send_modify(|n| *n = n.saturating_sub(1));
            }
        }
    }
}
