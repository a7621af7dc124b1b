//! `GET /api/v1/reports/political?cluster=&year=`: the year told to the
//! political level, as JSON, a printable HTML page or a Word file.

use actix_web::http::header::{self, ContentDisposition, DispositionParam, DispositionType};
use actix_web::{HttpRequest, HttpResponse, get, web};
use serde::Deserialize;
use utoipa::IntoParams;

use super::report::PoliticalReport;
use super::view::ReportView;
use crate::db::StoreError;
use crate::domain::access::Action;
use crate::domain::values::{Slug, Year};
use crate::http::auth::Caller;
use crate::http::error::{ApiError, FieldError, Problem};
use crate::http::{AppState, negotiate, now};

const HTML: &str = "text/html";
const DOCX: &str = crate::meetings::http::DOCX;

#[derive(Debug, Deserialize, IntoParams)]
pub struct PoliticalReportQuery {
    /// The cluster's slug, e.g. `vest`.
    #[param(value_type = String, required = true, example = "vest")]
    pub cluster: Option<String>,
    /// The year, e.g. 2022.
    #[param(value_type = i32, required = true, minimum = 2000, maximum = 2100)]
    pub year: Option<String>,
}

/// The cluster and the year, every bad parameter at once.
fn parse(query: &PoliticalReportQuery) -> Result<(Slug, Year), ApiError> {
    let mut errors = Vec::new();
    let cluster = match query.cluster.as_deref() {
        None | Some("") => {
            errors.push(FieldError::new("cluster", "is required: the cluster's slug, e.g. cluster=vest"));
            None
        }
        Some(text) => Slug::parse(text).map_err(|e| errors.push(FieldError::new("cluster", e))).ok(),
    };
    let year = match crate::reports::status::parse_year(query.year.as_deref()) {
        Ok(y) => Some(y),
        Err(ApiError::Validation(mut e)) => {
            errors.append(&mut e);
            None
        }
        Err(other) => return Err(other),
    };
    match (cluster, year) {
        (Some(c), Some(y)) if errors.is_empty() => Ok((c, y)),
        _ => Err(ApiError::Validation(errors)),
    }
}

/// The year told to the political level (the seeds' "klædes godt på"): the
/// year's pools and their allocation models, every grant with the meetings
/// that decided it (forum, date, "pkt. n", reference) and its amount, the
/// money by target population and by applying party (each summing to the
/// granted total to the øre), the carry-overs and their political sign-off,
/// and each project's follow-up. JSON (default), printable HTML
/// (`Accept: text/html`, Danish, A4) or Word
/// (`Accept: application/vnd.openxmlformats-officedocument.wordprocessingml.document`).
#[utoipa::path(operation_id = "get_political_report", extensions(("x-permission" = json!("read"))), tag = "reports",
    params(PoliticalReportQuery), security(("api_key" = [])),
    responses((status = 200, description = "The report", content(
            (PoliticalReport = "application/json"),
            (String = "text/html"),
            (Vec<u8> = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"))),
        (status = 401, body = Problem), (status = 403, body = Problem),
        (status = 404, body = Problem, description = "No such cluster"),
        (status = 406, body = Problem), (status = 422, body = Problem, description = "The cluster or year is missing or not valid")))]
#[get("/reports/political")]
pub async fn political_report(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    query: web::Query<PoliticalReportQuery>,
) -> Result<HttpResponse, ApiError> {
    caller.require(Action::Read)?;
    let media = negotiate::media_type(&req, &[negotiate::JSON, HTML, DOCX])?;
    let (cluster, year) = parse(&query)?;
    caller.require_cluster(cluster.as_str())?;
    let (at, today) = (now(), state.follow_up.clock.today());
    let slug = cluster.to_string();
    let report = state
        .db
        .read(move |c| {
            let row = crate::db::clusters::find(c, &slug)?.ok_or_else(|| ApiError::NotFound(format!("no cluster '{slug}'")))?;
            super::load::load(c, &row, year, at, today).map_err(ApiError::from)
        })
        .await?;
    let mut res = HttpResponse::Ok();
    res.insert_header((header::VARY, negotiate::VARY));
    let corrupt =
        |what: &str, e: &dyn std::fmt::Display| ApiError::Store(StoreError::Corrupt(format!("the {what} could not be written: {e}")));
    Ok(match media {
        HTML => {
            let page = super::html::render_html(&ReportView::of(&report)).map_err(|e| corrupt("page", &e))?;
            res.content_type("text/html; charset=utf-8").body(page)
        }
        DOCX => {
            let file = super::word::render_docx(&ReportView::of(&report)).map_err(|e| corrupt("Word file", &e))?;
            res.content_type(DOCX)
                .insert_header(ContentDisposition {
                    disposition: DispositionType::Attachment,
                    parameters: vec![DispositionParam::Filename(format!("politisk-aarsrapport-{}-{}.docx", report.cluster, report.year))],
                })
                .body(file)
        }
        _ => res.json(report),
    })
}
