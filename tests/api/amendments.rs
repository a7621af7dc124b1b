//! After the grant: amendments (a new total, end date or budget, decided
//! like a grant) and budget against actuals per year.

use serde_json::{Value, json};

use crate::api_test;
use crate::applications::{charter, decide, status, submitted, vest_2022};
use crate::helpers::{TestApp, ore};

/// Decisions in meetings, no political step below 999,999,999.00.
fn strategic_only() -> Value {
    json!({"recommendation_required": false, "political_threshold": "999999999.00"})
}

/// A grant of `amount` budgeted over 2022 and 2023 as `lines` says; returns its id.
fn grant(app: &TestApp, amount: &str, lines: &[(i64, &str)]) -> i64 {
    let mut body = charter(amount);
    body["budget"] = lines.iter().map(|(y, a)| json!({"year": y, "amount": a})).collect();
    let id = submitted(app, &body);
    let r = decide(app, id, "strategic", "approved", None);
    r.json()["grant_id"].as_i64().unwrap_or_else(|| panic!("grant: {}", r.text))
}

fn pay(app: &TestApp, grant: i64, amount: &str, paid_on: &str) {
    let r =
        app.post(&format!("/api/v1/grants/{grant}/disbursements"), &json!({"amount": amount, "paid_on": paid_on, "reference": "Bilag"}));
    assert_eq!(r.status, 201, "{}", r.text);
}

fn amend(app: &TestApp, grant: i64, amount: &str) -> crate::helpers::Resp {
    app.post(&format!("/api/v1/grants/{grant}/amendments"), &json!({"amount": amount, "reason": "Projektet udvides til to kommuner mere"}))
}

fn decide_amendment(app: &TestApp, id: i64, level: &str, outcome: &str) -> crate::helpers::Resp {
    let body = json!({"level": level, "outcome": outcome, "meeting_date": "2023-03-16", "reference": "Referat 16.03.2023, pkt. 5"});
    app.post(&format!("/api/v1/amendments/{id}/decision"), &body)
}

fn created(r: crate::helpers::Resp) -> Value {
    assert_eq!(r.status, 201, "{}", r.text);
    r.json()
}

fn ok(r: crate::helpers::Resp) -> Value {
    assert_eq!(r.status, 200, "{}", r.text);
    r.json()
}

api_test! {
    /// A grant of 150,000.00 budgeted 50,000.00 / 100,000.00 over two years shows what was paid in each year.
    fn a_grant_budgeted_over_two_years_shows_what_was_paid_in_each_year(app) {
        vest_2022(app, strategic_only());
        let g = grant(app, "150000.00", &[(2022, "50000.00"), (2023, "100000.00")]);
        pay(app, g, "20000.00", "2022-11-01");
        pay(app, g, "30000.00", "2022-12-31");
        pay(app, g, "40000.00", "2023-01-01");
        let got = app.get(&format!("/api/v1/grants/{g}")).json();
        assert_eq!(got["budget"], json!([
            {"year": 2022, "budgeted": "50000.00", "disbursed": "50000.00"},
            {"year": 2023, "budgeted": "100000.00", "disbursed": "40000.00"},
        ]));
        let s = status(app);
        assert_eq!(s["budgeted_by_year"], got["budget"], "the pool's only grant");
        let csv = app.get("/api/v1/exports/grants").text;
        assert!(csv.contains("2022:50000.00|2023:100000.00"), "{csv}");
        let da = app.get("/api/v1/exports/grants?dialect=excel-da").text;
        assert!(da.contains("2022:50000,00|2023:100000,00"), "{da}");
    }
}

