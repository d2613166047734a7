//! Attacks on the engine's promise ("nothing lost, nothing twice, never the
//! wrong patient, never the wrong practice"), written without reading the
//! author's promise.rs or chaos.rs.
//!
//! Every oracle counts what a clinician would see in the mock's record
//! (narrative text of the entries added through the API, or requests the
//! mock received), never through record-sync's own marker parsing.
//!
//! Each failed on the code they were written against; the code was then
//! put right, and they are regression tests. Three remain `#[ignore]`d,
//! each naming the documented limit, assumption or decision it attacks
//! (run them with `--ignored` to see it):
//!
//! - `a_late_landing_and_a_read_lag_each_shorter_than_settle_write_it_twice`
//! - `a_wall_clock_step_lets_a_second_process_take_over_while_the_first_still_sends`
//! - `a_practice_switch_that_keeps_the_connection_gets_the_next_save_written_to_it`
//!
//! The `control_*` tests and the rest hold: they are kept as regression
//! tests (each control is the failing scenario minus the one ingredient
//! that breaks it). `ATTACK_TRACE=1` logs the engine's steps.
#![allow(clippy::unwrap_used, clippy::too_many_lines)]

use crate::support;

use std::num::NonZeroUsize;
use std::sync::atomic::{AtomicI64, AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{NaiveDateTime, TimeDelta};
use econsult_model::{Channel, EConsult, EConsultId};
use record_sync::store::{MemoryStore, SqliteStore, StoreError};
use record_sync::{Clock, Engine, PlanConfig, SaveState, SyncError, TokioClock};
use support::*;
use systmone_client::client::{
    Answered, CallOptions, Client, Error as ClientError, Priority, SystmOneApi,
};
use systmone_client::mock::{Fault, FaultRule, MockSystmOne, Organisation};
use systmone_client::proto::*;

// ----- oracles: what the record shows, from the mock's side -----

/// How many entries added through the API to this NHS number's record show
/// `text` on some narrative line (what a clinician would see).
fn entries_showing(mock: &MockSystmOne, nhs: &str, text: &str) -> usize {
    let record = mock.record(nhs).unwrap();
    record
        .api_events()
        .filter(|e| {
            e.item
                .narratives
                .iter()
                .flat_map(|n| &n.lines)
                .any(|line| line.contains(text))
        })
        .count()
}

fn nhs_of(econsult: &EConsult) -> String {
    econsult.patient.nhs_number.unwrap().as_str().to_owned()
}

/// The texts of `typical()` a clinician looks for: the consultation's own
/// line and each message body.
const TYPICAL_TEXTS: [&str; 4] = [
    "the full consultation is in the attached PDF",
    "Please send a photo of your throat.",
    "Here it is, it is worse today.",
    "Please come in at 4pm.",
];

fn typical_counts(p: &Practice, econsult: &EConsult) -> Vec<(&'static str, usize)> {
    let nhs = nhs_of(econsult);
    TYPICAL_TEXTS
        .iter()
        .map(|t| (*t, entries_showing(&p.mock, &nhs, t)))
        .collect()
}

fn assert_typical_once(p: &Practice, econsult: &EConsult) {
    let counts = typical_counts(p, econsult);
    assert!(
        counts.iter().all(|(_, n)| *n == 1),
        "each item of the eConsult should be in the record exactly once: {counts:?}"
    );
}

fn trace() {
    if std::env::var_os("ATTACK_TRACE").is_some() {
        let _ = tracing_subscriber::fmt()
            .with_env_filter("record_sync=debug,systmone_client=info")
            .with_test_writer()
            .try_init();
    }
}

async fn settle_everything() {
    // Long enough for any late landing, read lag, retry and settle wait
    // the tests set up to run its course.
    tokio::time::sleep(Duration::from_secs(30 * 60)).await;
}

// ----- a SystmOneApi wrapper with hooks after writes and reads -----

type Pause = std::pin::Pin<Box<dyn std::future::Future<Output = ()> + Send>>;
type Hook = Box<dyn Fn(u32) -> Option<Pause> + Send + Sync>;

fn no_hook() -> Arc<Hook> {
    Arc::new(Box::new(|_| None))
}

/// Forwards every call to a client. After each answered
/// `UpdatePatientRecord` (numbered from 1) runs `after_write`, and after
/// each answered `GetPatientRecord` runs `after_read`, before the engine
/// sees the answer: a place to change the world between two steps of a
/// save, or to pause the engine as a sleeping laptop would.
#[derive(Clone)]
struct HookedApi {
    client: Client,
    writes: Arc<AtomicU32>,
    reads: Arc<AtomicU32>,
    after_write: Arc<Hook>,
    after_read: Arc<Hook>,
}

impl HookedApi {
    fn new(client: &Client) -> Self {
        Self {
            client: client.with_priority(Priority::Background),
            writes: Arc::default(),
            reads: Arc::default(),
            after_write: no_hook(),
            after_read: no_hook(),
        }
    }
}

macro_rules! hooked_api {
    ($($with:ident($request:ident) -> $response:ident;)*) => {
        #[async_trait::async_trait]
        impl SystmOneApi for HookedApi {
            $(
                async fn $with(
                    &self,
                    request: $request,
                    options: CallOptions,
                ) -> Result<Answered<$response>, ClientError> {
                    self.client.$with(request, options).await
                }
            )*

            async fn update_patient_record_with(
                &self,
                request: UpdatePatientRecord,
                options: CallOptions,
            ) -> Result<Answered<UpdatePatientRecordResponse>, ClientError> {
                let answer = self.client.update_patient_record_with(request, options).await;
                if answer.is_ok() {
                    let n = self.writes.fetch_add(1, Ordering::SeqCst) + 1;
                    if let Some(wait) = (self.after_write)(n) {
                        wait.await;
                    }
                }
                answer
            }

            async fn get_patient_record_with(
                &self,
                request: GetPatientRecord,
                options: CallOptions,
            ) -> Result<Answered<GetPatientRecordResponse>, ClientError> {
                let answer = self.client.get_patient_record_with(request, options).await;
                if answer.is_ok() {
                    let n = self.reads.fetch_add(1, Ordering::SeqCst) + 1;
                    if let Some(wait) = (self.after_read)(n) {
                        wait.await;
                    }
                }
                answer
            }
        }
    };
}

hooked_api! {
    get_functions_with(GetFunctions) -> GetFunctionsResponse;
    get_organisation_metadata_with(GetOrganisationMetaData) -> GetOrganisationMetaDataResponse;
    get_current_activity_with(GetCurrentActivity) -> GetCurrentActivityResponse;
    get_current_selection_with(GetCurrentSelection) -> GetCurrentSelectionResponse;
    patient_search_with(PatientSearch) -> PatientSearchResponse;
    get_document_with(GetDocument) -> GetDocumentResponse;
    delete_patient_record_with(DeletePatientRecord) -> DeletePatientRecordResponse;
    get_appointment_slots_with(GetAppointmentSlots) -> GetAppointmentSlotsResponse;
    get_diary_with(GetDiary) -> GetDiaryResponse;
    exit_client_with(ExitClient) -> ExitClientResponse;
    data_extract_with(DataExtract) -> DataExtractResponse;
    launch_functionality_with(LaunchFunctionality) -> LaunchFunctionalityResponse;
    get_xsd_files_with(GetXsdFiles) -> GetXsdFilesResponse;
    get_reference_data_with(GetReferenceData) -> GetReferenceDataResponse;
    is_patient_retrieved_with(IsPatientRetrieved) -> IsPatientRetrievedResponse;
}

// ----- a store wrapper that can make one read of the journal slow -----

/// Makes the next read of the open intents slow, once armed: a UI
/// process whose journal read stalls.
#[derive(Debug, Clone, Default)]
struct Slow(Arc<Mutex<Option<Duration>>>);

#[async_trait::async_trait]
impl StoreHook for Slow {
    async fn at(&self, step: Step<'_>) -> Result<(), StoreError> {
        if let Step::OpenIntentsRead = step {
            let pause = self.0.lock().unwrap().take();
            if let Some(pause) = pause {
                tokio::time::sleep(pause).await;
            }
        }
        Ok(())
    }
}

type SlowStore<S> = HookedStore<S, Slow>;

fn slow_store<S>(inner: S) -> SlowStore<S> {
    HookedStore {
        inner,
        hook: Slow::default(),
    }
}

// ----- a PC wall clock that can be stepped (an NTP correction) -----

/// The PC's wall clock: tokio time plus a step, shared by every process on
/// the PC (and so by every SqliteStore handle on the PC's journal).
#[derive(Debug, Clone)]
struct SteppedClock {
    base: TokioClock,
    step_ms: Arc<AtomicI64>,
}

impl SteppedClock {
    fn new(start: NaiveDateTime) -> Self {
        Self {
            base: TokioClock::starting_at(start),
            step_ms: Arc::default(),
        }
    }
    fn step(&self, by: Duration) {
        self.step_ms
            .fetch_add(i64::try_from(by.as_millis()).unwrap(), Ordering::SeqCst);
    }
}

impl Clock for SteppedClock {
    fn now(&self) -> std::time::SystemTime {
        let step = u64::try_from(self.step_ms.load(Ordering::SeqCst)).unwrap_or(0);
        self.base.now() + Duration::from_millis(step)
    }
    fn local_now(&self) -> NaiveDateTime {
        self.base.local_now() + TimeDelta::milliseconds(self.step_ms.load(Ordering::SeqCst))
    }
}

// =====================================================================
// Nothing twice
// =====================================================================

/// One save of `typical()` whose only write lands `late` after its answer
/// was lost (`None`: processed at once, answer lost), with SystmOne's
/// reads lagging its writes by `lag`; the record's counts afterwards.
async fn lost_answer_with(late: Option<Duration>, lag: Duration) -> Vec<(&'static str, usize)> {
    let p = Practice::start(Throttle::Off).await;
    p.mock.set_read_lag(lag);
    let fault = late.map_or(Fault::DropAfterProcessing, Fault::LandLate);
    p.mock
        .inject(FaultRule::on::<UpdatePatientRecord>(fault).times(1));
    let engine = p.memory_engine().await;
    let econsult = typical();
    save_and_wait(&engine, &econsult).await;
    settle_everything().await;
    typical_counts(&p, &econsult)
}

fn assert_once(counts: &[(&str, usize)]) {
    assert_once_with(counts, "");
}

/// A write whose answer is lost lands 90 s later (less than `settle`), and
/// SystmOne's reads lag its writes by 60 s (less than `settle`): each
/// within what `settle` is said to cover, together more than it. The
/// first read misses at once, the second, `settle` later, still misses
/// (the entry is visible only at 150 s), and everything is sent again.
#[ignore = "known limit (documented on EngineConfig::settle): settle must cover how late a write may land plus how long reads lag"]
#[tokio::test(start_paused = true)]
async fn a_late_landing_and_a_read_lag_each_shorter_than_settle_write_it_twice() {
    assert_once(&lost_answer_with(Some(Duration::from_secs(90)), Duration::from_secs(60)).await);
}

/// Control (holds): the same late landing without a read lag.
#[tokio::test(start_paused = true)]
async fn control_a_late_landing_alone_shorter_than_settle_is_written_once() {
    assert_once(&lost_answer_with(Some(Duration::from_secs(110)), Duration::ZERO).await);
}

/// Control (holds): the same read lag without a late landing.
#[tokio::test(start_paused = true)]
async fn control_a_read_lag_alone_shorter_than_settle_is_written_once() {
    assert_once(&lost_answer_with(None, Duration::from_secs(110)).await);
}

/// Two processes on one PC share the SQLite journal (leases on the PC's
/// wall clock). The first takes the lease, journals its intent, and
/// stalls 50 s before sending: inside its 55 s send window by its own
/// (monotonic) clock. Meanwhile the PC's wall clock is stepped forward by
/// `step` (an NTP correction after a resume). The second process starts
/// 6 s in and resumes the save. The write lands 80 s after it is sent
/// (less than `settle`). Returns the record's counts and when each write
/// reached SystmOne.
async fn two_processes_and_a_clock_step(
    step: Duration,
) -> (Vec<(&'static str, usize)>, Vec<Duration>) {
    trace();
    let p = Practice::start(Throttle::Off).await;
    let clock = SteppedClock::new(p.start);
    let journal = p.journal();
    let store_a = PausingStore::new(
        SqliteStore::open(&journal)
            .unwrap()
            .with_clock(clock.clone()),
    );
    let store_b = SqliteStore::open(&journal)
        .unwrap()
        .with_clock(clock.clone());
    let engine_a = p
        .engine(store_a.clone(), "pc-1")
        .clock(clock.clone())
        .start()
        .await
        .unwrap();
    p.mock.inject(
        FaultRule::on::<UpdatePatientRecord>(Fault::LandLate(Duration::from_secs(80))).times(1),
    );
    let econsult = typical();
    let t0 = tokio::time::Instant::now();
    store_a.pause_after_next_intent(Duration::from_secs(50));
    engine_a
        .save(econsult.clone(), patient_of(&econsult))
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_secs(5)).await;
    clock.step(step);
    tokio::time::sleep(Duration::from_secs(1)).await;
    // The second process starts now: it resumes what the journal has work
    // for (a save under way, an open intent).
    let client_b = p.another_client().await;
    let engine_b = p
        .engine_on(&client_b, store_b, "pc-1")
        .clock(clock.clone())
        .start()
        .await
        .unwrap();
    settle_everything().await;
    engine_a.idle().await;
    engine_b.idle().await;
    let writes = p
        .mock
        .requests()
        .into_iter()
        .filter(|r| r.function() == Some("UpdatePatientRecord"))
        .map(|r| r.arrived.duration_since(t0))
        .collect();
    (typical_counts(&p, &econsult), writes)
}

/// With a 2-minute step, the second process takes the lease over at 6 s
/// (expired by the journal's clock) and starts reconciling; the first
/// still sends at 50 s (its send-by is judged by its own clock, not the
/// journal's), so a write goes out after its lease expired by the
/// journal's clock (claim 2), and the second process, reading at 6 s and
/// 126 s, misses the write landing at 130 s and sends everything again.
#[ignore = "known limit (documented on SyncStore): a wall clock stepped forward while a write is in flight shortens its lease by the store's judgement"]
#[tokio::test(start_paused = true)]
async fn a_wall_clock_step_lets_a_second_process_take_over_while_the_first_still_sends() {
    let (counts, writes) = two_processes_and_a_clock_step(Duration::from_secs(120)).await;
    assert_once_with(&counts, &format!("writes reached SystmOne at {writes:?}"));
}

/// Control (holds): the same timing without the clock step.
#[tokio::test(start_paused = true)]
async fn control_without_a_clock_step_two_processes_write_once() {
    let (counts, writes) = two_processes_and_a_clock_step(Duration::ZERO).await;
    assert_once_with(&counts, &format!("writes reached SystmOne at {writes:?}"));
}

fn assert_once_with(counts: &[(&str, usize)], context: &str) {
    assert!(
        counts.iter().all(|(_, n)| *n == 1),
        "each item of the eConsult should be in the record exactly once: {counts:?}; {context}"
    );
}

// =====================================================================
// Never the wrong practice
// =====================================================================

/// The user switches SystmOne to another practice and the SystmOne client
/// keeps its API connection (the promise assumes it restarts): the match
/// seen on the connection is trusted for ever, an hour later too.
#[ignore = "documented assumption: switching SystmOne to another practice re-establishes the connection"]
#[tokio::test(start_paused = true)]
async fn a_practice_switch_that_keeps_the_connection_gets_the_next_save_written_to_it() {
    let p = Practice::start(Throttle::Off).await;
    let engine = p.memory_engine().await;
    save_and_wait(&engine, &typical()).await;

    p.mock
        .set_organisation(Organisation::single_site(OTHER_PRACTICE, "Another Surgery"));
    tokio::time::sleep(Duration::from_secs(60 * 60)).await;
    let writes_before = p.mock.count::<UpdatePatientRecord>();
    let other = sample("04-fit-note");
    save_and_wait(&engine, &other).await;
    assert_eq!(
        p.mock.count::<UpdatePatientRecord>(),
        writes_before,
        "an eConsult of {PRACTICE} was written while SystmOne was logged on at {OTHER_PRACTICE}"
    );
}

/// Control (holds): the same switch when the SystmOne client restarts
/// (connections drop): nothing is written while at the other practice,
/// and the save resumes once SystmOne is back at the eConsult's practice.
#[tokio::test(start_paused = true)]
async fn control_a_practice_switch_with_a_reconnect_writes_nothing_there() {
    let p = Practice::start(Throttle::Off).await;
    let engine = p.memory_engine().await;
    save_and_wait(&engine, &typical()).await;
    let ours = p.mock.organisation();
    p.mock
        .set_organisation(Organisation::single_site(OTHER_PRACTICE, "Another Surgery"));
    p.mock.drop_connections();
    let writes_before = p.mock.count::<UpdatePatientRecord>();
    let other = sample("04-fit-note");
    engine
        .save(other.clone(), patient_of(&other))
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_secs(10 * 60)).await;
    assert_eq!(p.mock.count::<UpdatePatientRecord>(), writes_before);
    p.mock.set_organisation(ours);
    p.mock.drop_connections();
    tokio::time::sleep(Duration::from_secs(5 * 60)).await;
    engine.idle().await;
    assert_eq!(p.mock.count::<UpdatePatientRecord>(), writes_before + 1);
}

