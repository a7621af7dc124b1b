use super::*;

#[test]
fn a_problem_names_each_field_once_with_its_first_error() {
    let problem = ApiError::Validation(vec![
        FieldError::new("starts_on", "write a date as YYYY-MM-DD, e.g. 2024-09-01"),
        FieldError::new("budget[0].year", "must be a whole number, e.g. 2026"),
        FieldError::new("starts_on", "must be in the pool's year"),
        FieldError::in_row(3, "budget", "budget[0].amount: is empty"),
        FieldError::in_row(3, "budget", "budget[1].amount: is empty"),
    ])
    .problem();
    let said: Vec<(&str, &str)> = problem.errors.iter().map(|e| (e.field.as_str(), e.message.as_str())).collect();
    assert_eq!(
        said,
        [
            ("starts_on", "write a date as YYYY-MM-DD, e.g. 2024-09-01"),
            ("budget[0].year", "must be a whole number, e.g. 2026"),
            ("rows[3].budget", "budget[0].amount: is empty"),
            ("rows[3].budget", "budget[1].amount: is empty"),
        ]
    );
    assert_eq!(problem.detail, "Invalid field(s): starts_on, budget[0].year, rows[3].budget. Nothing was saved.");
}

#[test]
fn each_problem_type_has_one_title() {
    let mut kinds: Vec<&str> = TITLES.iter().map(|(k, _)| *k).collect();
    kinds.extend(ConflictKind::ALL.iter().map(|k| k.as_str()));
    let before = kinds.len();
    kinds.sort();
    kinds.dedup();
    assert_eq!(kinds.len(), before, "a type is listed twice");
    // Whatever actix answered itself, its problem's type and title are the same as ApiError's.
    let said = [
        ApiError::NotFound("x".into()).problem(),
        ApiError::BadRequest("x".into()).problem(),
        ApiError::UnsupportedMediaType("x".into()).problem(),
        ApiError::NotAcceptable("x".into()).problem(),
        ApiError::Unauthorized.problem(),
        ApiError::Forbidden("x".into()).problem(),
        ApiError::PreconditionRequired.problem(),
        ApiError::field("a", "b").problem(),
        ApiError::TooManyRequests { retry_after: 1 }.problem(),
    ];
    for problem in said {
        let generic = problem_for_status(StatusCode::from_u16(problem.status).unwrap_or_default(), "x");
        assert_eq!((&generic.kind, &generic.title), (&problem.kind, &problem.title));
    }
    for code in 400..600 {
        let Ok(status) = StatusCode::from_u16(code) else { continue };
        let problem = problem_for_status(status, "x");
        let kind = problem.kind.trim_start_matches("urn:klyngemidler:problem:");
        assert!(TITLES.iter().any(|(k, t)| *k == kind && *t == problem.title), "{code}: {kind}");
    }
}
