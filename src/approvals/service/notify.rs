//! Queues the notices of an answer through a link, in the answer's own
//! transaction: the receipt to the approver, a word to the request's other
//! approvers, and one to the secretariat.

use chrono::NaiveDateTime;

use crate::db::approvals::LinkRow;
use crate::db::outbox::queue_mail;
use crate::db::{AnyConnection, StoreError};
use crate::domain::approval::LinkState;
use crate::mail::notices::{self, Answered, TheirLink};

/// The notices of `answered`, given by `link`; `links` are the request's links after the answer.
pub(super) fn tell_answer(
    conn: &mut AnyConnection,
    answered: &Answered<'_>,
    link: &LinkRow,
    links: &[LinkRow],
    secretariat: &str,
    now: NaiveDateTime,
) -> Result<(), StoreError> {
    let mail = notices::receipt(answered);
    queue_mail(conn, &link.approver_email, &mail.subject, &mail.text, &mail.html, now)?;
    let mut told: Vec<String> = vec![link.approver_email.to_lowercase()];
    for other in links {
        let email = other.approver_email.to_lowercase();
        if told.contains(&email) {
            continue;
        }
        told.push(email.clone());
        let theirs: Vec<LinkState> =
            links.iter().filter(|l| l.approver_email.eq_ignore_ascii_case(&email)).map(LinkRow::link_state).collect::<Result<_, _>>()?;
        let where_they_stand = if theirs.contains(&LinkState::Pending) {
            TheirLink::StillNeeded
        } else if theirs.iter().any(|s| matches!(s, LinkState::Approved | LinkState::Rejected)) {
            TheirLink::Answered
        } else {
            TheirLink::NoLongerApplies
        };
        let mail = notices::answered_to_other(answered, &other.approver_name, where_they_stand);
        queue_mail(conn, &other.approver_email, &mail.subject, &mail.text, &mail.html, now)?;
    }
    if !secretariat.trim().is_empty() {
        let mail = notices::answered_to_secretariat(answered, &link.approver_email);
        queue_mail(conn, secretariat, &mail.subject, &mail.text, &mail.html, now)?;
    }
    Ok(())
}
