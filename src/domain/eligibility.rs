//! Eligibility (issue #20): the criteria the strategic level sets for a
//! pool's projects (`001_…`, item 4.1), the charter's answers to them, and
//! the rule that a project crosses sectors: the funds are for patient
//! pathways "across the municipalities, general practice and hospitals".

use std::collections::BTreeSet;

use super::application::Violation;
use super::reference::PartyKind;
use super::values::Name;

/// How a criterion is answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CriterionKind {
    /// `yes` or `no`; a required one answered `no` keeps the project from funds.
    YesNo,
    /// Free text, not empty.
    Text,
    /// One of the criterion's options.
    Choice,
}

impl CriterionKind {
    pub const ALL: [CriterionKind; 3] = [CriterionKind::YesNo, CriterionKind::Text, CriterionKind::Choice];

    pub fn as_str(self) -> &'static str {
        match self {
            CriterionKind::YesNo => "yes_no",
            CriterionKind::Text => "text",
            CriterionKind::Choice => "choice",
        }
    }

    pub fn parse(text: &str) -> Option<CriterionKind> {
        CriterionKind::ALL.into_iter().find(|k| k.as_str() == text)
    }
}

/// One criterion a project must meet, as the strategic level wrote it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Criterion {
    pub code: String,
    pub text_da: String,
    #[serde(with = "kind_text")]
    pub kind: CriterionKind,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub options: Vec<String>,
    pub required: bool,
}

mod kind_text {
    use super::CriterionKind;
    pub fn serialize<S: serde::Serializer>(k: &CriterionKind, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(k.as_str())
    }
    pub fn deserialize<'de, D: serde::Deserializer<'de>>(d: D) -> Result<CriterionKind, D::Error> {
        let text: String = serde::Deserialize::deserialize(d)?;
        CriterionKind::parse(&text).ok_or_else(|| serde::de::Error::custom(format!("unknown criterion kind '{text}'")))
    }
}

/// A criterion as written, before its rules are checked.
#[derive(Debug, Clone)]
pub struct CriterionDraft {
    pub code: String,
    pub text_da: String,
    pub kind: CriterionKind,
    pub options: Option<Vec<String>>,
    pub required: bool,
}

/// An answer to one of the criteria the strategic level sets.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct CriterionAnswer {
    pub criterion: String,
    pub answer: String,
}

fn violation(field: impl Into<String>, message: impl Into<String>) -> Violation {
    Violation { field: field.into(), message: message.into() }
}

