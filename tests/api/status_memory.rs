//! A pool's status answered from memory (`pools::status_cache`): many
//! dashboards polling one pool at once, right after money moved, all see the
//! move — those that waited for another request's read of the status as well
//! as the one that read it — and a 304 keeps the 200's validators.

use serde_json::json;

use crate::api_test;
use crate::applications::{charter, decide, submitted, vest_2022};
use crate::helpers::TestApp;

const STATUS: &str = "/api/v1/pools/vest-2022/status";

/// 32 clients asking at once; each answer's status, ETag and `committed`.
fn all_at_once(app: &TestApp, if_none_match: Option<&str>) -> Vec<(u16, String, String)> {
    std::thread::scope(|s| {
        let asks: Vec<_> = (0..32)
            .map(|_| {
                s.spawn(move || {
                    let mut request = app.request("GET", STATUS);
                    if let Some(etag) = if_none_match {
                        request = request.header("if-none-match", etag);
                    }
                    let r = request.send();
                    let committed = if r.status == 200 { r.json()["committed"].as_str().unwrap_or("-").to_owned() } else { String::new() };
                    (r.status, r.header("etag").unwrap_or("-").to_owned(), committed)
                })
            })
            .collect();
        asks.into_iter().map(|a| a.join().expect("a client")).collect()
    })
}

api_test! {
    /// A grant of 140,000.00 is decided while 32 dashboards poll with the old
    /// ETag: every one of them gets the new status (200, the new ETag), none a 304.
    fn dashboards_polling_at_once_after_a_grant_all_see_the_grant(app) {
        vest_2022(app, json!({"recommendation_required": false, "political_threshold": "999999999.00"}));
        let id = submitted(app, &charter("140000.00"));
        let before = app.get(STATUS);
        let old = before.header("etag").expect("an ETag").to_owned();
        assert!(all_at_once(app, Some(&old)).iter().all(|(status, etag, _)| *status == 304 && *etag == old), "unchanged: 304s");
        let granted = decide(app, id, "strategic", "approved", None);
        assert_eq!(granted.status, 200, "{}", granted.text);
        let answers = all_at_once(app, Some(&old));
        let new = answers[0].1.clone();
        assert_ne!(new, old);
        for (status, etag, committed) in &answers {
            assert_eq!((*status, etag.as_str(), committed.as_str()), (200, new.as_str(), "140000.00"), "{answers:?}");
        }
        assert!(all_at_once(app, Some(&new)).iter().all(|(status, etag, _)| *status == 304 && *etag == new), "now the new one is current");
    }
}

api_test! {
    /// A write to another pool does not change this pool's status: its ETag
    /// and body stay what they were (read again, not rendered anew).
    fn a_write_elsewhere_leaves_the_status_and_its_etag_as_they_were(app) {
        vest_2022(app, json!({"recommendation_required": false, "political_threshold": "999999999.00"}));
        let before = app.get(STATUS);
        let etag = before.header("etag").expect("an ETag").to_owned();
        app.cluster("nord");
        let other = app.post("/api/v1/pools", &json!({"cluster": "nord", "year": 2022, "amount": "500000.00", "allocation_model": {"kind": "rolling"},
            "approval_policy": {"recommendation_required": false, "political_threshold": "999999999.00"}}));
        assert_eq!(other.status, 201, "{}", other.text);
        let after = app.get(STATUS);
        assert_eq!(after.header("etag"), Some(etag.as_str()));
        assert_eq!(after.text, before.text);
        let revalidated = app.request("GET", STATUS).header("if-none-match", &etag).send();
        assert_eq!(revalidated.status, 304);
        for header in ["etag", "cache-control", "vary", "x-request-id"] {
            assert!(revalidated.header(header).is_some(), "a 304 from memory carries {header}");
        }
        assert_eq!(revalidated.header("cache-control"), before.header("cache-control"));
    }
}
