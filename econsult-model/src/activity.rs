//! What happened to an eConsult after it was submitted.

use std::fmt;

use chrono::NaiveDateTime;
use serde::{Deserialize, Serialize};

use crate::{ActivityId, Attachment, Status};

/// How a message travelled.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    /// Email.
    Email,
    /// Text message.
    Sms,
}

impl fmt::Display for Channel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Channel::Email => "Email",
            Channel::Sms => "SMS",
        })
    }
}

/// Which way a message went.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    /// From the practice to the patient.
    Outbound,
    /// From the patient to the practice.
    Inbound,
}

impl fmt::Display for Direction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Direction::Outbound => "to patient",
            Direction::Inbound => "from patient",
        })
    }
}

/// An email or SMS between practice and patient.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Message {
    /// Email or SMS.
    pub channel: Channel,
    /// The text of the message.
    pub body: String,
    /// Files sent with it.
    #[serde(default)]
    pub attachments: Vec<Attachment>,
}

/// What an activity entry records.
///
/// On its own it serialises as an object tagged by `type`, with a message
/// nested under `message`; inside an [`Activity`] the documented flat form
/// is used instead.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
#[non_exhaustive]
pub enum ActivityKind {
    /// A member of staff responded to the consultation.
    StaffResponse {
        /// Who responded (display name), when known.
        author: Option<String>,
        /// The response.
        body: String,
    },
    /// The practice sent the patient an email or SMS.
    OutboundMessage {
        /// Who sent it (display name), when known.
        author: Option<String>,
        /// The message.
        message: Message,
    },
    /// The patient sent the practice an email or SMS.
    InboundMessage {
        /// The message.
        message: Message,
    },
    /// An internal note by staff, not seen by the patient.
    Note {
        /// Who wrote it (display name), when known.
        author: Option<String>,
        /// The note.
        body: String,
    },
    /// The eConsult's workflow status changed.
    StatusChange {
        /// Who changed it (display name), when known.
        author: Option<String>,
        /// The status before.
        from: Status,
        /// The status after.
        to: Status,
    },
}

impl ActivityKind {
    /// The message, direction first, when this entry is a message.
    pub fn message(&self) -> Option<(Direction, &Message)> {
        match self {
            ActivityKind::OutboundMessage { message, .. } => Some((Direction::Outbound, message)),
            ActivityKind::InboundMessage { message } => Some((Direction::Inbound, message)),
            _ => None,
        }
    }

    /// Who wrote or did it, when known (inbound messages come from the
    /// patient).
    pub fn author(&self) -> Option<&str> {
        match self {
            ActivityKind::StaffResponse { author, .. }
            | ActivityKind::OutboundMessage { author, .. }
            | ActivityKind::Note { author, .. }
            | ActivityKind::StatusChange { author, .. } => author.as_deref(),
            ActivityKind::InboundMessage { .. } => None,
        }
    }

    /// A short label for people: "Staff response", "SMS to patient"…
    pub fn label(&self) -> String {
        match self {
            ActivityKind::StaffResponse { .. } => "Staff response".to_owned(),
            ActivityKind::Note { .. } => "Note".to_owned(),
            ActivityKind::StatusChange { .. } => "Status change".to_owned(),
            ActivityKind::OutboundMessage { message, .. }
            | ActivityKind::InboundMessage { message } => {
                let direction = self.message().map(|(d, _)| d).unwrap_or(Direction::Inbound);
                format!("{} {direction}", message.channel)
            }
        }
    }
}

/// One entry of an eConsult's activity log.
///
/// Entries are ordered by time, then by id, which makes the order total:
/// two entries at the same second are still saved in a fixed order.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "RawActivity", into = "RawActivity")]
pub struct Activity {
    /// Stable identifier, unique within the eConsult.
    pub id: ActivityId,
    /// When it happened, in local wall-clock time (no time zone, as in
    /// SystmOne).
    pub at: NaiveDateTime,
    /// What happened.
    pub kind: ActivityKind,
}

impl Message {
    /// A message with no attachments.
    pub fn text(channel: Channel, body: impl Into<String>) -> Self {
        Self {
            channel,
            body: body.into(),
            attachments: Vec::new(),
        }
    }
}

