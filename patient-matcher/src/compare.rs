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
    /// Not known on one side or both, so not compared.
    NotKnown,
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
    /// Not known on one side or both, so not compared.
    NotKnown,
}

/// How two sexes compare.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum SexAgreement {
    /// The same: both male, both female, or both indeterminate.
    Same,
    /// Unknown or indeterminate on one side, something else on the other.
    /// Never the same as far as the auto-match is concerned, but not
    /// different either: such a candidate blocks an auto-match (see
    /// [`Comparison::could_be_exact`]).
    NotKnownOnOneSide,
    /// Male on one side, female on the other.
    Different,
    /// Unknown on both sides: nothing to compare (two unknowns do not
    /// agree).
    NotKnown,
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
#[non_exhaustive]
pub enum Verdict {
    /// The field agrees.
    Agrees,
    /// The field agrees in part (a nickname, a typo, a swapped day and month).
    PartlyAgrees,
    /// The field disagrees.
    Disagrees,
    /// The field is not known on one side (or either), so it could not be
    /// compared: worth asking the patient.
    NotKnown,
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
            Verdict::NotKnown => '?',
        };
        write!(f, "{mark} {}", self.text)
    }
}

/// A score from 0 (nothing agrees) to 100 (everything that could be
/// compared agrees).
///
/// # The share of comparable points
///
/// Each field earns points by how well it agrees (the table), out of the
/// most it could earn. A field that is missing on either side (a postcode
/// the patient did not give, a sex not recorded, a date of birth missing
/// from a vendor's list) is left out of both. The score is the share of
/// the points that the fields known on both sides could earn, in percent:
///
/// ```text
/// score = 100 × earned ÷ (possible + shortfall) + NHS number points
/// ```
///
/// so a sparse record (names and date of birth only) is judged by the
/// evidence it has, not penalised for the evidence it lacks: a typo in
/// the first name scores 74 of 80 (93) whether or not a postcode was given.
///
/// *Shortfall*: when fewer than 55 points of names and date of birth can
/// be compared (a first name and a date of birth), the points missing up
/// to 55 count as not agreeing, so that one field alone never looks like a
/// full match: both names without a date of birth score at most 45 of 55
/// (82), a surname alone 25 of 55 (45).
///
/// The NHS number is not a share: it adds 25 when it matches (enough, with
/// a few fields agreeing, to suggest a patient whose details have all
/// changed; never enough alone) and takes 40 away when it differs. The
/// result is clamped to 0–100 and rounded to the nearest whole number.
///
/// Why a share rather than frequency (Fellegi–Sunter) weights: the
/// decision that matters most, the auto-match, is not a score at all (it
/// is the exact rule), so the score only has to rank candidates and
/// decide which to show. A share does that with one documented table, is
/// explained to a receptionist in a sentence, needs nothing learned from
/// the list (a vendor's list may be small or skewed), and keeps a proven
/// bound for the search planner (see [`SearchPlanner`](crate::SearchPlanner)).
///
/// | Field | Same | Partial agreements | Different | Most |
/// |---|---|---|---|---|
/// | First name | 20 | accents/punctuation 18, nickname 16, similar spelling 14, sounds alike 12, initial only 8 | 0 | 20 |
/// | Surname | 25 | accents/punctuation 23, part of a double-barrelled name 21, similar spelling 18, sounds alike 16, initial only 6, changed 10 | 0 | 25 |
/// | Names swapped | the swapped comparison, less 4 | | | 45 |
/// | Date of birth | 35 | day and month swapped 26, one digit wrong 24, a year out 24 | 0 | 35 |
/// | Sex | 10 | unknown or indeterminate on one side 4 | 0 | 10 (none when unknown on both) |
/// | Postcode | 5 | same outward code 2 | 0 | 5 |
/// | Telephone | 5 | | 0 | 5 |
/// | NHS number | +25 | | −40 | (not a share) |
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

    /// The score of `earned` points of `possible` (both before the NHS
    /// number), with the [shortfall](Score#the-share-of-comparable-points)
    /// for `identifying` points of names and date of birth, and the NHS
    /// number's `nhs` points.
    pub(crate) fn of_share(earned: i32, possible: i32, identifying: i32, nhs: i32) -> Self {
        let denominator = possible + (MIN_IDENTIFYING_POINTS - identifying).max(0);
        let share = if denominator <= 0 {
            0
        } else {
            (200 * earned.max(0) + denominator) / (2 * denominator)
        };
        Self::new(share + nhs)
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
/// // 77 of the 90 points names, date of birth and sex could earn.
/// assert_eq!(c.score().value(), 86);
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

/// The points of names and date of birth below which the score counts the
/// rest as not agreeing (a first name and a date of birth).
pub(crate) const MIN_IDENTIFYING_POINTS: i32 = 55;

/// The most each field earns.
pub(crate) const FIRST_NAME_MOST: i32 = 20;
pub(crate) const SURNAME_MOST: i32 = 25;
pub(crate) const DATE_MOST: i32 = 35;
pub(crate) const SEX_MOST: i32 = 10;
pub(crate) const POSTCODE_MOST: i32 = 5;
pub(crate) const TELEPHONE_MOST: i32 = 5;

/// Points earned and possible, field by field summed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Points {
    /// Earned by the fields compared (the NHS number aside).
    pub(crate) earned: i32,
    /// The most the fields compared could earn.
    pub(crate) possible: i32,
    /// The most names and date of birth, where compared, could earn.
    pub(crate) identifying: i32,
    /// The NHS number's points.
    pub(crate) nhs: i32,
}

