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

mod co_chairs {
    use serde_json::json;

    use crate::applications::{charter, submitted, vest_2022};
    use crate::email_approval::{CO_CHAIRS, answer, app_with_mail, page, token_for};
    use crate::helpers::{Backend, TestApp};
    use crate::smtp::SmtpServer;

    const DEPUTY: (&str, &str) = ("Stedfortræder for regional medformand, Vest", "stedfortraeder.region.vest@example.org");
    const MANDATE: &str = "Politisk niveau 09.11.2022, pkt. 3";

    fn put_approvers(app: &TestApp, list: serde_json::Value) -> crate::helpers::Resp {
        let etag = app.get("/api/v1/clusters/vest/approvers").header("etag").expect("etag").to_owned();
        app.request("PUT", "/api/v1/clusters/vest/approvers").header("if-match", &etag).json(&list)
    }

    fn ask(app: &TestApp, id: i64, body: serde_json::Value) -> crate::helpers::Resp {
        app.post(&format!("/api/v1/applications/{id}/approval-requests"), &body)
    }

    fn the_co_chairs_are_one_per_side_with_a_mandate(backend: Backend) {
        let smtp = SmtpServer::start();
        let Some(app) = app_with_mail(backend, Some(smtp.url())) else { return };
        // A pool that decides in meetings, without the political level's e-mail mandate.
        vest_2022(&app, json!({"recommendation_required": false, "political_threshold": "100000.00"}));
        let municipal_twice = json!([
            {"name": CO_CHAIRS[1].0, "email": CO_CHAIRS[1].1, "level": "strategic", "side": "municipal", "role": "co_chair"},
            {"name": "Anden kommunal medformand", "email": "medformand2.kommune.vest@example.org", "level": "strategic", "side": "municipal", "role": "co_chair"},
        ]);
        assert_eq!(put_approvers(&app, municipal_twice).invalid_fields(), ["[1].role"], "one co-chair per side");
        let only_municipal =
            json!([{"name": CO_CHAIRS[1].0, "email": CO_CHAIRS[1].1, "level": "strategic", "side": "municipal", "role": "co_chair"}]);
        assert_eq!(put_approvers(&app, only_municipal).status, 200);
        let id = submitted(&app, &charter("50000.00"));
        let reason = json!({"level": "strategic", "reason": "Projektet skal starte før næste møde"});
        let no_mandate = ask(&app, id, reason.clone()).problem(409);
        assert!(no_mandate["detail"].as_str().unwrap_or("").contains("email_mandate_reference"), "{no_mandate}");
        let etag = app.get("/api/v1/pools/vest-2022").header("etag").expect("etag").to_owned();
        let _ = etag; // the policy of an open pool changes by a recorded political decision (below)
        let mandate = app.post(
            "/api/v1/pools/vest-2022/policy-decisions",
            &json!({"approval_policy": {"recommendation_required": false, "political_threshold": "100000.00", "email_mandate_reference": MANDATE},
                    "meeting_date": "2022-11-09", "reference": MANDATE}),
        );
        assert_eq!(mandate.status, 200, "{}", mandate.text);
        let missing = ask(&app, id, reason.clone()).problem(409);
        assert!(missing["detail"].as_str().unwrap_or("").contains("regional co-chair is missing"), "{missing}");
        let both = json!([
            {"name": CO_CHAIRS[0].0, "email": CO_CHAIRS[0].1, "level": "strategic", "side": "regional", "role": "co_chair"},
            {"name": CO_CHAIRS[1].0, "email": CO_CHAIRS[1].1, "level": "strategic", "side": "municipal", "role": "co_chair"},
            {"name": DEPUTY.0, "email": DEPUTY.1, "level": "strategic", "side": "regional", "role": "deputy", "deputy_for": CO_CHAIRS[0].1},
        ]);
        assert_eq!(put_approvers(&app, both).status, 200);
        assert_eq!(
            ask(&app, id, json!({"level": "strategic"})).problem(409)["type"],
            "urn:klyngemidler:problem:approval-request",
            "a meeting pool asks by e-mail only with a reason"
        );
        let opened = ask(&app, id, reason);
        assert_eq!(opened.status, 201, "{}", opened.text);
        let mails = smtp.wait_for(3);
        // The deputy answers for the regional seat: it counts once, and the co-chair's own link is void.
        assert_eq!(answer(&app, &token_for(&mails, DEPUTY.1), "approve").status, 200);
        let seat = page(&app, &token_for(&mails, CO_CHAIRS[0].1));
        assert_eq!(seat.status, 410, "the regional seat has answered");
        assert!(seat.text.contains("Der er allerede svaret for din plads") && seat.text.contains("godkendt"), "{}", seat.text);
        assert_eq!(app.get(&format!("/api/v1/applications/{id}")).json()["status"], "reserved", "the municipal seat has not");
        assert_eq!(answer(&app, &token_for(&mails, CO_CHAIRS[1].1), "approve").status, 200);
        assert_eq!(app.get(&format!("/api/v1/applications/{id}")).json()["status"], "approved");
    }

