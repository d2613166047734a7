//! The patient between the model and the wire: every conversion between
//! [`econsult_model`]'s patient types and the codec's ([`proto`]), in one
//! place, and [`PatientId`], the one rule for which identifier names a
//! patient's record.
//!
//! | from | to | how |
//! |---|---|---|
//! | [`econsult_model::Sex`] | [`proto::Sex`] | `From`: M, F, I and U one to one |
//! | [`proto::Sex`] | [`econsult_model::Sex`] | `From` (also from `&proto::Sex`): M, F, I and U one to one; a value the list does not know (`Other`) reads as unknown |
//! | [`PatientSearchResult`] | [`Demographics`] | [`demographics_from_search`], leniently |
//! | [`Identity`] and [`PatientDemographics`] | [`Demographics`] | [`demographics_from_record`], leniently |
//! | [`Identity`] | [`PatientId`] | [`PatientId::from_identity`]: a valid NHS number, else the pseudo number, else the client ID |
//! | [`PatientId`] | [`Identity`] | [`PatientId::to_identity`]: the one identifier, as a request carries it |
//!
//! Always compiled: the conversions need only the codec's types.

use std::fmt;

use chrono::NaiveDate;
use econsult_model::{
    Demographics, NhsNumber, PersonName, Phone, PhoneKind, PhoneNumber, Postcode,
    is_invisible_or_break,
};
use serde::{Deserialize, Serialize};

use crate::proto::{self, Identity, PatientDemographics, PatientSearchResult};
#[cfg(doc)]
use crate::proto::{GetPatientRecordResponse, PatientSearchResponse};

// ----- sex -----

impl From<econsult_model::Sex> for proto::Sex {
    /// One to one: `M`, `F`, `I`, `U`.
    fn from(sex: econsult_model::Sex) -> Self {
        match sex {
            econsult_model::Sex::Male => proto::Sex::Male,
            econsult_model::Sex::Female => proto::Sex::Female,
            econsult_model::Sex::Indeterminate => proto::Sex::Indeterminate,
            econsult_model::Sex::Unknown => proto::Sex::Unknown,
        }
    }
}

impl From<&proto::Sex> for econsult_model::Sex {
    /// One to one for `M`, `F`, `I` and `U`; a value SystmOne sent that
    /// is not in the list ([`proto::Sex::Other`]) says nothing the model
    /// can use, so it reads as [`Unknown`](econsult_model::Sex::Unknown)
    /// (which the matcher never takes as agreement).
    fn from(sex: &proto::Sex) -> Self {
        match sex {
            proto::Sex::Male => econsult_model::Sex::Male,
            proto::Sex::Female => econsult_model::Sex::Female,
            proto::Sex::Indeterminate => econsult_model::Sex::Indeterminate,
            _ => econsult_model::Sex::Unknown,
        }
    }
}

impl From<proto::Sex> for econsult_model::Sex {
    /// As `From<&proto::Sex>`.
    fn from(sex: proto::Sex) -> Self {
        Self::from(&sex)
    }
}

// ----- the patient identifier -----

