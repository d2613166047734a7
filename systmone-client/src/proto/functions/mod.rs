//! One typed request and response per function, and the [`Function`] trait
//! that ties them together.

mod diary;
mod enums;
mod event;
mod nonclinical;
mod record;
mod session;
mod update;

pub use diary::*;
pub use enums::*;
pub use event::*;
pub use nonclinical::*;
pub use record::*;
pub use session::*;
pub use update::*;

use super::xml::{DecodeError, Tag, WriteXml, XmlReader, XmlValue, XmlWriter};

/// A request's parameters, tied to its wire name and its response type, so
/// that a caller cannot send one function and read the answer as another.
///
/// ```
/// use systmone_client::proto::{Function, IsPatientRetrieved, IsPatientRetrievedResponse};
///
/// fn answer_type<F: Function>(_: &F) -> &'static str { std::any::type_name::<F::Response>() }
/// assert_eq!(IsPatientRetrieved::NAME, "IsPatientRetrieved");
/// assert!(answer_type(&IsPatientRetrieved::default()).ends_with("IsPatientRetrievedResponse"));
/// // A response is built field by field from its default.
/// let mut answer = IsPatientRetrievedResponse::default();
/// answer.is_patient_retrieved = true;
/// ```
///
/// The trait is sealed: the seventeen functions are SystmOne's, and the
/// codec, the client's throttle and the mock all rely on knowing each one,
/// so no other crate can add a function.
pub trait Function:
    sealed::Sealed
    + XmlValue
    + Clone
    + std::fmt::Debug
    + serde::Serialize
    + PartialEq
    + Send
    + Sync
    + 'static
{
    /// The `Function` element's value on the wire.
    const NAME: &'static str;

    /// What SystmOne answers.
    type Response: XmlValue
        + Clone
        + std::fmt::Debug
        + serde::Serialize
        + PartialEq
        + Send
        + Sync
        + 'static;

    /// Whether sending the request again, when the first one's outcome is
    /// unknown, can do no harm: `false` for the functions that change the
    /// record or the user's screen (`UpdatePatientRecord`,
    /// `DeletePatientRecord`, `LaunchFunctionality`, `ExitClient`), whose
    /// repetition would duplicate data or act twice (PROTOCOL.md §1.5).
    const SAFE_TO_RESEND: bool;

    /// Wraps the parameters as an [`AnyRequest`].
    fn into_any(self) -> AnyRequest;
}

/// Seals [`Function`], and carries the facts the client's throttle needs
/// about a request without looking at its type at run time. The trait is
/// public, the module is crate-private: no other crate can name it, so no
/// other crate can implement [`Function`].
pub(crate) mod sealed {
    use crate::proto::Filter;

    /// Implemented by the seventeen request types only, from the table
    /// in `functions!`.
    pub trait Sealed {
        /// For a `GetPatientRecord`, its filter (`None` inside when it has
        /// none): the throttle judges the 30-second rule by it. `None` for
        /// every other function.
        fn record_filter(&self) -> Option<Option<Filter>>;
    }
}