/// A criterion's code: 1-20 letters, digits, `-` or `_` (e.g. `K1`, `tvaersektorielt`).
fn is_code(text: &str) -> bool {
    (1..=20).contains(&text.len()) && text.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// Checks a pool's criteria as written, every broken rule at once
/// (fields `criteria[i].code`, `criteria[i].options`, …).
pub fn check_criteria(drafts: Vec<CriterionDraft>) -> Result<Vec<Criterion>, Vec<Violation>> {
    let mut broken = Vec::new();
    let mut out: Vec<Criterion> = Vec::new();
    if drafts.len() > 50 {
        return Err(vec![violation("criteria", "at most 50 criteria")]);
    }
    for (i, d) in drafts.into_iter().enumerate() {
        let code = d.code.trim().to_owned();
        if !is_code(&code) {
            broken.push(violation(format!("criteria[{i}].code"), "must be 1-20 letters, digits, '-' or '_', e.g. K1"));
        } else if out.iter().any(|c| c.code == code) {
            broken.push(violation(format!("criteria[{i}].code"), format!("'{code}' appears twice")));
        }
        let text_da = Name::parse(&d.text_da, 500).map(Name::into_string).unwrap_or_else(|e| {
            broken.push(violation(format!("criteria[{i}].text_da"), e.to_string()));
            String::new()
        });
        let mut options: Vec<String> = Vec::new();
        match (d.kind, d.options) {
            (CriterionKind::Choice, None) => {
                broken.push(violation(format!("criteria[{i}].options"), "a choice needs at least two options"))
            }
            (CriterionKind::Choice, Some(list)) => {
                for (j, o) in list.iter().enumerate() {
                    match Name::parse(o, 200) {
                        Ok(name) if options.contains(&name.as_str().to_owned()) => {
                            broken.push(violation(format!("criteria[{i}].options[{j}]"), "appears twice"))
                        }
                        Ok(name) => options.push(name.into_string()),
                        Err(e) => broken.push(violation(format!("criteria[{i}].options[{j}]"), e.to_string())),
                    }
                }
                if list.len() < 2 || list.len() > 20 {
                    broken.push(violation(format!("criteria[{i}].options"), "a choice needs 2 to 20 options"));
                }
            }
            (kind, Some(list)) if !list.is_empty() => broken.push(violation(
                format!("criteria[{i}].options"),
                format!("only a choice has options; a {} criterion has none", kind.as_str()),
            )),
            _ => {}
        }
        out.push(Criterion { code, text_da, kind: d.kind, options, required: d.required });
    }
    if broken.is_empty() { Ok(out) } else { Err(broken) }
}

/// Checks a charter's answers against the criteria, every problem at once,
/// each under the field `criteria[<code>]`: every required criterion
/// answered, answers of the right kind, no answers to criteria the pool does
/// not have, none twice. A `yes_no` answer is kept as `yes` or `no`.
pub fn check_answers(criteria: &[Criterion], answers: &[CriterionAnswer]) -> Result<Vec<CriterionAnswer>, Vec<Violation>> {
    let mut broken = Vec::new();
    let mut out: Vec<CriterionAnswer> = Vec::new();
    for a in answers {
        let code = a.criterion.trim();
        let field = format!("criteria[{code}]");
        let Some(c) = criteria.iter().find(|c| c.code == code) else {
            let known: Vec<&str> = criteria.iter().map(|c| c.code.as_str()).collect();
            let hint = if known.is_empty() {
                "the pool has no criteria".to_owned()
            } else {
                format!("the pool's criteria are {}", known.join(", "))
            };
            broken.push(violation(field, format!("'{code}' is not a criterion of the pool; {hint}")));
            continue;
        };
        if out.iter().any(|o| o.criterion == c.code) {
            broken.push(violation(field, format!("criterion {code} is answered twice")));
            continue;
        }
        let text = a.answer.trim();
        let answer = match c.kind {
            CriterionKind::YesNo => match text {
                "yes" | "no" => Some(text.to_owned()),
                _ => {
                    broken.push(violation(field, format!("criterion {code} is answered yes or no, not '{text}'")));
                    None
                }
            },
            CriterionKind::Choice => match c.options.iter().find(|o| o.as_str() == text) {
                Some(o) => Some(o.clone()),
                None => {
                    broken.push(violation(field, format!("criterion {code} is answered with one of: {}", c.options.join(", "))));
                    None
                }
            },
            CriterionKind::Text => match super::values::parse_note(text, 10_000) {
                Ok(t) if !t.is_empty() => Some(t),
                Ok(_) => {
                    broken.push(violation(field, format!("criterion {code} needs a written answer")));
                    None
                }
                Err(e) => {
                    broken.push(violation(field, format!("criterion {code}: {e}")));
                    None
                }
            },
        };
        if let Some(answer) = answer {
            out.push(CriterionAnswer { criterion: c.code.clone(), answer });
        }
    }
    for c in criteria.iter().filter(|c| c.required) {
        let answered = answers.iter().any(|a| a.criterion.trim() == c.code);
        if !answered {
            broken.push(violation(format!("criteria[{}]", c.code), format!("criterion {} ({}) is required; answer it", c.code, c.text_da)));
        }
    }
    if broken.is_empty() { Ok(out) } else { Err(broken) }
}

/// The three sectors a patient pathway crosses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Sector {
    Municipality,
    /// The region: its hospitals and psychiatry.
    Region,
    GeneralPractice,
}

impl Sector {
    pub const ALL: [Sector; 3] = [Sector::Municipality, Sector::Region, Sector::GeneralPractice];

    pub fn as_str(self) -> &'static str {
        match self {
            Sector::Municipality => "municipality",
            Sector::Region => "region",
            Sector::GeneralPractice => "general_practice",
        }
    }

    pub fn name_da(self) -> &'static str {
        match self {
            Sector::Municipality => "Kommune",
            Sector::Region => "Region",
            Sector::GeneralPractice => "Almen praksis",
        }
    }

    /// The sector a party belongs to; `other` parties belong to none.
    pub fn of(kind: PartyKind) -> Option<Sector> {
        match kind {
            PartyKind::Municipality => Some(Sector::Municipality),
            PartyKind::Region | PartyKind::Hospital | PartyKind::Psychiatry => Some(Sector::Region),
            PartyKind::GeneralPractice => Some(Sector::GeneralPractice),
            PartyKind::Other => None,
        }
    }
}

