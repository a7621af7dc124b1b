//! The answer to every workflow step is built from what the step saved, not
//! read back after the commit: it must be exactly what reading the
//! application then gives, with its steps, grant, meetings and files.

use serde_json::json;

use crate::api_test;
use crate::applications::{charter, decide, vest_2022};
use crate::helpers::{Resp, TestApp};

/// The answer to a step, held against a read of the application right after.
fn answered_as_read(app: &TestApp, answer: Resp, status: &str) -> serde_json::Value {
    assert_eq!(answer.status, 200, "{}", answer.text);
    let body = answer.json();
    let id = body["id"].as_i64().expect("id");
    let read = app.get(&format!("/api/v1/applications/{id}"));
    assert_eq!(body, read.json(), "the answer to the step is the application as saved");
    assert_eq!(answer.header("etag"), read.header("etag"));
    assert_eq!(body["status"], status);
    body
}

fn registered(app: &TestApp, amount: &str) -> i64 {
    let r = app.post("/api/v1/pools/vest-2022/applications", &charter(amount));
    assert_eq!(r.status, 201, "{}", r.text);
    r.json()["id"].as_i64().expect("id")
}

fn step(app: &TestApp, id: i64, what: &str, body: serde_json::Value) -> Resp {
    app.post(&format!("/api/v1/applications/{id}/{what}"), &body)
}

api_test! {
    /// From submission to the political sign-off, each answer shows the new
    /// state, every step, the grant, the meeting it was on and its files.
    fn every_step_up_to_the_grant_is_answered_exactly_as_reading_it_back_shows_it(app) {
        vest_2022(app, json!({"political_threshold": "100000.00"}));
        let id = registered(app, "150000.00");
        let pdf = b"%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n";
        let file = app.request("POST", &format!("/api/v1/applications/{id}/attachments"))
            .header("content-type", "application/pdf")
            .header("content-disposition", "attachment; filename=\"kommissorium.pdf\"")
            .send_raw(Some(pdf));
        assert_eq!(file.status, 201, "{}", file.text);
        let submitted = answered_as_read(app, step(app, id, "submit", json!({"note": "Sendt af sekretariatet"})), "submitted");
        assert_eq!(submitted["attachments"].as_array().map(Vec::len), Some(1));
        let meeting = app.post("/api/v1/meetings", &json!({"cluster": "vest", "forum": "operations_forum", "date": "2022-10-04",
            "location": "Teams – digitalt møde", "attendees": ["Sekretariatet"]}));
        assert_eq!(meeting.status, 201, "{}", meeting.text);
        let m = meeting.json()["id"].as_i64().expect("meeting");
        let item = app.post(&format!("/api/v1/meetings/{m}/items"), &json!({"kind": "application", "application": id}));
        assert_eq!(item.status, 201, "{}", item.text);
        let recommended = answered_as_read(app,
            step(app, id, "recommendation", json!({"recommended_amount": "140000.00", "meeting_date": "2022-10-04"})), "recommended");
        assert_eq!(recommended["meetings"].as_array().map(Vec::len), Some(1));
        let reserved = answered_as_read(app, decide(app, id, "strategic", "approved", None), "reserved");
        assert_eq!(reserved["reserved_amount"], "140000.00");
        assert_eq!(reserved["recommended_amount"], "140000.00", "the forum's amount stays shown from its step");
        let approved = answered_as_read(app, decide(app, id, "political", "approved", None), "approved");
        assert!(approved["grant_id"].as_i64().is_some(), "{approved}");
        assert_eq!(approved["steps"].as_array().map(Vec::len), Some(4));
    }
}

api_test! {
    /// A referral, a rejection, a withdrawal and a forum that does not
    /// recommend are each answered as reading the case back shows it.
    fn referrals_rejections_and_withdrawals_are_answered_exactly_as_reading_them_back_shows_them(app) {
        vest_2022(app, json!({"political_threshold": "100000.00", "recommendation_required": false}));
        let referred = registered(app, "50000.00");
        answered_as_read(app, step(app, referred, "submit", json!({})), "submitted");
        let body = answered_as_read(app, step(app, referred, "referral", json!({"to_level": "political",
            "reason": "Projektet berører alle kommuner i klyngen", "meeting_date": "2022-10-20", "reference": "Referat 20.10.2022, pkt. 5"})), "reserved");
        assert_eq!(body["referred"], true);
        answered_as_read(app, decide(app, referred, "political", "rejected", None), "rejected");

        let withdrawn = registered(app, "60000.00");
        answered_as_read(app, step(app, withdrawn, "submit", json!({})), "submitted");
        answered_as_read(app, step(app, withdrawn, "withdraw", json!({"note": "Projektet er opgivet"})), "withdrawn");

        let declined = registered(app, "70000.00");
        answered_as_read(app, step(app, declined, "submit", json!({})), "submitted");
        answered_as_read(app, step(app, declined, "recommendation", json!({"outcome": "not_recommended", "meeting_date": "2022-10-04"})), "submitted");
        let body = answered_as_read(app, decide(app, declined, "strategic", "rejected", None), "rejected");
        assert_eq!(body["rejected_by"], "strategic");

        let granted = registered(app, "80000.00");
        answered_as_read(app, step(app, granted, "submit", json!({})), "submitted");
        let body = answered_as_read(app, decide(app, granted, "strategic", "approved", Some("75000.00")), "approved");
        assert_eq!(body["approved_amount"], "75000.00");
    }
}
