//! Patient files: the practice population the mock SystmOne serves.
//!
//! A patient file is a JSON array with one object per patient, read into
//! [`PatientSeed`]s by [`load_patients`] (from disk) or [`parse_patients`]
//! (from a string), which documents the format.

use std::collections::HashMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use chrono::NaiveDate;
use econsult_model::{
    Demographics, EmailAddress, NameError, NhsNumber, PersonName, Phone, PhoneKind, PhoneNumber,
    Postcode, Sex,
};
use serde::de::Error as _;
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::{Map, Value};

/// One patient of the mock's practice, as a patient file gives it.
///
/// [`parse_patients`] documents the JSON form of every field. A
/// `PatientSeed` serialises to that same form (absent optional fields are
/// left out), so `serde_json::to_string_pretty(&patients)` writes a patient
/// file that reads back unchanged.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PatientSeed {
    /// The patient's NHS number; `None` only when
    /// [`pseudo_number`](Self::pseudo_number) is given.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "optional"
    )]
    pub nhs_number: Option<NhsNumber>,
    /// A 10-digit, NHS-number-like identifier for a patient who has no NHS
    /// number; `None` when [`nhs_number`](Self::nhs_number) is given.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "optional_pseudo_number"
    )]
    pub pseudo_number: Option<String>,
    /// Given name, never blank.
    #[serde(deserialize_with = "required_text")]
    pub first_name: String,
    /// Family name, never blank.
    #[serde(deserialize_with = "required_text")]
    pub surname: String,
    /// Date of birth, written `YYYY-MM-DD`.
    #[serde(deserialize_with = "date")]
    pub date_of_birth: NaiveDate,
    /// Sex, written `M`, `F`, `I` or `U`.
    pub sex: Sex,
    /// Title, such as `Mrs` or `Dr`.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "optional"
    )]
    pub title: Option<String>,
    /// Middle names, separated by spaces.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "optional"
    )]
    pub middle_names: Option<String>,
    /// House number, flat or house name.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "optional"
    )]
    pub house_number: Option<String>,
    /// Road.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "optional"
    )]
    pub road: Option<String>,
    /// Town.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "optional"
    )]
    pub town: Option<String>,
    /// Postcode.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "optional"
    )]
    pub postcode: Option<Postcode>,
    /// Home (landline) telephone number.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "optional"
    )]
    pub home_telephone: Option<PhoneNumber>,
    /// Mobile telephone number.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "optional"
    )]
    pub mobile_telephone: Option<PhoneNumber>,
    /// Email address.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "optional"
    )]
    pub email: Option<EmailAddress>,
}

impl PatientSeed {
    /// The patient's demographics in the model's form, as a matcher or a
    /// vendor's patient list holds them: name (title and middle names
    /// included), date of birth, sex, postcode, home and mobile numbers,
    /// email and NHS number (a pseudo number is not an NHS number and is
    /// left out).
    ///
    /// ```
    /// use systmone_client::mock::synthetic_patients;
    ///
    /// let patient = &synthetic_patients(1, 7)[0];
    /// let demographics = patient.demographics()?;
    /// assert_eq!(demographics.name.surname(), patient.surname);
    /// assert_eq!(demographics.nhs_number, patient.nhs_number);
    /// # Ok::<(), econsult_model::NameError>(())
    /// ```
    pub fn demographics(&self) -> Result<Demographics, NameError> {
        let mut name = PersonName::new(&self.first_name, &self.surname)?;
        if let Some(title) = &self.title {
            name = name.with_title(title)?;
        }
        if let Some(middle) = &self.middle_names {
            name = name.with_middle_names(middle.split_whitespace())?;
        }
        let mut demographics = Demographics::new(name, self.date_of_birth, self.sex);
        demographics.postcode = self.postcode.clone();
        let phones = [
            (PhoneKind::Home, &self.home_telephone),
            (PhoneKind::Mobile, &self.mobile_telephone),
        ];
        demographics.phones = phones
            .into_iter()
            .filter_map(|(kind, number)| {
                Some(Phone {
                    kind,
                    number: number.clone()?,
                })
            })
            .collect();
        demographics.email = self.email.clone();
        demographics.nhs_number = self.nhs_number;
        Ok(demographics)
    }

