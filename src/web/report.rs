//! `GET|HEAD /reports/{token}`: the report form for the project's contact
//! (changes nothing: mail scanners open links). `POST /reports/{token}`:
//! the report, once.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, route, web};
use askama::Template;
use serde::Deserialize;

use super::approval::{html, too_many, trouble_page};
use super::{message, page};
use crate::db::{StoreError, TxError};
use crate::domain::approval::LinkProblem;
use crate::domain::follow_up::Progress;
use crate::follow_up::service::{self as follow_up, FollowUpError, Submission};
use crate::http::{AppState, now};
use crate::mail::follow_up::{date_da, kind_da};

fn problem_page(problem: LinkProblem) -> HttpResponse {
    let (status, title, text) = match problem {
        LinkProblem::Unknown => (
            StatusCode::NOT_FOUND,
            "Linket findes ikke",
            "Linket er ikke gyldigt. Kontrollér, at hele linket fra e-mailen er med, eller kontakt sekretariatet.",
        ),
        LinkProblem::Used => (
            StatusCode::GONE,
            "Linket er allerede brugt",
            "Rapporten er allerede afleveret via dette link. Et link kan kun bruges én gang.",
        ),
        LinkProblem::Expired => {
            (StatusCode::GONE, "Linket er udløbet", "Fristen for at bruge linket er overskredet. Kontakt sekretariatet for at få et nyt.")
        }
        // A report link is only ever used, expired or void; the approval
        // links' other reasons read as void here.
        _ => (
            StatusCode::GONE,
            "Linket gælder ikke længere",
            "Rapporten er allerede afleveret, eller den er ikke længere en del af rapporteringsplanen. Kontakt sekretariatet, hvis du er i tvivl.",
        ),
    };
    html(status, message(title, &[text]))
}

/// An unknown token counts as a failed attempt from the client's address,
/// like an unknown approval link (the same limiter).
async fn refused(state: &AppState, req: &HttpRequest, problem: LinkProblem) -> HttpResponse {
    if problem == LinkProblem::Unknown {
        let ip = state.proxies.client_ip(req);
        tracing::warn!(client = %ip.map(|a| a.to_string()).unwrap_or_default(), "unknown report token");
        if let Some(retry) = state.auth_limiter.failed_and_slowed(ip).await {
            return too_many(retry);
        }
    }
    problem_page(problem)
}

/// Shows the report form; writes nothing.
#[route("/reports/{token}", method = "GET", method = "HEAD")]
pub async fn show(state: web::Data<AppState>, req: HttpRequest, path: web::Path<String>) -> HttpResponse {
    let token = path.into_inner();
    let (today, at) = (state.follow_up.clock.today(), now());
    let result = {
        let token = token.clone();
        state.db.read(move |c| follow_up::live_link(c, &token, today, at)).await
    };
    let live = match result {
        Ok(Ok(live)) => live,
        Ok(Err(problem)) => return refused(&state, &req, problem).await,
        Err(e) => {
            tracing::error!(error = %e, "report page failed");
            return trouble_page();
        }
    };
    let form = ReportFormPage {
        title: "Rapport om projektet",
        what: kind_da(live.entry.kind),
        project: &live.view.grant.application_title,
        pool: live.view.grant.pool.to_string(),
        due: date_da(live.entry.due_on),
        token: &token,
        nonce: &live.link.nonce,
        expires: crate::domain::danish::time_da(live.link.expires_at),
    };
    match form.render() {
        Ok(body) => html(StatusCode::OK, body),
        Err(e) => {
            tracing::error!(error = %e, "report form failed");
            trouble_page()
        }
    }
}

/// The form a project's contact fills in (`templates/report/form.html`).
#[derive(askama::Template)]
#[template(path = "report/form.html")]
struct ReportFormPage<'a> {
    title: &'a str,
    what: &'a str,
    project: &'a str,
    pool: String,
    due: String,
    token: &'a str,
    nonce: &'a str,
    expires: String,
}

#[derive(Debug, Deserialize)]
pub struct ReportForm {
    pub progress: String,
    #[serde(default)]
    pub text: String,
    pub nonce: String,
}

enum Outcome {
    Problem(LinkProblem),
    BadNonce,
    Done(Option<i64>),
}

struct PageError(StoreError, Option<String>);

impl From<StoreError> for PageError {
    fn from(e: StoreError) -> Self {
        PageError(e, None)
    }
}

impl TxError for PageError {
    fn is_retryable(&self) -> bool {
        self.1.is_none() && self.0.is_serialization_failure()
    }
}

fn form_problem(title: &str, text: &str) -> HttpResponse {
    html(StatusCode::UNPROCESSABLE_ENTITY, message(title, &[text]))
}

/// Records the report sent through the link.
#[route("/reports/{token}", method = "POST")]
pub async fn submit(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<String>,
    form: Result<web::Form<ReportForm>, actix_web::Error>,
) -> HttpResponse {
    let token = path.into_inner();
    let Ok(form) = form else {
        return html(StatusCode::BAD_REQUEST, page("Formularen kunne ikke læses", "<p>Gå tilbage til linket i e-mailen og prøv igen.</p>"));
    };
    let Some(progress) = Progress::parse(&form.progress) else {
        return form_problem("Vælg, hvordan projektet går", "Gå tilbage og vælg en af mulighederne.");
    };
    let text = match crate::domain::values::parse_note(&form.text, 10_000) {
        Ok(text) if !text.trim().is_empty() => text,
        Ok(_) => return form_problem("Skriv rapporten", "Rapporten er tom. Gå tilbage og skriv, hvordan det går med projektet."),
        Err(_) => {
            return form_problem("Rapporten kan ikke gemmes", "Rapporten er for lang eller indeholder kontroltegn. Gå tilbage og ret den.");
        }
    };
    let nonce = form.nonce.clone();
    let settings = state.follow_up.clone();
    let today = settings.clock.today();
    let result = state
        .db
        .write(move |c| {
            let at = now();
            let live = match follow_up::live_link(c, &token, today, at)? {
                Ok(live) => live,
                Err(problem) => return Ok(Outcome::Problem(problem)),
            };
            if !crate::secrets::constant_time_eq(live.link.nonce.as_bytes(), nonce.as_bytes()) {
                return Ok(Outcome::BadNonce);
            }
            let report = Submission { progress, text: &text, attachments: &[], channel: "link" };
            match follow_up::submit_by_link(c, &live, &report, &settings, at) {
                Ok(done) => Ok(Outcome::Done(done)),
                Err(FollowUpError::Store(e)) => Err(PageError(e, None)),
                Err(e) => Err(PageError(StoreError::Corrupt(String::new()), Some(e.to_string()))),
            }
        })
        .await;
    match result {
        Ok(Outcome::Problem(p)) => refused(&state, &req, p).await,
        Ok(Outcome::BadNonce) => {
            html(StatusCode::BAD_REQUEST, page("Formularen er forældet", "<p>Åbn linket fra e-mailen igen og prøv på ny.</p>"))
        }
        Ok(Outcome::Done(None)) => problem_page(LinkProblem::Used),
        Ok(Outcome::Done(Some(_))) => {
            html(StatusCode::OK, page("Tak", "<p>Rapporten er afleveret og registreret hos sekretariatet.</p><p>Du kan lukke siden.</p>"))
        }
        Err(PageError(_, Some(why))) => {
            tracing::info!(reason = why, "report through a link refused");
            problem_page(LinkProblem::Void)
        }
        Err(PageError(e, None)) => {
            tracing::error!(error = %e, "report through a link failed");
            trouble_page()
        }
    }
}
