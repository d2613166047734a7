//! Each injected fault: what the client sees, and whether the write it
//! interrupted happened, with the nth-request, nth-call and `times`
//! triggers.
#![cfg(feature = "mock")]
#![allow(clippy::unwrap_used)]

mod support;

use std::time::Duration;

use support::*;
use systmone_client::mock::{Change, Fault, FaultRule, MockSystmOne, Outcome};
use systmone_client::proto::*;
use tokio::time::Instant;

const SILENCE: Duration = Duration::from_secs(30);

async fn practice() -> (MockSystmOne, TestClient) {
    let mock = mock_with(vec![alex()]).await;
    let client = TestClient::paired(mock.addr()).await;
    (mock, client)
}

fn write(marker: &str) -> UpdatePatientRecord {
    UpdatePatientRecord {
        identity: identity(1),
        clinical: Some(Clinical {
            events: vec![Event::narrative(start_time(), [marker.to_owned()])],
            ..Clinical::default()
        }),
        ..UpdatePatientRecord::default()
    }
}

/// Whether the write carrying `marker` reached the record.
fn written(mock: &MockSystmOne, marker: &str) -> bool {
    mock.record(&nhs(1))
        .unwrap()
        .narrative_lines()
        .any(|l| l == marker)
}

/// How many events the journal says were added.
fn journalled(mock: &MockSystmOne) -> usize {
    mock.journal()
        .iter()
        .filter(|e| matches!(e.change, Change::EventAdded(_)))
        .count()
}

fn last_outcome(mock: &MockSystmOne) -> Outcome {
    mock.requests().last().unwrap().outcome.clone()
}

async fn error_fault(fault: Fault, message: &str, permanent: bool) {
    let (mock, mut client) = practice().await;
    mock.inject(FaultRule::on::<UpdatePatientRecord>(fault));
    let error = client.error(write("marker")).await;
    assert_eq!(error.message, message);
    assert_eq!(error.permanent, Some(permanent));
    assert!(!written(&mock, "marker"), "not processed");
    assert_eq!(journalled(&mock), 0);
    assert_eq!(
        last_outcome(&mock),
        Outcome::Error {
            message: message.to_owned(),
            permanent
        }
    );
    // Other functions are unaffected.
    client.ok(IsPatientRetrieved::default()).await;
}

#[tokio::test(start_paused = true)]
async fn transient_error() {
    error_fault(
        Fault::TransientError,
        "SystmOne is temporarily unable to process the request; try again later",
        false,
    )
    .await;
}

#[tokio::test(start_paused = true)]
async fn permanent_error() {
    error_fault(
        Fault::PermanentError,
        "SystmOne could not process the request",
        true,
    )
    .await;
}

#[tokio::test(start_paused = true)]
async fn record_open() {
    error_fault(
        Fault::RecordOpen,
        "The patient record is in use; try again later",
        false,
    )
    .await;
}

#[tokio::test(start_paused = true)]
async fn messaging_settings() {
    error_fault(
        Fault::MessagingSettings,
        "Unable to save: email and text message must be enabled as contact methods in the \
         practice's messaging settings",
        true,
    )
    .await;
}

#[tokio::test(start_paused = true)]
async fn no_response_leaves_the_connection_open_and_does_nothing() {
    let (mock, mut client) = practice().await;
    mock.inject(FaultRule::on::<UpdatePatientRecord>(Fault::NoResponse).times(1));
    client.send(write("marker")).await;
    assert!(client.silent_for(SILENCE).await);
    assert!(!written(&mock, "marker"));
    assert_eq!(journalled(&mock), 0);
    assert_eq!(last_outcome(&mock), Outcome::Faulted(Fault::NoResponse));
    // The same connection carries on; the retry succeeds.
    client.ok(write("marker")).await;
    assert!(written(&mock, "marker"));
}

#[tokio::test(start_paused = true)]
async fn drop_before_processing_closes_without_writing() {
    let (mock, mut client) = practice().await;
    mock.inject(FaultRule::on::<UpdatePatientRecord>(
        Fault::DropBeforeProcessing,
    ));
    client.send(write("marker")).await;
    assert_eq!(client.read_document().await, None, "closed with no answer");
    assert!(!written(&mock, "marker"));
    assert_eq!(journalled(&mock), 0);
    assert_eq!(
        last_outcome(&mock),
        Outcome::Faulted(Fault::DropBeforeProcessing)
    );
    let mut again = TestClient::paired(mock.addr()).await;
    again.ok(IsPatientRetrieved::default()).await;
}

#[tokio::test(start_paused = true)]
async fn drop_after_processing_closes_but_the_write_happened() {
    let (mock, mut client) = practice().await;
    mock.inject(FaultRule::on::<UpdatePatientRecord>(
        Fault::DropAfterProcessing,
    ));
    let uid = client.send(write("marker")).await;
    // (Only the newline left over from the pairing answer.)
    assert_eq!(
        client.read_to_end().await.trim_ascii(),
        b"",
        "closed with no answer"
    );
    assert!(
        written(&mock, "marker"),
        "the caller cannot know, but it was saved"
    );
    let entry = mock.journal().pop().unwrap();
    assert_eq!(entry.request_uid, uid);
    assert!(entry.committed);
    assert_eq!(
        last_outcome(&mock),
        Outcome::Faulted(Fault::DropAfterProcessing)
    );
}

