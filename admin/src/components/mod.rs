//! Reusable pieces: the NPS headline, the SVG charts, tables, form fields, error messages
//! next to fields, and how a screen shows what it loads.
//!
//! The screens of the first download (sign-in, the project list, a project's page) use the
//! loading helpers below but write their few tables, cards and inputs out: used there,
//! `ListTable`, `Card` and the field components would move into the main module and add
//! about 2.3 KB brotli to a first visit (measured), for five tables and four inputs.

pub mod csv_import;
pub mod date_range;
pub mod distribution;
pub mod fields;
pub mod interval_bar;
pub mod nps_headline;
pub mod page;
pub mod table;
pub mod trend_chart;

use leptos::prelude::*;
use nps_core::Band;

/// A checkbox per band, in `Band::ALL`'s order with its label from `labels`, each named
/// `{prefix}_{band}`, that adds its band to `bands` or takes it out.
#[component]
pub fn BandChecks(prefix: &'static str, labels: [&'static str; 3], bands: RwSignal<Vec<Band>>) -> impl IntoView {
    Band::ALL.into_iter().zip(labels).map(|(band, label)| view! {
        <label class="check">
            <input type="checkbox" name=format!("{prefix}_{}", band.as_str()) prop:checked=move || bands.get().contains(&band)
                on:change=move |ev| {
                    let on = event_target_checked(&ev);
                    bands.update(|b| { b.retain(|x| *x != band); if on { b.push(band); } });
                } />
            {label}
        </label>
    }).collect_view()
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
    move || error.get().map(alert)
}

/// An error shown as an alert: a load that failed, a form the collector refused.
pub fn alert(message: String) -> AnyView {
    view! { <p class="error" role="alert">{message}</p> }.into_any()
}

/// What a card shows while its figures load (also the fallback of its `Transition`).
pub fn loading() -> impl IntoView {
    view! { <p class="muted">"Loading..."</p> }
}

/// A form's submit handler: the page stays where it is (no navigation), and `f` runs.
pub fn on_submit(f: impl Fn() + 'static) -> impl Fn(web_sys::SubmitEvent) + 'static {
    move |ev| {
        ev.prevent_default();
        f();
    }
}

/// A muted line: what a card says when it has nothing to show.
pub fn muted(text: &'static str) -> AnyView {
    view! { <p class="muted">{text}</p> }.into_any()
}

/// What a screen shows for something it loads: "Loading..." until it is there, the error as
/// an alert, else `show(value)`.
pub fn loaded<T, V: IntoView + 'static>(state: Option<Result<T, String>>, show: impl FnOnce(T) -> V) -> AnyView {
    match state {
        None => loading().into_any(),
        Some(Err(e)) => alert(e),
        Some(Ok(value)) => show(value).into_any(),
    }
}

/// `loaded` for a list: `empty`, muted, when it has nothing in it.
pub fn loaded_list<T, V: IntoView + 'static>(state: Option<Result<Vec<T>, String>>, empty: &'static str, show: impl FnOnce(Vec<T>) -> V) -> AnyView {
    loaded(state, |list| if list.is_empty() { muted(empty) } else { show(list).into_any() })
}

/// `loaded` for a resource, in a `Transition` of its own: a resource read directly under a
/// lazy screen's `Suspense` would hold the whole screen back, and a new answer replaces the
/// figures without "Loading..." in between.
pub fn resource_view<T, V>(resource: LocalResource<Result<T, String>>, show: impl Fn(T) -> V + Send + Sync + 'static) -> impl IntoView
where
    T: Clone + Send + Sync + 'static,
    V: IntoView + 'static,
{
    view! { <Transition fallback=loading>{move || loaded(resource.get(), &show)}</Transition> }
}

/// `resource_view` of a list: `empty`, muted, when it has nothing in it.
pub fn list_view<T, V>(resource: LocalResource<Result<Vec<T>, String>>, empty: &'static str, show: impl Fn(Vec<T>) -> V + Send + Sync + 'static) -> impl IntoView
where
    T: Clone + Send + Sync + 'static,
    V: IntoView + 'static,
{
    view! { <Transition fallback=loading>{move || loaded_list(resource.get(), empty, &show)}</Transition> }
}
