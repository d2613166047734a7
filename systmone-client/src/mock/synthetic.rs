//! A deterministic synthetic practice: as many realistic, obviously fake
//! patients as a test or demo needs; see [`synthetic_patients`].

use chrono::NaiveDate;
use econsult_model::{EmailAddress, NhsNumber, PhoneNumber, Postcode, Sex};
use rand::rngs::ChaCha8Rng;
use rand::{Rng, SeedableRng};

use super::seed::PatientSeed;

/// The date on which the generated patients are aged 0 to 100; no date of
/// birth is after it.
const REFERENCE_DATE: NaiveDate = match NaiveDate::from_ymd_opt(2026, 1, 1) {
    Some(date) => date,
    None => NaiveDate::MIN,
};

/// The most patients [`synthetic_patients`] generates.
const MAX_PATIENTS: usize = 5_000_000;

/// Generates `count` synthetic patients from `seed`: as many realistic,
/// obviously fake patients as a test or demo needs.
///
/// `synthetic_patients(count, seed)` always returns the same patients for
/// the same `count` and `seed`, on every platform and every run, and the
/// first `n` patients of a larger run are the patients of a run of `n` with
/// the same seed. The values come from a ChaCha8 generator
/// (`rand::rngs::ChaCha8Rng`) seeded with `seed`, and from name and place
/// tables embedded in the crate: a new version of either can change the
/// output, so tests should find patients by their properties (or take them
/// from the returned list) rather than hard-code generated values.
///
/// # What the patients look like
///
/// - **Names** from embedded lists of common UK first names and surnames
///   across backgrounds (English, Welsh, Scottish, Irish, South Asian,
///   Polish, West African, Caribbean, Chinese, Somali and Arab, Southern
///   European), with the mix shifting by nation (more Welsh names in Cardiff,
///   Scottish in Edinburgh, Irish in Belfast) and older or newer English
///   first names by year of birth. Polish surnames take their feminine form
///   (`Kowalska`) for women. About a third of patients have a middle name.
///   All text is valid UTF-8 in Unicode normal form C.
/// - **Titles** that fit the sex and age: `Mr`, `Mrs`, `Ms`, `Miss`, `Dr`,
///   `Mx`, `Master` for some boys, or none (most children).
/// - **Dates of birth** for ages 0 to 100 on a fixed reference date,
///   1 January 2026 (so that the output does not change with the clock),
///   following the shape of the UK's population by age band; none is after
///   that date.
/// - **Sex** `M` or `F`, with `U` (unknown) and `I` (indeterminate) for one
///   patient in a thousand each (see below).
/// - **Addresses**: a house number (or a flat or house name), a common road
///   name and the town of a real outward code (`LS6` Leeds, `M14`
///   Manchester, `B15` Birmingham, `CF24` Cardiff, `EH7` Edinburgh, `BT9`
///   Belfast, `SW11` London and about 50 more), with a random inward code.
///   The full postcode may or may not exist; the address is not a real one.
/// - **Telephone numbers** only from Ofcom's ranges reserved for drama, which
///   are never given to anyone: mobiles `07700 900000`–`07700 900999`;
///   landlines in the range for the patient's city (`0113 496 0xxx` Leeds,
///   `0114 496 0xxx` Sheffield, `0115 496 0xxx` Nottingham, `0116 496 0xxx`
///   Leicester, `0117 496 0xxx` Bristol, `0118 496 0xxx` Reading,
///   `0121 496 0xxx` Birmingham, `0131 496 0xxx` Edinburgh, `0141 496 0xxx`
///   Glasgow, `0151 496 0xxx` Liverpool, `0161 496 0xxx` Manchester,
///   `0191 498 0xxx` Tyneside, `020 7946 0xxx` London, `028 9649 6xxx`
///   Northern Ireland, `029 2018 0xxx` Cardiff) and elsewhere the no-area
///   range `01632 960000`–`01632 960999`. Most adults have a mobile and
///   older patients more often a landline; children under 11 have no
///   mobile.
/// - **Email addresses** only at `example.com`, `example.org` and
///   `example.net`, for about half of adults and nobody under 16.
/// - **NHS numbers** from the 999 range, which is never issued to patients,
///   each with a valid Modulus 11 check digit and each used once, in a
///   shuffled order. That range holds only 909,091 valid numbers.
/// - **Pseudo numbers** instead of an NHS number for one patient in 2,000
///   (as a realistic hard case; see below) and for every patient once the
///   999 range is used up (from about the 909,500th patient on). A pseudo
///   number is ten digits beginning `00`, with a valid Modulus 11 check
///   digit so that it also passes NHS number validation. No NHS number
///   issued in England and Wales, Scottish CHI number (which begins with a
///   day of the month, 01 to 31) or Northern Irish H&C number (320 to 399)
///   begins `00`, and none can be one of the 999 numbers. Each is used once.
///
/// At most 5,000,000 patients are generated (far more than any practice
/// has); a larger `count` gives that many.
///
/// # Hard cases
///
/// Patient matching has to cope with people who look alike and with names
/// that are awkward to compare. These appear at fixed positions: the
/// positions below are 0-based indices into the returned `Vec`, and the
/// pattern repeats in every block of 50 patients (`index % 50`), so any run
/// of at least 50 patients has every case, and a run of 1,000,000 has 20,000
/// of each.
///
/// | `index % 50` | Case |
/// |---|---|
/// | 3 | Double-barrelled surname (`Smith-Jones`). |
/// | 7 and 8 | Twins: same surname, date of birth, address, postcode and home telephone; different first names (and NHS numbers); either sex. |
/// | 11 | Surname with an apostrophe (`O'Brien`, `D'Souza`). |
/// | 15 and 33 | Unrelated patients with the same first name and surname (different date of birth, address and email). |
/// | 18 | Accented first name (`Zoë`, `Siân`, `José`, `Łukasz`, `Chloé`, `Seán`, …), often with an accented surname. |
/// | 22 and 41 | Unrelated patients with the same first name, surname, date of birth *and* sex, at different postcodes and with different email addresses: they can never be told apart by demographics, so must never be auto-matched. |
/// | 26 and 46 | Unrelated patients with the same (unisex) first name, surname and date of birth but different sex, at different postcodes. |
/// | 29 | Surname with a space (`van der Berg`, `Da Silva`). |
/// | 37 | No telephone number and no address or postcode (and no email). |
///
/// And less often:
///
/// | `index` | Case |
/// |---|---|
/// | `index % 2000 == 47` (47, 2047, …) | Pseudo number instead of an NHS number. |
/// | `index % 1000 == 49` (49, 1049, …) | Sex `U` (unknown). |
/// | `index % 1000 == 549` (549, 1549, …) | Sex `I` (indeterminate). |
///
/// Elsewhere the name lists give further accents, apostrophes and hyphens
/// at random, and common names repeat as they would in a real practice.
///
/// ```
/// use systmone_client::mock::synthetic_patients;
///
/// let patients = synthetic_patients(100, 42);
/// assert_eq!(patients.len(), 100);
/// assert_eq!(patients, synthetic_patients(100, 42));
/// assert_eq!(patients[..10], synthetic_patients(10, 42)[..]);
///
/// // The twins at 7 and 8.
/// let (a, b) = (&patients[7], &patients[8]);
/// assert_eq!(a.surname, b.surname);
/// assert_eq!(a.date_of_birth, b.date_of_birth);
/// assert_eq!(a.postcode, b.postcode);
/// assert_ne!(a.first_name, b.first_name);
///
/// // Only test-range NHS numbers.
/// assert!(patients.iter().filter_map(|p| p.nhs_number).all(|n| n.is_test_range()));
/// assert!(patients[47].nhs_number.is_none() && patients[47].pseudo_number.is_some());
/// ```
pub fn synthetic_patients(count: usize, seed: u64) -> Vec<PatientSeed> {
    let count = count.min(MAX_PATIENTS);
    let mut generator = Generator::new(seed);
    let mut patients: Vec<PatientSeed> = Vec::with_capacity(count);
    for index in 0..count {
        match generator.patient(index, &patients) {
            Some(patient) => patients.push(patient),
            // Only when every number is used, which MAX_PATIENTS prevents.
            None => break,
        }
    }
    patients
}

/// Patients in each repeating block of hard cases.
const BLOCK: usize = 50;

// Positions (index % BLOCK) of the hard cases; see the module docs.
const DOUBLE_BARRELLED: usize = 3;
const TWIN_A: usize = 7;
const TWIN_B: usize = 8;
const APOSTROPHE: usize = 11;
const SAME_NAME_A: usize = 15;
const ACCENTED: usize = 18;
const IDENTICAL_A: usize = 22;
const OPPOSITE_SEX_A: usize = 26;
const SPACED_SURNAME: usize = 29;
const SAME_NAME_B: usize = 33;
const NO_CONTACT: usize = 37;
const IDENTICAL_B: usize = 41;
const OPPOSITE_SEX_B: usize = 46;

/// The generator's state: the random stream and the two number allocators.
struct Generator {
    rng: ChaCha8Rng,
    nhs: NumberRange,
    pseudo: NumberRange,
}

impl Generator {
    fn new(seed: u64) -> Self {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let mut keys = || {
            [
                rng.next_u32(),
                rng.next_u32(),
                rng.next_u32(),
                rng.next_u32(),
            ]
        };
        let nhs = NumberRange::new(999_000_000, 1_000_000, keys());
        let pseudo = NumberRange::new(0, 10_000_000, keys());
        Self { rng, nhs, pseudo }
    }

