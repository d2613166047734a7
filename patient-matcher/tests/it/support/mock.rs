//! The mock SystmOne with a practice, and the real client connected to it
//! with SystmOne's throttle, on the mock's clock: for the tests that run
//! the planner and the manual match through SystmOne.

use chrono::{NaiveDate, NaiveDateTime, TimeDelta};
use systmone_client::client::Client;
use systmone_client::mock::{MockSystmOne, PatientSeed};
use tokio::time::Instant;

/// When the mock's day starts.
pub(crate) fn start_time() -> NaiveDateTime {
    NaiveDate::from_ymd_opt(2031, 4, 7)
        .unwrap()
        .and_hms_opt(8, 0, 0)
        .unwrap()
}

/// Starts the mock with `practice`, and connects (and pairs) a client
/// whose local time is the mock's.
pub(crate) async fn start(practice: &[PatientSeed]) -> (MockSystmOne, Client) {
    let mock = MockSystmOne::builder()
        .patients(practice.iter().cloned())
        .start_time(start_time())
        .start()
        .await
        .unwrap();
    let started = Instant::now();
    let client = Client::builder("TEST-API-KEY", "MatcherTest 1.0")
        .address(mock.addr())
        .local_time(move || start_time() + TimeDelta::from_std(started.elapsed()).unwrap())
        .connect()
        .await
        .unwrap();
    (mock, client)
}
