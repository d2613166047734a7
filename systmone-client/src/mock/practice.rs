//! The practice's state: patients and their records, the diary, what the
//! SystmOne user has on screen, the open record, devices and the journal.

use std::collections::{BTreeMap, HashMap};

use chrono::{Datelike as _, NaiveDate, NaiveDateTime};
use rand::RngExt as _;

use super::devices::DeviceRegistry;
use super::failure::Failure;
use super::inspect::{JournalEntry, RecordChange};
use super::organisation::{DiarySlot, Organisation};
use super::record::{Origin, PatientRecord, RecordEntry};
use super::seed::PatientSeed;
use crate::patient::PatientId;
use crate::proto::xml::Decimal;
use crate::proto::{
    Address, ClinicalCode, Code, CodeScheme, CodedValue, CurrentSelection, Event, EventUid,
    Identity, Narrative, PatientDemographics, RecordState, Sex, YesNoUnknown,
};

/// A data extract DataExtract can download.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ExtractFixture {
    pub(crate) files: Vec<(String, Vec<u8>)>,
}

/// What the SystmOne user is doing (GetCurrentActivity/Selection).
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Screen {
    pub(crate) activities: Vec<String>,
    pub(crate) selection: CurrentSelection,
}

/// The record open in SystmOne, if any (PROTOCOL.md §8).
#[derive(Debug, Clone)]
pub(crate) struct OpenRecord {
    pub(crate) patient: usize,
    /// Shown to the user (false: a limited background retrieval).
    pub(crate) displayable: bool,
    /// The record before the first uncommitted change.
    pub(crate) before: Option<Box<PatientRecord>>,
}

/// One patient: the seed they were loaded from and, once anything reads
/// or changes more than their demographics, their full record. Untouched
/// patients stay small, so a million of them fit.
#[derive(Debug)]
pub(crate) struct Patient {
    sri: u64,
    seed: PatientSeed,
    record: Option<Box<PatientRecord>>,
}

/// The fields PatientSearch matches on.
pub(crate) struct SearchView<'a> {
    pub(crate) first_name: &'a str,
    pub(crate) surname: &'a str,
    pub(crate) date_of_birth: NaiveDate,
    pub(crate) sex: Sex,
    pub(crate) postcode: Option<&'a str>,
    pub(crate) telephones: [&'a str; 4],
}

impl Patient {
    pub(crate) fn search_view(&self) -> SearchView<'_> {
        match &self.record {
            Some(record) => {
                let d = &record.demographics;
                SearchView {
                    first_name: &d.first_name,
                    surname: &d.surname,
                    date_of_birth: d.date_of_birth,
                    sex: d.sex.clone(),
                    postcode: d.address.as_ref().and_then(|a| a.postcode.as_deref()),
                    telephones: [
                        &d.home_telephone,
                        &d.mobile_telephone,
                        &d.work_telephone,
                        &d.alternate_telephone,
                    ],
                }
            }
            None => {
                let s = &self.seed;
                SearchView {
                    first_name: &s.first_name,
                    surname: &s.surname,
                    date_of_birth: s.date_of_birth,
                    sex: s.sex.into(),
                    postcode: s.postcode.as_ref().map(|p| p.as_str()),
                    telephones: [
                        s.home_telephone.as_ref().map_or("", |p| p.as_str()),
                        s.mobile_telephone.as_ref().map_or("", |p| p.as_str()),
                        "",
                        "",
                    ],
                }
            }
        }
    }

    /// The identity SystmOne returns for this patient (§6.2): the NHS
    /// number when they have one, else the pseudo number (the one
    /// [`PatientId`] rule), and always the Strategic Reporting identifier.
    pub(crate) fn identity(&self) -> Identity {
        let id = self.seed.nhs_number.map(PatientId::nhs).or_else(|| {
            self.seed
                .pseudo_number
                .as_deref()
                .and_then(PatientId::pseudo_number)
        });
        Identity {
            strategic_reporting_identifier: Some(self.sri.to_string()),
            ..id.map(|id| id.to_identity()).unwrap_or_default()
        }
    }

    pub(crate) fn demographics(&self, organisation: &Organisation) -> PatientDemographics {
        match &self.record {
            Some(record) => record.demographics.clone(),
            None => seed_demographics(&self.seed, organisation),
        }
    }

    /// The full record, built from the seed on first use.
    pub(crate) fn record(&mut self, organisation: &Organisation) -> &mut PatientRecord {
        let (sri, seed) = (self.sri, &self.seed);
        self.record
            .get_or_insert_with(|| Box::new(seed_record(sri, seed, organisation)))
    }

    pub(crate) fn replace_record(&mut self, record: Box<PatientRecord>) {
        self.record = Some(record);
    }
}

