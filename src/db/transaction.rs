//! The pieces of a write transaction: taking and giving back the pools'
//! advisory locks, BEGIN and COMMIT/ROLLBACK on either backend, the
//! idempotency claim marked inside the write, and the retry jitter.

use diesel::RunQueryDsl;
use diesel::connection::{AnsiTransactionManager, TransactionManager};
use diesel::result::Error as DieselError;

use super::connection::{AnyConnection, StoreError, TxError};

pub(super) fn unlock(conn: &mut AnyConnection, locks: &[i64]) {
    for key in locks.iter().rev() {
        let unlocked = diesel::sql_query("SELECT pg_advisory_unlock($1)").bind::<diesel::sql_types::BigInt, _>(*key).execute(conn);
        if let Err(e) = unlocked {
            tracing::error!(error = %e, "advisory unlock failed");
        }
    }
}

/// Wraps a write so that, when the request carries an idempotency claim,
/// the claim is marked committed in the same transaction as the write.
pub(super) fn claiming<T, E, F>(mut f: F) -> impl FnMut(&mut AnyConnection) -> Result<T, E> + Send + 'static
where
    F: FnMut(&mut AnyConnection) -> Result<T, E> + Send + 'static,
    E: TxError,
{
    let claim = super::idempotency::current();
    move |conn: &mut AnyConnection| {
        let value = f(conn)?;
        if let Some(claim) = &claim {
            let now = chrono::Utc::now().naive_utc();
            super::idempotency::mark_committed(conn, &claim.owner, &claim.key, now).map_err(StoreError::from)?;
        }
        Ok(value)
    }
}

/// The advisory-lock number of a pool: the first 8 bytes of SHA-256 of its key.
pub fn pool_lock_key(pool: &crate::domain::values::PoolKey) -> i64 {
    use sha2::Digest;
    let digest = sha2::Sha256::digest(format!("pool:{pool}").as_bytes());
    let mut bytes = [0u8; 8];
    bytes.copy_from_slice(&digest[..8]);
    i64::from_be_bytes(bytes)
}

pub(super) fn begin(conn: &mut AnyConnection, sql: &str) -> Result<(), DieselError> {
    match conn {
        AnyConnection::Sqlite(c) => AnsiTransactionManager::begin_transaction_sql(c, sql),
        AnyConnection::Postgresql(c) => AnsiTransactionManager::begin_transaction_sql(c, sql),
    }
}

pub(super) fn finish<T, E: From<StoreError>>(conn: &mut AnyConnection, outcome: Result<T, E>) -> Result<T, E> {
    match outcome {
        Ok(value) => {
            <AnyConnection as TransactionManager<AnyConnection>>::commit_transaction(conn).map_err(StoreError::from)?;
            Ok(value)
        }
        Err(e) => {
            if let Err(rollback) = <AnyConnection as TransactionManager<AnyConnection>>::rollback_transaction(conn) {
                tracing::error!(error = %rollback, "rollback failed");
            }
            Err(e)
        }
    }
}

pub(super) fn jitter_ms() -> u64 {
    let mut b = [0u8; 1];
    let _ = getrandom::fill(&mut b);
    u64::from(b[0] % 8)
}