impl Activity {
    /// A message entry: from the patient when `direction` is inbound (the
    /// author is then dropped: inbound messages have none), else sent by
    /// `author`.
    ///
    /// ```
    /// use econsult_model::{Activity, ActivityId, Channel, Direction, Message};
    ///
    /// let sms = Activity::message(
    ///     ActivityId::new("act-9")?,
    ///     "2031-05-14T10:00:00".parse().unwrap(),
    ///     Direction::Outbound,
    ///     Some("Reception"),
    ///     Message::text(Channel::Sms, "Your prescription is ready."),
    /// );
    /// assert_eq!(sms.kind.label(), "SMS to patient");
    /// # Ok::<(), econsult_model::IdError>(())
    /// ```
    pub fn message(
        id: ActivityId,
        at: NaiveDateTime,
        direction: Direction,
        author: Option<&str>,
        message: Message,
    ) -> Self {
        let kind = match direction {
            Direction::Inbound => ActivityKind::InboundMessage { message },
            Direction::Outbound => ActivityKind::OutboundMessage {
                author: author.map(str::to_owned),
                message,
            },
        };
        Self { id, at, kind }
    }

    /// The key entries are ordered by: time, then id.
    pub fn order_key(&self) -> (NaiveDateTime, &ActivityId) {
        (self.at, &self.id)
    }

    /// The attachments of this entry (only messages carry any).
    pub fn attachments(&self) -> &[Attachment] {
        self.kind
            .message()
            .map(|(_, m)| m.attachments.as_slice())
            .unwrap_or_default()
    }
}

/// The wire type of an activity entry in JSON.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
enum ActivityType {
    StaffResponse,
    OutboundMessage,
    InboundMessage,
    Note,
    StatusChange,
}

impl ActivityType {
    /// The name used in JSON's `type` field.
    fn name(self) -> &'static str {
        match self {
            ActivityType::StaffResponse => "staff_response",
            ActivityType::OutboundMessage => "outbound_message",
            ActivityType::InboundMessage => "inbound_message",
            ActivityType::Note => "note",
            ActivityType::StatusChange => "status_change",
        }
    }
}

/// The flat JSON shape of an [`Activity`]: a `type` and the fields that
/// type uses. Checked by `TryFrom`, which names a missing or misplaced field.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawActivity {
    id: ActivityId,
    #[serde(with = "crate::time_format::date_time")]
    at: NaiveDateTime,
    #[serde(rename = "type")]
    kind: ActivityType,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    author: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    channel: Option<Channel>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    body: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    attachments: Option<Vec<Attachment>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    from: Option<Status>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    to: Option<Status>,
}

/// An activity entry's fields do not fit its type.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("activity {id}: {problem}")]
pub struct ActivityShapeError {
    id: ActivityId,
    problem: String,
}

impl TryFrom<RawActivity> for Activity {
    type Error = ActivityShapeError;

    fn try_from(raw: RawActivity) -> Result<Self, Self::Error> {
        let type_name = raw.kind.name();
        let fail = |problem: String| ActivityShapeError {
            id: raw.id.clone(),
            problem,
        };
        let require = |present: bool, field: &str| {
            if present {
                Ok(())
            } else {
                Err(fail(format!("`{type_name}` entries need `{field}`")))
            }
        };
        let forbid = |present: bool, field: &str| {
            if present {
                Err(fail(format!(
                    "`{type_name}` entries have no `{field}`; remove it"
                )))
            } else {
                Ok(())
            }
        };
        let is_message = matches!(
            raw.kind,
            ActivityType::OutboundMessage | ActivityType::InboundMessage
        );
        let is_status = raw.kind == ActivityType::StatusChange;
        require(!is_message || raw.channel.is_some(), "channel")?;
        forbid(!is_message && raw.channel.is_some(), "channel")?;
        forbid(!is_message && raw.attachments.is_some(), "attachments")?;
        require(is_status || raw.body.is_some(), "body")?;
        forbid(is_status && raw.body.is_some(), "body")?;
        require(!is_status || raw.from.is_some(), "from")?;
        require(!is_status || raw.to.is_some(), "to")?;
        forbid(!is_status && raw.from.is_some(), "from")?;
        forbid(!is_status && raw.to.is_some(), "to")?;
        forbid(
            raw.kind == ActivityType::InboundMessage && raw.author.is_some(),
            "author",
        )?;

        let author = raw.author;
        let body = raw.body.unwrap_or_default();
        let message = || Message {
            channel: raw.channel.unwrap_or(Channel::Email),
            body: body.clone(),
            attachments: raw.attachments.clone().unwrap_or_default(),
        };
        let kind = match raw.kind {
            ActivityType::StaffResponse => ActivityKind::StaffResponse {
                author,
                body: body.clone(),
            },
            ActivityType::Note => ActivityKind::Note {
                author,
                body: body.clone(),
            },
            ActivityType::OutboundMessage => ActivityKind::OutboundMessage {
                author,
                message: message(),
            },
            ActivityType::InboundMessage => ActivityKind::InboundMessage { message: message() },
            ActivityType::StatusChange => ActivityKind::StatusChange {
                author,
                from: raw.from.unwrap_or(Status::New),
                to: raw.to.unwrap_or(Status::New),
            },
        };
        Ok(Activity {
            id: raw.id,
            at: raw.at,
            kind,
        })
    }
}

