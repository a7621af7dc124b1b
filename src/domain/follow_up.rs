//! Follow-up after the grant: the reporting plan (when the project reports,
//! and what), the progress reports that fulfil it, when reminders are due,
//! and whether a personal report link may still be used. Dates are
//! parameters: the caller reads the clock.

use chrono::{Days, Months, NaiveDate};

use super::approval::LinkProblem;

/// What a report is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ReportKind {
    /// A status report while the project runs.
    Status,
    /// The final report; it closes the grant's follow-up.
    Final,
}

impl ReportKind {
    pub const ALL: [ReportKind; 2] = [ReportKind::Status, ReportKind::Final];

    pub fn as_str(self) -> &'static str {
        match self {
            ReportKind::Status => "status",
            ReportKind::Final => "final",
        }
    }

    pub fn parse(text: &str) -> Option<ReportKind> {
        ReportKind::ALL.into_iter().find(|k| k.as_str() == text)
    }
}

/// How the project is doing, as its report says.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Progress {
    OnTrack,
    Delayed,
    /// The project has stopped: what is left of the grant should be released.
    Stopped,
}

impl Progress {
    pub const ALL: [Progress; 3] = [Progress::OnTrack, Progress::Delayed, Progress::Stopped];

    pub fn as_str(self) -> &'static str {
        match self {
            Progress::OnTrack => "on_track",
            Progress::Delayed => "delayed",
            Progress::Stopped => "stopped",
        }
    }

    pub fn parse(text: &str) -> Option<Progress> {
        Progress::ALL.into_iter().find(|p| p.as_str() == text)
    }

    /// How the minutes say it: "Projektet forløber som planlagt".
    pub fn words_da(self) -> &'static str {
        match self {
            Progress::OnTrack => "Projektet forløber som planlagt",
            Progress::Delayed => "Projektet er forsinket",
            Progress::Stopped => "Projektet er stoppet",
        }
    }

    /// Whether the secretariat should be asked to consider a release.
    pub fn prompts_release(self) -> bool {
        self == Progress::Stopped
    }
}

/// One report the plan expects.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PlanEntry {
    pub due_on: NaiveDate,
    pub kind: ReportKind,
}

/// A status report every this many months after the project starts.
pub const STATUS_EVERY_MONTHS: u32 = 6;
/// The final report this many months after the project ends.
pub const FINAL_AFTER_MONTHS: u32 = 3;
/// At most this many entries in one plan.
pub const MAX_ENTRIES: usize = 60;

/// The plan suggested from the project period: a status report every
/// [`STATUS_EVERY_MONTHS`] months after `starts_on` while before `ends_on`,
/// and the final report [`FINAL_AFTER_MONTHS`] months after `ends_on`.
pub fn suggested_plan(starts_on: NaiveDate, ends_on: NaiveDate) -> Vec<PlanEntry> {
    let mut plan = Vec::new();
    for n in 1..MAX_ENTRIES as u32 {
        let Some(due_on) = starts_on.checked_add_months(Months::new(STATUS_EVERY_MONTHS * n)) else { break };
        if due_on >= ends_on {
            break;
        }
        plan.push(PlanEntry { due_on, kind: ReportKind::Status });
    }
    let final_on = ends_on.checked_add_months(Months::new(FINAL_AFTER_MONTHS)).unwrap_or(ends_on);
    plan.push(PlanEntry { due_on: final_on, kind: ReportKind::Final });
    plan
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PlanError {
    #[error("the plan needs exactly one final report (it has {0})")]
    Finals(usize),
    #[error("the final report must be due last: a status report is due {0}, after it")]
    StatusAfterFinal(NaiveDate),
    #[error("a {} report due {} is in the plan twice", .0.kind.as_str(), .0.due_on)]
    Twice(PlanEntry),
    #[error("a plan has at most {MAX_ENTRIES} reports")]
    TooMany,
}

/// A plan as the secretariat sets it, in date order.
pub fn check_plan(entries: &[PlanEntry]) -> Result<Vec<PlanEntry>, PlanError> {
    if entries.len() > MAX_ENTRIES {
        return Err(PlanError::TooMany);
    }
    let mut sorted = entries.to_vec();
    sorted.sort();
    if let Some(w) = sorted.windows(2).find(|w| w[0] == w[1]) {
        return Err(PlanError::Twice(w[0]));
    }
    let finals: Vec<&PlanEntry> = sorted.iter().filter(|e| e.kind == ReportKind::Final).collect();
    let [final_entry] = finals.as_slice() else { return Err(PlanError::Finals(finals.len())) };
    if let Some(late) = sorted.iter().find(|e| e.kind == ReportKind::Status && e.due_on > final_entry.due_on) {
        return Err(PlanError::StatusAfterFinal(late.due_on));
    }
    Ok(sorted)
}

/// Where a plan entry stands on a given day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EntryState {
    /// Not submitted; the due date has not passed.
    Due,
    Submitted,
    /// Not submitted, and the due date has passed.
    Overdue,
}

