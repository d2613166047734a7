//! Finding where each XML document ends in a byte stream.
//!
//! SystmOne sends one document per request or response, but gives nothing
//! reliable to split on: responses contain raw line breaks inside text, TPP's
//! own requests are pretty-printed over many lines, and a trailing newline
//! may or may not come. So the end of a document is found the way an XML
//! parser would: by tokenising the bytes and counting element depth until the
//! root element closes. Text, attribute values, comments, CDATA sections and
//! processing instructions are recognised as such, so a `>` or
//! `</ClientIntegrationResponse>` inside them is never mistaken for markup.
//!
//! The scanner is a byte-level state machine that remembers where it
//! stopped, so a document arriving in many small reads is scanned once, in
//! linear time, and any split of the stream (inside a tag, an attribute, a
//! multi-byte UTF-8 character) gives the same documents.
//!
//! # After an error
//!
//! Corrupt input (bytes that cannot start or continue a document, a document
//! over the size cap, nesting over the depth cap) cannot be resynchronised
//! reliably: a stray `<` inside what was meant as text would shift every
//! later boundary. [`DocumentCodec`] therefore reports the error once and is
//! then *poisoned*: every later call returns [`FrameError::Poisoned`]. Close
//! the connection and open a new one (the mock server answers with an error
//! response first, where it can).

use bytes::{Buf, Bytes, BytesMut};
use tokio_util::codec::{Decoder, Encoder};

/// The default cap on one document's size: 64 MiB (a full patient record can
/// be several megabytes).
pub const DEFAULT_MAX_DOCUMENT_LEN: usize = 64 * 1024 * 1024;

/// The default cap on element nesting (real documents are under 10 deep).
pub const DEFAULT_MAX_DEPTH: usize = 64;

/// Why the byte stream could not be split into documents.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum FrameError {
    /// A document (with anything before its root element) was larger than
    /// the cap.
    #[error(
        "an XML document exceeded the size limit of {max} bytes; the peer may be sending garbage, or raise the limit with DocumentCodec::with_max_document_len"
    )]
    TooLarge {
        /// The cap, in bytes.
        max: usize,
    },
    /// Elements were nested deeper than the cap.
    #[error("an XML document nests elements deeper than the limit of {max}")]
    TooDeep {
        /// The cap.
        max: usize,
    },
    /// The bytes are not XML at this point.
    #[error("the byte stream is not XML at stream offset {offset}: {problem}")]
    Malformed {
        /// Offset in the stream (bytes since the codec was created).
        offset: u64,
        /// What was found.
        problem: &'static str,
    },
    /// The stream ended in the middle of a document.
    #[error("the connection closed in the middle of an XML document ({received} bytes received)")]
    Truncated {
        /// How many bytes of the unfinished document had arrived.
        received: usize,
    },
    /// An earlier error left the stream unusable.
    #[error("the connection's byte stream was corrupt earlier; close it and open a new one")]
    Poisoned,
    /// Reading or writing the transport failed.
    #[error("I/O error: {0}")]
    Io(#[from] std::io::Error),
}

/// Where the scanner is in the XML grammar.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// Before the root element: whitespace, BOM, declaration, comments.
    Prolog,
    /// Character data inside the root element.
    Text,
    /// Just read `<`.
    Open,
    /// Just read `<!`; `matched` bytes of `--` or `[CDATA[` seen so far.
    Bang { matched: u8, cdata: bool },
    /// Inside `<!-- … -->`; `dashes` consecutive `-` just seen.
    Comment { dashes: u8 },
    /// Inside `<![CDATA[ … ]]>`; `brackets` consecutive `]` just seen.
    CData { brackets: u8 },
    /// Inside `<? … ?>`; `question` whether `?` was just seen.
    Pi { question: bool },
    /// Inside a start tag; `slash` whether `/` was just seen (outside quotes).
    StartTag { slash: bool },
    /// Inside a quoted attribute value.
    Quoted { quote: u8 },
    /// Inside an end tag.
    EndTag,
}

