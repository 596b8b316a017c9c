//! The appearance card: placement, theme and brand colour.

use super::*;

const PLACEMENTS: &[(&str, &str)] = &[("bottom_right", "bottom right"), ("bottom_left", "bottom left"), ("centre", "centre"), ("bottom_sheet", "bottom sheet")];
const THEMES: &[(&str, &str)] = &[("auto", "auto (follows the user)"), ("light", "light"), ("dark", "dark")];

pub(super) fn appearance_card(form: Form, errors: Errors) -> impl IntoView {
    view! {
        <Card title="Appearance">
            <div class="row">
                {enum_field(form, "Placement", "placement", PLACEMENTS, |f| f.definition.appearance.placement, |f, p: Placement| f.definition.appearance.placement = p)}
                {enum_field(form, "Theme", "theme", THEMES, |f| f.definition.appearance.theme, |f, t: Theme| f.definition.appearance.theme = t)}
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
        </Card>
    }
}