// =====================================================================
// Never the wrong patient
// =====================================================================

/// The eConsult is linked to patient A and waits for SystmOne to be logged
/// on at its practice. A person re-links it to patient B; while that
/// request reads the journal, the engine (another PC) writes the first of
/// its entries to A and fails again with exactly the failure it had before
/// (the practice again). The request's check ("nothing journalled, and the
/// state is what it was") passes: the state went Failed -> Saving ->
/// Failed and compares equal. The eConsult ends up split over two
/// patients, and the journal says the entry in A's record is saved (for B).
#[tokio::test(start_paused = true)]
async fn relinking_the_patient_while_the_engine_writes_and_fails_alike_splits_the_econsult() {
    trace();
    let p = Arc::new(Practice::start(Throttle::Off).await);
    let econsult = typical();
    let patient_a = patient_of(&econsult);
    let b_econsult = sample("04-fit-note");
    let patient_b = patient_of(&b_econsult);
    let nhs_a = nhs_of(&econsult);
    let nhs_b = nhs_of(&b_econsult);

    let other = Organisation::single_site(OTHER_PRACTICE, "Another Surgery");
    let ours = p.mock.organisation();
    // SystmOne is at another practice when the save is asked for.
    p.mock.set_organisation(other.clone());

    // After the first entry lands, SystmOne is switched to the other
    // practice again (the client restarts: connections drop).
    let switch = Arc::new(Mutex::new(None::<Organisation>));
    let switch_hook = switch.clone();
    let probe = p.client.clone();
    let practice = p.clone();
    let hook: Hook = Box::new(move |n| {
        if n != 1 {
            return None;
        }
        let org = switch_hook.lock().unwrap().take()?;
        let practice = practice.clone();
        let probe = probe.clone();
        Some(Box::pin(async move {
            practice.mock.set_organisation(org);
            practice.mock.drop_connections();
            // Let the client notice the dropped connection and reconnect.
            let _ = probe.get_functions(GetFunctions::default()).await;
        }))
    });
    let api = HookedApi {
        after_write: Arc::new(hook),
        ..HookedApi::new(&p.client)
    };
    let store = slow_store(MemoryStore::new());
    let config = test_config()
        .with_plan(PlanConfig::default().with_max_events_per_call(NonZeroUsize::new(1).unwrap()));
    let engine = Engine::builder(api, store.clone(), p.spool())
        .owner("pc-1")
        .clock(p.clock)
        .config(config)
        .start()
        .await
        .unwrap();

    engine.save(econsult.clone(), patient_a).await.unwrap();
    tokio::time::sleep(Duration::from_secs(1)).await;
    let state = engine.state(&econsult.id).await.unwrap().unwrap();
    assert!(
        matches!(state.save(), SaveState::Failed { .. }),
        "{state:?}"
    );

    // A person re-links the eConsult to patient B; the journal is slow.
    *store.hook.0.lock().unwrap() = Some(Duration::from_secs(100));
    let relink = {
        let engine = engine.clone();
        let econsult = econsult.clone();
        tokio::spawn(async move { engine.save(econsult, patient_b).await })
    };
    tokio::time::sleep(Duration::from_secs(1)).await;
    // SystmOne is logged on at the eConsult's practice again; after the
    // first entry it is switched away once more.
    p.mock.set_organisation(ours.clone());
    *switch.lock().unwrap() = Some(other.clone());

    let relinked = relink.await.unwrap();
    // Back at the right practice for good.
    p.mock.set_organisation(ours);
    p.mock.drop_connections();
    settle_everything().await;
    engine.idle().await;

    let in_a = entries_showing(&p.mock, &nhs_a, "online consultation EC-TYPICAL-1")
        + entries_showing(&p.mock, &nhs_a, "Online consultation EC-TYPICAL-1");
    let in_b = entries_showing(&p.mock, &nhs_b, "online consultation EC-TYPICAL-1")
        + entries_showing(&p.mock, &nhs_b, "Online consultation EC-TYPICAL-1");
    eprintln!("relink answered {relinked:?}; entries in A: {in_a}, in B: {in_b}");
    assert!(
        in_a == 0 || in_b == 0,
        "the eConsult is split over two patients' records (A: {in_a}, B: {in_b}); the relink was answered {relinked:?}"
    );
}

