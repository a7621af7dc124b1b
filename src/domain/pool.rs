//! Pools (pulje): one cluster, one calendar year, and the decisions on them.

use super::allocation::{AllocationModel, Bucket};
use super::eligibility::Criterion;
use super::ledger::{Account, Balances, Entry, EntryKind, FundsError, ensure_available};
use super::money::Money;
use super::values::{PoolKey, Year};

/// How the strategic level gives its decision.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StrategicMode {
    /// Recorded by the secretariat from a meeting.
    Meeting,
    /// Both co-chairs approve by e-mail link.
    CoChairsEmail,
}

impl StrategicMode {
    pub fn as_str(self) -> &'static str {
        match self {
            StrategicMode::Meeting => "meeting",
            StrategicMode::CoChairsEmail => "co_chairs_email",
        }
    }

    pub fn parse(text: &str) -> Option<StrategicMode> {
        [StrategicMode::Meeting, StrategicMode::CoChairsEmail].into_iter().find(|m| m.as_str() == text)
    }
}

/// How the political level signs off.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PoliticalMode {
    /// Recorded by the secretariat from a meeting of the political level.
    Meeting,
    /// Every political approver approves by e-mail link.
    Email,
}

impl PoliticalMode {
    pub fn as_str(self) -> &'static str {
        match self {
            PoliticalMode::Meeting => "meeting",
            PoliticalMode::Email => "email",
        }
    }

    pub fn parse(text: &str) -> Option<PoliticalMode> {
        [PoliticalMode::Meeting, PoliticalMode::Email].into_iter().find(|m| m.as_str() == text)
    }
}

/// Who may decide what, up to which amount: the pool's decision-rights
/// matrix, set by the political level.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApprovalPolicy {
    /// Approval by the strategic level needs the operations forum's
    /// recommendation first (a rejection never does).
    pub recommendation_required: bool,
    pub strategic: StrategicMode,
    /// Grants at or above this amount also need the political level.
    pub political_threshold: Money,
    pub political: PoliticalMode,
    /// The operations forum grants up to this amount on its own, by its
    /// recommendation; `None`: every grant goes to the strategic level.
    pub operations_forum_limit: Option<Money>,
    /// The political decision that lets the co-chairs approve by e-mail;
    /// without it no strategic e-mail request can be opened.
    pub email_mandate_reference: Option<String>,
    /// A project's applicant and partners must span at least two sectors to
    /// be recommended or granted (the funds are for pathways across sectors).
    pub cross_sector_required: bool,
}

impl Default for ApprovalPolicy {
    /// As the seeds say: the operations forum recommends, the strategic
    /// level decides in a meeting, and every grant goes to the political
    /// level ("the politicians want the decision recommendations",
    /// `001_…`, item 4), until the political level delegates more.
    fn default() -> Self {
        ApprovalPolicy {
            recommendation_required: true,
            strategic: StrategicMode::Meeting,
            political_threshold: Money::ZERO,
            political: PoliticalMode::Meeting,
            operations_forum_limit: None,
            email_mandate_reference: None,
            cross_sector_required: true,
        }
    }
}

impl ApprovalPolicy {
    /// Whether the operations forum's recommendation of `amount` is itself the grant.
    pub fn forum_decides(&self, amount: Money) -> bool {
        self.operations_forum_limit.is_some_and(|limit| amount <= limit)
    }

    /// Whether the co-chairs may be asked by e-mail at all.
    pub fn email_mandate(&self) -> bool {
        self.email_mandate_reference.as_deref().is_some_and(|r| !r.trim().is_empty())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PoolState {
    /// Being prepared: amount and model may still change.
    Draft,
    /// Taking applications and decisions.
    Open,
    /// Year end: no new applications or decisions.
    Closed,
}

impl PoolState {
    pub fn as_str(self) -> &'static str {
        match self {
            PoolState::Draft => "draft",
            PoolState::Open => "open",
            PoolState::Closed => "closed",
        }
    }

    pub fn parse(text: &str) -> Option<PoolState> {
        [PoolState::Draft, PoolState::Open, PoolState::Closed].into_iter().find(|s| s.as_str() == text)
    }
}

/// A decision on a pool that the pool's state does not allow.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PoolError {
    #[error("the pool is {state}; only a draft pool can be changed")]
    NotDraft { state: PoolState },
    #[error("the pool is {state}; only a draft pool can be opened")]
    CannotOpen { state: PoolState },
    #[error("the pool is {state}; only an open pool can be closed")]
    CannotClose { state: PoolState },
    #[error("the pool is {state}; money can only be moved between buckets of an open pool")]
    NotOpen { state: PoolState },
    #[error(
        "the pool is {state}; its criteria change only by a recorded strategic decision: POST /api/v1/pools/{{pool}}/criteria-decisions with criteria, meeting_date and reference"
    )]
    CriteriaByDecision { state: PoolState },
    #[error("the pool is {state}; criteria can be decided for a draft or an open pool only")]
    CriteriaClosed { state: PoolState },
}

