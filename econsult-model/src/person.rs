//! Who the patient says they are: name and demographics.

use chrono::NaiveDate;
use serde::{Deserialize, Deserializer, Serialize};

use crate::contact::{EmailAddress, Phone, PhoneKind};
use crate::text::{TextError, lenient_single_line, single_line};
use crate::{NhsNumber, Postcode, Sex};

/// The longest name part accepted, in characters.
const MAX_NAME_LEN: usize = 100;

/// A person's name as SystmOne holds it: optional title, first name, middle
/// names and surname.
///
/// Each part is trimmed, must be a single line and at most 100 characters;
/// first name and surname must not be empty. Letters are kept exactly as
/// given (accents, apostrophes and hyphens included): comparison rules belong
/// to the matcher, not to the model.
///
/// ```
/// use econsult_model::PersonName;
///
/// let name = PersonName::new(" Zoë ", "Ødegård-Smith")?.with_title("Ms")?;
/// assert_eq!(name.first_name(), "Zoë");
/// assert_eq!(name.to_string(), "Ms Zoë Ødegård-Smith");
/// assert_eq!(name.filing_form(), "ØDEGÅRD-SMITH, Zoë");
/// # Ok::<(), econsult_model::NameError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "RawPersonName")]
pub struct PersonName {
    #[serde(skip_serializing_if = "Option::is_none")]
    title: Option<String>,
    first_name: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    middle_names: Vec<String>,
    surname: String,
}

/// Which part of a name was refused, and why.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{part} {problem}")]
pub struct NameError {
    /// The part of the name: `title`, `first_name`, `middle_names` or `surname`.
    pub part: &'static str,
    /// What was wrong with it.
    pub problem: TextError,
}

fn name_part(part: &'static str, value: &str) -> Result<String, NameError> {
    single_line(value, MAX_NAME_LEN).map_err(|problem| NameError { part, problem })
}

impl PersonName {
    /// A name with a first name and surname only.
    pub fn new(first_name: &str, surname: &str) -> Result<Self, NameError> {
        Ok(Self {
            title: None,
            first_name: name_part("first_name", first_name)?,
            middle_names: Vec::new(),
            surname: name_part("surname", surname)?,
        })
    }

    /// A name read leniently from another system (SystmOne), where
    /// [`new`](Self::new) would refuse it: control characters become
    /// spaces, invisible characters (soft hyphen, zero-width, direction
    /// marks) are removed, whitespace is collapsed, and each part is cut
    /// to 100 characters. `None` when a part is left empty.
    ///
    /// For comparing and showing a record that already exists, never for
    /// what a patient declares.
    ///
    /// ```
    /// use econsult_model::PersonName;
    ///
    /// assert!(PersonName::new("Al\u{AD}ex", "Test\u{200B}patient").is_err());
    /// let name = PersonName::lenient("Al\u{AD}ex", "Test\u{200B}patient").unwrap();
    /// assert_eq!((name.first_name(), name.surname()), ("Alex", "Testpatient"));
    /// assert!(PersonName::lenient("\u{200B}", "Testpatient").is_none());
    /// ```
    pub fn lenient(first_name: &str, surname: &str) -> Option<Self> {
        Self::lenient_read(first_name, surname).map(|(name, _)| name)
    }

    /// [`lenient`](Self::lenient), and whether both parts were kept whole:
    /// `false` when a part had to be cut to 100 characters, so the name
    /// read is the name held only up to the cut and must never count as
    /// equal to another.
    ///
    /// ```
    /// use econsult_model::PersonName;
    ///
    /// let (_, whole) = PersonName::lenient_read("Al\u{AD}ex", "Testpatient").unwrap();
    /// assert!(whole);
    /// let (name, whole) = PersonName::lenient_read("Alex", &"x".repeat(101)).unwrap();
    /// assert_eq!((name.surname().len(), whole), (100, false));
    /// ```
    pub fn lenient_read(first_name: &str, surname: &str) -> Option<(Self, bool)> {
        let (first_name, first_whole) = lenient_single_line(first_name, MAX_NAME_LEN)?;
        let (surname, surname_whole) = lenient_single_line(surname, MAX_NAME_LEN)?;
        let name = Self {
            title: None,
            first_name,
            middle_names: Vec::new(),
            surname,
        };
        Some((name, first_whole && surname_whole))
    }

