//! Flows content blocks onto A4 pages: wrapping, page breaks, the header
//! and footer on every page. Pure: the result is drawn by `draw`.

use super::PdfError;
use super::content::{Block, PageHeader};
use super::fonts::{Metrics, Weight, sanitise};

/// A4 in points.
pub(crate) const PAGE_WIDTH: f32 = 595.28;
pub(crate) const PAGE_HEIGHT: f32 = 841.89;
const MARGIN_X: f32 = 50.0;
const MARGIN_TOP: f32 = 42.0;
const MARGIN_BOTTOM: f32 = 50.0;
const TEXT_WIDTH: f32 = PAGE_WIDTH - 2.0 * MARGIN_X;
/// Where the body starts, below the header.
const BODY_TOP: f32 = MARGIN_TOP + 44.0;
/// Where the body must end, above the footer.
const BODY_BOTTOM: f32 = PAGE_HEIGHT - MARGIN_BOTTOM - 14.0;
/// Width of the label column of a `Field`.
const LABEL_WIDTH: f32 = 95.0;

const BODY_SIZE: f32 = 10.0;
const SMALL_SIZE: f32 = 8.5;
const HEADING_SIZE: f32 = 13.0;
const SUBHEADING_SIZE: f32 = 11.5;
const LINE_FACTOR: f32 = 1.4;

/// Grey levels (0 = black, 255 = white).
pub(crate) const BLACK: u8 = 0;
pub(crate) const GREY: u8 = 100;

/// Something to draw at a position; `y` is the text baseline, from the top.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Item {
    Text {
        x: f32,
        y: f32,
        size: f32,
        weight: Weight,
        grey: u8,
        text: String,
    },
    Rule {
        x1: f32,
        x2: f32,
        y: f32,
    },
}

/// One laid-out page.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Page {
    pub(crate) items: Vec<Item>,
}

/// The style of one run of text.
#[derive(Debug, Clone, Copy)]
struct Style {
    size: f32,
    weight: Weight,
    grey: u8,
}

impl Style {
    const BODY: Style = Style {
        size: BODY_SIZE,
        weight: Weight::Regular,
        grey: BLACK,
    };
    const BOLD: Style = Style {
        size: BODY_SIZE,
        weight: Weight::Bold,
        grey: BLACK,
    };
    const MUTED: Style = Style {
        size: BODY_SIZE,
        weight: Weight::Regular,
        grey: GREY,
    };
    const HEADING: Style = Style {
        size: HEADING_SIZE,
        weight: Weight::Bold,
        grey: BLACK,
    };
    const SUBHEADING: Style = Style {
        size: SUBHEADING_SIZE,
        weight: Weight::Bold,
        grey: BLACK,
    };

    fn line_height(self) -> f32 {
        self.size * LINE_FACTOR
    }
}

/// Places blocks on pages.
struct Flow {
    regular: Metrics,
    bold: Metrics,
    pages: Vec<Page>,
    /// Baseline of the next line on the current page.
    y: f32,
}

impl Flow {
    fn metrics(&self, weight: Weight) -> &Metrics {
        match weight {
            Weight::Regular => &self.regular,
            Weight::Bold => &self.bold,
        }
    }

    fn current(&mut self) -> &mut Page {
        if self.pages.is_empty() {
            self.pages.push(Page::default());
        }
        let last = self.pages.len() - 1;
        &mut self.pages[last]
    }

    fn new_page(&mut self) {
        self.pages.push(Page::default());
        self.y = BODY_TOP;
    }

    /// Starts a new page unless `height` more points fit on this one.
    fn ensure_room(&mut self, height: f32) {
        if self.y + height > BODY_BOTTOM && self.y > BODY_TOP {
            self.new_page();
        }
    }

