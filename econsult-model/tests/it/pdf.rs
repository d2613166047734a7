//! PDF rendering, read back with a PDF parser as a person's reader would.

#![allow(clippy::unwrap_used)] // a panic in a test is a failed test

use econsult_model::{
    Activity, ActivityId, ActivityKind, AttachmentPolicy, Channel, Demographics, EConsult,
    EConsultId, Ice, Message, PersonName, PracticeId, QuestionAnswer, Section, Sex, pdf, samples,
    strategy,
};
use proptest::prelude::*;

/// Parses `bytes` as a PDF and returns the text of each page.
fn pages_text(bytes: &[u8]) -> Vec<String> {
    let document = lopdf::Document::load_mem(bytes).expect("the output parses as a PDF");
    let count = document.get_pages().len() as u32;
    (1..=count)
        .map(|page| document.extract_text(&[page]).expect("text extracts"))
        .collect()
}

fn zoe() -> EConsult {
    let mut patient = Demographics::new(
        PersonName::new("Zoë", "Ødegård")
            .unwrap()
            .with_title("Ms")
            .unwrap(),
        "1984-03-09".parse().unwrap(),
        Sex::Female,
    );
    patient.nhs_number = Some("9990000026".parse().unwrap());
    let mut e = EConsult::new(
        EConsultId::new("EC-PDF-1").unwrap(),
        PracticeId::parse("Y01234").unwrap(),
        "2031-05-14T09:30:00".parse().unwrap(),
        patient,
    );
    e.questionnaire = vec![Section {
        title: "Your symptoms".into(),
        questions: vec![QuestionAnswer {
            question: "What is the problem?".into(),
            answer: "Sore throat for five days, seen by Łukasz at the pharmacy in Groß-Umstadt."
                .into(),
        }],
    }];
    e.ice = Ice {
        ideas: "Probably tonsillitis".into(),
        concerns: "Missing my exams".into(),
        expectations: "Advice on whether I need antibiotics".into(),
    };
    e
}

#[test]
fn the_pdf_carries_header_patient_ice_and_accented_names() {
    let bytes = pdf::render(&zoe()).unwrap();
    assert!(bytes.starts_with(b"%PDF-"));
    let pages = pages_text(&bytes);
    assert_eq!(pages.len(), 1);
    let text = &pages[0];
    for wanted in [
        "Zoë",
        "Ødegård",
        "ØDEGÅRD, Zoë",
        "09-Mar-1984",
        "999 000 0026",
        "Practice Y01234",
        "Submitted 14-May-2031 09:30",
        "Łukasz",
        "Groß-Umstadt",
        "Probably tonsillitis",
        "Missing my exams",
        "Advice on whether I need antibiotics",
        "Page 1 of 1",
    ] {
        assert!(text.contains(wanted), "missing {wanted:?} in:\n{text}");
    }
}

#[test]
fn new_activity_appears_in_the_latest_pdf() {
    let mut e = zoe();
    let before = pages_text(&pdf::render(&e).unwrap()).concat();
    assert!(!before.contains("Please book an appointment"));
    e.activity
        .push(Activity {
            id: ActivityId::new("out-1").unwrap(),
            at: "2031-05-14T11:00:00".parse().unwrap(),
            kind: ActivityKind::OutboundMessage {
                author: Some("Dr Example".into()),
                message: Message {
                    channel: Channel::Sms,
                    body: "Please book an appointment".into(),
                    attachments: vec![],
                },
            },
        })
        .unwrap();
    let after = pages_text(&pdf::render(&e).unwrap()).concat();
    assert!(after.contains("Please book an appointment"), "{after}");
    assert!(after.contains("SMS to patient"), "{after}");
    assert!(after.contains("Dr Example"), "{after}");
}

#[test]
fn a_very_long_consultation_flows_over_several_pages() {
    let mut e = zoe();
    let paragraph = "I have had lower back pain on and off since a fall in 2019, \
                     worse after sitting for long periods and on waking. ";
    e.questionnaire = (1..=12)
        .map(|n| Section {
            title: format!("Section {n}"),
            questions: (1..=5)
                .map(|q| QuestionAnswer {
                    question: format!("Question {n}.{q}"),
                    answer: format!("{}\n\nEnd of answer {n}.{q}.", paragraph.repeat(4)),
                })
                .collect(),
        })
        .collect();
    let pages = pages_text(&pdf::render(&e).unwrap());
    assert!(pages.len() >= 5, "only {} pages", pages.len());
    for (index, text) in pages.iter().enumerate() {
        assert!(
            text.contains("ØDEGÅRD, Zoë"),
            "page {} lacks the patient",
            index + 1
        );
        assert!(
            text.contains("NHS No. 999 000 0026") && text.contains("Born 09-Mar-1984"),
            "page {} header lacks the identifiers",
            index + 1
        );
        let footer = format!("Page {} of {}", index + 1, pages.len());
        assert!(
            text.contains(&footer),
            "page {} lacks {footer:?}",
            index + 1
        );
    }
    let all = pages.concat();
    assert!(
        all.contains("End of answer 12.5."),
        "the last answer was lost"
    );
    assert!(all.contains("End of answer 1.1."));
}

#[test]
fn a_long_name_never_pushes_the_identifiers_off_the_header() {
    let mut e = zoe();
    e.id = EConsultId::new(&"X".repeat(64)).unwrap();
    e.patient.name = PersonName::new(
        "Alexandra-Josephine-Wilhelmina",
        "Montgomery-Fetherstonhaugh-Worthington-Smythe",
    )
    .unwrap();
    e.questionnaire = vec![Section {
        title: "Long".into(),
        questions: (0..80)
            .map(|n| QuestionAnswer {
                question: format!("Question {n}"),
                answer: "An answer long enough to take a line or two of the page. ".repeat(3),
            })
            .collect(),
    }];
    let pages = pages_text(&pdf::render(&e).unwrap());
    assert!(pages.len() >= 3);
    for (index, text) in pages.iter().enumerate() {
        for wanted in [
            "Born 09-Mar-1984",
            "NHS No. 999 000 0026",
            "Practice Y01234",
        ] {
            assert!(text.contains(wanted), "page {} lacks {wanted:?}", index + 1);
        }
    }
}

#[test]
fn every_sample_renders_and_names_its_patient() {
    for econsult in samples::all().unwrap() {
        econsult.validate(&AttachmentPolicy::default()).unwrap();
        let text = pages_text(&pdf::render(&econsult).unwrap()).concat();
        assert!(
            text.contains(econsult.patient.name.first_name()),
            "{}: first name missing",
            econsult.id
        );
        if let Some((_, ideas)) = econsult.ice.parts().next() {
            let first_word = ideas.split_whitespace().next().unwrap_or_default();
            assert!(text.contains(first_word), "{}: ICE missing", econsult.id);
        }
    }
}

#[test]
fn rendering_is_deterministic() {
    let e = zoe();
    assert_eq!(pdf::render(&e).unwrap(), pdf::render(&e).unwrap());
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn any_econsult_renders_to_a_readable_pdf(econsult in strategy::econsult()) {
        let bytes = pdf::render(&econsult).unwrap();
        let pages = pages_text(&bytes);
        prop_assert!(!pages.is_empty());
        prop_assert!(pages.concat().contains(econsult.id.as_str()));
    }
}
