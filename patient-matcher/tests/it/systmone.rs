//! The search planner and the manual match run through the real client
//! against the mock SystmOne, with SystmOne's throttle on paused time:
//! how many calls each case costs, and what each call was.
#![cfg(feature = "systmone")]
#![allow(clippy::unwrap_used)]

use crate::support::mock;

use std::time::Duration;

use chrono::NaiveDate;
use econsult_model::{Demographics, NhsNumber, PersonName, Phone, PhoneKind, Sex};
use patient_matcher::systmone::{
    ManualMatchError, SystmOnePatient, find_patient, manual_match, run_plan,
};
use patient_matcher::{
    Evidence, Lookup, MatchConfig, MatchOutcome, NameAgreement, SearchPlanner, StopReason,
};
use systmone_client::client::Client;
use systmone_client::mock::{MockSystmOne, PatientSeed};
use systmone_client::patient::PatientId;
use systmone_client::proto::{GetPatientRecord, Identity, PatientSearch};
use tokio::time::Instant;

fn date(text: &str) -> NaiveDate {
    text.parse().unwrap()
}

fn nhs(n: u32) -> NhsNumber {
    NhsNumber::from_prefix(999_000_000 + n).unwrap()
}

/// Patient `n` of the practice, with a postcode and a mobile number.
fn seed(n: u32, first: &str, surname: &str, dob: &str, sex: Sex) -> PatientSeed {
    let mut patient = PatientSeed {
        nhs_number: Some(nhs(n)),
        pseudo_number: None,
        first_name: first.into(),
        surname: surname.into(),
        date_of_birth: date(dob),
        sex,
        title: None,
        middle_names: None,
        house_number: Some(n.to_string()),
        road: Some("Example Street".into()),
        town: Some("Testbury".into()),
        postcode: Some(format!("ZZ99 {}AB", n % 10).parse().unwrap()),
        home_telephone: None,
        mobile_telephone: Some(format!("07700 900{n:03}").parse().unwrap()),
        email: None,
    };
    patient.title = None;
    patient
}

/// What a patient declares: the practice's details, changed by `change`.
fn declared(patient: &PatientSeed, change: impl FnOnce(&mut Demographics)) -> Demographics {
    let mut d = patient.demographics().unwrap();
    d.nhs_number = None;
    change(&mut d);
    d
}

fn rename(d: &mut Demographics, first: &str, surname: &str) {
    d.name = PersonName::new(first, surname).unwrap();
}

fn without_contact(d: &mut Demographics) {
    d.postcode = None;
    d.phones.clear();
}

/// A practice with look-alikes around the patients the tests look for.
fn practice() -> Vec<PatientSeed> {
    vec![
        seed(1, "William", "Testpatient", "1970-02-01", Sex::Male),
        seed(2, "Alex", "Exampleson", "1985-06-15", Sex::Female),
        // Identical on the four fields: never auto-matched.
        seed(3, "Sam", "Fictional", "1990-03-04", Sex::Male),
        seed(4, "Sam", "Fictional", "1990-03-04", Sex::Male),
        // Born the same day as William, another surname.
        seed(5, "Wendy", "Madeupname", "1970-02-01", Sex::Female),
        seed(6, "Willow", "Testpatient", "2001-11-30", Sex::Female),
    ]
}

async fn start() -> (MockSystmOne, Client) {
    mock::start(&practice()).await
}

fn searches(mock: &MockSystmOne) -> u64 {
    mock.count::<PatientSearch>()
}

fn record_reads(mock: &MockSystmOne) -> u64 {
    mock.count::<GetPatientRecord>()
}

