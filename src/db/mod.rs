//! Storage: one binary, two databases. SQLite (embedded default) and
//! PostgreSQL (production, several nodes) behind one diesel `MultiConnection`.
//!
//! Each module owns the queries of one aggregate: it loads rows into domain
//! values and saves domain changes. Handlers never write SQL.

pub mod amendments;
pub mod api_keys;
pub mod applications;
pub mod approvals;
pub mod attachments;
pub mod audit;
pub mod cached;
pub mod carry_overs;
pub mod charter_rows;
pub mod clusters;
pub mod connection;
pub mod dashboard;
pub mod dashboard_sessions;
pub mod exports;
pub mod follow_up;
pub mod grants;
pub mod idempotency;
pub mod ledger;
mod manager;
pub mod meetings;
mod migrations;
pub mod notifier;
pub mod outbox;
pub mod pg_write;
pub mod pools;
pub mod population;
pub mod reference;
pub mod schema;
pub mod steps;
pub mod totals;
mod transaction;
pub mod writer;

pub use connection::{AnyConnection, Backend, Db, DbOptions, StoreError, TxError};
