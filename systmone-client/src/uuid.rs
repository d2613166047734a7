//! Random (version 4) UUIDs in the hyphenated form SystmOne's documents use.

/// Formats 128 random bits as a version 4, variant 1 UUID: lowercase for
/// RequestUIDs (as TPP's examples are), uppercase for ResponseUIDs (as
/// SystmOne's are).
pub(crate) fn format_v4(random: u128, uppercase: bool) -> String {
    let n = (random & !(0xF << 76) & !(0x3 << 62)) | (0x4 << 76) | (0x2 << 62);
    let hex = if uppercase {
        format!("{n:032X}")
    } else {
        format!("{n:032x}")
    };
    format!(
        "{}-{}-{}-{}-{}",
        &hex[..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..]
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn version_and_variant_bits_are_set() {
        assert_eq!(format_v4(0, false), "00000000-0000-4000-8000-000000000000");
        assert_eq!(
            format_v4(u128::MAX, true),
            "FFFFFFFF-FFFF-4FFF-BFFF-FFFFFFFFFFFF"
        );
    }
}
