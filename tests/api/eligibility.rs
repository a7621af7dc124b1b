//! Eligibility (issue #20): the criteria the strategic level sets for a
//! pool, the charter's answers to them, and projects that really cross
//! sectors (municipality; region, hospital or psychiatry; general practice).

use serde_json::{Value, json};

use crate::api_test;
use crate::applications::{charter, decide, status, submitted, vest_2022};
use crate::helpers::{TestApp, ore};

/// The three criteria Vest's strategic level decided (illustrative).
fn three_criteria() -> Value {
    json!([
        {"code": "K1", "text_da": "Projektet går på tværs af sektorer", "kind": "yes_no", "required": true},
        {"code": "K2", "text_da": "Projektets størrelse", "kind": "choice", "options": ["Mindre projekt", "Større tværgående projekt"], "required": true},
        {"code": "K3", "text_da": "Hvordan inddrages borgerne?", "kind": "text", "required": false}
    ])
}

/// Vest 2022 with general practice as a third party, and the three criteria decided before it opened.
fn vest_with_criteria(app: &TestApp) {
    app.cluster("vest");
    for (slug, name, kind) in [
        ("thisted-kommune", "Thisted Kommune", "municipality"),
        ("morso-kommune", "Morsø Kommune", "municipality"),
        ("region-nordjylland", "Region Nordjylland", "region"),
        ("almen-praksis", "Almen praksis (PLO-Nordjylland)", "general_practice"),
    ] {
        let r = app.post("/api/v1/clusters/vest/parties", &json!({"slug": slug, "name": name, "kind": kind}));
        assert_eq!(r.status, 201, "{}", r.text);
    }
    let r = app.post(
        "/api/v1/pools",
        &json!({"cluster": "vest", "year": 2022, "amount": "871553.00", "allocation_model": {"kind": "rolling"}, "criteria": three_criteria()}),
    );
    assert_eq!(r.status, 201, "{}", r.text);
    assert_eq!(r.json()["criteria"], three_criteria());
    assert_eq!(app.request("POST", "/api/v1/pools/vest-2022/open").send().status, 200);
}

/// A charter answering the three criteria as a sound cross-sector project would.
fn answered(amount: &str) -> Value {
    let mut body = charter(amount);
    body["partner_parties"] = json!(["almen-praksis"]);
    body["criteria"] = json!([{"criterion": "K1", "answer": "yes"}, {"criterion": "K2", "answer": "Mindre projekt"}]);
    body
}

fn recommend(app: &TestApp, id: i64) -> crate::helpers::Resp {
    app.post(&format!("/api/v1/applications/{id}/recommendation"), &json!({"meeting_date": "2022-10-04"}))
}

fn applications_in_pool(app: &TestApp) -> usize {
    app.get("/api/v1/applications?pool=vest-2022").json()["items"].as_array().map_or(0, Vec::len)
}

api_test! {
    /// Every problem with the answers at once: a required criterion left out and a choice answered with no option of it.
    fn a_charter_missing_a_required_answer_and_answering_another_wrongly_is_refused_naming_both_criteria(app) {
        vest_with_criteria(app);
        let mut body = answered("150000.00");
        body["criteria"] = json!([{"criterion": "K2", "answer": "Mellemstort projekt"}, {"criterion": "K3", "answer": "Borgerpanel"}]);
        let r = app.post("/api/v1/pools/vest-2022/applications", &body);
        let problem = r.problem(422);
        let fields = r.invalid_fields();
        assert!(fields.contains(&"criteria[K1]".to_owned()) && fields.contains(&"criteria[K2]".to_owned()), "{problem}");
        let text = problem["errors"].to_string();
        assert!(text.contains("required") && text.contains("Mindre projekt, Større tværgående projekt"), "{text}");

        // Answers to criteria the pool does not have, twice the same, and yes/no answered otherwise: all named.
        body["criteria"] = json!([
            {"criterion": "K1", "answer": "måske"}, {"criterion": "K2", "answer": "Mindre projekt"},
            {"criterion": "K2", "answer": "Mindre projekt"}, {"criterion": "K9", "answer": "yes"}
        ]);
        let fields = app.post("/api/v1/pools/vest-2022/applications", &body).invalid_fields();
        assert_eq!(fields, ["criteria[K1]", "criteria[K2]", "criteria[K9]"]);
        assert_eq!(applications_in_pool(app), 0, "nothing is written");

        let created = app.post("/api/v1/pools/vest-2022/applications", &answered("150000.00"));
        assert_eq!(created.status, 201, "{}", created.text);
        assert_eq!(created.json()["criteria"], json!([{"criterion": "K1", "answer": "yes"}, {"criterion": "K2", "answer": "Mindre projekt"}]));
        assert_eq!(created.json()["partner_parties"], json!(["almen-praksis"]));
    }
}

