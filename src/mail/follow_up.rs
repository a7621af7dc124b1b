//! What the project's contact and the secretariat read about the follow-up:
//! reminders with a personal report link, and the prompt to consider a
//! release when a project has stopped. Danish, every fact in the mail.

use chrono::NaiveDate;

use super::templates::{Mail, render};
use crate::domain::follow_up::{Progress, Reminder, ReportKind};
use crate::domain::values::one_line;

/// The grant a mail is about.
#[derive(Debug, Clone)]
pub struct GrantFacts {
    pub grant_id: i64,
    pub title: String,
    pub pool: String,
}

pub fn kind_da(kind: ReportKind) -> &'static str {
    match kind {
        ReportKind::Status => "statusrapport",
        ReportKind::Final => "slutrapport",
    }
}

pub fn progress_da(progress: Progress) -> &'static str {
    match progress {
        Progress::OnTrack => "forløber som planlagt",
        Progress::Delayed => "er forsinket",
        Progress::Stopped => "er stoppet",
    }
}

pub fn date_da(d: NaiveDate) -> String {
    d.format("%-d.%-m.%Y").to_string()
}

#[derive(askama::Template)]
#[template(path = "mail/report_reminder.txt")]
struct ReminderText<'a> {
    lead: &'a str,
    title: &'a str,
    pool: &'a str,
    what: &'a str,
    due: &'a str,
    link: &'a str,
    expires: &'a str,
}

#[derive(askama::Template)]
#[template(path = "mail/report_reminder.html")]
struct ReminderHtml<'a> {
    subject: &'a str,
    lead: &'a str,
    title: &'a str,
    pool: &'a str,
    what: &'a str,
    due: &'a str,
    link: &'a str,
    expires: &'a str,
}

/// A reminder before or after the due date, with the personal link.
pub fn reminder(facts: &GrantFacts, kind: ReportKind, due_on: NaiveDate, reminder: Reminder, link: &str, expires: &str) -> Mail {
    let what = kind_da(kind);
    let due = date_da(due_on);
    let title = one_line(&facts.title);
    let (subject, lead) = match reminder {
        Reminder::Before => (
            format!("Påmindelse: {what} for {title} skal afleveres senest {due}"),
            format!("Projektet skal aflevere en {what} til sundhedsklyngen senest {due}."),
        ),
        Reminder::After => (
            format!("Rykker: {what} for {title} skulle være afleveret {due}"),
            format!("Vi har endnu ikke modtaget projektets {what}, som skulle være afleveret {due}."),
        ),
    };
    let pool = one_line(&facts.pool);
    let text = render(&ReminderText { lead: &lead, title: &title, pool: &pool, what, due: &due, link, expires });
    let html =
        render(&ReminderHtml { subject: &subject, lead: &lead, title: &facts.title, pool: &facts.pool, what, due: &due, link, expires });
    Mail { subject, text, html }
}

#[derive(askama::Template)]
#[template(path = "mail/release_prompt.txt")]
struct ReleaseText<'a> {
    title: &'a str,
    grant: i64,
    pool: &'a str,
    remaining: &'a str,
    report: &'a str,
}

#[derive(askama::Template)]
#[template(path = "mail/release_prompt.html")]
struct ReleaseHtml<'a> {
    subject: &'a str,
    title: &'a str,
    grant: i64,
    pool: &'a str,
    remaining: &'a str,
    report: &'a str,
}

/// To the secretariat: a project reports that it has stopped.
pub fn release_prompt(facts: &GrantFacts, remaining: &str, report_text: &str) -> Mail {
    let title = one_line(&facts.title);
    let subject = format!("Projekt stoppet: overvej frigivelse af midler ({title})");
    let remaining = remaining.replace(" kr.", "\u{a0}kr."); // `remaining` comes formatted by `kroner`
    let text = render(&ReleaseText {
        title: &title,
        grant: facts.grant_id,
        pool: &one_line(&facts.pool),
        remaining: &remaining,
        report: &one_line(report_text),
    });
    let html = render(&ReleaseHtml {
        subject: &subject,
        title: &facts.title,
        grant: facts.grant_id,
        pool: &facts.pool,
        remaining: &remaining,
        report: report_text,
    });
    Mail { subject, text, html }
}
