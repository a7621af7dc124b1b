//! `GET|HEAD /approvals/{token}`: what is being approved (changes nothing:
//! mail scanners open links). `POST /approvals/{token}`: the decision.

use actix_web::http::StatusCode;
use actix_web::http::header::{CACHE_CONTROL, CONTENT_TYPE};
use actix_web::{HttpRequest, HttpResponse, route, web};
use serde::Deserialize;

use super::page;
use crate::approvals::service::{self as approval, Decided, Evidence, LevelOutcome};
use crate::db::{StoreError, TxError, pools};
use crate::domain::approval::LinkProblem;
use crate::http::{AppState, now};
use crate::mail::templates::{bucket_da, level_da};
use crate::mail::{esc, kroner};

pub(crate) fn html(status: StatusCode, body: String) -> HttpResponse {
    HttpResponse::build(status)
        .insert_header((CONTENT_TYPE, "text/html; charset=utf-8"))
        .insert_header((CACHE_CONTROL, "no-store"))
        .insert_header(("X-Robots-Tag", "noindex"))
        .body(body)
}

fn problem_page(problem: LinkProblem) -> HttpResponse {
    let (status, title, text) = match problem {
        LinkProblem::Unknown => (
            StatusCode::NOT_FOUND,
            "Linket findes ikke",
            "Linket er ikke gyldigt. Kontrollér, at hele linket fra e-mailen er med, eller kontakt sekretariatet.",
        ),
        LinkProblem::Used => {
            (StatusCode::GONE, "Linket er allerede brugt", "Der er allerede taget stilling via dette link. Et link kan kun bruges én gang.")
        }
        LinkProblem::Void => (
            StatusCode::GONE,
            "Linket gælder ikke længere",
            "Ansøgningen er ændret, eller anmodningen er trukket tilbage, efter linket blev sendt. Brug det nyeste link, du har fået, eller kontakt sekretariatet.",
        ),
        LinkProblem::PoolClosed => (
            StatusCode::GONE,
            "Puljen er lukket",
            "Puljen er lukket for året, og anmodningen er derfor trukket tilbage. Der er ikke truffet nogen afgørelse via linket. Kontakt sekretariatet, hvis sagen stadig skal afgøres.",
        ),
        LinkProblem::Expired => {
            (StatusCode::GONE, "Linket er udløbet", "Fristen for at bruge linket er overskredet. Kontakt sekretariatet for at få et nyt.")
        }
    };
    html(status, page(title, &format!("<p>{}</p><p lang=\"en\"><small>This approval link cannot be used.</small></p>", esc(text))))
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
    problem_page(problem)
}

pub(crate) fn trouble_page() -> HttpResponse {
    html(StatusCode::SERVICE_UNAVAILABLE, page("Prøv igen om lidt", "<p>Systemet kunne ikke svare lige nu. Prøv igen om et øjeblik.</p>"))
}

/// Shows the application to the approver; writes nothing.
#[route("/approvals/{token}", method = "GET", method = "HEAD")]
pub async fn show(state: web::Data<AppState>, req: HttpRequest, path: web::Path<String>) -> HttpResponse {
    let token = path.into_inner();
    let at = now();
    let result = state
        .db
        .read(move |c| {
            let live = match approval::live_link(c, &token, at)? {
                Ok(live) => live,
                Err(problem) => return Ok(Err(problem)),
            };
            let pool = pools::find(c, &live.pool)?.ok_or_else(|| StoreError::Corrupt("no pool".into()))?;
            let facts = live.subject.facts(c, &pool)?;
            Ok::<_, StoreError>(Ok((live, facts, token)))
        })
        .await;
    let (live, facts, token) = match result {
        Ok(Ok(found)) => found,
        Ok(Err(problem)) => return refused(&state, &req, problem).await,
        Err(e) => {
            tracing::error!(error = %e, "approval page failed");
            return trouble_page();
        }
    };
    let populations = facts.target_populations.iter().map(|p| esc(p)).collect::<Vec<_>>().join(", ");
    let steps = if facts.steps.is_empty() {
        "<li>Ingen endnu</li>".to_owned()
    } else {
        facts.steps.iter().map(|s| format!("<li>{}</li>", esc(s))).collect::<String>()
    };
    let body = format!(
        "<p>Kære {approver}. Du bedes som medlem af {level} tage stilling til denne bevilling.</p>\
         <table><tr><th>Projekt</th><td>{title}</td></tr><tr><th>Ansøger</th><td>{applicant}</td></tr>\
         <tr><th>Beløb</th><td><strong>{amount}</strong></td></tr><tr><th>Pulje</th><td>{pool}, {bucket}</td></tr>\
         <tr><th>Klynge</th><td>{cluster}</td></tr><tr><th>Målgrupper</th><td>{populations}</td></tr>\
         <tr><th>Formål</th><td>{purpose}</td></tr></table><h2>Tidligere trin</h2><ul>{steps}</ul>\
         <form method=\"post\" action=\"/approvals/{token}\"><input type=\"hidden\" name=\"nonce\" value=\"{nonce}\">\
         <label for=\"comment\">Bemærkning (valgfri)</label><textarea id=\"comment\" name=\"comment\" maxlength=\"2000\"></textarea>\
         <div class=\"buttons\"><button class=\"approve\" type=\"submit\" name=\"decision\" value=\"approve\">Godkend</button>\
         <button class=\"reject\" type=\"submit\" name=\"decision\" value=\"reject\">Afvis</button></div></form>\
         <p class=\"note\">Linket er personligt og kan bruges én gang. Det gælder til {expires}.</p>",
        approver = esc(&live.link.approver_name),
        level = level_da(&live.request.level),
        title = esc(&facts.title),
        applicant = esc(&facts.applicant),
        amount = kroner(facts.amount),
        pool = esc(&facts.pool),
        bucket = bucket_da(&facts.bucket),
        cluster = esc(&facts.cluster),
        purpose = esc(&facts.purpose),
        nonce = esc(&live.link.nonce),
        expires = live.link.expires_at.format("%-d.%-m.%Y kl. %H:%M UTC"),
    );
    html(StatusCode::OK, page("Godkendelse af klyngemidler", &body))
}

