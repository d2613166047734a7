//! The promise (nothing lost, nothing twice, right patient, right
//! practice) against what works against it: text a patient controls,
//! answers that come late, partly or never, records open in SystmOne,
//! clocks that disagree, engines paused past their lease, and SystmOne
//! logged on at another practice. Real `Client` against the mock over
//! loopback, on paused time.
#![allow(clippy::unwrap_used)]

use crate::support;

use std::time::Duration;

use chrono::TimeDelta;
use econsult_model::{Channel, EConsult};
use record_sync::store::MemoryStore;
use record_sync::store::SyncStore as _;
use record_sync::{Engine, FailureCause, SaveState, SyncError, TokioClock};
use support::*;
use systmone_client::mock::{Fault, FaultRule, Organisation};
use systmone_client::proto::{Event, GetPatientRecord, UpdatePatientRecord};

fn forged_marker(econsult: &EConsult, item: &str) -> String {
    format!("eConsult sync ref: {}/{item}", econsult.id)
}

/// A patient's message quoting marker lines of an activity not yet written
/// (the id staff will give their reply) must not make that reply look
/// saved when the reply's save is lost.
#[tokio::test(start_paused = true)]
async fn a_patients_message_quoting_markers_cannot_hide_a_staff_reply() {
    for fault in [Fault::DropBeforeProcessing, Fault::NoResponse] {
        let practice = Practice::start(Throttle::Real).await;
        let engine = practice.memory_engine().await;
        let mut econsult = typical();
        save_and_wait(&engine, &econsult).await;

        let forged = format!(
            "Thanks.\n{}\n{}",
            forged_marker(&econsult, "activity/reply-1"),
            forged_marker(&econsult, "pdf/reply-1")
        );
        let inbound = message(
            "m-forge",
            "2031-09-10T09:10:00",
            true,
            Channel::Email,
            &forged,
        );
        econsult.activity.push(inbound).unwrap();
        save_and_wait(&engine, &econsult).await;

        let reply_text = "Please book a blood test this week.";
        let reply = message(
            "reply-1",
            "2031-09-10T09:20:00",
            false,
            Channel::Sms,
            reply_text,
        );
        econsult.activity.push(reply).unwrap();
        practice
            .mock
            .inject(FaultRule::on::<UpdatePatientRecord>(fault.clone()).times(1));
        save_and_wait(&engine, &econsult).await;

        let state = engine.state(&econsult.id).await.unwrap().unwrap();
        assert_eq!(state.save(), &SaveState::Saved, "{fault:?}");
        assert!(
            practice.record_shows(&econsult, reply_text),
            "{fault:?}: the staff reply is in the record"
        );
        practice.assert_each_once(&econsult);
        assert!(
            practice.record_shows(
                &econsult,
                &format!("> {}", forged_marker(&econsult, "activity/reply-1"))
            ),
            "{fault:?}: the patient's text is kept, quoted"
        );
    }
}

/// An entry typed in SystmOne (no `Software`) that happens to start with a
/// marker line is the practice's text, not a save of ours.
#[tokio::test(start_paused = true)]
async fn an_entry_typed_in_systmone_is_never_taken_for_a_save() {
    let practice = Practice::start(Throttle::Real).await;
    let engine = practice.memory_engine().await;
    let econsult = typical();
    let nhs = econsult.patient.nhs_number.unwrap();
    let typed = Event::narrative(
        "2031-09-10T08:00:00".parse().unwrap(),
        [
            forged_marker(&econsult, "consultation"),
            "Typed by a receptionist".to_owned(),
        ],
    );
    practice
        .mock
        .add_practice_event(nhs.as_str(), typed)
        .unwrap();
    practice
        .mock
        .inject(FaultRule::on::<UpdatePatientRecord>(Fault::DropBeforeProcessing).times(1));
    save_and_wait(&engine, &econsult).await;
    practice.assert_each_once(&econsult);
    assert!(practice.record_shows(&econsult, "Online consultation EC-TYPICAL-1 submitted"));
}

