//! Turning what is not yet in the record into the fewest
//! `UpdatePatientRecord` calls.
//!
//! Each item (the consultation, each activity entry, the latest PDF) is one
//! event, because SystmOne shows each event as its own entry and the
//! domain wants every email and SMS as its own entry. One call carries many
//! events (PROTOCOL.md §9.7.1: `Event 1..n`), so a save is a single call
//! unless it holds more than [`PlanConfig::max_events_per_call`] items.
//!
//! Every event's narrative starts with its [`Marker`] line, so that a save
//! whose answer was lost can be looked for in the record. Free text (a
//! message, ICE, a file name) is written line by line, and a line of it
//! that would be taken for a marker is quoted with `> ` first
//! ([`neutralise_marker_line`](crate::neutralise_marker_line)): the
//! marker is only ever the SDK's own first line.
//!
//! Planning is pure: files (the PDF, message attachments) are returned as
//! bytes with the event, and the [`Spool`](crate::Spool) writes them and
//! fills in their paths.

use std::collections::BTreeSet;
use std::num::NonZeroUsize;

use chrono::NaiveDateTime;
use econsult_model::{Activity, ActivityKind, Channel, Direction, EConsult, FileType};
use systmone_client::proto::{Attachment, ClinicalCode, Code, ContactMethod, Event, Narrative};

use crate::item::neutralise_marker_line;
use crate::{ItemKey, Marker, SaveKind};

/// How saves are written.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct PlanConfig {
    /// The most events one `UpdatePatientRecord` carries (SystmOne
    /// publishes no limit; the default, 25, keeps a request far below any
    /// plausible one while a typical save stays one call). Never zero.
    pub max_events_per_call: NonZeroUsize,
    /// `DoneBy` on every event: the source a clinician sees. Default
    /// "Online consultation".
    pub source: String,
    /// A clinical code added to the consultation's event alongside its
    /// narrative (for example the practice's code for an e-consultation),
    /// when the practice wants one. Default: none.
    pub consultation_code: Option<Code>,
}

impl Default for PlanConfig {
    fn default() -> Self {
        Self {
            max_events_per_call: NonZeroUsize::new(25).unwrap_or(NonZeroUsize::MIN),
            source: "Online consultation".to_owned(),
            consultation_code: None,
        }
    }
}

impl PlanConfig {
    /// Sets [`max_events_per_call`](Self::max_events_per_call): zero is
    /// not a count of events a call can carry, so the type refuses it.
    ///
    /// ```
    /// use std::num::NonZeroUsize;
    /// use record_sync::PlanConfig;
    ///
    /// let config = PlanConfig::default().with_max_events_per_call(NonZeroUsize::new(10).unwrap());
    /// assert_eq!(config.max_events_per_call.get(), 10);
    /// ```
    pub fn with_max_events_per_call(mut self, max: NonZeroUsize) -> Self {
        self.max_events_per_call = max;
        self
    }

    /// Sets [`consultation_code`](Self::consultation_code).
    pub fn with_consultation_code(mut self, code: Code) -> Self {
        self.consultation_code = Some(code);
        self
    }

    /// Sets [`source`](Self::source).
    pub fn with_source(mut self, source: impl Into<String>) -> Self {
        self.source = source.into();
        self
    }
}

/// A file an event attaches, before it is written to the spool.
#[derive(Clone, PartialEq, Eq)]
pub struct FileToSpool {
    /// The extension of the generated name (`pdf`, `png`…).
    pub extension: &'static str,
    /// The bytes.
    pub bytes: Vec<u8>,
}

impl std::fmt::Debug for FileToSpool {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FileToSpool")
            .field("extension", &self.extension)
            .field("len", &self.bytes.len())
            .finish()
    }
}

/// One item as one event.
#[derive(Debug, Clone, PartialEq)]
pub struct PlannedEntry {
    /// What it carries.
    pub key: ItemKey,
    /// The event, its attachments without paths yet.
    pub event: Event,
    /// The files of `event.attachments`, in the same order.
    pub files: Vec<FileToSpool>,
}

/// The entries of one `UpdatePatientRecord`.
#[derive(Debug, Clone, PartialEq)]
pub struct PlannedCall {
    /// In the order they are sent (and their EventUIDs come back).
    pub entries: Vec<PlannedEntry>,
}

impl PlannedCall {
    /// The items this call writes.
    pub fn items(&self) -> Vec<ItemKey> {
        self.entries.iter().map(|e| e.key.clone()).collect()
    }
}

/// What a save will write.
#[derive(Debug, Clone, PartialEq)]
pub struct SavePlan {
    /// Full when the consultation is not yet in the record.
    pub kind: SaveKind,
    /// The calls, in order; empty when everything is in the record.
    pub calls: Vec<PlannedCall>,
}

impl SavePlan {
    /// Whether there is nothing to write.
    pub fn is_empty(&self) -> bool {
        self.calls.is_empty()
    }

    /// Every item the plan writes.
    pub fn items(&self) -> Vec<ItemKey> {
        self.calls.iter().flat_map(PlannedCall::items).collect()
    }
}

