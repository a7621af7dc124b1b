//! Finance staff live in Excel: the year's status in one document, CSV
//! exports in both dialects, and CSV imports that list every bad row at once.

use serde_json::{Value, json};

use crate::api_test;
use crate::applications::{charter, decide, submitted, vest_2022};
use crate::helpers::{TestApp, ore};

/// A small CSV reader for the test's side: `;` or `,`, quotes, CRLF.
pub fn read_csv(text: &str, sep: char) -> Vec<Vec<String>> {
    let mut rows = Vec::new();
    let (mut row, mut field, mut quoted) = (Vec::new(), String::new(), false);
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                chars.next();
                field.push('"');
            }
            (true, '"') => quoted = false,
            (true, c) => field.push(c),
            (false, '"') => quoted = true,
            (false, '\r') => {}
            (false, '\n') => {
                row.push(std::mem::take(&mut field));
                rows.push(std::mem::take(&mut row));
            }
            (false, c) if c == sep => row.push(std::mem::take(&mut field)),
            (false, c) => field.push(c),
        }
    }
    if !field.is_empty() || !row.is_empty() {
        row.push(field);
        rows.push(row);
    }
    rows
}

/// "1234,56" (Danish) → øre, strictly: a comma and exactly two decimals.
fn danish_ore(text: &str) -> i64 {
    let (sign, digits) = text.strip_prefix('-').map_or((1, text), |rest| (-1, rest));
    let (kroner, ore) = digits.split_once(',').unwrap_or_else(|| panic!("decimal comma expected: {text}"));
    assert_eq!(ore.len(), 2, "{text}");
    sign * (kroner.parse::<i64>().expect("kroner") * 100 + ore.parse::<i64>().expect("øre"))
}

/// Vest 2022 with three grants of awkward amounts, one partly paid out.
fn vest_with_grants(app: &TestApp) -> Vec<i64> {
    vest_2022(app, json!({"recommendation_required": false, "political_threshold": "999999999.00"}));
    let mut ids = Vec::new();
    for amount in ["123456.78", "0.01", "99999.99"] {
        let id = submitted(app, &charter(amount));
        assert_eq!(decide(app, id, "strategic", "approved", None).status, 200);
        ids.push(id);
    }
    let grants = app.get("/api/v1/grants").json();
    let first = grants["items"][0]["id"].as_i64().expect("grant id");
    let r = app.post(
        &format!("/api/v1/grants/{first}/disbursements"),
        &json!({"amount": "10000.05", "paid_on": "2022-11-01", "reference": "Faktura 17"}),
    );
    assert_eq!(r.status, 201, "{}", r.text);
    ids
}

api_test! {
    /// A dashboard polls one URL for all pools of a year, and gets 304 until something changes.
    fn the_years_status_comes_in_one_document_with_an_etag(app) {
        vest_2022(app, json!({"recommendation_required": false, "political_threshold": "999999999.00"}));
        app.cluster("nord");
        app.pool("nord", 2022, "2220660.10", json!({"kind": "split", "upfront_share": "0.70"}));
        app.pool("nord", 2023, "1000.00", json!({"kind": "rolling"}));
        let r = app.get("/api/v1/reports/status?year=2022");
        assert_eq!(r.status, 200, "{}", r.text);
        let report = r.json();
        let pools: Vec<&str> = report["pools"].as_array().expect("pools").iter().filter_map(|p| p["pool"].as_str()).collect();
        assert_eq!(pools, ["nord-2022", "vest-2022"], "only 2022, by cluster");
        assert_eq!(report["pools"][1], app.get("/api/v1/pools/vest-2022/status").json(), "each pool exactly as its own status");
        let etag = r.header("etag").expect("etag").to_owned();
        assert_eq!(app.request("GET", "/api/v1/reports/status?year=2022").header("if-none-match", &etag).send().status, 304);

        let id = submitted(app, &charter("1000.00"));
        assert_eq!(decide(app, id, "strategic", "approved", None).status, 200);
        let changed = app.request("GET", "/api/v1/reports/status?year=2022").header("if-none-match", &etag).send();
        assert_eq!(changed.status, 200, "a grant changes the figures, so the ETag");
        assert_eq!(changed.json()["pools"][1]["committed"], "1000.00");
        let csv = app.request("GET", "/api/v1/reports/status?year=2022").header("accept", "text/csv").send();
        assert!(csv.header("content-type").is_some_and(|t| t.starts_with("text/csv")), "{:?}", csv.headers);
        let rows = read_csv(&csv.text, ',');
        assert_eq!(rows[0][..7], ["pool", "cluster", "year", "state", "allocation_model", "bucket", "total"]);
        assert_eq!(rows.len(), 1 + 3 + 2, "a line per pool and one per bucket: {}", csv.text);
        assert_eq!(app.get("/api/v1/reports/status?year=2022&format=csv").text, csv.text);
        assert_eq!(app.get("/api/v1/reports/status").invalid_fields(), ["year"]);
        let scoped = app.key("viewer", &["vest"]);
        let seen = app.request("GET", "/api/v1/reports/status?year=2022").key(Some(&scoped)).send().json();
        assert_eq!(seen["pools"].as_array().map(Vec::len), Some(1), "a key for Vest sees Vest");
    }
}

