//! Hardening: the findings of the attacker's read (issue #12), each as the
//! behaviour a user of a public finance system expects instead.

use serde_json::{Value, json};

use crate::api_test;
use crate::applications::{charter, decide, submitted, vest_2022};
use crate::email_approval::{CO_CHAIRS, answer, app_with_mail, ask, page, setup, token_for};
use crate::helpers::{Backend, TestApp, TestDb, spawn_configured};
use crate::smtp::SmtpServer;

/// Vest 2022 with a grant of 99,999.99 decided by the strategic level; returns the grant's id.
fn a_grant(app: &TestApp) -> i64 {
    vest_2022(app, json!({"recommendation_required": false, "political_threshold": "100000.00"}));
    let id = submitted(app, &charter("99999.99"));
    let decided = decide(app, id, "strategic", "approved", None);
    assert_eq!(decided.status, 200, "{}", decided.text);
    decided.json()["grant_id"].as_i64().expect("a grant")
}

fn alive(app: &TestApp) {
    assert_eq!(app.request("GET", "/healthz").key(None).send().status, 200, "the server still answers");
}

api_test! {
    /// Finding 1: an amount of 30,000 minus signs and a digit used to overflow the stack and kill the process.
    fn thirty_thousand_minus_signs_in_an_amount_are_a_422_naming_the_field(app) {
        let grant = a_grant(app);
        let hostile = format!("{}1", "-".repeat(30_000));
        let paid = app.post(&format!("/api/v1/grants/{grant}/disbursements"), &json!({"amount": hostile, "paid_on": "2023-10-01"}));
        assert_eq!(paid.invalid_fields(), ["amount"], "{}", paid.text);
        let pool = app.post("/api/v1/pools", &json!({"cluster": "vest", "year": 2030, "amount": hostile, "allocation_model": {"kind": "rolling"}}));
        assert_eq!(pool.invalid_fields(), ["amount"]);
        let mut body = charter("1000.00");
        body["requested_amount"] = json!(hostile);
        assert_eq!(app.post("/api/v1/pools/vest-2022/applications", &body).invalid_fields(), ["requested_amount"]);
        alive(app);
        for signed_zero in ["-0", "--0", "-0.00"] {
            let r = app.post(&format!("/api/v1/grants/{grant}/disbursements"), &json!({"amount": signed_zero, "paid_on": "2023-10-01"}));
            assert_eq!(r.invalid_fields(), ["amount"], "{signed_zero} is not an amount");
        }
    }
}

api_test! {
    /// Finding 2: made-up HTTP methods used to grow the metrics without bound.
    fn made_up_http_methods_share_one_metrics_label(app) {
        for i in 0..300 {
            let method = format!("X{i}Y");
            let r = app.request(Box::leak(method.into_boxed_str()), "/healthz").key(None).send();
            assert!(r.status < 500, "{}", r.status);
        }
        let metrics = app.get("/metrics").text;
        assert!(!metrics.contains("method=\"X1Y\""), "a made-up method is not a label of its own");
        assert!(metrics.contains("method=\"other\""), "made-up methods count under `other`");
        assert!(metrics.len() < 100_000, "{} bytes", metrics.len());
    }
}

