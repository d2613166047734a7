//! The embedded font: DejaVu Sans, regular and bold (Latin, Latin Extended,
//! Greek, Cyrillic), so output never depends on the fonts of the machine.

use std::sync::OnceLock;

use krilla::text::Font;
use rustybuzz::Face;

static REGULAR_TTF: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans.ttf");
static BOLD_TTF: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans-Bold.ttf");

/// The character drawn in place of one the font cannot show.
const REPLACEMENT: char = '\u{FFFD}';

/// Regular or bold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Weight {
    Regular,
    Bold,
}

/// A parsed face, for measuring, and the same font for krilla, for drawing.
struct Loaded {
    face: Face<'static>,
    font: Font,
}

fn load(data: &'static [u8]) -> Option<Loaded> {
    Some(Loaded {
        face: Face::from_slice(data, 0)?,
        font: Font::new(data.into(), 0)?,
    })
}

fn loaded(weight: Weight) -> Result<&'static Loaded, super::PdfError> {
    static REGULAR: OnceLock<Option<Loaded>> = OnceLock::new();
    static BOLD: OnceLock<Option<Loaded>> = OnceLock::new();
    let (cell, data) = match weight {
        Weight::Regular => (&REGULAR, REGULAR_TTF),
        Weight::Bold => (&BOLD, BOLD_TTF),
    };
    cell.get_or_init(|| load(data))
        .as_ref()
        .ok_or(super::PdfError::Font)
}

/// Measures and prepares text in one weight of the embedded font.
#[derive(Clone, Copy)]
pub(crate) struct Metrics {
    face: &'static Face<'static>,
}

impl std::fmt::Debug for Metrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Metrics")
    }
}

impl Metrics {
    pub(crate) fn new(weight: Weight) -> Result<Self, super::PdfError> {
        Ok(Self {
            face: &loaded(weight)?.face,
        })
    }

    /// The width of `text` at `size` points: the sum of the glyphs'
    /// advances (summed in 64 bits: a pasted megabyte of text must not
    /// overflow). Kerning and ligatures, which rendering applies, only
    /// narrow Latin text, so lines measured this way fit when drawn.
    pub(crate) fn width(&self, text: &str, size: f32) -> f32 {
        let units: u64 = text.chars().map(|c| self.advance(c)).sum();
        units as f32 * size / self.units_per_em()
    }

    /// The width of one character at `size` points.
    pub(crate) fn char_width(&self, c: char, size: f32) -> f32 {
        self.advance(c) as f32 * size / self.units_per_em()
    }

    fn units_per_em(&self) -> f32 {
        self.face.units_per_em().max(1) as f32
    }

    fn advance(&self, c: char) -> u64 {
        self.face
            .glyph_index(c)
            .and_then(|g| self.face.glyph_hor_advance(g))
            .map_or(0, u64::from)
    }

    /// Whether the font can draw `c`.
    pub(crate) fn covers(&self, c: char) -> bool {
        self.face.glyph_index(c).is_some()
    }
}

/// The krilla font for a weight.
pub(crate) fn font(weight: Weight) -> Result<Font, super::PdfError> {
    Ok(loaded(weight)?.font.clone())
}

/// Makes text safe to draw: line breaks become `\n`, tabs become spaces,
/// other control characters are dropped, and characters the font lacks
/// (emoji, most non-Latin scripts) become U+FFFD, so nothing is silently
/// lost without a trace on the page.
pub(crate) fn sanitise(text: &str, metrics: &Metrics) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\r' => {
                if chars.peek() != Some(&'\n') {
                    out.push('\n');
                }
            }
            '\n' | '\u{2028}' | '\u{2029}' | '\u{85}' => out.push('\n'),
            '\t' => out.push_str("    "),
            c if c.is_control() => {}
            // Zero-width spaces, direction marks and variation selectors
            // are dropped (they draw nothing); other characters the font
            // lacks become U+FFFD below.
            '\u{200B}'..='\u{200F}' | '\u{FE00}'..='\u{FE0F}' => {}
            c if metrics.covers(c) => out.push(c),
            _ => out.push(REPLACEMENT),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_weights_load_and_cover_latin_extended() {
        for weight in [Weight::Regular, Weight::Bold] {
            let m = Metrics::new(weight).unwrap();
            for c in "Zoë Ødegård Łukasz Groß ŞŽčćő €£".chars() {
                assert!(m.covers(c), "{c}");
            }
        }
    }

    #[test]
    fn width_grows_with_text_and_size() {
        let m = Metrics::new(Weight::Regular).unwrap();
        let one = m.width("Testpatient", 10.0);
        assert!(one > 30.0 && one < 80.0, "{one}");
        assert!((m.width("Testpatient", 20.0) - 2.0 * one).abs() < 0.01);
        assert!(
            Metrics::new(Weight::Bold)
                .unwrap()
                .width("Testpatient", 10.0)
                > one
        );
    }

    #[test]
    fn sanitise_normalises_breaks_and_replaces_missing_glyphs() {
        let m = Metrics::new(Weight::Regular).unwrap();
        assert_eq!(sanitise("a\r\nb\rc\td\u{7}e", &m), "a\nb\nc    de");
        assert_eq!(sanitise("ok 中文 ok", &m), "ok \u{FFFD}\u{FFFD} ok");
        assert!(m.covers(REPLACEMENT));
    }
}
