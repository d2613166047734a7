//! What every [`SyncStore`] must do, checked the same way for each: the
//! memory and SQLite stores run it in this crate's tests, and a vendor's
//! own store (feature `store-tests`) runs the same suite.
//!
//! ```no_run
//! use record_sync::store::{MemoryStore, contract};
//!
//! #[tokio::test(start_paused = true)]
//! async fn my_store_keeps_the_contract() {
//!     // Your store, empty: here the crate's own, for the example.
//!     contract::check(&MemoryStore::new()).await;
//! }
//! ```
//!
//! Run it on paused tokio time, with the store's lease clock on tokio's
//! time too (`SqliteStore::with_clock(TokioClock::starting_at(..))`):
//! leases expire on the store's clock, and the suite waits them out. A
//! broken rule panics with the step that broke.
#![allow(clippy::unwrap_used)]

use econsult_model::{EConsultId, Status, samples};

use std::time::Duration;

use super::*;
use crate::{FailureCause, SaveFailure, Transition};

fn tracked() -> Tracked {
    let econsult = samples::by_name("01-sore-throat").unwrap().unwrap();
    Tracked {
        patient: PatientId::nhs("9990000018".parse().unwrap()),
        state: SyncState::new(econsult.status),
        econsult,
        save_requested: true,
        requests: 1,
        saves_started: 0,
    }
}

fn intent(econsult: &EConsultId, items: &[&str], created_ms: u64) -> Intent {
    Intent {
        key: IntentKey::generate(),
        econsult: econsult.clone(),
        patient: PatientId::nhs("9990000018".parse().unwrap()),
        items: items.iter().map(|i| i.parse().unwrap()).collect(),
        files: vec![PathBuf::from("/spool/a-0.pdf")],
        sent_at: "2031-05-14T23:59:30".parse().unwrap(),
        created: std::time::UNIX_EPOCH + Duration::from_millis(created_ms),
    }
}

/// Runs the whole contract against `store`, which must be empty: loads
/// and changes of eConsults, intents journalled and finished, saved items,
/// and leases as fences (taking, renewing, releasing, expiry by the
/// store's clock, and every fenced write refused for a lost generation).
/// Panics at the first rule broken.
pub async fn check(store: &dyn SyncStore) {
    let tracked = tracked();
    let id = tracked.econsult.id.clone();
    let other = EConsultId::new("EC-OTHER").unwrap();
    assert_eq!(store.load(&id).await.unwrap(), None);
    assert!(store.with_work().await.unwrap().is_empty());

    // change: create, refuse (nothing written), update.
    let first = tracked.clone();
    let made = store
        .change(
            &id,
            None,
            Box::new(move |current| {
                assert!(current.is_none());
                Ok(first)
            }),
        )
        .await
        .unwrap();
    assert_eq!(made, tracked);
    assert_eq!(store.load(&id).await.unwrap().as_ref(), Some(&tracked));
    assert_eq!(
        store.with_work().await.unwrap(),
        vec![id.clone()],
        "a save is asked for"
    );
    let refused = store
        .change(
            &id,
            None,
            Box::new(|_| Err(SyncError::NotTracked(EConsultId::new("EC-X").unwrap()))),
        )
        .await;
    assert!(matches!(refused, Err(SyncError::NotTracked(_))));
    assert_eq!(
        store.load(&id).await.unwrap().as_ref(),
        Some(&tracked),
        "a refusal writes nothing"
    );
    store
        .change(
            &id,
            None,
            Box::new(|current| {
                let mut t = current.unwrap();
                t.state.apply(Transition::SaveStarted).unwrap();
                t.state
                    .apply(Transition::SaveFailed {
                        failure: SaveFailure::new(FailureCause::RecordInUse, true, "in use"),
                        consultation_saved: false,
                    })
                    .unwrap();
                t.save_requested = false;
                t.state
                    .apply(Transition::SetStatus(Status::AwaitingResponse))
                    .unwrap();
                Ok(t)
            }),
        )
        .await
        .unwrap();
    let loaded = store.load(&id).await.unwrap().unwrap();
    assert_eq!(loaded.state.status(), Status::AwaitingResponse);
    assert_eq!(loaded.state.save().name(), "failed");
    assert!(
        store.with_work().await.unwrap().is_empty(),
        "no save is asked for"
    );

    // Intents: open until resolved; resolved with what landed, under the
    // eConsult's lease.
    let hour = Duration::from_secs(3600);
    let on_id = acquired(store.acquire_lease(&id, "pc-1", hour).await.unwrap());
    let on_other = acquired(store.acquire_lease(&other, "pc-1", hour).await.unwrap());
    let fence = |econsult: &EConsultId| if *econsult == id { &on_id } else { &on_other };
    let a = intent(&id, &["consultation", "activity/act-01"], 10);
    let b = intent(&id, &["activity/act-02"], 20);
    let c = intent(&other, &["consultation"], 15);
    for i in [&a, &b, &c] {
        store.begin_intent(i, fence(&i.econsult)).await.unwrap();
    }
    assert!(
        store.begin_intent(&a, &on_id).await.is_err(),
        "a key is journalled once"
    );
    assert_eq!(
        store.open_intents(Some(&id)).await.unwrap(),
        vec![a.clone(), b.clone()]
    );
    assert_eq!(
        store.open_intents(None).await.unwrap(),
        vec![a.clone(), c.clone(), b.clone()]
    );
    assert_eq!(
        store.with_work().await.unwrap(),
        vec![id.clone(), other.clone()]
    );

    let landed = |intent: &Intent, uid: &str| -> Vec<SavedItem> {
        intent
            .items
            .iter()
            .map(|item| SavedItem {
                item: item.clone(),
                event_uid: Some(format!("{uid}-{item}")),
                intent: intent.key.clone(),
            })
            .collect()
    };
    store
        .finish_intent(&a.key, &landed(&a, "u1"), &on_id)
        .await
        .unwrap();
    store.finish_intent(&b.key, &[], &on_id).await.unwrap();
    assert_eq!(store.open_intents(Some(&id)).await.unwrap(), vec![]);
    assert_eq!(store.saved_items(&id).await.unwrap(), landed(&a, "u1"));
    // Finding an item again keeps its first record.
    let again = intent(&id, &["activity/act-01"], 30);
    store.begin_intent(&again, &on_id).await.unwrap();
    store
        .finish_intent(&again.key, &landed(&again, "u2"), &on_id)
        .await
        .unwrap();
    assert_eq!(store.saved_items(&id).await.unwrap(), landed(&a, "u1"));
    assert!(
        store
            .finish_intent(&IntentKey::generate(), &[], &on_id)
            .await
            .is_err()
    );
    assert!(store.saved_items(&other).await.unwrap().is_empty());
    assert_eq!(store.with_work().await.unwrap(), vec![other.clone()]);

    store.release_lease(&on_id).await.unwrap();
    store.release_lease(&on_other).await.unwrap();
    check_leases(store, &id, &other).await;
}

