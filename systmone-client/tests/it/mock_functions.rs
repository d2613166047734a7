//! Every one of SystmOne's 17 functions, driven through the mock over
//! loopback TCP with the codec-only test client.
#![cfg(feature = "mock")]
#![allow(clippy::unwrap_used)]

use crate::support;

use std::time::Duration;

use chrono::NaiveDateTime;
use econsult_model::Sex as ModelSex;
use support::*;
use systmone_client::mock::{DiarySlot, MockSystmOne, RecordChange};
use systmone_client::proto::*;
use systmone_client::proto::{Decimal, Minutes};

// ----- helpers -----

fn at(hour: u32, minute: u32) -> NaiveDateTime {
    today().and_hms_opt(hour, minute, 0).unwrap()
}

fn note(line: &str) -> Event {
    Event {
        narratives: vec![Narrative {
            lines: vec![line.to_owned()],
            ..Narrative::default()
        }],
        ..Event::default()
    }
}

fn coded(code: &str) -> Event {
    Event {
        clinical_codes: vec![ClinicalCode::new(Code::new(CodeScheme::Ctv3, code))],
        ..Event::default()
    }
}

fn adding(n: u32, events: Vec<Event>) -> UpdatePatientRecord {
    UpdatePatientRecord {
        identity: identity(n),
        clinical: Some(Clinical {
            events,
            ..Clinical::default()
        }),
        ..UpdatePatientRecord::default()
    }
}

fn with_non_clinical(
    mut update: UpdatePatientRecord,
    non_clinical: NonClinical,
) -> UpdatePatientRecord {
    update.non_clinical = Some(non_clinical);
    update
}

fn record_of(n: u32, filter: Option<Filter>) -> GetPatientRecord {
    GetPatientRecord {
        identity: Some(identity(n)),
        filter,
        ..GetPatientRecord::default()
    }
}

fn gp_clinic() -> Clinic {
    Clinic {
        user_name: "sexample01".into(),
        site_name: "Example Surgery".into(),
        clinic_type: "GP Clinic".into(),
        ..Clinic::default()
    }
}

fn booking(clinic: Clinic, slot_type: &str, start: NaiveDateTime, minutes: u32) -> Appointment {
    Appointment::book(
        clinic,
        Slot {
            slot_type: slot_type.into(),
            date_time_start: start,
            duration: Minutes(minutes),
        },
    )
}

fn events_of(response: &GetPatientRecordResponse) -> &[Event] {
    &response.clinical.as_ref().expect("a Clinical block").events
}

fn codes_of(events: &[Event]) -> Vec<&str> {
    events
        .iter()
        .flat_map(|e| &e.clinical_codes)
        .map(|c| c.code.code.as_str())
        .collect()
}

fn lines_of(events: &[Event]) -> Vec<&str> {
    events
        .iter()
        .flat_map(|e| &e.narratives)
        .flat_map(|n| &n.lines)
        .map(String::as_str)
        .collect()
}

fn assert_error(error: &ErrorResponse, message: &str, permanent: bool) {
    assert_eq!(error.message, message);
    assert_eq!(
        error.permanent,
        Some(permanent),
        "PermanentError of {message:?}"
    );
}

// ----- session functions -----

#[tokio::test]
async fn get_functions_lists_all_seventeen_at_version_one() {
    let mock = mock_with(vec![]).await;
    let mut client = TestClient::connect(mock.addr()).await;
    let response = client.call(GetFunctions::default()).await;
    assert_eq!(response.header.function_version, "1.0");
    assert_eq!(response.header.response_uid.len(), 36);
    assert_eq!(
        response.header.response_uid,
        response.header.response_uid.to_uppercase()
    );
    let functions = response.body.unwrap().supported_functions;
    let names: Vec<&str> = functions.iter().map(|f| f.function.as_str()).collect();
    assert_eq!(names, FUNCTION_NAMES);
    for function in &functions {
        assert_eq!(
            function
                .versions
                .iter()
                .map(Decimal::as_str)
                .collect::<Vec<_>>(),
            ["1.0"]
        );
    }
}

#[tokio::test]
async fn organisation_metadata_marks_the_primary_site_and_logged_on_user() {
    let mock = mock_with(vec![]).await;
    let mut client = TestClient::paired(mock.addr()).await;
    let all = client.ok(GetOrganisationMetaData::default()).await;
    let sites: Vec<(&str, bool, bool)> = all
        .sites
        .iter()
        .map(|s| (s.name.as_str(), s.primary_site, s.current_site))
        .collect();
    assert_eq!(
        sites,
        [
            ("Example Surgery", true, true),
            ("Example Branch Surgery", false, false)
        ]
    );
    let users: Vec<(&str, bool)> = all
        .users
        .iter()
        .map(|u| (u.user_name.as_str(), u.current_user))
        .collect();
    assert_eq!(
        users,
        [
            ("sexample01", false),
            ("asample01", false),
            ("jplaceholder", false),
            ("ctestuser", true)
        ]
    );
    assert_eq!(
        all.slot_types,
        ["Routine", "Urgent", "Telephone", "Blood Test"]
    );
    assert_eq!(all.clinic_types, ["GP Clinic", "Nurse Clinic"]);

    let me = client
        .ok(GetOrganisationMetaData {
            logged_on_user_only: true,
        })
        .await;
    assert_eq!(me.users.len(), 1);
    assert_eq!(me.users[0].user_name, "ctestuser");
    let sites: Vec<(&str, &str, bool)> = me
        .sites
        .iter()
        .map(|s| (s.name.as_str(), s.id.as_str(), s.current_site))
        .collect();
    assert_eq!(
        sites,
        [("Example Surgery", "Z99901", true)],
        "LoggedOnUserOnly: only the site the user is at (PROTOCOL.md §9.2)"
    );
}

#[tokio::test]
async fn current_activity_selection_and_is_patient_retrieved_follow_the_user() {
    let mock = mock_with(vec![alex()]).await;
    let mut client = TestClient::paired(mock.addr()).await;

    assert!(
        !client
            .ok(IsPatientRetrieved::default())
            .await
            .is_patient_retrieved
    );
    let activity = client.ok(GetCurrentActivity::default()).await;
    assert_eq!(activity.identity, None);
    assert!(activity.activities.is_empty());
    assert_eq!(activity.current_selection, None);
    let selection = client.ok(GetCurrentSelection::default()).await;
    assert_eq!(selection.identity, None);
    assert_eq!(selection.current_selection, CurrentSelection::default());

    let code = Code::new(CodeScheme::Ctv3, "XE0Uc").with_term("Asthma");
    mock.set_screen(
        vec!["Patient Record".into()],
        CurrentSelection {
            drugs: Vec::new(),
            codes: vec![code.clone()],
        },
    );
    assert!(mock.open_record(&nhs(1), true));
    assert!(
        client
            .ok(IsPatientRetrieved::default())
            .await
            .is_patient_retrieved
    );
    let activity = client.ok(GetCurrentActivity::default()).await;
    let shown = activity.identity.unwrap();
    assert_eq!(shown.nhs_number.as_deref(), Some(nhs(1).as_str()));
    assert_eq!(shown.strategic_reporting_identifier.as_deref(), Some("500"));
    assert_eq!(activity.activities, ["Patient Record"]);
    assert_eq!(
        activity.current_selection.unwrap().codes,
        std::slice::from_ref(&code)
    );
    let selection = client.ok(GetCurrentSelection::default()).await;
    assert_eq!(selection.current_selection.codes, [code]);
    assert!(selection.identity.is_some());

    mock.close_record();
    assert!(
        !client
            .ok(IsPatientRetrieved::default())
            .await
            .is_patient_retrieved
    );
}

#[tokio::test]
async fn reference_data_lists_numeric_units() {
    let mock = mock_with(vec![]).await;
    let mut client = TestClient::paired(mock.addr()).await;
    let data = client.ok(GetReferenceData::default()).await;
    let weight = data.units.iter().find(|u| u.code == "22A..").unwrap();
    assert_eq!(weight.units, "kg");
    assert!(
        data.units
            .iter()
            .any(|u| u.code == "246.." && u.units == "mmHg")
    );
}

#[tokio::test]
async fn xsd_files_are_written_to_the_path_or_the_temp_dir() {
    let dir = tempfile::tempdir().unwrap();
    let fallback = tempfile::tempdir().unwrap();
    let mock = builder().temp_dir(fallback.path()).start().await.unwrap();
    let mut client = TestClient::paired(mock.addr()).await;

    let answer = client
        .ok(GetXsdFiles {
            path: Some(dir.path().display().to_string()),
        })
        .await;
    assert_eq!(answer.files.len(), 17);
    for (file, name) in answer.files.iter().zip(FUNCTION_NAMES) {
        assert_eq!(file.function, *name);
        assert_eq!(file.version, "1.0");
        let path = dir.path().join(format!("{name}_1.0.xsd"));
        assert_eq!(
            file.result,
            format!("Successfully written to {}", path.display())
        );
        let schema = std::fs::read_to_string(&path).unwrap();
        assert!(schema.contains(&format!("fixed=\"{name}\"")), "{schema}");
    }

    let answer = client.ok(GetXsdFiles { path: None }).await;
    assert_eq!(answer.files.len(), 17);
    assert!(fallback.path().join("GetDiary_1.0.xsd").is_file());

    let missing = dir.path().join("no such dir");
    let error = client
        .error(GetXsdFiles {
            path: Some(missing.display().to_string()),
        })
        .await;
    assert_error(
        &error,
        &format!(
            "The directory {} does not exist or cannot be accessed",
            missing.display()
        ),
        true,
    );
}

