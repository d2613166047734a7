//! The GP practice an eConsult was sent to.

/// A practice's ODS code (Organisation Data Service), e.g. `A81001`.
///
/// Three to ten letters and digits, normalised to upper case. A user may
/// work at several practices, so every eConsult names the one it was sent
/// to, and a save must go to that practice's SystmOne: record-sync checks,
/// before it reads or writes anything for an eConsult, that SystmOne on the
/// PC is logged on at an organisation with a site of this code, and waits
/// until it is.
///
/// ```
/// use econsult_model::PracticeId;
///
/// let p: PracticeId = "a81001".parse()?;
/// assert_eq!(p.as_str(), "A81001");
/// # Ok::<(), econsult_model::PracticeIdError>(())
/// ```
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PracticeId(String);

/// The text given is not an ODS code.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{given:?} is not an ODS code: expected 3 to 10 letters and digits, such as A81001")]
pub struct PracticeIdError {
    /// The input.
    pub given: String,
}

impl PracticeId {
    /// Validates and normalises an ODS code.
    pub fn parse(input: &str) -> Result<Self, PracticeIdError> {
        let trimmed = input.trim();
        if (3..=10).contains(&trimmed.len()) && trimmed.chars().all(|c| c.is_ascii_alphanumeric()) {
            Ok(Self(trimmed.to_ascii_uppercase()))
        } else {
            Err(PracticeIdError {
                given: crate::text::excerpt(input),
            })
        }
    }

    /// The normalised code.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

string_value_impls!(PracticeId, parse, PracticeIdError);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_and_normalises_ods_codes() {
        assert_eq!(PracticeId::parse(" y01234 ").unwrap().as_str(), "Y01234");
        assert_eq!(PracticeId::parse("RXY").unwrap().as_str(), "RXY");
    }

    #[test]
    fn rejects_what_is_not_an_ods_code() {
        for bad in ["", "AB", "A81-001", "A8100112345", "A81 001"] {
            let err = PracticeId::parse(bad).unwrap_err();
            assert!(err.to_string().contains("ODS code"), "{bad}");
        }
    }
}
