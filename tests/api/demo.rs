//! `serve --demo`: the North Jutland clusters and their 2022 pools.

use crate::helpers::{Backend, TestDb, assert_reconciles, spawn_app_on};

fn demo_on(backend: Backend) {
    let Some(db) = TestDb::new(backend) else {
        return;
    };
    let app = spawn_app_on(db, |db| {
        let now = klyngemidler::http::now();
        let key = klyngemidler::demo::load_if_empty(db, now).expect("demo loads");
        assert!(key.is_some_and(|k| k.starts_with("kmk_")), "an admin key is printed");
        assert!(klyngemidler::demo::load_if_empty(db, now).expect("second load").is_none(), "never loaded twice");
    });
    let clusters = app.get("/api/v1/clusters").json();
    let slugs: Vec<&str> = clusters["items"].as_array().expect("items").iter().filter_map(|c| c["slug"].as_str()).collect();
    assert_eq!(slugs, ["midt", "nord", "syd", "vest"]);

    let vest = app.get("/api/v1/pools/vest-2022").json();
    assert_eq!(vest["amount"], "871553.00", "from the minutes");
    assert_eq!(vest["allocation_model"]["kind"], "rolling", "no model decided in 2022 means rolling");
    assert_eq!(vest["state"], "closed", "year end");
    // The minutes: all of it recommended for carry-over to 2023 in October, agreed before year end,
    // and moved when the pool closed.
    let carry = app.get("/api/v1/pools/vest-2022/carry-overs").json();
    assert_eq!(carry[0]["state"], "executed");
    assert_eq!(carry[0]["at_closing"], true);
    assert_eq!(carry[0]["amount"], "871553.00");
    assert_eq!(carry[0]["to_year"], 2023);
    let held = app.get("/api/v1/pools/vest-2022/status").json();
    assert_eq!(
        (held["available"].as_str(), held["pending"].as_str(), held["carried_out"].as_str()),
        (Some("0.00"), Some("0.00"), Some("871553.00"))
    );
    let events = app.get("/api/v1/audit-events?subject=pool%3Avest-2022").json().to_string();
    assert!(events.contains("pool.model_decided"), "no model decided → rolling, recorded as a decision");
    let approvers = app.get("/api/v1/clusters/vest/approvers").json();
    let roles: Vec<(&str, &str)> =
        approvers.as_array().expect("list").iter().filter_map(|a| Some((a["role"].as_str()?, a["side"].as_str()?))).collect();
    assert!(roles.contains(&("co_chair", "regional")) && roles.contains(&("co_chair", "municipal")), "co-chairs one per side: {roles:?}");
    assert_reconciles(&held);
    let nord = app.get("/api/v1/pools/nord-2022").json();
    assert_eq!(nord["amount"], "2220660.10", "871,553 / 63,670 × 162,227 inhabitants");
    assert!(nord["note"].as_str().unwrap_or("").contains("Illustrativt"), "other clusters are marked illustrative");
    let midt = app.get("/api/v1/pools/midt-2022/status").json();
    assert_eq!(midt["buckets"].as_array().map(Vec::len), Some(2), "Midt runs 70/30");
    for pool in ["nord-2022", "midt-2022", "syd-2022", "vest-2022", "vest-2023"] {
        assert_reconciles(&app.get(&format!("/api/v1/pools/{pool}/status")).json());
    }
    let parties = app.get("/api/v1/clusters/vest/parties").json();
    let names: Vec<&str> = parties.as_array().expect("list").iter().filter_map(|p| p["name"].as_str()).collect();
    assert_eq!(
        names,
        ["Thisted Kommune", "Morsø Kommune", "Region Nordjylland", "Almen praksis (PLO-Nordjylland)", "Psykiatrien i Region Nordjylland"]
    );

    // Applications in every state, with the money where the workflow put it.
    let apps = app.get("/api/v1/applications?limit=100").json();
    let mut states: Vec<&str> = apps["items"].as_array().expect("items").iter().filter_map(|a| a["status"].as_str()).collect();
    states.sort_unstable();
    states.dedup();
    assert_eq!(states, ["approved", "draft", "recommended", "rejected", "reserved", "submitted"]);
    let vest = app.get("/api/v1/pools/vest-2023/status").json();
    assert_eq!(vest["carried_in_pending"], "0.00");
    assert_eq!(vest["carried_in"], "871553.00", "what 2022 brought");
    assert_eq!(vest["pending"], "140000.00", "awaiting political sign-off");
    assert_eq!(vest["committed"], "85000.00");
    assert_eq!(vest["disbursed"], "30000.00");
    assert_reconciles(&vest);
    let midt = app.get("/api/v1/pools/midt-2022/status").json();
    assert_eq!(midt["buckets"][0]["committed"], "250000.00", "upfront project");
    // A small project granted by Syd's operations forum, and one case Nord referred to the political level.
    let all = apps["items"].as_array().expect("items");
    let by_title = |t: &str| all.iter().find(|a| a["title"] == t).cloned().unwrap_or_default();
    assert_eq!(by_title("Fælles faldforebyggelse i Mariagerfjord")["status"], "approved");
    let referred = by_title("Fælles indsats for borgere med multisygdom i hele klyngen");
    assert_eq!((referred["status"].as_str(), referred["referred"].as_bool()), (Some("reserved"), Some(true)), "{referred}");

    // The strategic level's 13th meeting as minuted, the political sign-off, and the operations forum's next meeting.
    let meetings = app.get("/api/v1/meetings?cluster=vest").json();
    let list = meetings["items"].as_array().expect("items");
    let forums: Vec<(&str, &str)> = list.iter().filter_map(|m| Some((m["forum"].as_str()?, m["state"].as_str()?))).collect();
    assert_eq!(forums, [("strategic", "held"), ("political", "held"), ("operations_forum", "planned")]);
    let minutes = app.get(&format!("/api/v1/meetings/{}/minutes", list[0]["id"])).json();
    let outcome = minutes["items"][1]["outcome"].as_str().unwrap_or("");
    assert!(outcome.starts_with("Der blev ikke truffet beslutning om tildelingsmodel"), "{minutes}");
    assert_eq!(minutes["items"][2]["outcome"], "Sendes videre til drøftelse på politisk niveau.");
    let calendar = app.get("/api/v1/meetings?cluster=vest&forum=strategic&year=2022").json();
    assert_eq!(calendar["items"].as_array().map(Vec::len), Some(1), "the strategic level's calendar for 2022: {calendar}");
    assert_eq!(app.get("/api/v1/meetings?year=1999").status, 422);
    let upcoming = &list[2];
    assert_eq!(upcoming["items"].as_array().map(Vec::len), Some(2), "two applications before the operations forum: {upcoming}");
}

