//! Proptest strategies producing arbitrary, valid values of every model
//! type (feature `proptest`).
//!
//! Free text (answers, message bodies, ICE) is hostile on purpose: markup
//! (`<`, `&`, `]]>`), quotes, control characters, emoji and right-to-left
//! text all appear, because every layer above (JSON, the SystmOne wire
//! codec, the PDF) must carry or refuse them cleanly. Names and identifiers
//! stay within what the model's constructors accept.
//!
//! ```
//! use proptest::prelude::*;
//! use econsult_model::strategy;
//!
//! proptest!(|(econsult in strategy::econsult())| {
//!     let json = econsult.to_json_pretty().unwrap();
//!     prop_assert_eq!(econsult_model::EConsult::from_json(&json).unwrap(), econsult);
//! });
//! ```

use chrono::{NaiveDate, NaiveDateTime};
use proptest::collection::vec;
use proptest::option;
use proptest::prelude::*;

use crate::*;

/// Text chosen to break naive encoders, mixed with arbitrary strings.
pub fn hostile_text() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        "[ -~]{0,40}",
        Just("<b>bold</b> & \"quoted\" 'single' ]]> <!-- --> <![CDATA[x]]>".to_owned()),
        Just("line one\r\nline two\n\ttabbed\u{0}\u{7}\u{1b}[0m".to_owned()),
        Just("😀 emoji, עברית, العربية, 中文, Zoë Ødegård, Łukasz, Groß".to_owned()),
        Just("\u{FEFF}\u{200B}\u{202E}reversed\u{202C}".to_owned()),
        Just(String::new()),
    ]
}

/// A name part: no control characters, not blank, at most 100 characters.
pub fn name_part() -> impl Strategy<Value = String> {
    prop_oneof![
        "[A-Z][a-z]{1,12}",
        "[A-Z][a-z]{1,8}(-|'| )[A-Z][a-z]{1,8}",
        Just("Zoë".to_owned()),
        Just("Ødegård".to_owned()),
        Just("Łukasz".to_owned()),
        Just("Groß".to_owned()),
        "[^\\p{Cc}]{1,40}",
    ]
    .prop_map(|s| s.trim().to_owned())
    .prop_filter("valid name part", |s| {
        !s.is_empty() && s.chars().count() <= 100
    })
}

/// Any valid NHS number.
pub fn nhs_number() -> impl Strategy<Value = NhsNumber> {
    (0u32..1_000_000_000).prop_filter_map("has a check digit", NhsNumber::from_prefix)
}

/// Any sex.
pub fn sex() -> impl Strategy<Value = Sex> {
    prop::sample::select(Sex::ALL.to_vec())
}

/// A valid name, with or without title and middle names.
pub fn person_name() -> impl Strategy<Value = PersonName> {
    (
        name_part(),
        name_part(),
        option::of(name_part()),
        vec(name_part(), 0..3),
    )
        .prop_filter_map("valid name", |(first, surname, title, middle)| {
            let mut name = PersonName::new(&first, &surname)
                .ok()?
                .with_middle_names(middle)
                .ok()?;
            if let Some(title) = title {
                name = name.with_title(&title).ok()?;
            }
            Some(name)
        })
}

/// A date between 1900 and 2099.
pub fn date() -> impl Strategy<Value = NaiveDate> {
    (1900i32..2100, 1u32..=366).prop_filter_map("a real date", |(year, ordinal)| {
        NaiveDate::from_yo_opt(year, ordinal)
    })
}

/// A date-time between 1900 and 2099, usually to the second (as SystmOne
/// keeps them) and sometimes with a fraction.
pub fn date_time() -> impl Strategy<Value = NaiveDateTime> {
    (
        date(),
        0u32..86_400,
        prop_oneof![3 => Just(0u32), 1 => 0u32..1_000_000_000],
    )
        .prop_filter_map("a real time", |(date, second, nano)| {
            date.and_hms_nano_opt(second / 3600, second / 60 % 60, second % 60, nano)
        })
}

/// A valid UK postcode.
pub fn postcode() -> impl Strategy<Value = Postcode> {
    "[A-Z]{1,2}[0-9]([0-9]|[A-Z])? [0-9][A-Z]{2}"
        .prop_filter_map("valid postcode", |s| Postcode::parse(&s).ok())
}

/// A plausible telephone number.
pub fn phone() -> impl Strategy<Value = Phone> {
    (
        prop::sample::select(vec![
            PhoneKind::Home,
            PhoneKind::Mobile,
            PhoneKind::Work,
            PhoneKind::Alternate,
        ]),
        "(\\+44 )?0[0-9]{4} [0-9]{6}",
    )
        .prop_filter_map("valid phone", |(kind, number)| {
            Some(Phone {
                kind,
                number: PhoneNumber::parse(&number).ok()?,
            })
        })
}

/// A valid email address.
pub fn email() -> impl Strategy<Value = EmailAddress> {
    "[a-z0-9._%+-]{1,20}@[a-z0-9-]{1,12}\\.(org|com|nhs\\.uk)"
        .prop_filter_map("valid email", |s| EmailAddress::parse(&s).ok())
}

/// Demographics with every optional field sometimes present.
pub fn demographics() -> impl Strategy<Value = Demographics> {
    (
        person_name(),
        date(),
        sex(),
        option::of(postcode()),
        vec(phone(), 0..3),
        option::of(email()),
        option::of(nhs_number()),
    )
        .prop_map(|(name, dob, sex, postcode, phones, email, nhs)| {
            let mut d = Demographics::new(name, dob, sex);
            d.postcode = postcode;
            d.phones = phones;
            d.email = email;
            d.nhs_number = nhs;
            d
        })
}

