//! What can go wrong with a call, said in terms of what happened to the
//! request: it was not sent, it was sent and no answer came (so a write
//! *may* have happened), the answer could not be read, or SystmOne answered
//! with an error.

use std::time::Duration;

use crate::proto::{DecodeError, FrameError};

/// Why a call failed. Match on [`Error::kind`] for the decision you need to
/// make; the variants carry the details for logs and people.
///
/// The one question every caller of a write must ask is answered by
/// [`Error::outcome`]: [`Outcome::NotProcessed`] means SystmOne did not act
/// on the request and it can be sent again; [`Outcome::Unknown`] means it may
/// have acted, so look in the record before sending it again (the client
/// never resends such a write itself).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// SystmOne could not be reached when the client connected: nothing
    /// listens at the address until a user has logged on to SystmOne on
    /// this PC.
    #[error(
        "could not connect to SystmOne at {address} ({source}); is SystmOne running on this PC with a user logged on?"
    )]
    Unreachable {
        /// Where the client connects.
        address: std::net::SocketAddr,
        /// Why the connection failed.
        source: std::io::Error,
    },

    /// The request never left this process. For a call safe to resend (a
    /// read), this is about its last attempt: an earlier one may have been
    /// sent and gone unanswered. A function that is not safe to resend
    /// (every write) is sent at most once, so for it nothing was written.
    #[error("{function} was not sent to SystmOne: {reason}")]
    NotSent {
        /// The function called.
        function: &'static str,
        /// Why.
        reason: NotSentReason,
    },

    /// The request was sent, and no answer came.
    #[error(
        "{function} (RequestUID {request_uid}) was sent to SystmOne but {cause}; SystmOne may or may not have acted on it{advice}",
        advice = if *safe_to_resend { "" } else { ": look in the record before sending it again" }
    )]
    NoAnswer {
        /// The function called.
        function: &'static str,
        /// The last attempt's RequestUID (as SystmOne's audit trail shows it).
        request_uid: String,
        /// What happened instead of an answer.
        cause: NoAnswerCause,
        /// Whether the function is harmless to repeat
        /// ([`Function::SAFE_TO_RESEND`](crate::proto::Function::SAFE_TO_RESEND)).
        safe_to_resend: bool,
    },

    /// An answer came but could not be read.
    #[error(
        "SystmOne's answer to {function} (RequestUID {request_uid}) could not be read: {cause}"
    )]
    Unreadable {
        /// The function called.
        function: &'static str,
        /// The RequestUID sent.
        request_uid: String,
        /// What was wrong with it.
        cause: UnreadableCause,
        /// Whether the function is harmless to repeat.
        safe_to_resend: bool,
    },

    /// SystmOne answered with an error (PROTOCOL.md §3.2).
    #[error(
        "SystmOne refused {function} (RequestUID {request_uid}): {message} ({})",
        if *permanent { "permanent: the same request will fail again" } else { "temporary: try again later" }
    )]
    SystmOne {
        /// The function called.
        function: &'static str,
        /// The RequestUID sent.
        request_uid: String,
        /// SystmOne's `ErrorMessage` (do not branch on its text).
        message: String,
        /// SystmOne's `PermanentError` (absent or unreadable counts as
        /// permanent).
        permanent: bool,
    },

    /// The SystmOne user blocked this device, now or earlier (PROTOCOL.md
    /// §4.1, E2). Nothing more is sent: an SystmOne user must unblock the
    /// device in Device Manager (Setup > Mobile Working & Integration), and
    /// then a new client be connected.
    #[error(
        "SystmOne has blocked this device ({message}); a SystmOne user must unblock it in Setup > Mobile Working & Integration > Device Manager, then connect again"
    )]
    DeviceBlocked {
        /// SystmOne's words, or the client's when it refused to send.
        message: String,
    },

    /// The device was not approved when the client paired with SystmOne: the
    /// user chose "Not Now", or no one answered the approval dialog in time.
    #[error(
        "SystmOne did not approve this device ({message}); ask the SystmOne user to choose Approve on the dialog that names this software, then connect again"
    )]
    NotApproved {
        /// SystmOne's words, or what the client saw.
        message: String,
    },

    /// The client's configuration cannot work; nothing was sent.
    #[error("the client's configuration is invalid: {problem}")]
    InvalidConfiguration {
        /// What is wrong, and what would do instead.
        problem: String,
    },

    /// The Device ID could not be loaded or saved.
    #[error("the Device ID store failed: {0}")]
    DeviceIdStore(#[from] super::DeviceIdStoreError),
}

