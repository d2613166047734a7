//! Field-by-field comparison of a submission with a candidate, its score,
//! and the findings a receptionist reads.
//!
//! How the points are given is documented on [`Score`].

use std::fmt;

use chrono::{Datelike, NaiveDate};
use econsult_model::Sex;

use crate::nicknames::are_nicknames;
use crate::normalise::{fold, name_parts};
use crate::person::{NameView, PersonView};

/// How two names compare, best agreement first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum NameAgreement {
    /// Equal after normalisation (case and whitespace).
    Same,
    /// Equal once accents, hyphens, apostrophes and spaces are set aside
    /// (`Zoë`/`Zoe`, `O'Brien`/`OBrien`, `Smith-Jones`/`Smith Jones`).
    SameApartFromAccentsOrPunctuation,
    /// First names only: a common short form of the other (`Bill`/`William`).
    Nickname,
    /// Surnames only: one is a part of the other's double-barrelled or
    /// multi-part surname (`Jones`/`Smith-Jones`).
    PartOfDoubleBarrelled,
    /// Spelt similarly (Jaro-Winkler similarity of 0.88 or more).
    SimilarSpelling,
    /// Sounds alike (a Double Metaphone code in common).
    SoundsAlike,
    /// One is only the initial of the other.
    InitialOnly,
    /// Surnames only: different, while first name, date of birth and sex
    /// agree, so it may have changed (marriage, deed poll).
    Changed,
    /// Different.
    Different,
}

/// How two dates of birth compare.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum DateAgreement {
    /// The same date.
    Same,
    /// Day and month swapped (`03/04` and `04/03`).
    DayAndMonthSwapped,
    /// One digit of `YYYYMMDD` wrong.
    OneDigitWrong,
    /// Same day and month, the year one out.
    YearOneOut,
    /// Different.
    Different,
}

/// How two sexes compare.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum SexAgreement {
    /// The same.
    Same,
    /// Unknown or indeterminate on one side only.
    NotKnownOnOneSide,
    /// Male on one side, female on the other.
    Different,
}

/// How a piece of supporting evidence (postcode, telephone, NHS number)
/// compares.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Evidence {
    /// The same.
    Same,
    /// Postcodes only: the same outward code (`ZZ99`), a different inward
    /// code.
    SameArea,
    /// Given on both sides and different.
    Different,
    /// Missing on one side or both, so not compared.
    NotCompared,
}

/// The field a [`Finding`] is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Field {
    /// First name.
    FirstName,
    /// Surname.
    Surname,
    /// Date of birth.
    DateOfBirth,
    /// Sex.
    Sex,
    /// Postcode.
    Postcode,
    /// Telephone number.
    Telephone,
    /// NHS number.
    NhsNumber,
}

/// Whether a finding speaks for or against the candidate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Verdict {
    /// The field agrees.
    Agrees,
    /// The field agrees in part (a nickname, a typo, a swapped day and month).
    PartlyAgrees,
    /// The field disagrees.
    Disagrees,
}

/// One line of a comparison, for a receptionist to read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Finding {
    /// Which field.
    pub field: Field,
    /// For or against.
    pub verdict: Verdict,
    /// What was found, in plain English (`"first name is a common short form of the other"`).
    pub text: &'static str,
}

impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mark = match self.verdict {
            Verdict::Agrees => '✓',
            Verdict::PartlyAgrees => '~',
            Verdict::Disagrees => '✗',
        };
        write!(f, "{mark} {}", self.text)
    }
}

