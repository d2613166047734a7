//! How single values are read from and written to elements and attributes.

use std::borrow::Cow;

use chrono::{NaiveDate, NaiveDateTime, NaiveTime};

use super::reader::{DecodeError, DecodeErrorKind, Tag, XmlReader};
use super::writer::XmlWriter;

/// A value carried as the content of one element.
pub trait XmlValue: Sized {
    /// Reads the content of `tag` (which the caller has matched by name).
    fn read<'a>(reader: &mut XmlReader<'a>, tag: Tag<'a>) -> Result<Self, DecodeError>;

    /// Writes the value as the element `name`.
    fn write(&self, name: &'static str, w: &mut XmlWriter);

    /// Whether this decoded value means "no value" (SystmOne sends empty
    /// elements for unknown values), so an optional field reads as `None`.
    fn is_absent(&self) -> bool {
        false
    }

    /// Reads an optional element: "no value" (an absent-meaning value, or
    /// an empty element where the type cannot be empty, such as a date)
    /// reads as `None`, as PROTOCOL.md §1.8 asks.
    fn read_optional<'a>(
        reader: &mut XmlReader<'a>,
        tag: Tag<'a>,
    ) -> Result<Option<Self>, DecodeError> {
        let value = Self::read(reader, tag)?;
        Ok((!value.is_absent()).then_some(value))
    }
}

/// Anything that can be written as an element: every [`XmlValue`], and the
/// function-agnostic [`AnyRequest`](crate::proto::AnyRequest) and
/// [`AnyResponse`](crate::proto::AnyResponse), which can be written but only
/// read through the envelope that names their function.
pub trait WriteXml {
    /// Writes the value as the element `name`.
    fn write_xml(&self, name: &'static str, w: &mut XmlWriter);
}

impl<T: XmlValue> WriteXml for T {
    fn write_xml(&self, name: &'static str, w: &mut XmlWriter) {
        self.write(name, w);
    }
}

/// A value carried as text: element content or an attribute value.
pub trait XmlText: Sized {
    /// What the text should look like, for errors: "a date (YYYY-MM-DD)".
    const EXPECTED: &'static str;

    /// Parses the text (not yet trimmed).
    fn parse_text(text: &str) -> Option<Self>;

    /// Parses owned text, handing it back on failure; types that keep the
    /// text (strings) override this to avoid a copy.
    fn from_owned(text: String) -> Result<Self, String> {
        Self::parse_text(&text).ok_or(text)
    }

    /// Parses text that may be borrowed from the document: only a type
    /// that keeps its text (through [`XmlText::from_owned`]) takes
    /// ownership, so a date, a number or a known enumeration value is read
    /// without an allocation.
    fn from_cow(text: Cow<'_, str>) -> Result<Self, String> {
        match text {
            Cow::Owned(text) => Self::from_owned(text),
            Cow::Borrowed(text) => Self::parse_text(text).ok_or_else(|| text.to_owned()),
        }
    }

    /// The text to write.
    fn to_text(&self) -> Cow<'_, str>;

    /// See [`XmlValue::is_absent`].
    fn is_absent_text(&self) -> bool {
        false
    }
}

impl<T: XmlText> XmlValue for T {
    fn read<'a>(reader: &mut XmlReader<'a>, tag: Tag<'a>) -> Result<Self, DecodeError> {
        // Keep the tag (a cheap borrow) to name the element in an error.
        let element = tag.clone();
        let text = reader.text_cow(tag)?;
        T::from_cow(text).map_err(|value| {
            reader.error_in(
                element.name(),
                DecodeErrorKind::InvalidValue {
                    value,
                    expected: T::EXPECTED,
                },
            )
        })
    }

    fn write(&self, name: &'static str, w: &mut XmlWriter) {
        w.text_element(name, &self.to_text());
    }

    fn is_absent(&self) -> bool {
        self.is_absent_text()
    }

