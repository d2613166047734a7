//! Unknown (`U`) and indeterminate (`I`) sex never make a match unique.
//!
//! Each practice holds two patients with the same first name, surname and
//! date of birth; what was submitted, and what was held, decide whether
//! anyone may be auto-matched. Every row is checked through the plain list
//! (`match_candidates`), the in-memory index (`PatientIndex`) and, with the
//! `systmone` feature, the search planner against the mock SystmOne over
//! loopback (`find_patient`), where a `Gender` search never returns
//! patients recorded as `U` or `I`.
#![allow(clippy::unwrap_used)]

#[cfg(feature = "systmone")]
use crate::support::mock;

use chrono::NaiveDate;
use econsult_model::{Demographics, NhsNumber, PersonName, Sex};
use patient_matcher::{Candidate, MatchConfig, MatchOutcome, PatientIndex, match_candidates};

fn dob() -> NaiveDate {
    NaiveDate::from_ymd_opt(1970, 2, 1).unwrap()
}

fn person(sex: Sex) -> Demographics {
    Demographics::new(PersonName::new("Alex", "Testpatient").unwrap(), dob(), sex)
}

/// One row: who is held (A, B) and what was submitted.
struct Row {
    held: [Sex; 2],
    submitted: Sex,
}

/// The rows of the issue, each an auto-match to A before the fix.
const BLOCKED: [Row; 3] = [
    Row {
        held: [Sex::Female, Sex::Unknown],
        submitted: Sex::Female,
    },
    Row {
        held: [Sex::Unknown, Sex::Female],
        submitted: Sex::Unknown,
    },
    Row {
        held: [Sex::Male, Sex::Indeterminate],
        submitted: Sex::Male,
    },
];

/// What an outcome says, by patient position: the auto-match and the
/// suggestions shown.
fn shown<P>(
    outcome: &MatchOutcome<P>,
    position: impl Fn(&P) -> usize,
) -> (Option<usize>, Vec<usize>) {
    let mut suggested: Vec<usize> = outcome
        .suggestions()
        .iter()
        .map(|s| position(&s.patient))
        .collect();
    suggested.sort_unstable();
    (outcome.auto_matched().map(position), suggested)
}

/// Neither is auto-matched, and both are shown, marked ambiguous.
fn assert_blocked<P>(outcome: &MatchOutcome<P>, position: impl Fn(&P) -> usize, what: &str) {
    assert_eq!(shown(outcome, position), (None, vec![0, 1]), "{what}");
    assert!(
        outcome.suggestions().iter().all(|s| s.ambiguous),
        "{what}: both could be the person, so both are marked ambiguous"
    );
}

#[test]
fn the_plain_list_never_auto_matches_on_an_unknown_sex() {
    for row in BLOCKED {
        let practice = row.held.map(person);
        let candidates = practice
            .iter()
            .cloned()
            .enumerate()
            .map(|(i, d)| Candidate {
                patient: i,
                demographics: d,
            });
        let outcome = match_candidates(&person(row.submitted), candidates, &MatchConfig::default());
        assert_blocked(
            &outcome,
            |p| *p,
            &format!("{:?} submitted {:?}", row.held, row.submitted),
        );
    }
}

#[test]
fn the_index_never_auto_matches_on_an_unknown_sex() {
    for row in BLOCKED {
        let index = PatientIndex::build(row.held.map(person).into_iter().enumerate()).unwrap();
        let outcome = index.find(&person(row.submitted), &MatchConfig::default());
        assert_blocked(
            &outcome,
            |p| **p,
            &format!("{:?} submitted {:?}", row.held, row.submitted),
        );
    }
}

#[test]
fn an_unknown_or_indeterminate_submission_is_suggested_even_alone() {
    for (held, submitted) in [
        (Sex::Unknown, Sex::Unknown),
        (Sex::Indeterminate, Sex::Indeterminate),
        (Sex::Female, Sex::Unknown),
        (Sex::Unknown, Sex::Female),
        (Sex::Indeterminate, Sex::Male),
    ] {
        let index = PatientIndex::build([(0, person(held))]).unwrap();
        let outcome = index.find(&person(submitted), &MatchConfig::default());
        assert_eq!(
            shown(&outcome, |p| **p),
            (None, vec![0]),
            "held {held:?}, submitted {submitted:?}"
        );
    }
}

