//! Decision rights as the seeds describe them: who may decide what, up to
//! which amount, and dates that tell the truth.

use serde_json::{Value, json};

use crate::api_test;
use crate::applications::{charter, decide, status, submitted, vest_2022};

fn recommend(app: &crate::helpers::TestApp, id: i64, body: Value) -> crate::helpers::Resp {
    app.post(&format!("/api/v1/applications/{id}/recommendation"), &body)
}

api_test! {
    /// A grant of 40,000.00 with an operations-forum limit of 50,000.00 is committed by the forum alone.
    fn the_operations_forum_grants_up_to_its_limit_and_the_strategic_level_above_it(app) {
        vest_2022(app, json!({"operations_forum_limit": "50000.00"}));
        let small = submitted(app, &charter("40000.00"));
        let r = recommend(app, small, json!({"meeting_date": "2022-10-04"}));
        assert_eq!(r.status, 200, "{}", r.text);
        let a = r.json();
        assert_eq!(a["status"], "approved", "small projects start without the strategic level: {a}");
        assert!(a["grant_id"].as_i64().is_some());
        assert_eq!(a["steps"].as_array().and_then(|s| s.last()).map(|s| (s["step"].clone(), s["outcome"].clone())), Some((json!("recommendation"), json!("approved"))));
        let large = submitted(app, &charter("60000.00"));
        let a = recommend(app, large, json!({"meeting_date": "2022-10-04"})).json();
        assert_eq!(a["status"], "recommended", "above the limit the strategic level decides");
        let a = decide(app, large, "strategic", "approved", None).json();
        assert_eq!(a["status"], "reserved", "and by default the political level signs off: {a}");
        assert_eq!(a["awaiting"], "political");
        let s = status(app);
        assert_eq!(s["committed"], "40000.00");
        assert_eq!(s["pending"], "60000.00");
    }
}

api_test! {
    /// "The politicians want the decision recommendations": with the default policy every grant waits for them.
    fn with_the_default_policy_every_grant_waits_for_the_political_level(app) {
        vest_2022(app, json!({}));
        let pool = app.get("/api/v1/pools/vest-2022").json();
        assert_eq!(pool["approval_policy"]["political_threshold"], "0.00");
        assert_eq!(pool["approval_policy"]["operations_forum_limit"], Value::Null);
        let id = submitted(app, &charter("1000.00"));
        recommend(app, id, json!({"meeting_date": "2022-10-04"}));
        let a = decide(app, id, "strategic", "approved", None).json();
        assert_eq!((a["status"].as_str(), a["awaiting"].as_str()), (Some("reserved"), Some("political")), "{a}");
    }
}

api_test! {
    /// The forum may not recommend; the strategic level may still reject, and approve only with a recommendation.
    fn the_forum_may_not_recommend_and_a_rejection_needs_no_recommendation(app) {
        vest_2022(app, json!({"political_threshold": "100000.00"}));
        let id = submitted(app, &charter("30000.00"));
        let r = recommend(app, id, json!({"outcome": "not_recommended", "meeting_date": "2022-10-04", "note": "Ikke tværsektorielt"}));
        assert_eq!(r.status, 200, "{}", r.text);
        assert_eq!(r.json()["status"], "submitted");
        let approve = decide(app, id, "strategic", "approved", None);
        assert!(approve.problem(409)["detail"].as_str().unwrap_or("").contains("recommend"));
        let reject = decide(app, id, "strategic", "rejected", None);
        assert_eq!(reject.json()["status"], "rejected", "{}", reject.text);
        let other = submitted(app, &charter("30000.00"));
        assert_eq!(decide(app, other, "strategic", "rejected", None).json()["status"], "rejected", "no recommendation needed to reject");
    }
}

api_test! {
    /// A referral below the threshold makes the political step required for that case.
    fn a_referral_sends_one_case_to_the_political_level_whatever_its_amount(app) {
        vest_2022(app, json!({"recommendation_required": false, "political_threshold": "100000.00"}));
        let id = submitted(app, &charter("50000.00"));
        let body = json!({"to_level": "political", "reason": "Projektet berører alle kommuner i klyngen", "meeting_date": "2022-10-20", "reference": "Referat 20.10.2022, pkt. 4"});
        let r = app.post(&format!("/api/v1/applications/{id}/referral"), &body);
        assert_eq!(r.status, 200, "{}", r.text);
        let a = r.json();
        assert_eq!((a["status"].as_str(), a["awaiting"].as_str(), a["referred"].as_bool()), (Some("reserved"), Some("political"), Some(true)), "{a}");
        assert_eq!(status(app)["pending"], "50000.00", "the money stays reserved");
        let signed = decide(app, id, "political", "approved", None).json();
        assert_eq!(signed["status"], "approved");
        let again = app.post(&format!("/api/v1/applications/{id}/referral"), &body);
        again.problem(409);
        let other = submitted(app, &charter("1000.00"));
        let wrong = app.post(&format!("/api/v1/applications/{other}/referral"), &json!({"to_level": "strategic", "reason": "x", "meeting_date": "2022-10-20", "reference": "x"}));
        assert_eq!(wrong.invalid_fields(), ["to_level"]);
    }
}

api_test! {
    /// Dates that tell the truth: a case is received on a day, and its meetings follow it.
    fn meeting_dates_follow_the_day_received_and_the_step_before(app) {
        vest_2022(app, json!({"political_threshold": "100000.00"}));
        let mut body = charter("30000.00");
        body["received_on"] = json!("2099-01-01");
        assert_eq!(app.post("/api/v1/pools/vest-2022/applications", &body).invalid_fields(), ["received_on"], "never in the future");
        body["received_on"] = json!("2022-09-15");
        let created = app.post("/api/v1/pools/vest-2022/applications", &body).json();
        assert_eq!(created["received_on"], "2022-09-15");
        let id = created["id"].as_i64().expect("id");
        app.request("POST", &format!("/api/v1/applications/{id}/submit")).send();
        assert_eq!(recommend(app, id, json!({"meeting_date": "2022-09-01"})).invalid_fields(), ["meeting_date"], "before it was received");
        assert_eq!(recommend(app, id, json!({"meeting_date": "1900-01-01"})).invalid_fields(), ["meeting_date"]);
        assert_eq!(recommend(app, id, json!({"meeting_date": "2040-01-01"})).invalid_fields(), ["meeting_date"], "more than a week ahead");
        assert_eq!(recommend(app, id, json!({"meeting_date": "2022-10-04"})).status, 200);
        let early = app.post(&format!("/api/v1/applications/{id}/decision"), &json!({"level": "strategic", "outcome": "approved", "meeting_date": "2022-10-01", "reference": "Referat"}));
        let problem = early.problem(422);
        assert_eq!(early.invalid_fields(), ["meeting_date"]);
        assert!(problem["errors"][0]["message"].as_str().unwrap_or("").contains("2022-10-04"), "{problem}");
        assert_eq!(decide(app, id, "strategic", "approved", None).json()["status"], "approved");
        // The evaluation counts from the day received (2022-09-15) to the deciding meeting (2022-10-20): 35 days.
        let evaluation = app.get("/api/v1/reports/model-evaluation?year=2022").json();
        let pool = &evaluation["pools"][0];
        assert_eq!(pool["max_days_to_decision"], 35, "{pool}");
    }
}
