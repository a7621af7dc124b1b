//! The dashboard's sign-in: a server-side session (a random id in the
//! cookie, its SHA-256 in the database), ended by signing out, by revoking
//! the key or disabling its user, and by time; and what the page shows:
//! one chart scale per section, values on the bars, meeting dates, the
//! expired approval requests. The Chromium tests sign in through the form.

use diesel::sql_types::{BigInt, Text};
use diesel::{Connection, QueryableByName, RunQueryDsl};
use serde_json::json;

use crate::api_test;
use crate::applications::{charter, decide, submitted, vest_2022};
use crate::browser;
use crate::helpers::{Backend, Resp, TestApp};

fn form(app: &TestApp, path: &str, body: &str, cookie: Option<&str>) -> Resp {
    let mut req = app.request("POST", path).key(None).header("content-type", "application/x-www-form-urlencoded");
    if let Some(c) = cookie {
        req = req.header("cookie", c);
    }
    req.send_raw(Some(body.as_bytes()))
}

/// Signs `key` in; the `name=value` of the session cookie and the whole `Set-Cookie`.
fn sign_in(app: &TestApp, key: &str) -> (String, String) {
    let r = form(app, "/dashboard/login", &format!("key={key}"), None);
    assert_eq!(r.status, 303, "{}", r.text);
    let set = r.header("set-cookie").expect("a cookie").to_owned();
    (set.split(';').next().expect("name=value").to_owned(), set)
}

fn dashboard(app: &TestApp, cookie: &str, query: &str) -> Resp {
    app.request("GET", &format!("/dashboard{query}")).key(None).header("cookie", cookie).send()
}

fn sql(app: &TestApp, statement: &str) {
    let done = match app.db.backend() {
        Backend::Sqlite => {
            let mut c = crate::helpers::raw_sqlite(&app.db.url);
            diesel::sql_query("PRAGMA ignore_check_constraints = ON").execute(&mut c).expect("pragma");
            diesel::sql_query(statement).execute(&mut c)
        }
        Backend::Postgres => diesel::sql_query(statement).execute(&mut diesel::PgConnection::establish(&app.db.url).expect("connect")),
    };
    done.unwrap_or_else(|e| panic!("{statement}: {e}"));
}

#[derive(QueryableByName)]
struct Stored {
    #[diesel(sql_type = Text)]
    session_hash: String,
    #[diesel(sql_type = BigInt)]
    api_key_id: i64,
}

fn sessions(app: &TestApp) -> Vec<Stored> {
    let q = "SELECT session_hash, api_key_id FROM dashboard_sessions ORDER BY id";
    match app.db.backend() {
        Backend::Sqlite => diesel::sql_query(q).load(&mut crate::helpers::raw_sqlite(&app.db.url)),
        Backend::Postgres => diesel::sql_query(q).load(&mut diesel::PgConnection::establish(&app.db.url).expect("connect")),
    }
    .expect("sessions")
}

fn key_id(app: &TestApp, key: &str) -> i64 {
    let keys = app.get("/api/v1/keys").json();
    let prefix: String = key.chars().take(12).collect();
    let items = keys["items"].as_array().or(keys.as_array()).cloned().unwrap_or_default();
    let found = items.iter().find(|k| k["prefix"].as_str() == Some(prefix.as_str()));
    found.and_then(|k| k["id"].as_i64()).unwrap_or_else(|| panic!("key {prefix} in {keys}"))
}

