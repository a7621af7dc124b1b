//! Fields and path parameters every capability reads the same way: an
//! amount, a minutes reference, a note, a pool in the path. Each pushes its
//! field's error and lets the handler go on, so one 422 names every field.

use crate::domain::money::Money;
use crate::domain::values::{Name, PoolKey, parse_note};
use crate::http::auth::Caller;
use crate::http::error::{ApiError, FieldError};

/// An amount of money, e.g. `"150000.00"`.
pub fn money(field: &str, text: &str, errors: &mut Vec<FieldError>) -> Option<Money> {
    Money::parse(text).map_err(|e| errors.push(FieldError::new(field, e))).ok()
}

/// Where a decision is minuted (`reference`, required, one line).
pub fn reference(text: &str, errors: &mut Vec<FieldError>) -> String {
    Name::parse(text, 500).map_err(|e| errors.push(FieldError::new("reference", e))).map(Name::into_string).unwrap_or_default()
}

/// An optional note (`note`, several lines allowed); empty when left out.
pub fn note(text: Option<&str>, errors: &mut Vec<FieldError>) -> String {
    parse_note(text.unwrap_or(""), 2000).map_err(|e| errors.push(FieldError::new("note", e))).unwrap_or_default()
}

/// The pool named in the path, if the caller's key covers its cluster.
pub fn pool_key(caller: &Caller, raw: &str) -> Result<PoolKey, ApiError> {
    let key = PoolKey::parse(raw).map_err(|_| ApiError::NotFound(format!("no pool '{raw}'; pools are named like 'vest-2022'")))?;
    caller.require_cluster(key.cluster.as_str())?;
    Ok(key)
}

pub fn pool_not_found(key: &PoolKey) -> ApiError {
    ApiError::NotFound(format!("no pool '{key}'"))
}
