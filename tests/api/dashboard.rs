//! `/dashboard`: where the money went, per cluster and year, in Danish, for
//! a projector. Checked over HTTP and in a real (headless) Chromium.

use serde_json::Value;

use crate::browser;
use crate::helpers::{Backend, TestApp, TestDb, spawn_configured};

/// "871553.00" as the page writes it: "871.553,00 kr." (a non-breaking space before "kr.").
pub fn kroner_da(amount: &Value) -> String {
    let text = amount.as_str().unwrap_or_else(|| panic!("an amount: {amount}"));
    let (whole, ore) = text.split_once('.').expect("two decimals");
    let mut grouped = String::new();
    for (i, c) in whole.chars().enumerate() {
        if i > 0 && (whole.len() - i) % 3 == 0 {
            grouped.push('.');
        }
        grouped.push(c);
    }
    format!("{grouped},{ore}\u{a0}kr.")
}

fn demo(backend: Backend, public: bool) -> Option<TestApp> {
    let db = TestDb::new(backend)?;
    Some(spawn_configured(
        db,
        |db| {
            klyngemidler::demo::load_if_empty(db, klyngemidler::http::now()).expect("demo loads");
        },
        |config| config.public_dashboard = public,
    ))
}

/// The part of the page about one pool.
fn section<'a>(html: &'a str, pool: &str) -> &'a str {
    let start = html.find(&format!("id=\"pulje-{pool}\"")).unwrap_or_else(|| panic!("no section for {pool}"));
    let rest = &html[start..];
    &rest[..rest.find("</section>").expect("section end")]
}

/// Every figure the status API gives for the year is on the page, in its pool's section.
fn assert_figures_match_the_api(app: &TestApp, html: &str) {
    let report = app.get("/api/v1/reports/status?year=2022").json();
    let pools = report["pools"].as_array().expect("pools");
    assert_eq!(pools.len(), 4, "the demo's four clusters");
    for pool in pools {
        let part = section(html, pool["pool"].as_str().expect("pool"));
        for figure in ["total", "committed", "pending", "available", "disbursed"] {
            let want = kroner_da(&pool[figure]);
            assert!(part.contains(&want), "{} {figure} {want} is not on the page", pool["pool"]);
        }
        for bucket in pool["buckets"].as_array().expect("buckets") {
            for figure in ["committed", "pending", "available"] {
                assert!(part.contains(&format!("<td class=\"num\">{}</td>", kroner_da(&bucket[figure]))), "{} {figure}", bucket["name"]);
            }
        }
        for population in pool["by_target_population"].as_array().expect("populations") {
            let row = format!(
                "<th scope=\"row\">{}</th><td class=\"num\">{}</td>",
                population["name_da"].as_str().unwrap_or(""),
                kroner_da(&population["committed"])
            );
            assert!(part.contains(&row), "{row}");
        }
    }
}

fn in_chromium(backend: Backend) {
    let Some(binary) = browser::chromium() else { return };
    let Some(app) = demo(backend, true) else { return };
    let url = format!("{}/dashboard?year=2022", app.address);
    let page = browser::load(&binary, &url);
    let origin = format!("{}/", app.address);
    assert!(!page.requests.is_empty(), "the page itself is a request");
    let elsewhere: Vec<&String> = page.requests.iter().filter(|u| !u.starts_with(&origin) && !u.starts_with("data:")).collect();
    assert!(elsewhere.is_empty(), "requests left 127.0.0.1: {elsewhere:?}");
    assert!(page.errors.is_empty(), "console or log errors: {:#?}", page.errors);
    assert!(page.screenshot_png.starts_with(b"\x89PNG\r\n\x1a\n") && page.screenshot_png.len() > 20_000, "a real screenshot");
    let file = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("dashboard-{backend:?}.png"));
    std::fs::write(&file, &page.screenshot_png).expect("save the screenshot");
    eprintln!("dashboard screenshot: {}", file.display());
    assert!(page.html.contains("<html lang=\"da\""));
    // The DOM writes a non-breaking space back as `&nbsp;`.
    assert_figures_match_the_api(&app, &page.html.replace("&nbsp;", "\u{a0}"));
    assert!(!page.html.contains("<script"), "no JavaScript needed");
}

#[test]
fn the_dashboard_in_chromium_shows_the_status_figures_and_stays_on_127_0_0_1_on_sqlite() {
    in_chromium(Backend::Sqlite);
}

#[test]
fn the_dashboard_in_chromium_shows_the_status_figures_and_stays_on_127_0_0_1_on_postgres() {
    in_chromium(Backend::Postgres);
}

fn form(app: &TestApp, path: &str, body: &str) -> crate::helpers::Resp {
    app.request("POST", path).key(None).header("content-type", "application/x-www-form-urlencoded").send_raw(Some(body.as_bytes()))
}

fn signing_in(backend: Backend) {
    let Some(app) = demo(backend, false) else { return };
    let anonymous = app.request("GET", "/dashboard").key(None).send();
    assert_eq!(anonymous.status, 401);
    assert!(anonymous.text.contains("name=\"key\"") && anonymous.text.contains("Log ind"), "a sign-in form in Danish");
    assert!(anonymous.header("content-security-policy").is_some_and(|c| c.contains("script-src 'self'")));
    assert_eq!(form(&app, "/dashboard/login", "key=kmk_wrong").status, 401);

    let viewer = app.key("viewer", &["vest"]);
    let signed_in = form(&app, "/dashboard/login", &format!("key={viewer}"));
    assert_eq!(signed_in.status, 303, "{}", signed_in.text);
    assert_eq!(signed_in.header("location"), Some("/dashboard"));
    let cookie = signed_in.header("set-cookie").expect("a cookie").to_owned();
    for flag in ["HttpOnly", "SameSite=Strict", "Path=/dashboard"] {
        assert!(cookie.contains(flag), "{flag} in {cookie}");
    }
    let pair = cookie.split(';').next().expect("name=value").to_owned();
    let page = app.request("GET", "/dashboard?year=2022").key(None).header("cookie", &pair).send();
    assert_eq!(page.status, 200, "{}", page.text);
    assert!(page.text.contains("id=\"pulje-vest-2022\""));
    assert!(!page.text.contains("holdt tilbage"), "the carry-over agreed before year end executed at closing");
    assert!(!page.text.contains("id=\"pulje-nord-2022\""), "a key for Vest shows Vest only");
    assert_eq!(page.header("cache-control"), Some("no-store"));
    assert_eq!(app.request("HEAD", "/dashboard").key(None).header("cookie", &pair).send().status, 200);
    let picked = app.request("GET", "/dashboard?year=2022&cluster=nord").key(None).header("cookie", &pair).send();
    assert!(!picked.text.contains("id=\"pulje-nord-2022\""), "nor by picking another cluster");
    let out = form(&app, "/dashboard/logout", "");
    assert_eq!(out.status, 303);
    assert!(out.header("set-cookie").is_some_and(|c| c.contains("Max-Age=0")));
}

#[test]
fn a_viewer_key_signs_in_with_an_http_only_strict_cookie_on_sqlite() {
    signing_in(Backend::Sqlite);
}

#[test]
fn a_viewer_key_signs_in_with_an_http_only_strict_cookie_on_postgres() {
    signing_in(Backend::Postgres);
}