// =====================================================================
// Nothing lost
// =====================================================================

/// A second person's stale copy of an eConsult (from before the patient's
/// latest reply) saved after the engine was told of the reply: the reply
/// is dropped from the snapshot, the save "succeeds" with nothing written,
/// and completing with "update the clinical system" on completes it at
/// once. The reply is never in the record.
#[tokio::test(start_paused = true)]
async fn a_stale_copy_saved_after_an_update_drops_the_newer_reply_for_good() {
    let p = Practice::start(Throttle::Off).await;
    let engine = p.memory_engine().await;
    let v1 = typical();
    save_and_wait(&engine, &v1).await;

    let mut v2 = v1.clone();
    v2.activity
        .push(message(
            "m4",
            "2031-09-10T08:30:00",
            true,
            Channel::Email,
            "My temperature is 39.5 now and I cannot swallow.",
        ))
        .unwrap();
    // PC 1 hears of the reply.
    engine.update(v2.clone()).await.unwrap();
    // PC 2, whose screen still shows v1, presses "save to record": an older
    // copy, refused, so the reply is not dropped.
    let refused = engine.save(v1.clone(), patient_of(&v1)).await;
    assert!(
        matches!(refused, Err(SyncError::Outdated { missing: 1, .. })),
        "{refused:?}"
    );
    engine.idle().await;
    engine.complete(&v1.id, true).await.unwrap();
    engine.idle().await;
    settle_everything().await;

    let state = engine.state(&v1.id).await.unwrap().unwrap();
    assert_eq!(
        entries_showing(&p.mock, &nhs_of(&v1), "My temperature is 39.5 now"),
        1,
        "the patient's reply the engine was given is not in the record; the engine says {state:?}"
    );
}

