//! A wave snapshot's release plan: which cells of its group tables and which comment lists
//! may leave together (`nps_core::disclosure::plan`), computed on read from the snapshot's
//! tables and its combinations of group values, under the thresholds in force.

use crate::store::disclosure::WaveSnapshot;
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
                && snapshot.total.n() >= k && said >= comment_k && nps_core::disclosure::subset_releasable(said, snapshot.total.n(), k);
            plan.comments = (whole, plan.hidden.iter().map(|t| vec![false; t.len()]).collect());
            return plan;
        };
        plan.hidden = tables(&sizes, &combos, k);
        let said: Vec<Vec<u64>> = plan.keys.iter().map(|key| plan.cells(key).iter().map(|(value, _)| plan.comments_in(key, value.as_deref())).collect()).collect();
        plan.comments = comment_lists(&sizes, &said, &plan.hidden, &combos, (k, comment_k));
        if snapshot.comments_withheld {
            plan.comments = (false, plan.comments.1.iter().map(|t| vec![false; t.len()]).collect());
        }
        plan
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

    fn comments_in(&self, key: &str, value: Option<&str>) -> u64 {
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
