//! Issuing API keys: from the command line, the demo and tests.

use chrono::NaiveDateTime;

use crate::db::api_keys::{self, NewApiKey};
use crate::db::audit::{self, AuditEvent};
use crate::db::{AnyConnection, StoreError, clusters};
use crate::domain::access::Role;
use crate::secrets::{new_api_key, sha256_hex};

#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error("unknown role '{0}'; use admin, finance, secretariat or viewer")]
    UnknownRole(String),
    #[error("unknown cluster '{0}'")]
    UnknownCluster(String),
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

/// Issues a key and returns it in the clear: the only time it is seen.
pub fn issue(
    conn: &mut AnyConnection,
    role: &str,
    cluster_slugs: &[String],
    name: &str,
    expires_at: Option<NaiveDateTime>,
    now: NaiveDateTime,
) -> Result<String, KeyError> {
    let role = Role::parse(role).ok_or_else(|| KeyError::UnknownRole(role.to_owned()))?;
    for slug in cluster_slugs {
        if clusters::find(conn, slug)?.is_none() {
            return Err(KeyError::UnknownCluster(slug.clone()));
        }
    }
    let key = new_api_key().map_err(|e| KeyError::Random(e.to_string()))?;
    let row = api_keys::insert(
        conn,
        &NewApiKey { name, role: role.as_str(), clusters: cluster_slugs, key_hash: &sha256_hex(&key), key_prefix: &key[..12], expires_at },
        now,
    )?;
    audit::record(
        conn,
        &AuditEvent {
            at: now,
            actor: "command line",
            action: "api_key.created",
            subject: format!("api_key:{}", row.id),
            before: None,
            after: Some(serde_json::json!({"name": name, "role": role.as_str(), "clusters": cluster_slugs})),
            request_id: None,
        },
    )?;
    Ok(key)
}
