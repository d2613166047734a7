//! Temporary: replaced by the patient file loader.
#![allow(missing_docs)]
use chrono::NaiveDate;
use econsult_model::{EmailAddress, NhsNumber, PhoneNumber, Postcode, Sex};

#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PatientSeed {
    pub nhs_number: Option<NhsNumber>,
    pub pseudo_number: Option<String>,
    pub first_name: String,
    pub surname: String,
    pub date_of_birth: NaiveDate,
    pub sex: Sex,
    pub title: Option<String>,
    pub middle_names: Option<String>,
    pub house_number: Option<String>,
    pub road: Option<String>,
    pub town: Option<String>,
    pub postcode: Option<Postcode>,
    pub home_telephone: Option<PhoneNumber>,
    pub mobile_telephone: Option<PhoneNumber>,
    pub email: Option<EmailAddress>,
}
#[derive(Debug, thiserror::Error)]
#[error("x")]
pub struct PatientFileError;
pub fn load_patients(_p: &std::path::Path) -> Result<Vec<PatientSeed>, PatientFileError> { Err(PatientFileError) }
pub fn parse_patients(_p: &str) -> Result<Vec<PatientSeed>, PatientFileError> { Err(PatientFileError) }
