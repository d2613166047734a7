//! Pairing (PROTOCOL.md §4): the Device ID is asked for with an empty
//! DeviceID, saved before anything else, and reused; a blocked device and a
//! device not approved are errors of their own.
#![cfg(feature = "mock")]
#![allow(clippy::unwrap_used)]

use crate::support;

use std::time::Duration;

use support::client::*;
use support::*;
use systmone_client::client::{
    Client, DeviceIdStore, Error, ErrorKind, FileDeviceIdStore, MemoryDeviceIdStore, Timeouts,
};
use systmone_client::mock::{ApprovalPolicy, Fault, FaultRule};
use systmone_client::proto::*;

fn device_ids_sent(mock: &systmone_client::mock::MockSystmOne) -> Vec<String> {
    mock.requests()
        .into_iter()
        .map(|r| r.request.unwrap().header.device_id)
        .collect()
}

#[tokio::test(start_paused = true)]
async fn the_issued_id_is_saved_and_reused_by_the_next_client() {
    let mock = mock_with(vec![alex()]).await;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("systmone.device-id");

    let first = builder_for(&mock)
        .device_id_store(FileDeviceIdStore::new(&path))
        .connect()
        .await
        .unwrap();
    let issued = first.device_id().to_owned();
    assert_eq!(issued.len(), 16);
    assert_eq!(std::fs::read_to_string(&path).unwrap().trim(), issued);
    first
        .is_patient_retrieved(IsPatientRetrieved::default())
        .await
        .unwrap();
    drop(first);

    // A new process: the ID comes from the file, and no one is asked again.
    let second = builder_for(&mock)
        .device_id_store(FileDeviceIdStore::new(&path))
        .connect()
        .await
        .unwrap();
    assert_eq!(second.device_id(), issued);
    second.patient_search(search_alex()).await.unwrap();

    assert_eq!(mock.devices().len(), 1, "one device was approved");
    let sent = device_ids_sent(&mock);
    assert_eq!(sent, ["", issued.as_str(), issued.as_str()]);
    assert_eq!(
        mock.requests()[0].function(),
        Some(GetFunctions::NAME),
        "pairing asks with GetFunctions"
    );
}

#[tokio::test(start_paused = true)]
async fn a_stored_id_is_used_without_pairing() {
    let mock = mock_with(vec![alex()]).await;
    let paired = throttled(&mock).await;
    let id = paired.device_id().to_owned();
    drop(paired);
    let before = mock.request_count();
    let client = builder_for(&mock)
        .device_id_store(MemoryDeviceIdStore::with_device_id(id.clone()))
        .connect()
        .await
        .unwrap();
    assert_eq!(mock.request_count(), before, "connecting sent nothing");
    client.get_functions(GetFunctions::default()).await.unwrap();
    assert_eq!(device_ids_sent(&mock).last().unwrap(), &id);
}

#[tokio::test(start_paused = true)]
async fn a_blocked_device_is_its_own_error_and_nothing_is_saved() {
    let mock = builder()
        .approval(ApprovalPolicy::Block)
        .start()
        .await
        .unwrap();
    let store = std::sync::Arc::new(MemoryDeviceIdStore::default());
    let error = builder_for(&mock)
        .shared_device_id_store(store.clone())
        .connect()
        .await
        .unwrap_err();
    assert_eq!(error.kind(), ErrorKind::DeviceBlocked, "{error}");
    assert!(!error.is_retryable());
    assert!(error.to_string().contains("Device Manager"), "{error}");
    assert_eq!(store.load().await.unwrap(), None);
}

#[tokio::test(start_paused = true)]
async fn not_now_is_not_approved_and_can_be_retried() {
    let mock = builder()
        .approval(ApprovalPolicy::NotNow)
        .start()
        .await
        .unwrap();
    let error = builder_for(&mock).connect().await.unwrap_err();
    assert_eq!(error.kind(), ErrorKind::NotApproved, "{error}");
    assert!(error.is_retryable());
    assert!(error.to_string().contains("Approve"), "{error}");
    // The user approves next time.
    mock.set_approval_policy(ApprovalPolicy::Approve);
    let client = builder_for(&mock).connect().await.unwrap();
    assert_eq!(client.device_id().len(), 16);
}

#[tokio::test(start_paused = true)]
async fn no_answer_to_the_approval_dialog_is_not_approved() {
    let mock = builder()
        .fault(FaultRule::on::<GetFunctions>(Fault::NoResponse))
        .start()
        .await
        .unwrap();
    let started = tokio::time::Instant::now();
    let error = builder_for(&mock)
        .timeouts(Timeouts::default())
        .connect()
        .await
        .unwrap_err();
    assert_eq!(error.kind(), ErrorKind::NotApproved, "{error}");
    assert!(error.to_string().contains("600s"), "{error}");
    // It waited the pairing timeout (10 minutes), once: pairing is never
    // resent behind the user's back.
    assert!(started.elapsed() >= Duration::from_secs(600));
    assert_eq!(mock.count::<GetFunctions>(), 1);
}

#[tokio::test(start_paused = true)]
async fn a_device_blocked_later_stops_the_client_sending() {
    let mock = mock_with(vec![alex()]).await;
    let client = unthrottled(&mock).await;
    client.patient_search(search_alex()).await.unwrap();
    assert!(mock.set_device_blocked(client.device_id(), true));

    let error = client.patient_search(search_alex()).await.unwrap_err();
    assert_eq!(error.kind(), ErrorKind::DeviceBlocked, "{error}");
    let sent = mock.request_count();
    // From now on nothing is sent: each call fails at once.
    for _ in 0..3 {
        let error = client
            .update_patient_record(note(1, "after the block"))
            .await
            .unwrap_err();
        assert!(matches!(error, Error::DeviceBlocked { .. }), "{error}");
    }
    assert_eq!(mock.request_count(), sent);
}

#[tokio::test(start_paused = true)]
async fn an_unknown_api_key_is_systmone_refusing_not_a_block() {
    let mock = builder()
        .api_key("THE-ONLY-KEY", "Testware")
        .start()
        .await
        .unwrap();
    let error = Client::builder("SOME-OTHER-KEY", "ClientTest 1.0")
        .address(mock.addr())
        .connect()
        .await
        .unwrap_err();
    assert_eq!(error.kind(), ErrorKind::SystmOnePermanent, "{error}");
}

#[tokio::test(start_paused = true)]
async fn nothing_listening_is_unreachable() {
    // A port that was free a moment ago.
    let address = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap()
    };
    let error = Client::builder(API_KEY, "ClientTest 1.0")
        .address(address)
        .connect()
        .await
        .unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Unreachable, "{error}");
    assert!(error.to_string().contains("logged on"), "{error}");
}
