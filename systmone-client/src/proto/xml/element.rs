//! A generic element tree: how content the typed model does not know is
//! kept, so that nothing SystmOne sends is lost and it can be written back.

use serde::Serialize;

use super::reader::{DecodeError, Tag, XmlReader};
use super::writer::XmlWriter;

/// An XML element kept as it came: name, attributes and content.
///
/// Used for the parts of responses whose structure the specification leaves
/// open (items inside a clinical `Event` that the model does not know, and
/// unknown children elsewhere). [`Element::write`] re-serialises it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Element {
    /// The element's name as written.
    pub name: String,
    /// Attributes in document order, values unescaped.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub attributes: Vec<(String, String)>,
    /// Child nodes in document order.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub children: Vec<Node>,
}

/// A child of an [`Element`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum Node {
    /// A nested element.
    Element(Element),
    /// Character data (unescaped).
    Text(String),
}

impl Element {
    /// The text of the element: its text children joined, ignoring nested
    /// elements.
    pub fn text(&self) -> String {
        self.children
            .iter()
            .filter_map(|n| match n {
                Node::Text(t) => Some(t.as_str()),
                Node::Element(_) => None,
            })
            .collect()
    }

    /// The first child element named `name` (ASCII-case-insensitive).
    pub fn child(&self, name: &str) -> Option<&Element> {
        self.children.iter().find_map(|n| match n {
            Node::Element(e) if e.name.eq_ignore_ascii_case(name) => Some(e),
            _ => None,
        })
    }

    /// The value of attribute `name` (ASCII-case-insensitive).
    pub fn attribute(&self, name: &str) -> Option<&str> {
        self.attributes
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// Reads `tag` and all its content into a tree.
    pub(crate) fn read<'a>(reader: &mut XmlReader<'a>, tag: Tag<'a>) -> Result<Self, DecodeError> {
        let name = tag.name().to_owned();
        let attributes = tag
            .attributes()
            .map_err(|kind| reader.error_in(&name, kind))?;
        let children = reader.read_mixed(tag)?;
        Ok(Self {
            name,
            attributes,
            children,
        })
    }

    /// Writes the element back as XML (escaped, one line).
    pub fn write(&self, w: &mut XmlWriter) {
        w.raw_name_start(&self.name);
        for (name, value) in &self.attributes {
            w.raw_attr(name, value);
        }
        for child in &self.children {
            match child {
                Node::Element(e) => e.write(w),
                Node::Text(t) => w.text(t),
            }
        }
        w.raw_name_end(&self.name);
    }
}
