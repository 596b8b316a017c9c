//! What a client write becomes once validated: one self-contained record, kept in the spool
//! (`ingest`) and later applied to SQL by the store (`Store::apply_batch`), which is why it
//! lives here, at the bottom: the store knows the records, not the spool.

use nps_core::wire::{AccountMembership, Attributes, CompleteRequest, DisplayRequest, FeedbackKind, FeedbackRequest, ResponseRequest};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum IngestRecord {
    Identify {
        project_id: i64,
        at: i64,
        user_id: String,
        attributes: Attributes,
        created_at: Option<i64>,
        language: Option<String>,
        account: Option<AccountMembership>,
    },
    Display { project_id: i64, at: i64, display: DisplayRequest },
    Response { project_id: i64, at: i64, response: ResponseRequest },
    Complete { project_id: i64, at: i64, response_id: String, complete: CompleteRequest },
    Feedback { project_id: i64, at: i64, feedback: FeedbackRequest },
    /// The log of an eligibility decision (the display it granted is already in SQL).
    Decision { project_id: i64, at: i64, decision: DecisionLog },
}

/// One logged eligibility decision; `key` is the display id the client proposed. Flattened, the
/// decision's fields sit beside the others, as the spool has always stored them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DecisionLog {
    pub key: String,
    pub survey_id: i64,
    pub user_id: String,
    #[serde(flatten)]
    pub decision: nps_core::eligibility::Decision,
    pub trigger: Option<String>,
}

impl DecisionLog {
    /// The log entry of `decision`, taken for `claim`.
    pub fn of(claim: &super::DisplayClaim, decision: &nps_core::eligibility::Decision) -> Self {
        DecisionLog {
            key: claim.display_id.to_string(),
            survey_id: claim.survey_id,
            user_id: claim.user_id.to_string(),
            decision: decision.clone(),
            trigger: claim.trigger.as_deref().map(str::to_owned),
        }
    }
}

impl IngestRecord {
    pub fn kind(&self) -> &'static str {
        match self {
            IngestRecord::Identify { .. } => "identify",
            IngestRecord::Display { .. } => "display",
            IngestRecord::Response { .. } => "response",
            IngestRecord::Complete { .. } => "complete",
            IngestRecord::Feedback { .. } => "feedback",
            IngestRecord::Decision { .. } => "decision",
        }
    }
}

pub struct UserRow {
    pub project_id: i64,
    pub user_id: String,
    pub attributes: String,
    pub created_at: Option<i64>,
    pub first_seen_at: i64,
    pub last_seen_at: i64,
    pub language: Option<String>,
    pub account_id: Option<String>,
    pub account_role: Option<String>,
}

pub struct AccountRow {
    pub project_id: i64,
    pub account_id: String,
    pub attributes: String,
    pub at: i64,
}

pub struct MemberRow {
    pub project_id: i64,
    pub account_id: String,
    pub user_id: String,
    pub role: String,
    pub at: i64,
}

pub struct DisplayRow {
    pub id: String,
    pub project_id: i64,
    pub survey_id: i64,
    pub user_id: String,
    pub trigger: Option<String>,
    pub url: Option<String>,
    pub language: Option<String>,
    pub device: Option<String>,
    pub sampling_rate_bp: Option<i64>,
    pub at: i64,
}

pub struct ScoreRow {
    pub id: String,
    pub project_id: i64,
    pub survey_id: i64,
    pub user_id: String,
    pub display_id: Option<String>,
    pub score: i64,
    pub language: Option<String>,
    pub device: Option<String>,
    pub trigger: Option<String>,
    pub sampling_rate_bp: Option<i64>,
    pub at: i64,
}

pub struct CompletionRow {
    pub id: String,
    pub project_id: i64,
    pub survey_id: i64,
    pub user_id: String,
    pub comment: Option<String>,
    pub extra_answers: String,
    pub at: i64,
}

