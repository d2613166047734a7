//! Decodes captured Client Integration traffic, for integrators debugging a
//! conversation with SystmOne.
//!
//! ```text
//! cargo run -p systmone-client --example decode -- capture.xml [more.xml ...]
//! some-capture-tool | cargo run -p systmone-client --example decode
//! ```
//!
//! Each input may hold any number of documents, requests or responses,
//! one-line or pretty-printed. Every document is printed as JSON; a document
//! that cannot be read is reported with its line and column in the input
//! and what was wrong, and the exit status is then 1. The API key is never
//! printed.
#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::io::Read;
use std::process::ExitCode;

use bytes::BytesMut;
use systmone_client::proto::{DocumentCodec, decode_document};
use tokio_util::codec::Decoder;

fn main() -> ExitCode {
    let paths: Vec<String> = std::env::args().skip(1).collect();
    if paths.iter().any(|p| p == "-h" || p == "--help") {
        println!(
            "usage: decode [FILE...]\n\nDecodes SystmOne Client Integration documents (requests or responses) from each FILE,\nor from standard input when none is given, and prints each as JSON. Exits 1 if any failed."
        );
        return ExitCode::SUCCESS;
    }
    let inputs: Vec<(String, std::io::Result<Vec<u8>>)> = if paths.is_empty() {
        let mut bytes = Vec::new();
        let read = std::io::stdin().read_to_end(&mut bytes).map(|_| bytes);
        vec![("<stdin>".to_owned(), read)]
    } else {
        paths
            .into_iter()
            .map(|p| {
                let read = std::fs::read(&p);
                (p, read)
            })
            .collect()
    };
    let mut failed = false;
    for (name, bytes) in inputs {
        match bytes {
            Ok(bytes) => failed |= !decode_all(&name, &bytes),
            Err(error) => {
                eprintln!("{name}: cannot read: {error}");
                failed = true;
            }
        }
    }
    if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}

/// Line and column (from 1) of byte `offset` in `input`.
fn position(input: &[u8], offset: usize) -> (usize, usize) {
    let before = &input[..offset.min(input.len())];
    let line = before.iter().filter(|&&b| b == b'\n').count() + 1;
    let line_start = before
        .iter()
        .rposition(|&b| b == b'\n')
        .map_or(0, |i| i + 1);
    let column = String::from_utf8_lossy(&before[line_start..])
        .chars()
        .count()
        + 1;
    (line, column)
}

/// Decodes every document in `input`; false if any failed.
fn decode_all(name: &str, input: &[u8]) -> bool {
    let mut codec = DocumentCodec::new();
    let mut buf = BytesMut::from(input);
    let mut ok = true;
    let mut count = 0;
    loop {
        let frame = match codec.decode_eof(&mut buf) {
            Ok(Some(frame)) => frame,
            Ok(None) => break,
            Err(error) => {
                let (line, column) = position(input, input.len() - buf.len());
                eprintln!("{name}:{line}:{column}: {error}");
                return false;
            }
        };
        count += 1;
        // The document ends where the unread bytes begin.
        let start = input.len() - buf.len() - frame.len();
        match decode_document(&frame) {
            Ok(document) => match serde_json::to_string_pretty(&document) {
                Ok(json) => println!("{json}"),
                Err(error) => {
                    eprintln!("{name}: document {count}: cannot print: {error}");
                    ok = false;
                }
            },
            Err(error) => {
                let (line, column) = position(input, start + error.offset);
                eprintln!("{name}:{line}:{column}: document {count}: {error}");
                ok = false;
            }
        }
    }
    if count == 0 {
        eprintln!("{name}: no XML document found");
        ok = false;
    }
    ok
}
