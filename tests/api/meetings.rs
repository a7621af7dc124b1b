//! Meetings as the secretariat runs them: an agenda with a drafted
//! indstilling per item, every outcome of a sitting in one request (all or
//! nothing), and the agenda and decision minutes in Word and HTML.

use serde_json::{Value, json};

use crate::api_test;
use crate::applications::{charter, decide, status, submitted, vest_2022};
use crate::helpers::TestApp;

fn meeting(app: &TestApp, forum: &str, date: &str) -> i64 {
    let body = json!({"cluster": "vest", "forum": forum, "date": date, "location": "Teams – digitalt møde",
        "attendees": ["Regional medformand", "Kommunal medformand", "Sekretariatet"], "apologies": ["Chef, Morsø Kommune"]});
    let r = app.post("/api/v1/meetings", &body);
    assert_eq!(r.status, 201, "{}", r.text);
    r.json()["id"].as_i64().expect("id")
}

fn item(app: &TestApp, meeting: i64, body: Value) -> crate::helpers::Resp {
    app.post(&format!("/api/v1/meetings/{meeting}/items"), &body)
}

fn on_agenda(app: &TestApp, meeting: i64, application: i64) -> i64 {
    let r = item(app, meeting, json!({"kind": "application", "application": application}));
    assert_eq!(r.status, 201, "{}", r.text);
    r.json()["number"].as_i64().expect("number")
}

fn recommended(app: &TestApp, amount: &str) -> i64 {
    let id = submitted(app, &charter(amount));
    let r = app.post(&format!("/api/v1/applications/{id}/recommendation"), &json!({"meeting_date": "2022-10-04"}));
    assert_eq!(r.status, 200, "{}", r.text);
    id
}

fn application(app: &TestApp, id: i64) -> Value {
    app.get(&format!("/api/v1/applications/{id}")).json()
}

/// What an application's state looks like, without ids, times and references.
fn shape(a: &Value) -> Value {
    let steps: Vec<Value> =
        a["steps"].as_array().expect("steps").iter().map(|s| json!([s["step"], s["outcome"], s["amount"], s["meeting_date"]])).collect();
    json!({"status": a["status"], "reserved": a["reserved_amount"], "approved": a["approved_amount"], "awaiting": a["awaiting"],
        "referred": a["referred"], "steps": steps})
}

fn sitting(outcomes: Value) -> Value {
    json!({"reference": "Referat 20.10.2022", "outcomes": outcomes})
}