impl Points {
    /// Adds a field: `earned` of `most`, or nothing when not compared.
    pub(crate) fn add(&mut self, earned: Option<i32>, most: i32) {
        if let Some(earned) = earned {
            self.earned += earned;
            self.possible += most;
        }
    }

    pub(crate) fn score(&self) -> Score {
        Score::of_share(self.earned, self.possible, self.identifying, self.nhs)
    }
}

impl Comparison {
    /// Whether the four fields of the auto-match rule (first name, surname,
    /// date of birth and sex) are equal after normalisation. An exact
    /// comparison auto-matches only when it is the only one, and not when
    /// the NHS numbers differ.
    ///
    /// Two unknown sexes are not equal (there is nothing to compare), and a
    /// submission of indeterminate sex is never auto-matched either (see
    /// [`MatchOutcome`](crate::MatchOutcome)).
    pub fn is_exact(&self) -> bool {
        self.first_name == NameAgreement::Same
            && self.surname == NameAgreement::Same
            && !self.names_swapped
            && self.date_of_birth == DateAgreement::Same
            && self.sex == SexAgreement::Same
    }

    /// Whether the candidate could be the person on the fields of the exact
    /// rule: nothing disagrees, and at least two of first name, surname
    /// and date of birth are the same while the third is the same or not
    /// known; the sex the same, or unknown or indeterminate on one side.
    ///
    /// Such a candidate is always shown, first, and blocks the auto-match
    /// of any other: a patient recorded with sex `U` and the same name and
    /// date of birth as a female submission may be her.
    pub fn could_be_exact(&self) -> bool {
        let same = [
            self.first_name == NameAgreement::Same,
            self.surname == NameAgreement::Same,
            self.date_of_birth == DateAgreement::Same,
        ];
        let unknown = [
            self.first_name == NameAgreement::NotKnown,
            self.surname == NameAgreement::NotKnown,
            self.date_of_birth == DateAgreement::NotKnown,
        ];
        !self.names_swapped
            && self.sex != SexAgreement::Different
            && same.iter().zip(unknown).all(|(s, u)| *s || u)
            && same.iter().filter(|s| **s).count() >= 2
    }

    /// The score: see [`Score`] for the points each agreement earns and
    /// how they make a share.
    pub fn score(&self) -> Score {
        self.points().score()
    }

