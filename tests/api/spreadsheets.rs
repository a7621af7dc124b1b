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
        assert_eq!(rows[0], ["bevilling", "pulje", "ansøgning", "projekt", "spor", "beløb", "udbetalt", "frigivet", "rest", "oprettet", "budget"]);
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
        assert!(lines.iter().any(|l| l[4] == "Finansiering" && l[8] == "871553,00"), "Danish words in excel-da: {}", ledger.text);
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

/// A CSV file in the Danish dialect as Excel writes one: BOM, `;`, CRLF, quotes where needed.
pub fn danish_csv(rows: &[Vec<String>]) -> String {
    let mut text = String::from("\u{feff}");
    for row in rows {
        let cells: Vec<String> = row
            .iter()
            .map(|f| if f.contains([';', '"', '\n', '\r']) { format!("\"{}\"", f.replace('"', "\"\"")) } else { f.clone() })
            .collect();
        text.push_str(&cells.join(";"));
        text.push_str("\r\n");
    }
    text
}

fn column(rows: &[Vec<String>], name: &str) -> usize {
    rows[0].iter().position(|h| h == name).unwrap_or_else(|| panic!("no column {name} in {:?}", rows[0]))
}

api_test! {
    /// Excel's "CSV (Macintosh)" ends lines with CR alone: it imports like any other file.
    fn a_cr_only_file_imports(app) {
        vest_2022(app, json!({}));
        let cr_only = project_list(3, &[]).replace("\r\n", "\r");
        assert!(!cr_only.contains('\n'));
        let r = import(app, &cr_only);
        assert_eq!(r.status, 201, "{}", r.text);
        let ids: Vec<i64> = r.json()["applications"].as_array().expect("ids").iter().filter_map(Value::as_i64).collect();
        assert_eq!(ids.len(), 3, "three rows, not one line");
        let third = app.get(&format!("/api/v1/applications/{}", ids[2])).json();
        assert_eq!(third["title"], "Projekt 3: \"Tryg udskrivelse\"");
        assert_eq!(third["requested_amount"], "3000.03");
        assert_eq!(third["contact_email"], "projekt@example.org", "the last cell of a CR-ended line");

        let counts = "målgruppe;kommune;antal\rDe sårbare ældre;Thisted;10.412\rvulnerable_elderly;Morsø;6120\r";
        let r = app.request("PUT", "/api/v1/clusters/vest/population-counts/2022").header("content-type", "text/csv").send_raw(Some(counts.as_bytes()));
        assert_eq!(r.status, 200, "{}", r.text);
        assert_eq!(r.json()["counts"].as_array().map(Vec::len), Some(2));
    }
}