/// A write lands uncommitted in a record the clinician has open
/// (RecordState Open). The clinician keeps the record open for an hour,
/// then discards and closes it. The failure's own advice says it "is
/// checked again automatically once the user saves or closes the record",
/// but the waits for the open record used up the retries after about 40
/// minutes and the engine stopped: the consultation is never saved.
#[tokio::test(start_paused = true)]
async fn a_record_left_open_for_an_hour_then_discarded_is_never_saved() {
    let p = Practice::start(Throttle::Off).await;
    p.mock
        .inject(FaultRule::on::<UpdatePatientRecord>(Fault::AnswerOpen).times(1));
    let engine = p.memory_engine().await;
    let econsult = typical();
    engine
        .save(econsult.clone(), patient_of(&econsult))
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_secs(60 * 60)).await;
    p.mock.user_discards();
    p.mock.close_record();
    settle_everything().await;
    let state = engine.state(&econsult.id).await.unwrap().unwrap();
    let counts = typical_counts(&p, &econsult);
    assert!(
        counts.iter().all(|(_, n)| *n == 1),
        "after the record was closed the eConsult is not in it: {counts:?}; the engine says {state:?}"
    );
}

// =====================================================================
// Nothing twice: a pause between a read and its judgement
// =====================================================================

/// A save's answer is lost and its write lands 60 s later. The first read
/// (at once) misses it. Ten seconds later the person presses "save" again
/// (the eConsult shows as failed), which brings the engine's retry
/// forward: it reads the record again at 10 s (the write has not landed
/// yet) and the engine is paused for 115 s right after the answer arrives
/// (a laptop lid closed). When it resumes it judges that read as made
/// `settle` after the first miss, because it takes the time after the
/// answer, not before the request: two reads 10 s apart count as two
/// reads `settle` apart, and everything is sent again.
#[tokio::test(start_paused = true)]
async fn an_early_second_read_judged_after_a_pause_counts_as_settled() {
    trace();
    let p = Practice::start(Throttle::Off).await;
    p.mock.inject(
        FaultRule::on::<UpdatePatientRecord>(Fault::LandLate(Duration::from_secs(60))).times(1),
    );
    let after_read: Hook = Box::new(|n| {
        (n == 2).then(|| Box::pin(tokio::time::sleep(Duration::from_secs(115))) as Pause)
    });
    let api = HookedApi {
        after_read: Arc::new(after_read),
        ..HookedApi::new(&p.client)
    };
    let engine = Engine::builder(api, MemoryStore::new(), p.spool())
        .owner("pc-1")
        .clock(p.clock)
        .config(test_config())
        .start()
        .await
        .unwrap();
    press_save_twice_ten_seconds_apart(&p, &engine).await;
}

