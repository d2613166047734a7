//! What changes while the mock runs and makes reading a write back hard:
//! the read lag, another organisation logging on, and the SystmOne client
//! restarting (every connection dropped).
#![cfg(feature = "mock")]
#![allow(clippy::unwrap_used)]

use crate::support;

use std::time::Duration;

use support::*;
use systmone_client::mock::{MockSystmOne, Organisation};
use systmone_client::proto::*;

fn note(marker: &str) -> UpdatePatientRecord {
    UpdatePatientRecord {
        identity: identity(1),
        clinical: Some(Clinical {
            events: vec![Event::narrative(start_time(), [marker.to_owned()])],
            ..Clinical::default()
        }),
        ..UpdatePatientRecord::default()
    }
}

/// The narrative lines entered today that a read of the standard patient
/// returns (the read-back a save engine makes).
async fn read_back(client: &mut TestClient) -> Vec<String> {
    let answer = client
        .ok(GetPatientRecord {
            identity: Some(identity(1)),
            filter: Some(Filter {
                narrative: true,
                ..Filter::entered_on(today())
            }),
            ..GetPatientRecord::default()
        })
        .await;
    answer
        .clinical
        .iter()
        .flat_map(|c| &c.events)
        .flat_map(|e| &e.narratives)
        .flat_map(|n| n.lines.clone())
        .collect()
}

/// Whether the mock holds the marker, whatever reads see.
fn held(mock: &MockSystmOne, marker: &str) -> bool {
    mock.record(&nhs(1))
        .unwrap()
        .narrative_lines()
        .any(|l| l == marker)
}

async fn lagging(lag: Duration) -> (MockSystmOne, TestClient) {
    let mock = builder()
        .patients(vec![alex()])
        .read_lag(lag)
        .start()
        .await
        .unwrap();
    let client = TestClient::paired(mock.addr()).await;
    (mock, client)
}

#[tokio::test(start_paused = true)]
async fn a_read_lag_hides_a_write_from_reads_until_it_has_passed() {
    let lag = Duration::from_secs(5);
    let (mock, mut client) = lagging(lag).await;
    let answer = client.ok(note("saved")).await;
    assert_eq!(answer.event_uids.len(), 1, "the write succeeded");
    assert!(held(&mock, "saved"), "inspection shows it at once");
    assert!(read_back(&mut client).await.is_empty(), "a read misses it");
    tokio::time::sleep(lag - Duration::from_millis(1)).await;
    assert!(read_back(&mut client).await.is_empty(), "still behind");
    tokio::time::sleep(Duration::from_millis(1)).await;
    assert_eq!(read_back(&mut client).await, ["saved"], "after the lag");

    // Changed while running: later writes get the new lag.
    mock.set_read_lag(Duration::ZERO);
    client.ok(note("at once")).await;
    assert_eq!(read_back(&mut client).await, ["saved", "at once"]);
    mock.set_read_lag(Duration::from_secs(60));
    client.ok(note("a minute")).await;
    tokio::time::sleep(Duration::from_secs(59)).await;
    assert_eq!(read_back(&mut client).await, ["saved", "at once"]);
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert_eq!(
        read_back(&mut client).await,
        ["saved", "at once", "a minute"]
    );
}

#[tokio::test(start_paused = true)]
async fn a_read_lag_holds_back_a_new_file_from_get_document() {
    let lag = Duration::from_secs(5);
    let (mock, mut client) = lagging(lag).await;
    let source = tempfile::tempdir().unwrap();
    let path = source.path().join("letter.pdf");
    std::fs::write(&path, b"%PDF-1.7 a letter").unwrap();
    let mut update = note("with a file");
    update.clinical.as_mut().unwrap().events[0]
        .attachments
        .push(Attachment {
            document_path: Some(path.display().to_string()),
            ..Attachment::default()
        });
    client.ok(update).await;
    let uid = mock.record(&nhs(1)).unwrap().documents[0].uid.clone();
    let out = tempfile::tempdir().unwrap();
    let fetch = GetDocument {
        identity: identity(1),
        document_uid: uid,
        write_to: Some(out.path().display().to_string()),
        leave_record_open: false,
    };
    let error = client.error(fetch.clone()).await;
    assert_eq!(error.permanent, Some(false), "{}", error.message);
    tokio::time::sleep(lag).await;
    let fetched = client.ok(fetch).await;
    assert_eq!(
        std::fs::read(&fetched.document_files[0]).unwrap(),
        b"%PDF-1.7 a letter"
    );
}

#[tokio::test(start_paused = true)]
async fn another_organisation_logs_on() {
    let mock = mock_with(vec![alex()]).await;
    let mut client = TestClient::paired(mock.addr()).await;
    let me = GetOrganisationMetaData {
        logged_on_user_only: true,
    };
    let site = |answer: &GetOrganisationMetaDataResponse| -> Vec<(String, bool, bool)> {
        answer
            .sites
            .iter()
            .map(|s| (s.id.clone(), s.current_site, s.primary_site))
            .collect()
    };
    let before = client.ok(me.clone()).await;
    assert_eq!(site(&before), [("Z99901".to_owned(), true, true)]);

    mock.set_organisation(Organisation::single_site("Z99950", "Other Test Practice"));
    let after = client.ok(me).await;
    assert_eq!(site(&after), [("Z99950".to_owned(), true, true)]);
    assert_eq!(after.sites[0].name, "Other Test Practice");
    assert_eq!(after.users.len(), 1);
    assert!(after.users[0].current_user);
    let all = client
        .ok(GetOrganisationMetaData {
            logged_on_user_only: false,
        })
        .await;
    assert_eq!(site(&all), [("Z99950".to_owned(), true, true)]);
    assert_eq!(mock.organisation().sites[0].id, "Z99950");
}

#[tokio::test(start_paused = true)]
async fn drop_connections_closes_every_client_and_the_mock_takes_new_ones() {
    let mock = mock_with(vec![alex()]).await;
    let mut first = TestClient::paired(mock.addr()).await;
    let mut second = TestClient::paired(mock.addr()).await;
    mock.drop_connections();
    for client in [&mut first, &mut second] {
        let read = tokio::time::timeout(Duration::from_secs(60), client.read_document());
        assert_eq!(read.await.expect("closed, not left open"), None);
    }

    // The product reconnects with the Device ID it has.
    let mut again = TestClient::connect(mock.addr()).await;
    again.device_id = first.device_id.clone();
    again.ok(IsPatientRetrieved::default()).await;
    assert_eq!(mock.connection_count(), 3);
    assert_eq!(mock.devices().len(), 2, "no new pairing");
    assert!(!mock.is_stopped());
}
