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
            stream: TcpStream::connect(addr).await.unwrap(),
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

    /// The raw bytes until the connection closes.
    pub async fn read_to_end(&mut self) -> Vec<u8> {
        let mut bytes = self.buffer.split().to_vec();
        let _ = self.stream.read_to_end(&mut bytes).await;
        bytes
    }

    /// Reads the answer to a typed request, remembering an issued Device ID.
    pub async fn receive<F: Function>(&mut self) -> Response<F::Response> {
        let document = self.read_document().await.expect("the mock closed the connection");
        let response = decode_response::<F>(&document).unwrap_or_else(|e| {
            panic!("undecodable answer: {e}\n{}", String::from_utf8_lossy(&document))
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
        assert_eq!(response.header.request_uid, uid, "the answer echoes the RequestUID");
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
        tokio::time::timeout(wait, self.read_document()).await.is_err()
    }
}
