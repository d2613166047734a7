//! Synthetic sample eConsults, embedded in the crate (feature `samples`).
//!
//! Five consultations in the documented JSON format (see
//! `docs/econsult-format.md`), for examples, demonstrations, the mock
//! server and tests of crates built on this one:
//!
//! | File | Patient | Status | Shows |
//! |------|---------|--------|-------|
//! | `01-sore-throat.json` | Zoë Ødegård | new | a note only; penicillin allergy |
//! | `02-repeat-medication.json` | Łukasz Jan Testpatient | completed | staff response, SMS out, status change; ICE without concerns; spaced NHS number, lower-case postcode, sex as a word |
//! | `03-rash-with-photo.json` | Aoife O'Testing | awaiting response | email out and in, a PNG photo from the patient; blank title and NHS number |
//! | `04-fit-note.json` | Jonas Großtester | completed | a PDF fit note by email, an SMS reply after completion |
//! | `05-long-history.json` | Priya Sample-Jones | completed | ten long sections, 17 activity entries (two in the same second), reopened and completed again |
//!
//! Every person in them is made up: NHS numbers are from the 999 range that
//! is never issued, postcodes are SystmOne's `ZZ99` test postcodes,
//! telephone numbers are from Ofcom's ranges reserved for drama, and email
//! addresses are at `example.org` or `example.com`. Every sample passes
//! [`EConsult::validate`] with the default [`AttachmentPolicy`](crate::AttachmentPolicy).
//!
//! ```
//! use econsult_model::{AttachmentPolicy, samples};
//!
//! for econsult in samples::all()? {
//!     econsult.validate(&AttachmentPolicy::default())?;
//! }
//! let rash = samples::by_name("03-rash-with-photo").expect("a sample of that name")?;
//! assert_eq!(rash.patient.name.surname(), "O'Testing");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use crate::{EConsult, JsonError};

/// A sore throat: a short questionnaire, full ICE, one note, status new.
pub const SORE_THROAT: &str = include_str!("../samples/01-sore-throat.json");

/// A repeat prescription request, dealt with by a staff response and an SMS,
/// then completed.
pub const REPEAT_MEDICATION: &str = include_str!("../samples/02-repeat-medication.json");

/// An itchy rash: the practice asks for a photo by email and the patient
/// replies with a PNG; awaiting response.
pub const RASH_WITH_PHOTO: &str = include_str!("../samples/03-rash-with-photo.json");

/// A fit note request: the fit note goes out as a PDF by email, then the
/// patient thanks the practice by SMS after it was completed.
pub const FIT_NOTE: &str = include_str!("../samples/04-fit-note.json");

/// Six years of back pain in ten long sections, with a long activity log:
/// several pages when rendered.
pub const LONG_HISTORY: &str = include_str!("../samples/05-long-history.json");

/// Every sample as (file name, JSON text), in file-name order.
pub const ALL: [(&str, &str); 5] = [
    ("01-sore-throat.json", SORE_THROAT),
    ("02-repeat-medication.json", REPEAT_MEDICATION),
    ("03-rash-with-photo.json", RASH_WITH_PHOTO),
    ("04-fit-note.json", FIT_NOTE),
    ("05-long-history.json", LONG_HISTORY),
];

/// Every sample, parsed, in file-name order.
///
/// The samples are tested to parse, so an error here means the crate's
/// model and its samples have drifted apart.
pub fn all() -> Result<Vec<EConsult>, JsonError> {
    ALL.iter()
        .map(|(_, json)| EConsult::from_json(json))
        .collect()
}

