//! The political report: one cluster's year for the political level, as
//! JSON that reconciles to the øre, a Word file that names every grant with
//! its amount in Danish, and a printable page that stays on 127.0.0.1.

use serde_json::{Value, json};

use crate::api_test;
use crate::applications::charter;
use crate::helpers::{TestApp, ore};
use crate::word::{docx_opens_in_libreoffice, docx_text};

pub const DOCX: &str = "application/vnd.openxmlformats-officedocument.wordprocessingml.document";

/// The grants of the year: (title, amount as the API writes it, as Danish print writes it).
pub const GRANTS: [(&str, &str, &str); 3] = [
    ("Tidlig opsporing af skrøbelige ældre", "40000.00", "40.000,00 kr."),
    ("Tværsektoriel udskrivelse af ældre medicinske patienter", "187553.50", "187.553,50 kr."),
    ("Fælles akutteam i Thy", "25000.25", "25.000,25 kr."),
];

fn submitted(app: &TestApp, body: Value) -> i64 {
    let created = app.post("/api/v1/pools/vest-2022/applications", &body);
    assert_eq!(created.status, 201, "{}", created.text);
    let id = created.json()["id"].as_i64().expect("id");
    assert_eq!(app.request("POST", &format!("/api/v1/applications/{id}/submit")).send().status, 200);
    id
}

fn meeting(app: &TestApp, forum: &str, date: &str, application: i64) -> i64 {
    let r = app.post(
        "/api/v1/meetings",
        &json!({"cluster": "vest", "forum": forum, "date": date, "attendees": ["Regional medformand", "Kommunal medformand"]}),
    );
    assert_eq!(r.status, 201, "{}", r.text);
    let m = r.json()["id"].as_i64().expect("meeting");
    let note = app.post(&format!("/api/v1/meetings/{m}/items"), &json!({"kind": "note", "title": "Orientering fra formandskabet"}));
    assert_eq!(note.status, 201, "{}", note.text);
    let item = app.post(&format!("/api/v1/meetings/{m}/items"), &json!({"kind": "application", "application": application}));
    assert_eq!(item.status, 201, "{}", item.text);
    let reference = format!("Referat {}", chrono::NaiveDate::parse_from_str(date, "%Y-%m-%d").expect("date").format("%d.%m.%Y"));
    let outcomes = json!({"reference": reference, "outcomes": [{"item": 1, "outcome": "noted"}, {"item": 2, "outcome": "approved"}]});
    let held = app.post(&format!("/api/v1/meetings/{m}/outcomes"), &outcomes);
    assert_eq!(held.status, 200, "{}", held.text);
    m
}

