//! The change notices of a server on PostgreSQL, sent off the write path.
//!
//! Every committed write tells the other nodes that their memory is stale
//! (`NOTIFY klyngemidler_changes`, heard by `http::listener`). A notice is
//! not durable and carries nothing but "something changed", so notices that
//! fall due while one is being sent are sent as one: a thread of its own,
//! with a connection of its own, sends the next notice as soon as the last
//! one is done. A write's connection then only commits (and gives back its
//! pool's lock in the same round trip), and a grant's three writes cost the
//! database three round trips fewer.
//!
//! The notice is sent after the commit it tells of, as before, but no longer
//! before the write is answered: another node hears of it after this
//! thread's turn (microseconds when idle, one notice's round trip under load)
//! plus its listener's poll (50 ms), instead of its poll alone. Its kept
//! answers live 2 s at most whatever it hears. Only the server sends notices
//! this way (`Db::send_notices_in_background`); a command-line write sends its
//! own before it returns, so that it is not lost when the process ends.

use std::sync::{Arc, Condvar, Mutex, Weak};
use std::time::Duration;

use diesel::connection::SimpleConnection;
use diesel::{Connection, PgConnection};

use super::connection::{Backend, CHANGES_CHANNEL, Db, StoreError};

impl Db {
    /// PostgreSQL: from now on the change notices of this handle's writes
    /// (and of its clones') are sent by a thread of their own, those that fall
    /// due together as one. Nothing on SQLite.
    pub fn send_notices_in_background(&self) -> Result<(), StoreError> {
        if self.backend() != Backend::Postgres || self.notices.get().is_some() {
            return Ok(());
        }
        let notifier =
            Notifier::start(self.url.to_string()).map_err(|e| StoreError::Unavailable(format!("the change notices' thread: {e}")))?;
        let _ = self.notices.set(notifier);
        Ok(())
    }
}

/// Notices due, and the thread that sends them.
#[derive(Debug, Default)]
pub struct Notifier {
    due: Mutex<bool>,
    wake: Condvar,
}

impl Notifier {
    /// Starts the sending thread for the database at `url`. It ends when the
    /// last handle to the notifier is gone.
    pub(super) fn start(url: String) -> std::io::Result<Arc<Notifier>> {
        let notifier = Arc::new(Notifier::default());
        let weak = Arc::downgrade(&notifier);
        std::thread::Builder::new().name("change-notices".into()).spawn(move || send_until_dropped(&weak, &url))?;
        Ok(notifier)
    }

    /// A write committed: a notice is due (one for every write due meanwhile).
    pub fn notify(&self) {
        if let Ok(mut due) = self.due.lock() {
            *due = true;
            self.wake.notify_one();
        }
    }

    /// Waits up to `timeout` for a notice to fall due; `true` if one did (and it is now taken).
    fn take(&self, timeout: Duration) -> bool {
        let Ok(due) = self.due.lock() else { return false };
        let Ok((mut due, _)) = self.wake.wait_timeout_while(due, timeout, |due| !*due) else { return false };
        std::mem::take(&mut *due)
    }
}

fn send_until_dropped(notifier: &Weak<Notifier>, url: &str) {
    let mut conn: Option<PgConnection> = None;
    loop {
        let Some(strong) = notifier.upgrade() else { return };
        if !strong.take(Duration::from_secs(1)) {
            continue;
        }
        if conn.is_none() {
            conn = connect(url);
        }
        let sent = conn.as_mut().map(|c| c.batch_execute(&format!("NOTIFY {CHANGES_CHANNEL}")));
        if !matches!(sent, Some(Ok(()))) {
            if let Some(Err(e)) = sent {
                tracing::warn!(error = %e, "a change notice could not be sent; trying again");
            }
            // Due again; other nodes see the change by their time to live meanwhile.
            conn = None;
            strong.notify();
            drop(strong);
            std::thread::sleep(Duration::from_millis(200));
        }
    }
}

fn connect(url: &str) -> Option<PgConnection> {
    match PgConnection::establish(url) {
        // A notice is not durable: its commit need not wait for the disk.
        Ok(mut c) => match c.batch_execute("SET synchronous_commit TO off") {
            Ok(()) => Some(c),
            Err(e) => {
                tracing::warn!(error = %e, "the change notices' connection could not be set up");
                None
            }
        },
        Err(e) => {
            tracing::warn!(error = %e, "the change notices could not connect");
            None
        }
    }
}
