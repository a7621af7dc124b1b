//! Approval by e-mail link, end to end against a real SMTP server.

use serde_json::{Value, json};

use crate::applications::{charter, status};
use crate::helpers::{Backend, TestApp, TestDb, logs, spawn_configured};
use crate::smtp::{SmtpServer, links};

pub(crate) const CO_CHAIRS: [(&str, &str); 2] = [
    ("Regional medformand, Vest", "medformand.region.vest@example.org"),
    ("Kommunal medformand, Vest", "medformand.kommune.vest@example.org"),
];
pub(crate) const POLITICIAN: (&str, &str) = ("Formand for sundhedsklyngeudvalget, Vest", "udvalgsformand.vest@example.org");

pub(crate) fn app_with_mail(backend: Backend, smtp_url: Option<String>) -> Option<TestApp> {
    let db = TestDb::new(backend)?;
    Some(spawn_configured(db, |_| (), move |c| c.mail.smtp_url = smtp_url))
}

/// Vest with two co-chairs and one political approver; a pool where both levels approve by e-mail.
pub(crate) fn setup(app: &TestApp, threshold: &str) -> i64 {
    crate::applications::vest_2022(
        app,
        json!({"recommendation_required": false, "strategic": "co_chairs_email", "email_mandate_reference": "Politisk niveau 09.11.2022, pkt. 3", "political": "email", "political_threshold": threshold}),
    );
    let etag = app.get("/api/v1/clusters/vest/approvers").header("etag").expect("etag").to_owned();
    let approvers = json!([
        {"name": CO_CHAIRS[0].0, "email": CO_CHAIRS[0].1, "level": "strategic", "side": "regional", "role": "co_chair"},
        {"name": CO_CHAIRS[1].0, "email": CO_CHAIRS[1].1, "level": "strategic", "side": "municipal", "role": "co_chair"},
        {"name": POLITICIAN.0, "email": POLITICIAN.1, "level": "political"},
    ]);
    app.request("PUT", "/api/v1/clusters/vest/approvers").json(&approvers).problem(428);
    let put = app.request("PUT", "/api/v1/clusters/vest/approvers").header("if-match", &etag).json(&approvers);
    assert_eq!(put.status, 200, "{}", put.text);
    crate::applications::submitted(app, &charter("150000.00"))
}

pub(crate) fn ask(app: &TestApp, id: i64, level: &str) -> Value {
    let r = app.post(&format!("/api/v1/applications/{id}/approval-requests"), &json!({"level": level}));
    assert_eq!(r.status, 201, "{}", r.text);
    r.json()
}

/// The nonce of the page's form.
fn nonce(page: &str) -> String {
    let at = page.find("name=\"nonce\" value=\"").expect("a form with a nonce") + 20;
    page[at..].chars().take_while(|c| *c != '"').collect()
}

pub(crate) fn page(app: &TestApp, token: &str) -> crate::helpers::Resp {
    app.request("GET", &format!("/approvals/{token}")).key(None).send()
}

pub(crate) fn answer(app: &TestApp, token: &str, decision: &str) -> crate::helpers::Resp {
    let shown = page(app, token);
    let n = if shown.status == 200 { nonce(&shown.text) } else { "x".repeat(32) };
    let form = format!("decision={decision}&comment=Set+og+godkendt&nonce={n}&confirm=yes");
    app.request("POST", &format!("/approvals/{token}"))
        .key(None)
        .header("content-type", "application/x-www-form-urlencoded")
        .send_raw(Some(form.as_bytes()))
}

pub(crate) fn token_for(mails: &[String], email: &str) -> String {
    // The newest mail to them with a link (notices carry none).
    let mail = mails
        .iter()
        .rev()
        .find(|m| crate::smtp::recipient(m) == email && !links(m).is_empty())
        .unwrap_or_else(|| panic!("no mail with a link to {email}"));
    links(mail).pop().expect("a link in the mail")
}

