//! The wire codec on a full patient record: typed decoding of a ~5 MB
//! `GetPatientRecord` response against a bare `quick_xml::Reader` scan of
//! the same bytes (the ceiling; the target is 40% of its throughput),
//! framing the same bytes from 64 KiB reads, and encoding a large
//! `UpdatePatientRecord`.
#![allow(missing_docs, clippy::print_stderr)]

use std::hint::black_box;

use bytes::BytesMut;
use chrono::{NaiveDate, NaiveDateTime};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use systmone_client::proto::__internals::{Tag, XmlReader};
use systmone_client::proto::Decimal;
use systmone_client::proto::{
    Attachment, Clinical, ClinicalCode, Code, CodeScheme, DocumentCodec, DocumentUid, Drug,
    DrugScheme, EncodeOptions, Event, EventUid, GetPatientRecord, GetPatientRecordResponse,
    Identity, Medication, Narrative, ProblemUid, Request, RequestHeader, Response, ResponseHeader,
    UpdatePatientRecord, decode_response, encode_request, encode_response,
};
use tokio_util::codec::Decoder;

/// Builds a value of a `#[non_exhaustive]` wire type field by field, from
/// its default (outside the crate a struct expression cannot build one).
macro_rules! build {
    ($ty:ident { $($field:ident : $value:expr),* $(,)? }) => {{
        let mut value = $ty::default();
        $(value.$field = $value;)*
        value
    }};
}

fn at(day: u32, minute: u32) -> NaiveDateTime {
    NaiveDate::from_ymd_opt(2031, 1, 1)
        .and_then(|d| d.checked_add_days(chrono::Days::new(u64::from(day))))
        .and_then(|d| d.and_hms_opt(9 + minute / 60 % 8, minute % 60, 0))
        .unwrap_or_default()
}

/// A consultation as SystmOne returns it: a reading, a prescription, a
/// narrative of several lines and an attachment.
fn event(n: u32) -> Event {
    Event {
        date_time: Some(at(n % 3000, n)),
        user_name: Some("sexample01".into()),
        done_by: Some("EXAMPLE, Sam (GP) ".into()),
        done_at: Some("Surgery".into()),
        event_uid: Some(EventUid(format!("{n:08x}00000000"))),
        clinical_codes: vec![ClinicalCode {
            value: Decimal::new(&format!("{}.{}", 60 + n % 40, n % 10)),
            units: Some("kg".into()),
            linked_problem_uids: vec![ProblemUid("7d3e910000000000".into())],
            ..ClinicalCode::new(Code::new(CodeScheme::Ctv3, "22A..").with_term("O/E - weight"))
        }],
        medications: vec![Medication {
            start_date: Some(at(n % 3000, 0).date()),
            end_date: Some(at(n % 3000 + 28, 0).date()),
            end_reason: Some(String::new()),
            ..Medication::new(
                Drug {
                    scheme: DrugScheme::Multilex,
                    product_id: format!("{}", 1_000_000 + n),
                    pack_id: None,
                    name: Some("Exampleprofen 200mg tablets".into()),
                },
                "one to be taken three times a day with food",
                "84 tablet",
            )
        }],
        narratives: vec![Narrative {
            lines: (0..4)
                .map(|l| format!("Line {l} of consultation {n}: patient reports symptoms improving & sleeping better <no red flags>."))
                .collect(),
            linked_problem_uids: vec![],
            other: vec![],
            other_attributes: vec![],
        }],
        attachments: vec![Attachment {
            file_name: Some(format!("letter-{n}.pdf")),
            file_size: Some("24 KB".into()),
            document_uid: Some(DocumentUid(format!("{n:08x}d0c00000"))),
            comments: Some("Discharge summary".into()),
            ..Attachment::default()
        }],
        ..Event::default()
    }
}

fn identity() -> Identity {
    Identity {
        nhs_number: Some("9990000018".into()),
        strategic_reporting_identifier: Some("501".into()),
        ..Identity::default()
    }
}

fn large_record(events: u32) -> Vec<u8> {
    let response = Response {
        header: ResponseHeader {
            device_id: "8e7d6c5b4a392817".into(),
            request_uid: "3f2a9c1e-7b44-4d0a-9e61-5c2b8f7d1a90".into(),
            function: "GetPatientRecord".into(),
            function_version: "1.0".into(),
            response_uid: "6C1F0E2A-91B3-4F57-A8D2-0B9E4C3D2A11".into(),
        },
        body: Ok(build!(GetPatientRecordResponse {
            identity: identity(),
            clinical: Some(Clinical {
                events: (0..events).map(event).collect(),
                other: vec![],
                other_attributes: vec![],
            })
        })),
    };
    encode_response(&response, EncodeOptions::default())
        .unwrap_or_else(|e| panic!("the synthetic record must encode: {e}"))
        .to_vec()
}

