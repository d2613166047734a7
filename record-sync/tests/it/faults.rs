//! Every fault the mock offers, at each step of a full save, a partial save
//! and a complete, and the engine killed between each of its journal steps:
//! afterwards the record holds every activity exactly once and the state is
//! right.
#![allow(clippy::unwrap_used)]

use crate::support;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use econsult_model::{Channel, EConsult, Status};
use record_sync::store::StoreError;
use record_sync::{Engine, SaveState};
use support::*;
use systmone_client::mock::{Fault, FaultRule};
use systmone_client::proto::{GetPatientRecord, UpdatePatientRecord};
use tokio::sync::Notify;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Scenario {
    Full,
    Partial,
    Complete,
}

const SCENARIOS: [Scenario; 3] = [Scenario::Full, Scenario::Partial, Scenario::Complete];

fn faults() -> Vec<Fault> {
    vec![
        Fault::Delay(Duration::from_secs(5)),
        Fault::NoResponse,
        Fault::DropBeforeProcessing,
        Fault::DropAfterProcessing,
        Fault::TruncatedResponse,
        Fault::GarbageResponse,
        Fault::TransientError,
        Fault::PermanentError,
        Fault::RecordOpen,
        Fault::MessagingSettings,
    ]
}

fn is_permanent(fault: &Fault) -> bool {
    matches!(fault, Fault::PermanentError | Fault::MessagingSettings)
}

/// Brings the eConsult to where the scenario's save starts, with `engine`.
async fn prepare(practice: &Practice, engine: &Engine, scenario: Scenario) -> EConsult {
    let mut econsult = typical();
    if scenario != Scenario::Full {
        save_and_wait(engine, &econsult).await;
        practice.assert_each_once(&econsult);
        econsult
            .activity
            .push(message(
                "m4",
                "2031-09-10T09:30:00",
                false,
                Channel::Email,
                "Your results are back.",
            ))
            .unwrap();
        econsult
            .activity
            .push(message(
                "m5",
                "2031-09-10T09:31:00",
                false,
                Channel::Sms,
                "Please check your email.",
            ))
            .unwrap();
    }
    econsult
}

/// Asks for the scenario's save.
async fn request(engine: &Engine, econsult: &EConsult, scenario: Scenario) {
    match scenario {
        Scenario::Full | Scenario::Partial => {
            engine
                .save(econsult.clone(), patient_of(econsult))
                .await
                .unwrap();
        }
        Scenario::Complete => {
            engine.update(econsult.clone()).await.unwrap();
            engine.complete(&econsult.id, true).await.unwrap();
        }
    }
}

/// Waits for the engine; when it gave up (a permanent failure), clears the
/// faults and asks again, as a person would once the cause is put right.
/// Returns whether it had to ask again.
async fn settle(practice: &Practice, engine: &Engine, econsult: &EConsult) -> bool {
    engine.idle().await;
    let state = engine.state(&econsult.id).await.unwrap().unwrap();
    let gave_up = matches!(state.save(), SaveState::Failed { failure } if !failure.retryable);
    if gave_up {
        practice.mock.clear_faults();
        engine
            .save(econsult.clone(), patient_of(econsult))
            .await
            .unwrap();
        engine.idle().await;
    }
    gave_up
}

async fn assert_done(
    practice: &Practice,
    engine: &Engine,
    econsult: &EConsult,
    scenario: Scenario,
    case: &str,
) {
    let state = engine.state(&econsult.id).await.unwrap().unwrap();
    assert_eq!(state.save(), &SaveState::Saved, "{case}: {state:?}");
    if scenario == Scenario::Complete {
        assert_eq!(state.status(), Status::Completed, "{case}");
    }
    practice.assert_each_once(econsult);
    assert!(
        practice.spool_files().is_empty(),
        "{case}: spool {:?}",
        practice.spool_files()
    );
}

#[tokio::test(start_paused = true)]
async fn every_fault_on_the_save_call_of_every_kind_of_save() {
    for scenario in SCENARIOS {
        for fault in faults() {
            let case = format!("{scenario:?} save, {fault:?} on UpdatePatientRecord");
            let practice = Practice::start(Throttle::Off).await;
            let engine = practice.sqlite_engine("pc-1").await;
            let econsult = prepare(&practice, &engine, scenario).await;
            let before = practice.mock.count::<UpdatePatientRecord>();
            practice
                .mock
                .inject(FaultRule::on_nth_call::<UpdatePatientRecord>(
                    before + 1,
                    fault.clone(),
                ));

            request(&engine, &econsult, scenario).await;
            let asked_again = settle(&practice, &engine, &econsult).await;
            assert_eq!(asked_again, is_permanent(&fault), "{case}");
            if is_permanent(&fault) {
                // The failure was said, with its cause, before the retry.
                let calls = practice.mock.count::<UpdatePatientRecord>() - before;
                assert_eq!(calls, 2, "{case}: the refused call and the save after");
            }
            assert_done(&practice, &engine, &econsult, scenario, &case).await;
            engine.shutdown().await;
        }
    }
}