#[test]
fn a_known_other_sex_does_not_block() {
    // A woman and a man with the same name and date of birth: a known sex
    // that differs tells them apart.
    let index = PatientIndex::build([(0, person(Sex::Female)), (1, person(Sex::Male))]).unwrap();
    let outcome = index.find(&person(Sex::Female), &MatchConfig::default());
    assert_eq!(outcome.auto_matched(), Some(&&0));
}

#[test]
fn a_blocker_is_shown_whatever_the_number_of_suggestions() {
    // Better-scoring near misses cannot push the U patient out of view.
    let mut practice = vec![person(Sex::Female), person(Sex::Unknown)];
    let mut near = person(Sex::Female);
    near.name = PersonName::new("Alexa", "Testpatient").unwrap();
    practice.push(near);
    let index = PatientIndex::build(practice.into_iter().enumerate()).unwrap();
    let one = MatchConfig::default().with_max_suggestions(0);
    let outcome = index.find(&person(Sex::Female), &one);
    assert_eq!(shown(&outcome, |p| **p), (None, vec![0, 1]));
}

#[test]
fn an_nhs_number_does_not_unblock() {
    // Even an agreeing NHS number does not make A unique: B, of unknown
    // sex, may be the same person registered twice.
    let mut a = person(Sex::Female);
    a.nhs_number = NhsNumber::from_prefix(999_000_001);
    let index = PatientIndex::build([(0, a.clone()), (1, person(Sex::Unknown))]).unwrap();
    let outcome = index.find(&a, &MatchConfig::default());
    assert_eq!(outcome.auto_matched(), None);
}

#[cfg(feature = "systmone")]
mod through_systmone {
    //! The same rows through the search planner against the mock.
    use super::*;
    use patient_matcher::systmone::{SystmOnePatient, find_patient};
    use systmone_client::mock::PatientSeed;
    use systmone_client::proto::PatientSearch;

    fn seed(n: u32, sex: Sex) -> PatientSeed {
        PatientSeed {
            nhs_number: NhsNumber::from_prefix(999_000_000 + n),
            pseudo_number: None,
            first_name: "Alex".into(),
            surname: "Testpatient".into(),
            date_of_birth: dob(),
            sex,
            title: None,
            middle_names: None,
            house_number: None,
            road: None,
            town: None,
            postcode: None,
            home_telephone: None,
            mobile_telephone: None,
            email: None,
        }
    }

    /// Patient A is NHS number …001 (position 0), B …002 (position 1).
    fn position(p: &SystmOnePatient) -> usize {
        let number = p.identity.nhs_number.as_deref().unwrap();
        if number == NhsNumber::from_prefix(999_000_001).unwrap().as_str() {
            0
        } else {
            1
        }
    }

    #[tokio::test(start_paused = true)]
    async fn the_planner_sees_patients_a_gender_search_never_returns() {
        for row in BLOCKED {
            let (mock, client) = mock::start(&[seed(1, row.held[0]), seed(2, row.held[1])]).await;
            let report = find_patient(&client, &person(row.submitted), &MatchConfig::default())
                .await
                .unwrap();
            let what = format!("{:?} submitted {:?}", row.held, row.submitted);
            assert_blocked(&report.outcome, position, &what);
            // Both are found by the first search, made without Gender.
            assert_eq!(mock.count::<PatientSearch>(), 1, "{what}");
        }
    }

    #[tokio::test(start_paused = true)]
    async fn an_exact_match_of_a_known_sex_still_costs_one_search() {
        let (mock, client) = mock::start(&[seed(1, Sex::Female), seed(2, Sex::Male)]).await;
        let report = find_patient(&client, &person(Sex::Female), &MatchConfig::default())
            .await
            .unwrap();
        assert_eq!(report.outcome.auto_matched().map(position), Some(0));
        assert_eq!(mock.count::<PatientSearch>(), 1);
    }
}
