//! The approval page as a co-chair meets it: every fact needed to decide,
//! a confirmation step before anything is decided, a receipt, and links
//! that can no longer be used saying why, in Danish. Every scenario runs on
//! SQLite and PostgreSQL, with mail over a real SMTP server.

use serde_json::{Value, json};

use crate::browser::{Session, chromium};
use crate::email_approval::{CO_CHAIRS, ask, page, token_for};
use crate::helpers::{Backend, TestApp};
use crate::smtp::SmtpServer;
use crate::smtp_test;

const LONG_TITLE: &str = "Sundhedsklyngesamarbejdsudviklingsprojektet: tværsektorielle forløbskoordinatorfunktioner for \
                          skrøbelige ældre i Nordvestjylland";

/// A charter with everything a mayor reads: period, budget per year, goals, organisation, evaluation.
fn full_charter(title: &str) -> Value {
    let mut c = crate::applications::charter("150000.00");
    c["title"] = json!(title);
    c["organisation"] = json!("Styregruppe med Thisted Kommune og Region Nordjylland; projektleder i kommunens sundhedsafdeling.");
    c["evaluation"] = json!("Før- og eftermåling af akutte indlæggelser; slutevaluering til driftsforum i december 2023.");
    c["budget"] = json!([{"year": 2022, "amount": "50000.00"}, {"year": 2023, "amount": "100000.00"}]);
    c
}

/// Vest with two co-chairs and a politician (both levels by e-mail, threshold
/// 100.000 kr.); one application of 150.000 kr. asked of the co-chairs.
/// Returns the application and the request.
fn asked(app: &TestApp, title: &str) -> (i64, Value) {
    crate::email_approval::setup(app, "100000.00");
    let id = crate::applications::submitted(app, &full_charter(title));
    (id, ask(app, id, "strategic"))
}

/// Another application of the same pool, asked of the co-chairs.
fn another(app: &TestApp, title: &str) -> (i64, Value) {
    let mut c = crate::applications::charter("20000.00");
    c["title"] = json!(title);
    let id = crate::applications::submitted(app, &c);
    (id, ask(app, id, "strategic"))
}

fn tokens(smtp: &SmtpServer, n: usize) -> (String, String) {
    let mails = smtp.wait_for_links(n);
    (token_for(&mails, CO_CHAIRS[0].1), token_for(&mails, CO_CHAIRS[1].1))
}

fn nonce(page: &str) -> String {
    let at = page.find("name=\"nonce\" value=\"").expect("a form with a nonce") + 20;
    page[at..].chars().take_while(|c| *c != '"').collect()
}

fn post(app: &TestApp, token: &str, form: &str) -> crate::helpers::Resp {
    app.request("POST", &format!("/approvals/{token}"))
        .key(None)
        .header("content-type", "application/x-www-form-urlencoded")
        .send_raw(Some(form.as_bytes()))
}

fn steps(app: &TestApp, id: i64) -> Value {
    app.get(&format!("/api/v1/applications/{id}")).json()["steps"].clone()
}

/// The deadline of `email`'s link, as the page must show it (Danish time).
fn deadline_of(request: &Value, email: &str) -> String {
    let link = request["links"].as_array().expect("links").iter().find(|l| l["approver_email"] == email).expect("the link");
    let at = chrono::DateTime::parse_from_rfc3339(link["expires_at"].as_str().expect("expires_at")).expect("a time");
    klyngemidler::domain::danish::time_da(at.naive_utc())
}

/// Words that would give away an English sentence on a page for people.
fn assert_no_english(text: &str) {
    for word in [" the ", "This ", "cannot", "Error", "expired", "approved", "rejected", "lang=\"en\""] {
        assert!(!text.contains(word), "English ({word:?}) on a Danish page: {text}");
    }
}

