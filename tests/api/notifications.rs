//! Notices through the outbox, delivered over real SMTP: the approver's
//! receipt, the other approvers and the secretariat after an answer, the
//! secretariat and the applicant's contact after a decision, and the
//! secretariat when a request expires (its money stays reserved until it
//! is resent or revoked).

use serde_json::json;

use crate::applications::{charter, decide, status, submitted, vest_2022};
use crate::email_approval::{CO_CHAIRS, answer, ask, page, setup, token_for};
use crate::helpers::{Backend, TestApp};
use crate::smtp::{SmtpServer, decoded, header, links, recipient};
use crate::smtp_test;

const SECRETARIAT: &str = "klyngemidler@example.org";
const CONTACT: &str = "projektleder@example.org";
const TITLE: &str = "Tidlig opsporing af skrøbelige ældre";

/// The decoded mails to `address` whose text contains `mark`.
fn to(mails: &[String], address: &str, mark: &str) -> Vec<String> {
    mails.iter().filter(|m| recipient(m) == address).map(|m| decoded(m)).filter(|t| t.contains(mark)).collect()
}

/// Waits for a mail to `address` containing `mark` and returns its text.
fn arrives(smtp: &SmtpServer, address: &str, mark: &str) -> String {
    let mails = smtp.wait_for_mail_to(address, |m| decoded(m).contains(mark));
    to(&mails, address, mark)
        .pop()
        .unwrap_or_else(|| panic!("no mail to {address} with {mark:?}; got {:#?}", mails.iter().map(|m| decoded(m)).collect::<Vec<_>>()))
}

/// Today in Danish time, as the mails write it ("1.12.2026 kl.").
fn today_da() -> String {
    chrono::Utc::now().with_timezone(&chrono_tz::Europe::Copenhagen).format("%-d.%-m.%Y kl.").to_string()
}

/// Every mail has its own well-formed Message-ID and a Date.
fn assert_message_ids(mails: &[String]) {
    let mut seen = std::collections::HashSet::new();
    for m in mails {
        let id = header(m, "Message-ID").unwrap_or_else(|| panic!("no Message-ID in {m}"));
        assert!(id.starts_with('<') && id.ends_with('>') && !id.contains(' '), "{id}");
        let (local, domain) = id[1..id.len() - 1].split_once('@').unwrap_or_else(|| panic!("no @ in {id}"));
        assert!(!local.is_empty() && domain == "example.org" && !domain.contains('@'), "{id}");
        assert!(seen.insert(id.clone()), "Message-ID used twice: {id}");
        assert!(header(m, "Date").is_some_and(|d| !d.is_empty()), "no Date in {m}");
    }
}

/// Runs SQL on the app's database (to move links' expiry into the past).
fn raw(app: &TestApp, sql: &str) {
    use diesel::{Connection, RunQueryDsl};
    if app.db.url.starts_with("postgres") {
        diesel::sql_query(sql).execute(&mut diesel::PgConnection::establish(&app.db.url).expect("connect")).expect("sql");
    } else {
        use diesel::connection::SimpleConnection;
        let mut conn = crate::helpers::raw_sqlite(&app.db.url);
        conn.batch_execute("PRAGMA busy_timeout = 10000;").expect("busy timeout");
        diesel::sql_query(sql).execute(&mut conn).expect("sql");
    }
}

