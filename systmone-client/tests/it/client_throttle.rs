//! The client's throttle against the mock's, on paused time: the mock is
//! set to *drop* whatever comes too fast, so a client that broke the rules
//! would see timeouts, not just a log line.
#![cfg(feature = "mock")]
#![allow(clippy::unwrap_used)]

use crate::support;

use std::time::Duration;

use support::client::*;
use support::*;
use systmone_client::client::{
    Applies, CallOptions, ErrorKind, Limit, Priority, Reconnect, SharedThrottle, ThrottlePolicy,
};
use systmone_client::mock::{
    Fault, FaultRule, MockSystmOne, OverRatePolicy, OverRecordLimitPolicy, RequestOutcome,
    ThrottleConfig,
};
use systmone_client::proto::*;
use tokio::time::Instant;

/// SystmOne's limits, with too-fast requests dropped unanswered.
fn strict() -> ThrottleConfig {
    let mut config = ThrottleConfig::systmone();
    config.over_rate = OverRatePolicy::Drop;
    config.over_record_limit = OverRecordLimitPolicy::NoResponse;
    config
}

async fn strict_mock() -> MockSystmOne {
    builder()
        .throttle(strict())
        .patients(vec![
            alex(),
            patient(
                2,
                "Sam",
                "Testperson",
                date(1980, 3, 4),
                econsult_model::Sex::Male,
            ),
        ])
        .start()
        .await
        .unwrap()
}

fn arrivals(mock: &MockSystmOne) -> Vec<Instant> {
    mock.requests().iter().map(|r| r.arrived).collect()
}

fn assert_nothing_throttled(mock: &MockSystmOne) {
    let throttled: Vec<_> = mock
        .requests()
        .into_iter()
        .filter(|r| r.outcome == RequestOutcome::Throttled)
        .map(|r| (r.number, r.function()))
        .collect();
    assert!(throttled.is_empty(), "the mock throttled {throttled:?}");
}

#[tokio::test(start_paused = true)]
async fn ten_concurrent_callers_are_spaced_one_second_apart() {
    let mock = strict_mock().await;
    let client = throttled(&mock).await;
    let started = Instant::now();
    let callers: Vec<_> = (0..10)
        .map(|_| {
            let client = client.clone();
            tokio::spawn(async move { client.patient_search(search_alex()).await })
        })
        .collect();
    for caller in callers {
        let found = caller.await.unwrap().unwrap();
        assert_eq!(found.results.len(), 1);
    }
    let arrived = arrivals(&mock);
    assert_eq!(arrived.len(), 11, "pairing and ten searches, none resent");
    for gap in gaps(&arrived) {
        assert!(
            gap >= Duration::from_millis(1100),
            "{gap:?} between two requests"
        );
    }
    // ... and no slower than the policy: ten sends, 1.1 s apart, the first
    // 1.1 s after pairing.
    assert!(
        started.elapsed() < Duration::from_millis(11_300),
        "{:?}",
        started.elapsed()
    );
    assert_nothing_throttled(&mock);
}

#[tokio::test(start_paused = true)]
async fn full_records_wait_thirty_seconds_and_exempt_reads_go_past_them() {
    let mock = strict_mock().await;
    let client = throttled(&mock).await;
    let today = today();
    let mut mixed = Filter::demographics_only();
    mixed.narrative = true;
    let requests = vec![
        ("full 1", full_record(1)),
        ("full 2", full_record(2)),
        ("demographics", record_with(2, Filter::demographics_only())),
        ("entered today", record_with(1, Filter::entered_on(today))),
        ("demographics and narrative", record_with(1, mixed)),
        (
            "entered yesterday",
            record_with(1, Filter::entered_on(today.pred_opt().unwrap())),
        ),
    ];
    let callers: Vec<_> = requests
        .into_iter()
        .map(|(name, request)| {
            let client = client.clone();
            tokio::spawn(async move {
                let answered = client.send(request, CallOptions::default()).await.unwrap();
                (name, answered.request_uid)
            })
        })
        .collect();
    let mut sent = Vec::new();
    for caller in callers {
        sent.push(caller.await.unwrap());
    }
    let requests = mock.requests();
    let arrived = |name: &str| {
        let uid = &sent.iter().find(|(n, _)| *n == name).unwrap().1;
        requests
            .iter()
            .find(|r| r.request.as_ref().unwrap().header.request_uid == *uid)
            .unwrap()
            .arrived
    };
    let full = [
        arrived("full 1"),
        arrived("full 2"),
        arrived("demographics and narrative"),
        arrived("entered yesterday"),
    ];
    let mut ordered = full.to_vec();
    ordered.sort();
    for gap in gaps(&ordered) {
        assert!(
            gap >= Duration::from_millis(30_100),
            "{gap:?} between two full records"
        );
    }
    // The exempt reads did not wait behind the held full records.
    assert!(arrived("demographics") < ordered[1]);
    assert!(arrived("entered today") < ordered[1]);
    assert_eq!(mock.count::<GetPatientRecord>(), 6, "none was resent");
    assert_nothing_throttled(&mock);
}

