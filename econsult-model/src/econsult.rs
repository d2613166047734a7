//! The online consultation itself.

use std::fmt;

use chrono::NaiveDateTime;
use serde::{Deserialize, Deserializer, Serialize};

use crate::{
    ActivityId, ActivityKind, ActivityLog, AttachmentError, AttachmentPolicy, Demographics,
    EConsultId, PracticeId,
};

/// Where an eConsult is in the practice's workflow (the inbox folders).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Not yet dealt with.
    New,
    /// The practice is waiting for the patient.
    AwaitingResponse,
    /// Dealt with.
    Completed,
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Status::New => "New",
            Status::AwaitingResponse => "Awaiting response",
            Status::Completed => "Completed",
        })
    }
}

/// One question of the questionnaire and the patient's answer.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct QuestionAnswer {
    /// The question as the patient saw it.
    pub question: String,
    /// The patient's answer (may span several lines).
    pub answer: String,
}

/// A titled group of questions, in the order the patient answered them.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Section {
    /// The section's heading.
    pub title: String,
    /// Its questions, in order.
    pub questions: Vec<QuestionAnswer>,
}

/// The patient's Ideas, Concerns and Expectations: what they think is
/// wrong, what worries them, and what they hope the practice will do.
///
/// Each part is text; an empty or blank part means "not given". Holding
/// text rather than `Option<String>` keeps one meaning per value, so what is
/// written to JSON always reads back equal. In JSON a part may be left out,
/// `null` or `""`.
///
/// ```
/// use econsult_model::Ice;
///
/// let ice = Ice { concerns: "That it is serious".into(), ..Ice::default() };
/// let given: Vec<_> = ice.parts().map(|(label, _)| label).collect();
/// assert_eq!(given, ["Concerns"]);
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Ice {
    /// What the patient thinks is wrong.
    #[serde(
        default,
        skip_serializing_if = "String::is_empty",
        deserialize_with = "null_as_empty"
    )]
    pub ideas: String,
    /// What worries them.
    #[serde(
        default,
        skip_serializing_if = "String::is_empty",
        deserialize_with = "null_as_empty"
    )]
    pub concerns: String,
    /// What they hope will happen.
    #[serde(
        default,
        skip_serializing_if = "String::is_empty",
        deserialize_with = "null_as_empty"
    )]
    pub expectations: String,
}

impl Ice {
    /// The three parts with their headings, given or not.
    pub fn all_parts(&self) -> [(&'static str, &str); 3] {
        [
            ("Ideas", &self.ideas),
            ("Concerns", &self.concerns),
            ("Expectations", &self.expectations),
        ]
    }

    /// The parts that were given (not blank), with their headings.
    pub fn parts(&self) -> impl Iterator<Item = (&'static str, &str)> {
        self.all_parts()
            .into_iter()
            .filter(|(_, value)| !value.trim().is_empty())
    }

    /// Whether nothing was given.
    pub fn is_empty(&self) -> bool {
        self.parts().next().is_none()
    }
}

fn null_as_empty<'de, D: Deserializer<'de>>(deserializer: D) -> Result<String, D::Error> {
    Ok(Option::<String>::deserialize(deserializer)?.unwrap_or_default())
}

/// A patient's online consultation, as sent to one practice.
///
/// Holds everything the SDK needs to match the patient and save the
/// consultation into their record: who the patient says they are, the
/// questionnaire, the ICE data, the activity since submission and the
/// workflow status. Read one from JSON with [`EConsult::from_json`]; the
/// format is documented in `docs/econsult-format.md`.
///
/// ```
/// use econsult_model::{AttachmentPolicy, EConsult};
///
/// let json = r#"{
///   "id": "EC-1", "practice": "Y01234", "submitted_at": "2031-05-14T09:30:00",
///   "patient": {
///     "name": {"first_name": "Alex", "surname": "Testpatient"},
///     "date_of_birth": "1970-02-01", "sex": "U"
///   },
///   "questionnaire": [],
///   "ice": {"concerns": "That it is serious"},
///   "activity": [],
///   "status": "new"
/// }"#;
/// let econsult = EConsult::from_json(json)?;
/// econsult.validate(&AttachmentPolicy::default())?;
/// assert_eq!(econsult.patient.name.surname(), "Testpatient");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct EConsult {
    /// The vendor's identifier for it.
    pub id: EConsultId,
    /// The practice it was sent to.
    pub practice: PracticeId,
    /// When the patient submitted it (local wall-clock time, no time zone).
    #[serde(with = "crate::time_format::date_time")]
    pub submitted_at: NaiveDateTime,
    /// Who the patient says they are.
    pub patient: Demographics,
    /// The questionnaire: sections of questions and answers, in order.
    pub questionnaire: Vec<Section>,
    /// Ideas, Concerns and Expectations.
    #[serde(default)]
    pub ice: Ice,
    /// What happened after submission, in order.
    #[serde(default)]
    pub activity: ActivityLog,
    /// Where it is in the workflow.
    pub status: Status,
}

