//! Sex as SystmOne records it.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A patient's sex, with SystmOne's four codes.
///
/// Serialised as the one-letter code (`"M"`, `"F"`, `"I"`, `"U"`). Parsing
/// also accepts the words, in any case (`"female"`, `"Indeterminate"`), so
/// that vendors can feed their own data without mapping it first.
///
/// ```
/// use econsult_model::Sex;
///
/// assert_eq!("f".parse::<Sex>()?, Sex::Female);
/// assert_eq!(Sex::Indeterminate.code(), 'I');
/// # Ok::<(), econsult_model::SexError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Sex {
    /// `M`.
    Male,
    /// `F`.
    Female,
    /// `I`: indeterminate (unable to be classified as male or female).
    Indeterminate,
    /// `U`: not known or not recorded.
    Unknown,
}

/// The text given is not one of the sexes SystmOne knows.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "{given:?} is not a sex SystmOne knows: use M (male), F (female), I (indeterminate) or U (unknown)"
)]
pub struct SexError {
    /// The text that was given.
    pub given: String,
}

impl Sex {
    /// Every value, in code order.
    pub const ALL: [Sex; 4] = [Sex::Male, Sex::Female, Sex::Indeterminate, Sex::Unknown];

    /// SystmOne's one-letter code.
    pub fn code(self) -> char {
        match self {
            Sex::Male => 'M',
            Sex::Female => 'F',
            Sex::Indeterminate => 'I',
            Sex::Unknown => 'U',
        }
    }

    /// The English word, for people to read.
    pub fn label(self) -> &'static str {
        match self {
            Sex::Male => "Male",
            Sex::Female => "Female",
            Sex::Indeterminate => "Indeterminate",
            Sex::Unknown => "Unknown",
        }
    }
}

impl fmt::Display for Sex {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

impl FromStr for Sex {
    type Err = SexError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let word = s.trim().to_ascii_lowercase();
        match word.as_str() {
            "m" | "male" => Ok(Sex::Male),
            "f" | "female" => Ok(Sex::Female),
            "i" | "indeterminate" => Ok(Sex::Indeterminate),
            "u" | "unknown" => Ok(Sex::Unknown),
            _ => Err(SexError {
                given: crate::text::excerpt(s),
            }),
        }
    }
}

impl Serialize for Sex {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut buf = [0u8; 4];
        serializer.serialize_str(self.code().encode_utf8(&mut buf))
    }
}

impl<'de> Deserialize<'de> for Sex {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_and_words_parse_in_any_case() {
        for sex in Sex::ALL {
            assert_eq!(sex.code().to_string().parse::<Sex>(), Ok(sex));
            assert_eq!(sex.label().to_uppercase().parse::<Sex>(), Ok(sex));
            assert_eq!(format!(" {} ", sex.label()).parse::<Sex>(), Ok(sex));
        }
    }

    #[test]
    fn rejects_anything_else_with_the_choices() {
        let err = "X".parse::<Sex>().unwrap_err();
        assert!(err.to_string().contains("M (male)"), "{err}");
        assert!("".parse::<Sex>().is_err());
    }

    #[test]
    fn serde_uses_the_code() {
        assert_eq!(serde_json::to_string(&Sex::Female).unwrap(), "\"F\"");
        assert_eq!(serde_json::from_str::<Sex>("\"male\"").unwrap(), Sex::Male);
        assert!(serde_json::from_str::<Sex>("\"Q\"").is_err());
    }
}
