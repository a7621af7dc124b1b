//! Carry-over, the storage side: proposing (holding the money on the closed
//! pool) and concluding (moving it, or giving it back) inside the caller's
//! write transaction. Meeting decisions and e-mail approval both end here.

use chrono::NaiveDate;

use crate::db::approvals;
use crate::db::audit::{self, AuditEvent};
use crate::db::carry_overs::{self as store, CarryOverRow, Decision, NewCarryOver};
use crate::db::ledger;
use crate::db::pools::{self, Actor, StoredPool};
use crate::db::{AnyConnection, StoreError};
use crate::domain::allocation::{AllocationModel, Bucket};
use crate::domain::carry_over::{self as rules, CarryOverError, CarryOverState, Proposal, Target};
use crate::domain::pool::{NewPool, PoolState};
use crate::domain::values::{PoolKey, Year};

#[derive(Debug, thiserror::Error)]
pub enum CarryOverFailure {
    #[error(transparent)]
    Rule(#[from] CarryOverError),
    #[error("carry-over {0} from this pool to that year is already proposed and awaits political sign-off")]
    AlreadyOpen(i64),
    #[error("the carry-over changed meanwhile; read it again")]
    Changed,
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<diesel::result::Error> for CarryOverFailure {
    fn from(e: diesel::result::Error) -> Self {
        CarryOverFailure::Store(e.into())
    }
}

/// The strategic recommendation a proposal rests on.
pub struct Recommendation<'a> {
    pub reference: &'a str,
    pub date: Option<NaiveDate>,
    pub note: &'a str,
    /// The model of the target pool if this carry-over has to create it.
    pub target_model: Option<AllocationModel>,
}

fn target_key(source: &StoredPool, year: Year) -> PoolKey {
    PoolKey { cluster: source.pool.key.cluster.clone(), year }
}

/// The target as it is now, or as it will be created (draft, the source's
/// model unless the proposal states one).
fn target_of(
    conn: &mut AnyConnection,
    source: &StoredPool,
    year: Year,
    model: Option<AllocationModel>,
) -> Result<(Target, Option<StoredPool>), StoreError> {
    Ok(match pools::find(conn, &target_key(source, year))? {
        Some(t) => (Target { model: t.pool.model, state: t.pool.state }, Some(t)),
        None => (Target { model: model.unwrap_or(source.pool.model), state: PoolState::Draft }, None),
    })
}

/// What a proposal came to: a new carry-over, or the open one it repeats.
pub enum Proposed {
    New(CarryOverRow),
    /// The same proposal again (a retry): nothing written.
    Again(CarryOverRow),
}

/// Whether `open` is what `proposal` asks for: a retry of the same proposal.
fn repeats(open: &CarryOverRow, proposal: &Proposal, why: &Recommendation<'_>) -> bool {
    proposal.amount.is_none_or(|a| a.ore() == open.amount_ore)
        && proposal.bucket.is_none_or(|b| b.as_str() == open.bucket)
        && why.reference == open.recommendation_reference
}

/// Proposes carrying what is left (or `proposal.amount`) of the closed
/// `source` pool to `proposal.to_year`, and holds it there. The same
/// proposal again finds the open one; another one is refused while it is open.
pub fn propose(
    conn: &mut AnyConnection,
    source: &StoredPool,
    proposal: &Proposal,
    why: &Recommendation<'_>,
    actor: Actor<'_>,
) -> Result<Proposed, CarryOverFailure> {
    if let Some(open) = store::open_of(conn, source.id, proposal.to_year.get())? {
        if repeats(&open, proposal, why) {
            return Ok(Proposed::Again(open));
        }
        return Err(CarryOverFailure::AlreadyOpen(open.id));
    }
    if source.pool.state == PoolState::Open {
        return propose_at_closing(conn, source, proposal, why, actor);
    }
    let balances = ledger::balances(conn, source.id)?;
    let available: Vec<(Bucket, _)> = source.pool.model.buckets().iter().map(|b| (*b, balances.available(*b))).collect();
    let (target, existing) = target_of(conn, source, proposal.to_year, why.target_model)?;
    let plan = rules::propose(&source.pool, &available, target, proposal)?;
    let row = store::insert(
        conn,
        &NewCarryOver {
            cluster_id: source.cluster_id,
            source_pool_id: source.id,
            to_year: plan.to_year.get(),
            bucket: plan.bucket,
            amount: plan.amount,
            recommendation_reference: why.reference,
            recommendation_date: why.date,
            // A model only matters when the target is created by this carry-over.
            target_model: if existing.is_some() { None } else { why.target_model },
            note: why.note,
            proposed_by: actor.name,
            proposed_at: actor.at,
            at_closing: false,
            asked: None,
        },
    )?;
    ledger::post_carry_over(conn, source.id, row.id, &plan.hold, actor.name, actor.at)?;
    audit::record(
        conn,
        &AuditEvent {
            at: actor.at,
            actor: actor.name,
            action: "carry_over.proposed",
            subject: format!("carry_over:{}", row.id),
            before: None,
            after: Some(serde_json::json!({
                "pool": source.pool.key.to_string(),
                "to_year": plan.to_year.get(),
                "bucket": plan.bucket.as_str(),
                "amount": plan.amount.to_string(),
                "held": plan.parts.iter().map(|(b, m)| (b.as_str(), m.to_string())).collect::<std::collections::BTreeMap<_, _>>(),
                "recommendation_reference": why.reference,
            })),
            request_id: actor.request_id,
        },
    )?;
    Ok(Proposed::New(row))
}

/// A proposal on an open pool: what will be left at closing (or the amount
/// asked). Nothing is held until the pool closes.
fn propose_at_closing(
    conn: &mut AnyConnection,
    source: &StoredPool,
    proposal: &Proposal,
    why: &Recommendation<'_>,
    actor: Actor<'_>,
) -> Result<Proposed, CarryOverFailure> {
    let (target, existing) = target_of(conn, source, proposal.to_year, why.target_model)?;
    let plan = rules::propose_at_closing(&source.pool, target, proposal)?;
    // Until the pool closes, the amount shown is what is available now (at most the amount asked).
    let balances = ledger::balances(conn, source.id)?;
    let now_available =
        Bucket::ALL.into_iter().fold(crate::domain::money::Money::ZERO, |s, b| s.checked_add(balances.available(b)).unwrap_or(s));
    let estimate = rules::amount_at_closing(plan.amount, now_available).ok_or(rules::CarryOverError::NothingLeft)?;
    let row = store::insert(
        conn,
        &NewCarryOver {
            cluster_id: source.cluster_id,
            source_pool_id: source.id,
            to_year: plan.to_year.get(),
            bucket: plan.bucket,
            amount: estimate,
            recommendation_reference: why.reference,
            recommendation_date: why.date,
            target_model: if existing.is_some() { None } else { why.target_model },
            note: why.note,
            proposed_by: actor.name,
            proposed_at: actor.at,
            at_closing: true,
            asked: plan.amount,
        },
    )?;
    audit::record(
        conn,
        &AuditEvent {
            at: actor.at,
            actor: actor.name,
            action: "carry_over.proposed",
            subject: format!("carry_over:{}", row.id),
            before: None,
            after: Some(serde_json::json!({
                "pool": source.pool.key.to_string(),
                "to_year": plan.to_year.get(),
                "bucket": plan.bucket.as_str(),
                "amount": plan.amount.map_or_else(|| "what is left at closing".to_owned(), |a| a.to_string()),
                "at_closing": true,
                "recommendation_reference": why.reference,
            })),
            request_id: actor.request_id,
        },
    )?;
    Ok(Proposed::New(row))
}

/// In the transaction that closes `source` (already closed): every
/// carry-over proposed before year end takes what is left now (at most the
/// amount asked) and holds it; those approved before year end execute at
/// once. One with nothing left to take is rejected, saying so.
pub fn execute_at_closing(conn: &mut AnyConnection, source: &StoredPool, actor: Actor<'_>) -> Result<usize, CarryOverFailure> {
    let mut executed = 0;
    for row in store::of_pool(conn, source.id)? {
        if !row.at_closing || row.state()? != CarryOverState::Proposed {
            continue;
        }
        let balances = ledger::balances(conn, source.id)?;
        let available: Vec<(Bucket, _)> = source.pool.model.buckets().iter().map(|b| (*b, balances.available(*b))).collect();
        let left = available.iter().fold(crate::domain::money::Money::ZERO, |sum, (_, m)| sum.checked_add(*m).unwrap_or(sum));
        let asked = row.asked_ore.and_then(crate::domain::money::Money::from_ore);
        let to_year = Year::new(i64::from(row.to_year)).map_err(|_| StoreError::Corrupt("carry-over year".into()))?;
        let Some(amount) = rules::amount_at_closing(asked, left) else {
            let decision = Decision {
                state: CarryOverState::Rejected,
                by: actor.name,
                at: actor.at,
                channel: "closing",
                meeting_date: None,
                reference: "Intet tilbage at overføre ved årets lukning",
                target_pool_id: None,
            };
            store::decide(conn, &row, &decision)?.ok_or(CarryOverFailure::Changed)?;
            continue;
        };
        let (target, _) = target_of(conn, source, to_year, row.target_model()?)?;
        let proposal = Proposal { amount: Some(amount), to_year, bucket: Some(row.bucket()?) };
        let plan = rules::propose(&source.pool, &available, target, &proposal)?;
        ledger::post_carry_over(conn, source.id, row.id, &plan.hold, actor.name, actor.at)?;
        let fixed = store::fix_amount(conn, row.id, plan.amount)?;
        if fixed.approved_before_closing {
            let reference = fixed.decision_reference.clone();
            let channel = fixed.decision_channel.clone().unwrap_or_else(|| "meeting".into());
            let answer = Answer { approve: true, channel: &channel, meeting_date: fixed.meeting_date, reference: &reference };
            conclude(conn, &fixed, &answer, actor)?;
            executed += 1;
        }
    }
    Ok(executed)
}

/// How the political level's answer was given.
pub struct Answer<'a> {
    pub approve: bool,
    /// `meeting` or `email`.
    pub channel: &'a str,
    pub meeting_date: Option<NaiveDate>,
    pub reference: &'a str,
}

