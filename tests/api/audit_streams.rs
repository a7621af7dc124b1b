//! The audit trail in streams: a pool's writes chain in the pool's own
//! stream, everything else in `global`, and the verifier still names every
//! event a superuser changed, moved, reordered or deleted.

use serde_json::{Value, json};

use crate::api_test;
use crate::applications::{charter, decide, vest_2022};
use crate::helpers::{Backend, TestApp};
use klyngemidler::db::audit::Verdict;

/// An open 2022 pool of 500,000.00 in a new cluster, with the parties `charter` names.
fn open_2022(app: &TestApp, cluster: &str) {
    app.cluster(cluster);
    for (slug, name, kind) in
        [("thisted-kommune", "Hjørring Kommune", "municipality"), ("region-nordjylland", "Region Nordjylland", "region")]
    {
        app.post(&format!("/api/v1/clusters/{cluster}/parties"), &json!({"slug": slug, "name": name, "kind": kind}));
    }
    app.post(
        "/api/v1/pools",
        &json!({"cluster": cluster, "year": 2022, "amount": "500000.00", "allocation_model": {"kind": "rolling"},
                "approval_policy": {"recommendation_required": false, "political_threshold": "100000.00"}}),
    );
    assert_eq!(app.request("POST", &format!("/api/v1/pools/{cluster}-2022/open")).send().status, 200);
}

/// A granted application in `pool`: create, submit, decide.
fn grant(app: &TestApp, pool: &str, body: &Value) {
    let created = app.post(&format!("/api/v1/pools/{pool}/applications"), body);
    assert_eq!(created.status, 201, "{}", created.text);
    let id = created.json()["id"].as_i64().expect("id");
    assert_eq!(app.request("POST", &format!("/api/v1/applications/{id}/submit")).send().status, 200);
    assert_eq!(decide(app, id, "strategic", "approved", None).status, 200);
}

fn two_pools_with_grants(app: &TestApp) {
    vest_2022(app, json!({"recommendation_required": false, "political_threshold": "100000.00"}));
    open_2022(app, "nord");
    for _ in 0..2 {
        grant(app, "vest-2022", &charter("1000.00"));
        grant(app, "nord-2022", &charter("2000.00"));
    }
}

