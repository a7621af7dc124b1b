//! Applications, decisions and grants: the money path, impossible to overspend.

use serde_json::{Value, json};

use crate::api_test;
use crate::helpers::{TestApp, assert_reconciles, ore};

/// Vest 2022: a rolling pool of 871,553.00 with two parties, open, with the
/// political threshold at 100,000.00.
pub fn vest_2022(app: &TestApp, policy: Value) {
    app.cluster("vest");
    for (slug, name, kind) in
        [("thisted-kommune", "Thisted Kommune", "municipality"), ("region-nordjylland", "Region Nordjylland", "region")]
    {
        let r = app.post("/api/v1/clusters/vest/parties", &json!({"slug": slug, "name": name, "kind": kind}));
        assert_eq!(r.status, 201, "{}", r.text);
    }
    let r = app.post(
        "/api/v1/pools",
        &json!({"cluster": "vest", "year": 2022, "amount": "871553.00", "allocation_model": {"kind": "rolling"}, "approval_policy": policy}),
    );
    assert_eq!(r.status, 201, "{}", r.text);
    assert_eq!(app.request("POST", "/api/v1/pools/vest-2022/open").send().status, 200);
}

pub fn charter(amount: &str) -> Value {
    json!({
        "title": "Tidlig opsporing af skrøbelige ældre",
        "applicant_party": "thisted-kommune",
        "partner_parties": ["region-nordjylland"],
        "target_populations": ["vulnerable_elderly"],
        "purpose": "Fælles opsporing af tidlige tegn på sygdom hos ældre på tværs af kommune, almen praksis og hospital.",
        "goals": "Færre akutte indlæggelser blandt de sårbare ældre.",
        "expense_kind": "development",
        "requested_amount": amount,
        "starts_on": "2022-09-01",
        "ends_on": "2023-12-31",
        "contact_email": "projektleder@example.org",
        "received_on": "2022-08-15"
    })
}

/// Creates and submits an application; returns its id.
pub fn submitted(app: &TestApp, body: &Value) -> i64 {
    let created = app.post("/api/v1/pools/vest-2022/applications", body);
    assert_eq!(created.status, 201, "{}", created.text);
    let id = created.json()["id"].as_i64().expect("id");
    let r = app.request("POST", &format!("/api/v1/applications/{id}/submit")).send();
    assert_eq!(r.status, 200, "{}", r.text);
    id
}

pub fn decide(app: &TestApp, id: i64, level: &str, outcome: &str, amount: Option<&str>) -> crate::helpers::Resp {
    let mut body = json!({"level": level, "outcome": outcome, "meeting_date": "2022-10-20", "reference": "Referat 20.10.2022, pkt. 4"});
    if let Some(a) = amount {
        body["amount"] = json!(a);
    }
    app.post(&format!("/api/v1/applications/{id}/decision"), &body)
}

fn recommend(app: &TestApp, id: i64, amount: Option<&str>) {
    let mut body = json!({"meeting_date": "2022-10-04", "note": "Driftsforum indstiller"});
    if let Some(a) = amount {
        body["recommended_amount"] = json!(a);
    }
    let r = app.post(&format!("/api/v1/applications/{id}/recommendation"), &body);
    assert_eq!(r.status, 200, "{}", r.text);
}

pub fn status(app: &TestApp) -> Value {
    let s = app.get("/api/v1/pools/vest-2022/status").json();
    assert_reconciles(&s);
    for b in s["buckets"].as_array().expect("buckets") {
        assert_reconciles(b);
    }
    for column in ["committed", "pending", "disbursed", "released"] {
        let by_pop: i64 = s["by_target_population"].as_array().expect("pops").iter().map(|p| ore(&p[column])).sum();
        let by_party: i64 = s["by_party"].as_array().expect("parties").iter().map(|p| ore(&p[column])).sum();
        if column != "released" {
            assert_eq!(by_pop, ore(&s[column]), "{column} by target population sums to the pool's: {s}");
            assert_eq!(by_party, ore(&s[column]), "{column} by party sums to the pool's: {s}");
        }
    }
    s
}

/// What a refused request must leave as it was.
fn footprint(app: &TestApp) -> (Value, Value, Value) {
    (
        app.get("/api/v1/pools/vest-2022/status").json(),
        app.get("/api/v1/pools/vest-2022/ledger?limit=500").json(),
        app.get("/api/v1/applications?limit=500").json(),
    )
}

