//! Why a link can no longer be used, said in Danish, with whom to contact.

use actix_web::http::StatusCode;

use super::pages::ProblemPage;
use crate::domain::approval::{Answer, LinkProblem};
use crate::domain::danish::time_da;

/// The page for a link that cannot be used: 404 for an unknown link, 410
/// for one that is used up, replaced or ended.
pub(crate) fn problem(problem: LinkProblem, contact: &str) -> (StatusCode, ProblemPage) {
    let verb = |a: Answer| if a == Answer::Approve { "godkendt" } else { "afvist" };
    let (status, title, paragraphs): (StatusCode, &str, Vec<String>) = match problem {
        LinkProblem::Unknown => (
            StatusCode::NOT_FOUND,
            "Linket findes ikke",
            vec!["Linket er ikke gyldigt. Kontrollér, at hele linket fra e-mailen er med.".into()],
        ),
        LinkProblem::AnsweredByYou { answer, at } => {
            let when = at.map(|at| format!(" den {}", time_da(at))).unwrap_or_default();
            let did = if answer == Answer::Approve { "godkendte" } else { "afviste" };
            (
                StatusCode::GONE,
                "Du har allerede svaret",
                vec![
                    format!("Du {did} via dette link{when}. Dit svar er registreret."),
                    "Et link kan kun bruges én gang, så der kan ikke svares igen.".into(),
                ],
            )
        }
        LinkProblem::SeatAnswered(answer) => (
            StatusCode::GONE,
            "Der er allerede svaret for din plads",
            vec![format!(
                "Din stedfortræder (eller den medformand, du er stedfortræder for) har allerede {} sagen på jeres fælles plads. Du skal ikke svare.",
                verb(answer)
            )],
        ),
        LinkProblem::RejectedByOther => (
            StatusCode::GONE,
            "Sagen er afvist",
            vec![
                "En anden godkender har afvist, og sagen er dermed afgjort på dette niveau.".into(),
                "Dit link kan ikke bruges længere, og der kommer ikke et nyt.".into(),
            ],
        ),
        LinkProblem::ApprovedByOthers => (
            StatusCode::GONE,
            "Sagen er godkendt",
            vec!["Alle nødvendige godkendelser er givet, og sagen er afgjort. Dit svar er ikke længere nødvendigt.".into()],
        ),
        LinkProblem::DecidedElsewhere => (
            StatusCode::GONE,
            "Sagen er afgjort",
            vec!["Sagen er afgjort på et møde eller på anden måde, efter linket blev sendt. Linket kan derfor ikke bruges.".into()],
        ),
        LinkProblem::Withdrawn => (
            StatusCode::GONE,
            "Ansøgningen er trukket tilbage",
            vec!["Ansøgeren har trukket ansøgningen tilbage, efter linket blev sendt. Linket gælder ikke længere, og der skal ikke tages stilling.".into()],
        ),
        LinkProblem::Changed { newer_link } => (
            StatusCode::GONE,
            "Sagen er ændret",
            vec![
                "Sagen er ændret, efter linket blev sendt, så linket gælder ikke længere. Der er ikke truffet nogen afgørelse via linket.".into(),
                if newer_link {
                    "Du har fået et nyere link: brug det nyeste link, du har fået.".into()
                } else {
                    "Sekretariatet sender et nyt link, hvis sagen stadig skal afgøres pr. e-mail.".into()
                },
            ],
        ),
        LinkProblem::Revoked { newer_link: true } => (
            StatusCode::GONE,
            "Linket er erstattet",
            vec!["Du har fået et nyere link, og dette link gælder ikke længere. Brug det nyeste link, du har fået.".into()],
        ),
        LinkProblem::Revoked { newer_link: false } => (
            StatusCode::GONE,
            "Anmodningen er trukket tilbage",
            vec!["Sekretariatet har trukket anmodningen tilbage, og linket gælder ikke længere. Der er ikke truffet nogen afgørelse via linket."
                .into()],
        ),
        LinkProblem::Expired => (
            StatusCode::GONE,
            "Linket er udløbet",
            vec![
                "Fristen for at svare via linket er overskredet. Der er ikke truffet nogen afgørelse via linket.".into(),
                "Sekretariatet kan sende et nyt link.".into(),
            ],
        ),
        LinkProblem::PoolClosed => (
            StatusCode::GONE,
            "Puljen er lukket",
            vec![
                "Puljen er lukket for året, og anmodningen er derfor trukket tilbage. Der er ikke truffet nogen afgørelse via linket.".into(),
            ],
        ),
        LinkProblem::Used | LinkProblem::Void => {
            (StatusCode::GONE, "Linket gælder ikke længere", vec!["Linket kan ikke bruges længere.".into()])
        }
    };
    (status, ProblemPage { title: title.to_owned(), paragraphs, contact: contact.to_owned() })
}