#[tokio::test(start_paused = true)]
async fn an_interactive_search_goes_before_fifty_queued_saves() {
    let mock = strict_mock().await;
    let client = throttled(&mock).await;
    let background = client.with_priority(Priority::Background);
    let saves: Vec<_> = (0..50)
        .map(|i| {
            let background = background.clone();
            tokio::spawn(async move {
                background
                    .update_patient_record(note(1, &format!("save {i}")))
                    .await
            })
        })
        .collect();
    // Let the saves queue and the first of them go.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let asked = Instant::now();
    let found = client.patient_search(search_alex()).await.unwrap();
    let took = asked.elapsed();
    assert_eq!(found.results.len(), 1);
    assert!(
        took <= Duration::from_millis(1100),
        "the search took {took:?}"
    );
    let saved_so_far = mock.count::<UpdatePatientRecord>();
    assert!(
        saved_so_far <= 2,
        "{saved_so_far} saves went before the search"
    );
    for save in saves {
        save.await.unwrap().unwrap();
    }
    assert_eq!(mock.count::<UpdatePatientRecord>(), 50);
    let record = mock.record(&nhs(1)).unwrap();
    for i in 0..50 {
        let marker = format!("save {i}");
        assert_eq!(
            record.narrative_lines().filter(|l| *l == marker).count(),
            1,
            "{marker}"
        );
    }
    for gap in gaps(&arrivals(&mock)) {
        assert!(gap >= Duration::from_millis(1100), "{gap:?}");
    }
    assert_nothing_throttled(&mock);
}

/// The functions the mock received after pairing, in order.
fn order_received(mock: &MockSystmOne) -> Vec<&'static str> {
    mock.requests()
        .iter()
        .skip(1)
        .map(|r| r.function().unwrap())
        .collect()
}

#[tokio::test(start_paused = true)]
async fn a_background_save_is_not_starved_by_a_stream_of_searches() {
    let mock = strict_mock().await;
    let client = throttled(&mock).await;
    let background = client.with_priority(Priority::Background);
    // Ten searches and a save queue at once: with interactive calls always
    // first, the save would wait for all ten.
    let searches: Vec<_> = (0..10)
        .map(|_| {
            let client = client.clone();
            tokio::spawn(async move { client.patient_search(search_alex()).await })
        })
        .collect();
    let save = tokio::spawn(async move {
        background
            .update_patient_record(note(1, "not starved"))
            .await
    });
    save.await.unwrap().unwrap();
    for search in searches {
        search.await.unwrap().unwrap();
    }
    let order = order_received(&mock);
    assert_eq!(order.len(), 11);
    let save_at = order
        .iter()
        .position(|f| *f == UpdatePatientRecord::NAME)
        .unwrap();
    assert_eq!(
        save_at,
        systmone_client::client::DEFAULT_BACKGROUND_SHARE as usize,
        "the save goes after at most four searches: {order:?}"
    );
    assert_nothing_throttled(&mock);
}

#[tokio::test(start_paused = true)]
async fn the_background_share_is_configurable() {
    let mock = strict_mock().await;
    let client = builder_for(&mock)
        .background_share(2)
        .connect()
        .await
        .unwrap();
    let background = client.with_priority(Priority::Background);
    let calls: Vec<_> = (0..6)
        .map(|i| {
            let client = client.clone();
            let background = background.clone();
            tokio::spawn(async move {
                if i < 4 {
                    client.patient_search(search_alex()).await.map(|_| ())
                } else {
                    let marker = format!("save {i}");
                    background
                        .update_patient_record(note(1, &marker))
                        .await
                        .map(|_| ())
                }
            })
        })
        .collect();
    for call in calls {
        call.await.unwrap().unwrap();
    }
    let (search, save) = (PatientSearch::NAME, UpdatePatientRecord::NAME);
    assert_eq!(
        order_received(&mock),
        [search, search, save, search, search, save]
    );
}

