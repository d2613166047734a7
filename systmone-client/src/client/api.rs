//! One typed method per SystmOne function on [`Client`], and the same
//! methods as the [`SystmOneApi`] trait, the seam code above the client is
//! tested through.
// mockall generates `MockSystmOneApi` and its expectation types without
// `Debug` and with `pub` items inside private modules; neither can be changed.
#![allow(missing_debug_implementations, unreachable_pub)]

use std::sync::Arc;

use super::{Answered, CallOptions, Client, Error};
#[cfg(doc)]
use super::{ConnectionId, Outcome, Timeouts};
use crate::proto::*;

/// Declares one typed method per SystmOne function on [`Client`], and its
/// `_with` twin taking [`CallOptions`] and returning [`Answered`]; the
/// [`SystmOneApi`] trait with the same methods (the `_with` ones required,
/// the plain ones provided); and its impl for `Client`. `macro_rules!`
/// cannot make an identifier, so each entry names both methods.
macro_rules! typed_calls {
    ($( $(#[$doc:meta])* $method:ident, $with:ident ($request:ident) -> $response:ident; )*) => {
        impl Client {
            $(
                $(#[$doc])*
                pub async fn $method(&self, request: $request) -> Result<$response, Error> {
                    self.call(request).await
                }

                $(#[$doc])*
                ///
                /// With per-call [`CallOptions`] (lane, timeout, send-by
                /// deadline, required connection), answered with its
                /// RequestUID, connection and timings: [`Client::send`].
                pub async fn $with(
                    &self,
                    request: $request,
                    options: CallOptions,
                ) -> Result<Answered<$response>, Error> {
                    self.send(request, options).await
                }
            )*
        }

        /// SystmOne's functions as a trait, so that code above the client
        /// can be unit-tested without a socket: take `&dyn SystmOneApi` (or
        /// a generic), pass a [`Client`] in production and, with the
        /// `mockall` feature, a `MockSystmOneApi` in tests.
        ///
        /// Each function has two methods: `<function>_with`, which takes
        /// [`CallOptions`] and returns the [`Answered`] envelope (its
        /// RequestUID and [`ConnectionId`] among others), and which an
        /// implementation must provide; and the plain `<function>`, provided:
        /// the `_with` method with default options, returning the answer
        /// alone.
        ///
        /// Implemented for `Arc<T>` and `&T` of any implementation `T`
        /// (`dyn SystmOneApi` included), forwarding every method, so code
        /// generic over `A: SystmOneApi` takes a `&Client`, an
        /// `Arc<Client>` or an `Arc<dyn SystmOneApi>` shared with other
        /// parts of a program alike.
        ///
        /// ```
        /// use systmone_client::client::{CallOptions, Error, SystmOneApi};
        /// use systmone_client::proto::{GetOrganisationMetaData, IsPatientRetrieved};
        ///
        /// async fn record_is_open(api: &dyn SystmOneApi) -> Result<bool, Error> {
        ///     Ok(api.is_patient_retrieved(IsPatientRetrieved::default()).await?.is_patient_retrieved)
        /// }
        ///
        /// // A write that must go to the SystmOne whose practice was checked.
        /// async fn check_practice(api: &dyn SystmOneApi) -> Result<CallOptions, Error> {
        ///     let practice = api
        ///         .get_organisation_metadata_with(GetOrganisationMetaData::default(), CallOptions::default())
        ///         .await?;
        ///     // ... compare practice.response with the expected practice ...
        ///     Ok(CallOptions::default().on_connection(practice.connection))
        /// }
        /// ```
        #[cfg_attr(feature = "mockall", mockall::automock)]
        #[async_trait::async_trait]
        pub trait SystmOneApi: Send + Sync {
            $(
                $(#[$doc])*
                ///
                /// With per-call [`CallOptions`], answered with its
                /// RequestUID, connection and timings.
                async fn $with(
                    &self,
                    request: $request,
                    options: CallOptions,
                ) -> Result<Answered<$response>, Error>;

                $(#[$doc])*
                ///
                /// Provided: the `_with` method with default
                /// [`CallOptions`], returning the answer alone.
                async fn $method(&self, request: $request) -> Result<$response, Error> {
                    self.$with(request, CallOptions::default())
                        .await
                        .map(|answered| answered.response)
                }
            )*
        }

        #[async_trait::async_trait]
        impl SystmOneApi for Client {
            $(
                async fn $with(
                    &self,
                    request: $request,
                    options: CallOptions,
                ) -> Result<Answered<$response>, Error> {
                    self.send(request, options).await
                }
            )*
        }

        /// A shared implementation (`Arc<Client>`, `Arc<dyn SystmOneApi>`)
        /// is one too: every method, plain ones included, is the inner one.
        #[async_trait::async_trait]
        impl<T: SystmOneApi + ?Sized> SystmOneApi for Arc<T> {
            $(
                async fn $with(
                    &self,
                    request: $request,
                    options: CallOptions,
                ) -> Result<Answered<$response>, Error> {
                    (**self).$with(request, options).await
                }

                async fn $method(&self, request: $request) -> Result<$response, Error> {
                    (**self).$method(request).await
                }
            )*
        }

        /// A borrowed implementation (`&Client`, `&dyn SystmOneApi`) is one
        /// too: every method, plain ones included, is the inner one.
        #[async_trait::async_trait]
        impl<T: SystmOneApi + ?Sized> SystmOneApi for &T {
            $(
                async fn $with(
                    &self,
                    request: $request,
                    options: CallOptions,
                ) -> Result<Answered<$response>, Error> {
                    (**self).$with(request, options).await
                }

                async fn $method(&self, request: $request) -> Result<$response, Error> {
                    (**self).$method(request).await
                }
            )*
        }
    };
}

typed_calls! {
    /// `GetFunctions`: the functions this SystmOne offers (§9.1).
    get_functions, get_functions_with(GetFunctions) -> GetFunctionsResponse;
    /// `GetOrganisationMetaData`: the practice, its sites and staff (§9.2).
    get_organisation_metadata, get_organisation_metadata_with(GetOrganisationMetaData) -> GetOrganisationMetaDataResponse;
    /// `GetCurrentActivity`: what the SystmOne user is doing (§9.3).
    get_current_activity, get_current_activity_with(GetCurrentActivity) -> GetCurrentActivityResponse;
    /// `GetCurrentSelection`: the patient or item selected on screen (§9.4).
    get_current_selection, get_current_selection_with(GetCurrentSelection) -> GetCurrentSelectionResponse;
    /// `PatientSearch`: patients matching at least two criteria (§9.5).
    patient_search, patient_search_with(PatientSearch) -> PatientSearchResponse;
    /// `GetPatientRecord`: a patient's record or part of it (§9.6). Unless
    /// its filter asks only for demographics or only for today's entries,
    /// it is held to one per 30 seconds, and waits for
    /// [`Timeouts::full_record`].
    get_patient_record, get_patient_record_with(GetPatientRecord) -> GetPatientRecordResponse;
    /// `UpdatePatientRecord`: adds to or changes a record (§9.7). Never
    /// resent by the client: on [`Outcome::Unknown`], look in the record.
    update_patient_record, update_patient_record_with(UpdatePatientRecord) -> UpdatePatientRecordResponse;
    /// `GetDocument`: writes a stored document to a directory (§9.8).
    get_document, get_document_with(GetDocument) -> GetDocumentResponse;
    /// `DeletePatientRecord`: deletes items this software added (§9.9).
    /// Never resent by the client.
    delete_patient_record, delete_patient_record_with(DeletePatientRecord) -> DeletePatientRecordResponse;
    /// `GetAppointmentSlots`: free and booked slots (§9.10).
    get_appointment_slots, get_appointment_slots_with(GetAppointmentSlots) -> GetAppointmentSlotsResponse;
    /// `GetDiary`: a diary's appointments (§9.11).
    get_diary, get_diary_with(GetDiary) -> GetDiaryResponse;
    /// `ExitClient`: closes (or restarts) SystmOne on this PC (§9.12).
    /// Never resent by the client.
    exit_client, exit_client_with(ExitClient) -> ExitClientResponse;
    /// `DataExtract`: writes a configured extract's files (§9.13).
    data_extract, data_extract_with(DataExtract) -> DataExtractResponse;
    /// `LaunchFunctionality`: opens a SystmOne screen for the user (§9.14).
    /// Never resent by the client.
    launch_functionality, launch_functionality_with(LaunchFunctionality) -> LaunchFunctionalityResponse;
    /// `GetXSDFiles`: the interface's schemas (§9.15).
    get_xsd_files, get_xsd_files_with(GetXsdFiles) -> GetXsdFilesResponse;
    /// `GetReferenceData`: a reference list such as letter types (§9.16).
    get_reference_data, get_reference_data_with(GetReferenceData) -> GetReferenceDataResponse;
    /// `IsPatientRetrieved`: whether a record is open in SystmOne (§9.17).
    is_patient_retrieved, is_patient_retrieved_with(IsPatientRetrieved) -> IsPatientRetrievedResponse;
}
