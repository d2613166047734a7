//! The mock's throttle on paused tokio time: one request per second over
//! every connection, one non-exempt GetPatientRecord per 30 seconds (the
//! excess silently dropped), the two exemptions, and the policies.
#![cfg(feature = "mock")]
#![allow(clippy::unwrap_used)]

use crate::support;

use std::time::Duration;

use support::*;
use systmone_client::mock::{
    MockSystmOne, OverRatePolicy, OverRecordLimitPolicy, RequestOutcome, ThrottleConfig,
};
use systmone_client::proto::*;
use tokio::time::Instant;

async fn throttled(config: ThrottleConfig) -> MockSystmOne {
    MockSystmOne::builder()
        .throttle(config)
        .start_time(start_time())
        .seed(7)
        .patients(vec![alex()])
        .start()
        .await
        .unwrap()
}

fn full_record() -> GetPatientRecord {
    GetPatientRecord {
        identity: Some(identity(1)),
        ..GetPatientRecord::default()
    }
}

fn filtered(filter: Filter) -> GetPatientRecord {
    GetPatientRecord {
        filter: Some(filter),
        ..full_record()
    }
}

const SILENCE: Duration = Duration::from_secs(10);

#[tokio::test(start_paused = true)]
async fn one_request_per_second_across_two_connections() {
    let mock = throttled(ThrottleConfig::systmone()).await;
    let mut a = TestClient::connect(mock.addr()).await;
    let mut b = TestClient::connect(mock.addr()).await;
    let start = Instant::now();
    a.send(IsPatientRetrieved::default()).await;
    b.send(GetFunctions::default()).await;
    a.receive::<IsPatientRetrieved>().await;
    assert_eq!(start.elapsed(), Duration::ZERO);
    b.receive::<GetFunctions>().await;
    assert_eq!(start.elapsed(), Duration::from_secs(1), "B waited for A");
    a.ok(GetReferenceData::default()).await;
    assert_eq!(start.elapsed(), Duration::from_secs(2));
    b.ok(GetCurrentActivity::default()).await;
    assert_eq!(start.elapsed(), Duration::from_secs(3));

    // A request arriving after a quiet spell is not delayed.
    tokio::time::sleep(Duration::from_secs(5)).await;
    let quiet = Instant::now();
    a.ok(IsPatientRetrieved::default()).await;
    assert_eq!(quiet.elapsed(), Duration::ZERO);
    assert!(
        mock.requests()
            .iter()
            .all(|r| r.outcome == RequestOutcome::Answered)
    );
}

#[tokio::test(start_paused = true)]
async fn ten_queued_requests_are_processed_a_second_apart() {
    let mock = throttled(ThrottleConfig::systmone()).await;
    let start = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..10 {
        let mut client = TestClient::connect(mock.addr()).await;
        client.send(GetFunctions::default()).await;
        tasks.push(tokio::spawn(async move {
            client.receive::<GetFunctions>().await.body.unwrap();
            start.elapsed()
        }));
    }
    let mut times = Vec::new();
    for task in tasks {
        times.push(task.await.unwrap());
    }
    times.sort();
    assert_eq!(times, (0..10).map(Duration::from_secs).collect::<Vec<_>>());
    assert_eq!(mock.request_count(), 10);
    assert_eq!(mock.connection_count(), 10);

    // Ten pipelined on one connection: the same spacing, answered in order.
    let mut client = TestClient::connect(mock.addr()).await;
    let start = Instant::now();
    let mut uids = Vec::new();
    for _ in 0..10 {
        uids.push(client.send(IsPatientRetrieved::default()).await);
    }
    for (n, uid) in uids.iter().enumerate() {
        let response = client.receive::<IsPatientRetrieved>().await;
        assert_eq!(&response.header.request_uid, uid);
        // The previous batch's last request ran at 9 s; this one started then.
        assert_eq!(start.elapsed(), Duration::from_secs(n as u64 + 1));
    }
}

