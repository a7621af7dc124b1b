//! Queues the "decided" notices in the deciding transaction: to the
//! secretariat and the applicant's contact when an application is granted
//! or rejected at its last level (whichever way: e-mail links, a recorded
//! decision, a meeting), and to the secretariat when a carry-over is signed
//! off or rejected.

use chrono::NaiveDateTime;

use super::notices::{self, CaseDecided};
use super::templates::FactsKind;
use crate::db::applications::StoredApplication;
use crate::db::carry_overs::{self, CarryOverRow};
use crate::db::outbox::{Mail, queue_mail, queue_mails};
use crate::db::steps::NewStep;
use crate::db::{AnyConnection, StoreError};
use crate::domain::carry_over::CarryOverState;
use crate::domain::workflow::ApplicationState;

/// How a step decided, in words: "på mødet 4.10.2022 (…)", "pr. e-mail-link" …
pub fn how_da(step: &NewStep<'_>) -> String {
    let reference = crate::domain::values::one_line(step.reference);
    match step.meeting_date {
        Some(date) if reference.is_empty() => format!("på mødet {}", date.format("%-d.%-m.%Y")),
        Some(date) => format!("på mødet {} ({reference})", date.format("%-d.%-m.%Y")),
        None if reference.starts_with("Godkendelse pr. e-mail-link") => "pr. e-mail-link".into(),
        None if reference.is_empty() => "som registreret afgørelse".into(),
        None => format!("som registreret afgørelse ({reference})"),
    }
}

/// Tells the secretariat and the applicant's contact when the step moved
/// `app` from an open state to granted or rejected. Nothing otherwise.
pub fn application_decided(
    conn: &mut AnyConnection,
    app: &StoredApplication,
    after: ApplicationState,
    step: &NewStep<'_>,
    secretariat: &str,
    at: NaiveDateTime,
) -> Result<(), StoreError> {
    let was_final = matches!(app.state, ApplicationState::Approved { .. } | ApplicationState::Rejected { .. });
    let (granted, amount) = match after {
        ApplicationState::Approved { amount } => (true, amount),
        ApplicationState::Rejected { .. } => match app.state {
            ApplicationState::Reserved { amount, .. } | ApplicationState::Recommended { amount } => (false, amount),
            _ => (false, app.charter.requested),
        },
        _ => return Ok(()),
    };
    if was_final {
        return Ok(());
    }
    let pool = app.pool.to_string();
    let how = how_da(step);
    let d = CaseDecided { kind: FactsKind::Application, title: &app.charter.title, pool: &pool, granted, amount, how: &how, at };
    let mut mails = Vec::with_capacity(2);
    if !secretariat.trim().is_empty() {
        mails.push((secretariat, notices::decided(&d, "sekretariatet")));
    }
    let contact = app.charter.contact_email.trim();
    if !contact.is_empty() && !contact.eq_ignore_ascii_case(secretariat.trim()) {
        mails.push((contact, notices::decided(&d, "projektets kontaktperson")));
    }
    // Both in one statement.
    let queued: Vec<Mail<'_>> = mails.iter().map(|(to, m)| Mail { to, subject: &m.subject, text: &m.text, html: &m.html }).collect();
    Ok(queue_mails(conn, &queued, at)?)
}

/// Tells the secretariat that the political level's decision moved the
/// carry-over (`row`, as saved after it) or rejected it. A sign-off ahead of
/// the year's closing moves nothing yet and tells nobody.
pub fn carry_over_decided(
    conn: &mut AnyConnection,
    row: &CarryOverRow,
    how: &str,
    secretariat: &str,
    at: NaiveDateTime,
) -> Result<(), StoreError> {
    let executed = match row.state()? {
        CarryOverState::Executed => true,
        CarryOverState::Rejected => false,
        _ => return Ok(()),
    };
    if secretariat.trim().is_empty() {
        return Ok(());
    }
    let key = carry_overs::source_key(conn, row.id)?;
    let pool = key.as_ref().map_or_else(String::new, ToString::to_string);
    let from = key.map_or_else(|| "året".to_owned(), |k| k.year.get().to_string());
    let title = format!("Overførsel af restmidler fra {from} til {}", row.to_year);
    let d = CaseDecided { kind: FactsKind::CarryOver, title: &title, pool: &pool, granted: executed, amount: row.amount()?, how, at };
    let mail = notices::decided(&d, "sekretariatet");
    queue_mail(conn, secretariat, &mail.subject, &mail.text, &mail.html, at)?;
    Ok(())
}
