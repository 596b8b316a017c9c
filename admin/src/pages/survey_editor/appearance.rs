//! The appearance card: placement, theme and brand colour.

use super::*;

pub(super) fn appearance_card(form: Form, errors: Errors) -> impl IntoView {
    view! {
        <section class="card">
            <h2>"Appearance"</h2>
            <div class="row">
                <label class="field small">
                    <span>"Placement"</span>
                    <select name="placement" prop:value=committed(move || form.with(|f| enum_str(&f.definition.appearance.placement)))
                        on:change=move |ev| { if let Some(p) = parse_enum::<Placement>(&event_target_value(&ev)) { form.update(|f| f.definition.appearance.placement = p) } }>
                        <option value="bottom_right">"bottom right"</option>
                        <option value="bottom_left">"bottom left"</option>
                        <option value="centre">"centre"</option>
                        <option value="bottom_sheet">"bottom sheet"</option>
                    </select>
                </label>
                <label class="field small">
                    <span>"Theme"</span>
                    <select name="theme" prop:value=committed(move || form.with(|f| enum_str(&f.definition.appearance.theme)))
                        on:change=move |ev| { if let Some(t) = parse_enum::<Theme>(&event_target_value(&ev)) { form.update(|f| f.definition.appearance.theme = t) } }>
                        <option value="auto">"auto (follows the user)"</option>
                        <option value="light">"light"</option>
                        <option value="dark">"dark"</option>
                    </select>
                </label>
                <label class="field small">
                    <span>"Brand colour"</span>
                    <input type="color" name="brand_colour_picker" prop:value=committed(move || form.with(|f| f.definition.appearance.brand_colour.clone()))
                        on:input=move |ev| { let v = event_target_value(&ev); form.update(|f| f.definition.appearance.brand_colour = v); } />
                </label>
                <label class="field small">
                    <span>"Brand colour (hex)"</span>
                    <input type="text" name="definition.appearance.brand_colour" prop:value=committed(move || form.with(|f| f.definition.appearance.brand_colour.clone()))
                        on:input=move |ev| { let v = event_target_value(&ev); form.update(|f| f.definition.appearance.brand_colour = v.trim().to_owned()); } />
                </label>
            </div>
            <FieldErrors errors=errors path="definition.appearance" />
        </section>
    }
}
