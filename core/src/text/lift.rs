//! Which themes detractors raise more than everyone else.
//!
//! For a theme, with `a` of the `n1` detractor comments and `c` of the `n0` other comments
//! (passives and promoters) mentioning it, out of `N = n1 + n0`:
//! - lift = p(theme | detractor) / p(theme) = (a / n1) / ((a + c) / N). Above 1, detractors
//!   mention the theme more than the average commenter.
//! - The interval is the **Katz log interval of the risk ratio** detractors vs non-detractors
//!   (Katz et al. 1978): RR = (a / n1) / (c / n0), SE(ln RR) = sqrt(1/a - 1/n1 + 1/c - 1/n0),
//!   RR · exp(±1.96 · SE). With w = n1 / N the detractor share, lift = RR / (w · RR + 1 - w),
//!   which increases with RR, so the RR interval maps onto a lift interval (w taken as fixed,
//!   i.e. conditioning on how many detractors commented). Lift > 1 exactly when RR > 1.
//! - A zero cell (no detractor or no other comment mentions it, or every one does) leaves the
//!   Katz SE undefined: 0.5 is then added to all four cells (Haldane-Anscombe) for the interval
//!   only. Where the raw point sits at the edge of the possible range (lift 0 when `a = 0`,
//!   lift 1/w when `c = 0`), that end of the interval is set to the edge, so the interval
//!   always contains the lift shown.
//! - over_represented: the whole interval lies above 1.

use crate::score::Band;
use crate::stats::Z95;
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

/// One theme's detractor lift with its 95% interval.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ThemeLift {
    pub theme: String,
    /// Detractor comments that mention the theme.
    pub detractors_with: u64,
    /// All detractor comments.
    pub detractors: u64,
    /// Passive and promoter comments that mention the theme.
    pub others_with: u64,
    /// All passive and promoter comments.
    pub others: u64,
    /// p(theme | detractor) / p(theme).
    pub lift: f64,
    pub low: f64,
    pub high: f64,
    /// `low > 1`: detractors raise this theme more than chance would explain.
    pub over_represented: bool,
}

/// Lift of every theme that occurs in `rows` (one row per comment: its band and themes),
/// highest lift first, ties by name. Empty when there are no detractors or no other comments:
/// there is then nothing to compare. A theme listed twice in one row counts once.
pub fn theme_lift(rows: &[(Band, Vec<String>)]) -> Vec<ThemeLift> {
    let detractors = rows.iter().filter(|(band, _)| *band == Band::Detractor).count() as u64;
    let others = rows.len() as u64 - detractors;
    if detractors == 0 || others == 0 {
        return Vec::new();
    }
    let themes: BTreeSet<&str> = rows.iter().flat_map(|(_, themes)| themes.iter().map(String::as_str)).collect();
    let mut out: Vec<ThemeLift> = themes
        .into_iter()
        .map(|theme| {
            let (detractors_with, others_with) = count_with(rows, theme);
            Cells { a: detractors_with, n1: detractors, c: others_with, n0: others }.lift(theme)
        })
        .collect();
    out.sort_by(|x, y| y.lift.total_cmp(&x.lift).then_with(|| x.theme.cmp(&y.theme)));
    out
}

/// (detractor rows, other rows) that mention `theme`.
fn count_with(rows: &[(Band, Vec<String>)], theme: &str) -> (u64, u64) {
    let mut counts = (0, 0);
    for (band, themes) in rows {
        if themes.iter().any(|t| t == theme) {
            if *band == Band::Detractor { counts.0 += 1 } else { counts.1 += 1 }
        }
    }
    counts
}

/// The 2×2 table: `a` of `n1` detractors and `c` of `n0` others mention the theme.
struct Cells {
    a: u64,
    n1: u64,
    c: u64,
    n0: u64,
}

impl Cells {
    fn lift(&self, theme: &str) -> ThemeLift {
        let (a, n1, c, n0) = (self.a as f64, self.n1 as f64, self.c as f64, self.n0 as f64);
        let w = n1 / (n1 + n0);
        let lift = (a / n1) / ((a + c) / (n1 + n0));
        let (rr_low, rr_high) = self.risk_ratio_interval();
        let to_lift = |rr: f64| rr / (w * rr + 1.0 - w);
        let low = if self.a == 0 { 0.0 } else { to_lift(rr_low) };
        let high = if self.c == 0 { 1.0 / w } else { to_lift(rr_high) };
        ThemeLift {
            theme: theme.to_owned(),
            detractors_with: self.a,
            detractors: self.n1,
            others_with: self.c,
            others: self.n0,
            lift,
            low,
            high,
            over_represented: low > 1.0,
        }
    }