/// Vest 2022 under 70/30: one grant decided as a recorded decision, one
/// through a strategic and a political meeting, one more recorded with a
/// stopped project; the pool closed and what is left carried to 2023 with
/// the political level's sign-off. Returns the two meetings.
pub fn year(app: &TestApp) -> (i64, i64) {
    app.cluster("vest");
    for (slug, name, kind) in
        [("thisted-kommune", "Thisted Kommune", "municipality"), ("region-nordjylland", "Region Nordjylland", "region")]
    {
        let r = app.post("/api/v1/clusters/vest/parties", &json!({"slug": slug, "name": name, "kind": kind}));
        assert_eq!(r.status, 201, "{}", r.text);
    }
    let policy = json!({"recommendation_required": false, "political_threshold": "100000.00"});
    let r = app.post(
        "/api/v1/pools",
        &json!({"cluster": "vest", "year": 2022, "amount": "871553.00", "allocation_model": {"kind": "split", "upfront_share": "0.70"}, "approval_policy": policy}),
    );
    assert_eq!(r.status, 201, "{}", r.text);
    assert_eq!(app.request("POST", "/api/v1/pools/vest-2022/open").send().status, 200);

    let recorded = |body: Value| {
        let id = submitted(app, body);
        let d =
            json!({"level": "strategic", "outcome": "approved", "meeting_date": "2022-10-20", "reference": "Referat 20.10.2022, pkt. 4"});
        let r = app.post(&format!("/api/v1/applications/{id}/decision"), &d);
        assert_eq!(r.status, 200, "{}", r.text);
        r.json()["grant_id"].as_i64().expect("grant")
    };
    let mut first = charter(GRANTS[0].1);
    first["bucket"] = json!("upfront");
    recorded(first);

    let mut second = charter(GRANTS[1].1);
    second["title"] = json!(GRANTS[1].0);
    second["applicant_party"] = json!("region-nordjylland");
    second["partner_parties"] = json!(["thisted-kommune"]);
    second["target_populations"] = json!(["vulnerable_elderly", "chronic_disease", "acute_area"]);
    second["bucket"] = json!("ad_hoc");
    let big = submitted(app, second);
    let strategic = meeting(app, "strategic", "2022-11-10", big);
    let political = meeting(app, "political", "2022-11-24", big);
    assert_eq!(app.get(&format!("/api/v1/applications/{big}")).json()["status"], "approved");

    let mut third = charter(GRANTS[2].1);
    third["title"] = json!(GRANTS[2].0);
    third["target_populations"] = json!(["acute_area"]);
    third["bucket"] = json!("upfront");
    let stopped = recorded(third);
    let report = json!({"kind": "status", "progress": "stopped", "text": "Projektet er stoppet: teamet kunne ikke bemandes."});
    let r = app.post(&format!("/api/v1/grants/{stopped}/reports"), &report);
    assert_eq!(r.status, 201, "{}", r.text);

    assert_eq!(app.request("POST", "/api/v1/pools/vest-2022/close").send().status, 200);
    let proposed = app.post(
        "/api/v1/pools/vest-2022/carry-overs",
        &json!({"recommendation_reference": "Referat 15.12.2022, pkt. 3", "recommendation_date": "2022-12-15", "bucket": "upfront"}),
    );
    assert_eq!(proposed.status, 201, "{}", proposed.text);
    let co = proposed.json()["id"].as_i64().expect("carry-over");
    let signed =
        json!({"level": "political", "outcome": "approved", "meeting_date": "2023-01-26", "reference": "Referat 26.01.2023, pkt. 5"});
    let r = app.post(&format!("/api/v1/carry-overs/{co}/decision"), &signed);
    assert_eq!(r.status, 200, "{}", r.text);
    (strategic, political)
}

fn sum(items: &Value, field: &str) -> i64 {
    items.as_array().expect("list").iter().map(|i| ore(&i[field])).sum()
}