    /// Patient `index`, given those before it.
    fn patient(&mut self, index: usize, before: &[PatientSeed]) -> Option<PatientSeed> {
        let rng = &mut self.rng;
        let slot = index % BLOCK;
        // The patient `back` places earlier in this block.
        let earlier = |back: usize| before.get(index - back);
        let mut patient = match slot {
            DOUBLE_BARRELLED => {
                let mut draft = Draft::random(rng);
                let second = loop {
                    let background = pick_background(rng, draft.area.nation);
                    let other = surname(rng, background, draft.sex);
                    if other != draft.surname {
                        break other;
                    }
                };
                draft.surname = format!("{}-{second}", draft.surname);
                draft.finish(rng)
            }
            TWIN_B => match earlier(TWIN_B - TWIN_A) {
                Some(twin) => twin_of(rng, twin),
                None => Draft::random(rng).finish(rng),
            },
            APOSTROPHE => {
                let mut draft = Draft::random(rng);
                let (name, background) = *pick(rng, APOSTROPHE_SURNAMES);
                draft.surname = name.to_owned();
                draft.first_name = first_name(rng, background, draft.sex, draft.born);
                draft.finish(rng)
            }
            ACCENTED => {
                let (name, sex, background) = *pick(rng, ACCENTED_FIRST_NAMES);
                let mut draft = Draft::with_sex(rng, sex);
                draft.first_name = name.to_owned();
                draft.surname = surname(rng, background, sex);
                draft.finish(rng)
            }
            OPPOSITE_SEX_A => {
                let mut draft = Draft::random(rng);
                draft.first_name = (*pick(rng, UNISEX_FIRST_NAMES)).to_owned();
                draft.finish(rng)
            }
            SPACED_SURNAME => {
                let mut draft = Draft::random(rng);
                draft.surname = (*pick(rng, SPACED_SURNAMES)).to_owned();
                draft.finish(rng)
            }
            NO_CONTACT => {
                let mut patient = Draft::random(rng).finish(rng);
                patient.house_number = None;
                patient.road = None;
                patient.town = None;
                patient.postcode = None;
                patient.home_telephone = None;
                patient.mobile_telephone = None;
                patient.email = None;
                patient
            }
            SAME_NAME_B | IDENTICAL_B | OPPOSITE_SEX_B => {
                let (back, same_born, same_sex) = match slot {
                    SAME_NAME_B => (SAME_NAME_B - SAME_NAME_A, false, true),
                    IDENTICAL_B => (IDENTICAL_B - IDENTICAL_A, true, true),
                    _ => (OPPOSITE_SEX_B - OPPOSITE_SEX_A, true, false),
                };
                match earlier(back) {
                    Some(other) => namesake_of(rng, other, same_born, same_sex),
                    None => Draft::random(rng).finish(rng),
                }
            }
            _ => Draft::random(rng).finish(rng),
        };
        match index % 1000 {
            49 => patient.sex = Sex::Unknown,
            549 => patient.sex = Sex::Indeterminate,
            _ => {}
        }
        if matches!(patient.sex, Sex::Unknown | Sex::Indeterminate) {
            patient.title = chance(rng, 500).then(|| "Mx".to_owned());
        }
        let nhs_number = if index % 2000 == 47 {
            None
        } else {
            self.nhs.next()
        };
        match nhs_number {
            Some(number) => patient.nhs_number = Some(number),
            None => {
                patient.pseudo_number = Some(self.pseudo.next()?.as_str().to_owned());
            }
        }
        Some(patient)
    }
}

/// The twin of `twin`: same household, surname and date of birth; a
/// different first name and their own mobile and email.
fn twin_of(rng: &mut ChaCha8Rng, twin: &PatientSeed) -> PatientSeed {
    let sex = if chance(rng, 500) {
        Sex::Male
    } else {
        Sex::Female
    };
    let area = area_of(twin);
    let background = pick_background(rng, area.nation);
    let born = twin.date_of_birth;
    let first = loop {
        let name = first_name(rng, background, sex, born);
        if name != twin.first_name {
            break name;
        }
    };
    let draft = Draft {
        area,
        sex,
        born,
        first_name: first,
        surname: twin.surname.clone(),
        background,
    };
    let mut patient = loop {
        let patient = draft.finish(rng);
        if !same_email(&patient, twin) {
            break patient;
        }
    };
    patient.house_number.clone_from(&twin.house_number);
    patient.road.clone_from(&twin.road);
    patient.town.clone_from(&twin.town);
    patient.postcode.clone_from(&twin.postcode);
    patient.home_telephone.clone_from(&twin.home_telephone);
    patient
}

/// An unrelated patient with the same first name and surname as `other`;
/// also the same date of birth when `same_born`, and the same sex when
/// `same_sex` (otherwise the other of male and female). The postcode always
/// differs, and so does the date of birth unless `same_born`.
fn namesake_of(
    rng: &mut ChaCha8Rng,
    other: &PatientSeed,
    same_born: bool,
    same_sex: bool,
) -> PatientSeed {
    let sex = match (same_sex, other.sex) {
        (true, sex) => sex,
        (false, Sex::Male) => Sex::Female,
        (false, _) => Sex::Male,
    };
    let mut draft = Draft::with_sex(rng, sex);
    draft.first_name.clone_from(&other.first_name);
    draft.surname.clone_from(&other.surname);
    if same_born {
        draft.born = other.date_of_birth;
    } else if draft.born == other.date_of_birth {
        draft.born = draft.born.pred_opt().unwrap_or(draft.born);
    }
    loop {
        let patient = draft.finish(rng);
        if patient.postcode != other.postcode && !same_email(&patient, other) {
            return patient;
        }
        draft.area = pick_area(rng);
    }
}

/// Whether two patients have the same email address (people who are not
/// one household do not share one).
fn same_email(a: &PatientSeed, b: &PatientSeed) -> bool {
    match (&a.email, &b.email) {
        (Some(a), Some(b)) => a.eq_ignore_case(b),
        _ => false,
    }
}

/// The area of a patient's postcode (or the first area if it has none).
fn area_of(patient: &PatientSeed) -> &'static Area {
    let outward = patient.postcode.as_ref().map(Postcode::outward);
    AREAS
        .iter()
        .find(|area| Some(area.outward) == outward)
        .unwrap_or(&AREAS[0])
}

/// The parts of a patient decided first, which the rest depends on.
#[derive(Debug, Clone)]
struct Draft {
    area: &'static Area,
    sex: Sex,
    born: NaiveDate,
    background: Background,
    first_name: String,
    surname: String,
}

impl Draft {
    fn random(rng: &mut ChaCha8Rng) -> Self {
        let sex = if chance(rng, 494) {
            Sex::Male
        } else {
            Sex::Female
        };
        Self::with_sex(rng, sex)
    }

    fn with_sex(rng: &mut ChaCha8Rng, sex: Sex) -> Self {
        let area = pick_area(rng);
        let born = date_of_birth(rng);
        let background = pick_background(rng, area.nation);
        // Some people's first name comes from a different background than
        // their surname (and vice versa).
        let first_background = if background != Background::English && chance(rng, 120) {
            Background::English
        } else {
            background
        };
        let surname_background = if background == Background::English && chance(rng, 40) {
            pick_background(rng, Nation::England)
        } else {
            background
        };
        Self {
            area,
            sex,
            born,
            background,
            first_name: first_name(rng, first_background, sex, born),
            surname: surname(rng, surname_background, sex),
        }
    }

    /// Fills in the rest of the patient. Leaves both numbers empty.
    fn finish(&self, rng: &mut ChaCha8Rng) -> PatientSeed {
        let age = age_on_reference_date(self.born);
        let area = self.area;
        let middle_names = match below(rng, 1000) {
            0..350 => Some(first_name(rng, self.background, self.sex, self.born)),
            350..410 => {
                let one = first_name(rng, self.background, self.sex, self.born);
                let two = first_name(rng, Background::English, self.sex, self.born);
                Some(format!("{one} {two}"))
            }
            _ => None,
        }
        .filter(|middle| *middle != self.first_name);
        let home_per_mille = match age {
            0..30 => 300,
            30..60 => 400,
            60..75 => 700,
            _ => 850,
        };
        let mobile_per_mille = match age {
            0..11 => 0,
            11..16 => 700,
            16..75 => 920,
            75..85 => 700,
            _ => 450,
        };
        let email_per_mille = match age {
            0..16 => 0,
            16..65 => 600,
            65..80 => 400,
            _ => 150,
        };
        let home_telephone = chance(rng, home_per_mille).then(|| {
            let number = format!("{}{:03}", area.landline, below(rng, 1000));
            PhoneNumber::parse(&number).ok()
        });
        let mobile_telephone = chance(rng, mobile_per_mille)
            .then(|| PhoneNumber::parse(&format!("07700 900{:03}", below(rng, 1000))).ok());
        let email = chance(rng, email_per_mille)
            .then(|| email(rng, &self.first_name, &self.surname, self.born));
        PatientSeed {
            nhs_number: None,
            pseudo_number: None,
            title: title(rng, self.sex, age),
            first_name: self.first_name.clone(),
            middle_names,
            surname: self.surname.clone(),
            date_of_birth: self.born,
            sex: self.sex,
            house_number: Some(house_number(rng, area.nation)),
            road: Some(road(rng, area.nation).to_owned()),
            town: Some(area.town.to_owned()),
            postcode: postcode(rng, area.outward),
            home_telephone: home_telephone.flatten(),
            mobile_telephone: mobile_telephone.flatten(),
            email: email.flatten(),
        }
    }
}

