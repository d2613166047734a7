//! The client against a hand-written server, for what the mock never does:
//! a late answer to an earlier request, an answer naming another function,
//! a pretty-printed answer split across many writes.
#![allow(clippy::unwrap_used)]

use std::time::Duration;

use bytes::BytesMut;
use systmone_client::client::{
    CallOptions, Client, Error, ErrorKind, MemoryDeviceIdStore, NoAnswerCause, Outcome,
    ThrottlePolicy, UnreadableCause,
};
use systmone_client::proto::*;
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::{TcpListener, TcpStream};
use tokio_util::codec::Decoder as _;

const DEVICE_ID: &str = "8e7d6c5b4a392817";

/// Reads one request and returns its RequestUID and Function.
async fn read_request(stream: &mut TcpStream, buffer: &mut BytesMut) -> (String, String) {
    let mut codec = DocumentCodec::new();
    loop {
        if let Some(document) = codec.decode(buffer).unwrap() {
            let request = decode_request(&document).unwrap();
            assert_eq!(request.header.device_id, DEVICE_ID);
            return (
                request.header.request_uid.clone(),
                request.function().to_owned(),
            );
        }
        assert_ne!(stream.read_buf(buffer).await.unwrap(), 0, "client closed");
    }
}

fn answer(request_uid: &str, function: &str, body: &str) -> String {
    format!(
        "<ClientIntegrationResponse><DeviceID>{DEVICE_ID}</DeviceID><RequestUID>{request_uid}</RequestUID>\
         <Function>{function}</Function><FunctionVersion>1.0</FunctionVersion>\
         <ResponseUID>0B7E5A9C-3D21-4C8F-9A60-7F1E2D3C4B5A</ResponseUID><Response>{body}</Response>\
         </ClientIntegrationResponse>\n"
    )
}

const NOT_RETRIEVED: &str = "<IsPatientRetrieved>false</IsPatientRetrieved>";

/// A client (already paired, no throttle) for a server on `listener`.
async fn client_for(listener: &TcpListener) -> Client {
    Client::builder("TEST-API-KEY", "ClientTest 1.0")
        .address(listener.local_addr().unwrap())
        .device_id_store(MemoryDeviceIdStore::with_device_id(DEVICE_ID))
        .throttle(ThrottlePolicy::unlimited())
        .read_retries(0)
        .connect()
        .await
        .unwrap()
}

#[tokio::test]
async fn a_late_answer_to_an_earlier_request_is_discarded() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let client = client_for(&listener).await;
    let server = tokio::spawn(async move {
        let (mut stream, _) = listener.accept().await.unwrap();
        let mut buffer = BytesMut::new();
        let (uid, function) = read_request(&mut stream, &mut buffer).await;
        // First the answer to a request the client gave up on, saying
        // "true"; then the real one, saying "false".
        let stale = answer(
            "00000000-0000-4000-8000-000000000000",
            &function,
            "<IsPatientRetrieved>true</IsPatientRetrieved>",
        );
        stream.write_all(stale.as_bytes()).await.unwrap();
        stream
            .write_all(answer(&uid, &function, NOT_RETRIEVED).as_bytes())
            .await
            .unwrap();
        uid
    });
    let answered = client
        .send(IsPatientRetrieved::default(), CallOptions::default())
        .await
        .unwrap();
    assert!(
        !answered.response.is_patient_retrieved,
        "the stale answer was used"
    );
    assert_eq!(answered.request_uid, server.await.unwrap());
}

#[tokio::test]
async fn an_answer_naming_another_function_is_unreadable() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let client = client_for(&listener).await;
    tokio::spawn(async move {
        let (mut stream, _) = listener.accept().await.unwrap();
        let mut buffer = BytesMut::new();
        let (uid, _) = read_request(&mut stream, &mut buffer).await;
        let wrong = answer(&uid, "GetFunctions", "<FunctionList/>");
        stream.write_all(wrong.as_bytes()).await.unwrap();
        // Keep the connection open until the client closes it.
        let _ = stream.read_buf(&mut buffer).await;
    });
    let error = client
        .is_patient_retrieved(IsPatientRetrieved::default())
        .await
        .unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Unreadable, "{error}");
    assert!(matches!(
        &error,
        Error::Unreadable { cause: UnreadableCause::WrongFunction { answered }, .. } if answered == "GetFunctions"
    ));
    assert!(
        error.to_string().contains("answers GetFunctions instead"),
        "{error}"
    );
}

