//! Finding out whether a save whose answer never came is in the record.
//!
//! Every event the SDK writes starts its narrative with a [`Marker`]. To
//! reconcile, the engine reads the narrative the patient's record gained
//! since the save was sent and looks for the markers of the save's items.
//! When the save was sent today (SystmOne's local date), the read asks only
//! for today's entries, which SystmOne exempts from its one-per-30-seconds
//! limit on record reads (PROTOCOL.md §7.2); an older intent (a crash
//! before midnight, recovered the next day) costs a full-rate read.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use econsult_model::EConsultId;
use systmone_client::proto::{Filter, GetPatientRecord, GetPatientRecordResponse};

use crate::{ItemKey, Marker, PatientRef};

/// The read that reconciles a save sent on `sent_on`, made on `today`.
///
/// ```
/// use record_sync::{PatientRef, reconcile_request};
///
/// let patient = PatientRef::nhs("9990000018".parse()?);
/// let today = "2031-05-14".parse()?;
/// let read = reconcile_request(&patient, today, today);
/// assert!(read.is_exempt(today), "a read of today's entries is exempt");
/// assert!(!reconcile_request(&patient, "2031-05-13".parse()?, today).is_exempt(today));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn reconcile_request(
    patient: &PatientRef,
    sent_on: NaiveDate,
    today: NaiveDate,
) -> GetPatientRecord {
    GetPatientRecord {
        identity: Some(patient.identity()),
        leave_record_open: false,
        filter: Some(Filter {
            narrative: true,
            min_entry_date: Some(sent_on.min(today)),
            max_entry_date: Some(today),
            ..Filter::default()
        }),
    }
}

/// The items of `econsult` whose markers the record holds, with their
/// events' UIDs. A marker found twice (which the engine exists to prevent)
/// is logged as an error and counted once.
pub fn markers_in(
    econsult: &EConsultId,
    record: &GetPatientRecordResponse,
) -> BTreeMap<ItemKey, Option<String>> {
    let mut found = BTreeMap::new();
    let events = record.clinical.iter().flat_map(|c| &c.events);
    for event in events {
        let markers = event
            .narratives
            .iter()
            .flat_map(|n| &n.lines)
            .filter_map(|line| Marker::parse(line))
            .filter(|m| m.econsult == *econsult);
        for marker in markers {
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
    }
    found
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use systmone_client::proto::{Clinical, Event, EventUid};

    fn event(uid: &str, lines: &[&str]) -> Event {
        let mut event = Event::narrative(
            "2031-05-14T10:00:00".parse().unwrap(),
            lines.iter().map(|l| l.to_string()),
        );
        event.event_uid = Some(EventUid(uid.into()));
        event
    }

    #[test]
    fn only_this_econsults_markers_are_found_once_each() {
        let id = EConsultId::new("EC-1").unwrap();
        let record = GetPatientRecordResponse {
            clinical: Some(Clinical {
                events: vec![
                    event("e1", &["eConsult sync ref: EC-1/consultation", "Ideas: x"]),
                    event("e2", &["eConsult sync ref: EC-10/consultation"]),
                    event(
                        "e3",
                        &["Seen by GP", " eConsult sync ref: EC-1/activity/a-1"],
                    ),
                    event("e4", &["eConsult sync ref: EC-1/consultation"]),
                ],
                ..Clinical::default()
            }),
            ..GetPatientRecordResponse::default()
        };
        let found = markers_in(&id, &record);
        assert_eq!(found.len(), 2);
        assert_eq!(found[&ItemKey::Consultation].as_deref(), Some("e1"));
        assert_eq!(
            found[&"activity/a-1".parse().unwrap()].as_deref(),
            Some("e3")
        );
        assert!(markers_in(&id, &GetPatientRecordResponse::default()).is_empty());
    }

    #[test]
    fn the_read_asks_for_narrative_from_the_day_sent() {
        let patient = PatientRef::nhs("9990000018".parse().unwrap());
        let read = reconcile_request(
            &patient,
            "2031-05-12".parse().unwrap(),
            "2031-05-14".parse().unwrap(),
        );
        let filter = read.filter.unwrap();
        assert!(filter.narrative && !filter.demographics);
        assert_eq!(filter.min_entry_date, Some("2031-05-12".parse().unwrap()));
        assert_eq!(
            read.identity.unwrap().nhs_number.as_deref(),
            Some("9990000018")
        );
        // A clock that went backwards still gives a sensible range.
        let skewed = reconcile_request(
            &patient,
            "2031-05-15".parse().unwrap(),
            "2031-05-14".parse().unwrap(),
        );
        assert_eq!(
            skewed.filter.unwrap().min_entry_date,
            Some("2031-05-14".parse().unwrap())
        );
    }
}