api_test! {
    /// An increase of 30,000.00 is reserved at once and a rejection gives it back; an approval commits it.
    fn an_increase_is_reserved_at_once_and_a_rejection_gives_it_back(app) {
        vest_2022(app, strategic_only());
        let g = grant(app, "150000.00", &[(2022, "50000.00"), (2023, "100000.00")]);
        let read = app.get(&format!("/api/v1/grants/{g}"));
        let etag = read.header("etag").expect("the grant's ETag").to_owned();
        let version = read.json()["version"].clone();
        let a = created(amend(app, g, "180000.00"));
        assert_eq!((a["state"].as_str(), a["reserved"].as_str(), a["awaiting"].as_str()), (Some("pending"), Some("30000.00"), Some("strategic")));
        assert_eq!(a["after"]["budget"], json!([{"year": 2022, "amount": "50000.00"}, {"year": 2023, "amount": "130000.00"}]), "the difference on the last year");
        assert_eq!(a["before"]["amount"], "150000.00");
        let s = status(app);
        assert_eq!((s["pending"].as_str(), s["available"].as_str()), (Some("30000.00"), Some("691553.00")));

        let second = amend(app, g, "190000.00").problem(409);
        assert_eq!(second["type"], "urn:klyngemidler:problem:amendment-state", "one pending amendment per grant");

        let id = a["id"].as_i64().expect("id");
        let rejected = ok(decide_amendment(app, id, "strategic", "rejected"));
        assert_eq!((rejected["state"].as_str(), rejected["reserved"].as_str()), (Some("rejected"), Some("0.00")));
        assert_eq!(decide_amendment(app, id, "strategic", "approved").problem(409)["type"], "urn:klyngemidler:problem:amendment-state");
        let s = status(app);
        assert_eq!((s["pending"].as_str(), s["available"].as_str(), s["committed"].as_str()), (Some("0.00"), Some("721553.00"), Some("150000.00")));
        let unchanged = app.get(&format!("/api/v1/grants/{g}")).json();
        assert_eq!((unchanged["amount"].as_str(), &unchanged["version"]), (Some("150000.00"), &version));

        let again = created(amend(app, g, "180000.00"))["id"].as_i64().expect("id");
        let approved = ok(decide_amendment(app, again, "strategic", "approved"));
        assert_eq!(approved["state"], "approved");
        assert_eq!(approved["decisions"][0]["reference"], "Referat 16.03.2023, pkt. 5");
        let s = status(app);
        assert_eq!((s["pending"].as_str(), s["available"].as_str(), s["committed"].as_str()), (Some("0.00"), Some("691553.00"), Some("180000.00")));
        let after = app.get(&format!("/api/v1/grants/{g}")).json();
        assert_eq!(after["amount"], "180000.00");
        assert_ne!(after["version"], version, "the grant's version changes");
        assert_ne!(app.get(&format!("/api/v1/grants/{g}")).header("etag"), Some(etag.as_str()), "and so its ETag");
        assert_eq!(after["budget"][1], json!({"year": 2023, "budgeted": "130000.00", "disbursed": "0.00"}));
        assert_eq!(after["amendments"].as_array().map(Vec::len), Some(2), "history is kept");
        let ledger = app.get("/api/v1/pools/vest-2022/ledger?limit=500").text;
        for kind in ["amendment_reservation", "amendment_reservation_release", "amendment_commitment"] {
            assert!(ledger.contains(kind), "{kind} in the ledger: {ledger}");
        }
        let got = ok(app.get(&format!("/api/v1/amendments/{again}")));
        assert_eq!(got["grant_id"], g);
    }
}

api_test! {
    /// The new total decides the levels: above the political threshold the strategic level approves, then the political.
    fn an_increase_over_the_political_threshold_waits_for_the_political_level(app) {
        vest_2022(app, json!({"recommendation_required": false, "political_threshold": "160000.00"}));
        let g = grant(app, "150000.00", &[(2022, "150000.00")]);
        let a = created(amend(app, g, "180000.00"));
        assert_eq!(a["political_required"], true);
        let id = a["id"].as_i64().expect("id");
        assert_eq!(decide_amendment(app, id, "political", "approved").problem(409)["type"], "urn:klyngemidler:problem:amendment-state");
        let strategic = ok(decide_amendment(app, id, "strategic", "approved"));
        assert_eq!((strategic["state"].as_str(), strategic["awaiting"].as_str()), (Some("pending"), Some("political")));
        assert_eq!(status(app)["pending"], "30000.00", "still held until the political sign-off");
        ok(decide_amendment(app, id, "political", "approved"));
        let s = status(app);
        assert_eq!((s["pending"].as_str(), s["committed"].as_str()), (Some("0.00"), Some("180000.00")));
        let audit = app.get(&format!("/api/v1/audit-events?subject=amendment:{id}")).json();
        let actions: Vec<&str> = audit["items"].as_array().expect("items").iter().filter_map(|e| e["action"].as_str()).collect();
        assert_eq!(actions, ["amendment.proposed", "amendment.strategic_approved", "amendment.approved"]);

        // A closed pool takes no increase; a decrease still gives money back to it, like a release.
        assert_eq!(app.request("POST", "/api/v1/pools/vest-2022/close").send().status, 200);
        assert_eq!(amend(app, g, "190000.00").problem(409)["type"], "urn:klyngemidler:problem:pool-state");
        assert_eq!(created(amend(app, g, "170000.00"))["political_required"], true);
    }
}