api_test! {
    /// Danish Excel: `;`, decimal comma, a BOM and Danish headers, and every øre still there.
    fn an_excel_export_reads_back_with_the_same_amounts(app) {
        vest_with_grants(app);
        let grants = app.get("/api/v1/grants").json();
        let r = app.get("/api/v1/exports/grants?dialect=excel-da");
        assert_eq!(r.status, 200, "{}", r.text);
        assert!(r.text.starts_with('\u{feff}'), "UTF-8 BOM for Excel");
        let rows = read_csv(r.text.trim_start_matches('\u{feff}'), ';');
        assert_eq!(rows[0], ["bevilling", "pulje", "ansøgning", "projekt", "spor", "beløb", "udbetalt", "frigivet", "rest", "oprettet"]);
        assert_eq!(rows.len(), 4);
        for (row, grant) in rows[1..].iter().zip(grants["items"].as_array().expect("grants")) {
            assert_eq!(row[0], grant["id"].to_string());
            assert_eq!(danish_ore(&row[5]), ore(&grant["amount"]), "{row:?} vs {grant}");
            assert_eq!(danish_ore(&row[6]), ore(&grant["disbursed"]));
        }
        assert_eq!(rows[1][5], "123456,78");
        assert_eq!(rows[2][5], "0,01");
        assert_eq!(rows[1][8], "113456,73", "remaining after 10,000.05 paid");

        // The ledger: every entry's lines sum to zero, and the funding is the pool's amount.
        let ledger = app.get("/api/v1/exports/ledger?dialect=excel-da&pool=vest-2022");
        let lines = read_csv(ledger.text.trim_start_matches('\u{feff}'), ';');
        assert_eq!(lines[0][8], "beløb");
        let mut by_entry = std::collections::BTreeMap::<String, i64>::new();
        for l in &lines[1..] {
            *by_entry.entry(l[1].clone()).or_default() += danish_ore(&l[8]);
        }
        assert!(by_entry.values().all(|sum| *sum == 0), "{by_entry:?}");
        assert!(lines.iter().any(|l| l[4] == "funding" && l[8] == "871553,00"), "{}", ledger.text);
        let plain = app.get("/api/v1/exports/ledger?pool=vest-2022");
        assert!(read_csv(&plain.text, ',').iter().any(|l| l[4] == "funding" && l[8] == "871553.00"), "RFC 4180 keeps the point");

        let apps = read_csv(&app.get("/api/v1/exports/applications").text, ',');
        assert_eq!(apps.len(), 4);
        assert_eq!(apps[1][4], "vulnerable_elderly");
        assert_eq!(apps[1][7], "123456.78");
        let audit = app.get("/api/v1/exports/audit-events?dialect=excel-da");
        assert!(read_csv(audit.text.trim_start_matches('\u{feff}'), ';').len() > 5);
        assert_eq!(app.get("/api/v1/exports/grants?dialect=lotus").invalid_fields(), ["dialect"]);
        let scoped = app.key("viewer", &["vest"]);
        assert_eq!(app.request("GET", "/api/v1/exports/audit-events").key(Some(&scoped)).send().status, 403);
    }
}

