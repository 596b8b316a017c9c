//! Sticky sampling: share, monotonicity in the rate, independence between surveys, stability.
//!
//! The user keys are fixed, so these tests are deterministic; the tolerances are still chosen
//! as about 3 binomial standard deviations, so they would also hold for any other fair set of
//! keys, and a biased or correlated hash fails them by a wide margin.

use nps_core::eligibility::{FULL_RATE_BP, is_sampled, sampling_bucket};
use proptest::prelude::*;

const USERS: u32 = 100_000;

/// Key styles seen in real host apps: prefixed ids, bare sequential integers, UUID-like, e-mails.
fn key_sets() -> [(&'static str, Vec<String>); 4] {
    [
        ("prefixed", (0..USERS).map(|i| format!("user-{i}")).collect()),
        ("sequential", (1..=USERS).map(|i| i.to_string()).collect()),
        (
            "uuid-like",
            (0..USERS).map(|i| format!("{:08x}-4a1b-9c2d-{:012x}", i.wrapping_mul(2_654_435_761), i)).collect(),
        ),
        ("e-mail", (0..USERS).map(|i| format!("person{i}@customer{}.com", i % 97)).collect()),
    ]
}

fn share(keys: &[String], sampled: impl Fn(&str) -> bool) -> f64 {
    keys.iter().filter(|k| sampled(k)).count() as f64 / keys.len() as f64
}

/// At 10% of 100k users the standard deviation of the share is sqrt(0.1 * 0.9 / 1e5) = 0.095
/// percentage points; ±0.3pp is over 3 of them.
#[test]
fn ten_percent_samples_ten_percent_of_users() {
    for (style, keys) in key_sets() {
        for survey in [1, 2, 42, 1_000_003, -7] {
            let s = share(&keys, |k| is_sampled(survey, k, 1_000));
            assert!((s - 0.10).abs() <= 0.003, "{style} keys, survey {survey}: sampled share {s}");
        }
    }
}

#[test]
fn raising_the_rate_only_adds_users() {
    for (style, keys) in key_sets() {
        for k in &keys {
            if is_sampled(7, k, 1_000) {
                assert!(is_sampled(7, k, 2_000), "{style}: {k} left the sample when the rate went up");
            }
        }
        let s = share(&keys, |k| is_sampled(7, k, 2_000));
        assert!((s - 0.20).abs() <= 0.004, "{style}: 20% sampled {s}");
    }
}

/// Sampled by both of two surveys at 10% each should be 10% x 10% = 1% if the hashes are
/// independent. The standard deviation of that share over 100k users is
/// sqrt(0.01 * 0.99 / 1e5) = 0.031pp, so ±0.1pp (3.2 sd) is strict enough to catch correlated
/// buckets (identical hashes would give 10%, a shifted one e.g. 0% or 2%).
#[test]
fn two_surveys_sample_independently() {
    for (style, keys) in key_sets() {
        for (a, b) in [(1, 2), (1, 1_001), (100, 101), (3, 3 + (1 << 32))] {
            let both = share(&keys, |k| is_sampled(a, k, 1_000) && is_sampled(b, k, 1_000));
            assert!((both - 0.01).abs() <= 0.001, "{style}, surveys {a} and {b}: both sampled {both}");
        }
    }
}

/// 100 bins of 100 buckets each, 1,000 users expected per bin: chi-square with 99 degrees of
/// freedom has mean 99 and sd 14; above 160 would happen by chance less than once in 10,000.
#[test]
fn buckets_are_uniform() {
    for (style, keys) in key_sets() {
        let mut bins = [0u32; 100];
        for k in &keys {
            let bucket = sampling_bucket(9, k);
            assert!(bucket < FULL_RATE_BP);
            bins[(bucket / 100) as usize] += 1;
        }
        let expected = f64::from(USERS) / 100.0;
        let chi2: f64 = bins.iter().map(|&o| (f64::from(o) - expected).powi(2) / expected).sum();
        assert!(chi2 < 160.0, "{style}: chi-square {chi2}");
    }
}

/// Pinned values: if these change, every running survey's sample changes with them (users drop
/// out mid-survey, weights break). The hash is hand-written so they are the same on every
/// platform (x86_64 collector, wasm32 widget) and every compiler version. The expected numbers
/// were computed by a separate implementation of FNV-1a 64 + murmur3 fmix64 (Python, over the
/// survey id as 8 little-endian bytes, then the key's UTF-8 bytes), not copied from this one.
#[test]
fn buckets_are_pinned() {
    let pinned = [(1, "user-1", 7002), (1, "", 9702), (42, "alice@example.com", 2716), (-1, "ünïcødé", 7144)];
    for (survey, key, want) in pinned {
        assert_eq!(sampling_bucket(survey, key), want, "survey {survey}, key {key:?}");
    }
}

#[test]
fn edge_rates() {
    for k in ["a", "b", "user-123"] {
        assert!(!is_sampled(1, k, 0), "0 bp samples nobody");
        assert!(is_sampled(1, k, FULL_RATE_BP), "10000 bp samples everyone");
        assert!(is_sampled(1, k, u32::MAX), "above 100% still everyone");
    }
}

proptest! {
    #[test]
    fn sampling_is_monotone_in_the_rate(survey in any::<i64>(), key in ".{0,40}", low in 0u32..=10_000, extra in 0u32..=10_000) {
        let high = (low + extra).min(10_000);
        if is_sampled(survey, &key, low) {
            prop_assert!(is_sampled(survey, &key, high));
        }
        prop_assert!(sampling_bucket(survey, &key) < FULL_RATE_BP);
        prop_assert_eq!(sampling_bucket(survey, &key), sampling_bucket(survey, &key.clone()));
    }
}