pub struct FeedbackRow {
    pub id: String,
    pub project_id: i64,
    pub survey_id: Option<i64>,
    pub user_id: String,
    pub kind: FeedbackKind,
    pub at: i64,
}

/// A batch of records sorted into one row list per table, with duplicates folded so that a
/// multi-row upsert never touches the same key twice (PostgreSQL refuses that).
///
/// Folding keeps spool order: for users, accounts, memberships and completions the last write
/// wins; for displays, scores and feedback (immutable once written) the first one does.
#[derive(Default)]
pub struct BatchParts {
    pub users: Vec<UserRow>,
    pub accounts: Vec<AccountRow>,
    pub members: Vec<MemberRow>,
    pub displays: Vec<DisplayRow>,
    pub scores: Vec<ScoreRow>,
    pub completions: Vec<CompletionRow>,
    pub feedback: Vec<FeedbackRow>,
    pub decisions: Vec<(i64, i64, DecisionLog)>,
}

fn json(attributes: &Attributes) -> String {
    serde_json::Value::Object(attributes.clone()).to_string()
}

/// Pushes `row` under `key`, replacing an earlier row with the same key when `replace`.
impl UserRow {
    /// An identify's absent fields keep their earlier value: the upsert's `COALESCE` does that
    /// across transactions, and two identifies of one user folded into one batch row must
    /// mean the same (and what the in-memory facts give them).
    fn keep_absent(&mut self, earlier: &UserRow) {
        self.created_at = self.created_at.or(earlier.created_at);
        self.language = self.language.take().or_else(|| earlier.language.clone());
        self.account_id = self.account_id.take().or_else(|| earlier.account_id.clone());
        self.account_role = self.account_role.take().or_else(|| earlier.account_role.clone());
    }
}

fn fold<K: std::hash::Hash + Eq, R>(rows: &mut Vec<R>, index: &mut HashMap<K, usize>, key: K, row: R, replace: bool) {
    match index.get(&key) {
        Some(&i) if replace => rows[i] = row,
        Some(_) => {}
        None => {
            index.insert(key, rows.len());
            rows.push(row);
        }
    }
}

/// How many leading records can be applied in one transaction without an answer taking
/// attributes it was not given: an answer copies its user's attributes when its transaction
/// applies it, after every identify of that transaction, so an identify that came *after* an
/// answer of the same user must wait for the next transaction.
pub fn snapshot_safe_prefix(records: &[IngestRecord]) -> usize {
    let mut answered: std::collections::HashSet<(i64, &str)> = std::collections::HashSet::new();
    for (i, record) in records.iter().enumerate() {
        match record {
            IngestRecord::Identify { project_id, user_id, .. } if answered.contains(&(*project_id, user_id.as_str())) => {
                return i;
            }
            IngestRecord::Response { project_id, response, .. } => {
                answered.insert((*project_id, response.user_id.as_str()));
            }
            IngestRecord::Complete { project_id, complete, .. } => {
                answered.insert((*project_id, complete.user_id.as_str()));
            }
            _ => {}
        }
    }
    records.len()
}

// The SQL row each spooled request becomes, at the time `at` it was acknowledged.

/// A parsed optional text as the plain string its column holds.
fn text<T: AsRef<str>>(value: &Option<T>) -> Option<String> {
    value.as_ref().map(|v| v.as_ref().to_owned())
}

impl DisplayRow {
    /// The display a decision taken in SQL granted, at the sampling rate it decided with.
    pub(crate) fn claimed(claim: &super::DisplayClaim, sampling_rate_bp: u32) -> Self {
        Self {
            id: claim.display_id.to_string(),
            project_id: claim.project_id,
            survey_id: claim.survey_id,
            user_id: claim.user_id.to_string(),
            trigger: text(&claim.trigger),
            url: text(&claim.url),
            language: text(&claim.language),
            device: text(&claim.device),
            sampling_rate_bp: Some(i64::from(sampling_rate_bp)),
            at: claim.now,
        }
    }