/// A score from 0 (nothing agrees) to 100 (everything agrees).
///
/// # Points
///
/// A score is the sum of each field's points, clamped to 0–100. The four
/// fields of the exact rule carry 90; postcode and telephone are supporting
/// evidence worth 5 each. An NHS number adds 25 when it matches (enough,
/// with a few fields agreeing, to suggest a patient whose details have all
/// changed; never enough alone) and takes 40 away when it differs.
///
/// | Field | Same | Partial agreements | Different |
/// |---|---|---|---|
/// | First name | 20 | accents/punctuation 18, nickname 16, similar spelling 14, sounds alike 12, initial only 8 | 0 |
/// | Surname | 25 | accents/punctuation 23, part of a double-barrelled name 21, similar spelling 18, sounds alike 16, initial only 6, changed 10 | 0 |
/// | Names swapped | the swapped comparison, less 4 | | |
/// | Date of birth | 35 | day and month swapped 26, one digit wrong 24, a year out 24 | 0 |
/// | Sex | 10 | not known on one side 4 | 0 |
/// | Postcode | 5 | same outward code 2 | 0 |
/// | Telephone | 5 | | 0 |
/// | NHS number | +25 | | −40 |
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Score(u8);

impl Score {
    /// The lowest score.
    pub const MIN: Score = Score(0);
    /// The highest score.
    pub const MAX: Score = Score(100);

    /// A score, clamped to 0–100.
    pub fn new(points: i32) -> Self {
        Self(points.clamp(0, 100) as u8)
    }

    /// The score as a number from 0 to 100.
    pub fn value(self) -> u8 {
        self.0
    }
}

impl fmt::Display for Score {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// A submission compared with one candidate, field by field.
///
/// ```
/// use chrono::NaiveDate;
/// use econsult_model::{Demographics, PersonName, Sex};
/// use patient_matcher::{compare, DateAgreement, NameAgreement};
///
/// let person = |first: &str, dob: (i32, u32, u32)| -> Demographics {
///     let (y, m, d) = dob;
///     let name = PersonName::new(first, "Testpatient").unwrap();
///     Demographics::new(name, NaiveDate::from_ymd_opt(y, m, d).unwrap(), Sex::Male)
/// };
/// let c = compare(&person("Bill", (1970, 4, 3)), &person("William", (1970, 3, 4)));
/// assert_eq!(c.first_name, NameAgreement::Nickname);
/// assert_eq!(c.date_of_birth, DateAgreement::DayAndMonthSwapped);
/// assert!(!c.is_exact());
/// assert_eq!(c.score().value(), 16 + 25 + 26 + 10);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct Comparison {
    /// First names (the submission's first name with the candidate's
    /// surname when `names_swapped`).
    pub first_name: NameAgreement,
    /// Surnames (the submission's surname with the candidate's first name
    /// when `names_swapped`).
    pub surname: NameAgreement,
    /// The submission's first name and surname are the candidate's
    /// surname and first name.
    pub names_swapped: bool,
    /// Dates of birth.
    pub date_of_birth: DateAgreement,
    /// Sexes.
    pub sex: SexAgreement,
    /// Postcodes.
    pub postcode: Evidence,
    /// Telephone numbers: `Same` when any number of one is a number of the
    /// other.
    pub telephone: Evidence,
    /// NHS numbers.
    pub nhs_number: Evidence,
}

/// Points an agreeing NHS number adds.
pub(crate) const NHS_NUMBER_SAME: i32 = 25;

/// Points lost when the names only agree once swapped.
pub(crate) const SWAP_PENALTY: i32 = 4;

impl Comparison {
    /// Whether the four fields of the auto-match rule (first name, surname,
    /// date of birth and sex) are equal after normalisation. An exact
    /// comparison auto-matches only when it is the only one, and not when
    /// the NHS numbers differ.
    pub fn is_exact(&self) -> bool {
        self.first_name == NameAgreement::Same
            && self.surname == NameAgreement::Same
            && !self.names_swapped
            && self.date_of_birth == DateAgreement::Same
            && self.sex == SexAgreement::Same
    }

    /// The score: see [`Score`] for the points each agreement earns.
    pub fn score(&self) -> Score {
        let names = first_name_points(self.first_name) + surname_points(self.surname);
        let names = if self.names_swapped {
            names - SWAP_PENALTY
        } else {
            names
        };
        Score::new(
            names
                + date_points(self.date_of_birth)
                + sex_points(self.sex)
                + postcode_points(self.postcode)
                + telephone_points(self.telephone)
                + nhs_points(self.nhs_number),
        )
    }

