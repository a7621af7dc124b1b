//! Vest's meetings as the seeds minute them: the strategic level's 13th
//! meeting (13 October 2022) with the allocation model and the carry-over on
//! its agenda, the political level's sign-off, and one upcoming
//! operations-forum meeting with two applications, so `serve --demo` shows
//! an agenda and decision minutes at once.

use chrono::{Days, NaiveDate, NaiveDateTime};

use super::{DemoError, vest_key};
use crate::db::meetings::{MeetingRow, NewMeeting};
use crate::db::pools::{self, Actor};
use crate::db::{AnyConnection, applications, clusters};
use crate::domain::carry_over::Proposal;
use crate::domain::meeting::{Forum, ItemOutcome};
use crate::domain::values::Year;
use crate::domain::workflow::ApplicationState;
use crate::meetings::service::sitting::{self, ItemDecision, Sitting};
use crate::meetings::service::{self as meetings, Subject};
use crate::year_end::service::{Proposed, Recommendation};

fn bad(e: &dyn std::fmt::Display) -> DemoError {
    DemoError::Data(e.to_string())
}

fn day(m: u32, d: u32) -> Result<NaiveDate, DemoError> {
    NaiveDate::from_ymd_opt(2022, m, d).ok_or_else(|| DemoError::Data("date".into()))
}

fn meeting(
    conn: &mut AnyConnection,
    forum: Forum,
    date: NaiveDate,
    title: &str,
    attendees: &[&str],
    actor: Actor<'_>,
) -> Result<MeetingRow, DemoError> {
    let vest = clusters::find(conn, "vest")?.ok_or_else(|| DemoError::Data("no vest".into()))?;
    let attendees: Vec<String> = attendees.iter().map(|a| (*a).to_owned()).collect();
    let new = NewMeeting {
        cluster_id: vest.id,
        forum,
        date,
        title,
        location: "Teams – digitalt møde",
        attendees: &attendees,
        apologies: &[],
        created_by: actor.name,
        at: actor.at,
    };
    meetings::create(conn, &new, actor).map_err(|e| bad(&e))
}

fn decision(item: i32, outcome: ItemOutcome, note: &str) -> ItemDecision {
    ItemDecision { item, outcome, amount: None, note: note.to_owned() }
}

/// The year end of Vest 2022, decided in meetings: no model decided (which
/// means rolling), the carry-over sent on to the political level, signed
/// off there before year end, and executed when the pool closed.
pub(super) fn vest_2022(conn: &mut AnyConnection, now: NaiveDateTime) -> Result<(), DemoError> {
    let actor = Actor { name: "demo (sekretariatet)", request_id: None, at: now };
    let stored = pools::find(conn, &vest_key(2022)?)?.ok_or_else(|| DemoError::Data("no vest-2022".into()))?;
    let proposal = Proposal { amount: None, to_year: Year::new(2023).map_err(|e| bad(&e))?, bucket: None };
    let why = Recommendation {
        reference: "Driftsforum 13.09.2022: indstiller, at midlerne overføres til 2023",
        date: Some(day(9, 13)?),
        note: "De igangsatte projekter er tæt på afslutning eller i drift.",
        target_model: None,
    };
    let carry_over = match crate::year_end::service::propose(conn, &stored, &proposal, &why, actor).map_err(|e| bad(&e))? {
        Proposed::New(row) | Proposed::Again(row) => row.id,
    };
    let strategic = meeting(
        conn,
        Forum::Strategic,
        day(10, 13)?,
        "13. møde på fagligt strategisk niveau i Sundhedsklynge Vest",
        &[
            "Regional medformand",
            "Kommunal medformand",
            "Direktører og chefer fra kommunerne, hospitalet og psykiatrien",
            "Almen praksis (PLO)",
            "Patientinddragelsesudvalget",
            "Sekretariatet",
        ],
        actor,
    )?;
    let items = [
        Subject::Note {
            title: "Velkomst og præsentation af det faglige strategiske niveau".into(),
            text: "Formandskabet byder velkommen til den nye gruppe og rammesætter kort opgaver og indhold på fagligt strategisk niveau."
                .into(),
        },
        Subject::Model { pool: vest_key(2022)?, proposed: None },
        Subject::CarryOver(carry_over),
    ];
    for subject in &items {
        meetings::add_item(conn, &strategic, subject, actor).map_err(|e| bad(&e))?;
    }
    let sitting = Sitting {
        reference: "Referat fra 13. møde på fagligt strategisk niveau 13.10.2022".into(),
        outcomes: vec![
            decision(1, ItemOutcome::Noted, "Formandskabet orienterede kort om rammerne for gruppens opgaver."),
            decision(
                2,
                ItemOutcome::Noted,
                "Der blev ikke truffet beslutning om tildelingsmodel hvilket betyder, at midlerne vil blive tildelt løbende og alt efter projekt.",
            ),
            decision(3, ItemOutcome::Referred, "Overførslen af midlerne til 2023 sendes videre til godkendelse på politisk niveau."),
        ],
    };
    let strategic = crate::db::meetings::find(conn, strategic.id)?.ok_or_else(|| DemoError::Data("meeting".into()))?;
    sitting::record(conn, &strategic, &sitting, None, actor, None).map_err(|e| bad(&e))?;
    let political = meeting(
        conn,
        Forum::Political,
        day(11, 9)?,
        "Møde i sundhedsklyngeudvalget for Sundhedsklynge Vest",
        &["Borgmestre fra klyngens kommuner", "Regionsrådsmedlemmer", "Sekretariatet"],
        actor,
    )?;
    meetings::add_item(conn, &political, &Subject::CarryOver(carry_over), actor).map_err(|e| bad(&e))?;
    let sitting = Sitting {
        reference: "Referat fra sundhedsklyngeudvalget 09.11.2022 (illustrativt)".into(),
        outcomes: vec![decision(1, ItemOutcome::Approved, "")],
    };
    let political = crate::db::meetings::find(conn, political.id)?.ok_or_else(|| DemoError::Data("meeting".into()))?;
    sitting::record(conn, &political, &sitting, None, actor, None).map_err(|e| bad(&e))?;
    let stored = pools::find(conn, &vest_key(2022)?)?.ok_or_else(|| DemoError::Data("no vest-2022".into()))?;
    crate::pools::service::close(conn, &stored, &crate::pools::service::Undecided::Refuse, actor).map_err(|e| bad(&e))?;
    Ok(())
}

/// The operations forum's next meeting, two weeks ahead, with Vest 2023's submitted applications.
pub(super) fn upcoming(conn: &mut AnyConnection, now: NaiveDateTime) -> Result<(), DemoError> {
    let actor = Actor { name: "demo (sekretariatet)", request_id: None, at: now };
    let date = now.date().checked_add_days(Days::new(14)).ok_or_else(|| DemoError::Data("date".into()))?;
    let forum = meeting(
        conn,
        Forum::OperationsForum,
        date,
        "Møde i driftsforum for Sundhedsklynge Vest",
        &["Formandskabet for driftsforum", "Ledere fra kommunerne, hospitalet og almen praksis", "Sekretariatet"],
        actor,
    )?;
    for app in applications::of_pool(conn, &vest_key(2023)?)? {
        if app.state == ApplicationState::Submitted {
            meetings::add_item(conn, &forum, &Subject::Application(app.id), actor).map_err(|e| bad(&e))?;
        }
    }
    Ok(())
}
