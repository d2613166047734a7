//! Declarative macros that generate the wire types: one definition gives
//! the struct, its decoder (any order, any ASCII case, aliases, unknown
//! children kept or skipped), its encoder (schema order and casing) and,
//! for property tests, a strategy producing arbitrary values.
//!
//! Field kinds:
//!
//! | kind | Rust type | on the wire |
//! |---|---|---|
//! | `req` | `T` | exactly one element; missing is an error |
//! | `dflt` | `T` | one element; missing reads as `T::default()` (SystmOne omits empty ones) |
//! | `opt` | `Option<T>` | zero or one element; an empty element reads as `None` |
//! | `some` | `Option<T>` | zero or one element; an empty element reads as `Some` of an empty value (a demographics update clears a field that way) |
//! | `many` | `Vec<T>` | repeated element |
//! | `flag` | `bool` | presence-only element (`<X/>`) |
//! | `attr` | `T` | required attribute |
//! | `opt_attr` | `Option<T>` | optional attribute |
//! | `dflt_tok`, `opt_tok`, `many_tok`, `attr_tok` | as `dflt`, `opt`, `many`, `attr`, for identifiers, codes and user names: surrounding whitespace is trimmed (PROTOCOL.md §1.8), while free text is kept exactly |
//!
//! A struct may end with `; rest elements, attributes` to keep unknown
//! child elements as generic [`Element`](super::Element)s and unknown
//! attributes as name/value pairs (both written back after the known ones);
//! otherwise unknown children and attributes are skipped.