#[tokio::test]
async fn data_extract_writes_files_and_skips_them_when_the_crc_matches() {
    let mock = mock_with(vec![]).await;
    let files = vec![
        (
            "SRPatient.csv".to_owned(),
            b"RowIdentifier,DateBirth\n500,1970-02-01\n".to_vec(),
        ),
        (
            "SREvent.csv".to_owned(),
            b"RowIdentifier,IDPatient\n1,500\n".to_vec(),
        ),
    ];
    mock.add_data_extract("Weekly", files.clone());
    let dir = tempfile::tempdir().unwrap();
    let mut client = TestClient::paired(mock.addr()).await;
    let request = |crc| DataExtract {
        sr_manifest_crc: crc,
        directory: dir.path().display().to_string(),
        name: "Weekly".into(),
    };

    let crc = client.ok(request(None)).await.sr_manifest_crc.unwrap();
    let mut expected_manifest = String::new();
    for (name, contents) in &files {
        assert_eq!(&std::fs::read(dir.path().join(name)).unwrap(), contents);
        expected_manifest.push_str(&format!(
            "{name}\t{}\t{:08x}\n",
            contents.len(),
            crc32fast::hash(contents)
        ));
    }
    let manifest = std::fs::read_to_string(dir.path().join("Manifest.txt")).unwrap();
    assert_eq!(manifest, expected_manifest);
    assert_eq!(crc, u64::from(crc32fast::hash(manifest.as_bytes())));

    // The same CRC: nothing is downloaded again, the same CRC comes back.
    for (name, _) in &files {
        std::fs::remove_file(dir.path().join(name)).unwrap();
    }
    assert_eq!(
        client.ok(request(Some(crc))).await.sr_manifest_crc,
        Some(crc)
    );
    assert!(
        !dir.path().join("SRPatient.csv").exists(),
        "not downloaded again"
    );
    // A stale CRC: downloaded again.
    assert_eq!(
        client.ok(request(Some(crc ^ 1))).await.sr_manifest_crc,
        Some(crc)
    );
    assert!(dir.path().join("SRPatient.csv").is_file());

    let error = client
        .error(DataExtract {
            name: "Nightly".into(),
            ..request(None)
        })
        .await;
    assert_error(&error, "Unknown data extract Nightly", true);
    let missing = dir.path().join("absent");
    let error = client
        .error(DataExtract {
            directory: missing.display().to_string(),
            ..request(None)
        })
        .await;
    assert_error(
        &error,
        &format!(
            "The directory {} does not exist or cannot be accessed",
            missing.display()
        ),
        true,
    );
}

#[tokio::test]
async fn launch_functionality_opens_the_record_and_sets_the_screen_without_adding_data() {
    let mock = mock_with(vec![
        alex(),
        patient(2, "Sam", "Sample", date(1980, 1, 1), ModelSex::Male),
    ])
    .await;
    let mut client = TestClient::paired(mock.addr()).await;
    let before = mock.record(&nhs(1)).unwrap();
    let code = Code::new(CodeScheme::Ctv3, "H33..").with_term("Asthma");
    let launched = client
        .ok(LaunchFunctionality {
            identity: identity(1),
            clinical_code: Some(LaunchClinicalCode {
                code: code.clone(),
                problem_severity: None,
            }),
            ..LaunchFunctionality::default()
        })
        .await;
    assert_eq!(
        launched.identity.nhs_number.as_deref(),
        Some(nhs(1).as_str())
    );
    assert_eq!(
        launched.identity.strategic_reporting_identifier.as_deref(),
        Some("500")
    );
    assert!(
        client
            .ok(IsPatientRetrieved::default())
            .await
            .is_patient_retrieved
    );
    let activity = client.ok(GetCurrentActivity::default()).await;
    assert_eq!(activity.activities, ["Add Clinical Code"]);
    assert_eq!(
        activity.identity.unwrap().nhs_number.as_deref(),
        Some(nhs(1).as_str())
    );
    assert_eq!(
        client
            .ok(GetCurrentSelection::default())
            .await
            .current_selection
            .codes,
        std::slice::from_ref(&code)
    );
    assert!(mock.journal().is_empty(), "launching creates no data");
    assert_eq!(mock.record(&nhs(1)).unwrap(), before);

    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("scan.pdf").display().to_string();
    let error = client
        .error(LaunchFunctionality {
            identity: identity(1),
            attachment: Some(LaunchAttachment {
                document_path: missing.clone(),
            }),
            ..LaunchFunctionality::default()
        })
        .await;
    assert_error(
        &error,
        &format!("The file {missing} does not exist or cannot be read"),
        true,
    );

    let error = client
        .error(LaunchFunctionality {
            identity: identity(1),
            clinical_code: Some(LaunchClinicalCode {
                code,
                problem_severity: None,
            }),
            medication: Some(LaunchMedication {
                drug: Drug {
                    scheme: DrugScheme::Dmd,
                    product_id: "39720311000001101".into(),
                    pack_id: None,
                    name: None,
                },
                dose: None,
                quantity: None,
                start_date: None,
                end_date: None,
            }),
            ..LaunchFunctionality::default()
        })
        .await;
    assert_error(
        &error,
        "Only one of Medication, ClinicalCode or Attachment may be launched at a time",
        true,
    );

    let error = client
        .error(LaunchFunctionality {
            identity: identity(9),
            ..LaunchFunctionality::default()
        })
        .await;
    assert_error(
        &error,
        &format!("No patient found with identifier {}", nhs(9)),
        true,
    );

    // Patient 1's record holds uncommitted changes: switching is refused.
    client
        .ok(UpdatePatientRecord {
            leave_record_open: true,
            ..adding(1, vec![note("Left open")])
        })
        .await;
    let error = client
        .error(LaunchFunctionality {
            identity: identity(2),
            ..LaunchFunctionality::default()
        })
        .await;
    assert_error(
        &error,
        "The patient record is in use; try again later",
        false,
    );
    mock.user_saves();
    client
        .ok(LaunchFunctionality {
            identity: identity(2),
            ..LaunchFunctionality::default()
        })
        .await;
    let activity = client.ok(GetCurrentActivity::default()).await;
    assert_eq!(activity.activities, ["Patient Record"]);
    assert_eq!(
        activity.identity.unwrap().nhs_number.as_deref(),
        Some(nhs(2).as_str())
    );
}

#[tokio::test]
async fn exit_client_answers_then_stops_the_server() {
    let mock = mock_with(vec![]).await;
    let addr = mock.addr();
    let mut client = TestClient::paired(addr).await;
    let mut other = TestClient::paired(addr).await;
    client.ok(ExitClient::default()).await;
    tokio::time::timeout(Duration::from_secs(3), mock.stopped())
        .await
        .expect("stopped within 3 s");
    assert!(mock.is_stopped());
    assert_eq!(
        client.read_document().await,
        None,
        "its connection is closed"
    );
    assert_eq!(
        other.read_document().await,
        None,
        "every connection is closed"
    );
    mock.stop().await;
    assert!(
        tokio::net::TcpStream::connect(addr).await.is_err(),
        "no longer listening"
    );
}

#[tokio::test]
async fn exit_client_with_restart_closes_connections_but_keeps_listening() {
    let mock = mock_with(vec![]).await;
    let mut client = TestClient::paired(mock.addr()).await;
    let mut other = TestClient::paired(mock.addr()).await;
    client.ok(ExitClient { restart: true }).await;
    assert_eq!(client.read_document().await, None);
    assert_eq!(other.read_document().await, None);
    assert!(!mock.is_stopped());
    let mut again = TestClient::paired(mock.addr()).await;
    again.ok(IsPatientRetrieved::default()).await;
}

// ----- PatientSearch -----

fn search_practice() -> Vec<systmone_client::mock::PatientSeed> {
    vec![
        with_phones(
            with_address(alex(), "Example Street", "ZZ99 1AB"),
            Some("0113 496 0000"),
            None,
        ),
        with_phones(
            with_address(
                patient(
                    2,
                    "Alexandra",
                    "Testperson",
                    date(1985, 6, 15),
                    ModelSex::Female,
                ),
                "Sample Road",
                "ZZ99 3CD",
            ),
            None,
            Some("07700 900123"),
        ),
        with_phones(
            with_address(
                patient(3, "Sam", "Sample", date(1970, 2, 1), ModelSex::Male),
                "Mock Lane",
                "ZZ9 1AB",
            ),
            Some("(0113) 496-0999"),
            None,
        ),
        with_address(
            patient(
                4,
                "Zoë",
                "Placeholder",
                date(2001, 9, 9),
                ModelSex::Indeterminate,
            ),
            "Example Street",
            "ZZ99 1AB",
        ),
    ]
}

