//! An in-memory patient index for vendors that hold a patient list.

mod blocks;
mod columns;

use chrono::{Datelike, NaiveDate};
use econsult_model::Demographics;

use self::blocks::{DateTable, Table};
use self::columns::{Columns, vec_bytes};
use crate::compare::{Evidence, compare_views, names_could_agree};
use crate::outcome::{MatchConfig, MatchOutcome, Ranking};
use crate::person::{NameView, PersonView, Prepared};

/// A patient list held in memory, for exact lookups and suggestions
/// without asking SystmOne.
///
/// Built once from an iterator of `(key, demographics)`; the key (`K`) is
/// whatever identifies the patient to you and is handed back in outcomes.
/// Patients are stored compactly (normalised names in one arena, the rest
/// as small keys), and found through *blocking keys* so a lookup reads a
/// few dozen patients, not the whole list:
///
/// - date of birth: every exact match, and every near-match with the right
///   date (typos, nicknames, swapped or changed names, a different sex);
///   also the date with day and month swapped and a year either side;
/// - how the surname and first name sound (Double Metaphone), also
///   swapped: a date of birth slip with the names right or misspelt;
/// - telephone number (unless more than 20 patients share it, like a care
///   home's) and NHS number: anything else they agree on.
///
/// ```
/// use chrono::NaiveDate;
/// use econsult_model::{Demographics, PersonName, Sex};
/// use patient_matcher::{MatchConfig, MatchOutcome, PatientIndex};
///
/// let person = |first: &str, surname: &str, day: u32| Demographics::new(
///     PersonName::new(first, surname).unwrap(),
///     NaiveDate::from_ymd_opt(1970, 2, day).unwrap(),
///     Sex::Male,
/// );
/// let index = PatientIndex::build([
///     ("p1", person("William", "Testpatient", 1)),
///     ("p2", person("Sam", "Exampleson", 2)),
/// ])?;
///
/// let outcome = index.find(&person("william ", "TESTPATIENT", 1), &MatchConfig::default());
/// assert_eq!(outcome.auto_matched(), Some(&&"p1"));
///
/// let outcome = index.find(&person("Bill", "Testpatient", 1), &MatchConfig::default());
/// let MatchOutcome::NotMatched { suggestions } = outcome else { panic!() };
/// assert_eq!(*suggestions[0].patient, "p1");
/// # Ok::<(), patient_matcher::IndexFull>(())
/// ```
#[derive(Debug)]
pub struct PatientIndex<K> {
    keys: Vec<K>,
    columns: Columns,
    by_date_of_birth: DateTable,
    by_sound: Table<u32>,
    by_telephone: Table<u64>,
    by_nhs_number: Table<u64>,
}

/// More patients than an index can hold (2³² − 1), or more than 4 GiB of
/// names: split the list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error(
    "the patient list is too large for one index (at most 4,294,967,295 patients and 4 GiB of names); split it by practice"
)]
pub struct IndexFull;

/// The size of an index.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct IndexStats {
    /// Patients held.
    pub patients: usize,
    /// Bytes the index holds on the heap, keys included (their own heap
    /// data, such as a `String` key's text, is not counted).
    pub heap_bytes: usize,
}

impl IndexStats {
    /// Heap bytes per patient.
    pub fn bytes_per_patient(&self) -> f64 {
        self.heap_bytes as f64 / self.patients.max(1) as f64
    }
}

impl<K> PatientIndex<K> {
    /// Builds the index.
    pub fn build(patients: impl IntoIterator<Item = (K, Demographics)>) -> Result<Self, IndexFull> {
        let patients = patients.into_iter();
        let mut keys = Vec::with_capacity(patients.size_hint().0);
        let mut columns = Columns::default();
        for (key, demographics) in patients {
            if keys.len() >= u32::MAX as usize {
                return Err(IndexFull);
            }
            columns
                .push(&Prepared::new(&demographics))
                .map_err(|_| IndexFull)?;
            keys.push(key);
        }
        keys.shrink_to_fit();
        columns.shrink_to_fit();
        Ok(Self::with_blocks(keys, columns))
    }