api_test! {
    /// A finance officer exports the applications for Danish Excel, changes a
    /// title and an amount, and imports the file into a pool: the drafts are
    /// the charters that were exported, with the two changes.
    fn an_excel_export_of_applications_edited_and_imported_round_trips(app) {
        vest_2022(app, json!({"recommendation_required": false, "political_threshold": "999999999.00"}));
        let mut first = charter("150000.00");
        first["title"] = json!("=Tryg udskrivelse; \"på tværs\"");
        first["target_populations"] = json!(["vulnerable_elderly", "chronic_disease"]);
        first["organisation"] = json!("Styregruppe med kommune, region og almen praksis");
        first["evaluation"] = json!("Før/efter-måling af genindlæggelser");
        first["budget"] = json!([{"year": 2022, "amount": "50000.00"}, {"year": 2023, "amount": "100000.00"}]);
        let approved = submitted(app, &first);
        assert_eq!(decide(app, approved, "strategic", "approved", None).status, 200);
        let mut second = charter("7000.07");
        second["origin"] = json!("ssu");
        let draft = app.post("/api/v1/pools/vest-2022/applications", &second);
        assert_eq!(draft.status, 201, "{}", draft.text);
        let originals = [app.get(&format!("/api/v1/applications/{approved}")).json(), draft.json()];

        let export = app.get("/api/v1/exports/applications?pool=vest-2022&dialect=excel-da");
        assert_eq!(export.status, 200, "{}", export.text);
        assert_eq!(export.header("content-disposition"), Some("attachment; filename=\"ansoegninger-vest-2022.csv\""));
        let mut rows = read_csv(export.text.trim_start_matches('\u{feff}'), ';');
        assert_eq!(rows.len(), 3, "{}", export.text);
        let (title, amount, budget, status) = (column(&rows, "titel"), column(&rows, "ansøgt beløb"), column(&rows, "budget"), column(&rows, "status"));
        assert_eq!(rows[1][title], "'=Tryg udskrivelse; \"på tværs\"", "guarded for Excel");
        assert_eq!(rows[1][column(&rows, "målgrupper")], "De sårbare ældre|Borgere med kroniske sygdomme");
        assert_eq!(rows[1][status], "Bevilget");
        assert_eq!(rows[1][amount], "150000,00");
        assert_eq!(rows[1][budget], "2022: 50.000,00 kr. | 2023: 100.000,00 kr.");
        assert_eq!(rows[1][column(&rows, "start")], "2022-09-01");
        assert_eq!(rows[1][column(&rows, "spor")], "Løbende");
        assert_eq!(rows[2][column(&rows, "oprindelse")], "SSU");
        assert_eq!(rows[2][column(&rows, "udgiftsart")], "Udvikling");
        assert_eq!(rows[2][status], "Kladde");

        // The edit: a new title for the first, a new amount (and its one budget line) for the second.
        rows[1][title] = "Tryg udskrivelse i Thy".to_owned();
        rows[2][amount] = "7.500,50".to_owned();
        rows[2][budget] = "2022: 7.500,50 kr.".to_owned();
        let r = import(app, &danish_csv(&rows));
        assert_eq!(r.status, 201, "{}", r.text);
        let ids: Vec<i64> = r.json()["applications"].as_array().expect("ids").iter().filter_map(Value::as_i64).collect();
        assert_eq!(ids.len(), 2);
        for (i, (id, original)) in ids.iter().zip(&originals).enumerate() {
            let imported = app.get(&format!("/api/v1/applications/{id}")).json();
            assert_eq!(imported["status"], "draft");
            for field in ["applicant_party", "target_populations", "purpose", "goals", "organisation", "evaluation", "starts_on", "ends_on", "bucket", "origin", "contact_email"] {
                assert_eq!(imported[field], original[field], "row {}: {field}", i + 1);
            }
            let (title, amount, budget) = match i {
                0 => (json!("Tryg udskrivelse i Thy"), original["requested_amount"].clone(), original["budget"].clone()),
                _ => (original["title"].clone(), json!("7500.50"), json!([{"year": 2022, "amount": "7500.50"}])),
            };
            assert_eq!((&imported["title"], &imported["requested_amount"], &imported["budget"]), (&title, &amount, &budget), "row {}", i + 1);
        }

        // Exported again, the file is the same but for ids, status and the edits: nothing drifts.
        rows[2][amount] = "7500,50".to_owned(); // as the export writes an amount (Excel shows it so too)
        let again = read_csv(app.get("/api/v1/exports/applications?pool=vest-2022&dialect=excel-da").text.trim_start_matches('\u{feff}'), ';');
        let charter_columns = ["titel", "ansøger", "målgrupper", "ansøgt beløb", "spor", "oprindelse", "start", "slut", "formål", "mål", "organisering", "evaluering", "udgiftsart", "budget", "kontakt"];
        for name in charter_columns {
            let c = column(&again, name);
            assert_eq!((&again[3][c], &again[4][c]), (&rows[1][c], &rows[2][c]), "{name}");
        }

        // A Danish file is told in Danish how to write what it got wrong.
        let mut bad = rows.clone();
        bad[1][amount] = "150 000".to_owned();
        bad[1][column(&rows, "spor")] = "Engang".to_owned();
        bad[1][column(&rows, "slut")] = "31/31/2023".to_owned();
        let problem = import(app, &danish_csv(&bad)).problem(422);
        let cells: Vec<(&str, &str)> = problem["errors"].as_array().expect("errors").iter().map(|e| (e["column"].as_str().unwrap_or(""), e["message"].as_str().unwrap_or(""))).collect();
        assert_eq!(cells, [
            ("ansøgt beløb", "write an amount with a comma before the øre, e.g. 150000,00 or 150.000,00"),
            ("spor", "must be one of Fordelt ved årets start, Ad hoc, Løbende"),
            ("slut", "write a date as YYYY-MM-DD or DD-MM-YYYY, e.g. 2024-09-01 or 01-09-2024"),
        ], "{problem}");
        assert_eq!(problem["errors"][0]["field"], "rows[1].requested_amount", "the field is the API's");
    }
}

