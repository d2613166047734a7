//! The TCP side: accepting connections, framing requests with the shared
//! codec, the envelope checks, pairing, the throttle, faults, and writing
//! answers (one per processed request, each followed by `\n`).

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use bytes::{Bytes, BytesMut};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tokio_util::codec::Decoder as _;

use super::clock::MockClock;
use super::failure::Failure;
use super::faults::{Arrival, Fault, FaultScript};
use super::handlers::{self, Aftermath, Caller, Ctx, Files, HandlerSettings};
use super::inspect::{ReceivedRequest, RequestOutcome};
use super::practice::Practice;
use super::throttle::{OverRecordLimitPolicy, Refusal, Throttle};
use crate::proto::{
    AnyRequest, AnyResponse, DecodeErrorKind, DocumentCodec, EncodeOptions, FUNCTION_VERSION,
    REQUEST_ROOT, Request, RequestDecodeError, Response, ResponseHeader, decode_request,
    encode_response,
};

/// Locks a std mutex, carrying on if a panicking thread poisoned it (the
/// state is still consistent: every change is made on a copy first).
pub(crate) fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|e| e.into_inner())
}

/// Settings of the TCP side.
#[derive(Debug, Clone)]
pub(crate) struct ServerSettings {
    /// Registered API keys and their products' names; `None` accepts any
    /// key.
    pub(crate) api_keys: Option<BTreeMap<String, String>>,
    /// The software name for events when any key is accepted.
    pub(crate) default_software: String,
    pub(crate) raw_line_breaks: bool,
    pub(crate) max_request_len: usize,
    pub(crate) idle_timeout: Duration,
}

/// What every connection shares.
#[derive(Debug)]
pub(crate) struct Shared {
    pub(crate) practice: Mutex<Practice>,
    pub(crate) throttle: Throttle,
    pub(crate) faults: Mutex<FaultScript>,
    pub(crate) log: Mutex<RequestLog>,
    pub(crate) clock: MockClock,
    pub(crate) handler_settings: HandlerSettings,
    pub(crate) settings: ServerSettings,
    /// `true` once the server must stop.
    pub(crate) stop: watch::Sender<bool>,
    /// Bumped to close every open connection (ExitClient with Restart,
    /// [`MockSystmOne::drop_connections`](super::MockSystmOne::drop_connections)).
    pub(crate) generation: watch::Sender<u64>,
}

/// Requests received so far.
#[derive(Debug, Default)]
pub(crate) struct RequestLog {
    pub(crate) received: u64,
    pub(crate) connections: u64,
    pub(crate) requests: Vec<ReceivedRequest>,
    pub(crate) counts: BTreeMap<&'static str, u64>,
}

/// What to do on the connection after one request.
enum Reply {
    /// Write this answer and carry on.
    Answer(Bytes),
    /// Write nothing and carry on.
    Nothing,
    /// Write this (possibly nothing) and close.
    Close(Bytes),
    /// Write this answer, then stop the server or close every connection.
    Exit(Bytes, bool),
}

/// Resolves once the server must stop.
pub(crate) async fn stopped(stop: &mut watch::Receiver<bool>) {
    let _ = stop.wait_for(|stop| *stop).await;
}

/// Accepts connections until told to stop.
pub(crate) async fn accept_loop(shared: Arc<Shared>, listener: TcpListener) {
    let mut stop = shared.stop.subscribe();
    loop {
        tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, peer)) => {
                    let id = {
                        let mut log = lock(&shared.log);
                        log.connections += 1;
                        log.connections
                    };
                    tracing::debug!(connection = id, %peer, "connection accepted");
                    tokio::spawn(serve(shared.clone(), stream, id));
                }
                Err(error) => {
                    tracing::warn!(%error, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
            },
            () = stopped(&mut stop) => break,
        }
    }
    tracing::info!("mock SystmOne stopped listening");
}

