//! Blocking tables: a sorted list of (key, patient) pairs per blocking key,
//! so that a lookup reads only the patients who share a key.

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

    /// Bytes held on the heap.
    pub(super) fn heap_bytes(&self) -> usize {
        vec_bytes(&self.keys) + vec_bytes(&self.rows)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_by_key() {
        let table = Table::build(vec![(3, 0), (1, 1), (3, 2), (2, 3)]);
        assert_eq!(table.rows(3), [0, 2]);
        assert_eq!(table.rows(1), [1]);
        assert!(table.rows(9).is_empty());
        assert!(table.rows(0).is_empty());
    }
}
