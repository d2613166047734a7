//! A person prepared for comparison: names normalised once, their sounds
//! worked out once, and the supporting evidence reduced to small keys.

use std::sync::OnceLock;

use chrono::NaiveDate;
use econsult_model::{Demographics, NhsNumber, PhoneNumber, Postcode, Sex};

use crate::normalise::normalise;
use crate::phonetic::Sound;

/// What is known about a person when some of it may be missing: a row of
/// a vendor's patient list without a date of birth, a submission without a
/// first name. [`Demographics`] always has both names and a date of
/// birth; this does not.
///
/// A person missing a first name, surname or date of birth is never
/// auto-matched, and as a candidate is compared on what it has: it can be
/// suggested, and it blocks the auto-match of anyone it could be (see
/// [`Comparison::could_be_exact`](crate::Comparison::could_be_exact)).
///
/// ```
/// use chrono::NaiveDate;
/// use patient_matcher::{PersonDetails, Prepared};
///
/// let mut row = PersonDetails::default();
/// row.surname = Some("Testpatient".to_owned());
/// row.date_of_birth = NaiveDate::from_ymd_opt(1970, 2, 1);
/// let prepared = Prepared::from_details(&row);
/// assert!(!prepared.is_complete());
/// assert_eq!(prepared.first_name(), "");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct PersonDetails {
    /// First name, if known.
    pub first_name: Option<String>,
    /// Surname, if known.
    pub surname: Option<String>,
    /// Date of birth, if known (`NaiveDate::MIN` counts as not known).
    pub date_of_birth: Option<NaiveDate>,
    /// Sex; [`Sex::Unknown`] when not known.
    pub sex: Sex,
    /// Postcode, if known.
    pub postcode: Option<Postcode>,
    /// Telephone numbers.
    pub phones: Vec<PhoneNumber>,
    /// NHS number, if known.
    pub nhs_number: Option<NhsNumber>,
}

impl Default for PersonDetails {
    /// Nothing known (sex [`Sex::Unknown`]).
    fn default() -> Self {
        Self {
            first_name: None,
            surname: None,
            date_of_birth: None,
            sex: Sex::Unknown,
            postcode: None,
            phones: Vec::new(),
            nhs_number: None,
        }
    }
}

impl From<&Demographics> for PersonDetails {
    fn from(d: &Demographics) -> Self {
        Self {
            first_name: Some(d.name.first_name().to_owned()),
            surname: Some(d.name.surname().to_owned()),
            date_of_birth: Some(d.date_of_birth),
            sex: d.sex,
            postcode: d.postcode.clone(),
            phones: d.phones.iter().map(|p| p.number.clone()).collect(),
            nhs_number: d.nhs_number,
        }
    }
}

/// Demographics prepared for matching: build one per submission and reuse
/// it for every candidate, index lookup or search plan.
///
/// ```
/// use chrono::NaiveDate;
/// use econsult_model::{Demographics, PersonName, Sex};
/// use patient_matcher::Prepared;
///
/// let declared = Demographics::new(
///     PersonName::new(" ALEX ", "Testpatient")?,
///     NaiveDate::from_ymd_opt(1970, 2, 1).unwrap(),
///     Sex::Unknown,
/// );
/// let prepared = Prepared::new(&declared);
/// assert_eq!(prepared.first_name(), "alex");
/// assert!(prepared.is_complete());
/// # Ok::<(), econsult_model::NameError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Prepared {
    /// Empty when not known.
    first_name: String,
    /// Empty when not known.
    surname: String,
    /// The names' sounds, worked out when first needed: an exact lookup
    /// does without them.
    sounds: OnceLock<[Sound; 2]>,
    date_of_birth: Option<NaiveDate>,
    sex: Sex,
    postcode: PostcodeKey,
    phones: Vec<PhoneKey>,
    nhs_number: Option<NhsKey>,
}

