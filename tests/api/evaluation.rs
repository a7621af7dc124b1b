//! The Q3 evaluation of the allocation model, as JSON and as CSV.

use serde_json::json;

use crate::api_test;
use crate::applications::{charter, decide, submitted, vest_2022};

api_test! {
    fn the_model_evaluation_shows_use_by_month_bucket_release_and_carry_over(app) {
        vest_2022(app, json!({"recommendation_required": false, "political_threshold": "999999.00"}));
        let granted = submitted(app, &charter("100000.00"));
        let grant = decide(app, granted, "strategic", "approved", None).json()["grant_id"].as_i64().expect("grant");
        let refused = submitted(app, &charter("50000.00"));
        assert_eq!(decide(app, refused, "strategic", "rejected", None).status, 200);
        let r = app.post(&format!("/api/v1/grants/{grant}/release"), &json!({"amount": "10000.00", "reason": "Billigere end ventet"}));
        assert_eq!(r.status, 200, "{}", r.text);
        app.request("POST", "/api/v1/pools/vest-2022/close").send();
        let co = app.post("/api/v1/pools/vest-2022/carry-overs", &json!({"recommendation_reference": "Referat 15.12.2022, pkt. 3"})).json();
        let body = json!({"level": "political", "outcome": "approved", "meeting_date": "2023-01-26", "reference": "Referat 26.01.2023"});
        assert_eq!(app.post(&format!("/api/v1/carry-overs/{}/decision", co["id"]), &body).status, 200);

        // A 70/30 pool beside it, with one ad-hoc project.
        app.cluster("midt");
        app.post("/api/v1/clusters/midt/parties", &json!({"slug": "aalborg-kommune", "name": "Aalborg Kommune", "kind": "municipality"}));
        app.post("/api/v1/clusters/midt/parties", &json!({"slug": "region-nordjylland", "name": "Region Nordjylland", "kind": "region"}));
        app.post(
            "/api/v1/pools",
            &json!({"cluster": "midt", "year": 2022, "amount": "1000.00", "allocation_model": {"kind": "split", "upfront_share": "0.70"},
                    "approval_policy": {"recommendation_required": false, "political_threshold": "100000.00"}}),
        );
        app.request("POST", "/api/v1/pools/midt-2022/open").send();
        let mut ssu = charter("150.00");
        ssu["applicant_party"] = json!("aalborg-kommune");
        ssu["origin"] = json!("ssu");
        let id = app.post("/api/v1/pools/midt-2022/applications", &ssu).json()["id"].as_i64().expect("id");
        app.request("POST", &format!("/api/v1/applications/{id}/submit")).send();
        assert_eq!(decide(app, id, "strategic", "approved", None).status, 200);

        let report = app.get("/api/v1/reports/model-evaluation?year=2022");
        assert_eq!(report.status, 200, "{}", report.text);
        let r = report.json();
        let pools = r["pools"].as_array().expect("pools");
        assert_eq!(pools.len(), 2);
        let midt = &pools[0];
        assert_eq!(midt["allocation_model"], json!({"kind": "split", "upfront_share": "0.70"}));
        assert_eq!(midt["buckets"][0]["used_per_mille"], 0);
        assert_eq!((midt["buckets"][1]["name"].as_str(), midt["buckets"][1]["used_per_mille"].as_i64()), (Some("ad_hoc"), Some(500)));
        let vest = &pools[1];
        assert_eq!(vest["pool"], "vest-2022");
        assert_eq!((vest["committed"].as_str(), vest["released"].as_str(), vest["carried_over"].as_str()), (Some("90000.00"), Some("10000.00"), Some("781553.00")));
        assert_eq!(vest["committed_by_month"][9], json!({"month": "2022-10", "committed": "100000.00"}), "decided in the meeting of 20 October");
        assert_eq!(vest["decisions"], 2);
        assert!(vest["median_days_to_decision"].is_i64());

        let csv = app.request("GET", "/api/v1/reports/model-evaluation?year=2022").header("accept", "text/csv").send();
        assert_eq!(csv.header("content-type"), Some("text/csv; charset=utf-8"));
        let lines: Vec<&str> = csv.text.lines().collect();
        assert_eq!(lines.len(), 3, "a header and one row per pool: {}", csv.text);
        let header: Vec<&str> = lines[0].split(',').collect();
        let vest_row: Vec<&str> = lines[2].split(',').collect();
        assert_eq!(header.len(), vest_row.len());
        let col = |name: &str| vest_row[header.iter().position(|h| *h == name).expect(name)];
        assert_eq!((col("pool"), col("committed"), col("carried_over"), col("committed_10")), ("vest-2022", "90000.00", "781553.00", "100000.00"));
        assert_eq!(app.get("/api/v1/reports/model-evaluation?year=2022&format=csv").text, csv.text);
        assert_eq!(app.get("/api/v1/reports/model-evaluation?year=2022&format=xml").invalid_fields(), ["format"]);
        assert_eq!(app.get("/api/v1/reports/model-evaluation?year=1999").invalid_fields(), ["year"]);
        let scoped = app.key("viewer", &["midt"]);
        let only_midt = app.request("GET", "/api/v1/reports/model-evaluation?year=2022").key(Some(&scoped)).send().json();
        assert_eq!(only_midt["pools"].as_array().map(Vec::len), Some(1), "a scoped key sees its own clusters only");
    }
}