fn seed_demographics(seed: &PatientSeed, organisation: &Organisation) -> PatientDemographics {
    let text = |value: &Option<String>| value.clone().unwrap_or_default();
    let phone = |value: &Option<econsult_model::PhoneNumber>| {
        value
            .as_ref()
            .map(|p| p.as_str().to_owned())
            .unwrap_or_default()
    };
    let has_address = seed.postcode.is_some() || seed.road.is_some() || seed.town.is_some();
    let registered = NaiveDate::from_ymd_opt(2004, 6, 1)
        .unwrap_or_default()
        .max(seed.date_of_birth);
    PatientDemographics {
        title: text(&seed.title),
        first_name: seed.first_name.clone(),
        middle_names: text(&seed.middle_names),
        surname: seed.surname.clone(),
        known_as: None,
        date_of_birth: seed.date_of_birth,
        sex: seed.sex.into(),
        marital_status: Some(CodedValue::default()),
        ethnicity: Some(CodedValue::default()),
        main_language: Some(CodedValue::default()),
        english_speaker: Some(YesNoUnknown::Yes),
        address: has_address.then(|| Address {
            house_number: seed.house_number.clone(),
            road: seed.road.clone(),
            town: seed.town.clone(),
            postcode: seed.postcode.as_ref().map(|p| p.as_str().to_owned()),
            ..Address::default()
        }),
        home_telephone: phone(&seed.home_telephone),
        work_telephone: String::new(),
        mobile_telephone: phone(&seed.mobile_telephone),
        alternate_telephone: String::new(),
        email_address: seed
            .email
            .as_ref()
            .map(|e| e.as_str().to_owned())
            .unwrap_or_default(),
        sms_consent: Some(if seed.mobile_telephone.is_some() {
            YesNoUnknown::Yes
        } else {
            YesNoUnknown::Unknown
        }),
        usual_gp_user_name: organisation.usual_gp().to_owned(),
        care_start_date: Some(registered),
        registration_type: Some("GMS".into()),
        other: Vec::new(),
        other_attributes: Vec::new(),
    }
}

/// A record for a seeded patient: demographics and a little practice
/// history (a registration check with a weight reading, and for adults a
/// blood pressure review), derived from the patient so it is the same on
/// every run.
fn seed_record(sri: u64, seed: &PatientSeed, organisation: &Organisation) -> PatientRecord {
    let demographics = seed_demographics(seed, organisation);
    let registered = demographics.care_start_date.unwrap_or(seed.date_of_birth);
    let gp = organisation.usual_gp().to_owned();
    let at = |date: NaiveDate, hour| {
        date.and_hms_opt(hour, (sri % 60) as u32, 0)
            .unwrap_or_default()
    };
    let practice_event =
        |date_time: NaiveDateTime, uid: String, codes: Vec<ClinicalCode>, line: &str| RecordEntry {
            item: Event {
                date_time: Some(date_time),
                user_name: Some(gp.clone()),
                done_by: Some(format!("{} (GP) ", organisation.display_name(&gp))),
                done_at: Some("Surgery".into()),
                event_uid: Some(EventUid(uid)),
                clinical_codes: codes,
                narratives: vec![Narrative {
                    lines: vec![line.to_owned()],
                    ..Narrative::default()
                }],
                ..Event::default()
            },
            entered: date_time,
            origin: Origin::Practice,
        };
    let weight = 20 + (sri % 70);
    let mut events = vec![practice_event(
        at(registered, 10),
        format!("{sri:012x}e001"),
        vec![ClinicalCode {
            value: Decimal::new(&format!("{weight}.{}", sri % 10)),
            units: Some("kg".into()),
            ..ClinicalCode::new(Code::new(CodeScheme::Ctv3, "22A..").with_term("O/E - weight"))
        }],
        "New patient registration check.",
    )];
    let adult = seed.date_of_birth.year() < 2000;
    if adult && let Some(review) = registered.checked_add_days(chrono::Days::new(400 + sri % 365)) {
        events.push(practice_event(
            at(review, 11),
            format!("{sri:012x}e002"),
            vec![ClinicalCode::new(
                Code::new(CodeScheme::Ctv3, "246..").with_term("O/E - blood pressure reading"),
            )],
            "BP review; no changes to treatment.",
        ));
    }
    PatientRecord {
        strategic_reporting_identifier: sri,
        nhs_number: seed.nhs_number.as_ref().map(|n| n.as_str().to_owned()),
        pseudo_number: seed.pseudo_number.clone(),
        demographics,
        events,
        appointments: Vec::new(),
        visits: Vec::new(),
        tasks: Vec::new(),
        documents: Vec::new(),
        demographics_events: Vec::new(),
    }
}

