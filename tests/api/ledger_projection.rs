//! The status projection: the running balances `ledger::post` keeps beside
//! the postings agree with the postings to the øre after any money flow, and
//! `klyngemidler ledger verify` notices when they do not.

use diesel::RunQueryDsl;
use klyngemidler::db::{Db, DbOptions, StoreError};
use serde_json::json;

use crate::api_test;
use crate::applications::{charter, decide, status, submitted, vest_2022};
use crate::helpers::TestApp;

fn disagreements(app: &TestApp) -> usize {
    let db = Db::connect(&app.db.url, &DbOptions::default()).expect("connect");
    db.read_sync(klyngemidler::db::ledger::verify).expect("verify").len()
}

/// A small deterministic random source (the flows must repeat on failure).
struct Dice(u64);

impl Dice {
    fn roll(&mut self, sides: u64) -> u64 {
        self.0 = self.0.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        (self.0 >> 33) % sides
    }
}

/// Applications, grants at a random share, rejections, disbursements and
/// releases in a random order; after each step the pool's figures reconcile
/// and the projection agrees with the postings.
fn random_flow(app: &TestApp, seed: u64) {
    vest_2022(app, json!({"recommendation_required": false, "political_threshold": "999999999.00"}));
    let finance = app.key("finance", &[]);
    let mut dice = Dice(seed);
    let mut grants: Vec<(i64, i64)> = Vec::new(); // (grant, øre not yet paid)
    let mut done = [0; 4]; // rejected, granted, paid, released
    for step in 0..18 {
        match dice.roll(4) {
            0 | 1 => {
                let ore = 10_000 + i64::try_from(dice.roll(9_000_000)).expect("small");
                let id = submitted(app, &charter(&format!("{}.{:02}", ore / 100, ore % 100)));
                if dice.roll(3) == 0 {
                    assert_eq!(decide(app, id, "strategic", "rejected", None).status, 200);
                    done[0] += 1;
                } else {
                    let share = 1 + i64::try_from(dice.roll(100)).expect("small");
                    let granted = (ore * share / 100).max(1);
                    let r = decide(app, id, "strategic", "approved", Some(&format!("{}.{:02}", granted / 100, granted % 100)));
                    if r.status == 200 {
                        grants.push((r.json()["grant_id"].as_i64().expect("grant"), granted));
                        done[1] += 1;
                    } else {
                        assert_eq!(r.status, 409, "step {step}: {}", r.text);
                    }
                }
            }
            2 if !grants.is_empty() => {
                let at = usize::try_from(dice.roll(grants.len() as u64)).expect("index");
                let (grant, left) = grants[at];
                let pay = (left * i64::try_from(1 + dice.roll(100)).expect("small") / 100).max(1).min(left);
                let r = app
                    .request("POST", &format!("/api/v1/grants/{grant}/disbursements"))
                    .key(Some(&finance))
                    .json(&json!({"amount": format!("{}.{:02}", pay / 100, pay % 100), "paid_on": "2023-01-15", "reference": format!("Bilag {step}")}));
                assert_eq!(r.status, 201, "step {step}: {}", r.text);
                grants[at].1 -= pay;
                done[2] += 1;
                if grants[at].1 == 0 {
                    grants.remove(at);
                }
            }
            _ if !grants.is_empty() => {
                let (grant, _) = grants.remove(usize::try_from(dice.roll(grants.len() as u64)).expect("index"));
                let r = app
                    .request("POST", &format!("/api/v1/grants/{grant}/release"))
                    .key(Some(&finance))
                    .json(&json!({"reason": "Projektet blev afsluttet under budget"}));
                assert_eq!(r.status, 200, "step {step}: {}", r.text);
                done[3] += 1;
            }
            _ => {}
        }
        status(app);
        assert_eq!(disagreements(app), 0, "seed {seed}, step {step}: the projection agrees with the postings");
    }
    assert!(done.iter().all(|n| *n > 0), "seed {seed} rejects, grants, pays and releases: {done:?}");
}

api_test! {
    fn random_money_flows_keep_the_running_balances_equal_to_the_postings(app) {
        random_flow(app, 7);
    }
}

api_test! {
    fn another_random_money_flow_keeps_them_equal_too(app) {
        random_flow(app, 1_000_003);
    }
}

api_test! {
    fn ledger_verify_names_a_running_balance_that_was_tampered_with(app) {
        vest_2022(app, json!({"recommendation_required": false, "political_threshold": "999999999.00"}));
        let id = submitted(app, &charter("140000.00"));
        assert_eq!(decide(app, id, "strategic", "approved", None).status, 200);
        let verify = || {
            std::process::Command::new(env!("CARGO_BIN_EXE_klyngemidler"))
                .args(["ledger", "verify"])
                .env("DATABASE_URL", &app.db.url)
                .output()
                .expect("run ledger verify")
        };
        let fine = verify();
        assert!(fine.status.success(), "{}", String::from_utf8_lossy(&fine.stderr));
        assert!(String::from_utf8_lossy(&fine.stdout).contains("agree"));
        let db = Db::connect(&app.db.url, &DbOptions::default()).expect("connect");
        db.write_sync(|c| {
            diesel::sql_query("UPDATE ledger_totals SET amount_ore = amount_ore + 1 WHERE account = 'committed' AND application_id = 0")
                .execute(c)
                .map(|_| ())
                .map_err(StoreError::from)
        })
        .expect("tamper");
        let broken = verify();
        assert_eq!(broken.status.code(), Some(1), "one øre off is found");
        assert!(String::from_utf8_lossy(&broken.stderr).contains("disagree"), "{}", String::from_utf8_lossy(&broken.stderr));
        assert_eq!(disagreements(app), 1);
    }
}
