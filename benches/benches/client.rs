//! What the async `Client` costs per call, over what the wire itself costs:
//! the same `IsPatientRetrieved` round trip against the mock SystmOne (its
//! throttle off, and the client's too), once through the `Client` and once
//! with the bare codec on a raw `TcpStream`. The difference is the client's
//! own overhead: the hop to the dispatcher task and back on a oneshot, the
//! throttle's check, the quick look at the answer before the full decode,
//! and a fresh RequestUID per call.
#![allow(missing_docs)]

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use bytes::BytesMut;
use criterion::{Criterion, criterion_group, criterion_main};
use systmone_client::client::{CallOptions, Client, ThrottlePolicy};
use systmone_client::mock::{MockSystmOne, ThrottleConfig};
use systmone_client::proto::{
    DocumentCodec, EncodeOptions, IsPatientRetrieved, Request, RequestHeader, decode_response,
    encode_request,
};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::TcpStream;
use tokio_util::codec::Decoder as _;

const API_KEY: &str = "BENCH";
const DEVICE_VERSION: &str = "bench 1.0";

/// A connection driven by the codec alone: encode, write, frame, decode.
struct BareConnection {
    stream: TcpStream,
    codec: DocumentCodec,
    buffer: BytesMut,
    device_id: String,
}

impl BareConnection {
    /// Connects and pairs once (a request with an empty Device ID), then
    /// reuses the issued Device ID like a real client.
    async fn open(addr: SocketAddr) -> Self {
        let stream = TcpStream::connect(addr)
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        // As the client does: one small request, then wait for its answer.
        stream.set_nodelay(true).unwrap_or_else(|e| panic!("{e}"));
        let mut connection = Self {
            stream,
            codec: DocumentCodec::new(),
            buffer: BytesMut::with_capacity(16 * 1024),
            device_id: String::new(),
        };
        let paired = connection.round_trip().await;
        connection.device_id = paired;
        connection
    }

    /// One `IsPatientRetrieved`, answered and decoded; returns the Device ID
    /// the answer carries.
    async fn round_trip(&mut self) -> String {
        let header = RequestHeader {
            api_key: API_KEY.into(),
            device_id: self.device_id.clone(),
            device_version: DEVICE_VERSION.into(),
            request_uid: "00000000-0000-4000-8000-000000000001".into(),
            ..RequestHeader::default()
        };
        let request = Request::new(header, IsPatientRetrieved::default());
        let document =
            encode_request(&request, EncodeOptions::default()).unwrap_or_else(|e| panic!("{e}"));
        let mut framed = Vec::with_capacity(document.len() + 1);
        framed.extend_from_slice(&document);
        framed.push(b'\n');
        self.stream
            .write_all(&framed)
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        let answer = loop {
            if let Some(document) = self
                .codec
                .decode(&mut self.buffer)
                .unwrap_or_else(|e| panic!("{e}"))
            {
                break document;
            }
            match self.stream.read_buf(&mut self.buffer).await {
                Ok(0) | Err(_) => panic!("the mock closed the connection"),
                Ok(_) => {}
            }
        };
        let response =
            decode_response::<IsPatientRetrieved>(&answer).unwrap_or_else(|e| panic!("{e}"));
        if let Err(error) = response.body {
            panic!("IsPatientRetrieved failed: {}", error.message);
        }
        response.header.device_id
    }
}

fn bench_client(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap_or_else(|e| panic!("{e}"));
    let mock = runtime
        .block_on(
            MockSystmOne::builder()
                .throttle(ThrottleConfig::off())
                .start(),
        )
        .unwrap_or_else(|e| panic!("{e}"));
    let addr = mock.addr();
    let client = runtime
        .block_on(
            Client::builder(API_KEY, DEVICE_VERSION)
                .address(addr)
                .throttle(ThrottlePolicy::unlimited())
                .connect(),
        )
        .unwrap_or_else(|e| panic!("{e}"));
    let mut bare = Some(runtime.block_on(BareConnection::open(addr)));

    let mut group = c.benchmark_group("is_patient_retrieved_round_trip");
    group.sample_size(50);
    group.warm_up_time(Duration::from_secs(1));
    group.measurement_time(Duration::from_secs(4));
    // Each sample runs its round trips in one task on the runtime, as a
    // product's code calls the client from its own tasks; what is timed is
    // the round trips, not entering the runtime.
    group.bench_function("client", |b| {
        b.iter_custom(|iterations| {
            let client = client.clone();
            let task = runtime.spawn(async move {
                let start = Instant::now();
                for _ in 0..iterations {
                    let answered = client
                        .send(IsPatientRetrieved::default(), CallOptions::default())
                        .await
                        .unwrap_or_else(|e| panic!("{e}"));
                    std::hint::black_box(answered);
                }
                start.elapsed()
            });
            runtime.block_on(task).unwrap_or_else(|e| panic!("{e}"))
        })
    });
    group.bench_function("bare_codec", |b| {
        b.iter_custom(|iterations| {
            let mut connection = bare.take().unwrap_or_else(|| panic!("a sample panicked"));
            let task = runtime.spawn(async move {
                let start = Instant::now();
                for _ in 0..iterations {
                    std::hint::black_box(connection.round_trip().await);
                }
                (start.elapsed(), connection)
            });
            let (elapsed, connection) = runtime.block_on(task).unwrap_or_else(|e| panic!("{e}"));
            bare = Some(connection);
            elapsed
        })
    });
    group.finish();
    drop(client);
    runtime.block_on(mock.stop());
}

criterion_group!(benches, bench_client);
criterion_main!(benches);
