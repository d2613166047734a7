//! "Failed to save eConsult to record": which cause, and whether trying
//! again can help.

use std::fmt;

use serde::{Deserialize, Serialize};
use systmone_client::client::{Error as ClientError, NotSentReason};

/// Why a save failed, in the words a practice needs.
///
/// SystmOne publishes almost none of its error texts (PROTOCOL.md §3.3), so
/// whether a retry can help is decided only by what happened to the request
/// and SystmOne's `PermanentError`, never by text. The text is read only to
/// *name* a cause a person can act on (messaging settings, a record in
/// use); an unrecognised text is [`FailureCause::Rejected`] or
/// [`FailureCause::Temporary`] with SystmOne's own words.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum FailureCause {
    /// The practice's SystmOne messaging settings refuse the save: email and
    /// text message must be enabled as contact methods.
    MessagingSettings,
    /// A user has the patient's record open in SystmOne.
    RecordInUse,
    /// SystmOne has no patient with the identifier the eConsult is linked to.
    PatientNotFound,
    /// A SystmOne user blocked this device.
    DeviceBlocked,
    /// This device is not yet approved in SystmOne.
    NotApproved,
    /// SystmOne is not running, no one is logged on, or it did not answer.
    SystmOneUnavailable,
    /// A save was sent and no answer came, and the record could not yet be
    /// read to find out whether it landed.
    OutcomeUnknown,
    /// SystmOne could not read a file the save gave it, or the spool
    /// directory could not be written.
    File,
    /// The eConsult cannot be saved as it is (its PDF could not be made, or
    /// its text cannot be sent as XML).
    Content,
    /// The save journal could not be read or written.
    Journal,
    /// The SDK is set up wrongly (client configuration, Device ID store).
    Configuration,
    /// SystmOne refused it for a reason it will give again.
    Rejected,
    /// SystmOne refused it for now.
    Temporary,
    /// SystmOne on this PC is logged on at another practice than the
    /// eConsult's: nothing is written until it is logged on at the right
    /// one.
    WrongPractice,
    /// A save was written but not yet committed: the patient's record is
    /// open in SystmOne and the user has not saved it.
    NotCommitted,
}

impl FailureCause {
    /// What this cause means and what a person can do about it.
    pub fn advice(&self) -> &'static str {
        match self {
            FailureCause::MessagingSettings => {
                "SystmOne's messaging settings do not allow it: enable email and text message as contact methods in the practice's messaging settings, then save again"
            }
            FailureCause::RecordInUse => {
                "the patient's record is open in SystmOne; it is saved automatically once the record is closed"
            }
            FailureCause::PatientNotFound => {
                "SystmOne has no patient with the linked identifier; check the match and link the eConsult again"
            }
            FailureCause::DeviceBlocked => {
                "SystmOne has blocked this device; a SystmOne user must unblock it in Setup > Mobile Working & Integration > Device Manager"
            }
            FailureCause::NotApproved => {
                "this device is not approved in SystmOne yet; ask a SystmOne user to approve it"
            }
            FailureCause::SystmOneUnavailable => {
                "SystmOne is not available (not running, nobody logged on, or not answering); it is tried again automatically"
            }
            FailureCause::OutcomeUnknown => {
                "SystmOne did not answer, so the record is checked before anything is sent again; this happens automatically"
            }
            FailureCause::File => {
                "a file for the save could not be written or SystmOne could not read it; check the spool directory is on this PC and readable"
            }
            FailureCause::Content => {
                "the eConsult cannot be saved as it is; its details say what is wrong"
            }
            FailureCause::Journal => {
                "the save journal could not be written; check the disk, then save again"
            }
            FailureCause::Configuration => {
                "the SDK is not set up correctly; its details say what to change"
            }
            FailureCause::Rejected => "SystmOne refused it and will refuse it again as it is",
            FailureCause::Temporary => {
                "SystmOne could not do it just now; it is tried again automatically"
            }
            FailureCause::WrongPractice => {
                "SystmOne is logged on at another practice; nothing is saved until SystmOne on this PC is logged on at the eConsult's practice, then the save resumes automatically"
            }
            FailureCause::NotCommitted => {
                "the save is in the patient's record but not yet committed, because the record is open in SystmOne; it is checked again automatically once the user saves or closes the record"
            }
        }
    }
}

/// A failed save: its cause, whether trying again can help, and the
/// details (SystmOne's words, or the SDK's).
///
/// ```
/// use record_sync::{FailureCause, SaveFailure};
///
/// let failure = SaveFailure::new(FailureCause::RecordInUse, true, "The patient record is in use");
/// assert!(failure.to_string().starts_with("Failed to save eConsult to record: "));
/// assert!(failure.retryable);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct SaveFailure {
    /// Which cause.
    pub cause: FailureCause,
    /// Whether a retry can help (retryable failures are retried by the
    /// engine with backoff).
    pub retryable: bool,
    /// What happened, for logs and for support.
    pub detail: String,
}

impl SaveFailure {
    /// A failure with these parts.
    pub fn new(cause: FailureCause, retryable: bool, detail: impl Into<String>) -> Self {
        Self {
            cause,
            retryable,
            detail: detail.into(),
        }
    }

