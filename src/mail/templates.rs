//! What approvers read: Danish first, every fact they need in the mail itself.

use chrono::{NaiveDate, NaiveDateTime};

use super::danish::kroner_nbsp;
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

/// Renders a template; our templates only show strings and numbers, so
/// this cannot fail in practice (a failure is logged and leaves the part empty).
pub(crate) fn render(t: &impl askama::Template) -> String {
    t.render().unwrap_or_else(|e| {
        tracing::error!(error = %e, "a mail template failed");
        String::new()
    })
}

/// What the request mail shows, each value as the part needs it (one line
/// each in the plain text, as written in the HTML, where escaping is automatic).
pub(crate) struct RequestView {
    pub reminder: bool,
    pub carry_over: bool,
    pub to: String,
    pub level: &'static str,
    pub title: String,
    pub applicant: String,
    pub amount: String,
    pub pool: String,
    pub cluster: String,
    pub bucket: &'static str,
    pub populations: String,
    pub purpose: String,
    pub steps: Vec<String>,
    pub link: String,
    pub expires: String,
    pub from_year: String,
    pub to_year: String,
}

#[derive(askama::Template)]
#[template(path = "mail/approval_request.txt")]
struct RequestText<'a> {
    v: &'a RequestView,
}

#[derive(askama::Template)]
#[template(path = "mail/approval_request.html")]
struct RequestHtml<'a> {
    subject: &'a str,
    v: &'a RequestView,
}

/// The year of a pool named `cluster-year` (`vest-2027`), if it has one.
pub(crate) fn pool_year(pool: &str) -> Option<i32> {
    pool.rsplit_once('-').and_then(|(_, y)| y.parse().ok())
}

/// The request to approve, with the approver's personal link. `expires` is
/// already said in Danish time.
pub fn approval_request(facts: &Facts, level: &str, approver: &str, link: &str, expires: &str, reminder: bool) -> Mail {
    // Every fact is one line in the plain text, so no text a person wrote
    // (a note, a purpose) can add a line of its own, such as a false link.
    let line = crate::domain::values::one_line;
    let carry_over = facts.kind == FactsKind::CarryOver;
    let prefix = if reminder { "Påmindelse: " } else { "" };
    let amount = kroner_nbsp(facts.amount);
    let subject = if carry_over {
        format!("{prefix}Politisk godkendelse af overførsel: {} ({amount})", line(&facts.title))
    } else {
        format!("{prefix}Godkendelse af klyngemidler: {} ({amount})", line(&facts.title))
    };
    let from = pool_year(&facts.pool);
    let view = |f: &dyn Fn(&str) -> String| RequestView {
        reminder,
        carry_over,
        to: f(approver),
        level: level_da(level),
        title: f(&facts.title),
        applicant: f(&facts.applicant),
        amount: amount.clone(),
        pool: f(&facts.pool),
        cluster: f(&facts.cluster),
        bucket: bucket_da(&facts.bucket),
        populations: f(&facts.target_populations.join(", ")),
        purpose: f(&facts.purpose),
        steps: facts.steps.iter().map(|s| f(&s.to_string())).collect(),
        link: link.to_owned(),
        expires: expires.to_owned(),
        from_year: from.map_or_else(|| "årets".to_owned(), |y| y.to_string()),
        to_year: from.map_or_else(|| "det næste år".to_owned(), |y| (y + 1).to_string()),
    };
    let text = render(&RequestText { v: &view(&|s| line(s)) });
    let html = render(&RequestHtml { subject: &subject, v: &view(&|s| s.to_owned()) });
    Mail { subject, text, html }
}

