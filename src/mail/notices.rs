//! What people are told after the fact, each through the outbox: the
//! approver's receipt, the other approvers and the secretariat when someone
//! answers, the secretariat and the applicant's contact when a case is
//! decided, and the secretariat when a request expires. None of them carries
//! a link with a token: only an approver's own request mail does.

use chrono::NaiveDateTime;

use super::danish::{danish_time, kroner_nbsp};
use super::templates::{Facts, FactsKind, Mail, render};
use crate::domain::money::Money;
use crate::domain::values::one_line;

/// One notice: who it is to, paragraphs before the facts, the facts, and paragraphs after.
struct Notice {
    subject: String,
    to: String,
    lead: Vec<String>,
    rows: Vec<(&'static str, String)>,
    after: Vec<String>,
}

#[derive(askama::Template)]
#[template(path = "mail/notice.txt")]
struct NoticeText<'a> {
    to: &'a str,
    lead: &'a [String],
    rows: &'a [String],
    after: &'a [String],
}

#[derive(askama::Template)]
#[template(path = "mail/notice.html")]
struct NoticeHtml<'a> {
    subject: &'a str,
    to: &'a str,
    lead: &'a [String],
    rows: &'a [(&'static str, String)],
    after: &'a [String],
}

impl Notice {
    /// The plain text keeps every value on one line (nothing a person typed
    /// can add a line of its own); the HTML escapes by itself.
    fn mail(self) -> Mail {
        let lines = |ps: &[String]| ps.iter().map(|p| one_line(p)).collect::<Vec<_>>();
        let rows: Vec<String> = self.rows.iter().map(|(l, v)| format!("{:<16}{}", format!("{l}:"), one_line(v))).collect();
        let subject = one_line(&self.subject);
        let text = render(&NoticeText { to: &one_line(&self.to), lead: &lines(&self.lead), rows: &rows, after: &lines(&self.after) });
        let html = render(&NoticeHtml { subject: &subject, to: &self.to, lead: &self.lead, rows: &self.rows, after: &self.after });
        Mail { subject, text, html }
    }
}

/// What an answer led to, as the notices say it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Next {
    /// Others must still answer.
    Waiting,
    /// The grant is made.
    Granted,
    /// Approved; the political level is asked next.
    ToPolitical,
    /// Rejected: the request is ended; a reservation is given back.
    Rejected,
    /// The carry-over was signed off and the money moved.
    CarriedOver,
}

impl Next {
    fn da(self, kind: FactsKind) -> &'static str {
        match (self, kind) {
            (Next::Waiting, _) => "Der ventes stadig på svar fra de øvrige godkendere.",
            (Next::Granted, _) => "Alle har godkendt, og bevillingen er nu givet.",
            (Next::ToPolitical, _) => "Alle har godkendt. Sagen går nu videre til det politiske niveau.",
            (Next::Rejected, FactsKind::CarryOver) => "Overførslen er afvist; restmidlerne bliver i puljen.",
            (Next::Rejected, FactsKind::Application) => "Sagen er afvist, og de reserverede midler er frigivet.",
            (Next::CarriedOver, _) => "Alle har godkendt, og restmidlerne er nu overført til det nye år.",
        }
    }
}

/// An approver's answer through their link.
pub struct Answered<'a> {
    pub facts: &'a Facts,
    /// Who answered: their role title ("Regional medformand, Vest").
    pub approver: &'a str,
    pub approved: bool,
    pub comment: &'a str,
    pub at: NaiveDateTime,
    pub next: Next,
}

fn what_label(kind: FactsKind) -> &'static str {
    match kind {
        FactsKind::Application => "Projekt",
        FactsKind::CarryOver => "Overførsel",
    }
}

fn case_rows(facts: &Facts) -> Vec<(&'static str, String)> {
    vec![
        (what_label(facts.kind), facts.title.clone()),
        ("Beløb", kroner_nbsp(facts.amount)),
        ("Pulje", format!("{} ({})", facts.pool, facts.cluster)),
    ]
}