impl EntryState {
    pub fn as_str(self) -> &'static str {
        match self {
            EntryState::Due => "due",
            EntryState::Submitted => "submitted",
            EntryState::Overdue => "overdue",
        }
    }
}

/// The entry's state on `today`, given whether a report fulfils it.
pub fn entry_state(entry: PlanEntry, submitted: bool, today: NaiveDate) -> EntryState {
    if submitted {
        EntryState::Submitted
    } else if today > entry.due_on {
        EntryState::Overdue
    } else {
        EntryState::Due
    }
}

/// Days past due on `today` (0 when not overdue).
pub fn days_overdue(entry: PlanEntry, today: NaiveDate) -> i64 {
    (today - entry.due_on).num_days().max(0)
}

/// Whether the grant's follow-up is over: the final report is in.
pub fn follow_up_closed(submitted: &[ReportKind]) -> bool {
    submitted.contains(&ReportKind::Final)
}

/// The entry a new report of `kind` fulfils: the earliest one of that kind
/// not yet submitted.
pub fn entry_for_report(plan: &[PlanEntry], submitted: &[PlanEntry], kind: ReportKind) -> Option<PlanEntry> {
    let mut open: Vec<PlanEntry> = plan.iter().copied().filter(|e| e.kind == kind && !submitted.contains(e)).collect();
    open.sort();
    open.first().copied()
}

/// A reminder of a report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Reminder {
    /// Some days before the due date.
    Before,
    /// Once the report is overdue.
    After,
}

impl Reminder {
    pub fn as_str(self) -> &'static str {
        match self {
            Reminder::Before => "before",
            Reminder::After => "after",
        }
    }
}

/// When reminders go out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReminderRule {
    /// The first reminder from this many days before the due date …
    pub before_days: u64,
    /// … and the second from this many days after it.
    pub after_days: u64,
}

impl Default for ReminderRule {
    fn default() -> Self {
        ReminderRule { before_days: 14, after_days: 1 }
    }
}

/// The reminder an open entry is due on `today`, if any (each is sent once;
/// the caller remembers which went out). A plan set after the first window
/// gets only the second reminder.
pub fn reminder_due(rule: ReminderRule, entry: PlanEntry, today: NaiveDate) -> Option<Reminder> {
    let from = entry.due_on.checked_sub_days(Days::new(rule.before_days)).unwrap_or(entry.due_on);
    let after = entry.due_on.checked_add_days(Days::new(rule.after_days)).unwrap_or(entry.due_on);
    if today >= after {
        Some(Reminder::After)
    } else if today >= from && today < entry.due_on {
        Some(Reminder::Before)
    } else {
        None
    }
}

/// Where a report link stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReportLinkState {
    Pending,
    Used,
}

impl ReportLinkState {
    pub fn as_str(self) -> &'static str {
        match self {
            ReportLinkState::Pending => "pending",
            ReportLinkState::Used => "used",
        }
    }

    pub fn parse(text: &str) -> Option<ReportLinkState> {
        [ReportLinkState::Pending, ReportLinkState::Used].into_iter().find(|s| s.as_str() == text)
    }
}

/// What a report link and its entry look like when the link is opened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReportLinkView {
    pub link: ReportLinkState,
    pub expired: bool,
    /// The entry is still in the plan and nobody has reported on it yet.
    pub entry_open: bool,
}