/// The codec's part of [`function_table`]: the `Function` impls,
/// `AnyRequest`/`AnyResponse`, `FUNCTION_NAMES` and name lookup.
macro_rules! functions {
    ($(
        $(#[$doc:meta])*
        $variant:ident : $request:ident => $response:ident = $wire:literal $(| $alias:literal)*
            { resend: $resend:literal, throttle: $subject:ident, files: $files:literal, call: $method:ident / $with:ident }
    ),* $(,)?) => {
        $(
            impl sealed::Sealed for $request {
                fn record_filter(&self) -> Option<Option<crate::proto::Filter>> {
                    functions!(@record_filter $subject self)
                }
            }

            impl Function for $request {
                const NAME: &'static str = $wire;
                const SAFE_TO_RESEND: bool = $resend;
                type Response = $response;

                fn into_any(self) -> AnyRequest {
                    AnyRequest::$variant(self)
                }
            }
        )*

        /// The parameters of any function (what a server decodes).
        #[derive(Debug, Clone, PartialEq, serde::Serialize)]
        #[serde(untagged)]
        #[non_exhaustive]
        #[allow(clippy::large_enum_variant)]
        pub enum AnyRequest {
            $(
                #[doc = concat!("`", $wire, "`.")]
                $variant($request),
            )*
        }

        /// The answer of any function (what a debugging tool decodes).
        #[derive(Debug, Clone, PartialEq, serde::Serialize)]
        #[serde(untagged)]
        #[non_exhaustive]
        #[allow(clippy::large_enum_variant)]
        pub enum AnyResponse {
            $(
                #[doc = concat!("`", $wire, "`.")]
                $variant($response),
            )*
            /// The answer of a function this SDK does not know, kept as
            /// sent (the header's `function` names it).
            Unknown(crate::proto::xml::Element),
        }

        /// The wire names of all functions, in PROTOCOL.md §2.3's order.
        pub const FUNCTION_NAMES: &[&str] = &[$($wire),*];

        /// The canonical wire name for `name` (ASCII-case-insensitive, and
        /// known aliases such as `DeleteFromPatientRecord`), or `None` for
        /// a function that does not exist.
        pub fn canonical_function_name(name: &str) -> Option<&'static str> {
            let name = name.trim();
            $(
                if name.eq_ignore_ascii_case($wire) $( || name.eq_ignore_ascii_case($alias) )* {
                    return Some($wire);
                }
            )*
            None
        }

        impl AnyRequest {
            /// Whether the function reads or writes files on the PC
            /// (attachments, documents, extracts, schemas, a file to open):
            /// the mock handles those off the async threads.
            #[cfg(feature = "mock")]
            pub(crate) fn uses_files(&self) -> bool {
                match self {
                    $( AnyRequest::$variant(_) => $files, )*
                }
            }

            /// The function's canonical wire name.
            pub fn function_name(&self) -> &'static str {
                match self {
                    $( AnyRequest::$variant(_) => $wire, )*
                }
            }

            /// Reads the parameters of the function `name` (canonical).
            pub(crate) fn read<'a>(
                name: &str,
                reader: &mut XmlReader<'a>,
                tag: Tag<'a>,
            ) -> Option<Result<Self, DecodeError>> {
                match name {
                    $( $wire => Some(<$request as XmlValue>::read(reader, tag).map(AnyRequest::$variant)), )*
                    _ => None,
                }
            }

        }

        impl WriteXml for AnyRequest {
            fn write_xml(&self, name: &'static str, w: &mut XmlWriter) {
                match self {
                    $( AnyRequest::$variant(p) => p.write(name, w), )*
                }
            }
        }

        impl AnyResponse {
            /// The function's canonical wire name; empty for
            /// [`AnyResponse::Unknown`].
            pub fn function_name(&self) -> &'static str {
                match self {
                    $( AnyResponse::$variant(_) => $wire, )*
                    AnyResponse::Unknown(_) => "",
                }
            }

            /// Reads the answer of the function `name` (canonical).
            pub(crate) fn read<'a>(
                name: &str,
                reader: &mut XmlReader<'a>,
                tag: Tag<'a>,
            ) -> Option<Result<Self, DecodeError>> {
                match name {
                    $( $wire => Some(<$response as XmlValue>::read(reader, tag).map(AnyResponse::$variant)), )*
                    _ => None,
                }
            }

        }

        impl WriteXml for AnyResponse {
            fn write_xml(&self, name: &'static str, w: &mut XmlWriter) {
                match self {
                    $( AnyResponse::$variant(r) => r.write(name, w), )*
                    AnyResponse::Unknown(element) => element.write(w),
                }
            }
        }

        #[cfg(any(test, feature = "proptest"))]
        impl crate::proto::strategy::XmlArbitrary for AnyRequest {
            fn xml_strategy() -> proptest::strategy::BoxedStrategy<Self> {
                use proptest::strategy::Strategy as _;
                proptest::prop_oneof![
                    $( <$request as crate::proto::strategy::XmlArbitrary>::xml_strategy().prop_map(AnyRequest::$variant) ),*
                ].boxed()
            }
        }

        #[cfg(any(test, feature = "proptest"))]
        impl crate::proto::strategy::XmlArbitrary for AnyResponse {
            fn xml_strategy() -> proptest::strategy::BoxedStrategy<Self> {
                use proptest::strategy::Strategy as _;
                proptest::prop_oneof![
                    $( <$response as crate::proto::strategy::XmlArbitrary>::xml_strategy().prop_map(AnyResponse::$variant) ),*
                ].boxed()
            }
        }
    };
    (@record_filter function $request:ident) => { None };
    (@record_filter record $request:ident) => { Some($request.filter.clone()) };
}

