//! Clusters, parties and target populations.

use serde_json::json;

use crate::api_test;

api_test! {
    fn the_five_target_populations_are_there_in_danish_and_english(app) {
        let list = app.get("/api/v1/target-populations").json();
        let codes: Vec<&str> = list.as_array().expect("list").iter().filter_map(|t| t["code"].as_str()).collect();
        assert_eq!(codes, ["chronic_disease", "acute_area", "mental_illness", "young_mental_distress", "vulnerable_elderly"]);
        assert_eq!(list[4]["name_da"], "De sårbare ældre");
        assert_eq!(list[3]["name_en"], "Young people with mental distress");
    }
}

api_test! {
    fn a_cluster_is_registered_renamed_with_its_etag_and_listed(app) {
        let created = app.post("/api/v1/clusters", &json!({"slug": "vest", "name": "Sundhedsklynge Vest", "region": "Region Nordjylland"}));
        assert_eq!(created.status, 201, "{}", created.text);
        app.post("/api/v1/clusters", &json!({"slug": "vest", "name": "Igen", "region": "Region Nordjylland"})).problem(409);
        assert_eq!(app.post("/api/v1/clusters", &json!({"slug": "Vest!", "name": "", "region": "x"})).invalid_fields(), ["slug", "name"]);

        let etag = app.get("/api/v1/clusters/vest").header("etag").expect("etag").to_owned();
        app.request("PATCH", "/api/v1/clusters/vest").json(&json!({"name": "Klynge Vest"})).problem(428);
        let renamed = app.request("PATCH", "/api/v1/clusters/vest").header("if-match", &etag).json(&json!({"name": "Klynge Vest"}));
        assert_eq!(renamed.status, 200, "{}", renamed.text);
        assert_eq!(renamed.json()["name"], "Klynge Vest");
        app.request("PATCH", "/api/v1/clusters/vest").header("if-match", &etag).json(&json!({"name": "Lost update"})).problem(412);
        assert_eq!(app.get("/api/v1/clusters/vest").json()["name"], "Klynge Vest");
        app.get("/api/v1/clusters/nowhere").problem(404);
        assert_eq!(app.get("/api/v1/clusters").json()["items"][0]["slug"], "vest");
    }
}

api_test! {
    fn parties_belong_to_a_cluster_and_have_a_kind(app) {
        app.cluster("vest");
        let party = app.post("/api/v1/clusters/vest/parties", &json!({"slug": "thisted-kommune", "name": "Thisted Kommune", "kind": "municipality"}));
        assert_eq!(party.status, 201, "{}", party.text);
        assert_eq!(party.json()["cluster"], "vest");
        app.post("/api/v1/clusters/vest/parties", &json!({"slug": "almen-praksis", "name": "Almen praksis", "kind": "general_practice"}));
        app.post("/api/v1/clusters/vest/parties", &json!({"slug": "thisted-kommune", "name": "Igen", "kind": "municipality"})).problem(409);
        assert_eq!(app.post("/api/v1/clusters/vest/parties", &json!({"slug": "x", "name": "X", "kind": "company"})).invalid_fields(), ["kind"]);
        app.post("/api/v1/clusters/nowhere/parties", &json!({"slug": "x", "name": "X", "kind": "region"})).problem(404);
        let all = app.get("/api/v1/clusters/vest/parties").json();
        assert_eq!(all.as_array().map(Vec::len), Some(2));
        let municipalities = app.get("/api/v1/clusters/vest/parties?kind=municipality").json();
        assert_eq!(municipalities[0]["name"], "Thisted Kommune");
        assert_eq!(municipalities.as_array().map(Vec::len), Some(1));
    }
}
