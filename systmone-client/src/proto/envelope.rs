//! The envelope around every request and response (PROTOCOL.md §2–§3),
//! and the entry points that turn whole documents into typed values and
//! back.

use std::fmt;

use bytes::Bytes;

use super::functions::{AnyRequest, AnyResponse, Function, canonical_function_name};
use super::xml::Element;
use super::xml::macros::xml_struct;
use super::xml::{
    DecodeError, DecodeErrorKind, EncodeError, EncodeOptions, Tag, WriteXml, XmlReader, XmlValue,
    XmlWriter,
};
use super::{CodeScheme, DrugScheme};

/// The root element of every request.
pub const REQUEST_ROOT: &str = "ClientIntegrationRequest";
/// The root element of every response.
pub const RESPONSE_ROOT: &str = "ClientIntegrationResponse";
/// The only function version SystmOne has today.
pub const FUNCTION_VERSION: &str = "1.0";

xml_struct! {
    /// Which coding schemes SystmOne should use in a response (§2.2).
    #[derive(Default)]
    pub struct OutputScheme {
        /// `Multilex` (SystmOne's default) or `Dmd`.
        opt drugs: DrugScheme = "Drugs",
        /// `CTV3` (SystmOne's default) or `Snomed`.
        opt codes: CodeScheme = "Codes",
    }
}

/// The envelope fields of a request, other than the function and its
/// parameters. `Debug` and serde never show the API key.
#[derive(Clone, PartialEq, serde::Serialize)]
pub struct RequestHeader {
    /// The product's key issued by TPP.
    #[serde(serialize_with = "redacted")]
    pub api_key: String,
    /// This installation's ID issued by SystmOne; empty on first contact
    /// (which asks the user to approve the device, §4).
    pub device_id: String,
    /// The software's version text, shown on the approval dialog.
    pub device_version: String,
    /// Unique per request; echoed back byte for byte.
    pub request_uid: String,
    /// The function version; `1.0` for every function today.
    pub function_version: String,
    /// Coding schemes for the response; absent means SystmOne's defaults.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub output_scheme: Option<OutputScheme>,
}

/// Empty credentials and ids, and function version `1.0` (the only one).
impl Default for RequestHeader {
    fn default() -> Self {
        Self {
            api_key: String::new(),
            device_id: String::new(),
            device_version: String::new(),
            request_uid: String::new(),
            function_version: FUNCTION_VERSION.to_owned(),
            output_scheme: None,
        }
    }
}

fn redacted<S: serde::Serializer>(_: &str, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str("<redacted>")
}

impl fmt::Debug for RequestHeader {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RequestHeader")
            .field("api_key", &"<redacted>")
            .field("device_id", &self.device_id)
            .field("device_version", &self.device_version)
            .field("request_uid", &self.request_uid)
            .field("function_version", &self.function_version)
            .field("output_scheme", &self.output_scheme)
            .finish()
    }
}

/// A request: envelope, function name and typed parameters.
///
/// ```
/// use systmone_client::proto::{encode_request, IsPatientRetrieved, Request, RequestHeader};
///
/// let header = RequestHeader {
///     api_key: "0a1b2c3d4e5f6071".into(),
///     device_id: "8e7d6c5b4a392817".into(),
///     device_version: "AcmeVitals 2.3.1".into(),
///     request_uid: "3f2a9c1e-7b44-4d0a-9e61-5c2b8f7d1a90".into(),
///     function_version: "1.0".into(),
///     output_scheme: None,
/// };
/// let request = Request::new(header, IsPatientRetrieved::default());
/// let bytes = encode_request(&request, Default::default())?;
/// assert!(bytes.starts_with(b"<ClientIntegrationRequest><APIKey>0a1b2c3d4e5f6071</APIKey>"));
/// assert!(bytes.ends_with(b"<Function>IsPatientRetrieved</Function><FunctionVersion>1.0</FunctionVersion><FunctionParameters/></ClientIntegrationRequest>"));
/// # Ok::<(), systmone_client::proto::EncodeError>(())
/// ```
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Request<P> {
    /// The envelope.
    pub header: RequestHeader,
    function: String,
    parameters: P,
}