/// Concludes a proposed carry-over: approval moves the held money to the
/// target pool (creating it if need be), rejection gives it back. A second
/// answer finds the carry-over no longer proposed and moves nothing.
pub fn conclude(
    conn: &mut AnyConnection,
    row: &CarryOverRow,
    answer: &Answer<'_>,
    actor: Actor<'_>,
) -> Result<CarryOverRow, CarryOverFailure> {
    let state = row.state()?;
    let source = pools::find_by_id(conn, row.source_pool_id)?.ok_or_else(|| StoreError::Corrupt("carry-over without pool".into()))?;
    if row.at_closing && source.pool.state == PoolState::Open {
        return conclude_before_closing(conn, row, state, answer, actor);
    }
    let held = store::held(conn, row.id)?;
    let to_year = Year::new(i64::from(row.to_year)).map_err(|_| StoreError::Corrupt("carry-over year".into()))?;
    let mut target_pool_id = None;
    let new_state = if answer.approve {
        let (target, existing) = target_of(conn, &source, to_year, row.target_model()?)?;
        let x = rules::execute(state, &held, target, row.bucket()?, to_year)?;
        let target = match existing {
            Some(t) => t,
            None => {
                let (pool, funding) = crate::domain::pool::Pool::create(NewPool {
                    key: target_key(&source, to_year),
                    amount: crate::domain::money::Money::ZERO,
                    model: target.model,
                    policy: source.pool.policy,
                    // Last year's criteria stand until the strategic level decides others.
                    criteria: source.pool.criteria,
                    note: format!("Created by carry-over {} from {}", row.id, source.pool.key),
                });
                crate::pools::service::create(conn, source.cluster_id, &pool, &funding, actor)?
            }
        };
        ledger::post_carry_over(conn, source.id, row.id, &x.out_of_source, actor.name, actor.at)?;
        ledger::post_carry_over(conn, target.id, row.id, &x.into_target, actor.name, actor.at)?;
        target_pool_id = Some(target.id);
        CarryOverState::Executed
    } else {
        let release = rules::reject(state, &held)?;
        ledger::post_carry_over(conn, source.id, row.id, &release, actor.name, actor.at)?;
        CarryOverState::Rejected
    };
    let decision = Decision {
        state: new_state,
        by: actor.name,
        at: actor.at,
        channel: answer.channel,
        meeting_date: answer.meeting_date,
        reference: answer.reference,
        target_pool_id,
    };
    let saved = store::decide(conn, row, &decision)?.ok_or(CarryOverFailure::Changed)?;
    // A request by e-mail still open for it is answered now (a meeting decided): its links stop working.
    if let Some(open) = approvals::open_request_of(conn, approvals::Subject::CarryOver(row.id))? {
        approvals::close_request(conn, open.id, crate::domain::approval::RequestState::Revoked, actor.at)?;
        approvals::void_pending(conn, open.id)?;
    }
    audit::record(
        conn,
        &AuditEvent {
            at: actor.at,
            actor: actor.name,
            action: if answer.approve { "carry_over.executed" } else { "carry_over.rejected" },
            subject: format!("carry_over:{}", row.id),
            before: Some(serde_json::json!({"state": row.state})),
            after: Some(serde_json::json!({
                "state": saved.state,
                "amount": row.amount()?.to_string(),
                "channel": answer.channel,
                "meeting_date": answer.meeting_date,
                "reference": answer.reference,
                "target_pool": target_pool_id,
            })),
            request_id: actor.request_id,
        },
    )?;
    Ok(saved)
}

