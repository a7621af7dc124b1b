//! Each domain and service error as the one problem it is: its status and
//! `type`, and the field it names when it is the client's input.

use super::{ApiError, ConflictKind};
use crate::domain::grant::GrantError;
use crate::domain::ledger::FundsError;
use crate::domain::pool::{PoolError, ReallocationError};
use crate::domain::workflow::WorkflowError;

impl From<PoolError> for ApiError {
    fn from(e: PoolError) -> Self {
        ApiError::Conflict { kind: ConflictKind::PoolState, detail: e.to_string() }
    }
}

impl From<FundsError> for ApiError {
    fn from(e: FundsError) -> Self {
        ApiError::InsufficientFunds(e)
    }
}

impl From<WorkflowError> for ApiError {
    fn from(e: WorkflowError) -> Self {
        match e {
            WorkflowError::Funds(f) => ApiError::InsufficientFunds(f),
            WorkflowError::ZeroAmount | WorkflowError::AmountTooHigh { .. } => ApiError::field("amount", e),
            WorkflowError::Ineligible(_) => ApiError::Conflict { kind: ConflictKind::Ineligible, detail: e.to_string() },
            WorkflowError::PoolNotOpen(_) => ApiError::Conflict { kind: ConflictKind::PoolState, detail: e.to_string() },
            WorkflowError::NotAllowed { .. } | WorkflowError::RecommendationRequired | WorkflowError::StrategicFirst => {
                ApiError::Conflict { kind: ConflictKind::ApplicationState, detail: e.to_string() }
            }
        }
    }
}

impl From<crate::applications::service::AdvanceError> for ApiError {
    fn from(e: crate::applications::service::AdvanceError) -> Self {
        use crate::applications::service::AdvanceError;
        match e {
            AdvanceError::Workflow(w) => w.into(),
            AdvanceError::Changed => ApiError::Conflict { kind: ConflictKind::ConcurrentChange, detail: e.to_string() },
            AdvanceError::MeetingDate(d) => ApiError::field("meeting_date", d),
            AdvanceError::Store(s) => ApiError::Store(s),
        }
    }
}

impl From<crate::grants::service::MovementError> for ApiError {
    fn from(e: crate::grants::service::MovementError) -> Self {
        use crate::grants::service::MovementError;
        match e {
            MovementError::Grant(g) => g.into(),
            MovementError::Changed => ApiError::Conflict { kind: ConflictKind::ConcurrentChange, detail: e.to_string() },
            MovementError::Store(s) => ApiError::Store(s),
        }
    }
}

impl From<crate::admin::service::AdminError> for ApiError {
    fn from(e: crate::admin::service::AdminError) -> Self {
        use crate::admin::service::AdminError;
        match e {
            AdminError::Duplicate(detail) => ApiError::Conflict { kind: ConflictKind::Duplicate, detail },
            AdminError::Store(s) => ApiError::Store(s),
        }
    }
}

impl From<crate::pools::service::PoolsError> for ApiError {
    fn from(e: crate::pools::service::PoolsError) -> Self {
        use crate::pools::service::PoolsError;
        match e {
            PoolsError::Pool(p) => p.into(),
            PoolsError::Reallocation(r) => r.into(),
            PoolsError::UnknownCluster { index, .. } => ApiError::field(format!("populations[{index}].cluster"), e),
            PoolsError::Duplicate(detail) => ApiError::Conflict { kind: ConflictKind::Duplicate, detail },
            PoolsError::Approval(a) => (*a).into(),
            PoolsError::CarryOver(c) => (*c).into(),
            PoolsError::MoneyReserved(_) => ApiError::Conflict { kind: ConflictKind::PoolState, detail: e.to_string() },
            PoolsError::NoTarget(_) => ApiError::field("to_pool", e),
            PoolsError::Changed => ApiError::Conflict { kind: ConflictKind::ConcurrentChange, detail: e.to_string() },
            PoolsError::Store(s) => ApiError::Store(s),
        }
    }
}

impl From<GrantError> for ApiError {
    fn from(e: GrantError) -> Self {
        match e {
            GrantError::ZeroAmount => ApiError::field("amount", e),
            GrantError::ExceedsRemaining { .. } | GrantError::NothingLeft => {
                ApiError::Conflict { kind: ConflictKind::ExceedsGrant, detail: e.to_string() }
            }
        }
    }
}

impl From<ReallocationError> for ApiError {
    fn from(e: ReallocationError) -> Self {
        match e {
            ReallocationError::Pool(p) => p.into(),
            ReallocationError::Funds(f) => ApiError::InsufficientFunds(f),
            ReallocationError::NoSuchBucket { .. } | ReallocationError::SameBucket => ApiError::field("to_bucket", e),
            ReallocationError::ZeroAmount => ApiError::field("amount", e),
        }
    }
}