const MEETING: &str = "meeting";

api_test! {
    /// Recommendation, strategic approval (reserves), political sign-off (commits).
    fn above_the_threshold_money_is_reserved_until_the_political_level_signs_off(app) {
        vest_2022(app, json!({"strategic": MEETING}));
        let id = submitted(app, &charter("150000.00"));
        recommend(app, id, Some("140000.00"));
        let reserved = decide(app, id, "strategic", "approved", None);
        assert_eq!(reserved.status, 200, "{}", reserved.text);
        let a = reserved.json();
        assert_eq!(a["status"], "reserved");
        assert_eq!(a["reserved_amount"], "140000.00");
        assert_eq!(a["awaiting"], "political");
        let s = status(app);
        assert_eq!(s["pending"], "140000.00");
        assert_eq!(s["committed"], "0.00");
        assert_eq!(s["available"], "731553.00");
        assert!(app.get("/api/v1/grants").json()["items"].as_array().is_some_and(Vec::is_empty), "no grant before sign-off");

        let approved = decide(app, id, "political", "approved", Some("120000.00"));
        assert_eq!(approved.status, 200, "{}", approved.text);
        let a = approved.json();
        assert_eq!(a["status"], "approved");
        assert_eq!(a["approved_amount"], "120000.00");
        let steps: Vec<&str> = a["steps"].as_array().expect("steps").iter().filter_map(|s| s["step"].as_str()).collect();
        assert_eq!(steps, ["submitted", "recommendation", "strategic", "political"]);
        let s = status(app);
        assert_eq!(s["pending"], "0.00");
        assert_eq!(s["committed"], "120000.00");
        assert_eq!(s["available"], "751553.00", "the 20,000.00 not granted went back");
        let vulnerable = s["by_target_population"].as_array().expect("pops").iter().find(|p| p["code"] == "vulnerable_elderly").cloned().expect("listed");
        assert_eq!(vulnerable["committed"], "120000.00");
        assert_eq!(s["by_party"][0]["party"], "thisted-kommune");
        assert_eq!(s["by_party"][0]["name"], "Thisted Kommune");
        let grant_id = a["grant_id"].as_i64().expect("a grant exists");
        let grant = app.get(&format!("/api/v1/grants/{grant_id}")).json();
        assert_eq!(grant["amount"], "120000.00");
        assert_eq!(grant["remaining"], "120000.00");
    }
}

api_test! {
    fn rejecting_after_a_reservation_returns_exactly_the_reserved_amount(app) {
        vest_2022(app, json!({"recommendation_required": false, "political_threshold": "100000.00"}));
        let id = submitted(app, &charter("333333.33"));
        assert_eq!(decide(app, id, "strategic", "approved", None).status, 200);
        assert_eq!(status(app)["available"], "538219.67");
        let rejected = decide(app, id, "political", "rejected", None);
        assert_eq!(rejected.json()["status"], "rejected");
        assert_eq!(rejected.json()["rejected_by"], "political");
        let s = status(app);
        assert_eq!(s["available"], "871553.00");
        assert_eq!(s["pending"], "0.00");
        let ledger = app.get("/api/v1/pools/vest-2022/ledger").json();
        let last = ledger["items"].as_array().and_then(|e| e.last()).cloned().expect("entries");
        assert_eq!(last["kind"], "reservation_release");
        let back: i64 = last["postings"].as_array().expect("postings").iter().filter(|p| p["account"] == "available").map(|p| ore(&p["amount"])).sum();
        assert_eq!(back, 33_333_333);
    }
}

