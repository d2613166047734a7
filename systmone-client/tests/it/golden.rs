//! Golden documents for every function of the Client Integration protocol.
//!
//! For each of the 17 functions: a pretty-printed request and response in
//! the style of PROTOCOL.md's skeletons (full envelope, §2.4 and §3.4), which
//! must decode to an explicitly built typed value, and the exact one-line
//! document the encoder must produce from that value (schema order and
//! casing, byte for byte). A property test then mutates every golden
//! document and checks that neither the decoders nor the framing codec
//! panic.
//!
//! The documents are files under `tests/golden/<Function>/`
//! (`request.xml`, `request.wire.xml`, `response.xml`, `response.wire.xml`,
//! and named variants such as `error.response.xml`), listed once in the
//! `goldens!` table. Each function's typed values are built here; one table
//! test, [`every_golden_document_decodes_and_encodes_exactly`], runs every
//! check, and another fails when a file on disk is not in the table or a
//! function has no goldens. To add a golden: write its files, add them to
//! `goldens!`, and add a check to `CHECKS`.

use bytes::{Bytes, BytesMut};
use chrono::{NaiveDate, NaiveDateTime};
use proptest::prelude::*;
use systmone_client::proto::*;
use systmone_client::proto::{Decimal, Minutes};
use tokio_util::codec::Decoder;

/// Builds a value of a `#[non_exhaustive]` wire type field by field, from
/// its default (outside the crate a struct expression cannot build one).
macro_rules! build {
    ($ty:ident { $($field:ident : $value:expr),* $(,)? }) => {{
        let mut value = $ty::default();
        $(value.$field = $value;)*
        value
    }};
}

// ---------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------

const API_KEY: &str = "0a1b2c3d4e5f6071";
const DEVICE_ID: &str = "8e7d6c5b4a392817";
const DEVICE_VERSION: &str = "AcmeVitals 2.3.1";

fn request_header(request_uid: &str) -> RequestHeader {
    RequestHeader {
        api_key: API_KEY.into(),
        device_id: DEVICE_ID.into(),
        device_version: DEVICE_VERSION.into(),
        request_uid: request_uid.into(),
        function_version: "1.0".into(),
        output_scheme: None,
    }
}

fn response_header(function: &str, request_uid: &str, response_uid: &str) -> ResponseHeader {
    ResponseHeader {
        device_id: DEVICE_ID.into(),
        request_uid: request_uid.into(),
        function: function.into(),
        function_version: "1.0".into(),
        response_uid: response_uid.into(),
    }
}

fn date(text: &str) -> NaiveDate {
    text.parse().expect("a valid date in the test")
}

fn date_time(text: &str) -> NaiveDateTime {
    text.parse().expect("a valid date-time in the test")
}

fn decimal(text: &str) -> Decimal {
    Decimal::new(text).expect("a valid decimal in the test")
}

fn identity(nhs_number: &str) -> Identity {
    Identity {
        nhs_number: Some(nhs_number.into()),
        ..Identity::default()
    }
}

fn identity_with_sri(nhs_number: &str, sri: &str) -> Identity {
    Identity {
        nhs_number: Some(nhs_number.into()),
        strategic_reporting_identifier: Some(sri.into()),
        ..Identity::default()
    }
}

fn text(bytes: &[u8]) -> &str {
    std::str::from_utf8(bytes).expect("the encoder writes UTF-8")
}

/// Checks a request golden: the pretty document decodes to `parameters`
/// under `header`; encoding them gives exactly `wire`; `wire` decodes back.
fn check_request<P: Function>(pretty: &str, header: RequestHeader, parameters: P, wire: &str) {
    let expected = Request::any(header.clone(), parameters.clone().into_any());
    let decoded = decode_request(pretty.as_bytes())
        .unwrap_or_else(|e| panic!("golden request does not decode: {e}\n{pretty}"));
    assert_eq!(decoded, expected, "decoded pretty request");
    assert_eq!(decoded.function(), P::NAME);

    let encoded = encode_request(&Request::new(header, parameters), EncodeOptions::default())
        .expect("the golden request encodes");
    assert_eq!(text(&encoded), wire, "encoded request");
    assert!(!encoded.contains(&b'\n') && !encoded.contains(&b'\r'));

    let back = decode_request(wire.as_bytes())
        .unwrap_or_else(|e| panic!("the one-line request does not decode: {e}"));
    assert_eq!(back, expected, "decoded one-line request");
}

/// Checks a response golden: the pretty document decodes (typed by the
/// request type `P`) to `expected`; encoding it gives exactly `wire`;
/// `wire` decodes back, also through the untyped entry points.
fn check_response<P: Function>(pretty: &str, expected: Response<P::Response>, wire: &str) {
    let decoded = decode_response::<P>(pretty.as_bytes())
        .unwrap_or_else(|e| panic!("golden response does not decode: {e}\n{pretty}"));
    assert_eq!(decoded, expected, "decoded pretty response");

    let encoded =
        encode_response(&expected, EncodeOptions::default()).expect("the golden response encodes");
    assert_eq!(text(&encoded), wire, "encoded response");
    assert!(!encoded.contains(&b'\n') && !encoded.contains(&b'\r'));

    let back = decode_response::<P>(wire.as_bytes())
        .unwrap_or_else(|e| panic!("the one-line response does not decode: {e}"));
    assert_eq!(back, expected, "decoded one-line response");
    let any = decode_any_response(pretty.as_bytes()).expect("decodes untyped");
    assert_eq!(any.header, expected.header);
    match (&any.body, &expected.body) {
        (Ok(answer), Ok(_)) => assert_eq!(answer.function_name(), P::NAME),
        (Err(a), Err(b)) => assert_eq!(a, b),
        (a, b) => panic!("untyped body {a:?} differs in kind from {b:?}"),
    }
}

// ---------------------------------------------------------------------------
// 9.1 GetFunctions — sent as the pairing request, with an empty DeviceID (§4)
// ---------------------------------------------------------------------------

/// Every golden document, one file each under `tests/golden/<Function>/`:
/// the pretty form (`*.xml`, as PROTOCOL.md's skeletons write them) and the
/// exact one-line form the encoder must produce (`*.wire.xml`).
macro_rules! goldens {
    ($($name:ident = $path:literal;)*) => {
        $(const $name: &str = include_str!(concat!("../golden/", $path));)*
        /// Every file the tests read, relative to `tests/golden`.
        const GOLDEN_FILES: &[&str] = &[$($path),*];
    };
}

