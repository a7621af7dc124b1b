use super::*;

#[test]
fn codes_have_danish_words_and_come_back_from_them() {
    for b in Bucket::ALL {
        assert_eq!(bucket_code(bucket(b)), Some(b.as_str()));
        assert_eq!(bucket_code(b.as_str()), Some(b.as_str()), "the code itself reads too");
    }
    assert_eq!(bucket_code("ad hoc"), Some("ad_hoc"), "any case");
    assert_eq!(bucket_code("pulje"), None);
    assert_eq!(origin_code("ssu"), Some("ssu"));
    assert_eq!(expense_kind_code("Udvikling"), Some("development"));
    assert_eq!(application_state("withdrawn"), "Trukket tilbage");
    assert_eq!(application_state("someday"), "someday", "a code without a word stays");
    assert_eq!(bucket_name("all"), "I alt");
    assert_eq!(entry_kind("carry_over_hold"), "Holdt til overførsel");
    assert_eq!(account("carried_out"), "Overført ud");
    assert_eq!(audit_action("pool.opened"), "Pulje åbnet");
    assert_eq!(subject("application:12"), "ansøgning 12");
    assert_eq!(subject("meeting:3"), "meeting:3");
    assert_eq!(actor("Økonomimedarbejder (key 3)"), "Økonomimedarbejder (nøgle 3)");
    assert_eq!(
        actor("Regional medformand <medformand@example.org> via e-mail-link"),
        "Regional medformand <medformand@example.org> via e-mail-link"
    );
}

#[test]
fn every_code_of_the_domain_has_a_word() {
    use crate::domain::ledger::{Account, EntryKind};
    for a in Account::ALL {
        assert!(word(ACCOUNTS, a.as_str()).is_some(), "{a:?}");
    }
    for k in EntryKind::ALL {
        assert!(word(ENTRY_KINDS, k.as_str()).is_some(), "{k:?}");
    }
    for s in [PoolState::Draft, PoolState::Open, PoolState::Closed] {
        assert!(word(POOL_STATES, s.as_str()).is_some(), "{s:?}");
    }
}

#[test]
fn models_are_named_as_finance_staff_name_them() {
    let share = |s: &str| AllocationModel::Split { upfront_share: Share::parse(s).expect("share") };
    assert_eq!(model(share("0.70")), "70/30");
    assert_eq!(model(share("0.3333")), "33,33/66,67");
    assert_eq!(model(AllocationModel::Upfront), "Fordelt ved årets start");
    assert_eq!(model(AllocationModel::Rolling), "Løbende");
}

#[test]
fn amounts_in_words_have_thousands_points() {
    let m = |s: &str| Money::parse(s).expect("money");
    assert_eq!(kroner(m("871553.00")), "871.553,00 kr.");
    assert_eq!(kroner(m("0.01")), "0,01 kr.");
    assert_eq!(kroner(m("100.00")), "100,00 kr.");
    assert_eq!(kroner(m("1000.50")), "1.000,50 kr.");
    assert_eq!(kroner(m("999999999999.99")), "999.999.999.999,99 kr.");
}

#[test]
fn the_services_memos_are_danish_and_others_stay() {
    let cases = [
        ("Funding of pool vest-2022 (split)", "Finansiering af pulje vest-2022 (delt)"),
        (
            "Revised funding of pool vest-2022: 871553.00 (rolling) to 900000.00 (split)",
            "Ændret finansiering af pulje vest-2022: 871.553,00 kr. (løbende) til 900.000,00 kr. (delt)",
        ),
        ("Reallocated 1000.00 from ad_hoc to upfront", "Omfordelt 1.000,00 kr. fra Ad hoc til Fordelt ved årets start"),
        (
            "Reallocated 1000.00 from ad_hoc to upfront (Referat 20.10.2022, pkt. 4, 2022-10-20)",
            "Omfordelt 1.000,00 kr. fra Ad hoc til Fordelt ved årets start (Referat 20.10.2022, pkt. 4, 2022-10-20)",
        ),
        ("Held for carry-over of 5.00 to 2023", "Holdt til overførsel af 5,00 kr. til 2023"),
        ("Carried over to 2023", "Overført til 2023"),
        ("Carried in from the year before", "Overført fra året før"),
        ("Granted by the strategic level: 123456.78", "Bevilget af det strategiske niveau: 123.456,78 kr."),
        ("Reservation given back: application withdrawn: 10.00", "Reservation frigivet, ansøgningen er trukket tilbage: 10,00 kr."),
        ("Disbursement: 10000.05", "Udbetaling: 10.000,05 kr."),
        ("Released: 5.00 (projektet blev billigere)", "Frigivet: 5,00 kr. (projektet blev billigere)"),
    ];
    for (english, danish) in cases {
        assert_eq!(memo(english), danish);
    }
    for other in ["Bulk entry #1", "Granted by the strategic level: lots", "Funding of pool vest-2022 (split) and more", ""] {
        assert_eq!(memo(other), other, "not one of ours: kept");
    }
}
