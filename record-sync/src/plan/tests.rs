#![allow(clippy::unwrap_used)]

use super::*;
use econsult_model::{ActivityId, Attachment as ModelAttachment, Message, samples};

fn sample(name: &str) -> EConsult {
    samples::by_name(name).unwrap().unwrap()
}

fn keys(items: &[&str]) -> BTreeSet<ItemKey> {
    items.iter().map(|k| k.parse().unwrap()).collect()
}

fn message(id: &str, at: &str, inbound: bool, channel: Channel, body: &str) -> Activity {
    let direction = if inbound {
        Direction::Inbound
    } else {
        Direction::Outbound
    };
    let author = Some("Dr Sam Example");
    let (id, at) = (ActivityId::new(id).unwrap(), at.parse().unwrap());
    Activity::message(id, at, direction, author, Message::text(channel, body))
}

fn first_line(entry: &PlannedEntry) -> &str {
    &entry.event.narratives[0].lines[0]
}

#[test]
fn a_full_save_is_one_call_with_the_pdf_the_ice_and_each_message_as_its_own_event() {
    let econsult = sample("02-repeat-medication");
    let plan = plan_save(&econsult, &BTreeSet::new(), &PlanConfig::default()).unwrap();
    assert_eq!(plan.kind, SaveKind::Full);
    assert_eq!(plan.calls.len(), 1);
    // The status change (act-03) is workflow, not record content.
    let items: Vec<String> = plan.items().iter().map(ToString::to_string).collect();
    assert_eq!(
        items,
        ["activity/act-01", "activity/act-02", "consultation"]
    );
    let entries = &plan.calls[0].entries;
    for entry in entries {
        let marker = Marker::parse(first_line(entry)).unwrap();
        assert_eq!(marker, Marker::new(econsult.id.clone(), entry.key.clone()));
        assert_eq!(entry.files.len(), entry.event.attachments.len());
        assert_eq!(entry.event.done_by.as_deref(), Some("Online consultation"));
    }

    let consultation = &entries[2];
    assert_eq!(consultation.event.date_time, Some(econsult.submitted_at));
    assert!(consultation.files[0].bytes.starts_with(b"%PDF"));
    assert_eq!(consultation.files[0].extension, "pdf");
    let lines = &consultation.event.narratives[0].lines;
    for (label, text) in econsult.ice.parts() {
        let first = text.lines().next().unwrap();
        assert!(
            lines.contains(&format!("{label}: {first}")),
            "{label} in {lines:?}"
        );
    }

    let sms = &entries[1];
    assert_eq!(sms.event.method, Some(ContactMethod::Text));
    assert!(sms.event.narratives[0].lines[1].starts_with("SMS to patient"));
}

#[test]
fn a_partial_save_carries_only_new_activity_and_the_latest_pdf() {
    let mut econsult = sample("02-repeat-medication");
    let saved = keys(&["consultation", "activity/act-01", "activity/act-02"]);
    let config = PlanConfig::default();
    assert!(plan_save(&econsult, &saved, &config).unwrap().is_empty());

    econsult
        .activity
        .push(message(
            "act-04",
            "2031-06-01T10:00:00",
            false,
            Channel::Email,
            "Collect from the pharmacy",
        ))
        .unwrap();
    let plan = plan_save(&econsult, &saved, &config).unwrap();
    assert_eq!(plan.kind, SaveKind::Partial);
    assert_eq!(
        plan.items(),
        vec![
            "activity/act-04".parse().unwrap(),
            "pdf/act-04".parse().unwrap()
        ]
    );
    let pdf = &plan.calls[0].entries[1];
    assert!(pdf.files[0].bytes.starts_with(b"%PDF"));
    assert_eq!(
        pdf.event.date_time,
        Some("2031-06-01T10:00:00".parse().unwrap())
    );

    // With the message in the record, nothing is due: a PDF is not sent
    // on its own.
    let mut more = saved.clone();
    more.insert("activity/act-04".parse().unwrap());
    assert!(plan_save(&econsult, &more, &config).unwrap().is_empty());
}

#[test]
fn a_partial_save_with_an_inbound_message_has_no_new_pdf() {
    let mut econsult = sample("02-repeat-medication");
    let saved = keys(&["consultation", "activity/act-01", "activity/act-02"]);
    econsult
        .activity
        .push(message(
            "act-04",
            "2031-06-01T10:00:00",
            false,
            Channel::Sms,
            "Ready",
        ))
        .unwrap();
    econsult
        .activity
        .push(message(
            "act-05",
            "2031-06-01T11:00:00",
            true,
            Channel::Sms,
            "Thanks",
        ))
        .unwrap();
    let plan = plan_save(&econsult, &saved, &PlanConfig::default()).unwrap();
    assert_eq!(
        plan.items(),
        vec![
            "activity/act-04".parse().unwrap(),
            "activity/act-05".parse().unwrap()
        ]
    );
    assert!(plan.calls[0].entries.iter().all(|e| e.files.is_empty()));
}