/// A project list of `n` rows in the Danish dialect, with the rows in `bad` broken in one way each.
fn project_list(n: usize, bad: &[(usize, &str)]) -> String {
    let mut text = String::from(
        "\u{feff}title;applicant_party;target_populations;purpose;goals;expense_kind;requested_amount;starts_on;ends_on;contact_email\r\n",
    );
    for row in 1..=n {
        let mut fields = vec![
            format!("Projekt {row}: \"Tryg udskrivelse\""),
            "thisted-kommune".to_owned(),
            "vulnerable_elderly|chronic_disease".to_owned(),
            "Fælles forløb på tværs af sektorer".to_owned(),
            "Færre genindlæggelser".to_owned(),
            "development".to_owned(),
            format!("{row}000,{:02}", row % 100),
            "2022-09-01".to_owned(),
            "2023-06-30".to_owned(),
            "projekt@example.org".to_owned(),
        ];
        match bad.iter().find(|(r, _)| *r == row).map(|(_, how)| *how) {
            Some("amount") => fields[6] = "12x".into(),
            Some("population") => fields[2] = "vulnerable_elderly|martians".into(),
            Some("dates") => fields[8] = "2021-01-01".into(),
            _ => {}
        }
        let quoted: Vec<String> =
            fields.iter().map(|f| if f.contains('"') { format!("\"{}\"", f.replace('"', "\"\"")) } else { f.clone() }).collect();
        text.push_str(&quoted.join(";"));
        text.push_str("\r\n");
    }
    text
}

fn import(app: &TestApp, csv: &str) -> crate::helpers::Resp {
    app.request("POST", "/api/v1/pools/vest-2022/applications/import").header("content-type", "text/csv").send_raw(Some(csv.as_bytes()))
}

api_test! {
    /// Last year's project list: all 50 or none, and every bad row named at once.
    fn an_import_with_three_bad_rows_among_fifty_names_them_and_writes_nothing(app) {
        vest_2022(app, json!({}));
        let audit_before = app.get("/api/v1/audit-events?limit=500").json()["items"].as_array().map(Vec::len);
        let r = import(app, &project_list(50, &[(7, "amount"), (23, "population"), (41, "dates")]));
        let problem = r.problem(422);
        let errors = problem["errors"].as_array().expect("errors");
        let named: Vec<(u64, &str)> = errors.iter().map(|e| (e["row"].as_u64().unwrap_or(0), e["column"].as_str().unwrap_or(""))).collect();
        assert_eq!(named, [(7, "requested_amount"), (23, "target_populations"), (41, "ends_on")], "{problem}");
        assert!(errors.iter().all(|e| e["message"].as_str().is_some_and(|m| !m.is_empty())));
        assert_eq!(app.get("/api/v1/applications").json()["items"], json!([]), "nothing was written");
        assert_eq!(app.get("/api/v1/audit-events?limit=500").json()["items"].as_array().map(Vec::len), audit_before);

        let r = import(app, &project_list(50, &[]));
        assert_eq!(r.status, 201, "{}", r.text);
        let ids: Vec<i64> = r.json()["applications"].as_array().expect("ids").iter().filter_map(Value::as_i64).collect();
        assert_eq!(ids.len(), 50);
        let imported = app.get(&format!("/api/v1/applications/{}", ids[6])).json();
        assert_eq!(imported["status"], "draft");
        assert_eq!(imported["requested_amount"], "7000.07", "decimal comma read exactly");
        assert_eq!(imported["title"], "Projekt 7: \"Tryg udskrivelse\"");
        assert_eq!(imported["target_populations"], json!(["vulnerable_elderly", "chronic_disease"]));
        assert_eq!(imported["budget"], json!([{"year": 2022, "amount": "7000.07"}]), "no budget: all of it in the year of starts_on");

        // The same charter through the API gives the same draft.
        let mut body = charter("7000.07");
        body["title"] = imported["title"].clone();
        body["target_populations"] = imported["target_populations"].clone();
        body["purpose"] = imported["purpose"].clone();
        body["goals"] = imported["goals"].clone();
        body["ends_on"] = json!("2023-06-30");
        body["contact_email"] = json!("projekt@example.org");
        let created = app.post("/api/v1/pools/vest-2022/applications", &body).json();
        for field in ["title", "applicant_party", "target_populations", "requested_amount", "budget", "bucket", "origin", "status", "starts_on", "ends_on"] {
            assert_eq!(created[field], imported[field], "{field}");
        }
    }
}

