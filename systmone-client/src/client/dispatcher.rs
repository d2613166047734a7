//! The one task that owns the connection to SystmOne: it queues calls in
//! two priority lanes, asks the throttle which may go, sends one request at
//! a time, pairs each answer with its request, and reconnects.
//!
//! Calls arrive on a channel from any number of [`Client`](super::Client)
//! clones and are answered on a oneshot each; the dispatcher keeps taking
//! new calls while it waits for an answer, so priority applies to whatever
//! is queued at the moment the next request can go.
//!
//! A queued call that may no longer be written (its send-by deadline passed,
//! or it must go on a connection the dispatcher no longer has) is answered
//! "not sent" as soon as the dispatcher sees it, whatever it is doing, and
//! checked once more immediately before its request is written.

use std::collections::VecDeque;
use std::io;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use bytes::Bytes;
use chrono::NaiveDateTime;
use rand::RngExt as _;
use rand::rngs::ChaCha8Rng;
use tokio::sync::{mpsc, oneshot};
use tokio::time::Instant;

use super::builder::Settings;
use super::call::{ConnectionId, Encoder, Job, Priority, Reply};
use super::connection::{Connection, ReadError};
use super::error::{NoAnswerCause, NotSentReason, UnreadableCause};
use super::throttle::{Decision, SharedThrottle, Subject};
use super::{DeviceIdStore, Error};
use crate::proto::{
    EncodeOptions, ErrorResponse, Filter, Function as _, GetFunctions, Request, RequestHeader,
    ResponsePeek, canonical_function_name, encode_request, peek_response,
};

/// Why one attempt failed.
#[derive(Debug)]
pub(crate) enum AttemptError {
    /// The caller gave up before the request was sent.
    Cancelled,
    NotSent(NotSentReason),
    NoAnswer {
        request_uid: String,
        cause: NoAnswerCause,
    },
    Unreadable {
        request_uid: String,
        cause: UnreadableCause,
    },
}

impl AttemptError {
    fn into_error(self, function: &'static str, safe_to_resend: bool) -> Error {
        match self {
            AttemptError::Cancelled => Error::NotSent {
                function,
                reason: NotSentReason::ClientClosed,
            },
            AttemptError::NotSent(reason) => Error::NotSent { function, reason },
            AttemptError::NoAnswer { request_uid, cause } => Error::NoAnswer {
                function,
                request_uid,
                cause,
                safe_to_resend,
            },
            AttemptError::Unreadable { request_uid, cause } => Error::Unreadable {
                function,
                request_uid,
                cause,
                safe_to_resend,
            },
        }
    }
}

/// An answered attempt.
struct Exchange {
    document: Bytes,
    peek: ResponsePeek,
    request_uid: String,
    connection: ConnectionId,
    sent: Instant,
    answered: Instant,
}

/// What woke the dispatcher while it waited for an answer.
enum Event {
    Document(Result<Bytes, ReadError>),
    /// Boxed: a call is far larger than any other event.
    Arrival(Option<Box<Job>>),
    Deadline,
    /// A queued call's send-by deadline passed.
    SendByPassed,
}

/// What a queued call adds to one attempt at it: its caller (gone: do not
/// send), the flag saying it was sent, and when and where it may be written.
struct Caller<'a> {
    reply: &'a oneshot::Sender<Result<Reply, Error>>,
    sent: &'a AtomicBool,
    send_by: Option<Instant>,
    connection: Option<ConnectionId>,
}

/// Why a call with these limits may not be written at `at` on the
/// connection `current` (`None`: there is none), if it may not.
fn not_sendable(
    send_by: Option<Instant>,
    required: Option<ConnectionId>,
    at: Instant,
    current: Option<ConnectionId>,
) -> Option<NotSentReason> {
    if send_by.is_some_and(|deadline| deadline <= at) {
        return Some(NotSentReason::DeadlinePassed);
    }
    // Connections are never reused: once the dispatcher's is another one,
    // the required one will never come back.
    if required.is_some_and(|required| Some(required) != current) {
        return Some(NotSentReason::ConnectionChanged);
    }
    None
}

