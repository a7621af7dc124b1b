//! The outbox worker: sends reminders before links expire and of reports
//! due (`follow_up::service::send_reminders`), and delivers
//! queued mail by SMTP with retries and backoff. Runs in every server
//! process: a worker leases the mail it is about to send (see
//! [`outbox::claim_due_mail`]), so with several nodes each mail goes out once.
//! A node that dies between sending and recording leaves its lease to expire;
//! the mail is then sent again (at least once, never twice by two live nodes).

use std::time::Duration;

use lettre::message::{Mailbox, MultiPart};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

use crate::approvals::service::{self as approval, LinkSettings};
use crate::db::{Db, StoreError, approvals, outbox, pools};

#[derive(Debug, Clone)]
pub struct MailSettings {
    /// `smtp://host:port`, `smtps://user:pass@host` …; `None`: mail waits in the outbox.
    pub smtp_url: Option<String>,
    pub from: String,
    pub interval: Duration,
    /// How long a worker holds mail it claimed before another worker may try it.
    pub lease: Duration,
    /// Names this process in the outbox's `leased_by`.
    pub worker_id: String,
}

/// `host-pid-random`: unique per process, readable in the outbox.
pub fn default_worker_id() -> String {
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname").map(|h| h.trim().to_owned()).unwrap_or_else(|_| "node".into());
    let random = crate::secrets::random_hex(4).unwrap_or_default();
    format!("{host}-{}-{random}", std::process::id())
}

impl Default for MailSettings {
    fn default() -> Self {
        MailSettings {
            smtp_url: None,
            from: "Klyngemidler <klyngemidler@example.org>".into(),
            interval: Duration::from_secs(2),
            lease: Duration::from_secs(60),
            worker_id: default_worker_id(),
        }
    }
}

/// Starts the worker on the current actix system.
pub fn spawn(db: Db, mail: MailSettings, links: LinkSettings, follow_up: crate::follow_up::FollowUpSettings) {
    actix_web::rt::spawn(async move {
        loop {
            if let Err(e) = remind(&db, &links).await {
                tracing::warn!(error = %e, "reminders failed");
            }
            if let Err(e) = expire_lapsed(&db, &links, crate::http::now()).await {
                tracing::warn!(error = %e, "expiring lapsed approval requests failed");
            }
            if let Err(e) = remind_reports(&db, &links.public_base_url, &follow_up).await {
                tracing::warn!(error = %e, "report reminders failed");
            }
            if let Some(url) = &mail.smtp_url {
                if let Err(e) = deliver(&db, url, &mail).await {
                    tracing::warn!(error = %e, "mail delivery round failed");
                }
            }
            actix_web::rt::time::sleep(mail.interval).await;
        }
    });
}

async fn remind(db: &Db, links: &LinkSettings) -> Result<(), StoreError> {
    let links = links.clone();
    db.write(move |c| {
        let now = crate::http::now();
        let due = approvals::due_for_reminder(c, now + chrono::Duration::hours(links.reminder_hours), now)?;
        for link in due {
            let Some(request) = approvals::find_request(c, link.request_id)? else { continue };
            let Ok((subject, key)) = approval::Loaded::of(c, &request) else { continue };
            let Some(pool) = pools::find(c, &key)? else { continue };
            if request.request_state()? == crate::domain::approval::RequestState::Open {
                let facts = subject.facts(c, &pool)?;
                approval::reissue(c, &request, &facts, Some(link.id), true, &links, now).map_err(|e| StoreError::Corrupt(e.to_string()))?;
            }
        }
        Ok::<_, StoreError>(())
    })
    .await
}

/// Every open request whose links have all expired with answers missing
/// becomes `expired` (each in its own transaction holding its pool's lock),
/// and the secretariat is told. Idempotent. Returns how many expired.
pub async fn expire_lapsed(db: &Db, links: &LinkSettings, now: chrono::NaiveDateTime) -> Result<usize, StoreError> {
    let lapsed = db
        .read(move |c| {
            let mut out = Vec::new();
            for r in approvals::lapsed_requests(c, now)? {
                if let Ok((_, key)) = approval::Loaded::of(c, &r) {
                    out.push((r.id, key));
                }
            }
            Ok::<_, StoreError>(out)
        })
        .await?;
    let mut expired = 0;
    for (id, key) in lapsed {
        let links = links.clone();
        let done = db
            .write_in_pool(&key, move |c| {
                approval::expire_if_lapsed(c, id, &links, now).map_err(|e| match e {
                    approval::ApprovalError::Store(s) => s,
                    other => StoreError::Corrupt(other.to_string()),
                })
            })
            .await?;
        expired += usize::from(done);
    }
    Ok(expired)
}