fn run_approve_end_to_end(backend: Backend) {
    let smtp = SmtpServer::start();
    let Some(app) = app_with_mail(backend, Some(smtp.url())) else { return };
    let id = setup(&app, "100000.00");
    let request = ask(&app, id, "strategic");
    assert_eq!(request["links"].as_array().map(Vec::len), Some(2));
    assert_eq!(status(&app)["pending"], "150000.00", "reserved from the moment the co-chairs are asked");

    let mails = smtp.wait_for(2);
    assert_eq!(mails.len(), 2, "one mail per co-chair");
    let text = crate::smtp::decoded(&mails[0]);
    assert!(
        text.contains("Tidlig opsporing af skrøbelige ældre") && text.contains("150.000,00\u{a0}kr."),
        "the facts are in the mail: {text}"
    );
    let (first, second) = (token_for(&mails, CO_CHAIRS[0].1), token_for(&mails, CO_CHAIRS[1].1));

    // Mail scanners and curious approvers may open the link as often as they like.
    for i in 0..100 {
        let method = if i % 2 == 0 { "GET" } else { "HEAD" };
        let r = app.request(method, &format!("/approvals/{first}")).key(None).send();
        assert_eq!(r.status, 200);
        assert_eq!(r.header("cache-control"), Some("no-store"));
        assert_eq!(r.header("referrer-policy"), Some("no-referrer"));
    }
    let shown = page(&app, &first).text;
    assert!(
        shown.contains("Godkend") && shown.contains("Afvis") && shown.contains("Thisted Kommune") && shown.contains("De sårbare ældre")
    );
    assert!(!shown.contains("<script") && !shown.contains("http://") || shown.contains("action=\"/approvals/"), "no external resources");

    let one = answer(&app, &first, "approve");
    assert_eq!(one.status, 200, "{}", one.text);
    assert!(one.text.contains("registreret"));
    assert_eq!(answer(&app, &first, "approve").status, 410, "single use");
    assert_eq!(app.get(&format!("/api/v1/applications/{id}")).json()["status"], "reserved");

    let two = answer(&app, &second, "approve");
    assert!(two.text.contains("politiske niveau"), "{}", two.text);
    let a = app.get(&format!("/api/v1/applications/{id}")).json();
    assert_eq!(a["awaiting"], "political", "both co-chairs approved; the political level is next");
    let mails = smtp.wait_for_mail_to(POLITICIAN.1, |m| !links(m).is_empty());
    let political = token_for(&mails, POLITICIAN.1);
    assert_eq!(answer(&app, &political, "approve").status, 200);
    let a = app.get(&format!("/api/v1/applications/{id}")).json();
    assert_eq!(a["status"], "approved");
    assert!(a["grant_id"].is_i64());
    let s = status(&app);
    assert_eq!(s["committed"], "150000.00");
    assert_eq!(s["pending"], "0.00");
    let audit = app.get(&format!("/api/v1/audit-events?subject=application:{id}")).json();
    let evidence =
        audit["items"].as_array().expect("items").iter().find(|e| e["action"] == "approval.link_approved").cloned().expect("evidence");
    assert_eq!(evidence["after"]["client_ip"], "127.0.0.1");
    assert!(evidence["actor"].as_str().unwrap_or("").contains(CO_CHAIRS[0].1));
    let sent = outbox_until(&app, |list| list.iter().all(|m| m["state"] == "sent"));
    assert!(sent.as_array().expect("list").iter().all(|m| m["state"] == "sent"), "{sent}");
    // The log of everything so far names no token.
    let log = logs();
    for token in [&first, &second, &political] {
        let leaks: Vec<&str> = log.lines().filter(|l| l.contains(token.as_str())).take(3).collect();
        assert!(leaks.is_empty(), "a token reached the log: {leaks:?}");
    }
    assert!(log.contains("/approvals/{token}"), "requests are logged by route");
}

