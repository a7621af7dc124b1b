use super::*;

fn criterion(code: &str, kind: CriterionKind, required: bool) -> Criterion {
    let options = if kind == CriterionKind::Choice { vec!["Lille".into(), "Stor".into()] } else { Vec::new() };
    Criterion { code: code.into(), text_da: format!("Tekst {code}"), kind, options, required }
}

fn answer(code: &str, text: &str) -> CriterionAnswer {
    CriterionAnswer { criterion: code.into(), answer: text.into() }
}

fn three() -> Vec<Criterion> {
    vec![
        criterion("K1", CriterionKind::YesNo, true),
        criterion("K2", CriterionKind::Choice, true),
        criterion("K3", CriterionKind::Text, false),
    ]
}

#[test]
fn every_problem_with_the_answers_is_reported_at_once_under_the_criterion_code() {
    let answers = [answer("K2", "Mellem"), answer("K9", "yes"), answer("K3", "Fælles forløb"), answer("K3", "Igen")];
    let v = check_answers(&three(), &answers).expect_err("refused");
    let fields: Vec<&str> = v.iter().map(|v| v.field.as_str()).collect();
    assert_eq!(fields, ["criteria[K2]", "criteria[K9]", "criteria[K3]", "criteria[K1]"]);
    assert!(v[0].message.contains("Lille, Stor"), "{}", v[0].message);
    assert!(v[3].message.contains("required"));
}

#[test]
fn answers_of_the_right_kind_pass() {
    let ok = check_answers(&three(), &[answer("K1", "no"), answer("K2", "Stor")]).expect("valid");
    assert_eq!(ok, vec![answer("K1", "no"), answer("K2", "Stor")]);
    assert!(check_answers(&three(), &[answer("K1", "ja"), answer("K2", "Stor")]).is_err(), "the API answers yes or no");
    assert!(check_answers(&three(), &[answer("K1", "yes"), answer("K2", "Stor"), answer("K3", " ")]).is_err(), "text is not empty");
}

#[test]
fn criteria_as_written_are_checked_every_rule_at_once() {
    let d = |code: &str, kind, options: Option<Vec<&str>>| CriterionDraft {
        code: code.into(),
        text_da: "Projektet går på tværs af sektorer".into(),
        kind,
        options: options.map(|o| o.into_iter().map(String::from).collect()),
        required: true,
    };
    let v = check_criteria(vec![
        d("K1", CriterionKind::YesNo, None),
        d("K1", CriterionKind::Choice, Some(vec!["Én"])),
        d("K 3", CriterionKind::Text, Some(vec!["x"])),
    ])
    .expect_err("refused");
    let fields: Vec<&str> = v.iter().map(|v| v.field.as_str()).collect();
    assert_eq!(fields, ["criteria[1].code", "criteria[1].options", "criteria[2].code", "criteria[2].options"]);
}

#[test]
fn hospital_psychiatry_and_the_region_are_one_sector() {
    use PartyKind as K;
    assert_eq!(sectors_of(&[K::Hospital, K::Psychiatry, K::Region]), [Sector::Region]);
    assert_eq!(sectors_of(&[K::GeneralPractice, K::Municipality, K::Other]), [Sector::Municipality, Sector::GeneralPractice]);
    assert_eq!(combination_key(&sectors_of(&[K::GeneralPractice, K::Municipality])), "municipality+general_practice");
    assert_eq!(combination_key(&[]), "none");
}

#[test]
fn a_required_no_or_a_single_sector_keeps_a_project_from_funds() {
    let found = assess(&three(), &[answer("K1", "no")], &[Sector::Municipality], true);
    assert_eq!(found.len(), 2);
    assert!(found[0].to_string().contains("K1"));
    assert!(found[1].to_string().contains("cross_sector_required"));
    assert!(assess(&three(), &[answer("K1", "yes")], &[Sector::Municipality], false).is_empty());
    assert!(assess(&three(), &[answer("K1", "yes")], &[Sector::Municipality, Sector::Region], true).is_empty());
}

#[test]
fn eligibility_is_told_in_danish_for_an_indstilling() {
    let lines = describe_da(&three(), &[answer("K1", "yes"), answer("K2", "Stor")], &[Sector::Municipality, Sector::GeneralPractice]);
    assert_eq!(
        lines,
        [
            "Kriterium K1 (Tekst K1): Ja",
            "Kriterium K2 (Tekst K2): Stor",
            "Kriterium K3 (Tekst K3): Ikke besvaret",
            "Parter: Kommune, Almen praksis"
        ]
    );
}

#[test]
fn projects_are_counted_once_per_sector_combination() {
    let both = vec![Sector::Municipality, Sector::GeneralPractice];
    let counts = count_by_combination(&[(both.clone(), true), (vec![Sector::Region], false), (both.clone(), false)]);
    assert_eq!(counts[0], CombinationCount { sectors: both, projects: 2, granted: 1 });
    assert_eq!(counts[1].projects, 1);
}