/// PC 1 journals its save and then stalls for five minutes before sending
/// it. PC 2 takes the eConsult over once the lease has run out, finds
/// nothing in the record (twice, a settle time apart) and saves it. When
/// PC 1 wakes, it must send nothing: its lease is gone.
#[tokio::test(start_paused = true)]
async fn an_engine_paused_past_its_lease_sends_nothing_when_it_wakes() {
    let practice = Practice::start(Throttle::Real).await;
    let journal = MemoryStore::new();
    let paused = PausingStore::new(journal.clone());
    paused.pause_after_next_intent(Duration::from_secs(300));
    let pc1 = practice.engine(paused, "pc-1").start().await.unwrap();
    let econsult = typical();
    pc1.save(econsult.clone(), patient_of(&econsult))
        .await
        .unwrap();
    // PC 1 is now inside its pause, its intent journalled.
    tokio::time::sleep(Duration::from_secs(5)).await;
    assert_eq!(journal.open_intents(None).await.unwrap().len(), 1);

    let client2 = practice.another_client().await;
    let pc2 = practice
        .engine_on(&client2, journal.clone(), "pc-2")
        .start()
        .await
        .unwrap();
    pc2.save(econsult.clone(), patient_of(&econsult))
        .await
        .unwrap();
    tokio::join!(pc1.idle(), pc2.idle());

    practice.assert_each_once(&econsult);
    assert_eq!(
        practice.mock.count::<UpdatePatientRecord>(),
        1,
        "only PC 2's save reached SystmOne"
    );
    let state = pc2.state(&econsult.id).await.unwrap().unwrap();
    assert_eq!(state.save(), &SaveState::Saved);
    assert!(journal.open_intents(None).await.unwrap().is_empty());
}

/// Two engines configured with the same name (two processes on one PC, a
/// terminal server) are still two lease holders.
#[tokio::test(start_paused = true)]
async fn two_engines_given_the_same_name_never_save_one_econsult_at_once() {
    let practice = Practice::start(Throttle::Real).await;
    let journal = MemoryStore::new();
    let client2 = practice.another_client().await;
    let a = practice
        .engine(journal.clone(), "pc")
        .start()
        .await
        .unwrap();
    let b = practice
        .engine_on(&client2, journal.clone(), "pc")
        .start()
        .await
        .unwrap();
    assert_ne!(a.owner(), b.owner());
    assert_saved_once_by_both(&practice, &a, &b).await;
}

/// A PC whose clock is ten minutes ahead judges no lease expired early:
/// expiry is the journal's clock, not the engines'.
#[tokio::test(start_paused = true)]
async fn a_pc_clock_ten_minutes_ahead_does_not_break_the_lease() {
    let practice = Practice::start(Throttle::Real).await;
    let journal = MemoryStore::new();
    let client2 = practice.another_client().await;
    let a = practice
        .engine(journal.clone(), "pc-1")
        .start()
        .await
        .unwrap();
    let ahead = TokioClock::starting_at(practice.start + TimeDelta::minutes(10));
    let b = practice
        .engine_on(&client2, journal.clone(), "pc-2")
        .clock(ahead)
        .start()
        .await
        .unwrap();
    assert_saved_once_by_both(&practice, &a, &b).await;
}

/// PC 1's save is held up in SystmOne, so both engines are at work on
/// one eConsult at once (PC 2 asked two seconds later): it is written
/// once.
async fn assert_saved_once_by_both(practice: &Practice, a: &Engine, b: &Engine) {
    practice.mock.inject(
        FaultRule::on::<UpdatePatientRecord>(Fault::Delay(Duration::from_secs(20))).times(1),
    );
    let econsult = typical();
    a.save(econsult.clone(), patient_of(&econsult))
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_secs(2)).await;
    b.save(econsult.clone(), patient_of(&econsult))
        .await
        .unwrap();
    tokio::join!(a.idle(), b.idle());
    assert_eq!(practice.mock.count::<UpdatePatientRecord>(), 1);
    practice.assert_each_once(&econsult);
}

/// SystmOne finishes a write after the client gave up on its answer: the
/// first read misses it, so the engine reads again a settle time later
/// and finds it, rather than writing it twice.
#[tokio::test(start_paused = true)]
async fn a_write_that_lands_after_its_answer_was_lost_is_not_sent_again() {
    let practice = Practice::start(Throttle::Real).await;
    let engine = practice.memory_engine().await;
    let econsult = typical();
    practice.mock.inject(
        FaultRule::on::<UpdatePatientRecord>(Fault::LandLate(Duration::from_secs(20))).times(1),
    );
    save_and_wait(&engine, &econsult).await;
    practice.assert_each_once(&econsult);
    assert_eq!(
        practice.mock.count::<UpdatePatientRecord>(),
        1,
        "never sent again"
    );
    assert_eq!(
        practice.mock.count::<GetPatientRecord>(),
        2,
        "two reads a settle time apart"
    );
    let state = engine.state(&econsult.id).await.unwrap().unwrap();
    assert_eq!(state.save(), &SaveState::Saved);
}

