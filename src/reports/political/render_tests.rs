//! The renderers on a hand-made report: person-typed text is escaped in
//! the page and well-formed in the Word file, amounts are Danish.

use chrono::NaiveDate;

use super::report::*;
use super::view::ReportView;
use crate::applications::http::BucketDto;
use crate::domain::money::Money;
use crate::meetings::dto::ForumDto;

fn m(s: &str) -> Money {
    Money::parse(s).expect("amount")
}

fn report() -> PoliticalReport {
    let day = NaiveDate::from_ymd_opt(2022, 10, 20).expect("date");
    let grant = PoliticalGrant {
        grant: 1,
        application: 1,
        title: "Akut <script>alert(1)</script> & \"team\"".into(),
        pool: "vest-2022".into(),
        bucket: BucketDto::Rolling,
        applicant_party: "thisted-kommune".into(),
        applicant_name: "Thisted Kommune".into(),
        target_populations: vec!["acute_area".into()],
        target_populations_da: vec!["Akutområdet".into()],
        starts_on: day,
        ends_on: day,
        amount: m("187553.50"),
        disbursed: Money::ZERO,
        released: Money::ZERO,
        remaining: m("187553.50"),
        steps: vec![GrantStep {
            step: GrantStepKind::Strategic,
            outcome: GrantStepOutcome::Approved,
            forum: ForumDto::Strategic,
            channel: StepChannel::Email,
            date: day,
            meeting: None,
            item: None,
            reference: "Godkendelse pr. e-mail-link".into(),
            amount: None,
        }],
        status: ProjectStatus {
            state: ProjectState::NoReport,
            reports_due: 1,
            reports_received: 0,
            reports_overdue: 0,
            latest_progress: None,
            latest_report_on: None,
        },
    };
    PoliticalReport {
        cluster: "vest".into(),
        cluster_name: "Sundhedsklynge Vest".into(),
        year: 2022,
        printed_at: chrono::DateTime::from_timestamp(1_764_603_000, 0).expect("time"),
        status_on: day,
        pools: Vec::new(),
        totals: PoliticalTotals {
            grants: 1,
            granted: grant.amount,
            disbursed: Money::ZERO,
            released: Money::ZERO,
            remaining: grant.amount,
        },
        grants: vec![grant],
        by_target_population: vec![PopulationAmount { code: "acute_area".into(), name_da: "Akutområdet".into(), granted: m("187553.50") }],
        by_party: vec![PartyAmount { party: "thisted-kommune".into(), name: "Thisted Kommune".into(), granted: m("187553.50") }],
        carry_overs: vec![PoliticalCarryOver {
            id: 7,
            direction: CarryOverDirection::Out,
            from_pool: "vest-2022".into(),
            to_year: 2023,
            amount: Some(m("60000.00")),
            state: PoliticalCarryOverState::Executed,
            recommendation_reference: "Referat 15.12.2022, pkt. 3".into(),
            sign_off: Some(SignOff {
                channel: SignOffChannel::Email,
                meeting_date: None,
                reference: "Godkendelse pr. e-mail-link".into(),
                // 23:30 UTC on 20 January is 21 January in Copenhagen.
                decided_at: chrono::DateTime::from_timestamp(1_674_257_400, 0),
            }),
        }],
    }
}

#[test]
fn the_page_escapes_what_people_typed_and_prints_danish_amounts_and_times() {
    let view = ReportView::of(&report());
    assert_eq!(view.printed_at, "1.12.2025 kl. 16:30", "Danish time");
    assert_eq!(view.grants[0].steps, ["Fagligt strategisk niveau, pr. e-mail 20.10.2022: Godkendt"]);
    let carried = &view.carry_overs.rows[0];
    assert_eq!(carried.0, "Fra vest-2022 til 2023");
    assert_eq!(carried.1, ["60.000,00\u{a0}kr.", "Godkendt og overført", "Politisk niveau pr. e-mail 21.01.2023"]);
    let html = super::html::render_html(&view).expect("page");
    assert!(!html.contains("<script>"), "{html}");
    assert!(html.contains("Akut &#60;script&#62;alert(1)&#60;/script&#62; &#38; &#34;team&#34;"), "{html}");
    assert!(html.contains("187.553,50\u{a0}kr."));
    assert!(html.contains("Klyngen har ingen pulje i året."));
}

#[test]
fn the_word_file_is_a_zip_with_well_formed_text() {
    let docx = super::word::render_docx(&ReportView::of(&report())).expect("Word file");
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(docx)).expect("a zip");
    let mut xml = String::new();
    std::io::Read::read_to_string(&mut archive.by_name("word/document.xml").expect("document.xml"), &mut xml).expect("UTF-8");
    let mut reader = quick_xml::Reader::from_str(&xml);
    let mut elements = 0;
    loop {
        match reader.read_event().expect("well-formed word/document.xml") {
            quick_xml::events::Event::Eof => break,
            quick_xml::events::Event::Start(_) => elements += 1,
            _ => {}
        }
    }
    assert!(elements > 100, "{elements} elements");
    assert!(!xml.contains("<script>"), "the title is text, not markup");
    assert!(xml.contains("Akut &lt;script&gt;alert(1)&lt;/script&gt; &amp;"), "{xml}");
    assert!(xml.contains("187.553,50\u{a0}kr."));
}