/// Splits a byte stream into XML documents: the [`Decoder`] yields each
/// complete document (from its root start tag to its root end tag, with any
/// declaration, BOM, comments and whitespace before it dropped); the
/// [`Encoder`] writes a document followed by one `\n`.
///
/// ```
/// use bytes::BytesMut;
/// use systmone_client::proto::DocumentCodec;
/// use tokio_util::codec::Decoder;
///
/// let mut codec = DocumentCodec::new();
/// let mut buf = BytesMut::from("<?xml version=\"1.0\"?>\r\n<A><B>x &lt; y</B>");
/// assert!(codec.decode(&mut buf)?.is_none()); // not complete yet
/// buf.extend_from_slice(b"</A>\n<A/>");
/// assert_eq!(&codec.decode(&mut buf)?.unwrap()[..], b"<A><B>x &lt; y</B></A>");
/// assert_eq!(&codec.decode(&mut buf)?.unwrap()[..], b"<A/>");
/// # Ok::<(), systmone_client::proto::FrameError>(())
/// ```
#[derive(Debug)]
pub struct DocumentCodec {
    max_len: usize,
    max_depth: usize,
    state: State,
    /// Bytes of the buffer already scanned (all belong to the current document).
    scanned: usize,
    depth: usize,
    /// Offset of the buffer's first byte in the whole stream, for errors.
    stream_offset: u64,
    /// Prolog bytes discarded before the current document, counted against
    /// the size cap so an endless comment cannot spin forever.
    prolog_len: usize,
    /// Where the search for the end of an unfinished comment or declaration
    /// before the root resumes, so it is never scanned twice.
    prolog_resume: usize,
    poisoned: bool,
}

impl Default for DocumentCodec {
    fn default() -> Self {
        Self::new()
    }
}

impl DocumentCodec {
    /// A codec with the default caps (64 MiB, depth 64).
    pub fn new() -> Self {
        Self {
            max_len: DEFAULT_MAX_DOCUMENT_LEN,
            max_depth: DEFAULT_MAX_DEPTH,
            state: State::Prolog,
            scanned: 0,
            depth: 0,
            stream_offset: 0,
            prolog_len: 0,
            prolog_resume: 0,
            poisoned: false,
        }
    }

    /// Sets the largest document accepted, in bytes.
    pub fn with_max_document_len(mut self, max_len: usize) -> Self {
        self.max_len = max_len;
        self
    }

    /// Sets the deepest element nesting accepted.
    pub fn with_max_depth(mut self, max_depth: usize) -> Self {
        self.max_depth = max_depth;
        self
    }

    /// The largest document accepted, in bytes.
    pub fn max_document_len(&self) -> usize {
        self.max_len
    }

    fn fail(&mut self, error: FrameError) -> FrameError {
        self.poisoned = true;
        error
    }

    fn malformed(&mut self, at: usize, problem: &'static str) -> FrameError {
        let offset = self.stream_offset + at as u64;
        self.fail(FrameError::Malformed { offset, problem })
    }

