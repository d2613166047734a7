//! Ways to reach a patient: telephone numbers and email addresses.

use serde::{Deserialize, Serialize};

/// Which of SystmOne's four telephone fields a number belongs in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PhoneKind {
    /// Home (landline).
    Home,
    /// Mobile: the number SMS messages go to.
    Mobile,
    /// Work.
    Work,
    /// Alternative.
    Alternate,
}

/// A telephone number as the patient gave it, checked to be plausible.
///
/// Spaces, hyphens, dots and brackets are allowed for readability, and a
/// leading `+` for an international prefix; between 7 and 15 digits must
/// remain. [`digits`](Self::digits) gives the comparable form that
/// SystmOne's `PatientSearch` matches on, with `+44`/`0044` turned into a
/// leading `0`.
///
/// ```
/// use econsult_model::PhoneNumber;
///
/// let p: PhoneNumber = "+44 (0)7700 900123".parse()?;
/// assert_eq!(p.digits(), "07700900123");
/// # Ok::<(), econsult_model::PhoneNumberError>(())
/// ```
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct PhoneNumber(String);

/// Why a string is not a plausible telephone number.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PhoneNumberError {
    /// A character other than digits and the allowed separators.
    #[error(
        "a telephone number holds digits, spaces, hyphens, dots, brackets and a leading +, but {character:?} was found"
    )]
    InvalidCharacter {
        /// The offending character.
        character: char,
    },
    /// A `+` somewhere other than the start.
    #[error("a + is only allowed at the start of a telephone number")]
    MisplacedPlus,
    /// Too few or too many digits.
    #[error("a telephone number has 7 to 15 digits, but {found} were given")]
    WrongLength {
        /// How many digits were given.
        found: usize,
    },
}

impl PhoneNumber {
    /// Validates a telephone number; see [`PhoneNumberError`].
    pub fn parse(input: &str) -> Result<Self, PhoneNumberError> {
        let trimmed = input.trim();
        let mut digits = 0usize;
        for (index, character) in trimmed.chars().enumerate() {
            match character {
                '0'..='9' => digits += 1,
                ' ' | '-' | '.' | '(' | ')' => {}
                '+' if index == 0 => {}
                '+' => return Err(PhoneNumberError::MisplacedPlus),
                _ => return Err(PhoneNumberError::InvalidCharacter { character }),
            }
        }
        if !(7..=15).contains(&digits) {
            return Err(PhoneNumberError::WrongLength { found: digits });
        }
        Ok(Self(
            trimmed.split_whitespace().collect::<Vec<_>>().join(" "),
        ))
    }

    /// The number as given, trimmed and with runs of spaces collapsed.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The digits alone, in UK national form: a leading `+44` or `0044`
    /// (and a bracketed `(0)` after it) becomes a single `0`.
    pub fn digits(&self) -> String {
        let international = self.0.starts_with('+');
        let all: String = self.0.chars().filter(char::is_ascii_digit).collect();
        let uk_rest = if international {
            all.strip_prefix("44")
        } else {
            all.strip_prefix("0044")
        };
        match uk_rest {
            Some(rest) => format!("0{}", rest.strip_prefix('0').unwrap_or(rest)),
            None if international => format!("+{all}"),
            None => all,
        }
    }
}

string_value_impls!(PhoneNumber, parse, PhoneNumberError);

/// A telephone number and the SystmOne field it belongs in.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Phone {
    /// Home, mobile, work or alternative.
    pub kind: PhoneKind,
    /// The number.
    pub number: PhoneNumber,
}

/// An email address, checked for the obvious mistakes only.
///
/// Exactly one `@` with something before it, a domain with a dot after it,
/// no spaces or control characters, at most 254 characters. Whether mail is
/// delivered is a matter for the mail system. The address is kept as given
/// (trimmed); compare with [`EmailAddress::eq_ignore_case`].
///
/// ```
/// use econsult_model::EmailAddress;
///
/// let e: EmailAddress = " Zoe.Test@example.org ".parse()?;
/// assert_eq!(e.as_str(), "Zoe.Test@example.org");
/// assert!(e.eq_ignore_case(&"zoe.test@EXAMPLE.org".parse()?));
/// # Ok::<(), econsult_model::EmailAddressError>(())
/// ```
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct EmailAddress(String);

