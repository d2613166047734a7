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

#[test]
fn text_values_read_straight_or_piece_by_piece_agree() {
    // Plain runs are read straight from the document; anything else falls
    // back to reading event by event. Both must give the same values and
    // the same errors.
    for (doc, expected) in [
        ("<R><T>plain</T></R>", "plain"),
        ("<R><T></T></R>", ""),
        ("<R><T/></R>", ""),
        (
            "<R><T>a &amp; b &lt;c&gt; &quot;&apos;</T></R>",
            "a & b <c> \"'",
        ),
        ("<R><T>&#65;&#x42;&#x0043;x</T></R>", "ABCx"),
        ("<R><T>é &#233; 😀</T></R>", "é é 😀"),
        ("<R><T>a\r\nb&#13;</T></R>", "a\nb\r"),
        ("<R><T>a&amp;b\r\nc\r</T></R>", "a&b\nc\n"),
        ("<R><T>a<![CDATA[<&>]]>b</T></R>", "a<&>b"),
        ("<R><T>a<!-- c -->b</T></R>", "ab"),
        ("<R><T>a<i>b</i>c</T></R>", "abc"),
        ("<R><T> spaced </T></R>", " spaced "),
    ] {
        let mut reader = XmlReader::new(doc.as_bytes());
        let root = reader.root().unwrap();
        let child = reader.next_child(&root).unwrap().unwrap();
        assert_eq!(reader.text(child).unwrap(), expected, "{doc}");
        assert!(reader.next_child(&root).unwrap().is_none(), "{doc}");
        reader.finish().unwrap();
    }
    for doc in [
        "<R><T>a & b</T></R>",
        "<R><T>a &amp b</T></R>",
        "<R><T>&unknown;</T></R>",
        "<R><T>&#0;</T></R>",
        "<R><T>&#xZ;</T></R>",
        "<R><T>&#1;</T></R>",
        "<R><T>text</U></R>",
        "<R><T>text</R>",
    ] {
        let mut reader = XmlReader::new(doc.as_bytes());
        let root = reader.root().unwrap();
        let child = reader.next_child(&root).unwrap().unwrap();
        let error = reader.text(child).unwrap_err();
        assert!(
            matches!(error.kind, DecodeErrorKind::Xml(_)),
            "{doc}: {error}"
        );
        assert_eq!(error.path.split('/').next(), Some("R"), "{doc}: {error}");
    }
    // An error after a straight read reports the right place.
    let doc = "<R><T>plain</T><D>2031-02-30</D></R>";
    let mut reader = XmlReader::new(doc.as_bytes());
    let root = reader.root().unwrap();
    let t = reader.next_child(&root).unwrap().unwrap();
    reader.text(t).unwrap();
    assert_eq!(reader.position(), 15);
    let d = reader.next_child(&root).unwrap().unwrap();
    let error = <chrono::NaiveDate as XmlValue>::read(&mut reader, d).unwrap_err();
    assert_eq!(error.path, "R/D");
    assert_eq!(error.offset, 32, "after the end tag of D");
}

#[test]
fn invalid_utf8_in_a_text_value_is_an_error() {
    let doc = b"<R><T>a\xFFb</T></R>";
    let mut reader = XmlReader::new(doc);
    let root = reader.root().unwrap();
    let child = reader.next_child(&root).unwrap().unwrap();
    assert!(reader.text(child).is_err());
}
