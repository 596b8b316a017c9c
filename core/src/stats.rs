//! NPS arithmetic and its uncertainty (see `shared/reference/nps-statistics.md`).
//!
//! The headline figure is always the raw NPS; the interval is the adjusted-Wald interval of
//! Rocks (2016): add 3 answers, 0.75 of them promoters and 0.75 detractors, then apply the
//! Wald formula for a variable that takes the values +1 / 0 / -1.

use crate::score::{Band, NpsScore};
use serde::{Deserialize, Serialize};

/// z for a two-sided 95% interval.
pub const Z95: f64 = 1.959964;

/// How many answers fell into each band. Dismissals and skips are never counted here: they are
/// not answers (they belong in the response rate, not in the NPS denominator).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BandCounts {
    pub promoters: u64,
    pub passives: u64,
    pub detractors: u64,
}

/// The raw NPS and its adjusted-Wald interval, all in NPS points (-100..=100).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NpsInterval {
    /// Confidence level, e.g. 0.95.
    pub level: f64,
    /// Centre of the adjusted interval (p' - d').
    pub centre: f64,
    /// Standard error of the adjusted estimate.
    pub se: f64,
    pub low: f64,
    pub high: f64,
}

/// Two independent NPS values compared (e.g. two periods or a segment against the rest).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Comparison {
    /// Adjusted NPS of A minus adjusted NPS of B, in points.
    pub difference: f64,
    pub se: f64,
    pub z: f64,
    /// Two-sided p-value.
    pub p_value: f64,
    /// |z| > 1.96.
    pub significant: bool,
}

impl BandCounts {
    pub fn new(promoters: u64, passives: u64, detractors: u64) -> Self {
        Self { promoters, passives, detractors }
    }

    pub fn from_scores(scores: impl IntoIterator<Item = NpsScore>) -> Self {
        let mut counts = Self::default();
        for score in scores {
            counts.add(score.band());
        }
        counts
    }

    pub fn add(&mut self, band: Band) {
        match band {
            Band::Promoter => self.promoters += 1,
            Band::Passive => self.passives += 1,
            Band::Detractor => self.detractors += 1,
        }
    }

    pub fn merge(&mut self, other: BandCounts) {
        self.promoters += other.promoters;
        self.passives += other.passives;
        self.detractors += other.detractors;
    }

    pub fn n(&self) -> u64 {
        self.promoters + self.passives + self.detractors
    }

    /// 100 * (promoters - detractors) / n; `None` when nobody answered.
    pub fn nps(&self) -> Option<f64> {
        let n = self.n();
        (n > 0).then(|| 100.0 * (self.promoters as f64 - self.detractors as f64) / n as f64)
    }

    /// The adjusted-Wald interval at the given z (use [`Z95`] for 95%).
    pub fn interval(&self, z: f64) -> NpsInterval {
        let adjusted = Adjusted::of(self);
        let se = 100.0 * adjusted.standard_error();
        let centre = 100.0 * adjusted.centre();
        NpsInterval {
            level: confidence_level(z),
            centre,
            se,
            low: (centre - z * se).clamp(-100.0, 100.0),
            high: (centre + z * se).clamp(-100.0, 100.0),
        }
    }

    pub fn interval95(&self) -> NpsInterval {
        self.interval(Z95)
    }

    /// Compares `self` (A) with `other` (B) as independent samples, both adjusted.
    ///
    /// Promoters and detractors are not two independent proportions (a person is one or the
    /// other), so the variance used is that of the +1/0/-1 variable, per sample.
    pub fn compare(&self, other: &BandCounts) -> Comparison {
        let a = Adjusted::of(self);
        let b = Adjusted::of(other);
        let difference = 100.0 * (a.centre() - b.centre());
        let se = 100.0 * (a.variance() / a.n + b.variance() / b.n).sqrt();
        let z = if se > 0.0 { difference / se } else { 0.0 };
        let p_value = libm::erfc(z.abs() / std::f64::consts::SQRT_2);
        Comparison { difference, se, z, p_value, significant: z.abs() > Z95 }
    }
}

/// Counts after the Rocks adjustment (n + 3, promoters + 0.75, detractors + 0.75).
struct Adjusted {
    n: f64,
    p: f64,
    d: f64,
}

impl Adjusted {
    fn of(counts: &BandCounts) -> Self {
        let n = counts.n() as f64 + 3.0;
        Self {
            n,
            p: (counts.promoters as f64 + 0.75) / n,
            d: (counts.detractors as f64 + 0.75) / n,
        }
    }

    fn centre(&self) -> f64 {
        self.p - self.d
    }

    /// Per-answer variance of the +1/0/-1 variable.
    fn variance(&self) -> f64 {
        (self.p + self.d - (self.p - self.d).powi(2)).max(0.0)
    }

    fn standard_error(&self) -> f64 {
        (self.variance() / self.n).sqrt()
    }
}

