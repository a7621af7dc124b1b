//! Applications (ansøgning / projektkommissorium): the project charter and
//! the rules it must meet before it can ask for cluster funds.

use std::collections::BTreeSet;

use chrono::{Datelike, NaiveDate};

use super::allocation::{AllocationModel, Bucket};
use super::eligibility::{Criterion, CriterionAnswer, check_answers};
use super::money::Money;
use super::values::{Name, Year, is_email_address, parse_note};

/// What the money would pay for. Only development work is fundable.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExpenseKind {
    Development,
    Operations,
    Secretariat,
}

impl ExpenseKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ExpenseKind::Development => "development",
            ExpenseKind::Operations => "operations",
            ExpenseKind::Secretariat => "secretariat",
        }
    }
}

/// Where a project comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    /// Raised in the cluster.
    Cluster,
    /// Sent by the regional health-cooperation committee (SSU): an ad-hoc project.
    Ssu,
}

impl Origin {
    pub fn as_str(self) -> &'static str {
        match self {
            Origin::Cluster => "cluster",
            Origin::Ssu => "ssu",
        }
    }

    pub fn parse(text: &str) -> Option<Origin> {
        [Origin::Cluster, Origin::Ssu].into_iter().find(|o| o.as_str() == text)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BudgetLine {
    pub year: Year,
    pub amount: Money,
}

/// A project charter that meets every rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Charter {
    pub title: String,
    /// Slug of the applying party, a party of the pool's cluster.
    pub applicant_party: String,
    /// Codes of the target populations, in the order given, without repeats.
    pub target_populations: Vec<String>,
    pub purpose: String,
    pub goals: String,
    pub organisation: String,
    pub evaluation: String,
    pub requested: Money,
    pub budget: Vec<BudgetLine>,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    pub bucket: Bucket,
    pub origin: Origin,
    pub contact_email: String,
    pub criteria: Vec<CriterionAnswer>,
    /// Slugs of the partner parties beside the applicant, in the order given, without repeats.
    pub partner_parties: Vec<String>,
    /// The pool's criteria the answers were checked against (a later
    /// criteria decision applies to charters registered after it).
    pub checked_against: Vec<Criterion>,
}

/// A charter as submitted, before the rules are checked. Amounts are parsed
/// already (money errors are reported by the caller under the same fields).
#[derive(Debug, Clone)]
pub struct CharterDraft {
    pub title: String,
    pub applicant_party: String,
    pub target_populations: Vec<String>,
    pub purpose: String,
    pub goals: String,
    pub organisation: String,
    pub evaluation: String,
    pub expense_kind: ExpenseKind,
    pub requested: Money,
    /// `None`: the whole amount falls in the year of `starts_on`.
    pub budget: Option<Vec<(i64, Money)>>,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    pub bucket: Option<Bucket>,
    pub origin: Origin,
    pub contact_email: String,
    pub criteria: Vec<CriterionAnswer>,
    pub partner_parties: Vec<String>,
}

/// What the charter is checked against: the pool and the cluster.
#[derive(Debug, Clone)]
pub struct CharterContext<'a> {
    pub model: AllocationModel,
    pub parties: &'a BTreeSet<String>,
    pub target_populations: &'a BTreeSet<String>,
    /// The criteria the answers are checked against.
    pub criteria: &'a [Criterion],
}

/// One broken rule: the charter field and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    pub field: String,
    pub message: String,
}

fn violation(field: impl Into<String>, message: impl Into<String>) -> Violation {
    Violation { field: field.into(), message: message.into() }
}

/// The bucket an application draws from when it names none: in a split pool,
/// SSU projects are ad hoc and the cluster's own are upfront.
pub fn default_bucket(model: AllocationModel, origin: Origin) -> Bucket {
    match (model, origin) {
        (AllocationModel::Split { .. }, Origin::Ssu) => Bucket::AdHoc,
        (AllocationModel::Split { .. }, Origin::Cluster) | (AllocationModel::Upfront, _) => Bucket::Upfront,
        (AllocationModel::Rolling, _) => Bucket::Rolling,
    }
}

