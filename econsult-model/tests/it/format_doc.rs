//! Keeps `docs/econsult-format.md` true: its complete example must read and
//! validate, and the error messages it quotes must be the ones the code
//! gives.

use econsult_model::{AttachmentPolicy, EConsult};

fn doc() -> String {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/econsult-format.md");
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("reading {path}: {e}"))
}

/// The body of the first fenced block of the given language.
fn first_block(doc: &str, language: &str) -> String {
    let fence = format!("```{language}\n");
    let start = doc
        .find(&fence)
        .unwrap_or_else(|| panic!("the format doc has no {fence:?} block"))
        + fence.len();
    let length = doc[start..]
        .find("\n```")
        .expect("the first block is closed");
    doc[start..start + length + 1].to_owned()
}

fn example() -> String {
    first_block(&doc(), "json")
}

/// The example with `from` replaced by `to`, which must occur exactly once.
fn changed(example: &str, from: &str, to: &str) -> String {
    assert_eq!(
        example.matches(from).count(),
        1,
        "the doc's example should contain {from:?} exactly once"
    );
    example.replacen(from, to, 1)
}

/// Fails, listing every message the doc does not quote word for word.
fn assert_doc_quotes(messages: &[String]) {
    let doc = doc();
    let missing: Vec<&str> = messages
        .iter()
        .map(String::as_str)
        .filter(|m| !doc.contains(m))
        .collect();
    assert!(
        missing.is_empty(),
        "docs/econsult-format.md should quote these errors exactly:\n{}",
        missing.join("\n")
    );
}

#[test]
fn the_example_reads_and_validates() {
    let example = example();
    let econsult = EConsult::from_json(&example).unwrap_or_else(|e| panic!("{e}"));
    if let Err(problems) = econsult.validate(&AttachmentPolicy::default()) {
        panic!("{problems}");
    }
    let back = EConsult::from_json(&econsult.to_json_pretty().unwrap()).unwrap();
    assert_eq!(back, econsult);
}

#[test]
fn the_example_uses_every_activity_type_and_an_attachment() {
    let example = example();
    for needle in [
        r#""type": "staff_response""#,
        r#""type": "outbound_message""#,
        r#""type": "inbound_message""#,
        r#""type": "note""#,
        r#""type": "status_change""#,
        r#""channel": "email""#,
        r#""channel": "sms""#,
        r#""content_base64""#,
    ] {
        assert!(example.contains(needle), "the example lacks {needle}");
    }
}

#[test]
fn the_quoted_reading_errors_are_real() {
    let example = example();
    let cases = [
        changed(
            &example,
            r#""nhs_number": "999 000 0018""#,
            r#""nhs_number": "999 000 0019""#,
        ),
        changed(
            &example,
            r#""surname": "Testpatient""#,
            r#""surnme": "Testpatient""#,
        ),
        changed(
            &example,
            "\"channel\": \"sms\",\n      \"body\": \"Dear Alex",
            "\"body\": \"Dear Alex",
        ),
        changed(
            &example,
            r#""submitted_at": "2031-05-14T09:30:00""#,
            r#""submitted_at": "2031-05-14T09:30:00Z""#,
        ),
    ];
    let messages: Vec<String> = cases
        .iter()
        .map(|json| {
            EConsult::from_json(json)
                .expect_err("the changed example is refused")
                .to_string()
        })
        .collect();
    assert_doc_quotes(&messages);
}

#[test]
fn the_quoted_validation_errors_are_real() {
    let example = example();
    let json = changed(
        &example,
        r#""status": "completed""#,
        r#""status": "awaiting_response""#,
    );
    let json = changed(
        &json,
        r#""file_name": "rash.png""#,
        r#""file_name": "rash.jpg""#,
    );
    let econsult = EConsult::from_json(&json).unwrap_or_else(|e| panic!("{e}"));
    let problems = econsult
        .validate(&AttachmentPolicy::default())
        .expect_err("the changed example is invalid");
    assert_eq!(problems.0.len(), 2, "{problems}");
    assert_doc_quotes(&[problems.to_string()]);
}