// ---------------------------------------------------------------------------
// Randomness.

/// A uniform number in `0..n` (`n` > 0), from 32 random bits. The bias is
/// below one in a million for the small `n` used here.
fn below(rng: &mut ChaCha8Rng, n: u32) -> u32 {
    ((u64::from(rng.next_u32()) * u64::from(n)) >> 32) as u32
}

/// True with probability `per_mille` / 1000.
fn chance(rng: &mut ChaCha8Rng, per_mille: u32) -> bool {
    below(rng, 1000) < per_mille
}

/// A uniformly chosen item of a non-empty slice.
fn pick<'a, T>(rng: &mut ChaCha8Rng, items: &'a [T]) -> &'a T {
    &items[below(rng, items.len() as u32) as usize]
}

/// An index into `weights`, chosen in proportion to the weights.
fn weighted(rng: &mut ChaCha8Rng, weights: impl Iterator<Item = u32> + Clone) -> usize {
    let total: u32 = weights.clone().sum();
    let mut target = below(rng, total.max(1));
    for (index, weight) in weights.enumerate() {
        if target < weight {
            return index;
        }
        target -= weight;
    }
    0
}

/// A keyed pseudo-random permutation of `0..size` (`size` ≤ 2^32): a
/// four-round Feistel network over the smallest even number of bits that
/// covers `size`, with cycle walking to stay below `size`.
#[derive(Debug, Clone)]
struct Permutation {
    size: u32,
    half_bits: u32,
    keys: [u32; 4],
}

impl Permutation {
    fn new(size: u32, keys: [u32; 4]) -> Self {
        let mut half_bits = 1;
        while u64::from(size) > 1u64 << (2 * half_bits) {
            half_bits += 1;
        }
        Self {
            size,
            half_bits,
            keys,
        }
    }

    fn apply(&self, index: u32) -> u32 {
        let mut x = index;
        loop {
            x = self.round_trip(x);
            if x < self.size {
                return x;
            }
        }
    }

    fn round_trip(&self, x: u32) -> u32 {
        let mask = (1u32 << self.half_bits) - 1;
        let (mut left, mut right) = (x >> self.half_bits, x & mask);
        for key in self.keys {
            let mixed = mix(right ^ key) & mask;
            (left, right) = (right, left ^ mixed);
        }
        (left << self.half_bits) | right
    }
}

/// MurmurHash3's 32-bit finaliser.
fn mix(mut x: u32) -> u32 {
    x ^= x >> 16;
    x = x.wrapping_mul(0x85eb_ca6b);
    x ^= x >> 13;
    x = x.wrapping_mul(0xc2b2_ae35);
    x ^ (x >> 16)
}

/// Hands out the valid numbers whose first nine digits are `base + 0` to
/// `base + size - 1`, each once, in a shuffled order.
#[derive(Debug, Clone)]
struct NumberRange {
    base: u32,
    order: Permutation,
    next: u32,
}

impl NumberRange {
    fn new(base: u32, size: u32, keys: [u32; 4]) -> Self {
        Self {
            base,
            order: Permutation::new(size, keys),
            next: 0,
        }
    }

    /// The next unused number, or `None` when all are used.
    fn next(&mut self) -> Option<NhsNumber> {
        while self.next < self.order.size {
            let prefix = self.base + self.order.apply(self.next);
            self.next += 1;
            if let Some(number) = NhsNumber::from_prefix(prefix) {
                return Some(number);
            }
        }
        None
    }
}

// ---------------------------------------------------------------------------
// Fields.

/// A date of birth, following the UK's population by five-year age band.
fn date_of_birth(rng: &mut ChaCha8Rng) -> NaiveDate {
    // Per mille of the population in each five-year band from 0-4 to 95-100
    // (ONS mid-year estimates, rounded).
    const BANDS: [u32; 20] = [
        54, 59, 60, 57, 60, 66, 69, 67, 63, 64, 70, 68, 59, 51, 50, 36, 25, 15, 7, 2,
    ];
    let band = weighted(rng, BANDS.iter().copied()) as u32;
    // Days back from the reference date: 5 years (6 for the last band, to
    // reach age 100) of 365.25 days.
    let years = if band == 19 { 6 } else { 5 };
    let first_day = band * 5 * 36525 / 100;
    let days = first_day + below(rng, years * 36525 / 100);
    REFERENCE_DATE
        .checked_sub_days(chrono::Days::new(u64::from(days)))
        .unwrap_or(REFERENCE_DATE)
}

/// Age in whole years on the reference date.
fn age_on_reference_date(born: NaiveDate) -> u32 {
    REFERENCE_DATE.years_since(born).unwrap_or(0)
}

fn title(rng: &mut ChaCha8Rng, sex: Sex, age: u32) -> Option<String> {
    let title = match (sex, age) {
        (Sex::Male, 0..16) => match below(rng, 100) {
            0..15 => "Master",
            _ => return None,
        },
        (Sex::Female, 0..16) => match below(rng, 100) {
            0..20 => "Miss",
            _ => return None,
        },
        (Sex::Male, _) => match below(rng, 1000) {
            0..25 if age >= 26 => "Dr",
            0..5 => "Mx",
            25..45 => return None,
            _ => "Mr",
        },
        (Sex::Female, 16..25) => match below(rng, 1000) {
            0..700 => "Miss",
            700..900 => "Ms",
            900..960 => "Mrs",
            960..970 => "Mx",
            _ => return None,
        },
        (Sex::Female, _) => match below(rng, 1000) {
            0..25 => "Dr",
            25..30 => "Mx",
            30..500 => "Mrs",
            500..720 => "Ms",
            720..980 => "Miss",
            _ => return None,
        },
        (_, _) => match below(rng, 2) {
            0 => "Mx",
            _ => return None,
        },
    };
    Some(title.to_owned())
}

fn house_number(rng: &mut ChaCha8Rng, nation: Nation) -> String {
    let number = 1 + below(rng, 160);
    match below(rng, 100) {
        0..82 => number.to_string(),
        82..88 => format!("{number}{}", pick(rng, &["A", "B", "C"])),
        88..97 => format!("Flat {}, {number}", 1 + below(rng, 12)),
        _ => {
            let names: &[&str] = match nation {
                Nation::Wales => &["Ty Gwyn", "Bryn Awel", "Hafod", "Rose Cottage"],
                Nation::Scotland => &["Braeside", "Glenview", "The Manse", "Rowan Cottage"],
                _ => &[
                    "Rose Cottage",
                    "The Old Rectory",
                    "Holly House",
                    "Orchard View",
                    "The Lodge",
                ],
            };
            (*pick(rng, names)).to_owned()
        }
    }
}

fn road(rng: &mut ChaCha8Rng, nation: Nation) -> &'static str {
    let local: &'static [&'static str] = match nation {
        Nation::Wales => WELSH_ROADS,
        Nation::Scotland => SCOTTISH_ROADS,
        Nation::NorthernIreland => NORTHERN_IRISH_ROADS,
        Nation::England => ROADS,
    };
    let list = if chance(rng, 200) { local } else { ROADS };
    list[below(rng, list.len() as u32) as usize]
}

/// A postcode in `outward` with a random inward code: a digit and two of
/// the letters inward codes use.
fn postcode(rng: &mut ChaCha8Rng, outward: &str) -> Option<Postcode> {
    const LETTERS: &[u8] = b"ABDEFGHJLNPQRSTUWXYZ";
    let digit = below(rng, 10);
    let first = char::from(*pick(rng, LETTERS));
    let second = char::from(*pick(rng, LETTERS));
    Postcode::parse(&format!("{outward} {digit}{first}{second}")).ok()
}

fn email(
    rng: &mut ChaCha8Rng,
    first_name: &str,
    surname: &str,
    born: NaiveDate,
) -> Option<EmailAddress> {
    use chrono::Datelike as _;
    let first = ascii_fold(first_name);
    let last = ascii_fold(surname);
    let local = match below(rng, 6) {
        0 => format!("{first}.{last}"),
        1 => format!("{first}{last}"),
        2 => format!("{first}.{last}{}", born.year() % 100),
        3 => format!("{}{last}", first.chars().next().unwrap_or('x')),
        4 => format!("{first}_{last}{}", below(rng, 100)),
        _ => format!("{last}.{first}"),
    };
    let domain = pick(rng, &["example.com", "example.org", "example.net"]);
    EmailAddress::parse(&format!("{local}@{domain}")).ok()
}

/// Lower-case ASCII for an email address: accents are dropped, anything
/// other than letters, digits and hyphens is removed.
fn ascii_fold(name: &str) -> String {
    name.chars()
        .flat_map(char::to_lowercase)
        .filter_map(|c| {
            let plain = match c {
                'a'..='z' | '0'..='9' | '-' => c,
                'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' | 'ą' => 'a',
                'ç' | 'ć' | 'č' => 'c',
                'è' | 'é' | 'ê' | 'ë' | 'ę' => 'e',
                'ì' | 'í' | 'î' | 'ï' | 'ı' => 'i',
                'ł' => 'l',
                'ñ' | 'ń' => 'n',
                'ò' | 'ó' | 'ô' | 'õ' | 'ö' | 'ø' => 'o',
                'ś' | 'ş' | 'š' => 's',
                'ù' | 'ú' | 'û' | 'ü' => 'u',
                'ŵ' => 'w',
                'ý' | 'ÿ' | 'ŷ' => 'y',
                'ź' | 'ż' | 'ž' => 'z',
                'ğ' => 'g',
                _ => return None,
            };
            Some(plain)
        })
        .collect()
}

