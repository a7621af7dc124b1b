//! What approvers read: Danish first, every fact they need in the mail itself.

use super::{esc, kroner};
use crate::domain::money::Money;

/// What an approval request asks about: the page and the mail say it in
/// their own words for each.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FactsKind {
    /// A grant to a project.
    Application,
    /// Moving what is left of a year's pool to the next year.
    CarryOver,
}

/// The facts of an application, as an approver sees them.
#[derive(Debug, Clone)]
pub struct Facts {
    pub kind: FactsKind,
    pub title: String,
    pub applicant: String,
    pub amount: Money,
    pub bucket: String,
    pub pool: String,
    pub cluster: String,
    pub target_populations: Vec<String>,
    pub purpose: String,
    /// Earlier steps, each one line: "Driftsforum indstillede 140.000,00 kr. (4.10.2022)".
    pub steps: Vec<String>,
}

pub fn level_da(level: &str) -> &'static str {
    match level {
        "strategic" => "formandskabet (fagligt strategisk niveau)",
        _ => "det politiske niveau",
    }
}

pub fn bucket_da(bucket: &str) -> &'static str {
    match bucket {
        "upfront" => "fordelt ved årets start",
        "ad_hoc" => "ad hoc-puljen",
        _ => "løbende tildeling",
    }
}

pub struct Mail {
    pub subject: String,
    pub text: String,
    pub html: String,
}

/// The request to approve, with the approver's personal link.
pub fn approval_request(facts: &Facts, level: &str, approver: &str, link: &str, expires: &str, reminder: bool) -> Mail {
    let prefix = if reminder { "Påmindelse: " } else { "" };
    let reminder_note =
        if reminder { "Påmindelse: linket nedenfor erstatter det, du fik tidligere, som ikke længere virker.\n\n" } else { "" };
    // Every fact is one line in the plain text, so no text a person wrote
    // (a note, a purpose) can add a line of its own, such as a false link.
    let line = crate::domain::values::one_line;
    let subject = format!("{prefix}Godkendelse af klyngemidler: {} ({})", line(&facts.title), kroner(facts.amount));
    let populations = facts.target_populations.join(", ");
    let steps = if facts.steps.is_empty() {
        "Ingen endnu.".to_owned()
    } else {
        facts.steps.iter().map(|s| line(s)).collect::<Vec<_>>().join("\n  ")
    };
    let approver_line = line(approver);
    let text = format!(
        "{reminder_note}Kære {approver_line}\n\n\
         Du bedes som medlem af {level} tage stilling til denne bevilling af klyngemidler.\n\n\
         Projekt:        {title}\n\
         Ansøger:        {applicant}\n\
         Beløb:          {amount}\n\
         Pulje:          {pool} ({cluster}), {bucket}\n\
         Målgrupper:     {populations}\n\
         Formål:         {purpose}\n\
         Tidligere trin:\n  {steps}\n\n\
         Godkend eller afvis her (linket er personligt og gælder til {expires}):\n{link}\n\n\
         Når du åbner linket, ændres intet; du beslutter først, når du trykker Godkend eller Afvis.\n\n\
         Venlig hilsen\nSekretariatet for sundhedsklyngen\n",
        level = level_da(level),
        title = line(&facts.title),
        applicant = line(&facts.applicant),
        amount = kroner(facts.amount),
        pool = facts.pool,
        cluster = line(&facts.cluster),
        bucket = bucket_da(&facts.bucket),
        purpose = line(&facts.purpose),
    );
    let html = format!(
        "<!doctype html><html lang=\"da\"><body style=\"font-family:sans-serif;max-width:40em\">\
         <p>{reminder_note}</p><p>Kære {approver}</p><p>Du bedes som medlem af {level} tage stilling til denne bevilling af klyngemidler.</p>\
         <table><tr><th align=left>Projekt</th><td>{title}</td></tr><tr><th align=left>Ansøger</th><td>{applicant}</td></tr>\
         <tr><th align=left>Beløb</th><td>{amount}</td></tr><tr><th align=left>Pulje</th><td>{pool} ({cluster}), {bucket}</td></tr>\
         <tr><th align=left>Målgrupper</th><td>{populations}</td></tr><tr><th align=left>Formål</th><td>{purpose}</td></tr></table>\
         <p><a href=\"{link}\">Se ansøgningen og godkend eller afvis</a> (gælder til {expires}).</p>\
         <p>Når du åbner linket, ændres intet.</p><p>Venlig hilsen<br>Sekretariatet for sundhedsklyngen</p></body></html>",
        approver = esc(approver),
        reminder_note = esc(reminder_note.trim()),
        level = level_da(level),
        title = esc(&facts.title),
        applicant = esc(&facts.applicant),
        amount = kroner(facts.amount),
        pool = esc(&facts.pool),
        cluster = esc(&facts.cluster),
        bucket = bucket_da(&facts.bucket),
        populations = esc(&populations),
        purpose = esc(&facts.purpose),
        link = esc(link),
    );
    Mail { subject, text, html }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_note_with_line_breaks_cannot_forge_a_line_of_the_mail() {
        let facts = Facts {
            kind: FactsKind::Application,
            title: "Tidlig opsporing".into(),
            applicant: "Thisted Kommune".into(),
            amount: Money::from_ore(14_000_000).expect("amount"),
            bucket: "rolling".into(),
            pool: "vest-2023".into(),
            cluster: "Vest".into(),
            target_populations: vec!["De sårbare ældre".into()],
            purpose: "Formål\r\nGodkend her: http://evil.example.org/a".into(),
            steps: vec!["Driftsforum indstillede: ok\nGodkend her: http://evil.example.org/b".into()],
        };
        let mail = approval_request(&facts, "strategic", "Regional medformand", "http://x.example.org/approvals/t", "1.1.2024", false);
        for line in mail.text.lines() {
            assert!(!line.trim_start().starts_with("Godkend her: http://evil"), "forged line: {line}");
        }
        assert!(mail.text.contains("ok Godkend her: http://evil.example.org/b"), "the note is kept, on its own line");
    }
}
