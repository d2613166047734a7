//! The journal in an embedded SQLite file (feature `sqlite`).

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use econsult_model::EConsultId;
use rusqlite::{Connection, OptionalExtension, Transaction, TransactionBehavior, params};

use super::{
    Change, Intent, IntentKey, Lease, LeaseToken, SavedItem, StoreError, SyncStore, Tracked,
};
use crate::{Clock, SyncError, SystemClock};

/// The schema, one migration per version: `PRAGMA user_version` says how
/// many have been applied. Append; never edit one that has shipped.
const MIGRATIONS: &[&str] = &[
    // 1: the first schema.
    "CREATE TABLE econsults (
         id             TEXT PRIMARY KEY,
         patient        TEXT NOT NULL,
         content        TEXT NOT NULL,
         state          TEXT NOT NULL,
         save_requested INTEGER NOT NULL,
         requests       INTEGER NOT NULL,
         wants_work     INTEGER NOT NULL
     );
     CREATE TABLE intents (
         key        TEXT PRIMARY KEY,
         econsult   TEXT NOT NULL,
         patient    TEXT NOT NULL,
         items      TEXT NOT NULL,
         files      TEXT NOT NULL,
         sent_on    TEXT NOT NULL,
         created_ms INTEGER NOT NULL,
         resolved   INTEGER NOT NULL DEFAULT 0
     );
     CREATE INDEX intents_open ON intents (econsult) WHERE resolved = 0;
     CREATE TABLE saved_items (
         econsult  TEXT NOT NULL,
         item      TEXT NOT NULL,
         event_uid TEXT,
         intent    TEXT NOT NULL REFERENCES intents (key),
         PRIMARY KEY (econsult, item)
     );
     CREATE TABLE leases (
         econsult   TEXT PRIMARY KEY,
         owner      TEXT NOT NULL,
         expires_ms INTEGER NOT NULL
     );",
    // 2: leases are fences (a generation per takeover; a released lease
    // keeps its row and generation, with an empty owner), and intents keep
    // the local time they were sent, for the read window around midnight.
    "ALTER TABLE leases ADD COLUMN generation INTEGER NOT NULL DEFAULT 0;
     ALTER TABLE intents ADD COLUMN sent_at TEXT;
     ALTER TABLE econsults ADD COLUMN saves_started INTEGER NOT NULL DEFAULT 0;",
];

/// A [`SyncStore`] in an SQLite file on **one PC**, created on first use.
///
/// SQLite is compiled into the SDK (no system library). The file is in WAL
/// mode with `synchronous = FULL`: an intent is on disk before its call is
/// sent, even if the PC loses power a moment later. Several processes on
/// the same PC may share the file (each method is one `BEGIN IMMEDIATE`
/// transaction; a writer waits up to five seconds for another). PCs may
/// not: SQLite's locking does not work over a network share, so a path on
/// one (`\\server\share\…`) is refused. Several PCs need a server
/// database behind [`SyncStore`].
///
/// Leases expire by this store's clock (the PC's clock, [`SystemClock`],
/// unless [`with_clock`](Self::with_clock) says otherwise): every process
/// sharing the file reads the same one.
///
/// ```no_run
/// use record_sync::store::SqliteStore;
///
/// let store = SqliteStore::open("C:/ProgramData/Acme/econsult-journal.sqlite3")?;
/// # Ok::<(), record_sync::store::StoreError>(())
/// ```
#[derive(Debug, Clone)]
pub struct SqliteStore {
    connection: Arc<Mutex<Connection>>,
    path: Option<PathBuf>,
    clock: Arc<dyn Clock>,
}

/// Refuses a path on a network share: SQLite's file locking is not
/// reliable there, and two PCs sharing the journal would not be excluded
/// from each other. (A mapped drive letter cannot be told from a local one
/// by its name; the docs say not to use one.)
fn refuse_network_path(path: &Path) -> Result<(), StoreError> {
    let text = path.as_os_str().to_string_lossy();
    let unified = text.replace('/', "\\");
    let verbatim = unified.strip_prefix("\\\\?\\");
    let network = match verbatim {
        Some(rest) => rest
            .get(..4)
            .is_some_and(|prefix| prefix.eq_ignore_ascii_case("UNC\\")),
        None => unified.starts_with("\\\\") && !unified.starts_with("\\\\.\\"),
    };
    if network {
        return Err(StoreError::new(format!(
            "{} is on a network share; SqliteStore is for one PC (SQLite cannot lock a file over a network), so keep the journal on a local disk, or use a server database for several PCs",
            path.display()
        )));
    }
    Ok(())
}