api_test! {
    /// The cookie holds a random id, not the key; the database holds only its hash; signing out ends it on the server.
    fn a_session_cookie_holds_a_random_id_and_sign_out_ends_it(app) {
        let page = app.request("GET", "/dashboard").key(None).send();
        assert_eq!(page.status, 401);
        assert!(page.text.contains("Indsæt den adgangsnøgle, du har fået af administratoren. Den begynder med kmk_."), "{}", page.text);
        assert!(!page.text.contains("API-nøgle"), "says what to paste in plain Danish");
        assert!(page.text.contains("8 timer"), "says how long a sign-in lasts");

        let viewer = app.key("viewer", &[]);
        let (cookie, set) = sign_in(app, &viewer);
        for flag in ["HttpOnly", "SameSite=Strict", "Path=/dashboard", "Max-Age=28800"] {
            assert!(set.contains(flag), "{flag} in {set}");
        }
        assert!(!set.contains("Secure"), "plain http in the test: no Secure");
        let id = cookie.split_once('=').expect("pair").1.to_owned();
        assert_eq!(id.len(), 64, "32 random bytes as hex: {id}");
        assert!(id.bytes().all(|b| b.is_ascii_hexdigit()));
        assert!(!set.contains(&viewer) && !set.contains("kmk_"), "no key in the cookie: {set}");
        let stored = sessions(app);
        assert_eq!(stored.len(), 1);
        assert_eq!(stored[0].session_hash, klyngemidler::secrets::sha256_hex(&id), "the database keeps the hash");
        assert!(stored[0].session_hash != id && !stored[0].session_hash.contains(&viewer));
        assert_eq!(stored[0].api_key_id, key_id(app, &viewer));
        assert_eq!(dashboard(app, &cookie, "").status, 200);

        // A second sign-in is a second session; signing out of one leaves the other.
        let (other, _) = sign_in(app, &viewer);
        let out = form(app, "/dashboard/logout", "", Some(&cookie));
        assert_eq!(out.status, 303);
        assert!(out.header("set-cookie").is_some_and(|c| c.contains("Max-Age=0")));
        let replayed = dashboard(app, &cookie, "");
        assert_eq!(replayed.status, 401, "the old cookie no longer works");
        assert!(replayed.text.contains("name=\"key\""));
        assert_eq!(sessions(app).len(), 1);
        assert_eq!(dashboard(app, &other, "").status, 200);

        // A raw key in the cookie (as before) is no session.
        assert_eq!(dashboard(app, &format!("klyngemidler_dashboard={viewer}"), "").status, 401);
    }
}

api_test! {
    /// Revoking the key or disabling its user ends its sessions at once; so does time.
    fn a_revoked_key_a_disabled_user_and_time_end_the_session(app) {
        let viewer = app.key("viewer", &[]);
        let (cookie, _) = sign_in(app, &viewer);
        assert_eq!(dashboard(app, &cookie, "").status, 200);
        let revoked = app.request("POST", &format!("/api/v1/keys/{}/revoke", key_id(app, &viewer))).send();
        assert!(revoked.status == 200 || revoked.status == 204, "{}", revoked.text);
        assert_eq!(dashboard(app, &cookie, "").status, 401, "a revoked key's session is refused at once");

        let other = app.key("viewer", &[]);
        let (cookie, _) = sign_in(app, &other);
        assert_eq!(dashboard(app, &cookie, "").status, 200);
        let id = key_id(app, &other);
        sql(app, &format!("UPDATE users SET disabled_at = '2026-01-01 00:00:00' WHERE id = (SELECT user_id FROM api_keys WHERE id = {id})"));
        assert_eq!(dashboard(app, &cookie, "").status, 401, "a disabled user's session is refused at once");

        let third = app.key("viewer", &[]);
        let (cookie, _) = sign_in(app, &third);
        assert_eq!(dashboard(app, &cookie, "").status, 200);
        sql(app, "UPDATE dashboard_sessions SET expires_at = '2001-01-01 00:00:00'");
        assert_eq!(dashboard(app, &cookie, "").status, 401, "an expired session is refused");
        let before = sessions(app).len();
        assert_eq!(before, 3);
        let (fresh, _) = sign_in(app, &third);
        assert_eq!(sessions(app).len(), 1, "signing in deletes the expired sessions");
        assert_eq!(dashboard(app, &fresh, "").status, 200);
    }
}

api_test! {
    /// Another site's form cannot sign in, nor end a session.
    fn sign_in_and_out_from_another_site_are_refused(app) {
        let viewer = app.key("viewer", &[]);
        let foreign = |path: &str, body: &str, cookie: Option<&str>| {
            let mut req = app.request("POST", path).key(None).header("content-type", "application/x-www-form-urlencoded").header("origin", "https://evil.example.org");
            if let Some(c) = cookie {
                req = req.header("cookie", c);
            }
            req.send_raw(Some(body.as_bytes()))
        };
        assert_eq!(foreign("/dashboard/login", &format!("key={viewer}"), None).status, 403);
        assert!(sessions(app).is_empty(), "no session started");
        let (cookie, _) = sign_in(app, &viewer);
        assert_eq!(foreign("/dashboard/logout", "", Some(&cookie)).status, 403);
        assert_eq!(dashboard(app, &cookie, "").status, 200, "the session lives on");
    }
}

