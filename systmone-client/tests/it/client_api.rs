//! The client's surface: one typed method per function wired to the right
//! wire name and answer type, and the `SystmOneApi` seam with its automock.
#![cfg(feature = "mock")]
#![allow(clippy::unwrap_used)]

use crate::support;

use std::sync::Arc;

use support::client::*;
use support::*;
use systmone_client::client::{
    Answered, CallOptions, ConnectionId, Error, NotSentReason, Priority, SystmOneApi,
};
use systmone_client::proto::*;

/// Builds a value of a `#[non_exhaustive]` wire type field by field, from
/// its default (outside the crate a struct expression cannot build one).
macro_rules! build {
    ($ty:ident { $($field:ident : $value:expr),* $(,)? }) => {{
        let mut value = $ty::default();
        $(value.$field = $value;)*
        value
    }};
}

/// Calls `$method` with a default request and checks that the mock saw
/// the function `$request` and the client read its answer (or SystmOne's
/// error: a default request is not always a valid one).
macro_rules! check_each {
    ($client:expr, $mock:expr, $( $method:ident($request:ident) ),* $(,)?) => {{
        let mut checked = Vec::new();
        $(
            let result = $client.$method($request::default()).await;
            assert!(
                matches!(result, Ok(_) | Err(Error::SystmOne { .. })),
                "{}: {result:?}", stringify!($method)
            );
            let last = $mock.requests().last().unwrap().clone();
            assert_eq!(last.function(), Some(<$request as Function>::NAME), "{}", stringify!($method));
            checked.push(<$request as Function>::NAME);
        )*
        checked
    }};
}

#[tokio::test(start_paused = true)]
async fn every_function_has_a_typed_method() {
    let mock = mock_with(vec![alex()]).await;
    let client = unthrottled(&mock).await;
    let mut checked = check_each!(
        client,
        mock,
        get_functions(GetFunctions),
        get_organisation_metadata(GetOrganisationMetaData),
        get_current_activity(GetCurrentActivity),
        get_current_selection(GetCurrentSelection),
        patient_search(PatientSearch),
        get_patient_record(GetPatientRecord),
        update_patient_record(UpdatePatientRecord),
        get_document(GetDocument),
        delete_patient_record(DeletePatientRecord),
        get_appointment_slots(GetAppointmentSlots),
        get_diary(GetDiary),
        data_extract(DataExtract),
        launch_functionality(LaunchFunctionality),
        get_xsd_files(GetXsdFiles),
        get_reference_data(GetReferenceData),
        is_patient_retrieved(IsPatientRetrieved),
        exit_client(ExitClient),
    );
    checked.sort_unstable();
    let mut all = FUNCTION_NAMES.to_vec();
    all.sort_unstable();
    assert_eq!(checked, all);
}

/// Code above the client, written against the seam.
async fn first_match_is_open(api: &dyn SystmOneApi) -> Result<bool, Error> {
    let found = api.patient_search(search_alex()).await?;
    if found.results.is_empty() {
        return Ok(false);
    }
    Ok(api
        .is_patient_retrieved(IsPatientRetrieved::default())
        .await?
        .is_patient_retrieved)
}

