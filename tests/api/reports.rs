//! Reports for the evaluation of the allocation model.

use serde_json::json;

use crate::api_test;
use crate::applications::{charter, decide, submitted, vest_2022};

api_test! {
    /// "What if Vest had used 70/30?": the cluster's second project would not have fitted.
    fn a_rolling_year_replayed_under_70_30_shows_what_would_have_been_funded(app) {
        vest_2022(app, json!({"recommendation_required": false, "political_threshold": "999999999.00"}));
        let mut ids = Vec::new();
        for (amount, origin) in [("400000.00", "cluster"), ("300000.00", "cluster"), ("150000.00", "ssu")] {
            let mut body = charter(amount);
            body["origin"] = json!(origin);
            let id = submitted(app, &body);
            assert_eq!(decide(app, id, "strategic", "approved", None).status, 200);
            ids.push(id);
        }
        let before = app.get("/api/v1/pools/vest-2022/ledger").text;
        let r = app.post("/api/v1/reports/model-simulation", &json!({"pool": "vest-2022", "allocation_model": {"kind": "split", "upfront_share": "0.70"}}));
        assert_eq!(r.status, 200, "{}", r.text);
        let s = r.json();
        let funded: Vec<bool> = s["applications"].as_array().expect("apps").iter().map(|a| a["funded"].as_bool().unwrap_or(false)).collect();
        assert_eq!(funded, [true, false, true], "upfront 610,087.10 pays 400,000 but not 300,000 more; ad hoc 261,465.90 pays the SSU project");
        assert_eq!(s["ran_out"], json!([{"bucket": "upfront", "application_id": ids[1]}]));
        assert_eq!(s["left"], json!([{"bucket": "upfront", "amount": "210087.10"}, {"bucket": "ad_hoc", "amount": "111465.90"}]));
        assert_eq!(s["funded"], "550000.00");
        assert_eq!(s["unfunded"], "300000.00");
        assert_eq!(app.get("/api/v1/pools/vest-2022/ledger").text, before, "a simulation writes nothing");
        let bad = app.post("/api/v1/reports/model-simulation", &json!({"pool": "vest", "allocation_model": {"kind": "split", "upfront_share": "2"}}));
        assert_eq!(bad.invalid_fields(), ["pool"]);
    }
}
