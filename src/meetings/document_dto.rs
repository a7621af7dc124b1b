//! The agenda and the minutes as JSON: a [`MeetingDocument`] on the wire.

use chrono::NaiveDate;
use serde::Serialize;
use utoipa::ToSchema;

use super::document::{DocumentKind, MeetingDocument};

/// A label and its value, formatted in Danish.
#[derive(Debug, Serialize, ToSchema)]
pub struct FactDto {
    pub label: String,
    pub value: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DocumentItemDto {
    pub number: u32,
    pub title: String,
    pub case_text: Vec<String>,
    pub facts: Vec<FactDto>,
    pub indstilling_intro: String,
    pub proposals: Vec<String>,
    /// Minutes: the outcome in the minutes' words ("Godkendt. Indstillingen blev fulgt.").
    pub outcome: Option<String>,
    pub referat: Vec<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct FigureRowDto {
    pub label: String,
    /// One amount per column.
    pub amounts: Vec<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PoolFiguresDto {
    pub caption: String,
    pub columns: Vec<String>,
    pub rows: Vec<FigureRowDto>,
}

/// The agenda (dagsorden) or the decision minutes (beslutningsreferat), in Danish.
#[derive(Debug, Serialize, ToSchema)]
pub struct DocumentDto {
    /// `agenda` or `minutes`.
    #[schema(example = "agenda")]
    pub kind: String,
    pub meeting: i64,
    pub cluster_name: String,
    pub forum: String,
    pub title: String,
    pub date: NaiveDate,
    pub location: String,
    pub attendees: Vec<String>,
    pub apologies: Vec<String>,
    pub reference: Option<String>,
    /// When the figures were read, in Danish time ("1. december 2026 kl. 12.45").
    pub printed_at: String,
    pub items: Vec<DocumentItemDto>,
    /// Each pool's status at the time of printing.
    pub pools: Vec<PoolFiguresDto>,
}

pub fn document_dto(meeting: i64, d: MeetingDocument) -> DocumentDto {
    DocumentDto {
        kind: match d.kind {
            DocumentKind::Agenda => "agenda".into(),
            DocumentKind::Minutes => "minutes".into(),
        },
        meeting,
        cluster_name: d.cluster_name,
        forum: d.forum_da,
        title: d.title,
        date: d.date,
        location: d.location,
        attendees: d.attendees,
        apologies: d.apologies,
        reference: d.reference,
        printed_at: d.printed_at,
        items: d
            .items
            .into_iter()
            .map(|i| DocumentItemDto {
                number: i.number,
                title: i.title,
                case_text: i.case_text,
                facts: i.facts.into_iter().map(|(label, value)| FactDto { label, value }).collect(),
                indstilling_intro: i.indstilling_intro,
                proposals: i.proposals,
                outcome: i.outcome,
                referat: i.referat,
            })
            .collect(),
        pools: d
            .pools
            .into_iter()
            .map(|p| PoolFiguresDto {
                caption: p.caption,
                columns: p.columns,
                rows: p
                    .rows
                    .into_iter()
                    .map(|(label, amounts)| FigureRowDto { label, amounts: amounts.into_iter().map(|m| m.to_string()).collect() })
                    .collect(),
            })
            .collect(),
    }
}