    /// A mock patient with what a submission declared: the inverse of
    /// [`demographics`](Self::demographics), for tests and demos that put
    /// an eConsult's patient into the practice (the first home and mobile
    /// numbers are kept; work and alternative numbers have no place here).
    ///
    /// ```
    /// use econsult_model::samples;
    /// use systmone_client::mock::PatientSeed;
    ///
    /// let econsult = samples::by_name("01-sore-throat").unwrap()?;
    /// let seed = PatientSeed::from_demographics(&econsult.patient);
    /// assert_eq!(seed.nhs_number, econsult.patient.nhs_number);
    /// assert_eq!(seed.demographics()?.name, econsult.patient.name);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn from_demographics(demographics: &Demographics) -> Self {
        let phone = |kind: PhoneKind| {
            demographics
                .phones
                .iter()
                .find(|p| p.kind == kind)
                .map(|p| p.number.clone())
        };
        let name = &demographics.name;
        let middle = name.middle_names().join(" ");
        Self {
            nhs_number: demographics.nhs_number,
            pseudo_number: None,
            first_name: name.first_name().to_owned(),
            surname: name.surname().to_owned(),
            date_of_birth: demographics.date_of_birth,
            sex: demographics.sex,
            title: name.title().map(str::to_owned),
            middle_names: (!middle.is_empty()).then_some(middle),
            house_number: None,
            road: None,
            town: None,
            postcode: demographics.postcode.clone(),
            home_telephone: phone(PhoneKind::Home),
            mobile_telephone: phone(PhoneKind::Mobile),
            email: demographics.email.clone(),
        }
    }
}

/// Every key a patient object may have, in the order the documentation
/// lists them.
const ALLOWED_KEYS: [&str; 15] = [
    "nhs_number",
    "pseudo_number",
    "first_name",
    "surname",
    "date_of_birth",
    "sex",
    "title",
    "middle_names",
    "house_number",
    "road",
    "town",
    "postcode",
    "home_telephone",
    "mobile_telephone",
    "email",
];

/// The keys every patient object must have.
const REQUIRED_KEYS: [&str; 4] = ["first_name", "surname", "date_of_birth", "sex"];

/// Which patient of a patient file an error is about.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct PatientRef {
    /// Position in the file's array, counting from 1.
    pub position: usize,
    /// The patient's NHS number, when it could be read.
    pub nhs_number: Option<NhsNumber>,
    /// The patient's pseudo number, when it could be read.
    pub pseudo_number: Option<String>,
    /// First name and surname, when either could be read.
    pub name: Option<String>,
}

impl PatientRef {
    /// Reads what identifies the patient from its JSON object, as far as it
    /// can be read.
    fn read(position: usize, object: &Map<String, Value>) -> Self {
        let text = |key: &str| {
            object
                .get(key)
                .and_then(Value::as_str)
                .map(str::trim)
                .filter(|s| !s.is_empty())
        };
        let name = [text("first_name"), text("surname")]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(" ");
        Self {
            position,
            nhs_number: text("nhs_number").and_then(|s| NhsNumber::parse(s).ok()),
            pseudo_number: text("pseudo_number")
                .filter(|s| is_pseudo_number(s))
                .map(str::to_owned),
            name: Some(name).filter(|n| !n.is_empty()),
        }
    }

    /// Identifies a patient that has been read in full.
    fn of(position: usize, patient: &PatientSeed) -> Self {
        Self {
            position,
            nhs_number: patient.nhs_number,
            pseudo_number: patient.pseudo_number.clone(),
            name: Some(format!("{} {}", patient.first_name, patient.surname)),
        }
    }
}

impl fmt::Display for PatientRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "patient {}", self.position)?;
        let mut parts = Vec::new();
        if let Some(nhs_number) = &self.nhs_number {
            parts.push(format!("NHS number {nhs_number}"));
        }
        if let Some(pseudo_number) = &self.pseudo_number {
            parts.push(format!("pseudo number {pseudo_number}"));
        }
        if let Some(name) = &self.name {
            parts.push(name.clone());
        }
        if !parts.is_empty() {
            write!(f, " ({})", parts.join(", "))?;
        }
        Ok(())
    }
}

