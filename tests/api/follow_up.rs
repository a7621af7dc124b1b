//! After the grant: the reporting plan, reports by the secretariat and by
//! the project's contact through a personal link, reminders over real SMTP,
//! overdue reports.

use chrono::NaiveDate;
use klyngemidler::follow_up::Clock;
use serde_json::{Value, json};

use crate::api_test;
use crate::applications::{charter, decide, vest_2022};
use crate::helpers::{Backend, TestApp, TestDb, spawn_configured};
use crate::smtp::{SmtpServer, decoded};

/// A granted project running 2023-04-01 .. 2024-12-31; returns the grant's id.
fn granted(app: &TestApp) -> i64 {
    vest_2022(app, json!({"recommendation_required": false, "political_threshold": "100000.00"}));
    let mut body = charter("40000.00");
    body["starts_on"] = json!("2023-04-01");
    body["ends_on"] = json!("2024-12-31");
    let id = crate::applications::submitted(app, &body);
    let r = decide(app, id, "strategic", "approved", None);
    assert_eq!(r.status, 200, "{}", r.text);
    r.json()["grant_id"].as_i64().expect("a grant")
}

fn plan(app: &TestApp, grant: i64) -> Value {
    let r = app.get(&format!("/api/v1/grants/{grant}/reporting-plan"));
    assert_eq!(r.status, 200, "{}", r.text);
    r.json()
}

fn entries(plan: &Value) -> Vec<(String, String, String)> {
    plan["entries"]
        .as_array()
        .expect("entries")
        .iter()
        .map(|e| {
            (
                e["due_on"].as_str().unwrap_or("").to_owned(),
                e["kind"].as_str().unwrap_or("").to_owned(),
                e["state"].as_str().unwrap_or("").to_owned(),
            )
        })
        .collect()
}

fn suggested_body() -> Value {
    json!([
        {"due_on": "2023-10-01", "kind": "status"},
        {"due_on": "2024-04-01", "kind": "status"},
        {"due_on": "2024-10-01", "kind": "status"},
        {"due_on": "2025-03-31", "kind": "final"}
    ])
}