    #[test]
    fn co_chairs_one_per_side_a_deputy_once_and_only_with_a_mandate_on_sqlite() {
        the_co_chairs_are_one_per_side_with_a_mandate(Backend::Sqlite);
    }

    #[test]
    fn co_chairs_one_per_side_a_deputy_once_and_only_with_a_mandate_on_postgres() {
        the_co_chairs_are_one_per_side_with_a_mandate(Backend::Postgres);
    }
}

api_test! {
    /// A model changed mid-year re-divides only what is available, to the øre; granted money stays where it is.
    fn a_model_decided_mid_year_divides_only_what_is_available(app) {
        vest_2022(app, json!({"recommendation_required": false, "political_threshold": "999999.00"}));
        let id = submitted(app, &charter("100000.00"));
        assert_eq!(decide(app, id, "strategic", "approved", None).json()["status"], "approved");
        let body = json!({"allocation_model": {"kind": "split", "upfront_share": "0.70"}, "meeting_date": "2022-10-20", "reference": "Referat 20.10.2022, pkt. 4.2"});
        let r = app.post("/api/v1/pools/vest-2022/model-decisions", &body);
        assert_eq!(r.status, 200, "{}", r.text);
        let s = status(app);
        assert_eq!(s["allocation_model"]["kind"], "split");
        assert_eq!(s["committed"], "100000.00", "the grant stays");
        assert_eq!(s["available"], "771553.00");
        let bucket = |name: &str| s["buckets"].as_array().expect("buckets").iter().find(|b| b["name"] == name).cloned().unwrap_or_default();
        // 70% of 771,553.00 is 540,087.10 and the rest 231,465.90.
        assert_eq!(bucket("upfront")["available"], "540087.10");
        assert_eq!(bucket("ad_hoc")["available"], "231465.90");
        assert_eq!(bucket("rolling")["committed"], "100000.00", "the rolling grant stays in its bucket");
        assert_eq!(bucket("rolling")["available"], "0.00");
        let without = app.post("/api/v1/pools/vest-2022/model-decisions", &json!({"allocation_model": {"kind": "rolling"}, "meeting_date": "2022-10-21", "reference": " "}));
        assert_eq!(without.invalid_fields(), ["reference"]);
        let events = app.get("/api/v1/audit-events?subject=pool%3Avest-2022").json();
        assert!(events.to_string().contains("pool.model_decided"), "{events}");
    }
}

api_test! {
    /// Changing the decision rights of an open pool is a recorded political decision.
    fn the_decision_rights_of_an_open_pool_change_by_a_recorded_political_decision(app) {
        vest_2022(app, json!({}));
        let policy = json!({"political_threshold": "100000.00", "operations_forum_limit": "50000.00"});
        let unminuted = app.post("/api/v1/pools/vest-2022/policy-decisions", &json!({"approval_policy": policy, "meeting_date": "2022-11-09", "reference": ""}));
        assert_eq!(unminuted.invalid_fields(), ["reference"]);
        let r = app.post("/api/v1/pools/vest-2022/policy-decisions", &json!({"approval_policy": policy, "meeting_date": "2022-11-09", "reference": "Politisk niveau 09.11.2022, pkt. 3"}));
        assert_eq!(r.status, 200, "{}", r.text);
        assert_eq!(r.json()["approval_policy"]["operations_forum_limit"], "50000.00");
        let events = app.get("/api/v1/audit-events?subject=pool%3Avest-2022").json().to_string();
        assert!(events.contains("pool.policy_decided") && events.contains("Politisk niveau 09.11.2022, pkt. 3"), "{events}");
        let etag = app.get("/api/v1/pools/vest-2022").header("etag").expect("etag").to_owned();
        let patched = app.request("PATCH", "/api/v1/pools/vest-2022").header("if-match", &etag).json(&json!({"approval_policy": {}}));
        patched.problem(409);
    }
}