/// An attachment with an arbitrary (possibly disallowed) name, type and
/// content.
pub fn attachment() -> impl Strategy<Value = Attachment> {
    (
        hostile_text(),
        prop_oneof![
            Just("application/pdf".to_owned()),
            Just("image/png".to_owned()),
            "[a-z]{1,10}/[a-z0-9.+-]{1,20}",
        ],
        vec(any::<u8>(), 0..64),
    )
        .prop_map(|(name, media_type, content)| Attachment::new(&name, &media_type, content))
}

fn status() -> impl Strategy<Value = Status> {
    prop::sample::select(vec![
        Status::New,
        Status::AwaitingResponse,
        Status::Completed,
    ])
}

fn message() -> impl Strategy<Value = Message> {
    (
        prop::sample::select(vec![Channel::Email, Channel::Sms]),
        hostile_text(),
        vec(attachment(), 0..2),
    )
        .prop_map(|(channel, body, attachments)| Message {
            channel,
            body,
            attachments,
        })
}

/// Any kind of activity.
pub fn activity_kind() -> impl Strategy<Value = ActivityKind> {
    let author = || option::of(hostile_text());
    prop_oneof![
        (author(), hostile_text())
            .prop_map(|(author, body)| ActivityKind::StaffResponse { author, body }),
        (author(), message())
            .prop_map(|(author, message)| ActivityKind::OutboundMessage { author, message }),
        message().prop_map(|message| ActivityKind::InboundMessage { message }),
        (author(), hostile_text()).prop_map(|(author, body)| ActivityKind::Note { author, body }),
        (author(), status(), status()).prop_map(|(author, from, to)| ActivityKind::StatusChange {
            author,
            from,
            to
        }),
    ]
}

/// An activity log of up to `max` entries with unique ids.
pub fn activity_log(max: usize) -> impl Strategy<Value = ActivityLog> {
    vec((date_time(), activity_kind()), 0..=max).prop_map(|entries| {
        let activities = entries
            .into_iter()
            .enumerate()
            .filter_map(|(index, (at, kind))| {
                Some(Activity {
                    id: ActivityId::new(&format!("act-{index:04}")).ok()?,
                    at,
                    kind,
                })
            })
            .collect();
        // Ids are unique by construction.
        ActivityLog::new(activities).unwrap_or_default()
    })
}

fn ice() -> impl Strategy<Value = Ice> {
    (hostile_text(), hostile_text(), hostile_text()).prop_map(|(ideas, concerns, expectations)| {
        Ice {
            ideas,
            concerns,
            expectations,
        }
    })
}

fn questionnaire() -> impl Strategy<Value = Vec<Section>> {
    let question = (hostile_text(), hostile_text())
        .prop_map(|(question, answer)| QuestionAnswer { question, answer });
    vec(
        (hostile_text(), vec(question, 0..4))
            .prop_map(|(title, questions)| Section { title, questions }),
        0..4,
    )
}

/// A structurally valid eConsult with hostile free text. It may not pass
/// [`EConsult::validate`] (activity may predate submission, attachments may
/// break the policy): that is for the tests of validation to use.
pub fn econsult() -> impl Strategy<Value = EConsult> {
    (
        "[A-Za-z0-9._:-]{1,64}",
        "[A-Z][0-9]{5}",
        date_time(),
        demographics(),
        questionnaire(),
        ice(),
        activity_log(6),
        status(),
    )
        .prop_filter_map(
            "valid ids",
            |(id, practice, submitted_at, patient, questionnaire, ice, activity, status)| {
                let mut e = EConsult::new(
                    EConsultId::new(&id).ok()?,
                    PracticeId::parse(&practice).ok()?,
                    submitted_at,
                    patient,
                );
                e.questionnaire = questionnaire;
                e.ice = ice;
                e.activity = activity;
                e.status = status;
                Some(e)
            },
        )
}

/// An eConsult that passes [`EConsult::validate`] with the default policy:
/// the same hostile text as [`econsult`], but born before submission,
/// activity after it, a consistent status history ending in the status, and
/// messages with text (attachments, which need real file content, are left
/// out).
pub fn valid_econsult() -> impl Strategy<Value = EConsult> {
    econsult().prop_map(|mut e| {
        let mut entries: Vec<Activity> = e.activity.iter().cloned().collect();
        if let Some(first) = entries.iter().map(|a| a.at).min() {
            e.submitted_at = e.submitted_at.min(first);
        }
        e.patient.date_of_birth = e.patient.date_of_birth.min(e.submitted_at.date());
        let mut status = Status::New;
        for entry in &mut entries {
            match &mut entry.kind {
                ActivityKind::OutboundMessage { message, .. }
                | ActivityKind::InboundMessage { message } => {
                    message.attachments.clear();
                    if message.body.trim().is_empty() {
                        message.body = "(message)".to_owned();
                    }
                }
                ActivityKind::StatusChange { from, to, .. } => {
                    *from = status;
                    if *to == status {
                        *to = match status {
                            Status::New => Status::AwaitingResponse,
                            Status::AwaitingResponse => Status::Completed,
                            Status::Completed => Status::New,
                        };
                    }
                    status = *to;
                }
                _ => {}
            }
        }
        if entries
            .iter()
            .any(|a| matches!(a.kind, ActivityKind::StatusChange { .. }))
        {
            e.status = status;
        }
        // The ids were unique before and are unchanged.
        e.activity = ActivityLog::new(entries).unwrap_or_default();
        e
    })
}
