//! Year end: what is left of a closed pool moves to the next year only after
//! the political level signs off, and moves exactly once.

use serde_json::{Value, json};

use crate::api_test;
use crate::applications::{charter, decide, submitted, vest_2022};
use crate::helpers::{Backend, TestApp, TestDb, assert_reconciles, spawn_configured};
use crate::smtp::{SmtpServer, links};

/// A pool's status, checked to reconcile overall and per bucket.
fn status_of(app: &TestApp, pool: &str) -> Value {
    let r = app.get(&format!("/api/v1/pools/{pool}/status"));
    assert_eq!(r.status, 200, "{}", r.text);
    let s = r.json();
    assert_reconciles(&s);
    for b in s["buckets"].as_array().expect("buckets") {
        assert_reconciles(b);
    }
    s
}

fn close(app: &TestApp, pool: &str) {
    let r = app.request("POST", &format!("/api/v1/pools/{pool}/close")).send();
    assert_eq!(r.status, 200, "{}", r.text);
}

fn propose(app: &TestApp, pool: &str, body: Value) -> crate::helpers::Resp {
    app.post(&format!("/api/v1/pools/{pool}/carry-overs"), &body)
}

fn political(app: &TestApp, id: i64, outcome: &str) -> crate::helpers::Resp {
    let body = json!({"level": "political", "outcome": outcome, "meeting_date": "2023-01-26", "reference": "Referat 26.01.2023, pkt. 5"});
    app.post(&format!("/api/v1/carry-overs/{id}/decision"), &body)
}

const RECOMMENDED: &str = "Referat 15.12.2022, pkt. 3";

/// Every ledger entry of a pool: (kind, memo).
fn ledger_kinds(app: &TestApp, pool: &str) -> Vec<String> {
    let l = app.get(&format!("/api/v1/pools/{pool}/ledger?limit=500")).json();
    l["items"].as_array().expect("items").iter().map(|e| e["kind"].as_str().unwrap_or("").to_owned()).collect()
}