goldens! {
    GET_FUNCTIONS_REQUEST = "GetFunctions/request.xml";
    GET_FUNCTIONS_REQUEST_WIRE = "GetFunctions/request.wire.xml";
    GET_FUNCTIONS_RESPONSE = "GetFunctions/response.xml";
    GET_FUNCTIONS_RESPONSE_WIRE = "GetFunctions/response.wire.xml";
    GET_ORGANISATION_META_DATA_REQUEST = "GetOrganisationMetaData/request.xml";
    GET_ORGANISATION_META_DATA_REQUEST_WIRE = "GetOrganisationMetaData/request.wire.xml";
    GET_ORGANISATION_META_DATA_RESPONSE = "GetOrganisationMetaData/response.xml";
    GET_ORGANISATION_META_DATA_RESPONSE_WIRE = "GetOrganisationMetaData/response.wire.xml";
    GET_CURRENT_ACTIVITY_REQUEST = "GetCurrentActivity/request.xml";
    GET_CURRENT_ACTIVITY_REQUEST_WIRE = "GetCurrentActivity/request.wire.xml";
    GET_CURRENT_ACTIVITY_RESPONSE = "GetCurrentActivity/response.xml";
    GET_CURRENT_ACTIVITY_RESPONSE_WIRE = "GetCurrentActivity/response.wire.xml";
    GET_CURRENT_SELECTION_REQUEST = "GetCurrentSelection/request.xml";
    GET_CURRENT_SELECTION_REQUEST_WIRE = "GetCurrentSelection/request.wire.xml";
    GET_CURRENT_SELECTION_RESPONSE = "GetCurrentSelection/response.xml";
    GET_CURRENT_SELECTION_RESPONSE_WIRE = "GetCurrentSelection/response.wire.xml";
    PATIENT_SEARCH_REQUEST = "PatientSearch/request.xml";
    PATIENT_SEARCH_REQUEST_WIRE = "PatientSearch/request.wire.xml";
    PATIENT_SEARCH_RESPONSE = "PatientSearch/response.xml";
    PATIENT_SEARCH_RESPONSE_WIRE = "PatientSearch/response.wire.xml";
    PATIENT_SEARCH_ERROR_RESPONSE = "PatientSearch/error.response.xml";
    PATIENT_SEARCH_ERROR_RESPONSE_WIRE = "PatientSearch/error.response.wire.xml";
    GET_PATIENT_RECORD_REQUEST = "GetPatientRecord/request.xml";
    GET_PATIENT_RECORD_REQUEST_WIRE = "GetPatientRecord/request.wire.xml";
    GET_PATIENT_RECORD_RESPONSE = "GetPatientRecord/response.xml";
    GET_PATIENT_RECORD_RESPONSE_WIRE = "GetPatientRecord/response.wire.xml";
    UPDATE_PATIENT_RECORD_REQUEST = "UpdatePatientRecord/request.xml";
    UPDATE_PATIENT_RECORD_REQUEST_WIRE = "UpdatePatientRecord/request.wire.xml";
    UPDATE_PATIENT_RECORD_RESPONSE = "UpdatePatientRecord/response.xml";
    UPDATE_PATIENT_RECORD_RESPONSE_WIRE = "UpdatePatientRecord/response.wire.xml";
    BOOK_APPOINTMENT_REQUEST = "UpdatePatientRecord/book-appointment.request.xml";
    BOOK_APPOINTMENT_REQUEST_WIRE = "UpdatePatientRecord/book-appointment.request.wire.xml";
    BOOK_APPOINTMENT_RESPONSE = "UpdatePatientRecord/book-appointment.response.xml";
    BOOK_APPOINTMENT_RESPONSE_WIRE = "UpdatePatientRecord/book-appointment.response.wire.xml";
    CHANGE_MOBILE_AND_ATTACH_REQUEST = "UpdatePatientRecord/change-mobile-and-attach.request.xml";
    CHANGE_MOBILE_AND_ATTACH_REQUEST_WIRE = "UpdatePatientRecord/change-mobile-and-attach.request.wire.xml";
    CHANGE_MOBILE_AND_ATTACH_RESPONSE = "UpdatePatientRecord/change-mobile-and-attach.response.xml";
    CHANGE_MOBILE_AND_ATTACH_RESPONSE_WIRE = "UpdatePatientRecord/change-mobile-and-attach.response.wire.xml";
    GET_DOCUMENT_REQUEST = "GetDocument/request.xml";
    GET_DOCUMENT_REQUEST_WIRE = "GetDocument/request.wire.xml";
    GET_DOCUMENT_RESPONSE = "GetDocument/response.xml";
    GET_DOCUMENT_RESPONSE_WIRE = "GetDocument/response.wire.xml";
    DELETE_PATIENT_RECORD_REQUEST = "DeletePatientRecord/request.xml";
    DELETE_PATIENT_RECORD_REQUEST_WIRE = "DeletePatientRecord/request.wire.xml";
    DELETE_PATIENT_RECORD_RESPONSE = "DeletePatientRecord/response.xml";
    DELETE_PATIENT_RECORD_RESPONSE_WIRE = "DeletePatientRecord/response.wire.xml";
    GET_APPOINTMENT_SLOTS_REQUEST = "GetAppointmentSlots/request.xml";
    GET_APPOINTMENT_SLOTS_REQUEST_WIRE = "GetAppointmentSlots/request.wire.xml";
    GET_APPOINTMENT_SLOTS_RESPONSE = "GetAppointmentSlots/response.xml";
    GET_APPOINTMENT_SLOTS_RESPONSE_WIRE = "GetAppointmentSlots/response.wire.xml";
    GET_DIARY_REQUEST = "GetDiary/request.xml";
    GET_DIARY_REQUEST_WIRE = "GetDiary/request.wire.xml";
    GET_DIARY_RESPONSE = "GetDiary/response.xml";
    GET_DIARY_RESPONSE_WIRE = "GetDiary/response.wire.xml";
    EXIT_CLIENT_REQUEST = "ExitClient/request.xml";
    EXIT_CLIENT_REQUEST_WIRE = "ExitClient/request.wire.xml";
    EXIT_CLIENT_RESPONSE = "ExitClient/response.xml";
    EXIT_CLIENT_RESPONSE_WIRE = "ExitClient/response.wire.xml";
    DATA_EXTRACT_REQUEST = "DataExtract/request.xml";
    DATA_EXTRACT_REQUEST_WIRE = "DataExtract/request.wire.xml";
    DATA_EXTRACT_RESPONSE = "DataExtract/response.xml";
    DATA_EXTRACT_RESPONSE_WIRE = "DataExtract/response.wire.xml";
    LAUNCH_FUNCTIONALITY_REQUEST = "LaunchFunctionality/request.xml";
    LAUNCH_FUNCTIONALITY_REQUEST_WIRE = "LaunchFunctionality/request.wire.xml";
    LAUNCH_FUNCTIONALITY_RESPONSE = "LaunchFunctionality/response.xml";
    LAUNCH_FUNCTIONALITY_RESPONSE_WIRE = "LaunchFunctionality/response.wire.xml";
    GET_XSD_FILES_REQUEST = "GetXSDFiles/request.xml";
    GET_XSD_FILES_REQUEST_WIRE = "GetXSDFiles/request.wire.xml";
    GET_XSD_FILES_RESPONSE = "GetXSDFiles/response.xml";
    GET_XSD_FILES_RESPONSE_WIRE = "GetXSDFiles/response.wire.xml";
    GET_REFERENCE_DATA_REQUEST = "GetReferenceData/request.xml";
    GET_REFERENCE_DATA_REQUEST_WIRE = "GetReferenceData/request.wire.xml";
    GET_REFERENCE_DATA_RESPONSE = "GetReferenceData/response.xml";
    GET_REFERENCE_DATA_RESPONSE_WIRE = "GetReferenceData/response.wire.xml";
    IS_PATIENT_RETRIEVED_REQUEST = "IsPatientRetrieved/request.xml";
    IS_PATIENT_RETRIEVED_REQUEST_WIRE = "IsPatientRetrieved/request.wire.xml";
    IS_PATIENT_RETRIEVED_RESPONSE = "IsPatientRetrieved/response.xml";
    IS_PATIENT_RETRIEVED_RESPONSE_WIRE = "IsPatientRetrieved/response.wire.xml";
}

fn get_functions_request() {
    let header = RequestHeader {
        device_id: String::new(),
        ..request_header("9b2e6d14-3a7c-4f08-b1d5-6e0a2c8f4b17")
    };
    check_request(
        GET_FUNCTIONS_REQUEST,
        header,
        GetFunctions {},
        GET_FUNCTIONS_REQUEST_WIRE,
    );
}

fn get_functions_response() {
    let expected = Response {
        header: response_header(
            "GetFunctions",
            "9b2e6d14-3a7c-4f08-b1d5-6e0a2c8f4b17",
            "2F8C1A6E-4B0D-4C93-9E27-5A1D3B6F0C84",
        ),
        body: Ok(build!(GetFunctionsResponse {
            supported_functions: vec![
                SupportedFunction {
                    function: "GetFunctions".into(),
                    versions: vec![decimal("1.0")],
                },
                SupportedFunction {
                    function: "PatientSearch".into(),
                    versions: vec![decimal("1.0")],
                },
            ],
        })),
    };
    check_response::<GetFunctions>(
        GET_FUNCTIONS_RESPONSE,
        expected,
        GET_FUNCTIONS_RESPONSE_WIRE,
    );
}

// ---------------------------------------------------------------------------
// 9.2 GetOrganisationMetaData
// ---------------------------------------------------------------------------

fn get_organisation_meta_data_request() {
    check_request(
        GET_ORGANISATION_META_DATA_REQUEST,
        request_header("c4a81f35-7e29-4d6b-a0f3-18b5d2e9c760"),
        GetOrganisationMetaData {
            logged_on_user_only: true,
        },
        GET_ORGANISATION_META_DATA_REQUEST_WIRE,
    );
}

fn get_organisation_meta_data_response() {
    let site = Site {
        name: "Riverside Test Practice".into(),
        id: "Z99999".into(),
        telephone: "01000 000001".into(),
        fax: None,
        email: None,
        address: Some(Address {
            house_name: Some("Riverside House".into()),
            road: Some("Mill Lane".into()),
            town: Some("Testbury".into()),
            postcode: Some("ZZ99 1AA".into()),
            ..Address::default()
        }),
        primary_site: true,
        current_site: true,
        other: vec![],
        other_attributes: vec![],
    };
    let user = User {
        title: "Dr".into(),
        first_name: "Sam".into(),
        middle_names: String::new(),
        surname: "Example".into(),
        user_name: "sexample01".into(),
        gender: Some(Sex::Female),
        role: "General Medical Practitioner".into(),
        role_code: None,
        national_id: Some("0000001".into()),
        national_id_type: Some("GMC".into()),
        access_rights: Some(AccessRights {
            access: vec!["can record clinical data".into()],
        }),
        user_groups: None,
        teams: Some(Teams {
            teams: vec!["Clinicians".into()],
        }),
        current_user: true,
        other: vec![],
        other_attributes: vec![],
    };
    let expected = Response {
        header: response_header(
            "GetOrganisationMetaData",
            "c4a81f35-7e29-4d6b-a0f3-18b5d2e9c760",
            "7D3A9E01-C5B8-4F26-8A4D-E19B0C7F3256",
        ),
        body: Ok(build!(GetOrganisationMetaDataResponse {
            sites: vec![site],
            users: vec![user],
            slot_types: vec!["Routine".into()],
            clinic_types: vec!["Minor Illness Clinic".into()],
            other: vec![],
            other_attributes: vec![],
        })),
    };
    check_response::<GetOrganisationMetaData>(
        GET_ORGANISATION_META_DATA_RESPONSE,
        expected,
        GET_ORGANISATION_META_DATA_RESPONSE_WIRE,
    );
}

// ---------------------------------------------------------------------------
// 9.3 GetCurrentActivity — sent without FunctionParameters, as TPP's
// templates do (§2.1, C5)
// ---------------------------------------------------------------------------

fn get_current_activity_request() {
    check_request(
        GET_CURRENT_ACTIVITY_REQUEST,
        request_header("1e7f3b92-8c40-4a5d-9f16-d2b7a0c4e385"),
        GetCurrentActivity {},
        GET_CURRENT_ACTIVITY_REQUEST_WIRE,
    );
}

