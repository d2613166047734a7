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
/// `SystmOneApi` for a wrapper of any implementation `T` (`Arc<T>`, `&T`):
/// every method, plain and `_with`, forwards to the inner one.
macro_rules! forwarding_impl {
    ($(#[$doc:meta])* $wrapper:ty; $( $method:ident $with:ident $request:ident $response:ident ),*) => {
        $(#[$doc])*
        #[async_trait::async_trait]
        impl<T: SystmOneApi + ?Sized> SystmOneApi for $wrapper {
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

/// The client's part of the table of function facts
/// (`proto::function_table!`): a typed method and a `_with` method per
/// function on [`Client`], and [`SystmOneApi`] with its forwarding impls.
macro_rules! typed_calls {
    ($(
        $(#[$doc:meta])*
        $variant:ident : $request:ident => $response:ident = $wire:literal $(| $alias:literal)*
            { resend: $resend:literal, throttle: $subject:ident, files: $files:literal, call: $method:ident / $with:ident }
    ),* $(,)?) => {
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

        forwarding_impl! {
            /// A shared implementation (`Arc<Client>`, `Arc<dyn SystmOneApi>`)
            /// is one too: every method, plain ones included, is the inner one.
            Arc<T>; $( $method $with $request $response ),*
        }

        forwarding_impl! {
            /// A borrowed implementation (`&Client`, `&dyn SystmOneApi`) is one
            /// too: every method, plain ones included, is the inner one.
            &T; $( $method $with $request $response ),*
        }
    };
}

crate::proto::function_table!(typed_calls);