/// Why a patient file could not be read. Each message says what is wrong,
/// where, and what to do about it.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PatientFileError {
    /// The file could not be read.
    #[error(
        "cannot read the patient file {}: {source}; check the path and that the file is readable",
        path.display()
    )]
    Read {
        /// The file.
        path: PathBuf,
        /// What the operating system said.
        #[source]
        source: std::io::Error,
    },
    /// The text is not JSON.
    #[error(
        "the patient file is not valid JSON: {detail}; fix the JSON there (look for a missing comma, quote or bracket, or a comma after the last item)"
    )]
    Syntax {
        /// What the JSON parser found, with the line and column.
        detail: String,
        /// Line of the problem, counting from 1.
        line: usize,
        /// Column of the problem, counting from 1.
        column: usize,
    },
    /// The JSON is not an array.
    #[error(
        "the patient file must be a JSON array of patient objects, [{{...}}, {{...}}], but it holds {found}; put the patients between [ and ]"
    )]
    NotAnArray {
        /// The kind of JSON value found instead, e.g. "an object".
        found: &'static str,
    },
    /// An entry of the array is not an object.
    #[error(
        "{patient} is {found}, but each entry of the array must be a JSON object such as {{\"nhs_number\": \"999 000 0018\", \"first_name\": \"Jane\", ...}}"
    )]
    NotAnObject {
        /// The entry.
        patient: Box<PatientRef>,
        /// The kind of JSON value found instead, e.g. "a string".
        found: &'static str,
    },
    /// A patient has keys the format does not know.
    #[error(
        "{patient} has unknown {} {}; check the spelling (keys are lower case): the allowed keys are {}",
        if keys.len() == 1 { "key" } else { "keys" },
        quoted_list(keys),
        ALLOWED_KEYS.join(", ")
    )]
    UnknownKeys {
        /// The patient.
        patient: Box<PatientRef>,
        /// The unknown keys, in the order they appear.
        keys: Vec<String>,
    },
    /// A patient lacks a required key (or has it as `null`).
    #[error(
        "{patient} has no `{field}`; every patient needs first_name, surname, date_of_birth and sex"
    )]
    MissingField {
        /// The patient.
        patient: Box<PatientRef>,
        /// The missing key.
        field: &'static str,
    },
    /// A value is not of the form its key calls for.
    #[error("{patient}: the value of `{field}` is not valid: {message}. Expected {expected}")]
    BadValue {
        /// The patient.
        patient: Box<PatientRef>,
        /// The key whose value is wrong.
        field: String,
        /// What is wrong with it.
        message: String,
        /// The form the key calls for.
        expected: &'static str,
    },
    /// A patient has neither an NHS number nor a pseudo number.
    #[error(
        "{patient} has neither nhs_number nor pseudo_number; give the NHS number, or a 10-digit pseudo_number for a patient who has none"
    )]
    MissingIdentifier {
        /// The patient.
        patient: Box<PatientRef>,
    },
    /// A patient has both an NHS number and a pseudo number.
    #[error(
        "{patient} has both nhs_number and pseudo_number; keep only one: the NHS number if the patient has one, otherwise the pseudo number"
    )]
    TwoIdentifiers {
        /// The patient.
        patient: Box<PatientRef>,
    },
    /// Two patients share an NHS number or pseudo number.
    #[error(
        "{first} and {second} have the same number {number}; every patient needs a number of their own: correct or remove one of them"
    )]
    Duplicate {
        /// The shared number, ten digits.
        number: String,
        /// The first patient with it.
        first: Box<PatientRef>,
        /// The next patient with it.
        second: Box<PatientRef>,
    },
}

/// Reads a patient file from disk; see [`parse_patients`] for the format.
pub fn load_patients(path: &Path) -> Result<Vec<PatientSeed>, PatientFileError> {
    let json = std::fs::read_to_string(path).map_err(|source| PatientFileError::Read {
        path: path.to_owned(),
        source,
    })?;
    parse_patients(&json)
}