api_test! {
    fn below_the_threshold_the_strategic_level_grants_at_once_and_finance_pays_and_releases(app) {
        vest_2022(app, json!({"recommendation_required": false, "political_threshold": "100000.00"}));
        let id = submitted(app, &charter("99999.99"));
        let a = decide(app, id, "strategic", "approved", None).json();
        assert_eq!(a["status"], "approved");
        let grant = a["grant_id"].as_i64().expect("grant");
        let finance = app.key("finance", &[]);
        let pay = |amount: &str| {
            app.request("POST", &format!("/api/v1/grants/{grant}/disbursements"))
                .key(Some(&finance))
                .json(&json!({"amount": amount, "paid_on": "2023-01-15", "reference": "Bilag 1001"}))
        };
        assert_eq!(pay("60000.00").status, 201);
        let before = footprint(app);
        let over = pay("40000.00").problem(409);
        assert!(over["detail"].as_str().unwrap_or("").contains("39999.99"), "{over}");
        assert_eq!(footprint(app), before, "a refused disbursement writes nothing");
        let release = |body: Value| app.request("POST", &format!("/api/v1/grants/{grant}/release")).key(Some(&finance)).json(&body);
        assert_eq!(release(json!({"reason": " "})).invalid_fields(), ["reason"]);
        let released = release(json!({"reason": "Projektet blev afsluttet under budget"}));
        assert_eq!(released.status, 200, "{}", released.text);
        assert_eq!(released.json()["released"], "39999.99");
        assert_eq!(released.json()["remaining"], "0.00");
        let s = status(app);
        assert_eq!(s["committed"], "60000.00");
        assert_eq!(s["disbursed"], "60000.00");
        assert_eq!(s["released"], "39999.99");
        assert_eq!(s["available"], "811553.00");
    }
}

api_test! {
    fn a_decision_without_enough_money_is_409_saying_how_much_is_available_and_writes_nothing(app) {
        vest_2022(app, json!({"recommendation_required": false, "political_threshold": "999999999.00"}));
        let first = submitted(app, &charter("800000.00"));
        assert_eq!(decide(app, first, "strategic", "approved", None).status, 200);
        let second = submitted(app, &charter("71553.01"));
        let before = footprint(app);
        let problem = decide(app, second, "strategic", "approved", None).problem(409);
        assert_eq!(problem["type"], "urn:klyngemidler:problem:insufficient-funds");
        assert_eq!(problem["available"], "71553.00");
        assert_eq!(problem["needed"], "71553.01");
        assert_eq!(problem["bucket"], "rolling");
        assert_eq!(footprint(app), before);
        assert_eq!(decide(app, second, "strategic", "approved", Some("71553.00")).json()["status"], "approved", "a lower amount fits");
        assert_eq!(status(app)["available"], "0.00");
    }
}

api_test! {
    fn forbidden_steps_are_409_and_leave_everything_as_it_was(app) {
        vest_2022(app, json!({}));
        let id = submitted(app, &charter("150000.00"));
        let before = footprint(app);
        decide(app, id, "strategic", "approved", None).problem(409); // the operations forum has not recommended yet
        decide(app, id, "political", "approved", None).problem(409); // political before strategic
        app.request("POST", &format!("/api/v1/applications/{id}/submit")).send().problem(409); // twice
        assert_eq!(footprint(app), before);

        recommend(app, id, None);
        assert_eq!(decide(app, id, "strategic", "approved", None).status, 200);
        let before = footprint(app);
        decide(app, id, "strategic", "approved", None).problem(409); // deciding twice
        assert_eq!(footprint(app), before);

        let withdrawn = app.request("POST", &format!("/api/v1/applications/{id}/withdraw")).send();
        assert_eq!(withdrawn.json()["status"], "withdrawn");
        assert_eq!(status(app)["available"], "871553.00", "withdrawing gives the reservation back");
        let before = footprint(app);
        decide(app, id, "political", "approved", None).problem(409); // deciding a withdrawn application
        assert_eq!(footprint(app), before);
        assert_eq!(decide(app, 999_999, "strategic", "approved", None).status, 404);
    }
}

api_test! {
    fn charters_for_running_costs_or_secretariat_support_are_refused_with_the_reason(app) {
        vest_2022(app, json!({}));
        for kind in ["operations", "secretariat"] {
            let mut body = charter("10000.00");
            body["expense_kind"] = json!(kind);
            let before = footprint(app);
            let problem = app.post("/api/v1/pools/vest-2022/applications", &body).problem(422);
            assert_eq!(problem["errors"][0]["field"], "expense_kind");
            assert!(problem["errors"][0]["message"].as_str().unwrap_or("").contains("development"), "{problem}");
            assert_eq!(footprint(app), before);
        }
    }
}

