//! API keys: 401 without a valid one, 403 for the wrong role or cluster.

use serde_json::json;

use crate::api_test;

api_test! {
    fn without_a_valid_key_every_api_call_is_401(app) {
        for (method, path) in [("GET", "/api/v1/pools"), ("GET", "/api/v1/clusters"), ("POST", "/api/v1/pools"), ("GET", "/api/v1/target-populations")] {
            let none = app.request(method, path).key(None).send();
            none.problem(401);
            assert_eq!(none.header("www-authenticate"), Some("Bearer"));
            app.request(method, path).key(Some("kmk_0000")).send().problem(401);
            app.request(method, path).key(None).header("authorization", "Basic dXNlcjpwdw==").send().problem(401);
        }
    }
}

api_test! {
    fn a_viewer_reads_but_cannot_create_pools(app) {
        app.cluster("vest");
        app.pool("vest", 2022, "871553.00", json!({"kind": "rolling"}));
        for role in ["viewer", "secretariat"] {
            let key = app.key(role, &[]);
            assert_eq!(app.request("GET", "/api/v1/pools/vest-2022/status").key(Some(&key)).send().status, 200);
            let body = json!({"cluster": "vest", "year": 2023, "amount": "1.00", "allocation_model": {"kind": "rolling"}});
            app.request("POST", "/api/v1/pools").key(Some(&key)).json(&body).problem(403);
            app.request("POST", "/api/v1/pools/vest-2022/open").key(Some(&key)).send().problem(403);
        }
        let finance = app.key("finance", &[]);
        let body = json!({"cluster": "vest", "year": 2023, "amount": "1.00", "allocation_model": {"kind": "rolling"}});
        assert_eq!(app.request("POST", "/api/v1/pools").key(Some(&finance)).json(&body).status, 201);
    }
}

api_test! {
    fn a_key_limited_to_vest_cannot_see_or_touch_nord(app) {
        app.cluster("vest");
        app.cluster("nord");
        app.pool("vest", 2022, "871553.00", json!({"kind": "rolling"}));
        app.pool("nord", 2022, "2220660.10", json!({"kind": "upfront"}));
        let vest_finance = app.key("finance", &["vest"]);
        let as_vest = |method: &'static str, path: &str| app.request(method, path).key(Some(&vest_finance));
        assert_eq!(as_vest("GET", "/api/v1/pools/vest-2022/status").send().status, 200);
        as_vest("GET", "/api/v1/pools/nord-2022/status").send().problem(403);
        as_vest("GET", "/api/v1/clusters/nord").send().problem(403);
        as_vest("POST", "/api/v1/pools/nord-2022/open").send().problem(403);
        let body = json!({"cluster": "nord", "year": 2023, "amount": "1.00", "allocation_model": {"kind": "rolling"}});
        as_vest("POST", "/api/v1/pools").json(&body).problem(403);
        let listed = as_vest("GET", "/api/v1/pools").send().json();
        let ids: Vec<&str> = listed["items"].as_array().expect("items").iter().filter_map(|p| p["id"].as_str()).collect();
        assert_eq!(ids, ["vest-2022"]);
        let clusters = as_vest("GET", "/api/v1/clusters").send().json();
        assert_eq!(clusters["items"].as_array().map(Vec::len), Some(1));
    }
}
