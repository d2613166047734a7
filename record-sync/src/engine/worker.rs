//! The worker task: one eConsult at a time, in the order asked, with
//! retries and lease waits scheduled on tokio time.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet, VecDeque};
use std::sync::Arc;
use std::time::Duration;

use econsult_model::EConsultId;
use systmone_client::client::{
    CallOptions, ConnectionId, Error as ClientError, Outcome, SystmOneApi,
};
use systmone_client::proto::{Clinical, RecordState, UpdatePatientRecord};
use tokio::sync::{broadcast, mpsc, watch};
use tokio::time::Instant;
use tracing::{debug, info, warn};

use super::practice::PracticeCheck;
use super::{Command, EngineConfig, Progress, SaveReport};
use crate::plan::{PlannedCall, plan_save};
use crate::store::{
    Intent, IntentKey, Lease, LeaseToken, SavedItem, StoreError, SyncStore, Tracked,
};
use crate::{
    Clock, FailureCause, ItemKey, SaveFailure, SaveKind, SaveState, Spool, SyncError, Transition,
    markers_in, reconcile_request,
};

/// The eConsults waiting: ready now, or at a time. Each entry holds one
/// unit of the engine's pending count.
#[derive(Debug, Default)]
pub(crate) struct Queue {
    ready: VecDeque<EConsultId>,
    delayed: BTreeMap<(Instant, u64), EConsultId>,
    queued: HashSet<EConsultId>,
    sequence: u64,
}

impl Queue {
    /// Queues `id` now; false when it was already queued (now or later:
    /// a later entry is brought forward).
    fn push_now(&mut self, id: EConsultId) -> bool {
        if self.queued.contains(&id) {
            let delayed = self
                .delayed
                .iter()
                .find(|(_, e)| **e == id)
                .map(|(k, _)| *k);
            if let Some(key) = delayed {
                self.delayed.remove(&key);
                self.ready.push_back(id);
            }
            return false;
        }
        self.queued.insert(id.clone());
        self.ready.push_back(id);
        true
    }

    fn push_at(&mut self, id: EConsultId, at: Instant) {
        self.sequence += 1;
        self.queued.insert(id.clone());
        self.delayed.insert((at, self.sequence), id);
    }

    fn pop_ready(&mut self, now: Instant) -> Option<EConsultId> {
        while let Some(entry) = self.delayed.first_entry() {
            if entry.key().0 > now {
                break;
            }
            let id = entry.remove();
            self.ready.push_back(id);
        }
        let id = self.ready.pop_front()?;
        self.queued.remove(&id);
        Some(id)
    }

    fn next_due(&self) -> Option<Instant> {
        self.delayed.keys().next().map(|(at, _)| *at)
    }
}

/// What to do with an eConsult after working on it.
enum Next {
    Done,
    RetryIn(Duration),
}

/// The lease the worker holds on the eConsult it is working on.
#[derive(Debug, Clone)]
pub(crate) struct Held {
    token: LeaseToken,
    /// Taken just before the lease was last renewed, so the lease lasts at
    /// least `lease_ttl` from here by any clock that runs no faster than
    /// tokio's.
    renewed_at: Instant,
}

pub(crate) struct Worker {
    pub(crate) api: Arc<dyn SystmOneApi>,
    pub(crate) store: Arc<dyn SyncStore>,
    pub(crate) spool: Spool,
    pub(crate) config: EngineConfig,
    pub(crate) clock: Arc<dyn Clock>,
    pub(crate) owner: String,
    pub(crate) progress: broadcast::Sender<Progress>,
    pub(crate) commands: mpsc::UnboundedReceiver<Command>,
    pub(crate) pending: Arc<watch::Sender<usize>>,
    pub(crate) queue: Queue,
    /// Failed attempts in a row, per eConsult (for the backoff).
    pub(crate) attempts: HashMap<EConsultId, u32>,
    /// The lease on the eConsult being worked on.
    pub(crate) lease: Option<Held>,
    /// Which practice SystmOne is logged on at.
    pub(crate) practice: PracticeCheck,
    /// What is known of open intents whose outcome is being looked for.
    pub(crate) unsure: HashMap<IntentKey, Unsure>,
}

