//! Writes XML exactly as SystmOne expects it: one line, UTF-8, schema
//! casing, every text and attribute value escaped.

use std::fmt;

/// A value that cannot be written into an XML document.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "cannot send {element}: it contains the character U+{:04X} at position {position}, which XML cannot carry; remove it",
    u32::from(*.character)
)]
pub struct EncodeError {
    /// The element (path from the root) whose text or attribute held it.
    pub element: String,
    /// The character.
    pub character: char,
    /// Its position in the value, counting characters from 0.
    pub position: usize,
}

/// Which spelling of the NHS number element to emit. SystmOne's schema says
/// `NHSNumber`; most of TPP's request examples say `NhsNumber`, which S1 also
/// accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum NhsNumberCasing {
    /// `NHSNumber` (schema casing; the default).
    #[default]
    Schema,
    /// `NhsNumber`.
    Examples,
}

/// Options that change what the encoder emits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct EncodeOptions {
    /// The NHS number element's spelling.
    pub nhs_number_casing: NhsNumberCasing,
    /// Write line feeds inside text raw instead of as `&#10;`, as SystmOne
    /// itself does in responses (carriage returns stay `&#13;`: a raw one
    /// would be folded away by any XML reader). The document is then no longer one
    /// line; only the mock's "faithful" mode uses this.
    pub raw_line_breaks: bool,
}

/// Builds one XML document in memory.
#[derive(Debug)]
pub struct XmlWriter {
    out: Vec<u8>,
    stack: Vec<&'static str>,
    /// Whether the innermost open start tag is still waiting for its `>`.
    open_tag: bool,
    error: Option<EncodeError>,
    options: EncodeOptions,
    /// Writing a response (some values are only ever sent by SystmOne).
    response: bool,
}

impl XmlWriter {
    /// A writer with the given options.
    pub fn new(options: EncodeOptions) -> Self {
        Self {
            out: Vec::with_capacity(512),
            stack: Vec::new(),
            open_tag: false,
            error: None,
            options,
            response: false,
        }
    }

    /// Marks the document as a response, written by SystmOne (or the mock).
    pub(crate) fn for_response(mut self) -> Self {
        self.response = true;
        self
    }

    /// Whether the document is a response.
    pub fn is_response(&self) -> bool {
        self.response
    }

    /// The options in force.
    pub fn options(&self) -> EncodeOptions {
        self.options
    }

    fn close_open_tag(&mut self) {
        if self.open_tag {
            self.out.push(b'>');
            self.open_tag = false;
        }
    }

    /// Opens an element; attributes may follow until content is written.
    pub fn start(&mut self, name: &'static str) {
        self.close_open_tag();
        self.out.push(b'<');
        self.out.extend_from_slice(name.as_bytes());
        self.stack.push(name);
        self.open_tag = true;
    }

    /// Adds an attribute to the element just opened.
    pub fn attr(&mut self, name: &'static str, value: &str) {
        debug_assert!(self.open_tag, "attribute {name} written after content");
        self.out.push(b' ');
        self.out.extend_from_slice(name.as_bytes());
        self.out.extend_from_slice(b"=\"");
        self.escape(value, Some(name), true);
        self.out.push(b'"');
    }

    /// Writes escaped text content.
    pub fn text(&mut self, value: &str) {
        self.close_open_tag();
        self.escape(value, None, false);
    }

    /// Closes the innermost element (as `<X/>` if it has no content).
    pub fn end(&mut self) {
        let Some(name) = self.stack.pop() else {
            debug_assert!(false, "end() without an open element");
            return;
        };
        self.raw_name_end(name);
    }

    /// `<name>value</name>`.
    pub fn text_element(&mut self, name: &'static str, value: &str) {
        self.start(name);
        self.close_open_tag();
        self.text(value);
        self.end();
    }

    /// `<name/>`.
    pub fn empty(&mut self, name: &'static str) {
        self.start(name);
        self.end();
    }

    /// Writes pre-escaped, trusted markup (used for re-serialising generic
    /// elements' names, which the parser has already validated).
    pub(crate) fn raw_name_start(&mut self, name: &str) {
        self.close_open_tag();
        self.out.push(b'<');
        self.out.extend_from_slice(name.as_bytes());
        self.open_tag = true;
    }

    pub(crate) fn raw_attr(&mut self, name: &str, value: &str) {
        self.out.push(b' ');
        self.out.extend_from_slice(name.as_bytes());
        self.out.extend_from_slice(b"=\"");
        self.escape(value, None, true);
        self.out.push(b'"');
    }

    pub(crate) fn raw_name_end(&mut self, name: &str) {
        if self.open_tag {
            self.out.extend_from_slice(b"/>");
            self.open_tag = false;
        } else {
            self.out.extend_from_slice(b"</");
            self.out.extend_from_slice(name.as_bytes());
            self.out.push(b'>');
        }
    }

