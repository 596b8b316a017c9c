//! Several group tables of one universe released together (stop 32's review).
//!
//! Each table suppressed on its own is not enough once a survey has two group attributes:
//! with departments and teams, `department = eng` (6) minus `team = alpha` (5, all in eng) is
//! one person; the comments listed for `department = eng` and for `location = berlin` share
//! exactly those of the eng people in Berlin. A reader who knows the organisation knows which
//! cells nest or overlap.
//!
//! The rule: cut the universe into **atoms**, the answers alike in every released cell they
//! fall in (their signature: per table, the released cell, or none when their cell is
//! hidden). Every released number, and every sum or difference of released numbers, is a
//! sum of whole atoms; so when every atom holds 0 or at least `k` people, no combination of
//! released numbers, nested, overlapping or across tables, isolates fewer than `k`. While an
//! atom is too small, the smallest released cell of its signature is hidden (and its table's
//! complementary suppression completed), which merges atoms; this ends, at worst with every
//! cell hidden and the total alone.
//!
//! Comment lists follow the same rule over the lists released, with the comment threshold:
//! the comments of every atom are 0 or at least the threshold, and its commenters and the
//! rest of it are each 0 or at least `k` (their bands are released with their words).

use super::{complete_suppression, subset_releasable, suppress};
use std::collections::BTreeMap;

/// The answers of one combination of cells: the cell they fall in per table, how many they
/// are and how many of them left a comment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Combo {
    pub cells: Vec<usize>,
    pub answers: u64,
    pub comments: u64,
}

/// Per table, per cell: whether it is hidden. `sizes[t][i]` is the number of answers in cell
/// `i` of table `t`; every answer falls in one cell of every table. `held_back` cells are
/// hidden whatever their size (a cell that changed by fewer than k since a reader last saw it).
pub fn tables(sizes: &[Vec<u64>], combos: &[Combo], k: u64, held_back: &[Vec<bool>]) -> Vec<Vec<bool>> {
    let mut hidden: Vec<Vec<bool>> = sizes.iter().map(|t| suppress(t, k)).collect();
    for (t, cells) in hidden.iter_mut().enumerate() {
        for (i, hide) in cells.iter_mut().enumerate() {
            *hide |= is_held(held_back, t, i);
        }
        complete_suppression(&sizes[t], cells, k);
    }
    let atom_ok = |answers: u64, _| answers == 0 || answers >= k;
    while let Some((t, i)) = too_small(sizes, combos, &hidden, atom_ok) {
        hidden[t][i] = true;
        complete_suppression(&sizes[t], &mut hidden[t], k);
    }
    hidden
}

/// Which comment lists may be released: the whole universe's (first) and, per table, per
/// cell (second, true when released). `hidden` is the tables' plan from [`tables`];
/// `comments[t][i]` counts the comments of cell `i` of table `t`; `held_back` lists (the
/// whole one first) stay closed.
pub fn comment_lists(
    sizes: &[Vec<u64>],
    comments: &[Vec<u64>],
    hidden: &[Vec<bool>],
    combos: &[Combo],
    (k, comment_k): (u64, u64),
    held_back: (bool, &[Vec<bool>]),
) -> (bool, Vec<Vec<bool>>) {
    let list_ok = |c: u64, n: u64| c >= comment_k && subset_releasable(c, n, k);
    let total: u64 = combos.iter().map(|c| c.answers).sum();
    let total_comments: u64 = combos.iter().map(|c| c.comments).sum();
    let mut whole = !held_back.0 && total >= k && list_ok(total_comments, total);
    // A list is closed (true) unless its cell is released and its comments are enough.
    let mut closed: Vec<Vec<bool>> = sizes
        .iter()
        .enumerate()
        .map(|(t, cells)| {
            cells.iter().enumerate().map(|(i, &n)| hidden[t][i] || is_held(held_back.1, t, i) || !list_ok(comments[t][i], n)).collect()
        })
        .collect();
    let atom_ok = |answers: u64, said: u64| said == 0 || list_ok(said, answers);
    loop {
        // Without the whole list, an atom outside every open list releases no comment.
        let visible = |sig: &[Option<usize>]| whole || sig.iter().any(Option::is_some);
        match too_small_where(comments, combos, &closed, atom_ok, visible) {
            Some(Pick::Cell(t, i)) => closed[t][i] = true,
            Some(Pick::Whole) => whole = false,
            None => return (whole, closed.into_iter().map(|t| t.into_iter().map(|c| !c).collect()).collect()),
        }
    }
}

