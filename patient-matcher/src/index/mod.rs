//! An in-memory patient index for vendors that hold a patient list.

mod blocks;
mod columns;

use chrono::{Datelike, NaiveDate};
use econsult_model::{Demographics, Sex};

use self::blocks::{DateTable, Table};
use self::columns::{Columns, vec_bytes};
use crate::compare::{compare_views, names_could_agree};
use crate::outcome::{MatchConfig, MatchOutcome, Ranking};
use crate::person::{NameView, PersonDetails, PersonView, Prepared};

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
///   home's) and NHS number: anything else they agree on;
/// - both names together: a submission without a date of birth, and
///   patients whose date of birth is missing from the list.
///
/// The blocking keys are chosen for the default threshold (65) and above:
/// every candidate scoring 65 or more shares a key with the submission
/// (the accuracy tests count any that does not as lost). With a lower
/// threshold, a candidate sharing no key is not compared, although a
/// plain list ([`match_candidates`](crate::match_candidates)) would show
/// it.
///
/// A list may hold incomplete patients (no first name, surname or date of
/// birth: [`PatientIndex::from_details`]). They are compared on what they
/// have, can be suggested, and block the auto-match of anyone they could
/// be ([`Comparison::could_be_exact`](crate::Comparison::could_be_exact)),
/// so that leaving out a field never turns two look-alikes into an
/// auto-match to the wrong one.
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
    /// Surname's and first name's sounds ([`sound_key`]), surname first.
    by_sound: Table<u32>,
    /// The same, first name first: a surname misspelt out of its sound.
    by_first_sound: Table<u32>,
    /// Patients without a date of birth, by sound as `by_sound` and
    /// `by_first_sound`: found by names alone, even misspelt.
    undated_by_sound: Table<u32>,
    undated_by_first_sound: Table<u32>,
    /// Both normalised names, hashed ([`names_key`]).
    by_names: Table<u32>,
    by_telephone: Table<u64>,
    by_nhs_number: Table<u64>,
    /// Whether any patient's date of birth is missing: only then does an
    /// exact lookup also read `by_names`.
    has_undated: bool,
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
        Self::build_prepared(
            patients
                .into_iter()
                .map(|(key, demographics)| (key, Prepared::new(&demographics))),
        )
    }

    /// Builds the index from a list whose rows may miss a first name,
    /// surname or date of birth (see [`PersonDetails`]).
    ///
    /// ```
    /// use chrono::NaiveDate;
    /// use econsult_model::{Demographics, PersonName, Sex};
    /// use patient_matcher::{MatchConfig, PatientIndex, PersonDetails};
    ///
    /// let dob = NaiveDate::from_ymd_opt(1970, 2, 1).unwrap();
    /// let mut complete = PersonDetails::default();
    /// complete.first_name = Some("Alex".into());
    /// complete.surname = Some("Testpatient".into());
    /// complete.date_of_birth = Some(dob);
    /// complete.sex = Sex::Female;
    /// // The same person, or a twin: no first name on this row.
    /// let mut incomplete = complete.clone();
    /// incomplete.first_name = None;
    /// let index = PatientIndex::from_details([("p1", complete), ("p2", incomplete)])?;
    ///
    /// let alex = Demographics::new(PersonName::new("Alex", "Testpatient")?, dob, Sex::Female);
    /// let outcome = index.find(&alex, &MatchConfig::default());
    /// assert_eq!(outcome.auto_matched(), None);
    /// assert_eq!(outcome.suggestions().len(), 2);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn from_details(
        patients: impl IntoIterator<Item = (K, PersonDetails)>,
    ) -> Result<Self, IndexFull> {
        Self::build_prepared(
            patients
                .into_iter()
                .map(|(key, details)| (key, Prepared::from_details(&details))),
        )
    }

    /// Builds the index from people already prepared.
    pub fn build_prepared(
        patients: impl IntoIterator<Item = (K, Prepared)>,
    ) -> Result<Self, IndexFull> {
        let patients = patients.into_iter();
        let mut keys = Vec::with_capacity(patients.size_hint().0);
        let mut columns = Columns::default();
        for (key, prepared) in patients {
            if keys.len() >= u32::MAX as usize {
                return Err(IndexFull);
            }
            columns.push(&prepared).map_err(|_| IndexFull)?;
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
                .filter_map(|r| {
                    let (first, surname, _) = columns.exact_fields(r)?;
                    Some((columns.date_of_birth(r)?, r, names_tag(first, surname)))
                })
                .collect(),
        );
        let sounds = |undated_only: bool, surname_first: bool| {
            Table::build(
                rows.clone()
                    .filter(|r| !undated_only || columns.date_of_birth(*r).is_none())
                    .filter_map(|r| {
                        let [first, surname] = columns.sounds(r)?;
                        let key = if surname_first {
                            sound_key(surname.primary(), first.primary())
                        } else {
                            sound_key(first.primary(), surname.primary())
                        };
                        Some((key?, r))
                    })
                    .collect(),
            )
        };
        let by_sound = sounds(false, true);
        let by_first_sound = sounds(false, false);
        let undated_by_sound = sounds(true, true);
        let undated_by_first_sound = sounds(true, false);
        let by_names = Table::build(
            rows.clone()
                .filter_map(|r| {
                    let (first, surname, _) = columns.exact_fields(r)?;
                    Some((names_key(first, surname)?, r))
                })
                .collect(),
        );
        let has_undated = rows.clone().any(|r| columns.date_of_birth(r).is_none());
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
            by_first_sound,
            undated_by_sound,
            undated_by_first_sound,
            by_names,
            by_telephone,
            by_nhs_number,
            has_undated,
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
                + self.by_first_sound.heap_bytes()
                + self.undated_by_sound.heap_bytes()
                + self.undated_by_first_sound.heap_bytes()
                + self.by_names.heap_bytes()
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
    /// the submission's after normalisation: the auto-match set, if the
    /// submission may be auto-matched at all.
    pub fn exact_matches<'a>(
        &'a self,
        submission: &'a Prepared,
    ) -> impl Iterator<Item = &'a K> + 'a {
        self.could_be_rows(submission)
            .filter(move |row| {
                self.columns
                    .exact_fields(*row)
                    .is_some_and(|(first, surname, sex)| {
                        sex == submission.sex()
                            && sex != Sex::Unknown
                            && first == submission.first_name()
                            && surname == submission.surname()
                            && self.columns.date_of_birth(*row) == submission.date_of_birth()
                    })
            })
            .filter_map(|row| self.keys.get(row as usize))
    }

    /// The patients who [could be](crate::Comparison::could_be_exact) the
    /// submission on the four fields: everyone the exact rule must see.
    fn could_be_rows<'a>(&'a self, submission: &'a Prepared) -> impl Iterator<Item = u32> + 'a {
        let (dated, tags) = submission
            .date_of_birth()
            .map(|date| self.by_date_of_birth.rows_and_tags(date))
            .unwrap_or_default();
        // Only patients whose names' tag is the submission's, or who miss a
        // name, can be the person: the rest are passed over without reading
        // their names.
        let ours = names_tag(submission.first_name(), submission.surname());
        let dated = dated
            .iter()
            .zip(tags)
            .filter(move |(_, tag)| ours == INCOMPLETE || **tag == ours || **tag == INCOMPLETE)
            .map(|(row, _)| row);
        // Patients without a date of birth, or a submission without one:
        // the names decide.
        let by_names = if self.has_undated || submission.date_of_birth().is_none() {
            names_key(submission.first_name(), submission.surname())
                .map(|key| self.by_names.rows(key))
                .unwrap_or_default()
        } else {
            &[]
        };
        let undated_only = submission.date_of_birth().is_some();
        dated
            .copied()
            .chain(
                by_names
                    .iter()
                    .copied()
                    .filter(move |row| !undated_only || self.columns.date_of_birth(*row).is_none()),
            )
            .filter(move |row| self.could_be(*row, submission))
    }

    /// The cheap form of [`Comparison::could_be_exact`](crate::Comparison::could_be_exact)
    /// for patient `row`: no field of the exact rule differs, and at least
    /// two of names and date of birth are the same.
    fn could_be(&self, row: u32, submission: &Prepared) -> bool {
        let Some((first, surname, sex)) = self.columns.exact_fields(row) else {
            return false;
        };
        // Same (`Some(true)`), not known on a side (`Some(false)`), or
        // different (`None`): the surname first, which tells most patients
        // born the same day apart.
        let agree = |ours: &str, theirs: &str| {
            if ours.is_empty() || theirs.is_empty() {
                Some(false)
            } else {
                (ours == theirs).then_some(true)
            }
        };
        let Some(surname_same) = agree(submission.surname(), surname) else {
            return false;
        };
        let Some(first_same) = agree(submission.first_name(), first) else {
            return false;
        };
        let known = |s: Sex| matches!(s, Sex::Male | Sex::Female);
        if known(sex) && known(submission.sex()) && sex != submission.sex() {
            return false;
        }
        let date_same = match (submission.date_of_birth(), self.columns.date_of_birth(row)) {
            (Some(ours), Some(theirs)) if ours != theirs => return false,
            (Some(_), Some(_)) => true,
            _ => false,
        };
        usize::from(surname_same) + usize::from(first_same) + usize::from(date_same) >= 2
    }

    /// Matches a submission against the whole list: an auto-match when
    /// exactly one patient matches exactly and nobody else could be the
    /// person, otherwise ranked suggestions from the patients sharing a
    /// blocking key.
    pub fn find(&self, submission: &Demographics, config: &MatchConfig) -> MatchOutcome<&K> {
        self.find_prepared(&Prepared::new(submission), config)
    }

    /// [`find`](Self::find) for a submission whose details may be
    /// incomplete: it is never auto-matched, and candidates are compared
    /// on what both sides have.
    pub fn find_details(
        &self,
        submission: &PersonDetails,
        config: &MatchConfig,
    ) -> MatchOutcome<&K> {
        self.find_prepared(&Prepared::from_details(submission), config)
    }

    /// [`find`](Self::find) for a submission already prepared.
    pub fn find_prepared(&self, submission: &Prepared, config: &MatchConfig) -> MatchOutcome<&K> {
        let mut could_be = self.could_be_rows(submission);
        // The fast path: exactly one patient could be the submission, and
        // it is the same on the four fields. The ranking makes the decision
        // (sex, NHS number, the auto-match rule).
        if let (Some(only), None) = (could_be.next(), could_be.next())
            && let Some(theirs) = self.columns.view(only)
            && let Some(key) = self.keys.get(only as usize)
        {
            // Both names are the same, so their sounds are never read.
            let comparison = compare_views(&submission.view_for_exact(), &theirs);
            if comparison.is_exact() {
                let mut ranking = Ranking::new(submission);
                ranking.add(key, comparison);
                if let outcome @ MatchOutcome::AutoMatched(_) = ranking.decide(config) {
                    return outcome;
                }
            }
        }
        let ours = submission.view();
        let mut ranking = Ranking::new(submission);
        let mut rows = self.candidate_rows(submission);
        rows.extend(self.could_be_rows(submission));
        rows.sort_unstable();
        rows.dedup();
        for row in rows {
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
        if let Some(date_of_birth) = ours.date_of_birth {
            for date in date_slips(date_of_birth) {
                rows.extend_from_slice(self.by_date_of_birth.rows(date));
            }
            // A date one digit out with a name that sounds different shares
            // no other key: look at those dates too, but only at patients
            // whose names could earn a suggestion.
            for date in one_digit_slips(date_of_birth) {
                rows.extend(
                    self.by_date_of_birth
                        .rows(date)
                        .iter()
                        .filter(|row| self.names_could_agree(**row, &ours))
                        .copied(),
                );
            }
        }
        let (first, surname) = (ours.first_name.sound, ours.surname.sound);
        // Names alone, one of them misspelt out of its sound: everyone whose
        // surname (or first name) sounds the same and whose other name could
        // agree. For a submission without a date of birth, from the whole
        // list; otherwise from the patients without one.
        let by_one_sound = [
            (&self.by_sound, &self.undated_by_sound, surname.primary()),
            (
                &self.by_first_sound,
                &self.undated_by_first_sound,
                first.primary(),
            ),
        ];
        for (all, undated, sound) in by_one_sound {
            let table = if ours.date_of_birth.is_none() {
                all
            } else {
                undated
            };
            if sound != 0 {
                let low = u32::from(sound) << 16;
                rows.extend(
                    table
                        .rows_between(low, low | 0xffff)
                        .iter()
                        .filter(|row| self.names_could_agree(**row, &ours))
                        .copied(),
                );
            }
        }
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
        // The same names, whatever the date of birth: names without a
        // sound (no Latin letters) share no other key.
        if let Some(key) = names_key(submission.first_name(), submission.surname()) {
            rows.extend_from_slice(self.by_names.rows(key));
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

/// The blocking key of both normalised names: a 32-bit FNV-1a hash (rows
/// under a key are compared, so a collision costs a comparison, never a
/// wrong answer); none when either name is not known.
fn names_key(first: &str, surname: &str) -> Option<u32> {
    if first.is_empty() || surname.is_empty() {
        return None;
    }
    let bytes = first.bytes().chain([0]).chain(surname.bytes());
    Some(bytes.fold(0x811c_9dc5_u32, |hash, b| {
        (hash ^ u32::from(b)).wrapping_mul(0x0100_0193)
    }))
}

/// The tag of a patient's names beside their date of birth: their
/// [`names_key`], or [`INCOMPLETE`] when a name is missing (never a key).
fn names_tag(first: &str, surname: &str) -> u32 {
    names_key(first, surname).map_or(INCOMPLETE, |key| key.max(1))
}

/// The tag of a patient missing a first name or surname.
const INCOMPLETE: u32 = 0;

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