    fn with_blocks(keys: Vec<K>, columns: Columns) -> Self {
        let rows = 0..columns.len() as u32;
        let by_date_of_birth = DateTable::build(
            rows.clone()
                .filter_map(|r| Some((columns.date_of_birth(r)?, r)))
                .collect(),
        );
        let by_sound = Table::build(
            rows.clone()
                .filter_map(|r| {
                    let [first, surname] = columns.sounds(r)?;
                    Some((sound_key(surname.primary(), first.primary())?, r))
                })
                .collect(),
        );
        let by_telephone = Table::build(
            rows.clone()
                .flat_map(|r| columns.phones_of(r).iter().map(move |p| (p.0, r)))
                .collect(),
        );
        let by_nhs_number = Table::build(
            rows.filter_map(|r| Some((columns.nhs_number(r)?.0, r)))
                .collect(),
        );
        Self {
            keys,
            columns,
            by_date_of_birth,
            by_sound,
            by_telephone,
            by_nhs_number,
        }
    }

    /// How many patients, and how much memory.
    pub fn stats(&self) -> IndexStats {
        IndexStats {
            patients: self.keys.len(),
            heap_bytes: vec_bytes(&self.keys)
                + self.columns.heap_bytes()
                + self.by_date_of_birth.heap_bytes()
                + self.by_sound.heap_bytes()
                + self.by_telephone.heap_bytes()
                + self.by_nhs_number.heap_bytes(),
        }
    }

    /// The number of patients.
    pub fn len(&self) -> usize {
        self.keys.len()
    }

    /// Whether the index holds no patients.
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    /// The patients whose first name, surname, date of birth and sex equal
    /// the submission's after normalisation: the auto-match set.
    pub fn exact_matches<'a>(
        &'a self,
        submission: &'a Prepared,
    ) -> impl Iterator<Item = &'a K> + 'a {
        self.exact_rows(submission)
            .filter_map(|row| self.keys.get(row as usize))
    }

    fn exact_rows<'a>(&'a self, submission: &'a Prepared) -> impl Iterator<Item = u32> + 'a {
        self.by_date_of_birth
            .rows(submission.date_of_birth())
            .iter()
            .copied()
            .filter(move |row| {
                self.columns
                    .exact_fields(*row)
                    .is_some_and(|(first, surname, sex)| {
                        sex == submission.sex()
                            && first == submission.first_name()
                            && surname == submission.surname()
                    })
            })
    }

    /// Matches a submission against the whole list: an auto-match when
    /// exactly one patient matches exactly, otherwise ranked suggestions
    /// from the patients sharing a blocking key.
    pub fn find(&self, submission: &Demographics, config: &MatchConfig) -> MatchOutcome<&K> {
        self.find_prepared(&Prepared::new(submission), config)
    }

    /// [`find`](Self::find) for a submission already prepared.
    pub fn find_prepared(&self, submission: &Prepared, config: &MatchConfig) -> MatchOutcome<&K> {
        let mut exact = self.exact_rows(submission);
        // The fast path: exactly one exact match, and no NHS number
        // against it.
        if let (Some(only), None) = (exact.next(), exact.next())
            && let Some(theirs) = self.columns.view(only)
            && let Some(key) = self.keys.get(only as usize)
        {
            // Both names are the same, so their sounds are never read.
            let comparison = compare_views(&submission.view_for_exact(), &theirs);
            if comparison.nhs_number != Evidence::Different {
                let mut ranking = Ranking::new();
                ranking.add(key, comparison);
                return ranking.decide(config);
            }
        }
        let ours = submission.view();
        let mut ranking = Ranking::new();
        for row in self.candidate_rows(submission) {
            if let (Some(theirs), Some(key)) = (self.columns.view(row), self.keys.get(row as usize))
            {
                ranking.add(key, compare_views(&ours, &theirs));
            }
        }
        ranking.decide(config)
    }

    /// Every patient sharing a blocking key with the submission, once each.
    fn candidate_rows(&self, submission: &Prepared) -> Vec<u32> {
        let ours = submission.view();
        let mut rows: Vec<u32> = Vec::new();
        for date in date_slips(ours.date_of_birth) {
            rows.extend_from_slice(self.by_date_of_birth.rows(date));
        }
        // A date one digit out with a name that sounds different shares no
        // other key: look at those dates too, but only at patients whose
        // names could earn a suggestion.
        for date in one_digit_slips(ours.date_of_birth) {
            rows.extend(
                self.by_date_of_birth
                    .rows(date)
                    .iter()
                    .filter(|row| self.names_could_agree(**row, &ours))
                    .copied(),
            );
        }
        let (first, surname) = (ours.first_name.sound, ours.surname.sound);
        for (a, b) in [
            (surname.primary(), first.primary()),
            (surname.alternate(), first.primary()),
            (surname.primary(), first.alternate()),
            (first.primary(), surname.primary()),
        ] {
            if let Some(key) = sound_key(a, b) {
                rows.extend_from_slice(self.by_sound.rows(key));
            }
        }
        for phone in ours.phones {
            let sharing = self.by_telephone.rows(phone.0);
            // A number many patients share (a care home's, a practice
            // placeholder) identifies nobody: not worth comparing them all.
            if sharing.len() <= MAX_SHARING_A_TELEPHONE {
                rows.extend_from_slice(sharing);
            }
        }
        if let Some(nhs) = ours.nhs_number {
            rows.extend_from_slice(self.by_nhs_number.rows(nhs.0));
        }
        rows.sort_unstable();
        rows.dedup();
        rows
    }

    /// Whether patient `row`'s names could earn enough, with a date of
    /// birth one digit out, to be suggested ([`names_could_agree`]).
    fn names_could_agree(&self, row: u32, ours: &PersonView<'_>) -> bool {
        let (Some((first, surname, _)), Some([first_sound, surname_sound])) =
            (self.columns.exact_fields(row), self.columns.sounds(row))
        else {
            return false;
        };
        names_could_agree(
            ours,
            NameView {
                text: first,
                sound: first_sound,
            },
            NameView {
                text: surname,
                sound: surname_sound,
            },
        )
    }
}

