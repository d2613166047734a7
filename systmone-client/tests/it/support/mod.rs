//! A small test client built on the codec alone: one connection, one
//! request at a time, no throttle of its own, so tests see exactly what
//! the mock does.
#![allow(dead_code, unreachable_pub, clippy::unwrap_used)]

use std::net::SocketAddr;
use std::time::Duration;

use bytes::{Bytes, BytesMut};
use systmone_client::proto::{
    DocumentCodec, EncodeOptions, ErrorResponse, Function, Request, RequestHeader, Response,
    decode_response, encode_request,
};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::TcpStream;
use tokio_util::codec::Decoder as _;

pub struct TestClient {
    stream: TcpStream,
    codec: DocumentCodec,
    buffer: BytesMut,
    pub api_key: String,
    pub device_id: String,
    pub device_version: String,
    sent: u64,
}

impl TestClient {
    pub async fn connect(addr: SocketAddr) -> Self {
        Self {
            stream: {
                let stream = TcpStream::connect(addr).await.unwrap();
                // Without it, a request written after one the mock dropped
                // silently waits for the delayed ACK (Nagle), which paused
                // time never reaches.
                stream.set_nodelay(true).unwrap();
                stream
            },
            codec: DocumentCodec::new(),
            buffer: BytesMut::new(),
            api_key: "TEST-API-KEY".into(),
            device_id: String::new(),
            device_version: "TestClient 1.0".into(),
            sent: 0,
        }
    }

    /// A header for the next request, with a fresh RequestUID.
    pub fn header(&mut self) -> RequestHeader {
        self.sent += 1;
        RequestHeader {
            api_key: self.api_key.clone(),
            device_id: self.device_id.clone(),
            device_version: self.device_version.clone(),
            request_uid: format!("00000000-0000-4000-8000-{:012x}", self.sent),
            ..RequestHeader::default()
        }
    }

    /// Sends a typed request without waiting; returns its RequestUID.
    pub async fn send<F: Function>(&mut self, parameters: F) -> String {
        let header = self.header();
        let uid = header.request_uid.clone();
        let request = Request::new(header, parameters);
        let mut bytes = encode_request(&request, EncodeOptions::default())
            .unwrap()
            .to_vec();
        bytes.push(b'\n');
        self.send_raw(&bytes).await;
        uid
    }

    pub async fn send_raw(&mut self, bytes: &[u8]) {
        self.stream.write_all(bytes).await.unwrap();
    }

    /// The next document, or `None` when the connection closed.
    pub async fn read_document(&mut self) -> Option<Bytes> {
        loop {
            if let Some(document) = self.codec.decode(&mut self.buffer).ok()? {
                return Some(document);
            }
            match self.stream.read_buf(&mut self.buffer).await {
                Ok(0) | Err(_) => return None,
                Ok(_) => {}
            }
        }
    }

    /// The next document, failing the test when none comes within 60 s (of
    /// tokio time: a dropped request fails a paused-time test at once
    /// instead of hanging it) or the connection closes.
    pub async fn next_document(&mut self) -> Bytes {
        tokio::time::timeout(Duration::from_secs(60), self.read_document())
            .await
            .expect("no answer within 60 s")
            .expect("the mock closed the connection")
    }

    /// The raw bytes until the connection closes.
    pub async fn read_to_end(&mut self) -> Vec<u8> {
        let mut bytes = self.buffer.split().to_vec();
        let _ = self.stream.read_to_end(&mut bytes).await;
        bytes
    }

    /// Reads the answer to a typed request, remembering an issued Device ID.
    pub async fn receive<F: Function>(&mut self) -> Response<F::Response> {
        let document = self.next_document().await;
        let response = decode_response::<F>(&document).unwrap_or_else(|e| {
            panic!(
                "undecodable answer: {e}\n{}",
                String::from_utf8_lossy(&document)
            )
        });
        if self.device_id.is_empty() && !response.header.device_id.is_empty() {
            self.device_id = response.header.device_id.clone();
        }
        response
    }

    /// Sends a request and reads its answer.
    pub async fn call<F: Function>(&mut self, parameters: F) -> Response<F::Response> {
        let uid = self.send(parameters).await;
        let response = self.receive::<F>().await;
        assert_eq!(
            response.header.request_uid, uid,
            "the answer echoes the RequestUID"
        );
        assert_eq!(response.header.function, F::NAME);
        response
    }

    /// Sends a request whose answer must be a success.
    pub async fn ok<F: Function>(&mut self, parameters: F) -> F::Response {
        match self.call(parameters).await.body {
            Ok(answer) => answer,
            Err(error) => panic!("{} failed: {}", F::NAME, error.message),
        }
    }

    /// Sends a request whose answer must be an error.
    pub async fn error<F: Function>(&mut self, parameters: F) -> ErrorResponse {
        match self.call(parameters).await.body {
            Ok(answer) => panic!("{} succeeded: {answer:?}", F::NAME),
            Err(error) => error,
        }
    }

    /// Whether anything arrives within `wait` (on tokio time).
    pub async fn silent_for(&mut self, wait: Duration) -> bool {
        tokio::time::timeout(wait, self.read_document())
            .await
            .is_err()
    }
}

// ----- shared fixtures for the mock's integration tests -----

use chrono::{NaiveDate, NaiveDateTime};
use econsult_model::{NhsNumber, PhoneNumber, Postcode};
use systmone_client::mock::{MockBuilder, MockSystmOne, PatientSeed, ThrottleConfig};
use systmone_client::proto::{AnyResponse, Identity, decode_any_response};

