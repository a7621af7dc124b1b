//! One binary, two databases: the same requests give the same JSON.

use serde_json::{Value, json};

use crate::helpers::{Backend, TestApp, TestDb, spawn_app_on};

/// Drops what legitimately differs between two runs: clocks and request ids.
fn normalized(mut value: Value) -> Value {
    match &mut value {
        Value::Object(map) => {
            // Hashes cover timestamps; key users get random e-mails.
            for key in ["created_at", "updated_at", "occurred_at", "request_id", "hash", "prev_hash", "chain_head", "email"] {
                map.remove(key);
            }
            for v in map.values_mut() {
                *v = normalized(v.take());
            }
        }
        Value::Array(items) => {
            for v in items.iter_mut() {
                *v = normalized(v.take());
            }
        }
        _ => {}
    }
    value
}

fn script() -> Vec<(&'static str, &'static str, Option<Value>)> {
    vec![
        ("POST", "/api/v1/clusters", Some(json!({"slug": "vest", "name": "Sundhedsklynge Vest", "region": "Region Nordjylland"}))),
        ("POST", "/api/v1/clusters/vest/parties", Some(json!({"slug": "morso-kommune", "name": "Morsø Kommune", "kind": "municipality"}))),
        (
            "POST",
            "/api/v1/pools",
            Some(
                json!({"cluster": "vest", "year": 2022, "amount": "871553.00", "allocation_model": {"kind": "split", "upfront_share": "0.70"}}),
            ),
        ),
        (
            "POST",
            "/api/v1/pools",
            Some(
                json!({"cluster": "vest", "year": 2023, "amount": "100.00", "allocation_model": {"kind": "split", "upfront_share": "0.3333"}, "approval_policy": {"strategic": "co_chairs_email", "email_mandate_reference": "Politisk niveau 09.11.2022, pkt. 3", "political_threshold": "50000"}}),
            ),
        ),
        (
            "POST",
            "/api/v1/pools",
            Some(json!({"cluster": "vest", "year": 2022, "amount": "1.00", "allocation_model": {"kind": "upfront"}})),
        ),
        (
            "POST",
            "/api/v1/pools",
            Some(
                json!({"cluster": "vest", "year": 1800, "amount": "12.345", "allocation_model": {"kind": "split", "upfront_share": "1.5"}}),
            ),
        ),
        ("POST", "/api/v1/pools/vest-2022/open", None),
        ("GET", "/api/v1/pools/vest-2022/status", None),
        ("GET", "/api/v1/pools/vest-2023/status", None),
        ("GET", "/api/v1/pools/vest-2022/ledger", None),
        ("GET", "/api/v1/pools?year=2022", None),
        ("GET", "/api/v1/clusters/vest/parties", None),
        ("GET", "/api/v1/target-populations", None),
        ("GET", "/api/v1/audit-events", None),
        ("DELETE", "/api/v1/pools/vest-2022", None),
    ]
}

fn run(app: &TestApp) -> Vec<(u16, Value)> {
    script()
        .into_iter()
        .map(|(method, path, body)| {
            let resp = match body {
                Some(b) => app.request(method, path).json(&b),
                None => app.request(method, path).send(),
            };
            (resp.status, normalized(resp.json()))
        })
        .collect()
}

#[test]
fn the_same_requests_give_the_same_json_on_sqlite_and_postgresql() {
    let Some(pg) = TestDb::new(Backend::Postgres) else {
        return;
    };
    let sqlite = TestDb::new(Backend::Sqlite).expect("sqlite is always there");
    let on_sqlite = run(&spawn_app_on(sqlite, |_| ()));
    let on_postgres = run(&spawn_app_on(pg, |_| ()));
    for (i, (a, b)) in on_sqlite.iter().zip(&on_postgres).enumerate() {
        assert_eq!(a, b, "step {i} ({:?}) differs", script()[i].1);
    }
    assert_eq!(on_sqlite.len(), script().len());
}
