//! Migrations run up, down and up again to the same schema, on both databases.

use diesel::sql_types::Text;
use diesel::{Connection, PgConnection, QueryableByName, RunQueryDsl, SqliteConnection};
use klyngemidler::db::{Db, DbOptions};

use crate::helpers::{Backend, TestDb};

#[derive(QueryableByName, PartialEq, Debug)]
struct Line {
    #[diesel(sql_type = Text)]
    line: String,
}

fn schema_of(db: &TestDb) -> Vec<Line> {
    match db.backend() {
        Backend::Sqlite => {
            let mut c = SqliteConnection::establish(&db.url).expect("connect");
            diesel::sql_query(
                "SELECT type || ' ' || name || ' ' || COALESCE(sql, '') AS line FROM sqlite_master \
                 WHERE name NOT LIKE 'sqlite_%' AND name NOT LIKE '__diesel%' ORDER BY type, name",
            )
            .load(&mut c)
            .expect("schema")
        }
        Backend::Postgres => {
            let mut c = PgConnection::establish(&db.url).expect("connect");
            diesel::sql_query(
                "SELECT table_name || '.' || column_name || ' ' || data_type || ' ' || is_nullable || ' ' || COALESCE(column_default, '') AS line \
                 FROM information_schema.columns WHERE table_schema = 'public' AND table_name NOT LIKE '__diesel%' \
                 UNION ALL SELECT indexname || ' ' || indexdef FROM pg_indexes WHERE schemaname = 'public' ORDER BY 1",
            )
            .load(&mut c)
            .expect("schema")
        }
    }
}

fn redo(backend: Backend) {
    let Some(test_db) = TestDb::new(backend) else {
        return;
    };
    let db = Db::connect(&test_db.url, &DbOptions { pool_size: 1, ..DbOptions::default() }).expect("connect");
    db.migrate().expect("up");
    let before = schema_of(&test_db);
    for table in ["clusters", "pools", "ledger_entries", "postings", "audit_events", "api_keys"] {
        assert!(before.iter().any(|l| l.line.contains(table)), "{table} is missing: {before:?}");
    }
    db.redo_all_migrations().expect("down and up again");
    assert_eq!(schema_of(&test_db), before);
    assert!(db.migrate().expect("nothing pending").is_empty());
}

#[test]
fn migrations_go_down_and_up_to_the_same_schema_on_sqlite() {
    redo(Backend::Sqlite);
}

#[test]
fn migrations_go_down_and_up_to_the_same_schema_on_postgres() {
    redo(Backend::Postgres);
}
