//! The index's patients, stored column by column in compact form: one
//! string arena for all names, small keys for everything else.

use chrono::NaiveDate;
use econsult_model::Sex;

use crate::person::{NameView, NhsKey, PersonView, PhoneKey, PostcodeKey, Prepared};
use crate::phonetic::Sound;

/// Every patient's comparable fields; patient `i` is row `i` of each
/// column.
#[derive(Debug, Default)]
pub(super) struct Columns {
    /// All normalised first names and surnames, back to back.
    names: String,
    /// Per patient: where the first name ends and where the surname ends
    /// in `names` (each starts where the previous one ended).
    name_ends: Vec<[u32; 2]>,
    sounds: Vec<[Sound; 2]>,
    /// [`NO_DATE`] for a date of birth not known.
    dates_of_birth: Vec<NaiveDate>,
    sexes: Vec<Sex>,
    postcodes: Vec<PostcodeKey>,
    /// Per patient: where their telephone numbers end in `phones`.
    phone_ends: Vec<u32>,
    phones: Vec<PhoneKey>,
    /// NHS numbers, [`NO_NHS_NUMBER`] for none.
    nhs_numbers: Vec<u64>,
}

/// Stands for no NHS number (every real one is below 10^10).
const NO_NHS_NUMBER: u64 = u64::MAX;

/// Stands for no date of birth (no patient is born in 262,144 BC).
const NO_DATE: NaiveDate = NaiveDate::MIN;

/// The name arena outgrew 4 GiB: far beyond any patient list.
#[derive(Debug)]
pub(super) struct ArenaFull;

impl Columns {
    pub(super) fn len(&self) -> usize {
        self.sexes.len()
    }

    /// Appends a patient; their row is the old [`len`](Self::len).
    pub(super) fn push(&mut self, person: &Prepared) -> Result<(), ArenaFull> {
        let view = person.view();
        let offset = |arena: &String| u32::try_from(arena.len()).map_err(|_| ArenaFull);
        self.names.push_str(view.first_name.text);
        let first_end = offset(&self.names)?;
        self.names.push_str(view.surname.text);
        let surname_end = offset(&self.names)?;
        self.name_ends.push([first_end, surname_end]);
        self.sounds
            .push([view.first_name.sound, view.surname.sound]);
        self.dates_of_birth
            .push(view.date_of_birth.unwrap_or(NO_DATE));
        self.sexes.push(view.sex);
        self.postcodes.push(view.postcode);
        self.phones.extend_from_slice(view.phones);
        self.phone_ends
            .push(u32::try_from(self.phones.len()).map_err(|_| ArenaFull)?);
        self.nhs_numbers
            .push(view.nhs_number.map_or(NO_NHS_NUMBER, |n| n.0));
        Ok(())
    }

    /// Frees the spare capacity left by building.
    pub(super) fn shrink_to_fit(&mut self) {
        self.names.shrink_to_fit();
        self.name_ends.shrink_to_fit();
        self.sounds.shrink_to_fit();
        self.dates_of_birth.shrink_to_fit();
        self.sexes.shrink_to_fit();
        self.postcodes.shrink_to_fit();
        self.phone_ends.shrink_to_fit();
        self.phones.shrink_to_fit();
        self.nhs_numbers.shrink_to_fit();
    }

    /// Bytes held on the heap.
    pub(super) fn heap_bytes(&self) -> usize {
        self.names.capacity()
            + vec_bytes(&self.name_ends)
            + vec_bytes(&self.sounds)
            + vec_bytes(&self.dates_of_birth)
            + vec_bytes(&self.sexes)
            + vec_bytes(&self.postcodes)
            + vec_bytes(&self.phone_ends)
            + vec_bytes(&self.phones)
            + vec_bytes(&self.nhs_numbers)
    }

    /// Patient `row`'s date of birth; `None` when not known (or no such
    /// row).
    pub(super) fn date_of_birth(&self, row: u32) -> Option<NaiveDate> {
        self.dates_of_birth
            .get(row as usize)
            .copied()
            .filter(|d| *d != NO_DATE)
    }

    /// Patient `row`'s normalised first name and surname, and sex: all
    /// the exact rule reads.
    pub(super) fn exact_fields(&self, row: u32) -> Option<(&str, &str, Sex)> {
        let i = row as usize;
        let start = match i.checked_sub(1) {
            Some(previous) => self.name_ends.get(previous)?[1] as usize,
            None => 0,
        };
        let [first_end, surname_end] = *self.name_ends.get(i)?;
        Some((
            self.names.get(start..first_end as usize)?,
            self.names.get(first_end as usize..surname_end as usize)?,
            *self.sexes.get(i)?,
        ))
    }

    pub(super) fn sounds(&self, row: u32) -> Option<[Sound; 2]> {
        self.sounds.get(row as usize).copied()
    }

    /// Patient `row` as the comparison sees them.
    pub(super) fn view(&self, row: u32) -> Option<PersonView<'_>> {
        let i = row as usize;
        let start = |i: usize| -> usize {
            i.checked_sub(1)
                .and_then(|previous| self.name_ends.get(previous))
                .map_or(0, |ends| ends[1] as usize)
        };
        let [first_end, surname_end] = *self.name_ends.get(i)?;
        let [first_sound, surname_sound] = *self.sounds.get(i)?;
        let phones_start = i
            .checked_sub(1)
            .and_then(|previous| self.phone_ends.get(previous))
            .map_or(0, |end| *end as usize);
        let phones_end = *self.phone_ends.get(i)? as usize;
        Some(PersonView {
            first_name: NameView {
                text: self.names.get(start(i)..first_end as usize)?,
                sound: first_sound,
            },
            surname: NameView {
                text: self.names.get(first_end as usize..surname_end as usize)?,
                sound: surname_sound,
            },
            date_of_birth: Some(*self.dates_of_birth.get(i)?).filter(|d| *d != NO_DATE),
            sex: *self.sexes.get(i)?,
            postcode: *self.postcodes.get(i)?,
            phones: self.phones.get(phones_start..phones_end)?,
            nhs_number: Some(*self.nhs_numbers.get(i)?)
                .filter(|n| *n != NO_NHS_NUMBER)
                .map(NhsKey),
        })
    }

    /// Each patient's telephone numbers and NHS number, for the blocking
    /// tables.
    pub(super) fn phones_of(&self, row: u32) -> &[PhoneKey] {
        self.view(row).map_or(&[], |v| v.phones)
    }

    pub(super) fn nhs_number(&self, row: u32) -> Option<NhsKey> {
        self.nhs_numbers
            .get(row as usize)
            .copied()
            .filter(|n| *n != NO_NHS_NUMBER)
            .map(NhsKey)
    }
}

/// The heap bytes a vector holds, spare capacity included.
pub(super) fn vec_bytes<T>(v: &Vec<T>) -> usize {
    v.capacity() * std::mem::size_of::<T>()
}
