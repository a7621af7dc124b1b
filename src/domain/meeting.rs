//! Meetings of the forums: which forum a case belongs before, what each
//! outcome of a sitting means for the workflow, and the words the minutes
//! use. The drafting of an indstilling is in [`indstilling`].

pub mod indstilling;
#[cfg(test)]
mod tests;

use super::money::Money;
use super::step::{StepKind, StepOutcome};
use super::workflow::{ApplicationState, Event, Level, Outcome};

/// The three forums that meet.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Forum {
    /// Driftsforum: prepares and recommends.
    OperationsForum,
    /// Fagligt strategisk niveau: decides projects and the model.
    Strategic,
    /// Politisk niveau (sundhedsklyngeudvalget): signs off.
    Political,
}

impl Forum {
    pub const ALL: [Forum; 3] = [Forum::OperationsForum, Forum::Strategic, Forum::Political];

    pub fn as_str(self) -> &'static str {
        match self {
            Forum::OperationsForum => "operations_forum",
            Forum::Strategic => "strategic",
            Forum::Political => "political",
        }
    }

    pub fn parse(text: &str) -> Option<Forum> {
        Forum::ALL.into_iter().find(|f| f.as_str() == text)
    }

    /// The forum's name as the minutes write it.
    pub fn name_da(self) -> &'static str {
        match self {
            Forum::OperationsForum => "Driftsforum",
            Forum::Strategic => "Fagligt strategisk niveau",
            Forum::Political => "Politisk niveau",
        }
    }

    /// The forum of a level's decision.
    pub fn of_level(level: Level) -> Forum {
        match level {
            Level::Strategic => Forum::Strategic,
            Level::Political => Forum::Political,
        }
    }
}

/// A meeting is planned until its outcomes are recorded; then it is held.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MeetingState {
    Planned,
    Held,
}

impl MeetingState {
    pub fn as_str(self) -> &'static str {
        match self {
            MeetingState::Planned => "planned",
            MeetingState::Held => "held",
        }
    }

    pub fn parse(text: &str) -> Option<MeetingState> {
        [MeetingState::Planned, MeetingState::Held].into_iter().find(|s| s.as_str() == text)
    }
}

/// What an agenda item is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ItemKind {
    Application,
    CarryOver,
    /// The allocation model of a pool.
    Model,
    /// A free note (orientering).
    Note,
    /// An amendment of a grant (a new total, end date or budget) to decide.
    Amendment,
    /// A grant's status: the project's latest report, a standing item.
    GrantStatus,
}

impl ItemKind {
    pub const ALL: [ItemKind; 6] =
        [ItemKind::Application, ItemKind::CarryOver, ItemKind::Model, ItemKind::Note, ItemKind::Amendment, ItemKind::GrantStatus];

    pub fn as_str(self) -> &'static str {
        match self {
            ItemKind::Application => "application",
            ItemKind::CarryOver => "carry_over",
            ItemKind::Model => "model",
            ItemKind::Note => "note",
            ItemKind::Amendment => "amendment",
            ItemKind::GrantStatus => "grant_status",
        }
    }

    pub fn parse(text: &str) -> Option<ItemKind> {
        ItemKind::ALL.into_iter().find(|k| k.as_str() == text)
    }
}

/// What a forum decided on an item.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ItemOutcome {
    Approved,
    Rejected,
    /// Udsat: the item goes onto the forum's next meeting.
    Postponed,
    /// Sendes videre til drøftelse på politisk niveau.
    Referred,
    /// Taget til efterretning.
    Noted,
}

impl ItemOutcome {
    pub const ALL: [ItemOutcome; 5] =
        [ItemOutcome::Approved, ItemOutcome::Rejected, ItemOutcome::Postponed, ItemOutcome::Referred, ItemOutcome::Noted];

    pub fn as_str(self) -> &'static str {
        match self {
            ItemOutcome::Approved => "approved",
            ItemOutcome::Rejected => "rejected",
            ItemOutcome::Postponed => "postponed",
            ItemOutcome::Referred => "referred",
            ItemOutcome::Noted => "noted",
        }
    }

    pub fn parse(text: &str) -> Option<ItemOutcome> {
        ItemOutcome::ALL.into_iter().find(|o| o.as_str() == text)
    }
}

