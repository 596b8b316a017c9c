//! B2B roll-ups: when several people answer for one account (or partner), NPS can be counted
//! three ways, and a report must say which one it shows (`shared/reference/nps-statistics.md`).

use crate::score::NpsScore;
use crate::stats::{BandCounts, Z95};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// One answer with the account it speaks for and the respondent's role there.
#[derive(Debug, Clone, Copy)]
pub struct AccountAnswer<'a> {
    pub account: Option<&'a str>,
    pub role: Option<&'a str>,
    pub score: NpsScore,
    pub at: i64,
}

/// Roles in the order the decision-maker-first roll-up trusts them.
pub const ROLE_PRECEDENCE: [&str; 3] = ["executive_buyer", "admin", "end_user"];

/// Each account weighs the same: the mean of the accounts' own NPS, with a normal-approximation
/// interval from the spread between accounts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AccountAverage {
    pub accounts: u64,
    pub mean_nps: Option<f64>,
    pub se: Option<f64>,
    pub low: Option<f64>,
    pub high: Option<f64>,
}

/// 1. Every response counts once.
pub fn every_response(answers: &[AccountAnswer]) -> BandCounts {
    BandCounts::from_scores(answers.iter().map(|a| a.score))
}

fn by_account<'a>(answers: &[AccountAnswer<'a>]) -> BTreeMap<&'a str, Vec<AccountAnswer<'a>>> {
    let mut accounts: BTreeMap<&str, Vec<AccountAnswer>> = BTreeMap::new();
    for a in answers {
        if let Some(account) = a.account {
            accounts.entry(account).or_default().push(*a);
        }
    }
    accounts
}

/// 2. Average per account. Answers without an account are left out.
pub fn per_account(answers: &[AccountAnswer]) -> AccountAverage {
    let values: Vec<f64> = by_account(answers)
        .values()
        .filter_map(|list| BandCounts::from_scores(list.iter().map(|a| a.score)).nps())
        .collect();
    AccountAverage::of_values(&values)
}

impl AccountAverage {
    /// The mean of the accounts' own NPS values (in account order: the sum is a float one) and
    /// its between-accounts interval.
    pub fn of_values(values: &[f64]) -> Self {
        let k = values.len();
        if k == 0 {
            return Self { accounts: 0, mean_nps: None, se: None, low: None, high: None };
        }
        let mean = values.iter().sum::<f64>() / k as f64;
        let se = (k > 1).then(|| {
            let variance = values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (k - 1) as f64;
            (variance / k as f64).sqrt()
        });
        Self {
            accounts: k as u64,
            mean_nps: Some(mean),
            se,
            low: se.map(|se| (mean - Z95 * se).max(-100.0)),
            high: se.map(|se| (mean + Z95 * se).min(100.0)),
        }
    }
}

/// Method 3, decision-maker first: per account, the latest score of the executive buyer stands for
/// the account, else the admin's, else the end users' (latest of each role). Two answers of one
/// role at the same millisecond: the higher score stands, whatever order the rows came in (the
/// account aggregates keep the latest answer per role the same way).
pub fn decision_maker_first(answers: &[AccountAnswer]) -> BandCounts {
    let mut counts = BandCounts::default();
    for list in by_account(answers).values() {
        let latest = |a: &&AccountAnswer| (a.at, a.score);
        let representative = ROLE_PRECEDENCE
            .iter()
            .find_map(|role| list.iter().filter(|a| a.role == Some(*role)).max_by_key(latest))
            .or_else(|| list.iter().max_by_key(latest));
        if let Some(a) = representative {
            counts.add(a.score.band());
        }
    }
    counts
}

/// NPS per role, side by side (never only blended).
pub fn per_role(answers: &[AccountAnswer]) -> BTreeMap<String, BandCounts> {
    let mut roles: BTreeMap<String, BandCounts> = BTreeMap::new();
    for a in answers {
        roles.entry(a.role.unwrap_or("unknown").to_owned()).or_default().add(a.score.band());
    }
    roles
}

#[cfg(test)]
mod tests {
    use super::*;

    fn a<'a>(account: &'a str, role: &'a str, score: i64, at: i64) -> AccountAnswer<'a> {
        AccountAnswer { account: Some(account), role: Some(role), score: NpsScore::new(score).expect("valid"), at }
    }

    #[test]
    fn the_three_roll_ups_count_differently() {
        let answers = [
            // acme: the buyer is a detractor, five happy end users.
            a("acme", "executive_buyer", 3, 1),
            a("acme", "end_user", 10, 1),
            a("acme", "end_user", 10, 2),
            a("acme", "end_user", 9, 3),
            a("acme", "end_user", 9, 4),
            a("acme", "end_user", 10, 5),
            // globex: only an admin, who changed their mind.
            a("globex", "admin", 2, 1),
            a("globex", "admin", 9, 9),
        ];
        assert_eq!(every_response(&answers), BandCounts::new(6, 0, 2));
        // acme NPS = (5 - 1) / 6 = 66.7, globex = 0 → mean 33.3.
        let average = per_account(&answers);
        assert_eq!(average.accounts, 2);
        assert!((average.mean_nps.expect("accounts") - 100.0 / 3.0).abs() < 1e-9);
        assert!(average.low.expect("two accounts") < average.mean_nps.expect("accounts"));
        // The buyer speaks for acme (detractor), the latest admin answer for globex (promoter).
        assert_eq!(decision_maker_first(&answers), BandCounts::new(1, 0, 1));
        let roles = per_role(&answers);
        assert_eq!(roles["end_user"], BandCounts::new(5, 0, 0));
        assert_eq!(roles["executive_buyer"], BandCounts::new(0, 0, 1));
    }
}
