//! Meetings and their agenda items, as stored. No rules here: the meetings
//! service decides, this module persists.

use crate::db::cached::{CacheStatement, direct};
use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use super::schema::{meeting_items, meetings};
use super::{AnyConnection, StoreError};
use crate::domain::allocation::AllocationModel;
use crate::domain::meeting::{Forum, ItemKind, ItemOutcome, MeetingState};
use crate::domain::money::Money;
use crate::domain::share::Share;

#[derive(Debug, Clone, Queryable)]
pub struct MeetingRow {
    pub id: i64,
    pub cluster_id: i64,
    pub forum: String,
    pub date: NaiveDate,
    pub title: String,
    pub location: String,
    pub attendees: String,
    pub apologies: String,
    pub state: String,
    pub reference: String,
    pub held_at: Option<NaiveDateTime>,
    pub version: i64,
    pub created_by: String,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

impl MeetingRow {
    pub fn forum(&self) -> Result<Forum, StoreError> {
        Forum::parse(&self.forum).ok_or_else(|| StoreError::Corrupt(format!("meeting {}: forum {:?}", self.id, self.forum)))
    }

    pub fn state(&self) -> Result<MeetingState, StoreError> {
        MeetingState::parse(&self.state).ok_or_else(|| StoreError::Corrupt(format!("meeting {}: state {:?}", self.id, self.state)))
    }

    pub fn attendees(&self) -> Vec<String> {
        serde_json::from_str(&self.attendees).unwrap_or_default()
    }

    pub fn apologies(&self) -> Vec<String> {
        serde_json::from_str(&self.apologies).unwrap_or_default()
    }
}

#[derive(Debug, Clone, Queryable)]
pub struct ItemRow {
    pub id: i64,
    pub meeting_id: i64,
    pub number: i32,
    pub kind: String,
    pub application_id: Option<i64>,
    pub carry_over_id: Option<i64>,
    pub pool_id: Option<i64>,
    pub model_kind: Option<String>,
    pub model_share_ppm: Option<i32>,
    pub title: String,
    pub case_text: String,
    pub proposals: String,
    pub edited: bool,
    pub outcome: Option<String>,
    pub outcome_amount_ore: Option<i64>,
    pub outcome_note: String,
    pub postponed_from: Option<i64>,
    pub carried_to: Option<i64>,
    pub version: i64,
    pub amendment_id: Option<i64>,
    pub grant_id: Option<i64>,
}

impl ItemRow {
    pub fn kind(&self) -> Result<ItemKind, StoreError> {
        ItemKind::parse(&self.kind).ok_or_else(|| StoreError::Corrupt(format!("meeting item {}: kind {:?}", self.id, self.kind)))
    }

    pub fn outcome(&self) -> Option<ItemOutcome> {
        self.outcome.as_deref().and_then(ItemOutcome::parse)
    }

    pub fn outcome_amount(&self) -> Option<Money> {
        self.outcome_amount_ore.and_then(Money::from_ore)
    }

    /// A model item's proposal.
    pub fn model(&self) -> Result<Option<AllocationModel>, StoreError> {
        let share = self.model_share_ppm.and_then(|p| u32::try_from(p).ok()).and_then(Share::from_ppm);
        match (self.model_kind.as_deref(), share) {
            (None, _) => Ok(None),
            (Some("upfront"), _) => Ok(Some(AllocationModel::Upfront)),
            (Some("rolling"), _) => Ok(Some(AllocationModel::Rolling)),
            (Some("split"), Some(upfront_share)) => Ok(Some(AllocationModel::Split { upfront_share })),
            (Some(other), _) => Err(StoreError::Corrupt(format!("meeting item {}: model {other}", self.id))),
        }
    }

    pub fn paragraphs(&self) -> Vec<String> {
        self.case_text.split("\n\n").filter(|p| !p.is_empty()).map(str::to_owned).collect()
    }

    pub fn proposals(&self) -> Vec<String> {
        serde_json::from_str(&self.proposals).unwrap_or_default()
    }
}

/// A new meeting.
pub struct NewMeeting<'a> {
    pub cluster_id: i64,
    pub forum: Forum,
    pub date: NaiveDate,
    pub title: &'a str,
    pub location: &'a str,
    pub attendees: &'a [String],
    pub apologies: &'a [String],
    pub created_by: &'a str,
    pub at: NaiveDateTime,
}

pub fn insert(conn: &mut AnyConnection, m: &NewMeeting<'_>) -> Result<MeetingRow, StoreError> {
    let json = |list: &[String]| serde_json::to_string(list).unwrap_or_else(|_| "[]".into());
    Ok(diesel::insert_into(meetings::table)
        .values((
            meetings::cluster_id.eq(m.cluster_id),
            meetings::forum.eq(m.forum.as_str()),
            meetings::meeting_date.eq(m.date),
            meetings::title.eq(m.title),
            meetings::location.eq(m.location),
            meetings::attendees.eq(json(m.attendees)),
            meetings::apologies.eq(json(m.apologies)),
            meetings::created_by.eq(m.created_by),
            meetings::created_at.eq(m.at),
            meetings::updated_at.eq(m.at),
        ))
        .returning(meetings::all_columns)
        .get_result(conn)?)
}

