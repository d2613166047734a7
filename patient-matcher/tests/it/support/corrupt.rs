//! The corruption model of the accuracy tests: how a registered patient's
//! details go wrong on an online form.
//!
//! A submission starts from the details the practice holds for the patient
//! ([`Form::of`]), then has exactly one [`Kind`] of corruption applied, then
//! loses optional fields at realistic rates ([`omit_optional`]) and gains
//! case and whitespace noise ([`case_and_space_noise`]), which the exact rule
//! sets aside. NHS numbers are never mistyped (a mistyped one fails its
//! check digit and the form refuses it), only left out.
//!
//! Shared by `accuracy.rs` (the in-memory index) and `accuracy_systmone.rs`
//! (the search planner against the mock SystmOne).

use chrono::{Datelike, NaiveDate};
use econsult_model::{Demographics, NhsNumber, PersonName, Phone, Postcode, Sex};
use patient_matcher::{fold, nicknames_of, normalise};
use rand::RngExt as _;
use rand::rngs::ChaCha8Rng;
use systmone_client::mock::PatientSeed;
use unicode_normalization::UnicodeNormalization as _;
use unicode_normalization::char::is_combining_mark;

/// The latest date of birth a form accepts: the day the synthetic practice's
/// ages are counted from (no generated patient is born after it).
const LATEST_BIRTH: NaiveDate = match NaiveDate::from_ymd_opt(2026, 1, 1) {
    Some(date) => date,
    None => NaiveDate::MIN,
};

/// The earliest date of birth a form accepts.
const EARLIEST_BIRTH: NaiveDate = match NaiveDate::from_ymd_opt(1900, 1, 1) {
    Some(date) => date,
    None => NaiveDate::MIN,
};

/// How often a submission gives its postcode.
const GIVES_POSTCODE: f64 = 0.75;
/// How often a submission gives each telephone number the practice holds.
const GIVES_EACH_PHONE: f64 = 0.7;
/// How often a submission gives its NHS number (most patients do not know
/// it).
const GIVES_NHS_NUMBER: f64 = 0.25;
/// How often a name is typed with other capitals or spacing.
const CASE_NOISE: f64 = 0.5;

/// The fields of a submission while it is being corrupted.
#[derive(Debug, Clone)]
pub(crate) struct Form {
    pub(crate) first_name: String,
    pub(crate) surname: String,
    pub(crate) date_of_birth: NaiveDate,
    pub(crate) sex: Sex,
    pub(crate) postcode: Option<Postcode>,
    pub(crate) phones: Vec<Phone>,
    pub(crate) nhs_number: Option<NhsNumber>,
}

impl Form {
    /// What the practice holds for `patient`: first name, surname, date of
    /// birth, sex, postcode, telephone numbers and NHS number (no title,
    /// middle names or email: the matcher does not compare them).
    pub(crate) fn of(patient: &PatientSeed) -> Self {
        let held = patient
            .demographics()
            .expect("synthetic patients have valid names");
        Self {
            first_name: held.name.first_name().to_owned(),
            surname: held.name.surname().to_owned(),
            date_of_birth: held.date_of_birth,
            sex: held.sex,
            postcode: held.postcode,
            phones: held.phones,
            nhs_number: held.nhs_number,
        }
    }

    /// The submission.
    pub(crate) fn into_demographics(self) -> Demographics {
        let name = PersonName::new(&self.first_name, &self.surname)
            .expect("corrupted names stay valid single-line text");
        let mut out = Demographics::new(name, self.date_of_birth, self.sex);
        out.postcode = self.postcode;
        out.phones = self.phones;
        out.nhs_number = self.nhs_number;
        out
    }
}

/// One way a patient's details go wrong on the form. Each applies to some
/// patients only (a nickname needs a name that has one); [`Kind::apply`]
/// says whether it did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) enum Kind {
    /// Nothing wrong: the four fields as held (with only the case and
    /// whitespace noise every submission may get).
    Exact,
    /// One typo in the first name ([`typo`]).
    FirstNameTypo,
    /// One typo in the surname ([`typo`]).
    SurnameTypo,
    /// Another name of the first name's nickname group ([`nickname`]).
    Nickname,
    /// First name and surname swapped.
    NamesSwapped,
    /// Day and month of the date of birth swapped.
    DayMonthSwapped,
    /// One digit of the date of birth wrong ([`date_digit_wrong`]).
    DateDigitWrong,
    /// The year of birth one out.
    YearOneOut,
    /// Another surname of the practice (marriage, deed poll).
    SurnameChanged,
    /// One part of a double-barrelled surname, or its hyphen dropped
    /// ([`one_barrel`]).
    DoubleBarrelled,
    /// Accents left out ([`strip_accents`]).
    AccentRemoved,
    /// Sex given as unknown.
    SexUnknown,
    /// No postcode and no telephone number.
    ContactDropped,
}

