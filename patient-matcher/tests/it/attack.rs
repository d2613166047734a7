//! Adversarial tests, written by a reviewer who had not seen the matcher's
//! own tests, each trying to break a promise: never the wrong patient;
//! U and I never make a match unique; nothing read is silently dropped;
//! the planner's stop rule is sound; the index and the plain list agree.
//!
//! Each test in the first part failed against the code as first reviewed
//! and is now a regression test (its doc comment says what went wrong).
//! Those marked `#[ignore]` are documented limits, kept so that the limit
//! is visible and its test ready. Tests in the section "Tried, holds"
//! document attacks that did not break anything.
#![allow(clippy::unwrap_used)]

use chrono::NaiveDate;
use econsult_model::{Demographics, NhsNumber, PersonName, Phone, PhoneKind, Sex};
use patient_matcher::{
    Candidate, MatchConfig, MatchOutcome, PatientIndex, PersonDetails, match_candidates,
};

#[cfg(feature = "systmone")]
use crate::support::mock;

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

fn person(first: &str, surname: &str, dob: NaiveDate, sex: Sex) -> Demographics {
    Demographics::new(PersonName::new(first, surname).unwrap(), dob, sex)
}

fn details(
    first: Option<&str>,
    surname: Option<&str>,
    dob: Option<NaiveDate>,
    sex: Sex,
) -> PersonDetails {
    let mut d = PersonDetails::default();
    d.first_name = first.map(str::to_owned);
    d.surname = surname.map(str::to_owned);
    d.date_of_birth = dob;
    d.sex = sex;
    d
}

/// The index's outcome with its keys copied, without the `nearest` of
/// `NoResults` (the index sees fewer candidates, by design): what promise 5
/// compares.
fn shape<K: Clone>(o: &MatchOutcome<K>) -> (Option<K>, Vec<(K, u8, bool)>) {
    (
        o.auto_matched().cloned(),
        o.suggestions()
            .iter()
            .map(|s| (s.patient.clone(), s.score.value(), s.ambiguous))
            .collect(),
    )
}

fn index_shape<K: Clone>(o: &MatchOutcome<&K>) -> (Option<K>, Vec<(K, u8, bool)>) {
    (
        o.auto_matched().map(|k| (*k).clone()),
        o.suggestions()
            .iter()
            .map(|s| ((*s.patient).clone(), s.score.value(), s.ambiguous))
            .collect(),
    )
}

/// An outcome reduced to what promise 5 compares.
type Shape = (Option<u32>, Vec<(u32, u8, bool)>);

/// Runs the same complete patients and submission through the plain list
/// and through the index.
fn both(
    patients: &[(u32, Demographics)],
    submission: &Demographics,
    config: &MatchConfig,
) -> (Shape, Shape) {
    let list = match_candidates(
        submission,
        patients.iter().map(|(k, d)| Candidate {
            patient: *k,
            demographics: d.clone(),
        }),
        config,
    );
    let index = PatientIndex::build(patients.iter().cloned()).unwrap();
    let found = index.find(submission, config);
    (shape(&list), index_shape(&found))
}

// ---------------------------------------------------------------------------
// Promise 1: never the wrong patient.
// ---------------------------------------------------------------------------

/// A row with a first name and no surname, whose first name, date of birth
/// and sex are the submission's, "could be" the person (promise 1: an
/// incomplete candidate agreeing on the other two), so it must block the
/// auto-match. When the submission's first name equals its surname
/// ("Owen Owen"), the comparison prefers the *swapped* reading for the
/// incomplete row (submission surname = row first name, 25 points, less 4,
/// beats the straight 20), and `could_be_exact` refuses swapped comparisons:
/// the blocker vanishes and the index auto-matches.
#[test]
fn p1_incomplete_row_is_read_as_swapped_and_stops_blocking() {
    let dob = date(1970, 2, 1);
    let index = PatientIndex::from_details([
        (
            "complete",
            details(Some("Owen"), Some("Owen"), Some(dob), Sex::Male),
        ),
        // The same man, or his twin, recorded without a surname.
        (
            "no surname",
            details(Some("Owen"), None, Some(dob), Sex::Male),
        ),
    ])
    .unwrap();
    let outcome = index.find(
        &person("Owen", "Owen", dob, Sex::Male),
        &MatchConfig::default(),
    );
    assert_eq!(
        outcome.auto_matched(),
        None,
        "auto-matched although the row without a surname could be him: {outcome:#?}"
    );
}