impl Answered<'_> {
    fn verb(&self) -> &'static str {
        if self.approved { "godkendt" } else { "afvist" }
    }

    fn rows(&self) -> Vec<(&'static str, String)> {
        let mut rows = case_rows(self.facts);
        rows.push(("Svar", if self.approved { "Godkendt".into() } else { "Afvist".into() }));
        rows.push(("Tidspunkt", danish_time(self.at)));
        if !self.comment.trim().is_empty() {
            rows.push(("Kommentar", self.comment.to_owned()));
        }
        rows
    }
}

/// The receipt to the approver who answered.
pub fn receipt(a: &Answered<'_>) -> Mail {
    Notice {
        subject: format!("Kvittering: du har {} {}", a.verb(), a.facts.title),
        to: a.approver.to_owned(),
        lead: vec![format!("Dit svar er registreret {}. Du har {} sagen nedenfor.", danish_time(a.at), a.verb())],
        rows: a.rows(),
        after: vec![
            format!("Hvad sker der nu: {}", a.next.da(a.facts.kind)),
            "Dit link kan ikke bruges igen. Har du svaret forkert, så kontakt sekretariatet.".into(),
        ],
    }
    .mail()
}

/// Where another approver of the same request stands after the answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TheirLink {
    /// Their answer is still wanted, through the link they have.
    StillNeeded,
    /// The answer ended it, or someone answered for their seat: their link no longer applies.
    NoLongerApplies,
    /// They have answered already.
    Answered,
}

/// To another approver of the request: what was answered, and what it means for their link.
pub fn answered_to_other(a: &Answered<'_>, recipient: &str, theirs: TheirLink) -> Mail {
    let mut after = vec![];
    if !a.approved {
        after.push(
            "Sagen er dermed afsluttet, og linket i den e-mail, du fik om sagen, gælder ikke længere. Du skal ikke gøre mere.".into(),
        );
    } else {
        match theirs {
            TheirLink::StillNeeded => {
                after.push("Vi mangler stadig dit svar. Brug linket i den e-mail, du fik om sagen; denne e-mail har intet link.".into())
            }
            TheirLink::NoLongerApplies => after.push(format!(
                "Svaret gælder også for din plads, så linket i den e-mail, du fik om sagen, gælder ikke længere. {}",
                a.next.da(a.facts.kind)
            )),
            TheirLink::Answered => after.push(a.next.da(a.facts.kind).into()),
        }
    }
    Notice {
        subject: format!("{} har {} {}", a.approver, a.verb(), a.facts.title),
        to: recipient.to_owned(),
        lead: vec![format!("{} har {} sagen nedenfor {}.", a.approver, a.verb(), danish_time(a.at))],
        rows: a.rows(),
        after,
    }
    .mail()
}

/// To the secretariat: an approver answered.
pub fn answered_to_secretariat(a: &Answered<'_>, approver_email: &str) -> Mail {
    Notice {
        subject: format!("Svar modtaget: {} har {} {}", a.approver, a.verb(), a.facts.title),
        to: "sekretariatet".into(),
        lead: vec![format!("{} ({approver_email}) har {} sagen nedenfor gennem sit personlige link.", a.approver, a.verb())],
        rows: a.rows(),
        after: vec![format!("Status: {}", a.next.da(a.facts.kind))],
    }
    .mail()
}

/// A case decided at its last level.
pub struct CaseDecided<'a> {
    pub kind: FactsKind,
    pub title: &'a str,
    pub pool: &'a str,
    pub granted: bool,
    /// The amount granted, or the amount asked about when rejected.
    pub amount: Money,
    /// How it was decided: "på mødet 4.10.2022 (pkt. 3)", "pr. e-mail-link" …
    pub how: &'a str,
    pub at: NaiveDateTime,
}

