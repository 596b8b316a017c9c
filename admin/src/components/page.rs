//! Pieces of a screen's frame: cards, the way back to a project, a headline figure, a status
//! line.

use crate::{Link, Route};
use leptos::prelude::*;

/// A card with its title. With a `title_id`, the title labels the card, so a screen reader
/// names the region and tests can find it.
#[component]
pub fn Card(#[prop(into)] title: String, #[prop(optional)] title_id: Option<&'static str>, children: Children) -> impl IntoView {
    view! {
        <section class="card" aria-labelledby=title_id>
            <h2 id=title_id>{title}</h2>
            {children()}
        </section>
    }
}

/// "Projects / Project" above a project's tool (`children`: further steps, each with its " / ").
#[component]
pub fn ProjectCrumbs(project_id: i64, #[prop(optional)] children: Option<Children>) -> impl IntoView {
    view! {
        <p class="crumbs">
            <Link route=Route::Projects>"Projects"</Link>" / "<Link route=Route::Project(project_id)>"Project"</Link>
            {children.map(|more| more())}
        </p>
    }
}

/// One headline figure: what it is, the figure, and a line under it. `class` adds `big` or a
/// band's colour.
#[component]
pub fn Kpi(
    label: &'static str,
    #[prop(into)] value: String,
    /// The figure's `data-testid`.
    #[prop(optional)]
    testid: Option<&'static str>,
    #[prop(optional, into)] sub: Option<String>,
    #[prop(optional)] sub_testid: Option<&'static str>,
    #[prop(default = "kpi")] class: &'static str,
) -> impl IntoView {
    view! {
        <div class=class>
            <span class="kpi-label">{label}</span>
            <span class="kpi-value" data-testid=testid>{value}</span>
            {sub.map(|sub| view! { <span class="kpi-sub" data-testid=sub_testid>{sub}</span> })}
        </div>
    }
}

/// What the last action of a form came to ("Saved...", "Test event queued..."), when there is
/// something to say; screen readers hear it without losing their place.
#[component]
pub fn StatusNote(text: RwSignal<Option<String>>, #[prop(optional)] testid: Option<&'static str>) -> impl IntoView {
    move || text.get().map(|t| view! { <p class="muted" role="status" data-testid=testid>{t}</p> })
}