/// The political answer to a carry-over proposed before year end, while the
/// pool is still open: an approval is recorded and executes at closing; a
/// rejection ends it (nothing was held).
fn conclude_before_closing(
    conn: &mut AnyConnection,
    row: &CarryOverRow,
    state: CarryOverState,
    answer: &Answer<'_>,
    actor: Actor<'_>,
) -> Result<CarryOverRow, CarryOverFailure> {
    if state != CarryOverState::Proposed || row.approved_before_closing {
        return Err(rules::CarryOverError::NotProposed { state }.into());
    }
    let decision = Decision {
        state: if answer.approve { CarryOverState::Proposed } else { CarryOverState::Rejected },
        by: actor.name,
        at: actor.at,
        channel: answer.channel,
        meeting_date: answer.meeting_date,
        reference: answer.reference,
        target_pool_id: None,
    };
    let saved = if answer.approve { store::approve_before_closing(conn, row, &decision)? } else { store::decide(conn, row, &decision)? }
        .ok_or(CarryOverFailure::Changed)?;
    if let Some(open) = approvals::open_request_of(conn, approvals::Subject::CarryOver(row.id))? {
        approvals::close_request(conn, open.id, crate::domain::approval::RequestState::Revoked, actor.at)?;
        approvals::void_pending(conn, open.id)?;
    }
    audit::record(
        conn,
        &AuditEvent {
            at: actor.at,
            actor: actor.name,
            action: if answer.approve { "carry_over.approved_before_closing" } else { "carry_over.rejected" },
            subject: format!("carry_over:{}", row.id),
            before: None,
            after: Some(serde_json::json!({"channel": answer.channel, "meeting_date": answer.meeting_date, "reference": answer.reference})),
            request_id: actor.request_id,
        },
    )?;
    Ok(saved)
}