/// To the secretariat or the applicant's contact (`to` says whom, in words): the case is decided.
pub fn decided(d: &CaseDecided<'_>, to: &str) -> Mail {
    let (subject, lead) = match (d.kind, d.granted) {
        (FactsKind::Application, true) => (
            format!("Bevilget: {}", d.title),
            format!("Ansøgningen er bevilget med {}. Beslutningen blev truffet {}.", kroner_nbsp(d.amount), d.how),
        ),
        (FactsKind::Application, false) => {
            (format!("Afvist: {}", d.title), format!("Ansøgningen er afvist. Beslutningen blev truffet {}.", d.how))
        }
        (FactsKind::CarryOver, true) => (
            format!("Overførsel godkendt: {}", d.title),
            format!(
                "Det politiske niveau har godkendt overførslen, og {} er overført. Beslutningen blev truffet {}.",
                kroner_nbsp(d.amount),
                d.how
            ),
        ),
        (FactsKind::CarryOver, false) => (
            format!("Overførsel afvist: {}", d.title),
            format!("Det politiske niveau har afvist overførslen; restmidlerne bliver i puljen. Beslutningen blev truffet {}.", d.how),
        ),
    };
    Notice {
        subject,
        to: to.to_owned(),
        lead: vec![lead],
        rows: vec![
            (what_label(d.kind), d.title.to_owned()),
            ("Pulje", d.pool.to_owned()),
            ("Beløb", kroner_nbsp(d.amount)),
            ("Afgjort", danish_time(d.at)),
        ],
        after: vec!["Har du spørgsmål, så kontakt sekretariatet for sundhedsklyngen.".into()],
    }
    .mail()
}

/// To the secretariat: a request expired with answers missing.
pub fn expired(facts: &Facts, request_id: i64, missing: &[String], at: NaiveDateTime) -> Mail {
    let mut rows = case_rows(facts);
    rows.push(("Anmodning", format!("nr. {request_id}")));
    rows.push(("Mangler svar fra", missing.join(", ")));
    rows.push(("Udløbet", danish_time(at)));
    let money = match facts.kind {
        FactsKind::Application => "Pengene forbliver reserveret til sagen, indtil I sender nye links eller trækker anmodningen tilbage.",
        FactsKind::CarryOver => "Intet er overført. Send nye links, eller træk anmodningen tilbage.",
    };
    Notice {
        subject: format!("Udløbet uden svar: {}", facts.title),
        to: "sekretariatet".into(),
        lead: vec!["Alle links i en anmodning om godkendelse er udløbet, uden at alle har svaret.".into()],
        rows,
        after: vec![
            money.into(),
            format!("Nye links: POST /api/v1/approvals/{request_id}/resend. Træk tilbage: POST /api/v1/approvals/{request_id}/revoke."),
        ],
    }
    .mail()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts() -> Facts {
        Facts::sample(FactsKind::Application, "Tidlig <opsporing>", Money::from_ore(15_000_000).expect("amount"))
    }

    #[test]
    fn a_receipt_says_what_was_answered_when_in_danish_time_and_what_comes_next() {
        let at = chrono::NaiveDate::from_ymd_opt(2026, 12, 1).and_then(|d| d.and_hms_opt(14, 30, 0)).expect("time");
        let f = facts();
        let a = Answered {
            facts: &f,
            approver: "Regional medformand, Vest",
            approved: false,
            comment: "Nej\nGodkend her: http://evil.example.org",
            at,
            next: Next::Rejected,
        };
        let mail = receipt(&a);
        assert!(mail.text.starts_with("Til: Regional medformand, Vest\n"), "{}", mail.text);
        assert!(mail.text.contains("1.12.2026 kl. 15:30") && mail.text.contains("150.000,00\u{a0}kr."), "{}", mail.text);
        assert!(mail.text.contains("Afvist") && mail.text.contains("frigivet"), "{}", mail.text);
        assert!(!mail.text.lines().any(|l| l.starts_with("Godkend her")), "{}", mail.text);
        assert!(mail.html.contains("Tidlig &#60;opsporing&#62;") && mail.html.contains("lang=\"da\""), "{}", mail.html);
        let other = answered_to_other(&a, "Kommunal medformand, Vest", TheirLink::StillNeeded);
        assert!(other.text.contains("gælder ikke længere"), "a rejection ends it: {}", other.text);
        let waiting = answered_to_other(&Answered { approved: true, next: Next::Waiting, ..a }, "K", TheirLink::StillNeeded);
        assert!(waiting.text.contains("mangler stadig dit svar"), "{}", waiting.text);
    }
}
