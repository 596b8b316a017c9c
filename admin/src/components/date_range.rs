//! The From / To (inclusive) date fields of a filter form: the responses list, the report and
//! the audit log (`pages::report::range` turns them into the API's half-open range).

use leptos::prelude::*;

/// Two date inputs named `from` and `to`, bound to `YYYY-MM-DD` strings (empty = open).
pub fn date_range_fields(from: RwSignal<String>, to: RwSignal<String>) -> impl IntoView {
    view! {
        <label class="field inline"><span>"From"</span>
            <input type="date" name="from" prop:value=move || from.get() on:change=move |ev| from.set(event_target_value(&ev)) />
        </label>
        <label class="field inline"><span>"To (inclusive)"</span>
            <input type="date" name="to" prop:value=move || to.get() on:change=move |ev| to.set(event_target_value(&ev)) />
        </label>
    }
}
