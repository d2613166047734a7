//! Device pairing (PROTOCOL.md §4.4): issuing IDs, the user's three
//! answers, unknown devices and API keys, and the registry file.
#![cfg(feature = "mock")]
#![allow(clippy::unwrap_used)]

use crate::support;

use support::*;
use systmone_client::mock::{ApprovalPolicy, DeviceRecord, MockSystmOne};
use systmone_client::proto::*;

const BLOCKED: &str = "The request was blocked by the SystmOne user";
const NOT_NOW: &str = "The SystmOne user has not approved this device yet; try again later";

fn assert_error(error: &ErrorResponse, message: &str, permanent: bool) {
    assert_eq!(error.message, message);
    assert_eq!(error.permanent, Some(permanent));
}

#[tokio::test]
async fn an_empty_device_id_is_issued_a_new_one_that_works_afterwards() {
    let mock = mock_with(vec![]).await;
    let mut client = TestClient::connect(mock.addr()).await;
    let first = client.call(IsPatientRetrieved::default()).await;
    let id = first.header.device_id.clone();
    assert_eq!(id.len(), 16);
    assert!(
        id.chars()
            .all(|c| c.is_ascii_digit() || ('a'..='f').contains(&c)),
        "{id}"
    );
    assert_eq!(client.device_id, id);

    let later = client.call(GetFunctions::default()).await;
    assert_eq!(later.header.device_id, id, "the ID is echoed");
    let devices = mock.devices();
    assert_eq!(devices.len(), 1);
    assert_eq!(devices[0].device_id, id);
    assert_eq!(devices[0].api_key, "TEST-API-KEY");
    assert_eq!(devices[0].device_version, "TestClient 1.0");
    assert!(!devices[0].blocked);
    assert!(
        !format!("{:?}", devices[0]).contains("TEST-API-KEY"),
        "the key is redacted"
    );

    // Every empty-ID request asks again and gets a new ID.
    let mut other = TestClient::connect(mock.addr()).await;
    let second = other
        .call(IsPatientRetrieved::default())
        .await
        .header
        .device_id;
    assert_ne!(second, id);
    assert_eq!(mock.devices().len(), 2);
}

#[tokio::test]
async fn block_refuses_the_product_and_version_from_then_on() {
    let mock = builder()
        .approval(ApprovalPolicy::Block)
        .start()
        .await
        .unwrap();
    let mut client = TestClient::connect(mock.addr()).await;
    let response = client.call(GetFunctions::default()).await;
    assert_eq!(response.header.device_id, "", "no ID for a blocked device");
    assert_error(&error_of(response), BLOCKED, true);
    let devices = mock.devices();
    assert_eq!(devices.len(), 1);
    assert!(devices[0].blocked);
    let blocked_id = devices[0].device_id.clone();

    mock.set_approval_policy(ApprovalPolicy::Approve);
    assert_error(&client.error(GetFunctions::default()).await, BLOCKED, true);
    client.device_id = blocked_id.clone();
    assert_error(&client.error(GetFunctions::default()).await, BLOCKED, true);

    // Another version of the product is asked afresh.
    let mut upgraded = TestClient::connect(mock.addr()).await;
    upgraded.device_version = "TestClient 2.0".into();
    upgraded.ok(GetFunctions::default()).await;
    assert_eq!(upgraded.device_id.len(), 16);

    // Unblocked in Device Manager: the device works, and its product and
    // version may pair again.
    assert!(mock.set_device_blocked(&blocked_id, false));
    client.ok(GetFunctions::default()).await;
    let mut fresh = TestClient::connect(mock.addr()).await;
    fresh.ok(GetFunctions::default()).await;
    assert!(
        !mock.set_device_blocked("0123456789abcdef", true),
        "never issued"
    );
}

#[tokio::test]
async fn not_now_is_temporary_and_issues_nothing() {
    let mock = builder()
        .approval(ApprovalPolicy::NotNow)
        .start()
        .await
        .unwrap();
    let mut client = TestClient::connect(mock.addr()).await;
    for _ in 0..2 {
        let response = client.call(GetFunctions::default()).await;
        assert_eq!(response.header.device_id, "");
        assert_error(&error_of(response), NOT_NOW, false);
    }
    assert!(mock.devices().is_empty());
    mock.set_approval_policy(ApprovalPolicy::Approve);
    client.ok(GetFunctions::default()).await;
    assert_eq!(client.device_id.len(), 16);
}

