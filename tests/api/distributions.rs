//! Sharing an amount out to clusters by population, exactly to the øre.

use serde_json::json;

use crate::api_test;
use crate::helpers::ore;

api_test! {
    /// The national DKK 80 million by population: Vest (63,670 of 5,822,763) gets 874,773.71.
    fn eighty_million_by_population_sums_exactly_and_vest_gets_its_hand_worked_share(app) {
        for c in ["nord", "midt", "syd", "vest", "resten"] {
            app.cluster(c);
        }
        let populations = json!([
            {"cluster": "nord", "population": 162227},
            {"cluster": "midt", "population": 255399},
            {"cluster": "syd", "population": 108640},
            {"cluster": "vest", "population": 63670},
            {"cluster": "resten", "population": 5232827}
        ]);
        let body = json!({"year": 2022, "amount": "80000000.00", "key": "population", "populations": populations,
            "create_pools": {"allocation_model": {"kind": "split", "upfront_share": "0.70"}}});
        let r = app.post("/api/v1/distributions", &body);
        assert_eq!(r.status, 200, "{}", r.text);
        let d = r.json();
        assert_eq!(d["total_population"], 5_822_763);
        let parts = d["parts"].as_array().expect("parts");
        assert_eq!(parts.iter().map(|p| ore(&p["amount"])).sum::<i64>(), 8_000_000_000, "the parts sum to the amount");
        // 80,000,000.00 × 63,670 / 5,822,763 = 874,773.711… → 874,773.71 (its remainder is not among the two largest).
        let vest = parts.iter().find(|p| p["cluster"] == "vest").expect("vest");
        assert_eq!(vest["amount"], "874773.71");
        assert_eq!(vest["share"], "0.010935");
        // The two øre left after flooring go to the largest remainders: resten (.84) and midt (.73).
        let of = |c: &str| parts.iter().find(|p| p["cluster"] == c).map(|p| p["amount"].clone()).expect("part");
        assert_eq!(of("resten"), "71894761.99");
        assert_eq!(of("midt"), "3508973.32");
        assert_eq!(of("nord"), "2228866.26");
        assert_eq!(vest["pool"], "vest-2022");
        let status = app.get("/api/v1/pools/vest-2022/status").json();
        assert_eq!(status["total"], "874773.71");
        assert_eq!(ore(&status["buckets"][0]["total"]) + ore(&status["buckets"][1]["total"]), 87_477_371);

        let again = app.post("/api/v1/distributions", &body);
        again.problem(409);
        assert_eq!(app.get("/api/v1/pools?year=2022").json()["items"].as_array().map(Vec::len), Some(5), "all or nothing");
        let bad = json!({"year": 1800, "amount": "1.005", "key": "population", "populations": [{"cluster": "vest", "population": 0}, {"cluster": "vest", "population": 5}]});
        assert_eq!(app.post("/api/v1/distributions", &bad).invalid_fields(), ["year", "amount", "populations[0].population", "populations[1].cluster"]);
        let unknown = json!({"year": 2023, "amount": "1.00", "key": "population", "populations": [{"cluster": "atlantis", "population": 5}]});
        assert_eq!(app.post("/api/v1/distributions", &unknown).invalid_fields(), ["populations[0].cluster"]);
    }
}
