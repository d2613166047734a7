//! The async, throttled client: what vendors call.
//!
//! [`Client`] is a cheap, cloneable handle. One dispatcher task owns the
//! connection to SystmOne and sends one request at a time (SystmOne cannot
//! multiplex), never faster than SystmOne's limits ([`ThrottlePolicy`]),
//! interactive calls before background ones with a guaranteed share for the
//! background lane ([`Priority`]), and pairs every answer with its request
//! by RequestUID and Function. [`CallOptions`] can forbid a request to be
//! written after a deadline ([`send_by`](CallOptions::send_by)) or on any
//! connection but the one a caller checked
//! ([`on_connection`](CallOptions::on_connection)).
//!
//! ```no_run
//! use systmone_client::client::{Client, FileDeviceIdStore, Priority};
//! use systmone_client::proto::{Filter, GetPatientRecord, PatientSearch};
//!
//! # async fn run() -> Result<(), systmone_client::client::Error> {
//! let client = Client::builder("YOUR-TPP-API-KEY", "AcmeVitals 2.3.1")
//!     .device_id_store(FileDeviceIdStore::new("systmone.device-id"))
//!     .connect()
//!     .await?;
//!
//! let found = client
//!     .patient_search(PatientSearch {
//!         surname: Some("Testpatient".into()),
//!         date_of_birth: Some("1970-01-01".parse().unwrap()),
//!         ..PatientSearch::default()
//!     })
//!     .await?;
//! for patient in &found.results {
//!     // Demographics only: exempt from the 30-second rule.
//!     let record = client
//!         .get_patient_record(GetPatientRecord {
//!             identity: Some(patient.identity.clone()),
//!             filter: Some(Filter::demographics_only()),
//!             ..GetPatientRecord::default()
//!         })
//!         .await?;
//!     # let _ = record;
//! }
//!
//! // Saves that can wait go behind anything a person is waiting for.
//! let background = client.with_priority(Priority::Background);
//! # let _ = background;
//! # Ok(()) }
//! ```
//!
//! # Errors say what happened to the request
//!
//! See [`Error`]: not sent, sent but not answered (the outcome is unknown),
//! answer unreadable, or refused by SystmOne (permanently or for now). The
//! client resends only what is safe: calls never sent, and unanswered calls
//! of functions that are harmless to repeat
//! ([`Function::SAFE_TO_RESEND`]). A write whose outcome is unknown is
//! returned to the caller as such.
//!
//! # Logs
//!
//! Each call runs in a `tracing` span `systmone_call` with the function,
//! priority and RequestUID, and records `queued_ms` (throttle and
//! reconnecting) and `waiting_ms` (SystmOne) separately. Nothing at `info`
//! or above names a patient or shows the API key; SystmOne's error texts,
//! which can quote an identifier, are logged at `debug` only.

mod api;
mod builder;
mod call;
mod connection;
mod device_id;
mod dispatcher;
mod error;
mod throttle;

use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use tokio::sync::{mpsc, oneshot};
use tokio::time::Instant;

#[cfg(feature = "mockall")]
#[cfg_attr(docsrs, doc(cfg(feature = "mockall")))]
pub use api::MockSystmOneApi;
pub use api::SystmOneApi;
pub use builder::{
    ClientBuilder, DEFAULT_BACKGROUND_SHARE, DEFAULT_PORT, LocalTime, Reconnect, Timeouts,
};
pub use call::{Answered, CallOptions, ConnectionId, Priority};
pub use device_id::{DeviceIdStore, DeviceIdStoreError, FileDeviceIdStore, MemoryDeviceIdStore};
pub use error::{Error, ErrorKind, NoAnswerCause, NotSentReason, Outcome, UnreadableCause};
pub use throttle::{Applies, FunctionName, Limit, SharedThrottle, ThrottlePolicy};

use self::builder::Settings;
use self::call::{Encoder, Job};
use self::connection::Connection;
use self::dispatcher::Dispatcher;
use crate::proto::*;

/// A handle to SystmOne; clone it freely (every clone shares the one
/// connection, throttle and Device ID).
///
/// Made with [`Client::builder`]. The typed methods (one per SystmOne
/// function) wait in the handle's [`Priority`] lane, interactive unless
/// made with [`with_priority`](Client::with_priority); [`call`](Client::call)
/// and [`send`](Client::send) take any [`Function`]. When every handle is
/// dropped, the dispatcher finishes the queued calls and closes the
/// connection.
#[derive(Clone)]
pub struct Client {
    shared: Arc<Shared>,
    priority: Priority,
}

struct Shared {
    jobs: mpsc::UnboundedSender<Job>,
    device_id: String,
    address: std::net::SocketAddr,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("address", &self.shared.address)
            .field("device_id", &"<redacted>")
            .field("priority", &self.priority)
            .finish()
    }
}

impl Client {
    /// Starts configuring a client for the product whose TPP-issued key is
    /// `api_key`, reporting `device_version` (your software and version,
    /// shown to the SystmOne user on the approval dialog).
    pub fn builder(api_key: impl Into<String>, device_version: impl Into<String>) -> ClientBuilder {
        ClientBuilder::new(api_key.into(), device_version.into())
    }

