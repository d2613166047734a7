//! The matching rules, one behaviour per test: the exact auto-match rule
//! and its negatives, every suggestion reason, ranking and the threshold,
//! and NHS number validation.
#![allow(clippy::unwrap_used)]

use chrono::NaiveDate;
use econsult_model::{Demographics, NhsNumber, NhsNumberError, PersonName, Phone, PhoneKind, Sex};
use patient_matcher::{
    Candidate, DateAgreement, Evidence, Field, MatchConfig, MatchOutcome, NameAgreement,
    PatientIndex, SexAgreement, Verdict, compare, match_candidates, parse_nhs_number,
};

/// `earned` of `possible` points as a whole percentage, rounded half up:
/// what the documented score of a comparison should be.
fn share(earned: u32, possible: u32) -> u8 {
    let percent = f64::from(earned) * 100.0 / f64::from(possible);
    u8::try_from((percent + 0.5).floor() as u32).unwrap()
}

fn date(text: &str) -> NaiveDate {
    text.parse().unwrap()
}

fn person(first: &str, surname: &str, dob: &str, sex: Sex) -> Demographics {
    Demographics::new(PersonName::new(first, surname).unwrap(), date(dob), sex)
}

fn alex() -> Demographics {
    person("Alex", "Testpatient", "1970-02-01", Sex::Female)
}

/// Matches `submission` against `practice` both ways (a plain candidate
/// list and the index) and checks they agree; returns the list's outcome.
fn decide(submission: &Demographics, practice: &[Demographics]) -> MatchOutcome<usize> {
    decide_with(submission, practice, &MatchConfig::default())
}

fn decide_with(
    submission: &Demographics,
    practice: &[Demographics],
    config: &MatchConfig,
) -> MatchOutcome<usize> {
    let candidates = practice.iter().enumerate().map(|(i, d)| Candidate {
        patient: i,
        demographics: d.clone(),
    });
    let listed = match_candidates(submission, candidates, config);
    let index = PatientIndex::build(practice.iter().cloned().enumerate()).unwrap();
    let indexed = index.find(submission, config);
    assert_eq!(
        summary(&listed),
        summary(&indexed),
        "list and index disagree"
    );
    listed
}

/// An outcome in a line, so that outcomes over different key types compare.
fn summary<P: std::fmt::Debug>(outcome: &MatchOutcome<P>) -> String {
    match outcome {
        MatchOutcome::AutoMatched(s) => format!("auto {:?}", s.patient),
        MatchOutcome::NotMatched { suggestions } => format!(
            "suggested {:?}",
            suggestions
                .iter()
                .map(|s| format!("{:?}:{}:{}", s.patient, s.score, s.ambiguous))
                .collect::<Vec<_>>()
        ),
        MatchOutcome::NoResults { .. } => "none".to_owned(),
    }
}

fn only_suggestion(outcome: MatchOutcome<usize>) -> patient_matcher::Suggestion<usize> {
    match outcome {
        MatchOutcome::NotMatched { mut suggestions } if suggestions.len() == 1 => {
            suggestions.remove(0)
        }
        other => panic!("expected one suggestion, got {other:?}"),
    }
}

#[test]
fn a_perfect_match_auto_matches() {
    let practice = [alex(), person("Sam", "Exampleson", "1980-05-06", Sex::Male)];
    let outcome = decide(&alex(), &practice);
    let MatchOutcome::AutoMatched(found) = outcome else {
        panic!("{outcome:?}")
    };
    assert_eq!(found.patient, 0);
    assert!(found.comparison.is_exact());
    assert!(
        found
            .comparison
            .findings()
            .iter()
            .all(|f| f.verdict == Verdict::Agrees)
    );
}

