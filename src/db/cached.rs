//! Prepared statements kept for queries diesel would prepare again on every
//! call.
//!
//! diesel 2.3 keeps a prepared statement only for a query whose text is fixed
//! by its Rust type: every `UPDATE`, every `sql_query`, every upsert and every
//! `IN (…)` list is parsed and planned again each time (on SQLite that was a
//! quarter of the writer thread's time and almost half of the time spent
//! reading an application back). [`Cached`] keeps such a query's statement
//! under its SQL text and bind types instead, which is exact whatever the
//! query: two calls share a statement only when they send the same SQL.
//!
//! Use [`CacheStatement::cached`] on queries whose text takes few shapes (a
//! fixed `sql_query`, an `UPDATE … SET` of fixed columns), and
//! [`CacheStatement::cached_if_few`] on `IN` lists, which keeps the statement
//! only for short lists, so the cache holds at most a few shapes per query.
//!
//! diesel asks the wrapper only when the connection gets the query by value:
//! on `load`/`get_results`, and only on the connection underneath
//! ([`direct!`]), not through the `MultiConnection`, which hands it on by
//! reference (and then the inner query's own "not safe" wins). So a kept
//! `UPDATE` or upsert says `RETURNING` and is loaded, inside `direct!`.

use diesel::QueryResult;
use diesel::backend::Backend;
use diesel::query_builder::{AstPass, Query, QueryFragment, QueryId};
use diesel::query_dsl::RunQueryDsl;

/// Lists up to this long keep their statement (one per length).
pub const FEW: usize = 4;

/// A query whose prepared statement is kept under its SQL text.
#[derive(Debug, Clone, Copy)]
pub struct Cached<Q> {
    query: Q,
    keep: bool,
}

/// `.cached()` and `.cached_if_few(n)` on any diesel query.
pub trait CacheStatement: Sized {
    /// Keeps the prepared statement under the query's SQL text.
    fn cached(self) -> Cached<Self> {
        Cached { query: self, keep: true }
    }

    /// Keeps it only when the query's `IN` list holds at most [`FEW`] values.
    fn cached_if_few(self, n: usize) -> Cached<Self> {
        Cached { query: self, keep: n <= FEW }
    }
}

impl<Q> CacheStatement for Q {}

impl<Q> QueryId for Cached<Q> {
    type QueryId = ();
    // No static id: the statement cache is keyed by the SQL text and bind types.
    const HAS_STATIC_QUERY_ID: bool = false;
}

impl<Q: Query> Query for Cached<Q> {
    type SqlType = Q::SqlType;
}

impl<DB: Backend, Q: QueryFragment<DB>> QueryFragment<DB> for Cached<Q> {
    fn walk_ast<'b>(&'b self, pass: AstPass<'_, 'b, DB>) -> QueryResult<()> {
        self.query.walk_ast(pass)
    }

    fn is_safe_to_cache_prepared(&self, backend: &DB) -> QueryResult<bool> {
        if self.keep { Ok(true) } else { self.query.is_safe_to_cache_prepared(backend) }
    }
}

impl<Q, Conn> RunQueryDsl<Conn> for Cached<Q> {}

/// Runs a query on the connection inside an [`AnyConnection`](crate::db::AnyConnection)
/// itself, SQLite's or PostgreSQL's (the body is compiled once for each).
///
/// diesel's `MultiConnection` renders a query's SQL again on every call, also
/// when the prepared statement is kept (a third of the time spent reading an
/// application back on SQLite); the connection underneath renders it only
/// when it prepares. For the hot paths only; the transaction is the same.
macro_rules! direct {
    ($conn:expr, |$c:ident| $body:expr) => {
        match $conn {
            $crate::db::AnyConnection::Sqlite($c) => $body,
            $crate::db::AnyConnection::Postgresql($c) => $body,
        }
    };
}
pub(crate) use direct;

/// Inserts `rows` (a `Vec` of value tuples) into `table`. PostgreSQL: one
/// statement, kept for up to [`FEW`] rows (`RETURNING $returning`, so that it
/// is kept, see above): a round trip saved per row. SQLite, where a statement
/// costs no round trip but preparing one costs more than running it: one kept
/// single-row statement per row (diesel's batch insert is prepared anew each time).
macro_rules! insert_rows {
    ($conn:expr, $table:expr, $rows:expr, $returning:expr) => {
        match $conn {
            $crate::db::AnyConnection::Sqlite(c) => {
                let mut inserted = Ok(());
                for row in $rows.iter() {
                    if let Err(e) = diesel::insert_into($table).values(row.clone()).execute(c) {
                        inserted = Err(e);
                        break;
                    }
                }
                inserted
            }
            $crate::db::AnyConnection::Postgresql(c) => {
                diesel::insert_into($table).values($rows).returning($returning).cached_if_few($rows.len()).get_results::<i64>(c).map(|_| ())
            }
        }
    };
}
pub(crate) use insert_rows;