#[tokio::test(start_paused = true)]
async fn truncated_response_after_the_write() {
    let (mock, mut client) = practice().await;
    mock.inject(FaultRule::on::<UpdatePatientRecord>(
        Fault::TruncatedResponse,
    ));
    client.send(write("marker")).await;
    let bytes = client.read_to_end().await;
    let bytes = bytes.trim_ascii_start();
    let text = String::from_utf8_lossy(bytes);
    assert!(
        text.starts_with("<ClientIntegrationResponse><DeviceID>"),
        "{text}"
    );
    assert!(!text.contains("</ClientIntegrationResponse>"), "{text}");
    assert!(decode_any_response(bytes).is_err());
    assert!(written(&mock, "marker"));
    assert_eq!(journalled(&mock), 1);
    assert_eq!(
        last_outcome(&mock),
        Outcome::Faulted(Fault::TruncatedResponse)
    );
}

#[tokio::test(start_paused = true)]
async fn garbage_response_after_the_write() {
    let (mock, mut client) = practice().await;
    mock.inject(FaultRule::on::<UpdatePatientRecord>(Fault::GarbageResponse));
    client.send(write("marker")).await;
    let bytes = client.read_to_end().await;
    let bytes = bytes.trim_ascii_start();
    assert!(!bytes.is_empty());
    assert!(!bytes.starts_with(b"<ClientIntegrationResponse"));
    assert!(decode_any_response(bytes).is_err());
    assert!(written(&mock, "marker"));
    assert_eq!(journalled(&mock), 1);
    assert_eq!(
        last_outcome(&mock),
        Outcome::Faulted(Fault::GarbageResponse)
    );
}

#[tokio::test(start_paused = true)]
async fn delay_adds_to_the_answer_time_and_combines_with_another_fault() {
    let (mock, mut client) = practice().await;
    mock.inject(
        FaultRule::on::<UpdatePatientRecord>(Fault::Delay(Duration::from_secs(5))).times(2),
    );
    mock.inject(FaultRule::on_nth_call::<UpdatePatientRecord>(
        2,
        Fault::TransientError,
    ));
    let start = Instant::now();
    client.ok(write("first")).await;
    assert_eq!(start.elapsed(), Duration::from_secs(5));
    assert!(written(&mock, "first"));
    let error = client.error(write("second")).await;
    assert_eq!(error.permanent, Some(false));
    assert_eq!(
        start.elapsed(),
        Duration::from_secs(10),
        "delayed, then the error"
    );
    client.ok(write("third")).await;
    assert_eq!(
        start.elapsed(),
        Duration::from_secs(10),
        "both rules are spent"
    );
    client.ok(IsPatientRetrieved::default()).await;
    assert_eq!(start.elapsed(), Duration::from_secs(10));
}

#[tokio::test(start_paused = true)]
async fn nth_request_counts_every_request() {
    let (mock, mut client) = practice().await;
    // Request 1 was the pairing GetFunctions.
    mock.inject(FaultRule::on_nth_request(3, Fault::PermanentError));
    client.ok(IsPatientRetrieved::default()).await;
    let error = client.error(GetReferenceData::default()).await;
    assert_eq!(error.message, "SystmOne could not process the request");
    client.ok(GetReferenceData::default()).await;
    let outcomes: Vec<bool> = mock
        .requests()
        .iter()
        .map(|r| r.outcome == Outcome::Answered)
        .collect();
    assert_eq!(outcomes, [true, true, false, true]);
}

#[tokio::test(start_paused = true)]
async fn nth_call_counts_calls_of_one_function() {
    let (mock, mut client) = practice().await;
    mock.inject(FaultRule::on_nth_call::<UpdatePatientRecord>(
        2,
        Fault::DropBeforeProcessing,
    ));
    client.ok(write("one")).await;
    client.ok(IsPatientRetrieved::default()).await;
    client.ok(GetFunctions::default()).await;
    client.send(write("two")).await;
    assert_eq!(client.read_document().await, None);
    let mut client = TestClient::paired(mock.addr()).await;
    client.ok(write("three")).await;
    assert!(written(&mock, "one") && !written(&mock, "two") && written(&mock, "three"));
    assert_eq!(journalled(&mock), 2);
    assert_eq!(mock.count::<UpdatePatientRecord>(), 3);
}

#[tokio::test(start_paused = true)]
async fn times_limits_a_rule_and_names_are_checked() {
    let (mock, mut client) = practice().await;
    mock.inject(
        FaultRule::on_function("deletefrompatientrecord", Fault::RecordOpen)
            .unwrap()
            .times(2),
    );
    let delete = DeletePatientRecord {
        identity: Some(identity(1)),
        event_uids: vec![EventUid("0123456789abcdef".into())],
        reason: "tidy".into(),
        ..DeletePatientRecord::default()
    };
    for _ in 0..2 {
        let error = client.error(delete.clone()).await;
        assert_eq!(
            error.message,
            "The patient record is in use; try again later"
        );
    }
    let error = client.error(delete).await;
    assert_eq!(
        error.message, "Event 0123456789abcdef cannot be deleted: no such item in this record",
        "the rule is spent; the real answer comes"
    );
    let unknown = FaultRule::on_function("GetPatient", Fault::NoResponse).unwrap_err();
    assert!(unknown.to_string().contains("\"GetPatient\""), "{unknown}");
}

#[tokio::test(start_paused = true)]
async fn an_outage_until_cleared_and_faults_from_the_builder() {
    let mock = builder()
        .patients(vec![alex()])
        .fault(FaultRule::on_every_request(Fault::NoResponse))
        .start()
        .await
        .unwrap();
    let mut client = TestClient::connect(mock.addr()).await;
    for _ in 0..3 {
        client.send(GetFunctions::default()).await;
        assert!(client.silent_for(SILENCE).await);
    }
    assert!(
        mock.devices().is_empty(),
        "nothing was processed, so no device was paired"
    );
    mock.clear_faults();
    client.ok(GetFunctions::default()).await;
    assert_eq!(mock.devices().len(), 1);
}
