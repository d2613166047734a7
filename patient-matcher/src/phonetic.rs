//! How a name sounds: its Double Metaphone codes, packed into 32 bits so
//! that an index of a million patients can keep them beside each name.

use std::sync::LazyLock;

use rphonetic::DoubleMetaphone;

use crate::normalise::fold;

/// Double Metaphone's encoder with its standard four-character codes.
static ENCODER: LazyLock<DoubleMetaphone> = LazyLock::new(DoubleMetaphone::default);

/// The symbols Double Metaphone writes, in the order they are packed; a
/// symbol outside the list packs as 15.
const SYMBOLS: &[u8; 14] = b"AFHJKLMNPRSTX0";

/// A name's two Double Metaphone codes (primary and alternate), four
/// symbols of four bits each.
///
/// Two names *sound alike* when any code of one equals any code of the
/// other (`Smith` and `Schmidt` share `XMT`). A name with no Latin letters
/// has no code and sounds like nothing, not like everything.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub(crate) struct Sound(u32);

impl Sound {
    /// The sound of a [`normalise`](crate::normalise)d name. Accents and
    /// punctuation are folded away first, and only ASCII letters reach the
    /// encoder.
    pub(crate) fn of(normalised: &str) -> Self {
        let letters: String = fold(normalised)
            .chars()
            .filter(char::is_ascii_alphabetic)
            .collect();
        if letters.is_empty() {
            return Self(0);
        }
        let codes = ENCODER.double_metaphone(&letters);
        let primary = pack(&codes.primary());
        let alternate = pack(&codes.alternate());
        Self(u32::from(primary) << 16 | u32::from(alternate))
    }

    /// The packed primary code: the blocking key the index uses.
    pub(crate) fn primary(self) -> u16 {
        (self.0 >> 16) as u16
    }

    pub(crate) fn alternate(self) -> u16 {
        self.0 as u16
    }

    /// Whether any code of one equals any code of the other.
    pub(crate) fn alike(self, other: Sound) -> bool {
        let ours = [self.primary(), self.alternate()];
        let theirs = [other.primary(), other.alternate()];
        ours.iter().any(|code| *code != 0 && theirs.contains(code))
    }
}

fn pack(code: &str) -> u16 {
    code.bytes().take(4).fold(0u16, |packed, symbol| {
        let value = SYMBOLS
            .iter()
            .position(|s| *s == symbol)
            .map_or(15, |p| p as u16 + 1);
        packed << 4 | value
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::normalise;
    use proptest::prelude::*;

    fn sound(name: &str) -> Sound {
        Sound::of(&normalise(name))
    }

    #[test]
    fn names_that_sound_alike() {
        for (a, b) in [
            ("Smith", "Smyth"),
            ("Smith", "Schmidt"),
            ("Catherine", "Kathryn"),
            ("Stephen", "Steven"),
            ("Johnson", "Jonson"),
            ("Zoë", "Zoe"),
            ("MacDonald", "McDonald"),
        ] {
            assert!(sound(a).alike(sound(b)), "{a} / {b}");
        }
        for (a, b) in [("Smith", "Jones"), ("Ann", "Mary"), ("Alex", "Amir")] {
            assert!(!sound(a).alike(sound(b)), "{a} / {b}");
        }
    }

    #[test]
    fn no_letters_sounds_like_nothing() {
        assert_eq!(sound("王"), Sound(0));
        assert!(!sound("王").alike(sound("李")));
        assert!(!sound("").alike(sound("")));
    }

    proptest! {
        #[test]
        fn any_text_encodes_without_panicking(text in "\\PC{0,40}") {
            let s = Sound::of(&normalise(&text));
            prop_assert_eq!(s.alike(s), s.primary() != 0 || s.alternate() != 0);
        }
    }
}