api_test! {
    /// Finding 3: a NUL byte in free text was a 500 on PostgreSQL; now it is a 422 naming each field, on both.
    fn a_nul_byte_in_any_free_text_is_a_422_naming_the_field(app) {
        let grant = a_grant(app);
        let mut body = charter("1000.00");
        for field in ["title", "purpose", "goals", "organisation", "evaluation"] {
            body[field] = json!("Tekst med \u{0} i");
        }
        let r = app.post("/api/v1/pools/vest-2022/applications", &body);
        let mut fields = r.invalid_fields();
        fields.sort();
        assert_eq!(fields, ["evaluation", "goals", "organisation", "purpose", "title"], "{}", r.text);
        let paid = app.post(&format!("/api/v1/grants/{grant}/disbursements"), &json!({"amount": "10.00", "paid_on": "2023-10-01", "reference": "Bilag\u{0}1"}));
        assert_eq!(paid.invalid_fields(), ["reference"]);
        let released = app.post(&format!("/api/v1/grants/{grant}/release"), &json!({"reason": "a\u{0}b"}));
        assert_eq!(released.invalid_fields(), ["reason"]);
        let audit = app.get("/api/v1/audit-events?subject=pool%3Avest-2022%00");
        assert_eq!(audit.invalid_fields(), ["subject"]);
        let pool = app.post("/api/v1/pools", &json!({"cluster": "vest", "year": 2031, "amount": "1.00", "allocation_model": {"kind": "rolling"}, "note": "x\u{0}"}));
        assert_eq!(pool.invalid_fields(), ["note"]);
        let csv = "target_population,municipality,count\r\nvulnerable_elderly,Thisted\u{0},10\r\n";
        let imported = app
            .request("PUT", "/api/v1/clusters/vest/population-counts/2022")
            .header("content-type", "text/csv")
            .send_raw(Some(csv.as_bytes()));
        assert_eq!(imported.invalid_fields(), ["rows[1].municipality"], "{}", imported.text);
        // A direction override makes a title read otherwise than it is stored.
        let mut spoof = charter("1000.00");
        spoof["title"] = json!("Projekt \u{202E}fdp.exe");
        assert_eq!(app.post("/api/v1/pools/vest-2022/applications", &spoof).invalid_fields(), ["title"]);
        alive(app);
    }
}

api_test! {
    /// Finding 4 (keys): a replay of key creation never shows the key, and no idempotency record holds it.
    fn a_replayed_key_creation_names_the_key_but_never_shows_it(app) {
        let user = app.post("/api/v1/users", &json!({"name": "Økonomi, Vest", "email": "oekonomi.vest@example.org", "role": "finance"}));
        assert_eq!(user.status, 201, "{}", user.text);
        let body = json!({"user_id": user.json()["id"], "name": "Regneark"});
        let first = app.request("POST", "/api/v1/keys").header("idempotency-key", "nøgle-1".replace('ø', "o").as_str()).json(&body);
        assert_eq!(first.status, 201, "{}", first.text);
        let key = first.json()["key"].as_str().expect("the key, this once").to_owned();
        let again = app.request("POST", "/api/v1/keys").header("idempotency-key", "nogle-1").json(&body);
        let problem = again.problem(409);
        assert!(problem["type"].as_str().unwrap_or("").ends_with("key-already-issued"), "{problem}");
        assert!(!again.text.contains(&key), "the replay does not show the key");
        assert!(problem["detail"].as_str().unwrap_or("").contains("API key"), "it names what was created: {problem}");
        let listed = app.get("/api/v1/keys").text;
        assert!(!listed.contains(&key));
        let works = app.request("GET", "/api/v1/pools").key(Some(&key)).send();
        assert_eq!(works.status, 200, "the key issued the first time works");
    }
}

api_test! {
    /// Finding 8: a replay answers only a caller with the permissions of the first request.
    fn an_idempotent_replay_is_not_answered_to_a_key_that_lost_the_permission(app) {
        app.cluster("vest");
        let user = app.post("/api/v1/users", &json!({"name": "Økonomi, Vest", "email": "oekonomi.vest@example.org", "role": "finance"}));
        let user_id = user.json()["id"].as_i64().expect("user");
        let key = app.post("/api/v1/keys", &json!({"user_id": user_id, "name": "Regneark"})).json()["key"].as_str().expect("key").to_owned();
        let body = json!({"slug": "thisted-kommune", "name": "Thisted Kommune", "kind": "municipality"});
        let send = || app.request("POST", "/api/v1/clusters/vest/parties").key(Some(&key)).header("idempotency-key", "party-1").json(&body);
        assert_eq!(send().status, 201);
        assert_eq!(send().header("idempotent-replayed"), Some("true"), "a retry gets the first answer");
        let demoted = app.request("PATCH", &format!("/api/v1/users/{user_id}")).header("if-match", "*").json(&json!({"role": "viewer"}));
        assert_eq!(demoted.status, 200, "{}", demoted.text);
        let replay = send();
        replay.problem(403);
        assert_eq!(replay.header("idempotent-replayed"), None, "no stored answer for a caller who may no longer do it");
    }
}

