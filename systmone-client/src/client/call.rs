//! One call as it travels from a caller to the dispatcher and back.

use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering as AtomicOrdering};
use std::time::Duration;

use bytes::Bytes;
use tokio::sync::oneshot;
use tokio::time::Instant;

use super::Error;
use crate::proto::{EncodeError, Filter, RequestHeader};

/// Which queue a call waits in.
///
/// Interactive calls are sent before queued background calls, so a
/// receptionist's patient search is not stuck behind fifty saves. The
/// background lane has a guaranteed share, so that a steady stream of
/// interactive calls cannot starve it: after
/// [`background_share`](super::ClientBuilder::background_share)
/// (default [`DEFAULT_BACKGROUND_SHARE`](super::DEFAULT_BACKGROUND_SHARE),
/// 4) interactive calls in a row were sent while a background call was
/// waiting, the next call sent is a background one. A call held by a limit
/// of its own (a `GetPatientRecord` not exempt from the 30-second rule,
/// inside that window) is passed over in either lane, as it always is: then
/// the next call that may go is sent, and the background lane's turn stays
/// owed.
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
    pub(crate) send_by: Option<Instant>,
    pub(crate) connection: Option<ConnectionId>,
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

    /// The instant at and after which the request must not be written to
    /// SystmOne (default: none). Time spent queued counts: if the deadline
    /// passes while the call waits (behind other calls, for the throttle,
    /// while the client reconnects, or before the resend of a call safe to
    /// resend), it fails with [`Error::NotSent`] and
    /// [`NotSentReason::DeadlinePassed`](super::NotSentReason::DeadlinePassed)
    /// ([`Outcome::NotProcessed`](super::Outcome::NotProcessed)), and the
    /// request is not written. The check is made immediately before the
    /// write, after the throttle has let the call go and after any
    /// reconnecting; a call the throttle would hold until the deadline or
    /// later fails at once instead of waiting.
    ///
    /// It exists for callers holding a time-limited lease, such as
    /// record-sync's lease on a save: a write must never go out after the
    /// lease could have expired and another worker taken the save over. It
    /// bounds when the request *starts* to be written, not when SystmOne
    /// acts on it or answers (a write begun in time is not cut off, which
    /// would leave its outcome unknown): a lease should outlast the
    /// deadline by the call's [`timeout`](Self::timeout).
    ///
    /// ```
    /// use std::time::Duration;
    /// use systmone_client::client::CallOptions;
    /// use tokio::time::Instant;
    ///
    /// # fn lease_expires() -> Instant { Instant::now() + Duration::from_secs(60) }
    /// // Leave room for the write itself and SystmOne's answer.
    /// let options = CallOptions::default().send_by(lease_expires() - Duration::from_secs(35));
    /// # let _ = options;
    /// ```
    pub fn send_by(mut self, deadline: Instant) -> Self {
        self.send_by = Some(deadline);
        self
    }

    /// Only write the request on connection `id` (default: any). If the
    /// client's connection is another one by the time the call can go (it
    /// reconnected, or that connection closed and it would have to), the
    /// call fails with [`Error::NotSent`] and
    /// [`NotSentReason::ConnectionChanged`](super::NotSentReason::ConnectionChanged),
    /// and the request is not written.
    ///
    /// It exists for a caller that checks something about the SystmOne it
    /// is connected to (which practice is logged on, from
    /// `GetOrganisationMetaData`) and then needs its write to go to that
    /// same SystmOne: a reconnect may reach a SystmOne with another user or
    /// practice logged on. Take `id` from [`Answered::connection`] of the
    /// check; after a `ConnectionChanged`, check again.
    ///
    /// ```no_run
    /// use systmone_client::client::{CallOptions, Client, Error};
    /// use systmone_client::proto::{GetOrganisationMetaData, UpdatePatientRecord};
    ///
    /// # async fn run(client: Client, note: UpdatePatientRecord) -> Result<(), Error> {
    /// let practice = client
    ///     .send(GetOrganisationMetaData::default(), CallOptions::default())
    ///     .await?;
    /// // ... check `practice.response` names the expected practice, then:
    /// let saved = client
    ///     .send(note, CallOptions::default().on_connection(practice.connection))
    ///     .await?;
    /// # let _ = saved; Ok(()) }
    /// ```
    pub fn on_connection(mut self, id: ConnectionId) -> Self {
        self.connection = Some(id);
        self
    }
}

/// One TCP connection the client opened to SystmOne, as an opaque,
/// ordered identity: every connection a process opens gets a new one
/// (including the first, made by
/// [`ClientBuilder::connect`](super::ClientBuilder::connect)), later ones
/// comparing greater, and none is ever reused, even by another
/// [`Client`](super::Client). Read it from [`Answered::connection`]; require
/// it with [`CallOptions::on_connection`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ConnectionId(u64);

impl ConnectionId {
    /// A new identity, unique in this process.
    pub(crate) fn next() -> Self {
        static NEXT: AtomicU64 = AtomicU64::new(1);
        Self(NEXT.fetch_add(1, AtomicOrdering::Relaxed))
    }

    /// An identity made up from a number, **for tests and fakes** of code
    /// above the client (an [`Answered`] returned by a
    /// `MockSystmOneApi`). The client never hands out one made this way; one
    /// given to [`CallOptions::on_connection`] of a real client matches its
    /// connection only by accident of numbering.
    pub fn from_raw(raw: u64) -> Self {
        Self(raw)
    }

    /// The number inside, **for tests and fakes** (and logs); it means
    /// nothing else.
    pub fn as_raw(self) -> u64 {
        self.0
    }
}

impl fmt::Display for ConnectionId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "#{}", self.0)
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
    /// The connection the answered attempt was sent on: give it to
    /// [`CallOptions::on_connection`] to require a later call to go on the
    /// same one.
    pub connection: ConnectionId,
}

impl<R> Answered<R> {
    /// An answer as a fake of [`SystmOneApi`](super::SystmOneApi) returns
    /// it: `response` on `connection`, with empty RequestUID and
    /// ResponseUID, no time queued or waiting, and one attempt.
    ///
    /// ```
    /// use systmone_client::client::{Answered, ConnectionId};
    /// use systmone_client::proto::IsPatientRetrievedResponse;
    ///
    /// // Response types are `#[non_exhaustive]`: build one from its default.
    /// let mut open = IsPatientRetrievedResponse::default();
    /// open.is_patient_retrieved = true;
    /// let answered = Answered::new(open, ConnectionId::from_raw(1));
    /// assert_eq!(answered.attempts, 1);
    /// ```
    pub fn new(response: R, connection: ConnectionId) -> Self {
        Self {
            response,
            request_uid: String::new(),
            response_uid: String::new(),
            queued: Duration::ZERO,
            waiting: Duration::ZERO,
            attempts: 1,
            connection,
        }
    }
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
    /// Never written at or after this instant.
    pub(crate) send_by: Option<Instant>,
    /// Only written on this connection.
    pub(crate) connection: Option<ConnectionId>,
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
    pub(crate) connection: ConnectionId,
}
