//! An application as its answers show it: after a read, after a
//! registration (nothing read) and after a workflow step (from what the step
//! saved), and the response with its `ETag` and `Location`.

use actix_web::HttpResponse;
use actix_web::http::{StatusCode, header};

use super::http::{ApplicationDto, BudgetLineDto, CriterionAnswerDto, ExpenseKindDto, StepDto};
use crate::db::applications::{self as store, StoredApplication};
use crate::db::{AnyConnection, grants};
use crate::domain::workflow::ApplicationState;
use crate::http::conventions::version_etag;
use crate::http::error::ApiError;
use crate::http::utc;

/// Everything the response shows, loaded in the transaction or read.
pub(crate) fn load_dto(conn: &mut AnyConnection, id: i64) -> Result<ApplicationDto, ApiError> {
    let app = store::find(conn, id)?.ok_or_else(|| ApiError::NotFound(format!("no application {id}")))?;
    let steps = crate::db::steps::of(conn, id)?;
    let grant_id = grants::for_application(conn, id)?.map(|g| g.id);
    let meetings = super::meetings::meeting_refs(conn, &[id])?.remove(&id).unwrap_or_default();
    let mut dto = to_dto(app, steps, grant_id, meetings);
    dto.attachments = crate::attachments::dto::listed(conn, crate::domain::attachment::Parent::Application(id))?;
    Ok(dto)
}

/// The answer after a workflow step, from what the step saved: only the
/// meetings and attachments, which no step changes, are read. A draft is on
/// no agenda (`domain::meeting::forums_for`), so a step from a draft reads
/// only the attachments.
pub(crate) fn advanced_dto(conn: &mut AnyConnection, done: super::service::Advanced) -> Result<ApplicationDto, ApiError> {
    let id = done.application.id;
    let meetings = match done.before {
        ApplicationState::Draft => Vec::new(),
        _ => super::meetings::meeting_refs(conn, &[id])?.remove(&id).unwrap_or_default(),
    };
    let mut dto = to_dto(done.application, done.steps, done.grant_id, meetings);
    dto.attachments = crate::attachments::dto::listed(conn, crate::domain::attachment::Parent::Application(id))?;
    Ok(dto)
}

/// The answer for a draft just registered: nothing to read, as it has no
/// steps, grant, meeting or attachment yet.
pub(crate) fn new_draft_dto(app: StoredApplication) -> ApplicationDto {
    to_dto(app, Vec::new(), None, Vec::new())
}

pub(super) fn to_dto(
    app: StoredApplication,
    steps: Vec<crate::db::steps::StepRow>,
    grant_id: Option<i64>,
    meetings: Vec<super::meetings::MeetingRefDto>,
) -> ApplicationDto {
    let c = app.charter;
    let (recommended, approved, awaiting, rejected_by) = match app.state {
        ApplicationState::Recommended { amount } => (Some(amount.to_string()), None, None, None),
        ApplicationState::Reserved { awaiting, .. } => (None, None, Some(awaiting.as_str().to_owned()), None),
        ApplicationState::Approved { amount } => (None, Some(amount.to_string()), None, None),
        ApplicationState::Rejected { by } => (None, None, None, Some(by.as_str().to_owned())),
        _ => (None, None, None, None),
    };
    let recommended = recommended.or_else(|| {
        steps
            .iter()
            .rev()
            .find(|s| s.kind() == Some(crate::domain::step::StepKind::Recommendation))
            .and_then(|s| s.amount_ore)
            .and_then(crate::domain::money::Money::from_ore)
            .map(|m| m.to_string())
    });
    ApplicationDto {
        id: app.id,
        pool: app.pool.to_string(),
        title: c.title,
        applicant_party: c.applicant_party,
        partner_parties: c.partner_parties,
        target_populations: c.target_populations,
        purpose: c.purpose,
        goals: c.goals,
        organisation: c.organisation,
        evaluation: c.evaluation,
        expense_kind: ExpenseKindDto::Development,
        requested_amount: c.requested.to_string(),
        budget: c.budget.iter().map(|l| BudgetLineDto { year: i64::from(l.year.get()), amount: l.amount.to_string() }).collect(),
        starts_on: c.starts_on,
        ends_on: c.ends_on,
        bucket: c.bucket.into(),
        origin: c.origin.into(),
        contact_email: c.contact_email,
        criteria: c.criteria.into_iter().map(|a| CriterionAnswerDto { criterion: a.criterion, answer: a.answer }).collect(),
        status: app.state.name().to_owned(),
        recommended_amount: recommended,
        reserved_amount: app.state.reserved().to_string(),
        approved_amount: approved,
        awaiting,
        rejected_by,
        grant_id,
        received_on: app.received_on,
        referred: app.referred,
        steps: steps
            .into_iter()
            .map(|s| StepDto {
                step: s.step,
                outcome: s.outcome,
                amount: s.amount_ore.and_then(crate::domain::money::Money::from_ore).map(|m| m.to_string()),
                meeting_date: s.meeting_date,
                reference: s.reference,
                note: s.note,
                actor: s.actor,
                recorded_at: utc(s.recorded_at),
                meeting: s.meeting_id,
            })
            .collect(),
        meetings,
        attachments: Vec::new(),
        version: app.version,
        submitted_at: app.submitted_at.map(utc),
        decided_at: app.decided_at.map(utc),
        created_at: utc(app.created_at),
        updated_at: utc(app.updated_at),
    }
}

pub(crate) fn application_response(dto: ApplicationDto, status: StatusCode) -> HttpResponse {
    HttpResponse::build(status)
        .insert_header((header::ETAG, version_etag(dto.version)))
        .insert_header((header::LOCATION, format!("/api/v1/applications/{}", dto.id)))
        .json(dto)
}
