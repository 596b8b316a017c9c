//! Disclosure control for employee NPS and anonymous partner NPS: which numbers a report may
//! release so that no sequence of released numbers singles out fewer than `k` people.
//!
//! The model (see `shared/reference/anonymity.md` and the README's "Anonymity" section):
//! - A **universe** is one survey's answers in one campaign wave. Nothing is ever released
//!   across waves (a trend lists each wave's own total), so no total of one universe can be
//!   subtracted from another's.
//! - Inside a universe the reader gets the total and **one-dimensional tables**: the answers
//!   split by one declared group attribute. Each table is suppressed with [`suppress`]: every
//!   visible cell covers at least `k` people and the hidden cells add up to 0 or at least `k`,
//!   so "total minus the visible cells" never isolates a small group.
//! - A filter resolves to a cell of such a table, and is answered only when that cell is
//!   visible ([`Table::released`]): the filtered total then is a number the reader already has.
//!   Band, text, comment-presence and date filters do not exist for protected surveys.
//! - Subsets of people described by a cell (its comments, its themes) are released only when
//!   they and their complement inside the cell are 0 or at least the threshold
//!   ([`subset_releasable`]).

use serde::{Deserialize, Serialize};

pub mod plan;

/// The smallest group any released number may describe: default 5, never below 3.
pub const DEFAULT_MIN_GROUP: u32 = 5;
pub const MIN_GROUP_FLOOR: u32 = 3;

/// The thresholds in force for a protected survey.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Thresholds {
    /// Counts, NPS, band splits and distributions cover at least this many people.
    pub min_group: u32,
    /// Comment sets and theme counts cover at least this many comments.
    pub comment_min_group: u32,
}

impl Thresholds {
    /// Thresholds that never go below the floor, whatever was configured.
    pub fn new(min_group: u32, comment_min_group: u32) -> Self {
        Self { min_group: min_group.max(MIN_GROUP_FLOOR), comment_min_group: comment_min_group.max(MIN_GROUP_FLOOR) }
    }

    pub fn k(&self) -> u64 {
        u64::from(self.min_group)
    }

    pub fn comment_k(&self) -> u64 {
        u64::from(self.comment_min_group)
    }
}

impl Default for Thresholds {
    fn default() -> Self {
        Self::new(DEFAULT_MIN_GROUP, DEFAULT_MIN_GROUP)
    }
}

/// What a protected report released, sent beside its figures so the admin app can say why a
/// number is missing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Disclosure {
    pub thresholds: Thresholds,
    /// The campaign wave the figures cover (protected reports are per wave).
    pub wave: u32,
    /// The figures are withheld: the wave (or the group asked for) has too few answers, or
    /// showing it would expose a smaller group by subtraction.
    pub withheld: bool,
    /// Every wave of the survey, each with whether its own total is withheld.
    pub waves: Vec<WaveRelease>,
    /// The group attributes reports may filter and break down by.
    pub group_attributes: Vec<String>,
}

/// One wave of a protected survey in a report's trend.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WaveRelease {
    pub wave: u32,
    /// When the wave started (Unix ms): the only time anonymous answers carry.
    pub started_at: i64,
    pub withheld: bool,
}

/// Complementary suppression of a one-dimensional table whose cells partition a universe.
///
/// Returns, per cell, whether it is hidden. Cells smaller than `k` are hidden; then, while the
/// hidden cells add up to something between 1 and `k - 1` (so that "total minus the visible
/// cells" would expose them), the smallest visible cell is hidden too. A universe smaller than
/// `k` hides everything. The result is deterministic: the same counts always hide the same
/// cells, so asking twice reveals nothing new.
pub fn suppress(sizes: &[u64], k: u64) -> Vec<bool> {
    let total: u64 = sizes.iter().sum();
    if total < k {
        return vec![true; sizes.len()];
    }
    let mut hidden: Vec<bool> = sizes.iter().map(|&n| n > 0 && n < k).collect();
    complete_suppression(sizes, &mut hidden, k);
    hidden
}

/// Hides the smallest visible cells until the hidden ones add up to 0 or at least `k` (so
/// that "total minus the visible cells" exposes nobody); `hidden` may already hide any cells.
pub fn complete_suppression(sizes: &[u64], hidden: &mut [bool], k: u64) {
    loop {
        let hidden_sum: u64 = sizes.iter().zip(hidden.iter()).filter(|(_, h)| **h).map(|(n, _)| n).sum();
        if hidden_sum == 0 || hidden_sum >= k {
            return;
        }
        // Ties go to the first cell, so the choice does not depend on anything but the counts.
        let smallest = sizes.iter().enumerate().filter(|(i, n)| !hidden[*i] && **n > 0).min_by_key(|(i, n)| (**n, *i));
        match smallest {
            Some((i, _)) => hidden[i] = true,
            None => return,
        }
    }
}

/// Whether a part of a released group (say, the comments of a visible cell) may be released:
/// both it and what is left of the group without it are empty or at least `k`.
pub fn subset_releasable(part: u64, whole: u64, k: u64) -> bool {
    let rest = whole.saturating_sub(part);
    part <= whole && (part == 0 || part >= k) && (rest == 0 || rest >= k)
}

/// A universe's total and one suppressed table of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Table {
    pub total: u64,
    pub sizes: Vec<u64>,
    pub hidden: Vec<bool>,
}

