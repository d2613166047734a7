//! A practice for the engine tests: the mock SystmOne with the sample
//! eConsults' patients, a client on paused time, and what the record holds.
#![allow(dead_code, unreachable_pub, clippy::unwrap_used)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{NaiveDateTime, TimeDelta};
use econsult_model::{
    Activity, ActivityId, ActivityLog, Channel, Direction, EConsult, EConsultId, Message, samples,
};
use record_sync::store::{
    Change, Intent, IntentKey, Lease, LeaseToken, MemoryStore, SavedItem, SqliteStore, StoreError,
    SyncStore, Tracked,
};
use record_sync::{
    Engine, EngineBuilder, EngineConfig, ItemKey, PatientId, RetryPolicy, SyncError, TokioClock,
    is_record_content,
};
use systmone_client::client::{Client, ThrottlePolicy};
use systmone_client::mock::{MockSystmOne, Organisation, Origin, PatientSeed, ThrottleConfig};
use tokio::time::Instant;

pub const API_KEY: &str = "RECORD-SYNC-TEST-KEY";

/// The software name the mock gives the API key: `Event/@Software` on
/// every entry the engine writes.
pub const SOFTWARE: &str = "Record Sync Tests";

/// The practice the mock SystmOne is logged on at, and every test
/// eConsult is sent to (unless a test says otherwise).
pub const PRACTICE: &str = "Y01234";

/// Another practice, for tests of the practice check.
pub const OTHER_PRACTICE: &str = "Y05678";

/// The mock's clock at start: Wednesday 10 September 2031, 09:00, after every sample was submitted.
pub fn start_time() -> NaiveDateTime {
    "2031-09-10T09:00:00".parse().unwrap()
}

/// Whether SystmOne's real throttle is on (mock and client).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Throttle {
    Off,
    Real,
}

/// A sample eConsult by name, sent to [`PRACTICE`].
pub fn sample(name: &str) -> EConsult {
    let mut econsult = samples::by_name(name).unwrap().unwrap();
    econsult.practice = PRACTICE.parse().unwrap();
    econsult
}

/// A typical eConsult: a questionnaire with ICE, and three messages (an
/// SMS out, an email in, an SMS out). Submitted the day before the mock's
/// start.
pub fn typical() -> EConsult {
    let mut econsult = sample("01-sore-throat");
    econsult.id = EConsultId::new("EC-TYPICAL-1").unwrap();
    econsult.activity = ActivityLog::new(vec![
        message(
            "m1",
            "2031-09-09T10:00:00",
            false,
            Channel::Sms,
            "Please send a photo of your throat.",
        ),
        message(
            "m2",
            "2031-09-09T11:00:00",
            true,
            Channel::Email,
            "Here it is, it is worse today.",
        ),
        message(
            "m3",
            "2031-09-09T12:00:00",
            false,
            Channel::Sms,
            "Please come in at 4pm.",
        ),
    ])
    .unwrap();
    econsult
}

/// An email or SMS.
pub fn message(id: &str, at: &str, inbound: bool, channel: Channel, body: &str) -> Activity {
    let direction = if inbound {
        Direction::Inbound
    } else {
        Direction::Outbound
    };
    Activity::message(
        ActivityId::new(id).unwrap(),
        at.parse().unwrap(),
        direction,
        Some("Dr Sam Example"),
        Message::text(channel, body),
    )
}

/// The patient an eConsult names, as a mock patient.
pub fn seed_of(econsult: &EConsult) -> PatientSeed {
    PatientSeed::from_demographics(&econsult.patient)
}

/// Asks `engine` to save `econsult` to its patient and waits until the
/// engine has nothing left to do.
pub async fn save_and_wait(engine: &Engine, econsult: &EConsult) {
    engine
        .save(econsult.clone(), patient_of(econsult))
        .await
        .unwrap();
    engine.idle().await;
}