/// The HTML of one pool's section.
fn section<'a>(html: &'a str, pool: &str) -> &'a str {
    let start = html.find(&format!("id=\"pulje-{pool}\"")).unwrap_or_else(|| panic!("no section for {pool}"));
    let rest = &html[start..];
    &rest[..rest.find("</section>").expect("section end")]
}

/// `part` of `whole` as the page prints a bar's width.
fn percent(part: i64, whole: i64) -> String {
    let m = i128::from(part) * 1_000_000 / i128::from(whole);
    format!("width:{}.{:04}%", m / 10_000, m % 10_000)
}

api_test! {
    /// One scale for the section's bars, values on them, the meeting date of decisions, amounts that do not wrap.
    fn the_charts_share_one_scale_and_decisions_show_the_meeting_date(app) {
        vest_2022(app, json!({"recommendation_required": false}));
        let id = submitted(app, &charter("93776.75"));
        for level in ["strategic", "political"] {
            let r = decide(app, id, level, "approved", None);
            assert_eq!(r.status, 200, "{}", r.text);
        }
        let viewer = app.key("viewer", &["vest"]);
        let (cookie, _) = sign_in(app, &viewer);
        let page = dashboard(app, &cookie, "?year=2022");
        assert_eq!(page.status, 200, "{}", page.text);
        let part = section(&page.text, "vest-2022");
        // The rolling bucket is the whole pool (871,553.00); the elderly hold 93,776.75 of it.
        assert!(part.contains(&percent(9_377_675, 87_155_300)), "the population bar on the pool's scale: {part}");
        assert!(part.contains(&percent(87_155_300 - 9_377_675, 87_155_300)), "the available segment on the same scale");
        assert!(part.contains("<span class=\"total amount\">871.553,00\u{a0}kr.</span>"), "the bar's value on it");
        assert!(part.contains("<span class=\"total amount\">93.776,75\u{a0}kr.</span>"));
        assert!(part.contains("Bevilget 93.776,75\u{a0}kr."), "each segment's value under the bar: {part}");
        assert!(!part.contains(" kr."), "a non-breaking space before every kr.");
        assert!(part.contains("Bevilget 93.776,75\u{a0}kr. (mødet 20.10.2022)"), "the meeting's date, not the recording date: {part}");
        let today = chrono::Utc::now().date_naive().format("%-d.%-m.%Y").to_string();
        assert!(!part.contains(&today), "the recording date is not shown");
    }
}

api_test! {
    /// An approval request whose deadline passed is listed under "Venter", its money still reserved.
    fn expired_approval_requests_are_listed_under_waiting(app) {
        let id = crate::email_approval::setup(app, "500000.00");
        crate::email_approval::ask(app, id, "strategic");
        let viewer = app.key("viewer", &["vest"]);
        let (cookie, _) = sign_in(app, &viewer);
        let before = dashboard(app, &cookie, "?year=2022").text;
        assert!(!before.contains("fristen er udløbet"), "an open request is not expired");
        if app.db.backend() == Backend::Postgres {
            // The mails engineer's migration adds 'expired' to the allowed states; until the merge, lift the check here.
            sql(app, "ALTER TABLE approval_requests DROP CONSTRAINT approval_requests_state_check");
        }
        sql(app, &format!("UPDATE approval_requests SET state = 'expired' WHERE application_id = {id}"));
        let page = dashboard(app, &cookie, "?year=2022");
        let part = section(&page.text, "vest-2022");
        assert!(part.contains("Godkendelser pr. e-mail, hvor fristen er udløbet"), "{part}");
        assert!(part.contains("«Tidlig opsporing af skrøbelige ældre»: anmodningen om godkendelse pr. e-mail"), "{part}");
        assert!(part.contains("Beløbet er stadig reserveret"));
    }
}

