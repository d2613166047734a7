//! The engine against the mock SystmOne over loopback TCP, on paused time:
//! full, partial and completing saves, what lands in the record, and the
//! refusals that keep an eConsult away from the wrong patient.
#![allow(clippy::unwrap_used)]

use crate::support;

use econsult_model::{Channel, Status};
use std::sync::Arc;

use record_sync::store::MemoryStore;
use record_sync::{Engine, FailureCause, ItemKey, PatientId, SaveKind, SaveState, SyncError};
use support::*;
use systmone_client::client::{Priority, SystmOneApi};
use systmone_client::mock::{Fault, FaultRule};
use systmone_client::proto::{Filter, GetPatientRecord, UpdatePatientRecord};

#[tokio::test(start_paused = true)]
async fn a_full_save_writes_the_pdf_the_ice_and_each_message_once_in_one_call() {
    let practice = Practice::start(Throttle::Real).await;
    let engine = practice.memory_engine().await;
    let mut progress = engine.subscribe();
    let econsult = typical();

    save_and_wait(&engine, &econsult).await;

    let state = engine.state(&econsult.id).await.unwrap().unwrap();
    assert_eq!(state.save(), &SaveState::Saved);
    assert_eq!(practice.mock.count::<UpdatePatientRecord>(), 1);
    assert_eq!(
        practice.mock.count::<GetPatientRecord>(),
        0,
        "nothing to reconcile"
    );
    practice.assert_each_once(&econsult);

    let record = practice
        .mock
        .record(econsult.patient.nhs_number.unwrap().as_str())
        .unwrap();
    let ours: Vec<_> = record.api_events().collect();
    assert_eq!(
        ours.len(),
        4,
        "the consultation and three messages, each its own event"
    );
    assert!(
        ours.iter()
            .all(|e| e.item.software.as_deref() == Some("Record Sync Tests"))
    );
    assert_eq!(record.documents.len(), 1);
    assert!(record.documents[0].contents.starts_with(b"%PDF"));
    let lines: Vec<&str> = record.narrative_lines().collect();
    assert!(lines.iter().any(|l| l.starts_with("Ideas: ")), "{lines:?}");

    // EventUIDs are journalled for every item.
    let saved = engine.saved_items(&econsult.id).await.unwrap();
    assert_eq!(saved.len(), 4);
    for item in &saved {
        let uid = item.event_uid.as_deref().unwrap();
        assert!(record.event(uid).is_some(), "{uid} is in the record");
    }
    assert!(
        practice.spool_files().is_empty(),
        "the spool is emptied once confirmed"
    );

    // Progress: saving (full), then saved with a report of one call.
    let mut states = Vec::new();
    let mut report = None;
    while let Ok(Some(update)) =
        tokio::time::timeout(std::time::Duration::from_millis(1), progress.next()).await
    {
        states.push(update.state.save().name());
        if update.report.is_some() {
            report = update.report;
        }
    }
    assert_eq!(states, ["not saved", "saving", "saved"]);
    let report = report.unwrap();
    assert_eq!(
        (report.kind, report.calls, report.items),
        (SaveKind::Full, 1, 4)
    );
    assert!(report.failure.is_none());
}

#[tokio::test(start_paused = true)]
async fn new_activity_makes_a_saved_econsult_partially_saved_and_a_partial_save_is_one_call() {
    let practice = Practice::start(Throttle::Real).await;
    let engine = practice.memory_engine().await;
    let mut econsult = typical();
    save_and_wait(&engine, &econsult).await;

    // An outbound message: the partial save adds the latest PDF too.
    econsult
        .activity
        .push(message(
            "m4",
            "2031-09-10T09:30:00",
            false,
            Channel::Email,
            "Results are normal.",
        ))
        .unwrap();
    engine.update(econsult.clone()).await.unwrap();
    let state = engine.state(&econsult.id).await.unwrap().unwrap();
    assert_eq!(state.save(), &SaveState::PartiallySaved);
    assert_eq!(
        practice.mock.count::<UpdatePatientRecord>(),
        1,
        "an update saves nothing"
    );

    save_and_wait(&engine, &econsult).await;
    assert_eq!(
        practice.mock.count::<UpdatePatientRecord>(),
        2,
        "one call for the partial save"
    );
    practice.assert_each_once(&econsult);
    let markers = practice.markers(&econsult);
    assert_eq!(markers.get(&"pdf/m4".parse::<ItemKey>().unwrap()), Some(&1));
    let record = practice
        .mock
        .record(econsult.patient.nhs_number.unwrap().as_str())
        .unwrap();
    assert_eq!(
        record.documents.len(),
        2,
        "the consultation PDF and the latest one"
    );

    // An inbound message: no new PDF.
    econsult
        .activity
        .push(message(
            "m5",
            "2031-09-10T10:00:00",
            true,
            Channel::Sms,
            "Thank you",
        ))
        .unwrap();
    save_and_wait(&engine, &econsult).await;
    assert_eq!(practice.mock.count::<UpdatePatientRecord>(), 3);
    practice.assert_each_once(&econsult);
    assert_eq!(
        practice
            .markers(&econsult)
            .get(&"pdf/m5".parse::<ItemKey>().unwrap()),
        None
    );
    assert_eq!(
        engine.state(&econsult.id).await.unwrap().unwrap().save(),
        &SaveState::Saved
    );

    // Saving again with nothing new sends nothing.
    save_and_wait(&engine, &econsult).await;
    assert_eq!(practice.mock.count::<UpdatePatientRecord>(), 3);
}