api_test! {
    /// Population counts per target population and municipality, in either dialect.
    fn population_counts_upload_all_or_nothing(app) {
        app.cluster("vest");
        let put = |body: &str| {
            app.request("PUT", "/api/v1/clusters/vest/population-counts/2022").header("content-type", "text/csv").send_raw(Some(body.as_bytes()))
        };
        let good = "target_population,municipality,count\r\nvulnerable_elderly,Thisted,10412\r\nvulnerable_elderly,Morsø,6120\r\nchronic_disease,Thisted,9031\r\n";
        let r = put(good);
        assert_eq!(r.status, 200, "{}", r.text);
        let bad = "\u{feff}target_population;municipality;count\r\nvulnerable_elderly;Thisted;10412\r\nmartians;Thisted;3\r\nvulnerable_elderly;;-1\r\n";
        let problem = put(bad).problem(422);
        let named: Vec<(u64, &str)> = problem["errors"].as_array().expect("errors").iter().map(|e| (e["row"].as_u64().unwrap_or(0), e["column"].as_str().unwrap_or(""))).collect();
        assert_eq!(named, [(2, "target_population"), (3, "municipality"), (3, "count")]);
        let stored = app.get("/api/v1/clusters/vest/population-counts/2022").json();
        assert_eq!(stored["counts"].as_array().map(Vec::len), Some(3), "the bad upload changed nothing");
        let r = put("\u{feff}target_population;municipality;count\r\nvulnerable_elderly;Thisted;10500\r\n");
        assert_eq!(r.status, 200, "{}", r.text);
        assert_eq!(app.get("/api/v1/clusters/vest/population-counts/2022").json()["counts"], json!([{"target_population": "vulnerable_elderly", "municipality": "Thisted", "count": 10500}]));
        assert_eq!(put("a,b\r\n1,2\r\n").status, 422);
        assert_eq!(app.request("PUT", "/api/v1/clusters/vest/population-counts/2022").header("content-type", "application/json").send_raw(Some(b"{}")).status, 415);
        let viewer = app.key("viewer", &[]);
        assert_eq!(app.request("PUT", "/api/v1/clusters/vest/population-counts/2022").key(Some(&viewer)).header("content-type", "text/csv").send_raw(Some(good.as_bytes())).status, 403);
    }
}

api_test! {
    /// Uploaded counts are the population key when a distribution names none.
    fn a_distribution_without_populations_uses_the_stored_counts(app) {
        app.cluster("vest");
        app.cluster("nord");
        let upload = |cluster: &str, csv: &str| {
            let r = app.request("PUT", &format!("/api/v1/clusters/{cluster}/population-counts/2024")).header("content-type", "text/csv").send_raw(Some(csv.as_bytes()));
            assert_eq!(r.status, 200, "{}", r.text);
        };
        // Populations overlap, so a municipality counts with its broadest group: Thisted 43,000 + Morsø 20,670.
        upload("vest", "target_population;municipality;count\r\nchronic_disease;Thisted;43000\r\nvulnerable_elderly;Thisted;9000\r\nchronic_disease;Morsø;20670\r\n");
        upload("nord", "target_population,municipality,count\r\nchronic_disease,Hjørring,162227\r\n");
        let r = app.post("/api/v1/distributions", &json!({"year": 2024, "amount": "1000000.00", "key": "population"}));
        assert_eq!(r.status, 200, "{}", r.text);
        let d = r.json();
        assert_eq!(d["total_population"], 63_670 + 162_227);
        let vest = d["parts"].as_array().expect("parts").iter().find(|p| p["cluster"] == "vest").cloned().expect("vest");
        assert_eq!(vest["population"], 63_670);
        // 1,000,000.00 × 63,670 / 225,897 = 281,854.12…
        assert_eq!(vest["amount"], "281854.12");
        let none = app.post("/api/v1/distributions", &json!({"year": 2030, "amount": "1.00", "key": "population"}));
        assert_eq!(none.invalid_fields(), ["populations"]);
    }
}

api_test! {
    /// The model evaluation opens in Danish Excel too, with the same amounts as its JSON.
    fn the_model_evaluation_comes_in_the_excel_dialect(app) {
        vest_with_grants(app);
        let json = app.get("/api/v1/reports/model-evaluation?year=2022").json();
        let r = app.get("/api/v1/reports/model-evaluation?year=2022&format=csv&dialect=excel-da");
        assert_eq!(r.status, 200, "{}", r.text);
        let rows = read_csv(r.text.trim_start_matches('\u{feff}'), ';');
        assert_eq!(rows[0][..3], ["pulje", "klynge", "år"]);
        assert_eq!(rows[0][8], "bevilget");
        assert_eq!(danish_ore(&rows[1][8]), ore(&json["pools"][0]["committed"]));
        assert_eq!(rows[1][8], "223456,78", "123,456.78 + 0.01 + 99,999.99");
    }
}
