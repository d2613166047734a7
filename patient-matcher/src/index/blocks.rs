//! Blocking tables: a sorted list of (key, patient) pairs per blocking key,
//! so that a lookup reads only the patients who share a key.

use chrono::{Datelike, NaiveDate};

use super::columns::vec_bytes;

/// Patients by one key, sorted by key.
#[derive(Debug)]
pub(super) struct Table<K> {
    keys: Vec<K>,
    rows: Vec<u32>,
}

impl<K: Ord + Copy> Table<K> {
    /// Builds the table from (key, patient) pairs in any order.
    pub(super) fn build(mut pairs: Vec<(K, u32)>) -> Self {
        pairs.sort_unstable();
        let (keys, rows) = pairs.into_iter().unzip();
        Self { keys, rows }
    }

    /// The patients with `key`, in row order.
    pub(super) fn rows(&self, key: K) -> &[u32] {
        let start = self.keys.partition_point(|k| *k < key);
        let end = start
            + self
                .keys
                .get(start..)
                .map_or(0, |rest| rest.partition_point(|k| *k == key));
        self.rows.get(start..end).unwrap_or_default()
    }

    /// The patients with a key from `low` to `high`, both included, in
    /// key order.
    pub(super) fn rows_between(&self, low: K, high: K) -> &[u32] {
        let start = self.keys.partition_point(|k| *k < low);
        let end = self.keys.partition_point(|k| *k <= high).max(start);
        self.rows.get(start..end).unwrap_or_default()
    }

    /// Bytes held on the heap.
    pub(super) fn heap_bytes(&self) -> usize {
        vec_bytes(&self.keys) + vec_bytes(&self.rows)
    }
}

/// Patients by date of birth, found in constant time: rows sorted by date
/// and, for every day from the earliest date to the latest, where that
/// day's rows start. Beside each row, in the same order, a 32-bit tag of
/// its names, so that an exact lookup reads one day's tags (a cache line
/// or two) rather than every patient's names.
///
/// A list whose dates span more than [`MAX_DENSE_DAYS`] (a date typed as
/// year 9999, say) falls back to a sorted list of dates, so one bad date
/// cannot cost gigabytes.
#[derive(Debug)]
pub(super) struct DateTable {
    days: Days,
    rows: Vec<u32>,
    /// `tags[i]` is the tag of `rows[i]`.
    tags: Vec<u32>,
}

/// Where each day's rows are.
#[derive(Debug)]
enum Days {
    Dense {
        first_day: i32,
        /// `starts[d]` is where day `first_day + d` starts in `rows`; one
        /// more entry than days, for the end.
        starts: Vec<u32>,
    },
    /// Each row's date, sorted.
    Sparse(Vec<NaiveDate>),
}

/// The widest span of dates kept dense: about 2,900 years, 4 MiB of starts.
const MAX_DENSE_DAYS: i64 = 1 << 20;

impl DateTable {
    /// Builds the table from `(date, row, tag)` in any order.
    pub(super) fn build(mut entries: Vec<(NaiveDate, u32, u32)>) -> Self {
        entries.sort_unstable_by_key(|(date, row, _)| (*date, *row));
        let days = |d: &NaiveDate| d.num_days_from_ce();
        let span = match (entries.first(), entries.last()) {
            (Some((first, ..)), Some((last, ..))) => {
                i64::from(days(last)) - i64::from(days(first)) + 1
            }
            _ => 0,
        };
        let index = if span == 0 || span > MAX_DENSE_DAYS {
            Days::Sparse(entries.iter().map(|(date, ..)| *date).collect())
        } else {
            let first_day = entries.first().map_or(0, |(d, ..)| days(d));
            let span = span as usize;
            // Counting: how many rows each day has, then where each starts.
            let mut starts = vec![0u32; span + 1];
            for (date, ..) in &entries {
                starts[(days(date) - first_day) as usize + 1] += 1;
            }
            for d in 1..=span {
                starts[d] += starts[d - 1];
            }
            Days::Dense { first_day, starts }
        };
        Self {
            days: index,
            rows: entries.iter().map(|(_, row, _)| *row).collect(),
            tags: entries.iter().map(|(.., tag)| *tag).collect(),
        }
    }

    /// Where the rows born on `date` are in `rows` and `tags`.
    fn range(&self, date: NaiveDate) -> std::ops::Range<usize> {
        match &self.days {
            Days::Sparse(dates) => {
                let start = dates.partition_point(|d| *d < date);
                let end = dates.partition_point(|d| *d <= date).max(start);
                start..end
            }
            Days::Dense { first_day, starts } => {
                let Ok(day) =
                    usize::try_from(i64::from(date.num_days_from_ce()) - i64::from(*first_day))
                else {
                    return 0..0;
                };
                match (starts.get(day), starts.get(day + 1)) {
                    (Some(start), Some(end)) => *start as usize..*end as usize,
                    _ => 0..0,
                }
            }
        }
    }

    /// The patients born on `date`, in row order.
    pub(super) fn rows(&self, date: NaiveDate) -> &[u32] {
        self.rows.get(self.range(date)).unwrap_or_default()
    }

    /// The patients born on `date`, with their tags.
    pub(super) fn rows_and_tags(&self, date: NaiveDate) -> (&[u32], &[u32]) {
        let range = self.range(date);
        (
            self.rows.get(range.clone()).unwrap_or_default(),
            self.tags.get(range).unwrap_or_default(),
        )
    }

    pub(super) fn heap_bytes(&self) -> usize {
        let days = match &self.days {
            Days::Sparse(dates) => vec_bytes(dates),
            Days::Dense { starts, .. } => vec_bytes(starts),
        };
        days + vec_bytes(&self.rows) + vec_bytes(&self.tags)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default()
    }

    #[test]
    fn dates_dense_and_sparse_find_the_same_rows() {
        let entries = vec![
            (date(1970, 2, 1), 0, 10),
            (date(1969, 12, 31), 1, 11),
            (date(1970, 2, 1), 2, 12),
            (date(2001, 1, 1), 3, 13),
        ];
        let dense = DateTable::build(entries.clone());
        assert!(matches!(dense.days, Days::Dense { .. }));
        let mut far = entries;
        far.push((date(9999, 12, 31), 4, 14));
        let sparse = DateTable::build(far);
        assert!(matches!(sparse.days, Days::Sparse(_)));
        for table in [&dense, &sparse] {
            assert_eq!(table.rows(date(1970, 2, 1)), [0, 2]);
            assert_eq!(table.rows_and_tags(date(1970, 2, 1)).1, [10, 12]);
            assert_eq!(table.rows(date(1969, 12, 31)), [1]);
            assert!(table.rows(date(1970, 2, 2)).is_empty());
            assert!(table.rows(date(1800, 1, 1)).is_empty());
            assert!(table.rows(date(3000, 1, 1)).is_empty());
        }
        assert!(
            DateTable::build(Vec::new())
                .rows(date(1970, 1, 1))
                .is_empty()
        );
    }

    #[test]
    fn rows_by_key() {
        let table = Table::build(vec![(3, 0), (1, 1), (3, 2), (2, 3)]);
        assert_eq!(table.rows(3), [0, 2]);
        assert_eq!(table.rows_between(2, 3), [3, 0, 2]);
        assert_eq!(table.rows_between(4, 9), [] as [u32; 0]);
        assert_eq!(table.rows_between(3, 1), [] as [u32; 0]);
        assert_eq!(table.rows(1), [1]);
        assert!(table.rows(9).is_empty());
        assert!(table.rows(0).is_empty());
    }
}