fn first_name(rng: &mut ChaCha8Rng, background: Background, sex: Sex, born: NaiveDate) -> String {
    use chrono::Datelike as _;
    let lists = background.names();
    let sex = match sex {
        Sex::Male | Sex::Female => sex,
        _ if chance(rng, 500) => Sex::Male,
        _ => Sex::Female,
    };
    let (older, younger, any) = if sex == Sex::Male {
        (lists.male_older, lists.male_younger, lists.male)
    } else {
        (lists.female_older, lists.female_younger, lists.female)
    };
    // Older names for people born before 1970, newer ones after 1995.
    let year = born.year();
    let list = match below(rng, 100) {
        0..55 if year < 1970 && !older.is_empty() => older,
        0..50 if year > 1995 && !younger.is_empty() => younger,
        _ => any,
    };
    (*pick(rng, list)).to_owned()
}

fn surname(rng: &mut ChaCha8Rng, background: Background, sex: Sex) -> String {
    let name = *pick(rng, background.names().surnames);
    if background == Background::Polish && sex == Sex::Female {
        // Kowalski, Wiśniewski, Zawadzki become Kowalska, Wiśniewska,
        // Zawadzka.
        if let Some(stem) = name.strip_suffix("ki") {
            return format!("{stem}ka");
        }
    }
    name.to_owned()
}

// ---------------------------------------------------------------------------
// Areas.

/// The four nations, whose mix of names differs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Nation {
    England,
    Wales,
    Scotland,
    NorthernIreland,
}

/// An outward code with its town and drama telephone range.
#[derive(Debug)]
struct Area {
    outward: &'static str,
    town: &'static str,
    nation: Nation,
    /// A drama landline range without its last three digits.
    landline: &'static str,
    /// Relative share of patients.
    weight: u32,
}

const fn area(
    outward: &'static str,
    town: &'static str,
    nation: Nation,
    landline: &'static str,
    weight: u32,
) -> Area {
    Area {
        outward,
        town,
        nation,
        landline,
        weight,
    }
}

const LEEDS: &str = "0113 496 0";
const SHEFFIELD: &str = "0114 496 0";
const NOTTINGHAM: &str = "0115 496 0";
const LEICESTER: &str = "0116 496 0";
const BRISTOL: &str = "0117 496 0";
const READING: &str = "0118 496 0";
const BIRMINGHAM: &str = "0121 496 0";
const EDINBURGH: &str = "0131 496 0";
const GLASGOW: &str = "0141 496 0";
const LIVERPOOL: &str = "0151 496 0";
const MANCHESTER: &str = "0161 496 0";
const TYNESIDE: &str = "0191 498 0";
const LONDON: &str = "020 7946 0";
const NORTHERN_IRELAND: &str = "028 9649 6";
const CARDIFF: &str = "029 2018 0";
const NO_AREA: &str = "01632 960";

use Nation::{England, NorthernIreland, Scotland, Wales};

static AREAS: &[Area] = &[
    area("LS6", "Leeds", England, LEEDS, 30),
    area("LS8", "Leeds", England, LEEDS, 20),
    area("LS11", "Leeds", England, LEEDS, 15),
    area("M14", "Manchester", England, MANCHESTER, 30),
    area("M20", "Manchester", England, MANCHESTER, 20),
    area("M8", "Manchester", England, MANCHESTER, 15),
    area("B15", "Birmingham", England, BIRMINGHAM, 25),
    area("B11", "Birmingham", England, BIRMINGHAM, 25),
    area("B23", "Birmingham", England, BIRMINGHAM, 15),
    area("SW11", "London", England, LONDON, 30),
    area("E17", "London", England, LONDON, 30),
    area("N16", "London", England, LONDON, 25),
    area("SE15", "London", England, LONDON, 25),
    area("NW10", "London", England, LONDON, 25),
    area("W12", "London", England, LONDON, 20),
    area("E1", "London", England, LONDON, 20),
    area("S10", "Sheffield", England, SHEFFIELD, 20),
    area("NG7", "Nottingham", England, NOTTINGHAM, 20),
    area("LE2", "Leicester", England, LEICESTER, 20),
    area("BS6", "Bristol", England, BRISTOL, 20),
    area("RG1", "Reading", England, READING, 15),
    area("L15", "Liverpool", England, LIVERPOOL, 20),
    area("NE6", "Newcastle upon Tyne", England, TYNESIDE, 20),
    area("SR4", "Sunderland", England, TYNESIDE, 10),
    area("YO10", "York", England, NO_AREA, 10),
    area("OX4", "Oxford", England, NO_AREA, 10),
    area("CB1", "Cambridge", England, NO_AREA, 10),
    area("NR2", "Norwich", England, NO_AREA, 10),
    area("EX4", "Exeter", England, NO_AREA, 10),
    area("TR1", "Truro", England, NO_AREA, 5),
    area("PL4", "Plymouth", England, NO_AREA, 10),
    area("BD8", "Bradford", England, NO_AREA, 15),
    area("PR1", "Preston", England, NO_AREA, 10),
    area("HU5", "Hull", England, NO_AREA, 10),
    area("DE23", "Derby", England, NO_AREA, 10),
    area("CV1", "Coventry", England, NO_AREA, 10),
    area("LN2", "Lincoln", England, NO_AREA, 5),
    area("CA1", "Carlisle", England, NO_AREA, 5),
    area("CF24", "Cardiff", Wales, CARDIFF, 20),
    area("CF5", "Cardiff", Wales, CARDIFF, 15),
    area("SA1", "Swansea", Wales, NO_AREA, 10),
    area("NP20", "Newport", Wales, NO_AREA, 8),
    area("LL57", "Bangor", Wales, NO_AREA, 5),
    area("SY23", "Aberystwyth", Wales, NO_AREA, 4),
    area("EH7", "Edinburgh", Scotland, EDINBURGH, 20),
    area("EH11", "Edinburgh", Scotland, EDINBURGH, 15),
    area("G12", "Glasgow", Scotland, GLASGOW, 20),
    area("G31", "Glasgow", Scotland, GLASGOW, 20),
    area("AB24", "Aberdeen", Scotland, NO_AREA, 10),
    area("DD1", "Dundee", Scotland, NO_AREA, 8),
    area("IV2", "Inverness", Scotland, NO_AREA, 5),
    area("BT9", "Belfast", NorthernIreland, NORTHERN_IRELAND, 12),
    area("BT7", "Belfast", NorthernIreland, NORTHERN_IRELAND, 10),
    area("BT48", "Londonderry", NorthernIreland, NORTHERN_IRELAND, 6),
    area("BT60", "Armagh", NorthernIreland, NORTHERN_IRELAND, 3),
];

fn pick_area(rng: &mut ChaCha8Rng) -> &'static Area {
    &AREAS[weighted(rng, AREAS.iter().map(|area| area.weight))]
}

#[rustfmt::skip]
static ROADS: &[&str] = &[
    "Station Road", "High Street", "Church Street", "Church Lane", "Main Street", "Park Road",
    "Park Avenue", "Victoria Road", "Victoria Street", "Queen's Road", "King's Road", "Albert Road",
    "Mill Lane", "School Lane", "New Road", "North Road", "South Street", "West Street",
    "London Road", "Manor Road", "The Avenue", "The Crescent", "Green Lane", "Springfield Road",
    "Grange Road", "Highfield Road", "Kingsway", "Windsor Road", "Stanley Road", "Richmond Road",
    "York Road", "George Street", "Chapel Street", "Beech Grove", "Oak Avenue", "Elm Grove",
    "Willow Close", "Cedar Drive", "Meadow Way", "Orchard Close", "St John's Road",
    "St Mary's Close", "Alexandra Road", "Cromwell Road", "Clarence Street", "Brook Street",
    "Hill View", "Rosemary Lane", "Foxglove Close", "Primrose Hill", "Acacia Avenue",
    "Lime Tree Walk", "Nelson Street", "Wellington Road", "Princess Street", "Market Street",
    "Bridge Street", "Castle Street", "Garden Terrace", "Riverside Walk",
];

#[rustfmt::skip]
static WELSH_ROADS: &[&str] = &[
    "Heol y Parc", "Heol Eglwys", "Ffordd yr Orsaf", "Heol y Felin", "Stryd Fawr", "Heol Isaf",
    "Ffordd Llanbedr", "Lôn Goed",
];

#[rustfmt::skip]
static SCOTTISH_ROADS: &[&str] = &[
    "Kirk Wynd", "Burnside Crescent", "Station Brae", "Glebe Street", "Loch View",
    "Craigmount Gardens", "Thistle Place", "Braeside Drive",
];

#[rustfmt::skip]
static NORTHERN_IRISH_ROADS: &[&str] = &[
    "Lisburn Road", "Glen Road", "Shore Road", "Orchard Grove", "Mourne View", "Lough Road",
];

// ---------------------------------------------------------------------------
// Names.

/// Where a name comes from, which decides the lists it is drawn from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Background {
    English,
    Welsh,
    Scottish,
    Irish,
    SouthAsianMuslim,
    SouthAsianHinduSikh,
    Polish,
    WestAfrican,
    Caribbean,
    Chinese,
    SomaliArab,
    SouthernEuropean,
}

