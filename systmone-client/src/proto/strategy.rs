//! Proptest strategies for every wire type (feature `proptest`, and this
//! crate's own tests): each produces values that the encoder can write and
//! the decoder reads back equal, with hostile text included (markup, quotes,
//! `]]>`, line breaks, tabs, emoji, right-to-left text).

use chrono::{NaiveDate, NaiveDateTime};
use proptest::prelude::*;

use super::xml::{Decimal, Element, Minutes, Node, XmlValue};

/// Types with a strategy for arbitrary values that round-trip on the wire.
pub trait XmlArbitrary: Sized + std::fmt::Debug {
    /// The strategy.
    fn xml_strategy() -> BoxedStrategy<Self>;
}

/// `None` or a value that is not "absent" on the wire (an empty string
/// reads back as `None`, so it is not generated as `Some("")`).
pub fn optional<T: XmlArbitrary + XmlValue + 'static>() -> BoxedStrategy<Option<T>> {
    proptest::option::of(T::xml_strategy().prop_filter("present", |v| !v.is_absent())).boxed()
}

/// Zero to three values.
pub fn repeated<T: XmlArbitrary + 'static>() -> BoxedStrategy<Vec<T>> {
    proptest::collection::vec(T::xml_strategy(), 0..3).boxed()
}

/// Text XML can carry, chosen to break naive encoders.
pub fn xml_text() -> BoxedStrategy<String> {
    prop_oneof![
        "[ -~]{0,24}",
        "\\PC{0,24}".prop_map(|s: String| s.chars().filter(|c| xml_char(*c)).collect()),
        Just("a < b && c > d ]]> \"q\" 'a' <!-- x --> <![CDATA[y]]>".to_owned()),
        Just("line one\r\nline two\n\ttabbed ".to_owned()),
        Just("  leading and trailing spaces  ".to_owned()),
        Just("😀 emoji, עברית, Zoë Ødegård, Łukasz, Groß".to_owned()),
        Just(String::new()),
    ]
    .boxed()
}

/// Whether XML 1.0 can carry `c`.
fn xml_char(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r') || (c >= ' ' && c != '\u{FFFE}' && c != '\u{FFFF}')
}

impl XmlArbitrary for String {
    fn xml_strategy() -> BoxedStrategy<Self> {
        xml_text()
    }
}

impl XmlArbitrary for bool {
    fn xml_strategy() -> BoxedStrategy<Self> {
        any::<bool>().boxed()
    }
}

impl XmlArbitrary for u32 {
    fn xml_strategy() -> BoxedStrategy<Self> {
        any::<u32>().boxed()
    }
}

impl XmlArbitrary for u64 {
    fn xml_strategy() -> BoxedStrategy<Self> {
        any::<u64>().boxed()
    }
}

impl XmlArbitrary for i64 {
    fn xml_strategy() -> BoxedStrategy<Self> {
        any::<i64>().boxed()
    }
}

impl XmlArbitrary for NaiveDate {
    fn xml_strategy() -> BoxedStrategy<Self> {
        (1900i32..2100, 1u32..=365)
            .prop_filter_map("a real date", |(y, d)| NaiveDate::from_yo_opt(y, d))
            .boxed()
    }
}

impl XmlArbitrary for NaiveDateTime {
    fn xml_strategy() -> BoxedStrategy<Self> {
        (NaiveDate::xml_strategy(), 0u32..86_400)
            .prop_filter_map("a real time", |(d, s)| {
                d.and_hms_opt(s / 3600, s / 60 % 60, s % 60)
            })
            .boxed()
    }
}

impl XmlArbitrary for Decimal {
    fn xml_strategy() -> BoxedStrategy<Self> {
        "-?[0-9]{1,6}(\\.[0-9]{1,3})?"
            .prop_filter_map("decimal", |s| Decimal::new(&s))
            .boxed()
    }
}

impl XmlArbitrary for Minutes {
    fn xml_strategy() -> BoxedStrategy<Self> {
        (0u32..1440).prop_map(Minutes).boxed()
    }
}

/// Unknown elements as SystmOne might add them: names no typed field uses,
/// attributes, and either text or child elements.
pub fn unknown_elements() -> BoxedStrategy<Vec<Element>> {
    let leaf = ("ZzLeaf[0-9]", proptest::option::of(xml_text()), xml_text()).prop_map(
        |(name, attribute, text)| Element {
            name,
            attributes: attribute
                .map(|v| vec![("Kind".to_owned(), v)])
                .unwrap_or_default(),
            children: if text.trim().is_empty() {
                Vec::new()
            } else {
                vec![Node::Text(text)]
            },
        },
    );
    let parent = ("ZzNode[0-9]", proptest::collection::vec(leaf.clone(), 0..3)).prop_map(
        |(name, children)| Element {
            name,
            attributes: Vec::new(),
            children: children.into_iter().map(Node::Element).collect(),
        },
    );
    proptest::collection::vec(prop_oneof![leaf, parent], 0..2).boxed()
}

/// Identifier-like text (codes, user names, statuses): no surrounding
/// whitespace, which the decoder trims (PROTOCOL.md §1.8).
pub fn token() -> BoxedStrategy<String> {
    prop_oneof![
        "[A-Za-z0-9.]{0,12}",
        "[A-Za-z]{1,8}( [A-Za-z&'-]{1,8}){0,2}",
        Just("Child Adolescent & Family Services".to_owned()),
    ]
    .boxed()
}

/// Unknown attributes as SystmOne might add them: names no typed field uses.
pub fn unknown_attributes() -> BoxedStrategy<Vec<(String, String)>> {
    proptest::collection::vec(("ZzAttr[0-9]", xml_text()), 0..2).boxed()
}