    /// Scans forward; returns the length of the complete document at the
    /// start of `buf`, or `None` if more bytes are needed.
    fn scan(&mut self, buf: &mut BytesMut) -> Result<Option<usize>, FrameError> {
        if self.state == State::Prolog {
            self.skip_prolog(buf)?;
            if self.state == State::Prolog {
                return Ok(None);
            }
        }
        let bytes = &buf[..];
        let mut i = self.scanned;
        while i < bytes.len() {
            let b = bytes[i];
            match self.state {
                // `scan` leaves the prolog before this loop and never
                // returns to it within a document.
                State::Prolog => debug_assert!(false, "prolog state inside the document scan"),
                State::Text => match memchr::memchr(b'<', &bytes[i..]) {
                    Some(found) => {
                        i += found;
                        self.state = State::Open;
                    }
                    None => i = bytes.len() - 1,
                },
                State::Open => {
                    self.state = match b {
                        b'/' => State::EndTag,
                        b'!' => State::Bang {
                            matched: 0,
                            cdata: false,
                        },
                        b'?' => State::Pi { question: false },
                        b if is_name_start(b) => State::StartTag { slash: false },
                        _ => return Err(self.malformed(i, "'<' is not followed by a tag name")),
                    };
                }
                State::Bang { matched, cdata } => {
                    // `<!--` or `<![CDATA[`; anything else (a DOCTYPE) is refused.
                    const CDATA: &[u8] = b"[CDATA[";
                    let next = match (matched, cdata, b) {
                        (0, _, b'-') => Some(State::Bang {
                            matched: 1,
                            cdata: false,
                        }),
                        (1, false, b'-') => Some(State::Comment { dashes: 0 }),
                        (m, _, c) if (m == 0 || cdata) && CDATA.get(m as usize) == Some(&c) => {
                            if m as usize + 1 == CDATA.len() {
                                Some(State::CData { brackets: 0 })
                            } else {
                                Some(State::Bang {
                                    matched: m + 1,
                                    cdata: true,
                                })
                            }
                        }
                        _ => None,
                    };
                    match next {
                        Some(state) => self.state = state,
                        None => {
                            return Err(self.malformed(
                                i,
                                "only comments and CDATA may start with '<!' (DOCTYPE is not accepted)",
                            ));
                        }
                    }
                }
                State::Comment { dashes } => {
                    self.state = match b {
                        b'-' => State::Comment {
                            dashes: dashes.saturating_add(1),
                        },
                        b'>' if dashes >= 2 => State::Text,
                        _ => State::Comment { dashes: 0 },
                    };
                }
                State::CData { brackets } => {
                    self.state = match b {
                        b']' => State::CData {
                            brackets: brackets.saturating_add(1),
                        },
                        b'>' if brackets >= 2 => State::Text,
                        _ => State::CData { brackets: 0 },
                    };
                }
                State::Pi { question } => {
                    self.state = match b {
                        b'>' if question => State::Text,
                        b'?' => State::Pi { question: true },
                        _ => State::Pi { question: false },
                    };
                }
                State::StartTag { slash: true } if b != b'>' => {
                    return Err(self.malformed(i, "'/' in a tag must be followed by '>'"));
                }
                State::StartTag { slash } => match b {
                    b'"' | b'\'' => self.state = State::Quoted { quote: b },
                    b'/' => self.state = State::StartTag { slash: true },
                    b'>' if slash => {
                        // A self-closing element: depth is unchanged, and a
                        // self-closing root is a whole document.
                        if self.depth == 0 {
                            self.fits(i + 1)?;
                            return Ok(Some(i + 1));
                        }
                        self.state = State::Text;
                    }
                    b'>' => {
                        self.depth += 1;
                        if self.depth > self.max_depth {
                            let max = self.max_depth;
                            return Err(self.fail(FrameError::TooDeep { max }));
                        }
                        self.state = State::Text;
                    }
                    b'<' => return Err(self.malformed(i, "'<' inside a tag")),
                    _ => self.state = State::StartTag { slash: false },
                },
                State::Quoted { quote } => match memchr::memchr(quote, &bytes[i..]) {
                    Some(found) => {
                        i += found;
                        self.state = State::StartTag { slash: false };
                    }
                    None => i = bytes.len() - 1,
                },
                State::EndTag => {
                    if b == b'>' {
                        if self.depth == 0 {
                            return Err(self.malformed(i, "an end tag with no open element"));
                        }
                        self.depth -= 1;
                        if self.depth == 0 {
                            self.fits(i + 1)?;
                            return Ok(Some(i + 1));
                        }
                        self.state = State::Text;
                    }
                }
            }
            i += 1;
            if i + self.prolog_len > self.max_len {
                let max = self.max_len;
                return Err(self.fail(FrameError::TooLarge { max }));
            }
        }
        self.scanned = i;
        Ok(None)
    }