/// Parses the text of a patient file into its patients, in file order.
///
/// The mock SystmOne serves the patients of one practice, given as a
/// *patient file*: a JSON array with one object per patient.
/// [`load_patients`] reads one from disk and this function from a string.
/// Both check every patient and stop at the first problem, with an error
/// ([`PatientFileError`]) that names the patient (its position in the
/// array, counting from 1, and its number or name when those could be
/// read), the key at fault and what was expected.
///
/// # Keys
///
/// | Key | Required | Form |
/// |-----|----------|------|
/// | `nhs_number` | one of `nhs_number` and `pseudo_number` | An NHS number as a string: 10 digits whose last is the Modulus 11 check digit; spaces and hyphens between digits are allowed (`"999 000 0018"`, `"9990000018"`). Use the never-issued 999 test range. |
/// | `pseudo_number` | one of `nhs_number` and `pseudo_number` | For a patient without an NHS number: exactly 10 digits as a string (`"0012345678"`), no spaces. No check digit is required; numbers beginning `00`, which no NHS, CHI or H&C number uses, are a safe choice. |
/// | `first_name` | yes | The given name, not blank. |
/// | `surname` | yes | The family name, not blank. |
/// | `date_of_birth` | yes | A real calendar date as `"YYYY-MM-DD"` (`"1984-03-07"`). |
/// | `sex` | yes | `"M"` (male), `"F"` (female), `"I"` (indeterminate) or `"U"` (unknown); the words `"male"`, `"female"`, `"indeterminate"` and `"unknown"`, in any case, are accepted too. |
/// | `title` | no | Free text (`"Mrs"`, `"Dr"`, `"Mx"`). |
/// | `middle_names` | no | Free text; several names are separated by spaces (`"Anne Marie"`). |
/// | `house_number` | no | Free text: the number, flat or house name (`"12"`, `"12A"`, `"Flat 3, 41"`, `"Rose Cottage"`). |
/// | `road` | no | Free text (`"Station Road"`). |
/// | `town` | no | Free text (`"Leeds"`). |
/// | `postcode` | no | A UK postcode; any case and spacing (`"ls6 1ab"` becomes `"LS6 1AB"`). |
/// | `home_telephone` | no | A telephone number of 7 to 15 digits; spaces, hyphens, dots, brackets and a leading `+` are allowed (`"0113 496 0123"`). |
/// | `mobile_telephone` | no | As `home_telephone` (`"07700 900123"`). |
/// | `email` | no | An email address (`"jane.smith@example.org"`). |
///
/// # Rules
///
/// - Keys are written in lower case exactly as above; any other key is an
///   error (so a misspelt key is caught rather than ignored).
/// - An optional key may be left out, set to `null` or set to a blank
///   string: all three mean "not recorded".
/// - Spaces around text values are removed.
/// - Each patient has exactly one of `nhs_number` and `pseudo_number`.
/// - No two patients share a number. NHS numbers and pseudo numbers are
///   compared together, so a pseudo number may not repeat an NHS number
///   either.
/// - Use synthetic data only: NHS numbers from the 999 range, telephone
///   numbers from Ofcom's drama ranges (`07700 900000` to `07700 900999`,
///   `01632 960000` to `01632 960999`, …), email addresses at
///   `example.com`, `example.org` or `example.net`. The file format does
///   not enforce this; it is up to whoever writes the file.
/// - An empty array (`[]`) is a practice with no patients.
///
/// [`PatientSeed`] serialises to the same format (absent optional keys are
/// left out), so `serde_json::to_string_pretty(&patients)` writes a patient
/// file that reads back unchanged.
///
/// # Examples
///
/// ```
/// use systmone_client::mock::parse_patients;
///
/// let patients = parse_patients(
///     r#"[
///       {
///         "nhs_number": "999 000 0018",
///         "title": "Mrs",
///         "first_name": "Siân",
///         "middle_names": "Elizabeth Mary",
///         "surname": "O'Brien-Jones",
///         "date_of_birth": "1984-03-07",
///         "sex": "F",
///         "house_number": "12A",
///         "road": "Station Road",
///         "town": "Cardiff",
///         "postcode": "CF24 3AB",
///         "home_telephone": "029 2018 0123",
///         "mobile_telephone": "07700 900123",
///         "email": "sian.obrien@example.org"
///       },
///       {
///         "nhs_number": "9990000026",
///         "first_name": "Oliver",
///         "surname": "Smith",
///         "date_of_birth": "2019-11-30",
///         "sex": "M"
///       },
///       {
///         "pseudo_number": "0012345678",
///         "first_name": "Alex",
///         "surname": "van der Berg",
///         "date_of_birth": "1950-01-01",
///         "sex": "U",
///         "postcode": ""
///       }
///     ]"#,
/// )?;
/// assert_eq!(patients.len(), 3);
/// assert_eq!(patients[0].nhs_number.map(|n| n.to_string()).as_deref(), Some("999 000 0018"));
/// assert_eq!(patients[0].postcode.as_ref().map(|p| p.outward()), Some("CF24"));
/// assert_eq!(patients[1].title, None);
/// assert_eq!(patients[2].pseudo_number.as_deref(), Some("0012345678"));
/// assert_eq!(patients[2].postcode, None); // blank means not recorded
/// # Ok::<(), systmone_client::mock::PatientFileError>(())
/// ```
///
/// A mistake is reported with the patient, the key and what was expected:
///
/// ```
/// use systmone_client::mock::parse_patients;
///
/// let err = parse_patients(
///     r#"[{"nhs_number": "9990000019", "first_name": "Jane", "surname": "Smith",
///          "date_of_birth": "1984-03-07", "sex": "F"}]"#,
/// )
/// .unwrap_err();
/// assert_eq!(
///     err.to_string(),
///     "patient 1 (Jane Smith): the value of `nhs_number` is not valid: the NHS number's \
///      check digit is 9 but should be 8: a digit was probably mistyped. Expected an NHS \
///      number as a string: 10 digits ending in a Modulus 11 check digit, e.g. \"999 000 0018\""
/// );
/// ```
pub fn parse_patients(json: &str) -> Result<Vec<PatientSeed>, PatientFileError> {
    let value: Value = serde_json::from_str(json).map_err(|e| PatientFileError::Syntax {
        detail: e.to_string(),
        line: e.line(),
        column: e.column(),
    })?;
    let Value::Array(entries) = value else {
        return Err(PatientFileError::NotAnArray {
            found: kind(&value),
        });
    };
    let mut patients: Vec<PatientSeed> = Vec::with_capacity(entries.len());
    // Each number (NHS or pseudo) and the index of the patient holding it.
    let mut seen: HashMap<String, usize> = HashMap::with_capacity(entries.len());
    for (index, entry) in entries.iter().enumerate() {
        let position = index + 1;
        let Value::Object(object) = entry else {
            return Err(PatientFileError::NotAnObject {
                patient: Box::new(PatientRef {
                    position,
                    nhs_number: None,
                    pseudo_number: None,
                    name: None,
                }),
                found: kind(entry),
            });
        };
        let patient = read_patient(position, object, entry)?;
        let number = match (&patient.nhs_number, &patient.pseudo_number) {
            (Some(nhs_number), None) => nhs_number.as_str().to_owned(),
            (None, Some(pseudo_number)) => pseudo_number.clone(),
            (None, None) => {
                return Err(PatientFileError::MissingIdentifier {
                    patient: Box::new(PatientRef::of(position, &patient)),
                });
            }
            (Some(_), Some(_)) => {
                return Err(PatientFileError::TwoIdentifiers {
                    patient: Box::new(PatientRef::of(position, &patient)),
                });
            }
        };
        if let Some(&earlier) = seen.get(&number) {
            let first = patients
                .get(earlier)
                .map(|p| PatientRef::of(earlier + 1, p))
                .unwrap_or(PatientRef {
                    position: earlier + 1,
                    nhs_number: None,
                    pseudo_number: None,
                    name: None,
                });
            return Err(PatientFileError::Duplicate {
                number,
                first: Box::new(first),
                second: Box::new(PatientRef::of(position, &patient)),
            });
        }
        seen.insert(number, index);
        patients.push(patient);
    }
    Ok(patients)
}