/// Which patient's record: the one identifier a request names them by.
///
/// SystmOne's [`Identity`] can carry several identifiers; a request must
/// give exactly one (PROTOCOL.md §6.1). The rule, the same everywhere in
/// this SDK (the matcher's "same patient", the save engine's record, its
/// journal): a **valid NHS number** first (no two records share one);
/// else the **pseudo number** SystmOne gives a patient without one; else
/// the **client ID** (another identifier, such as a prison number).
/// Values are trimmed, and a blank one is no value.
///
/// An identity whose NHS number is there but not valid names nobody
/// ([`from_identity`](Self::from_identity) is `None`): it is refused, not
/// passed over for the pseudo number or client ID beside it, which could
/// belong to another record.
///
/// The Strategic Reporting identifier is deliberately not a form of
/// `PatientId`: SystmOne writes it only in responses and a request must
/// not carry it (§6.1, §6.2), so a `PatientId` made of it could not be
/// saved to. A response always names the patient by NHS or pseudo number
/// as well, so nothing is lost; keep the whole [`Identity`] beside the
/// `PatientId` to join to Strategic Reporting extracts.
///
/// Serialised (serde) as one key naming the kind, as record-sync's
/// journal stores it: `{"nhs_number":"9990000018"}`,
/// `{"pseudo_number":"0012345678"}`, `{"client_id":"A1234BC"}`; reading
/// trims the value and refuses a blank one.
///
/// ```
/// use systmone_client::patient::PatientId;
/// use systmone_client::proto::Identity;
///
/// // A search result carries the NHS number and the Strategic Reporting
/// // identifier; the patient is named by the NHS number alone.
/// let found = Identity {
///     nhs_number: Some("9990000018".into()),
///     strategic_reporting_identifier: Some("501".into()),
///     ..Identity::default()
/// };
/// let patient = PatientId::from_identity(&found).unwrap();
/// assert_eq!(patient, PatientId::nhs("999 000 0018".parse()?));
/// assert_eq!(patient.to_string(), "NHS number 999 000 0018");
/// assert_eq!(patient.to_identity(), Identity::nhs("9990000018".parse()?));
/// # Ok::<(), econsult_model::NhsNumberError>(())
/// ```
#[derive(Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "StoredId", into = "StoredId")]
pub struct PatientId(Inner);

/// The forms of a [`PatientId`]; private, so every value went through the
/// rule (trimmed, never blank).
#[derive(Clone, PartialEq, Eq, Hash)]
enum Inner {
    NhsNumber(NhsNumber),
    PseudoNumber(String),
    ClientId(String),
}

impl PatientId {
    /// The patient with this NHS number.
    pub fn nhs(nhs_number: NhsNumber) -> Self {
        Self(Inner::NhsNumber(nhs_number))
    }

    /// The patient with this pseudo number (trimmed); `None` when blank.
    pub fn pseudo_number(pseudo_number: &str) -> Option<Self> {
        given(pseudo_number).map(|p| Self(Inner::PseudoNumber(p.to_owned())))
    }

    /// The patient with this client ID (trimmed); `None` when blank.
    pub fn client_id(client_id: &str) -> Option<Self> {
        given(client_id).map(|c| Self(Inner::ClientId(c.to_owned())))
    }

    /// The patient an identity names, by the rule above: its NHS number
    /// when it has one (`None` when that number is not valid), else its
    /// pseudo number, else its client ID; `None` when it has none of
    /// them. The Strategic Reporting identifier is not used.
    pub fn from_identity(identity: &Identity) -> Option<Self> {
        if let Some(nhs_number) = identity.nhs_number.as_deref().and_then(given) {
            return NhsNumber::parse(nhs_number).ok().map(Self::nhs);
        }
        identity
            .pseudo_number
            .as_deref()
            .and_then(Self::pseudo_number)
            .or_else(|| identity.client_id.as_deref().and_then(Self::client_id))
    }

    /// The `Identity` a request sends for this patient: this identifier
    /// alone.
    pub fn to_identity(&self) -> Identity {
        match &self.0 {
            Inner::NhsNumber(nhs_number) => Identity::nhs(*nhs_number),
            Inner::PseudoNumber(p) => Identity {
                pseudo_number: Some(p.clone()),
                ..Identity::default()
            },
            Inner::ClientId(c) => Identity {
                client_id: Some(c.clone()),
                ..Identity::default()
            },
        }
    }

    /// The NHS number, when that is what names the patient.
    pub fn as_nhs_number(&self) -> Option<NhsNumber> {
        match &self.0 {
            Inner::NhsNumber(nhs_number) => Some(*nhs_number),
            _ => None,
        }
    }

    /// The pseudo number, when that is what names the patient.
    pub fn as_pseudo_number(&self) -> Option<&str> {
        match &self.0 {
            Inner::PseudoNumber(p) => Some(p),
            _ => None,
        }
    }

