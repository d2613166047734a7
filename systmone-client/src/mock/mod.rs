//! A faithful mock SystmOne for tests and demos (feature `mock`).
//!
//! [`MockSystmOne`] listens on loopback TCP and answers Client Integration
//! requests the way SystmOne does (PROTOCOL.md, its mock-server notes
//! especially), using the same codec as the client:
//!
//! - **A stateful practice**: an [`Organisation`] (sites, users, slot and
//!   clinic types), patients with demographics and records, free
//!   appointment slots, the diary, what the SystmOne user has on screen and
//!   the record they have open. All 17 functions work against it.
//! - **The parts that hurt**: the throttle (one request per second
//!   overall, excess requests wait; non-exempt `GetPatientRecord` once per
//!   30 s, excess ones get no answer at all), pairing (an empty `DeviceID`
//!   is approved, blocked or put off), `LeaveRecordOpen` and its "record in
//!   use" errors, all-or-nothing updates, deletes limited to what the same
//!   device added, files read from and written to real paths, raw line
//!   breaks inside response text.
//! - **Fault injection** ([`FaultRule`], [`Fault`] lists them all): delays
//!   and per-connection stalls, no answer, a dropped connection before or
//!   after processing, a write that lands after the client gave up,
//!   truncated or garbage answers, transient and permanent errors, "record
//!   is open", messaging settings, a partial commit, a short answer, a
//!   write left uncommitted in the open record.
//! - **What makes reading back hard**: a read lag (a write shows in
//!   reads only a while after it was committed,
//!   [`MockBuilder::read_lag`]), another organisation logging on
//!   ([`MockSystmOne::set_organisation`]) and the SystmOne client
//!   restarting ([`MockSystmOne::drop_connections`]).
//! - **Inspection**: every request received ([`MockSystmOne::requests`]),
//!   counts per function, any patient's record, and a journal of changes.
//!
//! Everything runs on tokio time, so tests with paused time
//! (`#[tokio::test(start_paused = true)]`) see 30-second throttles pass in
//! an instant.
//!
//! ```no_run
//! use systmone_client::mock::{MockSystmOne, ThrottleConfig};
//!
//! # async fn demo() -> Result<(), systmone_client::mock::MockError> {
//! let mock = MockSystmOne::builder()
//!     .synthetic_patients(1_000, 42)
//!     .throttle(ThrottleConfig::off())
//!     .start()
//!     .await?;
//! println!("SystmOne is listening on {}", mock.addr());
//! // ... point the client at mock.addr() ...
//! mock.stop().await;
//! # Ok(()) }
//! ```
//!
//! # Patients
//!
//! Patients come from a JSON file ([`load_patients`], format below), from
//! [`synthetic_patients`] (deterministic, any size up to a million), or
//! both. Each gets a stable Strategic Reporting identifier (500 upwards, in
//! load order) and, when its record is first read, a little practice
//! history (a registration check with a weight, a blood pressure review for
//! adults) that the API cannot delete.
//!
//! # Error texts
//!
//! SystmOne publishes only one error text (PatientSearch's). The mock's own
//! texts are fixed, so tests may match them, but a product must branch on
//! `PermanentError` and the function called, never on the text:
//!
//! | condition | text | permanent |
//! |---|---|---|
//! | fewer than two search criteria | `At least two search parameters must be specified` | yes |
//! | blocked device | `The request was blocked by the SystmOne user` | yes |
//! | "Not Now" on the approval dialog | `The SystmOne user has not approved this device yet; try again later` | no |
//! | unknown device / API key | `Unrecognised device` / `Unrecognised API key` | yes |
//! | no Identity and no open record | `No patient record is currently retrieved` | yes |
//! | open but not displayable | `The patient record is open in a state that cannot be displayed; try again later` | no |
//! | record in use | `The patient record is in use; try again later` | no |
//! | bad directory | `The directory {path} does not exist or cannot be accessed` | yes |
//! | delete without reason | `A reason must be given for the deletion` | yes |
//! | cannot delete | `{Kind} {uid} cannot be deleted: {why}` | yes |
//! | wrong root | `Invalid root element {name}` | yes |
//! | missing envelope element | `Missing mandatory element {name}` | yes |
//! | unreadable request | `Invalid request: {what}` | yes |
//! | unknown function | `Unknown function {name}` | yes |
//! | bad OutputScheme or code scheme | `Invalid coding scheme {value}` | yes |
//! | no matching free slot | `No free appointment slot matches the requested appointment` | yes |
//! | missing file | `The file {path} does not exist or cannot be read` | yes |
//! | bad letter | `Invalid letter: {what}` | yes |
//! | unknown patient | `No patient found with identifier {value}` | yes |
//! | bad FunctionVersion | `Function {name} version {v} is not supported` | yes |
//! | document just added ([`MockBuilder::document_delay`]) | `The document is still being downloaded from the TPP server; try again in a few minutes` | no |
//! | messaging settings (injected) | `Unable to save: email and text message must be enabled as contact methods in the practice's messaging settings` | yes |
//! | 30-second limit, with [`OverRecordLimitPolicy::Error`] | `GetPatientRecord may be called only once every 30 seconds; try again later` | no |
//!
//! # The patient file
//!
//! A JSON array of patients; [`parse_patients`] documents every key.

