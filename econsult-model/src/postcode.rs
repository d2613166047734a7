//! UK postcodes, validated and normalised.

/// A UK postcode in its normal form: upper case, with a single space between
/// the outward code (`ZZ99`) and the three-character inward code (`1AB`).
///
/// Parsing ignores case and spacing (`zz991ab`, ` ZZ99  1AB `) and checks the
/// shape of the code: an outward code of the form `A9`, `A99`, `AA9`, `AA99`,
/// `A9A` or `AA9A`, then an inward code `9AA`. `GIR 0AA` is accepted too.
/// Whether the postcode exists is not checked; SystmOne's own test postcodes
/// (`ZZ99 …`) pass.
///
/// ```
/// use econsult_model::Postcode;
///
/// let p: Postcode = "zz991ab".parse()?;
/// assert_eq!(p.as_str(), "ZZ99 1AB");
/// assert_eq!(p.outward(), "ZZ99");
/// assert_eq!(p.inward(), "1AB");
/// # Ok::<(), econsult_model::PostcodeError>(())
/// ```
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Postcode(String);

/// Why a string is not a valid UK postcode.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PostcodeError {
    /// Nothing but whitespace was given.
    #[error("the postcode is empty; leave it out instead if it is not known")]
    Empty,
    /// A character other than a letter, digit or space.
    #[error("a postcode holds only letters, digits and one space, but {character:?} was found")]
    InvalidCharacter {
        /// The offending character.
        character: char,
    },
    /// Too short or too long to be a postcode.
    #[error("{given:?} has {letters} letters and digits, but a UK postcode has 5 to 7")]
    WrongLength {
        /// The input.
        given: String,
        /// How many letters and digits it held.
        letters: usize,
    },
    /// The right length, but not the shape of a UK postcode.
    #[error(
        "{given:?} is not shaped like a UK postcode: expected an outward code such as SW1A, M1 or ZZ99, then a digit and two letters (e.g. ZZ99 1AB)"
    )]
    BadShape {
        /// The input.
        given: String,
    },
}

impl Postcode {
    /// Validates and normalises a postcode; see [`PostcodeError`] for what is
    /// rejected.
    pub fn parse(input: &str) -> Result<Self, PostcodeError> {
        let mut compact = String::with_capacity(8);
        for character in input.chars() {
            if character.is_ascii_alphanumeric() {
                compact.push(character.to_ascii_uppercase());
            } else if !character.is_whitespace() {
                return Err(PostcodeError::InvalidCharacter { character });
            }
        }
        if compact.is_empty() {
            return Err(PostcodeError::Empty);
        }
        if !(5..=7).contains(&compact.len()) {
            return Err(PostcodeError::WrongLength {
                given: crate::text::excerpt(input),
                letters: compact.len(),
            });
        }
        let (outward, inward) = compact.split_at(compact.len() - 3);
        if !(compact == "GIR0AA" || (is_outward(outward) && is_inward(inward))) {
            return Err(PostcodeError::BadShape {
                given: crate::text::excerpt(input),
            });
        }
        Ok(Self(format!("{outward} {inward}")))
    }

    /// The normalised postcode, e.g. `ZZ99 1AB`.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The outward code (the part before the space), e.g. `ZZ99`: the form
    /// SystmOne's `PatientSearch` accepts for an area search.
    pub fn outward(&self) -> &str {
        self.0.split(' ').next().unwrap_or_default()
    }

    /// The inward code (the three characters after the space), e.g. `1AB`.
    pub fn inward(&self) -> &str {
        self.0.rsplit(' ').next().unwrap_or_default()
    }
}

/// Letter (`A`) and digit (`9`) pattern of a string.
fn shape(s: &str) -> String {
    s.chars()
        .map(|c| if c.is_ascii_digit() { '9' } else { 'A' })
        .collect()
}

fn is_outward(s: &str) -> bool {
    matches!(
        shape(s).as_str(),
        "A9" | "A99" | "AA9" | "AA99" | "A9A" | "AA9A"
    )
}

fn is_inward(s: &str) -> bool {
    shape(s) == "9AA"
}

string_value_impls!(Postcode, parse, PostcodeError);

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn normalises_every_outward_shape() {
        for (input, expected) in [
            ("m1 1ae", "M1 1AE"),
            ("B33 8TH", "B33 8TH"),
            ("cr26xh", "CR2 6XH"),
            ("DN55 1PT", "DN55 1PT"),
            ("w1a 1hq", "W1A 1HQ"),
            ("  EC1A   1BB ", "EC1A 1BB"),
            ("ZZ99 3VZ", "ZZ99 3VZ"),
            ("gir 0aa", "GIR 0AA"),
        ] {
            assert_eq!(
                Postcode::parse(input).unwrap().as_str(),
                expected,
                "{input}"
            );
        }
    }

    #[test]
    fn splits_outward_and_inward() {
        let p = Postcode::parse("EC1A1BB").unwrap();
        assert_eq!((p.outward(), p.inward()), ("EC1A", "1BB"));
    }

    #[test]
    fn rejects_each_kind_of_bad_input() {
        assert_eq!(Postcode::parse("   "), Err(PostcodeError::Empty));
        assert_eq!(
            Postcode::parse("ZZ99-1AB"),
            Err(PostcodeError::InvalidCharacter { character: '-' })
        );
        assert!(matches!(
            Postcode::parse("ZZ9"),
            Err(PostcodeError::WrongLength { letters: 3, .. })
        ));
        assert!(matches!(
            Postcode::parse("ZZ999 1ABC"),
            Err(PostcodeError::WrongLength { letters: 9, .. })
        ));
        for bad in ["12345", "ZZ99 ABC", "ZZ99 11B", "9Z9 1AB", "ZZZ9 1AB"] {
            assert!(
                matches!(Postcode::parse(bad), Err(PostcodeError::BadShape { .. })),
                "{bad}"
            );
        }
        assert!(matches!(
            Postcode::parse("ZZ99 1ÅB"),
            Err(PostcodeError::InvalidCharacter { character: 'Å' })
        ));
    }

    #[test]
    fn serde_normalises_and_validates() {
        let p: Postcode = serde_json::from_str("\"zz99 1ab\"").unwrap();
        assert_eq!(serde_json::to_string(&p).unwrap(), "\"ZZ99 1AB\"");
        let err = serde_json::from_str::<Postcode>("\"ZZ99 ABC\"").unwrap_err();
        assert!(
            err.to_string().contains("not shaped like a UK postcode"),
            "{err}"
        );
    }

    proptest! {
        #[test]
        fn normal_form_is_a_fixed_point(input in "[A-Za-z0-9 ]{0,12}") {
            if let Ok(p) = Postcode::parse(&input) {
                prop_assert_eq!(Postcode::parse(p.as_str()), Ok(p.clone()));
                prop_assert_eq!(p.as_str().matches(' ').count(), 1);
            }
        }

        #[test]
        fn never_panics(input in ".{0,20}") {
            let _ = Postcode::parse(&input);
        }
    }
}