#[test]
fn case_and_whitespace_differences_still_auto_match() {
    let practice = [alex()];
    for (first, surname) in [
        ("ALEX", "testpatient"),
        ("  alex\t", " TestPatient  "),
        ("Alex", "TESTPATIENT"),
    ] {
        let submission = person(first, surname, "1970-02-01", Sex::Female);
        assert_eq!(
            decide(&submission, &practice).auto_matched(),
            Some(&0),
            "{first:?} {surname:?}"
        );
    }
    // Inner whitespace collapses too.
    let practice = [person(
        "Anna Maria",
        "van der Berg",
        "1970-02-01",
        Sex::Female,
    )];
    let submission = person("anna  maria", "Van  Der   Berg", "1970-02-01", Sex::Female);
    assert_eq!(decide(&submission, &practice).auto_matched(), Some(&0));
    // A decomposed accent is the same text as a composed one.
    let practice = [person("Zoë", "Testpatient", "1970-02-01", Sex::Female)];
    let submission = person("Zoe\u{308}", "Testpatient", "1970-02-01", Sex::Female);
    assert_eq!(decide(&submission, &practice).auto_matched(), Some(&0));
}

#[test]
fn each_field_one_character_off_is_never_an_auto_match() {
    let practice = [alex()];
    let cases = [
        (
            person("Alix", "Testpatient", "1970-02-01", Sex::Female),
            Field::FirstName,
        ),
        (
            person("Alex", "Testpatiant", "1970-02-01", Sex::Female),
            Field::Surname,
        ),
        (
            person("Alex", "Testpatient", "1970-02-07", Sex::Female),
            Field::DateOfBirth,
        ),
        (
            person("Alex", "Testpatient", "1970-02-01", Sex::Male),
            Field::Sex,
        ),
    ];
    for (submission, field) in cases {
        let suggestion = only_suggestion(decide(&submission, &practice));
        assert_eq!(suggestion.patient, 0);
        assert!(!suggestion.comparison.is_exact());
        let disagreements = suggestion.comparison.disagreements();
        assert_eq!(disagreements.len(), 1, "{disagreements:?}");
        assert_eq!(disagreements[0].field, field);
    }
}

#[test]
fn accents_hyphens_and_apostrophes_are_suggestions_not_auto_matches() {
    for (declared, recorded) in [
        ("Zoe", "Zoë"),
        ("OBrien", "O'Brien"),
        ("O’Brien", "O'Brien"),
        ("Smith Jones", "Smith-Jones"),
        ("SmithJones", "Smith-Jones"),
    ] {
        let practice = [person("Alex", recorded, "1970-02-01", Sex::Female)];
        let submission = person("Alex", declared, "1970-02-01", Sex::Female);
        let suggestion = only_suggestion(decide(&submission, &practice));
        assert_eq!(
            suggestion.comparison.surname,
            NameAgreement::SameApartFromAccentsOrPunctuation,
            "{declared} / {recorded}"
        );
        // 20 + 23 + 35 + 10 of the 90 points names, date of birth and
        // sex could earn.
        assert_eq!(suggestion.score.value(), share(88, 90));
    }
}

#[test]
fn identical_candidates_are_never_auto_matched() {
    let practice = [
        alex(),
        person("Sam", "Exampleson", "1980-05-06", Sex::Male),
        alex(),
    ];
    let MatchOutcome::NotMatched { suggestions } = decide(&alex(), &practice) else {
        panic!("identical patients were not offered as suggestions")
    };
    let shown: Vec<_> = suggestions
        .iter()
        .map(|s| (s.patient, s.ambiguous))
        .collect();
    assert_eq!(shown, [(0, true), (2, true)]);
}

#[test]
fn identical_candidates_are_all_shown_beyond_the_maximum() {
    let practice = vec![alex(); 4];
    let config = MatchConfig::default().with_max_suggestions(2);
    let outcome = decide_with(&alex(), &practice, &config);
    assert_eq!(outcome.suggestions().len(), 4);
    assert!(outcome.suggestions().iter().all(|s| s.ambiguous));
}

