//! The `excel-da` exports as a spreadsheet sees them: LibreOffice Calc,
//! headless, opens each file with the Danish locale (1030), as a double
//! click opens it in Danish Excel. Every amount must arrive as a number with
//! its exact value, every date and time as a date, everything else as text.
//! Then Calc saves the applications as CSV in Danish, and that file imports
//! back into the pool. Calc writes flat ODS (`.fods`: one XML file, each
//! cell with its `office:value-type`), so no zip reader is needed.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use rust_decimal::Decimal;
use serde_json::{Value, json};

use crate::api_test;
use crate::applications::{charter, decide, submitted, vest_2022};
use crate::helpers::{TestApp, unique};
use crate::spreadsheets::read_csv;

/// The filter options of Calc's CSV import: `;`, `"`, UTF-8, from line 1, Danish.
const DANISH_CSV: &str = "CSV:59,34,76,1,,1030";

/// Where `soffice` is, or why the test cannot run. With
/// `KLYNGEMIDLER_REQUIRE_LIBREOFFICE=1` (CI) a missing LibreOffice fails the test.
pub fn soffice() -> Option<String> {
    for candidate in ["soffice", "libreoffice"] {
        let found = Command::new("which").arg(candidate).output().ok().filter(|o| o.status.success());
        if let Some(out) = found {
            return Some(String::from_utf8_lossy(&out.stdout).trim().to_owned());
        }
    }
    if std::env::var("KLYNGEMIDLER_REQUIRE_LIBREOFFICE").as_deref() == Ok("1") {
        panic!(
            "KLYNGEMIDLER_REQUIRE_LIBREOFFICE=1 but LibreOffice is not installed (apt-get install libreoffice-calc-nogui libreoffice-writer-nogui)"
        );
    }
    eprintln!(
        "\n!!!!!!!! SKIPPING the LibreOffice test: soffice is not installed (apt-get install libreoffice-calc-nogui libreoffice-writer-nogui) !!!!!!!!\n"
    );
    None
}

/// A scratch directory, removed afterwards.
pub struct Scratch(pub PathBuf);