/// The engines' settings in tests: quick retries, a short lease, this
/// product's software name.
pub fn test_config() -> EngineConfig {
    EngineConfig::default()
        .with_retry(
            RetryPolicy::default()
                .with_initial(Duration::from_secs(1))
                .with_max(Duration::from_secs(8)),
        )
        .with_lease_ttl(Duration::from_secs(90))
        .with_software(SOFTWARE)
}

/// The patient an eConsult is saved to.
pub fn patient_of(econsult: &EConsult) -> PatientId {
    PatientId::nhs(econsult.patient.nhs_number.unwrap())
}

/// The mock's local time as the client and engine read it.
fn local_time(start: NaiveDateTime) -> impl Fn() -> NaiveDateTime + Send + Sync + 'static {
    let started = Instant::now();
    move || start + TimeDelta::from_std(started.elapsed()).unwrap()
}

pub struct Practice {
    pub mock: MockSystmOne,
    pub client: Client,
    pub dir: tempfile::TempDir,
    pub clock: TokioClock,
    pub throttle: Throttle,
    /// The mock's clock at start (and the engines' and clients').
    pub start: NaiveDateTime,
}

impl Practice {
    /// The mock with every sample's patient and the typical one's.
    pub async fn start(throttle: Throttle) -> Self {
        Self::start_at(throttle, start_time()).await
    }

    /// The same, with SystmOne's and the PC's clocks reading `start`.
    pub async fn start_at(throttle: Throttle, start: NaiveDateTime) -> Self {
        let mut patients: Vec<PatientSeed> = samples::all().unwrap().iter().map(seed_of).collect();
        patients.dedup_by_key(|p| p.nhs_number);
        let mock = MockSystmOne::builder()
            .throttle(match throttle {
                Throttle::Off => ThrottleConfig::off(),
                Throttle::Real => ThrottleConfig::systmone(),
            })
            .start_time(start)
            .seed(7)
            .organisation(Organisation::single_site(
                PRACTICE,
                "Record Sync Test Surgery",
            ))
            .api_key(API_KEY, SOFTWARE)
            .patients(patients)
            .start()
            .await
            .unwrap();
        let client = Self::connect(&mock, throttle, start).await;
        Self {
            client,
            mock,
            dir: tempfile::tempdir().unwrap(),
            clock: TokioClock::starting_at(start),
            throttle,
            start,
        }
    }

    async fn connect(mock: &MockSystmOne, throttle: Throttle, start: NaiveDateTime) -> Client {
        Client::builder(API_KEY, "record-sync tests 1.0")
            .address(mock.addr())
            .local_time(local_time(start))
            .throttle(match throttle {
                Throttle::Off => ThrottlePolicy::unlimited(),
                Throttle::Real => ThrottlePolicy::systmone(),
            })
            .connect()
            .await
            .unwrap()
    }

    pub fn spool(&self) -> PathBuf {
        self.dir.path().join("spool")
    }

    pub fn journal(&self) -> PathBuf {
        self.dir.path().join("journal.sqlite3")
    }

    /// The practice's SQLite journal, its leases on the practice's clock
    /// (paused tokio time), as every process on one PC shares one clock.
    pub fn sqlite_store(&self) -> SqliteStore {
        SqliteStore::open(self.journal())
            .unwrap()
            .with_clock(self.clock)
    }

    /// A second PC's client: its own connection to the same SystmOne.
    pub async fn another_client(&self) -> Client {
        Self::connect(&self.mock, self.throttle, self.start).await
    }

    /// An engine on this practice: quick retries, a short lease.
    pub fn engine(&self, store: impl SyncStore + 'static, owner: &str) -> EngineBuilder {
        self.engine_on(&self.client, store, owner)
    }

    /// A started engine journalling in this practice's SQLite file.
    pub async fn sqlite_engine(&self, owner: &str) -> Engine {
        let store = self.sqlite_store();
        self.engine(store, owner).start().await.unwrap()
    }

    /// A started engine journalling in memory.
    pub async fn memory_engine(&self) -> Engine {
        self.engine(MemoryStore::new(), "pc-1")
            .start()
            .await
            .unwrap()
    }

