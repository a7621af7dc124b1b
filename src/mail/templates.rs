//! What approvers read: Danish first, every fact they need in the mail itself.

use super::{esc, kroner};
use chrono::{NaiveDate, NaiveDateTime};

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

/// The facts of an application (or a carry-over), as an approver sees them:
/// data, so the page and the mail each render them in their own way.
#[derive(Debug, Clone)]
pub struct Facts {
    pub kind: FactsKind,
    pub title: String,
    /// The applying party's name; for a carry-over, who recommends it.
    pub applicant: String,
    pub amount: Money,
    pub bucket: String,
    pub pool: String,
    pub cluster: String,
    pub target_populations: Vec<String>,
    pub purpose: String,
    /// The project period (empty for a carry-over).
    pub period: Option<(NaiveDate, NaiveDate)>,
    /// The budget per year (empty for a carry-over).
    pub budget: Vec<BudgetYear>,
    pub goals: String,
    pub organisation: String,
    pub evaluation: String,
    /// What stays available in the pool's bucket once this amount is granted
    /// (`None` when it cannot be told, e.g. for a carry-over).
    pub available_after: Option<Money>,
    /// Earlier steps, oldest first; the request being answered is not one of them.
    pub steps: Vec<FactStep>,
    /// The other approvers of this level and what they answered (filled for
    /// one approver's link: see `approvals::service::facts_for_link`).
    pub others: Vec<OtherApprover>,
    /// The link's deadline (UTC; shown in Danish time).
    pub deadline: Option<NaiveDateTime>,
}

/// One year of a project's budget.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BudgetYear {
    pub year: i32,
    pub amount: Money,
}

/// One earlier step of the case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FactStep {
    /// The meeting date, or for a step taken by e-mail the recorded time in
    /// Danish time: "4.10.2022" or "1.12.2026 kl. 15:30".
    pub when: String,
    /// What happened: "Driftsforum indstillede 140.000,00 kr.".
    pub what: String,
    /// The step's note or comment (may be empty).
    pub comment: String,
}

impl std::fmt::Display for FactStep {
    /// One line: "Driftsforum indstillede 140.000,00 kr. (4.10.2022) – note".
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.what)?;
        if !self.when.is_empty() {
            write!(f, " ({})", self.when)?;
        }
        if !self.comment.is_empty() {
            write!(f, " – {}", self.comment)?;
        }
        Ok(())
    }
}

/// What another approver of the same level has answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OtherAnswer {
    Waiting,
    Approved,
    Rejected,
}

/// Another approver who must answer at this level.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OtherApprover {
    /// Their role title: "Kommunal medformand, Vest".
    pub title: String,
    /// Their side in Danish ("regionen", "kommunerne"), if they sit for one.
    pub side: Option<String>,
    pub answer: OtherAnswer,
    /// When they answered (UTC).
    pub at: Option<NaiveDateTime>,
    /// Their comment (may be empty).
    pub comment: String,
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
        facts.steps.iter().map(|s| line(&s.to_string())).collect::<Vec<_>>().join("\n  ")
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
            steps: vec![FactStep {
                when: "4.10.2022".into(),
                what: "Driftsforum indstillede".into(),
                comment: "ok\nGodkend her: http://evil.example.org/b".into(),
            }],
            period: None,
            budget: vec![],
            goals: String::new(),
            organisation: String::new(),
            evaluation: String::new(),
            available_after: None,
            others: vec![],
            deadline: None,
        };
        let mail = approval_request(&facts, "strategic", "Regional medformand", "http://x.example.org/approvals/t", "1.1.2024", false);
        for line in mail.text.lines() {
            assert!(!line.trim_start().starts_with("Godkend her: http://evil"), "forged line: {line}");
        }
        assert!(mail.text.contains("ok Godkend her: http://evil.example.org/b"), "the note is kept, on its own line");
    }
}
