//! How times and amounts read to people: Danish time and a non-breaking
//! space before "kr.", so an amount never wraps. Pure formatting; the time
//! to show comes in as a parameter.

use chrono::{NaiveDate, NaiveDateTime, Timelike};

use super::money::{Money, kroner};

/// "1.12.2026 kl. 15:30" in Danish time (Europe/Copenhagen, summer time included).
pub fn time_da(at: NaiveDateTime) -> String {
    let local = chrono::DateTime::<chrono::Utc>::from_naive_utc_and_offset(at, chrono::Utc).with_timezone(&chrono_tz::Europe::Copenhagen);
    format!("{} kl. {:02}:{:02}", date_da(local.date_naive()), local.hour(), local.minute())
}

/// "1.12.2026".
pub fn date_da(date: NaiveDate) -> String {
    date.format("%-d.%-m.%Y").to_string()
}

/// "187.553,50 kr." with a non-breaking space (U+00A0) before "kr.".
pub fn kroner_nbsp(m: Money) -> String {
    kroner(m).replace(" kr.", "\u{a0}kr.")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M").expect("time")
    }

    #[test]
    fn times_are_shown_in_danish_time_winter_and_summer() {
        assert_eq!(time_da(at("2026-12-01 14:30")), "1.12.2026 kl. 15:30", "winter: UTC+1");
        assert_eq!(time_da(at("2026-06-30 22:05")), "1.7.2026 kl. 00:05", "summer: UTC+2, past midnight");
    }

    #[test]
    fn an_amount_keeps_kr_on_its_line() {
        let m = Money::from_ore(18_755_350).expect("money");
        assert_eq!(kroner_nbsp(m), "187.553,50\u{a0}kr.");
    }
}