/// Why an item cannot be on a forum's agenda, or cannot have an outcome.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MeetingRule {
    #[error("the application is {state} and belongs before {expected}, not {forum}")]
    WrongForum { state: &'static str, expected: &'static str, forum: &'static str },
    #[error("the application is {0}: there is nothing left for a forum to decide")]
    NothingToDecide(&'static str),
    #[error("the application awaits the co-chairs' answer by e-mail; revoke that request before a meeting decides")]
    AwaitsEmail,
    #[error("{0}")]
    Outcome(&'static str),
}

/// The forum that decides an application in `state` next. When the pool's
/// policy does not require a recommendation, a submitted case may also go
/// straight to the strategic level.
pub fn forums_for(state: ApplicationState, recommendation_required: bool) -> Result<&'static [Forum], MeetingRule> {
    match state {
        ApplicationState::Submitted if recommendation_required => Ok(&[Forum::OperationsForum]),
        ApplicationState::Submitted => Ok(&[Forum::OperationsForum, Forum::Strategic]),
        ApplicationState::Recommended { .. } => Ok(&[Forum::Strategic]),
        ApplicationState::Reserved { awaiting: Level::Political, .. } => Ok(&[Forum::Political]),
        ApplicationState::Reserved { awaiting: Level::Strategic, .. } => Err(MeetingRule::AwaitsEmail),
        other => Err(MeetingRule::NothingToDecide(other.name())),
    }
}

/// Checks that `forum` decides an application in `state` next.
pub fn check_forum(forum: Forum, state: ApplicationState, recommendation_required: bool) -> Result<(), MeetingRule> {
    let forums = forums_for(state, recommendation_required)?;
    if forums.contains(&forum) {
        Ok(())
    } else {
        Err(MeetingRule::WrongForum { state: state.name(), expected: forums[0].name_da(), forum: forum.name_da() })
    }
}

/// The workflow step an application outcome takes: the same event, step
/// and audit action as the single-decision endpoints record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ApplicationStep {
    pub event: Event,
    pub step: StepKind,
    pub outcome: StepOutcome,
    pub action: &'static str,
}

/// What `outcome` of `forum` does to an application: `None` for a
/// postponement (nothing moves; the item goes on to the next meeting).
pub fn application_step(forum: Forum, outcome: ItemOutcome, amount: Option<Money>) -> Result<Option<ApplicationStep>, MeetingRule> {
    if amount.is_some() && !matches!(outcome, ItemOutcome::Approved | ItemOutcome::Referred) {
        return Err(MeetingRule::Outcome("only an approval or a referral carries an amount"));
    }
    let step = |event, step, outcome, action| Ok(Some(ApplicationStep { event, step, outcome, action }));
    let decide = |level, o| Event::Decide { level, outcome: o, amount };
    match (forum, outcome) {
        (_, ItemOutcome::Postponed) => Ok(None),
        (_, ItemOutcome::Noted) => {
            Err(MeetingRule::Outcome("an application needs a decision: approved, rejected, postponed or (strategic level) referred"))
        }
        (Forum::OperationsForum, ItemOutcome::Approved) => {
            step(Event::Recommend { amount }, StepKind::Recommendation, StepOutcome::Recommended, "application.recommended")
        }
        (Forum::OperationsForum, ItemOutcome::Rejected) => {
            step(Event::NotRecommend, StepKind::Recommendation, StepOutcome::NotRecommended, "application.not_recommended")
        }
        (Forum::OperationsForum, ItemOutcome::Referred) => {
            Err(MeetingRule::Outcome("the operations forum recommends; only the strategic level refers a case to the political level"))
        }
        (Forum::Strategic, ItemOutcome::Approved) => {
            step(decide(Level::Strategic, Outcome::Approved), StepKind::Strategic, StepOutcome::Approved, "application.strategic_approved")
        }
        (Forum::Strategic, ItemOutcome::Rejected) => {
            step(decide(Level::Strategic, Outcome::Rejected), StepKind::Strategic, StepOutcome::Rejected, "application.strategic_rejected")
        }
        (Forum::Strategic, ItemOutcome::Referred) => {
            step(Event::Refer { amount }, StepKind::Strategic, StepOutcome::Referred, "application.referred")
        }
        (Forum::Political, ItemOutcome::Approved) => {
            step(decide(Level::Political, Outcome::Approved), StepKind::Political, StepOutcome::Approved, "application.political_approved")
        }
        (Forum::Political, ItemOutcome::Rejected) => {
            step(decide(Level::Political, Outcome::Rejected), StepKind::Political, StepOutcome::Rejected, "application.political_rejected")
        }
        (Forum::Political, ItemOutcome::Referred) => {
            Err(MeetingRule::Outcome("the political level decides last; there is no level to refer the case to"))
        }
    }
}

