//! Trust: cluster-scoped access on every route, idempotent writes,
//! lost-update protection, a tamper-evident audit trail, abuse limits.

use serde_json::{Value, json};

use crate::api_test;
use crate::applications::{charter, decide, submitted, vest_2022};
use crate::helpers::{Backend, TestApp, TestDb};

/// Two clusters, each with an open pool, an application and a grant.
struct World {
    own_app: i64,
    other_app: i64,
    own_grant: i64,
    other_grant: i64,
    own_meeting: i64,
    other_meeting: i64,
    own_amendment: i64,
    other_amendment: i64,
    own_attachment: i64,
    other_attachment: i64,
}

fn world(app: &TestApp) -> World {
    vest_2022(app, json!({"recommendation_required": false, "political_threshold": "100000.00"}));
    app.cluster("nord");
    app.post("/api/v1/clusters/nord/parties", &json!({"slug": "thisted-kommune", "name": "Hjørring Kommune", "kind": "municipality"}));
    app.post("/api/v1/clusters/nord/parties", &json!({"slug": "region-nordjylland", "name": "Region Nordjylland", "kind": "region"}));
    app.post("/api/v1/pools", &json!({"cluster": "nord", "year": 2022, "amount": "1000000.00", "allocation_model": {"kind": "rolling"}, "approval_policy": {"recommendation_required": false, "political_threshold": "100000.00"}}));
    app.request("POST", "/api/v1/pools/nord-2022/open").send();
    let grant_in = |pool: &str| {
        let created = app.post(&format!("/api/v1/pools/{pool}/applications"), &charter("1000.00"));
        let id = created.json()["id"].as_i64().expect("id");
        app.request("POST", &format!("/api/v1/applications/{id}/submit")).send();
        let g = decide(app, id, "strategic", "approved", None).json()["grant_id"].as_i64().expect("grant");
        let pending = app.post(&format!("/api/v1/pools/{pool}/applications"), &charter("10.00")).json()["id"].as_i64().expect("id");
        (pending, g)
    };
    let (own_app, own_grant) = grant_in("vest-2022");
    let (other_app, other_grant) = grant_in("nord-2022");
    let meeting_in = |cluster: &str| {
        let r = app.post("/api/v1/meetings", &json!({"cluster": cluster, "forum": "strategic", "date": "2022-10-20"}));
        let m = r.json()["id"].as_i64().unwrap_or_else(|| panic!("meeting: {}", r.text));
        app.post(&format!("/api/v1/meetings/{m}/items"), &json!({"kind": "note", "title": "Orientering"}));
        m
    };
    let (own_meeting, other_meeting) = (meeting_in("vest"), meeting_in("nord"));
    // A pending decrease (it holds nothing) on each cluster's grant.
    let amendment_of = |grant: i64| {
        let r = app.post(&format!("/api/v1/grants/{grant}/amendments"), &json!({"amount": "900.00", "reason": "Mindre end ventet"}));
        r.json()["id"].as_i64().unwrap_or_else(|| panic!("amendment: {}", r.text))
    };
    let (own_amendment, other_amendment) = (amendment_of(own_grant), amendment_of(other_grant));
    let attach = |app_id: i64| {
        let r = app
            .request("POST", &format!("/api/v1/applications/{app_id}/attachments"))
            .header("content-type", "application/pdf")
            .header("content-disposition", "attachment; filename=\"kommissorium.pdf\"")
            .send_raw(Some(b"%PDF-1.7\n%%EOF\n"));
        r.json()["id"].as_i64().unwrap_or_else(|| panic!("attachment: {}", r.text))
    };
    let (own_attachment, other_attachment) = (attach(own_app), attach(other_app));
    World {
        own_app,
        other_app,
        own_grant,
        other_grant,
        own_meeting,
        other_meeting,
        own_amendment,
        other_amendment,
        own_attachment,
        other_attachment,
    }
}

fn fill(path: &str, own: bool, w: &World, user_id: i64, key_id: i64) -> String {
    let pick = |a: i64, b: i64| if own { a } else { b };
    let id = if path.starts_with("/api/v1/applications") {
        pick(w.own_app, w.other_app)
    } else if path.starts_with("/api/v1/grants") {
        pick(w.own_grant, w.other_grant)
    } else if path.starts_with("/api/v1/meetings") {
        pick(w.own_meeting, w.other_meeting)
    } else if path.starts_with("/api/v1/amendments") {
        pick(w.own_amendment, w.other_amendment)
    } else if path.starts_with("/api/v1/attachments") {
        pick(w.own_attachment, w.other_attachment)
    } else if path.starts_with("/api/v1/users") {
        user_id
    } else {
        key_id
    };
    path.replace("{cluster}", if own { "vest" } else { "nord" })
        .replace("{pool}", if own { "vest-2022" } else { "nord-2022" })
        .replace("{id}", &id.to_string())
        .replace("{year}", "2022")
        .replace("{number}", "1")
}

