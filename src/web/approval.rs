//! `GET|HEAD /approvals/{token}`: what is being approved (changes nothing:
//! mail scanners open links). `POST /approvals/{token}` without `confirm`:
//! a summary to confirm (still changes nothing); with `confirm=yes`: the
//! decision, then a receipt.

mod pages;
mod problems;

use actix_web::http::StatusCode;
use actix_web::http::header::{CACHE_CONTROL, CONTENT_TYPE};
use actix_web::{HttpRequest, HttpResponse, route, web};
use serde::Deserialize;

use self::pages::{ConfirmPage, ReceiptPage, ShowPage, render};
use super::{message, page};
use crate::approvals::service::{self as approval, Decided, Evidence, LiveLink, facts_for_link};
use crate::db::{StoreError, TxError, pools};
use crate::domain::approval::LinkProblem;
use crate::http::{AppState, now};
use crate::mail::templates::Facts;

pub(crate) fn html(status: StatusCode, body: String) -> HttpResponse {
    HttpResponse::build(status)
        .insert_header((CONTENT_TYPE, "text/html; charset=utf-8"))
        .insert_header((CACHE_CONTROL, "no-store"))
        .insert_header(("X-Robots-Tag", "noindex"))
        .body(body)
}

fn problem_page(state: &AppState, problem: LinkProblem) -> HttpResponse {
    let (status, page) = problems::problem(problem, &state.follow_up.secretariat_email);
    html(status, render(&page))
}

pub(crate) fn too_many(retry_after: u64) -> HttpResponse {
    let mut res = html(
        StatusCode::TOO_MANY_REQUESTS,
        page("For mange forsøg", "<p>Der er prøvet for mange ugyldige links fra denne adresse. Vent et minut, og prøv igen.</p>"),
    );
    if let Ok(v) = actix_web::http::header::HeaderValue::from_str(&retry_after.to_string()) {
        res.headers_mut().insert(actix_web::http::header::RETRY_AFTER, v);
    }
    res
}

/// An unknown token counts as a failed attempt from the client's address,
/// like a bad API key; beyond the limit it is answered 429 (slowly). A valid
/// link is never refused because of someone else's failures.
async fn refused(state: &AppState, req: &HttpRequest, problem: LinkProblem) -> HttpResponse {
    if problem == LinkProblem::Unknown {
        let ip = state.proxies.client_ip(req);
        tracing::warn!(client = %ip.map(|a| a.to_string()).unwrap_or_default(), "unknown approval token");
        if let Some(retry) = state.auth_limiter.failed_and_slowed(ip).await {
            return too_many(retry);
        }
    }
    problem_page(state, problem)
}

pub(crate) fn trouble_page() -> HttpResponse {
    html(StatusCode::SERVICE_UNAVAILABLE, page("Prøv igen om lidt", "<p>Systemet kunne ikke svare lige nu. Prøv igen om et øjeblik.</p>"))
}

/// The live link of `token` and its facts as its approver sees them; reads only.
async fn load(state: &AppState, token: &str) -> Result<Result<(LiveLink, Facts), LinkProblem>, StoreError> {
    let token = token.to_owned();
    let at = now();
    state
        .db
        .read(move |c| {
            let live = match approval::live_link(c, &token, at)? {
                Ok(live) => live,
                Err(problem) => return Ok(Err(problem)),
            };
            let pool = pools::find(c, &live.pool)?.ok_or_else(|| StoreError::Corrupt("no pool".into()))?;
            let facts = facts_for_link(c, &live, &pool)?;
            Ok::<_, StoreError>(Ok((live, facts)))
        })
        .await
}

/// The form with the facts, optionally with what was wrong with the last try (422).
fn form_page(live: &LiveLink, facts: &Facts, token: &str, error: Option<(&str, &str)>) -> HttpResponse {
    let mut page = ShowPage::new(facts, &live.link.approver_name, &live.request.level, token, &live.link.nonce);
    let status = match error {
        Some((message, comment)) => {
            page.error = Some(message.to_owned());
            page.comment = comment.to_owned();
            StatusCode::UNPROCESSABLE_ENTITY
        }
        None => StatusCode::OK,
    };
    html(status, render(&page))
}