    /// The client ID, when that is what names the patient.
    pub fn as_client_id(&self) -> Option<&str> {
        match &self.0 {
            Inner::ClientId(c) => Some(c),
            _ => None,
        }
    }
}

impl From<NhsNumber> for PatientId {
    fn from(nhs_number: NhsNumber) -> Self {
        Self::nhs(nhs_number)
    }
}

impl From<&PatientId> for Identity {
    fn from(patient: &PatientId) -> Self {
        patient.to_identity()
    }
}

impl From<PatientId> for Identity {
    fn from(patient: PatientId) -> Self {
        patient.to_identity()
    }
}

impl fmt::Display for PatientId {
    /// `NHS number 999 000 0018`, `pseudo number 0012345678`,
    /// `client ID A1234BC`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.0 {
            Inner::NhsNumber(nhs_number) => write!(f, "NHS number {nhs_number}"),
            Inner::PseudoNumber(p) => write!(f, "pseudo number {p}"),
            Inner::ClientId(c) => write!(f, "client ID {c}"),
        }
    }
}

impl fmt::Debug for PatientId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.0 {
            Inner::NhsNumber(n) => write!(f, "PatientId::NhsNumber({})", n.as_str()),
            Inner::PseudoNumber(p) => write!(f, "PatientId::PseudoNumber({p:?})"),
            Inner::ClientId(c) => write!(f, "PatientId::ClientId({c:?})"),
        }
    }
}

/// The serde form: one key naming the kind (record-sync's journals hold
/// it, written by its `PatientRef` before this type existed; keep it).
#[derive(Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
enum StoredId {
    NhsNumber(NhsNumber),
    PseudoNumber(String),
    ClientId(String),
}

impl TryFrom<StoredId> for PatientId {
    type Error = &'static str;

    fn try_from(stored: StoredId) -> Result<Self, Self::Error> {
        match stored {
            StoredId::NhsNumber(nhs_number) => Ok(Self::nhs(nhs_number)),
            StoredId::PseudoNumber(p) => {
                Self::pseudo_number(&p).ok_or("a patient's pseudo number cannot be blank")
            }
            StoredId::ClientId(c) => {
                Self::client_id(&c).ok_or("a patient's client ID cannot be blank")
            }
        }
    }
}

impl From<PatientId> for StoredId {
    fn from(patient: PatientId) -> Self {
        match patient.0 {
            Inner::NhsNumber(nhs_number) => StoredId::NhsNumber(nhs_number),
            Inner::PseudoNumber(p) => StoredId::PseudoNumber(p),
            Inner::ClientId(c) => StoredId::ClientId(c),
        }
    }
}

/// A trimmed value, or `None` when blank (PROTOCOL.md §1.8: empty means
/// no value). Blank includes a value of nothing but invisible characters
/// (a byte-order mark, zero-width spaces): it draws nothing, so it names
/// nothing, and must not win over an identifier that does.
fn given(value: &str) -> Option<&str> {
    let value = value.trim();
    let draws_something = value
        .chars()
        .any(|c| !c.is_whitespace() && !is_invisible_or_break(c));
    draws_something.then_some(value)
}

// ----- demographics from the wire -----

/// A patient's demographics read from SystmOne, and whether their names
/// were read in full.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct LenientDemographics {
    /// Name (first name and surname), date of birth, sex, postcode,
    /// telephone numbers (as [`PhoneKind::Home`]) and NHS number.
    pub demographics: Demographics,
    /// Whether the names are what SystmOne holds, up to invisible
    /// characters and spacing. `false` when a name had to be cut to 100
    /// characters: it then reads as the text SystmOne holds only up to the
    /// cut, so it must never make an exact match.
    pub in_full: bool,
}

