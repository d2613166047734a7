//! Checks shared by the free-text fields of the model.

/// Why a piece of text was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TextError {
    /// A required value was empty or only whitespace.
    #[error("must not be empty; give a value")]
    Empty,
    /// The value was longer than allowed.
    #[error("is {length} characters long, more than the {max} allowed; shorten it")]
    TooLong {
        /// Its length in characters.
        length: usize,
        /// The most allowed.
        max: usize,
    },
    /// The value held a control character that has no place in it.
    #[error("contains the control character U+{:04X}; remove it", u32::from(*.0))]
    ControlCharacter(char),
    /// The value held an invisible formatting character or a line break.
    #[error(
        "contains the invisible character U+{:04X} (a zero-width, direction or line-break character); remove it",
        u32::from(*.0)
    )]
    InvisibleCharacter(char),
}

/// The start of `input` for an error message: at most 40 characters, so a
/// huge or sensitive field is never copied whole into logs.
pub(crate) fn excerpt(input: &str) -> String {
    const MAX: usize = 40;
    match input.char_indices().nth(MAX) {
        Some((cut, _)) => format!("{}…", &input[..cut]),
        None => input.to_owned(),
    }
}

/// Whether `c` draws nothing or changes how text around it displays
/// (zero-width and joining characters, direction overrides, byte-order
/// mark, soft hyphen), or is a line or paragraph separator. A name holding
/// one looks like another name but never equals it: names refuse them,
/// and matching sets them aside.
///
/// ```
/// use econsult_model::is_invisible_or_break;
///
/// assert!(is_invisible_or_break('\u{200B}'));
/// assert!(is_invisible_or_break('\u{AD}'));
/// assert!(!is_invisible_or_break('a'));
/// ```
pub fn is_invisible_or_break(c: char) -> bool {
    matches!(
        c,
        '\u{00AD}'
            | '\u{061C}'
            | '\u{180E}'
            | '\u{200B}'..='\u{200F}'
            | '\u{2028}'..='\u{202E}'
            | '\u{2060}'..='\u{2064}'
            | '\u{2066}'..='\u{206F}'
            | '\u{FEFF}'
            | '\u{FFF9}'..='\u{FFFB}'
    )
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
    if let Some(c) = trimmed.chars().find(|c| is_invisible_or_break(*c)) {
        return Err(TextError::InvisibleCharacter(c));
    }
    let length = trimmed.chars().count();
    if length > max {
        return Err(TextError::TooLong { length, max });
    }
    Ok(trimmed.to_owned())
}

/// `value` made into a single line leniently, for text another system
/// holds and we must still read: control characters become spaces,
/// invisible and direction characters are removed, runs of whitespace
/// become one space, and the result is cut to `max` characters. `None`
/// when nothing is left; otherwise the line and whether it was kept whole
/// (not cut).
pub(crate) fn lenient_single_line(value: &str, max: usize) -> Option<(String, bool)> {
    let mut out = String::with_capacity(value.len());
    let mut pending_space = false;
    for c in value.chars() {
        if c.is_whitespace() || c.is_control() {
            pending_space = !out.is_empty();
            continue;
        }
        if is_invisible_or_break(c) {
            continue;
        }
        if pending_space {
            out.push(' ');
            pending_space = false;
        }
        out.push(c);
    }
    let whole = out.chars().count() <= max;
    let out: String = out.chars().take(max).collect();
    let out = out.trim_end();
    (!out.is_empty()).then(|| (out.to_owned(), whole))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lenient_lines_keep_what_can_be_read() {
        assert_eq!(
            lenient_single_line(" Al\u{AD}ex\u{202E} \t Test\u{0}patient\u{2028} ", 100),
            Some(("Alex Test patient".to_owned(), true))
        );
        assert_eq!(lenient_single_line("\u{200B}\u{FEFF} ", 100), None);
        assert_eq!(
            lenient_single_line(&"x".repeat(150), 100).map(|(s, whole)| (s.len(), whole)),
            Some((100, false))
        );
        // Cut at a space: no trailing space is left.
        assert_eq!(
            lenient_single_line("ab cd", 3),
            Some(("ab".to_owned(), false))
        );
    }

    #[test]
    fn excerpts_are_short() {
        assert_eq!(excerpt("short"), "short");
        let long = "é".repeat(1000);
        assert_eq!(excerpt(&long).chars().count(), 41);
    }

    #[test]
    fn invisible_characters_and_breaks_are_refused() {
        for bad in [
            "Ann\u{2028}Marie",
            "Ann\u{200B}",
            "\u{FEFF}Ann",
            "Ann\u{202E}eiraM",
            "An\u{00AD}n",
        ] {
            assert!(
                matches!(single_line(bad, 100), Err(TextError::InvisibleCharacter(_))),
                "{bad:?}"
            );
        }
        assert_eq!(
            single_line("  Zoë Ødegård-O'Test ", 100).unwrap(),
            "Zoë Ødegård-O'Test"
        );
    }
}
