//! The steps an application takes, as they are recorded as evidence: which
//! step (who acted) and with what outcome.

use super::workflow::{Level, Outcome};

/// Who acted on the application.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum StepKind {
    Submitted,
    Withdrawn,
    /// The operations forum's recommendation.
    Recommendation,
    Strategic,
    Political,
}

impl StepKind {
    pub const ALL: [StepKind; 5] =
        [StepKind::Submitted, StepKind::Withdrawn, StepKind::Recommendation, StepKind::Strategic, StepKind::Political];

    pub fn as_str(self) -> &'static str {
        match self {
            StepKind::Submitted => "submitted",
            StepKind::Withdrawn => "withdrawn",
            StepKind::Recommendation => "recommendation",
            StepKind::Strategic => "strategic",
            StepKind::Political => "political",
        }
    }

    pub fn parse(text: &str) -> Option<StepKind> {
        StepKind::ALL.into_iter().find(|s| s.as_str() == text)
    }

    /// The step a level's decision is recorded as.
    pub fn of_level(level: Level) -> StepKind {
        match level {
            Level::Strategic => StepKind::Strategic,
            Level::Political => StepKind::Political,
        }
    }

    /// A decision of a level (as opposed to a submission, withdrawal or recommendation).
    pub fn is_decision(self) -> bool {
        matches!(self, StepKind::Strategic | StepKind::Political)
    }
}

/// What came of a step.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum StepOutcome {
    Submitted,
    Withdrawn,
    Recommended,
    /// The level was asked by e-mail link.
    Requested,
    Approved,
    Rejected,
    /// The e-mail request was revoked (or ended when the pool closed).
    Revoked,
    /// The operations forum did not recommend the case.
    NotRecommended,
    /// The strategic level sent the case on to the political level.
    Referred,
}

impl StepOutcome {
    pub const ALL: [StepOutcome; 9] = [
        StepOutcome::Submitted,
        StepOutcome::Withdrawn,
        StepOutcome::Recommended,
        StepOutcome::Requested,
        StepOutcome::Approved,
        StepOutcome::Rejected,
        StepOutcome::Revoked,
        StepOutcome::NotRecommended,
        StepOutcome::Referred,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            StepOutcome::Submitted => "submitted",
            StepOutcome::Withdrawn => "withdrawn",
            StepOutcome::Recommended => "recommended",
            StepOutcome::Requested => "requested",
            StepOutcome::Approved => "approved",
            StepOutcome::Rejected => "rejected",
            StepOutcome::Revoked => "revoked",
            StepOutcome::NotRecommended => "not_recommended",
            StepOutcome::Referred => "referred",
        }
    }

    pub fn parse(text: &str) -> Option<StepOutcome> {
        StepOutcome::ALL.into_iter().find(|s| s.as_str() == text)
    }

    pub fn of_decision(outcome: Outcome) -> StepOutcome {
        match outcome {
            Outcome::Approved => StepOutcome::Approved,
            Outcome::Rejected => StepOutcome::Rejected,
        }
    }

    /// A final answer of a level: approved or rejected.
    pub fn is_final(self) -> bool {
        matches!(self, StepOutcome::Approved | StepOutcome::Rejected)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_step_and_outcome_reads_back_from_its_name() {
        for s in StepKind::ALL {
            assert_eq!(StepKind::parse(s.as_str()), Some(s));
        }
        for o in StepOutcome::ALL {
            assert_eq!(StepOutcome::parse(o.as_str()), Some(o));
        }
        assert_eq!(StepKind::parse("meeting"), None);
        assert_eq!(StepKind::of_level(Level::Political), StepKind::Political);
        assert!(StepOutcome::of_decision(Outcome::Rejected).is_final());
    }
}
