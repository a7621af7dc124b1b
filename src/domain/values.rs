//! Small values with rules: fiscal years, slugs, names, pool keys.

use std::fmt;

/// A fiscal year (= calendar year). Bounded to years this service can mean.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Year(i32);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("must be a year between {} and {}", Year::FIRST, Year::LAST)]
pub struct YearError;

impl Year {
    pub const FIRST: i32 = 2000;
    pub const LAST: i32 = 2100;

    pub fn new(year: i64) -> Result<Year, YearError> {
        if (i64::from(Year::FIRST)..=i64::from(Year::LAST)).contains(&year) { Ok(Year(year as i32)) } else { Err(YearError) }
    }

    pub fn get(self) -> i32 {
        self.0
    }
}

impl fmt::Display for Year {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// A URL-safe identifier chosen by people: `vest`, `thisted-kommune`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Slug(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("must be 1-40 characters: lower-case letters a-z, digits and single '-', starting with a letter and not ending with '-'")]
pub struct SlugError;

impl Slug {
    pub fn parse(text: &str) -> Result<Slug, SlugError> {
        let bytes = text.as_bytes();
        let ok = !bytes.is_empty()
            && bytes.len() <= 40
            && bytes[0].is_ascii_lowercase()
            && !text.ends_with('-')
            && !text.contains("--")
            && bytes.iter().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || *b == b'-');
        if ok { Ok(Slug(text.to_owned())) } else { Err(SlugError) }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Slug {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A human-readable name or text line: trimmed, not empty, bounded, one line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Name(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NameError {
    #[error("must not be empty")]
    Empty,
    #[error("must be at most {0} characters")]
    TooLong(usize),
    #[error("must be one line of text, without control characters (such as line breaks, tabs or NUL)")]
    Control,
    #[error("may hold line breaks and tabs, but no other control characters (such as NUL)")]
    NoteControl,
    #[error("must not contain characters that reverse or isolate the reading direction (U+202A-U+202E, U+2066-U+2069)")]
    Direction,
}

/// What no text of ours may hold: control characters (NUL included; a
/// multi-line text may have `\n` and `\t`) and the bidirectional overrides
/// and isolates, which make a title or a reference read otherwise than it is
/// stored. PostgreSQL cannot store NUL at all, so this rule is also what keeps
/// both databases alike.
fn check_characters(text: &str, multi_line: bool) -> Result<(), NameError> {
    for c in text.chars() {
        if c.is_control() && !(multi_line && (c == '\n' || c == '\t')) {
            return Err(if multi_line { NameError::NoteControl } else { NameError::Control });
        }
        if matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}') {
            return Err(NameError::Direction);
        }
    }
    Ok(())
}

impl Name {
    pub fn parse(text: &str, max_chars: usize) -> Result<Name, NameError> {
        // Bounded before any other work.
        if text.len() > max_chars.saturating_mul(4).saturating_add(64) {
            return Err(NameError::TooLong(max_chars));
        }
        let trimmed = text.trim();
        if trimmed.is_empty() {
            return Err(NameError::Empty);
        }
        if trimmed.chars().count() > max_chars {
            return Err(NameError::TooLong(max_chars));
        }
        check_characters(trimmed, false)?;
        Ok(Name(trimmed.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_string(self) -> String {
        self.0
    }
}

/// A free-text note that may be empty but is bounded. It may have several
/// lines (`\r\n` is kept as `\n`) and tabs, no other control characters.
pub fn parse_note(text: &str, max_chars: usize) -> Result<String, NameError> {
    if text.len() > max_chars.saturating_mul(4).saturating_add(64) || text.chars().count() > max_chars {
        return Err(NameError::TooLong(max_chars));
    }
    let text = text.trim().replace("\r\n", "\n");
    check_characters(&text, true)?;
    Ok(text)
}

/// The text of a note for a one-line context (a mail's plain-text line, a
/// log line): every line break and tab becomes a space, so a note can never
/// forge a line of its own ("Godkend her: …").
pub fn one_line(text: &str) -> String {
    text.split(['\n', '\r', '\t']).filter(|part| !part.trim().is_empty()).map(str::trim).collect::<Vec<_>>().join(" ")
}

/// An e-mail address we can deliver to: a plain `local@domain` (no display
/// name, comment or IP-literal domain), accepted by lettre's own address and
/// mailbox parsers (the outbox worker's), with a dotted domain. Kept in lower case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EmailAddress(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("is not an e-mail address we can send to; write it as name@example.org, without a name, comment or brackets")]
pub struct EmailAddressError;

impl EmailAddress {
    pub fn parse(text: &str) -> Result<EmailAddress, EmailAddressError> {
        let text = text.trim();
        if text.is_empty() || text.len() > 254 || text.chars().any(|c| c.is_control() || c.is_whitespace()) {
            return Err(EmailAddressError);
        }
        let mut parts = text.split('@');
        let shaped = matches!((parts.next(), parts.next(), parts.next()), (Some(local), Some(domain), None)
            if !local.is_empty() && domain.contains('.') && !domain.starts_with(['.', '[']) && !domain.ends_with('.')
                && !text.contains(['<', '>', '(', ')', '"', ',', ';', '\\', '[', ']']));
        if !shaped {
            return Err(EmailAddressError);
        }
        let address: lettre::Address = text.parse().map_err(|_| EmailAddressError)?;
        let mailbox: lettre::message::Mailbox = text.parse().map_err(|_| EmailAddressError)?;
        if mailbox.name.is_some() || mailbox.email != address {
            return Err(EmailAddressError);
        }
        Ok(EmailAddress(text.to_lowercase()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_string(self) -> String {
        self.0
    }
}

/// Whether `text` is an [`EmailAddress`].
pub fn is_email_address(text: &str) -> bool {
    EmailAddress::parse(text).is_ok()
}

/// A pool is named by its cluster and year: `vest-2022`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PoolKey {
    pub cluster: Slug,
    pub year: Year,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("is not a pool; pools are named by cluster and year, e.g. \"vest-2022\"")]
pub struct PoolKeyError;

impl PoolKey {
    pub fn parse(text: &str) -> Result<PoolKey, PoolKeyError> {
        let (cluster, year) = text.rsplit_once('-').ok_or(PoolKeyError)?;
        let year: i64 = year.parse().map_err(|_| PoolKeyError)?;
        Ok(PoolKey { cluster: Slug::parse(cluster).map_err(|_| PoolKeyError)?, year: Year::new(year).map_err(|_| PoolKeyError)? })
    }
}

impl fmt::Display for PoolKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{}", self.cluster, self.year)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn years_outside_2000_to_2100_are_refused() {
        assert!(Year::new(1800).is_err());
        assert!(Year::new(2101).is_err());
        assert_eq!(Year::new(2022).map(Year::get), Ok(2022));
    }

    #[test]
    fn slugs_are_lower_case_words_joined_by_dashes() {
        assert!(Slug::parse("vest").is_ok());
        assert!(Slug::parse("nord-vest2").is_ok());
        for bad in ["", "Vest", "1vest", "vest-", "ve--st", "vést", "a b"] {
            assert!(Slug::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn pool_keys_name_cluster_and_year() {
        let key = PoolKey::parse("nord-vest-2022").expect("valid key");
        assert_eq!(key.cluster.as_str(), "nord-vest");
        assert_eq!(key.year.get(), 2022);
        assert_eq!(key.to_string(), "nord-vest-2022");
        assert!(PoolKey::parse("vest").is_err());
        assert!(PoolKey::parse("vest-1800").is_err());
        assert!(PoolKey::parse("17").is_err());
    }

    #[test]
    fn e_mail_addresses_need_one_at_and_a_dotted_domain() {
        assert!(is_email_address("medformand.region.vest@example.org"));
        for bad in ["", "nobody", "@example.org", "a@example", "a@.org", "a@example.", "a b@example.org", "a@b@example.org"] {
            assert!(!is_email_address(bad), "{bad}");
        }
    }

    #[test]
    fn e_mail_addresses_lettre_cannot_send_to_are_refused() {
        for bad in [
            "a<b@c.org",
            "x@[127.0.0.1]",
            "(comment)a@example.org",
            "a@example.org (comment)",
            "Navn <a@example.org>",
            "a\u{0}@example.org",
            "\"a b\"@example.org",
        ] {
            assert_eq!(EmailAddress::parse(bad), Err(EmailAddressError), "{bad}");
        }
        assert_eq!(
            EmailAddress::parse("Medformand.Vest@Example.org").map(EmailAddress::into_string),
            Ok("medformand.vest@example.org".into())
        );
    }

    #[test]
    fn text_holds_no_nul_no_stray_controls_and_no_direction_overrides() {
        assert_eq!(Name::parse("a\u{0}b", 10), Err(NameError::Control));
        assert_eq!(Name::parse("two\nlines", 20), Err(NameError::Control));
        assert_eq!(Name::parse("abc\u{202E}fdp.exe", 20), Err(NameError::Direction));
        assert_eq!(parse_note("first\r\nsecond\tcolumn", 100), Ok("first\nsecond\tcolumn".into()));
        assert_eq!(parse_note("a\u{0}b", 100), Err(NameError::NoteControl));
        assert_eq!(parse_note("a\u{7}b", 100), Err(NameError::NoteControl));
        assert_eq!(parse_note(&"x".repeat(1_000_000), 2000), Err(NameError::TooLong(2000)));
        assert_eq!(one_line("ok\r\nGodkend her: http://evil.example.org\n"), "ok Godkend her: http://evil.example.org");
    }

    #[test]
    fn names_are_trimmed_and_bounded() {
        assert_eq!(Name::parse("  Vest ", 10).map(Name::into_string), Ok("Vest".into()));
        assert_eq!(Name::parse("   ", 10), Err(NameError::Empty));
        assert_eq!(Name::parse("abcdef", 5), Err(NameError::TooLong(5)));
    }
}
