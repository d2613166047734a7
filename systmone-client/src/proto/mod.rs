//! The Client Integration wire protocol: framing, the envelope, and one
//! typed request and response for each of SystmOne's 17 functions.
//!
//! Strict in what it emits (the schema's element order and casing, one
//! document per line, everything escaped) and lenient in what it accepts
//! (any order, any ASCII case, known spelling variants, pretty-printed
//! documents, dates with fractions or a `Z`, empty optional elements).
//! See `PROTOCOL.md` in the shared design folder for the rules this follows.

mod envelope;
mod framing;
mod functions;
#[cfg(any(test, feature = "proptest"))]
#[cfg_attr(docsrs, doc(cfg(feature = "proptest")))]
pub mod strategy;
mod types;
pub(crate) mod xml;

// The seventeen functions: a request type and its response type each, tied
// by `Function`.
pub use functions::{
    AnyRequest, AnyResponse, DataExtract, DataExtractResponse, DeletePatientRecord,
    DeletePatientRecordResponse, ExitClient, ExitClientResponse, FUNCTION_NAMES, Function,
    GetAppointmentSlots, GetAppointmentSlotsResponse, GetCurrentActivity,
    GetCurrentActivityResponse, GetCurrentSelection, GetCurrentSelectionResponse, GetDiary,
    GetDiaryResponse, GetDocument, GetDocumentResponse, GetFunctions, GetFunctionsResponse,
    GetOrganisationMetaData, GetOrganisationMetaDataResponse, GetPatientRecord,
    GetPatientRecordResponse, GetReferenceData, GetReferenceDataResponse, GetXsdFiles,
    GetXsdFilesResponse, IsPatientRetrieved, IsPatientRetrievedResponse, LaunchFunctionality,
    LaunchFunctionalityResponse, PatientSearch, PatientSearchResponse, UpdatePatientRecord,
    UpdatePatientRecordResponse, canonical_function_name,
};

// Reading a record: what `GetPatientRecord` asks for and returns.
pub use functions::{CodedValue, Filter, PatientDemographics, PatientSearchResult};

// The clinical items of a record, read by `GetPatientRecord` and written by
// `UpdatePatientRecord`.
pub use functions::{
    ActivityItem, Attachment, CarePlan, CarePlanAim, CarePlanInstruction, Clinic, Clinical,
    ClinicalCode, Comparator, ContactMethod, DrugSensitivity, Episodicity, Event, FollowUpAction,
    FollowUpActionKind, FollowUpActions, Ingredient, Letter, LetterDirection, Medication,
    MedicationType, Narrative, PatientPlan, PlanItems, ProblemSeverity, Recall, RecallStatus,
    Referral, Relationship, Reminder, ReminderSeverity, RepeatMedication, Report, ReportResult,
    ReportType, Responsibility, SensitivityType, Vaccination,
};

// Writing: demographics changes.
pub use functions::DemographicsUpdate;

// The non-clinical record and the diary.
pub use functions::{Appointment, BriefDemographics, DiaryEntry, NonClinical, Slot, Task, Visit};

// The session: the user, the organisation, the screen, what SystmOne offers.
pub use functions::{
    AccessRights, CurrentSelection, LaunchAttachment, LaunchClinicalCode, LaunchMedication,
    NumericReadCodeUnits, Site, SupportedFunction, Teams, User, UserGroups, XsdFile,
};

// Values shared by many functions.
pub use types::{
    Address, AppointmentUid, Code, CodeScheme, DocumentUid, Drug, DrugScheme, EventUid, Identity,
    LetterName, ProblemUid, RecordState, ReferralUid, Sex, TaskUid, VisitUid, YesNoUnknown,
};
pub use xml::{Decimal, Element, Minutes, Node};

// The envelope, and encoding and decoding whole documents.
pub use envelope::{
    AnyDocument, ErrorResponse, FUNCTION_VERSION, OutputScheme, REQUEST_ROOT, RESPONSE_ROOT,
    Request, RequestDecodeError, RequestHeader, Response, ResponseHeader, ResponsePeek,
    decode_any_response, decode_document, decode_request, decode_response, encode_request,
    encode_response, peek_response,
};
pub use xml::{DecodeError, DecodeErrorKind, EncodeError, EncodeOptions, NhsNumberCasing};

// Splitting a byte stream into documents.
pub use framing::{DEFAULT_MAX_DEPTH, DEFAULT_MAX_DOCUMENT_LEN, DocumentCodec, FrameError};

/// The one table of function facts, for the client's typed methods.
#[cfg(feature = "client")]
pub(crate) use functions::function_table;
/// What the client's throttle needs to know of a request, from the table
/// of function facts (crate-private: it also seals `Function`).
#[cfg(feature = "client")]
pub(crate) use functions::sealed::Sealed as FunctionFacts;

/// Not part of the API: the XML cursor and writer under the typed codec,
/// reachable only so that this workspace's benches and property-test
/// strategies can measure and drive them. Anything here may change in any
/// release.
#[doc(hidden)]
pub mod __internals {
    pub use super::xml::{Tag, WriteXml, XmlReader, XmlText, XmlValue, XmlWriter};
}

#[cfg(test)]
mod tests;