/// The most patients a telephone number may be shared by and still be a
/// blocking key.
const MAX_SHARING_A_TELEPHONE: usize = 20;

/// The blocking key of a surname's and a first name's sounds; none when
/// either has no sound (no Latin letters), which would lump together
/// everyone without one.
fn sound_key(surname: u16, first: u16) -> Option<u32> {
    (surname != 0 && first != 0).then_some(u32::from(surname) << 16 | u32::from(first))
}

/// The date itself, then the slips worth a lookup: day and month swapped,
/// and the year either side.
fn date_slips(date: NaiveDate) -> impl Iterator<Item = NaiveDate> {
    let swapped =
        NaiveDate::from_ymd_opt(date.year(), date.day(), date.month()).filter(|d| *d != date);
    let before = date.with_year(date.year() - 1);
    let after = date.with_year(date.year() + 1);
    [Some(date), swapped, before, after].into_iter().flatten()
}

/// Every valid date whose `YYYYMMDD` differs from `date`'s in exactly one
/// digit (about 40), other than those [`date_slips`] gives.
fn one_digit_slips(date: NaiveDate) -> impl Iterator<Item = NaiveDate> {
    let (year, month, day) = (date.year(), date.month(), date.day());
    let near: Vec<NaiveDate> = date_slips(date).collect();
    let places = [1000, 100, 10, 1];
    let years = places.into_iter().flat_map(move |place| {
        let digit = (year / place) % 10;
        (0..10)
            .filter(move |d| *d != digit)
            .map(move |d| (year + (d - digit) * place, month, day))
    });
    let months = [10u32, 1].into_iter().flat_map(move |place| {
        let digit = (month / place) % 10;
        (0..10)
            .filter(move |d| *d != digit)
            .map(move |d| (year, month + d * place - digit * place, day))
    });
    let days = [10u32, 1].into_iter().flat_map(move |place| {
        let digit = (day / place) % 10;
        (0..10)
            .filter(move |d| *d != digit)
            .map(move |d| (year, month, day + d * place - digit * place))
    });
    years
        .chain(months)
        .chain(days)
        .filter_map(|(y, m, d)| NaiveDate::from_ymd_opt(y, m, d))
        .filter(move |slip| !near.contains(slip))
}