impl Prepared {
    /// Prepares `demographics` for matching.
    pub fn new(demographics: &Demographics) -> Self {
        Self::with_fields(
            demographics.name.first_name(),
            demographics.name.surname(),
            Some(demographics.date_of_birth),
            demographics.sex,
            demographics.postcode.as_ref(),
            demographics.phones.iter().map(|p| &p.number),
            demographics.nhs_number,
        )
    }

    /// Prepares details some of which may be missing.
    pub fn from_details(details: &PersonDetails) -> Self {
        Self::with_fields(
            details.first_name.as_deref().unwrap_or_default(),
            details.surname.as_deref().unwrap_or_default(),
            details.date_of_birth,
            details.sex,
            details.postcode.as_ref(),
            details.phones.iter(),
            details.nhs_number,
        )
    }

    fn with_fields<'a>(
        first_name: &str,
        surname: &str,
        date_of_birth: Option<NaiveDate>,
        sex: Sex,
        postcode: Option<&Postcode>,
        phones: impl Iterator<Item = &'a PhoneNumber>,
        nhs_number: Option<NhsNumber>,
    ) -> Self {
        let mut phones: Vec<PhoneKey> = phones.filter_map(|p| PhoneKey::new(&p.digits())).collect();
        phones.sort_unstable();
        phones.dedup();
        Self {
            sounds: OnceLock::new(),
            first_name: normalise(first_name),
            surname: normalise(surname),
            // `NaiveDate::MIN` (262,145 BC) is no one's date of birth; the
            // index uses it for "not known", so it means that everywhere.
            date_of_birth: date_of_birth.filter(|d| *d != NaiveDate::MIN),
            sex,
            postcode: PostcodeKey::new(postcode.map(Postcode::as_str)),
            phones,
            nhs_number: nhs_number.map(NhsKey::from),
        }
    }

    /// The normalised first name; empty when not known.
    pub fn first_name(&self) -> &str {
        &self.first_name
    }

    /// The normalised surname; empty when not known.
    pub fn surname(&self) -> &str {
        &self.surname
    }

    /// Date of birth, if known.
    pub fn date_of_birth(&self) -> Option<NaiveDate> {
        self.date_of_birth
    }

    /// Sex.
    pub fn sex(&self) -> Sex {
        self.sex
    }

    /// Whether the first name, surname and date of birth are all known:
    /// only then can this submission be auto-matched.
    pub fn is_complete(&self) -> bool {
        !self.first_name.is_empty() && !self.surname.is_empty() && self.date_of_birth.is_some()
    }

    /// Whether an NHS number was given.
    pub fn has_nhs_number(&self) -> bool {
        self.nhs_number.is_some()
    }

    /// Whether a postcode was given.
    pub(crate) fn has_postcode(&self) -> bool {
        self.postcode.is_some()
    }

    /// Whether a telephone number was given.
    pub(crate) fn has_phone(&self) -> bool {
        !self.phones.is_empty()
    }

    /// A borrowed view for comparing with a candidate whose names are
    /// known to be the same: the names' sounds are left unworked (a
    /// comparison reads them only when names differ).
    pub(crate) fn view_for_exact(&self) -> PersonView<'_> {
        self.view_with_sounds([Sound::default(); 2])
    }

    /// A borrowed view for comparison.
    pub(crate) fn view(&self) -> PersonView<'_> {
        let sounds = *self
            .sounds
            .get_or_init(|| [Sound::of(&self.first_name), Sound::of(&self.surname)]);
        self.view_with_sounds(sounds)
    }

    fn view_with_sounds(&self, [first_sound, surname_sound]: [Sound; 2]) -> PersonView<'_> {
        PersonView {
            first_name: NameView {
                text: &self.first_name,
                sound: first_sound,
            },
            surname: NameView {
                text: &self.surname,
                sound: surname_sound,
            },
            date_of_birth: self.date_of_birth,
            sex: self.sex,
            postcode: self.postcode,
            phones: &self.phones,
            nhs_number: self.nhs_number,
        }
    }
}

