//! Each injected fault: what the client sees, and whether the write it
//! interrupted happened, with the nth-request, nth-call and `times`
//! triggers.
#![cfg(feature = "mock")]
#![allow(clippy::unwrap_used)]

use crate::support;

use std::time::Duration;

use support::*;
use systmone_client::mock::{Fault, FaultRule, MockSystmOne, RecordChange, RequestOutcome};
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
        .filter(|e| matches!(e.change, RecordChange::EventAdded(_)))
        .count()
}

fn last_outcome(mock: &MockSystmOne) -> RequestOutcome {
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
        RequestOutcome::Error {
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
    assert_eq!(
        last_outcome(&mock),
        RequestOutcome::Faulted(Fault::NoResponse)
    );
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
        RequestOutcome::Faulted(Fault::DropBeforeProcessing)
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
        RequestOutcome::Faulted(Fault::DropAfterProcessing)
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
        RequestOutcome::Faulted(Fault::TruncatedResponse)
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
        RequestOutcome::Faulted(Fault::GarbageResponse)
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
        .map(|r| r.outcome == RequestOutcome::Answered)
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

// ----- what makes reading a write back hard -----

/// One update carrying one narrative event per marker.
fn write_each(markers: &[&str]) -> UpdatePatientRecord {
    UpdatePatientRecord {
        identity: identity(1),
        clinical: Some(Clinical {
            events: markers
                .iter()
                .map(|m| Event::narrative(start_time(), [(*m).to_owned()]))
                .collect(),
            ..Clinical::default()
        }),
        ..UpdatePatientRecord::default()
    }
}

/// The narrative lines a read of the standard patient returns, with the
/// RecordState it reports.
async fn read_back(client: &mut TestClient, filter: Filter) -> (Vec<String>, Option<RecordState>) {
    let answer = client
        .ok(GetPatientRecord {
            identity: Some(identity(1)),
            filter: Some(Filter {
                narrative: true,
                ..filter
            }),
            ..GetPatientRecord::default()
        })
        .await;
    let lines = answer
        .clinical
        .iter()
        .flat_map(|c| &c.events)
        .flat_map(|e| &e.narratives)
        .flat_map(|n| n.lines.clone())
        .collect();
    (lines, answer.record_state)
}

#[tokio::test(start_paused = true)]
async fn land_late_closes_at_once_and_writes_later_stamped_when_it_lands() {
    let (mock, mut client) = practice().await;
    let late = Duration::from_secs(20);
    mock.inject(FaultRule::on::<UpdatePatientRecord>(Fault::LandLate(late)).times(1));
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("photo.jpg");
    std::fs::write(&path, b"\xff\xd8 a photo").unwrap();
    let mut update = write("late");
    update.clinical.as_mut().unwrap().events[0]
        .attachments
        .push(Attachment {
            document_path: Some(path.display().to_string()),
            ..Attachment::default()
        });
    let start = Instant::now();
    let uid = client.send(update).await;
    let rest = tokio::time::timeout(SILENCE, client.read_to_end()).await;
    assert_eq!(
        rest.expect("closed").trim_ascii(),
        b"",
        "closed with no answer"
    );
    assert_eq!(start.elapsed(), Duration::ZERO, "closed at once");
    assert_eq!(
        last_outcome(&mock),
        RequestOutcome::Faulted(Fault::LandLate(late))
    );
    // The product gave up and tidied its spool: the mock read the file on
    // receipt.
    std::fs::remove_file(&path).unwrap();
    assert!(!written(&mock, "late"), "not yet");
    assert_eq!(journalled(&mock), 0);

    tokio::time::sleep(late - Duration::from_secs(1)).await;
    assert!(!written(&mock, "late"), "still not");
    tokio::time::sleep(Duration::from_secs(2)).await;
    let record = mock.record(&nhs(1)).unwrap();
    let entry = record
        .api_events()
        .find(|e| e.item.narratives[0].lines == ["late"])
        .expect("landed");
    assert_eq!(entry.entered, start_time() + late, "entered when it landed");
    let document = &record.documents[0];
    assert_eq!(document.contents, b"\xff\xd8 a photo");
    assert_eq!(
        entry.item.attachments[0].document_uid.as_ref(),
        Some(&document.uid)
    );
    let journal = mock.journal();
    assert_eq!(journal.len(), 1);
    assert_eq!(journal[0].request_uid, uid);
    assert_eq!(journal[0].at, start_time() + late);
    assert!(journal[0].committed);
    // Nothing was answered late, and the mock carries on.
    let mut again = TestClient::paired(mock.addr()).await;
    again.ok(IsPatientRetrieved::default()).await;
}

#[tokio::test(start_paused = true)]
async fn land_late_across_midnight_enters_on_the_next_day() {
    let evening = date(2031, 4, 7).and_hms_opt(23, 59, 50).unwrap();
    let mock = builder()
        .start_time(evening)
        .patients(vec![alex()])
        .start()
        .await
        .unwrap();
    let mut client = TestClient::paired(mock.addr()).await;
    let late = Duration::from_secs(20);
    mock.inject(FaultRule::on::<UpdatePatientRecord>(Fault::LandLate(late)));
    client.send(write("after midnight")).await;
    let read = tokio::time::timeout(SILENCE, client.read_document()).await;
    assert_eq!(read.expect("closed"), None, "closed with no answer");

    let mut reader = TestClient::paired(mock.addr()).await;
    let (lines, _) = read_back(&mut reader, Filter::entered_on(date(2031, 4, 7))).await;
    assert!(!lines.contains(&"after midnight".to_owned()), "not landed");

    tokio::time::sleep(late + Duration::from_secs(1)).await;
    let record = mock.record(&nhs(1)).unwrap();
    let entry = record.api_events().next().expect("landed");
    assert_eq!(
        entry.entered,
        date(2031, 4, 8).and_hms_opt(0, 0, 10).unwrap()
    );
    let (lines, _) = read_back(&mut reader, Filter::entered_on(date(2031, 4, 7))).await;
    assert!(
        !lines.contains(&"after midnight".to_owned()),
        "not entered on the day it was sent"
    );
    let (lines, _) = read_back(&mut reader, Filter::entered_on(date(2031, 4, 8))).await;
    assert_eq!(lines, ["after midnight"], "entered the next day");
}

#[tokio::test(start_paused = true)]
async fn partial_commit_writes_the_first_events_and_answers_a_temporary_error() {
    let (mock, mut client) = practice().await;
    mock.inject(FaultRule::on::<UpdatePatientRecord>(Fault::PartialCommit(2)).times(1));
    let error = client.error(write_each(&["one", "two", "three"])).await;
    assert_eq!(error.permanent, Some(false));
    assert!(written(&mock, "one") && written(&mock, "two"));
    assert!(!written(&mock, "three"), "the write stopped after two");
    assert_eq!(journalled(&mock), 2);
    assert!(mock.journal().iter().all(|e| e.committed));
    assert_eq!(
        last_outcome(&mock),
        RequestOutcome::Error {
            message: error.message.clone(),
            permanent: false
        }
    );
    let (lines, _) = read_back(&mut client, Filter::entered_on(today())).await;
    assert_eq!(lines, ["one", "two"]);
}

#[tokio::test(start_paused = true)]
async fn short_answer_writes_the_first_events_and_lists_only_their_uids() {
    let (mock, mut client) = practice().await;
    mock.inject(FaultRule::on::<UpdatePatientRecord>(Fault::ShortAnswer(1)).times(1));
    let answer = client.ok(write_each(&["one", "two", "three"])).await;
    assert_eq!(answer.event_uids.len(), 1);
    let record = mock.record(&nhs(1)).unwrap();
    let entry = record.event(&answer.event_uids[0].0).unwrap();
    assert_eq!(entry.item.narratives[0].lines, ["one"]);
    assert!(!written(&mock, "two") && !written(&mock, "three"));
    assert_eq!(journalled(&mock), 1);
    assert_eq!(last_outcome(&mock), RequestOutcome::Answered);
    // The rule is spent: the next write is whole.
    let whole = client.ok(write_each(&["four", "five"])).await;
    assert_eq!(whole.event_uids.len(), 2);
}

#[tokio::test(start_paused = true)]
async fn answer_open_holds_the_write_uncommitted_until_the_user_saves_or_discards() {
    let (mock, mut client) = practice().await;
    mock.inject(FaultRule::on::<UpdatePatientRecord>(Fault::AnswerOpen).times(2));

    let answer = client.ok(write("discarded")).await;
    assert_eq!(answer.record_state, Some(RecordState::Open));
    assert!(mock.has_uncommitted_changes());
    assert!(!mock.journal()[0].committed);
    let (lines, state) = read_back(&mut client, Filter::entered_on(today())).await;
    assert_eq!(lines, ["discarded"], "the user's screen shows it");
    assert_eq!(state, Some(RecordState::Open));
    mock.user_discards();
    let (lines, _) = read_back(&mut client, Filter::entered_on(today())).await;
    assert!(lines.is_empty(), "gone: {lines:?}");
    assert!(!written(&mock, "discarded"));

    let answer = client.ok(write("saved")).await;
    assert_eq!(answer.record_state, Some(RecordState::Open));
    let (lines, state) = read_back(&mut client, Filter::entered_on(today())).await;
    assert_eq!(lines, ["saved"]);
    assert_eq!(state, Some(RecordState::Open));
    mock.user_saves();
    assert!(!mock.has_uncommitted_changes());
    mock.close_record();
    let (lines, state) = read_back(&mut client, Filter::entered_on(today())).await;
    assert_eq!(lines, ["saved"], "kept");
    assert_eq!(state, Some(RecordState::Closed));
    let added: Vec<bool> = mock
        .journal()
        .iter()
        .filter(|e| matches!(e.change, RecordChange::EventAdded(_)))
        .map(|e| e.committed && !e.discarded)
        .collect();
    assert_eq!(added, [false, true]);

    // The rule is spent: a plain write is committed at once.
    let answer = client.ok(write("plain")).await;
    assert_eq!(answer.record_state, Some(RecordState::Closed));
}

#[tokio::test(start_paused = true)]
async fn a_stall_on_one_connection_lets_another_connections_later_request_go_first() {
    let (mock, mut first) = practice().await;
    let mut second = TestClient::paired(mock.addr()).await;
    assert_eq!(mock.connection_count(), 2);
    let stall = Duration::from_secs(10);
    mock.inject(
        FaultRule::on::<IsPatientRetrieved>(Fault::Stall(stall))
            .on_connection(1)
            .times(1),
    );

    let start = Instant::now();
    first.send(IsPatientRetrieved::default()).await;
    tokio::time::sleep(Duration::from_secs(1)).await;
    second.ok(IsPatientRetrieved::default()).await;
    assert_eq!(
        start.elapsed(),
        Duration::from_secs(1),
        "connection 2 neither stalled nor held up"
    );
    first.receive::<IsPatientRetrieved>().await;
    assert_eq!(
        start.elapsed(),
        stall,
        "connection 1 answered after its stall"
    );
    let connections: Vec<u64> = mock.requests()[2..].iter().map(|r| r.connection).collect();
    assert_eq!(connections, [2, 1], "processed in that order");
    assert!(
        mock.requests()
            .iter()
            .all(|r| r.outcome == RequestOutcome::Answered)
    );

    // A delay, by contrast, holds the global turn: connection 2 waits.
    mock.inject(
        FaultRule::on::<IsPatientRetrieved>(Fault::Delay(stall))
            .on_connection(1)
            .times(1),
    );
    let start = Instant::now();
    first.send(IsPatientRetrieved::default()).await;
    tokio::time::sleep(Duration::from_secs(1)).await;
    second.ok(IsPatientRetrieved::default()).await;
    assert_eq!(start.elapsed(), stall, "held up behind connection 1");
    first.receive::<IsPatientRetrieved>().await;
}
