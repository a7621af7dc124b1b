//! Dashboard sessions: one row per sign-in, found by the SHA-256 of the
//! random id in the cookie. The id itself and the key are never stored here.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::AnyConnection;
use super::api_keys::{ApiKeyRow, UserRow};
use super::schema::{api_keys, dashboard_sessions, users};

/// Starts a session for `api_key_id`, valid until `expires_at`.
pub fn insert(
    conn: &mut AnyConnection,
    session_hash: &str,
    api_key_id: i64,
    now: NaiveDateTime,
    expires_at: NaiveDateTime,
) -> QueryResult<()> {
    diesel::insert_into(dashboard_sessions::table)
        .values((
            dashboard_sessions::session_hash.eq(session_hash),
            dashboard_sessions::api_key_id.eq(api_key_id),
            dashboard_sessions::created_at.eq(now),
            dashboard_sessions::expires_at.eq(expires_at),
        ))
        .execute(conn)
        .map(|_| ())
}

/// The key of the live session with this hash: the session not expired at
/// `now`, its key neither revoked nor expired, the key's user not disabled.
/// Checked on every request, so revoking the key ends the session at once.
pub fn live_key(conn: &mut AnyConnection, session_hash: &str, now: NaiveDateTime) -> QueryResult<Option<ApiKeyRow>> {
    let key: Option<ApiKeyRow> = dashboard_sessions::table
        .inner_join(api_keys::table)
        .select(api_keys::all_columns)
        .filter(dashboard_sessions::session_hash.eq(session_hash))
        .filter(dashboard_sessions::expires_at.gt(now))
        .filter(api_keys::revoked_at.is_null())
        .filter(api_keys::expires_at.is_null().or(api_keys::expires_at.gt(now)))
        .first(conn)
        .optional()?;
    let Some(key) = key else { return Ok(None) };
    if let Some(user_id) = key.user_id {
        let user: Option<UserRow> = users::table.select(users::all_columns).filter(users::id.eq(user_id)).first(conn).optional()?;
        if user.is_some_and(|u| u.disabled_at.is_some()) {
            return Ok(None);
        }
    }
    Ok(Some(key))
}

/// Ends the session with this hash (sign-out); whether there was one.
pub fn delete(conn: &mut AnyConnection, session_hash: &str) -> QueryResult<bool> {
    diesel::delete(dashboard_sessions::table.filter(dashboard_sessions::session_hash.eq(session_hash))).execute(conn).map(|n| n > 0)
}

/// Deletes the sessions that expired by `now`; how many.
pub fn delete_expired(conn: &mut AnyConnection, now: NaiveDateTime) -> QueryResult<usize> {
    diesel::delete(dashboard_sessions::table.filter(dashboard_sessions::expires_at.le(now))).execute(conn)
}