api_test! {
    /// The minutes: Vest's 871,553.00 from 2022 goes to 2023 once the political level agrees.
    fn vests_871553_is_held_until_political_sign_off_then_moves_once(app) {
        vest_2022(app, json!({}));
        // Proposed on a draft pool: nothing to carry yet (an open pool takes a proposal for closing: decision_rights.rs).
        let etag = app.get("/api/v1/pools/vest-2022").header("etag").expect("etag").to_owned();
        let _ = etag;
        close(app, "vest-2022");

        let proposed = propose(app, "vest-2022", json!({"recommendation_reference": RECOMMENDED, "recommendation_date": "2022-12-15"}));
        assert_eq!(proposed.status, 201, "{}", proposed.text);
        let co = proposed.json();
        let id = co["id"].as_i64().expect("id");
        assert_eq!(proposed.header("location"), Some(format!("/api/v1/carry-overs/{id}").as_str()));
        assert_eq!((co["state"].as_str(), co["amount"].as_str(), co["to_year"].as_i64()), (Some("proposed"), Some("871553.00"), Some(2023)));
        assert_eq!(co["bucket"], "rolling");
        assert_eq!(co["target_pool"], "vest-2023");
        assert_eq!(co["held_from"], json!([{"bucket": "rolling", "amount": "871553.00"}]));

        // A carry-over without political sign-off moves no money: it is only held.
        let s = status_of(app, "vest-2022");
        assert_eq!((s["available"].as_str(), s["pending"].as_str(), s["carried_out"].as_str()), (Some("0.00"), Some("871553.00"), Some("0.00")));
        assert_eq!(app.get("/api/v1/pools/vest-2023").status, 404, "the target pool is created only on approval");
        let retry = propose(app, "vest-2022", json!({"recommendation_reference": RECOMMENDED, "recommendation_date": "2022-12-15"}));
        assert_eq!((retry.status, retry.json()["id"].as_i64()), (200, Some(id)), "the same proposal again is the open one");
        let other = propose(app, "vest-2022", json!({"recommendation_reference": "Et andet referat"})).problem(409);
        assert_eq!(other["type"], "urn:klyngemidler:problem:carry-over-open");
        assert_eq!(status_of(app, "vest-2022")["pending"], "871553.00", "held once");

        let approved = political(app, id, "approved");
        assert_eq!(approved.status, 200, "{}", approved.text);
        let co = approved.json();
        assert_eq!(co["state"], "executed");
        assert_eq!(co["decision"]["channel"], "meeting");
        assert_eq!(co["decision"]["meeting_date"], "2023-01-26");

        let before = status_of(app, "vest-2022");
        assert_eq!((before["pending"].as_str(), before["carried_out"].as_str()), (Some("0.00"), Some("871553.00")));
        let target = status_of(app, "vest-2023");
        assert_eq!(target["state"], "draft");
        assert_eq!(target["allocation_model"], json!({"kind": "rolling"}), "same model as the source unless stated");
        assert_eq!((target["total"].as_str(), target["carried_in"].as_str(), target["available"].as_str()), (Some("0.00"), Some("871553.00"), Some("871553.00")));
        assert_eq!(target["carried_in_pending"], "0.00");

        // Approving twice moves it once.
        let twice = political(app, id, "approved").problem(409);
        assert_eq!(twice["type"], "urn:klyngemidler:problem:carry-over-state");
        political(app, id, "rejected").problem(409);
        assert_eq!(status_of(app, "vest-2022"), before);
        assert_eq!(ledger_kinds(app, "vest-2023").iter().filter(|k| *k == "carry_over").count(), 1);
        assert_eq!(ledger_kinds(app, "vest-2022").iter().filter(|k| k.starts_with("carry_over")).count(), 2, "hold and move");

        let audit = app.get(&format!("/api/v1/audit-events?subject=carry_over:{id}")).json();
        let actions: Vec<&str> = audit["items"].as_array().expect("items").iter().filter_map(|e| e["action"].as_str()).collect();
        assert_eq!(actions, ["carry_over.proposed", "carry_over.executed"]);
        let listed = app.get("/api/v1/pools/vest-2022/carry-overs").json();
        assert_eq!(listed[0]["id"], id);
    }
}

api_test! {
    /// Shown as carried_in_pending on an existing 70/30 target; a rejection gives it back.
    fn a_rejected_carry_over_returns_the_held_amount_and_a_split_target_receives_in_ad_hoc(app) {
        vest_2022(app, json!({}));
        app.pool("vest", 2023, "1000000.00", json!({"kind": "split", "upfront_share": "0.70"}));
        close(app, "vest-2022");
        let co = propose(app, "vest-2022", json!({"recommendation_reference": RECOMMENDED, "amount": "500000.00"})).json();
        assert_eq!(co["bucket"], "ad_hoc", "the ad-hoc bucket of a split target by default");
        let s = status_of(app, "vest-2022");
        assert_eq!((s["available"].as_str(), s["pending"].as_str()), (Some("371553.00"), Some("500000.00")));
        assert_eq!(status_of(app, "vest-2023")["carried_in_pending"], "500000.00");

        let rejected = political(app, co["id"].as_i64().expect("id"), "rejected");
        assert_eq!(rejected.status, 200, "{}", rejected.text);
        assert_eq!(rejected.json()["state"], "rejected");
        let s = status_of(app, "vest-2022");
        assert_eq!((s["available"].as_str(), s["pending"].as_str(), s["carried_out"].as_str()), (Some("871553.00"), Some("0.00"), Some("0.00")));
        let t = status_of(app, "vest-2023");
        assert_eq!((t["carried_in"].as_str(), t["carried_in_pending"].as_str()), (Some("0.00"), Some("0.00")));

        let co = propose(app, "vest-2022", json!({"recommendation_reference": RECOMMENDED})).json();
        assert_eq!(co["amount"], "871553.00");
        assert_eq!(political(app, co["id"].as_i64().expect("id"), "approved").status, 200);
        let t = status_of(app, "vest-2023");
        assert_eq!(t["buckets"][1]["name"], "ad_hoc");
        assert_eq!(t["buckets"][1]["carried_in"], "871553.00");
        assert_eq!(t["buckets"][1]["available"], "1171553.00", "300,000.00 of its own and what came from 2022");
        assert_eq!(t["buckets"][0]["carried_in"], "0.00");
    }
}