async fn found(client: &mut TestClient, search: PatientSearch) -> Vec<String> {
    client
        .ok(search)
        .await
        .results
        .into_iter()
        .map(|r| format!("{} {}", r.first_name, r.surname))
        .collect()
}

#[tokio::test]
async fn patient_search_needs_two_criteria() {
    let mock = mock_with(search_practice()).await;
    let mut client = TestClient::paired(mock.addr()).await;
    for search in [
        PatientSearch::default(),
        PatientSearch {
            surname: Some("Testpatient".into()),
            ..PatientSearch::default()
        },
        PatientSearch {
            surname: Some("Testpatient".into()),
            first_name: Some("   ".into()),
            post_code: Some(String::new()),
            ..PatientSearch::default()
        },
    ] {
        let error = client.error(search).await;
        assert_error(
            &error,
            "At least two search parameters must be specified",
            true,
        );
    }
    let none = client
        .ok(PatientSearch {
            surname: Some("Nobody".into()),
            first_name: Some("X".into()),
            ..PatientSearch::default()
        })
        .await;
    assert!(
        none.results.is_empty(),
        "no match is a normal, empty answer"
    );
}

#[tokio::test]
async fn patient_search_names_are_case_insensitive_prefixes() {
    let mock = mock_with(search_practice()).await;
    let mut client = TestClient::paired(mock.addr()).await;
    let names = |first: &str, surname: &str| PatientSearch {
        first_name: Some(first.into()),
        surname: Some(surname.into()),
        ..PatientSearch::default()
    };
    assert_eq!(
        found(&mut client, names("AL", "tes")).await,
        ["Alex Testpatient", "Alexandra Testperson"],
        "ordered by surname"
    );
    assert_eq!(
        found(&mut client, names("alexa", "T")).await,
        ["Alexandra Testperson"]
    );
    assert_eq!(
        found(&mut client, names("zoË", "place")).await,
        ["Zoë Placeholder"]
    );
    assert!(found(&mut client, names("Alexander", "T")).await.is_empty());
    assert!(
        found(&mut client, names("lex", "T")).await.is_empty(),
        "prefix, not substring"
    );

    let result = client
        .ok(PatientSearch {
            surname: Some("Testpatient".into()),
            date_of_birth: Some(date(1970, 2, 1)),
            ..PatientSearch::default()
        })
        .await
        .results;
    assert_eq!(result.len(), 1);
    let alex = &result[0];
    assert_eq!(alex.identity.nhs_number.as_deref(), Some(nhs(1).as_str()));
    assert_eq!(
        alex.identity.strategic_reporting_identifier.as_deref(),
        Some("500")
    );
    assert_eq!(alex.date_of_birth, date(1970, 2, 1));
    assert_eq!(alex.sex, Sex::Female);
    assert_eq!(alex.telephone.as_deref(), Some("0113 496 0000"));
    let address = alex.address.as_ref().unwrap();
    assert_eq!(address.postcode.as_deref(), Some("ZZ99 1AB"));
    assert_eq!(address.road.as_deref(), Some("Example Street"));
}

#[tokio::test]
async fn patient_search_full_postcode_versus_outward_code() {
    let mock = mock_with(search_practice()).await;
    let mut client = TestClient::paired(mock.addr()).await;
    let by = |postcode: &str, born: Option<chrono::NaiveDate>, gender: Option<Sex>| PatientSearch {
        post_code: Some(postcode.into()),
        date_of_birth: born,
        gender,
        ..PatientSearch::default()
    };
    let born_1970 = Some(date(1970, 2, 1));
    assert_eq!(
        found(&mut client, by("zz99 1ab", born_1970, None)).await,
        ["Alex Testpatient"]
    );
    assert_eq!(
        found(&mut client, by("ZZ99   1AB", born_1970, None)).await,
        ["Alex Testpatient"]
    );
    assert_eq!(
        found(&mut client, by("ZZ9 1AB", born_1970, None)).await,
        ["Sam Sample"]
    );
    // An outward code is compared whole: ZZ9 is not a prefix match for ZZ99.
    assert_eq!(
        found(&mut client, by("ZZ9", born_1970, None)).await,
        ["Sam Sample"]
    );
    assert_eq!(
        found(&mut client, by("zz99", None, Some(Sex::Female))).await,
        ["Alex Testpatient", "Alexandra Testperson"]
    );
    // A full postcode without its space is not a postcode SystmOne knows.
    assert!(
        found(&mut client, by("ZZ991AB", born_1970, None))
            .await
            .is_empty()
    );
}

#[tokio::test]
async fn patient_search_telephone_matches_every_phone_field_ignoring_punctuation() {
    let mock = mock_with(search_practice()).await;
    let mut client = TestClient::paired(mock.addr()).await;
    let phone = |number: &str, surname: &str| PatientSearch {
        telephone: Some(number.into()),
        surname: Some(surname.into()),
        ..PatientSearch::default()
    };
    assert_eq!(
        found(&mut client, phone("01134960000", "T")).await,
        ["Alex Testpatient"]
    );
    assert_eq!(
        found(&mut client, phone("0113-496-0999", "S")).await,
        ["Sam Sample"]
    );
    assert_eq!(
        found(&mut client, phone("(07700) 900 123", "T")).await,
        ["Alexandra Testperson"]
    );
    assert!(
        found(&mut client, phone("0113 496 000", "T"))
            .await
            .is_empty(),
        "whole numbers only"
    );

    // Work and alternate numbers are searched too.
    client
        .ok(UpdatePatientRecord {
            identity: identity(4),
            demographics: Some(DemographicsUpdate {
                work_telephone: Some("0113 496 0444".into()),
                alternate_telephone: Some("0113 496 0555".into()),
                ..DemographicsUpdate::default()
            }),
            ..UpdatePatientRecord::default()
        })
        .await;
    assert_eq!(
        found(&mut client, phone("01134960444", "P")).await,
        ["Zoë Placeholder"]
    );
    assert_eq!(
        found(&mut client, phone("0113 4960555", "P")).await,
        ["Zoë Placeholder"]
    );
}

#[tokio::test]
async fn patient_search_gender_is_m_or_f_only() {
    let mock = mock_with(search_practice()).await;
    let mut client = TestClient::paired(mock.addr()).await;
    let gender = |sex: Sex, born: chrono::NaiveDate| PatientSearch {
        gender: Some(sex),
        date_of_birth: Some(born),
        ..PatientSearch::default()
    };
    assert_eq!(
        found(&mut client, gender(Sex::Male, date(1970, 2, 1))).await,
        ["Sam Sample"]
    );
    assert_eq!(
        found(&mut client, gender(Sex::Female, date(1970, 2, 1))).await,
        ["Alex Testpatient"]
    );
    // An indeterminate patient matches neither.
    assert!(
        found(&mut client, gender(Sex::Female, date(2001, 9, 9)))
            .await
            .is_empty()
    );
    assert!(
        found(&mut client, gender(Sex::Male, date(2001, 9, 9)))
            .await
            .is_empty()
    );
    for sex in [Sex::Indeterminate, Sex::Unknown, Sex::Other("X".into())] {
        let error = client.error(gender(sex, date(2001, 9, 9))).await;
        assert_error(&error, "Invalid gender", true);
    }
}

// ----- GetPatientRecord -----

/// Patient 1's record for the filter tests: the practice's history
/// (2004 weight 22A.. with a value and a narrative, a later BP 246..
/// without one, both by sexample01), and today:
/// A: 9N1C. and a narrative by ctestuser (the logged-on user);
/// B: a 22A.. reading by asample01, effective 2031-04-01;
/// C: a SNOMED code and a medication that ended 2031-03-01;
/// P: a practice narrative with no recording user.
async fn filter_practice() -> (MockSystmOne, TestClient) {
    let mock = mock_with(vec![alex()]).await;
    let mut client = TestClient::paired(mock.addr()).await;
    let mut a = coded("9N1C.");
    a.narratives = note("Seen in clinic").narratives;
    let b = Event {
        date_time: Some(date(2031, 4, 1).and_hms_opt(10, 0, 0).unwrap()),
        user_name: Some("asample01".into()),
        clinical_codes: vec![ClinicalCode::reading(
            Code::new(CodeScheme::Ctv3, "22A.."),
            Decimal::new("72.5").unwrap(),
            "kg",
        )],
        ..Event::default()
    };
    let c = Event {
        clinical_codes: vec![ClinicalCode::new(Code::new(CodeScheme::Snomed, "27113001"))],
        medications: vec![Medication {
            start_date: Some(date(2031, 2, 1)),
            end_date: Some(date(2031, 3, 1)),
            ..Medication::new(
                Drug {
                    scheme: DrugScheme::Multilex,
                    product_id: "12345".into(),
                    pack_id: None,
                    name: Some("Paracetamol 500mg tablets".into()),
                },
                "2 four times a day",
                "100 tablets",
            )
        }],
        ..Event::default()
    };
    let added = client.ok(adding(1, vec![a, b, c])).await;
    assert_eq!(added.event_uids.len(), 3);
    let mut p = note("Telephoned by relative");
    p.user_name = None;
    mock.add_practice_event(&nhs(1), p).unwrap();
    (mock, client)
}