#[tokio::test]
async fn unknown_device_ids_and_ids_of_another_key_are_refused() {
    let mock = mock_with(vec![]).await;
    let mut client = TestClient::connect(mock.addr()).await;
    client.device_id = "0123456789abcdef".into();
    let response = client.call(GetFunctions::default()).await;
    assert_eq!(response.header.device_id, "0123456789abcdef");
    assert_error(&error_of(response), "Unrecognised device", true);
    assert!(mock.devices().is_empty());

    let paired = TestClient::paired(mock.addr()).await;
    let mut thief = TestClient::connect(mock.addr()).await;
    thief.api_key = "ANOTHER-KEY".into();
    thief.device_id = paired.device_id.clone();
    assert_error(
        &thief.error(GetFunctions::default()).await,
        "Unrecognised device",
        true,
    );

    // A blocked device is refused whatever it asks.
    assert!(mock.set_device_blocked(&paired.device_id, true));
    let mut paired = paired;
    assert_error(
        &paired.error(IsPatientRetrieved::default()).await,
        BLOCKED,
        true,
    );
}

#[tokio::test]
async fn registered_api_keys_name_the_software_on_events() {
    let mock = builder()
        .api_key("ACME-KEY", "AcmeVitals")
        .api_key("OTHER-KEY", "Other Product")
        .patients(vec![alex()])
        .start()
        .await
        .unwrap();
    let mut stranger = TestClient::connect(mock.addr()).await;
    let error = stranger.error(GetFunctions::default()).await;
    assert_error(&error, "Unrecognised API key", true);
    assert!(mock.devices().is_empty(), "no device for an unknown key");

    let mut acme = TestClient::connect(mock.addr()).await;
    acme.api_key = "ACME-KEY".into();
    acme.ok(GetFunctions::default()).await;
    let added = acme
        .ok(UpdatePatientRecord {
            identity: identity(1),
            clinical: Some(Clinical {
                events: vec![Event::narrative(start_time(), ["From Acme".to_owned()])],
                ..Clinical::default()
            }),
            ..UpdatePatientRecord::default()
        })
        .await;
    let record = acme
        .ok(GetPatientRecord {
            identity: Some(identity(1)),
            filter: Some(Filter {
                narrative: true,
                ..Filter::default()
            }),
            ..GetPatientRecord::default()
        })
        .await;
    let event = record
        .clinical
        .unwrap()
        .events
        .into_iter()
        .find(|e| e.event_uid.as_ref() == Some(&added.event_uids[0]))
        .unwrap();
    assert_eq!(event.software.as_deref(), Some("AcmeVitals"));
}

#[tokio::test]
async fn a_device_approved_earlier_can_be_given_to_the_builder() {
    let mock = builder()
        .device(DeviceRecord {
            device_id: "00000000000000aa".into(),
            api_key: "TEST-API-KEY".into(),
            device_version: "TestClient 0.9".into(),
            blocked: false,
            online_visible_default: true,
        })
        .start()
        .await
        .unwrap();
    let mut client = TestClient::connect(mock.addr()).await;
    client.device_id = "00000000000000aa".into();
    let response = client.call(GetFunctions::default()).await;
    assert_eq!(response.header.device_id, "00000000000000aa");
    assert!(response.body.is_ok());
    assert_eq!(mock.devices().len(), 1, "nothing new was issued");
}

async fn with_file(path: &std::path::Path, policy: ApprovalPolicy) -> MockSystmOne {
    builder()
        .device_file(path)
        .approval(policy)
        .start()
        .await
        .unwrap()
}

#[tokio::test]
async fn pairing_survives_a_restart_through_the_device_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("devices.json");
    let first = with_file(&path, ApprovalPolicy::Approve).await;
    let id = TestClient::paired(first.addr()).await.device_id;
    first.stop().await;
    assert!(path.is_file());

    let second = with_file(&path, ApprovalPolicy::NotNow).await;
    assert_eq!(second.devices().len(), 1);
    let mut client = TestClient::connect(second.addr()).await;
    client.device_id = id.clone();
    let response = client.call(GetFunctions::default()).await;
    assert!(response.body.is_ok(), "known without asking the user again");
    assert_eq!(response.header.device_id, id);
    second.stop().await;

    // A block survives too.
    let blocking = with_file(&path, ApprovalPolicy::Block).await;
    let mut client = TestClient::connect(blocking.addr()).await;
    client.device_version = "Blocked 1.0".into();
    assert_error(&client.error(GetFunctions::default()).await, BLOCKED, true);
    blocking.stop().await;
    let later = with_file(&path, ApprovalPolicy::Approve).await;
    let mut client = TestClient::connect(later.addr()).await;
    client.device_version = "Blocked 1.0".into();
    assert_error(&client.error(GetFunctions::default()).await, BLOCKED, true);
    assert_eq!(later.devices().len(), 2);
}

#[tokio::test]
async fn a_corrupt_device_file_stops_the_mock_from_starting() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("devices.json");
    std::fs::write(&path, "{ not json").unwrap();
    let error = MockSystmOne::builder()
        .device_file(&path)
        .start()
        .await
        .unwrap_err();
    assert!(error.to_string().contains("devices.json"), "{error}");
}