/// The outcome of one save attempt, before it is journalled.
struct Attempt {
    calls: u32,
    reads: u32,
    items: usize,
    failure: Option<Retry>,
}

/// A failure, and when to try again if not by the backoff.
struct Retry {
    failure: SaveFailure,
    after: Option<Duration>,
}

impl From<SaveFailure> for Retry {
    fn from(failure: SaveFailure) -> Self {
        Self {
            failure,
            after: None,
        }
    }
}

/// An open intent whose outcome is being looked for.
#[derive(Debug, Default)]
pub(crate) struct Unsure {
    /// When a read first missed some of its items: they are taken as not
    /// landed only by a read `settle` later.
    first_miss: Option<Instant>,
    /// SystmOne's refusal, when the call was answered with an error (which
    /// may still have kept some or all of it): once the record has been
    /// read, the save fails with it, retryable or not.
    refused: Option<Refusal>,
}

/// SystmOne's refusal of a call, and how many saves had been asked for
/// when the attempt that sent it began: one asked for since is not
/// dropped with it.
#[derive(Debug, Clone)]
struct Refusal {
    failure: SaveFailure,
    requests: u64,
}

/// What a reconciling read settled.
/// What one reconciling read came to.
enum Reading {
    /// The record was read.
    Read(Reconciled),
    /// The record could not be read: every intent stays open, and the save
    /// is retried (or fails) with this.
    Unread(Retry),
}

struct Reconciled {
    /// Items found and journalled as saved.
    found: usize,
    /// SystmOne's refusal of a call some of whose items were not found:
    /// the save fails with it.
    refused: Option<Refusal>,
    /// Intents it left open (a first miss, a record open in SystmOne), with
    /// why and when to look again.
    waiting: Option<Retry>,
}

/// What came of sending one call.
enum Sent {
    /// Every item is in the record.
    Landed,
    /// Not (all) in the record, or not known to be.
    Failed(Retry),
}

impl Worker {
    /// Sweeps the spool and queues what the journal has work for.
    pub(crate) async fn startup(mut self) -> Result<Self, StoreError> {
        match self.spool.list() {
            Ok(listed) => {
                let open: HashSet<_> = self
                    .store
                    .open_intents(None)
                    .await?
                    .into_iter()
                    .flat_map(|i| i.files)
                    .collect();
                let swept = self.spool.sweep(listed, &open).await;
                if swept > 0 {
                    info!(swept, "removed spool files no save needs");
                }
            }
            Err(error) => warn!(%error, "could not list the spool directory"),
        }
        let work = self.store.with_work().await?;
        if !work.is_empty() {
            info!(eConsults = work.len(), "resuming saves from the journal");
        }
        for id in work {
            if self.queue.push_now(id) {
                self.pending.send_modify(|n| *n += 1);
            }
        }
        Ok(self)
    }

    pub(crate) async fn run(mut self) {
        // Ask which practice SystmOne is logged on at before the first
        // save needs it, so that save is one call. A failure here is
        // asked again when a save needs the answer.
        if let Err(failure) = self.practice.ask(self.api.as_ref()).await {
            debug!(cause = ?failure.cause, "could not yet ask which practice SystmOne is logged on at");
        }
        loop {
            while let Ok(command) = self.commands.try_recv() {
                if !self.take(command) {
                    return;
                }
            }
            if let Some(id) = self.queue.pop_ready(Instant::now()) {
                let next = self.process(&id).await;
                match next {
                    Next::Done => self.pending.send_modify(|n| *n = n.saturating_sub(1)),
                    Next::RetryIn(delay) => self.queue.push_at(id, Instant::now() + delay),
                }
                continue;
            }
            let due = self.queue.next_due();
            tokio::select! {
                command = self.commands.recv() => match command {
                    Some(command) => {
                        if !self.take(command) {
                            return;
                        }
                    }
                    None => return,
                },
                () = sleep_until(due) => {}
            }
        }
    }