/// Owns the connection; see the module docs.
pub(crate) struct Dispatcher {
    settings: Arc<Settings>,
    jobs: mpsc::UnboundedReceiver<Job>,
    /// Every client handle is gone: finish what is queued, then stop.
    handles_gone: bool,
    interactive: VecDeque<Job>,
    background: VecDeque<Job>,
    throttle: SharedThrottle,
    connection: Option<Connection>,
    device_id: String,
    store: Arc<dyn DeviceIdStore>,
    /// SystmOne said this device is blocked: nothing more is sent.
    blocked: Option<String>,
    /// Interactive calls sent in a row while a background call waited; at
    /// `settings.background_share`, the background lane goes first.
    interactive_streak: u32,
    rng: ChaCha8Rng,
}

impl Dispatcher {
    pub(crate) fn new(
        settings: Arc<Settings>,
        throttle: SharedThrottle,
        store: Arc<dyn DeviceIdStore>,
        device_id: String,
        connection: Connection,
        jobs: mpsc::UnboundedReceiver<Job>,
    ) -> Self {
        Self {
            settings,
            jobs,
            handles_gone: false,
            interactive: VecDeque::new(),
            background: VecDeque::new(),
            throttle,
            connection: Some(connection),
            device_id,
            store,
            blocked: None,
            interactive_streak: 0,
            rng: rand::make_rng(),
        }
    }

    pub(crate) fn device_id(&self) -> &str {
        &self.device_id
    }

    /// Pairs with SystmOne (PROTOCOL.md §4.1): `GetFunctions` with an empty
    /// Device ID, which waits for a user to approve the device; the issued
    /// ID is saved before anything else is sent.
    pub(crate) async fn pair(&mut self) -> Result<(), Error> {
        const FUNCTION: &str = GetFunctions::NAME;
        let span = tracing::info_span!(
            "systmone_pairing",
            function = FUNCTION,
            request_uid = tracing::field::Empty,
        );
        let mut encode: Encoder = Box::new(|header| {
            encode_request(
                &Request::new(header, GetFunctions::default()),
                EncodeOptions::default(),
            )
        });
        let subject = Subject {
            function: FUNCTION,
            record_exempt: None,
        };
        loop {
            self.ensure_connected()
                .await
                .map_err(|source| Error::Unreachable {
                    address: self.settings.address,
                    source,
                })?;
            match self.throttle.decide(&[subject]) {
                Decision::WaitUntil(until) => tokio::time::sleep_until(until).await,
                Decision::Send(_) if self.connection_closed() => continue,
                Decision::Send(_) => break,
            }
        }
        tracing::info!(parent: &span, "asking the SystmOne user to approve this device");
        let timeout = self.settings.timeouts.pairing;
        let exchange = match self
            .exchange(FUNCTION, &mut encode, &span, timeout, None)
            .await
        {
            Ok(exchange) => exchange,
            Err(AttemptError::NoAnswer {
                cause: NoAnswerCause::Timeout(waited),
                ..
            }) => {
                return Err(Error::NotApproved {
                    message: format!("no one answered the approval dialog within {waited:?}"),
                });
            }
            Err(other) => return Err(other.into_error(FUNCTION, true)),
        };
        match exchange.peek.error {
            // Blocked (E2), or refused for another reason (an API key
            // SystmOne does not know): said as such.
            Some(error) if error.is_permanent() => {
                Err(self.refused(FUNCTION, exchange.request_uid, error))
            }
            // "Not Now" (§4.1): nothing was approved yet.
            Some(error) => Err(Error::NotApproved {
                message: error.message,
            }),
            None if exchange.peek.device_id.is_empty() => Err(Error::NotApproved {
                message: "SystmOne answered without issuing a Device ID".into(),
            }),
            None => {
                self.store.save(&exchange.peek.device_id).await?;
                tracing::info!(parent: &span, "SystmOne approved this device; its Device ID is saved");
                self.device_id = exchange.peek.device_id;
                Ok(())
            }
        }
    }