#[tokio::test]
async fn a_pretty_printed_answer_in_small_pieces_with_raw_line_breaks_is_read() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let client = client_for(&listener).await;
    tokio::spawn(async move {
        let (mut stream, _) = listener.accept().await.unwrap();
        let mut buffer = BytesMut::new();
        let (uid, function) = read_request(&mut stream, &mut buffer).await;
        let document = format!(
            "\u{FEFF}<?xml version=1.0 encoding=UTF-8?>\r\n<ClientIntegrationResponse>\r\n  <DeviceID>{DEVICE_ID}</DeviceID>\r\n  \
             <RequestUID>{uid}</RequestUID>\r\n  <Function>{function}</Function>\r\n  \
             <FunctionVersion>1.0</FunctionVersion>\r\n  <ResponseUID>X</ResponseUID>\r\n  <Response>\r\n    \
             <ErrorMessage>line one\nline two</ErrorMessage>\r\n    <PermanentError>FALSE</PermanentError>\r\n  </Response>\r\n\
             </ClientIntegrationResponse>\r\n"
        );
        for piece in document.as_bytes().chunks(7) {
            stream.write_all(piece).await.unwrap();
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
        let _ = stream.read_buf(&mut buffer).await;
    });
    let error = client
        .get_functions(GetFunctions::default())
        .await
        .unwrap_err();
    assert!(
        matches!(
            &error,
            Error::SystmOne { message, permanent: false, .. } if message == "line one\nline two"
        ),
        "{error}"
    );
}

#[tokio::test]
async fn an_answer_over_the_size_cap_is_unreadable() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let client = Client::builder("TEST-API-KEY", "ClientTest 1.0")
        .address(listener.local_addr().unwrap())
        .device_id_store(MemoryDeviceIdStore::with_device_id(DEVICE_ID))
        .throttle(ThrottlePolicy::unlimited())
        .max_response_len(4096)
        .connect()
        .await
        .unwrap();
    tokio::spawn(async move {
        let (mut stream, _) = listener.accept().await.unwrap();
        let mut buffer = BytesMut::new();
        let (uid, function) = read_request(&mut stream, &mut buffer).await;
        let huge = format!("<Unknown>{}</Unknown>{NOT_RETRIEVED}", "x".repeat(10_000));
        let _ = stream
            .write_all(answer(&uid, &function, &huge).as_bytes())
            .await;
        let _ = stream.read_buf(&mut buffer).await;
    });
    let error = client
        .is_patient_retrieved(IsPatientRetrieved::default())
        .await
        .unwrap_err();
    assert!(
        matches!(
            &error,
            Error::Unreadable {
                cause: UnreadableCause::Frame(FrameError::TooLarge { max: 4096 }),
                ..
            }
        ),
        "{error}"
    );
}

#[tokio::test]
async fn an_error_merely_containing_blocked_does_not_stop_the_client() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let client = client_for(&listener).await;
    tokio::spawn(async move {
        let (mut stream, _) = listener.accept().await.unwrap();
        let mut buffer = BytesMut::new();
        let (uid, function) = read_request(&mut stream, &mut buffer).await;
        let refusal = "<ErrorMessage>The directory C:\\exports\\unblocked does not exist or cannot be accessed</ErrorMessage><PermanentError>true</PermanentError>";
        stream
            .write_all(answer(&uid, &function, refusal).as_bytes())
            .await
            .unwrap();
        let (uid, function) = read_request(&mut stream, &mut buffer).await;
        stream
            .write_all(answer(&uid, &function, NOT_RETRIEVED).as_bytes())
            .await
            .unwrap();
        let _ = stream.read_buf(&mut buffer).await;
    });
    let error = client
        .get_xsd_files(GetXsdFiles::default())
        .await
        .unwrap_err();
    assert_eq!(error.kind(), ErrorKind::SystmOnePermanent, "{error}");
    client
        .is_patient_retrieved(IsPatientRetrieved::default())
        .await
        .unwrap();
}

#[tokio::test(start_paused = true)]
async fn a_systmone_that_stops_reading_cannot_wedge_the_client() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let client = client_for(&listener).await;
    // Accepts, then never reads: a large request fills the socket buffers.
    let server = tokio::spawn(async move {
        let (stream, _) = listener.accept().await.unwrap();
        tokio::time::sleep(Duration::from_secs(3600)).await;
        drop(stream);
    });
    let line = "x".repeat(1024);
    let request = UpdatePatientRecord {
        identity: Identity::nhs("9990000018".parse().unwrap()),
        clinical: Some(Clinical {
            events: vec![Event::narrative(
                "2031-04-07T08:00:00".parse().unwrap(),
                std::iter::repeat_n(line, 32 * 1024),
            )],
            ..Clinical::default()
        }),
        ..UpdatePatientRecord::default()
    };
    let error = client.update_patient_record(request).await.unwrap_err();
    assert!(
        matches!(
            &error,
            Error::NoAnswer {
                cause: NoAnswerCause::Timeout(_),
                safe_to_resend: false,
                ..
            }
        ),
        "{error}"
    );
    assert_eq!(error.outcome(), Outcome::Unknown);
    server.abort();
}
