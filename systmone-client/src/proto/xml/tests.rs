//! Round trips of the XML layer through generated types.

use proptest::prelude::*;

use super::*;
use crate::proto::strategy::XmlArbitrary;
use crate::proto::{Address, Code, CodeScheme, Identity};

fn round_trip<T: XmlValue + XmlArbitrary + PartialEq>(value: &T) -> T {
    let bytes = encode_document(value, "Root", EncodeOptions::default()).unwrap();
    let text = std::str::from_utf8(&bytes).unwrap();
    assert!(!text.contains('\n') && !text.contains('\r'), "{text}");
    decode_document(text, "Root").unwrap_or_else(|e| panic!("{e}\n{text}"))
}

#[test]
fn generated_struct_reads_any_order_and_case_and_skips_unknown() {
    let doc = "<root><postcode>ZZ99 1AB</postcode><HOUSENUMBER>12a</HOUSENUMBER><Road></Road>\
               <Extra a=\"1\">kept</Extra></root>";
    let address: Address = decode_document(doc, "Root").unwrap();
    assert_eq!(address.postcode.as_deref(), Some("ZZ99 1AB"));
    assert_eq!(address.house_number.as_deref(), Some("12a"));
    assert_eq!(address.road, None, "an empty element is no value");
    assert_eq!(address.other.len(), 1);
    assert_eq!(address.other[0].text(), "kept");
    let bytes = encode_document(&address, "Address", EncodeOptions::default()).unwrap();
    assert_eq!(
        String::from_utf8(bytes).unwrap(),
        "<Address><HouseNumber>12a</HouseNumber><Postcode>ZZ99 1AB</Postcode><Extra a=\"1\">kept</Extra></Address>"
    );
}

#[test]
fn attributes_and_missing_required_attribute() {
    let code: Code = decode_document(
        "<Code scheme='ctv3' CODE=\"XE0Ub\" Term=\"a &amp; b\"/>",
        "Code",
    )
    .unwrap();
    assert_eq!(code.scheme, CodeScheme::Ctv3);
    assert_eq!(code.term.as_deref(), Some("a & b"));
    let err = decode_document::<Code>("<Code Scheme=\"CTV3\"/>", "Code").unwrap_err();
    assert_eq!(err.kind, DecodeErrorKind::Missing { name: "@Code" });
    assert_eq!(err.path, "Code");
}

#[test]
fn wrong_root_and_trailing_content_are_errors() {
    let err = decode_document::<Address>("<Other/>", "Address").unwrap_err();
    assert!(
        matches!(err.kind, DecodeErrorKind::UnexpectedRoot { .. }),
        "{err}"
    );
    let err = decode_document::<Address>("<Address/><Address/>", "Address").unwrap_err();
    assert!(matches!(err.kind, DecodeErrorKind::Xml(_)), "{err}");
}

#[test]
fn nhs_number_casing_is_an_option() {
    let id = Identity {
        nhs_number: Some("9990000018".into()),
        ..Identity::default()
    };
    let schema = encode_document(&id, "Identity", EncodeOptions::default()).unwrap();
    assert_eq!(
        schema,
        b"<Identity><NHSNumber>9990000018</NHSNumber></Identity>"
    );
    let examples = EncodeOptions {
        nhs_number_casing: NhsNumberCasing::Examples,
        ..EncodeOptions::default()
    };
    let bytes = encode_document(&id, "Identity", examples).unwrap();
    assert_eq!(
        bytes,
        b"<Identity><NhsNumber>9990000018</NhsNumber></Identity>"
    );
    let back: Identity = decode_document(std::str::from_utf8(&bytes).unwrap(), "Identity").unwrap();
    assert_eq!(back, id);
}

proptest! {
    #[test]
    fn addresses_round_trip(value in Address::xml_strategy()) {
        prop_assert_eq!(round_trip(&value), value);
    }

    #[test]
    fn codes_round_trip(value in Code::xml_strategy()) {
        prop_assert_eq!(round_trip(&value), value);
    }

    #[test]
    fn identities_round_trip(value in Identity::xml_strategy()) {
        prop_assert_eq!(round_trip(&value), value);
    }
}

#[test]
fn line_ends_and_attribute_whitespace_follow_xml_rules() {
    let text: String = decode_document("<R>a\r\nb\rc&#13;d</R>", "R").unwrap();
    assert_eq!(
        text, "a\nb\nc\rd",
        "raw CR LF and CR become LF; an escaped CR stays"
    );
    let code: Code = decode_document(
        "<Code Scheme=\"CTV3\" Code=\"X\" Term=\"a\tb\nc&#10;d &amp; e\"/>",
        "Code",
    )
    .unwrap();
    assert_eq!(code.term.as_deref(), Some("a b c\nd & e"));
}

#[test]
fn attributes_are_split_strictly() {
    let ok: Code = decode_document(
        "<Code  Scheme = 'CTV3'\n\tCode=\"a>b\" Term=\"it's\" />",
        "Code",
    )
    .unwrap();
    assert_eq!(
        (ok.code.as_str(), ok.term.as_deref()),
        ("a>b", Some("it's"))
    );
    for bad in [
        "<Code Scheme=CTV3 Code=\"X\"/>",
        "<Code Scheme=\"CTV3 Code=\"X\"/>",
        "<Code Scheme Code=\"X\"/>",
        "<Code =\"CTV3\" Code=\"X\"/>",
    ] {
        assert!(decode_document::<Code>(bad, "Code").is_err(), "{bad}");
    }
}

#[test]
fn markup_inside_a_text_value_keeps_its_text() {
    let text: String =
        decode_document("<Line>a <b>bold<i/> and <i>italic</i></b> c</Line>", "Line").unwrap();
    assert_eq!(text, "a bold and italic c");
}