api_test! {
    /// Partners must be parties of the cluster, and the applicant is not its own partner.
    fn partners_are_other_parties_of_the_cluster(app) {
        vest_with_criteria(app);
        let mut body = answered("150000.00");
        body["partner_parties"] = json!(["thisted-kommune", "laegehuset-nord"]);
        let r = app.post("/api/v1/pools/vest-2022/applications", &body);
        let problem = r.problem(422);
        assert_eq!(r.invalid_fields(), ["partner_parties[0]", "partner_parties[1]"]);
        let text = problem["errors"].to_string();
        assert!(text.contains("'thisted-kommune' is the applicant") && text.contains("'laegehuset-nord' is not a party"), "{text}");
    }
}

api_test! {
    /// "Across the municipalities, general practice and hospitals": a municipality alone, or two, is one sector.
    fn a_project_of_one_sector_registers_as_a_draft_but_is_refused_at_recommendation_and_approval_naming_the_rule(app) {
        vest_2022(app, json!({}));
        let pool = app.get("/api/v1/pools/vest-2022").json();
        assert_eq!(pool["approval_policy"]["cross_sector_required"], true, "the default: {pool}");
        let mut alone = charter("150000.00");
        alone["partner_parties"] = json!([]);
        let created = app.post("/api/v1/pools/vest-2022/applications", &alone);
        assert_eq!(created.status, 201, "registered as a draft: {}", created.text);
        let id = submitted(app, &alone);
        let refused = recommend(app, id).problem(409);
        assert!(refused["type"].as_str().is_some_and(|t| t.ends_with("ineligible")), "{refused}");
        assert!(refused["detail"].as_str().is_some_and(|d| d.contains("cross_sector_required") && d.contains("two")), "{refused}");
        let refused = decide(app, id, "strategic", "approved", None).problem(409);
        assert!(refused["detail"].as_str().is_some_and(|d| d.contains("cross_sector_required")), "{refused}");
        assert_eq!(decide(app, id, "strategic", "rejected", None).status, 200, "it may still be rejected");
        assert_eq!(status(app)["pending"], "0.00", "nothing was reserved");

        // With the region as a partner it crosses sectors and goes on.
        let id = submitted(app, &charter("150000.00"));
        assert_eq!(recommend(app, id).status, 200);

        // The political level may lift the rule, by a recorded decision like the rest of the policy.
        let single = submitted(app, &alone);
        let lifted = app.post(
            "/api/v1/pools/vest-2022/policy-decisions",
            &json!({"approval_policy": {"cross_sector_required": false}, "meeting_date": "2022-11-09", "reference": "Politisk niveau 09.11.2022, pkt. 5"}),
        );
        assert_eq!(lifted.status, 200, "{}", lifted.text);
        assert_eq!(lifted.json()["approval_policy"]["cross_sector_required"], false);
        assert_eq!(recommend(app, single).status, 200);
    }
}

api_test! {
    /// A required yes/no criterion answered no: a draft may say so, but no money follows.
    fn a_required_criterion_answered_no_keeps_the_project_from_recommendation(app) {
        vest_with_criteria(app);
        let mut body = answered("80000.00");
        body["criteria"][0]["answer"] = json!("no");
        let id = submitted(app, &body);
        let refused = recommend(app, id).problem(409);
        assert!(refused["detail"].as_str().is_some_and(|d| d.contains("criterion K1") && d.contains("answered no")), "{refused}");
    }
}

