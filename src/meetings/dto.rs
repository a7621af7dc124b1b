//! What the meetings endpoints read and write, and how their errors read.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::db::meetings::{ItemRow, MeetingRow};
use crate::domain::meeting::{Forum, ItemKind, ItemOutcome};
use crate::http::error::ApiError;
use crate::http::utc;
use crate::pools::policy::AllocationModelDto;

#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum ForumDto {
    /// Driftsforum: recommends.
    OperationsForum,
    /// Fagligt strategisk niveau: decides.
    Strategic,
    /// Politisk niveau: signs off.
    Political,
}

impl From<ForumDto> for Forum {
    fn from(f: ForumDto) -> Self {
        match f {
            ForumDto::OperationsForum => Forum::OperationsForum,
            ForumDto::Strategic => Forum::Strategic,
            ForumDto::Political => Forum::Political,
        }
    }
}

impl From<Forum> for ForumDto {
    fn from(f: Forum) -> Self {
        match f {
            Forum::OperationsForum => ForumDto::OperationsForum,
            Forum::Strategic => ForumDto::Strategic,
            Forum::Political => ForumDto::Political,
        }
    }
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum MeetingStateDto {
    Planned,
    Held,
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum ItemKindDto {
    Application,
    CarryOver,
    Model,
    Note,
    /// An amendment of a grant, decided by the level it awaits.
    Amendment,
    /// A project's status (its latest report), a standing item.
    GrantStatus,
}

impl From<ItemKind> for ItemKindDto {
    fn from(k: ItemKind) -> Self {
        match k {
            ItemKind::Application => ItemKindDto::Application,
            ItemKind::CarryOver => ItemKindDto::CarryOver,
            ItemKind::Model => ItemKindDto::Model,
            ItemKind::Note => ItemKindDto::Note,
            ItemKind::Amendment => ItemKindDto::Amendment,
            ItemKind::GrantStatus => ItemKindDto::GrantStatus,
        }
    }
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum ItemOutcomeDto {
    Approved,
    Rejected,
    Postponed,
    Referred,
    Noted,
}

impl From<ItemOutcomeDto> for ItemOutcome {
    fn from(o: ItemOutcomeDto) -> Self {
        match o {
            ItemOutcomeDto::Approved => ItemOutcome::Approved,
            ItemOutcomeDto::Rejected => ItemOutcome::Rejected,
            ItemOutcomeDto::Postponed => ItemOutcome::Postponed,
            ItemOutcomeDto::Referred => ItemOutcome::Referred,
            ItemOutcomeDto::Noted => ItemOutcome::Noted,
        }
    }
}

impl From<ItemOutcome> for ItemOutcomeDto {
    fn from(o: ItemOutcome) -> Self {
        match o {
            ItemOutcome::Approved => ItemOutcomeDto::Approved,
            ItemOutcome::Rejected => ItemOutcomeDto::Rejected,
            ItemOutcome::Postponed => ItemOutcomeDto::Postponed,
            ItemOutcome::Referred => ItemOutcomeDto::Referred,
            ItemOutcome::Noted => ItemOutcomeDto::Noted,
        }
    }
}

/// A new meeting of one forum of one cluster.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MeetingRequest {
    #[schema(example = "vest")]
    pub cluster: String,
    pub forum: ForumDto,
    #[schema(example = "2022-10-13")]
    pub date: NaiveDate,
    /// Default: "Møde i <forum> <date>".
    #[schema(example = "13. møde på fagligt strategisk niveau i Sundhedsklynge Vest")]
    pub title: Option<String>,
    /// A room, or "Teams – digitalt møde".
    #[schema(example = "Teams – digitalt møde")]
    pub location: Option<String>,
    /// Attendees by role (no names needed).
    #[schema(example = json!(["Regional medformand", "Kommunal medformand"]))]
    pub attendees: Option<Vec<String>>,
    /// Apologies (afbud), by role.
    pub apologies: Option<Vec<String>>,
}

/// Where a postponed item came from or went to.
#[derive(Debug, Serialize, ToSchema)]
pub struct ItemLinkDto {
    pub item_id: i64,
}

/// One numbered agenda item with its indstilling.
#[derive(Debug, Serialize, ToSchema)]
pub struct ItemDto {
    pub number: i32,
    pub kind: ItemKindDto,
    pub application: Option<i64>,
    pub carry_over: Option<i64>,
    pub amendment: Option<i64>,
    pub grant: Option<i64>,
    /// The pool the item draws on.
    #[schema(example = "vest-2022")]
    pub pool: Option<String>,
    pub title: String,
    /// The case text, as paragraphs.
    pub case_text: Vec<String>,
    /// "Det indstilles, at … :" followed by the numbered proposals.
    pub indstilling: String,
    pub proposals: Vec<String>,
    /// The secretariat has edited the drafted texts.
    pub edited: bool,
    pub outcome: Option<ItemOutcomeDto>,
    /// The amount the sitting named (none: as proposed).
    #[schema(pattern = r"^[0-9]{1,12}\.[0-9]{2}$")]
    pub amount: Option<String>,
    pub note: String,
    /// The item of an earlier meeting this one was postponed from.
    pub postponed_from: Option<i64>,
    /// The item of a later meeting this postponed one became.
    pub carried_to: Option<i64>,
    pub id: i64,
    /// Goes in `If-Match` (as `"<version>"`) to edit the item.
    pub version: i64,
}

/// A meeting with its agenda.
#[derive(Debug, Serialize, ToSchema)]
pub struct MeetingDto {
    pub id: i64,
    #[schema(example = "vest")]
    pub cluster: String,
    pub forum: ForumDto,
    pub date: NaiveDate,
    pub title: String,
    pub location: String,
    pub attendees: Vec<String>,
    pub apologies: Vec<String>,
    pub state: MeetingStateDto,
    /// The reference the decisions carry, once held.
    pub reference: String,
    pub held_at: Option<DateTime<Utc>>,
    pub items: Vec<ItemDto>,
    pub version: i64,
    pub created_at: DateTime<Utc>,
}

pub fn item_dto(row: ItemRow, pool: Option<String>, intro: &str) -> ItemDto {
    let proposals = row.proposals();
    let numbered: Vec<String> = proposals.iter().enumerate().map(|(i, p)| format!("{}) {p}", i + 1)).collect();
    ItemDto {
        number: row.number,
        kind: row.kind().map(ItemKindDto::from).unwrap_or(ItemKindDto::Note),
        application: row.application_id,
        carry_over: row.carry_over_id,
        amendment: row.amendment_id,
        grant: row.grant_id,
        pool,
        title: row.title.clone(),
        case_text: row.paragraphs(),
        indstilling: format!("{intro}\n{}", numbered.join("\n")),
        proposals,
        edited: row.edited,
        outcome: row.outcome().map(ItemOutcomeDto::from),
        amount: row.outcome_amount().map(|m| m.to_string()),
        note: row.outcome_note,
        postponed_from: row.postponed_from,
        carried_to: row.carried_to,
        id: row.id,
        version: row.version,
    }
}

pub fn meeting_dto(row: MeetingRow, cluster: String, items: Vec<ItemDto>) -> Result<MeetingDto, ApiError> {
    let forum = row.forum()?;
    let state = match row.state()? {
        crate::domain::meeting::MeetingState::Planned => MeetingStateDto::Planned,
        crate::domain::meeting::MeetingState::Held => MeetingStateDto::Held,
    };
    Ok(MeetingDto {
        id: row.id,
        cluster,
        forum: forum.into(),
        date: row.date,
        title: row.title.clone(),
        location: row.location.clone(),
        attendees: row.attendees(),
        apologies: row.apologies(),
        state,
        reference: row.reference.clone(),
        held_at: row.held_at.map(utc),
        items,
        version: row.version,
        created_at: utc(row.created_at),
    })
}

/// A new agenda item.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ItemRequest {
    pub kind: ItemKindDto,
    /// With `application`: the application's id.
    pub application: Option<i64>,
    /// With `carry_over`: the carry-over's id.
    pub carry_over: Option<i64>,
    /// With `model`: the pool whose allocation model is decided.
    #[schema(example = "vest-2022")]
    pub pool: Option<String>,
    /// With `model`: the model proposed (leave out to ask the forum to decide one).
    pub model: Option<AllocationModelDto>,
    /// With `amendment`: the amendment's id.
    pub amendment: Option<i64>,
    /// With `grant_status`: the grant's id.
    pub grant: Option<i64>,
    /// With `note`: its title and text.
    pub title: Option<String>,
    pub text: Option<String>,
}

/// The secretariat's own words for an item; the figures stay computed.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ItemEdit {
    pub title: Option<String>,
    pub case_text: Option<Vec<String>>,
    pub proposals: Option<Vec<String>>,
}

/// One item's outcome in a sitting.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OutcomeRequest {
    /// The item's number on the agenda.
    #[schema(example = 1)]
    pub item: i32,
    pub outcome: ItemOutcomeDto,
    /// With `approved` or `referred` of an application: the amount (default: the one proposed).
    #[schema(example = "140000.00", pattern = r"^[0-9]{1,12}(\.[0-9]{1,2})?$")]
    pub amount: Option<String>,
    /// The referat of the item, or the reason of a rejection.
    pub note: Option<String>,
}

/// Every outcome of a sitting, recorded at once.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SittingRequest {
    /// Where the decisions are minuted; each step gets ", pkt. <item>" added.
    #[schema(example = "Referat 13.10.2022")]
    pub reference: String,
    pub outcomes: Vec<OutcomeRequest>,
}