impl Table {
    pub fn new(sizes: Vec<u64>, k: u64) -> Self {
        let hidden = suppress(&sizes, k);
        Self { total: sizes.iter().sum(), sizes, hidden }
    }

    /// Whether the universe's own total may be released.
    pub fn total_released(&self, k: u64) -> bool {
        self.total >= k
    }

    /// Whether cell `i` may be released (and so a filter selecting exactly it answered).
    pub fn released(&self, i: usize) -> bool {
        self.hidden.get(i).is_some_and(|h| !h)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn the_next_smallest_group_is_hidden_with_a_small_one() {
        // ops (4) is too small; hiding it alone lets total - sales - eng reveal it, so the
        // smallest visible group (sales, 7) goes too; eng (20) stays.
        assert_eq!(suppress(&[4, 7, 20], 5), [true, true, false]);
        // A universe of 7 split 5 + 2: hiding the 2 alone exposes it as 7 - 5.
        assert_eq!(suppress(&[5, 2], 5), [true, true]);
        // Nothing small: nothing hidden.
        assert_eq!(suppress(&[5, 6], 5), [false, false]);
        // A universe below k hides everything.
        assert_eq!(suppress(&[2, 1], 5), [true, true]);
        // Two small groups that together reach k protect each other.
        assert_eq!(suppress(&[3, 2, 9], 5), [true, true, false]);
    }

    #[test]
    fn thresholds_never_go_below_the_floor() {
        assert_eq!(Thresholds::new(1, 2), Thresholds::new(3, 3));
        assert_eq!(Thresholds::default().k(), 5);
    }

    #[test]
    fn a_subset_and_its_complement_must_both_be_large_enough() {
        assert!(subset_releasable(5, 10, 5));
        assert!(subset_releasable(0, 10, 5) && subset_releasable(10, 10, 5));
        assert!(!subset_releasable(6, 10, 5), "the other 4 would be exposed");
        assert!(!subset_releasable(4, 10, 5));
        assert!(!subset_releasable(11, 10, 5));
    }

    /// Every number a reader can get from one universe: the total, and per table the visible
    /// cells. Subtracting any released sum from a released number it contains must never
    /// leave a group of 1..k-1 people.
    fn released_numbers(tables: &[Table], k: u64) -> Vec<(Vec<(usize, usize)>, u64)> {
        // Each released number as (the set of (table, cell) it sums, its value); the total
        // is the sum of all cells of table 0.
        let mut out = Vec::new();
        if let Some(first) = tables.first()
            && first.total_released(k)
        {
            out.push(((0..first.sizes.len()).map(|i| (0, i)).collect(), first.total));
        }
        for (t, table) in tables.iter().enumerate() {
            for (i, n) in table.sizes.iter().enumerate() {
                if table.released(i) {
                    out.push((vec![(t, i)], *n));
                }
            }
        }
        out
    }

    proptest! {
        #[test]
        fn visible_cells_are_large_and_hidden_ones_add_up_to_zero_or_k(
            sizes in proptest::collection::vec(0u64..12, 1..8),
            k in 3u64..8,
        ) {
            let hidden = suppress(&sizes, k);
            let total: u64 = sizes.iter().sum();
            let hidden_sum: u64 = sizes.iter().zip(&hidden).filter(|(_, h)| **h).map(|(n, _)| n).sum();
            for (n, h) in sizes.iter().zip(&hidden) {
                prop_assert!(*h || *n >= k || *n == 0, "visible cell of {} < k={}", n, k);
            }
            // A universe under k releases nothing, not even its total.
            prop_assert!(total >= k || hidden.iter().all(|h| *h));
            prop_assert!(total < k || hidden_sum == 0 || hidden_sum >= k, "hidden cells add up to {}", hidden_sum);
            // The complement of every visible cell is 0 or >= k, so subtracting it from the
            // total isolates nobody.
            if total >= k {
                for (n, h) in sizes.iter().zip(&hidden) {
                    let rest = total - n;
                    prop_assert!(*h || rest == 0 || rest >= k);
                }
            }
            // Nothing is hidden without need.
            if total >= k && sizes.iter().all(|n| *n == 0 || *n >= k) {
                prop_assert!(hidden.iter().all(|h| !h));
            }
        }

        /// The solver: in one universe cut into cells, the total and the visible cells of
        /// the same table are released. Any released number minus any other released number
        /// whose cells it contains is 0 or >= k.
        #[test]
        fn no_nested_difference_isolates_fewer_than_k(
            sizes in proptest::collection::vec(0u64..10, 1..7),
            k in 3u64..7,
        ) {
            let table = Table::new(sizes, k);
            let released = released_numbers(std::slice::from_ref(&table), k);
            for (outer_cells, outer) in &released {
                for (inner_cells, inner) in &released {
                    if inner_cells != outer_cells && inner_cells.iter().all(|c| outer_cells.contains(c)) {
                        let difference = outer - inner;
                        prop_assert!(difference == 0 || difference >= k, "{} - {} = {}", outer, inner, difference);
                    }
                }
            }
            // Total minus every visible cell (the strongest subtraction) is 0 or >= k.
            if table.total_released(k) {
                let visible: u64 = table.sizes.iter().enumerate().filter(|(i, _)| table.released(*i)).map(|(_, n)| n).sum();
                let left = table.total - visible;
                prop_assert!(left == 0 || left >= k);
            }
        }
    }
}