#[test]
fn both_co_chairs_and_the_politician_approve_by_mail_and_the_grant_is_committed_on_sqlite() {
    run_approve_end_to_end(Backend::Sqlite);
}

#[test]
fn both_co_chairs_and_the_politician_approve_by_mail_and_the_grant_is_committed_on_postgres() {
    run_approve_end_to_end(Backend::Postgres);
}

fn run_one_rejection(backend: Backend) {
    let smtp = SmtpServer::start();
    let Some(app) = app_with_mail(backend, Some(smtp.url())) else { return };
    let id = setup(&app, "100000.00");
    ask(&app, id, "strategic");
    let mails = smtp.wait_for(2);
    let (first, second) = (token_for(&mails, CO_CHAIRS[0].1), token_for(&mails, CO_CHAIRS[1].1));
    assert_eq!(answer(&app, &first, "reject").status, 200);
    let a = app.get(&format!("/api/v1/applications/{id}")).json();
    assert_eq!(a["status"], "rejected");
    let s = status(&app);
    assert_eq!(s["pending"], "0.00");
    assert_eq!(s["available"], "871553.00", "the reservation is released");
    assert_eq!(page(&app, &second).status, 410, "the other co-chair's link is void");
}

#[test]
fn one_co_chair_rejecting_releases_the_reservation_on_sqlite() {
    run_one_rejection(Backend::Sqlite);
}

#[test]
fn one_co_chair_rejecting_releases_the_reservation_on_postgres() {
    run_one_rejection(Backend::Postgres);
}

fn run_concurrent_posts(backend: Backend) {
    let smtp = SmtpServer::start();
    let Some(app) = app_with_mail(backend, Some(smtp.url())) else { return };
    let id = setup(&app, "100000.00");
    ask(&app, id, "strategic");
    let mails = smtp.wait_for(2);
    let token = token_for(&mails, CO_CHAIRS[0].1);
    let n = nonce(&page(&app, &token).text);
    let statuses: Vec<u16> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..20)
            .map(|_| {
                let (app, token, n) = (&app, &token, &n);
                s.spawn(move || {
                    app.request("POST", &format!("/approvals/{token}"))
                        .key(None)
                        .header("content-type", "application/x-www-form-urlencoded")
                        .send_raw(Some(format!("decision=approve&nonce={n}&confirm=yes").as_bytes()))
                        .status
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().expect("thread")).collect()
    });
    assert_eq!(statuses.iter().filter(|s| **s == 200).count(), 1, "{statuses:?}");
    assert!(statuses.iter().all(|s| *s == 200 || *s == 410), "{statuses:?}");
    let audit = app.get(&format!("/api/v1/audit-events?subject=application:{id}")).json();
    let decisions = audit["items"].as_array().expect("items").iter().filter(|e| e["action"] == "approval.link_approved").count();
    assert_eq!(decisions, 1);
}

#[test]
fn twenty_concurrent_posts_with_one_token_make_one_decision_on_sqlite() {
    run_concurrent_posts(Backend::Sqlite);
}

#[test]
fn twenty_concurrent_posts_with_one_token_make_one_decision_on_postgres() {
    run_concurrent_posts(Backend::Postgres);
}