/// A [`PatientSearchResult`] (one patient of a [`PatientSearchResponse`])
/// in the model's form, leniently: see [`demographics_from_record`].
///
/// ```
/// use systmone_client::patient::demographics_from_search;
/// use systmone_client::proto::{Identity, PatientSearchResult, Sex};
///
/// let result = PatientSearchResult {
///     identity: Identity::nhs("9990000018".parse()?),
///     first_name: "Al\u{AD}ex".into(), // a soft hyphen: set aside
///     surname: "Testpatient".into(),
///     date_of_birth: chrono::NaiveDate::from_ymd_opt(1970, 2, 1).unwrap(),
///     sex: Sex::Female,
///     telephone: Some("01632 960001".into()),
///     address: None,
///     other: Vec::new(),
///     other_attributes: Vec::new(),
/// };
/// let read = demographics_from_search(&result).unwrap();
/// assert_eq!(read.demographics.name.first_name(), "Alex");
/// assert_eq!(read.demographics.sex, econsult_model::Sex::Female);
/// assert_eq!(read.demographics.nhs_number, Some("9990000018".parse()?));
/// assert!(read.in_full);
/// # Ok::<(), econsult_model::NhsNumberError>(())
/// ```
pub fn demographics_from_search(result: &PatientSearchResult) -> Option<LenientDemographics> {
    lenient(
        &result.identity,
        (&result.first_name, &result.surname),
        result.date_of_birth,
        &result.sex,
        result.address.as_ref().and_then(|a| a.postcode.as_deref()),
        result.telephone.as_deref().into_iter(),
    )
}

/// A record's demographics (of a [`GetPatientRecordResponse`], with the
/// response's `identity`) in the model's form, leniently: names that
/// [`PersonName::new`] refuses (invisible or direction characters, a soft
/// hyphen, control characters, over 100 characters) are cleaned with
/// [`PersonName::lenient`]; a postcode or telephone number that does not
/// parse is left out (it is only supporting evidence); the NHS number is
/// the identity's when valid. `None` when a first name or surname is
/// empty even then (the patient cannot be read). Title and middle names
/// are not read.
pub fn demographics_from_record(
    identity: &Identity,
    record: &PatientDemographics,
) -> Option<LenientDemographics> {
    lenient(
        identity,
        (&record.first_name, &record.surname),
        record.date_of_birth,
        &record.sex,
        record.address.as_ref().and_then(|a| a.postcode.as_deref()),
        record.telephones(),
    )
}

