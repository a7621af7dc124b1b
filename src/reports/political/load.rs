//! Reads one cluster's year into a [`PoliticalReport`], in one read
//! transaction: the pools' figures from the ledger, every grant with the
//! steps that led to it, the follow-up of each project on the day, and the
//! carry-overs out of and into the year.

use chrono::{NaiveDate, NaiveDateTime};

use super::report::*;
use crate::db::clusters::ClusterRow;
use crate::db::steps::StepRow;
use crate::db::{AnyConnection, StoreError, carry_overs, grants, ledger, pools, reference, steps};
use crate::domain::access::ClusterScope;
use crate::domain::allocation::{AllocationModel, Bucket};
use crate::domain::breakdown::{Use, by_key};
use crate::domain::carry_over::CarryOverState;
use crate::domain::follow_up::{EntryState, ReportKind};
use crate::domain::ledger::PoolStatus;
use crate::domain::meeting::Forum;
use crate::domain::money::Money;
use crate::domain::step::{StepKind, StepOutcome};
use crate::domain::values::Year;
use crate::http::utc;
use crate::pools::policy::AllocationModelDto;

/// The Danish day of a moment stored in UTC.
pub fn copenhagen_date(at: NaiveDateTime) -> NaiveDate {
    chrono::DateTime::<chrono::Utc>::from_naive_utc_and_offset(at, chrono::Utc).with_timezone(&chrono_tz::Europe::Copenhagen).date_naive()
}

/// The report of `cluster`'s `year`, read at `at`, with the follow-up as on `today`.
pub fn load(
    conn: &mut AnyConnection,
    cluster: &ClusterRow,
    year: Year,
    at: NaiveDateTime,
    today: NaiveDate,
) -> Result<PoliticalReport, StoreError> {
    let scope = ClusterScope::All;
    let filter = pools::PoolFilter { cluster: Some(cluster.slug.clone()), ..pools::PoolFilter::default() };
    let all_pools = pools::list(conn, &scope, &filter, 10_000)?;
    let year_pools: Vec<_> = all_pools.iter().filter(|p| p.pool.key.year == year).collect();
    let catalogue = reference::target_populations(conn)?;
    let parties = reference::parties_of(conn, cluster.id, None)?;
    let party_name = |slug: &str| parties.iter().find(|p| p.slug == slug).map_or_else(|| slug.to_owned(), |p| p.name.clone());

    let mut report_pools = Vec::new();
    let mut report_grants = Vec::new();
    let mut carried = Vec::new();
    for pool in &year_pools {
        let balances = ledger::balances(conn, pool.id)?;
        let status = PoolStatus::from_balances(pool.pool.model, &balances).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        report_pools.push(PoliticalPool {
            pool: pool.pool.key.to_string(),
            state: pool.pool.state.into(),
            allocation_model: AllocationModelDto::from(pool.pool.model),
            allocation_model_da: crate::reports::danish::model(pool.pool.model),
            figures: status.overall.into(),
            buckets: status
                .buckets
                .iter()
                .map(|(b, f)| PoliticalBucket { bucket: (*b).into(), share: share_of(pool.pool.model, *b), figures: (*f).into() })
                .collect(),
        });
        for g in grants::list(conn, &scope, Some(&pool.pool.key), None, 100_000)? {
            report_grants.push(grant(conn, &g, &catalogue, &party_name, today)?);
        }
        for row in carry_overs::of_pool(conn, pool.id)? {
            carried.push(carry_over(&row, CarryOverDirection::Out, &pool.pool.key.to_string())?);
        }
    }
    for earlier in all_pools.iter().filter(|p| p.pool.key.year < year) {
        for row in carry_overs::of_pool(conn, earlier.id)?.into_iter().filter(|r| r.to_year == year.get()) {
            carried.push(carry_over(&row, CarryOverDirection::In, &earlier.pool.key.to_string())?);
        }
    }

    let add = |f: fn(&PoliticalGrant) -> Money| {
        report_grants.iter().try_fold(Money::ZERO, |sum, g| sum.checked_add(f(g))).ok_or_else(|| StoreError::Corrupt("total".into()))
    };
    let totals = PoliticalTotals {
        grants: report_grants.len(),
        granted: add(|g| g.amount)?,
        disbursed: add(|g| g.disbursed)?,
        released: add(|g| g.released)?,
        remaining: add(|g| g.remaining)?,
    };
    let granted = |g: &PoliticalGrant| Use { committed: g.amount, ..Use::default() };
    let by_population: Vec<(Vec<String>, Use)> = report_grants.iter().map(|g| (g.target_populations.clone(), granted(g))).collect();
    let population_sums = by_key(&by_population);
    let by_target_population = catalogue
        .iter()
        .map(|t| PopulationAmount {
            code: t.code.clone(),
            name_da: t.name_da.clone(),
            granted: population_sums.iter().find(|(c, _)| *c == t.code).map_or(Money::ZERO, |(_, u)| u.committed),
        })
        .collect();
    let by_party_items: Vec<(Vec<String>, Use)> = report_grants.iter().map(|g| (vec![g.applicant_party.clone()], granted(g))).collect();
    let by_party = by_key(&by_party_items)
        .into_iter()
        .map(|(slug, u)| PartyAmount { name: party_name(&slug), party: slug, granted: u.committed })
        .collect();

    Ok(PoliticalReport {
        cluster: cluster.slug.clone(),
        cluster_name: cluster.name.clone(),
        year: year.get(),
        printed_at: utc(at),
        status_on: today,
        pools: report_pools,
        grants: report_grants,
        totals,
        by_target_population,
        by_party,
        carry_overs: carried,
    })
}

