//! What the PDF says, in reading order, before any layout.

use chrono::{NaiveDate, NaiveDateTime};

use super::layout::HeaderLine;
use crate::{ActivityKind, Attachment, EConsult};

/// The identification repeated at the top of every page, so that a printed
/// page on its own still names the patient.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct PageHeader {
    /// Left of the first line: the eConsult's id (may be shortened), then
    /// the practice (always whole).
    pub(crate) title: HeaderLine,
    /// Right of the first line: when it was submitted.
    pub(crate) submitted: String,
    /// Second line: patient name (may be shortened), then date of birth and
    /// NHS number (always whole).
    pub(crate) patient: HeaderLine,
}

/// A block of content; the layout decides where it goes.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Block {
    /// A section heading.
    Heading(String),
    /// A heading inside a section (questionnaire section, activity entry).
    Subheading(String),
    /// A label and its value on one line (value wraps under itself).
    Field { label: String, value: String },
    /// A question, in bold.
    Question(String),
    /// Running text; `\n` starts a new line.
    Text(String),
    /// Text in grey, for secondary detail (attachments, "not given").
    Muted(String),
    /// Vertical space.
    Gap,
}

/// Formats a date as the NHS displays dates: `01-Feb-1970`.
pub(crate) fn display_date(date: NaiveDate) -> String {
    date.format("%d-%b-%Y").to_string()
}

/// Formats a date-time as `14-May-2031 09:30`.
pub(crate) fn display_date_time(at: NaiveDateTime) -> String {
    at.format("%d-%b-%Y %H:%M").to_string()
}

fn describe_attachment(attachment: &Attachment) -> String {
    let kind = attachment.file_type().map_or_else(
        || attachment.media_type.clone(),
        |t| t.to_string().to_uppercase(),
    );
    format!(
        "Attachment: {} ({kind}, {})",
        attachment.file_name,
        display_size(attachment.content.len())
    )
}

fn display_size(bytes: usize) -> String {
    match bytes {
        b if b < 1024 => format!("{b} bytes"),
        b if b < 1024 * 1024 => format!("{:.1} KB", b as f64 / 1024.0),
        b => format!("{:.1} MB", b as f64 / (1024.0 * 1024.0)),
    }
}

/// The page header for an eConsult.
pub(crate) fn header(econsult: &EConsult) -> PageHeader {
    let patient = &econsult.patient;
    let nhs = patient
        .nhs_number
        .map_or_else(|| "not given".to_owned(), |n| n.to_string());
    PageHeader {
        title: HeaderLine {
            head: format!("eConsult {}", econsult.id),
            tail: format!(" · Practice {}", econsult.practice),
        },
        submitted: format!("Submitted {}", display_date_time(econsult.submitted_at)),
        patient: HeaderLine {
            head: patient.name.filing_form(),
            tail: format!(
                "   Born {}   NHS No. {nhs}",
                display_date(patient.date_of_birth)
            ),
        },
    }
}

/// Everything the document says, in order.
pub(crate) fn blocks(econsult: &EConsult) -> Vec<Block> {
    let mut out = Vec::new();
    patient_details(econsult, &mut out);
    questionnaire(econsult, &mut out);
    ice(econsult, &mut out);
    activity(econsult, &mut out);
    out
}

fn field(out: &mut Vec<Block>, label: &str, value: impl Into<String>) {
    out.push(Block::Field {
        label: label.to_owned(),
        value: value.into(),
    });
}

fn patient_details(econsult: &EConsult, out: &mut Vec<Block>) {
    let patient = &econsult.patient;
    out.push(Block::Heading(
        "Patient (as declared on the submission)".into(),
    ));
    field(out, "Name", patient.name.to_string());
    field(out, "Date of birth", display_date(patient.date_of_birth));
    field(out, "Sex", patient.sex.label());
    if let Some(nhs) = patient.nhs_number {
        field(out, "NHS number", nhs.to_string());
    }
    if let Some(postcode) = &patient.postcode {
        field(out, "Postcode", postcode.as_str());
    }
    for phone in &patient.phones {
        let label = match phone.kind {
            crate::PhoneKind::Home => "Home phone",
            crate::PhoneKind::Mobile => "Mobile",
            crate::PhoneKind::Work => "Work phone",
            crate::PhoneKind::Alternate => "Other phone",
        };
        field(out, label, phone.number.as_str());
    }
    if let Some(email) = &patient.email {
        field(out, "Email", email.as_str());
    }
    out.push(Block::Gap);
    out.push(Block::Heading("Consultation".into()));
    field(out, "Reference", econsult.id.as_str());
    field(out, "Practice", econsult.practice.as_str());
    field(out, "Submitted", display_date_time(econsult.submitted_at));
    field(out, "Status", econsult.status.to_string());
    out.push(Block::Gap);
}

fn questionnaire(econsult: &EConsult, out: &mut Vec<Block>) {
    out.push(Block::Heading("Questionnaire".into()));
    if econsult.questionnaire.is_empty() {
        out.push(Block::Muted("No questions were answered.".into()));
    }
    for section in &econsult.questionnaire {
        out.push(Block::Subheading(section.title.clone()));
        for qa in &section.questions {
            out.push(Block::Question(qa.question.clone()));
            if qa.answer.trim().is_empty() {
                out.push(Block::Muted("(no answer)".into()));
            } else {
                out.push(Block::Text(qa.answer.clone()));
            }
        }
    }
    out.push(Block::Gap);
}

fn ice(econsult: &EConsult, out: &mut Vec<Block>) {
    out.push(Block::Heading("Ideas, Concerns and Expectations".into()));
    for (label, value) in econsult.ice.all_parts() {
        out.push(Block::Question(label.into()));
        if value.trim().is_empty() {
            out.push(Block::Muted("Not given".into()));
        } else {
            out.push(Block::Text(value.to_owned()));
        }
    }
    out.push(Block::Gap);
}

fn activity(econsult: &EConsult, out: &mut Vec<Block>) {
    out.push(Block::Heading("Activity".into()));
    if econsult.activity.is_empty() {
        out.push(Block::Muted("No activity since submission.".into()));
    }
    for entry in &econsult.activity {
        let mut title = format!("{} · {}", display_date_time(entry.at), entry.kind.label());
        if let Some(author) = entry.kind.author() {
            title.push_str(&format!(" · {author}"));
        }
        out.push(Block::Subheading(title));
        match &entry.kind {
            ActivityKind::StaffResponse { body, .. } | ActivityKind::Note { body, .. } => {
                out.push(Block::Text(body.clone()));
            }
            ActivityKind::OutboundMessage { message, .. }
            | ActivityKind::InboundMessage { message } => {
                if !message.body.trim().is_empty() {
                    out.push(Block::Text(message.body.clone()));
                }
                for attachment in &message.attachments {
                    out.push(Block::Muted(describe_attachment(attachment)));
                }
            }
            ActivityKind::StatusChange { from, to, .. } => {
                out.push(Block::Text(format!("Status changed from {from} to {to}.")));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_use_the_nhs_display_form() {
        let dob = NaiveDate::from_ymd_opt(1970, 2, 1).unwrap();
        assert_eq!(display_date(dob), "01-Feb-1970");
        let at = dob.and_hms_opt(9, 5, 0).unwrap();
        assert_eq!(display_date_time(at), "01-Feb-1970 09:05");
    }

    #[test]
    fn sizes_are_human() {
        assert_eq!(display_size(512), "512 bytes");
        assert_eq!(display_size(2048), "2.0 KB");
        assert_eq!(display_size(3 * 1024 * 1024), "3.0 MB");
    }
}
