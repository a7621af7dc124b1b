//! Making connections: the backend the URL names, and the settings each
//! connection gets when the pool hands it out.

use diesel::connection::SimpleConnection;
use diesel::r2d2::{self, CustomizeConnection, ManageConnection, R2D2Connection};
use diesel::{Connection, PgConnection, SqliteConnection};

use super::connection::{AnyConnection, Backend};

/// Makes connections of the backend the URL names, so a bad URL fails with
/// its own error rather than the derive's "no backend matched".
#[derive(Debug)]
pub(super) struct Manager {
    pub(super) url: String,
    pub(super) backend: Backend,
}

impl ManageConnection for Manager {
    type Connection = AnyConnection;
    type Error = r2d2::Error;

    fn connect(&self) -> Result<AnyConnection, r2d2::Error> {
        match self.backend {
            Backend::Postgres => PgConnection::establish(&self.url).map(AnyConnection::Postgresql),
            Backend::Sqlite => SqliteConnection::establish(&self.url).map(AnyConnection::Sqlite),
        }
        .map_err(r2d2::Error::ConnectionError)
    }

    fn is_valid(&self, conn: &mut AnyConnection) -> Result<(), r2d2::Error> {
        conn.ping().map_err(r2d2::Error::QueryError)
    }

    fn has_broken(&self, conn: &mut AnyConnection) -> bool {
        std::thread::panicking() || conn.is_broken()
    }
}

#[derive(Debug)]
pub(super) struct OnAcquire;

impl CustomizeConnection<AnyConnection, r2d2::Error> for OnAcquire {
    fn on_acquire(&self, conn: &mut AnyConnection) -> Result<(), r2d2::Error> {
        let sql = match conn {
            // busy_timeout first: setting WAL on a fresh file takes a lock.
            AnyConnection::Sqlite(_) => {
                "PRAGMA busy_timeout = 10000; PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON; PRAGMA secure_delete = ON;"
            }
            // Generic plans: every statement is kept prepared (`db::cached`), and
            // its parameters are ids and keys, whose best plan does not change
            // with their values. PostgreSQL's default plans a statement again
            // for its values on each run when a custom plan looks cheaper —
            // a sixth of the database's work per grant in the write bench.
            AnyConnection::Postgresql(_) => "SET TIME ZONE 'UTC'; SET plan_cache_mode = force_generic_plan",
        };
        conn.batch_execute(sql).map_err(r2d2::Error::QueryError)
    }
}