/// Visits every element under `tag`, reading the text of a few kinds.
fn walk<'a>(reader: &mut XmlReader<'a>, tag: &Tag<'a>) -> usize {
    let mut seen = 0;
    while let Some(child) = reader.next_child(tag).unwrap_or_else(|e| panic!("{e}")) {
        seen += if ["Line", "Dose", "Units", "Value"]
            .iter()
            .any(|n| child.is(n))
        {
            reader.text(child).map_or(0, |text| text.len())
        } else {
            walk(reader, &child)
        };
    }
    seen
}

/// Every event of a bare scan: the fastest a reader of these bytes can be.
fn bare_scan(bytes: &[u8]) -> usize {
    let mut reader = quick_xml::Reader::from_reader(bytes);
    let mut events = 0;
    loop {
        match reader.read_event() {
            Ok(quick_xml::events::Event::Eof) | Err(_) => return events,
            Ok(_) => events += 1,
        }
    }
}

fn bench(c: &mut Criterion) {
    let record = large_record(5_000);
    let events = match decode_response::<GetPatientRecord>(&record) {
        Ok(Response { body: Ok(r), .. }) => r.clinical.map_or(0, |c| c.events.len()),
        other => panic!("the synthetic record must decode: {other:?}"),
    };
    eprintln!(
        "GetPatientRecord response: {:.2} MB, {events} events, {} XML events",
        record.len() as f64 / 1e6,
        bare_scan(&record)
    );

    let mut group = c.benchmark_group("decode_get_patient_record");
    group.throughput(Throughput::Bytes(record.len() as u64));
    group.sample_size(20);
    group.bench_function("bare_quick_xml_scan", |b| {
        b.iter(|| bare_scan(black_box(&record)))
    });
    // Decoding alone: freeing the decoded record is the caller's cost, and
    // is measured separately below.
    group.bench_function("typed_decode", |b| {
        b.iter_with_large_drop(|| decode_response::<GetPatientRecord>(black_box(&record)))
    });
    group.bench_function("typed_decode_and_drop", |b| {
        b.iter(|| decode_response::<GetPatientRecord>(black_box(&record)))
    });
    // The decoding cursor alone, visiting every element and reading a few
    // texts without building typed values: separates the cursor's cost from
    // the typed layer's.
    group.bench_function("cursor_walk", |b| {
        b.iter(|| {
            let mut reader = XmlReader::new(black_box(&record));
            let root = reader.root().unwrap_or_else(|e| panic!("{e}"));
            walk(&mut reader, &root)
        })
    });
    group.bench_function("framing_64k_reads", |b| {
        b.iter(|| {
            let mut codec = DocumentCodec::new();
            let mut buf = BytesMut::new();
            let mut found = 0;
            for chunk in record.chunks(64 * 1024) {
                buf.extend_from_slice(chunk);
                while let Ok(Some(_)) = codec.decode(&mut buf) {
                    found += 1;
                }
            }
            found
        })
    });
    group.finish();

    let update = Request::new(
        RequestHeader {
            api_key: "0a1b2c3d4e5f6071".into(),
            device_id: "8e7d6c5b4a392817".into(),
            device_version: "bench".into(),
            request_uid: "r".into(),
            function_version: "1.0".into(),
            output_scheme: None,
        },
        UpdatePatientRecord {
            identity: identity(),
            clinical: Some(Clinical {
                events: (0..1_000).map(event).collect(),
                other: vec![],
                other_attributes: vec![],
            }),
            ..UpdatePatientRecord::default()
        },
    );
    let encoded = encode_request(&update, EncodeOptions::default())
        .unwrap_or_else(|e| panic!("the update must encode: {e}"));
    eprintln!(
        "UpdatePatientRecord request: {:.2} MB, 1000 events",
        encoded.len() as f64 / 1e6
    );
    let mut group = c.benchmark_group("encode_update_patient_record");
    group.throughput(Throughput::Bytes(encoded.len() as u64));
    group.bench_function("encode", |b| {
        b.iter(|| encode_request(black_box(&update), EncodeOptions::default()))
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
