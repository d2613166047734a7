//! Every fault the mock can inject, as the client reports it: what
//! happened to the request, whether SystmOne may have acted, and that the
//! client never sends a write twice.
#![cfg(feature = "mock")]
#![allow(clippy::unwrap_used)]

use crate::support;

use std::time::Duration;

use support::client::*;
use support::*;
use systmone_client::client::{
    CallOptions, Client, DeviceIdStore as _, Error, ErrorKind, MemoryDeviceIdStore, NoAnswerCause,
    NotSentReason, Outcome, Reconnect, UnreadableCause,
};
use systmone_client::mock::{Fault, FaultRule, MockSystmOne};
use systmone_client::proto::*;
use tokio::time::Instant;

async fn practice() -> (MockSystmOne, Client) {
    let mock = mock_with(vec![alex()]).await;
    let client = unthrottled(&mock).await;
    (mock, client)
}

/// How many times the note carrying `marker` is in the record.
fn times_written(mock: &MockSystmOne, marker: &str) -> usize {
    mock.record(&nhs(1))
        .unwrap()
        .narrative_lines()
        .filter(|l| *l == marker)
        .count()
}

/// Saves a note with `fault` injected once, and returns the error.
async fn save_with(fault: Fault, marker: &str) -> (MockSystmOne, Client, Error) {
    let (mock, client) = practice().await;
    mock.inject(FaultRule::on::<UpdatePatientRecord>(fault).times(1));
    let error = client
        .update_patient_record(note(1, marker))
        .await
        .unwrap_err();
    (mock, client, error)
}

/// The client is still usable after the fault: the next save lands.
async fn still_works(mock: &MockSystmOne, client: &Client) {
    client
        .update_patient_record(note(1, "afterwards"))
        .await
        .unwrap();
    assert_eq!(times_written(mock, "afterwards"), 1);
}

#[tokio::test(start_paused = true)]
async fn a_write_dropped_after_processing_is_unknown_and_never_resent() {
    let (mock, client, error) = save_with(Fault::DropAfterProcessing, "dropped after").await;
    assert_eq!(error.kind(), ErrorKind::NoAnswer, "{error}");
    assert_eq!(error.outcome(), Outcome::Unknown);
    assert!(!error.is_retryable());
    assert!(matches!(
        &error,
        Error::NoAnswer {
            cause: NoAnswerCause::ConnectionLost(_),
            ..
        }
    ));
    assert!(error.to_string().contains("look in the record"), "{error}");
    // Let any resend the client might attempt happen.
    tokio::time::sleep(Duration::from_secs(120)).await;
    assert_eq!(
        mock.count::<UpdatePatientRecord>(),
        1,
        "the write was sent once"
    );
    assert_eq!(times_written(&mock, "dropped after"), 1, "and it happened");
    still_works(&mock, &client).await;
    assert_eq!(mock.connection_count(), 2, "a new connection");
}

#[tokio::test(start_paused = true)]
async fn a_write_dropped_before_processing_is_also_unknown_to_the_client() {
    let (mock, client, error) = save_with(Fault::DropBeforeProcessing, "dropped before").await;
    assert_eq!(error.kind(), ErrorKind::NoAnswer, "{error}");
    assert_eq!(error.outcome(), Outcome::Unknown);
    tokio::time::sleep(Duration::from_secs(120)).await;
    assert_eq!(mock.count::<UpdatePatientRecord>(), 1);
    assert_eq!(times_written(&mock, "dropped before"), 0);
    still_works(&mock, &client).await;
}

#[tokio::test(start_paused = true)]
async fn an_unanswered_write_times_out_after_thirty_seconds() {
    let (mock, client) = practice().await;
    mock.inject(FaultRule::on::<UpdatePatientRecord>(Fault::NoResponse).times(1));
    let started = Instant::now();
    let error = client
        .update_patient_record(note(1, "silence"))
        .await
        .unwrap_err();
    assert_eq!(started.elapsed(), Duration::from_secs(30));
    assert!(
        matches!(
            &error,
            Error::NoAnswer { cause: NoAnswerCause::Timeout(t), .. } if *t == Duration::from_secs(30)
        ),
        "{error}"
    );
    assert_eq!(error.outcome(), Outcome::Unknown);
    tokio::time::sleep(Duration::from_secs(120)).await;
    assert_eq!(mock.count::<UpdatePatientRecord>(), 1);
    still_works(&mock, &client).await;
}

