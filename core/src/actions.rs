//! The action log: what changed because of NPS (a decision, its owner and date, the themes
//! and answers that led to it), so "has an NPS insight changed anything lately?" has an answer.

use serde::{Deserialize, Serialize};

/// What an admin records (and replaces on update).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ActionInput {
    pub project_id: i64,
    /// The survey the insight came from, if one.
    pub survey_id: Option<i64>,
    #[cfg_attr(feature = "openapi", schema(min_length = 1, max_length = 200, pattern = r"[^\t\n\x0B\x0C\r \x85\xA0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000]"))]
    pub title: String,
    /// What was decided or changed.
    #[cfg_attr(feature = "openapi", schema(min_length = 1, max_length = 5000, pattern = r"[^\t\n\x0B\x0C\r \x85\xA0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000]"))]
    pub decision: String,
    /// When it was decided (unix ms).
    #[cfg_attr(feature = "openapi", schema(minimum = 0, maximum = 4102444800000_i64))]
    pub decided_at: i64,
    pub owner: Option<crate::wire::EmailText>,
    /// Comment themes behind it (e.g. `performance`, `pricing`).
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(max_items = 20, value_type = Vec<crate::wire::limits::ThemeName>))]
    pub themes: Vec<String>,
    /// Answers behind it.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(max_items = 200))]
    pub response_ids: Vec<crate::wire::ClientId>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Action {
    pub id: i64,
    #[serde(flatten)]
    pub input: ActionInput,
    /// E-mail of the admin who recorded it.
    pub created_by: String,
    pub created_at: i64,
    pub updated_at: i64,
}

/// The actions decided in a window that ends now.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RecentActions {
    pub days: u32,
    pub since: i64,
    /// Whether anything was decided because of NPS in the window.
    pub changed_anything: bool,
    pub count: u64,
    /// Newest first.
    pub actions: Vec<Action>,
}

impl RecentActions {
    /// The actions of `all` decided in `[now - days, now]`, newest first.
    pub fn of(all: &[Action], days: u32, now: i64) -> Self {
        let since = now - i64::from(days) * 86_400_000;
        let mut actions: Vec<Action> = all.iter().filter(|a| (since..=now).contains(&a.input.decided_at)).cloned().collect();
        actions.sort_by(|a, b| b.input.decided_at.cmp(&a.input.decided_at).then(b.id.cmp(&a.id)));
        Self { days, since, changed_anything: !actions.is_empty(), count: actions.len() as u64, actions }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn action(id: i64, decided_at: i64) -> Action {
        let input = ActionInput {
            project_id: 1,
            survey_id: None,
            title: format!("a{id}"),
            decision: "d".into(),
            decided_at,
            owner: None,
            themes: vec![],
            response_ids: vec![],
        };
        Action { id, input, created_by: "x".into(), created_at: 0, updated_at: 0 }
    }

    #[test]
    fn only_actions_inside_the_window_count_newest_first() {
        const DAY: i64 = 86_400_000;
        let now = 1_000 * DAY;
        let all = [action(1, now - 120 * DAY), action(2, now - 90 * DAY), action(3, now - DAY), action(4, now + DAY)];
        let recent = RecentActions::of(&all, 90, now);
        assert_eq!(recent.actions.iter().map(|a| a.id).collect::<Vec<_>>(), [3, 2]);
        assert!(recent.changed_anything);
        assert_eq!((recent.count, recent.since), (2, now - 90 * DAY));
        assert!(!RecentActions::of(&all[..1], 90, now).changed_anything);
    }
}
