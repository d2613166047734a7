//! Requests per second the mock SystmOne serves over loopback with its
//! throttle off, on one connection and on eight: what a vendor's CI can
//! expect, and a check that the mock is never the bottleneck of a test.
#![allow(missing_docs)]

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use bytes::BytesMut;
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use systmone_client::mock::{MockSystmOne, ThrottleConfig};
use systmone_client::proto::{
    DocumentCodec, EncodeOptions, PatientSearch, Request, RequestHeader, decode_response,
    encode_request,
};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::TcpStream;
use tokio_util::codec::Decoder as _;

/// One connection sending the same small search again and again.
struct Connection {
    stream: TcpStream,
    codec: DocumentCodec,
    buffer: BytesMut,
    request: Vec<u8>,
}

/// The benchmark's request, from the device `device_id` (empty: unpaired).
fn search_request(device_id: &str) -> Vec<u8> {
    let header = RequestHeader {
        api_key: "BENCH".into(),
        device_id: device_id.into(),
        device_version: "bench".into(),
        request_uid: "bench".into(),
        ..RequestHeader::default()
    };
    let search = PatientSearch {
        surname: Some("Zz".into()),
        date_of_birth: chrono::NaiveDate::from_ymd_opt(1970, 1, 1),
        ..PatientSearch::default()
    };
    let mut request = encode_request(&Request::new(header, search), EncodeOptions::default())
        .map(Vec::from)
        .unwrap_or_else(|e| panic!("{e}"));
    request.push(b'\n');
    request
}

impl Connection {
    async fn open(addr: SocketAddr) -> Self {
        let mut connection = Self {
            stream: TcpStream::connect(addr)
                .await
                .unwrap_or_else(|e| panic!("{e}")),
            codec: DocumentCodec::new(),
            buffer: BytesMut::with_capacity(4096),
            request: search_request(""),
        };
        // Pair once, then reuse the issued Device ID like a real client.
        let answer = connection.round_trip().await;
        let paired = decode_response::<PatientSearch>(&answer).unwrap_or_else(|e| panic!("{e}"));
        connection.request = search_request(&paired.header.device_id);
        connection
    }

    async fn round_trip(&mut self) -> bytes::Bytes {
        self.stream
            .write_all(&self.request)
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        loop {
            if let Ok(Some(document)) = self.codec.decode(&mut self.buffer) {
                return document;
            }
            match self.stream.read_buf(&mut self.buffer).await {
                Ok(0) | Err(_) => panic!("the mock closed the connection"),
                Ok(_) => {}
            }
        }
    }
}

fn bench_mock(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap_or_else(|e| panic!("{e}"));
    let mock = runtime
        .block_on(
            MockSystmOne::builder()
                .throttle(ThrottleConfig::off())
                .synthetic_patients(10_000, 1)
                .start(),
        )
        .unwrap_or_else(|e| panic!("{e}"));
    let addr = mock.addr();

    let mut group = c.benchmark_group("mock_loopback");
    group.measurement_time(Duration::from_secs(5));
    group.throughput(Throughput::Elements(1));
    let mut one = runtime.block_on(Connection::open(addr));
    group.bench_function("one_connection_requests", |b| {
        b.iter_custom(|iterations| {
            runtime.block_on(async {
                let start = Instant::now();
                for _ in 0..iterations {
                    one.round_trip().await;
                }
                start.elapsed()
            })
        })
    });
    const CONNECTIONS: u64 = 8;
    let mut eight: Vec<Connection> =
        runtime.block_on(async { futures_join(addr, CONNECTIONS).await });
    group.throughput(Throughput::Elements(CONNECTIONS));
    group.bench_function("eight_connections_requests", |b| {
        b.iter_custom(|iterations| {
            runtime.block_on(async {
                let start = Instant::now();
                let tasks: Vec<_> = eight
                    .drain(..)
                    .map(|mut connection| {
                        tokio::spawn(async move {
                            for _ in 0..iterations {
                                connection.round_trip().await;
                            }
                            connection
                        })
                    })
                    .collect();
                for task in tasks {
                    eight.push(task.await.unwrap_or_else(|e| panic!("{e}")));
                }
                start.elapsed()
            })
        })
    });
    group.finish();
    runtime.block_on(mock.stop());
}

async fn futures_join(addr: SocketAddr, n: u64) -> Vec<Connection> {
    let mut connections = Vec::new();
    for _ in 0..n {
        connections.push(Connection::open(addr).await);
    }
    connections
}

criterion_group!(benches, bench_mock);
criterion_main!(benches);