    fn of(project_id: i64, at: i64, d: &DisplayRequest) -> Self {
        Self {
            id: d.display_id.to_string(),
            project_id,
            survey_id: d.survey_id,
            user_id: d.user_id.to_string(),
            trigger: text(&d.trigger),
            url: text(&d.url),
            language: text(&d.language),
            device: text(&d.device),
            sampling_rate_bp: d.sampling_rate_bp.map(|bp| i64::from(bp.get())),
            at,
        }
    }
}

impl ScoreRow {
    fn of(project_id: i64, at: i64, r: &ResponseRequest) -> Self {
        Self {
            id: r.response_id.to_string(),
            project_id,
            survey_id: r.survey_id,
            user_id: r.user_id.to_string(),
            display_id: text(&r.display_id),
            score: i64::from(r.score.value()),
            language: text(&r.language),
            device: text(&r.device),
            trigger: text(&r.trigger),
            sampling_rate_bp: r.sampling_rate_bp.map(|bp| i64::from(bp.get())),
            at,
        }
    }
}

impl CompletionRow {
    fn of(project_id: i64, at: i64, response_id: &str, c: &CompleteRequest) -> Self {
        Self {
            id: response_id.to_owned(),
            project_id,
            survey_id: c.survey_id,
            user_id: c.user_id.to_string(),
            comment: text(&c.comment),
            extra_answers: json(&c.extra_answers),
            at,
        }
    }
}

impl FeedbackRow {
    fn of(project_id: i64, at: i64, f: &FeedbackRequest) -> Self {
        Self { id: f.action_id.to_string(), project_id, survey_id: f.survey_id, user_id: f.user_id.to_string(), kind: f.kind, at }
    }
}