    /// Drops whitespace, BOMs, declarations, processing instructions and
    /// comments before a root element, stopping at the root's `<` (state
    /// `Open` with the `<` consumed) or when more bytes are needed.
    fn skip_prolog(&mut self, buf: &mut BytesMut) -> Result<(), FrameError> {
        loop {
            let Some(&first) = buf.first() else {
                return Ok(());
            };
            let consumed = match first {
                b' ' | b'\t' | b'\r' | b'\n' => {
                    let n = buf
                        .iter()
                        .position(|b| !matches!(b, b' ' | b'\t' | b'\r' | b'\n'))
                        .unwrap_or(buf.len());
                    Some(n)
                }
                0xEF => match prefix_state(buf, b"\xEF\xBB\xBF") {
                    Prefix::Yes => Some(3),
                    Prefix::NeedMore => return Ok(()),
                    Prefix::No => {
                        return Err(self.malformed(0, "a byte that cannot start an XML document"));
                    }
                },
                b'<' => match buf.get(1) {
                    None => return Ok(()),
                    Some(b'?') => self.find_prolog_end(buf, 2, b"?>"),
                    Some(b'!') => match prefix_state(buf, b"<!--") {
                        Prefix::Yes => self.find_prolog_end(buf, 4, b"-->"),
                        Prefix::NeedMore => return Ok(()),
                        Prefix::No => {
                            return Err(self.malformed(
                                1,
                                "only comments may start with '<!' before the root element",
                            ));
                        }
                    },
                    Some(&b) if is_name_start(b) => {
                        // The root element starts here: continue in the
                        // start tag, with the `<` and the first name byte read.
                        self.state = State::StartTag { slash: false };
                        self.scanned = 2;
                        return Ok(());
                    }
                    Some(_) => return Err(self.malformed(1, "'<' is not followed by a tag name")),
                },
                _ => {
                    return Err(self.malformed(
                        0,
                        "text before the root element (expected '<' or whitespace)",
                    ));
                }
            };
            match consumed {
                Some(n) => {
                    self.prolog_resume = 0;
                    self.prolog_len += n;
                    self.stream_offset += n as u64;
                    buf.advance(n);
                    if self.prolog_len > self.max_len {
                        let max = self.max_len;
                        return Err(self.fail(FrameError::TooLarge { max }));
                    }
                }
                // An unfinished declaration or comment: wait for more, but
                // never hold more than the cap.
                None if buf.len() > self.max_len => {
                    let max = self.max_len;
                    return Err(self.fail(FrameError::TooLarge { max }));
                }
                None => return Ok(()),
            }
        }
    }
}

impl DocumentCodec {
    /// The length of the prolog token at the start of `buf` ending with
    /// `end`, searching from where the last search stopped (a long comment
    /// arriving in small reads is scanned once).
    fn find_prolog_end(&mut self, buf: &[u8], from: usize, end: &[u8]) -> Option<usize> {
        let start = from.max(self.prolog_resume);
        let found = find_end(buf, start, end);
        if found.is_none() {
            // The end marker may straddle the next read.
            self.prolog_resume = buf.len().saturating_sub(end.len() - 1).max(from);
        }
        found
    }

    /// Whether a document ending at `len` bytes fits the size cap.
    fn fits(&mut self, len: usize) -> Result<(), FrameError> {
        if len + self.prolog_len > self.max_len {
            let max = self.max_len;
            return Err(self.fail(FrameError::TooLarge { max }));
        }
        Ok(())
    }
}

/// Whether `b` may start an XML name (ASCII letters, `_`, `:`, or any
/// non-ASCII byte, which begins a multi-byte UTF-8 name character).
fn is_name_start(b: u8) -> bool {
    b.is_ascii_alphabetic() || b == b'_' || b == b':' || b >= 0x80
}

enum Prefix {
    Yes,
    No,
    NeedMore,
}

fn prefix_state(buf: &[u8], prefix: &[u8]) -> Prefix {
    let n = buf.len().min(prefix.len());
    if buf[..n] != prefix[..n] {
        Prefix::No
    } else if n < prefix.len() {
        Prefix::NeedMore
    } else {
        Prefix::Yes
    }
}