/// The same with the row missing its surname *and* recorded with sex U:
/// still a could-be (sex U), still hidden by the swap.
#[test]
fn p2_incomplete_u_sex_row_is_read_as_swapped_and_stops_blocking() {
    let dob = date(1970, 2, 1);
    let index = PatientIndex::from_details([
        (
            "complete",
            details(Some("Owen"), Some("Owen"), Some(dob), Sex::Male),
        ),
        (
            "no surname, sex U",
            details(Some("Owen"), None, Some(dob), Sex::Unknown),
        ),
    ])
    .unwrap();
    let outcome = index.find(
        &person("Owen", "Owen", dob, Sex::Male),
        &MatchConfig::default(),
    );
    assert_eq!(outcome.auto_matched(), None, "{outcome:#?}");
    assert!(
        outcome
            .suggestions()
            .iter()
            .any(|s| *s.patient == "no surname, sex U"),
        "the sex-U row that could be him is not shown: {outcome:#?}"
    );
}

/// A vendor row whose first name is only an invisible character (a
/// zero-width space left by an export) is, to a person, a row without a
/// first name: it agrees on surname, date of birth and sex, so it could be
/// the person and must block. `normalise` keeps U+200B, so the row has a
/// "known" first name that merely differs, and the twin auto-matches.
#[test]
fn p1_row_with_invisible_only_first_name_does_not_block() {
    let dob = date(1970, 2, 1);
    let index = PatientIndex::from_details([
        (
            "complete",
            details(Some("Alex"), Some("Testpatient"), Some(dob), Sex::Female),
        ),
        (
            "first name invisible",
            details(
                Some("\u{200B}"),
                Some("Testpatient"),
                Some(dob),
                Sex::Female,
            ),
        ),
    ])
    .unwrap();
    let outcome = index.find(
        &person("Alex", "Testpatient", dob, Sex::Female),
        &MatchConfig::default(),
    );
    assert_eq!(outcome.auto_matched(), None, "{outcome:#?}");
}

// ---------------------------------------------------------------------------
// Promise 5: the index and the plain list agree.
// ---------------------------------------------------------------------------

/// `NaiveDate::MIN` is the index's sentinel for "no date of birth": a
/// patient recorded with that date (a decoder's default, a placeholder)
/// was taken as undated by the index but not by the list. Now it means
/// "not known" everywhere (`PersonDetails` says so): both only suggest.
#[test]
fn p5_date_of_birth_naive_date_min_is_read_as_missing_by_the_index() {
    let dob = NaiveDate::MIN;
    let patients = [(1, person("Alex", "Testpatient", dob, Sex::Female))];
    let (list, index) = both(
        &patients,
        &person("Alex", "Testpatient", dob, Sex::Female),
        &MatchConfig::default(),
    );
    assert_eq!(list.0, None, "a date of birth not known never auto-matches");
    assert_eq!(list.1.first().map(|s| s.0), Some(1));
    assert_eq!(index, list, "the index disagrees with the list");
}

/// The other way round: a look-alike whose date of birth is `NaiveDate::MIN`
/// was a stranger to the list (date differs, 61, not shown) but a could-be
/// (date "missing") to the index, which then refused the auto-match. Now
/// both read it as not known, and both refuse.
#[test]
fn p5_naive_date_min_look_alike_blocks_only_in_the_index() {
    let dob = date(1970, 2, 1);
    let patients = [
        (1, person("Alex", "Testpatient", dob, Sex::Female)),
        (
            2,
            person("Alex", "Testpatient", NaiveDate::MIN, Sex::Female),
        ),
    ];
    let (list, index) = both(
        &patients,
        &person("Alex", "Testpatient", dob, Sex::Female),
        &MatchConfig::default(),
    );
    // The look-alike's date of birth is not known: she could be Alex.
    assert_eq!(list.0, None);
    assert_eq!(index, list);
}

/// A nickname (16), a surname one letter out at its start (a similar
/// spelling, 18) and a date of birth one digit out (24) with the same sex
/// score 76: shown by the list. The index reaches one-digit date slips only
/// through `names_could_agree`, which wants *both* names related by a
/// shared initial, sound, nickname or part (or one equal once folded): a
/// surname misspelt in its first letter is related by none of these, and
/// the candidate is lost. (Found by the property below; "Mathilda
/// Donaldson"/"Nathilda Ronaldson" fails the same way.)
#[test]
fn p5_surname_misspelt_in_its_initial_with_a_one_digit_date_is_lost() {
    let patients = [(1, person("Bill", "Ronaldson", date(1970, 2, 7), Sex::Male))];
    let submission = person("William", "Donaldson", date(1970, 2, 1), Sex::Male);
    let c = patient_matcher::compare(&submission, &patients[0].1);
    assert_eq!(c.first_name, patient_matcher::NameAgreement::Nickname);
    assert_eq!(c.surname, patient_matcher::NameAgreement::SimilarSpelling);
    assert_eq!(
        c.date_of_birth,
        patient_matcher::DateAgreement::OneDigitWrong
    );
    let (list, index) = both(&patients, &submission, &MatchConfig::default());
    assert_eq!(list.1.len(), 1, "the list suggests the patient: {list:?}");
    assert_eq!(index, list, "the index lost a candidate the list shows");
}