enum Pick {
    Cell(usize, usize),
    /// Only the whole universe's list is left to close.
    Whole,
}

/// A released cell to hide because some atom is too small (see the module), if any.
fn too_small(sizes: &[Vec<u64>], combos: &[Combo], hidden: &[Vec<bool>], ok: impl Fn(u64, u64) -> bool) -> Option<(usize, usize)> {
    match too_small_where(sizes, combos, hidden, ok, |_| true) {
        Some(Pick::Cell(t, i)) => Some((t, i)),
        _ => None,
    }
}

fn too_small_where(
    sizes: &[Vec<u64>],
    combos: &[Combo],
    hidden: &[Vec<bool>],
    ok: impl Fn(u64, u64) -> bool,
    visible: impl Fn(&[Option<usize>]) -> bool,
) -> Option<Pick> {
    let mut atoms: BTreeMap<Vec<Option<usize>>, (u64, u64)> = BTreeMap::new();
    for combo in combos {
        let signature = combo.cells.iter().enumerate().map(|(t, &i)| (!is_hidden(hidden, t, i)).then_some(i)).collect();
        let atom = atoms.entry(signature).or_default();
        atom.0 += combo.answers;
        atom.1 += combo.comments;
    }
    let bad = atoms.iter().find(|(sig, (answers, said))| visible(sig) && !ok(*answers, *said))?;
    let in_atom = bad.0.iter().enumerate().filter_map(|(t, c)| c.map(|i| (t, i)));
    let anywhere = hidden.iter().enumerate().flat_map(|(t, cells)| (0..cells.len()).filter(move |&i| !cells[i]).map(move |i| (t, i)));
    let smallest = |cells: &mut dyn Iterator<Item = (usize, usize)>| cells.min_by_key(|&(t, i)| (sizes[t].get(i).copied().unwrap_or(0), t, i));
    Some(match smallest(&mut { in_atom }).or_else(|| smallest(&mut { anywhere })) {
        Some((t, i)) => Pick::Cell(t, i),
        None => Pick::Whole,
    })
}

fn is_held(held_back: &[Vec<bool>], t: usize, i: usize) -> bool {
    held_back.get(t).and_then(|cells| cells.get(i)).copied().unwrap_or(false)
}