/// What a carry-over outcome means: the political level concludes it
/// (`Some(true)` approve, `Some(false)` reject); the strategic level sends it
/// on or takes note, which moves nothing (`None`).
pub fn carry_over_answer(forum: Forum, outcome: ItemOutcome) -> Result<Option<bool>, MeetingRule> {
    match (forum, outcome) {
        (_, ItemOutcome::Postponed) => Ok(None),
        (Forum::Political, ItemOutcome::Approved) => Ok(Some(true)),
        (Forum::Political, ItemOutcome::Rejected) => Ok(Some(false)),
        (Forum::Political, _) => Err(MeetingRule::Outcome("the political level approves or rejects a carry-over (or postpones it)")),
        (_, ItemOutcome::Referred | ItemOutcome::Noted) => Ok(None),
        _ => Err(MeetingRule::Outcome(
            "only the political level approves or rejects a carry-over; this forum refers it on, takes note or postpones",
        )),
    }
}

/// What an amendment outcome of `forum` is: the level's approval or
/// rejection (`None`: postponed). Only the level the amendment awaits decides.
pub fn amendment_decision(forum: Forum, awaiting: Option<Level>, outcome: ItemOutcome) -> Result<Option<(Level, Outcome)>, MeetingRule> {
    let level = match (forum, awaiting) {
        (Forum::Strategic, Some(Level::Strategic)) => Level::Strategic,
        (Forum::Political, Some(Level::Political)) => Level::Political,
        (_, None) => return Err(MeetingRule::Outcome("the amendment is decided already")),
        (_, Some(Level::Strategic)) => return Err(MeetingRule::Outcome("the amendment awaits the strategic level")),
        (_, Some(Level::Political)) => return Err(MeetingRule::Outcome("the amendment awaits the political level")),
    };
    match outcome {
        ItemOutcome::Approved => Ok(Some((level, Outcome::Approved))),
        ItemOutcome::Rejected => Ok(Some((level, Outcome::Rejected))),
        ItemOutcome::Postponed => Ok(None),
        _ => Err(MeetingRule::Outcome("an amendment is approved, rejected or postponed")),
    }
}

/// Whether an outcome of a model or note item is one it can have.
pub fn check_plain_outcome(kind: ItemKind, forum: Forum, outcome: ItemOutcome) -> Result<(), MeetingRule> {
    match (kind, outcome) {
        (ItemKind::Note, ItemOutcome::Noted | ItemOutcome::Approved | ItemOutcome::Postponed) => Ok(()),
        (ItemKind::Note, _) => Err(MeetingRule::Outcome("a note is noted, approved or postponed")),
        (ItemKind::GrantStatus, ItemOutcome::Noted | ItemOutcome::Postponed) => Ok(()),
        (ItemKind::GrantStatus, _) => Err(MeetingRule::Outcome("a project's status is noted or postponed")),
        (ItemKind::Model, _) if forum != Forum::Strategic => {
            Err(MeetingRule::Outcome("the allocation model is decided by the strategic level"))
        }
        (ItemKind::Model, ItemOutcome::Approved | ItemOutcome::Noted | ItemOutcome::Postponed) => Ok(()),
        (ItemKind::Model, _) => {
            Err(MeetingRule::Outcome("the model is approved, postponed, or noted without a decision (the pool keeps its model)"))
        }
        _ => Ok(()),
    }
}

/// The outcome as the seeds' minutes write it.
pub fn outcome_da(kind: ItemKind, outcome: ItemOutcome, as_proposed: bool, amount: Option<Money>) -> String {
    match (kind, outcome) {
        (_, ItemOutcome::Approved) if as_proposed => "Godkendt. Indstillingen blev fulgt.".to_owned(),
        (_, ItemOutcome::Approved) => match amount {
            Some(a) => format!("Godkendt med {}", super::money::kroner(a)),
            None => "Godkendt.".to_owned(),
        },
        (ItemKind::Application | ItemKind::Amendment, ItemOutcome::Rejected) => "Afvist. Indstillingen blev ikke fulgt.".to_owned(),
        (_, ItemOutcome::Rejected) => "Afvist.".to_owned(),
        (_, ItemOutcome::Postponed) => "Udsat til næste møde.".to_owned(),
        (_, ItemOutcome::Referred) => "Sendes videre til drøftelse på politisk niveau.".to_owned(),
        (ItemKind::Model, ItemOutcome::Noted) => {
            "Der blev ikke truffet beslutning om tildelingsmodel, hvilket betyder, at midlerne tildeles løbende.".to_owned()
        }
        (_, ItemOutcome::Noted) => "Taget til efterretning.".to_owned(),
    }
}
