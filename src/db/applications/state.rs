//! An application's workflow state ↔ its row's state columns.

use super::ApplicationRow;
use crate::domain::money::Money;
use crate::domain::workflow::{ApplicationState, Level};

/// The state a row stands for; `None` when its columns do not make one.
pub(super) fn state_of(row: &ApplicationRow) -> Option<ApplicationState> {
    let money = |ore: Option<i64>| ore.and_then(Money::from_ore);
    Some(match row.state.as_str() {
        "draft" => ApplicationState::Draft,
        "submitted" => ApplicationState::Submitted,
        "recommended" => ApplicationState::Recommended { amount: money(row.recommended_ore)? },
        "reserved" => {
            ApplicationState::Reserved { amount: Money::from_ore(row.reserved_ore)?, awaiting: Level::parse(row.awaiting.as_deref()?)? }
        }
        "approved" => ApplicationState::Approved { amount: money(row.approved_ore)? },
        "rejected" => ApplicationState::Rejected { by: Level::parse(row.rejected_by.as_deref()?)? },
        "withdrawn" => ApplicationState::Withdrawn,
        _ => return None,
    })
}

/// The state columns of a row, as one state sets them.
pub(super) struct Columns {
    pub(super) state: &'static str,
    pub(super) recommended_ore: Option<i64>,
    pub(super) reserved_ore: i64,
    pub(super) approved_ore: Option<i64>,
    pub(super) awaiting: Option<&'static str>,
    pub(super) rejected_by: Option<&'static str>,
}

/// The columns `state` sets; a recommendation already made is kept.
pub(super) fn columns_of(state: ApplicationState, recommended_before: Option<i64>) -> Columns {
    let mut c = Columns {
        state: state.name(),
        recommended_ore: recommended_before,
        reserved_ore: 0,
        approved_ore: None,
        awaiting: None,
        rejected_by: None,
    };
    match state {
        ApplicationState::Recommended { amount } => c.recommended_ore = Some(amount.ore()),
        ApplicationState::Reserved { amount, awaiting } => {
            c.reserved_ore = amount.ore();
            c.awaiting = Some(awaiting.as_str());
        }
        ApplicationState::Approved { amount } => c.approved_ore = Some(amount.ore()),
        ApplicationState::Rejected { by } => c.rejected_by = Some(by.as_str()),
        _ => {}
    }
    c
}