fn run_bad_links(backend: Backend) {
    let smtp = SmtpServer::start();
    let Some(app) = app_with_mail(backend, Some(smtp.url())) else { return };
    let id = setup(&app, "100000.00");
    ask(&app, id, "strategic");
    let mails = smtp.wait_for(2);
    let (first, second) = (token_for(&mails, CO_CHAIRS[0].1), token_for(&mails, CO_CHAIRS[1].1));

    let forged = page(&app, &"ab".repeat(32));
    assert_eq!(forged.status, 404);
    assert!(forged.text.contains("Linket findes ikke"));
    assert_eq!(page(&app, "not-a-token").status, 404);

    let raw = |sql: &str| {
        use diesel::{Connection, RunQueryDsl};
        match backend {
            Backend::Sqlite => diesel::sql_query(sql).execute(&mut crate::helpers::raw_sqlite(&app.db.url)),
            Backend::Postgres => diesel::sql_query(sql).execute(&mut diesel::PgConnection::establish(&app.db.url).expect("connect")),
        }
        .expect("sql")
    };
    raw(&format!("UPDATE approval_links SET expires_at = '2001-01-01 00:00:00' WHERE approver_email = '{}'", CO_CHAIRS[0].1));
    let expired = page(&app, &first);
    assert_eq!(expired.status, 410);
    assert!(expired.text.contains("udløbet"));
    assert_eq!(answer(&app, &first, "approve").status, 410);

    // Withdrawing the application changes it: the other link is void.
    assert_eq!(app.request("POST", &format!("/api/v1/applications/{id}/withdraw")).send().status, 200);
    let void = page(&app, &second);
    assert_eq!(void.status, 410);
    assert!(void.text.contains("gælder ikke længere"));
    assert_eq!(status(&app)["pending"], "0.00");
}

#[test]
fn expired_forged_and_voided_links_get_their_own_page_on_sqlite() {
    run_bad_links(Backend::Sqlite);
}

#[test]
fn expired_forged_and_voided_links_get_their_own_page_on_postgres() {
    run_bad_links(Backend::Postgres);
}

