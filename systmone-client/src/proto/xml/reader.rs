//! A cursor over one complete XML document, for the typed decoders.
//!
//! It borrows the document (no copy), walks it child by child, matches
//! names ASCII-case-insensitively (the sources disagree on casing), and
//! keeps the path of open elements so that every error says where it is.

use std::borrow::Cow;

use quick_xml::events::attributes::Attribute;
use quick_xml::events::{BytesRef, BytesStart, Event};
use quick_xml::{Reader, XmlVersion};

use super::element::{Element, Node};
use super::value::XmlText;

/// What was wrong with a document, and where.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{kind} (at byte {offset}, in {path})")]
pub struct DecodeError {
    /// What was wrong.
    pub kind: DecodeErrorKind,
    /// The path of open elements, e.g. `ClientIntegrationResponse/Response/Result/DateOfBirth`.
    pub path: String,
    /// Byte offset in the document where the problem was noticed.
    pub offset: usize,
}

/// The kinds of [`DecodeError`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DecodeErrorKind {
    /// The bytes are not UTF-8.
    #[error("the document is not valid UTF-8")]
    InvalidUtf8,
    /// The document is not well-formed XML.
    #[error("the document is not well-formed XML: {0}")]
    Xml(String),
    /// The root element is not the one expected.
    #[error("expected the root element {expected}, found {found}")]
    UnexpectedRoot {
        /// What was expected.
        expected: &'static str,
        /// What was found.
        found: String,
    },
    /// A required element or attribute is missing.
    #[error("{name} is missing")]
    Missing {
        /// The element or attribute (`@Name`) that is missing.
        name: &'static str,
    },
    /// A value could not be read as its type.
    #[error("{value:?} is not {expected}")]
    InvalidValue {
        /// The text found.
        value: String,
        /// What was expected, e.g. "a date (YYYY-MM-DD)".
        expected: &'static str,
    },
    /// The `Function` names no function SystmOne has.
    #[error("{name:?} is not a SystmOne function")]
    UnknownFunction {
        /// The name given.
        name: String,
    },
    /// An element that holds one value appears twice with a value each:
    /// which one is meant cannot be known, so neither is taken (an
    /// identity with two NHS numbers could name two patients).
    #[error("{name} appears more than once, with a value each time; one is expected")]
    Repeated {
        /// The element.
        name: String,
    },
    /// The document nests deeper than the reader allows.
    #[error("elements are nested deeper than {max}")]
    TooDeep {
        /// The cap.
        max: usize,
    },
}

/// The deepest nesting the reader follows (the framing codec caps it too).
const MAX_DEPTH: usize = 256;

/// An element's start tag, handed to a decoder to read its content.
#[derive(Debug, Clone)]
pub struct Tag<'a> {
    start: BytesStart<'a>,
    /// `<X/>`: there is no content to read.
    empty: bool,
}

impl<'a> Tag<'a> {
    /// The element's name as written.
    pub fn name(&self) -> &str {
        self.start.name().into_inner()
    }

    /// Whether the name is `expected`, ignoring ASCII case.
    pub fn is(&self, expected: &str) -> bool {
        self.name().eq_ignore_ascii_case(expected)
    }

    /// Whether the element was written `<X/>`.
    pub fn is_empty(&self) -> bool {
        self.empty
    }

    /// The attributes, names as written and values unescaped and normalised.
    pub fn attributes(&self) -> Result<Vec<(String, String)>, DecodeErrorKind> {
        let mut out = Vec::new();
        for attribute in self.start.attributes() {
            let attribute = attribute.map_err(|e| DecodeErrorKind::Xml(e.to_string()))?;
            let name = attribute.key.into_inner().to_owned();
            let value = attribute
                .normalized_value(XmlVersion::Implicit1_0)
                .map_err(|e| DecodeErrorKind::Xml(e.to_string()))?;
            out.push((name, value.into_owned()));
        }
        Ok(out)
    }