async fn filtered(client: &mut TestClient, filter: Filter) -> GetPatientRecordResponse {
    client.ok(record_of(1, Some(filter))).await
}

#[tokio::test]
async fn get_patient_record_without_a_filter_or_selectors_is_the_whole_record() {
    let (mock, mut client) = filter_practice().await;
    let whole = client.ok(record_of(1, None)).await;
    assert_eq!(
        whole.identity.strategic_reporting_identifier.as_deref(),
        Some("500")
    );
    assert_eq!(whole.record_state, Some(RecordState::Closed));
    let demographics = whole.demographics.as_ref().unwrap();
    assert_eq!(demographics.first_name, "Alex");
    assert_eq!(demographics.surname, "Testpatient");
    assert_eq!(events_of(&whole).len(), 6);
    assert_eq!(
        events_of(&whole).len(),
        mock.record(&nhs(1)).unwrap().events.len()
    );
    let software: Vec<Option<&str>> = events_of(&whole)
        .iter()
        .map(|e| e.software.as_deref())
        .collect();
    assert_eq!(
        software,
        [
            None,
            None,
            Some("Client Integration Test Software"),
            Some("Client Integration Test Software"),
            Some("Client Integration Test Software"),
            None
        ],
        "Software only on events added through the API"
    );

    let empty = filtered(&mut client, Filter::default()).await;
    assert_eq!(
        events_of(&empty).len(),
        6,
        "an empty Filter selects everything"
    );
    assert!(empty.demographics.is_some());

    // Only restrictors: everything, restricted.
    let today_only = filtered(
        &mut client,
        Filter {
            min_entry_date: Some(today()),
            ..Filter::default()
        },
    )
    .await;
    assert!(today_only.demographics.is_some());
    assert_eq!(events_of(&today_only).len(), 4);
    assert_eq!(
        codes_of(events_of(&today_only)),
        ["9N1C.", "22A..", "27113001"]
    );
}

#[tokio::test]
async fn get_patient_record_selectors() {
    let (_mock, mut client) = filter_practice().await;

    let codes = filtered(
        &mut client,
        Filter {
            clinical_codes: true,
            ..Filter::default()
        },
    )
    .await;
    assert!(codes.demographics.is_none());
    assert!(codes.non_clinical.is_none());
    assert_eq!(
        codes_of(events_of(&codes)),
        ["22A..", "246..", "9N1C.", "22A..", "27113001"]
    );
    assert!(lines_of(events_of(&codes)).is_empty(), "only coded entries");
    assert!(events_of(&codes).iter().all(|e| e.medications.is_empty()));

    let weight = filtered(
        &mut client,
        Filter {
            clinical_code: vec!["22A..".into()],
            ..Filter::default()
        },
    )
    .await;
    assert_eq!(codes_of(events_of(&weight)), ["22A..", "22A.."]);
    assert_eq!(
        events_of(&weight)[1].clinical_codes[0]
            .value
            .as_ref()
            .map(Decimal::as_str),
        Some("72.5")
    );

    let overridden = filtered(
        &mut client,
        Filter {
            clinical_codes: true,
            clinical_code: vec!["22A..".into()],
            ..Filter::default()
        },
    )
    .await;
    assert_eq!(
        events_of(&overridden).len(),
        5,
        "ClinicalCodes overrides ClinicalCode"
    );

    let snomed = filtered(
        &mut client,
        Filter {
            clinical_code: vec!["27113001".into()],
            ..Filter::default()
        },
    )
    .await;
    assert!(events_of(&snomed).is_empty(), "filter codes are CTV3 only");

    let numeric = filtered(
        &mut client,
        Filter {
            numeric: vec!["22A..".into(), "246..".into(), "9N1C.".into()],
            ..Filter::default()
        },
    )
    .await;
    assert_eq!(
        codes_of(events_of(&numeric)),
        ["22A..", "22A.."],
        "Numeric selects readings with a value only"
    );

    let narrative = filtered(
        &mut client,
        Filter {
            narrative: true,
            ..Filter::default()
        },
    )
    .await;
    assert_eq!(
        lines_of(events_of(&narrative)),
        [
            "New patient registration check.",
            "BP review; no changes to treatment.",
            "Seen in clinic",
            "Telephoned by relative"
        ]
    );
    assert!(codes_of(events_of(&narrative)).is_empty());

    let medication = filtered(
        &mut client,
        Filter {
            medication: true,
            ..Filter::default()
        },
    )
    .await;
    assert_eq!(events_of(&medication).len(), 1);
    assert_eq!(events_of(&medication)[0].medications.len(), 1);
    assert!(events_of(&medication)[0].clinical_codes.is_empty());
}

#[tokio::test]
async fn get_patient_record_date_restrictors() {
    let (_mock, mut client) = filter_practice().await;
    let effective_by = filtered(
        &mut client,
        Filter {
            clinical_codes: true,
            max_effective_date: Some(date(2031, 4, 2)),
            ..Filter::default()
        },
    )
    .await;
    assert_eq!(
        codes_of(events_of(&effective_by)),
        ["22A..", "246..", "22A.."],
        "entered today but effective 1 April"
    );

    let entered_today = filtered(
        &mut client,
        Filter {
            clinical_codes: true,
            min_entry_date: Some(today()),
            max_entry_date: Some(today()),
            ..Filter::default()
        },
    )
    .await;
    assert_eq!(
        codes_of(events_of(&entered_today)),
        ["9N1C.", "22A..", "27113001"]
    );

    let entered_before = filtered(
        &mut client,
        Filter {
            clinical_codes: true,
            max_entry_date: Some(date(2031, 4, 6)),
            ..Filter::default()
        },
    )
    .await;
    assert_eq!(codes_of(events_of(&entered_before)), ["22A..", "246.."]);

    // Point items are effective indefinitely; the medication ended 1 March.
    let effective_from = |min| Filter {
        clinical_codes: true,
        medication: true,
        min_effective_date: Some(min),
        ..Filter::default()
    };
    let still = filtered(&mut client, effective_from(date(2031, 2, 15))).await;
    assert_eq!(codes_of(events_of(&still)).len(), 5);
    assert_eq!(
        still
            .clinical
            .as_ref()
            .unwrap()
            .events
            .iter()
            .map(|e| e.medications.len())
            .sum::<usize>(),
        1
    );
    let ended = filtered(&mut client, effective_from(date(2031, 3, 2))).await;
    assert_eq!(codes_of(events_of(&ended)).len(), 5);
    assert!(events_of(&ended).iter().all(|e| e.medications.is_empty()));
}

#[tokio::test]
async fn get_patient_record_user_name_done_by_keeps_unknown_users() {
    let (_mock, mut client) = filter_practice().await;
    let by_gp = filtered(
        &mut client,
        Filter {
            narrative: true,
            user_name_done_by: vec!["sexample01".into()],
            ..Filter::default()
        },
    )
    .await;
    assert_eq!(
        lines_of(events_of(&by_gp)),
        [
            "New patient registration check.",
            "BP review; no changes to treatment.",
            "Telephoned by relative"
        ],
        "the unknown user's narrative is always included; ctestuser's is not"
    );

    let by_two = filtered(
        &mut client,
        Filter {
            clinical_codes: true,
            user_name_done_by: vec!["ASAMPLE01".into(), "ctestuser".into()],
            ..Filter::default()
        },
    )
    .await;
    assert_eq!(codes_of(events_of(&by_two)), ["9N1C.", "22A..", "27113001"]);
}

#[tokio::test]
async fn get_patient_record_demographics_only() {
    let (_mock, mut client) = filter_practice().await;
    let only = filtered(&mut client, Filter::demographics_only()).await;
    assert_eq!(only.demographics.as_ref().unwrap().surname, "Testpatient");
    assert!(only.clinical.is_none());
    assert!(only.non_clinical.is_none());
    assert_eq!(only.record_state, Some(RecordState::Closed));

    let restricted = filtered(
        &mut client,
        Filter {
            min_entry_date: Some(date(2040, 1, 1)),
            user_name_done_by: vec!["nobody".into()],
            ..Filter::demographics_only()
        },
    )
    .await;
    assert!(
        restricted.demographics.is_some(),
        "restrictors never remove demographics"
    );
    assert!(restricted.clinical.is_none());

    let with_notes = filtered(
        &mut client,
        Filter {
            narrative: true,
            ..Filter::demographics_only()
        },
    )
    .await;
    assert!(with_notes.demographics.is_some());
    assert_eq!(lines_of(events_of(&with_notes)).len(), 4);
}

#[tokio::test]
async fn get_patient_record_without_identity_reads_the_open_record() {
    let mock = mock_with(vec![alex()]).await;
    let mut client = TestClient::paired(mock.addr()).await;
    let error = client.error(GetPatientRecord::default()).await;
    assert_error(&error, "No patient record is currently retrieved", true);
    let error = client.error(record_of(9, None)).await;
    assert_error(
        &error,
        &format!("No patient found with identifier {}", nhs(9)),
        true,
    );
    let error = client
        .error(GetPatientRecord {
            identity: Some(Identity {
                nhs_number: Some(nhs(1)),
                pseudo_number: Some("1234567890".into()),
                ..Identity::default()
            }),
            ..GetPatientRecord::default()
        })
        .await;
    assert_error(
        &error,
        "Identity must give only one of NHSNumber, PseudoNumber or ClientID",
        true,
    );

    mock.open_record(&nhs(1), true);
    let open = client.ok(GetPatientRecord::default()).await;
    assert_eq!(open.identity.nhs_number.as_deref(), Some(nhs(1).as_str()));
    assert_eq!(open.record_state, Some(RecordState::Open));
}