/// Why money cannot move between two buckets.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReallocationError {
    #[error(transparent)]
    Pool(#[from] PoolError),
    #[error("a {model} pool has no {bucket} bucket")]
    NoSuchBucket { model: &'static str, bucket: Bucket },
    #[error("money must move between two different buckets")]
    SameBucket,
    #[error("the amount must be more than 0.00")]
    ZeroAmount,
    #[error(transparent)]
    Funds(#[from] FundsError),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pool {
    pub key: PoolKey,
    pub amount: Money,
    pub model: AllocationModel,
    pub policy: ApprovalPolicy,
    pub state: PoolState,
    pub note: String,
    /// What projects must meet to get funds, as the strategic level set them.
    pub criteria: Vec<Criterion>,
    pub version: i64,
}

/// What a new pool is made of, as parsed from a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewPool {
    pub key: PoolKey,
    pub amount: Money,
    pub model: AllocationModel,
    pub policy: ApprovalPolicy,
    pub note: String,
    pub criteria: Vec<Criterion>,
}

/// Changes to a draft pool; `None` keeps the current value.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PoolChanges {
    pub amount: Option<Money>,
    pub model: Option<AllocationModel>,
    pub policy: Option<ApprovalPolicy>,
    pub note: Option<String>,
    pub criteria: Option<Vec<Criterion>>,
}

fn funding_entry(kind: EntryKind, memo: String, model: AllocationModel, amount: Money) -> Entry {
    model.allot(amount).into_iter().fold(Entry::new(kind, memo), |entry, (bucket, part)| {
        entry.transfer((Account::Funding, bucket), (Account::Available, bucket), part)
    })
}

impl Pool {
    /// A new pool starts as a draft with its whole amount available, divided
    /// over the model's buckets by the funding entry returned with it.
    pub fn create(new: NewPool) -> (Pool, Entry) {
        let memo = format!("Funding of pool {} ({})", new.key, new.model.kind());
        let entry = funding_entry(EntryKind::Funding, memo, new.model, new.amount);
        let pool = Pool {
            key: new.key,
            amount: new.amount,
            model: new.model,
            policy: new.policy,
            state: PoolState::Draft,
            note: new.note,
            criteria: new.criteria,
            version: 1,
        };
        (pool, entry)
    }

    pub fn year(&self) -> Year {
        self.key.year
    }

    /// Changes a draft pool. When the amount or model changes, the returned
    /// entry reverses the old funding and posts the new one, so the ledger
    /// keeps the history and the buckets match the new model exactly. Money
    /// carried in to a bucket the new model does not have moves with it, to
    /// the bucket carried money lands in under the new model.
    pub fn revise(&self, changes: PoolChanges, balances: &Balances) -> Result<(Pool, Option<Entry>), PoolError> {
        if self.state != PoolState::Draft {
            if changes.criteria.is_some() {
                return Err(PoolError::CriteriaByDecision { state: self.state });
            }
            return Err(PoolError::NotDraft { state: self.state });
        }
        let amount = changes.amount.unwrap_or(self.amount);
        let model = changes.model.unwrap_or(self.model);
        let revised = Pool {
            key: self.key.clone(),
            amount,
            model,
            policy: changes.policy.unwrap_or_else(|| self.policy.clone()),
            state: self.state,
            note: changes.note.unwrap_or_else(|| self.note.clone()),
            criteria: changes.criteria.unwrap_or_else(|| self.criteria.clone()),
            version: self.version + 1,
        };
        let entry = (amount != self.amount || model != self.model).then(|| {
            let memo =
                format!("Revised funding of pool {}: {} ({}) to {} ({})", self.key, self.amount, self.model.kind(), amount, model.kind());
            let reversal =
                self.model.allot(self.amount).into_iter().fold(Entry::new(EntryKind::FundingRevision, memo), |entry, (bucket, part)| {
                    entry.transfer((Account::Available, bucket), (Account::Funding, bucket), part)
                });
            let funded = model
                .allot(amount)
                .into_iter()
                .fold(reversal, |entry, (bucket, part)| entry.transfer((Account::Funding, bucket), (Account::Available, bucket), part));
            let landing = super::carry_over::default_bucket(model);
            Bucket::ALL.into_iter().filter(|b| !model.has_bucket(*b)).fold(funded, |entry, stranded| {
                let carried = balances.carried_in(stranded);
                entry.transfer((Account::Available, stranded), (Account::CarriedIn, stranded), carried).transfer(
                    (Account::CarriedIn, landing),
                    (Account::Available, landing),
                    carried,
                )
            })
        });
        Ok((revised, entry))
    }