fn sql_error(what: &str) -> impl Fn(rusqlite::Error) -> StoreError + '_ {
    move |error| StoreError::new(format!("{what}: {error}"))
}

fn json<T: serde::Serialize>(value: &T) -> Result<String, StoreError> {
    serde_json::to_string(value).map_err(|e| StoreError::new(format!("could not encode: {e}")))
}

fn from_json<T: serde::de::DeserializeOwned>(what: &str, text: &str) -> Result<T, StoreError> {
    serde_json::from_str(text).map_err(|e| {
        StoreError::new(format!(
            "the journal's {what} could not be read ({e}); the file may be damaged or from another program"
        ))
    })
}

impl SqliteStore {
    /// Opens the journal at `path`, creating it (and running every
    /// migration) on first use.
    ///
    /// # Errors
    ///
    /// When the file cannot be opened or created, or was made by a newer
    /// version of the SDK.
    pub fn open(path: impl AsRef<Path>) -> Result<Self, StoreError> {
        let path = path.as_ref();
        refuse_network_path(path)?;
        let what = format!("could not open {}", path.display());
        let connection = Connection::open(path).map_err(sql_error(&what))?;
        Self::prepare(connection, Some(path.to_owned()))
    }

    /// A journal in memory (for tests: it has the file's behaviour, not its
    /// durability).
    ///
    /// # Errors
    ///
    /// When SQLite cannot start.
    pub fn open_in_memory() -> Result<Self, StoreError> {
        let connection = Connection::open_in_memory().map_err(sql_error("could not open"))?;
        Self::prepare(connection, None)
    }

    /// Judges lease expiry by `clock` (default [`SystemClock`]; tests on
    /// paused time use [`TokioClock`](crate::TokioClock)). Every process
    /// sharing the file must use the same clock, which the PC's is.
    pub fn with_clock(mut self, clock: impl Clock + 'static) -> Self {
        self.clock = Arc::new(clock);
        self
    }

    /// The file, when there is one.
    pub fn path(&self) -> Option<&Path> {
        self.path.as_deref()
    }

    /// The schema version of the journal.
    ///
    /// # Errors
    ///
    /// When it cannot be read.
    pub fn schema_version(&self) -> Result<u32, StoreError> {
        let connection = self.lock();
        connection
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .map_err(sql_error("could not read the schema version"))
    }

    fn prepare(mut connection: Connection, path: Option<PathBuf>) -> Result<Self, StoreError> {
        connection
            .busy_timeout(std::time::Duration::from_secs(5))
            .map_err(sql_error("could not set the busy timeout"))?;
        connection
            .pragma_update(None, "journal_mode", "WAL")
            .map_err(sql_error("could not switch to WAL"))?;
        connection
            .pragma_update(None, "synchronous", "FULL")
            .map_err(sql_error("could not set synchronous"))?;
        connection
            .pragma_update(None, "foreign_keys", "ON")
            .map_err(sql_error("could not enable foreign keys"))?;
        migrate(&mut connection)?;
        Ok(Self {
            connection: Arc::new(Mutex::new(connection)),
            path,
            clock: Arc::new(SystemClock),
        })
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Connection> {
        // rusqlite rolls back an unfinished transaction when it is dropped,
        // so a panic inside one leaves the connection usable.
        self.connection
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Runs `work` on the connection on a blocking thread.
    async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce(&mut Connection) -> Result<T, SyncError> + Send + 'static,
    ) -> Result<T, SyncError> {
        let store = self.clone();
        tokio::task::spawn_blocking(move || work(&mut store.lock()))
            .await
            .map_err(|e| {
                SyncError::Store(StoreError::new(format!("the journal task failed: {e}")))
            })?
    }

    async fn run_store<T: Send + 'static>(
        &self,
        work: impl FnOnce(&mut Connection) -> Result<T, StoreError> + Send + 'static,
    ) -> Result<T, StoreError> {
        self.run(move |c| work(c).map_err(SyncError::Store))
            .await
            .map_err(|e| match e {
                SyncError::Store(s) => s,
                other => StoreError::new(other.to_string()),
            })
    }
}