#[tokio::test]
async fn patients_with_a_pseudo_number_are_found_by_it() {
    let mut seed = patient(5, "Pat", "Pseudonym", date(1990, 3, 3), ModelSex::Unknown);
    seed.nhs_number = None;
    seed.pseudo_number = Some("9990000999".into());
    let mock = mock_with(vec![seed]).await;
    let mut client = TestClient::paired(mock.addr()).await;
    let record = client
        .ok(GetPatientRecord {
            identity: Some(Identity {
                pseudo_number: Some("9990000999".into()),
                ..Identity::default()
            }),
            filter: Some(Filter::demographics_only()),
            ..GetPatientRecord::default()
        })
        .await;
    assert_eq!(record.identity.nhs_number, None);
    assert_eq!(record.identity.pseudo_number.as_deref(), Some("9990000999"));
    assert_eq!(record.demographics.unwrap().first_name, "Pat");
}

// ----- UpdatePatientRecord, appointments, GetAppointmentSlots -----

#[tokio::test]
async fn update_returns_uids_for_everything_it_creates() {
    let mock = mock_with(vec![alex()]).await;
    let mut client = TestClient::paired(mock.addr()).await;
    let free = client
        .ok(GetAppointmentSlots {
            min_date_time: Some(at(9, 0)),
            max_date_time: Some(at(9, 30)),
            user_names: vec!["sexample01".into()],
            slot_types: vec!["Routine".into()],
            ..GetAppointmentSlots::default()
        })
        .await;
    assert_eq!(free.clinics.len(), 1);
    let clinic = &free.clinics[0];
    assert_eq!(
        (
            clinic.user_name.as_str(),
            clinic.site_name.as_str(),
            clinic.clinic_type.as_str()
        ),
        ("sexample01", "Example Surgery", "GP Clinic")
    );
    let starts: Vec<NaiveDateTime> = clinic.slots.iter().map(|s| s.date_time_start).collect();
    assert_eq!(starts, [at(9, 0), at(9, 10)]);

    let mut update = with_non_clinical(
        adding(1, vec![coded("9N1C."), note("Booked by the app")]),
        NonClinical {
            appointments: vec![booking(gp_clinic(), "Routine", at(9, 0), 10)],
            visits: vec![Visit {
                date_time: Some(at(14, 0)),
                duration: Some(Minutes(30)),
                user_name: Some("jplaceholder".into()),
                comments: Some("Dressing change".into()),
                ..Visit::default()
            }],
            tasks: vec![Task::new("Admin", "Please call back").assigned_to_user("ctestuser")],
            ..NonClinical::default()
        },
    );
    update.demographics = Some(DemographicsUpdate {
        mobile_telephone: Some("07700 900456".into()),
        ..DemographicsUpdate::default()
    });
    let uid = client.send(update).await;
    let answer = client.receive::<UpdatePatientRecord>().await.body.unwrap();
    assert_eq!(answer.identity.nhs_number.as_deref(), Some(nhs(1).as_str()));
    assert_eq!(
        answer.event_uids.len(),
        3,
        "demographics change plus two events"
    );
    assert_eq!(answer.appointment_uids.len(), 1);
    assert_eq!(answer.visit_uids.len(), 1);
    assert_eq!(answer.task_uids.len(), 1);
    assert_eq!(answer.record_state, Some(RecordState::Closed));
    for uid in answer
        .event_uids
        .iter()
        .map(EventUid::as_str)
        .chain(answer.appointment_uids.iter().map(AppointmentUid::as_str))
    {
        assert_eq!(uid.len(), 16);
        assert!(uid.chars().all(|c| c.is_ascii_hexdigit()));
    }

    let record = mock.record(&nhs(1)).unwrap();
    assert_eq!(record.demographics.mobile_telephone, "07700 900456");
    let api: Vec<_> = record.api_events().collect();
    assert_eq!(api.len(), 3);
    for (event, uid) in api.iter().zip(&answer.event_uids) {
        assert_eq!(event.item.event_uid.as_ref(), Some(uid));
        assert_eq!(
            event.item.software.as_deref(),
            Some("Client Integration Test Software")
        );
        assert_eq!(event.item.user_name.as_deref(), Some("ctestuser"));
        assert_eq!(event.item.date_time, Some(start_time()));
        assert_eq!(event.entered, start_time());
    }
    assert_eq!(
        api[0].item.narratives[0].lines,
        ["Demographics changed: MobileTelephone"]
    );
    let appointment = &record.appointments[0].item;
    assert_eq!(appointment.uid, answer.appointment_uids[0]);
    assert_eq!(appointment.status, "Booked");
    assert_eq!(appointment.clinician, "EXAMPLE, Sam");
    assert_eq!(appointment.slot_type, "Routine");
    assert_eq!(record.visits[0].item.status.as_deref(), Some("Booked"));
    assert_eq!(record.tasks[0].item.status.as_deref(), Some("Not Started"));

    let journal = mock.journal();
    assert!(
        journal
            .iter()
            .all(|e| e.request_uid == uid && e.committed && e.patient == 500)
    );
    let changes: Vec<&RecordChange> = journal.iter().map(|e| &e.change).collect();
    assert_eq!(
        changes,
        [
            &RecordChange::DemographicsChanged(answer.event_uids[0].0.clone()),
            &RecordChange::EventAdded(answer.event_uids[1].0.clone()),
            &RecordChange::EventAdded(answer.event_uids[2].0.clone()),
            &RecordChange::AppointmentBooked(answer.appointment_uids[0].0.clone()),
            &RecordChange::VisitAdded(answer.visit_uids[0].0.clone()),
            &RecordChange::TaskAdded(answer.task_uids[0].0.clone()),
        ]
    );

    // The slot is no longer free.
    let slots = mock.slots();
    let booked: Vec<&DiarySlot> = slots.iter().filter(|s| s.booked.is_some()).collect();
    assert_eq!(booked.len(), 1);
    assert_eq!(booked[0].start, at(9, 0));
    assert_eq!(booked[0].booked.as_ref(), Some(&answer.appointment_uids[0]));
    let free = client
        .ok(GetAppointmentSlots {
            min_date_time: Some(at(9, 0)),
            max_date_time: Some(at(9, 30)),
            user_names: vec!["sexample01".into()],
            slot_types: vec!["Routine".into()],
            ..GetAppointmentSlots::default()
        })
        .await;
    let starts: Vec<NaiveDateTime> = free.clinics[0]
        .slots
        .iter()
        .map(|s| s.date_time_start)
        .collect();
    assert_eq!(starts, [at(9, 10)]);

    // Pending appointments, visits and tasks in the record.
    let pending = client
        .ok(record_of(
            1,
            Some(Filter {
                appointments: true,
                visits: true,
                tasks: true,
                ..Filter::default()
            }),
        ))
        .await;
    assert!(pending.demographics.is_none());
    assert!(pending.clinical.is_none());
    let non_clinical = pending.non_clinical.unwrap();
    assert_eq!(non_clinical.appointments.len(), 1);
    let flat = &non_clinical.appointments[0];
    assert_eq!(
        flat.appointment_uid.as_ref(),
        Some(&answer.appointment_uids[0])
    );
    assert_eq!(flat.date_time, Some(at(9, 0)));
    assert_eq!(flat.user_name.as_deref(), Some("sexample01"));
    assert_eq!(flat.status.as_deref(), Some("Booked"));
    assert_eq!(
        non_clinical.visits[0].visit_uid.as_ref(),
        Some(&answer.visit_uids[0])
    );
    assert_eq!(
        non_clinical.tasks[0].task_uid.as_ref(),
        Some(&answer.task_uids[0])
    );
    assert_eq!(
        non_clinical.tasks[0].content.as_deref(),
        Some("Please call back")
    );

    // Updates by UID return no new UIDs; finished and completed items are
    // no longer pending.
    let changed = client
        .ok(UpdatePatientRecord {
            identity: identity(1),
            non_clinical: Some(NonClinical {
                appointments: vec![Appointment::update_status(
                    answer.appointment_uids[0].clone(),
                    "finished",
                )],
                tasks: vec![Task {
                    task_uid: Some(answer.task_uids[0].clone()),
                    status: Some("Completed".into()),
                    ..Task::default()
                }],
                ..NonClinical::default()
            }),
            ..UpdatePatientRecord::default()
        })
        .await;
    assert!(
        changed.event_uids.is_empty()
            && changed.appointment_uids.is_empty()
            && changed.task_uids.is_empty()
    );
    assert_eq!(
        mock.record(&nhs(1)).unwrap().appointments[0].item.status,
        "Finished"
    );
    let pending = client
        .ok(record_of(
            1,
            Some(Filter {
                appointments: true,
                visits: true,
                tasks: true,
                ..Filter::default()
            }),
        ))
        .await
        .non_clinical
        .unwrap();
    assert!(pending.appointments.is_empty());
    assert!(pending.tasks.is_empty());
    assert_eq!(pending.visits.len(), 1);

    let error = client
        .error(UpdatePatientRecord {
            identity: identity(1),
            non_clinical: Some(NonClinical {
                appointments: vec![Appointment::update_status(
                    answer.appointment_uids[0].clone(),
                    "Gone fishing",
                )],
                ..NonClinical::default()
            }),
            ..UpdatePatientRecord::default()
        })
        .await;
    assert!(
        error
            .message
            .starts_with("Invalid appointment status Gone fishing: use one of Booked, Arrived"),
        "{}",
        error.message
    );
    assert_eq!(error.permanent, Some(true));
}

