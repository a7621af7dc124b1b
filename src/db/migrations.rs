//! Migrations: one folder per backend, run through the write pool (so on
//! SQLite between the writer's batches).

use diesel::connection::SimpleConnection;
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};

use super::connection::{AnyConnection, Db, StoreError};

const SQLITE_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/sqlite");
const POSTGRES_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/postgres");

impl Db {
    /// Runs pending migrations; returns the names of those applied.
    pub fn migrate(&self) -> Result<Vec<String>, StoreError> {
        let mut conn = self.write.get()?;
        let run = |conn: &mut AnyConnection| -> Result<Vec<String>, StoreError> {
            let applied = match conn {
                AnyConnection::Sqlite(c) => c.run_pending_migrations(SQLITE_MIGRATIONS),
                AnyConnection::Postgresql(c) => c.run_pending_migrations(POSTGRES_MIGRATIONS),
            }
            .map_err(|e| StoreError::Migration(e.to_string()))?;
            Ok(applied.iter().map(ToString::to_string).collect())
        };
        match &mut *conn {
            // Several nodes may start at once: one migrates, the others wait.
            AnyConnection::Postgresql(_) => {
                conn.batch_execute("SELECT pg_advisory_lock(7316001)")?;
                let result = run(&mut conn);
                conn.batch_execute("SELECT pg_advisory_unlock(7316001)")?;
                result
            }
            AnyConnection::Sqlite(_) => run(&mut conn),
        }
    }

    /// Reverts every migration and applies them again (used by the schema test).
    pub fn redo_all_migrations(&self) -> Result<(), StoreError> {
        let mut conn = self.write.get()?;
        let err = |e: Box<dyn std::error::Error + Send + Sync>| StoreError::Migration(e.to_string());
        match &mut *conn {
            AnyConnection::Sqlite(c) => {
                c.revert_all_migrations(SQLITE_MIGRATIONS).map_err(err)?;
                c.run_pending_migrations(SQLITE_MIGRATIONS).map_err(err)?;
            }
            AnyConnection::Postgresql(c) => {
                c.revert_all_migrations(POSTGRES_MIGRATIONS).map_err(err)?;
                c.run_pending_migrations(POSTGRES_MIGRATIONS).map_err(err)?;
            }
        }
        Ok(())
    }
}
