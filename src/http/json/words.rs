//! What serde, chrono and the standard library say about a value that does
//! not fit, read into a few cases and said again in words a finance officer
//! understands. No message built here names a Rust type or serde's terms.

use serde_json::Value;

/// The date format, as it is asked for everywhere.
pub(crate) const DATE: &str = "write a date as YYYY-MM-DD, e.g. 2024-09-01";

/// What a value should have been, from serde's "expected …".
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Expected {
    Text,
    /// A whole number; the Rust type (`i64`, `u32` …) gives the range.
    Whole(String),
    Number,
    YesNo,
    List,
    Object,
    /// One of a fixed set of names (an enum).
    Choice,
    Date,
    Unknown,
}

/// What was sent instead, from serde's "invalid type: …".
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Got {
    /// A string, as serde quotes it (`"x"`, with escapes).
    Text(String),
    Whole(String),
    Decimal(String),
    YesNo(bool),
    Null,
    Object,
    List,
    Other,
}

/// One message, read.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Said {
    Missing(String),
    /// `known`: the fields the message lists; `Some(empty)` when there are none.
    UnknownField {
        name: String,
        known: Option<Vec<String>>,
    },
    UnknownVariant {
        known: Vec<String>,
    },
    Wrong {
        expected: Expected,
        got: Got,
    },
    Date,
    Twice(String),
    Other(String),
}

/// The names between backticks: "one of `a`, `b`" → `[a, b]`.
fn ticked(text: &str) -> Vec<String> {
    text.split('`').skip(1).step_by(2).map(str::to_owned).collect()
}

fn expected(text: &str) -> Expected {
    let text = text.trim();
    const WHOLE: [&str; 12] = ["i8", "i16", "i32", "i64", "i128", "isize", "u8", "u16", "u32", "u64", "u128", "usize"];
    if WHOLE.contains(&text) {
        return Expected::Whole(text.to_owned());
    }
    match text {
        "a string" | "a borrowed string" | "a character" | "a char" | "a string or bytes" => Expected::Text,
        "f32" | "f64" => Expected::Number,
        "a boolean" => Expected::YesNo,
        "a sequence" => Expected::List,
        "a map" | "map" => Expected::Object,
        "string or map" | "variant identifier" | "unit" | "unit variant" => Expected::Choice,
        t if t.starts_with("a tuple") || t.starts_with("tuple struct") => Expected::List,
        t if t.starts_with("struct") || t.starts_with("internally tagged enum") || t.starts_with("adjacently tagged enum") => {
            Expected::Object
        }
        t if t.starts_with("variant index") || t.starts_with("enum ") => Expected::Choice,
        t if t.contains("date") || t.contains("time") => Expected::Date,
        _ => Expected::Unknown,
    }
}

fn got(text: &str) -> Got {
    let inner = |prefix: &str| text.strip_prefix(prefix).map(|rest| rest.trim_matches('`').to_owned());
    if let Some(s) = text.strip_prefix("string ") {
        return Got::Text(s.to_owned());
    }
    if let Some(n) = inner("integer ") {
        return Got::Whole(n);
    }
    if let Some(n) = inner("floating point ") {
        return Got::Decimal(n);
    }
    if let Some(b) = inner("boolean ") {
        return Got::YesNo(b == "true");
    }
    match text {
        "null" | "unit value" => Got::Null,
        "map" => Got::Object,
        "sequence" => Got::List,
        _ => Got::Other,
    }
}

/// Reads one message from serde (or from chrono or `FromStr` through serde).
pub(crate) fn read(message: &str) -> Said {
    if let Some(rest) = message.strip_prefix("missing field `") {
        return Said::Missing(rest.strip_suffix('`').unwrap_or(rest).to_owned());
    }
    if let Some(rest) = message.strip_prefix("duplicate field `") {
        return Said::Twice(rest.strip_suffix('`').unwrap_or(rest).to_owned());
    }
    // The name is the client's and may hold anything; the list is ours and comes last.
    if let Some(rest) = message.strip_prefix("unknown field `") {
        if let Some((name, list)) = rest.rsplit_once("`, expected ") {
            return Said::UnknownField { name: name.to_owned(), known: Some(ticked(list)) };
        }
        if let Some(name) = rest.strip_suffix("`, there are no fields") {
            return Said::UnknownField { name: name.to_owned(), known: Some(Vec::new()) };
        }
        return Said::UnknownField { name: rest.trim_end_matches('`').to_owned(), known: None };
    }
    if let Some(rest) = message.strip_prefix("unknown variant `") {
        let known = rest.rsplit_once("`, expected ").map(|(_, list)| ticked(list)).unwrap_or_default();
        return Said::UnknownVariant { known };
    }
    if let Some(rest) = message.strip_prefix("invalid type: ").or_else(|| message.strip_prefix("invalid value: ")) {
        if let Some((sent, wanted)) = rest.rsplit_once(", expected ") {
            return Said::Wrong { expected: expected(wanted), got: got(sent) };
        }
    }
    if let Some(rest) = message.strip_prefix("invalid length ") {
        if let Some((_, wanted)) = rest.rsplit_once(", expected ") {
            return Said::Wrong { expected: expected(wanted), got: Got::List };
        }
    }
    match message {
        // chrono's parse errors: only dates and times say these.
        "input is out of range"
        | "no possible date and time matching input"
        | "input is not enough for unique date and time"
        | "input contains invalid characters"
        | "premature end of input"
        | "trailing input"
        | "bad or unsupported format string" => Said::Date,
        // `FromStr` of numbers and booleans, as query strings are read.
        "invalid digit found in string"
        | "cannot parse integer from empty string"
        | "number too large to fit in target type"
        | "number too small to fit in target type" => Said::Wrong { expected: Expected::Whole("i64".into()), got: Got::Other },
        "invalid float literal" => Said::Wrong { expected: Expected::Number, got: Got::Other },
        "provided string was not `true` or `false`" => Said::Wrong { expected: Expected::YesNo, got: Got::Other },
        other => Said::Other(other.to_owned()),
    }
}

