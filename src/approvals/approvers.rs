//! Who approves by e-mail link, per cluster: `GET|PUT /api/v1/clusters/{cluster}/approvers`.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, get, http::header, put, web};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::applications::decisions::LevelDto;
use crate::db::approvals::{self as store, NewApprover};
use crate::db::pools::Actor;
use crate::db::{AnyConnection, clusters};
use crate::domain::access::Action;
use crate::domain::approval::{ApproverRole, CO_CHAIR_SIDES};
use crate::domain::values::{EmailAddress, Name, Slug};
use crate::domain::workflow::Level;
use crate::http::auth::Caller;
use crate::http::conventions::{IfMatch, content_etag, if_none_match, validated};
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
    /// At the strategic level: `co_chair` (exactly one regional and one municipal
    /// approve by e-mail), `deputy` (answers once in place of the co-chair named
    /// in `deputy_for`) or `member` (default).
    #[serde(default)]
    pub role: ApproverRoleDto,
    /// A deputy's co-chair: their e-mail address.
    #[serde(default)]
    #[schema(example = "medformand.kommune.vest@example.org")]
    pub deputy_for: String,
}

/// What an approver is to the strategic level.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ApproverRoleDto {
    CoChair,
    Deputy,
    #[default]
    Member,
}

impl From<ApproverRoleDto> for ApproverRole {
    fn from(r: ApproverRoleDto) -> Self {
        match r {
            ApproverRoleDto::CoChair => ApproverRole::CoChair,
            ApproverRoleDto::Deputy => ApproverRole::Deputy,
            ApproverRoleDto::Member => ApproverRole::Member,
        }
    }
}

impl From<ApproverRole> for ApproverRoleDto {
    fn from(r: ApproverRole) -> Self {
        match r {
            ApproverRole::CoChair => ApproverRoleDto::CoChair,
            ApproverRole::Deputy => ApproverRoleDto::Deputy,
            ApproverRole::Member => ApproverRoleDto::Member,
        }
    }
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
            level: if Level::parse(&a.level) == Some(Level::Political) { LevelDto::Political } else { LevelDto::Strategic },
            side: a.side,
            party: a.party,
            role: ApproverRole::parse(&a.role).unwrap_or(ApproverRole::Member).into(),
            deputy_for: a.deputy_for,
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
    if let Some(not_modified) = if_none_match(&req, &etag, None) {
        return Ok(not_modified);
    }
    Ok(validated(StatusCode::OK, &etag, None).json(list))
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
        let strategic = Level::from(a.level) == Level::Strategic;
        match a.role {
            ApproverRoleDto::Member => {}
            _ if !strategic => errors.push(FieldError::new(format!("[{i}].role"), "co-chairs and deputies are of the strategic level")),
            ApproverRoleDto::CoChair => {
                if !CO_CHAIR_SIDES.contains(&a.side.as_str()) {
                    errors.push(FieldError::new(format!("[{i}].side"), "a co-chair is regional or municipal"));
                } else if list[..i]
                    .iter()
                    .any(|b| b.role == ApproverRoleDto::CoChair && Level::from(b.level) == Level::Strategic && b.side == a.side)
                {
                    errors.push(FieldError::new(format!("[{i}].role"), format!("there is already a {} co-chair", a.side)));
                }
            }
            ApproverRoleDto::Deputy => {
                let chair = list.iter().any(|b| {
                    b.role == ApproverRoleDto::CoChair
                        && Level::from(b.level) == Level::Strategic
                        && b.email.eq_ignore_ascii_case(&a.deputy_for)
                });
                if !chair {
                    errors.push(FieldError::new(format!("[{i}].deputy_for"), "must be the e-mail address of a co-chair in this list"));
                } else if list[..i].iter().any(|b| b.role == ApproverRoleDto::Deputy && b.deputy_for.eq_ignore_ascii_case(&a.deputy_for)) {
                    errors.push(FieldError::new(format!("[{i}].deputy_for"), "a co-chair has one deputy"));
                }
            }
        }
        if a.role != ApproverRoleDto::Deputy && !a.deputy_for.trim().is_empty() {
            errors.push(FieldError::new(format!("[{i}].deputy_for"), "only a deputy names a co-chair"));
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
                    role: ApproverRole::from(a.role).as_str(),
                    deputy_for: a.deputy_for.trim(),
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