#[test]
fn the_demo_loads_north_jutland_once_on_sqlite() {
    demo_on(Backend::Sqlite);
}

#[test]
fn the_demo_loads_north_jutland_once_on_postgres() {
    demo_on(Backend::Postgres);
}

fn generated_data_reconciles(backend: Backend) {
    let Some(db) = TestDb::new(backend) else { return };
    let app = spawn_app_on(db, |db| {
        let volume = klyngemidler::demo::generate::Volume { clusters: 2, years: 2, applications: 25, first_year: 2020 };
        let done = klyngemidler::demo::generate::generate(db, volume, klyngemidler::http::now(), |_| ()).expect("generate");
        assert_eq!((done.pools, done.applications, done.grants), (4, 100, 100));
    });
    let status = app.get("/api/v1/pools/gen-02-2021/status").json();
    assert_reconciles(&status);
    assert_eq!(status["pending"], "0.00");
    assert_ne!(status["committed"], "0.00");
    let grants = app.get("/api/v1/grants?pool=gen-02-2021&limit=500").json();
    assert_eq!(grants["items"].as_array().map(Vec::len), Some(25));
    let verified = std::process::Command::new(env!("CARGO_BIN_EXE_klyngemidler"))
        .args(["audit", "verify"])
        .env("DATABASE_URL", &app.db.url)
        .output()
        .expect("run audit verify");
    assert!(verified.status.success(), "{}", String::from_utf8_lossy(&verified.stderr));
}

#[test]
fn generated_benchmark_data_reconciles_on_sqlite() {
    generated_data_reconciles(Backend::Sqlite);
}

#[test]
fn generated_benchmark_data_reconciles_on_postgres() {
    generated_data_reconciles(Backend::Postgres);
}
