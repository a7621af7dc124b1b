//! Accessibility: every page people read, loaded from the real server in
//! headless Chromium and checked by axe-core (WCAG 2.0/2.1 A and AA, best
//! practices included): 0 violations.
//!
//! axe-core comes from npm (`.ci/run` installs the pinned version into
//! `target/axe-core` and exports `KLYNGEMIDLER_AXE`). Without it the tests
//! skip loudly, unless `KLYNGEMIDLER_REQUIRE_CHROMIUM=1` (CI), which makes a
//! missing axe-core (or Chromium) a failure.

use serde_json::{Value, json};

use crate::api_test;

use crate::browser::{Session, chromium};
use crate::email_approval::{CO_CHAIRS, answer, app_with_mail, ask, setup, token_for};
use crate::helpers::{Backend, TestApp, TestDb, spawn_configured};
use crate::smtp::SmtpServer;

/// Where `.ci/run` installs axe-core when `KLYNGEMIDLER_AXE` is not set.
const DEFAULT_AXE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/target/axe-core/node_modules/axe-core/axe.min.js");

/// The source of `axe.min.js`, or `None` (a loud skip) when it is not installed and not required.
pub fn axe_source() -> Option<String> {
    let path = std::env::var("KLYNGEMIDLER_AXE").unwrap_or_else(|_| DEFAULT_AXE.to_owned());
    match std::fs::read_to_string(&path) {
        Ok(source) if source.contains("axe") => Some(source),
        _ if std::env::var("KLYNGEMIDLER_REQUIRE_CHROMIUM").as_deref() == Ok("1") => panic!(
            "KLYNGEMIDLER_REQUIRE_CHROMIUM=1 but axe-core is not at {path} \
             (npm install --prefix target/axe-core axe-core@4.11.0, or set KLYNGEMIDLER_AXE)"
        ),
        _ => {
            eprintln!(
                "\n!!!!!!!! SKIPPING the accessibility test: axe-core is not at {path} \
                 (npm install --prefix target/axe-core axe-core@4.11.0, or set KLYNGEMIDLER_AXE) !!!!!!!!\n"
            );
            None
        }
    }
}

/// Chromium and axe-core, or `None` when the test is skipped.
fn tools() -> Option<(String, String)> {
    let binary = chromium()?;
    let axe = axe_source()?;
    Some((binary, axe))
}