impl<P: Function> Request<P> {
    /// A request for the function `P`.
    pub fn new(header: RequestHeader, parameters: P) -> Self {
        Self {
            header,
            function: P::NAME.to_owned(),
            parameters,
        }
    }

    /// The parameters, to change before sending (the function cannot
    /// change: it is the type's).
    pub fn parameters_mut(&mut self) -> &mut P {
        &mut self.parameters
    }
}

impl Request<AnyRequest> {
    /// A request for any function, e.g. one decoded by a server.
    pub fn any(header: RequestHeader, parameters: AnyRequest) -> Self {
        Self {
            header,
            function: parameters.function_name().to_owned(),
            parameters,
        }
    }
}

impl<P> Request<P> {
    /// The `Function` element as sent (a decoded request keeps the spelling
    /// received, e.g. `DeleteFromPatientRecord`, so a server can echo it).
    pub fn function(&self) -> &str {
        &self.function
    }

    /// The function's parameters. (A `Request<AnyRequest>` offers no
    /// mutable access: replacing them with another function's would send a
    /// `Function` that does not match them.)
    pub fn parameters(&self) -> &P {
        &self.parameters
    }

    /// The function's parameters, taking the request apart.
    pub fn into_parameters(self) -> P {
        self.parameters
    }
}

/// The envelope fields of a response.
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize)]
pub struct ResponseHeader {
    /// The device ID SystmOne holds for this installation (newly issued on
    /// first contact: store it).
    pub device_id: String,
    /// The request's `RequestUID`, echoed.
    pub request_uid: String,
    /// The request's `Function`, echoed.
    pub function: String,
    /// The version executed.
    pub function_version: String,
    /// SystmOne's own ID for this response.
    pub response_uid: String,
}

/// SystmOne refused or failed the request (§3.2).
///
/// Read leniently, because losing an error is worse than misreading its
/// flag: `PermanentError` may be `true`/`false` in any case, `1`/`0` or
/// `yes`/`no`; anything else (or nothing) is `None`, treated as permanent.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct ErrorResponse {
    /// What went wrong, in SystmOne's words (do not branch on the text).
    pub message: String,
    /// `true`: the same request will fail again. `false`: temporary, retry
    /// later. `None` (absent or unreadable) is treated as permanent.
    pub permanent: Option<bool>,
}

impl XmlValue for ErrorResponse {
    fn read<'a>(reader: &mut XmlReader<'a>, tag: Tag<'a>) -> Result<Self, DecodeError> {
        let mut error = ErrorResponse {
            message: String::new(),
            permanent: None,
        };
        while let Some(child) = reader.next_child(&tag)? {
            if child.is("ErrorMessage") {
                error.message = reader.text(child)?;
            } else if child.is("PermanentError") {
                let text = reader.text(child)?.trim().to_ascii_lowercase();
                error.permanent = match text.as_str() {
                    "true" | "1" | "yes" => Some(true),
                    "false" | "0" | "no" => Some(false),
                    _ => None,
                };
            } else {
                reader.skip(child)?;
            }
        }
        Ok(error)
    }

    fn write(&self, name: &'static str, w: &mut XmlWriter) {
        w.start(name);
        w.text_element("ErrorMessage", &self.message);
        if let Some(permanent) = self.permanent {
            w.text_element("PermanentError", if permanent { "true" } else { "false" });
        }
        w.end();
    }
}

#[cfg(any(test, feature = "proptest"))]
impl super::strategy::XmlArbitrary for ErrorResponse {
    fn xml_strategy() -> proptest::strategy::BoxedStrategy<Self> {
        use proptest::prelude::*;
        (
            super::strategy::xml_text(),
            proptest::option::of(any::<bool>()),
        )
            .prop_map(|(message, permanent)| ErrorResponse { message, permanent })
            .boxed()
    }
}

impl ErrorResponse {
    /// Whether retrying the same request cannot help (absent counts as
    /// permanent, the safe reading).
    pub fn is_permanent(&self) -> bool {
        self.permanent.unwrap_or(true)
    }
}