/// A person as the comparison sees them, borrowed from a [`Prepared`] or
/// from an index's compact storage.
#[derive(Debug, Clone, Copy)]
pub(crate) struct PersonView<'a> {
    pub(crate) first_name: NameView<'a>,
    pub(crate) surname: NameView<'a>,
    /// `None` when not known.
    pub(crate) date_of_birth: Option<NaiveDate>,
    pub(crate) sex: Sex,
    pub(crate) postcode: PostcodeKey,
    pub(crate) phones: &'a [PhoneKey],
    pub(crate) nhs_number: Option<NhsKey>,
}

/// A normalised name and its sound; empty text when not known.
#[derive(Debug, Clone, Copy)]
pub(crate) struct NameView<'a> {
    pub(crate) text: &'a str,
    pub(crate) sound: Sound,
}

impl NameView<'_> {
    /// Whether the name is known.
    pub(crate) fn is_known(&self) -> bool {
        !self.text.is_empty()
    }
}

/// A postcode packed into 64 bits: the outward code in the high half, the
/// inward code in the low half, six bits per character; zero is no
/// postcode.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub(crate) struct PostcodeKey(u64);

impl PostcodeKey {
    /// Packs a postcode as [`econsult_model::Postcode`] formats it
    /// (`ZZ99 1AB`).
    pub(crate) fn new(postcode: Option<&str>) -> Self {
        let Some((outward, inward)) = postcode.and_then(|p| p.split_once(' ')) else {
            return Self(0);
        };
        Self(pack_alphanumeric(outward) << 32 | pack_alphanumeric(inward))
    }

    pub(crate) fn is_some(self) -> bool {
        self.0 != 0
    }

    /// The outward code alone (`ZZ99`).
    pub(crate) fn outward(self) -> u64 {
        self.0 >> 32
    }
}

fn pack_alphanumeric(text: &str) -> u64 {
    text.bytes().take(5).fold(0, |packed, b| {
        let value = match b {
            b'0'..=b'9' => b - b'0' + 1,
            b'A'..=b'Z' => b - b'A' + 11,
            b'a'..=b'z' => b - b'a' + 11,
            _ => 63,
        };
        packed << 6 | u64::from(value)
    })
}

/// A telephone number's digits (UK national form, as
/// [`econsult_model::PhoneNumber::digits`] gives them) as a number, with a
/// leading 1 so that leading zeros count.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) struct PhoneKey(pub(crate) u64);

impl PhoneKey {
    /// `None` for fewer than six or more than eighteen digits: too short to
    /// be evidence, or not a telephone number.
    pub(crate) fn new(digits: &str) -> Option<Self> {
        let digits = digits.trim_start_matches('+');
        if !(6..=18).contains(&digits.len()) || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        digits
            .bytes()
            .try_fold(1u64, |n, b| {
                n.checked_mul(10)?.checked_add(u64::from(b - b'0'))
            })
            .map(Self)
    }
}

/// An NHS number (or pseudo number) as a number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) struct NhsKey(pub(crate) u64);

impl From<econsult_model::NhsNumber> for NhsKey {
    fn from(number: econsult_model::NhsNumber) -> Self {
        Self(
            number
                .as_str()
                .bytes()
                .fold(0, |n, b| n * 10 + u64::from(b - b'0')),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn postcode_keys_compare_whole_and_outward() {
        let a = PostcodeKey::new(Some("ZZ99 1AB"));
        let b = PostcodeKey::new(Some("ZZ99 2CD"));
        let c = PostcodeKey::new(Some("ZZ9 1AB"));
        assert!(a.is_some() && a != b && a.outward() == b.outward());
        assert_ne!(a.outward(), c.outward());
        assert!(!PostcodeKey::new(None).is_some());
    }

    #[test]
    fn phone_keys_keep_leading_zeros() {
        assert_ne!(PhoneKey::new("07700900123"), PhoneKey::new("7700900123"));
        assert_eq!(PhoneKey::new("123"), None);
        assert_eq!(
            PhoneKey::new("+447700900123"),
            PhoneKey::new("447700900123")
        );
        assert_eq!(PhoneKey::new("9".repeat(19).as_str()), None);
    }
}