impl EConsult {
    /// A new eConsult, status New, with no questionnaire, ICE or activity.
    pub fn new(
        id: EConsultId,
        practice: PracticeId,
        submitted_at: NaiveDateTime,
        patient: Demographics,
    ) -> Self {
        Self {
            id,
            practice,
            submitted_at,
            patient,
            questionnaire: Vec::new(),
            ice: Ice::default(),
            activity: ActivityLog::default(),
            status: Status::New,
        }
    }

    /// Reads an eConsult from JSON. A structural problem (a missing field, a
    /// bad NHS number, two activity entries with one id…) is reported with
    /// the path of the field and its line and column.
    pub fn from_json(json: &str) -> Result<Self, JsonError> {
        let mut deserializer = serde_json::Deserializer::from_str(json);
        let econsult: Self = serde_path_to_error::deserialize(&mut deserializer)
            .map_err(JsonError::from_path_error)?;
        deserializer
            .end()
            .map_err(|e| JsonError::from_parts(String::new(), e))?;
        Ok(econsult)
    }

    /// Writes the eConsult as pretty-printed JSON, in the documented format.
    /// What it writes reads back equal with [`EConsult::from_json`]. Fails
    /// only for a date outside the years 0000–9999, which the format cannot
    /// hold.
    pub fn to_json_pretty(&self) -> Result<String, serde_json::Error> {
        serde_json::to_string_pretty(self)
    }

    /// Checks what a JSON schema cannot: every attachment against `policy`,
    /// no activity before submission, a date of birth before submission,
    /// messages with content, and a status that agrees with the last status
    /// change. Returns every problem found, not only the first.
    pub fn validate(&self, policy: &AttachmentPolicy) -> Result<(), ValidationErrors> {
        let mut problems = Vec::new();
        if self.patient.date_of_birth > self.submitted_at.date() {
            problems.push(ValidationError::BornAfterSubmission);
        }
        for activity in &self.activity {
            if activity.at < self.submitted_at {
                problems.push(ValidationError::ActivityBeforeSubmission {
                    activity: activity.id.clone(),
                });
            }
            if let Some((_, message)) = activity.kind.message()
                && message.body.trim().is_empty()
                && message.attachments.is_empty()
            {
                problems.push(ValidationError::EmptyMessage {
                    activity: activity.id.clone(),
                });
            }
            for attachment in activity.attachments() {
                if let Err(error) = policy.check(attachment) {
                    problems.push(ValidationError::Attachment {
                        activity: activity.id.clone(),
                        error,
                    });
                }
            }
        }
        let changes: Vec<(&ActivityId, Status, Status)> = self
            .activity
            .iter()
            .filter_map(|a| match &a.kind {
                ActivityKind::StatusChange { from, to, .. } => Some((&a.id, *from, *to)),
                _ => None,
            })
            .collect();
        for (id, from, to) in &changes {
            if from == to {
                problems.push(ValidationError::StatusUnchanged {
                    activity: (*id).clone(),
                });
            }
        }
        for pair in changes.windows(2) {
            let ((_, _, before), (id, from, _)) = (pair[0], pair[1]);
            if from != before {
                problems.push(ValidationError::StatusChainBroken {
                    activity: id.clone(),
                    from,
                    previous: before,
                });
            }
        }
        let last_change = changes.last().map(|(_, _, to)| *to);
        if let Some(last) = last_change
            && last != self.status
        {
            problems.push(ValidationError::StatusDisagrees {
                status: self.status,
                last_change: last,
            });
        }
        if problems.is_empty() {
            Ok(())
        } else {
            Err(ValidationErrors(problems))
        }
    }
}

/// JSON that is not a valid eConsult: where, and what was wrong.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}", self.describe())]
pub struct JsonError {
    /// The path of the offending field, e.g. `patient.date_of_birth` or
    /// `activity[2].channel`; empty when the problem is the document itself.
    pub path: String,
    /// Line of the problem, counting from 1 (0 if unknown).
    pub line: usize,
    /// Column of the problem, counting from 1 (0 if unknown).
    pub column: usize,
    /// What was wrong.
    pub message: String,
}

impl JsonError {
    fn from_path_error(error: serde_path_to_error::Error<serde_json::Error>) -> Self {
        let path = error.path().to_string();
        let path = if path == "." { String::new() } else { path };
        Self::from_parts(path, error.into_inner())
    }

    fn from_parts(path: String, error: serde_json::Error) -> Self {
        let full = error.to_string();
        // serde_json appends " at line L column C"; we report those apart.
        let message = match full.rsplit_once(" at line ") {
            Some((message, _)) => message.to_owned(),
            None => full,
        };
        Self {
            path,
            line: error.line(),
            column: error.column(),
            message,
        }
    }

    fn describe(&self) -> String {
        let place = if self.path.is_empty() {
            "invalid eConsult JSON".to_owned()
        } else {
            format!("invalid eConsult JSON at `{}`", self.path)
        };
        format!(
            "{place} (line {}, column {}): {}",
            self.line, self.column, self.message
        )
    }
}

