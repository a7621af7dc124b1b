//! The population key of a distribution, from counts per target population
//! and municipality.

use std::collections::BTreeMap;

/// Each cluster's population for a distribution: the sum over its
/// municipalities of each municipality's *largest* target-population count.
/// The target populations overlap (a vulnerable elderly citizen may also
/// have a chronic disease), so adding them up would count people twice.
/// `counts` are `(cluster, municipality, count)`; the result is by cluster, in order.
pub fn cluster_populations(counts: impl IntoIterator<Item = (String, String, i64)>) -> Vec<(String, i64)> {
    let mut largest: BTreeMap<(String, String), i64> = BTreeMap::new();
    for (cluster, municipality, count) in counts {
        let slot = largest.entry((cluster, municipality)).or_default();
        *slot = (*slot).max(count);
    }
    let mut totals: Vec<(String, i64)> = Vec::new();
    for ((cluster, _), count) in largest {
        match totals.last_mut() {
            Some((c, total)) if *c == cluster => *total += count,
            _ => totals.push((cluster, count)),
        }
    }
    totals
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_municipality_counts_once_with_its_largest_target_population() {
        let counts = [
            ("vest", "Thisted", 43_423),
            ("vest", "Thisted", 9_000),
            ("vest", "Morsø", 20_247),
            ("nord", "Læsø", 1_786),
            ("nord", "Læsø", 300),
        ]
        .map(|(c, m, n)| (c.to_owned(), m.to_owned(), n));
        assert_eq!(cluster_populations(counts), [("nord".to_owned(), 1_786), ("vest".to_owned(), 63_670)]);
    }
}
