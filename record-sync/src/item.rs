//! What one record entry carries, and the marker line that names it inside
//! the record so that a save whose outcome is unknown can be looked for.

use std::fmt;
use std::str::FromStr;

use econsult_model::{ActivityId, EConsultId};
use serde::{Deserialize, Serialize};

/// One thing a save writes into the record, as one event.
///
/// Every item of an eConsult has a key that is stable for its life: the
/// same content always has the same key, which is how the store knows what
/// is already in the record and how reconciliation recognises an event the
/// SDK wrote.
///
/// ```
/// use record_sync::ItemKey;
///
/// let key: ItemKey = "activity/act-3".parse()?;
/// assert_eq!(key.to_string(), "activity/act-3");
/// assert_eq!("consultation".parse::<ItemKey>()?, ItemKey::Consultation);
/// # Ok::<(), record_sync::ItemKeyError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(into = "String", try_from = "String")]
pub enum ItemKey {
    /// The consultation: its PDF and its ICE data (the first save).
    Consultation,
    /// One activity entry: a staff response, a note, or an email or SMS.
    Activity(ActivityId),
    /// The PDF as it stood after this activity entry: a partial save with
    /// no inbound message adds one, so the record holds the latest PDF.
    LatestPdf(ActivityId),
}

/// Text that is not an [`ItemKey`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "{0:?} is not a saved-item key: expected `consultation`, `activity/<activity id>` or `pdf/<activity id>`"
)]
pub struct ItemKeyError(pub String);

impl ItemKey {
    /// The activity entry the item belongs to, if any.
    pub fn activity(&self) -> Option<&ActivityId> {
        match self {
            ItemKey::Consultation => None,
            ItemKey::Activity(id) | ItemKey::LatestPdf(id) => Some(id),
        }
    }
}

impl fmt::Display for ItemKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ItemKey::Consultation => f.write_str("consultation"),
            ItemKey::Activity(id) => write!(f, "activity/{id}"),
            ItemKey::LatestPdf(id) => write!(f, "pdf/{id}"),
        }
    }
}

impl FromStr for ItemKey {
    type Err = ItemKeyError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let fail = || ItemKeyError(text.chars().take(80).collect());
        if text == "consultation" {
            return Ok(ItemKey::Consultation);
        }
        let (kind, id) = text.split_once('/').ok_or_else(fail)?;
        let id = ActivityId::new(id).map_err(|_| fail())?;
        match kind {
            "activity" => Ok(ItemKey::Activity(id)),
            "pdf" => Ok(ItemKey::LatestPdf(id)),
            _ => Err(fail()),
        }
    }
}

impl From<ItemKey> for String {
    fn from(key: ItemKey) -> Self {
        key.to_string()
    }
}

impl TryFrom<String> for ItemKey {
    type Error = ItemKeyError;

    fn try_from(text: String) -> Result<Self, Self::Error> {
        text.parse()
    }
}

/// The start of the narrative line the SDK writes first in every event it
/// saves.
pub const MARKER_PREFIX: &str = "eConsult sync ref: ";

/// The marker line naming an eConsult's item inside the record:
/// `eConsult sync ref: <eConsult id>/<item key>`.
///
/// Identifiers are limited to ASCII letters, digits, `.`, `_`, `:` and `-`
/// (see [`EConsultId`]), so the marker survives any text field unchanged and
/// the first `/` always ends the eConsult id.
///
/// ```
/// use econsult_model::EConsultId;
/// use record_sync::{ItemKey, Marker};
///
/// let marker = Marker::new(EConsultId::new("EC-1")?, ItemKey::Consultation);
/// let line = marker.line();
/// assert_eq!(line, "eConsult sync ref: EC-1/consultation");
/// assert_eq!(Marker::parse(&line), Some(marker));
/// assert_eq!(Marker::parse("Seen in clinic"), None);
/// # Ok::<(), econsult_model::IdError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Marker {
    /// The eConsult.
    pub econsult: EConsultId,
    /// The item.
    pub item: ItemKey,
}

impl Marker {
    /// The marker of `item` of `econsult`.
    pub fn new(econsult: EConsultId, item: ItemKey) -> Self {
        Self { econsult, item }
    }

    /// The narrative line.
    pub fn line(&self) -> String {
        format!("{MARKER_PREFIX}{}/{}", self.econsult, self.item)
    }

    /// Reads a narrative line; `None` when it is not a marker. Surrounding
    /// whitespace is ignored (SystmOne keeps it, a user editing the entry
    /// might add it).
    ///
    /// This reads one line of text. Whether an *event* carries a marker is
    /// decided by [`markers_in`](crate::markers_in), which looks only at the
    /// first line of an event's first narrative, and only in events the
    /// SDK's software added: a marker anywhere else is text, not a marker.
    pub fn parse(line: &str) -> Option<Self> {
        let rest = line.trim().strip_prefix(MARKER_PREFIX)?;
        let (econsult, item) = rest.split_once('/')?;
        Some(Self {
            econsult: EConsultId::new(econsult).ok()?,
            item: item.parse().ok()?,
        })
    }
}