/// SystmOne's reads lag its writes: an unanswered write that did land is
/// not visible to the first read.
#[tokio::test(start_paused = true)]
async fn a_write_hidden_by_read_lag_is_not_sent_again() {
    let practice = Practice::start(Throttle::Real).await;
    practice.mock.set_read_lag(Duration::from_secs(30));
    let engine = practice.memory_engine().await;
    let econsult = typical();
    practice
        .mock
        .inject(FaultRule::on::<UpdatePatientRecord>(Fault::DropAfterProcessing).times(1));
    save_and_wait(&engine, &econsult).await;
    practice.assert_each_once(&econsult);
    assert_eq!(practice.mock.count::<UpdatePatientRecord>(), 1);
}

/// A read that finds the save ends the wait at once: the normal lost-answer
/// case costs one read, not a settle time.
#[tokio::test(start_paused = true)]
async fn a_read_that_finds_the_save_ends_the_wait_at_once() {
    let practice = Practice::start(Throttle::Real).await;
    let engine = practice.memory_engine().await;
    let econsult = typical();
    practice
        .mock
        .inject(FaultRule::on::<UpdatePatientRecord>(Fault::DropAfterProcessing).times(1));
    let started = tokio::time::Instant::now();
    save_and_wait(&engine, &econsult).await;
    assert!(
        started.elapsed() < Duration::from_secs(60),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(practice.mock.count::<GetPatientRecord>(), 1);
    practice.assert_each_once(&econsult);
}

/// Sent at 23:59:40 and landing after midnight: the entry carries the next
/// day's date, and the reads look across midnight.
#[tokio::test(start_paused = true)]
async fn a_save_that_lands_after_midnight_is_found_not_sent_again() {
    let practice = Practice::start_at(Throttle::Real, "2031-09-10T23:59:40".parse().unwrap()).await;
    let engine = practice.memory_engine().await;
    let econsult = typical();
    practice.mock.inject(
        FaultRule::on::<UpdatePatientRecord>(Fault::LandLate(Duration::from_secs(40))).times(1),
    );
    save_and_wait(&engine, &econsult).await;
    practice.assert_each_once(&econsult);
    assert_eq!(practice.mock.count::<UpdatePatientRecord>(), 1);
}

/// The PC's clock is ten minutes behind SystmOne's at 23:55: SystmOne
/// stamps the entry with tomorrow's date while the PC still says today.
#[tokio::test(start_paused = true)]
async fn a_pc_clock_behind_systmone_at_midnight_still_finds_its_save() {
    let practice = Practice::start_at(Throttle::Real, "2031-09-11T00:05:00".parse().unwrap()).await;
    let behind = TokioClock::starting_at("2031-09-10T23:55:00".parse().unwrap());
    let engine = practice
        .engine(MemoryStore::new(), "pc-1")
        .clock(behind)
        .start()
        .await
        .unwrap();
    let econsult = typical();
    practice
        .mock
        .inject(FaultRule::on::<UpdatePatientRecord>(Fault::DropAfterProcessing).times(1));
    save_and_wait(&engine, &econsult).await;
    practice.assert_each_once(&econsult);
    assert_eq!(practice.mock.count::<UpdatePatientRecord>(), 1);
}

/// An eConsult with a partial save of four entries (three messages and the
/// latest PDF) in one call.
async fn saved_with_new_activity(practice: &Practice, engine: &record_sync::Engine) -> EConsult {
    let mut econsult = typical();
    save_and_wait(engine, &econsult).await;
    for (id, at) in [("n1", "09:30"), ("n2", "09:31"), ("n3", "09:32")] {
        let body = format!("Follow-up {id}.");
        let at = format!("2031-09-10T{at}:00");
        econsult
            .activity
            .push(message(id, &at, false, Channel::Sms, &body))
            .unwrap();
    }
    let _ = practice;
    econsult
}

/// SystmOne keeps two of four entries and answers with an error (§12.11
/// leaves this open): the engine looks before sending again, and sends
/// only the two that are missing.
#[tokio::test(start_paused = true)]
async fn an_error_answer_to_several_entries_is_reconciled_before_anything_is_sent_again() {
    let practice = Practice::start(Throttle::Real).await;
    let engine = practice.memory_engine().await;
    let econsult = saved_with_new_activity(&practice, &engine).await;
    practice
        .mock
        .inject(FaultRule::on::<UpdatePatientRecord>(Fault::PartialCommit(2)).times(1));
    save_and_wait(&engine, &econsult).await;
    practice.assert_each_once(&econsult);
    assert!(practice.record_shows(&econsult, "Follow-up n3."));
    let state = engine.state(&econsult.id).await.unwrap().unwrap();
    assert_eq!(state.save(), &SaveState::Saved);
}

/// SystmOne answers with two EventUIDs for four entries and kept only two:
/// the other two are found missing and sent, not taken as saved.
#[tokio::test(start_paused = true)]
async fn an_answer_with_too_few_event_uids_is_reconciled_not_trusted() {
    let practice = Practice::start(Throttle::Real).await;
    let engine = practice.memory_engine().await;
    let econsult = saved_with_new_activity(&practice, &engine).await;
    practice
        .mock
        .inject(FaultRule::on::<UpdatePatientRecord>(Fault::ShortAnswer(2)).times(1));
    save_and_wait(&engine, &econsult).await;
    practice.assert_each_once(&econsult);
    for id in ["n1", "n2", "n3"] {
        assert!(
            practice.record_shows(&econsult, &format!("Follow-up {id}.")),
            "{id}"
        );
    }
}

/// `RecordState` `Open` after a write: the entries are in the record but not
/// committed. They are not journalled as saved while the record is open;
/// if the user discards, they are written again; if the user saves, not.
#[tokio::test(start_paused = true)]
async fn an_uncommitted_save_is_journalled_only_once_a_read_confirms_it() {
    for discard in [true, false] {
        let practice = Practice::start(Throttle::Real).await;
        let engine = practice.memory_engine().await;
        let econsult = typical();
        practice
            .mock
            .inject(FaultRule::on::<UpdatePatientRecord>(Fault::AnswerOpen).times(1));
        engine
            .save(econsult.clone(), patient_of(&econsult))
            .await
            .unwrap();
        tokio::time::sleep(Duration::from_secs(30)).await;
        assert!(
            engine.saved_items(&econsult.id).await.unwrap().is_empty(),
            "nothing journalled as saved while uncommitted"
        );
        let state = engine.state(&econsult.id).await.unwrap().unwrap();
        assert!(
            matches!(state.save(), SaveState::Failed { failure } if failure.cause == FailureCause::NotCommitted && failure.retryable),
            "{state:?}"
        );
        if discard {
            practice.mock.user_discards();
        } else {
            practice.mock.user_saves();
        }
        practice.mock.close_record();
        engine.idle().await;
        practice.assert_each_once(&econsult);
        let state = engine.state(&econsult.id).await.unwrap().unwrap();
        assert_eq!(state.save(), &SaveState::Saved, "discard {discard}");
        assert_eq!(
            practice.mock.count::<UpdatePatientRecord>(),
            if discard { 2 } else { 1 },
            "discard {discard}"
        );
    }
}

fn other_practice(econsult: &mut EConsult) {
    econsult.practice = OTHER_PRACTICE.parse().unwrap();
}

/// SystmOne on this PC is logged on at another practice: nothing is read
/// or written, the save waits with the cause named, and it resumes once
/// SystmOne is logged on at the eConsult's practice.
#[tokio::test(start_paused = true)]
async fn a_save_waits_while_systmone_is_logged_on_at_another_practice() {
    let practice = Practice::start(Throttle::Real).await;
    let engine = practice.memory_engine().await;
    let mut progress = engine.subscribe();
    let mut econsult = typical();
    other_practice(&mut econsult);
    engine
        .save(econsult.clone(), patient_of(&econsult))
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_secs(600)).await;
    assert_eq!(practice.mock.count::<UpdatePatientRecord>(), 0);
    assert_eq!(practice.mock.count::<GetPatientRecord>(), 0);
    let state = engine.state(&econsult.id).await.unwrap().unwrap();
    let SaveState::Failed { failure } = state.save() else {
        panic!("{state:?}")
    };
    assert_eq!(failure.cause, FailureCause::WrongPractice);
    assert!(failure.retryable);
    assert!(
        failure
            .to_string()
            .contains("logged on at another practice"),
        "{failure}"
    );
    let mut shown = false;
    while let Some(update) = progress.try_next() {
        shown |= update
            .report
            .and_then(|r| r.failure)
            .is_some_and(|f| f.cause == FailureCause::WrongPractice);
    }
    assert!(shown, "progress shows the cause");

    practice
        .mock
        .set_organisation(Organisation::single_site(OTHER_PRACTICE, "Other Surgery"));
    practice.mock.drop_connections();
    engine.idle().await;
    practice.assert_each_once(&econsult);
}