#[tokio::test(start_paused = true)]
async fn completing_with_the_toggle_on_saves_first_and_with_it_off_saves_nothing() {
    let practice = Practice::start(Throttle::Off).await;
    let engine = practice.memory_engine().await;
    let mut econsult = typical();
    save_and_wait(&engine, &econsult).await;

    econsult
        .activity
        .push(message(
            "m4",
            "2031-09-10T09:30:00",
            false,
            Channel::Sms,
            "All done.",
        ))
        .unwrap();
    engine.update(econsult.clone()).await.unwrap();
    engine.complete(&econsult.id, true).await.unwrap();
    let waiting = engine.state(&econsult.id).await.unwrap().unwrap();
    // Not Completed until the new SMS is in the record.
    assert!(waiting.is_completing(), "{waiting:?}");
    assert_ne!(waiting.status(), Status::Completed);
    engine.idle().await;
    let state = engine.state(&econsult.id).await.unwrap().unwrap();
    assert_eq!(state.status(), Status::Completed);
    assert_eq!(state.save(), &SaveState::Saved);
    practice.assert_each_once(&econsult);

    // Toggle off: Completed at once, the new activity stays unsaved.
    let mut other = sample("04-fit-note");
    save_and_wait(&engine, &other).await;
    let calls = practice.mock.count::<UpdatePatientRecord>();
    // The sample arrives completed; the practice reopens it.
    engine
        .set_status(&other.id, Status::AwaitingResponse)
        .await
        .unwrap();
    other
        .activity
        .push(message(
            "act-09",
            "2031-09-10T09:40:00",
            false,
            Channel::Email,
            "Closing this.",
        ))
        .unwrap();
    engine.update(other.clone()).await.unwrap();
    engine.complete(&other.id, false).await.unwrap();
    engine.idle().await;
    let state = engine.state(&other.id).await.unwrap().unwrap();
    assert_eq!(state.status(), Status::Completed);
    assert_eq!(state.save(), &SaveState::PartiallySaved);
    assert_eq!(practice.mock.count::<UpdatePatientRecord>(), calls);
    assert_eq!(
        practice
            .markers(&other)
            .get(&"activity/act-09".parse::<ItemKey>().unwrap()),
        None
    );

    // Completed twice is refused; Awaiting response reopens it.
    assert!(matches!(
        engine.complete(&other.id, true).await,
        Err(SyncError::Transition(_))
    ));
    engine
        .set_status(&other.id, Status::AwaitingResponse)
        .await
        .unwrap();
    assert_eq!(
        engine.state(&other.id).await.unwrap().unwrap().status(),
        Status::AwaitingResponse
    );
}