    /// Adds a title (`Mr`, `Dr`, `Mx`…).
    pub fn with_title(mut self, title: &str) -> Result<Self, NameError> {
        self.title = Some(name_part("title", title)?);
        Ok(self)
    }

    /// Adds middle names, in order. Blank entries are refused.
    pub fn with_middle_names<I, S>(mut self, names: I) -> Result<Self, NameError>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        self.middle_names = names
            .into_iter()
            .map(|n| name_part("middle_names", n.as_ref()))
            .collect::<Result<_, _>>()?;
        Ok(self)
    }

    /// The title, if any.
    pub fn title(&self) -> Option<&str> {
        self.title.as_deref()
    }

    /// The first (given) name.
    pub fn first_name(&self) -> &str {
        &self.first_name
    }

    /// Middle names, in order.
    pub fn middle_names(&self) -> &[String] {
        &self.middle_names
    }

    /// The surname (family name).
    pub fn surname(&self) -> &str {
        &self.surname
    }

    /// `SURNAME, First`: the form SystmOne shows in lists and on headers.
    pub fn filing_form(&self) -> String {
        format!("{}, {}", self.surname.to_uppercase(), self.first_name)
    }
}

impl std::fmt::Display for PersonName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if let Some(title) = &self.title {
            write!(f, "{title} ")?;
        }
        write!(f, "{}", self.first_name)?;
        for middle in &self.middle_names {
            write!(f, " {middle}")?;
        }
        write!(f, " {}", self.surname)
    }
}

/// The unchecked shape of [`PersonName`] in JSON.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPersonName {
    #[serde(default)]
    title: Option<String>,
    first_name: String,
    #[serde(default)]
    middle_names: Vec<String>,
    surname: String,
}

impl TryFrom<RawPersonName> for PersonName {
    type Error = NameError;

    fn try_from(raw: RawPersonName) -> Result<Self, Self::Error> {
        let mut name =
            PersonName::new(&raw.first_name, &raw.surname)?.with_middle_names(&raw.middle_names)?;
        // A blank title is the same as none: forms often send "".
        if let Some(title) = raw.title.filter(|t| !t.trim().is_empty()) {
            name = name.with_title(&title)?;
        }
        Ok(name)
    }
}

/// A patient's demographics, as declared on a submission or held by
/// SystmOne.
///
/// Everything the matcher compares is here: name, date of birth (a calendar
/// date, no time zone), sex, and the supporting evidence of postcode,
/// telephone numbers, email and NHS number.
///
/// In JSON, optional fields may be left out, `null`, or an empty string.
///
/// ```
/// use chrono::NaiveDate;
/// use econsult_model::{Demographics, PersonName, Sex};
///
/// let mut d = Demographics::new(
///     PersonName::new("Alex", "Testpatient")?,
///     NaiveDate::from_ymd_opt(1970, 2, 1).unwrap(),
///     Sex::Unknown,
/// );
/// d.postcode = Some("ZZ99 1AB".parse()?);
/// assert_eq!(d.postcode.as_ref().unwrap().outward(), "ZZ99");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct Demographics {
    /// The patient's name.
    pub name: PersonName,
    /// Date of birth.
    #[serde(with = "crate::time_format::date")]
    pub date_of_birth: NaiveDate,
    /// Sex.
    pub sex: Sex,
    /// Home postcode.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "blank_as_none"
    )]
    pub postcode: Option<Postcode>,
    /// Telephone numbers, each with the field it belongs in.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub phones: Vec<Phone>,
    /// Email address.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "blank_as_none"
    )]
    pub email: Option<EmailAddress>,
    /// NHS number, when the patient gave (or the record holds) one.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "blank_as_none"
    )]
    pub nhs_number: Option<NhsNumber>,
}

impl Demographics {
    /// Demographics with the fields every patient has; the optional ones
    /// start empty and can be set directly.
    pub fn new(name: PersonName, date_of_birth: NaiveDate, sex: Sex) -> Self {
        Self {
            name,
            date_of_birth,
            sex,
            postcode: None,
            phones: Vec::new(),
            email: None,
            nhs_number: None,
        }
    }

    /// The first number of the given kind, if any.
    pub fn phone(&self, kind: PhoneKind) -> Option<&Phone> {
        self.phones.iter().find(|p| p.kind == kind)
    }
}