/// The sample with this file name, parsed; the `.json` may be left off
/// (`"04-fit-note"`). `None` when there is no sample of that name.
pub fn by_name(name: &str) -> Option<Result<EConsult, JsonError>> {
    let stem = name.strip_suffix(".json").unwrap_or(name);
    ALL.iter()
        .find(|(file, _)| file.strip_suffix(".json") == Some(stem))
        .map(|(_, json)| EConsult::from_json(json))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{ActivityKind, AttachmentPolicy, Channel, FileType, Status};
    use std::collections::BTreeSet;

    fn parsed() -> Vec<(&'static str, EConsult)> {
        ALL.iter()
            .map(|(name, json)| {
                let econsult = EConsult::from_json(json).unwrap_or_else(|e| panic!("{name}: {e}"));
                (*name, econsult)
            })
            .collect()
    }

    #[test]
    fn every_sample_parses_and_validates() {
        for (name, econsult) in parsed() {
            if let Err(problems) = econsult.validate(&AttachmentPolicy::default()) {
                panic!("{name}: {problems}");
            }
        }
        assert_eq!(all().unwrap().len(), ALL.len());
    }

    #[test]
    fn every_sample_round_trips_through_pretty_json() {
        for (name, econsult) in parsed() {
            let json = econsult.to_json_pretty().unwrap();
            let back = EConsult::from_json(&json).unwrap_or_else(|e| panic!("{name}: {e}"));
            assert_eq!(back, econsult, "{name}");
        }
    }

    #[test]
    fn all_contact_details_are_synthetic() {
        for (name, econsult) in parsed() {
            let patient = &econsult.patient;
            if let Some(nhs) = &patient.nhs_number {
                assert!(nhs.is_test_range(), "{name}: {nhs}");
            }
            if let Some(postcode) = &patient.postcode {
                assert_eq!(postcode.outward(), "ZZ99", "{name}");
            }
            for phone in &patient.phones {
                let digits = phone.number.digits();
                assert!(
                    digits.starts_with("07700900") || digits.starts_with("01632960"),
                    "{name}: {digits} is not in an Ofcom drama range"
                );
            }
            if let Some(email) = &patient.email {
                let domain = email.as_str().rsplit('@').next().unwrap_or_default();
                assert!(
                    ["example.org", "example.com"].contains(&domain),
                    "{name}: {email}"
                );
            }
            assert!(econsult.practice.as_str().starts_with('Y'), "{name}");
        }
    }

    #[test]
    fn every_activity_kind_and_status_appears() {
        let mut kinds = BTreeSet::new();
        let mut statuses = BTreeSet::new();
        let mut attachment_types = BTreeSet::new();
        for (_, econsult) in parsed() {
            statuses.insert(format!("{:?}", econsult.status));
            for activity in &econsult.activity {
                let kind = match &activity.kind {
                    ActivityKind::StaffResponse { .. } => "staff_response",
                    ActivityKind::Note { .. } => "note",
                    ActivityKind::StatusChange { .. } => "status_change",
                    ActivityKind::OutboundMessage { message, .. } => match message.channel {
                        Channel::Email => "outbound_message/email",
                        Channel::Sms => "outbound_message/sms",
                    },
                    ActivityKind::InboundMessage { message } => match message.channel {
                        Channel::Email => "inbound_message/email",
                        Channel::Sms => "inbound_message/sms",
                    },
                };
                kinds.insert(kind);
                for attachment in activity.attachments() {
                    attachment_types.insert(AttachmentPolicy::default().check(attachment).unwrap());
                }
            }
        }
        let expected: BTreeSet<_> = [
            "staff_response",
            "note",
            "status_change",
            "outbound_message/email",
            "outbound_message/sms",
            "inbound_message/email",
            "inbound_message/sms",
        ]
        .into();
        assert_eq!(kinds, expected);
        let expected: BTreeSet<_> = [Status::New, Status::AwaitingResponse, Status::Completed]
            .iter()
            .map(|s| format!("{s:?}"))
            .collect();
        assert_eq!(statuses, expected);
        assert!(
            attachment_types.contains(&FileType::Pdf),
            "{attachment_types:?}"
        );
        assert!(
            attachment_types.contains(&FileType::Png),
            "{attachment_types:?}"
        );
    }

    #[test]
    fn names_cover_accents_hyphens_and_apostrophes() {
        let names: Vec<String> = parsed()
            .iter()
            .map(|(_, e)| e.patient.name.to_string())
            .collect();
        let has = |needle: &str| names.iter().any(|n| n.contains(needle));
        assert!(has("Zoë Ødegård"), "{names:?}");
        assert!(has("Łukasz"), "{names:?}");
        assert!(has("ß"), "{names:?}");
        assert!(has("Sample-Jones"), "{names:?}");
        assert!(has("O'Testing"), "{names:?}");
    }

    #[test]
    fn ice_is_partly_missing_in_exactly_one() {
        let partial: Vec<_> = parsed()
            .into_iter()
            .filter(|(_, e)| e.ice.parts().count() < 3)
            .map(|(name, _)| name)
            .collect();
        assert_eq!(partial, ["02-repeat-medication.json"]);
    }

    #[test]
    fn the_long_history_is_long() {
        let econsult = by_name("05-long-history.json").unwrap().unwrap();
        let text: usize = econsult
            .questionnaire
            .iter()
            .flat_map(|s| &s.questions)
            .map(|q| q.question.chars().count() + q.answer.chars().count())
            .sum();
        assert!(econsult.questionnaire.len() >= 8);
        assert!(text > 14_000, "{text} characters");
        assert!(econsult.activity.len() >= 10);
        // Two entries share a second; the id decides their order.
        let ids: Vec<_> = econsult.activity.iter().map(|a| a.id.as_str()).collect();
        let mut sorted = ids.clone();
        sorted.sort_unstable();
        assert_eq!(ids, sorted);
        assert!(
            econsult
                .activity
                .as_slice()
                .windows(2)
                .any(|w| w[0].at == w[1].at)
        );
    }

    #[test]
    fn by_name_takes_the_file_name_with_or_without_extension() {
        let with = by_name("04-fit-note.json").unwrap().unwrap();
        let without = by_name("04-fit-note").unwrap().unwrap();
        assert_eq!(with, without);
        assert_eq!(with.id.as_str(), "EC-2031-000104");
        assert!(by_name("fit-note").is_none());
        assert!(by_name("").is_none());
    }

    #[test]
    fn every_file_in_the_samples_directory_is_embedded() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/samples");
        let mut files: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|name| name.ends_with(".json"))
            .collect();
        files.sort();
        let embedded: Vec<&str> = ALL.iter().map(|(name, _)| *name).collect();
        assert_eq!(files, embedded);
    }
}
