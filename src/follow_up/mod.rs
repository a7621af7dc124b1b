//! Follow-up after the grant (issue #16): the reporting plan, progress
//! reports (by the secretariat through the API, or by the project's contact
//! through a personal e-mail link), reminders, overdue reports.

pub mod dto;
pub mod http;
pub mod service;

use std::sync::{Arc, Mutex};

use chrono::NaiveDate;

use crate::domain::follow_up::ReminderRule;

/// Which day it is for the follow-up: the system's, or one set by a test
/// ("today is 14 days before the due date") without sleeping.
#[derive(Debug, Clone, Default)]
pub struct Clock(Option<Arc<Mutex<NaiveDate>>>);

impl Clock {
    /// A clock that says `day` until it is [`set`](Clock::set) to another.
    pub fn fixed(day: NaiveDate) -> Clock {
        Clock(Some(Arc::new(Mutex::new(day))))
    }

    /// Moves a fixed clock (a system clock stays the system's).
    pub fn set(&self, day: NaiveDate) {
        if let Some(cell) = &self.0 {
            if let Ok(mut d) = cell.lock() {
                *d = day;
            }
        }
    }

    pub fn today(&self) -> NaiveDate {
        match &self.0 {
            Some(cell) => cell.lock().map(|d| *d).unwrap_or_else(|_| crate::http::now().date()),
            None => crate::http::now().date(),
        }
    }
}

/// Reminders, report links and who hears of a stopped project.
#[derive(Debug, Clone)]
pub struct FollowUpSettings {
    pub reminders: ReminderRule,
    /// How long a report link works.
    pub link_days: i64,
    /// Where the prompt to consider a release goes (`SECRETARIAT_EMAIL`; default: the outbox's sender).
    pub secretariat_email: String,
    pub clock: Clock,
}

impl Default for FollowUpSettings {
    fn default() -> Self {
        FollowUpSettings {
            reminders: ReminderRule::default(),
            link_days: 30,
            secretariat_email: "klyngemidler@example.org".into(),
            clock: Clock::default(),
        }
    }
}
