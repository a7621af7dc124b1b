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
        let message = match build(from, &mail.to_address, &mail.subject, &mail.text_body, &mail.html_body) {
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

fn build(from: &str, to: &str, subject: &str, text: &str, html: &str) -> Result<Message, String> {
    let from: Mailbox = from.parse().map_err(|e| format!("bad sender: {e}"))?;
    let to: Mailbox = to.parse().map_err(|e| format!("bad recipient: {e}"))?;
    Message::builder()
        .from(from)
        .to(to)
        .subject(subject)
        .multipart(MultiPart::alternative_plain_html(text.to_owned(), html.to_owned()))
        .map_err(|e| e.to_string())
}
