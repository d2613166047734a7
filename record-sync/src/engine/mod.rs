//! The background engine: saves run on a worker task while the caller gets
//! on, their progress is a stream a UI can show, and a crash or a second PC
//! neither loses nor doubles anything.
//!
//! # What a save does
//!
//! 1. Takes the eConsult's **lease** in the journal, so that no other
//!    engine (another PC sharing the journal) saves it at the same time.
//! 2. **Reconciles** any intent left open by an earlier save whose answer
//!    never came (or by a crash): reads the patient's recent narrative and
//!    looks for the markers of its items, then records what it found.
//! 3. **Plans** what is not yet in the record ([`plan_save`](crate::plan_save)).
//! 4. For each call: writes its files to the spool, **journals the intent**,
//!    sends `UpdatePatientRecord` at background priority, and records the
//!    EventUIDs (or, when no answer came, reconciles at once).
//! 5. Moves the [`SyncState`] on, and retries a retryable failure with
//!    backoff.
//!
//! ```no_run
//! use record_sync::{Engine, PatientRef, SqliteStore};
//! use systmone_client::client::Client;
//!
//! # async fn demo(client: Client, econsult: econsult_model::EConsult) -> Result<(), Box<dyn std::error::Error>> {
//! let store = SqliteStore::open("econsult-journal.sqlite3")?;
//! let engine = Engine::for_client(&client, store, "spool").start().await?;
//! let mut progress = engine.subscribe();
//! engine.save(econsult, PatientRef::nhs("9990000018".parse()?)).await?; // returns at once
//! while let Some(update) = progress.next().await {
//!     println!("{}: {}", update.econsult, update.state.save());
//! }
//! # Ok(()) }
//! ```

mod worker;

use std::collections::BTreeSet;
use std::fmt;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use econsult_model::{AttachmentPolicy, EConsult, EConsultId, Status};
use systmone_client::client::{Client, Priority, SystmOneApi};
use tokio::sync::{broadcast, mpsc, watch};
use tokio::task::JoinHandle;

use crate::plan::is_record_content;
use crate::{
    Clock, ItemKey, PatientRef, PlanConfig, SaveFailure, SaveKind, Spool, SyncError, SyncState,
    SyncStore, SystemClock, Tracked, Transition,
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
    /// (default 2 minutes: longer than any single call's timeout). An
    /// engine that stops mid-save holds the eConsult this long.
    pub lease_ttl: Duration,
    /// What attachments an eConsult may carry (checked before a save).
    pub attachment_policy: AttachmentPolicy,
}

impl Default for EngineConfig {
    fn default() -> Self {
        Self {
            plan: PlanConfig::default(),
            retry: RetryPolicy::default(),
            lease_ttl: Duration::from_secs(120),
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

    /// Names this engine in leases (default: a random name). Engines
    /// sharing a journal must have different names.
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
    /// When the spool directory cannot be created, or the journal read.
    pub async fn start(self) -> Result<Engine, SyncError> {
        let spool = Spool::new(&self.spool_dir).map_err(|e| {
            SyncError::Store(crate::StoreError::new(format!(
                "the spool directory {} cannot be used ({e})",
                self.spool_dir.display()
            )))
        })?;
        let owner = self
            .owner
            .unwrap_or_else(|| format!("engine-{}", crate::IntentKey::generate()));
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
        });
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
fn take_snapshot(tracked: &mut Tracked, econsult: EConsult) -> Result<(), SyncError> {
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
        EngineBuilder {
            api: Arc::new(api),
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
    /// cannot be written.
    pub async fn save(&self, econsult: EConsult, patient: PatientRef) -> Result<(), SyncError> {
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
        let seen = before.map(|t| t.state);
        let tracked = store
            .change(
                &id,
                Box::new(move |current| match current {
                    None => Ok(Tracked {
                        state: SyncState::new(econsult.status),
                        econsult,
                        patient,
                        save_requested: true,
                        requests: 1,
                    }),
                    Some(mut tracked) => {
                        if tracked.patient != patient {
                            if !untouched || seen.as_ref() != Some(&tracked.state) {
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
        econsult
            .validate(&self.shared.config.attachment_policy)
            .map_err(SyncError::Invalid)?;
        let id = econsult.id.clone();
        let tracked = self
            .shared
            .store
            .change(
                &id,
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
        let id = econsult.clone();
        let tracked = self
            .shared
            .store
            .change(
                econsult,
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
        let id = econsult.clone();
        let tracked = self
            .shared
            .store
            .change(
                econsult,
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
    ) -> Result<Vec<crate::SavedItem>, SyncError> {
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
    /// answered and journalled first) and waits for it.
    pub async fn shutdown(&self) {
        let _ = self.shared.commands.send(Command::Stop);
        let handle = lock(&self.shared.worker).take();
        if let Some(handle) = handle {
            let _ = handle.await;
        }
    }

    /// Stops the worker at once, wherever it is, as a crash would: nothing
    /// is journalled and no lease is released. For tests of recovery.
    pub fn abort(&self) {
        if let Some(handle) = lock(&self.shared.worker).take() {
            handle.abort();
        }
    }

    fn changed(&self, tracked: Tracked) {
        let id = tracked.econsult.id.clone();
        let wants = tracked.wants_save();
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