impl From<Activity> for RawActivity {
    fn from(activity: Activity) -> Self {
        let mut raw = RawActivity {
            id: activity.id,
            at: activity.at,
            kind: ActivityType::Note,
            author: None,
            channel: None,
            body: None,
            attachments: None,
            from: None,
            to: None,
        };
        let set_message = |raw: &mut RawActivity, message: Message| {
            raw.channel = Some(message.channel);
            raw.body = Some(message.body);
            raw.attachments = Some(message.attachments);
        };
        match activity.kind {
            ActivityKind::StaffResponse { author, body } => {
                raw.kind = ActivityType::StaffResponse;
                raw.author = author;
                raw.body = Some(body);
            }
            ActivityKind::Note { author, body } => {
                raw.author = author;
                raw.body = Some(body);
            }
            ActivityKind::OutboundMessage { author, message } => {
                raw.kind = ActivityType::OutboundMessage;
                raw.author = author;
                set_message(&mut raw, message);
            }
            ActivityKind::InboundMessage { message } => {
                raw.kind = ActivityType::InboundMessage;
                set_message(&mut raw, message);
            }
            ActivityKind::StatusChange { author, from, to } => {
                raw.kind = ActivityType::StatusChange;
                raw.author = author;
                raw.from = Some(from);
                raw.to = Some(to);
            }
        }
        raw
    }
}

/// An eConsult's activity, kept in its total order (time, then id), with no
/// two entries sharing an id.
///
/// ```
/// use econsult_model::{Activity, ActivityId, ActivityKind, ActivityLog};
///
/// let at = |s: &str| s.parse().unwrap();
/// let note = |id: &str, when: &str| Activity {
///     id: ActivityId::new(id).unwrap(),
///     at: at(when),
///     kind: ActivityKind::Note { author: None, body: "call back".into() },
/// };
/// let mut log = ActivityLog::new(vec![note("b", "2031-01-01T10:00:00")])?;
/// log.push(note("a", "2031-01-01T09:00:00"))?;
/// let ids: Vec<_> = log.iter().map(|a| a.id.as_str()).collect();
/// assert_eq!(ids, ["a", "b"]);
/// assert!(log.push(note("a", "2031-01-02T09:00:00")).is_err());
/// # Ok::<(), econsult_model::ActivityLogError>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "Vec<Activity>", into = "Vec<Activity>")]
pub struct ActivityLog(Vec<Activity>);

/// Two activity entries share an id.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("two activity entries share the id {0}; every entry needs its own id")]
pub struct ActivityLogError(pub ActivityId);

impl ActivityLog {
    /// A log of `entries`, put into order. Fails if two share an id.
    pub fn new(mut entries: Vec<Activity>) -> Result<Self, ActivityLogError> {
        entries.sort_by(|a, b| a.order_key().cmp(&b.order_key()));
        let mut ids: Vec<&ActivityId> = entries.iter().map(|a| &a.id).collect();
        ids.sort();
        if let Some(pair) = ids.windows(2).find(|w| w[0] == w[1]) {
            return Err(ActivityLogError(pair[0].clone()));
        }
        Ok(Self(entries))
    }

    /// Adds an entry in its place in the order. Fails if its id is taken.
    pub fn push(&mut self, activity: Activity) -> Result<(), ActivityLogError> {
        if self.get(&activity.id).is_some() {
            return Err(ActivityLogError(activity.id));
        }
        let index = self
            .0
            .partition_point(|a| a.order_key() <= activity.order_key());
        self.0.insert(index, activity);
        Ok(())
    }

    /// The entries, in order.
    pub fn iter(&self) -> std::slice::Iter<'_, Activity> {
        self.0.iter()
    }

    /// The entries, in order.
    pub fn as_slice(&self) -> &[Activity] {
        &self.0
    }

    /// The number of entries.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether there is no activity.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The entry with this id.
    pub fn get(&self, id: &ActivityId) -> Option<&Activity> {
        self.0.iter().find(|a| &a.id == id)
    }

    /// The latest entry.
    pub fn latest(&self) -> Option<&Activity> {
        self.0.last()
    }

    /// The entries whose ids are not in `saved`, in order: what a partial
    /// save still has to write.
    pub fn unsaved<'a>(
        &'a self,
        saved: &'a std::collections::HashSet<ActivityId>,
    ) -> impl Iterator<Item = &'a Activity> + 'a {
        self.0.iter().filter(move |a| !saved.contains(&a.id))
    }
}

