//! NHS numbers: ten digits whose last is a Modulus 11 check digit.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Number of digits in an NHS number.
const LEN: usize = 10;

/// Weights applied to the first nine digits by the Modulus 11 check.
const WEIGHTS: [u32; LEN - 1] = [10, 9, 8, 7, 6, 5, 4, 3, 2];

/// A valid NHS number: ten ASCII digits whose last digit is the Modulus 11
/// check digit of the first nine.
///
/// Parsing accepts spaces and hyphens between digits (`943 476 5919`,
/// `943-476-5919`) and surrounding whitespace. [`Display`](fmt::Display)
/// shows the 3-3-4 form people read (`943 476 5919`); [`as_str`](Self::as_str)
/// and serde use the ten digits alone, as SystmOne does on the wire.
///
/// ```
/// use econsult_model::NhsNumber;
///
/// let n: NhsNumber = "999-000-0018".parse()?;
/// assert_eq!(n.as_str(), "9990000018");
/// assert_eq!(n.to_string(), "999 000 0018");
/// assert!(n.is_test_range());
/// # Ok::<(), econsult_model::NhsNumberError>(())
/// ```
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct NhsNumber([u8; LEN]);

/// Why a string is not a valid NHS number.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum NhsNumberError {
    /// The input did not hold exactly ten digits.
    #[error(
        "an NHS number has 10 digits but {found} were given; check for a missing or extra digit"
    )]
    WrongLength {
        /// How many digits the input held.
        found: usize,
    },
    /// The input held a character that is neither a digit nor a separator.
    #[error(
        "an NHS number may only contain digits, spaces and hyphens, but {character:?} was found at position {position}"
    )]
    NonDigit {
        /// The offending character.
        character: char,
        /// Its position in the input, counting characters from 1.
        position: usize,
    },
    /// The check digit does not match the first nine digits.
    #[error("{}", check_digit_message(*.expected, *.found))]
    WrongCheckDigit {
        /// The check digit the first nine digits call for, or `None` when no
        /// check digit can make them valid (the Modulus 11 result is 10).
        expected: Option<u8>,
        /// The check digit that was given.
        found: u8,
    },
}

fn check_digit_message(expected: Option<u8>, found: u8) -> String {
    match expected {
        Some(expected) => format!(
            "the NHS number's check digit is {found} but should be {expected}: a digit was probably mistyped"
        ),
        None => "no NHS number starts with these nine digits (their Modulus 11 check is 10): \
                 a digit was probably mistyped"
            .to_owned(),
    }
}

impl NhsNumber {
    /// Parses and validates an NHS number; see [`NhsNumberError`] for what is
    /// rejected.
    pub fn parse(input: &str) -> Result<Self, NhsNumberError> {
        let mut digits = [0u8; LEN];
        let mut count = 0usize;
        for (index, character) in input.trim().chars().enumerate() {
            match character {
                '0'..='9' => {
                    if let Some(slot) = digits.get_mut(count) {
                        *slot = character as u8;
                    }
                    count += 1;
                }
                ' ' | '-' => {}
                _ => {
                    return Err(NhsNumberError::NonDigit {
                        character,
                        position: index + 1,
                    });
                }
            }
        }
        if count != LEN {
            return Err(NhsNumberError::WrongLength { found: count });
        }
        let (body, check) = digits.split_at(LEN - 1);
        let expected = check_digit(body);
        let found = check[0] - b'0';
        if expected != Some(found) {
            return Err(NhsNumberError::WrongCheckDigit { expected, found });
        }
        Ok(Self(digits))
    }

