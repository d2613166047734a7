//! One call as it travels from a caller to the dispatcher and back.

use std::fmt;
use std::time::Duration;

use bytes::Bytes;
use tokio::sync::oneshot;
use tokio::time::Instant;

use super::Error;
use crate::proto::{EncodeError, Filter, RequestHeader};

/// Which queue a call waits in. Interactive calls are always sent before
/// queued background calls, so a receptionist's patient search is not stuck
/// behind fifty saves.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Priority {
    /// A person is waiting for it (the default).
    #[default]
    Interactive,
    /// Work that can wait: background saves, reconciliation.
    Background,
}

/// How one call is made; anything left `None` takes the client's default.
///
/// ```
/// use std::time::Duration;
/// use systmone_client::client::{CallOptions, Priority};
///
/// let options = CallOptions::default()
///     .priority(Priority::Background)
///     .timeout(Duration::from_secs(60));
/// # let _ = options;
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct CallOptions {
    pub(crate) priority: Option<Priority>,
    pub(crate) timeout: Option<Duration>,
}

impl CallOptions {
    /// The queue to wait in (default: the client handle's, which is
    /// [`Priority::Interactive`] unless made with
    /// [`Client::with_priority`](super::Client::with_priority)).
    pub fn priority(mut self, priority: Priority) -> Self {
        self.priority = Some(priority);
        self
    }

    /// How long to wait for SystmOne's answer once the request is sent
    /// (default: the client's [`Timeouts`](super::Timeouts)). Time queued
    /// behind the throttle is not counted: to bound the whole call, wrap it
    /// in `tokio::time::timeout`; a call dropped before it is sent is never
    /// sent.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }
}

/// A successful answer, with what it cost.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Answered<R> {
    /// SystmOne's answer.
    pub response: R,
    /// The RequestUID of the attempt that was answered (SystmOne's audit
    /// trail shows it).
    pub request_uid: String,
    /// SystmOne's ResponseUID.
    pub response_uid: String,
    /// Time from the call to the request being sent: the throttle's wait,
    /// and any reconnecting.
    pub queued: Duration,
    /// Time from the request being sent to its answer arriving.
    pub waiting: Duration,
    /// How many times it was sent (more than one only for calls safe to
    /// resend whose earlier attempts got no answer).
    pub attempts: u32,
}

/// Encodes the request with the envelope the dispatcher fills in (Device
/// ID, RequestUID), once per attempt.
pub(crate) type Encoder = Box<dyn FnMut(RequestHeader) -> Result<Bytes, EncodeError> + Send>;

/// A call queued for the dispatcher.
pub(crate) struct Job {
    pub(crate) function: &'static str,
    pub(crate) safe_to_resend: bool,
    /// For `GetPatientRecord`: its filter, whose exemption from the
    /// 30-second rule is decided when it is sent (the date may change
    /// while it waits).
    pub(crate) record_filter: Option<Option<Filter>>,
    pub(crate) encode: Encoder,
    pub(crate) priority: Priority,
    /// `None`: the client's default for this request.
    pub(crate) timeout: Option<Duration>,
    pub(crate) enqueued: Instant,
    pub(crate) attempts: u32,
    /// Set by the dispatcher just before the request is written: if the
    /// dispatcher then goes away without answering, the caller knows the
    /// outcome is unknown rather than "not sent".
    pub(crate) sent: std::sync::Arc<std::sync::atomic::AtomicBool>,
    pub(crate) span: tracing::Span,
    pub(crate) reply: oneshot::Sender<Result<Reply, Error>>,
}

impl fmt::Debug for Job {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Job")
            .field("function", &self.function)
            .field("priority", &self.priority)
            .field("attempts", &self.attempts)
            .finish_non_exhaustive()
    }
}

/// The dispatcher's answer to a [`Job`]: the response document, for the
/// caller to decode on its own task.
#[derive(Debug)]
pub(crate) struct Reply {
    pub(crate) document: Bytes,
    pub(crate) request_uid: String,
    pub(crate) queued: Duration,
    pub(crate) waiting: Duration,
    pub(crate) attempts: u32,
}