/// The one table of function facts, handed to `$callback`: for each
/// function, its docs, its `AnyRequest` variant, request and response types,
/// wire name (and accepted aliases), whether it is safe to resend, what the
/// throttle counts it as (`function`, or `record`: a `GetPatientRecord`,
/// judged by its filter), whether it uses files on the PC, and the client's
/// method names. Everything else
/// derives from it: the `Function` impls, `AnyRequest` and `AnyResponse`,
/// `FUNCTION_NAMES`, name lookup (`functions!` here), and the client's typed
/// methods and `SystmOneApi` (`typed_calls!` in `client::api`). See
/// ARCHITECTURE.md, "How to add a function".
macro_rules! function_table {
    ($callback:ident) => {
        $callback! {
            /// `GetFunctions`: the functions this SystmOne offers (§9.1).
            GetFunctions: GetFunctions => GetFunctionsResponse = "GetFunctions"
                { resend: true, throttle: function, files: false, call: get_functions / get_functions_with },
            /// `GetOrganisationMetaData`: the practice, its sites and staff (§9.2).
            GetOrganisationMetaData: GetOrganisationMetaData => GetOrganisationMetaDataResponse = "GetOrganisationMetaData"
                { resend: true, throttle: function, files: false, call: get_organisation_metadata / get_organisation_metadata_with },
            /// `GetCurrentActivity`: what the SystmOne user is doing (§9.3).
            GetCurrentActivity: GetCurrentActivity => GetCurrentActivityResponse = "GetCurrentActivity"
                { resend: true, throttle: function, files: false, call: get_current_activity / get_current_activity_with },
            /// `GetCurrentSelection`: the patient or item selected on screen (§9.4).
            GetCurrentSelection: GetCurrentSelection => GetCurrentSelectionResponse = "GetCurrentSelection"
                { resend: true, throttle: function, files: false, call: get_current_selection / get_current_selection_with },
            /// `PatientSearch`: patients matching at least two criteria (§9.5).
            PatientSearch: PatientSearch => PatientSearchResponse = "PatientSearch"
                { resend: true, throttle: function, files: false, call: patient_search / patient_search_with },
            /// `GetPatientRecord`: a patient's record or part of it (§9.6). Unless
            /// its filter asks only for demographics or only for today's entries,
            /// it is held to one per 30 seconds, and waits for
            /// [`Timeouts::full_record`].
            GetPatientRecord: GetPatientRecord => GetPatientRecordResponse = "GetPatientRecord"
                { resend: true, throttle: record, files: false, call: get_patient_record / get_patient_record_with },
            /// `UpdatePatientRecord`: adds to or changes a record (§9.7). Never
            /// resent by the client: on [`Outcome::Unknown`], look in the record.
            UpdatePatientRecord: UpdatePatientRecord => UpdatePatientRecordResponse = "UpdatePatientRecord"
                { resend: false, throttle: function, files: true, call: update_patient_record / update_patient_record_with },
            /// `GetDocument`: writes a stored document to a directory (§9.8).
            GetDocument: GetDocument => GetDocumentResponse = "GetDocument"
                { resend: true, throttle: function, files: true, call: get_document / get_document_with },
            /// `DeletePatientRecord`: deletes items this software added (§9.9).
            /// Never resent by the client.
            DeletePatientRecord: DeletePatientRecord => DeletePatientRecordResponse = "DeletePatientRecord" | "DeleteFromPatientRecord"
                { resend: false, throttle: function, files: false, call: delete_patient_record / delete_patient_record_with },
            /// `GetAppointmentSlots`: free and booked slots (§9.10).
            GetAppointmentSlots: GetAppointmentSlots => GetAppointmentSlotsResponse = "GetAppointmentSlots"
                { resend: true, throttle: function, files: false, call: get_appointment_slots / get_appointment_slots_with },
            /// `GetDiary`: a diary's appointments (§9.11).
            GetDiary: GetDiary => GetDiaryResponse = "GetDiary"
                { resend: true, throttle: function, files: false, call: get_diary / get_diary_with },
            /// `ExitClient`: closes (or restarts) SystmOne on this PC (§9.12).
            /// Never resent by the client.
            ExitClient: ExitClient => ExitClientResponse = "ExitClient"
                { resend: false, throttle: function, files: false, call: exit_client / exit_client_with },
            /// `DataExtract`: writes a configured extract's files (§9.13).
            DataExtract: DataExtract => DataExtractResponse = "DataExtract"
                { resend: true, throttle: function, files: true, call: data_extract / data_extract_with },
            /// `LaunchFunctionality`: opens a SystmOne screen for the user (§9.14).
            /// Never resent by the client.
            LaunchFunctionality: LaunchFunctionality => LaunchFunctionalityResponse = "LaunchFunctionality"
                { resend: false, throttle: function, files: true, call: launch_functionality / launch_functionality_with },
            /// `GetXSDFiles`: the interface's schemas (§9.15).
            GetXsdFiles: GetXsdFiles => GetXsdFilesResponse = "GetXSDFiles"
                { resend: true, throttle: function, files: true, call: get_xsd_files / get_xsd_files_with },
            /// `GetReferenceData`: a reference list such as letter types (§9.16).
            GetReferenceData: GetReferenceData => GetReferenceDataResponse = "GetReferenceData"
                { resend: true, throttle: function, files: false, call: get_reference_data / get_reference_data_with },
            /// `IsPatientRetrieved`: whether a record is open in SystmOne (§9.17).
            IsPatientRetrieved: IsPatientRetrieved => IsPatientRetrievedResponse = "IsPatientRetrieved"
                { resend: true, throttle: function, files: false, call: is_patient_retrieved / is_patient_retrieved_with },
        }
    };
}
#[cfg(feature = "client")]
pub(crate) use function_table;

function_table!(functions);