/// Deserialises an optional value, treating `null`, a missing field and a
/// blank string alike as `None`.
fn blank_as_none<'de, D, T>(deserializer: D) -> Result<Option<T>, D::Error>
where
    D: Deserializer<'de>,
    T: std::str::FromStr,
    T::Err: std::fmt::Display,
{
    match deserializer.deserialize_any(OptionalText)? {
        None => Ok(None),
        Some(text) if text.trim().is_empty() => Ok(None),
        Some(text) => text.parse().map(Some).map_err(serde::de::Error::custom),
    }
}

/// Reads an optional string, and says how to fix a number sent where text
/// belongs (a JSON number loses an NHS number's or phone's leading zero).
struct OptionalText;

impl<'de> serde::de::Visitor<'de> for OptionalText {
    type Value = Option<String>;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a string or null")
    }

    fn visit_str<E: serde::de::Error>(self, text: &str) -> Result<Self::Value, E> {
        Ok(Some(text.to_owned()))
    }

    fn visit_none<E: serde::de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_unit<E: serde::de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_u64<E: serde::de::Error>(self, _: u64) -> Result<Self::Value, E> {
        Err(E::custom(
            "this value was given as a JSON number; put it in quotes, as a string",
        ))
    }

    fn visit_i64<E: serde::de::Error>(self, value: i64) -> Result<Self::Value, E> {
        self.visit_u64(value.unsigned_abs())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_trimmed_and_checked() {
        let name = PersonName::new("  Łukasz ", " Groß ").unwrap();
        assert_eq!((name.first_name(), name.surname()), ("Łukasz", "Groß"));
        assert_eq!(name.filing_form(), "GROSS, Łukasz");

        let err = PersonName::new("", "Groß").unwrap_err();
        assert_eq!(err.part, "first_name");
        assert_eq!(
            err.to_string(),
            "first_name must not be empty; give a value"
        );

        let err = PersonName::new("Ann", "O'Test\u{7}").unwrap_err();
        assert_eq!(err.part, "surname");
        assert!(err.to_string().contains("U+0007"), "{err}");

        let err = PersonName::new(&"a".repeat(101), "Test").unwrap_err();
        assert!(matches!(
            err.problem,
            TextError::TooLong {
                length: 101,
                max: 100
            }
        ));
    }

    #[test]
    fn display_includes_title_and_middle_names() {
        let name = PersonName::new("Zoë", "Ødegård")
            .unwrap()
            .with_title("Dr")
            .unwrap()
            .with_middle_names(["Anne", "Marie"])
            .unwrap();
        assert_eq!(name.to_string(), "Dr Zoë Anne Marie Ødegård");
        assert!(name.clone().with_middle_names([" "]).is_err());
    }

    #[test]
    fn json_blank_optionals_are_absent() {
        let json = r#"{
            "name": {"title": "", "first_name": "Alex", "surname": "Testpatient"},
            "date_of_birth": "1970-02-01", "sex": "U",
            "postcode": "", "email": null, "nhs_number": "  "
        }"#;
        let d: Demographics = serde_json::from_str(json).unwrap();
        assert_eq!(d.name.title(), None);
        assert_eq!((d.postcode, d.email, d.nhs_number), (None, None, None));
    }

    #[test]
    fn json_rejects_unknown_fields() {
        let json = r#"{"name": {"first_name": "A", "surname": "B"},
            "date_of_birth": "1970-02-01", "sex": "U", "surnme": "typo"}"#;
        let err = serde_json::from_str::<Demographics>(json).unwrap_err();
        assert!(err.to_string().contains("surnme"), "{err}");
    }

    #[test]
    fn json_numbers_for_text_fields_are_told_to_be_quoted() {
        let json = r#"{"name": {"first_name": "A", "surname": "B"},
            "date_of_birth": "1970-02-01", "sex": "U", "nhs_number": 9990000018}"#;
        let err = serde_json::from_str::<Demographics>(json).unwrap_err();
        assert!(err.to_string().contains("put it in quotes"), "{err}");
    }

    #[test]
    fn phone_lookup_by_kind() {
        let mut d = Demographics::new(
            PersonName::new("A", "B").unwrap(),
            NaiveDate::from_ymd_opt(2000, 1, 1).unwrap(),
            Sex::Female,
        );
        d.phones.push(Phone {
            kind: PhoneKind::Mobile,
            number: "07700 900123".parse().unwrap(),
        });
        assert!(d.phone(PhoneKind::Home).is_none());
        assert_eq!(
            d.phone(PhoneKind::Mobile).unwrap().number.digits(),
            "07700900123"
        );
    }
}