/// A program that already shares its connection (with its patient search,
/// say) as an `Arc<dyn SystmOneApi>` hands the engine that same `Arc`.
#[tokio::test(start_paused = true)]
async fn an_engine_saves_through_an_api_the_program_already_shares() {
    let practice = Practice::start(Throttle::Real).await;
    let shared: Arc<dyn SystmOneApi> =
        Arc::new(practice.client.with_priority(Priority::Background));
    let engine = Engine::for_shared_api(shared.clone(), MemoryStore::new(), practice.spool())
        .owner("pc-1")
        .clock(practice.clock)
        .config(test_config())
        .start()
        .await
        .unwrap();
    let econsult = typical();
    save_and_wait(&engine, &econsult).await;
    let state = engine.state(&econsult.id).await.unwrap().unwrap();
    assert_eq!(state.save(), &SaveState::Saved);
    assert_eq!(practice.mock.count::<UpdatePatientRecord>(), 1);
    practice.assert_each_once(&econsult);

    // The rest of the program still uses the same handle; the engine holds
    // it, not a copy behind another `Arc`.
    assert_eq!(Arc::strong_count(&shared), 2);
    let identity = patient_of(&econsult).to_identity();
    let read = shared
        .get_patient_record(GetPatientRecord {
            identity: Some(identity),
            filter: Some(Filter::demographics_only()),
            ..GetPatientRecord::default()
        })
        .await
        .unwrap();
    assert_eq!(
        PatientId::from_identity(&read.identity),
        Some(patient_of(&econsult))
    );
    engine.shutdown().await;
    assert_eq!(Arc::strong_count(&shared), 1, "the engine let go of it");
}

#[tokio::test(start_paused = true)]
async fn an_econsult_in_one_record_is_never_saved_to_another_patient() {
    let practice = Practice::start(Throttle::Off).await;
    let engine = practice.memory_engine().await;
    let econsult = typical();
    let someone_else = PatientId::nhs(sample("04-fit-note").patient.nhs_number.unwrap());

    // Before any save, a wrong link can be put right.
    practice
        .mock
        .inject(FaultRule::on::<UpdatePatientRecord>(Fault::MessagingSettings).times(1));
    engine
        .save(econsult.clone(), someone_else.clone())
        .await
        .unwrap();
    engine.idle().await;
    let failed = engine.state(&econsult.id).await.unwrap().unwrap();
    let SaveState::Failed { failure } = failed.save() else {
        panic!("{failed:?}")
    };
    assert_eq!(failure.cause, FailureCause::MessagingSettings);
    assert!(!failure.retryable);
    assert!(
        failure
            .to_string()
            .starts_with("Failed to save eConsult to record")
    );
    save_and_wait(&engine, &econsult).await;
    practice.assert_each_once(&econsult);

    // Once saved, never to another patient.
    let refused = engine
        .save(econsult.clone(), someone_else)
        .await
        .unwrap_err();
    assert!(
        matches!(refused, SyncError::PatientChanged { .. }),
        "{refused}"
    );
    assert!(
        refused
            .to_string()
            .contains("never saved to a second patient")
    );
    let other_record = practice
        .mock
        .record(sample("04-fit-note").patient.nhs_number.unwrap().as_str())
        .unwrap();
    assert_eq!(other_record.api_events().count(), 0);
}

#[tokio::test(start_paused = true)]
async fn invalid_econsults_and_unknown_ones_are_refused_with_what_to_do() {
    let practice = Practice::start(Throttle::Off).await;
    let engine = practice.memory_engine().await;
    let mut econsult = typical();
    econsult
        .activity
        .push(message(
            "early",
            "2020-01-01T00:00:00",
            false,
            Channel::Sms,
            "Before submission",
        ))
        .unwrap();
    let error = engine
        .save(econsult.clone(), patient_of(&econsult))
        .await
        .unwrap_err();
    assert!(matches!(error, SyncError::Invalid(_)), "{error}");
    assert!(
        error
            .to_string()
            .contains("before the eConsult was submitted"),
        "{error}"
    );
    let error = engine.complete(&econsult.id, true).await.unwrap_err();
    assert!(matches!(error, SyncError::NotTracked(_)), "{error}");
    assert_eq!(practice.mock.request_count(), 1, "only the pairing");
}

#[tokio::test(start_paused = true)]
async fn the_sqlite_journal_is_created_on_first_use_and_a_new_engine_carries_on_from_it() {
    let practice = Practice::start(Throttle::Off).await;
    let store = practice.sqlite_store();
    let engine = practice.engine(store, "pc-1").start().await.unwrap();
    let mut econsult = typical();
    save_and_wait(&engine, &econsult).await;
    engine.shutdown().await;

    let store = practice.sqlite_store();
    let engine = practice.engine(store, "pc-1").start().await.unwrap();
    assert_eq!(
        engine.state(&econsult.id).await.unwrap().unwrap().save(),
        &SaveState::Saved
    );
    econsult
        .activity
        .push(message(
            "m4",
            "2031-09-10T09:30:00",
            true,
            Channel::Sms,
            "Still sore",
        ))
        .unwrap();
    save_and_wait(&engine, &econsult).await;
    practice.assert_each_once(&econsult);
    assert_eq!(practice.mock.count::<UpdatePatientRecord>(), 2);
}