    /// Katz log interval of (a/n1)/(c/n0), with 0.5 added to every cell if any is zero.
    fn risk_ratio_interval(&self) -> (f64, f64) {
        let cells = [self.a, self.n1 - self.a, self.c, self.n0 - self.c].map(|x| x as f64);
        let correction = if cells.contains(&0.0) { 0.5 } else { 0.0 };
        let [a, b, c, d] = cells.map(|x| x + correction);
        let rr = (a / (a + b)) / (c / (c + d));
        let se = (1.0 / a - 1.0 / (a + b) + 1.0 / c - 1.0 / (c + d)).sqrt();
        (rr * (-Z95 * se).exp(), rr * (Z95 * se).exp())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(actual: f64, expected: f64) {
        assert!((actual - expected).abs() < 1e-6, "{actual} is not {expected}");
    }

    /// `a` of `n1` detractors and `c` of `n0` promoters mention "t"; everyone else mentions "x".
    fn rows(a: usize, n1: usize, c: usize, n0: usize) -> Vec<(Band, Vec<String>)> {
        let row = |band, with: bool| (band, vec![if with { "t" } else { "x" }.to_owned()]);
        let detractors = (0..n1).map(|i| row(Band::Detractor, i < a));
        let others = (0..n0).map(|i| row(if i % 2 == 0 { Band::Promoter } else { Band::Passive }, i < c));
        detractors.chain(others).collect()
    }

    fn theme<'a>(lifts: &'a [ThemeLift], name: &str) -> &'a ThemeLift {
        lifts.iter().find(|l| l.theme == name).expect("theme present")
    }

    /// 20/40 detractors vs 10/60 others: RR = 0.5 / (1/6) = 3,
    /// SE = sqrt(1/20 - 1/40 + 1/10 - 1/60) = 0.329140, RR in [1.573825, 5.718551];
    /// w = 0.4, lift = RR / (0.4 RR + 0.6): 3 → 1.666667, 1.573825 → 1.280022, 5.718551 → 1.980505.
    #[test]
    fn katz_interval_matches_hand_computed_values() {
        let lifts = theme_lift(&rows(20, 40, 10, 60));
        let t = theme(&lifts, "t");
        assert_eq!((t.detractors_with, t.detractors, t.others_with, t.others), (20, 40, 10, 60));
        close(t.lift, 0.5 / 0.3);
        close(t.low, 1.280021758);
        close(t.high, 1.980505145);
        assert!(t.over_represented);
        assert_eq!(lifts[0].theme, "t", "highest lift first");
    }

    /// 5/50 vs 10/100: RR = 1, SE = sqrt(1/5 - 1/50 + 1/10 - 1/100) = 0.519615,
    /// RR in [0.361163, 2.768836], w = 1/3: lift in [0.458879, 1.741831].
    #[test]
    fn an_even_theme_has_lift_one_and_is_not_flagged() {
        let t = theme_lift(&rows(5, 50, 10, 100)).into_iter().find(|l| l.theme == "t").expect("t");
        close(t.lift, 1.0);
        close(t.low, 0.458878881);
        close(t.high, 1.741831452);
        assert!(!t.over_represented);
    }

    /// 0/10 vs 5/20, corrected to 0.5/11 vs 5.5/21: RR = 0.173554, high 2.858728 → lift 1.765109;
    /// low is the edge, 0. And 4/10 vs 0/20: lift = 1/w = 3, high the edge 3, corrected
    /// low RR 1.014750 → lift 1.009785.
    #[test]
    fn zero_cells_use_the_half_correction_and_keep_the_point_inside() {
        let t = theme_lift(&rows(0, 10, 5, 20)).into_iter().find(|l| l.theme == "t").expect("t");
        close(t.lift, 0.0);
        close(t.low, 0.0);
        close(t.high, 1.765108978);

        let t = theme_lift(&rows(4, 10, 0, 20)).into_iter().find(|l| l.theme == "t").expect("t");
        close(t.lift, 3.0);
        close(t.low, 1.009785348);
        close(t.high, 3.0);
        assert!(t.over_represented);
    }

    #[test]
    fn nothing_to_compare_without_both_groups() {
        assert!(theme_lift(&[]).is_empty());
        assert!(theme_lift(&rows(3, 5, 0, 0)).is_empty());
        assert!(theme_lift(&rows(0, 0, 3, 5)).is_empty());
    }

    #[test]
    fn a_theme_repeated_in_one_comment_counts_once() {
        let rows = vec![
            (Band::Detractor, vec!["t".to_owned(), "t".to_owned()]),
            (Band::Detractor, vec![]),
            (Band::Promoter, vec!["t".to_owned()]),
            (Band::Promoter, vec![]),
        ];
        let t = &theme_lift(&rows)[0];
        assert_eq!((t.detractors_with, t.others_with), (1, 1));
        close(t.lift, 1.0);
    }
}