smtp_test! {
    /// The municipal co-chair reads everything (and what the regional co-chair
    /// said), clicks Godkend (nothing decided yet), confirms, and gets a receipt.
    fn a_co_chair_reads_the_whole_case_confirms_and_gets_a_receipt(app, smtp) {
        let Some(binary) = chromium() else { return };
        let (id, request) = asked(app, "Tidlig opsporing af skrøbelige ældre");
        let (regional, municipal) = tokens(smtp, 2);
        for mail in smtp.wait_for(2) {
            let text = crate::smtp::decoded(&mail);
            assert!(!text.contains("anmodet om godkendelse pr. e-mail"), "the mail lists the open request as an earlier step: {text}");
        }
        let first = crate::email_approval::answer(app, &regional, "approve");
        assert_eq!(first.status, 200, "{}", first.text);

        let mut s = Session::open(&binary, 390);
        s.goto(&format!("{}/approvals/{municipal}", app.address));
        assert_eq!(s.last_status(), Some(200));
        let text = s.text();
        for fact in [
            "Til: Kommunal medformand, Vest",
            "Tidlig opsporing af skrøbelige ældre",
            "Thisted Kommune",
            "150.000,00\u{a0}kr.",
            "1.9.2022–31.12.2023",
            "Budget pr. år",
            "50.000,00\u{a0}kr.",
            "100.000,00\u{a0}kr.",
            "Færre akutte indlæggelser blandt de sårbare ældre.",
            "Styregruppe med Thisted Kommune og Region Nordjylland",
            "Før- og eftermåling af akutte indlæggelser",
            "De sårbare ældre",
            "721.553,00\u{a0}kr. er stadig til rådighed",
            "Regional medformand, Vest (for regionen): godkendte",
            "Bemærkning: Set og godkendt",
            "Ansøgningen blev indsendt",
        ] {
            assert!(text.contains(fact), "{fact:?} is not on the page:\n{text}");
        }
        let deadline = deadline_of(&request, CO_CHAIRS[1].1);
        assert!(text.contains(&format!("Fristen for at svare er {deadline}")), "deadline {deadline} in Danish time:\n{text}");
        assert!(!text.contains("UTC") && !text.contains("Kære"), "{text}");
        assert!(!text.contains("anmodet om godkendelse pr. e-mail"), "the open request is not an earlier step:\n{text}");
        assert_no_english(&s.html());

        let before = steps(app, id);
        s.click("button[value=approve]");
        assert_eq!(s.last_status(), Some(200));
        let confirm = s.text();
        assert!(
            confirm.contains("Du godkender 150.000,00\u{a0}kr. til Tidlig opsporing af skrøbelige ældre fra puljen vest-2022."),
            "{confirm}"
        );
        assert!(confirm.contains("Bekræft godkendelse") && confirm.contains("Tilbage uden at beslutte noget"), "{confirm}");
        assert_eq!(steps(app, id), before, "the first POST decides nothing");
        assert_eq!(app.get(&format!("/api/v1/applications/{id}")).json()["awaiting"], "strategic");

        s.click("button[type=submit]");
        assert_eq!(s.last_status(), Some(200));
        let receipt = s.text();
        assert!(receipt.contains("Din godkendelse er registreret"), "{receipt}");
        assert!(receipt.contains("150.000,00\u{a0}kr.") && receipt.contains("Tidlig opsporing af skrøbelige ældre"), "{receipt}");
        assert!(receipt.contains("politiske niveau"), "what happens next: {receipt}");
        assert!(receipt.contains("kl. ") && receipt.contains("klyngemidler@example.org"), "when, and whom to ask: {receipt}");
        assert_ne!(steps(app, id), before, "the confirmation decided");
        assert_eq!(app.get(&format!("/api/v1/applications/{id}")).json()["awaiting"], "political");
        assert!(s.errors().iter().all(|e| e.contains("favicon.ico")), "{:?}", s.errors());
        assert!(s.requests().iter().all(|u| u.starts_with(&app.address)), "nothing from elsewhere: {:?}", s.requests());

        // Over SMTP: the receipt to the co-chair who confirmed, a notice to the
        // other co-chair, and the secretariat told of both answers.
        use crate::smtp::{decoded, recipient};
        let to = |got: &[String], address: &str, words: &str| {
            got.iter().filter(|m| recipient(m) == address && decoded(m).contains(words)).count()
        };
        let secretariat = "klyngemidler@example.org";
        let mails = smtp.wait_until(|got| {
            to(got, CO_CHAIRS[1].1, "Du har godkendt sagen nedenfor") == 1
                && to(got, CO_CHAIRS[0].1, "Kommunal medformand, Vest har godkendt sagen nedenfor") == 1
                && to(got, secretariat, "gennem sit personlige link") == 2
        });
        assert_eq!(to(&mails, CO_CHAIRS[1].1, "Du har godkendt sagen nedenfor"), 1, "the receipt mail arrived");
        let receipt_mail = mails.iter().map(|m| decoded(m)).find(|m| m.contains("Du har godkendt sagen nedenfor")).expect("receipt");
        assert!(receipt_mail.contains("150.000,00\u{a0}kr.") && receipt_mail.contains("Tidlig opsporing af skrøbelige ældre"), "{receipt_mail}");
        assert_eq!(to(&mails, CO_CHAIRS[0].1, "Kommunal medformand, Vest har godkendt sagen nedenfor"), 1, "the other co-chair is told");
        assert_eq!(to(&mails, secretariat, "gennem sit personlige link"), 2, "the secretariat is told of each answer");

        // The politician reads the co-chairs' step, dated, with what they wrote.
        let politician = token_for(&smtp.wait_for_links(3), "udvalgsformand.vest@example.org");
        let shown = page(app, &politician).text;
        assert!(shown.contains("Fagligt strategisk niveau: godkendt"), "{shown}");
        assert!(shown.contains("Regional medformand, Vest: Set og godkendt"), "the first co-chair's comment: {shown}");
        assert!(shown.contains("Ingen andre på dette niveau"), "{shown}");
    }
}