    /// Serves calls until every client handle is dropped and the queues
    /// are empty.
    pub(crate) async fn run(mut self) {
        loop {
            self.take_arrivals();
            self.drop_cancelled();
            self.fail_unsendable(Instant::now());
            if self.interactive.is_empty() && self.background.is_empty() {
                if self.handles_gone {
                    return;
                }
                match self.jobs.recv().await {
                    Some(job) => self.enqueue(job),
                    None => self.handles_gone = true,
                }
                continue;
            }
            if let Some(message) = self.blocked.clone() {
                self.fail_all(|_| Error::DeviceBlocked {
                    message: message.clone(),
                });
                continue;
            }
            // Connect (which can take seconds of backoff) *before* asking the
            // throttle: a request must be sent the moment the throttle lets
            // it go, or the spacing it keeps would not be the spacing
            // SystmOne sees, and a "today's entries" read judged exempt
            // could reach SystmOne after midnight.
            if let Err(source) = self.ensure_connected().await {
                self.fail_unreachable(&source);
                continue;
            }
            self.drop_cancelled();
            self.fail_unsendable(Instant::now());
            if self.interactive.is_empty() && self.background.is_empty() {
                continue;
            }
            let background_first = self.background_turn();
            let now = (self.settings.local_time)();
            let subjects: Vec<Subject> = self
                .queued(background_first)
                .map(|job| subject(job, now))
                .collect();
            match self.throttle.decide(&subjects) {
                Decision::Send(index) => {
                    let Some(job) = self.remove(index, background_first) else {
                        continue;
                    };
                    if self.connection_closed() {
                        // The cell it took goes unused (slower, never
                        // faster); it goes again after reconnecting.
                        self.requeue(job);
                        continue;
                    }
                    self.count_send(job.priority);
                    let exempt = subjects[index].record_exempt;
                    self.execute(job, exempt).await;
                }
                Decision::WaitUntil(until) => {
                    // Nothing queued can go before `until`: a call that
                    // must be sent by then fails now rather than after
                    // waiting for nothing.
                    self.fail_unsendable(until);
                    self.sleep_taking_arrivals(until).await;
                }
            }
        }
    }

    /// Drops the calls whose callers have gone: they are never sent.
    fn drop_cancelled(&mut self) {
        self.interactive.retain(|job| !job.reply.is_closed());
        self.background.retain(|job| !job.reply.is_closed());
    }

    /// The connection requests are written on now, if there is one.
    fn current_connection(&self) -> Option<ConnectionId> {
        self.connection.as_ref().map(|connection| connection.id)
    }

    /// Answers "not sent" to every queued call that may not be written at
    /// `at` on the current connection: its send-by deadline is `at` or
    /// earlier, or it must go on a connection the dispatcher no longer has.
    fn fail_unsendable(&mut self, at: Instant) {
        let current = self.current_connection();
        let unsendable = |job: &Job| not_sendable(job.send_by, job.connection, at, current);
        for lane in [&mut self.interactive, &mut self.background] {
            if !lane.iter().any(|job| unsendable(job).is_some()) {
                continue;
            }
            let mut kept = VecDeque::with_capacity(lane.len());
            for job in lane.drain(..) {
                match unsendable(&job) {
                    Some(reason) => {
                        tracing::info!(parent: &job.span, %reason, attempts = job.attempts, "not sent");
                        let _ = job.reply.send(Err(Error::NotSent {
                            function: job.function,
                            reason,
                        }));
                    }
                    None => kept.push_back(job),
                }
            }
            *lane = kept;
        }
    }

    /// The earliest send-by deadline of the queued calls.
    fn earliest_send_by(&self) -> Option<Instant> {
        self.interactive
            .iter()
            .chain(self.background.iter())
            .filter_map(|job| job.send_by)
            .min()
    }

    /// Whether the background lane is owed the next send: a background
    /// call is waiting, and `background_share` interactive calls in a row
    /// went while one did.
    fn background_turn(&self) -> bool {
        !self.background.is_empty() && self.interactive_streak >= self.settings.background_share
    }

    /// Counts a call about to be sent towards the background lane's share.
    fn count_send(&mut self, priority: Priority) {
        self.interactive_streak = match priority {
            Priority::Interactive if !self.background.is_empty() => {
                self.interactive_streak.saturating_add(1)
            }
            Priority::Interactive | Priority::Background => 0,
        };
    }

