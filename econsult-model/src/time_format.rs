//! The JSON forms of dates and date-times: `YYYY-MM-DD` and
//! `YYYY-MM-DDTHH:MM:SS`, local wall-clock time with no time zone, as
//! SystmOne keeps them. Errors say which form was expected and why the
//! value given is not it.

use chrono::{Datelike, NaiveDate, NaiveDateTime};
use serde::{Deserialize, Deserializer, Serializer};

const DATE_EXAMPLE: &str = "2031-05-14";
const DATE_TIME_EXAMPLE: &str = "2031-05-14T09:30:00";

/// Why a date or date-time was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{given:?} is not a {what}: {problem}; write it like {example}")]
pub(crate) struct TimeFormatError {
    given: String,
    what: &'static str,
    problem: &'static str,
    example: &'static str,
}

/// Checks `text` has the digits and separators of `pattern`, where `9`
/// stands for a digit.
fn has_shape(text: &str, pattern: &str) -> bool {
    text.len() == pattern.len()
        && text.bytes().zip(pattern.bytes()).all(|(t, p)| match p {
            b'9' => t.is_ascii_digit(),
            _ => t == p,
        })
}

/// Parses `YYYY-MM-DD`.
pub(crate) fn parse_date(text: &str) -> Result<NaiveDate, TimeFormatError> {
    let fail = |problem| TimeFormatError {
        given: crate::text::excerpt(text),
        what: "date",
        problem,
        example: DATE_EXAMPLE,
    };
    let trimmed = text.trim();
    if !has_shape(trimmed, "9999-99-99") {
        return Err(fail(if trimmed.contains('T') {
            "a date has no time part"
        } else {
            "expected four-digit year, two-digit month and two-digit day, joined by hyphens"
        }));
    }
    NaiveDate::parse_from_str(trimmed, "%Y-%m-%d").map_err(|_| fail("there is no such day"))
}

/// Parses `YYYY-MM-DDTHH:MM:SS`, accepting (and dropping) fractional
/// seconds; a time zone is refused, because the model holds local times.
pub(crate) fn parse_date_time(text: &str) -> Result<NaiveDateTime, TimeFormatError> {
    let fail = |problem| TimeFormatError {
        given: crate::text::excerpt(text),
        what: "local date-time",
        problem,
        example: DATE_TIME_EXAMPLE,
    };
    let trimmed = text.trim();
    let (main, fraction) = match trimmed.split_once('.') {
        Some((main, fraction)) => (main, Some(fraction)),
        None => (trimmed, None),
    };
    let zoned = trimmed.ends_with(['Z', 'z'])
        || trimmed
            .get(19..)
            .is_some_and(|rest| rest.contains(['+', '-']));
    if zoned {
        return Err(fail(
            "it carries a time zone; give the local wall-clock time with no zone",
        ));
    }
    if has_shape(main, "9999-99-99 99:99:99") {
        return Err(fail("put a T between the date and the time"));
    }
    if !has_shape(main, "9999-99-99T99:99:99") {
        return Err(fail(
            "expected the date, a T, then hours, minutes and seconds, all two-digit",
        ));
    }
    if fraction.is_some_and(|f| f.is_empty() || !f.bytes().all(|b| b.is_ascii_digit())) {
        return Err(fail("fractional seconds must be digits"));
    }
    if fraction.is_some_and(|f| f.len() > 9) {
        return Err(fail(
            "fractional seconds go to nanoseconds at most (9 digits)",
        ));
    }
    // Fractions are kept, so what is written reads back equal; a leap
    // second (`:60`) is a valid chrono value and round-trips too.
    NaiveDateTime::parse_from_str(trimmed, "%Y-%m-%dT%H:%M:%S%.f")
        .map_err(|_| fail("there is no such day or time"))
}

/// Refuses to write a year the JSON form cannot hold (it has four digits),
/// rather than write what could not be read back.
fn check_year<E: serde::ser::Error>(year: i32) -> Result<(), E> {
    if (0..=9999).contains(&year) {
        Ok(())
    } else {
        Err(E::custom(format_args!(
            "the year {year} cannot be written: dates must be in the years 0000 to 9999"
        )))
    }
}