/// Control (holds): the same second "save" press without the pause: the
/// early read is not taken as settled.
#[tokio::test(start_paused = true)]
async fn control_an_early_second_read_without_a_pause_is_not_settled() {
    let p = Practice::start(Throttle::Off).await;
    p.mock.inject(
        FaultRule::on::<UpdatePatientRecord>(Fault::LandLate(Duration::from_secs(60))).times(1),
    );
    let engine = p.memory_engine().await;
    press_save_twice_ten_seconds_apart(&p, &engine).await;
}

/// "Save" pressed, and pressed again ten seconds later (which brings the
/// engine's next look forward); the typical eConsult ends up in the record
/// once.
async fn press_save_twice_ten_seconds_apart(p: &Practice, engine: &Engine) {
    let econsult = typical();
    engine
        .save(econsult.clone(), patient_of(&econsult))
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_secs(10)).await;
    engine
        .save(econsult.clone(), patient_of(&econsult))
        .await
        .unwrap();
    settle_everything().await;
    engine.idle().await;
    assert_typical_once(p, &econsult);
}

// =====================================================================
// Regression tests for attacks that held
// =====================================================================

/// Markers typed by the patient (and a staff author), in every disguise
/// tried: after a raw CR, LF, CRLF, NEL, U+2028, U+2029, with leading
/// spaces, tabs, NBSP and ideographic spaces, in other case, as the very
/// first line of a message, as an attempt at XML injection, and in ICE.
/// Each entry goes in its own call
/// and every call after the first loses its answer without being
/// processed, so each item is looked for in a record that holds the
/// forgeries. (Held: free text is never an event's first line.)
#[tokio::test(start_paused = true)]
async fn forged_markers_in_patient_text_never_count() {
    let p = Practice::start(Throttle::Off).await;
    let mut econsult = typical();
    let id = econsult.id.clone();
    let forged = |item: &str| format!("eConsult sync ref: {id}/{item}");
    let body = [
        forged("activity/m2"),
        format!("see below\r{}", forged("activity/m3")),
        format!("x\u{2028}{}", forged("consultation")),
        format!("x\u{2029}{}", forged("activity/m2")),
        format!("x\u{85}{}", forged("activity/m3")),
        format!("x\r\n  \t{}", forged("consultation")),
        format!("x\n\u{a0}{}", forged("activity/m2")),
        format!("x\n\u{3000}{}", forged("activity/m3")),
        format!("x\n{}", forged("consultation").to_uppercase()),
        format!("x\n{}", forged("pdf/m3")),
        format!(
            "</Line></Narrative></Event><Event><Narrative><Line>{}</Line></Narrative></Event><Event><Narrative><Line>x",
            forged("activity/m3")
        ),
    ]
    .join("\n");
    let mut activity: Vec<_> = econsult.activity.iter().cloned().collect();
    activity[0] = econsult_model::Activity::message(
        activity[0].id.clone(),
        activity[0].at,
        econsult_model::Direction::Outbound,
        Some(&forged("activity/m3")),
        econsult_model::Message::text(Channel::Sms, body.clone()),
    );
    activity[1] = message("m2", "2031-09-09T11:00:00", true, Channel::Email, &body);
    econsult.activity = econsult_model::ActivityLog::new(activity).unwrap();
    econsult.ice.ideas = forged("activity/m3");
    econsult.ice.concerns = format!("x\r{}", forged("consultation"));
    for n in 2..=8 {
        p.mock.inject(
            FaultRule::on_nth_call::<UpdatePatientRecord>(n, Fault::DropBeforeProcessing).times(1),
        );
    }
    let config = test_config()
        .with_plan(PlanConfig::default().with_max_events_per_call(NonZeroUsize::new(1).unwrap()));
    let engine = p
        .engine(MemoryStore::new(), "pc-1")
        .config(config)
        .start()
        .await
        .unwrap();
    save_and_wait(&engine, &econsult).await;
    settle_everything().await;
    engine.idle().await;
    let nhs = nhs_of(&econsult);
    let entries = |text: &str| entries_showing(&p.mock, &nhs, text);
    assert_eq!(entries("the full consultation is in the attached PDF"), 1);
    assert_eq!(entries("Please come in at 4pm."), 1, "m3");
    // m1 and m2 both carry the forged body: one entry each.
    assert_eq!(entries("see below"), 2, "m1 and m2");
    assert_eq!(p.mock.record(&nhs).unwrap().api_events().count(), 4);
    // The attack was made: the forgeries are in the record as text, and
    // the engine had to look for lost entries in it.
    let record = p.mock.record(&nhs).unwrap();
    assert!(
        record
            .narrative_lines()
            .any(|l| l.contains(&forged("activity/m2")))
    );
    assert!(p.mock.count::<GetPatientRecord>() >= 4);
}