    /// Calls `f` with each attribute's name and the attribute (parse its
    /// value with [`parse_attribute`] only when it is wanted). Duplicate
    /// attributes are not an error: the last one wins.
    pub fn for_each_attribute(
        &self,
        mut f: impl FnMut(&str, &Attribute<'_>) -> Result<(), DecodeErrorKind>,
    ) -> Result<(), DecodeErrorKind> {
        for attribute in self.start.attributes().with_checks(false) {
            let attribute = attribute.map_err(|e| DecodeErrorKind::Xml(e.to_string()))?;
            f(attribute.key.into_inner(), &attribute)?;
        }
        Ok(())
    }
}

/// Reads one document element by element. Cloning is cheap (the document
/// is borrowed), which lets a decoder look ahead or come back later.
#[derive(Debug, Clone)]
pub struct XmlReader<'a> {
    reader: Reader<&'a [u8]>,
    /// The document, to rebuild the path of open elements when an error
    /// needs it (rare), rather than keep a stack on every element (always).
    document: &'a [u8],
    /// How many elements are open.
    depth: usize,
}

impl<'a> XmlReader<'a> {
    /// A reader over a complete document.
    ///
    /// The bytes are checked to be UTF-8 as they are read (quick-xml does
    /// so event by event), so there is no separate pass over a large
    /// document; a leading byte-order mark is skipped.
    pub fn new(document: &'a [u8]) -> Self {
        let document = document.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(document);
        let mut reader = Reader::from_reader(document);
        let config = reader.config_mut();
        config.check_end_names = true;
        config.expand_empty_elements = false;
        Self {
            reader,
            document,
            depth: 0,
        }
    }

    /// Whether `tag` has a direct child named one of `names`, looking (on a
    /// copy of this reader, which is left where it was) only at its first
    /// `within` bytes: a bounded look-ahead that never scans a large element.
    pub fn has_child_within(&self, tag: &Tag<'a>, names: &[&str], within: u64) -> bool {
        if tag.empty {
            return false;
        }
        let mut peek = self.clone();
        let start = peek.position();
        let mut depth = 0usize;
        while peek.position() - start <= within {
            let (element, opens) = match peek.reader.read_event() {
                Ok(Event::Start(element)) => (element, true),
                Ok(Event::Empty(element)) => (element, false),
                Ok(Event::End(_)) if depth == 0 => return false,
                Ok(Event::End(_)) => {
                    depth -= 1;
                    continue;
                }
                Ok(Event::Eof) | Err(_) => return false,
                Ok(_) => continue,
            };
            let name = element.name().into_inner();
            if depth == 0 && names.iter().any(|n| name.eq_ignore_ascii_case(n)) {
                return true;
            }
            depth += usize::from(opens);
        }
        false
    }

    /// The byte offset reached in the document.
    pub fn position(&self) -> u64 {
        self.reader.buffer_position()
    }

    /// An error of `kind` at the current position.
    pub fn error(&self, kind: DecodeErrorKind) -> DecodeError {
        let offset = self.reader.buffer_position();
        DecodeError {
            kind,
            path: open_elements(self.document, offset),
            offset: usize::try_from(offset).unwrap_or(usize::MAX),
        }
    }

    /// An error about the child `name` of the current element.
    pub fn error_in(&self, name: &str, kind: DecodeErrorKind) -> DecodeError {
        let mut error = self.error(kind);
        if !error.path.is_empty() {
            error.path.push('/');
        }
        error.path.push_str(name);
        error
    }