#[tokio::test(start_paused = true)]
async fn every_fault_on_the_reconciling_read_after_an_unanswered_save() {
    for scenario in SCENARIOS {
        for landed in [true, false] {
            for fault in faults() {
                let lost = if landed {
                    Fault::DropAfterProcessing
                } else {
                    Fault::DropBeforeProcessing
                };
                let case = format!("{scenario:?} save, {lost:?} then {fault:?} on the read");
                let practice = Practice::start(Throttle::Off).await;
                let engine = practice.sqlite_engine("pc-1").await;
                let econsult = prepare(&practice, &engine, scenario).await;
                let saves = practice.mock.count::<UpdatePatientRecord>();
                let reads = practice.mock.count::<GetPatientRecord>();
                practice
                    .mock
                    .inject(FaultRule::on_nth_call::<UpdatePatientRecord>(
                        saves + 1,
                        lost,
                    ));
                practice
                    .mock
                    .inject(FaultRule::on_nth_call::<GetPatientRecord>(
                        reads + 1,
                        fault.clone(),
                    ));

                request(&engine, &econsult, scenario).await;
                settle(&practice, &engine, &econsult).await;
                assert_done(&practice, &engine, &econsult, scenario, &case).await;
                let sent = practice.mock.count::<UpdatePatientRecord>() - saves;
                assert_eq!(
                    sent,
                    if landed { 1 } else { 2 },
                    "{case}: a landed save is never sent again"
                );
                engine.shutdown().await;
            }
        }
    }
}

/// Where the first engine dies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Crash {
    /// The save is journalled as started; no intent yet.
    AfterSaveStarted,
    /// The intent is journalled; nothing written to the spool or sent.
    AfterIntent,
    /// The call was answered; its outcome is not journalled.
    BeforeOutcome,
    /// The outcome is journalled; the state still says saving.
    AfterOutcome,
    /// The call is on its way (SystmOne is slow to answer).
    CallInFlight,
}

/// Dies at a chosen step of a journal: it signals, then never returns, and
/// the test aborts the engine, as a crash or a killed process would.
#[derive(Debug)]
struct Dying {
    at: Crash,
    armed: AtomicBool,
    died: Arc<Notify>,
}

#[async_trait::async_trait]
impl StoreHook for Dying {
    async fn at(&self, step: Step<'_>) -> Result<(), StoreError> {
        let point = match step {
            Step::Changed(t) if matches!(t.state.save(), SaveState::Saving { .. }) => {
                Crash::AfterSaveStarted
            }
            Step::IntentBegun => Crash::AfterIntent,
            Step::FinishingIntent => Crash::BeforeOutcome,
            Step::IntentFinished => Crash::AfterOutcome,
            _ => return Ok(()),
        };
        if self.at == point && self.armed.swap(false, Ordering::SeqCst) {
            self.died.notify_one();
            std::future::pending::<()>().await;
        }
        Ok(())
    }
}

