//! What an agenda (dagsorden) or decision minutes (beslutningsreferat) say,
//! ready to render: plain data, every text already in Danish, every figure
//! computed from the ledger when the document was asked for. The renderers
//! in [`super::html`] and [`super::word`] only lay it out.

use chrono::NaiveDate;

use crate::domain::money::Money;

/// Which of the two documents of a meeting.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DocumentKind {
    /// Dagsorden: before the sitting, with the drafted indstillinger.
    Agenda,
    /// Beslutningsreferat: after the sitting, each item with its outcome.
    Minutes,
}

impl DocumentKind {
    /// The heading word: "Dagsorden" or "Beslutningsreferat".
    pub fn heading_da(self) -> &'static str {
        match self {
            DocumentKind::Agenda => "Dagsorden",
            DocumentKind::Minutes => "Beslutningsreferat",
        }
    }
}

/// One meeting's agenda or minutes.
#[derive(Debug, Clone)]
pub struct MeetingDocument {
    pub kind: DocumentKind,
    /// "Sundhedsklynge Vest".
    pub cluster_name: String,
    /// "Fagligt strategisk niveau", "Driftsforum", "Politisk niveau".
    pub forum_da: String,
    /// "13. møde på fagligt strategisk niveau i Sundhedsklynge Vest".
    pub title: String,
    pub date: NaiveDate,
    /// "Teams – digitalt møde" or a room; may be empty.
    pub location: String,
    /// Attendees by role ("Regional medformand", "Kommunal medformand", …).
    pub attendees: Vec<String>,
    /// Apologies (afbud), by role.
    pub apologies: Vec<String>,
    /// Minutes only: the reference the decisions carry ("Referat 13.10.2022").
    pub reference: Option<String>,
    /// "1. december 2026 kl. 12.45" (Europe/Copenhagen): when the figures were read.
    pub printed_at: String,
    pub items: Vec<DocumentItem>,
    /// The status of each pool an item draws on, as it was when printed.
    pub pools: Vec<PoolFigures>,
}

impl MeetingDocument {
    /// The meeting date in Danish words: "26. november 2026".
    pub fn date_da(&self) -> String {
        use chrono::Datelike;
        const MONTHS: [&str; 12] =
            ["januar", "februar", "marts", "april", "maj", "juni", "juli", "august", "september", "oktober", "november", "december"];
        format!("{}. {} {}", self.date.day(), MONTHS[self.date.month0() as usize], self.date.year())
    }
}

/// One numbered agenda item.
#[derive(Debug, Clone)]
pub struct DocumentItem {
    /// 1, 2, 3 … in agenda order.
    pub number: u32,
    /// "Ansøgning: Tværsektoriel udskrivelse af ældre medicinske patienter".
    pub title: String,
    /// The short case text, as paragraphs.
    pub case_text: Vec<String>,
    /// Computed facts of the case as label and value, e.g. ("Ansøgt beløb",
    /// "187.553,50 kr."), ("Ansøger", "Thisted Kommune"). Already formatted.
    pub facts: Vec<(String, String)>,
    /// "Det indstilles, at Fagligt strategisk niveau i Sundhedsklynge Vest:".
    pub indstilling_intro: String,
    /// The numbered proposals of the indstilling (numbered 1) 2) … when shown).
    pub proposals: Vec<String>,
    /// Minutes only: the outcome in the seeds' words ("Godkendt",
    /// "Indstillingen blev fulgt", "Sendes videre til drøftelse på politisk niveau", "Udsat").
    pub outcome: Option<String>,
    /// Minutes only: the referat (what was said / the reason), as paragraphs.
    pub referat: Vec<String>,
}

/// A pool's figures in a table: one column per bucket, one row per figure.
#[derive(Debug, Clone)]
pub struct PoolFigures {
    /// "Pulje vest-2023 (Sundhedsklynge Vest, 2023)".
    pub caption: String,
    /// The bucket columns, e.g. ["Projekter ved årets start", "Ad hoc-projekter", "I alt"].
    pub columns: Vec<String>,
    /// ("Bevilget", [amount per column]) … every row as long as `columns`.
    pub rows: Vec<(String, Vec<Money>)>,
}