/// A response: envelope, and either the function's answer or an error.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Response<R> {
    /// The envelope.
    pub header: ResponseHeader,
    /// The answer, or SystmOne's error.
    pub body: Result<R, ErrorResponse>,
}

/// A request that could not be decoded, with what could be recovered of its
/// envelope so that a server can still answer it (§3.3).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{error}")]
pub struct RequestDecodeError {
    /// What was wrong.
    pub error: DecodeError,
    /// The `RequestUID`, if it was read.
    pub request_uid: Option<String>,
    /// The `Function` as sent, if it was read.
    pub function: Option<String>,
    /// The `FunctionVersion`, if it was read.
    pub function_version: Option<String>,
}

/// Either kind of document, as [`decode_document`] recognised it by its root.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[allow(clippy::large_enum_variant)]
pub enum AnyDocument {
    /// A request.
    Request(Request<AnyRequest>),
    /// A response.
    Response(Response<AnyResponse>),
}

/// Writes a request as one line of XML (no trailing newline; the framing
/// codec adds it).
pub fn encode_request<P: WriteXml>(
    request: &Request<P>,
    options: EncodeOptions,
) -> Result<Bytes, EncodeError> {
    // A request is always one line (§1.7), whatever `options` says.
    let options = EncodeOptions {
        raw_line_breaks: false,
        ..options
    };
    let mut w = XmlWriter::new(options);
    w.start(REQUEST_ROOT);
    let h = &request.header;
    w.text_element("APIKey", &h.api_key);
    w.text_element("DeviceID", &h.device_id);
    w.text_element("DeviceVersion", &h.device_version);
    w.text_element("RequestUID", &h.request_uid);
    w.text_element("Function", &request.function);
    w.text_element("FunctionVersion", &h.function_version);
    if let Some(scheme) = &h.output_scheme {
        scheme.write("OutputScheme", &mut w);
    }
    request.parameters.write_xml("FunctionParameters", &mut w);
    w.end();
    w.finish().map(Bytes::from)
}

/// Writes a response as one line of XML (no trailing newline), or with raw
/// line breaks in text when `options.raw_line_breaks` is set (SystmOne's own
/// habit, for a faithful mock). The NHS number element is always
/// `NHSNumber`, whatever `options` says.
pub fn encode_response<R: WriteXml>(
    response: &Response<R>,
    options: EncodeOptions,
) -> Result<Bytes, EncodeError> {
    // Responses always say `NHSNumber` (§6.3); the casing option is for
    // requests to an S1 that might want `NhsNumber`.
    let options = EncodeOptions {
        nhs_number_casing: super::NhsNumberCasing::Schema,
        ..options
    };
    let mut w = XmlWriter::new(options).for_response();
    w.start(RESPONSE_ROOT);
    let h = &response.header;
    w.text_element("DeviceID", &h.device_id);
    w.text_element("RequestUID", &h.request_uid);
    w.text_element("Function", &h.function);
    w.text_element("FunctionVersion", &h.function_version);
    w.text_element("ResponseUID", &h.response_uid);
    match &response.body {
        Ok(answer) => answer.write_xml("Response", &mut w),
        Err(error) => error.write("Response", &mut w),
    }
    w.end();
    w.finish().map(Bytes::from)
}

/// Reads the root element and checks its name.
fn open<'a>(reader: &mut XmlReader<'a>, root: &'static str) -> Result<Tag<'a>, DecodeError> {
    let tag = reader.root()?;
    if tag.is(root) {
        Ok(tag)
    } else {
        let found = tag.name().to_owned();
        Err(reader.error(DecodeErrorKind::UnexpectedRoot {
            expected: root,
            found,
        }))
    }
}

fn trimmed_text<'a>(reader: &mut XmlReader<'a>, tag: Tag<'a>) -> Result<String, DecodeError> {
    Ok(reader.text(tag)?.trim().to_owned())
}

