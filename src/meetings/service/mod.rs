//! Meetings: the only code that composes the meeting rules with storage
//! and writes their audit trail. A new meeting takes up the forum's
//! postponed items; an item is put before the forum whose turn it is, with
//! its indstilling drafted from the case's own figures. The outcomes of a
//! sitting are in [`sitting`].

pub mod sitting;

use chrono::NaiveDate;

use crate::db::applications::{self as applications, StoredApplication};
use crate::db::audit::{self, AuditEvent};
use crate::db::meetings::{self as store, ItemRow, MeetingRow, NewItem, NewMeeting};
use crate::db::pools::{self, Actor, StoredPool};
use crate::db::{AnyConnection, StoreError, amendments, carry_overs, grants, ledger, reference};
use crate::domain::allocation::AllocationModel;
use crate::domain::carry_over::CarryOverState;
use crate::domain::eligibility::{describe_da, sectors_of};
use crate::domain::meeting::indstilling::{self, AmendmentCase, ApplicationCase, CarryOverCase, Draft};
use crate::domain::meeting::{Forum, ItemKind, ItemOutcome, MeetingRule, MeetingState, amendment_decision, check_forum};
use crate::domain::money::Money;
use crate::domain::values::PoolKey;
use crate::domain::workflow::ApplicationState;

