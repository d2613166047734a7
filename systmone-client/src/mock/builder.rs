//! Configuring and starting a [`MockSystmOne`].

use std::collections::BTreeMap;
use std::net::{Ipv4Addr, SocketAddr};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::NaiveDateTime;
use rand::SeedableRng as _;
use tokio::net::TcpListener;
use tokio::sync::watch;

use super::MockSystmOne;
use super::clock::{MockClock, local_now};
use super::devices::{ApprovalPolicy, DeviceFileError, DeviceRecord, DeviceRegistry};
use super::faults::{FaultRule, FaultScript};
use super::handlers::{DeleteScope, HandlerSettings};
use super::organisation::{DiarySlot, Organisation, example_slots};
use super::practice::Practice;
use super::seed::{PatientFileError, PatientSeed, load_patients};
use super::server::{RequestLog, ServerSettings, Shared, accept_loop};
use super::synthetic::synthetic_patients;
use super::throttle::{Throttle, ThrottleConfig};

/// Why a mock could not start.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum MockError {
    /// The address could not be bound.
    #[error(
        "could not listen on {addr}: {source}; is another SystmOne (or mock) using the port? Use port 0 for any free port"
    )]
    Bind {
        /// The address asked for.
        addr: SocketAddr,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// The patient file could not be loaded.
    #[error(transparent)]
    Patients(#[from] PatientFileError),
    /// Two patients share an identifier.
    #[error("{0}; give every patient its own NHS or pseudo number")]
    DuplicatePatient(String),
    /// The device registry file could not be read.
    #[error(transparent)]
    Devices(#[from] DeviceFileError),
}

/// Configures a [`MockSystmOne`]; every option has a default that
/// behaves like SystmOne.
///
/// ```no_run
/// use std::time::Duration;
/// use systmone_client::mock::{ApprovalPolicy, MockSystmOne, ThrottleConfig};
///
/// # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
/// let mock = MockSystmOne::builder()
///     .listen("127.0.0.1:40700".parse()?)         // default: 127.0.0.1:0 (any free port)
///     .patients_file("practice.json")?             // default: no patients
///     .throttle(ThrottleConfig::off())             // default: SystmOne's limits
///     .approval(ApprovalPolicy::Approve)           // default: approve new devices
///     .api_key("TEST-KEY", "AcmeVitals")           // default: any key accepted
///     .start()
///     .await?;
/// # Ok(()) }
/// ```
#[derive(Debug)]
pub struct MockBuilder {
    listen: SocketAddr,
    throttle: ThrottleConfig,
    organisation: Organisation,
    slots: Option<Vec<DiarySlot>>,
    patients: Vec<PatientSeed>,
    approval: ApprovalPolicy,
    api_keys: Option<BTreeMap<String, String>>,
    device_file: Option<PathBuf>,
    devices: Vec<DeviceRecord>,
    online_visible_default: bool,
    start_time: Option<NaiveDateTime>,
    seed: Option<u64>,
    temp_dir: Option<PathBuf>,
    delete_scope: DeleteScope,
    document_delay: Duration,
    read_lag: Duration,
    raw_line_breaks: bool,
    max_request_len: usize,
    idle_timeout: Duration,
    faults: Vec<FaultRule>,
}

impl Default for MockBuilder {
    fn default() -> Self {
        Self {
            listen: SocketAddr::from((Ipv4Addr::LOCALHOST, 0)),
            throttle: ThrottleConfig::systmone(),
            organisation: Organisation::example(),
            slots: None,
            patients: Vec::new(),
            approval: ApprovalPolicy::Approve,
            api_keys: None,
            device_file: None,
            devices: Vec::new(),
            online_visible_default: false,
            start_time: None,
            seed: None,
            temp_dir: None,
            delete_scope: DeleteScope::SameDevice,
            document_delay: Duration::ZERO,
            read_lag: Duration::ZERO,
            raw_line_breaks: true,
            max_request_len: 16 * 1024 * 1024,
            idle_timeout: Duration::from_secs(60),
            faults: Vec::new(),
        }
    }
}

impl MockBuilder {
    /// Where to listen. Default `127.0.0.1:0`: any free port, reported by
    /// [`MockSystmOne::addr`]. SystmOne itself uses port 40700.
    pub fn listen(mut self, addr: SocketAddr) -> Self {
        self.listen = addr;
        self
    }

    /// The throttle. Default [`ThrottleConfig::systmone`].
    pub fn throttle(mut self, config: ThrottleConfig) -> Self {
        self.throttle = config;
        self
    }

    /// The organisation. Default [`Organisation::example`].
    pub fn organisation(mut self, organisation: Organisation) -> Self {
        self.organisation = organisation;
        self
    }

    /// The diary's slots. Default: weekday morning clinics for 28 days from
    /// the mock's start date.
    pub fn slots(mut self, slots: Vec<DiarySlot>) -> Self {
        self.slots = Some(slots);
        self
    }

    /// Adds patients.
    pub fn patients(mut self, patients: impl IntoIterator<Item = PatientSeed>) -> Self {
        self.patients.extend(patients);
        self
    }

    /// Adds the patients of a patient file (see [`super::parse_patients`]).
    pub fn patients_file(self, path: impl AsRef<Path>) -> Result<Self, PatientFileError> {
        let patients = load_patients(path.as_ref())?;
        Ok(self.patients(patients))
    }

    /// Adds `count` synthetic patients generated from `seed` (see
    /// [`super::synthetic_patients`]). Generated patients whose NHS or
    /// pseudo number is already taken by a patient added earlier (from a
    /// file, say) are left out, so files and generated practices mix.
    pub fn synthetic_patients(self, count: usize, seed: u64) -> Self {
        let taken: std::collections::HashSet<String> = self
            .patients
            .iter()
            .flat_map(|p| {
                [
                    p.nhs_number.as_ref().map(|n| n.as_str().to_owned()),
                    p.pseudo_number.clone(),
                ]
            })
            .flatten()
            .collect();
        let fresh = synthetic_patients(count, seed).into_iter().filter(|p| {
            p.nhs_number
                .as_ref()
                .is_none_or(|n| !taken.contains(n.as_str()))
                && p.pseudo_number.as_ref().is_none_or(|n| !taken.contains(n))
        });
        self.patients(fresh)
    }

    /// What the simulated user answers a new device. Default approve.
    pub fn approval(mut self, policy: ApprovalPolicy) -> Self {
        self.approval = policy;
        self
    }

    /// Registers an API key and its product's name (returned as
    /// `Event/@Software` on events it adds). Once any key is registered,
    /// requests with other keys get `Unrecognised API key`. Default: any
    /// key is accepted and events say `Client Integration Test Software`.
    pub fn api_key(mut self, key: &str, software: &str) -> Self {
        self.api_keys
            .get_or_insert_with(BTreeMap::new)
            .insert(key.to_owned(), software.to_owned());
        self
    }

    /// Keeps the device registry in this JSON file, so pairing survives a
    /// restart. Default: in memory only.
    pub fn device_file(mut self, path: impl Into<PathBuf>) -> Self {
        self.device_file = Some(path.into());
        self
    }

    /// A device approved earlier (so a test can start already paired).
    pub fn device(mut self, device: DeviceRecord) -> Self {
        self.devices.push(device);
        self
    }

    /// Whether devices approved from now on make their data visible in the
    /// patient's online record by default. Default `false`.
    pub fn online_visible_default(mut self, visible: bool) -> Self {
        self.online_visible_default = visible;
        self
    }

    /// The mock's local time when it starts (it then advances with tokio
    /// time). Default: this PC's local time.
    pub fn start_time(mut self, start: NaiveDateTime) -> Self {
        self.start_time = Some(start);
        self
    }

    /// Seeds the mock's random numbers (UIDs, Device IDs, ResponseUIDs),
    /// so a run can be repeated. Default: random.
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = Some(seed);
        self
    }

    /// Where GetDocument writes when a request gives no `WriteTo`, and
    /// GetXSDFiles when it gives no `Path`. Default: the system's temporary
    /// directory.
    pub fn temp_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.temp_dir = Some(dir.into());
        self
    }

    /// Whose items DeletePatientRecord may delete. Default: the same
    /// device's ([`DeleteScope::SameDevice`]).
    pub fn delete_scope(mut self, scope: DeleteScope) -> Self {
        self.delete_scope = scope;
        self
    }

    /// How long after a file is added GetDocument can fetch it: SystmOne
    /// downloads new documents from the TPP server, and fetching one
    /// straight after saving can fail for a couple of minutes (a temporary
    /// error). Default zero.
    pub fn document_delay(mut self, delay: Duration) -> Self {
        self.document_delay = delay;
        self
    }

    /// How long after an `UpdatePatientRecord` is committed its events
    /// show in `GetPatientRecord` (and their files in `GetDocument`, which
    /// answers "still being downloaded" until then), on tokio time:
    /// SystmOne reads from a store that catches up with writes a little
    /// later, so a product that reads back to see whether a lost write
    /// landed must allow for it. A late write
    /// ([`Fault::LandLate`](super::Fault::LandLate)) counts from when it
    /// lands. Changes held uncommitted in an open record show at once
    /// (they are on the user's screen), and so do demographics,
    /// appointments, visits and tasks. Inspection
    /// ([`MockSystmOne::record`], [`MockSystmOne::journal`]) shows
    /// everything at once. Default zero: reads see every write straight
    /// away. RecordChange it while running with
    /// [`MockSystmOne::set_read_lag`].
    pub fn read_lag(mut self, lag: Duration) -> Self {
        self.read_lag = lag;
        self
    }

    /// Write line breaks inside response text raw, as SystmOne does
    /// (default `true`; it breaks clients that split on `\n`), or as
    /// `&#10;`.
    pub fn raw_line_breaks(mut self, raw: bool) -> Self {
        self.raw_line_breaks = raw;
        self
    }

    /// The largest request accepted. Default 16 MiB.
    pub fn max_request_len(mut self, len: usize) -> Self {
        self.max_request_len = len;
        self
    }

    /// How long a half-received request may wait for its next bytes before
    /// the connection is closed. Default 60 s.
    pub fn idle_timeout(mut self, timeout: Duration) -> Self {
        self.idle_timeout = timeout;
        self
    }

    /// A fault from the start (more can be added with
    /// [`MockSystmOne::inject`]).
    pub fn fault(mut self, rule: FaultRule) -> Self {
        self.faults.push(rule);
        self
    }

    /// Binds, loads the practice and starts serving.
    pub async fn start(self) -> Result<MockSystmOne, MockError> {
        let start = self.start_time.unwrap_or_else(local_now);
        let clock = MockClock::starting_at(start);
        let rng = match self.seed {
            Some(seed) => rand::rngs::ChaCha8Rng::seed_from_u64(seed),
            None => rand::make_rng(),
        };
        let mut devices = match &self.device_file {
            Some(path) => DeviceRegistry::persisted(path)?,
            None => DeviceRegistry::default(),
        };
        devices.policy = self.approval;
        devices.online_visible_default = self.online_visible_default;
        for device in self.devices {
            devices.register(device);
        }
        let slots = self
            .slots
            .unwrap_or_else(|| example_slots(&self.organisation, start.date(), 28));
        let mut practice = Practice::new(self.organisation, slots, devices, rng);
        practice.read_lag = self.read_lag;
        practice
            .add_patients(self.patients)
            .map_err(MockError::DuplicatePatient)?;
        let mut faults = FaultScript::default();
        for rule in self.faults {
            faults.push(rule);
        }
        let listener = TcpListener::bind(self.listen)
            .await
            .map_err(|source| MockError::Bind {
                addr: self.listen,
                source,
            })?;
        let addr = listener.local_addr().map_err(|source| MockError::Bind {
            addr: self.listen,
            source,
        })?;
        let shared = Arc::new(Shared {
            practice: Mutex::new(practice),
            throttle: Throttle::new(self.throttle),
            faults: Mutex::new(faults),
            log: Mutex::new(RequestLog::default()),
            clock,
            handler_settings: HandlerSettings {
                temp_dir: self.temp_dir.unwrap_or_else(std::env::temp_dir),
                delete_scope: self.delete_scope,
                document_delay: chrono::TimeDelta::from_std(self.document_delay)
                    .unwrap_or(chrono::TimeDelta::MAX),
            },
            settings: ServerSettings {
                api_keys: self.api_keys,
                default_software: "Client Integration Test Software".into(),
                raw_line_breaks: self.raw_line_breaks,
                max_request_len: self.max_request_len,
                idle_timeout: self.idle_timeout,
            },
            stop: watch::Sender::new(false),
            generation: watch::Sender::new(0),
        });
        tracing::info!(%addr, "mock SystmOne listening");
        let task = tokio::spawn(accept_loop(shared.clone(), listener));
        Ok(MockSystmOne {
            shared,
            addr,
            task: Some(task),
        })
    }
}