api_test! {
    fn every_broken_charter_rule_names_its_field_and_nothing_is_written(app) {
        vest_2022(app, json!({}));
        app.cluster("nord");
        app.post("/api/v1/clusters/nord/parties", &json!({"slug": "hjorring-kommune", "name": "Hjørring Kommune", "kind": "municipality"}));
        let mut body = charter("150000.00");
        body["applicant_party"] = json!("hjorring-kommune");
        body["target_populations"] = json!(["vulnerable_elderly", "tourists"]);
        body["ends_on"] = json!("2022-01-01");
        body["budget"] = json!([{"year": 2022, "amount": "50000.00"}, {"year": 2023, "amount": "99999.99"}]);
        body["bucket"] = json!("ad_hoc");
        body["requested_amount"] = json!("150000.00");
        let before = footprint(app);
        let fields = app.post("/api/v1/pools/vest-2022/applications", &body).invalid_fields();
        assert_eq!(fields, ["applicant_party", "target_populations[1]", "ends_on", "bucket", "budget"]);
        let mut bad_money = charter("12.345");
        bad_money["budget"] = json!([{"year": 2022, "amount": 12.3}]);
        // The number where text belongs and the amount with three decimals, at once.
        assert_eq!(app.post("/api/v1/pools/vest-2022/applications", &bad_money).invalid_fields(), ["budget[0].amount", "requested_amount"]);
        bad_money["budget"] = json!([{"year": 2022, "amount": "-1.00"}]);
        assert_eq!(app.post("/api/v1/pools/vest-2022/applications", &bad_money).invalid_fields(), ["requested_amount", "budget[0].amount"]);
        let mut bad_date = charter("1.00");
        bad_date["starts_on"] = json!("01-09-2022");
        assert_eq!(app.post("/api/v1/pools/vest-2022/applications", &bad_date).invalid_fields(), ["starts_on"]);
        assert_eq!(footprint(app), before);
    }
}

api_test! {
    fn applications_need_an_open_pool(app) {
        vest_2022(app, json!({}));
        app.post("/api/v1/pools", &json!({"cluster": "vest", "year": 2023, "amount": "1000.00", "allocation_model": {"kind": "rolling"}}));
        let problem = app.post("/api/v1/pools/vest-2023/applications", &charter("10.00")).problem(409);
        assert!(problem["detail"].as_str().unwrap_or("").contains("draft"), "{problem}");
        let id = submitted(app, &charter("10.00"));
        assert_eq!(app.request("POST", "/api/v1/pools/vest-2022/close").send().status, 200);
        app.post("/api/v1/pools/vest-2022/applications", &charter("10.00")).problem(409);
        decide(app, id, "strategic", "approved", None).problem(409);
    }
}

api_test! {
    fn a_draft_is_edited_with_its_etag_and_a_submitted_one_no_longer(app) {
        vest_2022(app, json!({}));
        let created = app.post("/api/v1/pools/vest-2022/applications", &charter("150000.00"));
        let id = created.json()["id"].as_i64().expect("id");
        let etag = created.header("etag").expect("etag").to_owned();
        let path = format!("/api/v1/applications/{id}");
        app.request("PATCH", &path).json(&json!({"title": "Ny titel"})).problem(428);
        let changed = app.request("PATCH", &path).header("if-match", &etag).json(&json!({"requested_amount": "120000.00"}));
        assert_eq!(changed.status, 200, "{}", changed.text);
        assert_eq!(changed.json()["budget"], json!([{"year": 2022, "amount": "120000.00"}]), "a left-out budget follows the amount");
        app.request("PATCH", &path).header("if-match", &etag).json(&json!({"title": "Tabt"})).problem(412);
        app.request("POST", &format!("{path}/submit")).send();
        let current = app.get(&path).header("etag").expect("etag").to_owned();
        app.request("PATCH", &path).header("if-match", &current).json(&json!({"title": "Sent"})).problem(409);
        let listed = app.get("/api/v1/applications?pool=vest-2022&status=submitted").json();
        assert_eq!(listed["items"][0]["id"], id);
        assert_eq!(app.get("/api/v1/applications?status=nonsense").invalid_fields(), ["status"]);
    }
}