api_test! {
    /// Finding 8: trailing garbage after the JSON body is refused, and nothing is written.
    fn text_after_the_json_body_is_a_400(app) {
        app.cluster("vest");
        let body = br#"{"cluster": "vest", "year": 2030, "amount": "1.00", "allocation_model": {"kind": "rolling"}}xyz"#;
        let r = app.request("POST", "/api/v1/pools").header("content-type", "application/json").send_raw(Some(body));
        r.problem(400);
        app.get("/api/v1/pools/vest-2030").problem(404);
        let spaced = br#"{"cluster": "vest", "year": 2030, "amount": "1.00", "allocation_model": {"kind": "rolling"}}  "#;
        assert_eq!(app.request("POST", "/api/v1/pools").header("content-type", "application/json").send_raw(Some(spaced)).status, 201);
    }
}

api_test! {
    /// Finding 8: sharing out 0.00 is refused; a cluster-scoped key cannot create clusters; a second release is a 409.
    fn nothing_to_share_no_new_clusters_for_a_scoped_key_and_a_second_release_is_a_conflict(app) {
        let grant = a_grant(app);
        let zero = app.post("/api/v1/distributions", &json!({"year": 2030, "amount": "0.00", "key": "population", "populations": [{"cluster": "vest", "population": 63670}]}));
        assert_eq!(zero.invalid_fields(), ["amount"]);
        let scoped = app.key("admin", &["vest"]);
        let created = app.request("POST", "/api/v1/clusters").key(Some(&scoped)).json(&json!({"slug": "nord", "name": "Nord", "region": "Region Nordjylland"}));
        created.problem(403);
        let release = json!({"reason": "Projektet er afsluttet"});
        assert_eq!(app.post(&format!("/api/v1/grants/{grant}/release"), &release).status, 200);
        let second = app.post(&format!("/api/v1/grants/{grant}/release"), &release);
        assert!(second.problem(409)["detail"].as_str().unwrap_or("").contains("nothing left"), "{}", second.text);
    }
}

api_test! {
    /// Finding 8: addresses lettre cannot send to are refused when approvers are set, not retried for ever.
    fn approver_addresses_that_cannot_be_sent_to_are_refused(app) {
        app.cluster("vest");
        let etag = app.get("/api/v1/clusters/vest/approvers").header("etag").expect("etag").to_owned();
        for bad in ["a<b@c.org", "x@[127.0.0.1]", "(kommentar)medformand@example.org", "Navn <medformand@example.org>"] {
            let list = json!([{"name": "Regional medformand, Vest", "email": bad, "level": "strategic", "side": "regional"}]);
            let r = app.request("PUT", "/api/v1/clusters/vest/approvers").header("if-match", &etag).json(&list);
            assert_eq!(r.invalid_fields(), ["[0].email"], "{bad}: {}", r.text);
        }
    }
}

