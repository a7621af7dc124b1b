//! Pools, allocation models and their status.

use serde_json::{Value, json};

use crate::api_test;
use crate::helpers::{TestApp, assert_reconciles, ore};

fn status(app: &TestApp, pool: &str) -> Value {
    let resp = app.get(&format!("/api/v1/pools/{pool}/status"));
    assert_eq!(resp.status, 200, "{}", resp.text);
    let body = resp.json();
    assert_reconciles(&body);
    for bucket in body["buckets"].as_array().expect("buckets") {
        assert_reconciles(bucket);
    }
    body
}

api_test! {
    /// The user story of the foundation: Vest 2022 under 70/30.
    fn a_70_30_pool_of_871553_keeps_261465_90_for_ad_hoc_projects(app) {
        app.cluster("vest");
        let pool = app.pool("vest", 2022, "871553.00", json!({"kind": "split", "upfront_share": "0.70"}));
        assert_eq!(pool["id"], "vest-2022");
        assert_eq!(pool["state"], "draft");
        assert_eq!(pool["allocation_model"], json!({"kind": "split", "upfront_share": "0.70"}));

        let s = status(app, "vest-2022");
        assert_eq!(s["total"], "871553.00");
        assert_eq!(s["available"], "871553.00");
        assert_eq!(s["committed"], "0.00");
        assert_eq!(s["pending"], "0.00");
        let buckets = s["buckets"].as_array().expect("buckets");
        assert_eq!(buckets.len(), 2);
        assert_eq!(buckets[0]["name"], "upfront");
        assert_eq!(buckets[0]["total"], "610087.10");
        assert_eq!(buckets[0]["available"], "610087.10");
        assert_eq!(buckets[1]["name"], "ad_hoc");
        assert_eq!(buckets[1]["total"], "261465.90");
        assert_eq!(buckets[1]["available"], "261465.90");
    }
}

api_test! {
    /// Largest remainder: no øre lost or invented.
    fn a_share_of_0_3333_of_100_gives_33_33_and_66_67(app) {
        app.cluster("vest");
        app.pool("vest", 2023, "100.00", json!({"kind": "split", "upfront_share": "0.3333"}));
        let s = status(app, "vest-2023");
        assert_eq!(s["buckets"][0]["total"], "33.33");
        assert_eq!(s["buckets"][1]["total"], "66.67");
        assert_eq!(ore(&s["buckets"][0]["total"]) + ore(&s["buckets"][1]["total"]), 10_000);
    }
}

api_test! {
    fn upfront_and_rolling_pools_have_one_bucket_each(app) {
        app.cluster("nord");
        app.pool("nord", 2022, "2220660.10", json!({"kind": "upfront"}));
        app.pool("nord", 2023, "0.01", json!({"kind": "rolling"}));
        let upfront = status(app, "nord-2022");
        assert_eq!(upfront["buckets"].as_array().map(Vec::len), Some(1));
        assert_eq!(upfront["buckets"][0]["name"], "upfront");
        assert_eq!(upfront["buckets"][0]["available"], "2220660.10");
        let rolling = status(app, "nord-2023");
        assert_eq!(rolling["buckets"][0]["name"], "rolling");
        assert_eq!(rolling["buckets"][0]["available"], "0.01");
    }
}

api_test! {
    fn one_cluster_has_one_pool_a_year_and_a_second_is_409(app) {
        app.cluster("vest");
        app.pool("vest", 2022, "871553.00", json!({"kind": "rolling"}));
        let again = app.post("/api/v1/pools", &json!({"cluster": "vest", "year": 2022, "amount": "1.00", "allocation_model": {"kind": "upfront"}}));
        let problem = again.problem(409);
        assert!(problem["detail"].as_str().unwrap_or("").contains("2022"), "{problem}");
        assert_eq!(status(app, "vest-2022")["total"], "871553.00", "the first pool is untouched");
    }
}

api_test! {
    fn funding_a_pool_writes_balanced_postings_in_the_ledger(app) {
        app.cluster("vest");
        app.pool("vest", 2022, "871553.00", json!({"kind": "split", "upfront_share": "0.70"}));
        let ledger = app.get("/api/v1/pools/vest-2022/ledger").json();
        let entries = ledger["items"].as_array().expect("entries");
        assert_eq!(entries.len(), 1);
        assert_eq!(entries[0]["kind"], "funding");
        assert!(entries[0]["actor"].as_str().unwrap_or("").contains("Test administrator"));
        let postings = entries[0]["postings"].as_array().expect("postings");
        assert_eq!(postings.iter().map(|p| ore(&p["amount"])).sum::<i64>(), 0, "double entry balances");
        let into_available: i64 = postings.iter().filter(|p| p["account"] == "available").map(|p| ore(&p["amount"])).sum();
        assert_eq!(into_available, 87_155_300);
    }
}