pub fn find(conn: &mut AnyConnection, id: i64) -> Result<Option<MeetingRow>, StoreError> {
    Ok(meetings::table.find(id).select(meetings::all_columns).first(conn).optional()?)
}

/// What to list meetings by.
#[derive(Debug, Clone, Default)]
pub struct MeetingFilter {
    /// `None`: every cluster the caller may see (`Some(ids)`) — `clusters` is the scope.
    pub clusters: Option<Vec<i64>>,
    pub cluster: Option<i64>,
    pub forum: Option<Forum>,
    /// Meetings dated in this calendar year.
    pub year: Option<i32>,
    pub after_id: Option<i64>,
}

/// Meetings by date, then id.
pub fn list(conn: &mut AnyConnection, filter: &MeetingFilter, limit: i64) -> Result<Vec<MeetingRow>, StoreError> {
    let mut q = meetings::table.select(meetings::all_columns).into_boxed();
    if let Some(ids) = &filter.clusters {
        q = q.filter(meetings::cluster_id.eq_any(ids.clone()));
    }
    if let Some(c) = filter.cluster {
        q = q.filter(meetings::cluster_id.eq(c));
    }
    if let Some(f) = filter.forum {
        q = q.filter(meetings::forum.eq(f.as_str()));
    }
    if let Some(year) = filter.year.and_then(|y| Some((NaiveDate::from_ymd_opt(y, 1, 1)?, NaiveDate::from_ymd_opt(y, 12, 31)?))) {
        q = q.filter(meetings::meeting_date.between(year.0, year.1));
    }
    if let Some(after) = filter.after_id {
        q = q.filter(meetings::id.gt(after));
    }
    Ok(q.order(meetings::id).limit(limit).load(conn)?)
}

/// The forum's next planned meeting after `date` (the earliest).
pub fn next_planned(conn: &mut AnyConnection, cluster_id: i64, forum: Forum, date: NaiveDate) -> Result<Option<MeetingRow>, StoreError> {
    Ok(meetings::table
        .filter(meetings::cluster_id.eq(cluster_id))
        .filter(meetings::forum.eq(forum.as_str()))
        .filter(meetings::state.eq(MeetingState::Planned.as_str()))
        .filter(meetings::meeting_date.gt(date))
        .order((meetings::meeting_date, meetings::id))
        .select(meetings::all_columns)
        .first(conn)
        .optional()?)
}

/// Marks a meeting held with the reference its decisions carry; `None` when it changed meanwhile.
pub fn mark_held(conn: &mut AnyConnection, m: &MeetingRow, reference: &str, at: NaiveDateTime) -> Result<Option<MeetingRow>, StoreError> {
    Ok(diesel::update(meetings::table.find(m.id).filter(meetings::version.eq(m.version)))
        .set((
            meetings::state.eq(MeetingState::Held.as_str()),
            meetings::reference.eq(reference),
            meetings::held_at.eq(Some(at)),
            meetings::version.eq(m.version + 1),
            meetings::updated_at.eq(at),
        ))
        .returning(meetings::all_columns)
        .get_result(conn)
        .optional()?)
}

/// Counts a change to a meeting's agenda in its version (its ETag).
pub fn touch(conn: &mut AnyConnection, id: i64, at: NaiveDateTime) -> Result<(), StoreError> {
    diesel::update(meetings::table.find(id))
        .set((meetings::version.eq(meetings::version + 1), meetings::updated_at.eq(at)))
        .execute(conn)?;
    Ok(())
}

pub fn items(conn: &mut AnyConnection, meeting_id: i64) -> Result<Vec<ItemRow>, StoreError> {
    Ok(meeting_items::table
        .filter(meeting_items::meeting_id.eq(meeting_id))
        .order(meeting_items::number)
        .select(meeting_items::all_columns)
        .load(conn)?)
}

pub fn find_item(conn: &mut AnyConnection, id: i64) -> Result<Option<ItemRow>, StoreError> {
    Ok(meeting_items::table.find(id).select(meeting_items::all_columns).first(conn).optional()?)
}

/// A new agenda item (its number is the next free one).
pub struct NewItem<'a> {
    pub meeting_id: i64,
    pub kind: ItemKind,
    pub application_id: Option<i64>,
    pub carry_over_id: Option<i64>,
    pub pool_id: Option<i64>,
    /// A model item's proposal: kind and upfront share in ppm.
    pub model: Option<(&'a str, Option<i32>)>,
    pub title: &'a str,
    pub case_text: &'a [String],
    pub proposals: &'a [String],
    pub postponed_from: Option<i64>,
    pub amendment_id: Option<i64>,
    pub grant_id: Option<i64>,
}