#[tokio::test(start_paused = true)]
async fn an_exact_match_costs_one_search() {
    let (mock, client) = start().await;
    let william = &practice()[0];
    let report = find_patient(&client, &declared(william, |_| {}), &MatchConfig::default())
        .await
        .unwrap();
    assert_eq!(searches(&mock), 1);
    assert_eq!(report.lookups.len(), 1);
    assert_eq!(report.stop_reason, StopReason::ExactMatchSettled);
    assert!(report.planned >= 4, "the plan shows its worst case");
    let MatchOutcome::AutoMatched(found) = &report.outcome else {
        panic!("{:?}", report.outcome)
    };
    assert_eq!(
        found.patient.identity.nhs_number.as_deref(),
        Some(nhs(1).as_str())
    );
    assert_eq!(
        found.patient.id,
        PatientId::nhs(nhs(1)),
        "what a save goes to"
    );
    // The first search asks for everyone born that day whose surname
    // starts with the same letter, without `Gender`: patients recorded as
    // unknown or indeterminate are returned too, and could block.
    let Lookup::Search(criteria) = &report.lookups[0].lookup else {
        panic!()
    };
    assert_eq!(criteria.date_of_birth, Some(date("1970-02-01")));
    assert_eq!(criteria.surname.as_deref(), Some("t"));
    assert_eq!(criteria.gender, None);
}

#[tokio::test(start_paused = true)]
async fn identical_patients_cost_one_search_and_are_ambiguous() {
    let (mock, client) = start().await;
    let sam = &practice()[2];
    let report = find_patient(&client, &declared(sam, |_| {}), &MatchConfig::default())
        .await
        .unwrap();
    assert_eq!(searches(&mock), 1);
    let MatchOutcome::NotMatched { suggestions } = &report.outcome else {
        panic!("{:?}", report.outcome)
    };
    assert_eq!(suggestions.len(), 2);
    assert!(suggestions.iter().all(|s| s.ambiguous));
}

#[tokio::test(start_paused = true)]
async fn identical_patients_and_an_nhs_number_cost_one_search() {
    let (mock, client) = start().await;
    let sam = declared(&practice()[3], |d| d.nhs_number = Some(nhs(4)));
    let report = find_patient(&client, &sam, &MatchConfig::default())
        .await
        .unwrap();
    // The number's owner is among the exact matches found: nothing to look
    // up, and nothing unseen can change the decision.
    assert_eq!((searches(&mock), record_reads(&mock)), (1, 0));
    assert_eq!(report.stop_reason, StopReason::ExactMatchSettled);
    let suggestions = report.outcome.suggestions();
    assert_eq!(suggestions.len(), 2);
    assert!(suggestions.iter().all(|s| s.ambiguous));
    // The NHS number ranks its owner first.
    assert_eq!(
        suggestions[0].patient.identity.nhs_number.as_deref(),
        Some(nhs(4).as_str())
    );
    assert_eq!(suggestions[1].comparison.nhs_number, Evidence::Different);
}

#[tokio::test(start_paused = true)]
async fn a_nickname_with_agreeing_contact_details_costs_one_search() {
    let (mock, client) = start().await;
    let william = &practice()[0];
    let bill = declared(william, |d| rename(d, "Bill", "Testpatient"));
    let report = find_patient(&client, &bill, &MatchConfig::default())
        .await
        .unwrap();
    // Found by the first search at 96 (of 100). A patient that search
    // missed could have the surname's first letter accented (98), so the
    // second asks for everyone of his sex born that day; after it nobody
    // missed could score more than 92 (a sex recorded as unknown), so it
    // stops.
    assert_eq!(searches(&mock), 2);
    assert_eq!(report.stop_reason, StopReason::NothingBetterUnseen);
    let best = report.outcome.best().unwrap();
    assert_eq!(best.comparison.first_name, NameAgreement::Nickname);
    assert_eq!(best.score.value(), 96);
}

