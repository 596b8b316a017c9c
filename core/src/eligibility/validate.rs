//! Checks on survey rules before they are saved, one readable message per problem.
//!
//! Every message starts with the path of the field (`rules.triggers[0].name`), so the admin
//! app can put it next to the right input.

use super::conditions::PropertyCondition;
use super::targeting::Condition;
use super::{FatigueOverrides, SurveyRules, Targeting, Trigger};

impl SurveyRules {
    /// Problems an editor must fix before the rules can be saved (empty = fine).
    pub fn problems(&self) -> Vec<String> {
        let mut out = Vec::new();
        for (i, trigger) in self.triggers.iter().enumerate() {
            trigger_problems(&format!("rules.triggers[{i}]"), trigger, &mut out);
        }
        targeting_problems(&self.targeting, &mut out);
        fatigue_problems(&self.fatigue, &mut out);
        self.schedule_and_cap_problems(&mut out);
        self.cadence_problems(&mut out);
        out
    }

    fn schedule_and_cap_problems(&self, out: &mut Vec<String>) {
        if let (Some(start), Some(end)) = (self.schedule.starts_at, self.schedule.ends_at)
            && start >= end
        {
            out.push("rules.schedule.starts_at must be before rules.schedule.ends_at".to_owned());
        }
        for (name, cap) in [("per_day", self.response_caps.per_day), ("total", self.response_caps.total)] {
            if cap == Some(0) {
                out.push(format!("rules.response_caps.{name} must be at least 1 (leave it out for no cap)"));
            }
        }
    }

    fn cadence_problems(&self, out: &mut Vec<String>) {
        if self.cadence_days == Some(0) {
            out.push("rules.cadence_days must be at least 1".to_owned());
        }
        let trigger_cadence = self.triggers.iter().enumerate().find_map(|(i, t)| match t {
            Trigger::Cadence { every_days } => Some((i, *every_days)),
            _ => None,
        });
        if let (Some(days), Some((i, every))) = (self.cadence_days, trigger_cadence)
            && days != every
        {
            out.push(format!("rules.cadence_days ({days}) and rules.triggers[{i}].every_days ({every}) disagree"));
        }
    }
}

fn trigger_problems(path: &str, trigger: &Trigger, out: &mut Vec<String>) {
    match trigger {
        Trigger::Event { name, conditions, nth_occurrence, .. } => {
            if name.trim().is_empty() {
                out.push(format!("{path}.name must not be empty"));
            }
            if *nth_occurrence == Some(0) {
                out.push(format!("{path}.nth_occurrence must be at least 1 (1 = the first occurrence)"));
            }
            for (j, c) in conditions.iter().enumerate() {
                property_problems(&format!("{path}.conditions[{j}]"), c, out);
            }
        }
        Trigger::PageView { url, .. } => {
            if let Some(problem) = url.problem() {
                out.push(format!("{path}.url.value {problem}"));
            }
        }
        Trigger::Cadence { every_days: 0 } => out.push(format!("{path}.every_days must be at least 1")),
        Trigger::Cadence { .. } => {}
    }
}

fn property_problems(path: &str, c: &PropertyCondition, out: &mut Vec<String>) {
    if c.property.trim().is_empty() {
        out.push(format!("{path}.property must not be empty"));
    }
    if let Some(problem) = c.op.value_problem(&c.value) {
        out.push(format!("{path}.value {problem} for `{}`", c.op.as_str()));
    }
}

fn condition_problems(path: &str, c: &Condition, out: &mut Vec<String>) {
    if c.attribute.trim().is_empty() {
        out.push(format!("{path}.attribute must not be empty"));
    }
    if let Some(problem) = c.op.value_problem(&c.value) {
        out.push(format!("{path}.value {problem} for `{}`", c.op.as_str()));
    }
}

fn targeting_problems(t: &Targeting, out: &mut Vec<String>) {
    for (i, c) in t.conditions.iter().enumerate() {
        condition_problems(&format!("rules.targeting.conditions[{i}]"), c, out);
    }
    for (i, c) in t.exclude.conditions.iter().enumerate() {
        condition_problems(&format!("rules.targeting.exclude.conditions[{i}]"), c, out);
    }
    let lists = [
        ("roles", &t.roles),
        ("languages", &t.languages),
        ("devices", &t.devices),
        ("exclude.email_domains", &t.exclude.email_domains),
    ];
    for (name, list) in lists {
        for (i, item) in list.iter().enumerate() {
            if item.trim().trim_start_matches('@').is_empty() {
                out.push(format!("rules.targeting.{name}[{i}] must not be empty"));
            }
        }
    }
}

fn fatigue_problems(f: &FatigueOverrides, out: &mut Vec<String>) {
    if let Some((0, days)) = f.max_surveys_per_window
        && days > 0
    {
        out.push("rules.fatigue.max_surveys_per_window allows 0 surveys, so nobody would ever be asked".to_owned());
    }
}