/// Serde for a `NaiveDate` as `YYYY-MM-DD`.
pub(crate) mod date {
    use super::*;

    pub(crate) fn serialize<S: Serializer>(value: &NaiveDate, s: S) -> Result<S::Ok, S::Error> {
        check_year(value.year())?;
        s.collect_str(&value.format("%Y-%m-%d"))
    }

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<NaiveDate, D::Error> {
        let text = String::deserialize(d)?;
        parse_date(&text).map_err(serde::de::Error::custom)
    }
}

/// Serde for a `NaiveDateTime` as `YYYY-MM-DDTHH:MM:SS`.
pub(crate) mod date_time {
    use super::*;

    pub(crate) fn serialize<S: Serializer>(value: &NaiveDateTime, s: S) -> Result<S::Ok, S::Error> {
        check_year(value.year())?;
        s.collect_str(&value.format("%Y-%m-%dT%H:%M:%S%.f"))
    }

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<NaiveDateTime, D::Error> {
        let text = String::deserialize(d)?;
        parse_date_time(&text).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_must_be_zero_padded_and_real() {
        assert_eq!(
            parse_date(" 1970-02-01 ").unwrap(),
            NaiveDate::from_ymd_opt(1970, 2, 1).unwrap()
        );
        for (bad, why) in [
            ("1970-2-1", "two-digit month"),
            ("01/02/1970", "joined by hyphens"),
            ("1970-02-30", "no such day"),
            ("1970-02-01T00:00:00", "no time part"),
        ] {
            let err = parse_date(bad).unwrap_err().to_string();
            assert!(
                err.contains(why) && err.contains("2031-05-14"),
                "{bad}: {err}"
            );
        }
    }

    #[test]
    fn date_times_are_local_and_to_the_second() {
        let t = parse_date_time("2031-05-14T09:30:00").unwrap();
        let fraction = parse_date_time("2031-05-14T09:30:00.123").unwrap();
        assert_eq!(fraction - t, chrono::TimeDelta::milliseconds(123));
        for (bad, why) in [
            ("2031-05-14T09:30:00Z", "time zone"),
            ("2031-05-14T09:30:00+01:00", "time zone"),
            ("2031-05-14T09:30:00.5-05:00", "time zone"),
            ("2031-05-14 09:30:00", "put a T"),
            ("2031-05-14T09:30", "two-digit"),
            ("2031-05-14T25:00:00", "no such day or time"),
            ("2031-05-14T09:30:00.1234567891", "9 digits"),
            ("2031-05-14T09:30:00.", "fractional"),
        ] {
            let err = parse_date_time(bad).unwrap_err().to_string();
            assert!(err.contains(why), "{bad}: {err}");
        }
    }

    #[test]
    fn what_is_written_reads_back_equal() {
        #[derive(serde::Serialize, serde::Deserialize, PartialEq, Debug)]
        struct T {
            #[serde(with = "date_time")]
            at: NaiveDateTime,
        }
        let base = NaiveDate::from_ymd_opt(2031, 5, 14).unwrap();
        for at in [
            base.and_hms_opt(9, 30, 0).unwrap(),
            base.and_hms_milli_opt(9, 30, 0, 100).unwrap(),
            base.and_hms_nano_opt(9, 30, 0, 1).unwrap(),
            base.and_hms_milli_opt(23, 59, 59, 1_500).unwrap(),
        ] {
            let json = serde_json::to_string(&T { at }).unwrap();
            assert_eq!(
                serde_json::from_str::<T>(&json).unwrap(),
                T { at },
                "{json}"
            );
        }
        let ancient = NaiveDate::from_ymd_opt(-5, 1, 1)
            .unwrap()
            .and_hms_opt(0, 0, 0)
            .unwrap();
        let err = serde_json::to_string(&T { at: ancient }).unwrap_err();
        assert!(err.to_string().contains("0000 to 9999"), "{err}");
    }

    #[test]
    fn never_panics_on_odd_text() {
        for s in [
            "",
            "é",
            "2031-05-14T09:30:0é",
            "9999-99-99T99:99:99.xx",
            "2031-05-14T09:30:00.５",
        ] {
            let _ = parse_date(s);
            let _ = parse_date_time(s);
        }
    }
}