#[tokio::test(start_paused = true)]
async fn a_nickname_without_contact_details_searches_until_nothing_could_outrank_it() {
    let (mock, client) = start().await;
    let william = &practice()[0];
    let bill = declared(william, |d| {
        rename(d, "Bill", "Testpatient");
        without_contact(d);
    });
    let report = find_patient(&client, &bill, &MatchConfig::default())
        .await
        .unwrap();
    // 86 of the 90 points names, date of birth and sex could earn (96).
    // After the first search a patient with an accented surname initial
    // could outrank it (98); after the second, nobody missed could score
    // more than 91 (a sex recorded as unknown, 82 of 90), so it stops
    // before the third.
    assert_eq!(report.planned, 3);
    assert_eq!(searches(&mock), 2);
    assert_eq!(report.stop_reason, StopReason::NothingBetterUnseen);
    assert_eq!(report.outcome.best().unwrap().score.value(), 96);
}

#[tokio::test(start_paused = true)]
async fn someone_not_registered_costs_the_whole_plan_and_finds_nothing() {
    let (mock, client) = start().await;
    let stranger = declared(
        &seed(99, "Nobody", "Unregistered", "1961-07-08", Sex::Female),
        |_| {},
    );
    let started = Instant::now();
    let report = find_patient(&client, &stranger, &MatchConfig::default())
        .await
        .unwrap();
    assert_eq!(report.lookups.len(), report.planned);
    assert_eq!(searches(&mock), report.planned as u64);
    assert_eq!(report.stop_reason, StopReason::PlanExhausted);
    assert!(matches!(report.outcome, MatchOutcome::NoResults { .. }));
    // One second each, at SystmOne's throttle.
    let elapsed = started.elapsed();
    assert!(
        elapsed >= Duration::from_secs(report.planned as u64 - 1),
        "{elapsed:?}"
    );
}

#[tokio::test(start_paused = true)]
async fn a_given_nhs_number_finds_a_patient_whose_details_all_changed() {
    let (mock, client) = start().await;
    let alex = &practice()[1];
    // Married, moved, and the year of birth typed wrong.
    let changed = declared(alex, |d| {
        rename(d, "Alex", "Newname");
        d.date_of_birth = date("1986-06-15");
        without_contact(d);
        d.nhs_number = Some(nhs(2));
    });
    let report = find_patient(&client, &changed, &MatchConfig::default())
        .await
        .unwrap();
    assert_eq!(
        record_reads(&mock),
        1,
        "one demographics read by NHS number"
    );
    let best = report.outcome.best().unwrap();
    assert_eq!(best.comparison.nhs_number, Evidence::Same);
    assert_eq!(
        best.patient.identity.nhs_number.as_deref(),
        Some(nhs(2).as_str())
    );
    assert!(matches!(report.outcome, MatchOutcome::NotMatched { .. }));
}

#[tokio::test(start_paused = true)]
async fn a_budget_stops_early() {
    let (mock, client) = start().await;
    let bill = declared(&practice()[0], |d| {
        rename(d, "Bill", "Testpatient");
        without_contact(d);
    });
    let planner = SearchPlanner::new(&bill, MatchConfig::default()).with_budget(1);
    let report = run_plan(&client, planner).await.unwrap();
    assert_eq!(report.stop_reason, StopReason::BudgetSpent);
    assert_eq!(searches(&mock), 1);
    assert_eq!(report.outcome.best().unwrap().score.value(), 96);
}

#[test]
fn an_exact_match_from_an_incomplete_search_is_only_suggested() {
    let william = practice()[0].demographics().unwrap();
    // Candidates from somewhere other than a planned search (here, recorded
    // with no lookup pending) may have a twin nobody looked for.
    let mut planner = SearchPlanner::new(&william, MatchConfig::default());
    planner.record(vec![patient_matcher::Candidate {
        patient: 1,
        demographics: william.clone(),
    }]);
    let outcome = planner.finish();
    assert_eq!(outcome.auto_matched(), None);
    assert!(outcome.suggestions()[0].comparison.is_exact());

    // The same candidate from the first planned search is auto-matched.
    let mut planner = SearchPlanner::new(&william, MatchConfig::default());
    assert!(planner.next_lookup().is_some());
    planner.record(vec![patient_matcher::Candidate {
        patient: 1,
        demographics: william,
    }]);
    assert_eq!(planner.finish().auto_matched(), Some(&1));
}