    /// The failure a client error means for a save. `write` says whether
    /// the call was the save itself (an unanswered write's outcome is
    /// unknown) or a read.
    pub fn from_client(error: &ClientError, write: bool) -> Self {
        let detail = error.to_string();
        let (cause, retryable) = match error {
            ClientError::DeviceBlocked { .. } => (FailureCause::DeviceBlocked, false),
            ClientError::NotApproved { .. } => (FailureCause::NotApproved, true),
            ClientError::Unreachable { .. } => (FailureCause::SystmOneUnavailable, true),
            ClientError::NotSent { reason, .. } => match reason {
                NotSentReason::Unreachable { .. } => (FailureCause::SystmOneUnavailable, true),
                NotSentReason::Encode(_) => (FailureCause::Content, false),
                // Not sent in time (a lease would have run out) or not on
                // the connection whose practice was checked: nothing was
                // written, and the next attempt checks again.
                NotSentReason::DeadlinePassed | NotSentReason::ConnectionChanged => {
                    (FailureCause::SystmOneUnavailable, true)
                }
                _ => (FailureCause::Configuration, false),
            },
            ClientError::NoAnswer { .. } | ClientError::Unreadable { .. } if write => {
                (FailureCause::OutcomeUnknown, true)
            }
            ClientError::NoAnswer { .. } | ClientError::Unreadable { .. } => {
                (FailureCause::SystmOneUnavailable, true)
            }
            ClientError::SystmOne {
                message, permanent, ..
            } => (name_refusal(message, *permanent), !permanent),
            _ => (FailureCause::Configuration, false),
        };
        Self {
            cause,
            retryable,
            detail,
        }
    }
}

/// Names the cause of a SystmOne refusal from its text, for people only:
/// the retry decision is `permanent` alone.
fn name_refusal(message: &str, permanent: bool) -> FailureCause {
    let text = message.to_ascii_lowercase();
    let has = |words: &[&str]| words.iter().any(|w| text.contains(w));
    if has(&["messaging settings", "contact method"]) {
        FailureCause::MessagingSettings
    } else if has(&["in use", "record is open", "cannot be displayed"]) {
        FailureCause::RecordInUse
    } else if has(&["no patient found", "unknown patient", "patient not found"]) {
        FailureCause::PatientNotFound
    } else if text.contains("file") && has(&["cannot be read", "does not exist"]) {
        FailureCause::File
    } else if permanent {
        FailureCause::Rejected
    } else {
        FailureCause::Temporary
    }
}

impl fmt::Display for SaveFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "Failed to save eConsult to record: {} ({}; {})",
            self.cause.advice(),
            if self.retryable {
                "a retry can help"
            } else {
                "a retry will not help until this is put right"
            },
            self.detail
        )
    }
}

impl std::error::Error for SaveFailure {}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;
    use systmone_client::client::NoAnswerCause;

    fn refusal(message: &str, permanent: bool) -> ClientError {
        ClientError::SystmOne {
            function: "UpdatePatientRecord",
            request_uid: "u".into(),
            message: message.into(),
            permanent,
        }
    }

    #[test]
    fn refusals_are_named_and_retried_by_permanence_only() {
        let cases = [
            (
                "Unable to save: email and text message must be enabled as contact methods in the practice's messaging settings",
                true,
                FailureCause::MessagingSettings,
            ),
            (
                "The patient record is in use; try again later",
                false,
                FailureCause::RecordInUse,
            ),
            (
                "No patient found with identifier 9990000018",
                true,
                FailureCause::PatientNotFound,
            ),
            (
                "The file C:\\x.pdf does not exist or cannot be read",
                true,
                FailureCause::File,
            ),
            (
                "SystmOne could not process the request",
                true,
                FailureCause::Rejected,
            ),
            (
                "Something else; try again later",
                false,
                FailureCause::Temporary,
            ),
        ];
        for (message, permanent, cause) in cases {
            let failure = SaveFailure::from_client(&refusal(message, permanent), true);
            assert_eq!(failure.cause, cause, "{message}");
            assert_eq!(failure.retryable, !permanent, "{message}");
            assert!(failure.detail.contains(message));
        }
    }

    #[test]
    fn an_unanswered_write_is_unknown_and_an_unanswered_read_unavailable() {
        let error = ClientError::NoAnswer {
            function: "UpdatePatientRecord",
            request_uid: "u".into(),
            cause: NoAnswerCause::Timeout(Duration::from_secs(30)),
            safe_to_resend: false,
        };
        assert_eq!(
            SaveFailure::from_client(&error, true).cause,
            FailureCause::OutcomeUnknown
        );
        let read = SaveFailure::from_client(&error, false);
        assert_eq!(read.cause, FailureCause::SystmOneUnavailable);
        assert!(read.retryable);
    }

    #[test]
    fn a_blocked_device_is_not_retried_and_says_what_to_do() {
        let error = ClientError::DeviceBlocked {
            message: "blocked".into(),
        };
        let failure = SaveFailure::from_client(&error, true);
        assert_eq!(failure.cause, FailureCause::DeviceBlocked);
        assert!(!failure.retryable);
        let text = failure.to_string();
        assert!(text.contains("Device Manager"), "{text}");
        assert!(text.contains("will not help"), "{text}");
    }
}
