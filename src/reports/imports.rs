//! CSV imports: population counts and applications (as drafts). All or
//! nothing: every bad cell of every row is listed in one 422 problem, and a
//! file with any error writes nothing. Both dialects are read (the separator
//! is detected; a decimal comma is accepted). A file whose header is Danish
//! (as the `excel-da` export writes it) is read as that export writes it:
//! Danish words for codes, `150.000,00` amounts, `01-09-2022` dates, so a
//! finance officer can export, edit in Excel and import again.

use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, get, post, put, web};
use serde::Serialize;
use serde_json::{Map, Value, json};
use utoipa::ToSchema;

use crate::applications::charters::{CreateApplication, check_charter_with, draft_of, received_on, require_open, save_new};
use crate::db::pools::Actor;
use crate::db::population::{self, PopulationCount};
use crate::db::reference::TargetPopulationRow;
use crate::db::{StoreError, clusters, pools, reference};
use crate::domain::access::Action;
use crate::domain::money::MoneyError;
use crate::domain::values::Year;
use crate::http::auth::Caller;
use crate::http::error::{ApiError, FieldError, Problem};
use crate::http::fields::{pool_key, pool_not_found as not_found};
use crate::http::{AppState, json, now};
use crate::reports::danish;
use crate::tabular::{Column, Dialect, Table, col, danish_date, normalise_amount, unguard, whole_number};

/// A CSV file as a request body, as the document states it: the file's bytes
/// (either dialect, a UTF-8 BOM allowed), so that clients send it as a file.
pub struct CsvFile;

impl utoipa::PartialSchema for CsvFile {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        use utoipa::openapi::schema::{KnownFormat, ObjectBuilder, SchemaFormat, Type};
        ObjectBuilder::new()
            .schema_type(Type::String)
            .format(Some(SchemaFormat::KnownFormat(KnownFormat::Binary)))
            .description(Some("A CSV file with a header line: `,` or `;` separated, `.` or `,` decimals, UTF-8 (a BOM allowed)."))
            .into()
    }
}

impl ToSchema for CsvFile {}

/// The body must be CSV (`text/csv`, or `text/plain` from simple tools).
fn read_csv(req: &HttpRequest, body: &[u8]) -> Result<Table, ApiError> {
    let ct = req.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("");
    let essence = ct.split(';').next().unwrap_or("").trim().to_ascii_lowercase();
    if essence != "text/csv" && essence != "text/plain" {
        return Err(ApiError::UnsupportedMediaType(format!("send the file as text/csv (got {essence:?})")));
    }
    Table::read(body).map_err(|e| ApiError::field("body", format!("the CSV file {e}")))
}

/// An uploaded file with its columns found: which known field is in which
/// column, and whether the header (so every cell) is Danish.
struct Sheet {
    table: Table,
    /// `ExcelDa` when the header names a column in Danish.
    dialect: Dialect,
    /// The known fields present, by English name, and their position.
    positions: Vec<(&'static str, usize)>,
}

impl Sheet {
    /// Finds the columns, refusing unknown and missing ones before any row is
    /// looked at. Columns may be named in English or in Danish; `read_only`
    /// columns (what an export says about an application) are passed over.
    fn new(table: Table, known: &[Column], read_only: &[Column], required: &[&str]) -> Result<Sheet, ApiError> {
        let danish = table.header.iter().any(|h| known.iter().chain(read_only).any(|c| c.name_da == h && c.name != h));
        let dialect = if danish { Dialect::ExcelDa } else { Dialect::Rfc4180 };
        let name_of = |c: &Column| dialect.header(c);
        let mut errors = Vec::new();
        let mut positions = Vec::new();
        for (i, name) in table.header.iter().enumerate() {
            match known.iter().find(|c| c.name == name || c.name_da == name) {
                Some(c) if positions.iter().any(|(n, _)| *n == c.name) => {
                    errors.push(FieldError::new(format!("columns.{name}"), "appears twice in the header line"));
                }
                Some(c) => positions.push((c.name, i)),
                None if read_only.iter().any(|c| c.name == name || c.name_da == name) => {}
                None => {
                    let expected: Vec<&str> = known.iter().map(name_of).collect();
                    errors.push(FieldError::new(
                        format!("columns.{name}"),
                        format!("is not a known column; expected one of {}", expected.join(", ")),
                    ));
                }
            }
        }
        for name in required {
            if !positions.iter().any(|(n, _)| n == name) {
                let shown = known.iter().find(|c| c.name == *name).map_or(*name, name_of);
                errors.push(FieldError::new(format!("columns.{shown}"), "is missing from the header line"));
            }
        }
        if errors.is_empty() { Ok(Sheet { table, dialect, positions }) } else { Err(ApiError::Validation(errors)) }
    }