#[tokio::test]
async fn code_above_the_client_is_tested_with_the_automock() {
    let mut api = systmone_client::client::MockSystmOneApi::new();
    api.expect_patient_search()
        .withf(|search| search.surname.as_deref() == Some("Testpatient"))
        .times(1)
        .returning(|_| {
            Ok(build!(PatientSearchResponse {
                results: vec![PatientSearchResult {
                    identity: identity(1),
                    first_name: "Alex".into(),
                    surname: "Testpatient".into(),
                    date_of_birth: date(1970, 2, 1),
                    sex: Sex::Female,
                    telephone: None,
                    address: None,
                    other: Vec::new(),
                    other_attributes: Vec::new(),
                }],
            }))
        });
    api.expect_is_patient_retrieved().times(1).returning(|_| {
        Ok(build!(IsPatientRetrievedResponse {
            is_patient_retrieved: true,
        }))
    });
    assert!(first_match_is_open(&api).await.unwrap());

    // ... and a failure from the seam reaches the code above unchanged.
    let mut failing = systmone_client::client::MockSystmOneApi::new();
    failing.expect_patient_search().returning(|_| {
        Err(Error::SystmOne {
            function: PatientSearch::NAME,
            request_uid: "u".into(),
            message: "At least two search parameters must be specified".into(),
            permanent: true,
        })
    });
    let error = first_match_is_open(&failing).await.unwrap_err();
    assert!(matches!(
        error,
        Error::SystmOne {
            permanent: true,
            ..
        }
    ));
}

#[tokio::test(start_paused = true)]
async fn the_real_client_is_a_systmone_api() {
    let mock = mock_with(vec![alex()]).await;
    let client = unthrottled(&mock).await;
    let api: Arc<dyn SystmOneApi> = Arc::new(client);
    assert!(!first_match_is_open(api.as_ref()).await.unwrap());
}

/// Code above the client generic over the seam (as the matcher's and the
/// save engine's are), taking the implementation by value.
async fn results_for_alex<A: SystmOneApi>(api: A) -> usize {
    api.patient_search(search_alex())
        .await
        .unwrap()
        .results
        .len()
}

#[tokio::test(start_paused = true)]
async fn a_borrowed_or_shared_client_is_a_systmone_api() {
    let mock = mock_with(vec![alex()]).await;
    let client = unthrottled(&mock).await;
    assert_eq!(results_for_alex(&client).await, 1, "&Client");
    let shared = Arc::new(client.clone());
    assert_eq!(results_for_alex(shared.clone()).await, 1, "Arc<Client>");
    assert_eq!(results_for_alex(&shared).await, 1, "&Arc<Client>");
    let dynamic: Arc<dyn SystmOneApi> = shared;
    assert_eq!(results_for_alex(dynamic.clone()).await, 1, "Arc<dyn>");
    assert_eq!(results_for_alex(&*dynamic).await, 1, "&dyn");
    // The `_with` methods too, with the client's own envelope.
    let answered = dynamic
        .patient_search_with(search_alex(), CallOptions::default())
        .await
        .unwrap();
    assert_eq!(answered.response.results.len(), 1);
    assert_eq!(
        answered.request_uid,
        mock.requests()
            .last()
            .unwrap()
            .request
            .clone()
            .unwrap()
            .header
            .request_uid
    );
    assert_eq!(mock.count::<PatientSearch>(), 6);
}

#[tokio::test]
async fn borrowed_and_shared_implementations_forward_every_method() {
    // The mock expects the plain method: the wrappers call the inner
    // plain method, so an implementation that provides its own is used.
    let mut api = systmone_client::client::MockSystmOneApi::new();
    api.expect_patient_search()
        .times(4)
        .returning(|_| Ok(PatientSearchResponse::default()));
    api.expect_patient_search_with().times(2).returning(|_, _| {
        Ok(Answered::new(
            PatientSearchResponse::default(),
            ConnectionId::from_raw(3),
        ))
    });
    let api = Arc::new(api);
    assert_eq!(results_for_alex(&*api).await, 0);
    assert_eq!(results_for_alex(api.clone()).await, 0);
    let dynamic: Arc<dyn SystmOneApi> = api.clone();
    assert_eq!(results_for_alex(dynamic.clone()).await, 0);
    assert_eq!(results_for_alex(&dynamic).await, 0);
    for connection in [
        connection_of(&dynamic).await,
        connection_of(api.clone()).await,
    ] {
        assert_eq!(connection.as_raw(), 3);
    }
}