api_test! {
    /// Money a grant gives back after year end returns to its own pool and can follow.
    fn released_money_after_year_end_can_be_carried_over_too(app) {
        vest_2022(app, json!({"recommendation_required": false, "political_threshold": "999999.00"}));
        let id = submitted(app, &charter("100000.00"));
        let grant = decide(app, id, "strategic", "approved", None).json()["grant_id"].as_i64().expect("grant");
        close(app, "vest-2022");
        let co = propose(app, "vest-2022", json!({"recommendation_reference": RECOMMENDED})).json();
        assert_eq!(co["amount"], "771553.00");
        assert_eq!(political(app, co["id"].as_i64().expect("id"), "approved").status, 200);

        let released = app.post(&format!("/api/v1/grants/{grant}/release"), &json!({"amount": "25000.00", "reason": "Projektet blev billigere"}));
        assert_eq!(released.status, 200, "{}", released.text);
        let s = status_of(app, "vest-2022");
        assert_eq!((s["available"].as_str(), s["released"].as_str(), s["committed"].as_str()), (Some("25000.00"), Some("25000.00"), Some("75000.00")));
        let late = propose(app, "vest-2022", json!({"recommendation_reference": "Referat 02.03.2023, pkt. 2"}));
        assert_eq!(late.status, 201, "{}", late.text);
        assert_eq!(late.json()["amount"], "25000.00");
        assert_eq!(political(app, late.json()["id"].as_i64().expect("id"), "approved").status, 200);
        let t = status_of(app, "vest-2023");
        assert_eq!(t["carried_in"], "796553.00");
        let sum_over_pools = |f: &str| crate::helpers::ore(&status_of(app, "vest-2022")[f]) + crate::helpers::ore(&status_of(app, "vest-2023")[f]);
        assert_eq!(sum_over_pools("total") - sum_over_pools("committed") - sum_over_pools("available") - sum_over_pools("pending"), 0);
    }
}

api_test! {
    fn bad_carry_over_requests_name_the_field_and_write_nothing(app) {
        vest_2022(app, json!({}));
        close(app, "vest-2022");
        let before = app.get("/api/v1/pools/vest-2022/ledger?limit=500").text;
        let fields = |body: Value| propose(app, "vest-2022", body).invalid_fields();
        assert_eq!(fields(json!({})), ["recommendation_reference"]);
        assert_eq!(fields(json!({"recommendation_reference": " "})), ["recommendation_reference"]);
        assert_eq!(fields(json!({"recommendation_reference": RECOMMENDED, "to_year": 2022})), ["to_year"]);
        assert_eq!(fields(json!({"recommendation_reference": RECOMMENDED, "to_year": 1999})), ["to_year"]);
        assert_eq!(fields(json!({"recommendation_reference": RECOMMENDED, "amount": "0.00"})), ["amount"]);
        assert_eq!(fields(json!({"recommendation_reference": RECOMMENDED, "amount": 10.5})), ["amount"]);
        assert_eq!(fields(json!({"recommendation_reference": RECOMMENDED, "bucket": "upfront"})), ["bucket"]);
        assert_eq!(fields(json!({"recommendation_reference": RECOMMENDED, "bucket": "ad_hoc", "target_allocation_model": {"kind": "split", "upfront_share": "1.5"}})), ["target_allocation_model.upfront_share"]);
        let too_much = propose(app, "vest-2022", json!({"recommendation_reference": RECOMMENDED, "amount": "871553.01"})).problem(409);
        assert!(too_much["detail"].as_str().unwrap_or("").contains("871553.00"), "{too_much}");
        assert_eq!(app.get("/api/v1/pools/vest-2022/ledger?limit=500").text, before, "refused proposals write nothing");

        let id = propose(app, "vest-2022", json!({"recommendation_reference": RECOMMENDED})).json()["id"].as_i64().expect("id");
        let strategic = json!({"level": "strategic", "outcome": "approved", "meeting_date": "2023-01-26", "reference": "Referat"});
        assert_eq!(app.post(&format!("/api/v1/carry-overs/{id}/decision"), &strategic).invalid_fields(), ["level"]);
        assert_eq!(app.get(&format!("/api/v1/carry-overs/{id}")).json()["state"], "proposed");
        assert_eq!(app.get("/api/v1/carry-overs/999999").status, 404);
        let viewer = app.key("viewer", &[]);
        assert_eq!(app.request("POST", &format!("/api/v1/carry-overs/{id}/decision")).key(Some(&viewer)).json(&strategic).status, 403);
        app.cluster("nord");
        let other = app.key("admin", &["nord"]);
        assert_eq!(app.request("GET", &format!("/api/v1/carry-overs/{id}")).key(Some(&other)).send().status, 403);
    }
}

