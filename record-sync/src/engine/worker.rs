//! The worker task: one eConsult at a time, in the order asked, with
//! retries and lease waits scheduled on tokio time.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet, VecDeque};
use std::sync::Arc;
use std::time::Duration;

use econsult_model::EConsultId;
use systmone_client::client::{Outcome, SystmOneApi};
use systmone_client::proto::{Clinical, UpdatePatientRecord};
use tokio::sync::{broadcast, mpsc, watch};
use tokio::time::Instant;
use tracing::{debug, info, warn};

use super::{Command, EngineConfig, Progress, SaveReport};
use crate::plan::{PlannedCall, plan_save};
use crate::{
    Clock, FailureCause, Intent, IntentKey, ItemKey, Lease, SaveFailure, SaveKind, SaveState,
    SavedItem, Spool, StoreError, SyncError, SyncStore, Tracked, Transition, markers_in,
    reconcile_request,
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
}

/// The outcome of one save attempt, before it is journalled.
struct Attempt {
    calls: u32,
    reads: u32,
    items: usize,
    failure: Option<SaveFailure>,
    /// Another engine took the eConsult over (this one held it past its
    /// lease): the state is theirs now and is left alone.
    lease_lost: bool,
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

    /// Takes or renews the eConsult's lease until now plus the lease time.
    async fn lease(&self, id: &EConsultId, now_ms: i64) -> Result<Lease, StoreError> {
        let ttl = i64::try_from(self.config.lease_ttl.as_millis()).unwrap_or(i64::MAX);
        self.store.acquire_lease(id, &self.owner, now_ms, ttl).await
    }

    async fn process(&mut self, id: &EConsultId) -> Next {
        let now_ms = self.clock.now_ms();
        match self.lease(id, now_ms).await {
            Ok(Lease::Acquired) => {}
            Ok(Lease::HeldBy { owner, expires_ms }) => {
                debug!(econsult = %id, %owner, "another engine holds the eConsult; waiting for its lease");
                let wait = u64::try_from(expires_ms.saturating_sub(now_ms)).unwrap_or(0);
                return Next::RetryIn(Duration::from_millis(wait) + Duration::from_millis(100));
            }
            Err(error) => {
                warn!(econsult = %id, %error, "could not take the eConsult's lease");
                return Next::RetryIn(self.config.retry.initial);
            }
        }
        let next = match self.save(id).await {
            Ok(next) => next,
            Err(error) => {
                warn!(econsult = %id, %error, "the journal failed during a save");
                Next::RetryIn(self.config.retry.initial)
            }
        };
        if let Err(error) = self.store.release_lease(id, &self.owner).await {
            warn!(econsult = %id, %error, "could not release the eConsult's lease");
        }
        next
    }

    /// The items of the eConsult the journal knows are in the record.
    async fn saved_keys(&self, id: &EConsultId) -> Result<BTreeSet<ItemKey>, StoreError> {
        let saved = self.store.saved_items(id).await?;
        Ok(saved.into_iter().map(|s| s.item).collect())
    }

    /// Renews the lease; false when another engine has taken it.
    async fn renew(&self, id: &EConsultId) -> Result<bool, StoreError> {
        Ok(self.lease(id, self.clock.now_ms()).await? == Lease::Acquired)
    }

    async fn change(
        &self,
        id: &EConsultId,
        change: impl FnOnce(&mut Tracked) -> Result<(), SyncError> + Send + 'static,
    ) -> Result<Tracked, SyncError> {
        let missing = id.clone();
        self.store
            .change(
                id,
                Box::new(move |current| {
                    let mut tracked = current.ok_or(SyncError::NotTracked(missing))?;
                    change(&mut tracked)?;
                    Ok(tracked)
                }),
            )
            .await
    }