impl Charter {
    /// Checks every rule and reports every broken one at once.
    pub fn check(draft: CharterDraft, ctx: &CharterContext<'_>) -> Result<Charter, Vec<Violation>> {
        let mut broken = Vec::new();
        let mut text = |field: &str, value: &str, max: usize, required: bool| -> String {
            let parsed = if required { Name::parse(value, max).map(Name::into_string) } else { parse_note(value, max) };
            parsed.unwrap_or_else(|e| {
                broken.push(violation(field, e.to_string()));
                String::new()
            })
        };
        let title = text("title", &draft.title, 200, true);
        let purpose = text("purpose", &draft.purpose, 10_000, true);
        let goals = text("goals", &draft.goals, 10_000, true);
        let organisation = text("organisation", &draft.organisation, 10_000, false);
        let evaluation = text("evaluation", &draft.evaluation, 10_000, false);
        let contact_email = text("contact_email", &draft.contact_email, 254, false);

        match draft.expense_kind {
            ExpenseKind::Development => {}
            ExpenseKind::Operations => broken.push(violation(
                "expense_kind",
                "cluster funds pay for development initiatives, not running costs (drift); apply for development work only",
            )),
            ExpenseKind::Secretariat => broken.push(violation(
                "expense_kind",
                "cluster funds pay for development initiatives, not secretariat support (sekretariatsbetjening)",
            )),
        }
        if !contact_email.is_empty() && !is_email_address(&contact_email) {
            broken.push(violation("contact_email", "is not an e-mail address"));
        }
        if !ctx.parties.contains(&draft.applicant_party) {
            broken.push(violation("applicant_party", format!("'{}' is not a party of the pool's cluster", draft.applicant_party)));
        }
        let mut partners: Vec<String> = Vec::new();
        for (i, slug) in draft.partner_parties.iter().enumerate() {
            if !ctx.parties.contains(slug) {
                broken.push(violation(format!("partner_parties[{i}]"), format!("'{slug}' is not a party of the pool's cluster")));
            } else if *slug == draft.applicant_party {
                broken.push(violation(
                    format!("partner_parties[{i}]"),
                    format!("'{slug}' is the applicant; name the other parties as partners"),
                ));
            } else if !partners.contains(slug) {
                partners.push(slug.clone());
            }
        }
        let mut populations: Vec<String> = Vec::new();
        for (i, code) in draft.target_populations.iter().enumerate() {
            if !ctx.target_populations.contains(code) {
                broken.push(violation(format!("target_populations[{i}]"), format!("'{code}' is not a known target population")));
            } else if !populations.contains(code) {
                populations.push(code.clone());
            }
        }
        if draft.target_populations.is_empty() {
            broken.push(violation("target_populations", "name at least one target population"));
        }
        if draft.requested.is_zero() {
            broken.push(violation("requested_amount", "must be more than 0.00"));
        }
        if draft.ends_on < draft.starts_on {
            broken.push(violation("ends_on", "must not be before starts_on"));
        }
        let bucket = draft.bucket.unwrap_or_else(|| default_bucket(ctx.model, draft.origin));
        if !ctx.model.has_bucket(bucket) {
            let names: Vec<&str> = ctx.model.buckets().iter().map(|b| b.as_str()).collect();
            broken.push(violation(
                "bucket",
                format!("a {} pool has no {} bucket; use {}", ctx.model.kind(), bucket.as_str(), names.join(" or ")),
            ));
        }
        let budget = check_budget(&draft, &mut broken);
        let criteria = check_answers(ctx.criteria, &draft.criteria).unwrap_or_else(|list| {
            broken.extend(list);
            Vec::new()
        });
        if broken.is_empty() {
            Ok(Charter {
                title,
                applicant_party: draft.applicant_party,
                target_populations: populations,
                purpose,
                goals,
                organisation,
                evaluation,
                requested: draft.requested,
                budget,
                starts_on: draft.starts_on,
                ends_on: draft.ends_on,
                bucket,
                origin: draft.origin,
                contact_email,
                criteria,
                partner_parties: partners,
                checked_against: ctx.criteria.to_vec(),
            })
        } else {
            Err(broken)
        }
    }
}