/// The name lists for a background. The `_older` and `_younger` lists hold
/// first names typical of people born before 1970 and after 1995; they may
/// be empty.
#[derive(Debug)]
struct Names {
    male: &'static [&'static str],
    male_older: &'static [&'static str],
    male_younger: &'static [&'static str],
    female: &'static [&'static str],
    female_older: &'static [&'static str],
    female_younger: &'static [&'static str],
    surnames: &'static [&'static str],
}

const ALL_BACKGROUNDS: [Background; 12] = [
    Background::English,
    Background::Welsh,
    Background::Scottish,
    Background::Irish,
    Background::SouthAsianMuslim,
    Background::SouthAsianHinduSikh,
    Background::Polish,
    Background::WestAfrican,
    Background::Caribbean,
    Background::Chinese,
    Background::SomaliArab,
    Background::SouthernEuropean,
];

impl Background {
    /// Per mille of patients with this background in each nation.
    fn weight(self, nation: Nation) -> u32 {
        let (england, wales, scotland, northern_ireland) = match self {
            Background::English => (640, 420, 200, 180),
            Background::Welsh => (20, 420, 10, 5),
            Background::Scottish => (30, 20, 600, 200),
            Background::Irish => (30, 15, 60, 540),
            Background::SouthAsianMuslim => (65, 30, 30, 5),
            Background::SouthAsianHinduSikh => (55, 20, 20, 10),
            Background::Polish => (40, 25, 30, 30),
            Background::WestAfrican => (35, 15, 15, 5),
            Background::Caribbean => (25, 5, 5, 2),
            Background::Chinese => (20, 10, 15, 10),
            Background::SomaliArab => (25, 10, 10, 3),
            Background::SouthernEuropean => (15, 10, 5, 10),
        };
        match nation {
            Nation::England => england,
            Nation::Wales => wales,
            Nation::Scotland => scotland,
            Nation::NorthernIreland => northern_ireland,
        }
    }

    fn names(self) -> &'static Names {
        match self {
            Background::English => &ENGLISH,
            Background::Welsh => &WELSH,
            Background::Scottish => &SCOTTISH,
            Background::Irish => &IRISH,
            Background::SouthAsianMuslim => &SOUTH_ASIAN_MUSLIM,
            Background::SouthAsianHinduSikh => &SOUTH_ASIAN_HINDU_SIKH,
            Background::Polish => &POLISH,
            Background::WestAfrican => &WEST_AFRICAN,
            Background::Caribbean => &CARIBBEAN,
            Background::Chinese => &CHINESE,
            Background::SomaliArab => &SOMALI_ARAB,
            Background::SouthernEuropean => &SOUTHERN_EUROPEAN,
        }
    }
}

fn pick_background(rng: &mut ChaCha8Rng, nation: Nation) -> Background {
    ALL_BACKGROUNDS[weighted(rng, ALL_BACKGROUNDS.iter().map(|b| b.weight(nation)))]
}

const NONE: &[&str] = &[];

#[rustfmt::skip]
static ENGLISH: Names = Names {
    male: &[
        "James", "John", "David", "Michael", "Paul", "Andrew", "Richard", "Mark", "Thomas",
        "Daniel", "Matthew", "Christopher", "William", "Robert", "Peter", "Stephen", "Simon",
        "Jonathan", "Benjamin", "Samuel", "Joseph", "Edward", "Adam", "Luke", "Nathan", "Ryan",
        "Jack", "Harry", "George", "Henry", "Charles", "Alexander", "Nicholas", "Timothy", "Philip",
        "Martin", "Anthony", "Ian", "Craig", "Lee", "Scott", "Neil", "Jason",
    ],
    male_older: &[
        "Kenneth", "Ronald", "Derek", "Colin", "Keith", "Trevor", "Graham", "Geoffrey", "Dennis",
        "Roy", "Leslie", "Alan", "Barry", "Terence", "Malcolm", "Brian", "Raymond", "Gordon",
        "Norman", "Harold", "Stanley", "Frank", "Albert", "Ernest", "Clifford", "Gerald", "Roger",
        "Nigel", "Clive", "Bernard",
    ],
    male_younger: &[
        "Oliver", "Noah", "Leo", "Arthur", "Oscar", "Charlie", "Jacob", "Alfie", "Freddie", "Theo",
        "Archie", "Teddy", "Finley", "Reggie", "Albie", "Tommy", "Ronnie", "Jude", "Harrison",
        "Mason", "Logan", "Riley", "Ethan", "Jayden", "Kai", "Louie", "Max", "Rory", "Toby",
        "Zachary",
    ],
    female: &[
        "Sarah", "Emma", "Laura", "Rebecca", "Rachel", "Hannah", "Charlotte", "Katherine",
        "Elizabeth", "Victoria", "Helen", "Claire", "Nicola", "Joanne", "Lisa", "Emily", "Amy",
        "Jessica", "Lucy", "Sophie", "Alice", "Anna", "Jennifer", "Louise", "Natalie", "Amanda",
        "Michelle", "Kelly", "Gemma", "Stephanie", "Jane", "Catherine", "Caroline", "Rosie",
        "Lauren", "Hayley", "Zoe", "Chloe", "Kate", "Abigail",
    ],
    female_older: &[
        "Margaret", "Patricia", "Susan", "Linda", "Christine", "Janet", "Carol", "Pauline",
        "Doreen", "Joan", "Irene", "Dorothy", "Sheila", "Brenda", "Maureen", "Valerie", "Gillian",
        "Wendy", "Barbara", "Jean", "Sandra", "Elaine", "Beryl", "Sylvia", "Marjorie", "Hilda",
        "Jacqueline", "Deborah", "Tracey", "Julie",
    ],
    female_younger: &[
        "Olivia", "Amelia", "Isla", "Ava", "Mia", "Ivy", "Lily", "Isabella", "Sophia", "Grace",
        "Freya", "Florence", "Willow", "Evie", "Poppy", "Ella", "Millie", "Daisy", "Harper",
        "Matilda", "Elsie", "Phoebe", "Ruby", "Maisie", "Esme", "Bonnie", "Sienna", "Aria",
        "Imogen", "Thea",
    ],
    surnames: &[
        "Smith", "Jones", "Taylor", "Brown", "Williams", "Wilson", "Johnson", "Davies", "Robinson",
        "Wright", "Thompson", "Evans", "Walker", "White", "Roberts", "Green", "Hall", "Wood",
        "Jackson", "Clarke", "Harris", "Edwards", "Turner", "Martin", "Cooper", "Hill", "Ward",
        "Hughes", "Moore", "Clark", "King", "Harrison", "Lewis", "Baker", "Lee", "Allen", "Morris",
        "Khan", "Scott", "Watson", "Davis", "Parker", "James", "Bennett", "Young", "Phillips",
        "Richardson", "Mitchell", "Bailey", "Carter", "Cook", "Singh", "Shaw", "Bell", "Collins",
        "Morgan", "Kelly", "Begum", "Miller", "Cox", "Hussain", "Marshall", "Simpson", "Price",
        "Anderson", "Adams", "Wilkinson", "Ali", "Ahmed", "Foster", "Ellis", "Murphy", "Chapman",
        "Mason", "Gray", "Richards", "Webb", "Griffiths", "Hunt", "Palmer", "Campbell", "Holmes",
        "Mills", "Rogers", "Barnes", "Knight", "Matthews", "Barker", "Powell", "Stevens", "Kaur",
        "Fisher", "Butler", "Dixon", "Russell", "Harvey", "Pearson", "Graham", "Fletcher",
        "Lawrence", "Atkinson", "Holland", "Dawson", "Gibson", "Spencer", "Pearce", "Lloyd",
        "Armstrong", "Hudson", "Burton", "Fox", "Lane", "Rose", "Sutton", "Fowler", "Hartley",
        "Newman", "Booth", "Pritchard",
    ],
};

#[rustfmt::skip]
static WELSH: Names = Names {
    male: &[
        "Dafydd", "Rhys", "Gareth", "Gethin", "Iolo", "Emrys", "Owain", "Huw", "Ieuan", "Rhodri",
        "Aled", "Bryn", "Cai", "Dylan", "Elis", "Geraint", "Gwilym", "Idris", "Llŷr", "Macsen",
        "Osian", "Steffan", "Tomos", "Wyn",
    ],
    male_older: NONE,
    male_younger: NONE,
    female: &[
        "Cerys", "Angharad", "Bethan", "Carys", "Ffion", "Gwen", "Megan", "Nia", "Seren", "Siân",
        "Rhiannon", "Eleri", "Lowri", "Catrin", "Alys", "Efa", "Elin", "Gwenllian", "Heledd",
        "Mali", "Manon", "Non", "Sioned", "Tegan",
    ],
    female_older: NONE,
    female_younger: NONE,
    surnames: &[
        "Jones", "Williams", "Davies", "Evans", "Thomas", "Roberts", "Lewis", "Hughes", "Morgan",
        "Griffiths", "Owen", "Price", "Jenkins", "Rees", "Pritchard", "Llewellyn", "Bowen",
        "Powell", "Parry", "Vaughan", "Pugh", "Prosser", "Probert", "Howells", "ap Rhys",
        "Gruffydd", "Bevan", "Meredith", "Tudor", "Cadwaladr",
    ],
};