api_test! {
    /// The strategic level changes the criteria of an open pool in a meeting; charters registered before keep theirs.
    fn criteria_of_an_open_pool_change_only_by_a_minuted_strategic_decision_and_apply_to_later_charters(app) {
        vest_with_criteria(app);
        let before = app.post("/api/v1/pools/vest-2022/applications", &answered("90000.00")).json()["id"].as_i64().expect("id");
        let new_criteria = json!([{"code": "K4", "text_da": "Projektet har en plan for forankring i drift", "kind": "yes_no", "required": true}]);

        let unminuted = app.post("/api/v1/pools/vest-2022/criteria-decisions", &json!({"criteria": new_criteria}));
        let fields = unminuted.invalid_fields();
        assert!(fields.contains(&"meeting_date".to_owned()) && fields.contains(&"reference".to_owned()), "{fields:?}");
        let etag = app.get("/api/v1/pools/vest-2022").header("etag").expect("etag").to_owned();
        let patched = app.request("PATCH", "/api/v1/pools/vest-2022").header("if-match", &etag).json(&json!({"criteria": new_criteria}));
        let problem = patched.problem(409);
        assert!(problem["detail"].as_str().is_some_and(|d| d.contains("criteria-decisions")), "{problem}");
        assert_eq!(app.get("/api/v1/pools/vest-2022").json()["criteria"], three_criteria(), "unchanged");

        let decided = app.post(
            "/api/v1/pools/vest-2022/criteria-decisions",
            &json!({"criteria": new_criteria, "meeting_date": "2022-10-20", "reference": "Referat 20.10.2022, pkt. 4.1"}),
        );
        assert_eq!(decided.status, 200, "{}", decided.text);
        assert_eq!(decided.json()["criteria"], new_criteria);
        let events = app.get("/api/v1/audit-events?subject=pool%3Avest-2022").json().to_string();
        assert!(events.contains("pool.criteria_decided") && events.contains("Referat 20.10.2022, pkt. 4.1") && events.contains("K4"), "{events}");

        // Registered after the decision: the new criteria apply.
        let old_answers = app.post("/api/v1/pools/vest-2022/applications", &answered("90000.00"));
        assert_eq!(old_answers.invalid_fields(), ["criteria[K1]", "criteria[K2]", "criteria[K4]"]);
        let mut after = answered("90000.00");
        after["criteria"] = json!([{"criterion": "K4", "answer": "yes"}]);
        assert_eq!(app.post("/api/v1/pools/vest-2022/applications", &after).status, 201);

        // Registered before: still valid under the criteria it was checked against, edited and taken on.
        let etag = app.get(&format!("/api/v1/applications/{before}")).header("etag").expect("etag").to_owned();
        let edited = app.request("PATCH", &format!("/api/v1/applications/{before}")).header("if-match", &etag).json(&json!({"title": "Tidlig opsporing, revideret"}));
        assert_eq!(edited.status, 200, "{}", edited.text);
        assert_eq!(app.request("POST", &format!("/api/v1/applications/{before}/submit")).send().status, 200);
        assert_eq!(recommend(app, before).status, 200);
    }
}

api_test! {
    /// Each project counts once, under the sectors its applicant and partners span.
    fn the_status_shows_money_by_sector_reconciling_to_committed_and_pending(app) {
        vest_with_criteria(app);
        let with = |partners: Value, amount: &str| {
            let mut body = answered(amount);
            body["partner_parties"] = partners;
            submitted(app, &body)
        };
        let practice = with(json!(["almen-praksis"]), "100000.00");
        let region = with(json!(["region-nordjylland", "morso-kommune"]), "60000.00");
        let all_three = with(json!(["region-nordjylland", "almen-praksis"]), "33333.33");
        for id in [practice, region, all_three] {
            assert_eq!(recommend(app, id).status, 200);
            assert_eq!(decide(app, id, "strategic", "approved", None).status, 200);
        }
        assert_eq!(decide(app, practice, "political", "approved", None).status, 200);
        assert_eq!(decide(app, all_three, "political", "approved", None).status, 200);

        let s = status(app);
        assert_eq!(s["committed"], "133333.33");
        assert_eq!(s["pending"], "60000.00");
        let by_sector = s["by_sector"].as_array().expect("by_sector");
        let combinations: Vec<&str> = by_sector.iter().filter_map(|b| b["combination"].as_str()).collect();
        assert_eq!(combinations, ["municipality+general_practice", "municipality+region", "municipality+region+general_practice"]);
        assert_eq!(by_sector[1]["sectors"], json!(["municipality", "region"]));
        assert_eq!(by_sector[1]["pending"], "60000.00");
        assert_eq!(by_sector[1]["projects"], 1);
        for column in ["committed", "pending", "disbursed", "released"] {
            let sum: i64 = by_sector.iter().map(|b| ore(&b[column])).sum();
            assert_eq!(sum, ore(&s[column]), "by_sector {column} reconciles to the øre");
        }
        // by_party still counts the applicant only.
        assert_eq!(s["by_party"].as_array().map(Vec::len), Some(1));
        assert_eq!(s["by_party"][0]["party"], "thisted-kommune");
        // The cluster's status report carries the same breakdown.
        let report = app.get("/api/v1/reports/status?year=2022").json();
        assert_eq!(report["pools"][0]["by_sector"], s["by_sector"]);
        // The model evaluation counts projects per sector combination.
        let evaluation = app.get("/api/v1/reports/model-evaluation?year=2022").json();
        let counted = &evaluation["pools"][0]["projects_by_sector"];
        assert_eq!(counted[2], json!({"combination": "municipality+region+general_practice", "sectors": ["municipality", "region", "general_practice"], "projects": 1, "granted": 1}));
    }
}