#[tokio::test]
async fn appointments_are_booked_only_into_free_slots() {
    let mock = mock_with(vec![
        alex(),
        patient(2, "Sam", "Sample", date(1980, 1, 1), ModelSex::Male),
    ])
    .await;
    let mut client = TestClient::paired(mock.addr()).await;
    let book = |n, appointment| {
        with_non_clinical(
            UpdatePatientRecord {
                identity: identity(n),
                ..UpdatePatientRecord::default()
            },
            NonClinical {
                appointments: vec![appointment],
                ..NonClinical::default()
            },
        )
    };
    client
        .ok(book(1, booking(gp_clinic(), "Routine", at(9, 10), 10)))
        .await;
    let e13 = "No free appointment slot matches the requested appointment";
    for wrong in [
        booking(gp_clinic(), "Routine", at(9, 10), 10), // already booked
        booking(gp_clinic(), "Routine", at(9, 5), 10),  // no slot then
        booking(gp_clinic(), "Routine", at(9, 0), 15),  // wrong length
        booking(gp_clinic(), "Urgent", at(9, 0), 10),   // wrong slot type
        booking(
            Clinic {
                site_name: "Example Branch Surgery".into(),
                ..gp_clinic()
            },
            "Routine",
            at(9, 0),
            10,
        ),
        Appointment {
            comments: Some("no slot at all".into()),
            ..Appointment::default()
        },
    ] {
        let error = client.error(book(2, wrong)).await;
        assert_error(&error, e13, true);
    }
    assert!(mock.record(&nhs(2)).unwrap().appointments.is_empty());
    // Names compare without regard to case; the sibling Slot shape books too.
    let sibling = Appointment {
        clinic: Some(Clinic {
            user_name: "SEXAMPLE01".into(),
            site_name: "example surgery".into(),
            clinic_type: "gp clinic".into(),
            ..Clinic::default()
        }),
        slot: Some(Slot {
            slot_type: "routine".into(),
            date_time_start: at(9, 40),
            duration: Minutes(10),
        }),
        ..Appointment::default()
    };
    let answer = client.ok(book(2, sibling)).await;
    assert_eq!(answer.appointment_uids.len(), 1);
    let booked = &mock.record(&nhs(2)).unwrap().appointments[0].item;
    assert_eq!(
        (
            booked.start,
            booked.user_name.as_str(),
            booked.slot_type.as_str()
        ),
        (at(9, 40), "sexample01", "Routine")
    );
}

#[tokio::test]
async fn update_is_all_or_nothing() {
    let mock = mock_with(vec![alex()]).await;
    let mut client = TestClient::paired(mock.addr()).await;
    let before = mock.record(&nhs(1)).unwrap();
    let slots_before = mock.slots();

    // A bad second event.
    let error = client
        .error(adding(1, vec![note("fine"), Event::default()]))
        .await;
    assert_error(&error, "An Event must contain at least one item", true);

    // A bad code scheme after a demographics change.
    let mut bad_scheme = adding(
        1,
        vec![coded("9N1C."), {
            let mut e = coded("H33..");
            e.clinical_codes[0].code.scheme = CodeScheme::Other("Read2".into());
            e
        }],
    );
    bad_scheme.demographics = Some(DemographicsUpdate {
        surname: Some("Changed".into()),
        ..DemographicsUpdate::default()
    });
    let error = client.error(bad_scheme).await;
    assert_error(&error, "Invalid coding scheme Read2", true);

    // Good events, a good appointment, then one into no slot: the first
    // slot stays free and nothing is added.
    let error = client
        .error(with_non_clinical(
            adding(1, vec![note("fine"), coded("9N1C.")]),
            NonClinical {
                appointments: vec![
                    booking(gp_clinic(), "Routine", at(9, 0), 10),
                    booking(gp_clinic(), "Routine", at(9, 5), 10),
                ],
                tasks: vec![Task::new("Admin", "never")],
                ..NonClinical::default()
            },
        ))
        .await;
    assert_error(
        &error,
        "No free appointment slot matches the requested appointment",
        true,
    );

    // A new visit without its user, after a good task.
    let error = client
        .error(with_non_clinical(
            adding(1, vec![note("fine")]),
            NonClinical {
                tasks: vec![Task::new("Admin", "never")],
                visits: vec![Visit {
                    date_time: Some(at(14, 0)),
                    duration: Some(Minutes(20)),
                    ..Visit::default()
                }],
                ..NonClinical::default()
            },
        ))
        .await;
    assert_error(
        &error,
        "A new Visit needs DateTime, Duration and UserName",
        true,
    );

    assert!(
        mock.journal().is_empty(),
        "nothing was journalled: {:?}",
        mock.journal()
    );
    assert_eq!(mock.record(&nhs(1)).unwrap(), before);
    assert_eq!(mock.slots(), slots_before);
}

#[tokio::test]
async fn letters_are_validated() {
    let mock = mock_with(vec![alex()]).await;
    let mut client = TestClient::paired(mock.addr()).await;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("discharge.pdf");
    std::fs::write(&path, b"%PDF-1.4 a discharge letter").unwrap();
    let good = Letter {
        recipient_name: Some(LetterName {
            title: Some("Dr".into()),
            surname: Some("Example".into()),
            ..LetterName::default()
        }),
        document_path: Some(path.display().to_string()),
        letter_type: "discharge summary".into(),
        direction: Some(LetterDirection::Incoming),
        ..Letter::default()
    };
    let letter_event = |letter: Letter| Event {
        letters: vec![letter],
        ..Event::default()
    };
    let missing = dir.path().join("missing.pdf").display().to_string();
    let cases = [
        (
            Letter {
                document_path: None,
                ..good.clone()
            },
            "Invalid letter: a DocumentPath is required".to_owned(),
        ),
        (
            Letter {
                letter_type: "  ".into(),
                ..good.clone()
            },
            "Invalid letter: a Type is required".to_owned(),
        ),
        (
            Letter {
                letter_type: "Not A Letter Type".into(),
                ..good.clone()
            },
            "Invalid letter: unknown letter type Not A Letter Type".to_owned(),
        ),
        (
            Letter {
                direction: None,
                ..good.clone()
            },
            "Invalid letter: a Direction is required".to_owned(),
        ),
        (
            Letter {
                direction: Some(LetterDirection::Other("Sideways".into())),
                ..good.clone()
            },
            "Invalid letter: unknown direction Sideways: use Incoming, Outgoing or Other"
                .to_owned(),
        ),
        (
            Letter {
                recipient_name: Some(LetterName::default()),
                recipient_organisation: Some("  ".into()),
                ..good.clone()
            },
            "Invalid letter: a recipient name or recipient organisation is required".to_owned(),
        ),
        (
            Letter {
                document_path: Some(missing.clone()),
                ..good.clone()
            },
            format!("The file {missing} does not exist or cannot be read"),
        ),
    ];
    for (letter, message) in cases {
        let error = client
            .error(adding(1, vec![note("first"), letter_event(letter)]))
            .await;
        assert_error(&error, &message, true);
    }
    assert!(mock.journal().is_empty());

    let by_organisation = Letter {
        recipient_name: None,
        recipient_organisation: Some("Example Hospital Trust".into()),
        letter_type: "Child Adolescent & Family Services".into(),
        direction: Some(LetterDirection::Neither),
        ..good.clone()
    };
    let answer = client
        .ok(adding(
            1,
            vec![letter_event(good), letter_event(by_organisation)],
        ))
        .await;
    assert_eq!(answer.event_uids.len(), 2);
    let record = mock.record(&nhs(1)).unwrap();
    assert_eq!(record.documents.len(), 2);
    let letters = client
        .ok(record_of(
            1,
            Some(Filter {
                letters: true,
                ..Filter::default()
            }),
        ))
        .await;
    let letters: Vec<&Letter> = events_of(&letters)
        .iter()
        .flat_map(|e| &e.letters)
        .collect();
    assert_eq!(letters.len(), 2);
    assert_eq!(letters[1].letter_type, "Child Adolescent & Family Services");
    assert_eq!(letters[0].document_path, None, "the path is not kept");
    assert_eq!(
        letters[0].document_uid.as_ref(),
        Some(&record.documents[0].uid)
    );
}