#[test]
fn twins_are_told_apart_by_first_name() {
    let practice = [
        person("Alex", "Testpatient", "2001-09-09", Sex::Female),
        person("Sam", "Testpatient", "2001-09-09", Sex::Female),
    ];
    let submission = person("Sam", "Testpatient", "2001-09-09", Sex::Female);
    assert_eq!(decide(&submission, &practice).auto_matched(), Some(&1));
    // A twin's typo is only ever a suggestion; the right twin ranks first.
    let submission = person("Samm", "Testpatient", "2001-09-09", Sex::Female);
    let outcome = decide(&submission, &practice);
    assert_eq!(outcome.suggestions()[0].patient, 1);
}

#[test]
fn same_name_and_date_of_birth_with_another_sex_is_not_an_auto_match() {
    let practice = [
        person("Jordan", "Testpatient", "1990-01-01", Sex::Male),
        person("Jordan", "Testpatient", "1990-01-01", Sex::Female),
    ];
    let submission = person("Jordan", "Testpatient", "1990-01-01", Sex::Female);
    assert_eq!(decide(&submission, &practice).auto_matched(), Some(&1));

    let only_male = [practice[0].clone()];
    let suggestion = only_suggestion(decide(&submission, &only_male));
    assert_eq!(suggestion.comparison.sex, SexAgreement::Different);
}

#[test]
fn a_differing_nhs_number_blocks_the_auto_match() {
    let mut recorded = alex();
    recorded.nhs_number = Some("999 000 0018".parse().unwrap());
    let mut declared = alex();
    declared.nhs_number = Some("999 000 0026".parse().unwrap());
    let suggestion = only_suggestion(decide(&declared, &[recorded.clone()]));
    assert!(suggestion.comparison.is_exact());
    assert_eq!(suggestion.comparison.nhs_number, Evidence::Different);
    assert!(
        suggestion
            .comparison
            .disagreements()
            .iter()
            .any(|f| f.field == Field::NhsNumber)
    );

    // The same NHS number, or none on one side, does not block it.
    declared.nhs_number = recorded.nhs_number;
    assert_eq!(
        decide(&declared, &[recorded.clone()]).auto_matched(),
        Some(&0)
    );
    declared.nhs_number = None;
    assert_eq!(decide(&declared, &[recorded]).auto_matched(), Some(&0));
}