/// Defines a struct carried as an XML element.
macro_rules! xml_struct {
    (
        $(#[$meta:meta])*
        pub struct $name:ident {
            $(
                $(#[$fmeta:meta])*
                $kind:ident $field:ident : $ty:ty = $wire:literal $(| $alias:literal)*
            ),* $(,)?
            $(; $(#[$rmeta:meta])* rest $rest:ident, $rest_attributes:ident)?
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, serde::Serialize)]
        pub struct $name {
            $(
                $(#[$fmeta])*
                pub $field: xml_struct!(@type $kind $ty),
            )*
            $(
                $(#[$rmeta])*
                #[serde(skip_serializing_if = "Vec::is_empty")]
                pub $rest: Vec<$crate::proto::xml::Element>,
                /// Attributes the model does not know, kept as sent (name,
                /// unescaped value) and written back after the known ones.
                #[serde(skip_serializing_if = "Vec::is_empty")]
                pub $rest_attributes: Vec<(String, String)>,
            )?
        }

        impl $crate::proto::xml::XmlValue for $name {
            #[allow(unused_mut, unused_variables)]
            fn read<'a>(
                reader: &mut $crate::proto::xml::XmlReader<'a>,
                tag: $crate::proto::xml::Tag<'a>,
            ) -> Result<Self, $crate::proto::xml::DecodeError> {
                $( xml_struct!(@init $kind $field, $ty, $wire, reader, tag); )*
                $(
                    let mut $rest: Vec<$crate::proto::xml::Element> = Vec::new();
                    let mut $rest_attributes: Vec<(String, String)> = Vec::new();
                )?
                // Attributes in one pass over the start tag.
                tag.for_each_attribute(|attribute_name, attribute| {
                    $( xml_struct!(@attr $kind $field, $ty, $wire, attribute_name, attribute); )*
                    $(
                        $rest_attributes.push((
                            attribute_name.to_owned(),
                            $crate::proto::xml::parse_attribute::<String>(attribute)?,
                        ));
                    )?
                    Ok(())
                })
                .map_err(|kind| reader.error_in(tag.name(), kind))?;
                while let Some(child) = reader.next_child(&tag)? {
                    $(
                        if xml_struct!(@matches $kind child $wire $($alias)*) {
                            xml_struct!(@read $kind $field, $ty, reader, child);
                            continue;
                        }
                    )*
                    $(
                        $rest.push($crate::proto::xml::Element::read(reader, child)?);
                        continue;
                    )?
                    #[allow(unreachable_code)]
                    reader.skip(child)?;
                }
                Ok(Self {
                    $( $field: xml_struct!(@finish $kind $field $wire reader tag), )*
                    $( $rest, $rest_attributes, )?
                })
            }

            fn write(&self, name: &'static str, w: &mut $crate::proto::xml::XmlWriter) {
                w.start(name);
                $( xml_struct!(@write_attr $kind self.$field, $wire, w); )*
                $(
                    for (attribute, value) in &self.$rest_attributes {
                        w.raw_attr(attribute, value);
                    }
                )?
                $( xml_struct!(@write_child $kind self.$field, $wire, w); )*
                $( for element in &self.$rest { element.write(w); } )?
                w.end();
            }
        }

        #[cfg(any(test, feature = "proptest"))]
        impl $crate::proto::strategy::XmlArbitrary for $name {
            fn xml_strategy() -> proptest::strategy::BoxedStrategy<Self> {
                use proptest::strategy::Strategy as _;
                xml_struct!(@nest [$( ($kind $ty) )*] $(rest $rest $rest_attributes)?)
                    .prop_map(|xml_struct!(@pat [$( $field )*] $(rest $rest $rest_attributes)?)| Self {
                        $( $field, )*
                        $( $rest, $rest_attributes, )?
                    })
                    .boxed()
            }
        }
    };

    // ---- field types ----
    (@type req $ty:ty) => { $ty };
    (@type dflt $ty:ty) => { $ty };
    (@type opt $ty:ty) => { Option<$ty> };
    (@type some $ty:ty) => { Option<$ty> };
    (@type many $ty:ty) => { Vec<$ty> };
    (@type flag $ty:ty) => { bool };
    (@type attr $ty:ty) => { $ty };
    (@type dflt_tok $ty:ty) => { $ty };
    (@type opt_tok $ty:ty) => { Option<$ty> };
    (@type many_tok $ty:ty) => { Vec<$ty> };
    (@type attr_tok $ty:ty) => { $ty };
    (@type opt_attr $ty:ty) => { Option<$ty> };

    // ---- decoding: locals before the child loop ----
    (@init many $field:ident, $ty:ty, $wire:literal, $reader:ident, $tag:ident) => {
        let mut $field: Vec<$ty> = Vec::new();
    };
    (@init many_tok $field:ident, $ty:ty, $wire:literal, $reader:ident, $tag:ident) => {
        let mut $field: Vec<$ty> = Vec::new();
    };
    (@init flag $field:ident, $ty:ty, $wire:literal, $reader:ident, $tag:ident) => {
        let mut $field = false;
    };
    (@init $kind:ident $field:ident, $ty:ty, $wire:literal, $reader:ident, $tag:ident) => {
        let mut $field: Option<$ty> = None;
    };

    // ---- decoding: an attribute that belongs to the field ----
    (@attr attr $field:ident, $ty:ty, $wire:literal, $name:ident, $attribute:ident) => {
        if $name.eq_ignore_ascii_case($wire) {
            $field = Some($crate::proto::xml::parse_attribute::<$ty>($attribute)?);
            return Ok(());
        }
    };
    (@attr opt_attr $field:ident, $ty:ty, $wire:literal, $name:ident, $attribute:ident) => {
        if $name.eq_ignore_ascii_case($wire) {
            $field = $crate::proto::xml::parse_optional_attribute::<$ty>($attribute)?;
            return Ok(());
        }
    };
    (@attr attr_tok $field:ident, $ty:ty, $wire:literal, $name:ident, $attribute:ident) => {
        if $name.eq_ignore_ascii_case($wire) {
            $field = Some($crate::proto::xml::trimmed($crate::proto::xml::parse_attribute::<$ty>($attribute)?));
            return Ok(());
        }
    };
    (@attr $kind:ident $field:ident, $ty:ty, $wire:literal, $name:ident, $attribute:ident) => {};

    // ---- decoding: does this child belong to the field? ----
    (@matches attr $child:ident $wire:literal $($alias:literal)*) => { false };
    (@matches opt_attr $child:ident $wire:literal $($alias:literal)*) => { false };
    (@matches attr_tok $child:ident $wire:literal $($alias:literal)*) => { false };
    (@matches $kind:ident $child:ident $wire:literal $($alias:literal)*) => {
        $child.is($wire) $( || $child.is($alias) )*
    };

    // ---- decoding: read one child into the field ----
    (@read attr $field:ident, $ty:ty, $reader:ident, $child:ident) => {};
    (@read opt_attr $field:ident, $ty:ty, $reader:ident, $child:ident) => {};
    (@read attr_tok $field:ident, $ty:ty, $reader:ident, $child:ident) => {};
    (@read dflt_tok $field:ident, $ty:ty, $reader:ident, $child:ident) => {
        $field = Some($crate::proto::xml::trimmed(<$ty as $crate::proto::xml::XmlValue>::read($reader, $child)?));
    };
    (@read opt_tok $field:ident, $ty:ty, $reader:ident, $child:ident) => {
        $field = <$ty as $crate::proto::xml::XmlValue>::read_optional($reader, $child)?
            .map($crate::proto::xml::trimmed)
            .filter(|value| !value.is_empty());
    };
    (@read many_tok $field:ident, $ty:ty, $reader:ident, $child:ident) => {
        $crate::proto::xml::push_repeated(
            &mut $field,
            $crate::proto::xml::trimmed(<$ty as $crate::proto::xml::XmlValue>::read($reader, $child)?),
        );
    };
    (@read flag $field:ident, $ty:ty, $reader:ident, $child:ident) => {
        $field = true;
        $reader.skip($child)?;
    };
    (@read many $field:ident, $ty:ty, $reader:ident, $child:ident) => {
        $crate::proto::xml::push_repeated(
            &mut $field,
            <$ty as $crate::proto::xml::XmlValue>::read($reader, $child)?,
        );
    };
    (@read opt $field:ident, $ty:ty, $reader:ident, $child:ident) => {
        // An empty repeat never wipes a value; two values are refused. (The
        // name is copied only on a repeat: the common path allocates
        // nothing.)
        if $field.is_some() {
            let name = $child.name().to_owned();
            if <$ty as $crate::proto::xml::XmlValue>::read_optional($reader, $child)?.is_some() {
                return Err($crate::proto::xml::repeated($reader, &name));
            }
        } else {
            $field = <$ty as $crate::proto::xml::XmlValue>::read_optional($reader, $child)?;
        }
    };
    (@read $kind:ident $field:ident, $ty:ty, $reader:ident, $child:ident) => {
        if $field.is_some() {
            let name = $child.name().to_owned();
            return Err($crate::proto::xml::repeated($reader, &name));
        }
        $field = Some(<$ty as $crate::proto::xml::XmlValue>::read($reader, $child)?);
    };

    // ---- decoding: the field's final value ----
    (@finish req $field:ident $wire:literal $reader:ident $tag:ident) => {
        match $field {
            Some(value) => value,
            None => return Err($reader.error_in(
                $tag.name(),
                $crate::proto::xml::DecodeErrorKind::Missing { name: $wire },
            )),
        }
    };
    (@finish attr $field:ident $wire:literal $reader:ident $tag:ident) => {
        match $field {
            Some(value) => value,
            None => return Err($reader.error_in(
                $tag.name(),
                $crate::proto::xml::DecodeErrorKind::Missing { name: concat!("@", $wire) },
            )),
        }
    };
    (@finish dflt $field:ident $wire:literal $reader:ident $tag:ident) => {
        $field.unwrap_or_default()
    };
    (@finish dflt_tok $field:ident $wire:literal $reader:ident $tag:ident) => {
        $field.unwrap_or_default()
    };
    (@finish attr_tok $field:ident $wire:literal $reader:ident $tag:ident) => {
        match $field {
            Some(value) => value,
            None => return Err($reader.error_in(
                $tag.name(),
                $crate::proto::xml::DecodeErrorKind::Missing { name: concat!("@", $wire) },
            )),
        }
    };
    (@finish $kind:ident $field:ident $wire:literal $reader:ident $tag:ident) => { $field };

    // ---- encoding ----
    (@write_attr attr $value:expr, $wire:literal, $w:ident) => {
        $w.attr($wire, &$crate::proto::xml::XmlText::to_text(&$value));
    };
    (@write_attr opt_attr $value:expr, $wire:literal, $w:ident) => {
        if let Some(value) = &$value {
            $w.attr($wire, &$crate::proto::xml::XmlText::to_text(value));
        }
    };
    (@write_attr attr_tok $value:expr, $wire:literal, $w:ident) => {
        $w.attr($wire, &$crate::proto::xml::XmlText::to_text(&$value));
    };
    (@write_attr $kind:ident $value:expr, $wire:literal, $w:ident) => {};

    (@write_child attr $value:expr, $wire:literal, $w:ident) => {};
    (@write_child opt_attr $value:expr, $wire:literal, $w:ident) => {};
    (@write_child attr_tok $value:expr, $wire:literal, $w:ident) => {};
    (@write_child opt_tok $value:expr, $wire:literal, $w:ident) => {
        if let Some(value) = &$value {
            $crate::proto::xml::XmlValue::write(value, $wire, $w);
        }
    };
    (@write_child many_tok $value:expr, $wire:literal, $w:ident) => {
        for value in &$value {
            $crate::proto::xml::XmlValue::write(value, $wire, $w);
        }
    };
    (@write_child flag $value:expr, $wire:literal, $w:ident) => {
        if $value {
            $w.empty($wire);
        }
    };
    (@write_child some $value:expr, $wire:literal, $w:ident) => {
        if let Some(value) = &$value {
            $crate::proto::xml::XmlValue::write(value, $wire, $w);
        }
    };
    (@write_child opt $value:expr, $wire:literal, $w:ident) => {
        if let Some(value) = &$value {
            $crate::proto::xml::XmlValue::write(value, $wire, $w);
        }
    };
    (@write_child many $value:expr, $wire:literal, $w:ident) => {
        for value in &$value {
            $crate::proto::xml::XmlValue::write(value, $wire, $w);
        }
    };
    (@write_child $kind:ident $value:expr, $wire:literal, $w:ident) => {
        $crate::proto::xml::XmlValue::write(&$value, $wire, $w);
    };

    // ---- strategies: a right-nested tuple of per-field strategies ----
    (@nest [] ) => { proptest::strategy::Just(()) };
    (@nest [] rest $rest:ident $rest_attributes:ident) => {
        (
            $crate::proto::strategy::unknown_elements(),
            ($crate::proto::strategy::unknown_attributes(), proptest::strategy::Just(())),
        )
    };
    (@nest [($kind:ident $ty:ty) $($more:tt)*] $(rest $rest:ident $rest_attributes:ident)?) => {
        (
            xml_struct!(@strategy $kind $ty),
            xml_struct!(@nest [$($more)*] $(rest $rest $rest_attributes)?),
        )
    };
    (@pat [] ) => { () };
    (@pat [] rest $rest:ident $rest_attributes:ident) => { ($rest, ($rest_attributes, ())) };
    (@pat [$field:ident $($more:ident)*] $(rest $rest:ident $rest_attributes:ident)?) => {
        ($field, xml_struct!(@pat [$($more)*] $(rest $rest $rest_attributes)?))
    };
    (@strategy req $ty:ty) => { <$ty as $crate::proto::strategy::XmlArbitrary>::xml_strategy() };
    (@strategy dflt $ty:ty) => { <$ty as $crate::proto::strategy::XmlArbitrary>::xml_strategy() };
    (@strategy attr $ty:ty) => { <$ty as $crate::proto::strategy::XmlArbitrary>::xml_strategy() };
    (@strategy opt $ty:ty) => { $crate::proto::strategy::optional::<$ty>() };
    (@strategy some $ty:ty) => {
        proptest::option::of(<$ty as $crate::proto::strategy::XmlArbitrary>::xml_strategy())
    };
    (@strategy opt_attr $ty:ty) => { $crate::proto::strategy::optional::<$ty>() };
    (@strategy many $ty:ty) => { $crate::proto::strategy::repeated::<$ty>() };
    (@strategy flag $ty:ty) => { proptest::arbitrary::any::<bool>() };
    (@strategy dflt_tok $ty:ty) => { $crate::proto::strategy::token() };
    (@strategy attr_tok $ty:ty) => { $crate::proto::strategy::token() };
    (@strategy opt_tok $ty:ty) => { proptest::option::of($crate::proto::strategy::token().prop_filter("present", |t| !t.is_empty())) };
    (@strategy many_tok $ty:ty) => { proptest::collection::vec($crate::proto::strategy::token(), 0..3) };
}

/// Defines an enumeration carried as text, with a catch-all `Other` for
/// values SystmOne may add (PROTOCOL.md Appendix B). Parsing ignores ASCII
/// case and surrounding spaces; writing uses the canonical spelling.
macro_rules! xml_enum {
    (
        $(#[$meta:meta])*
        pub enum $name:ident {
            $(
                $(#[$vmeta:meta])*
                $variant:ident = $wire:literal $(| $alias:literal)*
            ),* $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum $name {
            $( $(#[$vmeta])* $variant, )*
            /// A value not in the list above, kept as sent.
            Other(String),
        }

        impl $name {
            /// Every known value, in the specification's order.
            pub const KNOWN: &'static [$name] = &[$($name::$variant),*];

            /// The value as written on the wire.
            pub fn as_str(&self) -> &str {
                match self {
                    $( $name::$variant => $wire, )*
                    $name::Other(other) => other,
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }

        impl $crate::proto::xml::XmlText for $name {
            const EXPECTED: &'static str = stringify!($name);

            fn parse_text(text: &str) -> Option<Self> {
                let text = text.trim();
                $(
                    if text.eq_ignore_ascii_case($wire) $( || text.eq_ignore_ascii_case($alias) )* {
                        return Some($name::$variant);
                    }
                )*
                Some($name::Other(text.to_owned()))
            }

            fn to_text(&self) -> std::borrow::Cow<'_, str> {
                std::borrow::Cow::Borrowed(self.as_str())
            }

            fn is_absent_text(&self) -> bool {
                matches!(self, $name::Other(other) if other.is_empty())
            }
        }

        #[cfg(any(test, feature = "proptest"))]
        impl $crate::proto::strategy::XmlArbitrary for $name {
            fn xml_strategy() -> proptest::strategy::BoxedStrategy<Self> {
                use proptest::strategy::Strategy as _;
                proptest::prop_oneof![
                    4 => proptest::sample::select($name::KNOWN.to_vec()),
                    1 => "Zz[a-z]{1,8}( [A-Z][a-z]{1,6})?".prop_map($name::Other),
                ]
                .boxed()
            }
        }
    };
}

pub(crate) use {xml_enum, xml_struct};
