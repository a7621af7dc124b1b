//! Importing applications from CSV as drafts, all or nothing: each row is
//! read as the JSON body of `POST …/applications` (same rules, same
//! messages), every bad cell of every row is listed in one 422, and a file
//! with any error writes nothing.

use crate::applications::charters::{CreateApplication, check_charter_with, draft_of, received_on, require_open, save_new};
use crate::db::reference::TargetPopulationRow;
use crate::db::{StoreError, pools, reference};
use crate::domain::access::Action;
use crate::domain::money::MoneyError;
use crate::http::auth::Caller;
use crate::http::error::{ApiError, FieldError, Problem};
use crate::http::fields::{pool_key, pool_not_found as not_found};
use crate::http::{AppState, json, now};
use crate::reports::danish;
use crate::reports::imports::{CsvFile, Sheet, population_code, read_csv};
use crate::tabular::{Column, Dialect, Table, col, danish_date, normalise_amount};
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, post, web};
use serde::Serialize;
use serde_json::{Map, Value, json};
use utoipa::ToSchema;

/// The charter's columns: in English named as the fields of `POST …/applications`,
/// in Danish as the `excel-da` export of applications writes them.
pub const CHARTER_COLUMNS: [Column; 16] = [
    col("title", "titel"),
    col("applicant_party", "ansøger"),
    col("partner_parties", "partnere"),
    col("target_populations", "målgrupper"),
    col("purpose", "formål"),
    col("goals", "mål"),
    col("organisation", "organisering"),
    col("evaluation", "evaluering"),
    col("expense_kind", "udgiftsart"),
    col("requested_amount", "ansøgt beløb"),
    col("budget", "budget"),
    col("starts_on", "start"),
    col("ends_on", "slut"),
    col("bucket", "spor"),
    col("origin", "oprindelse"),
    col("contact_email", "kontakt"),
];

/// Columns of the applications export that tell what became of an
/// application: an edited export may keep them, and they are not imported.
pub const EXPORT_ONLY_COLUMNS: [Column; 6] = [
    col("id", "ansøgning"),
    col("pool", "pulje"),
    col("status", "status"),
    col("approved_amount", "bevilget beløb"),
    col("submitted_at", "indsendt"),
    col("decided_at", "afgjort"),
];

/// A CSV row as the JSON body of `POST …/applications`: empty cells are left
/// out, `target_populations` is split at `|`, `budget` is `2023:100000.00|2024:50000.00`.
/// In a Danish file the cells are read as the `excel-da` export writes them:
/// target populations by their Danish names, Danish words for the bucket,
/// origin and expense kind, `150.000,00` amounts and `01-09-2022` dates.
fn row_as_json(sheet: &Sheet, fields: &[String], catalogue: &[TargetPopulationRow]) -> Value {
    let d = sheet.dialect;
    let danish = d == Dialect::ExcelDa;
    let word = |text: &str, code: fn(&str) -> Option<&'static str>| Value::String(code(text).filter(|_| danish).unwrap_or(text).to_owned());
    let date = |text: &str| {
        Value::String(danish_date(text).filter(|_| danish).map_or_else(|| text.to_owned(), |d| d.format("%Y-%m-%d").to_string()))
    };
    let mut object = Map::new();
    for name in CHARTER_COLUMNS.iter().map(|c| c.name) {
        let text = sheet.cell(fields, name);
        if text.is_empty() {
            continue;
        }
        let value = match name {
            "target_populations" => Value::Array(
                text.split('|').map(|s| Value::String(if danish { population_code(catalogue, s.trim()) } else { s.trim() }.to_owned())).collect(),
            ),
            "partner_parties" => Value::Array(text.split('|').map(|s| Value::String(s.trim().to_owned())).collect()),
            "requested_amount" => Value::String(normalise_amount(text, d)),
            "budget" => Value::Array(
                text.split('|')
                    .map(|line| match line.split_once(':') {
                        Some((year, amount)) => json!({"year": year.trim().parse::<i64>().map_or(json!(year.trim()), |y| json!(y)), "amount": normalise_amount(amount, d)}),
                        None => json!(line.trim()),
                    })
                    .collect(),
            ),
            "starts_on" | "ends_on" => date(text),
            "bucket" => word(text, danish::bucket_code),
            "origin" => word(text, danish::origin_code),
            "expense_kind" => word(text, danish::expense_kind_code),
            _ => Value::String(text.to_owned()),
        };
        object.insert(name.to_owned(), value);
    }
    Value::Object(object)
}

/// The header of a criterion's column: `criterion:K1`, in a Danish file `kriterium:K1`.
const CRITERION_PREFIXES: [&str; 2] = ["criterion:", "kriterium:"];

