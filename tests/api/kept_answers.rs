//! What is read from memory and from the running balances agrees with the
//! ledger: the status report of a year and the dashboard, kept whole on the
//! node while nothing is written, show a grant the moment it is made (on
//! this node at once, on another within the notice's bound); `/metrics`
//! reads every pool's figures from the running balances, and they are each
//! pool's status to the øre after any money flow.

use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::api_test;
use crate::applications::{charter, decide, submitted, vest_2022};
use crate::dashboard::kroner_da;
use crate::helpers::{Backend, Resp, TestApp, TestDb, spawn_configured};

const FIGURES: [&str; 8] = ["total", "carried_in", "committed", "pending", "disbursed", "released", "available", "carried_out"];

fn report(app: &TestApp, etag: Option<&str>) -> Resp {
    let mut req = app.request("GET", "/api/v1/reports/status?year=2022");
    if let Some(tag) = etag {
        req = req.header("if-none-match", tag);
    }
    req.send()
}

fn granted(app: &TestApp, amount: &str) {
    let id = submitted(app, &charter(amount));
    let r = decide(app, id, "strategic", "approved", None);
    assert_eq!(r.status, 200, "{}", r.text);
}

api_test! {
    /// A dashboard polling the report sees a grant in the very next answer, and its old ETag no longer matches.
    fn the_status_report_of_a_year_shows_a_grant_the_moment_it_is_made(app) {
        vest_2022(app, json!({"recommendation_required": false, "political_threshold": "999999999.00"}));
        let before = report(app, None);
        assert_eq!(before.status, 200);
        assert_eq!(before.json()["pools"][0]["committed"], "0.00");
        let etag = before.header("etag").expect("an ETag").to_owned();
        assert_eq!(report(app, Some(&etag)).status, 304, "unchanged: answered from memory");
        let csv_before = app.get("/api/v1/reports/status?year=2022&format=csv").text;

        granted(app, "93776.75");
        let after = report(app, Some(&etag));
        assert_eq!(after.status, 200, "the grant changed the report");
        let pool = &after.json()["pools"][0];
        assert_eq!(pool["committed"], "93776.75");
        assert_eq!(pool["available"], "777776.25");
        assert_eq!(pool["by_party"][0]["committed"], "93776.75", "the breakdowns follow too");
        let csv_after = app.get("/api/v1/reports/status?year=2022&format=csv").text;
        assert_ne!(csv_before, csv_after);
        assert!(csv_after.contains("93776.75"), "{csv_after}");
        let etag_after = after.header("etag").expect("an ETag").to_owned();
        assert_ne!(etag, etag_after);
        assert_eq!(report(app, Some(&etag_after)).status, 304);
    }
}

api_test! {
    /// A key for one cluster never gets the report kept for a key that sees every cluster.
    fn a_kept_report_is_only_shown_to_keys_of_the_same_clusters(app) {
        vest_2022(app, json!({}));
        app.cluster("nord");
        app.pool("nord", 2022, "100000.00", json!({"kind": "rolling"}));
        let all = report(app, None).json();
        assert_eq!(all["pools"].as_array().map(Vec::len), Some(2));
        let nord = app.key("viewer", &["nord"]);
        let mine = app.request("GET", "/api/v1/reports/status?year=2022").key(Some(&nord)).send().json();
        let pools: Vec<&str> = mine["pools"].as_array().expect("pools").iter().filter_map(|p| p["pool"].as_str()).collect();
        assert_eq!(pools, ["nord-2022"]);
    }
}