#[rustfmt::skip]
static SCOTTISH: Names = Names {
    male: &[
        "Callum", "Angus", "Euan", "Fraser", "Hamish", "Ewan", "Alasdair", "Ruaridh", "Calum",
        "Finlay", "Lachlan", "Murdo", "Struan", "Duncan", "Iain", "Craig", "Graeme", "Gregor",
        "Kenneth", "Ross", "Stuart", "Alistair", "Douglas", "Archie",
    ],
    male_older: NONE,
    male_younger: NONE,
    female: &[
        "Eilidh", "Isla", "Morag", "Kirsty", "Mhairi", "Ailsa", "Fiona", "Catriona", "Shona",
        "Iona", "Kirstin", "Morven", "Rhona", "Skye", "Heather", "Lorna", "Elspeth", "Jeanie",
        "Kenna", "Ishbel", "Mairi", "Freya", "Innes", "Aileen",
    ],
    female_older: NONE,
    female_younger: NONE,
    surnames: &[
        "Campbell", "MacDonald", "Stewart", "Robertson", "Thomson", "Anderson", "Murray", "Reid",
        "Ross", "Fraser", "MacKenzie", "MacLeod", "Paterson", "Morrison", "Hamilton", "Sinclair",
        "Cameron", "Ferguson", "Gordon", "Johnstone", "McGregor", "Munro", "Buchanan", "Kerr",
        "Mackay", "McLean", "Drummond", "Urquhart", "Forsyth", "Galbraith",
    ],
};

#[rustfmt::skip]
static IRISH: Names = Names {
    male: &[
        "Seán", "Ciarán", "Pádraig", "Eoin", "Cian", "Oisín", "Darragh", "Conor", "Niall", "Cathal",
        "Declan", "Donal", "Fergal", "Liam", "Ronan", "Rory", "Tadhg", "Colm", "Diarmuid", "Fionn",
        "Cillian", "Shane", "Aidan", "Kieran",
    ],
    male_older: NONE,
    male_younger: NONE,
    female: &[
        "Aoife", "Niamh", "Siobhán", "Saoirse", "Ciara", "Róisín", "Caoimhe", "Orla", "Sinéad",
        "Áine", "Gráinne", "Deirdre", "Clodagh", "Aisling", "Bríd", "Eimear", "Fionnuala", "Maeve",
        "Nuala", "Orlaith", "Shauna", "Sorcha", "Úna", "Catríona",
    ],
    female_older: NONE,
    female_younger: NONE,
    surnames: &[
        "Murphy", "Kelly", "O'Sullivan", "Walsh", "O'Brien", "Byrne", "Ryan", "O'Connor", "O'Neill",
        "O'Reilly", "Doyle", "McCarthy", "Gallagher", "O'Doherty", "Kennedy", "Lynch", "Murray",
        "Quinn", "Moore", "McLaughlin", "O'Donnell", "Devlin", "McCann", "Hughes", "Brennan",
        "Doherty", "Maguire", "Ó Briain", "Mac Giolla", "Fitzgerald",
    ],
};

#[rustfmt::skip]
static SOUTH_ASIAN_MUSLIM: Names = Names {
    male: &[
        "Mohammed", "Muhammad", "Ali", "Ahmed", "Hassan", "Ibrahim", "Yusuf", "Omar", "Imran",
        "Bilal", "Zain", "Hamza", "Adnan", "Tariq", "Asif", "Shahid", "Nadeem", "Rizwan", "Faisal",
        "Usman", "Zubair", "Abdul", "Rahim", "Shafiq", "Anwar", "Mahmood",
    ],
    male_older: NONE,
    male_younger: NONE,
    female: &[
        "Aisha", "Fatima", "Maryam", "Zainab", "Ayesha", "Noor", "Amira", "Nadia", "Shabana",
        "Sana", "Samina", "Rukhsana", "Nasreen", "Parveen", "Hafsa", "Iqra", "Khadija", "Mehreen",
        "Rabia", "Sadia", "Tahira", "Yasmin", "Zara", "Shazia", "Farzana",
    ],
    female_older: NONE,
    female_younger: NONE,
    surnames: &[
        "Khan", "Ahmed", "Hussain", "Ali", "Begum", "Rahman", "Islam", "Akhtar", "Mahmood", "Iqbal",
        "Shah", "Malik", "Chaudhry", "Butt", "Qureshi", "Raza", "Bibi", "Uddin", "Miah", "Sheikh",
        "Anwar", "Javed", "Siddiqui", "Mirza", "Rashid",
    ],
};

#[rustfmt::skip]
static SOUTH_ASIAN_HINDU_SIKH: Names = Names {
    male: &[
        "Arjun", "Rohan", "Aarav", "Krish", "Harjit", "Amrit", "Sanjay", "Rajesh", "Vikram", "Ravi",
        "Anil", "Sunil", "Deepak", "Nikhil", "Rahul", "Vijay", "Suresh", "Manoj", "Jaswinder",
        "Sukhwinder", "Balwinder", "Gurdeep", "Ranjit", "Dev", "Ishaan", "Kabir",
    ],
    male_older: NONE,
    male_younger: NONE,
    female: &[
        "Priya", "Anjali", "Simran", "Harpreet", "Sunita", "Pooja", "Deepa", "Kiran", "Neha",
        "Meera", "Asha", "Geeta", "Nisha", "Rani", "Shreya", "Divya", "Kavita", "Lakshmi",
        "Jaspreet", "Manpreet", "Rajinder", "Sukhjit", "Ananya", "Diya", "Tara",
    ],
    female_older: NONE,
    female_younger: NONE,
    surnames: &[
        "Patel", "Singh", "Kaur", "Sharma", "Shah", "Gill", "Sandhu", "Sidhu", "Dhillon", "Kumar",
        "Mistry", "Chauhan", "Joshi", "Mehta", "Gupta", "Parmar", "Rai", "Bains", "Grewal", "Kang",
        "Thakrar", "Lad", "Desai", "Pillai", "Nair", "Iyer", "Reddy",
    ],
};

#[rustfmt::skip]
static POLISH: Names = Names {
    male: &[
        "Łukasz", "Piotr", "Krzysztof", "Tomasz", "Jakub", "Michał", "Paweł", "Mateusz", "Wojciech",
        "Marcin", "Kamil", "Grzegorz", "Bartosz", "Dawid", "Adam", "Marek", "Andrzej", "Szymon",
        "Rafał", "Przemysław",
    ],
    male_older: NONE,
    male_younger: NONE,
    female: &[
        "Agnieszka", "Katarzyna", "Małgorzata", "Magdalena", "Joanna", "Zofia", "Ewa", "Anna",
        "Monika", "Aleksandra", "Karolina", "Justyna", "Natalia", "Weronika", "Dorota", "Beata",
        "Iwona", "Marta", "Paulina", "Żaneta",
    ],
    female_older: NONE,
    female_younger: NONE,
    surnames: &[
        "Nowak", "Kowalski", "Wiśniewski", "Wójcik", "Kowalczyk", "Kamiński", "Lewandowski",
        "Zieliński", "Szymański", "Woźniak", "Dąbrowski", "Kozłowski", "Jankowski", "Mazur",
        "Kwiatkowski", "Krawczyk", "Piotrowski", "Grabowski", "Zawadzki", "Pawlak", "Michalski",
        "Król", "Wieczorek", "Jabłoński", "Majewski",
    ],
};

#[rustfmt::skip]
static WEST_AFRICAN: Names = Names {
    male: &[
        "Chinedu", "Emeka", "Oluwaseun", "Tunde", "Kwame", "Kofi", "Kwabena", "Femi", "Obinna",
        "Chukwuemeka", "Adebayo", "Babatunde", "Ikenna", "Olumide", "Yaw", "Kwaku", "Segun", "Tobi",
        "Damilola", "Chidi", "Ifeanyi", "Musa",
    ],
    male_older: NONE,
    male_younger: NONE,
    female: &[
        "Ifeoma", "Ngozi", "Chioma", "Adaeze", "Abena", "Ama", "Akosua", "Funmilayo", "Folake",
        "Yetunde", "Blessing", "Precious", "Temitope", "Adwoa", "Efua", "Nneka", "Amaka",
        "Titilayo", "Bukola", "Esi", "Ebunoluwa", "Zainab",
    ],
    female_older: NONE,
    female_younger: NONE,
    surnames: &[
        "Okafor", "Adeyemi", "Mensah", "Okonkwo", "Adebayo", "Boateng", "Owusu", "Asante", "Oduya",
        "Eze", "Nwosu", "Ogunleye", "Oyelaran", "Adjei", "Osei", "Appiah", "Balogun", "Olawale",
        "Chukwu", "Afolabi", "Danso", "Obi", "Abiodun", "Ibekwe",
    ],
};

#[rustfmt::skip]
static CARIBBEAN: Names = Names {
    male: &[
        "Marcus", "Tyrone", "Delroy", "Winston", "Leroy", "Jermaine", "Andre", "Clive", "Errol",
        "Desmond", "Courtney", "Dwayne", "Kofi", "Lloyd", "Trevor", "Nathaniel", "Elijah", "Isaiah",
        "Josiah", "Malachi",
    ],
    male_older: NONE,
    male_younger: NONE,
    female: &[
        "Shanice", "Marcia", "Beverley", "Claudette", "Jade", "Monique", "Paulette", "Hyacinth",
        "Sonia", "Yvonne", "Keisha", "Tanisha", "Simone", "Naomi", "Tiana", "Jasmine", "Precious",
        "Patience", "Gloria", "Cherelle",
    ],
    female_older: NONE,
    female_younger: NONE,
    surnames: &[
        "Campbell", "Brown", "Williams", "Clarke", "Francis", "Thompson", "Bailey", "Grant", "Reid",
        "Henry", "Gayle", "Facey", "Blake", "Richards", "Samuels", "Morgan", "Stewart", "Barrett",
        "Simpson", "McKenzie", "Powell", "Gordon", "Lindo", "Forbes",
    ],
};

