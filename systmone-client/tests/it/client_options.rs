//! Per-call limits on when and where a request may be written: a send-by
//! deadline (queue time counts, and a request past it is never written)
//! and a required connection (a write never goes to a SystmOne other than
//! the one the caller checked). The real `Client` against the mock, on
//! paused time, with SystmOne's throttle.
#![cfg(feature = "mock")]
#![allow(clippy::unwrap_used)]

use crate::support;

use std::time::Duration;

use support::client::*;
use support::*;
use systmone_client::client::{CallOptions, Error, ErrorKind, NotSentReason, Outcome};
use systmone_client::mock::{Fault, FaultRule, MockSystmOne, ThrottleConfig};
use systmone_client::proto::*;
use tokio::time::Instant;

/// SystmOne's limits on the mock too.
async fn practice() -> MockSystmOne {
    builder()
        .throttle(ThrottleConfig::systmone())
        .patients(vec![alex()])
        .start()
        .await
        .unwrap()
}

fn not_sent_because(error: &Error, expected: fn(&NotSentReason) -> bool) -> bool {
    matches!(error, Error::NotSent { reason, .. } if expected(reason))
}

fn deadline_passed(error: &Error) -> bool {
    not_sent_because(error, |r| matches!(r, NotSentReason::DeadlinePassed))
}

fn connection_changed(error: &Error) -> bool {
    not_sent_because(error, |r| matches!(r, NotSentReason::ConnectionChanged))
}

/// How many times the note carrying `marker` is in the standard patient's
/// record.
fn times_written(mock: &MockSystmOne, marker: &str) -> usize {
    mock.record(&nhs(1))
        .unwrap()
        .narrative_lines()
        .filter(|l| *l == marker)
        .count()
}

#[tokio::test(start_paused = true)]
async fn a_write_whose_deadline_passes_in_the_queue_is_never_sent() {
    let mock = practice().await;
    let client = throttled(&mock).await;
    // Three searches queue first; at one request per 1.1 s (pairing took
    // the first slot) the write's turn is 4.4 s away.
    let searches: Vec<_> = (0..3)
        .map(|_| {
            let client = client.clone();
            tokio::spawn(async move { client.patient_search(search_alex()).await })
        })
        .collect();
    tokio::task::yield_now().await;
    let started = Instant::now();
    let late = {
        let client = client.clone();
        let options = CallOptions::default().send_by(started + Duration::from_secs(2));
        tokio::spawn(async move { client.send(note(1, "too late"), options).await })
    };
    let in_time = {
        let client = client.clone();
        let options = CallOptions::default().send_by(started + Duration::from_secs(10));
        tokio::spawn(async move { client.send(note(1, "in time"), options).await })
    };
    let error = late.await.unwrap().unwrap_err();
    assert!(deadline_passed(&error), "{error}");
    assert!(
        started.elapsed() <= Duration::from_secs(2),
        "the caller heard by its deadline, not after ({:?})",
        started.elapsed()
    );
    assert_eq!(error.kind(), ErrorKind::NotSent);
    assert_eq!(error.outcome(), Outcome::NotProcessed);
    assert!(error.is_retryable());
    assert!(error.to_string().contains("nothing was written"), "{error}");

    let saved = in_time.await.unwrap().unwrap();
    assert_eq!(saved.attempts, 1);
    for search in searches {
        search.await.unwrap().unwrap();
    }
    tokio::time::sleep(Duration::from_secs(30)).await;
    assert_eq!(
        mock.count::<UpdatePatientRecord>(),
        1,
        "only the one in time"
    );
    assert_eq!(times_written(&mock, "too late"), 0);
    assert_eq!(times_written(&mock, "in time"), 1);
}