smtp_test! {
    /// "Afvis" without a reason is refused on the page (twice: before and at
    /// the confirmation); with a reason it is confirmed, then decided.
    fn a_rejection_needs_a_reason_and_a_confirmation(app, smtp) {
        let (id, _) = asked(app, "Tidlig opsporing af skrøbelige ældre");
        let (regional, _) = tokens(smtp, 2);
        let n = nonce(&page(app, &regional).text);
        let before = steps(app, id);
        for form in [format!("decision=reject&comment=++&nonce={n}"), format!("decision=reject&comment=&nonce={n}&confirm=yes")] {
            let refused = post(app, &regional, &form);
            assert_eq!(refused.status, 422, "{}", refused.text);
            assert!(refused.text.contains("Skriv en begrundelse"), "the reason is said: {}", refused.text);
            assert!(refused.text.contains("name=\"nonce\"") && refused.text.contains(">Afvis<"), "the form again");
            assert_eq!(steps(app, id), before, "nothing decided");
        }
        let confirm = post(app, &regional, &format!("decision=reject&comment=Projektet+overlapper+med+et+andet&nonce={n}"));
        assert_eq!(confirm.status, 200, "{}", confirm.text);
        assert!(confirm.text.contains("Du afviser ansøgningen om 150.000,00\u{a0}kr. til Tidlig opsporing af skrøbelige ældre"), "{}", confirm.text);
        assert!(confirm.text.contains("Begrundelse:</strong> Projektet overlapper med et andet"), "{}", confirm.text);
        assert!(confirm.text.contains("Bekræft afvisning") && confirm.text.contains("name=\"confirm\" value=\"yes\""));
        assert_eq!(steps(app, id), before, "the first POST decides nothing");
        let done = post(app, &regional, &format!("decision=reject&comment=Projektet+overlapper+med+et+andet&nonce={n}&confirm=yes"));
        assert_eq!(done.status, 200, "{}", done.text);
        assert!(done.text.contains("Din afvisning er registreret") && done.text.contains("frigivet"), "{}", done.text);
        assert_eq!(app.get(&format!("/api/v1/applications/{id}")).json()["status"], "rejected");
    }
}