/// The practice is checked once per connection, and again after SystmOne
/// reconnects (as it does when a user switches practice).
#[tokio::test(start_paused = true)]
async fn a_switch_to_another_practice_is_noticed_after_the_reconnect() {
    let practice = Practice::start(Throttle::Real).await;
    let engine = practice.memory_engine().await;
    let mut econsult = typical();
    save_and_wait(&engine, &econsult).await;
    practice.assert_each_once(&econsult);

    practice
        .mock
        .set_organisation(Organisation::single_site(OTHER_PRACTICE, "Other Surgery"));
    practice.mock.drop_connections();
    econsult
        .activity
        .push(message(
            "late",
            "2031-09-10T09:40:00",
            false,
            Channel::Sms,
            "One more thing.",
        ))
        .unwrap();
    engine
        .save(econsult.clone(), patient_of(&econsult))
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_secs(120)).await;
    assert_eq!(
        practice.mock.count::<UpdatePatientRecord>(),
        1,
        "nothing more written"
    );
    let state = engine.state(&econsult.id).await.unwrap().unwrap();
    assert!(
        matches!(state.save(), SaveState::Failed { failure } if failure.cause == FailureCause::WrongPractice),
        "{state:?}"
    );
    engine.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn an_engine_that_has_stopped_refuses_requests() {
    let practice = Practice::start(Throttle::Off).await;
    let engine = practice.memory_engine().await;
    let econsult = typical();
    engine.shutdown().await;
    let refused = engine.save(econsult.clone(), patient_of(&econsult)).await;
    assert!(matches!(refused, Err(SyncError::Stopped)), "{refused:?}");
    assert!(matches!(
        engine.update(econsult.clone()).await,
        Err(SyncError::Stopped)
    ));
    assert!(matches!(
        engine.complete(&econsult.id, true).await,
        Err(SyncError::Stopped)
    ));
    assert!(
        engine.state(&econsult.id).await.unwrap().is_none(),
        "nothing journalled"
    );
}

