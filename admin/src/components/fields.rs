//! Labelled form fields bound to a signal: the label's text in a `span` above (or, `inline`,
//! beside) the control, as `admin.css` lays out `.field`. The survey editor binds its fields to
//! the survey being edited instead (`pages/survey_editor/fields.rs`).

use leptos::prelude::*;

/// The `<option>`s of a select, each `(value, text)`.
pub fn options(list: &'static [(&'static str, &'static str)]) -> impl IntoView + use<> {
    list.iter().map(|(value, text)| view! { <option value=*value>{*text}</option> }).collect_view()
}

/// An input of text (or e-mail, search, password, date, a number kept as typed...) bound to
/// `value`.
#[component]
pub fn TextField(
    label: &'static str,
    name: &'static str,
    value: RwSignal<String>,
    /// The input's `type`.
    #[prop(default = "text")]
    kind: &'static str,
    #[prop(default = "field")] class: &'static str,
    #[prop(optional)] placeholder: Option<&'static str>,
    #[prop(optional)] autocomplete: Option<&'static str>,
    #[prop(optional)] required: bool,
    /// Bounds of a number or a date.
    #[prop(optional)]
    min: Option<&'static str>,
    #[prop(optional)] max: Option<&'static str>,
) -> impl IntoView {
    view! {
        <label class=class><span>{label}</span>
            <input type=kind name=name placeholder=placeholder autocomplete=autocomplete required=required min=min max=max
                prop:value=move || value.get() on:input=move |ev| value.set(event_target_value(&ev)) />
        </label>
    }
}

/// A whole number bound to `value`; what is not one becomes `fallback`.
#[component]
pub fn NumberField(
    label: &'static str,
    name: &'static str,
    value: RwSignal<u32>,
    fallback: u32,
    min: &'static str,
    #[prop(optional)] max: Option<&'static str>,
    #[prop(default = "field inline")] class: &'static str,
) -> impl IntoView {
    view! {
        <label class=class><span>{label}</span>
            <input type="number" name=name min=min max=max prop:value=move || value.get().to_string()
                on:change=move |ev| value.set(event_target_value(&ev).parse().unwrap_or(fallback)) />
        </label>
    }
}

/// A select bound to `value`: the `options` given, then any made at run time (`children`).
#[component]
pub fn SelectField(
    label: &'static str,
    name: &'static str,
    value: RwSignal<String>,
    #[prop(optional)] options: &'static [(&'static str, &'static str)],
    #[prop(default = "field inline")] class: &'static str,
    /// Runs after each choice, e.g. to apply it at once.
    #[prop(optional, into)]
    on_pick: Option<Callback<()>>,
    #[prop(optional)] children: Option<Children>,
) -> impl IntoView {
    let pick = move |ev: web_sys::Event| {
        value.set(event_target_value(&ev));
        if let Some(then) = on_pick {
            then.run(());
        }
    };
    view! {
        <label class=class><span>{label}</span>
            <select name=name prop:value=move || value.get() on:change=pick>
                {self::options(options)}
                {children.map(|more| more())}
            </select>
        </label>
    }
}

/// A checkbox bound to `value`, its label after it.
#[component]
pub fn CheckField(label: &'static str, name: &'static str, value: RwSignal<bool>) -> impl IntoView {
    view! {
        <label class="check">
            <input type="checkbox" name=name prop:checked=move || value.get() on:change=move |ev| value.set(event_target_checked(&ev)) />
            {label}
        </label>
    }
}

/// A link to hand on (an invitation, a reset, a personal link): read-only, selectable.
#[component]
pub fn LinkField(#[prop(into)] label: String, #[prop(into)] value: String, #[prop(optional)] testid: Option<&'static str>) -> impl IntoView {
    view! { <input type="text" readonly class="link-field" aria-label=label data-testid=testid prop:value=value /> }
}