/// Words no client should see: Rust's and serde's.
const JARGON: [&str; 24] = [
    "invalid type",
    "invalid value",
    "invalid length",
    "invalid characters",
    "out of range",
    "variant",
    "internally tagged",
    "sequence",
    "map",
    "struct",
    "enum",
    "serde",
    "expected",
    "identifier",
    "premature",
    "trailing input",
    "i64",
    "i32",
    "u64",
    "u32",
    "usize",
    "f64",
    "unit value",
    "deserializ",
];

/// A message nobody translated: shown as it is only when it is already plain.
pub(crate) fn passthrough(text: &str) -> String {
    let lower = text.to_ascii_lowercase();
    if text.is_empty() || text.len() > 200 || JARGON.iter().any(|w| lower.contains(w)) {
        "has a value this field cannot take".to_owned()
    } else {
        text.to_owned()
    }
}

fn listed(names: &[String]) -> String {
    names.join(", ")
}

pub(crate) fn required(choices: &[String]) -> String {
    if choices.is_empty() { "is required".to_owned() } else { format!("is required; use one of {}", listed(choices)) }
}

/// `noun`: "field" in a body, "parameter" in a query string.
pub(crate) fn not_known(known: Option<&[String]>, noun: &str) -> String {
    match known {
        Some([]) => format!("is not a known {noun}; nothing can be added here"),
        Some(names) => format!("is not a known {noun}; use one of {}", listed(names)),
        None => format!("is not a known {noun}"),
    }
}

pub(crate) fn one_of(choices: &[String]) -> String {
    if choices.is_empty() { "is not one of the allowed values".to_owned() } else { format!("must be one of {}", listed(choices)) }
}

/// `fields`: as they should be named to the client ("kind (one of upfront, split, rolling)").
pub(crate) fn object(fields: &[String]) -> String {
    match fields {
        [] => "must be an object, e.g. {...}".to_owned(),
        [one] => format!("must be an object with the field {one}"),
        many => format!("must be an object with the fields {}", listed(many)),
    }
}

fn whole(rust: &str, got: &Got) -> String {
    let range: Option<(i64, i64)> = match rust {
        "i8" => Some((i8::MIN.into(), i8::MAX.into())),
        "u8" => Some((0, u8::MAX.into())),
        "i16" => Some((i16::MIN.into(), i16::MAX.into())),
        "u16" => Some((0, u16::MAX.into())),
        "i32" => Some((i32::MIN.into(), i32::MAX.into())),
        "u32" => Some((0, u32::MAX.into())),
        _ => None,
    };
    match (range, got) {
        // A whole number was sent, so it is too large or too small.
        (Some((lo, hi)), Got::Whole(_)) => format!("must be a whole number from {lo} to {hi}"),
        (None, Got::Whole(n)) if rust.starts_with('u') && n.starts_with('-') => "must be a whole number, 0 or more, e.g. 2026".to_owned(),
        _ => "must be a whole number, e.g. 2026".to_owned(),
    }
}

/// The wrong kind of value. `sent`: what the client sent, when it was a plain value.
pub(crate) fn wrong(expected: &Expected, got: &Got, sent: Option<&Value>) -> String {
    match expected {
        Expected::Text => match sent {
            Some(Value::Number(n)) => format!("must be text in quotes, e.g. \"{n}\""),
            _ => "must be text in quotes, e.g. \"…\"".to_owned(),
        },
        Expected::Whole(rust) => whole(rust, got),
        Expected::Number => "must be a number, e.g. 0.5".to_owned(),
        Expected::YesNo => "must be true or false".to_owned(),
        Expected::List => match sent {
            Some(Value::String(s)) if s.chars().count() <= 40 && !s.chars().any(char::is_control) => {
                format!("must be a list, e.g. [{}]", Value::String(s.clone()))
            }
            _ => "must be a list, e.g. [...]".to_owned(),
        },
        Expected::Object => object(&[]),
        Expected::Choice => one_of(&[]),
        Expected::Date => DATE.to_owned(),
        Expected::Unknown => "has a value this field cannot take".to_owned(),
    }
}

/// A message said plainly, with nothing learned beyond the message itself
/// (query strings; single messages).
pub(crate) fn plainly(said: &Said, noun: &str) -> String {
    match said {
        Said::Missing(_) => required(&[]),
        Said::UnknownField { known, .. } => not_known(known.as_deref(), noun),
        Said::UnknownVariant { known } => one_of(known),
        Said::Wrong { expected, got } => wrong(expected, got, None),
        Said::Date => DATE.to_owned(),
        Said::Twice(_) => format!("appears more than once; send each {noun} once"),
        Said::Other(text) => passthrough(text),
    }
}
