//! The journal in memory: for tests, and for products that keep their own.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Mutex, MutexGuard};

use econsult_model::EConsultId;

use super::{Change, Intent, IntentKey, Lease, SavedItem, StoreError, SyncStore, Tracked};
use crate::SyncError;

/// A [`SyncStore`] in memory. Cheap to clone: clones share one journal,
/// which is how a test gives two engines the same one. Nothing survives
/// the process.
///
/// ```
/// use record_sync::{MemoryStore, SyncStore};
///
/// # tokio_test_block_on(async {
/// let store = MemoryStore::new();
/// assert!(store.with_work().await?.is_empty());
/// # Ok::<(), record_sync::StoreError>(()) });
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
    leases: HashMap<EConsultId, (String, i64)>,
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

    async fn change(&self, econsult: &EConsultId, change: Change) -> Result<Tracked, SyncError> {
        let mut inner = self.lock();
        let current = inner.econsults.get(econsult).cloned();
        let next = change(current)?;
        inner.econsults.insert(econsult.clone(), next.clone());
        Ok(next)
    }

    async fn begin_intent(&self, intent: &Intent) -> Result<(), StoreError> {
        let mut inner = self.lock();
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

    async fn finish_intent(&self, key: &IntentKey, landed: &[SavedItem]) -> Result<(), StoreError> {
        let mut inner = self.lock();
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
        open.sort_by_key(|i| i.created_ms);
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
        now_ms: i64,
        ttl_ms: i64,
    ) -> Result<Lease, StoreError> {
        let mut inner = self.lock();
        if let Some((holder, expires_ms)) = inner.leases.get(econsult)
            && holder != owner
            && *expires_ms > now_ms
        {
            return Ok(Lease::HeldBy {
                owner: holder.clone(),
                expires_ms: *expires_ms,
            });
        }
        inner.leases.insert(
            econsult.clone(),
            (owner.to_owned(), now_ms.saturating_add(ttl_ms)),
        );
        Ok(Lease::Acquired)
    }

    async fn release_lease(&self, econsult: &EConsultId, owner: &str) -> Result<(), StoreError> {
        let mut inner = self.lock();
        if inner
            .leases
            .get(econsult)
            .is_some_and(|(holder, _)| holder == owner)
        {
            inner.leases.remove(econsult);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn the_memory_store_keeps_the_contract() {
        crate::store::contract::check(&MemoryStore::new()).await;
    }
}
