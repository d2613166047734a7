//! First checks of the mock over loopback.
#![cfg(feature = "mock")]
#![allow(clippy::unwrap_used)]

use crate::support;

use std::time::Duration;

use support::TestClient;
use systmone_client::mock::{MockSystmOne, ThrottleConfig};
use systmone_client::proto::*;

#[tokio::test]
async fn functions_and_search_work() {
    let mock = MockSystmOne::builder()
        .throttle(ThrottleConfig::off())
        .start()
        .await
        .unwrap();
    let mut client = TestClient::connect(mock.addr()).await;
    let functions = client.ok(GetFunctions::default()).await;
    assert_eq!(functions.supported_functions.len(), 17);
    assert_eq!(client.device_id.len(), 16, "a Device ID was issued");
    let error = client
        .error(PatientSearch {
            surname: Some("Smith".into()),
            ..PatientSearch::default()
        })
        .await;
    assert_eq!(
        error.message,
        "At least two search parameters must be specified"
    );
    assert_eq!(error.permanent, Some(true));
}

#[tokio::test(start_paused = true)]
async fn throttle_spaces_requests_on_paused_time() {
    let mock = MockSystmOne::builder().start().await.unwrap();
    let mut client = TestClient::connect(mock.addr()).await;
    let start = tokio::time::Instant::now();
    for _ in 0..3 {
        client.ok(IsPatientRetrieved::default()).await;
    }
    assert_eq!(start.elapsed(), Duration::from_secs(2));
}

#[tokio::test(start_paused = true)]
async fn a_new_document_can_be_fetched_only_after_the_delay() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("consultation.pdf");
    std::fs::write(&file, b"%PDF-1.7 synthetic").unwrap();
    let nhs = support::nhs_number(1);
    let mock = MockSystmOne::builder()
        .throttle(ThrottleConfig::off())
        .document_delay(Duration::from_secs(120))
        .patients([support::patient(
            1,
            "Testy",
            "Example",
            chrono::NaiveDate::from_ymd_opt(1980, 1, 2).unwrap(),
            econsult_model::Sex::Female,
        )])
        .start()
        .await
        .unwrap();
    let mut client = TestClient::connect(mock.addr()).await;
    let identity = Identity::nhs(nhs);
    let saved = client
        .ok(UpdatePatientRecord {
            identity: identity.clone(),
            clinical: Some(Clinical {
                events: vec![Event {
                    attachments: vec![Attachment {
                        document_path: Some(file.display().to_string()),
                        ..Attachment::default()
                    }],
                    ..Event::default()
                }],
                ..Clinical::default()
            }),
            ..UpdatePatientRecord::default()
        })
        .await;
    let record = mock
        .record(identity.nhs_number.as_deref().unwrap())
        .unwrap();
    let uid = record.documents[0].uid.clone();
    assert_eq!(
        record
            .event(&saved.event_uids[0].0)
            .unwrap()
            .item
            .attachments[0]
            .document_uid,
        Some(uid.clone())
    );
    let fetch = GetDocument {
        identity: identity.clone(),
        document_uid: uid,
        write_to: Some(dir.path().display().to_string()),
        leave_record_open: false,
    };
    let early = client.error(fetch.clone()).await;
    assert_eq!(early.permanent, Some(false), "{}", early.message);
    tokio::time::advance(Duration::from_secs(121)).await;
    let fetched = client.ok(fetch).await;
    assert_eq!(
        std::fs::read(&fetched.document_files[0]).unwrap(),
        b"%PDF-1.7 synthetic"
    );
}