impl Kind {
    /// Every kind, in report order.
    pub(crate) const ALL: [Kind; 13] = [
        Kind::Exact,
        Kind::FirstNameTypo,
        Kind::SurnameTypo,
        Kind::Nickname,
        Kind::NamesSwapped,
        Kind::DayMonthSwapped,
        Kind::DateDigitWrong,
        Kind::YearOneOut,
        Kind::SurnameChanged,
        Kind::DoubleBarrelled,
        Kind::AccentRemoved,
        Kind::SexUnknown,
        Kind::ContactDropped,
    ];

    /// A short label for the report.
    pub(crate) fn label(self) -> &'static str {
        match self {
            Kind::Exact => "exact",
            Kind::FirstNameTypo => "first name typo",
            Kind::SurnameTypo => "surname typo",
            Kind::Nickname => "nickname",
            Kind::NamesSwapped => "names swapped",
            Kind::DayMonthSwapped => "day/month swapped",
            Kind::DateDigitWrong => "dob digit wrong",
            Kind::YearOneOut => "year one out",
            Kind::SurnameChanged => "surname changed",
            Kind::DoubleBarrelled => "double-barrelled",
            Kind::AccentRemoved => "accent removed",
            Kind::SexUnknown => "sex unknown",
            Kind::ContactDropped => "contact dropped",
        }
    }

    /// Whether the four fields of the exact rule are left as held, so that
    /// the submission must auto-match (unless the patient has an identical
    /// namesake).
    pub(crate) fn keeps_exact_fields(self) -> bool {
        matches!(self, Kind::Exact | Kind::ContactDropped)
    }

    /// Applies this corruption to `form`; false (and `form` unchanged) when
    /// it does not apply to this patient. `surnames` are the practice's
    /// surnames, for [`Kind::SurnameChanged`].
    pub(crate) fn apply(self, form: &mut Form, rng: &mut ChaCha8Rng, surnames: &[&str]) -> bool {
        match self {
            Kind::Exact => true,
            Kind::FirstNameTypo => set(&mut form.first_name, |name| typo(name, rng)),
            Kind::SurnameTypo => set(&mut form.surname, |name| typo(name, rng)),
            Kind::Nickname => set(&mut form.first_name, |name| nickname(name, rng)),
            Kind::NamesSwapped => swap_names(form),
            Kind::DayMonthSwapped => set(&mut form.date_of_birth, |dob| day_month_swapped(*dob)),
            Kind::DateDigitWrong => set(&mut form.date_of_birth, |dob| date_digit_wrong(*dob, rng)),
            Kind::YearOneOut => set(&mut form.date_of_birth, |dob| year_one_out(*dob, rng)),
            Kind::SurnameChanged => set(&mut form.surname, |name| {
                changed_surname(name, surnames, rng)
            }),
            Kind::DoubleBarrelled => set(&mut form.surname, |name| one_barrel(name, rng)),
            Kind::AccentRemoved => remove_accents(form),
            Kind::SexUnknown => sex_unknown(form),
            Kind::ContactDropped => drop_contact(form),
        }
    }
}

/// Replaces `field` with what `change` makes of it, when it makes
/// something; whether it did.
fn set<T>(field: &mut T, change: impl FnOnce(&T) -> Option<T>) -> bool {
    change(field).map(|new| *field = new).is_some()
}