api_test! {
    fn a_draft_pool_changes_only_with_a_current_etag(app) {
        app.cluster("vest");
        app.pool("vest", 2022, "871553.00", json!({"kind": "rolling"}));
        let got = app.get("/api/v1/pools/vest-2022");
        let etag = got.header("etag").expect("an ETag").to_owned();

        let change = json!({"allocation_model": {"kind": "split", "upfront_share": "0.70"}});
        app.request("PATCH", "/api/v1/pools/vest-2022").json(&change).problem(428);
        app.request("PATCH", "/api/v1/pools/vest-2022").header("if-match", "\"999\"").json(&change).problem(412);

        let changed = app.request("PATCH", "/api/v1/pools/vest-2022").header("if-match", &etag).json(&change);
        assert_eq!(changed.status, 200, "{}", changed.text);
        assert_ne!(changed.header("etag"), Some(etag.as_str()));
        // The same old ETag is now stale: no lost update.
        app.request("PATCH", "/api/v1/pools/vest-2022").header("if-match", &etag).json(&json!({"amount": "1.00"})).problem(412);

        let s = status(app, "vest-2022");
        let names: Vec<&str> = s["buckets"].as_array().expect("buckets").iter().filter_map(|b| b["name"].as_str()).collect();
        assert_eq!(names, ["upfront", "ad_hoc"]);
        assert_eq!(s["buckets"][0]["available"], "610087.10");
        let ledger = app.get("/api/v1/pools/vest-2022/ledger").json();
        let kinds: Vec<&str> = ledger["items"].as_array().expect("items").iter().filter_map(|e| e["kind"].as_str()).collect();
        assert_eq!(kinds, ["funding", "funding_revision"], "the change is a posting, not an overwrite");
    }
}

api_test! {
    fn pools_open_and_close_once_and_an_open_pool_no_longer_changes(app) {
        app.cluster("vest");
        app.pool("vest", 2022, "871553.00", json!({"kind": "rolling"}));
        app.request("POST", "/api/v1/pools/vest-2022/close").send().problem(409);
        let opened = app.request("POST", "/api/v1/pools/vest-2022/open").send();
        assert_eq!(opened.status, 200, "{}", opened.text);
        assert_eq!(opened.json()["state"], "open");
        app.request("POST", "/api/v1/pools/vest-2022/open").send().problem(409);

        let etag = app.get("/api/v1/pools/vest-2022").header("etag").expect("etag").to_owned();
        let refused = app.request("PATCH", "/api/v1/pools/vest-2022").header("if-match", &etag).json(&json!({"amount": "1.00"}));
        assert!(refused.problem(409)["detail"].as_str().unwrap_or("").contains("draft"));

        let closed = app.request("POST", "/api/v1/pools/vest-2022/close").send();
        assert_eq!(closed.json()["state"], "closed");
        assert_eq!(status(app, "vest-2022")["total"], "871553.00");
        let audit = app.get("/api/v1/audit-events?subject=pool:vest-2022").json();
        let actions: Vec<&str> = audit["items"].as_array().expect("items").iter().filter_map(|e| e["action"].as_str()).collect();
        assert_eq!(actions, ["pool.created", "pool.opened", "pool.closed"]);
    }
}

api_test! {
    fn dashboards_polling_an_unchanged_status_get_304(app) {
        app.cluster("vest");
        app.pool("vest", 2022, "871553.00", json!({"kind": "rolling"}));
        let first = app.get("/api/v1/pools/vest-2022/status");
        let etag = first.header("etag").expect("etag").to_owned();
        let again = app.request("GET", "/api/v1/pools/vest-2022/status").header("if-none-match", &etag).send();
        assert_eq!(again.status, 304);
        assert!(again.text.is_empty());

        app.request("POST", "/api/v1/pools/vest-2022/open").send();
        let changed = app.request("GET", "/api/v1/pools/vest-2022/status").header("if-none-match", &etag).send();
        assert_eq!(changed.status, 200, "a changed status is sent again");
    }
}

api_test! {
    fn pools_are_listed_by_year_and_cluster_in_pages(app) {
        for c in ["nord", "vest"] {
            app.cluster(c);
        }
        for (c, y) in [("vest", 2023), ("nord", 2022), ("vest", 2022)] {
            app.pool(c, y, "10.00", json!({"kind": "upfront"}));
        }
        let first = app.get("/api/v1/pools?limit=2").json();
        let ids: Vec<&str> = first["items"].as_array().expect("items").iter().filter_map(|p| p["id"].as_str()).collect();
        assert_eq!(ids, ["nord-2022", "vest-2022"]);
        let cursor = first["next_cursor"].as_str().expect("a next page");
        let second = app.get(&format!("/api/v1/pools?limit=2&cursor={cursor}")).json();
        assert_eq!(second["items"][0]["id"], "vest-2023");
        assert!(second["next_cursor"].is_null());
        let vest = app.get("/api/v1/pools?cluster=vest&year=2022").json();
        assert_eq!(vest["items"].as_array().map(Vec::len), Some(1));
        app.get("/api/v1/pools?year=1800").invalid_fields().contains(&"year".to_owned()).then_some(()).expect("year named");
    }
}

api_test! {
    /// The status ETag follows the ledger, not only the pool row: a grant changes it, a read does not.
    fn the_status_etag_changes_with_every_money_movement(app) {
        crate::applications::vest_2022(app, json!({"recommendation_required": false, "political_threshold": "999999999.00"}));
        let etag_of = |app: &crate::helpers::TestApp| app.get("/api/v1/pools/vest-2022/status").header("etag").expect("etag").to_owned();
        let before = etag_of(app);
        assert_eq!(etag_of(app), before, "reads change nothing");
        let id = crate::applications::submitted(app, &crate::applications::charter("1000.00"));
        assert_eq!(etag_of(app), before, "a submitted application moves no money");
        let decided = crate::applications::decide(app, id, "strategic", "approved", None);
        assert_eq!(decided.status, 200, "{}", decided.text);
        let after = etag_of(app);
        assert_ne!(after, before, "a grant changes the status and its ETag");
        let fresh = app.request("GET", "/api/v1/pools/vest-2022/status").header("if-none-match", &before).send();
        assert_eq!(fresh.status, 200);
        assert_eq!(fresh.json()["committed"], "1000.00");
        let unchanged = app.request("GET", "/api/v1/pools/vest-2022/status").header("if-none-match", &format!("\"x\", {after}")).send();
        assert_eq!(unchanged.status, 304);
    }
}