/// The answers to the pool's criteria, one column per criterion (`criterion:<code>`),
/// taken out of the table before its other columns are checked: `(code, header)` of
/// each such column, and each row's cells in them.
fn take_criteria(table: &mut Table) -> (Vec<(String, String)>, Vec<Vec<String>>) {
    let positions: Vec<(usize, String, String)> = table
        .header
        .iter()
        .enumerate()
        .filter_map(|(i, h)| CRITERION_PREFIXES.iter().find_map(|p| h.strip_prefix(p)).map(|code| (i, code.trim().to_owned(), h.clone())))
        .collect();
    let cells = table
        .rows
        .iter_mut()
        .map(|(_, fields)| {
            let taken = positions.iter().map(|(i, ..)| fields.get(*i).map_or(String::new(), |s| s.trim().to_owned())).collect();
            for (i, ..) in positions.iter().rev() {
                if *i < fields.len() {
                    fields.remove(*i);
                }
            }
            taken
        })
        .collect();
    for (i, ..) in positions.iter().rev() {
        table.header.remove(*i);
    }
    (positions.into_iter().map(|(_, code, header)| (code, header)).collect(), cells)
}

/// A row's criterion cells as the charter's `criteria` (empty cells left out); in a
/// Danish file `ja` and `nej` answer a yes/no criterion.
fn answers_json(columns: &[(String, String)], cells: &[String], danish: bool) -> Value {
    let answer = |text: &str| match text.to_lowercase().as_str() {
        "ja" if danish => "yes".to_owned(),
        "nej" if danish => "no".to_owned(),
        _ => text.to_owned(),
    };
    Value::Array(
        columns
            .iter()
            .zip(cells)
            .filter(|(_, cell)| !cell.is_empty())
            .map(|((code, _), cell)| json!({"criterion": code, "answer": answer(cell)}))
            .collect(),
    )
}

/// The column a charter field belongs to: `budget[0].amount` → `budget`.
fn column_of(field: &str) -> &str {
    field.split(['[', '.']).next().unwrap_or(field)
}

/// A charter's errors as bad cells of a row. In a Danish file the messages
/// that say how to write a cell say it the Danish way.
fn in_row(sheet: &Sheet, criteria: &[(String, String)], row: usize, errors: Vec<FieldError>) -> Vec<FieldError> {
    let danish = sheet.dialect == Dialect::ExcelDa;
    errors
        .into_iter()
        .map(|e| {
            // A criterion's answer is its own column (as the file names it, or as it would).
            if let Some(code) = e.field.strip_prefix("criteria[").and_then(|c| c.strip_suffix(']')) {
                let name = criteria
                    .iter()
                    .find(|(c, _)| c == code)
                    .map_or_else(|| format!("{}{code}", CRITERION_PREFIXES[usize::from(danish)]), |(_, header)| header.clone());
                let message = if danish { e.message.replace("answered yes or no", "answered ja or nej") } else { e.message };
                return sheet.error(row, &name, message);
            }
            let column = column_of(&e.field).to_owned();
            let message = match (e.field.strip_prefix("budget["), danish) {
                // A budget line without `:` is text in the cell, not an object in a body.
                (Some(rest), false) if rest.ends_with(']') => {
                    "write each year as year:amount, separated by |, e.g. 2023:100000.00|2024:50000.00".to_owned()
                }
                (Some(rest), true) if rest.ends_with(']') => {
                    "write each year as år: beløb, separated by |, e.g. 2023: 100.000,00 kr. | 2024: 50.000,00 kr.".to_owned()
                }
                _ if danish => danish_message(&column, e.message),
                _ => e.message,
            };
            sheet.error(row, &column, if e.field == column { message } else { format!("{}: {}", e.field, message) })
        })
        .collect()
}

