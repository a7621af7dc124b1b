//! Nothing can overspend when money moves between pools: a pool closing into
//! the next year's pool races that pool's own decisions.

use serde_json::json;

use crate::api_test;
use crate::applications::{charter, decide, submitted, vest_2022};

api_test! {
    /// A reservation of 200,000.00 moves into Vest 2023 (300,000.00) while four decisions of 100,000.00 race for it.
    fn closing_a_pool_into_another_never_overspends_the_other(app) {
        vest_2022(app, json!({"recommendation_required": false, "political_threshold": "0.00"}));
        let reserved = submitted(app, &charter("200000.00"));
        assert_eq!(decide(app, reserved, "strategic", "approved", None).status, 200);
        let policy = json!({"recommendation_required": false, "political_threshold": "999999999.00"});
        let created = app.post("/api/v1/pools", &json!({"cluster": "vest", "year": 2023, "amount": "300000.00", "allocation_model": {"kind": "rolling"}, "approval_policy": policy}));
        assert_eq!(created.status, 201, "{}", created.text);
        assert_eq!(app.request("POST", "/api/v1/pools/vest-2023/open").send().status, 200);
        let ids: Vec<i64> = (0..4)
            .map(|_| {
                let created = app.post("/api/v1/pools/vest-2023/applications", &charter("100000.00"));
                assert_eq!(created.status, 201, "{}", created.text);
                let id = created.json()["id"].as_i64().expect("id");
                assert_eq!(app.request("POST", &format!("/api/v1/applications/{id}/submit")).send().status, 200);
                id
            })
            .collect();
        let (closed, decided) = std::thread::scope(|s| {
            let close = s.spawn(|| app.post("/api/v1/pools/vest-2022/close", &json!({"undecided": "move", "to_pool": "vest-2023"})).status);
            let decisions: Vec<_> = ids.iter().map(|id| s.spawn(move || decide(app, *id, "strategic", "approved", None).status)).collect();
            (close.join().expect("close"), decisions.into_iter().map(|d| d.join().expect("decision")).filter(|s| *s == 200).count())
        });
        let got = app.get("/api/v1/pools/vest-2023/status");
        assert_eq!(got.status, 200, "closed {closed}, {decided} decided; the target's status (an overspent pool cannot be read): {}", got.text);
        let target = got.json();
        let ore = |v: &serde_json::Value| (v.as_str().expect("an amount").replace('.', "")).parse::<i64>().expect("øre");
        assert!(ore(&target["available"]) >= 0, "closed {closed}, {decided} decided: {target}");
        assert_eq!(ore(&target["committed"]) + ore(&target["pending"]) + ore(&target["available"]), 30_000_000, "{target}");
        let moved = if closed == 200 { 20_000_000 } else { 0 };
        assert_eq!(ore(&target["committed"]) + ore(&target["pending"]), decided as i64 * 10_000_000 + moved, "closed {closed}: {target}");
    }
}
