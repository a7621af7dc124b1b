//! A share of a pool, such as the 0.70 of a 70/30 model.

use std::fmt;

use rust_decimal::Decimal;

/// The most decimals a share may have (it is stored as parts per million).
const MAX_DECIMALS: u32 = 6;

/// A fraction strictly between 0 and 1 with at most six decimals, held as
/// an exact decimal so it never rounds. Stored as parts per million.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Share(Decimal);

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
    /// `"0.70"`, `"0.7"`, `"0.3333"`: digits, a point and at most six decimals
    /// (no sign, exponent or leading point).
    pub fn parse(text: &str) -> Result<Share, ShareError> {
        let (whole, fraction) = text.split_once('.').unwrap_or((text, ""));
        let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
        if !digits(whole) || (text.contains('.') && !digits(fraction)) {
            return Err(ShareError::NotADecimal);
        }
        if !whole.trim_start_matches('0').is_empty() {
            return Err(ShareError::OutOfRange);
        }
        if fraction.len() > MAX_DECIMALS as usize {
            return Err(ShareError::TooManyDecimals);
        }
        let value = Decimal::from_str_exact(text).map_err(|_| ShareError::NotADecimal)?;
        Share::new(value).ok_or(ShareError::OutOfRange)
    }

    /// A share of `value`; `None` unless strictly between 0 and 1 with at most six decimals.
    pub fn new(value: Decimal) -> Option<Share> {
        let value = value.normalize();
        (value > Decimal::ZERO && value < Decimal::ONE && value.scale() <= MAX_DECIMALS).then_some(Share(value))
    }

    /// A stored share; `None` unless strictly between 0 and 1.
    pub fn from_ppm(ppm: u32) -> Option<Share> {
        Share::new(Decimal::new(i64::from(ppm), MAX_DECIMALS))
    }

    /// Parts per million, as stored (exact: a share has at most six decimals).
    pub fn ppm(self) -> u32 {
        let mut scaled = self.0;
        scaled.rescale(MAX_DECIMALS);
        u32::try_from(scaled.mantissa()).unwrap_or(0)
    }

    pub fn value(self) -> Decimal {
        self.0
    }

    /// The share in percent, exactly: 0.70 → 70, 0.3333 → 33.33.
    pub fn percent(self) -> Decimal {
        (self.0 * Decimal::ONE_HUNDRED).normalize()
    }

    /// The rest of the whole: 0.70 → 0.30.
    pub fn complement(self) -> Share {
        Share((Decimal::ONE - self.0).normalize())
    }
}

impl fmt::Display for Share {
    /// At least two decimals, trailing zeros beyond that trimmed: "0.70", "0.3333".
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut shown = self.0.normalize();
        if shown.scale() < 2 {
            shown.rescale(2);
        }
        write!(f, "{shown}")
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
        assert_eq!(Share::parse("0.999999").map(|s| (s.ppm(), s.complement().ppm())), Ok((999_999, 1)));
        assert_eq!(Share::from_ppm(700_000).map(|s| s.to_string()), Some("0.70".into()));
        assert_eq!(
            Share::parse("0.70").map(|s| (s.percent().to_string(), s.complement().percent().to_string())),
            Ok(("70".into(), "30".into()))
        );
        assert_eq!(Share::parse("0.3333").map(|s| s.percent().to_string()), Ok("33.33".into()));
        assert_eq!(Share::parse("0.7000000"), Err(ShareError::TooManyDecimals), "seven decimals, even as zeros");
        assert_eq!(Share::parse("0.700000"), Share::parse("0.7"), "one share however it is written");
    }

    #[test]
    fn every_stored_share_reads_back_as_itself() {
        for ppm in [1, 7, 10, 99_999, 100_000, 333_333, 500_000, 700_000, 999_999] {
            let share = Share::from_ppm(ppm).expect("a share");
            assert_eq!(share.ppm(), ppm);
            assert_eq!(Share::parse(&share.to_string()), Ok(share));
            assert_eq!(share.ppm() + share.complement().ppm(), 1_000_000);
        }
        assert_eq!(Share::from_ppm(0), None);
        assert_eq!(Share::from_ppm(1_000_000), None);
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