/// Serves one connection: one request at a time, in order.
async fn serve(shared: Arc<Shared>, mut stream: TcpStream, connection: u64) {
    let _ = stream.set_nodelay(true);
    let mut stop = shared.stop.subscribe();
    let mut generation = shared.generation.subscribe();
    generation.mark_unchanged();
    let mut codec = DocumentCodec::new().with_max_document_len(shared.settings.max_request_len);
    let mut buffer = BytesMut::with_capacity(8 * 1024);
    loop {
        match codec.decode(&mut buffer) {
            Ok(Some(document)) => {
                let reply = tokio::select! {
                    reply = process(&shared, connection, document) => reply,
                    () = stopped(&mut stop) => return,
                    _ = generation.changed() => return,
                };
                let (bytes, then) = match reply {
                    Reply::Answer(bytes) => (bytes, None),
                    Reply::Nothing => continue,
                    Reply::Close(bytes) => (bytes, Some(None)),
                    Reply::Exit(bytes, restart) => (bytes, Some(Some(restart))),
                };
                if !bytes.is_empty() && stream.write_all(&bytes).await.is_err() {
                    return;
                }
                match then {
                    None => continue,
                    Some(None) => {
                        let _ = stream.shutdown().await;
                        return;
                    }
                    Some(Some(restart)) => {
                        let _ = stream.shutdown().await;
                        exit(&shared, restart);
                        return;
                    }
                }
            }
            Ok(None) => {}
            Err(error) => {
                // Not XML, or over a cap: answer if possible, then close
                // (the stream cannot be resynchronised).
                tracing::info!(connection, %error, "unreadable request; closing the connection");
                let failure = Failure::malformed(&error.to_string());
                let bytes = error_answer(&shared, "", "", "", "", failure);
                let _ = stream.write_all(&bytes).await;
                let _ = stream.shutdown().await;
                return;
            }
        }
        let partial = !buffer.is_empty();
        let read = async {
            if partial {
                tokio::time::timeout(shared.settings.idle_timeout, stream.read_buf(&mut buffer))
                    .await
                    .unwrap_or_else(|_| Err(std::io::ErrorKind::TimedOut.into()))
            } else {
                stream.read_buf(&mut buffer).await
            }
        };
        let read = tokio::select! {
            read = read => read,
            () = stopped(&mut stop) => return,
            _ = generation.changed() => return,
        };
        match read {
            Ok(0) | Err(_) => return,
            Ok(_) => {}
        }
    }
}

/// ExitClient: stop listening (or, with Restart, close every connection
/// and carry on).
fn exit(shared: &Shared, restart: bool) {
    if restart {
        shared.generation.send_modify(|g| *g += 1);
    } else {
        shared.stop.send_replace(true);
    }
}

/// An uppercase, hyphenated random GUID, as SystmOne's ResponseUIDs are.
fn response_uid(practice: &mut Practice) -> String {
    use rand::RngExt as _;
    crate::uuid::format_v4(practice.rng.random::<u128>(), true)
}

fn encode(shared: &Shared, response: &Response<AnyResponse>) -> Bytes {
    let options = EncodeOptions {
        raw_line_breaks: shared.settings.raw_line_breaks,
        ..EncodeOptions::default()
    };
    let encoded = encode_response(response, options).or_else(|error| {
        tracing::warn!(%error, "response could not be encoded");
        let failure = Failure::invalid(format!("The response could not be written: {error}"));
        let fallback = Response {
            header: response.header.clone(),
            body: Err(failure.into_response()),
        };
        encode_response::<AnyResponse>(&fallback, options)
    });
    let mut bytes = encoded.map(Vec::from).unwrap_or_default();
    bytes.push(b'\n');
    Bytes::from(bytes)
}