impl Scratch {
    pub fn new() -> Scratch {
        let dir = std::env::temp_dir().join(format!("klyngemidler-office-{}-{}", std::process::id(), unique()));
        std::fs::create_dir_all(&dir).expect("scratch directory");
        Scratch(dir)
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Runs Calc headless on `files`, converting them into `out` (`to` is the
/// `--convert-to` argument). Its own profile, so tests can run side by side.
fn calc(soffice: &str, scratch: &Path, files: &[PathBuf], to: &str, out: &Path, locale: Option<&str>) {
    let profile = format!("file://{}", scratch.join("profile").display());
    let mut command = Command::new(soffice);
    command
        .arg(format!("-env:UserInstallation={profile}"))
        .args(["--headless", "--norestore", "--nolockcheck", &format!("--infilter={DANISH_CSV}"), "--convert-to", to, "--outdir"])
        .arg(out)
        .args(files)
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    if let Some(locale) = locale {
        // Calc's own locale, which decides how it writes numbers back as text.
        command.env("LC_ALL", locale).env("LANG", locale);
    }
    let mut child = command.spawn().expect("start soffice");
    let started = Instant::now();
    loop {
        if let Some(status) = child.try_wait().expect("wait for soffice") {
            let mut stderr = String::new();
            if let Some(mut e) = child.stderr.take() {
                let _ = std::io::Read::read_to_string(&mut e, &mut stderr);
            }
            assert!(status.success(), "soffice failed ({status}): {stderr}");
            break;
        }
        if started.elapsed() > Duration::from_secs(180) {
            let _ = child.kill();
            panic!("soffice took more than 180 s");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// One cell as Calc typed it.
#[derive(Debug, Clone, Default, PartialEq)]
struct Cell {
    /// `float`, `date`, `time`, `string`, `percentage`, … or "" for an empty cell.
    kind: String,
    /// `office:value` of a number, `office:date-value` of a date.
    value: String,
    text: String,
}

fn attr<'a>(tag: &'a str, name: &str) -> Option<&'a str> {
    let key = format!(" {name}=\"");
    let start = tag.find(&key)? + key.len();
    tag[start..].find('"').map(|end| &tag[start..start + end])
}

fn unescape(text: &str) -> String {
    text.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", "\"").replace("&apos;", "'").replace("&amp;", "&")
}

/// The text of a cell's paragraphs, tags taken out (`<text:s/>` is a space).
fn cell_text(xml: &str) -> String {
    let mut paragraphs = Vec::new();
    let mut rest = xml;
    while let Some(start) = rest.find("<text:p") {
        let Some(open_end) = rest[start..].find('>').map(|i| start + i + 1) else { break };
        let Some(end) = rest[open_end..].find("</text:p>").map(|i| open_end + i) else { break };
        let inner = rest[open_end..end].replace("<text:s/>", " ");
        let mut plain = String::new();
        let mut in_tag = false;
        for c in inner.chars() {
            match c {
                '<' => in_tag = true,
                '>' => in_tag = false,
                c if !in_tag => plain.push(c),
                _ => {}
            }
        }
        paragraphs.push(unescape(&plain));
        rest = &rest[end..];
    }
    paragraphs.join("\n")
}

/// The first sheet of a flat ODS file, row by row (trailing empty cells and rows dropped).
fn read_fods(path: &Path) -> Vec<Vec<Cell>> {
    let xml = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let sheet = &xml[xml.find("<table:table ").expect("a sheet")..];
    let sheet = &sheet[..sheet.find("</table:table>").expect("the sheet's end")];
    let mut rows = Vec::new();
    let mut rest = sheet;
    while let Some(start) = rest.find("<table:table-row") {
        let end = rest[start..].find("</table:table-row>").map(|i| start + i).expect("a row's end");
        let mut row_xml = &rest[start..end];
        let mut cells = Vec::new();
        // Past the row's own tag.
        row_xml = &row_xml[row_xml.find('>').map_or(row_xml.len(), |i| i + 1)..];
        while let Some(at) = row_xml.find("<table:") {
            row_xml = &row_xml[at..];
            let tag_end = row_xml.find('>').expect("a tag's end");
            let tag = &row_xml[..=tag_end];
            let covered = tag.starts_with("<table:covered-table-cell");
            if !(tag.starts_with("<table:table-cell") || covered) {
                row_xml = &row_xml[tag_end + 1..];
                continue;
            }
            let (content, next) = if tag.ends_with("/>") {
                ("", tag_end + 1)
            } else {
                let close = if covered { "</table:covered-table-cell>" } else { "</table:table-cell>" };
                let close_at = row_xml.find(close).expect("a cell's end");
                (&row_xml[tag_end + 1..close_at], close_at + close.len())
            };
            let cell = Cell {
                kind: attr(tag, "office:value-type").unwrap_or_default().to_owned(),
                value: attr(tag, "office:value").or_else(|| attr(tag, "office:date-value")).unwrap_or_default().to_owned(),
                text: cell_text(content),
            };
            let repeated: usize = attr(tag, "table:number-columns-repeated").and_then(|n| n.parse().ok()).unwrap_or(1);
            cells.extend(std::iter::repeat_n(cell, repeated.min(200)));
            row_xml = &row_xml[next..];
        }
        while cells.last().is_some_and(|c| c.kind.is_empty() && c.text.is_empty()) {
            cells.pop();
        }
        rows.push(cells);
        rest = &rest[end..];
    }
    while rows.last().is_some_and(Vec::is_empty) {
        rows.pop();
    }
    rows
}

/// What each column must be once Calc has read it.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Expect {
    /// An amount (or count): a number equal to the CSV text, decimal comma read exactly.
    Number,
    /// A date (`2022-09-01`) or date and time (`2022-10-20 14:03:09`), with that value.
    Date,
    /// Text, as written (the formula guard's `'` included).
    Text,
}

/// Checks one export, as Calc read it, against the CSV it came from.
fn check(name: &str, csv: &str, sheet: &[Vec<Cell>], columns: &[(&str, Expect)]) -> usize {
    let rows = read_csv(csv.trim_start_matches('\u{feff}'), ';');
    assert_eq!(sheet.len(), rows.len(), "{name}: Calc has as many rows as the file");
    assert!(rows.len() > 1, "{name}: rows to check");
    let mut checked = 0;
    for (column, expect) in columns {
        let c = rows[0].iter().position(|h| h == column).unwrap_or_else(|| panic!("{name}: no column {column} in {:?}", rows[0]));
        assert_eq!(sheet[0].get(c).map(|h| h.text.as_str()), Some(*column), "{name}: the header is text");
        for (r, row) in rows.iter().enumerate().skip(1) {
            let written = row[c].as_str();
            let cell = sheet[r].get(c).cloned().unwrap_or_default();
            let at = format!("{name}, row {r}, column {column}: {written:?} became {cell:?}");
            if written.is_empty() {
                assert!(cell.kind.is_empty(), "{at}");
                continue;
            }
            match expect {
                Expect::Number => {
                    assert_eq!(cell.kind, "float", "{at}: not a number");
                    let read = Decimal::from_str_exact(&cell.value).unwrap_or_else(|e| panic!("{at}: {e}"));
                    let sent = Decimal::from_str_exact(&written.replace(',', ".")).unwrap_or_else(|e| panic!("{at}: {e}"));
                    assert_eq!(read, sent, "{at}: not the same amount");
                }
                Expect::Date => {
                    assert_eq!(cell.kind, "date", "{at}: not a date");
                    assert_eq!(cell.value, written.replace(' ', "T"), "{at}: not the same moment");
                }
                Expect::Text => {
                    assert_eq!(cell.kind, "string", "{at}: not text");
                    assert_eq!(cell.text, written, "{at}");
                }
            }
            checked += 1;
        }
    }
    checked
}

use Expect::{Date, Number, Text};

/// A pool with grants of awkward amounts, one partly paid and one with a
/// title that would be a formula; a draft; and a 70/30 pool for next year.
fn fill(app: &TestApp) {
    vest_2022(app, json!({"recommendation_required": false, "political_threshold": "999999999.00"}));
    for (i, amount) in ["123456.78", "0.01", "99999.99"].into_iter().enumerate() {
        let mut body = charter(amount);
        if i == 0 {
            body["title"] = json!("=HYPERLINK(\"http://example.org\"); \"Tryg\" udskrivelse");
            body["target_populations"] = json!(["vulnerable_elderly", "chronic_disease"]);
            body["budget"] = json!([{"year": 2022, "amount": "23456.78"}, {"year": 2023, "amount": "100000.00"}]);
        }
        let id = submitted(app, &body);
        assert_eq!(decide(app, id, "strategic", "approved", None).status, 200);
    }
    let draft = app.post("/api/v1/pools/vest-2022/applications", &charter("7000.07"));
    assert_eq!(draft.status, 201, "{}", draft.text);
    let grant = app.get("/api/v1/grants").json()["items"][0]["id"].as_i64().expect("grant id");
    let paid = app.post(
        &format!("/api/v1/grants/{grant}/disbursements"),
        &json!({"amount": "10000.05", "paid_on": "2022-11-01", "reference": "Faktura 17"}),
    );
    assert_eq!(paid.status, 201, "{}", paid.text);
    app.pool("vest", 2023, "1000.00", json!({"kind": "split", "upfront_share": "0.70"}));
}

api_test! {
    /// Calc with the Danish locale reads every amount of the `excel-da` exports as a number and every date as a date.
    fn libreoffice_calc_reads_the_danish_exports_as_numbers_and_dates(app) {
        let Some(soffice) = soffice() else { return };
        fill(app);
        let scratch = Scratch::new();
        let exports = [
            ("bevillinger", "/api/v1/exports/grants?dialect=excel-da"),
            ("ansoegninger", "/api/v1/exports/applications?dialect=excel-da&pool=vest-2022"),
            ("posteringer", "/api/v1/exports/ledger?dialect=excel-da&pool=vest-2022"),
            ("revisionsspor", "/api/v1/exports/audit-events?dialect=excel-da"),
            ("puljestatus-2022", "/api/v1/reports/status?year=2022&dialect=excel-da"),
            ("puljestatus-2023", "/api/v1/reports/status?year=2023&dialect=excel-da"),
            ("modelevaluering-2022", "/api/v1/reports/model-evaluation?year=2022&dialect=excel-da"),
            ("modelevaluering-2023", "/api/v1/reports/model-evaluation?year=2023&dialect=excel-da"),
        ];
        let mut texts = Vec::new();
        let mut files = Vec::new();
        for (name, path) in exports {
            let r = app.get(path);
            assert_eq!(r.status, 200, "{path}: {}", r.text);
            let file = scratch.0.join(format!("{name}.csv"));
            std::fs::write(&file, r.text.as_bytes()).expect("write the export");
            texts.push(r.text);
            files.push(file);
        }
        let out = scratch.0.join("calc");
        let started = Instant::now();
        calc(&soffice, &scratch.0, &files, "fods", &out, None);
        eprintln!("LibreOffice Calc read {} exports in {:.1} s", files.len(), started.elapsed().as_secs_f64());
        let sheet = |name: &str| read_fods(&out.join(format!("{name}.fods")));

        let amounts = ["ramme", "overført ind", "bevilget", "reserveret", "udbetalt", "frigivet", "disponibelt", "overført ud"];
        let status: Vec<(&str, Expect)> =
            [("pulje", Text), ("år", Number), ("tilstand", Text), ("fordelingsmodel", Text), ("spor", Text), ("foreslået overført ind", Number)]
                .into_iter()
                .chain(amounts.iter().map(|a| (*a, Number)))
                .collect();
        let months: Vec<String> = (1..=12).map(|m| format!("bevilget {m:02}")).collect();
        let evaluation: Vec<(&str, Expect)> = [
            ("tilstand", Text), ("fordelingsmodel", Text), ("andel ved årets start", Number), ("ramme", Number), ("bevilget", Number),
            ("bevilget løbende", Number), ("afgørelser", Number), ("median dage til afgørelse", Number), ("bevilget efter året", Number),
        ]
        .into_iter()
        .chain(months.iter().map(|m| (m.as_str(), Number)))
        .collect();
        let checks: [(&str, Vec<(&str, Expect)>); 8] = [
            ("bevillinger", vec![("bevilling", Number), ("projekt", Text), ("spor", Text), ("beløb", Number), ("udbetalt", Number), ("frigivet", Number), ("rest", Number), ("oprettet", Date)]),
            ("ansoegninger", vec![
                ("titel", Text), ("målgrupper", Text), ("status", Text), ("ansøgt beløb", Number), ("bevilget beløb", Number), ("spor", Text),
                ("oprindelse", Text), ("start", Date), ("slut", Date), ("indsendt", Date), ("afgjort", Date), ("udgiftsart", Text), ("budget", Text), ("kontakt", Text),
            ]),
            ("posteringer", vec![("tidspunkt", Date), ("art", Text), ("spor", Text), ("konto", Text), ("beløb", Number), ("tekst", Text), ("bruger", Text)]),
            ("revisionsspor", vec![("hændelse", Number), ("tidspunkt", Date), ("handling", Text), ("emne", Text), ("bruger", Text)]),
            ("puljestatus-2022", status.clone()),
            ("puljestatus-2023", status),
            ("modelevaluering-2022", evaluation.clone()),
            ("modelevaluering-2023", evaluation),
        ];
        let mut checked = 0;
        for ((name, columns), text) in checks.iter().zip(&texts) {
            checked += check(name, text, &sheet(name), columns);
        }
        eprintln!("{checked} cells as Danish Excel should see them");
        // The values that make the point, by name.
        let grants = sheet("bevillinger");
        assert_eq!((grants[1][5].kind.as_str(), grants[1][5].value.as_str()), ("float", "123456.78"));
        assert_eq!(grants[1][3].text, "'=HYPERLINK(\"http://example.org\"); \"Tryg\" udskrivelse", "a formula stays text");
        let ledger = sheet("posteringer");
        assert!(ledger.iter().any(|r| r[8].kind == "float" && r[8].value == "-871553"), "a negative amount is a number");
        let next_year = sheet("puljestatus-2023");
        assert_eq!(next_year[1][4].text, "70/30", "the model is text, not a date or a fraction");

        // Calc saves the applications as CSV (Danish, as shown), and the file imports as it is.
        let saved = scratch.0.join("saved");
        let to_csv = "csv:Text - txt - csv (StarCalc):59,34,76,1,,1030,false,true,true";
        calc(&soffice, &scratch.0, &files[1..2], to_csv, &saved, Some("da_DK.UTF-8"));
        let resaved = std::fs::read(saved.join("ansoegninger.csv")).expect("Calc's CSV");
        let shown = String::from_utf8_lossy(&resaved).into_owned();
        assert!(shown.contains("123456,78"), "Calc wrote Danish amounts: {shown}");
        let before: Vec<Value> = app.get("/api/v1/applications?pool=vest-2022").json()["items"].as_array().expect("items").clone();
        let r = app.request("POST", "/api/v1/pools/vest-2022/applications/import").header("content-type", "text/csv").send_raw(Some(&resaved));
        assert_eq!(r.status, 201, "{}\n{shown}", r.text);
        let ids: Vec<i64> = r.json()["applications"].as_array().expect("ids").iter().filter_map(Value::as_i64).collect();
        assert_eq!(ids.len(), before.len());
        for (id, original) in ids.iter().zip(&before) {
            let original = app.get(&format!("/api/v1/applications/{}", original["id"])).json();
            let imported = app.get(&format!("/api/v1/applications/{id}")).json();
            for field in ["title", "applicant_party", "target_populations", "purpose", "goals", "requested_amount", "budget", "starts_on", "ends_on", "bucket", "origin", "contact_email"] {
                assert_eq!(imported[field], original[field], "{field} after a round trip through Calc");
            }
        }
    }
}