/// Why a request was not sent.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum NotSentReason {
    /// SystmOne could not be reached: nothing listens at the address until a
    /// user has logged on to SystmOne on this PC.
    #[error(
        "SystmOne is not accepting connections at {address} ({source}); is SystmOne running with a user logged on?"
    )]
    Unreachable {
        /// Where the client connects.
        address: String,
        /// The last connection error.
        source: std::io::Error,
    },
    /// The request could not be written as XML.
    #[error("the request could not be encoded: {0}")]
    Encode(#[from] crate::proto::EncodeError),
    /// The dispatcher task is gone (the runtime shut down, or it panicked).
    #[error("the client has shut down; connect a new one")]
    ClientClosed,
    /// The call's [send-by deadline](super::CallOptions::send_by) passed
    /// while it waited (or the throttle would have held it past the
    /// deadline), so it was not written.
    #[error(
        "its send-by deadline passed while it waited, so nothing was written; renew what the deadline protects (a lease) and call again"
    )]
    DeadlinePassed,
    /// The call was [required to go on a connection](super::CallOptions::on_connection)
    /// that the client no longer has: it reconnected to SystmOne since the
    /// caller checked that connection (or would have had to, because it
    /// closed), so it was not written.
    #[error(
        "the connection to SystmOne was re-established since the caller checked it, so nothing was written; check again (which practice is logged on) and retry"
    )]
    ConnectionChanged,
}

/// What happened to a sent request instead of an answer.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum NoAnswerCause {
    /// No answer within the call's timeout (SystmOne gives no answer to a
    /// request it throttles, or when its server is unresponsive).
    #[error("no answer came within {0:?}")]
    Timeout(Duration),
    /// The connection closed or failed before the answer came.
    #[error("the connection was lost before the answer came ({0})")]
    ConnectionLost(std::io::Error),
}

/// What was wrong with an answer.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum UnreadableCause {
    /// The byte stream is not XML, or a document broke a size or depth cap,
    /// or it ended inside a document.
    #[error(transparent)]
    Frame(#[from] FrameError),
    /// A complete document that is not a valid response to the request
    /// (boxed: it is large, and rare).
    #[error(transparent)]
    Decode(Box<DecodeError>),
    /// A response carrying this request's RequestUID names another function.
    #[error("it answers {answered} instead")]
    WrongFunction {
        /// The `Function` the response names.
        answered: String,
    },
}

impl From<DecodeError> for UnreadableCause {
    fn from(error: DecodeError) -> Self {
        UnreadableCause::Decode(Box::new(error))
    }
}

/// The kind of an [`Error`], to match on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// See [`Error::Unreachable`].
    Unreachable,
    /// See [`Error::NotSent`].
    NotSent,
    /// See [`Error::NoAnswer`].
    NoAnswer,
    /// See [`Error::Unreadable`].
    Unreadable,
    /// [`Error::SystmOne`] with `permanent` set.
    SystmOnePermanent,
    /// [`Error::SystmOne`] with `permanent` clear.
    SystmOneTransient,
    /// See [`Error::DeviceBlocked`].
    DeviceBlocked,
    /// See [`Error::NotApproved`].
    NotApproved,
    /// See [`Error::DeviceIdStore`].
    DeviceIdStore,
    /// See [`Error::InvalidConfiguration`].
    InvalidConfiguration,
}

/// Whether SystmOne acted on a failed request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Outcome {
    /// It did not: the request was never sent, or SystmOne answered with an
    /// error (an error answer means the request was not carried out). Safe
    /// to send again, when the cause allows.
    NotProcessed,
    /// It may have: the request was sent and no readable answer came. A
    /// write must be looked for in the record before it is sent again.
    Unknown,
}

impl Error {
    /// The kind of failure.
    ///
    /// ```
    /// use systmone_client::client::{Error, ErrorKind};
    ///
    /// let error = Error::SystmOne {
    ///     function: "UpdatePatientRecord",
    ///     request_uid: "3f2a9c1e-7b44-4d0a-9e61-5c2b8f7d1a90".into(),
    ///     message: "The patient record is in use; try again later".into(),
    ///     permanent: false,
    /// };
    /// assert_eq!(error.kind(), ErrorKind::SystmOneTransient);
    /// assert!(error.is_retryable());
    /// ```
    pub fn kind(&self) -> ErrorKind {
        match self {
            Error::Unreachable { .. } => ErrorKind::Unreachable,
            Error::NotSent { .. } => ErrorKind::NotSent,
            Error::NoAnswer { .. } => ErrorKind::NoAnswer,
            Error::Unreadable { .. } => ErrorKind::Unreadable,
            Error::SystmOne {
                permanent: true, ..
            } => ErrorKind::SystmOnePermanent,
            Error::SystmOne { .. } => ErrorKind::SystmOneTransient,
            Error::DeviceBlocked { .. } => ErrorKind::DeviceBlocked,
            Error::NotApproved { .. } => ErrorKind::NotApproved,
            Error::DeviceIdStore(_) => ErrorKind::DeviceIdStore,
            Error::InvalidConfiguration { .. } => ErrorKind::InvalidConfiguration,
        }
    }

