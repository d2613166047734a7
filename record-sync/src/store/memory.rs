//! The journal in memory: for tests, and for products that keep their own.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

use econsult_model::EConsultId;
use tokio::time::Instant;

use super::{
    Change, Intent, IntentKey, Lease, LeaseToken, SavedItem, StoreError, SyncStore, Tracked,
};
use crate::SyncError;

/// A [`SyncStore`] in memory. Cheap to clone: clones share one journal,
/// which is how a test gives two engines the same one. Nothing survives
/// the process.
///
/// Leases expire by tokio's monotonic clock, the one clock every engine in
/// the process shares (and the one paused-time tests control): no wall
/// clock, so changing the PC's time changes nothing.
///
/// ```
/// use record_sync::store::{MemoryStore, SyncStore};
///
/// # tokio_test_block_on(async {
/// let store = MemoryStore::new();
/// assert!(store.with_work().await?.is_empty());
/// # Ok::<(), record_sync::store::StoreError>(()) });
/// # fn tokio_test_block_on<F: std::future::Future>(f: F) -> F::Output {
/// #     tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(f)
/// # }
/// ```
#[derive(Debug, Clone, Default)]
pub struct MemoryStore {
    inner: std::sync::Arc<Mutex<Inner>>,
}

#[derive(Debug, Default)]
struct Inner {
    econsults: BTreeMap<EConsultId, Tracked>,
    intents: BTreeMap<IntentKey, (Intent, bool)>,
    saved: BTreeMap<EConsultId, Vec<SavedItem>>,
    leases: HashMap<EConsultId, LeaseRow>,
}

#[derive(Debug)]
struct LeaseRow {
    /// `None` once released.
    owner: Option<String>,
    generation: u64,
    expires: Instant,
}

impl Inner {
    /// Whether `fence` is the eConsult's current lease.
    fn check(&self, fence: &LeaseToken) -> Result<(), StoreError> {
        match self.leases.get(&fence.econsult) {
            Some(row)
                if row.generation == fence.generation
                    && row.owner.as_deref() == Some(fence.owner.as_str()) =>
            {
                Ok(())
            }
            _ => Err(StoreError::lease_lost(fence)),
        }
    }
}

impl MemoryStore {
    /// An empty journal.
    pub fn new() -> Self {
        Self::default()
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        // A panic while holding the lock cannot leave a half-made change:
        // every change is computed first and stored in one assignment.
        self.inner
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

#[async_trait::async_trait]
impl SyncStore for MemoryStore {
    async fn load(&self, econsult: &EConsultId) -> Result<Option<Tracked>, StoreError> {
        Ok(self.lock().econsults.get(econsult).cloned())
    }

    async fn change(
        &self,
        econsult: &EConsultId,
        fence: Option<&LeaseToken>,
        change: Change,
    ) -> Result<Tracked, SyncError> {
        let mut inner = self.lock();
        if let Some(fence) = fence {
            inner.check(fence)?;
        }
        let current = inner.econsults.get(econsult).cloned();
        let next = change(current)?;
        inner.econsults.insert(econsult.clone(), next.clone());
        Ok(next)
    }

    async fn begin_intent(&self, intent: &Intent, fence: &LeaseToken) -> Result<(), StoreError> {
        let mut inner = self.lock();
        inner.check(fence)?;
        if inner.intents.contains_key(&intent.key) {
            return Err(StoreError::new(format!(
                "intent {} is already journalled",
                intent.key
            )));
        }
        inner
            .intents
            .insert(intent.key.clone(), (intent.clone(), false));
        Ok(())
    }

    async fn finish_intent(
        &self,
        key: &IntentKey,
        landed: &[SavedItem],
        fence: &LeaseToken,
    ) -> Result<(), StoreError> {
        let mut inner = self.lock();
        inner.check(fence)?;
        let econsult = match inner.intents.get_mut(key) {
            Some((intent, resolved)) => {
                *resolved = true;
                intent.econsult.clone()
            }
            None => return Err(StoreError::new(format!("no intent {key} is journalled"))),
        };
        let saved = inner.saved.entry(econsult).or_default();
        for item in landed {
            if !saved.iter().any(|s| s.item == item.item) {
                saved.push(item.clone());
            }
        }
        Ok(())
    }

    async fn open_intents(&self, econsult: Option<&EConsultId>) -> Result<Vec<Intent>, StoreError> {
        let inner = self.lock();
        let mut open: Vec<Intent> = inner
            .intents
            .values()
            .filter(|(intent, resolved)| {
                !resolved && econsult.is_none_or(|e| *e == intent.econsult)
            })
            .map(|(intent, _)| intent.clone())
            .collect();
        open.sort_by_key(|i| i.created);
        Ok(open)
    }

    async fn saved_items(&self, econsult: &EConsultId) -> Result<Vec<SavedItem>, StoreError> {
        Ok(self.lock().saved.get(econsult).cloned().unwrap_or_default())
    }

    async fn with_work(&self) -> Result<Vec<EConsultId>, StoreError> {
        let inner = self.lock();
        let mut ids: Vec<EConsultId> = inner
            .econsults
            .iter()
            .filter(|(_, t)| {
                t.wants_save() || matches!(t.state.save(), crate::SaveState::Saving { .. })
            })
            .map(|(id, _)| id.clone())
            .chain(
                inner
                    .intents
                    .values()
                    .filter(|(_, resolved)| !resolved)
                    .map(|(i, _)| i.econsult.clone()),
            )
            .collect();
        ids.sort();
        ids.dedup();
        Ok(ids)
    }

    async fn acquire_lease(
        &self,
        econsult: &EConsultId,
        owner: &str,
        ttl: Duration,
    ) -> Result<Lease, StoreError> {
        let mut inner = self.lock();
        let now = Instant::now();
        let expires = now + ttl;
        let row = inner.leases.entry(econsult.clone()).or_insert(LeaseRow {
            owner: None,
            generation: 0,
            expires: now,
        });
        let live = row.expires > now;
        match row.owner.as_deref() {
            Some(holder) if live && holder == owner => row.expires = expires,
            Some(holder) if live => {
                return Ok(Lease::HeldBy {
                    owner: holder.to_owned(),
                    remaining: row.expires - now,
                });
            }
            _ => {
                row.owner = Some(owner.to_owned());
                row.generation += 1;
                row.expires = expires;
            }
        }
        Ok(Lease::Acquired(LeaseToken::new(
            econsult.clone(),
            owner,
            row.generation,
        )))
    }

    async fn renew_lease(&self, lease: &LeaseToken, ttl: Duration) -> Result<(), StoreError> {
        let mut inner = self.lock();
        inner.check(lease)?;
        if let Some(row) = inner.leases.get_mut(&lease.econsult) {
            row.expires = Instant::now() + ttl;
        }
        Ok(())
    }

    async fn release_lease(&self, lease: &LeaseToken) -> Result<(), StoreError> {
        let mut inner = self.lock();
        if inner.check(lease).is_ok()
            && let Some(row) = inner.leases.get_mut(&lease.econsult)
        {
            row.owner = None;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn the_memory_store_keeps_the_contract() {
        crate::store::contract::check(&MemoryStore::new()).await;
    }
}