/// A threshold below the default: the index's one-digit-slip filter
/// (`names_could_agree`) is tuned to what reaches 65, so at 60 a candidate
/// with a different first name, a similar surname, a one-digit date and the
/// same sex and postcode (0 + 18 + 24 + 10 + 5 of 95 = 60) is shown by the
/// list and lost by the index. (Found by the property below.)
#[test]
#[ignore = "documented limit: the index's blocking keys are chosen for the default threshold (65) and above (PatientIndex's docs)"]
fn p5_threshold_60_index_loses_a_candidate() {
    let mut candidate = person("Alex", "Smith", date(1970, 2, 7), Sex::Male);
    candidate.postcode = Some("ZZ99 2CD".parse().unwrap());
    let mut submission = person("Kate", "Smyth", date(1970, 2, 1), Sex::Male);
    submission.postcode = Some("ZZ99 2CD".parse().unwrap());
    let config = MatchConfig::default().with_threshold(60);
    let (list, index) = both(&[(1, candidate)], &submission, &config);
    assert_eq!(list.1.len(), 1, "{list:?}");
    assert_eq!(index, list);
}

/// A care home: 21 residents share the home's telephone number and
/// postcode. One of them has the submission's (non-Latin) names and sex,
/// with another date of birth: 45 + 0 + 10 + 5 + 5 of 100 = 65, shown by
/// the list. The index drops the shared telephone as a key (over 20
/// sharing), names without Latin letters have no sound key, and the names
/// table is read only for patients without a date of birth: lost.
#[test]
fn p5_care_home_resident_with_non_latin_names_is_lost() {
    let phone = Phone {
        kind: PhoneKind::Home,
        number: "0113 496 0000".parse().unwrap(),
    };
    let postcode: econsult_model::Postcode = "ZZ99 1AB".parse().unwrap();
    let with_contact = |mut d: Demographics| {
        d.phones = vec![phone.clone()];
        d.postcode = Some(postcode.clone());
        d
    };
    let mut patients = vec![(
        0,
        with_contact(person("芳", "王", date(1941, 6, 15), Sex::Female)),
    )];
    for i in 1..=20u32 {
        patients.push((
            i,
            with_contact(person(
                &format!("Resident{i}"),
                "Carehome",
                date(1930, 1, i),
                Sex::Male,
            )),
        ));
    }
    let submission = with_contact(person("芳", "王", date(1940, 1, 1), Sex::Female));
    let (list, index) = both(&patients, &submission, &MatchConfig::default());
    assert_eq!(list.1.first().map(|s| s.0), Some(0), "{list:?}");
    assert_eq!(index, list, "the index lost a candidate the list shows");
}

/// Threshold 0: every candidate scores at least 0, so the list shows the
/// best five of all; the index shows only those sharing a blocking key.
/// (Arguably by design, but promise 5 as stated is broken: a candidate with
/// score >= threshold is lost.)
#[test]
#[ignore = "documented limit: the index's blocking keys are chosen for the default threshold (65) and above (PatientIndex's docs)"]
fn p5_threshold_zero_index_shows_fewer() {
    let patients = [(1, person("Zed", "Quux", date(2001, 12, 3), Sex::Male))];
    let config = MatchConfig::default().with_threshold(0);
    let (list, index) = both(
        &patients,
        &person("Alex", "Testpatient", date(1970, 2, 1), Sex::Female),
        &config,
    );
    assert_eq!(list.1.len(), 1);
    assert_eq!(index, list);
}

// ---------------------------------------------------------------------------
// Tried, holds (these pass): documented attacks that did not break anything.
// ---------------------------------------------------------------------------

/// HOLDS: a first name of only spaces normalises to empty and is treated as
/// missing: the row blocks.
#[test]
fn holds_row_with_blank_first_name_blocks() {
    let dob = date(1970, 2, 1);
    let index = PatientIndex::from_details([
        (
            "complete",
            details(Some("Alex"), Some("Testpatient"), Some(dob), Sex::Female),
        ),
        (
            "blank",
            details(Some("   "), Some("Testpatient"), Some(dob), Sex::Female),
        ),
    ])
    .unwrap();
    let outcome = index.find(
        &person("Alex", "Testpatient", dob, Sex::Female),
        &MatchConfig::default(),
    );
    assert_eq!(outcome.auto_matched(), None);
    assert_eq!(outcome.suggestions().len(), 2);
}

/// HOLDS: an exact match plus a look-alike of sex I (same names and date):
/// blocked and both shown, even with max_suggestions(0), in the list and in
/// the index.
#[test]
fn holds_sex_i_blocker_shown_with_max_suggestions_zero() {
    let dob = date(1970, 2, 1);
    let patients = [
        (1, person("Alex", "Testpatient", dob, Sex::Female)),
        (2, person("ALEX", " testpatient ", dob, Sex::Indeterminate)),
    ];
    let config = MatchConfig::default().with_max_suggestions(0);
    let (list, index) = both(
        &patients,
        &person("Alex", "Testpatient", dob, Sex::Female),
        &config,
    );
    assert_eq!(list.0, None);
    assert_eq!(list.1.len(), 2);
    assert_eq!(index, list);
}

