//! A share of a pool, such as the 0.70 of a 70/30 model.

use std::fmt;

const PPM: u32 = 1_000_000;

/// A fraction strictly between 0 and 1 with at most six decimals, held as
/// parts per million so it never rounds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Share(u32);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ShareError {
    #[error("is not a decimal fraction; write it as a string such as \"0.70\"")]
    NotADecimal,
    #[error("has more than six decimals")]
    TooManyDecimals,
    #[error("must be greater than 0 and less than 1")]
    OutOfRange,
}

impl Share {
    pub fn parse(text: &str) -> Result<Share, ShareError> {
        let (whole, fraction) = text.split_once('.').unwrap_or((text, ""));
        let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
        if !digits(whole) || (text.contains('.') && !digits(fraction)) {
            return Err(ShareError::NotADecimal);
        }
        if !whole.trim_start_matches('0').is_empty() {
            return Err(ShareError::OutOfRange);
        }
        if fraction.len() > 6 {
            return Err(ShareError::TooManyDecimals);
        }
        let mut ppm: u32 = 0;
        let mut scale = PPM / 10;
        for b in fraction.bytes() {
            ppm += u32::from(b - b'0') * scale;
            scale /= 10;
        }
        Share::from_ppm(ppm).ok_or(ShareError::OutOfRange)
    }

    /// A stored share; `None` unless strictly between 0 and 1.
    pub fn from_ppm(ppm: u32) -> Option<Share> {
        (ppm > 0 && ppm < PPM).then_some(Share(ppm))
    }

    pub fn ppm(self) -> u32 {
        self.0
    }

    /// The rest of the whole: 0.70 → 0.30.
    pub fn complement(self) -> Share {
        Share(PPM - self.0)
    }
}

impl fmt::Display for Share {
    /// At least two decimals, trailing zeros beyond that trimmed: "0.70", "0.3333".
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let digits = format!("{:06}", self.0);
        let trimmed = digits.trim_end_matches('0');
        let shown = if trimmed.len() < 2 { &digits[..2] } else { trimmed };
        write!(f, "0.{shown}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shares_parse_and_print() {
        assert_eq!(Share::parse("0.70").map(|s| s.to_string()), Ok("0.70".into()));
        assert_eq!(Share::parse("0.7").map(|s| s.ppm()), Ok(700_000));
        assert_eq!(Share::parse("0.3333").map(|s| s.to_string()), Ok("0.3333".into()));
        assert_eq!(Share::parse("0.000001").map(|s| s.ppm()), Ok(1));
        assert_eq!(Share::parse("0.70").map(|s| s.complement().to_string()), Ok("0.30".into()));
    }

    #[test]
    fn a_share_must_lie_strictly_between_zero_and_one() {
        assert_eq!(Share::parse("1.5"), Err(ShareError::OutOfRange));
        assert_eq!(Share::parse("1"), Err(ShareError::OutOfRange));
        assert_eq!(Share::parse("1.0"), Err(ShareError::OutOfRange));
        assert_eq!(Share::parse("0"), Err(ShareError::OutOfRange));
        assert_eq!(Share::parse("0.00"), Err(ShareError::OutOfRange));
        assert_eq!(Share::parse("-0.5"), Err(ShareError::NotADecimal));
        assert_eq!(Share::parse("0.1234567"), Err(ShareError::TooManyDecimals));
        assert_eq!(Share::parse("70%"), Err(ShareError::NotADecimal));
        assert_eq!(Share::parse(".7"), Err(ShareError::NotADecimal));
    }
}