fn error_answer(
    shared: &Shared,
    device_id: &str,
    request_uid: &str,
    function: &str,
    function_version: &str,
    failure: Failure,
) -> Bytes {
    let response_uid = response_uid(&mut lock(&shared.practice));
    let response = Response::<AnyResponse> {
        header: ResponseHeader {
            device_id: device_id.to_owned(),
            request_uid: request_uid.to_owned(),
            function: function.to_owned(),
            function_version: function_version.to_owned(),
            response_uid,
        },
        body: Err(failure.into_response()),
    };
    encode(shared, &response)
}

/// The mock's answer to a request it could not decode (§3.3, E9–E12).
fn undecodable(error: &RequestDecodeError) -> Failure {
    let kind = &error.error.kind;
    match kind {
        DecodeErrorKind::UnexpectedRoot { found, .. } => Failure::root(found),
        DecodeErrorKind::Missing { name } if error.error.path == REQUEST_ROOT => {
            Failure::missing(name)
        }
        DecodeErrorKind::UnknownFunction { name } => Failure::unknown_function(name),
        DecodeErrorKind::InvalidValue { .. } if error.error.path.contains("OutputScheme") => {
            Failure::coding_scheme(&error.error.to_string())
        }
        _ => Failure::malformed(&error.error.to_string()),
    }
}

/// `1`, `1.0`, `1.00`: the only version there is.
fn is_supported_version(version: &str) -> bool {
    version
        .trim()
        .parse::<f64>()
        .is_ok_and(|v| (v - 1.0).abs() < f64::EPSILON)
}

/// An `OutputScheme` value SystmOne does not support (E12). The codec
/// keeps unknown values (`Read2`, `BNF`) as `Other` rather than failing,
/// so the check is made here.
fn unsupported_output_scheme(header: &crate::proto::RequestHeader) -> Option<&str> {
    let scheme = header.output_scheme.as_ref()?;
    if let Some(crate::proto::DrugScheme::Other(value)) = &scheme.drugs {
        return Some(value);
    }
    if let Some(crate::proto::CodeScheme::Other(value)) = &scheme.codes {
        return Some(value);
    }
    None
}

struct Logged {
    number: u64,
    call: u64,
    received: chrono::NaiveDateTime,
    arrived: tokio::time::Instant,
}

fn record(
    shared: &Shared,
    logged: &Logged,
    connection: u64,
    request: Option<Request<AnyRequest>>,
    decode_error: Option<String>,
    outcome: RequestOutcome,
) {
    let mut log = lock(&shared.log);
    log.requests.push(ReceivedRequest {
        number: logged.number,
        connection,
        received: logged.received,
        arrived: logged.arrived,
        request,
        decode_error,
        outcome,
    });
}

/// Handles one complete document.
async fn process(shared: &Arc<Shared>, connection: u64, document: Bytes) -> Reply {
    let started = tokio::time::Instant::now();
    let received = shared.clock.now();
    let decoded = decode_request(&document);
    let function = match &decoded {
        Ok(request) => request.parameters().function_name(),
        Err(_) => "",
    };
    let logged = {
        let mut log = lock(&shared.log);
        log.received += 1;
        let number = log.received;
        let call = if function.is_empty() {
            0
        } else {
            let count = log.counts.entry(function).or_default();
            *count += 1;
            *count
        };
        Logged {
            number,
            call,
            received,
            arrived: started,
        }
    };
    let request = match decoded {
        Ok(request) => request,
        Err(error) => {
            let failure = undecodable(&error);
            tracing::info!(request = logged.number, at = %error.error.path, "request could not be decoded");
            tracing::debug!(request = logged.number, error = %error.error, "decode error");
            let bytes = error_answer(
                shared,
                "",
                error.request_uid.as_deref().unwrap_or(""),
                error.function.as_deref().unwrap_or(""),
                error.function_version.as_deref().unwrap_or(""),
                failure.clone(),
            );
            record(
                shared,
                &logged,
                connection,
                None,
                Some(error.error.to_string()),
                RequestOutcome::Error {
                    message: failure.message,
                    permanent: failure.permanent,
                },
            );
            return Reply::Answer(bytes);
        }
    };
    let (reply, outcome) = run(shared, &request, &logged, connection).await;
    // Error texts can name a patient's identifier: only their kind at info.
    let summary = match &outcome {
        RequestOutcome::Answered => "answered",
        RequestOutcome::Error {
            permanent: true, ..
        } => "permanent error",
        RequestOutcome::Error { .. } => "temporary error",
        RequestOutcome::Throttled => "throttled (no response)",
        RequestOutcome::Faulted(_) => "injected fault",
    };
    tracing::info!(
        request = logged.number,
        connection,
        function,
        request_uid = %request.header.request_uid,
        outcome = summary,
        elapsed_ms = started.elapsed().as_millis() as u64,
        "request"
    );
    tracing::debug!(request = logged.number, outcome = ?outcome, "request outcome");
    record(shared, &logged, connection, Some(request), None, outcome);
    reply
}