/// Why a meeting or an item could not be changed.
#[derive(Debug, thiserror::Error)]
pub enum MeetingError {
    #[error("{0}")]
    NotFound(String),
    #[error("the meeting was held on {0}; its agenda and outcomes can no longer change")]
    Held(NaiveDate),
    #[error(transparent)]
    Rule(#[from] MeetingRule),
    #[error("{0}")]
    Conflict(String),
    #[error("{0} is already on this meeting's agenda (item {1})")]
    AlreadyOnAgenda(String, i32),
    #[error("the meeting changed meanwhile; read it again and retry")]
    Changed,
    /// The outcomes of a sitting that cannot be recorded, by their index in the request.
    #[error("{} of the outcomes cannot be recorded", .0.len())]
    Sitting(Vec<(Option<usize>, sitting::ItemFailure)>),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<diesel::result::Error> for MeetingError {
    fn from(e: diesel::result::Error) -> Self {
        MeetingError::Store(e.into())
    }
}

/// What an agenda item is about, as asked for.
#[derive(Debug, Clone)]
pub enum Subject {
    Application(i64),
    CarryOver(i64),
    Model {
        pool: PoolKey,
        proposed: Option<AllocationModel>,
    },
    Note {
        title: String,
        text: String,
    },
    Amendment(i64),
    /// A grant's status: a standing item of the strategic level.
    GrantStatus(i64),
}

/// Creates a meeting and takes up the forum's postponed items that no
/// meeting has taken up yet.
pub fn create(conn: &mut AnyConnection, new: &NewMeeting<'_>, actor: Actor<'_>) -> Result<MeetingRow, MeetingError> {
    let meeting = store::insert(conn, new)?;
    let mut carried = Vec::new();
    for waiting in store::waiting_postponed(conn, new.cluster_id, new.forum, new.date)? {
        carried.push(carry_on(conn, &waiting, &meeting, actor.at)?.number);
    }
    audit::record(
        conn,
        &AuditEvent {
            at: actor.at,
            actor: actor.name,
            action: "meeting.created",
            subject: format!("meeting:{}", meeting.id),
            before: None,
            after: Some(serde_json::json!({
                "forum": new.forum.as_str(), "date": new.date, "title": new.title, "postponed_items_taken_up": carried,
            })),
            request_id: actor.request_id,
        },
    )?;
    Ok(store::find(conn, meeting.id)?.unwrap_or(meeting))
}

/// Puts a postponed item onto `meeting` with its texts as they were.
pub(super) fn carry_on(
    conn: &mut AnyConnection,
    item: &ItemRow,
    meeting: &MeetingRow,
    at: chrono::NaiveDateTime,
) -> Result<ItemRow, MeetingError> {
    let model = item.model_kind.as_deref().map(|k| (k, item.model_share_ppm));
    let copy = store::insert_item(
        conn,
        &NewItem {
            meeting_id: meeting.id,
            kind: item.kind()?,
            application_id: item.application_id,
            carry_over_id: item.carry_over_id,
            pool_id: item.pool_id,
            model,
            title: &item.title,
            case_text: &item.paragraphs(),
            proposals: &item.proposals(),
            postponed_from: Some(item.id),
            amendment_id: item.amendment_id,
            grant_id: item.grant_id,
        },
    )?;
    store::set_carried_to(conn, item.id, copy.id)?;
    store::touch(conn, meeting.id, at)?;
    Ok(copy)
}

fn planned(meeting: &MeetingRow) -> Result<Forum, MeetingError> {
    match meeting.state()? {
        MeetingState::Planned => Ok(meeting.forum()?),
        MeetingState::Held => Err(MeetingError::Held(meeting.date)),
    }
}

/// Adds an item to a planned meeting, with its drafted indstilling.
pub fn add_item(conn: &mut AnyConnection, meeting: &MeetingRow, subject: &Subject, actor: Actor<'_>) -> Result<ItemRow, MeetingError> {
    let forum = planned(meeting)?;
    let existing = store::items(conn, meeting.id)?;
    let (draft, new) = match subject {
        Subject::Application(id) => {
            let app = applications::find(conn, *id)?.ok_or_else(|| MeetingError::NotFound(format!("no application {id}")))?;
            let pool = pool_of_cluster(conn, app.pool_id, meeting)?;
            check_forum(forum, app.state, pool.pool.policy.recommendation_required)?;
            if let Some(on) = existing.iter().find(|i| i.application_id == Some(*id)) {
                return Err(MeetingError::AlreadyOnAgenda(format!("application {id}"), on.number));
            }
            let draft = draft_application(conn, forum, &app, &pool)?;
            (draft, (Some(*id), None, Some(pool.id), None))
        }
        Subject::CarryOver(id) => {
            let row = carry_overs::find(conn, *id)?.ok_or_else(|| MeetingError::NotFound(format!("no carry-over {id}")))?;
            let pool = pool_of_cluster(conn, row.source_pool_id, meeting)?;
            if row.state()? != CarryOverState::Proposed || row.approved_before_closing {
                return Err(MeetingError::Conflict(format!("carry-over {id} is already decided ({})", row.state)));
            }
            if forum == Forum::OperationsForum {
                return Err(MeetingRule::Outcome("a carry-over goes before the strategic or the political level").into());
            }
            if let Some(on) = existing.iter().find(|i| i.carry_over_id == Some(*id)) {
                return Err(MeetingError::AlreadyOnAgenda(format!("carry-over {id}"), on.number));
            }
            let case = CarryOverCase {
                forum,
                from_year: pool.pool.key.year.get(),
                to_year: row.to_year,
                amount: if row.at_closing { row.asked_ore.and_then(Money::from_ore) } else { Some(row.amount()?) },
                recommendation_reference: &row.recommendation_reference,
            };
            (indstilling::carry_over(&case), (None, Some(*id), Some(pool.id), None))
        }
        Subject::Model { pool, proposed } => {
            if forum != Forum::Strategic {
                return Err(MeetingRule::Outcome("the allocation model is decided by the strategic level").into());
            }
            let stored = pools::find(conn, pool)?.ok_or_else(|| MeetingError::NotFound(format!("no pool {pool}")))?;
            let stored = pool_of_cluster(conn, stored.id, meeting)?;
            let balances = ledger::balances(conn, stored.id)?;
            let status = crate::domain::ledger::PoolStatus::from_balances(stored.pool.model, &balances)
                .map_err(|e| StoreError::Corrupt(e.to_string()))?;
            let total = status.overall.total;
            let draft = indstilling::model(stored.pool.key.year.get(), total, stored.pool.model, *proposed);
            let model = proposed.map(|m| match m {
                AllocationModel::Split { upfront_share } => (m.kind(), i32::try_from(upfront_share.ppm()).ok()),
                other => (other.kind(), None),
            });
            (draft, (None, None, Some(stored.id), model))
        }
        Subject::Note { title, text } => (indstilling::note(title, text), (None, None, None, None)),
        Subject::Amendment(id) => {
            let stored = amendments::find(conn, *id)?.ok_or_else(|| MeetingError::NotFound(format!("no amendment {id}")))?;
            let grant = grants::find(conn, stored.grant_id)?.ok_or_else(|| StoreError::Corrupt(format!("amendment {id}: no grant")))?;
            let pool = pool_of_cluster(conn, grant.pool_id, meeting)?;
            amendment_decision(forum, stored.amendment.awaiting, ItemOutcome::Postponed)?;
            if let Some(on) = existing.iter().find(|i| i.amendment_id == Some(*id)) {
                return Err(MeetingError::AlreadyOnAgenda(format!("amendment {id}"), on.number));
            }
            let a = &stored.amendment;
            let case = AmendmentCase {
                forum,
                title: &grant.application_title,
                before: a.before.amount,
                after: a.after.amount,
                ends_before: a.before.ends_on,
                ends_after: a.after.ends_on,
                reason: &stored.reason,
                available: ledger::balances(conn, pool.id)?.available(grant.grant.bucket),
            };
            (indstilling::amendment(&case), (None, None, Some(pool.id), None))
        }
        Subject::GrantStatus(id) => {
            let grant = grants::find(conn, *id)?.ok_or_else(|| MeetingError::NotFound(format!("no grant {id}")))?;
            let pool = pool_of_cluster(conn, grant.pool_id, meeting)?;
            if forum == Forum::Political {
                return Err(
                    MeetingRule::Outcome("a project's status is a standing item of the operations forum and the strategic level").into()
                );
            }
            let reports = crate::db::follow_up::reports_of(conn, *id)?;
            let latest = reports.last().map(|r| (r.progress.words_da(), r.text.as_str()));
            let draft = indstilling::grant_status(&grant.application_title, grant.grant.amount, grant.grant.disbursed, latest);
            (draft, (None, None, Some(pool.id), None))
        }
    };
    let (application_id, carry_over_id, pool_id, model) = new;
    let item = store::insert_item(
        conn,
        &NewItem {
            meeting_id: meeting.id,
            kind: kind_of(subject),
            application_id,
            carry_over_id,
            pool_id,
            model,
            title: &draft.title,
            case_text: &draft.case_text,
            proposals: &draft.proposals,
            postponed_from: None,
            amendment_id: match subject {
                Subject::Amendment(id) => Some(*id),
                _ => None,
            },
            grant_id: match subject {
                Subject::GrantStatus(id) => Some(*id),
                _ => None,
            },
        },
    )?;
    store::touch(conn, meeting.id, actor.at)?;
    audit::record(
        conn,
        &AuditEvent {
            at: actor.at,
            actor: actor.name,
            action: "meeting.item_added",
            subject: format!("meeting:{}", meeting.id),
            before: None,
            after: Some(serde_json::json!({
                "item": item.number, "kind": item.kind, "application": application_id, "carry_over": carry_over_id, "title": item.title,
            })),
            request_id: actor.request_id,
        },
    )?;
    Ok(item)
}

fn kind_of(subject: &Subject) -> ItemKind {
    match subject {
        Subject::Application(_) => ItemKind::Application,
        Subject::CarryOver(_) => ItemKind::CarryOver,
        Subject::Model { .. } => ItemKind::Model,
        Subject::Note { .. } => ItemKind::Note,
        Subject::Amendment(_) => ItemKind::Amendment,
        Subject::GrantStatus(_) => ItemKind::GrantStatus,
    }
}

/// The pool, refused when it is not of the meeting's cluster.
fn pool_of_cluster(conn: &mut AnyConnection, pool_id: i64, meeting: &MeetingRow) -> Result<StoredPool, MeetingError> {
    let pool = pools::find_by_id(conn, pool_id)?.ok_or_else(|| StoreError::Corrupt(format!("no pool {pool_id}")))?;
    if pool.cluster_id != meeting.cluster_id {
        return Err(MeetingError::Conflict(format!("{} is not a pool of this meeting's cluster", pool.pool.key)));
    }
    Ok(pool)
}

/// What the forum's decision would grant or reserve: the recommended (or
/// requested) amount, or what is reserved for the political level.
pub fn amount_at_stake(app: &StoredApplication) -> Money {
    match app.state {
        ApplicationState::Recommended { amount } | ApplicationState::Reserved { amount, .. } => amount,
        _ => app.charter.requested,
    }
}

/// The party's name and the target populations' Danish names.
pub fn names(conn: &mut AnyConnection, cluster_id: i64, app: &StoredApplication) -> Result<(String, Vec<String>), StoreError> {
    let party = reference::find_party(conn, cluster_id, &app.charter.applicant_party)?
        .map_or_else(|| app.charter.applicant_party.clone(), |p| p.name);
    let all = reference::target_populations(conn)?;
    let populations = app
        .charter
        .target_populations
        .iter()
        .map(|code| all.iter().find(|p| &p.code == code).map_or_else(|| code.clone(), |p| p.name_da.clone()))
        .collect();
    Ok((party, populations))
}

/// The partners by name, the sectors they span, and each criterion's answer, in Danish.
pub fn eligibility_da(conn: &mut AnyConnection, cluster_id: i64, app: &StoredApplication) -> Result<Vec<String>, StoreError> {
    let mut partners = Vec::new();
    for slug in &app.charter.partner_parties {
        partners.push(reference::find_party(conn, cluster_id, slug)?.map_or_else(|| slug.clone(), |p| p.name));
    }
    let sectors = sectors_of(&app.party_kinds);
    let mut lines = Vec::new();
    if !partners.is_empty() {
        lines.push(format!("Projektet gennemføres sammen med {}.", indstilling::listing(&partners)));
    }
    lines.extend(describe_da(&app.charter.checked_against, &app.charter.criteria, &sectors));
    Ok(lines)
}

fn draft_application(conn: &mut AnyConnection, forum: Forum, app: &StoredApplication, pool: &StoredPool) -> Result<Draft, MeetingError> {
    let (applicant, target_populations) = names(conn, pool.cluster_id, app)?;
    let amount = amount_at_stake(app);
    let policy = &pool.pool.policy;
    let available = ledger::balances(conn, pool.id)?.available(app.charter.bucket);
    // What is reserved for this case already counts as used; show what the bucket had before it.
    let available = match app.state {
        ApplicationState::Reserved { amount, .. } => available.checked_add(amount).unwrap_or(available),
        _ => available,
    };
    let recommended = match app.state {
        ApplicationState::Recommended { amount } => Some(amount),
        _ => None,
    };
    let case = ApplicationCase {
        forum,
        title: &app.charter.title,
        purpose: &app.charter.purpose,
        applicant: &applicant,
        eligibility: eligibility_da(conn, pool.cluster_id, app)?,
        target_populations,
        requested: app.charter.requested,
        recommended,
        amount,
        bucket: app.charter.bucket,
        available,
        political_sign_off: forum == Forum::Strategic && !policy.political_threshold.is_zero() && amount >= policy.political_threshold,
        within_forum_limit: forum == Forum::OperationsForum && policy.operations_forum_limit.is_some_and(|l| amount <= l),
    };
    Ok(indstilling::application(&case))
}

/// The secretariat's own words for an item (the figures stay computed).
pub struct Edit {
    pub title: Option<String>,
    pub case_text: Option<Vec<String>>,
    pub proposals: Option<Vec<String>>,
}

/// Saves an edit of a planned meeting's item; `Changed` when it was edited meanwhile.
pub fn edit_item(
    conn: &mut AnyConnection,
    meeting: &MeetingRow,
    item: &ItemRow,
    edit: &Edit,
    actor: Actor<'_>,
) -> Result<ItemRow, MeetingError> {
    planned(meeting)?;
    let title = edit.title.clone().unwrap_or_else(|| item.title.clone());
    let case_text = edit.case_text.clone().unwrap_or_else(|| item.paragraphs());
    let proposals = edit.proposals.clone().unwrap_or_else(|| item.proposals());
    let saved = store::edit_item(conn, item, &title, &case_text, &proposals)?.ok_or(MeetingError::Changed)?;
    store::touch(conn, meeting.id, actor.at)?;
    audit::record(
        conn,
        &AuditEvent {
            at: actor.at,
            actor: actor.name,
            action: "meeting.item_edited",
            subject: format!("meeting:{}", meeting.id),
            before: Some(serde_json::json!({"item": item.number, "title": item.title, "proposals": item.proposals()})),
            after: Some(serde_json::json!({"item": saved.number, "title": saved.title, "proposals": saved.proposals()})),
            request_id: actor.request_id,
        },
    )?;
    Ok(saved)
}