api_test! {
    /// Approved, rejected, postponed and referred in one sitting move four cases exactly as four single decisions would.
    fn one_sitting_moves_four_applications_as_four_single_decisions_would(app) {
        vest_2022(app, json!({"political_threshold": "100000.00"}));
        let cases: Vec<i64> = ["40000.00", "30000.00", "20000.00", "50000.00"].iter().map(|a| recommended(app, a)).collect();
        let twins: Vec<i64> = ["40000.00", "30000.00", "20000.00", "50000.00"].iter().map(|a| recommended(app, a)).collect();
        let m = meeting(app, "strategic", "2022-10-20");
        let next = meeting(app, "strategic", "2022-11-24");
        let numbers: Vec<i64> = cases.iter().map(|id| on_agenda(app, m, *id)).collect();
        assert_eq!(numbers, vec![1, 2, 3, 4], "each item gets its numbered place");
        let agenda = app.get(&format!("/api/v1/meetings/{m}")).json();
        let first = &agenda["items"][0];
        assert!(first["indstilling"].as_str().unwrap().starts_with("Det indstilles, at fagligt strategisk niveau i"), "{first}");
        assert!(first["case_text"][0].as_str().unwrap().contains("søger 40.000,00 kr."), "{first}");
        let before = status(app);
        let body = sitting(json!([
            {"item": 1, "outcome": "approved"},
            {"item": 2, "outcome": "rejected", "note": "Projektet er drift, ikke udvikling"},
            {"item": 3, "outcome": "postponed"},
            {"item": 4, "outcome": "referred", "note": "Berører alle kommuner"},
        ]));
        let r = app.post(&format!("/api/v1/meetings/{m}/outcomes"), &body);
        assert_eq!(r.status, 200, "{}", r.text);
        assert_eq!(r.json()["state"], "held");
        // The same four decisions, one call each.
        assert_eq!(decide(app, twins[0], "strategic", "approved", None).status, 200);
        assert_eq!(decide(app, twins[1], "strategic", "rejected", None).status, 200);
        let refer = json!({"to_level": "political", "reason": "Berører alle kommuner", "meeting_date": "2022-10-20", "reference": "Referat 20.10.2022, pkt. 4"});
        assert_eq!(app.post(&format!("/api/v1/applications/{}/referral", twins[3]), &refer).status, 200);
        for (case, twin) in cases.iter().zip(&twins) {
            assert_eq!(shape(&application(app, *case)), shape(&application(app, *twin)), "application {case} moved as {twin}");
        }
        let after = status(app);
        assert_eq!(crate::helpers::ore(&after["committed"]) - crate::helpers::ore(&before["committed"]), 2 * 4_000_000);
        assert_eq!(crate::helpers::ore(&after["pending"]) - crate::helpers::ore(&before["pending"]), 2 * 5_000_000);
        // The steps and the application point at the meeting.
        let approved = application(app, cases[0]);
        let step = approved["steps"].as_array().unwrap().last().unwrap().clone();
        assert_eq!((step["meeting"].as_i64(), step["reference"].as_str()), (Some(m), Some("Referat 20.10.2022, pkt. 1")), "{step}");
        assert_eq!(approved["meetings"][0]["meeting"].as_i64(), Some(m));
        assert_eq!(approved["meetings"][0]["outcome"], "approved");
        // The postponed case is on the forum's next meeting.
        let later = app.get(&format!("/api/v1/meetings/{next}")).json();
        let carried: Vec<i64> = later["items"].as_array().unwrap().iter().filter_map(|i| i["application"].as_i64()).collect();
        assert_eq!(carried, vec![cases[2]], "{later}");
        assert!(later["items"][0]["postponed_from"].as_i64().is_some());
        assert_eq!(application(app, cases[2])["status"], "recommended", "a postponed case does not move");
        // The audit trail has the sitting.
        let audit = app.get(&format!("/api/v1/audit-events?subject=meeting:{m}")).json();
        let actions: Vec<&str> = audit["items"].as_array().unwrap().iter().filter_map(|e| e["action"].as_str()).collect();
        assert!(actions.contains(&"meeting.held"), "{actions:?}");
        // The minutes use the seeds' words.
        let minutes = app.get(&format!("/api/v1/meetings/{m}/minutes")).json();
        let outcomes: Vec<&str> = minutes["items"].as_array().unwrap().iter().filter_map(|i| i["outcome"].as_str()).collect();
        assert_eq!(outcomes, vec!["Godkendt. Indstillingen blev fulgt.", "Afvist. Indstillingen blev ikke fulgt.", "Udsat til næste møde.", "Sendes videre til drøftelse på politisk niveau."]);
        // A held meeting does not take a second sitting.
        assert_eq!(app.post(&format!("/api/v1/meetings/{m}/outcomes"), &body).problem(409)["type"], "urn:klyngemidler:problem:meeting-held");
    }
}

api_test! {
    /// A sitting whose second approval the bucket cannot pay is refused whole, naming it, and nothing changes.
    fn a_sitting_with_one_approval_the_bucket_cannot_pay_writes_nothing(app) {
        vest_2022(app, json!({"political_threshold": "1000000.00"}));
        let a = recommended(app, "500000.00");
        let b = recommended(app, "500000.00");
        let m = meeting(app, "strategic", "2022-10-20");
        on_agenda(app, m, a);
        on_agenda(app, m, b);
        let ledger = app.get("/api/v1/pools/vest-2022/ledger?limit=500").text;
        let before = (application(app, a), application(app, b));
        let r = app.post(&format!("/api/v1/meetings/{m}/outcomes"), &sitting(json!([{"item": 1, "outcome": "approved"}, {"item": 2, "outcome": "approved"}])));
        let p = r.problem(409);
        assert_eq!(p["type"], "urn:klyngemidler:problem:sitting-refused", "{p}");
        let errors = p["errors"].as_array().unwrap();
        assert_eq!(errors.len(), 1, "{p}");
        assert_eq!(errors[0]["field"], "outcomes[1]");
        assert!(errors[0]["message"].as_str().unwrap().contains("item 2"), "{p}");
        assert_eq!(app.get("/api/v1/pools/vest-2022/ledger?limit=500").text, ledger, "the ledger is byte for byte unchanged");
        assert_eq!((application(app, a), application(app, b)), before);
        assert_eq!(app.get(&format!("/api/v1/meetings/{m}")).json()["state"], "planned");
        // Missing items and outcomes an application cannot have are all named at once (422).
        let r = app.post(&format!("/api/v1/meetings/{m}/outcomes"), &sitting(json!([{"item": 1, "outcome": "noted"}, {"item": 9, "outcome": "approved"}])));
        let fields = r.invalid_fields();
        assert!(fields.contains(&"outcomes[1]".to_owned()) && fields.contains(&"outcomes".to_owned()), "{}", r.text);
    }
}

