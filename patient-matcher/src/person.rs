//! A person prepared for comparison: names normalised once, their sounds
//! worked out once, and the supporting evidence reduced to small keys.

use std::sync::OnceLock;

use chrono::NaiveDate;
use econsult_model::{Demographics, Sex};

use crate::normalise::normalise;
use crate::phonetic::Sound;

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
/// # Ok::<(), econsult_model::NameError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Prepared {
    first_name: String,
    surname: String,
    /// The names' sounds, worked out when first needed: an exact lookup
    /// does without them.
    sounds: OnceLock<[Sound; 2]>,
    date_of_birth: NaiveDate,
    sex: Sex,
    postcode: PostcodeKey,
    phones: Vec<PhoneKey>,
    nhs_number: Option<NhsKey>,
}

impl Prepared {
    /// Prepares `demographics` for matching.
    pub fn new(demographics: &Demographics) -> Self {
        let first_name = normalise(demographics.name.first_name());
        let surname = normalise(demographics.name.surname());
        let mut phones: Vec<PhoneKey> = demographics
            .phones
            .iter()
            .filter_map(|p| PhoneKey::new(&p.number.digits()))
            .collect();
        phones.sort_unstable();
        phones.dedup();
        Self {
            sounds: OnceLock::new(),
            first_name,
            surname,
            date_of_birth: demographics.date_of_birth,
            sex: demographics.sex,
            postcode: PostcodeKey::new(demographics.postcode.as_ref().map(|p| p.as_str())),
            phones,
            nhs_number: demographics.nhs_number.map(NhsKey::from),
        }
    }

    /// The normalised first name.
    pub fn first_name(&self) -> &str {
        &self.first_name
    }

    /// The normalised surname.
    pub fn surname(&self) -> &str {
        &self.surname
    }

    /// Date of birth.
    pub fn date_of_birth(&self) -> NaiveDate {
        self.date_of_birth
    }

    /// Sex.
    pub fn sex(&self) -> Sex {
        self.sex
    }

    /// Whether an NHS number was given.
    pub fn has_nhs_number(&self) -> bool {
        self.nhs_number.is_some()
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
    pub(crate) date_of_birth: NaiveDate,
    pub(crate) sex: Sex,
    pub(crate) postcode: PostcodeKey,
    pub(crate) phones: &'a [PhoneKey],
    pub(crate) nhs_number: Option<NhsKey>,
}

/// A normalised name and its sound.
#[derive(Debug, Clone, Copy)]
pub(crate) struct NameView<'a> {
    pub(crate) text: &'a str,
    pub(crate) sound: Sound,
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