/// Why a string is not a usable email address.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{given:?} is not a usable email address: {reason}")]
pub struct EmailAddressError {
    /// The input.
    pub given: String,
    /// What is wrong with it.
    pub reason: &'static str,
}

impl EmailAddress {
    /// Validates an email address; see [`EmailAddressError`].
    pub fn parse(input: &str) -> Result<Self, EmailAddressError> {
        let trimmed = input.trim();
        let fail = |reason| EmailAddressError {
            given: crate::text::excerpt(input),
            reason,
        };
        if trimmed.len() > 254 {
            return Err(fail("it is longer than 254 characters"));
        }
        if trimmed.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(fail("it contains a space or control character"));
        }
        let Some((local, domain)) = trimmed.split_once('@') else {
            return Err(fail("it has no @"));
        };
        if domain.contains('@') {
            return Err(fail("it has more than one @"));
        }
        if local.is_empty() {
            return Err(fail("nothing comes before the @"));
        }
        if !domain.contains('.') || domain.starts_with('.') || domain.ends_with('.') {
            return Err(fail(
                "the part after the @ is not a domain such as example.org",
            ));
        }
        Ok(Self(trimmed.to_owned()))
    }

    /// The address as given, trimmed.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Whether two addresses are the same ignoring ASCII case, which is how
    /// people (and most mail systems) treat them.
    pub fn eq_ignore_case(&self, other: &EmailAddress) -> bool {
        self.0.eq_ignore_ascii_case(&other.0)
    }
}

string_value_impls!(EmailAddress, parse, EmailAddressError);

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn phone_numbers_normalise_to_uk_digits() {
        for (input, digits) in [
            ("07700 900123", "07700900123"),
            ("(01632) 960-001", "01632960001"),
            ("+44 7700 900123", "07700900123"),
            ("+44 (0)7700 900123", "07700900123"),
            ("0044 7700 900123", "07700900123"),
            ("+353 1 555 0100", "+35315550100"),
        ] {
            assert_eq!(
                PhoneNumber::parse(input).unwrap().digits(),
                digits,
                "{input}"
            );
        }
        assert_eq!(
            PhoneNumber::parse("  07700   900123 ").unwrap().as_str(),
            "07700 900123"
        );
    }

    #[test]
    fn phone_numbers_reject_each_kind_of_mistake() {
        assert_eq!(
            PhoneNumber::parse("07700 90012x"),
            Err(PhoneNumberError::InvalidCharacter { character: 'x' })
        );
        assert_eq!(
            PhoneNumber::parse("07700+900123"),
            Err(PhoneNumberError::MisplacedPlus)
        );
        assert_eq!(
            PhoneNumber::parse("12345"),
            Err(PhoneNumberError::WrongLength { found: 5 })
        );
        assert_eq!(
            PhoneNumber::parse("1234567890123456"),
            Err(PhoneNumberError::WrongLength { found: 16 })
        );
    }

    #[test]
    fn emails_reject_each_kind_of_mistake() {
        for (bad, reason) in [
            ("patient.example.org", "no @"),
            ("a@b@example.org", "more than one @"),
            ("@example.org", "nothing comes before"),
            ("patient@localhost", "not a domain"),
            ("patient@.org", "not a domain"),
            ("pat ient@example.org", "space"),
        ] {
            let err = EmailAddress::parse(bad).unwrap_err();
            assert!(err.to_string().contains(reason), "{bad}: {err}");
        }
        let long = format!("{}@example.org", "a".repeat(250));
        assert!(EmailAddress::parse(&long).is_err());
    }

    proptest! {
        #[test]
        fn parsers_never_panic(input in ".{0,40}") {
            let _ = PhoneNumber::parse(&input).map(|p| p.digits());
            let _ = EmailAddress::parse(&input);
        }
    }
}