    /// A cell by field name ("" when the column is absent or the row short);
    /// in a Danish file without the formula guard the export put on it.
    fn cell<'a>(&self, fields: &'a [String], name: &str) -> &'a str {
        let text = self.positions.iter().find(|(n, _)| *n == name).and_then(|(_, i)| fields.get(*i)).map_or("", |s| s.trim());
        if self.dialect == Dialect::ExcelDa { unguard(text) } else { text }
    }

    /// A field's column as the file names it.
    fn column_name(&self, name: &str) -> String {
        self.positions
            .iter()
            .find(|(n, _)| *n == name)
            .and_then(|(_, i)| self.table.header.get(*i))
            .cloned()
            .unwrap_or_else(|| name.to_owned())
    }

    /// A bad cell: `field` is `rows[3].requested_amount`, `column` as in the header.
    fn error(&self, row: usize, name: &str, message: impl std::fmt::Display) -> FieldError {
        FieldError {
            field: format!("rows[{row}].{name}"),
            message: message.to_string(),
            row: Some(row),
            column: Some(self.column_name(name)),
        }
    }
}

/// A target population named by its code or (in Danish) by its Danish name, any case.
fn population_code<'a>(catalogue: &'a [TargetPopulationRow], text: &'a str) -> &'a str {
    catalogue.iter().find(|t| t.code == text || t.name_da.to_lowercase() == text.to_lowercase()).map_or(text, |t| t.code.as_str())
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PopulationCountDto {
    #[schema(example = "vulnerable_elderly")]
    pub target_population: String,
    #[schema(example = "Thisted")]
    pub municipality: String,
    #[schema(example = 10412)]
    pub count: i64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PopulationCounts {
    pub cluster: String,
    pub year: i32,
    pub counts: Vec<PopulationCountDto>,
}

/// The columns of a population count file, in English and as Danish staff name them.
const COUNT_COLUMNS: [Column; 3] = [col("target_population", "målgruppe"), col("municipality", "kommune"), col("count", "antal")];

fn parse_year(raw: i64) -> Result<Year, ApiError> {
    Year::new(raw).map_err(|e| ApiError::NotFound(format!("no year {raw}: {e}")))
}

/// Replaces a cluster's population counts for a year from a CSV file with the
/// columns `target_population`, `municipality` and `count`.
#[utoipa::path(extensions(("x-permission" = json!("manage_reference"))), tag = "reports",
    params(("cluster" = String, Path), ("year" = i32, Path, minimum = 2000, maximum = 2100)), request_body(content = inline(CsvFile), content_type = "text/csv"), security(("api_key" = [])),
    responses((status = 200, description = "The counts as saved", body = PopulationCounts), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 415, body = Problem), (status = 422, body = Problem, description = "Every bad row, with row, column and reason; nothing was saved")))]
#[put("/clusters/{cluster}/population-counts/{year}")]
pub async fn put_population_counts(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    path: web::Path<(String, i64)>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    caller.require(Action::ManageReference)?;
    let (slug, year) = path.into_inner();
    caller.require_cluster(&slug)?;
    let year = parse_year(year)?;
    let sheet = Sheet::new(read_csv(&req, &body)?, &COUNT_COLUMNS, &[], &["target_population", "municipality", "count"])?;
    let at = now();
    let out = state
        .db
        .write(move |c| {
            let cluster = clusters::find(c, &slug)?.ok_or_else(|| ApiError::NotFound(format!("no cluster '{slug}'")))?;
            let catalogue = reference::target_populations(c)?;
            let known: Vec<&str> = match sheet.dialect {
                Dialect::Rfc4180 => catalogue.iter().map(|t| t.code.as_str()).collect(),
                Dialect::ExcelDa => catalogue.iter().map(|t| t.name_da.as_str()).collect(),
            };
            let mut errors = Vec::new();
            let mut counts: Vec<PopulationCount> = Vec::new();
            for (i, (_, fields)) in sheet.table.rows.iter().enumerate() {
                let row = i + 1;
                let written = sheet.cell(fields, "target_population");
                let code = match sheet.dialect {
                    Dialect::Rfc4180 => written,
                    Dialect::ExcelDa => population_code(&catalogue, written),
                };
                let municipality = sheet.cell(fields, "municipality");
                let count = sheet.cell(fields, "count");
                if !catalogue.iter().any(|t| t.code == code) {
                    errors.push(sheet.error(
                        row,
                        "target_population",
                        format!("'{written}' is not a target population; use one of {}", known.join(", ")),
                    ));
                }
                if let Err(e) = crate::domain::values::Name::parse(municipality, 100) {
                    errors.push(sheet.error(row, "municipality", format!("must be a name of 1 to 100 characters: it {e}")));
                }
                let n = whole_number(count, sheet.dialect).filter(|n| (0..=100_000_000).contains(n));
                if n.is_none() {
                    errors.push(sheet.error(row, "count", format!("'{count}' is not a whole number from 0 to 100000000")));
                }
                if counts.iter().any(|c| c.target_population == code && c.municipality == municipality) {
                    errors.push(sheet.error(row, "municipality", "appears twice for this target population"));
                }
                counts.push(PopulationCount {
                    target_population: code.to_owned(),
                    municipality: municipality.to_owned(),
                    count: n.unwrap_or(0),
                });
            }
            if !errors.is_empty() {
                return Err(ApiError::Validation(errors));
            }
            let actor = caller.actor();
            let who = Actor { name: &actor, request_id: caller.request_id.as_deref(), at };
            crate::reports::service::replace_population_counts(c, cluster.id, &slug, year, &counts, who)?;
            Ok::<_, ApiError>(counts)
        })
        .await?;
    Ok(HttpResponse::Ok().json(counts_dto(&path_cluster(&req), year, out)))
}

