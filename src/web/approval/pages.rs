//! The approval pages as askama templates (automatic HTML escaping) and
//! the view of the facts they show: every amount with a non-breaking space
//! before "kr.", every time in Danish time.

use askama::Template;

use crate::approvals::service::{Decided, LevelOutcome};
use crate::domain::danish::{date_da, kroner_nbsp, time_da};
use crate::mail::templates::{FactStep, Facts, FactsKind, OtherAnswer, bucket_da, level_da};

/// Renders a page; a template that cannot render (it cannot fail on data
/// like ours, but askama says it might) becomes a short page of its own.
pub(crate) fn render(page: &impl Template) -> String {
    page.render().unwrap_or_else(|e| {
        tracing::error!(error = %e, "a page did not render");
        super::super::page("Prøv igen om lidt", "<p>Siden kunne ikke vises. Prøv igen om et øjeblik.</p>")
    })
}

pub(crate) struct BudgetRow {
    pub year: i32,
    pub amount: String,
}

pub(crate) struct OtherRow {
    pub title: String,
    pub side: String,
    pub answer: String,
    pub comment: String,
}

/// The facts, ready for the page.
pub(crate) struct FactsView {
    pub subject_label: &'static str,
    pub subject: String,
    pub applicant_label: &'static str,
    pub applicant: String,
    pub amount: String,
    pub pool_label: &'static str,
    pub pool: String,
    pub bucket_place: String,
    pub available_after: Option<String>,
    pub period: Option<String>,
    pub populations: String,
    pub purpose: String,
    pub goals: String,
    pub organisation: String,
    pub evaluation: String,
    pub budget: Vec<BudgetRow>,
    pub steps: Vec<FactStep>,
    pub others: Vec<OtherRow>,
    pub deadline: String,
}

impl FactsView {
    pub fn of(f: &Facts) -> FactsView {
        let carry_over = f.kind == FactsKind::CarryOver;
        FactsView {
            subject_label: if carry_over { "Sagen" } else { "Projekt" },
            subject: f.title.clone(),
            applicant_label: if carry_over { "Indstillet af" } else { "Ansøger" },
            applicant: f.applicant.clone(),
            amount: kroner_nbsp(f.amount),
            pool_label: if carry_over { "Fra puljen" } else { "Pulje" },
            pool: if carry_over {
                format!("{} ({})", f.pool, f.cluster)
            } else {
                format!("{} ({}), {}", f.pool, f.cluster, bucket_da(&f.bucket))
            },
            bucket_place: format!("puljens {}", bucket_place(&f.bucket)),
            available_after: f.available_after.map(kroner_nbsp),
            period: f.period.map(|(from, to)| format!("{}–{}", date_da(from), date_da(to))),
            populations: f.target_populations.join(", "),
            purpose: f.purpose.clone(),
            goals: f.goals.clone(),
            organisation: f.organisation.clone(),
            evaluation: f.evaluation.clone(),
            budget: f.budget.iter().map(|b| BudgetRow { year: b.year, amount: kroner_nbsp(b.amount) }).collect(),
            steps: f.steps.clone(),
            others: f
                .others
                .iter()
                .map(|o| OtherRow {
                    title: o.title.clone(),
                    side: o.side.clone().unwrap_or_default(),
                    answer: match (o.answer, o.at) {
                        (OtherAnswer::Waiting, _) => "har endnu ikke svaret".into(),
                        (OtherAnswer::Approved, Some(at)) => format!("godkendte den {}", time_da(at)),
                        (OtherAnswer::Approved, None) => "har godkendt".into(),
                        (OtherAnswer::Rejected, Some(at)) => format!("afviste den {}", time_da(at)),
                        (OtherAnswer::Rejected, None) => "har afvist".into(),
                    },
                    comment: o.comment.clone(),
                })
                .collect(),
            deadline: f.deadline.map(time_da).unwrap_or_else(|| "angivet i e-mailen".into()),
        }
    }
}

/// The bucket as the place the money is in: "løbende tildeling".
fn bucket_place(bucket: &str) -> &'static str {
    match bucket {
        "upfront" => "forhåndspulje (fordelt ved årets start)",
        "ad_hoc" => "ad hoc-pulje",
        _ => "løbende tildeling",
    }
}

#[derive(Template)]
#[template(path = "approval/show.html")]
pub(crate) struct ShowPage {
    pub title: String,
    pub approver: String,
    pub ask: String,
    pub error: Option<String>,
    pub facts: FactsView,
    pub token: String,
    pub nonce: String,
    pub comment: String,
}

impl ShowPage {
    pub fn new(facts: &Facts, approver: &str, level: &str, token: &str, nonce: &str) -> ShowPage {
        let carry_over = facts.kind == FactsKind::CarryOver;
        let what = if carry_over { "overførslen af restmidler" } else { "ansøgningen om klyngemidler" };
        ShowPage {
            title: if carry_over { "Godkendelse af overførsel af restmidler".into() } else { "Godkendelse af klyngemidler".into() },
            approver: approver.to_owned(),
            ask: format!("Du bedes som medlem af {} tage stilling til {what} nedenfor.", level_da(level)),
            error: None,
            facts: FactsView::of(facts),
            token: token.to_owned(),
            nonce: nonce.to_owned(),
            comment: String::new(),
        }
    }
}

