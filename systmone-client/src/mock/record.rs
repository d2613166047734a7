//! What the mock holds about a patient, as tests can inspect it.

use chrono::NaiveDateTime;

use crate::proto::xml::Minutes;
use crate::proto::{
    AppointmentUid, DocumentUid, Event, EventUid, PatientDemographics, ReferralUid, Task, Visit,
};

/// Who added an item to a record.
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Origin {
    /// Staff at the practice, in SystmOne itself (fixtures): never
    /// deletable through the API, and events carry no `Software`.
    Practice,
    /// A product through Client Integration.
    Api {
        /// The API key it used (redacted in `Debug`).
        api_key: String,
        /// The device that sent it.
        device_id: String,
        /// The product's name, returned as `Event/@Software`.
        software: String,
        /// Whether the item is visible in the patient's online record (the
        /// device's "Visible in the Online Record" setting when it was
        /// added).
        online_visible: bool,
    },
}

impl std::fmt::Debug for Origin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Origin::Practice => f.write_str("Practice"),
            Origin::Api {
                device_id,
                software,
                online_visible,
                ..
            } => f
                .debug_struct("Api")
                .field("api_key", &"<redacted>")
                .field("device_id", device_id)
                .field("software", software)
                .field("online_visible", online_visible)
                .finish(),
        }
    }
}

/// One item of a record with when and by whom it was entered.
#[derive(Debug, Clone, PartialEq)]
pub struct RecordEntry<T> {
    /// The item as SystmOne would return it (UIDs filled in).
    pub item: T,
    /// When it was entered into SystmOne (local time): what the entry-date
    /// filters compare.
    pub entered: NaiveDateTime,
    /// Who added it.
    pub origin: Origin,
}

/// A booked appointment, in one shape whichever shape booked it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BookedAppointment {
    /// Its UID.
    pub uid: AppointmentUid,
    /// When it starts.
    pub start: NaiveDateTime,
    /// How long it is.
    pub duration: Minutes,
    /// The clinician's SystmOne user name.
    pub user_name: String,
    /// The clinician's display name, `SURNAME, Forename`.
    pub clinician: String,
    /// The site.
    pub site_name: String,
    /// The clinic type.
    pub clinic_type: String,
    /// The slot type it was booked into.
    pub slot_type: String,
    /// `Booked`, `Arrived`, `Finished`, `Cancelled by Patient`, …
    pub status: String,
    /// Comments, if any.
    pub comments: Option<String>,
    /// A linked referral, if any.
    pub linked_referral_uid: Option<ReferralUid>,
    /// Flags, if any.
    pub flags: Vec<String>,
}

/// A file held in a record (a letter or an attachment), as read from the
/// path given when it was added.
#[derive(Clone, PartialEq, Eq)]
pub struct StoredDocument {
    /// Its UID, for GetDocument.
    pub uid: DocumentUid,
    /// The file name it was added with (its extension is kept when it is
    /// written back out).
    pub file_name: String,
    /// The file's bytes.
    pub contents: Vec<u8>,
    /// When it was added (GetDocument may refuse it for a while after,
    /// see [`MockBuilder::document_delay`](super::MockBuilder::document_delay)).
    pub added: chrono::NaiveDateTime,
}

impl std::fmt::Debug for StoredDocument {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StoredDocument")
            .field("uid", &self.uid)
            .field("file_name", &self.file_name)
            .field("len", &self.contents.len())
            .field("added", &self.added)
            .finish()
    }
}

/// A patient's whole record as the mock holds it.
#[derive(Debug, Clone, PartialEq)]
pub struct PatientRecord {
    /// The patient's Strategic Reporting identifier (stable, unique).
    pub strategic_reporting_identifier: u64,
    /// The NHS number, if the patient has one.
    pub nhs_number: Option<String>,
    /// The pseudo number of a patient without an NHS number.
    pub pseudo_number: Option<String>,
    /// Demographics as GetPatientRecord returns them.
    pub demographics: PatientDemographics,
    /// Clinical events, oldest entry first.
    pub events: Vec<RecordEntry<Event>>,
    /// Appointments (all, not only pending ones).
    pub appointments: Vec<RecordEntry<BookedAppointment>>,
    /// Home visits.
    pub visits: Vec<RecordEntry<Visit>>,
    /// Workflow tasks.
    pub tasks: Vec<RecordEntry<Task>>,
    /// Files behind letters and attachments.
    pub documents: Vec<StoredDocument>,
    /// The events that record demographics changes: they can never be
    /// deleted (send another update instead).
    pub demographics_events: Vec<EventUid>,
}

impl PatientRecord {
    /// The event with this UID.
    pub fn event(&self, uid: &str) -> Option<&RecordEntry<Event>> {
        self.events
            .iter()
            .find(|e| e.item.event_uid.as_ref().is_some_and(|u| u.0 == uid))
    }

    /// Events added through the API (not the practice's own).
    pub fn api_events(&self) -> impl Iterator<Item = &RecordEntry<Event>> {
        self.events
            .iter()
            .filter(|e| matches!(e.origin, Origin::Api { .. }))
    }

    /// Every narrative line of every event, in order: handy for finding a
    /// marker a product wrote.
    pub fn narrative_lines(&self) -> impl Iterator<Item = &str> {
        self.events
            .iter()
            .flat_map(|e| &e.item.narratives)
            .flat_map(|n| &n.lines)
            .map(String::as_str)
    }
}