api_test! {
    fn a_70_30_pool_draws_ssu_projects_from_ad_hoc_and_the_strategic_level_can_move_money(app) {
        app.cluster("midt");
        app.post("/api/v1/clusters/midt/parties", &json!({"slug": "aalborg-kommune", "name": "Aalborg Kommune", "kind": "municipality"}));
        app.post("/api/v1/clusters/midt/parties", &json!({"slug": "region-nordjylland", "name": "Region Nordjylland", "kind": "region"}));
        app.pool("midt", 2022, "1000.00", json!({"kind": "split", "upfront_share": "0.70"}));
        app.request("POST", "/api/v1/pools/midt-2022/open").send();
        let mut ssu = charter("300.00");
        ssu["applicant_party"] = json!("aalborg-kommune");
        ssu["origin"] = json!("ssu");
        let created = app.post("/api/v1/pools/midt-2022/applications", &ssu);
        assert_eq!(created.json()["bucket"], "ad_hoc");
        let mut own = ssu.clone();
        own["origin"] = json!("cluster");
        assert_eq!(app.post("/api/v1/pools/midt-2022/applications", &own).json()["bucket"], "upfront");

        let move_money = |body: Value| app.post("/api/v1/pools/midt-2022/reallocations", &body);
        let body = json!({"from_bucket": "ad_hoc", "to_bucket": "upfront", "amount": "100.00", "meeting_date": "2023-03-01", "reference": "Referat 01.03.2023, pkt. 2"});
        let moved = move_money(body.clone());
        assert_eq!(moved.status, 201, "{}", moved.text);
        let s = app.get("/api/v1/pools/midt-2022/status").json();
        assert_eq!(s["buckets"][0]["total"], "800.00");
        assert_eq!(s["buckets"][1]["total"], "200.00");
        assert_reconciles(&s["buckets"][0]);
        assert_reconciles(&s["buckets"][1]);
        let mut too_much = body.clone();
        too_much["amount"] = json!("200.01");
        assert_eq!(move_money(too_much).problem(409)["available"], "200.00");
        let mut rolling = body;
        rolling["to_bucket"] = json!("rolling");
        assert_eq!(move_money(rolling).invalid_fields(), ["to_bucket"]);
    }
}

api_test! {
    fn a_project_for_two_target_populations_counts_half_towards_each(app) {
        vest_2022(app, json!({"recommendation_required": false, "political_threshold": "999999999.00"}));
        let mut body = charter("100.01");
        body["target_populations"] = json!(["chronic_disease", "vulnerable_elderly"]);
        let id = submitted(app, &body);
        decide(app, id, "strategic", "approved", None);
        let s = status(app);
        let pops = s["by_target_population"].as_array().expect("pops");
        assert_eq!(pops.len(), 5, "every target population is listed");
        let of = |code: &str| pops.iter().find(|p| p["code"] == code).map(|p| p["committed"].clone()).expect("listed");
        assert_eq!(of("chronic_disease"), "50.01");
        assert_eq!(of("vulnerable_elderly"), "50.00");
        assert_eq!(of("acute_area"), "0.00");
    }
}

api_test! {
    fn the_secretariat_records_decisions_and_finance_moves_grant_money(app) {
        vest_2022(app, json!({"recommendation_required": false, "political_threshold": "100000.00"}));
        let id = submitted(app, &charter("10.00"));
        let finance = app.key("finance", &[]);
        let secretariat = app.key("secretariat", &[]);
        let body = json!({"level": "strategic", "outcome": "approved", "meeting_date": "2022-10-20", "reference": "Referat"});
        app.request("POST", &format!("/api/v1/applications/{id}/decision")).key(Some(&finance)).json(&body).problem(403);
        let ok = app.request("POST", &format!("/api/v1/applications/{id}/decision")).key(Some(&secretariat)).json(&body);
        assert_eq!(ok.status, 200, "{}", ok.text);
        let grant = ok.json()["grant_id"].as_i64().expect("grant");
        let pay = json!({"amount": "1.00", "paid_on": "2023-01-01"});
        app.request("POST", &format!("/api/v1/grants/{grant}/disbursements")).key(Some(&secretariat)).json(&pay).problem(403);
        let audit = app.get(&format!("/api/v1/audit-events?subject=application:{id}")).json();
        let actions: Vec<&str> = audit["items"].as_array().expect("items").iter().filter_map(|e| e["action"].as_str()).collect();
        assert_eq!(actions, ["application.created", "application.submitted", "application.strategic_approved"]);
        assert!(audit["items"][2]["actor"].as_str().unwrap_or("").contains("Test secretariat"));
    }
}