    /// Whether SystmOne may have acted on the request.
    pub fn outcome(&self) -> Outcome {
        match self {
            Error::NoAnswer { .. } | Error::Unreadable { .. } => Outcome::Unknown,
            _ => Outcome::NotProcessed,
        }
    }

    /// Whether trying again later could succeed *and is safe*: a temporary
    /// SystmOne error, a request that was never sent because SystmOne was
    /// unreachable, its send-by deadline passed or its connection changed
    /// (after renewing the lease or checking again), or an unanswered
    /// request of a function that is harmless to repeat. A write whose
    /// outcome is unknown is not retryable as such: reconcile it first.
    pub fn is_retryable(&self) -> bool {
        match self {
            Error::NotSent { reason, .. } => matches!(
                reason,
                NotSentReason::Unreachable { .. }
                    | NotSentReason::DeadlinePassed
                    | NotSentReason::ConnectionChanged
            ),
            Error::NoAnswer { safe_to_resend, .. } => *safe_to_resend,
            Error::SystmOne { permanent, .. } => !permanent,
            Error::NotApproved { .. } | Error::Unreachable { .. } => true,
            Error::Unreadable { .. }
            | Error::DeviceBlocked { .. }
            | Error::DeviceIdStore(_)
            | Error::InvalidConfiguration { .. } => false,
        }
    }

    /// The RequestUID of the (last) attempt, when one was sent.
    pub fn request_uid(&self) -> Option<&str> {
        match self {
            Error::NoAnswer { request_uid, .. }
            | Error::Unreadable { request_uid, .. }
            | Error::SystmOne { request_uid, .. } => Some(request_uid),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn no_answer(safe_to_resend: bool) -> Error {
        Error::NoAnswer {
            function: "UpdatePatientRecord",
            request_uid: "u1".into(),
            cause: NoAnswerCause::Timeout(Duration::from_secs(30)),
            safe_to_resend,
        }
    }

    #[test]
    fn an_unanswered_write_is_unknown_and_not_retryable() {
        let error = no_answer(false);
        assert_eq!(error.kind(), ErrorKind::NoAnswer);
        assert_eq!(error.outcome(), Outcome::Unknown);
        assert!(!error.is_retryable());
        let text = error.to_string();
        assert!(text.contains("may or may not have acted"), "{text}");
        assert!(text.contains("look in the record"), "{text}");
        assert!(no_answer(true).is_retryable());
        assert!(!no_answer(true).to_string().contains("look in the record"));
    }

    #[test]
    fn an_error_is_small_enough_to_return_by_value() {
        assert!(
            std::mem::size_of::<Error>() <= 80,
            "{}",
            std::mem::size_of::<Error>()
        );
    }

    #[test]
    fn systmone_errors_were_not_processed() {
        let error = Error::SystmOne {
            function: "PatientSearch",
            request_uid: "u2".into(),
            message: "At least two search parameters must be specified".into(),
            permanent: true,
        };
        assert_eq!(error.kind(), ErrorKind::SystmOnePermanent);
        assert_eq!(error.outcome(), Outcome::NotProcessed);
        assert!(!error.is_retryable());
        assert!(error.to_string().contains("will fail again"));
        assert_eq!(error.request_uid(), Some("u2"));
    }

    #[test]
    fn a_passed_deadline_or_changed_connection_is_not_sent_and_retryable() {
        for (reason, says) in [
            (NotSentReason::DeadlinePassed, "deadline passed"),
            (NotSentReason::ConnectionChanged, "check again"),
        ] {
            let error = Error::NotSent {
                function: "UpdatePatientRecord",
                reason,
            };
            assert_eq!(error.kind(), ErrorKind::NotSent);
            assert_eq!(error.outcome(), Outcome::NotProcessed);
            assert!(error.is_retryable());
            let text = error.to_string();
            assert!(text.contains(says), "{text}");
            assert!(text.contains("nothing was written"), "{text}");
        }
    }

    #[test]
    fn unreachable_is_not_sent_and_retryable() {
        let error = Error::NotSent {
            function: "GetFunctions",
            reason: NotSentReason::Unreachable {
                address: "127.0.0.1:40700".into(),
                source: std::io::ErrorKind::ConnectionRefused.into(),
            },
        };
        assert_eq!(error.kind(), ErrorKind::NotSent);
        assert_eq!(error.outcome(), Outcome::NotProcessed);
        assert!(error.is_retryable());
        assert!(error.to_string().contains("user logged on"));
        assert_eq!(error.request_uid(), None);
    }
}