/// Decodes a request of any function (what a server does). Envelope
/// elements may come in any order and ASCII case; `FunctionParameters` may
/// be missing (no parameters).
pub fn decode_request(document: &[u8]) -> Result<Request<AnyRequest>, Box<RequestDecodeError>> {
    let mut partial = RequestDecodeError {
        error: DecodeError {
            kind: DecodeErrorKind::Missing { name: "Function" },
            path: String::new(),
            offset: 0,
        },
        request_uid: None,
        function: None,
        function_version: None,
    };
    match read_request(document, &mut partial) {
        Ok(request) => Ok(request),
        Err(error) => {
            partial.error = error;
            Err(Box::new(partial))
        }
    }
}

fn read_request(
    document: &[u8],
    partial: &mut RequestDecodeError,
) -> Result<Request<AnyRequest>, DecodeError> {
    let mut reader = XmlReader::new(document);
    let root = open(&mut reader, REQUEST_ROOT)?;
    let mut header = RequestHeader::default();
    let (mut api_key, mut device_id, mut device_version) = (None, None, None);
    let mut parameters: Option<(XmlReader<'_>, Tag<'_>)> = None;
    while let Some(child) = reader.next_child(&root)? {
        if child.is("APIKey") {
            api_key = Some(trimmed_text(&mut reader, child)?);
        } else if child.is("DeviceID") {
            device_id = Some(trimmed_text(&mut reader, child)?);
        } else if child.is("DeviceVersion") {
            device_version = Some(reader.text(child)?);
        } else if child.is("RequestUID") {
            partial.request_uid = Some(reader.text(child)?);
        } else if child.is("Function") {
            partial.function = Some(trimmed_text(&mut reader, child)?);
        } else if child.is("FunctionVersion") {
            partial.function_version = Some(trimmed_text(&mut reader, child)?);
        } else if child.is("OutputScheme") {
            header.output_scheme = Some(OutputScheme::read(&mut reader, child)?);
        } else if child.is("FunctionParameters") {
            // Decoded once the function is known (it may come later).
            parameters = Some((reader.clone(), child.clone()));
            reader.skip(child)?;
        } else {
            reader.skip(child)?;
        }
    }
    reader.finish()?;
    let missing = |name| missing_in(REQUEST_ROOT, name);
    header.api_key = api_key.ok_or_else(|| missing("APIKey"))?;
    header.device_id = device_id.ok_or_else(|| missing("DeviceID"))?;
    header.device_version = device_version.ok_or_else(|| missing("DeviceVersion"))?;
    header.request_uid = partial
        .request_uid
        .clone()
        .ok_or_else(|| missing("RequestUID"))?;
    header.function_version = partial
        .function_version
        .clone()
        .ok_or_else(|| missing("FunctionVersion"))?;
    let function = partial
        .function
        .clone()
        .ok_or_else(|| missing("Function"))?;
    let Some(name) = canonical_function_name(&function) else {
        return Err(DecodeError {
            kind: DecodeErrorKind::UnknownFunction { name: function },
            path: format!("{REQUEST_ROOT}/Function"),
            offset: 0,
        });
    };
    let parameters = match parameters {
        Some((mut params_reader, tag)) => {
            AnyRequest::read(name, &mut params_reader, tag).unwrap_or_else(|| unknown(name))?
        }
        None => {
            // No FunctionParameters: read the parameters of an empty element.
            let mut empty = XmlReader::new(b"<FunctionParameters/>");
            let tag = empty.root()?;
            AnyRequest::read(name, &mut empty, tag).unwrap_or_else(|| unknown(name))?
        }
    };
    Ok(Request {
        header,
        function,
        parameters,
    })
}

/// A required envelope element `name` is missing from `root`.
fn missing_in(root: &str, name: &'static str) -> DecodeError {
    DecodeError {
        kind: DecodeErrorKind::Missing { name },
        path: root.to_owned(),
        offset: 0,
    }
}

fn unknown<T>(name: &str) -> Result<T, DecodeError> {
    Err(DecodeError {
        kind: DecodeErrorKind::UnknownFunction {
            name: name.to_owned(),
        },
        path: String::new(),
        offset: 0,
    })
}

