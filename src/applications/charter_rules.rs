//! The charter's rules against its pool and cluster: the parties, target
//! populations and criteria it may name, every broken rule at once (with the
//! errors the body already had), and whether the pool takes applications.
//! Reads only.

use std::collections::BTreeSet;

use crate::db::charter_rows::PartyIds;
use crate::db::{AnyConnection, StoreError, pools, reference};
use crate::domain::application::{Charter, CharterContext, CharterDraft, Violation};
use crate::domain::eligibility::Criterion;
use crate::domain::reference::PartyKind;
use crate::domain::workflow::WorkflowError;
use crate::http::error::{ApiError, FieldError};

/// Rule findings that only follow from another field's placeholder: a budget
/// checked against an unreadable `requested_amount`, say.
const FOLLOWS: [(&str, &str); 3] = [("budget", "requested_amount"), ("ends_on", "starts_on"), ("bucket", "origin")];

/// Whether an error about `field` says nothing new once `earlier` is named:
/// the same field, one inside the other, or one that follows from it.
fn follows_from(field: &str, earlier: &str) -> bool {
    let inside = |a: &str, b: &str| a.len() > b.len() && a.starts_with(b) && matches!(a.as_bytes()[b.len()], b'.' | b'[');
    field == earlier || inside(field, earlier) || inside(earlier, field) || FOLLOWS.contains(&(field, earlier))
}

/// Adds errors found later (money, then the charter's rules) to those found
/// before (the body's structure), leaving out what only follows from a field
/// already named: the first error about a field is the one that explains it.
pub(crate) fn add_later(errors: &mut Vec<FieldError>, later: impl IntoIterator<Item = FieldError>) {
    let earlier: Vec<String> = errors.iter().map(|e| e.field.clone()).collect();
    errors.extend(later.into_iter().filter(|e| !earlier.iter().any(|b| follows_from(&e.field, b))));
}

/// The charter's rules, with the errors already found: `Ok` only when there
/// are none at all; else one 422 with everything. Reads only.
pub(crate) fn check_charter_with(
    conn: &mut AnyConnection,
    pool: &pools::StoredPool,
    criteria: &[Criterion],
    draft: CharterDraft,
    mut errors: Vec<FieldError>,
) -> Result<(Charter, PartyIds), ApiError> {
    match check_charter(conn, pool, criteria, draft) {
        Ok(checked) if errors.is_empty() => Ok(checked),
        Ok(_) => Err(ApiError::Validation(errors)),
        Err(ApiError::Validation(list)) => {
            add_later(&mut errors, list);
            Err(ApiError::Validation(errors))
        }
        Err(other) => Err(other),
    }
}

pub(crate) fn violations(list: Vec<Violation>) -> ApiError {
    ApiError::Validation(list.into_iter().map(|v| FieldError::new(v.field, v.message)).collect())
}

/// Checks a draft against the pool, its cluster and `criteria` (the pool's for a new charter,
/// those it was registered under for an edit); returns the charter and its parties' row ids.
pub(crate) fn check_charter(
    conn: &mut AnyConnection,
    pool: &pools::StoredPool,
    criteria: &[Criterion],
    draft: CharterDraft,
) -> Result<(Charter, PartyIds), ApiError> {
    check_charter_kinds(conn, pool, criteria, draft).map(|(charter, parties, _)| (charter, parties))
}

/// [`check_charter`], and the kinds of the charter's parties: its applicant's, then each partner's.
pub(crate) fn check_charter_kinds(
    conn: &mut AnyConnection,
    pool: &pools::StoredPool,
    criteria: &[Criterion],
    draft: CharterDraft,
) -> Result<(Charter, PartyIds, Vec<PartyKind>), ApiError> {
    let parties = reference::parties_of(conn, pool.cluster_id, None)?;
    let party_slugs: BTreeSet<String> = parties.iter().map(|p| p.slug.clone()).collect();
    let codes: BTreeSet<String> = reference::target_populations(conn)?.into_iter().map(|t| t.code).collect();
    let ctx = CharterContext { model: pool.pool.model, parties: &party_slugs, target_populations: &codes, criteria };
    let charter = Charter::check(draft, &ctx).map_err(violations)?;
    let party = |slug: &str| parties.iter().find(|p| p.slug == slug);
    let mut ids = Vec::with_capacity(1 + charter.partner_parties.len());
    let mut kinds = Vec::with_capacity(ids.capacity());
    for slug in std::iter::once(&charter.applicant_party).chain(&charter.partner_parties) {
        // The charter's check accepts only the cluster's parties.
        let p = party(slug).ok_or_else(|| ApiError::from(StoreError::Corrupt(format!("party '{slug}' is not of the cluster"))))?;
        ids.push(p.id);
        kinds.push(
            PartyKind::parse(&p.kind).ok_or_else(|| ApiError::from(StoreError::Corrupt(format!("party '{slug}': kind '{}'", p.kind))))?,
        );
    }
    let parties = PartyIds { applicant: ids[0], partners: ids[1..].to_vec() };
    Ok((charter, parties, kinds))
}

pub(crate) fn require_open(pool: &pools::StoredPool) -> Result<(), ApiError> {
    match pool.pool.state {
        crate::domain::pool::PoolState::Open => Ok(()),
        other => Err(WorkflowError::PoolNotOpen(other).into()),
    }
}