api_test! {
    /// Another program changing the database behind the node's back (no notice the node can hear)
    /// shows in the report once the kept copy is older than its two seconds, and not a moment kept longer.
    fn a_report_kept_past_its_two_seconds_is_checked_against_the_database(app) {
        vest_2022(app, json!({}));
        let first = report(app, None);
        let etag = first.header("etag").expect("an ETag").to_owned();
        std::thread::sleep(Duration::from_millis(2200));
        assert_eq!(report(app, Some(&etag)).status, 304, "nothing changed: the kept report is renewed");
        // The pool closed by another program on the same database (no notice to this node).
        let closed = "UPDATE pools SET state = 'closed', updated_at = updated_at + INTERVAL '1 second'";
        match app.db.backend() {
            Backend::Sqlite => {
                use diesel::RunQueryDsl;
                let mut c = crate::helpers::raw_sqlite(&app.db.url);
                diesel::sql_query("UPDATE pools SET state = 'closed', updated_at = datetime(updated_at, '+1 second')").execute(&mut c).expect("update");
            }
            Backend::Postgres => {
                use diesel::{Connection, RunQueryDsl};
                diesel::sql_query(closed).execute(&mut diesel::PgConnection::establish(&app.db.url).expect("connect")).expect("update");
            }
        }
        let started = Instant::now();
        loop {
            let now = report(app, Some(&etag));
            if now.status == 200 {
                assert_eq!(now.json()["pools"][0]["state"], "closed");
                break;
            }
            assert!(started.elapsed() < Duration::from_secs(3), "the report still shows the pool open after 3 s");
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

fn sign_in(app: &TestApp, key: &str) -> String {
    let r = app
        .request("POST", "/dashboard/login")
        .key(None)
        .header("content-type", "application/x-www-form-urlencoded")
        .send_raw(Some(format!("key={key}").as_bytes()));
    assert_eq!(r.status, 303, "{}", r.text);
    r.header("set-cookie").and_then(|c| c.split(';').next()).expect("a session cookie").to_owned()
}

fn dashboard(app: &TestApp, cookie: &str) -> String {
    let r = app.request("GET", "/dashboard?year=2022").key(None).header("cookie", cookie).send();
    assert_eq!(r.status, 200, "{}", r.text);
    r.text
}

api_test! {
    /// The projector shows the grant on the next page; a viewer of one cluster never sees the page kept for all.
    fn the_dashboard_shows_a_grant_the_moment_it_is_made_and_only_to_keys_that_may_see_it(app) {
        vest_2022(app, json!({"recommendation_required": false, "political_threshold": "999999999.00"}));
        app.cluster("nord");
        app.pool("nord", 2022, "100000.00", json!({"kind": "rolling"}));
        let admin = sign_in(app, &app.key("admin", &[]));
        let before = dashboard(app, &admin);
        assert!(before.contains("id=\"pulje-vest-2022\"") && before.contains("id=\"pulje-nord-2022\""));
        assert!(!before.contains(&kroner_da(&json!("93776.75"))));
        assert_eq!(dashboard(app, &admin), before, "unchanged while nothing is written");

        granted(app, "93776.75");
        let after = dashboard(app, &admin);
        assert!(after.contains(&kroner_da(&json!("93776.75"))), "the grant is on the next page");
        assert!(after.contains(&kroner_da(&json!("777776.25"))), "and what is left");

        let nord = sign_in(app, &app.key("viewer", &["nord"]));
        let theirs = dashboard(app, &nord);
        assert!(theirs.contains("id=\"pulje-nord-2022\""));
        assert!(!theirs.contains("pulje-vest-2022"), "another cluster's pool is not shown");
    }
}

/// A small deterministic random source (a failing flow repeats).
struct Dice(u64);

impl Dice {
    fn roll(&mut self, sides: u64) -> u64 {
        self.0 = self.0.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        (self.0 >> 33) % sides
    }
}

fn kroner(ore: u64) -> String {
    format!("{}.{:02}", ore / 100, ore % 100)
}

/// The value of one `klyngemidler_pool_kroner` series, as written.
fn gauge<'a>(metrics: &'a str, cluster: &str, bucket: &str, figure: &str) -> Option<&'a str> {
    let series = format!("klyngemidler_pool_kroner{{cluster=\"{cluster}\",year=\"2022\",bucket=\"{bucket}\",figure=\"{figure}\"}} ");
    metrics.lines().find_map(|line| line.strip_prefix(series.as_str()))
}

/// Every figure of every pool's status (overall and per bucket) is the gauge's, to the øre, and there are no others.
fn gauges_are_the_statuses(app: &TestApp, step: usize) {
    let metrics = app.get("/metrics").text;
    crate::metrics::parse(&metrics).unwrap_or_else(|e| panic!("step {step}: {e}"));
    let mut series = 0;
    for (cluster, pool) in [("vest", "vest-2022"), ("midt", "midt-2022")] {
        let status = app.get(&format!("/api/v1/pools/{pool}/status")).json();
        let mut lines: Vec<(&str, &Value)> = vec![("all", &status)];
        lines.extend(status["buckets"].as_array().expect("buckets").iter().map(|b| (b["name"].as_str().expect("name"), b)));
        for (bucket, figures) in lines {
            for figure in FIGURES {
                let want = figures[figure].as_str().expect("a figure");
                assert_eq!(gauge(&metrics, cluster, bucket, figure), Some(want), "step {step}: {pool} {bucket} {figure}");
                series += 1;
            }
        }
    }
    assert_eq!(metrics.lines().filter(|l| l.starts_with("klyngemidler_pool_kroner{")).count(), series, "step {step}");
}

fn open_pool(app: &TestApp, cluster: &str, amount: &str, model: Value) {
    app.cluster(cluster);
    for (slug, name, kind) in
        [("thisted-kommune", "Thisted Kommune", "municipality"), ("region-nordjylland", "Region Nordjylland", "region")]
    {
        let r = app.post(&format!("/api/v1/clusters/{cluster}/parties"), &json!({"slug": slug, "name": name, "kind": kind}));
        assert_eq!(r.status, 201, "{}", r.text);
    }
    let policy = json!({"recommendation_required": false, "political_threshold": "999999999.00"});
    let body = json!({"cluster": cluster, "year": 2022, "amount": amount, "allocation_model": model, "approval_policy": policy});
    assert_eq!(app.post("/api/v1/pools", &body).status, 201);
    assert_eq!(app.request("POST", &format!("/api/v1/pools/{cluster}-2022/open")).send().status, 200);
}

api_test! {
    /// Grants, rejections, disbursements and releases at random in a rolling pool and a 70/30 pool.
    fn metrics_pool_gauges_are_every_status_to_the_ore_after_a_random_flow(app) {
        open_pool(app, "vest", "871553.00", json!({"kind": "rolling"}));
        open_pool(app, "midt", "500000.00", json!({"kind": "split", "upfront_share": "0.70"}));
        let finance = app.key("finance", &[]);
        let mut dice = Dice(19);
        let mut grants: Vec<(i64, u64)> = Vec::new(); // (grant, øre not yet paid)
        gauges_are_the_statuses(app, 0);
        for step in 1..=16 {
            match dice.roll(4) {
                0 | 1 => {
                    let pool = if dice.roll(2) == 0 { "vest-2022" } else { "midt-2022" };
                    let mut body = charter(&kroner(10_000 + dice.roll(15_000_000)));
                    body["origin"] = json!(if dice.roll(2) == 0 { "ssu" } else { "cluster" });
                    let created = app.post(&format!("/api/v1/pools/{pool}/applications"), &body);
                    assert_eq!(created.status, 201, "step {step}: {}", created.text);
                    let id = created.json()["id"].as_i64().expect("id");
                    assert_eq!(app.request("POST", &format!("/api/v1/applications/{id}/submit")).send().status, 200);
                    let outcome = if dice.roll(4) == 0 { "rejected" } else { "approved" };
                    let r = decide(app, id, "strategic", outcome, None);
                    match (r.status, outcome) {
                        (200, "approved") => {
                            let requested = crate::helpers::ore(&body["requested_amount"]);
                            grants.push((r.json()["grant_id"].as_i64().expect("grant"), u64::try_from(requested).expect("positive")));
                        }
                        (200, _) => {}
                        (status, _) => assert_eq!(status, 409, "step {step}: {}", r.text),
                    }
                }
                2 if !grants.is_empty() => {
                    let at = usize::try_from(dice.roll(grants.len() as u64)).expect("index");
                    let (grant, left) = grants[at];
                    let pay = (left * (1 + dice.roll(100)) / 100).clamp(1, left);
                    let r = app
                        .request("POST", &format!("/api/v1/grants/{grant}/disbursements"))
                        .key(Some(&finance))
                        .json(&json!({"amount": kroner(pay), "paid_on": "2023-01-15", "reference": format!("Bilag {step}")}));
                    assert_eq!(r.status, 201, "step {step}: {}", r.text);
                    grants[at].1 -= pay;
                    if grants[at].1 == 0 {
                        grants.remove(at);
                    }
                }
                _ if !grants.is_empty() => {
                    let (grant, _) = grants.remove(usize::try_from(dice.roll(grants.len() as u64)).expect("index"));
                    let r = app
                        .request("POST", &format!("/api/v1/grants/{grant}/release"))
                        .key(Some(&finance))
                        .json(&json!({"reason": "Projektet blev afsluttet under budget"}));
                    assert_eq!(r.status, 200, "step {step}: {}", r.text);
                }
                _ => {}
            }
            gauges_are_the_statuses(app, step);
        }
    }
}

/// The report kept on node A shows a grant made on node B within the change notice's bound (PostgreSQL `NOTIFY`).
#[test]
fn the_status_report_on_one_node_follows_a_grant_made_on_another_on_postgres() {
    let Some(db) = TestDb::new(Backend::Postgres) else { return };
    let shared = db.shared();
    let a = spawn_configured(db, |_| (), |_| ());
    let b = spawn_configured(shared, |_| (), |_| ());
    vest_2022(&a, json!({"recommendation_required": false, "political_threshold": "999999999.00"}));
    assert_eq!(report(&a, None).json()["pools"][0]["committed"], "0.00");
    granted(&b, "93776.75");
    let started = Instant::now();
    loop {
        let committed = report(&a, None).json()["pools"][0]["committed"].clone();
        if committed == "93776.75" {
            break;
        }
        assert!(started.elapsed() < Duration::from_secs(1), "node A still shows {committed} after 1 s");
        std::thread::sleep(Duration::from_millis(20));
    }
}