/// HOLDS: Turkish dotted capital I, final sigma and a decomposed accent all
/// normalise to the same text as their lower-case/composed forms, in both
/// the list and the index, so the look-alike of sex U blocks.
#[test]
fn holds_unicode_case_and_composition_look_alikes_block() {
    let dob = date(1980, 5, 5);
    for (ours, theirs) in [
        ("İlker Öztürk", "i\u{307}lker ÖZTÜRK"),
        ("Οδυσσεύς Παππάς", "ΟΔΥΣΣΕΎΣ ΠΑΠΠΆΣ"),
        ("Zoë Élise", "Zoe\u{308} E\u{301}lise"),
    ] {
        let (f1, s1) = ours.split_once(' ').unwrap();
        let (f2, s2) = theirs.split_once(' ').unwrap();
        let patients = [
            (1, person(f1, s1, dob, Sex::Male)),
            (2, person(f2, s2, dob, Sex::Unknown)),
        ];
        let (list, index) = both(
            &patients,
            &person(f1, s1, dob, Sex::Male),
            &MatchConfig::default(),
        );
        assert_eq!(list.0, None, "{ours} / {theirs}");
        assert_eq!(list.1.len(), 2, "{ours} / {theirs}");
        assert_eq!(index, list, "{ours} / {theirs}");
    }
}

/// HOLDS: an NHS number agreeing on a non-exact candidate (a nickname) does
/// not stop the exact candidate (who has no NHS number) being auto-matched:
/// allowed by the rule as written (no *disagreeing* number), noted only.
#[test]
fn holds_nhs_number_on_a_nickname_does_not_block() {
    let dob = date(1970, 2, 1);
    let nhs = NhsNumber::parse("9990000018").unwrap();
    let mut bill = person("Bill", "Testpatient", dob, Sex::Male);
    bill.nhs_number = Some(nhs);
    let mut submission = person("William", "Testpatient", dob, Sex::Male);
    submission.nhs_number = Some(nhs);
    let patients = [
        (1, person("William", "Testpatient", dob, Sex::Male)),
        (2, bill),
    ];
    let (list, index) = both(&patients, &submission, &MatchConfig::default());
    assert_eq!(list.0, Some(1));
    assert_eq!(index, list);
}

/// HOLDS: hostile input never panics: extreme dates on both sides, huge and
/// odd names through `PersonDetails`.
#[test]
fn holds_no_panic_on_extremes() {
    let huge = "ǅ\u{301}ß".repeat(20_000);
    let rows = [
        (
            "min",
            details(Some("A"), Some("B"), Some(NaiveDate::MIN), Sex::Male),
        ),
        (
            "max",
            details(Some("A"), Some("B"), Some(NaiveDate::MAX), Sex::Male),
        ),
        (
            "huge",
            details(
                Some(&huge),
                Some(&huge),
                Some(date(1970, 1, 1)),
                Sex::Unknown,
            ),
        ),
        (
            "empty",
            details(Some(""), Some(""), None, Sex::Indeterminate),
        ),
        (
            "marks",
            details(
                Some("\u{301}\u{301}"),
                Some("\u{0}\u{7f}"),
                None,
                Sex::Female,
            ),
        ),
    ];
    let index = PatientIndex::from_details(rows.clone()).unwrap();
    for (_, row) in &rows {
        for config in [
            MatchConfig::default(),
            MatchConfig::default()
                .with_threshold(0)
                .with_max_suggestions(0),
            MatchConfig::default().with_threshold(100),
        ] {
            let _ = index.find_details(row, &config);
        }
    }
    for d in [
        NaiveDate::MIN,
        NaiveDate::MAX,
        date(1, 1, 1),
        date(-1, 12, 31),
    ] {
        let _ = index.find(&person("A", "B", d, Sex::Male), &MatchConfig::default());
        let _ = patient_matcher::compare(
            &person("A", "B", d, Sex::Male),
            &person("A", "B", NaiveDate::MIN, Sex::Male),
        );
    }
}

// ---------------------------------------------------------------------------
// Through SystmOne (the mock SystmOne and the real client, paused time).
// ---------------------------------------------------------------------------

#[cfg(feature = "systmone")]
mod systmone {
    use super::*;
    use patient_matcher::StopReason;
    use patient_matcher::systmone::find_patient;
    use systmone_client::mock::PatientSeed;

    fn seed(first: &str, surname: &str, dob: NaiveDate, sex: Sex, nhs: u32) -> PatientSeed {
        // Valid names for the model; the surname is overwritten raw below
        // when the test wants bytes the model would refuse.
        let mut d = person("X", "Y", dob, sex);
        d.nhs_number = Some(NhsNumber::from_prefix(nhs).unwrap());
        let mut s = PatientSeed::from_demographics(&d);
        s.first_name = first.to_owned();
        s.surname = surname.to_owned();
        s
    }