fn migrate(connection: &mut Connection) -> Result<(), StoreError> {
    let tx = connection
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .map_err(sql_error("could not start the migration"))?;
    let version: i64 = tx
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .map_err(sql_error("could not read the schema version"))?;
    let version = usize::try_from(version).unwrap_or(usize::MAX);
    if version > MIGRATIONS.len() {
        return Err(StoreError::new(format!(
            "the journal has schema version {version}, newer than this SDK knows ({}); update the software",
            MIGRATIONS.len()
        )));
    }
    for (index, sql) in MIGRATIONS.iter().enumerate().skip(version) {
        tx.execute_batch(sql)
            .map_err(sql_error(&format!("migration {} failed", index + 1)))?;
        tx.pragma_update(
            None,
            "user_version",
            i64::try_from(index + 1).unwrap_or(i64::MAX),
        )
        .map_err(sql_error("could not record the schema version"))?;
    }
    tx.commit()
        .map_err(sql_error("could not commit the migration"))
}

fn load_tracked(connection: &Connection, id: &str) -> Result<Option<Tracked>, StoreError> {
    let row: Option<(String, String, String, bool, i64, i64)> = connection
        .query_row(
            "SELECT patient, content, state, save_requested, requests, saves_started
             FROM econsults WHERE id = ?1",
            [id],
            |r| {
                Ok((
                    r.get(0)?,
                    r.get(1)?,
                    r.get(2)?,
                    r.get(3)?,
                    r.get(4)?,
                    r.get(5)?,
                ))
            },
        )
        .optional()
        .map_err(sql_error("could not read an eConsult"))?;
    row.map(
        |(patient, content, state, save_requested, requests, saves_started)| {
            Ok(Tracked {
                patient: from_json("patient", &patient)?,
                econsult: from_json("eConsult", &content)?,
                state: from_json("state", &state)?,
                save_requested,
                requests: u64::try_from(requests).unwrap_or(0),
                saves_started: u64::try_from(saves_started).unwrap_or(0),
            })
        },
    )
    .transpose()
}

/// Whether `fence` is the eConsult's current lease, inside `tx`.
fn check_fence(tx: &Transaction<'_>, fence: &LeaseToken) -> Result<(), StoreError> {
    let current: Option<i64> = tx
        .query_row(
            "SELECT 1 FROM leases WHERE econsult = ?1 AND owner = ?2 AND generation = ?3",
            params![
                fence.econsult.as_str(),
                fence.owner,
                i64::try_from(fence.generation).unwrap_or(i64::MAX)
            ],
            |r| r.get(0),
        )
        .optional()
        .map_err(sql_error("could not read a lease"))?;
    match current {
        Some(_) => Ok(()),
        None => Err(StoreError::lease_lost(fence)),
    }
}

fn immediate<'c>(c: &'c mut Connection, what: &str) -> Result<Transaction<'c>, StoreError> {
    c.transaction_with_behavior(TransactionBehavior::Immediate)
        .map_err(sql_error(what))
}

fn millis(duration: Duration) -> i64 {
    i64::try_from(duration.as_millis()).unwrap_or(i64::MAX)
}

/// A time as the journal stores it: milliseconds since the Unix epoch.
fn epoch_millis(time: SystemTime) -> i64 {
    time.duration_since(UNIX_EPOCH).map_or(0, millis)
}

/// A time the journal stored as milliseconds since the Unix epoch.
fn from_epoch_millis(millis: i64) -> SystemTime {
    UNIX_EPOCH + Duration::from_millis(u64::try_from(millis).unwrap_or(0))
}

fn read_intent(row: &rusqlite::Row<'_>) -> rusqlite::Result<[String; 6]> {
    Ok([
        row.get(0)?,
        row.get(1)?,
        row.get(2)?,
        row.get(3)?,
        row.get(4)?,
        row.get(5)?,
    ])
}

