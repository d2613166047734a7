//! DeletePatientRecord's rules: only what this device (or, as an option,
//! this product) added through the API; never the practice's own data or
//! demographics; a reason; all or nothing.
#![cfg(feature = "mock")]
#![allow(clippy::unwrap_used)]

use crate::support;

use support::*;
use systmone_client::mock::{DeleteScope, MockSystmOne, RecordChange};
use systmone_client::proto::Minutes;
use systmone_client::proto::*;

fn assert_error(error: &ErrorResponse, message: &str) {
    assert_eq!(error.message, message);
    assert_eq!(error.permanent, Some(true));
}

fn note(line: &str) -> Event {
    Event::narrative(start_time(), [line.to_owned()])
}

async fn add(client: &mut TestClient, lines: &[&str]) -> Vec<EventUid> {
    client
        .ok(UpdatePatientRecord {
            identity: identity(1),
            clinical: Some(Clinical {
                events: lines.iter().map(|l| note(l)).collect(),
                ..Clinical::default()
            }),
            ..UpdatePatientRecord::default()
        })
        .await
        .event_uids
}

fn deleting(event_uids: Vec<EventUid>) -> DeletePatientRecord {
    DeletePatientRecord {
        identity: Some(identity(1)),
        event_uids,
        reason: "Sent in error".into(),
        ..DeletePatientRecord::default()
    }
}

fn deletions(mock: &MockSystmOne) -> Vec<(&'static str, String, String)> {
    mock.journal()
        .into_iter()
        .filter_map(|e| match e.change {
            RecordChange::Deleted { kind, uid, reason } => Some((kind, uid, reason)),
            _ => None,
        })
        .collect()
}

#[tokio::test]
async fn deletes_what_it_added_with_a_reason() {
    let mock = mock_with(vec![alex()]).await;
    let mut client = TestClient::paired(mock.addr()).await;
    let uids = add(&mut client, &["keep", "remove"]).await;
    let request_uid = client.send(deleting(vec![uids[1].clone()])).await;
    let answer = client.receive::<DeletePatientRecord>().await.body.unwrap();
    assert_eq!(answer.identity.nhs_number.as_deref(), Some(nhs(1).as_str()));
    assert_eq!(
        answer.identity.strategic_reporting_identifier.as_deref(),
        Some("500")
    );
    assert_eq!(answer.record_state, Some(RecordState::Closed));
    let record = mock.record(&nhs(1)).unwrap();
    assert!(record.event(uids[1].as_str()).is_none());
    assert!(record.event(uids[0].as_str()).is_some());
    let entry = mock.journal().pop().unwrap();
    assert_eq!(entry.request_uid, request_uid);
    assert!(entry.committed);
    assert_eq!(
        deletions(&mock),
        [("Event", uids[1].0.clone(), "Sent in error".to_owned())]
    );
}

#[tokio::test]
async fn the_practices_own_events_and_unknown_uids_are_refused_with_e8() {
    let mock = mock_with(vec![
        alex(),
        patient(
            2,
            "Sam",
            "Sample",
            date(1980, 1, 1),
            econsult_model::Sex::Male,
        ),
    ])
    .await;
    let mut client = TestClient::paired(mock.addr()).await;
    let mine = add(&mut client, &["mine"]).await;
    let history = mock.record(&nhs(1)).unwrap().events[0]
        .item
        .event_uid
        .clone()
        .unwrap();
    let by_staff = mock.add_practice_event(&nhs(1), note("by staff")).unwrap();
    for uid in [&history, &by_staff] {
        let error = client.error(deleting(vec![uid.clone()])).await;
        assert_error(
            &error,
            &format!("Event {uid} cannot be deleted: it was not added by your software"),
        );
    }
    let error = client
        .error(deleting(vec![EventUid("0123456789abcdef".into())]))
        .await;
    assert_error(
        &error,
        "Event 0123456789abcdef cannot be deleted: no such item in this record",
    );
    // A UID from another patient's record is not in this one.
    let error = client
        .error(DeletePatientRecord {
            identity: Some(identity(2)),
            ..deleting(mine.clone())
        })
        .await;
    assert_error(
        &error,
        &format!(
            "Event {} cannot be deleted: no such item in this record",
            mine[0]
        ),
    );
    for (kind, uid) in [
        ("Task", "00000000000000t1"),
        ("Visit", "00000000000000v1"),
        ("Appointment", "00000000000000a1"),
    ] {
        let mut request = deleting(Vec::new());
        match kind {
            "Task" => request.task_uids = vec![TaskUid(uid.into())],
            "Visit" => request.visit_uids = vec![VisitUid(uid.into())],
            _ => request.appointment_uids = vec![AppointmentUid(uid.into())],
        }
        let error = client.error(request).await;
        assert_error(
            &error,
            &format!("{kind} {uid} cannot be deleted: no such item in this record"),
        );
    }
    assert!(deletions(&mock).is_empty());
    assert!(
        mock.record(&nhs(1))
            .unwrap()
            .event(by_staff.as_str())
            .is_some()
    );
}