/// The connection a search went on, through a generic seam.
async fn connection_of<A: SystmOneApi>(api: A) -> ConnectionId {
    api.patient_search_with(search_alex(), CallOptions::default())
        .await
        .unwrap()
        .connection
}

/// Code above the client that checks which practice it is connected to,
/// then writes on that connection only.
async fn save_to_checked_practice(
    api: &dyn SystmOneApi,
    note: UpdatePatientRecord,
) -> Result<Answered<UpdatePatientRecordResponse>, Error> {
    let practice = api
        .get_organisation_metadata_with(GetOrganisationMetaData::default(), CallOptions::default())
        .await?;
    api.update_patient_record_with(
        note,
        CallOptions::default()
            .priority(Priority::Background)
            .on_connection(practice.connection),
    )
    .await
}

#[tokio::test(start_paused = true)]
async fn the_with_methods_reach_the_real_client_through_the_trait() {
    let mock = mock_with(vec![alex()]).await;
    let client = unthrottled(&mock).await;
    let api: &dyn SystmOneApi = &client;
    let saved = save_to_checked_practice(api, note(1, "through the seam"))
        .await
        .unwrap();
    assert_eq!(saved.attempts, 1);
    let last = mock.requests().last().unwrap().clone();
    assert_eq!(last.function(), Some(UpdatePatientRecord::NAME));
    assert_eq!(
        saved.request_uid,
        last.request.unwrap().header.request_uid,
        "the envelope is the real one"
    );
    // The provided plain methods go through the same client.
    let found = api.patient_search(search_alex()).await.unwrap();
    assert_eq!(found.results.len(), 1);
    // ... and the options are the client's: a deadline already past is
    // refused before anything is written.
    let error = api
        .update_patient_record_with(
            note(1, "too late"),
            CallOptions::default().send_by(tokio::time::Instant::now()),
        )
        .await
        .unwrap_err();
    assert!(
        matches!(
            error,
            Error::NotSent {
                reason: NotSentReason::DeadlinePassed,
                ..
            }
        ),
        "{error}"
    );
    assert_eq!(mock.count::<UpdatePatientRecord>(), 1);
}

#[tokio::test]
async fn the_with_methods_can_be_mocked() {
    let connection = ConnectionId::from_raw(7);
    let mut api = systmone_client::client::MockSystmOneApi::new();
    api.expect_get_organisation_metadata_with()
        .times(1)
        .returning(move |_, _| {
            Ok(Answered::new(
                GetOrganisationMetaDataResponse::default(),
                connection,
            ))
        });
    api.expect_update_patient_record_with()
        .withf(move |note, options| {
            note.identity == identity(1)
                && *options
                    == CallOptions::default()
                        .priority(Priority::Background)
                        .on_connection(connection)
        })
        .times(1)
        .returning(move |note, _| {
            Ok(Answered::new(
                build!(UpdatePatientRecordResponse {
                    identity: note.identity
                }),
                connection,
            ))
        });
    let saved = save_to_checked_practice(&api, note(1, "mocked"))
        .await
        .unwrap();
    assert_eq!(saved.connection, connection);
    assert_eq!(saved.connection.as_raw(), 7);
    assert_eq!(saved.response.identity, identity(1));
    assert_eq!(saved.attempts, 1);
    assert!(saved.request_uid.is_empty());

    // A refusal from the seam reaches the code above unchanged.
    let mut moved = systmone_client::client::MockSystmOneApi::new();
    moved
        .expect_get_organisation_metadata_with()
        .returning(move |_, _| {
            Ok(Answered::new(
                GetOrganisationMetaDataResponse::default(),
                connection,
            ))
        });
    moved.expect_update_patient_record_with().returning(|_, _| {
        Err(Error::NotSent {
            function: UpdatePatientRecord::NAME,
            reason: NotSentReason::ConnectionChanged,
        })
    });
    let error = save_to_checked_practice(&moved, note(1, "moved"))
        .await
        .unwrap_err();
    assert!(error.is_retryable());
}