/// The mock's clock at start in every test: Monday 7 April 2031, 08:00,
/// before the example diary's first slots (09:00 on weekdays).
pub fn start_time() -> NaiveDateTime {
    NaiveDate::from_ymd_opt(2031, 4, 7)
        .unwrap()
        .and_hms_opt(8, 0, 0)
        .unwrap()
}

/// The mock's "today".
pub fn today() -> NaiveDate {
    start_time().date()
}

/// A date, for brevity.
pub fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

/// The NHS number `999 000 nnn` plus its check digit (Modulus 11 valid).
pub fn nhs(n: u32) -> String {
    nhs_number(n).as_str().to_owned()
}

pub fn nhs_number(n: u32) -> NhsNumber {
    // Some prefixes have no valid check digit; callers pick ones that do.
    NhsNumber::from_prefix(999_000_000 + n).expect("a prefix with a check digit")
}

/// An identity by NHS number.
pub fn identity(n: u32) -> Identity {
    Identity::nhs(nhs_number(n))
}

/// An obviously fictional patient with only the mandatory details.
pub fn patient(
    n: u32,
    first_name: &str,
    surname: &str,
    date_of_birth: NaiveDate,
    sex: econsult_model::Sex,
) -> PatientSeed {
    PatientSeed {
        nhs_number: Some(nhs_number(n)),
        pseudo_number: None,
        first_name: first_name.into(),
        surname: surname.into(),
        date_of_birth,
        sex,
        title: None,
        middle_names: None,
        house_number: None,
        road: None,
        town: None,
        postcode: None,
        home_telephone: None,
        mobile_telephone: None,
        email: None,
    }
}

/// A patient with an address.
pub fn with_address(mut seed: PatientSeed, road: &str, postcode: &str) -> PatientSeed {
    seed.house_number = Some("1".into());
    seed.road = Some(road.into());
    seed.town = Some("Testbury".into());
    seed.postcode = Some(Postcode::parse(postcode).unwrap());
    seed
}

/// A patient with telephone numbers.
pub fn with_phones(mut seed: PatientSeed, home: Option<&str>, mobile: Option<&str>) -> PatientSeed {
    seed.home_telephone = home.map(|p| PhoneNumber::parse(p).unwrap());
    seed.mobile_telephone = mobile.map(|p| PhoneNumber::parse(p).unwrap());
    seed
}

/// The standard test patient: 999 000 001, Alex Testpatient, 1970.
pub fn alex() -> PatientSeed {
    patient(
        1,
        "Alex",
        "Testpatient",
        date(1970, 2, 1),
        econsult_model::Sex::Female,
    )
}

/// A builder with no throttle, a fixed start time and a fixed seed.
pub fn builder() -> MockBuilder {
    MockSystmOne::builder()
        .throttle(ThrottleConfig::off())
        .start_time(start_time())
        .seed(7)
}

/// A started mock (no throttle) with these patients.
pub async fn mock_with(patients: Vec<PatientSeed>) -> MockSystmOne {
    builder().patients(patients).start().await.unwrap()
}

/// A hand-written request document, pretty-printed over several lines as
/// TPP's templates are.
pub fn document(device_id: &str, request_uid: &str, function: &str, parameters: &str) -> String {
    format!(
        "<ClientIntegrationRequest>\n  <APIKey>TEST-API-KEY</APIKey>\n  <DeviceID>{device_id}</DeviceID>\n  \
         <DeviceVersion>Hand Written 1.0</DeviceVersion>\n  <RequestUID>{request_uid}</RequestUID>\n  \
         <Function>{function}</Function>\n  <FunctionVersion>1.0</FunctionVersion>\n  \
         <FunctionParameters>{parameters}</FunctionParameters>\n</ClientIntegrationRequest>\n"
    )
}

impl TestClient {
    /// Connects and pairs (one GetFunctions), so later requests carry a
    /// Device ID.
    pub async fn paired(addr: SocketAddr) -> Self {
        let mut client = Self::connect(addr).await;
        client
            .ok(systmone_client::proto::GetFunctions::default())
            .await;
        assert_eq!(client.device_id.len(), 16);
        client
    }

    /// The next answer, decoded whatever its function (for hand-written
    /// requests), with its raw bytes.
    pub async fn receive_any(&mut self) -> (Response<AnyResponse>, String) {
        let document = self.next_document().await;
        let text = String::from_utf8(document.to_vec()).unwrap();
        let response = decode_any_response(&document)
            .unwrap_or_else(|e| panic!("undecodable answer: {e}\n{text}"));
        (response, text)
    }

    /// Sends raw bytes and reads one answer of any function.
    pub async fn raw_call(&mut self, bytes: &[u8]) -> (Response<AnyResponse>, String) {
        self.send_raw(bytes).await;
        self.receive_any().await
    }

    /// The raw text of the next answer to a typed request (what a client
    /// splitting on `\n` would choke on).
    pub async fn call_raw_text<F: Function>(&mut self, parameters: F) -> String {
        self.send(parameters).await;
        let document = self.next_document().await;
        String::from_utf8(document.to_vec()).unwrap()
    }
}

/// The error of an answer that must be an error.
pub fn error_of<R: std::fmt::Debug>(response: Response<R>) -> ErrorResponse {
    match response.body {
        Ok(answer) => panic!("expected an error, got {answer:?}"),
        Err(error) => error,
    }
}

pub mod client;