/// One typing slip in `name`, as keyboards make them: a letter substituted,
/// deleted or inserted, or two adjacent letters transposed. Only letters
/// are touched, a substituted letter keeps the case of the one it
/// replaces, and the result always differs from `name` after normalisation
/// (transposing `ll` is no slip) and keeps at least one letter.
pub(crate) fn typo(name: &str, rng: &mut ChaCha8Rng) -> Option<String> {
    let chars: Vec<char> = name.chars().collect();
    let letters: Vec<usize> = (0..chars.len())
        .filter(|i| chars[*i].is_alphabetic())
        .collect();
    if letters.is_empty() {
        return None;
    }
    let random_letter = |rng: &mut ChaCha8Rng| char::from(b'a' + rng.random_range(0..26u8));
    for _ in 0..20 {
        let mut out = chars.clone();
        let at = letters[rng.random_range(0..letters.len())];
        match rng.random_range(0..4) {
            // Substituted.
            0 => {
                let new = random_letter(rng);
                out[at] = if chars[at].is_uppercase() {
                    new.to_ascii_uppercase()
                } else {
                    new
                };
            }
            // Deleted, if a letter is left.
            1 if letters.len() > 1 => {
                out.remove(at);
            }
            // Inserted before or after a letter.
            2 => {
                let after = usize::from(rng.random_bool(0.5));
                out.insert(at + after, random_letter(rng));
            }
            // Transposed with the next letter.
            3 if chars.get(at + 1).is_some_and(|c| c.is_alphabetic()) => out.swap(at, at + 1),
            _ => continue,
        }
        let out: String = out.into_iter().collect();
        if normalise(&out) != normalise(name) {
            return Some(out);
        }
    }
    None
}

/// Another name of `first`'s nickname group(s), capitalised: usually a
/// short form (`Bill` or `Will` for `William`), or the formal name for a
/// patient registered under a short form (`Margaret` for `Peggy`). None
/// when the name has no common short form.
pub(crate) fn nickname(first: &str, rng: &mut ChaCha8Rng) -> Option<String> {
    let forms: Vec<&str> = nicknames_of(&normalise(first)).collect();
    let form = *forms.get(rng.random_range(0..forms.len().max(1)))?;
    Some(capitalise(form))
}

/// First name and surname swapped, when they differ.
fn swap_names(form: &mut Form) -> bool {
    if normalise(&form.first_name) == normalise(&form.surname) {
        return false;
    }
    std::mem::swap(&mut form.first_name, &mut form.surname);
    true
}

/// The date of birth with day and month swapped, when that is another
/// valid date (day 12 or less, and not equal to the month).
fn day_month_swapped(dob: NaiveDate) -> Option<NaiveDate> {
    if dob.day() > 12 || dob.day() == dob.month() {
        return None;
    }
    NaiveDate::from_ymd_opt(dob.year(), dob.day(), dob.month())
}

/// The date of birth with one digit of `YYYYMMDD` changed, still a valid
/// date between 1900 and the practice's reference date.
pub(crate) fn date_digit_wrong(dob: NaiveDate, rng: &mut ChaCha8Rng) -> Option<NaiveDate> {
    let digits = format!("{:04}{:02}{:02}", dob.year(), dob.month(), dob.day());
    for _ in 0..50 {
        let mut bytes = digits.clone().into_bytes();
        let at = rng.random_range(0..bytes.len());
        let new = b'0' + rng.random_range(0..10u8);
        if bytes[at] == new {
            continue;
        }
        bytes[at] = new;
        let text = String::from_utf8(bytes).ok()?;
        let (year, month, day) = (&text[..4], &text[4..6], &text[6..]);
        let date =
            NaiveDate::from_ymd_opt(year.parse().ok()?, month.parse().ok()?, day.parse().ok()?);
        if let Some(date) = date.filter(|d| (EARLIEST_BIRTH..=LATEST_BIRTH).contains(d)) {
            return Some(date);
        }
    }
    None
}

/// The date of birth a year earlier or later (whichever the coin says,
/// else the other), when that is a valid date no later than the reference
/// date (29 February has no neighbour).
fn year_one_out(dob: NaiveDate, rng: &mut ChaCha8Rng) -> Option<NaiveDate> {
    let step = if rng.random_bool(0.5) { 1 } else { -1 };
    [step, -step]
        .into_iter()
        .filter_map(|s| dob.with_year(dob.year() + s))
        .find(|d| *d <= LATEST_BIRTH)
}

/// Another surname of the practice, as after a marriage: one that differs
/// from `surname` even with accents and punctuation set aside.
fn changed_surname(surname: &str, surnames: &[&str], rng: &mut ChaCha8Rng) -> Option<String> {
    let ours = fold(&normalise(surname)).into_owned();
    for _ in 0..20 {
        let other = surnames.get(rng.random_range(0..surnames.len().max(1)))?;
        if fold(&normalise(other)) != ours {
            return Some((*other).to_owned());
        }
    }
    None
}

