//! Revenue-weighted NPS and NPS of churned against retained accounts.
//!
//! Revenue-weighted NPS weighs each account's own NPS by its monthly recurring revenue:
//!
//! ```text
//! NPS_w = Σ_a m_a · NPS_a / Σ_a m_a          NPS_a = 100 · (P_a − D_a) / n_a  (the account's answers)
//! ```
//!
//! Accounts without revenue (or without answers) are left out and counted. The statistics
//! reference covers unweighted NPS only, so the interval is the weighted form of the
//! between-accounts interval that `rollup::per_account` uses (a normal approximation from the
//! spread of the accounts' NPS, which carries both real differences and each account's own
//! sampling noise):
//!
//! ```text
//! SE² = k / (k − 1) · Σ_a (m_a / Σ m)² · (NPS_a − NPS_w)²      interval = NPS_w ± 1.96 · SE
//! ```
//!
//! With equal weights it is exactly the per-account interval. It needs at least two accounts,
//! and with a few accounts, or one account holding most of the revenue (see
//! `effective_accounts`, Kish's (Σm)² / Σm²), it is only a rough guide.

use super::waves::AccountRollup;
use super::Answer;
use crate::stats::{BandCounts, Comparison, Z95};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// How the interval of the weighted NPS is made.
pub const WEIGHTED_INTERVAL_METHOD: &str = "between-accounts normal approximation, weighted by revenue";

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RevenueWeighted {
    /// Accounts weighed (with answers and revenue).
    pub accounts: u64,
    pub total_mrr_cents: i64,
    pub nps: Option<f64>,
    pub se: Option<f64>,
    pub low: Option<f64>,
    pub high: Option<f64>,
    /// (Σm)² / Σm²: how many equally weighted accounts the weights are worth.
    pub effective_accounts: Option<f64>,
    /// How the interval was made, or why there is none.
    pub interval: String,
}

/// An account's NPS and its weight.
#[derive(Debug, Clone, PartialEq)]
pub struct WeightedNps {
    pub nps: f64,
    pub mrr_cents: i64,
}

/// Revenue-weighted NPS of accounts (see the module documentation for the formulas).
/// Accounts with no positive revenue are ignored here; callers count them.
pub fn revenue_weighted(accounts: &[WeightedNps]) -> RevenueWeighted {
    let used: Vec<(f64, f64)> = accounts.iter().filter(|a| a.mrr_cents > 0).map(|a| (a.nps, a.mrr_cents as f64)).collect();
    let k = used.len();
    let total: f64 = used.iter().map(|(_, w)| w).sum();
    let total_mrr_cents = accounts.iter().filter(|a| a.mrr_cents > 0).map(|a| a.mrr_cents).sum();
    if k == 0 {
        return RevenueWeighted {
            accounts: 0,
            total_mrr_cents,
            nps: None,
            se: None,
            low: None,
            high: None,
            effective_accounts: None,
            interval: "unavailable: no account has both answers and revenue".into(),
        };
    }
    let nps = used.iter().map(|(x, w)| w * x).sum::<f64>() / total;
    let effective = total.powi(2) / used.iter().map(|(_, w)| w * w).sum::<f64>();
    let se = (k > 1).then(|| {
        let sum: f64 = used.iter().map(|(x, w)| (w / total).powi(2) * (x - nps).powi(2)).sum();
        (k as f64 / (k as f64 - 1.0) * sum).sqrt()
    });
    RevenueWeighted {
        accounts: k as u64,
        total_mrr_cents,
        nps: Some(nps),
        se,
        low: se.map(|se| (nps - Z95 * se).max(-100.0)),
        high: se.map(|se| (nps + Z95 * se).min(100.0)),
        effective_accounts: Some(effective),
        interval: match se {
            Some(_) => WEIGHTED_INTERVAL_METHOD.into(),
            None => "unavailable: needs at least two accounts".into(),
        },
    }
}

/// Each account's counts under the roll-up rule.
pub fn account_counts(answers: &[Answer], rollup: AccountRollup) -> BTreeMap<String, BandCounts> {
    let mut grouped: BTreeMap<&str, Vec<&Answer>> = BTreeMap::new();
    for a in answers {
        if let Some(account) = a.account.as_deref() {
            grouped.entry(account).or_default().push(a);
        }
    }
    grouped.into_iter().map(|(account, list)| (account.to_owned(), rollup.counts(list))).collect()
}

/// NPS of the accounts that churned against those that did not.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ChurnSplit {
    pub rollup: AccountRollup,
    pub churned_accounts: u64,
    pub retained_accounts: u64,
    pub churned: BandCounts,
    pub retained: BandCounts,
    pub churned_nps: Option<f64>,
    pub retained_nps: Option<f64>,
    /// Churned against retained with the two-sample test (difference in points). Under
    /// `every_response` the answers of one account are not independent, so read its p-value
    /// with care; `decision_maker_first` counts one answer per account.
    pub comparison: Option<Comparison>,
}

/// Splits answers by churn. `churned` maps each churned account to its churn time (when
/// known): only the answers given before it count. Every other account counts as retained.
pub fn churn_split(answers: &[Answer], churned: &BTreeMap<String, Option<i64>>, rollup: AccountRollup) -> ChurnSplit {
    let (mut lost, mut kept): (Vec<Answer>, Vec<Answer>) = (Vec::new(), Vec::new());
    for a in answers {
        let Some(account) = a.account.as_deref() else { continue };
        match churned.get(account) {
            Some(churn_at) if churn_at.is_none_or(|t| a.at < t) => lost.push(a.clone()),
            Some(_) => {}
            None => kept.push(a.clone()),
        }
    }
    let count_accounts = |list: &[Answer]| account_counts(list, rollup).len() as u64;
    let (churned_counts, retained_counts) = (rollup.counts(&lost), rollup.counts(&kept));
    ChurnSplit {
        rollup,
        churned_accounts: count_accounts(&lost),
        retained_accounts: count_accounts(&kept),
        churned: churned_counts,
        retained: retained_counts,
        churned_nps: churned_counts.nps(),
        retained_nps: retained_counts.nps(),
        comparison: (churned_counts.n() > 0 && retained_counts.n() > 0).then(|| churned_counts.compare(&retained_counts)),
    }
}
