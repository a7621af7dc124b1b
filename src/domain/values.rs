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

/// A human-readable name or text line: trimmed, not empty, bounded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Name(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NameError {
    #[error("must not be empty")]
    Empty,
    #[error("must be at most {0} characters")]
    TooLong(usize),
    #[error("must not contain control characters")]
    Control,
}

impl Name {
    pub fn parse(text: &str, max_chars: usize) -> Result<Name, NameError> {
        let trimmed = text.trim();
        if trimmed.is_empty() {
            return Err(NameError::Empty);
        }
        if trimmed.chars().count() > max_chars {
            return Err(NameError::TooLong(max_chars));
        }
        if trimmed.chars().any(char::is_control) {
            return Err(NameError::Control);
        }
        Ok(Name(trimmed.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_string(self) -> String {
        self.0
    }
}

/// A free-text note that may be empty but is bounded.
pub fn parse_note(text: &str, max_chars: usize) -> Result<String, NameError> {
    if text.chars().count() > max_chars {
        return Err(NameError::TooLong(max_chars));
    }
    Ok(text.trim().to_owned())
}

/// One `@`, something before it, and a dotted domain after it; no spaces.
/// Enough to catch typing mistakes; delivery is the real test.
pub fn is_email_address(text: &str) -> bool {
    let mut parts = text.split('@');
    matches!((parts.next(), parts.next(), parts.next()), (Some(local), Some(domain), None)
        if !local.is_empty() && domain.contains('.') && !domain.starts_with('.') && !domain.ends_with('.') && !text.contains(char::is_whitespace))
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
    fn names_are_trimmed_and_bounded() {
        assert_eq!(Name::parse("  Vest ", 10).map(Name::into_string), Ok("Vest".into()));
        assert_eq!(Name::parse("   ", 10), Err(NameError::Empty));
        assert_eq!(Name::parse("abcdef", 5), Err(NameError::TooLong(5)));
    }
}