    /// The findings, field by field, in the order a person reads a record:
    /// names, date of birth, sex, then the supporting evidence that was
    /// compared.
    pub fn findings(&self) -> Vec<Finding> {
        let mut out = Vec::with_capacity(8);
        if self.names_swapped {
            out.push(Finding {
                field: Field::FirstName,
                verdict: Verdict::PartlyAgrees,
                text: "first name and surname are swapped",
            });
        }
        out.push(name_finding(Field::FirstName, self.first_name));
        out.push(name_finding(Field::Surname, self.surname));
        out.push(date_finding(self.date_of_birth));
        out.push(sex_finding(self.sex));
        out.extend(evidence_finding(Field::Postcode, self.postcode));
        out.extend(evidence_finding(Field::Telephone, self.telephone));
        out.extend(evidence_finding(Field::NhsNumber, self.nhs_number));
        out
    }

    /// The fields that disagree, or agree only in part: what to check with
    /// the patient.
    pub fn disagreements(&self) -> Vec<Finding> {
        self.findings()
            .into_iter()
            .filter(|f| f.verdict != Verdict::Agrees)
            .collect()
    }
}

impl fmt::Display for Comparison {
    /// The findings separated by `; `.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, finding) in self.findings().iter().enumerate() {
            if i > 0 {
                f.write_str("; ")?;
            }
            write!(f, "{finding}")?;
        }
        Ok(())
    }
}

/// Compares declared demographics with a candidate's, field by field.
pub fn compare(
    submission: &econsult_model::Demographics,
    candidate: &econsult_model::Demographics,
) -> Comparison {
    let submission = crate::Prepared::new(submission);
    let candidate = crate::Prepared::new(candidate);
    compare_views(&submission.view(), &candidate.view())
}

/// Compares two prepared people.
pub(crate) fn compare_views(submission: &PersonView<'_>, candidate: &PersonView<'_>) -> Comparison {
    let date_of_birth = compare_dates(submission.date_of_birth, candidate.date_of_birth);
    let sex = compare_sex(submission.sex, candidate.sex);

    let first = compare_names(submission.first_name, candidate.first_name, Role::First);
    let mut surname = compare_names(submission.surname, candidate.surname, Role::Surname);
    if surname == NameAgreement::Different
        && matches!(
            first,
            NameAgreement::Same | NameAgreement::SameApartFromAccentsOrPunctuation
        )
        && date_of_birth == DateAgreement::Same
        && sex == SexAgreement::Same
    {
        surname = NameAgreement::Changed;
    }
    let straight = first_name_points(first) + surname_points(surname);

    let (mut first_name, mut names_swapped) = (first, false);
    if !(first == NameAgreement::Same && surname == NameAgreement::Same) {
        let crossed_first = compare_names(submission.first_name, candidate.surname, Role::First);
        let crossed_surname =
            compare_names(submission.surname, candidate.first_name, Role::Surname);
        let crossed = first_name_points(crossed_first) + surname_points(crossed_surname);
        let both_agree = ![crossed_first, crossed_surname]
            .iter()
            .any(|a| matches!(a, NameAgreement::Different | NameAgreement::InitialOnly));
        if both_agree && crossed - SWAP_PENALTY > straight {
            first_name = crossed_first;
            surname = crossed_surname;
            names_swapped = true;
        }
    }

    Comparison {
        first_name,
        surname,
        names_swapped,
        date_of_birth,
        sex,
        postcode: compare_postcodes(submission, candidate),
        telephone: compare_phones(submission.phones, candidate.phones),
        nhs_number: match (submission.nhs_number, candidate.nhs_number) {
            (Some(a), Some(b)) if a == b => Evidence::Same,
            (Some(_), Some(_)) => Evidence::Different,
            _ => Evidence::NotCompared,
        },
    }
}

/// Which name is compared: the agreements open to each differ.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Role {
    First,
    Surname,
}

