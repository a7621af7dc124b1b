//! Users and their API keys. A key is stored only as a SHA-256 hash; it
//! carries its user's role and clusters.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::{api_keys, users};
use super::{AnyConnection, StoreError};

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
    pub user_id: Option<i64>,
    pub last_used_at: Option<NaiveDateTime>,
}

#[derive(Debug, Clone, Queryable)]
pub struct UserRow {
    pub id: i64,
    pub name: String,
    pub email: String,
    pub role: String,
    pub clusters: String,
    pub version: i64,
    pub created_at: NaiveDateTime,
    pub disabled_at: Option<NaiveDateTime>,
}

impl UserRow {
    pub fn cluster_list(&self) -> Vec<String> {
        split_clusters(&self.clusters)
    }
}

pub fn split_clusters(text: &str) -> Vec<String> {
    text.split(',').filter(|s| !s.is_empty()).map(str::to_owned).collect()
}

pub struct NewApiKey<'a> {
    pub user: &'a UserRow,
    pub name: &'a str,
    pub key_hash: &'a str,
    pub key_prefix: &'a str,
    pub expires_at: Option<NaiveDateTime>,
}

pub fn insert_key(conn: &mut AnyConnection, key: &NewApiKey<'_>, now: NaiveDateTime) -> QueryResult<ApiKeyRow> {
    let mut rows: Vec<ApiKeyRow> = diesel::insert_into(api_keys::table)
        .values((
            api_keys::name.eq(key.name),
            api_keys::role.eq(&key.user.role),
            api_keys::clusters.eq(&key.user.clusters),
            api_keys::key_hash.eq(key.key_hash),
            api_keys::key_prefix.eq(key.key_prefix),
            api_keys::created_at.eq(now),
            api_keys::expires_at.eq(key.expires_at),
            api_keys::user_id.eq(key.user.id),
        ))
        .returning(api_keys::all_columns)
        .get_results(conn)?;
    rows.pop().ok_or(diesel::result::Error::NotFound)
}

/// The live key with this hash and its user: not revoked, not expired at
/// `now`, user not disabled.
pub fn find_live(conn: &mut AnyConnection, key_hash: &str, now: NaiveDateTime) -> QueryResult<Option<(ApiKeyRow, Option<UserRow>)>> {
    let key: Option<ApiKeyRow> = api_keys::table
        .select(api_keys::all_columns)
        .filter(api_keys::key_hash.eq(key_hash))
        .filter(api_keys::revoked_at.is_null())
        .filter(api_keys::expires_at.is_null().or(api_keys::expires_at.gt(now)))
        .first(conn)
        .optional()?;
    let Some(key) = key else { return Ok(None) };
    let user = match key.user_id {
        Some(id) => users::table.select(users::all_columns).filter(users::id.eq(id)).first::<UserRow>(conn).optional()?,
        None => None,
    };
    if user.as_ref().is_some_and(|u| u.disabled_at.is_some()) {
        return Ok(None);
    }
    Ok(Some((key, user)))
}

/// Records a use; coarse (a minute) so reads do not turn into writes.
pub fn touch(conn: &mut AnyConnection, key_id: i64, now: NaiveDateTime) -> QueryResult<()> {
    let stale = now - chrono::Duration::seconds(60);
    diesel::update(
        api_keys::table.filter(api_keys::id.eq(key_id)).filter(api_keys::last_used_at.is_null().or(api_keys::last_used_at.lt(stale))),
    )
    .set(api_keys::last_used_at.eq(now))
    .execute(conn)
    .map(|_| ())
}

pub fn keys(conn: &mut AnyConnection, user_id: Option<i64>) -> QueryResult<Vec<ApiKeyRow>> {
    let mut query = api_keys::table.select(api_keys::all_columns).order(api_keys::id).into_boxed();
    if let Some(user) = user_id {
        query = query.filter(api_keys::user_id.eq(user));
    }
    query.load(conn)
}

pub fn find_key(conn: &mut AnyConnection, id: i64) -> QueryResult<Option<ApiKeyRow>> {
    api_keys::table.select(api_keys::all_columns).filter(api_keys::id.eq(id)).first(conn).optional()
}

pub fn revoke(conn: &mut AnyConnection, id: i64, now: NaiveDateTime) -> QueryResult<bool> {
    let revoked = diesel::update(api_keys::table.filter(api_keys::id.eq(id)).filter(api_keys::revoked_at.is_null()))
        .set(api_keys::revoked_at.eq(now))
        .execute(conn)?
        == 1;
    if revoked {
        credentials_changed(conn)?;
    }
    Ok(revoked)
}

/// The channel on which every node hears that a key or user changed.
pub const CREDENTIALS_CHANNEL: &str = "klyngemidler_credentials";

/// Tells every node (on PostgreSQL, through `NOTIFY`, delivered when this
/// transaction commits and not before) to forget the keys it has verified.
/// SQLite has one node, whose caller forgets them itself after the commit.
fn credentials_changed(conn: &mut AnyConnection) -> QueryResult<()> {
    if matches!(conn, AnyConnection::Postgresql(_)) {
        diesel::sql_query(format!("NOTIFY {CREDENTIALS_CHANNEL}")).execute(conn)?;
    }
    Ok(())
}

pub fn users(conn: &mut AnyConnection) -> QueryResult<Vec<UserRow>> {
    users::table.select(users::all_columns).order(users::id).load(conn)
}

pub fn find_user(conn: &mut AnyConnection, id: i64) -> QueryResult<Option<UserRow>> {
    users::table.select(users::all_columns).filter(users::id.eq(id)).first(conn).optional()
}

pub fn find_user_by_email(conn: &mut AnyConnection, email: &str) -> QueryResult<Option<UserRow>> {
    users::table.select(users::all_columns).filter(users::email.eq(email.to_lowercase())).first(conn).optional()
}

pub fn insert_user(
    conn: &mut AnyConnection,
    name: &str,
    email: &str,
    role: &str,
    clusters: &[String],
    now: NaiveDateTime,
) -> QueryResult<UserRow> {
    let mut rows: Vec<UserRow> = diesel::insert_into(users::table)
        .values((
            users::name.eq(name),
            users::email.eq(email.to_lowercase()),
            users::role.eq(role),
            users::clusters.eq(clusters.join(",")),
            users::version.eq(1),
            users::created_at.eq(now),
        ))
        .returning(users::all_columns)
        .get_results(conn)?;
    rows.pop().ok_or(diesel::result::Error::NotFound)
}

/// Saves a changed user over the version it was read at, and gives the
/// user's keys the new role and clusters. `Ok(None)` when stale.
pub fn update_user(conn: &mut AnyConnection, before: &UserRow, after: &UserRow) -> Result<Option<UserRow>, StoreError> {
    let mut rows: Vec<UserRow> = diesel::update(users::table.filter(users::id.eq(before.id)).filter(users::version.eq(before.version)))
        .set((
            users::name.eq(&after.name),
            users::email.eq(after.email.to_lowercase()),
            users::role.eq(&after.role),
            users::clusters.eq(&after.clusters),
            users::version.eq(before.version + 1),
            users::disabled_at.eq(after.disabled_at),
        ))
        .returning(users::all_columns)
        .get_results(conn)?;
    let Some(saved) = rows.pop() else { return Ok(None) };
    diesel::update(api_keys::table.filter(api_keys::user_id.eq(saved.id)))
        .set((api_keys::role.eq(&saved.role), api_keys::clusters.eq(&saved.clusters)))
        .execute(conn)?;
    credentials_changed(conn)?;
    Ok(Some(saved))
}
