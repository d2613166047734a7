//! Connecting the real `Client` to the mock, for the `client_*` tests.

use std::time::Duration;

use chrono::{NaiveDateTime, TimeDelta};
use systmone_client::client::{Client, ClientBuilder, ThrottlePolicy};
use systmone_client::mock::MockSystmOne;
use systmone_client::proto::{
    Clinical, Event, GetPatientRecord, Identity, PatientSearch, UpdatePatientRecord,
};
use tokio::time::Instant;

use super::{identity, start_time};

pub const API_KEY: &str = "TEST-API-KEY";

/// The mock's local time, read the way the mock does (its start time plus
/// tokio time elapsed), so the client's "today" is the mock's.
pub fn mock_local_time() -> impl Fn() -> NaiveDateTime + Send + Sync + 'static {
    let started = Instant::now();
    move || start_time() + TimeDelta::from_std(started.elapsed()).unwrap()
}

/// A client for `mock`, with SystmOne's throttle policy.
pub fn builder_for(mock: &MockSystmOne) -> ClientBuilder {
    Client::builder(API_KEY, "ClientTest 1.0")
        .address(mock.addr())
        .local_time(mock_local_time())
}

/// A connected (and paired) client with SystmOne's throttle policy.
pub async fn throttled(mock: &MockSystmOne) -> Client {
    builder_for(mock).connect().await.unwrap()
}

/// A connected (and paired) client with no throttle of its own, for a
/// mock whose throttle is off.
pub async fn unthrottled(mock: &MockSystmOne) -> Client {
    builder_for(mock)
        .throttle(ThrottlePolicy::unlimited())
        .connect()
        .await
        .unwrap()
}

/// A search for the standard patient (two criteria).
pub fn search_alex() -> PatientSearch {
    PatientSearch {
        surname: Some("Testpatient".into()),
        date_of_birth: Some(super::date(1970, 2, 1)),
        ..PatientSearch::default()
    }
}

/// A whole-record read of patient `n` (not exempt from the 30-second rule).
pub fn full_record(n: u32) -> GetPatientRecord {
    GetPatientRecord {
        identity: Some(identity(n)),
        ..GetPatientRecord::default()
    }
}

/// A read of patient `n` with `filter`.
pub fn record_with(n: u32, filter: systmone_client::proto::Filter) -> GetPatientRecord {
    GetPatientRecord {
        filter: Some(filter),
        ..full_record(n)
    }
}

/// A note for patient `n` carrying `marker`.
pub fn note(n: u32, marker: &str) -> UpdatePatientRecord {
    note_for(identity(n), marker)
}

pub fn note_for(identity: Identity, marker: &str) -> UpdatePatientRecord {
    UpdatePatientRecord {
        identity,
        clinical: Some(Clinical {
            events: vec![Event::narrative(start_time(), [marker.to_owned()])],
            ..Clinical::default()
        }),
        ..UpdatePatientRecord::default()
    }
}

/// The gaps between consecutive instants.
pub fn gaps(instants: &[Instant]) -> Vec<Duration> {
    instants.windows(2).map(|w| w[1] - w[0]).collect()
}

/// SystmOne back at `address` after a restart (a user logged on again),
/// still knowing the paired `device`, with the standard patient.
pub async fn restarted(
    address: std::net::SocketAddr,
    device: systmone_client::mock::DeviceRecord,
    throttle: systmone_client::mock::ThrottleConfig,
) -> MockSystmOne {
    super::builder()
        .throttle(throttle)
        .listen(address)
        .device(device)
        .patients(vec![super::alex()])
        .start()
        .await
        .unwrap()
}