fn intent_from(columns: [String; 6], created_ms: i64) -> Result<Intent, StoreError> {
    let [key, econsult, patient, items, files, sent_at] = columns;
    Ok(Intent {
        key: key
            .parse()
            .map_err(|e: super::IntentKeyError| StoreError::new(e.to_string()))?,
        econsult: EConsultId::new(&econsult).map_err(|e| StoreError::new(e.to_string()))?,
        patient: from_json("patient", &patient)?,
        items: from_json("items", &items)?,
        files: from_json("files", &files)?,
        sent_at: sent_at
            .parse()
            .map_err(|e| StoreError::new(format!("the journal's time {sent_at:?}: {e}")))?,
        created: from_epoch_millis(created_ms),
    })
}

#[async_trait::async_trait]
impl SyncStore for SqliteStore {
    async fn load(&self, econsult: &EConsultId) -> Result<Option<Tracked>, StoreError> {
        let id = econsult.as_str().to_owned();
        self.run_store(move |c| load_tracked(c, &id)).await
    }

    async fn change(
        &self,
        econsult: &EConsultId,
        fence: Option<&LeaseToken>,
        change: Change,
    ) -> Result<Tracked, SyncError> {
        let id = econsult.as_str().to_owned();
        let fence = fence.cloned();
        self.run(move |c| {
            let tx = immediate(c, "could not start a change")?;
            if let Some(fence) = &fence {
                check_fence(&tx, fence)?;
            }
            let current = load_tracked(&tx, &id)?;
            let next = change(current)?;
            tx.execute(
                "INSERT INTO econsults
                     (id, patient, content, state, save_requested, requests, wants_work, saves_started)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
                 ON CONFLICT (id) DO UPDATE SET patient = ?2, content = ?3, state = ?4,
                     save_requested = ?5, requests = ?6, wants_work = ?7, saves_started = ?8",
                params![
                    id,
                    json(&next.patient)?,
                    json(&next.econsult)?,
                    json(&next.state)?,
                    next.save_requested,
                    i64::try_from(next.requests).unwrap_or(i64::MAX),
                    next.wants_save()
                        || matches!(next.state.save(), crate::SaveState::Saving { .. }),
                    i64::try_from(next.saves_started).unwrap_or(i64::MAX),
                ],
            )
            .map_err(sql_error("could not write an eConsult"))?;
            tx.commit().map_err(sql_error("could not commit a change"))?;
            Ok(next)
        })
        .await
    }

