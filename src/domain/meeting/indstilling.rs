//! The drafted indstilling of an agenda item, in Danish, made from the
//! case's own figures: what is applied for, by whom, for whom, the
//! operations forum's recommendation, what the bucket has left after it, and
//! the numbered proposals ("Det indstilles, at …: 1) … 2) …").

use super::Forum;
use crate::domain::allocation::{AllocationModel, Bucket};
use crate::domain::money::{Money, kroner};

/// A drafted (or edited) item text: its title, case text and proposals.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Draft {
    pub title: String,
    /// Paragraphs.
    pub case_text: Vec<String>,
    /// The numbered proposals, without their numbers.
    pub proposals: Vec<String>,
}

/// The bucket as a sentence names it.
pub fn bucket_da(bucket: Bucket) -> &'static str {
    match bucket {
        Bucket::Upfront => "midlerne fordelt ved årets start",
        Bucket::AdHoc => "ad hoc-puljen",
        Bucket::Rolling => "den løbende tildeling",
    }
}

/// An allocation model in words.
pub fn model_da(model: AllocationModel) -> String {
    match model {
        AllocationModel::Upfront => "alle midler fordeles i starten af året".to_owned(),
        AllocationModel::Rolling => "midlerne tildeles løbende".to_owned(),
        AllocationModel::Split { upfront_share } => {
            let pct = |s: crate::domain::share::Share| s.percent().to_string().replace('.', ",");
            format!(
                "{} % af midlerne fordeles i starten af året og {} % til ad hoc-projekter",
                pct(upfront_share),
                pct(upfront_share.complement())
            )
        }
    }
}

/// "Det indstilles, at Fagligt strategisk niveau i Sundhedsklynge Vest:".
pub fn intro(forum: Forum, cluster_name: &str) -> String {
    format!("Det indstilles, at {} i {cluster_name}:", forum.name_da().to_lowercase())
}

/// "a, b og c".
pub fn listing(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} og {last}", init.join(", ")),
    }
}

/// What is known of an application when its item is drafted.
#[derive(Debug, Clone)]
pub struct ApplicationCase<'a> {
    pub forum: Forum,
    pub title: &'a str,
    pub purpose: &'a str,
    /// The applicant party's name ("Thisted Kommune").
    pub applicant: &'a str,
    /// Further lines about the case (partners, criteria answers), already in Danish.
    pub eligibility: Vec<String>,
    /// The target populations' Danish names.
    pub target_populations: Vec<String>,
    pub requested: Money,
    /// The operations forum's recommended amount, once recommended.
    pub recommended: Option<Money>,
    /// What the decision at this meeting would grant (or reserve).
    pub amount: Money,
    pub bucket: Bucket,
    /// Available in the bucket before this decision.
    pub available: Money,
    /// The grant also needs the political level's sign-off.
    pub political_sign_off: bool,
    /// The operations forum's own recommendation is the grant (within its limit).
    pub within_forum_limit: bool,
}

/// The drafted item for an application.
pub fn application(case: &ApplicationCase<'_>) -> Draft {
    let amount = kroner(case.amount);
    let bucket = bucket_da(case.bucket);
    let mut text = vec![format!(
        "{} søger {} fra {bucket} til projektet »{}« for {}.",
        case.applicant,
        kroner(case.requested),
        case.title,
        if case.target_populations.is_empty() {
            "klyngens fælles patienter".to_owned()
        } else {
            format!("målgrupperne {}", listing(&case.target_populations).to_lowercase())
        }
    )];
    if !case.purpose.is_empty() {
        text.push(case.purpose.to_owned());
    }
    text.extend(case.eligibility.iter().cloned());
    if let Some(r) = case.recommended {
        text.push(format!("Driftsforum har indstillet projektet med {}", kroner(r)));
    }
    match case.available.checked_sub(case.amount) {
        Some(left) => text.push(format!(
            "Der er {} til rådighed i {bucket}; efter en bevilling på {amount} er der {} tilbage.",
            kroner(case.available),
            kroner(left)
        )),
        None => text.push(format!("Der er kun {} til rådighed i {bucket}; det rækker ikke til {amount}", kroner(case.available))),
    }
    let proposals = match case.forum {
        Forum::OperationsForum if case.within_forum_limit => {
            vec![format!("Godkender projektet »{}« med {amount} (inden for driftsforums beløbsgrænse).", case.title)]
        }
        Forum::OperationsForum => {
            vec![format!("Indstiller projektet »{}« med {amount} til godkendelse på fagligt strategisk niveau.", case.title)]
        }
        Forum::Strategic => {
            let mut p = vec![format!("Godkender projektet »{}« med {amount} fra {bucket}.", case.title)];
            if case.political_sign_off {
                p.push("Sender bevillingen videre til endelig godkendelse på politisk niveau.".to_owned());
            }
            p
        }
        Forum::Political => vec![format!("Godkender bevillingen på {amount} til projektet »{}«.", case.title)],
    };
    Draft { title: format!("Ansøgning: {}", case.title), case_text: text, proposals }
}