#[tokio::test(start_paused = true)]
async fn manual_match_reads_demographics_once_and_compares() {
    let (mock, client) = start().await;
    let william = &practice()[0];
    let bill = declared(william, |d| rename(d, "Bill", "Testpatient"));
    let started = Instant::now();
    let found = manual_match(&client, "999 000 0018", &bill).await.unwrap();
    // A second one straight after: demographics-only reads are exempt from
    // the 30-second limit.
    manual_match(&client, nhs(2).as_str(), &bill).await.unwrap();
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(record_reads(&mock), 2);
    assert_eq!(searches(&mock), 0);
    assert_eq!(found.candidate.demographics.name.first_name(), "William");
    assert_eq!(found.comparison.first_name, NameAgreement::Nickname);
    assert!(
        found
            .findings()
            .iter()
            .any(|f| f.text.contains("short form"))
    );
}

#[tokio::test(start_paused = true)]
async fn an_invalid_nhs_number_sends_nothing() {
    let (mock, client) = start().await;
    let before = mock.request_count();
    let err = manual_match(&client, "999 000 0019", &declared(&practice()[0], |_| {}))
        .await
        .unwrap_err();
    assert!(
        matches!(err, ManualMatchError::InvalidNhsNumber(_)),
        "{err}"
    );
    assert!(err.to_string().contains("nothing was sent"), "{err}");
    assert_eq!(mock.request_count(), before);
}

#[tokio::test(start_paused = true)]
async fn an_unknown_nhs_number_is_not_found() {
    let (_mock, client) = start().await;
    let err = manual_match(&client, nhs(77).as_str(), &declared(&practice()[0], |_| {}))
        .await
        .unwrap_err();
    assert!(matches!(err, ManualMatchError::NotFound { .. }), "{err}");
    assert!(err.to_string().contains("may not be registered"), "{err}");
}

#[test]
fn the_plan_is_visible_before_it_runs() {
    let mut submission = practice()[0].demographics().unwrap();
    submission.nhs_number = Some(nhs(1));
    submission.phones = vec![Phone {
        kind: PhoneKind::Mobile,
        number: "07700 900001".parse().unwrap(),
    }];
    let planner = SearchPlanner::<u32>::new(&submission, MatchConfig::default());
    let plan: Vec<String> = planner
        .plan()
        .iter()
        .map(|p| p.lookup.to_string())
        .collect();
    assert_eq!(
        plan,
        [
            "PatientSearch Surname=t DateOfBirth=1970-02-01",
            "GetPatientRecord Demographics NHSNumber=9990000018",
            "PatientSearch DateOfBirth=1970-02-01 Gender=M",
            "PatientSearch FirstName=w Surname=tes",
            "PatientSearch FirstName=w PostCode=ZZ99 1AB",
            "PatientSearch FirstName=w Telephone=07700900001",
        ]
    );
    assert!(planner.plan().iter().all(|p| !p.purpose.is_empty()));
}

/// A practice whose records hold names `PersonName` refuses: invisible
/// characters, a direction override, a soft hyphen, an over-long surname.
fn practice_with_unclean_names() -> Vec<PatientSeed> {
    let mut william = seed(
        1,
        "Wil\u{AD}liam",
        "Test\u{200B}patient",
        "1970-02-01",
        Sex::Male,
    );
    william.mobile_telephone = None;
    let long = format!("Longname{}", "x".repeat(150));
    vec![
        william,
        seed(2, "\u{202E}Alex", &long, "1985-06-15", Sex::Female),
    ]
}