api_test! {
    /// A submitted case belongs before the operations forum: the strategic level's agenda refuses it.
    fn an_item_put_before_the_wrong_forum_is_refused(app) {
        vest_2022(app, json!({}));
        let id = submitted(app, &charter("10000.00"));
        let strategic = meeting(app, "strategic", "2022-10-20");
        let r = item(app, strategic, json!({"kind": "application", "application": id}));
        assert!(r.problem(409)["detail"].as_str().unwrap().contains("Driftsforum"), "{}", r.text);
        let forum = meeting(app, "operations_forum", "2022-10-04");
        on_agenda(app, forum, id);
        assert_eq!(item(app, forum, json!({"kind": "application", "application": id})).status, 409, "not twice on one agenda");
        let bad = item(app, forum, json!({"kind": "note", "application": 3}));
        assert_eq!(bad.invalid_fields(), vec!["title".to_owned(), "application".to_owned()], "{}", bad.text);
        // The operations forum's approval is its recommendation.
        let r = app.post(&format!("/api/v1/meetings/{forum}/outcomes"), &json!({"reference": "Referat driftsforum 04.10.2022", "outcomes": [{"item": 1, "outcome": "approved"}]}));
        assert_eq!(r.status, 200, "{}", r.text);
        assert_eq!(application(app, id)["status"], "recommended");
    }
}

api_test! {
    /// The secretariat edits the drafted text with If-Match; a retried sitting with the same Idempotency-Key answers the same.
    fn the_indstilling_is_edited_with_if_match_and_a_retried_sitting_is_safe(app) {
        vest_2022(app, json!({}));
        let m = meeting(app, "strategic", "2022-10-20");
        let r = item(app, m, json!({"kind": "note", "title": "Velkomst og præsentation", "text": "Formandskabet byder velkommen."}));
        let etag = r.header("etag").expect("etag").to_owned();
        let path = format!("/api/v1/meetings/{m}/items/1");
        let edit = json!({"proposals": ["Tager orienteringen til efterretning.", "Godkender kommissoriet."]});
        assert_eq!(app.request("PATCH", &path).json(&edit).status, 428);
        let r = app.request("PATCH", &path).header("If-Match", &etag).json(&edit);
        assert_eq!(r.status, 200, "{}", r.text);
        assert!(r.json()["indstilling"].as_str().unwrap().ends_with("2) Godkender kommissoriet."));
        assert_eq!(app.request("PATCH", &path).header("If-Match", &etag).json(&edit).status, 412);
        let body = sitting(json!([{"item": 1, "outcome": "noted"}]));
        let first = app.request("POST", &format!("/api/v1/meetings/{m}/outcomes")).header("Idempotency-Key", "sitting-20-10").json(&body);
        assert_eq!(first.status, 200, "{}", first.text);
        let again = app.request("POST", &format!("/api/v1/meetings/{m}/outcomes")).header("Idempotency-Key", "sitting-20-10").json(&body);
        assert_eq!((again.status, again.json()), (200, first.json()));
    }
}

api_test! {
    /// The agenda in Word opens in LibreOffice and names each project and its amount the Danish way.
    fn the_word_agenda_and_minutes_open_and_show_the_amounts_in_danish(app) {
        vest_2022(app, json!({}));
        let id = recommended(app, "187553.50");
        let m = meeting(app, "strategic", "2022-10-20");
        on_agenda(app, m, id);
        let docx = "application/vnd.openxmlformats-officedocument.wordprocessingml.document";
        let agenda = app.request("GET", &format!("/api/v1/meetings/{m}/agenda")).header("Accept", docx).send();
        assert_eq!(agenda.status, 200, "{}", agenda.text);
        assert_eq!(agenda.header("content-type"), Some(docx));
        let text = crate::word::docx_text(&agenda.bytes);
        assert!(text.contains("Tidlig opsporing af skrøbelige ældre") && text.contains("187.553,50 kr."), "{text}");
        if let Some(pdf) = crate::word::docx_opens_in_libreoffice(&agenda.bytes) {
            assert!(pdf.starts_with(b"%PDF"));
        }
        let r = app.post(&format!("/api/v1/meetings/{m}/outcomes"), &sitting(json!([{"item": 1, "outcome": "approved"}])));
        assert_eq!(r.status, 200, "{}", r.text);
        let minutes = app.request("GET", &format!("/api/v1/meetings/{m}/minutes")).header("Accept", docx).send();
        let text = crate::word::docx_text(&minutes.bytes);
        assert!(text.contains("Beslutningsreferat") && text.contains("Godkendt") && text.contains("187.553,50 kr."), "{text}");
        if let Some(pdf) = crate::word::docx_opens_in_libreoffice(&minutes.bytes) {
            assert!(pdf.starts_with(b"%PDF"));
        }
        let html = app.request("GET", &format!("/api/v1/meetings/{m}/minutes")).header("Accept", "text/html").send();
        assert!(html.text.contains("<html lang=\"da\"") && html.text.contains("187.553,50 kr.") && !html.text.contains("<script"));
    }
}

