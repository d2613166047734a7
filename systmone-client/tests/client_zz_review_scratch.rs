//! SCRATCH (review): demonstrations; delete afterwards.
#![cfg(feature = "mock")]
#![allow(clippy::unwrap_used)]

mod support;

use std::time::Duration;

use support::client::*;
use support::*;
use systmone_client::client::{
    CallOptions, ErrorKind, MemoryDeviceIdStore, Outcome, Priority, Reconnect,
};
use systmone_client::mock::{OverRatePolicy, OverRecordLimitPolicy, ThrottleConfig};
use systmone_client::proto::*;
use tokio::time::Instant;

fn strict() -> ThrottleConfig {
    let mut config = ThrottleConfig::systmone();
    config.over_rate = OverRatePolicy::Drop;
    config.over_record_limit = OverRecordLimitPolicy::NoResponse;
    config
}

/// 1. A huge per-call timeout panics the dispatcher after the write is sent;
/// the caller is told NotSent/ClientClosed (Outcome::NotProcessed).
#[tokio::test(start_paused = true)]
async fn huge_timeout_write_reported_not_processed_but_written() {
    let mock = mock_with(vec![alex()]).await;
    let client = unthrottled(&mock).await;
    let error = client
        .send(
            note(1, "huge"),
            CallOptions::default().timeout(Duration::MAX),
        )
        .await
        .unwrap_err();
    eprintln!(
        "error = {error} kind={:?} outcome={:?}",
        error.kind(),
        error.outcome()
    );
    tokio::time::sleep(Duration::from_secs(1)).await;
    let written = mock
        .record(&nhs(1))
        .unwrap()
        .narrative_lines()
        .filter(|l| *l == "huge")
        .count();
    eprintln!(
        "written = {written}, count = {}",
        mock.count::<UpdatePatientRecord>()
    );
    assert_eq!(written, 1);
    assert_eq!(
        error.outcome(),
        Outcome::NotProcessed,
        "the bug: said not processed"
    );
    // and every other clone is dead now
    let after = client.patient_search(search_alex()).await.unwrap_err();
    eprintln!("after = {after}");
}

/// 2. A throttle cell taken before a reconnect: the next request follows at once.
#[tokio::test(start_paused = true)]
async fn reconnect_after_decide_lets_two_requests_through_back_to_back() {
    let mock = builder()
        .throttle(strict())
        .patients(vec![alex()])
        .start()
        .await
        .unwrap();
    let address = mock.addr();
    let client = builder_for(&mock).connect().await.unwrap();
    client.patient_search(search_alex()).await.unwrap();
    let device = mock.devices().remove(0);
    mock.stop().await;
    tokio::time::sleep(Duration::from_secs(5)).await;
    let b = {
        let c = client.clone();
        tokio::spawn(async move { c.patient_search(search_alex()).await })
    };
    tokio::task::yield_now().await;
    let c = {
        let c = client.clone();
        tokio::spawn(async move { c.patient_search(search_alex()).await })
    };
    tokio::time::sleep(Duration::from_millis(1400)).await;
    let back = builder()
        .throttle(strict())
        .listen(address)
        .device(device)
        .patients(vec![alex()])
        .start()
        .await
        .unwrap();
    let rb = b.await.unwrap();
    let rc = c.await.unwrap();
    eprintln!("b ok={} c ok={}", rb.is_ok(), rc.is_ok());
    let arrived: Vec<Instant> = back.requests().iter().map(|r| r.arrived).collect();
    let outcomes: Vec<_> = back
        .requests()
        .iter()
        .map(|r| format!("{:?}", r.outcome))
        .collect();
    eprintln!(
        "gaps at the restarted SystmOne: {:?}; outcomes {:?}",
        gaps(&arrived),
        outcomes
    );
    assert!(
        gaps(&arrived)[0] < Duration::from_millis(1100),
        "spacing held"
    );
}

/// 3. A write whose caller gave up during the reconnect is still sent.
#[tokio::test(start_paused = true)]
async fn write_abandoned_during_reconnect_is_still_sent() {
    let mock = mock_with(vec![alex()]).await;
    let address = mock.addr();
    let client = builder_for(&mock)
        .throttle(systmone_client::client::ThrottlePolicy::unlimited())
        .reconnect({
            let mut r = Reconnect::default();
            r.give_up_after = Duration::from_secs(30);
            r
        })
        .connect()
        .await
        .unwrap();
    let device = mock.devices().remove(0);
    mock.stop().await;
    let abandoned = tokio::time::timeout(
        Duration::from_millis(300),
        client.update_patient_record(note(1, "abandoned")),
    )
    .await;
    assert!(abandoned.is_err());
    let back = builder()
        .listen(address)
        .device(device)
        .patients(vec![alex()])
        .start()
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_secs(10)).await;
    let n = back
        .record(&nhs(1))
        .unwrap()
        .narrative_lines()
        .filter(|l| *l == "abandoned")
        .count();
    eprintln!("abandoned write landed {n} time(s)");
    assert_eq!(n, 1);
}

/// 4. A permanent error whose text merely mentions "blocked" bricks the client.
#[tokio::test(start_paused = true)]
async fn blocked_in_a_path_bricks_the_client() {
    let mock = mock_with(vec![alex()]).await;
    let client = unthrottled(&mock).await;
    let error = client
        .get_xsd_files(GetXsdFiles {
            path: Some("/no/such/dir/unblocked-exports".into()),
        })
        .await
        .unwrap_err();
    eprintln!("first: {error} ({:?})", error.kind());
    let next = client.patient_search(search_alex()).await.unwrap_err();
    eprintln!("next: {next} ({:?})", next.kind());
    assert_eq!(next.kind(), ErrorKind::DeviceBlocked);
}

/// 5. Debug of the builder shows a Device ID held in a MemoryDeviceIdStore.
#[test]
fn builder_debug_shows_device_id() {
    let b = systmone_client::client::Client::builder("SECRET-KEY", "v")
        .device_id_store(MemoryDeviceIdStore::with_device_id("8e7d6c5b4a392817"));
    let text = format!("{b:?}");
    eprintln!("{text}");
    assert!(text.contains("8e7d6c5b4a392817"));
    assert!(!text.contains("SECRET-KEY"));
}

/// 6. Background lane: priority field unused warning guard.
#[allow(dead_code)]
fn _p() -> Priority {
    Priority::Background
}