api_test! {
    /// Finding 8: a carried-in amount moves with the model when a draft pool changes it.
    fn a_carried_in_amount_follows_the_pools_new_model(app) {
        vest_2022(app, json!({"recommendation_required": false}));
        assert_eq!(app.request("POST", "/api/v1/pools/vest-2022/close").send().status, 200);
        let proposed = app.post("/api/v1/pools/vest-2022/carry-overs", &json!({"recommendation_reference": "Referat 15.12.2022, pkt. 3", "target_allocation_model": {"kind": "split", "upfront_share": "0.70"}}));
        assert_eq!(proposed.status, 201, "{}", proposed.text);
        let id = proposed.json()["id"].as_i64().expect("id");
        let decided = app.post(&format!("/api/v1/carry-overs/{id}/decision"), &json!({"level": "political", "outcome": "approved", "meeting_date": "2023-01-26", "reference": "Sundhedsklyngeudvalget 26.01.2023"}));
        assert_eq!(decided.status, 200, "{}", decided.text);
        let before = app.get("/api/v1/pools/vest-2023/status").json();
        assert_eq!(before["carried_in"], "871553.00");
        let etag = app.get("/api/v1/pools/vest-2023").header("etag").expect("etag").to_owned();
        let patched = app.request("PATCH", "/api/v1/pools/vest-2023").header("if-match", &etag).json(&json!({"allocation_model": {"kind": "rolling"}}));
        assert_eq!(patched.status, 200, "{}", patched.text);
        let after = app.get("/api/v1/pools/vest-2023/status").json();
        crate::helpers::assert_reconciles(&after);
        let buckets: Vec<&str> = after["buckets"].as_array().expect("buckets").iter().filter_map(|b| b["name"].as_str()).collect();
        assert_eq!(buckets, ["rolling"], "no money is left in a bucket the model no longer has: {after}");
        assert_eq!(after["buckets"][0]["carried_in"], "871553.00");
        assert_eq!(after["available"], "871553.00");
    }
}

fn key_guessing_does_not_lock_out_valid_links(backend: Backend) {
    let smtp = SmtpServer::start();
    let Some(db) = TestDb::new(backend) else { return };
    let url = smtp.url();
    let app = spawn_configured(
        db,
        |_| (),
        move |c| {
            c.mail.smtp_url = Some(url);
            c.auth_failures_per_minute = 5;
        },
    );
    let id = setup(&app, "999999.00");
    ask(&app, id, "strategic");
    let mails = smtp.wait_for(2);
    for i in 0..8 {
        let _ = page(&app, &format!("{i:064x}"));
    }
    assert_eq!(page(&app, &"e".repeat(64)).status, 429, "guessing is slowed down");
    let token = token_for(&mails, CO_CHAIRS[0].1);
    assert_eq!(page(&app, &token).status, 200, "a valid link opens during the slow-down");
    assert_eq!(answer(&app, &token, "approve").status, 200, "and decides");
    let login = app
        .request("POST", "/dashboard/login")
        .key(None)
        .header("content-type", "application/x-www-form-urlencoded")
        .send_raw(Some(format!("key={}", app.admin_key).as_bytes()));
    assert_eq!(login.status, 303, "a valid dashboard key signs in during the slow-down");
}

#[test]
fn guessing_links_never_locks_out_a_valid_link_or_key_on_sqlite() {
    key_guessing_does_not_lock_out_valid_links(Backend::Sqlite);
}

#[test]
fn guessing_links_never_locks_out_a_valid_link_or_key_on_postgres() {
    key_guessing_does_not_lock_out_valid_links(Backend::Postgres);
}