api_test! {
    /// The JSON names every grant with the meetings that decided it, and every breakdown sums to the granted total.
    fn the_report_reconciles_to_the_ore_and_names_each_step(app) {
        let (strategic, political) = year(app);
        let r = app.get("/api/v1/reports/political?cluster=vest&year=2022");
        assert_eq!(r.status, 200, "{}", r.text);
        assert!(r.header("content-type").unwrap_or("").starts_with("application/json"));
        let report = r.json();
        assert_eq!((report["cluster"].as_str(), report["year"].as_i64()), (Some("vest"), Some(2022)));
        let grants = report["grants"].as_array().expect("grants");
        let titles: Vec<&str> = grants.iter().map(|g| g["title"].as_str().unwrap_or("")).collect();
        assert_eq!(titles, GRANTS.iter().map(|g| g.0).collect::<Vec<_>>());
        for (g, (_, amount, _)) in grants.iter().zip(GRANTS) {
            assert_eq!(g["amount"], amount);
        }
        let granted = ore(&report["totals"]["granted"]);
        assert_eq!(granted, 4_000_000 + 18_755_350 + 2_500_025);
        assert_eq!(sum(&report["grants"], "amount"), granted);
        assert_eq!(sum(&report["by_target_population"], "granted"), granted, "{}", report["by_target_population"]);
        assert_eq!(sum(&report["by_party"], "granted"), granted, "{}", report["by_party"]);
        assert_eq!(ore(&report["pools"][0]["figures"]["committed"]), granted, "nothing released: committed is what was granted");
        // A third of 187,553.50 to each of three populations, to the øre.
        let population = |code: &str| report["by_target_population"].as_array().unwrap().iter().find(|p| p["code"] == code).cloned().expect(code);
        assert_eq!(population("vulnerable_elderly")["granted"], "102517.84");
        assert_eq!(population("chronic_disease")["granted"], "62517.83");
        assert_eq!(population("acute_area")["granted"], "87518.08");
        let party = |slug: &str| report["by_party"].as_array().unwrap().iter().find(|p| p["party"] == slug).cloned().expect(slug);
        assert_eq!(party("region-nordjylland")["granted"], "187553.50");
        assert_eq!(party("thisted-kommune")["granted"], "65000.25");

        let pool = &report["pools"][0];
        assert_eq!((pool["pool"].as_str(), pool["allocation_model_da"].as_str()), (Some("vest-2022"), Some("70/30")));
        let shares: Vec<&str> = pool["buckets"].as_array().unwrap().iter().filter_map(|b| b["share"].as_str()).collect();
        assert_eq!(shares, ["0.70", "0.30"]);

        let steps = &grants[1]["steps"];
        assert_eq!(steps.as_array().map(Vec::len), Some(2), "{steps}");
        assert_eq!(
            (steps[0]["forum"].as_str(), steps[0]["channel"].as_str(), steps[0]["meeting"].as_i64(), steps[0]["item"].as_i64(), steps[0]["date"].as_str()),
            (Some("strategic"), Some("meeting"), Some(strategic), Some(2), Some("2022-11-10"))
        );
        assert_eq!((steps[1]["forum"].as_str(), steps[1]["meeting"].as_i64()), (Some("political"), Some(political)));
        let recorded = &grants[0]["steps"][0];
        assert_eq!((recorded["channel"].as_str(), recorded["reference"].as_str()), (Some("recorded_decision"), Some("Referat 20.10.2022, pkt. 4")));
        assert_eq!(grants[2]["status"]["state"], "stopped");
        assert_eq!(grants[2]["status"]["reports_received"], 1);
        assert_eq!(grants[0]["status"]["state"], "no_report");

        let carried = &report["carry_overs"][0];
        assert_eq!((carried["direction"].as_str(), carried["state"].as_str(), carried["to_year"].as_i64()), (Some("out"), Some("executed"), Some(2023)));
        assert_eq!(carried["sign_off"]["reference"], "Referat 26.01.2023, pkt. 5");
        assert_eq!(carried["sign_off"]["meeting_date"], "2023-01-26");
        // The next year's report shows the same carry-over coming in.
        let next = app.get("/api/v1/reports/political?cluster=vest&year=2023").json();
        assert_eq!((next["carry_overs"][0]["direction"].as_str(), next["carry_overs"][0]["id"].as_i64()), (Some("in"), carried["id"].as_i64()));
        assert_eq!(next["grants"], json!([]));
    }
}

api_test! {
    /// Unknown cluster 404, bad year 422 (every parameter at once), other media 406, another cluster's key 403.
    fn the_report_refuses_what_it_cannot_answer(app) {
        app.cluster("vest");
        app.cluster("nord");
        assert_eq!(app.get("/api/v1/reports/political?cluster=ukendt&year=2022").problem(404)["status"], 404);
        let mut both = app.get("/api/v1/reports/political?year=abc").invalid_fields();
        both.sort();
        assert_eq!(both, ["cluster", "year"]);
        assert_eq!(app.get("/api/v1/reports/political?cluster=vest&year=1999").invalid_fields(), ["year"]);
        let png = app.request("GET", "/api/v1/reports/political?cluster=vest&year=2022").header("accept", "image/png").send();
        assert_eq!(png.status, 406, "{}", png.text);
        let nord = app.key("viewer", &["nord"]);
        assert_eq!(app.request("GET", "/api/v1/reports/political?cluster=vest&year=2022").key(Some(&nord)).send().status, 403);
        let own = app.request("GET", "/api/v1/reports/political?cluster=nord&year=2022").key(Some(&nord)).send();
        assert_eq!(own.status, 200, "{}", own.text);
        assert_eq!(own.json()["pools"], json!([]), "a cluster without a pool that year has an empty report");
    }
}

