//! A made-up decision minutes of Sundhedsklynge Vest, for the renderers'
//! tests (unit and API) to lay out. Roles only, no people's names.

use chrono::NaiveDate;

use super::document::{DocumentItem, DocumentKind, MeetingDocument, PoolFigures};
use crate::domain::money::Money;

fn kr(ore: i64) -> Money {
    Money::from_ore(ore).expect("a sample amount")
}

fn texts(lines: &[&str]) -> Vec<String> {
    lines.iter().map(|l| (*l).to_owned()).collect()
}

/// Minutes with an orientation item, an application of 187.553,50 kr. and a
/// referral, and the pool they draw on. Set `kind` to
/// [`DocumentKind::Agenda`] (and clear outcomes) for the agenda.
#[doc(hidden)]
pub fn sample_document() -> MeetingDocument {
    let forum = "Fagligt strategisk niveau i Sundhedsklynge Vest";
    let intro = format!("Det indstilles, at {forum}:");
    MeetingDocument {
        kind: DocumentKind::Minutes,
        cluster_name: "Sundhedsklynge Vest".to_owned(),
        forum_da: "Fagligt strategisk niveau".to_owned(),
        title: "13. møde på fagligt strategisk niveau i Sundhedsklynge Vest".to_owned(),
        date: NaiveDate::from_ymd_opt(2026, 11, 26).expect("a date"),
        location: "Teams – digitalt møde".to_owned(),
        attendees: texts(&[
            "Regional medformand",
            "Kommunal medformand",
            "Direktør, Morsø Kommune",
            "Chef, Thisted Kommune",
            "Chef for det nære sundhedsvæsen, Aalborg Universitetshospital",
            "Formand, PLO-Nordjylland",
            "Patientinddragelsesudvalget",
            "Regional sekretær",
            "Kommunal sekretær",
        ]),
        apologies: texts(&["Chef, Morsø Kommune"]),
        reference: Some("Referat 26.11.2026".to_owned()),
        printed_at: "1. december 2026 kl. 12.45".to_owned(),
        items: vec![
            DocumentItem {
                number: 1,
                title: "Velkomst og orientering v. formandskabet".to_owned(),
                case_text: texts(&["Formandskabet byder velkommen og rammesætter kort opgaver og indhold på fagligt strategisk niveau."]),
                facts: Vec::new(),
                indstilling_intro: intro.clone(),
                proposals: texts(&["Tager orienteringen til efterretning."]),
                outcome: Some("Orienteringen blev taget til efterretning.".to_owned()),
                referat: texts(&["Formandskabet orienterede om rammerne for gruppens opgaver."]),
            },
            DocumentItem {
                number: 2,
                title: "Ansøgning: Tværsektoriel udskrivelse af ældre medicinske patienter".to_owned(),
                case_text: texts(&[
                    "Thisted Kommune og Aalborg Universitetshospital, Thisted søger om midler til et projekt om tværsektoriel udskrivelse af ældre medicinske patienter.",
                    "Projektet løber i 2027 og afrapporteres til driftsforum.",
                ]),
                facts: vec![
                    ("Ansøger".to_owned(), "Thisted Kommune".to_owned()),
                    ("Ansøgt beløb".to_owned(), "187.553,50 kr.".to_owned()),
                    ("Pulje".to_owned(), "Pulje vest-2026".to_owned()),
                ],
                indstilling_intro: intro.clone(),
                proposals: texts(&["Godkender ansøgningen med 187.553,50 kr.", "Beder driftsforum følge projektet."]),
                outcome: Some("Godkendt".to_owned()),
                referat: texts(&["Gruppen fandt projektet velbeskrevet og i tråd med sundhedsaftalen."]),
            },
            DocumentItem {
                number: 3,
                title: "Ansøgning: Fælles akutteam på tværs af sektorer".to_owned(),
                case_text: texts(&["Morsø Kommune søger om midler til et fælles akutteam."]),
                facts: vec![("Ansøgt beløb".to_owned(), "240.000,00 kr.".to_owned())],
                indstilling_intro: intro,
                proposals: texts(&["Sender ansøgningen videre til politisk niveau."]),
                outcome: Some("Sendes videre til drøftelse på politisk niveau".to_owned()),
                referat: Vec::new(),
            },
        ],
        pools: vec![PoolFigures {
            caption: "Pulje vest-2026 (Sundhedsklynge Vest, 2026)".to_owned(),
            columns: texts(&["Projekter ved årets start", "Ad hoc-projekter", "I alt"]),
            rows: vec![
                ("Ramme".to_owned(), vec![kr(61_008_710), kr(26_146_590), kr(87_155_300)]),
                ("Bevilget".to_owned(), vec![kr(18_755_350), kr(0), kr(18_755_350)]),
                ("Reserveret".to_owned(), vec![kr(0), kr(24_000_000), kr(24_000_000)]),
                ("Disponibelt".to_owned(), vec![kr(42_253_360), kr(2_146_590), kr(44_399_950)]),
            ],
        }],
    }
}