#[tokio::test(start_paused = true)]
async fn names_systmone_holds_uncleanly_are_compared_not_dropped() {
    let (_mock, client) = mock::start(&practice_with_unclean_names()).await;
    // A soft hyphen and a zero-width space are set aside: the record is
    // William Testpatient, the only one, so he is found (and, the search
    // being complete, auto-matched).
    let william = declared(&practice()[0], |_| {});
    let report = find_patient(&client, &william, &MatchConfig::default())
        .await
        .unwrap();
    assert!(report.is_complete());
    assert_eq!(report.unreadable_results, 0);
    let found = report.outcome.best().expect("William was dropped");
    assert_eq!(found.patient.demographics.name.first_name(), "William");
    assert_eq!(found.patient.demographics.name.surname(), "Testpatient");
    assert!(found.comparison.is_exact());

    // A direction override and a surname of 158 characters: read, cut to
    // 100 characters, and compared; but a name read in part is never an
    // exact match (another name may have the same first 100 characters),
    // so the search counts it as not read in full and auto-matches nobody.
    let mut alex = declared(&practice()[1], |_| {});
    alex.name = PersonName::new("Alex", &format!("Longname{}", "x".repeat(92))).unwrap();
    let report = find_patient(&client, &alex, &MatchConfig::default())
        .await
        .unwrap();
    assert_eq!(report.unreadable_results, 1);
    assert!(!report.is_complete());
    assert_eq!(report.outcome.auto_matched(), None);
    let found = report.outcome.best().expect("Alex was dropped");
    assert_eq!(found.patient.demographics.name.first_name(), "Alex");
    assert_eq!(
        found.patient.demographics.name.surname().chars().count(),
        100
    );
}

#[tokio::test(start_paused = true)]
async fn a_result_that_cannot_be_read_means_no_auto_match() {
    // William, and someone born the same day whose first name is nothing
    // but invisible characters: he may be another William Testpatient.
    let mut practice = practice();
    practice.push(seed(
        7,
        "\u{200B}\u{2060}",
        "Testpatient",
        "1970-02-01",
        Sex::Male,
    ));
    let (_mock, client) = mock::start(&practice).await;
    let william = declared(&practice[0], |_| {});
    let report = find_patient(&client, &william, &MatchConfig::default())
        .await
        .unwrap();
    assert_eq!(report.unreadable_results, 1);
    assert!(!report.is_complete());
    assert_eq!(report.outcome.auto_matched(), None, "{:?}", report.outcome);
    // He is still suggested, first.
    assert!(report.outcome.suggestions()[0].comparison.is_exact());
}

/// A `GetPatientRecord` answer, as SystmOne writes it, for a record
/// carrying `identity` (the XML of an `Identity`).
fn record_answer(identity: &str) -> systmone_client::proto::GetPatientRecordResponse {
    let document = format!(
        "<ClientIntegrationResponse><DeviceID>d</DeviceID><RequestUID>u</RequestUID>\
         <Function>GetPatientRecord</Function><FunctionVersion>1.0</FunctionVersion>\
         <ResponseUID>r</ResponseUID><Response>{identity}<Demographics><Title/>\
         <FirstName>William</FirstName><MiddleNames/><Surname>Testpatient</Surname>\
         <DateOfBirth>1970-02-01</DateOfBirth><Sex>M</Sex></Demographics></Response>\
         </ClientIntegrationResponse>"
    );
    systmone_client::proto::decode_response::<GetPatientRecord>(document.as_bytes())
        .unwrap()
        .body
        .unwrap()
}