api_test! {
    /// `excel-da` is Danish all through: words for codes, Copenhagen times, Danish file names,
    /// and the dialect alone asks for CSV.
    fn the_excel_dialect_speaks_danish(app) {
        vest_with_grants(app);
        app.pool("vest", 2023, "1000.00", json!({"kind": "split", "upfront_share": "0.70"}));
        let status = app.get("/api/v1/reports/status?year=2022&dialect=excel-da");
        assert_eq!(status.status, 200, "{}", status.text);
        assert!(status.header("content-type").is_some_and(|t| t.starts_with("text/csv")), "the dialect alone means CSV");
        assert_eq!(status.header("content-disposition"), Some("attachment; filename=\"puljestatus-2022.csv\""));
        let rows = read_csv(status.text.trim_start_matches('\u{feff}'), ';');
        assert_eq!(rows[1][3..6], ["Åben", "Løbende", "I alt"]);
        assert_eq!(rows[2][5], "Løbende");
        let plain = app.get("/api/v1/reports/status?year=2022&format=csv");
        assert_eq!(plain.header("content-disposition"), Some("attachment; filename=\"status-2022.csv\""));
        assert_eq!(read_csv(&plain.text, ',')[1][3..6], ["open", "rolling", "all"], "RFC 4180 keeps the codes");
        assert_eq!(app.get("/api/v1/reports/status?year=2022").header("content-type"), Some("application/json"));
        let split = read_csv(app.get("/api/v1/reports/status?year=2023&dialect=excel-da").text.trim_start_matches('\u{feff}'), ';');
        assert_eq!(split[1][3..6], ["Kladde", "70/30", "I alt"]);
        assert_eq!((split[2][5].as_str(), split[3][5].as_str()), ("Fordelt ved årets start", "Ad hoc"));
        assert_eq!(app.get("/api/v1/reports/status?year=2022&dialect=excel-da&format=json").invalid_fields(), ["format"]);
        assert_eq!(app.get("/api/v1/reports/status?year=2022&dialect=excel-da&format=csv").text, status.text);

        let evaluation = app.get("/api/v1/reports/model-evaluation?year=2023&dialect=excel-da");
        assert_eq!(evaluation.header("content-disposition"), Some("attachment; filename=\"modelevaluering-2023.csv\""));
        let e = read_csv(evaluation.text.trim_start_matches('\u{feff}'), ';');
        assert_eq!(e[1][3..6], ["Kladde", "70/30", "0,70"]);

        let grants = app.get("/api/v1/exports/grants?dialect=excel-da");
        assert_eq!(grants.header("content-disposition"), Some("attachment; filename=\"bevillinger.csv\""));
        assert_eq!(app.get("/api/v1/exports/grants").header("content-disposition"), Some("attachment; filename=\"grants.csv\""));
        let g = read_csv(grants.text.trim_start_matches('\u{feff}'), ';');
        assert_eq!(g[1][4], "Løbende");
        // Copenhagen wall-clock time to the second: what Excel reads as a date and time.
        let created = app.get("/api/v1/grants").json()["items"][0]["created_at"].as_str().expect("created_at").to_owned();
        let utc = chrono::DateTime::parse_from_rfc3339(&created).expect("RFC 3339");
        let local = utc.with_timezone(&chrono_tz::Europe::Copenhagen).format("%Y-%m-%d %H:%M:%S").to_string();
        assert_eq!(g[1][9], local);

        let ledger = app.get("/api/v1/exports/ledger?dialect=excel-da&pool=vest-2022");
        assert_eq!(ledger.header("content-disposition"), Some("attachment; filename=\"posteringer-vest-2022.csv\""));
        let l = read_csv(ledger.text.trim_start_matches('\u{feff}'), ';');
        let funding = l.iter().find(|r| r[4] == "Finansiering" && r[7] == "Disponibelt").expect("funding posting");
        assert_eq!((funding[6].as_str(), funding[8].as_str()), ("Løbende", "871553,00"));
        assert_eq!(funding[9], "Finansiering af pulje vest-2022 (løbende)", "our memo in Danish");
        assert!(l.iter().any(|r| r[4] == "Bevilling" && r[7] == "Bevilget" && r[9] == "Bevilget af det strategiske niveau: 123.456,78 kr."), "{}", ledger.text);
        assert!(l.iter().any(|r| r[4] == "Udbetaling" && r[7] == "Udbetalt" && r[8] == "10000,05"), "{}", ledger.text);
        assert!(l[1..].iter().all(|r| r[10].contains("(nøgle ")), "{}", ledger.text);
        assert!(!ledger.text.contains("funding") && !ledger.text.contains("rolling"), "no English code left: {}", ledger.text);
        let pool_ledger = app.get("/api/v1/pools/vest-2022/ledger?dialect=excel-da");
        assert_eq!(pool_ledger.header("content-disposition"), Some("attachment; filename=\"posteringer-vest-2022.csv\""));
        assert_eq!(pool_ledger.text, ledger.text, "the pool's ledger in the dialect is the export of its postings");
        let refused = app.request("GET", "/api/v1/reports/status?year=2022&dialect=excel-da").header("accept", "application/json").send();
        assert_eq!(refused.status, 406, "a CSV dialect for a client that takes only JSON: {}", refused.text);

        let audit = app.get("/api/v1/exports/audit-events?dialect=excel-da");
        assert_eq!(audit.header("content-disposition"), Some("attachment; filename=\"revisionsspor.csv\""));
        let a = read_csv(audit.text.trim_start_matches('\u{feff}'), ';');
        assert!(a.iter().any(|r| r[3] == "Pulje åbnet" && r[4] == "pulje vest-2022"), "{}", audit.text);
        assert!(a.iter().any(|r| r[3] == "Ansøgning indsendt"), "{}", audit.text);

        let apps = read_csv(app.get("/api/v1/exports/applications?dialect=excel-da").text.trim_start_matches('\u{feff}'), ';');
        assert_eq!((apps[1][4].as_str(), apps[1][5].as_str(), apps[1][8].as_str(), apps[1][9].as_str()), ("De sårbare ældre", "Bevilget", "Løbende", "Klyngen"));
        assert_eq!(apps[0].len(), 22, "the export carries the whole charter: {:?}", apps[0]);
    }
}

