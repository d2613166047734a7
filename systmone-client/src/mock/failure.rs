//! The errors the mock answers with: SystmOne's published text where there
//! is one (PatientSearch), the mock's own fixed texts otherwise
//! (PROTOCOL.md §3.3, "Mock-defined error texts").

use crate::proto::ErrorResponse;

/// An error response the mock sends instead of a result.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Failure {
    pub(crate) message: String,
    pub(crate) permanent: bool,
}

impl Failure {
    fn permanent(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
            permanent: true,
        }
    }

    fn temporary(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
            permanent: false,
        }
    }

    /// E1: fewer than two PatientSearch criteria (SystmOne's exact text).
    pub(crate) fn too_few_search_criteria() -> Self {
        Self::permanent("At least two search parameters must be specified")
    }

    /// E2: the device is blocked.
    pub(crate) fn blocked() -> Self {
        Self::permanent("The request was blocked by the SystmOne user")
    }

    /// "Not Now" on the approval dialog: no device ID, try again later.
    pub(crate) fn not_approved_yet() -> Self {
        Self::temporary("The SystmOne user has not approved this device yet; try again later")
    }

    /// A non-empty DeviceID the mock never issued, or one issued to
    /// another API key.
    pub(crate) fn unrecognised_device() -> Self {
        Self::permanent("Unrecognised device")
    }

    /// An API key that is not registered.
    pub(crate) fn unrecognised_api_key() -> Self {
        Self::permanent("Unrecognised API key")
    }

    /// E3: no Identity and no open record.
    pub(crate) fn no_open_record() -> Self {
        Self::permanent("No patient record is currently retrieved")
    }

    /// E4: the record is open but cannot be shown to the user.
    pub(crate) fn not_displayable() -> Self {
        Self::temporary(
            "The patient record is open in a state that cannot be displayed; try again later",
        )
    }

    /// E5: the record is in use.
    pub(crate) fn record_in_use() -> Self {
        Self::temporary("The patient record is in use; try again later")
    }

    /// E6: a directory that does not exist or cannot be written.
    pub(crate) fn directory(path: &str) -> Self {
        Self::permanent(format!(
            "The directory {path} does not exist or cannot be accessed"
        ))
    }

    /// E7: a deletion without a reason.
    pub(crate) fn no_reason() -> Self {
        Self::permanent("A reason must be given for the deletion")
    }

    /// E8: an item that cannot be deleted.
    pub(crate) fn cannot_delete(kind: &str, uid: &str, why: &str) -> Self {
        Self::permanent(format!("{kind} {uid} cannot be deleted: {why}"))
    }

    /// E9: the wrong root element.
    pub(crate) fn root(name: &str) -> Self {
        Self::permanent(format!("Invalid root element {name}"))
    }

    /// E10: a missing envelope element.
    pub(crate) fn missing(name: &str) -> Self {
        Self::permanent(format!("Missing mandatory element {name}"))
    }

    /// A request that could not be read at all.
    pub(crate) fn malformed(detail: &str) -> Self {
        Self::permanent(format!("Invalid request: {detail}"))
    }

    /// E11: an unknown function.
    pub(crate) fn unknown_function(name: &str) -> Self {
        Self::permanent(format!("Unknown function {name}"))
    }

    /// E12: an unsupported OutputScheme.
    pub(crate) fn coding_scheme(value: &str) -> Self {
        Self::permanent(format!("Invalid coding scheme {value}"))
    }

    /// E13: an appointment that matches no free slot.
    pub(crate) fn no_free_slot() -> Self {
        Self::permanent("No free appointment slot matches the requested appointment")
    }

    /// E14: a file that does not exist or cannot be read.
    pub(crate) fn unreadable_file(path: &str) -> Self {
        Self::permanent(format!("The file {path} does not exist or cannot be read"))
    }

    /// E15: a letter missing what it needs.
    pub(crate) fn invalid_letter(what: &str) -> Self {
        Self::permanent(format!("Invalid letter: {what}"))
    }

    /// E16: no patient with that identifier.
    pub(crate) fn no_patient(identifier: &str) -> Self {
        Self::permanent(format!("No patient found with identifier {identifier}"))
    }

    /// E17: an unsupported FunctionVersion.
    pub(crate) fn version(function: &str, version: &str) -> Self {
        Self::permanent(format!(
            "Function {function} version {version} is not supported"
        ))
    }

    /// Any other invalid value (a bad enumeration, an unknown UID, an
    /// Identity with no or several identifiers).
    pub(crate) fn invalid(message: impl Into<String>) -> Self {
        Self::permanent(message)
    }

    /// The practice's messaging settings refuse the save (email and text
    /// must be enabled as contact methods).
    pub(crate) fn messaging_settings() -> Self {
        Self::permanent(
            "Unable to save: email and text message must be enabled as contact methods in the \
             practice's messaging settings",
        )
    }

    /// A document added moments ago that SystmOne is still downloading.
    pub(crate) fn document_not_ready() -> Self {
        Self::temporary(
            "The document is still being downloaded from the TPP server; try again in a few minutes",
        )
    }

    /// An injected transient failure.
    pub(crate) fn injected_transient() -> Self {
        Self::temporary("SystmOne is temporarily unable to process the request; try again later")
    }

    /// The mock's own handler failed (it panicked): a bug in the mock, not
    /// a fault a test injected, and said so, so that a test does not take
    /// it for SystmOne refusing.
    pub(crate) fn mock_bug(what: &str) -> Self {
        Self::permanent(format!(
            "the mock SystmOne failed internally ({what}); this is a bug in the mock, not an injected fault: please report it"
        ))
    }

    /// An injected permanent failure.
    pub(crate) fn injected_permanent() -> Self {
        Self::permanent("SystmOne could not process the request")
    }

    /// The wire form.
    pub(crate) fn into_response(self) -> ErrorResponse {
        ErrorResponse {
            message: self.message,
            permanent: Some(self.permanent),
        }
    }
}