    #[inline(always)]
    fn next_event(&mut self) -> Result<Event<'a>, DecodeError> {
        self.reader
            .read_event()
            .map_err(|e| self.error(DecodeErrorKind::Xml(e.to_string())))
    }

    #[inline(always)]
    fn tag(&self, start: BytesStart<'a>, empty: bool) -> Result<Tag<'a>, DecodeError> {
        Ok(Tag { start, empty })
    }

    #[inline(always)]
    fn enter(&mut self, tag: &Tag<'a>) -> Result<(), DecodeError> {
        if !tag.empty {
            if self.depth >= MAX_DEPTH {
                return Err(self.error(DecodeErrorKind::TooDeep { max: MAX_DEPTH }));
            }
            self.depth += 1;
        }
        Ok(())
    }

    /// The root element, skipping the declaration, comments, processing
    /// instructions and whitespace before it.
    pub fn root(&mut self) -> Result<Tag<'a>, DecodeError> {
        loop {
            match self.next_event()? {
                Event::Start(start) => {
                    let tag = self.tag(start, false)?;
                    self.enter(&tag)?;
                    return Ok(tag);
                }
                Event::Empty(start) => return self.tag(start, true),
                Event::Eof => {
                    return Err(self.error(DecodeErrorKind::Xml("the document is empty".into())));
                }
                Event::Text(text) if !text.trim_ascii().is_empty() => {
                    return Err(
                        self.error(DecodeErrorKind::Xml("text before the root element".into()))
                    );
                }
                _ => {}
            }
        }
    }

    /// The next child element of `parent`, or `None` at `parent`'s end.
    /// Each child returned must be consumed (read, skipped, decoded or
    /// captured) before the next call. Text between child elements is
    /// ignored.
    #[inline]
    pub fn next_child(&mut self, parent: &Tag<'a>) -> Result<Option<Tag<'a>>, DecodeError> {
        if parent.empty {
            return Ok(None);
        }
        loop {
            match self.next_event()? {
                Event::Start(start) => {
                    let tag = self.tag(start, false)?;
                    self.enter(&tag)?;
                    return Ok(Some(tag));
                }
                Event::Empty(start) => return self.tag(start, true).map(Some),
                Event::End(_) => {
                    self.depth -= 1;
                    return Ok(None);
                }
                Event::Eof => {
                    return Err(self.error(DecodeErrorKind::Xml(
                        "the document ends inside an element".into(),
                    )));
                }
                _ => {}
            }
        }
    }

    /// The text content of `tag` (character data, CDATA and references,
    /// with line endings normalised as XML requires). Not trimmed. Markup
    /// nested inside is dropped and its text kept.
    pub fn text(&mut self, tag: Tag<'a>) -> Result<String, DecodeError> {
        self.text_cow(tag).map(Cow::into_owned)
    }

    /// [`XmlReader::text`], borrowed from the document where it can be (one
    /// run of text with no reference), so that a value that does not keep
    /// its text is parsed without an allocation.
    pub(crate) fn text_cow(&mut self, tag: Tag<'a>) -> Result<Cow<'a, str>, DecodeError> {
        if tag.empty {
            return Ok(Cow::Borrowed(""));
        }
        if let Some(text) = self.plain_text() {
            // The end tag follows; quick-xml checks that it matches.
            return match self.next_event()? {
                Event::End(_) => {
                    self.depth -= 1;
                    Ok(text)
                }
                _ => Err(self.error(DecodeErrorKind::Xml(
                    "expected the end of the element".into(),
                ))),
            };
        }
        // Borrowed until a second piece arrives: most values are one run of
        // text and cost exactly one allocation.
        let mut out: Cow<'a, str> = Cow::Borrowed("");
        // Elements inside a text value (`<Line>a<b>bold</b></Line>`) are not
        // in any schema; rather than lose the whole document, their text is
        // kept and their markup dropped.
        let mut nested = 0usize;
        loop {
            match self.next_event()? {
                Event::Text(text) => append(&mut out, line_ends(text.into_inner())),
                Event::CData(cdata) => append(&mut out, line_ends(cdata.into_inner())),
                Event::GeneralRef(reference) => {
                    let resolved =
                        resolve_reference(&reference).map_err(|kind| self.error(kind))?;
                    // Appended in place: no allocation per reference.
                    out.to_mut().push(resolved);
                }
                Event::End(_) if nested > 0 => nested -= 1,
                Event::End(_) => {
                    self.depth -= 1;
                    return Ok(out);
                }
                Event::Start(_) => {
                    nested += 1;
                    if self.depth + nested > MAX_DEPTH {
                        return Err(self.error(DecodeErrorKind::TooDeep { max: MAX_DEPTH }));
                    }
                }
                Event::Empty(_) => {}
                Event::Eof => {
                    return Err(self.error(DecodeErrorKind::Xml(
                        "the document ends inside an element".into(),
                    )));
                }
                Event::Comment(_) | Event::PI(_) | Event::Decl(_) | Event::DocType(_) => {}
            }
        }
    }

    /// The usual text value, read straight from the document: character
    /// data and references up to the element's end tag, with no CDATA,
    /// comment, nested markup or carriage return. The reader is moved to
    /// the end tag, which is left for quick-xml to read and check. `None`
    /// (and the reader left where it was) for anything else, including
    /// every malformed case, which the event-by-event path then reports
    /// exactly as before. This skips quick-xml's event per piece of text and
    /// per reference, which dominates the reading of a record's values.
    #[inline]
    fn plain_text(&mut self) -> Option<Cow<'a, str>> {
        let rest: &'a [u8] = self.reader.get_ref();
        // One search in the usual case, a value with no reference.
        let first = memchr::memchr3(b'<', b'&', b'\r', rest)?;
        let end = match rest[first] {
            b'<' => first,
            b'&' => {
                let end = first + memchr::memchr(b'<', &rest[first..])?;
                if memchr::memchr(b'\r', &rest[first..end]).is_some() {
                    return None;
                }
                end
            }
            _ => return None,
        };
        if rest.get(end + 1) != Some(&b'/') {
            return None;
        }
        let raw = std::str::from_utf8(&rest[..end]).ok()?;
        let text = if first < end {
            Cow::Owned(unescape(raw, first)?)
        } else {
            Cow::Borrowed(raw)
        };
        std::io::BufRead::consume(&mut self.reader.stream(), end);
        Some(text)
    }

    /// The content of `tag` as nodes (for [`Element`]s). Whitespace-only
    /// text between child elements is formatting and is dropped.
    pub(crate) fn read_mixed(&mut self, tag: Tag<'a>) -> Result<Vec<Node>, DecodeError> {
        if tag.empty {
            return Ok(Vec::new());
        }
        let mut nodes: Vec<Node> = Vec::new();
        let push_text = |nodes: &mut Vec<Node>, piece: &str| match nodes.last_mut() {
            Some(Node::Text(existing)) => existing.push_str(piece),
            _ => nodes.push(Node::Text(piece.to_owned())),
        };
        loop {
            match self.next_event()? {
                Event::Start(start) => {
                    let child = self.tag(start, false)?;
                    self.enter(&child)?;
                    nodes.push(Node::Element(Element::read(self, child)?));
                }
                Event::Empty(start) => {
                    let child = self.tag(start, true)?;
                    nodes.push(Node::Element(Element::read(self, child)?));
                }
                Event::Text(text) => push_text(&mut nodes, &text.xml10_content()),
                Event::CData(cdata) => push_text(&mut nodes, &cdata.xml10_content()),
                Event::GeneralRef(reference) => {
                    let c = resolve_reference(&reference).map_err(|kind| self.error(kind))?;
                    push_text(&mut nodes, c.encode_utf8(&mut [0u8; 4]));
                }
                Event::End(_) => {
                    self.depth -= 1;
                    if nodes.iter().any(|n| matches!(n, Node::Element(_))) {
                        nodes.retain(|n| !matches!(n, Node::Text(t) if t.trim().is_empty()));
                    }
                    return Ok(nodes);
                }
                Event::Eof => {
                    return Err(self.error(DecodeErrorKind::Xml(
                        "the document ends inside an element".into(),
                    )));
                }
                Event::Comment(_) | Event::PI(_) | Event::Decl(_) | Event::DocType(_) => {}
            }
        }
    }

    /// Skips `tag` and everything inside it.
    pub fn skip(&mut self, tag: Tag<'a>) -> Result<(), DecodeError> {
        if tag.empty {
            return Ok(());
        }
        let mut depth = 1usize;
        loop {
            match self.next_event()? {
                Event::Start(_) => depth += 1,
                Event::End(_) => {
                    depth -= 1;
                    if depth == 0 {
                        self.depth -= 1;
                        return Ok(());
                    }
                }
                Event::Eof => {
                    return Err(self.error(DecodeErrorKind::Xml(
                        "the document ends inside an element".into(),
                    )));
                }
                _ => {}
            }
        }
    }

    /// Reads what follows the root element: only whitespace, comments and
    /// processing instructions may.
    pub fn finish(mut self) -> Result<(), DecodeError> {
        loop {
            match self.next_event()? {
                Event::Eof => return Ok(()),
                Event::Text(text) if text.trim_ascii().is_empty() => {}
                Event::Comment(_) | Event::PI(_) => {}
                _ => {
                    return Err(self.error(DecodeErrorKind::Xml(
                        "content after the root element".into(),
                    )));
                }
            }
        }
    }
}

