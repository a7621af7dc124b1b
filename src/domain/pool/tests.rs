use super::*;
use crate::domain::allocation::Bucket;
use crate::domain::ledger::{Balances, PoolStatus};
use crate::domain::share::Share;

fn m(s: &str) -> Money {
    Money::parse(s).expect("valid amount in test")
}

fn vest_2022(model: AllocationModel) -> (Pool, Entry) {
    Pool::create(NewPool {
        key: PoolKey::parse("vest-2022").expect("key"),
        amount: m("871553.00"),
        model,
        policy: ApprovalPolicy::default(),
        note: String::new(),
        criteria: Vec::new(),
    })
}

#[test]
fn a_new_pool_is_a_draft_funded_in_full() {
    let (pool, entry) = vest_2022(AllocationModel::Rolling);
    assert_eq!(pool.state, PoolState::Draft);
    assert!(entry.is_balanced());
    let mut balances = Balances::default();
    balances.apply(&entry);
    assert_eq!(balances.available(Bucket::Rolling), m("871553.00"));
}

#[test]
fn revising_a_draft_reverses_the_old_funding_and_posts_the_new() {
    let (pool, entry) = vest_2022(AllocationModel::Rolling);
    let split = AllocationModel::Split { upfront_share: Share::parse("0.70").expect("share") };
    let (revised, revision) =
        pool.revise(PoolChanges { model: Some(split), ..PoolChanges::default() }, &Balances::default()).expect("draft can change");
    let revision = revision.expect("model changed, so money moves");
    assert!(revision.is_balanced());
    let mut balances = Balances::default();
    balances.apply(&entry);
    balances.apply(&revision);
    let status = PoolStatus::from_balances(revised.model, &balances).expect("valid ledger");
    assert_eq!(status.buckets.len(), 2, "the emptied rolling bucket is not shown");
    assert_eq!(status.buckets[0].1.available, m("610087.10"));
    assert_eq!(status.buckets[1].1.available, m("261465.90"));
    assert_eq!(status.overall.total, m("871553.00"));
    assert_eq!(revised.version, 2);
}

#[test]
fn money_carried_in_moves_with_a_new_model_instead_of_staying_in_a_bucket_it_no_longer_has() {
    let split = AllocationModel::Split { upfront_share: Share::parse("0.70").expect("share") };
    let (pool, funding) = vest_2022(split);
    let carried = Entry::new(EntryKind::CarryOver, "carried in from 2021").transfer(
        (Account::CarriedIn, Bucket::AdHoc),
        (Account::Available, Bucket::AdHoc),
        m("871553.00"),
    );
    let mut balances = Balances::default();
    balances.apply(&funding);
    balances.apply(&carried);
    let (revised, revision) =
        pool.revise(PoolChanges { model: Some(AllocationModel::Rolling), ..PoolChanges::default() }, &balances).expect("draft can change");
    let revision = revision.expect("money moves");
    assert!(revision.is_balanced());
    balances.apply(&revision);
    let status = PoolStatus::from_balances(revised.model, &balances).expect("valid ledger");
    assert_eq!(status.buckets.len(), 1, "only the rolling bucket has money: {:?}", status.buckets);
    assert_eq!(status.buckets[0].0, Bucket::Rolling);
    assert_eq!(status.buckets[0].1.carried_in, m("871553.00"));
    assert_eq!(status.overall.available, m("1743106.00"));
}

#[test]
fn a_note_only_revision_moves_no_money() {
    let (pool, _) = vest_2022(AllocationModel::Rolling);
    let (_, entry) = pool.revise(PoolChanges { note: Some("x".into()), ..PoolChanges::default() }, &Balances::default()).expect("draft");
    assert!(entry.is_none());
}

#[test]
fn pools_go_from_draft_to_open_to_closed_and_never_back() {
    let (draft, _) = vest_2022(AllocationModel::Upfront);
    assert_eq!(draft.close(), Err(PoolError::CannotClose { state: PoolState::Draft }));
    let open = draft.open().expect("draft opens");
    assert_eq!(open.open(), Err(PoolError::CannotOpen { state: PoolState::Open }));
    assert_eq!(open.revise(PoolChanges::default(), &Balances::default()).map(|_| ()), Err(PoolError::NotDraft { state: PoolState::Open }));
    let closed = open.close().expect("open closes");
    assert_eq!(closed.state, PoolState::Closed);
    assert_eq!(closed.open(), Err(PoolError::CannotOpen { state: PoolState::Closed }));
    assert_eq!(closed.close(), Err(PoolError::CannotClose { state: PoolState::Closed }));
    assert_eq!(closed.version, 3);
}