    fn names(report: &patient_matcher::systmone::SearchReport) -> Vec<String> {
        report
            .outcome
            .suggestions()
            .iter()
            .map(|s| {
                format!(
                    "{} {:?}",
                    s.patient.identity.nhs_number.clone().unwrap_or_default(),
                    s.patient.demographics.sex
                )
            })
            .collect()
    }

    /// Promise 2/4. SystmOne holds the submission's exact match and a
    /// patient of sex U whose surname is stored decomposed (E + U+0301).
    /// `normalise` makes the two surnames equal (NFC), so the U patient
    /// could be her and must block. The first lookup searches the prefix
    /// of the *normalised* surname ("é", U+00E9); SystmOne's prefix match
    /// compares characters and does not see "e\u{301}…". The planner counts
    /// that lookup as returning every could-be, settles and auto-matches.
    #[tokio::test(start_paused = true)]
    async fn p2_decomposed_surname_u_twin_is_missed_by_the_prefix_search() {
        let dob = date(1970, 2, 1);
        let practice = [
            seed("Alex", "Émond", dob, Sex::Female, 999_000_001),
            seed("Alex", "E\u{301}mond", dob, Sex::Unknown, 999_000_002),
        ];
        // Sanity: compared directly, the U patient could be her and blocks.
        let direct = match_candidates(
            &person("Alex", "Émond", dob, Sex::Female),
            practice.iter().enumerate().map(|(i, s)| Candidate {
                patient: i,
                demographics: s.demographics().unwrap(),
            }),
            &MatchConfig::default(),
        );
        assert_eq!(direct.auto_matched(), None);
        assert_eq!(direct.suggestions().len(), 2);
        let (_mock, client) = mock::start(&practice).await;
        let submission = person("Alex", "Émond", dob, Sex::Female);
        let report = find_patient(&client, &submission, &MatchConfig::default())
            .await
            .unwrap();
        assert_eq!(
            report
                .outcome
                .auto_matched()
                .map(|p| p.identity.nhs_number.clone()),
            None,
            "auto-matched after {} lookup(s) ({:?}) although a sex-U patient with the same names \
             (after normalise) and date of birth exists; shown: {:?}",
            report.lookups.len(),
            report.stop_reason,
            names(&report),
        );
        assert_eq!(
            report.outcome.suggestions().len(),
            2,
            "{:?}",
            names(&report)
        );
    }

    /// Promise 2/3/4. The sex-U look-alike's surname starts with an
    /// invisible character (a byte-order mark left by an import). Read, it
    /// is cleaned by `PersonName::lenient` to "Testpatient" and would block;
    /// but the first lookup (`Surname=t`) never returns it, since SystmOne's
    /// prefix match starts at U+FEFF. ExactMatchSettled, auto-matched.
    #[tokio::test(start_paused = true)]
    #[ignore = "known limit: no prefix search returns a name stored with an invisible character before its first letter (ARCHITECTURE.md, patient-matcher)"]
    async fn p2_leading_invisible_character_hides_the_u_twin_from_the_prefix_search() {
        let dob = date(1970, 2, 1);
        let practice = [
            seed("Alex", "Testpatient", dob, Sex::Female, 999_000_001),
            seed(
                "Alex",
                "\u{FEFF}Testpatient",
                dob,
                Sex::Unknown,
                999_000_002,
            ),
        ];
        // Sanity: read leniently, the U patient could be her and blocks.
        let lenient = Demographics::new(
            PersonName::lenient("Alex", "\u{FEFF}Testpatient").unwrap(),
            dob,
            Sex::Unknown,
        );
        let direct = match_candidates(
            &person("Alex", "Testpatient", dob, Sex::Female),
            [
                Candidate {
                    patient: 1,
                    demographics: person("Alex", "Testpatient", dob, Sex::Female),
                },
                Candidate {
                    patient: 2,
                    demographics: lenient,
                },
            ],
            &MatchConfig::default(),
        );
        assert_eq!(direct.auto_matched(), None);
        let (_mock, client) = mock::start(&practice).await;
        let submission = person("Alex", "Testpatient", dob, Sex::Female);
        let report = find_patient(&client, &submission, &MatchConfig::default())
            .await
            .unwrap();
        assert_eq!(
            report
                .outcome
                .auto_matched()
                .map(|p| p.identity.nhs_number.clone()),
            None,
            "auto-matched ({:?} after {} lookup(s)); shown: {:?}",
            report.stop_reason,
            report.lookups.len(),
            names(&report),
        );
    }