/// Vest 2022 closed with a carry-over proposed, a political level of two that signs off by mail, and the request sent.
pub(crate) fn asked_by_mail(backend: Backend) -> Option<(SmtpServer, TestApp, i64)> {
    let smtp = SmtpServer::start();
    let db = TestDb::new(backend)?;
    let url = smtp.url();
    let app = spawn_configured(db, |_| (), move |c| c.mail.smtp_url = Some(url));
    vest_2022(&app, json!({"political": "email"}));
    let etag = app.get("/api/v1/clusters/vest/approvers").header("etag").expect("etag").to_owned();
    let approvers = json!([
        {"name": "Formand for sundhedsklyngeudvalget, Vest", "email": "udvalgsformand.vest@example.org", "level": "political"},
        {"name": "Næstformand for sundhedsklyngeudvalget, Vest", "email": "naestformand.vest@example.org", "level": "political"},
    ]);
    assert_eq!(app.request("PUT", "/api/v1/clusters/vest/approvers").header("if-match", &etag).json(&approvers).status, 200);
    close(&app, "vest-2022");
    let id = propose(&app, "vest-2022", json!({"recommendation_reference": RECOMMENDED})).json()["id"].as_i64().expect("id");
    let asked = app.request("POST", &format!("/api/v1/carry-overs/{id}/approval-requests")).send();
    assert_eq!(asked.status, 201, "{}", asked.text);
    assert_eq!(asked.json()["carry_over_id"], id);
    Some((smtp, app, id))
}

fn run_sign_off_by_mail(backend: Backend) {
    let Some((smtp, app, id)) = asked_by_mail(backend) else { return };
    app.request("POST", &format!("/api/v1/carry-overs/{id}/approval-requests")).send().problem(409);

    let mails = smtp.wait_for(2);
    let text = crate::smtp::decoded(&mails[0]);
    assert!(text.contains("Overførsel af restmidler fra 2022 til 2023") && text.contains("871.553,00\u{a0}kr."), "{text}");
    let token = |email: &str| links(mails.iter().find(|m| m.contains(email)).expect("mail")).pop().expect("link");
    let answer = |token: &str| {
        let page = app.request("GET", &format!("/approvals/{token}")).key(None).send();
        assert_eq!(page.status, 200, "{}", page.text);
        assert!(page.text.contains("Overførsel af restmidler"));
        // A carry-over in its own words: recommended by the co-chairs, not applied for.
        assert!(page.text.contains("Indstillet af") && page.text.contains("Fagligt strategisk niveau (formandskabet)"), "{}", page.text);
        assert!(page.text.contains("overførslen af restmidler") && page.text.contains("lægges i"), "{}", page.text);
        assert!(!page.text.contains("bevilling") && !page.text.contains("Ansøger") && !page.text.contains("puljens forhåndspuljen"));
        let at = page.text.find("name=\"nonce\" value=\"").expect("nonce") + 20;
        let nonce: String = page.text[at..].chars().take_while(|c| *c != '"').collect();
        let form = format!("decision=approve&comment=&nonce={nonce}&confirm=yes");
        app.request("POST", &format!("/approvals/{token}"))
            .key(None)
            .header("content-type", "application/x-www-form-urlencoded")
            .send_raw(Some(form.as_bytes()))
    };
    assert_eq!(answer(&token("udvalgsformand.vest@example.org")).status, 200);
    assert_eq!(app.get(&format!("/api/v1/carry-overs/{id}")).json()["state"], "proposed", "one of two has approved");
    assert_eq!(status_of(&app, "vest-2022")["pending"], "871553.00");
    let last = answer(&token("naestformand.vest@example.org"));
    assert!(last.text.contains("overført") && last.text.contains("Din godkendelse er registreret"), "{}", last.text);
    let co = app.get(&format!("/api/v1/carry-overs/{id}")).json();
    assert_eq!(co["state"], "executed");
    assert_eq!(co["decision"]["channel"], "email");
    assert_eq!(status_of(&app, "vest-2023")["available"], "871553.00");
}

