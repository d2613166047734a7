//! Stable identifiers for eConsults and their activity.

/// The longest identifier accepted, in bytes.
const MAX_ID_LEN: usize = 64;

/// Why a string is not a usable identifier.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "{given:?} is not a usable {what}: use 1 to 64 ASCII letters, digits, '.', '_', ':' or '-'"
)]
pub struct IdError {
    /// What kind of identifier was expected.
    pub what: &'static str,
    /// The input.
    pub given: String,
}

/// Checks the shared identifier rule. Identifiers are written into the
/// patient's record as markers that let a crashed save be reconciled, so
/// they are kept to characters that survive any text field unchanged.
fn parse_id(what: &'static str, input: &str) -> Result<String, IdError> {
    let ok = !input.is_empty()
        && input.len() <= MAX_ID_LEN
        && input
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b':' | b'-'));
    if ok {
        Ok(input.to_owned())
    } else {
        Err(IdError {
            what,
            given: crate::text::excerpt(input),
        })
    }
}

macro_rules! identifier {
    ($(#[$meta:meta])* $name:ident, $what:literal) => {
        $(#[$meta])*
        #[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(String);

        impl $name {
            /// Validates an identifier: 1 to 64 ASCII letters, digits, `.`,
            /// `_`, `:` or `-`.
            pub fn new(input: &str) -> Result<Self, IdError> {
                parse_id($what, input).map(Self)
            }

            /// The identifier as text.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        string_value_impls!($name, new, IdError);
    };
}

identifier!(
    /// An eConsult's identifier in the vendor's system, stable for its life.
    ///
    /// ```
    /// use econsult_model::EConsultId;
    ///
    /// assert!(EConsultId::new("EC-2031-000123").is_ok());
    /// assert!(EConsultId::new("has space").is_err());
    /// ```
    EConsultId,
    "eConsult id"
);

identifier!(
    /// An activity entry's identifier, unique within its eConsult and stable
    /// for its life: it is how a save knows what it has already written.
    ///
    /// ```
    /// use econsult_model::ActivityId;
    ///
    /// assert_eq!(ActivityId::new("act-0001")?.as_str(), "act-0001");
    /// # Ok::<(), econsult_model::IdError>(())
    /// ```
    ActivityId,
    "activity id"
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_the_allowed_alphabet_up_to_64_bytes() {
        assert!(EConsultId::new("a.b_c:d-E9").is_ok());
        assert!(EConsultId::new(&"x".repeat(64)).is_ok());
    }

    #[test]
    fn rejects_empty_long_and_foreign_characters() {
        for bad in ["", " a", "a/b", "é", "a<b", "a\nb"] {
            let err = ActivityId::new(bad).unwrap_err();
            assert_eq!(err.what, "activity id");
        }
        assert!(EConsultId::new(&"x".repeat(65)).is_err());
    }

    #[test]
    fn serde_validates() {
        assert!(serde_json::from_str::<EConsultId>("\"EC-1\"").is_ok());
        let err = serde_json::from_str::<EConsultId>("\"EC 1\"").unwrap_err();
        assert!(
            err.to_string().contains("not a usable eConsult id"),
            "{err}"
        );
    }
}