    async fn begin_intent(&self, intent: &Intent, fence: &LeaseToken) -> Result<(), StoreError> {
        let intent = intent.clone();
        let fence = fence.clone();
        self.run_store(move |c| {
            let tx = immediate(c, "could not start journalling an intent")?;
            check_fence(&tx, &fence)?;
            tx.execute(
                "INSERT INTO intents (key, econsult, patient, items, files, sent_on, created_ms, sent_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                params![
                    intent.key.as_str(),
                    intent.econsult.as_str(),
                    json(&intent.patient)?,
                    json(&intent.items)?,
                    json(&intent.files)?,
                    intent.sent_on().to_string(),
                    epoch_millis(intent.created),
                    intent.sent_at.format("%Y-%m-%dT%H:%M:%S%.f").to_string(),
                ],
            )
            .map_err(sql_error("could not journal an intent"))?;
            tx.commit().map_err(sql_error("could not commit an intent"))
        })
        .await
    }

    async fn finish_intent(
        &self,
        key: &IntentKey,
        landed: &[SavedItem],
        fence: &LeaseToken,
    ) -> Result<(), StoreError> {
        let key = key.clone();
        let landed = landed.to_vec();
        let fence = fence.clone();
        self.run_store(move |c| {
            let tx = immediate(c, "could not start resolving an intent")?;
            check_fence(&tx, &fence)?;
            let econsult: Option<String> = tx
                .query_row(
                    "SELECT econsult FROM intents WHERE key = ?1",
                    [key.as_str()],
                    |r| r.get(0),
                )
                .optional()
                .map_err(sql_error("could not read an intent"))?;
            let econsult = econsult
                .ok_or_else(|| StoreError::new(format!("no intent {key} is journalled")))?;
            tx.execute(
                "UPDATE intents SET resolved = 1 WHERE key = ?1",
                [key.as_str()],
            )
            .map_err(sql_error("could not resolve an intent"))?;
            for item in &landed {
                tx.execute(
                    "INSERT INTO saved_items (econsult, item, event_uid, intent)
                     VALUES (?1, ?2, ?3, ?4) ON CONFLICT (econsult, item) DO NOTHING",
                    params![
                        econsult,
                        item.item.to_string(),
                        item.event_uid,
                        item.intent.as_str()
                    ],
                )
                .map_err(sql_error("could not record a saved item"))?;
            }
            tx.commit()
                .map_err(sql_error("could not commit an intent's outcome"))
        })
        .await
    }

    async fn open_intents(&self, econsult: Option<&EConsultId>) -> Result<Vec<Intent>, StoreError> {
        let econsult = econsult.map(|e| e.as_str().to_owned());
        self.run_store(move |c| {
            let mut statement = c
                .prepare(
                    "SELECT key, econsult, patient, items, files,
                         COALESCE(sent_at, sent_on || 'T00:00:00'), created_ms
                     FROM intents WHERE resolved = 0 AND (?1 IS NULL OR econsult = ?1)
                     ORDER BY created_ms, rowid",
                )
                .map_err(sql_error("could not read intents"))?;
            let rows = statement
                .query_map([econsult], |r| Ok((read_intent(r)?, r.get::<_, i64>(6)?)))
                .map_err(sql_error("could not read intents"))?;
            rows.map(|row| {
                let (columns, created_ms) = row.map_err(sql_error("could not read an intent"))?;
                intent_from(columns, created_ms)
            })
            .collect()
        })
        .await
    }

    async fn saved_items(&self, econsult: &EConsultId) -> Result<Vec<SavedItem>, StoreError> {
        let econsult = econsult.as_str().to_owned();
        self.run_store(move |c| {
            let mut statement = c
                .prepare(
                    "SELECT item, event_uid, intent FROM saved_items WHERE econsult = ?1 ORDER BY rowid",
                )
                .map_err(sql_error("could not read saved items"))?;
            let rows = statement
                .query_map([econsult], |r| {
                    Ok((r.get::<_, String>(0)?, r.get(1)?, r.get::<_, String>(2)?))
                })
                .map_err(sql_error("could not read saved items"))?;
            rows.map(|row| {
                let (item, event_uid, intent) = row.map_err(sql_error("could not read a saved item"))?;
                Ok(SavedItem {
                    item: item.parse().map_err(|e: crate::ItemKeyError| StoreError::new(e.to_string()))?,
                    event_uid,
                    intent: intent
                        .parse()
                        .map_err(|e: super::IntentKeyError| StoreError::new(e.to_string()))?,
                })
            })
            .collect()
        })
        .await
    }

    async fn with_work(&self) -> Result<Vec<EConsultId>, StoreError> {
        self.run_store(|c| {
            let mut statement = c
                .prepare(
                    "SELECT id FROM econsults WHERE wants_work = 1
                     UNION SELECT econsult FROM intents WHERE resolved = 0
                     ORDER BY 1",
                )
                .map_err(sql_error("could not read the work list"))?;
            let rows = statement
                .query_map([], |r| r.get::<_, String>(0))
                .map_err(sql_error("could not read the work list"))?;
            rows.map(|row| {
                let id = row.map_err(sql_error("could not read the work list"))?;
                EConsultId::new(&id).map_err(|e| StoreError::new(e.to_string()))
            })
            .collect()
        })
        .await
    }

    async fn acquire_lease(
        &self,
        econsult: &EConsultId,
        owner: &str,
        ttl: Duration,
    ) -> Result<Lease, StoreError> {
        let (econsult, owner) = (econsult.clone(), owner.to_owned());
        let clock = Arc::clone(&self.clock);
        self.run_store(move |c| {
            let tx = immediate(c, "could not start taking a lease")?;
            let now_ms = epoch_millis(clock.now());
            let expires_ms = now_ms.saturating_add(millis(ttl));
            let row: Option<(String, i64, i64)> = tx
                .query_row(
                    "SELECT owner, expires_ms, generation FROM leases WHERE econsult = ?1",
                    [econsult.as_str()],
                    |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
                )
                .optional()
                .map_err(sql_error("could not read a lease"))?;
            let (holder, held_until, generation) = row.unwrap_or((String::new(), 0, 0));
            let live = !holder.is_empty() && held_until > now_ms;
            let generation = if live && holder == owner {
                generation
            } else if live {
                let remaining = u64::try_from(held_until - now_ms).unwrap_or(0);
                return Ok(Lease::HeldBy {
                    owner: holder,
                    remaining: Duration::from_millis(remaining),
                });
            } else {
                generation.saturating_add(1)
            };
            tx.execute(
                "INSERT INTO leases (econsult, owner, expires_ms, generation) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT (econsult) DO UPDATE SET owner = ?2, expires_ms = ?3, generation = ?4",
                params![econsult.as_str(), owner, expires_ms, generation],
            )
            .map_err(sql_error("could not write a lease"))?;
            tx.commit().map_err(sql_error("could not commit a lease"))?;
            let generation = u64::try_from(generation).unwrap_or(0);
            Ok(Lease::Acquired(LeaseToken::new(econsult, owner, generation)))
        })
        .await
    }

    async fn renew_lease(&self, lease: &LeaseToken, ttl: Duration) -> Result<(), StoreError> {
        let lease = lease.clone();
        let clock = Arc::clone(&self.clock);
        self.run_store(move |c| {
            let tx = immediate(c, "could not start renewing a lease")?;
            check_fence(&tx, &lease)?;
            tx.execute(
                "UPDATE leases SET expires_ms = ?2 WHERE econsult = ?1",
                params![
                    lease.econsult.as_str(),
                    epoch_millis(clock.now()).saturating_add(millis(ttl))
                ],
            )
            .map_err(sql_error("could not renew a lease"))?;
            tx.commit().map_err(sql_error("could not commit a lease"))
        })
        .await
    }

    async fn release_lease(&self, lease: &LeaseToken) -> Result<(), StoreError> {
        let lease = lease.clone();
        self.run_store(move |c| {
            c.execute(
                "UPDATE leases SET owner = '', expires_ms = 0
                 WHERE econsult = ?1 AND owner = ?2 AND generation = ?3",
                params![
                    lease.econsult.as_str(),
                    lease.owner,
                    i64::try_from(lease.generation).unwrap_or(i64::MAX)
                ],
            )
            .map_err(sql_error("could not release a lease"))?;
            Ok(())
        })
        .await
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn paused_clock() -> crate::TokioClock {
        crate::TokioClock::starting_at("2031-05-14T09:00:00".parse().unwrap())
    }

    #[tokio::test(start_paused = true)]
    async fn the_sqlite_store_keeps_the_contract() {
        let store = SqliteStore::open_in_memory()
            .unwrap()
            .with_clock(paused_clock());
        crate::store::contract::check(&store).await;
    }

    #[tokio::test(start_paused = true)]
    async fn a_file_is_created_on_first_use_migrated_once_and_survives_reopening() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("journal.sqlite3");
        let store = SqliteStore::open(&path).unwrap().with_clock(paused_clock());
        assert_eq!(store.schema_version().unwrap() as usize, MIGRATIONS.len());
        crate::store::contract::check(&store).await;
        let mode: String = store
            .lock()
            .query_row("PRAGMA journal_mode", [], |r| r.get(0))
            .unwrap();
        assert_eq!(mode, "wal");
        drop(store);

        let again = SqliteStore::open(&path).unwrap();
        assert_eq!(again.schema_version().unwrap() as usize, MIGRATIONS.len());
        assert!(
            !again.open_intents(None).await.unwrap().is_empty(),
            "the journal kept its intents"
        );
    }

    #[test]
    fn a_journal_from_a_newer_sdk_is_refused_with_what_to_do() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("journal.sqlite3");
        let connection = Connection::open(&path).unwrap();
        connection.pragma_update(None, "user_version", 99).unwrap();
        drop(connection);
        let error = SqliteStore::open(&path).unwrap_err();
        assert!(error.to_string().contains("update the software"), "{error}");
    }

    #[test]
    fn a_journal_on_a_network_share_is_refused_with_what_to_do() {
        for path in [
            r"\\practice-server\shared\journal.sqlite3",
            "//practice-server/shared/journal.sqlite3",
            r"\\?\UNC\practice-server\shared\journal.sqlite3",
            r"\\?\unc\practice-server\shared\journal.sqlite3",
        ] {
            let error = SqliteStore::open(path).unwrap_err();
            assert!(
                error.to_string().contains("network share"),
                "{path}: {error}"
            );
            assert!(error.to_string().contains("local disk"), "{path}: {error}");
        }
        for local in [
            r"C:\ProgramData\journal.sqlite3",
            "/var/lib/journal",
            r"\\?\C:\j",
            r"\\?\é",
        ] {
            assert!(refuse_network_path(Path::new(local)).is_ok(), "{local}");
        }
    }

    #[tokio::test]
    async fn a_version_1_journal_is_migrated_and_its_open_intents_keep_their_day() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("journal.sqlite3");
        let connection = Connection::open(&path).unwrap();
        connection.execute_batch(MIGRATIONS[0]).unwrap();
        connection.pragma_update(None, "user_version", 1).unwrap();
        connection
            .execute(
                "INSERT INTO intents (key, econsult, patient, items, files, sent_on, created_ms)
                 VALUES ('0123456789abcdef0123456789abcdef', 'EC-1', '{\"nhs_number\":\"9990000018\"}',
                         '[\"consultation\"]', '[]', '2031-05-14', 5)",
                [],
            )
            .unwrap();
        connection
            .execute("INSERT INTO leases VALUES ('EC-1', 'old-engine', 0)", [])
            .unwrap();
        drop(connection);
        let store = SqliteStore::open(&path).unwrap();
        assert_eq!(store.schema_version().unwrap() as usize, MIGRATIONS.len());
        let open = store.open_intents(None).await.unwrap();
        assert_eq!(open.len(), 1);
        assert_eq!(open[0].sent_at.to_string(), "2031-05-14 00:00:00");
        assert_eq!(
            open[0].patient,
            crate::PatientId::nhs("9990000018".parse().unwrap())
        );
        let id = EConsultId::new("EC-1").unwrap();
        let Lease::Acquired(token) = store
            .acquire_lease(&id, "new-engine", Duration::from_secs(60))
            .await
            .unwrap()
        else {
            panic!("the old lease had expired")
        };
        assert_eq!(token.generation, 1, "a takeover starts a new generation");
    }

    /// Journals written before `PatientId` (by record-sync's `PatientRef`)
    /// hold the patient as `{"<kind>":"<value>"}`: every kind still reads
    /// as the same patient, and is written back the same way.
    #[tokio::test]
    async fn patients_journalled_by_earlier_versions_still_read() {
        use crate::PatientId;
        let store = SqliteStore::open_in_memory().unwrap();
        let old = [
            (
                "0123456789abcdef0123456789abcde1",
                "EC-1",
                r#"{"nhs_number":"9990000018"}"#,
                PatientId::nhs("9990000018".parse().unwrap()),
            ),
            (
                "0123456789abcdef0123456789abcde2",
                "EC-2",
                r#"{"pseudo_number":"0012345678"}"#,
                PatientId::pseudo_number("0012345678").unwrap(),
            ),
            (
                "0123456789abcdef0123456789abcde3",
                "EC-3",
                r#"{"client_id":"C9"}"#,
                PatientId::client_id("C9").unwrap(),
            ),
        ];
        for (key, econsult, patient, _) in &old {
            store
                .lock()
                .execute(
                    "INSERT INTO intents (key, econsult, patient, items, files, sent_on, created_ms)
                     VALUES (?1, ?2, ?3, '[\"consultation\"]', '[]', '2031-05-14', 5)",
                    params![key, econsult, patient],
                )
                .unwrap();
        }
        let open = store.open_intents(None).await.unwrap();
        assert_eq!(open.len(), old.len());
        for (key, _, text, patient) in &old {
            let intent = open.iter().find(|i| i.key.as_str() == *key).unwrap();
            assert_eq!(&intent.patient, patient, "{text}");
            assert_eq!(json(&intent.patient).unwrap(), *text);
        }
    }

    #[test]
    fn damaged_rows_are_errors_not_panics() {
        let store = SqliteStore::open_in_memory().unwrap();
        store
            .lock()
            .execute(
                "INSERT INTO econsults VALUES ('EC-1', 'not json', '{}', '{}', 0, 0, 0, 0)",
                [],
            )
            .unwrap();
        let runtime = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        let error = runtime
            .block_on(store.load(&EConsultId::new("EC-1").unwrap()))
            .unwrap_err();
        assert!(error.to_string().contains("could not be read"), "{error}");
    }
}