    /// Builds the NHS number whose first nine digits are `prefix` (given as a
    /// number below 1,000,000,000, zero-padded), appending its check digit.
    /// Returns `None` when `prefix` is too large or no check digit exists.
    ///
    /// Handy for generating synthetic patients:
    ///
    /// ```
    /// use econsult_model::NhsNumber;
    ///
    /// let n = NhsNumber::from_prefix(999_000_001).unwrap();
    /// assert_eq!(n.as_str(), "9990000018");
    /// ```
    pub fn from_prefix(prefix: u32) -> Option<Self> {
        if prefix >= 1_000_000_000 {
            return None;
        }
        let mut digits = [b'0'; LEN];
        let mut rest = prefix;
        for slot in digits[..LEN - 1].iter_mut().rev() {
            *slot = b'0' + (rest % 10) as u8;
            rest /= 10;
        }
        let check = check_digit(&digits[..LEN - 1])?;
        digits[LEN - 1] = b'0' + check;
        Some(Self(digits))
    }

    /// The ten digits, with no separators, as sent to SystmOne.
    pub fn as_str(&self) -> &str {
        // The array only ever holds ASCII digits, so this cannot fail; fall
        // back to an empty string rather than panic all the same.
        std::str::from_utf8(&self.0).unwrap_or_default()
    }

    /// Whether the number is in the 999 range, which is never issued to real
    /// patients and is used for test data.
    pub fn is_test_range(&self) -> bool {
        self.0.starts_with(b"999")
    }
}

/// The Modulus 11 check digit for nine ASCII digits, or `None` when the
/// result is 10 (no valid number starts with those digits).
fn check_digit(body: &[u8]) -> Option<u8> {
    let sum: u32 = body
        .iter()
        .zip(WEIGHTS)
        .map(|(digit, weight)| u32::from(digit - b'0') * weight)
        .sum();
    match 11 - (sum % 11) {
        11 => Some(0),
        10 => None,
        check => Some(check as u8),
    }
}

impl fmt::Display for NhsNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = self.as_str();
        write!(f, "{} {} {}", &s[..3], &s[3..6], &s[6..])
    }
}

impl fmt::Debug for NhsNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "NhsNumber({})", self.as_str())
    }
}

