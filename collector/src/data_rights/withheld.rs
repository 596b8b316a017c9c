//! What an export leaves out: the admin who runs it reads it before the respondent does, so it
//! may hold nothing an admin may not read (docs/data-rights.md, "Protected answers").
//!
//! - Answers to protected surveys (employee NPS, partner NPS with an anonymous or confidential
//!   campaign): a confidential answer is stored under its recipient, and the export would show
//!   one named person's score and comment. They are still erased.
//! - Reminders of campaigns of those surveys: a reminder goes only to who had not answered, so
//!   the list of reminders says when the person answered (the delivery log withholds it too).
//! - Waiting e-mails of those campaigns: they carry the personal link, which is never shown
//!   (with it the reader could see whether the link was used, or answer in the person's place).

use crate::error::ApiError;
use crate::store::DynStore;
use serde_json::{Map, Value};
use std::collections::HashSet;

/// What every export says about what it leaves out.
pub const PROTECTED_NOTE: &str = "Answers to employee NPS and to partner surveys with anonymous or confidential campaigns, \
     the reminders of those campaigns and their waiting e-mails (which hold the personal link) are not part of an export, \
     and an erasure does not count those answers: whoever runs either would learn of them. An erasure removes them all the same.";

/// The project's protected surveys and the campaigns that run them.
pub(super) struct Protected {
    surveys: HashSet<i64>,
    campaigns: HashSet<i64>,
}

impl Protected {
    pub(super) async fn of_project(store: &DynStore, project_id: i64) -> Result<Self, ApiError> {
        let surveys = store.list_surveys(Some(project_id)).await?;
        let ids: Vec<i64> = surveys.iter().map(|s| s.id).collect();
        let campaigns = store.campaigns_for_surveys(&ids).await?;
        let surveys: HashSet<i64> = surveys
            .iter()
            .filter(|s| s.kind.protects_answers(campaigns.iter().filter(|c| c.survey_id == s.id).map(|c| c.anonymity)))
            .map(|s| s.id)
            .collect();
        let campaigns = campaigns.iter().filter(|c| surveys.contains(&c.survey_id)).map(|c| c.id).collect();
        Ok(Self { surveys, campaigns })
    }

    /// Removes from the export's sections what it may not hold.
    pub(super) fn withhold(&self, export: &mut Map<String, Value>) {
        let field = |row: &Value, name: &str| row.get(name).and_then(Value::as_i64);
        retain(export, "answers", |row| !field(row, "survey_id").is_some_and(|s| self.surveys.contains(&s)));
        retain(export, "campaign_messages", |row| {
            let protected = field(row, "campaign_id").is_some_and(|c| self.campaigns.contains(&c));
            !(protected && row.get("kind").and_then(Value::as_str) == Some(crate::outbox::REMINDER_KIND))
        });
    }

    /// How many of an export's answers (before [`Self::withhold`]) are protected.
    pub(super) fn answers_of(&self, export: &Map<String, Value>) -> u64 {
        let rows = export.get("answers").and_then(Value::as_array).into_iter().flatten();
        rows.filter(|row| row.get("survey_id").and_then(Value::as_i64).is_some_and(|s| self.surveys.contains(&s))).count() as u64
    }

    /// Whether a waiting message (by its outbox id) belongs to a protected campaign:
    /// `invite:{campaign}:...` or `remind:{campaign}:...`.
    pub(super) fn holds_message(&self, message_id: &str) -> bool {
        let mut parts = message_id.split(':');
        matches!(parts.next(), Some("invite" | "remind"))
            && parts.next().and_then(|c| c.parse::<i64>().ok()).is_some_and(|c| self.campaigns.contains(&c))
    }
}

fn retain(export: &mut Map<String, Value>, section: &str, keep: impl Fn(&Value) -> bool) {
    if let Some(Value::Array(rows)) = export.get_mut(section) {
        rows.retain(|row| keep(row));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn protected_answers_reminders_and_links_are_left_out() {
        let protected = Protected { surveys: HashSet::from([7]), campaigns: HashSet::from([3]) };
        let mut export = json!({
            "answers": [{ "id": "a", "survey_id": 7 }, { "id": "b", "survey_id": 8 }],
            "campaign_messages": [
                { "outbox_id": "invite:3:1:r", "campaign_id": 3, "kind": "invitation" },
                { "outbox_id": "remind:3:1:r:1", "campaign_id": 3, "kind": "reminder" },
                { "outbox_id": "remind:4:1:r:1", "campaign_id": 4, "kind": "reminder" },
            ],
        });
        assert_eq!(protected.answers_of(export.as_object().expect("an object")), 1);
        protected.withhold(export.as_object_mut().expect("an object"));
        assert_eq!(export["answers"], json!([{ "id": "b", "survey_id": 8 }]));
        let kept: Vec<&str> = export["campaign_messages"].as_array().into_iter().flatten().filter_map(|m| m["outbox_id"].as_str()).collect();
        assert_eq!(kept, ["invite:3:1:r", "remind:4:1:r:1"]);
        assert!(protected.holds_message("invite:3:1:r") && protected.holds_message("remind:3:2:r:1"));
        assert!(!protected.holds_message("invite:4:1:r") && !protected.holds_message("alert:3:x") && !protected.holds_message("wh:3:x:y"));
    }
}
