//! How long rendering an eConsult's PDF takes: a typical consultation and a
//! very long one (the sample with the longest history, padded further).
#![allow(missing_docs, clippy::print_stderr)]

use criterion::{Criterion, criterion_group, criterion_main};
use econsult_model::{EConsult, QuestionAnswer, Section, pdf, samples};
use std::hint::black_box;

fn typical() -> EConsult {
    samples::by_name("01-sore-throat.json")
        .and_then(Result::ok)
        .unwrap_or_else(|| panic!("sample 01-sore-throat.json is missing"))
}

fn very_long() -> EConsult {
    let mut e = samples::by_name("05-long-history.json")
        .and_then(Result::ok)
        .unwrap_or_else(|| panic!("sample 05-long-history.json is missing"));
    let answer = "Lower back pain since a fall, worse after sitting and on waking; \
                  eased by walking and ibuprofen. "
        .repeat(12);
    for n in 0..20 {
        e.questionnaire.push(Section {
            title: format!("Follow-up {n}"),
            questions: (0..5)
                .map(|q| QuestionAnswer {
                    question: format!("Question {n}.{q}"),
                    answer: answer.clone(),
                })
                .collect(),
        });
    }
    e
}

fn bench(c: &mut Criterion) {
    let typical = typical();
    let long = very_long();
    let pages = |e: &EConsult| {
        let bytes = pdf::render(e).unwrap_or_else(|err| panic!("rendering failed: {err}"));
        lopdf::Document::load_mem(&bytes).map_or(0, |d| d.get_pages().len())
    };
    eprintln!(
        "typical eConsult: {} page(s); very long eConsult: {} pages",
        pages(&typical),
        pages(&long)
    );
    let mut group = c.benchmark_group("pdf_render");
    group.bench_function("typical", |b| b.iter(|| pdf::render(black_box(&typical))));
    group.bench_function("very_long", |b| b.iter(|| pdf::render(black_box(&long))));
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
