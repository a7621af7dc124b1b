//! Money: Danish kroner held as integer øre. Never a float.

use std::fmt;

/// A non-negative amount of DKK, exact to the øre.
///
/// The only ways in are [`Money::parse`] (checked text from a client) and
/// [`Money::from_ore`] (a stored, already-checked integer).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Money(i64);

/// Why a text is not an amount of money.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MoneyError {
    #[error("is empty; write an amount such as \"871553.00\"")]
    Empty,
    #[error("must not be negative; write the amount without a sign, e.g. \"150000.00\"")]
    Negative,
    #[error("has more than two decimals; amounts are exact to the øre")]
    TooManyDecimals,
    #[error("write an amount with a point before the øre and no thousands separator, e.g. 150000.00")]
    NotADecimal,
    #[error("is larger than 999999999999.99")]
    TooLarge,
}

impl Money {
    /// The largest amount a client may state: 999,999,999,999.99.
    pub const MAX: Money = Money(99_999_999_999_999);
    pub const ZERO: Money = Money(0);
    /// The longest text [`Money::parse`] reads (leading zeros included).
    pub const MAX_TEXT: usize = 64;

    /// Parses `"871553.00"` (or `"871553"`, `"871553.5"`): digits, an optional
    /// `.` and at most two decimals. No sign, exponent, spaces or separators.
    /// One pass, no recursion, and nothing is looked at beyond the first
    /// [`Money::MAX_TEXT`] bytes, so any text a client sends costs the same.
    pub fn parse(text: &str) -> Result<Money, MoneyError> {
        Money::parse_up_to(text, Money::MAX)
    }

    /// Reads back a figure this service computed and printed (a pool's total
    /// plus what was carried in may pass [`Money::MAX`]); the same grammar,
    /// bounded only by what an `i64` of øre holds.
    pub fn parse_figure(text: &str) -> Result<Money, MoneyError> {
        Money::parse_up_to(text, Money(i64::MAX))
    }

    fn parse_up_to(text: &str, max: Money) -> Result<Money, MoneyError> {
        let bytes = text.as_bytes();
        match bytes.first() {
            None => return Err(MoneyError::Empty),
            Some(b'-') => return Err(MoneyError::Negative),
            Some(b) if !b.is_ascii_digit() => return Err(MoneyError::NotADecimal),
            Some(_) => {}
        }
        if bytes.len() > Money::MAX_TEXT {
            let digits = bytes[..Money::MAX_TEXT].iter().all(u8::is_ascii_digit);
            return Err(if digits { MoneyError::TooLarge } else { MoneyError::NotADecimal });
        }
        let (whole, fraction) = match text.split_once('.') {
            Some((w, f)) => (w, f),
            None => (text, ""),
        };
        let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
        if whole.is_empty() || !digits(whole) || !digits(fraction) || (text.contains('.') && fraction.is_empty()) {
            return Err(MoneyError::NotADecimal);
        }
        if fraction.len() > 2 {
            return Err(MoneyError::TooManyDecimals);
        }
        let whole = whole.trim_start_matches('0');
        if whole.len() > 17 {
            return Err(MoneyError::TooLarge);
        }
        let kroner: i64 = if whole.is_empty() { 0 } else { whole.parse().map_err(|_| MoneyError::NotADecimal)? };
        let mut ore: i64 = 0;
        for (i, b) in fraction.bytes().enumerate() {
            ore += i64::from(b - b'0') * if i == 0 { 10 } else { 1 };
        }
        let total = kroner.checked_mul(100).and_then(|k| k.checked_add(ore)).ok_or(MoneyError::TooLarge)?;
        if total > max.0 {
            return Err(MoneyError::TooLarge);
        }
        Ok(Money(total))
    }

    /// An amount already known to be valid (read back from the store).
    /// Returns `None` for a negative value.
    pub fn from_ore(ore: i64) -> Option<Money> {
        (ore >= 0).then_some(Money(ore))
    }