smtp_test! {
    /// A long title of long words and a narrow phone: the page never scrolls sideways.
    fn the_approval_and_confirmation_pages_fit_a_phone_of_320_and_390_pixels(app, smtp) {
        let Some(binary) = chromium() else { return };
        asked(app, LONG_TITLE);
        let (regional, _) = tokens(smtp, 2);
        let url = format!("{}/approvals/{regional}", app.address);
        for width in [320, 390] {
            let mut s = Session::open(&binary, width);
            s.hide_scrollbars();
            s.goto(&url);
            assert!(s.text().contains("Sundhedsklyngesamarbejdsudviklingsprojektet"));
            assert_eq!(s.widths(), (i64::from(width), i64::from(width)), "the approval page at {width} px");
            save_screenshot(&mut s, &format!("approval-page-{width}.png"));
            s.fill("#comment", "Sundhedsklyngesamarbejdsudviklingsprojektsbemærkningsfeltsindholdet er langt");
            s.click("button[value=approve]");
            assert!(s.text().contains("Bekræft godkendelse"));
            assert_eq!(s.widths(), (i64::from(width), i64::from(width)), "the confirmation page at {width} px");
            save_screenshot(&mut s, &format!("approval-confirmation-{width}.png"));
        }
    }
}

/// Keeps a picture of the page for a person to look at.
fn save_screenshot(s: &mut Session, name: &str) {
    let file = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join(name);
    std::fs::write(&file, s.screenshot()).expect("save the screenshot");
    eprintln!("screenshot: {}", file.display());
}

/// Sets every link of `email` to have expired.
fn expire_links(app: &TestApp, email: &str) {
    use diesel::{Connection, RunQueryDsl};
    let sql =
        format!("UPDATE approval_links SET expires_at = '2001-01-01 00:00:00' WHERE approver_email = '{email}' AND state = 'pending'");
    match app.db.backend() {
        Backend::Sqlite => diesel::sql_query(sql).execute(&mut crate::helpers::raw_sqlite(&app.db.url)),
        Backend::Postgres => diesel::sql_query(sql).execute(&mut diesel::PgConnection::establish(&app.db.url).expect("connect")),
    }
    .expect("sql");
}

fn gone(app: &TestApp, token: &str, status: u16, says: &[&str]) -> String {
    let r = page(app, token);
    assert_eq!(r.status, status, "{}", r.text);
    for words in says {
        assert!(r.text.contains(words), "{words:?} not said: {}", r.text);
    }
    assert!(r.text.contains("<html lang=\"da\"") && r.text.contains("<main>"), "{}", r.text);
    assert_no_english(&r.text);
    r.text
}

