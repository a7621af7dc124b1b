//! Where the money went: a pool's committed, pending, disbursed and released
//! figures split by target population and by party.
//!
//! An application naming several target populations counts equally towards
//! each, split by largest remainder, so every breakdown sums exactly to the
//! pool's figures.

use std::collections::BTreeMap;

use super::money::{Money, allocate};

/// The money of one application (or of one key in a breakdown).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Use {
    pub committed: Money,
    pub pending: Money,
    pub disbursed: Money,
    pub released: Money,
}

impl Use {
    fn add(&mut self, other: Use) {
        let add = |a: Money, b: Money| a.checked_add(b).unwrap_or(Money::MAX);
        self.committed = add(self.committed, other.committed);
        self.pending = add(self.pending, other.pending);
        self.disbursed = add(self.disbursed, other.disbursed);
        self.released = add(self.released, other.released);
    }

    pub fn is_zero(&self) -> bool {
        *self == Use::default()
    }
}

/// Splits each item's money equally over its keys and sums per key, in the
/// order the keys are first met.
pub fn by_key<K: Ord + Clone>(items: &[(Vec<K>, Use)]) -> Vec<(K, Use)> {
    let mut order: Vec<K> = Vec::new();
    let mut sums: BTreeMap<K, Use> = BTreeMap::new();
    for (keys, money) in items {
        if keys.is_empty() {
            continue;
        }
        let weights = vec![1u64; keys.len()];
        let parts = |m: Money| allocate(m, &weights);
        let (c, p, d, r) = (parts(money.committed), parts(money.pending), parts(money.disbursed), parts(money.released));
        for (i, key) in keys.iter().enumerate() {
            if !sums.contains_key(key) {
                order.push(key.clone());
            }
            sums.entry(key.clone()).or_default().add(Use { committed: c[i], pending: p[i], disbursed: d[i], released: r[i] });
        }
    }
    order
        .into_iter()
        .map(|k| {
            let v = sums.get(&k).copied().unwrap_or_default();
            (k, v)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(s: &str) -> Money {
        Money::parse(s).expect("amount")
    }

    #[test]
    fn a_project_for_three_populations_counts_a_third_towards_each_to_the_ore() {
        let items = vec![
            (vec!["chronic_disease", "acute_area", "vulnerable_elderly"], Use { committed: m("100.00"), ..Use::default() }),
            (vec!["acute_area"], Use { pending: m("50.00"), ..Use::default() }),
        ];
        let out = by_key(&items);
        assert_eq!(out[0], ("chronic_disease", Use { committed: m("33.34"), ..Use::default() }));
        assert_eq!(out[1], ("acute_area", Use { committed: m("33.33"), pending: m("50.00"), ..Use::default() }));
        assert_eq!(out[2].1.committed, m("33.33"));
        let total: i64 = out.iter().map(|(_, u)| u.committed.ore()).sum();
        assert_eq!(total, m("100.00").ore());
    }
}