/// The length up to and including the first `end` at or after `from`.
fn find_end(buf: &[u8], from: usize, end: &[u8]) -> Option<usize> {
    memchr::memmem::find(buf.get(from..)?, end).map(|at| from + at + end.len())
}

impl Decoder for DocumentCodec {
    type Item = Bytes;
    type Error = FrameError;

    fn decode(&mut self, buf: &mut BytesMut) -> Result<Option<Bytes>, FrameError> {
        if self.poisoned {
            return Err(FrameError::Poisoned);
        }
        match self.scan(buf)? {
            Some(len) => {
                let document = buf.split_to(len).freeze();
                self.stream_offset += len as u64;
                self.state = State::Prolog;
                self.scanned = 0;
                self.depth = 0;
                self.prolog_len = 0;
                Ok(Some(document))
            }
            None => Ok(None),
        }
    }

    fn decode_eof(&mut self, buf: &mut BytesMut) -> Result<Option<Bytes>, FrameError> {
        match self.decode(buf)? {
            Some(document) => Ok(Some(document)),
            None if self.state == State::Prolog && buf.is_empty() => Ok(None),
            None => {
                let received = buf.len();
                buf.clear();
                Err(self.fail(FrameError::Truncated { received }))
            }
        }
    }
}

impl Encoder<Bytes> for DocumentCodec {
    type Error = FrameError;