fn lenient<'a>(
    identity: &Identity,
    (first_name, surname): (&str, &str),
    date_of_birth: NaiveDate,
    sex: &proto::Sex,
    postcode: Option<&str>,
    telephones: impl Iterator<Item = &'a str>,
) -> Option<LenientDemographics> {
    let (name, in_full) = match PersonName::new(first_name, surname) {
        Ok(name) => (name, true),
        Err(_) => PersonName::lenient_read(first_name, surname)?,
    };
    let mut demographics = Demographics::new(name, date_of_birth, sex.into());
    demographics.postcode = postcode.and_then(|p| Postcode::parse(p).ok());
    demographics.phones = telephones
        .filter_map(|t| PhoneNumber::parse(t).ok())
        .map(|number| Phone {
            kind: PhoneKind::Home,
            number,
        })
        .collect();
    demographics.nhs_number = identity.validated_nhs_number().and_then(Result::ok);
    Some(LenientDemographics {
        demographics,
        in_full,
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn nhs() -> NhsNumber {
        "9990000018".parse().unwrap()
    }

    #[test]
    fn sex_converts_both_ways_for_m_f_i_u() {
        use econsult_model::Sex as Model;
        use proto::Sex as Wire;
        let pairs = [
            (Model::Male, Wire::Male, "M"),
            (Model::Female, Wire::Female, "F"),
            (Model::Indeterminate, Wire::Indeterminate, "I"),
            (Model::Unknown, Wire::Unknown, "U"),
        ];
        for (model, wire, letter) in pairs {
            assert_eq!(Wire::from(model), wire, "{letter}");
            assert_eq!(wire.as_str(), letter);
            assert_eq!(Model::from(&wire), model, "{letter}");
            assert_eq!(Model::from(wire.clone()), model, "{letter}");
        }
        assert_eq!(Model::from(&Wire::Other("X".into())), Model::Unknown);
    }

    #[test]
    fn the_nhs_number_beats_the_pseudo_number_beats_the_client_id() {
        let all = Identity {
            nhs_number: Some("9990000018".into()),
            pseudo_number: Some("0012345678".into()),
            client_id: Some("A1234BC".into()),
            strategic_reporting_identifier: Some("501".into()),
        };
        assert_eq!(PatientId::from_identity(&all), Some(PatientId::nhs(nhs())));
        let no_nhs = Identity {
            nhs_number: None,
            ..all.clone()
        };
        assert_eq!(
            PatientId::from_identity(&no_nhs),
            PatientId::pseudo_number("0012345678")
        );
        let client_only = Identity {
            pseudo_number: None,
            ..no_nhs.clone()
        };
        assert_eq!(
            PatientId::from_identity(&client_only),
            PatientId::client_id("A1234BC")
        );
        // The Strategic Reporting identifier alone names nobody: it
        // cannot be sent.
        let sri_only = Identity {
            client_id: None,
            ..client_only
        };
        assert_eq!(PatientId::from_identity(&sri_only), None);
        assert_eq!(PatientId::from_identity(&Identity::default()), None);
    }

    #[test]
    fn an_invalid_nhs_number_is_refused_not_skipped() {
        let bad = Identity {
            nhs_number: Some("9990000019".into()),
            pseudo_number: Some("0012345678".into()),
            client_id: Some("A1234BC".into()),
            ..Identity::default()
        };
        assert_eq!(PatientId::from_identity(&bad), None);
        // Spacing in a valid number is fine.
        let spaced = Identity {
            nhs_number: Some(" 999 000 0018 ".into()),
            ..Identity::default()
        };
        assert_eq!(
            PatientId::from_identity(&spaced),
            Some(PatientId::nhs(nhs()))
        );
    }

    #[test]
    fn blank_values_are_no_values() {
        let blank_nhs = Identity {
            nhs_number: Some("  ".into()),
            pseudo_number: Some(" 0012345678 ".into()),
            ..Identity::default()
        };
        let id = PatientId::from_identity(&blank_nhs).unwrap();
        assert_eq!(id.as_pseudo_number(), Some("0012345678"), "trimmed");
        let blank_pseudo = Identity {
            pseudo_number: Some("".into()),
            client_id: Some("\tA1234BC".into()),
            ..Identity::default()
        };
        let id = PatientId::from_identity(&blank_pseudo).unwrap();
        assert_eq!(id.as_client_id(), Some("A1234BC"));
        let all_blank = Identity {
            nhs_number: Some("".into()),
            pseudo_number: Some(" ".into()),
            client_id: Some("\n".into()),
            strategic_reporting_identifier: Some("501".into()),
        };
        assert_eq!(PatientId::from_identity(&all_blank), None);
        assert_eq!(PatientId::pseudo_number(" "), None);
        assert_eq!(PatientId::client_id(""), None);
    }

    #[test]
    fn ids_round_trip_through_the_identity_sent() {
        let ids = [
            PatientId::nhs(nhs()),
            PatientId::pseudo_number("0012345678").unwrap(),
            PatientId::client_id("A1234BC").unwrap(),
        ];
        for id in ids {
            let identity = id.to_identity();
            let given = [
                &identity.nhs_number,
                &identity.pseudo_number,
                &identity.client_id,
            ]
            .iter()
            .filter(|v| v.is_some())
            .count();
            assert_eq!(given, 1, "exactly one identifier is sent: {identity:?}");
            assert_eq!(identity.strategic_reporting_identifier, None);
            assert_eq!(PatientId::from_identity(&identity), Some(id.clone()));
            assert_eq!(Identity::from(&id), identity);
        }
        assert_eq!(
            PatientId::nhs(nhs()).to_identity().nhs_number.as_deref(),
            Some("9990000018")
        );
    }

    #[test]
    fn ids_show_their_kind() {
        assert_eq!(PatientId::nhs(nhs()).to_string(), "NHS number 999 000 0018");
        assert_eq!(
            PatientId::pseudo_number("0012345678").unwrap().to_string(),
            "pseudo number 0012345678"
        );
        assert_eq!(
            PatientId::client_id("A1234BC").unwrap().to_string(),
            "client ID A1234BC"
        );
        assert_eq!(
            format!("{:?}", PatientId::nhs(nhs())),
            "PatientId::NhsNumber(9990000018)"
        );
    }

    #[test]
    fn ids_hash_and_compare_by_identifier() {
        use std::collections::HashSet;
        let from_search = PatientId::from_identity(&Identity {
            nhs_number: Some("9990000018".into()),
            strategic_reporting_identifier: Some("501".into()),
            ..Identity::default()
        })
        .unwrap();
        let from_read = PatientId::from_identity(&Identity {
            nhs_number: Some("999 000 0018".into()),
            strategic_reporting_identifier: Some("777".into()),
            ..Identity::default()
        })
        .unwrap();
        let set: HashSet<PatientId> = [from_search, from_read].into_iter().collect();
        assert_eq!(set.len(), 1);
        assert_ne!(
            PatientId::pseudo_number("0012345678"),
            PatientId::client_id("0012345678")
        );
    }

    /// The JSON record-sync's journals already hold, written by its
    /// `PatientRef` (an externally tagged, snake_case enum), reads as the
    /// same patient, and is written the same way.
    #[test]
    fn old_journal_json_still_reads() {
        let old = [
            (r#"{"nhs_number":"9990000018"}"#, PatientId::nhs(nhs())),
            (
                r#"{"pseudo_number":"0012345678"}"#,
                PatientId::pseudo_number("0012345678").unwrap(),
            ),
            (r#"{"client_id":"C9"}"#, PatientId::client_id("C9").unwrap()),
        ];
        for (json, id) in old {
            let read: PatientId = serde_json::from_str(json).unwrap();
            assert_eq!(read, id, "{json}");
            assert_eq!(serde_json::to_string(&id).unwrap(), json);
        }
        // Refused: a blank identifier, an invalid NHS number, two kinds,
        // an unknown kind (the Strategic Reporting identifier is not one).
        for json in [
            r#"{"pseudo_number":"  "}"#,
            r#"{"nhs_number":"9990000019"}"#,
            r#"{"nhs_number":"9990000018","client_id":"C9"}"#,
            r#"{"strategic_reporting_identifier":"501"}"#,
        ] {
            assert!(serde_json::from_str::<PatientId>(json).is_err(), "{json}");
        }
    }

    fn search_result(first_name: &str, surname: &str) -> PatientSearchResult {
        PatientSearchResult {
            identity: Identity {
                nhs_number: Some("9990000018".into()),
                strategic_reporting_identifier: Some("501".into()),
                ..Identity::default()
            },
            first_name: first_name.into(),
            surname: surname.into(),
            date_of_birth: NaiveDate::from_ymd_opt(1970, 2, 1).unwrap(),
            sex: proto::Sex::Male,
            telephone: Some("01632 960001".into()),
            address: Some(proto::Address {
                postcode: Some("ZZ99 1AB".into()),
                ..proto::Address::default()
            }),
            other: Vec::new(),
            other_attributes: Vec::new(),
        }
    }

    #[test]
    fn search_results_read_into_the_model() {
        let read = demographics_from_search(&search_result("William", "Testpatient")).unwrap();
        assert!(read.in_full);
        let d = read.demographics;
        assert_eq!(d.name, PersonName::new("William", "Testpatient").unwrap());
        assert_eq!(
            d.date_of_birth,
            NaiveDate::from_ymd_opt(1970, 2, 1).unwrap()
        );
        assert_eq!(d.sex, econsult_model::Sex::Male);
        assert_eq!(d.postcode, Some("ZZ99 1AB".parse().unwrap()));
        assert_eq!(d.phones.len(), 1);
        assert_eq!(d.phones[0].kind, PhoneKind::Home);
        assert_eq!(d.nhs_number, Some(nhs()));

        // Supporting evidence that does not parse is left out, and an
        // invalid NHS number is not the patient's.
        let mut odd = search_result("William", "Testpatient");
        odd.telephone = Some("ask at reception".into());
        odd.address = Some(proto::Address {
            postcode: Some("not a postcode".into()),
            ..proto::Address::default()
        });
        odd.identity.nhs_number = Some("9990000019".into());
        let d = demographics_from_search(&odd).unwrap().demographics;
        assert_eq!((d.postcode, d.phones.len(), d.nhs_number), (None, 0, None));
    }

    #[test]
    fn names_are_read_leniently_and_say_whether_in_full() {
        // Invisible characters, spacing and control characters are set
        // aside: read in full.
        let read =
            demographics_from_search(&search_result("Wil\u{AD}liam\u{200B}", " Test\tpatient "))
                .unwrap();
        assert_eq!(read.demographics.name.first_name(), "William");
        assert_eq!(read.demographics.name.surname(), "Test patient");
        assert!(read.in_full);
        let read =
            demographics_from_search(&search_result("\u{202E}Alex", "Test\u{0}patient")).unwrap();
        assert_eq!(read.demographics.name.first_name(), "Alex");
        assert!(read.in_full);

        // A surname of 158 characters is cut to 100: read, not in full.
        let long = format!("Longname{}", "x".repeat(150));
        let read = demographics_from_search(&search_result("Alex", &long)).unwrap();
        assert_eq!(read.demographics.name.surname().chars().count(), 100);
        assert!(!read.in_full);
        // Cut just after a space: still not in full.
        let long = format!("{} tail", "y".repeat(99));
        let read = demographics_from_search(&search_result(&long, "Testpatient")).unwrap();
        assert_eq!(read.demographics.name.first_name().chars().count(), 99);
        assert!(!read.in_full);
        // Exactly 100 characters: in full.
        let read =
            demographics_from_search(&search_result(&"z".repeat(100), "Testpatient")).unwrap();
        assert!(read.in_full);

        // A name of nothing but invisible characters cannot be read.
        assert_eq!(
            demographics_from_search(&search_result("\u{200B}\u{2060}", "Testpatient")),
            None
        );
        assert_eq!(
            demographics_from_search(&search_result("William", "  ")),
            None
        );
    }

    #[test]
    fn record_demographics_read_into_the_model() {
        // As SystmOne writes a record's demographics: empty elements for
        // what is not known, a sex outside the list.
        let document = "<ClientIntegrationResponse><DeviceID>d</DeviceID><RequestUID>u</RequestUID>\
             <Function>GetPatientRecord</Function><FunctionVersion>1.0</FunctionVersion>\
             <ResponseUID>r</ResponseUID><Response><Identity><PseudoNumber>0012345678</PseudoNumber>\
             <StrategicReportingIdentifier>501</StrategicReportingIdentifier></Identity>\
             <Demographics><Title/><FirstName>Alex</FirstName><MiddleNames/>\
             <Surname>Testpatient</Surname><DateOfBirth>1985-06-15</DateOfBirth><Sex>X</Sex>\
             <HomeTelephone>01632 960001</HomeTelephone><WorkTelephone> </WorkTelephone>\
             <MobileTelephone>07700 900001</MobileTelephone></Demographics></Response>\
             </ClientIntegrationResponse>";
        let response = proto::decode_response::<proto::GetPatientRecord>(document.as_bytes())
            .unwrap()
            .body
            .unwrap();
        let record = response.demographics.unwrap();
        let read = demographics_from_record(&response.identity, &record).unwrap();
        assert!(read.in_full);
        let d = read.demographics;
        assert_eq!(d.name, PersonName::new("Alex", "Testpatient").unwrap());
        assert_eq!(d.sex, econsult_model::Sex::Unknown);
        assert_eq!(d.phones.len(), 2);
        assert_eq!(d.nhs_number, None, "a pseudo number is not an NHS number");
        assert_eq!(d.postcode, None);
        assert_eq!(
            PatientId::from_identity(&response.identity),
            PatientId::pseudo_number("0012345678")
        );
    }
}