#[tokio::test]
async fn a_manual_match_is_offered_only_for_the_number_asked_for() {
    let asked = nhs(1);
    let bill = declared(&practice()[0], |d| rename(d, "Bill", "Testpatient"));
    for (identity, why) in [
        (
            format!(
                "<Identity><NHSNumber>{}</NHSNumber></Identity>",
                nhs(2).as_str()
            ),
            "another patient's number",
        ),
        (
            "<Identity><PseudoNumber>P123</PseudoNumber></Identity>".to_owned(),
            "no NHS number",
        ),
        ("<Identity/>".to_owned(), "no identity at all"),
    ] {
        let mut api = systmone_client::client::MockSystmOneApi::new();
        let answer = record_answer(&identity);
        api.expect_get_patient_record()
            .times(1)
            .returning(move |_| Ok(answer.clone()));
        let err = manual_match(&api, asked.as_str(), &bill)
            .await
            .expect_err(why);
        assert!(
            matches!(err, ManualMatchError::OtherPatient { nhs_number, .. } if nhs_number == asked),
            "{why}: {err}"
        );
        assert!(err.to_string().contains("not offered"), "{err}");
    }
    // The number asked for, written with spaces: offered.
    let mut api = systmone_client::client::MockSystmOneApi::new();
    let answer = record_answer("<Identity><NHSNumber>999 000 0018</NHSNumber></Identity>");
    api.expect_get_patient_record()
        .returning(move |_| Ok(answer.clone()));
    let found = manual_match(&api, asked.as_str(), &bill).await.unwrap();
    assert_eq!(found.comparison.first_name, NameAgreement::Nickname);
    assert_eq!(found.candidate.patient.id, PatientId::nhs(asked));
}

/// A search result as SystmOne might write it: William Testpatient,
/// identified by `identity`.
fn william_result(identity: Identity) -> systmone_client::proto::PatientSearchResult {
    systmone_client::proto::PatientSearchResult {
        identity,
        first_name: "William".into(),
        surname: "Testpatient".into(),
        date_of_birth: date("1970-02-01"),
        sex: systmone_client::proto::Sex::Male,
        telephone: None,
        address: None,
        other: Vec::new(),
        other_attributes: Vec::new(),
    }
}

#[tokio::test]
async fn a_result_that_names_no_record_is_unreadable_and_never_a_candidate() {
    // Three William Testpatients: one with a valid NHS number; one whose
    // NHS number fails its check digit (beside a pseudo number, which is
    // not used instead); one with only a Strategic Reporting identifier,
    // which cannot be sent. Only the first could be saved to.
    let results = vec![
        william_result(Identity {
            nhs_number: Some(nhs(1).as_str().to_owned()),
            strategic_reporting_identifier: Some("501".into()),
            ..Identity::default()
        }),
        william_result(Identity {
            nhs_number: Some("9990000019".into()),
            pseudo_number: Some("0012345678".into()),
            strategic_reporting_identifier: Some("502".into()),
            ..Identity::default()
        }),
        william_result(Identity {
            strategic_reporting_identifier: Some("503".into()),
            ..Identity::default()
        }),
    ];
    let mut api = systmone_client::client::MockSystmOneApi::new();
    api.expect_patient_search().returning(move |_| {
        let mut response = systmone_client::proto::PatientSearchResponse::default();
        response.results = results.clone();
        Ok(response)
    });
    let william = declared(&practice()[0], |_| {});
    let report = find_patient(&api, &william, &MatchConfig::default())
        .await
        .unwrap();
    assert!(!report.lookups.is_empty());
    assert_eq!(
        report.unreadable_results,
        2 * report.lookups.len(),
        "two results of every lookup are unreadable"
    );
    assert!(!report.is_complete());
    assert_eq!(report.outcome.auto_matched(), None, "{:?}", report.outcome);
    let suggestions = report.outcome.suggestions();
    assert_eq!(suggestions.len(), 1, "{suggestions:?}");
    assert_eq!(suggestions[0].patient.id, PatientId::nhs(nhs(1)));
    assert!(suggestions[0].comparison.is_exact());
}