    /// A strategic decision to move `amount` of what is available from one
    /// bucket to another. The buckets' totals move with it, so each bucket
    /// still reconciles on its own.
    pub fn reallocate(&self, from: Bucket, to: Bucket, amount: Money, available_in_from: Money) -> Result<Entry, ReallocationError> {
        if self.state != PoolState::Open {
            return Err(PoolError::NotOpen { state: self.state }.into());
        }
        for bucket in [from, to] {
            if !self.model.has_bucket(bucket) {
                return Err(ReallocationError::NoSuchBucket { model: self.model.kind(), bucket });
            }
        }
        if from == to {
            return Err(ReallocationError::SameBucket);
        }
        if amount.is_zero() {
            return Err(ReallocationError::ZeroAmount);
        }
        ensure_available(from, available_in_from, amount)?;
        let memo = format!("Reallocated {amount} from {} to {}", from.as_str(), to.as_str());
        Ok(Entry::new(EntryKind::Reallocation, memo).transfer((Account::Available, from), (Account::Funding, from), amount).transfer(
            (Account::Funding, to),
            (Account::Available, to),
            amount,
        ))
    }

    pub fn open(&self) -> Result<Pool, PoolError> {
        match self.state {
            PoolState::Draft => Ok(Pool { state: PoolState::Open, version: self.version + 1, ..self.clone() }),
            other => Err(PoolError::CannotOpen { state: other }),
        }
    }

    /// A recorded decision of the political level on the pool's decision
    /// rights (the matrix, the e-mail mandate): on a draft or an open pool.
    pub fn decide_policy(&self, policy: ApprovalPolicy) -> Result<Pool, PoolError> {
        match self.state {
            PoolState::Draft | PoolState::Open => Ok(Pool { policy, version: self.version + 1, ..self.clone() }),
            other => Err(PoolError::NotOpen { state: other }),
        }
    }

    /// A recorded strategic decision on the pool's criteria: on a draft or an
    /// open pool. Charters registered before keep the criteria they were
    /// checked against; the new ones apply to charters registered after.
    pub fn decide_criteria(&self, criteria: Vec<Criterion>) -> Result<Pool, PoolError> {
        match self.state {
            PoolState::Draft | PoolState::Open => Ok(Pool { criteria, version: self.version + 1, ..self.clone() }),
            other => Err(PoolError::CriteriaClosed { state: other }),
        }
    }

    /// A recorded strategic decision on the allocation model of an open pool
    /// ("no decision → rolling" included): what is available is divided anew
    /// by the new model, exactly to the øre; money granted or reserved stays
    /// in its bucket. Money carried in stays carried-in money (in the bucket
    /// carried money lands in under the new model).
    pub fn decide_model(&self, model: AllocationModel, balances: &Balances) -> Result<(Pool, Entry), PoolError> {
        if self.state != PoolState::Open {
            return Err(PoolError::NotOpen { state: self.state });
        }
        let memo = format!("Model decided: {} to {}; what is available is divided anew", self.model.kind(), model.kind());
        let mut entry = Entry::new(EntryKind::FundingRevision, memo);
        let (mut funded, mut carried) = (Money::ZERO, Money::ZERO);
        for bucket in Bucket::ALL {
            let available = balances.available(bucket);
            // The part of what is available that came with the pool's funding, and the part carried in.
            let from_funding = available.min(balances.total(bucket));
            let from_carry = available.checked_sub(from_funding).unwrap_or(Money::ZERO);
            entry = entry.transfer((Account::Available, bucket), (Account::Funding, bucket), from_funding).transfer(
                (Account::Available, bucket),
                (Account::CarriedIn, bucket),
                from_carry,
            );
            funded = funded.checked_add(from_funding).unwrap_or(Money::MAX);
            carried = carried.checked_add(from_carry).unwrap_or(Money::MAX);
        }
        for (bucket, part) in model.allot(funded) {
            entry = entry.transfer((Account::Funding, bucket), (Account::Available, bucket), part);
        }
        let landing = super::carry_over::default_bucket(model);
        entry = entry.transfer((Account::CarriedIn, landing), (Account::Available, landing), carried);
        Ok((Pool { model, version: self.version + 1, ..self.clone() }, entry))
    }

    pub fn close(&self) -> Result<Pool, PoolError> {
        match self.state {
            PoolState::Open => Ok(Pool { state: PoolState::Closed, version: self.version + 1, ..self.clone() }),
            other => Err(PoolError::CannotClose { state: other }),
        }
    }
}

impl std::fmt::Display for PoolState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests;