/// Budget lines are per year, positive, and sum exactly to the amount asked.
fn check_budget(draft: &CharterDraft, broken: &mut Vec<Violation>) -> Vec<BudgetLine> {
    let Some(lines) = &draft.budget else {
        return match Year::new(i64::from(draft.starts_on.year())) {
            Ok(year) => vec![BudgetLine { year, amount: draft.requested }],
            Err(e) => {
                broken.push(violation("starts_on", e.to_string()));
                Vec::new()
            }
        };
    };
    if lines.is_empty() {
        broken.push(violation("budget", "list at least one year, or leave budget out to put it all in the first year"));
        return Vec::new();
    }
    let mut out: Vec<BudgetLine> = Vec::new();
    let mut sum: Option<Money> = Some(Money::ZERO);
    for (i, (year, amount)) in lines.iter().enumerate() {
        match Year::new(*year) {
            Ok(y) if out.iter().any(|l| l.year == y) => broken.push(violation(format!("budget[{i}].year"), "appears twice")),
            Ok(y) => out.push(BudgetLine { year: y, amount: *amount }),
            Err(e) => broken.push(violation(format!("budget[{i}].year"), e.to_string())),
        }
        if amount.is_zero() {
            broken.push(violation(format!("budget[{i}].amount"), "must be more than 0.00"));
        }
        sum = sum.and_then(|s| s.checked_add(*amount));
    }
    if sum != Some(draft.requested) {
        let shown = sum.map_or_else(|| "too much".to_owned(), |s| s.to_string());
        broken.push(violation("budget", format!("the lines sum to {shown}, but requested_amount is {}", draft.requested)));
    }
    out.sort_by_key(|l| l.year);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::share::Share;

    fn m(s: &str) -> Money {
        Money::parse(s).expect("amount")
    }

    fn date(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("date")
    }

    fn draft() -> CharterDraft {
        CharterDraft {
            title: "Opsporing af skrøbelige ældre".into(),
            applicant_party: "thisted-kommune".into(),
            target_populations: vec!["vulnerable_elderly".into()],
            purpose: "Fælles opsporing".into(),
            goals: "Færre indlæggelser".into(),
            organisation: String::new(),
            evaluation: String::new(),
            expense_kind: ExpenseKind::Development,
            requested: m("150000.00"),
            budget: Some(vec![(2022, m("50000.00")), (2023, m("100000.00"))]),
            starts_on: date("2022-09-01"),
            ends_on: date("2023-12-31"),
            bucket: None,
            origin: Origin::Cluster,
            contact_email: "projektleder@example.org".into(),
            criteria: Vec::new(),
            partner_parties: vec!["region-nordjylland".into()],
        }
    }

    fn check(d: CharterDraft, model: AllocationModel) -> Result<Charter, Vec<Violation>> {
        let parties: BTreeSet<String> = ["thisted-kommune".to_string(), "region-nordjylland".to_string()].into();
        let pops: BTreeSet<String> = ["vulnerable_elderly".to_string(), "acute_area".to_string()].into();
        Charter::check(d, &CharterContext { model, parties: &parties, target_populations: &pops, criteria: &[] })
    }

    fn fields(r: Result<Charter, Vec<Violation>>) -> Vec<String> {
        r.err().map(|v| v.into_iter().map(|v| v.field).collect()).unwrap_or_default()
    }

    #[test]
    fn a_sound_charter_passes_and_defaults_its_bucket_from_the_model() {
        let split = AllocationModel::Split { upfront_share: Share::parse("0.70").expect("share") };
        assert_eq!(check(draft(), split).map(|c| c.bucket), Ok(Bucket::Upfront));
        let ssu = CharterDraft { origin: Origin::Ssu, ..draft() };
        assert_eq!(check(ssu, split).map(|c| c.bucket), Ok(Bucket::AdHoc));
        assert_eq!(check(draft(), AllocationModel::Rolling).map(|c| c.bucket), Ok(Bucket::Rolling));
    }

    #[test]
    fn running_costs_and_secretariat_support_are_not_fundable() {
        for kind in [ExpenseKind::Operations, ExpenseKind::Secretariat] {
            let r = check(CharterDraft { expense_kind: kind, ..draft() }, AllocationModel::Rolling);
            let v = r.expect_err("refused");
            assert_eq!(v[0].field, "expense_kind");
            assert!(v[0].message.contains("development"));
        }
    }

    #[test]
    fn every_broken_rule_is_reported_at_once() {
        let bad = CharterDraft {
            title: " ".into(),
            applicant_party: "nord-kommune".into(),
            partner_parties: vec!["region-nordjylland".into(), "hjorring-kommune".into()],
            target_populations: vec!["tourists".into()],
            budget: Some(vec![(2022, m("1.00")), (2022, m("0.00"))]),
            ends_on: date("2022-01-01"),
            bucket: Some(Bucket::AdHoc),
            contact_email: "nobody".into(),
            ..draft()
        };
        assert_eq!(
            fields(check(bad, AllocationModel::Rolling)),
            [
                "title",
                "contact_email",
                "applicant_party",
                "partner_parties[1]",
                "target_populations[0]",
                "ends_on",
                "bucket",
                "budget[1].year",
                "budget[1].amount",
                "budget"
            ]
        );
    }

    #[test]
    fn without_budget_lines_the_whole_amount_falls_in_the_first_year() {
        let c = check(CharterDraft { budget: None, ..draft() }, AllocationModel::Rolling).expect("valid");
        assert_eq!(c.budget, vec![BudgetLine { year: Year::new(2022).expect("year"), amount: m("150000.00") }]);
    }

    #[test]
    fn budget_lines_must_sum_to_the_amount_asked() {
        let off = CharterDraft { budget: Some(vec![(2022, m("50000.00")), (2023, m("99999.99"))]), ..draft() };
        assert_eq!(fields(check(off, AllocationModel::Rolling)), ["budget"]);
        assert_eq!(fields(check(CharterDraft { target_populations: vec![], ..draft() }, AllocationModel::Rolling)), ["target_populations"]);
    }
}
