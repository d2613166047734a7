//! First checks of the mock over loopback.
#![cfg(feature = "mock")]
#![allow(clippy::unwrap_used)]

mod support;

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
    assert_eq!(error.message, "At least two search parameters must be specified");
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
    assert_eq!(start.elapsed().as_secs(), 2);
    let _ = Duration::ZERO;
}
