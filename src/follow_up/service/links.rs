//! Personal report links: made with the same token machinery as approval
//! links (256 random bits, only the SHA-256 stored, a form nonce, expiry),
//! opened without changing anything, used once.

use chrono::{NaiveDate, NaiveDateTime};

use crate::db::follow_up::{self as store, LinkRow, NewLink};
use crate::db::pools::Actor;
use crate::db::{AnyConnection, StoreError};
use crate::domain::approval::LinkProblem;
use crate::domain::follow_up::{self as rules, PlanEntry, Reminder, ReportLinkView};
use crate::mail::follow_up::reminder;

use super::{FollowUpError, PlanView, Submission, plan_view, submit_report};
use crate::follow_up::FollowUpSettings;

/// Makes a link for `entry` to the project's contact and queues the reminder carrying it.
pub fn send_link(
    conn: &mut AnyConnection,
    view: &PlanView,
    entry: PlanEntry,
    which: Reminder,
    base_url: &str,
    settings: &FollowUpSettings,
    now: NaiveDateTime,
) -> Result<(), FollowUpError> {
    let secret = crate::secrets::new_link_token().map_err(|_| FollowUpError::Random)?;
    let expires_at = now + chrono::Duration::days(settings.link_days);
    let new =
        NewLink { grant_id: view.grant.id, entry, email: &view.contact_email, token_hash: &secret.hash, nonce: &secret.nonce, expires_at };
    store::insert_link(conn, &new, now)?;
    let link = format!("{}/reports/{}", base_url.trim_end_matches('/'), secret.token);
    let expires = expires_at.format("%-d.%-m.%Y kl. %H:%M UTC").to_string();
    let mail = reminder(&view.facts(), entry.kind, entry.due_on, which, &link, &expires);
    crate::db::outbox::queue_mail(conn, &view.contact_email, &mail.subject, &mail.text, &mail.html, now)?;
    Ok(())
}

/// A link that may be used now, with its grant's plan.
pub struct LiveLink {
    pub link: LinkRow,
    pub entry: PlanEntry,
    pub view: PlanView,
}

/// Finds the link of a token and checks it may still be used. Changes nothing.
pub fn live_link(
    conn: &mut AnyConnection,
    token: &str,
    today: NaiveDate,
    now: NaiveDateTime,
) -> Result<Result<LiveLink, LinkProblem>, StoreError> {
    let Some(link) = (match crate::secrets::link_token_hash(token) {
        Some(hash) => store::link_by_token_hash(conn, &hash)?,
        None => None,
    }) else {
        return Ok(Err(LinkProblem::Unknown));
    };
    let view = plan_view(conn, link.grant_id, today)?.ok_or_else(|| StoreError::Corrupt("report link without grant".into()))?;
    let entry = link.entry()?;
    let state =
        ReportLinkView { link: link.link_state()?, expired: link.expires_at <= now, entry_open: view.is_open(entry) && !view.closed };
    if let Err(problem) = rules::report_link_usable(state) {
        return Ok(Err(problem));
    }
    Ok(Ok(LiveLink { link, entry, view }))
}

/// Records the report sent through a live link and uses the link up.
/// `None`: the link was used meanwhile (single use).
pub fn submit_by_link(
    conn: &mut AnyConnection,
    live: &LiveLink,
    report: &Submission<'_>,
    settings: &FollowUpSettings,
    now: NaiveDateTime,
) -> Result<Option<i64>, FollowUpError> {
    if !store::use_link(conn, live.link.id, now)? {
        return Ok(None);
    }
    let name = format!("Projektkontakt <{}> via e-mail-link", live.link.email);
    let actor = Actor { name: &name, request_id: None, at: now };
    submit_report(conn, &live.view, live.entry.kind, Some(live.entry), report, settings, actor).map(Some)
}
