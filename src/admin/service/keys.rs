//! Issuing API keys to users: from the command line, the API, the demo and tests.

use chrono::NaiveDateTime;

use crate::db::api_keys::{self, NewApiKey, UserRow};
use crate::db::audit::{self, AuditEvent};
use crate::db::{AnyConnection, StoreError, clusters};
use crate::domain::access::Role;
use crate::secrets::{hex, new_api_key, sha256_hex};

#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error("unknown role '{0}'; use admin, finance, secretariat or viewer")]
    UnknownRole(String),
    #[error("unknown cluster '{0}'")]
    UnknownCluster(String),
    #[error("user {email} exists with role {role} and clusters [{clusters}]; change the user first")]
    UserMismatch { email: String, role: String, clusters: String },
    #[error("the operating system gave no randomness: {0}")]
    Random(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<diesel::result::Error> for KeyError {
    fn from(e: diesel::result::Error) -> Self {
        KeyError::Store(e.into())
    }
}

impl crate::db::TxError for KeyError {
    fn is_retryable(&self) -> bool {
        matches!(self, KeyError::Store(e) if e.is_serialization_failure())
    }
}

/// The user with this e-mail, created when new. Without an e-mail the key
/// gets a user of its own (`key-…@users.invalid`).
pub fn user_for(
    conn: &mut AnyConnection,
    role: &str,
    cluster_slugs: &[String],
    name: &str,
    email: Option<&str>,
    now: NaiveDateTime,
) -> Result<UserRow, KeyError> {
    let role = Role::parse(role).ok_or_else(|| KeyError::UnknownRole(role.to_owned()))?;
    for slug in cluster_slugs {
        if clusters::find(conn, slug)?.is_none() {
            return Err(KeyError::UnknownCluster(slug.clone()));
        }
    }
    let email = match email {
        Some(e) => e.trim().to_lowercase(),
        None => {
            let mut b = [0u8; 6];
            getrandom::fill(&mut b).map_err(|e| KeyError::Random(e.to_string()))?;
            format!("key-{}@users.invalid", hex(&b))
        }
    };
    if let Some(user) = api_keys::find_user_by_email(conn, &email)? {
        if user.role != role.as_str() || user.cluster_list() != cluster_slugs {
            return Err(KeyError::UserMismatch { email, role: user.role, clusters: user.clusters });
        }
        return Ok(user);
    }
    let user = api_keys::insert_user(conn, name, &email, role.as_str(), cluster_slugs, now)?;
    audit::record(
        conn,
        &AuditEvent {
            at: now,
            actor: "command line",
            action: "user.created",
            subject: format!("user:{}", user.id),
            before: None,
            after: Some(serde_json::json!({"name": name, "email": email, "role": role.as_str(), "clusters": cluster_slugs})),
            request_id: None,
        },
    )?;
    Ok(user)
}

/// Issues a key to `user` and returns it in the clear: the only time it is seen.
pub fn issue_for(
    conn: &mut AnyConnection,
    user: &UserRow,
    name: &str,
    expires_at: Option<NaiveDateTime>,
    actor: &str,
    now: NaiveDateTime,
) -> Result<(i64, String), KeyError> {
    let key = new_api_key().map_err(|e| KeyError::Random(e.to_string()))?;
    let row = api_keys::insert_key(conn, &NewApiKey { user, name, key_hash: &sha256_hex(&key), key_prefix: &key[..12], expires_at }, now)?;
    audit::record(
        conn,
        &AuditEvent {
            at: now,
            actor,
            action: "api_key.created",
            subject: format!("api_key:{}", row.id),
            before: None,
            after: Some(
                serde_json::json!({"name": name, "user": user.id, "role": user.role, "clusters": user.clusters, "expires_at": expires_at}),
            ),
            request_id: None,
        },
    )?;
    Ok((row.id, key))
}

/// Creates (or finds) the user and issues a key: the command line's `keys create`.
pub fn issue(
    conn: &mut AnyConnection,
    role: &str,
    cluster_slugs: &[String],
    name: &str,
    expires_at: Option<NaiveDateTime>,
    now: NaiveDateTime,
) -> Result<String, KeyError> {
    issue_with_email(conn, role, cluster_slugs, name, None, expires_at, now)
}

pub fn issue_with_email(
    conn: &mut AnyConnection,
    role: &str,
    cluster_slugs: &[String],
    name: &str,
    email: Option<&str>,
    expires_at: Option<NaiveDateTime>,
    now: NaiveDateTime,
) -> Result<String, KeyError> {
    let user = user_for(conn, role, cluster_slugs, name, email, now)?;
    issue_for(conn, &user, name, expires_at, "command line", now).map(|(_, key)| key)
}