    /// Promise 1/3. SystmOne's only patient born that day has a 101-char
    /// surname ending in "René" stored decomposed (…Rene + U+0301).
    /// `PersonName::new` refuses it (too long), `PersonName::lenient` cuts
    /// it to 100 characters *between the e and its accent*: "…Rene". A
    /// submission "…Rene" (100 characters, a different name) then equals
    /// it exactly and is auto-matched to the wrong patient. (The same
    /// happens with plain ASCII: "X"*100 + "s" is cut to "X"*100.)
    #[tokio::test(start_paused = true)]
    async fn p1_lenient_cut_inside_a_grapheme_makes_a_different_name_exact() {
        let dob = date(1970, 2, 1);
        let stem = "Testpatient-".repeat(8);
        let theirs = format!("{stem}Rene\u{301}");
        let ours = format!("{stem}Rene");
        assert_eq!(ours.chars().count(), 100);
        assert_ne!(
            patient_matcher::normalise(&theirs),
            patient_matcher::normalise(&ours)
        );
        let practice = [seed("Alex", &theirs, dob, Sex::Female, 999_000_001)];
        let (_mock, client) = mock::start(&practice).await;
        let submission = person("Alex", &ours, dob, Sex::Female);
        let report = find_patient(&client, &submission, &MatchConfig::default())
            .await
            .unwrap();
        assert_eq!(
            report
                .outcome
                .auto_matched()
                .map(|p| p.identity.nhs_number.clone()),
            None,
            "auto-matched a patient whose surname is not the submission's ({:?})",
            report.stop_reason
        );
    }

    /// HOLDS: an exact match and a sex-U twin stored plainly: the first
    /// lookup (no Gender) returns both; not auto-matched, both shown, one
    /// lookup.
    #[tokio::test(start_paused = true)]
    async fn holds_plain_u_twin_blocks() {
        let dob = date(1970, 2, 1);
        let practice = [
            seed("Alex", "Testpatient", dob, Sex::Female, 999_000_001),
            seed("ALEX", "testpatient", dob, Sex::Unknown, 999_000_002),
        ];
        let (_mock, client) = mock::start(&practice).await;
        let mut submission = person("Alex", "Testpatient", dob, Sex::Female);
        // The NHS number given belongs to the U twin.
        submission.nhs_number = NhsNumber::from_prefix(999_000_002);
        let report = find_patient(&client, &submission, &MatchConfig::default())
            .await
            .unwrap();
        assert_eq!(report.outcome.auto_matched(), None);
        assert_eq!(report.outcome.suggestions().len(), 2);
        assert_eq!(report.stop_reason, StopReason::ExactMatchSettled);
    }

    /// HOLDS: a look-alike whose surname holds a soft hyphen *inside* (so
    /// the prefix search still returns it) is cleaned leniently, equals the
    /// exact match and blocks; nothing is unreadable.
    #[tokio::test(start_paused = true)]
    async fn holds_soft_hyphen_inside_look_alike_blocks() {
        let dob = date(1970, 2, 1);
        let practice = [
            seed("Alex", "Testpatient", dob, Sex::Female, 999_000_001),
            seed(
                "Al\u{AD}ex",
                "Test\u{200B}patient",
                dob,
                Sex::Female,
                999_000_002,
            ),
        ];
        let (_mock, client) = mock::start(&practice).await;
        let submission = person("Alex", "Testpatient", dob, Sex::Female);
        let report = find_patient(&client, &submission, &MatchConfig::default())
            .await
            .unwrap();
        assert_eq!(report.outcome.auto_matched(), None);
        assert_eq!(report.outcome.suggestions().len(), 2);
        assert_eq!(report.unreadable_results, 0);
    }
}

// ---------------------------------------------------------------------------
// Properties.
// ---------------------------------------------------------------------------

mod properties {
    use super::*;
    use proptest::prelude::*;

    const FIRST: &[&str] = &[
        "Alex",
        "Alix",
        "Alexa",
        "Bill",
        "William",
        "Zoë",
        "Zoe",
        "Kate",
        "Catherine",
        "Owen",
        "Smith",
        "Jo",
        "J",
        "Jon",
        "John",
        "Kathryn",
        "Ann",
        "Anne",
    ];
    const SURNAMES: &[&str] = &[
        "Testpatient",
        "Testpatiant",
        "Smith",
        "Smyth",
        "Jones",
        "Smith-Jones",
        "O'Brien",
        "OBrien",
        "Owen",
        "Alex",
        "Donaldson",
        "Ronaldson",
    ];
    /// The pools without the surnames misspelt in their initial.
    const PLAIN_SURNAMES: &[&str] = &[
        "Testpatient",
        "Testpatiant",
        "Smith",
        "Smyth",
        "Jones",
        "Smith-Jones",
        "O'Brien",
        "OBrien",
        "Owen",
        "Alex",
    ];
    const DATES: &[(i32, u32, u32)] = &[
        (1970, 2, 1),
        (1970, 1, 2),
        (1971, 2, 1),
        (1970, 2, 7),
        (1979, 2, 1),
        (1970, 12, 1),
        (2001, 12, 3),
    ];
    const POSTCODES: &[&str] = &["ZZ99 1AB", "ZZ99 2CD"];
    const PHONES: &[&str] = &["07700 900001", "07700 900002"];
    const NHS: &[&str] = &["9990000018", "9990000026"];