fn path_cluster(req: &HttpRequest) -> String {
    req.match_info().get("cluster").unwrap_or_default().to_owned()
}

fn counts_dto(cluster: &str, year: Year, counts: Vec<PopulationCount>) -> PopulationCounts {
    PopulationCounts {
        cluster: cluster.to_owned(),
        year: year.get(),
        counts: counts
            .into_iter()
            .map(|c| PopulationCountDto { target_population: c.target_population, municipality: c.municipality, count: c.count })
            .collect(),
    }
}

/// A cluster's population counts for a year.
#[utoipa::path(extensions(("x-permission" = json!("read"))), tag = "reports", params(("cluster" = String, Path), ("year" = i32, Path, minimum = 2000, maximum = 2100)),
    security(("api_key" = [])),
    responses((status = 200, description = "The counts", body = PopulationCounts), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem)))]
#[get("/clusters/{cluster}/population-counts/{year}")]
pub async fn get_population_counts(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(String, i64)>,
) -> Result<HttpResponse, ApiError> {
    caller.require(Action::Read)?;
    let (slug, year) = path.into_inner();
    caller.require_cluster(&slug)?;
    let year = parse_year(year)?;
    let cluster = slug.clone();
    let counts = state
        .db
        .read(move |c| {
            let row = clusters::find(c, &cluster)?.ok_or_else(|| ApiError::NotFound(format!("no cluster '{cluster}'")))?;
            Ok::<_, ApiError>(population::of(c, row.id, year.get())?)
        })
        .await?;
    Ok(HttpResponse::Ok().json(counts_dto(&slug, year, counts)))
}

/// The charter's columns: in English named as the fields of `POST …/applications`,
/// in Danish as the `excel-da` export of applications writes them.
pub const CHARTER_COLUMNS: [Column; 15] = [
    col("title", "titel"),
    col("applicant_party", "ansøger"),
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

/// The column a charter field belongs to: `budget[0].amount` → `budget`.
fn column_of(field: &str) -> &str {
    field.split(['[', '.']).next().unwrap_or(field)
}

/// A charter's errors as bad cells of a row. In a Danish file the messages
/// that say how to write a cell say it the Danish way.
fn in_row(sheet: &Sheet, row: usize, errors: Vec<FieldError>) -> Vec<FieldError> {
    let danish = sheet.dialect == Dialect::ExcelDa;
    errors
        .into_iter()
        .map(|e| {
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
/// populations separated by `|`; `budget` may be left out (the whole amount
/// in the year of `starts_on`), or `2023:100000.00|2024:50000.00`.
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
    let sheet = Sheet::new(
        read_csv(&req, &body)?,
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
        match json::from_value_all::<CreateApplication>(row_as_json(&sheet, fields, &catalogue)) {
            Err(found) => errors.extend(in_row(&sheet, row, found)),
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
                match check_charter_with(c, &pool, draft.clone(), found.clone()) {
                    Ok((charter, party_id)) => checked.push((charter, party_id, *received)),
                    Err(ApiError::Validation(list)) => all.extend(in_row(&sheet, *row, list)),
                    Err(other) => return Err(other),
                }
            }
            if !all.is_empty() {
                all.sort_by_key(&place);
                return Err(ApiError::Validation(all));
            }
            checked
                .iter()
                .map(|(charter, party_id, received)| save_new(c, &pool, *party_id, charter, *received, &caller, at))
                .collect::<Result<Vec<i64>, _>>()
        })
        .await?;
    let body = ApplicationImport { pool: path.into_inner(), imported: ids.len(), applications: ids };
    Ok(HttpResponse::build(StatusCode::CREATED).json(body))
}