/// How to write a cell of a Danish file, where the API's message says how to write JSON.
fn danish_message(column: &str, message: String) -> String {
    if message == MoneyError::NotADecimal.to_string() {
        return "write an amount with a comma before the øre, e.g. 150000,00 or 150.000,00".to_owned();
    }
    if message.starts_with("write a date as") {
        return "write a date as YYYY-MM-DD or DD-MM-YYYY, e.g. 2024-09-01 or 01-09-2024".to_owned();
    }
    if message.starts_with("must be one of") {
        let words = match column {
            "bucket" => danish::buckets_listed(),
            "origin" => danish::origins_listed(),
            "expense_kind" => danish::expense_kinds_listed(),
            _ => return message,
        };
        return format!("must be one of {words}");
    }
    message
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ApplicationImport {
    #[schema(example = "vest-2022")]
    pub pool: String,
    /// How many drafts were created.
    pub imported: usize,
    /// Their ids, in the order of the rows.
    pub applications: Vec<i64>,
}

/// Imports applications as drafts from a CSV file whose columns are named as
/// the fields of the charter (`POST …/applications`): several target
/// populations (and `partner_parties`) separated by `|`; `budget` may be left out
/// (the whole amount in the year of `starts_on`), or `2023:100000.00|2024:50000.00`.
/// The answers to the pool's criteria are one column each, `criterion:<code>`
/// (`kriterium:<code>` in Danish, where `ja`/`nej` answer a yes/no criterion);
/// a bad or missing answer is reported in that column.
///
/// An `excel-da` export of applications, edited in Excel, imports as it is
/// (Danish headers and words; what became of each application is passed over).
#[utoipa::path(extensions(("x-permission" = json!("manage_applications"))), tag = "applications",
    params(("pool" = String, Path, description = "`{cluster}-{year}`")), request_body(content = inline(CsvFile), content_type = "text/csv"),
    security(("api_key" = [])),
    responses((status = 201, description = "The applications, registered as drafts", body = ApplicationImport), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 409, body = Problem, description = "The pool is not open"), (status = 415, body = Problem),
        (status = 422, body = Problem, description = "Every bad row, with row, column and reason; nothing was saved")))]
#[post("/pools/{pool}/applications/import")]
pub async fn import_applications(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    path: web::Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    caller.require(Action::ManageApplications)?;
    let key = pool_key(&caller, &path)?;
    let mut table = read_csv(&req, &body)?;
    let (criterion_columns, criterion_cells) = take_criteria(&mut table);
    let sheet = Sheet::new(
        table,
        &CHARTER_COLUMNS,
        &EXPORT_ONLY_COLUMNS,
        &["title", "applicant_party", "target_populations", "requested_amount", "starts_on", "ends_on"],
    )?;
    if sheet.table.rows.is_empty() {
        return Err(ApiError::field("body", "the file has no rows after the header"));
    }
    // A Danish file names target populations in Danish: their codes from the reference table.
    let catalogue = match sheet.dialect {
        Dialect::ExcelDa => state.db.read(|c| reference::target_populations(c).map_err(StoreError::from)).await?,
        Dialect::Rfc4180 => Vec::new(),
    };
    // Read every row first, each as the JSON body of `POST …/applications`:
    // every bad cell of a row, and the errors that need no database.
    let mut errors = Vec::new();
    let mut drafts = Vec::new();
    let today = now().date();
    for (i, (_, fields)) in sheet.table.rows.iter().enumerate() {
        let row = i + 1;
        let mut object = row_as_json(&sheet, fields, &catalogue);
        let answers = answers_json(&criterion_columns, &criterion_cells[i], sheet.dialect == Dialect::ExcelDa);
        if answers.as_array().is_some_and(|a| !a.is_empty()) {
            object["criteria"] = answers;
        }
        match json::from_value_all::<CreateApplication>(object) {
            Err(found) => errors.extend(in_row(&sheet, &criterion_columns, row, found)),
            Ok((dto, mut found)) => {
                let received = received_on(dto.received_on, today, &mut found);
                let draft = draft_of(dto, &mut found);
                drafts.push((row, draft, found, received));
            }
        }
    }
    // Errors in the order of the file: by row, then by column.
    let header = sheet.table.header.clone();
    let place = move |e: &FieldError| (e.row, e.column.as_ref().and_then(|c| header.iter().position(|h| h == c)));
    let at = now();
    let lock = key.clone();
    let ids = state
        .db
        .write_in_pool(&lock, move |c| {
            let pool = pools::find(c, &key)?.ok_or_else(|| not_found(&key))?;
            require_open(&pool)?;
            // Then the charter rules, for every row that could be read, before anything is written.
            let mut all = errors.clone();
            let mut checked = Vec::new();
            for (row, draft, found, received) in &drafts {
                match check_charter_with(c, &pool, &pool.pool.criteria, draft.clone(), found.clone()) {
                    Ok((charter, parties)) => checked.push((charter, parties, *received)),
                    Err(ApiError::Validation(list)) => all.extend(in_row(&sheet, &criterion_columns, *row, list)),
                    Err(other) => return Err(other),
                }
            }
            if !all.is_empty() {
                all.sort_by_key(&place);
                return Err(ApiError::Validation(all));
            }
            checked
                .iter()
                .map(|(charter, parties, received)| save_new(c, &pool, parties, charter, *received, &caller, at))
                .collect::<Result<Vec<i64>, _>>()
        })
        .await?;
    let body = ApplicationImport { pool: path.into_inner(), imported: ids.len(), applications: ids };
    Ok(HttpResponse::build(StatusCode::CREATED).json(body))
}