fn get_current_activity_response() {
    let expected = Response {
        header: response_header(
            "GetCurrentActivity",
            "1e7f3b92-8c40-4a5d-9f16-d2b7a0c4e385",
            "B4E60C2D-1F97-4A38-B5C0-6D82E1F4A973",
        ),
        body: Ok(build!(GetCurrentActivityResponse {
            identity: Some(identity_with_sri("9990000018", "501")),
            activities: vec!["Patient Actions".into(), "Clinical Tree".into()],
            current_selection: Some(CurrentSelection::default()),
        })),
    };
    check_response::<GetCurrentActivity>(
        GET_CURRENT_ACTIVITY_RESPONSE,
        expected,
        GET_CURRENT_ACTIVITY_RESPONSE_WIRE,
    );
}

// ---------------------------------------------------------------------------
// 9.4 GetCurrentSelection — the request is §2.4's skeleton, and its wire
// form is §2.4's "on the wire" line
// ---------------------------------------------------------------------------

// Copied from PROTOCOL.md §2.4 ("On the wire").

fn get_current_selection_request() {
    let header = RequestHeader {
        output_scheme: Some(OutputScheme {
            drugs: None,
            codes: Some(CodeScheme::Snomed),
        }),
        ..request_header("3f2a9c1e-7b44-4d0a-9e61-5c2b8f7d1a90")
    };
    check_request(
        GET_CURRENT_SELECTION_REQUEST,
        header,
        GetCurrentSelection {},
        GET_CURRENT_SELECTION_REQUEST_WIRE,
    );
}

fn get_current_selection_response() {
    let expected = Response {
        header: response_header(
            "GetCurrentSelection",
            "3f2a9c1e-7b44-4d0a-9e61-5c2b8f7d1a90",
            "1D4B8F2A-6E03-4C97-A5B1-0F8E3D6C2A79",
        ),
        body: Ok(build!(GetCurrentSelectionResponse {
            identity: Some(identity_with_sri("9990000026", "502")),
            current_selection: CurrentSelection {
                drugs: vec![Drug {
                    scheme: DrugScheme::Multilex,
                    product_id: "1111111".into(),
                    pack_id: None,
                    name: Some("Exampleprofen 200mg tablets".into()),
                }],
                codes: vec![Code {
                    scheme: CodeScheme::Snomed,
                    code: "73211009".into(),
                    term: Some("Diabetes mellitus".into()),
                }],
            },
        })),
    };
    check_response::<GetCurrentSelection>(
        GET_CURRENT_SELECTION_RESPONSE,
        expected,
        GET_CURRENT_SELECTION_RESPONSE_WIRE,
    );
}

// ---------------------------------------------------------------------------
// 9.5 PatientSearch — criteria in the specification's order (DateOfBirth,
// PostCode, …, C35), emitted in schema order; the error response is §3.4's
// ---------------------------------------------------------------------------

// PROTOCOL.md §3.4, "Error".

fn patient_search_request() {
    let parameters = PatientSearch {
        surname: Some("Tes".into()),
        date_of_birth: Some(date("1970-02-01")),
        post_code: Some("ZZ99".into()),
        ..PatientSearch::default()
    };
    assert_eq!(parameters.criteria_count(), 3);
    check_request(
        PATIENT_SEARCH_REQUEST,
        request_header("a6d93c0f-2e51-4b87-9c1a-f04e7b2d8c36"),
        parameters,
        PATIENT_SEARCH_REQUEST_WIRE,
    );
}

fn patient_search_response() {
    let expected = Response {
        header: response_header(
            "PatientSearch",
            "a6d93c0f-2e51-4b87-9c1a-f04e7b2d8c36",
            "E2C7A0B5-8D14-4F6E-93A2-1B5C8D0E7F49",
        ),
        body: Ok(build!(PatientSearchResponse {
            results: vec![PatientSearchResult {
                identity: identity_with_sri("9990000034", "503"),
                first_name: "Alex".into(),
                surname: "Testpatient".into(),
                date_of_birth: date("1970-02-01"),
                sex: Sex::Unknown,
                // `<Telephone></Telephone>` in the document: empty = absent (C36).
                telephone: None,
                address: Some(Address {
                    house_number: Some("7".into()),
                    road: Some("Example Street".into()),
                    town: Some("Testbury".into()),
                    postcode: Some("ZZ99 1AB".into()),
                    ..Address::default()
                }),
                other: vec![],
                other_attributes: vec![],
            }],
        })),
    };
    check_response::<PatientSearch>(
        PATIENT_SEARCH_RESPONSE,
        expected,
        PATIENT_SEARCH_RESPONSE_WIRE,
    );
}

fn patient_search_error_response() {
    let expected = Response {
        header: response_header(
            "PatientSearch",
            "5d0c7e21-0b9f-4a55-8f0e-2b6d1c9a7e44",
            "0B7E5A9C-3D21-4C8F-9A60-7F1E2D3C4B5A",
        ),
        body: Err(ErrorResponse {
            message: "At least two search parameters must be specified".into(),
            permanent: Some(true),
        }),
    };
    check_response::<PatientSearch>(
        PATIENT_SEARCH_ERROR_RESPONSE,
        expected.clone(),
        PATIENT_SEARCH_ERROR_RESPONSE_WIRE,
    );
    assert!(expected.body.expect_err("an error").is_permanent());
}

// ---------------------------------------------------------------------------
// 9.6 GetPatientRecord — the request in TPP's template style: XML
// declaration, CRLF line endings, tab indentation (§1.6, §1.7)
// ---------------------------------------------------------------------------

// §9.6.8's response, plus a second event recorded through this product:
// its date-time carries the `.0Z` of the specification's example (§5.3),
// its `DoneBy` a significant trailing space, and its reading a linked
// problem.

fn get_patient_record_parameters() -> GetPatientRecord {
    GetPatientRecord {
        identity: Some(identity("9990000042")),
        leave_record_open: false,
        filter: Some(Filter {
            demographics: true,
            numeric: vec!["229..".into(), "22A..".into()],
            ..Filter::default()
        }),
    }
}

fn get_patient_record_request() {
    let parameters = get_patient_record_parameters();
    assert!(
        !parameters.is_exempt_at(date_time("2031-04-09T12:00:00")),
        "numerics are not exempt"
    );
    check_request(
        GET_PATIENT_RECORD_REQUEST,
        request_header("8e41b7d0-6c2a-4f93-a5e8-3d0f9b1c7a24"),
        parameters,
        GET_PATIENT_RECORD_REQUEST_WIRE,
    );
}

fn get_patient_record_response() {
    let demographics = PatientDemographics {
        title: "Mx".into(),
        first_name: "Jordan".into(),
        middle_names: String::new(),
        surname: "Sample".into(),
        known_as: None,
        date_of_birth: date("1985-11-23"),
        sex: Sex::Unknown,
        marital_status: Some(CodedValue::default()),
        ethnicity: Some(CodedValue::default()),
        main_language: Some(CodedValue::default()),
        english_speaker: Some(YesNoUnknown::Yes),
        address: Some(Address {
            house_number: Some("3".into()),
            road: Some("Test Road".into()),
            town: Some("Testbury".into()),
            postcode: Some("ZZ99 2CD".into()),
            ..Address::default()
        }),
        home_telephone: String::new(),
        work_telephone: String::new(),
        mobile_telephone: "07000 000000".into(),
        alternate_telephone: String::new(),
        email_address: String::new(),
        sms_consent: Some(YesNoUnknown::Yes),
        usual_gp_user_name: "sexample01".into(),
        care_start_date: Some(date("2004-06-01")),
        registration_type: Some("GMS".into()),
        other: vec![],
        other_attributes: vec![],
    };
    let weight = Event {
        date_time: Some(date_time("2031-03-02T10:15:00")),
        user_name: Some("sexample01".into()),
        done_by: Some("EXAMPLE, Sam (GP)".into()),
        done_at: Some("Surgery".into()),
        event_uid: Some(EventUid::from("5e01c20000000000")),
        clinical_codes: vec![ClinicalCode::reading(
            Code::new(CodeScheme::Ctv3, "22A..").with_term("O/E - weight"),
            decimal("71.5"),
            "kg",
        )],
        ..Event::default()
    };
    let height = Event {
        date_time: Some(date_time("2031-04-09T08:40:00")),
        done_by: Some("EXAMPLE, Sam (GP) ".into()),
        done_at: Some("Home".into()),
        software: Some("AcmeVitals".into()),
        event_uid: Some(EventUid::from("a41f7c0000000000")),
        clinical_codes: vec![ClinicalCode {
            linked_problem_uids: vec![ProblemUid::from("7d3e910000000000")],
            ..ClinicalCode::reading(
                Code::new(CodeScheme::Ctv3, "229..").with_term("O/E - height"),
                decimal("1.74"),
                "m",
            )
        }],
        ..Event::default()
    };
    let expected = Response {
        header: response_header(
            "GetPatientRecord",
            "8e41b7d0-6c2a-4f93-a5e8-3d0f9b1c7a24",
            "49A2D6F8-0E3B-4C71-B8E5-2F9A7C1D0B63",
        ),
        body: Ok(build!(GetPatientRecordResponse {
            identity: identity_with_sri("9990000042", "504"),
            demographics: Some(demographics),
            clinical: Some(Clinical {
                events: vec![weight, height],
                other: vec![],
                other_attributes: vec![],
            }),
            non_clinical: None,
            record_state: Some(RecordState::Closed),
            other: vec![],
            other_attributes: vec![],
        })),
    };
    check_response::<GetPatientRecord>(
        GET_PATIENT_RECORD_RESPONSE,
        expected,
        GET_PATIENT_RECORD_RESPONSE_WIRE,
    );
}