#[rustfmt::skip]
static CHINESE: Names = Names {
    male: &[
        "Wei", "Jun", "Hao", "Ming", "Jian", "Chen", "Kai", "Yong", "Zhi", "Tao", "Wing", "Kwok",
        "Chi", "Lok",
    ],
    male_older: NONE,
    male_younger: NONE,
    female: &[
        "Mei", "Xin", "Li", "Ying", "Hui", "Jing", "Lan", "Yan", "Xiu", "Ling", "Wai", "Siu", "Man",
        "Yee",
    ],
    female_older: NONE,
    female_younger: NONE,
    surnames: &[
        "Wang", "Li", "Zhang", "Liu", "Chen", "Yang", "Huang", "Zhao", "Wu", "Zhou", "Chan", "Wong",
        "Cheung", "Lau", "Ng", "Leung", "Ho", "Tang", "Lam", "Yip",
    ],
};

#[rustfmt::skip]
static SOMALI_ARAB: Names = Names {
    male: &[
        "Abdi", "Abdullahi", "Mohamed", "Ahmed", "Hassan", "Abdirahman", "Mustafa", "Khalid",
        "Yasin", "Idris", "Karim", "Samir", "Tariq", "Walid", "Nasser", "Youssef", "Hamid", "Salim",
    ],
    male_older: NONE,
    male_younger: NONE,
    female: &[
        "Hodan", "Ayaan", "Hawa", "Fadumo", "Hibo", "Sahra", "Ifrah", "Nasra", "Layla", "Amina",
        "Fatima", "Mariam", "Rania", "Samira", "Huda", "Leila", "Yasmin", "Salma",
    ],
    female_older: NONE,
    female_younger: NONE,
    surnames: &[
        "Ali", "Mohamed", "Hassan", "Abdi", "Osman", "Farah", "Warsame", "Jama", "Hussein", "Nur",
        "Ibrahim", "Yusuf", "Aden", "Haji", "Mahamed", "Al-Sayed", "Al-Hashimi", "El-Masri",
        "Haddad", "Saleh", "Nasser", "Mansour",
    ],
};

#[rustfmt::skip]
static SOUTHERN_EUROPEAN: Names = Names {
    male: &[
        "José", "João", "Gonçalo", "Tiago", "Rui", "Pedro", "Miguel", "Carlos", "Javier",
        "Alejandro", "Marco", "Luca", "Giovanni", "Francesco", "Alessandro", "Nikos", "Georgios",
        "Dimitris", "Andrei", "Mihai",
    ],
    male_older: NONE,
    male_younger: NONE,
    female: &[
        "Inês", "Beatriz", "Mariana", "Ana", "María", "Lucía", "Carmen", "Sofía", "Giulia",
        "Francesca", "Chiara", "Elena", "Maria", "Eleni", "Ioana", "Andreea", "Raquel", "Marta",
        "Patrícia",
    ],
    female_older: NONE,
    female_younger: NONE,
    surnames: &[
        "Silva", "Santos", "Ferreira", "Pereira", "Oliveira", "Costa", "Rodrigues", "Gonçalves",
        "Fernández", "García", "Martínez", "López", "Gómez", "Pérez", "Núñez", "Rossi", "Russo",
        "Esposito", "Romano", "Ricci", "Papadopoulos", "Georgiou", "Popescu", "Ionescu",
    ],
};

/// Unisex first names, for the pair that differ only in sex.
#[rustfmt::skip]
static UNISEX_FIRST_NAMES: &[&str] = &[
    "Alex", "Sam", "Jordan", "Charlie", "Jamie", "Robin", "Kiran", "Morgan", "Taylor", "Frankie",
    "Jesse", "Ashley", "Sasha", "Riley", "Rowan", "Gurpreet", "Harpreet", "Nicky", "Jo", "Chris",
];

/// Surnames with an apostrophe, and the background of the first names that
/// go with them.
static APOSTROPHE_SURNAMES: &[(&str, Background)] = &[
    ("O'Brien", Background::Irish),
    ("O'Neill", Background::Irish),
    ("O'Connor", Background::Irish),
    ("O'Sullivan", Background::Irish),
    ("O'Reilly", Background::Irish),
    ("O'Hara", Background::Irish),
    ("O'Leary", Background::English),
    ("O'Donnell", Background::Scottish),
    ("D'Souza", Background::English),
    ("D'Cruz", Background::English),
    ("D'Mello", Background::English),
    ("D'Costa", Background::SouthernEuropean),
    ("D'Arcy", Background::English),
    ("D'Angelo", Background::SouthernEuropean),
];

/// Surnames with a space.
#[rustfmt::skip]
static SPACED_SURNAMES: &[&str] = &[
    "van der Berg", "Van Dijk", "van den Bosch", "de Vries", "Da Silva", "dos Santos", "de la Cruz",
    "De Souza", "Le Roux", "St Clair", "Abu Bakr", "Ó Briain", "Mac Giolla",
];