    /// Takes a command; false to stop.
    fn take(&mut self, command: Command) -> bool {
        match command {
            Command::Process(id) => {
                if !self.queue.push_now(id) {
                    self.pending.send_modify(|n| *n = n.saturating_sub(1));
                }
                true
            }
            Command::Stop => false,
        }
    }

    fn emit(&self, tracked: &Tracked, report: Option<SaveReport>) {
        let _ = self.progress.send(Progress {
            econsult: tracked.econsult.id.clone(),
            state: tracked.state.clone(),
            report,
        });
    }

    async fn process(&mut self, id: &EConsultId) -> Next {
        let taken_at = Instant::now();
        match self
            .store
            .acquire_lease(id, &self.owner, self.config.lease_ttl)
            .await
        {
            Ok(Lease::Acquired(token)) => {
                self.lease = Some(Held {
                    token,
                    renewed_at: taken_at,
                });
            }
            Ok(Lease::HeldBy { owner, remaining }) => {
                debug!(econsult = %id, %owner, "another engine holds the eConsult; waiting for its lease");
                return Next::RetryIn(remaining + Duration::from_millis(100));
            }
            Err(error) => {
                warn!(econsult = %id, %error, "could not take the eConsult's lease");
                return Next::RetryIn(self.config.retry.initial);
            }
        }
        let next = match self.save(id).await {
            Ok(next) => next,
            Err(SyncError::Store(error)) if error.is_lease_lost() => {
                warn!(econsult = %id, "another engine took the eConsult over (this one held it past its lease); leaving it to that engine");
                self.lease = None;
                return Next::RetryIn(self.config.lease_ttl);
            }
            Err(error @ SyncError::Internal(_)) => {
                warn!(econsult = %id, %error, "an engine task failed during a save; it is tried again");
                Next::RetryIn(self.config.retry.initial)
            }
            Err(error) => {
                warn!(econsult = %id, %error, "the journal failed during a save");
                Next::RetryIn(self.config.retry.initial)
            }
        };
        if let Some(held) = self.lease.take()
            && let Err(error) = self.store.release_lease(&held.token).await
        {
            warn!(econsult = %id, %error, "could not release the eConsult's lease");
        }
        next
    }

    /// The lease being worked under.
    fn fence(&self) -> Result<&LeaseToken, SyncError> {
        self.lease
            .as_ref()
            .map(|held| &held.token)
            .ok_or_else(|| SyncError::Store(StoreError::new("no lease is held")))
    }

    /// Renews the lease; an error when another engine has taken it over.
    async fn renew(&mut self) -> Result<(), SyncError> {
        let renewed_at = Instant::now();
        let token = self.fence()?.clone();
        self.store
            .renew_lease(&token, self.config.lease_ttl)
            .await?;
        if let Some(held) = self.lease.as_mut() {
            held.renewed_at = renewed_at;
        }
        Ok(())
    }

    /// The last instant a write may be sent under the lease as renewed.
    fn send_by(&self) -> Instant {
        let renewed_at = self
            .lease
            .as_ref()
            .map_or_else(Instant::now, |held| held.renewed_at);
        renewed_at + self.config.send_window()
    }

    /// The items of the eConsult the journal knows are in the record.
    async fn saved_keys(&self, id: &EConsultId) -> Result<BTreeSet<ItemKey>, StoreError> {
        let saved = self.store.saved_items(id).await?;
        Ok(saved.into_iter().map(|s| s.item).collect())
    }

    /// A change to the eConsult, made only under this engine's lease.
    async fn change(
        &self,
        id: &EConsultId,
        change: impl FnOnce(&mut Tracked) -> Result<(), SyncError> + Send + 'static,
    ) -> Result<Tracked, SyncError> {
        let missing = id.clone();
        self.store
            .change(
                id,
                Some(self.fence()?),
                Box::new(move |current| {
                    let mut tracked = current.ok_or(SyncError::NotTracked(missing))?;
                    change(&mut tracked)?;
                    Ok(tracked)
                }),
            )
            .await
    }