pub fn insert_item(conn: &mut AnyConnection, item: &NewItem<'_>) -> Result<ItemRow, StoreError> {
    let last: Option<i32> = meeting_items::table
        .filter(meeting_items::meeting_id.eq(item.meeting_id))
        .select(diesel::dsl::max(meeting_items::number))
        .first(conn)?;
    Ok(diesel::insert_into(meeting_items::table)
        .values((
            meeting_items::meeting_id.eq(item.meeting_id),
            meeting_items::number.eq(last.unwrap_or(0) + 1),
            meeting_items::kind.eq(item.kind.as_str()),
            meeting_items::application_id.eq(item.application_id),
            meeting_items::carry_over_id.eq(item.carry_over_id),
            meeting_items::pool_id.eq(item.pool_id),
            meeting_items::model_kind.eq(item.model.map(|(k, _)| k)),
            meeting_items::model_share_ppm.eq(item.model.and_then(|(_, s)| s)),
            meeting_items::title.eq(item.title),
            meeting_items::case_text.eq(item.case_text.join("\n\n")),
            meeting_items::proposals.eq(serde_json::to_string(item.proposals).unwrap_or_else(|_| "[]".into())),
            meeting_items::postponed_from.eq(item.postponed_from),
            meeting_items::amendment_id.eq(item.amendment_id),
            meeting_items::grant_id.eq(item.grant_id),
        ))
        .returning(meeting_items::all_columns)
        .get_result(conn)?)
}

/// Saves the secretariat's edit of an item's texts; `None` when it changed meanwhile.
pub fn edit_item(
    conn: &mut AnyConnection,
    item: &ItemRow,
    title: &str,
    case_text: &[String],
    proposals: &[String],
) -> Result<Option<ItemRow>, StoreError> {
    Ok(diesel::update(meeting_items::table.find(item.id).filter(meeting_items::version.eq(item.version)))
        .set((
            meeting_items::title.eq(title),
            meeting_items::case_text.eq(case_text.join("\n\n")),
            meeting_items::proposals.eq(serde_json::to_string(proposals).unwrap_or_else(|_| "[]".into())),
            meeting_items::edited.eq(true),
            meeting_items::version.eq(item.version + 1),
        ))
        .returning(meeting_items::all_columns)
        .get_result(conn)
        .optional()?)
}

/// Records an item's outcome.
pub fn record_outcome(
    conn: &mut AnyConnection,
    item_id: i64,
    outcome: ItemOutcome,
    amount: Option<Money>,
    note: &str,
) -> Result<(), StoreError> {
    diesel::update(meeting_items::table.find(item_id))
        .set((
            meeting_items::outcome.eq(Some(outcome.as_str())),
            meeting_items::outcome_amount_ore.eq(amount.map(Money::ore)),
            meeting_items::outcome_note.eq(note),
            meeting_items::version.eq(meeting_items::version + 1),
        ))
        .execute(conn)?;
    Ok(())
}

/// Links a postponed item to the item it became on the next meeting.
pub fn set_carried_to(conn: &mut AnyConnection, item_id: i64, to: i64) -> Result<(), StoreError> {
    diesel::update(meeting_items::table.find(item_id)).set(meeting_items::carried_to.eq(Some(to))).execute(conn)?;
    Ok(())
}

/// Postponed items of a forum's earlier meetings that no meeting has taken up yet.
pub fn waiting_postponed(conn: &mut AnyConnection, cluster_id: i64, forum: Forum, before: NaiveDate) -> Result<Vec<ItemRow>, StoreError> {
    Ok(meeting_items::table
        .inner_join(meetings::table.on(meetings::id.eq(meeting_items::meeting_id)))
        .filter(meetings::cluster_id.eq(cluster_id))
        .filter(meetings::forum.eq(forum.as_str()))
        .filter(meetings::meeting_date.lt(before))
        .filter(meeting_items::outcome.eq(ItemOutcome::Postponed.as_str()))
        .filter(meeting_items::carried_to.is_null())
        .order(meeting_items::id)
        .select(meeting_items::all_columns)
        .load(conn)?)
}

/// The meetings each application was on: (application, meeting, item).
pub fn of_applications(conn: &mut AnyConnection, ids: &[i64]) -> Result<Vec<(i64, MeetingRow, ItemRow)>, StoreError> {
    let rows: Vec<(ItemRow, MeetingRow)> = direct!(conn, |c| meeting_items::table
        .inner_join(meetings::table.on(meetings::id.eq(meeting_items::meeting_id)))
        .filter(meeting_items::application_id.eq_any(ids))
        .order((meetings::meeting_date, meetings::id))
        .select((meeting_items::all_columns, meetings::all_columns))
        .cached_if_few(ids.len())
        .load(c))?;
    Ok(rows.into_iter().filter_map(|(i, m)| i.application_id.map(|a| (a, m, i))).collect())
}