/// Why a plan could not be made.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PlanError {
    /// The PDF could not be rendered.
    #[error("the eConsult's PDF could not be made: {0}")]
    Pdf(#[from] econsult_model::pdf::PdfError),
}

/// Whether an activity entry is written to the record. Status changes are
/// the inbox's workflow, not clinical content, and are not.
pub fn is_record_content(activity: &Activity) -> bool {
    !matches!(activity.kind, ActivityKind::StatusChange { .. })
}

/// Plans a save of `econsult`, given the items already in the record.
///
/// The latest PDF is planned with the new activity it shows, in the same
/// call. Should SystmOne ever keep part of a call (it is all-or-nothing in
/// every known case, PROTOCOL.md §12.11) and drop the PDF entry, it is not
/// sent again on its own: the record has every message, and the next
/// partial save brings a newer PDF.
///
/// ```
/// use std::collections::BTreeSet;
/// use econsult_model::samples;
/// use record_sync::{ItemKey, PlanConfig, SaveKind, plan_save};
///
/// let econsult = samples::by_name("02-repeat-medication").unwrap()?;
/// let plan = plan_save(&econsult, &BTreeSet::new(), &PlanConfig::default())?;
/// assert_eq!(plan.kind, SaveKind::Full);
/// assert_eq!(plan.calls.len(), 1, "one call carries every event");
/// assert_eq!(plan.items().last(), Some(&ItemKey::Consultation));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn plan_save(
    econsult: &EConsult,
    saved: &BTreeSet<ItemKey>,
    config: &PlanConfig,
) -> Result<SavePlan, PlanError> {
    let consultation_saved = saved.contains(&ItemKey::Consultation);
    let kind = if consultation_saved {
        SaveKind::Partial
    } else {
        SaveKind::Full
    };
    let new_activity: Vec<&Activity> = econsult
        .activity
        .iter()
        .filter(|a| is_record_content(a) && !saved.contains(&ItemKey::Activity(a.id.clone())))
        .collect();

    // At most one PDF per plan: the consultation's (a full save) or the
    // latest one (a partial save), never both.
    let render = || econsult_model::pdf::render(econsult);
    let mut entries: Vec<PlannedEntry> = new_activity
        .iter()
        .map(|activity| activity_entry(econsult, activity, config))
        .collect();
    // The consultation goes last: calls are sent in order and a save stops
    // at its first failure, so once the consultation (whose PDF shows all
    // of this activity) is in the record, so is everything planned with it,
    // and a retry never needs a "latest PDF" of its own.
    if !consultation_saved {
        entries.push(consultation_entry(econsult, render()?, config));
    }
    let any_inbound = new_activity
        .iter()
        .any(|a| matches!(a.kind.message(), Some((Direction::Inbound, _))));
    if consultation_saved
        && !any_inbound
        && let Some(last) = new_activity.last()
    {
        let key = ItemKey::LatestPdf(last.id.clone());
        if !saved.contains(&key) {
            entries.push(latest_pdf_entry(econsult, last, render()?, config));
        }
    }

    let mut calls = Vec::new();
    let mut rest = entries.into_iter().peekable();
    while rest.peek().is_some() {
        calls.push(PlannedCall {
            entries: rest
                .by_ref()
                .take(config.max_events_per_call.get())
                .collect(),
        });
    }
    // The latest PDF travels with the activity it shows, never alone.
    if let [.., before, last] = calls.as_mut_slice()
        && last.entries.len() == 1
        && matches!(last.entries[0].key, ItemKey::LatestPdf(_))
        && let Some(entry) = before.entries.pop()
    {
        last.entries.insert(0, entry);
    }
    Ok(SavePlan { kind, calls })
}

fn marker_line(econsult: &EConsult, key: &ItemKey) -> String {
    Marker::new(econsult.id.clone(), key.clone()).line()
}

fn event_at(at: NaiveDateTime, config: &PlanConfig) -> Event {
    Event {
        date_time: Some(at),
        done_by: Some(xml_safe(&config.source)),
        ..Event::default()
    }
}

fn narrative(lines: Vec<String>) -> Narrative {
    Narrative {
        lines,
        ..Narrative::default()
    }
}

fn attachment(comments: String) -> Attachment {
    Attachment {
        comments: Some(comments),
        ..Attachment::default()
    }
}

fn consultation_entry(econsult: &EConsult, pdf: Vec<u8>, config: &PlanConfig) -> PlannedEntry {
    let key = ItemKey::Consultation;
    let mut lines = vec![
        marker_line(econsult, &key),
        format!(
            "Online consultation {} submitted {}; the full consultation is in the attached PDF.",
            econsult.id,
            econsult.submitted_at.format("%d %b %Y %H:%M")
        ),
    ];
    if econsult.ice.is_empty() {
        lines.push("No ideas, concerns or expectations were given.".to_owned());
    }
    for (label, text) in econsult.ice.parts() {
        push_text(&mut lines, &format!("{label}: "), text);
    }
    let comments = format!("Online consultation {} (PDF)", econsult.id);
    let mut entry = pdf_entry(key, econsult.submitted_at, lines, comments, pdf, config);
    entry.event.clinical_codes = config
        .consultation_code
        .iter()
        .map(|code| ClinicalCode::new(code.clone()))
        .collect();
    entry
}

