//! A practice for the engine tests: the mock SystmOne with the sample
//! eConsults' patients, a client on paused time, and what the record holds.
#![allow(dead_code, unreachable_pub, clippy::unwrap_used)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use chrono::{NaiveDateTime, TimeDelta};
use econsult_model::{
    Activity, ActivityId, ActivityLog, Channel, Direction, EConsult, EConsultId, Message, samples,
};
use record_sync::{
    Engine, EngineBuilder, EngineConfig, ItemKey, Marker, MemoryStore, PatientRef, RetryPolicy,
    SqliteStore, SyncStore, TokioClock, is_record_content,
};
use systmone_client::client::{Client, ThrottlePolicy};
use systmone_client::mock::{MockSystmOne, PatientSeed, ThrottleConfig};
use tokio::time::Instant;

pub const API_KEY: &str = "RECORD-SYNC-TEST-KEY";

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

/// A sample eConsult by name.
pub fn sample(name: &str) -> EConsult {
    samples::by_name(name).unwrap().unwrap()
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

/// The patient an eConsult is saved to.
pub fn patient_of(econsult: &EConsult) -> PatientRef {
    PatientRef::nhs(econsult.patient.nhs_number.unwrap())
}

/// The mock's local time as the client and engine read it.
fn local_time() -> impl Fn() -> NaiveDateTime + Send + Sync + 'static {
    let started = Instant::now();
    move || start_time() + TimeDelta::from_std(started.elapsed()).unwrap()
}

pub struct Practice {
    pub mock: MockSystmOne,
    pub client: Client,
    pub dir: tempfile::TempDir,
    pub clock: TokioClock,
    pub throttle: Throttle,
}

impl Practice {
    /// The mock with every sample's patient and the typical one's.
    pub async fn start(throttle: Throttle) -> Self {
        let mut patients: Vec<PatientSeed> = samples::all().unwrap().iter().map(seed_of).collect();
        patients.dedup_by_key(|p| p.nhs_number);
        let mock = MockSystmOne::builder()
            .throttle(match throttle {
                Throttle::Off => ThrottleConfig::off(),
                Throttle::Real => ThrottleConfig::systmone(),
            })
            .start_time(start_time())
            .seed(7)
            .api_key(API_KEY, "Record Sync Tests")
            .patients(patients)
            .start()
            .await
            .unwrap();
        let client = Self::connect(&mock, throttle).await;
        Self {
            client,
            mock,
            dir: tempfile::tempdir().unwrap(),
            clock: TokioClock::starting_at(start_time()),
            throttle,
        }
    }

    async fn connect(mock: &MockSystmOne, throttle: Throttle) -> Client {
        Client::builder(API_KEY, "record-sync tests 1.0")
            .address(mock.addr())
            .local_time(local_time())
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

    /// A second PC's client: its own connection to the same SystmOne.
    pub async fn another_client(&self) -> Client {
        Self::connect(&self.mock, self.throttle).await
    }

    /// An engine on this practice: quick retries, a short lease.
    pub fn engine(&self, store: impl SyncStore + 'static, owner: &str) -> EngineBuilder {
        self.engine_on(&self.client, store, owner)
    }

    /// A started engine journalling in this practice's SQLite file.
    pub async fn sqlite_engine(&self, owner: &str) -> Engine {
        let store = SqliteStore::open(self.journal()).unwrap();
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
            .config(
                EngineConfig::default()
                    .with_retry(
                        RetryPolicy::default()
                            .with_initial(Duration::from_secs(1))
                            .with_max(Duration::from_secs(8)),
                    )
                    .with_lease_ttl(Duration::from_secs(90)),
            )
    }

    /// How many events of the record carry each of the eConsult's markers.
    pub fn markers(&self, econsult: &EConsult) -> BTreeMap<ItemKey, usize> {
        let nhs = econsult.patient.nhs_number.unwrap();
        let record = self.mock.record(nhs.as_str()).unwrap();
        let mut counts = BTreeMap::new();
        for line in record.narrative_lines() {
            if let Some(marker) = Marker::parse(line)
                && marker.econsult == econsult.id
            {
                *counts.entry(marker.item).or_insert(0) += 1;
            }
        }
        counts
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