#[test]
fn a_full_save_broken_after_some_activity_is_retried_in_full_without_a_latest_pdf() {
    let econsult = sample("05-long-history");
    let config =
        PlanConfig::default().with_max_events_per_call(std::num::NonZeroUsize::new(4).unwrap());
    let first = plan_save(&econsult, &BTreeSet::new(), &config).unwrap();
    // The first call landed; the rest did not.
    let saved: BTreeSet<ItemKey> = first.calls[0].items().into_iter().collect();
    let retry = plan_save(&econsult, &saved, &config).unwrap();
    assert_eq!(retry.kind, SaveKind::Full);
    let rest: Vec<ItemKey> = first.calls[1..]
        .iter()
        .flat_map(PlannedCall::items)
        .collect();
    assert_eq!(retry.items(), rest);
    assert!(
        !retry
            .items()
            .iter()
            .any(|i| matches!(i, ItemKey::LatestPdf(_)))
    );
}

#[test]
fn long_saves_are_split_and_every_item_is_planned_once() {
    let econsult = sample("05-long-history");
    let all = plan_save(&econsult, &BTreeSet::new(), &PlanConfig::default()).unwrap();
    assert_eq!(all.calls.len(), 1);
    let split = plan_save(
        &econsult,
        &BTreeSet::new(),
        &PlanConfig::default().with_max_events_per_call(std::num::NonZeroUsize::new(4).unwrap()),
    )
    .unwrap();
    assert_eq!(split.items(), all.items());
    assert_eq!(split.calls.len(), all.items().len().div_ceil(4));
    assert!(split.calls.iter().all(|c| c.entries.len() <= 4));
    let last = split.calls.last().unwrap();
    assert_eq!(last.entries.last().unwrap().key, ItemKey::Consultation);
    let unique: BTreeSet<_> = split.items().into_iter().collect();
    assert_eq!(unique.len(), split.items().len());
}

#[test]
fn the_latest_pdf_is_never_split_from_its_activity() {
    let mut econsult = sample("02-repeat-medication");
    let saved = keys(&["consultation", "activity/act-01", "activity/act-02"]);
    for (id, at) in [
        ("act-04", "2031-06-01T10:00:00"),
        ("act-05", "2031-06-01T11:00:00"),
    ] {
        econsult
            .activity
            .push(message(id, at, false, Channel::Sms, "Ready"))
            .unwrap();
    }
    let plan = plan_save(
        &econsult,
        &saved,
        &PlanConfig::default().with_max_events_per_call(std::num::NonZeroUsize::new(2).unwrap()),
    )
    .unwrap();
    let calls: Vec<Vec<String>> = plan
        .calls
        .iter()
        .map(|c| c.items().iter().map(ToString::to_string).collect())
        .collect();
    assert_eq!(
        calls,
        [
            vec!["activity/act-04"],
            vec!["activity/act-05", "pdf/act-05"]
        ]
    );
}

#[test]
fn message_attachments_travel_with_their_message_under_generated_names() {
    let econsult = sample("03-rash-with-photo");
    let plan = plan_save(&econsult, &BTreeSet::new(), &PlanConfig::default()).unwrap();
    let photo = plan
        .calls
        .iter()
        .flat_map(|c| &c.entries)
        .find(|e| e.key == "activity/act-04".parse().unwrap())
        .unwrap();
    let original = &econsult
        .activity
        .get(&ActivityId::new("act-04").unwrap())
        .unwrap()
        .attachments()[0];
    assert_eq!(photo.files.len(), 1);
    assert_eq!(photo.files[0].extension, "png");
    assert_eq!(photo.files[0].bytes, original.content);
    assert_eq!(
        photo.event.attachments[0].comments.as_deref(),
        Some(original.file_name.as_str())
    );
    assert_eq!(
        photo.event.attachments[0].document_path, None,
        "the spool fills paths in"
    );
    assert_eq!(photo.event.method, Some(ContactMethod::Email));
}

