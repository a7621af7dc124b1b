//! The kinds of conflict (409), one problem type and title each.

/// The kinds of conflict with the current state (409): each one problem
/// `type`, one title and one shape (`type`, `title`, `status`, `detail`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConflictKind {
    PoolState,
    ApplicationState,
    ApprovalRequest,
    CarryOverOpen,
    CarryOverState,
    /// More than a pool has left to carry over.
    CarryOverAmount,
    ConcurrentChange,
    Duplicate,
    ExceedsGrant,
    IdempotencyInProgress,
    KeyAlreadyIssued,
    /// The project does not meet the pool's criteria or does not cross sectors.
    Ineligible,
    /// The item does not belong on this meeting's agenda (forum, state, cluster).
    Agenda,
    /// The meeting is held: its agenda and outcomes are final.
    MeetingHeld,
    /// The grant's amendment is decided already, awaits another level, or one is pending already.
    AmendmentState,
    /// The grant's reporting plan does not allow this (follow-up closed, no open report of that kind, a submitted report dropped).
    ReportingPlan,
}

impl ConflictKind {
    pub const ALL: [ConflictKind; 16] = [
        ConflictKind::PoolState,
        ConflictKind::ApplicationState,
        ConflictKind::ApprovalRequest,
        ConflictKind::CarryOverOpen,
        ConflictKind::CarryOverState,
        ConflictKind::CarryOverAmount,
        ConflictKind::ConcurrentChange,
        ConflictKind::Duplicate,
        ConflictKind::ExceedsGrant,
        ConflictKind::IdempotencyInProgress,
        ConflictKind::KeyAlreadyIssued,
        ConflictKind::Agenda,
        ConflictKind::MeetingHeld,
        ConflictKind::Ineligible,
        ConflictKind::AmendmentState,
        ConflictKind::ReportingPlan,
    ];

    /// The last part of the problem's `type` URN.
    pub fn as_str(self) -> &'static str {
        match self {
            ConflictKind::PoolState => "pool-state",
            ConflictKind::ApplicationState => "application-state",
            ConflictKind::ApprovalRequest => "approval-request",
            ConflictKind::CarryOverOpen => "carry-over-open",
            ConflictKind::CarryOverState => "carry-over-state",
            ConflictKind::CarryOverAmount => "carry-over-amount",
            ConflictKind::ConcurrentChange => "concurrent-change",
            ConflictKind::Duplicate => "duplicate",
            ConflictKind::ExceedsGrant => "exceeds-grant",
            ConflictKind::IdempotencyInProgress => "idempotency-in-progress",
            ConflictKind::KeyAlreadyIssued => "key-already-issued",
            ConflictKind::Agenda => "agenda",
            ConflictKind::MeetingHeld => "meeting-held",
            ConflictKind::Ineligible => "ineligible",
            ConflictKind::AmendmentState => "amendment-state",
            ConflictKind::ReportingPlan => "reporting-plan",
        }
    }

    pub fn title(self) -> &'static str {
        match self {
            ConflictKind::PoolState => "The pool does not allow this now",
            ConflictKind::ApplicationState => "The application does not allow this now",
            ConflictKind::ApprovalRequest => "The approval request does not allow this",
            ConflictKind::CarryOverOpen => "A carry-over is already open",
            ConflictKind::CarryOverState => "The carry-over does not allow this now",
            ConflictKind::CarryOverAmount => "More than is left to carry over",
            ConflictKind::ConcurrentChange => "Changed by someone else meanwhile",
            ConflictKind::Duplicate => "Already exists",
            ConflictKind::ExceedsGrant => "More than the grant has left",
            ConflictKind::IdempotencyInProgress => "The first request with this key is not finished",
            ConflictKind::KeyAlreadyIssued => "The key was issued by the first request",
            ConflictKind::Agenda => "The item does not belong on this agenda",
            ConflictKind::MeetingHeld => "The meeting is held",
            ConflictKind::Ineligible => "The project does not meet the pool's criteria",
            ConflictKind::AmendmentState => "The amendment does not allow this now",
            ConflictKind::ReportingPlan => "The reporting plan does not allow this",
        }
    }
}