#[tokio::test(start_paused = true)]
async fn a_slow_answer_within_the_timeout_is_fine_and_a_slower_one_is_not() {
    let (mock, client) = practice().await;
    mock.inject(
        FaultRule::on::<UpdatePatientRecord>(Fault::Delay(Duration::from_secs(20))).times(1),
    );
    let answered = client
        .send(note(1, "slow"), CallOptions::default())
        .await
        .unwrap();
    assert_eq!(answered.waiting, Duration::from_secs(20));
    mock.inject(
        FaultRule::on::<UpdatePatientRecord>(Fault::Delay(Duration::from_secs(20))).times(1),
    );
    let error = client
        .send(
            note(1, "too slow"),
            CallOptions::default().timeout(Duration::from_secs(10)),
        )
        .await
        .unwrap_err();
    assert!(
        matches!(
            &error,
            Error::NoAnswer { cause: NoAnswerCause::Timeout(t), .. } if *t == Duration::from_secs(10)
        ),
        "{error}"
    );
    tokio::time::sleep(Duration::from_secs(30)).await;
    // The mock carried on and saved it: the caller was right to treat the
    // outcome as unknown.
    assert_eq!(times_written(&mock, "too slow"), 1);
    assert_eq!(mock.count::<UpdatePatientRecord>(), 2);
    still_works(&mock, &client).await;
}

/// Whether the framing error is the one the fault should cause.
type FrameCheck = fn(&FrameError) -> bool;

#[tokio::test(start_paused = true)]
async fn a_truncated_or_garbage_answer_is_unreadable_and_unknown() {
    let cases: [(Fault, FrameCheck); 2] = [
        (Fault::TruncatedResponse, |e| {
            matches!(e, FrameError::Truncated { .. })
        }),
        (Fault::GarbageResponse, |e| {
            matches!(e, FrameError::Malformed { .. })
        }),
    ];
    for (fault, expected) in cases {
        let (mock, client, error) = save_with(fault.clone(), "unreadable").await;
        assert_eq!(error.kind(), ErrorKind::Unreadable, "{fault:?}: {error}");
        assert_eq!(error.outcome(), Outcome::Unknown, "{fault:?}");
        assert!(
            matches!(&error, Error::Unreadable { cause: UnreadableCause::Frame(frame), .. } if expected(frame)),
            "{fault:?}: {error}"
        );
        // The mock processed it before answering badly: unknown was right.
        assert_eq!(times_written(&mock, "unreadable"), 1, "{fault:?}");
        assert_eq!(mock.count::<UpdatePatientRecord>(), 1, "{fault:?}");
        still_works(&mock, &client).await;
    }
}

#[tokio::test(start_paused = true)]
async fn systmone_errors_keep_their_permanence_and_were_not_processed() {
    for (fault, kind) in [
        (Fault::TransientError, ErrorKind::SystmOneTransient),
        (Fault::RecordOpen, ErrorKind::SystmOneTransient),
        (Fault::PermanentError, ErrorKind::SystmOnePermanent),
        (Fault::MessagingSettings, ErrorKind::SystmOnePermanent),
    ] {
        let (mock, client, error) = save_with(fault.clone(), "refused").await;
        assert_eq!(error.kind(), kind, "{fault:?}: {error}");
        assert_eq!(error.outcome(), Outcome::NotProcessed, "{fault:?}");
        assert_eq!(error.is_retryable(), kind == ErrorKind::SystmOneTransient);
        assert_eq!(
            error.request_uid(),
            mock.requests()
                .last()
                .unwrap()
                .request
                .as_ref()
                .map(|r| r.header.request_uid.as_str())
        );
        assert_eq!(times_written(&mock, "refused"), 0, "{fault:?}");
        assert_eq!(mock.count::<UpdatePatientRecord>(), 1, "{fault:?}");
        still_works(&mock, &client).await;
        assert_eq!(
            mock.connection_count(),
            1,
            "{fault:?}: an error answer keeps the connection"
        );
    }
}

