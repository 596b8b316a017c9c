//! Keeping a segment dimension fast, under the segments: a project declares the dimensions it
//! breaks down by often (role, language, device, trigger, a user attribute) and the collector
//! keeps rollups of them as answers arrive (built from the stored answers when declared);
//! breakdowns by any other dimension read every answer. Owners and admins switch it; others
//! see which it is.

use crate::api;
use crate::components::ErrorBox;
use crate::state;
use leptos::prelude::*;

/// Whether the collector can keep rollups of a `by` parameter.
pub fn declarable(by: &str) -> bool {
    matches!(by, "role" | "language" | "device" | "trigger") || by.strip_prefix("attr:").is_some_and(|key| !key.is_empty())
}

#[component]
pub fn KeepFast(project_id: Signal<Option<i64>>, by: Signal<Option<String>>) -> impl IntoView {
    let declared = RwSignal::new(None::<Vec<String>>);
    let error = RwSignal::new(None::<String>);
    let load = crate::actions::write(
        |project: i64| async move { api::report_dimensions(project).await.ok().map(|d| d.dimensions) },
        move |list| declared.set(list),
    );
    Effect::new(move |_| {
        if let Some(project) = project_id.get() {
            load.dispatch(project);
        }
    });
    let can_configure = move || state().user.get().is_some_and(|u| u.role.can_configure());
    let keep_action = crate::actions::write_or_error(
        |(project, dimension, keep): (i64, String, bool)| async move { api::keep_dimension(project, &dimension, keep).await },
        error,
        move |list| declared.set(Some(list.dimensions)),
    );
    let switch = move |keep: bool| {
        let (Some(project), Some(dimension)) = (project_id.get_untracked(), by.get_untracked()) else { return };
        keep_action.dispatch((project, dimension, keep));
    };
    let line = move || {
        let dimension = by.get().filter(|b| declarable(b))?;
        let kept = declared.get()?.contains(&dimension);
        let text = if kept {
            format!("Kept fast: breakdowns by {dimension} read rollups the collector keeps up to date as answers arrive.")
        } else {
            format!("Breakdowns by {dimension} read every answer; keep the dimension to make them fast on a large project.")
        };
        Some(view! {
            <p class="muted small" data-testid="dimension-state">
                {text} " "
                {can_configure().then(|| view! {
                    <button type="button" class="link" on:click=move |_| switch(!kept)>{if kept { "Stop keeping it" } else { "Keep it fast" }}</button>
                })}
            </p>
        })
    };
    view! {
        {line}
        <ErrorBox error=error.into() />
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn only_what_the_collector_keeps_rollups_of_is_declarable() {
        for by in ["role", "language", "device", "trigger", "attr:plan"] {
            assert!(super::declarable(by), "{by}");
        }
        for by in ["attr:", "acct:tier", "account", "survey"] {
            assert!(!super::declarable(by), "{by}");
        }
    }
}