    /// An engine using `client`.
    pub fn engine_on(
        &self,
        client: &Client,
        store: impl SyncStore + 'static,
        owner: &str,
    ) -> EngineBuilder {
        record_sync::Engine::for_client(client, store, self.spool())
            .owner(owner)
            .clock(self.clock)
            .config(test_config())
    }

    /// How many entries of the record carry each of the eConsult's
    /// markers, read independently of the engine's own reading: only
    /// entries this product added through the API, and only by the first
    /// line (up to any raw line break) of their first narrative, compared
    /// as text with the marker line the SDK writes.
    pub fn markers(&self, econsult: &EConsult) -> BTreeMap<ItemKey, usize> {
        let nhs = econsult.patient.nhs_number.unwrap();
        let record = self.mock.record(nhs.as_str()).unwrap();
        let prefix = format!("eConsult sync ref: {}/", econsult.id);
        let mut counts = BTreeMap::new();
        for entry in record.api_events() {
            let ours =
                matches!(&entry.origin, Origin::Api { software, .. } if software == SOFTWARE);
            let first = entry.item.narratives.first().and_then(|n| n.lines.first());
            let (true, Some(first)) = (ours, first) else {
                continue;
            };
            let first = first.split(['\r', '\n']).next().unwrap_or("").trim();
            if let Some(item) = first.strip_prefix(&prefix) {
                let item: ItemKey = item.parse().unwrap();
                *counts.entry(item).or_insert(0) += 1;
            }
        }
        counts
    }

    /// Whether some entry this product wrote holds `text` on a narrative
    /// line: what a clinician would see, independent of markers.
    pub fn record_shows(&self, econsult: &EConsult, text: &str) -> bool {
        let nhs = econsult.patient.nhs_number.unwrap();
        let record = self.mock.record(nhs.as_str()).unwrap();
        record
            .api_events()
            .flat_map(|e| &e.item.narratives)
            .flat_map(|n| &n.lines)
            .any(|line| line.contains(text))
    }

    /// Asserts the record holds the consultation and every activity entry
    /// of `econsult` exactly once, no latest-PDF entry twice, and nothing
    /// else of it.
    pub fn assert_each_once(&self, econsult: &EConsult) {
        let counts = self.markers(econsult);
        let mut expected = vec![ItemKey::Consultation];
        expected.extend(
            econsult
                .activity
                .iter()
                .filter(|a| is_record_content(a))
                .map(|a| ItemKey::Activity(a.id.clone())),
        );
        for item in &expected {
            assert_eq!(
                counts.get(item),
                Some(&1),
                "{item} in the record: {counts:?}"
            );
        }
        for (item, n) in &counts {
            match item {
                ItemKey::LatestPdf(_) => assert_eq!(*n, 1, "{item} twice: {counts:?}"),
                other => assert!(expected.contains(other), "unexpected {other}: {counts:?}"),
            }
        }
    }

    /// The spool's files.
    pub fn spool_files(&self) -> Vec<PathBuf> {
        files_in(&self.spool())
    }
}

pub fn files_in(dir: &Path) -> Vec<PathBuf> {
    match std::fs::read_dir(dir) {
        Ok(entries) => entries.map(|e| e.unwrap().path()).collect(),
        Err(_) => Vec::new(),
    }
}

/// A step of a journal at which a test can act (see [`HookedStore`]).
#[derive(Debug)]
pub enum Step<'a> {
    /// An eConsult was changed; this is what is journalled now.
    Changed(&'a Tracked),
    /// An intent was journalled (its call is not yet sent).
    IntentBegun,
    /// An intent is about to be resolved.
    FinishingIntent,
    /// An intent was resolved.
    IntentFinished,
    /// The open intents were read.
    OpenIntentsRead,
    /// A lease is about to be renewed.
    Renewing,
}