    /// Resolves an intent under this engine's lease.
    async fn finish(&mut self, intent: &Intent, landed: &[SavedItem]) -> Result<(), SyncError> {
        let finished = self
            .store
            .finish_intent(&intent.key, landed, self.fence()?)
            .await;
        // Resolved, or the lease is lost: either way no one needs these
        // files (a new holder reconciles by reading, and sends its own).
        if finished.as_ref().is_ok() || finished.as_ref().is_err_and(StoreError::is_lease_lost) {
            self.unsure.remove(&intent.key);
            self.spool.remove(&intent.files).await;
        }
        Ok(finished?)
    }

    /// One eConsult, under its lease.
    async fn save(&mut self, id: &EConsultId) -> Result<Next, SyncError> {
        let Some(tracked) = self.store.load(id).await? else {
            return Ok(Next::Done);
        };
        let requests_seen = tracked.requests;
        // A save journalled as under way while this engine holds the lease
        // was cut off (a crash, or an engine whose lease ran out).
        if matches!(tracked.state.save(), SaveState::Saving { .. }) {
            let tracked = self
                .change(id, |t| {
                    t.state = t.state.clone().interrupted();
                    Ok(())
                })
                .await?;
            info!(econsult = %id, "found an interrupted save; reconciling it");
            self.emit(&tracked, None);
        }

        let open = self.store.open_intents(Some(id)).await?;
        let reads = u32::from(!open.is_empty());
        if !open.is_empty() {
            let connection = match self
                .practice
                .check(self.api.as_ref(), &tracked.econsult.practice)
                .await
            {
                Ok(connection) => connection,
                Err(failure) => {
                    return self
                        .record_failure(id, failure.into(), None, requests_seen)
                        .await;
                }
            };
            match self.reconcile(&open, connection).await? {
                Reading::Read(Reconciled {
                    waiting: None,
                    refused: None,
                    ..
                }) => {}
                Reading::Read(Reconciled {
                    waiting: Some(retry),
                    ..
                })
                | Reading::Unread(retry) => {
                    return self.record_failure(id, retry, None, requests_seen).await;
                }
                Reading::Read(Reconciled {
                    refused: Some(refusal),
                    ..
                }) => {
                    return self
                        .record_failure(id, refusal.failure.into(), None, refusal.requests)
                        .await;
                }
            }
        }

        let Some(tracked) = self.store.load(id).await? else {
            return Ok(Next::Done);
        };
        if !tracked.wants_save() {
            return Ok(Next::Done);
        }
        let started = Instant::now();
        let tracked = self
            .change(id, |t| {
                t.state.apply(Transition::SaveStarted)?;
                t.saves_started += 1;
                Ok(())
            })
            .await?;
        let requests_at_start = tracked.requests;
        let kind = match tracked.state.save() {
            SaveState::Saving { kind } => *kind,
            _ => SaveKind::Full,
        };
        self.emit(&tracked, None);
        info!(econsult = %id, %kind, "saving to the record");

        let attempt = self.attempt(&tracked).await?;
        let reads = reads + attempt.reads;
        let report = SaveReport {
            kind,
            calls: attempt.calls,
            reads,
            items: attempt.items,
            elapsed: started.elapsed(),
            failure: None,
            retry_in: None,
        };
        match attempt.failure {
            Some(retry) => {
                self.record_failure(id, retry, Some(report), requests_at_start)
                    .await
            }
            None => {
                let tracked = self
                    .change(id, move |t| {
                        t.state.apply(Transition::SaveSucceeded)?;
                        if t.requests == requests_at_start {
                            t.save_requested = false;
                        }
                        Ok(())
                    })
                    .await?;
                self.attempts.remove(id);
                info!(econsult = %id, calls = attempt.calls, items = attempt.items, "saved");
                let again = tracked.wants_save();
                self.emit(&tracked, Some(report));
                // More was asked for while it saved (new activity, or
                // completing waits for it): carry on.
                Ok(if again {
                    Next::RetryIn(Duration::ZERO)
                } else {
                    Next::Done
                })
            }
        }
    }

