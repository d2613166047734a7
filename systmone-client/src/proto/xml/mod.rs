//! The XML layer under the typed protocol: a cursor that reads one
//! document, a writer that emits one, the generic [`Element`] tree for
//! content the model does not know, and the traits that carry single
//! values.

mod element;
pub(crate) mod macros;
mod reader;
mod value;
mod writer;

pub use element::{Element, Node};
pub use reader::{DecodeError, DecodeErrorKind, Tag, XmlReader};
pub(crate) use reader::{parse_attribute, parse_optional_attribute};
pub(crate) use value::trimmed;
pub use value::{Decimal, Minutes, WriteXml, XmlText, XmlValue};
pub use writer::{EncodeError, EncodeOptions, NhsNumberCasing, XmlWriter};

/// Appends one element of a repeated field. A structure gets room for
/// itself alone at first, later ones the usual doubling: most repeated
/// structures of a record come one to an event (a code, a medication, an
/// attachment) and a record holds thousands of events, so the default
/// first room for four would leave most of a decoded record's memory
/// allocated but unused (and a fresh page costs more to touch than the
/// rare second allocation). Small elements (lines, UIDs) keep the default.
#[inline]
pub(crate) fn push_repeated<T>(list: &mut Vec<T>, value: T) {
    if list.capacity() == 0 {
        list.reserve_exact(1);
    }
    list.push(value);
}

/// The error for an element that holds one value given twice with a value
/// each ([`DecodeErrorKind::Repeated`]).
pub(crate) fn repeated(reader: &XmlReader<'_>, name: &str) -> DecodeError {
    reader.error(DecodeErrorKind::Repeated {
        name: name.to_owned(),
    })
}

/// Reads a whole document whose root element is `root` (any ASCII case) as
/// `T` (for this crate's tests: the public reader of whole documents is
/// [`crate::proto::decode_document`]).
#[cfg(test)]
pub(crate) fn decode_document<T: XmlValue>(
    document: &str,
    root: &'static str,
) -> Result<T, DecodeError> {
    let mut reader = XmlReader::new(document.as_bytes());
    let tag = reader.root()?;
    if !tag.is(root) {
        let found = tag.name().to_owned();
        return Err(reader.error(DecodeErrorKind::UnexpectedRoot {
            expected: root,
            found,
        }));
    }
    let value = T::read(&mut reader, tag)?;
    reader.finish()?;
    Ok(value)
}

/// Writes `value` as a whole document with the root element `root` (for
/// this crate's tests).
#[cfg(test)]
pub(crate) fn encode_document<T: XmlValue>(
    value: &T,
    root: &'static str,
    options: EncodeOptions,
) -> Result<Vec<u8>, EncodeError> {
    let mut writer = XmlWriter::new(options);
    value.write(root, &mut writer);
    writer.finish()
}
#[cfg(test)]
mod tests;
