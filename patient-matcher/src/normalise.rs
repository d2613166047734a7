//! Text normalisation, applied the same way to the submission and to every
//! candidate.
//!
//! Two strengths:
//!
//! - [`normalise`]: what the exact auto-match compares. Unicode normal form
//!   C, simple case folding, trimmed, inner whitespace collapsed to one
//!   space. Nothing else: `Zoe` and `Zoë`, `OBrien` and `O'Brien` stay
//!   different, because the domain rules make anything fuzzier a
//!   suggestion.
//! - [`fold`]: what a suggestion may set aside on top of that: accents
//!   (combining marks after canonical decomposition, and a few letters that
//!   do not decompose, such as `ø` and `ł`), hyphens, apostrophes, full
//!   stops and spaces.
//!
//! Case folding is *simple* (one character to one lower-case character, as
//! [`char::to_lowercase`] gives, with final sigma folded to sigma) rather than
//! full (`ß` to `ss`). That is deliberate: SystmOne's case-insensitive
//! prefix search compares character by character, so an exact match under
//! our rule is always found by a search for the normalised name, and the
//! planner's promise that a search saw *every* exact match holds.

use std::borrow::Cow;

use econsult_model::is_invisible_or_break;
use unicode_normalization::char::is_combining_mark;
use unicode_normalization::{UnicodeNormalization, is_nfc_quick};

/// Normalises `text` for the exact comparison: NFC, simple case folding,
/// trimmed, runs of whitespace (and control characters) collapsed to one
/// space, invisible characters (zero-width, direction marks, soft hyphen)
/// removed.
///
/// ```
/// use patient_matcher::normalise;
///
/// assert_eq!(normalise("  ALEX \t Testpatient "), "alex testpatient");
/// // A decomposed ë (e + U+0308) is the same text as a composed one.
/// assert_eq!(normalise("Zoe\u{308}"), normalise("Zoë"));
/// // Invisible characters draw nothing: the name is the name without them.
/// assert_eq!(normalise("Al\u{AD}ex\u{200B}"), "alex");
/// assert_eq!(normalise("\u{200B}"), "");
/// // Accents and punctuation are not set aside: that is for suggestions.
/// assert_ne!(normalise("Zoë"), normalise("Zoe"));
/// ```
pub fn normalise(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut pending_space = false;
    let mut push = |c: char, out: &mut String| {
        if c.is_whitespace() || c.is_control() {
            pending_space = !out.is_empty();
            return;
        }
        if is_invisible_or_break(c) {
            // Draws nothing: a name that holds one is the name without it.
            return;
        }
        if pending_space {
            out.push(' ');
            pending_space = false;
        }
        for lower in c.to_lowercase() {
            out.push(if lower == 'ς' { 'σ' } else { lower });
        }
    };
    if text.is_ascii() || is_nfc_quick(text.chars()) == unicode_normalization::IsNormalized::Yes {
        text.chars().for_each(|c| push(c, &mut out));
    } else {
        text.nfc().for_each(|c| push(c, &mut out));
    }
    // Lower-casing can decompose (İ → i + U+0307); compose again so that
    // equal text is equal bytes.
    if out.is_ascii() {
        out
    } else {
        out.nfc().collect()
    }
}

/// Folds already-[`normalise`]d text further for fuzzy comparison: accents
/// removed, and hyphens, apostrophes, full stops and spaces dropped.
/// Borrows when there is nothing to fold (plain ASCII letters), which is
/// most names.
///
/// ```
/// use patient_matcher::{fold, normalise};
///
/// assert_eq!(fold(&normalise("Zoë")), "zoe");
/// assert_eq!(fold(&normalise("O'Brien")), "obrien");
/// assert_eq!(fold(&normalise("Smith-Jones")), fold(&normalise("Smith Jones")));
/// assert_eq!(fold(&normalise("Łukasz")), "lukasz");
/// ```
pub fn fold(normalised: &str) -> Cow<'_, str> {
    if normalised.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return Cow::Borrowed(normalised);
    }
    let folded = normalised
        .nfd()
        .filter(|c| !is_combining_mark(*c) && !is_separator(*c))
        .map(base_letter)
        .collect();
    Cow::Owned(folded)
}

/// The parts of a name between spaces, hyphens and apostrophes:
/// `smith-jones` gives `smith` and `jones`.
pub(crate) fn name_parts(normalised: &str) -> impl Iterator<Item = &str> {
    normalised.split(is_separator).filter(|p| !p.is_empty())
}

/// Characters that separate parts of a name, or decorate it, and that a
/// suggestion sets aside.
fn is_separator(c: char) -> bool {
    matches!(
        c,
        ' ' | '-'
            | '\u{2010}'
            | '\u{2011}'
            | '\u{2013}'
            | '\''
            | '\u{2019}'
            | '\u{2018}'
            | '`'
            | '.'
    )
}

/// Letters that carry their accent as part of the letter rather than as a
/// combining mark, mapped to their base letter.
fn base_letter(c: char) -> char {
    match c {
        'ø' => 'o',
        'ł' => 'l',
        'đ' | 'ð' => 'd',
        'ħ' => 'h',
        'ı' => 'i',
        'æ' => 'a',
        'œ' => 'o',
        'þ' => 't',
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn whitespace_and_case() {
        assert_eq!(normalise(""), "");
        assert_eq!(normalise("   "), "");
        assert_eq!(normalise("van  der\u{a0}Berg"), "van der berg");
        assert_eq!(normalise("ÉLISE"), "élise");
        assert_eq!(normalise("ΟΔΥΣΣΕΥΣ"), normalise("οδυσσευς"));
        // Simple folding: ß is not ss.
        assert_ne!(normalise("Groß"), normalise("Gross"));
        assert_eq!(normalise("GROẞ"), normalise("groß"));
    }

    #[test]
    fn folding_sets_aside_accents_and_punctuation() {
        assert_eq!(fold(&normalise("Siân")), "sian");
        assert_eq!(fold(&normalise("Da Silva")), "dasilva");
        assert_eq!(fold(&normalise("O’Brien")), "obrien");
        assert_eq!(fold(&normalise("Ødegård")), "odegard");
        assert!(matches!(fold("smith"), Cow::Borrowed(_)));
        assert_eq!(
            name_parts("smith-jones").collect::<Vec<_>>(),
            ["smith", "jones"]
        );
    }

    proptest! {
        #[test]
        fn normalise_is_idempotent(text in "\\PC{0,30}") {
            let once = normalise(&text);
            prop_assert_eq!(normalise(&once), once.clone());
            prop_assert_eq!(once.trim(), once.as_str());
            prop_assert!(!once.contains("  "));
        }

        #[test]
        fn normalise_ignores_case_and_outer_whitespace(text in "[a-zA-Zà-ÿ ]{0,20}") {
            let padded = format!("  {}\t", text.to_uppercase());
            prop_assert_eq!(normalise(&padded), normalise(&text.to_lowercase()));
        }
    }
}
