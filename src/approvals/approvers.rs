//! Who approves by e-mail link, per cluster: `GET|PUT /api/v1/clusters/{cluster}/approvers`.

use actix_web::{HttpRequest, HttpResponse, get, http::header, put, web};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::applications::decisions::LevelDto;
use crate::db::approvals::{self as store, NewApprover};
use crate::db::pools::Actor;
use crate::db::{AnyConnection, clusters};
use crate::domain::access::Action;
use crate::domain::values::{EmailAddress, Name, Slug};
use crate::http::auth::Caller;
use crate::http::conventions::{IfMatch, content_etag, not_modified};
use crate::http::error::{ApiError, FieldError, Problem};
use crate::http::{AppState, json, now};

/// Someone who approves by e-mail link.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ApproverDto {
    /// A role title is enough: "Regional medformand, Vest".
    #[schema(example = "Regional medformand, Vest")]
    pub name: String,
    #[schema(example = "medformand.region.vest@example.org")]
    pub email: String,
    pub level: LevelDto,
    /// `regional`, `municipal`, `general_practice` …
    #[serde(default)]
    #[schema(example = "regional")]
    pub side: String,
    /// The party (slug) the approver belongs to. With `APPROVER_RECUSAL=true`
    /// an approver is not asked about their own party's applications.
    #[serde(default)]
    #[schema(example = "region-nordjylland")]
    pub party: String,
}

fn level_name(l: LevelDto) -> &'static str {
    crate::domain::workflow::Level::from(l).as_str()
}

fn load_approvers(c: &mut AnyConnection, slug: &str) -> Result<(i64, Vec<ApproverDto>), ApiError> {
    let cluster = clusters::find(c, slug)?.ok_or_else(|| ApiError::NotFound("no such cluster".into()))?;
    let list = store::approvers_of(c, cluster.id, None)?
        .into_iter()
        .map(|a| ApproverDto {
            name: a.name,
            email: a.email,
            level: if a.level == "political" { LevelDto::Political } else { LevelDto::Strategic },
            side: a.side,
            party: a.party,
        })
        .collect();
    Ok((cluster.id, list))
}

fn approvers_etag(list: &[ApproverDto]) -> String {
    content_etag(serde_json::to_string(list).unwrap_or_default().as_bytes())
}

/// The cluster's approvers, with an ETag for `PUT`.
#[utoipa::path(tag = "approvals", extensions(("x-permission" = json!("read"))), params(("cluster" = String, Path)), security(("api_key" = [])),
    responses((status = 200, description = "The cluster's approvers; the `ETag` goes in `If-Match` to replace them", body = Vec<ApproverDto>, headers(("ETag" = String))), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem)))]
#[get("/clusters/{cluster}/approvers")]
pub async fn get_approvers(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let slug = path.into_inner();
    caller.require_cluster(&slug)?;
    let (_, list) = state.db.read(move |c| load_approvers(c, &slug)).await?;
    let etag = approvers_etag(&list);
    if not_modified(&req, &etag) {
        return Ok(HttpResponse::NotModified().insert_header((header::ETAG, etag)).finish());
    }
    Ok(HttpResponse::Ok().insert_header((header::ETAG, etag)).json(list))
}

/// Replaces the cluster's approvers. Needs `If-Match` with the ETag of the list last read.
#[utoipa::path(tag = "approvals", extensions(("x-permission" = json!("manage_reference"))), params(("cluster" = String, Path), ("If-Match" = String, Header)),
    request_body = Vec<ApproverDto>, security(("api_key" = [])),
    responses((status = 200, description = "The approvers as replaced", body = Vec<ApproverDto>), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 412, body = Problem), (status = 422, body = Problem), (status = 428, body = Problem)))]
#[put("/clusters/{cluster}/approvers")]
pub async fn put_approvers(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    path: web::Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    caller.require(Action::ManageReference)?;
    let slug = path.into_inner();
    caller.require_cluster(&slug)?;
    let list: Vec<ApproverDto> = json::parse(&req, &body)?;
    let mut errors = Vec::new();
    for (i, a) in list.iter().enumerate() {
        if let Err(e) = Name::parse(&a.name, 200) {
            errors.push(FieldError::new(format!("[{i}].name"), e));
        }
        if let Err(e) = EmailAddress::parse(&a.email) {
            errors.push(FieldError::new(format!("[{i}].email"), e));
        }
        if !a.side.is_empty() {
            if let Err(e) = Name::parse(&a.side, 40) {
                errors.push(FieldError::new(format!("[{i}].side"), e));
            }
        }
        if !a.party.trim().is_empty() && Slug::parse(a.party.trim()).is_err() {
            errors.push(FieldError::new(format!("[{i}].party"), format!("'{}' is not a party of the cluster", a.party)));
        }
        if list[..i].iter().any(|b| b.email.eq_ignore_ascii_case(&a.email) && level_name(b.level) == level_name(a.level)) {
            errors.push(FieldError::new(format!("[{i}].email"), "appears twice at this level"));
        }
    }
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    let if_match = IfMatch::of(&req);
    let at = now();
    let saved = state
        .db
        .write(move |c| {
            let (cluster_id, before) = load_approvers(c, &slug)?;
            let parties = crate::db::reference::parties_of(c, cluster_id, None)?;
            let unknown: Vec<FieldError> = list
                .iter()
                .enumerate()
                .filter(|(_, a)| !a.party.trim().is_empty() && !parties.iter().any(|p| p.slug == a.party.trim()))
                .map(|(i, a)| FieldError::new(format!("[{i}].party"), format!("'{}' is not a party of the cluster", a.party)))
                .collect();
            if !unknown.is_empty() {
                return Err(ApiError::Validation(unknown));
            }
            let current = approvers_etag(&before);
            match &if_match {
                m if m.is_absent() => return Err(ApiError::PreconditionRequired),
                m if !m.matches(&current) => return Err(ApiError::PreconditionFailed { current }),
                _ => {}
            }
            let rows: Vec<NewApprover> = list
                .iter()
                .map(|a| NewApprover {
                    name: a.name.trim(),
                    email: a.email.trim(),
                    level: level_name(a.level),
                    side: a.side.trim(),
                    party: a.party.trim(),
                })
                .collect();
            let before = serde_json::to_value(&before).unwrap_or_default();
            let after = serde_json::to_value(&list).unwrap_or_default();
            let actor = caller.actor();
            let who = Actor { name: &actor, request_id: caller.request_id.as_deref(), at };
            crate::approvals::service::replace_approvers(c, cluster_id, &slug, &rows, before, after, who)?;
            Ok(load_approvers(c, &slug)?.1)
        })
        .await?;
    Ok(HttpResponse::Ok().insert_header((header::ETAG, approvers_etag(&saved))).json(saved))
}
