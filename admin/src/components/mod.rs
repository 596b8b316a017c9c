//! Reusable pieces: the NPS headline, the SVG charts, error messages next to fields.

pub mod distribution;
pub mod nps_headline;
pub mod trend_chart;

use leptos::prelude::*;

/// The messages of `errors` that concern the field at `path` (messages start with the path of
/// their field, e.g. `rules.sampling_rate_bp must be ...`).
#[component]
pub fn FieldErrors(errors: Signal<Vec<String>>, #[prop(into)] path: String) -> impl IntoView {
    let path_for_filter = path.clone();
    let mine = move || {
        errors
            .get()
            .into_iter()
            .filter(|m| {
                m.strip_prefix(path_for_filter.as_str())
                    .is_some_and(|rest| rest.is_empty() || rest.starts_with([' ', '.', '[', ':']))
            })
            .collect::<Vec<_>>()
    };
    view! {
        <Show when=move || !mine().is_empty()>
            <ul class="field-errors" role="alert" data-field=path.clone()>
                {move || mine().into_iter().map(|m| view! { <li>{m}</li> }).collect_view()}
            </ul>
        </Show>
    }
}

/// A form-level error (network, permissions, anything not tied to one field).
#[component]
pub fn ErrorBox(error: Signal<Option<String>>) -> impl IntoView {
    view! {
        {move || error.get().map(|e| view! { <p class="error" role="alert">{e}</p> })}
    }
}