#[derive(Debug, Deserialize)]
pub struct DecisionForm {
    pub decision: String,
    #[serde(default)]
    pub comment: String,
    pub nonce: String,
}

fn comment_problem_da(e: &crate::domain::values::NameError) -> &'static str {
    use crate::domain::values::NameError;
    match e {
        NameError::TooLong(_) => "den er længere end 2.000 tegn",
        NameError::Direction => "den indeholder tegn, der vender læseretningen",
        NameError::Empty | NameError::Control | NameError::NoteControl => "den indeholder kontroltegn",
    }
}

enum Answer {
    Problem(LinkProblem),
    BadNonce,
    Done(Option<Decided>, bool),
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

/// Records the approver's decision.
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
            return html(StatusCode::UNPROCESSABLE_ENTITY, page("Bemærkningen kan ikke bruges", &format!("<p>{}</p>", esc(&text))));
        }
    };
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
    let answer = state
        .db
        .write_in_pool(&pool_key, move |c| {
            let at = now();
            let live = match approval::live_link(c, &token, at)? {
                Ok(live) => live,
                Err(problem) => return Ok(Answer::Problem(problem)),
            };
            if !crate::secrets::constant_time_eq(live.link.nonce.as_bytes(), nonce.as_bytes()) {
                return Ok(Answer::BadNonce);
            }
            let pool = pools::find(c, &live.pool)?.ok_or_else(|| StoreError::Corrupt("no pool".into()))?;
            let evidence = Evidence { comment: &comment, client_ip: &client_ip, user_agent: &user_agent };
            // A refusal rolls the link's use back with the rest: the transaction
            // ends in an error, and the page says why.
            match approval::decide(c, &live, &pool, approve, &evidence, &settings, at) {
                Ok(d) => Ok(Answer::Done(d, approve)),
                Err(approval::ApprovalError::Store(e)) => Err(PageError::Store(e)),
                Err(e) => Err(PageError::Refused(e.to_string())),
            }
        })
        .await;
    match answer {
        Ok(Answer::Problem(p)) => problem_page(p),
        Ok(Answer::BadNonce) => {
            html(StatusCode::BAD_REQUEST, page("Formularen er forældet", "<p>Åbn linket fra e-mailen igen og prøv på ny.</p>"))
        }
        Ok(Answer::Done(None, _)) => problem_page(LinkProblem::Used),
        Ok(Answer::Done(Some(d), approved)) => {
            let what = if approved { "godkendelse" } else { "afvisning" };
            let next = match d {
                Decided::Waiting => "Der ventes stadig på svar fra de øvrige godkendere.".to_owned(),
                Decided::LevelDone(LevelOutcome::Granted) => "Alle har godkendt, og bevillingen er nu givet.".to_owned(),
                Decided::LevelDone(LevelOutcome::ToPolitical) => {
                    "Alle har godkendt. Sagen går nu videre til det politiske niveau.".to_owned()
                }
                Decided::LevelDone(LevelOutcome::Rejected) => "Sagen er afvist, og de reserverede midler er frigivet.".to_owned(),
                Decided::LevelDone(LevelOutcome::CarriedOver) => "Alle har godkendt, og midlerne er nu overført til det nye år.".to_owned(),
            };
            html(StatusCode::OK, page("Tak", &format!("<p>Din {what} er registreret.</p><p>{}</p>", esc(&next))))
        }
        Err(PageError::Refused(why)) => refused_page(&why),
        Err(PageError::Store(e)) => {
            tracing::error!(error = %e, "approval decision failed");
            trouble_page()
        }
    }
}

/// The case can no longer be decided through this link: a 409 that says so, not "try again".
fn refused_page(why: &str) -> HttpResponse {
    tracing::info!(reason = why, "approval through a link refused");
    html(
        StatusCode::CONFLICT,
        page(
            "Sagen kan ikke afgøres via linket",
            "<p>Sagen kan ikke længere afgøres via dette link, fordi den er ændret (f.eks. er puljen lukket, eller sagen er afgjort på et møde). \
             Intet er registreret. Kontakt sekretariatet.</p>",
        ),
    )
}