/// Throttle, faults, pairing and the function itself.
async fn run(
    shared: &Arc<Shared>,
    request: &Request<AnyRequest>,
    logged: &Logged,
    connection: u64,
) -> (Reply, RequestOutcome) {
    let header = &request.header;
    let answer_error = |device_id: &str, failure: Failure| {
        let outcome = RequestOutcome::Error {
            message: failure.message.clone(),
            permanent: failure.permanent,
        };
        let bytes = error_answer(
            shared,
            device_id,
            &header.request_uid,
            request.function(),
            &header.function_version,
            failure,
        );
        (Reply::Answer(bytes), outcome)
    };
    if !is_supported_version(&header.function_version) {
        return answer_error(
            header.device_id.trim(),
            Failure::version(request.function(), header.function_version.trim()),
        );
    }
    if let Some(value) = unsupported_output_scheme(header) {
        return answer_error(header.device_id.trim(), Failure::coding_scheme(value));
    }
    let function = request.parameters().function_name();
    let arrival = Arrival {
        request: logged.number,
        function,
        call: logged.call,
        connection,
    };

    // A stall keeps this connection waiting, not the others: it comes
    // before the global turn.
    let stall = lock(&shared.faults).take_stall(&arrival);
    if !stall.is_zero() {
        tokio::time::sleep(stall).await;
    }

    let full_record = match request.parameters() {
        AnyRequest::GetPatientRecord(p) => !p
            .filter
            .as_ref()
            .is_some_and(|f| f.exempt_by_systmone(shared.clock.now().date())),
        _ => false,
    };
    let turn = match shared.throttle.admit(full_record).await {
        Ok(turn) => turn,
        Err(Refusal::Rate | Refusal::RecordLimit(OverRecordLimitPolicy::NoResponse)) => {
            tracing::info!(
                request = logged.number,
                function,
                "throttled: not processed, no response"
            );
            return (Reply::Nothing, RequestOutcome::Throttled);
        }
        Err(Refusal::RecordLimit(_)) => {
            return answer_error(
                header.device_id.trim(),
                Failure {
                    message:
                        "GetPatientRecord may be called only once every 30 seconds; try again later"
                            .into(),
                    permanent: false,
                },
            );
        }
    };

    let planned = lock(&shared.faults).take(&arrival);
    if !planned.delay.is_zero() {
        tokio::time::sleep(planned.delay).await;
    }
    let fault = planned.fault;
    match &fault {
        Some(Fault::NoResponse) => {
            return (Reply::Nothing, RequestOutcome::Faulted(Fault::NoResponse));
        }
        Some(Fault::DropBeforeProcessing) => {
            return (
                Reply::Close(Bytes::new()),
                RequestOutcome::Faulted(Fault::DropBeforeProcessing),
            );
        }
        Some(Fault::TransientError) => {
            return answer_error(header.device_id.trim(), Failure::injected_transient());
        }
        Some(Fault::PermanentError) => {
            return answer_error(header.device_id.trim(), Failure::injected_permanent());
        }
        Some(Fault::RecordOpen) => {
            return answer_error(header.device_id.trim(), Failure::record_in_use());
        }
        Some(Fault::MessagingSettings) => {
            return answer_error(header.device_id.trim(), Failure::messaging_settings());
        }
        _ => {}
    }

    // The product and the device.
    let software = match &shared.settings.api_keys {
        None => shared.settings.default_software.clone(),
        Some(keys) => match keys.get(header.api_key.trim()) {
            Some(software) => software.clone(),
            None => return answer_error(header.device_id.trim(), Failure::unrecognised_api_key()),
        },
    };
    let device = {
        let mut practice = lock(&shared.practice);
        let practice = &mut *practice;
        practice
            .devices
            .authorise(
                header.api_key.trim(),
                &header.device_id,
                &header.device_version,
                &mut practice.rng,
            )
            .map(|id| {
                let visible = practice
                    .devices
                    .get(&id)
                    .is_some_and(|d| d.online_visible_default);
                (id, visible)
            })
    };
    let (device_id, online_visible) = match device {
        Ok(device) => device,
        Err(failure) => return answer_error(header.device_id.trim(), failure),
    };
    let caller = Caller {
        api_key: header.api_key.trim().to_owned(),
        device_id: device_id.clone(),
        software,
        online_visible,
    };

    let parameters = match &fault {
        Some(Fault::AnswerOpen) => {
            std::borrow::Cow::Owned(handlers::leaving_record_open(request.parameters()))
        }
        _ => std::borrow::Cow::Borrowed(request.parameters()),
    };

    if let Some(Fault::LandLate(after)) = fault {
        // The files are read now: the sender may delete them once it has
        // given up on the answer.
        let parameters = parameters.into_owned();
        let files = if handlers::touches_files(&parameters) {
            let request = parameters.clone();
            tokio::task::spawn_blocking(move || handlers::prefetch_files(&request))
                .await
                .unwrap_or_else(|_| Err(Failure::injected_permanent()))
        } else {
            Ok(Files::new())
        };
        drop(turn);
        tracing::info!(
            request = logged.number,
            function,
            after_ms = after.as_millis() as u64,
            "closing without an answer; the request will be processed later"
        );
        tokio::spawn(land_late(
            shared.clone(),
            caller,
            header.request_uid.clone(),
            parameters,
            files,
            after,
        ));
        return (
            Reply::Close(Bytes::new()),
            RequestOutcome::Faulted(Fault::LandLate(after)),
        );
    }

    let work = Work {
        files: None,
        event_limit: match fault {
            Some(Fault::PartialCommit(n) | Fault::ShortAnswer(n)) => Some(n),
            _ => None,
        },
    };
    let handled = run_handler(shared, caller, &header.request_uid, parameters, work).await;
    drop(turn);
    // A partial commit wrote what it wrote, and says it failed.
    let handled = match (&fault, handled) {
        (Some(Fault::PartialCommit(_)), Ok(_)) => Err(Failure::injected_transient()),
        (_, handled) => handled,
    };

    let (bytes, aftermath, outcome) = match handled {
        Ok((answer, aftermath)) => {
            let response_uid = response_uid(&mut lock(&shared.practice));
            let response = Response {
                header: ResponseHeader {
                    device_id,
                    request_uid: header.request_uid.clone(),
                    function: request.function().to_owned(),
                    function_version: FUNCTION_VERSION.to_owned(),
                    response_uid,
                },
                body: Ok(answer),
            };
            (
                encode(shared, &response),
                aftermath,
                RequestOutcome::Answered,
            )
        }
        Err(failure) => match answer_error(&device_id, failure) {
            (Reply::Answer(bytes), outcome) => (bytes, Aftermath::None, outcome),
            (_, outcome) => (Bytes::new(), Aftermath::None, outcome),
        },
    };
    // Faults that strike after processing apply to error answers too.
    match fault {
        Some(Fault::DropAfterProcessing) => (
            Reply::Close(Bytes::new()),
            RequestOutcome::Faulted(Fault::DropAfterProcessing),
        ),
        Some(Fault::TruncatedResponse) => {
            let half = bytes.slice(..bytes.len() / 2);
            (
                Reply::Close(half),
                RequestOutcome::Faulted(Fault::TruncatedResponse),
            )
        }
        Some(Fault::GarbageResponse) => (
            Reply::Close(Bytes::from_static(b"\x00\xff<<< this is not XML \xfe>\n")),
            RequestOutcome::Faulted(Fault::GarbageResponse),
        ),
        _ => match aftermath {
            Aftermath::None => (Reply::Answer(bytes), outcome),
            Aftermath::Exit { restart } => (Reply::Exit(bytes, restart), outcome),
        },
    }
}