#[tokio::test(start_paused = true)]
async fn a_call_the_throttle_would_hold_past_its_deadline_fails_at_once() {
    let mock = practice().await;
    let client = throttled(&mock).await;
    // Pairing just took the one-per-second slot: nothing can go for 1.1 s,
    // so a write due in 0.5 s cannot make it, and is told so without
    // waiting.
    let started = Instant::now();
    let error = client
        .send(
            note(1, "cannot make it"),
            CallOptions::default().send_by(started + Duration::from_millis(500)),
        )
        .await
        .unwrap_err();
    assert!(deadline_passed(&error), "{error}");
    assert_eq!(started.elapsed(), Duration::ZERO, "it did not wait");
    // A deadline already past when the call is made: the same.
    let error = client
        .send(
            note(1, "already late"),
            CallOptions::default().send_by(started),
        )
        .await
        .unwrap_err();
    assert!(deadline_passed(&error), "{error}");
    tokio::time::sleep(Duration::from_secs(5)).await;
    assert_eq!(mock.count::<UpdatePatientRecord>(), 0);
    // A deadline after the throttle's wait is met.
    client
        .send(
            note(1, "can make it"),
            CallOptions::default().send_by(Instant::now() + Duration::from_millis(500)),
        )
        .await
        .unwrap();
    assert_eq!(times_written(&mock, "can make it"), 1);
}

#[tokio::test(start_paused = true)]
async fn a_deadline_that_passes_while_reconnecting_counts() {
    let mock = practice().await;
    let address = mock.addr();
    let client = throttled(&mock).await;
    let device = mock.devices().remove(0);
    // SystmOne goes away (a user logs off) and is back 1.5 s later; the
    // client keeps trying to reconnect meanwhile.
    mock.stop().await;
    let started = Instant::now();
    let late = {
        let client = client.clone();
        let options = CallOptions::default().send_by(started + Duration::from_secs(1));
        tokio::spawn(async move { client.send(note(1, "too late"), options).await })
    };
    let in_time = {
        let client = client.clone();
        let options = CallOptions::default().send_by(started + Duration::from_secs(10));
        tokio::spawn(async move { client.send(note(1, "in time"), options).await })
    };
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let back = restarted(address, device, ThrottleConfig::systmone()).await;
    let error = late.await.unwrap().unwrap_err();
    assert!(deadline_passed(&error), "{error}");
    in_time.await.unwrap().unwrap();
    tokio::time::sleep(Duration::from_secs(30)).await;
    assert_eq!(
        back.count::<UpdatePatientRecord>(),
        1,
        "only the one in time"
    );
    let record = back.record(&nhs(1)).unwrap();
    assert!(!record.narrative_lines().any(|l| l == "too late"));
    assert!(record.narrative_lines().any(|l| l == "in time"));
}

#[tokio::test(start_paused = true)]
async fn a_read_is_not_resent_after_its_deadline() {
    let mock = practice().await;
    mock.inject(FaultRule::on::<IsPatientRetrieved>(Fault::DropBeforeProcessing).times(1));
    let client = throttled(&mock).await;
    // Sent at 1.1 s (after pairing) and dropped; the resend could go at
    // 2.2 s, after the deadline.
    let error = client
        .send(
            IsPatientRetrieved::default(),
            CallOptions::default().send_by(Instant::now() + Duration::from_millis(1500)),
        )
        .await
        .unwrap_err();
    assert!(deadline_passed(&error), "{error}");
    tokio::time::sleep(Duration::from_secs(10)).await;
    assert_eq!(
        mock.count::<IsPatientRetrieved>(),
        1,
        "sent once, not resent"
    );
}