    /// Journals a failed attempt and decides on a retry; `report` is the
    /// attempt's, when a save had started (its failure and retry are
    /// filled in here). `requests_seen`: how many saves had been asked for
    /// when the attempt began; one asked for since is never dropped.
    async fn record_failure(
        &mut self,
        id: &EConsultId,
        retry: Retry,
        report: Option<SaveReport>,
        requests_seen: u64,
    ) -> Result<Next, SyncError> {
        let Retry { failure, after } = retry;
        // Waiting for the right practice is not a failure that more tries
        // make hopeless: it resumes whenever SystmOne is logged on there,
        // and it does not use up the attempts of the failures that are.
        let waiting_for_practice = failure.cause == FailureCause::WrongPractice;
        // Likewise a record a user has open in SystmOne: the save waits for
        // them to save or close it, however long that takes.
        let waiting_for_person =
            waiting_for_practice || failure.cause == FailureCause::NotCommitted;
        let attempt = {
            let n = self.attempts.entry(id.clone()).or_insert(0);
            if !waiting_for_person {
                *n += 1;
            }
            (*n).max(1)
        };
        let again =
            failure.retryable && (attempt <= self.config.retry.max_attempts || waiting_for_person);
        let after = after.or(waiting_for_practice.then_some(self.config.practice_recheck));
        let retry_in = again.then(|| after.unwrap_or_else(|| self.config.retry.delay(attempt)));
        let saved = self.saved_keys(id).await?;
        let consultation_saved = saved.contains(&ItemKey::Consultation);
        let recorded = failure.clone();
        let tracked = self
            .change(id, move |t| {
                if matches!(t.state.save(), SaveState::Saving { .. }) {
                    t.state.apply(Transition::SaveFailed {
                        failure: recorded,
                        consultation_saved,
                    })?;
                } else if let SaveState::Failed { failure } = t.state.save() {
                    // Reconciliation failed before a save started: keep the
                    // state, with the newer cause.
                    if *failure != recorded {
                        t.state = t.state.clone().with_failure(recorded);
                    }
                }
                if !again && t.requests == requests_seen {
                    t.save_requested = false;
                }
                Ok(())
            })
            .await?;
        // Given up on, but asked for again meanwhile: start afresh.
        let asked_again = !again && tracked.wants_save();
        let retry_in = retry_in.or(asked_again.then_some(self.config.retry.initial));
        // SystmOne's words can quote an identifier: only at debug.
        warn!(econsult = %id, cause = ?failure.cause, retryable = failure.retryable, attempt, "a save failed");
        debug!(econsult = %id, detail = %failure.detail, "why the save failed");
        if !again {
            self.attempts.remove(id);
        }
        let report = report.map(|report| SaveReport {
            failure: Some(failure),
            retry_in,
            ..report
        });
        self.emit(&tracked, report);
        Ok(match retry_in {
            Some(delay) => Next::RetryIn(delay),
            None => Next::Done,
        })
    }