/// How a request is to be handled beyond its parameters.
#[derive(Debug, Default)]
struct Work {
    /// The files it names, read earlier (`None`: read them now).
    files: Option<Result<Files, Failure>>,
    /// Write at most this many events.
    event_limit: Option<usize>,
}

/// Runs the handler, off the async threads when it touches files.
async fn run_handler(
    shared: &Arc<Shared>,
    caller: Caller,
    request_uid: &str,
    parameters: std::borrow::Cow<'_, AnyRequest>,
    work: Work,
) -> Result<(AnyResponse, Aftermath), Failure> {
    // An update whose files were read already needs no file system.
    let read_ahead =
        work.files.is_some() && matches!(*parameters, AnyRequest::UpdatePatientRecord(_));
    if handlers::touches_files(&parameters) && !read_ahead {
        let shared = shared.clone();
        let parameters = parameters.into_owned();
        let request_uid = request_uid.to_owned();
        tokio::task::spawn_blocking(move || {
            handle(&shared, &caller, &request_uid, &parameters, &work)
        })
        .await
        .unwrap_or_else(|error| {
            tracing::error!(%error, "the mock's handler failed: a bug in the mock");
            Err(Failure::mock_bug(&error.to_string()))
        })
    } else {
        handle(shared, &caller, request_uid, &parameters, &work)
    }
}