#[tokio::test]
async fn an_attachment_is_stored_and_fetched_back_with_get_document() {
    let mock = mock_with(vec![alex()]).await;
    let mut client = TestClient::paired(mock.addr()).await;
    let source = tempfile::tempdir().unwrap();
    let path = source.path().join("wound photo.jpg");
    let contents: Vec<u8> = (0..3000u32).map(|i| (i * 7 % 256) as u8).collect();
    std::fs::write(&path, &contents).unwrap();
    let answer = client
        .ok(adding(
            1,
            vec![Event {
                attachments: vec![Attachment {
                    document_path: Some(path.display().to_string()),
                    comments: Some("Wound on day 3".into()),
                    ..Attachment::default()
                }],
                ..Event::default()
            }],
        ))
        .await;
    assert_eq!(answer.event_uids.len(), 1);
    // The mock holds its own copy: the original can go.
    std::fs::remove_file(&path).unwrap();

    let listed = client
        .ok(record_of(
            1,
            Some(Filter {
                attachments: true,
                ..Filter::default()
            }),
        ))
        .await;
    let attachment = &events_of(&listed)[0].attachments[0];
    assert_eq!(attachment.file_name.as_deref(), Some("wound photo.jpg"));
    assert_eq!(attachment.file_size.as_deref(), Some("3 KB"));
    assert_eq!(attachment.comments.as_deref(), Some("Wound on day 3"));
    assert_eq!(attachment.document_path, None);
    let document_uid = attachment.document_uid.clone().unwrap();

    let out = tempfile::tempdir().unwrap();
    let fetched = client
        .ok(GetDocument {
            identity: identity(1),
            document_uid: document_uid.clone(),
            write_to: Some(out.path().display().to_string()),
            leave_record_open: false,
        })
        .await;
    assert_eq!(fetched.record_state, Some(RecordState::Closed));
    assert_eq!(fetched.document_files.len(), 1);
    let written = std::path::Path::new(&fetched.document_files[0]);
    assert_eq!(written.parent(), Some(out.path()));
    assert_eq!(written.extension().and_then(|e| e.to_str()), Some("jpg"));
    assert!(
        written
            .file_stem()
            .unwrap()
            .to_str()
            .unwrap()
            .chars()
            .all(|c| c.is_ascii_digit())
    );
    assert_eq!(std::fs::read(written).unwrap(), contents);

    // A second fetch writes a new file.
    let again = client
        .ok(GetDocument {
            identity: identity(1),
            document_uid: document_uid.clone(),
            write_to: Some(out.path().display().to_string()),
            leave_record_open: false,
        })
        .await;
    assert_ne!(again.document_files, fetched.document_files);

    let missing_dir = out.path().join("not here");
    let error = client
        .error(GetDocument {
            identity: identity(1),
            document_uid: document_uid.clone(),
            write_to: Some(missing_dir.display().to_string()),
            leave_record_open: false,
        })
        .await;
    assert_error(
        &error,
        &format!(
            "The directory {} does not exist or cannot be accessed",
            missing_dir.display()
        ),
        true,
    );
    let error = client
        .error(GetDocument {
            identity: identity(1),
            document_uid: DocumentUid("0123456789abcdef".into()),
            write_to: Some(out.path().display().to_string()),
            leave_record_open: false,
        })
        .await;
    assert_error(&error, "No document found with UID 0123456789abcdef", true);

    // A missing file: E14, and nothing is saved.
    let journal = mock.journal();
    let record = mock.record(&nhs(1)).unwrap();
    let gone = source.path().join("gone.png").display().to_string();
    let error = client
        .error(adding(
            1,
            vec![
                note("with a missing file"),
                Event {
                    attachments: vec![Attachment {
                        document_path: Some(gone.clone()),
                        ..Attachment::default()
                    }],
                    ..Event::default()
                },
            ],
        ))
        .await;
    assert_error(
        &error,
        &format!("The file {gone} does not exist or cannot be read"),
        true,
    );
    assert_eq!(mock.journal(), journal);
    assert_eq!(mock.record(&nhs(1)).unwrap(), record);
}

#[tokio::test]
async fn get_document_without_write_to_uses_the_temp_dir() {
    let temp = tempfile::tempdir().unwrap();
    let mock = builder()
        .temp_dir(temp.path())
        .patients(vec![alex()])
        .start()
        .await
        .unwrap();
    let mut client = TestClient::paired(mock.addr()).await;
    let source = tempfile::NamedTempFile::with_suffix(".txt").unwrap();
    std::fs::write(source.path(), b"plain text").unwrap();
    client
        .ok(adding(
            1,
            vec![Event {
                attachments: vec![Attachment {
                    document_path: Some(source.path().display().to_string()),
                    ..Attachment::default()
                }],
                ..Event::default()
            }],
        ))
        .await;
    let uid = mock.record(&nhs(1)).unwrap().documents[0].uid.clone();
    let fetched = client
        .ok(GetDocument {
            identity: identity(1),
            document_uid: uid,
            ..GetDocument::default()
        })
        .await;
    let written = std::path::Path::new(&fetched.document_files[0]);
    assert_eq!(written.parent(), Some(temp.path()));
    assert_eq!(std::fs::read(written).unwrap(), b"plain text");
}

// ----- LeaveRecordOpen -----

#[tokio::test]
async fn leave_record_open_decision_table() {
    let mock = mock_with(vec![
        alex(),
        patient(2, "Sam", "Sample", date(1980, 1, 1), ModelSex::Male),
    ])
    .await;
    let mut client = TestClient::paired(mock.addr()).await;
    let read = |leave_record_open| GetPatientRecord {
        identity: Some(identity(1)),
        leave_record_open,
        filter: Some(Filter::demographics_only()),
    };
    let write = |leave_record_open, line: &str| UpdatePatientRecord {
        leave_record_open,
        ..adding(1, vec![note(line)])
    };

    // Absent, not open: Closed, committed at once.
    assert_eq!(
        client.ok(read(false)).await.record_state,
        Some(RecordState::Closed)
    );
    assert_eq!(
        client.ok(write(false, "background")).await.record_state,
        Some(RecordState::Closed)
    );
    assert!(mock.journal().iter().all(|e| e.committed));
    assert!(
        !client
            .ok(IsPatientRetrieved::default())
            .await
            .is_patient_retrieved
    );

    // Present, not open: opened and shown.
    assert_eq!(
        client.ok(read(true)).await.record_state,
        Some(RecordState::Open)
    );
    assert!(
        client
            .ok(IsPatientRetrieved::default())
            .await
            .is_patient_retrieved
    );
    assert_eq!(
        client
            .ok(GetCurrentActivity::default())
            .await
            .identity
            .unwrap()
            .nhs_number
            .as_deref(),
        Some(nhs(1).as_str())
    );
    // Present, open and displayable.
    assert_eq!(
        client.ok(read(true)).await.record_state,
        Some(RecordState::Open)
    );
    // Absent, open, read: performed, left open.
    assert_eq!(
        client.ok(read(false)).await.record_state,
        Some(RecordState::Open)
    );
    // Absent, open, write: E5.
    let error = client.error(write(false, "refused")).await;
    assert_error(
        &error,
        "The patient record is in use; try again later",
        false,
    );
    let error = client
        .error(DeletePatientRecord {
            identity: Some(identity(1)),
            event_uids: vec![EventUid("0123456789abcdef".into())],
            reason: "tidy".into(),
            ..DeletePatientRecord::default()
        })
        .await;
    assert_error(
        &error,
        "The patient record is in use; try again later",
        false,
    );

    // Present, open: a write is uncommitted until the user saves.
    let kept = client.ok(write(true, "kept by the user")).await;
    assert_eq!(kept.record_state, Some(RecordState::Open));
    assert!(mock.has_uncommitted_changes());
    let last = mock.journal().last().cloned().unwrap();
    assert_eq!(
        last.change,
        RecordChange::EventAdded(kept.event_uids[0].0.clone())
    );
    assert!(!last.committed);
    // The SystmOne user sees it at once.
    let seen = client
        .ok(record_of(
            1,
            Some(Filter {
                narrative: true,
                ..Filter::default()
            }),
        ))
        .await;
    assert!(lines_of(events_of(&seen)).contains(&"kept by the user"));
    mock.user_saves();
    assert!(!mock.has_uncommitted_changes());
    let journal = mock.journal();
    assert!(journal.iter().all(|e| e.committed));
    assert_eq!(journal.last().unwrap().change, RecordChange::UserSaved);

    // Discarded by the user: gone.
    let lost = client.ok(write(true, "discarded by the user")).await;
    assert!(
        mock.record(&nhs(1))
            .unwrap()
            .event(lost.event_uids[0].as_str())
            .is_some()
    );
    mock.user_discards();
    let record = mock.record(&nhs(1)).unwrap();
    assert!(record.event(lost.event_uids[0].as_str()).is_none());
    assert!(record.event(kept.event_uids[0].as_str()).is_some());
    assert_eq!(
        mock.journal().last().unwrap().change,
        RecordChange::UserDiscarded
    );

    // Another patient while patient 1 has uncommitted changes: E5.
    client.ok(write(true, "pending again")).await;
    let error = client
        .error(GetPatientRecord {
            identity: Some(identity(2)),
            leave_record_open: true,
            filter: None,
        })
        .await;
    assert_error(
        &error,
        "The patient record is in use; try again later",
        false,
    );
    // Without LeaveRecordOpen another patient is read in the background.
    let other = client
        .ok(record_of(2, Some(Filter::demographics_only())))
        .await;
    assert_eq!(other.record_state, Some(RecordState::Closed));
    mock.user_saves();
    // Saved: switching is allowed.
    let switched = client
        .ok(GetPatientRecord {
            identity: Some(identity(2)),
            leave_record_open: true,
            filter: Some(Filter::demographics_only()),
        })
        .await;
    assert_eq!(switched.record_state, Some(RecordState::Open));
    assert_eq!(
        client
            .ok(GetCurrentActivity::default())
            .await
            .identity
            .unwrap()
            .nhs_number
            .as_deref(),
        Some(nhs(2).as_str())
    );

    // Open but not displayable: E4 with LeaveRecordOpen, for reads and writes.
    mock.open_record(&nhs(1), false);
    let error = client.error(read(true)).await;
    assert_error(
        &error,
        "The patient record is open in a state that cannot be displayed; try again later",
        false,
    );
    let error = client.error(write(true, "not shown")).await;
    assert_eq!(error.permanent, Some(false));
    assert_eq!(
        client.ok(read(false)).await.record_state,
        Some(RecordState::Open)
    );
}