mod builder;
mod clock;
mod devices;
mod failure;
mod faults;
mod handlers;
mod inspect;
mod letter_types;
mod organisation;
mod practice;
mod record;
mod seed;
mod server;
mod synthetic;
mod throttle;

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::Arc;

use chrono::NaiveDateTime;

pub use builder::{MockBuilder, MockError};
pub use devices::{ApprovalPolicy, DeviceFileError, DeviceRecord};
pub use faults::{Fault, FaultRule, UnknownFunction};
pub use handlers::DeleteScope;
pub use inspect::{JournalEntry, ReceivedRequest, RecordChange, RequestOutcome};
pub use organisation::{DiarySlot, Organisation};
pub use record::{BookedAppointment, Origin, PatientRecord, RecordEntry, StoredDocument};
pub use seed::{PatientFileError, PatientRef, PatientSeed, load_patients, parse_patients};
pub use synthetic::synthetic_patients;
pub use throttle::{OverRatePolicy, OverRecordLimitPolicy, ThrottleConfig};

use crate::proto::{CurrentSelection, Event, EventUid, Function, Identity};
use server::{Shared, lock};

/// A running mock SystmOne. Stops when dropped or on [`stop`](Self::stop).
#[derive(Debug)]
pub struct MockSystmOne {
    shared: Arc<Shared>,
    addr: SocketAddr,
    task: Option<tokio::task::JoinHandle<()>>,
}

impl MockSystmOne {
    /// Starts configuring a mock (loopback, any free port, SystmOne's
    /// throttle, the example organisation, no patients).
    pub fn builder() -> MockBuilder {
        MockBuilder::default()
    }

    /// The address it listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Stops listening and closes every connection, then waits until the
    /// listener is gone.
    pub async fn stop(mut self) {
        self.shared.stop.send_replace(true);
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }

    /// Resolves once the mock has stopped (after [`stop`](Self::stop) from
    /// another handle, or an `ExitClient` request).
    pub async fn stopped(&self) {
        server::stopped(&mut self.shared.stop.subscribe()).await;
    }

    /// Whether it has stopped.
    pub fn is_stopped(&self) -> bool {
        *self.shared.stop.borrow()
    }

    // ----- faults and settings -----

    /// Adds a fault rule (rules fire in the order they were added).
    pub fn inject(&self, rule: FaultRule) {
        lock(&self.shared.faults).push(rule);
    }

    /// Removes every fault rule.
    pub fn clear_faults(&self) {
        lock(&self.shared.faults).clear();
    }

    /// Changes the throttle from now on.
    pub fn set_throttle(&self, config: ThrottleConfig) {
        self.shared.throttle.set_config(config);
    }

    /// Changes the read lag for writes committed from now on (see
    /// [`MockBuilder::read_lag`]); writes committed earlier keep the lag
    /// they were given.
    pub fn set_read_lag(&self, lag: std::time::Duration) {
        lock(&self.shared.practice).read_lag = lag;
    }

    /// Another organisation is logged on from now on (a user switched
    /// practice): GetOrganisationMetaData answers for it, and events
    /// written through the API are by its logged-on user. Patients,
    /// records, devices and the diary's slots stay as they are. Often
    /// paired with [`drop_connections`](Self::drop_connections), as the
    /// SystmOne client restarts when the user switches.
    pub fn set_organisation(&self, organisation: Organisation) {
        lock(&self.shared.practice).organisation = organisation;
    }

    /// The organisation logged on now.
    pub fn organisation(&self) -> Organisation {
        lock(&self.shared.practice).organisation.clone()
    }

    /// Closes every open client connection, as the SystmOne client
    /// restarting does (a user switching practice, say); the mock keeps
    /// listening, so clients can reconnect. A request being processed
    /// when its connection closes gets no answer, though a write may
    /// still happen (as with [`Fault::DropAfterProcessing`]).
    pub fn drop_connections(&self) {
        self.shared.generation.send_modify(|g| *g += 1);
    }

    /// Changes what the simulated user answers when a new device asks to
    /// connect.
    pub fn set_approval_policy(&self, policy: ApprovalPolicy) {
        lock(&self.shared.practice).devices.policy = policy;
    }

    /// Blocks or unblocks a device, as SystmOne's Device Manager does.
    /// Returns `false` for a device the mock never issued.
    pub fn set_device_blocked(&self, device_id: &str, blocked: bool) -> bool {
        lock(&self.shared.practice)
            .devices
            .set_blocked(device_id, blocked)
    }

    /// The devices issued so far (API keys redacted in `Debug`).
    pub fn devices(&self) -> Vec<DeviceRecord> {
        lock(&self.shared.practice).devices.devices()
    }

    // ----- inspection -----

    /// Every request received so far, in order (requests still waiting for
    /// the throttle are not listed yet).
    pub fn requests(&self) -> Vec<ReceivedRequest> {
        lock(&self.shared.log).requests.clone()
    }

