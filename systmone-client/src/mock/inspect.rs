//! What tests can see of the mock: every request it received and what
//! became of it, and a journal of every change to a record.

use chrono::NaiveDateTime;

use crate::proto::{AnyRequest, Request};

/// One request the mock received.
#[derive(Debug, Clone, PartialEq)]
pub struct ReceivedRequest {
    /// 1-based, in the order requests were received, over all connections.
    pub number: u64,
    /// Which connection it came on (1-based, in accept order).
    pub connection: u64,
    /// When it was received (the mock's local time).
    pub received: NaiveDateTime,
    /// When it was received, on tokio's clock: precise enough to check a
    /// client's spacing (paused in tests).
    pub arrived: tokio::time::Instant,
    /// The decoded request, or `None` when it could not be decoded.
    pub request: Option<Request<AnyRequest>>,
    /// Why it could not be decoded, when it could not.
    pub decode_error: Option<String>,
    /// What the mock did with it.
    pub outcome: RequestOutcome,
}

impl ReceivedRequest {
    /// The canonical function name, when the request was decoded.
    pub fn function(&self) -> Option<&'static str> {
        self.request
            .as_ref()
            .map(|r| r.parameters().function_name())
    }
}

/// What became of a request.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum RequestOutcome {
    /// Processed and answered.
    Answered,
    /// Answered with an error response.
    Error {
        /// The `ErrorMessage`.
        message: String,
        /// The `PermanentError` flag.
        permanent: bool,
    },
    /// Not processed and not answered because of the throttle.
    Throttled,
    /// Not answered because of an injected fault (the fault says whether
    /// it was processed).
    Faulted(super::Fault),
}

/// One change to a patient's record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JournalEntry {
    /// When (the mock's local time).
    pub at: NaiveDateTime,
    /// The request that made it (empty for changes made by the simulated
    /// user, such as saving an open record).
    pub request_uid: String,
    /// The patient's Strategic Reporting identifier.
    pub patient: u64,
    /// What changed.
    pub change: RecordChange,
    /// `false` while the change sits in a record left open in SystmOne and
    /// the user has not saved it yet.
    pub committed: bool,
    /// `true` when the user discarded the open record instead: the change
    /// is gone.
    pub discarded: bool,
}

/// A kind of change.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum RecordChange {
    /// A clinical event was added.
    EventAdded(String),
    /// Demographics changed (recorded as an event with this UID).
    DemographicsChanged(String),
    /// An appointment was booked.
    AppointmentBooked(String),
    /// An appointment was changed.
    AppointmentChanged(String),
    /// A home visit was added.
    VisitAdded(String),
    /// A home visit was changed.
    VisitChanged(String),
    /// A task was added.
    TaskAdded(String),
    /// A task was changed.
    TaskChanged(String),
    /// An item was deleted (its kind and UID).
    Deleted {
        /// `Event`, `Appointment`, `Visit` or `Task`.
        kind: &'static str,
        /// Its UID.
        uid: String,
        /// The reason given.
        reason: String,
    },
    /// The user saved the open record: its uncommitted changes are kept.
    UserSaved,
    /// The user discarded the open record: its uncommitted changes are
    /// gone.
    UserDiscarded,
}