#[tokio::test]
async fn update_with_leave_record_open_and_no_identity_writes_to_the_open_record() {
    let mock = mock_with(vec![alex()]).await;
    let mut client = TestClient::paired(mock.addr()).await;
    let no_identity = UpdatePatientRecord {
        identity: Identity::default(),
        leave_record_open: true,
        ..adding(1, vec![note("to whoever is open")])
    };
    let error = client.error(no_identity.clone()).await;
    assert_error(&error, "No patient record is currently retrieved", true);
    mock.open_record(&nhs(1), true);
    let answer = client.ok(no_identity).await;
    assert_eq!(answer.identity.nhs_number.as_deref(), Some(nhs(1).as_str()));
    assert_eq!(answer.record_state, Some(RecordState::Open));
}

// ----- GetDiary -----

#[tokio::test]
async fn get_diary_groups_pending_appointments_and_visits_by_patient() {
    let mock = mock_with(vec![
        alex(),
        patient(2, "Sam", "Sample", date(1980, 1, 1), ModelSex::Male),
    ])
    .await;
    let mut client = TestClient::paired(mock.addr()).await;
    let nurse = Clinic {
        user_name: "jplaceholder".into(),
        site_name: "Example Branch Surgery".into(),
        clinic_type: "Nurse Clinic".into(),
        ..Clinic::default()
    };
    let one = client
        .ok(with_non_clinical(
            UpdatePatientRecord {
                identity: identity(1),
                ..UpdatePatientRecord::default()
            },
            NonClinical {
                appointments: vec![booking(gp_clinic(), "Routine", at(9, 0), 10)],
                visits: vec![Visit {
                    date_time: Some(at(15, 0)),
                    duration: Some(Minutes(30)),
                    user_name: Some("jplaceholder".into()),
                    comments: Some("Dressing change".into()),
                    ..Visit::default()
                }],
                ..NonClinical::default()
            },
        ))
        .await;
    let two = client
        .ok(with_non_clinical(
            UpdatePatientRecord {
                identity: identity(2),
                ..UpdatePatientRecord::default()
            },
            NonClinical {
                appointments: vec![booking(nurse, "Blood Test", at(9, 0), 15)],
                ..NonClinical::default()
            },
        ))
        .await;

    let diary = client.ok(GetDiary::default()).await;
    assert_eq!(diary.results.len(), 2);
    let alex = &diary.results[0];
    assert_eq!(alex.identity.nhs_number.as_deref(), Some(nhs(1).as_str()));
    let brief = alex.demographics.as_ref().unwrap();
    assert_eq!(
        (brief.first_name.as_str(), brief.surname.as_str()),
        ("Alex", "Testpatient")
    );
    assert_eq!(brief.date_of_birth, Some(date(1970, 2, 1)));
    assert_eq!(brief.sex, Some(Sex::Female));
    assert_eq!(alex.appointments.len(), 1);
    let appointment = &alex.appointments[0];
    assert_eq!(
        appointment.appointment_uid.as_ref(),
        Some(&one.appointment_uids[0])
    );
    let clinic = appointment.clinic.as_ref().unwrap();
    assert_eq!(clinic.user_name, "sexample01");
    assert_eq!(clinic.slots[0].date_time_start, at(9, 0));
    assert_eq!(clinic.slots[0].slot_type, "Routine");
    assert_eq!(alex.visits.len(), 1);
    assert_eq!(alex.visits[0].comments.as_deref(), Some("Dressing change"));
    assert_eq!(
        diary.results[1].appointments[0].appointment_uid.as_ref(),
        Some(&two.appointment_uids[0])
    );

    let visits = client
        .ok(GetDiary {
            visits: true,
            ..GetDiary::default()
        })
        .await;
    assert_eq!(visits.results.len(), 1);
    assert!(visits.results[0].appointments.is_empty());
    assert_eq!(visits.results[0].visits.len(), 1);

    // SiteName restricts appointments only: Alex's visit stays.
    let branch = client
        .ok(GetDiary {
            site_names: vec!["Example Branch Surgery".into()],
            ..GetDiary::default()
        })
        .await;
    let shape: Vec<(Option<&str>, usize, usize)> = branch
        .results
        .iter()
        .map(|r| {
            (
                r.identity.nhs_number.as_deref(),
                r.appointments.len(),
                r.visits.len(),
            )
        })
        .collect();
    let (n1, n2) = (nhs(1), nhs(2));
    assert_eq!(
        shape,
        [(Some(n1.as_str()), 0, 1), (Some(n2.as_str()), 1, 0)]
    );

    let gp = client
        .ok(GetDiary {
            user_names: vec!["sexample01".into()],
            ..GetDiary::default()
        })
        .await;
    assert_eq!(gp.results.len(), 1);
    assert_eq!(
        (gp.results[0].appointments.len(), gp.results[0].visits.len()),
        (1, 0)
    );

    let afternoon = client
        .ok(GetDiary {
            min_date_time: Some(at(12, 0)),
            ..GetDiary::default()
        })
        .await;
    assert_eq!(afternoon.results.len(), 1);
    assert_eq!(afternoon.results[0].visits.len(), 1);
}

#[tokio::test]
async fn get_appointment_slots_filters_combine() {
    let start = start_time();
    let slots = vec![
        DiarySlot::free(
            "sexample01",
            "Example Surgery",
            "GP Clinic",
            "Routine",
            start + chrono::TimeDelta::hours(1),
            10,
        ),
        DiarySlot::free(
            "sexample01",
            "Example Surgery",
            "GP Clinic",
            "Urgent",
            start + chrono::TimeDelta::hours(2),
            10,
        ),
        DiarySlot::free(
            "asample01",
            "Example Surgery",
            "GP Clinic",
            "Routine",
            start + chrono::TimeDelta::hours(1),
            10,
        ),
        DiarySlot::free(
            "jplaceholder",
            "Example Branch Surgery",
            "Nurse Clinic",
            "Blood Test",
            start + chrono::TimeDelta::hours(3),
            15,
        ),
    ];
    let mock = builder().slots(slots).start().await.unwrap();
    let mut client = TestClient::paired(mock.addr()).await;
    let count =
        |r: &GetAppointmentSlotsResponse| r.clinics.iter().map(|c| c.slots.len()).sum::<usize>();
    let all = client.ok(GetAppointmentSlots::default()).await;
    assert_eq!(all.clinics.len(), 3);
    assert_eq!(count(&all), 4);
    let two_users = client
        .ok(GetAppointmentSlots {
            user_names: vec!["sexample01".into(), "jplaceholder".into()],
            ..GetAppointmentSlots::default()
        })
        .await;
    assert_eq!(count(&two_users), 3, "repeats of one filter are ORed");
    let and = client
        .ok(GetAppointmentSlots {
            user_names: vec!["sexample01".into(), "jplaceholder".into()],
            slot_types: vec!["routine".into()],
            ..GetAppointmentSlots::default()
        })
        .await;
    assert_eq!(count(&and), 1, "different filters are ANDed");
    let window = client
        .ok(GetAppointmentSlots {
            min_date_time: Some(at(9, 0)),
            max_date_time: Some(at(10, 0)),
            ..GetAppointmentSlots::default()
        })
        .await;
    assert_eq!(count(&window), 3, "inclusive at both ends");
    let site = client
        .ok(GetAppointmentSlots {
            site_names: vec!["Example Branch Surgery".into()],
            clinic_types: vec!["Nurse Clinic".into()],
            ..GetAppointmentSlots::default()
        })
        .await;
    assert_eq!(count(&site), 1);
    assert_eq!(site.clinics[0].slots[0].duration, Minutes(15));
    let none = client
        .ok(GetAppointmentSlots {
            min_date_time: Some(at(23, 0)),
            ..GetAppointmentSlots::default()
        })
        .await;
    assert!(none.clinics.is_empty());
}
