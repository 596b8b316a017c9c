//! The retention card of the "Data requests" tool: how long the project keeps raw answers, and
//! a button that runs the deletion now rather than at the next hourly pass (after the period is
//! shortened, or before an audit), with what it deleted.

use crate::api;
use crate::components::page::Card;
use crate::components::{ErrorBox, resource_view};
use leptos::prelude::*;
use nps_core::wire::RetentionCounts;

fn policy(months: Option<u16>) -> String {
    match months {
        Some(m) => format!(
            "Raw answers, displays and decisions older than {m} months are deleted every hour; the report's rollups keep the trend."
        ),
        None => "This project keeps answers for ever: set a retention period in its settings to delete old raw answers.".to_owned(),
    }
}

fn deleted(counts: &RetentionCounts) -> String {
    format!(
        "Retention ran: {} answers, {} displays, {} decisions and {} follow-ups deleted.",
        counts.answers, counts.displays, counts.decisions, counts.followups
    )
}

#[component]
pub fn RetentionCard(project_id: i64) -> impl IntoView {
    let project = LocalResource::new(move || async move { api::project(project_id).await.map_err(|e| e.message) });
    let error = RwSignal::new(None::<String>);
    let outcome = RwSignal::new(None::<String>);
    let run = crate::actions::write_or_error(
        move |()| async move { api::run_retention(project_id).await },
        error,
        move |counts: RetentionCounts| outcome.set(Some(deleted(&counts))),
    );
    let on_run = move |_| {
        if crate::confirmed("Delete this project's raw answers older than its retention period now? This cannot be undone.") {
            run.dispatch(());
        }
    };
    view! {
        <Card title="Retention" title_id="retention-title">
            {resource_view(project, move |p| {
                let keeps = p.retention_months.is_some();
                view! {
                    <p class="muted small" data-testid="retention-policy">{policy(p.retention_months)}</p>
                    {keeps.then(|| view! {
                        <button type="button" class="secondary danger" disabled=move || run.pending().get() on:click=on_run>"Run retention now"</button>
                    })}
                }
            })}
            {move || outcome.get().map(|text| view! { <p role="status" data-testid="retention-result">{text}</p> })}
            <ErrorBox error=error.into() />
        </Card>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_policy_and_the_outcome_read_as_sentences() {
        assert!(policy(Some(6)).starts_with("Raw answers, displays and decisions older than 6 months"));
        assert!(policy(None).contains("keeps answers for ever"));
        let counts = RetentionCounts { answers: 3, displays: 2, decisions: 5, followups: 1 };
        assert_eq!(deleted(&counts), "Retention ran: 3 answers, 2 displays, 5 decisions and 1 follow-ups deleted.");
    }
}
