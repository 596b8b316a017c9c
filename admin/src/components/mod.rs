//! Reusable pieces: the NPS headline, the SVG charts, error messages next to fields.

pub mod csv_import;
pub mod date_range;
pub mod distribution;
pub mod interval_bar;
pub mod new_password;
pub mod nps_headline;
pub mod trend_chart;

use leptos::prelude::*;
use nps_core::Band;

/// A checkbox named `{prefix}_{band}` that adds `band` to `bands` or takes it out.
#[component]
pub fn BandCheck(prefix: &'static str, band: Band, label: &'static str, bands: RwSignal<Vec<Band>>) -> impl IntoView {
    view! {
        <label class="check">
            <input type="checkbox" name=format!("{prefix}_{}", band.as_str()) prop:checked=move || bands.get().contains(&band)
                on:change=move |ev| {
                    let on = event_target_checked(&ev);
                    bands.update(|b| { b.retain(|x| *x != band); if on { b.push(band); } });
                } />
            {label}
        </label>
    }
}

/// The messages of `errors` that concern the field at `path` (messages start with the path of
/// their field, e.g. `rules.sampling_rate_bp must be ...`).
#[component]
pub fn FieldErrors(errors: Signal<Vec<String>>, #[prop(into)] path: String) -> impl IntoView {
    let field = path.clone();
    let mine = move || {
        errors
            .get()
            .into_iter()
            .filter(|m| m.strip_prefix(path.as_str()).is_some_and(|rest| rest.is_empty() || rest.starts_with([' ', '.', '[', ':'])))
            .collect::<Vec<_>>()
    };
    move || {
        let messages = mine();
        (!messages.is_empty()).then(|| {
            view! {
                // The alert role goes on a wrapper: on the list itself it would hide the list
                // from assistive technology (its items would have no list).
                <div role="alert">
                    <ul class="field-errors" data-field=field.clone()>
                        {messages.into_iter().map(|m| view! { <li>{m}</li> }).collect_view()}
                    </ul>
                </div>
            }
        })
    }
}

/// A form-level error (network, permissions, anything not tied to one field).
#[component]
pub fn ErrorBox(error: Signal<Option<String>>) -> impl IntoView {
    view! {
        {move || error.get().map(|e| view! { <p class="error" role="alert">{e}</p> })}
    }
}

/// What a card shows while its figures load (also the fallback of its `Transition`).
pub fn loading() -> impl IntoView {
    view! { <p class="muted">"Loading..."</p> }
}

/// What a screen shows for something it loads: "Loading..." until it is there, the error as
/// an alert, else `show(value)`.
pub fn loaded<T>(state: Option<Result<T, String>>, show: impl FnOnce(T) -> AnyView) -> AnyView {
    match state {
        None => loading().into_any(),
        Some(Err(e)) => view! { <p class="error" role="alert">{e}</p> }.into_any(),
        Some(Ok(value)) => show(value),
    }
}