/// What is known of a carry-over when its item is drafted.
#[derive(Debug, Clone)]
pub struct CarryOverCase<'a> {
    pub forum: Forum,
    pub from_year: i32,
    pub to_year: i32,
    /// `None`: what is left when the pool closes.
    pub amount: Option<Money>,
    pub recommendation_reference: &'a str,
}

/// The drafted item for a carry-over of unspent funds.
pub fn carry_over(case: &CarryOverCase<'_>) -> Draft {
    let what = case.amount.map_or_else(|| "det, der er tilbage ved årets udgang,".to_owned(), kroner);
    let mut text = vec![format!("Det indstilles, at {what} af klyngemidlerne for {} overføres til {}.", case.from_year, case.to_year)];
    if !case.recommendation_reference.is_empty() {
        text.push(format!("Indstillingen kommer fra driftsforum ({}).", case.recommendation_reference));
    }
    text.push("En overførsel kræver godkendelse på politisk niveau.".to_owned());
    let proposals = match case.forum {
        Forum::Political => vec![format!("Godkender, at {what} overføres fra {} til {}.", case.from_year, case.to_year)],
        _ => vec![format!(
            "Sender overførslen af {what} fra {} til {} videre til godkendelse på politisk niveau.",
            case.from_year, case.to_year
        )],
    };
    Draft { title: format!("Overførsel af klyngemidler fra {} til {}", case.from_year, case.to_year), case_text: text, proposals }
}

/// The drafted item for the allocation model of a pool.
pub fn model(year: i32, total: Money, current: AllocationModel, proposed: Option<AllocationModel>) -> Draft {
    let text = vec![
        format!("Puljen for {year} er på {} I dag gælder, at {}.", kroner(total), model_da(current)),
        "Mulige modeller: a) alle midler fordeles i starten af året, b) en andel fordeles i starten af året og resten til ad hoc-projekter, c) midlerne tildeles løbende.".to_owned(),
    ];
    let proposals = match proposed {
        Some(m) => vec![format!("Godkender, at {}.", model_da(m))],
        None => vec!["Drøfter og træffer beslutning om tildelingsmodel for midlerne.".to_owned()],
    };
    Draft { title: format!("Tildelingsmodel for klyngemidlerne {year}"), case_text: text, proposals }
}

/// The drafted item for a note (orientering).
pub fn note(title: &str, text: &str) -> Draft {
    let paragraphs = text.split("\n\n").map(str::trim).filter(|p| !p.is_empty()).map(str::to_owned).collect();
    Draft { title: title.to_owned(), case_text: paragraphs, proposals: vec!["Tager orienteringen til efterretning.".to_owned()] }
}

/// What is known of an amendment when its item is drafted.
#[derive(Debug, Clone)]
pub struct AmendmentCase<'a> {
    pub forum: Forum,
    pub title: &'a str,
    pub before: Money,
    pub after: Money,
    pub ends_before: chrono::NaiveDate,
    pub ends_after: chrono::NaiveDate,
    pub reason: &'a str,
    /// Available in the bucket now (an increase is reserved already).
    pub available: Money,
}

/// The drafted item for an amendment of a grant.
pub fn amendment(case: &AmendmentCase<'_>) -> Draft {
    let mut text =
        vec![format!("Bevillingen til projektet »{}« på {} ønskes ændret til {}.", case.title, kroner(case.before), kroner(case.after))];
    if case.ends_after != case.ends_before {
        text.push(format!("Projektet forlænges eller afkortes til {}.", case.ends_after.format("%d.%m.%Y")));
    }
    if !case.reason.is_empty() {
        text.push(format!("Begrundelse: {}", case.reason));
    }
    match case.after.checked_sub(case.before) {
        Some(extra) if !extra.is_zero() => text.push(format!(
            "Forhøjelsen på {} er reserveret; der er herefter {} til rådighed i puljen.",
            kroner(extra),
            kroner(case.available)
        )),
        _ => text
            .push(format!("Nedsættelsen giver {} tilbage til puljen.", kroner(case.before.checked_sub(case.after).unwrap_or(Money::ZERO)))),
    }
    let proposals = vec![match case.forum {
        Forum::Political => format!("Godkender ændringen af bevillingen til {}.", kroner(case.after)),
        _ => format!("Godkender, at bevillingen til projektet »{}« ændres til {}.", case.title, kroner(case.after)),
    }];
    Draft { title: format!("Ændring af bevilling: {}", case.title), case_text: text, proposals }
}

/// The drafted item for a project's status (a standing item).
pub fn grant_status(title: &str, granted: Money, disbursed: Money, latest: Option<(&str, &str)>) -> Draft {
    let mut text = vec![format!("Projektet »{title}« har fået bevilget {}, og der er udbetalt {}.", kroner(granted), kroner(disbursed))];
    match latest {
        Some((progress, report)) => {
            text.push(format!("Seneste statusrapport: {progress}."));
            if !report.is_empty() {
                text.push(report.to_owned());
            }
        }
        None => text.push("Der er endnu ikke modtaget en statusrapport.".to_owned()),
    }
    Draft { title: format!("Status på projekt: {title}"), case_text: text, proposals: vec!["Tager status til efterretning.".to_owned()] }
}
