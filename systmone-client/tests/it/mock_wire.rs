//! What the mock accepts on the wire: hand-written documents as TPP's
//! templates and other vendors' clients send them, not only what our own
//! encoder emits; and the envelope errors E9–E12 and E17.
#![cfg(feature = "mock")]
#![allow(clippy::unwrap_used)]

use crate::support;

use support::*;
use systmone_client::mock::{MockSystmOne, RequestOutcome};
use systmone_client::proto::*;

const UID: &str = "3f2a9c1e-7b44-4d0a-9e61-5c2b8f7d1a90";

async fn paired_mock() -> (MockSystmOne, TestClient) {
    let mock = mock_with(vec![alex()]).await;
    let client = TestClient::paired(mock.addr()).await;
    (mock, client)
}

fn success(response: &Response<AnyResponse>) -> &AnyResponse {
    match &response.body {
        Ok(answer) => answer,
        Err(error) => panic!("error: {}", error.message),
    }
}

fn search_params() -> &'static str {
    "\n    <Surname>Testp</Surname>\n    <DateOfBirth>1970-02-01</DateOfBirth>\n  "
}

fn assert_found_alex(response: &Response<AnyResponse>) {
    match success(response) {
        AnyResponse::PatientSearch(found) => {
            assert_eq!(found.results.len(), 1);
            assert_eq!(found.results[0].first_name, "Alex");
        }
        other => panic!("not a PatientSearch answer: {other:?}"),
    }
}

#[tokio::test]
async fn a_pretty_printed_template_with_declaration_crlf_and_tabs() {
    let (_mock, mut client) = paired_mock().await;
    let device = client.device_id.clone();
    let text = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\r\n{}",
        document(&device, UID, "PatientSearch", search_params())
    )
    .replace('\n', "\r\n")
    .replace("  <", "\t<");
    assert!(text.contains("\r\n\t<APIKey>"));
    let (response, raw) = client.raw_call(text.as_bytes()).await;
    assert_eq!(response.header.request_uid, UID);
    assert_eq!(response.header.device_id, device);
    assert_eq!(response.header.function, "PatientSearch");
    assert_found_alex(&response);
    assert!(!raw.contains("\r\n"), "answers are not pretty-printed");
}

#[tokio::test]
async fn tpps_malformed_declaration_and_a_bom() {
    let (_mock, mut client) = paired_mock().await;
    let device = client.device_id.clone();
    let unquoted = format!(
        "<?xml version=1.0 encoding=UTF-8?>\n{}",
        document(&device, UID, "PatientSearch", search_params())
    );
    let (response, _) = client.raw_call(unquoted.as_bytes()).await;
    assert_found_alex(&response);

    let mut with_bom = b"\xEF\xBB\xBF".to_vec();
    with_bom.extend_from_slice(document(&device, UID, "PatientSearch", search_params()).as_bytes());
    let (response, _) = client.raw_call(&with_bom).await;
    assert_found_alex(&response);

    // A BOM and a declaration before a second document on the same
    // connection, with blank lines between.
    let mut both = b"\r\n\r\n\xEF\xBB\xBF<?xml version=\"1.0\"?>\n".to_vec();
    both.extend_from_slice(document(&device, UID, "PatientSearch", search_params()).as_bytes());
    let (response, _) = client.raw_call(&both).await;
    assert_found_alex(&response);
}