/// The sectors of a project's parties (applicant and partners), each once, in a fixed order.
pub fn sectors_of(kinds: &[PartyKind]) -> Vec<Sector> {
    kinds.iter().filter_map(|k| Sector::of(*k)).collect::<BTreeSet<_>>().into_iter().collect()
}

/// A project's sector combination as one key, e.g. `municipality+general_practice`
/// (`none` when no party belongs to a sector).
pub fn combination_key(sectors: &[Sector]) -> String {
    if sectors.is_empty() {
        return "none".into();
    }
    sectors.iter().map(|s| s.as_str()).collect::<Vec<_>>().join("+")
}

/// How many projects span one combination of sectors, and how many of them were granted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CombinationCount {
    pub sectors: Vec<Sector>,
    pub projects: usize,
    pub granted: usize,
}

/// Counts projects (each with its sectors and whether it was granted) per sector combination,
/// ordered by the combination's key.
pub fn count_by_combination(projects: &[(Vec<Sector>, bool)]) -> Vec<CombinationCount> {
    let mut out: Vec<CombinationCount> = Vec::new();
    for (sectors, granted) in projects {
        let i = match out.iter().position(|c| c.sectors == *sectors) {
            Some(i) => i,
            None => {
                out.push(CombinationCount { sectors: sectors.clone(), projects: 0, granted: 0 });
                out.len() - 1
            }
        };
        out[i].projects += 1;
        out[i].granted += usize::from(*granted);
    }
    out.sort_by_key(|c| combination_key(&c.sectors));
    out
}

/// Why a project may not be recommended or granted (it may still be a draft).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Ineligibility {
    #[error("criterion {code} ({text_da}) is required and answered no")]
    RequiredAnsweredNo { code: String, text_da: String },
    #[error(
        "the pool requires projects across sectors (cross_sector_required): applicant and partners must span at least two of \
         municipality; region, hospital or psychiatry; general practice, but this one spans {}",
        if .sectors.is_empty() { "none".to_owned() } else { .sectors.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(", ") }
    )]
    SingleSector { sectors: Vec<Sector> },
}

/// What keeps a registered charter from funds: required `yes_no` criteria
/// answered `no`, and (when the pool requires it) fewer than two sectors.
pub fn assess(criteria: &[Criterion], answers: &[CriterionAnswer], sectors: &[Sector], cross_sector_required: bool) -> Vec<Ineligibility> {
    let mut found: Vec<Ineligibility> = criteria
        .iter()
        .filter(|c| c.required && c.kind == CriterionKind::YesNo)
        .filter(|c| answers.iter().any(|a| a.criterion == c.code && a.answer == "no"))
        .map(|c| Ineligibility::RequiredAnsweredNo { code: c.code.clone(), text_da: c.text_da.clone() })
        .collect();
    if cross_sector_required && sectors.len() < 2 {
        found.push(Ineligibility::SingleSector { sectors: sectors.to_vec() });
    }
    found
}

/// A charter's eligibility in Danish, one line each, for an indstilling:
/// `Kriterium K1 (Projektet går på tværs af sektorer): Ja` per criterion (in
/// the pool's order; `Ikke besvaret` when left out), then
/// `Parter: Kommune, Almen praksis`.
pub fn describe_da(criteria: &[Criterion], answers: &[CriterionAnswer], sectors: &[Sector]) -> Vec<String> {
    let mut lines: Vec<String> = criteria
        .iter()
        .map(|c| {
            let answer = answers.iter().find(|a| a.criterion == c.code).map(|a| a.answer.as_str());
            let shown = match (c.kind, answer) {
                (_, None) => "Ikke besvaret".to_owned(),
                (CriterionKind::YesNo, Some("yes")) => "Ja".to_owned(),
                (CriterionKind::YesNo, Some("no")) => "Nej".to_owned(),
                (_, Some(text)) => super::values::one_line(text),
            };
            format!("Kriterium {} ({}): {shown}", c.code, c.text_da)
        })
        .collect();
    let names: Vec<&str> = sectors.iter().map(|s| s.name_da()).collect();
    lines.push(format!("Parter: {}", if names.is_empty() { "ingen sektor".to_owned() } else { names.join(", ") }));
    lines
}

#[cfg(test)]
mod tests;
