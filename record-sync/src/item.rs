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
    pub fn parse(line: &str) -> Option<Self> {
        let rest = line.trim().strip_prefix(MARKER_PREFIX)?;
        let (econsult, item) = rest.split_once('/')?;
        Some(Self {
            econsult: EConsultId::new(econsult).ok()?,
            item: item.parse().ok()?,
        })
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
    }
}