#[test]
fn the_political_level_signs_off_a_carry_over_by_mail_on_sqlite() {
    run_sign_off_by_mail(Backend::Sqlite);
}

#[test]
fn the_political_level_signs_off_a_carry_over_by_mail_on_postgres() {
    run_sign_off_by_mail(Backend::Postgres);
}

api_test! {
    /// The target pool's status ETag follows carry-overs awaiting sign-off into it (not only its own ledger),
    /// so a dashboard polling with If-None-Match sees `carried_in_pending` change.
    fn a_proposed_carry_over_changes_the_target_pools_status_etag(app) {
        vest_2022(app, json!({}));
        let r = app.post("/api/v1/pools", &json!({"cluster": "vest", "year": 2023, "amount": "100.00", "allocation_model": {"kind": "rolling"}}));
        assert_eq!(r.status, 201, "{}", r.text);
        let before = app.get("/api/v1/pools/vest-2023/status");
        let etag = before.header("etag").expect("etag").to_owned();
        assert_eq!(before.json()["carried_in_pending"], "0.00");
        close(app, "vest-2022");
        let proposed = propose(app, "vest-2022", json!({"recommendation_reference": RECOMMENDED}));
        assert_eq!(proposed.status, 201, "{}", proposed.text);
        let after = app.request("GET", "/api/v1/pools/vest-2023/status").header("if-none-match", &etag).send();
        assert_eq!(after.status, 200, "the status changed: {}", after.text);
        assert_eq!(after.json()["carried_in_pending"], "871553.00");
        let again = app.request("GET", "/api/v1/pools/vest-2023/status").header("if-none-match", after.header("etag").expect("etag")).send();
        assert_eq!(again.status, 304);
    }
}

#[test]
fn a_meeting_decision_voids_the_links_of_an_open_request_by_mail() {
    let Some((smtp, app, id)) = asked_by_mail(Backend::Sqlite) else { return };
    let mails = smtp.wait_for(2);
    let token = links(mails.iter().find(|m| m.contains("udvalgsformand.vest@example.org")).expect("mail")).pop().expect("link");
    assert_eq!(app.request("GET", &format!("/approvals/{token}")).key(None).send().status, 200);
    assert_eq!(political(&app, id, "approved").status, 200);
    let void = app.request("GET", &format!("/approvals/{token}")).key(None).send();
    assert_eq!(void.status, 410, "the meeting decided: the link is void");
    assert!(void.text.contains("Sagen er afgjort på et møde eller på anden måde"), "{}", void.text);
    assert!(!void.text.contains("nyeste link"), "{}", void.text);
    let requests = app.get("/api/v1/approvals?status=revoked").json();
    assert_eq!(requests[0]["carry_over_id"], id);
}