/// Shows the application to the approver; writes nothing.
#[route("/approvals/{token}", method = "GET", method = "HEAD")]
pub async fn show(state: web::Data<AppState>, req: HttpRequest, path: web::Path<String>) -> HttpResponse {
    let token = path.into_inner();
    match load(&state, &token).await {
        Ok(Ok((live, facts))) => form_page(&live, &facts, &token, None),
        Ok(Err(problem)) => refused(&state, &req, problem).await,
        Err(e) => {
            tracing::error!(error = %e, "approval page failed");
            trouble_page()
        }
    }
}

#[derive(Debug, Deserialize)]
pub struct DecisionForm {
    pub decision: String,
    #[serde(default)]
    pub comment: String,
    pub nonce: String,
    /// `yes` on the confirmation page's form: only then is anything decided.
    #[serde(default)]
    pub confirm: String,
}

fn comment_problem_da(e: &crate::domain::values::NameError) -> &'static str {
    use crate::domain::values::NameError;
    match e {
        NameError::TooLong(_) => "den er længere end 2.000 tegn",
        NameError::Direction => "den indeholder tegn, der vender læseretningen",
        NameError::Empty | NameError::Control | NameError::NoteControl => "den indeholder kontroltegn",
    }
}

const REASON_NEEDED: &str = "Skriv en begrundelse i feltet Bemærkning, hvis du afviser. Intet er besluttet endnu.";

enum Answer {
    Problem(LinkProblem),
    BadNonce,
    Done(Option<(Decided, Box<Facts>)>),
}

/// Why a decision through a link did not land. Storage trouble is retried by
/// the write path when it is a serialization failure, otherwise the approver
/// sees "try again" (503); a refusal of the domain is final (409).
enum PageError {
    Store(StoreError),
    Refused(String),
}

impl From<StoreError> for PageError {
    fn from(e: StoreError) -> Self {
        PageError::Store(e)
    }
}

impl TxError for PageError {
    fn is_retryable(&self) -> bool {
        matches!(self, PageError::Store(e) if e.is_serialization_failure())
    }
}

fn bad_nonce() -> HttpResponse {
    html(StatusCode::BAD_REQUEST, page("Formularen er forældet", "<p>Åbn linket fra e-mailen igen og prøv på ny.</p>"))
}

