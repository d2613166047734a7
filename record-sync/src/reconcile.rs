//! Finding out whether a save whose answer never came is in the record.
//!
//! Every event the SDK writes starts its first narrative with a [`Marker`].
//! To reconcile, the engine reads the narrative the patient's record gained
//! around the day the save was sent and looks for the markers of the
//! save's items.
//!
//! # What counts as a marker
//!
//! Only the **first line of the first narrative** of an event, and only in
//! an event the record says third-party software added (`Event/@Software`,
//! PROTOCOL.md §9.6, §9.7), that software being this product when its name
//! is configured. A marker line anywhere else (a patient's message quoting
//! one, an entry typed in SystmOne) is text. SystmOne may return a line
//! holding raw line breaks; its first segment is the line.
//!
//! # The read window
//!
//! SystmOne stamps an entry with its own date when it lands, which can be
//! the day before or after the PC's date of sending (a save sent just
//! before midnight, a write that lands late, a PC clock a few minutes off).
//! When both the sending and the reading are more than the clock tolerance
//! away from midnight on the same day, the read asks only for today's
//! entries, which SystmOne exempts from its one-per-30-seconds limit on
//! record reads (PROTOCOL.md §7.2). Otherwise it asks for the day before
//! the sending to the day after the reading: a full-rate read, made only
//! when it is needed.

use std::collections::BTreeMap;
use std::time::Duration;

use chrono::{NaiveDate, NaiveDateTime, TimeDelta};
use econsult_model::EConsultId;
use systmone_client::proto::{Event, Filter, GetPatientRecord, GetPatientRecordResponse};

use crate::{ItemKey, Marker, PatientId};

/// The read that reconciles a save sent at `sent_at`, made at `now` (both
/// the PC's local time), trusting SystmOne's clock to be within
/// `tolerance` of the PC's.
///
/// ```
/// use std::time::Duration;
/// use record_sync::{PatientId, reconcile_request};
///
/// let patient = PatientId::nhs("9990000018".parse()?);
/// let tolerance = Duration::from_secs(15 * 60);
/// let noon = "2031-05-14T12:00:00".parse()?;
/// let later = "2031-05-14T12:01:00".parse()?;
/// let read = reconcile_request(&patient, noon, later, tolerance);
/// assert!(read.is_exempt_at(later), "a read of today's entries is exempt");
///
/// // Sent just before midnight: the entry may carry either date.
/// let late = "2031-05-14T23:58:00".parse()?;
/// let wide = reconcile_request(&patient, late, "2031-05-14T23:59:00".parse()?, tolerance);
/// let filter = wide.filter.clone().unwrap();
/// assert_eq!(filter.min_entry_date, Some("2031-05-13".parse()?));
/// assert_eq!(filter.max_entry_date, Some("2031-05-15".parse()?));
/// assert!(!wide.is_exempt_at(later));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn reconcile_request(
    patient: &PatientId,
    sent_at: NaiveDateTime,
    now: NaiveDateTime,
    tolerance: Duration,
) -> GetPatientRecord {
    let (first, last) = entry_dates(sent_at, now, tolerance);
    GetPatientRecord {
        identity: Some(patient.to_identity()),
        leave_record_open: false,
        filter: Some(Filter {
            narrative: true,
            min_entry_date: Some(first),
            max_entry_date: Some(last),
            ..Filter::default()
        }),
    }
}

/// The entry dates a save sent at `sent_at` can carry, read at `now`.
fn entry_dates(
    sent_at: NaiveDateTime,
    now: NaiveDateTime,
    tolerance: Duration,
) -> (NaiveDate, NaiveDate) {
    let tolerance = TimeDelta::from_std(tolerance).unwrap_or(TimeDelta::MAX);
    let day = now.date();
    let moved = |at: NaiveDateTime, by: TimeDelta| at.checked_add_signed(by).map(|t| t.date());
    let clear_of_midnight = [
        moved(sent_at, -tolerance),
        moved(sent_at, tolerance),
        moved(now, -tolerance),
        moved(now, tolerance),
    ]
    .iter()
    .all(|d| *d == Some(day));
    if clear_of_midnight {
        return (day, day);
    }
    let (earliest, latest) = (sent_at.date().min(day), sent_at.date().max(day));
    (
        earliest.pred_opt().unwrap_or(earliest),
        latest.succ_opt().unwrap_or(latest),
    )
}