/// Every event as the API shows it: (id, stream, prev_hash, hash).
fn events(app: &TestApp) -> Vec<(i64, String, String, String)> {
    let page = app.get("/api/v1/audit-events?limit=500").json();
    let text = |e: &Value, k: &str| e[k].as_str().expect(k).to_owned();
    page["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|e| (e["id"].as_i64().expect("id"), text(e, "stream"), text(e, "prev_hash"), text(e, "hash")))
        .collect()
}

fn ids_in(events: &[(i64, String, String, String)], stream: &str) -> Vec<i64> {
    events.iter().filter(|e| e.1 == stream).map(|e| e.0).collect()
}

fn verify(app: &TestApp) -> Verdict {
    let db = klyngemidler::db::Db::connect(&app.db.url, &klyngemidler::db::DbOptions::default()).expect("connect");
    db.read_sync(klyngemidler::db::audit::verify).expect("verify")
}

/// SQL as a superuser would run it, past the application.
fn raw(app: &TestApp, sql: &str) -> Result<usize, String> {
    use diesel::{Connection, RunQueryDsl};
    match app.db.backend() {
        Backend::Sqlite => {
            let mut c = diesel::SqliteConnection::establish(&app.db.url).map_err(|e| e.to_string())?;
            diesel::sql_query("PRAGMA busy_timeout = 10000").execute(&mut c).map_err(|e| e.to_string())?;
            diesel::sql_query(sql).execute(&mut c)
        }
        Backend::Postgres => diesel::sql_query(sql).execute(&mut diesel::PgConnection::establish(&app.db.url).map_err(|e| e.to_string())?),
    }
    .map_err(|e| e.to_string())
}

fn drop_the_triggers(app: &TestApp) {
    let drops: &[&str] = match app.db.backend() {
        Backend::Sqlite => &["DROP TRIGGER audit_events_no_update", "DROP TRIGGER audit_events_no_delete"],
        Backend::Postgres => &["DROP TRIGGER audit_events_no_update ON audit_events"],
    };
    for sql in drops {
        raw(app, sql).expect("drop a trigger");
    }
}

fn broken_at(verdict: &Verdict) -> Option<i64> {
    match verdict {
        Verdict::Broken { id, .. } => Some(*id),
        Verdict::Intact { .. } => None,
    }
}

api_test! {
    /// Each pool's events link only to that pool's events; the rest to `global`.
    fn each_pool_writes_its_own_audit_chain(app) {
        two_pools_with_grants(app);
        let all = events(app);
        for stream in ["global", "pool:vest-2022", "pool:nord-2022"] {
            let chain: Vec<_> = all.iter().filter(|e| e.1 == stream).collect();
            assert!(chain.len() >= 6 || stream == "global", "{stream}: {chain:?}");
            assert_eq!(chain[0].2, "", "{stream} starts a chain of its own");
            for pair in chain.windows(2) {
                assert_eq!(pair[1].2, pair[0].3, "{stream}: event {} follows event {}", pair[1].0, pair[0].0);
            }
        }
        assert!(all.iter().all(|e| ["global", "pool:vest-2022", "pool:nord-2022"].contains(&e.1.as_str())), "{all:?}");
        assert!(matches!(verify(app), Verdict::Intact { streams: 3, .. }), "{:?}", verify(app));
    }
}

api_test! {
    /// Grants raced in six pools at once: every pool's chain stays one line.
    fn grants_raced_in_six_pools_leave_every_chain_whole(app) {
        let clusters = ["syd", "midt", "nord", "oest", "vest", "bornholm"];
        for cluster in clusters {
            open_2022(app, cluster);
        }
        std::thread::scope(|s| {
            for cluster in clusters {
                s.spawn(move || {
                    for _ in 0..4 {
                        grant(app, &format!("{cluster}-2022"), &charter("1000.00"));
                    }
                });
            }
        });
        let all = events(app);
        for cluster in clusters {
            assert!(ids_in(&all, &format!("pool:{cluster}-2022")).len() >= 12, "{all:?}");
        }
        assert!(matches!(verify(app), Verdict::Intact { streams: 7, .. }), "{:?}", verify(app));
    }
}
api_test! {
    /// A superuser past the triggers: a changed, moved, reordered or deleted event is named.
    fn the_verifier_names_an_event_changed_moved_reordered_or_deleted_in_a_pool_stream(app) {
        two_pools_with_grants(app);
        let vest = ids_in(&events(app), "pool:vest-2022");
        let (second, third) = (vest[1], vest[2]);
        let intact = |what: &str| assert!(matches!(verify(app), Verdict::Intact { streams: 3, .. }), "{what}: {:?}", verify(app));
        intact("as written");
        let refused = raw(app, &format!("UPDATE audit_events SET stream = 'global' WHERE id = {second}")).expect_err("the database refuses");
        assert!(refused.contains("append-only"), "{refused}");
        assert!(raw(app, &format!("DELETE FROM audit_events WHERE id = {second}")).is_err(), "the database refuses");
        drop_the_triggers(app);

        raw(app, &format!("UPDATE audit_events SET actor = actor || '!' WHERE id = {second}")).expect("change");
        assert_eq!(verify(app), Verdict::Broken { id: second, reason: "its content does not match its hash".into() });
        raw(app, &format!("UPDATE audit_events SET actor = substr(actor, 1, length(actor) - 1) WHERE id = {second}")).expect("restore");
        intact("changed back");

        for other in ["global", "pool:nord-2022", "pool:syd-2022", ""] {
            raw(app, &format!("UPDATE audit_events SET stream = '{other}' WHERE id = {second}")).expect("move");
            assert_eq!(broken_at(&verify(app)), Some(second), "an event moved to stream '{other}' is named");
            raw(app, &format!("UPDATE audit_events SET stream = 'pool:vest-2022' WHERE id = {second}")).expect("move back");
            intact("moved back");
        }

        let swap = |a: i64, b: i64| {
            for sql in [format!("UPDATE audit_events SET id = -1 WHERE id = {a}"), format!("UPDATE audit_events SET id = {a} WHERE id = {b}"), format!("UPDATE audit_events SET id = {b} WHERE id = -1")] {
                raw(app, &sql).expect("reorder");
            }
        };
        swap(second, third);
        assert_eq!(verify(app), Verdict::Broken { id: second, reason: "does not link to the event before it".into() }, "two events of a pool swapped");
        swap(second, third);
        intact("put back in order");

        raw(app, &format!("DELETE FROM audit_events WHERE id = {second}")).expect("delete");
        assert_eq!(verify(app), Verdict::Broken { id: third, reason: "does not link to the event before it".into() }, "the event after a deleted one is named");
    }
}

api_test! {
    /// The append guesses a stream's head from this process's last append and
    /// checks the guess in the same statement. Two databases in one process
    /// (as two nodes would be) writing the same stream name in turn make
    /// every guess wrong: each chain must still be one unbroken line.
    fn a_wrong_guess_of_a_chains_head_still_links_each_event_to_the_true_one(app) {
        let Some(other) = crate::helpers::spawn_app(app.db.backend()) else { return };
        vest_2022(app, json!({"recommendation_required": false, "political_threshold": "100000.00"}));
        vest_2022(&other, json!({"recommendation_required": false, "political_threshold": "100000.00"}));
        for _ in 0..3 {
            grant(app, "vest-2022", &charter("1000.00"));
            grant(&other, "vest-2022", &charter("2000.00"));
        }
        for node in [app, &other] {
            let all = events(node);
            let chain: Vec<_> = all.iter().filter(|e| e.1 == "pool:vest-2022").collect();
            assert!(chain.len() >= 9, "{chain:?}");
            assert_eq!(chain[0].2, "");
            for pair in chain.windows(2) {
                assert_eq!(pair[1].2, pair[0].3, "event {} follows event {}", pair[1].0, pair[0].0);
            }
            assert!(matches!(verify(node), Verdict::Intact { .. }), "{:?}", verify(node));
        }
    }
}