    pub fn ore(self) -> i64 {
        self.0
    }

    pub fn is_zero(self) -> bool {
        self.0 == 0
    }

    pub fn checked_add(self, other: Money) -> Option<Money> {
        self.0.checked_add(other.0).map(Money)
    }

    /// `None` when the result would be negative.
    pub fn checked_sub(self, other: Money) -> Option<Money> {
        self.0.checked_sub(other.0).filter(|v| *v >= 0).map(Money)
    }
}

impl fmt::Display for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{:02}", self.0 / 100, self.0 % 100)
    }
}

impl serde::Serialize for Money {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// Shares `total` out in proportion to `weights` so that the parts add up to
/// `total` exactly: each part gets the whole øre of its quota, and the øre
/// left over go one each to the parts with the largest remainders (ties to
/// the earlier part). Returns all zeros when every weight is zero.
pub fn allocate(total: Money, weights: &[u64]) -> Vec<Money> {
    let weight_sum: u128 = weights.iter().map(|w| u128::from(*w)).sum();
    if weight_sum == 0 {
        return vec![Money::ZERO; weights.len()];
    }
    let total_ore = total.0 as u128;
    let mut parts: Vec<i64> = Vec::with_capacity(weights.len());
    let mut remainders: Vec<(u128, usize)> = Vec::with_capacity(weights.len());
    for (i, w) in weights.iter().enumerate() {
        let product = total_ore * u128::from(*w);
        parts.push((product / weight_sum) as i64);
        remainders.push((product % weight_sum, i));
    }
    let mut left = total.0 - parts.iter().sum::<i64>();
    remainders.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    for (_, i) in remainders {
        if left == 0 {
            break;
        }
        parts[i] += 1;
        left -= 1;
    }
    parts.into_iter().map(Money).collect()
}

/// DKK the Danish way: `140.000,00 kr.`
pub fn kroner(m: Money) -> String {
    let text = m.to_string();
    let (whole, ore) = text.split_once('.').unwrap_or((&text, "00"));
    let mut grouped = String::new();
    for (i, c) in whole.chars().enumerate() {
        if i > 0 && (whole.len() - i) % 3 == 0 {
            grouped.push('.');
        }
        grouped.push(c);
    }
    format!("{grouped},{ore} kr.")
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn m(s: &str) -> Money {
        Money::parse(s).expect("valid amount in test")
    }

    #[test]
    fn amounts_parse_and_print_with_two_decimals() {
        assert_eq!(m("871553.00").to_string(), "871553.00");
        assert_eq!(m("871553").to_string(), "871553.00");
        assert_eq!(m("0.5").to_string(), "0.50");
        assert_eq!(m("999999999999.99"), Money::MAX);
        assert_eq!(m("000000000000000000000000000000001.00").to_string(), "1.00");
    }

    #[test]
    fn figures_above_the_input_limit_read_back_exactly() {
        assert_eq!(Money::parse_figure("1871553000000.00").map(Money::ore), Ok(187_155_300_000_000));
        assert_eq!(Money::parse("1871553000000.00"), Err(MoneyError::TooLarge));
        assert_eq!(Money::parse_figure("99999999999999999999.00"), Err(MoneyError::TooLarge));
    }

    #[test]
    fn a_signed_zero_is_not_an_amount() {
        for signed in ["-0", "--0", "-0.00", "-1", "-"] {
            assert_eq!(Money::parse(signed), Err(MoneyError::Negative), "{signed}");
        }
    }

    #[test]
    fn thirty_thousand_minus_signs_are_refused_at_once() {
        let hostile = format!("{}1", "-".repeat(30_000));
        assert_eq!(Money::parse(&hostile), Err(MoneyError::Negative));
        let long_number = "9".repeat(1_000_000);
        assert_eq!(Money::parse(&long_number), Err(MoneyError::TooLarge));
        assert_eq!(Money::parse(&format!("1{}", "x".repeat(100_000))), Err(MoneyError::NotADecimal));
    }

    #[test]
    fn bad_amounts_are_refused_with_a_reason() {
        assert_eq!(Money::parse("12.345"), Err(MoneyError::TooManyDecimals));
        assert_eq!(Money::parse("-1.00"), Err(MoneyError::Negative));
        assert_eq!(Money::parse("1e3"), Err(MoneyError::NotADecimal));
        assert_eq!(Money::parse("1,00"), Err(MoneyError::NotADecimal));
        assert_eq!(Money::parse(" 1.00"), Err(MoneyError::NotADecimal));
        assert_eq!(Money::parse("1."), Err(MoneyError::NotADecimal));
        assert_eq!(Money::parse(".5"), Err(MoneyError::NotADecimal));
        assert_eq!(Money::parse("+1"), Err(MoneyError::NotADecimal));
        assert_eq!(Money::parse(""), Err(MoneyError::Empty));
        assert_eq!(Money::parse("1000000000000.00"), Err(MoneyError::TooLarge));
        assert_eq!(Money::parse("99999999999999999999999"), Err(MoneyError::TooLarge));
    }

    #[test]
    fn seventy_percent_of_vest_2022_is_610087_10_and_the_rest_261465_90() {
        let parts = allocate(m("871553.00"), &[700_000, 300_000]);
        assert_eq!(parts, vec![m("610087.10"), m("261465.90")]);
    }

    #[test]
    fn a_third_of_a_hundred_gives_33_33_and_66_67() {
        assert_eq!(allocate(m("100.00"), &[333_300, 666_700]), vec![m("33.33"), m("66.67")]);
        assert_eq!(allocate(m("1.00"), &[1, 1, 1]), vec![m("0.34"), m("0.33"), m("0.33")]);
    }

    proptest! {
        #[test]
        fn parts_always_add_up_to_the_total(
            ore in 0i64..=Money::MAX.ore(),
            weights in proptest::collection::vec(0u64..10_000_000, 1..30),
        ) {
            let total = Money::from_ore(ore).expect("non-negative");
            let parts = allocate(total, &weights);
            prop_assert_eq!(parts.len(), weights.len());
            let sum: i64 = parts.iter().map(|p| p.ore()).sum();
            if weights.iter().any(|w| *w > 0) {
                prop_assert_eq!(sum, ore);
            }
            // No part is more than one øre away from its exact quota.
            let wsum: u128 = weights.iter().map(|w| u128::from(*w)).sum();
            for (p, w) in parts.iter().zip(&weights) {
                if let Some(exact_floor) = (ore as u128 * u128::from(*w)).checked_div(wsum) {
                    let exact_floor = exact_floor as i64;
                    prop_assert!(p.ore() == exact_floor || p.ore() == exact_floor + 1);
                }
            }
        }

        /// Any text up to 100 kB: an answer, never a panic or deep recursion
        /// (proptest runs this on a test thread with a small stack).
        #[test]
        fn parsing_any_text_never_panics(text in proptest::string::string_regex("[-0-9.,a+ ]{0,2000}").expect("regex"), repeat in 1usize..50) {
            let long = text.repeat(repeat);
            let _ = Money::parse(&long);
            let _ = Money::parse(&text);
        }

        #[test]
        fn runs_of_minus_signs_of_any_length_are_negative(n in 1usize..100_000, tail in "[0-9.]{0,5}") {
            let text = format!("{}{tail}", "-".repeat(n));
            prop_assert_eq!(Money::parse(&text), Err(MoneyError::Negative));
        }

        #[test]
        fn printing_and_parsing_round_trips(ore in 0i64..=Money::MAX.ore()) {
            let money = Money::from_ore(ore).expect("non-negative");
            prop_assert_eq!(Money::parse(&money.to_string()), Ok(money));
        }
    }
}
