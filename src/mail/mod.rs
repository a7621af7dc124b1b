//! Mail: Danish texts for approvers, and the worker that delivers the
//! outbox by SMTP. Mail is queued in the same transaction as the change that
//! causes it; without `SMTP_URL` it simply waits in the outbox.

pub mod danish;
pub mod follow_up;
pub mod notices;
pub mod tell;
pub mod templates;
pub mod worker;

pub use crate::domain::money::kroner;

/// What a delivered mail keeps of its links: `/approvals/` (or `/reports/`)
/// followed by the token becomes `/approvals/[fjernet]`, so no live token rests in the outbox.
pub fn redact_tokens(body: &str) -> String {
    // Report links (`/reports/`) carry tokens the same way.
    redact_after(&redact_after(body, "/approvals/"), "/reports/")
}

fn redact_after(body: &str, mark: &str) -> String {
    let mut out = String::with_capacity(body.len());
    let mut rest = body;
    while let Some(at) = rest.find(mark) {
        let (before, after) = rest.split_at(at + mark.len());
        out.push_str(before);
        let token_len = after.bytes().take_while(u8::is_ascii_hexdigit).count();
        if token_len >= 32 {
            out.push_str("[fjernet]");
        }
        rest = &after[token_len..];
    }
    out.push_str(rest);
    out
}

/// Escapes text for HTML.
pub fn esc(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::money::Money;

    #[test]
    fn amounts_read_the_danish_way() {
        let m = |s: &str| Money::parse(s).expect("amount");
        assert_eq!(kroner(m("871553.00")), "871.553,00 kr.");
        assert_eq!(kroner(m("140000")), "140.000,00 kr.");
        assert_eq!(kroner(m("99.5")), "99,50 kr.");
        assert_eq!(esc("<a href=\"x\">&'"), "&lt;a href=&quot;x&quot;&gt;&amp;&#39;");
    }

    #[test]
    fn a_delivered_mail_keeps_no_token() {
        let token = "ab".repeat(32);
        let body = format!("Godkend her: http://x.example.org/approvals/{token}\n<a href=\"/approvals/{token}\">link</a> /approvals/ end");
        let kept = redact_tokens(&body);
        assert!(!kept.contains(&token), "{kept}");
        assert_eq!(kept.matches("/approvals/[fjernet]").count(), 2);
        assert!(kept.ends_with("/approvals/ end"));
    }
}