/// Whether a line of text would be taken for a marker line: it starts,
/// after any leading whitespace, with [`MARKER_PREFIX`] in any case.
/// Broader than [`Marker::parse`] on purpose, so that no near-miss a later
/// reader might accept is written as it is.
pub(crate) fn looks_like_marker(line: &str) -> bool {
    let start = line.trim_start();
    start
        .get(..MARKER_PREFIX.len())
        .is_some_and(|head| head.eq_ignore_ascii_case(MARKER_PREFIX))
}

/// A line of free text (a message body, ICE, an answer, a file name) as it
/// is written into the record: as it is, unless it would be taken for a
/// marker, in which case it is quoted with a leading `> ` (still readable,
/// never a marker).
///
/// ```
/// # use record_sync::neutralise_marker_line as neutralise;
/// assert_eq!(neutralise("Sore throat for 3 days"), "Sore throat for 3 days");
/// assert_eq!(
///     neutralise("eConsult sync ref: EC-1/activity/a-9"),
///     "> eConsult sync ref: EC-1/activity/a-9"
/// );
/// ```
pub fn neutralise_marker_line(line: &str) -> std::borrow::Cow<'_, str> {
    if looks_like_marker(line) {
        std::borrow::Cow::Owned(format!("> {line}"))
    } else {
        std::borrow::Cow::Borrowed(line)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn keys_refuse_what_is_not_theirs() {
        for bad in [
            "",
            "activity",
            "activity/",
            "note/a",
            "pdf/has space",
            "consultation/x",
        ] {
            assert!(bad.parse::<ItemKey>().is_err(), "{bad:?}");
        }
        let error = "note/a".parse::<ItemKey>().unwrap_err();
        assert!(error.to_string().contains("activity/<activity id>"));
    }

    #[test]
    fn case_and_padding_variants_count_as_marker_like() {
        for line in [
            "eConsult sync ref: EC-1/consultation",
            "  ECONSULT SYNC REF: EC-1/consultation",
            "\u{3000}econsult sync ref: anything",
        ] {
            assert!(looks_like_marker(line), "{line:?}");
            assert!(Marker::parse(&neutralise_marker_line(line)).is_none());
        }
        assert!(!looks_like_marker("> eConsult sync ref: EC-1/consultation"));
        assert!(!looks_like_marker("eConsult sync"));
        assert!(!looks_like_marker("é"));
    }

    #[test]
    fn markers_of_other_text_are_not_markers() {
        assert_eq!(Marker::parse("eConsult sync ref: EC-1"), None);
        assert_eq!(Marker::parse("eConsult sync ref: /consultation"), None);
        assert_eq!(Marker::parse("eConsult sync ref: EC 1/consultation"), None);
        let spaced = Marker::parse("  eConsult sync ref: EC-1/pdf/a-2 ").unwrap();
        assert_eq!(
            spaced.item,
            ItemKey::LatestPdf(ActivityId::new("a-2").unwrap())
        );
    }

    fn id() -> impl Strategy<Value = String> {
        "[A-Za-z0-9._:-]{1,64}"
    }

    fn key() -> impl Strategy<Value = ItemKey> {
        prop_oneof![
            Just(ItemKey::Consultation),
            id().prop_map(|i| ItemKey::Activity(ActivityId::new(&i).unwrap())),
            id().prop_map(|i| ItemKey::LatestPdf(ActivityId::new(&i).unwrap())),
        ]
    }

    proptest! {
        #[test]
        fn markers_round_trip(econsult in id(), item in key()) {
            let marker = Marker::new(EConsultId::new(&econsult).unwrap(), item.clone());
            prop_assert_eq!(Marker::parse(&marker.line()), Some(marker));
            prop_assert_eq!(item.to_string().parse::<ItemKey>().unwrap(), item);
        }

        #[test]
        fn parsing_any_line_never_panics(line in ".{0,200}") {
            let _ = Marker::parse(&line);
            let _ = line.parse::<ItemKey>();
        }

        /// Whatever a patient writes, once neutralised it is not a marker,
        /// and text that is not marker-like is left exactly as it was.
        #[test]
        fn neutralised_text_is_never_a_marker(
            pad in "[ \t\u{a0}\u{3000}]{0,3}",
            prefix in "(?i:econsult sync ref: )",
            econsult in id(),
            item in key(),
            rest in ".{0,40}",
        ) {
            let forged = format!("{pad}{prefix}{econsult}/{item}{rest}");
            let written = neutralise_marker_line(&forged);
            prop_assert!(Marker::parse(&written).is_none(), "{written:?}");
            prop_assert!(written.ends_with(&forged), "readable: {written:?}");
            let plain = neutralise_marker_line(&rest);
            if !looks_like_marker(&rest) {
                prop_assert_eq!(plain.as_ref(), rest.as_str());
            }
        }
    }
}