/// An event attaching a PDF, with its narrative.
fn pdf_entry(
    key: ItemKey,
    at: NaiveDateTime,
    lines: Vec<String>,
    comments: String,
    pdf: Vec<u8>,
    config: &PlanConfig,
) -> PlannedEntry {
    let mut event = event_at(at, config);
    event.attachments = vec![attachment(comments)];
    event.narratives = vec![narrative(lines)];
    PlannedEntry {
        key,
        event,
        files: vec![FileToSpool {
            extension: "pdf",
            bytes: pdf,
        }],
    }
}

fn activity_entry(econsult: &EConsult, activity: &Activity, config: &PlanConfig) -> PlannedEntry {
    let key = ItemKey::Activity(activity.id.clone());
    let mut heading = activity.kind.label();
    if let Some(author) = activity.kind.author() {
        heading.push_str(&format!(" by {}", one_line(author)));
    }
    heading.push_str(&format!(" (online consultation {})", econsult.id));
    let mut lines = vec![marker_line(econsult, &key), heading];
    let body = match &activity.kind {
        ActivityKind::StaffResponse { body, .. } | ActivityKind::Note { body, .. } => body,
        ActivityKind::OutboundMessage { message, .. }
        | ActivityKind::InboundMessage { message } => &message.body,
        _ => "",
    };
    push_text(&mut lines, "", body);

    let mut event = event_at(activity.at, config);
    let mut files = Vec::new();
    if let Some((_, message)) = activity.kind.message() {
        event.method = Some(match message.channel {
            Channel::Email => ContactMethod::Email,
            Channel::Sms => ContactMethod::Text,
        });
        for file in &message.attachments {
            let name = one_line(&file.file_name);
            lines.push(format!("Attached: {name}"));
            event.attachments.push(attachment(name));
            files.push(FileToSpool {
                extension: extension_of(file),
                bytes: file.content.clone(),
            });
        }
    }
    event.narratives = vec![narrative(lines)];
    PlannedEntry { key, event, files }
}

fn latest_pdf_entry(
    econsult: &EConsult,
    last: &Activity,
    pdf: Vec<u8>,
    config: &PlanConfig,
) -> PlannedEntry {
    let key = ItemKey::LatestPdf(last.id.clone());
    let lines = vec![
        marker_line(econsult, &key),
        format!(
            "Online consultation {}: updated PDF with the activity up to {}.",
            econsult.id,
            last.at.format("%d %b %Y %H:%M")
        ),
    ];
    let comments = format!(
        "Online consultation {} (PDF, updated {})",
        econsult.id,
        last.at.format("%d %b %Y %H:%M")
    );
    pdf_entry(key, last.at, lines, comments, pdf, config)
}

/// The extension of an attachment's generated spool name: from its type
/// when it is one SystmOne accepts, else `bin`. The sender's file name is
/// never used as a path.
fn extension_of(file: &econsult_model::Attachment) -> &'static str {
    file.file_type()
        .or_else(|| FileType::from_file_name(&file.file_name))
        .and_then(|t| t.extensions().first().copied())
        .unwrap_or("bin")
}

/// The line breaks free text is split at: any a reader (SystmOne, a
/// viewer) might show as one, so that each shown line is checked.
const LINE_BREAKS: [char; 5] = ['\n', '\r', '\u{85}', '\u{2028}', '\u{2029}'];

/// Adds `text` as narrative lines (one per line of text, the first after
/// `prefix`), made safe for XML, none of them taken for a marker.
fn push_text(lines: &mut Vec<String>, prefix: &str, text: &str) {
    // "\r\n" is one break; a break at the very end starts no line.
    let text = text.replace("\r\n", "\n");
    let mut parts: Vec<&str> = text.split(LINE_BREAKS).collect();
    if parts.len() > 1 && parts.last() == Some(&"") {
        parts.pop();
    }
    let mut parts = parts.into_iter();
    let first = parts.next().unwrap_or("");
    lines.push(free_text(&format!("{prefix}{first}")));
    lines.extend(parts.map(free_text));
}

/// A line of free text as written: safe for XML, never a marker.
fn free_text(line: &str) -> String {
    xml_safe(&neutralise_marker_line(line))
}

/// Text on one line (for headings and file names), made safe for XML and
/// never a marker.
fn one_line(text: &str) -> String {
    let joined: Vec<&str> = text.split_whitespace().collect();
    free_text(&joined.join(" "))
}

/// Replaces the characters XML 1.0 cannot carry (most C0 controls, U+FFFE,
/// U+FFFF) with U+FFFD, so that a stray control character in a message
/// costs one character of the saved copy rather than the whole save.
pub(crate) fn xml_safe(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            '\t' | '\n' | '\r' => c,
            '\u{0}'..='\u{1f}' | '\u{fffe}' | '\u{ffff}' => '\u{fffd}',
            _ => c,
        })
        .collect()
}

#[cfg(test)]
mod tests;