/// A bucket's share under a split model: `0.70` upfront, `0.30` ad hoc.
fn share_of(model: AllocationModel, bucket: Bucket) -> Option<String> {
    match (model, bucket) {
        (AllocationModel::Split { upfront_share }, Bucket::Upfront) => Some(upfront_share.to_string()),
        (AllocationModel::Split { upfront_share }, Bucket::AdHoc) => Some(upfront_share.complement().to_string()),
        _ => None,
    }
}

fn grant(
    conn: &mut AnyConnection,
    g: &grants::StoredGrant,
    catalogue: &[reference::TargetPopulationRow],
    party_name: &dyn Fn(&str) -> String,
    today: NaiveDate,
) -> Result<PoliticalGrant, StoreError> {
    let app =
        crate::db::applications::find(conn, g.application_id)?.ok_or_else(|| StoreError::Corrupt("grant without application".into()))?;
    let items = crate::db::meetings::of_applications(conn, &[app.id])?;
    let steps = steps::of(conn, app.id)?
        .iter()
        .filter_map(|s| {
            let item = s.meeting_id.and_then(|m| items.iter().find(|(_, meeting, _)| meeting.id == m));
            step(s, item.map(|(_, m, i)| (m.forum.as_str(), i.number)))
        })
        .collect();
    let population_da = |code: &String| catalogue.iter().find(|t| &t.code == code).map_or_else(|| code.clone(), |t| t.name_da.clone());
    Ok(PoliticalGrant {
        grant: g.id,
        application: app.id,
        title: app.charter.title.clone(),
        pool: g.pool.to_string(),
        bucket: g.grant.bucket.into(),
        applicant_name: party_name(&app.charter.applicant_party),
        applicant_party: app.charter.applicant_party.clone(),
        target_populations_da: app.charter.target_populations.iter().map(population_da).collect(),
        target_populations: app.charter.target_populations.clone(),
        starts_on: app.charter.starts_on,
        ends_on: app.charter.ends_on,
        amount: g.grant.amount,
        disbursed: g.grant.disbursed,
        released: g.grant.released,
        remaining: g.grant.remaining(),
        steps,
        status: project_status(conn, g.id, today)?,
    })
}