smtp_test! {
    /// Each link that can no longer be used says why, and whom to contact.
    fn a_link_that_no_longer_works_says_why_in_danish(app, smtp) {
        let (_, first) = asked(app, "Tidlig opsporing af skrøbelige ældre");
        let (regional, municipal) = tokens(smtp, 2);
        gone(app, &"ab".repeat(32), 404, &["Linket findes ikke"]);

        // Answered by you: what and when. Rejected by the other co-chair: no newer link is promised.
        let answer = crate::email_approval::answer(app, &regional, "reject");
        assert_eq!(answer.status, 200, "{}", answer.text);
        let mine = gone(app, &regional, 410, &["Du afviste via dette link", "kl. ", "klyngemidler@example.org"]);
        assert!(!mine.contains("nyeste link"));
        let other = gone(app, &municipal, 410, &["Sagen er afvist", "En anden godkender har afvist"]);
        assert!(!other.contains("nyeste link"), "there is no newer link: {other}");
        assert!(first["id"].is_i64());

        // Resent: the old link points to the newest one.
        let (_, second) = another(app, "Sundhedsfremme for unge");
        let (old, _) = tokens(smtp, 4);
        let resent = app.post(&format!("/api/v1/approvals/{}/resend", second["id"]), &json!({}));
        assert_eq!(resent.status, 200, "{}", resent.text);
        let (newest, _) = tokens(smtp, 6);
        gone(app, &old, 410, &["Linket er erstattet", "Brug det nyeste link"]);

        // Expired.
        expire_links(app, CO_CHAIRS[0].1);
        gone(app, &newest, 410, &["Linket er udløbet", "klyngemidler@example.org"]);

        // Withdrawn by the secretariat: no newer link exists.
        let (_, third) = another(app, "Forebyggelse i almen praksis");
        let (withdrawn, _) = tokens(smtp, 8);
        let revoke = app.request("POST", &format!("/api/v1/approvals/{}/revoke", third["id"])).send();
        assert_eq!(revoke.status, 200, "{}", revoke.text);
        let text = gone(app, &withdrawn, 410, &["Sekretariatet har trukket anmodningen tilbage"]);
        assert!(!text.contains("nyeste link"), "{text}");

        // Withdrawn by the applicant.
        let (fourth_id, _) = another(app, "Rehabilitering i hjemmet");
        let (by_applicant, _) = tokens(smtp, 10);
        assert_eq!(app.request("POST", &format!("/api/v1/applications/{fourth_id}/withdraw")).send().status, 200);
        gone(app, &by_applicant, 410, &["Ansøgeren har trukket ansøgningen tilbage"]);

        // The pool closed.
        another(app, "Mental sundhed for ældre");
        let (closing, _) = tokens(smtp, 12);
        assert_eq!(app.request("POST", "/api/v1/pools/vest-2022/close").send().status, 200);
        gone(app, &closing, 410, &["Puljen er lukket"]);
    }
}

smtp_test! {
    /// Both co-chairs approved: each link says what its approver answered, and when.
    fn a_used_link_says_what_you_answered_and_when(app, smtp) {
        asked(app, "Tidlig opsporing af skrøbelige ældre");
        let (regional, municipal) = tokens(smtp, 2);
        assert_eq!(crate::email_approval::answer(app, &regional, "approve").status, 200);
        assert_eq!(crate::email_approval::answer(app, &municipal, "approve").status, 200);
        for token in [&regional, &municipal] {
            gone(app, token, 410, &["Du godkendte via dette link den ", " kl. ", "Dit svar er registreret"]);
        }
    }
}

smtp_test! {
    /// Every approval page (the form, a refused form, the confirmation, the
    /// receipt, dead links) has no axe-core violations.
    fn the_approval_pages_pass_axe(app, smtp) {
        let Some(binary) = chromium() else { return };
        let Some(axe) = crate::accessibility::axe_source() else { return };
        asked(app, LONG_TITLE);
        let (regional, municipal) = tokens(smtp, 2);
        let mut s = Session::open(&binary, 390);
        let check = |s: &mut Session, what: &str| {
            let violations = s.axe(&axe);
            assert!(violations.is_empty(), "{what}: {violations:#?}");
        };
        s.goto(&format!("{}/approvals/{regional}", app.address));
        check(&mut s, "approval page");
        s.click("button[value=reject]");
        check(&mut s, "a rejection without a reason");
        s.fill("#comment", "Overlapper med et andet projekt");
        s.click("button[value=reject]");
        check(&mut s, "confirmation page");
        s.click("button[type=submit]");
        check(&mut s, "receipt");
        s.goto(&format!("{}/approvals/{regional}", app.address));
        check(&mut s, "answered by you");
        s.goto(&format!("{}/approvals/{municipal}", app.address));
        check(&mut s, "rejected by another");
        s.goto(&format!("{}/approvals/{}", app.address, "ab".repeat(32)));
        check(&mut s, "unknown link");
    }
}