/// Text with XML's line-end normalisation (`\r\n` and `\r` become `\n`).
/// Values are short and rarely hold a `\r`, so a plain byte check comes
/// first; this runs for every text value of a record.
fn line_ends(text: Cow<'_, str>) -> Cow<'_, str> {
    if !text.as_bytes().contains(&b'\r') {
        return text;
    }
    let mut normalized = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\r' {
            if chars.peek() == Some(&'\n') {
                chars.next();
            }
            normalized.push('\n');
        } else {
            normalized.push(c);
        }
    }
    Cow::Owned(normalized)
}

/// Appends a piece of text, keeping it borrowed while it is the only one.
fn append<'a>(out: &mut Cow<'a, str>, piece: Cow<'a, str>) {
    if out.is_empty() {
        *out = piece;
    } else {
        out.to_mut().push_str(&piece);
    }
}

/// The path (`A/B/C`) of the elements open at byte `offset` of `document`,
/// found by reading it again from the start: only errors need it.
fn open_elements(document: &[u8], offset: u64) -> String {
    let mut reader = Reader::from_reader(document);
    reader.config_mut().check_end_names = false;
    let mut open: Vec<String> = Vec::new();
    while reader.buffer_position() < offset {
        match reader.read_event() {
            Ok(Event::Start(start)) => open.push(start.name().into_inner().to_owned()),
            Ok(Event::End(_)) => {
                open.pop();
            }
            Ok(Event::Eof) | Err(_) => break,
            Ok(_) => {}
        }
    }
    open.join("/")
}