#[tokio::test(start_paused = true)]
async fn a_second_full_record_within_30_seconds_is_dropped_silently() {
    let mock = throttled(ThrottleConfig::systmone()).await;
    let mut client = TestClient::connect(mock.addr()).await;
    let start = Instant::now();
    client.ok(full_record()).await;

    // Too soon: nothing comes back and nothing is done (it would have
    // opened the record).
    client
        .send(GetPatientRecord {
            leave_record_open: true,
            ..full_record()
        })
        .await;
    assert!(
        client.silent_for(SILENCE).await,
        "no answer to a throttled request"
    );
    let dropped = mock.requests().last().cloned().unwrap();
    assert_eq!(dropped.outcome, RequestOutcome::Throttled);
    assert_eq!(dropped.function(), Some("GetPatientRecord"));
    // The connection stays open and usable; the record was not opened.
    assert!(
        !client
            .ok(IsPatientRetrieved::default())
            .await
            .is_patient_retrieved
    );

    tokio::time::sleep_until(start + Duration::from_secs(29)).await;
    client.send(full_record()).await;
    assert!(
        client.silent_for(Duration::from_millis(900)).await,
        "29 s is too soon"
    );
    tokio::time::sleep_until(start + Duration::from_secs(30)).await;
    let at_30 = client.ok(full_record()).await;
    assert!(at_30.clinical.is_some());
    assert_eq!(start.elapsed(), Duration::from_secs(30));
    let outcomes: Vec<RequestOutcome> = mock.requests().into_iter().map(|r| r.outcome).collect();
    assert_eq!(
        outcomes,
        [
            RequestOutcome::Answered,
            RequestOutcome::Throttled,
            RequestOutcome::Answered,
            RequestOutcome::Throttled,
            RequestOutcome::Answered
        ]
    );
}

#[tokio::test(start_paused = true)]
async fn exempt_requests_are_answered_within_the_window() {
    let mock = throttled(ThrottleConfig::systmone()).await;
    let mut client = TestClient::connect(mock.addr()).await;
    client.ok(full_record()).await;
    let today = today();
    assert_ne!(
        today,
        chrono::Local::now().date_naive(),
        "the mock's today, not this PC's, decides the exemption"
    );

    let exempt = [
        Filter::demographics_only(),
        Filter {
            min_effective_date: Some(date(2000, 1, 1)),
            max_effective_date: Some(date(2040, 1, 1)),
            min_entry_date: Some(date(2000, 1, 1)),
            user_name_done_by: vec!["sexample01".into()],
            ..Filter::demographics_only()
        },
        Filter::entered_on(today),
        Filter {
            clinical_codes: true,
            narrative: true,
            appointments: true,
            ..Filter::entered_on(today)
        },
    ];
    for filter in exempt {
        let answer = client.call(filtered(filter.clone())).await;
        assert!(answer.body.is_ok(), "{filter:?} is exempt");
    }

    let not_exempt = [
        Filter::default(),
        Filter {
            narrative: true,
            ..Filter::demographics_only()
        },
        Filter {
            numeric: vec!["22A..".into()],
            ..Filter::demographics_only()
        },
        Filter {
            min_entry_date: Some(today),
            ..Filter::default()
        },
        Filter {
            max_entry_date: Some(today),
            clinical_codes: true,
            ..Filter::default()
        },
        Filter::entered_on(today.pred_opt().unwrap()),
        Filter {
            max_entry_date: today.succ_opt(),
            ..Filter::entered_on(today)
        },
    ];
    for filter in not_exempt {
        // Two seconds each: all seven fall inside the first one's window.
        client.send(filtered(filter.clone())).await;
        assert!(
            client.silent_for(Duration::from_secs(2)).await,
            "{filter:?} is not exempt"
        );
    }
    let throttled = mock
        .requests()
        .iter()
        .filter(|r| r.outcome == RequestOutcome::Throttled)
        .count();
    assert_eq!(throttled, 7);
}