#[test]
fn every_suggestion_reason_is_found_and_explained() {
    struct Case {
        declared: Demographics,
        recorded: Demographics,
        check: fn(&patient_matcher::Comparison) -> bool,
        text: &'static str,
    }
    let cases = [
        Case {
            declared: person("Bill", "Testpatient", "1970-02-01", Sex::Male),
            recorded: person("William", "Testpatient", "1970-02-01", Sex::Male),
            check: |c| c.first_name == NameAgreement::Nickname,
            text: "common short form",
        },
        Case {
            declared: person("Kate", "Testpatient", "1970-02-01", Sex::Female),
            recorded: person("Katherine", "Testpatient", "1970-02-01", Sex::Female),
            check: |c| c.first_name == NameAgreement::Nickname,
            text: "common short form",
        },
        Case {
            declared: person("Jonathon", "Testpatient", "1970-02-01", Sex::Male),
            recorded: person("Jonathan", "Testpatient", "1970-02-01", Sex::Male),
            check: |c| c.first_name == NameAgreement::SimilarSpelling,
            text: "first name is spelt similarly",
        },
        Case {
            declared: person("Alex", "Smyth", "1970-02-01", Sex::Female),
            recorded: person("Alex", "Schmidt", "1970-02-01", Sex::Female),
            check: |c| c.surname == NameAgreement::SoundsAlike,
            text: "surname sounds alike",
        },
        Case {
            declared: person("Testpatient", "Alex", "1970-02-01", Sex::Female),
            recorded: alex(),
            check: |c| c.names_swapped,
            text: "swapped",
        },
        Case {
            declared: person("Alex", "Jones", "1970-02-01", Sex::Female),
            recorded: person("Alex", "Smith-Jones", "1970-02-01", Sex::Female),
            check: |c| c.surname == NameAgreement::PartOfDoubleBarrelled,
            text: "double-barrelled",
        },
        Case {
            declared: person("Alex", "Exampleson", "1970-02-01", Sex::Female),
            recorded: alex(),
            check: |c| c.surname == NameAgreement::Changed,
            text: "may have changed",
        },
        Case {
            declared: person("Alex", "Testpatient", "1970-01-02", Sex::Female),
            recorded: alex(),
            check: |c| c.date_of_birth == DateAgreement::DayAndMonthSwapped,
            text: "day and month swapped",
        },
        Case {
            declared: person("Alex", "Testpatient", "1979-02-01", Sex::Female),
            recorded: alex(),
            check: |c| c.date_of_birth == DateAgreement::OneDigitWrong,
            text: "one digit",
        },
        Case {
            declared: person("Alex", "Testpatient", "1969-02-01", Sex::Female),
            recorded: alex(),
            check: |c| c.date_of_birth == DateAgreement::YearOneOut,
            text: "a year out",
        },
        // A year out in its last digit is a year out, not just a digit.
        Case {
            declared: person("Alex", "Testpatient", "1971-02-01", Sex::Female),
            recorded: alex(),
            check: |c| c.date_of_birth == DateAgreement::YearOneOut,
            text: "a year out",
        },
        Case {
            declared: person("Alex", "Testpatient", "1970-02-01", Sex::Male),
            recorded: alex(),
            check: |c| c.sex == SexAgreement::Different,
            text: "sex differs",
        },
        Case {
            declared: person("Alex", "Testpatient", "1970-02-01", Sex::Unknown),
            recorded: alex(),
            check: |c| c.sex == SexAgreement::NotKnownOnOneSide,
            text: "unknown or indeterminate on one side",
        },
    ];
    for case in cases {
        let outcome = decide(&case.declared, std::slice::from_ref(&case.recorded));
        let suggestion = only_suggestion(outcome);
        let comparison = suggestion.comparison;
        assert!((case.check)(&comparison), "{}: {comparison:?}", case.text);
        assert!(
            comparison.to_string().contains(case.text),
            "{:?} does not explain {:?}",
            comparison.to_string(),
            case.text
        );
    }
}

#[test]
fn postcode_and_telephone_are_supporting_evidence() {
    let with_contact = |mut d: Demographics, postcode: &str, phone: &str| {
        d.postcode = Some(postcode.parse().unwrap());
        d.phones.push(Phone {
            kind: PhoneKind::Mobile,
            number: phone.parse().unwrap(),
        });
        d
    };
    let declared = with_contact(
        person("Bill", "Testpatient", "1970-02-01", Sex::Male),
        "ZZ99 1AB",
        "07700 900123",
    );
    let bare = person("William", "Testpatient", "1970-02-01", Sex::Male);
    let agreeing = with_contact(bare.clone(), "zz991ab", "+44 7700 900123");
    let same_area = with_contact(bare.clone(), "ZZ99 9ZZ", "07700 900999");

    let base = compare(&declared, &bare);
    let agrees = compare(&declared, &agreeing);
    let area = compare(&declared, &same_area);
    assert_eq!(base.postcode, Evidence::NotCompared);
    assert_eq!(
        (agrees.postcode, agrees.telephone),
        (Evidence::Same, Evidence::Same)
    );
    assert_eq!(
        (area.postcode, area.telephone),
        (Evidence::SameArea, Evidence::Different)
    );
    // A score is the share of the points the fields known on both sides
    // could earn: nickname 16 + 25 + 35 + 10 of 90 without contact
    // details; with both agreeing, 96 of 100; the same area and another
    // telephone number, 88 of 100.
    assert_eq!(base.score().value(), share(86, 90));
    assert_eq!(agrees.score().value(), share(96, 100));
    assert_eq!(area.score().value(), share(88, 100));

    // Supporting evidence ranks the better-supported of two otherwise
    // equal candidates first.
    let outcome = decide(&declared, &[same_area, agreeing]);
    assert_eq!(outcome.suggestions()[0].patient, 1);
}