/// A hyphenated surname (`Smith-Jones`) given as one of its parts
/// (`Smith`, `Jones`), with a space for the hyphen (`Smith Jones`), or run
/// together (`SmithJones`); none for a surname without a hyphen.
pub(crate) fn one_barrel(surname: &str, rng: &mut ChaCha8Rng) -> Option<String> {
    let parts: Vec<&str> = surname
        .split('-')
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .collect();
    if parts.len() < 2 {
        return None;
    }
    Some(match rng.random_range(0..4) {
        0 => parts[0].to_owned(),
        1 => parts[parts.len() - 1].to_owned(),
        2 => parts.join(" "),
        _ => parts.concat(),
    })
}

/// Both names without accents (`Zoë` as `Zoe`, `Łukasz` as `Lukasz`), as
/// typed on a keyboard without them; false when neither has any.
fn remove_accents(form: &mut Form) -> bool {
    let first = strip_accents(&form.first_name);
    let surname = strip_accents(&form.surname);
    let changed = first != form.first_name || surname != form.surname;
    form.first_name = first;
    form.surname = surname;
    changed
}

/// `text` without combining marks after canonical decomposition, and with
/// the letters that do not decompose (`ł`, `ø`, `đ`) as their base letter.
pub(crate) fn strip_accents(text: &str) -> String {
    text.nfd()
        .filter(|c| !is_combining_mark(*c))
        .map(|c| match c {
            'ł' => 'l',
            'Ł' => 'L',
            'ø' => 'o',
            'Ø' => 'O',
            'đ' => 'd',
            'Đ' => 'D',
            other => other,
        })
        .nfc()
        .collect()
}

/// Sex given as unknown, for a patient held as male or female.
fn sex_unknown(form: &mut Form) -> bool {
    if !matches!(form.sex, Sex::Male | Sex::Female) {
        return false;
    }
    form.sex = Sex::Unknown;
    true
}

/// No postcode and no telephone number; false when there were none.
fn drop_contact(form: &mut Form) -> bool {
    let had = form.postcode.is_some() || !form.phones.is_empty();
    form.postcode = None;
    form.phones.clear();
    had
}

/// Leaves out optional fields as patients do: the postcode a quarter of
/// the time, each telephone number 30% of the time, and the NHS number
/// three times in four. Nothing is changed, only left out.
pub(crate) fn omit_optional(form: &mut Form, rng: &mut ChaCha8Rng) {
    if !rng.random_bool(GIVES_POSTCODE) {
        form.postcode = None;
    }
    form.phones.retain(|_| rng.random_bool(GIVES_EACH_PHONE));
    if !rng.random_bool(GIVES_NHS_NUMBER) {
        form.nhs_number = None;
    }
}

/// Half the time, each name typed in other capitals (all upper case, all
/// lower case or at random) and with extra spaces: noise the exact rule's
/// normalisation sets aside. Only letters whose case round-trips are
/// changed (`ß` would become `SS`, which is another spelling).
pub(crate) fn case_and_space_noise(form: &mut Form, rng: &mut ChaCha8Rng) {
    for name in [&mut form.first_name, &mut form.surname] {
        if !rng.random_bool(CASE_NOISE) {
            continue;
        }
        let style = rng.random_range(0..3);
        let mut out = String::new();
        if rng.random_bool(0.2) {
            out.push(' ');
        }
        for c in name.chars() {
            let upper = match style {
                0 => true,
                1 => false,
                _ => rng.random_bool(0.5),
            };
            out.push(recase(c, upper));
            if c == ' ' && rng.random_bool(0.5) {
                out.push(' ');
            }
        }
        if rng.random_bool(0.2) {
            out.push_str("  ");
        }
        *name = out;
    }
}

/// `c` in upper or lower case, when the change is one letter for one
/// letter and back; otherwise `c`.
fn recase(c: char, upper: bool) -> char {
    let changed: Vec<char> = if upper {
        c.to_uppercase().collect()
    } else {
        c.to_lowercase().collect()
    };
    match changed[..] {
        [one] if one.to_lowercase().eq(c.to_lowercase()) => one,
        _ => c,
    }
}

/// `name` with its first letter in upper case.
fn capitalise(name: &str) -> String {
    let mut chars = name.chars();
    chars
        .next()
        .map(|first| first.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}
