//! JSON: round-trips of arbitrary eConsults, and errors that name the field.

#![allow(clippy::unwrap_used)] // a panic in a test is a failed test

use econsult_model::{EConsult, strategy};
use proptest::prelude::*;

const VALID: &str = r#"{
  "id": "EC-1",
  "practice": "Y01234",
  "submitted_at": "2031-05-14T09:30:00",
  "patient": {
    "name": {"first_name": "Alex", "surname": "Testpatient"},
    "date_of_birth": "1970-02-01",
    "sex": "U",
    "nhs_number": "999 000 0018"
  },
  "questionnaire": [],
  "activity": [
    {"id": "a1", "at": "2031-05-14T10:00:00", "type": "outbound_message",
     "channel": "sms", "body": "Please call the surgery."}
  ],
  "status": "awaiting_response"
}"#;

#[test]
fn the_valid_document_parses() {
    let e = EConsult::from_json(VALID).unwrap();
    assert_eq!(e.patient.nhs_number.unwrap().as_str(), "9990000018");
    assert_eq!(e.activity.len(), 1);
}

/// Replaces `from` (which must occur once) and parses.
fn error_for(from: &str, to: &str) -> econsult_model::JsonError {
    assert_eq!(VALID.matches(from).count(), 1, "{from}");
    EConsult::from_json(&VALID.replace(from, to)).unwrap_err()
}

#[test]
fn errors_name_the_field_and_what_was_wrong() {
    let cases = [
        (
            r#""999 000 0018""#,
            r#""999 000 0019""#,
            "patient.nhs_number",
            "check digit",
        ),
        (
            r#""1970-02-01""#,
            r#""01/02/1970""#,
            "patient.date_of_birth",
            "joined by hyphens",
        ),
        (r#""sex": "U""#, r#""sex": "X""#, "patient.sex", "M (male)"),
        (
            r#""surname": "Testpatient""#,
            r#""surname": " ""#,
            "patient.name",
            "surname must not be empty",
        ),
        (
            r#""channel": "sms""#,
            r#""channel": "fax""#,
            "activity[0].channel",
            "unknown variant `fax`",
        ),
        (
            r#""practice": "Y01234""#,
            r#""practise": "Y01234""#,
            "practise",
            "unknown field `practise`",
        ),
        (
            r#""status": "awaiting_response""#,
            r#""status": "done""#,
            "status",
            "unknown variant `done`",
        ),
        (r#""channel": "sms", "#, "", "activity[0]", "need `channel`"),
    ];
    for (from, to, path, message) in cases {
        let err = error_for(from, to);
        assert_eq!(err.path, path, "{err}");
        assert!(err.message.contains(message), "{err}");
        assert!(err.line > 0 && err.column > 0, "{err}");
        let shown = err.to_string();
        assert!(shown.contains(&format!("`{path}`")), "{shown}");
    }
}

#[test]
fn a_missing_field_is_named() {
    let err = error_for(r#""status": "awaiting_response""#, r#""extra_ok": 1"#);
    assert!(err.message.contains("extra_ok"), "{err}");
    let json = VALID.replace(",\n  \"status\": \"awaiting_response\"", "");
    let err = EConsult::from_json(&json).unwrap_err();
    assert!(err.message.contains("missing field `status`"), "{err}");
}

#[test]
fn trailing_garbage_and_truncation_are_errors() {
    let err = EConsult::from_json(&format!("{VALID} x")).unwrap_err();
    assert!(err.message.contains("trailing characters"), "{err}");
    let err = EConsult::from_json(&VALID[..VALID.len() / 2]).unwrap_err();
    assert!(err.message.contains("EOF"), "{err}");
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn arbitrary_econsults_round_trip(econsult in strategy::econsult()) {
        let json = econsult.to_json_pretty().unwrap();
        prop_assert_eq!(EConsult::from_json(&json).unwrap(), econsult.clone());
        let compact = serde_json::to_string(&econsult).unwrap();
        prop_assert_eq!(EConsult::from_json(&compact).unwrap(), econsult);
    }

    #[test]
    fn valid_econsults_validate_and_round_trip(econsult in strategy::valid_econsult()) {
        econsult.validate(&econsult_model::AttachmentPolicy::default()).unwrap();
        let json = econsult.to_json_pretty().unwrap();
        prop_assert_eq!(EConsult::from_json(&json).unwrap(), econsult);
    }

    #[test]
    fn arbitrary_input_never_panics(input in ".{0,400}") {
        let _ = EConsult::from_json(&input);
    }

    #[test]
    fn mutated_documents_never_panic(position in 0usize..VALID.len(), byte in any::<u8>()) {
        let mut bytes = VALID.as_bytes().to_vec();
        bytes[position] = byte;
        if let Ok(text) = String::from_utf8(bytes) {
            let _ = EConsult::from_json(&text);
        }
    }
}