api_test! {
    /// The suggested plan, setting it with If-Match, reports by the secretariat, what is overdue and for whom.
    fn the_secretariat_sets_the_plan_reports_and_sees_what_is_overdue(app) {
        let grant = granted(app);
        let path = format!("/api/v1/grants/{grant}/reporting-plan");
        let suggested = app.get(&path);
        assert_eq!(suggested.header("etag"), Some("\"0\""));
        let p = suggested.json();
        assert_eq!(p["suggested"], true);
        assert_eq!(p["follow_up"], "open");
        let dates: Vec<(String, String)> = entries(&p).into_iter().map(|(d, k, _)| (d, k)).collect();
        let want = [("2023-10-01", "status"), ("2024-04-01", "status"), ("2024-10-01", "status"), ("2025-03-31", "final")];
        assert_eq!(dates, want.map(|(d, k)| (d.to_owned(), k.to_owned())).to_vec(), "a status each half year, the final report 3 months after the end");
        assert_eq!(app.get("/api/v1/reports/overdue").json(), json!([]), "a suggestion is not overdue until the plan is set");

        app.request("PUT", &path).json(&suggested_body()).problem(428);
        app.request("PUT", &path).header("if-match", "\"7\"").json(&suggested_body()).problem(412);
        let two_finals = json!([{"due_on": "2024-01-01", "kind": "final"}, {"due_on": "2025-03-31", "kind": "final"}]);
        let bad = app.request("PUT", &path).header("if-match", "\"0\"").json(&two_finals);
        assert_eq!(bad.status, 422, "{}", bad.text);
        let set = app.request("PUT", &path).header("if-match", "\"0\"").json(&suggested_body());
        assert_eq!(set.status, 200, "{}", set.text);
        assert_eq!(set.header("etag"), Some("\"1\""));
        assert_eq!(set.json()["suggested"], false);
        app.request("PUT", &path).header("if-match", "\"0\"").json(&suggested_body()).problem(412);

        // Today (2026) every report of the plan is past due.
        let overdue = app.get("/api/v1/reports/overdue?cluster=vest").json();
        assert_eq!(overdue.as_array().map(Vec::len), Some(4), "{overdue}");
        assert_eq!(overdue[0]["application_title"], "Tidlig opsporing af skrøbelige ældre");
        assert_eq!(overdue[0]["pool"], "vest-2022");
        assert!(overdue[0]["days_overdue"].as_i64().unwrap_or(0) > 365);
        app.cluster("nord");
        let nord = app.key("viewer", &["nord"]);
        let theirs = app.request("GET", "/api/v1/reports/overdue").key(Some(&nord)).send();
        assert_eq!(theirs.json(), json!([]), "another cluster's key sees none of Vest's");
        assert_eq!(app.request("GET", "/api/v1/reports/overdue?cluster=vest").key(Some(&nord)).send().status, 403);

        let secretariat = app.key("secretariat", &["vest"]);
        let upload = app
            .request("POST", &format!("/api/v1/grants/{grant}/attachments"))
            .header("content-type", "application/pdf")
            .header("content-disposition", "attachment; filename=\"statusrapport.pdf\"")
            .send_raw(Some(b"%PDF-1.7\n%%EOF\n"));
        let file = upload.json()["id"].as_i64().unwrap_or_else(|| panic!("attachment: {}", upload.text));
        let stranger = json!({"kind": "status", "progress": "on_track", "text": "Projektet forløber som planlagt.", "attachments": [file + 1000]});
        let refused = app.request("POST", &format!("/api/v1/grants/{grant}/reports")).key(Some(&secretariat)).json(&stranger);
        assert_eq!(refused.invalid_fields(), vec!["attachments[0]".to_owned()], "only the grant's own files: {}", refused.text);
        let report = json!({"kind": "status", "progress": "on_track", "text": "Projektet forløber som planlagt.", "attachments": [file]});
        let r = app.request("POST", &format!("/api/v1/grants/{grant}/reports")).key(Some(&secretariat)).json(&report);
        assert_eq!(r.status, 201, "{}", r.text);
        let p = r.json();
        assert_eq!(entries(&p)[0].2, "submitted", "the earliest open status report is fulfilled");
        assert_eq!(entries(&p)[1].2, "overdue");
        assert_eq!(p["reports"][0]["attachments"], json!([file]));
        assert_eq!(p["reports"][0]["channel"], "api");
        assert_eq!(p["entries"][0]["report_id"], p["reports"][0]["id"]);
        assert_eq!(app.get("/api/v1/reports/overdue").json().as_array().map(Vec::len), Some(3));
        let viewer = app.key("viewer", &["vest"]);
        assert_eq!(app.request("POST", &format!("/api/v1/grants/{grant}/reports")).key(Some(&viewer)).json(&report).status, 403);

        let login = app.request("POST", "/dashboard/login").key(None).header("content-type", "application/x-www-form-urlencoded").send_raw(Some(format!("key={viewer}").as_bytes()));
        let cookie = login.header("set-cookie").expect("a cookie").split(';').next().expect("name=value").to_owned();
        let dashboard = app.request("GET", "/dashboard").key(None).header("cookie", &cookie).send().text;
        assert!(dashboard.contains("Forsinkede opfølgninger") && dashboard.contains("statusrapport med frist 1.4.2024"), "{dashboard}");

        // The submitted report stays in the plan.
        let dropped = json!([{"due_on": "2024-04-01", "kind": "status"}, {"due_on": "2025-03-31", "kind": "final"}]);
        let r = app.request("PUT", &path).header("if-match", "\"1\"").json(&dropped);
        assert_eq!(r.status, 409, "{}", r.text);
        assert!(r.text.contains("reporting-plan"), "{}", r.text);

        let last = json!({"kind": "final", "progress": "on_track", "text": "Slutrapport: målene er nået."});
        let r = app.request("POST", &format!("/api/v1/grants/{grant}/reports")).key(Some(&secretariat)).json(&last);
        assert_eq!(r.status, 201, "{}", r.text);
        assert_eq!(r.json()["follow_up"], "closed", "the final report closes the follow-up");
        assert_eq!(app.get("/api/v1/reports/overdue").json(), json!([]));
        let again = app.request("POST", &format!("/api/v1/grants/{grant}/reports")).key(Some(&secretariat)).json(&report);
        assert_eq!(again.status, 409, "{}", again.text);
    }
}

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("date")
}

/// The report links in a message.
fn report_links(message: &str) -> Vec<String> {
    let text = decoded(message);
    let mut found = Vec::new();
    for (i, _) in text.match_indices("/reports/") {
        let token: String = text[i + 9..].chars().take_while(char::is_ascii_hexdigit).collect();
        if token.len() == 64 && !found.contains(&token) {
            found.push(token);
        }
    }
    found
}

fn send_report(app: &TestApp, token: &str, progress: &str) -> crate::helpers::Resp {
    let shown = app.request("GET", &format!("/reports/{token}")).key(None).send();
    let nonce = match shown.text.find("name=\"nonce\" value=\"") {
        Some(at) => shown.text[at + 20..].chars().take_while(|c| *c != '"').collect(),
        None => "x".repeat(32),
    };
    let form = format!("progress={progress}&text=Projektet+er+stoppet%3A+partnerne+er+trukket+ud.&nonce={nonce}");
    app.request("POST", &format!("/reports/{token}"))
        .key(None)
        .header("content-type", "application/x-www-form-urlencoded")
        .send_raw(Some(form.as_bytes()))
}

fn settle() {
    std::thread::sleep(std::time::Duration::from_millis(800));
}