#[tokio::test(start_paused = true)]
async fn a_held_background_read_is_passed_over_even_on_its_lanes_turn() {
    let mock = strict_mock().await;
    let client = builder_for(&mock)
        .background_share(1)
        .connect()
        .await
        .unwrap();
    let background = client.with_priority(Priority::Background);
    // A full record starts the 30-second window; the background lane's
    // next call is another full record, held by it.
    client.get_patient_record(full_record(1)).await.unwrap();
    let held = {
        let background = background.clone();
        tokio::spawn(async move { background.get_patient_record(full_record(2)).await })
    };
    tokio::task::yield_now().await;
    let searches: Vec<_> = (0..4)
        .map(|_| {
            let client = client.clone();
            tokio::spawn(async move { client.patient_search(search_alex()).await })
        })
        .collect();
    let started = Instant::now();
    for search in searches {
        search.await.unwrap().unwrap();
    }
    // The searches went one per 1.1 s, past the held read on every one of
    // its lane's turns, rather than waiting out its 30 s.
    assert!(
        started.elapsed() <= Duration::from_millis(4500),
        "{:?}",
        started.elapsed()
    );
    held.await.unwrap().unwrap();
    let reads: Vec<Instant> = mock
        .requests()
        .iter()
        .filter(|r| r.function() == Some(GetPatientRecord::NAME))
        .map(|r| r.arrived)
        .collect();
    assert_eq!(reads.len(), 2);
    assert!(reads[1] - reads[0] >= Duration::from_millis(30_100));
    let order = order_received(&mock);
    assert_eq!(order.last(), Some(&GetPatientRecord::NAME), "{order:?}");
    assert_nothing_throttled(&mock);
}

#[tokio::test(start_paused = true)]
async fn the_spacing_holds_across_a_reconnect() {
    let mock = strict_mock().await;
    // The first IsPatientRetrieved is answered by a dropped connection; the
    // client resends it (it is safe to) on a new connection.
    mock.inject(FaultRule::on::<IsPatientRetrieved>(Fault::DropBeforeProcessing).times(1));
    let client = throttled(&mock).await;
    let answered = client
        .send(IsPatientRetrieved::default(), CallOptions::default())
        .await
        .unwrap();
    assert_eq!(answered.attempts, 2);
    assert!(!answered.response.is_patient_retrieved);
    client.patient_search(search_alex()).await.unwrap();
    assert_eq!(mock.connection_count(), 2);
    let arrived = arrivals(&mock);
    assert_eq!(arrived.len(), 4);
    for gap in gaps(&arrived) {
        assert!(gap >= Duration::from_millis(1100), "{gap:?}");
    }
    assert_nothing_throttled(&mock);
}

#[tokio::test(start_paused = true)]
async fn a_caller_that_gives_up_while_queued_is_never_sent() {
    let mock = strict_mock().await;
    let client = throttled(&mock).await;
    let background = client.with_priority(Priority::Background);
    let kept = {
        let background = background.clone();
        tokio::spawn(async move { background.update_patient_record(note(1, "kept")).await })
    };
    tokio::task::yield_now().await;
    // Queued behind `kept`, then abandoned before its turn.
    let abandoned = tokio::time::timeout(
        Duration::from_millis(500),
        background.update_patient_record(note(1, "abandoned")),
    )
    .await;
    assert!(abandoned.is_err(), "it cannot have been sent within 0.5 s");
    kept.await.unwrap().unwrap();
    tokio::time::sleep(Duration::from_secs(5)).await;
    let record = mock.record(&nhs(1)).unwrap();
    assert!(record.narrative_lines().any(|l| l == "kept"));
    assert!(!record.narrative_lines().any(|l| l == "abandoned"));
    assert_eq!(mock.count::<UpdatePatientRecord>(), 1);
}