    /// One eConsult, under its lease.
    async fn save(&mut self, id: &EConsultId) -> Result<Next, SyncError> {
        let Some(tracked) = self.store.load(id).await? else {
            return Ok(Next::Done);
        };
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
        if let Err(failure) = self.reconcile(&open).await? {
            return self.record_failure(id, failure, None).await;
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
                t.state.apply(Transition::SaveStarted).map_err(Into::into)
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
        if attempt.lease_lost || !self.renew(id).await? {
            warn!(econsult = %id, "another engine took the eConsult over (this one held it past its lease); leaving it to that engine");
            return Ok(Next::RetryIn(self.config.lease_ttl));
        }
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
            Some(failure) => self.record_failure(id, failure, Some(report)).await,
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
    /// filled in here).
    async fn record_failure(
        &mut self,
        id: &EConsultId,
        failure: SaveFailure,
        report: Option<SaveReport>,
    ) -> Result<Next, SyncError> {
        let attempt = {
            let n = self.attempts.entry(id.clone()).or_insert(0);
            *n += 1;
            *n
        };
        let retry = failure.retryable && attempt <= self.config.retry.max_attempts;
        let retry_in = retry.then(|| self.config.retry.delay(attempt));
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
                if !retry {
                    t.save_requested = false;
                }
                Ok(())
            })
            .await?;
        // SystmOne's words can quote an identifier: only at debug.
        warn!(econsult = %id, cause = ?failure.cause, retryable = failure.retryable, attempt, "a save failed");
        debug!(econsult = %id, detail = %failure.detail, "why the save failed");
        if !retry {
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
    /// attempt's outcome, failures of the journal are errors.
    async fn attempt(&self, tracked: &Tracked) -> Result<Attempt, SyncError> {
        let id = &tracked.econsult.id;
        let mut attempt = Attempt {
            calls: 0,
            reads: 0,
            items: 0,
            failure: None,
            lease_lost: false,
        };
        let saved = self.saved_keys(id).await?;
        // Rendering a PDF is CPU work: keep it off the async threads.
        let (econsult, config) = (tracked.econsult.clone(), self.config.plan.clone());
        let planned = tokio::task::spawn_blocking(move || plan_save(&econsult, &saved, &config))
            .await
            .map_err(|e| {
                SyncError::Store(StoreError::new(format!("the planning task failed: {e}")))
            })?;
        let plan = match planned {
            Ok(plan) => plan,
            Err(error) => {
                attempt.failure = Some(SaveFailure::new(
                    FailureCause::Content,
                    false,
                    error.to_string(),
                ));
                return Ok(attempt);
            }
        };
        for call in plan.calls {
            if !self.renew(id).await? {
                attempt.lease_lost = true;
                return Ok(attempt);
            }
            match self.send(tracked, call, &mut attempt).await? {
                Ok(()) => {}
                Err(failure) => {
                    attempt.failure = Some(failure);
                    return Ok(attempt);
                }
            }
        }
        Ok(attempt)
    }

    /// Sends one planned call: journal, spool, call, journal.
    async fn send(
        &self,
        tracked: &Tracked,
        mut call: PlannedCall,
        attempt: &mut Attempt,
    ) -> Result<Result<(), SaveFailure>, SyncError> {
        let key = IntentKey::generate();
        let files = self.spool.paths_for(&key, &call);
        let intent = Intent {
            key: key.clone(),
            econsult: tracked.econsult.id.clone(),
            patient: tracked.patient.clone(),
            items: call.items(),
            files: files.clone(),
            sent_on: self.clock.local_now().date(),
            created_ms: self.clock.now_ms(),
        };
        self.store.begin_intent(&intent).await?;
        if let Err(error) = self.spool.write(&mut call, &files).await {
            self.store.finish_intent(&key, &[]).await?;
            return Ok(Err(SaveFailure::new(
                FailureCause::File,
                true,
                format!(
                    "the spool directory {} could not be written: {error}",
                    self.spool.dir().display()
                ),
            )));
        }
        let request = UpdatePatientRecord {
            identity: tracked.patient.identity(),
            clinical: Some(Clinical {
                events: call.entries.into_iter().map(|e| e.event).collect(),
                ..Clinical::default()
            }),
            ..UpdatePatientRecord::default()
        };
        attempt.calls += 1;
        debug!(intent = %key, items = intent.items.len(), "sending UpdatePatientRecord");
        match self.api.update_patient_record(request).await {
            Ok(response) => {
                let uids: Vec<Option<String>> = if response.event_uids.len() == intent.items.len() {
                    response.event_uids.into_iter().map(|u| Some(u.0)).collect()
                } else {
                    warn!(
                        intent = %key,
                        sent = intent.items.len(),
                        returned = response.event_uids.len(),
                        "SystmOne returned a different number of EventUIDs than events sent"
                    );
                    vec![None; intent.items.len()]
                };
                let landed: Vec<SavedItem> = intent
                    .items
                    .iter()
                    .zip(uids)
                    .map(|(item, event_uid)| SavedItem {
                        item: item.clone(),
                        event_uid,
                        intent: key.clone(),
                    })
                    .collect();
                self.store.finish_intent(&key, &landed).await?;
                attempt.items += landed.len();
                self.spool.remove(&intent.files).await;
                Ok(Ok(()))
            }
            Err(error) if error.outcome() == Outcome::NotProcessed => {
                self.store.finish_intent(&key, &[]).await?;
                self.spool.remove(&intent.files).await;
                Ok(Err(SaveFailure::from_client(&error, true)))
            }
            Err(error) => {
                info!(intent = %key, kind = ?error.kind(), "no answer to a save; looking for it in the record");
                attempt.reads += 1;
                let found = match self.reconcile(std::slice::from_ref(&intent)).await? {
                    Ok(found) => found,
                    Err(failure) => return Ok(Err(failure)),
                };
                attempt.items += found;
                if found == intent.items.len() {
                    Ok(Ok(()))
                } else {
                    Ok(Err(SaveFailure::new(
                        FailureCause::SystmOneUnavailable,
                        true,
                        format!(
                            "SystmOne did not answer ({error}); the record shows {found} of {} entries landed, and the rest is sent again",
                            intent.items.len()
                        ),
                    )))
                }
            }
        }
    }

    /// Looks for open intents' items in the record, with one read from the
    /// earliest day any was sent, and resolves each with what is there.
    /// Returns how many items were found; `Ok(Err)` when the record could
    /// not be read: the intents stay open. All the intents are of one
    /// eConsult, so of one patient (the link cannot change while any is
    /// open).
    async fn reconcile(&self, intents: &[Intent]) -> Result<Result<usize, SaveFailure>, SyncError> {
        let (Some(first), Some(sent_on)) =
            (intents.first(), intents.iter().map(|i| i.sent_on).min())
        else {
            return Ok(Ok(0));
        };
        let today = self.clock.local_now().date();
        let request = reconcile_request(&first.patient, sent_on, today);
        let record = match self.api.get_patient_record(request).await {
            Ok(record) => record,
            Err(error) => {
                let read = SaveFailure::from_client(&error, false);
                let cause = if read.retryable {
                    FailureCause::OutcomeUnknown
                } else {
                    read.cause
                };
                return Ok(Err(SaveFailure::new(
                    cause,
                    read.retryable,
                    format!(
                        "a save may or may not be in the record, and the record could not be read to find out: {}",
                        read.detail
                    ),
                )));
            }
        };
        let found = markers_in(&first.econsult, &record);
        let mut total = 0;
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
            info!(
                intent = %intent.key,
                found = landed.len(),
                of = intent.items.len(),
                "reconciled a save with the record"
            );
            self.store.finish_intent(&intent.key, &landed).await?;
            self.spool.remove(&intent.files).await;
            total += landed.len();
        }
        Ok(Ok(total))
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