    /// Whether the connection is missing or SystmOne has closed it (then it
    /// is dropped, to be reopened).
    fn connection_closed(&mut self) -> bool {
        let closed = self.connection.as_mut().is_none_or(Connection::is_closed);
        if closed && self.connection.take().is_some() {
            tracing::info!("SystmOne closed the connection; reconnecting");
        }
        closed
    }

    /// SystmOne cannot be reached: every queued call fails as not sent
    /// (each later call starts a new round of reconnecting).
    fn fail_unreachable(&mut self, source: &io::Error) {
        let address = self.settings.address.to_string();
        tracing::warn!(%address, error = %source, "SystmOne is unreachable; failing every queued call");
        self.fail_all(|function| Error::NotSent {
            function,
            reason: NotSentReason::Unreachable {
                address: address.clone(),
                source: io::Error::new(source.kind(), source.to_string()),
            },
        });
    }

    fn enqueue(&mut self, job: Job) {
        match job.priority {
            Priority::Interactive => self.interactive.push_back(job),
            Priority::Background => self.background.push_back(job),
        }
    }

    /// A call to send again goes back to the head of its lane.
    fn requeue(&mut self, job: Job) {
        match job.priority {
            Priority::Interactive => self.interactive.push_front(job),
            Priority::Background => self.background.push_front(job),
        }
    }

    fn take_arrivals(&mut self) {
        while let Ok(job) = self.jobs.try_recv() {
            self.enqueue(job);
        }
    }

    /// Queued calls in the order they should go: interactive first, unless
    /// it is the background lane's turn.
    fn queued(&self, background_first: bool) -> impl Iterator<Item = &Job> {
        let (first, then) = if background_first {
            (&self.background, &self.interactive)
        } else {
            (&self.interactive, &self.background)
        };
        first.iter().chain(then.iter())
    }

    /// Removes the call at `index` in [`queued`](Self::queued)'s order.
    fn remove(&mut self, index: usize, background_first: bool) -> Option<Job> {
        let (first, then) = if background_first {
            (&mut self.background, &mut self.interactive)
        } else {
            (&mut self.interactive, &mut self.background)
        };
        match index.checked_sub(first.len()) {
            None => first.remove(index),
            Some(index) => then.remove(index),
        }
    }