/// Accented first names, their sex, and the background of the surnames that
/// go with them.
static ACCENTED_FIRST_NAMES: &[(&str, Sex, Background)] = &[
    ("Zoë", Sex::Female, Background::English),
    ("Chloé", Sex::Female, Background::English),
    ("Renée", Sex::Female, Background::English),
    ("Noémie", Sex::Female, Background::English),
    ("Jérôme", Sex::Male, Background::English),
    ("Siân", Sex::Female, Background::Welsh),
    ("Llŷr", Sex::Male, Background::Welsh),
    ("Seán", Sex::Male, Background::Irish),
    ("Ciarán", Sex::Male, Background::Irish),
    ("Siobhán", Sex::Female, Background::Irish),
    ("Róisín", Sex::Female, Background::Irish),
    ("José", Sex::Male, Background::SouthernEuropean),
    ("João", Sex::Male, Background::SouthernEuropean),
    ("Inês", Sex::Female, Background::SouthernEuropean),
    ("Łukasz", Sex::Male, Background::Polish),
    ("Michał", Sex::Male, Background::Polish),
    ("Małgorzata", Sex::Female, Background::Polish),
    ("Żaneta", Sex::Female, Background::Polish),
];

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use std::collections::HashSet;

    use super::*;

    fn all_names() -> impl Iterator<Item = &'static str> {
        let lists = ALL_BACKGROUNDS.iter().flat_map(|b| {
            let n = b.names();
            [
                n.male,
                n.male_older,
                n.male_younger,
                n.female,
                n.female_older,
                n.female_younger,
                n.surnames,
            ]
        });
        lists
            .flatten()
            .copied()
            .chain(UNISEX_FIRST_NAMES.iter().copied())
            .chain(APOSTROPHE_SURNAMES.iter().map(|(n, _)| *n))
            .chain(SPACED_SURNAMES.iter().copied())
            .chain(ACCENTED_FIRST_NAMES.iter().map(|(n, _, _)| *n))
    }

    #[test]
    fn same_seed_same_patients_and_prefixes_agree() {
        let big = synthetic_patients(300, 7);
        assert_eq!(big, synthetic_patients(300, 7));
        for n in [0, 1, 2, 8, 49, 50, 51, 123] {
            assert_eq!(synthetic_patients(n, 7)[..], big[..n], "{n}");
        }
    }

    #[test]
    fn different_seeds_differ() {
        let a = synthetic_patients(20, 1);
        let b = synthetic_patients(20, 2);
        let differing = a.iter().zip(&b).filter(|(x, y)| x != y).count();
        assert_eq!(differing, 20);
    }

    #[test]
    fn small_counts() {
        assert!(synthetic_patients(0, 0).is_empty());
        let one = synthetic_patients(1, 0);
        assert_eq!(one.len(), 1);
        assert!(one[0].nhs_number.unwrap().is_test_range());
    }

    #[test]
    fn values_are_valid_synthetic_and_unique() {
        let patients = synthetic_patients(20_000, 99);
        let mut numbers = HashSet::new();
        for (index, p) in patients.iter().enumerate() {
            match (&p.nhs_number, &p.pseudo_number) {
                (Some(n), None) => {
                    assert!(n.is_test_range(), "{index}");
                    assert_eq!(NhsNumber::parse(n.as_str()).unwrap(), *n);
                    assert!(numbers.insert(n.as_str().to_owned()), "{index}");
                }
                (None, Some(pseudo)) => {
                    assert_eq!(index % 2000, 47);
                    assert!(pseudo.starts_with("00") && pseudo.len() == 10, "{pseudo}");
                    assert!(NhsNumber::parse(pseudo).is_ok(), "{pseudo}");
                    assert!(numbers.insert(pseudo.clone()), "{index}");
                }
                _ => panic!("patient {index} has not exactly one number"),
            }
            assert!(!p.first_name.trim().is_empty() && p.first_name.trim() == p.first_name);
            assert!(!p.surname.trim().is_empty() && p.surname.trim() == p.surname);
            assert!(p.date_of_birth <= REFERENCE_DATE);
            assert!(REFERENCE_DATE.years_since(p.date_of_birth).unwrap() <= 100);
            if let Some(postcode) = &p.postcode {
                assert_eq!(Postcode::parse(postcode.as_str()).unwrap(), *postcode);
                let area = area_of(p);
                assert_eq!(area.outward, postcode.outward());
                assert_eq!(p.town.as_deref(), Some(area.town));
                if let Some(home) = &p.home_telephone {
                    let digits = home.digits();
                    let range: String =
                        area.landline.chars().filter(char::is_ascii_digit).collect();
                    assert!(digits.starts_with(&range) && digits.len() == 11, "{home}");
                }
            } else {
                assert_eq!(index % BLOCK, NO_CONTACT);
            }
            if let Some(mobile) = &p.mobile_telephone {
                let digits = mobile.digits();
                assert!(
                    digits.starts_with("07700900") && digits.len() == 11,
                    "{mobile}"
                );
            }
            if let Some(email) = &p.email {
                let domain = email.as_str().rsplit('@').next().unwrap();
                assert!(
                    ["example.com", "example.org", "example.net"].contains(&domain),
                    "{email}"
                );
                assert!(email.as_str().is_ascii(), "{email}");
            }
        }
        // Everything parses as a patient file.
        let json = serde_json::to_string(&patients).unwrap();
        assert_eq!(super::super::seed::parse_patients(&json).unwrap(), patients);
    }

    #[test]
    fn the_mix_is_plausible() {
        let patients = synthetic_patients(20_000, 5);
        let share = |f: &dyn Fn(&PatientSeed) -> bool| {
            patients.iter().filter(|p| f(p)).count() * 1000 / patients.len()
        };
        let female = share(&|p| p.sex == Sex::Female);
        assert!((450..560).contains(&female), "{female}");
        let children = share(&|p| REFERENCE_DATE.years_since(p.date_of_birth).unwrap() < 16);
        assert!((130..250).contains(&children), "{children}");
        let over_85 = share(&|p| REFERENCE_DATE.years_since(p.date_of_birth).unwrap() >= 85);
        assert!((5..60).contains(&over_85), "{over_85}");
        let mobile = share(&|p| p.mobile_telephone.is_some());
        assert!((550..900).contains(&mobile), "{mobile}");
        let middle = share(&|p| p.middle_names.is_some());
        assert!((250..500).contains(&middle), "{middle}");
        let distinct: HashSet<&str> = patients.iter().map(|p| p.surname.as_str()).collect();
        assert!(distinct.len() > 300, "{}", distinct.len());
        for p in &patients {
            if let Some(title) = p.title.as_deref() {
                let fits = match p.sex {
                    Sex::Male => ["Mr", "Dr", "Mx", "Master"].contains(&title),
                    Sex::Female => ["Mrs", "Ms", "Miss", "Dr", "Mx"].contains(&title),
                    _ => title == "Mx",
                };
                assert!(fits, "{title} for {:?}", p.sex);
            }
        }
    }

    #[test]
    fn hard_cases_are_present_in_a_hundred() {
        let patients = synthetic_patients(100, 2026);
        let pairs = || {
            patients
                .iter()
                .enumerate()
                .flat_map(|(i, a)| patients[i + 1..].iter().map(move |b| (a, b)))
        };
        let same_name = |a: &PatientSeed, b: &PatientSeed| {
            a.first_name == b.first_name && a.surname == b.surname
        };
        assert!(pairs().any(|(a, b)| {
            a.surname == b.surname
                && a.date_of_birth == b.date_of_birth
                && a.postcode.is_some()
                && a.postcode == b.postcode
                && a.first_name != b.first_name
        }));
        assert!(pairs().any(|(a, b)| same_name(a, b) && a.date_of_birth != b.date_of_birth));
        assert!(pairs().any(|(a, b)| {
            same_name(a, b)
                && a.date_of_birth == b.date_of_birth
                && a.sex == b.sex
                && a.postcode != b.postcode
        }));
        assert!(pairs().any(|(a, b)| {
            same_name(a, b) && a.date_of_birth == b.date_of_birth && a.sex != b.sex
        }));
        let any = |f: &dyn Fn(&PatientSeed) -> bool| patients.iter().any(f);
        assert!(any(&|p| {
            let parts: Vec<&str> = p.surname.split('-').collect();
            parts.len() == 2 && parts.iter().all(|s| !s.is_empty())
        }));
        assert!(any(&|p| p.surname.contains('\'')));
        assert!(any(&|p| !p.first_name.is_ascii()));
        assert!(any(&|p| p.surname.contains(' ')));
        assert!(any(&|p| {
            p.postcode.is_none() && p.home_telephone.is_none() && p.mobile_telephone.is_none()
        }));
        assert!(any(&|p| p.pseudo_number.is_some()));
        assert!(any(&|p| p.sex == Sex::Unknown));

        // And at the documented positions.
        for block in 0..2 {
            let at = |offset: usize| &patients[block * BLOCK + offset];
            let (a, b) = (at(TWIN_A), at(TWIN_B));
            assert_eq!(a.surname, b.surname);
            assert_eq!(a.date_of_birth, b.date_of_birth);
            assert_eq!(a.postcode, b.postcode);
            assert_eq!(a.road, b.road);
            assert_ne!(a.first_name, b.first_name);
            assert!(at(DOUBLE_BARRELLED).surname.contains('-'));
            assert!(at(APOSTROPHE).surname.contains('\''));
            assert!(!at(ACCENTED).first_name.is_ascii());
            assert!(at(SPACED_SURNAME).surname.contains(' '));
            let (a, b) = (at(SAME_NAME_A), at(SAME_NAME_B));
            assert!(same_name(a, b) && a.date_of_birth != b.date_of_birth);
            assert_ne!(a.postcode, b.postcode);
            let (a, b) = (at(IDENTICAL_A), at(IDENTICAL_B));
            assert!(same_name(a, b) && a.date_of_birth == b.date_of_birth && a.sex == b.sex);
            assert_ne!(a.postcode, b.postcode);
            let (a, b) = (at(OPPOSITE_SEX_A), at(OPPOSITE_SEX_B));
            assert!(same_name(a, b) && a.date_of_birth == b.date_of_birth && a.sex != b.sex);
            assert!(UNISEX_FIRST_NAMES.contains(&a.first_name.as_str()));
            let p = at(NO_CONTACT);
            assert!(p.postcode.is_none() && p.home_telephone.is_none());
            assert!(p.mobile_telephone.is_none() && p.road.is_none());
        }
        assert!(patients[47].pseudo_number.is_some() && patients[47].nhs_number.is_none());
        assert_eq!(patients[49].sex, Sex::Unknown);
        assert_eq!(synthetic_patients(550, 2026)[549].sex, Sex::Indeterminate);
    }

    #[test]
    fn names_are_nfc_and_tidy() {
        let mut count = 0;
        for name in all_names() {
            count += 1;
            assert_eq!(name.trim(), name);
            assert!(!name.is_empty());
            // No combining marks: every accent is precomposed (NFC).
            assert!(
                !name.chars().any(|c| ('\u{300}'..='\u{36f}').contains(&c)),
                "{name}"
            );
            assert!(
                name.chars()
                    .all(|c| c.is_alphabetic() || c == ' ' || c == '-' || c == '\''),
                "{name}"
            );
            // Emails can be made from every name.
            assert!(!ascii_fold(name).is_empty(), "{name}");
        }
        assert!(count > 700, "{count}");
        // The accented hard cases are spelled as the docs say.
        let accented: Vec<&str> = ACCENTED_FIRST_NAMES.iter().map(|(n, _, _)| *n).collect();
        for name in ["Zoë", "Siân", "José", "Łukasz", "Chloé"] {
            assert!(accented.contains(&name), "{name}");
        }
    }

    #[test]
    fn number_ranges_hand_out_each_valid_number_once() {
        let mut range = NumberRange::new(999_000_000, 1_000_000, [1, 2, 3, 4]);
        let mut seen = HashSet::new();
        while let Some(number) = range.next() {
            assert!(number.is_test_range());
            assert!(seen.insert(number));
        }
        let valid = (999_000_000..1_000_000_000)
            .filter(|p| NhsNumber::from_prefix(*p).is_some())
            .count();
        assert_eq!(seen.len(), valid);
        assert!(seen.len() > 909_000, "{}", seen.len());
        // The order is shuffled, not sequential.
        let mut range = NumberRange::new(999_000_000, 1_000_000, [1, 2, 3, 4]);
        let first: Vec<_> = (0..3).map(|_| range.next().unwrap()).collect();
        assert!(first[0].as_str() > "999010000" || first[1].as_str() > "999010000");
    }

    #[test]
    fn permutation_is_a_bijection() {
        for size in [1, 2, 3, 7, 100, 1000, 4097] {
            let p = Permutation::new(size, [9, 8, 7, 6]);
            let mut seen: Vec<u32> = (0..size).map(|i| p.apply(i)).collect();
            seen.sort_unstable();
            assert_eq!(seen, (0..size).collect::<Vec<_>>(), "{size}");
        }
    }

    /// Run with `cargo test --release -- --ignored --nocapture`.
    #[test]
    #[ignore = "slow in debug builds; a release-mode scale check"]
    fn a_million_patients() {
        let start = std::time::Instant::now();
        let patients = synthetic_patients(1_000_000, 1);
        let elapsed = start.elapsed();
        println!("1,000,000 patients in {elapsed:?}");
        assert_eq!(patients.len(), 1_000_000);
        let mut numbers = HashSet::with_capacity(patients.len());
        let mut pseudo = 0;
        for p in &patients {
            let number = match (&p.nhs_number, &p.pseudo_number) {
                (Some(n), None) => n.as_str().to_owned(),
                (None, Some(s)) => {
                    pseudo += 1;
                    s.clone()
                }
                _ => panic!("not exactly one number"),
            };
            assert!(numbers.insert(number));
        }
        println!("{pseudo} pseudo numbers");
        assert!((90_000..92_000).contains(&pseudo), "{pseudo}");
    }
}