/// In Chromium: sign in through the form, then no sideways scrolling at 320 and 390 px, bars on one scale, labels ≥ 12 px.
fn in_chromium(backend: Backend) {
    let Some(binary) = browser::chromium() else { return };
    let Some(app) = crate::helpers::spawn_app(backend) else { return };
    vest_2022(&app, json!({"recommendation_required": false}));
    let id = submitted(&app, &charter("93776.75"));
    for level in ["strategic", "political"] {
        assert_eq!(decide(&app, id, level, "approved", None).status, 200);
    }
    let viewer = app.key("viewer", &["vest"]);
    let mut s = browser::Session::open(&binary, 390);
    s.goto(&format!("{}/dashboard?year=2022", app.address));
    assert_eq!(s.last_status(), Some(401));
    for width in [320, 390] {
        s.set_width(width);
        let (scroll, inner) = s.widths();
        assert_eq!(scroll, inner, "the sign-in page at {width} px");
    }
    s.fill("#key", &viewer);
    s.click("button[type=submit]");
    let text = s.text();
    assert_eq!(s.last_status(), Some(200), "signed in; the cookie carries over: {text}");
    let cookie = s.eval("document.cookie");
    assert_eq!(cookie.as_str(), Some(""), "HttpOnly: no script sees the cookie");
    s.goto(&format!("{}/dashboard?year=2022", app.address));
    assert_eq!(s.last_status(), Some(200));
    for width in [320, 390] {
        s.set_width(width);
        let (scroll, inner) = s.widths();
        assert_eq!(scroll, inner, "the dashboard at {width} px");
        let smallest = s.eval(
            "Math.min(...[...document.querySelectorAll('.chart .label, .chart .total, .chart .values, caption, td, th')]\
             .map(e => parseFloat(getComputedStyle(e).fontSize)))",
        );
        assert!(smallest.as_f64().expect("a size") >= 12.0, "labels at least 12 px at {width} px: {smallest}");
        // The pool's bar (871,553.00) is the section's full track; the population bar (93,776.75) is its share.
        let ratio = s.eval(
            "(() => { const tracks = [...document.querySelectorAll('.chart .track')];\
             const elderly = tracks.find(t => t.previousElementSibling.querySelector('.total').textContent.startsWith('93.776,75'));\
             return [tracks[0].getBoundingClientRect().width, elderly.querySelector('.seg').getBoundingClientRect().width,\
             elderly.getBoundingClientRect().width]; })()",
        );
        let (full, seg, second) = (ratio[0].as_f64().expect("w"), ratio[1].as_f64().expect("w"), ratio[2].as_f64().expect("w"));
        assert!((full - second).abs() < 0.5, "both tracks are equally long: {ratio}");
        let want = full * 93_776.75 / 871_553.00;
        assert!((seg - want).abs() < 1.0, "the 93,776.75 bar is its share of the 871,553.00 one: {seg} vs {want} at {width} px");
    }
    // The sign-in page answers 401 (the dashboard needs a key); Chromium logs that, and nothing else may be logged.
    let errors: Vec<String> = s.errors().into_iter().filter(|e| !e.contains("status of 401")).collect();
    assert!(errors.is_empty(), "{errors:#?}");
    s.navigate_by("document.querySelector('.signout button').click()");
    assert_eq!(s.last_status(), Some(401), "signed out: the sign-in page again");
    assert!(sessions(&app).is_empty(), "the session ended on the server");
}

#[test]
fn signing_in_through_the_form_in_chromium_fits_320_and_390_px_on_sqlite() {
    in_chromium(Backend::Sqlite);
}

#[test]
fn signing_in_through_the_form_in_chromium_fits_320_and_390_px_on_postgres() {
    in_chromium(Backend::Postgres);
}

/// The demo's four clusters (long names, many target populations, carry-overs) fit 320 and 390 px too.
fn demo_fits(backend: Backend) {
    let Some(binary) = browser::chromium() else { return };
    let Some(db) = crate::helpers::TestDb::new(backend) else { return };
    let app = crate::helpers::spawn_configured(
        db,
        |db| {
            klyngemidler::demo::load_if_empty(db, klyngemidler::http::now()).expect("demo loads");
        },
        |config| config.public_dashboard = true,
    );
    let mut s = browser::Session::open(&binary, 320);
    for query in ["?year=2022", "?year=2023", ""] {
        s.goto(&format!("{}/dashboard{query}", app.address));
        assert_eq!(s.last_status(), Some(200));
        for width in [320, 390] {
            s.set_width(width);
            let (scroll, inner) = s.widths();
            assert_eq!(scroll, inner, "the demo dashboard{query} at {width} px");
        }
    }
}

#[test]
fn the_demo_dashboard_fits_320_and_390_px_on_sqlite() {
    demo_fits(Backend::Sqlite);
}

#[test]
fn the_demo_dashboard_fits_320_and_390_px_on_postgres() {
    demo_fits(Backend::Postgres);
}