/// The first POST shows what would be decided; the confirming POST decides.
#[route("/approvals/{token}", method = "POST")]
pub async fn decide(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<String>,
    form: Result<web::Form<DecisionForm>, actix_web::Error>,
) -> HttpResponse {
    let token = path.into_inner();
    let Ok(form) = form else {
        return html(StatusCode::BAD_REQUEST, page("Formularen kunne ikke læses", "<p>Gå tilbage til linket i e-mailen og prøv igen.</p>"));
    };
    let approve = match form.decision.as_str() {
        "approve" => true,
        "reject" => false,
        _ => return html(StatusCode::BAD_REQUEST, page("Vælg Godkend eller Afvis", "<p>Gå tilbage og vælg en af knapperne.</p>")),
    };
    let comment = match crate::domain::values::parse_note(&form.comment, 2000) {
        Ok(comment) => comment,
        Err(e) => {
            let text = format!("Bemærkningen kan ikke gemmes: {}. Gå tilbage og ret den.", comment_problem_da(&e));
            return html(StatusCode::UNPROCESSABLE_ENTITY, message("Bemærkningen kan ikke bruges", &[&text]));
        }
    };
    if (!approve && comment.is_empty()) || form.confirm != "yes" {
        // Nothing is decided here: the form again (a rejection needs a
        // reason) or the summary to confirm.
        let (live, facts) = match load(&state, &token).await {
            Ok(Ok(found)) => found,
            Ok(Err(problem)) => return refused(&state, &req, problem).await,
            Err(_) => return trouble_page(),
        };
        if !crate::secrets::constant_time_eq(live.link.nonce.as_bytes(), form.nonce.as_bytes()) {
            return bad_nonce();
        }
        if !approve && comment.is_empty() {
            return form_page(&live, &facts, &token, Some((REASON_NEEDED, "")));
        }
        return html(StatusCode::OK, render(&ConfirmPage::new(&facts, approve, &comment, &token, &live.link.nonce)));
    }
    let nonce = form.nonce.clone();
    let client_ip = state.proxies.client_ip(&req).map(|ip| ip.to_string()).unwrap_or_default();
    let user_agent = req.headers().get("user-agent").and_then(|v| v.to_str().ok()).unwrap_or("").chars().take(500).collect::<String>();
    // Which pool to lock: read first (never changes), decide under the lock.
    let at = now();
    let probe = {
        let token = token.clone();
        state.db.read(move |c| approval::live_link(c, &token, at).map(|r| r.map(|l| l.pool))).await
    };
    let pool_key = match probe {
        Ok(Ok(key)) => key,
        Ok(Err(problem)) => return refused(&state, &req, problem).await,
        Err(_) => return trouble_page(),
    };
    let settings = state.links.clone();
    let (write_token, write_comment) = (token.clone(), comment.clone());
    let answer = state
        .db
        .write_in_pool(&pool_key, move |c| {
            let at = now();
            let live = match approval::live_link(c, &write_token, at)? {
                Ok(live) => live,
                Err(problem) => return Ok(Answer::Problem(problem)),
            };
            if !crate::secrets::constant_time_eq(live.link.nonce.as_bytes(), nonce.as_bytes()) {
                return Ok(Answer::BadNonce);
            }
            let pool = pools::find(c, &live.pool)?.ok_or_else(|| StoreError::Corrupt("no pool".into()))?;
            // The facts as the approver saw them, for the receipt.
            let facts = facts_for_link(c, &live, &pool)?;
            let evidence = Evidence { comment: &write_comment, client_ip: &client_ip, user_agent: &user_agent };
            // A refusal rolls the link's use back with the rest: the transaction
            // ends in an error, and the page says why.
            match approval::decide(c, &live, &pool, approve, &evidence, &settings, at) {
                Ok(d) => Ok(Answer::Done(d.map(|d| (d, Box::new(facts))))),
                Err(approval::ApprovalError::Store(e)) => Err(PageError::Store(e)),
                Err(e) => Err(PageError::Refused(e.to_string())),
            }
        })
        .await;
    match answer {
        Ok(Answer::Problem(p)) => problem_page(&state, p),
        Ok(Answer::BadNonce) => bad_nonce(),
        // Someone else (or this link, twice at once) got there first: say what happened.
        Ok(Answer::Done(None)) => match load(&state, &token).await {
            Ok(Err(problem)) => problem_page(&state, problem),
            _ => refused_page(&state, "the link was used meanwhile"),
        },
        Ok(Answer::Done(Some((decided, facts)))) => {
            let receipt = ReceiptPage::new(&facts, approve, &decided, &comment, now(), &state.follow_up.secretariat_email);
            html(StatusCode::OK, render(&receipt))
        }
        Err(PageError::Refused(why)) => refused_page(&state, &why),
        Err(PageError::Store(e)) => {
            tracing::error!(error = %e, "approval decision failed");
            trouble_page()
        }
    }
}

/// The case can no longer be decided through this link: a 409 that says so, not "try again".
fn refused_page(state: &AppState, why: &str) -> HttpResponse {
    tracing::info!(reason = why, "approval through a link refused");
    let page = pages::ProblemPage {
        title: "Sagen kan ikke afgøres via linket".into(),
        paragraphs: vec![
            "Sagen kan ikke længere afgøres via dette link, fordi den er ændret, efter linket blev sendt (for eksempel er puljen lukket, \
             eller sagen er afgjort på et møde). Intet er registreret."
                .into(),
        ],
        contact: state.follow_up.secretariat_email.clone(),
    };
    html(StatusCode::CONFLICT, render(&page))
}
