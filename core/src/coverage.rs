//! Response coverage of a partner programme: per partner organisation, how many contacts were
//! invited and answered, and whether a decision-maker spoke for it. A partner whose decision-
//! maker answered is *covered*; the programme's coverage is the share of partners covered.

use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

/// Contact roles that count as decision-makers (compared after [`normalise_role`]).
pub const DECISION_MAKER_ROLES: [&str; 2] = ["executive_buyer", "decision_maker"];

/// `Executive Buyer`, `executive-buyer` and `executive_buyer` are one role.
pub fn normalise_role(role: &str) -> String {
    role.trim().to_lowercase().replace([' ', '-'], "_")
}

pub fn is_decision_maker(role: &str) -> bool {
    DECISION_MAKER_ROLES.contains(&normalise_role(role).as_str())
}

/// An invited contact (a campaign recipient) of a partner.
#[derive(Debug, Clone, Copy)]
pub struct ContactFact<'a> {
    pub partner: &'a str,
    /// The contact's identity (e-mail address): one person invited twice counts once.
    pub contact: &'a str,
    pub role: Option<&'a str>,
}

/// One answer given for a partner in the period.
#[derive(Debug, Clone, Copy)]
pub struct AnswerFact<'a> {
    pub partner: &'a str,
    /// Who answered (e-mail address when known, else the answer's respondent id).
    pub respondent: &'a str,
    pub role: Option<&'a str>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PartnerCoverage {
    pub partner: String,
    pub contacts_invited: u64,
    pub decision_makers_invited: u64,
    /// Distinct contacts who answered in the period.
    pub contacts_answered: u64,
    pub answers: u64,
    /// A decision-maker (executive buyer, decision maker) answered in the period.
    pub decision_maker_answered: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CoverageSummary {
    pub partners: u64,
    /// Partners with at least one answer in the period.
    pub partners_answered: u64,
    /// Partners with an answer from a decision-maker in the period.
    pub partners_covered: u64,
    /// partners_covered / partners (none without partners).
    pub coverage: Option<f64>,
}

/// A partner's coverage with what the registry knows of it (nothing for a partner named only
/// by a contact or an answer).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PartnerCoverageRow {
    #[serde(flatten)]
    pub coverage: PartnerCoverage,
    pub name: Option<String>,
    pub tier: Option<String>,
    pub region: Option<String>,
    pub owner_email: Option<String>,
}

/// `GET /api/admin/reports/partner-coverage`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CoverageReport {
    pub partners: Vec<PartnerCoverageRow>,
    pub summary: CoverageSummary,
    /// The contact roles that count as decision-makers.
    pub decision_maker_roles: Vec<String>,
}

#[derive(Default)]
struct Tally<'a> {
    invited: BTreeSet<&'a str>,
    decision_makers: BTreeSet<&'a str>,
    answered: BTreeSet<&'a str>,
    answers: u64,
    decision_maker_answered: bool,
}

/// Coverage of each partner in `partners` (facts about other partners are ignored), in the
/// order of `partners`, and the programme's summary.
pub fn partner_coverage(partners: &[String], contacts: &[ContactFact], answers: &[AnswerFact]) -> (Vec<PartnerCoverage>, CoverageSummary) {
    let mut tallies: BTreeMap<&str, Tally> = partners.iter().map(|p| (p.as_str(), Tally::default())).collect();
    for c in contacts {
        if let Some(t) = tallies.get_mut(c.partner) {
            t.invited.insert(c.contact);
            if c.role.is_some_and(is_decision_maker) {
                t.decision_makers.insert(c.contact);
            }
        }
    }
    for a in answers {
        if let Some(t) = tallies.get_mut(a.partner) {
            t.answered.insert(a.respondent);
            t.answers += 1;
            t.decision_maker_answered |= a.role.is_some_and(is_decision_maker);
        }
    }
    let rows: Vec<PartnerCoverage> = partners
        .iter()
        .filter_map(|p| {
            let t = tallies.get(p.as_str())?;
            Some(PartnerCoverage {
                partner: p.clone(),
                contacts_invited: t.invited.len() as u64,
                decision_makers_invited: t.decision_makers.len() as u64,
                contacts_answered: t.answered.len() as u64,
                answers: t.answers,
                decision_maker_answered: t.decision_maker_answered,
            })
        })
        .collect();
    let total = rows.len() as u64;
    let covered = rows.iter().filter(|r| r.decision_maker_answered).count() as u64;
    let summary = CoverageSummary {
        partners: total,
        partners_answered: rows.iter().filter(|r| r.answers > 0).count() as u64,
        partners_covered: covered,
        coverage: (total > 0).then(|| covered as f64 / total as f64),
    };
    (rows, summary)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c<'a>(partner: &'a str, contact: &'a str, role: &'a str) -> ContactFact<'a> {
        ContactFact { partner, contact, role: Some(role) }
    }

    fn a<'a>(partner: &'a str, respondent: &'a str, role: &'a str) -> AnswerFact<'a> {
        AnswerFact { partner, respondent, role: Some(role) }
    }

    #[test]
    fn a_partner_is_covered_when_a_decision_maker_answered() {
        let partners = ["p1".to_owned(), "p2".to_owned(), "p3".to_owned()];
        let contacts = [
            c("p1", "ceo@p1", "Executive Buyer"),
            c("p1", "dev@p1", "end_user"),
            c("p1", "dev@p1", "end_user"), // invited twice: one contact
            c("p2", "boss@p2", "decision-maker"),
            c("p2", "ops@p2", "admin"),
            c("p9", "x@p9", "executive_buyer"), // not in scope
        ];
        let answers = [
            a("p1", "ceo@p1", "executive_buyer"),
            a("p1", "dev@p1", "end_user"),
            a("p1", "dev@p1", "end_user"),
            a("p2", "ops@p2", "admin"),
            a("p9", "x@p9", "executive_buyer"),
        ];
        let (rows, summary) = partner_coverage(&partners, &contacts, &answers);
        assert_eq!(rows.iter().map(|r| (r.contacts_invited, r.decision_makers_invited, r.contacts_answered, r.answers)).collect::<Vec<_>>(), [
            (2, 1, 2, 3),
            (2, 1, 1, 1),
            (0, 0, 0, 0)
        ]);
        assert_eq!(rows.iter().map(|r| r.decision_maker_answered).collect::<Vec<_>>(), [true, false, false]);
        assert_eq!((summary.partners, summary.partners_answered, summary.partners_covered), (3, 2, 1));
        assert!((summary.coverage.unwrap_or(f64::NAN) - 1.0 / 3.0).abs() < 1e-12);
        assert_eq!(partner_coverage(&[], &contacts, &answers).1.coverage, None);
    }
}