api_test! {
    /// Every route in the OpenAPI document × every role × own / other cluster × no key.
    fn every_route_answers_every_role_as_the_matrix_says(app) {
        let w = world(app);
        let spec = app.get("/openapi.json").json();
        let spare_user = app.post("/api/v1/users", &json!({"name": "Revisor", "email": "revisor@example.org", "role": "viewer"})).json()["id"].as_i64().expect("user");
        let spare_key = app.post("/api/v1/keys", &json!({"user_id": spare_user, "name": "til tilbagekaldelse"})).json()["id"].as_i64().expect("key");
        let roles = ["admin", "finance", "secretariat", "viewer"];
        let keys: Vec<(String, String, bool)> = roles
            .iter()
            .flat_map(|r| [(r.to_string(), app.key(r, &["vest"]), false), (r.to_string(), app.key(r, &[]), true)])
            .collect();
        let mut checked = 0;
        let mut unexpected = Vec::new();
        let paths = spec["paths"].as_object().expect("paths");
        for (path, item) in paths.iter().filter(|(p, _)| p.starts_with("/api/v1/")) {
            for (method, op) in item.as_object().expect("item") {
                let method = method.to_uppercase();
                let permission = op["x-permission"].as_str().unwrap_or_else(|| panic!("{method} {path} has no x-permission"));
                let action = klyngemidler::domain::access::Action::parse(permission).expect("known permission");
                let cluster_bound = path.contains("{cluster}") || path.contains("{pool}") || path.starts_with("/api/v1/applications/") || path.starts_with("/api/v1/grants/") || path.starts_with("/api/v1/meetings/") || path.starts_with("/api/v1/amendments/") || path.starts_with("/api/v1/attachments/");
                let needs_all_clusters = permission == "manage_users"
                    || path == "/api/v1/audit-events"
                    || path == "/api/v1/exports/audit-events"
                    || (path == "/api/v1/clusters" && method == "POST"); // a new cluster would be outside a scoped key
                for own in [true, false] {
                    if !own && !cluster_bound {
                        continue;
                    }
                    let url = fill(path, own, &w, spare_user, spare_key);
                    let send = |key: Option<&str>| {
                        let req = app.request(&method, &url).key(key);
                        if method == "GET" { req.send() } else { req.json(&json!({})) }
                    };
                    let anonymous = send(None);
                    checked += 1;
                    if anonymous.status != 401 {
                        unexpected.push(format!("{method} {url} without key → {}", anonymous.status));
                    }
                    for (role_name, key, all_clusters) in &keys {
                        let role = klyngemidler::domain::access::Role::parse(role_name).expect("role");
                        let allowed = klyngemidler::domain::access::permits(role, action)
                            && (own || *all_clusters)
                            && (!needs_all_clusters || *all_clusters);
                        let got = send(Some(key)).status;
                        checked += 1;
                        let denied = got == 401 || got == 403;
                        if allowed == denied {
                            unexpected.push(format!("{method} {url} as {role_name} (all clusters: {all_clusters}) → {got}, expected {}", if allowed { "access" } else { "403" }));
                        }
                    }
                }
            }
        }
        assert!(checked > 300, "only {checked} combinations walked");
        assert!(unexpected.is_empty(), "{} unexpected answers:\n{}", unexpected.len(), unexpected.join("\n"));
    }
}