/// Reminders of reports due or overdue on the follow-up's day, each once.
async fn remind_reports(db: &Db, base_url: &str, settings: &crate::follow_up::FollowUpSettings) -> Result<usize, StoreError> {
    let (base_url, settings) = (base_url.to_owned(), settings.clone());
    let today = settings.clock.today();
    let run = move |c: &mut crate::db::AnyConnection, send: bool| {
        crate::follow_up::service::send_reminders(c, &settings, &base_url, today, crate::http::now(), send).map_err(StoreError::from)
    };
    let check = run.clone();
    if db.read(move |c| check(c, false)).await? == 0 {
        return Ok(0);
    }
    db.write(move |c| run(c, true)).await
}

/// One round: every due mail gets one attempt.
pub async fn deliver(db: &Db, smtp_url: &str, settings: &MailSettings) -> Result<usize, StoreError> {
    let now = crate::http::now();
    let until = now + chrono::Duration::from_std(settings.lease).unwrap_or(chrono::Duration::seconds(60));
    let worker = settings.worker_id.clone();
    let due = db.write(move |c| outbox::claim_due_mail(c, &worker, now, until, 50).map_err(StoreError::from)).await?;
    let from = settings.from.as_str();
    if due.is_empty() {
        return Ok(0);
    }
    let mailer = match AsyncSmtpTransport::<Tokio1Executor>::from_url(smtp_url) {
        Ok(builder) => builder.timeout(Some(Duration::from_secs(10))).build(),
        Err(e) => return Err(StoreError::Unavailable(format!("bad SMTP_URL: {e}"))),
    };
    let mut sent = 0;
    for mail in due {
        let id = mail.id;
        let message = match build(from, &mail, crate::http::now()) {
            Ok(m) => m,
            Err(error) => {
                // A mail that cannot be built never will be: no retries.
                tracing::error!(mail = id, error = %error, "mail cannot be sent to this address; given up");
                db.write(move |c| outbox::mail_undeliverable(c, id, &error).map_err(StoreError::from)).await?;
                continue;
            }
        };
        let result = mailer.send(message).await.map(|_| ()).map_err(|e| e.to_string());
        let attempts = mail.attempts;
        match result {
            Ok(()) => {
                sent += 1;
                // Delivered: the outbox forgets the links' tokens (the approver has them now).
                let text = super::redact_tokens(&mail.text_body);
                let html = super::redact_tokens(&mail.html_body);
                db.write(move |c| outbox::mail_sent(c, id, crate::http::now(), &text, &html).map_err(StoreError::from)).await?;
            }
            Err(error) => {
                // 2, 4, 8 … seconds, at most ten minutes between tries.
                let wait = 2i64.saturating_pow(u32::try_from(attempts + 1).unwrap_or(10).min(10)).min(600);
                tracing::warn!(mail = id, attempts = attempts + 1, error = %error, "mail not delivered; will retry");
                let next = crate::http::now() + chrono::Duration::seconds(wait);
                db.write(move |c| outbox::mail_failed(c, id, &error, next).map_err(StoreError::from)).await?;
            }
        }
    }
    Ok(sent)
}

/// The mail of an outbox row, with a `Message-ID` of its own (the same on
/// every retry of the row, so a receiver can drop a duplicate) and a `Date`.
fn build(from: &str, mail: &outbox::OutboxRow, now: chrono::NaiveDateTime) -> Result<Message, String> {
    let from: Mailbox = from.parse().map_err(|e| format!("bad sender: {e}"))?;
    let to: Mailbox = mail.to_address.parse().map_err(|e| format!("bad recipient: {e}"))?;
    let id = message_id(mail.id, mail.created_at, &mail.to_address, from.email.domain());
    Message::builder()
        .from(from)
        .to(to)
        .message_id(Some(id))
        .date(std::time::SystemTime::from(crate::http::utc(now)))
        .subject(&mail.subject)
        .multipart(MultiPart::alternative_plain_html(mail.text_body.clone(), mail.html_body.clone()))
        .map_err(|e| e.to_string())
}

/// `<row.hash@sender's domain>`: unique per outbox row (its id, and a hash
/// of when and to whom it was queued, so two databases' rows 7 differ) and
/// stable across retries.
pub fn message_id(row: i64, created_at: chrono::NaiveDateTime, to: &str, domain: &str) -> String {
    let hash = crate::secrets::sha256_hex(&format!("{row}|{}|{to}", created_at.and_utc().timestamp_micros()));
    format!("<{row}.{}@{domain}>", &hash[..24])
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_message_id_is_stable_for_a_row_and_differs_between_rows() {
        let at = chrono::NaiveDate::from_ymd_opt(2026, 12, 1).and_then(|d| d.and_hms_opt(10, 0, 0)).expect("time");
        let one = super::message_id(7, at, "a@example.org", "example.org");
        assert_eq!(one, super::message_id(7, at, "a@example.org", "example.org"), "the same on a retry");
        assert_ne!(one, super::message_id(8, at, "a@example.org", "example.org"));
        assert_ne!(one, super::message_id(7, at + chrono::Duration::seconds(1), "a@example.org", "example.org"));
        assert!(one.starts_with("<7.") && one.ends_with("@example.org>") && one.len() == "<7.@example.org>".len() + 24, "{one}");
    }
}