/// One problem [`EConsult::validate`] found.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ValidationError {
    /// An attachment breaks the attachment policy.
    #[error("activity {activity}: {error}")]
    Attachment {
        /// The entry carrying it.
        activity: ActivityId,
        /// The rule it broke.
        error: AttachmentError,
    },
    /// An activity entry is dated before the eConsult was submitted.
    #[error("activity {activity} is dated before the eConsult was submitted; check its time")]
    ActivityBeforeSubmission {
        /// The entry.
        activity: ActivityId,
    },
    /// A message has neither text nor attachments.
    #[error(
        "activity {activity} is a message with no text and no attachments; remove the entry or give its text"
    )]
    EmptyMessage {
        /// The entry.
        activity: ActivityId,
    },
    /// The patient's date of birth is after the submission.
    #[error(
        "the patient's date of birth is after the eConsult was submitted; check the date of birth and submitted_at"
    )]
    BornAfterSubmission,
    /// The status is not where the last status change left it.
    #[error(
        "the status is {status} but the last status change in the activity set it to {last_change}; make them agree"
    )]
    StatusDisagrees {
        /// The eConsult's status.
        status: Status,
        /// What the last status change set.
        last_change: Status,
    },
    /// A status change does not change the status.
    #[error("activity {activity} changes the status to what it already was; remove it")]
    StatusUnchanged {
        /// The entry.
        activity: ActivityId,
    },
    /// A status change starts from a status the previous change did not
    /// leave.
    #[error(
        "activity {activity} changes the status from {from}, but the previous status change left it {previous}; a change is missing or misdated"
    )]
    StatusChainBroken {
        /// The entry.
        activity: ActivityId,
        /// Where it says the status was.
        from: Status,
        /// Where the previous change left it.
        previous: Status,
    },
}

/// Every problem [`EConsult::validate`] found (never empty).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidationErrors(pub Vec<ValidationError>);

impl fmt::Display for ValidationErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "the eConsult has {} problem(s):", self.0.len())?;
        for problem in &self.0 {
            write!(f, "\n  - {problem}")?;
        }
        Ok(())
    }
}

impl std::error::Error for ValidationErrors {}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Activity, Demographics, PersonName, Sex};

    fn econsult_with_changes(changes: &[(Status, Status)], status: Status) -> EConsult {
        let patient = Demographics::new(
            PersonName::new("Alex", "Testpatient").unwrap(),
            "1970-02-01".parse().unwrap(),
            Sex::Unknown,
        );
        let mut e = EConsult::new(
            EConsultId::new("EC-1").unwrap(),
            PracticeId::parse("Y01234").unwrap(),
            "2031-05-14T09:30:00".parse().unwrap(),
            patient,
        );
        for (n, (from, to)) in changes.iter().enumerate() {
            e.activity
                .push(Activity {
                    id: ActivityId::new(&format!("s{n}")).unwrap(),
                    at: format!("2031-05-14T1{n}:00:00").parse().unwrap(),
                    kind: ActivityKind::StatusChange {
                        author: None,
                        from: *from,
                        to: *to,
                    },
                })
                .unwrap();
        }
        e.status = status;
        e
    }

    #[test]
    fn a_consistent_status_history_validates() {
        let e = econsult_with_changes(
            &[
                (Status::New, Status::AwaitingResponse),
                (Status::AwaitingResponse, Status::Completed),
            ],
            Status::Completed,
        );
        assert_eq!(e.validate(&AttachmentPolicy::default()), Ok(()));
    }

    #[test]
    fn status_changes_must_chain_and_change_something() {
        let e = econsult_with_changes(
            &[
                (Status::New, Status::New),
                (Status::AwaitingResponse, Status::Completed),
            ],
            Status::Completed,
        );
        let problems = e.validate(&AttachmentPolicy::default()).unwrap_err().0;
        assert!(problems.contains(&ValidationError::StatusUnchanged {
            activity: ActivityId::new("s0").unwrap()
        }));
        assert!(problems.contains(&ValidationError::StatusChainBroken {
            activity: ActivityId::new("s1").unwrap(),
            from: Status::AwaitingResponse,
            previous: Status::New,
        }));
        assert_eq!(problems.len(), 2, "{problems:?}");
    }

    #[test]
    fn activity_kinds_and_messages_serialise_on_their_own() {
        let kind = ActivityKind::OutboundMessage {
            author: Some("Dr Test".into()),
            message: crate::Message {
                channel: crate::Channel::Sms,
                body: "Please call".into(),
                attachments: vec![],
            },
        };
        let json = serde_json::to_string(&kind).unwrap();
        assert!(json.contains("\"type\":\"outbound_message\""), "{json}");
        assert_eq!(serde_json::from_str::<ActivityKind>(&json).unwrap(), kind);
        let policy = AttachmentPolicy::default().with_max_bytes(10);
        let json = serde_json::to_string(&policy).unwrap();
        assert_eq!(
            serde_json::from_str::<AttachmentPolicy>(&json).unwrap(),
            policy
        );
    }
}