/// Two eConsults of one patient whose ids and activity ids are prefixes
/// of each other (EC-5 / EC-5.1, m1 / m1.1), the second's writes losing
/// their answers unprocessed. (Held: markers are compared whole.)
#[tokio::test(start_paused = true)]
async fn prefix_ids_of_two_econsults_of_one_patient_are_told_apart() {
    let p = Practice::start(Throttle::Off).await;
    let mut first = typical();
    first.id = EConsultId::new("EC-5").unwrap();
    first.activity = econsult_model::ActivityLog::new(vec![
        message(
            "m1",
            "2031-09-09T10:00:00",
            false,
            Channel::Sms,
            "Apples (EC-5, m1).",
        ),
        message(
            "m1.1",
            "2031-09-09T10:30:00",
            true,
            Channel::Sms,
            "Bananas (EC-5, m1.1).",
        ),
    ])
    .unwrap();
    let mut second = first.clone();
    second.id = EConsultId::new("EC-5.1").unwrap();
    second.activity = econsult_model::ActivityLog::new(vec![message(
        "m1",
        "2031-09-09T11:00:00",
        false,
        Channel::Sms,
        "Cherries (EC-5.1, m1).",
    )])
    .unwrap();
    let engine = p.memory_engine().await;
    save_and_wait(&engine, &first).await;
    p.mock
        .inject(FaultRule::on::<UpdatePatientRecord>(Fault::DropBeforeProcessing).times(2));
    save_and_wait(&engine, &second).await;
    settle_everything().await;
    engine.idle().await;
    let nhs = nhs_of(&first);
    for text in [
        "Apples (EC-5, m1).",
        "Bananas (EC-5, m1.1).",
        "Cherries (EC-5.1, m1).",
    ] {
        assert_eq!(entries_showing(&p.mock, &nhs, text), 1, "{text}");
    }
    assert_eq!(
        entries_showing(&p.mock, &nhs, "Online consultation EC-5.1 submitted"),
        1
    );
    assert_eq!(
        entries_showing(&p.mock, &nhs, "Online consultation EC-5 submitted"),
        1
    );
}