#[derive(Template)]
#[template(path = "approval/confirm.html")]
pub(crate) struct ConfirmPage {
    pub title: String,
    pub summary: String,
    pub comment_label: &'static str,
    pub comment: String,
    pub consequence: String,
    pub token: String,
    pub nonce: String,
    pub decision: &'static str,
    pub button: &'static str,
    pub button_class: &'static str,
}

impl ConfirmPage {
    pub fn new(facts: &Facts, approve: bool, comment: &str, token: &str, nonce: &str) -> ConfirmPage {
        let amount = kroner_nbsp(facts.amount);
        let summary = match (facts.kind, approve) {
            (FactsKind::Application, true) => format!("Du godkender {amount} til {} fra puljen {}.", facts.title, facts.pool),
            (FactsKind::Application, false) => {
                format!("Du afviser ansøgningen om {amount} til {} fra puljen {}.", facts.title, facts.pool)
            }
            (FactsKind::CarryOver, true) => format!("Du godkender overførslen af {amount} i restmidler fra puljen {}.", facts.pool),
            (FactsKind::CarryOver, false) => format!("Du afviser overførslen af {amount} i restmidler fra puljen {}.", facts.pool),
        };
        let consequence = match (facts.kind, approve) {
            (_, true) => "Når du bekræfter, er din godkendelse registreret. Den kan ikke fortrydes via linket.",
            (FactsKind::Application, false) => {
                "Når du bekræfter, er ansøgningen afvist, og de reserverede midler frigives i puljen. Det kan ikke fortrydes via linket."
            }
            (FactsKind::CarryOver, false) => {
                "Når du bekræfter, er overførslen afvist, og restmidlerne bliver i puljen. Det kan ikke fortrydes via linket."
            }
        };
        ConfirmPage {
            title: if approve { "Bekræft din godkendelse".into() } else { "Bekræft din afvisning".into() },
            summary,
            comment_label: if approve { "Bemærkning" } else { "Begrundelse" },
            comment: comment.to_owned(),
            consequence: consequence.to_owned(),
            token: token.to_owned(),
            nonce: nonce.to_owned(),
            decision: if approve { "approve" } else { "reject" },
            button: if approve { "Bekræft godkendelse" } else { "Bekræft afvisning" },
            button_class: if approve { "approve" } else { "reject" },
        }
    }
}

#[derive(Template)]
#[template(path = "approval/receipt.html")]
pub(crate) struct ReceiptPage {
    pub title: String,
    pub decided: &'static str,
    pub subject_label: &'static str,
    pub subject: String,
    pub amount: String,
    pub at: String,
    pub comment: String,
    pub next: String,
    pub contact: String,
}

impl ReceiptPage {
    pub fn new(facts: &Facts, approved: bool, decided: &Decided, comment: &str, at: chrono::NaiveDateTime, contact: &str) -> ReceiptPage {
        let carry_over = facts.kind == FactsKind::CarryOver;
        let next = match decided {
            Decided::Waiting => {
                let waiting: Vec<&str> =
                    facts.others.iter().filter(|o| o.answer == OtherAnswer::Waiting).map(|o| o.title.as_str()).collect();
                if waiting.is_empty() {
                    "Der ventes stadig på svar fra de øvrige godkendere. Sagen er afgjort, når alle har godkendt.".to_owned()
                } else {
                    format!("Der ventes stadig på svar fra: {}. Sagen er afgjort, når alle har godkendt.", waiting.join(", "))
                }
            }
            Decided::LevelDone(LevelOutcome::Granted) => "Alle har godkendt, og bevillingen er nu givet.".to_owned(),
            Decided::LevelDone(LevelOutcome::ToPolitical) => {
                "Formandskabet har godkendt. Sagen går nu videre til det politiske niveau, som træffer den endelige afgørelse.".to_owned()
            }
            Decided::LevelDone(LevelOutcome::Rejected) if carry_over => {
                format!("Overførslen er afvist. Restmidlerne bliver i puljen {}.", facts.pool)
            }
            Decided::LevelDone(LevelOutcome::Rejected) => {
                "Ansøgningen er afvist, og de reserverede midler er frigivet i puljen.".to_owned()
            }
            Decided::LevelDone(LevelOutcome::CarriedOver) => "Alle har godkendt, og restmidlerne er nu overført til det nye år.".to_owned(),
        };
        ReceiptPage {
            title: if approved { "Din godkendelse er registreret".into() } else { "Din afvisning er registreret".into() },
            decided: if approved { "Godkendt" } else { "Afvist" },
            subject_label: if carry_over { "Sagen" } else { "Projekt" },
            subject: facts.title.clone(),
            amount: kroner_nbsp(facts.amount),
            at: time_da(at),
            comment: comment.to_owned(),
            next,
            contact: contact.to_owned(),
        }
    }
}

#[derive(Template)]
#[template(path = "message.html")]
pub(crate) struct ProblemPage {
    pub title: String,
    pub paragraphs: Vec<String>,
    pub contact: String,
}