/// Decodes the response to a request for `P` (what a client does). A
/// response naming another function is still decoded by its envelope; the
/// client compares `function` and `request_uid` with what it sent.
pub fn decode_response<P: Function>(document: &[u8]) -> Result<Response<P::Response>, DecodeError> {
    read_response(document, |_, reader, tag| P::Response::read(reader, tag))
}

/// Decodes a response of any function (for tools), choosing the answer's
/// type from the `Function` element; the answer of a function this SDK does
/// not know is kept as [`AnyResponse::Unknown`].
pub fn decode_any_response(document: &[u8]) -> Result<Response<AnyResponse>, DecodeError> {
    read_response(
        document,
        |function, reader, tag| match canonical_function_name(function) {
            Some(name) => AnyResponse::read(name, reader, tag).unwrap_or_else(|| unknown(name)),
            None => Element::read(reader, tag).map(AnyResponse::Unknown),
        },
    )
}

/// What a client needs to know of a response before handing its answer to
/// the caller (see [`peek_response`]).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ResponsePeek {
    /// `DeviceID` (empty when absent).
    pub device_id: String,
    /// `RequestUID`, as sent back.
    pub request_uid: String,
    /// `Function`, trimmed.
    pub function: String,
    /// SystmOne's error, when the answer is one.
    pub error: Option<ErrorResponse>,
}

/// Reads a response's `DeviceID`, `RequestUID`, `Function`, and whether
/// its answer is an error, and stops: a successful answer, which can be
/// megabytes, is left for [`decode_response`]. SystmOne sends the envelope
/// first, so the cost does not grow with the answer (elements in another
/// order are still found).
///
/// ```
/// use systmone_client::proto::peek_response;
///
/// let document = b"<ClientIntegrationResponse><DeviceID>8e7d6c5b4a392817</DeviceID>\
///     <RequestUID>3f2a</RequestUID><Function>PatientSearch</Function>\
///     <FunctionVersion>1.0</FunctionVersion><ResponseUID>0B7E</ResponseUID><Response>\
///     <ErrorMessage>At least two search parameters must be specified</ErrorMessage>\
///     <PermanentError>true</PermanentError></Response></ClientIntegrationResponse>";
/// let peek = peek_response(document)?;
/// assert_eq!((peek.request_uid.as_str(), peek.function.as_str()), ("3f2a", "PatientSearch"));
/// assert!(peek.error.unwrap().is_permanent());
/// # Ok::<(), systmone_client::proto::DecodeError>(())
/// ```
pub fn peek_response(document: &[u8]) -> Result<ResponsePeek, DecodeError> {
    let mut reader = XmlReader::new(document);
    let root = open(&mut reader, RESPONSE_ROOT)?;
    let mut peek = ResponsePeek::default();
    let (mut request_uid, mut function) = (false, false);
    let mut answer: Option<(XmlReader<'_>, Tag<'_>)> = None;
    while let Some(child) = reader.next_child(&root)? {
        if child.is("DeviceID") {
            peek.device_id = trimmed_text(&mut reader, child)?;
        } else if child.is("RequestUID") && !request_uid {
            peek.request_uid = reader.text(child)?;
            request_uid = true;
        } else if child.is("Function") && !function {
            peek.function = trimmed_text(&mut reader, child)?;
            function = true;
        } else if child.is("Response") && answer.is_none() {
            answer = Some((reader.clone(), child.clone()));
            if request_uid && function {
                break;
            }
            reader.skip(child)?;
        } else {
            reader.skip(child)?;
        }
    }
    if !request_uid {
        return Err(missing_in(RESPONSE_ROOT, "RequestUID"));
    }
    if !function {
        return Err(missing_in(RESPONSE_ROOT, "Function"));
    }
    let Some((mut reader, tag)) = answer else {
        return Err(missing_in(RESPONSE_ROOT, "Response"));
    };
    if reader.has_child_within(&tag, &["ErrorMessage", "PermanentError"], ERROR_PEEK_BYTES) {
        peek.error = Some(ErrorResponse::read(&mut reader, tag)?);
    }
    Ok(peek)
}