api_test! {
    /// A finance client that times out and retries does not create a second grant.
    fn eight_concurrent_posts_with_one_idempotency_key_make_one_grant(app) {
        vest_2022(app, json!({"recommendation_required": false, "political_threshold": "100000.00"}));
        let id = submitted(app, &charter("50000.00"));
        let body = json!({"level": "strategic", "outcome": "approved", "meeting_date": "2022-10-20", "reference": "Referat"});
        let answers: Vec<crate::helpers::Resp> = std::thread::scope(|s| {
            let handles: Vec<_> = (0..8)
                .map(|_| {
                    let body = body.clone();
                    s.spawn(move || app.request("POST", &format!("/api/v1/applications/{id}/decision")).header("idempotency-key", "decision-42").json(&body))
                })
                .collect();
            handles.into_iter().map(|h| h.join().expect("thread")).collect()
        });
        let ok: Vec<&crate::helpers::Resp> = answers.iter().filter(|r| r.status == 200).collect();
        assert!(!ok.is_empty(), "{answers:?}");
        assert!(answers.iter().all(|r| r.status == 200 || r.status == 409), "{answers:?}");
        assert!(ok.iter().all(|r| r.text == ok[0].text), "identical responses");
        assert_eq!(app.get("/api/v1/grants").json()["items"].as_array().map(Vec::len), Some(1), "exactly one grant");

        let replay = app.request("POST", &format!("/api/v1/applications/{id}/decision")).header("idempotency-key", "decision-42").json(&body);
        assert_eq!(replay.status, 200);
        assert_eq!(replay.text, ok[0].text);
        assert_eq!(replay.header("idempotent-replayed"), Some("true"));
        let mut other = body.clone();
        other["reference"] = json!("Et andet referat");
        let reused = app.request("POST", &format!("/api/v1/applications/{id}/decision")).header("idempotency-key", "decision-42").json(&other);
        assert_eq!(reused.invalid_fields(), ["Idempotency-Key"]);
        let without = decide(app, id, "strategic", "approved", None);
        without.problem(409); // without the key the repeat is a second decision, refused by the workflow
        assert_eq!(app.get("/api/v1/grants").json()["items"].as_array().map(Vec::len), Some(1));
    }
}

api_test! {
    fn a_retried_create_returns_the_first_answer_and_creates_once(app) {
        app.cluster("vest");
        let body = json!({"cluster": "vest", "year": 2030, "amount": "1.00", "allocation_model": {"kind": "rolling"}});
        let first = app.request("POST", "/api/v1/pools").header("idempotency-key", "pool-2030").json(&body);
        let again = app.request("POST", "/api/v1/pools").header("idempotency-key", "pool-2030").json(&body);
        assert_eq!((first.status, again.status), (201, 201));
        assert_eq!(first.text, again.text);
        assert_eq!(again.header("location"), Some("/api/v1/pools/vest-2030"));
        let other_user = app.key("admin", &[]);
        let theirs = app.request("POST", "/api/v1/pools").key(Some(&other_user)).header("idempotency-key", "pool-2030").json(&body);
        assert_eq!(theirs.status, 409, "keys are per user: another user's request runs, and meets the existing pool");
    }
}

api_test! {
    /// 1,000 pairs of edits race with the same ETag: one wins, the other is told.
    fn racing_edits_with_one_etag_lose_no_update(app) {
        app.cluster("vest");
        let mut lost = 0;
        for round in 0..1000 {
            let etag = app.get("/api/v1/clusters/vest").header("etag").expect("etag").to_owned();
            let (a, b) = std::thread::scope(|s| {
                let one = s.spawn(|| app.request("PATCH", "/api/v1/clusters/vest").header("if-match", &etag).json(&json!({"name": format!("A{round}")})));
                let two = s.spawn(|| app.request("PATCH", "/api/v1/clusters/vest").header("if-match", &etag).json(&json!({"name": format!("B{round}")})));
                (one.join().expect("a"), two.join().expect("b"))
            });
            let mut statuses = [a.status, b.status];
            statuses.sort_unstable();
            assert_eq!(statuses, [200, 412], "round {round}");
            let winner = if a.status == 200 { format!("A{round}") } else { format!("B{round}") };
            if app.get("/api/v1/clusters/vest").json()["name"] != winner.as_str() {
                lost += 1;
            }
        }
        assert_eq!(lost, 0);
    }
}