fn run_reminders_and_the_report_link(backend: Backend) {
    let smtp = SmtpServer::start();
    let Some(db) = TestDb::new(backend) else { return };
    let clock = Clock::fixed(day(2023, 9, 16));
    let (url, c2) = (smtp.url(), clock.clone());
    let app = spawn_configured(
        db,
        |_| (),
        move |c| {
            c.mail.smtp_url = Some(url);
            c.follow_up.clock = c2;
            c.follow_up.secretariat_email = "sekretariat.vest@example.org".into();
        },
    );
    let grant = granted(&app);
    // The grant itself is told to the secretariat and the contact; the reminders come after.
    let decided = smtp.wait_for(2);
    assert!(decided.iter().all(|m| decoded(m).contains("Bevilget")), "{decided:?}");
    smtp.clear();
    let path = format!("/api/v1/grants/{grant}/reporting-plan");
    let set = app.request("PUT", &path).header("if-match", "\"0\"").json(&suggested_body());
    assert_eq!(set.status, 200, "{}", set.text);
    settle();
    assert_eq!(smtp.messages().len(), 0, "15 days before the due date: no reminder yet");

    clock.set(day(2023, 9, 17));
    let mails = smtp.wait_for(1);
    assert_eq!(mails.len(), 1);
    let before = decoded(&mails[0]);
    assert!(
        before.contains("projektleder@example.org")
            && before.contains("skal aflevere en statusrapport")
            && before.contains("senest 1.10.2023"),
        "{before}"
    );
    let token = report_links(&mails[0]).pop().expect("a report link");
    settle();
    assert_eq!(smtp.messages().len(), 1, "the reminder goes once");

    // Opening the link changes nothing, however often.
    let plan_before = plan(&app, grant);
    for i in 0..100 {
        let method = if i % 2 == 0 { "GET" } else { "HEAD" };
        let r = app.request(method, &format!("/reports/{token}")).key(None).send();
        assert_eq!(r.status, 200, "{}", r.text);
        assert_eq!(r.header("cache-control"), Some("no-store"));
    }
    let page = app.request("GET", &format!("/reports/{token}")).key(None).send().text;
    assert!(page.contains("<html lang=\"da\"") && page.contains("statusrapport") && page.contains("forsinket"), "{page}");
    assert!(!page.contains("<script") && !page.contains("http://") && !page.contains("https://"), "no outside resources: {page}");
    assert_eq!(plan(&app, grant)["entries"], plan_before["entries"]);
    assert_eq!(plan(&app, grant)["reports"], json!([]));

    clock.set(day(2023, 10, 2));
    let mails = smtp.wait_for(2);
    assert_eq!(mails.len(), 2);
    let after = decoded(&mails[1]);
    assert!(after.contains("endnu ikke modtaget") && after.contains("projektleder@example.org"), "{after}");
    let fresh = report_links(&mails[1]).pop().expect("a fresh link");
    settle();
    assert_eq!(smtp.messages().len(), 2, "the overdue reminder goes once");
    assert_eq!(app.get("/api/v1/reports/overdue").json()[0]["due_on"], "2023-10-01");

    let one = send_report(&app, &token, "stopped");
    assert_eq!(one.status, 200, "{}", one.text);
    assert!(one.text.contains("registreret"));
    let two = send_report(&app, &token, "stopped");
    assert_eq!(two.status, 410, "single use: {}", two.text);
    assert!(two.text.contains("allerede brugt") && two.text.contains("lang=\"da\""));
    assert_eq!(
        app.request("GET", &format!("/reports/{fresh}")).key(None).send().status,
        410,
        "the report is in: the other link is spent too"
    );
    let p = plan(&app, grant);
    assert_eq!(entries(&p)[0].2, "submitted");
    assert_eq!(p["reports"][0]["progress"], "stopped");
    assert_eq!(p["reports"][0]["channel"], "link");
    assert_eq!(app.get("/api/v1/reports/overdue").json(), json!([]));

    let mails = smtp.wait_for(3);
    let prompt = mails.iter().map(|m| decoded(m)).find(|m| m.contains("sekretariat.vest@example.org")).expect("the release prompt");
    assert!(prompt.contains("stoppet") && prompt.contains("frigive") && prompt.contains("40.000,00\u{a0}kr."), "{prompt}");
    let unknown = app.request("GET", &format!("/reports/{}", "ab".repeat(32))).key(None).send();
    assert_eq!(unknown.status, 404);
    let outbox = app.get("/api/v1/outbox").json();
    assert!(!outbox.to_string().contains(&token), "no live token rests in the outbox");
}

#[test]
fn reminders_arrive_before_and_after_the_due_date_and_the_link_reports_once_on_sqlite() {
    run_reminders_and_the_report_link(Backend::Sqlite);
}

#[test]
fn reminders_arrive_before_and_after_the_due_date_and_the_link_reports_once_on_postgres() {
    run_reminders_and_the_report_link(Backend::Postgres);
}