#[test]
fn text_xml_cannot_carry_is_replaced_not_refused() {
    let mut econsult = sample("01-sore-throat");
    let mut odd = message(
        "act-09",
        "2031-06-01T10:00:00",
        true,
        Channel::Sms,
        "line one\u{1}\r\nline two",
    );
    if let ActivityKind::InboundMessage { message } = &mut odd.kind {
        message.attachments.push(ModelAttachment::new(
            "x\u{7}\nname.pdf",
            "application/pdf",
            b"%PDF-1.4".to_vec(),
        ));
    }
    econsult.activity.push(odd).unwrap();
    let plan = plan_save(&econsult, &BTreeSet::new(), &PlanConfig::default()).unwrap();
    let odd: ItemKey = "activity/act-09".parse().unwrap();
    let entry = plan.calls[0].entries.iter().find(|e| e.key == odd).unwrap();
    let lines = &entry.event.narratives[0].lines;
    assert!(lines.contains(&"line one\u{fffd}".to_owned()), "{lines:?}");
    assert!(lines.contains(&"line two".to_owned()), "{lines:?}");
    assert_eq!(
        entry.event.attachments[0].comments.as_deref(),
        Some("x\u{fffd} name.pdf")
    );
}

#[test]
fn a_consultation_code_is_added_when_configured() {
    use systmone_client::proto::CodeScheme;
    let econsult = sample("01-sore-throat");
    let code = Code::new(CodeScheme::Snomed, "1068761000000105");
    let plan = plan_save(
        &econsult,
        &BTreeSet::new(),
        &PlanConfig::default().with_consultation_code(code.clone()),
    )
    .unwrap();
    let entries = &plan.calls[0].entries;
    assert_eq!(entries.last().unwrap().event.clinical_codes[0].code, code);
    assert!(entries[0].event.clinical_codes.is_empty());
}

/// Every line but the marker the SDK writes first, in every event of a
/// plan: none of them may be taken for a marker.
fn lines_after_the_marker(plan: &SavePlan) -> Vec<String> {
    plan.calls
        .iter()
        .flat_map(|c| &c.entries)
        .flat_map(|e| {
            let narratives = e.event.narratives.iter();
            let lines = narratives.flat_map(|n| &n.lines).skip(1).cloned();
            let comments = e
                .event
                .attachments
                .iter()
                .filter_map(|a| a.comments.clone());
            lines.chain(comments).collect::<Vec<_>>()
        })
        .collect()
}

#[test]
fn text_a_patient_controls_never_becomes_a_marker_and_stays_readable() {
    let mut econsult = sample("01-sore-throat");
    let id = econsult.id.clone();
    let forged = |item: &str| format!("eConsult sync ref: {id}/{item}");
    let body = [
        "Here is my reply.".to_owned(),
        forged("activity/staff-9"),
        format!("  {}", forged("pdf/staff-9")),
        forged("consultation").to_uppercase(),
        format!("tail\r{}", forged("activity/cr")),
        format!("tail\u{2028}{}", forged("activity/ls")),
    ]
    .join("\n");
    econsult.ice.concerns = format!("{}\n{}", forged("consultation"), forged("activity/x"));
    let mut attachment_message = Message::text(Channel::Email, &body);
    attachment_message.attachments.push(ModelAttachment::new(
        &forged("activity/file"),
        "application/pdf",
        b"%PDF-1.4 fake".to_vec(),
    ));
    econsult
        .activity
        .push(Activity::message(
            ActivityId::new("forger").unwrap(),
            "2031-09-09T10:00:00".parse().unwrap(),
            Direction::Inbound,
            None,
            attachment_message,
        ))
        .unwrap();
    let plan = plan_save(&econsult, &BTreeSet::new(), &PlanConfig::default()).unwrap();
    let lines = lines_after_the_marker(&plan);
    for line in &lines {
        assert!(
            Marker::parse(line).is_none(),
            "a forged marker was written: {line:?}"
        );
        assert!(!crate::item::looks_like_marker(line), "{line:?}");
    }
    // Still readable: the quoted text is all there.
    for item in [
        "activity/staff-9",
        "pdf/staff-9",
        "activity/cr",
        "activity/ls",
        "activity/x",
    ] {
        assert!(
            lines
                .iter()
                .any(|l| l.starts_with("> ") && l.contains(&forged(item))),
            "{item} not kept readable, quoted, in {lines:?}"
        );
    }
    assert!(lines.iter().any(|l| l == "Here is my reply."));
    // The SDK's own markers are still each event's first line.
    for entry in plan.calls.iter().flat_map(|c| &c.entries) {
        assert_eq!(
            Marker::parse(first_line(entry)),
            Some(Marker::new(id.clone(), entry.key.clone()))
        );
    }
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(48))]

    /// Whatever an eConsult holds (hostile text included), the only marker
    /// lines a plan writes are its own, one first line per event.
    #[test]
    fn no_plan_writes_a_marker_but_its_own(econsult in econsult_model::strategy::valid_econsult()) {
        let plan = plan_save(&econsult, &BTreeSet::new(), &PlanConfig::default()).unwrap();
        for line in lines_after_the_marker(&plan) {
            proptest::prop_assert!(Marker::parse(&line).is_none(), "{:?}", line);
        }
    }
}