/// A person asks for a save again while one is failing for good (SystmOne
/// refuses it permanently): the new request is theirs, made after the
/// failing attempt began, and is carried out, not dropped with it.
#[tokio::test(start_paused = true)]
async fn a_save_asked_for_while_a_failing_one_runs_is_not_dropped() {
    let practice = Practice::start(Throttle::Real).await;
    let engine = practice.memory_engine().await;
    let mut econsult = typical();
    save_and_wait(&engine, &econsult).await;
    // One new inbound message: a partial save of one entry.
    let reply = message(
        "in-2",
        "2031-09-10T09:50:00",
        true,
        Channel::Email,
        "Still sore.",
    );
    econsult.activity.push(reply).unwrap();
    practice.mock.inject(
        FaultRule::on::<UpdatePatientRecord>(Fault::Delay(Duration::from_secs(10))).times(1),
    );
    practice
        .mock
        .inject(FaultRule::on::<UpdatePatientRecord>(Fault::MessagingSettings).times(1));
    engine
        .save(econsult.clone(), patient_of(&econsult))
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_secs(5)).await;
    // The practice fixes its messaging settings and presses Save again
    // while the first attempt is still waiting for SystmOne.
    engine
        .save(econsult.clone(), patient_of(&econsult))
        .await
        .unwrap();
    engine.idle().await;
    practice.assert_each_once(&econsult);
    let state = engine.state(&econsult.id).await.unwrap().unwrap();
    assert_eq!(state.save(), &SaveState::Saved);
}

/// SystmOne refuses a save of several entries for good; while the engine
/// is still reading the record to see whether any of it was kept, a
/// person (who has put the cause right) asks again. Their request is not
/// dropped with the refusal.
#[tokio::test(start_paused = true)]
async fn a_save_asked_for_while_a_refusal_is_looked_into_is_not_dropped() {
    let practice = Practice::start(Throttle::Real).await;
    let engine = practice.memory_engine().await;
    let econsult = typical();
    practice
        .mock
        .inject(FaultRule::on::<UpdatePatientRecord>(Fault::PermanentError).times(1));
    engine
        .save(econsult.clone(), patient_of(&econsult))
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_secs(20)).await;
    assert_eq!(
        practice.mock.count::<UpdatePatientRecord>(),
        1,
        "refused once"
    );
    engine
        .save(econsult.clone(), patient_of(&econsult))
        .await
        .unwrap();
    engine.idle().await;
    practice.assert_each_once(&econsult);
    let state = engine.state(&econsult.id).await.unwrap().unwrap();
    assert_eq!(state.save(), &SaveState::Saved);
}