impl FromStr for NhsNumber {
    type Err = NhsNumberError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl Serialize for NhsNumber {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for NhsNumber {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_str(NhsNumberVisitor)
    }
}

/// Reads an NHS number from a string; anything else (a JSON number would
/// lose a leading zero) is refused with the expected form in the message.
struct NhsNumberVisitor;

impl serde::de::Visitor<'_> for NhsNumberVisitor {
    type Value = NhsNumber;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an NHS number as a string, e.g. \"999 000 0018\"")
    }

    fn visit_str<E: serde::de::Error>(self, text: &str) -> Result<NhsNumber, E> {
        NhsNumber::parse(text).map_err(E::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn accepts_the_documented_test_numbers() {
        for n in [
            "9990000018",
            "9990000026",
            "9990000034",
            "9990000042",
            "9990000050",
            "9990000069",
            "9990000077",
            "9990000085",
            "9990000093",
            "9990000107",
        ] {
            let parsed = NhsNumber::parse(n).unwrap();
            assert_eq!(parsed.as_str(), n);
            assert!(parsed.is_test_range());
        }
    }

    #[test]
    fn accepts_spaces_hyphens_and_surrounding_whitespace() {
        for input in [
            "943 476 5919",
            "943-476-5919",
            "  9434765919\t",
            "943 476-5919",
        ] {
            let n = NhsNumber::parse(input).unwrap();
            assert_eq!(n.as_str(), "9434765919");
            assert!(!n.is_test_range());
        }
    }

    #[test]
    fn displays_three_three_four() {
        let n = NhsNumber::parse("9434765919").unwrap();
        assert_eq!(n.to_string(), "943 476 5919");
        assert_eq!(format!("{n:?}"), "NhsNumber(9434765919)");
    }

    #[test]
    fn rejects_wrong_length() {
        assert_eq!(
            NhsNumber::parse("943476591"),
            Err(NhsNumberError::WrongLength { found: 9 })
        );
        assert_eq!(
            NhsNumber::parse("94347659190"),
            Err(NhsNumberError::WrongLength { found: 11 })
        );
        assert_eq!(
            NhsNumber::parse(""),
            Err(NhsNumberError::WrongLength { found: 0 })
        );
    }

    #[test]
    fn rejects_non_digits_with_their_position() {
        assert_eq!(
            NhsNumber::parse("943 47x 5919"),
            Err(NhsNumberError::NonDigit {
                character: 'x',
                position: 7
            })
        );
        assert!(matches!(
            NhsNumber::parse("９４３４７６５９１９"),
            Err(NhsNumberError::NonDigit { position: 1, .. })
        ));
    }

    #[test]
    fn rejects_wrong_check_digit_and_says_which_was_expected() {
        let err = NhsNumber::parse("9434765918").unwrap_err();
        assert_eq!(
            err,
            NhsNumberError::WrongCheckDigit {
                expected: Some(9),
                found: 8
            }
        );
        assert!(err.to_string().contains("should be 9"));
    }

    #[test]
    fn rejects_numbers_whose_check_would_be_ten() {
        // 000000006: sum = 2*6 = 12, 12 mod 11 = 1, 11 - 1 = 10.
        let err = NhsNumber::parse("0000000060").unwrap_err();
        assert_eq!(
            err,
            NhsNumberError::WrongCheckDigit {
                expected: None,
                found: 0
            }
        );
        assert!(NhsNumber::from_prefix(6).is_none());
    }

    #[test]
    fn check_of_eleven_means_zero() {
        // 999000005: sum = 90 + 81 + 72 + 2*5 = 253 = 23 * 11, so 11 - 0 = 11,
        // which stands for a check digit of 0.
        assert_eq!(
            NhsNumber::parse("9990000050").unwrap().as_str(),
            "9990000050"
        );
        assert_eq!(
            NhsNumber::from_prefix(999_000_005).unwrap().as_str(),
            "9990000050"
        );
        assert!(NhsNumber::parse("9990000051").is_err());
    }

    #[test]
    fn serde_is_the_bare_digits_and_validates() {
        let n = NhsNumber::parse("999 000 0018").unwrap();
        assert_eq!(serde_json::to_string(&n).unwrap(), "\"9990000018\"");
        let back: NhsNumber = serde_json::from_str("\"999-000-0018\"").unwrap();
        assert_eq!(back, n);
        let err = serde_json::from_str::<NhsNumber>("\"9990000019\"").unwrap_err();
        assert!(err.to_string().contains("check digit"), "{err}");
        let err = serde_json::from_str::<NhsNumber>("9990000018").unwrap_err();
        assert!(err.to_string().contains("as a string"), "{err}");
        let err = serde_json::from_str::<NhsNumber>("true").unwrap_err();
        assert!(err.to_string().contains("as a string"), "{err}");
    }

    proptest! {
        #[test]
        fn from_prefix_always_parses_back(prefix in 0u32..1_000_000_000) {
            if let Some(n) = NhsNumber::from_prefix(prefix) {
                prop_assert_eq!(NhsNumber::parse(n.as_str()), Ok(n));
                prop_assert_eq!(NhsNumber::parse(&n.to_string()), Ok(n));
            }
        }

        #[test]
        fn exactly_one_check_digit_is_valid(prefix in 0u32..1_000_000_000) {
            let body = format!("{prefix:09}");
            let valid: Vec<u8> = (0..10u8)
                .filter(|d| NhsNumber::parse(&format!("{body}{d}")).is_ok())
                .collect();
            prop_assert!(valid.len() <= 1);
            prop_assert_eq!(valid.len() == 1, NhsNumber::from_prefix(prefix).is_some());
        }

        #[test]
        fn a_single_changed_digit_is_always_caught(prefix in 0u32..1_000_000_000, pos in 0usize..10, delta in 1u8..10) {
            if let Some(n) = NhsNumber::from_prefix(prefix) {
                let mut digits = n.as_str().as_bytes().to_vec();
                digits[pos] = b'0' + (digits[pos] - b'0' + delta) % 10;
                let mutated = String::from_utf8(digits).unwrap();
                prop_assert!(NhsNumber::parse(&mutated).is_err());
            }
        }

        #[test]
        fn never_panics(input in ".{0,40}") {
            let _ = NhsNumber::parse(&input);
        }
    }
}