#[tokio::test(start_paused = true)]
async fn a_write_goes_only_on_the_connection_the_caller_checked() {
    let mock = practice().await;
    let client = throttled(&mock).await;
    let checked = client
        .get_organisation_metadata_with(GetOrganisationMetaData::default(), CallOptions::default())
        .await
        .unwrap();
    // Without a reconnect, every call goes on the same connection, and a
    // write required to go on it does.
    let found = client
        .patient_search_with(search_alex(), CallOptions::default())
        .await
        .unwrap();
    assert_eq!(found.connection, checked.connection);
    let saved = client
        .update_patient_record_with(
            note(1, "same connection"),
            CallOptions::default().on_connection(checked.connection),
        )
        .await
        .unwrap();
    assert_eq!(saved.connection, checked.connection);

    // The connection breaks under a read (safe to resend, so it is
    // answered on a new connection).
    mock.inject(FaultRule::on::<IsPatientRetrieved>(Fault::DropBeforeProcessing).times(1));
    let open = client
        .is_patient_retrieved_with(IsPatientRetrieved::default(), CallOptions::default())
        .await
        .unwrap();
    assert_eq!(open.attempts, 2);
    assert_ne!(open.connection, checked.connection, "a new connection");
    assert!(open.connection > checked.connection, "ordered by opening");
    assert_eq!(mock.connection_count(), 2);

    // A write required to go on the checked connection is refused unsent.
    let error = client
        .update_patient_record_with(
            note(1, "old connection"),
            CallOptions::default().on_connection(checked.connection),
        )
        .await
        .unwrap_err();
    assert!(connection_changed(&error), "{error}");
    assert_eq!(error.outcome(), Outcome::NotProcessed);
    assert!(error.is_retryable());
    assert!(error.to_string().contains("check again"), "{error}");

    // Checked again, it goes.
    let rechecked = client
        .get_organisation_metadata_with(GetOrganisationMetaData::default(), CallOptions::default())
        .await
        .unwrap();
    assert_eq!(rechecked.connection, open.connection);
    client
        .update_patient_record_with(
            note(1, "new connection"),
            CallOptions::default().on_connection(rechecked.connection),
        )
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_secs(30)).await;
    assert_eq!(mock.count::<UpdatePatientRecord>(), 2);
    assert_eq!(times_written(&mock, "same connection"), 1);
    assert_eq!(times_written(&mock, "old connection"), 0);
    assert_eq!(times_written(&mock, "new connection"), 1);
}

#[tokio::test(start_paused = true)]
async fn a_write_for_a_connection_systmone_closed_while_idle_is_not_sent() {
    let mock = practice().await;
    let client = throttled(&mock).await;
    let checked = client
        .get_organisation_metadata_with(GetOrganisationMetaData::default(), CallOptions::default())
        .await
        .unwrap();
    // SystmOne restarts: it answers, then closes every connection. The
    // client would have to reconnect to send anything, so a write required
    // to go on the old connection cannot go.
    client
        .exit_client(ExitClient { restart: true })
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(100)).await;
    let error = client
        .send(
            note(1, "after restart"),
            CallOptions::default().on_connection(checked.connection),
        )
        .await
        .unwrap_err();
    assert!(connection_changed(&error), "{error}");
    tokio::time::sleep(Duration::from_secs(30)).await;
    assert_eq!(mock.count::<UpdatePatientRecord>(), 0);
    // An unpinned call reconnects as ever, on a new connection.
    let found = client
        .patient_search_with(search_alex(), CallOptions::default())
        .await
        .unwrap();
    assert_ne!(found.connection, checked.connection);
}

#[tokio::test(start_paused = true)]
async fn a_connection_id_from_another_client_never_matches() {
    let mock = practice().await;
    let first = throttled(&mock).await;
    let second = builder_for(&mock)
        .device_id_store(
            systmone_client::client::MemoryDeviceIdStore::with_device_id(
                first.device_id().to_owned(),
            ),
        )
        .connect()
        .await
        .unwrap();
    let on_first = first
        .is_patient_retrieved_with(IsPatientRetrieved::default(), CallOptions::default())
        .await
        .unwrap();
    let on_second = second
        .is_patient_retrieved_with(IsPatientRetrieved::default(), CallOptions::default())
        .await
        .unwrap();
    assert_ne!(on_first.connection, on_second.connection);
    // Each client's first connection: had the numbering been per client,
    // this write would have gone to the second client's SystmOne session
    // on the strength of a check made through the first.
    let error = second
        .send(
            note(1, "wrong client"),
            CallOptions::default().on_connection(on_first.connection),
        )
        .await
        .unwrap_err();
    assert!(connection_changed(&error), "{error}");
    tokio::time::sleep(Duration::from_secs(30)).await;
    assert_eq!(mock.count::<UpdatePatientRecord>(), 0);
}