// ---------------------------------------------------------------------------
// 9.7 UpdatePatientRecord — §9.7.11's three skeletons: a numeric reading
// linked to a problem plus a task; booking into a nested Clinic/Slot; a
// demographics change with an attachment, leaving the record open
// ---------------------------------------------------------------------------

fn update_patient_record_request() {
    let event = Event {
        date_time: Some(date_time("2031-04-09T08:40:00")),
        done_at: Some("Home".into()),
        clinical_codes: vec![ClinicalCode {
            linked_problem_uids: vec![ProblemUid::from("7d3e910000000000")],
            ..ClinicalCode::reading(Code::new(CodeScheme::Ctv3, "22A.."), decimal("68.2"), "kg")
        }],
        ..Event::default()
    };
    let task = Task {
        task_type: Some("Clinical Review Required".into()),
        content: Some("Weight recorded by home monitor; please review.".into()),
        team_name_assigned: Some("Nurses".into()),
        ..Task::default()
    };
    assert_eq!(
        task,
        Task::new(
            "Clinical Review Required",
            "Weight recorded by home monitor; please review."
        )
        .assigned_to_team("Nurses")
    );
    let parameters = UpdatePatientRecord {
        identity: identity("9990000050"),
        clinical: Some(Clinical {
            events: vec![event],
            other: vec![],
            other_attributes: vec![],
        }),
        non_clinical: Some(NonClinical {
            tasks: vec![task],
            ..NonClinical::default()
        }),
        ..UpdatePatientRecord::default()
    };
    check_request(
        UPDATE_PATIENT_RECORD_REQUEST,
        request_header("d7f05a3c-91e4-4b26-8d0a-5c3e7f2b9e18"),
        parameters,
        UPDATE_PATIENT_RECORD_REQUEST_WIRE,
    );
}

fn update_patient_record_response() {
    let expected = Response {
        header: response_header(
            "UpdatePatientRecord",
            "d7f05a3c-91e4-4b26-8d0a-5c3e7f2b9e18",
            "1C9E4B7A-6F20-4D85-A3B1-8E0D5C2F7A96",
        ),
        body: Ok(build!(UpdatePatientRecordResponse {
            identity: identity_with_sri("9990000050", "505"),
            event_uids: vec![EventUid::from("a41f7c0000000000")],
            task_uids: vec![TaskUid::from("c9020b0000000000")],
            record_state: Some(RecordState::Closed)
        })),
    };
    check_response::<UpdatePatientRecord>(
        UPDATE_PATIENT_RECORD_RESPONSE,
        expected,
        UPDATE_PATIENT_RECORD_RESPONSE_WIRE,
    );
}

fn riverside_minor_illness_clinic() -> Clinic {
    Clinic {
        user_name: "sexample01".into(),
        site_name: "Riverside Test Practice".into(),
        clinic_type: "Minor Illness Clinic".into(),
        ..Clinic::default()
    }
}

fn routine_slot(start: &str) -> Slot {
    Slot {
        slot_type: "Routine".into(),
        date_time_start: date_time(start),
        duration: Minutes(10),
    }
}

fn update_patient_record_booking_request() {
    let appointment = Appointment {
        clinic: Some(Clinic {
            slots: vec![routine_slot("2031-04-10T14:20:00")],
            ..riverside_minor_illness_clinic()
        }),
        comments: Some("Booked by kiosk".into()),
        ..Appointment::default()
    };
    assert_eq!(
        appointment,
        Appointment {
            comments: Some("Booked by kiosk".into()),
            ..Appointment::book(
                riverside_minor_illness_clinic(),
                routine_slot("2031-04-10T14:20:00")
            )
        }
    );
    let parameters = UpdatePatientRecord {
        identity: identity("9990000050"),
        non_clinical: Some(NonClinical {
            appointments: vec![appointment],
            ..NonClinical::default()
        }),
        ..UpdatePatientRecord::default()
    };
    check_request(
        BOOK_APPOINTMENT_REQUEST,
        request_header("2b6c8e4f-0a17-4d39-b5e2-9f1a3c7d0e65"),
        parameters,
        BOOK_APPOINTMENT_REQUEST_WIRE,
    );
}

fn update_patient_record_booking_response() {
    let expected = Response {
        header: response_header(
            "UpdatePatientRecord",
            "2b6c8e4f-0a17-4d39-b5e2-9f1a3c7d0e65",
            "8F0A3D5C-2B94-4E17-9C6A-D3E8B1F05C42",
        ),
        body: Ok(build!(UpdatePatientRecordResponse {
            identity: identity_with_sri("9990000050", "505"),
            appointment_uids: vec![AppointmentUid::from("19b6e40000000000")],
            record_state: Some(RecordState::Closed)
        })),
    };
    check_response::<UpdatePatientRecord>(
        BOOK_APPOINTMENT_RESPONSE,
        expected,
        BOOK_APPOINTMENT_RESPONSE_WIRE,
    );
}

fn update_patient_record_demographics_and_attachment_request() {
    let parameters = UpdatePatientRecord {
        identity: identity("9990000050"),
        demographics: Some(DemographicsUpdate {
            mobile_telephone: Some("07000 000111".into()),
            ..DemographicsUpdate::default()
        }),
        clinical: Some(Clinical {
            events: vec![Event {
                attachments: vec![Attachment {
                    document_path: Some(r"C:\AcmeVitals\out\ecg-0001.pdf".into()),
                    comments: Some("Home ECG".into()),
                    ..Attachment::default()
                }],
                ..Event::default()
            }],
            other: vec![],
            other_attributes: vec![],
        }),
        non_clinical: None,
        leave_record_open: true,
    };
    check_request(
        CHANGE_MOBILE_AND_ATTACH_REQUEST,
        request_header("f3a07d29-5b8e-4c61-9d04-7e2a1b6c3f58"),
        parameters,
        CHANGE_MOBILE_AND_ATTACH_REQUEST_WIRE,
    );
}

fn update_patient_record_demographics_and_attachment_response() {
    let expected = Response {
        header: response_header(
            "UpdatePatientRecord",
            "f3a07d29-5b8e-4c61-9d04-7e2a1b6c3f58",
            "5E7B2C9D-A041-4F38-86D5-0C3F9A2E1B77",
        ),
        body: Ok(build!(UpdatePatientRecordResponse {
            identity: identity_with_sri("9990000050", "505"),
            event_uids: vec![
                EventUid::from("b52e080000000000"),
                EventUid::from("b52e090000000000"),
            ],
            record_state: Some(RecordState::Open)
        })),
    };
    check_response::<UpdatePatientRecord>(
        CHANGE_MOBILE_AND_ATTACH_RESPONSE,
        expected,
        CHANGE_MOBILE_AND_ATTACH_RESPONSE_WIRE,
    );
}

// ---------------------------------------------------------------------------
// 9.8 GetDocument — `NhsNumber` casing as in the specification's request
// examples (§6.3, C1), and the `<X></X>` form of a flag (§1.8)
// ---------------------------------------------------------------------------

fn get_document_request() {
    check_request(
        GET_DOCUMENT_REQUEST,
        request_header("6a3e9d1b-47c0-4e85-b2f9-0d8c5a1e7b43"),
        GetDocument {
            identity: identity("9990000069"),
            document_uid: DocumentUid::from("2b7d410000000000"),
            write_to: Some(r"C:\AcmeVitals\in".into()),
            leave_record_open: true,
        },
        GET_DOCUMENT_REQUEST_WIRE,
    );
}

fn get_document_response() {
    let expected = Response {
        header: response_header(
            "GetDocument",
            "6a3e9d1b-47c0-4e85-b2f9-0d8c5a1e7b43",
            "D0A5F2E8-3C69-4B14-A7E0-9B2D6F1C8E35",
        ),
        body: Ok(build!(GetDocumentResponse {
            document_files: vec![r"C:\AcmeVitals\in\400123.pdf".into()],
            record_state: Some(RecordState::Open),
        })),
    };
    check_response::<GetDocument>(GET_DOCUMENT_RESPONSE, expected, GET_DOCUMENT_RESPONSE_WIRE);
}

// ---------------------------------------------------------------------------
// 9.9 DeletePatientRecord — `Reason` before the UID, in the specification's
// and templates' order (C33); emitted in schema order
// ---------------------------------------------------------------------------

fn delete_patient_record_request() {
    check_request(
        DELETE_PATIENT_RECORD_REQUEST,
        request_header("0e8b5f27-c3d6-4a19-8e70-b4f2a9d1c6e3"),
        DeletePatientRecord {
            identity: Some(identity("9990000050")),
            event_uids: vec![EventUid::from("a41f7c0000000000")],
            reason: "Duplicate reading sent in error".into(),
            ..DeletePatientRecord::default()
        },
        DELETE_PATIENT_RECORD_REQUEST_WIRE,
    );
}