/// Checks the keys of one patient object and reads it.
fn read_patient(
    position: usize,
    object: &Map<String, Value>,
    entry: &Value,
) -> Result<PatientSeed, PatientFileError> {
    let unknown: Vec<String> = object
        .keys()
        .filter(|key| !ALLOWED_KEYS.contains(&key.as_str()))
        .cloned()
        .collect();
    if !unknown.is_empty() {
        return Err(PatientFileError::UnknownKeys {
            patient: Box::new(PatientRef::read(position, object)),
            keys: unknown,
        });
    }
    if let Some(field) = REQUIRED_KEYS
        .into_iter()
        .find(|key| object.get(*key).is_none_or(Value::is_null))
    {
        return Err(PatientFileError::MissingField {
            patient: Box::new(PatientRef::read(position, object)),
            field,
        });
    }
    serde_path_to_error::deserialize(entry).map_err(|error| {
        let field = error.path().to_string();
        PatientFileError::BadValue {
            patient: Box::new(PatientRef::read(position, object)),
            expected: expected_form(&field),
            field,
            message: error.into_inner().to_string(),
        }
    })
}

/// What the value of `field` should look like, for error messages.
fn expected_form(field: &str) -> &'static str {
    match field {
        "nhs_number" => {
            "an NHS number as a string: 10 digits ending in a Modulus 11 check digit, e.g. \"999 000 0018\""
        }
        "pseudo_number" => "exactly 10 digits as a string, e.g. \"0012345678\"",
        "first_name" | "surname" => "a string that is not blank",
        "date_of_birth" => "a date as a string \"YYYY-MM-DD\", e.g. \"1984-03-07\"",
        "sex" => "\"M\", \"F\", \"I\" or \"U\"",
        "postcode" => "a UK postcode as a string, e.g. \"LS6 1AB\"",
        "home_telephone" | "mobile_telephone" => {
            "a telephone number as a string of 7 to 15 digits, e.g. \"07700 900123\""
        }
        "email" => "an email address as a string, e.g. \"jane.smith@example.org\"",
        _ => "a string",
    }
}