/// What a test does at a journal's steps: pause, die, fail.
#[async_trait::async_trait]
pub trait StoreHook: Send + Sync + std::fmt::Debug {
    /// Called at `step`; an error fails the step (before it is made, for
    /// the steps named "about to").
    async fn at(&self, step: Step<'_>) -> Result<(), StoreError>;
}

/// A journal that does what `inner` does, calling `hook` at each [`Step`]:
/// how tests stall, kill or break an engine at a chosen point.
#[derive(Debug, Clone)]
pub struct HookedStore<S, H> {
    pub inner: S,
    pub hook: H,
}

#[async_trait::async_trait]
impl<S: SyncStore, H: StoreHook> SyncStore for HookedStore<S, H> {
    async fn load(&self, econsult: &EConsultId) -> Result<Option<Tracked>, StoreError> {
        self.inner.load(econsult).await
    }
    async fn change(
        &self,
        econsult: &EConsultId,
        fence: Option<&LeaseToken>,
        change: Change,
    ) -> Result<Tracked, SyncError> {
        let tracked = self.inner.change(econsult, fence, change).await?;
        self.hook.at(Step::Changed(&tracked)).await?;
        Ok(tracked)
    }
    async fn begin_intent(&self, intent: &Intent, fence: &LeaseToken) -> Result<(), StoreError> {
        self.inner.begin_intent(intent, fence).await?;
        self.hook.at(Step::IntentBegun).await
    }
    async fn finish_intent(
        &self,
        key: &IntentKey,
        landed: &[SavedItem],
        fence: &LeaseToken,
    ) -> Result<(), StoreError> {
        self.hook.at(Step::FinishingIntent).await?;
        self.inner.finish_intent(key, landed, fence).await?;
        self.hook.at(Step::IntentFinished).await
    }
    async fn open_intents(&self, econsult: Option<&EConsultId>) -> Result<Vec<Intent>, StoreError> {
        let open = self.inner.open_intents(econsult).await;
        self.hook.at(Step::OpenIntentsRead).await?;
        open
    }
    async fn saved_items(&self, econsult: &EConsultId) -> Result<Vec<SavedItem>, StoreError> {
        self.inner.saved_items(econsult).await
    }
    async fn with_work(&self) -> Result<Vec<EConsultId>, StoreError> {
        self.inner.with_work().await
    }
    async fn acquire_lease(
        &self,
        econsult: &EConsultId,
        owner: &str,
        ttl: Duration,
    ) -> Result<Lease, StoreError> {
        self.inner.acquire_lease(econsult, owner, ttl).await
    }
    async fn renew_lease(&self, lease: &LeaseToken, ttl: Duration) -> Result<(), StoreError> {
        self.hook.at(Step::Renewing).await?;
        self.inner.renew_lease(lease, ttl).await
    }
    async fn release_lease(&self, lease: &LeaseToken) -> Result<(), StoreError> {
        self.inner.release_lease(lease).await
    }
}

/// Pauses its engine once, just after journalling an intent (before the
/// call is sent), as a sleeping laptop or a stalled process would: long
/// enough for its lease to run out and another engine to take over.
/// Clones share the pause.
#[derive(Debug, Clone, Default)]
pub struct Pause(Arc<Mutex<Option<Duration>>>);

#[async_trait::async_trait]
impl StoreHook for Pause {
    async fn at(&self, step: Step<'_>) -> Result<(), StoreError> {
        if let Step::IntentBegun = step {
            let pause = self.0.lock().unwrap().take();
            if let Some(pause) = pause {
                tokio::time::sleep(pause).await;
            }
        }
        Ok(())
    }
}

/// A journal that can stall its engine after an intent.
pub type PausingStore<S> = HookedStore<S, Pause>;

impl<S: SyncStore + Clone> PausingStore<S> {
    pub fn new(inner: S) -> Self {
        Self {
            inner,
            hook: Pause::default(),
        }
    }

    /// The next intent journalled through this store pauses its engine
    /// for `pause`.
    pub fn pause_after_next_intent(&self, pause: Duration) {
        *self.hook.0.lock().unwrap() = Some(pause);
    }
}
