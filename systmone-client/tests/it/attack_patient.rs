//! Regression tests from an adversarial review of `PatientId` (the one
//! rule for which identifier names a record): SystmOne's answers that
//! repeat an identifier must never make an identity name another record.

use systmone_client::patient::PatientId;
use systmone_client::proto::{DecodeErrorKind, Identity, PatientSearch, decode_response};

/// A `PatientSearch` answer whose one result carries `identity` (the XML of
/// its `Identity`, or of several).
fn search_answer(identity: &str) -> String {
    format!(
        "<ClientIntegrationResponse><DeviceID>d</DeviceID><RequestUID>u</RequestUID>\
         <Function>PatientSearch</Function><FunctionVersion>1.0</FunctionVersion>\
         <ResponseUID>r</ResponseUID><Response><Result>{identity}<FirstName>Alex</FirstName>\
         <Surname>Testpatient</Surname><DateOfBirth>1970-02-01</DateOfBirth><Sex>F</Sex>\
         </Result></Response></ClientIntegrationResponse>"
    )
}

fn identity_of(document: &str) -> Result<Identity, DecodeErrorKind> {
    let response = decode_response::<PatientSearch>(document.as_bytes()).map_err(|e| e.kind)?;
    Ok(response.body.unwrap().results.remove(0).identity)
}

#[test]
fn an_empty_repeat_never_hides_an_invalid_nhs_number() {
    // 9990000019 fails its check digit: the identity names nobody, and an
    // empty second NHSNumber must not wipe it so that the pseudo number
    // names the patient instead.
    let identity = identity_of(&search_answer(
        "<Identity><NHSNumber>9990000019</NHSNumber><NHSNumber/>\
         <PseudoNumber>0012345678</PseudoNumber></Identity>",
    ))
    .unwrap();
    assert_eq!(identity.nhs_number.as_deref(), Some("9990000019"));
    assert_eq!(PatientId::from_identity(&identity), None);
}

#[test]
fn two_nhs_numbers_in_one_identity_are_refused() {
    let refused = identity_of(&search_answer(
        "<Identity><NHSNumber>9990000018</NHSNumber><nhsnumber>9990000026</nhsnumber></Identity>",
    ))
    .unwrap_err();
    assert!(
        matches!(&refused, DecodeErrorKind::Repeated { name } if name == "NHSNumber"),
        "{refused:?}"
    );
}

#[test]
fn two_identities_in_one_result_are_refused() {
    let refused = identity_of(&search_answer(
        "<Identity><NHSNumber>9990000019</NHSNumber></Identity>\
         <Identity><PseudoNumber>0012345678</PseudoNumber></Identity>",
    ))
    .unwrap_err();
    assert!(
        matches!(&refused, DecodeErrorKind::Repeated { .. }),
        "{refused:?}"
    );
}

#[test]
fn an_identifier_of_invisible_characters_names_nobody() {
    let identity = identity_of(&search_answer(
        "<Identity><PseudoNumber>\u{FEFF}\u{200B}</PseudoNumber><ClientID>A1234BC</ClientID></Identity>",
    ))
    .unwrap();
    let id = PatientId::from_identity(&identity).unwrap();
    assert_eq!(id.as_client_id(), Some("A1234BC"));
    assert_eq!(id.as_pseudo_number(), None);
}