/// How an error message names the kind of a JSON value.
fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a true/false value",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// `"a", "b"` for error messages.
fn quoted_list(items: &[String]) -> String {
    items
        .iter()
        .map(|item| format!("{item:?}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Whether `text` is exactly ten ASCII digits.
fn is_pseudo_number(text: &str) -> bool {
    text.len() == 10 && text.bytes().all(|b| b.is_ascii_digit())
}

/// An optional string value: absent, `null` and blank all mean `None`;
/// anything else is trimmed and parsed.
fn optional<'de, D, T>(deserializer: D) -> Result<Option<T>, D::Error>
where
    D: Deserializer<'de>,
    T: FromStr,
    T::Err: fmt::Display,
{
    match Option::<String>::deserialize(deserializer)? {
        None => Ok(None),
        Some(text) if text.trim().is_empty() => Ok(None),
        Some(text) => text.trim().parse().map(Some).map_err(D::Error::custom),
    }
}

/// A pseudo number: like [`optional`], then exactly ten digits.
fn optional_pseudo_number<'de, D>(deserializer: D) -> Result<Option<String>, D::Error>
where
    D: Deserializer<'de>,
{
    let number: Option<String> = optional(deserializer)?;
    match number {
        Some(number) if !is_pseudo_number(&number) => Err(D::Error::custom(format!(
            "a pseudo number is exactly 10 digits with no spaces, but {number:?} was given"
        ))),
        number => Ok(number),
    }
}

/// A required string: trimmed, and not blank.
fn required_text<'de, D>(deserializer: D) -> Result<String, D::Error>
where
    D: Deserializer<'de>,
{
    let text = String::deserialize(deserializer)?;
    let trimmed = text.trim();
    if trimmed.is_empty() {
        return Err(D::Error::custom("it is blank"));
    }
    Ok(trimmed.to_owned())
}

/// A date written strictly as `YYYY-MM-DD`.
fn date<'de, D>(deserializer: D) -> Result<NaiveDate, D::Error>
where
    D: Deserializer<'de>,
{
    let text = String::deserialize(deserializer)?;
    let trimmed = text.trim();
    let shaped = trimmed.len() == 10
        && trimmed.bytes().enumerate().all(|(i, b)| match i {
            4 | 7 => b == b'-',
            _ => b.is_ascii_digit(),
        });
    if !shaped {
        return Err(D::Error::custom(format!(
            "{trimmed:?} is not written YYYY-MM-DD"
        )));
    }
    NaiveDate::parse_from_str(trimmed, "%Y-%m-%d")
        .map_err(|_| D::Error::custom(format!("{trimmed:?} is not a date in the calendar")))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    /// A valid patient object with `changes` applied (a `null` removes the
    /// key).
    fn patient(changes: &[(&str, Value)]) -> Value {
        let mut object = serde_json::json!({
            "nhs_number": "999 000 0018",
            "first_name": "Jane",
            "surname": "Smith",
            "date_of_birth": "1984-03-07",
            "sex": "F",
        });
        for (key, value) in changes {
            let map = object.as_object_mut().unwrap();
            if value.is_null() {
                map.remove(*key);
            } else {
                map.insert((*key).to_owned(), value.clone());
            }
        }
        object
    }

    fn parse(entries: &[Value]) -> Result<Vec<PatientSeed>, PatientFileError> {
        parse_patients(&serde_json::to_string(entries).unwrap())
    }

    fn error(entries: &[Value]) -> (PatientFileError, String) {
        let err = parse(entries).unwrap_err();
        let message = err.to_string();
        (err, message)
    }

    #[test]
    fn reads_a_full_patient() {
        let all = patient(&[
            ("title", "Dr".into()),
            ("middle_names", " Anne  Marie ".into()),
            ("house_number", "Flat 3, 41".into()),
            ("road", "Station Road".into()),
            ("town", "Leeds".into()),
            ("postcode", "ls6 1ab".into()),
            ("home_telephone", "0113 496 0123".into()),
            ("mobile_telephone", "07700 900123".into()),
            ("email", "jane@example.org".into()),
            ("first_name", " Jane ".into()),
        ]);
        let patients = parse(&[all]).unwrap();
        let p = &patients[0];
        assert_eq!(p.nhs_number.unwrap().as_str(), "9990000018");
        assert_eq!(p.first_name, "Jane");
        assert_eq!(p.middle_names.as_deref(), Some("Anne  Marie"));
        assert_eq!(
            p.date_of_birth,
            NaiveDate::from_ymd_opt(1984, 3, 7).unwrap()
        );
        assert_eq!(p.sex, Sex::Female);
        assert_eq!(p.postcode.as_ref().unwrap().as_str(), "LS6 1AB");
        assert_eq!(p.home_telephone.as_ref().unwrap().digits(), "01134960123");
        assert_eq!(p.email.as_ref().unwrap().as_str(), "jane@example.org");
    }

    #[test]
    fn empty_array_is_an_empty_practice() {
        assert_eq!(parse_patients(" [ ] ").unwrap(), Vec::new());
    }

    #[test]
    fn blank_and_null_optional_values_are_absent() {
        let p = patient(&[
            ("postcode", "  ".into()),
            ("email", "".into()),
            ("title", Value::Null),
        ]);
        let mut object = p.as_object().unwrap().clone();
        object.insert("road".to_owned(), Value::Null);
        let patients = parse(&[Value::Object(object)]).unwrap();
        assert_eq!(patients[0].postcode, None);
        assert_eq!(patients[0].email, None);
        assert_eq!(patients[0].road, None);
        assert_eq!(patients[0].title, None);
    }

    #[test]
    fn round_trips_through_serde() {
        let patients = parse(&[
            patient(&[("postcode", "M14 5AB".into())]),
            patient(&[
                ("nhs_number", Value::Null),
                ("pseudo_number", "0012345678".into()),
            ]),
        ])
        .unwrap();
        let json = serde_json::to_string_pretty(&patients).unwrap();
        assert!(!json.contains("null"), "{json}");
        assert!(json.contains("\"nhs_number\": \"9990000018\""), "{json}");
        assert!(json.contains("\"date_of_birth\": \"1984-03-07\""), "{json}");
        assert!(json.contains("\"sex\": \"F\""), "{json}");
        assert_eq!(parse_patients(&json).unwrap(), patients);
        // The derived Deserialize follows the same rules.
        let direct: Vec<PatientSeed> = serde_json::from_str(&json).unwrap();
        assert_eq!(direct, patients);
    }

    #[test]
    fn syntax_errors_give_the_place() {
        let err = parse_patients("[{\"first_name\": \"Jane\",}]").unwrap_err();
        assert!(
            matches!(err, PatientFileError::Syntax { line: 1, .. }),
            "{err:?}"
        );
        assert!(err.to_string().contains("line 1"), "{err}");
    }

    #[test]
    fn the_top_level_must_be_an_array_of_objects() {
        let err = parse_patients("{}").unwrap_err();
        assert!(err.to_string().contains("holds an object"), "{err}");
        let (_, message) = error(&[patient(&[]), "Jane".into()]);
        assert!(
            message.starts_with("patient 2 is a string, but each entry"),
            "{message}"
        );
    }

    #[test]
    fn unknown_keys_are_named_with_the_allowed_ones() {
        let (err, message) = error(&[
            patient(&[]),
            patient(&[
                ("nhs_number", "9990000026".into()),
                ("forename", "Jane".into()),
                ("dob", "1984-03-07".into()),
            ]),
        ]);
        assert!(matches!(err, PatientFileError::UnknownKeys { .. }));
        assert!(
            message.starts_with(
                "patient 2 (NHS number 999 000 0026, Jane Smith) has unknown keys \"dob\", \"forename\""
            ),
            "{message}"
        );
        assert!(
            message.contains("nhs_number, pseudo_number, first_name"),
            "{message}"
        );
    }

    #[test]
    fn missing_required_keys_are_named() {
        let (_, message) = error(&[patient(&[("date_of_birth", Value::Null)])]);
        assert!(
            message.starts_with(
                "patient 1 (NHS number 999 000 0018, Jane Smith) has no `date_of_birth`"
            ),
            "{message}"
        );
        let (_, message) = error(&[patient(&[("first_name", Value::Null)])]);
        assert!(
            message.starts_with("patient 1 (NHS number 999 000 0018, Smith) has no `first_name`"),
            "{message}"
        );
    }

    #[test]
    fn bad_values_name_the_patient_field_and_expected_form() {
        let cases: [(&str, Value, &str); 12] = [
            ("nhs_number", "9990000019".into(), "check digit"),
            ("nhs_number", 9990000018u64.into(), "invalid type"),
            ("pseudo_number", "123".into(), "exactly 10 digits"),
            ("first_name", "  ".into(), "it is blank"),
            ("surname", "".into(), "it is blank"),
            (
                "date_of_birth",
                "07/03/1984".into(),
                "not written YYYY-MM-DD",
            ),
            (
                "date_of_birth",
                "1984-02-30".into(),
                "not a date in the calendar",
            ),
            ("sex", "X".into(), "M (male)"),
            (
                "postcode",
                "LS6 ABC".into(),
                "not shaped like a UK postcode",
            ),
            ("home_telephone", "12345".into(), "7 to 15 digits"),
            ("email", "jane.example.org".into(), "no @"),
            ("title", 5.into(), "invalid type"),
        ];
        for (field, value, says) in cases {
            let (err, message) = error(&[patient(&[]), patient(&[(field, value)])]);
            let PatientFileError::BadValue {
                patient,
                field: named,
                ..
            } = &err
            else {
                panic!("{field}: {err:?}");
            };
            assert_eq!(patient.position, 2, "{message}");
            assert_eq!(named, field, "{message}");
            assert!(message.contains(says), "{field}: {message}");
            assert!(message.contains(&format!("`{field}`")), "{message}");
            assert!(message.contains("Expected "), "{message}");
        }
    }

    #[test]
    fn exactly_one_identifier() {
        let (err, _) = error(&[patient(&[("nhs_number", Value::Null)])]);
        assert!(matches!(err, PatientFileError::MissingIdentifier { .. }));
        let (err, _) = error(&[patient(&[("nhs_number", "".into())])]);
        assert!(matches!(err, PatientFileError::MissingIdentifier { .. }));
        let (err, message) = error(&[patient(&[("pseudo_number", "0012345678".into())])]);
        assert!(matches!(err, PatientFileError::TwoIdentifiers { .. }));
        assert!(
            message.starts_with(
                "patient 1 (NHS number 999 000 0018, pseudo number 0012345678, Jane Smith) has both"
            ),
            "{message}"
        );
    }

    #[test]
    fn duplicate_numbers_name_both_patients() {
        let (err, message) = error(&[
            patient(&[]),
            patient(&[("nhs_number", "9990000026".into())]),
            patient(&[
                ("nhs_number", "999-000-0018".into()),
                ("first_name", "Joan".into()),
            ]),
        ]);
        assert!(matches!(
            err,
            PatientFileError::Duplicate { ref first, ref second, .. }
                if first.position == 1 && second.position == 3
        ));
        assert!(
            message.starts_with(
                "patient 1 (NHS number 999 000 0018, Jane Smith) and patient 3 (NHS number 999 000 0018, Joan Smith) have the same number 9990000018"
            ),
            "{message}"
        );
        // Pseudo numbers share the namespace with NHS numbers.
        let (err, _) = error(&[
            patient(&[]),
            patient(&[
                ("nhs_number", Value::Null),
                ("pseudo_number", "9990000018".into()),
            ]),
        ]);
        assert!(matches!(err, PatientFileError::Duplicate { .. }));
    }

    #[test]
    fn read_errors_name_the_path() {
        let path = Path::new("/nonexistent/patients.json");
        let err = load_patients(path).unwrap_err();
        assert!(matches!(err, PatientFileError::Read { .. }));
        assert!(
            err.to_string().contains("/nonexistent/patients.json"),
            "{err}"
        );
    }

    #[test]
    fn loads_a_file() {
        let path = std::env::temp_dir().join(format!("patients-{}.json", std::process::id()));
        std::fs::write(&path, serde_json::to_string(&[patient(&[])]).unwrap()).unwrap();
        let patients = load_patients(&path);
        std::fs::remove_file(&path).unwrap();
        assert_eq!(patients.unwrap().len(), 1);
    }
}