    /// Points earned and possible.
    pub(crate) fn points(&self) -> Points {
        let mut points = Points::default();
        let first = name_points(self.first_name, first_name_points);
        let surname = name_points(self.surname, surname_points);
        if self.names_swapped {
            // The crossed comparisons, each known or not, less the penalty.
            let most = i32::from(first.is_some()) * FIRST_NAME_MOST
                + i32::from(surname.is_some()) * SURNAME_MOST;
            let earned = first.unwrap_or(0) + surname.unwrap_or(0) - SWAP_PENALTY;
            points.add(Some(earned), most);
            points.identifying += most;
        } else {
            points.add(first, FIRST_NAME_MOST);
            points.add(surname, SURNAME_MOST);
            points.identifying += i32::from(first.is_some()) * FIRST_NAME_MOST
                + i32::from(surname.is_some()) * SURNAME_MOST;
        }
        let date = date_points(self.date_of_birth);
        points.add(date, DATE_MOST);
        points.identifying += i32::from(date.is_some()) * DATE_MOST;
        points.add(sex_points(self.sex), SEX_MOST);
        points.add(postcode_points(self.postcode), POSTCODE_MOST);
        points.add(telephone_points(self.telephone), TELEPHONE_MOST);
        points.nhs = nhs_points(self.nhs_number);
        points
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
    let date_of_birth = match (submission.date_of_birth, candidate.date_of_birth) {
        (Some(ours), Some(theirs)) => compare_dates(ours, theirs),
        _ => DateAgreement::NotKnown,
    };
    let sex = compare_sex(submission.sex, candidate.sex);

    let first = compare_names(submission.first_name, candidate.first_name, Role::First);
    let mut surname = compare_names(submission.surname, candidate.surname, Role::Surname);
    if surname == NameAgreement::Different
        && matches!(
            first,
            NameAgreement::Same | NameAgreement::SameApartFromAccentsOrPunctuation
        )
        && date_of_birth == DateAgreement::Same
        && sex != SexAgreement::Different
    {
        surname = NameAgreement::Changed;
    }
    let straight = first_name_points(first) + surname_points(surname);

    let (mut first_name, mut names_swapped) = (first, false);
    // Swapped only when the straight reading disagrees somewhere: a name
    // missing on one side is not a disagreement ("Owen Owen" against a row
    // with first name Owen and no surname is read straight, and can block).
    let agrees_or_unknown =
        |a: NameAgreement| matches!(a, NameAgreement::Same | NameAgreement::NotKnown);
    if !(agrees_or_unknown(first) && agrees_or_unknown(surname)) {
        let crossed_first = compare_names(submission.first_name, candidate.surname, Role::First);
        let crossed_surname =
            compare_names(submission.surname, candidate.first_name, Role::Surname);
        let crossed = first_name_points(crossed_first) + surname_points(crossed_surname);
        // Each name compared crossed must agree well; one of them may be
        // missing (then the other must be compared).
        let agree_well = [crossed_first, crossed_surname].iter().all(|a| {
            !matches!(
                a,
                NameAgreement::Different | NameAgreement::InitialOnly | NameAgreement::Changed
            )
        });
        let any_compared = [crossed_first, crossed_surname]
            .iter()
            .any(|a| *a != NameAgreement::NotKnown);
        if agree_well && any_compared && crossed - SWAP_PENALTY > straight {
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
    if !ours.is_known() || !theirs.is_known() {
        return NameAgreement::NotKnown;
    }
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
/// names (straight or swapped) with an initial, a sound, a nickname, a
/// part or a similar spelling in common (a name not known counts as in
/// common); or one name the same apart from accents and punctuation (the
/// other may then be anything but different), or one surname part of the
/// other.
pub(crate) fn names_could_agree(
    ours: &PersonView<'_>,
    first: NameView<'_>,
    surname: NameView<'_>,
) -> bool {
    let related = |a: NameView<'_>, b: NameView<'_>| {
        if !a.is_known() || !b.is_known() {
            return true;
        }
        let (x, y) = (fold(a.text), fold(b.text));
        x.chars().next() == y.chars().next()
            || a.sound.alike(b.sound)
            || are_nicknames(&x, &y)
            || is_part_of(a.text, b.text)
            || strsim::jaro_winkler(&x, &y) >= SIMILAR
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
    if ours == Sex::Unknown && theirs == Sex::Unknown {
        SexAgreement::NotKnown
    } else if ours == theirs {
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
        NameAgreement::Changed | NameAgreement::Different | NameAgreement::NotKnown => 0,
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
        NameAgreement::Different | NameAgreement::NotKnown => 0,
    }
}

/// A name's points by `points` (the first name's or the surname's table);
/// `None` when not compared.
fn name_points(agreement: NameAgreement, points: fn(NameAgreement) -> i32) -> Option<i32> {
    (agreement != NameAgreement::NotKnown).then(|| points(agreement))
}

pub(crate) fn date_points(agreement: DateAgreement) -> Option<i32> {
    match agreement {
        DateAgreement::Same => Some(35),
        DateAgreement::DayAndMonthSwapped => Some(26),
        DateAgreement::OneDigitWrong | DateAgreement::YearOneOut => Some(24),
        DateAgreement::Different => Some(0),
        DateAgreement::NotKnown => None,
    }
}

pub(crate) fn sex_points(agreement: SexAgreement) -> Option<i32> {
    match agreement {
        SexAgreement::Same => Some(10),
        SexAgreement::NotKnownOnOneSide => Some(4),
        SexAgreement::Different => Some(0),
        SexAgreement::NotKnown => None,
    }
}

pub(crate) fn postcode_points(evidence: Evidence) -> Option<i32> {
    match evidence {
        Evidence::Same => Some(5),
        Evidence::SameArea => Some(2),
        Evidence::Different => Some(0),
        Evidence::NotCompared => None,
    }
}

pub(crate) fn telephone_points(evidence: Evidence) -> Option<i32> {
    match evidence {
        Evidence::Same => Some(5),
        Evidence::NotCompared => None,
        _ => Some(0),
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
        NameAgreement::NotKnown if first => (
            Verdict::NotKnown,
            "first name not known on one side: not compared",
        ),
        NameAgreement::NotKnown => (
            Verdict::NotKnown,
            "surname not known on one side: not compared",
        ),
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
        DateAgreement::NotKnown => (
            Verdict::NotKnown,
            "date of birth not known on one side: not compared",
        ),
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
        SexAgreement::NotKnownOnOneSide => (
            Verdict::PartlyAgrees,
            "sex is unknown or indeterminate on one side: cannot confirm it is the same person",
        ),
        SexAgreement::Different => (Verdict::Disagrees, "sex differs"),
        SexAgreement::NotKnown => (Verdict::NotKnown, "sex not known on either side"),
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
