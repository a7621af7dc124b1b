//! CSV imports: population counts and applications (as drafts). All or
//! nothing: every bad cell of every row is listed in one 422 problem, and a
//! file with any error writes nothing. Both dialects are read (the separator
//! is detected; a decimal comma is accepted).

use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, get, post, put, web};
use serde::Serialize;
use serde_json::{Map, Value, json};
use utoipa::ToSchema;

use crate::applications::charters::{CreateApplication, check_charter_with, draft_of, require_open, save_new};
use crate::db::pools::Actor;
use crate::db::population::{self, PopulationCount};
use crate::db::{clusters, pools, reference};
use crate::domain::access::Action;
use crate::domain::values::Year;
use crate::http::auth::Caller;
use crate::http::error::{ApiError, FieldError, Problem};
use crate::http::{AppState, json, now};
use crate::pools::http::{not_found, pool_key};
use crate::tabular::{Table, normalise_amount};

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

/// Refuses unknown and missing columns before any row is looked at.
fn check_columns(table: &Table, known: &[&str], required: &[&str]) -> Result<(), ApiError> {
    let mut errors = Vec::new();
    for name in &table.header {
        if !known.contains(&name.as_str()) {
            errors.push(FieldError::new(format!("columns.{name}"), format!("is not a known column; expected one of {}", known.join(", "))));
        }
    }
    for name in required {
        if table.column(name).is_none() {
            errors.push(FieldError::new(format!("columns.{name}"), "is missing from the header line"));
        }
    }
    if errors.is_empty() { Ok(()) } else { Err(ApiError::Validation(errors)) }
}

/// A cell by column name ("" when the column is absent or the row short).
fn cell<'a>(table: &Table, fields: &'a [String], name: &str) -> &'a str {
    table.column(name).and_then(|i| fields.get(i)).map_or("", |s| s.trim())
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
    let table = read_csv(&req, &body)?;
    let columns = ["target_population", "municipality", "count"];
    check_columns(&table, &columns, &columns)?;
    let at = now();
    let out = state
        .db
        .write(move |c| {
            let cluster = clusters::find(c, &slug)?.ok_or_else(|| ApiError::NotFound(format!("no cluster '{slug}'")))?;
            let codes: Vec<String> = reference::target_populations(c)?.into_iter().map(|t| t.code).collect();
            let mut errors = Vec::new();
            let mut counts: Vec<PopulationCount> = Vec::new();
            for (i, (_, fields)) in table.rows.iter().enumerate() {
                let row = i + 1;
                let code = cell(&table, fields, "target_population");
                let municipality = cell(&table, fields, "municipality");
                let count = cell(&table, fields, "count");
                if !codes.iter().any(|c| c == code) {
                    errors.push(FieldError::in_row(
                        row,
                        "target_population",
                        format!("'{code}' is not a target population; use one of {}", codes.join(", ")),
                    ));
                }
                if let Err(e) = crate::domain::values::Name::parse(municipality, 100) {
                    errors.push(FieldError::in_row(row, "municipality", format!("must be a name of 1 to 100 characters: it {e}")));
                }
                let n = count.parse::<i64>().ok().filter(|n| (0..=100_000_000).contains(n));
                if n.is_none() {
                    errors.push(FieldError::in_row(row, "count", format!("'{count}' is not a whole number from 0 to 100000000")));
                }
                if counts.iter().any(|c| c.target_population == code && c.municipality == municipality) {
                    errors.push(FieldError::in_row(row, "municipality", "appears twice for this target population"));
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

const APPLICATION_COLUMNS: [&str; 15] = [
    "title",
    "applicant_party",
    "target_populations",
    "purpose",
    "goals",
    "organisation",
    "evaluation",
    "expense_kind",
    "requested_amount",
    "budget",
    "starts_on",
    "ends_on",
    "bucket",
    "origin",
    "contact_email",
];

/// A CSV row as the JSON body of `POST …/applications`: empty cells are left
/// out, `target_populations` is split at `|`, `budget` is `2023:100000.00|2024:50000.00`.
fn row_as_json(table: &Table, fields: &[String]) -> Value {
    let mut object = Map::new();
    for name in APPLICATION_COLUMNS {
        let text = cell(table, fields, name);
        if text.is_empty() {
            continue;
        }
        let value = match name {
            "target_populations" => Value::Array(text.split('|').map(|s| Value::String(s.trim().to_owned())).collect()),
            "requested_amount" => Value::String(normalise_amount(text)),
            "budget" => Value::Array(
                text.split('|')
                    .map(|line| match line.split_once(':') {
                        Some((year, amount)) => json!({"year": year.trim().parse::<i64>().map_or(json!(year.trim()), |y| json!(y)), "amount": normalise_amount(amount)}),
                        None => json!(line.trim()),
                    })
                    .collect(),
            ),
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

fn in_row(row: usize, errors: Vec<FieldError>) -> impl Iterator<Item = FieldError> {
    errors.into_iter().map(move |e| {
        let column = column_of(&e.field).to_owned();
        // A budget line without `:` is text in the cell, not an object in a body.
        let message = match e.field.strip_prefix("budget[") {
            Some(rest) if rest.ends_with(']') => {
                "write each year as year:amount, separated by |, e.g. 2023:100000.00|2024:50000.00".to_owned()
            }
            _ => e.message,
        };
        FieldError::in_row(row, &column, if e.field == column { message } else { format!("{}: {}", e.field, message) })
    })
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
    let table = read_csv(&req, &body)?;
    check_columns(
        &table,
        &APPLICATION_COLUMNS,
        &["title", "applicant_party", "target_populations", "requested_amount", "starts_on", "ends_on"],
    )?;
    if table.rows.is_empty() {
        return Err(ApiError::field("body", "the file has no rows after the header"));
    }
    // Read every row first, each as the JSON body of `POST …/applications`:
    // every bad cell of a row, and the errors that need no database.
    let mut errors = Vec::new();
    let mut drafts = Vec::new();
    for (i, (_, fields)) in table.rows.iter().enumerate() {
        let row = i + 1;
        match json::from_value_all::<CreateApplication>(row_as_json(&table, fields)) {
            Err(found) => errors.extend(in_row(row, found)),
            Ok((dto, mut found)) => {
                let draft = draft_of(dto, &mut found);
                drafts.push((row, draft, found));
            }
        }
    }
    // Errors in the order of the file: by row, then by column.
    let header = table.header.clone();
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
            for (row, draft, found) in &drafts {
                match check_charter_with(c, &pool, draft.clone(), found.clone()) {
                    Ok(ok) => checked.push(ok),
                    Err(ApiError::Validation(list)) => all.extend(in_row(*row, list)),
                    Err(other) => return Err(other),
                }
            }
            if !all.is_empty() {
                all.sort_by_key(&place);
                return Err(ApiError::Validation(all));
            }
            checked.iter().map(|(charter, party_id)| save_new(c, &pool, *party_id, charter, &caller, at)).collect::<Result<Vec<i64>, _>>()
        })
        .await?;
    let body = ApplicationImport { pool: path.into_inner(), imported: ids.len(), applications: ids };
    Ok(HttpResponse::build(StatusCode::CREATED).json(body))
}
