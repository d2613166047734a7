//! Manual match: staff type an NHS number, SystmOne returns the patient it
//! names, and a person confirms them against the submission.

use econsult_model::{Demographics, NhsNumber, NhsNumberError};

use crate::compare::{Comparison, Finding, Score, compare};
use crate::outcome::Candidate;

/// Validates an NHS number typed by staff (ten digits, spaces or hyphens
/// allowed, Modulus 11 check digit) *before* anything is asked of
/// SystmOne. The error says what to correct.
///
/// ```
/// use patient_matcher::parse_nhs_number;
///
/// assert_eq!(parse_nhs_number(" 999 000 0018 ")?.as_str(), "9990000018");
/// let err = parse_nhs_number("999 000 0019").unwrap_err();
/// assert!(err.to_string().contains("check digit"));
/// # Ok::<(), econsult_model::NhsNumberError>(())
/// ```
pub fn parse_nhs_number(typed: &str) -> Result<NhsNumber, NhsNumberError> {
    NhsNumber::parse(typed)
}

/// The patient an NHS number named, compared with the submission, for a
/// person to confirm: a manual match is never saved unconfirmed.
///
/// ```
/// use chrono::NaiveDate;
/// use econsult_model::{Demographics, PersonName, Sex};
/// use patient_matcher::{Candidate, ManualMatch, Verdict};
///
/// let dob = NaiveDate::from_ymd_opt(1970, 2, 1).unwrap();
/// let declared = Demographics::new(PersonName::new("Bill", "Testpatient")?, dob, Sex::Male);
/// let record = Demographics::new(PersonName::new("William", "Testpatient")?, dob, Sex::Male);
/// let found = ManualMatch::new(&declared, Candidate { patient: "S1-42", demographics: record });
/// assert!(found.findings().iter().any(|f| f.verdict == Verdict::PartlyAgrees));
/// # Ok::<(), econsult_model::NameError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ManualMatch<P> {
    /// The patient, and the demographics SystmOne holds, to show.
    pub candidate: Candidate<P>,
    /// The submission compared with them, field by field.
    pub comparison: Comparison,
}

impl<P> ManualMatch<P> {
    /// Compares the patient found with what the submission declared.
    pub fn new(submission: &Demographics, candidate: Candidate<P>) -> Self {
        let comparison = compare(submission, &candidate.demographics);
        Self {
            candidate,
            comparison,
        }
    }

    /// The comparison's score.
    pub fn score(&self) -> Score {
        self.comparison.score()
    }

    /// Every finding, field by field, to show beside the two records.
    pub fn findings(&self) -> Vec<Finding> {
        self.comparison.findings()
    }
}