fn is_hidden(hidden: &[Vec<bool>], t: usize, i: usize) -> bool {
    hidden.get(t).and_then(|cells| cells.get(i)).copied().unwrap_or(true)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn combo(cells: &[usize], answers: u64, comments: u64) -> Combo {
        Combo { cells: cells.to_vec(), answers, comments }
    }

    /// Department (eng, legal) and team (alpha, beta), nested: alpha is 5 of eng's 6.
    #[test]
    fn a_nested_cell_one_person_smaller_is_hidden() {
        let sizes = vec![vec![6, 6], vec![5, 7]];
        let combos = [combo(&[0, 0], 5, 0), combo(&[0, 1], 1, 0), combo(&[1, 1], 6, 0)];
        assert_eq!(suppress(&sizes[0], 5), [false, false], "each table alone releases everything");
        let hidden = tables(&sizes, &combos, 5, &[]);
        // eng minus alpha was one person: they are never both released. Hiding eng (the
        // smaller of the two) leaves eng's beta person beside legal's six in beta, so beta
        // goes, and then alpha (the hidden part of eng outside every released cell would be
        // that one person); legal and the total stay.
        assert!(hidden[0][0] || hidden[1][0], "eng and alpha both released: {hidden:?}");
        assert_eq!(hidden, vec![vec![true, false], vec![true, true]]);
    }

    #[test]
    fn one_table_is_planned_as_it_is_suppressed() {
        for sizes in [vec![4, 7, 20], vec![5, 2], vec![5, 6], vec![3, 2, 9]] {
            let combos: Vec<Combo> = sizes.iter().enumerate().map(|(i, &n)| combo(&[i], n, 0)).collect();
            assert_eq!(tables(std::slice::from_ref(&sizes), &combos, 5, &[]), vec![suppress(&sizes, 5)]);
        }
    }

    /// The comments of eng and of berlin shared those of the two eng people in Berlin.
    #[test]
    fn comment_lists_that_intersect_in_few_are_not_both_released() {
        let sizes = vec![vec![10, 10], vec![10, 10]];
        let combos = [combo(&[0, 0], 2, 2), combo(&[0, 1], 8, 5), combo(&[1, 0], 8, 5), combo(&[1, 1], 2, 0)];
        let hidden = tables(&sizes, &combos, 2, &[]);
        assert!(hidden.iter().flatten().all(|h| !h));
        let comments = vec![vec![7, 5], vec![7, 5]];
        let (whole, open) = comment_lists(&sizes, &comments, &hidden, &combos, (5, 5), (false, &[]));
        let opened: Vec<(usize, usize)> = (0..2).flat_map(|t| (0..2).map(move |i| (t, i))).filter(|&(t, i)| open[t][i]).collect();
        for &(a, i) in &opened {
            for &(b, j) in &opened {
                let shared: u64 = combos.iter().filter(|c| a != b && c.cells[a] == i && c.cells[b] == j).map(|c| c.comments).sum();
                assert!(a == b || shared == 0 || shared >= 5, "lists {a}:{i} and {b}:{j} share {shared}");
            }
        }
        assert!(whole, "the whole list (17 of 20) stays");
    }

    prop_compose! {
        fn universe()(tables in 1usize..4, answers in proptest::collection::vec((0usize..3, 0usize..3, 0usize..3, proptest::bool::ANY), 0..40)) -> (usize, Vec<([usize; 3], bool)>) {
            (tables, answers.into_iter().map(|(a, b, c, said)| ([a, b, c], said)).collect())
        }
    }

    proptest! {
        /// The solver: every atom of the released cells (the finest thing any combination of
        /// released numbers can describe) is empty or at least k, counts and comments alike.
        #[test]
        fn every_atom_of_what_is_released_is_empty_or_large((t, answers) in universe(), k in 3u64..6, comment_k in 3u64..6) {
            let mut sizes = vec![vec![0u64; 3]; t];
            let mut said = vec![vec![0u64; 3]; t];
            let mut combos: BTreeMap<Vec<usize>, (u64, u64)> = BTreeMap::new();
            for (cells, commented) in &answers {
                for table in 0..t {
                    sizes[table][cells[table]] += 1;
                    said[table][cells[table]] += u64::from(*commented);
                }
                let entry = combos.entry(cells[..t].to_vec()).or_default();
                entry.0 += 1;
                entry.1 += u64::from(*commented);
            }
            let combos: Vec<Combo> = combos.into_iter().map(|(cells, (a, c))| Combo { cells, answers: a, comments: c }).collect();
            let hidden = tables(&sizes, &combos, k, &[]);
            let mut atoms: BTreeMap<Vec<Option<usize>>, u64> = BTreeMap::new();
            for c in &combos {
                *atoms.entry(c.cells.iter().enumerate().map(|(t, &i)| (!hidden[t][i]).then_some(i)).collect()).or_default() += c.answers;
            }
            let total: u64 = combos.iter().map(|c| c.answers).sum();
            for (sig, n) in &atoms {
                prop_assert!(*n == 0 || *n >= k || (sig.iter().all(Option::is_none) && hidden.iter().flatten().all(|h| *h)) || total < k, "atom {sig:?} of {n}");
            }
            let (whole, open) = comment_lists(&sizes, &said, &hidden, &combos, (k, comment_k), (false, &[]));
            let mut comment_atoms: BTreeMap<Vec<Option<usize>>, (u64, u64)> = BTreeMap::new();
            for c in &combos {
                let e = comment_atoms.entry(c.cells.iter().enumerate().map(|(t, &i)| open[t][i].then_some(i)).collect()).or_default();
                e.0 += c.answers;
                e.1 += c.comments;
            }
            for (sig, (n, said)) in &comment_atoms {
                let shown = whole || sig.iter().any(Option::is_some);
                prop_assert!(!shown || *said == 0 || (*said >= comment_k && subset_releasable(*said, *n, k)), "comment atom {sig:?}: {said} of {n}");
            }
        }
    }
}
