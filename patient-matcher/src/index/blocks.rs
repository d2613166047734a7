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
/// day's rows start.
///
/// A list whose dates span more than [`MAX_DENSE_DAYS`] (a date typed as
/// year 9999, say) falls back to a sorted table, so one bad date cannot
/// cost gigabytes.
#[derive(Debug)]
pub(super) enum DateTable {
    Dense {
        first_day: i32,
        /// `starts[d]` is where day `first_day + d` starts in `rows`; one
        /// more entry than days, for the end.
        starts: Vec<u32>,
        rows: Vec<u32>,
    },
    Sparse(Table<NaiveDate>),
}

/// The widest span of dates kept dense: about 2,900 years, 4 MiB of starts.
const MAX_DENSE_DAYS: i64 = 1 << 20;

impl DateTable {
    pub(super) fn build(pairs: Vec<(NaiveDate, u32)>) -> Self {
        let days = |d: &NaiveDate| d.num_days_from_ce();
        let (Some(first), Some(last)) = (
            pairs.iter().map(|(d, _)| days(d)).min(),
            pairs.iter().map(|(d, _)| days(d)).max(),
        ) else {
            return Self::Sparse(Table::build(pairs));
        };
        let span = i64::from(last) - i64::from(first) + 1;
        if span > MAX_DENSE_DAYS {
            return Self::Sparse(Table::build(pairs));
        }
        let span = span as usize;
        // Counting sort by day: count, turn counts into starts, place.
        let mut starts = vec![0u32; span + 1];
        for (date, _) in &pairs {
            starts[(days(date) - first) as usize + 1] += 1;
        }
        for d in 1..=span {
            starts[d] += starts[d - 1];
        }
        let mut next = starts.clone();
        let mut rows = vec![0u32; pairs.len()];
        for (date, row) in &pairs {
            let slot = &mut next[(days(date) - first) as usize];
            rows[*slot as usize] = *row;
            *slot += 1;
        }
        Self::Dense {
            first_day: first,
            starts,
            rows,
        }
    }

    /// The patients born on `date`, in row order.
    pub(super) fn rows(&self, date: NaiveDate) -> &[u32] {
        match self {
            Self::Sparse(table) => table.rows(date),
            Self::Dense {
                first_day,
                starts,
                rows,
            } => {
                let Ok(day) =
                    usize::try_from(i64::from(date.num_days_from_ce()) - i64::from(*first_day))
                else {
                    return &[];
                };
                match (starts.get(day), starts.get(day + 1)) {
                    (Some(start), Some(end)) => {
                        rows.get(*start as usize..*end as usize).unwrap_or_default()
                    }
                    _ => &[],
                }
            }
        }
    }

    pub(super) fn heap_bytes(&self) -> usize {
        match self {
            Self::Sparse(table) => table.heap_bytes(),
            Self::Dense { starts, rows, .. } => vec_bytes(starts) + vec_bytes(rows),
        }
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
        let pairs = vec![
            (date(1970, 2, 1), 0),
            (date(1969, 12, 31), 1),
            (date(1970, 2, 1), 2),
            (date(2001, 1, 1), 3),
        ];
        let dense = DateTable::build(pairs.clone());
        assert!(matches!(dense, DateTable::Dense { .. }));
        let mut far = pairs;
        far.push((date(9999, 12, 31), 4));
        let sparse = DateTable::build(far);
        assert!(matches!(sparse, DateTable::Sparse(_)));
        for table in [&dense, &sparse] {
            assert_eq!(table.rows(date(1970, 2, 1)), [0, 2]);
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
