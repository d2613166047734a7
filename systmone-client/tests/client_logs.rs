//! What the client logs: RequestUIDs and timings, never secrets or patient
//! data at `info`. Alone in its own test binary: tracing caches per call
//! site whether anyone listens, and a test running at the same time without
//! a subscriber can make that cache miss this test's subscriber.
#![cfg(feature = "mock")]
#![allow(clippy::unwrap_used)]

#[path = "it/support/mod.rs"]
mod support;

use std::sync::{Arc, Mutex};

use support::client::*;
use support::*;
use systmone_client::client::Client;
use systmone_client::mock::MockSystmOne;
use systmone_client::proto::*;

/// Everything logged, as text.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Captured {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Captured {
    fn text(&self) -> String {
        String::from_utf8(self.0.lock().unwrap().clone()).unwrap()
    }
}

async fn exercise(mock: &MockSystmOne, client: &Client) {
    client.patient_search(search_alex()).await.unwrap();
    client
        .get_patient_record(record_with(1, Filter::demographics_only()))
        .await
        .unwrap();
    client
        .update_patient_record(note(1, "Feels unwell since Tuesday"))
        .await
        .unwrap();
    // An error whose text names the patient's identifier.
    let unknown = client
        .get_patient_record(record_with(9, Filter::demographics_only()))
        .await
        .unwrap_err();
    assert!(unknown.to_string().contains(&nhs(9)), "{unknown}");
    assert_eq!(mock.count::<GetPatientRecord>(), 2);
}

#[tokio::test(start_paused = true)]
async fn info_logs_carry_request_uids_and_timings_but_no_secrets_or_patient_data() {
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::INFO)
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let mock = mock_with(vec![alex()]).await;
    let client = throttled(&mock).await;
    exercise(&mock, &client).await;
    let logs = captured.text();

    let uids: Vec<String> = mock
        .requests()
        .into_iter()
        .map(|r| r.request.unwrap().header.request_uid)
        .collect();
    // The client's own lines (the mock logs RequestUIDs too).
    let client_lines: Vec<&str> = logs
        .lines()
        .filter(|line| line.contains("systmone_client::client"))
        .collect();
    for uid in &uids[1..] {
        assert!(
            client_lines.iter().any(|line| line.contains(uid.as_str())),
            "no client log line names {uid}:\n{logs}"
        );
    }
    for expected in [
        "systmone_call",
        "function=\"PatientSearch\"",
        "queued_ms",
        "waiting_ms",
    ] {
        assert!(logs.contains(expected), "{expected} missing:\n{logs}");
    }
    for secret in [
        API_KEY,
        client.device_id(),
        "Testpatient",
        "Alex",
        nhs(1).as_str(),
        nhs(9).as_str(),
        "Feels unwell",
    ] {
        assert!(!logs.contains(secret), "{secret:?} logged:\n{logs}");
    }
    assert!(!format!("{client:?}").contains(client.device_id()));
    let builder = builder_for(&mock).device_id_store(
        systmone_client::client::MemoryDeviceIdStore::with_device_id(client.device_id()),
    );
    let shown = format!("{builder:?}");
    assert!(!shown.contains(API_KEY), "{shown}");
    assert!(!shown.contains(client.device_id()), "{shown}");
}
