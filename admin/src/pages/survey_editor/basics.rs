//! The survey card: name, kind and status.

use super::*;

pub(super) fn basics_card(form: Form, errors: Errors) -> impl IntoView {
    view! {
        <section class="card">
            <h2>"Survey"</h2>
            {text_field(form, errors, "Name", "name", |f| f.name.clone(), |f, v| f.name = v)}
            <div class="row">
                <label class="field small">
                    <span>"Kind"</span>
                    <select name="kind" prop:value=committed(move || form.with(|f| f.kind.as_str().to_owned()))
                        on:change=move |ev| { if let Some(k) = SurveyKind::parse(&event_target_value(&ev)) { form.update(|f| f.kind = k) } }>
                        <option value="tnps">"tNPS (transactional)"</option>
                        <option value="rnps">"rNPS (relational)"</option>
                        <option value="enps">"eNPS (employees)"</option>
                        <option value="partner">"partner NPS"</option>
                    </select>
                </label>
                <label class="field small">
                    <span>"Status"</span>
                    <select name="status" prop:value=committed(move || form.with(|f| f.status.as_str().to_owned()))
                        on:change=move |ev| { if let Some(s) = SurveyStatus::parse(&event_target_value(&ev)) { form.update(|f| f.status = s) } }>
                        <option value="draft">"draft"</option>
                        <option value="live">"live"</option>
                        <option value="paused">"paused"</option>
                        <option value="closed">"closed"</option>
                    </select>
                </label>
            </div>
        </section>
    }
}