#[test]
fn nothing_plausible_is_no_results_and_says_what_disagreed() {
    let practice = [alex()];
    let stranger = person("Sam", "Exampleson", "1999-12-31", Sex::Male);
    let MatchOutcome::NoResults { nearest } = decide(&stranger, &practice) else {
        panic!("a stranger was suggested")
    };
    // The list saw Alex and says why she is not suggested; the index may
    // not have seen her at all (no blocking key in common).
    let nearest = nearest.unwrap();
    let disagreeing: Vec<Field> = nearest
        .comparison
        .disagreements()
        .iter()
        .map(|f| f.field)
        .collect();
    assert_eq!(
        disagreeing,
        [
            Field::FirstName,
            Field::Surname,
            Field::DateOfBirth,
            Field::Sex
        ]
    );
    assert!(matches!(
        decide(&stranger, &[]),
        MatchOutcome::NoResults { nearest: None }
    ));
}

#[test]
fn the_threshold_and_the_number_shown_are_configurable() {
    let practice = [
        // Nickname: 16 + 25 + 35 + 10 of 90.
        person("William", "Testpatient", "1970-02-01", Sex::Male),
        // First name different: 0 + 25 + 35 + 10 of 90.
        person("Wiliam", "Testpatient", "1970-02-01", Sex::Male),
        // Day and month swapped: 20 + 25 + 26 + 10 of 90.
        person("Bill", "Testpatient", "1970-01-02", Sex::Male),
    ];
    let submission = person("Bill", "Testpatient", "1970-02-01", Sex::Male);
    let ranked: Vec<_> = decide(&submission, &practice)
        .suggestions()
        .iter()
        .map(|s| (s.patient, s.score.value()))
        .collect();
    assert_eq!(
        ranked,
        [(0, share(86, 90)), (2, share(81, 90)), (1, share(70, 90))]
    );

    let strict = MatchConfig::default().with_threshold(80);
    let ranked = decide_with(&submission, &practice, &strict);
    assert_eq!(ranked.suggestions().len(), 2);

    let one = MatchConfig::default().with_max_suggestions(1);
    assert_eq!(
        decide_with(&submission, &practice, &one)
            .suggestions()
            .len(),
        1
    );
}

#[test]
fn nhs_numbers_are_validated_before_anything_else() {
    assert_eq!(
        parse_nhs_number("9990000018").unwrap().as_str(),
        "9990000018"
    );
    assert_eq!(
        parse_nhs_number(" 999-000-0018 ").unwrap().as_str(),
        "9990000018"
    );
    assert!(matches!(
        parse_nhs_number("999000001"),
        Err(NhsNumberError::WrongLength { found: 9 })
    ));
    assert!(matches!(
        parse_nhs_number("99900000189"),
        Err(NhsNumberError::WrongLength { found: 11 })
    ));
    assert!(matches!(
        parse_nhs_number("999000001O"),
        Err(NhsNumberError::NonDigit { character: 'O', .. })
    ));
    assert!(matches!(
        parse_nhs_number("9990000019"),
        Err(NhsNumberError::WrongCheckDigit {
            expected: Some(8),
            found: 9
        })
    ));
    assert!(parse_nhs_number("").is_err());
}