fn handle(
    shared: &Shared,
    caller: &Caller,
    request_uid: &str,
    parameters: &AnyRequest,
    work: &Work,
) -> Result<(AnyResponse, Aftermath), Failure> {
    let mut practice = lock(&shared.practice);
    let mut ctx = Ctx {
        practice: &mut practice,
        now: shared.clock.now(),
        instant: tokio::time::Instant::now(),
        request_uid,
        caller,
        settings: &shared.handler_settings,
        files: work.files.as_ref(),
        event_limit: work.event_limit,
    };
    handlers::handle(&mut ctx, parameters)
}

/// [`Fault::LandLate`]: processes a request `after` it was received, on
/// the mock's own, with the files read when it was received. Its answer
/// (and an ExitClient's effect) goes nowhere.
async fn land_late(
    shared: Arc<Shared>,
    caller: Caller,
    request_uid: String,
    parameters: AnyRequest,
    files: Result<Files, Failure>,
    after: Duration,
) {
    let mut stop = shared.stop.subscribe();
    tokio::select! {
        () = tokio::time::sleep(after) => {}
        () = stopped(&mut stop) => return,
    }
    let function = parameters.function_name();
    let work = Work {
        files: Some(files),
        event_limit: None,
    };
    let parameters = std::borrow::Cow::Owned(parameters);
    match run_handler(&shared, caller, &request_uid, parameters, work).await {
        Ok(_) => tracing::info!(function, request_uid, "a late request landed"),
        Err(failure) => tracing::info!(
            function,
            request_uid,
            permanent = failure.permanent,
            "a late request failed when it landed; nothing changed"
        ),
    }
}