    /// Plans and sends one save; failures of SystmOne or the spool are the
    /// attempt's outcome, failures of the journal (and a lost lease) are
    /// errors.
    async fn attempt(&mut self, tracked: &Tracked) -> Result<Attempt, SyncError> {
        let id = &tracked.econsult.id;
        let mut attempt = Attempt {
            calls: 0,
            reads: 0,
            items: 0,
            failure: None,
        };
        let saved = self.saved_keys(id).await?;
        // Rendering a PDF is CPU work: keep it off the async threads.
        let (econsult, config) = (tracked.econsult.clone(), self.config.plan.clone());
        let planned = tokio::task::spawn_blocking(move || plan_save(&econsult, &saved, &config))
            .await
            .map_err(|e| SyncError::Internal(format!("the planning task failed: {e}")))?;
        let plan = match planned {
            Ok(plan) => plan,
            Err(error) => {
                attempt.failure =
                    Some(SaveFailure::new(FailureCause::Content, false, error.to_string()).into());
                return Ok(attempt);
            }
        };
        for call in plan.calls {
            self.renew().await?;
            let connection = match self
                .practice
                .check(self.api.as_ref(), &tracked.econsult.practice)
                .await
            {
                Ok(connection) => connection,
                Err(failure) => {
                    attempt.failure = Some(failure.into());
                    return Ok(attempt);
                }
            };
            match self.send(tracked, call, connection, &mut attempt).await? {
                Sent::Landed => {}
                Sent::Failed(retry) => {
                    attempt.failure = Some(retry);
                    return Ok(attempt);
                }
            }
        }
        Ok(attempt)
    }

    /// Sends one planned call: journal, spool, call, journal.
    async fn send(
        &mut self,
        tracked: &Tracked,
        mut call: PlannedCall,
        connection: ConnectionId,
        attempt: &mut Attempt,
    ) -> Result<Sent, SyncError> {
        let key = IntentKey::generate();
        let files = self.spool.paths_for(&key, &call);
        let intent = Intent {
            key: key.clone(),
            econsult: tracked.econsult.id.clone(),
            patient: tracked.patient.clone(),
            items: call.items(),
            files: files.clone(),
            sent_at: self.clock.local_now(),
            created: self.clock.now(),
        };
        self.store.begin_intent(&intent, self.fence()?).await?;
        if let Err(error) = self.spool.write(&mut call, &files).await {
            self.finish(&intent, &[]).await?;
            return Ok(Sent::Failed(
                SaveFailure::new(
                    FailureCause::File,
                    true,
                    format!(
                        "the spool directory {} could not be written: {error}",
                        self.spool.dir().display()
                    ),
                )
                .into(),
            ));
        }
        let request = UpdatePatientRecord {
            identity: tracked.patient.to_identity(),
            clinical: Some(Clinical {
                events: call.entries.into_iter().map(|e| e.event).collect(),
                ..Clinical::default()
            }),
            ..UpdatePatientRecord::default()
        };
        let options = CallOptions::default()
            .timeout(self.config.write_timeout)
            .send_by(self.send_by())
            .on_connection(connection);
        attempt.calls += 1;
        debug!(intent = %key, items = intent.items.len(), "sending UpdatePatientRecord");
        let sent = self.api.update_patient_record_with(request, options).await;
        let unsure = match sent {
            Ok(answered) => {
                let response = answered.response;
                let committed = response.record_state != Some(RecordState::Open);
                if committed && response.event_uids.len() == intent.items.len() {
                    let landed: Vec<SavedItem> = intent
                        .items
                        .iter()
                        .zip(response.event_uids)
                        .map(|(item, uid)| SavedItem {
                            item: item.clone(),
                            event_uid: Some(uid.0),
                            intent: key.clone(),
                        })
                        .collect();
                    self.finish(&intent, &landed).await?;
                    attempt.items += landed.len();
                    return Ok(Sent::Landed);
                }
                if committed {
                    warn!(
                        intent = %key,
                        sent = intent.items.len(),
                        returned = response.event_uids.len(),
                        "SystmOne returned a different number of EventUIDs than events sent; looking in the record"
                    );
                    "SystmOne answered with a different number of EventUIDs than entries sent"
                        .to_owned()
                } else {
                    info!(intent = %key, "SystmOne kept the save uncommitted (RecordState Open); looking in the record");
                    "SystmOne answered that the record is open and the save not yet committed"
                        .to_owned()
                }
            }
            // Never sent: nothing to look for.
            Err(error)
                if error.outcome() == Outcome::NotProcessed
                    && !matches!(error, ClientError::SystmOne { .. }) =>
            {
                self.practice.forget_if_reconnected(&error);
                self.finish(&intent, &[]).await?;
                return Ok(Sent::Failed(SaveFailure::from_client(&error, true).into()));
            }
            Err(error) => {
                // No answer, an unreadable one, or an error answer
                // (PROTOCOL.md §12.11 leaves open whether SystmOne kept some
                // of a call's events, and nothing says an error answer
                // means nothing was kept): look before sending again.
                self.practice.forget_if_reconnected(&error);
                if matches!(error, ClientError::SystmOne { .. }) {
                    self.unsure.entry(key.clone()).or_default().refused = Some(Refusal {
                        failure: SaveFailure::from_client(&error, true),
                        requests: tracked.requests,
                    });
                }
                info!(intent = %key, kind = ?error.kind(), "the outcome of a save is not known; looking for it in the record");
                format!("{error}")
            }
        };
        attempt.reads += 1;
        let connection = match self
            .practice
            .check(self.api.as_ref(), &tracked.econsult.practice)
            .await
        {
            Ok(connection) => connection,
            Err(failure) => return Ok(Sent::Failed(failure.into())),
        };
        let reconciled = match self
            .reconcile(std::slice::from_ref(&intent), connection)
            .await?
        {
            Reading::Read(reconciled) => reconciled,
            Reading::Unread(retry) => return Ok(Sent::Failed(retry)),
        };
        attempt.items += reconciled.found;
        Ok(match reconciled.waiting {
            None if reconciled.found == intent.items.len() => Sent::Landed,
            None if reconciled.refused.is_some() => Sent::Failed(
                reconciled
                    .refused
                    .map_or_else(
                        || SaveFailure::new(FailureCause::Rejected, false, unsure),
                        |r| r.failure,
                    )
                    .into(),
            ),
            None => Sent::Failed(
                SaveFailure::new(
                    FailureCause::SystmOneUnavailable,
                    true,
                    format!(
                        "{unsure}; the record shows {} of {} entries, and the rest is sent again",
                        reconciled.found,
                        intent.items.len()
                    ),
                )
                .into(),
            ),
            Some(retry) => Sent::Failed(Retry {
                failure: SaveFailure::new(
                    retry.failure.cause,
                    true,
                    format!("{unsure}; {}", retry.failure.detail),
                ),
                after: retry.after,
            }),
        })
    }