fn import(app: &TestApp, csv: &str) -> crate::helpers::Resp {
    app.request("POST", "/api/v1/pools/vest-2022/applications/import").header("content-type", "text/csv").send_raw(Some(csv.as_bytes()))
}

api_test! {
    /// Last year's project list with a column per criterion and the partners separated by `|`.
    fn charters_imported_from_csv_answer_the_criteria_and_name_partners_and_a_bad_answer_is_named(app) {
        vest_with_criteria(app);
        let head = "title,applicant_party,partner_parties,target_populations,purpose,goals,expense_kind,requested_amount,starts_on,ends_on,criterion:K1,criterion:K2,criterion:K3\r\n";
        let good = "Opsporing,thisted-kommune,almen-praksis|region-nordjylland,vulnerable_elderly,Fælles opsporing,Færre indlæggelser,development,50000.00,2022-09-01,2023-06-30,yes,Mindre projekt,Borgerpanel\r\n";
        let bad = "Akutteam,morso-kommune,laegehuset-nord,acute_area,Akut hjælp,Færre indlæggelser,development,40000.00,2022-09-01,2023-06-30,måske,,\r\n";
        let r = import(app, &format!("{head}{good}{bad}"));
        let problem = r.problem(422);
        let errors = problem["errors"].as_array().expect("errors");
        let at = |column: &str| errors.iter().find(|e| e["column"] == column && e["row"] == 2).unwrap_or_else(|| panic!("{column}: {problem}"));
        assert!(at("criterion:K1")["message"].as_str().is_some_and(|m| m.contains("yes or no")), "{problem}");
        assert!(at("criterion:K2")["message"].as_str().is_some_and(|m| m.contains("required")), "{problem}");
        assert!(at("partner_parties")["message"].as_str().is_some_and(|m| m.contains("laegehuset-nord")), "{problem}");
        assert!(errors.iter().all(|e| e["row"] == 2), "the good row has no errors: {problem}");
        assert_eq!(applications_in_pool(app), 0, "all or nothing");

        let fixed = "Akutteam,morso-kommune,almen-praksis,acute_area,Akut hjælp,Færre indlæggelser,development,40000.00,2022-09-01,2023-06-30,no,Mindre projekt,\r\n";
        let r = import(app, &format!("{head}{good}{fixed}"));
        assert_eq!(r.status, 201, "{}", r.text);
        let ids = r.json()["applications"].clone();
        let first = app.get(&format!("/api/v1/applications/{}", ids[0])).json();
        assert_eq!(first["partner_parties"], json!(["almen-praksis", "region-nordjylland"]));
        assert_eq!(first["criteria"][2], json!({"criterion": "K3", "answer": "Borgerpanel"}));
        // The second said no to K1: a draft, but it goes no further than submission.
        let second = ids[1].as_i64().expect("id");
        assert_eq!(app.request("POST", &format!("/api/v1/applications/{second}/submit")).send().status, 200);
        // (Imported today: the forum's meeting is today, not before the case arrived.)
        let today = chrono::Utc::now().date_naive().to_string();
        app.post(&format!("/api/v1/applications/{second}/recommendation"), &json!({"meeting_date": today})).problem(409);
    }
}