    fn demographics() -> impl Strategy<Value = Demographics> {
        demographics_in(SURNAMES)
    }

    fn demographics_in(surnames: &'static [&'static str]) -> impl Strategy<Value = Demographics> {
        (
            0..FIRST.len(),
            0..surnames.len(),
            0..DATES.len(),
            0..4usize,
            proptest::option::of(0..POSTCODES.len()),
            proptest::option::of(0..PHONES.len()),
            proptest::option::weighted(0.2, 0..NHS.len()),
        )
            .prop_map(|(f, s, d, sex, pc, ph, nhs)| {
                let (y, m, dd) = DATES[d];
                let mut p = person(FIRST[f], surnames[s], date(y, m, dd), Sex::ALL[sex]);
                p.postcode = pc.map(|i| POSTCODES[i].parse().unwrap());
                p.phones = ph
                    .map(|i| Phone {
                        kind: PhoneKind::Mobile,
                        number: PHONES[i].parse().unwrap(),
                    })
                    .into_iter()
                    .collect();
                p.nhs_number = nhs.map(|i| NhsNumber::parse(NHS[i]).unwrap());
                p
            })
    }

    /// A candidate near the submission: each field kept or taken from
    /// another random person, so near-misses are common.
    fn near(sub: &Demographics, other: &Demographics, take: [bool; 4]) -> Demographics {
        let first = if take[0] { other } else { sub }.name.first_name();
        let surname = if take[1] { other } else { sub }.name.surname();
        let mut d = person(
            first,
            surname,
            if take[2] { other } else { sub }.date_of_birth,
            if take[3] { other } else { sub }.sex,
        );
        d.postcode = other.postcode.clone();
        d.phones = other.phones.clone();
        d.nhs_number = other.nhs_number;
        d
    }

    // --- An oracle of the auto-match rule that does not call the crate ---

    /// NFC input assumed (the pools are NFC): simple lower case, final
    /// sigma as sigma, whitespace collapsed.
    fn norm(s: &str) -> String {
        s.split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
            .chars()
            .flat_map(char::to_lowercase)
            .map(|c| if c == 'ς' { 'σ' } else { c })
            .collect()
    }

    #[derive(Debug, Clone)]
    struct Row {
        first: Option<String>,
        surname: Option<String>,
        dob: Option<NaiveDate>,
        sex: Sex,
        nhs: Option<NhsNumber>,
    }

    impl Row {
        fn key(&self) -> [Option<String>; 3] {
            let n = |s: &Option<String>| s.as_deref().map(norm).filter(|s| !s.is_empty());
            [
                n(&self.first),
                n(&self.surname),
                self.dob.map(|d| d.to_string()),
            ]
        }
    }

    fn known(s: Sex) -> bool {
        matches!(s, Sex::Male | Sex::Female)
    }

    /// Promise 1, written out: may `rows[k]` be auto-matched to `sub`?
    fn oracle_allows(sub: &Row, rows: &[Row], k: usize) -> Result<(), String> {
        let ours = sub.key();
        if ours.iter().any(Option::is_none) || !known(sub.sex) {
            return Err("submission incomplete or not M/F".into());
        }
        let chosen = &rows[k];
        if chosen.key() != ours || chosen.sex != sub.sex {
            return Err(format!("{chosen:?} is not exact"));
        }
        if let (Some(a), Some(b)) = (sub.nhs, chosen.nhs)
            && a != b
        {
            return Err("NHS number disagrees".into());
        }
        for (j, other) in rows.iter().enumerate() {
            if j == k {
                continue;
            }
            let theirs = other.key();
            let sex_ok = !(known(other.sex) && other.sex != sub.sex);
            let same = theirs.iter().zip(&ours).filter(|(t, o)| t == o).count();
            let missing = theirs.iter().filter(|t| t.is_none()).count();
            let could_be = sex_ok && (same == 3 || (same == 2 && missing == 1));
            if could_be {
                return Err(format!("row {j} {other:?} could be the person too"));
            }
        }
        Ok(())
    }

    fn row_of(d: &Demographics) -> Row {
        Row {
            first: Some(d.name.first_name().to_owned()),
            surname: Some(d.name.surname().to_owned()),
            dob: Some(d.date_of_birth),
            sex: d.sex,
            nhs: d.nhs_number,
        }
    }

    fn details_of(r: &Row) -> PersonDetails {
        let mut d = details(r.first.as_deref(), r.surname.as_deref(), r.dob, r.sex);
        d.nhs_number = r.nhs;
        d
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(3000))]

        /// Promise 5: for complete patients, the index and the plain list
        /// give the same auto-match and the same suggestions in the same
        /// order, at the default threshold and above, whatever the number
        /// shown. (It failed at 65 with a surname misspelt in its first
        /// letter; below 65 is a documented limit.)
        #[test]
        fn p5_index_agrees_with_the_list(
            sub in demographics(),
            others in proptest::collection::vec(
                (demographics(), proptest::array::uniform4(proptest::bool::weighted(0.4))),
                1..6,
            ),
            threshold in prop_oneof![Just(65u8), Just(75), Just(90)],
            shown in prop_oneof![Just(0usize), Just(1), Just(5)],
        ) {
            let patients: Vec<(u32, Demographics)> = others
                .iter()
                .enumerate()
                .map(|(i, (o, take))| (i as u32, near(&sub, o, *take)))
                .collect();
            let config = MatchConfig::default()
                .with_threshold(threshold)
                .with_max_suggestions(shown);
            let (list, index) = both(&patients, &sub, &config);
            prop_assert_eq!(index, list);
        }

        /// HOLDS (passes): the same at the default threshold, without the
        /// names whose initial is misspelt (Donaldson/Ronaldson).
        #[test]
        fn holds_index_agrees_with_the_list_at_the_default_threshold(
            sub in demographics_in(PLAIN_SURNAMES),
            others in proptest::collection::vec(
                (
                    demographics_in(PLAIN_SURNAMES),
                    proptest::array::uniform4(proptest::bool::weighted(0.4)),
                ),
                1..6,
            ),
        ) {
            let patients: Vec<(u32, Demographics)> = others
                .iter()
                .enumerate()
                .map(|(i, (o, take))| (i as u32, near(&sub, o, *take)))
                .collect();
            let (list, index) = both(&patients, &sub, &MatchConfig::default());
            prop_assert_eq!(index, list);
        }

        /// Promise 1 against an oracle: whatever the index (with rows that
        /// may miss a first name, surname or date of birth) auto-matches
        /// satisfies the rule as written.
        #[test]
        fn p1_index_auto_match_obeys_the_rule(
            sub in demographics(),
            same_names in proptest::bool::weighted(0.2),
            others in proptest::collection::vec(
                (
                    demographics(),
                    proptest::array::uniform4(proptest::bool::weighted(0.3)),
                    0..4usize, // which field to drop: 3 = none
                ),
                1..5,
            ),
        ) {
            // Sometimes a submission whose first name is its surname.
            let mut sub = sub;
            if same_names {
                sub.name = PersonName::new(sub.name.first_name(), sub.name.first_name()).unwrap();
            }
            let rows: Vec<Row> = others
                .iter()
                .map(|(o, take, drop)| {
                    let mut r = row_of(&near(&sub, o, *take));
                    match drop {
                        0 => r.first = None,
                        1 => r.surname = None,
                        2 => r.dob = None,
                        _ => {}
                    }
                    r
                })
                .collect();
            let index = PatientIndex::from_details(
                rows.iter().enumerate().map(|(i, r)| (i, details_of(r))),
            )
            .unwrap();
            let outcome = index.find(&sub, &MatchConfig::default());
            if let Some(k) = outcome.auto_matched() {
                let verdict = oracle_allows(&row_of(&sub), &rows, **k);
                prop_assert!(verdict.is_ok(), "auto-matched row {}: {:?}", k, verdict);
            }
        }
    }
}