api_test! {
    /// Population counts with Danish headers, names and thousands points.
    fn population_counts_read_danish_headers_and_names(app) {
        app.cluster("vest");
        let put = |body: &str| {
            app.request("PUT", "/api/v1/clusters/vest/population-counts/2022").header("content-type", "text/csv").send_raw(Some(body.as_bytes()))
        };
        let r = put("\u{feff}målgruppe;kommune;antal\r\nDe sårbare ældre;Thisted;10.412\r\nborgere med kroniske sygdomme;Morsø;9031\r\n");
        assert_eq!(r.status, 200, "{}", r.text);
        assert_eq!(r.json()["counts"], json!([
            {"target_population": "vulnerable_elderly", "municipality": "Thisted", "count": 10412},
            {"target_population": "chronic_disease", "municipality": "Morsø", "count": 9031},
        ]));
        let problem = put("målgruppe;kommune;antal\r\nMarsboere;Thisted;3\r\n").problem(422);
        assert_eq!(problem["errors"][0]["column"], "målgruppe");
        let message = problem["errors"][0]["message"].as_str().unwrap_or("");
        assert!(message.contains("De sårbare ældre") && !message.contains("vulnerable_elderly"), "{message}");
        let problem = put("målgruppe;kommune;tal\r\n").problem(422);
        let fields: Vec<&str> = problem["errors"].as_array().expect("errors").iter().filter_map(|e| e["field"].as_str()).collect();
        assert_eq!(fields, ["columns.tal", "columns.antal"], "{problem}");
    }
}