    fn read_optional<'a>(
        reader: &mut XmlReader<'a>,
        tag: Tag<'a>,
    ) -> Result<Option<Self>, DecodeError> {
        let element = tag.clone();
        let text = reader.text_cow(tag)?;
        match T::from_cow(text) {
            Ok(value) => Ok((!value.is_absent_text()).then_some(value)),
            Err(text) if text.trim().is_empty() => Ok(None),
            Err(value) => Err(reader.error_in(
                element.name(),
                DecodeErrorKind::InvalidValue {
                    value,
                    expected: T::EXPECTED,
                },
            )),
        }
    }
}

impl XmlText for String {
    const EXPECTED: &'static str = "text";

    /// Free text is kept exactly, surrounding spaces included: SystmOne's
    /// narrative lines and display names carry significant spaces.
    fn parse_text(text: &str) -> Option<Self> {
        Some(text.to_owned())
    }

    fn from_owned(text: String) -> Result<Self, String> {
        Ok(text)
    }

    fn to_text(&self) -> Cow<'_, str> {
        Cow::Borrowed(self)
    }

    fn is_absent_text(&self) -> bool {
        self.is_empty()
    }
}

impl XmlText for bool {
    const EXPECTED: &'static str = "true or false";

    fn parse_text(text: &str) -> Option<Self> {
        let text = text.trim();
        if text.eq_ignore_ascii_case("true") || text == "1" {
            Some(true)
        } else if text.eq_ignore_ascii_case("false") || text == "0" {
            Some(false)
        } else {
            None
        }
    }

    fn to_text(&self) -> Cow<'_, str> {
        Cow::Borrowed(if *self { "true" } else { "false" })
    }
}

macro_rules! integer_text {
    ($($ty:ty),*) => {$(
        impl XmlText for $ty {
            const EXPECTED: &'static str = "a whole number";

            fn parse_text(text: &str) -> Option<Self> {
                text.trim().parse().ok()
            }

            fn to_text(&self) -> Cow<'_, str> {
                Cow::Owned(self.to_string())
            }
        }
    )*};
}
integer_text!(u32, u64, i64);

/// Dates are `YYYY-MM-DD`. Accepted too, as PROTOCOL.md §5.3 asks: a
/// date-time where a date is expected (its date part is taken).
impl XmlText for NaiveDate {
    const EXPECTED: &'static str = "a date (YYYY-MM-DD)";

    fn parse_text(text: &str) -> Option<Self> {
        let text = text.trim();
        match text.get(..10) {
            Some(date) if text.len() == 10 || text.as_bytes().get(10) == Some(&b'T') => {
                if text.len() > 10 {
                    parse_date_time(text)?;
                }
                parse_plain_date(date)
            }
            _ => None,
        }
    }

    fn to_text(&self) -> Cow<'_, str> {
        Cow::Owned(self.format("%Y-%m-%d").to_string())
    }
}

/// Date-times are local wall-clock time, `YYYY-MM-DDTHH:MM:SS`. Accepted
/// too (§5.3): fractional seconds of any length (dropped: SystmOne keeps
/// seconds), a trailing `Z` or `±HH:MM` (ignored: the value is local time),
/// and a bare date (midnight).
impl XmlText for NaiveDateTime {
    const EXPECTED: &'static str = "a local date-time (YYYY-MM-DDTHH:MM:SS)";

    fn parse_text(text: &str) -> Option<Self> {
        parse_date_time(text.trim())
    }

    fn to_text(&self) -> Cow<'_, str> {
        Cow::Owned(self.format("%Y-%m-%dT%H:%M:%S").to_string())
    }
}

/// The number written by ASCII digits `bytes`.
fn number(bytes: &[u8]) -> Option<u32> {
    bytes.iter().try_fold(0u32, |n, &b| {
        b.is_ascii_digit().then(|| n * 10 + u32::from(b - b'0'))
    })
}

/// `YYYY-MM-DD`, read by position (chrono's format-string parser is
/// several times slower, and a record holds thousands of dates).
fn parse_plain_date(text: &str) -> Option<NaiveDate> {
    let b = text.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let year = i32::try_from(number(&b[..4])?).ok()?;
    NaiveDate::from_ymd_opt(year, number(&b[5..7])?, number(&b[8..10])?)
}