mod no_panic {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]

        /// HOLDS (passes): any printable names, including long runs of the
        /// letter groups Double Metaphone special-cases, compare, index and
        /// find without panicking.
        #[test]
        fn holds_names_never_panic(
            a in "[a-zA-ZçÇñß'\\- ]{1,100}|\\PC{1,60}",
            b in "(sch|gh|cz|wr|ough|tch|dg|mb|cia|sia|tia|x|q|ae|oe|zz|j|ll)+|\\PC{1,60}",
            y in -262_143i32..262_142,
        ) {
            let d = NaiveDate::from_ymd_opt(y, 1, 1).unwrap();
            if let (Ok(x), Ok(z)) = (PersonName::new(&a, &b), PersonName::new(&b, &a)) {
                let p = Demographics::new(x, d, Sex::Male);
                let q = Demographics::new(z, date(1970, 1, 1), Sex::Unknown);
                let _ = patient_matcher::compare(&p, &q);
                let index = PatientIndex::build([(1, q.clone())]).unwrap();
                let _ = index.find(&p, &MatchConfig::default());
                let _ = patient_matcher::SearchPlanner::<u8>::new(&p, MatchConfig::default());
            }
            let _ = PersonName::lenient(&a, &b);
        }
    }

    /// HOLDS (passes): a submission born on `NaiveDate::MIN` or `MAX` plans and
    /// runs through SystmOne without panicking (SystmOne may refuse it).
    #[cfg(feature = "systmone")]
    #[tokio::test(start_paused = true)]
    async fn holds_extreme_dates_through_systmone() {
        let (_mock, client) = mock::start(&[]).await;
        for d in [NaiveDate::MIN, NaiveDate::MAX] {
            let submission = person("Alex", "Testpatient", d, Sex::Female);
            let _ = patient_matcher::systmone::find_patient(
                &client,
                &submission,
                &MatchConfig::default(),
            )
            .await;
        }
    }
}