api_test! {
    /// Vest's 2022 carry-over was agreed in October–November 2022, before year end: it executes when the pool closes.
    fn a_carry_over_approved_in_october_executes_at_closing_with_what_is_left_then(app) {
        vest_2022(app, json!({"recommendation_required": false, "political_threshold": "999999.00"}));
        let proposed = app.post("/api/v1/pools/vest-2022/carry-overs", &json!({"recommendation_reference": "Referat 20.10.2022, pkt. 4.4"}));
        assert_eq!(proposed.status, 201, "{}\n{}", proposed.text, crate::helpers::logs().lines().filter(|l| l.contains("ERROR")).collect::<Vec<_>>().join("\n"));
        let co = proposed.json();
        assert_eq!((co["state"].as_str(), co["at_closing"].as_bool()), (Some("proposed"), Some(true)), "{co}");
        assert_eq!(status(app)["pending"], "0.00", "nothing is held before the pool closes");
        let id = co["id"].as_i64().expect("id");
        let approved = app.post(&format!("/api/v1/carry-overs/{id}/decision"), &json!({"level": "political", "outcome": "approved", "meeting_date": "2022-11-09", "reference": "Politisk niveau 09.11.2022, pkt. 4"}));
        assert_eq!(approved.status, 200, "{}", approved.text);
        assert_eq!(approved.json()["state"], "approved");
        // The pool keeps granting after the approval; what is left at closing moves.
        let grant = submitted(app, &charter("100000.00"));
        assert_eq!(decide(app, grant, "strategic", "approved", None).json()["status"], "approved");
        assert_eq!(app.request("POST", "/api/v1/pools/vest-2022/close").send().status, 200);
        let done = app.get(&format!("/api/v1/carry-overs/{id}")).json();
        assert_eq!((done["state"].as_str(), done["amount"].as_str()), (Some("executed"), Some("771553.00")), "{done}");
        let source = app.get("/api/v1/pools/vest-2022/status").json();
        crate::helpers::assert_reconciles(&source);
        assert_eq!((source["carried_out"].as_str(), source["available"].as_str()), (Some("771553.00"), Some("0.00")));
        let target = app.get("/api/v1/pools/vest-2023/status").json();
        crate::helpers::assert_reconciles(&target);
        assert_eq!(target["carried_in"], "771553.00");
    }
}

api_test! {
    /// Closing refuses while money is reserved, or moves undecided cases (with steps and reservations) to next year's pool.
    fn closing_moves_undecided_applications_with_their_steps_or_refuses_naming_them(app) {
        vest_2022(app, json!({"recommendation_required": false, "political_threshold": "0.00"}));
        let reserved = submitted(app, &charter("150000.00"));
        assert_eq!(decide(app, reserved, "strategic", "approved", None).json()["status"], "reserved");
        let waiting = submitted(app, &charter("20000.00"));
        let refused = app.request("POST", "/api/v1/pools/vest-2022/close").send();
        let problem = refused.problem(409);
        assert!(problem["detail"].as_str().unwrap_or("").contains(&reserved.to_string()), "the problem names the case: {problem}");
        let next = app.pool("vest", 2023, "500000.00", json!({"kind": "rolling"}));
        assert_eq!(next["id"], "vest-2023");
        assert_eq!(app.request("POST", "/api/v1/pools/vest-2023/open").send().status, 200);
        let moved = app.post("/api/v1/pools/vest-2022/close", &json!({"undecided": "move", "to_pool": "vest-2023"}));
        assert_eq!(moved.status, 200, "{}", moved.text);
        let a = app.get(&format!("/api/v1/applications/{reserved}")).json();
        assert_eq!((a["pool"].as_str(), a["status"].as_str()), (Some("vest-2023"), Some("reserved")), "{a}");
        assert!(a["steps"].as_array().is_some_and(|s| s.len() >= 2), "its steps came with it");
        assert_eq!(app.get(&format!("/api/v1/applications/{waiting}")).json()["pool"], "vest-2023");
        let old = app.get("/api/v1/pools/vest-2022/status").json();
        crate::helpers::assert_reconciles(&old);
        assert_eq!(old["pending"], "0.00");
        let new = app.get("/api/v1/pools/vest-2023/status").json();
        crate::helpers::assert_reconciles(&new);
        assert_eq!((new["pending"].as_str(), new["available"].as_str()), (Some("150000.00"), Some("350000.00")));
        let signed = decide(app, reserved, "political", "approved", None).json();
        assert_eq!(signed["status"], "approved", "the political level decides it in next year's pool: {signed}");
    }
}
