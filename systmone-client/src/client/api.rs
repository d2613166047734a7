//! One typed method per SystmOne function on [`Client`], and the same
//! methods as the [`SystmOneApi`] trait, the seam code above the client is
//! tested through.
// mockall generates `MockSystmOneApi` and its expectation types without
// `Debug` and with `pub` items inside private modules; neither can be changed.
#![allow(missing_debug_implementations, unreachable_pub)]

use super::{Client, Error};
#[cfg(doc)]
use super::{Outcome, Timeouts};
use crate::proto::*;

/// Declares one typed method per SystmOne function on [`Client`], the
/// [`SystmOneApi`] trait with the same methods, and its impl for `Client`.
macro_rules! typed_calls {
    ($( $(#[$doc:meta])* $method:ident($request:ident) -> $response:ident; )*) => {
        impl Client {
            $(
                $(#[$doc])*
                pub async fn $method(&self, request: $request) -> Result<$response, Error> {
                    self.call(request).await
                }
            )*
        }

        /// SystmOne's functions as a trait, so that code above the client
        /// can be unit-tested without a socket: take `&dyn SystmOneApi` (or
        /// a generic), pass a [`Client`] in production and, with the
        /// `mockall` feature, a `MockSystmOneApi` in tests.
        ///
        /// ```
        /// use systmone_client::client::{Error, SystmOneApi};
        /// use systmone_client::proto::IsPatientRetrieved;
        ///
        /// async fn record_is_open(api: &dyn SystmOneApi) -> Result<bool, Error> {
        ///     Ok(api.is_patient_retrieved(IsPatientRetrieved::default()).await?.is_patient_retrieved)
        /// }
        /// ```
        #[cfg_attr(feature = "mockall", mockall::automock)]
        #[async_trait::async_trait]
        pub trait SystmOneApi: Send + Sync {
            $(
                $(#[$doc])*
                async fn $method(&self, request: $request) -> Result<$response, Error>;
            )*
        }

        #[async_trait::async_trait]
        impl SystmOneApi for Client {
            $(
                async fn $method(&self, request: $request) -> Result<$response, Error> {
                    Client::$method(self, request).await
                }
            )*
        }
    };
}

typed_calls! {
    /// `GetFunctions`: the functions this SystmOne offers (§9.1).
    get_functions(GetFunctions) -> GetFunctionsResponse;
    /// `GetOrganisationMetaData`: the practice, its sites and staff (§9.2).
    get_organisation_metadata(GetOrganisationMetaData) -> GetOrganisationMetaDataResponse;
    /// `GetCurrentActivity`: what the SystmOne user is doing (§9.3).
    get_current_activity(GetCurrentActivity) -> GetCurrentActivityResponse;
    /// `GetCurrentSelection`: the patient or item selected on screen (§9.4).
    get_current_selection(GetCurrentSelection) -> GetCurrentSelectionResponse;
    /// `PatientSearch`: patients matching at least two criteria (§9.5).
    patient_search(PatientSearch) -> PatientSearchResponse;
    /// `GetPatientRecord`: a patient's record or part of it (§9.6). Unless
    /// its filter asks only for demographics or only for today's entries,
    /// it is held to one per 30 seconds, and waits for
    /// [`Timeouts::full_record`].
    get_patient_record(GetPatientRecord) -> GetPatientRecordResponse;
    /// `UpdatePatientRecord`: adds to or changes a record (§9.7). Never
    /// resent by the client: on [`Outcome::Unknown`], look in the record.
    update_patient_record(UpdatePatientRecord) -> UpdatePatientRecordResponse;
    /// `GetDocument`: writes a stored document to a directory (§9.8).
    get_document(GetDocument) -> GetDocumentResponse;
    /// `DeletePatientRecord`: deletes items this software added (§9.9).
    /// Never resent by the client.
    delete_patient_record(DeletePatientRecord) -> DeletePatientRecordResponse;
    /// `GetAppointmentSlots`: free and booked slots (§9.10).
    get_appointment_slots(GetAppointmentSlots) -> GetAppointmentSlotsResponse;
    /// `GetDiary`: a diary's appointments (§9.11).
    get_diary(GetDiary) -> GetDiaryResponse;
    /// `ExitClient`: closes (or restarts) SystmOne on this PC (§9.12).
    /// Never resent by the client.
    exit_client(ExitClient) -> ExitClientResponse;
    /// `DataExtract`: writes a configured extract's files (§9.13).
    data_extract(DataExtract) -> DataExtractResponse;
    /// `LaunchFunctionality`: opens a SystmOne screen for the user (§9.14).
    /// Never resent by the client.
    launch_functionality(LaunchFunctionality) -> LaunchFunctionalityResponse;
    /// `GetXSDFiles`: the interface's schemas (§9.15).
    get_xsd_files(GetXsdFiles) -> GetXsdFilesResponse;
    /// `GetReferenceData`: a reference list such as letter types (§9.16).
    get_reference_data(GetReferenceData) -> GetReferenceDataResponse;
    /// `IsPatientRetrieved`: whether a record is open in SystmOne (§9.17).
    is_patient_retrieved(IsPatientRetrieved) -> IsPatientRetrievedResponse;
}
