//! How the meetings' errors read: each problem of a refused sitting names its outcome.

use crate::http::error::{ApiError, ConflictKind, FieldError};
use crate::meetings::service::MeetingError;
use crate::meetings::service::sitting::ItemFailure;

fn failure_error(f: ItemFailure) -> ApiError {
    match f {
        ItemFailure::Advance { error, .. } => error.into(),
        ItemFailure::CarryOver { error, .. } => error.into(),
        ItemFailure::Pools { error, .. } => error.into(),
        ItemFailure::Amendment { error, .. } => error.into(),
        ItemFailure::Contact(_) => ApiError::Forbidden(String::new()),
        ItemFailure::Rule { .. } | ItemFailure::NoModel(_) => ApiError::Conflict { kind: ConflictKind::Agenda, detail: String::new() },
        ItemFailure::UnknownItem(_) | ItemFailure::Twice(_) | ItemFailure::Missing { .. } => ApiError::Validation(Vec::new()),
    }
}

impl From<MeetingError> for ApiError {
    fn from(e: MeetingError) -> Self {
        match e {
            MeetingError::NotFound(what) => ApiError::NotFound(what),
            MeetingError::Held(_) => ApiError::Conflict { kind: ConflictKind::MeetingHeld, detail: e.to_string() },
            MeetingError::Rule(_) | MeetingError::Conflict(_) => ApiError::Conflict { kind: ConflictKind::Agenda, detail: e.to_string() },
            MeetingError::AlreadyOnAgenda(..) => ApiError::Conflict { kind: ConflictKind::Duplicate, detail: e.to_string() },
            MeetingError::Changed => ApiError::Conflict { kind: ConflictKind::ConcurrentChange, detail: e.to_string() },
            MeetingError::Store(s) => ApiError::Store(s),
            MeetingError::Sitting(failures) => {
                let mut conflict = false;
                let mut errors = Vec::new();
                for (index, f) in failures {
                    let message = match &f {
                        // The workflow's words already say what is wrong; say which item.
                        ItemFailure::Advance { number, .. }
                        | ItemFailure::CarryOver { number, .. }
                        | ItemFailure::Pools { number, .. }
                        | ItemFailure::Amendment { number, .. } => {
                            let number = *number;
                            let inner = failure_error(f);
                            conflict |= inner.problem().status != 422;
                            let detail = match &inner {
                                ApiError::Validation(list) => {
                                    list.iter().map(|e| format!("{}: {}", e.field, e.message)).collect::<Vec<_>>().join("; ")
                                }
                                other => other.to_string(),
                            };
                            format!("item {number}: {detail}")
                        }
                        other => {
                            let message = other.to_string();
                            conflict |= failure_error(f).problem().status != 422;
                            message
                        }
                    };
                    let field = index.map_or_else(|| "outcomes".to_owned(), |i| format!("outcomes[{i}]"));
                    errors.push(FieldError::new(field, message));
                }
                if conflict { ApiError::Sitting(errors) } else { ApiError::Validation(errors) }
            }
        }
    }
}