    /// Looks for open intents' items in the record, with one read around
    /// the days they were sent (after renewing the lease). An intent whose
    /// items are all there is resolved; one with items missing is resolved
    /// (and the rest sent again) only if a read [`EngineConfig::settle`]
    /// earlier missed them too, else it stays open and `waiting` says when
    /// to look again. A read of a record open in SystmOne resolves
    /// nothing: what it shows may not be committed. [`Reading::Unread`]
    /// when the record could not be read: the intents stay open. An `Err`
    /// is the journal failing. All the intents are of one
    /// eConsult, so of one patient (the link cannot change while any is
    /// open).
    async fn reconcile(
        &mut self,
        intents: &[Intent],
        connection: ConnectionId,
    ) -> Result<Reading, SyncError> {
        let (Some(first), Some(sent_at)) =
            (intents.first(), intents.iter().map(|i| i.sent_at).min())
        else {
            return Ok(Reading::Read(Reconciled {
                found: 0,
                refused: None,
                waiting: None,
            }));
        };
        self.renew().await?;
        let request = reconcile_request(
            &first.patient,
            sent_at,
            self.clock.local_now(),
            self.config.clock_tolerance,
        );
        let options = CallOptions::default().on_connection(connection);
        // The read shows the record as it was at some moment after this:
        // the time two reads are apart is measured from this one's start
        // to the earlier one's answer, never from when an answer came.
        let read_sent = Instant::now();
        let record = match self.api.get_patient_record_with(request, options).await {
            Ok(answered) => answered.response,
            Err(error) => {
                self.practice.forget_if_reconnected(&error);
                let read = SaveFailure::from_client(&error, false);
                let cause = if read.retryable {
                    FailureCause::OutcomeUnknown
                } else {
                    read.cause
                };
                return Ok(Reading::Unread(SaveFailure::new(
                    cause,
                    read.retryable,
                    format!(
                        "a save may or may not be in the record, and the record could not be read to find out: {}",
                        read.detail
                    ),
                )
                .into()));
            }
        };
        if record.record_state == Some(RecordState::Open) {
            info!(econsult = %first.econsult, "the record is open in SystmOne; what it shows may not be committed, so nothing is concluded yet");
            return Ok(Reading::Read(Reconciled {
                found: 0,
                refused: None,
                waiting: Some(Retry {
                    failure: SaveFailure::new(
                        FailureCause::NotCommitted,
                        true,
                        "the patient's record is open in SystmOne, so whether the save is committed cannot be known yet",
                    ),
                    after: Some(self.config.settle),
                }),
            }));
        }
        let found = markers_in(&first.econsult, &record, self.config.software.as_deref());
        let now = Instant::now();
        let mut total = 0;
        let mut refused = None;
        let mut wait: Option<Duration> = None;
        for intent in intents {
            let landed: Vec<SavedItem> = intent
                .items
                .iter()
                .filter_map(|item| {
                    found.get(item).map(|uid| SavedItem {
                        item: item.clone(),
                        event_uid: uid.clone(),
                        intent: intent.key.clone(),
                    })
                })
                .collect();
            let complete = landed.len() == intent.items.len();
            let known = self.unsure.entry(intent.key.clone()).or_default();
            let first_miss = *known.first_miss.get_or_insert(now);
            let settled = read_sent.saturating_duration_since(first_miss) >= self.config.settle;
            if !complete && settled {
                refused = refused.or_else(|| known.refused.clone());
            }
            if !complete && !settled {
                let left = self
                    .config
                    .settle
                    .saturating_sub(now.duration_since(first_miss));
                info!(intent = %intent.key, found = landed.len(), of = intent.items.len(), "a save is not (all) in the record yet; looking again after the settle time");
                wait = Some(wait.map_or(left, |w| w.max(left)));
                continue;
            }
            self.finish(intent, &landed).await?;
            info!(
                intent = %intent.key,
                found = landed.len(),
                of = intent.items.len(),
                "reconciled a save with the record"
            );
            total += landed.len();
        }
        Ok(Reading::Read(Reconciled {
            found: total,
            refused,
            waiting: wait.map(|after| Retry {
                failure: SaveFailure::new(
                    FailureCause::OutcomeUnknown,
                    true,
                    "a save is not (all) in the record yet; SystmOne's reads can lag its writes, so the record is read again before anything is sent again",
                ),
                after: Some(after),
            }),
        }))
    }
}