/// The requests listed with `?status=`, once there is one (the sweep runs on the worker's clock).
fn listed(app: &TestApp, state: &str) -> serde_json::Value {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(15);
    loop {
        let list = app.get(&format!("/api/v1/approvals?status={state}")).json();
        if list.as_array().is_some_and(|l| !l.is_empty()) || std::time::Instant::now() > deadline {
            return list;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
}

fn audit_count(app: &TestApp, id: i64, action: &str) -> usize {
    let audit = app.get(&format!("/api/v1/audit-events?subject=application:{id}")).json();
    audit["items"].as_array().expect("items").iter().filter(|e| e["action"] == action).count()
}

smtp_test! {
    /// One co-chair approves: a receipt to them, a word to the other co-chair (whose answer is still
    /// wanted, through the link they have: this mail has none) and one to the secretariat.
    fn one_approval_sends_a_receipt_and_tells_the_other_co_chair_and_the_secretariat(app, smtp) {
        let id = setup(app, "100000.00");
        ask(app, id, "strategic");
        let mails = smtp.wait_for(2);
        let (first, second) = (token_for(&mails, CO_CHAIRS[0].1), token_for(&mails, CO_CHAIRS[1].1));
        let request = decoded(&mails[0]);
        assert!(request.contains("Til: ") && !request.contains("Kære"), "{request}");
        assert!(!request.contains("UTC"), "the deadline is in Danish time: {request}");
        assert_eq!(answer(app, &first, "approve").status, 200);

        let receipt = arrives(smtp, CO_CHAIRS[0].1, "Kvittering");
        assert!(receipt.contains(&format!("Til: {}", CO_CHAIRS[0].0)), "{receipt}");
        for fact in [TITLE, "150.000,00\u{a0}kr.", "Godkendt", "Der ventes stadig", &today_da(), "Set og godkendt"] {
            assert!(receipt.contains(fact), "{fact:?} missing from the receipt: {receipt}");
        }
        let other = arrives(smtp, CO_CHAIRS[1].1, "har godkendt");
        assert!(other.contains(CO_CHAIRS[0].0) && other.contains("mangler stadig dit svar"), "{other}");
        let told = arrives(smtp, SECRETARIAT, "Svar modtaget");
        assert!(told.contains(CO_CHAIRS[0].1) && told.contains(TITLE), "{told}");

        let mails = smtp.messages();
        assert_eq!(mails.len(), 5, "two requests, a receipt and two notices");
        for notice in &mails[2..] {
            assert!(links(notice).is_empty(), "a notice carries no token: {}", decoded(notice));
        }
        assert_message_ids(&mails);
        assert_eq!(page(app, &second).status, 200, "the other co-chair's link still works");
    }
}

smtp_test! {
    /// The last approval decides the case: the secretariat and the applicant's contact hear it is granted.
    fn the_last_approval_tells_the_secretariat_and_the_contact_that_the_case_is_granted(app, smtp) {
        let id = setup(app, "1000000.00");
        ask(app, id, "strategic");
        let mails = smtp.wait_for(2);
        assert_eq!(answer(app, &token_for(&mails, CO_CHAIRS[0].1), "approve").status, 200);
        assert_eq!(answer(app, &token_for(&mails, CO_CHAIRS[1].1), "approve").status, 200);
        assert_eq!(app.get(&format!("/api/v1/applications/{id}")).json()["status"], "approved");
        for address in [SECRETARIAT, CONTACT] {
            let decided = arrives(smtp, address, "Bevilget");
            assert!(decided.contains(TITLE) && decided.contains("150.000,00\u{a0}kr.") && decided.contains("pr. e-mail-link"), "{decided}");
            assert!(links(&decided).is_empty());
        }
        let receipt = arrives(smtp, CO_CHAIRS[1].1, "Kvittering");
        assert!(receipt.contains("bevillingen er nu givet"), "{receipt}");
        assert_message_ids(&smtp.messages());
    }
}

smtp_test! {
    /// A decision recorded from a meeting's minutes tells the same people, granted or rejected.
    fn a_recorded_decision_tells_the_secretariat_and_the_contact(app, smtp) {
        vest_2022(app, json!({"recommendation_required": false, "political_threshold": "1000000.00"}));
        let granted = submitted(app, &charter("50000.00"));
        let r = decide(app, granted, "strategic", "approved", None);
        assert_eq!(r.status, 200, "{}", r.text);
        for address in [SECRETARIAT, CONTACT] {
            let decided = arrives(smtp, address, "Bevilget");
            assert!(decided.contains("50.000,00\u{a0}kr.") && decided.contains("på mødet 20.10.2022"), "{decided}");
        }
        let rejected = submitted(app, &charter("60000.00"));
        assert_eq!(decide(app, rejected, "strategic", "rejected", None).status, 200);
        let decided = arrives(smtp, CONTACT, "Afvist");
        assert!(decided.contains("Ansøgningen er afvist"), "{decided}");
        assert_eq!(to(&smtp.messages(), SECRETARIAT, "Afvist").len(), 1);
        assert_message_ids(&smtp.messages());
    }
}

smtp_test! {
    /// A rejection ends the request: the other co-chair is told their link no longer applies.
    fn a_rejection_tells_the_other_co_chair_their_link_no_longer_applies(app, smtp) {
        let id = setup(app, "100000.00");
        ask(app, id, "strategic");
        let mails = smtp.wait_for(2);
        let second = token_for(&mails, CO_CHAIRS[1].1);
        assert_eq!(answer(app, &token_for(&mails, CO_CHAIRS[0].1), "reject").status, 200);
        let other = arrives(smtp, CO_CHAIRS[1].1, "har afvist");
        assert!(other.contains("afsluttet") && other.contains("gælder ikke længere"), "{other}");
        assert_eq!(page(app, &second).status, 410);
        let receipt = arrives(smtp, CO_CHAIRS[0].1, "Kvittering");
        assert!(receipt.contains("Afvist") && receipt.contains("frigivet"), "{receipt}");
        for address in [SECRETARIAT, CONTACT] {
            assert!(arrives(smtp, address, "Afvist: ").contains(TITLE));
        }
    }
}

smtp_test! {
    /// Links that all expire unanswered make the request `expired`: the money stays reserved, the
    /// secretariat is told once, a resend reopens it with fresh links, a revoke releases the money.
    fn an_expired_request_keeps_its_money_until_it_is_resent_or_revoked(app, smtp) {
        let id = setup(app, "100000.00");
        ask(app, id, "strategic");
        let mails = smtp.wait_for(2);
        let old = token_for(&mails, CO_CHAIRS[0].1);
        raw(app, "UPDATE approval_links SET expires_at = '2001-01-01 00:00:00'");
        let expired = listed(app, "expired");
        assert_eq!(expired.as_array().map(Vec::len), Some(1), "{expired}");
        let request = expired[0]["id"].as_i64().expect("id");
        assert_eq!(expired[0]["status"], "expired");
        assert_eq!(app.get(&format!("/api/v1/approvals?application={id}")).json()[0]["status"], "expired");
        assert_eq!(status(app)["pending"], "150000.00", "the money stays reserved");
        assert_eq!(app.get(&format!("/api/v1/applications/{id}")).json()["status"], "reserved");
        let told = arrives(smtp, SECRETARIAT, "Udløbet uden svar");
        for fact in [TITLE, "reserveret", CO_CHAIRS[0].0, CO_CHAIRS[1].0, &format!("/api/v1/approvals/{request}/resend")] {
            assert!(told.contains(fact), "{fact:?} missing: {told}");
        }
        assert_eq!(page(app, &old).status, 410);
        std::thread::sleep(std::time::Duration::from_millis(600));
        assert_eq!(audit_count(app, id, "approval.expired"), 1, "the sweep expires a request once");
        assert_eq!(to(&smtp.messages(), SECRETARIAT, "Udløbet uden svar").len(), 1);

        let resent = app.request("POST", &format!("/api/v1/approvals/{request}/resend")).send();
        assert_eq!(resent.status, 200, "{}", resent.text);
        assert_eq!(resent.json()["status"], "open");
        let mails = smtp.wait_for_mail_to(CO_CHAIRS[0].1, |m| links(m).first().is_some_and(|t| *t != old));
        let fresh = token_for(&mails, CO_CHAIRS[0].1);
        assert_ne!(fresh, old);
        assert_eq!(page(app, &fresh).status, 200, "fresh links work");
        assert_eq!(status(app)["pending"], "150000.00");

        raw(app, "UPDATE approval_links SET expires_at = '2001-01-01 00:00:00'");
        assert_eq!(listed(app, "expired").as_array().map(Vec::len), Some(1));
        let revoked = app.request("POST", &format!("/api/v1/approvals/{request}/revoke")).send();
        assert_eq!(revoked.status, 200, "{}", revoked.text);
        assert_eq!(revoked.json()["status"], "revoked");
        let s = status(app);
        assert_eq!(s["pending"], "0.00", "revoking releases the money");
        assert_eq!(s["available"], "871553.00");
        assert_eq!(app.request("POST", &format!("/api/v1/approvals/{request}/resend")).send().status, 409);
        assert_eq!(app.get("/api/v1/approvals?status=lapsed").status, 422);
    }
}

fn run_carry_over(backend: Backend) {
    let Some((smtp, app, id)) = crate::carry_overs::asked_by_mail(backend) else { return };
    let mails = smtp.wait_for(2);
    let text = decoded(&mails[0]);
    assert!(text.contains("politiske godkendelse af, at det, der er tilbage af 2022-puljen, overføres til 2023"), "{text}");
    assert!(!text.contains("tage stilling til denne bevilling") && !text.contains("Ansøger"), "{text}");
    assert!(header(&mails[0], "Subject").is_some());
    for email in ["udvalgsformand.vest@example.org", "naestformand.vest@example.org"] {
        assert_eq!(answer(&app, &token_for(&mails, email), "approve").status, 200);
    }
    assert_eq!(app.get(&format!("/api/v1/carry-overs/{id}")).json()["state"], "executed");
    let told = arrives(&smtp, SECRETARIAT, "Overførsel godkendt");
    assert!(told.contains("Overførsel af restmidler fra 2022 til 2023") && told.contains("871.553,00\u{a0}kr."), "{told}");
    let receipt = arrives(&smtp, "naestformand.vest@example.org", "Kvittering");
    assert!(receipt.contains("Overførsel:") && !receipt.contains("Projekt:"), "{receipt}");
}

#[test]
fn a_carry_over_is_asked_and_told_in_its_own_words_on_sqlite() {
    run_carry_over(Backend::Sqlite);
}

#[test]
fn a_carry_over_is_asked_and_told_in_its_own_words_on_postgres() {
    run_carry_over(Backend::Postgres);
}

smtp_test! {
    /// A request about a case that changed after its links went out (here: withdrawn) is not
    /// "expired" when its links lapse: it ends as revoked, and the secretariat is not told money waits.
    fn a_lapsed_request_about_a_changed_case_ends_as_revoked_without_a_mail(app, smtp) {
        let id = setup(app, "100000.00");
        ask(app, id, "strategic");
        smtp.wait_for(2);
        assert_eq!(app.request("POST", &format!("/api/v1/applications/{id}/withdraw")).send().status, 200);
        raw(app, "UPDATE approval_links SET expires_at = '2001-01-01 00:00:00'");
        let revoked = listed(app, "revoked");
        assert_eq!(revoked.as_array().map(Vec::len), Some(1), "{revoked}");
        assert_eq!(app.get("/api/v1/approvals?status=expired").json(), json!([]));
        std::thread::sleep(std::time::Duration::from_millis(400));
        assert!(to(&smtp.messages(), SECRETARIAT, "Udløbet").is_empty());
        assert_eq!(status(app)["pending"], "0.00");
    }
}

fn run_carry_over_recorded(backend: Backend) {
    let Some((smtp, app, id)) = crate::carry_overs::asked_by_mail(backend) else { return };
    smtp.wait_for(2);
    let decision =
        json!({"level": "political", "outcome": "approved", "meeting_date": "2023-01-26", "reference": "Referat 26.1.2023, pkt. 2"});
    let r = app.post(&format!("/api/v1/carry-overs/{id}/decision"), &decision);
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.json()["state"], "executed");
    let told = arrives(&smtp, SECRETARIAT, "Overførsel godkendt");
    assert!(told.contains("på mødet 26.1.2023") && told.contains("871.553,00\u{a0}kr."), "{told}");
}

#[test]
fn a_carry_over_decided_in_a_recorded_decision_is_told_to_the_secretariat_on_sqlite() {
    run_carry_over_recorded(Backend::Sqlite);
}

#[test]
fn a_carry_over_decided_in_a_recorded_decision_is_told_to_the_secretariat_on_postgres() {
    run_carry_over_recorded(Backend::Postgres);
}