fn delete_patient_record_response() {
    let expected = Response {
        header: response_header(
            "DeletePatientRecord",
            "0e8b5f27-c3d6-4a19-8e70-b4f2a9d1c6e3",
            "3A6D0F9B-E527-4C82-B1F4-7E09C5A3D268",
        ),
        body: Ok(build!(DeletePatientRecordResponse {
            identity: identity_with_sri("9990000050", "505"),
            record_state: Some(RecordState::Closed),
        })),
    };
    check_response::<DeletePatientRecord>(
        DELETE_PATIENT_RECORD_RESPONSE,
        expected,
        DELETE_PATIENT_RECORD_RESPONSE_WIRE,
    );
}

// ---------------------------------------------------------------------------
// 9.10 GetAppointmentSlots
// ---------------------------------------------------------------------------

fn get_appointment_slots_request() {
    check_request(
        GET_APPOINTMENT_SLOTS_REQUEST,
        request_header("47d2a0e6-9f3b-4c58-a1e7-6b0d3f8c2a95"),
        GetAppointmentSlots {
            min_date_time: Some(date_time("2031-04-10T08:00:00")),
            max_date_time: Some(date_time("2031-04-10T18:00:00")),
            slot_types: vec!["Routine".into()],
            ..GetAppointmentSlots::default()
        },
        GET_APPOINTMENT_SLOTS_REQUEST_WIRE,
    );
}

fn get_appointment_slots_response() {
    let expected = Response {
        header: response_header(
            "GetAppointmentSlots",
            "47d2a0e6-9f3b-4c58-a1e7-6b0d3f8c2a95",
            "C8F1B4A7-5D30-4E29-9B62-A0E7D3C1F584",
        ),
        body: Ok(build!(GetAppointmentSlotsResponse {
            clinics: vec![Clinic {
                slots: vec![
                    routine_slot("2031-04-10T14:20:00"),
                    routine_slot("2031-04-10T14:30:00"),
                ],
                ..riverside_minor_illness_clinic()
            }],
        })),
    };
    check_response::<GetAppointmentSlots>(
        GET_APPOINTMENT_SLOTS_RESPONSE,
        expected,
        GET_APPOINTMENT_SLOTS_RESPONSE_WIRE,
    );
}

// ---------------------------------------------------------------------------
// 9.11 GetDiary
// ---------------------------------------------------------------------------

fn get_diary_request() {
    check_request(
        GET_DIARY_REQUEST,
        request_header("b9c4e7a2-1d06-4f73-8a5b-e2f0c6d9a314"),
        GetDiary {
            min_date_time: Some(date_time("2031-04-10T00:00:00")),
            max_date_time: Some(date_time("2031-04-11T00:00:00")),
            visits: true,
            ..GetDiary::default()
        },
        GET_DIARY_REQUEST_WIRE,
    );
}

fn get_diary_response() {
    let expected = Response {
        header: response_header(
            "GetDiary",
            "b9c4e7a2-1d06-4f73-8a5b-e2f0c6d9a314",
            "6B0E9C3F-7A42-4D15-B8F7-2C5A1E0D9B63",
        ),
        body: Ok(build!(GetDiaryResponse {
            results: vec![DiaryEntry {
                identity: identity_with_sri("9990000077", "506"),
                demographics: Some(BriefDemographics {
                    title: "Mrs".into(),
                    first_name: "Pat".into(),
                    middle_names: String::new(),
                    surname: "Fixture".into(),
                    date_of_birth: Some(date("1941-07-30")),
                    sex: Some(Sex::Female),
                    other: vec![],
                    other_attributes: vec![],
                }),
                appointments: vec![],
                visits: vec![Visit {
                    date_time: Some(date_time("2031-04-10T11:30:00")),
                    duration: Some(Minutes(30)),
                    comments: Some("Dressing change".into()),
                    user_name: Some("dnurse02".into()),
                    ..Visit::default()
                }],
                other: vec![],
                other_attributes: vec![],
            }],
        })),
    };
    check_response::<GetDiary>(GET_DIARY_RESPONSE, expected, GET_DIARY_RESPONSE_WIRE);
}

// ---------------------------------------------------------------------------
// 9.12 ExitClient
// ---------------------------------------------------------------------------

// `Response` written `<Response></Response>`, as §3.1 describes it for
// `ExitClient`; the encoder writes the empty element `<Response/>` of §9.12.

fn exit_client_request() {
    check_request(
        EXIT_CLIENT_REQUEST,
        request_header("7f1d3c8a-e605-4b92-9d4e-a3b7f0c2e856"),
        ExitClient { restart: false },
        EXIT_CLIENT_REQUEST_WIRE,
    );
}

fn exit_client_response() {
    let expected = Response {
        header: response_header(
            "ExitClient",
            "7f1d3c8a-e605-4b92-9d4e-a3b7f0c2e856",
            "F4A2C7E0-1B58-4D93-A6C1-3E9F0B5D7A28",
        ),
        body: Ok(ExitClientResponse::default()),
    };
    check_response::<ExitClient>(EXIT_CLIENT_RESPONSE, expected, EXIT_CLIENT_RESPONSE_WIRE);
}

// ---------------------------------------------------------------------------
// 9.13 DataExtract
// ---------------------------------------------------------------------------

fn data_extract_request() {
    check_request(
        DATA_EXTRACT_REQUEST,
        request_header("e2b8f6d0-4a73-4c15-b9e2-17d0a5c3f849"),
        DataExtract {
            sr_manifest_crc: Some(1_350_912_244),
            directory: r"C:\AcmeVitals\sr".into(),
            name: "Weekly Cohort".into(),
        },
        DATA_EXTRACT_REQUEST_WIRE,
    );
}

fn data_extract_response() {
    let expected = Response {
        header: response_header(
            "DataExtract",
            "e2b8f6d0-4a73-4c15-b9e2-17d0a5c3f849",
            "0D6F3A9C-B2E4-4715-8C0B-F5A2D7E1C396",
        ),
        body: Ok(build!(DataExtractResponse {
            sr_manifest_crc: Some(2_788_104_517),
        })),
    };
    check_response::<DataExtract>(DATA_EXTRACT_RESPONSE, expected, DATA_EXTRACT_RESPONSE_WIRE);
}

// ---------------------------------------------------------------------------
// 9.14 LaunchFunctionality — attributes in single quotes (§1.8)
// ---------------------------------------------------------------------------

fn launch_functionality_request() {
    check_request(
        LAUNCH_FUNCTIONALITY_REQUEST,
        request_header("35c9a1f7-d84e-4b20-a6f3-9e1c0b7d5a82"),
        LaunchFunctionality {
            identity: identity("9990000085"),
            clinical_code: Some(LaunchClinicalCode {
                code: Code {
                    scheme: CodeScheme::Snomed,
                    code: "38341003".into(),
                    term: None,
                },
                problem_severity: None,
            }),
            ..LaunchFunctionality::default()
        },
        LAUNCH_FUNCTIONALITY_REQUEST_WIRE,
    );
}

fn launch_functionality_response() {
    let expected = Response {
        header: response_header(
            "LaunchFunctionality",
            "35c9a1f7-d84e-4b20-a6f3-9e1c0b7d5a82",
            "9C3E7B1A-4F06-4D28-B5A9-E7D0C2F6B413",
        ),
        body: Ok(build!(LaunchFunctionalityResponse {
            identity: identity_with_sri("9990000085", "507"),
        })),
    };
    check_response::<LaunchFunctionality>(
        LAUNCH_FUNCTIONALITY_RESPONSE,
        expected,
        LAUNCH_FUNCTIONALITY_RESPONSE_WIRE,
    );
}

// ---------------------------------------------------------------------------
// 9.15 GetXSDFiles
// ---------------------------------------------------------------------------

fn get_xsd_files_request() {
    check_request(
        GET_XSD_FILES_REQUEST,
        request_header("a0f4d7c2-6e19-4b3a-8f05-c2e9b1d6a370"),
        GetXsdFiles {
            path: Some(r"C:\AcmeVitals\xsd".into()),
        },
        GET_XSD_FILES_REQUEST_WIRE,
    );
}

fn get_xsd_files_response() {
    let expected = Response {
        header: response_header(
            "GetXSDFiles",
            "a0f4d7c2-6e19-4b3a-8f05-c2e9b1d6a370",
            "2E8A5D1F-C693-4B07-A4E2-9D1F6C0B8E57",
        ),
        body: Ok(build!(GetXsdFilesResponse {
            files: vec![XsdFile {
                function: "IsPatientRetrieved".into(),
                version: "1.0".into(),
                result: r"Successfully written to C:\AcmeVitals\xsd\IsPatientRetrieved v1.0.xsd"
                    .into(),
            }],
        })),
    };
    check_response::<GetXsdFiles>(
        GET_XSD_FILES_RESPONSE,
        expected,
        GET_XSD_FILES_RESPONSE_WIRE,
    );
}

// ---------------------------------------------------------------------------
// 9.16 GetReferenceData
// ---------------------------------------------------------------------------

fn get_reference_data_request() {
    check_request(
        GET_REFERENCE_DATA_REQUEST,
        request_header("5c7e0b3d-f2a8-4196-b7d4-0a6e9c2f1b85"),
        GetReferenceData {},
        GET_REFERENCE_DATA_REQUEST_WIRE,
    );
}