/// Everything the mock SystmOne knows.
#[derive(Debug)]
pub(crate) struct Practice {
    pub(crate) organisation: Organisation,
    patients: Vec<Patient>,
    by_nhs_number: HashMap<String, usize>,
    by_pseudo_number: HashMap<String, usize>,
    pub(crate) slots: Vec<DiarySlot>,
    pub(crate) screen: Screen,
    pub(crate) open: Option<OpenRecord>,
    pub(crate) extracts: BTreeMap<String, ExtractFixture>,
    pub(crate) devices: DeviceRegistry,
    pub(crate) journal: Vec<JournalEntry>,
    /// How long after a committed write its events (and their documents)
    /// become visible to reads ([`MockBuilder::read_lag`](super::MockBuilder::read_lag)).
    pub(crate) read_lag: std::time::Duration,
    /// When each event or document written while `read_lag` was set
    /// becomes visible to reads, by UID. Items not listed are visible.
    visible_at: HashMap<String, tokio::time::Instant>,
    uid_base: u64,
    uids_issued: u64,
    files_written: u64,
    pub(crate) rng: rand::rngs::ChaCha8Rng,
}

impl Practice {
    pub(crate) fn new(
        organisation: Organisation,
        slots: Vec<DiarySlot>,
        devices: DeviceRegistry,
        mut rng: rand::rngs::ChaCha8Rng,
    ) -> Self {
        Self {
            organisation,
            patients: Vec::new(),
            by_nhs_number: HashMap::new(),
            by_pseudo_number: HashMap::new(),
            slots,
            screen: Screen::default(),
            open: None,
            extracts: BTreeMap::new(),
            devices,
            journal: Vec::new(),
            read_lag: std::time::Duration::ZERO,
            visible_at: HashMap::new(),
            uid_base: rng.random::<u64>(),
            uids_issued: 0,
            files_written: 0,
            rng,
        }
    }

    /// Adds patients. A patient whose NHS or pseudo number is already
    /// present replaces nobody: it is refused, and its position returned.
    pub(crate) fn add_patients(
        &mut self,
        seeds: impl IntoIterator<Item = PatientSeed>,
    ) -> Result<(), String> {
        for seed in seeds {
            let index = self.patients.len();
            let sri = 500 + index as u64;
            if let Some(nhs) = &seed.nhs_number
                && self
                    .by_nhs_number
                    .insert(nhs.as_str().to_owned(), index)
                    .is_some()
            {
                return Err(format!("NHS number {nhs} is given to two patients"));
            }
            if let Some(pseudo) = &seed.pseudo_number
                && self
                    .by_pseudo_number
                    .insert(pseudo.clone(), index)
                    .is_some()
            {
                return Err(format!("pseudo number {pseudo} is given to two patients"));
            }
            self.patients.push(Patient {
                sri,
                seed,
                record: None,
            });
        }
        Ok(())
    }

    pub(crate) fn patients(&self) -> &[Patient] {
        &self.patients
    }

    pub(crate) fn patient(&self, index: usize) -> &Patient {
        &self.patients[index]
    }

    pub(crate) fn patient_mut(&mut self, index: usize) -> &mut Patient {
        &mut self.patients[index]
    }

    /// The full record of a patient (built on first use).
    pub(crate) fn record(&mut self, index: usize) -> &mut PatientRecord {
        let organisation = &self.organisation;
        self.patients[index].record(organisation)
    }

    /// The full record of a patient with what reads may see of it now.
    pub(crate) fn record_for_reading(
        &mut self,
        index: usize,
        now: tokio::time::Instant,
    ) -> (&mut PatientRecord, Visibility<'_>) {
        let Self {
            organisation,
            patients,
            visible_at,
            ..
        } = self;
        (
            patients[index].record(organisation),
            Visibility { visible_at, now },
        )
    }