    /// Escapes `value` into the output; records the first character XML 1.0
    /// cannot carry (C0 controls other than tab, LF and CR; U+FFFE; U+FFFF).
    fn escape(&mut self, value: &str, attribute: Option<&'static str>, in_attribute: bool) {
        let raw_breaks = self.options.raw_line_breaks && !in_attribute;
        let mut plain_from = 0;
        for (index, c) in value.char_indices() {
            let replacement: Option<&[u8]> = match c {
                '&' => Some(b"&amp;"),
                '<' => Some(b"&lt;"),
                '>' => Some(b"&gt;"),
                '"' if in_attribute => Some(b"&quot;"),
                '\n' if !raw_breaks => Some(b"&#10;"),
                // A raw CR would be folded into the LF by any XML reader.
                '\r' => Some(b"&#13;"),
                '\t' if in_attribute => Some(b"&#9;"),
                '\t' | '\n' => None,
                c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => {
                    self.record_invalid(value, index, c, attribute);
                    Some(b"")
                }
                _ => None,
            };
            if let Some(replacement) = replacement {
                self.out
                    .extend_from_slice(&value.as_bytes()[plain_from..index]);
                self.out.extend_from_slice(replacement);
                plain_from = index + c.len_utf8();
            }
        }
        self.out.extend_from_slice(&value.as_bytes()[plain_from..]);
    }

    fn record_invalid(&mut self, value: &str, byte_index: usize, c: char, attribute: Option<&str>) {
        if self.error.is_some() {
            return;
        }
        let mut element = self.stack.join("/");
        if let Some(attribute) = attribute {
            element.push_str("/@");
            element.push_str(attribute);
        }
        self.error = Some(EncodeError {
            element,
            character: c,
            position: value[..byte_index].chars().count(),
        });
    }

    /// The finished document, or the first value that could not be written.
    pub fn finish(mut self) -> Result<Vec<u8>, EncodeError> {
        debug_assert!(self.stack.is_empty(), "unclosed elements: {:?}", self.stack);
        while !self.stack.is_empty() {
            self.end();
        }
        match self.error {
            Some(error) => Err(error),
            None => Ok(self.out),
        }
    }
}

impl fmt::Display for XmlWriter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&String::from_utf8_lossy(&self.out))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(f: impl FnOnce(&mut XmlWriter)) -> Result<String, EncodeError> {
        let mut w = XmlWriter::new(EncodeOptions::default());
        f(&mut w);
        w.finish().map(|b| String::from_utf8(b).unwrap())
    }

    #[test]
    fn escapes_markup_quotes_and_line_breaks() {
        let out = write(|w| {
            w.start("R");
            w.attr("a", "x\"y<&>\n\t'");
            w.text_element("T", "a < b && c > d ]]> \"q\" 'a'\r\n\tend 😀");
            w.end();
        })
        .unwrap();
        assert_eq!(
            out,
            "<R a=\"x&quot;y&lt;&amp;&gt;&#10;&#9;'\"><T>a &lt; b &amp;&amp; c &gt; d ]]&gt; \"q\" 'a'&#13;&#10;\tend 😀</T></R>"
        );
        assert!(!out.contains('\n'));
    }

    #[test]
    fn empty_elements_self_close() {
        assert_eq!(
            write(|w| {
                w.start("R");
                w.empty("F");
                w.text_element("E", "");
                w.end();
            })
            .unwrap(),
            "<R><F/><E></E></R>"
        );
    }

    #[test]
    fn refuses_characters_xml_cannot_carry_and_names_the_element() {
        let err = write(|w| {
            w.start("R");
            w.text_element("Note", "ok\u{1}bad");
            w.end();
        })
        .unwrap_err();
        assert_eq!(err.element, "R/Note");
        assert_eq!((err.character, err.position), ('\u{1}', 2));
        assert!(err.to_string().contains("U+0001"), "{err}");

        let err = write(|w| {
            w.start("R");
            w.attr("A", "\u{FFFF}");
            w.end();
        })
        .unwrap_err();
        assert_eq!(err.element, "R/@A");
    }

    #[test]
    fn raw_line_breaks_mode_keeps_text_breaks_only() {
        let mut w = XmlWriter::new(EncodeOptions {
            raw_line_breaks: true,
            ..EncodeOptions::default()
        });
        w.start("R");
        w.attr("a", "1\n2");
        w.text("x\ny\r\nz");
        w.end();
        assert_eq!(w.finish().unwrap(), b"<R a=\"1&#10;2\">x\ny&#13;\nz</R>");
    }
}