fn get_reference_data_response() {
    let unit = |code: &str, units: &str| NumericReadCodeUnits {
        code: code.into(),
        units: units.into(),
        created_date: Some(date_time("2019-01-15T10:00:00")),
    };
    let expected = Response {
        header: response_header(
            "GetReferenceData",
            "5c7e0b3d-f2a8-4196-b7d4-0a6e9c2f1b85",
            "7A1C4E9B-3D05-4F62-8E97-B0F3A6D2C514",
        ),
        body: Ok(build!(GetReferenceDataResponse {
            units: vec![unit("22A..", "kg"), unit("229..", "m")],
        })),
    };
    check_response::<GetReferenceData>(
        GET_REFERENCE_DATA_RESPONSE,
        expected,
        GET_REFERENCE_DATA_RESPONSE_WIRE,
    );
}

// ---------------------------------------------------------------------------
// 9.17 IsPatientRetrieved — the response is §3.4's "Success" skeleton
// ---------------------------------------------------------------------------

// PROTOCOL.md §3.4, "Success".

fn is_patient_retrieved_request() {
    check_request(
        IS_PATIENT_RETRIEVED_REQUEST,
        request_header("3f2a9c1e-7b44-4d0a-9e61-5c2b8f7d1a90"),
        IsPatientRetrieved {},
        IS_PATIENT_RETRIEVED_REQUEST_WIRE,
    );
}

fn is_patient_retrieved_response() {
    let expected = Response {
        header: response_header(
            "IsPatientRetrieved",
            "3f2a9c1e-7b44-4d0a-9e61-5c2b8f7d1a90",
            "6C1F0E2A-91B3-4F57-A8D2-0B9E4C3D2A11",
        ),
        body: Ok(build!(IsPatientRetrievedResponse {
            is_patient_retrieved: false,
        })),
    };
    check_response::<IsPatientRetrieved>(
        IS_PATIENT_RETRIEVED_RESPONSE,
        expected,
        IS_PATIENT_RETRIEVED_RESPONSE_WIRE,
    );
}

/// Every check, by name: each decodes a golden pair and encodes it back.
const CHECKS: &[(&str, fn())] = &[
    ("get_functions_request", get_functions_request),
    ("get_functions_response", get_functions_response),
    (
        "get_organisation_meta_data_request",
        get_organisation_meta_data_request,
    ),
    (
        "get_organisation_meta_data_response",
        get_organisation_meta_data_response,
    ),
    ("get_current_activity_request", get_current_activity_request),
    (
        "get_current_activity_response",
        get_current_activity_response,
    ),
    (
        "get_current_selection_request",
        get_current_selection_request,
    ),
    (
        "get_current_selection_response",
        get_current_selection_response,
    ),
    ("patient_search_request", patient_search_request),
    ("patient_search_response", patient_search_response),
    (
        "patient_search_error_response",
        patient_search_error_response,
    ),
    ("get_patient_record_request", get_patient_record_request),
    ("get_patient_record_response", get_patient_record_response),
    (
        "update_patient_record_request",
        update_patient_record_request,
    ),
    (
        "update_patient_record_response",
        update_patient_record_response,
    ),
    (
        "update_patient_record_booking_request",
        update_patient_record_booking_request,
    ),
    (
        "update_patient_record_booking_response",
        update_patient_record_booking_response,
    ),
    (
        "update_patient_record_demographics_and_attachment_request",
        update_patient_record_demographics_and_attachment_request,
    ),
    (
        "update_patient_record_demographics_and_attachment_response",
        update_patient_record_demographics_and_attachment_response,
    ),
    ("get_document_request", get_document_request),
    ("get_document_response", get_document_response),
    (
        "delete_patient_record_request",
        delete_patient_record_request,
    ),
    (
        "delete_patient_record_response",
        delete_patient_record_response,
    ),
    (
        "get_appointment_slots_request",
        get_appointment_slots_request,
    ),
    (
        "get_appointment_slots_response",
        get_appointment_slots_response,
    ),
    ("get_diary_request", get_diary_request),
    ("get_diary_response", get_diary_response),
    ("exit_client_request", exit_client_request),
    ("exit_client_response", exit_client_response),
    ("data_extract_request", data_extract_request),
    ("data_extract_response", data_extract_response),
    ("launch_functionality_request", launch_functionality_request),
    (
        "launch_functionality_response",
        launch_functionality_response,
    ),
    ("get_xsd_files_request", get_xsd_files_request),
    ("get_xsd_files_response", get_xsd_files_response),
    ("get_reference_data_request", get_reference_data_request),
    ("get_reference_data_response", get_reference_data_response),
    ("is_patient_retrieved_request", is_patient_retrieved_request),
    (
        "is_patient_retrieved_response",
        is_patient_retrieved_response,
    ),
    (
        "the_goldens_cover_every_function_request_and_response",
        the_goldens_cover_every_function_request_and_response,
    ),
    (
        "decode_document_reads_every_golden_and_re_encodes_it_to_its_wire_form",
        decode_document_reads_every_golden_and_re_encodes_it_to_its_wire_form,
    ),
    (
        "every_golden_frames_as_one_document_in_a_stream_however_it_is_split",
        every_golden_frames_as_one_document_in_a_stream_however_it_is_split,
    ),
    (
        "the_examples_casing_option_writes_nhs_number",
        the_examples_casing_option_writes_nhs_number,
    ),
    (
        "responses_keep_the_schema_casing_whatever_the_option",
        responses_keep_the_schema_casing_whatever_the_option,
    ),
    (
        "a_bom_and_a_malformed_declaration_are_skipped",
        a_bom_and_a_malformed_declaration_are_skipped,
    ),
    (
        "an_error_is_recognised_with_permanent_error_first",
        an_error_is_recognised_with_permanent_error_first,
    ),
    (
        "an_error_is_recognised_after_an_unknown_element",
        an_error_is_recognised_after_an_unknown_element,
    ),
    (
        "a_response_with_two_function_elements_is_consistent",
        a_response_with_two_function_elements_is_consistent,
    ),
];

/// The one table test: runs every check and reports all that fail, not
/// just the first.
#[test]
fn every_golden_document_decodes_and_encodes_exactly() {
    let failed: Vec<&str> = CHECKS
        .iter()
        .filter(|(_, check)| std::panic::catch_unwind(check).is_err())
        .map(|(name, _)| *name)
        .collect();
    assert!(failed.is_empty(), "failed: {failed:?}");
}

/// Every file under `tests/golden` is one the tests read, and each function
/// has a request and a response: a document added without a check, or a
/// function left without goldens, fails here.
#[test]
fn every_golden_file_is_checked_and_every_function_has_goldens() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden");
    let mut on_disk = Vec::new();
    for function in std::fs::read_dir(&root).expect("tests/golden exists") {
        let function = function.expect("a readable entry").path();
        for file in std::fs::read_dir(&function).expect("a function's folder") {
            let file = file.expect("a readable entry").path();
            let relative = file.strip_prefix(&root).expect("under the root");
            on_disk.push(relative.to_string_lossy().replace('\\', "/"));
        }
    }
    on_disk.sort();
    let mut listed: Vec<String> = GOLDEN_FILES.iter().map(|p| (*p).to_owned()).collect();
    listed.sort();
    assert_eq!(
        on_disk, listed,
        "files under tests/golden and the goldens! table differ"
    );
    for function in FUNCTION_NAMES {
        for file in [
            "request.xml",
            "request.wire.xml",
            "response.xml",
            "response.wire.xml",
        ] {
            let path = format!("{function}/{file}");
            assert!(GOLDEN_FILES.contains(&path.as_str()), "no golden {path}");
        }
    }
}

// ---------------------------------------------------------------------------
// Every golden at once: decode_document, re-encoding, framing
// ---------------------------------------------------------------------------

