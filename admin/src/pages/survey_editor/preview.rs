//! The live preview: the unsaved survey posted to the preview iframe, at a chosen step and band.

use super::*;
use crate::components::fields::SelectField;

/// Posts the unsaved survey to the preview iframe (`/admin/preview.html`).
pub(super) fn post_preview(frame: &web_sys::HtmlIFrameElement, input: &SurveyInput, lang: &str, step: &str, band: &str) {
    let message = serde_json::json!({
        "type": "nps-preview",
        "kind": input.kind,
        "language": lang,
        "step": step,
        "band": band,
        "definition": input.definition,
    });
    let Some(target) = frame.content_window() else { return };
    let origin = Some(crate::location_origin()).filter(|o| !o.is_empty()).unwrap_or_else(|| "*".to_owned());
    if let Ok(value) = js_sys::JSON::parse(&message.to_string()) {
        let _ = target.post_message(&value, &origin);
    }
}

/// The preview pane beside the form: the real widget in an iframe, showing the unsaved texts
/// of the language being edited.
pub(super) fn preview_pane(form: Form, lang: RwSignal<String>) -> impl IntoView {
    let step = RwSignal::new("question".to_owned());
    let band = RwSignal::new("promoter".to_owned());
    let frame = NodeRef::<leptos::html::Iframe>::new();
    let send_preview = move || {
        let input = form.get();
        let (l, s, b) = (lang.get(), step.get(), band.get());
        if let Some(frame) = frame.get_untracked() {
            post_preview(&frame, &input, &l, &s, &b);
        }
    };
    Effect::new(move |_| send_preview());
    view! {
    <aside class="preview card" aria-label="Live preview">
        <h2>"Preview"</h2>
        <div class="row">
            <SelectField label="Step" name="preview_step" value=step class="field small"
                options=&[("question", "question"), ("follow_up", "follow-up"), ("thank_you", "thank you")] />
            <SelectField label="As a" name="preview_band" value=band class="field small"
                options=&[("promoter", "promoter"), ("passive", "passive"), ("detractor", "detractor")] />
        </div>
        <iframe node_ref=frame src="/admin/preview.html" title="Survey preview" class="preview-frame"
            on:load=move |_| send_preview()></iframe>
        <p class="muted small">"Unsaved changes are previewed as you type."</p>
    </aside>
    }
}