/// Decodes a request or a response, recognised by its root element.
pub fn decode_document(document: &[u8]) -> Result<AnyDocument, DecodeError> {
    let mut reader = XmlReader::new(document);
    let root = reader.root()?;
    if root.is(RESPONSE_ROOT) {
        decode_any_response(document).map(AnyDocument::Response)
    } else if root.is(REQUEST_ROOT) {
        decode_request(document)
            .map(AnyDocument::Request)
            .map_err(|e| e.error)
    } else {
        let found = root.name().to_owned();
        Err(reader.error(DecodeErrorKind::UnexpectedRoot {
            expected: "ClientIntegrationRequest or ClientIntegrationResponse",
            found,
        }))
    }
}

type BodyReader<'f, R> =
    dyn for<'a> FnMut(&str, &mut XmlReader<'a>, Tag<'a>) -> Result<R, DecodeError> + 'f;

fn read_response<R>(
    document: &[u8],
    mut body: impl for<'a> FnMut(&str, &mut XmlReader<'a>, Tag<'a>) -> Result<R, DecodeError>,
) -> Result<Response<R>, DecodeError> {
    let read_body: &mut BodyReader<'_, R> = &mut body;
    let mut reader = XmlReader::new(document);
    let root = open(&mut reader, RESPONSE_ROOT)?;
    let mut header = ResponseHeader::default();
    let (mut request_uid, mut function) = (None, None);
    let mut answer: Option<Result<R, ErrorResponse>> = None;
    let mut deferred: Option<(XmlReader<'_>, Tag<'_>)> = None;
    while let Some(child) = reader.next_child(&root)? {
        if child.is("DeviceID") {
            header.device_id = trimmed_text(&mut reader, child)?;
        } else if child.is("RequestUID") {
            request_uid = Some(reader.text(child)?);
        } else if child.is("Function") {
            // The first wins: the body is decoded as the function it names.
            let name = trimmed_text(&mut reader, child)?;
            function.get_or_insert(name);
        } else if child.is("FunctionVersion") {
            header.function_version = trimmed_text(&mut reader, child)?;
        } else if child.is("ResponseUID") {
            header.response_uid = trimmed_text(&mut reader, child)?;
        } else if child.is("Response") {
            match &function {
                Some(name) => answer = Some(read_answer(name, &mut reader, child, read_body)?),
                None => {
                    // The function is not known yet: come back to it.
                    deferred = Some((reader.clone(), child.clone()));
                    reader.skip(child)?;
                }
            }
        } else {
            reader.skip(child)?;
        }
    }
    reader.finish()?;
    let missing = |name| missing_in(RESPONSE_ROOT, name);
    header.request_uid = request_uid.ok_or_else(|| missing("RequestUID"))?;
    header.function = function.ok_or_else(|| missing("Function"))?;
    let body = match (answer, deferred) {
        (Some(answer), _) => answer,
        (None, Some((mut later, tag))) => {
            read_answer(&header.function, &mut later, tag, read_body)?
        }
        (None, None) => return Err(missing("Response")),
    };
    Ok(Response { header, body })
}

/// How far into `Response` to look for `ErrorMessage`: error responses are
/// small, so an `ErrorMessage` further in than this is not one, and a
/// multi-megabyte answer is never scanned twice.
const ERROR_PEEK_BYTES: u64 = 64 * 1024;

/// Reads `Response`: an error when it has an `ErrorMessage` or
/// `PermanentError` child (§3.2; looked for on a cheap clone of the reader,
/// within its first 64 KiB, so elements SystmOne may add before them do not
/// hide an error), otherwise the function's answer.
fn read_answer<'a, R>(
    function: &str,
    reader: &mut XmlReader<'a>,
    tag: Tag<'a>,
    read_body: &mut BodyReader<'_, R>,
) -> Result<Result<R, ErrorResponse>, DecodeError> {
    let is_error =
        reader.has_child_within(&tag, &["ErrorMessage", "PermanentError"], ERROR_PEEK_BYTES);
    if is_error {
        ErrorResponse::read(reader, tag).map(Err)
    } else {
        read_body(function, reader, tag).map(Ok)
    }
}