/// The Jaro-Winkler similarity at or above which two spellings are similar.
const SIMILAR: f64 = 0.88;

fn compare_names(ours: NameView<'_>, theirs: NameView<'_>, role: Role) -> NameAgreement {
    if ours.text == theirs.text {
        return NameAgreement::Same;
    }
    let (a, b) = (fold(ours.text), fold(theirs.text));
    if !a.is_empty() && a == b {
        return NameAgreement::SameApartFromAccentsOrPunctuation;
    }
    match role {
        Role::First if are_nicknames(&a, &b) || are_nicknames(ours.text, theirs.text) => {
            return NameAgreement::Nickname;
        }
        Role::Surname if is_part_of(ours.text, theirs.text) => {
            return NameAgreement::PartOfDoubleBarrelled;
        }
        _ => {}
    }
    let (short, long) = if a.chars().count() <= b.chars().count() {
        (&a, &b)
    } else {
        (&b, &a)
    };
    if short.chars().count() == 1 {
        return if long.starts_with(short.as_ref()) {
            NameAgreement::InitialOnly
        } else {
            NameAgreement::Different
        };
    }
    if strsim::jaro_winkler(&a, &b) >= SIMILAR {
        return NameAgreement::SimilarSpelling;
    }
    if ours.sound.alike(theirs.sound) {
        return NameAgreement::SoundsAlike;
    }
    NameAgreement::Different
}

/// A cheap test of whether two people's names could together earn the
/// points a date of birth one digit out needs to reach a suggestion: both
/// names (straight or swapped) with an initial, a sound, a nickname or a
/// part in common; or one name the same apart from accents and punctuation
/// (the other may then be anything but different), or one surname part of
/// the other.
pub(crate) fn names_could_agree(
    ours: &PersonView<'_>,
    first: NameView<'_>,
    surname: NameView<'_>,
) -> bool {
    let related = |a: NameView<'_>, b: NameView<'_>| {
        let (x, y) = (fold(a.text), fold(b.text));
        x.chars().next() == y.chars().next()
            || a.sound.alike(b.sound)
            || are_nicknames(&x, &y)
            || is_part_of(a.text, b.text)
    };
    (related(ours.first_name, first) && related(ours.surname, surname))
        || (related(ours.first_name, surname) && related(ours.surname, first))
        || fold(ours.first_name.text) == fold(first.text)
        || fold(ours.surname.text) == fold(surname.text)
        || is_part_of(ours.surname.text, surname.text)
}

/// Whether one multi-part surname contains the other (a single part or
/// several), compared with accents and punctuation set aside.
fn is_part_of(a: &str, b: &str) -> bool {
    let parts = |s| {
        name_parts(s)
            .map(|p| fold(p).into_owned())
            .collect::<Vec<_>>()
    };
    let (a, b) = (parts(a), parts(b));
    if a.is_empty() || b.is_empty() || a.len() == b.len() && a.len() == 1 {
        return false;
    }
    let (few, many) = if a.len() <= b.len() {
        (&a, &b)
    } else {
        (&b, &a)
    };
    few.iter().all(|p| many.contains(p))
}

fn compare_dates(ours: NaiveDate, theirs: NaiveDate) -> DateAgreement {
    if ours == theirs {
        return DateAgreement::Same;
    }
    if ours.year() == theirs.year() && ours.day() == theirs.month() && ours.month() == theirs.day()
    {
        return DateAgreement::DayAndMonthSwapped;
    }
    if ours.month() == theirs.month()
        && ours.day() == theirs.day()
        && (ours.year() - theirs.year()).abs() == 1
    {
        return DateAgreement::YearOneOut;
    }
    let digits = |d: NaiveDate| format!("{:04}{:02}{:02}", d.year(), d.month(), d.day());
    let (a, b) = (digits(ours), digits(theirs));
    if a.len() == b.len() && a.bytes().zip(b.bytes()).filter(|(x, y)| x != y).count() == 1 {
        return DateAgreement::OneDigitWrong;
    }
    DateAgreement::Different
}

