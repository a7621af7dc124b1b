//! How mails say amounts and times to people: Danish format, Danish time.

use chrono::{NaiveDateTime, TimeZone, Utc};
use chrono_tz::Europe::Copenhagen;

use crate::domain::money::{Money, kroner};

/// "187.553,50 kr." with a non-breaking space before "kr.", so the amount
/// never wraps away from its unit (CSV and the API keep [`kroner`]).
pub fn kroner_nbsp(m: Money) -> String {
    kroner(m).replace(" kr.", "\u{a0}kr.")
}

/// A moment kept in UTC, told in Danish time: "1.12.2026 kl. 15:30".
pub fn danish_time(utc: NaiveDateTime) -> String {
    Utc.from_utc_datetime(&utc).with_timezone(&Copenhagen).format("%-d.%-m.%Y kl. %H:%M").to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_are_told_in_danish_time_and_amounts_keep_their_unit() {
        let at = |s: &str| NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").expect("time");
        assert_eq!(danish_time(at("2026-12-01 14:30")), "1.12.2026 kl. 15:30", "winter: UTC+1");
        assert_eq!(danish_time(at("2026-07-01 14:30")), "1.7.2026 kl. 16:30", "summer: UTC+2");
        let m = Money::parse("187553.50").expect("amount");
        assert_eq!(kroner_nbsp(m), "187.553,50\u{a0}kr.");
    }
}
