//! The PostgreSQL listener: one thread with a connection of its own that
//! hears other nodes' change notices and makes this node's memory stale:
//! verified keys (`http::credentials`) and pool statuses (`Db::changes`,
//! read by `pools::status_cache`).

use std::time::Duration;

use crate::http::credentials::Credentials;

/// How often the listener looks for change notices.
pub const POLL: Duration = Duration::from_millis(50);

/// On PostgreSQL: listens on a connection of its own, for as long as the
/// process runs, for other nodes' notices: a key or user changed (forget
/// every key), or a write committed (`Db::note_change`, which makes every
/// status kept in memory stale). A lost connection is made again, and both
/// happen then too (a notice may have been missed meanwhile). Nothing to do
/// on SQLite, which has one node.
pub fn listen(db: &crate::db::Db, credentials: std::sync::Arc<Credentials>) {
    if db.backend() != crate::db::Backend::Postgres {
        return;
    }
    let db = db.clone();
    let forget = move |db: &crate::db::Db| {
        credentials.forget_all();
        db.note_change();
    };
    let spawned = std::thread::Builder::new().name("change-listener".into()).spawn(move || {
        loop {
            match db.dedicated_postgres() {
                Some(Ok(mut conn)) => {
                    let channels =
                        format!("LISTEN {}; LISTEN {}", crate::db::api_keys::CREDENTIALS_CHANNEL, crate::db::connection::CHANGES_CHANNEL);
                    let listening = diesel::connection::SimpleConnection::batch_execute(&mut conn, &channels);
                    if let Err(e) = listening {
                        tracing::warn!(error = %e, "could not listen for changes");
                    } else {
                        forget(&db);
                        'heard: loop {
                            let (mut keys, mut writes) = (false, false);
                            for notice in conn.notifications_iter() {
                                match notice {
                                    Ok(n) if n.channel == crate::db::api_keys::CREDENTIALS_CHANNEL => keys = true,
                                    Ok(_) => writes = true,
                                    Err(e) => {
                                        tracing::warn!(error = %e, "the change listener lost its connection");
                                        break 'heard;
                                    }
                                }
                            }
                            if keys {
                                forget(&db);
                            } else if writes {
                                db.note_change();
                            }
                            std::thread::sleep(POLL);
                        }
                    }
                }
                Some(Err(e)) => tracing::warn!(error = %e, "could not connect the change listener"),
                None => return,
            }
            forget(&db);
            std::thread::sleep(Duration::from_secs(1));
        }
    });
    if let Err(e) = spawned {
        tracing::error!(error = %e, "could not start the change listener; memory is read again after its time to live");
    }
}