/// `YYYY-MM-DDTHH:MM:SS`, read by position.
fn parse_plain_date_time(text: &str) -> Option<NaiveDateTime> {
    let b = text.as_bytes();
    if b.len() != 19 || b[10] != b'T' || b[13] != b':' || b[16] != b':' {
        return None;
    }
    parse_plain_date(&text[..10])?.and_hms_opt(
        number(&b[11..13])?,
        number(&b[14..16])?,
        number(&b[17..19])?,
    )
}

fn parse_date_time(text: &str) -> Option<NaiveDateTime> {
    if text.len() == 10 {
        return parse_plain_date(text).map(|d| d.and_time(NaiveTime::MIN));
    }
    let main = text.get(..19)?;
    let mut rest = &text[19..];
    if let Some(fraction) = rest.strip_prefix('.') {
        let digits = fraction.bytes().take_while(u8::is_ascii_digit).count();
        if digits == 0 {
            return None;
        }
        rest = &fraction[digits..];
    }
    let zone_ok = rest.is_empty()
        || rest == "Z"
        || rest == "z"
        || (rest.len() == 6
            && matches!(rest.as_bytes()[0], b'+' | b'-')
            && rest.as_bytes()[3] == b':'
            && rest[1..3]
                .bytes()
                .chain(rest[4..].bytes())
                .all(|b| b.is_ascii_digit()));
    if !zone_ok {
        return None;
    }
    parse_plain_date_time(main)
}

/// `text` without surrounding whitespace, reusing its allocation when
/// there is nothing to trim (the usual case).
pub(crate) fn trimmed(text: String) -> String {
    if text.trim().len() == text.len() {
        text
    } else {
        text.trim().to_owned()
    }
}

/// A decimal number kept as its text, so `71.50` is sent back as `71.50`
/// and no precision is lost to floating point.
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(transparent)]
pub struct Decimal(String);

impl Decimal {
    /// Validates decimal text: an optional sign, digits, an optional
    /// fraction.
    pub fn new(text: &str) -> Option<Self> {
        let t = text.trim();
        let body = t.strip_prefix(['-', '+']).unwrap_or(t);
        let (whole, fraction) = match body.split_once('.') {
            Some((whole, fraction)) => (whole, Some(fraction)),
            None => (body, None),
        };
        // xs:decimal: digits on at least one side of the point (`.5`, `5.`).
        let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
        let some_digit = !whole.is_empty() || fraction.is_some_and(|f| !f.is_empty());
        (some_digit && digits(whole) && fraction.is_none_or(digits)).then(|| Self(t.to_owned()))
    }

    /// The number as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The number as a float (for arithmetic; precision may be lost).
    pub fn to_f64(&self) -> Option<f64> {
        self.0.parse().ok()
    }
}

impl XmlText for Decimal {
    const EXPECTED: &'static str = "a decimal number";

    fn parse_text(text: &str) -> Option<Self> {
        Decimal::new(text)
    }

    fn from_owned(text: String) -> Result<Self, String> {
        if Decimal::new(&text).is_some() {
            Ok(Self(trimmed(text)))
        } else {
            Err(text)
        }
    }

    fn to_text(&self) -> Cow<'_, str> {
        Cow::Borrowed(&self.0)
    }
}

/// A duration in whole minutes. SystmOne sends `10` in requests and slot
/// lists but `10.0` in patient records; both read as 10. A fractional
/// duration (`7.5`) is rounded to the nearest minute, half up: SystmOne's
/// own forms are whole minutes, and it is always written as a whole number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(transparent)]
pub struct Minutes(pub u32);

impl XmlText for Minutes {
    const EXPECTED: &'static str = "a number of minutes";

