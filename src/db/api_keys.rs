//! API keys: stored only as a SHA-256 hash of the key.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::AnyConnection;
use super::schema::api_keys;

#[derive(Debug, Clone, Queryable)]
pub struct ApiKeyRow {
    pub id: i64,
    pub name: String,
    pub role: String,
    /// Comma-separated cluster slugs; empty means every cluster.
    pub clusters: String,
    pub key_hash: String,
    pub key_prefix: String,
    pub created_at: NaiveDateTime,
    pub expires_at: Option<NaiveDateTime>,
    pub revoked_at: Option<NaiveDateTime>,
}

pub struct NewApiKey<'a> {
    pub name: &'a str,
    pub role: &'a str,
    pub clusters: &'a [String],
    pub key_hash: &'a str,
    pub key_prefix: &'a str,
    pub expires_at: Option<NaiveDateTime>,
}

pub fn insert(conn: &mut AnyConnection, key: &NewApiKey<'_>, now: NaiveDateTime) -> QueryResult<ApiKeyRow> {
    let mut rows: Vec<ApiKeyRow> = diesel::insert_into(api_keys::table)
        .values((
            api_keys::name.eq(key.name),
            api_keys::role.eq(key.role),
            api_keys::clusters.eq(key.clusters.join(",")),
            api_keys::key_hash.eq(key.key_hash),
            api_keys::key_prefix.eq(key.key_prefix),
            api_keys::created_at.eq(now),
            api_keys::expires_at.eq(key.expires_at),
        ))
        .returning(api_keys::all_columns)
        .get_results(conn)?;
    rows.pop().ok_or(diesel::result::Error::NotFound)
}

/// The live key with this hash: not revoked, not expired at `now`.
pub fn find_live(conn: &mut AnyConnection, key_hash: &str, now: NaiveDateTime) -> QueryResult<Option<ApiKeyRow>> {
    api_keys::table
        .select(api_keys::all_columns)
        .filter(api_keys::key_hash.eq(key_hash))
        .filter(api_keys::revoked_at.is_null())
        .filter(api_keys::expires_at.is_null().or(api_keys::expires_at.gt(now)))
        .first(conn)
        .optional()
}
