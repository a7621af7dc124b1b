//! The meetings an application was on the agenda of, as its view shows them.

use chrono::NaiveDate;
use serde::Serialize;
use utoipa::ToSchema;

use crate::db::AnyConnection;
use crate::http::error::ApiError;

/// A meeting an application was on, and what came of it there.
#[derive(Debug, Serialize, ToSchema)]
pub struct MeetingRefDto {
    /// `/api/v1/meetings/{meeting}`.
    pub meeting: i64,
    #[schema(example = "strategic")]
    pub forum: String,
    pub date: NaiveDate,
    /// The item's number on that agenda.
    pub item: i32,
    /// `approved`, `rejected`, `postponed`, `referred`; none until the meeting is held.
    pub outcome: Option<String>,
}

pub(crate) fn meeting_refs(conn: &mut AnyConnection, ids: &[i64]) -> Result<std::collections::HashMap<i64, Vec<MeetingRefDto>>, ApiError> {
    let mut out: std::collections::HashMap<i64, Vec<MeetingRefDto>> = std::collections::HashMap::new();
    for (app, m, item) in crate::db::meetings::of_applications(conn, ids)? {
        out.entry(app).or_default().push(MeetingRefDto {
            meeting: m.id,
            forum: m.forum,
            date: m.date,
            item: item.number,
            outcome: item.outcome,
        });
    }
    Ok(out)
}