#[tokio::test]
async fn nhs_number_casing_variants_are_accepted_and_answered_as_nhsnumber() {
    let (_mock, mut client) = paired_mock().await;
    let device = client.device_id.clone();
    for element in ["NhsNumber", "NHSNumber", "nhsnumber", "NHSNUMBER"] {
        let params = format!(
            "<Identity><{element}>{}</{element}></Identity><Filter><Demographics/></Filter>",
            nhs(1)
        );
        let (response, raw) = client
            .raw_call(document(&device, UID, "GetPatientRecord", &params).as_bytes())
            .await;
        match success(&response) {
            AnyResponse::GetPatientRecord(record) => {
                assert_eq!(record.identity.nhs_number.as_deref(), Some(nhs(1).as_str()));
                assert_eq!(record.demographics.as_ref().unwrap().first_name, "Alex");
            }
            other => panic!("{other:?}"),
        }
        assert!(
            raw.contains(&format!("<Identity><NHSNumber>{}</NHSNumber>", nhs(1))),
            "{raw}"
        );
    }
    // A spaced NHS number is the same number.
    let spaced = format!(
        "<Identity><NHSNumber>{} {} {}</NHSNumber></Identity><Filter><Demographics/></Filter>",
        &nhs(1)[..3],
        &nhs(1)[3..6],
        &nhs(1)[6..]
    );
    let (response, _) = client
        .raw_call(document(&device, UID, "GetPatientRecord", &spaced).as_bytes())
        .await;
    assert!(response.body.is_ok());
}