fn compare_sex(ours: Sex, theirs: Sex) -> SexAgreement {
    let known = |s| matches!(s, Sex::Male | Sex::Female);
    if ours == theirs {
        SexAgreement::Same
    } else if known(ours) && known(theirs) {
        SexAgreement::Different
    } else {
        SexAgreement::NotKnownOnOneSide
    }
}

fn compare_postcodes(ours: &PersonView<'_>, theirs: &PersonView<'_>) -> Evidence {
    if !ours.postcode.is_some() || !theirs.postcode.is_some() {
        Evidence::NotCompared
    } else if ours.postcode == theirs.postcode {
        Evidence::Same
    } else if ours.postcode.outward() == theirs.postcode.outward() {
        Evidence::SameArea
    } else {
        Evidence::Different
    }
}

fn compare_phones(
    ours: &[crate::person::PhoneKey],
    theirs: &[crate::person::PhoneKey],
) -> Evidence {
    if ours.is_empty() || theirs.is_empty() {
        Evidence::NotCompared
    } else if ours.iter().any(|p| theirs.contains(p)) {
        Evidence::Same
    } else {
        Evidence::Different
    }
}

pub(crate) fn first_name_points(agreement: NameAgreement) -> i32 {
    match agreement {
        NameAgreement::Same => 20,
        NameAgreement::SameApartFromAccentsOrPunctuation => 18,
        NameAgreement::Nickname => 16,
        NameAgreement::SimilarSpelling => 14,
        NameAgreement::SoundsAlike => 12,
        NameAgreement::InitialOnly => 8,
        // Not given to first names; scored as their nearest kin.
        NameAgreement::PartOfDoubleBarrelled => 14,
        NameAgreement::Changed | NameAgreement::Different => 0,
    }
}

pub(crate) fn surname_points(agreement: NameAgreement) -> i32 {
    match agreement {
        NameAgreement::Same => 25,
        NameAgreement::SameApartFromAccentsOrPunctuation => 23,
        NameAgreement::PartOfDoubleBarrelled => 21,
        NameAgreement::SimilarSpelling => 18,
        NameAgreement::SoundsAlike => 16,
        NameAgreement::Changed => 10,
        NameAgreement::InitialOnly => 6,
        // Not given to surnames; scored as their nearest kin.
        NameAgreement::Nickname => 18,
        NameAgreement::Different => 0,
    }
}

pub(crate) fn date_points(agreement: DateAgreement) -> i32 {
    match agreement {
        DateAgreement::Same => 35,
        DateAgreement::DayAndMonthSwapped => 26,
        DateAgreement::OneDigitWrong | DateAgreement::YearOneOut => 24,
        DateAgreement::Different => 0,
    }
}

pub(crate) fn sex_points(agreement: SexAgreement) -> i32 {
    match agreement {
        SexAgreement::Same => 10,
        SexAgreement::NotKnownOnOneSide => 4,
        SexAgreement::Different => 0,
    }
}

pub(crate) fn postcode_points(evidence: Evidence) -> i32 {
    match evidence {
        Evidence::Same => 5,
        Evidence::SameArea => 2,
        Evidence::Different | Evidence::NotCompared => 0,
    }
}

pub(crate) fn telephone_points(evidence: Evidence) -> i32 {
    match evidence {
        Evidence::Same => 5,
        _ => 0,
    }
}

pub(crate) fn nhs_points(evidence: Evidence) -> i32 {
    match evidence {
        Evidence::Same => NHS_NUMBER_SAME,
        Evidence::Different => -40,
        _ => 0,
    }
}