#[test]
fn the_same_patient_is_the_same_patient_id() {
    let patient = |identity: Identity| SystmOnePatient {
        id: PatientId::from_identity(&identity).unwrap(),
        identity,
        demographics: declared(&practice()[0], |_| {}),
    };
    let searched = patient(Identity {
        nhs_number: Some("9990000018".into()),
        strategic_reporting_identifier: Some("501".into()),
        ..Identity::default()
    });
    // A record read of the same patient (spacing aside): the same.
    let read = patient(Identity {
        nhs_number: Some("999 000 0018".into()),
        ..Identity::default()
    });
    assert_eq!(searched, read);
    // Another NHS number with the same Strategic Reporting identifier (which
    // cannot name a record to save to): not the same.
    let other = patient(Identity {
        nhs_number: Some(nhs(2).as_str().to_owned()),
        strategic_reporting_identifier: Some("501".into()),
        ..Identity::default()
    });
    assert_ne!(searched, other);
    // Pseudo numbers and client IDs compare by the same rule.
    let pseudo = |p: &str| {
        patient(Identity {
            pseudo_number: Some(p.into()),
            ..Identity::default()
        })
    };
    assert_eq!(pseudo("0012345678"), pseudo(" 0012345678"));
    assert_ne!(pseudo("0012345678"), pseudo("0012345679"));
    let client = patient(Identity {
        client_id: Some("0012345678".into()),
        ..Identity::default()
    });
    assert_ne!(pseudo("0012345678"), client);
}

#[tokio::test]
async fn the_planner_does_not_offer_a_record_that_answers_for_another_number() {
    let mut submission = declared(&practice()[0], |_| {});
    submission.nhs_number = Some(nhs(1));
    let mut api = systmone_client::client::MockSystmOneApi::new();
    api.expect_patient_search()
        .returning(|_| Ok(systmone_client::proto::PatientSearchResponse::default()));
    let answer = record_answer(&format!(
        "<Identity><NHSNumber>{}</NHSNumber></Identity>",
        nhs(2).as_str()
    ));
    api.expect_get_patient_record()
        .returning(move |_| Ok(answer.clone()));
    let report = find_patient(&api, &submission, &MatchConfig::default())
        .await
        .unwrap();
    assert!(report.outcome.best().is_none(), "{:?}", report.outcome);
    assert_eq!(report.unreadable_results, 1);
}

/// The "read in full" flag moved to `systmone_client::patient` with the
/// lenient reading, where the matcher's `normalise` is not available: it
/// says the same as the rule it had here (the lenient name normalises to
/// what SystmOne holds), for any text.
mod read_in_full {
    use super::*;
    use patient_matcher::normalise;
    use proptest::prelude::*;
    use systmone_client::patient::demographics_from_search;

    /// Names of letters, accents (composed and combining), spaces,
    /// controls and invisible characters, some over 100 characters.
    fn name() -> impl Strategy<Value = String> {
        let piece = prop_oneof![
            4 => "[A-Za-z]{1,40}",
            1 => Just("é".to_owned()),
            1 => Just("e\u{301}".to_owned()),
            1 => Just("\u{301}".to_owned()),
            1 => Just("İ".to_owned()),
            1 => Just(" ".to_owned()),
            1 => Just("\t \n".to_owned()),
            1 => Just("\u{0}".to_owned()),
            1 => Just("\u{AD}".to_owned()),
            1 => Just("\u{200B}".to_owned()),
            1 => Just("\u{202E}".to_owned()),
            1 => Just("\u{2028}".to_owned()),
            1 => Just("\u{FEFF}".to_owned()),
        ];
        proptest::collection::vec(piece, 0..8).prop_map(|pieces| pieces.concat())
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]
        #[test]
        fn in_full_is_what_normalising_says(first in name(), surname in name()) {
            let result = william_result(Identity::default());
            let result = systmone_client::proto::PatientSearchResult {
                first_name: first.clone(),
                surname: surname.clone(),
                ..result
            };
            let Some(read) = demographics_from_search(&result) else {
                // Unreadable: a part is empty once cleaned, as it
                // normalises to nothing.
                prop_assert!(normalise(&first).is_empty() || normalise(&surname).is_empty());
                return Ok(());
            };
            let name = &read.demographics.name;
            let before = normalise(name.first_name()) == normalise(&first)
                && normalise(name.surname()) == normalise(&surname);
            prop_assert_eq!(read.in_full, before);
        }
    }
}