/// Whether a report link may be used now: once, before it expires, while
/// its entry is open (the same problems an approval link has).
pub fn report_link_usable(view: ReportLinkView) -> Result<(), LinkProblem> {
    match (view.link, view.expired, view.entry_open) {
        (ReportLinkState::Used, _, _) => Err(LinkProblem::Used),
        (_, true, _) => Err(LinkProblem::Expired),
        (_, _, false) => Err(LinkProblem::Void),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).expect("date")
    }

    fn status(due_on: NaiveDate) -> PlanEntry {
        PlanEntry { due_on, kind: ReportKind::Status }
    }

    #[test]
    fn a_project_of_april_2023_to_2024_reports_each_half_year_and_finally_three_months_after() {
        let plan = suggested_plan(d(2023, 4, 1), d(2024, 12, 31));
        assert_eq!(
            plan,
            vec![
                status(d(2023, 10, 1)),
                status(d(2024, 4, 1)),
                status(d(2024, 10, 1)),
                PlanEntry { due_on: d(2025, 3, 31), kind: ReportKind::Final }
            ]
        );
        assert_eq!(check_plan(&plan), Ok(plan.clone()));
        let short = suggested_plan(d(2023, 9, 1), d(2023, 12, 31));
        assert_eq!(short, vec![PlanEntry { due_on: d(2024, 3, 31), kind: ReportKind::Final }]);
    }

    #[test]
    fn a_plan_has_one_final_report_due_last_and_no_entry_twice() {
        let f = PlanEntry { due_on: d(2024, 3, 31), kind: ReportKind::Final };
        assert_eq!(check_plan(&[status(d(2023, 10, 1))]), Err(PlanError::Finals(0)));
        assert_eq!(check_plan(&[f, f]), Err(PlanError::Twice(f)));
        assert_eq!(check_plan(&[f, status(d(2024, 4, 1))]), Err(PlanError::StatusAfterFinal(d(2024, 4, 1))));
        assert_eq!(check_plan(&[f, status(d(2023, 10, 1))]), Ok(vec![status(d(2023, 10, 1)), f]));
    }

    #[test]
    fn an_entry_is_due_until_its_date_then_overdue_unless_submitted() {
        let e = status(d(2023, 10, 1));
        assert_eq!(entry_state(e, false, d(2023, 10, 1)), EntryState::Due);
        assert_eq!(entry_state(e, false, d(2023, 10, 2)), EntryState::Overdue);
        assert_eq!(entry_state(e, true, d(2024, 1, 1)), EntryState::Submitted);
        assert_eq!(days_overdue(e, d(2023, 10, 11)), 10);
        assert_eq!(days_overdue(e, d(2023, 9, 1)), 0);
    }

    #[test]
    fn reminders_go_fourteen_days_before_and_one_day_after() {
        let rule = ReminderRule::default();
        let e = status(d(2023, 10, 1));
        assert_eq!(reminder_due(rule, e, d(2023, 9, 16)), None);
        assert_eq!(reminder_due(rule, e, d(2023, 9, 17)), Some(Reminder::Before));
        assert_eq!(reminder_due(rule, e, d(2023, 10, 1)), None, "the due date itself: not yet overdue");
        assert_eq!(reminder_due(rule, e, d(2023, 10, 2)), Some(Reminder::After));
        assert_eq!(reminder_due(rule, e, d(2025, 1, 1)), Some(Reminder::After));
    }

    #[test]
    fn a_report_fulfils_the_earliest_open_entry_of_its_kind() {
        let plan = suggested_plan(d(2023, 4, 1), d(2024, 12, 31));
        assert_eq!(entry_for_report(&plan, &[], ReportKind::Status), Some(status(d(2023, 10, 1))));
        assert_eq!(entry_for_report(&plan, &[status(d(2023, 10, 1))], ReportKind::Status), Some(status(d(2024, 4, 1))));
        assert_eq!(entry_for_report(&plan, &plan, ReportKind::Final), None);
        assert!(follow_up_closed(&[ReportKind::Status, ReportKind::Final]));
        assert!(!follow_up_closed(&[ReportKind::Status]));
        assert!(Progress::Stopped.prompts_release() && !Progress::Delayed.prompts_release());
    }

    #[test]
    fn a_report_link_works_once_before_expiry_while_its_entry_is_open() {
        let v = |link, expired, entry_open| report_link_usable(ReportLinkView { link, expired, entry_open });
        assert_eq!(v(ReportLinkState::Pending, false, true), Ok(()));
        assert_eq!(v(ReportLinkState::Used, false, false), Err(LinkProblem::Used));
        assert_eq!(v(ReportLinkState::Pending, true, true), Err(LinkProblem::Expired));
        assert_eq!(v(ReportLinkState::Pending, false, false), Err(LinkProblem::Void));
    }
}