fn name_finding(field: Field, agreement: NameAgreement) -> Finding {
    let first = field == Field::FirstName;
    let (verdict, text) = match agreement {
        NameAgreement::Same if first => (Verdict::Agrees, "first name matches"),
        NameAgreement::Same => (Verdict::Agrees, "surname matches"),
        NameAgreement::SameApartFromAccentsOrPunctuation if first => (
            Verdict::PartlyAgrees,
            "first name matches apart from an accent, hyphen, apostrophe or space",
        ),
        NameAgreement::SameApartFromAccentsOrPunctuation => (
            Verdict::PartlyAgrees,
            "surname matches apart from an accent, hyphen, apostrophe or space",
        ),
        NameAgreement::Nickname => (
            Verdict::PartlyAgrees,
            "first name is a common short form of the other (like Bill and William)",
        ),
        NameAgreement::PartOfDoubleBarrelled => (
            Verdict::PartlyAgrees,
            "one surname is part of the other's double-barrelled surname",
        ),
        NameAgreement::SimilarSpelling if first => {
            (Verdict::PartlyAgrees, "first name is spelt similarly")
        }
        NameAgreement::SimilarSpelling => (Verdict::PartlyAgrees, "surname is spelt similarly"),
        NameAgreement::SoundsAlike if first => (Verdict::PartlyAgrees, "first name sounds alike"),
        NameAgreement::SoundsAlike => (Verdict::PartlyAgrees, "surname sounds alike"),
        NameAgreement::InitialOnly if first => (
            Verdict::PartlyAgrees,
            "only the first name's initial matches",
        ),
        NameAgreement::InitialOnly => (Verdict::PartlyAgrees, "only the surname's initial matches"),
        NameAgreement::Changed => (
            Verdict::Disagrees,
            "surname differs but everything else matches: it may have changed (marriage, deed poll)",
        ),
        NameAgreement::Different if first => (Verdict::Disagrees, "first name differs"),
        NameAgreement::Different => (Verdict::Disagrees, "surname differs"),
    };
    Finding {
        field,
        verdict,
        text,
    }
}

fn date_finding(agreement: DateAgreement) -> Finding {
    let (verdict, text) = match agreement {
        DateAgreement::Same => (Verdict::Agrees, "date of birth matches"),
        DateAgreement::DayAndMonthSwapped => (
            Verdict::PartlyAgrees,
            "date of birth has the day and month swapped",
        ),
        DateAgreement::OneDigitWrong => {
            (Verdict::PartlyAgrees, "date of birth differs by one digit")
        }
        DateAgreement::YearOneOut => (Verdict::PartlyAgrees, "date of birth is a year out"),
        DateAgreement::Different => (Verdict::Disagrees, "date of birth differs"),
    };
    Finding {
        field: Field::DateOfBirth,
        verdict,
        text,
    }
}

fn sex_finding(agreement: SexAgreement) -> Finding {
    let (verdict, text) = match agreement {
        SexAgreement::Same => (Verdict::Agrees, "sex matches"),
        SexAgreement::NotKnownOnOneSide => (Verdict::PartlyAgrees, "sex is not known on one side"),
        SexAgreement::Different => (Verdict::Disagrees, "sex differs"),
    };
    Finding {
        field: Field::Sex,
        verdict,
        text,
    }
}

fn evidence_finding(field: Field, evidence: Evidence) -> Option<Finding> {
    let (verdict, text) = match (field, evidence) {
        (_, Evidence::NotCompared) => return None,
        (Field::Postcode, Evidence::Same) => (Verdict::Agrees, "postcode matches"),
        (Field::Postcode, Evidence::SameArea) => (
            Verdict::PartlyAgrees,
            "same postcode area (outward code), different postcode",
        ),
        (Field::Postcode, _) => (Verdict::Disagrees, "postcode differs"),
        (Field::Telephone, Evidence::Same) => (Verdict::Agrees, "a telephone number matches"),
        (Field::Telephone, _) => (Verdict::Disagrees, "telephone numbers differ"),
        (_, Evidence::Same) => (Verdict::Agrees, "NHS number matches"),
        (_, _) => (
            Verdict::Disagrees,
            "NHS number differs: probably not this patient",
        ),
    };
    Some(Finding {
        field,
        verdict,
        text,
    })
}
