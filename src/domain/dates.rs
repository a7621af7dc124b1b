//! Dates that tell the truth: the secretariat registers cases after the
//! meeting, so every step carries the date of the meeting that took it,
//! and those dates must fit together.

use chrono::{Days, NaiveDate};

/// A meeting may be registered at most this many days ahead (an agenda
/// prepared for next week); anything later is a typing mistake.
pub const MEETING_DAYS_AHEAD: u64 = 7;

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum DateError {
    #[error("must not be in the future (today is {today})")]
    ReceivedInFuture { today: NaiveDate },
    #[error("is before the application was received ({received_on}); a meeting cannot decide a case before it arrived")]
    BeforeReceived { received_on: NaiveDate },
    #[error("is before the meeting of the step before ({earlier}); steps follow each other")]
    BeforeEarlierStep { earlier: NaiveDate },
    #[error("is more than {MEETING_DAYS_AHEAD} days ahead (at most {latest}); write the date the meeting was held")]
    TooFarAhead { latest: NaiveDate },
}

/// An application is received today or earlier, never later.
pub fn check_received_on(received_on: NaiveDate, today: NaiveDate) -> Result<(), DateError> {
    if received_on > today { Err(DateError::ReceivedInFuture { today }) } else { Ok(()) }
}

/// A step's meeting date: on or after the day the application was
/// received and the meeting of the step before, and at most
/// [`MEETING_DAYS_AHEAD`] days after today.
pub fn check_meeting_date(
    meeting: NaiveDate,
    received_on: NaiveDate,
    earlier: Option<NaiveDate>,
    today: NaiveDate,
) -> Result<(), DateError> {
    if meeting < received_on {
        return Err(DateError::BeforeReceived { received_on });
    }
    if let Some(earlier) = earlier.filter(|e| meeting < *e) {
        return Err(DateError::BeforeEarlierStep { earlier });
    }
    let latest = today.checked_add_days(Days::new(MEETING_DAYS_AHEAD)).unwrap_or(today);
    if meeting > latest {
        return Err(DateError::TooFarAhead { latest });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).expect("date")
    }

    #[test]
    fn a_case_registered_after_the_meetings_keeps_their_dates() {
        let today = d(2026, 12, 1);
        assert_eq!(check_received_on(d(2022, 9, 15), today), Ok(()));
        assert_eq!(check_meeting_date(d(2022, 10, 4), d(2022, 9, 15), None, today), Ok(()));
        assert_eq!(check_meeting_date(d(2022, 10, 20), d(2022, 9, 15), Some(d(2022, 10, 4)), today), Ok(()));
    }

    #[test]
    fn dates_out_of_order_or_out_of_reach_are_refused() {
        let today = d(2026, 12, 1);
        assert_eq!(check_received_on(d(2026, 12, 2), today), Err(DateError::ReceivedInFuture { today }));
        assert_eq!(
            check_meeting_date(d(1900, 1, 1), d(2022, 9, 15), None, today),
            Err(DateError::BeforeReceived { received_on: d(2022, 9, 15) })
        );
        assert_eq!(
            check_meeting_date(d(2022, 10, 1), d(2022, 9, 15), Some(d(2022, 10, 4)), today),
            Err(DateError::BeforeEarlierStep { earlier: d(2022, 10, 4) })
        );
        assert_eq!(check_meeting_date(d(2026, 12, 8), d(2026, 11, 1), None, today), Ok(()), "a week ahead is fine");
        assert_eq!(check_meeting_date(d(2040, 1, 1), d(2026, 11, 1), None, today), Err(DateError::TooFarAhead { latest: d(2026, 12, 8) }));
    }
}