    /// How many requests were received, of any function, decoded or not.
    pub fn request_count(&self) -> u64 {
        lock(&self.shared.log).received
    }

    /// How many requests of function `F` were received.
    pub fn count<F: Function>(&self) -> u64 {
        lock(&self.shared.log)
            .counts
            .get(F::NAME)
            .copied()
            .unwrap_or(0)
    }

    /// Requests received per function (canonical names).
    pub fn counts(&self) -> BTreeMap<&'static str, u64> {
        lock(&self.shared.log).counts.clone()
    }

    /// How many connections have been accepted.
    pub fn connection_count(&self) -> u64 {
        lock(&self.shared.log).connections
    }

    /// Every change made to any record, in order.
    pub fn journal(&self) -> Vec<JournalEntry> {
        lock(&self.shared.practice).journal.clone()
    }

    /// The record of the patient with this NHS number as it is now
    /// (uncommitted changes in an open record included).
    pub fn record(&self, nhs_number: &str) -> Option<PatientRecord> {
        self.record_of(&Identity {
            nhs_number: Some(nhs_number.to_owned()),
            ..Identity::default()
        })
    }

    /// The record of the patient an identity names.
    pub fn record_of(&self, identity: &Identity) -> Option<PatientRecord> {
        let mut practice = lock(&self.shared.practice);
        let index = practice.find(identity).ok()?;
        Some(practice.record(index).clone())
    }

    /// The identities of every patient, in load order (each with its
    /// Strategic Reporting identifier).
    pub fn patient_identities(&self) -> Vec<Identity> {
        lock(&self.shared.practice)
            .patients()
            .iter()
            .map(|p| p.identity())
            .collect()
    }

    /// How many patients the practice has.
    pub fn patient_count(&self) -> usize {
        lock(&self.shared.practice).patients().len()
    }

    /// The diary's slots, free and booked.
    pub fn slots(&self) -> Vec<DiarySlot> {
        lock(&self.shared.practice).slots.clone()
    }

    /// The mock's local time now.
    pub fn now(&self) -> NaiveDateTime {
        self.shared.clock.now()
    }

    // ----- the simulated SystmOne user -----

    /// Adds an event as practice staff would in SystmOne itself (it has no
    /// `Software` and cannot be deleted through the API). Returns its UID,
    /// or `None` for an unknown patient.
    pub fn add_practice_event(&self, nhs_number: &str, mut event: Event) -> Option<EventUid> {
        let mut practice = lock(&self.shared.practice);
        let index = practice
            .find(&Identity {
                nhs_number: Some(nhs_number.to_owned()),
                ..Identity::default()
            })
            .ok()?;
        let now = self.shared.clock.now();
        let uid = EventUid(practice.new_uid());
        event.event_uid = Some(uid.clone());
        event.software = None;
        event.date_time = event.date_time.or(Some(now));
        practice.record(index).events.push(RecordEntry {
            item: event,
            entered: now,
            origin: Origin::Practice,
        });
        Some(uid)
    }

    /// The user opens a patient's record: `displayable` false is one of
    /// SystmOne's limited background retrievals. Returns `false` for an
    /// unknown patient.
    pub fn open_record(&self, nhs_number: &str, displayable: bool) -> bool {
        let mut practice = lock(&self.shared.practice);
        let Ok(index) = practice.find(&Identity {
            nhs_number: Some(nhs_number.to_owned()),
            ..Identity::default()
        }) else {
            return false;
        };
        let now = self.shared.clock.now();
        practice.user_saves(now);
        practice.open = Some(practice::OpenRecord {
            patient: index,
            displayable,
            before: None,
        });
        true
    }

    /// The user saves the open record: uncommitted changes are kept.
    pub fn user_saves(&self) {
        let now = self.shared.clock.now();
        lock(&self.shared.practice).user_saves(now);
    }

    /// The user discards the open record's uncommitted changes.
    pub fn user_discards(&self) {
        let now = self.shared.clock.now();
        lock(&self.shared.practice).user_discards(now);
    }

    /// The user closes the open record, saving its changes.
    pub fn close_record(&self) {
        let now = self.shared.clock.now();
        let mut practice = lock(&self.shared.practice);
        practice.user_saves(now);
        practice.open = None;
    }

    /// Whether changes sit uncommitted in the open record.
    pub fn has_uncommitted_changes(&self) -> bool {
        lock(&self.shared.practice)
            .open
            .as_ref()
            .is_some_and(|o| o.before.is_some())
    }

    /// Sets what GetCurrentActivity and GetCurrentSelection report.
    pub fn set_screen(&self, activities: Vec<String>, selection: CurrentSelection) {
        let mut practice = lock(&self.shared.practice);
        practice.screen.activities = activities;
        practice.screen.selection = selection;
    }

    /// Makes a Strategic Reporting extract available to DataExtract.
    pub fn add_data_extract(&self, name: &str, files: Vec<(String, Vec<u8>)>) {
        lock(&self.shared.practice)
            .extracts
            .insert(name.to_owned(), practice::ExtractFixture { files });
    }
}

impl Drop for MockSystmOne {
    fn drop(&mut self) {
        self.shared.stop.send_replace(true);
    }
}