/// Finding 5: closing the pool while the co-chairs are asked ends the request in the same transaction.
fn closing_the_pool_ends_open_requests(backend: Backend) {
    let smtp = SmtpServer::start();
    let Some(app) = app_with_mail(backend, Some(smtp.url())) else { return };
    let id = setup(&app, "999999.00");
    ask(&app, id, "strategic");
    let mails = smtp.wait_for(2);
    assert_eq!(answer(&app, &token_for(&mails, CO_CHAIRS[0].1), "approve").status, 200);
    assert_eq!(app.get("/api/v1/pools/vest-2022/status").json()["pending"], "150000.00");
    let closed = app.request("POST", "/api/v1/pools/vest-2022/close").send();
    assert_eq!(
        closed.status,
        200,
        "{}\n{}",
        closed.text,
        crate::helpers::logs().lines().filter(|l| l.contains("ERROR")).collect::<Vec<_>>().join("\n")
    );
    let last = token_for(&mails, CO_CHAIRS[1].1);
    let shown = page(&app, &last);
    assert_eq!(shown.status, 410, "{}", shown.text);
    assert!(shown.text.contains("Puljen er lukket"), "{}", shown.text);
    let decided = answer(&app, &last, "approve");
    assert_eq!(decided.status, 410, "a final answer, not 'try again': {}", decided.text);
    let status = app.get("/api/v1/pools/vest-2022/status").json();
    assert_eq!(status["pending"], "0.00", "the reservation went back with the request: {status}");
    assert_eq!(app.get(&format!("/api/v1/applications/{id}")).json()["status"], "recommended");
    let requests = app.get(&format!("/api/v1/approvals?application={id}")).json();
    let text = requests.to_string();
    assert!(text.contains("pool_closed"), "{text}");
}

#[test]
fn closing_a_pool_ends_its_open_e_mail_requests_on_sqlite() {
    closing_the_pool_ends_open_requests(Backend::Sqlite);
}

#[test]
fn closing_a_pool_ends_its_open_e_mail_requests_on_postgres() {
    closing_the_pool_ends_open_requests(Backend::Postgres);
}

/// Finding 4 (links) and the acceptance grep: after the e-mail approval, the SQLite file holds no token and no raw key.
#[test]
fn after_the_e_mail_approval_the_sqlite_database_holds_no_live_token_and_no_raw_key() {
    let smtp = SmtpServer::start();
    let Some(app) = app_with_mail(Backend::Sqlite, Some(smtp.url())) else { return };
    let id = setup(&app, "999999.00");
    ask(&app, id, "strategic");
    let mails = smtp.wait_for(2);
    let tokens: Vec<String> = [CO_CHAIRS[0].1, CO_CHAIRS[1].1].iter().map(|e| token_for(&mails, e)).collect();
    // One co-chair answers; the other's link is still live.
    assert_eq!(answer(&app, &tokens[0], "approve").status, 200);
    assert_eq!(page(&app, &tokens[1]).status, 200, "the second link is live");
    let user = app.post("/api/v1/users", &json!({"name": "Økonomi, Vest", "email": "oekonomi.vest@example.org", "role": "finance"}));
    let created = app
        .request("POST", "/api/v1/keys")
        .header("idempotency-key", "key-for-finance")
        .json(&json!({"user_id": user.json()["id"], "name": "Regneark"}));
    let raw_key = created.json()["key"].as_str().expect("key").to_owned();
    // The receipt and the notices of the answer go out too (none carries a token).
    let outbox: Value = crate::email_approval::outbox_until(&app, |list| list.iter().all(|m| m["state"] == "sent"));
    assert!(outbox.as_array().is_some_and(|m| m.iter().all(|m| m["state"] == "sent")), "{outbox}");
    // What rests on disk once the write-ahead log is checkpointed into the file.
    {
        use diesel::Connection;
        use diesel::connection::SimpleConnection;
        let mut conn = diesel::SqliteConnection::establish(&app.db.url).expect("open the file");
        conn.batch_execute("PRAGMA busy_timeout = 10000; PRAGMA wal_checkpoint(TRUNCATE);").expect("checkpoint");
    }
    let mut bytes = std::fs::read(&app.db.url).expect("the database file");
    bytes.extend(std::fs::read(format!("{}-wal", app.db.url)).unwrap_or_default());
    let holds = |needle: &str| bytes.windows(needle.len()).any(|w| w == needle.as_bytes());
    for token in &tokens {
        assert!(!holds(token), "a link's token rests in the database");
    }
    assert!(!holds(&raw_key), "a new key rests in the database");
    assert!(!holds(&app.admin_key), "the admin key rests in the database");
    assert_eq!(page(&app, &tokens[1]).status, 200, "the live link still works: only its hash is kept");
}