#[tokio::test]
async fn element_and_function_names_in_any_case_and_any_order() {
    let sam = patient(
        2,
        "Sam",
        "Sample",
        date(1980, 1, 1),
        econsult_model::Sex::Male,
    );
    let mock = mock_with(vec![alex(), sam]).await;
    let mut client = TestClient::paired(mock.addr()).await;
    let device = client.device_id.clone();
    // Reversed envelope, parameters before the function, odd casing, an
    // unknown extra element, and a flag written <X></X>.
    let text = format!(
        "<ClientIntegrationRequest>
           <functionparameters>
             <gender>m</gender><DATEOFBIRTH> 1980-01-01 </DATEOFBIRTH>
           </functionparameters>
           <Extra>ignored</Extra>
           <FUNCTIONVERSION>1</FUNCTIONVERSION>
           <function>patientsearch</function>
           <requestuid>{UID}</requestuid>
           <deviceversion>Odd Casing 0.1</deviceversion>
           <deviceid>{device}</deviceid>
           <apikey>TEST-API-KEY</apikey>
         </ClientIntegrationRequest>"
    );
    let (response, _) = client.raw_call(text.as_bytes()).await;
    assert_eq!(response.header.function, "patientsearch", "echoed as sent");
    assert_eq!(response.header.function_version, "1.0");
    match success(&response) {
        AnyResponse::PatientSearch(found) => {
            assert_eq!(found.results.len(), 1);
            assert_eq!(found.results[0].first_name, "Sam");
        }
        other => panic!("{other:?}"),
    }

    let flag = format!(
        "<Identity><NHSNumber>{}</NHSNumber></Identity><LeaveRecordOpen></LeaveRecordOpen><Filter><demographics></demographics></Filter>",
        nhs(1)
    );
    let (response, _) = client
        .raw_call(document(&device, UID, "GetPatientRecord", &flag).as_bytes())
        .await;
    match success(&response) {
        AnyResponse::GetPatientRecord(record) => {
            assert_eq!(record.record_state, Some(RecordState::Open));
            assert!(record.clinical.is_none(), "demographics only");
        }
        other => panic!("{other:?}"),
    }
    // A request without FunctionParameters at all.
    let bare = format!(
        "<ClientIntegrationRequest><APIKey>TEST-API-KEY</APIKey><DeviceID>{device}</DeviceID><DeviceVersion/>\
         <RequestUID>{UID}</RequestUID><Function>IsPatientRetrieved</Function><FunctionVersion>1.00</FunctionVersion></ClientIntegrationRequest>"
    );
    let (response, _) = client.raw_call(bare.as_bytes()).await;
    match success(&response) {
        AnyResponse::IsPatientRetrieved(answer) => assert!(answer.is_patient_retrieved),
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn delete_from_patient_record_is_an_alias() {
    let (mock, mut client) = paired_mock().await;
    let device = client.device_id.clone();
    let added = client
        .ok(UpdatePatientRecord {
            identity: identity(1),
            clinical: Some(Clinical {
                events: vec![Event::narrative(start_time(), ["to go".to_owned()])],
                ..Clinical::default()
            }),
            ..UpdatePatientRecord::default()
        })
        .await;
    let uid = &added.event_uids[0];
    // The specification's order: Reason before the UIDs.
    let params = format!(
        "<Identity><NhsNumber>{}</NhsNumber></Identity><Reason>Sent in error</Reason><EventUID>{uid}</EventUID>",
        nhs(1)
    );
    client
        .send_raw(document(&device, UID, "DeleteFromPatientRecord", &params).as_bytes())
        .await;
    let document = client.read_document().await.unwrap();
    let response = decode_response::<DeletePatientRecord>(&document).unwrap();
    assert_eq!(response.header.function, "DeleteFromPatientRecord");
    assert_eq!(
        response.body.unwrap().record_state,
        Some(RecordState::Closed)
    );
    assert!(mock.record(&nhs(1)).unwrap().event(uid.as_str()).is_none());
    assert_eq!(mock.count::<DeletePatientRecord>(), 1);
}

#[tokio::test]
async fn two_requests_in_one_write_are_answered_in_order() {
    let (mock, mut client) = paired_mock().await;
    let device = client.device_id.clone();
    let mut both = document(&device, "first", "IsPatientRetrieved", "").into_bytes();
    both.extend_from_slice(
        document(&device, "second", "PatientSearch", search_params()).as_bytes(),
    );
    // No newline between them, nor after the second.
    let both = String::from_utf8(both).unwrap().replace(
        "</ClientIntegrationRequest>\n",
        "</ClientIntegrationRequest>",
    );
    client.send_raw(both.as_bytes()).await;
    let (first, _) = client.receive_any().await;
    let (second, _) = client.receive_any().await;
    assert_eq!(first.header.request_uid, "first");
    assert!(matches!(
        success(&first),
        AnyResponse::IsPatientRetrieved(_)
    ));
    assert_eq!(second.header.request_uid, "second");
    assert_found_alex(&second);
    let requests = mock.requests();
    assert_eq!(requests.len(), 3);
    assert!(requests.iter().all(|r| r.connection == 1));
}

#[tokio::test]
async fn a_request_split_byte_by_byte_across_writes() {
    let (_mock, mut client) = paired_mock().await;
    let device = client.device_id.clone();
    let text = document(&device, UID, "PatientSearch", search_params());
    for byte in text.as_bytes() {
        client.send_raw(std::slice::from_ref(byte)).await;
        tokio::task::yield_now().await;
    }
    let (response, _) = client.receive_any().await;
    assert_found_alex(&response);
}

#[tokio::test]
async fn wrong_root_is_e9_and_the_connection_stays_usable() {
    let (mock, mut client) = paired_mock().await;
    let (response, _) = client
        .raw_call(b"<ClientIntegrationRequst><APIKey>k</APIKey><RequestUID>r-1</RequestUID></ClientIntegrationRequst>\n")
        .await;
    let error = error_of(response);
    assert_eq!(
        error.message,
        "Invalid root element ClientIntegrationRequst"
    );
    assert_eq!(error.permanent, Some(true));
    client.ok(IsPatientRetrieved::default()).await;
    let first = &mock.requests()[1];
    assert!(first.request.is_none());
    assert!(first.decode_error.is_some());
    assert!(matches!(
        &first.outcome,
        RequestOutcome::Error {
            permanent: true,
            ..
        }
    ));
}

#[tokio::test]
async fn missing_envelope_elements_are_e10_with_what_was_recovered() {
    let (_mock, mut client) = paired_mock().await;
    let device = client.device_id.clone();
    let full = document(&device, UID, "IsPatientRetrieved", "");
    for (line, name) in [
        ("  <APIKey>TEST-API-KEY</APIKey>\n", "APIKey"),
        (&*format!("  <DeviceID>{device}</DeviceID>\n"), "DeviceID"),
        (
            "  <DeviceVersion>Hand Written 1.0</DeviceVersion>\n",
            "DeviceVersion",
        ),
        (
            "  <FunctionVersion>1.0</FunctionVersion>\n",
            "FunctionVersion",
        ),
    ] {
        let text = full.replace(line, "");
        assert_ne!(text, full);
        let (response, _) = client.raw_call(text.as_bytes()).await;
        assert_eq!(response.header.request_uid, UID, "RequestUID recovered");
        assert_eq!(
            response.header.device_id, "",
            "DeviceID is empty on undecodable requests"
        );
        let error = error_of(response);
        assert_eq!(error.message, format!("Missing mandatory element {name}"));
        assert_eq!(error.permanent, Some(true));
    }
    // TPP's obsolete names instead of the current ones.
    let obsolete = full
        .replace(
            "<APIKey>TEST-API-KEY</APIKey>",
            "<ApplicationKey>TEST-API-KEY</ApplicationKey>",
        )
        .replace(
            "<DeviceVersion>Hand Written 1.0</DeviceVersion>",
            "<ApplicationVersion>1</ApplicationVersion>",
        );
    let (response, _) = client.raw_call(obsolete.as_bytes()).await;
    assert_eq!(
        error_of(response).message,
        "Missing mandatory element APIKey"
    );
    let no_uid = full.replace(&format!("  <RequestUID>{UID}</RequestUID>\n"), "");
    let (response, _) = client.raw_call(no_uid.as_bytes()).await;
    assert_eq!(response.header.request_uid, "");
    assert_eq!(response.header.function, "IsPatientRetrieved");
    assert_eq!(
        error_of(response).message,
        "Missing mandatory element RequestUID"
    );
    client.ok(IsPatientRetrieved::default()).await;
}

#[tokio::test]
async fn unknown_function_is_e11() {
    let (_mock, mut client) = paired_mock().await;
    let device = client.device_id.clone();
    let (response, _) = client
        .raw_call(document(&device, UID, "GetPatient", "").as_bytes())
        .await;
    assert_eq!(response.header.function, "GetPatient");
    assert_eq!(response.header.request_uid, UID);
    let error = error_of(response);
    assert_eq!(error.message, "Unknown function GetPatient");
    assert_eq!(error.permanent, Some(true));
}

#[tokio::test]
async fn bad_output_scheme_is_e12() {
    let (_mock, mut client) = paired_mock().await;
    let device = client.device_id.clone();
    for (scheme, value) in [
        ("<Codes>Read2</Codes>", "Read2"),
        ("<Drugs>BNF</Drugs>", "BNF"),
    ] {
        let text = document(&device, UID, "IsPatientRetrieved", "").replace(
            "  <FunctionParameters>",
            &format!("  <OutputScheme>{scheme}</OutputScheme>\n  <FunctionParameters>"),
        );
        let (response, _) = client.raw_call(text.as_bytes()).await;
        let error = error_of(response);
        assert_eq!(error.message, format!("Invalid coding scheme {value}"));
        assert_eq!(error.permanent, Some(true));
    }
    // The supported schemes, in any case.
    let text = document(&device, UID, "IsPatientRetrieved", "").replace(
        "  <FunctionParameters>",
        "  <OutputScheme><Drugs>dmd</Drugs><Codes>SNOMED</Codes></OutputScheme>\n  <FunctionParameters>",
    );
    let (response, _) = client.raw_call(text.as_bytes()).await;
    assert!(response.body.is_ok());
}

#[tokio::test]
async fn unsupported_function_version_is_e17() {
    let (_mock, mut client) = paired_mock().await;
    let device = client.device_id.clone();
    let versioned = |v: &str| {
        document(&device, UID, "GetFunctions", "").replace(
            "<FunctionVersion>1.0</FunctionVersion>",
            &format!("<FunctionVersion>{v}</FunctionVersion>"),
        )
    };
    for version in ["2.0", "0.9", "one"] {
        let (response, _) = client.raw_call(versioned(version).as_bytes()).await;
        assert_eq!(response.header.function_version, version);
        let error = error_of(response);
        assert_eq!(
            error.message,
            format!("Function GetFunctions version {version} is not supported")
        );
        assert_eq!(error.permanent, Some(true));
    }
    for version in ["1", "1.00", " 1.0 "] {
        let (response, _) = client.raw_call(versioned(version).as_bytes()).await;
        assert!(response.body.is_ok(), "version {version:?}");
        assert_eq!(response.header.function_version, "1.0");
    }
}

#[tokio::test]
async fn garbage_gets_an_error_and_the_connection_closes() {
    let (mock, mut client) = paired_mock().await;
    client.send_raw(b"\x00\x01garbage that is not XML\n").await;
    let bytes = client.read_to_end().await;
    let text = String::from_utf8_lossy(&bytes);
    let response = decode_any_response(text.trim_end().as_bytes()).unwrap();
    let error = error_of(response);
    assert!(
        error.message.starts_with("Invalid request: "),
        "{}",
        error.message
    );
    assert_eq!(error.permanent, Some(true));
    assert!(text.ends_with('\n'));
    // The mock carries on for other connections.
    let mut other = TestClient::paired(mock.addr()).await;
    other.ok(IsPatientRetrieved::default()).await;

    // Garbage after a good start closes the connection too.
    let mut third = TestClient::paired(mock.addr()).await;
    third
        .send_raw(b"<ClientIntegrationRequest><APIKey>k</APIKey>< / \x01>")
        .await;
    let bytes = third.read_to_end().await;
    let error = error_of(
        decode_any_response(String::from_utf8_lossy(&bytes).trim_end().as_bytes()).unwrap(),
    );
    assert!(
        error.message.starts_with("Invalid request: "),
        "{}",
        error.message
    );
}

#[tokio::test]
async fn raw_line_breaks_in_task_content_come_back_raw() {
    for raw in [true, false] {
        let mock = builder()
            .raw_line_breaks(raw)
            .patients(vec![alex()])
            .start()
            .await
            .unwrap();
        let mut client = TestClient::paired(mock.addr()).await;
        let content = "Please call the patient back.\nThey asked about results.\r\nUrgent.";
        client
            .ok(UpdatePatientRecord {
                identity: identity(1),
                non_clinical: Some(NonClinical {
                    tasks: vec![Task::new("Admin", content)],
                    ..NonClinical::default()
                }),
                ..UpdatePatientRecord::default()
            })
            .await;
        let text = client
            .call_raw_text(GetPatientRecord {
                identity: Some(identity(1)),
                filter: Some(Filter {
                    tasks: true,
                    ..Filter::default()
                }),
                ..GetPatientRecord::default()
            })
            .await;
        if raw {
            assert!(text.contains("back.\nThey"), "{text}");
            // A CR stays a reference: a raw one would read back as LF.
            assert!(text.contains("results.&#13;\nUrgent"), "{text}");
        } else {
            assert!(!text.trim_end().contains('\n'), "{text}");
            assert!(text.contains("back.&#10;They"), "{text}");
        }
        let response = decode_response::<GetPatientRecord>(text.as_bytes()).unwrap();
        let tasks = response.body.unwrap().non_clinical.unwrap().tasks;
        assert_eq!(tasks[0].content.as_deref(), Some(content));
        // The test client's framing still finds the next document.
        client.ok(IsPatientRetrieved::default()).await;
    }
}

#[tokio::test]
async fn a_request_for_another_device_uid_echoes_its_request_uid_byte_for_byte() {
    let (_mock, mut client) = paired_mock().await;
    let device = client.device_id.clone();
    let uid = "  MixedCase-uid-with-spaces  ";
    let (response, _) = client
        .raw_call(document(&device, uid, "IsPatientRetrieved", "").as_bytes())
        .await;
    assert_eq!(response.header.request_uid, uid);
}
