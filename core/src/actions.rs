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
    pub title: crate::wire::Name,
    /// What was decided or changed.
    pub decision: crate::wire::DecisionText,
    /// When it was decided (unix ms).
    #[cfg_attr(feature = "openapi", schema(minimum = 0, maximum = 4102444800000_i64))]
    pub decided_at: i64,
    pub owner: Option<crate::wire::EmailText>,
    /// Comment themes behind it (e.g. `performance`, `pricing`).
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(max_items = 20))] // ActionInput::MAX_THEMES
    pub themes: Vec<crate::wire::ThemeName>,
    /// Answers behind it.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(max_items = 200))]
    pub response_ids: Vec<crate::wire::ClientId>,
}

impl ActionInput {
    pub const MAX_THEMES: usize = 20;
    pub const MAX_RESPONSES: usize = 200;
    /// 2100-01-01: a decision date beyond it is a typo.
    pub const LATEST_DATE: i64 = 4_102_444_800_000;

    /// The rules across the fields' own types, one message each (the schema states them too).
    pub fn problems(&self) -> Vec<String> {
        let mut out = Vec::new();
        if !(0..=Self::LATEST_DATE).contains(&self.decided_at) {
            out.push("decided_at must be unix milliseconds between 1970 and 2100".to_owned());
        }
        if self.themes.len() > Self::MAX_THEMES {
            out.push(format!("themes may list at most {} themes", Self::MAX_THEMES));
        }
        if self.response_ids.len() > Self::MAX_RESPONSES {
            out.push(format!("response_ids may list at most {} answers", Self::MAX_RESPONSES));
        }
        out
    }

    /// As stored: the title trimmed; the themes trimmed, lower-cased and each once.
    pub fn tidied(mut self) -> Self {
        use crate::wire::{Name, ThemeName};
        // Trimming what is not blank leaves it valid; lower-casing can lengthen a few letters
        // (`İ`), so a theme that would outgrow its limit keeps its own case.
        self.title = Name::parse(self.title.trim()).unwrap_or(self.title);
        let mut seen = std::collections::BTreeSet::new();
        self.themes = std::mem::take(&mut self.themes)
            .into_iter()
            .map(|t| ThemeName::parse(t.trim().to_lowercase()).unwrap_or(t))
            .filter(|t| seen.insert(t.clone()))
            .collect();
        self
    }
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
            title: crate::wire::Name::parse(format!("a{id}")).expect("valid"),
            decision: crate::wire::DecisionText::parse("d").expect("valid"),
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
