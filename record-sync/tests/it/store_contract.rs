//! The store contract as a vendor runs it against their own store: through
//! the public `store::contract` (feature `store-tests`), from outside the
//! crate, on paused time.
#![cfg(feature = "store-tests")]

use record_sync::TokioClock;
use record_sync::store::{MemoryStore, SqliteStore, contract};

#[tokio::test(start_paused = true)]
async fn the_exported_contract_runs_against_a_store_from_outside_the_crate() {
    contract::check(&MemoryStore::new()).await;
}

#[tokio::test(start_paused = true)]
async fn the_exported_contract_runs_against_a_file_journal() {
    let dir = tempfile::tempdir().unwrap();
    // Leases expire on the store's clock: on paused time, tokio's.
    let store = SqliteStore::open(dir.path().join("journal.sqlite3"))
        .unwrap()
        .with_clock(TokioClock::starting_at(
            "2031-05-14T09:00:00".parse().unwrap(),
        ));
    contract::check(&store).await;
}
