//! CSV imports, and the first of them: population counts (the applications
//! import is in `import_applications.rs`). All or nothing: every bad cell of every row is listed in one 422 problem, and a
//! file with any error writes nothing. Both dialects are read (the separator
//! is detected; a decimal comma is accepted). A file whose header is Danish
//! (as the `excel-da` export writes it) is read as that export writes it:
//! Danish words for codes, `150.000,00` amounts, `01-09-2022` dates, so a
//! finance officer can export, edit in Excel and import again.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, get, put, web};
use serde::Serialize;
use utoipa::ToSchema;

use crate::db::pools::Actor;
use crate::db::population::{self, PopulationCount};
use crate::db::reference::TargetPopulationRow;
use crate::db::{clusters, reference};
use crate::domain::access::Action;
use crate::domain::values::Year;
use crate::http::auth::Caller;
use crate::http::error::{ApiError, FieldError, Problem};
use crate::http::{AppState, now};
use crate::tabular::{Column, Dialect, Table, col, unguard, whole_number};

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
pub(crate) fn read_csv(req: &HttpRequest, body: &[u8]) -> Result<Table, ApiError> {
    let ct = req.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("");
    let essence = ct.split(';').next().unwrap_or("").trim().to_ascii_lowercase();
    if essence != "text/csv" && essence != "text/plain" {
        return Err(ApiError::UnsupportedMediaType(format!("send the file as text/csv (got {essence:?})")));
    }
    Table::read(body).map_err(|e| ApiError::field("body", format!("the CSV file {e}")))
}

/// An uploaded file with its columns found: which known field is in which
/// column, and whether the header (so every cell) is Danish.
pub(crate) struct Sheet {
    pub(crate) table: Table,
    /// `ExcelDa` when the header names a column in Danish.
    pub(crate) dialect: Dialect,
    /// The known fields present, by English name, and their position.
    positions: Vec<(&'static str, usize)>,
}

impl Sheet {
    /// Finds the columns, refusing unknown and missing ones before any row is
    /// looked at. Columns may be named in English or in Danish; `read_only`
    /// columns (what an export says about an application) are passed over.
    pub(crate) fn new(table: Table, known: &[Column], read_only: &[Column], required: &[&str]) -> Result<Sheet, ApiError> {
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
    pub(crate) fn cell<'a>(&self, fields: &'a [String], name: &str) -> &'a str {
        let text = self.positions.iter().find(|(n, _)| *n == name).and_then(|(_, i)| fields.get(*i)).map_or("", |s| s.trim());
        if self.dialect == Dialect::ExcelDa { unguard(text) } else { text }
    }

    /// A field's column as the file names it.
    pub(crate) fn column_name(&self, name: &str) -> String {
        self.positions
            .iter()
            .find(|(n, _)| *n == name)
            .and_then(|(_, i)| self.table.header.get(*i))
            .cloned()
            .unwrap_or_else(|| name.to_owned())
    }

    /// A bad cell: `field` is `rows[3].requested_amount`, `column` as in the header.
    pub(crate) fn error(&self, row: usize, name: &str, message: impl std::fmt::Display) -> FieldError {
        FieldError {
            field: format!("rows[{row}].{name}"),
            message: message.to_string(),
            row: Some(row),
            column: Some(self.column_name(name)),
        }
    }
}

/// A target population named by its code or (in Danish) by its Danish name, any case.
pub(crate) fn population_code<'a>(catalogue: &'a [TargetPopulationRow], text: &'a str) -> &'a str {
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