    /// Answers every queued call with the error `error` makes for its
    /// function.
    fn fail_all(&mut self, error: impl Fn(&'static str) -> Error) {
        for job in self.interactive.drain(..).chain(self.background.drain(..)) {
            let _ = job.reply.send(Err(error(job.function)));
        }
    }

    /// Sleeps until `until` or a new call arrives, answering queued calls
    /// whose send-by deadline passes meanwhile.
    async fn sleep_taking_arrivals(&mut self, until: Instant) {
        let sleep = tokio::time::sleep_until(until);
        tokio::pin!(sleep);
        loop {
            let expiry = self.earliest_send_by();
            tokio::select! {
                () = &mut sleep => return,
                () = sleep_until(expiry) => self.fail_unsendable(Instant::now()),
                job = self.jobs.recv(), if !self.handles_gone => match job {
                    Some(job) => {
                        // A new call may be one the throttle lets go sooner
                        // (a search while a full record is held back).
                        self.enqueue(job);
                        return;
                    }
                    None => self.handles_gone = true,
                },
            }
        }
    }

    /// Sends one call (once; a call safe to resend goes back in its lane if
    /// it got no answer) and answers its caller. `exempt` is the throttle's
    /// judgement of a `GetPatientRecord` (a full record waits longer).
    async fn execute(&mut self, mut job: Job, exempt: Option<bool>) {
        job.attempts += 1;
        let timeout = job.timeout.unwrap_or(match exempt {
            Some(false) => self.settings.timeouts.full_record,
            _ => self.settings.timeouts.response,
        });
        let span = job.span.clone();
        let caller = Caller {
            reply: &job.reply,
            sent: job.sent.as_ref(),
            send_by: job.send_by,
            connection: job.connection,
        };
        let result = self
            .exchange(job.function, &mut job.encode, &span, timeout, Some(caller))
            .await;
        let outcome = match result {
            Ok(exchange) => self.answer(&job, exchange),
            Err(AttemptError::NoAnswer { request_uid, cause })
                if job.safe_to_resend && job.attempts <= self.settings.read_retries =>
            {
                tracing::info!(parent: &span, %request_uid, %cause, attempt = job.attempts, "no answer; sending it again (safe to resend)");
                self.requeue(job);
                return;
            }
            // The caller went away before it was sent: it never will be.
            Err(AttemptError::Cancelled) => return,
            Err(error) => Err(error.into_error(job.function, job.safe_to_resend)),
        };
        if let Err(error) = &outcome {
            tracing::info!(parent: &span, kind = ?error.kind(), outcome = ?error.outcome(), attempts = job.attempts, "call failed");
            tracing::debug!(parent: &span, %error, "call failed");
        }
        let _ = job.reply.send(outcome);
    }

    /// Turns an answered attempt into the caller's reply.
    fn answer(&mut self, job: &Job, exchange: Exchange) -> Result<Reply, Error> {
        let queued = exchange.sent.duration_since(job.enqueued);
        let waiting = exchange.answered.duration_since(exchange.sent);
        let span = &job.span;
        span.record("queued_ms", queued.as_millis() as u64);
        span.record("waiting_ms", waiting.as_millis() as u64);
        let device_id = &exchange.peek.device_id;
        if !device_id.is_empty() && *device_id != self.device_id {
            tracing::warn!(parent: span, "SystmOne answered with a Device ID other than the one sent; keeping the saved one");
        }
        match exchange.peek.error {
            Some(error) => Err(self.refused(job.function, exchange.request_uid, error)),
            None => {
                tracing::info!(parent: span, attempts = job.attempts, connection = %exchange.connection, "SystmOne answered");
                Ok(Reply {
                    document: exchange.document,
                    request_uid: exchange.request_uid,
                    queued,
                    waiting,
                    attempts: job.attempts,
                    connection: exchange.connection,
                })
            }
        }
    }

    /// SystmOne's error answer as an [`Error`]. A permanent error saying
    /// the request was blocked means the device is blocked (E2): TPP does
    /// not publish the text, but says it "says that the request was
    /// blocked"; from then on nothing more is sent (PROTOCOL.md §4.2).
    fn refused(
        &mut self,
        function: &'static str,
        request_uid: String,
        error: ErrorResponse,
    ) -> Error {
        let permanent = error.is_permanent();
        if permanent && says_blocked(&error.message) {
            tracing::warn!("SystmOne has blocked this device; no more requests will be sent");
            self.blocked = Some(error.message.clone());
            return Error::DeviceBlocked {
                message: error.message,
            };
        }
        Error::SystmOne {
            function,
            request_uid,
            message: error.message,
            permanent,
        }
    }

    /// Sends one request and waits for its answer, taking new calls into
    /// the lanes meanwhile. Any failure after sending closes the connection:
    /// a late answer could otherwise be read as the next request's.
    async fn exchange(
        &mut self,
        function: &'static str,
        encode: &mut Encoder,
        span: &tracing::Span,
        timeout: Duration,
        caller: Option<Caller<'_>>,
    ) -> Result<Exchange, AttemptError> {
        if caller
            .as_ref()
            .is_some_and(|caller| caller.reply.is_closed())
        {
            return Err(AttemptError::Cancelled);
        }
        let request_uid = self.new_request_uid();
        span.record("request_uid", request_uid.as_str());
        let header = RequestHeader {
            api_key: self.settings.api_key.clone(),
            device_id: self.device_id.clone(),
            device_version: self.settings.device_version.clone(),
            request_uid: request_uid.clone(),
            output_scheme: self.settings.output_scheme.clone(),
            ..RequestHeader::default()
        };
        let document = encode(header).map_err(|e| AttemptError::NotSent(e.into()))?;
        let Some(connection) = self.connection.as_mut() else {
            let source = io::Error::new(io::ErrorKind::NotConnected, "no connection");
            return Err(AttemptError::NotSent(NotSentReason::Unreachable {
                address: self.settings.address.to_string(),
                source,
            }));
        };
        let connection_id = connection.id;
        // The last moment to refuse: nothing awaits between here and the
        // write starting.
        if let Some(reason) = caller.as_ref().and_then(|caller| {
            not_sendable(
                caller.send_by,
                caller.connection,
                Instant::now(),
                Some(connection_id),
            )
        }) {
            tracing::info!(parent: span, %reason, "not sent");
            return Err(AttemptError::NotSent(reason));
        }
        tracing::debug!(parent: span, bytes = document.len(), connection = %connection_id, "sending");
        let sent = Instant::now();
        // No deadline at all for a timeout too large to add (`Duration::MAX`
        // for "wait for ever").
        let deadline = sent.checked_add(timeout);
        if let Some(caller) = &caller {
            caller.sent.store(true, Ordering::Release);
        }
        // A SystmOne that stops reading must not wedge the client: the
        // write is bounded by the same deadline as the answer.
        let written = match deadline {
            Some(deadline) => tokio::time::timeout_at(deadline, connection.send(&document))
                .await
                .ok(),
            None => Some(connection.send(&document).await),
        };
        let cause = match written {
            Some(Ok(())) => None,
            Some(Err(source)) => Some(NoAnswerCause::ConnectionLost(source)),
            None => Some(NoAnswerCause::Timeout(timeout)),
        };
        if let Some(cause) = cause {
            self.connection = None;
            return Err(AttemptError::NoAnswer { request_uid, cause });
        }
        loop {
            let expiry = self.earliest_send_by();
            let Some(connection) = self.connection.as_mut() else {
                break Err(AttemptError::NoAnswer {
                    request_uid,
                    cause: NoAnswerCause::ConnectionLost(io::ErrorKind::NotConnected.into()),
                });
            };
            let event = tokio::select! {
                // An answer that is ready wins over a deadline reached at the
                // same moment: reporting it as unknown would force a needless
                // look in the record.
                biased;
                document = connection.next_document() => Event::Document(document),
                job = self.jobs.recv(), if !self.handles_gone => Event::Arrival(job.map(Box::new)),
                () = sleep_until(deadline) => Event::Deadline,
                () = sleep_until(expiry) => Event::SendByPassed,
            };
            let failure = match event {
                Event::SendByPassed => {
                    self.fail_unsendable(Instant::now());
                    continue;
                }
                Event::Arrival(Some(job)) => {
                    self.enqueue(*job);
                    continue;
                }
                Event::Arrival(None) => {
                    self.handles_gone = true;
                    continue;
                }
                Event::Deadline => AttemptError::NoAnswer {
                    request_uid,
                    cause: NoAnswerCause::Timeout(timeout),
                },
                Event::Document(Err(ReadError::Lost(source))) => AttemptError::NoAnswer {
                    request_uid,
                    cause: NoAnswerCause::ConnectionLost(source),
                },
                Event::Document(Err(ReadError::Frame(error))) => AttemptError::Unreadable {
                    request_uid,
                    cause: error.into(),
                },
                Event::Document(Ok(document)) => match peek_response(&document) {
                    Ok(peek) if peek.request_uid != request_uid => {
                        // The late answer to a request given up on (§1.3).
                        tracing::debug!(parent: span, stale = %peek.request_uid, "discarding an answer to an earlier request");
                        continue;
                    }
                    Ok(peek) if canonical_function_name(&peek.function) != Some(function) => {
                        AttemptError::Unreadable {
                            request_uid,
                            cause: UnreadableCause::WrongFunction {
                                answered: peek.function,
                            },
                        }
                    }
                    Ok(peek) => {
                        break Ok(Exchange {
                            document,
                            peek,
                            request_uid,
                            connection: connection_id,
                            sent,
                            answered: Instant::now(),
                        });
                    }
                    Err(error) => AttemptError::Unreadable {
                        request_uid,
                        cause: error.into(),
                    },
                },
            };
            self.connection = None;
            break Err(failure);
        }
    }

    /// Makes sure there is a live connection, reconnecting with backoff.
    async fn ensure_connected(&mut self) -> io::Result<()> {
        if !self.connection_closed() {
            return Ok(());
        }
        // Calls that must go on the connection just lost never will.
        self.fail_unsendable(Instant::now());
        let settings = Arc::clone(&self.settings);
        let policy = settings.reconnect;
        let started = Instant::now();
        let mut delay = policy.initial;
        loop {
            let opened = Connection::open(&settings).await;
            match opened {
                Ok(connection) => {
                    tracing::info!(address = %settings.address, "connected to SystmOne");
                    self.connection = Some(connection);
                    return Ok(());
                }
                Err(error) if started.elapsed().saturating_add(delay) > policy.give_up_after => {
                    return Err(error);
                }
                Err(error) => {
                    tracing::warn!(address = %settings.address, %error, retry_in = ?delay, "could not connect to SystmOne");
                    if let Some(wake) = Instant::now().checked_add(delay) {
                        while Instant::now() < wake {
                            self.sleep_taking_arrivals(wake).await;
                        }
                    }
                    delay = delay.saturating_mul(2).min(policy.max);
                }
            }
        }
    }

    /// A random (version 4) UUID in lowercase, as TPP's examples are.
    fn new_request_uid(&mut self) -> String {
        crate::uuid::format_v4(self.rng.random::<u128>(), false)
    }
}

/// Whether an error text says the device or request was blocked (E2).
/// A bare "blocked" is not enough: texts that quote a caller's path or
/// reason could contain it.
fn says_blocked(message: &str) -> bool {
    let message = message.to_ascii_lowercase();
    [
        "request was blocked",
        "device is blocked",
        "device has been blocked",
        "device was blocked",
    ]
    .iter()
    .any(|phrase| message.contains(phrase))
}

/// Sleeps until `deadline`, or for ever when there is none.
async fn sleep_until(deadline: Option<Instant>) {
    match deadline {
        Some(deadline) => tokio::time::sleep_until(deadline).await,
        None => std::future::pending().await,
    }
}

/// The throttle's view of a queued call, as if sent at local time `now`.
fn subject(job: &Job, now: NaiveDateTime) -> Subject {
    Subject {
        function: job.function,
        record_exempt: job
            .record_filter
            .as_ref()
            .map(|filter| record_exempt(filter, now)),
    }
}

/// Whether a `GetPatientRecord` with this filter, sent at local time `now`,
/// is exempt from the 30-second rule: the one rule,
/// [`Filter::is_exempt_at`].
fn record_exempt(filter: &Option<Filter>, now: NaiveDateTime) -> bool {
    filter.as_ref().is_some_and(|f| f.is_exempt_at(now))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use chrono::NaiveDate;

    fn at(h: u32, m: u32, s: u32) -> NaiveDateTime {
        NaiveDate::from_ymd_opt(2031, 5, 14)
            .unwrap()
            .and_hms_opt(h, m, s)
            .unwrap()
    }

    #[test]
    fn entered_today_is_not_counted_on_just_before_midnight() {
        let today = at(12, 0, 0).date();
        let filter = Some(Filter::entered_on(today));
        assert!(record_exempt(&filter, at(12, 0, 0)));
        assert!(record_exempt(&filter, at(23, 59, 54)));
        assert!(!record_exempt(&filter, at(23, 59, 56)));
        // Demographics only does not depend on the date.
        let demographics = Some(Filter::demographics_only());
        assert!(record_exempt(&demographics, at(23, 59, 59)));
        assert!(!record_exempt(&None, at(12, 0, 0)));
        assert!(!record_exempt(&Some(Filter::default()), at(12, 0, 0)));
        // SystmOne exempts demographics with restrictors too; the client
        // does not count on it (§7.2's advice to clients).
        let mut restricted = Filter::demographics_only();
        restricted.min_effective_date = Some(today);
        assert!(!record_exempt(&Some(restricted), at(12, 0, 0)));
        // Entry dates of today exempt whatever is selected.
        let mut today_everything = Filter::entered_on(today);
        today_everything.narrative = true;
        today_everything.demographics = true;
        assert!(record_exempt(&Some(today_everything), at(12, 0, 0)));
        let mut one_side = Filter::demographics_only();
        one_side.narrative = true;
        one_side.min_entry_date = Some(today);
        assert!(!record_exempt(&Some(one_side), at(12, 0, 0)));
    }
}