#[tokio::test]
async fn demographic_changes_cannot_be_deleted() {
    let mock = mock_with(vec![alex()]).await;
    let mut client = TestClient::paired(mock.addr()).await;
    let changed = client
        .ok(UpdatePatientRecord {
            identity: identity(1),
            demographics: Some(DemographicsUpdate {
                email_address: Some("alex.testpatient@example.org".into()),
                ..DemographicsUpdate::default()
            }),
            ..UpdatePatientRecord::default()
        })
        .await;
    let uid = &changed.event_uids[0];
    let error = client.error(deleting(vec![uid.clone()])).await;
    assert!(
        error
            .message
            .starts_with(&format!("Event {uid} cannot be deleted: ")),
        "{}",
        error.message
    );
    assert_eq!(error.permanent, Some(true));
    assert!(mock.record(&nhs(1)).unwrap().event(uid.as_str()).is_some());
}

#[tokio::test]
async fn a_reason_is_required() {
    let mock = mock_with(vec![alex()]).await;
    let mut client = TestClient::paired(mock.addr()).await;
    let uids = add(&mut client, &["stays"]).await;
    for reason in ["", "   ", "\n\t"] {
        let error = client
            .error(DeletePatientRecord {
                reason: reason.into(),
                ..deleting(uids.clone())
            })
            .await;
        assert_error(&error, "A reason must be given for the deletion");
    }
    assert!(
        mock.record(&nhs(1))
            .unwrap()
            .event(uids[0].as_str())
            .is_some()
    );
    let error = client.error(deleting(Vec::new())).await;
    assert_error(&error, "Nothing to delete: give at least one UID");
}

#[tokio::test]
async fn a_multi_uid_delete_is_all_or_nothing() {
    let mock = mock_with(vec![alex()]).await;
    let mut client = TestClient::paired(mock.addr()).await;
    let uids = add(&mut client, &["one", "two"]).await;
    let history = mock.record(&nhs(1)).unwrap().events[0]
        .item
        .event_uid
        .clone()
        .unwrap();
    let error = client
        .error(deleting(vec![
            uids[0].clone(),
            history.clone(),
            uids[1].clone(),
        ]))
        .await;
    assert_error(
        &error,
        &format!("Event {history} cannot be deleted: it was not added by your software"),
    );
    let record = mock.record(&nhs(1)).unwrap();
    assert!(
        record.event(uids[0].as_str()).is_some(),
        "the first was not deleted"
    );
    assert!(record.event(uids[1].as_str()).is_some());
    assert!(deletions(&mock).is_empty());

    // Every kind at once.
    let slot = mock
        .slots()
        .into_iter()
        .find(|s| s.user_name == "sexample01")
        .unwrap();
    let made = client
        .ok(UpdatePatientRecord {
            identity: identity(1),
            non_clinical: Some(NonClinical {
                appointments: vec![Appointment::book(
                    Clinic {
                        user_name: slot.user_name.clone(),
                        site_name: slot.site_name.clone(),
                        clinic_type: slot.clinic_type.clone(),
                        ..Clinic::default()
                    },
                    Slot {
                        slot_type: slot.slot_type.clone(),
                        date_time_start: slot.start,
                        duration: slot.duration,
                    },
                )],
                visits: vec![Visit {
                    date_time: Some(slot.start),
                    duration: Some(Minutes(30)),
                    user_name: Some("jplaceholder".into()),
                    ..Visit::default()
                }],
                tasks: vec![Task::new("Admin", "to go")],
                ..NonClinical::default()
            }),
            ..UpdatePatientRecord::default()
        })
        .await;
    assert!(mock.slots().iter().any(|s| s.booked.is_some()));
    client
        .ok(DeletePatientRecord {
            task_uids: made.task_uids.clone(),
            visit_uids: made.visit_uids.clone(),
            appointment_uids: made.appointment_uids.clone(),
            ..deleting(uids.clone())
        })
        .await;
    let record = mock.record(&nhs(1)).unwrap();
    assert!(record.api_events().next().is_none());
    assert!(record.appointments.is_empty() && record.visits.is_empty() && record.tasks.is_empty());
    let kinds: Vec<&str> = deletions(&mock).iter().map(|d| d.0).collect();
    assert_eq!(kinds, ["Event", "Event", "Task", "Visit", "Appointment"]);
    assert!(
        mock.slots().iter().all(|s| s.booked.is_none()),
        "the slot is free again"
    );
    let free = client
        .ok(GetAppointmentSlots {
            min_date_time: Some(slot.start),
            max_date_time: Some(slot.start),
            user_names: vec![slot.user_name.clone()],
            ..GetAppointmentSlots::default()
        })
        .await;
    assert_eq!(free.clinics[0].slots[0].date_time_start, slot.start);
}