#[tokio::test(start_paused = true)]
async fn the_spacing_holds_when_reconnecting_takes_time() {
    let mock = strict_mock().await;
    let address = mock.addr();
    let client = throttled(&mock).await;
    let device = mock.devices().remove(0);
    mock.stop().await;
    // Two calls wait while SystmOne is down; it comes back 1.5 s later.
    let calls: Vec<_> = (0..2)
        .map(|_| {
            let client = client.clone();
            tokio::spawn(async move { client.patient_search(search_alex()).await })
        })
        .collect();
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let back = restarted(address, device, strict()).await;
    for call in calls {
        call.await.unwrap().unwrap();
    }
    let arrived = arrivals(&back);
    assert_eq!(arrived.len(), 2, "each sent once");
    for gap in gaps(&arrived) {
        assert!(
            gap >= Duration::from_millis(1100),
            "{gap:?} after reconnecting"
        );
    }
    assert_nothing_throttled(&back);
}

#[tokio::test(start_paused = true)]
async fn a_write_abandoned_while_reconnecting_is_never_sent() {
    let mock = strict_mock().await;
    let address = mock.addr();
    let client = throttled(&mock).await;
    let device = mock.devices().remove(0);
    mock.stop().await;
    let abandoned = tokio::time::timeout(
        Duration::from_millis(300),
        client.update_patient_record(note(1, "abandoned")),
    )
    .await;
    assert!(abandoned.is_err());
    let back = restarted(address, device, strict()).await;
    // Something else goes through; the abandoned write never does.
    client.patient_search(search_alex()).await.unwrap();
    tokio::time::sleep(Duration::from_secs(10)).await;
    assert_eq!(back.count::<UpdatePatientRecord>(), 0);
}

#[tokio::test(start_paused = true)]
async fn clients_sharing_a_throttle_keep_the_thirty_second_rule_between_them() {
    let mock = strict_mock().await;
    let shared = SharedThrottle::new(ThrottlePolicy::systmone());
    let first = builder_for(&mock)
        .shared_throttle(&shared)
        .connect()
        .await
        .unwrap();
    first.get_patient_record(full_record(1)).await.unwrap();
    let device = first.device_id().to_owned();
    drop(first);
    let second = builder_for(&mock)
        .shared_throttle(&shared)
        .device_id_store(systmone_client::client::MemoryDeviceIdStore::with_device_id(device))
        .connect()
        .await
        .unwrap();
    second.get_patient_record(full_record(2)).await.unwrap();
    let reads: Vec<Instant> = mock
        .requests()
        .iter()
        .filter(|r| r.function() == Some(GetPatientRecord::NAME))
        .map(|r| r.arrived)
        .collect();
    assert_eq!(reads.len(), 2);
    assert!(reads[1] - reads[0] >= Duration::from_millis(30_100));
    assert_nothing_throttled(&mock);
}

#[tokio::test(start_paused = true)]
async fn settings_that_cannot_work_are_refused_before_anything_is_sent() {
    let mock = strict_mock().await;
    for builder in [
        builder_for(&mock).throttle(ThrottlePolicy::systmone().with_safety_margin(Duration::MAX)),
        builder_for(&mock).throttle(ThrottlePolicy::systmone().with_limit(Limit {
            applies_to: Applies::AllRequests,
            min_interval: Duration::from_secs(3 * 24 * 60 * 60),
        })),
        builder_for(&mock).reconnect(Reconnect::default().initial(Duration::ZERO)),
        builder_for(&mock).background_share(0),
    ] {
        let error = builder.connect().await.unwrap_err();
        assert_eq!(error.kind(), ErrorKind::InvalidConfiguration, "{error}");
    }
    assert_eq!(mock.request_count(), 0);
    assert_eq!(mock.connection_count(), 0);
}

#[tokio::test(start_paused = true)]
async fn a_timeout_too_large_to_add_means_no_timeout() {
    let mock = strict_mock().await;
    let client = throttled(&mock).await;
    let answered = client
        .send(
            note(1, "patient"),
            CallOptions::default().timeout(Duration::MAX),
        )
        .await
        .unwrap();
    assert_eq!(answered.attempts, 1);
    client.patient_search(search_alex()).await.unwrap();
    let record = mock.record(&nhs(1)).unwrap();
    assert_eq!(
        record.narrative_lines().filter(|l| *l == "patient").count(),
        1
    );
}