/// Every golden: the pretty document and the one-line document its typed
/// value encodes to.
const GOLDEN: &[(&str, &str)] = &[
    (GET_FUNCTIONS_REQUEST, GET_FUNCTIONS_REQUEST_WIRE),
    (GET_FUNCTIONS_RESPONSE, GET_FUNCTIONS_RESPONSE_WIRE),
    (
        GET_ORGANISATION_META_DATA_REQUEST,
        GET_ORGANISATION_META_DATA_REQUEST_WIRE,
    ),
    (
        GET_ORGANISATION_META_DATA_RESPONSE,
        GET_ORGANISATION_META_DATA_RESPONSE_WIRE,
    ),
    (
        GET_CURRENT_ACTIVITY_REQUEST,
        GET_CURRENT_ACTIVITY_REQUEST_WIRE,
    ),
    (
        GET_CURRENT_ACTIVITY_RESPONSE,
        GET_CURRENT_ACTIVITY_RESPONSE_WIRE,
    ),
    (
        GET_CURRENT_SELECTION_REQUEST,
        GET_CURRENT_SELECTION_REQUEST_WIRE,
    ),
    (
        GET_CURRENT_SELECTION_RESPONSE,
        GET_CURRENT_SELECTION_RESPONSE_WIRE,
    ),
    (PATIENT_SEARCH_REQUEST, PATIENT_SEARCH_REQUEST_WIRE),
    (PATIENT_SEARCH_RESPONSE, PATIENT_SEARCH_RESPONSE_WIRE),
    (
        PATIENT_SEARCH_ERROR_RESPONSE,
        PATIENT_SEARCH_ERROR_RESPONSE_WIRE,
    ),
    (GET_PATIENT_RECORD_REQUEST, GET_PATIENT_RECORD_REQUEST_WIRE),
    (
        GET_PATIENT_RECORD_RESPONSE,
        GET_PATIENT_RECORD_RESPONSE_WIRE,
    ),
    (
        UPDATE_PATIENT_RECORD_REQUEST,
        UPDATE_PATIENT_RECORD_REQUEST_WIRE,
    ),
    (
        UPDATE_PATIENT_RECORD_RESPONSE,
        UPDATE_PATIENT_RECORD_RESPONSE_WIRE,
    ),
    (BOOK_APPOINTMENT_REQUEST, BOOK_APPOINTMENT_REQUEST_WIRE),
    (BOOK_APPOINTMENT_RESPONSE, BOOK_APPOINTMENT_RESPONSE_WIRE),
    (
        CHANGE_MOBILE_AND_ATTACH_REQUEST,
        CHANGE_MOBILE_AND_ATTACH_REQUEST_WIRE,
    ),
    (
        CHANGE_MOBILE_AND_ATTACH_RESPONSE,
        CHANGE_MOBILE_AND_ATTACH_RESPONSE_WIRE,
    ),
    (GET_DOCUMENT_REQUEST, GET_DOCUMENT_REQUEST_WIRE),
    (GET_DOCUMENT_RESPONSE, GET_DOCUMENT_RESPONSE_WIRE),
    (
        DELETE_PATIENT_RECORD_REQUEST,
        DELETE_PATIENT_RECORD_REQUEST_WIRE,
    ),
    (
        DELETE_PATIENT_RECORD_RESPONSE,
        DELETE_PATIENT_RECORD_RESPONSE_WIRE,
    ),
    (
        GET_APPOINTMENT_SLOTS_REQUEST,
        GET_APPOINTMENT_SLOTS_REQUEST_WIRE,
    ),
    (
        GET_APPOINTMENT_SLOTS_RESPONSE,
        GET_APPOINTMENT_SLOTS_RESPONSE_WIRE,
    ),
    (GET_DIARY_REQUEST, GET_DIARY_REQUEST_WIRE),
    (GET_DIARY_RESPONSE, GET_DIARY_RESPONSE_WIRE),
    (EXIT_CLIENT_REQUEST, EXIT_CLIENT_REQUEST_WIRE),
    (EXIT_CLIENT_RESPONSE, EXIT_CLIENT_RESPONSE_WIRE),
    (DATA_EXTRACT_REQUEST, DATA_EXTRACT_REQUEST_WIRE),
    (DATA_EXTRACT_RESPONSE, DATA_EXTRACT_RESPONSE_WIRE),
    (
        LAUNCH_FUNCTIONALITY_REQUEST,
        LAUNCH_FUNCTIONALITY_REQUEST_WIRE,
    ),
    (
        LAUNCH_FUNCTIONALITY_RESPONSE,
        LAUNCH_FUNCTIONALITY_RESPONSE_WIRE,
    ),
    (GET_XSD_FILES_REQUEST, GET_XSD_FILES_REQUEST_WIRE),
    (GET_XSD_FILES_RESPONSE, GET_XSD_FILES_RESPONSE_WIRE),
    (GET_REFERENCE_DATA_REQUEST, GET_REFERENCE_DATA_REQUEST_WIRE),
    (
        GET_REFERENCE_DATA_RESPONSE,
        GET_REFERENCE_DATA_RESPONSE_WIRE,
    ),
    (
        IS_PATIENT_RETRIEVED_REQUEST,
        IS_PATIENT_RETRIEVED_REQUEST_WIRE,
    ),
    (
        IS_PATIENT_RETRIEVED_RESPONSE,
        IS_PATIENT_RETRIEVED_RESPONSE_WIRE,
    ),
];

/// Every golden document, pretty and one-line.
fn all_documents() -> Vec<&'static str> {
    GOLDEN
        .iter()
        .flat_map(|&(pretty, wire)| [pretty, wire])
        .collect()
}

/// The document as the framing codec yields it: from the root's `<` to the
/// root's end tag.
fn root_element(document: &str) -> &str {
    let start = document
        .find("<ClientIntegration")
        .expect("every golden has a root");
    &document[start..document.trim_end().len()]
}

fn encode_any(document: &AnyDocument) -> Result<Bytes, EncodeError> {
    match document {
        AnyDocument::Request(request) => encode_request(request, EncodeOptions::default()),
        AnyDocument::Response(response) => encode_response(response, EncodeOptions::default()),
    }
}

fn the_goldens_cover_every_function_request_and_response() {
    for function in FUNCTION_NAMES {
        let request = format!("<Function>{function}</Function>");
        let count = |root: &str| {
            GOLDEN
                .iter()
                .filter(|(pretty, _)| pretty.contains(root) && pretty.contains(&request))
                .count()
        };
        assert!(
            count("<ClientIntegrationRequest>") >= 1,
            "no request golden for {function}"
        );
        assert!(
            count("<ClientIntegrationResponse>") >= 1,
            "no response golden for {function}"
        );
    }
    assert_eq!(FUNCTION_NAMES.len(), 17);
    assert_eq!(GOLDEN.len(), 39);
}

fn decode_document_reads_every_golden_and_re_encodes_it_to_its_wire_form() {
    for &(pretty, wire) in GOLDEN {
        let decoded =
            decode_document(pretty.as_bytes()).unwrap_or_else(|e| panic!("{e}\n{pretty}"));
        let is_request = root_element(pretty).starts_with("<ClientIntegrationRequest>");
        assert_eq!(
            matches!(decoded, AnyDocument::Request(_)),
            is_request,
            "{pretty}"
        );
        let encoded = encode_any(&decoded).expect("a golden encodes");
        assert_eq!(text(&encoded), wire);
        let from_wire = decode_document(wire.as_bytes()).expect("a wire golden decodes");
        assert_eq!(from_wire, decoded, "{wire}");
    }
}

/// Splits `stream` into documents, feeding it to one codec in chunks of
/// `chunk` bytes; returns the documents and the first error, if any.
fn frame(stream: &[u8], chunk: usize) -> (Vec<Bytes>, Option<String>) {
    let mut codec = DocumentCodec::new();
    let mut buf = BytesMut::new();
    let mut documents = Vec::new();
    for piece in stream.chunks(chunk.max(1)) {
        buf.extend_from_slice(piece);
        loop {
            match codec.decode(&mut buf) {
                Ok(Some(document)) => documents.push(document),
                Ok(None) => break,
                Err(e) => return (documents, Some(e.to_string())),
            }
        }
    }
    loop {
        match codec.decode_eof(&mut buf) {
            Ok(Some(document)) => documents.push(document),
            Ok(None) => return (documents, None),
            Err(e) => return (documents, Some(e.to_string())),
        }
    }
}

fn every_golden_frames_as_one_document_in_a_stream_however_it_is_split() {
    let documents = all_documents();
    let mut stream = Vec::new();
    for (i, document) in documents.iter().enumerate() {
        stream.extend_from_slice(document.as_bytes());
        // LF, CRLF or nothing between documents (§1.7).
        stream.extend_from_slice([&b"\n"[..], b"\r\n", b""][i % 3]);
    }
    for chunk in [1, 7, 4096, stream.len()] {
        let (frames, error) = frame(&stream, chunk);
        assert_eq!(error, None, "chunk {chunk}");
        assert_eq!(frames.len(), documents.len(), "chunk {chunk}");
        for (frame, document) in frames.iter().zip(&documents) {
            assert_eq!(text(frame), root_element(document), "chunk {chunk}");
            assert_eq!(
                decode_document(frame).expect("a framed golden decodes"),
                decode_document(document.as_bytes()).expect("a golden decodes"),
            );
        }
    }
}

// ---------------------------------------------------------------------------
// Options and leniency beyond the goldens
// ---------------------------------------------------------------------------

fn the_examples_casing_option_writes_nhs_number() {
    let options = EncodeOptions {
        nhs_number_casing: NhsNumberCasing::Examples,
        ..EncodeOptions::default()
    };
    let requests = [
        (
            GET_PATIENT_RECORD_REQUEST,
            GET_PATIENT_RECORD_REQUEST_WIRE,
            "9990000042",
        ),
        (
            GET_DOCUMENT_REQUEST,
            GET_DOCUMENT_REQUEST_WIRE,
            "9990000069",
        ),
        (
            UPDATE_PATIENT_RECORD_REQUEST,
            UPDATE_PATIENT_RECORD_REQUEST_WIRE,
            "9990000050",
        ),
        (
            LAUNCH_FUNCTIONALITY_REQUEST,
            LAUNCH_FUNCTIONALITY_REQUEST_WIRE,
            "9990000085",
        ),
    ];
    for (pretty, wire, nhs) in requests {
        let request = decode_request(pretty.as_bytes()).expect("a golden decodes");
        let encoded = encode_request(&request, options).expect("encodes");
        let encoded = text(&encoded);
        let schema = format!("<Identity><NHSNumber>{nhs}</NHSNumber></Identity>");
        let examples = format!("<Identity><NhsNumber>{nhs}</NhsNumber></Identity>");
        assert!(wire.contains(&schema), "default casing is the schema's");
        assert_eq!(encoded, wire.replace(&schema, &examples));
        assert!(encoded.contains(&examples) && !encoded.contains("NHSNumber"));
        assert_eq!(
            decode_request(encoded.as_bytes()).expect("either casing decodes"),
            request
        );
    }
}

fn responses_keep_the_schema_casing_whatever_the_option() {
    let response =
        decode_response::<DeletePatientRecord>(DELETE_PATIENT_RECORD_RESPONSE.as_bytes())
            .expect("a golden decodes");
    let options = EncodeOptions {
        nhs_number_casing: NhsNumberCasing::Examples,
        ..EncodeOptions::default()
    };
    let encoded = encode_response(&response, options).expect("encodes");
    assert_eq!(text(&encoded), DELETE_PATIENT_RECORD_RESPONSE_WIRE);
}