async fn sleep_until(due: Option<Instant>) {
    match due {
        Some(at) => tokio::time::sleep_until(at).await,
        None => std::future::pending().await,
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn id(s: &str) -> EConsultId {
        EConsultId::new(s).unwrap()
    }

    #[tokio::test(start_paused = true)]
    async fn the_queue_keeps_one_entry_per_econsult_and_brings_a_retry_forward_when_asked() {
        let mut queue = Queue::default();
        let now = Instant::now();
        assert!(queue.push_now(id("a")));
        assert!(!queue.push_now(id("a")), "already queued");
        queue.push_at(id("b"), now + Duration::from_secs(10));
        assert_eq!(queue.next_due(), Some(now + Duration::from_secs(10)));
        assert_eq!(queue.pop_ready(now), Some(id("a")));
        assert_eq!(queue.pop_ready(now), None, "b is not due");
        // A new request for b brings its retry forward instead of adding one.
        assert!(!queue.push_now(id("b")));
        assert_eq!(queue.next_due(), None);
        assert_eq!(queue.pop_ready(now), Some(id("b")));
        queue.push_at(id("c"), now + Duration::from_secs(5));
        assert_eq!(queue.pop_ready(now + Duration::from_secs(5)), Some(id("c")));
        assert!(queue.queued.is_empty());
    }
}