#[tokio::test(start_paused = true)]
async fn a_read_that_gets_no_answer_is_sent_again() {
    let (mock, client) = practice().await;
    mock.inject(FaultRule::on::<PatientSearch>(Fault::NoResponse).times(1));
    mock.inject(FaultRule::on::<IsPatientRetrieved>(Fault::DropBeforeProcessing).times(2));
    let answered = client
        .send(search_alex(), CallOptions::default())
        .await
        .unwrap();
    assert_eq!(answered.attempts, 2);
    assert_eq!(answered.response.results.len(), 1);
    assert_eq!(mock.count::<PatientSearch>(), 2);
    let answered = client
        .send(IsPatientRetrieved::default(), CallOptions::default())
        .await
        .unwrap();
    assert_eq!(answered.attempts, 3);
    assert_eq!(mock.count::<IsPatientRetrieved>(), 3);
}

#[tokio::test(start_paused = true)]
async fn a_read_gives_up_after_its_retries() {
    let (mock, client) = practice().await;
    mock.inject(FaultRule::on::<PatientSearch>(Fault::NoResponse));
    let started = Instant::now();
    let error = client.patient_search(search_alex()).await.unwrap_err();
    assert_eq!(error.kind(), ErrorKind::NoAnswer, "{error}");
    assert!(error.is_retryable(), "a read is safe to try again later");
    assert!(!error.to_string().contains("look in the record"), "{error}");
    assert_eq!(
        mock.count::<PatientSearch>(),
        3,
        "sent once and resent twice"
    );
    assert_eq!(started.elapsed(), Duration::from_secs(90));
}

#[tokio::test(start_paused = true)]
async fn the_client_reconnects_when_systmone_comes_back() {
    let (mock, client) = practice().await;
    let address = mock.addr();
    let device = mock.devices().remove(0);
    mock.stop().await;

    // Nothing listens: the call is not sent, after the reconnect backoff.
    let started = Instant::now();
    let error = client.patient_search(search_alex()).await.unwrap_err();
    assert!(
        matches!(
            &error,
            Error::NotSent {
                reason: NotSentReason::Unreachable { .. },
                ..
            }
        ),
        "{error}"
    );
    assert!(error.is_retryable());
    assert!(started.elapsed() <= Reconnect::default().give_up_after);

    // SystmOne comes back (a user logs on again) while a call is waiting.
    let call = {
        let client = client.clone();
        tokio::spawn(async move { client.patient_search(search_alex()).await })
    };
    tokio::time::sleep(Duration::from_millis(250)).await;
    let back = restarted(
        address,
        device,
        systmone_client::mock::ThrottleConfig::off(),
    )
    .await;
    let found = call.await.unwrap().unwrap();
    assert_eq!(found.results.len(), 1);
    assert_eq!(back.count::<PatientSearch>(), 1);
}

#[tokio::test(start_paused = true)]
async fn a_connection_closed_while_idle_is_noticed_before_a_write_is_sent() {
    let (mock, client) = practice().await;
    // ExitClient with Restart answers, then closes every connection (as a
    // SystmOne restart does). The client notices the closed connection
    // before it writes, so the save goes once, on a new connection, and is
    // answered: not "sent, outcome unknown".
    client
        .exit_client(ExitClient { restart: true })
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(100)).await;
    client
        .update_patient_record(note(1, "after"))
        .await
        .unwrap();
    assert_eq!(times_written(&mock, "after"), 1);
    assert_eq!(mock.count::<UpdatePatientRecord>(), 1);
    assert_eq!(mock.connection_count(), 2);
}

#[tokio::test(start_paused = true)]
async fn a_store_that_cannot_save_fails_pairing_before_anything_else_is_sent() {
    #[derive(Debug)]
    struct ReadOnly;
    #[async_trait::async_trait]
    impl systmone_client::client::DeviceIdStore for ReadOnly {
        async fn load(
            &self,
        ) -> Result<Option<String>, systmone_client::client::DeviceIdStoreError> {
            Ok(None)
        }
        async fn save(&self, _: &str) -> Result<(), systmone_client::client::DeviceIdStoreError> {
            Err(systmone_client::client::DeviceIdStoreError::Other(
                "read-only".into(),
            ))
        }
    }
    let mock = mock_with(vec![alex()]).await;
    let error = builder_for(&mock)
        .device_id_store(ReadOnly)
        .connect()
        .await
        .unwrap_err();
    assert_eq!(error.kind(), ErrorKind::DeviceIdStore, "{error}");
    assert_eq!(mock.request_count(), 1, "only the pairing request");
    let memory = MemoryDeviceIdStore::default();
    assert_eq!(memory.load().await.unwrap(), None);
}