impl TryFrom<Vec<Activity>> for ActivityLog {
    type Error = ActivityLogError;

    fn try_from(entries: Vec<Activity>) -> Result<Self, Self::Error> {
        Self::new(entries)
    }
}

impl From<ActivityLog> for Vec<Activity> {
    fn from(log: ActivityLog) -> Self {
        log.0
    }
}

impl<'a> IntoIterator for &'a ActivityLog {
    type Item = &'a Activity;
    type IntoIter = std::slice::Iter<'a, Activity>;

    fn into_iter(self) -> Self::IntoIter {
        self.0.iter()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    fn entry(id: &str, at: &str) -> Activity {
        Activity {
            id: ActivityId::new(id).unwrap(),
            at: at.parse().unwrap(),
            kind: ActivityKind::Note {
                author: None,
                body: id.into(),
            },
        }
    }

    #[test]
    fn order_is_time_then_id() {
        let log = ActivityLog::new(vec![
            entry("c", "2031-01-01T10:00:00"),
            entry("b", "2031-01-01T10:00:00"),
            entry("a", "2031-01-01T11:00:00"),
        ])
        .unwrap();
        let ids: Vec<_> = log.iter().map(|a| a.id.as_str()).collect();
        assert_eq!(ids, ["b", "c", "a"]);
    }

    #[test]
    fn duplicate_ids_are_refused_even_far_apart() {
        let err = ActivityLog::new(vec![
            entry("x", "2031-01-01T10:00:00"),
            entry("y", "2031-01-01T11:00:00"),
            entry("x", "2031-01-01T12:00:00"),
        ])
        .unwrap_err();
        assert_eq!(err.0.as_str(), "x");
    }

    #[test]
    fn unsaved_skips_saved_ids_in_order() {
        let log = ActivityLog::new(vec![
            entry("a", "2031-01-01T10:00:00"),
            entry("b", "2031-01-01T11:00:00"),
            entry("c", "2031-01-01T12:00:00"),
        ])
        .unwrap();
        let saved: HashSet<_> = [ActivityId::new("b").unwrap()].into();
        let ids: Vec<_> = log.unsaved(&saved).map(|a| a.id.as_str()).collect();
        assert_eq!(ids, ["a", "c"]);
    }

    #[test]
    fn json_shape_is_flat_and_checked_per_type() {
        let json = r#"{"id":"m1","at":"2031-01-01T10:00:00","type":"inbound_message",
                       "channel":"sms","body":"Thanks"}"#;
        let a: Activity = serde_json::from_str(json).unwrap();
        let (direction, message) = a.kind.message().unwrap();
        assert_eq!(
            (direction, message.channel),
            (Direction::Inbound, Channel::Sms)
        );
        assert_eq!(a.kind.label(), "SMS from patient");

        for (json, expected) in [
            (
                r#"{"id":"m1","at":"2031-01-01T10:00:00","type":"outbound_message","body":"x"}"#,
                "`outbound_message` entries need `channel`",
            ),
            (
                r#"{"id":"n1","at":"2031-01-01T10:00:00","type":"note","body":"x","channel":"sms"}"#,
                "`note` entries have no `channel`",
            ),
            (
                r#"{"id":"s1","at":"2031-01-01T10:00:00","type":"status_change","to":"completed"}"#,
                "`status_change` entries need `from`",
            ),
            (
                r#"{"id":"i1","at":"2031-01-01T10:00:00","type":"inbound_message","channel":"email","body":"x","author":"Dr X"}"#,
                "`inbound_message` entries have no `author`",
            ),
        ] {
            let err = serde_json::from_str::<Activity>(json).unwrap_err();
            assert!(err.to_string().contains(expected), "{err}");
        }
    }

    #[test]
    fn json_log_with_duplicate_ids_is_refused() {
        let json = r#"[{"id":"a","at":"2031-01-01T10:00:00","type":"note","body":"x"},
                       {"id":"a","at":"2031-01-01T11:00:00","type":"note","body":"y"}]"#;
        let err = serde_json::from_str::<ActivityLog>(json).unwrap_err();
        assert!(err.to_string().contains("share the id a"), "{err}");
    }
}