    async fn start(
        settings: Settings,
        throttle: SharedThrottle,
        store: Arc<dyn DeviceIdStore>,
    ) -> Result<Client, Error> {
        let device_id = store.load().await?.unwrap_or_default();
        let connection =
            Connection::open(&settings)
                .await
                .map_err(|source| Error::Unreachable {
                    address: settings.address,
                    source,
                })?;
        let address = settings.address;
        let (jobs, receiver) = mpsc::unbounded_channel();
        let mut dispatcher = Dispatcher::new(
            Arc::new(settings),
            throttle,
            store,
            device_id,
            connection,
            receiver,
        );
        if dispatcher.device_id().is_empty() {
            dispatcher.pair().await?;
        }
        let device_id = dispatcher.device_id().to_owned();
        tokio::spawn(dispatcher.run());
        Ok(Client {
            shared: Arc::new(Shared {
                jobs,
                device_id,
                address,
            }),
            priority: Priority::Interactive,
        })
    }

    /// The Device ID this installation uses (issued by SystmOne when it was
    /// paired).
    pub fn device_id(&self) -> &str {
        &self.shared.device_id
    }

    /// A handle to the same connection whose calls wait in `priority`'s
    /// lane.
    pub fn with_priority(&self, priority: Priority) -> Client {
        Client {
            shared: Arc::clone(&self.shared),
            priority,
        }
    }

    /// This handle's lane.
    pub fn priority(&self) -> Priority {
        self.priority
    }

    /// Calls any SystmOne function and returns its answer.
    ///
    /// ```no_run
    /// # async fn run(client: systmone_client::client::Client) -> Result<(), systmone_client::client::Error> {
    /// use systmone_client::proto::IsPatientRetrieved;
    /// let open = client.call(IsPatientRetrieved::default()).await?;
    /// println!("a record is open in SystmOne: {}", open.is_patient_retrieved);
    /// # Ok(()) }
    /// ```
    pub async fn call<F: Function>(&self, request: F) -> Result<F::Response, Error> {
        self.send(request, CallOptions::default())
            .await
            .map(|answered| answered.response)
    }

    /// Calls any SystmOne function with per-call options (its lane, its
    /// timeout, a [send-by deadline](CallOptions::send_by), a
    /// [connection it must go on](CallOptions::on_connection)), and returns
    /// the answer with its RequestUID, connection and timings.
    pub async fn send<F: Function>(
        &self,
        request: F,
        options: CallOptions,
    ) -> Result<Answered<F::Response>, Error> {
        let priority = options.priority.unwrap_or(self.priority);
        let span = tracing::info_span!(
            "systmone_call",
            function = F::NAME,
            priority = ?priority,
            request_uid = tracing::field::Empty,
            queued_ms = tracing::field::Empty,
            waiting_ms = tracing::field::Empty,
        );
        let record_filter = FunctionFacts::record_filter(&request);
        let mut request = Request::new(RequestHeader::default(), request);
        let encode: Encoder = Box::new(move |header| {
            request.header = header;
            encode_request(&request, EncodeOptions::default())
        });
        let (reply, answer) = oneshot::channel();
        let sent = Arc::new(AtomicBool::new(false));
        let job = Job {
            function: F::NAME,
            safe_to_resend: F::SAFE_TO_RESEND,
            record_filter,
            encode,
            priority,
            timeout: options.timeout,
            enqueued: Instant::now(),
            send_by: options.send_by,
            connection: options.connection,
            attempts: 0,
            sent: Arc::clone(&sent),
            span,
            reply,
        };
        let closed = || Error::NotSent {
            function: F::NAME,
            reason: NotSentReason::ClientClosed,
        };
        self.shared.jobs.send(job).map_err(|_| closed())?;
        let reply = answer.await.map_err(|_| {
            // The dispatcher went away (its runtime shut down) without
            // answering: whether it had sent the request decides what the
            // caller may assume.
            if sent.load(Ordering::Acquire) {
                Error::NoAnswer {
                    function: F::NAME,
                    request_uid: String::new(),
                    cause: NoAnswerCause::ConnectionLost(std::io::Error::other(
                        "the client stopped before the answer came",
                    )),
                    safe_to_resend: F::SAFE_TO_RESEND,
                }
            } else {
                closed()
            }
        })??;
        let response =
            decode_response::<F>(&reply.document).map_err(|error| Error::Unreadable {
                function: F::NAME,
                request_uid: reply.request_uid.clone(),
                cause: error.into(),
                safe_to_resend: F::SAFE_TO_RESEND,
            })?;
        match response.body {
            Ok(answer) => Ok(Answered {
                response: answer,
                request_uid: reply.request_uid,
                response_uid: response.header.response_uid,
                queued: reply.queued,
                waiting: reply.waiting,
                attempts: reply.attempts,
                connection: reply.connection,
            }),
            // The dispatcher answers errors itself; this is only reached if
            // the full decode finds one its quick look did not.
            Err(error) => Err(Error::SystmOne {
                function: F::NAME,
                request_uid: reply.request_uid,
                permanent: error.is_permanent(),
                message: error.message,
            }),
        }
    }
}
