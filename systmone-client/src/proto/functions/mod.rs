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

/// The one table of function facts: for each function, its `AnyRequest`
/// variant, request and response types, wire name (and accepted aliases),
/// whether it is safe to resend, and what the throttle counts it as
/// (`function`, or `record`: a `GetPatientRecord`, judged by its filter).
/// Everything else (the `Function` impls, `AnyRequest`/`AnyResponse`,
/// `FUNCTION_NAMES`, name lookup, the client's typed calls, the mock's
/// dispatch by `AnyRequest`) derives from it.
macro_rules! functions {
    ($(
        $variant:ident : $request:ident => $response:ident = $wire:literal $(| $alias:literal)*
            { resend: $resend:literal, throttle: $subject:ident }
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

functions! {
    GetFunctions: GetFunctions => GetFunctionsResponse = "GetFunctions"
        { resend: true, throttle: function },
    GetOrganisationMetaData: GetOrganisationMetaData => GetOrganisationMetaDataResponse = "GetOrganisationMetaData"
        { resend: true, throttle: function },
    GetCurrentActivity: GetCurrentActivity => GetCurrentActivityResponse = "GetCurrentActivity"
        { resend: true, throttle: function },
    GetCurrentSelection: GetCurrentSelection => GetCurrentSelectionResponse = "GetCurrentSelection"
        { resend: true, throttle: function },
    PatientSearch: PatientSearch => PatientSearchResponse = "PatientSearch"
        { resend: true, throttle: function },
    GetPatientRecord: GetPatientRecord => GetPatientRecordResponse = "GetPatientRecord"
        { resend: true, throttle: record },
    UpdatePatientRecord: UpdatePatientRecord => UpdatePatientRecordResponse = "UpdatePatientRecord"
        { resend: false, throttle: function },
    GetDocument: GetDocument => GetDocumentResponse = "GetDocument"
        { resend: true, throttle: function },
    DeletePatientRecord: DeletePatientRecord => DeletePatientRecordResponse = "DeletePatientRecord" | "DeleteFromPatientRecord"
        { resend: false, throttle: function },
    GetAppointmentSlots: GetAppointmentSlots => GetAppointmentSlotsResponse = "GetAppointmentSlots"
        { resend: true, throttle: function },
    GetDiary: GetDiary => GetDiaryResponse = "GetDiary"
        { resend: true, throttle: function },
    ExitClient: ExitClient => ExitClientResponse = "ExitClient"
        { resend: false, throttle: function },
    DataExtract: DataExtract => DataExtractResponse = "DataExtract"
        { resend: true, throttle: function },
    LaunchFunctionality: LaunchFunctionality => LaunchFunctionalityResponse = "LaunchFunctionality"
        { resend: false, throttle: function },
    GetXsdFiles: GetXsdFiles => GetXsdFilesResponse = "GetXSDFiles"
        { resend: true, throttle: function },
    GetReferenceData: GetReferenceData => GetReferenceDataResponse = "GetReferenceData"
        { resend: true, throttle: function },
    IsPatientRetrieved: IsPatientRetrieved => IsPatientRetrievedResponse = "IsPatientRetrieved"
        { resend: true, throttle: function },
}