fn tamper(backend: Backend) {
    let Some(db) = TestDb::new(backend) else { return };
    let url = db.url.clone();
    let app = crate::helpers::spawn_app_on(db, |_| ());
    vest_2022(&app, json!({"recommendation_required": false, "political_threshold": "100000.00"}));
    let id = submitted(&app, &charter("1000.00"));
    decide(&app, id, "strategic", "approved", None);
    let events = app.get("/api/v1/audit-events?limit=500").json();
    let ids: Vec<i64> = events["items"].as_array().expect("items").iter().filter_map(|e| e["id"].as_i64()).collect();
    assert!(ids.len() >= 8, "{events}");
    assert_eq!(events["chain_head"]["id"], ids[ids.len() - 1]);
    let verify = || {
        let db = klyngemidler::db::Db::connect(&url, &klyngemidler::db::DbOptions::default()).expect("connect");
        db.read_sync(klyngemidler::db::audit::verify).expect("verify")
    };
    assert!(matches!(verify(), klyngemidler::db::audit::Verdict::Intact { .. }));

    let raw = |sql: &str| -> Result<usize, String> {
        use diesel::{Connection, RunQueryDsl};
        match backend {
            Backend::Sqlite => {
                // The server may be writing (a key's last use): wait for the lock instead of failing at once.
                let mut c = diesel::SqliteConnection::establish(&url).map_err(|e| e.to_string())?;
                diesel::sql_query("PRAGMA busy_timeout = 10000").execute(&mut c).map_err(|e| e.to_string())?;
                diesel::sql_query(sql).execute(&mut c)
            }
            Backend::Postgres => diesel::sql_query(sql).execute(&mut diesel::PgConnection::establish(&url).map_err(|e| e.to_string())?),
        }
        .map_err(|e| e.to_string())
    };
    let refused = raw("UPDATE audit_events SET actor = 'someone else'").expect_err("the database refuses");
    assert!(refused.contains("append-only"), "{refused}");
    assert!(raw("DELETE FROM audit_events").is_err());
    match backend {
        Backend::Sqlite => raw("DROP TRIGGER audit_events_no_update").map(|_| ()),
        Backend::Postgres => raw("DROP TRIGGER audit_events_no_update ON audit_events").map(|_| ()),
    }
    .expect("drop the trigger");
    for id in &ids {
        raw(&format!("UPDATE audit_events SET actor = actor || '!' WHERE id = {id}")).expect("tamper");
        assert_eq!(
            verify(),
            klyngemidler::db::audit::Verdict::Broken { id: *id, reason: "its content does not match its hash".into() },
            "tampering with event {id} is found"
        );
        raw(&format!("UPDATE audit_events SET actor = substr(actor, 1, length(actor) - 1) WHERE id = {id}")).expect("restore");
        assert!(matches!(verify(), klyngemidler::db::audit::Verdict::Intact { .. }), "restored {id}");
    }
    // The command line says the same, and fails.
    raw(&format!("UPDATE audit_events SET after_json = NULL WHERE id = {}", ids[3])).expect("tamper");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_klyngemidler"))
        .args(["audit", "verify"])
        .env("DATABASE_URL", &url)
        .env("RUST_LOG", "error")
        .output()
        .expect("run audit verify");
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains(&format!("broken at event {}", ids[3])),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn tampering_with_any_audit_row_is_detected_on_sqlite() {
    tamper(Backend::Sqlite);
}

#[test]
fn tampering_with_any_audit_row_is_detected_on_postgres() {
    tamper(Backend::Postgres);
}

api_test! {
    fn users_own_keys_that_can_be_revoked_or_disabled(app) {
        let user = app.post("/api/v1/users", &json!({"name": "Økonomimedarbejder, Vest", "email": "oekonomi.vest@example.org", "role": "finance", "clusters": ["nowhere"]}));
        assert_eq!(user.invalid_fields(), ["clusters[0]"]);
        app.cluster("vest");
        let user = app.post("/api/v1/users", &json!({"name": "Økonomimedarbejder, Vest", "email": "oekonomi.vest@example.org", "role": "finance", "clusters": ["vest"]}));
        assert_eq!(user.status, 201, "{}", user.text);
        let user_id = user.json()["id"].as_i64().expect("id");
        let made = app.post("/api/v1/keys", &json!({"user_id": user_id, "name": "Regneark", "expires_in_days": 30}));
        assert_eq!(made.status, 201, "{}", made.text);
        let key = made.json()["key"].as_str().expect("shown once").to_owned();
        let key_id = made.json()["id"].as_i64().expect("id");
        assert_eq!(app.request("GET", "/api/v1/clusters/vest").key(Some(&key)).send().status, 200);
        std::thread::sleep(std::time::Duration::from_millis(300));
        let listed = app.get(&format!("/api/v1/keys?user={user_id}")).json();
        assert!(listed[0]["last_used_at"].is_string(), "use is recorded: {listed}");
        assert!(listed[0].get("key").is_none(), "the key itself is never listed");

        let etag = app.get(&format!("/api/v1/users/{user_id}")).header("etag").expect("etag").to_owned();
        let disabled = app.request("PATCH", &format!("/api/v1/users/{user_id}")).header("if-match", &etag).json(&json!({"disabled": true}));
        assert_eq!(disabled.status, 200, "{}", disabled.text);
        app.request("GET", "/api/v1/clusters/vest").key(Some(&key)).send().problem(401);
        let etag = disabled.header("etag").expect("etag").to_owned();
        app.request("PATCH", &format!("/api/v1/users/{user_id}")).header("if-match", &etag).json(&json!({"disabled": false}));
        assert_eq!(app.request("GET", "/api/v1/clusters/vest").key(Some(&key)).send().status, 200);
        assert!(app.request("POST", &format!("/api/v1/keys/{key_id}/revoke")).send().json()["revoked_at"].is_string());
        app.request("GET", "/api/v1/clusters/vest").key(Some(&key)).send().problem(401);
    }
}

api_test! {
    /// Separation of duties: an application's contact cannot record its decisions.
    fn the_applications_contact_cannot_record_its_decision(app) {
        vest_2022(app, json!({}));
        let id = submitted(app, &charter("10.00"));
        let contact = app.key_for("secretariat", &[], Some("projektleder@example.org"));
        let colleague = app.key_for("secretariat", &[], Some("sekretariat.vest@example.org"));
        let body = json!({"meeting_date": "2022-10-04"});
        let refused = app.request("POST", &format!("/api/v1/applications/{id}/recommendation")).key(Some(&contact)).json(&body);
        assert!(refused.problem(403)["detail"].as_str().unwrap_or("").contains("contact"));
        let ok = app.request("POST", &format!("/api/v1/applications/{id}/recommendation")).key(Some(&colleague)).json(&body);
        assert_eq!(ok.status, 200, "{}", ok.text);
    }
}

api_test! {
    fn failed_key_attempts_from_one_address_are_slowed_down_with_429_but_valid_keys_pass(app) {
        for _ in 0..20 {
            app.request("GET", "/api/v1/pools").key(Some("kmk_wrong")).send().problem(401);
        }
        let limited = app.request("GET", "/api/v1/pools").key(Some("kmk_wrong")).send();
        limited.problem(429);
        assert!(limited.header("retry-after").and_then(|v| v.parse::<u64>().ok()).is_some_and(|s| (1..=60).contains(&s)));
        // Someone else's guessing from the same address (or proxy) locks nobody out.
        let valid = app.request("GET", "/api/v1/pools").send();
        assert_eq!(valid.status, 200, "a valid key passes during the slow-down: {}", valid.text);
        app.request("GET", "/api/v1/pools").key(Some("kmk_still_wrong")).send().problem(429);
    }
}

api_test! {
    fn html_pages_carry_security_headers(app) {
        let docs = app.request("GET", "/docs/").key(None).send();
        assert!(docs.header("content-security-policy").is_some_and(|v| v.contains("frame-ancestors 'none'") && !v.contains("unsafe-inline'; script")));
        assert_eq!(docs.header("x-frame-options"), Some("DENY"));
        assert_eq!(docs.header("referrer-policy"), Some("no-referrer"));
        let _: Value = app.get("/api/v1/target-populations").json();
    }
}

api_test! {
    /// Changing a user's e-mail to another user's is a 409, not a 500 from the unique index (found by schemathesis).
    fn a_users_email_cannot_be_changed_to_another_users(app) {
        let first = app.post("/api/v1/users", &json!({"name": "Sekretariat, Vest", "email": "sekretariat.vest@example.org", "role": "viewer"}));
        assert_eq!(first.status, 201, "{}", first.text);
        let second = app.post("/api/v1/users", &json!({"name": "Sekretariat, Nord", "email": "sekretariat.nord@example.org", "role": "viewer"}));
        let id = second.json()["id"].as_i64().expect("id");
        let taken = json!({"email": "Sekretariat.Vest@example.org"});
        app.request("PATCH", &format!("/api/v1/users/{id}")).header("if-match", "*").json(&taken).problem(409);
        app.post("/api/v1/users", &json!({"name": "Igen", "email": "sekretariat.vest@example.org", "role": "viewer"})).problem(409);
        let own = json!({"email": "sekretariat.nord@example.org", "name": "Sekretariatet, Nord"});
        let r = app.request("PATCH", &format!("/api/v1/users/{id}")).header("if-match", "*").json(&own);
        assert_eq!(r.status, 200, "{}", r.text);
    }
}