/// The marker an event carries: the first line (up to any raw line break)
/// of its first narrative, in an event third-party software added, that
/// software being `software` when given (compared ignoring ASCII case and
/// surrounding spaces).
pub fn marker_of(event: &Event, software: Option<&str>) -> Option<Marker> {
    let added_by = event.software.as_deref().map(str::trim).unwrap_or("");
    let ours = match software {
        Some(name) => added_by.eq_ignore_ascii_case(name.trim()),
        None => !added_by.is_empty(),
    };
    if !ours {
        return None;
    }
    let line = event.narratives.first()?.lines.first()?;
    let first_segment = line.split(['\r', '\n']).next().unwrap_or("");
    Marker::parse(first_segment)
}

/// The items of `econsult` whose markers the record holds (by
/// [`marker_of`]), with their events' UIDs. A marker found twice (which the
/// engine exists to prevent) is logged as an error and counted once.
pub fn markers_in(
    econsult: &EConsultId,
    record: &GetPatientRecordResponse,
    software: Option<&str>,
) -> BTreeMap<ItemKey, Option<String>> {
    let mut found = BTreeMap::new();
    let events = record.clinical.iter().flat_map(|c| &c.events);
    for event in events {
        let Some(marker) = marker_of(event, software).filter(|m| m.econsult == *econsult) else {
            continue;
        };
        let uid = event.event_uid.as_ref().map(|u| u.0.clone());
        if found.contains_key(&marker.item) {
            tracing::error!(
                econsult = %econsult,
                item = %marker.item,
                "an item of this eConsult is in the record twice"
            );
            continue;
        }
        found.insert(marker.item, uid);
    }
    found
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use systmone_client::proto::{Clinical, EventUid, Narrative};

    const OURS: &str = "Record Sync Tests";

    fn event(uid: &str, software: Option<&str>, narratives: &[&[&str]]) -> Event {
        let mut event = Event::narrative("2031-05-14T10:00:00".parse().unwrap(), []);
        event.narratives = narratives
            .iter()
            .map(|lines| Narrative {
                lines: lines.iter().map(|l| l.to_string()).collect(),
                ..Narrative::default()
            })
            .collect();
        event.event_uid = Some(EventUid(uid.into()));
        event.software = software.map(str::to_owned);
        event
    }

    fn record(events: Vec<Event>) -> GetPatientRecordResponse {
        let mut record = GetPatientRecordResponse::default();
        record.clinical = Some(Clinical {
            events,
            ..Clinical::default()
        });
        record
    }

    #[test]
    fn only_the_first_line_of_the_first_narrative_of_our_events_counts() {
        let id = EConsultId::new("EC-1").unwrap();
        let ours = Some(OURS);
        let found = markers_in(
            &id,
            &record(vec![
                event(
                    "e1",
                    ours,
                    &[&["eConsult sync ref: EC-1/consultation", "Ideas: x"]],
                ),
                event("e2", ours, &[&["eConsult sync ref: EC-10/consultation"]]),
                // A patient's message quoting markers: later lines are text.
                event(
                    "e3",
                    ours,
                    &[&[
                        "eConsult sync ref: EC-1/activity/m1",
                        "Message from patient",
                        "eConsult sync ref: EC-1/activity/forged",
                        " eConsult sync ref: EC-1/pdf/forged",
                    ]],
                ),
                // A second narrative is not the first.
                event(
                    "e4",
                    ours,
                    &[&["Seen"], &["eConsult sync ref: EC-1/activity/second"]],
                ),
                // Typed in SystmOne (no Software), or added by another product.
                event("e5", None, &[&["eConsult sync ref: EC-1/activity/typed"]]),
                event(
                    "e6",
                    Some("Other Product"),
                    &[&["eConsult sync ref: EC-1/activity/other"]],
                ),
                event(
                    "e7",
                    Some(""),
                    &[&["eConsult sync ref: EC-1/activity/blank"]],
                ),
                // Raw line breaks inside the first line: its first segment.
                event(
                    "e8",
                    Some(" record sync TESTS "),
                    &[&[
                        "eConsult sync ref: EC-1/activity/m2\r\neConsult sync ref: EC-1/activity/m9",
                    ]],
                ),
                event("e9", ours, &[&["eConsult sync ref: EC-1/consultation"]]),
            ]),
            ours,
        );
        let keys: Vec<String> = found.keys().map(ToString::to_string).collect();
        assert_eq!(keys, ["consultation", "activity/m1", "activity/m2"]);
        assert_eq!(found[&ItemKey::Consultation].as_deref(), Some("e1"));

        // Without a configured name, any third-party software's event counts,
        // and still only by its first line.
        let any = markers_in(
            &id,
            &record(vec![
                event(
                    "e6",
                    Some("Other Product"),
                    &[&["eConsult sync ref: EC-1/activity/other"]],
                ),
                event("e5", None, &[&["eConsult sync ref: EC-1/activity/typed"]]),
            ]),
            None,
        );
        assert_eq!(any.len(), 1);
        assert!(markers_in(&id, &GetPatientRecordResponse::default(), ours).is_empty());
    }

    fn at(text: &str) -> NaiveDateTime {
        text.parse().unwrap()
    }

    fn dates(sent: &str, now: &str) -> (String, String) {
        let (a, b) = entry_dates(at(sent), at(now), Duration::from_secs(15 * 60));
        (a.to_string(), b.to_string())
    }

    #[test]
    fn the_window_is_today_only_clear_of_midnight_and_wider_near_it() {
        let today = |d: &str| (d.to_owned(), d.to_owned());
        assert_eq!(
            dates("2031-05-14T12:00:00", "2031-05-14T12:00:01"),
            today("2031-05-14")
        );
        assert_eq!(
            dates("2031-05-14T00:20:00", "2031-05-14T23:40:00"),
            today("2031-05-14")
        );
        for (sent, now, first, last) in [
            // Sent or read within the tolerance of midnight.
            (
                "2031-05-14T23:50:00",
                "2031-05-14T23:51:00",
                "2031-05-13",
                "2031-05-15",
            ),
            (
                "2031-05-14T00:05:00",
                "2031-05-14T00:06:00",
                "2031-05-13",
                "2031-05-15",
            ),
            (
                "2031-05-14T12:00:00",
                "2031-05-14T23:59:59",
                "2031-05-13",
                "2031-05-15",
            ),
            // Sent yesterday (recovered after a crash), or a clock that
            // went backwards.
            (
                "2031-05-13T12:00:00",
                "2031-05-14T09:00:00",
                "2031-05-12",
                "2031-05-15",
            ),
            (
                "2031-05-15T12:00:00",
                "2031-05-14T12:00:00",
                "2031-05-13",
                "2031-05-16",
            ),
        ] {
            assert_eq!(
                dates(sent, now),
                (first.to_owned(), last.to_owned()),
                "{sent} {now}"
            );
        }
        let read = reconcile_request(
            &PatientId::nhs("9990000018".parse().unwrap()),
            at("2031-05-14T12:00:00"),
            at("2031-05-14T12:00:10"),
            Duration::from_secs(900),
        );
        let filter = read.filter.unwrap();
        assert!(filter.narrative && !filter.demographics);
        assert_eq!(
            read.identity.unwrap().nhs_number.as_deref(),
            Some("9990000018")
        );
    }
}