    /// Items just committed at `now` (UIDs of events and documents): with a
    /// read lag, reads see them only once it has passed.
    pub(crate) fn committed(
        &mut self,
        uids: impl IntoIterator<Item = String>,
        now: tokio::time::Instant,
    ) {
        if self.read_lag.is_zero() {
            return;
        }
        let visible = now + self.read_lag;
        self.visible_at
            .extend(uids.into_iter().map(|uid| (uid, visible)));
        // Forget what every read sees already, so the map stays small.
        if self.visible_at.len() > 1024 {
            self.visible_at.retain(|_, at| *at > now);
        }
    }

    /// The patient an identity names: exactly one of NHS number, pseudo
    /// number or client ID must be given (PROTOCOL.md §6.1, M47).
    pub(crate) fn find(&self, identity: &Identity) -> Result<usize, Failure> {
        let given: Vec<(&str, &str)> = [
            ("NHSNumber", &identity.nhs_number),
            ("PseudoNumber", &identity.pseudo_number),
            ("ClientID", &identity.client_id),
        ]
        .into_iter()
        .filter_map(|(name, value)| value.as_deref().map(|v| (name, v.trim())))
        .filter(|(_, v)| !v.is_empty())
        .collect();
        let (name, value) = match given.as_slice() {
            [one] => *one,
            [] => {
                return Err(Failure::invalid(
                    "Identity must give one of NHSNumber, PseudoNumber or ClientID",
                ));
            }
            _ => {
                return Err(Failure::invalid(
                    "Identity must give only one of NHSNumber, PseudoNumber or ClientID",
                ));
            }
        };
        let found = match name {
            "NHSNumber" => {
                let digits: String = value.chars().filter(|c| !c.is_whitespace()).collect();
                self.by_nhs_number.get(&digits)
            }
            "PseudoNumber" => self.by_pseudo_number.get(value),
            _ => None,
        };
        found.copied().ok_or_else(|| Failure::no_patient(value))
    }

    /// The patient an identity names or, when no Identity was sent, the
    /// open record's patient (E3 when none is open). An Identity that was
    /// sent but names nobody is an error, never the open record: that
    /// would be the wrong patient.
    pub(crate) fn find_or_open(&self, identity: Option<&Identity>) -> Result<usize, Failure> {
        match identity {
            Some(identity) => self.find(identity),
            None => self
                .open
                .as_ref()
                .map(|o| o.patient)
                .ok_or_else(Failure::no_open_record),
        }
    }

    /// A new UID: 16 lowercase hex digits, unique in this practice.
    pub(crate) fn new_uid(&mut self) -> String {
        self.uids_issued += 1;
        format!("{:016x}", self.uid_base.wrapping_add(self.uids_issued << 4))
    }

    /// A new number for a file SystmOne writes out.
    pub(crate) fn new_file_number(&mut self) -> u64 {
        self.files_written += 1;
        400_000 + self.files_written
    }

    /// Applies PROTOCOL.md §8.2 for a record function on `patient`:
    /// whether it may run and the RecordState to report. Opens the record
    /// (shown to the user) when `leave_open` asks for it.
    pub(crate) fn enter_record(
        &mut self,
        patient: usize,
        leave_open: bool,
        writes: bool,
    ) -> Result<RecordState, Failure> {
        match (&self.open, leave_open) {
            (Some(open), true) if open.patient == patient => {
                if open.displayable {
                    Ok(RecordState::Open)
                } else {
                    Err(Failure::not_displayable())
                }
            }
            (Some(open), true) if open.before.is_some() => Err(Failure::record_in_use()),
            (_, true) => {
                self.open = Some(OpenRecord {
                    patient,
                    displayable: true,
                    before: None,
                });
                Ok(RecordState::Open)
            }
            (Some(open), false) if open.patient == patient => {
                if writes {
                    Err(Failure::record_in_use())
                } else {
                    Ok(RecordState::Open)
                }
            }
            (_, false) => Ok(RecordState::Closed),
        }
    }