api_test! {
    /// Finding 7: a title that starts like a negative number but is a formula stays text in Danish Excel.
    fn a_title_that_hides_a_formula_behind_a_minus_stays_text_in_excel(app) {
        vest_2022(app, json!({"recommendation_required": false}));
        let mut body = charter("1000.00");
        body["title"] = json!("-1+cmd|' /C calc'!A0");
        assert_eq!(app.post("/api/v1/pools/vest-2022/applications", &body).status, 201);
        let export = app.get("/api/v1/exports/applications?dialect=excel-da").text;
        let lines = crate::spreadsheets::read_csv(export.trim_start_matches('\u{feff}'), ';');
        assert!(lines.iter().any(|l| l.iter().any(|cell| cell == "'-1+cmd|' /C calc'!A0")), "{export}");
        assert!(!lines.iter().any(|l| l.iter().any(|cell| cell.starts_with("-1+cmd"))), "{export}");
    }
}

api_test! {
    /// Finding 8: a pool plus what was carried in may pass 999,999,999,999.99; the dashboard shows the sum, not 0,00 kr.
    fn the_dashboard_shows_figures_above_the_input_limit(app) {
        vest_2022(app, json!({"recommendation_required": false}));
        let big = app.post("/api/v1/pools", &json!({"cluster": "vest", "year": 2023, "amount": "999999999999.99", "allocation_model": {"kind": "rolling"}}));
        assert_eq!(big.status, 201, "{}", big.text);
        assert_eq!(app.request("POST", "/api/v1/pools/vest-2022/close").send().status, 200);
        let id = app.post("/api/v1/pools/vest-2022/carry-overs", &json!({"recommendation_reference": "Referat 15.12.2022, pkt. 3"})).json()["id"].as_i64().expect("id");
        let decided = app.post(&format!("/api/v1/carry-overs/{id}/decision"), &json!({"level": "political", "outcome": "approved", "meeting_date": "2023-01-26", "reference": "Sundhedsklyngeudvalget 26.01.2023"}));
        assert_eq!(decided.status, 200, "{}", decided.text);
        let login = app
            .request("POST", "/dashboard/login")
            .key(None)
            .header("content-type", "application/x-www-form-urlencoded")
            .send_raw(Some(format!("key={}", app.admin_key).as_bytes()));
        let cookie = login.header("set-cookie").expect("cookie").split(';').next().expect("pair").to_owned();
        let page = app.request("GET", "/dashboard?year=2023").key(None).header("cookie", &cookie).send();
        assert_eq!(page.status, 200);
        assert!(page.text.contains("1.000.000.871.552,99"), "the sum of the pool and the carry-over is shown");
    }
}

api_test! {
    /// Finding 8: another site's form cannot sign a visitor in or out of the dashboard.
    fn dashboard_sign_in_and_out_from_another_site_are_refused(app) {
        let form = |path: &str, origin: Option<&str>, body: &str| {
            let mut req = app.request("POST", path).key(None).header("content-type", "application/x-www-form-urlencoded");
            if let Some(o) = origin {
                req = req.header("origin", o);
            }
            req.send_raw(Some(body.as_bytes()))
        };
        let key = format!("key={}", app.admin_key);
        assert_eq!(form("/dashboard/login", Some("http://evil.example.org"), &key).status, 403);
        assert_eq!(form("/dashboard/logout", Some("http://evil.example.org"), "").status, 403);
        let own = app.address.clone();
        assert_eq!(form("/dashboard/login", Some(&own), &key).status, 303, "our own page signs in");
        assert_eq!(form("/dashboard/logout", Some(&own), "").status, 303);
        let cross = app.request("POST", "/dashboard/login").key(None).header("content-type", "application/x-www-form-urlencoded").header("sec-fetch-site", "cross-site").send_raw(Some(key.as_bytes()));
        assert_eq!(cross.status, 403);
    }
}
