//! The approval workflow of an application, as a pure state machine:
//! draft → submitted → (recommended) → strategic decision → (political
//! sign-off) → approved; or rejected / withdrawn where allowed.
//!
//! Money moves with the states: a strategic approval that still needs the
//! political level *reserves* the amount (`pending`); sign-off commits it;
//! any rejection or withdrawal gives the reservation back.

use super::allocation::Bucket;
use super::eligibility::Ineligibility;
use super::ledger::{Account, Entry, EntryKind, FundsError, ensure_available};
use super::money::Money;
use super::pool::{ApprovalPolicy, PoolState};

/// Who decides.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    Strategic,
    Political,
}

impl Level {
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Strategic => "strategic",
            Level::Political => "political",
        }
    }

    pub fn parse(text: &str) -> Option<Level> {
        [Level::Strategic, Level::Political].into_iter().find(|l| l.as_str() == text)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Approved,
    Rejected,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ApplicationState {
    Draft,
    Submitted,
    /// The operations forum recommends this amount.
    Recommended {
        amount: Money,
    },
    /// Money held while `awaiting` decides.
    Reserved {
        amount: Money,
        awaiting: Level,
    },
    /// A grant of `amount` exists.
    Approved {
        amount: Money,
    },
    Rejected {
        by: Level,
    },
    Withdrawn,
}

impl ApplicationState {
    pub fn name(self) -> &'static str {
        match self {
            ApplicationState::Draft => "draft",
            ApplicationState::Submitted => "submitted",
            ApplicationState::Recommended { .. } => "recommended",
            ApplicationState::Reserved { .. } => "reserved",
            ApplicationState::Approved { .. } => "approved",
            ApplicationState::Rejected { .. } => "rejected",
            ApplicationState::Withdrawn => "withdrawn",
        }
    }

    /// Money held for this application right now.
    pub fn reserved(self) -> Money {
        match self {
            ApplicationState::Reserved { amount, .. } => amount,
            _ => Money::ZERO,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Event {
    Submit,
    Withdraw,
    /// The operations forum recommends (up to its limit, that is the grant).
    Recommend {
        amount: Option<Money>,
    },
    /// The operations forum does not recommend: the case stays with the
    /// strategic level, which may still reject it (or approve it, when the
    /// policy does not require a recommendation for approval).
    NotRecommend,
    /// The strategic level sends the case on to the political level whatever
    /// its amount: the money is reserved and the political level decides.
    Refer {
        amount: Option<Money>,
    },
    Decide {
        level: Level,
        outcome: Outcome,
        amount: Option<Money>,
    },
    /// The strategic level is asked to approve by e-mail link: the money is reserved now.
    RequestStrategicApproval,
    /// An e-mail approval request of the strategic level was revoked: the reservation goes back.
    CancelStrategicRequest,
}

impl Event {
    /// Whether the event may take money from what is available (reserve or
    /// grant it): only then does [`apply`] look at `Situation::available`,
    /// so the others need not read the pool's balances.
    pub fn may_draw_funds(self) -> bool {
        matches!(
            self,
            Event::Recommend { .. }
                | Event::Refer { .. }
                | Event::RequestStrategicApproval
                | Event::Decide { level: Level::Strategic, outcome: Outcome::Approved, .. }
        )
    }

    fn verb(self) -> &'static str {
        match self {
            Event::Submit => "submit",
            Event::Withdraw => "withdraw",
            Event::Recommend { .. } => "recommend",
            Event::NotRecommend => "record a recommendation on",
            Event::Refer { .. } => "refer to the political level",
            Event::Decide { level: Level::Strategic, .. } => "record a strategic decision on",
            Event::Decide { level: Level::Political, .. } => "record a political decision on",
            Event::RequestStrategicApproval => "ask the strategic level by e-mail about",
            Event::CancelStrategicRequest => "revoke the strategic e-mail request of",
        }
    }
}

/// What a decision is taken against: the pool and the money free now.
#[derive(Debug, Clone)]
pub struct Situation {
    pub policy: ApprovalPolicy,
    pub pool_state: PoolState,
    pub bucket: Bucket,
    pub requested: Money,
    /// Available in the application's bucket.
    pub available: Money,
    /// What keeps the charter from funds (criteria answered no, a single
    /// sector): empty when it is eligible. Recommending and approving are refused otherwise.
    pub ineligible: Vec<Ineligibility>,
}

/// The new state, the money it moves, and the grant it creates.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Transition {
    pub state: ApplicationState,
    pub entry: Option<Entry>,
    pub grant: Option<Money>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WorkflowError {
    #[error("the pool is {0}; new applications and decisions need an open pool")]
    PoolNotOpen(PoolState),
    #[error("cannot {verb} an application that is {state}")]
    NotAllowed { verb: &'static str, state: ApplicationState },
    #[error("the operations forum must recommend the application before the strategic level decides")]
    RecommendationRequired,
    #[error("the strategic level must approve before the political level signs off")]
    StrategicFirst,
    #[error("the amount must be more than 0.00")]
    ZeroAmount,
    #[error("the amount {amount} is more than the {limit_name} ({limit})")]
    AmountTooHigh { amount: Money, limit: Money, limit_name: &'static str },
    #[error("the project cannot be recommended or granted: {}", .0.iter().map(|i| i.to_string()).collect::<Vec<_>>().join("; "))]
    Ineligible(Vec<Ineligibility>),
    #[error(transparent)]
    Funds(#[from] FundsError),
}

fn memo(text: &str, amount: Money) -> String {
    format!("{text}: {amount}")
}

/// Applies `event` to `state`. Pure: the caller saves the result.
pub fn apply(state: ApplicationState, situation: &Situation, event: Event) -> Result<Transition, WorkflowError> {
    use ApplicationState as S;
    let needs_open_pool = !matches!(event, Event::Withdraw | Event::CancelStrategicRequest);
    if needs_open_pool && situation.pool_state != PoolState::Open {
        return Err(WorkflowError::PoolNotOpen(situation.pool_state));
    }
    let towards_funds = matches!(
        event,
        Event::Recommend { .. } | Event::Refer { .. } | Event::RequestStrategicApproval | Event::Decide { outcome: Outcome::Approved, .. }
    );
    if towards_funds && !situation.ineligible.is_empty() && undecided(state) && state != S::Draft {
        return Err(WorkflowError::Ineligible(situation.ineligible.clone()));
    }
    let not_allowed = || WorkflowError::NotAllowed { verb: event.verb(), state };
    let bucket = situation.bucket;
    let just = |state| Ok(Transition { state, entry: None, grant: None });
    match (state, event) {
        (S::Draft, Event::Submit) => just(S::Submitted),
        (S::Draft | S::Submitted | S::Recommended { .. }, Event::Withdraw) => just(S::Withdrawn),
        (S::Reserved { amount, .. }, Event::Withdraw) => Ok(Transition {
            state: S::Withdrawn,
            entry: Some(give_back(bucket, amount, "Reservation given back: application withdrawn")),
            grant: None,
        }),
        (S::Submitted, Event::Recommend { amount }) => {
            let amount = bounded(amount.unwrap_or(situation.requested), situation.requested, "amount requested")?;
            if situation.policy.forum_decides(amount) {
                // Small projects start without the strategic level (`001_…`, item 1).
                ensure_available(bucket, situation.available, amount)?;
                let entry = Entry::new(EntryKind::Commitment, memo("Granted by the operations forum", amount)).transfer(
                    (Account::Available, bucket),
                    (Account::Committed, bucket),
                    amount,
                );
                return Ok(Transition { state: S::Approved { amount }, entry: Some(entry), grant: Some(amount) });
            }
            just(S::Recommended { amount })
        }
        (S::Submitted, Event::NotRecommend) => just(S::Submitted),
        (S::Submitted | S::Recommended { .. }, Event::Refer { amount }) => {
            let default = match state {
                S::Recommended { amount } => amount,
                _ => situation.requested,
            };
            let amount = bounded(amount.unwrap_or(default), situation.requested, "amount requested")?;
            ensure_available(bucket, situation.available, amount)?;
            let entry = Entry::new(EntryKind::Reservation, memo("Reserved: referred to the political level", amount)).transfer(
                (Account::Available, bucket),
                (Account::Pending, bucket),
                amount,
            );
            Ok(Transition { state: S::Reserved { amount, awaiting: Level::Political }, entry: Some(entry), grant: None })
        }
        (S::Submitted | S::Recommended { .. }, Event::Decide { level: Level::Strategic, outcome, amount }) => {
            // A rejection never needs a recommendation; an approval does when the policy says so.
            if outcome == Outcome::Rejected {
                return just(S::Rejected { by: Level::Strategic });
            }
            if situation.policy.recommendation_required && state == S::Submitted {
                return Err(WorkflowError::RecommendationRequired);
            }
            let default = match state {
                S::Recommended { amount } => amount,
                _ => situation.requested,
            };
            let amount = bounded(amount.unwrap_or(default), situation.requested, "amount requested")?;
            ensure_available(bucket, situation.available, amount)?;
            if amount >= situation.policy.political_threshold {
                let entry = Entry::new(EntryKind::Reservation, memo("Reserved pending political sign-off", amount)).transfer(
                    (Account::Available, bucket),
                    (Account::Pending, bucket),
                    amount,
                );
                Ok(Transition { state: S::Reserved { amount, awaiting: Level::Political }, entry: Some(entry), grant: None })
            } else {
                let entry = Entry::new(EntryKind::Commitment, memo("Granted by the strategic level", amount)).transfer(
                    (Account::Available, bucket),
                    (Account::Committed, bucket),
                    amount,
                );
                Ok(Transition { state: S::Approved { amount }, entry: Some(entry), grant: Some(amount) })
            }
        }
        (S::Submitted | S::Recommended { .. }, Event::RequestStrategicApproval) => {
            if situation.policy.recommendation_required && state == S::Submitted {
                return Err(WorkflowError::RecommendationRequired);
            }
            let amount = match state {
                S::Recommended { amount } => amount,
                _ => situation.requested,
            };
            ensure_available(bucket, situation.available, amount)?;
            let entry = Entry::new(EntryKind::Reservation, memo("Reserved while the co-chairs decide by e-mail", amount)).transfer(
                (Account::Available, bucket),
                (Account::Pending, bucket),
                amount,
            );
            Ok(Transition { state: S::Reserved { amount, awaiting: Level::Strategic }, entry: Some(entry), grant: None })
        }
        (S::Reserved { amount, awaiting: Level::Strategic }, Event::CancelStrategicRequest) => Ok(Transition {
            state: S::Recommended { amount },
            entry: Some(give_back(bucket, amount, "Reservation given back: e-mail request revoked")),
            grant: None,
        }),
        (S::Reserved { amount: reserved, awaiting: Level::Strategic }, Event::Decide { level: Level::Strategic, outcome, amount }) => {
            if outcome == Outcome::Rejected {
                return Ok(Transition {
                    state: S::Rejected { by: Level::Strategic },
                    entry: Some(give_back(bucket, reserved, "Reservation given back: rejected by the strategic level")),
                    grant: None,
                });
            }
            let amount = bounded(amount.unwrap_or(reserved), reserved, "amount reserved")?;
            if amount >= situation.policy.political_threshold {
                // Stays reserved for the political level; only what was not approved goes back.
                let unapproved = reserved.checked_sub(amount).filter(|r| !r.is_zero());
                let entry = unapproved.map(|rest| give_back(bucket, rest, "Reservation partly given back: the co-chairs approved less"));
                return Ok(Transition { state: S::Reserved { amount, awaiting: Level::Political }, entry, grant: None });
            }
            Ok(commit_reserved(bucket, reserved, amount, "Granted by the co-chairs"))
        }
        (S::Reserved { amount: reserved, awaiting: Level::Political }, Event::Decide { level: Level::Political, outcome, amount }) => {
            if outcome == Outcome::Rejected {
                return Ok(Transition {
                    state: S::Rejected { by: Level::Political },
                    entry: Some(give_back(bucket, reserved, "Reservation given back: rejected by the political level")),
                    grant: None,
                });
            }
            let amount = bounded(amount.unwrap_or(reserved), reserved, "amount reserved")?;
            Ok(commit_reserved(bucket, reserved, amount, "Granted with political sign-off"))
        }
        (S::Submitted | S::Recommended { .. }, Event::Decide { level: Level::Political, .. }) => Err(WorkflowError::StrategicFirst),
        _ => Err(not_allowed()),
    }
}

/// Whether an application is still in the workflow (not decided, not withdrawn).
pub fn undecided(state: ApplicationState) -> bool {
    matches!(
        state,
        ApplicationState::Draft | ApplicationState::Submitted | ApplicationState::Recommended { .. } | ApplicationState::Reserved { .. }
    )
}

/// Moving an undecided application to next year's pool at closing: what it
/// holds is given back in the closing pool and reserved again in the next,
/// which must have it available in the application's (new) bucket.
pub fn moved_reservation(
    state: ApplicationState,
    from: Bucket,
    to: Bucket,
    available_in_target: Money,
) -> Result<Option<(Entry, Entry)>, FundsError> {
    let ApplicationState::Reserved { amount, .. } = state else { return Ok(None) };
    ensure_available(to, available_in_target, amount)?;
    let out = Entry::new(EntryKind::ReservationRelease, memo("Reservation moved to the next year's pool", amount)).transfer(
        (Account::Pending, from),
        (Account::Available, from),
        amount,
    );
    let into = Entry::new(EntryKind::Reservation, memo("Reservation moved from the closing pool", amount)).transfer(
        (Account::Available, to),
        (Account::Pending, to),
        amount,
    );
    Ok(Some((out, into)))
}

fn bounded(amount: Money, limit: Money, limit_name: &'static str) -> Result<Money, WorkflowError> {
    if amount.is_zero() {
        Err(WorkflowError::ZeroAmount)
    } else if amount > limit {
        Err(WorkflowError::AmountTooHigh { amount, limit, limit_name })
    } else {
        Ok(amount)
    }
}

/// A grant of `amount` out of a reservation of `reserved`: the grant is
/// committed and the part not granted goes back to available.
fn commit_reserved(bucket: Bucket, reserved: Money, amount: Money, why: &str) -> Transition {
    let mut entry =
        Entry::new(EntryKind::Commitment, memo(why, amount)).transfer((Account::Pending, bucket), (Account::Committed, bucket), amount);
    if let Some(rest) = reserved.checked_sub(amount).filter(|r| !r.is_zero()) {
        entry = entry.transfer((Account::Pending, bucket), (Account::Available, bucket), rest);
    }
    Transition { state: ApplicationState::Approved { amount }, entry: Some(entry), grant: Some(amount) }
}

fn give_back(bucket: Bucket, amount: Money, why: &str) -> Entry {
    Entry::new(EntryKind::ReservationRelease, memo(why, amount)).transfer((Account::Pending, bucket), (Account::Available, bucket), amount)
}

impl std::fmt::Display for Level {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::fmt::Display for ApplicationState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests;