/// A decision step as the report shows it; submissions, requests and revocations are left out.
fn step(s: &StepRow, meeting: Option<(&str, i32)>) -> Option<GrantStep> {
    let kind = match s.kind()? {
        StepKind::Recommendation => GrantStepKind::Recommendation,
        StepKind::Strategic => GrantStepKind::Strategic,
        StepKind::Political => GrantStepKind::Political,
        StepKind::Submitted | StepKind::Withdrawn => return None,
    };
    let outcome = match s.result()? {
        StepOutcome::Recommended => GrantStepOutcome::Recommended,
        StepOutcome::NotRecommended => GrantStepOutcome::NotRecommended,
        StepOutcome::Approved => GrantStepOutcome::Approved,
        StepOutcome::Rejected => GrantStepOutcome::Rejected,
        StepOutcome::Referred => GrantStepOutcome::Referred,
        StepOutcome::Submitted | StepOutcome::Withdrawn | StepOutcome::Requested | StepOutcome::Revoked => return None,
    };
    let level_forum = match kind {
        GrantStepKind::Recommendation => Forum::OperationsForum,
        GrantStepKind::Strategic => Forum::Strategic,
        GrantStepKind::Political => Forum::Political,
    };
    let forum = meeting.and_then(|(f, _)| Forum::parse(f)).unwrap_or(level_forum);
    let channel = match (s.meeting_id, s.meeting_date) {
        (Some(_), _) => StepChannel::Meeting,
        (None, Some(_)) => StepChannel::RecordedDecision,
        (None, None) => StepChannel::Email,
    };
    Some(GrantStep {
        step: kind,
        outcome,
        forum: forum.into(),
        channel,
        date: s.meeting_date.unwrap_or_else(|| copenhagen_date(s.recorded_at)),
        meeting: s.meeting_id,
        item: meeting.map(|(_, n)| n),
        reference: s.reference.clone(),
        amount: s.amount_ore.and_then(Money::from_ore),
    })
}

fn project_status(conn: &mut AnyConnection, grant_id: i64, today: NaiveDate) -> Result<ProjectStatus, StoreError> {
    let view = crate::follow_up::service::plan_view(conn, grant_id, today)?.ok_or_else(|| StoreError::Corrupt("grant vanished".into()))?;
    let count = |state: EntryState| view.entries.iter().filter(|e| e.state == state).count();
    let latest = view.reports.iter().max_by_key(|r| (r.submitted_at, r.id));
    let state = match latest {
        _ if view.reports.iter().any(|r| r.entry.kind == ReportKind::Final) => ProjectState::Completed,
        None => ProjectState::NoReport,
        Some(r) => match r.progress {
            crate::domain::follow_up::Progress::OnTrack => ProjectState::OnTrack,
            crate::domain::follow_up::Progress::Delayed => ProjectState::Delayed,
            crate::domain::follow_up::Progress::Stopped => ProjectState::Stopped,
        },
    };
    Ok(ProjectStatus {
        state,
        reports_due: count(EntryState::Due),
        reports_received: view.reports.len(),
        reports_overdue: count(EntryState::Overdue),
        latest_progress: latest.map(|r| r.progress.into()),
        latest_report_on: latest.map(|r| copenhagen_date(r.submitted_at)),
    })
}

fn carry_over(row: &carry_overs::CarryOverRow, direction: CarryOverDirection, from_pool: &str) -> Result<PoliticalCarryOver, StoreError> {
    let state = row.state()?;
    let amount =
        if row.at_closing && state == CarryOverState::Proposed { row.asked_ore.and_then(Money::from_ore) } else { Some(row.amount()?) };
    let sign_off = match state {
        CarryOverState::Proposed if !row.approved_before_closing => None,
        _ => Some(SignOff {
            channel: match row.decision_channel.as_deref() {
                Some("email") => SignOffChannel::Email,
                Some("closing") => SignOffChannel::Closing,
                _ => SignOffChannel::Meeting,
            },
            meeting_date: row.meeting_date,
            reference: row.decision_reference.clone(),
            decided_at: row.decided_at.map(utc),
        }),
    };
    Ok(PoliticalCarryOver {
        id: row.id,
        direction,
        from_pool: from_pool.to_owned(),
        to_year: row.to_year,
        amount,
        state: match state {
            CarryOverState::Proposed => PoliticalCarryOverState::Proposed,
            CarryOverState::Executed => PoliticalCarryOverState::Executed,
            CarryOverState::Rejected => PoliticalCarryOverState::Rejected,
        },
        recommendation_reference: row.recommendation_reference.clone(),
        sign_off,
    })
}