    fn parse_text(text: &str) -> Option<Self> {
        let t = text.trim();
        let (whole, fraction) = t.split_once('.').unwrap_or((t, ""));
        if !fraction.bytes().all(|b| b.is_ascii_digit())
            || (whole.is_empty() && fraction.is_empty())
        {
            return None;
        }
        let whole: u32 = if whole.is_empty() {
            0
        } else {
            whole.parse().ok()?
        };
        let round_up = fraction.as_bytes().first().is_some_and(|d| *d >= b'5');
        whole.checked_add(u32::from(round_up)).map(Minutes)
    }

    fn to_text(&self) -> Cow<'_, str> {
        Cow::Owned(self.0.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dt(s: &str) -> Option<NaiveDateTime> {
        NaiveDateTime::parse_text(s)
    }

    #[test]
    fn date_times_accept_the_forms_seen_in_the_wild() {
        let expected =
            NaiveDateTime::parse_from_str("2031-05-14T12:45:12", "%Y-%m-%dT%H:%M:%S").ok();
        for form in [
            "2031-05-14T12:45:12",
            " 2031-05-14T12:45:12 ",
            "2031-05-14T12:45:12.0Z",
            "2031-05-14T12:45:12.123456",
            "2031-05-14T12:45:12Z",
            "2031-05-14T12:45:12+01:00",
            "2031-05-14T12:45:12.5-05:30",
        ] {
            assert_eq!(dt(form), expected, "{form}");
        }
        assert_eq!(dt("2031-05-14").unwrap().to_string(), "2031-05-14 00:00:00");
        for bad in [
            "2031-05-14 12:45:12",
            "2031-05-14T12:45",
            "2031-05-14T12:45:12.",
            "2031-05-14T12:45:12+1",
            "",
            "2031-13-01T00:00:00",
            "2031-05-14T12:45:12ZZ",
            "2031-05-14T12:45:1é",
        ] {
            assert_eq!(dt(bad), None, "{bad}");
        }
        assert_eq!(expected.unwrap().to_text(), "2031-05-14T12:45:12");
    }

    #[test]
    fn dates_accept_a_date_time_and_emit_a_date() {
        let d = NaiveDate::parse_text("1970-02-01").unwrap();
        assert_eq!(NaiveDate::parse_text("1970-02-01T00:00:00"), Some(d));
        assert_eq!(NaiveDate::parse_text("1970-02-01T10:00:00.0Z"), Some(d));
        assert_eq!(NaiveDate::parse_text("1970-02-01X"), None);
        assert_eq!(NaiveDate::parse_text("01/02/1970"), None);
        assert_eq!(d.to_text(), "1970-02-01");
    }

    #[test]
    fn booleans_numbers_decimals_and_minutes() {
        assert_eq!(bool::parse_text(" TRUE "), Some(true));
        assert_eq!(bool::parse_text("0"), Some(false));
        assert_eq!(bool::parse_text("yes"), None);
        assert_eq!(u64::parse_text(" 2788104517 "), Some(2_788_104_517));
        assert_eq!(Decimal::parse_text("71.50").unwrap().as_str(), "71.50");
        assert_eq!(Decimal::parse_text("-3").unwrap().to_f64(), Some(-3.0));
        for good in [".5", "5.", "-0.25", "+3"] {
            assert!(Decimal::parse_text(good).is_some(), "{good}");
        }
        for bad in ["", ".", "-", "1.2.3", "1e5", "abc", "--1"] {
            assert!(Decimal::parse_text(bad).is_none(), "{bad}");
        }
        assert_eq!(Minutes::parse_text("10.0"), Some(Minutes(10)));
        assert_eq!(Minutes::parse_text("10"), Some(Minutes(10)));
        assert_eq!(Minutes::parse_text("7.5"), Some(Minutes(8)));
        assert_eq!(Minutes::parse_text("7.49"), Some(Minutes(7)));
        assert_eq!(Minutes::parse_text(".5"), Some(Minutes(1)));
        for bad in ["", ".", "-1", "10.x", "ten"] {
            assert_eq!(Minutes::parse_text(bad), None, "{bad}");
        }
    }
}