#[tokio::test(start_paused = true)]
async fn exempt_requests_do_not_restart_the_window() {
    let mock = throttled(ThrottleConfig::systmone()).await;
    let mut client = TestClient::connect(mock.addr()).await;
    let start = Instant::now();
    client.ok(full_record()).await;
    tokio::time::sleep_until(start + Duration::from_secs(20)).await;
    client.ok(filtered(Filter::demographics_only())).await;
    client.ok(filtered(Filter::entered_on(today()))).await;
    tokio::time::sleep_until(start + Duration::from_secs(30)).await;
    client.ok(full_record()).await;
    assert_eq!(start.elapsed(), Duration::from_secs(30));
    assert!(
        mock.requests()
            .iter()
            .all(|r| r.outcome == RequestOutcome::Answered)
    );
}

#[tokio::test(start_paused = true)]
async fn the_record_window_is_shared_by_every_connection() {
    let mock = throttled(ThrottleConfig::systmone()).await;
    let mut a = TestClient::connect(mock.addr()).await;
    let mut b = TestClient::connect(mock.addr()).await;
    a.ok(full_record()).await;
    b.send(full_record()).await;
    assert!(b.silent_for(SILENCE).await);
    b.ok(IsPatientRetrieved::default()).await;
}

#[tokio::test(start_paused = true)]
async fn the_error_policy_answers_a_temporary_error() {
    let mock =
        throttled(ThrottleConfig::systmone().with_over_record_limit(OverRecordLimitPolicy::Error))
            .await;
    let mut client = TestClient::connect(mock.addr()).await;
    let start = Instant::now();
    client.ok(full_record()).await;
    let error = client.error(full_record()).await;
    assert_eq!(
        error.message,
        "GetPatientRecord may be called only once every 30 seconds; try again later"
    );
    assert_eq!(error.permanent, Some(false));
    assert_eq!(
        mock.requests().last().unwrap().outcome,
        RequestOutcome::Error {
            message: error.message.clone(),
            permanent: false
        }
    );
    tokio::time::sleep_until(start + Duration::from_secs(30)).await;
    client.ok(full_record()).await;
}

#[tokio::test(start_paused = true)]
async fn the_drop_rate_policy_drops_requests_under_a_second_apart() {
    let mock = throttled(ThrottleConfig::systmone().with_over_rate(OverRatePolicy::Drop)).await;
    let mut client = TestClient::connect(mock.addr()).await;
    let start = Instant::now();
    client.ok(IsPatientRetrieved::default()).await;
    client.send(GetFunctions::default()).await;
    assert!(client.silent_for(SILENCE).await);
    assert_eq!(
        mock.requests().last().unwrap().outcome,
        RequestOutcome::Throttled
    );
    client.ok(GetFunctions::default()).await;
    assert_eq!(
        start.elapsed(),
        SILENCE,
        "answered at once after the silence"
    );
}

#[tokio::test(start_paused = true)]
async fn throttle_off_never_waits_and_can_be_turned_on() {
    let mock = throttled(ThrottleConfig::off()).await;
    let mut client = TestClient::connect(mock.addr()).await;
    let start = Instant::now();
    for _ in 0..10 {
        client.ok(IsPatientRetrieved::default()).await;
    }
    for _ in 0..5 {
        client.ok(full_record()).await;
    }
    assert_eq!(start.elapsed(), Duration::ZERO);

    // Turned on later: its limits apply from then on.
    tokio::time::sleep(Duration::from_secs(60)).await;
    mock.set_throttle(ThrottleConfig::systmone());
    let on = Instant::now();
    client.ok(full_record()).await;
    client.ok(IsPatientRetrieved::default()).await;
    assert_eq!(on.elapsed(), Duration::from_secs(1));
    client.send(full_record()).await;
    assert!(client.silent_for(SILENCE).await);
}