api_test! {
    /// Last year's criteria stand in next year's pool until the strategic level decides others.
    fn pools_made_by_a_carry_over_or_a_distribution_start_with_last_years_criteria(app) {
        vest_with_criteria(app);
        assert_eq!(app.request("POST", "/api/v1/pools/vest-2022/close").send().status, 200);
        let co = app.post("/api/v1/pools/vest-2022/carry-overs", &json!({"recommendation_reference": "Referat 15.12.2022, pkt. 3"}));
        assert_eq!(co.status, 201, "{}", co.text);
        let body = json!({"level": "political", "outcome": "approved", "meeting_date": "2023-01-26", "reference": "Referat 26.01.2023"});
        let decided = app.post(&format!("/api/v1/carry-overs/{}/decision", co.json()["id"]), &body);
        assert_eq!(decided.status, 200, "{}", decided.text);
        assert_eq!(app.get("/api/v1/pools/vest-2023").json()["criteria"], three_criteria(), "the pool the carry-over made");

        app.cluster("nord");
        let shared = json!({"year": 2024, "amount": "1000000.00", "key": "population",
            "populations": [{"cluster": "vest", "population": 63670}, {"cluster": "nord", "population": 162227}],
            "create_pools": {"allocation_model": {"kind": "rolling"}}});
        let r = app.post("/api/v1/distributions", &shared);
        assert_eq!(r.status, 200, "{}", r.text);
        assert_eq!(app.get("/api/v1/pools/vest-2024").json()["criteria"], three_criteria(), "vest-2023's, the year before");
        assert_eq!(app.get("/api/v1/pools/nord-2024").json()["criteria"], json!([]), "Nord had no pool the year before");
    }
}

api_test! {
    /// A Danish file: `kriterium:<code>` columns answered ja or nej, partners in *partnere*.
    fn a_danish_file_answers_criteria_with_ja_and_nej(app) {
        vest_with_criteria(app);
        let head = "\u{feff}titel;ansøger;partnere;målgrupper;formål;mål;udgiftsart;ansøgt beløb;start;slut;kriterium:K1;kriterium:K2\r\n";
        let row = "Opsporing;thisted-kommune;almen-praksis;vulnerable_elderly;Fælles opsporing;Færre indlæggelser;development;50.000,00;01-09-2022;30-06-2023;ja;Mindre projekt\r\n";
        let bad = "Akutteam;morso-kommune;region-nordjylland;acute_area;Akut hjælp;Færre indlæggelser;development;40.000,00;01-09-2022;30-06-2023;måske;Mindre projekt\r\n";
        let problem = import(app, &format!("{head}{row}{bad}")).problem(422);
        let error = &problem["errors"][0];
        assert_eq!((error["row"].clone(), error["column"].clone()), (json!(2), json!("kriterium:K1")), "{problem}");
        assert!(error["message"].as_str().is_some_and(|m| m.contains("ja or nej")), "{problem}");
        let r = import(app, &format!("{head}{row}"));
        assert_eq!(r.status, 201, "{}", r.text);
        let created = app.get(&format!("/api/v1/applications/{}", r.json()["applications"][0])).json();
        assert_eq!(created["criteria"][0], json!({"criterion": "K1", "answer": "yes"}));
        assert_eq!(created["partner_parties"], json!(["almen-praksis"]));
    }
}

api_test! {
    /// The answer to a registration is built from what was written, not read
    /// back: it must be exactly what reading the draft gives.
    fn a_registered_draft_is_answered_exactly_as_reading_it_back_shows_it(app) {
        vest_with_criteria(app);
        let mut body = answered("300000.00");
        body["partner_parties"] = json!(["region-nordjylland", "almen-praksis", "morso-kommune"]);
        body["target_populations"] = json!(["vulnerable_elderly", "chronic_disease"]);
        body["budget"] = json!([{"year": 2022, "amount": "100000.00"}, {"year": 2023, "amount": "200000.00"}]);
        body["criteria"] = json!([
            {"criterion": "K1", "answer": "yes"},
            {"criterion": "K2", "answer": "Større tværgående projekt"},
            {"criterion": "K3", "answer": "Borgerpanel i begge kommuner"}
        ]);
        let created = app.post("/api/v1/pools/vest-2022/applications", &body);
        assert_eq!(created.status, 201, "{}", created.text);
        let id = created.json()["id"].as_i64().expect("id");
        let read = app.get(&format!("/api/v1/applications/{id}"));
        assert_eq!(created.json(), read.json(), "the answer to the registration is the draft as stored");
        assert_eq!(created.header("etag"), read.header("etag"));
        assert_eq!(created.json()["partner_parties"], json!(["region-nordjylland", "almen-praksis", "morso-kommune"]));
        // The pool the answer named is the one a later step finds (kept in memory from the registration).
        let submitted = app.request("POST", &format!("/api/v1/applications/{id}/submit")).send();
        assert_eq!(submitted.status, 200, "{}", submitted.text);
        assert_eq!(submitted.json()["status"], "submitted");
    }
}