/// The outbox once `done` holds for it, or after ten seconds.
pub(crate) fn outbox_until(app: &TestApp, done: impl Fn(&[Value]) -> bool) -> Value {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        let outbox = app.get("/api/v1/outbox").json();
        if outbox.as_array().is_some_and(|l| done(l)) || std::time::Instant::now() > deadline {
            return outbox;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
}

fn run_smtp_down(backend: Backend) {
    let port = SmtpServer::free_port();
    let Some(app) = app_with_mail(backend, Some(format!("smtp://127.0.0.1:{port}"))) else { return };
    let id = setup(&app, "100000.00");
    ask(&app, id, "strategic");
    // The worker tries, fails and records why (polled: the worker runs on its own clock).
    let tried = |m: &Value| m["state"] == "queued" && m["attempts"].as_i64().unwrap_or(0) >= 1 && m["last_error"] != "";
    let outbox = outbox_until(&app, |list| list.len() == 2 && list.iter().all(tried));
    assert!(outbox.as_array().is_some_and(|l| l.len() == 2 && l.iter().all(tried)), "{outbox}");
    let smtp = SmtpServer::start_on(port);
    let mails = smtp.wait_for(2);
    assert_eq!(mails.len(), 2, "delivered once SMTP is back");
    // The SMTP server has the mail before the worker records it as sent.
    let outbox = outbox_until(&app, |list| list.iter().all(|m| m["state"] == "sent"));
    assert!(outbox.as_array().expect("list").iter().all(|m| m["state"] == "sent"), "{outbox}");
    // Resending gives new links and voids the old ones.
    let old = token_for(&mails, CO_CHAIRS[0].1);
    let request = app.get(&format!("/api/v1/approvals?application={id}")).json()[0]["id"].as_i64().expect("request");
    assert_eq!(app.request("POST", &format!("/api/v1/approvals/{request}/resend")).send().status, 200);
    let mails = smtp.wait_for(4);
    assert_eq!(page(&app, &old).status, 410);
    assert_eq!(page(&app, &token_for(&mails, CO_CHAIRS[0].1)).status, 200);
}

#[test]
fn with_smtp_down_mail_waits_in_the_outbox_and_goes_out_when_it_is_back_on_sqlite() {
    run_smtp_down(Backend::Sqlite);
}

#[test]
fn with_smtp_down_mail_waits_in_the_outbox_and_goes_out_when_it_is_back_on_postgres() {
    run_smtp_down(Backend::Postgres);
}

#[test]
fn without_approvers_or_in_a_meeting_pool_asking_by_mail_is_409_and_reserves_nothing() {
    let Some(app) = app_with_mail(Backend::Sqlite, None) else { return };
    crate::applications::vest_2022(
        &app,
        json!({"recommendation_required": false, "strategic": "co_chairs_email", "email_mandate_reference": "Politisk niveau 09.11.2022, pkt. 3", "political_threshold": "100000.00"}),
    );
    let id = crate::applications::submitted(&app, &charter("10.00"));
    let r = app.post(&format!("/api/v1/applications/{id}/approval-requests"), &json!({"level": "strategic"}));
    assert!(r.problem(409)["detail"].as_str().unwrap_or("").contains("approvers"));
    assert_eq!(status(&app)["pending"], "0.00");
    let r = app.post(&format!("/api/v1/applications/{id}/approval-requests"), &json!({"level": "political"}));
    assert!(r.problem(409)["detail"].as_str().unwrap_or("").contains("meetings"));
}

#[test]
fn a_reminder_with_a_fresh_link_goes_out_before_a_link_expires() {
    let smtp = SmtpServer::start();
    let Some(db) = TestDb::new(Backend::Sqlite) else { return };
    let url = smtp.url();
    // Links live 14 days; remind when less than 15 days are left, i.e. at once.
    let app = spawn_configured(
        db,
        |_| (),
        move |c| {
            c.mail.smtp_url = Some(url);
            c.links.reminder_hours = 15 * 24;
        },
    );
    let id = setup(&app, "100000.00");
    ask(&app, id, "strategic");
    let mails = smtp.wait_for(4);
    let reminders: Vec<&String> = mails.iter().filter(|m| crate::smtp::decoded(m).contains("Påmindelse")).collect();
    assert_eq!(reminders.len(), 2, "one reminder per co-chair");
    let first_mail =
        mails.iter().find(|m| m.contains(CO_CHAIRS[0].1) && !crate::smtp::decoded(m).contains("Påmindelse")).expect("first mail");
    let old = links(first_mail).pop().expect("old link");
    assert_eq!(page(&app, &old).status, 410, "the reminder's link replaces the old one");
    assert_eq!(page(&app, &token_for(&mails, CO_CHAIRS[0].1)).status, 200);
    std::thread::sleep(std::time::Duration::from_millis(500));
    assert_eq!(smtp.messages().len(), 4, "a reminded link is not reminded again");
}

#[test]
fn with_recusal_an_approver_from_the_applying_party_is_not_asked() {
    let smtp = SmtpServer::start();
    let Some(db) = TestDb::new(Backend::Sqlite) else { return };
    let url = smtp.url();
    let app = spawn_configured(
        db,
        |_| (),
        move |c| {
            c.mail.smtp_url = Some(url);
            c.links.recusal = true;
        },
    );
    crate::applications::vest_2022(
        &app,
        json!({"recommendation_required": false, "strategic": "co_chairs_email", "email_mandate_reference": "Politisk niveau 09.11.2022, pkt. 3", "political_threshold": "100000.00"}),
    );
    let etag = app.get("/api/v1/clusters/vest/approvers").header("etag").expect("etag").to_owned();
    const DEPUTY: (&str, &str) = ("Stedfortræder for kommunal medformand, Vest", "stedfortraeder.kommune.vest@example.org");
    let approvers = json!([
        {"name": CO_CHAIRS[0].0, "email": CO_CHAIRS[0].1, "level": "strategic", "side": "regional", "role": "co_chair", "party": "region-nordjylland"},
        {"name": CO_CHAIRS[1].0, "email": CO_CHAIRS[1].1, "level": "strategic", "side": "municipal", "role": "co_chair", "party": "thisted-kommune"},
        {"name": DEPUTY.0, "email": DEPUTY.1, "level": "strategic", "side": "municipal", "role": "deputy", "deputy_for": CO_CHAIRS[1].1, "party": ""},
    ]);
    let bad = json!([{"name": "X", "email": "x@example.org", "level": "strategic", "party": "atlantis"}]);
    assert_eq!(app.request("PUT", "/api/v1/clusters/vest/approvers").header("if-match", &etag).json(&bad).invalid_fields(), ["[0].party"]);
    assert_eq!(app.request("PUT", "/api/v1/clusters/vest/approvers").header("if-match", &etag).json(&approvers).status, 200);
    let id = crate::applications::submitted(&app, &charter("50000.00")); // applied for by thisted-kommune
    let request = ask(&app, id, "strategic");
    let asked: Vec<&str> = request["links"].as_array().expect("links").iter().filter_map(|l| l["approver_email"].as_str()).collect();
    assert_eq!(asked, [CO_CHAIRS[0].1, DEPUTY.1], "the municipal co-chair from the applying party steps aside for their deputy");
    let mails = smtp.wait_for(2);
    assert_eq!(answer(&app, &token_for(&mails, CO_CHAIRS[0].1), "approve").status, 200);
    assert_eq!(app.get(&format!("/api/v1/applications/{id}")).json()["status"], "reserved", "both seats must approve");
    assert_eq!(answer(&app, &token_for(&mails, DEPUTY.1), "approve").status, 200);
    assert_eq!(app.get(&format!("/api/v1/applications/{id}")).json()["status"], "approved");
}

#[test]
fn guessing_tokens_from_one_address_is_slowed_down_with_429() {
    let Some(db) = TestDb::new(Backend::Sqlite) else { return };
    let app = spawn_configured(db, |_| (), |c| c.auth_failures_per_minute = 5);
    for i in 0..5 {
        assert_eq!(page(&app, &format!("{i:064x}")).status, 404);
    }
    let limited = page(&app, &"f".repeat(64));
    assert_eq!(limited.status, 429);
    assert!(limited.header("retry-after").is_some());
}

/// The approver's address in the evidence: `X-Forwarded-For` only counts when it comes from a trusted proxy.
fn evidence_ip(trusted: &str) -> String {
    let smtp = SmtpServer::start();
    let Some(db) = TestDb::new(Backend::Sqlite) else { return String::new() };
    let (url, trusted) = (smtp.url(), trusted.to_owned());
    let app = spawn_configured(
        db,
        |_| (),
        move |c| {
            c.mail.smtp_url = Some(url);
            c.trusted_proxies = klyngemidler::http::client::TrustedProxies::parse(&trusted).expect("proxies");
        },
    );
    let id = setup(&app, "999999.00");
    ask(&app, id, "strategic");
    let mails = smtp.wait_for(2);
    let token = token_for(&mails, CO_CHAIRS[0].1);
    let n = nonce(&page(&app, &token).text);
    let form = format!("decision=approve&comment=&nonce={n}&confirm=yes");
    let r = app
        .request("POST", &format!("/approvals/{token}"))
        .key(None)
        .header("content-type", "application/x-www-form-urlencoded")
        .header("x-forwarded-for", "203.0.113.66, 198.51.100.7")
        .send_raw(Some(form.as_bytes()));
    assert_eq!(r.status, 200, "{}", r.text);
    let audit = app.get(&format!("/api/v1/audit-events?subject=application:{id}")).json();
    let evidence =
        audit["items"].as_array().expect("items").iter().find(|e| e["action"] == "approval.link_approved").cloned().expect("evidence");
    evidence["after"]["client_ip"].as_str().unwrap_or("").to_owned()
}

#[test]
fn a_forwarded_address_counts_in_the_evidence_only_behind_a_trusted_proxy() {
    assert_eq!(evidence_ip(""), "127.0.0.1", "a client cannot write its own address into the evidence");
    assert_eq!(evidence_ip("127.0.0.1"), "198.51.100.7", "behind the trusted balancer: the address it saw (the rightmost)");
}