fn a_bom_and_a_malformed_declaration_are_skipped() {
    // §1.6 and C42: one TPP template's declaration is unquoted; a lenient
    // server skips any leading `<?xml … ?>`.
    let expected = decode_request(GET_FUNCTIONS_REQUEST.as_bytes()).expect("a golden decodes");
    for prolog in [
        "\u{FEFF}",
        "<?xml version=1.0 encoding=UTF-8?>\r\n",
        "\u{FEFF}<?xml version=\"1.0\" encoding=\"UTF-8\"?>\r\n",
    ] {
        let document = format!("{prolog}{GET_FUNCTIONS_REQUEST}");
        let decoded =
            decode_request(document.as_bytes()).unwrap_or_else(|e| panic!("{prolog:?}: {e}"));
        assert_eq!(decoded, expected, "{prolog:?}");
        let (frames, error) = frame(document.as_bytes(), 5);
        assert_eq!(error, None);
        assert_eq!(frames.len(), 1);
        assert_eq!(text(&frames[0]), root_element(GET_FUNCTIONS_REQUEST));
    }
}

fn an_error_is_recognised_with_permanent_error_first() {
    let document = PATIENT_SEARCH_ERROR_RESPONSE.replace(
        "<ErrorMessage>At least two search parameters must be specified</ErrorMessage>\n    <PermanentError>true</PermanentError>",
        "<PermanentError>TRUE</PermanentError>\n    <ErrorMessage>At least two search parameters must be specified</ErrorMessage>",
    );
    assert_ne!(document, PATIENT_SEARCH_ERROR_RESPONSE);
    let error = decode_response::<PatientSearch>(document.as_bytes())
        .expect("decodes")
        .body
        .expect_err("an error response");
    assert_eq!(
        error.message,
        "At least two search parameters must be specified"
    );
    assert!(error.is_permanent());
}

fn an_error_is_recognised_after_an_unknown_element() {
    let document = PATIENT_SEARCH_ERROR_RESPONSE.replace(
        "<Response>\n",
        "<Response>\n    <ErrorCode>1001</ErrorCode>\n",
    );
    assert_ne!(document, PATIENT_SEARCH_ERROR_RESPONSE);
    let response = decode_response::<PatientSearch>(document.as_bytes()).expect("decodes");
    let error = response
        .body
        .expect_err("an error response, not an empty search result");
    assert_eq!(
        error.message,
        "At least two search parameters must be specified"
    );
    assert_eq!(error.permanent, Some(true));
}

fn a_response_with_two_function_elements_is_consistent() {
    let document = LAUNCH_FUNCTIONALITY_RESPONSE_WIRE.replace(
        "</Response>",
        "</Response><Function>IsPatientRetrieved</Function>",
    );
    assert_ne!(document, LAUNCH_FUNCTIONALITY_RESPONSE_WIRE);
    // The first Function wins, for the header and the body alike.
    let decoded = decode_document(document.as_bytes()).expect("decodes");
    let AnyDocument::Response(response) = &decoded else {
        panic!("a response");
    };
    assert_eq!(response.header.function, "LaunchFunctionality");
    assert_eq!(
        response.body.as_ref().map(AnyResponse::function_name),
        Ok("LaunchFunctionality")
    );
    let encoded = encode_any(&decoded).expect("encodes");
    assert_eq!(
        decode_document(&encoded).expect("the codec's own output decodes"),
        decoded
    );
    if let Ok(typed) = decode_response::<LaunchFunctionality>(document.as_bytes()) {
        assert_eq!(typed.header.function, "LaunchFunctionality");
    }
}

// ---------------------------------------------------------------------------
// Mutated goldens: nothing may panic
// ---------------------------------------------------------------------------

#[derive(Debug, Clone)]
enum Mutation {
    /// XOR one byte with a non-zero mask.
    Flip { at: prop::sample::Index, mask: u8 },
    /// Delete up to `len` bytes.
    Delete { at: prop::sample::Index, len: usize },
    /// Insert bytes.
    Insert {
        at: prop::sample::Index,
        bytes: Vec<u8>,
    },
    /// Cut the document short.
    Truncate { at: prop::sample::Index },
}

fn insertion() -> impl Strategy<Value = Vec<u8>> {
    let tokens = vec![
        "<",
        ">",
        "/",
        "/>",
        "&",
        "\"",
        "'",
        "=",
        "<X>",
        "</X>",
        "<X/>",
        "</Response>",
        "<Response>",
        "<ErrorMessage>boom</ErrorMessage>",
        "<!--",
        "-->",
        "<![CDATA[",
        "]]>",
        "<?",
        "?>",
        "<!DOCTYPE x>",
        "&#10;",
        "&#0;",
        "&#xFFFE;",
        "&bogus;",
        "&amp;",
        "\r\n",
        "\u{FEFF}",
        "é",
        "\u{1F600}",
        "\0",
        "<ClientIntegrationResponse>",
        "</ClientIntegrationRequest>",
    ];
    prop_oneof![
        prop::collection::vec(any::<u8>(), 1..8),
        prop::sample::select(tokens).prop_map(|t| t.as_bytes().to_vec()),
    ]
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        3 => (any::<prop::sample::Index>(), 1..=255u8)
            .prop_map(|(at, mask)| Mutation::Flip { at, mask }),
        2 => (any::<prop::sample::Index>(), 1..64usize)
            .prop_map(|(at, len)| Mutation::Delete { at, len }),
        3 => (any::<prop::sample::Index>(), insertion())
            .prop_map(|(at, bytes)| Mutation::Insert { at, bytes }),
        1 => any::<prop::sample::Index>().prop_map(|at| Mutation::Truncate { at }),
    ]
}

fn mutate(document: &[u8], mutations: &[Mutation]) -> Vec<u8> {
    let mut bytes = document.to_vec();
    for mutation in mutations {
        match mutation {
            Mutation::Flip { at, mask } => {
                if !bytes.is_empty() {
                    let i = at.index(bytes.len());
                    bytes[i] ^= mask;
                }
            }
            Mutation::Delete { at, len } => {
                if !bytes.is_empty() {
                    let i = at.index(bytes.len());
                    let end = (i + len).min(bytes.len());
                    bytes.drain(i..end);
                }
            }
            Mutation::Insert {
                at,
                bytes: inserted,
            } => {
                let i = at.index(bytes.len() + 1);
                bytes.splice(i..i, inserted.iter().copied());
            }
            Mutation::Truncate { at } => {
                let i = at.index(bytes.len() + 1);
                bytes.truncate(i);
            }
        }
    }
    bytes
}

/// Runs every decoder on `bytes`; a document that decodes must re-encode
/// (unless it holds a character XML cannot carry) to one line that decodes
/// to the same value.
fn decode_everything(bytes: &[u8]) -> Result<(), TestCaseError> {
    let _ = decode_request(bytes);
    let _ = decode_any_response(bytes);
    let _ = decode_response::<GetPatientRecord>(bytes);
    if let Ok(document) = decode_document(bytes)
        && let Ok(encoded) = encode_any(&document)
    {
        prop_assert!(!encoded.contains(&b'\n') && !encoded.contains(&b'\r'));
        let again = decode_document(&encoded);
        prop_assert_eq!(
            again.as_ref().ok(),
            Some(&document),
            "re-encoded: {}",
            String::from_utf8_lossy(&encoded)
        );
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 2048,
        // This suite must not write files next to the sources; a failure
        // prints its minimal input instead.
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn mutated_goldens_never_panic_the_decoders_or_the_framing(
        which in any::<prop::sample::Index>(),
        mutations in prop::collection::vec(mutation(), 1..5),
        split in any::<prop::sample::Index>(),
    ) {
        let documents = all_documents();
        let original = documents[which.index(documents.len())];
        let bytes = mutate(original.as_bytes(), &mutations);

        decode_everything(&bytes)?;

        // Framing: the same documents and error whether the bytes arrive at
        // once or split in two anywhere (and with a valid golden after them).
        let mut stream = bytes.clone();
        stream.extend_from_slice(b"\n");
        stream.extend_from_slice(IS_PATIENT_RETRIEVED_REQUEST_WIRE.as_bytes());
        let whole = frame(&stream, stream.len());
        let at = split.index(stream.len() + 1);
        let mut codec = DocumentCodec::new();
        let mut buf = BytesMut::from(&stream[..at]);
        let mut split_frames = Vec::new();
        let mut split_error = None;
        'feed: for more in [&stream[at..], &[][..]] {
            buf.extend_from_slice(more);
            loop {
                match codec.decode(&mut buf) {
                    Ok(Some(document)) => split_frames.push(document),
                    Ok(None) => break,
                    Err(e) => {
                        split_error = Some(e.to_string());
                        break 'feed;
                    }
                }
            }
        }
        if split_error.is_none() {
            loop {
                match codec.decode_eof(&mut buf) {
                    Ok(Some(document)) => split_frames.push(document),
                    Ok(None) => break,
                    Err(e) => {
                        split_error = Some(e.to_string());
                        break;
                    }
                }
            }
        }
        prop_assert_eq!(&whole, &(split_frames, split_error));
        for document in &whole.0 {
            decode_everything(document)?;
        }
    }
}