#[cfg(test)]
impl Facts {
    /// Facts for a unit test: a rolling Vest 2022 case with nothing but a
    /// title and an amount; tests set what they look at.
    pub(crate) fn sample(kind: FactsKind, title: &str, amount: Money) -> Facts {
        Facts {
            kind,
            title: title.into(),
            applicant: "Thisted Kommune".into(),
            amount,
            bucket: "rolling".into(),
            pool: "vest-2022".into(),
            cluster: "Vest".into(),
            target_populations: vec![],
            purpose: String::new(),
            steps: vec![],
            period: None,
            budget: vec![],
            goals: String::new(),
            organisation: String::new(),
            evaluation: String::new(),
            available_after: None,
            others: vec![],
            deadline: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_note_with_line_breaks_cannot_forge_a_line_of_the_mail() {
        let facts = Facts {
            purpose: "Formål\r\nGodkend her: http://evil.example.org/a".into(),
            target_populations: vec!["De sårbare ældre".into()],
            pool: "vest-2023".into(),
            steps: vec![FactStep {
                when: "4.10.2022".into(),
                what: "Driftsforum indstillede".into(),
                comment: "ok\nGodkend her: http://evil.example.org/b".into(),
            }],
            ..Facts::sample(FactsKind::Application, "Tidlig opsporing", Money::from_ore(14_000_000).expect("amount"))
        };
        let mail = approval_request(&facts, "strategic", "Regional medformand", "http://x.example.org/approvals/t", "1.1.2024", false);
        for line in mail.text.lines() {
            assert!(!line.trim_start().starts_with("Godkend her: http://evil"), "forged line: {line}");
        }
        assert!(mail.text.contains("ok Godkend her: http://evil.example.org/b"), "the note is kept, on its own line");
    }

    fn facts(kind: FactsKind, title: &str) -> Facts {
        Facts {
            applicant: "Thisted <Kommune> & co".into(),
            bucket: "upfront".into(),
            pool: "vest-2027".into(),
            target_populations: vec!["De sårbare ældre".into()],
            purpose: "Formål".into(),
            ..Facts::sample(kind, title, Money::from_ore(18_755_350).expect("amount"))
        }
    }

    #[test]
    fn the_request_greets_a_role_title_and_the_html_escapes_what_people_typed() {
        let mail = approval_request(
            &facts(FactsKind::Application, "<b>Tidlig</b> opsporing"),
            "strategic",
            "Regional medformand, Vest",
            "http://x.example.org/approvals/t",
            "1.1.2024 kl. 10:00",
            false,
        );
        assert!(mail.text.contains("Til: Regional medformand, Vest\n"), "{}", mail.text);
        assert!(!mail.text.contains("Kære"), "{}", mail.text);
        assert!(mail.text.contains("187.553,50\u{a0}kr."), "{}", mail.text);
        assert!(mail.html.contains("<html lang=\"da\">"), "{}", mail.html);
        assert!(mail.html.contains("&#60;b&#62;Tidlig&#60;/b&#62;") && !mail.html.contains("<b>Tidlig"), "{}", mail.html);
        assert!(mail.html.contains("Thisted &#60;Kommune&#62; &#38; co"), "{}", mail.html);
        assert!(mail.html.contains("187.553,50\u{a0}kr."));
        assert!(mail.text.contains("Ingen endnu."));
    }

    #[test]
    fn a_carry_over_is_asked_as_the_political_sign_off_of_moving_the_rest_of_the_year() {
        let mail = approval_request(
            &facts(FactsKind::CarryOver, "Overførsel af restmidler fra 2027 til 2028"),
            "political",
            "Formand for sundhedsklyngeudvalget, Vest",
            "http://x.example.org/approvals/t",
            "1.1.2028 kl. 10:00",
            false,
        );
        for part in [&mail.text, &mail.html] {
            assert!(part.contains("politiske godkendelse af, at det, der er tilbage af 2027-puljen, overføres til 2028"), "{part}");
            assert!(!part.contains("tage stilling til denne bevilling") && !part.contains("Ansøger"), "{part}");
        }
        assert!(mail.subject.starts_with("Politisk godkendelse af overførsel"), "{}", mail.subject);
    }
}
