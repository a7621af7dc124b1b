//! What the project's contact and the secretariat read about the follow-up:
//! reminders with a personal report link, and the prompt to consider a
//! release when a project has stopped. Danish, every fact in the mail.

use chrono::NaiveDate;

use super::esc;
use super::templates::Mail;
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

const SIGNATURE: &str = "Venlig hilsen\nSekretariatet for sundhedsklyngen\n";

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
    let text = format!(
        "Kære projektkontakt\n\n{lead}\n\n\
         Projekt:   {title}\n\
         Pulje:     {pool}\n\
         Rapport:   {what}, frist {due}\n\n\
         Aflever rapporten her (linket er personligt, kan bruges én gang og gælder til {expires}):\n{link}\n\n\
         Når du åbner linket, ændres intet; rapporten afleveres først, når du trykker Aflevér.\n\n{SIGNATURE}",
        pool = facts.pool,
    );
    let html = format!(
        "<!doctype html><html lang=\"da\"><body style=\"font-family:sans-serif;max-width:40em\">\
         <p>Kære projektkontakt</p><p>{lead}</p>\
         <table><tr><th align=left>Projekt</th><td>{title}</td></tr><tr><th align=left>Pulje</th><td>{pool}</td></tr>\
         <tr><th align=left>Rapport</th><td>{what}, frist {due}</td></tr></table>\
         <p><a href=\"{link}\">Aflever rapporten</a> (linket er personligt, kan bruges én gang og gælder til {expires}).</p>\
         <p>Når du åbner linket, ændres intet.</p><p>Venlig hilsen<br>Sekretariatet for sundhedsklyngen</p></body></html>",
        lead = esc(&lead),
        title = esc(&facts.title),
        pool = esc(&facts.pool),
        link = esc(link),
    );
    Mail { subject, text, html }
}

/// To the secretariat: a project reports that it has stopped.
pub fn release_prompt(facts: &GrantFacts, remaining: &str, report_text: &str) -> Mail {
    let title = one_line(&facts.title);
    let subject = format!("Projekt stoppet: overvej frigivelse af midler ({title})");
    let text = format!(
        "Til sekretariatet\n\n\
         Projektet \"{title}\" har i sin seneste rapport meddelt, at det er stoppet.\n\n\
         Bevilling:  {grant}\n\
         Pulje:      {pool}\n\
         Resterende: {remaining}\n\
         Rapporten:  {report}\n\n\
         Overvej at frigive de resterende midler til puljen (POST /api/v1/grants/{grant}/release).\n\n{SIGNATURE}",
        grant = facts.grant_id,
        pool = facts.pool,
        report = one_line(report_text),
    );
    let html = format!(
        "<!doctype html><html lang=\"da\"><body style=\"font-family:sans-serif;max-width:40em\">\
         <p>Til sekretariatet</p><p>Projektet &quot;{title}&quot; har i sin seneste rapport meddelt, at det er stoppet.</p>\
         <table><tr><th align=left>Bevilling</th><td>{grant}</td></tr><tr><th align=left>Pulje</th><td>{pool}</td></tr>\
         <tr><th align=left>Resterende</th><td>{remaining}</td></tr><tr><th align=left>Rapporten</th><td>{report}</td></tr></table>\
         <p>Overvej at frigive de resterende midler til puljen.</p><p>Venlig hilsen<br>Sekretariatet for sundhedsklyngen</p></body></html>",
        title = esc(&facts.title),
        grant = facts.grant_id,
        pool = esc(&facts.pool),
        remaining = esc(remaining),
        report = esc(report_text),
    );
    Mail { subject, text, html }
}