#[tokio::test(start_paused = true)]
async fn an_engine_killed_at_any_step_is_recovered_by_a_new_one_on_the_same_journal() {
    let crashes = [
        Crash::AfterSaveStarted,
        Crash::AfterIntent,
        Crash::BeforeOutcome,
        Crash::AfterOutcome,
        Crash::CallInFlight,
    ];
    for scenario in SCENARIOS {
        for crash in crashes {
            let case = format!("{scenario:?} save, killed {crash:?}");
            let practice = Practice::start(Throttle::Real).await;
            let setup = practice.sqlite_engine("setup").await;
            let econsult = prepare(&practice, &setup, scenario).await;
            setup.shutdown().await;
            let saves = practice.mock.count::<UpdatePatientRecord>();

            let died = Arc::new(Notify::new());
            let store = HookedStore {
                inner: practice.sqlite_store(),
                hook: Dying {
                    at: crash,
                    armed: AtomicBool::new(crash != Crash::CallInFlight),
                    died: died.clone(),
                },
            };
            let first = practice.engine(store, "pc-1").start().await.unwrap();
            if crash == Crash::CallInFlight {
                practice
                    .mock
                    .inject(FaultRule::on_nth_call::<UpdatePatientRecord>(
                        saves + 1,
                        Fault::Delay(Duration::from_secs(10)),
                    ));
            }
            request(&first, &econsult, scenario).await;
            if crash == Crash::CallInFlight {
                // Killed while SystmOne is still working on the save.
                tokio::time::sleep(Duration::from_secs(5)).await;
                assert_eq!(
                    practice.mock.count::<UpdatePatientRecord>(),
                    saves + 1,
                    "{case}: sent"
                );
            } else {
                tokio::time::timeout(Duration::from_secs(120), died.notified())
                    .await
                    .unwrap();
            }
            first.abort();
            // Let SystmOne finish whatever it was doing.
            tokio::time::sleep(Duration::from_secs(15)).await;

            // A new process, another owner: it waits out the dead one's lease.
            let second = practice.sqlite_engine("pc-1-restarted").await;
            second.idle().await;
            assert_done(&practice, &second, &econsult, scenario, &case).await;
            // Sent once in every case: by the second engine when the first
            // died before sending, never again when it died after.
            let sent = practice.mock.count::<UpdatePatientRecord>() - saves;
            assert_eq!(sent, 1, "{case}");
            second.shutdown().await;
        }
    }
}

#[tokio::test(start_paused = true)]
async fn two_engines_sharing_a_journal_never_save_one_econsult_at_once() {
    let practice = Practice::start(Throttle::Real).await;
    let a = practice.sqlite_engine("pc-a").await;
    let b = practice.sqlite_engine("pc-b").await;
    let econsult = typical();
    // Two receptionists press Save on two PCs at the same moment, and the
    // first PC's save is slow to be answered.
    practice
        .mock
        .inject(FaultRule::on_nth_call::<UpdatePatientRecord>(
            1,
            Fault::Delay(Duration::from_secs(20)),
        ));
    let (ra, rb) = tokio::join!(
        a.save(econsult.clone(), patient_of(&econsult)),
        b.save(econsult.clone(), patient_of(&econsult)),
    );
    ra.unwrap();
    rb.unwrap();
    tokio::join!(a.idle(), b.idle());
    assert_eq!(
        practice.mock.count::<UpdatePatientRecord>(),
        1,
        "saved once"
    );
    practice.assert_each_once(&econsult);
    assert_eq!(
        a.state(&econsult.id).await.unwrap().unwrap().save(),
        &SaveState::Saved
    );
}

#[tokio::test(start_paused = true)]
async fn a_save_of_several_calls_broken_in_the_middle_writes_each_item_once() {
    use record_sync::{EngineConfig, PlanConfig, RetryPolicy};
    let practice = Practice::start(Throttle::Real).await;
    let config = EngineConfig::default()
        .with_plan(
            PlanConfig::default().with_max_events_per_call(std::num::NonZeroUsize::new(4).unwrap()),
        )
        .with_retry(RetryPolicy::default().with_initial(Duration::from_secs(1)));
    let engine = practice
        .engine(practice.sqlite_store(), "pc-1")
        .config(config)
        .start()
        .await
        .unwrap();
    // Thirteen messages, responses and notes and the consultation: four calls.
    let econsult = sample("05-long-history");
    practice
        .mock
        .inject(FaultRule::on_nth_call::<UpdatePatientRecord>(
            2,
            Fault::DropAfterProcessing,
        ));
    practice
        .mock
        .inject(FaultRule::on_nth_call::<UpdatePatientRecord>(
            3,
            Fault::DropBeforeProcessing,
        ));
    practice
        .mock
        .inject(FaultRule::on_nth_call::<UpdatePatientRecord>(
            4,
            Fault::RecordOpen,
        ));

    save_and_wait(&engine, &econsult).await;

    practice.assert_each_once(&econsult);
    let state = engine.state(&econsult.id).await.unwrap().unwrap();
    assert_eq!(state.save(), &SaveState::Saved);
    // Calls 1 and 2 landed (2 unanswered, found by reading), 3 never
    // reached SystmOne and was sent again, 4 was refused and sent again.
    assert_eq!(practice.mock.count::<UpdatePatientRecord>(), 6);
    let saved: Vec<String> = engine
        .saved_items(&econsult.id)
        .await
        .unwrap()
        .iter()
        .map(|s| s.item.to_string())
        .collect();
    assert_eq!(saved.len(), 14, "{saved:?}");
    assert!(practice.spool_files().is_empty());
}