    /// Writes one encoded document and its terminating `\n`. The document
    /// must already be a single line (the typed encoders guarantee it).
    fn encode(&mut self, document: Bytes, dst: &mut BytesMut) -> Result<(), FrameError> {
        dst.reserve(document.len() + 1);
        dst.extend_from_slice(&document);
        dst.extend_from_slice(b"\n");
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn all(codec: &mut DocumentCodec, input: &[u8]) -> Result<Vec<Bytes>, FrameError> {
        let mut buf = BytesMut::from(input);
        let mut out = Vec::new();
        while let Some(doc) = codec.decode(&mut buf)? {
            out.push(doc);
        }
        if let Some(doc) = codec.decode_eof(&mut buf)? {
            out.push(doc);
        }
        Ok(out)
    }

    fn frames(input: &str) -> Vec<String> {
        all(&mut DocumentCodec::new(), input.as_bytes())
            .unwrap()
            .into_iter()
            .map(|b| String::from_utf8(b.to_vec()).unwrap())
            .collect()
    }

    #[test]
    fn one_line_documents_with_newlines() {
        assert_eq!(
            frames("<A><B>1</B></A>\n<A/>\n"),
            ["<A><B>1</B></A>", "<A/>"]
        );
    }

    #[test]
    fn markup_inside_text_attributes_comments_and_cdata_is_not_the_end() {
        let doc = concat!(
            "<R a=\"</R>\" b='>' c=\"/>\">",
            "<!-- </R> --><![CDATA[</R> ]] ]]]>",
            "<?pi </R> ?>text &lt;/R&gt;<X y=\"1\"/></R>"
        );
        assert_eq!(frames(&format!("{doc}\n{doc}")), [doc, doc]);
    }

    #[test]
    fn tpp_style_prolog_is_skipped() {
        let input = "\u{FEFF}\r\n<?xml version=1.0 encoding=UTF-8?>\r\n<!-- a template -->\r\n\t<R>\r\n\t<A>x\r\ny</A>\r\n</R>\r\n";
        assert_eq!(frames(input), ["<R>\r\n\t<A>x\r\ny</A>\r\n</R>"]);
    }

    #[test]
    fn raw_newlines_inside_text_do_not_split() {
        assert_eq!(
            frames("<R><Content>line one\nline two\n</Content></R>"),
            ["<R><Content>line one\nline two\n</Content></R>"]
        );
    }

    #[test]
    fn no_trailing_newline_is_still_a_document() {
        let mut codec = DocumentCodec::new();
        let mut buf = BytesMut::from("<R></R>");
        assert!(codec.decode(&mut buf).unwrap().is_some());
        assert!(buf.is_empty());
    }

    #[test]
    fn incomplete_input_waits_and_eof_reports_truncation() {
        let mut codec = DocumentCodec::new();
        let mut buf = BytesMut::from("<R><A>");
        assert!(codec.decode(&mut buf).unwrap().is_none());
        assert!(matches!(
            codec.decode_eof(&mut buf),
            Err(FrameError::Truncated { received: 6 })
        ));
        assert!(matches!(
            codec.decode(&mut BytesMut::from("<R/>")),
            Err(FrameError::Poisoned)
        ));
    }

    #[test]
    fn whitespace_only_at_eof_is_a_clean_end() {
        let mut codec = DocumentCodec::new();
        let mut buf = BytesMut::from("\r\n \t");
        assert!(codec.decode_eof(&mut buf).unwrap().is_none());
    }

    #[test]
    fn garbage_is_malformed_and_poisons() {
        for input in [
            "hello",
            "<R><1/></R>",
            "<R><!DOCTYPE x></R>",
            "<!DOCTYPE R><R/>",
            "</R>",
            "<R a=\"1\"<B/></R>",
            "\u{FFFE}<R/>",
        ] {
            let mut codec = DocumentCodec::new();
            let err = all(&mut codec, input.as_bytes()).unwrap_err();
            assert!(
                matches!(err, FrameError::Malformed { .. }),
                "{input}: {err}"
            );
            assert!(matches!(
                codec.decode(&mut BytesMut::new()),
                Err(FrameError::Poisoned)
            ));
        }
    }

    #[test]
    fn malformed_offsets_count_from_the_start_of_the_stream() {
        let mut codec = DocumentCodec::new();
        let err = all(&mut codec, b"<R/>\n  x").unwrap_err();
        assert!(
            matches!(err, FrameError::Malformed { offset: 7, .. }),
            "{err}"
        );
    }

    #[test]
    fn size_cap_counts_the_prolog_and_the_document() {
        let mut codec = DocumentCodec::new().with_max_document_len(32);
        let big = format!("<R>{}</R>", "x".repeat(40));
        assert!(matches!(
            all(&mut codec, big.as_bytes()),
            Err(FrameError::TooLarge { max: 32 })
        ));

        let mut codec = DocumentCodec::new().with_max_document_len(32);
        let comment = format!("<!--{}-->", "x".repeat(40));
        assert!(matches!(
            all(&mut codec, comment.as_bytes()),
            Err(FrameError::TooLarge { .. })
        ));

        let mut codec = DocumentCodec::new().with_max_document_len(32);
        let spaces = " ".repeat(40);
        assert!(matches!(
            all(&mut codec, spaces.as_bytes()),
            Err(FrameError::TooLarge { .. })
        ));

        let exact = b"<R>exactly thirty-three bytes</R>";
        assert_eq!(exact.len(), 33);
        let mut codec = DocumentCodec::new().with_max_document_len(33);
        assert_eq!(all(&mut codec, exact).unwrap().len(), 1);
        let mut codec = DocumentCodec::new().with_max_document_len(32);
        assert!(matches!(
            all(&mut codec, exact),
            Err(FrameError::TooLarge { max: 32 })
        ));
    }

    #[test]
    fn a_long_comment_before_the_root_arriving_in_small_reads_is_found() {
        let input = format!(
            "<!--{}-->\n<?pi {}?><R/>",
            "x-".repeat(300_000),
            "y?".repeat(100_000)
        );
        let mut codec = DocumentCodec::new();
        let mut buf = BytesMut::new();
        let mut found = Vec::new();
        for chunk in input.as_bytes().chunks(1000) {
            buf.extend_from_slice(chunk);
            while let Some(d) = codec.decode(&mut buf).unwrap() {
                found.push(d);
            }
        }
        assert_eq!(found, [Bytes::from_static(b"<R/>")]);
    }

    #[test]
    fn a_slash_not_closing_a_tag_is_malformed() {
        for input in ["<R><A/ ></R>", "<R a=\"1\"/ b=\"2\"></R>"] {
            assert!(
                matches!(
                    all(&mut DocumentCodec::new(), input.as_bytes()),
                    Err(FrameError::Malformed { .. })
                ),
                "{input}"
            );
        }
    }

    #[test]
    fn depth_cap() {
        let deep = format!("{}{}", "<a>".repeat(5), "</a>".repeat(5));
        assert!(all(&mut DocumentCodec::new().with_max_depth(5), deep.as_bytes()).is_ok());
        assert!(matches!(
            all(&mut DocumentCodec::new().with_max_depth(4), deep.as_bytes()),
            Err(FrameError::TooDeep { max: 4 })
        ));
    }

    #[test]
    fn encoder_appends_one_newline() {
        let mut dst = BytesMut::new();
        DocumentCodec::new()
            .encode(Bytes::from_static(b"<R/>"), &mut dst)
            .unwrap();
        assert_eq!(&dst[..], b"<R/>\n");
    }

    #[test]
    fn large_documents_arriving_in_small_reads_are_scanned_once() {
        // Feed a 1 MB document 100 bytes at a time; a scanner that restarted
        // from the beginning on each read would do ~5 GB of work here.
        let doc = format!("<R>{}</R>", "<A x=\"1\">text</A>".repeat(60_000));
        let mut codec = DocumentCodec::new();
        let mut buf = BytesMut::new();
        let mut found = None;
        for chunk in doc.as_bytes().chunks(100) {
            buf.extend_from_slice(chunk);
            if let Some(d) = codec.decode(&mut buf).unwrap() {
                found = Some(d);
            }
        }
        assert_eq!(found.unwrap().len(), doc.len());
    }

    const STREAM: &str = concat!(
        "\u{FEFF}<?xml version=\"1.0\" encoding=\"UTF-8\"?>\r\n",
        "<ClientIntegrationRequest>\r\n\t<APIKey>k</APIKey>\r\n</ClientIntegrationRequest>\r\n",
        "<ClientIntegrationResponse><Response><Content>a\nb &amp; ü → 😀</Content>",
        "<!-- </ClientIntegrationResponse> --><X a='>' b=\"é\"/><![CDATA[<]]></Response></ClientIntegrationResponse>\n",
        "<R/>  \n\n<Ölç/>"
    );

    proptest! {
        #[test]
        fn any_split_of_the_stream_gives_the_same_documents(
            cuts in proptest::collection::vec(0usize..STREAM.len(), 0..12)
        ) {
            let expected = all(&mut DocumentCodec::new(), STREAM.as_bytes()).unwrap();
            prop_assert_eq!(expected.len(), 4);
            let mut cuts = cuts;
            cuts.sort_unstable();
            let mut codec = DocumentCodec::new();
            let mut buf = BytesMut::new();
            let mut got = Vec::new();
            let mut last = 0;
            for cut in cuts.into_iter().chain([STREAM.len()]) {
                buf.extend_from_slice(&STREAM.as_bytes()[last..cut]);
                last = cut;
                while let Some(doc) = codec.decode(&mut buf).unwrap() {
                    got.push(doc);
                }
            }
            if let Some(doc) = codec.decode_eof(&mut buf).unwrap() {
                got.push(doc);
            }
            prop_assert_eq!(got, expected);
        }

        #[test]
        fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..300), step in 1usize..50) {
            let mut codec = DocumentCodec::new().with_max_document_len(200).with_max_depth(8);
            let mut buf = BytesMut::new();
            for chunk in bytes.chunks(step) {
                buf.extend_from_slice(chunk);
                while let Ok(Some(_)) = codec.decode(&mut buf) {}
            }
            let _ = codec.decode_eof(&mut buf);
        }

        #[test]
        fn mutated_streams_never_panic(position in 0usize..STREAM.len(), byte in any::<u8>()) {
            let mut bytes = STREAM.as_bytes().to_vec();
            bytes[position] = byte;
            let _ = all(&mut DocumentCodec::new(), &bytes);
        }
    }
}