/// Parses an attribute's value (unescaped and normalised) as `T`.
pub(crate) fn parse_attribute<T: XmlText>(attribute: &Attribute<'_>) -> Result<T, DecodeErrorKind> {
    // Most values hold no reference and no whitespace to normalise: take
    // them as they are, and leave the full rules to quick-xml otherwise.
    let plain = !attribute
        .value
        .bytes()
        .any(|b| matches!(b, b'&' | b'\t' | b'\n' | b'\r'));
    let value = if plain {
        attribute.value.clone()
    } else {
        attribute
            .normalized_value(XmlVersion::Implicit1_0)
            .map_err(|e| DecodeErrorKind::Xml(e.to_string()))?
    };
    match T::from_cow(value) {
        Ok(parsed) => Ok(parsed),
        Err(value) => Err(DecodeErrorKind::InvalidValue {
            value,
            expected: T::EXPECTED,
        }),
    }
}

/// Parses an optional attribute's value as `T`; a blank value where `T`
/// cannot be blank (`DateTime=""`, `PackID=""`) is no value.
pub(crate) fn parse_optional_attribute<T: XmlText>(
    attribute: &Attribute<'_>,
) -> Result<Option<T>, DecodeErrorKind> {
    match parse_attribute::<T>(attribute) {
        Ok(value) => Ok(Some(value)),
        Err(_) if attribute.value.trim().is_empty() => Ok(None),
        Err(error) => Err(error),
    }
}

/// `raw` (with its first `&` at `first`) with its references resolved, as
/// quick-xml splits them (a reference ends at the first `;`; an `&` or the
/// end of the text before it is an error); `None` for any reference that
/// is not well-formed or not allowed, left to the event path to report.
fn unescape(raw: &str, mut first: usize) -> Option<String> {
    let mut out = String::with_capacity(raw.len());
    let mut rest = raw;
    loop {
        out.push_str(&rest[..first]);
        let after = &rest[first + 1..];
        let close = memchr::memchr2(b';', b'&', after.as_bytes())?;
        if after.as_bytes()[close] != b';' {
            return None;
        }
        out.push(resolve_reference(&BytesRef::new(&after[..close])).ok()?);
        rest = &after[close + 1..];
        match memchr::memchr(b'&', rest.as_bytes()) {
            Some(next) => first = next,
            None => {
                out.push_str(rest);
                return Some(out);
            }
        }
    }
}

/// Resolves `&name;` or `&#N;`: the five predefined entities and character
/// references to characters XML allows.
fn resolve_reference(reference: &BytesRef<'_>) -> Result<char, DecodeErrorKind> {
    let invalid =
        || DecodeErrorKind::Xml(format!("unknown or invalid reference &{};", &**reference));
    if reference.is_char_ref() {
        let c = reference
            .resolve_char_ref()
            .map_err(|_| invalid())?
            .ok_or_else(invalid)?;
        let allowed =
            matches!(c, '\t' | '\n' | '\r') || (c >= ' ' && c != '\u{FFFE}' && c != '\u{FFFF}');
        return if allowed { Ok(c) } else { Err(invalid()) };
    }
    match &**reference {
        "lt" => Ok('<'),
        "gt" => Ok('>'),
        "amp" => Ok('&'),
        "quot" => Ok('"'),
        "apos" => Ok('\''),
        _ => Err(invalid()),
    }
}