    /// Whether changes to `patient` now are uncommitted (the record is open
    /// in SystmOne): if so, remembers the record and diary as they were
    /// before the first such change, so that "discard" can restore them.
    pub(crate) fn begin_change(&mut self, patient: usize) -> bool {
        let open_here = self.open.as_ref().is_some_and(|o| o.patient == patient);
        if !open_here {
            return false;
        }
        let needs_snapshot = self.open.as_ref().is_some_and(|o| o.before.is_none());
        if needs_snapshot {
            let record = Box::new(self.record(patient).clone());
            if let Some(open) = &mut self.open {
                open.before = Some(record);
            }
        }
        true
    }

    pub(crate) fn journal(
        &mut self,
        at: NaiveDateTime,
        request_uid: &str,
        patient: usize,
        change: RecordChange,
        committed: bool,
    ) {
        let patient = self.patients[patient].sri;
        self.journal.push(JournalEntry {
            at,
            request_uid: request_uid.to_owned(),
            patient,
            change,
            committed,
            discarded: false,
        });
    }

    /// The simulated user saves the open record: its changes are committed.
    pub(crate) fn user_saves(&mut self, at: NaiveDateTime) {
        if let Some(open) = &mut self.open
            && open.before.take().is_some()
        {
            let patient = open.patient;
            let sri = self.patients[patient].sri;
            for entry in self.pending_entries(sri) {
                entry.committed = true;
            }
            self.journal(at, "", patient, RecordChange::UserSaved, true);
        }
    }

    /// The simulated user discards the open record's changes.
    pub(crate) fn user_discards(&mut self, at: NaiveDateTime) {
        if let Some(open) = &mut self.open
            && let Some(before) = open.before.take()
        {
            let patient = open.patient;
            let sri = self.patients[patient].sri;
            let now = self.record(patient);
            // Only this record's own bookings change back: other patients'
            // committed bookings stay as they are.
            let was: std::collections::HashSet<&str> = before
                .appointments
                .iter()
                .map(|a| a.item.uid.0.as_str())
                .collect();
            let is: std::collections::HashSet<String> = now
                .appointments
                .iter()
                .map(|a| a.item.uid.0.clone())
                .collect();
            for slot in &mut self.slots {
                if slot
                    .booked
                    .as_ref()
                    .is_some_and(|b| is.contains(&b.0) && !was.contains(b.0.as_str()))
                {
                    slot.booked = None;
                }
            }
            for appointment in before
                .appointments
                .iter()
                .filter(|a| !is.contains(&a.item.uid.0))
            {
                let a = &appointment.item;
                if let Some(slot) = self.slots.iter_mut().find(|s| {
                    s.booked.is_none()
                        && s.start == a.start
                        && s.duration == a.duration
                        && s.user_name == a.user_name
                        && s.site_name == a.site_name
                }) {
                    slot.booked = Some(a.uid.clone());
                }
            }
            self.patients[patient].replace_record(before);
            for entry in self.pending_entries(sri) {
                entry.discarded = true;
            }
            self.journal(at, "", patient, RecordChange::UserDiscarded, true);
        }
    }

    /// Journal entries of a patient neither saved nor discarded yet.
    fn pending_entries(&mut self, sri: u64) -> impl Iterator<Item = &mut JournalEntry> {
        self.journal
            .iter_mut()
            .filter(move |e| e.patient == sri && !e.committed && !e.discarded)
    }
}

/// What reads may see of a record now (the read lag).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Visibility<'a> {
    visible_at: &'a HashMap<String, tokio::time::Instant>,
    now: tokio::time::Instant,
}

impl Visibility<'_> {
    /// Whether the event or document with this UID is visible to reads.
    pub(crate) fn sees(&self, uid: &str) -> bool {
        self.visible_at.get(uid).is_none_or(|at| self.now >= *at)
    }

    /// Whether an event is visible to reads.
    pub(crate) fn sees_event(&self, event: &Event) -> bool {
        event.event_uid.as_ref().is_none_or(|uid| self.sees(&uid.0))
    }
}

/// An identity with no identifier in it (treated as absent).
pub(crate) fn identity_is_empty(identity: &Identity) -> bool {
    [
        &identity.nhs_number,
        &identity.pseudo_number,
        &identity.client_id,
    ]
    .iter()
    .all(|v| v.as_deref().is_none_or(|v| v.trim().is_empty()))
}

impl Patient {
    /// The full record, if it has been built.
    pub(crate) fn materialised(&self) -> Option<&PatientRecord> {
        self.record.as_deref()
    }
}