api_test! {
    /// The acceptance: the Word file opens and names every grant of the year with its amount in Danish format.
    fn the_word_file_names_every_grant_with_its_amount_in_danish(app) {
        year(app);
        let r = app.request("GET", "/api/v1/reports/political?cluster=vest&year=2022").header("accept", DOCX).send();
        assert_eq!(r.status, 200, "{}", r.text);
        assert_eq!(r.header("content-type"), Some(DOCX));
        assert!(r.header("content-disposition").unwrap_or("").contains("politisk-aarsrapport-vest-2022.docx"));
        let text = docx_text(&r.bytes).replace('\u{a0}', " ");
        assert!(text.starts_with("Årsrapport til politisk niveau 2022\n"), "{text}");
        for (title, _, kroner) in GRANTS {
            let row = text.split('\n').position(|l| l == title).unwrap_or_else(|| panic!("{title} in {text}"));
            let after: Vec<&str> = text.split('\n').skip(row).take(12).collect();
            assert!(after.contains(&kroner), "{title} with {kroner}: {after:?}");
        }
        assert!(text.contains("252.553,75 kr."), "the total: {text}");
        assert!(text.contains("Fagligt strategisk niveau, møde 10.11.2022: Godkendt med 187.553,50 kr. (Referat 10.11.2022, pkt. 2)"), "{text}");
        assert!(text.contains("Politisk niveau, møde 26.01.2023 (Referat 26.01.2023, pkt. 5)"), "{text}");
        assert!(text.contains("Projektet er stoppet"), "{text}");
        assert!(text.contains("70/30"), "{text}");

        let Some(pdf) = docx_opens_in_libreoffice(&r.bytes) else { return };
        assert!(pdf.starts_with(b"%PDF"), "a PDF");
        let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR"));
        std::fs::write(dir.join("political-report.docx"), &r.bytes).expect("save the .docx");
        std::fs::write(dir.join("political-report.pdf"), &pdf).expect("save the PDF");
    }
}

api_test! {
    /// The printable page: Danish, nothing from elsewhere, no console errors, and 320 px wide without sideways scrolling.
    fn the_printable_page_loads_in_chromium_from_127_0_0_1_only(app) {
        year(app);
        let r = app.request("GET", "/api/v1/reports/political?cluster=vest&year=2022").header("accept", "text/html").send();
        assert_eq!(r.status, 200, "{}", r.text);
        let html = r.text.replace('\u{a0}', " ");
        assert!(html.starts_with("<!DOCTYPE html>\n<html lang=\"da\">"), "{html}");
        for (title, _, kroner) in GRANTS {
            assert!(html.contains(title) && html.contains(kroner), "{title} {kroner}");
        }
        assert!(!html.contains("<script"), "no scripts");
        assert!(html.contains("Side \" counter(page) \" af \" counter(pages)"), "page numbers when printed");
        // To look at (and print).
        std::fs::write(std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("political-report.html"), &r.text).expect("save the page");
        let Some(binary) = crate::browser::chromium() else { return };
        let mut s = crate::browser::Session::open(&binary, 320);
        s.set_headers(&[("Authorization", &format!("Bearer {}", app.admin_key))]);
        s.goto(&format!("{}/api/v1/reports/political?cluster=vest&year=2022", app.address));
        assert_eq!(s.last_status(), Some(200));
        assert!(s.html().contains("Årsrapport til politisk niveau 2022"));
        let origin = format!("{}/", app.address);
        let elsewhere: Vec<String> = s.requests().into_iter().filter(|u| !u.starts_with(&origin) && !u.starts_with("data:")).collect();
        assert!(elsewhere.is_empty(), "requests left 127.0.0.1: {elsewhere:?}");
        let errors: Vec<String> = s.errors().into_iter().filter(|e| !e.contains("favicon.ico")).collect();
        assert!(errors.is_empty(), "console or log errors: {errors:#?}");
        for width in [320, 390] {
            s.set_width(width);
            let (scroll, window) = s.widths();
            // A vertical scroll bar may take some of the window: narrower is fine, wider scrolls sideways.
            assert!(scroll <= window, "at {width} px the page is {scroll} px wide: it scrolls sideways");
        }
    }
}