impl BatchParts {
    pub fn split(batch: &[IngestRecord]) -> Self {
        let mut parts = BatchParts::default();
        let mut users = HashMap::new();
        let mut first_seen: HashMap<(i64, String), i64> = HashMap::new();
        let mut accounts = HashMap::new();
        let mut members = HashMap::new();
        let mut displays = HashMap::new();
        let mut scores = HashMap::new();
        let mut completions = HashMap::new();
        let mut feedback = HashMap::new();
        let mut decisions = HashMap::new();
        for record in batch {
            match record {
                IngestRecord::Identify { project_id, at, user_id, attributes, created_at, language, account } => {
                    let seen = *first_seen.entry((*project_id, user_id.clone())).or_insert(*at);
                    let mut row = UserRow {
                        project_id: *project_id,
                        user_id: user_id.clone(),
                        attributes: json(attributes),
                        created_at: *created_at,
                        first_seen_at: seen,
                        last_seen_at: *at,
                        language: language.clone(),
                        account_id: account.as_ref().map(|a| a.id.to_string()),
                        account_role: account.as_ref().map(|a| a.role.to_string()),
                    };
                    if let Some(&earlier) = users.get(&(*project_id, user_id.clone())) {
                        row.keep_absent(&parts.users[earlier]);
                    }
                    fold(&mut parts.users, &mut users, (*project_id, user_id.clone()), row, true);
                    if let Some(account) = account {
                        let row = AccountRow { project_id: *project_id, account_id: account.id.to_string(), attributes: json(&account.attributes), at: *at };
                        fold(&mut parts.accounts, &mut accounts, (*project_id, account.id.to_string()), row, true);
                        let row = MemberRow {
                            project_id: *project_id,
                            account_id: account.id.to_string(),
                            user_id: user_id.clone(),
                            role: account.role.to_string(),
                            at: *at,
                        };
                        fold(&mut parts.members, &mut members, (*project_id, account.id.to_string(), user_id.clone()), row, true);
                    }
                }
                IngestRecord::Display { project_id, at, display: d } => {
                    fold(&mut parts.displays, &mut displays, d.display_id.to_string(), DisplayRow::of(*project_id, *at, d), false);
                }
                IngestRecord::Response { project_id, at, response: r } => {
                    fold(&mut parts.scores, &mut scores, r.response_id.clone(), ScoreRow::of(*project_id, *at, r), false);
                }
                IngestRecord::Complete { project_id, at, response_id, complete: c } => {
                    let row = CompletionRow::of(*project_id, *at, response_id, c);
                    fold(&mut parts.completions, &mut completions, response_id.clone(), row, true);
                }
                IngestRecord::Feedback { project_id, at, feedback: f } => {
                    fold(&mut parts.feedback, &mut feedback, f.action_id.clone(), FeedbackRow::of(*project_id, *at, f), false);
                }
                IngestRecord::Decision { project_id, at, decision } => {
                    fold(&mut parts.decisions, &mut decisions, decision.key.clone(), (*project_id, *at, decision.clone()), false);
                }
            }
        }
        parts
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use nps_core::NpsScore;
    use nps_core::wire::ClientId;

    /// An answer of user `u` to `survey_id` in project 1 (the resident tests use it too).
    pub(crate) fn answer(survey_id: i64, id: &str, score: i64, at: i64) -> IngestRecord {
        IngestRecord::Response {
            project_id: 1,
            at,
            response: ResponseRequest {
                response_id: ClientId::parse(id).expect("valid"),
                survey_id,
                user_id: ClientId::parse("u").expect("valid"),
                display_id: None,
                score: NpsScore::new(score).expect("valid"),
                language: None,
                device: None,
                trigger: None,
                sampling_rate_bp: None,
            },
        }
    }

    fn identify(user: &str, plan: &str, at: i64) -> IngestRecord {
        let mut attributes = Attributes::new();
        attributes.insert("plan".into(), plan.into());
        IngestRecord::Identify { project_id: 1, at, user_id: user.into(), attributes, created_at: None, language: None, account: None }
    }

    #[test]
    fn an_identify_after_an_answer_waits_for_the_next_transaction() {
        let batch = [identify("u", "free", 1), answer(1, "r1", 3, 2), identify("v", "pro", 3), identify("u", "pro", 4)];
        assert_eq!(snapshot_safe_prefix(&batch), 3);
        assert_eq!(snapshot_safe_prefix(&batch[3..]), 1);
        assert_eq!(snapshot_safe_prefix(&batch[..2]), 2);
        assert_eq!(snapshot_safe_prefix(&[]), 0);
    }

    #[test]
    fn identifies_folded_into_one_row_keep_the_fields_the_later_one_omits() {
        let account = AccountMembership { id: ClientId::parse("acme").expect("valid"), attributes: Default::default(), role: ClientId::parse("admin").expect("valid") };
        let full = IngestRecord::Identify {
            project_id: 1,
            at: 1,
            user_id: "u".into(),
            attributes: Attributes::new(),
            created_at: Some(-5),
            language: Some("de".into()),
            account: Some(account),
        };
        let parts = BatchParts::split(&[full, identify("u", "pro", 2)]);
        assert_eq!(parts.users.len(), 1);
        let row = &parts.users[0];
        assert_eq!(row.attributes, r#"{"plan":"pro"}"#, "attributes are replaced");
        assert_eq!((row.created_at, row.language.as_deref()), (Some(-5), Some("de")));
        assert_eq!((row.account_id.as_deref(), row.account_role.as_deref()), (Some("acme"), Some("admin")));
    }

    #[test]
    fn a_retried_score_keeps_the_first_and_a_later_identify_wins() {
        let parts = BatchParts::split(&[
            identify("u", "free", 1),
            answer(1, "r1", 3, 2),
            answer(1, "r1", 9, 3),
            identify("u", "pro", 4),
        ]);
        assert_eq!(parts.scores.len(), 1);
        assert_eq!(parts.scores[0].score, 3);
        assert_eq!(parts.users.len(), 1);
        assert_eq!(parts.users[0].attributes, r#"{"plan":"pro"}"#);
        assert_eq!(parts.users[0].first_seen_at, 1);
        assert_eq!(parts.users[0].last_seen_at, 4);
    }
}