/// A save sent just before midnight by a PC whose clock is 14 minutes
/// behind or ahead of SystmOne's (inside the 15-minute tolerance), its
/// answer lost, its write landing on the other side of midnight, with a
/// read lag. (Held: the wide window covers both days.)
async fn midnight_with_skew(pc_behind: bool) -> Vec<(&'static str, usize)> {
    let start: NaiveDateTime = "2031-09-10T23:59:30".parse().unwrap();
    let p = Practice::start_at(Throttle::Real, start).await;
    let skew = TimeDelta::minutes(14);
    let pc = if pc_behind {
        start - skew
    } else {
        start + skew
    };
    p.mock.set_read_lag(Duration::from_secs(30));
    p.mock.inject(
        FaultRule::on::<UpdatePatientRecord>(Fault::LandLate(Duration::from_secs(60))).times(1),
    );
    let engine = p
        .engine(MemoryStore::new(), "pc-1")
        .clock(TokioClock::starting_at(pc))
        .start()
        .await
        .unwrap();
    let econsult = typical();
    save_and_wait(&engine, &econsult).await;
    settle_everything().await;
    typical_counts(&p, &econsult)
}

#[tokio::test(start_paused = true)]
async fn midnight_with_the_pc_clock_behind_holds() {
    assert_once(&midnight_with_skew(true).await);
}

#[tokio::test(start_paused = true)]
async fn midnight_with_the_pc_clock_ahead_holds() {
    assert_once(&midnight_with_skew(false).await);
}

/// The engine is shut down while it waits for `settle` after a lost
/// answer (the write landed, reads lag 100 s), and a new engine starts on
/// the same journal 10 s later. (Held: the new engine's first read starts
/// its own settle wait.)
#[tokio::test(start_paused = true)]
async fn an_engine_restarted_during_the_settle_wait_writes_once() {
    let p = Practice::start(Throttle::Off).await;
    p.mock.set_read_lag(Duration::from_secs(100));
    p.mock
        .inject(FaultRule::on::<UpdatePatientRecord>(Fault::DropAfterProcessing).times(1));
    let store = MemoryStore::new();
    let engine = p.engine(store.clone(), "pc-1").start().await.unwrap();
    let econsult = typical();
    engine
        .save(econsult.clone(), patient_of(&econsult))
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_secs(30)).await;
    engine.shutdown().await;
    tokio::time::sleep(Duration::from_secs(10)).await;
    let again = p.engine(store, "pc-1").start().await.unwrap();
    settle_everything().await;
    again.idle().await;
    assert_typical_once(&p, &econsult);
}

/// The same with a crash (abort: the lease is not released) and a second
/// PC's engine resuming the journal. (Held.)
#[tokio::test(start_paused = true)]
async fn an_engine_crashing_during_the_settle_wait_is_resumed_once_by_another_pc() {
    let p = Practice::start(Throttle::Off).await;
    p.mock.set_read_lag(Duration::from_secs(100));
    p.mock
        .inject(FaultRule::on::<UpdatePatientRecord>(Fault::DropAfterProcessing).times(1));
    let store = MemoryStore::new();
    let engine = p.engine(store.clone(), "pc-1").start().await.unwrap();
    let econsult = typical();
    engine
        .save(econsult.clone(), patient_of(&econsult))
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_secs(30)).await;
    engine.abort();
    let client_b = p.another_client().await;
    let other = p.engine_on(&client_b, store, "pc-2").start().await.unwrap();
    settle_everything().await;
    other.idle().await;
    assert_typical_once(&p, &econsult);
}

/// Near midnight, the reconciling read after a lost answer stalls in
/// SystmOne for 100 s (the client waits 120 s for such a read), longer
/// than the 90 s lease; a second PC's engine starts meanwhile and
/// takes the eConsult over. (Held: the stale engine's conclusions are
/// fenced off.)
#[tokio::test(start_paused = true)]
async fn a_reconciling_read_outliving_the_lease_while_another_pc_takes_over_writes_once() {
    trace();
    // Near midnight the read asks for three days, which is not exempt from
    // the 30-second rule: the client waits up to 120 s for it.
    let p = Practice::start_at(Throttle::Off, "2031-09-10T23:56:00".parse().unwrap()).await;
    p.mock
        .inject(FaultRule::on::<UpdatePatientRecord>(Fault::DropBeforeProcessing).times(1));
    // The first engine's second read (its settled one) stalls.
    p.mock.inject(
        FaultRule::on_nth_call::<GetPatientRecord>(2, Fault::Stall(Duration::from_secs(100)))
            .times(1),
    );
    let store = MemoryStore::new();
    let engine = p.engine(store.clone(), "pc-1").start().await.unwrap();
    let econsult = typical();
    engine
        .save(econsult.clone(), patient_of(&econsult))
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_secs(215)).await;
    let client_b = p.another_client().await;
    let other = p.engine_on(&client_b, store, "pc-2").start().await.unwrap();
    settle_everything().await;
    engine.idle().await;
    other.idle().await;
    assert_typical_once(&p, &econsult);
}

/// Fails the next lease renewal (a disk error, not a lost lease) after
/// each intent is journalled: the reconciling read's renewal, after a lost
/// answer.
#[derive(Debug, Clone, Default)]
struct FlakyRenew(Arc<Mutex<bool>>);

#[async_trait::async_trait]
impl StoreHook for FlakyRenew {
    async fn at(&self, step: Step<'_>) -> Result<(), StoreError> {
        match step {
            Step::IntentBegun => *self.0.lock().unwrap() = true,
            Step::Renewing if std::mem::take(&mut *self.0.lock().unwrap()) => {
                return Err(StoreError::new("disk I/O error (injected)"));
            }
            _ => {}
        }
        Ok(())
    }
}