#[tokio::test]
async fn by_default_only_the_same_device_may_delete() {
    let mock = mock_with(vec![alex()]).await;
    let mut first = TestClient::paired(mock.addr()).await;
    let mut second = TestClient::paired(mock.addr()).await;
    let uids = add(&mut first, &["first device's"]).await;
    let error = second.error(deleting(uids.clone())).await;
    assert_error(
        &error,
        &format!(
            "Event {} cannot be deleted: it was not added by this device",
            uids[0]
        ),
    );
    first.ok(deleting(uids)).await;
}

#[tokio::test]
async fn with_the_same_product_scope_any_device_of_the_product_may_delete() {
    let mock = builder()
        .delete_scope(DeleteScope::SameProduct)
        .patients(vec![alex()])
        .start()
        .await
        .unwrap();
    let mut first = TestClient::paired(mock.addr()).await;
    let mut second = TestClient::paired(mock.addr()).await;
    let mut other_product = TestClient::connect(mock.addr()).await;
    other_product.api_key = "OTHER-PRODUCT".into();
    let uids = add(&mut first, &["one", "two"]).await;
    let error = other_product.error(deleting(vec![uids[0].clone()])).await;
    assert_error(
        &error,
        &format!(
            "Event {} cannot be deleted: it was not added by your software",
            uids[0]
        ),
    );
    second.ok(deleting(vec![uids[0].clone()])).await;
    assert!(
        mock.record(&nhs(1))
            .unwrap()
            .event(uids[0].as_str())
            .is_none()
    );
}

#[tokio::test]
async fn the_open_record_and_leave_record_open() {
    let mock = mock_with(vec![alex()]).await;
    let mut client = TestClient::paired(mock.addr()).await;
    let uids = add(&mut client, &["one", "two"]).await;
    let no_identity = DeletePatientRecord {
        identity: None,
        ..deleting(vec![uids[0].clone()])
    };
    let error = client.error(no_identity.clone()).await;
    assert_error(
        &error,
        "Identity is required unless LeaveRecordOpen is given",
    );
    let error = client
        .error(DeletePatientRecord {
            leave_record_open: true,
            ..no_identity.clone()
        })
        .await;
    assert_error(&error, "No patient record is currently retrieved");

    mock.open_record(&nhs(1), true);
    let answer = client
        .ok(DeletePatientRecord {
            leave_record_open: true,
            ..no_identity
        })
        .await;
    assert_eq!(answer.record_state, Some(RecordState::Open));
    assert!(mock.has_uncommitted_changes());
    assert!(!mock.journal().last().unwrap().committed);
    mock.user_discards();
    assert!(
        mock.record(&nhs(1))
            .unwrap()
            .event(uids[0].as_str())
            .is_some(),
        "discarded: back"
    );

    // Open without LeaveRecordOpen: E5.
    let error = client.error(deleting(vec![uids[1].clone()])).await;
    assert_eq!(
        error.message,
        "The patient record is in use; try again later"
    );
    assert_eq!(error.permanent, Some(false));
}
