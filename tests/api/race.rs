//! Nothing can overspend: concurrent decisions race for one bucket.

use serde_json::json;

use crate::api_test;
use crate::applications::{charter, status, submitted, vest_2022};

api_test! {
    /// 32 decisions of 87,155.30 each race for a pool of 871,553.00: exactly 10 fit.
    fn thirty_two_concurrent_decisions_fund_exactly_the_ten_the_bucket_can_pay(app) {
        vest_2022(app, json!({"recommendation_required": false, "political_threshold": "999999999.00"}));
        let ids: Vec<i64> = (0..32).map(|_| submitted(app, &charter("87155.30"))).collect();
        let body = json!({"level": "strategic", "outcome": "approved", "meeting_date": "2022-10-20", "reference": "Referat"});
        let statuses: Vec<u16> = std::thread::scope(|s| {
            let handles: Vec<_> = ids
                .iter()
                .map(|id| {
                    let body = body.clone();
                    s.spawn(move || app.post(&format!("/api/v1/applications/{id}/decision"), &body).status)
                })
                .collect();
            handles.into_iter().map(|h| h.join().expect("request thread")).collect()
        });
        assert_eq!(statuses.iter().filter(|s| **s == 200).count(), 10, "{statuses:?}");
        assert_eq!(statuses.iter().filter(|s| **s == 409).count(), 22, "{statuses:?}");
        let s = status(app);
        assert_eq!(s["committed"], "871553.00");
        assert_eq!(s["available"], "0.00");
        let grants = app.get("/api/v1/grants?limit=100").json();
        assert_eq!(grants["items"].as_array().map(Vec::len), Some(10));
    }
}

api_test! {
    /// Reservations race too: pending money is never spent twice.
    fn concurrent_reservations_never_hold_more_than_the_bucket(app) {
        vest_2022(app, json!({"recommendation_required": false, "political_threshold": "0.00"}));
        let ids: Vec<i64> = (0..16).map(|_| submitted(app, &charter("200000.00"))).collect();
        let body = json!({"level": "strategic", "outcome": "approved", "meeting_date": "2022-10-20", "reference": "Referat"});
        let ok = std::thread::scope(|s| {
            let handles: Vec<_> = ids.iter().map(|id| {
                let body = body.clone();
                s.spawn(move || app.post(&format!("/api/v1/applications/{id}/decision"), &body).status)
            }).collect();
            handles.into_iter().map(|h| h.join().expect("thread")).filter(|s| *s == 200).count()
        });
        assert_eq!(ok, 4, "four reservations of 200,000.00 fit in 871,553.00");
        let s = status(app);
        assert_eq!(s["pending"], "800000.00");
        assert_eq!(s["available"], "71553.00");
    }
}

api_test! {
    /// Eight proposals for one pool race (one is held), then eight political approvals: it moves once.
    fn concurrent_sign_offs_of_one_carry_over_move_the_money_once(app) {
        vest_2022(app, json!({}));
        app.request("POST", "/api/v1/pools/vest-2022/close").send();
        let proposals: Vec<u16> = std::thread::scope(|s| {
            let handles: Vec<_> = (0..8)
                .map(|_| s.spawn(|| app.post("/api/v1/pools/vest-2022/carry-overs", &json!({"recommendation_reference": "Referat"})).status))
                .collect();
            handles.into_iter().map(|h| h.join().expect("thread")).collect()
        });
        assert_eq!(proposals.iter().filter(|s| **s == 201).count(), 1, "{proposals:?}");
        assert_eq!(proposals.iter().filter(|s| **s == 200).count(), 7, "the others are the same proposal again: {proposals:?}");
        let id = app.get("/api/v1/pools/vest-2022/carry-overs").json()[0]["id"].as_i64().expect("id");
        let body = json!({"level": "political", "outcome": "approved", "meeting_date": "2023-01-26", "reference": "Referat"});
        let answers: Vec<u16> = std::thread::scope(|s| {
            let handles: Vec<_> = (0..8).map(|_| s.spawn(|| app.post(&format!("/api/v1/carry-overs/{id}/decision"), &body).status)).collect();
            handles.into_iter().map(|h| h.join().expect("thread")).collect()
        });
        assert_eq!(answers.iter().filter(|s| **s == 200).count(), 1, "{answers:?}");
        assert_eq!(answers.iter().filter(|s| **s == 409).count(), 7, "{answers:?}");
        let target = app.get("/api/v1/pools/vest-2023/status").json();
        assert_eq!(target["carried_in"], "871553.00");
        assert_eq!(app.get("/api/v1/pools/vest-2022/status").json()["carried_out"], "871553.00");
    }
}
