//! A wave snapshot's release plan: which cells of its group tables and which comment lists
//! may leave together (`nps_core::disclosure::plan`), computed from the snapshot's tables and
//! its combinations of group values, under the thresholds in force; groups and lists that
//! changed by fewer than the threshold since an earlier snapshot released them are held back
//! ([`WaveSnapshot::seen`]), so two readings, one snapshot apart, tell nobody apart.

use super::disclosure::{ListKey, Seen, WaveSnapshot};
use nps_core::BandCounts;
use nps_core::disclosure::Thresholds;
use nps_core::disclosure::plan::{Combo, comment_lists, tables};
use std::collections::BTreeMap;

pub struct Plan<'a> {
    snapshot: &'a WaveSnapshot,
    keys: Vec<&'a str>,
    hidden: Vec<Vec<bool>>,
    /// The whole wave's comment list, and per table, per cell.
    comments: (bool, Vec<Vec<bool>>),
}

/// Whether a size moved by 1..threshold-1 (or shrank) since it was seen.
fn moved_by_few(seen: Option<u64>, now: u64, threshold: u64) -> bool {
    seen.is_some_and(|before| now < before || (now > before && now - before < threshold))
}

impl<'a> Plan<'a> {
    pub fn of(snapshot: &'a WaveSnapshot, thresholds: &Thresholds) -> Self {
        let (k, comment_k) = (thresholds.k(), thresholds.comment_k());
        let keys: Vec<&str> = snapshot.groups.keys().map(String::as_str).collect();
        let sizes: Vec<Vec<u64>> = snapshot.groups.values().map(|cells| cells.iter().map(|(_, c)| c.n()).collect()).collect();
        let mut plan = Self { snapshot, keys, hidden: Vec::new(), comments: (false, Vec::new()) };
        let Some(combos) = plan.combos() else {
            // A snapshot taken before combinations were kept: its cells cannot be checked
            // against each other, so only the wave's own total and comments leave.
            plan.hidden = sizes.iter().map(|t| vec![true; t.len()]).collect();
            let said = snapshot.comments.len() as u64;
            let whole = !snapshot.comments_withheld
                && snapshot.total.n() >= k
                && said >= comment_k
                && nps_core::disclosure::subset_releasable(said, snapshot.total.n(), k);
            plan.comments = (whole, plan.hidden.iter().map(|t| vec![false; t.len()]).collect());
            return plan;
        };
        let held_cells = plan.per_cell(|key, value, n| moved_by_few(plan.seen_cell(key, value), n, k));
        plan.hidden = tables(&sizes, &combos, k, &held_cells);
        let said: Vec<Vec<u64>> = plan.per_cell(|key, value, _| plan.comments_in(Some((key, value))));
        // After an erasure every list of the wave is held back (see `comments_withheld`).
        let held_list = |list: Option<(&str, Option<&str>)>, n: u64| {
            let c = plan.comments_in(list);
            snapshot.comments_withheld
                || plan.seen_list(list).is_some_and(|(n0, c0)| moved_by_few(Some(c0), c, comment_k) || moved_by_few(Some(n0 - c0.min(n0)), n - c.min(n), k))
        };
        let held_lists = plan.per_cell(|key, value, n| held_list(Some((key, value)), n));
        let held_whole = held_list(None, snapshot.total.n());
        plan.comments = comment_lists(&sizes, &said, &plan.hidden, &combos, (k, comment_k), (held_whole, &held_lists));
        plan
    }

    /// What a reader may have seen once this plan was read: the previous snapshot's record
    /// with the sizes of everything this one releases.
    pub fn seen(&self) -> Seen {
        let mut cells: BTreeMap<(String, Option<String>), u64> =
            self.snapshot.seen.cells.iter().map(|(k, v, n)| ((k.clone(), v.clone()), *n)).collect();
        let mut lists: BTreeMap<ListKey, (u64, u64)> =
            self.snapshot.seen.lists.iter().map(|(l, n, c)| (l.clone(), (*n, *c))).collect();
        if self.comments.0 {
            lists.insert(None, (self.snapshot.total.n(), self.comments_in(None)));
        }
        for (t, key) in self.keys.iter().enumerate() {
            for (i, (value, counts)) in self.cells(key).iter().enumerate() {
                let cell = (key.to_string(), value.clone());
                if self.released(key, i) {
                    cells.insert(cell.clone(), counts.n());
                }
                if self.comments.1.get(t).and_then(|l| l.get(i)).copied().unwrap_or(false) {
                    lists.insert(Some(cell), (counts.n(), self.comments_in(Some((key, value.as_deref())))));
                }
            }
        }
        Seen {
            cells: cells.into_iter().map(|((k, v), n)| (k, v, n)).collect(),
            lists: lists.into_iter().map(|(l, (n, c))| (l, n, c)).collect(),
        }
    }