fn agenda_in_chromium(backend: crate::helpers::Backend) {
    let Some(binary) = crate::browser::chromium() else { return };
    let Some(app) = crate::helpers::spawn_app(backend) else { return };
    vest_2022(&app, json!({}));
    let id = recommended(&app, "187553.50");
    let m = meeting(&app, "strategic", "2022-10-20");
    on_agenda(&app, m, id);
    let key = app.key("viewer", &[]);
    let auth = format!("Bearer {key}");
    let page = crate::browser::load_with_headers(
        &binary,
        &format!("{}/api/v1/meetings/{m}/agenda", app.address),
        &[("Authorization", &auth), ("Accept", "text/html")],
    );
    let origin = format!("{}/", app.address);
    let elsewhere: Vec<&String> = page.requests.iter().filter(|u| !u.starts_with(&origin) && !u.starts_with("data:")).collect();
    assert!(elsewhere.is_empty(), "requests left 127.0.0.1: {elsewhere:?}");
    assert!(page.errors.is_empty(), "console or log errors: {:#?}", page.errors);
    assert!(page.html.contains("<html lang=\"da\"") && page.html.contains("187.553,50 kr."), "{}", page.html);
    assert!(!page.html.contains("<script"));
}

#[test]
fn the_html_agenda_in_chromium_is_danish_self_contained_and_error_free_on_sqlite() {
    agenda_in_chromium(crate::helpers::Backend::Sqlite);
}

#[test]
fn the_html_agenda_in_chromium_is_danish_self_contained_and_error_free_on_postgres() {
    agenda_in_chromium(crate::helpers::Backend::Postgres);
}

api_test! {
    /// The carry-over is sent on by the strategic level and approved by the political level, each in its meeting.
    fn a_carry_over_goes_through_the_strategic_and_the_political_meeting(app) {
        vest_2022(app, json!({}));
        let r = app.post("/api/v1/pools/vest-2022/carry-overs", &json!({"to_year": 2023, "recommendation_reference": "Driftsforum 13.09.2022"}));
        assert_eq!(r.status, 201, "{}", r.text);
        let carry = r.json()["id"].as_i64().expect("id");
        let strategic = meeting(app, "strategic", "2022-10-13");
        let operations = meeting(app, "operations_forum", "2022-10-04");
        assert_eq!(item(app, operations, json!({"kind": "carry_over", "carry_over": carry})).status, 409, "not the operations forum's to decide");
        assert_eq!(item(app, strategic, json!({"kind": "carry_over", "carry_over": carry})).status, 201);
        assert_eq!(item(app, strategic, json!({"kind": "model", "pool": "vest-2022"})).status, 201);
        let approve = app.post(&format!("/api/v1/meetings/{strategic}/outcomes"), &sitting(json!([{"item": 1, "outcome": "approved"}, {"item": 2, "outcome": "noted"}])));
        assert!(approve.problem(409)["errors"][0]["message"].as_str().unwrap().contains("only the political level"), "{}", approve.text);
        let r = app.post(&format!("/api/v1/meetings/{strategic}/outcomes"), &sitting(json!([{"item": 1, "outcome": "referred"}, {"item": 2, "outcome": "noted"}])));
        assert_eq!(r.status, 200, "{}", r.text);
        assert_eq!(app.get(&format!("/api/v1/carry-overs/{carry}")).json()["state"], "proposed", "the strategic level only sends it on");
        let events = app.get("/api/v1/audit-events?subject=pool%3Avest-2022").json().to_string();
        assert!(events.contains("pool.model_decided"), "no decision on the model is recorded as rolling");
        let political = meeting(app, "political", "2022-11-09");
        assert_eq!(item(app, political, json!({"kind": "carry_over", "carry_over": carry})).status, 201);
        let r = app.post(&format!("/api/v1/meetings/{political}/outcomes"), &json!({"reference": "Referat 09.11.2022", "outcomes": [{"item": 1, "outcome": "approved"}]}));
        assert_eq!(r.status, 200, "{}", r.text);
        let decided = app.get(&format!("/api/v1/carry-overs/{carry}")).json();
        assert_eq!(decided["decision"]["reference"], "Referat 09.11.2022, pkt. 1", "{decided}");
    }
}