#[test]
fn the_stricter_rule_needs_one_more_agreeing_identifier() {
    let strict = MatchConfig::default()
        .with_auto_match_rule(patient_matcher::AutoMatchRule::FourFieldsAndAnIdentifier);
    let mut held = alex();
    held.postcode = Some("ZZ99 1AB".parse().unwrap());
    held.phones.push(Phone {
        kind: PhoneKind::Mobile,
        number: "07700 900123".parse().unwrap(),
    });
    held.nhs_number = NhsNumber::from_prefix(999_000_001);
    let practice = [held.clone()];

    // The four fields alone: auto-matched by default, only suggested under
    // the stricter rule.
    let bare = alex();
    assert_eq!(decide(&bare, &practice).auto_matched(), Some(&0));
    let outcome = decide_with(&bare, &practice, &strict);
    assert_eq!(outcome.auto_matched(), None);
    assert!(outcome.suggestions()[0].comparison.is_exact());

    // A postcode in another area, or another telephone number, does not
    // count either.
    let mut elsewhere = alex();
    elsewhere.postcode = Some("ZZ98 1AB".parse().unwrap());
    elsewhere.phones.push(Phone {
        kind: PhoneKind::Mobile,
        number: "07700 900999".parse().unwrap(),
    });
    assert_eq!(
        decide_with(&elsewhere, &practice, &strict).auto_matched(),
        None
    );

    // Any one of the three agreeing is enough.
    let mut with_postcode = alex();
    with_postcode.postcode = held.postcode.clone();
    let mut with_phone = alex();
    with_phone.phones = held.phones.clone();
    let mut with_nhs = alex();
    with_nhs.nhs_number = held.nhs_number;
    for (submission, what) in [
        (with_postcode, "postcode"),
        (with_phone, "telephone"),
        (with_nhs, "NHS number"),
    ] {
        assert_eq!(
            decide_with(&submission, &practice, &strict).auto_matched(),
            Some(&0),
            "{what}"
        );
    }
}

#[test]
fn a_submission_missing_a_field_is_never_auto_matched() {
    use patient_matcher::PersonDetails;
    let index = PatientIndex::build([(0, alex())]).unwrap();
    let complete = PersonDetails::from(&alex());
    assert_eq!(
        index
            .find_details(&complete, &MatchConfig::default())
            .auto_matched(),
        Some(&&0)
    );
    for missing in ["first name", "surname", "date of birth"] {
        let mut details = complete.clone();
        match missing {
            "first name" => details.first_name = None,
            "surname" => details.surname = None,
            _ => details.date_of_birth = None,
        }
        let outcome = index.find_details(&details, &MatchConfig::default());
        assert_eq!(outcome.auto_matched(), None, "{missing}");
        assert_eq!(outcome.suggestions().len(), 1, "{missing}: still suggested");
    }
}

#[test]
fn a_patient_missing_a_field_blocks_the_look_alike_it_could_be() {
    use patient_matcher::PersonDetails;
    let complete = PersonDetails::from(&alex());
    for missing in ["first name", "surname", "date of birth"] {
        let mut incomplete = complete.clone();
        match missing {
            "first name" => incomplete.first_name = None,
            "surname" => incomplete.surname = None,
            _ => incomplete.date_of_birth = None,
        }
        let index = PatientIndex::from_details([(0, complete.clone()), (1, incomplete)]).unwrap();
        let outcome = index.find(&alex(), &MatchConfig::default());
        assert_eq!(outcome.auto_matched(), None, "{missing}");
        let mut shown: Vec<i32> = outcome.suggestions().iter().map(|s| *s.patient).collect();
        shown.sort_unstable();
        assert_eq!(shown, [0, 1], "{missing}");
    }
    // A row with one field of the three says nothing about who it is: it
    // does not block.
    let mut only_surname = PersonDetails::default();
    only_surname.surname = Some("Testpatient".into());
    let index = PatientIndex::from_details([(0, complete), (1, only_surname)]).unwrap();
    assert_eq!(
        index.find(&alex(), &MatchConfig::default()).auto_matched(),
        Some(&&0)
    );
}