/// The two-sided confidence level that corresponds to `z`.
fn confidence_level(z: f64) -> f64 {
    1.0 - libm::erfc(z / std::f64::consts::SQRT_2)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn close(actual: f64, expected: f64, tolerance: f64) {
        assert!((actual - expected).abs() <= tolerance, "{actual} is not within {tolerance} of {expected}");
    }

    /// The worked values of the reference table: (p, passives, d), raw, centre, se, low, high.
    #[test]
    fn adjusted_wald_matches_the_worked_values() {
        let table = [
            ((50, 30, 20), 30.00, 29.13, 7.692, 14.05, 44.20),
            ((120, 50, 30), 45.00, 44.33, 5.204, 34.14, 54.53),
            ((400, 350, 250), 15.00, 14.96, 2.501, 10.05, 19.86),
            ((9, 0, 1), 80.00, 61.54, 19.727, 22.87, 100.00),
            ((0, 0, 5), -100.00, -62.50, 22.964, -100.00, -17.49),
        ];
        for ((p, pa, d), raw, centre, se, low, high) in table {
            let counts = BandCounts::new(p, pa, d);
            let interval = counts.interval95();
            close(counts.nps().expect("answers"), raw, 0.005);
            close(interval.centre, centre, 0.005);
            close(interval.se, se, 0.0005);
            close(interval.low, low, 0.005);
            close(interval.high, high, 0.005);
            close(interval.level, 0.95, 1e-6);
        }
    }

    #[test]
    fn comparison_matches_the_worked_values() {
        let c = BandCounts::new(50, 30, 20).compare(&BandCounts::new(40, 30, 30));
        close(c.difference, 19.42, 0.005);
        close(c.se, 11.21, 0.005);
        close(c.z, 1.73, 0.005);
        close(c.p_value, 0.083, 0.0005);
        assert!(!c.significant);

        let c = BandCounts::new(500, 300, 200).compare(&BandCounts::new(400, 300, 300));
        close(c.difference, 19.94, 0.005);
        close(c.se, 3.60, 0.005);
        close(c.z, 5.54, 0.005);
        close(c.p_value, 3.0e-8, 0.05e-8);
        assert!(c.significant);
    }

    #[test]
    fn no_answers_means_no_nps_but_still_an_interval() {
        let empty = BandCounts::default();
        assert_eq!(empty.nps(), None);
        let interval = empty.interval95();
        close(interval.centre, 0.0, 1e-9);
        assert!(interval.low < 0.0 && interval.high > 0.0);
    }

    #[test]
    fn scores_are_counted_into_their_bands() {
        let scores = [0, 6, 7, 8, 9, 10, 10].map(|s| NpsScore::new(s).expect("valid"));
        assert_eq!(BandCounts::from_scores(scores), BandCounts::new(3, 2, 2));
    }

    fn counts() -> impl Strategy<Value = BandCounts> {
        (0u64..5_000, 0u64..5_000, 0u64..5_000).prop_map(|(p, pa, d)| BandCounts::new(p, pa, d))
    }

    proptest! {
        #[test]
        fn interval_stays_in_range_and_contains_its_centre(c in counts(), z in 0.5f64..4.0) {
            let i = c.interval(z);
            prop_assert!(-100.0 <= i.low && i.low <= i.centre && i.centre <= i.high && i.high <= 100.0);
            prop_assert!(i.se > 0.0);
        }

        #[test]
        fn raw_nps_is_bounded_and_matches_its_definition(c in counts()) {
            if let Some(nps) = c.nps() {
                prop_assert!((-100.0..=100.0).contains(&nps));
                let expected = 100.0 * (c.promoters as f64 - c.detractors as f64) / c.n() as f64;
                prop_assert!((nps - expected).abs() < 1e-9);
            }
        }

        #[test]
        fn wider_confidence_gives_a_wider_interval(c in counts()) {
            let narrow = c.interval(1.0);
            let wide = c.interval(2.5);
            prop_assert!(wide.low <= narrow.low && wide.high >= narrow.high);
        }

        #[test]
        fn more_of_the_same_answers_narrows_the_interval(c in counts()) {
            let doubled = BandCounts::new(c.promoters * 4, c.passives * 4, c.detractors * 4);
            prop_assume!(c.n() > 0);
            prop_assert!(doubled.interval95().se < c.interval95().se);
        }

        #[test]
        fn comparison_is_antisymmetric(a in counts(), b in counts()) {
            let ab = a.compare(&b);
            let ba = b.compare(&a);
            prop_assert!((ab.difference + ba.difference).abs() < 1e-9);
            prop_assert!((ab.p_value - ba.p_value).abs() < 1e-12);
            prop_assert!((0.0..=1.0).contains(&ab.p_value));
            prop_assert_eq!(ab.significant, ab.p_value < 0.05);
        }
    }
}