api_test! {
    /// With no later meeting planned, a postponed case waits for the forum's next meeting to be created.
    fn a_postponed_case_waits_for_the_forums_next_meeting(app) {
        vest_2022(app, json!({}));
        let id = submitted(app, &charter("25000.00"));
        let first = meeting(app, "operations_forum", "2022-09-13");
        on_agenda(app, first, id);
        let drafted = app.get(&format!("/api/v1/meetings/{first}")).json()["items"][0].clone();
        assert!(drafted["case_text"].to_string().contains("sammen med Region Nordjylland"), "the partners are in the indstilling: {drafted}");
        let r = app.post(&format!("/api/v1/meetings/{first}/outcomes"), &json!({"reference": "Referat driftsforum 13.09.2022", "outcomes": [{"item": 1, "outcome": "postponed"}]}));
        assert_eq!(r.status, 200, "{}", r.text);
        let other_forum = meeting(app, "strategic", "2022-10-13");
        assert_eq!(app.get(&format!("/api/v1/meetings/{other_forum}")).json()["items"].as_array().map(Vec::len), Some(0), "another forum's meeting takes nothing");
        let next = meeting(app, "operations_forum", "2022-10-04");
        let items = app.get(&format!("/api/v1/meetings/{next}")).json()["items"].clone();
        assert_eq!(items[0]["application"].as_i64(), Some(id), "{items}");
        assert_eq!(items[0]["title"], drafted["title"], "with its texts");
        let a = application(app, id);
        let outcomes: Vec<Value> = a["meetings"].as_array().unwrap().iter().map(|m| json!([m["meeting"], m["outcome"]])).collect();
        assert_eq!(outcomes, vec![json!([first, "postponed"]), json!([next, null])]);
    }
}

api_test! {
    /// After the grant the strategic level decides an amendment and takes note of the project's status in one sitting.
    fn the_strategic_level_decides_an_amendment_and_notes_a_projects_status(app) {
        vest_2022(app, json!({"recommendation_required": false, "political_threshold": "999999999.00"}));
        let id = submitted(app, &charter("150000.00"));
        let grant = decide(app, id, "strategic", "approved", None).json()["grant_id"].as_i64().expect("grant");
        let r = app.post(&format!("/api/v1/grants/{grant}/amendments"), &json!({"amount": "180000.00", "reason": "Projektet udvides til to kommuner mere"}));
        assert_eq!(r.status, 201, "{}", r.text);
        let amendment = r.json()["id"].as_i64().expect("id");
        assert_eq!(status(app)["pending"], "30000.00", "the increase is reserved at once");
        let forum = meeting(app, "operations_forum", "2022-10-25");
        assert_eq!(item(app, forum, json!({"kind": "amendment", "amendment": amendment})).status, 409, "the amendment awaits the strategic level");
        let m = meeting(app, "strategic", "2022-10-27");
        let r = item(app, m, json!({"kind": "amendment", "amendment": amendment}));
        assert_eq!(r.status, 201, "{}", r.text);
        let drafted = r.json();
        assert!(drafted["case_text"].to_string().contains("150.000,00 kr. ønskes ændret til 180.000,00 kr."), "{drafted}");
        assert_eq!(item(app, m, json!({"kind": "grant_status", "grant": grant})).status, 201);
        let bad = sitting(json!([{"item": 1, "outcome": "approved"}, {"item": 2, "outcome": "approved"}]));
        assert!(app.post(&format!("/api/v1/meetings/{m}/outcomes"), &bad).problem(409)["errors"][0]["message"].as_str().unwrap().contains("noted"));
        let r = app.post(&format!("/api/v1/meetings/{m}/outcomes"), &sitting(json!([{"item": 1, "outcome": "approved"}, {"item": 2, "outcome": "noted"}])));
        assert_eq!(r.status, 200, "{}", r.text);
        let a = app.get(&format!("/api/v1/amendments/{amendment}")).json();
        assert_eq!(a["state"], "approved", "{a}");
        assert_eq!(app.get(&format!("/api/v1/grants/{grant}")).json()["amount"], "180000.00");
        let s = status(app);
        assert_eq!((s["committed"].as_str(), s["pending"].as_str()), (Some("180000.00"), Some("0.00")));
        let minutes = app.get(&format!("/api/v1/meetings/{m}/minutes")).json();
        assert_eq!(minutes["items"][1]["title"], "Status på projekt: Tidlig opsporing af skrøbelige ældre");
        assert_eq!(minutes["items"][1]["outcome"], "Taget til efterretning.");
    }
}