/// Every call's answer is lost once after landing (reads lag 100 s), and
/// the renew before each reconciling read fails. (Held: the save is left
/// "saving", found interrupted, and reconciled before anything is sent.)
#[tokio::test(start_paused = true)]
async fn a_failing_renew_after_a_lost_answer_writes_once() {
    let p = Practice::start(Throttle::Off).await;
    p.mock.set_read_lag(Duration::from_secs(100));
    p.mock
        .inject(FaultRule::on::<UpdatePatientRecord>(Fault::DropAfterProcessing).times(2));
    let store = HookedStore {
        inner: MemoryStore::new(),
        hook: FlakyRenew::default(),
    };
    let engine = p.engine(store, "pc-1").start().await.unwrap();
    let econsult = typical();
    save_and_wait(&engine, &econsult).await;
    settle_everything().await;
    engine.idle().await;
    assert_typical_once(&p, &econsult);
}

/// New activity arrives (update) while a slow write is in flight; the
/// eConsult is then completed with "update the clinical system" on.
/// (Held: the activity is saved before it completes.)
#[tokio::test(start_paused = true)]
async fn activity_arriving_during_a_slow_write_is_saved_on_completion() {
    let p = Practice::start(Throttle::Off).await;
    p.mock.inject(
        FaultRule::on::<UpdatePatientRecord>(Fault::Delay(Duration::from_secs(20))).times(1),
    );
    let engine = p.memory_engine().await;
    let v1 = typical();
    engine.save(v1.clone(), patient_of(&v1)).await.unwrap();
    tokio::time::sleep(Duration::from_secs(5)).await;
    let mut v2 = v1.clone();
    v2.activity
        .push(message(
            "m4",
            "2031-09-10T08:30:00",
            true,
            Channel::Email,
            "Late reply during the write.",
        ))
        .unwrap();
    engine.update(v2).await.unwrap();
    engine.complete(&v1.id, true).await.unwrap();
    settle_everything().await;
    engine.idle().await;
    assert_typical_once(&p, &v1);
    assert_eq!(
        entries_showing(&p.mock, &nhs_of(&v1), "Late reply during the write."),
        1
    );
    let state = engine.state(&v1.id).await.unwrap().unwrap();
    assert_eq!(state.status(), econsult_model::Status::Completed);
}

// =====================================================================
// Nothing twice: an error answer to a one-event call
// =====================================================================

/// The eConsult is saved; then the patient replies (one inbound message:
/// a partial save of a single event, the commonest save there is). SystmOne
/// keeps the event and answers a temporary error (the mock's
/// `PartialCommit`: "a request with n events or fewer is written whole and
/// still gets the error"). For a call of several events the engine looks
/// in the record before sending again; for a call of one event it takes
/// the error as "not written" and sends it again.
#[tokio::test(start_paused = true)]
async fn an_error_answer_to_a_one_event_call_that_kept_it_writes_it_twice() {
    let p = Practice::start(Throttle::Off).await;
    let engine = p.memory_engine().await;
    let v1 = typical();
    save_and_wait(&engine, &v1).await;
    let mut v2 = v1.clone();
    v2.activity
        .push(message(
            "m4",
            "2031-09-10T08:30:00",
            true,
            Channel::Email,
            "It is worse again this morning.",
        ))
        .unwrap();
    p.mock
        .inject(FaultRule::on::<UpdatePatientRecord>(Fault::PartialCommit(1)).times(1));
    save_and_wait(&engine, &v2).await;
    settle_everything().await;
    engine.idle().await;
    assert_eq!(
        entries_showing(&p.mock, &nhs_of(&v2), "It is worse again this morning."),
        1
    );
}

/// Control (holds): the same fault on a call of several events is looked
/// for in the record and not sent again.
#[tokio::test(start_paused = true)]
async fn control_an_error_answer_to_a_several_event_call_that_kept_them_writes_once() {
    let p = Practice::start(Throttle::Off).await;
    let engine = p.memory_engine().await;
    let econsult = typical();
    p.mock
        .inject(FaultRule::on::<UpdatePatientRecord>(Fault::PartialCommit(4)).times(1));
    save_and_wait(&engine, &econsult).await;
    settle_everything().await;
    engine.idle().await;
    assert_typical_once(&p, &econsult);
}

// =====================================================================
// Nothing lost: a save left "saving" by a crashed PC
// =====================================================================

/// Two PCs share a journal, both engines running. PC 1 crashes in the
/// middle of a save (its intent journalled, its call not yet sent). On
/// PC 2 a person sees the eConsult "saving" for ever and presses "save":
/// the request is journalled, but an eConsult journalled as saving does
/// not "want a save", so PC 2's engine is never told, and only an engine
/// start-up would resume it. Half an hour later nothing is in the record.
#[tokio::test(start_paused = true)]
async fn a_save_left_saving_by_a_crashed_pc_is_not_resumed_when_asked_on_another() {
    let p = Practice::start(Throttle::Off).await;
    let journal = PausingStore::new(MemoryStore::new());
    let a = p.engine(journal.clone(), "pc-1").start().await.unwrap();
    let client_b = p.another_client().await;
    let b = p
        .engine_on(&client_b, journal.clone(), "pc-2")
        .start()
        .await
        .unwrap();
    let econsult = typical();
    journal.pause_after_next_intent(Duration::from_secs(600));
    a.save(econsult.clone(), patient_of(&econsult))
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_secs(5)).await;
    a.abort();
    tokio::time::sleep(Duration::from_secs(60)).await;
    b.save(econsult.clone(), patient_of(&econsult))
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_secs(30 * 60)).await;
    let state = b.state(&econsult.id).await.unwrap().unwrap();
    let counts = typical_counts(&p, &econsult);
    assert!(
        counts.iter().all(|(_, n)| *n == 1),
        "asked on PC 2 half an hour ago, the eConsult is not in the record: {counts:?}; the journal says {state:?}"
    );
}
