use super::indstilling::{ApplicationCase, application, intro};
use super::*;
use crate::domain::allocation::Bucket;

fn m(text: &str) -> Money {
    Money::parse(text).unwrap()
}

#[test]
fn a_submitted_case_goes_before_the_operations_forum_and_a_recommended_one_before_the_strategic_level() {
    assert_eq!(forums_for(ApplicationState::Submitted, true), Ok(&[Forum::OperationsForum][..]));
    assert_eq!(forums_for(ApplicationState::Recommended { amount: m("10.00") }, true), Ok(&[Forum::Strategic][..]));
    let reserved = ApplicationState::Reserved { amount: m("10.00"), awaiting: Level::Political };
    assert_eq!(forums_for(reserved, true), Ok(&[Forum::Political][..]));
    let wrong = check_forum(Forum::Political, ApplicationState::Submitted, true).unwrap_err();
    assert_eq!(wrong.to_string(), "the application is submitted and belongs before Driftsforum, not Politisk niveau");
    assert!(check_forum(Forum::Strategic, ApplicationState::Approved { amount: m("1.00") }, true).is_err());
}

#[test]
fn each_outcome_takes_the_step_the_single_decision_endpoints_take() {
    let approve = application_step(Forum::Strategic, ItemOutcome::Approved, Some(m("5.00"))).unwrap().unwrap();
    assert_eq!(approve.event, Event::Decide { level: Level::Strategic, outcome: Outcome::Approved, amount: Some(m("5.00")) });
    assert_eq!(approve.action, "application.strategic_approved");
    let refer = application_step(Forum::Strategic, ItemOutcome::Referred, None).unwrap().unwrap();
    assert_eq!(refer.event, Event::Refer { amount: None });
    let recommend = application_step(Forum::OperationsForum, ItemOutcome::Approved, None).unwrap().unwrap();
    assert_eq!(recommend.event, Event::Recommend { amount: None });
    assert_eq!(application_step(Forum::Political, ItemOutcome::Postponed, None), Ok(None));
    assert!(application_step(Forum::Political, ItemOutcome::Referred, None).is_err());
    assert!(application_step(Forum::Strategic, ItemOutcome::Noted, None).is_err());
    assert!(application_step(Forum::Strategic, ItemOutcome::Rejected, Some(m("1.00"))).is_err());
}

#[test]
fn only_the_political_level_concludes_a_carry_over() {
    assert_eq!(carry_over_answer(Forum::Political, ItemOutcome::Approved), Ok(Some(true)));
    assert_eq!(carry_over_answer(Forum::Strategic, ItemOutcome::Referred), Ok(None));
    assert!(carry_over_answer(Forum::Strategic, ItemOutcome::Approved).is_err());
}

#[test]
fn the_drafted_indstilling_names_applicant_populations_amount_and_what_is_left() {
    let case = ApplicationCase {
        forum: Forum::Strategic,
        title: "Tværsektoriel udskrivelse",
        purpose: "",
        applicant: "Thisted Kommune",
        eligibility: vec![],
        target_populations: vec!["De sårbare ældre".into(), "Akutområdet".into()],
        requested: m("187553.50"),
        recommended: Some(m("187553.50")),
        amount: m("187553.50"),
        bucket: Bucket::Rolling,
        available: m("871553.00"),
        political_sign_off: true,
        within_forum_limit: false,
    };
    let draft = application(&case);
    let text = draft.case_text.join("\n");
    assert!(text.contains("Thisted Kommune søger 187.553,50 kr. fra den løbende tildeling"), "{text}");
    assert!(text.contains("målgrupperne de sårbare ældre og akutområdet"), "{text}");
    assert!(text.contains("efter en bevilling på 187.553,50 kr. er der 683.999,50 kr. tilbage"), "{text}");
    assert_eq!(draft.proposals.len(), 2);
    assert!(draft.proposals[0].starts_with("Godkender projektet »Tværsektoriel udskrivelse« med 187.553,50 kr."));
    assert_eq!(intro(Forum::Strategic, "Sundhedsklynge Vest"), "Det indstilles, at fagligt strategisk niveau i Sundhedsklynge Vest:");
}

#[test]
fn the_minutes_use_the_seeds_words() {
    assert_eq!(outcome_da(ItemKind::Application, ItemOutcome::Approved, true, None), "Godkendt. Indstillingen blev fulgt.");
    assert_eq!(outcome_da(ItemKind::Application, ItemOutcome::Approved, false, Some(m("1000.00"))), "Godkendt med 1.000,00 kr.");
    assert_eq!(outcome_da(ItemKind::Application, ItemOutcome::Referred, false, None), "Sendes videre til drøftelse på politisk niveau.");
    assert_eq!(outcome_da(ItemKind::Note, ItemOutcome::Postponed, false, None), "Udsat til næste møde.");
}
