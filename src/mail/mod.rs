//! Mail: Danish texts for approvers, and the worker that delivers the
//! outbox by SMTP. Mail is queued in the same transaction as the change that
//! causes it; without `SMTP_URL` it simply waits in the outbox.

pub mod templates;
pub mod worker;

/// DKK the Danish way: `140.000,00 kr.`
pub fn kroner(m: crate::domain::money::Money) -> String {
    let text = m.to_string();
    let (whole, ore) = text.split_once('.').unwrap_or((&text, "00"));
    let mut grouped = String::new();
    for (i, c) in whole.chars().enumerate() {
        if i > 0 && (whole.len() - i) % 3 == 0 {
            grouped.push('.');
        }
        grouped.push(c);
    }
    format!("{grouped},{ore} kr.")
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
}