fn acquired(lease: Lease) -> LeaseToken {
    match lease {
        Lease::Acquired(token) => token,
        held => panic!("expected the lease, got {held:?}"),
    }
}

/// Leases: one owner at a time until expiry (by the store's clock, which
/// follows paused tokio time here), a new generation on every takeover,
/// and nothing written under a generation that is no longer current.
async fn check_leases(store: &dyn SyncStore, id: &EConsultId, other: &EConsultId) {
    let ttl = Duration::from_millis(500);
    let advance = |ms| tokio::time::advance(Duration::from_millis(ms));
    let pc1 = acquired(store.acquire_lease(id, "pc-1", ttl).await.unwrap());
    advance(200).await;
    assert_eq!(
        store.acquire_lease(id, "pc-2", ttl).await.unwrap(),
        Lease::HeldBy {
            owner: "pc-1".into(),
            remaining: Duration::from_millis(300),
        }
    );
    let on_other = acquired(store.acquire_lease(other, "pc-2", ttl).await.unwrap());
    assert_eq!(
        acquired(store.acquire_lease(id, "pc-1", ttl).await.unwrap()),
        pc1,
        "asking again while holding it keeps the generation"
    );
    advance(200).await;
    store.renew_lease(&pc1, ttl).await.unwrap();
    advance(400).await;
    assert!(
        matches!(
            store.acquire_lease(id, "pc-2", ttl).await.unwrap(),
            Lease::HeldBy { .. }
        ),
        "renewed until 500 ms after the renewal"
    );
    // Expired and not taken over: renewing is still safe (no one acted).
    advance(200).await;
    store.renew_lease(&pc1, ttl).await.unwrap();
    advance(600).await;
    let pc2 = acquired(store.acquire_lease(id, "pc-2", ttl).await.unwrap());
    assert!(
        pc2.generation > pc1.generation,
        "a takeover is a new generation"
    );

    // The stale holder can write nothing, and learns it.
    let lost = |result: Result<(), StoreError>| {
        assert!(
            result.as_ref().is_err_and(StoreError::is_lease_lost),
            "{result:?}"
        );
    };
    lost(store.renew_lease(&pc1, ttl).await);
    let stale = intent(id, &["activity/stale"], 40);
    lost(store.begin_intent(&stale, &pc1).await);
    assert!(store.open_intents(Some(id)).await.unwrap().is_empty());
    let fresh = intent(id, &["activity/fresh"], 41);
    store.begin_intent(&fresh, &pc2).await.unwrap();
    lost(store.finish_intent(&fresh.key, &[], &pc1).await);
    assert_eq!(
        store.open_intents(Some(id)).await.unwrap(),
        vec![fresh.clone()]
    );
    let before = store.load(id).await.unwrap();
    let refused = store
        .change(
            id,
            Some(&pc1),
            Box::new(|t| {
                let mut t = t.unwrap();
                t.requests += 100;
                Ok(t)
            }),
        )
        .await;
    assert!(
        matches!(refused, Err(SyncError::Store(ref e)) if e.is_lease_lost()),
        "{refused:?}"
    );
    assert_eq!(store.load(id).await.unwrap(), before, "nothing written");
    store
        .change(id, Some(&pc2), Box::new(|t| Ok(t.unwrap())))
        .await
        .unwrap();
    store.finish_intent(&fresh.key, &[], &pc2).await.unwrap();

    // Releasing: only the current holder's release counts, and a released
    // lease is never quietly renewed by its old holder.
    store.release_lease(&pc1).await.unwrap();
    assert!(
        matches!(
            store.acquire_lease(id, "pc-1", ttl).await.unwrap(),
            Lease::HeldBy { .. }
        ),
        "only the holder releases"
    );
    store.release_lease(&pc2).await.unwrap();
    lost(store.renew_lease(&pc2, ttl).await);
    lost(store.renew_lease(&pc1, ttl).await);
    let again = acquired(store.acquire_lease(id, "pc-1", ttl).await.unwrap());
    assert!(
        again.generation > pc2.generation,
        "taken again: a new generation"
    );
    store.release_lease(&on_other).await.unwrap();
}