    /// The cells of one group table, in order.
    pub fn cells(&self, key: &str) -> &'a [(Option<String>, BandCounts)] {
        self.snapshot.groups.get(key).map_or(&[], Vec::as_slice)
    }

    /// Whether cell `i` of the table of `key` is released.
    pub fn released(&self, key: &str, i: usize) -> bool {
        let t = self.keys.iter().position(|k| *k == key);
        t.and_then(|t| self.hidden.get(t)).and_then(|cells| cells.get(i)).is_some_and(|hidden| !hidden)
    }

    /// The released counts of the group `key = value`; none when hidden or when nobody in the
    /// wave has it (told apart, "nobody" would say that a small group did answer).
    pub fn group(&self, key: &str, value: &str) -> Option<BandCounts> {
        let i = self.cells(key).iter().position(|(v, _)| v.as_deref() == Some(value))?;
        self.released(key, i).then(|| self.cells(key)[i].1)
    }

    /// Whether the comments of the whole wave (no group) or of one group may be listed.
    pub fn comments_released(&self, group: Option<(&str, &str)>) -> bool {
        let Some((key, value)) = group else { return self.comments.0 };
        let t = self.keys.iter().position(|k| *k == key);
        let i = self.cells(key).iter().position(|(v, _)| v.as_deref() == Some(value));
        t.zip(i).and_then(|(t, i)| self.comments.1.get(t)?.get(i).copied()).unwrap_or(false)
    }

    /// `f(key, value, answers)` for every cell, per table.
    fn per_cell<T>(&self, f: impl Fn(&str, Option<&str>, u64) -> T) -> Vec<Vec<T>> {
        self.keys.iter().map(|key| self.cells(key).iter().map(|(value, c)| f(key, value.as_deref(), c.n())).collect()).collect()
    }

    fn seen_cell(&self, key: &str, value: Option<&str>) -> Option<u64> {
        self.snapshot.seen.cells.iter().find(|(k, v, _)| k == key && v.as_deref() == value).map(|(_, _, n)| *n)
    }

    fn seen_list(&self, list: Option<(&str, Option<&str>)>) -> Option<(u64, u64)> {
        let same = |l: &ListKey| l.as_ref().map(|(k, v)| (k.as_str(), v.as_deref())) == list;
        self.snapshot.seen.lists.iter().find(|(l, _, _)| same(l)).map(|(_, n, c)| (*n, *c))
    }

    /// Comments of the whole wave, or of one group.
    fn comments_in(&self, list: Option<(&str, Option<&str>)>) -> u64 {
        let Some((key, value)) = list else { return self.snapshot.comments.len() as u64 };
        self.snapshot.comments.iter().filter(|c| c.groups.get(key).and_then(Option::as_deref) == value).count() as u64
    }

    /// The snapshot's combinations as cell indexes, with their comments; none for a snapshot
    /// that kept no combinations.
    fn combos(&self) -> Option<Vec<Combo>> {
        if self.snapshot.combos.is_empty() && self.snapshot.answers > 0 {
            return None;
        }
        let index = |t: usize, value: &Option<String>| self.cells(self.keys[t]).iter().position(|(v, _)| v == value);
        let signature = |values: &[Option<String>]| -> Option<Vec<usize>> {
            (values.len() == self.keys.len()).then(|| values.iter().enumerate().map(|(t, v)| index(t, v)).collect::<Option<Vec<_>>>())?
        };
        let mut combos: BTreeMap<Vec<usize>, (u64, u64)> = BTreeMap::new();
        for (values, answers) in &self.snapshot.combos {
            combos.entry(signature(values)?).or_default().0 += answers;
        }
        for comment in &self.snapshot.comments {
            let values: Vec<Option<String>> = self.keys.iter().map(|key| comment.groups.get(*key).cloned().flatten()).collect();
            combos.entry(signature(&values)?).or_default().1 += 1;
        }
        Some(combos.into_iter().map(|(cells, (answers, comments))| Combo { cells, answers, comments }).collect())
    }
}