api_test! {
    /// A decrease gives back exactly the difference, and never below what is paid out.
    fn a_decrease_gives_back_exactly_the_difference(app) {
        vest_2022(app, strategic_only());
        let g = grant(app, "150000.00", &[(2022, "50000.00"), (2023, "100000.00")]);
        pay(app, g, "60000.00", "2022-12-01");
        let too_far = amend(app, g, "59999.99").problem(409);
        assert_eq!(too_far["type"], "urn:klyngemidler:problem:exceeds-grant", "{too_far}");
        let before = status(app);
        let a = created(app.post(&format!("/api/v1/grants/{g}/amendments"), &json!({
            "amount": "100000.00", "ends_on": "2023-06-30", "reason": "Projektet afsluttes et halvt år før",
            "budget": [{"year": 2022, "amount": "60000.00"}, {"year": 2023, "amount": "40000.00"}]})));
        assert_eq!(a["reserved"], "0.00");
        assert_eq!(status(app), before, "a pending decrease holds nothing");
        ok(decide_amendment(app, a["id"].as_i64().expect("id"), "strategic", "approved"));
        let s = status(app);
        assert_eq!(ore(&s["available"]) - ore(&before["available"]), 5_000_000, "exactly 50,000.00 back");
        assert_eq!((s["committed"].as_str(), s["disbursed"].as_str()), (Some("100000.00"), Some("60000.00")));
        let got = app.get(&format!("/api/v1/grants/{g}")).json();
        assert_eq!((got["amount"].as_str(), got["remaining"].as_str()), (Some("100000.00"), Some("40000.00")));
        assert_eq!(got["budget"], json!([
            {"year": 2022, "budgeted": "60000.00", "disbursed": "60000.00"},
            {"year": 2023, "budgeted": "40000.00", "disbursed": "0.00"},
        ]));
        assert_eq!(got["amendments"][0]["after"]["ends_on"], "2023-06-30");
    }
}

api_test! {
    /// An increase the bucket cannot pay is refused with what is available, and nothing is held.
    fn an_increase_the_bucket_cannot_pay_is_refused(app) {
        vest_2022(app, strategic_only());
        let g = grant(app, "850000.00", &[(2022, "850000.00")]);
        let before = status(app);
        let p = amend(app, g, "880000.00").problem(409);
        assert_eq!(p["type"], "urn:klyngemidler:problem:insufficient-funds");
        assert_eq!((p["available"].as_str(), p["needed"].as_str(), p["bucket"].as_str()), (Some("21553.00"), Some("30000.00"), Some("rolling")));
        assert_eq!(status(app), before);
        let bad = app.post(&format!("/api/v1/grants/{g}/amendments"), &json!({"amount": "1,00", "reason": "", "budget": [{"year": 2022, "amount": "x"}]}));
        assert_eq!(bad.invalid_fields(), ["amount", "budget[0].amount", "reason"]);
        let off = app.post(&format!("/api/v1/grants/{g}/amendments"), &json!({"amount": "860000.00", "reason": "Mere", "budget": [{"year": 2022, "amount": "850000.00"}]}));
        assert_eq!(off.invalid_fields(), ["budget"]);
        assert_eq!(app.get("/api/v1/amendments/999999").status, 404);
    }
}

api_test! {
    /// 16 concurrent amendments and decisions on a bucket that fits only some: nothing is spent twice.
    fn sixteen_concurrent_amendments_and_decisions_never_overspend_the_bucket(app) {
        vest_2022(app, strategic_only());
        let grants: Vec<i64> = (0..16).map(|_| grant(app, "50000.00", &[(2022, "50000.00")])).collect();
        // Four increases of 10,000.00 are pending: 31,553.00 is left.
        let pending: Vec<i64> = grants[..4].iter().map(|g| created(amend(app, *g, "60000.00"))["id"].as_i64().expect("id")).collect();
        assert_eq!(status(app)["available"], "31553.00");
        let (decisions, proposals): (Vec<u16>, Vec<u16>) = std::thread::scope(|s| {
            let decided: Vec<_> = pending
                .iter()
                .enumerate()
                .map(|(i, id)| s.spawn(move || decide_amendment(app, *id, "strategic", if i % 2 == 0 { "approved" } else { "rejected" }).status))
                .collect();
            let proposed: Vec<_> = grants[4..].iter().map(|g| s.spawn(move || amend(app, *g, "70000.00").status)).collect();
            (
                decided.into_iter().map(|h| h.join().expect("thread")).collect(),
                proposed.into_iter().map(|h| h.join().expect("thread")).collect(),
            )
        });
        assert!(decisions.iter().all(|s| *s == 200), "{decisions:?}");
        let fitted = proposals.iter().filter(|s| **s == 201).count() as i64;
        assert!(proposals.iter().all(|s| *s == 201 || *s == 409), "{proposals:?}");
        // 31,553.00 plus the two rejections' 20,000.00 at most: one or two increases of 20,000.00.
        assert!((1..=2).contains(&fitted), "{proposals:?}");
        let s = status(app);
        assert_eq!(ore(&s["pending"]), fitted * 2_000_000);
        assert_eq!(s["committed"], "820000.00");
        assert_eq!(ore(&s["available"]), 87_155_300 - 82_000_000 - fitted * 2_000_000);
        assert!(ore(&s["committed"]) + ore(&s["pending"]) <= ore(&s["total"]));
    }
}