/// One violation per paragraph: rule, impact, help and the elements.
fn readable(violations: &[Value]) -> String {
    violations
        .iter()
        .map(|v| {
            let nodes: Vec<String> =
                v["nodes"].as_array().into_iter().flatten().take(5).map(|n| format!("    {}", n.as_str().unwrap_or(""))).collect();
            format!(
                "- {} ({}): {}\n{}",
                v["id"].as_str().unwrap_or("?"),
                v["impact"].as_str().unwrap_or("?"),
                v["help"].as_str().unwrap_or(""),
                nodes.join("\n")
            )
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Loads `path` (as the browser asks for it) and says what axe finds, if anything.
fn violations(s: &mut Session, axe: &str, app: &TestApp, path: &str, status: i64) -> Option<String> {
    s.goto(&format!("{}{path}", app.address));
    // The sign-in page answers 200 or 401 (a page for people either way).
    let got = s.last_status().unwrap_or(0);
    assert!(got == status || (status == 401 && got == 200), "{path}: {got}, expected {status}: {}", s.html());
    let found = s.axe(axe);
    (!found.is_empty()).then(|| format!("{path} (at {} px): {} axe-core violations:\n{}", s.widths().1, found.len(), readable(&found)))
}

/// Loads `path` and asserts axe finds nothing.
fn assert_clean(s: &mut Session, axe: &str, app: &TestApp, path: &str, status: i64) {
    if let Some(found) = violations(s, axe, app, path, status) {
        panic!("{found}");
    }
}

/// A browser sending the admin key on every request (for the API's HTML).
fn signed_in(binary: &str, app: &TestApp) -> Session {
    let mut s = Session::open(binary, 1280);
    s.set_headers(&[("Authorization", &format!("Bearer {}", app.admin_key))]);
    s
}

api_test! {
    /// The political report's printable page.
    fn the_political_report_page_has_no_axe_violations(app) {
        let Some((binary, axe)) = tools() else { return };
        crate::political_report::year(app);
        let mut s = signed_in(&binary, app);
        assert_clean(&mut s, &axe, app, "/api/v1/reports/political?cluster=vest&year=2022", 200);
        s.set_width(320);
        assert_clean(&mut s, &axe, app, "/api/v1/reports/political?cluster=vest&year=2022", 200);
        assert_clean(&mut s, &axe, app, "/api/v1/reports/political?cluster=vest&year=2031", 200);
    }
}

api_test! {
    /// The meeting agenda and the decision minutes, printable.
    fn the_meeting_agenda_and_minutes_pages_have_no_axe_violations(app) {
        let Some((binary, axe)) = tools() else { return };
        let (strategic, political) = crate::political_report::year(app);
        let mut s = signed_in(&binary, app);
        for m in [strategic, political] {
            assert_clean(&mut s, &axe, app, &format!("/api/v1/meetings/{m}/agenda"), 200);
            assert_clean(&mut s, &axe, app, &format!("/api/v1/meetings/{m}/minutes"), 200);
        }
    }
}

fn dashboard(backend: Backend) {
    let Some((binary, axe)) = tools() else { return };
    let Some(db) = TestDb::new(backend) else { return };
    let app = spawn_configured(db, |_| (), |c| c.public_dashboard = true);
    crate::political_report::year(&app);
    let mut s = Session::open(&binary, 1280);
    assert_clean(&mut s, &axe, &app, "/dashboard?year=2022", 200);
    s.set_width(320);
    assert_clean(&mut s, &axe, &app, "/dashboard?year=2022", 200);
}

#[test]
fn the_dashboard_has_no_axe_violations_on_sqlite() {
    dashboard(Backend::Sqlite);
}

#[test]
fn the_dashboard_has_no_axe_violations_on_postgres() {
    dashboard(Backend::Postgres);
}

/// The dashboard's sign-in page (a browser without a session).
fn sign_in(backend: Backend) {
    let Some((binary, axe)) = tools() else { return };
    let Some(app) = crate::helpers::spawn_app(backend) else { return };
    let mut s = Session::open(&binary, 1280);
    assert_clean(&mut s, &axe, &app, "/dashboard", 401);
    s.set_width(320);
    assert_clean(&mut s, &axe, &app, "/dashboard", 401);
}

#[test]
fn the_sign_in_page_has_no_axe_violations_on_sqlite() {
    sign_in(Backend::Sqlite);
}

#[test]
fn the_sign_in_page_has_no_axe_violations_on_postgres() {
    sign_in(Backend::Postgres);
}

/// An open strategic request on a 150,000.00 application, both co-chairs mailed: (first link, second link).
fn asked(app: &TestApp, smtp: &SmtpServer) -> (String, String) {
    let id = setup(app, "100000.00");
    ask(app, id, "strategic");
    let mails = smtp.wait_for_links(2);
    (token_for(&mails, CO_CHAIRS[0].1), token_for(&mails, CO_CHAIRS[1].1))
}

fn approval_page(backend: Backend) {
    let Some((binary, axe)) = tools() else { return };
    let smtp = SmtpServer::start();
    let Some(app) = app_with_mail(backend, Some(smtp.url())) else { return };
    let (first, _) = asked(&app, &smtp);
    let mut s = Session::open(&binary, 1280);
    assert_clean(&mut s, &axe, &app, &format!("/approvals/{first}"), 200);
    s.set_width(320);
    assert_clean(&mut s, &axe, &app, &format!("/approvals/{first}"), 200);
}

#[test]
fn the_approval_page_has_no_axe_violations_on_sqlite() {
    approval_page(Backend::Sqlite);
}

#[test]
fn the_approval_page_has_no_axe_violations_on_postgres() {
    approval_page(Backend::Postgres);
}

/// Unknown (404), used, expired and pool closed (410): each link-error page.
fn link_error_pages(backend: Backend) {
    let Some((binary, axe)) = tools() else { return };
    let smtp = SmtpServer::start();
    let Some(app) = app_with_mail(backend, Some(smtp.url())) else { return };
    let (first, second) = asked(&app, &smtp);
    let mut s = Session::open(&binary, 1280);
    let mut found = Vec::new();
    found.extend(violations(&mut s, &axe, &app, &format!("/approvals/{}", "ab".repeat(32)), 404));

    let answered = answer(&app, &first, "approve");
    assert!(answered.status < 400, "{}", answered.text);
    found.extend(violations(&mut s, &axe, &app, &format!("/approvals/{first}"), 410));

    // A second application's request, whose first co-chair's link runs out.
    let id = crate::applications::submitted(&app, &crate::applications::charter("20000.00"));
    ask(&app, id, "strategic");
    let mails = smtp.wait_for_links(4);
    let third = token_for(&mails, CO_CHAIRS[0].1);
    assert_ne!(third, first);
    let sql = format!("UPDATE approval_links SET expires_at = '2001-01-01 00:00:00' WHERE approver_email = '{}'", CO_CHAIRS[0].1);
    {
        use diesel::{Connection, RunQueryDsl};
        match backend {
            Backend::Sqlite => diesel::sql_query(&sql).execute(&mut crate::helpers::raw_sqlite(&app.db.url)),
            Backend::Postgres => diesel::sql_query(&sql).execute(&mut diesel::PgConnection::establish(&app.db.url).expect("connect")),
        }
        .expect("expire the link");
    }
    found.extend(violations(&mut s, &axe, &app, &format!("/approvals/{third}"), 410));

    let closed = app.request("POST", "/api/v1/pools/vest-2022/close").json(&json!({}));
    assert_eq!(closed.status, 200, "{}", closed.text);
    found.extend(violations(&mut s, &axe, &app, &format!("/approvals/{second}"), 410));
    assert!(s.html().contains("Puljen er lukket"), "{}", s.html());
    assert!(found.is_empty(), "{}", found.join("\n\n"));
}

#[test]
fn the_link_error_pages_have_no_axe_violations_on_sqlite() {
    link_error_pages(Backend::Sqlite);
}

#[test]
fn the_link_error_pages_have_no_axe_violations_on_postgres() {
    link_error_pages(Backend::Postgres);
}
