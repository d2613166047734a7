//! Checks shared by the free-text fields of the model.

/// Why a piece of text was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TextError {
    /// A required value was empty or only whitespace.
    #[error("must not be empty")]
    Empty,
    /// The value was longer than allowed.
    #[error("is {length} characters long, more than the {max} allowed")]
    TooLong {
        /// Its length in characters.
        length: usize,
        /// The most allowed.
        max: usize,
    },
    /// The value held a control character that has no place in it.
    #[error("contains the control character U+{:04X}; remove it", u32::from(*.0))]
    ControlCharacter(char),
}

/// Trims `value` and checks it is a non-empty single line of at most `max`
/// characters. Used for names, identifiers and labels.
pub(crate) fn single_line(value: &str, max: usize) -> Result<String, TextError> {
    let trimmed = value.trim();
    if trimmed.is_empty() {
        return Err(TextError::Empty);
    }
    if let Some(c) = trimmed.chars().find(|c| c.is_control()) {
        return Err(TextError::ControlCharacter(c));
    }
    let length = trimmed.chars().count();
    if length > max {
        return Err(TextError::TooLong { length, max });
    }
    Ok(trimmed.to_owned())
}
