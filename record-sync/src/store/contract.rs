//! What every [`SyncStore`] must do, checked the same way for each.
#![allow(clippy::unwrap_used)]

use econsult_model::{EConsultId, Status, samples};

use super::*;
use crate::{FailureCause, SaveFailure, Transition};

fn tracked() -> Tracked {
    let econsult = samples::by_name("01-sore-throat").unwrap().unwrap();
    Tracked {
        patient: PatientRef::nhs("9990000018".parse().unwrap()),
        state: SyncState::new(econsult.status),
        econsult,
        save_requested: true,
        requests: 1,
    }
}

fn intent(econsult: &EConsultId, items: &[&str], created_ms: i64) -> Intent {
    Intent {
        key: IntentKey::generate(),
        econsult: econsult.clone(),
        patient: PatientRef::nhs("9990000018".parse().unwrap()),
        items: items.iter().map(|i| i.parse().unwrap()).collect(),
        files: vec![PathBuf::from("/spool/a-0.pdf")],
        sent_on: "2031-05-14".parse().unwrap(),
        created_ms,
    }
}

/// Runs the contract against an empty store.
pub(crate) async fn check(store: &dyn SyncStore) {
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

    // Intents: open until resolved; resolved with what landed.
    let a = intent(&id, &["consultation", "activity/act-01"], 10);
    let b = intent(&id, &["activity/act-02"], 20);
    let c = intent(&other, &["consultation"], 15);
    for i in [&a, &b, &c] {
        store.begin_intent(i).await.unwrap();
    }
    assert!(
        store.begin_intent(&a).await.is_err(),
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
        .finish_intent(&a.key, &landed(&a, "u1"))
        .await
        .unwrap();
    store.finish_intent(&b.key, &[]).await.unwrap();
    assert_eq!(store.open_intents(Some(&id)).await.unwrap(), vec![]);
    assert_eq!(store.saved_items(&id).await.unwrap(), landed(&a, "u1"));
    // Finding an item again keeps its first record.
    let again = intent(&id, &["activity/act-01"], 30);
    store.begin_intent(&again).await.unwrap();
    store
        .finish_intent(&again.key, &landed(&again, "u2"))
        .await
        .unwrap();
    assert_eq!(store.saved_items(&id).await.unwrap(), landed(&a, "u1"));
    assert!(
        store
            .finish_intent(&IntentKey::generate(), &[])
            .await
            .is_err()
    );
    assert!(store.saved_items(&other).await.unwrap().is_empty());
    assert_eq!(store.with_work().await.unwrap(), vec![other.clone()]);

    // Leases: one owner at a time until expiry; renewals; release.
    assert_eq!(
        store.acquire_lease(&id, "pc-1", 1_000, 500).await.unwrap(),
        Lease::Acquired
    );
    assert_eq!(
        store.acquire_lease(&id, "pc-2", 1_200, 500).await.unwrap(),
        Lease::HeldBy {
            owner: "pc-1".into(),
            expires_ms: 1_500
        }
    );
    assert_eq!(
        store
            .acquire_lease(&other, "pc-2", 1_200, 500)
            .await
            .unwrap(),
        Lease::Acquired
    );
    assert_eq!(
        store.acquire_lease(&id, "pc-1", 1_400, 500).await.unwrap(),
        Lease::Acquired,
        "renewed"
    );
    assert!(matches!(
        store.acquire_lease(&id, "pc-2", 1_600, 500).await.unwrap(),
        Lease::HeldBy {
            expires_ms: 1_900,
            ..
        }
    ));
    assert_eq!(
        store.acquire_lease(&id, "pc-2", 1_900, 500).await.unwrap(),
        Lease::Acquired,
        "expired"
    );
    store.release_lease(&id, "pc-1").await.unwrap();
    assert!(
        matches!(
            store.acquire_lease(&id, "pc-1", 2_000, 500).await.unwrap(),
            Lease::HeldBy { .. }
        ),
        "only the holder releases"
    );
    store.release_lease(&id, "pc-2").await.unwrap();
    assert_eq!(
        store.acquire_lease(&id, "pc-1", 2_000, 500).await.unwrap(),
        Lease::Acquired
    );
}