    fn line(&mut self, x: f32, style: Style, text: String) {
        self.ensure_room(style.line_height());
        if text.is_empty() && self.y <= BODY_TOP {
            // A blank line carried over to the top of a page only wastes it.
            return;
        }
        let y = self.y + style.size;
        self.current().items.push(Item::Text {
            x,
            y,
            size: style.size,
            weight: style.weight,
            grey: style.grey,
            text,
        });
        self.y += style.line_height();
    }

    /// Wraps `text` to `width` and places its lines at `x`.
    fn paragraph(&mut self, x: f32, width: f32, style: Style, text: &str) {
        let metrics = *self.metrics(style.weight);
        let clean = sanitise(text, &metrics);
        for line in wrap(&clean, width, style.size, &metrics) {
            self.line(x, style, line);
        }
    }

    fn block(&mut self, block: &Block) {
        match block {
            Block::Heading(text) => {
                // Keep a heading with at least three lines of what follows.
                self.ensure_room(Style::HEADING.line_height() + 3.0 * Style::BODY.line_height());
                self.y += 4.0;
                self.paragraph(MARGIN_X, TEXT_WIDTH, Style::HEADING, text);
                // Below the descenders of the heading's last line.
                let y = self.y - 1.0;
                self.current().items.push(Item::Rule {
                    x1: MARGIN_X,
                    x2: MARGIN_X + TEXT_WIDTH,
                    y,
                });
                self.y += 4.0;
            }
            Block::Subheading(text) => {
                self.ensure_room(Style::SUBHEADING.line_height() + 2.0 * Style::BODY.line_height());
                self.y += 6.0;
                self.paragraph(MARGIN_X, TEXT_WIDTH, Style::SUBHEADING, text);
            }
            Block::Question(text) => {
                self.ensure_room(2.0 * Style::BODY.line_height());
                self.y += 2.0;
                self.paragraph(MARGIN_X, TEXT_WIDTH, Style::BOLD, text);
            }
            Block::Text(text) => self.paragraph(MARGIN_X, TEXT_WIDTH, Style::BODY, text),
            Block::Muted(text) => self.paragraph(MARGIN_X, TEXT_WIDTH, Style::MUTED, text),
            Block::Field { label, value } => {
                self.ensure_room(Style::BODY.line_height());
                let label_y = self.y;
                self.line(MARGIN_X, Style::MUTED, label.clone());
                // The value goes beside the label, on the same baseline.
                self.y = label_y;
                let x = MARGIN_X + LABEL_WIDTH;
                self.paragraph(x, TEXT_WIDTH - LABEL_WIDTH, Style::BODY, value);
            }
            Block::Gap => self.y += Style::BODY.line_height() * 0.6,
        }
    }
}

/// Greedy word wrap of `text` (already sanitised) to `width` points. Blank
/// lines are kept; a word too long for a line is broken between characters,
/// in one pass over it (a pasted 100,000-character string must not take
/// quadratic time).
pub(crate) fn wrap(text: &str, width: f32, size: f32, metrics: &Metrics) -> Vec<String> {
    let space = metrics.width(" ", size);
    let mut lines = Vec::new();
    for paragraph in text.split('\n') {
        let mut line = String::new();
        let mut line_width = 0.0;
        for word in paragraph.split_whitespace() {
            let word_width = metrics.width(word, size);
            let needed = if line.is_empty() {
                word_width
            } else {
                line_width + space + word_width
            };
            if needed <= width {
                if !line.is_empty() {
                    line.push(' ');
                    line_width += space;
                }
                line.push_str(word);
                line_width += word_width;
                continue;
            }
            if !line.is_empty() {
                lines.push(std::mem::take(&mut line));
            }
            if word_width <= width {
                line.push_str(word);
                line_width = word_width;
                continue;
            }
            // Too long for any line: cut it into pieces that fit (each at
            // least one character, so even a zero or negative width ends).
            line_width = 0.0;
            for c in word.chars() {
                let w = metrics.char_width(c, size);
                if line_width + w > width && !line.is_empty() {
                    lines.push(std::mem::take(&mut line));
                    line_width = 0.0;
                }
                line.push(c);
                line_width += w;
            }
        }
        lines.push(line);
    }
    lines
}

/// Text in two parts for one line: the `head` may be shortened, the `tail`
/// is always shown whole (a long name must never push the date of birth or
/// NHS number off the page header).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct HeaderLine {
    pub(crate) head: String,
    pub(crate) tail: String,
}

impl HeaderLine {
    /// The line within `width` points: the tail in full, the head cut
    /// short with an ellipsis if the two do not fit.
    fn fit(&self, metrics: &Metrics, size: f32, width: f32) -> String {
        let clean = |t: &str| sanitise(t, metrics).replace('\n', " ");
        let (head, tail) = (clean(&self.head), clean(&self.tail));
        let room = width - metrics.width(&tail, size);
        if metrics.width(&head, size) <= room {
            return format!("{head}{tail}");
        }
        let ellipsis = '\u{2026}';
        let room = room - metrics.char_width(ellipsis, size);
        let mut used = 0.0;
        let mut kept = String::new();
        for c in head.chars() {
            used += metrics.char_width(c, size);
            if used > room {
                break;
            }
            kept.push(c);
        }
        format!("{}{ellipsis}{tail}", kept.trim_end())
    }
}

/// Lays out the whole document: body blocks, then the header and footer on
/// every page once the page count is known.
pub(crate) fn layout(header: &PageHeader, blocks: &[Block]) -> Result<Vec<Page>, PdfError> {
    let mut flow = Flow {
        regular: Metrics::new(Weight::Regular)?,
        bold: Metrics::new(Weight::Bold)?,
        pages: vec![Page::default()],
        y: BODY_TOP,
    };
    for block in blocks {
        flow.block(block);
    }
    let total = flow.pages.len();
    let regular = flow.regular;
    let bold = flow.bold;
    let submitted_width = regular.width(&header.submitted, SMALL_SIZE);
    let title = header
        .title
        .fit(&bold, SMALL_SIZE, TEXT_WIDTH - submitted_width - 10.0);
    let patient = header.patient.fit(&bold, BODY_SIZE + 1.0, TEXT_WIDTH);
    for (index, page) in flow.pages.iter_mut().enumerate() {
        let mut chrome = vec![
            Item::Text {
                x: MARGIN_X,
                y: MARGIN_TOP,
                size: SMALL_SIZE,
                weight: Weight::Bold,
                grey: GREY,
                text: title.clone(),
            },
            Item::Text {
                x: MARGIN_X + TEXT_WIDTH - submitted_width,
                y: MARGIN_TOP,
                size: SMALL_SIZE,
                weight: Weight::Regular,
                grey: GREY,
                text: header.submitted.clone(),
            },
            Item::Text {
                x: MARGIN_X,
                y: MARGIN_TOP + 17.0,
                size: BODY_SIZE + 1.0,
                weight: Weight::Bold,
                grey: BLACK,
                text: patient.clone(),
            },
            Item::Rule {
                x1: MARGIN_X,
                x2: MARGIN_X + TEXT_WIDTH,
                y: MARGIN_TOP + 25.0,
            },
        ];
        let footer = format!("Page {} of {total}", index + 1);
        let footer_width = regular.width(&footer, SMALL_SIZE);
        chrome.push(Item::Text {
            x: (PAGE_WIDTH - footer_width) / 2.0,
            y: PAGE_HEIGHT - MARGIN_BOTTOM,
            size: SMALL_SIZE,
            weight: Weight::Regular,
            grey: GREY,
            text: footer,
        });
        chrome.append(&mut page.items);
        page.items = chrome;
    }
    Ok(flow.pages)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn regular() -> Metrics {
        Metrics::new(Weight::Regular).unwrap()
    }

    #[test]
    fn wrap_keeps_every_word_and_fits_the_width() {
        let m = regular();
        let text = "The quick brown fox jumps over the lazy dog. ".repeat(20);
        let lines = wrap(&text, 200.0, 10.0, &m);
        assert!(lines.len() > 5);
        for line in &lines {
            assert!(m.width(line, 10.0) <= 200.0, "{line}");
        }
        let rejoined: Vec<&str> = lines.iter().flat_map(|l| l.split_whitespace()).collect();
        let original: Vec<&str> = text.split_whitespace().collect();
        assert_eq!(rejoined, original);
    }

    #[test]
    fn wrap_breaks_words_longer_than_a_line() {
        let m = regular();
        let word = "x".repeat(500);
        let lines = wrap(&word, 100.0, 10.0, &m);
        assert!(lines.len() > 3);
        assert_eq!(lines.concat(), word);
        assert!(lines.iter().all(|l| m.width(l, 10.0) <= 100.0));
    }

    #[test]
    fn wrap_keeps_blank_lines_between_paragraphs() {
        let lines = wrap("one\n\ntwo", 400.0, 10.0, &regular());
        assert_eq!(lines, ["one", "", "two"]);
    }

    #[test]
    fn header_lines_shorten_the_head_and_keep_the_tail() {
        let m = Metrics::new(Weight::Bold).unwrap();
        let short = HeaderLine {
            head: "SHORT, Name".into(),
            tail: "   NHS No. 999 000 0018".into(),
        };
        assert_eq!(
            short.fit(&m, 11.0, 400.0),
            "SHORT, Name   NHS No. 999 000 0018"
        );
        let long = HeaderLine {
            head: "MONTGOMERY-FETHERSTONHAUGH-WORTHINGTON, Alexandra-Josephine".repeat(3),
            tail: "   Born 09-Mar-1984   NHS No. 999 000 0026".into(),
        };
        let fitted = long.fit(&m, 11.0, 400.0);
        assert!(
            fitted.ends_with("\u{2026}   Born 09-Mar-1984   NHS No. 999 000 0026"),
            "{fitted}"
        );
        assert!(m.width(&fitted, 11.0) <= 400.0);
    }

    #[test]
    fn wrap_never_hangs_on_a_zero_or_negative_width() {
        let m = regular();
        assert_eq!(wrap("abc", 0.0, 10.0, &m), ["a", "b", "c"]);
        assert_eq!(wrap("ab", -5.0, 10.0, &m), ["a", "b"]);
    }

    #[test]
    fn wrap_breaks_a_huge_word_in_one_pass() {
        let m = regular();
        let word = "W".repeat(200_000);
        let lines = wrap(&word, 400.0, 10.0, &m);
        assert_eq!(lines.concat(), word);
        assert!(lines.iter().all(|l| m.width(l, 10.0) <= 400.0));
    }

    #[test]
    fn long_content_flows_onto_numbered_pages() {
        let line = |text: &str| HeaderLine {
            head: text.into(),
            tail: String::new(),
        };
        let header = PageHeader {
            title: line("t"),
            submitted: "s".into(),
            patient: line("p"),
        };
        let blocks: Vec<Block> = (0..300)
            .map(|i| Block::Text(format!("Line {i} of a long answer.")))
            .collect();
        let pages = layout(&header, &blocks).unwrap();
        assert!(pages.len() >= 5, "{}", pages.len());
        let last_footer = format!("Page {} of {}", pages.len(), pages.len());
        let has = |page: &Page, wanted: &str| {
            page.items
                .iter()
                .any(|i| matches!(i, Item::Text { text, .. } if text == wanted))
        };
        assert!(has(&pages[pages.len() - 1], &last_footer));
        for page in &pages {
            assert!(has(page, "p"), "every page names the patient");
            for item in &page.items {
                if let Item::Text { y, .. } = item {
                    assert!(*y <= PAGE_HEIGHT - MARGIN_BOTTOM + 0.01);
                }
            }
        }
    }
}
